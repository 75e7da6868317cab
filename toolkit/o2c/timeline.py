"""An order's timeline (the walk-through): its steps in time order beside the ideal path.

One row per event of the order, in log order, plus one row per step of the ideal path the order
skipped, placed where the alignment puts it. Each event row has its timestamp, resource, the
**wait** before it (its start, ``start_timestamp`` where the log has one, else its
``timestamp``, minus the end of the order's previous event: the waiting time of
``o2c.transitions``, signed, so overlapping work shows a negative wait), its **processing**
time (``timestamp`` minus ``start_timestamp``; none without start times; with a working
calendar both are working time, each followed by its calendar-time twin), its **move** from the
alignment of the order's trace to the ideal path (``on path``: a synchronous move; ``inserted``:
a log move; ``skipped``: a model move of a required step, the rows without an event; optional
steps skipped as allowed get no row), whether it is **rework** (its activity already happened
earlier in the order, for the same object in a log flattened from objects, as ``o2c.rework``
counts repeats), the **milestone** it reaches (the first
event of a milestone's activity, as the KPIs take it) and the order's **days past due** (payment
date minus due date in whole days, as the ``days_past_due`` KPI counts it).

The alignment is the one ``o2c.align`` makes: the exact sequence alignment for an
``IdealPath``, pm4py's for a ``ProcessModel``, computed once per variant and joined back to the
orders.

Examples
--------
>>> from o2c import example_log
>>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
...                    "Create Invoice", "Receive Payment"))
>>> case_timeline(example_log(), "2", ideal=ideal)[["step", "activity", "move", "rework", "milestone"]]
   step            activity      move  rework  milestone
0     1  Create Sales Order   on path   False    ordered
1     2        Check Credit   on path   False       None
2     3        Check Credit  inserted    True       None
3     4       Confirm Order   on path   False       None
4     5          Ship Goods   on path   False  delivered
5     6      Create Invoice   on path   False   invoiced
6  <NA>     Receive Payment   skipped   False       None
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl

import o2c._pm4py as _pm4py
from o2c._assess import _has_transitions
from o2c._calendar import WorkingCalendar, check_calendar, working_log
from o2c._kpis._milestones import _milestones
from o2c._kpis._orders import DAYS_PAST_DUE, PAID_WITH_DUE, case_table, with_terms
from o2c._milestones import Milestone, find_milestones
from o2c._rework import repeated
from o2c.conformance.alignments import (
    MODEL_MOVE_COST,
    SILENT_MOVE_COST,
    _log_variants,
    _sequence_alignment,
    _Variants,
)
from o2c.conformance.discover import _discover_ideal_path
from o2c.discovery import _activity_instances, event_start
from o2c.errors import ArgumentError, IdealPathError, did_you_mean
from o2c.log import ACTIVITY, CASE_ID, CASE_IDS, RESOURCE, START_TIMESTAMP, TIMESTAMP, UTC, validate
from o2c.model import MILESTONES, IdealPath, ProcessModel

#: The columns of a timeline, in order.
COLUMNS = (
    "case_id",
    "step",
    "activity",
    "timestamp",
    "resource",
    "wait",
    "processing",
    "move",
    "rework",
    "milestone",
    "days_past_due",
)

#: The values of ``move``: a synchronous move, a log move, a model move of a required step.
MOVES = ("on path", "inserted", "skipped")

_SCHEMA = pl.Schema(
    {
        "case_id": pl.String(),
        "step": pl.Int64(),
        "activity": pl.String(),
        "timestamp": UTC,
        "resource": pl.String(),
        "wait": pl.Duration("us"),
        "processing": pl.Duration("us"),
        "move": pl.String(),
        "rework": pl.Boolean(),
        "milestone": pl.String(),
        "days_past_due": pl.Float64(),
    }
)

#: With a working calendar: the calendar-time twins of ``wait`` and ``processing``, each after its column.
CALENDAR_TWINS = {"wait": "wait_calendar", "processing": "processing_calendar"}


def _schema(calendar: WorkingCalendar | None) -> pl.Schema:
    """The timeline's columns: ``COLUMNS``, with a calendar each duration followed by its twin."""
    if calendar is None:
        return _SCHEMA
    columns: dict[str, pl.DataType] = {}
    for name, dtype in _SCHEMA.items():
        columns[name] = dtype
        if name in CALENDAR_TWINS:
            columns[CALENDAR_TWINS[name]] = dtype
    return pl.Schema(columns)


