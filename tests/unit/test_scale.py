"""The cheaper sortedness check and sort of o2c.log, and the core verbs on small scanned logs (DuckDB)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import o2c
from o2c.errors import ArgumentError, ColumnMappingError, InputFileError
from o2c.log import SORT_KEYS, is_sorted, sort_events, sort_log, validate
from tests.property.strategies import logs

T0 = datetime(2025, 3, 3, 8)
FUNCTIONS = ("directly_follows", "waiting_times", "variants", "rework", "lead_times")
#: Every verb an engine runs: the five above (with a deprecated alias in o2c.engines) and those
#: that followed them; each gives the in-memory result (``log_summary`` a dict, compared apart).
VERBS = (
    *FUNCTIONS, "start_activities", "end_activities", "bottlenecks", "case_variants", "activity_durations",
    "rework_cost", "rekeyed_data", "milestones",
)  # fmt: skip
#: An ideal path of the generated logs' activities (a, b, c, ...), for ``align``.
IDEAL = o2c.IdealPath(
    ("a", "b", "c"),
    optional=frozenset({"b"}),
    milestones={"delivered": "b", "invoiced": "c"},
    target_hours={"a": 1, "c": 2.5},
)


def assert_same_on_engine(engine_log: object, log: pl.DataFrame) -> None:
    """Every verb, and ``log_summary``, gives on ``engine_log`` what it gives on ``log`` in memory."""
    for function in VERBS:
        pd.testing.assert_frame_equal(getattr(o2c, function)(engine_log), getattr(o2c, function)(log))
    assert o2c.log_summary(engine_log) == o2c.log_summary(log)
    assert o2c.first_time_right(engine_log) == o2c.first_time_right(log)
    aligned = o2c.align(engine_log, IDEAL)
    pd.testing.assert_frame_equal(aligned, o2c.align(log, IDEAL))
    assert (
        o2c.conformance_summary(aligned).log_fitness
        == o2c.conformance_summary(o2c.align(log, IDEAL)).log_fitness
    )
    for closed_only in (True, False):
        pd.testing.assert_frame_equal(
            o2c.cost_of_divergence(engine_log, aligned, closed_only=closed_only),
            o2c.cost_of_divergence(log, o2c.align(log, IDEAL), closed_only=closed_only),
        )
        if "start_timestamp" in log.columns:  # processing times are merged in memory only
            for function in ("flow_efficiency", "lead_time_split"):
                with pytest.raises(ArgumentError, match="in memory only"):
                    getattr(o2c, function)(engine_log, IDEAL, closed_only=closed_only)
            continue
        for function in ("flow_efficiency", "lead_time_split"):
            pd.testing.assert_frame_equal(
                getattr(o2c, function)(engine_log, IDEAL, closed_only=closed_only),
                getattr(o2c, function)(log, IDEAL, closed_only=closed_only),
            )
    pd.testing.assert_frame_equal(o2c.milestones(engine_log, ideal=IDEAL), o2c.milestones(log, ideal=IDEAL))


def _log(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """A log from (case, activity, hours after T0) rows, in file order."""
    return pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + timedelta(hours=r[2]) for r in rows],
        }
    )


def _random_log(n: int, seed: int) -> pl.DataFrame:
    """n events over few cases, activities and hours, so that case and time ties are common."""
    rng = np.random.default_rng(seed)
    return (
        _log(
            [
                (f"c{rng.integers(0, 40)}", "abcd"[rng.integers(0, 4)], float(rng.integers(0, 12)))
                for _ in range(n)
            ]
        )
        .with_row_index("source_row", offset=1)
        .with_columns(pl.col("source_row").cast(pl.Int64))
    )


# --- o2c.log: is_sorted, sort_log, the sorted flag ----------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_sort_log_orders_as_the_sort_by_texts(seed: int) -> None:
    frame = validate(_random_log(500, seed)).sample(fraction=1.0, shuffle=True, seed=seed)
    expected = frame.sort(SORT_KEYS, maintain_order=True)
    assert sort_log(frame).equals(expected)
    assert is_sorted(sort_log(frame)) and not is_sorted(frame)


@pytest.mark.parametrize("seed", range(3))
def test_a_file_in_time_order_sorts_as_the_stable_sort(seed: int) -> None:
    """Rows numbered in file order, in time order (an ERP export): the stable sort by case alone."""
    frame = (
        _random_log(500, seed)
        .sort("timestamp", maintain_order=True)
        .with_columns(source_row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    assert sort_log(frame).equals(frame.sort(SORT_KEYS, maintain_order=True))


def test_rows_equal_on_every_key_keep_their_frame_order() -> None:
    frame = _log([("1", "b", 0), ("1", "a", 0), ("0", "c", 0), ("1", "d", 0)])
    frame = frame.with_columns(source_row=pl.Series([7, 7, 7, 7], dtype=pl.Int64))
    assert sort_log(frame)["activity"].to_list() == ["c", "b", "a", "d"]


def test_case_ids_sort_byte_by_byte_as_texts() -> None:
    frame = _log([("b", "x", 0), ("B", "x", 0), ("a10", "x", 0), ("a9", "x", 0), ("Ä", "x", 0), ("", "x", 0)])
    frame = frame.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
    assert sort_log(frame)["case_id"].to_list() == ["", "B", "a10", "a9", "b", "Ä"]


#: case ids for each of sort_events' keys: up to 8 ASCII bytes, up to 16, and texts (longer, not ASCII)
_SHORT = ["", "a", "a\x00", "a\x00b", "ab", "B", "10", "9", "12345678", None]
_IDS = [_SHORT, [*_SHORT, "123456789", "0000012345678901"], [*_SHORT, "00000123456789012", "Ä", "z" * 20]]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), ids=st.sampled_from(_IDS), order=st.sampled_from(["file", "time", "runs", "cases"]))
def test_sort_events_orders_as_the_stable_sort_by_the_three_keys(
    data: st.DataObject, ids: list[str | None], order: str
) -> None:
    """Whichever shortcut the case ids and the row order allow, the order is the stable sort's."""
    row = st.tuples(st.sampled_from(ids), st.integers(0, 3), st.integers(0, 3))
    rows = data.draw(st.lists(row, max_size=30))
    frame = pl.DataFrame(rows, schema={"case": pl.String, "time": pl.Int64, "row": pl.Int64}, orient="row")
    if order == "time":  # an export in time order: the stable sort by case alone
        frame = frame.sort("time", "row", maintain_order=True)
    elif order == "runs":  # each run of equal cases in time order, a case maybe in several runs
        frame = frame.sort(pl.col("case").rle_id(), "time", "row", maintain_order=True)
    elif order == "cases":  # each case one run in time order (an XES file's traces), cases in any order
        frame = frame.sort(pl.int_range(pl.len()).min().over("case"), "time", "row", maintain_order=True)
    frame = frame.with_row_index("position")
    got = sort_events(frame.lazy(), pl.col("case"), pl.col("time"), pl.col("row")).collect()
    assert got.equals(frame.sort("case", "time", "row", maintain_order=True))


