"""The import contract of DESIGN.md, checked on the source: which layer may import which.

``deployments → flows → tasks → connectors, store → models``; ``models`` imports nothing of
ours; ``sandbox`` stands for the outside world and may use ``models`` only; ``settings`` and
the home's ``layout`` under it are leaves every layer may read. The run kit (``runkit``) sits
beside ``tasks``, over ``store``, and is procedure-neutral: it imports no procedure's code (no
DSN, no platform, no task). Every import counts, those inside functions and under
``TYPE_CHECKING`` too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "coursier"
SETTINGS = "settings"
LAYOUT = "layout"

#: Each layer and the layers it may import (itself always).
ALLOWED = {
    "models": set(),
    LAYOUT: set(),
    SETTINGS: {LAYOUT},
    "store": {"models", SETTINGS, LAYOUT},
    "connectors": {"models", SETTINGS, LAYOUT},
    "runkit": {"store", "models", SETTINGS, LAYOUT},
    "tasks": {"runkit", "connectors", "store", "models", SETTINGS, LAYOUT},
    "flows": {"tasks", "runkit", "connectors", "store", "models", SETTINGS, LAYOUT},
    "deployments": {
        "flows",
        "tasks",
        "runkit",
        "connectors",
        "store",
        "models",
        "sandbox",
        SETTINGS,
        LAYOUT,
    },
    "sandbox": {"models"},
}
#: What a procedure-neutral module never names: a procedure, a platform, their records.
PROCEDURE_WORDS = ("dsn", "net_entreprises", "izilio", "ledger", "deposit", "returns", "claims")
NEUTRAL = ("runkit",)


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module) of every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # Each name, as it may be a sub-module (``from coursier import tasks``).
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "coursier" or len(parts) < 2:
        return None
    return parts[1]


def violations(root: Path) -> list[str]:
    """Every import that breaks the contract, as ``file:line: what``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        layer = layer_of(module)
        for line, target in imports_of(path, module):
            wanted = layer_of(target)
            where = f"{path.relative_to(root.parent)}:{line}"
            if layer is None or wanted is None or wanted == layer:
                continue
            if layer not in ALLOWED:
                found.append(f"{where}: {layer} n'est pas une couche connue (DESIGN.md)")
            elif wanted not in ALLOWED[layer]:
                found.append(f"{where}: {layer} importe {target} ({wanted})")
        if layer in NEUTRAL:
            for line, target in imports_of(path, module):
                if target.startswith("coursier.") and any(
                    word in target.lower() for word in PROCEDURE_WORDS
                ):
                    where = f"{path.relative_to(root.parent)}:{line}"
                    found.append(f"{where}: {layer} importe du code de procédure ({target})")
    return found


def test_coursier_keeps_its_import_contract():
    assert {p.name for p in ROOT.iterdir() if p.is_dir()} >= set(ALLOWED) - {SETTINGS, LAYOUT}
    assert violations(ROOT) == []


def write(root: Path, name: str, text: str = "") -> None:
    path = root / "coursier" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.relative_to(root).parents:
        if parent != Path("."):
            (root / parent / "__init__.py").touch()
    path.write_text(text)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("models/x.py", "from coursier.store import open_store\n", "models importe coursier.store"),
        ("models/x.py", "import coursier.settings\n", "models importe coursier.settings"),
        ("store/x.py", "from coursier.tasks.y import z\n", "store importe coursier.tasks.y"),
        ("tasks/x.py", "def f():\n    from coursier.flows import y\n", "tasks importe"),
        ("flows/x.py", "from ..deployments import cli\n", "flows importe coursier.deployments"),
        ("sandbox/x.py", "from coursier.connectors import y\n", "sandbox importe"),
        ("connectors/x.py", "from coursier import tasks\n", "connectors importe coursier.tasks"),
        ("runkit/x.py", "from coursier.tasks import y\n", "runkit importe coursier.tasks"),
        ("runkit/x.py", "from coursier.models.dsn import y\n", "code de procédure"),
        ("runkit/x.py", "from coursier.store.ledger import y\n", "code de procédure"),
        ("runkit/x.py", "from . import dsn_things\n", "code de procédure"),
        ("brandnew/x.py", "from coursier.models import y\n", "pas une couche connue"),
    ],
)
def test_the_checker_finds_each_kind_of_violation(tmp_path, name, text, expected):
    write(tmp_path, name, text)
    [found] = violations(tmp_path / "coursier")
    assert expected in found
    assert found.startswith(f"coursier/{name}:")


def test_the_checker_accepts_what_the_design_allows(tmp_path):
    write(tmp_path, "settings.py", "import os\n")
    write(tmp_path, "models/x.py", "from coursier.models.y import z\nfrom . import w\n")
    write(
        tmp_path, "runkit/x.py", "from coursier.store import Store\nfrom coursier import settings\n"
    )
    write(tmp_path, "tasks/x.py", "from coursier.runkit import Run\nfrom ..connectors import c\n")
    write(tmp_path, "deployments/x.py", "from coursier.sandbox.server import SandboxServer\n")
    assert violations(tmp_path / "coursier") == []
