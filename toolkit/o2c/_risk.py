"""Who will pay late: the probability that each open order is paid after its due date.

``payment_risk`` learns from the orders whose outcome is known what open orders that went on to
pay late looked like, and scores today's open orders with it.

**Late** is the ``days_past_due`` KPI's: paid (the first ``paid`` event, ``o2c.kpis``) after the
due date (``due_date``, else the invoice date plus ``payment_terms_days``). An order's outcome is
**known** at a moment after its due date: paid by the due date (on time), or not (late,
whatever day it pays). An open order already past its due date is
**overdue**: it is late for sure (probability 1); the model scores the others. Outcomes are
read only for orders whose due date has passed: an on-time order paid early is known before the
late orders due on the same day are, and reading it early would bias the outcomes to on time.

**Snapshots, not finished traces.** Open orders are seen part-way. So the training rows are
what orders looked like part-way: ``snapshots`` moments spread evenly from the first event to
``as_of``; at each, every order begun and neither paid nor overdue is one row, its features
computed from its events up to that moment only, its label its later outcome. Rows whose outcome
is not known yet are left out. Features: the case attributes (text, integer, boolean; never the
due date), the order value, events and distinct activities so far, extra executions so far
(rework: events beyond the first of their activity, per object in a log flattened from
objects, ``o2c._rework.repeated``), days since the first and the last event,
the last activity, each milestone reached and days since, days to the due date once invoiced
(the due date of an order counts as known from its invoice on), events off the ideal path so
far (with an ideal path), and how often each of the most common activities happened so far
(complaints, credit memos, reminders, address changes, ...).

**Model and interval.** scikit-learn's ``HistGradientBoostingClassifier`` (seeded, no early
stopping) on two thirds of the orders; the other third calibrates it with inductive
**Venn-Abers** prediction (isotonic regression, scikit-learn's, fitted twice per scored order
with the order added as on time and as late): ``low`` and ``high`` bound the calibrated
probability, and ``probability`` is their merge ``high / (1 - low + high)``. Venn-Abers
intervals are valid under exchangeability: orders of a drifting process widen them in practice.

**Backtest by time.** The model is trained on the snapshots before the ``cut`` with the outcomes
known at the cut, and tested on the snapshots from the cut on with the outcomes known at
``as_of``: AUC, Brier score and a calibration table (predicted against observed late share by
tenth of probability, with a 95% Wilson interval of the observed share; rows are order x
snapshot, so an order can count in several rows, and the interval counts it once).

>>> from o2c import simulate
>>> risk = payment_risk(simulate(600, seed=3).log, snapshots=12)
>>> round(risk.backtest.auc, 2), risk.open_orders.columns.tolist()[:4]
(0.7, ['rank', 'case_id', 'last_activity', 'probability'])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import polars as pl
from threadpoolctl import threadpool_limits

from o2c._kpis._orders import DUE_DATE, as_of_moment, case_table, events_until, with_terms
from o2c._kpis._stuck import _stuck_orders
from o2c._milestones import Milestone, find_milestones
from o2c._rework import repeated
from o2c._tables import US_PER_DAY
from o2c.errors import ArgumentError, check_whole
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, UTC, VALUE, Moment, as_utc, validate
from o2c.model import MILESTONES, IdealPath
from o2c.performance import _case_attributes

#: The columns of ``PaymentRisk.open_orders`` and of ``Backtest.calibration``.
OPEN_ORDER_COLUMNS = [
    "rank",
    "case_id",
    "last_activity",
    "probability",
    "low",
    "high",
    "overdue",
    "value",
    "value_at_risk",
    "stuck",
]
CALIBRATION_COLUMNS = [
    "bin",
    "rows",
    "orders",
    "predicted",
    "low",
    "high",
    "observed",
    "observed_low",
    "observed_high",
]

#: At most this many activities (the most common, by orders) are counted one by one as features.
MOST_ACTIVITIES = 60
#: Text attributes keep at most this many values (the most common), the rest are one "other".
MOST_VALUES = 200
#: Each side (late, on time) needs at least this many orders besides ``min_orders`` in all.
MIN_EACH = 5
#: The share of the orders that calibrates the model (the rest trains it).
CALIBRATION_SHARE = 1 / 3

_FUNCTION = "payment_risk"


@dataclass(frozen=True)
class Backtest:
    """How the model did on the orders after ``cut``, trained on what was known at ``cut``."""

    cut: datetime
    train_orders: int
    train_rows: int
    test_orders: int
    test_rows: int
    late_share: float  # of the test rows
    auc: float
    brier: float
    calibration: pd.DataFrame = field(repr=False)
    predictions: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class PaymentRisk:
    """Open orders by value at risk of paying late, the backtest, and the features used."""

    as_of: datetime
    open_orders: pd.DataFrame = field(repr=False)
    backtest: Backtest
    features: tuple[str, ...] = field(repr=False)
    train_orders: int
    train_rows: int
    snapshots: int


def payment_risk(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    as_of: Moment | None = None,
    cut: Moment | None = None,
    snapshots: int = 26,
    min_orders: int = 50,
    max_orders: int = 5000,
    seed: int = 0,
) -> PaymentRisk:
    """The probability that each open order will be paid late, with a calibrated interval.

    See the module docstring for the definitions (late, known, overdue), the snapshots the
    model learns from, the model and its Venn-Abers interval, and the backtest.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``), with a ``paid`` milestone and due
        dates (``due_date``, or ``payment_terms_days`` and the ``invoiced`` milestone).
    ideal : IdealPath, optional
        Names the milestones (guessed from activity names without it); with it, events off its
        steps so far are a feature.
    as_of : datetime or str, optional
        Today: later events are ignored. Default: the last timestamp of the log.
    cut : datetime or str, optional
        The backtest's cut date. Default: two thirds of the way from the first event to ``as_of``.
    snapshots : int
        How many moments, evenly spread up to ``as_of``, orders are seen at (at least 3).
    min_orders : int
        Fewer orders with a known outcome (to train the model, or before the cut) raise.
    max_orders : int
        Learn from at most this many orders (drawn at random, seeded), to bound time and memory
        on large logs; every open order is scored.
    seed : int
        Seeds the split into training and calibration orders and the model.

    Returns
    -------
    PaymentRisk
        ``open_orders``: one row per order open at ``as_of``: ``rank``, ``case_id``,
        ``last_activity``, ``probability`` (of paying late), ``low`` and ``high`` (the
        Venn-Abers interval), ``overdue`` (already past its due date: 1, 1, 1), ``value``,
        ``value_at_risk`` (``probability`` x ``value``; NaN without values), ``stuck``
        (listed by ``o2c.stuck_orders``); most value at risk first, then most probable, ties by
        ``case_id``. ``backtest``: a ``Backtest`` (``cut``, orders and rows trained and tested
        on, ``late_share``, ``auc``, ``brier``, ``calibration``: ``bin``, ``rows``,
        ``orders``, ``predicted``, ``low``, ``high`` (mean interval), ``observed``, ``observed_low``,
        ``observed_high``), ``predictions`` (one row per test row: ``case_id``, ``snapshot``,
        ``late``, ``probability``, ``low``, ``high``). ``features``: the names the model read.

    Raises
    ------
    ArgumentError
        No ``paid`` milestone, no paid order with a due date, or too few orders with a known
        outcome (fewer than ``min_orders``, or fewer than 5 late or on time) to train or backtest.

    Examples
    --------
    >>> from o2c import simulate
    >>> risk = payment_risk(simulate(600, seed=3).log, snapshots=12)
    >>> risk.open_orders[["rank", "last_activity", "overdue"]].head(3)
       rank       last_activity  overdue
    0     1  Customer Complaint    False
    1     2  Customer Complaint    False
    2     3  Create Credit Memo    False
    >>> bool((risk.open_orders["low"] <= risk.open_orders["high"]).all())
    True
    """
    return _payment_risk(
        validate(log),
        ideal=ideal,
        as_of=as_of,
        cut=cut,
        snapshots=snapshots,
        min_orders=min_orders,
        max_orders=max_orders,
        seed=seed,
    )


def _payment_risk(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | None = None,
    as_of: Moment | None = None,
    cut: Moment | None = None,
    snapshots: int = 26,
    min_orders: int = 50,
    max_orders: int = 5000,
    seed: int = 0,
) -> PaymentRisk:
    """``payment_risk`` of a validated log."""
    check_whole(snapshots, argument="snapshots", function=_FUNCTION, least=3)
    check_whole(min_orders, argument="min_orders", function=_FUNCTION, least=2 * MIN_EACH)
    check_whole(max_orders, argument="max_orders", function=_FUNCTION, least=min_orders)
    check_whole(seed, argument="seed", function=_FUNCTION, least=0)
    log = events_until(log, as_of, function=_FUNCTION)
    moment = as_of_moment(log, as_of, function=_FUNCTION)
    stones = find_milestones(log, ideal)
    if stones["paid"].activity is None:
        raise ArgumentError(
            "payment_risk needs the 'paid' milestone, and no activity of the log looks like it; pass an "
            "IdealPath with milestones={'paid': ...}.",
            function=_FUNCTION,
            argument="ideal",
            value=ideal,
            allowed="an IdealPath with a 'paid' milestone",
        )
    orders = _orders(log, stones, moment)
    if orders.filter(pl.col("at_paid").is_not_null() & pl.col("due").is_not_null()).height == 0:
        raise ArgumentError(
            f"payment_risk cannot tell late from on time: no paid order has a due date (the log needs a "
            f"{DUE_DATE!r} column, or 'payment_terms_days' and the 'invoiced' milestone).",
            function=_FUNCTION,
            argument="log",
            allowed="paid orders with due dates",
        )
    start = orders["first_event"].min()
    assert isinstance(start, datetime)
    step = (moment - start) / snapshots
    moments = [start + step * k for k in range(1, snapshots + 1)]
    moments[-1] = moment
    if cut is None:
        cut_at = moments[max(0, round(snapshots * 2 / 3) - 1)]
    else:
        cut_at = as_utc(cut, argument="cut", function=_FUNCTION)
        if not start < cut_at < moment:
            raise ArgumentError(
                f"The 'cut' argument of payment_risk must fall between the first event ({start}) and "
                f"as_of ({moment}); got {cut_at}.",
                function=_FUNCTION,
                argument="cut",
                value=cut,
                allowed="a moment inside the log's period",
            )
    rows = _sampled(_snapshot_rows(orders, moments), moment, max_orders, seed)
    coder = _Features(log, rows, ideal)
    frame = coder.frame

    # the backtest: train on the snapshots before the cut (outcomes known at the cut), test after
    before = frame.filter(pl.col("_at") < cut_at).with_columns(_known(cut_at))
    train = before.filter(pl.col("_late").is_not_null())
    test = frame.filter((pl.col("_at") >= cut_at) & (pl.col("_at") < moment)).with_columns(_known(moment))
    test = test.filter(pl.col("_late").is_not_null())
    _enough(train, min_orders, f"before the backtest's cut ({cut_at:%Y-%m-%d %H:%M} UTC)")
    _enough(test, 2 * MIN_EACH, f"after the backtest's cut ({cut_at:%Y-%m-%d %H:%M} UTC)")
    model = _Model(coder, train, seed)
    predicted = model.predict(test)
    backtest = _backtest(cut_at, train, test, predicted)

    # today's model: every snapshot before as_of, outcomes known at as_of
    known = (
        frame.filter(pl.col("_at") < moment)
        .with_columns(_known(moment))
        .filter(pl.col("_late").is_not_null())
    )
    _enough(known, min_orders, f"by as_of ({moment:%Y-%m-%d %H:%M} UTC)")
    model = _Model(coder, known, seed)
    now = frame.filter(pl.col("_at") == moment)
    p, low, high = model.predict(now)
    scored = now.select(CASE_ID, "last_activity", "_value").with_columns(
        probability=pl.Series(p), low=pl.Series(low), high=pl.Series(high), overdue=pl.lit(False)
    )
    overdue = (
        orders.filter(pl.col("at_paid").is_null() & pl.col("_overdue_now"))
        .select(CASE_ID, "_last_activity_now", "value")
        .rename({"_last_activity_now": "last_activity", "value": "_value"})
        .with_columns(probability=pl.lit(1.0), low=pl.lit(1.0), high=pl.lit(1.0), overdue=pl.lit(True))
    )
    stuck = _stuck_orders(log, ideal=ideal)[CASE_ID].tolist()
    open_orders = (
        pl.concat([scored, overdue], how="vertical_relaxed")
        .rename({"_value": "value"})
        .with_columns(
            value_at_risk=pl.col("probability") * pl.col("value"), stuck=pl.col(CASE_ID).is_in(stuck)
        )
        .sort(["value_at_risk", "probability", CASE_ID], descending=[True, True, False], nulls_last=True)
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
        .select(OPEN_ORDER_COLUMNS)
    )
    return PaymentRisk(
        as_of=moment,
        open_orders=open_orders.to_pandas(),
        backtest=backtest,
        features=tuple(coder.names),
        train_orders=known[CASE_ID].n_unique(),
        train_rows=known.height,
        snapshots=snapshots,
    )


def _orders(log: pl.DataFrame, stones: dict[str, Milestone], moment: datetime) -> pl.DataFrame:
    """The per-order table with due dates (``o2c._kpis``), when each due date becomes known, and
    whether each order is overdue at the last moment."""
    table = with_terms(case_table(log, stones), log)
    invoiced = stones["invoiced"].activity is not None
    return table.with_columns(
        # the due date is known from the invoice on (always, when the log has no invoice step)
        _due_known=pl.col("at_invoiced") if invoiced else pl.col("first_event"),
        _overdue_now=pl.col("due").is_not_null()
        & (pl.lit(moment, UTC).dt.date() > pl.col("due"))
        & (pl.col("at_invoiced").is_not_null() if invoiced else pl.lit(True)),
        _last_activity_now=pl.col("last_activity"),
    )


def _snapshot_rows(orders: pl.DataFrame, moments: Sequence[datetime]) -> pl.DataFrame:
    """One row per order and moment at which it is begun, unpaid and not overdue."""
    at = pl.DataFrame({"_at": moments}, schema={"_at": UTC})
    due_known = pl.col("due").is_not_null() & (pl.col("_due_known") <= pl.col("_at"))
    overdue = due_known & (pl.col("_at").dt.date() > pl.col("due"))
    return (
        orders.select(CASE_ID, "first_event", "at_paid", "due", "_due_known", "value")
        .join(at, how="cross")
        .filter(
            (pl.col("first_event") <= pl.col("_at"))
            & (pl.col("at_paid").is_null() | (pl.col("at_paid") > pl.col("_at")))
            & ~overdue
        )
        .with_columns(_due_known=due_known)
        .with_row_index("_row")
    )


def _sampled(rows: pl.DataFrame, moment: datetime, most: int, seed: int) -> pl.DataFrame:
    """The snapshot rows of at most ``most`` orders drawn at random (seeded) to learn from, and
    every open order's row at ``moment``."""
    past = pl.col("_at") < pl.lit(moment, UTC)
    ids = np.array(sorted(rows.filter(past)[CASE_ID].unique().to_list()))
    if len(ids) <= most:
        return rows
    kept = np.random.default_rng(seed).choice(ids, size=most, replace=False)
    return rows.filter(~past | pl.col(CASE_ID).is_in(sorted(kept.tolist())))


