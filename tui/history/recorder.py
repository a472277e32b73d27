"""Writing samples and pruning old ones, in short transactions on one connection.

Each batch of answers is one transaction: the newest stored sample of every window is read
inside it (so a second process writing the same database is taken into account) and the
sampling rule decides what is added. Pruning runs at most once an hour (the time is kept in
the database, so every process shares it) and does a bounded amount of work.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from providers.kit.secrets import scrub
from providers.kit.text import LONG_TEXT_LIMIT, clean_text
from providers.model import AccountSnapshot
from tui.history import rules
from tui.history.rules import BalanceSample, WindowSample

EVENT_DETAIL_LIMIT = 4000
_INSERT_WINDOW = (
    "INSERT OR IGNORE INTO window_samples (series, at, used_percent, resets_at, window_seconds)"
    " VALUES (?, ?, ?, ?, ?)"
)
_INSERT_BALANCE = (
    "INSERT OR IGNORE INTO balance_samples (series, at, amount, unit) VALUES (?, ?, ?, ?)"
)


def _unix(moment: datetime) -> float:
    return moment.astimezone(UTC).timestamp()


def to_ms(seconds: float) -> int:
    """Times are stored as Unix milliseconds: two runs a second apart (cron and the app)
    are two samples, not one."""
    return round(seconds * 1000)


def safe_key(key: str) -> str | None:
    """The account key as stored: AccountSnapshot.key itself, which names a provider, an
    identity or a source and a label, never a secret. Should one ever hold something that
    looks like a secret, the account is not recorded at all rather than stored masked."""
    if not key or clean_text(key, LONG_TEXT_LIMIT) != key or scrub(key) != key:
        return None
    return key


def safe_text(text: str | None, limit: int = 200) -> str:
    return clean_text(scrub(text or ""), limit)


class Recorder:
    """Samples into an open database (store.open_writer); not safe for two threads at once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        # (kind, account key, item) -> (series id, label stored): a new account's first
        # batch looks its series up, the others never again.
        self._series: dict[tuple[str, str, str], tuple[int, str]] = {}

    # ------------------------------------------------------------------ samples

    def record(self, snapshots: Sequence[AccountSnapshot], now: datetime) -> int:
        """Store what the sampling rule keeps of the ok snapshots; returns how many samples."""
        stored = 0
        with self._transaction():
            for snapshot in snapshots:
                if not snapshot.ok:
                    continue
                key = safe_key(snapshot.key)
                if key is None:
                    continue
                label = safe_text(snapshot.account) or key
                at = _unix(snapshot.fetched_at or now)
                for window in snapshot.windows:
                    sample = rules.window_sample(window, at)
                    if sample is not None:
                        series = self._series_id("window", snapshot.provider, key, label, window.id)
                        stored += self._add_window(series, sample)
                for balance in snapshot.balances:
                    found = rules.balance_sample(balance, at)
                    if found is not None:
                        series = self._series_id(
                            "balance", snapshot.provider, key, label, balance.id
                        )
                        stored += self._add_balance(series, found)
        return stored

    def add_window_samples(
        self, provider: str, key: str, label: str, window_id: str, samples: Iterable[WindowSample]
    ) -> int:
        """Samples made elsewhere (the demo's week), oldest first, through the same rule."""
        with self._transaction():
            series = self._series_id("window", provider, key, label, window_id)
            last = self._last_window(series)
            kept = []
            for sample in samples:
                if rules.keep_window(last, sample):
                    kept.append(
                        (series, to_ms(sample.at), sample.used_percent, sample.resets_at,
                         sample.window_seconds)
                    )  # fmt: skip
                    last = sample
            self.connection.executemany(_INSERT_WINDOW, kept)
        return len(kept)

    def add_balance_samples(
        self, provider: str, key: str, label: str, balance_id: str, samples: Iterable[BalanceSample]
    ) -> int:
        with self._transaction():
            series = self._series_id("balance", provider, key, label, balance_id)
            last = self._last_balance(series)
            kept = []
            for sample in samples:
                if rules.keep_balance(last, sample):
                    kept.append((series, to_ms(sample.at), sample.amount, sample.unit))
                    last = sample
            self.connection.executemany(_INSERT_BALANCE, kept)
        return len(kept)

    def has_samples(self, key: str) -> bool:
        row = self.connection.execute(
            "SELECT 1 FROM series AS s WHERE s.account_key = ? AND ("
            " EXISTS (SELECT 1 FROM window_samples WHERE series = s.id)"
            " OR EXISTS (SELECT 1 FROM balance_samples WHERE series = s.id)) LIMIT 1",
            (key,),
        ).fetchone()
        return row is not None

    @contextlib.contextmanager
    def _transaction(self):
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")
            self._series.clear()  # ids inserted in the rolled-back transaction are gone
            raise
        self.connection.execute("COMMIT")

    def _series_id(self, kind: str, provider: str, key: str, label: str, item: str) -> int:
        cache_key = (kind, key, item)
        known = self._series.get(cache_key)
        if known is not None and known[1] == label:
            return known[0]
        # A renamed account (a login the answer now names differently) keeps its series.
        row = self.connection.execute(
            "INSERT INTO series (kind, provider, account_key, account, item)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, account_key, item) DO UPDATE SET account = excluded.account"
            " RETURNING id",
            (kind, provider, key, label, item),
        ).fetchone()
        self._series[cache_key] = (row[0], label)
        return row[0]

    def _last_window(self, series: int) -> WindowSample | None:
        row = self.connection.execute(
            "SELECT at, used_percent, resets_at, window_seconds FROM window_samples"
            " WHERE series = ? ORDER BY at DESC LIMIT 1",
            (series,),
        ).fetchone()
        return WindowSample(row[0] / 1000, *row[1:]) if row else None

    def _last_balance(self, series: int) -> BalanceSample | None:
        row = self.connection.execute(
            "SELECT at, amount, unit FROM balance_samples WHERE series = ? ORDER BY at DESC LIMIT 1",
            (series,),
        ).fetchone()
        return BalanceSample(row[0] / 1000, *row[1:]) if row else None

    def _add_window(self, series: int, sample: WindowSample) -> int:
        if not rules.keep_window(self._last_window(series), sample):
            return 0
        values = (
            series, to_ms(sample.at), sample.used_percent, sample.resets_at, sample.window_seconds
        )  # fmt: skip
        return self.connection.execute(_INSERT_WINDOW, values).rowcount

    def _add_balance(self, series: int, sample: BalanceSample) -> int:
        if not rules.keep_balance(self._last_balance(series), sample):
            return 0
        values = (series, to_ms(sample.at), sample.amount, sample.unit)
        return self.connection.execute(_INSERT_BALANCE, values).rowcount

    # ------------------------------------------------------------------ events

    def record_event(
        self,
        kind: str,
        provider: str | None,
        account: str | None,
        at: datetime,
        detail: Mapping[str, Any],
    ) -> None:
        text = json.dumps(dict(detail), default=str, ensure_ascii=False, sort_keys=True)
        with self._transaction():
            self.connection.execute(
                "INSERT INTO events (at, kind, provider, account, detail) VALUES (?, ?, ?, ?, ?)",
                (
                    to_ms(_unix(at)),
                    safe_text(kind, 64),
                    safe_text(provider, 64) if provider is not None else None,
                    safe_text(account) if account is not None else None,
                    _detail_text(text),
                ),
            )

    # ------------------------------------------------------------------ retention

    def prune(self, now: datetime, *, force: bool = False) -> bool:
        """Drop what is older than KEEP_DAYS and thin raw samples older than RAW_DAYS to one
        an hour, at most once an hour (unless forced), a bounded stretch at a time. Returns
        whether it ran."""
        moment = to_ms(_unix(now))  # every time below in the database's milliseconds
        with self._transaction():
            last = self._meta("last_prune")
            every = to_ms(rules.PRUNE_EVERY_SECONDS)
            if not force and isinstance(last, int) and 0 <= moment - last < every:
                return False
            series = [row[0] for row in self.connection.execute("SELECT id FROM series")]
            oldest_kept = moment - to_ms(rules.KEEP_DAYS * rules.DAY)
            raw_from = _hour_floor(moment - to_ms(rules.RAW_DAYS * rules.DAY))
            for table in ("window_samples", "balance_samples"):
                for series_id in series:  # by series: the primary key finds each range
                    self.connection.execute(
                        f"DELETE FROM {table} WHERE series = ? AND at < ?",
                        (series_id, oldest_kept),
                    )
            self.connection.execute("DELETE FROM events WHERE at < ?", (oldest_kept,))
            self._thin(series, raw_from)
            self._set_meta("last_prune", moment)
        return True

    def _thin(self, series: list[int], raw_from: int) -> None:
        """One hour bucket keeps its first sample, for THIN_CHUNK_SECONDS of history older
        than raw_from; where thinning stopped is kept in meta."""
        done = self._meta("thinned_until")
        done = done if isinstance(done, int) else 0
        if done >= raw_from:
            return
        first = self._first_at(series, done)
        if first is None or first >= raw_from:
            self._set_meta("thinned_until", raw_from)  # nothing old is left unthinned
            return
        start = _hour_floor(first)  # hour buckets are never split between two runs
        end = min(raw_from, start + to_ms(rules.THIN_CHUNK_SECONDS))
        for table in ("window_samples", "balance_samples"):
            for series_id in series:
                self.connection.execute(
                    f"DELETE FROM {table} WHERE series = :series AND at >= :start"
                    f" AND at < :end AND EXISTS (SELECT 1 FROM {table} AS earlier"
                    f" WHERE earlier.series = :series AND earlier.at >= {table}.at"
                    f" - {table}.at % {_HOUR_MS} AND earlier.at < {table}.at)",
                    {"series": series_id, "start": start, "end": end},
                )
        self._set_meta("thinned_until", end)

    def _first_at(self, series: list[int], since: int) -> int | None:
        firsts = []
        for table in ("window_samples", "balance_samples"):
            for series_id in series:
                row = self.connection.execute(
                    f"SELECT min(at) FROM {table} WHERE series = ? AND at >= ?",
                    (series_id, since),
                ).fetchone()
                if row[0] is not None:
                    firsts.append(row[0])
        return min(firsts) if firsts else None

    def _meta(self, name: str) -> Any:
        row = self.connection.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, name: str, value: Any) -> None:
        self.connection.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )


_HOUR_MS = rules.HOUR * 1000


def _hour_floor(ms: int) -> int:
    return ms - ms % _HOUR_MS


def _detail_text(text: str) -> str:
    """The event's detail as JSON, scrubbed; one too long is replaced, not cut mid-JSON."""
    text = scrub(text)
    if len(text) > EVENT_DETAIL_LIMIT:
        return json.dumps({"truncated": True})
    return text
