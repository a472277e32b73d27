"""Switching the Codex CLI between saved accounts: no token lost, no file torn."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import platform
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.credentials import DAY, codex_token, fake_jwt, usage_answer, write_codex_auth

from providers.codex import switch as codex_switch
from providers.codex.switch import SwitchRefused, activate
from providers.kit import atomic_swap
from providers.kit.paths import Paths
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


def exited_pid() -> int:
    """The id of a process that has run and exited: a leftover naming it is abandoned."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(dead.stdout)


def switch(name: str, work: Path) -> codex_switch.SwitchResult:
    return activate(work / f"account/{name}.auth.json", Paths(), [work / "account"])


def switched_from_alpha_to_beta(home: Path, work: Path) -> codex_switch.SwitchResult:
    """Switch to beta; alpha's live login is saved back, kept as .bak, and beta's is live."""
    live = home / ".codex/auth.json"
    before = live.read_bytes()
    result = switch("beta", work)
    assert (work / "account/alpha.auth.json").read_bytes() == before
    assert (home / ".codex/auth.json.bak").read_bytes() == before
    assert live.read_bytes() == (work / "account/beta.auth.json").read_bytes()
    assert result.saved_back == work / "account/alpha.auth.json"
    return result


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
    switched_from_alpha_to_beta(home, work)


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
        data["tokens"]["id_token"] = tokens_of(work / "account/alpha.auth.json")["id_token"]
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


def leftovers_in(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp"))


def refresh_tokens_in(*paths: Path) -> set[str]:
    found = set()
    for path in paths:
        with contextlib.suppress(ValueError, KeyError, TypeError, OSError):
            found.add(tokens_of(path)["refresh_token"])
    return found


def test_a_failure_at_any_step_leaves_every_file_whole_and_loses_no_token(
    three, home: Path, work: Path, monkeypatch
) -> None:
    """Fail the n-th fsync, rename or exchange of a switch, for every n: each file stays old or
    new, and the live login's tokens survive, if need be in a temp file the next run saves."""
    live = home / ".codex/auth.json"
    old = snapshot_tree(home, work)
    real = {"fsync": os.fsync, "replace": os.replace, "exchange": atomic_swap.exchange}
    owners = {"fsync": os, "replace": os, "exchange": atomic_swap}
    calls = dict.fromkeys(real, 0)

    def counting(kind):
        def call(*args):
            calls[kind] += 1
            return real[kind](*args)

        return call

    # A successful run tells what "new" looks like and how many steps there are.
    for kind in real:
        monkeypatch.setattr(owners[kind], kind, counting(kind))
    switch("beta", work)
    new = snapshot_tree(home, work)
    steps = dict(calls)
    assert steps["exchange"] == 1 and steps["replace"] == 2  # saved-back twin, backup

    for kind, total in steps.items():
        for failing in range(1, total + 1):
            # Put everything back as it was before the switch.
            for path in set(new) - set(old):
                path.unlink(missing_ok=True)
            for path, (data, _) in old.items():
                path.write_bytes(data)
            monkeypatch.setattr(owners[kind], kind, FailAt(failing, real[kind]))
            with contextlib.suppress(Boom):
                switch("beta", work)
            monkeypatch.setattr(owners[kind], kind, real[kind])
            where = f"after failing {kind} {failing}"
            for path in set(old) | set(new):
                if not path.exists():
                    assert path not in old, f"{path} lost {where}"
                    continue
                allowed = {old.get(path, (None,))[0], new.get(path, (None,))[0]}
                assert path.read_bytes() in allowed, f"{path} torn {where}"
            json.loads(live.read_text())  # the CLI can always read its file
            saved = [*(work / "account").glob("*.auth.json"), live]
            left = leftovers_in(home / ".codex", work / "account")
            assert "rt-alpha-v2" in refresh_tokens_in(*saved, *left), where
            # The next run saves what a leftover alone held, and removes every leftover.
            codex_switch.recover_leftovers(Paths(), [work / "account"])
            assert leftovers_in(home / ".codex", work / "account") == [], where
            assert "rt-alpha-v2" in refresh_tokens_in(*saved), where


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
    from support.servers import LocalServer, Reply

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

    from support.app import real_app, settle

    from tui.screens.confirm import Confirm

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(20, 30)))
    app = real_app(tmp_path, "codex", transport)
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


