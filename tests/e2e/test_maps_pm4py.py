"""Process-map numbers agree with pm4py on every real XES log, computed here with pm4py.

pm4py reads each file itself (``pm4py.read_xes``, then ``pm4py.format_dataframe``, which sorts
events by case and timestamp, ties in file order); the toolkit reads it with ``o2c.read_log``.
Both reads are cached per test run in ``tests/conftest.py``.
On bpic2012 (lifecycle schedule/start/complete) pm4py's performance DFG treats every event as a
node; the toolkit does the same on the log as read, and the activity-instance view
(``activity_instances``) is compared with pm4py's own ``interval_lifecycle.to_interval``.
"""

from __future__ import annotations

import gzip
import itertools
import math
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

from o2c._pm4py import pm4py, quiet
from o2c.discovery import (
    activity_instances,
    directly_follows,
    end_activities,
    start_activities,
    variants,
)
from o2c.performance import activity_durations, waiting_times
from tests.conftest import REAL_XES, loaded_real_log, pm4py_frame, real_log

#: Logs too large to read more than once per module: one module-scoped fixture each.
LARGE = ("bpic2012.xes.gz", "16_bpic2019_1t_per_variant.xes.gz")
#: pm4py's discover_dfg rejects this log (timestamps stored as strings): checked by hand.
STRING_TIMESTAMPS = "10_orders.xes.gz"
SMALL = [name for name in REAL_XES if name not in (*LARGE, STRING_TIMESTAMPS)]

REL = 1e-6
ABS_SECONDS = 1e-6  # the toolkit keeps microseconds; pm4py's floats of a zero wait are 0.0


def _close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=ABS_SECONDS)


class Computed:
    """The toolkit's and pm4py's results for one log."""

    def __init__(self, name: str) -> None:
        self.log = loaded_real_log(name).log
        pm = pm4py()
        with quiet():
            # pm4py's DFG routines add a start_timestamp column to the frame they get: copies.
            self.frame = pm.format_dataframe(pm4py_frame(name).copy())
            self.dfg, self.starts, self.ends = pm.discover_dfg(self.frame.copy())
            self.performance = pm.discover_performance_dfg(self.frame.copy())[0]
            raw = pm.discover_performance_dfg(self.frame.copy(), perf_aggregation_key="raw_values")
            self.raw_waits = raw[0]
            self.variants = pm.get_variants(self.frame.copy())
            from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

            self.cases_per_edge = df_statistics.get_dfg_graph(self.frame.copy(), keep_once_per_case=True)


@pytest.fixture(scope="module", params=SMALL)
def small(request: pytest.FixtureRequest) -> Computed:
    return Computed(request.param)


@pytest.fixture(scope="module")
def bpic2012() -> Computed:
    return Computed("bpic2012.xes.gz")


@pytest.fixture(scope="module")
def bpic2019() -> Computed:
    return Computed("16_bpic2019_1t_per_variant.xes.gz")


def _check_all(computed: Computed) -> None:
    _check_directly_follows(computed)
    _check_waits(computed)
    _check_variants(computed)
    _check_start_end(computed)


def _check_directly_follows(computed: Computed) -> None:
    edges = directly_follows(computed.log)
    ours = {(s, t): n for s, t, n in zip(edges["source"], edges["target"], edges["transitions"], strict=True)}
    assert ours == {k: int(v) for k, v in computed.dfg.items()}
    cases = {(s, t): n for s, t, n in zip(edges["source"], edges["target"], edges["cases"], strict=True)}
    assert cases == {k: int(v) for k, v in computed.cases_per_edge.items()}


def _check_waits(computed: Computed) -> None:
    waits = waiting_times(computed.log).set_index(["source", "target"])
    assert set(waits.index) == set(computed.performance)
    for edge, theirs in computed.performance.items():
        row = waits.loc[edge]
        raw = pd.Series(computed.raw_waits[edge], dtype=float)
        expected = {
            "wait_mean": theirs["mean"],
            "wait_median": theirs["median"],
            "wait_max": theirs["max"],
            "wait_total": theirs["sum"],
            "wait_p90": raw.quantile(0.9, interpolation="linear"),
        }
        for column, value in expected.items():
            assert _close(row[column].total_seconds(), float(value)), (edge, column, row[column], value)


def _check_variants(computed: Computed) -> None:
    ours = variants(computed.log)
    assert dict(zip(ours["trace"], ours["cases"], strict=True)) == {
        k: int(v) for k, v in computed.variants.items()
    }
    assert list(ours["variant_id"]) == list(range(1, len(ours) + 1))


def _check_start_end(computed: Computed) -> None:
    starts, ends = start_activities(computed.log), end_activities(computed.log)
    assert dict(zip(starts["activity"], starts["cases"], strict=True)) == computed.starts
    assert dict(zip(ends["activity"], ends["cases"], strict=True)) == computed.ends


def test_small_logs_agree_with_pm4py(small: Computed) -> None:
    _check_all(small)


def test_bpic2019_agrees_with_pm4py(bpic2019: Computed) -> None:
    _check_all(bpic2019)


def test_bpic2012_events_agree_with_pm4py(bpic2012: Computed) -> None:
    """Every lifecycle event is a node, in pm4py and in the toolkit, on the log as read."""
    _check_all(bpic2012)


def _pm4py_instances(computed: Computed) -> pd.DataFrame:
    """pm4py's interval log (its start/complete pairing), as a frame in completion order."""
    pm = pm4py()
    from pm4py.objects.log.util import interval_lifecycle

    with quiet():
        intervals = interval_lifecycle.to_interval(pm.convert_to_event_log(computed.frame.copy()))
        frame = pm.convert_to_dataframe(intervals)
    return frame.sort_values(["case:concept:name", "time:timestamp", "@@index"], kind="stable")


