"""A bad-input matrix through the real HTTP stack: misbehaving servers on 127.0.0.1.

No MockTransport here: the requests leave through httpx's real transport to raw-socket
servers that answer with an HTML page, nothing, 20 MB, a stall, a trickle, a reset, a 429,
a 500, invalid UTF-8 or the wrong protocol. Each misbehaviour must become a clear status
and sentence for its own account while the accounts served correctly stay ok.

Every server thread and every loop is bounded in time, and the servers stop by themselves.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import shutil
import socket
import ssl
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.credentials import DAY, codex_account, codex_token, usage_answer, write_codex_auth
from support.servers import HANDLER_LIMIT, Behaviour, Conn, RawServer, fetch_real

from providers.codex.provider import CodexProvider
from providers.kit.http import parse_retry_after
from providers.model import Status
from tui.cli import main
from tui.store.store import Store

TIMEOUT = 1.0  # the patched REQUEST_TIMEOUT
HUGE = 20_000_000
CHUNK = 64 * 1024

# --------------------------------------------------------------------------- behaviours


def good(conn: Conn) -> None:
    conn.respond("200 OK", json.dumps(usage_answer(20, 40)).encode())


def html_page(conn: Conn) -> None:
    page = b"<!doctype html><html><body>Just a moment... (challenge)</body></html>"
    conn.respond("200 OK", page, {"Content-Type": "text/html; charset=utf-8"})


def empty(conn: Conn) -> None:
    conn.respond("200 OK", b"")


def _stream(conn: Conn, total: int, *, chunked: bool) -> None:
    piece = b"[" + b"0," * (CHUNK // 2 - 1) + b"0]"  # each piece alone is valid JSON
    while total > 0 and not conn.stop.is_set():
        data = piece[: min(len(piece), total)]
        conn.send(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
        total -= len(data)
    conn.complete = total <= 0
    if chunked and conn.complete:
        conn.send(b"0\r\n\r\n")


def huge_declared(conn: Conn) -> None:
    conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {HUGE}\r\n\r\n".encode()
    )
    _stream(conn, HUGE, chunked=False)


def huge_chunked(conn: Conn) -> None:
    conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    _stream(conn, HUGE, chunked=True)


def huge_until_close(conn: Conn) -> None:
    """No length and no chunks: the body ends when the connection does."""
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    _stream(conn, HUGE, chunked=False)


def stall_after_headers(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    conn.wait(HANDLER_LIMIT)


def trickle(conn: Conn) -> None:
    """One byte every 0.2 s: no single read times out, the whole request must."""
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    deadline = time.monotonic() + HANDLER_LIMIT
    while time.monotonic() < deadline and not conn.stop.is_set():
        conn.send(b" ")
        conn.wait(0.2)


def reset(conn: Conn) -> None:
    conn.reset()


def close_silently(conn: Conn) -> None:
    conn.sock.close()


def rate_limited_seconds(conn: Conn) -> None:
    conn.respond("429 Too Many Requests", b"{}", {"Retry-After": "120"})


def rate_limited_date(conn: Conn) -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    conn.respond(
        "429 Too Many Requests",
        b'{"detail": "slow down"}',
        {"Retry-After": email.utils.format_datetime(when, usegmt=True)},
    )


def server_error(conn: Conn) -> None:
    conn.respond("500 Internal Server Error", b"<html>oops</html>", {"Content-Type": "text/html"})


def bad_gateway_plain(conn: Conn) -> None:
    conn.respond("502 Bad Gateway", b"", length=True)


def invalid_utf8(conn: Conn) -> None:
    conn.respond("200 OK", b'{"plan_type": "plus\xff\xfe", "rate_limit": {}}')


def truncated_json(conn: Conn) -> None:
    conn.respond("200 OK", b'{"plan_type": "plus", "rate_limit": {"primary_window": {"used')


def short_body(conn: Conn) -> None:
    """Content-Length promises more than arrives before the close."""
    conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
        b'{"plan_type": "plus"'
    )


def not_http(conn: Conn) -> None:
    conn.send(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n\r\n")


def redirect_to_login(conn: Conn) -> None:
    conn.respond("302 Found", b"", {"Location": "https://chatgpt.com/auth/login"})


def json_with_long_number(conn: Conn) -> None:
    conn.respond(
        "200 OK", b'{"rate_limit": {"primary_window": {"used_percent": ' + b"9" * 5000 + b"}}}"
    )


def json_with_nan(conn: Conn) -> None:
    conn.respond("200 OK", b'{"rate_limit": {"primary_window": {"used_percent": NaN}}}')


# name → (behaviour, expected status, words the message must hold)
MATRIX: dict[str, tuple[Behaviour, str, tuple[str, ...]]] = {
    "html": (html_page, "bad_response", ("HTML page instead of JSON",)),
    "empty": (empty, "bad_response", ("empty answer",)),
    "huge": (huge_declared, "bad_response", ("20 MB", "larger than any quota answer")),
    "chunked": (huge_chunked, "bad_response", ("larger than 2 MB",)),
    "untilclose": (huge_until_close, "bad_response", ("larger than 2 MB",)),
    "stall": (stall_after_headers, "unreachable", ("did not answer within 1 s",)),
    "trickle": (trickle, "unreachable", ("did not answer within 1 s",)),
    "reset": (reset, "unreachable", ("127.0.0.1", "before the answer was complete")),
    "hangup": (close_silently, "unreachable", ("closed the connection before",)),
    "short": (short_body, "unreachable", ("closed the connection before",)),
    "ratesec": (rate_limited_seconds, "rate_limited", ("HTTP 429",)),
    "ratedate": (rate_limited_date, "rate_limited", ("HTTP 429",)),
    "error500": (server_error, "error", ("HTTP 500", "having trouble")),
    "error502": (bad_gateway_plain, "error", ("HTTP 502",)),
    "badutf8": (invalid_utf8, "bad_response", ("not UTF-8",)),
    "truncated": (truncated_json, "bad_response", ("not JSON",)),
    "nothttp": (not_http, "unreachable", ("did not answer in HTTP",)),
    "redirect": (redirect_to_login, "error", ("HTTP 302",)),
    # Its only window is unreadable, so nothing usable is left: not the JSON we expect.
    "nan": (json_with_nan, "bad_response", ("none of a usable type",)),
    "longnumber": (json_with_long_number, "bad_response", ("not JSON",)),
}
GOOD = ("good1", "good2", "good3")


def by_account_id(conn: Conn) -> Behaviour:
    name = conn.headers.get("chatgpt-account-id", "").removeprefix("acc-")
    return MATRIX[name][0] if name in MATRIX else good


def write_accounts(folder: Path, names: list[str]) -> None:
    for name in names:
        write_codex_auth(folder / f"{name}.auth.json", codex_token(f"acc-{name}"), f"acc-{name}")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr("providers.kit.http.REQUEST_TIMEOUT", TIMEOUT)
    return TIMEOUT


# --------------------------------------------------------------------------- the matrix, end to end


def test_every_misbehaviour_is_its_own_accounts_status(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], short_timeout
) -> None:
    write_accounts(work / "account", [*MATRIX, *GOOD])
    with RawServer(by_account_id) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        started = time.monotonic()
        code, document, err = run_cli(capsys, "--provider", "codex")
        elapsed = time.monotonic() - started
    assert "Traceback" not in err
    assert code == 1
    accounts = {a["account"]: a for a in document["accounts"]}
    assert set(accounts) == {*MATRIX, *GOOD}
    problems = []
    for name, (_, status, words) in MATRIX.items():
        account = accounts[name]
        message = account["message"] or ""
        if account["status"] != status or not all(w in message for w in words):
            problems.append((name, account["status"], message))
        assert "Internal error" not in message and "Traceback" not in message
        assert "acc-" not in message  # no header echoed, no token
    print(*problems, sep="\n")
    assert problems == []
    for name in GOOD:
        assert accounts[name]["status"] == "ok", accounts[name]
        assert accounts[name]["windows"][0]["remaining_percent"] == 80.0
    # Every request ran at once: the stalls cost one timeout, not one each.
    assert elapsed < TIMEOUT * 4, elapsed
    # A NaN in the JSON is no number: nothing of it reaches the (strict) JSON output.
    assert accounts["nan"]["windows"] == []


def test_a_tls_failure_is_unreachable_with_a_tls_sentence_and_spares_other_providers(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], short_timeout
) -> None:
    """https:// pointed at a plain-HTTP server: the handshake fails; Claude is served fine."""
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-good1"), "acc-good1")
    write_claude(home)
    with RawServer(by_account_id) as plain, RawServer(claude_answer) as claude_server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", plain.url.replace("http://", "https://"))
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", claude_server.url)
        code, document, err = run_cli(capsys, "--provider", "codex", "--provider", "claude")
    statuses = {a["provider"]: (a["status"], a["message"]) for a in document["accounts"]}
    assert statuses["claude"] == ("ok", None)
    status, message = statuses["codex"]
    assert status == "unreachable"
    assert "secure connection to 127.0.0.1" in message and "TLS" in message
    assert code == 1 and "Traceback" not in err


