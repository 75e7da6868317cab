"""Alignment of each case to the ideal path: fitness as pm4py defines it, skipped and inserted steps.

An alignment pairs a trace with a run of the model move by move: a *synchronous move* (the
event is the next step), a *log move* (an event the model does not expect: an **inserted
step**), a *model move* (a step the trace lacks: a **skipped step**) or a *silent move* (an
optional step skipped as allowed). pm4py's standard cost function prices log and model moves at
10000, silent moves at 1 and synchronous moves at 0; an optimal alignment has the least cost.

Arithmetic, exactly as pm4py's: a trace's worst cost (pm4py's ``bwc``) is the cost of all its
events as log moves plus the cheapest run of the model (required steps 10000 each, optional
steps 1 each); trace fitness is ``1 - (cost // 10000) / (worst_cost // 10000)``, so silent moves
do not lower it (trace a, c on a, [b], c: cost 1, worst cost 40001, fitness 1.0); log fitness is
``1 - sum(cost) / sum(worst_cost)`` over the cases, with the raw costs, silent moves included.

Each variant is aligned once and joined back to its cases. For an ``IdealPath`` (a sequence with
optional steps) an exact dynamic programme (the edit distance to the path, each optional step
skippable at cost 1) gives pm4py's optimal cost on the Petri net pm4py makes of the path
(``o2c._pm4py.sequence_net``). A ``ProcessModel`` (BPMN, PNML, discovered) is aligned with
pm4py's costs as cheapest paths over the net's reachability graph (``o2c._net_align``: exact,
every variant's cost equal to pm4py's A*, prefixes shared between variants); a net with too
many reachable markings goes to pm4py's A* alignments with a time limit per variant.

Examples
--------
>>> from o2c import example_log
>>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
...                    "Create Invoice", "Receive Payment"))
>>> align(example_log(), ideal)[["case_id", "fitness", "skipped_steps", "inserted_steps"]]
  case_id   fitness        skipped_steps                   inserted_steps
0       1  1.000000                   ()                               ()
1       2  0.833333  (Receive Payment,)                  (Check Credit,)
2       3  0.769231     (Check Credit,)  (Change Price, Confirm Order)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

import o2c._pm4py as _pm4py
from o2c import _engines
from o2c._calendar import WorkingCalendar, check_calendar
from o2c._engines import EventLog
from o2c._progress import progress as _progress
from o2c.discovery import _case_variants, _variants
from o2c.errors import ArgumentError, IdealPathError, check_choice, check_frame, check_number
from o2c.log import CASE_ID, validate
from o2c.model import IdealPath, ProcessModel
from o2c.performance import _lead_times

#: pm4py's standard costs (``align_utils.STD_MODEL_LOG_MOVE_COST`` and ``STD_TAU_COST``).
LOG_MOVE_COST = 10_000
MODEL_MOVE_COST = 10_000
SILENT_MOVE_COST = 1

#: How ``align`` aligns: ``auto`` = the exact sequence alignment for an ``IdealPath``, pm4py
#: for a ``ProcessModel``; ``sequence`` and ``pm4py`` force one of them.
METHODS = ("auto", "sequence", "pm4py")

#: The columns of ``align``'s result, in order.
COLUMNS = (
    "case_id",
    "variant_id",
    "fitness",
    "is_fit",
    "skipped_steps",
    "inserted_steps",
    "cost",
    "worst_cost",
    "resolved",
    "lead_time",
)


def align(
    log: EventLog,
    ideal: IdealPath | ProcessModel,
    *,
    method: str = "auto",
    timeout: float = 30.0,
    time_budget: float | None = None,
    progress: bool | None = None,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """Align each case to the ideal path: pm4py's fitness, skipped steps and inserted steps.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log (see ``o2c.log``), polars or pandas; or a log left in Parquet
        (``o2c.scan_log``) or a PySpark DataFrame: the engine finds the variants and each
        case's variant and lead time, the variants are aligned here (without a ``calendar``).
    ideal : IdealPath or ProcessModel
        The ideal path (steps, optional steps), or a Petri net read with
        ``o2c.read_process_model`` or found with ``o2c.discover_ideal_path``.
    method : {"auto", "sequence", "pm4py"}
        ``auto`` aligns an ``IdealPath`` with the exact sequence alignment and a
        ``ProcessModel`` as pm4py does (module doc); ``pm4py`` sends an ``IdealPath`` there too
        (as the Petri net pm4py makes of it).
    timeout : float
        Seconds pm4py's A* may spend on one variant (a net with more than
        ``o2c._net_align.MAX_STATES`` reachable markings); a variant it does not finish is kept
        with ``resolved`` False and ``fitness`` NaN. The sequence alignment and the alignment on
        the reachability graph always finish.
    time_budget : float, optional
        Seconds the alignment to a Petri net may spend on all variants together: variants are
        aligned most frequent first (on the reachability graph, ``o2c._pm4py.BATCH_EVENTS``
        events at a time), and none starts once the budget is spent (the batch or variant
        running finishes); the rest are kept unresolved, like a variant over ``timeout``.
        None: no budget. The sequence alignment ignores it.
    progress : bool, optional
        Show a progress bar over the variants aligned to a Petri net (default: when stderr is a
        terminal).
    calendar : WorkingCalendar, optional
        ``lead_time`` in working time (``o2c.read_calendar``), followed by ``lead_time_calendar``.

    Returns
    -------
    DataFrame
        One row per case, sorted by ``case_id``: ``case_id``, ``variant_id`` (1 = the most
        frequent variant, ties by trace), ``fitness`` (pm4py's trace fitness), ``is_fit``
        (fitness 1: no skipped or inserted step), ``skipped_steps`` (required steps the case
        lacks: model moves) and ``inserted_steps`` (events the path does not expect: log moves),
        tuples of activity names in alignment order, ``cost`` and ``worst_cost`` (pm4py's
        ``cost`` and ``bwc``), ``resolved`` and ``lead_time`` (first start to last event).
        Unresolved cases have ``fitness`` NaN, ``is_fit`` False and no steps (None).

    Notes
    -----
    When several alignments have the least cost, the sequence alignment reads the trace from
    its start and takes a synchronous move whenever one is optimal, else a model move, else a
    log move: a step is matched to its first occurrence and later repeats are inserted (trace
    a, b, a, c on a, b, c inserts the second a; trace c, a on a, c skips a and inserts a).
    pm4py may return another optimal alignment: cost and fitness are the same, the moves may
    differ, so compare costs and fitness with pm4py, not moves.

    Examples
    --------
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"), optional=frozenset({"Check Credit"}))
    >>> align(example_log(), ideal)[["case_id", "variant_id", "fitness", "cost", "worst_cost"]]
      case_id  variant_id   fitness   cost  worst_cost
    0       1           2  1.000000      0      110001
    1       2           1  0.818182  20000      110001
    2       3           3  0.833333  20001      120001
    """
    calendar = check_calendar(calendar, function="align")
    if time_budget is not None:
        check_number(time_budget, argument="time_budget", function="align", least=0)
    options: dict[str, Any] = {
        "method": method,
        "timeout": timeout,
        "time_budget": time_budget,
        "progress": progress,
    }
    if _engines.is_engine_log(log, function="align"):  # variants aligned here, cases joined from the engine
        _engines.check_no_calendar(calendar, function="align")
        found = _variants_of(*_engines.variants_and_cases(log))
        return _aligned_variants(found, ideal, **options)
    return _align(validate(log), ideal, calendar=calendar, **options)


def _align(
    log: pl.DataFrame,
    ideal: IdealPath | ProcessModel,
    *,
    method: str = "auto",
    timeout: float = 30.0,
    time_budget: float | None = None,
    progress: bool | None = None,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """``align`` of a validated log."""
    result = _aligned_variants(
        _log_variants(log), ideal, method=method, timeout=timeout, time_budget=time_budget, progress=progress
    )
    if calendar is not None:  # the lead time in working time, the calendar time beside it
        working = _lead_times(log, calendar=calendar).set_index(CASE_ID)["lead_time"]
        result["lead_time_calendar"] = result["lead_time"]
        result["lead_time"] = working.reindex(result[CASE_ID]).to_numpy()
    return result


def _aligned_variants(
    variants: _Variants,
    ideal: IdealPath | ProcessModel,
    *,
    method: str,
    timeout: float,
    time_budget: float | None,
    progress: bool | None,
) -> pd.DataFrame:
    """``align``'s table: each variant aligned once, each case beside its variant's alignment."""
    check_choice(method, METHODS, argument="method", function="align")
    if method == "sequence" and isinstance(ideal, ProcessModel):
        raise ArgumentError(
            f"align(method='sequence') needs an IdealPath; {ideal.name!r} is a Petri net. "
            "Use method='auto' or 'pm4py'.",
            function="align",
            argument="method",
            value=method,
            allowed=("auto", "pm4py"),
        )
    if isinstance(ideal, IdealPath) and method != "pm4py":
        aligned = _align_sequence(variants, ideal)
    else:
        model = ideal if isinstance(ideal, ProcessModel) else _as_model(ideal)
        aligned = _align_pm4py(variants, model, timeout=timeout, time_budget=time_budget, progress=progress)
    result = _join_cases(variants, aligned)
    if isinstance(ideal, IdealPath):
        result.attrs["ideal"] = ideal  # cost_of_divergence reads the milestones
    return result


@dataclass(frozen=True)
class _Variants:
    """The log's variants, numbered as ``discovery.variants``, as activity codes; and each case's."""

    cases: pd.DataFrame  # case_id, variant (0-based index), lead_time; in log order (by case_id)
    traces: list[tuple[str, ...]]  # per variant, in variant order
    lengths: np.ndarray  # events per variant
    codes: np.ndarray  # the variants' events, concatenated, as codes into `names`
    names: np.ndarray  # activity names, sorted; a code is an index into it


def _log_variants(log: pl.DataFrame) -> _Variants:
    """Variants (most cases first, ties by trace) with each case's variant and lead time."""
    return _variants_of(_variants(log), _case_variants(log), _lead_times(log))


def _variants_of(table: pd.DataFrame, case_variants: pd.DataFrame, lead_times: pd.DataFrame) -> _Variants:
    """``_Variants`` from ``o2c.variants``, ``case_variants`` and ``lead_times`` of one log (in
    memory or from an engine)."""
    traces = [tuple(trace) for trace in table["trace"]]
    cases = case_variants.merge(lead_times[[CASE_ID, "lead_time"]], on=CASE_ID, validate="one_to_one")
    cases["variant"] = cases.pop("variant_id").to_numpy() - 1
    events = pl.Series(traces, dtype=pl.List(pl.String)).explode()
    names = events.unique().sort()
    return _Variants(
        cases=cases,
        traces=traces,
        lengths=table["trace"].map(len).to_numpy().astype(np.int64),
        codes=events.cast(pl.Enum(names)).to_physical().to_numpy().astype(np.int64),
        names=names.to_numpy().astype(object),
    )


@dataclass(frozen=True)
class _Aligned:
    """One entry per variant (in variant order)."""

    cost: np.ndarray  # float (NaN when unresolved)
    worst_cost: np.ndarray
    fitness: np.ndarray
    skipped: np.ndarray  # object: tuple of names, or None when unresolved
    inserted: np.ndarray
    resolved: np.ndarray


def _trace_fitness(cost: np.ndarray, worst_cost: np.ndarray) -> np.ndarray:
    """pm4py's trace fitness: ``1 - (cost // 10000) / (worst_cost // 10000)``, 0 without a worst cost."""
    numerator = cost // LOG_MOVE_COST
    denominator = worst_cost // LOG_MOVE_COST
    with np.errstate(divide="ignore", invalid="ignore"):
        fitness = 1 - numerator / denominator
    return np.where(denominator > 0, fitness, 0.0)


def _align_sequence(variants: _Variants, ideal: IdealPath) -> _Aligned:
    """The exact alignment of every variant to a sequence with optional steps (see module doc)."""
    code_of = {name: code for code, name in enumerate(variants.names)}
    step_codes = np.array([code_of.get(step, -1) for step in ideal.steps], dtype=np.int64)
    step_costs = np.array(
        [SILENT_MOVE_COST if step in ideal.optional else MODEL_MOVE_COST for step in ideal.steps],
        dtype=np.int64,
    )
    cost, log_moves, model_moves = _sequence_alignment(
        variants.codes, variants.lengths, step_codes, step_costs
    )
    worst_cost = variants.lengths * LOG_MOVE_COST + int(step_costs.sum())
    steps = np.array(ideal.steps, dtype=object)
    visible = step_costs[model_moves[2]] == MODEL_MOVE_COST
    skipped = _tuples(
        len(variants.lengths),
        model_moves[0][visible],
        model_moves[1][visible],
        steps[model_moves[2][visible]],
    )
    inserted = _tuples(len(variants.lengths), log_moves[0], log_moves[1], variants.names[log_moves[2]])
    return _Aligned(
        cost=cost.astype(np.float64),
        worst_cost=worst_cost.astype(np.float64),
        fitness=_trace_fitness(cost, worst_cost),
        skipped=skipped,
        inserted=inserted,
        resolved=np.ones(len(cost), dtype=bool),
    )


def _sequence_alignment(
    codes: np.ndarray, lengths: np.ndarray, step_codes: np.ndarray, step_costs: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Optimal alignment cost of each trace to the steps, and one optimal alignment's moves.

    ``S[j, r]`` is the least cost of aligning the rest of a trace from row ``r`` (a variant's
    event ``i``, or its end) with steps ``j:``. Column ``j`` follows from column ``j + 1``:
    ``E = min(model move + S[j + 1, r], S[j + 1, r + 1] where event == step j)``, then a run of
    log moves, ``S[j, r] = min over later rows k of the variant (E[k] + (k - r) * 10000)``:
    a reversed cumulative minimum, kept inside each variant by an offset per variant. All
    variants are computed together, one numpy pass per step.

    Returns the costs, the log moves ``(variant, order, code)`` and the model moves
    ``(variant, order, step index)``, where ``order`` is the move's position in its alignment.
    """
    n_variants, n_steps = len(lengths), len(step_codes)
    rows_per_variant = lengths + 1
    n_rows = int(rows_per_variant.sum())
    variant_of_row = np.repeat(np.arange(n_variants), rows_per_variant)
    first_row = np.cumsum(rows_per_variant) - rows_per_variant
    position = np.arange(n_rows) - first_row[variant_of_row]
    is_event = position < lengths[variant_of_row]
    row_code = np.full(n_rows, -2, dtype=np.int64)
    row_code[is_event] = codes
    next_row = np.minimum(np.arange(n_rows) + 1, n_rows - 1)

    longest = int(lengths.max(initial=0))
    spread = (2 * longest + 2) * LOG_MOVE_COST + int(step_costs.sum()) + 1  # > range of E + position * L
    offset = (n_variants - 1 - variant_of_row).astype(np.int64) * spread
    fits_int32 = (longest + 1) * LOG_MOVE_COST + int(step_costs.sum()) < np.iinfo(np.int32).max
    suffix = np.empty((n_steps + 1, n_rows), dtype=np.int32 if fits_int32 else np.int64)
    suffix[n_steps] = (lengths[variant_of_row] - position) * LOG_MOVE_COST
    log_run = position * LOG_MOVE_COST
    for column in range(n_steps - 1, -1, -1):
        later = suffix[column + 1].astype(np.int64)
        entry = later + step_costs[column]
        match = is_event & (row_code == step_codes[column])
        entry[match] = np.minimum(entry[match], later[next_row[match]])
        shifted = entry + log_run - offset
        suffix[column] = np.minimum.accumulate(shifted[::-1])[::-1] + offset - log_run
    cost = suffix[0, first_row].astype(np.int64)

    # walk each variant's alignment forwards: sync first, then model move, then log move
    step_code_at = np.append(step_codes, -3)
    step_cost_at = np.append(step_costs, 0)
    row, step = first_row.copy(), np.zeros(n_variants, dtype=np.int64)
    end_row = first_row + lengths
    active = np.flatnonzero((lengths > 0) | (n_steps > 0))
    log_moves: list[tuple[np.ndarray, ...]] = []
    model_moves: list[tuple[np.ndarray, ...]] = []
    order = np.int64(0)
    while active.size:
        r, j = row[active], step[active]
        here = suffix[j, r].astype(np.int64)
        j_next, r_next = np.minimum(j + 1, n_steps), next_row[r]
        has_event, has_step = r < end_row[active], j < n_steps
        sync = has_event & has_step & (row_code[r] == step_code_at[j]) & (here == suffix[j_next, r_next])
        model = ~sync & has_step & (here == step_cost_at[j] + suffix[j_next, r])
        log = ~sync & ~model
        log_moves.append((active[log], np.full(int(log.sum()), order, dtype=np.int64), row_code[r[log]]))
        model_moves.append((active[model], np.full(int(model.sum()), order, dtype=np.int64), j[model]))
        row[active] = r + (sync | log)
        step[active] = j + (sync | model)
        active = active[(row[active] < end_row[active]) | (step[active] < n_steps)]
        order += 1
        on_path = here[log] == LOG_MOVE_COST + suffix[j[log], r_next[log]]
        assert on_path.all() and has_event[log].all(), "the alignment walk left the optimal path"
    return cost, _stack(log_moves), _stack(model_moves)


def _stack(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    if not parts:
        return (np.empty(0, np.int64),) * 3
    return tuple(np.concatenate([np.asarray(p[k], dtype=np.int64) for p in parts]) for k in range(3))


def _tuples(n_variants: int, variant: np.ndarray, order: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Per variant, the tuple of ``names`` of its moves in alignment ``order``."""
    result = np.empty(n_variants, dtype=object)
    result[:] = [()] * n_variants
    if len(variant):
        sort = np.lexsort((order, variant))
        variant, names = variant[sort], names[sort]
        bounds = np.flatnonzero(np.diff(variant)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(variant)]))
        for start, end in zip(starts, ends, strict=True):  # one per variant with moves
            result[variant[start]] = tuple(names[start:end])
    return result


