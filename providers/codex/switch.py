"""Moving the Codex CLI to another saved account without losing a token.

Codex rotates refresh tokens: whichever copy of an account's auth.json was written last
is the only one that still works, and the Codex CLI may rewrite auth.json at any moment
(a temp file renamed over it, or the file truncated and written in place). So the chosen
login is put in place with an atomic exchange (providers/kit/atomic_swap.py): the file that
comes out is exactly what was live at that instant, however recently it was written,
and it is then saved back over its account's saved file (or as a new saved account) and
kept as auth.json.bak. Where no exchange exists, the live file is saved, read again and
compared, and only then renamed over, which still leaves a short window to a writer.

Every check happens before the first write, and every other write is atomic (temp file
in the same folder, fsync, rename, mode 0600). The temp files are named
`.<file>.aiquota-<pid>-<random>.tmp`; one left by an interrupted switch may hold the only
copy of a login, so the next switch (or `recover_leftovers`) saves it if it is newer
than every copy we have and then removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from providers.base import SwitchRefused
from providers.codex.provider import SAVED_SUFFIX, account_id_from_token, saved_name
from providers.kit import atomic_swap, jwt
from providers.kit.files import MAX_CREDENTIAL_BYTES, read_bytes
from providers.kit.paths import Paths
from providers.kit.values import as_dict, as_str, epoch_to_datetime, iso_to_datetime

BACKUP_SUFFIX = ".bak"
TEMP_MARK = ".aiquota-"
_TEMP_NAME = re.compile(r"^\..+\.aiquota-(\d+)-[^/]+\.tmp$")
# A leftover whose process is gone is stale at once; one whose pid is alive (perhaps reused
# by an unrelated process) only after this long, far beyond any real switch.
STALE_AFTER = timedelta(minutes=10)
_ATTEMPTS = 5  # exchanges (or compare-and-renames) before giving up on a writer that never stops
_PAUSE = 0.003  # between two reads of a file someone may still be writing
# How long the file that came out of auth.json may take to become whole: a writer that had
# it open when it came out finishes writing into it, wherever it now is.
_SETTLE_LIMIT = 2.0
_BUSY_LIMIT = 0.05  # how long auth.json may stay half-written before the switch is refused
# One switch at a time in this process (the app's workers, or recovery at app start), so a
# temp file named with our own pid is a leftover whenever this lock is held.
_LOCK = threading.RLock()
# At most 160 bytes of a file's name in its temp file's name, leaving room for the mark.
_TEMP_STEM_CHARS = 40
_NEW_NAME_CHARS = 100  # a login saved under its e-mail: an address may be 254 characters


class BadName(ValueError):
    """A saved account's name that is not a plain name (a path, `..`, a hidden file)."""


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
    rescued: tuple[Path, ...] = ()  # saved files updated from an interrupted switch's leftovers


def read_auth(path: Path, shown: str) -> AuthFile:
    read = read_bytes(path, shown, limit=MAX_CREDENTIAL_BYTES, what="a Codex auth.json")
    if not read.ok:
        raise SwitchRefused(read.problem or f"cannot read {shown}")
    return parse_auth(path, read.data, shown)


def parse_auth(path: Path, raw: bytes, shown: str) -> AuthFile:
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


def _read_whole(path: Path, shown: str, limit: float) -> AuthFile:
    """path once whole: a writer that has it open may be halfway through writing it in place.

    Read until two reads a moment apart agree and parse, for at most `limit` seconds; then
    the last reading that parsed, or else the last reading's refusal (not JSON, missing).
    """
    deadline = time.monotonic() + limit
    last: AuthFile | None = None
    while True:
        try:
            current = read_auth(path, shown)
        except SwitchRefused:
            if time.monotonic() > deadline:
                if last is not None:
                    return last
                raise
        else:
            if (last is not None and current.raw == last.raw) or time.monotonic() > deadline:
                return current
            last = current
        time.sleep(_PAUSE)


def same_login(first: AuthFile, second: AuthFile) -> bool:
    """Two copies of one login: the same account id and, where both name one, the same e-mail.

    A ChatGPT workspace (Team, Business) gives every member the same account id, so two
    members' files are two logins, and one must never be saved over, or judged older than,
    the other."""
    if not first.account_id or first.account_id != second.account_id:
        return False
    return (
        first.email is None or second.email is None or first.email.lower() == second.email.lower()
    )


