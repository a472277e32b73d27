"""Builders for credential files and a real HTTP server on 127.0.0.1 for tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from providers.demo import fake_jwt

HOUR = 3600
DAY = 24 * HOUR


def codex_token(
    account_id: str | None,
    *,
    expires_in: float = 5 * DAY,
    email: str | None = None,
    marker: str = "",
) -> str:
    """A JWT-shaped Codex access token; `marker` makes otherwise equal tokens differ."""
    claims: dict[str, Any] = {"exp": int(time.time() + expires_in)}
    if account_id:
        claims["https://api.openai.com/auth"] = {"chatgpt_account_id": account_id}
    if email:
        claims["https://api.openai.com/profile"] = {"email": email}
    if marker:
        claims["marker"] = marker
    return fake_jwt(claims)


def write_codex_auth(
    path: Path,
    access_token: str,
    account_id: str | None,
    *,
    email: str | None = None,
    refresh_token: str = "rt-refresh-token-value-0000",
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens: dict[str, Any] = {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "id_token": fake_jwt({"email": email}) if email else None,
    }
    if account_id:
        tokens["account_id"] = account_id
    path.write_text(
        json.dumps(
            {"OPENAI_API_KEY": None, "tokens": tokens, "last_refresh": "2026-11-20T10:00:00Z"}
        )
    )
    return path


def usage_answer(
    five_used: float, week_used: float, *, plan: str = "plus", now: float | None = None
) -> dict[str, Any]:
    now = time.time() if now is None else now
    return {
        "plan_type": plan,
        "rate_limit": {
            "primary_window": {
                "used_percent": five_used,
                "limit_window_seconds": 5 * HOUR,
                "reset_at": int(now + 2 * HOUR),
            },
            "secondary_window": {
                "used_percent": week_used,
                "limit_window_seconds": 7 * DAY,
                "reset_at": int(now + 3 * DAY),
            },
        },
    }


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
