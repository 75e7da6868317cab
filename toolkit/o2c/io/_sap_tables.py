"""What the readers of SAP table exports share (VBFA in ``_sap``, CDHDR and CDPOS in
``_changes``): column names as SAP writes them, cells as clean text, and a zip member read whole.

>>> import polars as pl
>>> frame = sap_columns(pl.DataFrame({' "vbeln" ': [" 42 ", ""]}), required=("VBELN",),
...                     name="VBFA.csv", path=None, table="VBFA", kind="document flow")
>>> frame.select(sap_text(frame, "VBELN"), sap_text(frame, "ERDAT").alias("ERDAT")).rows()
[('42', None), (None, None)]
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl

from o2c.errors import ColumnMappingError, InputFileError, did_you_mean
from o2c.io._inflate import inflate
from o2c.log import SOURCE_ROW


def sap_name(column: str) -> str:
    """A column name as SAP writes it: no blanks or quotes around it, upper case."""
    return column.strip().strip('"').upper()


def sap_columns(
    frame: pl.DataFrame, *, required: tuple[str, ...], name: str, path: Path | None, table: str, kind: str
) -> pl.DataFrame:
    """``frame`` with SAP's column names (``sap_name``); a ``ColumnMappingError`` naming the file
    ``name``, the first of the ``required`` columns missing and the columns found otherwise."""
    renamed = frame.rename({c: sap_name(c) for c in frame.columns if c != SOURCE_ROW})
    missing = [c for c in required if c not in renamed.columns]
    if missing:
        columns = [c for c in frame.columns if c != SOURCE_ROW]
        hint = did_you_mean(missing[0], columns)
        raise ColumnMappingError(
            f"{name} has no column {missing[0]!r}: not a {table} export ({kind}).\n"
            f"  columns in the file: {', '.join(repr(c) for c in columns[:20])}\n"
            + (f" {hint.strip()}\n" if hint else "")
            + f"  {table} needs {', '.join(required)}.",
            path=path,
            column=missing[0],
        )
    return renamed


def sap_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """Column ``name`` of ``frame`` as text without surrounding blanks, empty as null; all null
    when the export has no such column."""
    if name not in frame.columns:
        return pl.lit(None, pl.String)
    return pl.col(name).cast(pl.String).str.strip_chars().replace("", None)


def encrypted(archive: zipfile.ZipFile, member: str) -> bool:
    """True when the member is password-protected (bit 0 of its general purpose flag)."""
    return bool(archive.getinfo(member).flag_bits & 0x1)


def read_member(archive: zipfile.ZipFile, member: str, *, path: Path, limit: int) -> bytes:
    """The zip member ``member`` of ``path``, inflated within ``limit`` bytes; an
    ``InputFileError`` when it is password-protected."""
    if encrypted(archive, member):
        raise InputFileError(
            f"{path.name}: {member} is encrypted; extract it with its password first.", path=path
        )
    with archive.open(member) as handle:
        return inflate(handle, limit=limit, path=path, what=f"{path.name}: {member}")
