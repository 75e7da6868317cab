"""Conformance on the real public logs and the sample log agrees with pm4py and the planted truth.

For every real XES log the ideal path is the log's most frequent variant (a sequence, as
``discover_ideal_path`` finds it on the whole log); pm4py aligns the same events, read by o2c,
to the Petri net pm4py makes of that sequence (``o2c._pm4py.sequence_net``). Every case's
cost, worst cost (pm4py's ``bwc``) and fitness must equal pm4py's
(``pm4py.conformance_diagnostics_alignments``), and the log fitness must equal pm4py's
(``pm4py.fitness_alignments`` on the small logs; on the two large logs pm4py's own
``replay_fitness`` evaluation of the same alignments, which is what ``fitness_alignments``
runs, so pm4py does not align them twice). Only costs and fitness are compared: where several
alignments are optimal pm4py may return other moves with the same cost.

The two large logs are compared on a deterministic subset of their variants, to keep the suite
within the CI budget: the 200 most frequent variants plus 300 drawn from the others with
``numpy.random.default_rng(7)``, with all their cases. (pm4py aligns all of bpic2012 in about
20 s and all of BPIC2019 in about 75 s on one core; both finish, so both are compared.)

A Petri net from pm4py's inductive miner, written by pm4py as PNML and as BPMN and read back
with ``o2c.read_process_model``, goes through pm4py's route and must give pm4py's costs too.
On the sample log, conforming orders, skipped credit checks and invoices before shipment
equal ``truth.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from o2c import _pm4py
from o2c.conformance import (
    IdealPath,
    align,
    conformance_summary,
    cost_of_divergence,
    discover_ideal_path,
    flow_efficiency,
)
from o2c.io import read_ideal_path, read_log
from o2c.io._model import read_process_model
from tests.conftest import REAL_XES, loaded_real_log, sample_log

pm4py = _pm4py.pm4py()

#: Logs compared on a subset of variants (see the module docstring).
LARGE = {"bpic2012.xes.gz", "16_bpic2019_1t_per_variant.xes.gz"}
TOP_VARIANTS, SAMPLED_VARIANTS, SEED = 200, 300, 7


def _subset(log: pl.DataFrame, alignments: pd.DataFrame) -> pl.DataFrame:
    """The cases of the most frequent variants plus a seeded sample of the other variants."""
    ids = np.sort(alignments["variant_id"].unique())
    top, rest = ids[:TOP_VARIANTS], ids[TOP_VARIANTS:]
    drawn = np.random.default_rng(SEED).choice(rest, size=min(SAMPLED_VARIANTS, len(rest)), replace=False)
    keep = alignments.loc[alignments["variant_id"].isin(np.concatenate([top, drawn])), "case_id"]
    return log.filter(pl.col("case_id").is_in(keep.tolist()))


def _pm4py_alignments(log: pl.DataFrame, net: tuple[Any, Any, Any]) -> tuple[pd.DataFrame, list[dict]]:
    """pm4py's alignment of every case (by case id) and its raw result list."""
    with _pm4py.quiet():
        event_log = pm4py.convert_to_event_log(_pm4py.to_pm4py(log))
        result = pm4py.conformance_diagnostics_alignments(event_log, *net)
    frame = pd.DataFrame(
        {
            "case_id": [trace.attributes["concept:name"] for trace in event_log],
            "cost": [r["cost"] for r in result],
            "bwc": [r["bwc"] for r in result],
            "fitness": [r["fitness"] for r in result],
        }
    )
    return frame, result


