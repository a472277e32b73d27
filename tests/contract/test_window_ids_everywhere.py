"""Window ids are unique and honest in every account of every provider (PROVIDERS.md §0): over
the whole `--demo --once --json` document, every demo account of every provider (two copies),
and every answer the provider tests keep as a module constant, each read by its provider's
parser and carried through the core's seam as a real answer is.

"Honest": an id that names a length (`hourly`, `five_hour`, `weekly`, `9h`, `spark:5m`, …)
names the window's real length when the window has one (window_rules.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from contract_checks import demo_accounts, demo_transport, every_provider, fetch_each, provider_id
from support.json_contract import assert_schema_1
from window_rules import length_part, window_problems

from providers.balances import provider as balances
from providers.base import Account, ParseError, Provider
from providers.claude import provider as claude
from providers.codex import provider as codex
from providers.collect import snapshot_of
from providers.copilot import provider as copilot
from providers.google import cache as antigravity_cache
from providers.google import parse as google
from providers.kit.http import FetchError
from providers.model import Quota, Status, Window
from providers.nanogpt import provider as nanogpt
from providers.newapi import provider as newapi
from providers.zhipu import provider as zhipu
from tui import once as report
from tui.cli import main

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PROVIDER_TESTS = Path(__file__).parents[1] / "providers"

Read = Callable[[Any], Quota | Sequence[Window]]

# How the answers kept in each folder of tests/providers are read: every parser of that
# folder's provider, with the arguments an answer needs. A constant a parser refuses
# (ParseError, or the FetchError of an error body) is not one of its answers; any other
# exception is a parser crashing on its own provider's test data, and fails.
JSON_READERS: dict[str, list[Read]] = {
    "balances": [
        lambda data: balances.parse_openrouter_key(data, NOW),
        balances.parse_deepseek,
        lambda data: balances.parse_moonshot(data, "ai"),
    ],
    "claude": [lambda data: claude.parse_usage(data, NOW)],
    "codex": [lambda data: codex.parse_usage(data, NOW)],
    "copilot": [
        lambda data: copilot.parse_user(data, NOW),
        lambda data: copilot.parse_billing(data, None, NOW),
    ],
    "google": [google.parse_user_quota, google.parse_available_models],
    "nanogpt": [nanogpt.parse_usage],
    "newapi": [lambda data: newapi.parse_token_usage(data, NOW)],
    "zhipu": [lambda data: zhipu.parse_quota(data, NOW)],
}
# Answers kept as bytes: the Antigravity editor's cached user status (a protobuf message).
BYTES_READERS: dict[str, list[Read]] = {
    "google": [lambda data: antigravity_cache.parse_user_status(data).windows],
}


# --------------------------------------------------------------------------- the checks


def assert_rules(where: str, windows: Sequence[Window] | Sequence[dict[str, Any]]) -> None:
    problems = window_problems(windows)
    assert not problems, f"{where}: {problems}"


def test_the_rules_catch_what_they_are_for() -> None:
    """The check has teeth: each rule, broken once, is reported."""
    five = Window("five_hour", "5h", 1.0, window_seconds=18000)
    assert window_problems([five, Window("weekly", "Weekly", window_seconds=604800)]) == []
    assert window_problems([five, five]) != []
    assert window_problems([Window("weekly", "Weekly", window_seconds=3600)]) != []
    assert window_problems([Window("x:five_hour_2", "x", window_seconds=300)]) != []
    assert window_problems([five, Window("weekly", "W", binding=True)]) != []
    two_bound = [Window("a", "a", binding=True), Window("b", "b", binding=True)]
    assert window_problems(two_bound) != []
    # Not a length: left alone, whatever the window's length.
    assert window_problems([Window("premium_interactions", "P", window_seconds=2592000)]) == []
    assert window_problems([Window("x:9h", "x", window_seconds=32400)]) == []
    assert [length_part(i) for i in ("spark:5m", "mcp_monthly", "daily_tokens", "30d_3")] == [
        "5m",
        None,
        None,
        "30d",
    ]


# --------------------------------------------------------------------------- demo data


def test_the_demo_json_document_of_every_provider(capsys) -> None:
    main(["--demo", "--once", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert_schema_1(document)
    providers = {account["provider"] for account in document["accounts"]}
    assert providers == {provider.id for provider in every_provider()}
    for account in document["accounts"]:
        assert_rules(f"{account['provider']}/{account['account']}", account["windows"])


@pytest.mark.parametrize("provider", every_provider(), ids=provider_id)
@pytest.mark.parametrize("copy", [0, 1])
def test_every_demo_account(provider: Provider, copy: int) -> None:
    accounts = demo_accounts(provider, datetime.now(UTC).timestamp(), copy)
    snapshots = fetch_each(provider, accounts, demo_transport(provider))
    assert any(snapshot.windows for snapshot in snapshots) or provider.id in {
        "deepseek",
        "moonshot",
    }, f"{provider.id}: no demo account has a window to check"
    for snapshot in snapshots:
        assert_rules(f"{provider.id}/{snapshot.account}", snapshot.windows)
    document = json.loads(report.json_document(snapshots, NOW))
    for account in document["accounts"]:
        assert_rules(f"{provider.id}/{account['account']} in --json", account["windows"])


# --------------------------------------------------------------------------- test fixtures


@dataclass(frozen=True)
class Fixture:
    folder: str
    module: str
    name: str
    value: Any

    def __str__(self) -> str:
        return f"{self.folder}/{self.module}.py:{self.name}"


def _load(path: Path) -> ModuleType:
    """A provider test module under a name of its own: its constants, without touching the
    module pytest itself imports for its tests."""
    spec = importlib.util.spec_from_file_location(f"_window_fixtures_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # As pytest imports a test module (rootdir "prepend" mode): its folder on the path, so a
    # test module importing its sibling (`from test_credits import …`) loads here too.
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def fixtures() -> Iterator[Fixture]:
    """Every module-level constant (UPPER_CASE) of the provider tests that is a JSON object or
    bytes: the answers those tests are built on, the spec's examples among them."""
    for path in sorted(PROVIDER_TESTS.glob("*/test_*.py")):
        module = _load(path)
        for name, value in vars(module).items():
            if not name.lstrip("_").isupper():
                continue
            if (isinstance(value, dict) and _is_json(value)) or isinstance(value, bytes):
                yield Fixture(path.parent.name, path.stem, name, value)


