"""The core analyses written once, in narwhals, for every lazy engine (DuckDB, Spark).

Each engine hands over a narwhals ``LazyFrame`` of the event log with these columns (the
canonical ones, with times as integer microseconds since 1970, because narwhals cannot yet
take the difference of two timestamps on DuckDB or Spark):

- ``case_id`` (text), ``activity`` (text), ``source_row`` (integer, the tie-breaker);
- ``time_us``: the event's ``timestamp``; ``start_us``: its ``start_timestamp`` where it has
  one, else ``time_us``; ``value`` (float) when the log has one; ``start_known`` (boolean:
  the event has a start time) when the log has start times.

Events are ordered within their case by ``time_us`` then ``source_row``, as in the sorted log,
so ``shift(-1).over("case_id", order_by=ORDER)`` is the next event of the case, as
``o2c.discovery.lazy_transitions`` pairs them in memory. Results come back as small polars frames,
shaped exactly as the in-memory functions shape theirs.
"""

from __future__ import annotations

from collections.abc import Callable

import narwhals.stable.v2 as nw
import pandas as pd
import polars as pl

from o2c._tables import US_PER_DAY, duration_from_microseconds, sort_edges
from o2c.log import ACTIVITY, CASE_ID, SOURCE_ROW, UTC, VALUE

#: The order of events within a case.
ORDER = ["time_us", SOURCE_ROW]
#: Rework keys, as in ``o2c.rework``.
KEYS = ["activity", "kind", "other_activity"]

#: The statistics of ``waiting_times``, in order.
WAIT_STATISTICS = ["wait_median", "wait_mean", "wait_p90", "wait_max", "wait_total"]


def _next(column: str, n: int = 1) -> nw.Expr:
    """The value of ``column`` ``n`` events later in the same case (null past the end)."""
    return nw.col(column).shift(-n).over(CASE_ID, order_by=ORDER)


def pairs(events: nw.LazyFrame, *, start: str = "start_us") -> nw.LazyFrame:
    """Each event beside the next one of its case: ``case_id``, ``source``, ``target``, ``wait`` (µs).

    The wait runs from the end of the source (``time_us``) to the ``start`` of the target.
    """
    return events.select(
        nw.col(CASE_ID),
        source=nw.col(ACTIVITY),
        target=_next(ACTIVITY),
        wait=_next(start) - nw.col("time_us"),
    ).filter(~nw.col("target").is_null())


def directly_follows(events: nw.LazyFrame) -> pl.DataFrame:
    """``o2c.directly_follows`` of the engine's log, as a polars frame."""
    edges = (
        pairs(events).group_by("source", "target").agg(transitions=nw.len(), cases=nw.col(CASE_ID).n_unique())
    )
    return sort_edges(collect(edges).with_columns(pl.col("transitions", "cases").cast(pl.UInt32)))


def edge_waits(transitions: nw.LazyFrame, *, overlap_as_zero: bool = False) -> nw.LazyFrame:
    """Per edge of ``pairs``: transitions, cases, the wait statistics in µs (exact percentiles) and
    the overlaps (negative waits), whose waits count as 0 with ``overlap_as_zero``.

    Median and 90th percentile with linear interpolation, as polars' ``quantile(..., "linear")``.
    """
    wait = nw.col("wait").clip(lower_bound=0) if overlap_as_zero else nw.col("wait")
    return transitions.group_by("source", "target").agg(
        nw.len().alias("transitions"),
        nw.col(CASE_ID).n_unique().alias("cases"),
        wait.median().alias("wait_median"),
        wait.mean().alias("wait_mean"),
        wait.quantile(0.9, interpolation="linear").alias("wait_p90"),
        wait.max().alias("wait_max"),
        wait.sum().alias("wait_total"),
        nw.when(nw.col("wait") < 0).then(1).otherwise(0).sum().alias("overlaps"),
    )