def _known(at: datetime) -> pl.Expr:
    """``_late``: the outcome of orders due before ``at`` (paid after the due date, or not paid by
    ``at``); null for the others.

    Only orders whose due date has passed count: were on-time orders paid early kept too, before
    the late ones among them are known, the known outcomes would lean to on time.
    """
    days_past_due = (pl.col("at_paid").dt.date() - pl.col("due")).dt.total_days()
    due_before = pl.col("due").is_not_null() & (pl.lit(at, UTC).dt.date() > pl.col("due"))
    late = pl.col("at_paid").is_null() | (pl.col("at_paid") > pl.lit(at, UTC)) | (days_past_due > 0)
    return pl.when(due_before).then(late).otherwise(None).alias("_late")


def _enough(rows: pl.DataFrame, least: int, where: str, *, least_each: int = MIN_EACH) -> None:
    """Raise when ``rows`` hold fewer than ``least`` orders, or fewer than ``least_each`` late or
    on time."""
    outcome = rows.group_by(CASE_ID).agg(pl.col("_late").last())
    late = int(outcome["_late"].sum()) if outcome.height else 0
    on_time = outcome.height - late
    if outcome.height < least or late < least_each or on_time < least_each:
        raise ArgumentError(
            f"payment_risk needs at least {least} orders with a known outcome {where}, at least "
            f"{least_each} of them paid late and {least_each} on time; it has {outcome.height} "
            f"({late} late, {on_time} on time). An order's outcome is known once its due date has "
            "passed; move the 'cut', lower 'min_orders' or use a longer log.",
            function=_FUNCTION,
            argument="min_orders",
            value=outcome.height,
            allowed=f"at least {least} orders, {least_each} late and {least_each} on time",
        )


