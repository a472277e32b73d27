"""The `aiquota-tui` command: a named command (`status`, `history`, `check`, `serve`) or the app.

Nothing heavy is imported here: `aiquota-tui status` runs every second from tmux's status line
and must not pay for Textual or httpx, so each command's module is imported only when named.
"""

from __future__ import annotations

import importlib
import signal
import sys

# command → module with `entry_point(argv: list[str]) -> None` (it exits with the code)
COMMANDS: dict[str, str] = {
    "status": "tui.commands.status",
    "serve": "tui.commands.serve",
    "check": "tui.commands.check",
    "history": "tui.commands.history",
}
# Commands that stop cleanly (exit 0) on SIGTERM from their first instant: a service manager
# may stop `serve` while it is still importing, before its own handler is in place.
STOP_ON_SIGTERM = {"serve"}


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def entry_point() -> None:
    argv = sys.argv[1:]
    module_name = COMMANDS.get(argv[0]) if argv else None
    if module_name is None:
        from tui.cli import entry_point as app_entry  # the app, --once, --json, --activate

        app_entry()
        return
    if argv[0] in STOP_ON_SIGTERM:
        signal.signal(signal.SIGTERM, _stop)
    module = importlib.import_module(module_name)
    module.entry_point(argv[1:])
