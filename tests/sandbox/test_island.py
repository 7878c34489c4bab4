"""The sandbox is an island: nothing under sandbox/ may import the project's apps."""

import ast
from pathlib import Path

import pytest

FORBIDDEN = {"omnisync", "channels_app", "inventory", "orders", "alerts"}
ROOT = Path(__file__).resolve().parents[2] / "sandbox"


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_checker_catches_forbidden_imports():
    assert imported_roots("import orders.models") == {"orders"}
    assert imported_roots("from omnisync.lib import env") == {"omnisync"}
    assert imported_roots("importlib.import_module('inventory.services')") == {"inventory"}


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_sandbox_module_imports_no_project_app(path):
    assert not imported_roots(path.read_text()) & FORBIDDEN


def test_there_are_modules_to_check():
    assert len(list(ROOT.rglob("*.py"))) > 10
