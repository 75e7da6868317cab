"""Rework on the real public logs agrees with pm4py; on the sample log it finds the planted loops.

Repeats per activity are compared with ``pm4py.get_rework_cases_per_activity``; self-loops,
ping-pong and first-time-right are counted in plain Python over pm4py's variants (pm4py keeps
the frame's event order, so tied timestamps stay in file order on both sides). Each log is read
once for the whole module.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import polars as pl
import pytest

from o2c import _pm4py
from o2c._rework import first_time_right, rework
from o2c.io import read_log
from tests.conftest import REAL_XES, loaded_real_log, pm4py_frame, sample_log

#: Logs whose timestamps pm4py's importer leaves as strings (its statistics then refuse the frame).
STRING_TIMESTAMPS = {"10_orders.xes.gz"}


@pytest.fixture(scope="module", params=REAL_XES)
def real(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One real log read by o2c, its rework table, and pm4py's answers on the same events."""
    loaded = loaded_real_log(request.param)
    log = loaded.log
    pm4py = _pm4py.pm4py()
    ours_for_pm4py = _pm4py.to_pm4py(log)
    # pm4py counts on its own reading of the file, except where it reads timestamps as strings
    own = ours_for_pm4py if request.param in STRING_TIMESTAMPS else pm4py_frame(request.param)
    with _pm4py.quiet():
        repeated = pm4py.get_rework_cases_per_activity(own)
        # variants keep the frame's event order: give pm4py our sorted events (ties in file order)
        variants = pm4py.get_variants(ours_for_pm4py)
    return {
        "name": request.param,
        "log": log,
        "rejects": loaded.rejects,
        "table": rework(log),
        "pm4py_repeated": repeated,
        "variants": variants,
    }


def _rows(table: Any, kind: str) -> dict[tuple[str, str | None], tuple[int, int]]:
    part = table[table["kind"] == kind]
    return {
        (a, o): (int(c), int(x))
        for a, o, c, x in zip(
            part["activity"],
            part["other_activity"],
            part["cases_affected"],
            part["extra_executions"],
            strict=True,
        )
    }


def _count_in_variants(variants: dict[tuple[str, ...], int]) -> dict[str, Counter[tuple[str, str | None]]]:
    """Per kind: cases affected and extra executions, counted trace by trace in plain Python."""
    cases: dict[str, Counter[tuple[str, str | None]]] = {
        k: Counter() for k in ("repeat", "self_loop", "ping_pong")
    }
    extra: dict[str, Counter[tuple[str, str | None]]] = {
        k: Counter() for k in ("repeat", "self_loop", "ping_pong")
    }
    for trace, count in variants.items():
        found: dict[str, Counter[tuple[str, str | None]]] = {k: Counter() for k in cases}
        for activity, executions in Counter(trace).items():
            if executions > 1:
                found["repeat"][(activity, None)] = executions - 1
        for i in range(1, len(trace)):
            if trace[i] == trace[i - 1]:
                found["self_loop"][(trace[i], None)] += 1
            if i >= 2 and trace[i] == trace[i - 2] and trace[i - 1] != trace[i]:
                found["ping_pong"][(trace[i], trace[i - 1])] += 1
        for kind, keys in found.items():
            for key, n in keys.items():
                cases[kind][key] += count
                extra[kind][key] += n * count
    return {f"{kind}_cases": cases[kind] for kind in cases} | {f"{kind}_extra": extra[kind] for kind in extra}


def test_the_whole_file_is_compared(real: dict[str, Any]) -> None:
    log = real["log"]
    assert log.height > 0
    assert real["rejects"].height == 0, "every event of the file is in the log both sides count"
    assert sum(real["variants"].values()) == log["case_id"].n_unique()


def test_cases_with_a_repeated_activity_equal_pm4py(real: dict[str, Any]) -> None:
    ours = {a: c for (a, _), (c, _) in _rows(real["table"], "repeat").items()}
    assert ours == {str(a): int(c) for a, c in real["pm4py_repeated"].items()}
    assert ours, f"{real['name']} has no rework at all; the comparison would be empty"


@pytest.mark.parametrize("kind", ["repeat", "self_loop", "ping_pong"])
def test_counts_equal_pm4py_variants(real: dict[str, Any], kind: str) -> None:
    expected = _count_in_variants(real["variants"])
    ours = _rows(real["table"], kind)
    assert {key: c for key, (c, _) in ours.items()} == dict(expected[f"{kind}_cases"])
    assert {key: x for key, (_, x) in ours.items()} == dict(expected[f"{kind}_extra"])


def test_first_time_right_equals_pm4py_variants(real: dict[str, Any]) -> None:
    variants = real["variants"]
    right = sum(count for trace, count in variants.items() if len(set(trace)) == len(trace))
    assert first_time_right(real["log"]) == pytest.approx(right / sum(variants.values()))


def test_repeat_time_is_first_to_last_execution(real: dict[str, Any]) -> None:
    """Time added by repeats, summed per activity, against a pandas group-by on the pm4py frame."""
    log: pl.DataFrame = real["log"]
    frame = _pm4py.to_pm4py(log)
    spans = frame.groupby(["case:concept:name", "concept:name"])["time:timestamp"].agg(["min", "max", "size"])
    spans = spans[spans["size"] > 1]
    expected = (spans["max"] - spans["min"]).groupby(level="concept:name").sum()
    table = real["table"]
    ours = table[table["kind"] == "repeat"].set_index("activity")["time_added"]
    assert ours.sort_index().to_dict() == {str(k): v for k, v in expected.sort_index().items()}


# --- the sample log: every planted loop with the exact counts of sample_logs/truth.json ---


@pytest.fixture(scope="module")
def sample() -> tuple[pl.DataFrame, dict[str, Any]]:
    truth = json.loads(sample_log("truth.json").read_text())
    loaded = read_log(sample_log("o2c_orders.csv"), progress=False)
    assert loaded.rejects.height == 0
    assert loaded.log["case_id"].n_unique() == truth["cases"]
    return loaded.log, truth


def test_sample_log_planted_loops_match_truth(sample: tuple[pl.DataFrame, dict[str, Any]]) -> None:
    log, truth = sample
    table = rework(log)
    # the simulator plants Confirm Order -> Change Price -> Confirm Order and repeated address updates
    assert {"activity": "Confirm Order", "via": "Change Price"}.items() <= truth["ping_pongs"][0].items()
    assert "Update Shipping Address" in truth["self_loops"]

    expected = {
        ("repeat", activity, None): (row["cases"], row["extra_executions"])
        for activity, row in truth["rework"].items()
    }
    expected |= {
        ("self_loop", activity, None): (row["cases"], row["transitions"])
        for activity, row in truth["self_loops"].items()
    }
    expected |= {
        ("ping_pong", row["activity"], row["via"]): (row["cases"], row["occurrences"])
        for row in truth["ping_pongs"]
    }
    got = {
        (kind, activity, other): (int(cases), int(extra))
        for kind, activity, other, cases, extra in zip(
            table["kind"],
            table["activity"],
            table["other_activity"],
            table["cases_affected"],
            table["extra_executions"],
            strict=True,
        )
    }
    assert got == expected
    assert (table["share_of_cases"] == table["cases_affected"] / truth["cases"]).all()
