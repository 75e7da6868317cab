"""align, conformance_summary, discover_ideal_path and read_process_model on tiny logs.

Every cost and fitness is checked against a hand count or against pm4py computed in the test
on the Petri net pm4py makes of the ideal path (a silent skip transition beside each optional
step). Moves (skipped / inserted steps) are checked by hand only: when several alignments are
optimal pm4py may return another one with the same cost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from o2c import _pm4py
from o2c.conformance import (
    IdealPath,
    ProcessModel,
    align,
    conformance_summary,
    discover_ideal_path,
)
from o2c.conformance.alignments import COLUMNS
from o2c.errors import ArgumentError, IdealPathError, InputFileError
from o2c.io._model import read_process_model
from o2c.log import validate

pm4py = _pm4py.pm4py()

O2C = (
    "Create Sales Order",
    "Check Credit",
    "Confirm Order",
    "Ship Goods",
    "Create Invoice",
    "Receive Payment",
)


def _log(traces: dict[str, list[str]]) -> pl.DataFrame:
    rows = [
        (case, activity, datetime(2024, 1, 1) + timedelta(days=int(case.strip("c") or 0), hours=i))
        for case, trace in traces.items()
        for i, activity in enumerate(trace)
    ]
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")


def _pm4py_alignments(log: pl.DataFrame, net: tuple) -> dict[str, dict]:
    """pm4py's alignment of each case, by case id, on pm4py's own event-log objects."""
    with _pm4py.quiet():
        event_log = pm4py.convert_to_event_log(_pm4py.to_pm4py(log))
        result = pm4py.conformance_diagnostics_alignments(event_log, *net)
    return {
        trace.attributes["concept:name"]: aligned for trace, aligned in zip(event_log, result, strict=True)
    }


def test_issue_arithmetic_on_three_steps_with_optional_middle() -> None:
    """a, [b], c: trace a, c costs 1 (a silent move), worst cost 40001, fitness 1.0."""
    ideal = IdealPath(("a", "b", "c"), optional=frozenset({"b"}))
    log = _log({"c1": ["a", "c"], "c2": ["a", "b", "c"], "c3": ["a", "b", "b", "c"], "c4": ["c", "a"]})
    ours = align(log, ideal).set_index("case_id")
    assert ours["cost"].tolist() == [1, 0, 10000, 20001]
    assert ours["worst_cost"].tolist() == [40001, 50001, 60001, 40001]
    assert ours["fitness"].tolist() == [1.0, 1.0, 1 - 1 / 6, 1 - 2 / 4]
    assert ours["is_fit"].tolist() == [True, True, False, False]
    theirs = _pm4py_alignments(log, _pm4py.sequence_net(ideal.steps, ideal.optional))
    for case, row in ours.iterrows():
        assert (row["cost"], row["worst_cost"], row["fitness"]) == (
            theirs[case]["cost"],
            theirs[case]["bwc"],
            theirs[case]["fitness"],
        )
    summary = conformance_summary(align(log, ideal))
    with _pm4py.quiet():
        expected = pm4py.fitness_alignments(
            _pm4py.to_pm4py(log), *_pm4py.sequence_net(ideal.steps, ideal.optional)
        )
    assert summary.log_fitness == expected["log_fitness"]
    assert summary.log_fitness == 1 - (1 + 0 + 10000 + 20001) / (40001 + 50001 + 60001 + 40001)
    assert summary.average_trace_fitness == pytest.approx(expected["average_trace_fitness"], rel=1e-12)
    assert summary.share_conforming == expected["percentage_of_fitting_traces"] / 100


def test_the_net_of_an_ideal_path_has_one_silent_skip_per_optional_step() -> None:
    net, initial, final = _pm4py.sequence_net(("a", "b", "c", "d"), {"b", "c"})
    labels = sorted(str(t.label) for t in net.transitions)
    assert labels == ["None", "None", "a", "b", "c", "d"]
    assert len(net.places) == 5  # source, sink, and one between each pair of steps
    assert _pm4py.is_easy_sound(net, initial, final)


def test_example_log_moves_by_hand(example_log: pl.DataFrame) -> None:
    ideal = IdealPath(O2C)
    result = align(example_log, ideal)
    assert list(result.columns) == list(COLUMNS)
    assert result["case_id"].tolist() == ["1", "2", "3"]
    # order 1 follows the path; order 2 checks credit twice and is unpaid; order 3 skips the
    # credit check and confirms twice around a price change
    assert result["skipped_steps"].tolist() == [(), ("Receive Payment",), ("Check Credit",)]
    assert result["inserted_steps"].tolist() == [(), ("Check Credit",), ("Change Price", "Confirm Order")]
    assert result["cost"].tolist() == [0, 20000, 30000]
    assert result["worst_cost"].tolist() == [120000, 120000, 130000]  # events x 10000 + 6 steps x 10000
    assert result["fitness"].tolist() == [1.0, 1 - 2 / 12, 1 - 3 / 13]
    assert result["lead_time"].tolist() == [pd.Timedelta(hours=h) for h in (300, 31, 500)]
    assert result["resolved"].all()


def test_variant_ids_most_cases_first_ties_by_trace() -> None:
    log = _log({"c1": ["b"], "c2": ["a", "b"], "c3": ["b"], "c4": ["a", "c"], "c5": ["a", "b"], "c6": ["b"]})
    result = align(log, IdealPath(("a", "b")))
    # b: 3 cases -> 1; (a, b): 2 -> 2; (a, c): 1 -> 3
    assert result["variant_id"].tolist() == [1, 2, 1, 3, 2, 1]


def test_optional_step_skipped_costs_one_silent_move_and_is_not_reported() -> None:
    ideal = IdealPath(O2C, optional=frozenset({"Check Credit"}))
    log = _log(
        {"c1": ["Create Sales Order", "Confirm Order", "Ship Goods", "Create Invoice", "Receive Payment"]}
    )
    row = align(log, ideal).iloc[0]
    assert (row["cost"], row["fitness"], row["is_fit"], row["skipped_steps"]) == (1, 1.0, True, ())


def test_tie_rule_sync_first_then_model_move_then_log_move() -> None:
    """c, a on the path a, c: two optimal alignments; ours skips a and inserts the late a."""
    result = align(_log({"c1": ["c", "a"]}), IdealPath(("a", "c")))
    assert result["skipped_steps"][0] == ("a",)
    assert result["inserted_steps"][0] == ("a",)
    assert result["cost"][0] == 20000
    rework = align(_log({"c1": ["a", "b", "a", "c"]}), IdealPath(("a", "b", "c")))
    assert rework["inserted_steps"][0] == ("a",)  # the first a is the step, the second is inserted


def test_repeated_step_names_in_the_path() -> None:
    ideal = IdealPath(("order", "approve", "approve", "ship"))
    result = align(
        _log({"c1": ["order", "approve", "ship"], "c2": ["order", "approve", "approve", "ship"]}), ideal
    )
    assert result["skipped_steps"].tolist() == [("approve",), ()]
    assert result["cost"].tolist() == [10000, 0]


def test_steps_missing_from_the_log_are_skipped_everywhere() -> None:
    result = align(_log({"c1": ["a", "b"]}), IdealPath(("a", "x", "b")))
    assert result["skipped_steps"][0] == ("x",)


@pytest.mark.parametrize("seed", [3, 11])
def test_random_paths_and_traces_cost_what_pm4py_says(seed: int) -> None:
    """Seeded random ideal paths (repeats, optional steps at either end) and traces vs pm4py."""
    rng = np.random.default_rng(seed)
    alphabet = list("abcde")
    for _ in range(25):
        steps = tuple(str(s) for s in rng.choice(alphabet, int(rng.integers(1, 7))))
        optional = frozenset(s for s in set(steps) if rng.random() < 0.4)
        traces = {f"c{k}": [str(a) for a in rng.choice(alphabet, int(rng.integers(1, 9)))] for k in range(8)}
        log = _log(traces)
        ours = align(log, IdealPath(steps, optional=optional)).set_index("case_id")
        theirs = _pm4py_alignments(log, _pm4py.sequence_net(steps, optional))
        for case, row in ours.iterrows():
            expected = (theirs[case]["cost"], theirs[case]["bwc"], theirs[case]["fitness"])
            assert (row["cost"], row["worst_cost"], row["fitness"]) == expected, (
                steps,
                optional,
                traces[case],
            )


def test_pm4py_route_equals_the_sequence_alignment(example_log: pl.DataFrame) -> None:
    ideal = IdealPath(O2C, optional=frozenset({"Check Credit"}))
    exact = align(example_log, ideal)
    routed = align(example_log, ideal, method="pm4py", progress=False)
    for column in (
        "case_id",
        "variant_id",
        "fitness",
        "is_fit",
        "cost",
        "worst_cost",
        "resolved",
        "lead_time",
    ):
        assert exact[column].tolist() == routed[column].tolist()


def test_unresolved_variants_are_kept_with_nan_fitness(
    example_log: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("o2c._net_align.MAX_STATES", 0)  # too many markings: pm4py's A*, which gives up
    result = align(example_log, IdealPath(O2C), method="pm4py", timeout=0.0, progress=False)
    assert len(result) == 3
    assert not result["resolved"].any()
    assert result["fitness"].isna().all()
    assert not result["is_fit"].any()
    assert result["skipped_steps"].isna().all()
    summary = conformance_summary(result)
    assert (summary.cases, summary.resolved_cases, summary.log_fitness) == (3, 0, 0.0)


def test_summary_counts_cases_per_activity_once(example_log: pl.DataFrame) -> None:
    summary = conformance_summary(align(example_log, IdealPath(O2C)))
    table = summary.activities.set_index("activity")
    assert table.loc["Check Credit", "cases_skipped"] == 1  # order 3
    assert table.loc["Check Credit", "cases_inserted"] == 1  # order 2 (its second check)
    assert table.loc["Confirm Order", "cases_inserted"] == 1
    assert table.loc["Receive Payment", "share_skipped"] == 1 / 3
    assert summary.activities["activity"].tolist()[0] == "Check Credit"  # 2 cases affected
    assert (summary.cases, summary.conforming_cases, summary.share_conforming) == (3, 1, 1 / 3)
    assert summary.log_fitness == 1 - 50000 / 370000


def test_pandas_log_and_bad_arguments(example_log: pl.DataFrame) -> None:
    ideal = IdealPath(O2C)
    assert align(example_log.to_pandas(), ideal)["cost"].tolist() == [0, 20000, 30000]
    with pytest.raises(ArgumentError, match="'method' argument of align"):
        align(example_log, ideal, method="exact")
    model = ProcessModel(*_pm4py.sequence_net(O2C, set()))
    with pytest.raises(ArgumentError, match="needs an IdealPath"):
        align(example_log, model, method="sequence")
    with pytest.raises(ArgumentError) as caught:
        conformance_summary(pd.DataFrame({"case_id": ["1"]}))
    assert (caught.value.function, caught.value.argument) == ("conformance_summary", "alignments")


def test_unsound_model_is_refused(example_log: pl.DataFrame) -> None:
    net, initial, _ = _pm4py.sequence_net(("a", "b"), set())
    unreachable = type(initial)()  # an empty final marking can never be reached
    with pytest.raises(IdealPathError, match="cannot reach its final marking"):
        align(example_log, ProcessModel(net, initial, unreachable, name="broken"))


def test_discover_most_frequent_variant() -> None:
    log = _log({"c1": ["a", "b"], "c2": ["a", "c"], "c3": ["a", "c"], "c4": ["b"]})
    ideal = discover_ideal_path(log)
    assert isinstance(ideal, IdealPath)
    assert ideal.steps == ("a", "c")
    assert ideal.name == "most frequent variant (2 of 4 orders)"
    tie = discover_ideal_path(_log({"c1": ["b", "a"], "c2": ["a", "b"]}))
    assert tie.steps == ("a", "b")
    with pytest.raises(ArgumentError, match="'method' argument of discover_ideal_path"):
        discover_ideal_path(log, method="alpha")
    with pytest.raises(ArgumentError, match="noise_threshold"):
        discover_ideal_path(log, method="inductive_miner", noise_threshold=2)
    with pytest.raises(ArgumentError, match="the event log has none"):
        discover_ideal_path(log.head(0))


def test_inductive_miner_model_aligned_like_pm4py(example_log: pl.DataFrame) -> None:
    model = discover_ideal_path(example_log, method="inductive_miner", noise_threshold=0.0)
    assert isinstance(model, ProcessModel)
    with _pm4py.quiet():
        net = pm4py.discover_petri_net_inductive(_pm4py.to_pm4py(example_log), noise_threshold=0.0)
    assert model.activities == tuple(sorted(t.label for t in net[0].transitions if t.label))
    ours = align(example_log, model, progress=False).set_index("case_id")
    theirs = _pm4py_alignments(example_log, (model.net, model.initial_marking, model.final_marking))
    assert ours["cost"].tolist() == [theirs[c]["cost"] for c in ours.index]
    assert ours["fitness"].tolist() == [theirs[c]["fitness"] for c in ours.index]
    assert ours["is_fit"].all()  # noise 0: the miner's model fits every trace


@pytest.mark.parametrize("noise", [0.0, 0.2])
@pytest.mark.parametrize("seed", [1, 7])
def test_inductive_miner_from_the_variants_is_pm4pys_net_of_the_log(seed: int, noise: float) -> None:
    """discover_ideal_path mines the variants (as an engine's log gives them): the net pm4py mines
    from the whole log, transition for transition, and the same alignment costs."""
    from o2c import simulate

    log = simulate(400, seed=seed, back_office=seed == 7).log
    model = discover_ideal_path(log, method="inductive_miner", noise_threshold=noise)
    with _pm4py.quiet():
        net, initial, final = pm4py.discover_petri_net_inductive(_pm4py.to_pm4py(log), noise_threshold=noise)

    def shape(petri: Any) -> tuple[list[str], int, list[tuple[str, str]]]:
        arcs = sorted(
            (str(getattr(a.source, "label", None)), str(getattr(a.target, "label", None))) for a in petri.arcs
        )
        return sorted(str(t.label) for t in petri.transitions), len(petri.places), arcs

    assert shape(model.net) == shape(net)
    ours = align(log, model, progress=False).set_index("case_id")
    theirs = _pm4py_alignments(log, (net, initial, final))
    assert ours["cost"].tolist() == [theirs[c]["cost"] for c in ours.index]


def test_read_process_model_pnml_and_bpmn(tmp_path, example_log: pl.DataFrame) -> None:
    net = _pm4py.sequence_net(O2C, {"Check Credit"})
    pnml, bpmn = tmp_path / "ideal.pnml", tmp_path / "ideal.bpmn"
    with _pm4py.quiet():
        pm4py.write_pnml(*net, str(pnml))
        pm4py.write_bpmn(pm4py.convert_to_bpmn(*net), str(bpmn))
    exact = align(example_log, IdealPath(O2C, optional=frozenset({"Check Credit"})))
    for path in (pnml, bpmn):
        model = read_process_model(path)
        assert model.activities == tuple(sorted(O2C))
        assert model.name == "ideal"
        routed = align(example_log, model, progress=False)
        assert routed["cost"].tolist() == exact["cost"].tolist(), path.suffix
        assert routed["fitness"].tolist() == exact["fitness"].tolist(), path.suffix


def test_read_process_model_errors(tmp_path) -> None:
    with pytest.raises(InputFileError, match="BPMN"):
        read_process_model(tmp_path / "ideal.yaml")
    with pytest.raises(InputFileError, match="does not exist"):
        read_process_model(tmp_path / "missing.pnml")
    broken = tmp_path / "broken.pnml"
    broken.write_text("<pnml><net")
    with pytest.raises(InputFileError, match=r"cannot read broken\.pnml") as info:
        read_process_model(broken)
    assert info.value.path == str(broken)


def _fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock that moves one second each time it is read."""
    ticks = iter(range(10_000))
    monkeypatch.setattr("o2c.conformance.alignments.time.monotonic", lambda: float(next(ticks)))


def test_a_time_budget_aligns_the_most_frequent_variants_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # variants by frequency: a,b,c (3 orders), a,c (2), b (1); the clock moves 1 s per read
    traces = {"c1": ["a", "b", "c"], "c2": ["a", "b", "c"], "c3": ["a", "b", "c"], "c4": ["a", "c"], "c5": ["a", "c"], "c6": ["b"]}  # fmt: skip
    log = _log(traces)
    net = _pm4py.sequence_net(("a", "b", "c"), set())
    whole = align(log, ProcessModel(*net))
    assert whole["resolved"].all()
    _fake_clock(monkeypatch)  # read at 0 (start), 1 (first variant), 2 (second), 3 (third: spent)
    budgeted = align(log, ProcessModel(*net), time_budget=2.5)
    assert budgeted["resolved"].tolist() == [True] * 5 + [False]
    aligned = budgeted[budgeted["resolved"]]
    pd.testing.assert_frame_equal(aligned, whole[whole["resolved"] & budgeted["resolved"]])
    expected = _pm4py_alignments(log, net)
    assert aligned["cost"].tolist() == [expected[c]["cost"] for c in aligned["case_id"]]
    summary = conformance_summary(budgeted)
    assert (summary.cases, summary.resolved_cases, summary.conforming_cases) == (6, 5, 3)


def test_a_spent_time_budget_aligns_nothing_and_the_report_says_so(tmp_path) -> None:
    import json

    from o2c import assess, read_log, write_report

    log = _log({"c1": ["a", "b", "c"], "c2": ["a", "c"]})
    model = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()), name="abc")
    assert not align(log, model, time_budget=0)["resolved"].any()
    with pytest.raises(ArgumentError) as caught:
        align(log, model, time_budget=-1)
    assert caught.value.argument == "time_budget"
    result = assess(read_log(log), ideal=model, time_budget=0, progress=False)
    assert (result.conformance.cases, result.conformance.resolved_cases) == (2, 0)
    write_report(result, tmp_path / "out", explorer=False)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "2 of 2 orders were not aligned" in page and "time budget of 0 s" in page
    assert json.loads((tmp_path / "out" / "findings.json").read_text())["parameters"]["time_budget"] == 0


