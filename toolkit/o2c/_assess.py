"""The one pipeline: a loaded event log and an ideal path -> every result frame of the toolkit.

``assess`` is what both the ``o2c assess`` command and the notebooks call: data quality,
variants, the directly-follows edges with their waiting times, bottlenecks and what drives them,
rework and what it costs, alignment to the ideal path with the cost of divergence and flow
efficiency, and the order-to-cash KPIs. Without an ideal path it takes the log's most frequent
variant as one (``o2c.discover_ideal_path``) and says so (``ideal_discovered``).

Examples
--------
>>> from o2c.io import read_log
>>> from o2c import example_log
>>> result = assess(read_log(example_log()), progress=False)
>>> result.ideal_discovered, result.ideal.name
(True, 'most frequent variant (1 of 3 orders)')
>>> result.bottlenecks[["rank", "source", "target"]].head(2)
   rank          source           target
0     1  Create Invoice  Receive Payment
1     2   Confirm Order       Ship Goods
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import polars as pl

from o2c import _engines
from o2c._actions import _actions
from o2c._approvals import Approvals, _approvals
from o2c._assess_engine import NOT_ON_ENGINE, engine_memory, engine_name, engine_source, engine_tables
from o2c._calendar import WorkingCalendar, check_calendar, working_log
from o2c._flatten import object_directly_follows, object_facts
from o2c._kpis._late_payment import _late_payment_drivers
from o2c._kpis._milestones import _milestones
from o2c._kpis._stuck import _stuck_orders
from o2c._kpis._table import _kpis
from o2c._object_waits import _deduplicated_waiting_times
from o2c._objects import EVENT_ID
from o2c._progress import progress as _progress
from o2c._rekeyed import RekeyedValues, _rekeyed_values
from o2c._rework import _first_time_right, _rekeyed_data, _rework, _rework_cost
from o2c._risk import PaymentRisk, _payment_risk
from o2c._time_only import _time_only_steps
from o2c.conformance import ConformanceSummary, IdealPath, ProcessModel, conformance_summary
from o2c.conformance.alignments import _align
from o2c.conformance.cost import _cost_of_divergence, _flow_efficiency, _lead_time_split
from o2c.conformance.discover import DISCOVERY_METHODS, _discover_ideal_path
from o2c.discovery import (
    _activity_instances,
    _end_activities,
    _start_activities,
    _variants,
)
from o2c.errors import ArgumentError, InputFileError, ToolkitError, check_choice, check_number, check_whole
from o2c.io import LoadedLog, SourceInfo
from o2c.log import LIFECYCLE, TRANSITIONS, empty_rejects, validate
from o2c.performance import (
    _activity_durations,
    _bottlenecks,
    _drivers,
    _edges_and_waits,
    _lead_times,
)
from o2c.quality import _data_quality, _log_summary

#: The steps of ``assess``, in the order they run (one tick of the progress bar each).
STEPS = (
    "data_quality",
    "variants",
    "waiting_times",
    "bottlenecks",
    "drivers",
    "rework",
    "conformance",
    "cost_of_divergence",
    "kpis",
)

#: The columns ``assess`` puts before those of ``o2c.drivers`` in ``Assessment.drivers``.
DRIVER_EDGE_COLUMNS = ("rank", "source", "target")

_DRIVER_DTYPES = {
    "rank": "int64", "source": object, "target": object, "attribute": object, "value": object,
    "transitions": "int64", "cases": "int64", "wait_median": "timedelta64[us]",
    "others_wait_median": "timedelta64[us]", "ratio": "float64", "p_value": "float64",
    "explained_wait": "timedelta64[us]", "aliases": object,
}  # fmt: skip
_QUALITY_DTYPES = {
    "check": object, "count": "int64", "of": "int64", "share": "float64", "example": object, "detail": object,
}  # fmt: skip
_LATE_PAYMENT_DTYPES = {
    "attribute": object, "value": object, "cases_with": "int64", "cases_without": "int64",
    "median_with": "timedelta64[us]", "median_without": "timedelta64[us]", "difference": "timedelta64[us]",
    "value_affected": "float64", "value_days": "float64", "p_value": "float64", "measure": object,
    "late_share_with": "float64", "late_share_without": "float64", "after_due_share": "float64",
}  # fmt: skip


@dataclass(frozen=True, eq=False)
class Assessment:
    """Everything ``assess`` found, each result under the name of the function that computed it.

    ``source``, ``log`` and ``rejects`` are those of the ``LoadedLog`` (``log`` is the one
    analysed: lifecycle start/complete events folded into activity instances when
    ``parameters["fold_lifecycle"]`` is true). ``ideal`` is the ideal path aligned to, and
    ``ideal_discovered`` says whether it came from the log itself. ``parameters`` holds every
    argument of ``assess`` that shaped a number (``assess(loaded, ideal=..., **parameters)``
    gives the same results again). ``summary`` is ``o2c.log_summary`` of the loaded log, and
    ``currency`` the one value of a ``currency`` column when the log has exactly one.

    The frames: ``data_quality``, ``variants``, ``directly_follows``, ``start_activities`` and
    ``end_activities`` (which the maps draw; not among ``frames()``), ``waiting_times``,
    ``bottlenecks`` (every edge, ranked by total wait, with ``owner``, and with a ``value``
    column ``value_days`` and its ``financing_cost`` at ``annual_rate``), ``drivers`` (of the
    worst ``driver_edges`` internal bottlenecks: ``rank``, ``source``, ``target``, then the
    columns of ``o2c.drivers``), ``activity_durations``, ``lead_times``, ``rework``,
    ``rework_cost``, ``rekeyed_data``, ``alignments`` (``o2c.align``), ``cost_of_divergence``,
    ``flow_efficiency``, ``lead_time_split`` (processing against waiting time of the orders flow
    efficiency measures; no rows without start times), and the order-to-cash frames of ``o2c.kpis``: ``milestones`` (which
    activity means ordered, delivered, invoiced, paid), ``kpis``, ``stuck_orders`` and
    ``late_payment_drivers`` (by days past due where paid orders have a due date, else by
    invoice-to-cash time, its ``measure`` column says which; no rows when the log has no
    invoiced or paid milestone);
    ``first_time_right`` is a share and ``conformance`` a ``ConformanceSummary``. ``actions`` is
    ``o2c.actions`` of the assessment (what to fix first, at ``annual_rate``), computed once.
    ``payment_risk`` is ``o2c.payment_risk`` (who will pay late), or None with the reason in
    ``payment_risk_skipped`` (no paid milestone, no due dates, too few orders with a known outcome).

    ``engine`` is ``duckdb`` or ``spark`` when the log was assessed on an engine (``log`` is then
    the ``ScannedLog`` or Spark DataFrame, and ``rejects`` empty); ``not_computed`` names each
    table an engine does not compute, with the reason (``o2c._assess_engine.NOT_ON_ENGINE``):
    those frames have no rows, and ``approvals``, ``rekeyed_values``, ``time_only_steps``,
    ``actions`` and ``payment_risk`` are None.

    ``calendar`` is the working calendar the waits were counted in, None for calendar time. With
    one, ``waiting_times``, ``bottlenecks``, ``activity_durations`` and ``lead_times`` hold
    working time with each duration's calendar-time twin beside it (``wait_median_calendar``),
    ``drivers`` compare working waits, ``flow_efficiency`` and ``lead_time_split`` measure
    working lead times, and ``alignments`` and ``cost_of_divergence`` hold working lead times
    with ``lead_time_calendar`` and ``extra_time_calendar`` beside them (the financing cost is
    taken on calendar days: interest accrues on every day); ``rework_cost`` and the
    order-to-cash frames (``kpis``, ``stuck_orders``, ``late_payment_drivers``: payment terms
    run on calendar days) stay in calendar time.

    When the log was read from an object-centric file (``loaded.ocel``): ``object_facts``
    (``o2c.object_facts``: items, split and consolidated deliveries, partial invoicing),
    ``deduplicated_waiting_times`` (each wait shared by several orders once) and
    ``object_directly_follows`` (each object type's directly-follows graph); None otherwise.

    ``approvals`` (``o2c.approvals``: approval chains, per chain length and per step, with the
    rubber stamps; the ideal path's ``approval_steps`` or the names decide, a discovered path
    only closes the orders) and ``rekeyed_values`` (``o2c.rekeyed_values``: the attributes
    whose values change within orders), both in calendar time; among ``frames()`` as
    ``approval_chain_lengths``, ``approval_steps`` and ``rekeyed_values``. ``time_only_steps``
    (``o2c.time_only_steps``: the steps that may only add time, candidates first, in calendar time).
    """

    source: SourceInfo
    log: pl.DataFrame = field(repr=False)
    rejects: pl.DataFrame = field(repr=False)
    ideal: IdealPath | ProcessModel
    ideal_discovered: bool
    parameters: Mapping[str, Any]
    summary: Mapping[str, Any]
    currency: str | None
    data_quality: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    directly_follows: pd.DataFrame = field(repr=False)
    start_activities: pd.DataFrame = field(repr=False)
    end_activities: pd.DataFrame = field(repr=False)
    waiting_times: pd.DataFrame = field(repr=False)
    bottlenecks: pd.DataFrame = field(repr=False)
    drivers: pd.DataFrame = field(repr=False)
    activity_durations: pd.DataFrame = field(repr=False)
    lead_times: pd.DataFrame = field(repr=False)
    rework: pd.DataFrame = field(repr=False)
    rework_cost: pd.DataFrame = field(repr=False)
    first_time_right: float
    rekeyed_data: pd.DataFrame = field(repr=False)
    alignments: pd.DataFrame = field(repr=False)
    conformance: ConformanceSummary = field(repr=False)
    cost_of_divergence: pd.DataFrame = field(repr=False)
    flow_efficiency: pd.DataFrame = field(repr=False)
    lead_time_split: pd.DataFrame = field(repr=False)
    milestones: pd.DataFrame = field(repr=False)
    kpis: pd.DataFrame = field(repr=False)
    stuck_orders: pd.DataFrame = field(repr=False)
    late_payment_drivers: pd.DataFrame = field(repr=False)
    calendar: WorkingCalendar | None = None
    object_facts: pd.DataFrame | None = field(default=None, repr=False)
    deduplicated_waiting_times: pd.DataFrame | None = field(default=None, repr=False)
    object_directly_follows: pd.DataFrame | None = field(default=None, repr=False)
    approvals: Approvals | None = field(default=None, repr=False)
    rekeyed_values: RekeyedValues | None = field(default=None, repr=False)
    time_only_steps: pd.DataFrame | None = field(default=None, repr=False)
    actions: pd.DataFrame | None = field(default=None, repr=False)
    payment_risk: PaymentRisk | None = field(default=None, repr=False)
    payment_risk_skipped: str | None = None
    engine: str | None = None
    not_computed: Mapping[str, str] = field(default_factory=dict, repr=False)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every result table by name (the ``tables/`` of a report), ``conformance`` as its activities.

        >>> from o2c.io import read_log
        >>> from o2c import example_log
        >>> sorted(assess(read_log(example_log()), progress=False).frames())[:3]
        ['actions', 'activity_durations', 'alignments']
        """
        names = (
            "data_quality", "variants", "directly_follows", "waiting_times", "bottlenecks", "drivers",
            "activity_durations", "lead_times", "rework", "rework_cost", "rekeyed_data", "alignments",
            "cost_of_divergence", "flow_efficiency", "lead_time_split", "milestones", "kpis", "stuck_orders",
            "late_payment_drivers",
        )  # fmt: skip
        tables = {name: getattr(self, name) for name in names}
        tables["conformance"] = self.conformance.activities
        for name in ("object_facts", "deduplicated_waiting_times", "object_directly_follows", "actions"):
            if getattr(self, name) is not None:
                tables[name] = getattr(self, name)
        if self.approvals is not None:
            tables["approval_chain_lengths"] = self.approvals.by_length
            tables["approval_steps"] = self.approvals.steps
        if self.rekeyed_values is not None:
            tables["rekeyed_values"] = self.rekeyed_values.attributes
        if self.time_only_steps is not None:
            tables["time_only_steps"] = self.time_only_steps
        if self.payment_risk is not None:
            tables["payment_risk"] = self.payment_risk.open_orders
            tables["payment_risk_calibration"] = self.payment_risk.backtest.calibration
        return tables


def assess(
    loaded: LoadedLog | Any,
    *,
    ideal: IdealPath | ProcessModel | None = None,
    discover: str = "most_frequent_variant",
    driver_edges: int = 3,
    min_cases: int = 30,
    annual_rate: float = 0.08,
    closed_only: bool = True,
    fold_lifecycle: bool | None = None,
    progress: bool | None = None,
    calendar: WorkingCalendar | None = None,
    time_budget: float | None = None,
) -> Assessment:
    """Run every analysis of the toolkit on a loaded log: the frames behind a report.

    Parameters
    ----------
    loaded : LoadedLog, ScannedLog or Spark DataFrame
        The result of ``o2c.read_log``; or a log left where it is: a ``ScannedLog``
        (``o2c.scan_log``: Parquet, DuckDB) or a Spark DataFrame, whose tables the engine computes
        (``Assessment.engine``; the tables it does not compute are named in ``not_computed``).
    ideal : IdealPath or ProcessModel, optional
        The ideal path (``o2c.read_ideal_path``) or a process model (``o2c.read_process_model``).
        Without one, the path is discovered from the log with ``discover``.
    discover : str
        How to discover a missing ideal path: one of ``DISCOVERY_METHODS``
        (``most_frequent_variant``, ``inductive_miner``).
    driver_edges : int
        For how many of the worst internal bottlenecks (``owner`` internal) to look for
        drivers (``o2c.drivers``).
    min_cases : int
        Attribute values with fewer cases on an edge are not reported as drivers.
    annual_rate : float
        Yearly cost of capital (0.08 = 8 %) for the financing cost of divergence and of the
        order value held on each edge (``bottlenecks``' ``financing_cost``).
    closed_only : bool
        Compare closed orders only in the cost of divergence and flow efficiency (see
        ``o2c.cost_of_divergence``).
    fold_lifecycle : bool, optional
        Fold lifecycle start/complete events into activity instances (``o2c.activity_instances``)
        before the analyses. Default: when the log has a ``lifecycle`` column with transitions
        other than ``complete`` (``start``, ``schedule``, ``suspend``, ...: XES's lifecycle
        model); the others are dropped, so a scheduled and completed step is one execution.
    progress : bool, optional
        Show one progress bar over the steps (default: when stderr is a terminal).
    calendar : WorkingCalendar, optional
        Count waits, durations and lead times in working time (``o2c.read_calendar``; see
        ``Assessment`` for which frames). Default: the calendar the log was read with
        (``read_log(calendar=...)``), else calendar time; to drop a loaded log's calendar,
        ``dataclasses.replace(loaded, calendar=None)``.
    time_budget : float, optional
        Seconds the alignment to a process model (BPMN, PNML, ``discover="inductive_miner"``)
        may take in all: variants are aligned most frequent first until it is spent, the rest
        stay unresolved, and the report says how many orders were aligned (``o2c.align``).
        None: no budget (on a net too large for its reachability graph, each variant still stops
        after 30 s in pm4py's A*). An ideal path is always aligned whole.

    Returns
    -------
    Assessment
        Every result frame, the source, the ideal path and the parameters.

    Examples
    --------
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"), milestones={"paid": "Receive Payment"})
    >>> result = assess(read_log(example_log()), ideal=ideal, driver_edges=1, min_cases=1, progress=False)
    >>> result.conformance.conforming_cases, round(result.first_time_right, 4)
    (1, 0.3333)
    >>> result.drivers[["rank", "source", "target", "attribute", "value", "ratio"]]
       rank         source      target attribute value     ratio
    0     2  Confirm Order  Ship Goods    region  EMEA  2.208333
    1     2  Confirm Order  Ship Goods    region  AMER  0.452830
    >>> result.drivers["aliases"].tolist()[1]  # the same orders: one effect, one row
    'resource dora; value_band up to 7,500'
    """
    check_choice(discover, DISCOVERY_METHODS, argument="discover", function="assess")
    check_whole(driver_edges, argument="driver_edges", function="assess", least=0)
    check_whole(min_cases, argument="min_cases", function="assess")
    check_number(annual_rate, argument="annual_rate", function="assess")
    if time_budget is not None:
        check_number(time_budget, argument="time_budget", function="assess")
    if not isinstance(loaded, LoadedLog) and _engines.is_engine_log(loaded, function="assess"):
        return _assess_on_engine(
            loaded,
            ideal=ideal,
            discover=discover,
            driver_edges=driver_edges,
            min_cases=min_cases,
            annual_rate=annual_rate,
            closed_only=closed_only,
            fold_lifecycle=fold_lifecycle,
            progress=progress,
            calendar=calendar,
            time_budget=time_budget,
        )
    calendar = check_calendar(calendar, function="assess") or loaded.calendar
    # the one validation of the pipeline: from here on only private twins (o2c.log's "Checked once,
    # at the door")
    loaded_log = validate(loaded.log)
    log = loaded_log
    if log.height == 0:
        raise InputFileError(
            f"{loaded.source.path}: no events are left to assess ({loaded.source.rows:,} rows read, "
            f"{loaded.rejects['source_row'].n_unique():,} rejected; see o2c inspect).",
            path=loaded.source.path,
        )
    fold = _has_transitions(log) if fold_lifecycle is None else bool(fold_lifecycle)
    if fold:
        log = _activity_instances(log)
    parameters = {
        "discover": discover,
        "driver_edges": driver_edges,
        "min_cases": min_cases,
        "annual_rate": annual_rate,
        "closed_only": closed_only,
        "fold_lifecycle": fold,
        "time_budget": time_budget,
    }
    ticks = iter(_progress(STEPS, label="assessing", total=len(STEPS), enabled=progress))
    next(ticks)  # data_quality
    quality, summary = _data_quality(loaded, loaded_log), _log_summary(loaded_log)
    next(ticks)  # variants
    variant_table = _variants(log)
    starts, ends = _start_activities(log), _end_activities(log)
    next(ticks)  # waiting_times
    edges, waits = _edges_and_waits(log, calendar=calendar)  # one pass over the transitions for both
    durations, leads = _activity_durations(log, calendar=calendar), _lead_times(log, calendar=calendar)
    working = working_log(log, calendar)  # the log whose timestamp differences are working time
    next(ticks)  # bottlenecks
    ranked = _bottlenecks(
        log,
        top=None,
        ideal=ideal if isinstance(ideal, IdealPath) else None,
        annual_rate=annual_rate,
        calendar=calendar,
    )
    next(ticks)  # drivers
    driver_table = _edge_drivers(working, ranked, driver_edges, min_cases)
    next(ticks)  # rework
    loops, loop_cost, right, rekeyed = (
        _rework(log),
        _rework_cost(log),
        _first_time_right(log),
        _rekeyed_data(log),
    )
    next(ticks)  # conformance
    discovered = ideal is None
    stones: pd.DataFrame | None = None
    if ideal is None:  # the most frequent successful variant of the orders that reached the paid step
        stones = _milestones(log)  # guessed; the discovered path's paid step is this guess
        paid = stones.set_index("milestone")["activity"].get("paid")
        ideal = _discover_ideal_path(log, method=discover, paid=paid if isinstance(paid, str) else None)
    alignments = _align(
        log, ideal, progress=False, calendar=calendar, time_budget=time_budget
    )  # the one bar is the steps bar
    next(ticks)  # cost_of_divergence
    path = ideal if isinstance(ideal, IdealPath) else None
    divergence = _cost_of_divergence(
        log, alignments, ideal=path, annual_rate=annual_rate, closed_only=closed_only
    )
    efficiency = _flow_efficiency(working, ideal, closed_only=closed_only)
    split = _lead_time_split(working, ideal, closed_only=closed_only)
    next(ticks)  # kpis
    given = None if discovered else path  # a discovered path's paid step is the guess: keep its rule
    if stones is None:
        stones = _milestones(log, ideal=given)
    table = _kpis(log, ideal=given)
    stuck = _stuck_orders(log, ideal=given)
    payable = stones.set_index("milestone").loc[["invoiced", "paid"], "activity"].notna().all()
    late = (
        _late_payment_drivers(log, ideal=given, min_cases=min_cases)
        if payable
        else _empty(_LATE_PAYMENT_DTYPES)
    )
    risk, risk_skipped = _risk_or_reason(log, given, bool(payable))
    facts = shared_waits = object_edges = None
    if loaded.ocel is not None:  # read from an object-centric file: the facts of its objects
        facts = object_facts(loaded.ocel, case=loaded.source.mapping.case_id)
        object_edges = object_directly_follows(loaded.ocel)
        if EVENT_ID in log.columns:
            shared_waits = _deduplicated_waiting_times(log)
    chains = _approvals(log, ideal=path)
    rekeyed_values = _rekeyed_values(log)
    time_only = _time_only_steps(log, ideal=path)
    next(ticks, None)
    result = Assessment(
        source=loaded.source,
        log=log,
        rejects=loaded.rejects,
        ideal=ideal,
        ideal_discovered=discovered,
        parameters=parameters,
        summary=summary,
        currency=_currency(log),
        data_quality=quality,
        variants=variant_table,
        directly_follows=edges,
        start_activities=starts,
        end_activities=ends,
        waiting_times=waits,
        bottlenecks=ranked,
        drivers=driver_table,
        activity_durations=durations,
        lead_times=leads,
        rework=loops,
        rework_cost=loop_cost,
        first_time_right=right,
        rekeyed_data=rekeyed,
        alignments=alignments,
        conformance=conformance_summary(alignments),
        cost_of_divergence=divergence,
        flow_efficiency=efficiency,
        lead_time_split=split,
        milestones=stones,
        kpis=table,
        stuck_orders=stuck,
        late_payment_drivers=late,
        calendar=calendar,
        object_facts=facts,
        deduplicated_waiting_times=shared_waits,
        object_directly_follows=object_edges,
        approvals=chains,
        rekeyed_values=rekeyed_values,
        time_only_steps=time_only,
        payment_risk=risk,
        payment_risk_skipped=risk_skipped,
    )
    return replace(result, actions=_actions(result, annual_rate=annual_rate))


def _assess_on_engine(
    log: Any,
    *,
    ideal: IdealPath | ProcessModel | None,
    discover: str,
    driver_edges: int,
    min_cases: int,
    annual_rate: float,
    closed_only: bool,
    fold_lifecycle: bool | None,
    progress: bool | None,
    calendar: WorkingCalendar | None,
    time_budget: float | None,
) -> Assessment:
    """``assess`` of a ``ScannedLog`` or a Spark DataFrame (arguments checked)."""
    _engines.check_no_calendar(calendar, function="assess")
    if fold_lifecycle:
        raise ArgumentError(
            "assess(fold_lifecycle=True) folds lifecycle transitions in memory; a scanned log or a Spark "
            "DataFrame holds one event per row, as it is analysed.",
            function="assess",
            argument="fold_lifecycle",
            value=fold_lifecycle,
        )
    engine = engine_name(log)
    ticks = iter(_progress(STEPS, label=f"assessing on {engine}", total=len(STEPS), enabled=progress))
    next(ticks)  # data_quality: not on the engine
    with engine_memory(getattr(log, "memory_limit", None)):
        tables = engine_tables(
            log,
            ideal=ideal,
            discover=discover,
            annual_rate=annual_rate,
            closed_only=closed_only,
            time_budget=time_budget,
            tick=lambda: next(ticks, None),
        )
    next(ticks, None)
    source = engine_source(log, int(tables["summary"]["events"]))  # counted once, by the summary
    return Assessment(
        source=source,
        log=log,
        rejects=empty_rejects(),
        parameters={
            "discover": discover,
            "driver_edges": driver_edges,
            "min_cases": min_cases,
            "annual_rate": annual_rate,
            "closed_only": closed_only,
            "fold_lifecycle": False,
            "time_budget": time_budget,
        },
        data_quality=_empty(_QUALITY_DTYPES),
        drivers=_empty(_DRIVER_DTYPES),
        late_payment_drivers=_empty(_LATE_PAYMENT_DTYPES),
        payment_risk_skipped=NOT_ON_ENGINE["payment_risk"],
        engine=engine,
        **tables,
    )


def _risk_or_reason(
    log: pl.DataFrame, ideal: IdealPath | None, payable: bool
) -> tuple[PaymentRisk | None, str | None]:
    """``o2c.payment_risk`` of the log, or None and why not (no payment milestone, no due dates,
    too few orders with a known outcome): assess never fails for want of it."""
    if not payable:
        return None, "the log has no invoiced or paid milestone"
    try:
        return _payment_risk(log, ideal=ideal), None
    except (ToolkitError, ValueError) as error:
        return None, str(error)


def _has_transitions(log: pl.DataFrame) -> bool:
    """True when the lifecycle column holds XES transitions other than ``complete``."""
    if LIFECYCLE not in log.columns:
        return False
    folded = sorted(TRANSITIONS - {"complete"})
    return bool(log.select(pl.col(LIFECYCLE).str.to_lowercase().is_in(folded).any()).item())


def _edge_drivers(log: pl.DataFrame, ranked: pd.DataFrame, edges: int, min_cases: int) -> pd.DataFrame:
    """``o2c.drivers`` of the worst ``edges`` internal bottlenecks, each row led by its edge."""
    internal = ranked[ranked["owner"] == "internal"].head(edges)
    tables = [
        _drivers(log, (source, target), min_cases=min_cases).assign(rank=rank, source=source, target=target)
        for rank, source, target in internal[list(DRIVER_EDGE_COLUMNS)].itertuples(index=False)
    ]
    if not tables:
        return _empty(_DRIVER_DTYPES)
    table = pd.concat(tables, ignore_index=True)
    columns = [*DRIVER_EDGE_COLUMNS, *[c for c in table.columns if c not in DRIVER_EDGE_COLUMNS]]
    return table[columns]


def _empty(dtypes: Mapping[str, Any]) -> pd.DataFrame:
    """A frame without rows with the given columns and dtypes."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in dtypes.items()})


def _currency(log: pl.DataFrame) -> str | None:
    """The one value of the log's ``currency`` column, when it has exactly one."""
    if "currency" not in log.columns:
        return None
    values = log["currency"].drop_nulls().cast(pl.String).unique()
    return str(values[0]) if values.len() == 1 else None