class _Features:
    """The feature table of every snapshot row (``frame``) and how to turn rows into model input."""

    def __init__(self, log: pl.DataFrame, rows: pl.DataFrame, ideal: IdealPath | None) -> None:
        stones = find_milestones(log, ideal)
        common = (
            log.select(ACTIVITY, _case=pl.col(CASE_ID).rle_id())
            .unique()
            .group_by(ACTIVITY)
            .agg(cases=pl.len())
            .with_columns(pl.col(ACTIVITY).cast(pl.String))
            .sort(["cases", ACTIVITY], descending=[True, False])
            .head(MOST_ACTIVITIES)[ACTIVITY]
            .to_list()
        )
        counts = [
            (pl.col(ACTIVITY).cast(pl.String) == name).sum().cast(pl.Float64).alias(f"activity: {name}")
            for name in sorted(common)
        ]
        reached = [
            pl.col(TIMESTAMP).filter(pl.col(ACTIVITY) == stones[m].activity).min().alias(f"_at_{m}")
            for m in MILESTONES[:-1]
            if stones[m].activity is not None
        ]
        extra = []
        if ideal is not None:
            extra.append(
                (~pl.col(ACTIVITY).cast(pl.String).is_in(list(ideal.steps)))
                .sum()
                .cast(pl.Float64)
                .alias("off_path_events")
            )
        # every event of an order up to each of its snapshot moments (the log's order kept)
        events = (
            log.select(CASE_ID, ACTIVITY, TIMESTAMP, _repeat=repeated(log))
            .join(rows.select("_row", CASE_ID, "_at"), on=CASE_ID, how="inner", maintain_order="left")
            .filter(pl.col(TIMESTAMP) <= pl.col("_at"))
        )
        so_far = events.group_by("_row").agg(
            pl.len().cast(pl.Float64).alias("events"),
            pl.col(ACTIVITY).n_unique().cast(pl.Float64).alias("activities"),
            pl.col("_repeat").sum().cast(pl.Float64).alias("extra_executions"),
            pl.col(TIMESTAMP).max().alias("_last"),
            pl.col(ACTIVITY).last().cast(pl.String).alias("last_activity"),
            *reached,
            *extra,
            *counts,
        )
        days = lambda since: (pl.col("_at") - since).dt.total_microseconds() / US_PER_DAY  # noqa: E731
        since = [
            days(pl.col(f"_at_{m}")).alias(f"days_since_{m}") for m in MILESTONES[:-1] if stones[m].activity
        ]
        frame = rows.join(so_far, on="_row", how="left").with_columns(
            *since,
            elapsed_days=days(pl.col("first_event")),
            idle_days=days(pl.col("_last")),
            days_to_due=pl.when(pl.col("_due_known"))
            .then((pl.col("due") - pl.col("_at").dt.date()).dt.total_days().cast(pl.Float64))
            .otherwise(None),
        )
        attributes = [a for a in _case_attributes(log) if a != DUE_DATE]
        if attributes:
            values = log.group_by(CASE_ID).agg(pl.col(a).drop_nulls().first() for a in attributes)
            frame = frame.join(values, on=CASE_ID, how="left")
        frame = frame.with_columns(_value=pl.col("value"))
        numeric = ["events", "activities", "extra_executions", "elapsed_days", "idle_days", "days_to_due"]
        numeric += [f"days_since_{m}" for m in MILESTONES[:-1] if stones[m].activity is not None]
        numeric += ["off_path_events"] if ideal is not None else []
        numeric += [f"activity: {name}" for name in sorted(common)]
        if VALUE in log.columns:
            numeric.append("value")
        text = ["last_activity"]
        for a in attributes:
            dtype = log.schema[a]
            (numeric if dtype.is_integer() else text).append(a)
        self.numeric, self.text = numeric, text
        self.names = numeric + text
        self.frame = frame.with_columns(pl.col(t).cast(pl.String) for t in text).sort("_row")

    def matrix(self, rows: pl.DataFrame, categories: dict[str, list[str]]) -> pd.DataFrame:
        """Model input: numbers as floats, text as pandas categories of ``categories``."""
        table = rows.select(
            *[pl.col(n).cast(pl.Float64) for n in self.numeric],
            *[pl.col(t) for t in self.text],
        ).to_pandas()
        for t in self.text:
            kept = categories[t]
            column = table[t].where(table[t].isin(kept), other=None)
            table[t] = pd.Categorical(column, categories=kept)
        return table

    def categories(self, rows: pl.DataFrame) -> dict[str, list[str]]:
        """The most common values of each text feature in ``rows`` (the rest count as missing)."""
        found = {}
        for t in self.text:
            top = (
                rows.select(pl.col(t).drop_nulls())
                .group_by(t)
                .len()
                .sort(["len", t], descending=[True, False])
                .head(MOST_VALUES)[t]
                .to_list()
            )
            found[t] = sorted(top)
        return found