# ---------------------------------------------------------------- racing the Codex CLI

# Stands in for the Codex CLI refreshing whichever account auth.json holds: every ~2 ms it
# reads the file and writes that account's next refresh token, by a temp file renamed over
# auth.json or by truncating and writing it in place (in two halves, so a reader can catch
# it half-written). Each write is logged only after it is done.
WRITER = r"""
import json, os, sys, time
from datetime import datetime, timezone

live, log_path, stop, style = sys.argv[1:5]
counters = {}
with open(log_path, "a") as log:
    while not os.path.exists(stop):
        time.sleep(0.002)
        try:
            with open(live, "rb") as handle:
                data = json.loads(handle.read())
            name = data["tokens"]["refresh_token"].split("-")[1]
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
        counters[name] = number = counters.get(name, 0) + 1
        data["tokens"]["refresh_token"] = f"rt-{name}-w{number}"
        data["last_refresh"] = datetime.now(timezone.utc).isoformat()
        body = json.dumps(data).encode()
        if style == "rename":
            temp = live + ".writer"
            with open(temp, "wb") as handle:
                handle.write(body)
            os.replace(temp, live)
        else:
            with open(live, "wb") as handle:
                handle.write(body[:100])
                handle.flush()
                handle.write(body[100:])
        print(name, number, file=log, flush=True)
"""


@contextlib.contextmanager
def codex_cli_writing(live: Path, scratch: Path, style: str):
    """Run the writer for the duration of the block; yield a function giving its last
    token per account (call it after the block, when the writer has stopped)."""
    log, stop = scratch / "writer.log", scratch / "writer.stop"
    log.touch()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live), str(log), str(stop), style])
    try:
        for _ in range(2000):  # until its first write lands (bounded: 20 s on a busy machine)
            if log.read_text():
                break
            time.sleep(0.01)
        assert log.read_text(), "the writer never wrote"
        last: dict[str, str] = {}
        yield last
    finally:
        stop.touch()
        writer.wait(timeout=30)
    for line in log.read_text().splitlines():
        name, number = line.split()
        last[name] = f"rt-{name}-w{number}"


def newest_tokens_lost(last: dict[str, str], home: Path, work: Path) -> list[str]:
    holders = [home / ".codex/auth.json", *(work / "account").glob("*.auth.json")]
    present = refresh_tokens_in(*holders)
    return sorted(token for token in last.values() if token not in present)


@pytest.mark.parametrize("style", ["rename", "in_place"])
def test_sixty_switches_racing_a_writer_every_2ms_lose_no_token(
    three, home: Path, work: Path, tmp_path: Path, style: str
) -> None:
    assert atomic_swap.available()  # Linux and macOS: the exchange is what is tested here
    live = home / ".codex/auth.json"
    refused = 0
    with codex_cli_writing(live, tmp_path, style) as last:
        for number in range(60):
            try:
                switch(NAMES[(number + 1) % 3], work)
            except SwitchRefused:
                refused += 1  # e.g. the writer just put a newer copy of the chosen account live
    assert last, "the writer wrote nothing"
    assert newest_tokens_lost(last, home, work) == []
    assert leftovers_in(home / ".codex", work / "account") == []
    assert refused < 60


def newer_login(live: Path, name: str, marker: str) -> bytes:
    data = json.loads(live.read_text())
    data["tokens"]["access_token"] = codex_token(f"acc-{name}", marker=marker)
    data["tokens"]["account_id"] = f"acc-{name}"
    data["tokens"]["id_token"] = fake_jwt({"email": f"{name}@example.com"})
    data["tokens"]["refresh_token"] = f"rt-{name}-{marker}"
    data["last_refresh"] = "2026-11-30T12:00:00.123456Z"
    return json.dumps(data).encode()


class CliFinishesWhileWeWait:
    """Stands in for codex_switch's `time`: the first pause completes a pending write."""

    monotonic = staticmethod(time.monotonic)
    time = staticmethod(time.time)
    pending: list = []

    @classmethod
    def sleep(cls, seconds: float) -> None:
        while cls.pending:
            cls.pending.pop()()


