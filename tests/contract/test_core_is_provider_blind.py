"""The core never asks which provider it holds: what differs is declared by the provider
(providers/base.py Provider), and providers/ and the store never import Textual."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.base import Account, DiscoveryContext, InstanceTables, Provider
from providers.demo import demo_modules
from providers.discover import discover
from providers.model import AccountSnapshot, Status
from providers.registry import PROVIDERS
from tui.config import Config, ConfigError, load_config
from tui.store.schedule import RefreshPolicy, next_after_failure

ROOT = Path(__file__).resolve().parents[2]
IDS = {provider.id for provider in PROVIDERS}
CORE = sorted(
    {
        *ROOT.glob("tui/*.py"),
        *ROOT.glob("tui/**/*.py"),
        *(ROOT / "providers" / name for name in ("collect.py", "discover.py", "registry.py")),
        ROOT / "providers" / "demo.py",
    }
)
# The contract names a provider here and only here: --activate is Codex's (CONTRACT.md).
ALLOWED = {("tui/cli.py", 'provider = BY_ID["codex"]  # the contract: --activate is Codex\'s')}
# Modules that must run without Textual (the --once path and everything it imports).
NO_TEXTUAL = [
    *ROOT.glob("providers/**/*.py"),
    *ROOT.glob("tui/store/*.py"),
    ROOT / "tui/once.py",
    *ROOT.glob("tui/alerts/*.py"),  # --once from cron evaluates alerts
]


def provider_id_literals(path: Path) -> list[tuple[int, str]]:
    """Each string literal in the module that is exactly a registered provider's id."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and node.value in IDS:
            found.append((node.lineno, node.value))
    return found


def test_the_core_holds_no_provider_id_except_the_contracts_activate() -> None:
    leaks = []
    for path in CORE:
        lines = path.read_text(encoding="utf-8").splitlines()
        where = str(path.relative_to(ROOT))
        for number, _ in provider_id_literals(path):
            if (where, lines[number - 1].strip()) not in ALLOWED:
                leaks.append(f"{where}:{number}: {lines[number - 1].strip()}")
    assert leaks == []


def test_the_core_reads_no_provider_attribute_with_getattr() -> None:
    pattern = re.compile(r"getattr\(\s*[\w.]*provider")
    leaks = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in CORE
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.search(line)
    ]
    assert leaks == []


def test_the_core_files_checked_exist() -> None:
    """A moved module must not silently leave the checks above."""
    names = {str(path.relative_to(ROOT)) for path in CORE}
    assert {"providers/collect.py", "providers/discover.py", "tui/store/schedule.py"} <= names
    assert all(path.is_file() for path in CORE)


def imports_textual(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "textual" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
            return True
    return False


def test_providers_and_the_store_never_import_textual() -> None:
    assert len(NO_TEXTUAL) > 20
    assert [str(p.relative_to(ROOT)) for p in NO_TEXTUAL if imports_textual(p)] == []


def test_the_textual_check_sees_an_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from textual.app import App\n")
    assert imports_textual(module)


# What a provider declares is what the core does: a provider the core has never heard of.


class Fake(Provider):
    id = "fake"
    name = "Fake"
    poll_floor = 120.0
    rate_limit_wait = 900.0
    accepts_account_dirs = True
    instance_tables = InstanceTables(
        section="fakes", settings={"name": str, "base_url": str, "key": str}, noun="box"
    )

    def __init__(self) -> None:
        self.contexts: list[DiscoveryContext] = []

    def discover(self, context: DiscoveryContext) -> list[Account]:
        self.contexts.append(context)
        return []


class Plain(Fake):
    id = "plain"
    accepts_account_dirs = False


T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def snapshot(status: Status) -> AccountSnapshot:
    return AccountSnapshot("fake", "a", "s", False, status, fetched_at=T0, key="fake/s/a")


def test_the_schedule_keeps_a_providers_declared_floor_and_rate_limit_wait() -> None:
    policy = RefreshPolicy()
    failed = next_after_failure(snapshot(Status.ERROR), 1, T0, policy, Fake())
    assert failed == T0 + timedelta(seconds=120)  # not the 30 s backoff
    limited = next_after_failure(snapshot(Status.RATE_LIMITED), 1, T0, policy, Fake())
    assert limited == T0 + timedelta(seconds=900)
    assert next_after_failure(snapshot(Status.ERROR), 1, T0, policy, Provider()) == T0 + timedelta(
        seconds=30
    )


def test_only_a_provider_that_accepts_account_folders_gets_them(tmp_path: Path) -> None:
    fake, plain = Fake(), Plain()
    discover([fake, plain], Config(), [tmp_path], env={"HOME": str(tmp_path)}, cwd=tmp_path)
    assert fake.contexts[0].account_dirs == (tmp_path,)
    assert plain.contexts[0].account_dirs == ()


def test_a_declared_section_of_instances_is_checked_and_handed_over(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[fakes]]\nbase_url = "https://a.example"\nkey = "k"\nodd = 1\n')
    path.chmod(0o600)
    tables = {"fake": Fake.instance_tables}
    config = load_config(path, explicit=True, known_providers={"fake"}, instance_tables=tables)
    assert config.provider("fake")["instances"] == ({"base_url": "https://a.example", "key": "k",
                                                     "name": "https://a.example"},)  # fmt: skip
    assert config.warnings == (f"{path}: unknown setting 'odd' in [[fakes]] number 1 ignored",)
    path.write_text('[[fakes]]\nbase_url = "https://a"\nkey = "k"\n' * 2)
    with pytest.raises(ConfigError, match="same name as another box"):
        load_config(path, explicit=True, known_providers={"fake"}, instance_tables=tables)


def test_a_demo_module_shared_by_providers_is_used_once() -> None:
    names = [module.__name__ for module in demo_modules(PROVIDERS)]
    assert len(names) == len(set(names))
    assert {name for provider in PROVIDERS for name in provider.demo} == set(names)