def waiting_times(
    events: nw.LazyFrame,
    *,
    overlap_as_zero: bool = False,
    aggregate: Callable[..., nw.LazyFrame] = edge_waits,
) -> pl.DataFrame:
    """``o2c.waiting_times`` of the engine's log, as a polars frame; ``aggregate`` as ``edge_waits``.

    A transition whose wait is negative (the target started before the source ended) is an
    overlap; with ``overlap_as_zero`` its wait counts as 0, as in memory.
    """
    found = collect(aggregate(pairs(events), overlap_as_zero=overlap_as_zero)).with_columns(
        pl.col("transitions", "cases").cast(pl.UInt32),
        pl.col("wait_total", "wait_max", "overlaps").cast(pl.Int64),  # DuckDB sums to a decimal
    )
    stats = WAIT_STATISTICS
    found = found.with_columns(
        duration_from_microseconds(pl.col(c).cast(pl.Float64)).alias(c) for c in stats[:3]
    )
    found = found.with_columns(pl.col(c).cast(pl.Duration("us")) for c in stats[3:])
    return sort_edges(found.select("source", "target", "transitions", "cases", *stats, "overlaps"))


def case_spans(events: nw.LazyFrame) -> nw.LazyFrame:
    """One row per case: ``first_us`` (earliest start), ``last_us`` (latest end), ``events``."""
    return events.group_by(CASE_ID).agg(
        nw.col("start_us").min().alias("first_us"),
        nw.col("time_us").max().alias("last_us"),
        nw.len().alias("events"),
    )


def lead_times(events: nw.LazyFrame) -> pl.DataFrame:
    """``o2c.lead_times`` of the engine's log (one row per case, by ``case_id``), as a polars frame."""
    spans = collect(case_spans(events)).sort(CASE_ID)
    return spans.select(
        CASE_ID,
        first_event=pl.col("first_us").cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        last_event=pl.col("last_us").cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        events=pl.col("events").cast(pl.UInt32),
        lead_time=(pl.col("last_us") - pl.col("first_us")).cast(pl.Int64).cast(pl.Duration("us")),
    ).with_columns(pl.col("first_event", "last_event").cast(UTC))


def variants(traces: nw.LazyFrame, names: list[str] | None = None) -> pd.DataFrame:
    """``o2c.variants`` from one row per case: ``trace`` and ``lead`` (µs), both engine-made.

    A trace is a list of activity names, or of their numbers (1 = ``names[0]``) when ``names``
    is given. Ranked as in memory: most cases first, ties by the trace compared name by name.
    """
    ranked = _ranked(traces, names)
    total = ranked["cases"].sum()
    result = ranked.select(
        pl.col("variant_id").cast(pl.Int64),
        "trace",
        pl.col("cases").cast(pl.UInt32),
        share=pl.col("cases") / total,
        median_lead_time=duration_from_microseconds(pl.col("median_lead").cast(pl.Float64)),
    ).to_pandas()
    result["trace"] = pd.Series([tuple(t) for t in result["trace"]], dtype=object)
    return result


def case_variants(traces: nw.LazyFrame, names: list[str] | None = None) -> pd.DataFrame:
    """``o2c.case_variants`` from one row per case: ``case_id``, ``trace`` and ``lead``, as for
    ``variants``: ``case_id`` and ``variant_id``, by ``case_id``."""
    ranked = _ranked(traces, names).select("key", "variant_id")
    per_case = collect(traces.select(CASE_ID, "trace")).join(ranked, left_on="trace", right_on="key")
    return per_case.select(CASE_ID, pl.col("variant_id").cast(pl.Int64)).sort(CASE_ID).to_pandas()


