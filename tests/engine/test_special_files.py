"""Special files where a file is read: a FIFO, a device, a socket. Never a hang, never a MemoryError.

A FIFO with no writer blocks a plain open() for ever, and /dev/zero never ends. Every file
aiquota-tui reads is opened by providers/kit/files.py, which refuses anything but a regular file
before reading it and reads at most a cap; each such file becomes one clear per-account or
per-file message.

A hang is caught without a timing assertion: `fifos()` makes the FIFOs and a watchdog that
notices any process opening one of them for reading (a non-blocking open for writing succeeds
only then) and releases it, so code that would hang instead finishes and the test fails on the
watchdog's record. Reads of /dev/zero run in a child process with a 1 GB address-space limit,
so code that would read it whole fails fast with a MemoryError rather than filling the
machine's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import resource
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.app import make_app, settle
from support.credentials import codex_token, write_codex_auth
from support.servers import aim_every_provider_at_a_closed_port

from providers.base import DiscoveryContext
from providers.google import cache
from providers.kit.files import ReadKind, read_bytes, read_json_file, read_text, regular_file
from providers.kit.http import FetchError
from providers.kit.paths import Paths
from tui.cli import main
from tui.state import AppState, load_state
from tui.themes import ThemeError, load_theme_file, user_themes

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")

REPO = Path(__file__).resolve().parents[2]
FIFO = "is a FIFO (named pipe), not a file"
DEVICE = "is a device, not a file"
SOCKET = "is a socket, not a file"


class FifoWatch:
    """FIFOs at `paths`; `opened` lists those some code opened for reading (and would have
    blocked on). Each such reader is released at once (it then reads an empty file)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.opened: list[Path] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            for path in self.paths:
                try:
                    descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # ENXIO: nobody is reading; ENOENT: replaced or removed
                    continue
                try:
                    if stat.S_ISFIFO(os.fstat(descriptor).st_mode):
                        self.opened.append(path)
                finally:
                    os.close(descriptor)


@contextlib.contextmanager
def fifos(*paths: Path) -> Iterator[FifoWatch]:
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    watch = FifoWatch(list(paths))
    watch._thread.start()
    try:
        yield watch
    finally:
        watch._stop.set()
        watch._thread.join()


def make_socket(path: Path) -> None:
    """A Unix socket file at path (bound by a relative name: the full path may be longer
    than the 108 bytes a socket address holds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(path.name)
    finally:
        os.chdir(here)


def make_dev_zero(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink("/dev/zero", path)


def limited_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """aiquota-tui in a child process with at most 1 GB of address space, and a generous
    timeout that only a hang reaches."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        cwd=Path.cwd(),
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        check=False,
    )


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every provider aimed at a closed local port: nothing here may reach a service."""
    aim_every_provider_at_a_closed_port(monkeypatch)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out)["accounts"]


# --------------------------------------------------------------------------- the opener


@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (make_dev_zero, ReadKind.NOT_REGULAR, DEVICE),
        (make_socket, ReadKind.NOT_REGULAR, SOCKET),
        (lambda path: path.mkdir(), ReadKind.NOT_REGULAR, "is a folder, not a file"),
        (lambda path: None, ReadKind.MISSING, "does not exist"),
        (lambda path: path.write_bytes(b"x" * 101), ReadKind.TOO_LARGE, "larger than 100 bytes"),
        (lambda path: path.write_bytes(b"\xff\xfe"), ReadKind.NOT_UTF8, "is not UTF-8 text"),
        (lambda path: path.write_bytes(b" \n"), ReadKind.EMPTY, "is empty"),
    ],
)
def test_every_outcome_is_a_kind_and_a_sentence(
    tmp_path: Path, make: Callable[[Path], None], kind: ReadKind, words: str
) -> None:
    path = tmp_path / "file"
    make(path)
    read = read_text(path, "the file", limit=100)
    assert read.kind is kind
    assert read.problem is not None and read.problem.startswith("the file ")
    assert words in read.problem


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    with fifos(path) as watch:
        read = read_bytes(path, "the pipe", limit=100)
        checked = regular_file(path, "the pipe")
    assert read.kind is checked.kind is ReadKind.NOT_REGULAR
    assert read.problem == f"the pipe {FIFO}" and read.reason == FIFO
    assert watch.opened == []


def test_a_symlink_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    """Dotfile managers link credential files into place: the target is what is checked."""
    target = tmp_path / "real.json"
    target.write_text('{"a": 1}')
    link = tmp_path / "link.json"
    os.symlink(target, link)
    assert read_json_file(link, "link").data == {"a": 1}


def test_a_file_swapped_for_a_fifo_after_the_look_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The type is checked again on the open descriptor, so a file replaced between the
    stat and the open is refused too; the non-blocking open cannot hang on it."""
    path = tmp_path / "pipe"
    path.write_text("{}")
    real_open = os.open

    def swap_then_open(target: Any, flags: int, *args: Any) -> int:
        if Path(target) == path:
            path.unlink()
            os.mkfifo(path)
            assert flags & os.O_NONBLOCK
        return real_open(target, flags, *args)

    monkeypatch.setattr(os, "open", swap_then_open)
    read = read_bytes(path, "the file", limit=100)
    assert (read.kind, read.reason) == (ReadKind.NOT_REGULAR, FIFO)


