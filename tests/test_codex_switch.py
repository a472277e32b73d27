"""Switching the Codex CLI between saved accounts: no token lost, no file torn."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path

import httpx
import pytest
from fakes import DAY, codex_token, usage_answer, write_codex_auth

from providers import codex_switch
from providers.codex_switch import SwitchRefused, activate
from providers.paths import Paths
from tui.cli import main

NAMES = ("alpha", "beta", "gamma")


def tokens_of(path: Path) -> dict:
    return json.loads(path.read_text())["tokens"]


def write_saved(
    work: Path, name: str, *, marker: str = "v1", refreshed: str = "2026-11-20T10:00:00Z", **kw
) -> Path:
    path = write_codex_auth(
        work / f"account/{name}.auth.json",
        codex_token(f"acc-{name}", marker=marker, **kw),
        f"acc-{name}",
        email=f"{name}@example.com",
        refresh_token=f"rt-{name}-{marker}",
    )
    data = json.loads(path.read_text())
    data["last_refresh"] = refreshed
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def three(home: Path, work: Path) -> dict[str, Path]:
    saved = {name: write_saved(work, name) for name in NAMES}
    # The CLI is signed in to alpha now, with tokens newer than alpha's saved copy.
    live = home / ".codex/auth.json"
    live.parent.mkdir(parents=True)
    live.write_bytes(saved["alpha"].read_bytes())
    rotate(live, "alpha", "v2")
    return saved


def rotate(live: Path, name: str, marker: str) -> None:
    """What the Codex CLI does while in use: new access and refresh tokens, written in place."""
    data = json.loads(live.read_text())
    data["tokens"]["access_token"] = codex_token(f"acc-{name}", marker=marker)
    data["tokens"]["refresh_token"] = f"rt-{name}-{marker}"
    data["last_refresh"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    live.write_text(json.dumps(data))


def switch(name: str, work: Path) -> codex_switch.SwitchResult:
    return activate(work / f"account/{name}.auth.json", Paths(), [work / "account"])


def test_three_accounts_switched_round_and_round_lose_no_token(
    three, home: Path, work: Path
) -> None:
    live = home / ".codex/auth.json"
    newest = {"alpha": "rt-alpha-v2", "beta": "rt-beta-v1", "gamma": "rt-gamma-v1"}
    order = ["beta", "gamma", "alpha", "gamma", "beta", "alpha", "beta"]
    for round_number, name in enumerate(order, start=3):
        result = switch(name, work)
        assert tokens_of(live)["refresh_token"] == newest[name]  # the chosen account's newest
        rotate(live, name, f"v{round_number}")  # the CLI uses it and rotates its tokens
        newest[name] = f"rt-{name}-v{round_number}"
        assert result.activated == name
    switch("gamma", work)  # one more switch saves beta's last rotation back
    for name in NAMES:
        holder = live if name == "gamma" else work / f"account/{name}.auth.json"
        assert tokens_of(holder)["refresh_token"] == newest[name], name


def test_the_live_login_is_saved_back_over_its_twin_and_kept_as_backup(
    three, home: Path, work: Path
) -> None:
    live = home / ".codex/auth.json"
    before = live.read_bytes()
    result = switch("beta", work)
    assert (work / "account/alpha.auth.json").read_bytes() == before
    assert (home / ".codex/auth.json.bak").read_bytes() == before
    assert live.read_bytes() == (work / "account/beta.auth.json").read_bytes()
    assert result.saved_back == work / "account/alpha.auth.json"


def test_a_live_login_with_no_saved_twin_is_saved_as_a_new_account(home: Path, work: Path) -> None:
    write_saved(work, "beta")
    live = write_codex_auth(
        home / ".codex/auth.json",
        codex_token("acc-stranger"),
        "acc-stranger",
        email="stranger@example.com",
    )
    before = live.read_bytes()
    result = switch("beta", work)
    assert result.saved_new == work / "account/stranger@example.com.auth.json"
    assert result.saved_new.read_bytes() == before


def test_written_files_are_private(three, home: Path, work: Path) -> None:
    switch("beta", work)
    for path in (
        home / ".codex/auth.json",
        home / ".codex/auth.json.bak",
        work / "account/alpha.auth.json",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def snapshot_tree(*folders: Path) -> dict[Path, tuple[bytes, int]]:
    files = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                files[path] = (path.read_bytes(), path.stat().st_mtime_ns)
    return files


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("expired", "expired at"),
        ("older_copy", "newer than"),
        ("broken_live", "not valid JSON"),
        ("session_token", "browser session token"),
    ],
)
def test_a_refused_switch_writes_nothing(
    three, home: Path, work: Path, setup: str, words: str
) -> None:
    target = "beta"
    if setup == "expired":
        write_saved(work, "beta", expires_in=-DAY)
    elif setup == "older_copy":
        # A second, older saved copy of the live account (alpha): putting it in place would
        # bring back revoked tokens.
        old = write_saved(work, "alpha-old", refreshed="2026-01-01T00:00:00Z")
        data = json.loads(old.read_text())
        data["tokens"]["account_id"] = "acc-alpha"
        old.write_text(json.dumps(data))
        target = "alpha-old"
    elif setup == "broken_live":
        (home / ".codex/auth.json").write_text("{not json")
    elif setup == "session_token":
        write_codex_auth(
            work / "account/beta.auth.json", "sess-abcdefghijklmnopqrstuvwx", "acc-beta"
        )
    before = snapshot_tree(home, work)
    with pytest.raises(SwitchRefused) as refusal:
        switch(target, work)
    assert words in str(refusal.value)
    assert snapshot_tree(home, work) == before


def test_switching_to_the_active_account_writes_nothing(home: Path, work: Path) -> None:
    saved = write_saved(work, "alpha")
    live = home / ".codex/auth.json"
    live.parent.mkdir(parents=True)
    live.write_bytes(saved.read_bytes())
    before = snapshot_tree(home, work)
    assert switch("alpha", work).already_active
    assert snapshot_tree(home, work) == before


class Boom(Exception):
    pass


class FailAt:
    """Stands in for os.fsync or os.replace and fails on the n-th call."""

    def __init__(self, at: int, real) -> None:
        self.at, self.real, self.calls = at, real, 0

    def __call__(self, *args):
        self.calls += 1
        if self.calls == self.at:
            raise Boom(f"call {self.at}")
        return self.real(*args)


def test_a_failure_at_any_step_leaves_every_file_whole(
    three, home: Path, work: Path, monkeypatch
) -> None:
    """Fail the n-th fsync, rename or write of a switch, for every n: each file stays old or new."""
    live = home / ".codex/auth.json"
    old = snapshot_tree(home, work)
    # A successful run tells what "new" looks like and how many steps there are.
    calls = {"fsync": 0, "replace": 0}
    real_fsync, real_replace = os.fsync, os.replace

    def counting_fsync(fd):
        calls["fsync"] += 1
        return real_fsync(fd)

    def counting_replace(a, b):
        calls["replace"] += 1
        return real_replace(a, b)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    monkeypatch.setattr(os, "replace", counting_replace)
    switch("beta", work)
    new = snapshot_tree(home, work)
    steps = dict(calls)
    assert steps["replace"] == 3  # saved-back twin, backup, live

    for kind, total in steps.items():
        for failing in range(1, total + 1):
            # Put everything back as it was before the switch.
            for path in set(new) - set(old):
                path.unlink(missing_ok=True)
            for path, (data, _) in old.items():
                path.write_bytes(data)
            real = {"fsync": real_fsync, "replace": real_replace}[kind]
            monkeypatch.setattr(os, kind, FailAt(failing, real))
            with contextlib.suppress(Boom):
                switch("beta", work)
            monkeypatch.setattr(os, "fsync", real_fsync)
            monkeypatch.setattr(os, "replace", real_replace)
            for path in set(old) | set(new):
                if not path.exists():
                    assert path not in old, f"{path} lost after failing {kind} {failing}"
                    continue
                data = path.read_bytes()
                allowed = {old.get(path, (None,))[0], new.get(path, (None,))[0]}
                assert data in allowed, f"{path} torn after failing {kind} {failing}"
            leftovers = [p for p in (home / ".codex").iterdir() if p.name.endswith(".tmp")]
            leftovers += [p for p in (work / "account").iterdir() if p.name.endswith(".tmp")]
            assert leftovers == []
            json.loads(live.read_text())  # the CLI can always read its file


def test_cli_activate(three, home: Path, work: Path, capsys) -> None:
    assert main(["--activate", "beta"]) == 0
    err = capsys.readouterr().err
    assert "Codex now uses 'beta'" in err and "saved back to account/alpha.auth.json" in err
    assert main(["--activate", "nobody"]) == 2
    assert "no saved Codex account 'nobody'" in capsys.readouterr().err
    write_saved(work, "gamma", expires_in=-DAY)
    assert main(["--activate", "gamma"]) == 1
    assert "not switched" in capsys.readouterr().err


def test_the_active_marker_moves_in_json(
    three, home: Path, work: Path, monkeypatch, capsys
) -> None:
    from fakes import LocalServer, Reply

    with LocalServer(lambda seen: Reply(body=usage_answer(10, 10))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--once", "--json"])
        before = {
            a["account"]: a["active"] for a in json.loads(capsys.readouterr().out)["accounts"]
        }
        assert main(["--activate", "gamma"]) == 0
        capsys.readouterr()
        main(["--once", "--json"])
        after = {a["account"]: a["active"] for a in json.loads(capsys.readouterr().out)["accounts"]}
    assert before == {"alpha": True, "beta": False, "gamma": False}
    assert after == {"alpha": False, "beta": False, "gamma": True}


async def test_enter_in_the_codex_tab_switches_after_confirming(
    three, home: Path, work: Path, tmp_path: Path
) -> None:
    from dataclasses import replace

    from apptools import FakeClock, settle

    from providers.registry import select
    from tui.app import QuotaApp
    from tui.config import Config
    from tui.screens.confirm import Confirm
    from tui.sources import build_sources

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(20, 30)))
    sources = replace(
        build_sources(select(["codex"]), Config(), use_demo=False), transport=transport
    )
    app = QuotaApp(sources, clock=FakeClock(), state_path=tmp_path / "state.toml")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        pane = app.query_one("#pane-codex")
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "beta"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # cancelled: nothing happens
        assert tokens_of(home / ".codex/auth.json")["refresh_token"] == "rt-alpha-v2"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        for _ in range(200):
            await pilot.pause(0.02)
            actives = {e.account.label: e.account.active for e in app.store}
            if actives.get("beta"):
                break
        assert actives == {"alpha": False, "beta": True, "gamma": False}
        assert tokens_of(work / "account/alpha.auth.json")["refresh_token"] == "rt-alpha-v2"
        await pilot.pause()
        listed = [str(option.prompt) for option in pane.account_list.options]
        assert any("● beta" in text for text in listed) and not any(
            "● alpha" in text for text in listed
        )
        await pilot.press("1")
        rows = [row.plain for row in app.query_one("#overview").rows]
        assert any("beta ●" in row for row in rows) and not any("alpha ●" in row for row in rows)


def test_a_live_file_with_a_monstrous_number_is_refused_not_a_crash(
    three, home: Path, work: Path
) -> None:
    (home / ".codex/auth.json").write_text(
        '{"tokens": {"access_token": "x"}, "n": ' + "9" * 5000 + "}"
    )
    with pytest.raises(SwitchRefused):
        switch("beta", work)
