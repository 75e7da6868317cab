"""Rework invariants over generated logs, each checked against a plain-Python count of the traces."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c._rework import first_time_right, rework, rework_cost

T0 = datetime(2025, 1, 6, 9)


@dataclass(frozen=True)
class Generated:
    """A generated log beside the plain-Python traces it was made from."""

    log: pl.DataFrame
    traces: dict[str, list[tuple[str, int]]]  # case -> [(activity, hours after T0)] in log order
    values: dict[str, float | None]
    regions: dict[str, str]


@st.composite
def logs(draw: st.DrawFn) -> Generated:
    """Small logs over four activities; repeated hours give tied timestamps (file order decides)."""
    n_cases = draw(st.integers(1, 8))
    traces: dict[str, list[tuple[str, int]]] = {}
    for case in range(n_cases):
        activities = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=9))
        steps = draw(st.lists(st.integers(0, 3), min_size=len(activities), max_size=len(activities)))
        hours = np.cumsum(steps).tolist()
        traces[f"c{case}"] = list(zip(activities, hours, strict=True))
    values = {case: draw(st.one_of(st.none(), st.sampled_from([10.0, 250.0, 4000.0]))) for case in traces}
    regions = {case: draw(st.sampled_from(["EMEA", "AMER"])) for case in traces}
    rows = [
        (case, activity, T0 + timedelta(hours=h), values[case], regions[case])
        for case, events in traces.items()
        for activity, h in events
    ]
    frame = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value", "region"], orient="row")
    frame = frame.with_columns(pl.col("value").cast(pl.Float64)).with_row_index("source_row", offset=1)
    order = draw(
        st.permutations(range(frame.height))
    )  # rows arrive in any order; source_row keeps file order
    return Generated(frame[list(order)], traces, values, regions)


def _python_rework(
    traces: dict[str, list[tuple[str, int]]],
) -> dict[tuple[str, str, str | None], dict[str, object]]:
    """cases, extra executions, time added (hours) and affected cases per key, counted trace by trace."""
    result: dict[tuple[str, str, str | None], dict[str, object]] = {}

    def add(key: tuple[str, str, str | None], case: str, extra: int, hours: int) -> None:
        row = result.setdefault(key, {"cases": set(), "extra": 0, "hours": 0})
        row["cases"].add(case)  # type: ignore[attr-defined]
        row["extra"] += extra  # type: ignore[operator]
        row["hours"] += hours  # type: ignore[operator]

    for case, events in traces.items():
        names = [a for a, _ in events]
        times = [h for _, h in events]
        for activity, n in Counter(names).items():
            if n > 1:
                positions = [i for i, a in enumerate(names) if a == activity]
                add((activity, "repeat", None), case, n - 1, times[positions[-1]] - times[positions[0]])
        for i in range(1, len(names)):
            if names[i] == names[i - 1]:
                add((names[i], "self_loop", None), case, 1, times[i] - times[i - 1])
            if i >= 2 and names[i] == names[i - 2] and names[i - 1] != names[i]:
                add((names[i], "ping_pong", names[i - 1]), case, 1, times[i] - times[i - 2])
    return result


@settings(max_examples=150, deadline=None)
@given(logs())
def test_rework_equals_a_trace_by_trace_count(generated: Generated) -> None:
    table = rework(generated.log)
    expected = _python_rework(generated.traces)
    n_cases = len(generated.traces)
    got = {
        (r.activity, r.kind, r.other_activity): r
        for r in table.itertuples(index=False)  # namedtuples with the documented columns
    }
    assert set(got) == set(expected)
    for key, row in got.items():
        cases: set[str] = expected[key]["cases"]  # type: ignore[assignment]
        assert row.cases_affected == len(cases)
        assert row.share_of_cases == len(cases) / n_cases
        assert row.extra_executions == expected[key]["extra"]
        assert row.time_added == pd.Timedelta(hours=expected[key]["hours"])  # type: ignore[arg-type]
        assert row.value_affected == sum(generated.values[c] or 0.0 for c in cases)


@settings(max_examples=100, deadline=None)
@given(logs())
def test_loops_are_disjoint_parts_of_the_repeats(generated: Generated) -> None:
    """No event is both a self-loop and a ping-pong return; both are repeats, inside the first-to-last span."""
    table = rework(generated.log)
    for activity, rows in table.groupby("activity"):
        repeat = rows[rows["kind"] == "repeat"]
        loops = rows[rows["kind"] != "repeat"]
        if repeat.empty:
            assert loops.empty, f"{activity} loops without repeating"
            continue
        assert loops["extra_executions"].sum() <= repeat["extra_executions"].iloc[0]
        assert loops["time_added"].sum() <= repeat["time_added"].iloc[0]
        assert (loops["cases_affected"] <= repeat["cases_affected"].iloc[0]).all()


@settings(max_examples=100, deadline=None)
@given(logs())
def test_order_is_cases_then_names(generated: Generated) -> None:
    table = rework(generated.log)
    keys = [
        (-r.cases_affected, r.activity, r.kind, r.other_activity or "") for r in table.itertuples(index=False)
    ]
    assert keys == sorted(keys)
    assert table["share_of_cases"].between(0, 1).all()


@settings(max_examples=100, deadline=None)
@given(logs())
def test_first_time_right_overall_and_by_region(generated: Generated) -> None:
    right = {case for case, events in generated.traces.items() if len({a for a, _ in events}) == len(events)}
    assert first_time_right(generated.log) == len(right) / len(generated.traces)
    table = first_time_right(generated.log, by="region").set_index("region")
    for region in set(generated.regions.values()):
        members = [c for c, r in generated.regions.items() if r == region]
        assert table.loc[region, "cases"] == len(members)
        assert table.loc[region, "first_time_right_cases"] == len(right.intersection(members))


@settings(max_examples=100, deadline=None)
@given(logs())
def test_rework_cost_medians_equal_a_direct_split(generated: Generated) -> None:
    leads = {case: events[-1][1] - events[0][1] for case, events in generated.traces.items()}
    expected = _python_rework(generated.traces)
    cost = rework_cost(generated.log)
    assert len(cost) == len(expected)
    for r in cost.itertuples(index=False):
        affected: set[str] = expected[(r.activity, r.kind, r.other_activity)]["cases"]  # type: ignore[assignment]
        with_ = median(leads[c] for c in affected)
        rest = [leads[c] for c in leads if c not in affected]
        assert r.lead_time_with == pd.Timedelta(hours=with_)
        if rest:
            without = median(rest)
            assert r.lead_time_without == pd.Timedelta(hours=without)
            value = sum(generated.values[c] or 0.0 for c in affected)
            assert abs(r.value_delayed - value * (with_ - without) / 24) < 1e-6 * max(1.0, abs(value))
        else:
            assert pd.isna(r.lead_time_without)
            assert pd.isna(r.value_delayed)


@settings(max_examples=50, deadline=None)
@given(logs(), st.integers(0, 2**32 - 1))
def test_row_order_of_the_input_changes_nothing(generated: Generated, seed: int) -> None:
    shuffled = generated.log.sample(fraction=1.0, shuffle=True, seed=seed)
    pd.testing.assert_frame_equal(rework(shuffled), rework(generated.log))
    pd.testing.assert_frame_equal(rework_cost(shuffled), rework_cost(generated.log))
