"""payment_risk: labels by hand, the planted complaint found, honest calibration, no leakage."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy.stats import binomtest
from sklearn.isotonic import IsotonicRegression

import o2c
from o2c._milestones import find_milestones
from o2c._risk import OPEN_ORDER_COLUMNS, _Features, _known, _orders, _snapshot_rows, venn_abers
from o2c.errors import ArgumentError
from o2c.log import validate

COMPLAINT = "Customer Complaint"


@pytest.fixture(scope="module")
def planted() -> tuple[pl.DataFrame, o2c.PaymentRisk]:
    """A simulated log where complaints (a fifth of the orders) make customers pay late."""
    log = o2c.simulate(1500, seed=1, complaint=0.2).log
    return log, o2c.payment_risk(log)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_outcomes_known_only_after_the_due_date_by_hand() -> None:
    table = pl.DataFrame(
        {
            "case_id": ["on time", "late", "unpaid past due", "paid early, not due", "not due", "no due"],
            "at_paid": [
                _at("2025-03-01 10:00"),
                _at("2025-03-12 06:00"),
                None,
                _at("2025-03-05"),
                None,
                None,
            ],
            "due": pl.Series(
                ["2025-03-10", "2025-03-10", "2025-03-10", "2025-03-25", "2025-03-25", None]
            ).str.to_date(),
        },
        schema_overrides={"at_paid": pl.Datetime("us", "UTC")},
    )
    late = table.select(_known(_at("2025-03-20")))["_late"].to_list()
    assert late == [False, True, True, None, None, None]
    # before the payment of "late" is booked it is already known late: unpaid past its due date
    assert table.select(_known(_at("2025-03-11 12:00")))["_late"].to_list()[:3] == [False, True, True]


def test_venn_abers_agrees_with_isotonic_regression_refitted_per_score() -> None:
    rng = np.random.default_rng(0)
    cal = np.round(rng.random(200), 2)  # ties among the calibration scores
    labels = (rng.random(200) < cal).astype(int)
    scores = np.concatenate([np.round(rng.random(40), 2), rng.random(40), [cal[0], -1.0, 2.0]])
    low, high = venn_abers(cal, labels, scores)
    iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
    for score, lo, hi in zip(scores, low, high, strict=True):
        x = np.append(cal, score)
        assert lo == pytest.approx(iso.fit(x, np.append(labels, 0)).predict([score])[0], abs=1e-12)
        assert hi == pytest.approx(iso.fit(x, np.append(labels, 1)).predict([score])[0], abs=1e-12)
    assert (low <= high).all()


def test_backtest_finds_the_planted_complaints(planted) -> None:
    _, risk = planted
    back = risk.backtest
    assert back.auc > 0.75  # chance is 0.5
    predictions = back.predictions
    y, p = predictions["late"].to_numpy(bool), predictions["probability"].to_numpy()
    # AUC by brute force over every (late, on time) pair, ties count a half; Brier by hand
    pairs = p[y][:, None] - p[~y][None, :]
    assert back.auc == pytest.approx(((pairs > 0).sum() + 0.5 * (pairs == 0).sum()) / pairs.size)
    assert back.brier == pytest.approx(((p - y) ** 2).mean())
    assert back.test_rows == len(predictions) and back.late_share == pytest.approx(y.mean())
    assert (predictions["snapshot"] >= back.cut).all()


def test_backtest_labels_are_the_days_past_due_of_the_log(planted) -> None:
    log, risk = planted
    paid = log.group_by("case_id").agg(
        paid=pl.col("timestamp").filter(pl.col("activity") == "Receive Payment").min().dt.date(),
        due=pl.col("due_date").first(),
    )
    checked = pl.from_pandas(risk.backtest.predictions).join(paid, on="case_id", how="left")
    assert checked["due"].null_count() == 0
    expected = checked["paid"].is_null() | (checked["paid"] > checked["due"])
    assert checked["late"].to_list() == expected.to_list()


def test_calibration_observed_share_within_the_binomial_interval(planted) -> None:
    _, risk = planted
    table = risk.backtest.calibration
    predictions = risk.backtest.predictions
    bins = np.minimum((predictions["probability"] * 10).astype(int), 9)
    assert table["rows"].tolist() == predictions.groupby(bins).size().tolist()
    judged = table[table["orders"] >= 30]
    assert len(judged) >= 2
    for row in judged.itertuples():
        late = round(row.observed * row.orders)
        interval = binomtest(late, row.orders).proportion_ci(0.99, method="wilson")
        assert interval.low <= row.predicted <= interval.high, row


def test_top_ranked_open_orders_carry_the_planted_complaint(planted) -> None:
    log, risk = planted
    scored = risk.open_orders[~risk.open_orders["overdue"]].sort_values("probability", ascending=False)
    complained = set(log.filter(pl.col("activity") == COMPLAINT)["case_id"].to_list())
    has = scored["case_id"].isin(complained).to_numpy()
    top = len(scored) // 10
    assert has[:top].mean() > 3 * max(has[top:].mean(), 0.01)


def test_open_orders_table(planted) -> None:
    log, risk = planted
    table = risk.open_orders
    assert table.columns.tolist() == OPEN_ORDER_COLUMNS
    paid = set(log.filter(pl.col("activity") == "Receive Payment")["case_id"].to_list())
    assert set(table["case_id"]) == set(log["case_id"].unique().to_list()) - paid
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["value_at_risk"].to_numpy() == pytest.approx(table["probability"] * table["value"])
    assert table["value_at_risk"].is_monotonic_decreasing
    assert ((table["low"] <= table["probability"]) & (table["probability"] <= table["high"])).all()
    # overdue: invoiced with its due date before the last day; certainly late
    last_day = log["timestamp"].max().date()
    due = dict(log.group_by("case_id").agg(pl.col("due_date").first()).rows())
    overdue = table["case_id"].map(lambda c: due[c] is not None and due[c] < last_day)
    assert table["overdue"].tolist() == overdue.tolist()
    assert (table.loc[table["overdue"], ["probability", "low", "high"]] == 1.0).all().all()
    assert set(table.loc[table["stuck"], "case_id"]) == set(o2c.stuck_orders(log)["case_id"])


def test_features_read_no_event_after_the_snapshot() -> None:
    log = validate(o2c.simulate(300, seed=5).log)
    moment = log["timestamp"].max()
    stones = find_milestones(log)
    middle = log["timestamp"].min() + (moment - log["timestamp"].min()) / 2
    rows = _snapshot_rows(_orders(log, stones, moment), [middle])
    full = _Features(log, rows, None)
    cut = _Features(log.filter(pl.col("timestamp") <= middle), rows, None)
    assert full.names == cut.names
    assert full.frame.select(full.names).equals(cut.frame.select(cut.names))
    # and later events are there to leak: the orders' final event counts differ
    assert (log.group_by("case_id").len().join(rows, on="case_id")["len"] > full.frame["events"]).any()


def test_today_ignores_events_after_as_of() -> None:
    log = o2c.simulate(600, seed=3).log
    as_of = datetime(2025, 9, 1, tzinfo=UTC)
    later = o2c.payment_risk(log, as_of=as_of, snapshots=12)
    cut = o2c.payment_risk(log.filter(pl.col("timestamp") <= as_of), as_of=as_of, snapshots=12)
    pd.testing.assert_frame_equal(later.open_orders, cut.open_orders)
    assert later.backtest.auc == cut.backtest.auc


def test_deterministic() -> None:
    log = o2c.simulate(600, seed=3).log
    first, second = o2c.payment_risk(log, snapshots=12), o2c.payment_risk(log, snapshots=12)
    pd.testing.assert_frame_equal(first.open_orders, second.open_orders)
    pd.testing.assert_frame_equal(first.backtest.calibration, second.backtest.calibration)


def test_refuses_too_few_orders_with_the_minimum_and_the_count() -> None:
    log = o2c.simulate(60, seed=2).log
    with pytest.raises(ArgumentError, match=r"at least 50 orders") as caught:
        o2c.payment_risk(log)
    assert caught.value.argument == "min_orders" and caught.value.value < 50


def test_refuses_without_due_dates_or_a_paid_milestone() -> None:
    with pytest.raises(ArgumentError, match="no paid order has a due date"):
        o2c.payment_risk(o2c.example_log())
    unpaid = o2c.example_log().filter(pl.col("activity") != "Receive Payment")
    with pytest.raises(ArgumentError, match="'paid' milestone"):
        o2c.payment_risk(unpaid)


@pytest.mark.parametrize(("argument", "value"), [("snapshots", 2), ("min_orders", 3), ("seed", -1)])
def test_argument_checks(argument: str, value: int) -> None:
    with pytest.raises(ArgumentError) as caught:
        o2c.payment_risk(o2c.example_log(), **{argument: value})
    assert caught.value.argument == argument


def test_assess_computes_it_once_and_the_report_shows_the_backtest(tmp_path) -> None:
    from o2c._assess import assess
    from o2c.report import findings, validate_findings, write_report

    log = o2c.simulate(600, seed=3).log
    result = assess(o2c.read_log(log), progress=False)
    alone = o2c.payment_risk(log)
    assert result.payment_risk is not None and result.payment_risk_skipped is None
    pd.testing.assert_frame_equal(result.payment_risk.open_orders, alone.open_orders)
    document = findings(result)
    validate_findings(document)
    back = document["payment_risk"]["backtest"]
    assert back["auc"] == pytest.approx(alone.backtest.auc)
    assert back["brier"] == pytest.approx(alone.backtest.brier)
    assert [row["case_id"] for row in document["payment_risk"]["top"]] == alone.open_orders["case_id"][
        :10
    ].tolist()
    write_report(result, tmp_path / "report")
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="payment-risk"') :]
    assert f"AUC {alone.backtest.auc:.2f}" in section and f"Brier score {alone.backtest.brier:.3f}" in section
    assert (tmp_path / "report" / "tables" / "payment_risk.csv").exists()


def test_assess_skips_it_with_the_reason() -> None:
    from o2c._assess import assess
    from o2c.report import findings, validate_findings

    result = assess(o2c.read_log(o2c.example_log()), progress=False)
    assert result.payment_risk is None and "due date" in (result.payment_risk_skipped or "")
    document = findings(result)
    validate_findings(document)
    assert document["payment_risk"]["skipped"] == result.payment_risk_skipped


def test_max_orders_bounds_the_orders_learnt_from_and_scores_every_open_one() -> None:
    log = o2c.simulate(600, seed=3).log
    full, few = o2c.payment_risk(log, snapshots=12), o2c.payment_risk(log, snapshots=12, max_orders=150)
    assert few.train_orders <= 150 < full.train_orders
    assert few.backtest.train_orders + few.backtest.test_orders <= 2 * 150
    assert sorted(few.open_orders["case_id"]) == sorted(full.open_orders["case_id"])


def test_due_dates_from_payment_terms_and_no_values() -> None:
    log = o2c.simulate(600, seed=3).log
    given = o2c.payment_risk(log, snapshots=12)
    from_terms = o2c.payment_risk(log.drop("due_date"), snapshots=12)  # invoice date + terms
    pd.testing.assert_frame_equal(given.open_orders, from_terms.open_orders)
    unvalued = o2c.payment_risk(log.drop("value", "net_value"), snapshots=12).open_orders
    assert unvalued["value_at_risk"].isna().all()
    assert unvalued["probability"].is_monotonic_decreasing


def test_the_model_ranks_at_least_as_well_as_the_planted_cause_alone(planted) -> None:
    """Knowing only whether the order has complained by the snapshot, ranked by that: the model
    must do as well (the rest of late payment is planted noise)."""
    from sklearn.metrics import roc_auc_score

    log, risk = planted
    rows = pl.from_pandas(risk.backtest.predictions).with_row_index("_row")
    complaints = (
        log.filter(pl.col("activity") == COMPLAINT)
        .select("case_id", "timestamp")
        .join(rows.select("_row", "case_id", "snapshot"), on="case_id")
        .filter(pl.col("timestamp") <= pl.col("snapshot"))
        .group_by("_row")
        .len()
    )
    rule = rows.join(complaints, on="_row", how="left").sort("_row")["len"].fill_null(0).to_numpy()
    rule_auc = roc_auc_score(rows["late"].to_numpy(), rule)
    assert rule_auc > 0.6  # the cause is visible in the backtest's snapshots
    assert risk.backtest.auc >= rule_auc - 0.02


def test_without_a_planted_cause_the_backtest_is_near_chance_and_the_report_says_so(tmp_path) -> None:
    from o2c._assess import assess
    from o2c.report import write_report

    log = o2c.simulate(800, seed=0, complaint=0.0).log  # late payment only by planted chance
    result = assess(o2c.read_log(log), progress=False)
    assert result.payment_risk is not None
    assert result.payment_risk.backtest.auc < 0.6
    write_report(result, tmp_path / "report")
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "ranks barely better than chance" in page
