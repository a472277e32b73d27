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

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from providers.base import Account, DiscoveryContext, Problem
from providers.kit.opencode import opencode_entry
from providers.kit.secrets import Secret, scrub
from providers.kit.values import as_str
from providers.model import Status

# The [providers.<id>] settings of every provider that takes an API key.
API_KEY_SETTINGS: dict[str, type] = {"key": str, "key_env": str, "key_cmd": list, "name": str}
KEY_CHOICES = ("key", "key_env", "key_cmd")
KEY_CMD_TIMEOUT = 20.0
# A key is a line of at most a few hundred characters; a password manager that prints more
# than this is printing something else, and the rest is not worth reading.
MAX_KEY_CMD_OUTPUT = 64 * 1024
MAX_KEY_LENGTH = 4096
# Commands run at once: many more than anyone configures, few enough to bound the threads.
MAX_PARALLEL_COMMANDS = 32

# key_cmd results for the life of the process: a password manager should be asked once,
# not at every rediscovery.
_COMMAND_RESULTS: dict[tuple[str, ...], tuple[str | None, str | None]] = {}
_RESULTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class FoundKey:
    secret: Secret | None
    source: str  # "config", "env:NAME" or a path
    label: str
    problem: str | None = None  # why a configured key could not be had
    named: bool = True  # False: the label only says where the key came from


def key_commands(settings: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Every key_cmd in a provider's settings, its instance tables ([[newapi]]) included."""
    found: list[tuple[str, ...]] = []
    command = settings.get("key_cmd")
    if isinstance(command, list) and command:
        found.append(tuple(str(part) for part in command))
    for value in settings.values():
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Mapping):
                    found.extend(key_commands(item))
    return found


def run_key_commands(commands: Iterable[Sequence[str]]) -> None:
    """Run every command not run yet, all at once, and keep their results for
    run_key_command: N password managers that each take the full timeout cost one timeout
    before the first frame, not N."""
    with _RESULTS_LOCK:
        pending = [c for c in dict.fromkeys(map(tuple, commands)) if c not in _COMMAND_RESULTS]
    if len(pending) == 1:
        run_key_command(pending[0])
    elif pending:
        with ThreadPoolExecutor(min(len(pending), MAX_PARALLEL_COMMANDS)) as pool:
            list(pool.map(run_key_command, pending))


def run_key_command(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """(key, None) or (None, what went wrong). Never raises; never shows the output."""
    command = tuple(argv)
    with _RESULTS_LOCK:
        if command in _COMMAND_RESULTS:
            return _COMMAND_RESULTS[command]
    result = _run(command)
    if result[0]:
        Secret(result[0])  # remembered, so scrub() hides it wherever it turns up
    with _RESULTS_LOCK:
        return _COMMAND_RESULTS.setdefault(command, result)


def _run(command: tuple[str, ...]) -> tuple[str | None, str | None]:
    shown = command[0] if command else "(empty)"
    try:
        # Its own session: no terminal to draw a prompt over the app's screen, and one
        # process group, so a timeout kills whatever it started too. stderr is dropped
        # unread: it may hold the key, and a full pipe nobody reads would block the command.
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            bufsize=0,
        )
    except FileNotFoundError:
        return None, f"key_cmd: {shown} not found"
    except PermissionError:
        return None, f"key_cmd: {shown} is not executable"
    except (OSError, ValueError) as error:
        return None, f"key_cmd: {shown} could not run ({type(error).__name__})"
    deadline = time.monotonic() + KEY_CMD_TIMEOUT
    output = _read_output(process, KEY_CMD_TIMEOUT)
    if output is None:
        return None, f"key_cmd: {shown} did not finish within {KEY_CMD_TIMEOUT:g} s"
    if len(output) > MAX_KEY_CMD_OUTPUT:
        _kill_group(process)  # not a key, so not worth the rest of it
        return (
            None,
            f"key_cmd: {shown} printed more than {MAX_KEY_CMD_OUTPUT // 1024} KB, not a key",
        )
    try:
        code = process.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:  # its output has ended, but it has not
        _kill_group(process)
        return None, f"key_cmd: {shown} did not finish within {KEY_CMD_TIMEOUT:g} s"
    if code != 0:
        return None, f"key_cmd: {shown} exited with status {code}"
    return _plausible_key(output, shown)


def _read_output(process: subprocess.Popen[bytes], timeout: float) -> bytes | None:
    """Up to MAX_KEY_CMD_OUTPUT + 1 bytes of stdout, up to its end or the timeout (None).

    A thread does the blocking reads, so the timeout holds on every system (select() does
    not take pipes on Windows)."""
    assert process.stdout is not None
    pipe = process.stdout
    chunks: list[bytes] = []

    def read() -> None:
        size = 0
        while size <= MAX_KEY_CMD_OUTPUT:
            try:
                chunk = pipe.read(MAX_KEY_CMD_OUTPUT + 1 - size)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)
            size += len(chunk)

    reader = threading.Thread(target=read, name="key_cmd output", daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        _kill_group(process)
        reader.join(1.0)  # every writer is gone now, so the pipe ends at once
        if reader.is_alive():  # a process that left the group still holds the pipe
            return None  # (closing it under a blocked read could hand its number on)
        pipe.close()
        return None
    pipe.close()
    return b"".join(chunks)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started (its process group), and reap it."""
    killpg = getattr(os, "killpg", None)
    try:
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)
        else:  # Windows: no process groups to signal
            process.kill()
    except OSError:  # already gone
        pass
    process.wait()


def _plausible_key(output: bytes, shown: str) -> tuple[str | None, str | None]:
    """The first line of the output, if it can be a key. The refusals never quote it."""
    try:
        text = output.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None, f"key_cmd: {shown} printed something that is not UTF-8 text, not a key"
    key = text.split("\n", 1)[0].strip()
    if not key:
        return None, f"key_cmd: {shown} printed no key"
    if len(key) > MAX_KEY_LENGTH:
        return (
            None,
            f"key_cmd: {shown} printed a line longer than {MAX_KEY_LENGTH} characters, not a key",
        )
    if not all("!" <= character <= "~" for character in key):
        return None, (
            f"key_cmd: {shown} printed a line with spaces, control or non-ASCII characters, "
            "which no key has"
        )
    return key, None


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