def test_a_login_still_being_written_into_the_file_that_came_out_is_saved_whole(
    three, home: Path, work: Path, monkeypatch
) -> None:
    """The CLI truncated auth.json and was halfway through writing it when the exchange took
    the file away: it finishes writing into the file that came out, and that is what is saved."""
    live = home / ".codex/auth.json"
    body = newer_login(live, "alpha", "v3")
    real_exchange = atomic_swap.exchange

    def exchange_mid_write(first: Path, second: Path) -> None:
        handle = open(live, "wb")  # noqa: SIM115 - held open across the exchange on purpose
        handle.write(body[:50])
        handle.flush()
        real_exchange(first, second)
        CliFinishesWhileWeWait.pending.append(lambda: (handle.write(body[50:]), handle.close()))

    monkeypatch.setattr(atomic_swap, "exchange", exchange_mid_write)
    monkeypatch.setattr(codex_switch, "time", CliFinishesWhileWeWait)
    switch("beta", work)
    assert tokens_of(work / "account/alpha.auth.json")["refresh_token"] == "rt-alpha-v3"
    assert tokens_of(home / ".codex/auth.json.bak")["refresh_token"] == "rt-alpha-v3"
    assert tokens_of(live)["refresh_token"] == "rt-beta-v1"


def test_a_newer_copy_of_the_chosen_account_that_came_out_is_saved_and_put_back(
    three, home: Path, work: Path, monkeypatch
) -> None:
    """Between the checks and the exchange, auth.json became a newer login of the chosen
    account (a `codex login` in another terminal): putting the saved copy in place would
    bring back a revoked refresh token, so the newer one goes back, and is saved too."""
    live = home / ".codex/auth.json"
    body = newer_login(live, "beta", "v5")
    real_exchange = atomic_swap.exchange
    calls = []

    def login_then_exchange(first: Path, second: Path) -> None:
        if not calls:
            live.write_bytes(body)
        calls.append(1)
        real_exchange(first, second)

    monkeypatch.setattr(atomic_swap, "exchange", login_then_exchange)
    switch("beta", work)
    assert len(calls) == 2
    assert live.read_bytes() == body
    assert (work / "account/beta.auth.json").read_bytes() == body
    assert leftovers_in(home / ".codex", work / "account") == []


# ---------------------------------------------------------------- without an exchange


def fail_with(code: int):
    """An exchange call that answers as a kernel or filesystem that cannot exchange does."""

    def call(first: bytes, second: bytes) -> int:
        ctypes.set_errno(code)
        return -1

    return call


@pytest.fixture(params=["exchange", "no exchange call", "filesystem refuses"])
def exchange_mode(request, monkeypatch) -> str:
    if request.param == "no exchange call":
        monkeypatch.setattr(atomic_swap, "_call", None)
    elif request.param == "filesystem refuses":
        monkeypatch.setattr(atomic_swap, "_call", fail_with(errno.EINVAL))
    return request.param


def test_every_way_of_putting_the_login_in_place_saves_the_previous_one(
    exchange_mode, three, home: Path, work: Path, monkeypatch
) -> None:
    exchanges = []
    real = atomic_swap.exchange
    monkeypatch.setattr(atomic_swap, "exchange", lambda a, b: exchanges.append(1) or real(a, b))
    live = home / ".codex/auth.json"
    switched_from_alpha_to_beta(home, work)
    assert stat.S_IMODE(live.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / ".codex/auth.json.bak").stat().st_mode) == 0o600
    assert leftovers_in(home / ".codex", work / "account") == []
    assert bool(exchanges) == (exchange_mode != "no exchange call")
    # Round and round: each switch saves the login it replaces.
    rotate(live, "beta", "v7")
    switch("gamma", work)
    switch("alpha", work)
    assert tokens_of(work / "account/beta.auth.json")["refresh_token"] == "rt-beta-v7"


def test_the_first_login_is_put_in_place_when_there_is_no_auth_json(
    exchange_mode, home: Path, work: Path
) -> None:
    saved = write_saved(work, "beta")
    result = switch("beta", work)
    assert (home / ".codex/auth.json").read_bytes() == saved.read_bytes()
    assert result.backup is None and result.saved_back is None and result.saved_new is None
    assert leftovers_in(home / ".codex") == []


