"""PROVIDERS.md §0's window-id rules as one check over one account's windows, for snapshots and
for the --json document alike: ids unique, `binding` on at most one window and that one first,
and an id that names a length naming the window's real length."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.kit.window_ids import length_id
from providers.model import Window

# Ids that name a length (§0): the standard ones and `<n>m` / `<n>h` / `<n>d`.
_STANDARD_LENGTH_IDS = {"hourly", "five_hour", "daily", "weekly", "monthly"}
_LENGTH_ID = re.compile(r"\d+[mhd]")
# The `_2`, `_3`, … that unique_windows adds to a distinct window under a taken id.
_REPEAT_SUFFIX = re.compile(r"_\d+$")


@dataclass(frozen=True)
class Shown:
    """What the rules look at in a window, from a Window or from the JSON document."""

    id: str
    seconds: int | None
    binding: bool


def shown(windows: Iterable[Window | Mapping[str, Any]]) -> list[Shown]:
    result = []
    for window in windows:
        if isinstance(window, Window):
            result.append(Shown(window.id, window.window_seconds, window.binding))
        else:
            result.append(Shown(window["id"], window["window_seconds"], window["binding"]))
    return result


def length_part(window_id: str) -> str | None:
    """The part of an id that names a length, or None when it names none: `weekly`,
    `spark:five_hour_2` → `five_hour`, `mcp:9h` → `9h`; `premium_interactions` → None."""
    part = _REPEAT_SUFFIX.sub("", window_id.rsplit(":", 1)[-1])
    if part in _STANDARD_LENGTH_IDS or _LENGTH_ID.fullmatch(part):
        return part
    return None


def window_problems(windows: Iterable[Window | Mapping[str, Any]]) -> list[str]:
    """Every way one account's windows break §0's id rules, as sentences; [] when none."""
    items = shown(windows)
    problems = []
    ids = [item.id for item in items]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        problems.append(f"window ids repeat: {repeated}")
    bound = [index for index, item in enumerate(items) if item.binding]
    if bound not in ([], [0]):
        problems.append(f"binding must be on at most one window, the first: at {bound}")
    for item in items:
        named = length_part(item.id)
        if named is None or item.seconds is None:
            continue
        real = length_id(item.seconds)[0]
        if named != real:
            problems.append(f"{item.id!r} is {item.seconds} s long, which §0 calls {real!r}")
    return problems
