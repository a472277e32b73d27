"""[alerts] in config.toml: which alerts fire, and how they reach you.

Unlike the rest of the config, a bad value here is a warning and its default, never an exit:
alerts are an extra, and a typo in one must not stop `--once` in a cron job from answering.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

NOTIFY_CHOICES = ("auto", "terminal", "desktop", "off")
DEFAULT_REMAINING = (50.0, 20.0)
# A threshold is "percent left": above 0 (0 % is `depleted`) and at most 100.
_RULE_FLAGS = ("depleted", "restored", "predictive", "problems")
_GLOBAL_FLAGS = ("bell",)
# More than this many hooks is a config mistake (a loop writing the file), not a wish.
MAX_HOOKS = 16
MAX_ARGV = 64
MAX_ARG_CHARS = 4096


@dataclass(frozen=True)
class Rules:
    """What fires for one provider's accounts."""

    remaining: tuple[float, ...] = DEFAULT_REMAINING  # most left first
    depleted: bool = True
    restored: bool = True
    predictive: bool = False
    problems: bool = True


@dataclass(frozen=True)
class AlertSettings:
    rules: Rules = field(default_factory=Rules)
    providers: Mapping[str, Rules] = field(default_factory=dict)
    bell: bool = True
    notify: str = "auto"
    hooks: tuple[tuple[str, ...], ...] = ()  # each an argv, run without a shell

    def rules_for(self, provider_id: str) -> Rules:
        return self.providers.get(provider_id, self.rules)


def parse_alerts(
    path: Path | str, table: Any, known_providers: Collection[str], warnings: list[str]
) -> AlertSettings:
    """[alerts] as read by tomllib (None when absent) → settings; each problem one warning."""
    if table is None:
        return AlertSettings()
    if not isinstance(table, dict):
        warnings.append(f"{path}: 'alerts' must be a table ([alerts]); default alerts used")
        return AlertSettings()
    where = "[alerts]"
    rules = _rules(path, where, table, Rules(), warnings)
    bell = _flag(path, where, table, "bell", True, warnings)
    notify = table.get("notify", "auto")
    if notify not in NOTIFY_CHOICES:
        choices = ", ".join(f'"{c}"' for c in NOTIFY_CHOICES)
        warnings.append(f'{path}: {where} notify must be one of {choices}; "auto" used')
        notify = "auto"
    known = {"remaining", *_RULE_FLAGS, *_GLOBAL_FLAGS, "notify", "providers", "hook"}
    for key in table:
        if key not in known:
            warnings.append(f"{path}: unknown setting '{key}' in {where} ignored")
    return AlertSettings(
        rules=rules,
        providers=_providers(path, table.get("providers", {}), rules, known_providers, warnings),
        bell=bell,
        notify=notify,
        hooks=_hooks(path, table.get("hook", []), warnings),
    )


def _flag(
    path: Path | str,
    where: str,
    table: Mapping[str, Any],
    key: str,
    default: bool,
    warnings: list[str],
) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        warnings.append(f"{path}: {where} {key} must be true or false; {str(default).lower()} used")
        return default
    return value


def _rules(
    path: Path | str, where: str, table: Mapping[str, Any], base: Rules, warnings: list[str]
) -> Rules:
    rules = base
    if "remaining" in table:
        remaining = _thresholds(table["remaining"])
        if remaining is None:
            shown = ", ".join(f"{t:g}" for t in base.remaining) or "none"
            warnings.append(
                f"{path}: {where} remaining must be a list of percentages above 0 and at most "
                f"100, e.g. [50, 20]; {shown} used"
            )
        else:
            rules = replace(rules, remaining=remaining)
    for key in _RULE_FLAGS:
        if key in table:
            rules = replace(
                rules, **{key: _flag(path, where, table, key, getattr(base, key), warnings)}
            )
    return rules


def _thresholds(value: Any) -> tuple[float, ...] | None:
    """Distinct thresholds, most left first, or None when the value is not such a list."""
    if not isinstance(value, list):
        return None
    found: set[float] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return None
        if not math.isfinite(item) or not 0 < item <= 100:
            return None
        found.add(float(item))
    return tuple(sorted(found, reverse=True))


def _providers(
    path: Path | str,
    table: Any,
    base: Rules,
    known_providers: Collection[str],
    warnings: list[str],
) -> dict[str, Rules]:
    if not isinstance(table, dict):
        warnings.append(
            f"{path}: [alerts] providers must be tables ([alerts.providers.<id>]); ignored"
        )
        return {}
    result: dict[str, Rules] = {}
    for provider_id, overrides in table.items():
        where = f"[alerts.providers.{provider_id}]"
        if provider_id not in known_providers:
            warnings.append(f"{path}: unknown provider {where} ignored")
            continue
        if not isinstance(overrides, dict):
            warnings.append(f"{path}: {where} must be a table; ignored")
            continue
        for key in overrides:
            if key not in ("remaining", *_RULE_FLAGS):
                warnings.append(f"{path}: unknown setting '{key}' in {where} ignored")
        # What a provider's table does not say is what [alerts] says.
        result[provider_id] = _rules(path, where, overrides, base, warnings)
    return result


def _hooks(path: Path | str, tables: Any, warnings: list[str]) -> tuple[tuple[str, ...], ...]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        warnings.append(f"{path}: alert hooks must be tables written [[alerts.hook]]; none used")
        return ()
    hooks: list[tuple[str, ...]] = []
    for number, table in enumerate(tables, start=1):
        where = f"[[alerts.hook]] number {number}"
        for key in table:
            if key != "command":
                warnings.append(f"{path}: unknown setting '{key}' in {where} ignored")
        command = table.get("command")
        if not _is_argv(command):
            warnings.append(
                f'{path}: {where} command must be a list of strings, e.g. ["notify-send", '
                '"aiquota"] (run without a shell); this hook is not used'
            )
            continue
        if len(hooks) == MAX_HOOKS:
            warnings.append(f"{path}: more than {MAX_HOOKS} [[alerts.hook]]; the rest ignored")
            break
        hooks.append(tuple(command))
    return tuple(hooks)


def _is_argv(command: Any) -> bool:
    return (
        isinstance(command, list)
        and 0 < len(command) <= MAX_ARGV
        and all(isinstance(arg, str) and "\x00" not in arg for arg in command)
        and all(len(arg) <= MAX_ARG_CHARS for arg in command)
        and bool(command[0].strip())
    )