@pytest.fixture(scope="module", params=REAL_XES)
def real(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One real log: our alignment to its most frequent variant and pm4py's, on the same cases."""
    name = request.param
    log = loaded_real_log(name).log
    ideal = discover_ideal_path(log)
    assert isinstance(ideal, IdealPath)
    ours = align(log, ideal)
    if name in LARGE:
        log = _subset(log, ours)
        ours = ours[ours["case_id"].isin(log["case_id"].unique().to_list())].reset_index(drop=True)
    net = _pm4py.sequence_net(ideal.steps, ideal.optional)
    theirs, raw = _pm4py_alignments(log, net)
    if name in LARGE:
        from pm4py.algo.evaluation.replay_fitness.variants import alignment_based

        fitness = alignment_based.evaluate(raw)
    else:
        with _pm4py.quiet():
            fitness = pm4py.fitness_alignments(_pm4py.to_pm4py(log), *net)
    return {"name": name, "log": log, "ideal": ideal, "ours": ours, "theirs": theirs, "fitness": fitness}


def test_every_case_costs_what_pm4py_says(real: dict[str, Any]) -> None:
    ours, theirs = real["ours"], real["theirs"]
    assert len(ours) == len(theirs) == real["log"]["case_id"].n_unique()
    _assert_same_costs(ours, theirs)
    both = ours.merge(theirs, on="case_id", suffixes=("", "_pm4py"))
    assert both["is_fit"].tolist() == (both["fitness_pm4py"] == 1.0).tolist()


def _assert_same_costs(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    both = ours.merge(theirs, on="case_id", suffixes=("", "_pm4py"), validate="one_to_one")
    assert len(both) == len(ours) == len(theirs)
    assert both["resolved"].all()
    assert both["cost"].astype("int64").tolist() == both["cost_pm4py"].tolist()
    assert both["worst_cost"].astype("int64").tolist() == both["bwc"].tolist()
    assert both["fitness"].tolist() == both["fitness_pm4py"].tolist()


def test_log_fitness_equals_pm4py(real: dict[str, Any]) -> None:
    summary = conformance_summary(real["ours"])
    expected = real["fitness"]
    assert summary.log_fitness == expected["log_fitness"]
    assert summary.average_trace_fitness == pytest.approx(expected["average_trace_fitness"], rel=1e-12)
    assert summary.share_conforming * 100 == pytest.approx(
        expected["percentage_of_fitting_traces"], rel=1e-12
    )
    # the most frequent variant is the ideal path, so at least its cases conform
    assert summary.conforming_cases >= 1


def test_pm4py_route_on_the_sequence_net_of_a_small_log() -> None:
    """The same ideal path sent through pm4py by align(method="pm4py") gives the exact route's figures."""
    log = loaded_real_log("08_receipt.xes.gz").log
    ideal = discover_ideal_path(log)
    assert isinstance(ideal, IdealPath)
    exact, routed = align(log, ideal), align(log, ideal, method="pm4py", progress=False)
    for column in ("case_id", "variant_id", "cost", "worst_cost", "fitness", "is_fit", "resolved"):
        assert exact[column].tolist() == routed[column].tolist(), column


@pytest.fixture(scope="module")
def inductive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """pm4py's inductive miner on running-example's cases 1 to 3, written as PNML and as BPMN.

    All six cases are then aligned, so the cases the miner did not see can deviate.
    """
    log = loaded_real_log("running-example.xes").log
    seen = log.filter(pl.col("case_id").is_in(["1", "2", "3"]))
    folder = tmp_path_factory.mktemp("models")
    frame = _pm4py.to_pm4py(seen)
    with _pm4py.quiet():
        net = pm4py.discover_petri_net_inductive(frame, noise_threshold=0.2)
        pm4py.write_pnml(*net, str(folder / "running.pnml"))
        bpmn = pm4py.discover_bpmn_inductive(frame, noise_threshold=0.2)
        pm4py.write_bpmn(bpmn, str(folder / "running.bpmn"))
    return {"log": log, "seen": seen, "folder": folder}


@pytest.mark.parametrize("suffix", [".pnml", ".bpmn"])
def test_inductive_miner_model_read_from_file_aligned_like_pm4py(
    inductive: dict[str, Any], suffix: str
) -> None:
    path: Path = inductive["folder"] / f"running{suffix}"
    model = read_process_model(path)
    log = inductive["log"]
    ours = align(log, model, progress=False)
    # pm4py reads the same file itself and aligns to it
    with _pm4py.quiet():
        net = (
            pm4py.read_pnml(str(path))
            if suffix == ".pnml"
            else pm4py.convert_to_petri_net(pm4py.read_bpmn(str(path)))
        )
    theirs, _ = _pm4py_alignments(log, net)
    _assert_same_costs(ours, theirs)
    with _pm4py.quiet():
        fitness = pm4py.fitness_alignments(_pm4py.to_pm4py(log), *net)
    assert conformance_summary(ours).log_fitness == fitness["log_fitness"]
    assert 0 < ours["is_fit"].sum() < len(ours)  # some unseen cases deviate


def test_discovered_inductive_model_equals_pm4py_on_the_same_net(inductive: dict[str, Any]) -> None:
    log = inductive["log"]
    model = discover_ideal_path(inductive["seen"], method="inductive_miner", noise_threshold=0.2)
    ours = align(log, model, progress=False)
    theirs, _ = _pm4py_alignments(log, (model.net, model.initial_marking, model.final_marking))
    _assert_same_costs(ours, theirs)


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    log = read_log(sample_log("o2c_orders.csv")).log
    ideal = read_ideal_path(sample_log("ideal_path.yaml"))
    truth = json.loads(sample_log("truth.json").read_text())
    return {"log": log, "ideal": ideal, "truth": truth, "alignments": align(log, ideal)}


def test_sample_log_conforming_orders_equal_truth(sample: dict[str, Any]) -> None:
    alignments, truth = sample["alignments"], sample["truth"]
    assert truth["conformance"]["ideal_path"] == sample["ideal"].name
    assert int(alignments["is_fit"].sum()) == truth["conformance"]["conforming_cases"]
    assert (
        alignments.loc[alignments["is_fit"], "variant_id"].nunique()
        == truth["conformance"]["conforming_variants"]
    )
    assert conformance_summary(alignments).conforming_cases == truth["conformance"]["conforming_cases"]


def test_sample_log_skipped_credit_checks_equal_truth(sample: dict[str, Any]) -> None:
    """truth.json counts orders confirmed without a credit check (open orders not yet checked aside)."""
    alignments, log = sample["alignments"], sample["log"]
    confirmed = log.filter(pl.col("activity") == "Confirm Order")["case_id"].unique().to_list()
    skipped = alignments["skipped_steps"].map(lambda steps: "Check Credit" in steps)
    assert (
        int((skipped & alignments["case_id"].isin(confirmed)).sum())
        == sample["truth"]["skipped_credit_checks"]
    )


def test_sample_log_invoice_before_shipment_equals_truth(sample: dict[str, Any]) -> None:
    cost = cost_of_divergence(sample["log"], sample["alignments"], closed_only=False).set_index("deviation")
    assert cost.loc["invoice before shipment", "cases"] == sample["truth"]["invoice_before_shipment"]
    closed = cost_of_divergence(sample["log"], sample["alignments"]).set_index("deviation")
    assert closed.loc["invoice before shipment", "cases"] <= sample["truth"]["invoice_before_shipment"]
    assert closed.loc["any deviation", "financing_cost"] == pytest.approx(
        closed.loc["any deviation", "value_delayed"]
        * (closed.loc["any deviation", "extra_time"] / pd.Timedelta(days=1))
        * 0.08
        / 365
    )


def test_sample_log_costs_equal_pm4py_with_optional_approvals(sample: dict[str, Any]) -> None:
    ideal, alignments = sample["ideal"], sample["alignments"]
    assert ideal.optional == {
        "Manager Approval",
        "Director Approval",
        "Sales Ops Sign-off",
        "Pricing Approval",
    }
    theirs, _ = _pm4py_alignments(sample["log"], _pm4py.sequence_net(ideal.steps, ideal.optional))
    _assert_same_costs(alignments, theirs)
    # a conforming order pays one silent move per optional approval it skipped (of four), and nothing else
    assert set(alignments.loc[alignments["is_fit"], "cost"].astype("int64")) == {0, 1, 2, 3, 4}


def test_sample_log_flow_efficiency_from_target_hours(sample: dict[str, Any]) -> None:
    """Recomputed in pandas: per paid order, the target hours of the distinct steps it did (the
    ideal path's 15.75 h when it took every optional step, sample_logs/README.md), capped at its span."""
    row = flow_efficiency(sample["log"], sample["ideal"]).iloc[0]
    assert row["theoretical_from"] == "target_hours"
    assert sum(sample["ideal"].target_hours.values()) == 15.75
    events = sample["log"].select("case_id", pl.col("activity").cast(pl.String), "timestamp").to_pandas()
    paid = set(events.loc[events["activity"] == "Receive Payment", "case_id"])
    events = events[events["case_id"].isin(paid)]
    assert row["cases"] == len(paid) == sample["truth"]["lead_times"]["order_to_cash"]["cases"]
    span = events.groupby("case_id")["timestamp"].agg(lambda t: t.max() - t.min())
    steps = events.drop_duplicates(["case_id", "activity"])
    hours = steps["activity"].map(sample["ideal"].target_hours).fillna(0).groupby(steps["case_id"]).sum()
    adding = pd.concat([pd.to_timedelta(hours, unit="h"), span], axis=1).min(axis=1)
    assert row["actual_lead_time"] == span.median()
    assert row["theoretical_lead_time"] == adding.median()
    assert row["flow_efficiency"] == pytest.approx(adding.sum() / span.sum())


#: Real logs whose variants are all aligned to their inductive-miner models by both (pm4py's A*
#: takes seconds on them); bpic2012's model is compared on a seeded sample of its variants.
INDUCTIVE_LOGS = ["running-example.xes", "10_orders.xes.gz", "roadtraffic100traces.xes", "helpdesk.xes.gz"]
BPIC2012_VARIANTS = 6


@pytest.mark.parametrize(
    ("name", "noise"),
    [
        *((name, noise) for name in INDUCTIVE_LOGS for noise in (0.0, 0.2)),
        pytest.param("bpic2012.xes.gz", 0.2, marks=pytest.mark.slow),
    ],
)
def test_variants_on_the_reachability_graph_cost_what_pm4py_a_star_says(name: str, noise: float) -> None:
    """Every variant aligned to the log's inductive-miner net (on the net's reachability graph)
    has pm4py's A* cost, worst cost and fitness; bpic2012 (against the model ``assess`` discovers,
    noise 0.2): its 3 most frequent variants and 3 drawn from the others of up to 60 events with
    ``numpy.random.default_rng(7)`` (pm4py takes about a second per variant there)."""
    from o2c.conformance.alignments import _log_variants

    log = loaded_real_log(name).log
    model = discover_ideal_path(log, method="inductive_miner", noise_threshold=noise)
    net = (model.net, model.initial_marking, model.final_marking)
    traces = _log_variants(log).traces
    if name == "bpic2012.xes.gz":
        half = BPIC2012_VARIANTS // 2
        short = [k for k in range(half, len(traces)) if len(traces[k]) <= 60]  # pm4py: 28 s for 128 events
        drawn = np.random.default_rng(SEED).choice(short, size=half, replace=False)
        traces = [traces[k] for k in [*range(half), *sorted(drawn)]]
    assert _pm4py._reachability_graph(*net) is not None  # aligned on the graph, not by pm4py
    ours = list(_pm4py.align_traces(traces, *net, timeout=30))
    theirs = [_pm4py._align_with_pm4py(tuple(trace), *net, 60) for trace in traces]
    assert all(t is not None for t in theirs)  # pm4py finished every one
    pairs = [(o["cost"], o["worst_cost"], o["fitness"]) for o in ours]
    assert pairs == [(t["cost"], t["worst_cost"], t["fitness"]) for t in theirs]
    assert any(cost > 0 for cost, _, _ in pairs)  # some variants deviate
