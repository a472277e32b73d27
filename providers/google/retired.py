"""Gemini CLI's end for consumer accounts (PROVIDERS.md §5, Changes in 2026). Pure.

Since 2026-06-18 Gemini CLI OAuth no longer serves individual (free), Google AI Pro and Ultra
accounts; Antigravity replaced it. Google says so in a 403 (a 400 from the token refresh) whose
body names `IneligibleTierError` or `UNSUPPORTED_CLIENT`, says "no longer supported" about
"Gemini Code Assist", or asks to migrate to Antigravity; or in a loadCodeAssist answer with no
current tier and an ineligible tier whose reason code is `UNSUPPORTED_CLIENT`. That is not "no
access or wrong project": the account has to move to the `antigravity` provider.

The words may sit anywhere in the body: `error.message`, `error.status`, `error.details[]`
(`reason`, `metadata`), an OAuth `error_description`, the body as a bare string, or JSON text
inside any of those (gemini-cli quotes whole error bodies inside its messages), so every string
of the body is read, to a bounded depth and size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from providers.kit.http import FetchError
from providers.kit.values import as_dict, as_list, as_str
from providers.model import Status

MESSAGE = (
    "Google stopped serving Gemini CLI quota to individual, AI Pro and Ultra accounts on "
    "2026-06-18: track this account with the `antigravity` provider (sign in to Antigravity)"
)

_CODES = re.compile(r"ineligible[\s_-]*tier[\s_-]*error|unsupported[\s_-]*client", re.I)
_NO_LONGER = re.compile(r"no\s+longer\s+supported", re.I)
_CODE_ASSIST = re.compile(r"gemini\s+code\s+assist", re.I)
# "migrate to Antigravity", and with a few words between: "migrate your account to the
# Antigravity CLI", "switch over to Antigravity".
_MIGRATE = re.compile(
    r"\b(?:migrat\w*|mov(?:e|ing)|switch(?:ing)?|transition\w*|upgrad\w*)"
    r"(?:\s+[\w'-]+){0,4}?\s+to\s+(?:the\s+)?antigravity",
    re.I,
)
# Enough for any real error body (a few hundred characters, nested once or twice); a hostile
# one cannot make this walk long.
_MAX_DEPTH = 8
_MAX_TEXT = 64 * 1024
_MAX_STRINGS = 512


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every key and string in `value`, JSON text within strings unpacked, bounded."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        text = value[:_MAX_TEXT]
        yield text
        stripped = text.strip()
        if stripped[:1] in ("{", "[", '"'):
            try:
                inner = json.loads(stripped)
            except ValueError:
                return
            if inner != text:
                yield from _strings(inner, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)[:_MAX_TEXT]
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def _says_retired(text: str) -> bool:
    if _CODES.search(text) or _MIGRATE.search(text):
        return True
    return bool(_NO_LONGER.search(text) and _CODE_ASSIST.search(text))


def names_retirement(body: Any) -> bool:
    """True when an error body says Gemini CLI no longer serves this (consumer) account."""
    for count, text in enumerate(_strings(body)):
        if count >= _MAX_STRINGS:
            return False
        if _says_retired(text):
            return True
    return False


def ineligible_in_load(document: Any) -> bool:
    """loadCodeAssist answered 200 with no current tier and an `UNSUPPORTED_CLIENT` ineligible
    tier: Gemini CLI will not serve this account, so no quota call follows."""
    data = as_dict(document)
    if data is None or as_dict(data.get("currentTier")) is not None:
        return False
    for item in as_list(data.get("ineligibleTiers")):
        tier = as_dict(item) or {}
        code = as_str(tier.get("reasonCode")) or ""
        if re.fullmatch(r"unsupported[\s_-]*client", code, re.I):
            return True
    return False


def retired_error(http_status: int | None = None) -> FetchError:
    return FetchError(Status.FORBIDDEN, MESSAGE, http_status=http_status)
