"""The core analyses on a Spark DataFrame: the shared narwhals code, plus Spark's own few parts.

PySpark is an optional dependency (``pip install o2c-toolkit[spark]``); it is imported only when
a Spark DataFrame is passed. The DataFrame holds the canonical columns of ``o2c.log``:
``case_id``, ``activity``, ``timestamp`` (a Spark ``TIMESTAMP``, an instant), and optionally
``start_timestamp``, ``source_row`` and ``value``. Without ``source_row``, events with the same
timestamp in a case keep the DataFrame's own order (``monotonically_increasing_id``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw

from o2c.errors import ColumnMappingError, check_whole
from o2c.log import ACTIVITY, CASE_ID, REQUIRED, SOURCE_ROW, START_TIMESTAMP, TIMESTAMP, VALUE
from o2c.model import ColumnMapping


def is_spark(frame: Any) -> bool:
    """Whether ``frame`` is a PySpark DataFrame (classic or Spark Connect), without importing pyspark."""
    return type(frame).__module__.startswith("pyspark.sql") and hasattr(frame, "sparkSession")


def events(frame: Any) -> nw.LazyFrame:
    """The Spark DataFrame as the narwhals frame of ``o2c._engines._frames`` (times in µs)."""
    from pyspark.sql import functions as F  # noqa: N812 (the name Spark users know)

    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ColumnMappingError(
            f"The Spark DataFrame has no column {missing[0]!r}; columns are {frame.columns}. "
            "Rename its columns to 'case_id', 'activity', 'timestamp' (frame.withColumnRenamed).",
            column=missing[0],
        )
    time = F.unix_micros(F.col(TIMESTAMP).cast("timestamp"))
    start = time
    if START_TIMESTAMP in frame.columns:
        start = F.coalesce(F.unix_micros(F.col(START_TIMESTAMP).cast("timestamp")), time)
    row = F.col(SOURCE_ROW) if SOURCE_ROW in frame.columns else F.monotonically_increasing_id() + 1
    columns = [
        F.col(CASE_ID).cast("string").alias(CASE_ID),
        F.col(ACTIVITY).cast("string").alias(ACTIVITY),
        time.alias("time_us"),
        start.alias("start_us"),
        row.cast("long").alias(SOURCE_ROW),
    ]
    if VALUE in frame.columns:
        columns.append(F.col(VALUE).cast("double").alias(VALUE))
    if START_TIMESTAMP in frame.columns:
        columns.append(F.col(START_TIMESTAMP).isNotNull().alias("start_known"))
    return nw.from_native(frame.select(*columns))


def traces(frame: Any) -> nw.LazyFrame:
    """One row per case: ``case_id``, ``trace`` (its activities in log order) and ``lead`` (µs),
    made by Spark."""
    from pyspark.sql import functions as F  # noqa: N812 (the name Spark users know)

    native = nw.to_native(events(frame))
    ordered = F.sort_array(F.collect_list(F.struct("time_us", SOURCE_ROW, ACTIVITY)))
    per_case = native.groupBy(CASE_ID).agg(
        ordered[ACTIVITY].alias("trace"), (F.max("time_us") - F.min("start_us")).alias("lead")
    )
    return nw.from_native(per_case.select(CASE_ID, "trace", "lead"))


def approximate_waits(accuracy: int) -> Any:
    """``_frames.edge_waits`` with Spark's ``percentile_approx`` at ``accuracy`` for median and p90."""
    check_whole(accuracy, argument="accuracy", function="waiting_times")

    def aggregate(transitions: nw.LazyFrame, *, overlap_as_zero: bool = False) -> nw.LazyFrame:
        from pyspark.sql import functions as F  # noqa: N812 (the name Spark users know)

        wait = F.greatest(F.col("wait"), F.lit(0)) if overlap_as_zero else F.col("wait")
        native = (
            nw.to_native(transitions)
            .groupBy("source", "target")
            .agg(
                F.count(F.lit(1)).alias("transitions"),
                F.countDistinct(CASE_ID).alias("cases"),
                F.percentile_approx(wait, 0.5, accuracy).alias("wait_median"),
                F.avg(wait).alias("wait_mean"),
                F.percentile_approx(wait, 0.9, accuracy).alias("wait_p90"),
                F.max(wait).alias("wait_max"),
                F.sum(wait).alias("wait_total"),
                F.sum(F.when(F.col("wait") < 0, 1).otherwise(0)).alias("overlaps"),
            )
        )
        return nw.from_native(native)

    return aggregate


def read_parquet(
    source: str | Path, *, mapping: Any = None, session: Any = None
) -> tuple[Any, list[str], ColumnMapping]:
    """A Parquet file or folder of them as the Spark DataFrame the verbs take (``o2c assess
    --engine spark``): the mapped columns (``mapping`` as for ``o2c.read_log``; roles left open
    are guessed from the names) renamed to ``case_id``, ``activity``, ``timestamp`` and, where
    mapped, ``start_timestamp`` and ``value``; a ``source_row`` column of the file is kept (else
    events at the same time in a case keep Spark's reading order). ``session``: a
    ``SparkSession``, by default a local one on every core, in UTC. Returns the DataFrame, the
    files read and the mapping used.
    """
    import polars as pl
    import pyarrow.parquet as pq

    from o2c.errors import InputFileError
    from o2c.io._mapping import as_mapping, resolve

    path = Path(source)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise InputFileError(f"No Parquet file at {path}.", path=path)
    try:
        first = pq.ParquetFile(files[0])
        sample = pl.from_arrow(next(first.iter_batches(batch_size=1000), first.schema_arrow.empty_table()))
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise InputFileError(f"{path} could not be read as Parquet: {exc}", path=path) from exc
    assert isinstance(sample, pl.DataFrame)
    resolved = resolve(as_mapping(mapping), sample.columns, path=str(path), sample=sample)
    roles = resolved.roles()
    if session is None:
        session = local_session()
    frame = session.read.parquet(*[str(f) for f in files])
    kept = [r for r in (CASE_ID, ACTIVITY, TIMESTAMP, START_TIMESTAMP, VALUE) if r in roles]
    columns = [frame[roles[r]].alias(r) for r in kept]
    if SOURCE_ROW in frame.columns and SOURCE_ROW not in roles.values():
        columns.append(frame[SOURCE_ROW])
    return frame.select(*columns), [str(f) for f in files], resolved


def local_session() -> Any:
    """A local ``SparkSession`` on every core, in UTC, without its web UI (the one already running
    in this process, if any)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyspark warns that it does not yet fully support pandas 3
            from pyspark.sql import SparkSession
    except ImportError as exc:
        from o2c.errors import ArgumentError

        raise ArgumentError(
            "The Spark engine needs PySpark (and Java): pip install o2c-toolkit[spark].",
            argument="engine",
            value="spark",
        ) from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (
            SparkSession.builder.master("local[*]")
            .appName("o2c")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    return session
