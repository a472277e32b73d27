"""The small HTTP side of `serve`: GET /metrics, /usage and /healthz, nothing else.

asyncio streams, one request per connection, bounded: a request line and headers of at most
16 KB read within 5 s, no body. The answers are bytes made when the data changed, so a scrape
costs a copy. With a token, every path but /healthz needs `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

MAX_REQUEST_BYTES = 16 * 1024
READ_TIMEOUT = 5.0

Page = tuple[bytes, str]  # body, content type


@dataclass
class Pages:
    metrics: Callable[[], Page]
    usage: Callable[[], Page]
    health: Callable[[], Page]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def parse_listen(text: str) -> tuple[str, int] | None:
    """`127.0.0.1:9464`, `[::1]:9464`, `:9464` (loopback) → (host, port); None for off."""
    if text.strip().lower() == "off":
        return None
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"--listen {text!r}: give HOST:PORT (e.g. 127.0.0.1:9464) or off")
    port = int(port_text)
    if not 0 <= port < 65536:  # 0: any free port, said in the log
        raise ValueError(f"--listen {text!r}: the port must be 0 to 65535")
    host = host.strip("[]") or "127.0.0.1"
    return host, port


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
        f"{extra}\r\n"
    )
    return head.encode("ascii") + body


class Server:
    def __init__(self, pages: Pages, token: str | None) -> None:
        self.pages = pages
        self.token = token.encode() if token else None
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._handle, host, port, limit=MAX_REQUEST_BYTES)
        address = self._server.sockets[0].getsockname()
        return address[0], address[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            writer.write(self._answer(head))
            await asyncio.wait_for(writer.drain(), READ_TIMEOUT)
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            TimeoutError,
            ConnectionError,
        ):
            pass
        except ValueError:  # a line past the limit
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _answer(self, head: bytes) -> bytes:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return _response("400 Bad Request", b"bad request\n", "text/plain")
        method, target, _ = parts
        path = target.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return _response(
                "405 Method Not Allowed", b"GET only\n", "text/plain", "Allow: GET, HEAD\r\n"
            )
        routes = {
            "/metrics": self.pages.metrics,
            "/usage": self.pages.usage,
            "/healthz": self.pages.health,
        }
        page = routes.get(path)
        if page is None:
            return _response(
                "404 Not Found", b"not found: /metrics, /usage, /healthz\n", "text/plain"
            )
        if path != "/healthz" and not self._authorised(lines[1:]):
            return _response(
                "401 Unauthorized",
                b"a bearer token is needed\n",
                "text/plain",
                'WWW-Authenticate: Bearer realm="aiquota"\r\n',
            )
        body, content_type = page()
        response = _response("200 OK", body, content_type)
        return response[: len(response) - len(body)] if method == "HEAD" else response

    def _authorised(self, header_lines: list[str]) -> bool:
        if self.token is None:
            return True
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "authorization":
                scheme, _, given = value.strip().partition(" ")
                if scheme.lower() == "bearer":
                    return hmac.compare_digest(given.strip().encode(), self.token)
        return False
