"""Antigravity's local quota cache: the editor's state.vscdb (PROVIDERS.md §5b).

The Antigravity editor keeps the signed-in user's quota in its VS Code style SQLite
store: table ItemTable, key `antigravityAuthStatus`, a JSON object whose
`userStatusProtoBinaryBase64` is a protobuf message with no published schema. We open
the file read-only (the editor may hold it open), decode the message generically
(providers/kit/protobuf.py) and map the few fields we know onto one window per model.

Interface used by providers/google/antigravity.py:
  discover(context) -> list[Account]        accounts with provider "antigravity",
                                            extra["kind"] == "cache", path set
  async fetch(account, now) -> Quota        read-only SQLite read + protobuf decode;
                                            raises FetchError / ParseError on problems

The JSON also holds an `apiKey`: it is never put into any message, and it is
remembered by the secrets module so that scrub() would mask it if it ever leaked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.base import Account, DiscoveryContext, ParseError, Problem
from providers.kit.files import regular_file
from providers.kit.http import FetchError
from providers.kit.paths import Paths
from providers.kit.protobuf import WIRE_LENGTH, ProtoMessage, ProtoValue, decode
from providers.kit.protobuf import iter_fields as iter_fields  # re-exported: tests walk fields
from providers.kit.secrets import remember
from providers.kit.values import as_dict, as_str, plausible
from providers.model import Quota, Status, Window

PROVIDER_ID = "antigravity"
KIND = "cache"
DEFAULT_LABEL = "local cache"
STATE_FILE = "state.vscdb"
GLOBAL_STORAGE = ("Antigravity", "User", "globalStorage", STATE_FILE)
AUTH_KEY = "antigravityAuthStatus"
PROTO_KEY = "userStatusProtoBinaryBase64"
# The editor holds its write lock for milliseconds; waiting longer would only stall a refresh.
READ_TIMEOUT = 1.0
DISCOVERY_TIMEOUT = 0.25
SIGN_IN_HINT = "open Antigravity and sign in"
SOURCE_DETAIL = "Antigravity local cache (only as fresh as the editor's last sync)"

# Field numbers in the user status message (reverse-engineered, PROVIDERS.md §5b).
ROOT_EMAIL = 7
ROOT_MODEL_GROUP = 33
GROUP_MODEL = 1
MODEL_LABEL = 1
MODEL_QUOTA = 15
QUOTA_FRACTION = 1
QUOTA_RESET = 2
TIMESTAMP_SECONDS = 1
TIMESTAMP_NANOS = 2


# =========================================================================== mapping


def _timestamp(value: ProtoValue | None) -> datetime | None:
    """A google.protobuf.Timestamp (seconds, nanos) as an aware UTC datetime."""
    if value is None or value.wire != WIRE_LENGTH:
        return None
    stamp = value.message()
    seconds_field = stamp.first(TIMESTAMP_SECONDS)
    seconds = seconds_field.signed() if seconds_field else None
    if not seconds or seconds <= 0:
        return None
    nanos_field = stamp.first(TIMESTAMP_NANOS)
    nanos = (nanos_field.signed() if nanos_field else 0) or 0
    if not 0 <= nanos < 1_000_000_000:
        nanos = 0
    try:
        return plausible(datetime.fromtimestamp(seconds + nanos / 1e9, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _fraction(quota: ProtoMessage) -> float:
    """The remaining fraction in [0, 1]; absent means 0 (protobuf leaves zeros out)."""
    for value in quota.all(QUOTA_FRACTION):
        number = value.number()
        if number is not None:
            if number != number:  # NaN: no usable number
                return 0.0
            return min(1.0, max(0.0, number))
    return 0.0


def window_id(label: str) -> str:
    """`model:<label>` made safe for an id but still readable ("model:claude-sonnet-4.6")."""
    text = re.sub(r"[^a-z0-9.]+", "-", label.lower()).strip("-.")
    return f"model:{text or 'unnamed'}"


def _model_window(model: ProtoMessage) -> Window | None:
    quota_value = model.first(MODEL_QUOTA)
    if quota_value is None or quota_value.wire != WIRE_LENGTH:
        return None
    label_value = model.first(MODEL_LABEL)
    label = (label_value.text() if label_value else None) or ""
    label = label.strip() or "Unnamed model"
    quota = quota_value.message()
    fraction = _fraction(quota)
    return Window(
        id=window_id(label),
        label=label,
        used_percent=round((1.0 - fraction) * 100.0, 4),
        resets_at=_timestamp(quota.first(QUOTA_RESET)),
    )


def _unique(windows: list[Window]) -> list[Window]:
    seen: set[str] = set()
    result = []
    for window in windows:
        candidate, number = window.id, 1
        while candidate in seen:
            number += 1
            candidate = f"{window.id}-{number}"
        seen.add(candidate)
        result.append(window if candidate == window.id else replace(window, id=candidate))
    return result


@dataclass(frozen=True)
class UserStatus:
    email: str | None
    windows: tuple[Window, ...]


def parse_user_status(data: bytes) -> UserStatus:
    """The decoded user status message → e-mail and one window per model with quota info."""
    root = decode(data)
    if ROOT_EMAIL not in root and ROOT_MODEL_GROUP not in root:
        raise ParseError(
            "the cached user status has none of the expected fields (e-mail, model quotas)"
        )
    email_value = root.first(ROOT_EMAIL)
    email = as_str(email_value.text()) if email_value else None
    windows: list[Window] = []
    for group_value in root.all(ROOT_MODEL_GROUP):
        if group_value.wire != WIRE_LENGTH:
            continue
        for model_value in group_value.message().all(GROUP_MODEL):
            if model_value.wire != WIRE_LENGTH:
                continue
            window = _model_window(model_value.message())
            if window is not None:
                windows.append(window)
    return UserStatus(email=email, windows=tuple(_unique(windows)))


def decode_base64(text: str) -> bytes:
    """Standard base64 (URL-safe and missing padding tolerated); anything else is a ParseError."""
    compact = re.sub(r"\s+", "", text).replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ParseError("the cached user status is not valid base64") from None


def parse_auth_status(value: Any) -> tuple[dict[str, Any], UserStatus | None]:
    """The ItemTable value (TEXT or BLOB) → the JSON object and its decoded user status.

    The user status is None when the sign-in holds none yet. The apiKey is remembered
    as a secret and never appears in an error.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            value = bytes(value).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ParseError("the cached sign-in is not UTF-8 text") from None
    if not isinstance(value, str):
        raise ParseError("the cached sign-in is not text")
    try:
        document = json.loads(value)
    except (ValueError, RecursionError):  # ValueError: also an int of over 4300 digits
        raise ParseError("the cached sign-in is not JSON") from None
    data = as_dict(document)
    if data is None:
        raise ParseError("the cached sign-in is not a JSON object")
    api_key = data.get("apiKey")
    if isinstance(api_key, str):
        remember(api_key)
    encoded = as_str(data.get(PROTO_KEY))
    if encoded is None:
        return data, None
    return data, parse_user_status(decode_base64(encoded))


