"""Snapshots and databases for the history tests, on a clock the test moves."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from support.clock import FROZEN

from providers.model import AccountSnapshot, Balance, Status, Window

HOUR = 3600
DAY = 86400
KEY = "codex/acc-work/work"


def snapshot(
    at: datetime = FROZEN,
    *,
    five: float | None = 10.0,
    week: float = 20.0,
    five_resets: datetime | None = None,
    credits: float | None = 14.5,
    key: str = KEY,
    label: str = "work",
    status: Status = Status.OK,
) -> AccountSnapshot:
    windows = []
    if five is not None:
        windows.append(
            Window(
                "five_hour",
                "5h",
                five,
                resets_at=five_resets or FROZEN + timedelta(hours=2),
                window_seconds=5 * HOUR,
            )
        )
    windows.append(
        Window(
            "weekly", "Weekly", week, resets_at=FROZEN + timedelta(days=3), window_seconds=7 * DAY
        )
    )
    balances = (Balance("credits", "Credits", amount=credits, unit="credits"),) if credits else ()
    return AccountSnapshot(
        provider="codex",
        account=label,
        source="~/.codex/auth.json",
        active=True,
        status=status,
        windows=tuple(windows),
        balances=balances,
        fetched_at=at,
        key=key,
    )


def rows(path: Path, table: str = "window_history") -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT * FROM {table} ORDER BY 4, at").fetchall()
    finally:
        connection.close()


def window_rows(path: Path, window: str) -> list[tuple[str, float]]:
    """(at, used %) of one window's samples, oldest first."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT at, used_percent FROM window_history WHERE window = ? ORDER BY at", (window,)
        ).fetchall()
    finally:
        connection.close()