@pytest.fixture
def self_signed(tmp_path: Path) -> ssl.SSLContext:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_a_self_signed_certificate_is_refused_with_a_tls_sentence(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    short_timeout,
    self_signed: ssl.SSLContext,
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-good1"), "acc-good1")
    write_claude(home)
    with (
        RawServer(by_account_id, tls=self_signed) as tls_server,
        RawServer(claude_answer) as claude_server,
    ):
        monkeypatch.setenv("AIQUOTA_CODEX_URL", tls_server.url)
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", claude_server.url)
        _, document, err = run_cli(capsys, "--provider", "codex", "--provider", "claude")
    statuses = {a["provider"]: (a["status"], a["message"]) for a in document["accounts"]}
    assert statuses["claude"] == ("ok", None)
    status, message = statuses["codex"]
    assert status == "unreachable"
    assert "TLS/certificate problem" in message
    assert "Traceback" not in err


def write_claude(home: Path) -> None:
    path = home / ".claude/.credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    expires = int((time.time() + DAY) * 1000)
    path.write_text(
        json.dumps(
            {
                "claudeAiOauth": {
                    "accessToken": "sk-ant-oat01-hardening-test-token-0123456789",
                    "expiresAt": expires,
                    "subscriptionType": "max",
                }
            }
        )
    )


def claude_answer(conn: Conn) -> Behaviour:
    def answer(conn: Conn) -> None:
        body = {"five_hour": {"utilization": 10.0, "resets_at": "2099-01-01T00:00:00Z"}}
        conn.respond("200 OK", json.dumps(body).encode())

    return answer


# --------------------------------------------------------------------------- per request, with the snapshot


@pytest.mark.parametrize(("name", "expected"), [("ratesec", 120.0), ("ratedate", 90.0)])
def test_retry_after_is_carried_in_seconds_or_as_a_date(short_timeout, name, expected) -> None:
    with RawServer(by_account_id) as server:
        snapshot = asyncio.run(fetch_real(server.url, name))
    assert snapshot.status is Status.RATE_LIMITED
    assert "ChatGPT rate-limited" in (snapshot.message or "")
    assert snapshot.retry_after is not None
    assert expected - 5 <= snapshot.retry_after <= expected


@pytest.mark.parametrize("name", ["huge", "chunked", "untilclose"])
def test_a_20_mb_body_is_refused_quickly_without_reading_it_all(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(
        "providers.kit.http.REQUEST_TIMEOUT", 8.0
    )  # the cap, not the clock, stops it
    behaviour = MATRIX[name][0]
    with RawServer(lambda conn: behaviour) as server:
        started = time.monotonic()
        snapshot = asyncio.run(fetch_real(server.url, name))
        elapsed = time.monotonic() - started
    assert snapshot.status is Status.BAD_RESPONSE
    assert "larger than" in (snapshot.message or "")
    assert elapsed < 4.0, elapsed
    # The server could not push the whole 20 MB: the client stopped reading and hung up.
    assert behaviour.__name__ not in server.finished
    assert server.sent.get(behaviour.__name__, 0) < HUGE


def test_a_stall_after_the_headers_is_cut_at_the_timeout(short_timeout) -> None:
    with RawServer(lambda conn: stall_after_headers) as server:
        started = time.monotonic()
        snapshot = asyncio.run(fetch_real(server.url, "stall"))
        elapsed = time.monotonic() - started
    assert snapshot.status is Status.UNREACHABLE
    assert TIMEOUT * 0.8 <= elapsed < TIMEOUT + 2.0, elapsed


def test_a_refused_port_is_unreachable(short_timeout) -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    snapshot = asyncio.run(fetch_real(f"http://127.0.0.1:{port}", "x"))
    assert snapshot.status is Status.UNREACHABLE
    assert "cannot connect to 127.0.0.1" in (snapshot.message or "")


# --------------------------------------------------------------------------- Retry-After (issue 11)

FAR_DATE = "Fri, 31 Dec 9999 23:59:59 GMT"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 7.5 ", 7.5),
        ("0", 0.0),
        ("-30", 0.0),
        ("1e12", 86400.0),
        ("inf", 86400.0),
        ("Infinity", 86400.0),
        ("9" * 400, 86400.0),  # float() gives inf
        ("-inf", 0.0),
        ("nan", None),
        ("NaN", None),
        (FAR_DATE, 86400.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:00", 0.0),  # no zone: taken as UTC
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after_is_finite_and_at_most_a_day(header, expected) -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == expected


def test_parse_retry_after_reads_a_date_relative_to_now() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 22 Nov 2026 12:01:30 GMT", now) == 90.0


RETRY_HEADERS = {"r1e12": "1e12", "rinf": "inf", "rnan": "nan", "rfar": FAR_DATE}


def rate_limited_by_header(conn: Conn) -> Behaviour:
    header = RETRY_HEADERS[conn.headers.get("chatgpt-account-id", "").removeprefix("acc-")]
    return lambda conn: conn.respond("429 Too Many Requests", b"{}", {"Retry-After": header})


@pytest.mark.parametrize("name", list(RETRY_HEADERS))
def test_a_429_asking_for_forever_is_scheduled_within_a_day(short_timeout, name: str) -> None:
    """Through the real stack into the app's store: 1e12 / inf raised OverflowError in the store,
    so the account was asked again every second."""
    with RawServer(rate_limited_by_header) as server:
        snapshot = asyncio.run(fetch_real(server.url, name))
    assert snapshot.status is Status.RATE_LIMITED
    assert snapshot.retry_after is None or 0 <= snapshot.retry_after <= 86400
    account = codex_account(name)
    store = Store()
    store.merge([(CodexProvider(), account)])
    entry = store.get(account.key)
    now = datetime.now(UTC)
    store.begin(entry, now)
    store.finish(entry, snapshot, now)
    assert now + timedelta(seconds=30) <= entry.next_due <= now + timedelta(days=1)
    assert store.due(now + timedelta(seconds=2)) == []


def test_a_token_no_header_can_carry_is_a_clear_status_not_an_internal_error(
    work: Path, monkeypatch, capsys
) -> None:
    """httpx refuses a non-ASCII header value while building the request (found by the contract
    fuzzing: a token endpoint answering access_token '\\x80'); before any socket is opened."""
    write_codex_auth(
        work / "account/odd.auth.json", "tok-\u00e9t\u00e9-0123456789abcdef", "acc-odd"
    )
    monkeypatch.setenv("AIQUOTA_CODEX_URL", "http://127.0.0.1:9")  # never reached
    assert main(["--once", "--json"]) == 1
    [account] = json.loads(capsys.readouterr().out)["accounts"]
    assert account["status"] == "auth_expired"
    assert account["message"].startswith("the credential holds characters no HTTP request")
