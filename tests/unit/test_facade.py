"""The façade: verbs come from ``o2c``, implementation modules are private, and no verb shares its
name with a module but the deprecated aliases, which keep old imports working for a release."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import o2c

PACKAGE = Path(o2c.__file__).parent
ALIASES = {
    "assess": "_assess",
    "kpis": "_kpis",
    "milestones": "_milestones",
    "rework": "_rework",
    "simulate": "_simulate",
}


def _modules() -> set[str]:
    """The top-level modules and packages of o2c, by name."""
    return {path.stem for path in PACKAGE.glob("*.py")} | {
        path.parent.name for path in PACKAGE.glob("*/__init__.py")
    }


def test_no_public_name_is_also_a_module_but_the_deprecated_aliases() -> None:
    shadowing = {name for name in o2c.__all__ if name in _modules()}
    assert shadowing == set(ALIASES)


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_importing_an_alias_leaves_the_verb_in_place(old: str) -> None:
    # in a fresh interpreter, so that nothing imported the verb before the module
    code = f"import o2c.{old}, o2c, inspect; print(inspect.isfunction(o2c.{old}), o2c.{old}.__name__)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["True", old]


@pytest.mark.parametrize(("old", "name"), [("kpis", "late_payment_drivers"), ("simulate", "example_log")])
def test_an_alias_hands_out_the_private_modules_name_and_says_where_it_lives(old: str, name: str) -> None:
    alias = importlib.import_module(f"o2c.{old}")
    with pytest.deprecated_call(match=f"import {name} from o2c[.]$"):
        found = getattr(alias, name)
    assert found is getattr(o2c, name) is getattr(importlib.import_module(f"o2c.{ALIASES[old]}"), name)


def test_an_alias_names_the_private_module_for_a_name_o2c_does_not_export() -> None:
    alias = importlib.import_module("o2c.milestones")
    with pytest.deprecated_call(match="import MILESTONES from o2c._milestones[.]$"):
        assert alias.MILESTONES == ("ordered", "delivered", "invoiced", "paid")


def test_an_alias_refuses_a_name_its_module_lacks() -> None:
    alias = importlib.import_module("o2c.rework")
    with pytest.raises(AttributeError, match="no_such_name"):
        alias.no_such_name  # noqa: B018
