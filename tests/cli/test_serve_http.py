"""serve's HTTP side on hostile clients, its --listen rules and its token file, in process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from providers import __version__
from providers.model import AccountSnapshot, Balance, Status, Window
from tui.commands.serve import _read_token
from tui.serve import http
from tui.serve.http import Pages, Server, is_loopback, parse_listen
from tui.serve.metrics import exposition, families

TOKEN = "a-token-of-enough-length-0123456789"
PAGES = Pages(
    metrics=lambda: (b"# metrics\n", "text/plain; version=0.0.4; charset=utf-8"),
    usage=lambda: (b'{"schema": 1}\n', "application/json"),
    health=lambda: (b"ok\n", "text/plain"),
)


async def exchange(server: Server, *chunks: bytes, pause: float = 0.0) -> bytes:
    """Send the chunks on one connection (a pause between them) and read to the end."""
    host, port = await server.start("127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection(host, port)
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            if pause:
                await asyncio.sleep(pause)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return answer
    finally:
        await server.close()


def ask(request: bytes, token: str | None = None, **kwargs) -> bytes:
    return asyncio.run(exchange(Server(PAGES, token), request, **kwargs))


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_head_has_the_headers_and_no_body() -> None:
    answer = ask(b"HEAD /usage HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert status_of(answer) == 200 and body == b""
    assert b"Content-Length: 14" in head


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /metrics?x=1&y=%00 HTTP/1.1", 200),  # a query string changes nothing
        (b"GET /healthz HTTP/1.0", 200),
        (b"POST /metrics HTTP/1.1", 405),
        (b"DELETE /usage HTTP/1.1", 405),
        (b"get /metrics HTTP/1.1", 405),  # methods are case-sensitive
        (b"GET /../metrics HTTP/1.1", 404),  # no path is resolved: only three exact ones
        (b"GET /metrics/../usage HTTP/1.1", 404),
        (b"GET //metrics HTTP/1.1", 404),
        (b"GET %2fmetrics HTTP/1.1", 404),
        (b"GET http://127.0.0.1/metrics HTTP/1.1", 404),
        (b"GET /etc/passwd HTTP/1.1", 404),
        (b"GET /metrics", 400),
        (b"GET  /metrics HTTP/1.1", 400),
        (b"\xff\xfe\x00 garbage", 400),
    ],
)
def test_only_three_paths_by_get_or_head(request_line: bytes, status: int) -> None:
    assert status_of(ask(request_line + b"\r\nHost: 127.0.0.1:9464\r\n\r\n")) == status


def test_every_answer_closes_the_connection() -> None:
    answer = ask(
        b"GET /healthz HTTP/1.1\r\nConnection: keep-alive\r\n\r\nGET /usage HTTP/1.1\r\n\r\n"
    )
    assert answer.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in answer


def test_huge_headers_are_431() -> None:
    request = b"GET /metrics HTTP/1.1\r\nX-Junk: " + b"a" * (64 * 1024) + b"\r\n\r\n"
    assert status_of(ask(request)) == 431


def test_a_slow_client_is_dropped_after_the_read_limit(monkeypatch) -> None:
    monkeypatch.setattr(http, "READ_TIMEOUT", 0.3)
    answer = asyncio.run(
        exchange(Server(PAGES, None), b"GET /metrics HTTP/1.1\r\n", b"X-A: 1\r\n", pause=0.2)
    )
    assert status_of(answer) == 408


def test_connections_past_the_cap_are_turned_away(monkeypatch) -> None:
    monkeypatch.setattr(http, "MAX_CONNECTIONS", 3)

    async def scenario() -> list[bytes]:
        server = Server(PAGES, None)
        host, port = await server.start("127.0.0.1", 0)
        try:
            idle = [await asyncio.open_connection(host, port) for _ in range(3)]
            await asyncio.sleep(0.2)  # the three are being read (and say nothing)
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET /healthz HTTP/1.1\r\n\r\n")
            busy = await asyncio.wait_for(reader.read(), 10)
            for _, idle_writer in idle:
                idle_writer.close()
            await asyncio.sleep(0.2)
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET /healthz HTTP/1.1\r\n\r\n")
            again = await asyncio.wait_for(reader.read(), 10)
            return [busy, again]
        finally:
            await server.close()

    busy, again = asyncio.run(scenario())
    assert status_of(busy) == 503
    assert status_of(again) == 200


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),  # the scheme is case-insensitive
        (f"Bearer   {TOKEN}  ", 200),
        (f"Bearer {TOKEN[:-1]}", 401),  # a prefix
        (f"Bearer {TOKEN}x", 401),
        (f"Bearer {TOKEN.upper()}", 401),
        (f"Basic {TOKEN}", 401),
        (TOKEN, 401),
        ("Bearer", 401),
        ("Bearer ", 401),
        ("Bearer é" + TOKEN, 401),
    ],
)
def test_the_token_rule(header: str | None, status: int) -> None:
    lines = b"GET /usage HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n"
    if header is not None:
        lines += b"Authorization: " + header.encode("utf-8") + b"\r\n"
    assert status_of(ask(lines + b"\r\n", token=TOKEN)) == status
    assert status_of(ask(b"GET /healthz HTTP/1.1\r\n\r\n", token=TOKEN)) == 200


def test_the_token_is_compared_in_constant_time(monkeypatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = http.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(http.hmac, "compare_digest", spy)
    ask(b"GET /usage HTTP/1.1\r\nAuthorization: Bearer nope\r\n\r\n", token=TOKEN)
    assert compared == [(b"nope", TOKEN.encode())]


# ------------------------------------------------------------------ --listen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("127.0.0.2:1", ("127.0.0.2", 1)),
        ("[::1]:9464", ("::1", 9464)),
        (":9464", ("127.0.0.1", 9464)),
        ("localhost:0", ("localhost", 0)),
        ("0.0.0.0:9464", ("0.0.0.0", 9464)),
        ("[::]:9464", ("::", 9464)),
        ("off", None),
        (" OFF ", None),
    ],
)
def test_listen_addresses(text: str, expected) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "::1:9464",  # which colon starts the port?
        "[::1]",
        "[::1:9464",
        "::1]:9464",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:٩٤٦٤",  # digits, but not ASCII ones
        "127.0.0.1:+80",
        "bad host:80",
        "",
    ],
)
def test_bad_listen_addresses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_listen(text)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("10.0.0.1", False),
        ("example.org", False),
        ("localhost.example.org", False),
        ("127.0.0.1.nip.io", False),
    ],
)
def test_loopback_means_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# ------------------------------------------------------------------ --token-file


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\n\n", "", "  \t\n"])
def test_a_token_file_may_end_in_a_newline(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "token"
    path.write_bytes((TOKEN + ending).encode())
    assert _read_token(path) == TOKEN


def test_a_token_file_may_start_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(b"\xef\xbb\xbf" + TOKEN.encode() + b"\r\n")
    assert _read_token(path) == TOKEN


def test_a_short_token_is_accepted_with_a_warning(tmp_path: Path, capsys) -> None:
    path = tmp_path / "token"
    path.write_text("s3cret\n")
    assert _read_token(path) == "s3cret"
    err = capsys.readouterr().err
    assert "easy to guess" in err and "s3cret" not in err


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"   \r\n",
        b"two words\n",
        b"tok\x00en-0123456789abc",
        "tokén-0123456789".encode(),
    ],
)
def test_a_token_file_that_holds_no_token_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "token"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="--token-file"):
        _read_token(path)


def test_a_missing_or_odd_token_file_is_refused(tmp_path: Path) -> None:
    for path in (tmp_path / "missing", tmp_path):
        with pytest.raises(ValueError, match="--token-file"):
            _read_token(path)


@pytest.mark.parametrize("content", [b"", b"two words"])
def test_serve_exits_2_on_a_token_file_without_a_token(tmp_path: Path, content, capsys) -> None:
    from tui.commands.serve import main

    path = tmp_path / "token"
    path.write_bytes(content)
    assert main(["--demo", "--listen", "off", "--token-file", str(path)]) == 2
    assert "--token-file" in capsys.readouterr().err


# ------------------------------------------------------------------ metrics


NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def snapshot(name: str, source: str, *windows: Window, **extra) -> AccountSnapshot:
    return AccountSnapshot(
        "codex",
        name,
        source,
        False,
        extra.pop("status", Status.OK),
        extra.pop("message", None),
        windows=windows,
        fetched_at=NOW,
        key=f"codex/{source}/{name}",
        **extra,
    )


def parsed(pairs, errors=None, success=None, gone=None) -> dict:
    text = exposition(families(pairs, errors or {}, success or {}, gone)).decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_two_accounts_of_one_name_are_two_series() -> None:
    five = Window("five_hour", "5h", 40.0, NOW + timedelta(hours=2), 18000)
    first = snapshot("work", "a/work.auth.json", five)
    second = snapshot("work", "b/work.auth.json", five)
    failed = snapshot("work", "b/work.auth.json", status=Status.AUTH_EXPIRED, message="expired")
    got = parsed(
        [(first, first), (failed, second)],
        errors={(second.key, "auth_expired"): 2},
    )
    up = {s.labels["account"]: s.value for s in got["aiquota_account_up"].samples}
    assert up == {"work": 1.0, "work (b/work.auth.json)": 0.0}
    used = [s.labels["account"] for s in got["aiquota_window_used_ratio"].samples]
    assert sorted(used) == ["work", "work (b/work.auth.json)"]
    (error,) = got["aiquota_fetch_errors"].samples
    assert error.name == "aiquota_fetch_errors_total"
    assert error.labels == {
        "provider": "codex",
        "account": "work (b/work.auth.json)",
        "status": "auth_expired",
    }
    assert error.value == 2


def test_an_error_counter_outlives_its_account() -> None:
    gone = snapshot("old", "x", status=Status.ERROR, message="boom")
    got = parsed([], errors={(gone.key, "error"): 1}, gone={gone.key: gone})
    (error,) = got["aiquota_fetch_errors"].samples
    assert error.labels["account"] == "old" and error.value == 1


def test_label_values_with_quotes_backslashes_and_newlines_parse() -> None:
    odd = 'we"ird\\na\nme'
    window = Window('w"\\\n', "x", 10.0, None, None)
    item = snapshot(odd, "s", window, plan='p"\\', balances=(Balance("b\\", "B", 1.5, unit='u"'),))
    got = parsed([(item, item)])
    (sample,) = got["aiquota_window_used_ratio"].samples
    assert sample.labels == {"provider": "codex", "account": odd, "window": 'w"\\\n'}
    (info,) = got["aiquota_account_info"].samples
    assert info.labels["plan"] == 'p"\\'
    (balance,) = got["aiquota_balance_amount"].samples
    assert balance.labels["balance"] == "b\\" and balance.labels["unit"] == 'u"'


def test_ratios_exhaustion_and_build_info() -> None:
    fast = Window("five_hour", "5h", 90.0, NOW + timedelta(hours=4), 18000)  # 90 % in 1 h
    slow = Window("weekly", "Weekly", 1.0, NOW + timedelta(days=6), 604800)
    item = snapshot("w", "s", fast, slow)
    got = parsed([(item, item)])
    left = {s.labels["window"]: s.value for s in got["aiquota_window_remaining_ratio"].samples}
    assert left == {"five_hour": pytest.approx(0.1), "weekly": pytest.approx(0.99)}
    exhaustion = {
        s.labels["window"]: s.value
        for s in got["aiquota_window_projected_exhaustion_seconds"].samples
    }
    assert set(exhaustion) == {"five_hour"}  # the weekly one lasts until its reset
    assert NOW.timestamp() < exhaustion["five_hour"] < (NOW + timedelta(hours=4)).timestamp()
    (build,) = got["aiquota_build_info"].samples
    assert build.labels == {"version": __version__} and build.value == 1


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:9464", 200),
        ("127.0.0.1", 200),
        ("localhost:9464", 200),
        ("LOCALHOST.", 200),
        ("[::1]:9464", 200),
        ("127.0.0.2:80", 200),
        ("evil.example:9464", 421),  # a page whose name was rebound to 127.0.0.1
        ("evil.example", 421),
        ("192.168.1.5:9464", 421),
        ("localhost.evil.example", 421),
    ],
)
def test_without_a_token_only_a_loopback_name_is_answered(host: str, status: int) -> None:
    request = f"GET /usage HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    assert status_of(ask(request)) == status


def test_healthz_answers_any_host_name() -> None:
    assert status_of(ask(b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n")) == 200


def test_with_a_token_any_host_name_is_fine() -> None:
    request = (
        f"GET /usage HTTP/1.1\r\nHost: aiquota.example\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    )
    assert status_of(ask(request.encode(), token=TOKEN)) == 200


@pytest.mark.parametrize("path", [b"/nope", b"/usage"])
def test_head_of_an_error_has_no_body_either(path: bytes) -> None:
    answer = ask(b"HEAD " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", token=TOKEN)
    assert status_of(answer) in (401, 404)
    assert answer.endswith(b"\r\n\r\n") and answer.count(b"\r\n\r\n") == 1
