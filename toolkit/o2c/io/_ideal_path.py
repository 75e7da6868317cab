"""Read an ideal path from a YAML file (or a plain YAML list of steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from o2c.errors import IdealPathError, InputFileError, did_you_mean
from o2c.model import IdealPath

_KEYS = ("name", "steps", "target_hours", "milestones", "customer_steps", "approval_steps")
_STEP_KEYS = ("step", "optional")


def read_ideal_path(path: str | Path) -> IdealPath:
    """Read an ideal path file: a YAML mapping with ``steps`` (or a plain list of steps).

    A step is a name, or ``{step: NAME, optional: true}``. Optional keys: ``name``,
    ``target_hours`` (step -> hours), ``milestones`` (``ordered``/``delivered``/``invoiced``/
    ``paid`` -> step), ``customer_steps`` (steps whose incoming wait is the customer's) and
    ``approval_steps`` (the approval steps, for ``o2c.approvals``).

    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "ideal.yaml"
    >>> _ = file.write_text("steps: [Order, {step: Check, optional: true}, Ship]")
    >>> read_ideal_path(file).optional
    frozenset({'Check'})
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(f"Cannot read the ideal path file {path}: {exc}", path=path) from exc
    except yaml.YAMLError as exc:
        raise IdealPathError(f"{path.name} is not valid YAML: {exc}", path=path) from exc
    if isinstance(document, list):
        document = {"steps": document}
    if not isinstance(document, dict):
        raise IdealPathError(
            f"{path.name} must hold a mapping with 'steps' or a list of steps; got {type(document).__name__}.",
            path=path,
        )
    unknown = [k for k in document if k not in _KEYS]
    if unknown:
        raise IdealPathError(
            f"{path.name} has an unknown key {unknown[0]!r}; keys are {list(_KEYS)}."
            + did_you_mean(str(unknown[0]), _KEYS),
            path=path,
        )
    steps, optional = _steps(document.get("steps"), path)
    customer = document.get("customer_steps")
    approval = document.get("approval_steps")
    return _build(
        path,
        steps=tuple(steps),
        optional=frozenset(optional),
        name=str(document.get("name") or path.stem),
        target_hours=_hours(_mapping(document, "target_hours", path), path),
        milestones={str(k): str(v) for k, v in _mapping(document, "milestones", path).items()},
        customer_steps=None if customer is None else frozenset(str(s) for s in customer),
        approval_steps=None if approval is None else frozenset(str(s) for s in approval),
    )


def _build(path: Path, **fields: Any) -> IdealPath:
    try:
        return IdealPath(**fields)
    except IdealPathError as exc:
        raise IdealPathError(f"{path.name}: {exc}", path=path) from exc


def _hours(given: dict[Any, Any], path: Path) -> dict[str, float]:
    """``target_hours`` as numbers; a value that is not one is named with its step."""
    hours = {}
    for step, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise IdealPathError(
                f"{path.name}: target_hours of {step!r} must be a number of hours (0.25, 4); got {value!r}.",
                path=path,
            )
        hours[str(step)] = float(value)
    return hours


def _mapping(document: dict[str, Any], key: str, path: Path) -> dict[Any, Any]:
    value = document.get(key) or {}
    if not isinstance(value, dict):
        raise IdealPathError(f"{path.name}: {key!r} must be a mapping; got {value!r}.", path=path)
    return value


def _steps(raw: Any, path: Path) -> tuple[list[str], set[str]]:
    if not isinstance(raw, list) or not raw:
        raise IdealPathError(f"{path.name}: 'steps' must be a non-empty list; got {raw!r}.", path=path)
    steps: list[str] = []
    optional: set[str] = set()
    required: set[str] = set()
    for item in raw:
        if isinstance(item, dict):
            unknown = [k for k in item if k not in _STEP_KEYS]
            if unknown or "step" not in item:
                raise IdealPathError(
                    f"{path.name}: a step must be a name or {{step: NAME, optional: true}}; got {item!r}.",
                    path=path,
                )
            name, is_optional = str(item["step"]), bool(item.get("optional", False))
        else:
            name, is_optional = str(item), False
        (optional if is_optional else required).add(name)
        steps.append(name)
    both = optional & required
    if both:
        raise IdealPathError(
            f"{path.name}: step {sorted(both)[0]!r} is optional in one place and required in "
            "another; optionality belongs to a step's name.",
            path=path,
        )
    return steps, optional
