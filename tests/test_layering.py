"""Imports point one way: omnisync.lib ← channels_app ← inventory ← orders ← alerts ← the top of omnisync; the sandbox is an island."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["omnisync.lib", "channels_app", "inventory", "orders", "alerts", "omnisync"]
PACKAGES = ("omnisync", "channels_app", "inventory", "orders", "alerts")


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


def module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def wrong_imports(root: Path) -> list[str]:
    """Every import under `root`'s packages that points up the layers or into the sandbox."""
    wrong = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            own = layer_of(module_name(path, root))
            for line, target in imports_in(path):
                if target == "sandbox" or target.startswith("sandbox."):
                    wrong.append(f"{path.relative_to(root)}:{line} imports the sandbox ({target})")
                    continue
                other = layer_of(target)
                if own is not None and other is not None and other > own:
                    wrong.append(f"{path.relative_to(root)}:{line} imports {target} from a higher layer")
    return wrong


def test_lower_layers_never_import_higher_ones():
    wrong = wrong_imports(ROOT)
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_wrong_import_and_passes_a_right_one(tmp_path):
    """A copy of the layout in a temporary directory (nothing is written into the repository)."""
    for package, source in {
        "omnisync/lib": "import json\n",
        "channels_app": "from omnisync.lib.http import ApiSession\n",  # down: fine
        "inventory": "from channels_app.models import Channel\n\nfrom orders.models import Order\n",  # line 3 points up
        "orders": "from inventory.models import Sku\nimport sandbox.models\n",  # the sandbox: never
        "orders/migrations": "from omnisync.models import DailyReport\n",  # migrations are not checked here
        "alerts": "from orders.models import Order\nfrom omnisync.routine import routine_request\n",  # line 2 points up
    }.items():
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "probe.py").write_text(source)
    assert wrong_imports(tmp_path) == [
        "inventory/probe.py:3 imports orders.models from a higher layer",
        "orders/probe.py:2 imports the sandbox (sandbox.models)",
        "alerts/probe.py:2 imports omnisync.routine from a higher layer",
    ]
