"""The core never asks which provider it holds: what differs is declared by the provider
(providers/base.py Provider), and providers/ and the store never import Textual."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from providers.registry import PROVIDERS

ROOT = Path(__file__).resolve().parents[1]
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
NO_TEXTUAL = [*ROOT.glob("providers/**/*.py"), *ROOT.glob("tui/store/*.py"), ROOT / "tui/once.py"]


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
