"""config.toml: read only, validated strictly, every problem named with its file and place.

The app never writes this file; its own state goes to state.toml (see state.py).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from providers.base import InstanceTables
from providers.discover import is_http_origin
from providers.kit.files import read_text
from providers.registry import PROVIDERS
from tui.alerts.settings import AlertSettings, parse_alerts
from tui.store.schedule import RefreshPolicy

APP_NAME = "aiquota-tui"

# Keys every [providers.<id>] table may hold; providers add their own (Provider.settings).
_COMMON_PROVIDER_KEYS: dict[str, type | tuple[type, ...]] = {"base_url": str}
# Beside these, the [[section]] of every provider that declares InstanceTables.
_TOP_LEVEL_KEYS = {"providers", "refresh", "keys", "alerts", "history"}
_KEY_CHOICES = ("key", "key_env", "key_cmd")
# [refresh]: how often, in seconds, and how many requests at once.
_REFRESH_KEYS: dict[str, tuple[type, ...]] = {"interval": (int, float), "max_in_flight": (int,)}
MIN_INTERVAL = 30
# [history]: whether answers are recorded into the local history database.
_HISTORY_KEYS: dict[str, type] = {"enabled": bool}
# A config of many gateways is a few KB; a bigger file is not one (or is /dev/zero).
MAX_CONFIG_BYTES = 1_000_000


class ConfigError(Exception):
    """The config file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    providers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    refresh: Mapping[str, float] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)
    # Per provider that declares InstanceTables: its [[section]] tables, in the file's order.
    instances: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    # [alerts]: a bad value there is a warning and its default (tui/alerts/settings.py).
    alerts: AlertSettings = field(default_factory=AlertSettings)
    history: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def provider(self, provider_id: str) -> Mapping[str, Any]:
        settings = self.providers.get(provider_id, {})
        if provider_id in self.instances:
            # The provider sees its [[section]] tables as its instances.
            return {**settings, "instances": self.instances[provider_id]}
        return settings

    @property
    def history_enabled(self) -> bool:
        """[history] enabled (default true): whether answers are recorded locally."""
        return bool(self.history.get("enabled", True))

    def refresh_policy(self) -> RefreshPolicy:
        policy = RefreshPolicy()
        if "interval" in self.refresh:
            policy = replace(policy, interval=float(self.refresh["interval"]))
        if "max_in_flight" in self.refresh:
            policy = replace(policy, max_in_flight=int(self.refresh["max_in_flight"]))
        return policy


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


ProviderSettings = Mapping[str, Mapping[str, type | tuple[type, ...]]]


def declared_instance_tables() -> dict[str, InstanceTables]:
    """The [[section]]s the registered providers declare, by provider id."""
    return {p.id: p.instance_tables for p in PROVIDERS if p.instance_tables is not None}


def load_config(
    path: Path | None,
    *,
    explicit: bool,
    known_providers: ProviderSettings | set[str],
    instance_tables: Mapping[str, InstanceTables] | None = None,
) -> Config:
    """Read and check the config. A missing default file is an empty config. The [[section]]s
    are the registered providers' (Provider.instance_tables) unless given."""
    path = path or default_config_path()
    read = read_text(path, str(path), limit=MAX_CONFIG_BYTES, what="a config file")
    if read.missing:
        if explicit:
            raise ConfigError(f"{path}: no such config file")
        return Config(path=None)
    if not (read.ok or read.empty):  # an empty file is an empty config
        raise ConfigError(f"{path}: {read.reason}")
    text = read.data
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message already says "(at line N, column M)".
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise ConfigError(f"{path}: invalid TOML: {too_long_number(text)}") from None
    if instance_tables is None:
        instance_tables = declared_instance_tables()
    return _validate(path, document, known_providers, instance_tables)


def too_long_number(text: str) -> str:
    """Where the integer is that Python's int() refused (more than 4300 digits)."""
    match = re.search(r"\d[\d_]{4299,}", text)
    where = f" (at line {text.count(chr(10), 0, match.start()) + 1})" if match else ""
    return f"a number with too many digits{where}"


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", int: "a whole number", bool: "true or false"}
    if isinstance(expected, tuple):
        return " or ".join(names.get(kind, kind.__name__) for kind in expected)
    return names.get(expected, expected.__name__)


