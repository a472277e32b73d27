"""Overview orders: by provider (each provider's own order), most remaining, soonest reset."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from providers.base import Provider
from tui.format import headline_windows, next_reset
from tui.store import Entry


def _least_remaining(entry: Entry) -> float | None:
    values = [
        w.remaining_percent
        for w in headline_windows(entry.shown, entry.provider)
        if w is not None and w.remaining_percent is not None
    ]
    return min(values) if values else None


def sort_entries(
    entries: Sequence[Entry], mode: str, providers: Sequence[Provider], now: datetime
) -> list[Entry]:
    rank = {provider.id: index for index, provider in enumerate(providers)}

    def by_provider(entry: Entry) -> tuple:
        return (rank.get(entry.provider.id, len(rank)), entry.provider.sort_key(entry.shown))

    if mode == "remaining":

        def key(entry: Entry) -> tuple:
            left = _least_remaining(entry)
            return (left is None, -(left or 0.0), by_provider(entry))

    elif mode == "reset":

        def key(entry: Entry) -> tuple:
            reset = next_reset(entry.shown, now, entry.provider)
            return (reset is None, reset.timestamp() if reset else 0.0, by_provider(entry))

    else:
        key = by_provider
    return sorted(entries, key=key)
