"""Codex (ChatGPT plans): discovery, the usage answer, the account switch, its demo."""
