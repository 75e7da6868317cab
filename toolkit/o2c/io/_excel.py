"""Read an Excel workbook (.xlsx, .xls) with calamine: one sheet, every cell as text."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from o2c.errors import InputFileError, did_you_mean
from o2c.log import SOURCE_ROW


def sheet_names(path: Path) -> list[str]:
    """The sheet names of the workbook at ``path``."""
    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel raises its own error types
        raise InputFileError(f"{path.name} could not be read as an Excel workbook: {exc}", path=path) from exc


def read_excel(path: Path, sheet: str) -> pl.DataFrame:
    """The rows of ``sheet`` as text, header in row 1, ``source_row`` as Excel numbers rows."""
    names = sheet_names(path)
    if sheet not in names:
        raise InputFileError(
            f"{path.name} has no sheet {sheet!r}; sheets are {names}." + did_you_mean(sheet, names),
            path=path,
        )
    frame = pl.read_excel(path, sheet_name=sheet, engine="calamine", infer_schema_length=0)
    return frame.with_row_index(SOURCE_ROW, offset=2).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
