"""Protocol Buffers wire format, read generically (no schema): fields, varints, nesting.

For messages whose schema is not published (the Antigravity editor's cache, §5b): a
message decodes into field number → occurrences, each kept raw (an int for varints,
bytes otherwise) until the caller asks for it as a message, text, integer or number.
Every read is bounds-checked; truncated or malformed input raises ParseError, never
IndexError. Groups (wire types 3 and 4, deprecated) are refused. What the fields mean
is the caller's business.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from providers.base import ParseError
from providers.kit.words import plural

WIRE_VARINT = 0
WIRE_FIXED64 = 1
WIRE_LENGTH = 2
WIRE_START_GROUP = 3
WIRE_END_GROUP = 4
WIRE_FIXED32 = 5

_MAX_VARINT_BYTES = 10


@dataclass(frozen=True)
class ProtoValue:
    """One occurrence of a field: its wire type and raw payload (int for varints, else bytes)."""

    wire: int
    raw: int | bytes

    def message(self) -> ProtoMessage:
        """The payload decoded as a nested message (only now: decoding is lazy)."""
        if self.wire != WIRE_LENGTH or not isinstance(self.raw, bytes):
            raise ParseError(f"expected a nested message, found wire type {self.wire}")
        return decode(self.raw)

    def text(self) -> str | None:
        if self.wire != WIRE_LENGTH or not isinstance(self.raw, bytes):
            return None
        return self.raw.decode("utf-8", errors="replace")

    def integer(self) -> int | None:
        """A varint or fixed-width value as an unsigned integer."""
        if self.wire == WIRE_VARINT and isinstance(self.raw, int):
            return self.raw
        if self.wire == WIRE_FIXED64 and isinstance(self.raw, bytes):
            return int(struct.unpack("<Q", self.raw)[0])
        if self.wire == WIRE_FIXED32 and isinstance(self.raw, bytes):
            return int(struct.unpack("<I", self.raw)[0])
        return None

    def signed(self) -> int | None:
        """An int64 varint (two's complement) or a fixed-width signed integer."""
        if self.wire == WIRE_VARINT and isinstance(self.raw, int):
            return self.raw - (1 << 64) if self.raw >= 1 << 63 else self.raw
        if self.wire == WIRE_FIXED64 and isinstance(self.raw, bytes):
            return int(struct.unpack("<q", self.raw)[0])
        if self.wire == WIRE_FIXED32 and isinstance(self.raw, bytes):
            return int(struct.unpack("<i", self.raw)[0])
        return None

    def number(self) -> float | None:
        """A float: fixed32 is a little-endian float32, fixed64 a double."""
        if self.wire == WIRE_FIXED32 and isinstance(self.raw, bytes):
            return float(struct.unpack("<f", self.raw)[0])
        if self.wire == WIRE_FIXED64 and isinstance(self.raw, bytes):
            return float(struct.unpack("<d", self.raw)[0])
        return None


class ProtoMessage(dict[int, list[ProtoValue]]):
    """Field number → every occurrence of it, in order (fields may repeat)."""

    def first(self, field: int) -> ProtoValue | None:
        values = self.get(field)
        return values[0] if values else None

    def all(self, field: int) -> list[ProtoValue]:
        return self.get(field, [])


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = 0
    for index in range(_MAX_VARINT_BYTES):
        if position >= len(data):
            raise ParseError("truncated protobuf: a varint runs past the end")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if result >= 1 << 64:
                raise ParseError("malformed protobuf: a varint is wider than 64 bits")
            return result, position
    raise ParseError("malformed protobuf: a varint is longer than 10 bytes")


def _take(data: bytes, position: int, size: int) -> tuple[bytes, int]:
    end = position + size
    if end > len(data):
        raise ParseError(
            f"truncated protobuf: a field needs {plural(size, 'byte')}, {len(data) - position} left"
        )
    return data[position:end], end


def iter_fields(data: bytes) -> Iterator[tuple[int, ProtoValue]]:
    """(field number, value) for each field of one message, in order; bounds-checked."""
    position = 0
    while position < len(data):
        key, position = _read_varint(data, position)
        field, wire = key >> 3, key & 0x7
        if field == 0:
            raise ParseError("malformed protobuf: field number 0")
        if wire == WIRE_VARINT:
            value, position = _read_varint(data, position)
            yield field, ProtoValue(wire, value)
        elif wire == WIRE_FIXED64:
            raw, position = _take(data, position, 8)
            yield field, ProtoValue(wire, raw)
        elif wire == WIRE_LENGTH:
            size, position = _read_varint(data, position)
            raw, position = _take(data, position, size)
            yield field, ProtoValue(wire, raw)
        elif wire == WIRE_FIXED32:
            raw, position = _take(data, position, 4)
            yield field, ProtoValue(wire, raw)
        elif wire in (WIRE_START_GROUP, WIRE_END_GROUP):
            raise ParseError(f"unsupported protobuf: group (wire type {wire}) in field {field}")
        else:
            raise ParseError(f"malformed protobuf: unknown wire type {wire} in field {field}")


def decode(data: bytes) -> ProtoMessage:
    """One protobuf message, generically: nested messages stay bytes until asked for."""
    message = ProtoMessage()
    for field, value in iter_fields(data):
        message.setdefault(field, []).append(value)
    return message
