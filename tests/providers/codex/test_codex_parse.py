"""`providers.codex.parse_usage`: the wham/usage answer → plan, windows, credits (PROVIDERS.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from providers.base import ParseError
from providers.codex.provider import parse_usage
from providers.model import Quota, Window

NOW = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)

HOUR = 3600
DAY = 24 * HOUR
FIVE_HOURS = 5 * HOUR
WEEK = 7 * DAY

# The spec's sample answer carries these epoch seconds.
SAMPLE_PRIMARY_RESET = 1789671690
SAMPLE_SECONDARY_RESET = 1790258490

# A reset three hours after NOW, in every spelling the answer may use.
RESET = NOW + timedelta(hours=3)
RESET_S = int(RESET.timestamp())
RESET_MS = RESET_S * 1000


# --------------------------------------------------------------------------- builders


def window(
    used: Any = 10,
    seconds: Any = None,
    *,
    used_key: str = "used_percent",
    **extra: Any,
) -> dict[str, Any]:
    """One raw window object; `seconds` None leaves the length out."""
    data: dict[str, Any] = {used_key: used}
    if seconds is not None:
        data["limit_window_seconds"] = seconds
    data.update(extra)
    return data


def answer(
    primary: Any = None,
    secondary: Any = None,
    *,
    container: str = "rate_limit",
    primary_key: str = "primary_window",
    secondary_key: str = "secondary_window",
    **top: Any,
) -> dict[str, Any]:
    """A usage answer holding one rate-limit container with the two given windows."""
    limits: dict[str, Any] = {"limit_reached": False}
    if primary is not None:
        limits[primary_key] = primary
    if secondary is not None:
        limits[secondary_key] = secondary
    return {container: limits, **top}


def single(data: dict[str, Any]) -> Window:
    """Parse an answer that must yield exactly one window, and return it."""
    windows = parse_usage(data, NOW).windows
    assert len(windows) == 1, windows
    return windows[0]


def ids(quota: Quota) -> list[str]:
    return [w.id for w in quota.windows]


def by_id(quota: Quota) -> dict[str, Window]:
    return {w.id: w for w in quota.windows}


def sample_answer() -> dict[str, Any]:
    """The sample answer of PROVIDERS.md §1, with the additional limit filled in."""
    return {
        "plan_type": "plus",
        "rate_limit": {
            "limit_reached": False,
            "primary_window": {
                "used_percent": 3,
                "limit_window_seconds": 18000,
                "reset_after_seconds": 10558,
                "reset_at": SAMPLE_PRIMARY_RESET,
            },
            "secondary_window": {
                "used_percent": 1,
                "limit_window_seconds": 604800,
                "reset_after_seconds": 597358,
                "reset_at": SAMPLE_SECONDARY_RESET,
            },
        },
        "additional_rate_limits": [
            {
                "limit_name": "GPT-5.3-Codex-Spark",
                "metered_feature": "codex_bengalfox",
                "rate_limit": {
                    "primary_window": {
                        "used_percent": 40,
                        "limit_window_seconds": 18000,
                        "reset_after_seconds": 3600,
                        "reset_at": RESET_S,
                    },
                    "secondary_window": {
                        "used_percent": 25,
                        "limit_window_seconds": 604800,
                        "reset_after_seconds": 86400,
                        "reset_at": RESET_S + DAY,
                    },
                },
            }
        ],
        "credits": {"has_credits": False, "unlimited": False, "balance": "0"},
    }


# --------------------------------------------------------------------------- the sample answer


class TestSampleAnswer:
    def test_plan(self) -> None:
        assert parse_usage(sample_answer(), NOW).plan == "plus"

    def test_window_ids_in_display_order(self) -> None:
        assert ids(parse_usage(sample_answer(), NOW)) == [
            "five_hour",
            "weekly",
            "gpt-5-3-codex-spark:five_hour",
            "gpt-5-3-codex-spark:weekly",
        ]

    def test_five_hour_window(self) -> None:
        five_hour = by_id(parse_usage(sample_answer(), NOW))["five_hour"]
        assert five_hour.label == "5h"
        assert five_hour.used_percent == pytest.approx(3)
        assert five_hour.remaining_percent == pytest.approx(97)
        assert five_hour.window_seconds == 18000
        # reset_at wins over reset_after_seconds (which would give NOW + 10558 s).
        assert five_hour.resets_at == datetime.fromtimestamp(SAMPLE_PRIMARY_RESET, tz=UTC)

    def test_weekly_window(self) -> None:
        weekly = by_id(parse_usage(sample_answer(), NOW))["weekly"]
        assert weekly.used_percent == pytest.approx(1)
        assert weekly.remaining_percent == pytest.approx(99)
        assert weekly.window_seconds == 604800
        assert weekly.resets_at == datetime.fromtimestamp(SAMPLE_SECONDARY_RESET, tz=UTC)

    def test_resets_at_is_aware_utc(self) -> None:
        for item in parse_usage(sample_answer(), NOW).windows:
            assert item.resets_at is not None
            assert item.resets_at.utcoffset() == timedelta(0)

    def test_additional_rate_limit_windows(self) -> None:
        windows = by_id(parse_usage(sample_answer(), NOW))
        spark_5h = windows["gpt-5-3-codex-spark:five_hour"]
        spark_week = windows["gpt-5-3-codex-spark:weekly"]
        assert spark_5h.label.startswith("GPT-5.3-Codex-Spark")
        assert spark_5h.label.endswith("5h")
        assert spark_week.label.startswith("GPT-5.3-Codex-Spark")
        assert spark_5h.label != spark_week.label
        assert spark_5h.used_percent == pytest.approx(40)
        assert spark_5h.window_seconds == 18000
        assert spark_5h.resets_at == RESET
        assert spark_week.used_percent == pytest.approx(25)
        assert spark_week.window_seconds == 604800
        assert spark_week.resets_at == RESET + timedelta(days=1)

    def test_zero_credits_not_shown(self) -> None:
        assert parse_usage(sample_answer(), NOW).balances == ()

    def test_credits_shown_when_has_credits(self) -> None:
        data = sample_answer()
        data["credits"] = {"has_credits": True, "unlimited": False, "balance": "12.5"}
        (balance,) = parse_usage(data, NOW).balances
        assert balance.id == "credits"
        assert balance.unit == "credits"
        assert balance.amount == pytest.approx(12.5)
        assert balance.unlimited is False


# --------------------------------------------------------------------------- field-name variants

KEY_PAIRS = [
    ("primary_window", "secondary_window"),
    ("primary", "secondary"),
    ("five_hour", "weekly"),
    ("five_hour_limit", "weekly_limit"),
    ("five_hour_rate_limit", "weekly_rate_limit"),
]
CONTAINERS = ["rate_limit", "rate_limits"]


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize(("primary_key", "secondary_key"), KEY_PAIRS)
@pytest.mark.parametrize("with_lengths", [True, False], ids=["lengths", "no-lengths"])
def test_container_and_window_key_variants(
    container: str, primary_key: str, secondary_key: str, with_lengths: bool
) -> None:
    data = answer(
        window(7, FIVE_HOURS if with_lengths else None, reset_at=RESET_S),
        window(55, WEEK if with_lengths else None, reset_at=RESET_S + DAY),
        container=container,
        primary_key=primary_key,
        secondary_key=secondary_key,
    )
    quota = parse_usage(data, NOW)
    assert ids(quota) == ["five_hour", "weekly"]
    five_hour, weekly = quota.windows
    assert five_hour.used_percent == pytest.approx(7)
    assert five_hour.resets_at == RESET
    assert weekly.used_percent == pytest.approx(55)
    assert weekly.resets_at == RESET + timedelta(days=1)


def test_null_rate_limit_falls_back_to_rate_limits() -> None:
    data = {"rate_limit": None, "rate_limits": {"primary_window": window(12, FIVE_HOURS)}}
    assert single(data).used_percent == pytest.approx(12)


@pytest.mark.parametrize(
    ("key", "expected_id"),
    [
        ("primary_window", "five_hour"),
        ("primary", "five_hour"),
        ("five_hour", "five_hour"),
        ("five_hour_limit", "five_hour"),
        ("secondary_window", "weekly"),
        ("secondary", "weekly"),
        ("weekly", "weekly"),
        ("weekly_rate_limit", "weekly"),
    ],
)
def test_lone_window_without_length_takes_its_position(key: str, expected_id: str) -> None:
    assert single({"rate_limit": {key: window(30)}}).id == expected_id


# --------------------------------------------------------------------------- percentages


@pytest.mark.parametrize(
    ("fields", "used"),
    [
        pytest.param({"used_percent": 3}, 3, id="used_percent"),
        pytest.param({"used_percent": 3.5}, 3.5, id="used_percent-float"),
        pytest.param({"used_percent": "3"}, 3, id="used_percent-string"),
        pytest.param({"percent_left": 97}, 3, id="percent_left"),
        pytest.param({"percent_left": "97"}, 3, id="percent_left-string"),
        pytest.param({"remaining_percent": 80}, 20, id="remaining_percent"),
        pytest.param({"remaining_percent": 0}, 100, id="remaining_percent-zero"),
        pytest.param({"remaining_percent": 100}, 0, id="remaining_percent-full"),
    ],
)
def test_percent_variants(fields: dict[str, Any], used: float) -> None:
    item = single(answer({**fields, "limit_window_seconds": FIVE_HOURS}))
    assert item.used_percent == pytest.approx(used)
    assert item.remaining_percent == pytest.approx(100 - used)


def test_used_percent_above_100_is_kept_and_remaining_is_zero() -> None:
    item = single(answer(window(104, FIVE_HOURS)))
    assert item.used_percent == pytest.approx(104)
    assert item.remaining_percent == 0


# --------------------------------------------------------------------------- resets


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"reset_at": RESET_S}, RESET, id="reset_at-seconds"),
        pytest.param({"reset_at": str(RESET_S)}, RESET, id="reset_at-seconds-string"),
        pytest.param({"reset_at": RESET_MS}, RESET, id="reset_at-milliseconds"),
        pytest.param({"reset_at": str(RESET_MS)}, RESET, id="reset_at-milliseconds-string"),
        pytest.param({"reset_time_ms": RESET_MS}, RESET, id="reset_time_ms"),
        pytest.param({"reset_after_seconds": 3 * HOUR}, RESET, id="reset_after_seconds"),
        pytest.param({"reset_after_seconds": "10800"}, RESET, id="reset_after_seconds-string"),
        pytest.param(
            {"reset_at": None, "reset_after_seconds": 3 * HOUR}, RESET, id="null-reset_at"
        ),
        pytest.param({"reset_at": "2026-11-22T03:00:00Z"}, RESET, id="reset_at-iso-z"),
        pytest.param({"reset_at": "2026-11-22T05:00:00+02:00"}, RESET, id="reset_at-iso-offset"),
        pytest.param({}, None, id="no-reset"),
    ],
)
def test_reset_variants(fields: dict[str, Any], expected: datetime | None) -> None:
    item = single(answer(window(10, FIVE_HOURS, **fields)))
    assert item.resets_at == expected
    if expected is not None:
        assert item.resets_at is not None
        assert item.resets_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "now",
    [NOW, datetime(2025, 1, 1, 12, 30, tzinfo=UTC)],
    ids=["now", "another-now"],
)
def test_reset_after_seconds_is_relative_to_the_given_now(now: datetime) -> None:
    data = answer(window(10, FIVE_HOURS, reset_after_seconds=10558))
    (item,) = parse_usage(data, now).windows
    assert item.resets_at == now + timedelta(seconds=10558)


# --------------------------------------------------------------------------- classification by length


@pytest.mark.parametrize("slot", ["primary", "secondary"])
@pytest.mark.parametrize(
    ("seconds", "expected_id"),
    [
        # PROVIDERS.md §1, Changes in 2026: by length, never by slot.
        (300, "5m"),
        (900, "15m"),
        (1800, "30m"),
        (HOUR, "hourly"),
        (3 * HOUR, "3h"),
        (FIVE_HOURS, "five_hour"),
        (6 * HOUR, "6h"),
        (32400, "9h"),
        (DAY, "daily"),
        (3 * DAY, "3d"),
        (WEEK, "weekly"),
        (28 * DAY, "monthly"),
        (30 * DAY, "monthly"),
        (31 * DAY, "monthly"),
    ],
)
def test_window_id_from_length(slot: str, seconds: int, expected_id: str) -> None:
    raw = window(42, seconds)
    data = answer(raw) if slot == "primary" else answer(None, raw)
    item = single(data)
    assert item.id == expected_id
    assert item.window_seconds == seconds
    assert item.used_percent == pytest.approx(42)


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(3 * HOUR, "3h"), (FIVE_HOURS, "5h"), (6 * HOUR, "6h")],
)
def test_short_window_label_names_its_hours(seconds: int, label: str) -> None:
    assert single(answer(window(1, seconds))).label == label


def test_length_given_as_string() -> None:
    item = single(answer(window("3", "18000")))
    assert item.id == "five_hour"
    assert item.window_seconds == 18000
    assert item.used_percent == pytest.approx(3)


def test_window_of_unusual_length_is_kept() -> None:
    item = single(answer(window(64, 3 * DAY)))
    assert item.id not in {"five_hour", "daily", "weekly", "monthly"}
    assert item.window_seconds == 3 * DAY
    assert item.used_percent == pytest.approx(64)


@pytest.mark.parametrize(
    ("primary_seconds", "secondary_seconds", "expected"),
    [
        (FIVE_HOURS, WEEK, ["five_hour", "weekly"]),
        (FIVE_HOURS, DAY, ["five_hour", "daily"]),
        (DAY, 30 * DAY, ["daily", "monthly"]),
        (WEEK, 30 * DAY, ["weekly", "monthly"]),
    ],
)
def test_pair_ids_from_lengths(
    primary_seconds: int, secondary_seconds: int, expected: list[str]
) -> None:
    data = answer(window(10, primary_seconds), window(20, secondary_seconds))
    assert ids(parse_usage(data, NOW)) == expected


@pytest.mark.parametrize("container", CONTAINERS)
def test_weekly_only_answer_has_no_five_hour_window(container: str) -> None:
    data = {container: {"primary_window": window(12, WEEK), "secondary_window": None}}
    item = single(data)
    assert item.id == "weekly"
    assert item.used_percent == pytest.approx(12)
    assert item.window_seconds == WEEK


@pytest.mark.parametrize(("primary_key", "secondary_key"), KEY_PAIRS)
def test_reversed_pair_is_put_back_in_order(primary_key: str, secondary_key: str) -> None:
    data = answer(
        window(10, WEEK, reset_at=RESET_S + DAY),
        window(50, FIVE_HOURS, reset_at=RESET_S),
        primary_key=primary_key,
        secondary_key=secondary_key,
    )
    quota = parse_usage(data, NOW)
    assert ids(quota) == ["five_hour", "weekly"]
    five_hour, weekly = quota.windows
    assert (five_hour.used_percent, five_hour.window_seconds) == (50, FIVE_HOURS)
    assert five_hour.resets_at == RESET
    assert (weekly.used_percent, weekly.window_seconds) == (10, WEEK)
    assert weekly.resets_at == RESET + timedelta(days=1)


def test_reversed_pair_in_additional_limit_is_put_back_in_order() -> None:
    data = {
        "additional_rate_limits": [
            {
                "limit_name": "Spark",
                "rate_limit": {
                    "primary_window": window(10, WEEK),
                    "secondary_window": window(50, FIVE_HOURS),
                },
            }
        ]
    }
    quota = parse_usage(data, NOW)
    assert ids(quota) == ["spark:five_hour", "spark:weekly"]
    assert by_id(quota)["spark:five_hour"].used_percent == pytest.approx(50)


# --------------------------------------------------------------------------- malformed windows


BAD_WINDOWS = [
    pytest.param({"used_percent": "abc", "limit_window_seconds": FIVE_HOURS}, id="percent-abc"),
    pytest.param({"used_percent": True}, id="percent-bool"),
    pytest.param({"used_percent": {"value": 3}}, id="percent-object"),
    pytest.param({"limit_window_seconds": FIVE_HOURS}, id="no-percent"),
    pytest.param({}, id="empty-object"),
    pytest.param("abc", id="string"),
    pytest.param(7, id="number"),
    pytest.param([window(3)], id="list"),
]


@pytest.mark.parametrize("bad", BAD_WINDOWS)
def test_malformed_primary_is_dropped_alone(bad: Any) -> None:
    item = single(answer(bad, window(60, WEEK, reset_at=RESET_S)))
    assert item.id == "weekly"
    assert item.used_percent == pytest.approx(60)
    assert item.resets_at == RESET


@pytest.mark.parametrize("bad", BAD_WINDOWS)
def test_malformed_secondary_is_dropped_alone(bad: Any) -> None:
    item = single(answer(window(20, FIVE_HOURS, reset_at=RESET_S), bad))
    assert item.id == "five_hour"
    assert item.used_percent == pytest.approx(20)
    assert item.resets_at == RESET


def test_malformed_primary_without_lengths_does_not_promote_secondary() -> None:
    assert single(answer("abc", window(60))).id == "weekly"


@pytest.mark.parametrize("bad", BAD_WINDOWS)
def test_malformed_additional_window_is_dropped_alone(bad: Any) -> None:
    data = sample_answer()
    data["additional_rate_limits"][0]["rate_limit"]["secondary_window"] = bad
    assert ids(parse_usage(data, NOW)) == [
        "five_hour",
        "weekly",
        "gpt-5-3-codex-spark:five_hour",
    ]


def test_malformed_additional_entries_are_skipped() -> None:
    data = sample_answer()
    data["additional_rate_limits"] = [
        None,
        "junk",
        {"limit_name": "Broken", "rate_limit": None},
        *data["additional_rate_limits"],
    ]
    assert ids(parse_usage(data, NOW)) == [
        "five_hour",
        "weekly",
        "gpt-5-3-codex-spark:five_hour",
        "gpt-5-3-codex-spark:weekly",
    ]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"reset_at": "abc"}, id="reset-abc"),
        pytest.param({"limit_window_seconds": "abc"}, id="length-abc"),
        pytest.param({"reset_after_seconds": "soon"}, id="reset-after-abc"),
    ],
)
def test_bad_optional_field_keeps_the_window(fields: dict[str, Any]) -> None:
    item = single(answer({"used_percent": 33, **fields}))
    assert item.id == "five_hour"
    assert item.used_percent == pytest.approx(33)
    assert item.resets_at is None


# --------------------------------------------------------------------------- nulls


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            {
                "plan_type": None,
                "rate_limit": None,
                "additional_rate_limits": None,
                "credits": None,
            },
            id="all-top-level-null",
        ),
        pytest.param({"rate_limit": None}, id="rate_limit-null"),
        pytest.param({"rate_limits": None}, id="rate_limits-null"),
        pytest.param(
            {
                "rate_limit": {
                    "limit_reached": None,
                    "primary_window": None,
                    "secondary_window": None,
                }
            },
            id="windows-null",
        ),
        pytest.param({"rate_limit": {}}, id="rate_limit-empty"),
        pytest.param(
            {"additional_rate_limits": [None, {"limit_name": None, "rate_limit": None}]},
            id="additional-null-entries",
        ),
        pytest.param({"credits": None}, id="credits-null"),
        pytest.param(
            {"credits": {"has_credits": None, "unlimited": None, "balance": None}},
            id="credits-fields-null",
        ),
    ],
)
def test_nulls_everywhere_give_an_empty_quota(data: dict[str, Any]) -> None:
    quota = parse_usage(data, NOW)
    assert quota.plan is None
    assert quota.windows == ()
    assert quota.balances == ()


def test_null_plan_with_windows() -> None:
    quota = parse_usage(answer(window(5, FIVE_HOURS), plan_type=None), NOW)
    assert quota.plan is None
    assert ids(quota) == ["five_hour"]


# --------------------------------------------------------------------------- credits


@pytest.mark.parametrize(
    ("credits", "amount", "unlimited"),
    [
        pytest.param(
            {"has_credits": True, "unlimited": False, "balance": "12.5"}, 12.5, False, id="has"
        ),
        pytest.param(
            {"has_credits": True, "unlimited": False, "balance": "0"}, 0.0, False, id="has-zero"
        ),
        pytest.param(
            {"has_credits": True, "unlimited": False, "balance": "0E-10"},
            0.0,
            False,
            id="has-0E-10",
        ),
        pytest.param(
            {"has_credits": False, "unlimited": True, "balance": None},
            None,
            True,
            id="unlimited",
        ),
        pytest.param(
            {"has_credits": False, "unlimited": True, "balance": "0"}, 0.0, True, id="unlimited-0"
        ),
        pytest.param(
            {"has_credits": False, "unlimited": False, "balance": "25"},
            25.0,
            False,
            id="non-zero-string",
        ),
        pytest.param(
            {"has_credits": False, "unlimited": False, "balance": 3.75},
            3.75,
            False,
            id="non-zero-number",
        ),
    ],
)
def test_credits_shown(credits: dict[str, Any], amount: float | None, unlimited: bool) -> None:
    (balance,) = parse_usage({"credits": credits}, NOW).balances
    assert balance.id == "credits"
    assert balance.unit == "credits"
    assert balance.unlimited is unlimited
    if amount is None:
        assert balance.amount is None
    else:
        assert balance.amount == pytest.approx(amount)


@pytest.mark.parametrize(
    "credits",
    [
        pytest.param({"has_credits": False, "unlimited": False, "balance": "0"}, id="zero"),
        pytest.param({"has_credits": False, "unlimited": False, "balance": 0}, id="zero-number"),
        pytest.param({"has_credits": False, "unlimited": False, "balance": "0E-10"}, id="0E-10"),
        pytest.param({"has_credits": False, "unlimited": False, "balance": None}, id="null"),
        pytest.param({}, id="empty"),
    ],
)
def test_credits_not_shown(credits: dict[str, Any]) -> None:
    assert parse_usage({"plan_type": "plus", "credits": credits}, NOW).balances == ()


# --------------------------------------------------------------------------- plan


@pytest.mark.parametrize("plan", ["plus", "pro", "free", "team", "prolite"])
def test_plan_type_kept_as_reported(plan: str) -> None:
    assert parse_usage(answer(window(1, FIVE_HOURS), plan_type=plan), NOW).plan == plan


def test_plan_only_answer_parses() -> None:
    quota = parse_usage({"plan_type": "prolite"}, NOW)
    assert quota.plan == "prolite"
    assert quota.windows == ()


# --------------------------------------------------------------------------- not a usage answer


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([], id="empty-list"),
        pytest.param([sample_answer()], id="list"),
        pytest.param("plus", id="string"),
        pytest.param("<html><body>Log in</body></html>", id="html"),
        pytest.param(None, id="null"),
        pytest.param(42, id="number"),
        pytest.param({"detail": "x"}, id="detail-only"),
        pytest.param({}, id="empty-object"),
    ],
)
def test_not_a_usage_answer_raises_parse_error(data: Any) -> None:
    with pytest.raises(ParseError):
        parse_usage(data, NOW)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            {"plan_type": 5, "rate_limit": "x", "credits": []}, id="wrong-types-everywhere"
        ),
        pytest.param({"rate_limit": [1, 2]}, id="container-a-list"),
        pytest.param(
            {"rate_limit": {"primary_window": "abc", "secondary_window": 5}},
            id="windows-not-objects",
        ),
        pytest.param(
            {"rate_limit": {"primary_window": {"used_percent": "n/a"}}}, id="percent-not-a-number"
        ),
        pytest.param({"additional_rate_limits": {"limit_name": "x"}}, id="additional-not-a-list"),
    ],
)
def test_expected_fields_of_no_usable_type_raise_parse_error(data: Any) -> None:
    """PROVIDERS.md §0: a 2xx body with wrong types everywhere is a bad_response, not ok."""
    with pytest.raises(ParseError):
        parse_usage(data, NOW)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"plan_type": "plus", "rate_limit": "x"}, id="plan-still-usable"),
        pytest.param({"plan_type": None, "rate_limit": None, "credits": None}, id="all-null"),
        pytest.param({"rate_limit": {"limit_reached": False}}, id="no-windows"),
        pytest.param(
            {"rate_limit": {"primary_window": "x", "secondary_window": {"used_percent": 4}}},
            id="one-window-usable",
        ),
    ],
)
def test_answers_with_something_usable_or_only_nulls_still_parse(data: Any) -> None:
    parse_usage(data, NOW)


def test_a_negative_share_used_is_nothing_used_not_more_than_all_left() -> None:
    answer = {"rate_limit": {"primary_window": {"used_percent": -5, "limit_window_seconds": 18000}}}
    [window] = parse_usage(answer, NOW).windows
    assert (window.used_percent, window.remaining_percent) == (0.0, 100.0)
