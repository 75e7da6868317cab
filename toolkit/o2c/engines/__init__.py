"""Deprecated: the core verbs themselves take a scanned log or a Spark DataFrame now.

``o2c.engines.directly_follows``, ``waiting_times``, ``variants``, ``rework`` and
``lead_times`` are ``o2c.directly_follows`` and so on, which take a polars or pandas log, a
``ScannedLog`` from ``o2c.scan_log`` or a Spark DataFrame alike (see ``o2c._engines``);
``o2c.engines.scan_log`` and ``ScannedLog`` are ``o2c.scan_log`` and ``o2c.ScannedLog``. Each
still works for one release and warns (``DeprecationWarning``) with the name to use instead.

Examples
--------
>>> import warnings
>>> import o2c
>>> from o2c import example_log
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     edges = directly_follows(example_log())
>>> str(caught[0].message)
'o2c.engines.directly_follows is deprecated and goes in the next release; call o2c.directly_follows, which takes a ScannedLog or a Spark DataFrame too.'
>>> edges.equals(o2c.directly_follows(example_log()))
True
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from o2c._engines import EventLog
from o2c._engines._duckdb import ScannedLog as _ScannedLog
from o2c._engines._duckdb import scan_log as _scan_log
from o2c._rework import rework as _rework
from o2c.discovery import directly_follows as _directly_follows
from o2c.discovery import variants as _variants
from o2c.performance import lead_times as _lead_times
from o2c.performance import waiting_times as _waiting_times

__all__ = ["ScannedLog", "directly_follows", "lead_times", "rework", "scan_log", "variants", "waiting_times"]

#: Each name this module still answers to, and the name that replaces it.
_MOVED = {name: f"o2c.{name}" for name in __all__}


def _deprecated(name: str) -> None:
    warnings.warn(
        f"o2c.engines.{name} is deprecated and goes in the next release; call {_MOVED[name]}, which "
        "takes a ScannedLog or a Spark DataFrame too.",
        DeprecationWarning,
        stacklevel=3,
    )


def directly_follows(log: EventLog) -> pd.DataFrame:
    """Deprecated: ``o2c.directly_follows``."""
    _deprecated("directly_follows")
    return _directly_follows(log)


def waiting_times(log: EventLog, *, accuracy: int | None = None) -> pd.DataFrame:
    """Deprecated: ``o2c.waiting_times`` (which takes ``accuracy`` for a Spark DataFrame too)."""
    _deprecated("waiting_times")
    return _waiting_times(log, accuracy=accuracy)


def variants(log: EventLog) -> pd.DataFrame:
    """Deprecated: ``o2c.variants``."""
    _deprecated("variants")
    return _variants(log)


def rework(log: EventLog) -> pd.DataFrame:
    """Deprecated: ``o2c.rework``."""
    _deprecated("rework")
    return _rework(log)


def lead_times(log: EventLog) -> pd.DataFrame:
    """Deprecated: ``o2c.lead_times``."""
    _deprecated("lead_times")
    return _lead_times(log)


def __getattr__(name: str) -> Any:
    """``scan_log`` and ``ScannedLog``, which moved to ``o2c``, with a warning."""
    found = {"scan_log": _scan_log, "ScannedLog": _ScannedLog}.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"o2c.engines.{name} is deprecated and goes in the next release; use {_MOVED[name]}.",
        DeprecationWarning,
        stacklevel=2,
    )
    return found
