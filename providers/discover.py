"""From settings to work: which accounts to fetch, through which transport, to which origins.

Shared by the full-screen app and --once so both see exactly the same accounts. The settings
come from the config file (tui/config.py), seen here only through `provider(id)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from providers import demo
from providers.base import Account, DiscoveryContext, Provider, name_the_unnamed
from providers.kit.keys import key_commands, run_key_commands
from providers.kit.paths import Paths

NO_ACCOUNTS_HINT = (
    "No accounts found. Credentials are read where Codex, Claude Code, GitHub Copilot, the "
    "Gemini CLI, Antigravity and OpenCode keep them, from API keys in the environment and from "
    "config.toml (the README lists every place). Try `aiquota-tui --demo` to see the dashboard "
    "on sample data."
)


class Config(Protocol):
    """What discovery needs of the config: each provider's settings ([providers.<id>], and the
    instances of a provider that declares InstanceTables)."""

    def provider(self, provider_id: str) -> Mapping[str, Any]: ...


def is_http_origin(url: str) -> bool:
    """http(s)://host[:port]…: anything less would be ignored by the origin override and the
    request would silently go to the real service instead (with the real credential)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class Sources:
    providers: list[Provider]
    pairs: list[tuple[Provider, Account]]
    origins: dict[str, str]
    transport: httpx.AsyncBaseTransport | None
    demo: bool
    account_dirs: tuple[Path, ...] = ()


def origin_overrides(
    providers: Sequence[Provider], config: Config, env: Mapping[str, str]
) -> dict[str, str]:
    """AIQUOTA_<ID>_URL wins over [providers.<id>] base_url."""
    origins: dict[str, str] = {}
    for provider in providers:
        from_env = env.get(f"AIQUOTA_{provider.id.upper()}_URL", "").strip()
        from_file = config.provider(provider.id).get("base_url")
        if from_env or from_file:
            origins[provider.id] = from_env or from_file
    return origins


def bad_origin_overrides(providers: Sequence[Provider], env: Mapping[str, str]) -> list[str]:
    """AIQUOTA_<ID>_URL values that are not an http(s) origin, as sentences.

    Such a value cannot replace anything, and ignoring it would send the real credential to the
    real service while the user (or a test) believes the requests go elsewhere.
    """
    problems = []
    for provider in providers:
        name = f"AIQUOTA_{provider.id.upper()}_URL"
        value = env.get(name, "").strip()
        if value and not is_http_origin(value):
            problems.append(
                f"{name} must be an http:// or https:// origin such as http://127.0.0.1:8123"
            )
    return problems


def discover(
    providers: Sequence[Provider],
    config: Config,
    account_dirs: Sequence[Path],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> list[tuple[Provider, Account]]:
    paths = Paths(os.environ if env is None else env, cwd)
    contexts = [
        DiscoveryContext(
            paths=paths,
            settings=config.provider(provider.id),
            account_dirs=tuple(account_dirs) if provider.accepts_account_dirs else (),
        )
        for provider in providers
    ]
    # Every key_cmd of these providers at once, before any provider asks for its key: one
    # slow password manager then delays discovery by its own time, not by everyone's.
    run_key_commands(command for context in contexts for command in key_commands(context.settings))
    pairs = []
    for provider, context in zip(providers, contexts, strict=True):
        accounts = name_the_unnamed(provider.discover(context))
        pairs.extend((provider, account) for account in accounts)
    return pairs


def build_sources(
    providers: list[Provider],
    config: Config,
    *,
    use_demo: bool,
    account_dirs: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    demo_copies: int = 1,
    clock: demo.Clock | None = None,
) -> Sources:
    env = os.environ if env is None else env
    if use_demo:
        # The demo answers every provider's real URLs in-process; overrides would only miss it.
        clock = clock or demo.wall_clock
        pairs = demo.accounts(providers, copies=demo_copies, clock=clock)
        return Sources(providers, pairs, {}, demo.transport(clock), True)
    return Sources(
        providers,
        discover(providers, config, account_dirs, env),
        origin_overrides(providers, config, env),
        None,
        False,
        tuple(account_dirs),
    )
