"""Many groups of one pooled sample, each compared with the rest of it, the sample ranked once.

``o2c.drivers`` and ``o2c.late_payment_drivers`` compare, for every attribute value, the
waits of the cases with that value against those of all the other cases
(``PooledSample.compare_groups``: the with/without table both build on). Calling
``scipy.stats.mannwhitneyu`` per value ranks the whole sample again each time (seconds per
edge on a 10M-event log); here the sample is sorted and ranked once, and each group costs
time in its own size only. The p-value is scipy's two-sided test: its normal approximation
with tie and continuity correction, term by term, and scipy itself where scipy would
compute the exact distribution (both groups of 8 or fewer, or one of them, without ties).

Examples
--------
>>> import numpy as np
>>> pooled = PooledSample(np.array([5.0, 1.0, 7.0, 3.0, 9.0, 2.0]))
>>> pooled.compare(np.array([0, 2, 4]))  # 5, 7, 9 against 1, 3, 2: the exact test, 2/20
(7.0, 2.0, 0.1)
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import special
from scipy.stats import mannwhitneyu


class PooledSample:
    """A sample of numbers, sorted and ranked once, whose groups (row numbers) are compared with the rest.

    >>> pooled = PooledSample(np.arange(20.0))
    >>> median, others, p = pooled.compare(np.arange(10, 20))
    >>> median, others, round(p, 6)
    (14.5, 4.5, 0.000183)
    """

    def __init__(self, sample: np.ndarray) -> None:
        self.sample = np.asarray(sample, dtype=np.float64)
        order = np.argsort(self.sample, kind="stable")
        self.sorted = self.sample[order]
        self.position = np.empty(len(order), dtype=np.int64)
        self.position[order] = np.arange(len(order))
        # average ranks from the one sort (scipy's rankdata 'average'): a run of equal values
        # starting at sorted place i with c values shares the rank i + (c + 1) / 2
        starts = np.flatnonzero(np.r_[True, self.sorted[1:] != self.sorted[:-1]]) if len(order) else order
        counts = np.diff(np.r_[starts, len(order)])
        self.ranks = np.repeat(starts + (counts + 1) / 2, counts)[self.position]
        self.tie_term = float(np.sum(counts.astype(np.float64) ** 3 - counts))
        self.ties = bool((counts > 1).any())

    def compare(self, rows: np.ndarray) -> tuple[float, float, float]:
        """Median of the sample at ``rows`` (distinct row numbers), median of the other rows, and
        the two-sided Mann-Whitney U p-value of the two (``scipy.stats.mannwhitneyu``'s).

        Both groups must have at least one row.
        """
        rows = np.sort(np.asarray(rows, dtype=np.int64))
        n, n1 = len(self.sample), len(rows)
        n2 = n - n1
        places = np.sort(self.position[rows])
        median = self._median_of(places, n1)
        # the others' k-th smallest: before it in sorted order lie k others and the group's
        # places p_j with p_j - j <= k
        below = places - np.arange(n1)
        others = self._median_of_complement(below, n2)
        if not self.ties and (n1 <= 8 or n2 <= 8):  # scipy's choice of its exact test
            inside = np.zeros(n, dtype=bool)
            inside[rows] = True
            exact = mannwhitneyu(self.sample[inside], self.sample[~inside], alternative="two-sided")
            return median, others, float(exact.pvalue)
        u1 = float(np.sum(self.ranks[rows])) - n1 * (n1 + 1) / 2
        u = max(u1, n1 * n2 - u1)
        spread = np.sqrt(n1 * n2 / 12 * ((n + 1) - self.tie_term / (n * (n - 1))))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (u - n1 * n2 / 2 - 0.5) / spread
        return median, others, float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))

    def compare_groups(self, groups: pl.DataFrame, *, rows: str = "rows") -> pl.DataFrame:
        """``compare`` for each group: ``groups`` with its list column ``rows`` (distinct row numbers;
        each group and the rest non-empty) replaced by ``_median`` (of the sample at those rows),
        ``_others`` (of the other rows) and ``p_value`` (Float64 columns).

        >>> pooled = PooledSample(np.array([5.0, 1.0, 7.0, 3.0, 9.0, 2.0]))
        >>> groups = pl.DataFrame({"group": ["odd", "first"], "rows": [[0, 2, 4], [0]]})
        >>> pooled.compare_groups(groups).rows()
        [('odd', 7.0, 2.0, 0.1), ('first', 5.0, 3.0, 1.0)]
        """
        compared = [self.compare(members) for members in row_groups(groups[rows])] if groups.height else []
        found = pl.DataFrame(
            compared,
            schema={"_median": pl.Float64, "_others": pl.Float64, "p_value": pl.Float64},
            orient="row",
        )
        return pl.concat([groups.drop(rows), found], how="horizontal")

    def _median_of(self, places: np.ndarray, size: int) -> float:
        middle = places[(size - 1) // 2], places[size // 2]
        return float(np.mean(self.sorted[list(middle)]))

    def _median_of_complement(self, below: np.ndarray, size: int) -> float:
        ks = np.array([(size - 1) // 2, size // 2])
        middle = ks + np.searchsorted(below, ks, side="right")
        return float(np.mean(self.sorted[middle]))


def row_groups(lists: pl.Series) -> list[np.ndarray]:
    """A polars column of non-empty lists of row numbers as one numpy array per list.

    Much cheaper than ``to_list`` for groups of a million rows: one flat array, split.

    >>> [a.tolist() for a in row_groups(pl.Series([[0, 2], [1]]))]
    [[0, 2], [1]]
    """
    flat = lists.explode().to_numpy().astype(np.int64)
    return np.split(flat, np.cumsum(lists.list.len().to_numpy())[:-1])


def share_interval(
    a: tuple[int, int],
    b: tuple[int, int],
    rng: np.random.Generator,
    resamples: int,
    quantiles: tuple[float, float],
) -> tuple[float, float]:
    """Percentile interval of the difference of two shares (count, of orders), B minus A, from the
    Poisson bootstrap: the orders with and without drawn as Poisson counts of their numbers
    (``o2c.compare``'s shares, ``o2c.time_only_steps``' payment on time).

    >>> low, high = share_interval((50, 100), (50, 100), np.random.default_rng(0), 2000, (0.025, 0.975))
    >>> bool(low < 0 < high), bool(-0.2 < low and high < 0.2)
    (True, True)
    """
    draws = [rng.poisson([k, n - k], size=(resamples, 2)) for k, n in (a, b)]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = [d[:, 0] / d.sum(axis=1) for d in draws]
    diff = shares[1] - shares[0]
    if not np.isfinite(diff).any():
        return (math.nan, math.nan)
    low, high = np.nanquantile(diff, quantiles)
    return float(low), float(high)
