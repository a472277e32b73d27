"""The one place the contract tests learn where a provider keeps its demo: the modules it
declares (Provider.demo), as providers/demo.py reads them.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from providers import demo
from providers.base import Account, Provider


class Demo(Protocol):
    """What a demo module offers: sample accounts and the answers to their requests."""

    def accounts(self, now: float, copy: int) -> list[Account]: ...

    def answer(self, request: httpx.Request, now: float) -> httpx.Response | None: ...


class _Modules:
    """Several demo modules as one (Antigravity's accounts come from two: OAuth and the cache)."""

    def __init__(self, provider_id: str, modules: list[Any]) -> None:
        self.provider_id = provider_id
        self.modules = modules

    def accounts(self, now: float, copy: int) -> list[Account]:
        found = [account for module in self.modules for account in module.accounts(now, copy)]
        return [account for account in found if account.provider == self.provider_id]

    def answer(self, request: httpx.Request, now: float) -> httpx.Response | None:
        for module in self.modules:
            response = module.answer(request, now)
            if response is not None:
                return response
        return None


def demo_of(provider: Provider) -> Demo:
    """The provider's demo: its sample accounts and the answers to their requests."""
    modules = demo.demo_modules([provider])
    if not modules:
        raise LookupError(f"provider {provider.id!r} has no demo: every provider must ship one")
    return _Modules(provider.id, modules)