def _as_model(ideal: IdealPath) -> ProcessModel:
    """The Petri net pm4py makes of an ideal path (a silent skip beside each optional step)."""
    return ProcessModel(
        *_pm4py.sequence_net(ideal.steps, ideal.optional), name=ideal.name, source="ideal path"
    )


def _align_pm4py(
    variants: _Variants,
    model: ProcessModel,
    *,
    timeout: float,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> _Aligned:
    """The optimal alignment of each variant as pm4py computes it (``_pm4py.align_traces``), most
    frequent first, none started once ``time_budget`` seconds are spent (those left are unresolved)."""
    if not _pm4py.is_easy_sound(model.net, model.initial_marking, model.final_marking):
        raise IdealPathError(
            f"The process model {model.name!r} cannot reach its final marking from its initial "
            "marking, so no trace can be aligned to it; check the model's start and end events."
        )
    n_variants = len(variants.lengths)
    results: list[dict[str, Any] | None] = list(
        _progress(
            _pm4py.align_traces(
                _within_budget(variants.traces, time_budget),
                model.net,
                model.initial_marking,
                model.final_marking,
                timeout=timeout,
            ),
            label="aligning variants",
            total=n_variants,
            enabled=progress,
        )
    )
    results += [None] * (n_variants - len(results))  # not started within the budget
    resolved = np.array([r is not None for r in results], dtype=bool)
    nan = float("nan")
    skipped = np.empty(n_variants, dtype=object)
    inserted = np.empty(n_variants, dtype=object)
    skipped[:] = [None if r is None else r["skipped"] for r in results]
    inserted[:] = [None if r is None else r["inserted"] for r in results]
    return _Aligned(
        cost=np.array([nan if r is None else r["cost"] for r in results], dtype=np.float64),
        worst_cost=np.array([nan if r is None else r["worst_cost"] for r in results], dtype=np.float64),
        fitness=np.array([nan if r is None else r["fitness"] for r in results], dtype=np.float64),
        skipped=skipped,
        inserted=inserted,
        resolved=resolved,
    )


def _within_budget(traces: Sequence[tuple[str, ...]], time_budget: float | None) -> Iterator[tuple[str, ...]]:
    """``traces`` in order until ``time_budget`` seconds have passed since the first was asked
    for (``_pm4py.align_traces`` asks for a trace when it starts aligning it, or for a batch of
    ``_pm4py.BATCH_EVENTS`` events it then aligns together); all of them without a budget."""
    deadline = None if time_budget is None else time.monotonic() + time_budget
    for trace in traces:
        if deadline is not None and time.monotonic() >= deadline:
            return
        yield trace


def _join_cases(variants: _Variants, aligned: _Aligned) -> pd.DataFrame:
    """Each case beside its variant's alignment (numpy takes, no loop over cases)."""
    index = variants.cases["variant"].to_numpy()
    fitness = aligned.fitness[index]
    frame = pd.DataFrame(
        {
            "case_id": variants.cases[CASE_ID],
            "variant_id": (index + 1).astype(np.int64),
            "fitness": fitness,
            "is_fit": aligned.resolved[index] & (fitness == 1.0),
            "skipped_steps": aligned.skipped[index],
            "inserted_steps": aligned.inserted[index],
            "cost": pd.array(aligned.cost[index], dtype="Int64"),
            "worst_cost": pd.array(aligned.worst_cost[index], dtype="Int64"),
            "resolved": aligned.resolved[index],
            "lead_time": variants.cases["lead_time"],
        }
    )
    return frame


@dataclass(frozen=True, eq=False)
class ConformanceSummary:
    """How well the log fits the ideal path, as ``pm4py.fitness_alignments`` reports it.

    ``log_fitness`` is ``1 - sum(cost) / sum(worst_cost)`` and ``average_trace_fitness`` the mean
    trace fitness, both over resolved cases (pm4py skips traces it could not align);
    ``share_conforming`` is conforming cases over resolved cases; ``activities`` has one row per
    activity skipped or inserted somewhere: ``activity``, ``cases_skipped``, ``share_skipped``,
    ``cases_inserted``, ``share_inserted`` (shares of resolved cases), most affected first.
    """

    cases: int
    resolved_cases: int
    conforming_cases: int
    share_conforming: float
    log_fitness: float
    average_trace_fitness: float
    activities: pd.DataFrame

    def __repr__(self) -> str:
        head = (
            f"ConformanceSummary(cases={self.cases}, resolved_cases={self.resolved_cases}, "
            f"conforming_cases={self.conforming_cases}, share_conforming={self.share_conforming:.4f}, "
            f"log_fitness={self.log_fitness:.4f}, average_trace_fitness={self.average_trace_fitness:.4f})"
        )
        return f"{head}\nactivities:\n{self.activities.to_string()}"


def conformance_summary(alignments: pd.DataFrame) -> ConformanceSummary:
    """Log fitness, conforming cases, and per activity the cases that skipped or inserted it.

    Parameters
    ----------
    alignments : DataFrame
        The result of ``align``.

    Returns
    -------
    ConformanceSummary
        ``cases``, ``resolved_cases``, ``conforming_cases``, ``share_conforming``,
        ``log_fitness`` and ``average_trace_fitness`` (pm4py's ``log_fitness`` and
        ``average_trace_fitness``), and ``activities``: one row per activity with
        ``activity``, ``cases_skipped``, ``share_skipped``, ``cases_inserted``,
        ``share_inserted``; most cases affected (skipped + inserted) first, ties by activity.

    Examples
    --------
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"))
    >>> summary = conformance_summary(align(example_log(), ideal))
    >>> summary.conforming_cases, round(summary.log_fitness, 4)
    (1, 0.8649)
    >>> summary.activities[["activity", "cases_skipped", "cases_inserted"]]
              activity  cases_skipped  cases_inserted
    0     Check Credit              1               1
    1     Change Price              0               1
    2    Confirm Order              0               1
    3  Receive Payment              1               0
    """
    check_frame(alignments, ("fitness", "is_fit", "skipped_steps", "inserted_steps", "cost", "worst_cost", "resolved"),
                argument="alignments", function="conformance_summary", made_by="align")  # fmt: skip
    resolved = alignments[alignments["resolved"].astype(bool)]
    n = len(resolved)
    sum_cost = float(resolved["cost"].astype("int64").sum())
    sum_worst = float(resolved["worst_cost"].astype("int64").sum())
    if n:
        log_fitness = 1.0 - (sum_cost / sum_worst if sum_worst > 0 else 0.0)
        average = float(sum(resolved["fitness"].tolist())) / n  # pm4py's summation, in case order
    else:
        log_fitness = average = 0.0
    conforming = int(resolved["is_fit"].sum())
    return ConformanceSummary(
        cases=len(alignments),
        resolved_cases=n,
        conforming_cases=conforming,
        share_conforming=conforming / n if n else float("nan"),
        log_fitness=log_fitness,
        average_trace_fitness=average,
        activities=_activity_counts(resolved),
    )


def _activity_counts(resolved: pd.DataFrame) -> pd.DataFrame:
    """Cases per activity that skipped it and that had it inserted (once per case)."""
    n = len(resolved)
    counts = []
    for column, name in (("skipped_steps", "cases_skipped"), ("inserted_steps", "cases_inserted")):
        moves = resolved[["case_id", column]].explode(column).dropna()
        counts.append(moves.drop_duplicates().groupby(column).size().rename(name).rename_axis("activity"))
    table = pd.concat(counts, axis=1).fillna(0).astype("int64").reset_index()
    table = table.reindex(columns=["activity", "cases_skipped", "cases_inserted"], fill_value=0)
    table["activity"] = table["activity"].astype(object)
    table["share_skipped"] = table["cases_skipped"] / n if n else 0.0
    table["share_inserted"] = table["cases_inserted"] / n if n else 0.0
    table["_affected"] = table["cases_skipped"] + table["cases_inserted"]
    table = table.sort_values(["_affected", "activity"], ascending=[False, True], kind="stable")
    columns = ["activity", "cases_skipped", "share_skipped", "cases_inserted", "share_inserted"]
    return table[columns].reset_index(drop=True)
