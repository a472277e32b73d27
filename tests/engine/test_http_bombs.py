"""Decompression bombs through the real HTTP stack (issue 11 item 3).

A server on 127.0.0.1 answers with `Content-Encoding: gzip, gzip` (a few KB on the wire, far
more once decoded), a single gzip or deflate bomb, an encoding we never asked for, or an honest
compressed answer. The body is decoded by providers.kit.decoding in bounded steps, never past the
same 2 MB as a raw body, and an account that receives a bomb costs no other account its answer.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import zlib

import pytest
from support.credentials import codex_account, usage_answer
from support.servers import Behaviour, Conn, RawServer, fetch_real

from providers.codex.provider import CodexProvider
from providers.collect import fetch_all
from providers.kit.decoding import BodyDecoder, DecodingProblem, TooLarge
from providers.kit.http import MAX_BODY_BYTES, HttpSession, make_client
from providers.model import Status

BOMB_SIZE = 32 * 1024 * 1024  # 16 times the cap: the bombs' whole content never fits


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@functools.cache
def gzip_bomb() -> bytes:
    """32 MB of zeros in about 32 KB of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(BOMB_SIZE // len(zeros))) + packer.flush()


@functools.cache
def double_gzip_bomb() -> bytes:
    """The same, gzipped again: a few hundred bytes on the wire."""
    return gzip.compress(gzip_bomb(), 9)


def honest_body() -> bytes:
    return json.dumps(usage_answer(20, 40)).encode()


def answer(body: bytes, encoding: str | None) -> Behaviour:
    def behaviour(conn: Conn) -> None:
        conn.respond("200 OK", body, {"Content-Encoding": encoding} if encoding else None)

    behaviour.__name__ = f"answer_{encoding}"
    return behaviour


BEHAVIOURS: dict[str, Behaviour] = {
    "gzipgzip": lambda conn: answer(double_gzip_bomb(), "gzip, gzip")(conn),
    "gzipbomb": lambda conn: answer(gzip_bomb(), "gzip")(conn),
    "deflatebomb": lambda conn: answer(_deflate(bytes(BOMB_SIZE), zlib.MAX_WBITS), "deflate")(conn),
    "br": lambda conn: answer(b"\x1b\x03\x00\xf8\xa5", "br")(conn),
    "zstd": lambda conn: answer(b"(\xb5/\xfd\x00\x00", "zstd")(conn),
    "brokengzip": lambda conn: answer(b"\x1f\x8b\x08\x00not gzip at all", "gzip")(conn),
    "cutgzip": lambda conn: answer(gzip.compress(honest_body())[:-12], "gzip")(conn),
    "gzip": lambda conn: answer(gzip.compress(honest_body()), "gzip")(conn),
    "xgzip": lambda conn: answer(gzip.compress(honest_body()), "x-gzip")(conn),
    "deflate": lambda conn: answer(_deflate(honest_body(), zlib.MAX_WBITS), "deflate")(conn),
    "rawdeflate": lambda conn: answer(_deflate(honest_body(), -zlib.MAX_WBITS), "deflate")(conn),
    "identity": lambda conn: answer(honest_body(), "identity")(conn),
    "plain": lambda conn: answer(honest_body(), None)(conn),
}


def by_account(conn: Conn) -> Behaviour:
    return BEHAVIOURS[conn.headers.get("chatgpt-account-id", "").removeprefix("acc-")]


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("providers.kit.http.REQUEST_TIMEOUT", 5.0)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("gzipgzip", "compressed 2 times over (gzip, gzip)"),
        ("gzipbomb", "larger than 2 MB once decompressed"),
        ("deflatebomb", "larger than 2 MB once decompressed"),
        ("br", "compressed as 'br', which was not asked for"),
        ("zstd", "compressed as 'zstd', which was not asked for"),
        ("brokengzip", "is not valid gzip data"),
        ("cutgzip", "ends in the middle of its gzip data"),
    ],
)
def test_a_bomb_or_an_encoding_not_asked_for_is_a_bad_response(name: str, words: str) -> None:
    with RawServer(by_account) as server:
        snapshot = asyncio.run(fetch_real(server.url, name))
    assert snapshot.status is Status.BAD_RESPONSE, snapshot.message
    assert words in (snapshot.message or "")


@pytest.mark.parametrize("name", ["gzip", "xgzip", "deflate", "rawdeflate", "identity", "plain"])
def test_an_honest_answer_is_read_whatever_encoding_we_asked_for(name: str) -> None:
    with RawServer(by_account) as server:
        snapshot = asyncio.run(fetch_real(server.url, name))
    assert snapshot.status is Status.OK, snapshot.message
    assert [w.used_percent for w in snapshot.windows][:2] == [20.0, 40.0]


def test_we_ask_only_for_what_we_can_decode_in_bounded_steps() -> None:
    seen: list[str] = []

    def record(conn: Conn) -> Behaviour:
        seen.append(conn.headers.get("accept-encoding", ""))
        return BEHAVIOURS["plain"]

    with RawServer(record) as server:
        asyncio.run(fetch_real(server.url, "plain"))
    assert seen == ["gzip, deflate"]


def test_a_healthy_account_answers_while_another_receives_a_bomb() -> None:
    async def both(url: str) -> list:
        async with make_client() as client:
            http = HttpSession(client=client, origins={"codex": url})
            pairs = [(CodexProvider(), codex_account(name)) for name in ("gzipgzip", "gzip")]
            return await fetch_all(pairs, http)

    with RawServer(by_account) as server:
        bombed, healthy = asyncio.run(both(server.url))
    assert bombed.status is Status.BAD_RESPONSE
    assert healthy.status is Status.OK, healthy.message


# --------------------------------------------------------------------------- the decoder alone


def test_the_decoder_never_holds_more_than_its_limit() -> None:
    decoder = BodyDecoder("gzip", MAX_BODY_BYTES)
    total = 0
    with pytest.raises(TooLarge):
        for start in range(0, len(gzip_bomb()), 4096):
            total += len(decoder.feed(gzip_bomb()[start : start + 4096]))
    assert total <= MAX_BODY_BYTES


def test_the_decoder_reads_an_honest_body_fed_a_byte_at_a_time() -> None:
    body = honest_body()
    for encoding, packed in [
        ("gzip", gzip.compress(body)),
        ("deflate", _deflate(body, zlib.MAX_WBITS)),
        ("deflate", _deflate(body, -zlib.MAX_WBITS)),
    ]:
        decoder = BodyDecoder(encoding, MAX_BODY_BYTES)
        out = b"".join(decoder.feed(packed[i : i + 1]) for i in range(len(packed)))
        decoder.finish()
        assert out == body


@pytest.mark.parametrize("header", ["gzip, gzip", "deflate, gzip", "gzip,br", "compress"])
def test_the_decoder_refuses_stacks_and_unknown_encodings(header: str) -> None:
    with pytest.raises(DecodingProblem):
        BodyDecoder(header, MAX_BODY_BYTES)


def test_identity_and_no_encoding_pass_bytes_through() -> None:
    for header in (None, "", "identity", "Identity, identity"):
        assert BodyDecoder(header, 10).feed(b"abc") == b"abc"
