"""Reading history back: rows for the `history` command, points for the screen.

Every query opens its own read-only connection (WAL: it never waits for a writer) and is
meant to run off the UI thread. Strings read back are cleaned again: the file is data.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.kit.text import LONG_TEXT_LIMIT, clean_text
from tui.history.store import open_reader

# A point before the range is read too, so a line starts with the value it had then.
LEAD_SECONDS = 2 * 3600
# However long the range, a window yields at most this many points (the 15-minute rule keeps
# about 700 a week; a window that moves at every refresh could keep many more).
MAX_POINTS = 20_000


@dataclass(frozen=True)
class Point:
    at: int
    used_percent: float
    resets_at: int | None
    window_seconds: int | None


@dataclass(frozen=True)
class BalancePoint:
    at: int
    amount: float
    unit: str | None


@dataclass(frozen=True)
class AccountHistory:
    """One account's window and balance samples since `since` (Unix seconds), oldest first."""

    since: int
    windows: dict[str, tuple[Point, ...]] = field(default_factory=dict)
    balances: dict[str, tuple[BalancePoint, ...]] = field(default_factory=dict)

    def points(self, window_id: str) -> tuple[Point, ...]:
        return self.windows.get(window_id, ())

    def amounts(self, balance_id: str) -> tuple[BalancePoint, ...]:
        return self.balances.get(balance_id, ())


@dataclass(frozen=True)
class SampleRow:
    provider: str
    account: str
    window: str
    used_percent: float
    resets_at: int | None
    window_seconds: int | None
    at: int


@dataclass(frozen=True)
class BalanceRow:
    provider: str
    account: str
    balance: str
    amount: float
    unit: str | None
    at: int


def _text(value: Any, limit: int = 200) -> str:
    return clean_text(str(value), limit) if value is not None else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    # The file is data: a REAL column can hold inf or NaN, which no chart can place.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def account_history(path: Path, key: str, since: int) -> AccountHistory:
    """The account's windows since `since`. Raises HistoryUnavailable for a bad file."""
    connection = open_reader(path)
    if connection is None:
        return AccountHistory(since=since)
    first = (since - LEAD_SECONDS) * 1000
    try:
        rows = connection.execute(
            "SELECT s.item, w.at, w.used_percent, w.resets_at, w.window_seconds"
            " FROM series AS s JOIN window_samples AS w ON w.series = s.id"
            " WHERE s.kind = 'window' AND s.account_key = ? AND w.at >= ?"
            " ORDER BY s.item, w.at",
            (key, first),
        ).fetchall()
        balance_rows = connection.execute(
            "SELECT s.item, b.at, b.amount, b.unit"
            " FROM series AS s JOIN balance_samples AS b ON b.series = s.id"
            " WHERE s.kind = 'balance' AND s.account_key = ? AND b.at >= ?"
            " ORDER BY s.item, b.at",
            (key, first),
        ).fetchall()
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()
    windows: dict[str, list[Point]] = {}
    for item, at, used, resets, length in rows:
        used_value, moment = _float(used), _int(at)
        if used_value is None or moment is None:
            continue
        moment //= 1000
        found = windows.setdefault(_text(item), [])
        if len(found) < MAX_POINTS:
            found.append(Point(moment, used_value, _int(resets), _int(length)))
    balances: dict[str, list[BalancePoint]] = {}
    for item, at, amount_value, unit in balance_rows:
        amount, moment = _float(amount_value), _int(at)
        if amount is None or moment is None:
            continue
        found_amounts = balances.setdefault(_text(item), [])
        if len(found_amounts) < MAX_POINTS:
            shown_unit = _text(unit, LONG_TEXT_LIMIT) if unit is not None else None
            found_amounts.append(BalancePoint(moment // 1000, amount, shown_unit))
    return AccountHistory(
        since=since,
        windows={k: tuple(v) for k, v in windows.items()},
        balances={k: tuple(v) for k, v in balances.items()},
    )


# SQLite's lower() folds ASCII only: "Élise" would never match --account élise (or Élise,
# folded here), so the filters fold with Python's casefold on both sides.
_FOLD = "aiquota_fold"


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _filters(
    column_provider: str,
    column_account: str,
    column_item: str,
    providers: Sequence[str],
    accounts: Sequence[str],
    items: Sequence[str],
) -> tuple[str, list[Any]]:
    clauses, arguments = [], []
    for column, wanted in (
        (column_provider, providers),
        (column_account, accounts),
        (column_item, items),
    ):
        if wanted:
            clauses.append(f"{_FOLD}({column}) IN ({', '.join('?' * len(wanted))})")
            arguments += [value.casefold() for value in wanted]
    return "".join(f" AND {clause}" for clause in clauses), arguments


def read_rows(
    path: Path,
    since: int,
    *,
    providers: Sequence[str] = (),
    accounts: Sequence[str] = (),
    windows: Sequence[str] = (),
) -> tuple[list[SampleRow], list[BalanceRow]]:
    """Window and balance samples at or after `since`, by provider, account, id and time.
    `windows` selects by id among windows and balances alike. Raises HistoryUnavailable."""
    connection = open_reader(path)
    if connection is None:
        return [], []
    where, arguments = _filters("s.provider", "s.account", "s.item", providers, accounts, windows)
    try:
        connection.create_function(_FOLD, 1, _fold, deterministic=True)
        window_rows = connection.execute(
            "SELECT s.provider, s.account, s.item, w.used_percent, w.resets_at,"
            " w.window_seconds, w.at FROM series AS s JOIN window_samples AS w ON w.series = s.id"
            f" WHERE s.kind = 'window' AND w.at >= ?{where}"
            " ORDER BY s.provider, s.account, s.item, w.at",
            [since * 1000, *arguments],
        ).fetchall()
        balance_rows = connection.execute(
            "SELECT s.provider, s.account, s.item, b.amount, b.unit, b.at"
            " FROM series AS s JOIN balance_samples AS b ON b.series = s.id"
            f" WHERE s.kind = 'balance' AND b.at >= ?{where}"
            " ORDER BY s.provider, s.account, s.item, b.at",
            [since * 1000, *arguments],
        ).fetchall()
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()
    samples = [
        SampleRow(
            provider=_text(provider, 64),
            account=_text(account),
            window=_text(item),
            used_percent=used,
            resets_at=_int(resets),
            window_seconds=_int(length),
            at=moment // 1000,
        )
        for provider, account, item, used_value, resets, length, at in window_rows
        if (used := _float(used_value)) is not None and (moment := _int(at)) is not None
    ]
    balances = [
        BalanceRow(
            provider=_text(provider, 64),
            account=_text(account),
            balance=_text(item),
            amount=amount,
            unit=_text(unit, LONG_TEXT_LIMIT) if unit is not None else None,
            at=moment // 1000,
        )
        for provider, account, item, amount_value, unit, at in balance_rows
        if (amount := _float(amount_value)) is not None and (moment := _int(at)) is not None
    ]
    return samples, balances
