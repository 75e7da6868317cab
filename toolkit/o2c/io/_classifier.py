"""How an event's activity is named: the activity alone, or joined with other attributes (a classifier).

XES files declare classifiers (``<classifier name="Activity classifier" keys="concept:name
lifecycle:transition"/>``): the attributes whose values, joined, name an event's activity. A log
whose lifecycle column holds the standard transitions of XES's lifecycle model (``start``,
``complete``, ``schedule``, ...) is best named by the activity alone, its starts and completes
folded into activity instances; a log whose lifecycle column holds statuses (``In Progress``,
``Awaiting Assignment``, ``Resolved``, ...) is not: every status change of one activity would
count as a repeat of it. ``classify`` names the events:

- ``"auto"`` (the default): the activity joined with the lifecycle value
  (``Queued+Awaiting Assignment``) when the lifecycle column holds any value outside the
  standard transitions, else the activity alone;
- ``"activity"``: the activity alone;
- ``"activity+lifecycle"``: the activity joined with the lifecycle value, always;
- the name of a classifier the XES file declares, or a list of columns (XES keys such as
  ``concept:name`` and ``org:resource`` name their columns): those values joined with ``+``.

An empty value is left out of the name (a complete without a lifecycle value keeps its name).
When the lifecycle value is part of the name the ``lifecycle`` column is dropped: it is said.

>>> import polars as pl
>>> from datetime import datetime
>>> log = pl.DataFrame({"case_id": ["1", "1"], "activity": ["Queued", "Queued"],
...     "timestamp": [datetime(2025, 1, 1, 8), datetime(2025, 1, 1, 9)],
...     "lifecycle": ["Awaiting Assignment", "In Progress"]})
>>> named, notes = classify(log, "auto")
>>> named["activity"].to_list(), notes["classifier"]["keys"]
(['Queued+Awaiting Assignment', 'Queued+In Progress'], ['activity', 'lifecycle'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from o2c.errors import ArgumentError, did_you_mean
from o2c.log import ACTIVITY, LIFECYCLE, RESOURCE, TRANSITIONS, validate

AUTO = "auto"
ACTIVITY_ONLY = "activity"
WITH_LIFECYCLE = "activity+lifecycle"
SEPARATOR = "+"

#: The XES keys of the canonical columns; other keys name attribute columns of their own name.
_XES_KEYS = {"concept:name": ACTIVITY, "lifecycle:transition": LIFECYCLE, "org:resource": RESOURCE}


def classify(
    log: pl.DataFrame,
    classifier: str | Sequence[str] | None,
    declared: Mapping[str, Sequence[str]] | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """``log`` with its activities named by ``classifier``, and notes saying how.

    ``declared`` holds the classifiers an XES file declares (name -> keys). The notes hold
    ``classifier`` (``name``, ``keys``: the columns joined, ``rule``: why, in words),
    ``activities_renamed`` (events whose activity changed) and, when the lifecycle column holds
    statuses, ``lifecycle_statuses`` (value -> events).
    """
    declared = dict(declared or {})
    if classifier is not None and not (
        isinstance(classifier, str)
        or (isinstance(classifier, Sequence) and all(isinstance(k, str) for k in classifier))
    ):
        raise ArgumentError(
            f"A classifier is a name ({AUTO!r}, {ACTIVITY_ONLY!r}, {WITH_LIFECYCLE!r} or an XES classifier's) "
            f"or a list of column names; got {classifier!r}.",
            function="read_log",
            argument="classifier",
            value=classifier,
            allowed="a classifier's name or a list of column names",
        )
    statuses = _statuses(log)
    name, keys, rule = _choose(log, AUTO if classifier is None else classifier, declared, statuses)
    notes: dict[str, Any] = {
        "classifier": {"name": name, "keys": keys, "rule": rule},
        "activities_renamed": 0,
    }
    if statuses:
        notes["lifecycle_statuses"] = statuses
    if keys == [ACTIVITY]:
        return log, notes
    joined = pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator=SEPARATOR, ignore_nulls=True)
    named = log.with_columns(joined.alias(ACTIVITY))
    notes["activities_renamed"] = int(
        named.select((pl.col(ACTIVITY) != log[ACTIVITY].cast(pl.String)).sum()).item()
    )
    if LIFECYCLE in keys:
        named = named.drop(LIFECYCLE)
    return validate(named), notes


def _choose(
    log: pl.DataFrame,
    classifier: str | Sequence[str],
    declared: dict[str, Sequence[str]],
    statuses: dict[str, int],
) -> tuple[str, list[str], str]:
    """The classifier's name, the columns it joins, and the rule in words (which depends on the
    outcome only, so that a rerun naming the classifier ``auto`` chose says the same);
    ``statuses`` are the log's (``_statuses``)."""
    if not isinstance(classifier, str):
        keys = [str(k) for k in classifier]
        if not keys:
            raise ArgumentError(
                "A classifier needs at least one column to name events by; got an empty list.",
                function="read_log",
                argument="classifier",
                value=classifier,
                allowed="a classifier's name or a list of column names",
            )
        columns = _columns(log, keys, "the classifier")
        return SEPARATOR.join(columns), columns, "the columns given, joined with '+'"
    chosen = classifier.strip()
    if chosen.lower() == AUTO:
        chosen = WITH_LIFECYCLE if statuses else ACTIVITY_ONLY
    if chosen.lower() == ACTIVITY_ONLY:
        return ACTIVITY_ONLY, [ACTIVITY], _rule([ACTIVITY], log, statuses)
    if chosen.lower() == WITH_LIFECYCLE:
        if LIFECYCLE not in log.columns:
            raise ArgumentError(
                f"The classifier {WITH_LIFECYCLE!r} needs a lifecycle column, and the log has none "
                f"(columns: {', '.join(log.columns)}); map one with lifecycle=... or use 'activity'.",
                function="read_log",
                argument="classifier",
                value=classifier,
                allowed="a classifier whose columns the log has",
            )
        return WITH_LIFECYCLE, [ACTIVITY, LIFECYCLE], _rule([ACTIVITY, LIFECYCLE], log, statuses)
    by_name = {n.lower(): n for n in declared}
    if chosen.lower() in by_name:
        name = by_name[chosen.lower()]
        return name, _columns(log, declared[name], name), f"the file's classifier {name!r}"
    choices = [AUTO, ACTIVITY_ONLY, WITH_LIFECYCLE, *declared]
    raise ArgumentError(
        f"Unknown classifier {chosen!r}; choose one of {choices}, or name the columns to join."
        + did_you_mean(chosen, choices),
        function="read_log",
        argument="classifier",
        value=classifier,
        allowed=choices,
    )


