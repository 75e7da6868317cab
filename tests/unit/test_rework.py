"""Rework on hand-counted logs: repeats, self-loops, ping-pong, ties, first-time-right, cost, re-keying."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pytest

from o2c._rework import (
    KINDS,
    first_time_right,
    ping_pongs,
    rekeyed_data,
    rework,
    rework_cost,
    self_loops,
)
from o2c.errors import ArgumentError

T0 = datetime(2025, 3, 3, 8)
H = pd.Timedelta(hours=1)
COLUMNS = [
    "activity",
    "kind",
    "other_activity",
    "cases_affected",
    "share_of_cases",
    "extra_executions",
    "time_added",
]


def _log(
    traces: dict[str, list[tuple[str, float]]], values: dict[str, float | None] | None = None
) -> pl.DataFrame:
    """A log from {case: [(activity, hours after T0), ...]}, rows in the order given."""
    rows = [
        (case, activity, T0 + timedelta(hours=hours))
        for case, events in traces.items()
        for activity, hours in events
    ]
    frame = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")
    if values is not None:
        frame = frame.with_columns(value=pl.col("case_id").replace_strict(values, return_dtype=pl.Float64))
    return frame


def _row(table: pd.DataFrame, activity: str, kind: str, other: str | None = None) -> dict[str, object]:
    match = table[(table["activity"] == activity) & (table["kind"] == kind)]
    match = (
        match[match["other_activity"].isna()] if other is None else match[match["other_activity"] == other]
    )
    assert len(match) == 1, f"expected one row for {activity}/{kind}/{other}, got\n{table}"
    return match.iloc[0].to_dict()


def _keys(table: pd.DataFrame) -> set[tuple[str, str, str | None]]:
    return set(zip(table["activity"], table["kind"], table["other_activity"], strict=True))


def test_a_a_a_is_two_self_loops_and_two_extra_executions() -> None:
    table = rework(_log({"1": [("a", 0), ("a", 1), ("a", 3)]}))
    assert _keys(table) == {("a", "repeat", None), ("a", "self_loop", None)}
    for kind in ("repeat", "self_loop"):
        row = _row(table, "a", kind)
        assert row["cases_affected"] == 1
        assert row["extra_executions"] == 2
        assert row["time_added"] == 3 * H
        assert row["share_of_cases"] == 1.0


def test_a_b_a_b_a_counts_every_return_window() -> None:
    # events 1..5 at hours 0..4; a returns at events 3 and 5 (around b), b returns at event 4 (around a)
    table = rework(_log({"1": [("a", 0), ("b", 1), ("a", 2), ("b", 3), ("a", 4)]}))
    assert _keys(table) == {
        ("a", "repeat", None),
        ("b", "repeat", None),
        ("a", "ping_pong", "b"),
        ("b", "ping_pong", "a"),
    }
    assert _row(table, "a", "repeat")["extra_executions"] == 2
    assert _row(table, "a", "repeat")["time_added"] == 4 * H
    assert _row(table, "b", "repeat")["extra_executions"] == 1
    assert _row(table, "b", "repeat")["time_added"] == 2 * H
    a_b = _row(table, "a", "ping_pong", "b")
    assert (a_b["cases_affected"], a_b["extra_executions"], a_b["time_added"]) == (1, 2, 4 * H)
    b_a = _row(table, "b", "ping_pong", "a")
    assert (b_a["cases_affected"], b_a["extra_executions"], b_a["time_added"]) == (1, 1, 2 * H)


def test_a_b_c_a_is_a_repeat_but_no_ping_pong() -> None:
    table = rework(_log({"1": [("a", 0), ("b", 1), ("c", 2), ("a", 5)]}))
    assert _keys(table) == {("a", "repeat", None)}
    assert _row(table, "a", "repeat")["time_added"] == 5 * H


def test_tied_timestamps_keep_file_order() -> None:
    # b and the second a share a timestamp: the file order (source_row) decides what they form
    ping = pl.DataFrame(
        {
            "case_id": ["1", "1", "1"],
            "activity": ["a", "a", "b"],
            "timestamp": [T0, T0 + H, T0 + H],
            "source_row": [1, 3, 2],  # rows arrive out of order; validate sorts by source_row on ties
        }
    )
    table = rework(ping)
    assert _keys(table) == {("a", "repeat", None), ("a", "ping_pong", "b")}
    assert _row(table, "a", "ping_pong", "b")["time_added"] == 1 * H

    loop = ping.with_columns(source_row=pl.Series([1, 2, 3]))
    table = rework(loop)
    assert _keys(table) == {("a", "repeat", None), ("a", "self_loop", None)}
    assert _row(table, "a", "self_loop")["time_added"] == 1 * H


def test_same_timestamp_loop_adds_no_time() -> None:
    table = rework(_log({"1": [("a", 2), ("a", 2)]}))
    assert _row(table, "a", "self_loop")["time_added"] == pd.Timedelta(0)
    assert _row(table, "a", "self_loop")["extra_executions"] == 1


def test_example_log_hand_counts(example_log: pl.DataFrame) -> None:
    table = rework(example_log)
    assert list(table.columns) == [*COLUMNS, "value_affected"]
    # order 2 (value 3,000): Check Credit at +1h and +4h; order 3 (55,000): Confirm Order +3h, Change Price, +9h
    expected = [
        ("Check Credit", "repeat", None, 1, 1, 3 * H, 3000.0),
        ("Check Credit", "self_loop", None, 1, 1, 3 * H, 3000.0),
        ("Confirm Order", "ping_pong", "Change Price", 1, 1, 6 * H, 55000.0),
        ("Confirm Order", "repeat", None, 1, 1, 6 * H, 55000.0),
    ]
    got = list(
        table[
            [
                "activity",
                "kind",
                "other_activity",
                "cases_affected",
                "extra_executions",
                "time_added",
                "value_affected",
            ]
        ].itertuples(index=False, name=None)
    )
    assert got == expected
    assert table["share_of_cases"].tolist() == pytest.approx([1 / 3] * 4)


def test_dtypes(example_log: pl.DataFrame) -> None:
    table = rework(example_log)
    assert pd.api.types.is_timedelta64_dtype(table["time_added"])
    assert pd.api.types.is_integer_dtype(table["cases_affected"])
    assert pd.api.types.is_integer_dtype(table["extra_executions"])
    assert pd.api.types.is_float_dtype(table["share_of_cases"])
    assert set(table["kind"]) <= set(KINDS)
    assert [o is None for o in table["other_activity"]] == [True, True, False, True]


def test_sorted_by_cases_affected_then_names() -> None:
    log = _log(
        {
            "1": [("b", 0), ("b", 1), ("a", 2), ("a", 3)],
            "2": [("b", 0), ("b", 1)],
            "3": [("c", 0), ("d", 1), ("c", 2)],
        }
    )
    table = rework(log)
    assert list(zip(table["activity"], table["kind"], table["cases_affected"], strict=True)) == [
        ("b", "repeat", 2),
        ("b", "self_loop", 2),
        ("a", "repeat", 1),
        ("a", "self_loop", 1),
        ("c", "ping_pong", 1),
        ("c", "repeat", 1),
    ]
    assert table["share_of_cases"].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3])


def test_value_affected_only_with_value_and_never_nan() -> None:
    traces = {"1": [("a", 0), ("a", 1)], "2": [("a", 0), ("a", 5)], "3": [("a", 0), ("a", 2)]}
    assert "value_affected" not in rework(_log(traces)).columns
    table = rework(_log(traces, values={"1": 100.0, "2": None, "3": 250.0}))
    assert _row(table, "a", "repeat")["value_affected"] == 350.0
    assert not table["value_affected"].isna().any()


def test_value_is_the_order_value_not_summed_over_events() -> None:
    log = _log({"1": [("a", 0), ("b", 1), ("a", 2)]}, values={"1": 40.0})
    assert rework(log)["value_affected"].tolist() == [40.0, 40.0]


def test_completion_times_are_used_when_start_times_exist() -> None:
    # a (start 0h, end 1h), a (start 5h, end 6h): the loop adds end to end, 5 hours
    log = _log({"1": [("a", 1), ("a", 6)]}).with_columns(
        start_timestamp=pl.Series([T0, T0 + 5 * H.to_pytimedelta()])
    )
    table = rework(log)
    assert _row(table, "a", "self_loop")["time_added"] == 5 * H
    assert _row(table, "a", "repeat")["time_added"] == 5 * H


def test_no_rework_gives_empty_table_with_columns() -> None:
    table = rework(_log({"1": [("a", 0), ("b", 1)], "2": [("a", 0)]}))
    assert table.empty
    assert list(table.columns) == COLUMNS
    assert pd.api.types.is_timedelta64_dtype(table["time_added"])


def test_pandas_input_and_input_untouched(example_log: pl.DataFrame) -> None:
    before = example_log.clone()
    from_pandas = rework(example_log.to_pandas())
    pd.testing.assert_frame_equal(from_pandas, rework(example_log))
    assert example_log.equals(before)


def test_self_loops_and_ping_pongs_are_the_rework_rows() -> None:
    log = _log(
        {
            "1": [("a", 0), ("b", 1), ("a", 2), ("b", 3), ("a", 4)],
            "2": [("a", 0), ("a", 1), ("c", 2), ("a", 3)],
            "3": [("c", 0), ("c", 1), ("c", 2)],
        }
    )
    table = rework(log)
    loops = (
        table[table["kind"] == "self_loop"].drop(columns=["kind", "other_activity"]).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(self_loops(log), loops)
    pongs = table[table["kind"] == "ping_pong"].drop(columns=["kind"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(ping_pongs(log), pongs)
    assert list(ping_pongs(log)["other_activity"]) == ["b", "c", "a"]


def test_first_time_right_overall_and_by_region(example_log: pl.DataFrame) -> None:
    # only order 1 has no repeated activity
    assert first_time_right(example_log) == pytest.approx(1 / 3)
    table = first_time_right(example_log, by="region")
    assert list(table.columns) == ["region", "cases", "first_time_right_cases", "first_time_right"]
    assert table.to_dict("list") == {
        "region": ["AMER", "EMEA"],
        "cases": [1, 2],
        "first_time_right_cases": [0, 1],
        "first_time_right": [0.0, 0.5],
    }


def test_first_time_right_by_attribute_with_empty_values() -> None:
    log = _log({"1": [("a", 0), ("b", 1)], "2": [("a", 0), ("a", 1)], "3": [("a", 0)]}).with_columns(
        channel=pl.Series(["web", None, None, "edi", None])
    )
    table = first_time_right(log, by="channel")
    assert table["channel"].tolist()[:2] == ["edi", "web"]
    assert pd.isna(table["channel"].iloc[2])
    assert table["cases"].tolist() == [1, 1, 1]
    assert table["first_time_right"].tolist() == [0.0, 1.0, 1.0]


def test_first_time_right_rejects_unknown_or_varying_attribute(example_log: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="did you mean: 'region'"):
        first_time_right(example_log, by="regoin")
    with pytest.raises(ArgumentError, match="'resource' varies within 3 cases"):
        first_time_right(example_log, by="resource")
    with pytest.raises(ArgumentError):
        first_time_right(example_log, by="timestamp")


def test_rework_cost_on_example_log(example_log: pl.DataFrame) -> None:
    # lead times: order 1 300 h, order 2 31 h, order 3 500 h
    cost = rework_cost(example_log).set_index(["activity", "kind"])
    confirm = cost.loc[("Confirm Order", "repeat")]
    assert confirm["lead_time_with"] == 500 * H
    assert confirm["lead_time_without"] == (300 + 31) / 2 * H
    assert confirm["lead_time_difference"] == (500 - 165.5) * H
    assert confirm["value_delayed"] == pytest.approx(55_000 * (500 - 165.5) / 24)
    credit = cost.loc[("Check Credit", "self_loop")]
    assert credit["lead_time_with"] == 31 * H
    assert credit["lead_time_without"] == 400 * H
    assert credit["value_delayed"] == pytest.approx(3_000 * (31 - 400) / 24)
    assert list(rework_cost(example_log)["activity"]) == [
        "Confirm Order",
        "Confirm Order",
        "Check Credit",
        "Check Credit",
    ]


def test_rework_cost_when_every_case_is_reworked() -> None:
    cost = rework_cost(_log({"1": [("a", 0), ("a", 2)], "2": [("a", 0), ("a", 4)]}))
    assert (cost["cases_affected"] == 2).all()
    assert (cost["lead_time_with"] == 3 * H).all()
    assert cost["lead_time_without"].isna().all()
    assert cost["lead_time_difference"].isna().all()
    assert "value_delayed" not in cost.columns


def test_rework_cost_medians_of_even_and_odd_groups() -> None:
    # leads: 1 h (rework), 2 h, 4 h, 10 h (rework), 20 h, 40 h -> with median 5.5 h, without median (4+20)/2 h
    traces = {
        "1": [("a", 0), ("a", 1)],
        "2": [("a", 0), ("b", 2)],
        "3": [("a", 0), ("b", 4)],
        "4": [("a", 0), ("a", 10)],
        "5": [("a", 0), ("b", 20)],
        "6": [("a", 0), ("b", 40)],
    }
    row = rework_cost(_log(traces)).set_index("kind").loc["repeat"]
    assert row["lead_time_with"] == 5.5 * H
    assert row["lead_time_without"] == 12 * H


def test_rekeyed_data_prefixes_are_case_insensitive() -> None:
    log = _log(
        {
            "1": [("Create Order", 0), ("change price", 1), ("Change Price", 2), ("Update Address", 3)],
            "2": [("Create Order", 0), ("UPDATE ADDRESS", 1)],
            "3": [("Create Order", 0), ("Changed Mind", 1), ("Correct Invoice", 2)],
            "4": [("Create Order", 0)],
        }
    )
    table = rekeyed_data(log)
    assert list(table.columns) == [
        "activity",
        "cases_affected",
        "share_of_cases",
        "executions",
        "executions_per_case",
    ]
    assert table["activity"].tolist() == [
        "Change Price",  # one order each: ties by name, byte order
        "Correct Invoice",
        "UPDATE ADDRESS",
        "Update Address",
        "change price",
        None,
    ]
    assert table["cases_affected"].tolist() == [1, 1, 1, 1, 1, 3]
    assert table["executions"].tolist() == [1, 1, 1, 1, 1, 5]
    assert table["share_of_cases"].iloc[-1] == 0.75
    assert table["executions_per_case"].iloc[-1] == pytest.approx(5 / 3)


def test_rekeyed_data_custom_patterns() -> None:
    log = _log({"1": [("Create Order", 0), ("Changed Mind", 1)], "2": [("Create Order", 0)]})
    assert rekeyed_data(log, patterns="changed").to_dict("list") == {
        "activity": ["Changed Mind", None],
        "cases_affected": [1, 1],
        "share_of_cases": [0.5, 0.5],
        "executions": [1, 1],
        "executions_per_case": [1.0, 1.0],
    }
    none = rekeyed_data(log, patterns=("Reopen ",))
    assert none["activity"].tolist() == [None]
    assert none["cases_affected"].tolist() == [0]
    assert none["share_of_cases"].tolist() == [0.0]
    assert none["executions_per_case"].isna().all()


@pytest.mark.parametrize("patterns", [(), ("",), [None]])
def test_rekeyed_data_rejects_empty_patterns(example_log: pl.DataFrame, patterns: object) -> None:
    with pytest.raises(ArgumentError, match="'patterns' argument of rekeyed_data"):
        rekeyed_data(example_log, patterns=patterns)  # type: ignore[arg-type]


def test_empty_log() -> None:
    empty = _log({"1": [("a", 0)]}).clear()
    assert rework(empty).empty
    assert rework_cost(empty).empty
    assert np.isnan(first_time_right(empty))
    assert rekeyed_data(empty)["cases_affected"].tolist() == [0]


def test_rework_cost_dtypes(example_log: pl.DataFrame) -> None:
    cost = rework_cost(example_log)
    assert list(cost.columns) == [
        "activity",
        "kind",
        "other_activity",
        "cases_affected",
        "lead_time_with",
        "lead_time_without",
        "lead_time_difference",
        "value_delayed",
    ]
    assert cost["cases_affected"].dtype == "int64"
    for column in ("lead_time_with", "lead_time_without", "lead_time_difference"):
        assert pd.api.types.is_timedelta64_dtype(cost[column])


def test_by_without_any_case_attribute_says_there_is_none() -> None:
    log = pl.DataFrame({"case_id": ["1"], "activity": ["a"], "timestamp": [datetime(2025, 1, 1)]})
    with pytest.raises(ArgumentError, match="got 'region', but there is nothing to choose from"):
        first_time_right(log, by="region")
