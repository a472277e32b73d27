"""Demo data for Antigravity's local cache: a real state.vscdb written to a temp folder.

The demo account goes through the same read-only SQLite read and protobuf decoding as
a real one. The file is written once per process (per copy) and reused; its mtime is
set a few minutes back so the "cached" age shows.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path

import httpx

from providers.base import Account
from providers.google.cache import AUTH_KEY, GLOBAL_STORAGE, KIND, PROVIDER_ID
from providers.kit.demo_tools import DAY, HOUR

CACHE_AGE = 7 * 60  # seconds since the "editor" last wrote the file

# (label, remaining fraction or None for "none left", reset in seconds or None, as double?)
GROUPS: tuple[tuple[tuple[str, float | None, float | None, bool], ...], ...] = (
    (
        ("Claude Sonnet 4.6 (Thinking)", 0.85, 4.6 * DAY, False),
        ("Claude Opus 4.6 (Thinking)", 0.6, 4.6 * DAY, False),
    ),
    (
        ("Gemini 3.1 Pro (High)", 0.2, 1.2 * DAY, False),
        ("Gemini 3.1 Pro (Low)", None, 1.2 * DAY, False),
        ("Gemini 3 Flash", 1.0, 5 * HOUR, True),
    ),
    (("GPT-OSS 120B (Medium)", 0.95, 6.5 * DAY, False),),
)

_folder: Path | None = None
_files: dict[int, Path] = {}


# --------------------------------------------------------------------------- a minimal encoder


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    if wire == 2:
        payload = _varint(len(payload)) + payload
    return _varint(number << 3 | wire) + payload


def _text(number: int, text: str) -> bytes:
    return _field(number, 2, text.encode())


def _model(label: str, fraction: float | None, resets_in: float | None, double: bool, now: float):
    quota = b""
    if fraction is not None:
        quota += (
            _field(1, 1, struct.pack("<d", fraction))
            if double
            else _field(1, 5, struct.pack("<f", fraction))
        )
    if resets_in is not None:
        quota += _field(2, 2, _field(1, 0, _varint(int(now + resets_in))))
    return _text(1, label) + _field(2, 0, _varint(1)) + _field(15, 2, quota)


def _user_status(email: str, now: float) -> bytes:
    out = _text(3, "Demo Person") + _text(7, email)
    for group in GROUPS:
        models = b"".join(_field(1, 2, _model(*entry, now)) for entry in group)
        # A model without quota info (field 15): the reader skips it.
        models += _field(1, 2, _text(1, "Tab completion"))
        out += _field(33, 2, models)
    return out


# --------------------------------------------------------------------------- the file


def _email(copy: int) -> str:
    return (
        "antigravity-demo@example.com" if copy == 0 else f"antigravity-demo-{copy + 1}@example.com"
    )


def _demo_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="aiquota-demo-antigravity-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def _write(path: Path, email: str, now: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = json.dumps(
        {
            "name": "Demo Person",
            "email": email,
            "apiKey": "demo-not-a-real-key",
            "userStatusProtoBinaryBase64": base64.b64encode(_user_status(email, now)).decode(),
        }
    )
    connection = sqlite3.connect(path)
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE, value BLOB)")
        connection.execute("INSERT OR REPLACE INTO ItemTable VALUES (?, ?)", (AUTH_KEY, value))
        connection.commit()
    finally:
        connection.close()
    os.utime(path, (now - CACHE_AGE, now - CACHE_AGE))


def state_file(now: float, copy: int) -> Path:
    """The demo state.vscdb of one copy, written on first use."""
    path = _files.get(copy)
    if path is None or not path.is_file():
        path = _demo_folder().joinpath(f"copy-{copy}", *GLOBAL_STORAGE[1:])
        _write(path, _email(copy), now)
        _files[copy] = path
    return path


def accounts(now: float, copy: int) -> list[Account]:
    path = state_file(now, copy)
    return [
        Account(
            provider=PROVIDER_ID,
            label=_email(copy),
            source="~/.config/Antigravity/User/globalStorage/state.vscdb",
            identity=f"cache:demo-{copy}",
            extra={"kind": KIND},
            path=path,
        )
    ]


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    return None
