"""A tiny protobuf encoder for tests, plus builders for Antigravity's state.vscdb.

Written independently of the decoder in providers/google/cache.py so the tests
check one against the other rather than a function against itself.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def varint(number: int) -> bytes:
    if number < 0:
        number += 1 << 64  # int64 two's complement, ten bytes
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def f_varint(field: int, number: int) -> bytes:
    return tag(field, 0) + varint(number)


def f_fixed64(field: int, raw: bytes) -> bytes:
    assert len(raw) == 8
    return tag(field, 1) + raw


def f_fixed32(field: int, raw: bytes) -> bytes:
    assert len(raw) == 4
    return tag(field, 5) + raw


def f_double(field: int, number: float) -> bytes:
    return f_fixed64(field, struct.pack("<d", number))


def f_float(field: int, number: float) -> bytes:
    return f_fixed32(field, struct.pack("<f", number))


def f_bytes(field: int, raw: bytes) -> bytes:
    return tag(field, 2) + varint(len(raw)) + raw


def f_string(field: int, text: str) -> bytes:
    return f_bytes(field, text.encode())


def f_message(field: int, *parts: bytes) -> bytes:
    return f_bytes(field, b"".join(parts))


# --------------------------------------------------------------------------- Antigravity shapes


def timestamp(seconds: int, nanos: int = 0) -> bytes:
    parts = f_varint(1, seconds) if seconds else b""
    return parts + (f_varint(2, nanos) if nanos else b"")


@dataclass(frozen=True)
class Model:
    label: str
    fraction: float | None = None  # None: quota info without a fraction (0 % left)
    reset: int | None = None  # epoch seconds
    reset_nanos: int = 0
    double: bool = False  # fixed64 double instead of fixed32 float
    quota: bool = True  # False: no field 15 at all


def model(entry: Model) -> bytes:
    parts = [f_string(1, entry.label), f_varint(2, 1234), f_string(3, "MODEL_PLACEHOLDER_M26")]
    if entry.quota:
        info = b""
        if entry.fraction is not None:
            info += (f_double if entry.double else f_float)(1, entry.fraction)
        if entry.reset is not None:
            info += f_message(2, timestamp(entry.reset, entry.reset_nanos))
        parts.append(f_message(15, info))
    return b"".join(parts)


def user_status(email: str | None, groups: list[list[Model]], *, extra: bytes = b"") -> bytes:
    """Root: some unrelated fields, 7 = e-mail, 33 (repeated) = groups of models (field 1)."""
    out = f_string(3, "Demo Person") + f_varint(5, 42) + extra
    if email is not None:
        out += f_string(7, email)
    for group in groups:
        out += f_message(33, *(f_message(1, model(entry)) for entry in group), f_string(2, "g"))
    return out


def auth_json(proto: bytes | None, *, email: str = "", api_key: str = "", **more: Any) -> str:
    document: dict[str, Any] = {"name": "Demo Person", "email": email, "apiKey": api_key}
    if proto is not None:
        document["userStatusProtoBinaryBase64"] = base64.b64encode(proto).decode()
    document.update(more)
    return json.dumps(document)


def write_state(
    path: Path,
    value: str | bytes | None,
    *,
    table: bool = True,
    key: str = "antigravityAuthStatus",
) -> Path:
    """A VS Code style state.vscdb; value None leaves the key out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        if table:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, "
                "value BLOB)"
            )
            connection.execute(
                "INSERT INTO ItemTable VALUES (?, ?)", ("workbench.colorTheme", "Dark")
            )
            if value is not None:
                connection.execute("INSERT INTO ItemTable VALUES (?, ?)", (key, value))
        else:
            connection.execute("CREATE TABLE other (x)")
        connection.commit()
    finally:
        connection.close()
    return path