@pytest.mark.parametrize("aligner", ["reachability graph", "pm4py"])
def test_each_trace_is_aligned_once_per_model_and_timelines_reuse_it(
    monkeypatch: pytest.MonkeyPatch, aligner: str
) -> None:
    from pm4py.algo.conformance.alignments.petri_net import algorithm

    from o2c import _net_align
    from o2c.timeline import _timelines

    calls: list[int] = []  # one per trace aligned
    if aligner == "pm4py":
        monkeypatch.setattr(_net_align, "MAX_STATES", 0)  # the net is too large for the graph
        original = algorithm.apply_trace
        monkeypatch.setattr(algorithm, "apply_trace", lambda *a, **k: calls.append(1) or original(*a, **k))
    else:
        on_graph = _net_align.align_traces
        monkeypatch.setattr(
            _net_align,
            "align_traces",
            lambda graph, traces: calls.extend([1] * len(traces)) or on_graph(graph, traces),
        )
    traces = {"c1": ["a", "b", "c"], "c2": ["a", "b", "c"], "c3": ["a", "c"], "c4": ["b"]}
    log = _log(traces)
    model = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()))
    first = align(log, model)
    assert len(calls) == 3  # one per variant
    assert first["cost"].tolist() == [0, 0, 10000, 20000]
    pd.testing.assert_frame_equal(align(log, model), first)
    assert len(calls) == 3  # remembered
    other = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()))
    align(log, other)
    assert len(calls) == 6  # another net is aligned anew
    # a budget that stopped after the first variant: the timelines show moves for it only
    fresh = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()))
    _fake_clock(monkeypatch)
    budgeted = align(log, fresh, time_budget=1.5)
    assert budgeted["resolved"].tolist() == [True, True, False, False]
    rows = _timelines(validate(log), ideal=fresh, time_budget=1.5)
    moved = rows.group_by("case_id").agg(pl.col("move").is_not_null().all()).sort("case_id")
    assert moved["move"].to_list() == [True, True, False, False]
    assert len(calls) == 7  # the timelines aligned nothing new


