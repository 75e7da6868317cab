"""Directly-follows, variants, start/end activities and activity instances, counted by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pytest

from o2c.discovery import (
    activity_instances,
    case_variants,
    directly_follows,
    end_activities,
    start_activities,
    transitions,
    variants,
)
from o2c.log import validate

T0 = datetime(2025, 3, 3, 8)


def _log(rows: list[tuple[str, str, float]], **extra: list[object]) -> pl.DataFrame:
    """A log from (case, activity, hours after T0) rows, in file order."""
    return pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + timedelta(hours=r[2]) for r in rows],
            **extra,
        }
    )


@pytest.fixture
def tiny() -> pl.DataFrame:
    """A: a b c; B: a then c and b at the same time (file order: c first); C: one event; D: b b b."""
    return _log(
        [
            ("A", "a", 0),
            ("A", "b", 1),
            ("A", "c", 2),
            ("B", "a", 0),
            ("B", "c", 1),
            ("B", "b", 1),
            ("C", "a", 5),
            ("D", "b", 0),
            ("D", "b", 2),
            ("D", "b", 6),
        ]
    )


def test_directly_follows_counted_by_hand(tiny: pl.DataFrame) -> None:
    edges = directly_follows(tiny)
    assert list(edges.columns) == ["source", "target", "transitions", "cases"]
    assert list(edges.itertuples(index=False, name=None)) == [
        ("b", "b", 2, 1),  # D's self-loops: two transitions, one case
        ("a", "b", 1, 1),
        ("a", "c", 1, 1),
        ("b", "c", 1, 1),
        ("c", "b", 1, 1),  # B's tie: c comes first in the file
    ]


def test_every_transition_is_counted_once(tiny: pl.DataFrame) -> None:
    assert directly_follows(tiny)["transitions"].sum() == tiny.height - tiny["case_id"].n_unique()


def test_ties_keep_file_order() -> None:
    swapped = _log([("B", "a", 0), ("B", "b", 1), ("B", "c", 1)])
    assert [tuple(r) for r in directly_follows(swapped)[["source", "target"]].to_numpy()] == [
        ("a", "b"),
        ("b", "c"),
    ]


def test_start_and_end_activities(tiny: pl.DataFrame) -> None:
    starts, ends = start_activities(tiny), end_activities(tiny)
    assert list(starts.itertuples(index=False, name=None)) == [("a", 3, 0.75), ("b", 1, 0.25)]
    assert list(ends.itertuples(index=False, name=None)) == [("b", 2, 0.5), ("a", 1, 0.25), ("c", 1, 0.25)]


def test_variants_counted_by_hand(tiny: pl.DataFrame) -> None:
    table = variants(tiny)
    assert list(table.columns) == ["variant_id", "trace", "cases", "share", "median_lead_time"]
    assert list(table["trace"]) == [
        ("a",),
        ("a", "b", "c"),
        ("a", "c", "b"),
        ("b", "b", "b"),
    ]  # ties by trace
    assert list(table["variant_id"]) == [1, 2, 3, 4]
    assert list(table["cases"]) == [1, 1, 1, 1]
    assert list(table["share"]) == [0.25] * 4
    assert list(table["median_lead_time"]) == [pd.Timedelta(hours=h) for h in (0, 2, 1, 6)]


def test_variants_rank_by_cases_then_trace() -> None:
    log = _log(
        [
            ("1", "x", 0),
            ("2", "y", 0),
            ("3", "y", 0),
            ("4", "x", 0),
            ("5", "y", 0),
            ("6", "w", 0),
            ("7", "v", 0),
        ]
    )
    table = variants(log)
    assert list(zip(table["trace"], table["cases"], strict=True)) == [
        (("y",), 3),
        (("x",), 2),
        (("v",), 1),
        (("w",), 1),
    ]
    assert table["median_lead_time"].iloc[0] == pd.Timedelta(0)


def test_variant_median_lead_time() -> None:
    log = _log([("1", "x", 0), ("1", "y", 1), ("2", "x", 0), ("2", "y", 4), ("3", "x", 0), ("3", "y", 10)])
    assert variants(log)["median_lead_time"].iloc[0] == pd.Timedelta(hours=4)


def test_variant_lead_time_runs_from_the_earliest_start() -> None:
    """With start times, a case's lead runs from its earliest start (not its first row) to its last end."""
    starts = [T0 - timedelta(hours=3), T0 + timedelta(hours=1), None, T0 - timedelta(hours=1)]
    log = _log([("1", "x", 0), ("1", "y", 2), ("2", "x", 0), ("2", "y", 5)], start_timestamp=starts)
    # case 1: from -3 h to 2 h (5 h); case 2: its first start is -1 h, on its second row (6 h)
    assert variants(log)["median_lead_time"].iloc[0] == pd.Timedelta(hours=5.5)


