"""Every real XES log is read, and its events, cases, activities, variants and
directly-follows counts equal pm4py's, computed here with pm4py's own importer."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

import pandas as pd
import polars as pl
import pytest

from o2c._pm4py import pm4py
from o2c.discovery import transitions
from tests.conftest import REAL_XES, loaded_real_log, pm4py_frame, real_log

# pm4py's discover_dfg cannot work on string timestamps; that log is checked by hand below.
COMPARABLE = [name for name in REAL_XES if name != "10_orders.xes.gz"]


def _our_traces(log: pl.DataFrame) -> Counter[tuple[str, ...]]:
    traces = log.group_by("case_id", maintain_order=True).agg(pl.col("activity").cast(pl.String))
    return Counter(tuple(t) for t in traces["activity"].to_list())


def _sorted_pm4py(name: str) -> pd.DataFrame:
    frame = pm4py_frame(name).copy()
    frame["@row"] = range(len(frame))
    return frame.sort_values(["case:concept:name", "time:timestamp", "@row"], kind="stable")


@pytest.mark.parametrize("name", COMPARABLE)
def test_counts_equal_pm4py(name: str) -> None:
    ours = loaded_real_log(name)
    theirs = _sorted_pm4py(name)
    log = ours.log
    assert ours.rejects.height == 0
    assert log.height == len(theirs)
    assert log["case_id"].n_unique() == theirs["case:concept:name"].nunique()
    assert set(log["activity"].cast(pl.String).unique()) == set(theirs["concept:name"].unique())
    assert ours.source.rows == len(theirs)

    their_traces = Counter(
        tuple(t) for t in theirs.groupby("case:concept:name", sort=False)["concept:name"].agg(list)
    )
    assert _our_traces(log) == their_traces

    module = pm4py()
    dfg, _starts, _ends = module.discover_dfg(pm4py_frame(name))
    edges = transitions(log).group_by("source", "target").len()
    ours_dfg = {
        (s, t): n for s, t, n in edges.with_columns(pl.col("source", "target").cast(pl.String)).iter_rows()
    }
    assert ours_dfg == dict(dfg)


@pytest.mark.parametrize("name", COMPARABLE)
def test_timestamps_equal_pm4py(name: str) -> None:
    log = loaded_real_log(name).log
    theirs = _sorted_pm4py(name)
    ours = log["timestamp"].dt.epoch("us").to_numpy()
    expected = (
        theirs["time:timestamp"].dt.tz_convert("UTC").astype("datetime64[us, UTC]").astype("int64").to_numpy()
    )
    assert (ours == expected).all()


def test_string_timestamps_read_where_pm4py_dfg_fails() -> None:
    """10_orders.xes.gz stores timestamps as strings: counted here by hand from the XML."""
    path = real_log("10_orders.xes.gz")
    with gzip.open(path) as handle:
        root = ET.parse(handle).getroot()
    ns = {"x": root.tag.split("}")[0].strip("{")} if root.tag.startswith("{") else {}
    prefix = "x:" if ns else ""
    expected = []
    for trace in root.findall(f"{prefix}trace", ns):
        case = next(a.get("value") for a in trace if a.get("key") == "concept:name")
        for event in trace.findall(f"{prefix}event", ns):
            keys = {a.get("key"): a.get("value") for a in event}
            stamp = datetime.strptime(keys["time:timestamp"], "%Y/%m/%d %H:%M:%S.%f").replace(tzinfo=UTC)
            expected.append((str(case), keys["concept:name"], stamp))
    loaded = loaded_real_log("10_orders.xes.gz")
    ours = list(loaded.log.select("case_id", pl.col("activity").cast(pl.String), "timestamp").iter_rows())
    assert sorted(ours) == sorted(expected)
    assert loaded.log["timestamp"].dtype == pl.Datetime("us", "UTC")
    with pytest.raises(Exception):  # noqa: B017 - pm4py's own failure on this file, whatever its type
        pm4py().discover_dfg(pm4py_frame("10_orders.xes.gz"))
