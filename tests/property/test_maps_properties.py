"""Variants, directly-follows and waiting times of generated logs against a plain-Python brute force.

The logs come in shuffled file order, with tied timestamps (the file order breaks them),
single-event cases, optional start times (negative waits: overlaps), and activity names whose
name order differs from their order of appearance (upper case before lower case, a name that is
a prefix of another, a non-ASCII name), so that neither the categorical codes nor the first
appearance can stand in for the name order. Traces are long enough (up to 30 events over
up to 9 activities) that packed trace keys spill into several words and beyond.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c._calendar import WorkingCalendar
from o2c.discovery import _directly_follows, _trace_keys, case_variants, directly_follows, variants
from o2c.log import validate
from o2c.performance import _edges_and_waits, _waiting_times, waiting_times

T0 = datetime(2025, 1, 6, 9)
NAMES = ["b", "a", "B", "ab", "a b", "Zahlung prüfen", "Ärger", "c", "A"]
US_PER_MINUTE = 60_000_000

#: The dtypes of today's results (the many-variants path and the shared pass must keep them).
VARIANT_DTYPES = ["int64", "object", "uint32", "float64", "timedelta64[us]"]
EDGE_DTYPES = ["str", "str", "uint32", "uint32"]


@st.composite
def logs(draw: st.DrawFn) -> pl.DataFrame:
    """Rows (case, activity, timestamp, start_timestamp?) in a shuffled file order."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    rows = []
    for case in range(draw(st.integers(1, 12))):
        # few traces, so that variants repeat; some long, so that they spill past packed words
        length = draw(st.sampled_from([1, 1, 2, 3, 30]) | st.integers(1, 30))
        activities = draw(st.lists(st.sampled_from(names), min_size=length, max_size=length))
        minutes = draw(st.lists(st.integers(0, 5), min_size=length, max_size=length))
        for activity, minute in zip(activities, np.cumsum(minutes).tolist(), strict=True):
            rows.append((f"SO-{case * 7 % 12}", activity, minute))
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    frame = pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + timedelta(minutes=r[2]) for r in rows],
        }
    )
    if draw(st.booleans()):
        back = draw(st.lists(st.none() | st.integers(0, 8), min_size=len(rows), max_size=len(rows)))
        frame = frame.with_columns(
            start_timestamp=pl.Series(
                [
                    None if b is None else T0 + timedelta(minutes=r[2] - b)
                    for r, b in zip(rows, back, strict=True)
                ],
                dtype=pl.Datetime("us"),
            )
        )
    return frame


