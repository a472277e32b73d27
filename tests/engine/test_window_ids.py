"""§0's window ids: named by length, unique within an account, the binding window first."""

from datetime import UTC, datetime, timedelta

import pytest

from providers.kit.window_ids import binding_first, length_id, namespaced, unique_windows
from providers.model import Window

T = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (300, "5m"),
        (1800, "30m"),
        (3600, "hourly"),
        (80 * 60, "80m"),
        (2 * 3600, "2h"),
        (6 * 3600, "6h"),
        (18000, "five_hour"),
        (32400, "9h"),
        (86400, "daily"),
        (36 * 3600, "36h"),
        (2 * 86400, "2d"),
        (604800, "weekly"),
        (14 * 86400, "14d"),
        (30 * 86400, "monthly"),
        (20, "1m"),
    ],
)
def test_a_window_is_named_by_its_length(seconds: int, expected: str) -> None:
    assert length_id(seconds)[0] == expected


def test_a_named_limit_is_namespaced_by_slug_and_length() -> None:
    assert namespaced("GPT-5.4-Codex-Mini", 18000) == (
        "gpt-5-4-codex-mini:five_hour",
        "GPT-5.4-Codex-Mini 5h",
    )


def test_true_repeats_merge_and_distinct_windows_are_numbered() -> None:
    first = Window("weekly", "Weekly", 10.0, T, 604800)
    repeat = Window("weekly", "Weekly", 10.0, T + timedelta(seconds=30), 604800)
    other = Window("weekly", "Weekly", 55.0, T, 604800)
    third = Window("weekly", "Weekly", 70.0, T, 604800)
    windows = unique_windows([first, repeat, other, third])
    assert [(w.id, w.label) for w in windows] == [
        ("weekly", "Weekly"),
        ("weekly_2", "Weekly (2)"),
        ("weekly_3", "Weekly (3)"),
    ]


def test_a_repeat_of_a_later_distinct_window_is_dropped_too() -> None:
    """§0: windows sharing an id that are the same limit keep only the first, whichever of
    the distinct ones it repeats; the repeat of the second was numbered `_3`."""
    first = Window("weekly", "Weekly", 10.0, T, 604800)
    other = Window("weekly", "Weekly", 55.0, T, 604800)
    repeat = Window("weekly", "Weekly", 55.0, T + timedelta(seconds=20), 604800)
    windows = unique_windows([first, other, repeat, first])
    assert [(w.id, w.used_percent) for w in windows] == [("weekly", 10.0), ("weekly_2", 55.0)]


def test_thousands_of_windows_under_one_id_stay_unique() -> None:
    # The same figures, resets minutes apart: all distinct, none merged, ids all unique.
    many = [Window("x", "X", 1.0, T + timedelta(minutes=5 * i), 3600) for i in range(3000)]
    windows = unique_windows(many)
    assert len({w.id for w in windows}) == len(windows) == 3000


def test_a_numbered_id_never_collides_with_one_the_service_sent() -> None:
    windows = unique_windows(
        [Window("a", "A", 1.0), Window("a_2", "A2", 2.0), Window("a", "A", 3.0)]
    )
    assert [w.id for w in windows] == ["a", "a_2", "a_3"]


def test_the_binding_window_comes_first_and_only_one_binds() -> None:
    windows = binding_first(
        [
            Window("five_hour", "5h", 1.0),
            Window("weekly:x", "x", 2.0, binding=True),
            Window("weekly", "Weekly", 3.0, binding=True),
        ]
    )
    assert [(w.id, w.binding) for w in windows] == [
        ("weekly:x", True),
        ("five_hour", False),
        ("weekly", False),
    ]
