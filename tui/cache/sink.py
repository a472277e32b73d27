"""The sink that keeps latest.json current for `aiquota-tui status` (CONTRACT.md, second wave).

The app hands answers over up to four times a second; the file is written at most every
WRITE_EVERY seconds, the last batch of a burst by a timer, so what the status line reads is
never more than a few seconds behind and the disk is not written on every answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from providers.model import AccountSnapshot
from providers.registry import PROVIDERS
from tui.answers import RunContext, cache_dir
from tui.cache.store import CACHE_FILE_NAME, Document, update_cache
from tui.once import document_of, dump_document

WRITE_EVERY = 3.0


def providers_table() -> dict[str, dict[str, str]]:
    """Each provider's name and short name, in display order, for readers that import none."""
    return {p.id: {"name": p.name, "short": p.short or p.id[:3]} for p in PROVIDERS}


def cache_document(
    snapshots: Sequence[AccountSnapshot], now: datetime, refresh_interval: float | None
) -> Document:
    document = document_of(snapshots, now)
    document["refresh_interval"] = refresh_interval
    document["providers"] = providers_table()
    return document


class CacheSink:
    def __init__(self, path: Path, refresh_interval: float | None, *, throttle: bool) -> None:
        self.path = path
        self.refresh_interval = refresh_interval
        self.throttle = throttle
        self._pending: dict[str, AccountSnapshot] = {}
        self._last_write = 0.0
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        # One write at a time, taken before the batch: the timer's write of an older batch
        # must not land after (and over) a newer one written from the caller's thread.
        self._writing = threading.Lock()
        self._error: Exception | None = None

    def take(self, snapshots: Sequence[AccountSnapshot], now: datetime) -> None:
        with self._lock:
            for snapshot in snapshots:
                self._pending[snapshot.key or f"{snapshot.provider}/{snapshot.account}"] = snapshot
            wait = self._last_write + WRITE_EVERY - time.monotonic()
            if self.throttle and wait > 0:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._write_later)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self._write(now)
        self._raise_once()

    def _write_later(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self._write(None)
        except Exception as error:  # reported by the next take, on the caller's thread
            self._error = error

    def _raise_once(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _write(self, now: datetime | None) -> None:
        with self._writing:
            with self._lock:
                batch, self._pending = list(self._pending.values()), {}
                self._last_write = time.monotonic()
            if not batch:
                return
            moment = now or max((s.fetched_at for s in batch if s.fetched_at), default=None)
            if moment is None:
                from datetime import UTC

                moment = datetime.now(UTC)
            document = cache_document(batch, moment, self.refresh_interval)
            update_cache(self.path, document, moment, _compact)

    def close(self, timeout: float) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self._write(None)


def build_cache_sink(context: RunContext) -> CacheSink | None:
    if context.demo:
        return None  # the demo never writes the user's files
    return CacheSink(
        cache_dir() / CACHE_FILE_NAME,
        context.refresh_interval,
        throttle=context.mode in ("app", "serve"),
    )


def _compact(document: Document) -> str:
    return dump_document(document, compact=True)
