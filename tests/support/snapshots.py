"""Snapshots made by hand, for tests of ordering and presentation."""

from __future__ import annotations

from providers.model import AccountSnapshot, Status, Window


def five_hour_and_weekly(
    provider: str, account: str, source: str, five_left: float | None, weekly_left: float | None
) -> AccountSnapshot:
    """An ok snapshot with a five-hour and a weekly window, each given as percent LEFT (None:
    the window is absent)."""
    windows = []
    if five_left is not None:
        windows.append(Window("five_hour", "5h", used_percent=100 - five_left))
    if weekly_left is not None:
        windows.append(Window("weekly", "Weekly", used_percent=100 - weekly_left))
    return AccountSnapshot(provider, account, source, False, Status.OK, windows=tuple(windows))