# --------------------------------------------------------------------------- credential files

# where (relative to HOME, or to the cwd with "work:"), the provider, how the file is shown
CREDENTIALS: dict[str, tuple[str, str, str]] = {
    "codex-live": ("home:.codex/auth.json", "codex", "~/.codex/auth.json"),
    "codex-saved": ("work:account/side.auth.json", "codex", "account/side.auth.json"),
    "claude": ("home:.claude/.credentials.json", "claude", "~/.claude/.credentials.json"),
    "copilot-apps": (
        "home:.config/github-copilot/apps.json",
        "copilot",
        "~/.config/github-copilot/apps.json",
    ),
    "copilot-hosts": (
        "home:.config/github-copilot/hosts.json",
        "copilot",
        "~/.config/github-copilot/hosts.json",
    ),
    "copilot-pat": (
        "home:.config/opencode/copilot-quota-token.json",
        "copilot",
        "~/.config/opencode/copilot-quota-token.json",
    ),
    "gemini": ("home:.gemini/oauth_creds.json", "gemini", "~/.gemini/oauth_creds.json"),
    "antigravity": (
        "home:.config/opencode/antigravity-accounts.json",
        "antigravity",
        "~/.config/opencode/antigravity-accounts.json",
    ),
}
# OpenCode's auth.json serves many providers and is nobody's in particular: broken, it is
# simply no account.
OPENCODE = "home:.local/share/opencode/auth.json"


def place(where: str, home: Path, work: Path) -> Path:
    base, _, relative = where.partition(":")
    return (home if base == "home" else work) / relative


def assert_one_error_naming(accounts: list[dict[str, Any]], shown: str, words: str) -> None:
    [account] = accounts
    assert account["status"] == "error"
    assert account["message"] == f"{shown} {words}", account["message"]


@pytest.mark.parametrize("location", list(CREDENTIALS))
def test_a_fifo_at_a_credential_path_is_one_account_message(
    home: Path, work: Path, capsys: pytest.CaptureFixture[str], location: str
) -> None:
    where, provider, shown = CREDENTIALS[location]
    with fifos(place(where, home, work)) as watch:
        code, accounts = run_json(capsys, "--provider", provider)
    assert watch.opened == []
    assert_one_error_naming(accounts, shown, FIFO)
    assert code == 1


@pytest.mark.parametrize(("make", "words"), [(make_dev_zero, DEVICE), (make_socket, SOCKET)])
@pytest.mark.parametrize("location", list(CREDENTIALS))
def test_a_device_or_socket_at_a_credential_path_is_one_account_message(
    home: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
    location: str,
    make: Callable[[Path], None],
    words: str,
) -> None:
    where, provider, shown = CREDENTIALS[location]
    make(place(where, home, work))
    code, accounts = run_json(capsys, "--provider", provider)
    assert_one_error_naming(accounts, shown, words)
    assert code == 1


