"""Real HTTP servers on 127.0.0.1 for tests: LocalServer answers with a function of the request;
RawServer hands the socket to a behaviour that may misbehave (stall, trickle, reset, lie).

Every server thread and every loop is bounded in time, and the servers stop by themselves."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from support.credentials import codex_account

from providers.codex.provider import CodexProvider
from providers.collect import fetch_snapshot
from providers.kit.http import HttpSession, make_client
from providers.model import AccountSnapshot


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 answering with a function of (method, path, headers)."""

    def __init__(self, answer: Callable[[Seen], Reply]) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                with outer._lock:
                    outer.seen.append(seen)
                reply = outer.answer(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"content-type": "application/json", **reply.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (timeout tests): expected

            do_GET = _serve
            do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops bursts of concurrent connections

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# Every connection handler gives up after this long, whatever the client does.
HANDLER_LIMIT = 8.0


@dataclass
class Conn:
    """One accepted connection, with the request already read."""

    sock: socket.socket
    request_line: str
    headers: dict[str, str]
    stop: threading.Event
    sent: int = 0
    complete: bool = True  # False: the behaviour was cut short before saying all it meant to

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.sent += len(data)

    def respond(
        self,
        status: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        *,
        length: bool = True,
    ) -> None:
        lines = [f"HTTP/1.1 {status}", "Connection: close"]
        merged = {"Content-Type": "application/json", **(headers or {})}
        if length:
            merged["Content-Length"] = str(len(body))
        lines += [f"{key}: {value}" for key, value in merged.items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake when the server stops."""
        self.stop.wait(min(seconds, HANDLER_LIMIT))

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Behaviour = Callable[[Conn], None]


@dataclass
class RawServer:
    """Accepts on 127.0.0.1, reads one request, lets a behaviour chosen from it answer."""

    choose: Callable[[Conn], Behaviour]
    tls: ssl.SSLContext | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    sent: dict[str, int] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.listener.settimeout(0.1)
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    @property
    def plain_url(self) -> str:
        return self.url.replace("https://", "http://")

    def __enter__(self) -> RawServer:
        thread = threading.Thread(target=self._accept_loop, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in list(self.threads):
            thread.join(timeout=HANDLER_LIMIT + 2)
        self.listener.close()

    def _accept_loop(self) -> None:
        deadline = time.monotonic() + 60  # a server never outlives a test by much
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            with self.lock:
                self.threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(HANDLER_LIMIT)
        name = "?"
        conn: Conn | None = None
        try:
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client refused our certificate: that is the test
            raw = b""
            while b"\r\n\r\n" not in raw and len(raw) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                raw += chunk
                if raw[:1] == b"\x16":  # a TLS ClientHello: answer as a plain server would
                    sock.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                    return
            head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            conn = Conn(sock, head[0], headers, self.stop)
            behaviour = self.choose(conn)
            name = getattr(behaviour, "__name__", "?")
            behaviour(conn)
            if conn.complete:
                with self.lock:
                    self.finished.add(name)
        except (OSError, ssl.SSLError):
            pass  # the client gave up first: expected for stalls, caps and resets
        finally:
            if conn is not None:
                with self.lock:
                    self.sent[name] = self.sent.get(name, 0) + conn.sent
            with contextlib.suppress(OSError):
                sock.close()


def closed_port_url() -> str:
    """The address of a local port nobody listens on: a request there fails at once."""
    probe = socket.create_server(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()
    return closed


async def fetch_real(url: str, name: str) -> AccountSnapshot:
    """One Codex account fetched from `url` through httpx's real transport (no MockTransport)."""
    async with make_client() as client:  # the real transport
        http = HttpSession(client=client, origins={"codex": url})
        return await fetch_snapshot(CodexProvider(), codex_account(name), http)


def hostile_reply(
    behaviour: str,
    echoed: str,
    *,
    error_body: Any,
    malformed: str,
    headers: dict[str, str],
    otherwise: Reply,
) -> Reply:
    """The answers of a hostile server that quotes what it was sent (`echoed`) back: "e401"
    and the like as that status with `error_body`, "malformed" as a JSON text cut short,
    "html" as a page, any other behaviour as `otherwise`."""
    if behaviour.startswith("e") and behaviour[1:].isdigit():
        return Reply(
            status=int(behaviour[1:]), body=error_body, headers={"retry-after": "5", **headers}
        )
    if behaviour == "malformed":
        return Reply(raw=malformed.encode())
    if behaviour == "html":
        return Reply(raw=f"<html>{echoed}</html>".encode(), headers={"content-type": "text/html"})
    return otherwise


def aim_every_provider_at_a_closed_port(monkeypatch: Any) -> str:
    """Every registered provider's origin overridden to a closed local port: nothing a test
    starts can reach a service, and a request fails at once. Returns that address."""
    from providers.registry import BY_ID

    closed = closed_port_url()
    for provider_id in BY_ID:
        monkeypatch.setenv(f"AIQUOTA_{provider_id.upper()}_URL", closed)
    return closed
