"""Leak checks: planted canary secrets searched for in output, in every form they could take.

A secret can leak whole, lowercased (a window id or a slug folds case), or in pieces (a JWT's
payload, a Zhipu key's half after the dot), so each form is searched for; and credential files
are fingerprinted so a test can prove they were only read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

# A "."-separated piece this long is a secret of its own (a Zhipu key's "QwErTy2" half, a JWT's
# payload); a shorter one ("ya29", "1//") would match innocent text.
PIECE = 6


def leaked(text: str, secrets: Mapping[str, str], canary: str | None = None) -> list[str]:
    """The names of the secrets found in `text` (whole, in any case, or a long piece of one),
    plus "canary" when the canary itself shows. An empty list is the only passing answer."""
    folded = text.lower()
    found = []
    for name, secret in secrets.items():
        pieces = [piece for piece in secret.split(".") if len(piece) >= PIECE]
        if secret.lower() in folded:
            found.append(name)
        elif any(piece.lower() in folded for piece in pieces):
            found.append(f"a piece of {name}")
    if canary and canary.lower() in folded:
        found.append("canary")
    return found


def fingerprint(paths: Iterable[Path]) -> dict[Path, tuple[bytes, int, int]]:
    """Each file's bytes, modification time and mode: equal before and after means untouched."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode) for path in paths
    }


def canary_key(canary: str, behaviour: str, tail: str = "") -> str:
    """A key that names the behaviour a hostile test server should show (behaviour_of reads it
    back): the canary, the behaviour, a fixed run, then `tail` (".AbCd" for id.secret keys)."""
    return f"{canary}{behaviour}0123456789abcdef{tail}{len(behaviour)}"


def behaviour_of(key: str, canary: str) -> str:
    """The behaviour a canary_key names."""
    return key.removeprefix(canary).split("0123456789")[0]


# The two one-shot outputs every canary test runs through.
ONCE_AND_JSON = pytest.mark.parametrize("args", [["--once"], ["--once", "--json"]])


def what_was_sent(key: str, canary: str) -> tuple[str, dict[str, str]]:
    """For a hostile server: the behaviour a received canary_key names, and the header that
    echoes the key back."""
    return behaviour_of(key, canary), {"x-echo": key}
