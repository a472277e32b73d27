"""Small helpers shared by the demo data modules."""

from __future__ import annotations

import base64
import json
from typing import Any

HOUR = 3600
DAY = 24 * HOUR


def fake_jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT-shaped string: enough for the offline expiry and e-mail checks."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.ZGVtby1zaWduYXR1cmU"


def key_part(name: str) -> str:
    """A name as it goes into a demo key: hex, so no run of the key reads like the name.

    The scrubber masks any 12 characters of a known secret, even across spaces; a key that
    spelt out its account's name would mask that name (and its neighbours) in every table.
    """
    return name.encode().hex()
