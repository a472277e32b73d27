"""A provider made up here, added to the registry and nowhere else, is under every contract
check: the parameters of test_contract.py are the registry, and the checks are functions of a
provider, so a new provider needs no edit in tests/contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import contract_checks as contract
import fake_demo
import pytest
from fake_demo import URL
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from providers import registry
from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider
from providers.kit.http import HttpSession
from providers.kit.values import as_float, as_str, finite
from providers.model import AccountSnapshot, Quota, Window


def parse_usage(data: Any) -> Quota:
    if not isinstance(data, dict):
        raise ParseError("the answer is not an object")
    used, limit = as_float(data.get("used")), as_float(data.get("limit"))
    if used is None or limit is None or limit <= 0:
        raise ParseError("the answer has no usable used/limit")
    share = finite(100 * used / limit)
    window = Window(id="daily", label="day", used_percent=share, used=used, limit=limit)
    return Quota(plan=as_str(data.get("plan")), windows=(window,))


class FakeProvider(Provider):
    id = "fakequota"
    name = "Fake Quota"
    demo = ("fake_demo",)  # tests/contract/fake_demo.py, found as any provider's demo is

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return []

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return None

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        assert account.secret is not None
        headers = {"Authorization": f"Bearer {account.secret.reveal()}"}
        return parse_usage(await http.request_json(self.id, "GET", URL, headers=headers))

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return (snapshot.account,)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    fake = FakeProvider()
    monkeypatch.setattr(registry, "PROVIDERS", (*registry.PROVIDERS, fake))
    monkeypatch.setitem(registry.BY_ID, fake.id, fake)
    return fake


def test_a_provider_added_to_the_registry_is_under_contract(registered: FakeProvider) -> None:
    assert registered in contract.every_provider()
    assert [p.id for p in contract.every_provider()] == [p.id for p in registry.PROVIDERS]


def test_every_contract_check_runs_on_the_new_provider(
    registered: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshots = contract.check_demo_round_trip(registered)
    assert [(s.account, s.windows[0].used_percent) for s in snapshots] == [
        ("alpha", 25.0),
        ("beta", 80.0),
    ]
    contract.check_window_ids_unique(registered)
    contract.check_no_leak(registered, capsys, as_json=False)
    contract.check_no_leak(registered, capsys, as_json=True)
    contract.check_files_only_read(registered, capsys)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        contract.check_fuzzed_fetch(registered, data.draw)

    fuzz()


def test_the_checks_catch_a_provider_that_breaks_the_contract(
    registered: FakeProvider, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not vacuous: output holding a key (in any case) fails, and so does a parser that
    crashes on odd answers."""

    def leaky_stdout(text: str) -> None:  # the core masks secrets; this output would not
        print(text + fake_demo.accounts(0, 0)[0].secret.reveal().upper())

    monkeypatch.setattr("tui.cli._write_stdout", leaky_stdout)
    for as_json in (False, True):
        with pytest.raises(AssertionError):
            contract.check_no_leak(registered, capsys, as_json=as_json)
    monkeypatch.undo()
    monkeypatch.setattr(registry, "PROVIDERS", (*registry.PROVIDERS, registered))

    async def fragile(account: Account, http: HttpSession, now: datetime) -> Quota:
        data = await http.request_json(registered.id, "GET", URL)
        return Quota(windows=(Window(id="d", label="d", used_percent=data["used"] / 1),))

    monkeypatch.setattr(registered, "fetch", fragile)

    @settings(max_examples=50, deadline=None, phases=[Phase.generate])  # no shrinking: fails
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        contract.check_fuzzed_fetch(registered, data.draw)

    with pytest.raises(AssertionError):
        fuzz()
