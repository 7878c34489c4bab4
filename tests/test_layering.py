"""Imports point one way: omnisync.lib ← channels_app ← inventory ← orders ← the top of omnisync; the sandbox is an island."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["omnisync.lib", "channels_app", "inventory", "orders", "omnisync"]


def layer_of(module: str) -> int | None:
    if module.startswith("omnisync.lib"):
        return 0
    for i, name in enumerate(LAYERS[1:], start=1):
        if module == name or module.startswith(name + "."):
            return i
    return None


def imports_in(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_lower_layers_never_import_higher_ones():
    wrong = []
    for package in ("omnisync", "channels_app", "inventory", "orders"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            own = layer_of(module_name(path))
            for line, target in imports_in(path):
                if target == "sandbox" or target.startswith("sandbox."):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports the sandbox ({target})")
                    continue
                other = layer_of(target)
                if own is not None and other is not None and other > own:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} from a higher layer")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_wrong_import(tmp_path):
    bad = ROOT / "inventory" / "_layering_probe.py"
    bad.write_text("from orders.models import Order\n")
    try:
        assert [t for _, t in imports_in(bad)] == ["orders.models"]
        assert layer_of("orders.models") > layer_of(module_name(bad))
    finally:
        bad.unlink()