def _rule(keys: list[str], log: pl.DataFrame, statuses: dict[str, int]) -> str:
    """Why events are named by ``keys``, in words."""
    shown = ", ".join(f"{v!r} ({n:,})" for v, n in list(statuses.items())[:4]) + (
        ", ..." if len(statuses) > 4 else ""
    )
    if keys == [ACTIVITY]:
        if statuses:
            return f"the activity alone, though the lifecycle column holds statuses ({shown})"
        return "the activity alone" + (
            " (lifecycle transitions are folded into activity instances)" if LIFECYCLE in log.columns else ""
        )
    if statuses:
        return (
            f"the lifecycle column holds statuses, not start/complete transitions ({shown}): each "
            "activity is named with its status"
        )
    return "the activity with its lifecycle transition"


def _columns(log: pl.DataFrame, keys: Sequence[str], name: str) -> list[str]:
    """The log's columns for XES keys or column names; a key the log lacks is an error."""
    columns = [_XES_KEYS.get(k, k) for k in keys]
    columns = [
        c if c in log.columns or not c.startswith("case:") else c.removeprefix("case:") for c in columns
    ]
    missing = [k for k, c in zip(keys, columns, strict=True) if c not in log.columns]
    if missing:
        raise ArgumentError(
            f"{name} joins {missing[0]!r}, which the log does not have; columns: {', '.join(log.columns)}."
            + did_you_mean(missing[0], log.columns),
            function="read_log",
            argument="classifier",
            value=missing[0],
            allowed=log.columns,
        )
    return list(dict.fromkeys(columns))


def _statuses(log: pl.DataFrame) -> dict[str, int]:
    """Lifecycle values outside XES's standard transitions, with their events, most frequent first."""
    if LIFECYCLE not in log.columns:
        return {}
    counts = (
        log.select(pl.col(LIFECYCLE).cast(pl.String))
        .drop_nulls()
        .filter(~pl.col(LIFECYCLE).str.to_lowercase().is_in(sorted(TRANSITIONS)))
        .group_by(LIFECYCLE)
        .len()
        .sort(["len", LIFECYCLE], descending=[True, False])
    )
    return {str(v): int(n) for v, n in counts.iter_rows()}