def test_without_an_exchange_a_login_written_after_it_was_saved_is_saved_too(
    three, home: Path, work: Path, monkeypatch
) -> None:
    """The fallback reads auth.json again before renaming over it: a change means start again."""
    monkeypatch.setattr(atomic_swap, "_call", None)
    live = home / ".codex/auth.json"
    real_write = codex_switch.atomic_write
    rotated = []

    def write_then_the_cli_refreshes(path: Path, data: bytes) -> None:
        real_write(path, data)
        if path.name == "auth.json.bak" and not rotated:
            rotated.append(1)
            rotate(live, "alpha", "v3")  # between saving auth.json and renaming over it

    monkeypatch.setattr(codex_switch, "atomic_write", write_then_the_cli_refreshes)
    switch("beta", work)
    assert rotated
    assert tokens_of(work / "account/alpha.auth.json")["refresh_token"] == "rt-alpha-v3"
    assert tokens_of(home / ".codex/auth.json.bak")["refresh_token"] == "rt-alpha-v3"
    assert tokens_of(live)["refresh_token"] == "rt-beta-v1"


def test_the_exchange_swaps_two_files(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text("one")
    second.write_text("two")
    atomic_swap.exchange(first, second)
    assert (first.read_text(), second.read_text()) == ("two", "one")
    with pytest.raises(FileNotFoundError):
        atomic_swap.exchange(first, tmp_path / "missing")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"),
    reason="renameat2's syscall number is known for x86_64 and aarch64",
)
def test_without_glibcs_renameat2_the_syscall_itself_is_used(tmp_path: Path) -> None:
    class OldGlibc:  # a C library from before glibc 2.28: syscall(2) but no renameat2 wrapper
        syscall = ctypes.CDLL(None, use_errno=True).syscall

    call = atomic_swap._linux(OldGlibc())
    assert call is not None
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text("one")
    second.write_text("two")
    assert call(os.fsencode(first), os.fsencode(second)) == 0
    assert (first.read_text(), second.read_text()) == ("two", "one")


# ---------------------------------------------------------------- interrupted switches

# Runs a real switch in its own process and kill -9s it at one point of the switch.
KILLED_SWITCH = r"""
import os, signal, sys
from pathlib import Path
from providers.kit import atomic_swap
from providers.codex import switch as codex_switch
from providers.kit.paths import Paths

point = sys.argv[1]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "before the exchange":
    atomic_swap.exchange = die
elif point == "after the exchange":
    codex_switch._save_login = die
elif point == "while saving the previous login":
    os.replace = die
codex_switch.activate(Path("account/beta.auth.json"), Paths(), [Path("account")])
"""


@pytest.mark.parametrize(
    "point", ["before the exchange", "after the exchange", "while saving the previous login"]
)
def test_a_switch_killed_at_any_point_loses_no_token_and_the_next_run_cleans_up(
    three, home: Path, work: Path, point: str
) -> None:
    live = home / ".codex/auth.json"
    killed = subprocess.run([sys.executable, "-c", KILLED_SWITCH, point], check=False)
    assert killed.returncode == -signal.SIGKILL
    left = leftovers_in(home / ".codex", work / "account")
    assert left and all(".aiquota-" in path.name for path in left)
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in left)
    saved = [*(work / "account").glob("*.auth.json"), live]
    assert "rt-alpha-v2" in refresh_tokens_in(*saved, *left)  # perhaps only in a leftover
    result = switch("gamma", work)  # the next run
    assert leftovers_in(home / ".codex", work / "account") == []
    assert tokens_of(work / "account/alpha.auth.json")["refresh_token"] == "rt-alpha-v2"
    assert tokens_of(live)["refresh_token"] == "rt-gamma-v1"
    # Before the exchange the leftover was only a copy of beta: nothing to save from it.
    rescued = () if point == "before the exchange" else (work / "account/alpha.auth.json",)
    assert result.rescued == rescued


