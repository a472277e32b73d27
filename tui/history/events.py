"""Events beside the samples: automatic account switches and alerts (issue 16) write here.

Events are rare, so each call opens its own connection: any thread may call, and a failure
(read-only disk, a locked database) is an answer (False, or no events), never an exception.
`--demo` must not call these with the default path: the user's database is not the demo's.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.kit.text import clean_text
from tui.history.recorder import Recorder
from tui.history.store import HistoryUnavailable, default_path, open_reader, open_writer


@dataclass(frozen=True)
class Event:
    kind: str
    provider: str | None
    account: str | None
    at: datetime
    detail: Mapping[str, Any] = field(default_factory=dict)


def record_event(
    kind: str,
    provider: str | None,
    account: str | None,
    at: datetime,
    detail: Mapping[str, Any],
    *,
    path: Path | None = None,
    notice: Callable[[str], None] | None = None,
) -> bool:
    """Store one event (`detail` as JSON, scrubbed of anything like a secret). True when it
    was stored. `notice` hears of a damaged database set aside on the way."""
    path = path or default_path()
    try:
        connection = open_writer(path, datetime.now(UTC), notice or (lambda _text: None))
    except HistoryUnavailable:
        return False
    try:
        Recorder(connection).record_event(kind, provider, account, at, detail)
        return True
    except (sqlite3.Error, TypeError, ValueError):
        return False
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()


def recent_events(
    since: datetime,
    kinds: Sequence[str] = (),
    *,
    path: Path | None = None,
    limit: int = 1000,
) -> list[Event]:
    """Events at or after `since`, oldest first, optionally of the given kinds only."""
    try:
        connection = open_reader(path or default_path())
    except HistoryUnavailable:
        return []
    if connection is None:
        return []
    query = "SELECT kind, provider, account, at, detail FROM events WHERE at >= ?"
    arguments: list[Any] = [round(since.timestamp() * 1000)]
    if kinds:
        query += f" AND kind IN ({', '.join('?' * len(kinds))})"
        arguments += list(kinds)
    query += " ORDER BY at, id LIMIT ?"
    arguments.append(limit)
    try:
        rows = connection.execute(query, arguments).fetchall()
    except sqlite3.Error:
        return []
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()
    return [_event(*row) for row in rows]


def _event(kind: str, provider: str | None, account: str | None, at: int, detail: str) -> Event:
    try:
        parsed = json.loads(detail)
    except (ValueError, TypeError):
        parsed = {}
    return Event(
        kind=clean_text(str(kind), 64),
        provider=None if provider is None else clean_text(str(provider), 64),
        account=None if account is None else clean_text(str(account)),
        at=datetime.fromtimestamp(int(at) / 1000, UTC),
        detail=parsed if isinstance(parsed, dict) else {},
    )
