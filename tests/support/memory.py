"""What a provider remembers between fetches in one process, forgotten: each test (and each
property example) starts as a new process does, so a run depends on its own input alone."""

from __future__ import annotations

from providers.copilot import provider as copilot
from providers.google import cloudcode as google
from providers.kit import secrets


def forget_everything() -> None:
    secrets.forget_all()
    google.clear_memory()  # exchanged OAuth tokens and projects
    copilot._EXCHANGED.clear()  # exchanged session tokens
