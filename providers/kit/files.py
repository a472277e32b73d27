"""The one way any file is read: regular files only, a non-blocking open, a bounded read.

Every file aiquota-tui reads (other tools' credential files, config.toml, state.toml, theme
files, the Codex switch's auth.json) comes through here, so none of them can hang the program
(a FIFO with no writer blocks a plain open() for ever), exhaust its memory (/dev/zero never
ends) or raise. Symbolic links are followed, as dotfile managers link credential files; what
they point at is checked like any other file.

Every outcome is data: a `ReadKind` saying what happened, a sentence naming the file for
people, and the same without the name for messages written "<file>: <reason>".
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

# Real credential files are a few KB; anything bigger is not one of them.
MAX_CREDENTIAL_BYTES = 1_000_000
# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (it is then
# refused by its type). O_NOCTTY: a terminal device named here never becomes ours.
# Neither exists on Windows, where neither problem does either.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 64 * 1024


class ReadKind(StrEnum):
    """What reading a file came to. Callers decide on this, never on the message's words."""

    OK = "ok"
    MISSING = "missing"
    EMPTY = "empty"  # nothing but whitespace; the text is still given
    UNREADABLE = "unreadable"  # permission denied, a symlink loop, a file where a folder is
    NOT_REGULAR = "not_regular"  # a folder, FIFO, device or socket
    TOO_LARGE = "too_large"
    NOT_UTF8 = "not_utf8"
    INVALID = "invalid"  # read, but not the format asked for (JSON)


@dataclass(frozen=True)
class FileRead:
    """The outcome of reading one file: its content (bytes, text or parsed JSON, by reader)
    when kind is OK (or EMPTY, for text), else a problem.

    `problem` is a sentence naming the file ("cannot read ~/x: permission denied");
    `reason` is the same without the name, for messages written "<file>: <reason>".
    """

    data: Any = None
    kind: ReadKind = ReadKind.OK
    problem: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind is ReadKind.OK

    @property
    def missing(self) -> bool:
        return self.kind is ReadKind.MISSING

    @property
    def empty(self) -> bool:
        return self.kind is ReadKind.EMPTY


def _failure(kind: ReadKind, shown: str, reason: str, sentence: str | None = None) -> FileRead:
    return FileRead(kind=kind, problem=sentence or f"{shown} {reason}", reason=reason)


def _size(limit: int) -> str:
    if limit % 1_000_000 == 0:
        return f"{limit // 1_000_000} MB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


def _os_failure(error: OSError, shown: str) -> FileRead:
    if isinstance(error, FileNotFoundError):
        return _failure(ReadKind.MISSING, shown, "no such file", f"{shown} does not exist")
    if isinstance(error, PermissionError):
        return _failure(
            ReadKind.UNREADABLE,
            shown,
            "permission denied",
            f"cannot read {shown}: permission denied",
        )
    text = error.strerror or type(error).__name__
    return _failure(
        ReadKind.UNREADABLE, shown, f"cannot read ({text})", f"cannot read {shown}: {text}"
    )


# What a path is instead of a regular file, as a sentence names it.
_NOT_FILES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _type_failure(mode: int, shown: str) -> FileRead | None:
    """None for a regular file, else what it is instead."""
    if stat.S_ISREG(mode):
        return None
    what = next((name for test, name in _NOT_FILES if test(mode)), "a special file")
    return _failure(ReadKind.NOT_REGULAR, shown, f"is {what}, not a file")


def regular_file(path: Path, shown_as: str) -> FileRead:
    """Whether path (links followed) is a regular file, without opening it: kind OK, or why
    not. For files another library opens (sqlite), so a FIFO never reaches its open()."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return _os_failure(error, shown_as)
    except ValueError:  # a NUL character in the path: no file can have that name
        return _os_failure(FileNotFoundError(), shown_as)
    return _type_failure(mode, shown_as) or FileRead()


def read_bytes(path: Path, shown_as: str, *, limit: int, what: str = "a file") -> FileRead:
    """At most `limit` bytes of a regular file, as `data`. Never blocks on a special file,
    never reads past limit + 1 bytes, never raises. `what` ends the too-large sentence
    ("… is larger than 1 MB, not a credential file")."""
    # Looked at before opening: opening a device can have effects of its own (a tape
    # rewinds, a modem line is raised); the fstat below catches a file swapped in between.
    checked = regular_file(path, shown_as)
    if not checked.ok:
        return checked
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        return _os_failure(error, shown_as)
    try:
        refused = _type_failure(os.fstat(descriptor).st_mode, shown_as)
        if refused is not None:
            return refused
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        return _os_failure(error, shown_as)
    finally:
        os.close(descriptor)
    if size > limit:
        return _failure(
            ReadKind.TOO_LARGE,
            shown_as,
            f"larger than {_size(limit)}, not {what}",
            f"{shown_as} is larger than {_size(limit)}, not {what}",
        )
    return FileRead(data=b"".join(chunks))


def decode_text(read: FileRead, shown_as: str) -> FileRead:
    """A bytes read as UTF-8 text (a byte order mark, as Windows editors write, dropped).
    Whitespace only is kind EMPTY, with the text kept for callers to whom empty is fine."""
    if not read.ok:
        return read
    try:
        text = read.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _failure(
            ReadKind.NOT_UTF8, shown_as, "not UTF-8 text", f"{shown_as} is not UTF-8 text"
        )
    if not text.strip():
        return FileRead(
            data=text, kind=ReadKind.EMPTY, problem=f"{shown_as} is empty", reason="is empty"
        )
    return FileRead(data=text)


def read_text(path: Path, shown_as: str, *, limit: int, what: str = "a file") -> FileRead:
    return decode_text(read_bytes(path, shown_as, limit=limit, what=what), shown_as)


def read_json_file(path: Path, shown_as: str) -> FileRead:
    """A credential file as parsed JSON (any JSON value; callers check its shape)."""
    read = read_text(path, shown_as, limit=MAX_CREDENTIAL_BYTES, what="a credential file")
    if not read.ok:
        return read
    try:
        data = json.loads(read.data)
    except json.JSONDecodeError as error:
        # The position is safe to show; the document itself may hold a token.
        where = f"line {error.lineno}, column {error.colno}"
        return _failure(ReadKind.INVALID, shown_as, f"is not valid JSON ({where})")
    except RecursionError:
        return _failure(ReadKind.INVALID, shown_as, "is nested too deeply to be a credential file")
    except ValueError:  # an integer of more than 4300 digits, which Python refuses to read
        return _failure(
            ReadKind.INVALID, shown_as, "holds a number too long to be a credential file"
        )
    return FileRead(data=data)


def read_json_object(path: Path, shown_as: str) -> FileRead:
    """A credential file that must hold a JSON object: any other JSON value is the file's
    problem ("<file> is not a JSON object"), so that `data` is a dict whenever it is ok."""
    read = read_json_file(path, shown_as)
    if read.ok and not isinstance(read.data, dict):
        return _failure(ReadKind.INVALID, shown_as, "is not a JSON object")
    return read
