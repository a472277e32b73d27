"""Reading other tools' credential files: read-only, size-capped, never a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Real credential files are a few KB; anything bigger is not one of them.
MAX_CREDENTIAL_BYTES = 1_000_000


@dataclass(frozen=True)
class FileRead:
    """The outcome of reading one JSON file: data, or a sentence saying what went wrong."""

    data: Any = None
    problem: str | None = None
    missing: bool = False


def read_json_file(path: Path, shown_as: str) -> FileRead:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CREDENTIAL_BYTES + 1)
    except FileNotFoundError:
        return FileRead(missing=True)
    except IsADirectoryError:
        return FileRead(problem=f"{shown_as} is a folder, not a file")
    except PermissionError:
        return FileRead(problem=f"cannot read {shown_as}: permission denied")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return FileRead(problem=f"cannot read {shown_as}: {reason}")
    if len(raw) > MAX_CREDENTIAL_BYTES:
        return FileRead(problem=f"{shown_as} is larger than 1 MB, not a credential file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return FileRead(problem=f"{shown_as} is not UTF-8 text")
    if not text.strip():
        return FileRead(problem=f"{shown_as} is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # The position is safe to show; the document itself may hold a token.
        return FileRead(
            problem=f"{shown_as} is not valid JSON (line {error.lineno}, column {error.colno})"
        )
    except RecursionError:
        return FileRead(problem=f"{shown_as} is nested too deeply to be a credential file")
    except ValueError:  # an integer of more than 4300 digits, which Python refuses to read
        return FileRead(problem=f"{shown_as} holds a number too long to be a credential file")
    return FileRead(data=data)