FIXTURES = list(fixtures())


def test_every_provider_test_folder_has_its_readers() -> None:
    """A new folder of provider tests must say how its answers are read, or be skipped."""
    folders = {path.name for path in PROVIDER_TESTS.iterdir() if path.is_dir()}
    folders.discard("__pycache__")
    assert folders <= set(JSON_READERS) | set(BYTES_READERS), folders - set(JSON_READERS)


def _windows(read: Read, value: Any) -> Sequence[Window] | None:
    try:
        result = read(value)
    except (ParseError, FetchError):
        return None
    return result.windows if isinstance(result, Quota) else tuple(result)


def _as_answer(folder: str, windows: Sequence[Window]) -> list[dict[str, Any]]:
    """The windows as one account's answer: through the core's seam and into --json."""
    account = Account(provider=folder, label="fixture", source="test")
    snapshot = snapshot_of(account, Status.OK, quota=Quota(windows=tuple(windows)), fetched_at=NOW)
    assert_rules(f"{folder} snapshot", snapshot.windows)
    document = json.loads(report.json_document([snapshot], NOW))
    assert_schema_1(document)
    return document["accounts"][0]["windows"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=str)
def test_every_answer_fixture(fixture: Fixture) -> None:
    readers = BYTES_READERS if isinstance(fixture.value, bytes) else JSON_READERS
    for read in readers.get(fixture.folder, []):
        windows = _windows(read, fixture.value)
        if windows is None:
            continue
        assert_rules(f"{fixture} as shown", _as_answer(fixture.folder, windows))


def test_the_fixtures_are_found_and_read() -> None:
    """The sweep has something to sweep: answers in every provider folder, most with windows."""
    folders = {fixture.folder for fixture in FIXTURES}
    assert folders >= {"codex", "claude", "copilot", "zhipu", "google", "nanogpt", "newapi"}
    names = {f"{fixture.folder}:{fixture.name}" for fixture in FIXTURES}
    assert {"codex:SPEC_POOL_ANSWER", "codex:SPEC_EXTRA_LIMITS_ANSWER"} <= names
    with_windows = set()
    for fixture in FIXTURES:
        readers = BYTES_READERS if isinstance(fixture.value, bytes) else JSON_READERS
        for read in readers.get(fixture.folder, []):
            if _windows(read, fixture.value):
                with_windows.add(fixture.folder)
    assert with_windows == folders
