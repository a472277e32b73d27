"""state.toml: what the app remembers between runs (theme, sort, tab, selected account).

Unlike config.toml this file is the app's own: reading it never fails (anything unusable is
simply forgotten) and writing it is atomic (a temporary file in the same folder, fsync'd, then
renamed over the old one), so a crash or a full disk never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

import platformdirs
import tomli_w

from providers.kit.files import read_text

APP_NAME = "aiquota-tui"
STATE_FILE_NAME = "state.toml"
# Larger than any state the app writes by far; anything bigger is not ours.
MAX_STATE_FILE_BYTES = 64 * 1024


@dataclass
class AppState:
    theme: str | None = None
    sort: str | None = None
    tab: str | None = None
    account: str | None = None  # an account key


def default_state_path() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME)) / STATE_FILE_NAME


def load_state(path: Path) -> AppState:
    """The saved state, or a default AppState for anything missing or unusable. Never raises.

    A field of the wrong type (or an empty string) is dropped on its own; unknown keys are
    ignored.
    """
    # Missing, unreadable, not a regular file (a FIFO here must not hang the start), too big,
    # not UTF-8 or empty: all are nothing remembered.
    read = read_text(path, str(path), limit=MAX_STATE_FILE_BYTES)
    if not read.ok:
        return AppState()
    try:
        document = tomllib.loads(read.data)
    except ValueError:  # bad TOML (TOMLDecodeError is one), 5000-digit numbers
        return AppState()
    values = {
        field.name: value
        for field in fields(AppState)
        if isinstance(value := document.get(field.name), str) and value
    }
    return AppState(**values)


def save_state(state: AppState, path: Path) -> str | None:
    """Write the state atomically. Returns None, or a one-sentence message if it failed.

    Fields that are None (or not strings) are left out of the file.
    """
    document = {
        field.name: value
        for field in fields(AppState)
        if isinstance(value := getattr(state, field.name), str)
    }
    data = tomli_w.dumps(document).encode("utf-8")
    temp_name: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
        temp_name = None
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        return f"Could not save the app state to {path}: {reason}."
    finally:
        if temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
    _fsync_folder(path.parent)
    return None


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the platform allows it."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
