"""Reading and merging latest.json, the status line's only source (CONTRACT.md, second wave).

The file is the `--once --json` document plus `refresh_interval` and a `providers` table (short
names for the status line, so that `aiquota-tui status` never imports the providers). Several
writers (the app, `--once`, `serve`) share it: each takes the lock, reads what is there, puts in
the accounts it fetched, keeps the others with their own `fetched_at`, and renames a complete new
file over the old one. A reader never sees half a file.

Kept light on purpose: `aiquota-tui status` imports this, and runs every second from tmux.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from providers.kit.files import read_text

CACHE_FILE_NAME = "latest.json"
# 1,000 accounts come to about 2 MB; anything far bigger is not ours.
MAX_CACHE_BYTES = 64 * 1024 * 1024
# An account no writer has seen for this long is dropped: its credentials are probably gone.
FORGET_AFTER = timedelta(days=1)

Document = dict[str, Any]


def account_id(account: Mapping[str, Any]) -> tuple[str, str, str]:
    """What tells two entries of the cache are one account, across writers."""
    return (str(account.get("provider")), str(account.get("account")), str(account.get("source")))


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_cache(path: Path) -> Document | None:
    """The cache document, or None when there is none or it is not one of ours."""
    read = read_text(path, str(path), limit=MAX_CACHE_BYTES)
    if not read.ok:
        return None
    try:
        document = json.loads(read.data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        return None
    document["accounts"] = [a for a in document["accounts"] if isinstance(a, dict)]
    return document


def merge(
    old: Document | None,
    fresh: Document,
    now: datetime,
) -> Document:
    """`fresh`'s accounts replace their old entries; the others stay unless gone a day.

    A failed fetch does not replace an account's last good entry: the status line keeps
    showing what was last known, and marks it stale by its own `fetched_at`. Not for ever:
    a good entry older than a day gives way to the failure, which says what is wrong now."""
    previous = {account_id(a): a for a in (old or {}).get("accounts", [])}
    accounts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for account in fresh.get("accounts", []):
        key = account_id(account)
        before = previous.pop(key, None)
        failed = account.get("status") != "ok"
        keep_old = failed and before is not None and before.get("status") == "ok"
        if keep_old and before is not None and _recent(before, now):
            accounts[key] = before
        else:
            accounts[key] = account
    for key, account in previous.items():
        if _recent(account, now):
            accounts.setdefault(key, account)
    providers = dict((old or {}).get("providers") or {})
    providers.update(fresh.get("providers") or {})
    merged = dict(fresh)
    merged["providers"] = providers
    merged["accounts"] = sorted(accounts.values(), key=_order(fresh, providers))
    return merged


def _recent(account: Mapping[str, Any], now: datetime) -> bool:
    """Seen by a writer within the last day (by its own `fetched_at`)."""
    seen = parse_time(account.get("fetched_at"))
    return seen is not None and now - seen <= FORGET_AFTER


def _order(fresh: Document, providers: Mapping[str, Any]):
    """Accounts by provider in the providers' order, each provider's accounts as fetched."""
    rank = {provider_id: number for number, provider_id in enumerate(providers)}
    position = {account_id(a): n for n, a in enumerate(fresh.get("accounts", []))}

    def key(account: Mapping[str, Any]) -> tuple[int, int]:
        return (
            rank.get(str(account.get("provider")), len(rank)),
            position.get(account_id(account), len(position)),
        )

    return key


def write_atomically(path: Path, text: str) -> None:
    """A complete new file renamed over the old one, private to the user (0600)."""
    import tempfile  # only writers need it; the status line only reads

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=".latest-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class CacheLock:
    """An exclusive lock beside the cache, so two writers never merge the same old file."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> CacheLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except ImportError:  # Windows: the rename alone keeps readers safe
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


def update_cache(
    path: Path, fresh: Document, now: datetime, dump: Callable[[Document], str]
) -> Document:
    """Merge `fresh` into the file under the lock; `dump` writes the document as text."""
    with CacheLock(path):
        merged = merge(read_cache(path), fresh, now)
        write_atomically(path, dump(merged) + "\n")
    return merged


def accounts_of(document: Document) -> Iterable[dict[str, Any]]:
    return (a for a in document.get("accounts", []) if isinstance(a, dict))
