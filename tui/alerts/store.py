"""alerts.toml in the state folder: which alerts were given, shared by every process.

The app and a cron `--once` may evaluate at the same moment. Each evaluation holds an exclusive
lock (alerts.lock beside the file) while it reads the file, decides and writes the new state
atomically (a temporary file, fsync'd, renamed over the old one), so neither fires a crossing
the other already fired nor overwrites one it has not seen. The file is read again only when
another process replaced it (its inode, size or time changed).

A file that cannot be understood is set aside as alerts.toml.corrupt and the state starts
fresh (said once, never a traceback); a single unusable entry is just forgotten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.kit.files import ReadKind, read_text
from tui.alerts.engine import AccountMark, AlertState, WindowMark

STATE_FILE = "alerts.toml"
LOCK_FILE = "alerts.lock"
CORRUPT_SUFFIX = ".corrupt"
VERSION = 1
# A thousand accounts with a few windows each is well under 2 MB.
MAX_STATE_BYTES = 16_000_000
LOCK_WAIT = 5.0  # seconds; another process never holds the lock longer than one write
_LOCK_POLL = 0.02

try:
    import fcntl
except ImportError:  # Windows: one process at a time is all it gets
    fcntl = None  # type: ignore[assignment]


class MemoryStore:
    """The state of one process only (--demo: nothing of the user's is written)."""

    def __init__(self) -> None:
        self.state = AlertState()

    @contextlib.contextmanager
    def locked(self) -> Iterator[AlertState | None]:
        yield self.state

    def save(self, state: AlertState) -> bool:
        self.state = state
        return True


class FileStore:
    def __init__(self, folder: Path, report: Callable[[str], None]) -> None:
        self.folder = folder
        self.path = folder / STATE_FILE
        self._report = report
        self._lock = threading.Lock()
        self._cached: AlertState | None = None
        self._signature: tuple[int, int, int] | None = None
        self._reported: set[str] = set()

    def _say_once(self, kind: str, text: str) -> None:
        if kind not in self._reported:
            self._reported.add(kind)
            self._report(text)

    @contextlib.contextmanager
    def locked(self) -> Iterator[AlertState | None]:
        """The current state under the lock, or None when it cannot be had now (the folder
        cannot be made, the lock is held too long, the file cannot be read): the caller then
        decides nothing, so nothing is lost — the next batch sees the same crossing."""
        with self._lock:
            try:
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                self._say_once(
                    "folder",
                    f"aiquota-tui: alerts are off: cannot create {self.folder} ({_why(error)})",
                )
                yield None
                return
            with _file_lock(self.folder / LOCK_FILE) as held:
                if not held:
                    self._say_once(
                        "lock",
                        "aiquota-tui: alerts skipped once: another aiquota-tui held the alert state too long",
                    )
                    yield None
                    return
                try:
                    yield self._load()
                except BaseException:
                    self._cached = self._signature = None  # it may be half updated
                    raise

    def save(self, state: AlertState) -> bool:
        """Write the state atomically (call inside `locked`). False, said once, when it fails:
        the alerts of this batch are then not given, and the next batch decides them again."""
        data = _dumps(state).encode("utf-8")
        temp_name: str | None = None
        try:
            descriptor, temp_name = tempfile.mkstemp(
                dir=self.folder, prefix=f".{STATE_FILE}.", suffix=".tmp"
            )
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, self.path)
            temp_name = None
        except OSError as error:
            self._cached = self._signature = None  # what is in memory was not kept
            self._say_once(
                "save", f"aiquota-tui: alerts not given: cannot save {self.path} ({_why(error)})"
            )
            return False
        finally:
            if temp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp_name)
        self._cached = state
        self._signature = _signature(self.path)
        return True

    def _load(self) -> AlertState | None:
        signature = _signature(self.path)
        if self._cached is not None and signature is not None and signature == self._signature:
            return self._cached  # nobody replaced the file since we read or wrote it
        read = read_text(
            self.path, str(self.path), limit=MAX_STATE_BYTES, what="an alert state file"
        )
        if read.missing or read.empty:
            state: AlertState | None = AlertState()
        elif read.kind is ReadKind.UNREADABLE:
            self._say_once("read", f"aiquota-tui: alerts are off: {read.problem}")
            return None
        elif not read.ok:  # the reader's sentence names the file: "… is a FIFO (named pipe), …"
            state = self._set_aside(read.problem or f"the alert state {self.path} was unusable")
        else:
            state = _parse(read.data)
            if state is None:
                state = self._set_aside(f"the alert state {self.path} was not an alert state file")
        self._cached, self._signature = state, signature
        return state

    def _set_aside(self, problem: str) -> AlertState:
        aside = self.path.with_name(STATE_FILE + CORRUPT_SUFFIX)
        try:
            os.replace(self.path, aside)
            where = f"moved to {aside.name}"
        except OSError as error:
            where = f"could not be moved aside ({_why(error)})"
        self._say_once(
            "corrupt",
            f"aiquota-tui: {problem}; {where}; starting fresh "
            "(windows already low alert once more)",
        )
        return AlertState()


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    if fcntl is None:
        yield True
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(_LOCK_POLL)
            except OSError:  # a file system without locks: go on alone
                break
        yield True
    finally:
        os.close(descriptor)  # closing releases the lock


