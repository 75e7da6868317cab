"""The installs agree: environment.yml (conda), pyproject.toml (pip) and requirements.lock (the README's set-up)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
# conda-forge names of packages whose PyPI name differs
CONDA_NAMES = {
    "duckdb": "python-duckdb",
    "graphviz": "python-graphviz",
    "matplotlib": "matplotlib-base",
    "lazy-loader": "lazy_loader",
}
#: How requirements.lock names the project among the reasons a package is there.
PROJECT = "o2c-toolkit (pyproject.toml)"


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()  # type: ignore[union-attr]
    return name.lower(), spec.replace(" ", "")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirements() -> list[Requirement]:
    """Every requirement of pyproject.toml: the dependencies and those of every extra."""
    project = _project()
    extras = [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def _lock() -> tuple[dict[str, set[str]], set[str]]:
    """requirements.lock read as text: each package's pinned versions (one per marker), and the
    packages it says are there because pyproject.toml asks for them."""
    pins: dict[str, set[str]] = {}
    direct: set[str] = set()
    package = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)", line)
        if pin:
            package = canonicalize_name(pin[1])
            pins.setdefault(package, set()).add(pin[2])
        elif re.fullmatch(r"    #( via)? +" + re.escape(PROJECT), line):
            direct.add(package)
    return pins, direct


def test_environment_names_the_same_dependencies_as_pyproject() -> None:
    project = _project()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    pip = dict(
        _split(d)
        for d in next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        if not d.startswith("-")
    )
    assert conda["python"] == "=3.11" and "graphviz" in conda
    notebooks = [r for r in project["optional-dependencies"]["notebooks"] if not r.startswith("ipykernel")]
    for requirement in [*project["dependencies"], *notebooks]:
        name, spec = _split(requirement)
        found = conda.get(CONDA_NAMES.get(name, name), pip.get(name))
        assert found == spec, f"{name}: pyproject says {spec!r}, environment.yml {found!r}"
    assert "-e .[test,notebooks]" in next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))


def test_the_lock_pins_every_requirement_of_pyproject_within_its_range() -> None:
    """Fails when pyproject.toml gained a dependency or changed a range after the lock was made:
    run `bash scripts/lock.sh` and commit requirements.lock."""
    pins, _ = _lock()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements.lock; run bash scripts/lock.sh"
        fitting = [v for v in pins[name] if requirement.specifier.contains(v, prereleases=True)]
        assert fitting, f"requirements.lock pins {name} {sorted(pins[name])}, outside {requirement}"


def test_the_lock_holds_no_dependency_that_pyproject_dropped() -> None:
    _, direct = _lock()
    assert direct == {canonicalize_name(r.name) for r in _requirements()}


def test_the_lock_pins_each_package_with_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert len(entries) > 50
    for entry in entries:
        assert "==" in entry.split("\n", 1)[0] and "--hash=sha256:" in entry, entry[:200]
    assert "://" not in text  # names and hashes only: where packages come from is the installer's setting