def _cases(frame: pl.DataFrame) -> dict[str, list[tuple[str, int, int]]]:
    """Case -> [(activity, end minute, start minute)] in log order (case, time, then file order)."""
    starts = (
        frame["start_timestamp"].to_list() if "start_timestamp" in frame.columns else [None] * frame.height
    )
    rows = [
        (case, (end - T0) // timedelta(minutes=1), row, activity, (start or end) - T0)
        for row, (case, activity, end, start) in enumerate(
            zip(frame["case_id"], frame["activity"], frame["timestamp"], starts, strict=True)
        )
    ]
    cases: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for case, end, _row, activity, start in sorted(rows, key=lambda r: r[:3]):
        cases[case].append((activity, end, start // timedelta(minutes=1)))
    return dict(sorted(cases.items()))


def _expected_variants(
    cases: dict[str, list[tuple[str, int, int]]],
) -> list[tuple[tuple[str, ...], int, float]]:
    leads: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for events in cases.values():
        trace = tuple(a for a, _, _ in events)
        leads[trace].append(events[-1][1] - min(s for _, _, s in events))
    ranked = sorted(leads.items(), key=lambda item: (-len(item[1]), item[0]))
    return [(trace, len(minutes), median(minutes)) for trace, minutes in ranked]


@settings(max_examples=150, deadline=None)
@given(logs())
def test_variants_match_a_brute_force(frame: pl.DataFrame) -> None:
    cases = _cases(frame)
    expected = _expected_variants(cases)
    table = variants(frame)
    assert [str(t) for t in table.dtypes] == VARIANT_DTYPES
    assert list(table["variant_id"]) == list(range(1, len(expected) + 1))
    assert list(table["trace"]) == [trace for trace, _, _ in expected]
    assert all(type(t) is tuple for t in table["trace"])
    assert list(table["cases"]) == [n for _, n, _ in expected]
    assert list(table["share"]) == pytest.approx([n / len(cases) for _, n, _ in expected], rel=1e-15)
    minutes = [m for _, _, m in expected]
    assert list(table["median_lead_time"]) == [pd.Timedelta(minutes=m) for m in minutes]
    # each case's variant, numbered as in the table
    number = {trace: i for i, (trace, _, _) in enumerate(expected, start=1)}
    per_case = case_variants(frame)
    assert list(per_case["case_id"]) == list(cases)
    assert list(per_case["variant_id"]) == [number[tuple(a for a, _, _ in e)] for e in cases.values()]


@settings(max_examples=150, deadline=None)
@given(logs(), st.booleans())
def test_edges_and_waits_match_a_brute_force(frame: pl.DataFrame, overlap_as_zero: bool) -> None:
    waits: dict[tuple[str, str], list[int]] = defaultdict(list)
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case, events in _cases(frame).items():
        for (a, end, _), (b, _, start) in pairwise(events):
            waits[a, b].append((start - end) * US_PER_MINUTE)
            seen[a, b].add(case)
    order = sorted(waits, key=lambda edge: (-len(waits[edge]), edge))
    edges = directly_follows(frame)
    assert [str(t) for t in edges.dtypes] == EDGE_DTYPES
    assert list(zip(edges["source"], edges["target"], strict=True)) == order
    assert list(edges["transitions"]) == [len(waits[e]) for e in order]
    assert list(edges["cases"]) == [len(seen[e]) for e in order]
    table = waiting_times(frame, overlap_as_zero=overlap_as_zero)
    pd.testing.assert_frame_equal(table[edges.columns], edges)
    for row, edge in zip(table.itertuples(index=False), order, strict=True):
        signed = np.array(waits[edge])
        counted = np.clip(signed, 0, None) if overlap_as_zero else signed
        us = pd.Timedelta(microseconds=1)
        assert row.wait_median == round(float(np.median(counted))) * us
        assert row.wait_mean == round(float(np.mean(counted))) * us
        assert row.wait_p90 == round(float(np.percentile(counted, 90))) * us
        assert row.wait_max == int(counted.max()) * us
        assert row.wait_total == int(counted.sum()) * us
        assert row.overlaps == int((signed < 0).sum())


def test_counter_of_traces_is_what_variants_count() -> None:
    """The brute force itself, on a log counted by hand: ties by trace, a prefix first, 'B' before 'a'."""
    rows = [("1", "a", 0), ("1", "b", 1), ("2", "a", 0), ("3", "B", 0), ("4", "a", 0), ("4", "b", 1)]
    frame = pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + timedelta(minutes=r[2]) for r in rows],
        }
    )
    expected = _expected_variants(_cases(frame))
    assert [(t, n) for t, n, _ in expected] == [(("a", "b"), 2), (("B",), 1), (("a",), 1)]
    assert Counter(variants(frame)["trace"]) == Counter({("a", "b"): 1, ("B",): 1, ("a",): 1})


OFFICE = WorkingCalendar({day: ["09:00-12:00", "13:00-17:00"] for day in ("monday", "tuesday", "wednesday")})


@settings(max_examples=60, deadline=None)
@given(logs(), st.booleans())
def test_one_pass_gives_both_maps(frame: pl.DataFrame, on_calendar: bool) -> None:
    """``assess``' shared pass: the same two frames as ``directly_follows`` and ``waiting_times``."""
    log = validate(frame)
    calendar = OFFICE if on_calendar else None
    edges, waits = _edges_and_waits(log, calendar=calendar)
    pd.testing.assert_frame_equal(edges, _directly_follows(log))
    pd.testing.assert_frame_equal(waits, _waiting_times(log, calendar=calendar))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([1, 2, 3, 7, 255, 2**20, 2**31]).flatmap(
        lambda kinds: st.tuples(
            st.just(kinds), st.lists(st.lists(st.integers(1, kinds), max_size=40), min_size=1, max_size=30)
        )
    )
)
def test_trace_keys_sort_and_group_as_the_traces(drawn: tuple[int, list[list[int]]]) -> None:
    """Packed keys (spilling into a tail past four words when ranks take many bits) are equal exactly
    for equal traces, and sort as the traces do, a trace before its continuations."""
    kinds, traces = drawn
    ranks = np.array([r for trace in traces for r in trace], dtype=np.uint64)
    bounds = np.concatenate([[0], np.cumsum([len(t) for t in traces])]).astype(np.int64)
    keys = _trace_keys(ranks, bounds, kinds)
    assert keys.height == len(traces)
    rows = keys.rows()
    for i, j in itertools.combinations(range(len(traces)), 2):
        assert (rows[i] == rows[j]) == (traces[i] == traces[j])
    order = keys.with_row_index("_i").sort(keys.columns)["_i"].to_list()
    assert [traces[i] for i in order] == sorted(traces)