def case_timeline(
    log: pl.DataFrame | pd.DataFrame,
    case_id: object,
    *,
    ideal: IdealPath | ProcessModel | None = None,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """One order's steps in time order, with waits, resources, moves against the ideal path,
    rework, milestones and days past due.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``). Lifecycle start/complete events are
        folded into activity instances first (``o2c.activity_instances``), as ``o2c.assess``
        does by default.
    case_id : str
        The order; compared as text, so ``17`` finds the order ``"17"``.
    ideal : IdealPath or ProcessModel, optional
        The path to align the order to; its ``milestones`` name the milestones. Default: the
        path ``o2c.assess`` uses without one (``o2c.discover_ideal_path`` among the orders that
        reached the paid milestone guessed from the activity names), with guessed milestones.
    calendar : WorkingCalendar, optional
        Count ``wait`` and ``processing`` in working time (``o2c.read_calendar``), as
        ``o2c.assess(..., calendar=)`` counts the waits; each is then followed by its
        calendar-time twin, ``wait_calendar`` and ``processing_calendar``. Timestamps stay real.

    Returns
    -------
    DataFrame
        One row per event of the order in log order, and one per required step of the ideal
        path it skipped, where the alignment puts it: ``case_id``, ``step`` (1-based position
        among the order's events; <NA> for skipped steps), ``activity``, ``timestamp`` (UTC;
        NaT when skipped), ``resource`` (None without one), ``wait`` (the event's start minus
        the previous event's end; NaT for the first event and skipped steps), ``processing``
        (``timestamp`` minus ``start_timestamp``; NaT without start times), ``move`` (``on
        path``, ``inserted`` or ``skipped``; None where pm4py gave up on the variant),
        ``rework`` (the activity happened earlier in the order; for the same object when the
        log has an ``object_id`` column, as ``o2c.rework`` counts), ``milestone`` (``ordered``,
        ``delivered``, ``invoiced`` or ``paid`` on the event that reaches it, else None) and
        ``days_past_due`` (the order's payment date minus due date in whole days, on each row;
        NaN without a payment or a due date).

    Raises
    ------
    ArgumentError
        When the log has no order ``case_id``; the message names a few that exist.

    Examples
    --------
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"))
    >>> timeline = case_timeline(example_log(), 3, ideal=ideal)
    >>> timeline[["step", "activity", "wait", "move"]]
       step            activity             wait      move
    0     1  Create Sales Order              NaT   on path
    1  <NA>        Check Credit              NaT   skipped
    2     2       Confirm Order  0 days 03:00:00   on path
    3     3        Change Price  0 days 05:00:00  inserted
    4     4       Confirm Order  0 days 01:00:00  inserted
    5     5          Ship Goods  2 days 13:00:00   on path
    6     6      Create Invoice  0 days 02:00:00   on path
    7     7     Receive Payment 17 days 20:00:00   on path

    With a working calendar (weekdays 09:00-17:00), the waits count working time: shipped
    Saturday 07:00 after confirming Wednesday 18:00 is Thursday's and Friday's 16 working hours;
    invoiced Saturday, nothing:

    >>> from o2c import WorkingCalendar
    >>> office = WorkingCalendar({day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")})
    >>> case_timeline(example_log(), 3, ideal=ideal, calendar=office)[["activity", "wait", "wait_calendar"]].tail(3)
              activity            wait    wait_calendar
    5       Ship Goods 0 days 16:00:00  2 days 13:00:00
    6   Create Invoice 0 days 00:00:00  0 days 02:00:00
    7  Receive Payment 4 days 00:00:00 17 days 20:00:00
    """
    calendar = check_calendar(calendar, function="case_timeline")
    validated = validate(log)
    if _has_transitions(validated):
        validated = _activity_instances(validated)
    key = str(case_id)
    if validated.select((pl.col(CASE_ID) == key).any()).item() is not True:
        raise _unknown_case(validated, key)
    return _to_pandas(_timelines(validated, ideal=ideal, cases=[key], calendar=calendar))


def _unknown_case(log: pl.DataFrame, key: str) -> ArgumentError:
    ids = log.select(CASE_IDS)[CASE_ID]
    few = ", ".join(repr(i) for i in ids.head(5).to_list())
    more = f" ({ids.len():,} orders in all)" if ids.len() > 5 else ""
    hint = did_you_mean(key, ids.to_list()) if ids.len() <= 100_000 else ""
    return ArgumentError(
        f"The event log has no order {key!r}; orders are, for example, {few}{more}.{hint}",
        function="case_timeline",
        argument="case_id",
        value=key,
        allowed=tuple(ids.head(5).to_list()),
    )


def _to_pandas(timelines: pl.DataFrame) -> pd.DataFrame:
    """A timeline frame as pandas: ``step`` as nullable integers, text that may be missing as
    objects with None (not NaN), as the other result tables show missing names."""
    frame = timelines.to_pandas()
    frame["step"] = pd.array(timelines["step"].to_list(), dtype="Int64")
    for column in ("resource", "move", "milestone"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _timelines(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | ProcessModel | None,
    cases: Sequence[str] | None = None,
    calendar: WorkingCalendar | None = None,
    time_budget: float | None = None,
) -> pl.DataFrame:
    """The timelines of all orders of a validated log (of ``cases`` only when given), in log order;
    with a ``calendar``, waits and processing times in working time, their twins beside. A
    ``ProcessModel``'s alignments ``assess`` made are reused; with a ``time_budget`` (the one
    ``assess`` was given), only those: the variants it did not reach have no moves.

    The ideal path (discovered when None, as ``assess`` does) and the milestones come from the
    whole log; the events of the orders asked for are aligned once per variant and joined back.
    """
    if ideal is None:  # as assess: the most frequent successful variant, milestones guessed
        paid = _milestones(log).set_index("milestone")["activity"].get("paid")
        ideal = _discover_ideal_path(log, paid=paid if isinstance(paid, str) else None)
        stones = find_milestones(log)
    else:
        stones = find_milestones(log, ideal if isinstance(ideal, IdealPath) else None)
    if cases is not None:
        log = log.filter(pl.col(CASE_ID).is_in(pl.Series(list(cases), dtype=pl.String).implode()))
    schema = _schema(calendar)
    if log.height == 0:
        return pl.DataFrame(schema=schema)
    variants = _log_variants(log)
    moves = _variant_moves(variants, ideal, time_budget)
    events = _events(log, stones, variants, calendar)
    on_path = moves.filter(pl.col("_position").is_not_null()).drop("activity")
    on_events = events.join(on_path, on=["_variant", "_position"], how="left", maintain_order="left")
    skipped = (
        events.filter(pl.col("_position") == 0)
        .select("_case", "_variant", CASE_ID, "days_past_due")
        .join(moves.filter(pl.col("_position").is_null()), on="_variant", how="inner")
    )
    rows = pl.concat(
        [
            on_events,
            skipped.with_columns(
                step=pl.lit(None, pl.Int64),
                timestamp=pl.lit(None, UTC),
                resource=pl.lit(None, pl.String),
                **{
                    name: pl.lit(None, pl.Duration("us"))
                    for name in schema.names()
                    if name in CALENDAR_TWINS or name in CALENDAR_TWINS.values()
                },
                rework=pl.lit(False),
                milestone=pl.lit(None, pl.String),
            ),
        ],
        how="diagonal_relaxed",
    )
    return rows.sort("_case", "_order", "step", nulls_last=True, maintain_order=True).select(
        [pl.col(name).cast(dtype) for name, dtype in schema.items()]
    )


def _events(
    log: pl.DataFrame, stones: dict[str, Milestone], variants: _Variants, calendar: WorkingCalendar | None
) -> pl.DataFrame:
    """The event rows: case number, variant, position, and every column of the timeline but ``move``
    (with a ``calendar``, ``wait`` and ``processing`` in working time, their twins in calendar time)."""
    case = pl.col(CASE_ID).rle_id()
    same_case = case == case.shift(1)
    rework = repeated(log)  # per object where the log names one, as o2c.rework counts
    again = pl.int_range(pl.len()).over(case, pl.col(ACTIVITY)) > 0  # a milestone is the order's first
    reached = {stones[m].activity: m for m in reversed(MILESTONES) if stones[m].activity is not None}
    milestone = (
        pl.when(~again)
        .then(pl.col(ACTIVITY).cast(pl.String).replace_strict(reached, default=None, return_dtype=pl.String))
        .otherwise(None)
    )

    def durations(frame: pl.DataFrame) -> pl.DataFrame:
        processing = (
            pl.col(TIMESTAMP) - pl.col(START_TIMESTAMP)
            if START_TIMESTAMP in frame.columns
            else pl.lit(None, pl.Duration("us"))
        )
        wait = pl.when(same_case).then(event_start(frame) - pl.col(TIMESTAMP).shift(1))
        return frame.select(wait=wait, processing=processing)

    times = durations(working_log(log, calendar))
    if calendar is not None:
        times = times.with_columns(durations(log).rename(CALENDAR_TWINS))
    variant_of_case = pl.Series(variants.cases["variant"].to_numpy().astype(np.int64))
    events = log.select(
        pl.col(CASE_ID),
        _case=case,
        _position=pl.int_range(pl.len()).over(case).cast(pl.Int64),
        activity=pl.col(ACTIVITY).cast(pl.String),
        timestamp=pl.col(TIMESTAMP),
        resource=pl.col(RESOURCE).cast(pl.String) if RESOURCE in log.columns else pl.lit(None, pl.String),
        rework=rework,
        milestone=milestone,
    ).with_columns(*times.get_columns(), step=pl.col("_position") + 1)
    events = events.with_columns(_variant=variant_of_case.gather(events["_case"]))
    return events.join(_days_past_due(log, stones), on=CASE_ID, how="left", maintain_order="left")


def _days_past_due(log: pl.DataFrame, stones: dict[str, Milestone]) -> pl.DataFrame:
    """Per order: ``days_past_due`` as the KPI counts it (null unless paid and with a due date)."""
    table = with_terms(case_table(log, stones), log)
    return table.select(CASE_ID, days_past_due=pl.when(PAID_WITH_DUE).then(DAYS_PAST_DUE).cast(pl.Float64))


def _variant_moves(
    variants: _Variants, ideal: IdealPath | ProcessModel, time_budget: float | None = None
) -> pl.DataFrame:
    """Each variant's alignment as rows: ``_variant``, ``_order`` (position in the alignment),
    ``_position`` (the event's position in the trace; null for a skipped step), ``move`` and,
    for skipped steps, ``activity``. Silent moves and optional steps skipped are left out."""
    if isinstance(ideal, IdealPath):
        return _sequence_moves(variants, ideal)
    return _pm4py_moves(variants, ideal, time_budget)


def _sequence_moves(variants: _Variants, ideal: IdealPath) -> pl.DataFrame:
    """The moves of the exact sequence alignment (``o2c.align``'s), all variants at once."""
    code_of = {name: code for code, name in enumerate(variants.names)}
    step_codes = np.array([code_of.get(step, -1) for step in ideal.steps], dtype=np.int64)
    step_costs = np.array(
        [SILENT_MOVE_COST if step in ideal.optional else MODEL_MOVE_COST for step in ideal.steps],
        dtype=np.int64,
    )
    _, log_moves, model_moves = _sequence_alignment(variants.codes, variants.lengths, step_codes, step_costs)
    n_variants = len(variants.lengths)
    model_variant, model_order, model_step = model_moves
    total = variants.lengths + np.bincount(model_variant, minlength=n_variants)
    first = np.cumsum(total) - total
    is_model = np.zeros(int(total.sum()), dtype=bool)
    is_model[first[model_variant] + model_order] = True
    is_log = np.zeros(int(total.sum()), dtype=bool)
    is_log[first[log_moves[0]] + log_moves[1]] = True
    variant = np.repeat(np.arange(n_variants, dtype=np.int64), total)
    order = np.arange(int(total.sum()), dtype=np.int64) - np.repeat(first, total)
    event_first = np.cumsum(variants.lengths) - variants.lengths
    position = np.full(int(total.sum()), -1, dtype=np.int64)
    position[~is_model] = np.arange(int((~is_model).sum()), dtype=np.int64) - np.repeat(
        event_first, variants.lengths
    )
    step_name = np.full(int(total.sum()), None, dtype=object)
    visible = np.zeros(int(total.sum()), dtype=bool)
    model_index = first[model_variant] + model_order
    step_name[model_index] = np.array(ideal.steps, dtype=object)[model_step]
    visible[model_index] = step_costs[model_step] == MODEL_MOVE_COST
    keep = ~is_model | visible
    move = np.where(is_model, "skipped", np.where(is_log, "inserted", "on path"))
    return pl.DataFrame(
        {
            "_variant": variant[keep],
            "_order": order[keep],
            "_position": pl.Series(position[keep]).replace(-1, None),
            "move": move[keep],
            "activity": pl.Series(step_name[keep].tolist(), dtype=pl.String),
        }
    )


def _pm4py_moves(variants: _Variants, model: ProcessModel, time_budget: float | None = None) -> pl.DataFrame:
    """The moves of pm4py's alignment of each variant to a Petri net (unresolved: ``move`` null)."""
    if not _pm4py.is_easy_sound(model.net, model.initial_marking, model.final_marking):
        raise IdealPathError(
            f"The process model {model.name!r} cannot reach its final marking from its initial "
            "marking, so no trace can be aligned to it; check the model's start and end events."
        )
    rows: dict[str, list[object]] = {
        "_variant": [],
        "_order": [],
        "_position": [],
        "move": [],
        "activity": [],
    }
    aligned = _pm4py.align_traces(
        variants.traces,
        model.net,
        model.initial_marking,
        model.final_marking,
        timeout=30.0,
        known_only=time_budget is not None,
    )
    for number, (trace, result) in enumerate(zip(variants.traces, aligned, strict=True)):  # per variant
        pairs = (
            [(activity, None) for activity in trace]
            if result is None
            else [(log, model) for log, model in result["moves"] if not (log == ">>" and model is None)]
        )
        position = 0
        for order, (log_label, model_label) in enumerate(pairs):
            rows["_variant"].append(number)
            rows["_order"].append(order)
            if log_label == ">>":
                rows["_position"].append(None)
                rows["move"].append("skipped")
                rows["activity"].append(model_label)
                continue
            rows["_position"].append(position)
            rows["move"].append(None if result is None else "inserted" if model_label == ">>" else "on path")
            rows["activity"].append(None)
            position += 1
    return pl.DataFrame(
        rows,
        schema={
            "_variant": pl.Int64(),
            "_order": pl.Int64(),
            "_position": pl.Int64(),
            "move": pl.String(),
            "activity": pl.String(),
        },
    )
