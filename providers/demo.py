"""Sample accounts and a fake transport for --demo.

The answers are served to the real provider code through httpx.MockTransport, so the
demo exercises the same fetch and parse path as real use, with no credentials and no
network. Times are made relative to the moment of each request so countdowns move.
Each provider names its sample data (Provider.demo: modules such as providers/codex/demo.py) with
two functions:
`accounts(now, copy)` and `answer(request, now)` (None when the request is not its own), and
optionally `write_files(accounts, paths, now)` for logins that live in files the app may write
(see Sandbox).
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx

from providers.base import Account, DiscoveryContext, Provider, name_the_unnamed
from providers.kit.demo_tools import fake_jwt
from providers.kit.paths import Paths
from providers.registry import PROVIDERS

__all__ = ["Clock", "Sandbox", "accounts", "fake_jwt", "transport", "wall_clock"]


def demo_modules(providers: Sequence[Provider]) -> list[ModuleType]:
    """The demo modules the providers declare (Provider.demo), each once, in their order: a
    module may serve several providers (zhipu's answers for zhipu and zai)."""
    names = dict.fromkeys(name for provider in providers for name in provider.demo)
    return [importlib.import_module(name) for name in names]


Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def accounts(
    providers: list[Provider], *, copies: int = 1, clock: Clock = wall_clock
) -> list[tuple[Provider, Account]]:
    """The demo accounts of the given providers; `copies` > 1 grows the demo for benchmarks."""
    now = clock().timestamp()
    by_id = {provider.id: provider for provider in providers}
    pairs = []
    for module in demo_modules(providers):
        for copy in range(max(1, copies)):
            for account in module.accounts(now, copy):
                if account.provider in by_id:
                    pairs.append((by_id[account.provider], account))
    return pairs


def transport(clock: Clock = wall_clock) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        now = clock().timestamp()
        # Every provider's answers, selected or not: the demo never reaches the network.
        for module in demo_modules(PROVIDERS):
            response = module.answer(request, now)
            if response is not None:
                return response
        return httpx.Response(404, json={"detail": "no demo answer for this path"})

    return httpx.MockTransport(handle)


Pairs = list[tuple[Provider, Account]]


class Sandbox:
    """The demo's file-backed logins as real files in a private temporary folder.

    The Codex switch rewrites auth.json and the saved account files. In the demo those files are
    built from the sample tokens inside this folder (its HOME and working folder are here), so
    discovery and the switch run their real code end to end on sample data and can never reach
    the user's own files. close() removes the folder; should it never run, Python removes the
    folder at exit.
    """

    def __init__(self, pairs: Sequence[tuple[Provider, Account]], clock: Clock = wall_clock):
        self._folder = tempfile.TemporaryDirectory(prefix="aiquota-demo-")
        root = Path(self._folder.name)
        (root / "home").mkdir()
        (root / "work").mkdir()
        self.paths = Paths({"HOME": str(root / "home")}, root / "work")
        accounts = [account for _, account in pairs]
        now = clock().timestamp()
        self.file_backed: set[str] = set()
        for module in demo_modules(PROVIDERS):
            writer = vars(module).get("write_files")
            if writer is not None:
                self.file_backed |= writer(accounts, self.paths, now)

    @property
    def root(self) -> Path:
        return Path(self._folder.name)

    def context(self) -> DiscoveryContext:
        """Discovery (and the switch) inside the sandbox, with no settings from the user's config."""
        return DiscoveryContext(paths=self.paths)

    def discover(self, pairs: Sequence[tuple[Provider, Account]]) -> Pairs:
        """The demo's pairs, each file-backed provider's accounts read from the sandbox by that
        provider's real discovery, in place of the in-memory ones."""
        result: Pairs = []
        done: set[str] = set()
        for provider, account in pairs:
            if provider.id not in self.file_backed:
                result.append((provider, account))
            elif provider.id not in done:
                done.add(provider.id)
                found = name_the_unnamed(provider.discover(self.context()))
                result.extend((provider, each) for each in found)
        return result

    def close(self) -> None:
        self._folder.cleanup()
