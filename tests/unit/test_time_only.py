"""Steps that only add time, on hand-made logs: the same path without the step, payment on time,
the time the step adds, which steps are weighed, and the conservative candidate rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import polars as pl
import pytest

from o2c import IdealPath, time_only_steps
from o2c.errors import ArgumentError
from o2c.log import validate

T0 = datetime(2025, 3, 3, 8)
DAY = pd.Timedelta(days=1)


def _log(
    groups: list[tuple[str, int, list[tuple[str, float]]]], due: dict[str, date] | None = None
) -> pl.DataFrame:
    """{prefix, count, [(activity, days after T0)]}: ``count`` orders ``prefix0..`` of that path."""
    rows = [
        (f"{prefix}{i}", activity, T0 + timedelta(days=days))
        for prefix, count, path in groups
        for i in range(count)
        for activity, days in path
    ]
    frame = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")
    if due is not None:
        frame = frame.with_columns(
            due_date=pl.col("case_id").str.head(1).replace_strict(due, return_dtype=pl.Date)
        )
    return validate(frame)


PLAIN = [("Create", 0), ("Ship", 1)]
STAMPED = [("Create", 0), ("Stamp", 1), ("Ship", 2)]


def test_a_step_whose_orders_take_paths_without_it_is_a_candidate():
    table = time_only_steps(_log([("s", 40, STAMPED), ("p", 40, PLAIN)])).set_index("step")
    row = table.loc["Stamp"]
    assert (row["orders"], row["orders_without"], row["same_path_orders"]) == (40, 40, 40)
    assert row["same_path_share"] == 1.0
    assert row["time_added_median"] == DAY and row["time_added"] == 40 * DAY  # a day each, by hand
    assert row["candidate"] and pd.isna(row["on_time_ci_low"])
    assert "payment not compared" in row["evidence"]


def test_the_same_path_share_counts_the_orders_with_twins_without_the_step():
    # S's orders: 40 go C,S,X,Ship (no order without S goes C,X,Ship) and 40 go C,S,Ship (40 go C,Ship)
    groups = [
        ("a", 40, [("Create", 0), ("Stamp", 1), ("Extra", 2), ("Ship", 3)]),
        ("b", 40, STAMPED),
        ("c", 40, PLAIN),
    ]
    table = time_only_steps(_log(groups)).set_index("step")
    assert table.loc["Stamp", "same_path_orders"] == 40
    assert table.loc["Stamp", "same_path_share"] == 0.5
    assert not table.loc["Stamp", "candidate"]  # below min_same_path
    assert time_only_steps(_log(groups), min_same_path=0.5).set_index("step").loc["Stamp", "candidate"]
    # Extra's 40 orders without it go C,S,Ship, which b's orders take: all have twins
    assert table.loc["Extra", "same_path_share"] == 1.0
    assert table.loc["Extra", "orders_without"] == 80


def test_a_step_that_leads_to_rework_has_no_twins():
    groups = [("r", 40, [("Create", 0), ("Review", 1), ("Check", 2), ("Check", 3), ("Ship", 4)])]
    groups.append(("p", 40, [("Create", 0), ("Check", 1), ("Ship", 2)]))
    row = time_only_steps(_log(groups)).set_index("step").loc["Review"]
    assert row["same_path_share"] == 0.0 and not row["candidate"]


PAID = [("Create", 0), ("Create Invoice", 1), ("Receive Payment", 10)]
PAID_STAMPED = [("Create", 0), ("Stamp", 1), ("Create Invoice", 2), ("Receive Payment", 11)]


def test_payment_on_time_is_compared_between_the_twins():
    # s orders paid on day 11, due on day 5: late; p orders paid on day 10, due on day 20: on time
    late = _log(
        [("s", 40, PAID_STAMPED), ("p", 40, PAID)], due={"s": date(2025, 3, 8), "p": date(2025, 3, 23)}
    )
    row = time_only_steps(late).set_index("step").loc["Stamp"]
    assert (row["on_time_with"], row["on_time_without"], row["on_time_diff"]) == (0.0, 1.0, -1.0)
    assert row["on_time_ci_high"] < 0 and not row["candidate"]
    assert "paid on time 0% with it, 100% without" in row["evidence"]
    # both paid on time: no difference, the interval is inside the tolerance
    fine = _log(
        [("s", 40, PAID_STAMPED), ("p", 40, PAID)], due={"s": date(2025, 3, 23), "p": date(2025, 3, 23)}
    )
    row = time_only_steps(fine).set_index("step").loc["Stamp"]
    assert row["on_time_diff"] == 0.0 and row["candidate"]
    # a log with payments needs them compared: with too few paid twins, no candidate
    due = dict.fromkeys("spq", date(2025, 3, 23))
    few = _log([("s", 40, PAID_STAMPED), ("p", 10, PAID), ("q", 40, PLAIN)], due=due)
    row = time_only_steps(few).set_index("step").loc["Stamp"]
    assert pd.isna(row["on_time_ci_low"]) and not row["candidate"]


def test_which_steps_are_weighed():
    groups = [
        ("s", 40, STAMPED),
        ("p", 40, PLAIN),
        ("x", 40, [("Create", 0), ("Cancel Order", 1)]),
    ]
    table = time_only_steps(_log(groups))
    # Create is in every order, Cancel Order is an outcome: neither is weighed
    assert sorted(table["step"]) == ["Ship", "Stamp"]
    ideal = IdealPath(("Create", "Stamp", "Ship"), optional=frozenset({"Stamp"}))
    assert time_only_steps(_log(groups), ideal=ideal)["step"].tolist() == ["Stamp"]  # Ship is required
    # a step after the invoice (in most of its executions) is not weighed
    memo = [("Create", 0), ("Create Invoice", 1), ("Credit Memo", 2), ("Receive Payment", 3)]
    early = [("Create", 0), ("Credit Memo", 0.5), ("Create Invoice", 1), ("Receive Payment", 3)]
    table = time_only_steps(_log([("m", 40, memo), ("p", 40, PAID)]))
    assert "Credit Memo" not in set(table["step"])
    table = time_only_steps(_log([("m", 20, memo), ("e", 20, early), ("p", 40, PAID)]))
    assert "Credit Memo" in set(table["step"])  # before the invoice in half of its executions
    # too few orders on a side
    row = time_only_steps(_log([("s", 29, STAMPED), ("p", 40, PLAIN)])).set_index("step").loc["Stamp"]
    assert not row["candidate"]
    assert time_only_steps(_log([("s", 29, STAMPED), ("p", 40, PLAIN)]), min_orders=29)["candidate"].all()


def test_a_step_that_adds_no_time_is_no_candidate():
    instant = [("Create", 0), ("Stamp", 0), ("Ship", 1)]
    row = time_only_steps(_log([("s", 40, instant), ("p", 40, PLAIN)])).set_index("step").loc["Stamp"]
    assert row["time_added_median"] == pd.Timedelta(0) and not row["candidate"]


def test_a_log_where_every_order_takes_the_same_steps_weighs_nothing():
    table = time_only_steps(_log([("p", 5, PLAIN)]))
    assert table.empty and "candidate" in table.columns


@pytest.mark.parametrize(
    ("argument", "value"), [("min_orders", 0), ("min_same_path", 1.5), ("tolerance", -0.1), ("resamples", 0)]
)
def test_arguments_are_checked(argument, value):
    with pytest.raises(ArgumentError, match=argument):
        time_only_steps(_log([("p", 5, PLAIN)]), **{argument: value})