def test_a_fifo_as_opencode_auth_json_is_no_account(
    home: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fifos(place(OPENCODE, home, work)) as watch:
        code, accounts = run_json(capsys, "--provider", "zhipu", "--provider", "nanogpt")
    assert watch.opened == [] and accounts == [] and code == 0


def test_once_returns_with_a_fifo_at_every_path_at_once(home: Path, work: Path) -> None:
    """The whole program, as a user runs it: every credential path and config.toml's default
    place a FIFO but one good Codex account, which still gets its answer (a closed port)."""
    paths = [place(where, home, work) for where, _, _ in CREDENTIALS.values()]
    paths.append(place(OPENCODE, home, work))
    write_codex_auth(work / "account/good.auth.json", codex_token("acc-good"), "acc-good")
    with fifos(*paths) as watch:
        done = limited_run("--once", "--json")
    assert watch.opened == []
    assert done.returncode == 1 and "Traceback" not in done.stderr
    by_source = {a["source"]: a for a in json.loads(done.stdout)["accounts"]}
    for _, _, shown in CREDENTIALS.values():
        assert by_source[shown]["message"] == f"{shown} {FIFO}"
    assert by_source["account/good.auth.json"]["status"] == "unreachable"


# --------------------------------------------------------------------------- config.toml


def test_a_fifo_as_the_config_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    with fifos(config) as watch:
        code = main(["--once", "--config", str(config)])
    err = capsys.readouterr().err
    assert watch.opened == []
    assert code == 2 and err.strip() == f"aiquota-tui: {config}: {FIFO}"


def test_a_fifo_in_the_default_config_place_is_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home / ".config/aiquota-tui/config.toml"
    with fifos(config) as watch:
        code = main(["--once"])
    assert watch.opened == []
    assert code == 2 and f"{config}: {FIFO}" in capsys.readouterr().err


@pytest.mark.parametrize(("make", "words"), [(make_dev_zero, DEVICE), (make_socket, SOCKET)])
def test_dev_zero_or_a_socket_as_the_config_file_is_exit_2(
    tmp_path: Path, make: Callable[[Path], None], words: str
) -> None:
    config = tmp_path / "config.toml"
    make(config)
    done = limited_run("--once", "--config", str(config))
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr
    assert done.returncode == 2 and f"{config}: {words}" in done.stderr


def test_a_config_larger_than_1_mb_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# " + "x" * 1_000_000 + "\n")
    assert main(["--once", "--config", str(config)]) == 2
    assert "larger than 1 MB, not a config file" in capsys.readouterr().err


# --------------------------------------------------------------------------- the Codex switch


def test_dev_zero_among_the_saved_accounts_does_not_stop_a_switch(home: Path, work: Path) -> None:
    """The switch reads every saved account to find the live login's twin: /dev/zero among
    them was read until MemoryError. Now it is passed over like any unreadable file."""
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-live"), "acc-live")
    write_codex_auth(work / "account/side.auth.json", codex_token("acc-side"), "acc-side")
    make_dev_zero(work / "account/zero.auth.json")
    done = limited_run("--activate", "side")
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    live = json.loads((home / ".codex/auth.json").read_text())
    assert live["tokens"]["account_id"] == "acc-side"


def test_dev_zero_or_a_fifo_as_the_chosen_account_is_no_saved_account(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_dev_zero(work / "account/zero.auth.json")
    with fifos(work / "account/pipe.auth.json") as watch:
        assert main(["--activate", "zero"]) == 2
        assert main(["--activate", "pipe"]) == 2
    assert watch.opened == []
    assert "no saved Codex account 'pipe'" in capsys.readouterr().err


def test_a_fifo_as_the_live_auth_json_refuses_the_switch(
    home: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_codex_auth(work / "account/side.auth.json", codex_token("acc-side"), "acc-side")
    with fifos(home / ".codex/auth.json") as watch:
        code = main(["--activate", "side"])
    assert watch.opened == []
    assert code == 1
    assert f"not switched: ~/.codex/auth.json {FIFO}" in capsys.readouterr().err


# --------------------------------------------------------------------------- the Antigravity cache


def sqlite_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE ItemTable (key TEXT UNIQUE, value BLOB)")
    connection.commit()
    connection.close()
    return path


def cache_context(home: Path, **settings: Any) -> DiscoveryContext:
    return DiscoveryContext(paths=Paths({"HOME": str(home)}), settings=settings)


def test_a_fifo_as_the_configured_antigravity_cache(home: Path) -> None:
    path = home / "cache.vscdb"
    with fifos(path) as watch:
        [account] = cache.discover(cache_context(home, cache_path=str(path)))
    assert watch.opened == []
    assert account.problem is not None
    assert account.problem.message == (
        f"~/cache.vscdb {FIFO}: check cache_path in [providers.antigravity]"
    )


@pytest.mark.parametrize("companion", ["", "-journal", "-wal", "-shm"])
def test_sqlite_never_opens_a_fifo_beside_the_cache(home: Path, companion: str) -> None:
    """sqlite opens the database and a hot journal without O_NONBLOCK: a FIFO as either hung
    the fetch. The database itself a FIFO is refused at the fetch too (it may be swapped in
    after discovery)."""
    path = home / ".config/Antigravity/User/globalStorage/state.vscdb"
    if companion:
        sqlite_file(path)
    else:
        path.parent.mkdir(parents=True)
    account = cache._cache_account(Paths({"HOME": str(home)}), path, label="x", problem=None)
    with fifos(path.with_name(path.name + companion)) as watch, pytest.raises(FetchError) as raised:
        asyncio.run(cache.fetch(account, datetime.now(UTC)))
    assert watch.opened == []
    assert raised.value.status.value == "error"


# --------------------------------------------------------------------------- state and themes


def test_a_fifo_as_state_toml_is_no_state(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    with fifos(path) as watch:
        assert load_state(path) == AppState()
    assert watch.opened == []


def test_dev_zero_as_state_toml_is_no_state(tmp_path: Path) -> None:
    path = tmp_path / "state.toml"
    make_dev_zero(path)
    assert load_state(path) == AppState()


def test_a_fifo_as_a_theme_file_is_skipped_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "good.toml").write_text('name = "mine"\nprimary = "#6cb6ff"\n')
    with fifos(folder / "pipe.toml") as watch:
        with pytest.raises(ThemeError) as raised:
            load_theme_file(folder / "pipe.toml")
        themes, messages = user_themes(folder)
    assert watch.opened == []
    assert raised.value.problem == FIFO
    assert [theme.name for theme in themes] == ["mine"]
    assert any("pipe.toml skipped" in m and FIFO in m for m in messages), messages


def test_dev_zero_as_a_theme_file_is_skipped(tmp_path: Path) -> None:
    make_dev_zero(tmp_path / "zero.toml")
    with pytest.raises(ThemeError) as raised:
        load_theme_file(tmp_path / "zero.toml")
    assert raised.value.problem == DEVICE


async def test_the_app_starts_with_a_fifo_as_state_and_as_a_theme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    theme = tmp_path / "config/aiquota-tui/themes/pipe.toml"
    with fifos(tmp_path / "state.toml", theme) as watch:
        app, _, _ = make_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, app)
            assert app.theme == "aiquota-dark"
    assert watch.opened == []
    assert any(FIFO in message for message in app.startup_messages), app.startup_messages


def test_an_error_while_reading_is_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads anything, so the error of a read that fails midway is injected."""
    path = tmp_path / "file"
    path.write_text("{}")

    def failing_read(descriptor: int, size: int) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "read", failing_read)
    read = read_bytes(path, "the file", limit=100)
    assert (read.kind, read.problem) == (
        ReadKind.UNREADABLE,
        "cannot read the file: Input/output error",
    )
