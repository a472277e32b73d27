"""`pace` in --json follows the time issue's formula on the windows of every provider.

The expected figures are worked out here again, from the JSON's own numbers, by the formula as
the issue writes it — not by calling tui/pace.py — so a slip in either shows.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from tui.cli import main


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stage(delta: float) -> str:
    if abs(delta) <= 2:
        return "on_track"
    side = "deficit" if delta > 0 else "reserve"
    if abs(delta) <= 6:
        return f"slight_{side}"
    if abs(delta) <= 12:
        return side
    return f"large_{side}"


def expected_pace(window: dict[str, Any], fetched_at: str | None) -> dict[str, Any] | None:
    length, used, resets = window["window_seconds"], window["used_percent"], window["resets_at"]
    if not fetched_at or not length or resets is None or used is None:
        return None
    t, reset = parse(fetched_at), parse(resets)
    to_reset = (reset - t).total_seconds()
    if to_reset <= 0 or to_reset > length:
        return None
    elapsed = length - to_reset
    if elapsed < 0.03 * length:
        return None
    expected = 100 * elapsed / length
    delta = used - expected
    eta = 0.0 if used >= 100 else None if used == 0 else (100 - used) / (used / elapsed)
    return {
        "expected_used_percent": round(expected, 1),
        "delta_percent": round(delta, 1),
        "stage": stage(delta),
        "eta_seconds": None if eta is None else round(eta),
        "lasts_until_reset": used == 0 or (eta is not None and eta >= to_reset),
    }


@pytest.fixture
def demo_document(capsys) -> dict[str, Any]:
    main(["--demo", "--once", "--json"])
    return json.loads(capsys.readouterr().out)


def test_every_window_of_every_provider_follows_the_formula(demo_document) -> None:
    checked = paced = 0
    for account in demo_document["accounts"]:
        for window in account["windows"]:
            checked += 1
            want = expected_pace(window, account["fetched_at"])
            got = window["pace"]
            where = f"{account['provider']}/{account['account']}/{window['id']}"
            if want is None:
                assert got is None, where
                continue
            paced += 1
            assert got is not None, where
            for key in ("expected_used_percent", "delta_percent"):
                assert math.isclose(got[key], want[key], abs_tol=1e-9), (where, key)
            assert got["lasts_until_reset"] == want["lasts_until_reset"], where
            if want["eta_seconds"] is None:
                assert got["eta_seconds"] is None, where
            else:
                assert got["eta_seconds"] == want["eta_seconds"], where
            assert got["stage"] == want["stage"], where
    assert checked > 50 and paced > 10, (checked, paced)


def test_windows_without_a_length_or_a_reset_have_no_pace(demo_document) -> None:
    for account in demo_document["accounts"]:
        for window in account["windows"]:
            if window["window_seconds"] is None or window["resets_at"] is None:
                assert window["pace"] is None, window["id"]


def test_the_json_pace_is_rounded_as_the_contract_says(demo_document) -> None:
    for account in demo_document["accounts"]:
        for window in account["windows"]:
            pace = window["pace"]
            if pace is None:
                continue
            for key in ("expected_used_percent", "delta_percent"):
                assert round(pace[key], 1) == pace[key]
            assert pace["eta_seconds"] is None or isinstance(pace["eta_seconds"], int)
            assert not isinstance(pace["lasts_until_reset"], int) or isinstance(
                pace["lasts_until_reset"], bool
            )


def test_the_demo_is_recent(demo_document) -> None:
    generated = parse(demo_document["generated_at"])
    assert abs((datetime.now(UTC) - generated).total_seconds()) < 120
