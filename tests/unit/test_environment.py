"""environment.yml (conda) and pyproject.toml (pip) name the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names of packages whose PyPI name differs
CONDA_NAMES = {"duckdb": "python-duckdb", "graphviz": "python-graphviz", "matplotlib": "matplotlib-base"}


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()  # type: ignore[union-attr]
    return name.lower(), spec.replace(" ", "")


def test_environment_names_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    pip = dict(
        _split(d)
        for d in next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        if not d.startswith("-")
    )
    assert conda["python"] == "=3.11" and "graphviz" in conda
    for requirement in project["dependencies"]:
        name, spec = _split(requirement)
        found = conda.get(CONDA_NAMES.get(name, name), pip.get(name))
        assert found == spec, f"{name}: pyproject says {spec!r}, environment.yml {found!r}"
    assert "-e .[test]" in next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
