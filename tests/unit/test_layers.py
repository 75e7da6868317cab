"""Imports point down the flow: a module imports only from its own level or lower ones."""

from __future__ import annotations

import ast
import graphlib
import importlib
import subprocess
import sys
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
    "_compat": 0,
    "_format": 0,  # numbers, durations and shares for people
    "_tables": 0,  # how result tables are shaped, shared by the analyses and the engines
    "log": 1,
    "_calendar": 1,  # working calendars: below model, whose LoadedLog keeps one
    "model": 1,
    "_objects": 1,  # the object-centric log type (OCEL), beside model
    "conformance.ideal_path": 2,  # the deprecated name of o2c.model
    "_milestones": 2,
    "_pm4py": 2,
    "_net_align": 2,  # exact alignments on a net's reachability graph (numpy, scipy); _pm4py's align_traces uses it
    "io": 3,
    # the DuckDB and Spark engines, below the analyses: the verbs hand them a scanned or Spark log
    # at the door (importing them only then); they reach up to nothing but io (scan_log's mapping)
    "_engines": 3,
    "_simulate": 3,
    "_flatten": 3,  # object-centric log -> order-level log; io's read_log flattens OCEL files with it
    # the analyses, each on its own level: discovery < performance < rework, conformance < kpis
    "discovery": 4,
    "performance": 5,
    "_object_waits": 5,  # waits of a flattened log, each shared wait once
    "filtering": 5,
    "quality": 5,
    "engines": 7,  # the deprecated alias of the verbs it names (discovery, performance, rework)
    "_rework": 6,
    "_rekeyed": 6,  # re-keyed data from the values, beside rework's re-keying by name
    "conformance": 6,
    "_kpis": 7,
    "_approvals": 7,  # approval chains and rubber stamps, beside the kpis
    "_time_only": 7,  # steps that only add time: the path without them, payment on time, the time they add
    "_risk": 7,  # who will pay late: learns from the kpis' late payment, beside them
    "_assess": 8,
    "_assess_engine": 8,  # the assessment's tables computed on an engine (assess imports it, beside it)
    "_actions": 8,  # what to fix first: reads an Assessment (assess imports it, beside it)
    "_compare": 8,  # compares two sides of orders with the analyses and kpis, as assess does
    "timeline": 8,  # an order's walk-through: alignments, rework, milestones and the KPIs' days past due
    # deprecated aliases of the private modules above, named like their verbs (o2c._compat)
    "assess": 0,
    "kpis": 0,
    "milestones": 0,
    "rework": 0,
    "simulate": 0,
    "plausibility": 9,
    "render": 10,
    "report": 11,
    "ocel": 11,  # writes a file, like report
    # the interactive explorer: builds on report's maps (what they keep and highlight);
    # report's write_report imports it inside the function, when it writes explorer.html
    "_explore": 11,
    "cli": 12,
    "__init__": 13,
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


def _loaded_on_import(module: str, path: Path) -> set[str]:
    """The o2c modules that importing ``module`` (at ``path``) runs first: its module-level imports
    and the ``__init__`` of each package on their way, but for its own packages, which are being
    imported already (the lazy ``o2c/__init__`` imports nothing)."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:  # module level only: an import inside a function runs later
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("o2c."):
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("o2c."))
    known = {f"o2c.{dotted}" for dotted, _ in _modules()}
    own = {f"o2c.{module}".rsplit(".", depth)[0] for depth in range(1, module.count(".") + 1)}
    loaded = set(names)
    for name in names:
        parts = name.split(".")
        loaded.update(".".join(parts[:end]) for end in range(2, len(parts)))
    loaded -= own - names  # a package of its own is imported already, unless it asks for its names
    return {name.removeprefix("o2c.") for name in loaded & known}


def test_no_import_cycle_whichever_module_is_imported_first() -> None:
    """A cycle works only when some other module happens to be imported first (o2c.performance
    once failed as the first import: 'partially initialized module')."""
    graph = {m: _loaded_on_import(m, path) - {m} for m, path in _modules() if m != "__init__"}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


@pytest.mark.parametrize(
    "module",
    [
        "discovery",
        "performance",
        "milestones",
        "rework",
        "render",
        "_engines",
        "_engines._frames",
        "engines",
        "kpis",
        "simulate",
        "report",
        "render.maps",
        "_explore",
    ],
)
def test_a_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import o2c.{module}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_old_home_of_the_ideal_path_still_works_and_says_it_moved() -> None:
    sys.modules.pop("o2c.conformance.ideal_path", None)
    with pytest.warns(DeprecationWarning, match="o2c.model"):
        old = importlib.import_module("o2c.conformance.ideal_path")
    import o2c.model

    assert (old.IdealPath, old.ProcessModel, old.MILESTONES) == (
        o2c.model.IdealPath,
        o2c.model.ProcessModel,
        o2c.model.MILESTONES,
    )


def test_the_import_graph_points_down() -> None:
    """Prints the import graph (``pytest -s`` shows it): each module, its level, and the o2c
    modules it loads on import, each at its own level or lower."""
    modules = [m for m, _ in _modules() if m != "__init__"]
    paths = dict(_modules())
    lines = []
    for module in sorted(modules, key=lambda m: (_level(m), m)):
        loaded = sorted(_loaded_on_import(module, paths[module]) - {module})
        assert all(_level(name) <= _level(module) for name in loaded), (module, loaded)
        lines.append(f"{_level(module)} {module} -> {', '.join(loaded) or '-'}")
    print("\n".join(lines))
