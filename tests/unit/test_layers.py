"""Imports point down the flow: a module imports only from its own level or lower ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "toolkit" / "o2c"

# level of each module (dotted name under o2c); a module may import its own level or lower.
LEVELS = {
    "errors": 0,
    "_progress": 0,
    "_stats": 0,
    "_write": 0,
    "_watchdog": 0,
    "log": 1,
    "conformance.ideal_path": 2,
    "milestones": 2,
    "_pm4py": 2,
    "io": 3,
    "simulate": 3,
    "discovery": 4,
    "performance": 4,
    "filtering": 4,
    "rework": 4,
    "conformance": 4,
    "kpis": 4,
    "quality": 4,
    "sap": 4,
    "engines": 4,
    "assess": 5,
    "plausibility": 5,
    "render": 6,
    "report": 7,
    "ocel": 7,  # writes a file, like report
    "cli": 8,
    "__init__": 9,
}


def _level(dotted: str) -> int:
    if dotted.startswith("_cli_"):
        return LEVELS["cli"]
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in LEVELS:
            return LEVELS[key]
    raise KeyError(dotted)


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        dotted = dotted.removesuffix(".__init__") if dotted != "__init__" else dotted
        found.append((dotted, path))
    return found


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "o2c":
            for alias in node.names:  # from o2c import _pm4py: the module; from o2c import x: the package
                is_module = (PACKAGE / f"{alias.name}.py").exists() or (PACKAGE / alias.name).is_dir()
                names.append(f"o2c.{alias.name}" if is_module else "o2c")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("o2c"):
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.startswith("o2c")]
    return [n.removeprefix("o2c").lstrip(".") or "__init__" for n in names]


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_no_upward_import(module: str, path: Path) -> None:
    own = _level(module)
    upward = [name for name in _imports(path) if _level(name) > own]
    assert not upward, f"o2c.{module} (level {own}) imports upward: {upward}"


def test_only_pm4py_module_imports_pm4py() -> None:
    offenders = []
    for module, path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if module != "_pm4py" and any(n == "pm4py" or n.startswith("pm4py.") for n in names):
                offenders.append(module)
    assert not offenders