@pytest.fixture(scope="module")
def bpic2012_instances(bpic2012: Computed) -> pd.DataFrame:
    return _pm4py_instances(bpic2012)


def test_bpic2012_instances_pair_like_pm4py(bpic2012: Computed, bpic2012_instances: pd.DataFrame) -> None:
    ours = activity_instances(bpic2012.log)
    theirs = bpic2012_instances
    assert ours.height == len(theirs)
    paired = theirs["@@startevent_concept:name"].notna()
    start = theirs["start_timestamp"].where(paired)
    assert ours["start_timestamp"].null_count() == int((~paired).sum())
    expected = pl.from_pandas(start.dt.tz_convert("UTC")).dt.cast_time_unit("us")
    assert ours["start_timestamp"].equals(expected.alias("start_timestamp"), check_names=False)


def test_bpic2012_activity_durations_agree_with_pm4py(
    bpic2012: Computed, bpic2012_instances: pd.DataFrame
) -> None:
    ours = activity_durations(bpic2012.log).set_index("activity")
    paired = bpic2012_instances[bpic2012_instances["@@startevent_concept:name"].notna()]
    theirs = paired.groupby("concept:name")["@@duration"].agg(["size", "mean", "median", "max", "sum"])
    assert set(ours.index) == set(theirs.index)
    for activity, row in theirs.iterrows():
        assert ours.loc[activity, "instances"] == row["size"]
        for ours_column, their_column in (
            ("duration_mean", "mean"),
            ("duration_median", "median"),
            ("duration_max", "max"),
            ("duration_total", "sum"),
        ):
            assert _close(ours.loc[activity, ours_column].total_seconds(), row[their_column]), (
                activity,
                ours_column,
            )


def test_bpic2012_waits_between_instances_agree_with_pm4py(
    bpic2012: Computed, bpic2012_instances: pd.DataFrame
) -> None:
    """Complete -> start waits; pm4py's arithmetic on pm4py's pairing, in the log's completion order.

    ``discover_performance_dfg`` would re-sort instances by start time; the toolkit keeps the
    log's order (by completion), so pm4py's DFG routine is called without its sort.
    """
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    with quiet():
        frequency, performance = df_statistics.get_dfg_graph(
            bpic2012_instances.copy(),
            measure="both",
            sort_caseid_required=False,
            perf_aggregation_key="all",
        )
    waits = waiting_times(activity_instances(bpic2012.log)).set_index(["source", "target"])
    assert {edge: int(n) for edge, n in frequency.items()} == waits["transitions"].to_dict()
    for edge, theirs in performance.items():
        assert _close(waits.loc[edge, "wait_mean"].total_seconds(), theirs["mean"]), edge
        assert _close(waits.loc[edge, "wait_median"].total_seconds(), theirs["median"]), edge


def _hand_read_string_log(path: Path) -> list[tuple[str, str, datetime, int]]:
    """Events of an XES file with string timestamps, read with ElementTree: (case, activity, time, position)."""
    events = []
    position = 0
    with gzip.open(path) as stream:
        root = ET.parse(stream).getroot()
    for trace in (e for e in root if e.tag.endswith("trace")):
        case = next(a.get("value") for a in trace if a.get("key") == "concept:name")
        for event in (e for e in trace if e.tag.endswith("event")):
            position += 1
            keys: dict[str, Any] = {a.get("key"): a.get("value") for a in event}
            when = datetime.strptime(keys["time:timestamp"], "%Y/%m/%d %H:%M:%S.%f")
            events.append((str(case), keys["concept:name"], when, position))
    return sorted(events, key=lambda e: (e[0], e[2], e[3]))


def test_string_timestamp_log_counted_by_hand() -> None:
    """pm4py's discover_dfg rejects 10_orders.xes.gz; its counts are made here from the XML."""
    path = real_log(STRING_TIMESTAMPS)
    log = loaded_real_log(STRING_TIMESTAMPS).log
    events = _hand_read_string_log(path)
    assert log.height == len(events)
    edges: Counter[tuple[str, str]] = Counter()
    waits: dict[tuple[str, str], list[float]] = {}
    traces: dict[str, list[str]] = {}
    for (case, activity, when, _), (next_case, next_activity, next_when, _) in itertools.pairwise(events):
        if case == next_case:
            edges[(activity, next_activity)] += 1
            waits.setdefault((activity, next_activity), []).append((next_when - when).total_seconds())
    for case, activity, _, _ in events:
        traces.setdefault(case, []).append(activity)

    ours = directly_follows(log)
    assert (
        dict(zip(zip(ours["source"], ours["target"], strict=True), ours["transitions"], strict=True)) == edges
    )
    measured = waiting_times(log).set_index(["source", "target"])
    for edge, values in waits.items():
        assert _close(measured.loc[edge, "wait_mean"].total_seconds(), sum(values) / len(values))
        assert _close(measured.loc[edge, "wait_median"].total_seconds(), float(pd.Series(values).median()))
    ours_variants = variants(log)
    assert dict(zip(ours_variants["trace"], ours_variants["cases"], strict=True)) == Counter(
        tuple(t) for t in traces.values()
    )
    starts = start_activities(log)
    assert dict(zip(starts["activity"], starts["cases"], strict=True)) == Counter(
        t[0] for t in traces.values()
    )
    ends = end_activities(log)
    assert dict(zip(ends["activity"], ends["cases"], strict=True)) == Counter(t[-1] for t in traces.values())


def test_every_real_xes_log_is_compared() -> None:
    assert sorted([*SMALL, *LARGE, STRING_TIMESTAMPS]) == sorted(REAL_XES)
