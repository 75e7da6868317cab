"""SAP change documents (tables CDHDR and CDPOS) beside a VBFA export -> change events of the orders.

SAP records every change of a business object in two tables: **CDHDR**, one row per change
(``OBJECTCLAS``, ``OBJECTID``, ``CHANGENR``; who: ``USERNAME``, when: ``UDATE`` + ``UTIME``,
with which transaction: ``TCODE``), and **CDPOS**, one row per changed field of that change
(the same three keys; ``TABNAME``, ``TABKEY``, ``FNAME``, ``CHNGIND``, ``VALUE_OLD``,
``VALUE_NEW``). When they are exported as CSV files beside the VBFA table (files named
``CDHDR*.csv`` and ``CDPOS*.csv`` in the same folder, or members of the same zip; any case,
``.csv``, ``.txt`` or ``.tsv``; several files of a table are read together),
``o2c.read_sap_document_flow`` adds one event per change item to the orders:

- items are joined to their header on (``MANDANT`` when both tables have it, ``OBJECTCLAS``,
  ``OBJECTID``, ``CHANGENR``);
- the changed object is placed by its class (``OBJECT_CLASSES``): ``VERKBELEG`` is a sales
  document, ``LIEFERUNG`` a delivery, ``FAKTBELEG`` a billing document; ``OBJECTID`` is its
  number (leading zeros ignored). A sales order that is a case of the log is its own order; any
  other document belongs to the orders where the document flow placed it (a collective invoice's
  change is an event in each of its orders). Of a number the flow dates at several times (a
  reused number), the latest creation no later than the change is taken;
- the event: ``activity`` ``Change <TABNAME>-<FNAME>`` (``Change VBAP-NETWR``), or
  ``Insert <TABNAME>`` / ``Delete <TABNAME>`` for a whole row inserted or deleted
  (``FNAME`` = ``KEY``, ``CHNGIND`` I or D); ``timestamp`` from ``UDATE`` + ``UTIME`` read in the
  timezone of ``ERDAT``/``ERZET`` and stored in UTC; ``resource`` ``USERNAME``; ``source_row``
  the CDPOS row and ``source_file`` its file (the document events get the VBFA file's name);
  attributes ``change_table``, ``change_field``, ``value_old``, ``value_new``,
  ``change_indicator``, ``change_object_class``, ``change_object_id``, ``change_number`` and
  ``change_tcode``; ``value`` and ``currency`` are the order's, as on its other events;
- every row of both tables ends in the log or in ``rejects`` with one reason, the first that
  applies. A CDHDR row: ``missing_document`` (no ``OBJECTCLAS``, ``OBJECTID`` or ``CHANGENR``),
  ``unparseable_timestamp`` / ``nonexistent_local_time`` (``UDATE``/``UTIME``),
  ``duplicate_event`` (the keys of an earlier row), ``no_change_items`` (no CDPOS row has its
  keys), else the reason of its items when none of them is placed. A CDPOS row:
  ``missing_document`` (a key or ``TABNAME``/``FNAME`` missing), ``no_change_header`` (no CDHDR
  row has its keys), the reason of its header when that was rejected, ``unknown_object_class``
  (a class not in ``OBJECT_CLASSES``), ``no_sales_order`` (the document is no order of the log
  and the flow placed it in none).

``o2c.rekeyed_values`` reads these events as its third source of re-keyed data
(``source="change documents"``).

Examples
--------
>>> import tempfile, pathlib
>>> from o2c.io._sap import read_sap_document_flow
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "VBFA.csv").write_text("VBELV,VBTYP_V,VBELN,VBTYP_N,ERDAT,ERZET\\n"
...                                       "0000000001,C,0080000001,J,20250106,101525\\n")
>>> _ = (folder / "CDHDR.csv").write_text("OBJECTCLAS,OBJECTID,CHANGENR,USERNAME,UDATE,UTIME,TCODE\\n"
...                                        "VERKBELEG,0000000001,0000000042,ANN,20250107,090000,VA02\\n")
>>> _ = (folder / "CDPOS.csv").write_text(
...     "OBJECTCLAS,OBJECTID,CHANGENR,TABNAME,TABKEY,FNAME,CHNGIND,VALUE_NEW,VALUE_OLD\\n"
...     "VERKBELEG,0000000001,0000000042,VBAP,0000000001000010,NETWR,U,90.00,100.00\\n")
>>> loaded = read_sap_document_flow(folder / "VBFA.csv")
>>> loaded.log.select("activity", "resource", "value_old", "value_new").rows()
[('Create Delivery', None, None, None), ('Change VBAP-NETWR', 'ANN', '100.00', '90.00')]
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from o2c.errors import InputFileError
from o2c.io._csv import read_csv
from o2c.io._inflate import MAX_INFLATED_BYTES
from o2c.io._sap_tables import read_member, sap_columns, sap_text
from o2c.io._timestamps import in_zone
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    RESOURCE,
    SOURCE_ROW,
    TIMESTAMP,
    UTC,
    VALUE,
    Reason,
    empty_rejects,
)

#: The object classes whose changes are placed, and the VBFA document types (VBTYP) each names.
OBJECT_CLASSES: dict[str, tuple[str, ...]] = {
    "VERKBELEG": ("A", "B", "C", "E", "F", "G", "H", "I", "K", "L", "0", "b", "d"),
    "LIEFERUNG": ("J", "T", "7", "c"),
    "FAKTBELEG": ("M", "N", "O", "P", "S", "U", "3", "4", "5", "6", "f"),
}

#: The columns each table needs; ``MANDANT``, ``USERNAME``, ``TCODE``, ``TABKEY`` and
#: ``CHNGIND`` are used when present.
HEADER_COLUMNS = ("OBJECTCLAS", "OBJECTID", "CHANGENR", "UDATE", "UTIME")
ITEM_COLUMNS = ("OBJECTCLAS", "OBJECTID", "CHANGENR", "TABNAME", "FNAME", "VALUE_NEW", "VALUE_OLD")

#: The attribute columns of a change event (``o2c.rekeyed_values`` reads them).
CHANGE_COLUMNS = (
    "change_table",
    "change_field",
    "value_old",
    "value_new",
    "change_indicator",
    "change_object_class",
    "change_object_id",
    "change_number",
    "change_tcode",
)

_SUFFIXES = (".csv", ".txt", ".tsv")
_KEYS = ["OBJECTCLAS", "OBJECTID", "CHANGENR"]
_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%d.%m.%Y")
_TIME_FORMATS = ("%H%M%S", "%H:%M:%S")


@dataclass(frozen=True)
class ChangeDocuments:
    """The change events, the rejected rows of CDHDR and CDPOS, and what was read."""

    events: pl.DataFrame
    rejects: pl.DataFrame
    notes: dict[str, Any]


@dataclass(frozen=True)
class _Table:
    name: str  # the file or member name, for messages and rejects
    path: Path  # the file (or the zip holding it)
    data: bytes
    on_disk: bool


def find_change_tables(
    path: Path, data: bytes, *, max_inflated_bytes: int = MAX_INFLATED_BYTES
) -> tuple[list[_Table], list[_Table]]:
    """The CDHDR and CDPOS files beside ``path`` (a VBFA file whose bytes are ``data``), or
    members of its zip."""
    tables: dict[str, list[_Table]] = {"cdhdr": [], "cdpos": []}
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                kind = _kind(Path(info.filename).name)
                if info.is_dir() or kind is None:
                    continue
                inflated = read_member(archive, info.filename, path=path, limit=max_inflated_bytes)
                tables[kind].append(_Table(info.filename, path, inflated, on_disk=False))
    else:
        for file in sorted(path.parent.iterdir()):
            kind = _kind(file.name)
            if kind is not None and file.is_file():
                tables[kind].append(_Table(file.name, file, file.read_bytes(), on_disk=True))
    headers, items = tables["cdhdr"], tables["cdpos"]
    if bool(headers) != bool(items):
        found, missing = ("CDHDR", "CDPOS") if headers else ("CDPOS", "CDHDR")
        names = ", ".join(t.name for t in headers or items)
        raise InputFileError(
            f"{path.name}: change documents need both tables; found {found} ({names}) but no {missing} "
            f"file (named like {missing}*.csv) beside it.",
            path=path,
        )
    return headers, items


def read_change_documents(
    headers: list[_Table], items: list[_Table], log: pl.DataFrame, *, timezone: str
) -> ChangeDocuments:
    """One event per placed CDPOS row of ``items`` (joined to ``headers``) in the orders of
    ``log`` (the VBFA log); every other row of both tables rejected with a reason."""
    header_frame, header_bad, header_rows = _read_all(headers, HEADER_COLUMNS, "CDHDR")
    item_frame, item_bad, item_rows = _read_all(items, ITEM_COLUMNS, "CDPOS")
    mandant = "MANDANT" in header_frame.columns and "MANDANT" in item_frame.columns
    keys = (["MANDANT"] if mandant else []) + _KEYS
    head = _headers(header_frame, keys, timezone)
    item = _items(item_frame, keys)
    placed, item_reasons = _join(head, item, keys, log)
    header_rejects = _header_rejects(head, item, item_reasons, placed, keys)
    events = _events(placed, log)
    rejects = pl.concat([header_bad, item_bad, header_rejects, item_reasons.select(empty_rejects().columns)])
    notes = {
        "files": [t.name for t in headers + items],
        "rows_by_file": {**header_rows, **item_rows},
        "changes": events.height,
        "items_placed": placed.select("_file", SOURCE_ROW).n_unique(),
        "headers_placed": placed.select("_hfile", "_hrow").n_unique(),
    }
    return ChangeDocuments(events, rejects.sort("source_file", SOURCE_ROW, maintain_order=True), notes)


# --- reading ---------------------------------------------------------------------------------------


def _kind(name: str) -> str | None:
    lower = name.lower()
    if not lower.endswith(_SUFFIXES):
        return None
    for kind in ("cdhdr", "cdpos"):
        if lower.startswith(kind):
            return kind
    return None


def _read_all(
    tables: list[_Table], required: tuple[str, ...], what: str
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """The tables' rows (text, upper-case column names, ``_file``), their malformed lines as
    rejects, and the rows read."""
    frames, bad, rows = [], [], {}
    for table in tables:
        read = read_csv(table.path if table.on_disk else Path(table.name), table.data, on_disk=table.on_disk)
        frame = sap_columns(
            read.frame,
            required=required,
            name=table.name,
            path=table.path,
            table=what,
            kind="change documents",
        )
        frames.append(frame.with_columns(_file=pl.lit(table.name)))
        bad.append(
            read.malformed.with_columns(source_file=pl.lit(table.name)).select(empty_rejects().columns)
        )
        rows[table.name] = read.rows
    return pl.concat(frames, how="diagonal_relaxed"), pl.concat(bad), rows


def _headers(frame: pl.DataFrame, keys: list[str], timezone: str) -> pl.DataFrame:
    """CDHDR rows with clean keys, the UTC time of the change and a reason for unusable rows."""
    date = sap_text(frame, "UDATE")
    time = sap_text(frame, "UTIME")
    local = pl.coalesce(
        [
            pl.concat_str(date, time, separator=" ").str.to_datetime(f"{d} {t}", strict=False, time_unit="us")
            for d in _DATE_FORMATS
            for t in _TIME_FORMATS
        ]
    )
    head = frame.select(
        "_file",
        SOURCE_ROW,
        *[sap_text(frame, k).alias(k) for k in keys],
        user=sap_text(frame, "USERNAME"),
        tcode=sap_text(frame, "TCODE"),
        udate=date,
        utime=time,
        _local=local,
    ).with_columns(**{TIMESTAMP: in_zone(pl.col("_local"), timezone).dt.convert_time_zone("UTC").cast(UTC)})
    _check_dates(head)
    first = pl.int_range(pl.len()).over(keys, order_by=["_file", SOURCE_ROW]) == 0
    missing = pl.any_horizontal(pl.col(k).is_null() for k in keys)
    reason = (
        pl.when(missing)
        .then(pl.lit(str(Reason.MISSING_DOCUMENT)))
        .when(pl.col(TIMESTAMP).is_null() & pl.col("_local").is_not_null())
        .then(pl.lit(str(Reason.NONEXISTENT_LOCAL_TIME)))
        .when(pl.col(TIMESTAMP).is_null())
        .then(pl.lit(str(Reason.UNPARSEABLE_TIMESTAMP)))
        .when(~first)
        .then(pl.lit(str(Reason.DUPLICATE_EVENT)))
    )
    column = (
        pl.when(missing)
        .then(pl.coalesce([pl.when(pl.col(k).is_null()).then(pl.lit(k)) for k in keys]))
        .when(pl.col(TIMESTAMP).is_null())
        .then(pl.lit("UDATE"))
        .otherwise(pl.lit("CHANGENR"))
    )
    value = (
        pl.when(pl.col(TIMESTAMP).is_null() & ~missing)
        .then(pl.concat_str(pl.col("udate").fill_null(""), pl.col("utime").fill_null(""), separator=" "))
        .otherwise(pl.concat_str([pl.col(k).fill_null("") for k in _KEYS], separator=" "))
    )
    return head.with_columns(reason=reason, column=column, value=value).drop("_local")


def _check_dates(head: pl.DataFrame) -> None:
    """An ``InputFileError`` when no row's ``UDATE``/``UTIME`` reads as a date and time: the
    export's format is not one SAP writes, and every change would be rejected."""
    written = head.filter(pl.col("udate").is_not_null())
    if written.height and written["_local"].is_null().all():
        row = written.row(0, named=True)
        raise InputFileError(
            f"{row['_file']}: column UDATE (with UTIME), row {row[SOURCE_ROW]}: {row['udate']!r} {row['utime']!r} "
            "is not a date and time, nor is any other row's; SAP writes YYYYMMDD and HHMMSS "
            "(YYYY-MM-DD, DD.MM.YYYY and HH:MM:SS are read too).",
            path=row["_file"],
            column="UDATE",
            rows=[row[SOURCE_ROW]],
        )


