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
