"""Where other tools keep their files, always relative to the environment.

Nothing here reads a fixed absolute path: HOME, XDG_*, CODEX_HOME and friends decide,
so tests (and users with unusual setups) can point everything at another folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# The variables that decide where other tools keep their files, for every provider alike.
PATH_VARIABLES = (
    "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "CODEX_HOME", "CLAUDE_CONFIG_DIR",
    "OPENCODE_CONFIG_DIR", "APPDATA",
)  # fmt: skip


class Paths:
    def __init__(self, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.cwd = cwd if cwd is not None else Path.cwd()

    def _dir_from_env(self, name: str) -> Path | None:
        value = self.env.get(name, "").strip()
        return self.expand(value) if value else None

    @property
    def home(self) -> Path:
        return self._dir_from_env("HOME") or Path.home()

    def expand(self, value: str | os.PathLike[str]) -> Path:
        """Expand `~` against our HOME (not the process's) and anchor relative paths at cwd."""
        text = os.fspath(value)
        path = self.home / text[2:] if text == "~" or text.startswith("~/") else Path(text)
        return path if path.is_absolute() else self.cwd / path

    @property
    def xdg_config_home(self) -> Path:
        return self._dir_from_env("XDG_CONFIG_HOME") or self.home / ".config"

    @property
    def xdg_data_home(self) -> Path:
        return self._dir_from_env("XDG_DATA_HOME") or self.home / ".local" / "share"

    @property
    def codex_home(self) -> Path:
        return self._dir_from_env("CODEX_HOME") or self.home / ".codex"

    @property
    def claude_config_dir(self) -> Path:
        return self._dir_from_env("CLAUDE_CONFIG_DIR") or self.home / ".claude"

    @property
    def opencode_config_dir(self) -> Path:
        return self._dir_from_env("OPENCODE_CONFIG_DIR") or self.xdg_config_home / "opencode"

    @property
    def opencode_auth_file(self) -> Path:
        return self.xdg_data_home / "opencode" / "auth.json"

    def display(self, path: Path) -> str:
        """A path as a person would write it: relative under cwd, `~` under home.

        The more specific of the two wins: with cwd above home (a test's tmp folder holding
        a home), ~/.codex/auth.json stays `~/.codex/auth.json`, not `home/.codex/auth.json`.
        """
        path = Path(os.path.normpath(path))
        bases = [(self.home, "~/")]
        if self.cwd != self.home:
            bases.append((self.cwd, ""))
        bases.sort(key=lambda base: len(base[0].parts), reverse=True)
        for base, prefix in bases:
            try:
                relative = path.relative_to(base)
            except ValueError:
                continue
            if str(relative) == ".":
                return prefix.rstrip("/") or "."
            return f"{prefix}{relative}"
        return str(path)
