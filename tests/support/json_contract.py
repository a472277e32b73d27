"""The --json document as CONTRACT.md defines it (schema 1): keys, types and values."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from providers.model import AccountSnapshot
from tui import once as report

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ACCOUNT_KEYS = {
    "provider",
    "account",
    "active",
    "source",
    "plan",
    "status",
    "message",
    "fetched_at",
    "windows",
    "balances",
}
WINDOW_KEYS = {
    "id",
    "label",
    "used_percent",
    "remaining_percent",
    "resets_at",
    "window_seconds",
    "used",
    "limit",
    "unit",
    "unlimited",
    "binding",
    "pace",
}
PACE_KEYS = {
    "expected_used_percent",
    "delta_percent",
    "stage",
    "eta_seconds",
    "lasts_until_reset",
}
PACE_STAGES = {
    "on_track",
    "slight_deficit",
    "slight_reserve",
    "deficit",
    "reserve",
    "large_deficit",
    "large_reserve",
}
BALANCE_KEYS = {"id", "label", "amount", "limit", "unit", "unlimited"}
STATUSES = {
    "ok",
    "auth_expired",
    "forbidden",
    "rate_limited",
    "unreachable",
    "bad_response",
    "error",
}


def _number_or_none(value: Any) -> bool:
    return value is None or (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    )


def _text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def assert_schema_1(document: dict) -> None:
    """Every key present with its type; unknown values null; times ISO 8601 UTC with Z."""
    assert document["schema"] == 1
    assert ISO_Z.match(document["generated_at"])
    assert isinstance(document["accounts"], list)
    for account in document["accounts"]:
        assert set(account) == ACCOUNT_KEYS
        assert account["status"] in STATUSES
        assert (account["message"] is None) == (account["status"] == "ok")
        assert isinstance(account["active"], bool)
        assert account["fetched_at"] is None or ISO_Z.match(account["fetched_at"])
        assert isinstance(account["provider"], str) and isinstance(account["account"], str)
        for key in ("source", "plan", "message"):
            assert _text_or_none(account[key]), (key, account[key])
        assert isinstance(account["windows"], list) and isinstance(account["balances"], list)
        for window in account["windows"]:
            assert set(window) == WINDOW_KEYS
            assert window["resets_at"] is None or ISO_Z.match(window["resets_at"])
            assert isinstance(window["id"], str) and isinstance(window["label"], str)
            assert isinstance(window["binding"], bool)
            pace = window["pace"]
            if pace is not None:
                assert set(pace) == PACE_KEYS and pace["stage"] in PACE_STAGES
                assert pace["eta_seconds"] is None or type(pace["eta_seconds"]) is int
                assert isinstance(pace["lasts_until_reset"], bool)
            for key in ("used_percent", "remaining_percent", "used", "limit"):
                assert _number_or_none(window[key]), (key, window)
            assert window["window_seconds"] is None or type(window["window_seconds"]) is int
            assert _text_or_none(window["unit"]) and isinstance(window["unlimited"], bool)
        ids = [window["id"] for window in account["windows"]]
        assert len(ids) == len(set(ids)), f"window ids repeat in one account: {ids}"
        bound = [i for i, window in enumerate(account["windows"]) if window["binding"]]
        assert bound in ([], [0]), f"binding must be on at most one window, the first: {bound}"
        for balance in account["balances"]:
            assert set(balance) == BALANCE_KEYS
            assert isinstance(balance["id"], str) and isinstance(balance["label"], str)
            assert _number_or_none(balance["amount"]) and _number_or_none(balance["limit"])
            assert _text_or_none(balance["unit"]) and isinstance(balance["unlimited"], bool)


def assert_outputs_work(snapshot: AccountSnapshot) -> None:
    """--json stays strict JSON (no NaN/Infinity) and the table renders."""
    text = report.json_document([snapshot], NOW)

    def refuse(constant: str) -> None:
        raise AssertionError(f"--json output holds {constant}")

    document = json.loads(text, parse_constant=refuse)
    assert document["accounts"][0]["status"] == snapshot.status.value
    report.table([snapshot])
