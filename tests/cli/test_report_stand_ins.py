"""The --once table's 5H and WEEK columns show what stands in for their own window (the limit
that binds now, a scoped limit fuller than the plain one), and OTHER names it first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from providers.model import AccountSnapshot, Status, Window
from tui import once as report

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
WEEK = 7 * 86400


def snapshot(*windows: Window) -> AccountSnapshot:
    return AccountSnapshot("claude", "work", "test", False, Status.OK, windows=windows)


def window(window_id: str, label: str, used: float, seconds: int, days: float, **kw) -> Window:
    reset = NOW + timedelta(days=days)
    return Window(window_id, label, used, resets_at=reset, window_seconds=seconds, **kw)


FIVE = window("five_hour", "5h", 37, 18000, 0.2)
WEEKLY = window("weekly", "Weekly", 39, WEEK, 4)
FABLE = window("weekly:Fable", "Fable only", 69, WEEK, 2, binding=True)


def cells(table: str) -> tuple[list[str], list[str]]:
    header, row = table.splitlines()[:2]
    return header.split("  "), [cell.strip() for cell in row.split("  ") if cell.strip()]


def test_a_binding_scoped_limit_fills_the_week_column_and_is_named_first() -> None:
    table = report.table([snapshot(FABLE, FIVE, WEEKLY)], None, now=NOW)
    _, row = cells(table)
    assert row[3:5] == ["63%", "31%"]
    assert row[5] == report._local(FABLE.resets_at, 0, NOW)  # the reset of what is shown
    assert row[6] == "WEEK: Fable only (binds now), Weekly 61% left"


def test_a_fuller_scoped_limit_that_does_not_bind_is_named_without_the_mark() -> None:
    opus = window("weekly:Opus", "Opus only", 92, WEEK, 4)
    _, row = cells(report.table([snapshot(FIVE, opus, WEEKLY)], None, now=NOW))
    assert row[3:5] == ["63%", "8%"]
    assert row[6] == "WEEK: Opus only, Weekly 61% left"


def test_the_usual_order_keeps_the_columns_as_they_were() -> None:
    opus = window("weekly:Opus", "Opus only", 10, WEEK, 4)
    _, row = cells(report.table([snapshot(FIVE, WEEKLY, opus)], None, now=NOW))
    assert row[3:5] == ["63%", "61%"]
    assert row[6] == "Opus only 90% left"


def test_the_name_of_a_stand_in_survives_a_narrow_table() -> None:
    extras = [window(f"weekly:M{n}", f"Model number {n} only", 1, WEEK, 4) for n in range(6)]
    table = report.table([snapshot(FABLE, FIVE, WEEKLY, *extras)], 60, now=NOW)
    assert max(len(line) for line in table.splitlines()) <= 60
    assert "WEEK: Fable only (binds now)" in table
    assert "more" in table