def test_a_case_in_two_runs_is_sorted_by_time_even_beside_missing_cases() -> None:
    """Runs in time order, but case "a" in two of them: not the stable sort by case alone (a
    missing case compared with "a" must count as a new run, or the runs look like one per case)."""
    frame = pl.DataFrame({"case": [None, "a", "b", "a"], "time": [0, 1, 0, 0], "row": [1, 2, 3, 4]})
    got = sort_events(frame.lazy(), pl.col("case"), pl.col("time"), pl.col("row")).collect()
    assert got["row"].to_list() == [1, 4, 2, 3]


def test_validate_marks_case_id_sorted_and_the_mark_is_checked_within_cases() -> None:
    log = validate(_random_log(300, 1))
    assert log["case_id"].flags["SORTED_ASC"]
    assert is_sorted(log)
    # keep the flag on case_id but put one case's events out of time order
    first_case = log["case_id"][0]
    broken = log.with_columns(
        pl.when(pl.col("case_id") == first_case)
        .then(pl.col("timestamp").reverse().over("case_id"))
        .otherwise(pl.col("timestamp"))
    )
    assert broken["case_id"].flags["SORTED_ASC"]
    assert not is_sorted(broken)
    assert validate(broken).equals(broken.sort(SORT_KEYS, maintain_order=True))


def test_tied_timestamps_are_ordered_by_source_row() -> None:
    log = _log([("1", "a", 0), ("1", "b", 0)]).with_columns(source_row=pl.Series([2, 1], dtype=pl.Int64))
    assert not is_sorted(log.with_columns(pl.col("case_id").set_sorted()))
    assert validate(log)["activity"].to_list() == ["b", "a"]


