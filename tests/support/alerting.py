"""Snapshots and settings for the alert tests, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from providers.model import AccountSnapshot, Status, Window
from tui.alerts.settings import AlertSettings, Rules

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
WEEK = 7 * 86400


def window(
    window_id: str = "five_hour",
    left: float | None = 100.0,
    *,
    resets_at: datetime | None = None,
    seconds: int | None = 5 * 3600,
    label: str | None = None,
) -> Window:
    return Window(
        id=window_id,
        label=label or window_id,
        used_percent=None if left is None else 100.0 - left,
        resets_at=resets_at,
        window_seconds=seconds,
    )


def snapshot(
    *windows: Window,
    at: datetime = T0,
    status: Status = Status.OK,
    account: str = "work",
    provider: str = "codex",
    message: str | None = None,
) -> AccountSnapshot:
    return AccountSnapshot(
        provider=provider,
        account=account,
        source="test",
        active=False,
        status=status,
        message=message,
        windows=windows if status is Status.OK else (),
        fetched_at=at,
        key=f"{provider}/acc-{account}/{account}",
    )


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def settings(**rules: object) -> AlertSettings:
    return AlertSettings(rules=Rules(**rules))  # type: ignore[arg-type]
