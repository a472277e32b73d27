"""API keys from the config file, the environment and OpenCode's auth.json.

Each distinct key is one account; the same key found in two places is one account,
the first place winning (config, then environment, then OpenCode).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from providers.base import DiscoveryContext
from providers.opencode import opencode_entry
from providers.secrets import Secret
from providers.values import as_str


@dataclass(frozen=True)
class FoundKey:
    secret: Secret
    source: str  # "config", "env:NAME" or a path
    label: str


def find_api_keys(
    context: DiscoveryContext,
    *,
    env_names: Sequence[str] = (),
    opencode_keys: Sequence[str] = (),
    opencode_field: str = "key",
) -> list[FoundKey]:
    found: list[FoundKey] = []

    def add(value: str | None, source: str, label: str) -> None:
        value = (value or "").strip()
        if value and all(item.secret.reveal() != value for item in found):
            found.append(FoundKey(Secret(value), source, label))

    add(
        as_str(context.settings.get("key")),
        "config",
        as_str(context.settings.get("name")) or "config",
    )
    for name in env_names:
        add(context.paths.env.get(name), f"env:{name}", "env")
    for key in opencode_keys:
        entry, shown, _ = opencode_entry(context.paths, key)
        if entry is not None:
            add(as_str(entry.get(opencode_field)), shown, "opencode")
    return found
