"""The Codex switch as its two front ends use it: the command line's --activate and the app's
enter/confirm. Where the files are, which account may be switched to, what to ask, the switch
itself and its description are decided here once; the front ends only word the outcome.

The core reaches this through Provider.switcher() and never asks which provider it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from providers.base import Account, DiscoveryContext, SwitchRefused
from providers.codex.provider import SAVED_SUFFIX, saved_account_dirs
from providers.codex.switch import (
    activate,
    describe,
    find_saved,
    name_problem,
    recover_leftovers,
    saved_names,
)
from providers.kit.paths import Paths

__all__ = ["CodexSwitcher", "SwitchRefused"]


@dataclass(frozen=True)
class CodexSwitcher:
    """Makes a saved Codex account (`<name>.auth.json`) the Codex CLI's login."""

    # The tool whose login is switched, as the messages name it.
    tool: str = "Codex CLI"
    title: str = "Switch Codex account"

    def context(
        self, paths: Paths, settings: Mapping[str, Any], account_dirs: Sequence[Path]
    ) -> DiscoveryContext:
        """Where the switch reads and writes: the config's and --account-dir's folders."""
        return DiscoveryContext(paths=paths, settings=settings, account_dirs=tuple(account_dirs))

    def folders(self, context: DiscoveryContext) -> list[Path]:
        return saved_account_dirs(context)

    def name_problem(self, name: str) -> str | None:
        """Why NAME cannot be a saved account's name (`../../x`), before any lookup."""
        return name_problem(name)

    def find(self, name: str, context: DiscoveryContext) -> Path | None:
        return find_saved(name, self.folders(context))

    def names(self, context: DiscoveryContext) -> list[str]:
        return saved_names(self.folders(context))

    def refusal(self, account: Account) -> str | None:
        """Why this account cannot be switched to, or None when it can."""
        if account.active:
            return f"'{account.label}' is already the {self.tool}'s account."
        if account.path is None or not account.path.name.endswith(SAVED_SUFFIX):
            return "Only saved accounts (account/<name>.auth.json) can be switched to."
        return None

    def question(self, account: Account, *, demo: bool) -> str:
        """What the confirmation asks before the switch."""
        body = (
            f"Make '{account.label}' the {self.tool}'s login?\n\n"
            "The current login is saved back to its account file first (or saved as a new "
            "one), and the old auth.json is kept as auth.json.bak."
        )
        if demo:
            body += (
                "\n\nThis is the demo: the switch runs on sample files in a temporary folder, "
                "never on your own ~/.codex."
            )
        return body

    def activate(self, chosen: Path, context: DiscoveryContext, now: datetime | None = None) -> str:
        """Switch to the saved file CHOSEN and say what was done. Raises SwitchRefused (nothing
        written; the message says why) or OSError (the switch stopped)."""
        result = activate(chosen, context.paths, self.folders(context), now)
        return describe(result, context.paths)

    def recover(self, context: DiscoveryContext) -> tuple[Path, ...]:
        """Temp files of an interrupted switch may hold the newest tokens: saved or removed."""
        return recover_leftovers(context.paths, self.folders(context))