def make_leftover(folder: Path, data: bytes, pid: int) -> Path:
    path = folder / f".auth.json.aiquota-{pid}-abc123.tmp"
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def test_a_leftover_is_saved_only_when_it_is_newer_than_every_copy(
    three, home: Path, work: Path
) -> None:
    pid = exited_pid()
    saved_gamma = work / "account/gamma.auth.json"
    older = json.loads(saved_gamma.read_text())
    older["tokens"]["refresh_token"] = "rt-gamma-v0"
    older["last_refresh"] = "2026-01-01T00:00:00Z"
    newer = json.loads(saved_gamma.read_text())
    newer["tokens"]["refresh_token"] = "rt-gamma-v9"
    newer["last_refresh"] = "2026-11-30T00:00:00Z"
    make_leftover(home / ".codex", json.dumps(older).encode(), pid)
    make_leftover(work / "account", json.dumps(newer).encode(), pid)
    (home / f".codex/.auth.json.aiquota-{pid}-torn.tmp").write_text('{"tokens": {"acc')  # half
    rescued = codex_switch.recover_leftovers(Paths(), [work / "account"])
    assert rescued == (saved_gamma,)
    assert tokens_of(saved_gamma)["refresh_token"] == "rt-gamma-v9"
    assert leftovers_in(home / ".codex", work / "account") == []


def test_a_fresh_leftover_of_a_running_process_is_left_alone(three, home: Path, work: Path) -> None:
    """Another switch (the app's, while --activate runs) may be using it right now."""
    running = os.getppid()
    path = make_leftover(home / ".codex", b"{}", running)
    switch("beta", work)
    assert path.exists()
    hour_ago = time.time() - 3600  # far older than any switch: a pid reused by another process
    os.utime(path, (hour_ago, hour_ago))
    switch("gamma", work)
    assert not path.exists()


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name", ["../../x", "../account/beta", "a/b", "a\\b", "..", ".hidden", "", "x\0y", "/tmp/x"]
)
def test_a_name_is_a_name_not_a_path(
    three, home: Path, work: Path, tmp_path: Path, capsys, name: str
) -> None:
    # What ../../x would reach from ./account: a login that would be switched to, and where
    # the previous one would be saved.
    (tmp_path / "x.auth.json").write_bytes((work / "account/beta.auth.json").read_bytes())
    before = snapshot_tree(home, work), (tmp_path / "x.auth.json").read_bytes()
    assert main(["--activate", name]) == 2
    err = capsys.readouterr().err
    assert "is not a saved account's name" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert (snapshot_tree(home, work), (tmp_path / "x.auth.json").read_bytes()) == before
    with pytest.raises(codex_switch.BadName):
        codex_switch.find_saved(name, [work / "account"])


def test_activate_refuses_a_file_outside_every_account_folder(
    three, home: Path, work: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "x.auth.json"
    outside.write_bytes((work / "account/beta.auth.json").read_bytes())
    before = snapshot_tree(home, work)
    with pytest.raises(SwitchRefused, match="not a saved account in an account folder"):
        activate(outside, Paths(), [work / "account"])
    assert snapshot_tree(home, work) == before


def test_an_unknown_name_lists_the_saved_names(three, work: Path, capsys) -> None:
    assert main(["--activate", "alpah"]) == 2
    err = capsys.readouterr().err
    assert "no saved Codex account 'alpah'" in err
    assert "saved accounts: alpha, beta, gamma" in err
    for number in range(22):
        write_saved(work, f"extra{number:02d}")
    assert main(["--activate", "alpah"]) == 2
    err = capsys.readouterr().err.strip()
    shown = err.split("saved accounts: ")[1].split(", ")
    assert shown[:4] == ["alpha", "beta", "extra00", "extra01"]
    assert len(shown) == 21 and shown[-1] == "+5 more"


async def test_the_app_saves_what_an_interrupted_switch_left_behind_when_it_starts(
    three, home: Path, work: Path, tmp_path: Path
) -> None:

    from support.app import real_app, settle

    dead_pid = exited_pid()
    newer = json.loads((work / "account/gamma.auth.json").read_text())
    newer["tokens"]["refresh_token"] = "rt-gamma-v9"
    newer["last_refresh"] = "2026-11-30T00:00:00Z"
    make_leftover(home / ".codex", json.dumps(newer).encode(), dead_pid)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(20, 30)))
    app = real_app(tmp_path, "codex", transport)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await app.workers.wait_for_complete()
    assert tokens_of(work / "account/gamma.auth.json")["refresh_token"] == "rt-gamma-v9"
    assert leftovers_in(home / ".codex", work / "account") == []