# =========================================================================== files


def default_paths(paths: Paths) -> list[Path]:
    """Where the editor keeps state.vscdb on Linux (XDG), macOS and Windows (%APPDATA%).

    All three are looked at on every system: a file only exists where it belongs, and
    tests can reach each one through the environment alone.
    """
    candidates = [
        paths.xdg_config_home.joinpath(*GLOBAL_STORAGE),
        # ~/.config as well when XDG_CONFIG_HOME points elsewhere: the spec's Linux place,
        # and where an editor started without that variable writes (discover dedupes).
        paths.home.joinpath(".config", *GLOBAL_STORAGE),
        paths.home.joinpath("Library", "Application Support", *GLOBAL_STORAGE),
    ]
    appdata = paths.env.get("APPDATA", "").strip()
    if appdata:
        candidates.append(paths.expand(appdata).joinpath(*GLOBAL_STORAGE))
    # %APPDATA%'s usual value, for a Windows home copied or mounted without the variable.
    candidates.append(paths.home.joinpath("AppData", "Roaming", *GLOBAL_STORAGE))
    return candidates


def _configured_path(paths: Paths, setting: str) -> Path:
    """cache_path may name the file itself or a folder holding it."""
    path = paths.expand(setting)
    if path.is_dir():
        for inner in (path / STATE_FILE, path.joinpath("User", "globalStorage", STATE_FILE)):
            if inner.is_file():
                return inner
    return path


def _cache_account(paths: Paths, path: Path, *, label: str, problem: Problem | None) -> Account:
    return Account(
        provider=PROVIDER_ID,
        label=label,
        source=paths.display(path),
        active=False,
        identity=f"cache:{path}",
        extra={"kind": KIND},
        problem=problem,
        path=path,
    )


def _cheap_email(path: Path) -> str | None:
    """The signed-in e-mail, if a quick look finds it; any trouble waits for fetch."""
    try:
        value = _query(path, DISCOVERY_TIMEOUT)
        if value is None:
            return None
        data, status = parse_auth_status(value)
        return as_str(data.get("email")) or (status.email if status else None)
    except Exception:
        return None


def discover(context: DiscoveryContext) -> list[Account]:
    """One account per state.vscdb found; cache_path in the config replaces the search."""
    paths = context.paths
    setting = as_str(context.settings.get("cache_path"))
    if setting is not None:
        path = _configured_path(paths, setting)
        checked = regular_file(path, paths.display(path))
        if not checked.ok:
            # A folder that does not hold the file is "no cache there", as a missing path is.
            nothing = checked.missing or path.is_dir()
            found = f"No Antigravity cache at {paths.display(path)}" if nothing else checked.problem
            problem = Problem(Status.ERROR, f"{found}: check cache_path in [providers.antigravity]")
            return [_cache_account(paths, path, label=DEFAULT_LABEL, problem=problem)]
        candidates = [path]
    else:
        candidates = [path for path in default_paths(paths) if path.is_file()]
    accounts: list[Account] = []
    seen: set[Path] = set()
    for path in candidates:
        try:
            resolved = path.resolve()
        except OSError:
            resolved = path
        if resolved in seen:
            continue
        seen.add(resolved)
        label = _cheap_email(path) or DEFAULT_LABEL
        accounts.append(_cache_account(paths, path, label=label, problem=None))
    return accounts


