"""Approval chains: which approvals each order passed, what each level of approval costs in lead
time, and which approval steps never change an outcome (rubber stamps).

**Which steps are approvals.** The ideal path's ``approval_steps`` when it names them (YAML key
``approval_steps``); else every activity whose name matches one of ``APPROVAL_PATTERNS``
(English, German and SAP release / credit-block-release names) and none of
``NOT_APPROVAL_PATTERNS`` (requests for approval and rejections are not approvals). Both are
plain mappings of regular expressions: pass ``patterns=`` to extend or replace them, or
``steps=`` to name the steps outright.

**Outcomes.** After an approval an order may be *rejected*, *changed* or *cancelled*: an event
later in the order (after the first execution of the step, in log order) whose activity matches
``OUTCOME_PATTERNS``. An approval step is a **rubber stamp** when it saw at least one order and
none of the orders it saw was rejected, changed or cancelled after it: it approves everything,
and only adds its time. A step that rejected once is not a rubber stamp.

**Times.** The wait before an approval runs from the end of the event before it to its start
(its ``start_timestamp`` where there is one, else its ``timestamp``; 0 when it is the order's
first event); its processing time is ``timestamp - start_timestamp`` (NaT without starts). The
time an approval adds is its wait plus its processing time. Lead times run from an order's
first event to its last, over the closed orders: those that reached the ideal path's
``closing_step``, or every order without an ideal path.

Every row of the log is one execution, as ``o2c.rework`` counts them; with separate ``start`` and
``complete`` rows keep one lifecycle first.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from o2c.log import validate
>>> rows = [("1", "Create Order", 0, "ann"), ("1", "Manager Approval", 2, "max"), ("1", "Ship", 5, "bo"),
...         ("2", "Create Order", 0, "ann"), ("2", "Ship", 1, "bo")]
>>> log = validate(pl.DataFrame([(c, a, datetime(2025, 1, 1 + d), r) for c, a, d, r in rows],
...                             schema=["case_id", "activity", "timestamp", "resource"], orient="row"))
>>> result = approvals(log)
>>> result.by_length[["chain_length", "orders", "lead_time_median"]]
  chain_length  orders lead_time_median
0            0       1           1 days
1            1       1           5 days
2            2       0              NaT
3           3+       0              NaT
>>> result.steps[["step", "orders", "approvers", "rubber_stamp", "time_added"]]
               step  orders approvers  rubber_stamp time_added
0  Manager Approval       1    (max,)          True     2 days
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import pandas as pd
import polars as pl

from o2c._tables import duration_from_microseconds
from o2c.conformance.cost import _closed_cases
from o2c.discovery import event_start
from o2c.errors import ArgumentError, check_names
from o2c.log import ACTIVITY, CASE_ID, RESOURCE, START_TIMESTAMP, TIMESTAMP, VALUE, per_case, validate
from o2c.model import IdealPath

#: Activity names that are approvals (matched case-insensitively, anywhere in the name), by
#: language. Extend with ``approvals(log, patterns={**APPROVAL_PATTERNS, "mine": r"..."})``.
APPROVAL_PATTERNS: Mapping[str, str] = {
    "english": r"approv|authori[sz]|sign[- ]?off",
    "german": r"genehmig|freigabe|freigeben|zustimm",
    # SAP: a release strategy's release, the release of a credit or delivery block
    "sap": r"\brelease|unblock|\bfreigegeben",
}

#: Names matching these are never approvals: asking for one, or turning one down.
NOT_APPROVAL_PATTERNS: Mapping[str, str] = {
    "request": r"request|submit|send for|anfrage|anforder|beantrag",
    "rejection": r"reject|declin|denied|deny|refus|ablehn|abgelehnt|zurückgewiesen",
}

#: What may follow an approval in the order, by outcome (case-insensitive, anywhere in the name).
OUTCOME_PATTERNS: Mapping[str, str] = {
    "rejected": r"reject|declin|denied|deny|refus|ablehn|abgelehnt|zurückgewiesen",
    "changed": r"^(change|update|correct|modify|amend|edit)\b|änder|korrig|korrektur",
    "cancelled": r"cancel|storn|\bvoid|abbruch|abgebrochen",
}

#: The chain lengths ``by_length`` reports, one row each (the last one collects 3 and more).
CHAIN_LENGTHS = ("0", "1", "2", "3+")

_OUTCOMES = tuple(OUTCOME_PATTERNS)


@dataclass(frozen=True)
class Approvals:
    """The approval chains of a log (see ``o2c.approvals``).

    ``chains``: one row per order, in log order: ``case_id``, ``chain`` (tuple of approval
    steps in time order), ``approvers`` (tuple of their resources, None where unknown),
    ``chain_length``, ``approval_wait`` (the summed waits before its approvals), ``value``,
    ``closed`` and ``lead_time`` (NaT for open orders).

    ``by_length``: one row per chain length ``0``, ``1``, ``2``, ``3+``: ``chain_length``,
    ``orders``, ``share`` (of all orders), ``value`` (summed order value), ``closed_orders``,
    ``lead_time_median``, ``lead_time_p90`` (over its closed orders), ``approval_wait_median``
    (per order, the summed waits before its approvals; 0 for orders without one), ``wait_added``
    (that median minus the one of the nearest shorter chain length with orders: the wait each
    extra level adds) and ``lead_time_added`` (the same for ``lead_time_median``: NaT for ``0``
    or without closed orders; it mixes in everything else that differs between the orders).

    ``steps``: one row per approval step, most orders first, ties by name: ``step``,
    ``orders``, ``executions``, ``approvers`` (sorted tuple), ``approver_count``,
    ``wait_median``, ``wait_p90`` (before it), ``processing_median`` (NaT without start times),
    ``rejected``, ``changed``, ``cancelled`` (orders with such an event after it),
    ``share_approved`` (orders with none of the three, over its orders), ``rubber_stamp``,
    ``time_added`` (summed wait plus processing over its executions) and
    ``time_added_per_order``.

    ``rule`` says how the approval steps were found; ``approval_steps`` lists them;
    ``outcomes_recorded`` says whether any approval is followed by a rejection, change or
    cancellation (without one the rubber stamps say nothing).
    """

    chains: pd.DataFrame
    by_length: pd.DataFrame
    steps: pd.DataFrame
    approval_steps: tuple[str, ...]
    rule: str

    @property
    def rubber_stamps(self) -> pd.DataFrame:
        """The rows of ``steps`` that are rubber stamps."""
        return self.steps[self.steps["rubber_stamp"]].reset_index(drop=True)

    @property
    def outcomes_recorded(self) -> bool:
        """Whether the log shows any approval turning out otherwise: some order is rejected,
        changed or cancelled after one of the approval steps. When none is, the log cannot tell a
        rubber stamp from a decision recorded as its own activity (a rejection logged instead of
        the approval, not after it), and every approval step looks like a rubber stamp."""
        return bool(self.steps[list(_OUTCOMES)].to_numpy().sum() > 0)

    def __repr__(self) -> str:
        return (
            f"Approvals(approval_steps={list(self.approval_steps)}, orders={len(self.chains)}, "
            f"rubber_stamps={self.rubber_stamps['step'].tolist()})\nrule: {self.rule}\n"
            f"by_length:\n{self.by_length.to_string()}\nsteps:\n{self.steps.to_string()}"
        )


def approvals(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    steps: Collection[str] | None = None,
    patterns: Mapping[str, str] | None = None,
) -> Approvals:
    """Approval chains per order, per chain length and per approval step, with rubber stamps.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``); ``resource`` names the approvers,
        ``value`` weighs the orders, ``start_timestamp`` gives processing times.
    ideal : IdealPath, optional
        Its ``approval_steps`` name the approvals (else the names decide); its ``closing_step``
        says which orders are closed (without it every order counts as closed).
    steps : list of str, optional
        The approval steps, named outright (wins over ``ideal`` and the names).
    patterns : mapping of str to regular expression, optional
        The name rule (default ``APPROVAL_PATTERNS``); ``NOT_APPROVAL_PATTERNS`` still apply.

    Returns
    -------
    Approvals
        ``chains``, ``by_length``, ``steps`` (tables documented on ``Approvals``), the
        ``approval_steps`` and the ``rule`` that found them. The module docstring defines
        outcomes, rubber stamps and the times.
    """
    return _approvals(validate(log), ideal=ideal, steps=steps, patterns=patterns)


def _approvals(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | None = None,
    steps: Collection[str] | None = None,
    patterns: Mapping[str, str] | None = None,
) -> Approvals:
    """``approvals`` of a validated log."""
    names, rule = approval_steps(log, ideal=ideal, steps=steps, patterns=patterns)
    events = _events(log, names)
    chains = _chains(log, events, ideal)
    table = chains.to_pandas()
    for column in ("chain", "approvers"):
        table[column] = [tuple(items) for items in chains[column].to_list()]
    return Approvals(
        chains=table,
        by_length=_by_length(chains),
        steps=_steps(events, names),
        approval_steps=names,
        rule=rule,
    )


def approval_steps(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | None = None,
    steps: Collection[str] | None = None,
    patterns: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], str]:
    """The approval steps of a validated log, sorted, and the sentence saying how they were found.

    >>> from o2c import example_log
    >>> approval_steps(example_log(), steps=["Check Credit"])
    (('Check Credit',), "named by the caller: 'Check Credit'")
    """
    if steps is not None:
        named = sorted(
            set(check_names(steps, argument="steps", function="approvals", such_as="['Manager Approval']"))
        )
        return tuple(named), "named by the caller: " + _listed(named)
    if ideal is not None and ideal.approval_steps is not None:
        marked = sorted(ideal.approval_steps)
        return tuple(marked), f"the approval_steps of the ideal path {ideal.name!r}: " + _listed(marked)
    rules = APPROVAL_PATTERNS if patterns is None else patterns
    if not isinstance(rules, Mapping) or not all(isinstance(p, str) and p for p in rules.values()):
        raise ArgumentError.must_be(
            "a mapping of names to regular expressions, such as {'english': 'approv'}",
            patterns,
            argument="patterns",
            function="approvals",
        )
    for pattern in rules.values():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ArgumentError.must_be(
                f"a mapping to valid regular expressions ({exc})",
                patterns,
                argument="patterns",
                function="approvals",
            ) from exc
    include = "(?i)" + "|".join(f"(?:{p})" for p in rules.values())
    exclude = "(?i)" + "|".join(f"(?:{p})" for p in NOT_APPROVAL_PATTERNS.values())
    names = log.select(pl.col(ACTIVITY).cast(pl.String).unique())[ACTIVITY]
    chosen = sorted(names.filter(names.str.contains(include) & ~names.str.contains(exclude)).to_list())
    rule = (
        f"activity names matching {include!r} and not {exclude!r}: " + _listed(chosen)
        if chosen
        else f"no activity name matches {include!r}"
    )
    return tuple(chosen), rule


def _listed(names: Collection[str]) -> str:
    return ", ".join(repr(n) for n in names) or "none"


def _events(log: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """Every event with its case, position, wait before it, processing time and flags."""
    activity = pl.col(ACTIVITY).cast(pl.String)
    previous_end = pl.col(TIMESTAMP).shift(1)
    same_case = pl.col(CASE_ID) == pl.col(CASE_ID).shift(1)
    zero = pl.duration(microseconds=0)
    processing = (
        pl.col(TIMESTAMP) - pl.col(START_TIMESTAMP)
        if START_TIMESTAMP in log.columns
        else pl.lit(None, dtype=pl.Duration("us"))
    )
    resource = pl.col(RESOURCE) if RESOURCE in log.columns else pl.lit(None, dtype=pl.String)
    outcome = {
        kind: activity.str.contains(f"(?i){pattern}") & ~activity.is_in(list(names))
        for kind, pattern in OUTCOME_PATTERNS.items()
    }
    return log.select(
        pl.col(CASE_ID),
        activity.alias("step"),
        resource.cast(pl.String).alias("approver"),
        position=pl.int_range(pl.len()).over(pl.col(CASE_ID).rle_id()),
        wait=pl.when(same_case).then(event_start(log) - previous_end).otherwise(zero),
        processing=processing,
        is_approval=activity.is_in(list(names)),
        **outcome,
    )


def _chains(log: pl.DataFrame, events: pl.DataFrame, ideal: IdealPath | None) -> pl.DataFrame:
    """One row per order: its chain, approvers, chain length, approval wait, value and lead time."""
    value = pl.col(VALUE).drop_nulls().first() if VALUE in log.columns else pl.lit(None, dtype=pl.Float64)
    first, last = event_start(log).min(), pl.col(TIMESTAMP).max()
    orders = per_case(log, value=value.cast(pl.Float64), lead=last - first)
    if ideal is not None:
        closed = _closed_cases(log, ideal)
        orders = orders.with_columns(closed=pl.col(CASE_ID).is_in(closed.implode()))
    else:
        orders = orders.with_columns(closed=pl.lit(True))
    approved = per_case(
        events.rename({"step": ACTIVITY}),
        chain=pl.col(ACTIVITY).filter(pl.col("is_approval")),
        approvers=pl.col("approver").filter(pl.col("is_approval")),
        approval_wait=pl.col("wait").filter(pl.col("is_approval")).sum(),
    )
    return orders.join(approved, on=CASE_ID, how="left", maintain_order="left").select(
        CASE_ID,
        "chain",
        "approvers",
        chain_length=pl.col("chain").list.len().cast(pl.Int64),
        approval_wait=pl.col("approval_wait"),
        value=pl.col("value"),
        closed=pl.col("closed"),
        lead_time=pl.when("closed").then("lead"),
    )


def _by_length(chains: pl.DataFrame) -> pd.DataFrame:
    n = chains.height
    label = (
        pl.when(pl.col("chain_length") >= len(CHAIN_LENGTHS) - 1)
        .then(pl.lit(CHAIN_LENGTHS[-1]))
        .otherwise(pl.col("chain_length").cast(pl.String))
    )
    lead = pl.col("lead_time").dt.total_microseconds()
    grouped = chains.group_by(label.alias("chain_length")).agg(
        orders=pl.len().cast(pl.Int64),
        value=pl.col("value").sum(),
        closed_orders=pl.col("closed").sum().cast(pl.Int64),
        lead_time_median=duration_from_microseconds(lead.median()),
        lead_time_p90=duration_from_microseconds(lead.quantile(0.9, interpolation="linear")),
        approval_wait_median=duration_from_microseconds(
            pl.col("approval_wait").dt.total_microseconds().median()
        ),
    )
    table = (
        pl.DataFrame({"chain_length": list(CHAIN_LENGTHS)})
        .join(grouped, on="chain_length", how="left", maintain_order="left")
        .with_columns(pl.col("orders", "closed_orders").fill_null(0), pl.col("value").fill_null(0.0))
        .with_columns(
            share=pl.col("orders") / n if n else pl.lit(None, dtype=pl.Float64),
            wait_added=_added("approval_wait_median"),
            lead_time_added=_added("lead_time_median"),
        )
    )
    return table.select(
        "chain_length",
        "orders",
        "share",
        "value",
        "closed_orders",
        "lead_time_median",
        "lead_time_p90",
        "approval_wait_median",
        "wait_added",
        "lead_time_added",
    ).to_pandas()


def _added(column: str) -> pl.Expr:
    """Each median minus the one of the nearest shorter chain length that has one (null for the first)."""
    return pl.col(column) - pl.col(column).forward_fill().shift(1)


def _steps(events: pl.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    last = events.group_by(CASE_ID).agg(
        **{f"last_{kind}": pl.col("position").filter(kind).max() for kind in _OUTCOMES}
    )
    approval = events.filter(pl.col("is_approval"))
    per_order = (
        approval.group_by(CASE_ID, "step")
        .agg(first=pl.col("position").min())
        .join(last, on=CASE_ID, how="left")
        .with_columns(
            **{kind: (pl.col(f"last_{kind}") > pl.col("first")).fill_null(False) for kind in _OUTCOMES}
        )
        .with_columns(approved=~pl.any_horizontal(*_OUTCOMES))
        .group_by("step")
        .agg(
            orders=pl.len().cast(pl.Int64),
            **{kind: pl.col(kind).sum().cast(pl.Int64) for kind in _OUTCOMES},
            approved=pl.col("approved").sum().cast(pl.Int64),
        )
    )
    wait, processing = pl.col("wait").dt.total_microseconds(), pl.col("processing").dt.total_microseconds()
    timing = approval.group_by("step").agg(
        executions=pl.len().cast(pl.Int64),
        approvers=pl.col("approver").drop_nulls().unique().sort(),
        wait_median=duration_from_microseconds(wait.median()),
        wait_p90=duration_from_microseconds(wait.quantile(0.9, interpolation="linear")),
        processing_median=duration_from_microseconds(processing.median()),
        time_added=duration_from_microseconds((wait + processing.fill_null(0)).sum()),
    )
    table = (
        pl.DataFrame({"step": list(names)}, schema={"step": pl.String})
        .join(per_order, on="step", how="left")
        .join(timing, on="step", how="left")
        .with_columns(pl.col("orders", "executions", *_OUTCOMES, "approved").fill_null(0))
        .sort(["orders", "step"], descending=[True, False])
    )
    seen = pl.col("orders") > 0
    table = table.with_columns(
        approver_count=pl.col("approvers").list.len().fill_null(0).cast(pl.Int64),
        share_approved=pl.when(seen).then(pl.col("approved") / pl.col("orders")),
        rubber_stamp=seen & (pl.col("approved") == pl.col("orders")),
        time_added_per_order=pl.when(seen).then(
            duration_from_microseconds(pl.col("time_added").dt.total_microseconds() / pl.col("orders"))
        ),
    )
    frame = table.select(
        "step",
        "orders",
        "executions",
        "approvers",
        "approver_count",
        "wait_median",
        "wait_p90",
        "processing_median",
        *_OUTCOMES,
        "share_approved",
        "rubber_stamp",
        "time_added",
        "time_added_per_order",
    ).to_pandas()
    frame["approvers"] = [tuple(a) if a is not None else () for a in table["approvers"].to_list()]
    return frame
