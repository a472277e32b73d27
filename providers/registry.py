"""The providers, in the order the contract lists them (that is also the display order)."""

from __future__ import annotations

from providers.balances.provider import DeepSeekProvider, MoonshotProvider, OpenRouterProvider
from providers.base import Provider
from providers.claude.provider import ClaudeProvider
from providers.codex.provider import CodexProvider
from providers.copilot.provider import CopilotProvider
from providers.google.antigravity import AntigravityProvider
from providers.google.gemini import GeminiProvider
from providers.nanogpt.provider import NanoGptProvider
from providers.newapi.provider import NewApiProvider
from providers.zhipu.provider import ZaiProvider, ZhipuProvider

PROVIDERS: tuple[Provider, ...] = (
    CodexProvider(),
    ClaudeProvider(),
    CopilotProvider(),
    ZhipuProvider(),
    ZaiProvider(),
    GeminiProvider(),
    AntigravityProvider(),
    NanoGptProvider(),
    NewApiProvider(),
    OpenRouterProvider(),
    DeepSeekProvider(),
    MoonshotProvider(),
)

BY_ID: dict[str, Provider] = {provider.id: provider for provider in PROVIDERS}


def provider_settings() -> dict[str, dict[str, type | tuple[type, ...]]]:
    """The config keys each provider accepts in [providers.<id>], beyond base_url."""
    return {provider.id: dict(provider.settings) for provider in PROVIDERS}


def select(ids: list[str] | None) -> list[Provider]:
    """The chosen providers in registry order; all of them when none are named."""
    if not ids:
        return list(PROVIDERS)
    wanted = set(ids)
    return [provider for provider in PROVIDERS if provider.id in wanted]