def _older(first: AuthFile, second: AuthFile) -> bool:
    return bool(first.freshness and second.freshness and first.freshness < second.freshness)


# ---------------------------------------------------------------- names


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a saved account's name, or None: a name is a name, not a path."""
    path_like = any(part in name for part in ("/", "\\", "..", "\0"))
    if name and not path_like and not name.startswith("."):
        return None
    return (
        f"{name!r} is not a saved account's name: a name is not empty, has no / or \\, "
        "no '..' and no NUL character, and does not start with '.'"
    )


def find_saved(name: str, folders: list[Path]) -> Path | None:
    """The saved file `<name>.auth.json` in the first folder that has one. BadName for a path."""
    problem = name_problem(name)
    if problem:
        raise BadName(problem)
    for folder in folders:
        candidate = folder / f"{name}{SAVED_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def saved_names(folders: list[Path]) -> list[str]:
    """Every name --activate accepts in these folders, sorted."""
    names = {
        saved_name(path)
        for folder in folders
        for path in folder.glob(f"*{SAVED_SUFFIX}")
        if name_problem(saved_name(path)) is None and path.is_file()
    }
    return sorted(names)


def _in_folders(path: Path, folders: list[Path]) -> bool:
    with contextlib.suppress(OSError, RuntimeError):
        parent = path.parent.resolve()
        return any(parent == folder.resolve() for folder in folders)
    return False


# ---------------------------------------------------------------- writing


def _write_temp(beside: Path, data: bytes) -> Path:
    """A new private temp file, named for recovery, in beside's folder, holding data (fsynced)."""
    # The name is cut short: a saved name near the 255-byte limit would leave no room for
    # the mark, and the switch would stop after the exchange (and every later one too).
    stem = beside.name[:_TEMP_STEM_CHARS]
    handle, name = tempfile.mkstemp(
        prefix=f".{stem}{TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=beside.parent
    )
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    return Path(name)


def _sync_folder(folder: Path) -> None:
    try:
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError:
        pass  # the rename is done; syncing the folder is best effort


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path as one step: a temp file beside it, fsync, rename; mode 0600."""
    temp = _write_temp(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _sync_folder(path.parent)


def _new_name(live: AuthFile, folder: Path) -> Path:
    base = live.email or live.account_id or "previous-login"
    base = re.sub(r"[^A-Za-z0-9@._+-]+", "-", base)
    # A name --activate accepts (no '..', not hidden), short enough for any filesystem.
    base = re.sub(r"\.{2,}", ".", base)[:_NEW_NAME_CHARS].strip("-.") or "previous-login"
    candidate, number = folder / f"{base}{SAVED_SUFFIX}", 2
    while candidate.exists():
        candidate, number = folder / f"{base}-{number}{SAVED_SUFFIX}", number + 1
    return candidate


def _find_twin(login: AuthFile, folders: list[Path], prefer: Path | None) -> AuthFile | None:
    """The saved file of login's account (same account id, or the same bytes for a login
    without one); `prefer` first if it is one."""
    candidates = [prefer] if prefer is not None else []
    for folder in folders:
        candidates += sorted(folder.glob(f"*{SAVED_SUFFIX}"))
    for path in candidates:
        try:
            saved = read_auth(path, str(path))
        except SwitchRefused:
            continue
        if saved.raw == login.raw or same_login(saved, login):
            return saved
    return None


@dataclass
class _Saved:
    back: Path | None = None
    new: Path | None = None


def _save_login(login: AuthFile, folders: list[Path], home: Path, prefer: Path | None) -> _Saved:
    """Keep login in a saved file: over its account's (unless that one is newer), or as new."""
    twin = _find_twin(login, folders, prefer)
    if twin is not None:
        if twin.raw == login.raw or _older(login, twin):
            return _Saved()
        atomic_write(twin.path, login.raw)
        return _Saved(back=twin.path)
    target = _new_name(login, home)
    atomic_write(target, login.raw)
    return _Saved(new=target)


# ---------------------------------------------------------------- leftovers


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    return True


def _stale(path: Path, pid: int, now: float) -> bool:
    if pid == os.getpid() or not _pid_alive(pid):
        return True  # ours while we hold the lock, or its process is gone: nobody is using it
    try:
        return now - path.stat().st_mtime > STALE_AFTER.total_seconds()
    except OSError:
        return False


