"""Moving the Codex CLI to another saved account without losing a token.

Codex rotates refresh tokens: whichever copy of an account's auth.json was written last
is the only one that still works. So a switch first saves the live login back (over
its saved twin, or as a new saved account), and only then puts the chosen account in
place. Every check happens before the first write, and every write is atomic (temp
file in the same folder, fsync, rename, mode 0600), so an interruption at any point
leaves each file either wholly old or wholly new.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers import jwt
from providers.codex import SAVED_SUFFIX, account_id_from_token, saved_name
from providers.paths import Paths
from providers.values import as_dict, as_str, epoch_to_datetime, iso_to_datetime

BACKUP_SUFFIX = ".bak"


class SwitchRefused(Exception):
    """The switch was not made; the message says why and what to do. Nothing was written."""


@dataclass(frozen=True)
class AuthFile:
    path: Path
    raw: bytes
    account_id: str | None
    access_token: str | None
    email: str | None
    freshness: datetime | None  # when these tokens were last refreshed, as best we can tell

    @property
    def label(self) -> str:
        return saved_name(self.path)


@dataclass(frozen=True)
class SwitchResult:
    activated: str
    saved_back: Path | None  # the saved twin the live login was copied over
    saved_new: Path | None  # where a live login with no twin was saved
    backup: Path | None  # the previous auth.json
    already_active: bool = False


def read_auth(path: Path, shown: str) -> AuthFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SwitchRefused(f"{shown} does not exist") from None
    except OSError as error:
        raise SwitchRefused(
            f"cannot read {shown}: {error.strerror or type(error).__name__}"
        ) from None
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON, 5000-digit numbers
        raise SwitchRefused(f"{shown} is not valid JSON; fix or remove it first") from None
    data = as_dict(document)
    if data is None:
        raise SwitchRefused(f"{shown} is not a Codex auth.json (not a JSON object)")
    tokens = as_dict(data.get("tokens")) or {}
    access = as_str(tokens.get("access_token"))
    account_id = as_str(tokens.get("account_id")) or (
        account_id_from_token(access) if access else None
    )
    email = jwt.email(as_str(tokens.get("id_token"))) or jwt.email(access)
    return AuthFile(path, raw, account_id, access, email, _freshness(data, access, path))


def _freshness(data: dict[str, Any], access: str | None, path: Path) -> datetime | None:
    """last_refresh, else the access token's issue time, else the file's mtime."""
    refreshed = iso_to_datetime(data.get("last_refresh"))
    if refreshed is not None:
        return refreshed
    issued = epoch_to_datetime(jwt.claims(access).get("iat")) if access else None  # 1e20: None
    if issued is not None:
        return issued
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path as one step: a temp file beside it, fsync, rename; mode 0600."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    try:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError:
        pass  # the rename is done; syncing the folder is best effort


def find_saved(name: str, folders: list[Path]) -> Path | None:
    for folder in folders:
        candidate = folder / f"{name}{SAVED_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def _new_name(live: AuthFile, folder: Path) -> Path:
    base = live.email or live.account_id or "previous-login"
    base = re.sub(r"[^A-Za-z0-9@._+-]+", "-", base).strip("-.") or "previous-login"
    candidate, number = folder / f"{base}{SAVED_SUFFIX}", 2
    while candidate.exists():
        candidate, number = folder / f"{base}-{number}{SAVED_SUFFIX}", number + 1
    return candidate


def activate(
    chosen_path: Path, paths: Paths, folders: list[Path], now: datetime | None = None
) -> SwitchResult:
    """Make the saved account at chosen_path the Codex CLI's login. See the module doc."""
    now = now or datetime.now(UTC)
    chosen = read_auth(chosen_path, paths.display(chosen_path))
    name = chosen.label
    if not chosen.access_token:
        raise SwitchRefused(
            f"{paths.display(chosen_path)} has no access token: sign in to it again"
        )
    if chosen.access_token.startswith("sess-"):
        raise SwitchRefused(f"'{name}' holds a browser session token, not a Codex login")
    expires = jwt.expiry(chosen.access_token)
    if expires is not None and expires <= now:
        local = expires.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        raise SwitchRefused(
            f"the saved token of '{name}' expired at {local}: run `codex login` with that "
            "account and save it again"
        )

    live_path = paths.codex_home / "auth.json"
    live: AuthFile | None = None
    if live_path.exists():
        live = read_auth(live_path, paths.display(live_path))

    twin: AuthFile | None = None
    new_home: Path | None = None
    if live is not None:
        same_account = bool(live.account_id) and live.account_id == chosen.account_id
        if same_account and live.raw == chosen.raw:
            return SwitchResult(name, None, None, None, already_active=True)
        if same_account:
            if live.freshness and chosen.freshness and chosen.freshness < live.freshness:
                raise SwitchRefused(
                    f"the live login for this account ({paths.display(live_path)}) is newer "
                    f"than '{name}'; switching would put old tokens back. It is already the "
                    "active account"
                )
        else:
            twin = _find_twin(live, folders, exclude=chosen_path)
            if twin is None:
                new_home = _new_name(live, chosen_path.parent)

    # Every check passed: from here on, only atomic writes, in an order that loses nothing.
    saved_back = saved_new = backup = None
    if live is not None:
        if twin is not None and twin.raw != live.raw:
            atomic_write(twin.path, live.raw)
            saved_back = twin.path
        elif new_home is not None:
            atomic_write(new_home, live.raw)
            saved_new = new_home
        backup = live_path.with_name(live_path.name + BACKUP_SUFFIX)
        atomic_write(backup, live.raw)
    else:
        live_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(live_path, chosen.raw)
    return SwitchResult(name, saved_back, saved_new, backup)


def _find_twin(live: AuthFile, folders: list[Path], exclude: Path) -> AuthFile | None:
    """The saved file of the live login's account (same account id), if there is one."""
    if not live.account_id:
        return None
    for folder in folders:
        for path in sorted(folder.glob(f"*{SAVED_SUFFIX}")):
            if path == exclude:
                continue
            try:
                saved = read_auth(path, str(path))
            except SwitchRefused:
                continue
            if saved.account_id == live.account_id:
                return saved
    return None


def describe(result: SwitchResult, paths: Paths) -> str:
    if result.already_active:
        return f"'{result.activated}' is already the Codex CLI's account"
    parts = [f"Codex now uses '{result.activated}'"]
    if result.saved_back is not None:
        parts.append(f"the previous login was saved back to {paths.display(result.saved_back)}")
    if result.saved_new is not None:
        parts.append(f"the previous login was saved as {paths.display(result.saved_new)}")
    if result.backup is not None:
        parts.append(f"backup at {paths.display(result.backup)}")
    return "; ".join(parts)
