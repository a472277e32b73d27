"""The small HTTP side of `serve`: GET /metrics, /usage and /healthz, nothing else.

asyncio streams, one request per connection, bounded: a request line and headers of at most
16 KB read within 5 s (431 past it), no body, at most MAX_CONNECTIONS at once (503 past it), so
a slow or endless client holds a slot for 5 s at most and never the memory or the descriptors.
The answers are bytes made when the data changed, so a scrape costs a copy. With a token,
every path but /healthz needs `Authorization: Bearer <token>` (compared in constant time).
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
# Prometheus scrapes with one connection at a time; 64 leaves room for people and scripts.
MAX_CONNECTIONS = 64

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
    if not sep or not (port_text.isascii() and port_text.isdigit()):
        raise ValueError(f"--listen {text!r}: give HOST:PORT (e.g. 127.0.0.1:9464) or off")
    port = int(port_text)
    if not 0 <= port < 65536:  # 0: any free port, said in the log
        raise ValueError(f"--listen {text!r}: the port must be 0 to 65535")
    if host.startswith("[") != host.endswith("]") or ("[" in host[1:-1] or "]" in host[1:-1]):
        raise ValueError(f"--listen {text!r}: an IPv6 address goes in brackets, [::1]:{port}")
    bracketed = host.startswith("[")
    host = host[1:-1] if bracketed else host
    if ":" in host and not bracketed:  # `::1:9464`: which colon starts the port?
        raise ValueError(f"--listen {text!r}: an IPv6 address goes in brackets, [{host}]:{port}")
    if any(c.isspace() or not c.isprintable() for c in host):
        raise ValueError(f"--listen {text!r}: not a host name or address")
    return host or "127.0.0.1", port


def url_host(host: str) -> str:
    """A host as a URL writes it: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host else host


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
        f"{extra}\r\n"
    )
    return head.encode("ascii") + body


def _host_of(value: str) -> str:
    """The host of a Host header's value: `127.0.0.1:9464` → 127.0.0.1, `[::1]:9464` → ::1."""
    value = value.strip()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rpartition(":")[0] if value.count(":") == 1 else value


class Server:
    def __init__(self, pages: Pages, token: str | None) -> None:
        self.pages = pages
        self.token = token.encode() if token else None
        self._server: asyncio.Server | None = None
        self._open = 0

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
        self._open += 1
        try:
            if self._open > MAX_CONNECTIONS:
                answer = _response("503 Service Unavailable", b"busy\n", "text/plain")
            else:
                answer = await self._read_and_answer(reader)
            if answer:
                writer.write(answer)
                await asyncio.wait_for(writer.drain(), READ_TIMEOUT)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            self._open -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_and_answer(self, reader: asyncio.StreamReader) -> bytes:
        """The answer to the request on this connection; b"" when the client gave up."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        except asyncio.LimitOverrunError:
            return _response(
                "431 Request Header Fields Too Large", b"request too large\n", "text/plain"
            )
        except ValueError:  # a line past the limit (older asyncio)
            return _response(
                "431 Request Header Fields Too Large", b"request too large\n", "text/plain"
            )
        except TimeoutError:
            return _response("408 Request Timeout", b"request too slow\n", "text/plain")
        except (asyncio.IncompleteReadError, ConnectionError):
            return b""
        return self._answer(head)

    def _answer(self, head: bytes) -> bytes:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return _response("400 Bad Request", b"bad request\n", "text/plain")
        method, target, _ = parts
        response = self._route(method, target.split("?", 1)[0], lines[1:])
        if method == "HEAD":  # the same headers, Content-Length included, and no body
            head_part, _, _ = response.partition(b"\r\n\r\n")
            return head_part + b"\r\n\r\n"
        return response

    def _route(self, method: str, path: str, header_lines: list[str]) -> bytes:
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
        if path != "/healthz" and self.token is None and not self._local_host(header_lines):
            # Without a token only a loopback address may be listened on, and then only a
            # loopback name may be asked for: a web page whose name was made to resolve to
            # 127.0.0.1 (DNS rebinding) must not read the quota from the user's browser.
            return _response("421 Misdirected Request", b"ask 127.0.0.1\n", "text/plain")
        if path != "/healthz" and not self._authorised(header_lines):
            return _response(
                "401 Unauthorized",
                b"a bearer token is needed\n",
                "text/plain",
                'WWW-Authenticate: Bearer realm="aiquota"\r\n',
            )
        body, content_type = page()
        return _response("200 OK", body, content_type)

    def _local_host(self, header_lines: list[str]) -> bool:
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "host":
                host = _host_of(value).lower().rstrip(".")
                return host in ("localhost", "") or is_loopback(host)
        return True  # HTTP/1.0 without Host: no browser sends that

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