def recover_leftovers(paths: Paths, folders: list[Path]) -> tuple[Path, ...]:
    """Deal with temp files an interrupted switch left behind; the saved files it updated.

    Such a file holds either a copy of a saved login (made before the exchange) or what
    came out of auth.json (after it), which may be the only copy of the newest tokens. So
    a readable leftover is saved, like a live login, unless auth.json or a saved file
    already holds the same or a newer copy of its account; then it is removed.
    """
    with _LOCK:
        rescued: list[Path] = []
        now = time.time()
        live_path = paths.codex_home / "auth.json"
        for folder in [paths.codex_home, *folders]:
            leftovers: list[Path] = []
            with contextlib.suppress(OSError):
                leftovers = sorted(folder.glob(f".*{TEMP_MARK}*.tmp"))
            for path in leftovers:
                match = _TEMP_NAME.match(path.name)
                if not match or not _stale(path, int(match.group(1)), now):
                    continue
                leftover: AuthFile | None = None
                with contextlib.suppress(SwitchRefused):  # a torn copy holds no usable login
                    leftover = read_auth(path, str(path))
                if leftover is not None and not _covered_by_live(leftover, live_path):
                    if not folders:
                        continue  # nowhere to save it: keep it rather than lose a token
                    saved = _save_login(leftover, folders, folders[0], None)
                    rescued += [p for p in (saved.back, saved.new) if p is not None]
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        return tuple(rescued)


def _covered_by_live(login: AuthFile, live_path: Path) -> bool:
    try:
        live = read_auth(live_path, str(live_path))
    except SwitchRefused:
        return False
    if live.raw == login.raw:
        return True
    return same_login(live, login) and not _older(live, login)


# ---------------------------------------------------------------- the switch


def activate(
    chosen_path: Path, paths: Paths, folders: list[Path], now: datetime | None = None
) -> SwitchResult:
    """Make the saved account at chosen_path the Codex CLI's login. See the module doc."""
    with _LOCK:
        rescued = recover_leftovers(paths, folders)
        now = now or datetime.now(UTC)
        shown = paths.display(chosen_path)
        problem = name_problem(saved_name(chosen_path))
        if problem:
            raise SwitchRefused(problem)
        if not chosen_path.name.endswith(SAVED_SUFFIX) or not _in_folders(chosen_path, folders):
            raise SwitchRefused(f"{shown} is not a saved account in an account folder")
        chosen = read_auth(chosen_path, shown)
        _check_chosen(chosen, shown, now)

        live_path = paths.codex_home / "auth.json"
        live: AuthFile | None = None
        if live_path.exists():
            live = _read_whole(live_path, paths.display(live_path), _BUSY_LIMIT)
        if live is not None and same_login(live, chosen):
            if live.raw == chosen.raw:
                return SwitchResult(chosen.label, None, None, None, True, rescued)
            if _older(chosen, live):
                raise SwitchRefused(
                    f"the live login for this account ({paths.display(live_path)}) is newer "
                    f"than '{chosen.label}'; switching would put old tokens back. It is "
                    "already the active account"
                )
        # Every check passed: from here on, only atomic writes and the exchange.
        live_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        switch = _Switch(chosen, live, live_path, paths, folders)
        if atomic_swap.available():
            with contextlib.suppress(atomic_swap.ExchangeUnavailable):
                return switch.by_exchange(rescued)
        return switch.by_checked_rename(rescued)


def _check_chosen(chosen: AuthFile, shown: str, now: datetime) -> None:
    name = chosen.label
    if not chosen.access_token:
        raise SwitchRefused(f"{shown} has no access token: sign in to it again")
    if chosen.access_token.startswith("sess-"):
        raise SwitchRefused(f"'{name}' holds a browser session token, not a Codex login")
    expires = jwt.expiry(chosen.access_token)
    if expires is not None and expires <= now:
        local = expires.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        raise SwitchRefused(
            f"the saved token of '{name}' expired at {local}: run `codex login` with that "
            "account and save it again"
        )