def _items(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """CDPOS rows with clean keys and a reason when a key or the field is missing."""
    item = frame.select(
        "_file",
        SOURCE_ROW,
        *[sap_text(frame, k).alias(k) for k in keys],
        table=sap_text(frame, "TABNAME"),
        field=sap_text(frame, "FNAME"),
        indicator=sap_text(frame, "CHNGIND"),
        new=sap_text(frame, "VALUE_NEW"),
        old=sap_text(frame, "VALUE_OLD"),
    )
    needed = [*keys, "table", "field"]
    names = {"table": "TABNAME", "field": "FNAME"}
    missing = pl.any_horizontal(pl.col(k).is_null() for k in needed)
    return item.with_columns(
        reason=pl.when(missing).then(pl.lit(str(Reason.MISSING_DOCUMENT))),
        column=pl.coalesce([pl.when(pl.col(k).is_null()).then(pl.lit(names.get(k, k))) for k in needed]),
    )


def _number(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars_start("0").replace("", "0")


def _places(log: pl.DataFrame) -> pl.DataFrame:
    """(object class, number, order, created): where a changed object may belong."""
    documents = log.select(CASE_ID, "document_type", "document", created=TIMESTAMP).drop_nulls("document")
    orders = (
        log.select(CASE_ID)
        .unique()
        .select(CASE_ID, document_type=pl.lit("C"), document=pl.col(CASE_ID), created=pl.lit(None, UTC))
    )
    typed = pl.concat([orders, documents])
    by_class = pl.DataFrame(
        [(cls, t) for cls, types in OBJECT_CLASSES.items() for t in types],
        schema={"OBJECTCLAS": pl.String, "document_type": pl.String},
        orient="row",
    )
    return typed.join(by_class, on="document_type").select(
        "OBJECTCLAS", CASE_ID, "created", _number=_number("document")
    )


def _join(
    head: pl.DataFrame, item: pl.DataFrame, keys: list[str], log: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The placed items (one row per item and order) and the rejected items with reasons."""
    headers = head.filter(pl.col("reason").is_null() | (pl.col("reason") == str(Reason.DUPLICATE_EVENT)))
    usable = headers.filter(pl.col("reason").is_null()).select(
        *keys, "user", "tcode", TIMESTAMP, _hfile="_file", _hrow=SOURCE_ROW
    )
    # the first header row of each key, rejected or not: an item follows its header's fate
    fate = (
        head.sort("_file", SOURCE_ROW)
        .filter(pl.col("reason").is_null() | (pl.col("reason") != str(Reason.DUPLICATE_EVENT)))
        .unique(keys, keep="first", maintain_order=True)
        .select(*keys, _hreason="reason", _hcolumn="column", _hvalue="value")
    )
    joined = (
        item.join(usable, on=keys, how="left", nulls_equal=False)
        .join(fate, on=keys, how="left")
        .with_columns(_number=_number("OBJECTID"))
    )
    placed_all = joined.filter(pl.col("reason").is_null() & pl.col("_hrow").is_not_null()).join(
        _places(log), on=["OBJECTCLAS", "_number"]
    )
    no_later = pl.col("created").is_null() | (pl.col("created") <= pl.col(TIMESTAMP))
    placed = (
        placed_all.sort(
            [no_later, pl.col("created")], descending=[True, True], nulls_last=False, maintain_order=True
        )
        .unique(["_file", SOURCE_ROW, CASE_ID], keep="first", maintain_order=True)
        .sort("_file", SOURCE_ROW, CASE_ID)
    )
    is_placed = pl.struct("_file", SOURCE_ROW).is_in(
        placed.select(pl.struct("_file", SOURCE_ROW)).to_series().implode()
    )
    known = pl.col("OBJECTCLAS").is_in(list(OBJECT_CLASSES))
    reason = (
        pl.when(pl.col("reason").is_not_null())
        .then(pl.col("reason"))
        .when(is_placed)
        .then(pl.lit(None, pl.String))
        .when(pl.col("_hreason").is_not_null())
        .then(pl.col("_hreason"))
        .when(pl.col("_hrow").is_null())
        .then(pl.lit(str(Reason.NO_CHANGE_HEADER)))
        .when(~known)
        .then(pl.lit(str(Reason.UNKNOWN_OBJECT_CLASS)))
        .otherwise(pl.lit(str(Reason.NO_SALES_ORDER)))
    )
    judged = joined.with_columns(_reason=reason).filter(pl.col("_reason").is_not_null())
    keys_text = pl.concat_str([pl.col(k).fill_null("") for k in _KEYS], separator=" ")
    column = (
        pl.when(pl.col("reason").is_not_null())
        .then(pl.col("column"))
        .when(pl.col("_hreason").is_not_null())
        .then(pl.col("_hcolumn"))
        .when(pl.col("_reason") == str(Reason.NO_CHANGE_HEADER))
        .then(pl.lit("CHANGENR"))
        .when(pl.col("_reason") == str(Reason.UNKNOWN_OBJECT_CLASS))
        .then(pl.lit("OBJECTCLAS"))
        .otherwise(pl.lit("OBJECTID"))
    )
    value = (
        pl.when(pl.col("_hreason").is_not_null() & pl.col("reason").is_null())
        .then(pl.col("_hvalue"))
        .otherwise(keys_text)
    )
    rejects = judged.select(
        source_file="_file", source_row=SOURCE_ROW, column=column, value=value, reason="_reason"
    ).with_columns(pl.col("column").cast(pl.String), pl.col("value").cast(pl.String))
    return placed, rejects


def _header_rejects(
    head: pl.DataFrame, item: pl.DataFrame, item_rejects: pl.DataFrame, placed: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    """One reject per CDHDR row none of whose items became an event."""
    used = placed.select(_file="_hfile", source_row="_hrow").unique()
    with_items = item.select(keys).drop_nulls().unique().with_columns(_has=pl.lit(True))
    item_reason = (
        item.select("_file", SOURCE_ROW, *keys)
        .join(
            item_rejects.select(_file="source_file", source_row=SOURCE_ROW, _ireason="reason"),
            on=["_file", SOURCE_ROW],
        )
        .sort("_file", SOURCE_ROW)
        .unique(keys, keep="first", maintain_order=True)
        .select(*keys, "_ireason")
    )
    judged = (
        head.join(used.with_columns(_used=pl.lit(True)), on=["_file", SOURCE_ROW], how="left")
        .join(with_items, on=keys, how="left")
        .join(item_reason, on=keys, how="left")
        .filter(pl.col("_used").is_null())
        .with_columns(
            reason=pl.when(pl.col("reason").is_not_null())
            .then(pl.col("reason"))
            .when(pl.col("_has").is_null())
            .then(pl.lit(str(Reason.NO_CHANGE_ITEMS)))
            .otherwise(pl.col("_ireason")),
            column=pl.when(pl.col("reason").is_not_null())
            .then(pl.col("column"))
            .when(pl.col("_ireason") == str(Reason.UNKNOWN_OBJECT_CLASS))
            .then(pl.lit("OBJECTCLAS"))
            .when(pl.col("_ireason") == str(Reason.NO_SALES_ORDER))
            .then(pl.lit("OBJECTID"))
            .otherwise(pl.lit("CHANGENR")),
        )
    )
    return judged.select(
        source_file="_file", source_row=SOURCE_ROW, column="column", value="value", reason="reason"
    )


def _events(placed: pl.DataFrame, log: pl.DataFrame) -> pl.DataFrame:
    """One event per placed item and order, with the order's value and currency."""
    whole_row = pl.col("field") == "KEY"
    activity = (
        pl.when(whole_row & (pl.col("indicator") == "I"))
        .then(pl.concat_str(pl.lit("Insert "), "table"))
        .when(whole_row & (pl.col("indicator") == "D"))
        .then(pl.concat_str(pl.lit("Delete "), "table"))
        .otherwise(pl.concat_str(pl.lit("Change "), "table", pl.lit("-"), "field"))
    )
    order_columns = [c for c in (VALUE, "currency") if c in log.columns]
    orders = log.group_by(CASE_ID).agg(pl.col(c).drop_nulls().first() for c in order_columns)
    return placed.join(orders, on=CASE_ID, how="left").select(
        CASE_ID,
        activity.alias(ACTIVITY),
        TIMESTAMP,
        *order_columns,
        SOURCE_ROW,
        pl.col("user").alias(RESOURCE),
        source_file="_file",
        change_table="table",
        change_field="field",
        value_old="old",
        value_new="new",
        change_indicator="indicator",
        change_object_class="OBJECTCLAS",
        change_object_id="OBJECTID",
        change_number="CHANGENR",
        change_tcode="tcode",
    )