# ---------------------------------------------------------------------------- the file format
#
#   version = 1
#   [windows.<provider>."<account key>"]
#   <window id> = [<remaining>, <seen at>, <resets at or "">, <pace warned for or "">]
#   [accounts.<provider>]
#   "<account key>" = [<seen at>, <problem status or "">]
#
# Arrays, not a table per window: half the size, and tomllib reads it twice as fast (a
# thousand accounts: 0.2 s instead of 0.4 s for every --once).

_NONE = ""


def _or_none(moment: datetime | None) -> datetime | str:
    return _NONE if moment is None else moment


def _dumps(state: AlertState) -> str:
    """The file's text. Written here rather than by tomli_w, which lays every array over
    several lines and takes five times as long; tomllib reads it back (a test holds that)."""
    lines = [f"version = {VERSION}"]
    by_account: dict[tuple[str, str], list[str]] = {}
    for (provider, account, window_id), mark in state.windows.items():
        entry = [mark.remaining, mark.at, _or_none(mark.resets_at), _or_none(mark.paced)]
        by_account.setdefault((provider, account), []).append(
            f"{_key(window_id)} = {_array(entry)}"
        )
    for (provider, account), entries in by_account.items():
        lines += ["", f"[windows.{_key(provider)}.{_key(account)}]", *entries]
    by_provider: dict[str, list[str]] = {}
    for (provider, account), account_mark in state.accounts.items():
        entry = [account_mark.at, account_mark.problem or _NONE]
        by_provider.setdefault(provider, []).append(f"{_key(account)} = {_array(entry)}")
    for provider, entries in by_provider.items():
        lines += ["", f"[accounts.{_key(provider)}]", *entries]
    return "\n".join(lines) + "\n"


def _key(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped. A lone
    surrogate (no file can hold one) becomes U+FFFD."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # the common case, without a loop
    out = []
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _array(values: list[Any]) -> str:
    parts = []
    for value in values:
        if isinstance(value, datetime):
            parts.append(value.astimezone(UTC).isoformat())
        elif isinstance(value, int | float):
            parts.append(repr(float(value)))
        else:
            parts.append(_key(str(value)))
    return "[" + ", ".join(parts) + "]"


def _parse(text: str) -> AlertState | None:
    """The state in `text`, or None when it is not an alert state file at all."""
    try:
        document = tomllib.loads(text)
    except ValueError:  # bad TOML (TOMLDecodeError is one), 5000-digit numbers
        return None
    if document.get("version") != VERSION:
        return None
    state = AlertState()
    for provider, accounts in _tables(document.get("windows")):
        for account, windows in _tables(accounts):
            for window_id, entry in windows.items():
                mark = _window_mark(entry)
                if mark is not None:
                    state.windows[(provider, account, window_id)] = mark
    for provider, accounts in _tables(document.get("accounts")):
        for account, entry in accounts.items():
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str):
                at = _moment(entry[0])
                if at is not None:
                    state.accounts[(provider, account)] = AccountMark(entry[1] or None, at)
    return state


def _tables(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, dict):
                yield key, inner


def _window_mark(entry: Any) -> WindowMark | None:
    if not isinstance(entry, list) or len(entry) != 4:
        return None
    remaining, at, resets_at, paced = entry[0], _moment(entry[1]), entry[2], entry[3]
    if isinstance(remaining, bool) or not isinstance(remaining, int | float) or at is None:
        return None
    if remaining != remaining:  # NaN
        return None
    return WindowMark(float(remaining), at, _moment(resets_at), _moment(paced))


def _moment(value: Any) -> datetime | None:
    """Only times with an offset: a naive one cannot be compared with the fetch times."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return None