def _validate(
    path: Path,
    document: dict[str, Any],
    known_providers: ProviderSettings | set[str],
    instance_tables: Mapping[str, InstanceTables],
) -> Config:
    if not isinstance(known_providers, Mapping):
        known_providers = {provider_id: {} for provider_id in known_providers}
    warnings: list[str] = []
    sections = {declared.section for declared in instance_tables.values()}
    for key in document:
        if key not in _TOP_LEVEL_KEYS | sections:
            warnings.append(f"{path}: unknown setting '{key}' ignored")
    providers_table = document.get("providers", {})
    if not isinstance(providers_table, dict):
        raise ConfigError(f"{path}: 'providers' must be a table ([providers.<id>])")
    providers: dict[str, dict[str, Any]] = {}
    for provider_id, table in providers_table.items():
        where = f"[providers.{provider_id}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {where} must be a table")
        if provider_id not in known_providers:
            warnings.append(f"{path}: unknown provider {where} ignored")
            continue
        allowed = {**_COMMON_PROVIDER_KEYS, **known_providers[provider_id]}
        for key, value in table.items():
            expected = allowed.get(key)
            if expected is None:
                warnings.append(f"{path}: unknown setting '{key}' in {where} ignored")
                continue
            if isinstance(value, bool) and expected is not bool:
                raise ConfigError(f"{path}: {where} {key} must be {_type_name(expected)}")
            if not isinstance(value, expected):
                raise ConfigError(f"{path}: {where} {key} must be {_type_name(expected)}")
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {where} {key} must be a list of strings")
        _check_key_choice(path, where, table)
        base_url = table.get("base_url")
        if base_url is not None and not is_http_origin(base_url):
            raise ConfigError(f"{path}: {where} base_url must be http:// or https:// and a host")
        providers[provider_id] = {k: v for k, v in table.items() if k in allowed}
    refresh = _validate_refresh(path, document.get("refresh", {}), warnings)
    keys = _validate_keys(path, document.get("keys", {}), warnings)
    alerts = parse_alerts(path, document.get("alerts"), set(known_providers), warnings)
    history = _validate_history(path, document.get("history", {}), warnings)
    instances = {
        provider_id: _validate_instances(
            path, declared, document.get(declared.section, []), warnings
        )
        for provider_id, declared in instance_tables.items()
    }
    if _holds_a_key(providers, instances) and _readable_by_others(path):
        warnings.append(
            f"{path} holds an API key and can be read by other users: run `chmod 600 {path}`"
        )
    return Config(
        path=path,
        providers=providers,
        refresh=refresh,
        keys=keys,
        instances=instances,
        alerts=alerts,
        history=history,
        warnings=tuple(warnings),
    )


def _check_key_choice(path: Path, where: str, table: Mapping[str, Any]) -> None:
    given = [choice for choice in _KEY_CHOICES if choice in table]
    if len(given) > 1:
        raise ConfigError(f"{path}: {where} give only one of key, key_env and key_cmd")
    if "key_cmd" in table and not table["key_cmd"]:
        raise ConfigError(
            f'{path}: {where} key_cmd must name a command, e.g. ["pass", "show", "x"]'
        )


def _validate_instances(
    path: Path, declared: InstanceTables, tables: Any, warnings: list[str]
) -> tuple[dict[str, Any], ...]:
    """A provider's [[section]]: each instance needs an origin and one way to its key, and a
    name of its own (the base URL when none is given)."""
    section = declared.section
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{path}: '{section}' must be tables written [[{section}]]")
    result = []
    names: set[str] = set()
    for number, table in enumerate(tables, start=1):
        where = f"[[{section}]] number {number}"
        for key, value in table.items():
            expected = declared.settings.get(key)
            if expected is None:
                warnings.append(f"{path}: unknown setting '{key}' in {where} ignored")
                continue
            if isinstance(value, bool) or not isinstance(value, expected):
                raise ConfigError(f"{path}: {where} {key} must be {_type_name(expected)}")
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {where} {key} must be a list of strings")
        base_url = table.get("base_url")
        if not isinstance(base_url, str) or not is_http_origin(base_url):
            raise ConfigError(f"{path}: {where} needs base_url: http:// or https:// and a host")
        _check_key_choice(path, where, table)
        if not any(choice in table for choice in _KEY_CHOICES):
            raise ConfigError(f"{path}: {where} needs one of key, key_env or key_cmd")
        for key in declared.positive:
            if key in table and table[key] <= 0:
                raise ConfigError(f"{path}: {where} {key} must be above 0")
        name = table.get("name") or base_url
        if name in names:
            raise ConfigError(
                f"{path}: {where} has the same name as another {declared.noun}: {name!r}"
            )
        names.add(name)
        result.append({k: v for k, v in table.items() if k in declared.settings} | {"name": name})
    return tuple(result)