class _Model:
    """Gradient boosting on two thirds of the orders of ``rows``, Venn-Abers on the other third."""

    def __init__(self, coder: _Features, rows: pl.DataFrame, seed: int) -> None:
        from sklearn.ensemble import HistGradientBoostingClassifier

        ids = np.array(sorted(rows[CASE_ID].unique().to_list()))
        rng = np.random.default_rng(seed)
        calibrating = set(ids[rng.random(len(ids)) < CALIBRATION_SHARE].tolist())
        mask = rows[CASE_ID].is_in(sorted(calibrating)).to_numpy()
        labels = rows["_late"].to_numpy().astype(int)
        self.coder = coder
        self.categories = coder.categories(rows.filter(pl.Series(~mask)))
        self.booster = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=200,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            categorical_features="from_dtype",
            early_stopping=False,
            random_state=seed,
        )
        matrix = coder.matrix(rows, self.categories)
        with threadpool_limits(limits=1):  # one thread: the same trees on any machine, and no
            self.booster.fit(matrix[~mask], labels[~mask])  # OpenMP spinning on a busy one
        self.cal_scores = self._scores(matrix[mask])
        self.cal_labels = labels[mask]

    def _scores(self, matrix: pd.DataFrame) -> np.ndarray:
        if len(matrix) == 0:
            return np.empty(0)
        with threadpool_limits(limits=1):
            return np.asarray(self.booster.predict_proba(matrix)[:, 1])

    def predict(self, rows: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's merged probability of paying late, and its Venn-Abers interval."""
        scores = self._scores(self.coder.matrix(rows, self.categories))
        low, high = venn_abers(self.cal_scores, self.cal_labels, scores)
        return high / (1.0 - low + high), low, high


def venn_abers(
    cal_scores: np.ndarray, cal_labels: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Inductive Venn-Abers (the ``venn-abers`` package): for each score, the isotonic calibration
    of the calibration scores with the score added as on time (``low``) and as late (``high``).

    >>> low, high = venn_abers(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]), np.array([0.5]))
    >>> float(low[0]), float(high[0])
    (0.0, 1.0)
    """
    from venn_abers import VennAbers

    with warnings.catch_warnings():  # the package's "All-NaN slice" on calibration sets of one class
        warnings.simplefilter("ignore", RuntimeWarning)
        calibrator = VennAbers().fit(np.column_stack([1 - cal_scores, cal_scores]), cal_labels)
        _, low_high = calibrator.predict_proba(np.column_stack([1 - scores, scores]))
    return low_high[:, 0] + 0.0, low_high[:, 1] + 0.0  # + 0.0: no negative zero


def _backtest(
    cut: datetime,
    train: pl.DataFrame,
    test: pl.DataFrame,
    predicted: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Backtest:
    """AUC, Brier score and the calibration table of the predictions of the test rows."""
    from scipy.stats import binomtest
    from sklearn.metrics import brier_score_loss, roc_auc_score

    p, low, high = predicted
    late = test["_late"].to_numpy().astype(int)
    bins = np.minimum((p * 10).astype(int), 9)
    table = (
        pl.DataFrame({"bin": bins, "p": p, "low": low, "high": high, "late": late, CASE_ID: test[CASE_ID]})
        .group_by("bin")
        .agg(
            rows=pl.len(),
            orders=pl.col(CASE_ID).n_unique(),
            predicted=pl.col("p").mean(),
            low=pl.col("low").mean(),
            high=pl.col("high").mean(),
            _late=pl.col("late").sum(),
        )
        .sort("bin")
    )
    # an order's rows are not independent: the interval counts each order once (k late of n orders)
    intervals = [
        binomtest(round(late_rows * n / rows), n).proportion_ci(0.95, method="wilson")
        for late_rows, rows, n in table.select("_late", "rows", "orders").rows()
    ]
    calibration = table.with_columns(
        bin=pl.format("{}-{}%", pl.col("bin") * 10, pl.col("bin") * 10 + 10),
        observed=pl.col("_late") / pl.col("rows"),
        observed_low=pl.Series([i.low for i in intervals], dtype=pl.Float64),
        observed_high=pl.Series([i.high for i in intervals], dtype=pl.Float64),
    ).select(CALIBRATION_COLUMNS)
    return Backtest(
        cut=cut,
        train_orders=train[CASE_ID].n_unique(),
        train_rows=train.height,
        test_orders=test[CASE_ID].n_unique(),
        test_rows=test.height,
        late_share=float(late.mean()),
        auc=float(roc_auc_score(late, p)),
        brier=float(brier_score_loss(late, p)),
        calibration=calibration.to_pandas(),
        predictions=test.select(CASE_ID, snapshot="_at", late="_late")
        .with_columns(probability=pl.Series(p), low=pl.Series(low), high=pl.Series(high))
        .to_pandas(),
    )