_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _query(path: Path, timeout: float) -> Any:
    """The antigravityAuthStatus value, read through a read-only connection (None: no row)."""
    # sqlite opens the database and its companions without O_NONBLOCK: a FIFO in place of
    # any of them would hang the connect for ever, so each is looked at first.
    for companion in (path, *(path.with_name(path.name + end) for end in _SQLITE_COMPANIONS)):
        checked = regular_file(companion, str(companion))
        if not (checked.ok or (checked.missing and companion != path)):
            raise sqlite3.OperationalError(f"unable to open: {checked.reason}")
    uri = path.absolute().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        row = connection.execute(
            "SELECT value FROM ItemTable WHERE key = ? LIMIT 1", (AUTH_KEY,)
        ).fetchone()
    finally:
        connection.close()
    return None if row is None else row[0]


def _modified(path: Path) -> float:
    """The last write: the file's mtime, or its write-ahead log's when that is newer."""
    mtime = path.stat().st_mtime
    with contextlib.suppress(OSError):
        mtime = max(mtime, path.with_name(path.name + "-wal").stat().st_mtime)
    return mtime


def _sqlite_problem(error: sqlite3.Error, shown: str) -> FetchError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return FetchError(
            Status.UNREACHABLE, f"{shown} is locked: the editor is writing it; will retry"
        )
    if "no such table" in text:
        return FetchError(
            Status.ERROR,
            f"No Antigravity sign-in in {shown} (no ItemTable): {SIGN_IN_HINT}",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return FetchError(
            Status.BAD_RESPONSE,
            f"{shown} is not a readable SQLite database (corrupt, or not the editor's state file)",
        )
    if "unable to open" in text:
        return FetchError(Status.ERROR, f"Cannot open {shown}: check that it is readable")
    return FetchError(Status.ERROR, f"Cannot read {shown} (SQLite: {error})")


@dataclass(frozen=True)
class _Read:
    value: Any
    modified: float


def _read(path: Path, shown: str) -> _Read:
    """The blocking part of a fetch: stat, open read-only, one query."""
    try:
        modified = _modified(path)
    except FileNotFoundError:
        raise FetchError(Status.ERROR, f"{shown} no longer exists: {SIGN_IN_HINT}") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise FetchError(Status.ERROR, f"Cannot read {shown} ({reason})") from None
    checked = regular_file(path, shown)
    if not checked.ok:
        raise FetchError(Status.ERROR, checked.problem or f"{shown} is not a file")
    try:
        value = _query(path, READ_TIMEOUT)
    except sqlite3.Error as error:
        raise _sqlite_problem(error, shown) from None
    if value is None:
        raise FetchError(Status.AUTH_EXPIRED, f"No Antigravity sign-in in {shown}: {SIGN_IN_HINT}")
    return _Read(value, modified)


# =========================================================================== fetch


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes}m ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes}m ago" if minutes else f"{hours}h ago"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h ago" if hours else f"{days}d ago"


def cache_age(modified: float, now: datetime) -> str:
    """ "file modified 12m ago, at 14:05" (local time; a date when it is not today)."""
    when = datetime.fromtimestamp(modified, tz=UTC).astimezone()
    local_now = now.astimezone()
    clock = f"at {when:%H:%M}" if when.date() == local_now.date() else f"on {when:%Y-%m-%d %H:%M}"
    seconds = (now - when).total_seconds()
    if seconds < -60:  # a clock that disagrees with the file system: no age to give
        return f"file modified {clock}"
    return f"file modified {_ago(max(0.0, seconds))}, {clock}"


def _as_of(modified: float, now: datetime) -> datetime | None:
    """The data is as old as the editor's last write (never later than now): fetched_at
    should say so, not the time we happened to read the file."""
    try:
        return min(datetime.fromtimestamp(modified, tz=UTC), now)
    except (OverflowError, OSError, ValueError):
        return None


def quota_from(value: Any, modified: float, now: datetime, shown: str) -> Quota:
    """Pure: the stored value plus the file's mtime → the Quota (details say it is cached)."""
    data, status = parse_auth_status(value)
    if status is None:
        raise FetchError(
            Status.ERROR,
            f"The Antigravity sign-in in {shown} holds no quota yet: open Antigravity so it syncs",
        )
    details = [("Cached by the editor", cache_age(modified, now)), ("Source", SOURCE_DETAIL)]
    email = status.email or as_str(data.get("email"))
    if email:
        details.append(("Signed in as", email))
    return Quota(
        plan=None, windows=status.windows, details=tuple(details), as_of=_as_of(modified, now)
    )


async def fetch(account: Account, now: datetime) -> Quota:
    """Read the cache in a worker thread (SQLite blocks), then decode it."""
    if account.path is None:
        raise FetchError(Status.ERROR, "This Antigravity cache account has no file")
    path = account.path
    shown = account.source or str(path)
    read = await asyncio.to_thread(_read, path, shown)
    return quota_from(read.value, read.modified, now, shown)
