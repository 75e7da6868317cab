"""Data-quality findings of a loaded log: every assumption and oddity, listed with its count.

Examples
--------
>>> from o2c.io import read_log
>>> from o2c import example_log
>>> findings = data_quality(read_log(example_log()))
>>> int(findings.set_index("check").loc["tied_timestamps", "count"])
0
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from o2c import _engines
from o2c._engines import EventLog
from o2c.discovery import SAME_CASE, _variants
from o2c.io import LoadedLog
from o2c.log import ACTIVITY, CASE_ID, SOURCE_ROW, START_TIMESTAMP, TIMESTAMP, case_count, per_case, validate

#: An activity is rare with fewer events than this share of all events (at least 2, at most 10).
RARE_SHARE = 0.001
_COLUMNS = ["check", "count", "of", "share", "example", "detail"]


def data_quality(loaded: LoadedLog) -> pd.DataFrame:
    """One row per data-quality check of ``loaded``, zero counts included.

    Returns
    -------
    DataFrame
        ``check`` (name), ``count`` (events, cases or rows concerned), ``of`` (what the count
        is out of), ``share`` (``count / of``), ``example`` (a real value), ``detail`` (in words).
        Checks: ``rows_rejected`` and one ``rejected:<reason>`` per reason; ``duplicate_events``;
        ``tied_timestamps`` (events with the same timestamp as the previous event of their case:
        their order is the file order); ``out_of_file_order`` (events that come before an
        earlier row of the file once sorted by time); ``cases_without_usual_start`` /
        ``cases_without_usual_end`` (cases not starting / ending with the most frequent start /
        end activity); ``single_event_cases``; ``rare_activities``; ``activities_stripped``;
        ``case_ids_stripped``; ``start_after_end`` (with start times: events that start after
        they end); ``naive_timestamps`` (read in the stated time zone); ``value_unparseable``;
        ``time_range``; ``activities_renamed`` (events the classifier named otherwise than by
        the activity alone, with the rule that chose it); for a SAP document flow ``sap_rows_merged`` and ``sap_numbers_reused``;
        for an object-centric log ``events_shared`` (events in several orders' cases).

    Examples
    --------
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> int(data_quality(read_log(example_log())).set_index("check").loc["cases_without_usual_end", "count"])
    1
    """
    return _data_quality(loaded, validate(loaded.log))


def _data_quality(loaded: LoadedLog, log: pl.DataFrame) -> pd.DataFrame:
    """``data_quality`` of ``loaded``, whose log is ``log``, validated."""
    rejects, notes = loaded.rejects, loaded.source.notes
    events = log.height
    cases = case_count(log)
    rows: list[tuple[str, int, int, str, str]] = []

    rejected = rejects.select("source_file", SOURCE_ROW).n_unique()  # VBFA with CDHDR/CDPOS: three files
    rows.append(
        ("rows_rejected", rejected, loaded.source.rows, _first(rejects["value"]), "input rows in the rejects")
    )
    for reason, group in sorted(rejects.group_by("reason"), key=lambda g: str(g[0][0])):
        column = group["column"][0]
        rows.append(
            (
                f"rejected:{reason[0]}",
                group.height,
                loaded.source.rows,
                _first(group["value"]),
                f"column {column!r}, rows {_rows(group[SOURCE_ROW])}"
                if column
                else f"rows {_rows(group[SOURCE_ROW])}",
            )
        )
    duplicates = int(notes.get("duplicate_events", 0))
    kept = (
        "kept: XES events are separate elements"
        if loaded.source.format == "xes"
        else "the first kept, the others rejected"
    )

    rows.append(
        (
            "duplicate_events",
            duplicates,
            loaded.source.rows,
            "",
            f"exact duplicates of an earlier event, {kept}",
        )
    )

    if notes.get("classifier"):
        named = notes["classifier"]
        statuses = notes.get("lifecycle_statuses", {})
        shown = ", ".join(f"{v!r} {n:,}" for v, n in list(statuses.items())[:5])
        rows.append(
            (
                "activities_renamed",
                int(notes.get("activities_renamed", 0)),
                events,
                next(iter(statuses), ""),
                f"events named by the classifier {named['name']!r} ({' + '.join(named['keys'])}): {named['rule']}"
                + (f"; lifecycle statuses: {shown}" if statuses and len(statuses) > 4 else ""),
            )
        )
    if "rows_merged" in notes:  # a SAP document flow: many rows make one document event
        rows.append(
            (
                "sap_rows_merged",
                int(notes["rows_merged"]),
                loaded.source.rows,
                "",
                "placed rows that date no event: further items or links of a document already dated",
            )
        )
        rows.append(
            (
                "sap_numbers_reused",
                int(notes["numbers_reused"]),
                sum(notes.get("documents", {}).values()),
                "",
                "document numbers created at different times (reused in a later year, or extended "
                "later): each order keeps the one its own chain reaches in time order",
            )
        )

    if "flatten" in notes:  # an object-centric log flattened to orders: its events shared by orders
        flat = notes["flatten"]
        rows.append(
            (
                "events_shared",
                int(flat["events_shared"]),
                int(flat["events_linked"]),
                "",
                f"events in the cases of several {flat['case_type']!r} objects (a delivery carrying several "
                "orders' items): in each of their cases, once in o2c.deduplicated_waiting_times",
            )
        )
    pairs = log.select(
        same=SAME_CASE,
        tie=pl.col(TIMESTAMP).shift(-1) == pl.col(TIMESTAMP),
        back=pl.col(SOURCE_ROW).shift(-1) < pl.col(SOURCE_ROW),
        example=pl.col(CASE_ID),
    ).filter("same")
    ties = pairs.filter("tie")
    rows.append(
        (
            "tied_timestamps",
            ties.height,
            events,
            _first(ties["example"]),
            "events at the same time as the previous event of their case; kept in file order",
        )
    )
    back = pairs.filter("back")
    rows.append(
        (
            "out_of_file_order",
            back.height,
            events,
            _first(back["example"]),
            "events placed before an earlier file row of their case by sorting on time",
        )
    )

    ends = per_case(log, first=pl.col(ACTIVITY).first(), last=pl.col(ACTIVITY).last(), n=pl.len())
    for check, column in (("cases_without_usual_start", "first"), ("cases_without_usual_end", "last")):
        usual = (
            ends[column]
            .cast(pl.String)
            .value_counts(sort=True)
            .sort(["count", column], descending=[True, False])
        )
        top = usual[column][0] if usual.height else ""
        other = ends.filter(pl.col(column).cast(pl.String) != top)
        rows.append(
            (
                check,
                other.height,
                cases,
                _first(other[CASE_ID].sort()),
                f"usual {'start' if column == 'first' else 'end'}: {top!r}",
            )
        )
    single = ends.filter(pl.col("n") == 1)
    rows.append(
        ("single_event_cases", single.height, cases, _first(single[CASE_ID].sort()), "cases with one event")
    )

    threshold = max(2, min(10, int(RARE_SHARE * events)))
    counts = (
        log[ACTIVITY].value_counts().with_columns(pl.col(ACTIVITY).cast(pl.String)).sort(["count", ACTIVITY])
    )
    rare = counts.filter(pl.col("count") < threshold) if events else counts.clear()
    names = ", ".join(repr(a) for a in rare[ACTIVITY].head(5)) or "none"
    rows.append(
        (
            "rare_activities",
            rare.height,
            counts.height,
            _first(rare[ACTIVITY]),
            f"activities with fewer than {threshold} events: {names}",
        )
    )

    rows.append(
        (
            "activities_stripped",
            int(notes.get("activities_stripped", 0)),
            loaded.source.rows,
            "",
            "activity names with surrounding spaces removed",
        )
    )
    rows.append(
        (
            "case_ids_stripped",
            int(notes.get("case_ids_stripped", 0)),
            loaded.source.rows,
            "",
            "case ids with surrounding spaces removed (' 7' and '7' are one case)",
        )
    )
    if START_TIMESTAMP in log.columns:
        late = log.filter(pl.col(START_TIMESTAMP) > pl.col(TIMESTAMP))
        rows.append(
            (
                "start_after_end",
                late.height,
                events,
                _first(late[CASE_ID]),
                "events whose start_timestamp is after their timestamp (negative durations)",
            )
        )
    naive = bool(notes.get("timestamp_naive", False))
    rows.append(
        (
            "naive_timestamps",
            events if naive else 0,
            events,
            "",
            f"timestamps without offset, read as {notes.get('timezone', 'UTC')}",
        )
    )
    if "value" in log.columns or "value_unparseable" in notes:
        rows.append(
            (
                "value_unparseable",
                int(notes.get("value_unparseable", 0)),
                events,
                "",
                "order values that are not numbers (left empty)",
            )
        )
    if events:
        rows.append(("time_range", events, events, " .. ".join(_time_span(log)), "first and last event"))

    table = pd.DataFrame(rows, columns=["check", "count", "of", "example", "detail"])
    table["share"] = (table["count"] / table["of"].where(table["of"] > 0)).fillna(0.0)
    return table[_COLUMNS]


def log_summary(log: EventLog) -> dict[str, int | str]:
    """Events, cases, activities, variants, and the first and last event time of ``log``.

    ``log`` is an event log in memory, a ``ScannedLog`` (``o2c.scan_log``) or a Spark DataFrame.

    >>> from o2c import example_log
    >>> log_summary(example_log())["variants"]
    3
    """
    if _engines.is_engine_log(log, function="log_summary"):
        return engine_summary(log)
    return _log_summary(validate(log))


def engine_summary(log: EventLog, *, variants: int | None = None) -> dict[str, int | str]:
    """``log_summary`` of a scanned log or a Spark DataFrame; ``variants``: their number, when known."""
    events, cases, activities, first_us, last_us = _engines.log_counts(log)
    if variants is None:
        variants = len(_engines.variants(log)) if events else 0
    times = pl.Series([first_us, last_us], dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    return _summary(events, cases, activities, variants, times)


def _log_summary(log: pl.DataFrame) -> dict[str, int | str]:
    """``log_summary`` of a validated log."""
    events = log.height
    variants = len(_variants(log)) if events else 0
    return _summary(events, case_count(log), log[ACTIVITY].n_unique(), variants, _span(log))


def _summary(
    events: int, cases: int, activities: int, variants: int, times: pl.Series
) -> dict[str, int | str]:
    """``log_summary``'s dict: the counts, and the first and last event time (``times``) as text."""
    first, last = _texts(times)
    return {
        "events": events,
        "cases": cases,
        "activities": activities,
        "variants": variants,
        "first_event": first,
        "last_event": last,
    }


def _time_span(log: pl.DataFrame) -> tuple[str, str]:
    """The first and last event time of ``log`` as text ("" for a log without events)."""
    return _texts(_span(log))


def _span(log: pl.DataFrame) -> pl.Series:
    """The first and last event time of ``log`` (nulls for a log without events)."""
    return log.select(pl.col(TIMESTAMP).min().append(pl.col(TIMESTAMP).max())).to_series()


def _texts(times: pl.Series) -> tuple[str, str]:
    """A first and last event time as text ("" for a null)."""
    first, last = times.dt.strftime("%Y-%m-%d %H:%M:%S UTC").fill_null("").to_list()
    return first, last


def _first(values: pl.Series) -> str:
    return "" if values.is_empty() else str(values[0])


def _rows(values: pl.Series) -> str:
    shown = values.head(3).to_list()
    return ", ".join(str(v) for v in shown) + (", ..." if values.len() > 3 else "")
