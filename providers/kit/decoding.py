"""Content-Encoding undone by us, in small steps, stopping at a size cap.

httpx decodes a compressed body in one call per network chunk, with no bound on what comes
out: `Content-Encoding: gzip, gzip` turns 3.5 KB on the wire into 4 GB, decoded on the event
loop, where no timeout can interrupt it and every other account waits. So providers.http
reads the raw bytes and feeds them here.

Why decode at all rather than ask for `identity` only: a server or proxy in front of a
gateway may compress whatever we ask, and refusing an honest gzip answer would break an
account for no reason. But we decode only what we ask for (ACCEPT_ENCODING): one layer of
gzip or deflate. Anything else (br, zstd, a stack of two) is refused in one sentence; no
quota answer needs it.

Each zlib call produces at most STEP bytes, so one call is a few hundred microseconds of CPU
whatever the compression ratio, and the whole body at most `limit` bytes: a bomb costs
about as much as an honest 2 MB answer.
"""

from __future__ import annotations

import re
import zlib

ACCEPT_ENCODING = "gzip, deflate"
STEP = 64 * 1024

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ENCODINGS = ("gzip", "x-gzip", "deflate")


class DecodingProblem(Exception):
    """Why the body cannot be decoded, as the end of a sentence ("… sent an answer that …")."""


class TooLarge(Exception):
    """The decoded body passed the limit."""


def _shown(header: str) -> str:
    """The server's Content-Encoding, tamed for a sentence (it is outside text)."""
    return re.sub(r"[^a-z0-9, -]+", "?", header.lower())[:40]


class BodyDecoder:
    """Feeds raw chunks in, takes decoded bytes out; never more than `limit` in total."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        layers = [part.strip().lower() for part in (content_encoding or "").split(",")]
        layers = [part for part in layers if part and part != "identity"]
        if len(layers) > 1:
            raise DecodingProblem(
                f"is compressed {len(layers)} times over ({_shown(content_encoding or '')}),"
                " which is never needed for a quota answer"
            )
        if layers and layers[0] not in _ENCODINGS:
            raise DecodingProblem(
                f"is compressed as {_shown(layers[0])!r}, which was not asked for"
            )
        self.encoding = layers[0] if layers else None
        self.limit = limit
        self.size = 0
        self._started = False
        self._fed = b""  # deflate: the first bytes, until they say which kind it is
        self._zlib = None
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(_GZIP_WBITS)

    def feed(self, data: bytes) -> bytes:
        if self.encoding is None:
            return self._count(data)
        self._started = self._started or bool(data)
        if self._zlib is None:
            # "deflate" is the zlib format, but some servers send a bare deflate stream: the
            # two-byte zlib header (RFC 1950: method 8, a multiple of 31) tells them apart.
            self._fed += data
            if len(self._fed) < 2:
                return b""
            data, self._fed = self._fed, b""
            wrapped = data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            return self._inflate(data)
        except zlib.error:
            raise DecodingProblem(f"is not valid {self.encoding} data") from None

    def finish(self) -> None:
        """The body has ended: a compressed stream that began must have ended too."""
        ended = self._zlib is not None and self._zlib.eof
        if self._started and not ended:
            raise DecodingProblem(f"ends in the middle of its {self.encoding} data")

    def _inflate(self, data: bytes) -> bytes:
        assert self._zlib is not None
        pieces = []
        while not self._zlib.eof:
            piece = self._zlib.decompress(data, STEP)
            pieces.append(self._count(piece))
            data = self._zlib.unconsumed_tail
            if not data and len(piece) < STEP:
                break  # all input used and nothing left inside zlib
        return b"".join(pieces)

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLarge
        return piece