def test_unflagged_frame_out_of_case_order_is_not_sorted() -> None:
    log = _log([("2", "a", 0), ("1", "b", 1)]).with_row_index("source_row", offset=1)
    assert not log["case_id"].flags["SORTED_ASC"]
    assert not is_sorted(log.with_columns(pl.col("source_row").cast(pl.Int64)))
    assert validate(log)["case_id"].to_list() == ["1", "2"]


def test_a_flag_set_by_polars_survives_filters_but_not_a_new_case_column() -> None:
    log = validate(_random_log(200, 2))
    assert log.filter(pl.col("activity") != "a")["case_id"].flags["SORTED_ASC"]
    renamed = log.with_columns(pl.col("case_id").str.replace("c", "z"))
    assert not renamed["case_id"].flags["SORTED_ASC"]


# --- the core verbs on a ScannedLog (DuckDB) ------------------------------------------------------


@pytest.fixture
def tiny_parquet(tmp_path: Path) -> tuple[pl.DataFrame, Path]:
    """A: a b a (ping-pong); B: a a (self-loop) then c and b tied (file order c, b); C: one event."""
    log = _log(
        [("A", "a", 0), ("A", "b", 1), ("A", "a", 3), ("B", "a", 0), ("B", "a", 2),
         ("B", "c", 5), ("B", "b", 5), ("C", "a", 1)]
    ).with_columns(value=pl.Series([10.0, None, None, None, 20.0, 20.0, None, None]))  # fmt: skip
    path = tmp_path / "tiny.parquet"
    log.write_parquet(path)
    return validate(log), path


def test_scanned_tiny_log_by_hand(tiny_parquet: tuple[pl.DataFrame, Path]) -> None:
    _, path = tiny_parquet
    scanned = o2c.scan_log(path, memory_limit="128MB")
    assert scanned.events == 8 and scanned.has_value
    edges = o2c.directly_follows(scanned)
    assert list(zip(edges["source"], edges["target"], edges["transitions"], edges["cases"], strict=True)) == [
        ("a", "a", 1, 1), ("a", "b", 1, 1), ("a", "c", 1, 1), ("b", "a", 1, 1), ("c", "b", 1, 1)
    ]  # fmt: skip
    waits = o2c.waiting_times(scanned).set_index(["source", "target"])
    assert waits.loc[("a", "b"), "wait_median"] == pd.Timedelta(hours=1)
    assert waits.loc[("c", "b"), "wait_median"] == pd.Timedelta(0)
    table = o2c.variants(scanned)
    assert table["trace"].tolist() == [("a",), ("a", "a", "c", "b"), ("a", "b", "a")]
    assert table["median_lead_time"].tolist() == [
        pd.Timedelta(0),
        pd.Timedelta(hours=5),
        pd.Timedelta(hours=3),
    ]
    found = o2c.rework(scanned).set_index(["activity", "kind"])
    assert found.loc[("a", "ping_pong"), "other_activity"] == "b"
    assert found.loc[("a", "ping_pong"), "time_added"] == pd.Timedelta(hours=3)
    assert found.loc[("a", "self_loop"), "value_affected"] == 20.0  # case B's first value
    assert found.loc[("a", "repeat"), "cases_affected"] == 2
    assert found.loc[("a", "repeat"), "value_affected"] == 30.0
    assert found.loc[("a", "repeat"), "share_of_cases"] == pytest.approx(2 / 3)
    leads = o2c.lead_times(scanned)
    assert leads["case_id"].tolist() == ["A", "B", "C"] and leads["events"].tolist() == [3, 4, 1]


@pytest.mark.parametrize("function", VERBS)
def test_scanned_tiny_log_equals_the_in_memory_path(
    function: str, tiny_parquet: tuple[pl.DataFrame, Path]
) -> None:
    log, path = tiny_parquet
    pd.testing.assert_frame_equal(getattr(o2c, function)(o2c.scan_log(path)), getattr(o2c, function)(log))


