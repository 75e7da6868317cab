"""How result tables are shaped, whichever engine computed them: durations and the order of edges.

The in-memory analyses (``o2c.discovery``, ``o2c.performance``, ``o2c.rework``) and the DuckDB
and Spark engines (``o2c._engines``) share these, so that every engine returns the same
Timedeltas and the same row order; they live below both.
"""

from __future__ import annotations

import polars as pl

#: Microseconds in a day (durations are held in µs; value-days and days past due divide by it).
US_PER_DAY = 86_400_000_000


def duration_from_microseconds(microseconds: pl.Expr) -> pl.Expr:
    """A (float) number of microseconds as a duration, rounded to the microsecond.

    Microseconds, not nanoseconds: a total over millions of waits exceeds the 292 years that
    nanoseconds can hold.

    >>> pl.select(duration_from_microseconds(pl.lit(1.5e6)))["literal"][0]
    datetime.timedelta(seconds=1, microseconds=500000)
    """
    return microseconds.round().cast(pl.Int64).cast(pl.Duration("us"))


def sort_edges(edges: pl.DataFrame) -> pl.DataFrame:
    """Edges with names as text, most transitions first, ties by ``source`` and ``target`` name.

    >>> edges = pl.DataFrame({"source": ["b", "a", "a"], "target": ["c", "c", "b"], "transitions": [1, 1, 2]})
    >>> sort_edges(edges).rows()
    [('a', 'b', 2), ('a', 'c', 1), ('b', 'c', 1)]
    """
    edges = edges.with_columns(pl.col("source", "target").cast(pl.String))
    return edges.sort(["transitions", "source", "target"], descending=[True, False, False])
