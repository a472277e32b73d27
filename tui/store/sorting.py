"""Overview orders: by provider (each provider's own order), most remaining, soonest reset."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from providers.base import Provider
from tui.format import headline_windows, next_reset
from tui.store.store import Entry


def _least_remaining(entry: Entry) -> float | None:
    """The lower share left of the two windows the overview shows; an unlimited one is 100 %."""
    values = [
        100.0 if w.unlimited else w.remaining_percent
        for w in headline_windows(entry.shown, entry.provider)
        if w is not None and (w.unlimited or w.remaining_percent is not None)
    ]
    return min(values) if values else None


def _remaining_key(entry: Entry) -> tuple[int, float]:
    """Usable accounts first, most left first; then balance-only ones; then every account with
    a problem, and last those that never answered. An account with a problem sorts after every
    usable one whatever its last good data said: it cannot be used until the problem is gone."""
    if entry.loading:
        return (3, 0.0)
    if not entry.snapshot.ok:
        return (2, 0.0)
    left = _least_remaining(entry)
    if left is not None:
        return (0, -left)
    return (1, 0.0)  # balances (or nothing) to go by: usable, but no share to rank


def sort_key(mode: str, providers: Sequence[Provider], now: datetime) -> Callable[[Entry], tuple]:
    """What an entry is ordered by in `mode`: two entries whose keys did not change keep their
    places, which lets the app skip a sort when an answer changed no key."""
    rank = {provider.id: index for index, provider in enumerate(providers)}

    def by_provider(entry: Entry) -> tuple:
        return (rank.get(entry.provider.id, len(rank)), entry.provider.sort_key(entry.shown))

    if mode == "remaining":

        def key(entry: Entry) -> tuple:
            return (*_remaining_key(entry), by_provider(entry))

    elif mode == "reset":

        def key(entry: Entry) -> tuple:
            reset = next_reset(entry.shown, now, entry.provider)
            return (reset is None, reset.timestamp() if reset else 0.0, by_provider(entry))

    else:
        key = by_provider
    return key


def _still_holds(mode: str, key: tuple, now: datetime) -> bool:
    """Whether a sort key worked out earlier is still the entry's, its entry unchanged: only
    the soonest reset moves with the time, on to the next one once it has passed."""
    return mode != "reset" or key[0] or key[1] > now.timestamp()


def sort_entries(
    entries: Sequence[Entry],
    mode: str,
    providers: Sequence[Provider],
    now: datetime,
    keys: dict[str, tuple] | None = None,
    changed: Collection[str] | None = None,
) -> list[Entry]:
    """The entries in `mode`'s order; `keys`, when given, is filled with each entry's sort key.

    With `changed` too (the keys of the entries that changed since `keys` was filled), the
    keys of the others are taken from `keys` rather than worked out again: with a thousand
    accounts, working out every key was most of the time a sort took."""
    key = sort_key(mode, providers, now)
    names = [entry.key for entry in entries]
    if keys is None or changed is None:
        found = [key(entry) for entry in entries]
    else:
        found = []
        for entry, name in zip(entries, names, strict=True):
            known = keys.get(name)
            if known is None or name in changed or not _still_holds(mode, known, now):
                known = key(entry)
            found.append(known)
    if keys is not None:
        keys.clear()
        keys.update(zip(names, found, strict=True))
    # Stable, as sorting the entries by their keys would be, without a lookup per comparison.
    return [entries[index] for index in sorted(range(len(entries)), key=found.__getitem__)]
