"""Read XES (.xes, .xes.gz) with rustxes, falling back to pm4py's importer."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import rustxes

from o2c import _pm4py
from o2c.errors import InputFileError
from o2c.log import SOURCE_ROW

#: The XES keys of the canonical roles.
XES_ROLES = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "lifecycle": "lifecycle:transition",
}


def read_xes(path: Path) -> tuple[pl.DataFrame, str]:
    """The events of an XES file in file order with ``source_row`` (1 = first event), and the reader used.

    Trace attributes lose their ``case:`` prefix unless an event attribute has the same name.
    Typed timestamps are UTC.
    """
    try:
        frame, _attributes = rustxes.import_xes(str(path))
        reader = "rustxes"
    except Exception as rust_error:  # rustxes raises plain exceptions; pm4py is the fallback
        try:
            frame = pl.from_pandas(_pm4py.read_xes(str(path)))
        except Exception as exc:
            raise InputFileError(
                f"{path.name} could not be read as XES (rustxes: {rust_error}; pm4py: {exc}).", path=path
            ) from exc
        reader = "pm4py"
    if "concept:name" not in frame.columns or "case:concept:name" not in frame.columns:
        raise InputFileError(
            f"{path.name} has no events with concept:name in traces with concept:name; "
            f"attributes found: {sorted(frame.columns)}.",
            path=path,
        )
    columns = [c for c in XES_ROLES.values() if c in frame.columns]
    columns += sorted(c for c in frame.columns if c not in columns)
    # Trace attributes lose their "case:" prefix where that names no other attribute.
    taken = set(frame.columns)
    plain = {
        c: c.removeprefix("case:")
        for c in columns
        if c.startswith("case:") and c not in XES_ROLES.values() and c.removeprefix("case:") not in taken
    }
    frame = frame.rename(plain)
    columns = [plain.get(c, c) for c in columns]
    frame = (
        frame.select(columns)
        .with_row_index(SOURCE_ROW, offset=1)
        .with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    )
    return frame, reader