def test_scanned_tiny_log_boundaries_summary_and_bottlenecks_by_hand(
    tiny_parquet: tuple[pl.DataFrame, Path],
) -> None:
    """A: a b a; B: a a c b (c and b tied at 5 h, file order); C: a. Values: A 10, B 20 (first non-empty)."""
    scanned = o2c.scan_log(tiny_parquet[1])
    starts, ends = o2c.start_activities(scanned), o2c.end_activities(scanned)
    assert list(zip(starts["activity"], starts["cases"], strict=True)) == [("a", 3)]
    assert list(zip(ends["activity"], ends["cases"], strict=True)) == [("a", 2), ("b", 1)]
    summary = o2c.log_summary(scanned)
    assert (summary["events"], summary["cases"], summary["activities"], summary["variants"]) == (8, 3, 3, 3)
    assert (summary["first_event"], summary["last_event"]) == (
        "2025-03-03 08:00:00 UTC",
        "2025-03-03 13:00:00 UTC",
    )
    ranked = o2c.bottlenecks(scanned, top=None).set_index(["source", "target"])
    # a -> b waits 1 h in A (value 10); b -> a 2 h in A; a -> a 2 h in B (value 20); a -> c 3 h in B
    assert ranked.loc[("a", "c"), "rank"] == 1 and ranked.loc[("a", "c"), "wait_total"] == pd.Timedelta(
        hours=3
    )
    assert ranked.loc[("a", "c"), "value_days"] == pytest.approx(20 * 3 / 24)
    assert ranked.loc[("b", "a"), "value_days"] == pytest.approx(10 * 2 / 24)
    assert ranked.loc[("c", "b"), "value_days"] == 0.0
    assert set(ranked["owner"]) == {"internal"}  # no activity name says paid
    # on a (b) c, a move costs 10,000 and skipping the optional b costs 1: A (a b a) inserts a and
    # skips c; B (a a c b) inserts a and b and skips b; C (a) skips b and c
    aligned = o2c.align(scanned, IDEAL)
    assert aligned["case_id"].tolist() == ["A", "B", "C"] and aligned["variant_id"].tolist() == [3, 2, 1]
    assert aligned["cost"].tolist() == [20000, 20001, 10001]
    assert list(aligned["inserted_steps"]) == [("a",), ("a", "b"), ()]
    assert list(aligned["skipped_steps"]) == [("c",), (), ("c",)]
    aligned_in_memory = o2c.align(tiny_parquet[0], IDEAL)
    for value in ("value", 1000.0):
        pd.testing.assert_frame_equal(
            o2c.cost_of_divergence(scanned, aligned, value=value),
            o2c.cost_of_divergence(tiny_parquet[0], aligned_in_memory, value=value),
        )
    with pytest.raises(ArgumentError, match="the mapped value column"):
        o2c.cost_of_divergence(scanned, aligned, value="net_value")
    with pytest.raises(ArgumentError, match="in memory only"):
        o2c.bottlenecks(
            scanned, calendar=o2c.read_calendar(Path(__file__).parents[2] / "sample_logs" / "calendar.yaml")
        )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_deprecated_engines_alias_warns_and_still_works(
    function: str, tiny_parquet: tuple[pl.DataFrame, Path]
) -> None:
    import o2c.engines

    log, path = tiny_parquet
    with pytest.warns(DeprecationWarning, match=f"call o2c.{function}") as caught:
        alias = getattr(o2c.engines, function)
        for given in (log, log.to_pandas(), o2c.scan_log(path)):
            pd.testing.assert_frame_equal(alias(given), getattr(o2c, function)(log))
    assert all(w.filename == __file__ for w in caught)  # the warning points at the caller
    with pytest.warns(DeprecationWarning, match="use o2c.scan_log"):
        assert o2c.engines.scan_log is o2c.scan_log
    with pytest.warns(DeprecationWarning, match="use o2c.ScannedLog"):
        assert o2c.engines.ScannedLog is o2c.ScannedLog


def test_overlap_as_zero_on_a_scanned_log(tmp_path: Path) -> None:
    """b starts an hour before a ends in case 1: a negative wait, or 0 with overlap_as_zero."""
    log = _log([("1", "a", 4), ("1", "b", 6), ("2", "a", 1), ("2", "b", 3)]).with_columns(
        start_timestamp=pl.Series([None, T0 + timedelta(hours=3), None, T0 + timedelta(hours=2)])
    )
    path = tmp_path / "overlap.parquet"
    log.write_parquet(path)
    for overlap_as_zero in (False, True):
        found = o2c.waiting_times(o2c.scan_log(path), overlap_as_zero=overlap_as_zero)
        pd.testing.assert_frame_equal(found, o2c.waiting_times(log, overlap_as_zero=overlap_as_zero))
        assert found["overlaps"].tolist() == [1]
    assert o2c.waiting_times(o2c.scan_log(path), overlap_as_zero=True)["wait_max"].tolist() == [
        pd.Timedelta(hours=1)
    ]
    assert o2c.waiting_times(o2c.scan_log(path))["wait_median"].tolist() == [pd.Timedelta(0)]


