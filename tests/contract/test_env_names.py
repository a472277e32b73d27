"""Every environment variable a provider reads is declared (Provider.env_names): conftest.py
keeps each declared one away from the tests, so an undeclared one could let a developer's real
key reach a test (and the real service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from contract_checks import every_provider

from providers.base import DiscoveryContext, Provider
from providers.kit.paths import PATH_VARIABLES, Paths


class RecordingEnv(dict[str, str]):
    """An environment that remembers every name it was asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


@pytest.mark.parametrize("provider", every_provider(), ids=lambda p: p.id)
def test_discovery_reads_only_the_variables_it_declares(provider: Provider, home: Path) -> None:
    # Every declared variable set, so discovery goes on to read whatever follows from them.
    env = RecordingEnv({"HOME": str(home), **dict.fromkeys(provider.env_names, "x" * 24)})
    provider.discover(DiscoveryContext(paths=Paths(env, home), settings={}))
    assert env.asked - set(PATH_VARIABLES) <= set(provider.env_names)
