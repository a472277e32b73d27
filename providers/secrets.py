"""The only code that formats a secret.

Tokens travel through the program wrapped in `Secret`, whose str() and repr() are
masked, so an accidental f-string or traceback cannot leak one. Every raw value is
also remembered, and `scrub()` removes any of them (plus anything that looks like a
bearer token) from text before it reaches a screen, a log or an exception message.
"""

from __future__ import annotations

import re

_KNOWN: set[str] = set()
# Shapes of credentials we may meet in text we did not write (server error bodies, OS errors).
_TOKEN_PATTERNS = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"  # JWT
    r"|\b(?:sk|sess|gho|ghu|ghp|github_pat|rt|pk)[-_][A-Za-z0-9_\-]{12,}"  # prefixed keys
    r"|(?i:bearer)\s+[A-Za-z0-9._\-~+/]{12,}=*"
)
_MIN_REMEMBERED = 6  # shorter values are too likely to appear in ordinary words


def mask(value: str | None) -> str:
    """First 4 + **** + last 4; short values are hidden entirely."""
    if not value:
        return ""
    if len(value) < 12:
        return "****"
    return f"{value[:4]}****{value[-4:]}"


def remember(value: str) -> None:
    if value and len(value) >= _MIN_REMEMBERED:
        _KNOWN.add(value)


def scrub(text: str) -> str:
    """Remove every known secret and every token-shaped string from text."""
    if not text:
        return text
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, mask(value))
    return _TOKEN_PATTERNS.sub(lambda match: mask(match.group(0)), text)


class Secret:
    """A credential value that refuses to print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({mask(self._value)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


QUOTE_LIMIT = 120


def quote(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """A service's own words, fit for a status message: scrubbed first (so no cut can split
    a key), on one line, at most `limit` characters."""
    if not text:
        return None
    text = " ".join(scrub(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None