@dataclass
class _Switch:
    chosen: AuthFile
    live: AuthFile | None  # auth.json as read for the checks; it may have changed since
    live_path: Path
    paths: Paths
    folders: list[Path]

    @property
    def backup(self) -> Path:
        return self.live_path.with_name(self.live_path.name + BACKUP_SUFFIX)

    def _same_account(self, login: AuthFile) -> bool:
        return same_login(login, self.chosen)

    def by_exchange(self, rescued: tuple[Path, ...]) -> SwitchResult:
        """Exchange the chosen login with auth.json, then save what came out.

        What came out is normally the previous account's login; if instead it is a newer
        copy of the chosen account (written while we switched), it is saved and put back.
        """
        shown = self.paths.display(self.live_path)
        saved, backup, payload = _Saved(), None, self.chosen.raw
        placed: set[bytes] = set()
        for _ in range(_ATTEMPTS):
            temp = _write_temp(self.live_path, payload)
            placed.add(payload)
            try:
                came_out = self._swap_in(temp)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)  # still ours: nothing came out into it
                raise
            if not came_out:
                break  # there was no auth.json: ours is simply there now
            # From here temp holds what was live; on any failure it stays for recovery.
            if not temp.is_symlink():  # a dotfile manager's link: its file is not ours to chmod
                os.chmod(temp, 0o600)
            _sync_folder(self.live_path.parent)
            try:
                out: AuthFile | None = _read_whole(temp, shown, _SETTLE_LIMIT)
            except SwitchRefused:
                out = self.live  # it never became whole: save the copy read for the checks
            if out is not None and out.raw in placed:
                temp.unlink()  # only what we put there a moment ago came out
                break
            if out is not None:
                more = _save_login(out, self.folders, self.chosen.path.parent, self.chosen.path)
                saved = _Saved(more.back or saved.back, more.new or saved.new)
            os.replace(temp, self.backup)
            backup = self.backup
            _sync_folder(self.live_path.parent)
            if out is None or not self._same_account(out) or not _older(self.chosen, out):
                break
            payload = out.raw  # a newer copy of the chosen account was live: that one goes back
        return SwitchResult(self.chosen.label, saved.back, saved.new, backup, False, rescued)

    def _swap_in(self, temp: Path) -> bool:
        """Put temp at auth.json; True when the file that was there is now at temp."""
        for _ in range(_ATTEMPTS):
            try:
                atomic_swap.exchange(temp, self.live_path)
            except FileNotFoundError:
                if self._place_if_absent(temp):
                    return False
                continue  # auth.json appeared meanwhile: exchange with it
            return True
        raise SwitchRefused(f"{self.paths.display(self.live_path)} kept appearing and vanishing")

    def _place_if_absent(self, temp: Path) -> bool:
        """Rename temp to auth.json unless one exists by now (a hard link cannot replace)."""
        try:
            os.link(temp, self.live_path)
        except FileExistsError:
            return False
        except OSError:  # a filesystem without hard links: a rename is the best left
            os.replace(temp, self.live_path)
            return True
        os.unlink(temp)
        return True

    def by_checked_rename(self, rescued: tuple[Path, ...]) -> SwitchResult:
        """No exchange here: save the live login, read it again, rename only if unchanged.

        A writer can still slip in between the last read and the rename; that is why this
        is only the fallback.
        """
        shown = self.paths.display(self.live_path)
        temp = _write_temp(self.live_path, self.chosen.raw)
        saved, backup = _Saved(), None
        try:
            for _ in range(_ATTEMPTS):
                if not self.live_path.exists() and self._place_if_absent(temp):
                    return SwitchResult(self.chosen.label, None, None, None, False, rescued)
                try:
                    before = read_auth(self.live_path, shown)
                except SwitchRefused:
                    time.sleep(_PAUSE)  # being written in place, or it just vanished
                    continue
                more = _save_login(before, self.folders, self.chosen.path.parent, self.chosen.path)
                saved = _Saved(more.back or saved.back, more.new or saved.new)
                if self._same_account(before) and _older(self.chosen, before):
                    # The chosen account is live with newer tokens than its saved copy, which
                    # now holds them too: nothing to put in place.
                    return SwitchResult(self.chosen.label, saved.back, None, None, True, rescued)
                atomic_write(self.backup, before.raw)
                backup = self.backup
                with contextlib.suppress(SwitchRefused):
                    if read_auth(self.live_path, shown).raw == before.raw:
                        os.replace(temp, self.live_path)
                        _sync_folder(self.live_path.parent)
                        return SwitchResult(
                            self.chosen.label, saved.back, saved.new, backup, False, rescued
                        )
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        raise SwitchRefused(
            f"{shown} kept changing while switching; its newest login was saved, "
            "nothing was put in place. Try again"
        )


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
    for path in result.rescued:
        parts.append(f"a login left by an interrupted switch was saved to {paths.display(path)}")
    return "; ".join(parts)