def test_variants_of_an_empty_log() -> None:
    table = variants(_log([]).cast({"activity": pl.String, "case_id": pl.String}))
    assert table.empty and list(table.columns)[:3] == ["variant_id", "trace", "cases"]


def test_traces_are_not_joined_strings() -> None:
    """('a,b',) and ('a', 'b') are different variants: traces are lists of codes, not joined names."""
    log = _log([("1", "a,b", 0), ("2", "a", 0), ("2", "b", 1), ("3", "a", 0), ("3", "b", 1)])
    table = variants(log)
    assert dict(zip(table["trace"], table["cases"], strict=True)) == {("a", "b"): 2, ("a,b",): 1}


def test_case_variants_match_variant_ids(tiny: pl.DataFrame) -> None:
    per_case = case_variants(tiny)
    assert list(per_case.itertuples(index=False, name=None)) == [("A", 2), ("B", 3), ("C", 1), ("D", 4)]


def test_shuffled_pandas_input_gives_the_same_results(tiny: pl.DataFrame) -> None:
    numbered = tiny.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
    shuffled = numbered.sample(fraction=1.0, shuffle=True, seed=3).to_pandas()
    pd.testing.assert_frame_equal(directly_follows(shuffled), directly_follows(tiny))
    pd.testing.assert_frame_equal(variants(shuffled), variants(tiny))
    pd.testing.assert_frame_equal(start_activities(shuffled), start_activities(tiny))


def test_transitions_waits(tiny: pl.DataFrame) -> None:
    pairs = transitions(tiny).filter(case_id="D")
    assert pairs["wait"].to_list() == [timedelta(hours=2), timedelta(hours=4)]


def test_example_log(example_log: pl.DataFrame) -> None:
    """The example log by hand: order 2 checks credit twice, order 3 confirms twice around a price change."""
    edges = directly_follows(example_log).set_index(["source", "target"])
    assert edges.loc[("Check Credit", "Check Credit"), "transitions"] == 1
    assert edges.loc[("Confirm Order", "Change Price"), "transitions"] == 1
    assert edges.loc[("Confirm Order", "Ship Goods"), "transitions"] == 3
    assert len(edges) == 9
    assert variants(example_log)["cases"].sum() == 3


def _lifecycle(rows: list[tuple[str, float, str | None]]) -> pl.DataFrame:
    return _log([("1", a, h) for a, h, _ in rows], lifecycle=[lc for _, _, lc in rows])


def test_activity_instances_pair_first_in_first_out() -> None:
    log = _lifecycle(
        [
            ("a", 0, "schedule"),  # dropped
            ("a", 1, "START"),  # case-insensitive
            ("a", 2, "start"),
            ("b", 3, "complete"),  # no start: start unknown
            ("a", 4, "complete"),  # takes the start at 1
            ("a", 5, "complete"),  # takes the start at 2
            ("c", 6, None),  # no lifecycle value: a complete
            ("d", 7, "start"),  # never completed: dropped
        ]
    )
    folded = activity_instances(log)
    assert "lifecycle" not in folded.columns
    assert folded.select("activity", "start_timestamp", "timestamp").rows() == [
        ("b", None, _utc(3)),
        ("a", _utc(1), _utc(4)),
        ("a", _utc(2), _utc(5)),
        ("c", None, _utc(6)),
    ]


def test_activity_instances_complete_before_its_start_is_lost() -> None:
    """A complete with no pending start does not consume a later start (pm4py's queue)."""
    log = _lifecycle([("a", 0, "complete"), ("a", 1, "start"), ("a", 2, "complete")])
    assert activity_instances(log).select("start_timestamp", "timestamp").rows() == [
        (None, _utc(0)),
        (_utc(1), _utc(2)),
    ]


def test_activity_instances_without_lifecycle_is_the_log(tiny: pl.DataFrame) -> None:
    assert activity_instances(tiny).equals(validate(tiny))


def _utc(hours: float) -> datetime:
    return (T0 + timedelta(hours=hours)).replace(tzinfo=ZoneInfo("UTC"))
