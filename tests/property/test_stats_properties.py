"""``o2c._stats.PooledSample`` gives numpy's medians and scipy's Mann-Whitney U p-values exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu

from o2c._stats import PooledSample


@st.composite
def samples_and_groups(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A sample (with or without ties) and a group of distinct rows leaving at least one row out."""
    size = draw(st.integers(2, 40))
    values = st.integers(0, 6) if draw(st.booleans()) else st.floats(-1e6, 1e6, allow_nan=False)
    sample = np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=float)
    rows = draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=size - 1))
    return sample, np.array(sorted(rows), dtype=np.int64)


@settings(max_examples=300, deadline=None)
@given(samples_and_groups())
def test_compare_equals_numpy_and_scipy(drawn: tuple[np.ndarray, np.ndarray]) -> None:
    sample, rows = drawn
    inside = np.zeros(len(sample), dtype=bool)
    inside[rows] = True
    median, others, p_value = PooledSample(sample).compare(rows[::-1])  # any order of rows
    assert median == np.median(sample[inside])
    assert others == np.median(sample[~inside])
    assert p_value == mannwhitneyu(sample[inside], sample[~inside], alternative="two-sided").pvalue
