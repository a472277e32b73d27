"""config.toml: read only, validated strictly, every problem named with its file and place.

The app never writes this file; its own state goes to state.toml (see state.py).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from providers.discover import is_http_origin
from providers.kit.files import read_text
from tui.store.schedule import RefreshPolicy

APP_NAME = "aiquota-tui"

# Keys every [providers.<id>] table may hold; providers add their own (Provider.settings).
_COMMON_PROVIDER_KEYS: dict[str, type | tuple[type, ...]] = {"base_url": str}
_TOP_LEVEL_KEYS = {"providers", "refresh", "keys", "newapi"}
_KEY_CHOICES = ("key", "key_env", "key_cmd")
# [[newapi]]: one table per gateway.
_NEWAPI_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "base_url": str,
    "key": str,
    "key_env": str,
    "key_cmd": list,
    "quota_per_usd": (int, float),
}
# [refresh]: how often, in seconds, and how many requests at once.
_REFRESH_KEYS: dict[str, tuple[type, ...]] = {"interval": (int, float), "max_in_flight": (int,)}
MIN_INTERVAL = 30
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
    newapi: tuple[Mapping[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()

    def provider(self, provider_id: str) -> Mapping[str, Any]:
        settings = self.providers.get(provider_id, {})
        if provider_id == "newapi":
            # The gateways are [[newapi]] tables; the provider sees them as its instances.
            return {**settings, "instances": self.newapi}
        return settings

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


def load_config(
    path: Path | None, *, explicit: bool, known_providers: ProviderSettings | set[str]
) -> Config:
    """Read and check the config. A missing default file is an empty config."""
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
    return _validate(path, document, known_providers)


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
    path: Path, document: dict[str, Any], known_providers: ProviderSettings | set[str]
) -> Config:
    if not isinstance(known_providers, Mapping):
        known_providers = {provider_id: {} for provider_id in known_providers}
    warnings: list[str] = []
    for key in document:
        if key not in _TOP_LEVEL_KEYS:
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
    newapi = _validate_newapi(path, document.get("newapi", []), warnings)
    if _holds_a_key(providers, newapi) and _readable_by_others(path):
        warnings.append(
            f"{path} holds an API key and can be read by other users: run `chmod 600 {path}`"
        )
    return Config(
        path=path,
        providers=providers,
        refresh=refresh,
        keys=keys,
        newapi=newapi,
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


def _validate_newapi(path: Path, tables: Any, warnings: list[str]) -> tuple[dict[str, Any], ...]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{path}: 'newapi' must be tables written [[newapi]]")
    result = []
    names: set[str] = set()
    for number, table in enumerate(tables, start=1):
        where = f"[[newapi]] number {number}"
        for key, value in table.items():
            expected = _NEWAPI_KEYS.get(key)
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
        if "quota_per_usd" in table and table["quota_per_usd"] <= 0:
            raise ConfigError(f"{path}: {where} quota_per_usd must be above 0")
        name = table.get("name") or base_url
        if name in names:
            raise ConfigError(f"{path}: {where} has the same name as another gateway: {name!r}")
        names.add(name)
        result.append({k: v for k, v in table.items() if k in _NEWAPI_KEYS} | {"name": name})
    return tuple(result)


def _holds_a_key(
    providers: Mapping[str, Mapping[str, Any]], newapi: tuple[Mapping[str, Any], ...]
) -> bool:
    return any("key" in table for table in providers.values()) or any("key" in t for t in newapi)


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


# The app's binding ids (tui/app.py BINDINGS; a test keeps the two lists equal). Named here
# so a typo in [keys] is reported without importing the app.
BINDING_IDS = frozenset(
    {
        "help", "pick_account", "refresh", "refresh_all", "sort", "pick_theme", "quit",
        "quit_ctrl_c", "next_account", "previous_account", "next_tab", "previous_tab",
        "down", "up", "open", "detail_page_down", "detail_page_up", "detail_top",
        "detail_bottom", *(f"tab_{n}" for n in range(1, 20)),
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