def test_folder_of_files_numbers_rows_over_the_files(tmp_path: Path) -> None:
    log = _random_log(400, 3).drop("source_row")
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, start in enumerate(range(0, 400, 150)):
        log.slice(start, 150).write_parquet(folder / f"part-{i}.parquet")
    scanned = o2c.scan_log(folder)
    assert scanned.events == 400 and len(scanned.files) == 3
    assert_same_on_engine(scanned, log)


def test_a_log_with_start_times_on_the_engine_equals_the_in_memory_path(tmp_path: Path) -> None:
    """Start times (some missing, some after a tied event): durations, waits from the next start,
    lead times from the earliest start, as in memory."""
    log = _random_log(300, 7)
    hours = pl.Series(np.random.default_rng(7).integers(0, 5, log.height))
    log = log.with_columns(
        start_timestamp=pl.when(pl.col("source_row") % 6 == 0)
        .then(None)
        .otherwise(pl.col("timestamp") - pl.duration(hours=hours))
    )
    path = tmp_path / "started.parquet"
    log.write_parquet(path)
    durations = o2c.activity_durations(log)
    assert durations["instances_without_start"].sum() == 50 and durations["instances"].sum() == 250
    assert_same_on_engine(o2c.scan_log(path), log)


def test_mapping_renames_columns_and_start_times_count(tmp_path: Path) -> None:
    log = _log([("1", "a", 0), ("1", "b", 4), ("2", "a", 1), ("2", "b", 2)]).with_columns(
        started=pl.Series([None, T0 + timedelta(hours=3), None, T0 + timedelta(hours=1)])
    )
    path = tmp_path / "renamed.parquet"
    log.rename({"case_id": "Order", "activity": "Step", "timestamp": "Done"}).write_parquet(path)
    scanned = o2c.scan_log(path, mapping={"case_id": "Order", "activity": "Step", "timestamp": "Done",
                                              "start_timestamp": "started"})  # fmt: skip
    expected = o2c.waiting_times(log.rename({"started": "start_timestamp"}))
    pd.testing.assert_frame_equal(o2c.waiting_times(scanned), expected)
    assert o2c.waiting_times(scanned)["wait_median"].tolist() == [pd.Timedelta(hours=1.5)]


def test_scan_log_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        o2c.scan_log(tmp_path / "absent.parquet")
    text = tmp_path / "text.parquet"
    pl.DataFrame({"case_id": ["1"], "activity": ["a"], "timestamp": ["2025-01-01"]}).write_parquet(text)
    with pytest.raises(ColumnMappingError) as raised:
        o2c.scan_log(text)
    assert raised.value.column == "timestamp"
    empty = tmp_path / "empty.parquet"
    _log([("1", "a", 0), ("2", "b", 1)]).with_columns(case_id=pl.Series(["1", None])).write_parquet(empty)
    with pytest.raises(ColumnMappingError) as raised:
        o2c.scan_log(empty)
    assert raised.value.column == "case_id"


def test_verb_argument_errors(tiny_parquet: tuple[pl.DataFrame, Path]) -> None:
    log, path = tiny_parquet
    for scanned_or_not in (o2c.scan_log(path), log):  # accuracy is Spark's; other percentiles are exact
        with pytest.raises(ArgumentError) as raised:
            o2c.waiting_times(scanned_or_not, accuracy=100)
        assert (raised.value.function, raised.value.argument, raised.value.value) == (
            "waiting_times",
            "accuracy",
            100,
        )
    for function in (*VERBS, "log_summary"):
        with pytest.raises(ArgumentError) as raised:
            getattr(o2c, function)([1, 2, 3])
        assert (raised.value.function, raised.value.argument, raised.value.value) == (function, "log", "list")
    with pytest.raises(ArgumentError, match=r"got a LoadedLog; pass its \.log"):
        o2c.rework(o2c.read_log(path))


def test_scan_log_is_public(tiny_parquet: tuple[pl.DataFrame, Path]) -> None:
    assert isinstance(o2c.scan_log(tiny_parquet[1]), o2c.ScannedLog)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(log=logs(ties=True), seed=st.integers(0, 2**16))
def test_scanned_generated_logs_equal_the_in_memory_path(
    log: pl.DataFrame, seed: int, tmp_path: Path
) -> None:
    """Tied timestamps and a shuffled file: ties go by file row, as in memory."""
    shuffled = log.sample(fraction=1.0, shuffle=True, seed=seed)
    path = tmp_path / f"generated-{seed}.parquet"
    shuffled.write_parquet(path)
    assert_same_on_engine(o2c.scan_log(path), shuffled)
