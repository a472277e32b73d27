"""The terminal's own notifications: the bell, OSC 777 and OSC 9, passed through tmux.

These go to the controlling terminal (/dev/tty), never to stdout, so `--json | jq` stays
clean and a cron job (no terminal) simply skips them. In the app Textual owns the terminal,
and the app hands its own writer instead (RunContext.terminal), so an escape sequence never
lands in the middle of one of Textual's.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping

from providers.kit.text import clean_text

BEL = "\a"
ESC = "\x1b"
ST = ESC + "\\"
TITLE_LIMIT = 80
BODY_LIMIT = 300


class NoTerminal(Exception):
    """There is no controlling terminal to write to (cron, a service): nothing to report."""


def _field(text: str, limit: int) -> str:
    """Outside text made inert inside an OSC string: no control character (BEL or ESC would
    end it early and let the rest act), and no `;`, which separates OSC 777's fields."""
    return clean_text(text, limit).replace(";", ",")


def osc_777(title: str, body: str) -> str:
    """rxvt-unicode's notification, also understood by foot, Ghostty, WezTerm and others."""
    return f"{ESC}]777;notify;{_field(title, TITLE_LIMIT)};{_field(body, BODY_LIMIT)}{BEL}"


def osc_9(title: str, body: str) -> str:
    """iTerm2's notification (also Kitty's and Windows Terminal's), one message."""
    return f"{ESC}]9;{_field(title, TITLE_LIMIT)}: {_field(body, BODY_LIMIT)}{BEL}"


def tmux_passthrough(sequence: str) -> str:
    """Inside tmux a sequence reaches the outer terminal only wrapped in DCS tmux; … ST with
    every ESC in it doubled (and `set -g allow-passthrough on` in tmux 3.3 and later)."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def inside_tmux(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("TMUX"))


def notification(title: str, body: str, *, tmux: bool) -> str:
    """Both notifications: terminals each understand one of them and ignore the other."""
    sequences = (osc_777(title, body), osc_9(title, body))
    if tmux:
        return "".join(tmux_passthrough(sequence) for sequence in sequences)
    return "".join(sequences)


_NO_TERMINAL_ERRNOS = {"ENXIO", "ENOENT", "ENODEV", "ENOTTY", "EACCES", "EPERM"}


def open_tty() -> int:
    """A descriptor on the controlling terminal, opened for writing without becoming ours
    and without blocking (a terminal stopped with Ctrl-S must not hang a cron job).
    Raises NoTerminal when there is none."""
    if os.name == "nt":
        raise NoTerminal
    flags = (
        os.O_WRONLY
        | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        return os.open("/dev/tty", flags)
    except OSError as error:
        if errno.errorcode.get(error.errno or 0) in _NO_TERMINAL_ERRNOS:
            raise NoTerminal from None
        raise


def write_tty(text: str) -> None:
    """Write `text` to the controlling terminal. NoTerminal when there is none; OSError when
    writing fails (a full or stopped terminal)."""
    descriptor = open_tty()
    try:
        data = text.encode("utf-8", "replace")
        while data:
            written = os.write(descriptor, data)
            data = data[written:]
    finally:
        os.close(descriptor)
