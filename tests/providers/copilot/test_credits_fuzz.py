"""The 2026 Copilot parsers never crash and never show what cannot be shown, on any JSON and on
the spec's samples with parts dropped, retyped or added (the engine's fuzz covers the older keys).
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzz import TEXTS, json_values, mutated
from test_credits import BUSINESS_SEAT, CREDIT_REPORT, CREDIT_SAMPLE, FREE_2026, NOW

from providers.base import ParseError
from providers.copilot.provider import parse_ai_credits, parse_user
from providers.model import Quota

USER_KEYS = [
    "token_based_billing", "quota_snapshots", "monthly_quotas", "limited_user_quotas",
    "premium_interactions", "chat", "completions", "ai_credits", "entitlement", "remaining",
    "percent_remaining", "credits_used", "unlimited", "overage_count", "quota_id",
    "quota_reset_date", "quota_reset_date_utc", "limited_user_reset_date", "copilot_plan",
]  # fmt: skip
REPORT_KEYS = [
    "timePeriod", "year", "month", "usageItems", "sku", "model", "unitType", "grossQuantity",
    "discountQuantity", "netQuantity", "grossAmount", "ai-credits", "Copilot AI Credits",
]  # fmt: skip

PROPERTY = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def answers(keys: list[str], *seeds: Any) -> st.SearchStrategy[Any]:
    return st.one_of(json_values(keys), *(mutated(seed, keys) for seed in seeds))


def parsed_or_refused(parse: Any) -> Quota | None:
    try:
        return parse()
    except ParseError as error:
        assert str(error)
        return None


def check(quota: Quota | None) -> None:
    if quota is None:
        return
    window_ids = [w.id for w in quota.windows]
    assert len(window_ids) == len(set(window_ids)), window_ids  # §0: unique within an account
    for window in quota.windows:
        for number in (window.used_percent, window.used, window.limit):
            assert number is None or math.isfinite(number), window
        if window.id == "ai_credits":
            assert window.unit == "credits"
        # an unlimited window has no bar, credits or not
        assert not (window.unlimited and window.used_percent is not None), window
    for label, value in quota.details:
        assert isinstance(label, str) and isinstance(value, str)


@PROPERTY
@given(answers(USER_KEYS, CREDIT_SAMPLE, BUSINESS_SEAT, FREE_2026))
def test_parse_user_on_anything_like_a_2026_answer(data: Any) -> None:
    check(parsed_or_refused(lambda: parse_user(data, NOW)))


@PROPERTY
@given(answers(REPORT_KEYS, CREDIT_REPORT), st.one_of(st.none(), st.sampled_from([*TEXTS, "max"])))
def test_parse_ai_credits_on_anything_like_a_report(data: Any, tier: str | None) -> None:
    check(parsed_or_refused(lambda: parse_ai_credits(data, tier, NOW)))
