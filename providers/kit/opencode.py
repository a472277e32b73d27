"""OpenCode's auth.json: one file holding credentials for many providers.

`$XDG_DATA_HOME/opencode/auth.json` (default ~/.local/share/opencode/auth.json), a JSON
object keyed by provider name ("openai", "anthropic", "github-copilot", "zai-coding-plan", …).
Its problems are nobody's in particular, so a missing or broken file simply yields nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from providers.kit.files import read_json_file
from providers.kit.paths import Paths
from providers.kit.values import as_dict


def opencode_entry(paths: Paths, key: str) -> tuple[dict[str, Any] | None, str, Path]:
    """The entry under `key`, the file as shown to people, and its path."""
    path = paths.opencode_auth_file
    shown = paths.display(path)
    read = read_json_file(path, shown)
    if read.missing or read.problem:
        return None, shown, path
    return as_dict((as_dict(read.data) or {}).get(key)), shown, path
