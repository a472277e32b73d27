"""A clock the test moves by hand, so countdowns and schedules are deterministic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FROZEN = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = FROZEN) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
