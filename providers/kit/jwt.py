"""Reading (never verifying) the claims of a JWT, to learn its expiry and owner offline."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from providers.kit.values import as_dict, as_str, epoch_to_datetime


def claims(token: str | None) -> dict[str, Any]:
    """The payload of a JWT as a dict; empty when the token is not a JWT."""
    if not token:
        return {}
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def expiry(token: str | None) -> datetime | None:
    return epoch_to_datetime(claims(token).get("exp"))


def email(token: str | None) -> str | None:
    """The e-mail in an OpenAI id_token (top level) or access token (profile claim)."""
    payload = claims(token)
    profile = as_dict(payload.get("https://api.openai.com/profile")) or {}
    return as_str(payload.get("email")) or as_str(profile.get("email"))
