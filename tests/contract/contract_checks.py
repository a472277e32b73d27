"""The checks every provider must pass, as plain functions of a provider.

test_contract.py runs them over the registry, so a provider added there is checked with no list
to edit; test_new_provider.py runs them over a provider made up in the test to prove it. What a
provider offers is read through its demo (demo_adapter.demo_of): sample accounts and the answers
to their requests, served through httpx.MockTransport to the provider's real fetch and parse.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo_adapter import demo_of
from hypothesis import strategies as st
from support.fuzz import answers
from support.json_contract import assert_outputs_work, assert_schema_1
from support.leaks import fingerprint, leaked
from support.memory import forget_everything

from providers import registry
from providers.base import Account, Provider
from providers.collect import fetch_snapshot
from providers.discover import Sources
from providers.kit.http import HttpSession, make_client
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Status
from tui import once as report
from tui.cli import run_once

Draw = Callable[[st.SearchStrategy[Any]], Any]


def every_provider() -> list[Provider]:
    """The providers under contract: the registry itself, never a list of ours."""
    return list(registry.PROVIDERS)


def provider_id(provider: Provider) -> str:
    return provider.id


def demo_accounts(provider: Provider, now: float, copy: int = 0) -> list[Account]:
    accounts = [a for a in demo_of(provider).accounts(now, copy) if a.provider == provider.id]
    assert accounts, f"{provider.id}: the demo has no account"
    return accounts


def demo_transport(provider: Provider) -> httpx.MockTransport:
    """The provider's demo answers at the time of each request; 404 for anything else."""
    demo = demo_of(provider)

    def handle(request: httpx.Request) -> httpx.Response:
        response = demo.answer(request, datetime.now(UTC).timestamp())
        return response if response is not None else httpx.Response(404, json={"detail": "none"})

    return httpx.MockTransport(handle)


async def _fetch_each(
    provider: Provider, accounts: list[Account], transport: httpx.AsyncBaseTransport
) -> list[AccountSnapshot]:
    async with make_client(transport) as client:
        http = HttpSession(client=client, origins={})
        return [await fetch_snapshot(provider, account, http) for account in accounts]


def fetch_each(
    provider: Provider, accounts: list[Account], transport: httpx.AsyncBaseTransport
) -> list[AccountSnapshot]:
    return asyncio.run(_fetch_each(provider, accounts, transport))


# --------------------------------------------------------------------------- demo round trip


def check_demo_round_trip(provider: Provider) -> list[AccountSnapshot]:
    """Every demo account, fetched through the demo transport, gives a snapshot that the JSON
    document carries whole: keys and types per CONTRACT.md, values as the snapshot has them."""
    now = datetime.now(UTC)
    accounts = demo_accounts(provider, now.timestamp())
    snapshots = fetch_each(provider, accounts, demo_transport(provider))
    document = json.loads(report.json_document(snapshots, now))
    assert_schema_1(document)
    assert len(document["accounts"]) == len(accounts)
    for snapshot, entry in zip(snapshots, document["accounts"], strict=True):
        assert "Internal error" not in (snapshot.message or ""), snapshot.message
        assert entry["provider"] == provider.id == snapshot.provider
        assert (entry["account"], entry["status"]) == (snapshot.account, snapshot.status.value)
        assert (entry["plan"], entry["active"]) == (snapshot.plan, snapshot.active)
        assert [w["id"] for w in entry["windows"]] == [w.id for w in snapshot.windows]
        for window, shown in zip(snapshot.windows, entry["windows"], strict=True):
            if window.used_percent is not None:
                assert shown["used_percent"] == pytest.approx(window.used_percent, abs=1e-6)
        assert [(b["id"], b["amount"]) for b in entry["balances"]] == [
            (b.id, None if b.amount is None else pytest.approx(b.amount, abs=1e-6))
            for b in snapshot.balances
        ]
    assert any(s.ok for s in snapshots), f"{provider.id}: no demo account reads ok"
    return snapshots


def check_window_ids_unique(provider: Provider) -> None:
    """Window and balance ids name one row each within an account (two copies of the demo)."""
    now = datetime.now(UTC).timestamp()
    for copy in (0, 1):
        accounts = demo_accounts(provider, now, copy)
        for snapshot in fetch_each(provider, accounts, demo_transport(provider)):
            windows = [window.id for window in snapshot.windows]
            balances = [balance.id for balance in snapshot.balances]
            assert len(windows) == len(set(windows)), (snapshot.account, windows)
            assert len(balances) == len(set(balances)), (snapshot.account, balances)


# --------------------------------------------------------------------------- fuzzing


ODD_BODIES = [
    b"",
    b"<!doctype html><html><body>Just a moment...</body></html>",
    b'{"used_percent": NaN, "utilization": Infinity}',
    b"[" * 10_000 + b"]" * 10_000,
    b"\xef\xbb\xbf{}",
    b"1e400",
    b'{"a": "\\ud800"}',
    b"\xff\xfe not utf-8",
]
STATUS_CODES = [200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 503]


def _keys_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys_of(item)


