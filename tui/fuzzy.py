"""Fuzzy matching for the account picker: letters in order, rewarding runs and word starts."""

from __future__ import annotations


def score(query: str, text: str) -> float | None:
    """A score (higher is better) when every query letter appears in text in order, else None."""
    query = query.lower().replace(" ", "")
    if not query:
        return 0.0
    haystack = text.lower()
    position = -1
    total = 0.0
    previous = -2
    for char in query:
        position = haystack.find(char, position + 1)
        if position < 0:
            return None
        total += 1.0
        if position == previous + 1:
            total += 2.0  # consecutive letters: "wor" in "work"
        if position == 0 or not haystack[position - 1].isalnum():
            total += 3.0  # the start of a word: "cw" in "codex work"
        previous = position
    return total - 0.01 * len(haystack)


def rank(query: str, candidates: list[tuple[str, str]]) -> list[str]:
    """Keys of the (key, text) candidates that match, best first; all of them for no query."""
    scored = [(score(query, text), index, key) for index, (key, text) in enumerate(candidates)]
    matching = [(s, index, key) for s, index, key in scored if s is not None]
    matching.sort(key=lambda item: (-item[0], item[1]))
    return [key for _, _, key in matching]
