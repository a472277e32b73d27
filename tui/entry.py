"""The `aiquota-tui` command: a named command (`status`, `history`, `check`, `serve`) or the app.

Nothing heavy is imported here: `aiquota-tui status` runs every second from tmux's status line
and must not pay for Textual or httpx, so each command's module is imported only when named.
"""

from __future__ import annotations

import importlib
import sys

# command → module with `main(argv: list[str]) -> int`
# command → module with `entry_point(argv: list[str]) -> None` (it exits with the code)
COMMANDS: dict[str, str] = {
    "status": "tui.commands.status",
    "serve": "tui.commands.serve",
    "check": "tui.commands.check",
    "history": "tui.commands.history",
}


def entry_point() -> None:
    argv = sys.argv[1:]
    module_name = COMMANDS.get(argv[0]) if argv else None
    if module_name is None:
        from tui.cli import entry_point as app_entry  # the app, --once, --json, --activate

        app_entry()
        return
    module = importlib.import_module(module_name)
    module.entry_point(argv[1:])