def test_a_budget_stops_pm4py_between_two_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    """A net too large for its reachability graph goes to pm4py one variant at a time, so a
    budget stops it after the variant that spent it (each alignment here takes 10 s of clock)."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm

    monkeypatch.setattr("o2c._net_align.MAX_STATES", 0)
    clock = [0.0]
    monkeypatch.setattr("o2c.conformance.alignments.time.monotonic", lambda: clock[0])
    original = algorithm.apply_trace

    def slow(*args: object, **kwargs: object) -> object:
        clock[0] += 10.0
        return original(*args, **kwargs)

    monkeypatch.setattr(algorithm, "apply_trace", slow)
    log = _log({"c1": ["a", "b", "c"], "c2": ["a", "b", "c"], "c3": ["a", "c"], "c4": ["b"]})
    model = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()))
    budgeted = align(log, model, time_budget=15)  # started at 0 and at 10; not at 20
    assert budgeted["resolved"].tolist() == [True, True, True, False]
    assert clock[0] == 20.0


def test_the_headline_says_when_orders_were_left_unaligned(monkeypatch: pytest.MonkeyPatch) -> None:
    from o2c import assess, headlines, read_log

    traces = {"c1": ["a", "b", "c"], "c2": ["a", "b", "c"], "c3": ["a", "c"], "c4": ["b"]}
    model = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()), name="abc")
    loaded = read_log(_log(traces))
    whole = assess(loaded, ideal=model, progress=False)
    assert "were aligned in time" not in headlines(whole)[1]
    _fake_clock(monkeypatch)
    fresh = ProcessModel(*_pm4py.sequence_net(("a", "b", "c"), set()), name="abc")
    partial = assess(loaded, ideal=fresh, progress=False, time_budget=1.5)
    assert (partial.conformance.cases, partial.conformance.resolved_cases) == (4, 2)
    assert headlines(partial)[1].endswith(
        "Only 2 of 4 orders were aligned in time (the time budget or pm4py's limit per variant); these figures count them alone."
    )