@pytest.mark.skipif(not atomic_swap.available(), reason="the link comes out only by exchange")
@pytest.mark.parametrize("dangling", [False, True])
def test_a_linked_auth_json_is_switched_and_the_linked_file_left_as_it_was(
    three, home: Path, work: Path, tmp_path: Path, dangling: bool
) -> None:
    # A dotfile manager links ~/.codex/auth.json to a file of its own: the switch replaces the
    # link, and must neither chmod that file (a write outside ours) nor stop half done.
    outside = tmp_path / "dotfiles/auth.json"
    outside.parent.mkdir()
    live = home / ".codex/auth.json"
    if not dangling:
        live.rename(outside)
        outside.chmod(0o644)
    live.unlink(missing_ok=True)
    live.symlink_to(outside)
    before = outside.read_bytes() if not dangling else None
    activate(work / "account/beta.auth.json", Paths(), [work / "account"])
    assert tokens_of(live)["refresh_token"] == "rt-beta-v1"
    if not dangling:
        assert stat.S_IMODE(outside.stat().st_mode) == 0o644
        assert outside.read_bytes() == before
        assert tokens_of(work / "account/alpha.auth.json")["refresh_token"] == "rt-alpha-v2"
    assert leftovers_in(home / ".codex", work / "account") == []


def write_member(path: Path, email: str, marker: str, refreshed: str) -> Path:
    """A member of one ChatGPT workspace: the account id is the workspace's, shared by all."""
    write_codex_auth(
        path,
        codex_token("acc-team", marker=marker),
        "acc-team",
        email=email,
        refresh_token=f"rt-{email}-{marker}",
    )
    data = json.loads(path.read_text())
    data["last_refresh"] = refreshed
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("second_newer", [True, False])
def test_two_members_of_one_workspace_are_two_logins(
    home: Path, work: Path, second_newer: bool
) -> None:
    # One is live with tokens newer than its saved copy; switching to the other must save
    # them over its own file, never judge them against (or drop them for) the other member's.
    live = write_member(home / ".codex/auth.json", "one@x.com", "new", "2026-11-20T10:00:00Z")
    write_member(work / "account/one.auth.json", "one@x.com", "old", "2026-11-01T10:00:00Z")
    other = "2026-11-25T10:00:00Z" if second_newer else "2026-11-10T10:00:00Z"
    write_member(work / "account/two.auth.json", "two@x.com", "v1", other)
    switch("two", work)
    assert tokens_of(live)["refresh_token"] == "rt-two@x.com-v1"
    assert tokens_of(work / "account/one.auth.json")["refresh_token"] == "rt-one@x.com-new"
    assert tokens_of(work / "account/two.auth.json")["refresh_token"] == "rt-two@x.com-v1"


def test_switching_away_from_an_account_with_a_very_long_name_works(
    three, home: Path, work: Path
) -> None:
    # 240 characters is a file name the system takes; its temp file's name, with the mark
    # added, was not, so the switch stopped after the exchange, and every later one too.
    long_name = "é" * 120  # 240 bytes
    (work / "account/alpha.auth.json").rename(work / f"account/{long_name}.auth.json")
    switch("beta", work)
    assert tokens_of(work / f"account/{long_name}.auth.json")["refresh_token"] == "rt-alpha-v2"
    switch("gamma", work)
    assert tokens_of(home / ".codex/auth.json")["refresh_token"] == "rt-gamma-v1"
    assert leftovers_in(home / ".codex", work / "account") == []


def test_a_login_with_a_very_long_e_mail_is_saved_under_a_name_the_system_takes(
    home: Path, work: Path
) -> None:
    write_saved(work, "beta")
    email = "x" * 240 + "@example.com"
    live = write_codex_auth(
        home / ".codex/auth.json",
        codex_token("acc-new"),
        "acc-new",
        email=email,
        refresh_token="rt-new-only-here",
    )
    switch("beta", work)
    saved = [p for p in (work / "account").glob("*.auth.json") if p.name != "beta.auth.json"]
    assert [tokens_of(p)["refresh_token"] for p in saved] == ["rt-new-only-here"]
    assert tokens_of(live)["refresh_token"] == "rt-beta-v1"
