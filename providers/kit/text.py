"""Text from outside made safe to show: no terminal controls, no reordering, bounded length.

A plan name, a login, a limit name, a server's message or a file name is data. Written raw
to a terminal, ESC, the other C0 and C1 controls (U+009B is a one-byte CSI) and DEL can
retitle the window, clear the screen or write the clipboard (OSC 52); bidi overrides make
a line read differently from what it holds. `clean_text` is applied once, where a snapshot
(or an account) is built, so every front end gets clean strings and none has to remember.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 200
# Messages (our sentence and remedy around a quote of up to 120 characters) and paths.
LONG_TEXT_LIMIT = 400
REPLACEMENT = "\ufffd"  # visible, so a reader sees that something was there

# Line and tab controls become spaces: they only lay text out, and a value is one line.
_LAYOUT = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]")
# Everything else that is not text: C0 and C1 controls, DEL; the bidi embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069) and the marks that reorder neutrals around them
# (U+200E, U+200F, U+061C); lone surrogates, which a JSON "\ud800" yields and no stream can
# encode. Zero-width joiners and the like stay: they neither control nor reorder anything.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # a regex class body
_UNSAFE = re.compile(f"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f{BIDI_CONTROLS}\ud800-\udfff]")


def clean_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """One line of printable text of at most `limit` characters (the last one an ellipsis)."""
    if not (text.isascii() and text.isprintable()):  # the common case costs two C scans
        text = _UNSAFE.sub(REPLACEMENT, _LAYOUT.sub(" ", text))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