def _holds_a_key(
    providers: Mapping[str, Mapping[str, Any]],
    instances: Mapping[str, tuple[Mapping[str, Any], ...]],
) -> bool:
    tables = [*providers.values(), *(t for found in instances.values() for t in found)]
    return any("key" in table for table in tables)


def _readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


def _validate_refresh(path: Path, table: Any, warnings: list[str]) -> dict[str, float]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'refresh' must be a table ([refresh])")
    result: dict[str, float] = {}
    for key, value in table.items():
        expected = _REFRESH_KEYS.get(key)
        if expected is None:
            warnings.append(f"{path}: unknown setting '{key}' in [refresh] ignored")
            continue
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(f"{path}: [refresh] {key} must be a number")
        if not math.isfinite(value):  # TOML has inf and nan; 1e400 reads as inf
            raise ConfigError(f"{path}: [refresh] {key} must be a finite number")
        if key == "interval" and value < MIN_INTERVAL:
            raise ConfigError(f"{path}: [refresh] interval must be at least {MIN_INTERVAL} seconds")
        if key == "max_in_flight" and not 1 <= value <= 64:
            raise ConfigError(f"{path}: [refresh] max_in_flight must be between 1 and 64")
        result[key] = value
    return result


def _validate_history(path: Path, table: Any, warnings: list[str]) -> dict[str, Any]:
    """[history]: enabled = false records nothing (the app, --once, check and serve)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'history' must be a table ([history])")
    result: dict[str, Any] = {}
    for key, value in table.items():
        expected = _HISTORY_KEYS.get(key)
        if expected is None:
            warnings.append(f"{path}: unknown setting '{key}' in [history] ignored")
            continue
        if not isinstance(value, expected):
            raise ConfigError(f"{path}: [history] {key} must be {_type_name(expected)}")
        result[key] = value
    return result


# The app's binding ids (tui/app.py BINDINGS; a test keeps the two lists equal). Named here
# so a typo in [keys] is reported without importing the app.
BINDING_IDS = frozenset(
    {
        "help", "pick_account", "refresh", "refresh_all", "sort", "pick_theme", "quit",
        "quit_ctrl_c", "next_account", "previous_account", "next_tab", "previous_tab",
        "down", "up", "open", "detail_page_down", "detail_page_up", "detail_top",
        "detail_bottom", "history", *(f"tab_{n}" for n in range(1, 20)),
    }
)  # fmt: skip


def _validate_keys(path: Path, table: Any, warnings: list[str]) -> dict[str, str]:
    """[keys]: binding id = "key" or "key1,key2", e.g. refresh_all = "ctrl+r"."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'keys' must be a table ([keys])")
    known: dict[str, str] = {}
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f'{path}: [keys] {binding_id} must be a key name such as "ctrl+r"')
        if binding_id in BINDING_IDS:
            known[binding_id] = keys
        else:
            warnings.append(f"{path}: unknown binding '{binding_id}' in [keys] ignored")
    return known


def load_user_config(
    path: Path | None, say: Callable[[str], None], prefix: str = "aiquota-tui: "
) -> Config | None:
    """The config every command reads (`--config FILE`, else the default), its warnings said;
    None, with the problem said, when it cannot be used (the command then exits 2)."""
    from providers.registry import provider_settings  # the providers: only when a config is read

    config_path = path.expanduser() if path is not None else None
    try:
        config = load_config(
            config_path, explicit=config_path is not None, known_providers=provider_settings()
        )
    except ConfigError as error:
        say(f"{prefix}{error}")
        return None
    for warning in config.warnings:
        say(f"{prefix}{warning}")
    return config