def variants_and_cases(
    traces: nw.LazyFrame, names: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``variants``, ``case_variants`` and each case's ``lead_time`` (``case_id``, by ``case_id``)
    from one row per case, which the engine computes once and hands over (what ``align`` needs)."""
    per_case = collect(traces)
    rows = nw.from_native(per_case.lazy())
    leads = per_case.select(
        pl.col(CASE_ID).cast(pl.String), lead_time=pl.col("lead").cast(pl.Int64).cast(pl.Duration("us"))
    )
    return variants(rows, names), case_variants(rows, names), leads.sort(CASE_ID).to_pandas()


def _ranked(traces: nw.LazyFrame, names: list[str] | None) -> pl.DataFrame:
    """The variants of one row per case (``trace``, ``lead``), ranked: ``variant_id`` (1 = the most
    cases, ties by trace name by name), ``key`` (the trace as the engine gave it), ``trace``
    (names), ``cases`` and ``median_lead`` (µs)."""
    table = traces.group_by("trace").agg(
        nw.len().alias("cases"), nw.col("lead").median().alias("median_lead")
    )
    found = collect(table).with_columns(key=pl.col("trace"))
    if names is not None:
        numbers = list(range(1, len(names) + 1))
        found = found.with_columns(
            pl.col("trace").list.eval(pl.element().replace_strict(numbers, names, return_dtype=pl.String))
        )
    found = found.with_columns(pl.col("trace").cast(pl.List(pl.String)))
    return found.sort(["cases", "trace"], descending=[True, False]).with_row_index("variant_id", offset=1)


def rework_rows(events: nw.LazyFrame) -> nw.LazyFrame:
    """Per case and rework: ``case_id``, ``activity``, ``kind``, ``other_activity``, ``extra``
    and ``time`` (µs), as ``o2c._rework._rework_rows`` finds them in memory."""
    repeats = (
        events.group_by(CASE_ID, ACTIVITY)
        .agg(nw.len().alias("n"), (nw.col("time_us").max() - nw.col("time_us").min()).alias("time"))
        .filter(nw.col("n") > 1)
        .select(
            CASE_ID,
            ACTIVITY,
            kind=nw.lit("repeat"),
            other_activity=nw.lit(None, nw.String),
            extra=(nw.col("n") - 1).cast(nw.Int64),
            time=nw.col("time").cast(nw.Int64),
        )
    )
    # on completion times, as in memory: a -> b -> c with b and c the next two events of a's case
    steps = events.select(
        CASE_ID,
        ACTIVITY,
        b=_next(ACTIVITY),
        c=_next(ACTIVITY, 2),
        to_b=_next("time_us") - nw.col("time_us"),
        to_c=_next("time_us", 2) - nw.col("time_us"),
    )
    loops = (
        steps.filter(nw.col("b") == nw.col(ACTIVITY))
        .group_by(CASE_ID, ACTIVITY)
        .agg(nw.len().cast(nw.Int64).alias("extra"), nw.col("to_b").sum().alias("time"))
        .select(CASE_ID, ACTIVITY, kind=nw.lit("self_loop"), other_activity=nw.lit(None, nw.String),
                extra=nw.col("extra"), time=nw.col("time").cast(nw.Int64))
    )  # fmt: skip
    pongs = (
        steps.filter((nw.col("b") != nw.col(ACTIVITY)) & (nw.col("c") == nw.col(ACTIVITY)))
        .group_by(CASE_ID, ACTIVITY, "b")
        .agg(nw.len().cast(nw.Int64).alias("extra"), nw.col("to_c").sum().alias("time"))
        .select(CASE_ID, ACTIVITY, kind=nw.lit("ping_pong"), other_activity=nw.col("b").cast(nw.String),
                extra=nw.col("extra"), time=nw.col("time").cast(nw.Int64))
    )  # fmt: skip
    return nw.concat([repeats, loops, pongs], how="vertical")


def rework(events: nw.LazyFrame, *, has_value: bool) -> pd.DataFrame:
    """``o2c.rework`` of the engine's log: repeats, self-loops and ping-pong, as in memory."""
    per_case = rework_rows(events)
    aggregates = [
        nw.len().alias("cases_affected"),
        nw.col("extra").sum().alias("extra_executions"),
        nw.col("time").sum().alias("time_added"),
    ]
    if has_value:
        per_case = per_case.join(case_values(events), on=CASE_ID, how="left")
        aggregates.append(nw.col(VALUE).fill_null(0.0).sum().alias("value_affected"))
    summary = collect(per_case.group_by(*KEYS, drop_null_keys=False).agg(*aggregates))
    n_cases = case_count(events)
    table = summary.with_columns(
        pl.col("cases_affected", "extra_executions").cast(pl.Int64),
        pl.col("time_added").cast(pl.Int64).cast(pl.Duration("us")),
        *([pl.col("value_affected").cast(pl.Float64)] if has_value else []),
    ).sort(["cases_affected", *KEYS], descending=[True, False, False, False], nulls_last=True)
    frame = table.select(
        *KEYS, "cases_affected", "extra_executions", "time_added", *(["value_affected"] if has_value else [])
    ).to_pandas()
    frame["other_activity"] = (
        frame["other_activity"].astype(object).where(frame["other_activity"].notna(), None)
    )
    share = frame["cases_affected"].astype("float64") / max(int(n_cases), 1)
    frame.insert(list(frame.columns).index("cases_affected") + 1, "share_of_cases", share)
    return frame


def case_values(events: nw.LazyFrame) -> nw.LazyFrame:
    """Each case's order value: its first non-empty ``value`` in log order."""
    valued = events.filter(~nw.col(VALUE).is_null())
    first = valued.with_columns(_rank=nw.col(SOURCE_ROW).cum_count().over(CASE_ID, order_by=ORDER))
    return first.filter(nw.col("_rank") == 1).select(CASE_ID, VALUE)


def collect(frame: nw.LazyFrame) -> pl.DataFrame:
    """A (small) lazy result as a polars frame."""
    return frame.collect(backend="polars").to_native()


def boundary_activities(events: nw.LazyFrame, *, first: bool) -> pl.DataFrame:
    """``o2c.start_activities`` (``first``) or ``end_activities`` of the engine's log, as a polars frame."""
    neighbour = nw.col(ACTIVITY).shift(1 if first else -1).over(CASE_ID, order_by=ORDER)
    bounds = events.select(ACTIVITY, _neighbour=neighbour).filter(nw.col("_neighbour").is_null())
    counts = collect(bounds.group_by(ACTIVITY).agg(nw.len().alias("cases")))
    return counts.select(
        pl.col(ACTIVITY).cast(pl.String),
        pl.col("cases").cast(pl.UInt32),
        share=pl.col("cases") / pl.col("cases").sum(),
    ).sort(["cases", ACTIVITY], descending=[True, False])


def activity_cases(events: nw.LazyFrame) -> pl.DataFrame:
    """How many cases each activity occurs in: ``activity``, ``cases`` (what milestones are guessed from)."""
    counts = events.group_by(ACTIVITY).agg(nw.col(CASE_ID).n_unique().alias("cases"))
    return collect(counts).select(pl.col(ACTIVITY).cast(pl.String), pl.col("cases").cast(pl.UInt32))


def value_days(events: nw.LazyFrame) -> pl.DataFrame:
    """Per edge: the sum of the case's order value x waiting days, an overlap counting 0 days and a
    case without a value 0, as ``o2c.bottlenecks`` weighs its edges in memory."""
    weighted = pairs(events).join(case_values(events), on=CASE_ID, how="left")
    days = nw.col(VALUE) * nw.col("wait").clip(lower_bound=0) / US_PER_DAY
    found = weighted.group_by("source", "target").agg(days.sum().alias("value_days"))
    return collect(found).select(
        pl.col("source", "target").cast(pl.String), pl.col("value_days").cast(pl.Float64).fill_null(0.0)
    )


def summary(events: nw.LazyFrame) -> dict[str, int]:
    """Events, cases and activities of the engine's log, and its first and last event time (µs)."""
    found = collect(
        events.select(
            nw.len().alias("events"),
            nw.col(CASE_ID).n_unique().alias("cases"),
            nw.col(ACTIVITY).n_unique().alias("activities"),
            nw.col("time_us").min().alias("first_us"),
            nw.col("time_us").max().alias("last_us"),
        )
    )
    return {name: found[name][0] for name in found.columns}


def activity_durations(events: nw.LazyFrame) -> pl.DataFrame:
    """Per activity of the engine's log (with a ``start_known`` column): ``instances`` with a known
    start, their ``duration_*`` statistics (Durations, exact percentiles), ``cases`` and
    ``instances_without_start``; ranked and shared out by ``o2c.activity_durations``."""
    known = events.filter(nw.col("start_known")).with_columns(duration=nw.col("time_us") - nw.col("start_us"))
    measured = known.group_by(ACTIVITY).agg(
        nw.len().alias("instances"),
        nw.col("duration").median().alias("duration_median"),
        nw.col("duration").mean().alias("duration_mean"),
        nw.col("duration").quantile(0.9, interpolation="linear").alias("duration_p90"),
        nw.col("duration").max().alias("duration_max"),
        nw.col("duration").sum().alias("duration_total"),
        nw.col(CASE_ID).n_unique().alias("cases"),
    )
    unknown = events.group_by(ACTIVITY).agg(
        nw.when(nw.col("start_known")).then(0).otherwise(1).sum().alias("instances_without_start")
    )
    found = collect(measured.join(unknown, on=ACTIVITY, how="left"))
    statistics = ["duration_median", "duration_mean", "duration_p90", "duration_max", "duration_total"]
    return found.select(
        pl.col(ACTIVITY).cast(pl.String),
        pl.col("instances").cast(pl.UInt32),
        *[duration_from_microseconds(pl.col(c).cast(pl.Float64)).alias(c) for c in statistics],
        pl.col("cases", "instances_without_start").cast(pl.UInt32),
    )


def cases_with(events: nw.LazyFrame, activity: str) -> pl.Series:
    """The case ids with an event of ``activity``, each once, in log order."""
    found = events.filter(nw.col(ACTIVITY) == activity).select(CASE_ID).unique()
    return collect(found)[CASE_ID].cast(pl.String).sort()


def order_values(events: nw.LazyFrame, value: float | None) -> pd.DataFrame:
    """Every case's order value: its first non-empty ``value`` (NaN without one), or ``value`` for all."""
    cases = events.select(CASE_ID).unique()
    if value is not None:
        found = collect(cases).with_columns(value=pl.lit(float(value)))
    elif VALUE in events.collect_schema().names():
        found = collect(cases.join(case_values(events), on=CASE_ID, how="left"))
    else:
        found = collect(cases).with_columns(value=pl.lit(None, pl.Float64))
    return found.select(pl.col(CASE_ID).cast(pl.String), pl.col(VALUE).cast(pl.Float64)).to_pandas()


def invoiced_early(events: nw.LazyFrame, invoiced: str, delivered: str) -> pl.Series:
    """Case ids whose first ``invoiced`` event comes before any ``delivered`` event (or has none after)."""
    position = nw.col(SOURCE_ROW).cum_count().over(CASE_ID, order_by=ORDER)
    steps = events.filter(nw.col(ACTIVITY).is_in([invoiced, delivered])).with_columns(_position=position)
    firsts = steps.group_by(CASE_ID).agg(
        nw.when(nw.col(ACTIVITY) == invoiced).then(nw.col("_position")).min().alias("invoice"),
        nw.when(nw.col(ACTIVITY) == delivered).then(nw.col("_position")).min().alias("delivery"),
    )
    found = collect(firsts).filter(
        pl.col("invoice").is_not_null()
        & (pl.col("delivery").is_null() | (pl.col("invoice") < pl.col("delivery")))
    )
    return found[CASE_ID].cast(pl.String).sort()  # in log order, as in memory: sums add in one order


def executed_steps(events: nw.LazyFrame, activities: list[str]) -> pl.DataFrame:
    """Each case beside each of ``activities`` it executed, once: ``case_id``, ``activity``."""
    steps = events.filter(nw.col(ACTIVITY).is_in(activities)).select(CASE_ID, ACTIVITY).unique()
    return collect(steps).with_columns(pl.col(CASE_ID, ACTIVITY).cast(pl.String))


def case_leads(events: nw.LazyFrame) -> pl.DataFrame:
    """Each case's lead time in µs: ``case_id``, ``lead`` (first start to last end)."""
    spans = case_spans(events).select(CASE_ID, lead=nw.col("last_us") - nw.col("first_us"))
    return collect(spans).with_columns(pl.col(CASE_ID).cast(pl.String), pl.col("lead").cast(pl.Int64))


def reworked_cases(events: nw.LazyFrame) -> tuple[int, int]:
    """How many cases repeat an activity, and how many cases there are."""
    repeats = events.group_by(CASE_ID, ACTIVITY).agg(nw.len().alias("n")).filter(nw.col("n") > 1)
    return case_count(repeats), case_count(events)


def case_table(events: nw.LazyFrame, activities: dict[str, str | None]) -> pl.DataFrame:
    """``o2c._kpis._orders.case_table`` on the engine: per case its first event (start) and last
    event, last activity, the first time of each milestone's activity (``activities``: milestone ->
    activity or None) as ``at_<milestone>``, and its order value; ``due`` is null (the view carries
    no due dates)."""
    names = events.collect_schema().names()
    reached = [
        (
            nw.when(nw.col(ACTIVITY) == activity).then(nw.col("time_us"))
            if activity is not None
            else nw.lit(None)
        )
        .min()
        .alias(f"at_{name}")
        for name, activity in activities.items()
    ]
    spans = events.group_by(CASE_ID).agg(
        nw.col("start_us").min().alias("first_event"), nw.col("time_us").max().alias("last_event"), *reached
    )
    last = events.select(CASE_ID, ACTIVITY, _next=_next(ACTIVITY)).filter(nw.col("_next").is_null())
    table = spans.join(last.select(CASE_ID, last_activity=nw.col(ACTIVITY)), on=CASE_ID, how="left")
    if VALUE in names:
        table = table.join(case_values(events), on=CASE_ID, how="left")
    found = collect(table)
    times = ["first_event", "last_event", *[f"at_{name}" for name in activities]]
    return found.select(
        pl.col(CASE_ID).cast(pl.String),
        *[pl.col(c).cast(pl.Int64).cast(UTC) for c in times[:2]],
        pl.col("last_activity").cast(pl.String),
        *[pl.col(c).cast(pl.Int64).cast(UTC) for c in times[2:]],
        (pl.col(VALUE) if VALUE in found.columns else pl.lit(None)).cast(pl.Float64).alias(VALUE),
        due=pl.lit(None, pl.Date),
    )


def waits_after(events: nw.LazyFrame, paid: str | None) -> pl.DataFrame:
    """Per source activity, the 90th percentile (linear) of its waits in the cases with a ``paid``
    event: ``last_activity``, ``wait_p90`` (a Duration)."""
    finished = events.filter(nw.col(ACTIVITY) == (paid or "")).select(CASE_ID).unique()
    if paid is None:
        finished = finished.filter(nw.lit(value=False))
    found = collect(
        pairs(events)
        .join(finished, on=CASE_ID, how="inner")
        .group_by("source")
        .agg(nw.col("wait").quantile(0.9, interpolation="linear").alias("wait_p90"))
    )
    return found.select(
        last_activity=pl.col("source").cast(pl.String),
        wait_p90=duration_from_microseconds(pl.col("wait_p90").cast(pl.Float64)),
    )


def all_at_midnight(events: nw.LazyFrame) -> bool:
    """Whether every event time is a whole day in µs since 1970 (midnight UTC)."""
    off = events.filter(nw.col("time_us") % US_PER_DAY != 0).select(nw.len().alias("n"))
    return int(collect(off)["n"][0] or 0) == 0


def case_count(events: nw.LazyFrame) -> int:
    """How many distinct ``case_id`` the frame has."""
    found = collect(events.select(nw.col(CASE_ID).n_unique().alias("n")))["n"][0]
    return int(found or 0)  # an engine counts nothing in no rows as null


def activity_names(events: nw.LazyFrame) -> list[str]:
    """The distinct activity names, sorted."""
    return sorted(collect(events.select(ACTIVITY).unique())[ACTIVITY].cast(pl.String).to_list())


def activity_counts(events: nw.LazyFrame, activities: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Per activity of ``activities``: ``cases_affected`` and ``executions``; the same over all
    their events (one row); and the number of cases of the log."""
    chosen = events.filter(nw.col(ACTIVITY).is_in(activities))
    counts = [nw.col(CASE_ID).n_unique().alias("cases_affected"), nw.len().alias("executions")]
    per_activity = collect(chosen.group_by(ACTIVITY).agg(*counts))
    total = collect(chosen.select(*counts)).with_columns(pl.col("cases_affected").fill_null(0))
    cases = case_count(events)
    as_counts = [pl.col("cases_affected", "executions").cast(pl.UInt32)]
    return (
        per_activity.with_columns(pl.col(ACTIVITY).cast(pl.String), *as_counts),
        total.with_columns(*as_counts),
        cases,
    )
