"""API keys from the config file, the environment and OpenCode's auth.json.

In config.toml a provider's key is given one of three ways:
  key = "…"                  the key itself
  key_env = "NAME"           the name of an environment variable holding it
  key_cmd = ["pass", "x"]    a command run without a shell whose stdout is the key
                             (for password managers; run once per process)
Each distinct key is one account; the same key found in two places is one account,
the first place winning (config, then environment, then OpenCode).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.base import Account, DiscoveryContext, Problem
from providers.model import Status
from providers.opencode import opencode_entry
from providers.secrets import Secret, scrub
from providers.values import as_str

# The [providers.<id>] settings of every provider that takes an API key.
API_KEY_SETTINGS: dict[str, type] = {"key": str, "key_env": str, "key_cmd": list, "name": str}
KEY_CHOICES = ("key", "key_env", "key_cmd")
KEY_CMD_TIMEOUT = 20.0

# key_cmd results for the life of the process: a password manager should be asked once,
# not at every rediscovery.
_COMMAND_RESULTS: dict[tuple[str, ...], tuple[str | None, str | None]] = {}


@dataclass(frozen=True)
class FoundKey:
    secret: Secret | None
    source: str  # "config", "env:NAME" or a path
    label: str
    problem: str | None = None  # why a configured key could not be had
    named: bool = True  # False: the label only says where the key came from


def run_key_command(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """(key, None) or (None, what went wrong). Never raises; never shows the output."""
    command = tuple(argv)
    if command in _COMMAND_RESULTS:
        return _COMMAND_RESULTS[command]
    shown = command[0] if command else "(empty)"
    try:
        done = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=KEY_CMD_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        result: tuple[str | None, str | None] = (None, f"key_cmd: {shown} not found")
    except PermissionError:
        result = (None, f"key_cmd: {shown} is not executable")
    except subprocess.TimeoutExpired:
        result = (None, f"key_cmd: {shown} did not finish within {KEY_CMD_TIMEOUT:g} s")
    except (OSError, ValueError) as error:
        result = (None, f"key_cmd: {shown} could not run ({type(error).__name__})")
    else:
        key = done.stdout.strip().splitlines()[0].strip() if done.stdout.strip() else ""
        if done.returncode != 0:
            result = (None, f"key_cmd: {shown} exited with status {done.returncode}")
        elif not key:
            result = (None, f"key_cmd: {shown} printed no key")
        else:
            result = (key, None)
    if result[0]:
        Secret(result[0])  # remembered, so scrub() hides it wherever it turns up
    _COMMAND_RESULTS[command] = result
    return result


def key_from_settings(
    settings: Mapping[str, Any], env: Mapping[str, str], where: str
) -> FoundKey | None:
    """The key a config table names (key, key_env or key_cmd), or None when it names none."""
    name = as_str(settings.get("name"))
    label, named = name or "config", name is not None
    if as_str(settings.get("key")):
        return FoundKey(Secret(settings["key"].strip()), "config", label, named=named)
    variable = as_str(settings.get("key_env"))
    if variable:
        value = (env.get(variable) or "").strip()
        if not value:
            return FoundKey(
                None,
                f"env:{variable}",
                label,
                f"{where} key_env names ${variable}, which is not set",
                named=named,
            )
        return FoundKey(Secret(value), f"env:{variable}", label, named=named)
    command = settings.get("key_cmd")
    if isinstance(command, list) and command:
        value, problem = run_key_command([str(part) for part in command])
        if value is None:
            return FoundKey(None, "config", label, f"{where} {problem}", named=named)
        return FoundKey(Secret(value), "config", label, named=named)
    return None


def find_api_keys(
    context: DiscoveryContext,
    *,
    env_names: Sequence[str] = (),
    opencode_keys: Sequence[str] = (),
    opencode_field: str = "key",
    where: str = "config",
) -> list[FoundKey]:
    found: list[FoundKey] = []

    def add(item: FoundKey | None) -> None:
        if item is None:
            return
        if item.secret is None or all(
            other.secret is None or other.secret != item.secret for other in found
        ):
            found.append(item)

    add(key_from_settings(context.settings, context.paths.env, where))
    for name in env_names:
        value = (context.paths.env.get(name) or "").strip()
        if value:
            add(FoundKey(Secret(value), f"env:{name}", "env", named=False))
    for key in opencode_keys:
        entry, shown, _ = opencode_entry(context.paths, key)
        value = as_str(entry.get(opencode_field)) if entry is not None else None
        if value:
            add(FoundKey(Secret(value), shown, "opencode", named=False))
    return found


def key_accounts(
    provider_id: str,
    context: DiscoveryContext,
    *,
    env_names: Sequence[str] = (),
    opencode_keys: Sequence[str] = (),
    opencode_field: str = "key",
) -> list[Account]:
    """One Account per distinct key, labelled by where it came from; a key that could not
    be had (unset key_env, failing key_cmd) is an account with that problem."""
    found = find_api_keys(
        context,
        env_names=env_names,
        opencode_keys=opencode_keys,
        opencode_field=opencode_field,
        where=f"[providers.{provider_id}]",
    )
    accounts: list[Account] = []
    labels: set[str] = set()
    for item in found:
        label = item.label
        if label in labels and item.source.startswith("env:"):
            label = item.source.removeprefix("env:")  # two env vars: name them by the var
        base, number = label, 2
        while label in labels:
            label, number = f"{base} {number}", number + 1
        labels.add(label)
        problem = Problem(Status.AUTH_EXPIRED, scrub(item.problem)) if item.problem else None
        accounts.append(
            Account(
                provider=provider_id,
                label=label,
                source=item.source,
                secret=item.secret,
                problem=problem,
                named=item.named,
            )
        )
    return accounts
