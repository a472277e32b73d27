"""[providers.<id>] auto_switch and its numbers, checked once with a sentence per problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_BELOW = 10.0
DEFAULT_TARGET_MIN = 30.0
DEFAULT_COOLDOWN = 900.0
# A year: longer is no cooldown but "never", and past about 10**14 s no timedelta holds it.
MAX_COOLDOWN = 365 * 86400.0


@dataclass(frozen=True)
class SwitchRules:
    enabled: bool = False
    below: float = DEFAULT_BELOW  # switch when the active account has less left than this
    target_min: float = DEFAULT_TARGET_MIN  # a target needs at least this in both windows
    cooldown: float = DEFAULT_COOLDOWN  # seconds between automatic switches


def _percent(settings: Mapping[str, Any], key: str, default: float, problems: list[str]) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        problems.append(f"{key} must be a percentage from 0 to 100; {default:g} is used")
        return default
    return float(value)


def switch_rules(settings: Mapping[str, Any]) -> tuple[SwitchRules, list[str]]:
    problems: list[str] = []
    below = _percent(settings, "switch_below", DEFAULT_BELOW, problems)
    target = _percent(settings, "switch_target_min", DEFAULT_TARGET_MIN, problems)
    cooldown = settings.get("switch_cooldown", DEFAULT_COOLDOWN)
    if (
        isinstance(cooldown, bool)
        or not isinstance(cooldown, int | float)
        or not 0 <= cooldown <= MAX_COOLDOWN  # also nan and inf, which TOML allows
    ):
        problems.append(
            f"switch_cooldown must be seconds, 0 to {MAX_COOLDOWN:.0f}; {DEFAULT_COOLDOWN:g} is used"
        )
        cooldown = DEFAULT_COOLDOWN
    if target <= below:
        problems.append(
            f"switch_target_min ({target:g}) should be above switch_below ({below:g}), "
            "or a switch could land on an account that is about to switch back"
        )
    enabled = settings.get("auto_switch") is True
    return SwitchRules(enabled, below, target, float(cooldown)), problems