def fuzzed_transport(provider: Provider, draw: Draw) -> httpx.MockTransport:
    """Each request answered with the demo's own answer mutated (parts dropped, retyped, huge),
    any JSON at all, or an odd body, under any status: the parser's deep paths, not just its door."""
    demo = demo_of(provider)

    def handle(request: httpx.Request) -> httpx.Response:
        real = demo.answer(request, datetime.now(UTC).timestamp())
        try:
            seed = real.json() if real is not None else {}
        except (ValueError, UnicodeDecodeError):
            seed = {}
        status = draw(st.sampled_from(STATUS_CODES))
        if draw(st.integers(0, 9)) == 0:
            return httpx.Response(status, content=draw(st.sampled_from(ODD_BODIES)))
        body = draw(answers(sorted(set(_keys_of(seed))) or ["id"], seed))
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


def check_fuzzed_fetch(provider: Provider, draw: Draw) -> None:
    """Whatever the service answers, fetch returns a snapshot with a valid status and a
    message when not ok, and both outputs render it."""
    forget_everything()
    accounts = demo_accounts(provider, datetime.now(UTC).timestamp())
    for snapshot in fetch_each(provider, accounts, fuzzed_transport(provider, draw)):
        assert isinstance(snapshot.status, Status)
        message = snapshot.message or ""
        assert "Internal error" not in message, message
        if not snapshot.ok:
            assert snapshot.message
        assert_outputs_work(snapshot)


# --------------------------------------------------------------------------- canary leaks


def _secrets_in(value: Any) -> Iterator[str]:
    if isinstance(value, Secret):
        yield value.reveal()
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _secrets_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secrets_in(item)


def planted_secrets(accounts: list[Account]) -> dict[str, str]:
    """Every credential the demo accounts carry (their secret and any Secret in extra): each is
    a canary that must never come back out."""
    found: dict[str, str] = {}
    for account in accounts:
        for index, value in enumerate([*_secrets_in(account.secret), *_secrets_in(account.extra)]):
            if value:
                found[f"{account.label}#{index}"] = value
    return found


ECHO_STATUSES = [401, 403, 429, 500, 200]


def echoing_transport(status: int, heard: list[str]) -> httpx.MockTransport:
    """A hostile service: every header and the body it received, back in every field a
    provider might quote (error, message, detail, msg), in a header, and as an HTML page."""

    def handle(request: httpx.Request) -> httpx.Response:
        told = " ".join(f"{key}: {value}" for key, value in request.headers.items())
        told += " " + request.content.decode("utf-8", "replace")
        heard.append(told)
        echo = {"message": told, "detail": told, "msg": told, "error_description": told}
        body = {"error": {"message": told, "type": told, "code": told}, **echo}
        headers = {"www-authenticate": f'Bearer error="{told[:200]}"'}
        if status == 200:  # an "ok" page that is not the answer: a login wall quoting the token
            page = f"<html><body>{told}</body></html>".encode()
            return httpx.Response(200, content=page, headers={"content-type": "text/html"})
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handle)


def check_no_leak(provider: Provider, capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    """--once and --once --json never show a planted credential in any form, whatever a
    hostile service echoes back."""
    accounts = demo_accounts(provider, datetime.now(UTC).timestamp())
    planted = planted_secrets(accounts)
    for status in ECHO_STATUSES:
        heard: list[str] = []
        transport = echoing_transport(status, heard)
        sources = Sources([provider], [(provider, a) for a in accounts], {}, transport, True)
        run_once(sources, as_json=as_json, wide=True)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        assert leaked(out + err, planted) == [], (status, out + err)
        if as_json:
            assert_schema_1(json.loads(out))
        if planted and heard:  # the check has teeth: the hostile service did get a credential
            assert leaked(" ".join(heard), planted) != []


# --------------------------------------------------------------------------- files only read


def _tree(folder: Path) -> list[Path]:
    return sorted(Path(root) / name for root, _, names in os.walk(folder) for name in names)


def check_files_only_read(provider: Provider, capsys: pytest.CaptureFixture[str]) -> None:
    """The files behind the demo accounts (the sandbox's logins, an account's own file) keep
    their bytes, times and modes through discovery, fetch and --once; no file is added."""
    from providers.demo import Sandbox

    now = datetime.now(UTC).timestamp()
    pairs = [(provider, account) for account in demo_accounts(provider, now)]
    sandbox = Sandbox(pairs)
    try:
        for path in _tree(sandbox.root):
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
        own = [a.path for _, a in pairs if a.path is not None and a.path.is_file()]
        watched = [*_tree(sandbox.root), *own]
        before = fingerprint(watched)
        found = sandbox.discover(pairs)
        assert found, f"{provider.id}: discovery in the demo sandbox found nothing"
        sources = Sources([provider], found, {}, demo_transport(provider), True)
        run_once(sources, as_json=True)
        capsys.readouterr()
        assert fingerprint(watched) == before
        assert _tree(sandbox.root) == sorted(p for p in watched if p.is_relative_to(sandbox.root))
    finally:
        sandbox.close()
