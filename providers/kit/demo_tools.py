"""Small helpers shared by the demo data modules."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from providers.base import Account
from providers.kit.secrets import Secret

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


def copy_label(label: str, copy: int) -> str:
    """A demo account's label in copy `copy` (benchmarks grow the demo): x, x-2, x-3, …"""
    return label if copy == 0 else f"{label}-{copy + 1}"


def demo_token(prefix: str, key: str, copy: int) -> str:
    """An OAuth-style demo token that names its account (`key`) and copy, for the server."""
    return f"{prefix}{key}-{copy:04d}-Zm9yLWRlbW8tb25seQ"


def token_key(token: str, prefix: str) -> str | None:
    """The account key a demo_token() names, None for a token not made with `prefix`."""
    if not token.startswith(prefix):
        return None
    return token.removeprefix(prefix).split("-", 1)[0]


Answer = TypeVar("Answer")


@dataclass(frozen=True)
class DemoKey(Generic[Answer]):
    """A demo account that holds an API key, and what the demo server answers it with."""

    provider: str
    label: str
    source: str
    answer: Answer


class DemoKeys(Generic[Answer]):
    """One module's API-key demo accounts: their keys, their Accounts, whose key a request holds.

    A key spells its account's provider (unless `with_provider` is off) and name in hex, then
    the copy: `<prefix><provider>-<name hex>-<copy>.0123456789abcdef`.
    """

    def __init__(
        self, prefix: str, keys: tuple[DemoKey[Answer], ...], *, with_provider: bool = True
    ) -> None:
        self.prefix = prefix
        self.keys = keys
        self.with_provider = with_provider

    def _stem(self, demo: DemoKey[Answer]) -> str:
        provider = f"{demo.provider}-" if self.with_provider else ""
        return f"{self.prefix}{provider}{key_part(demo.label)}-"

    def key(self, demo: DemoKey[Answer], copy: int) -> str:
        return f"{self._stem(demo)}{copy}.0123456789abcdef"

    def accounts(self, copy: int) -> list[Account]:
        return [
            Account(
                provider=demo.provider,
                label=copy_label(demo.label, copy),
                source=demo.source,
                secret=Secret(self.key(demo, copy)),
            )
            for demo in self.keys
        ]

    def owner(self, key: str) -> DemoKey[Answer] | None:
        """The demo account whose key (in any copy) `key` is, None for a stranger's."""
        return next((demo for demo in self.keys if key.startswith(self._stem(demo))), None)
