"""Read Parquet with polars; ``source_row`` is the row's position (first row = 1)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from o2c.errors import InputFileError
from o2c.log import SOURCE_ROW


def read_parquet(path: Path) -> pl.DataFrame:
    """The rows of a Parquet file with ``source_row`` (an existing one is kept)."""
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for broken files
        raise InputFileError(f"{path.name} could not be read as Parquet: {exc}", path=path) from exc
    if SOURCE_ROW in frame.columns:
        return frame.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    return frame.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
