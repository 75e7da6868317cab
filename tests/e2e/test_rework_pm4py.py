"""Rework on the real public logs agrees with pm4py.

Repeats per activity are compared with ``pm4py.get_rework_cases_per_activity``; self-loops,
ping-pong and first-time-right are counted in plain Python over pm4py's variants (pm4py keeps
the frame's event order, so tied timestamps stay in file order on both sides). Each log is read
once for the whole module.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl
import pytest

from conftest import REAL_XES, real_log
from o2c import _pm4py
from o2c.io import read_log
from o2c.rework import first_time_right, rework


@pytest.fixture(scope="module", params=REAL_XES)
def real(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One real log read by o2c, its rework table, and pm4py's answers on the same events."""
    loaded = read_log(real_log(request.param), progress=False)
    log = loaded.log
    pm4py = _pm4py.pm4py()
    frame = _pm4py.to_pm4py(log)
    with _pm4py.quiet():
        repeated = pm4py.get_rework_cases_per_activity(frame)
        variants = pm4py.get_variants(frame)
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
