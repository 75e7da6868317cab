"""Read object-centric event logs: OCEL 2.0 (JSON, XML, SQLite) and OCEL 1.0 (JSON, XML, CSV).

``read_ocel`` returns an ``ObjectCentricLog`` whose every event, object and link either is in
the log or in ``rejects`` with a reason:

- an event without id, activity or a readable timestamp (``missing_event_id``,
  ``missing_activity``, ``missing_timestamp``, ``unparseable_timestamp``,
  ``implausible_timestamp``), or with the id of an earlier event (``duplicate_event_id``);
- an object without id or type (``missing_object_id``, ``missing_object_type``), or with the id
  of an earlier object (``duplicate_object_id``: the first one is kept);
- a link (event to object, object to object) to an object the log does not hold
  (``unknown_object``), from an event it does not hold (``unknown_event``), or the same link
  twice (``duplicate_relation``);
- an event left without any object (``event_without_objects``).

``source_row`` is the position of the event (or object) in the file, 1 = first; a reject's
``column`` names the element and field (``events.time``, ``objects.id``,
``events.relationships``, ``objects.relationships``, ...), its ``value`` shows the value.
Timestamps become UTC; a time without offset is taken as UTC. An object's attribute columns hold
its earliest value; ``object_changes`` holds every value with its time.

Readers: OCEL 2.0 JSON and SQLite, OCEL 1.0 JSON and CSV are read here, into polars (pm4py's
OCEL 2.0 JSON reader stops at the first object without a type or time it cannot parse, losing
the whole file, and its SQLite reader takes four times as long: 57 to 78 s against 12 to 20 s
for a million events, bench/bench_ocel.py); OCEL 2.0 and 1.0 XML with pm4py's own readers, after a check that the XML is
well-formed (``reader="pm4py"`` uses pm4py for every format, to compare).

Examples
--------
>>> import json, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "two.jsonocel"
>>> _ = path.write_text(json.dumps({
...     "objectTypes": [{"name": "Order", "attributes": []}], "eventTypes": [],
...     "objects": [{"id": "o1", "type": "Order"}],
...     "events": [{"id": "e1", "type": "Place Order", "time": "2025-01-06T09:00:00Z",
...                 "relationships": [{"objectId": "o1", "qualifier": "order"}]},
...                {"id": "e2", "type": "Ship", "time": "2025-01-07T09:00:00Z",
...                 "relationships": [{"objectId": "o9", "qualifier": "order"}]}]}))
>>> ocel = read_ocel(path)
>>> ocel.events["event_id"].to_list(), ocel.rejects["reason"].to_list()
(['e1'], ['unknown_object', 'event_without_objects'])
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polars as pl

from o2c import _pm4py
from o2c._flatten import _flatten
from o2c._objects import EVENT_ID, OBJECT_ID, OBJECT_TYPE, QUALIFIER, RELATED_ID, ObjectCentricLog
from o2c.errors import InputFileError, check_choice
from o2c.io._xes import _stderr
from o2c.log import PLAUSIBLE_YEARS, REJECT_SCHEMA, SOURCE_ROW, UTC, Reason
from o2c.model import ColumnMapping, LoadedLog, SourceInfo

#: Suffixes that are always object-centric logs; ``.json``, ``.xml``, ``.sqlite`` and ``.csv``
#: files are when their first bytes say so (see ``ocel_format``).
OCEL_SUFFIXES = (".jsonocel", ".xmlocel", ".json", ".xml", ".sqlite", ".sqlite3", ".db", ".csv")

#: The formats ``read_ocel`` knows, with the reader used by default.
FORMATS = {
    "ocel2_json": "polars",
    "ocel2_xml": "pm4py",
    "ocel2_sqlite": "polars",
    "ocel1_json": "polars",
    "ocel1_xml": "pm4py",
    "ocel1_csv": "polars",
}
READERS = ("auto", "polars", "pm4py")

#: The fields that hold the activity and the timestamp, for the mapping a flattened log reports
#: (its ``case_id`` is the order type; ``--mapping`` reads it back).
_FIELDS = {
    "ocel2": {"activity": "type", "timestamp": "time"},
    "ocel1": {"activity": "ocel:activity", "timestamp": "ocel:timestamp"},
}

_HEAD_BYTES = 64 * 1024
_SQLITE_MAGIC = b"SQLite format 3\x00"


def ocel_format(path: str | Path) -> str | None:
    """The object-centric format of the file at ``path`` (a key of ``FORMATS``), None when it is none.

    Decided by the first bytes: an SQLite database with an ``event_object`` table, JSON with
    OCEL 2.0's ``objectTypes``/``eventTypes`` or OCEL 1.0's ``ocel:`` keys, XML with OCEL 2.0's
    ``<object-types>`` or OCEL 1.0's ``ocel:`` keys, or CSV whose header has ``ocel:eid``.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text("ocel:eid,ocel:activity,ocel:timestamp,ocel:type:order\\n")
    >>> ocel_format(path)
    'ocel1_csv'
    """
    path = Path(path)
    if not path.is_file() or not path.name.lower().endswith(OCEL_SUFFIXES):
        return None
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    named = {".jsonocel": "ocel2_json", ".xmlocel": "ocel2_xml"}.get(path.suffix.lower())
    if named is not None and not head.lstrip().startswith((b"{", b"<")):
        return named  # an OCEL suffix on something else: read_ocel says what is wrong with it
    if head.startswith(_SQLITE_MAGIC):
        return "ocel2_sqlite" if {"event", "object", "event_object"} <= _sqlite_tables(path) else None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        if '"ocel:' in text:
            return "ocel1_json"
        if any(f'"{key}"' in text for key in ("objectTypes", "eventTypes", "objects", "events")):
            return "ocel2_json"
        return None
    if text.startswith("<"):
        if "<object-types" in text or "<event-types" in text:
            return "ocel2_xml"
        if 'key="ocel:' in text or ("<global" in text and "object-types" in text):
            return "ocel1_xml"
        return None
    first_line = text.split("\n", 1)[0]
    return "ocel1_csv" if "ocel:eid" in first_line and "ocel:type:" in first_line else None


def _sqlite_tables(path: Path) -> set[str]:
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as connection:
            return {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    except sqlite3.Error:
        return set()


def read_ocel(path: str | Path, *, reader: str = "auto") -> ObjectCentricLog:
    """Read an object-centric event log (OCEL 2.0 or 1.0), checked: nothing is lost silently.

    Parameters
    ----------
    path : str or Path
        An OCEL 2.0 file (``.jsonocel``/``.json``, ``.xmlocel``/``.xml``, ``.sqlite``) or an
        OCEL 1.0 file (``.jsonocel``, ``.xmlocel``, ``.csv`` with ``ocel:`` columns).
    reader : str
        ``"auto"`` (polars for JSON, SQLite and CSV, pm4py for XML), ``"polars"`` (where it
        can) or ``"pm4py"`` (pm4py's readers for every format).

    Returns
    -------
    ObjectCentricLog
        ``events``, ``objects``, ``relations`` (e2o), ``object_relations`` (o2o),
        ``object_changes``, ``rejects`` (one row per problem, see the module) and ``source``
        (path, sha256, format such as ``ocel2_json``, reader, ``rows`` = events in the file;
        ``notes["ocel"]`` counts what the file held).

    Raises
    ------
    InputFileError
        When the file is missing, is no object-centric log, or is malformed (the message names
        the file, the element and shows a value).

    Examples
    --------
    See the module docstring.
    """
    path = Path(path)
    check_choice(reader, READERS, argument="reader", function="read_ocel")
    if not path.is_file():
        raise InputFileError(f"No such file: {path}", path=path)
    fmt = ocel_format(path)
    if fmt is None:
        raise InputFileError(
            f"{path.name} is not an object-centric event log: expected OCEL 2.0 JSON, XML or SQLite, "
            "or OCEL 1.0 JSON, XML or CSV (with ocel:eid and ocel:type:... columns).",
            path=path,
        )
    chosen = FORMATS[fmt] if reader == "auto" else reader
    own: dict[str, Callable[[Path], dict[str, pl.DataFrame]]] = {
        "ocel2_json": _read_json2, "ocel2_sqlite": _read_sqlite2, "ocel1_json": _read_json1,
        "ocel1_csv": _read_csv1,
    }  # fmt: skip
    if chosen == "polars" and fmt in own:
        raw = own[fmt](path)
    else:
        chosen = "pm4py"
        raw = _read_pm4py(path, fmt)
    return _checked(raw, path=path, fmt=fmt, reader=chosen)


# --- readers: each returns raw frames (texts as read, source_row = position in the file) ------


def _read_json2(path: Path) -> dict[str, pl.DataFrame]:
    """OCEL 2.0 JSON with polars' JSON reader (one pass, nested lists exploded in Rust)."""
    try:
        frame = pl.read_json(path, infer_schema_length=None)
    except Exception as error:  # polars raises several types for malformed JSON
        raise InputFileError(
            f"{path.name} is not valid OCEL 2.0 JSON: {_first_line(error)}", path=path
        ) from None
    for key in ("events", "objects"):
        if key not in frame.columns:
            raise InputFileError(
                f"{path.name} has no {key!r} list; an OCEL 2.0 JSON file has 'objectTypes', 'eventTypes', "
                f"'objects' and 'events' (top-level keys found: {frame.columns}).",
                path=path,
            )
        dtype = frame.schema[key]
        if not isinstance(dtype, pl.List) or not isinstance(dtype.inner, pl.Struct | pl.Null):
            example = str(frame[key][0])[:80]
            raise InputFileError(
                f'{path.name}: {key!r} must be a list of objects such as {{"id": ..., "type": ...}}; got {example}',
                path=path,
            )
    events = _exploded(frame, "events")
    objects = _exploded(frame, "objects")
    for name, table, needed in (
        ("events", events, ("id", "type", "time")),
        ("objects", objects, ("id", "type")),
    ):
        for field in needed:
            if field not in table.columns:
                raise InputFileError(
                    f"{path.name}: no element of {name!r} has the field {field!r} (fields: {table.columns}).",
                    path=path,
                )
    types = _declared_types(frame)
    event_rows = events.select(
        event_id=_text(events, "id"), activity=_text(events, "type"), time=_text(events, "time"),
        source_row=pl.col(SOURCE_ROW),
    )  # fmt: skip
    event_attributes = _pivot(events, "attributes", types)
    if event_attributes is not None:
        event_rows = event_rows.join(event_attributes, on=SOURCE_ROW, how="left")
    object_rows = objects.select(
        object_id=_text(objects, "id"), object_type=_text(objects, "type"), source_row=pl.col(SOURCE_ROW)
    )
    changes = _object_changes_json2(objects)
    if changes.height:
        first = (
            changes.with_columns(_t=_parse_time(pl.col("time")))
            .sort("_row", "_t", nulls_last=True, maintain_order=True)
            .unique(["_row", "attribute"], keep="first", maintain_order=True)
            .pivot(on="attribute", index="_row", values="value", aggregate_function="first")
            .rename({"_row": SOURCE_ROW})
        )
        first = _cast_declared(first, types)
        object_rows = object_rows.join(first, on=SOURCE_ROW, how="left")
    return {
        "events": event_rows,
        "objects": object_rows,
        "relations": _links(events, "event_id", "objectId"),
        "object_relations": _links(objects, "object_id", "objectId").rename({"target": RELATED_ID}),
        "object_changes": changes.select(
            OBJECT_ID, "attribute", "time", "value", pl.col("_row").alias(SOURCE_ROW)
        ),
    }


def _exploded(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """The elements of the top-level list ``key`` as rows, numbered from 1 (``source_row``)."""
    column = frame.select(pl.col(key).explode()).to_series()
    if column.dtype == pl.Null or not isinstance(column.dtype, pl.Struct):
        return pl.DataFrame(schema={SOURCE_ROW: pl.Int64})
    rows = column.to_frame().unnest(key)
    return rows.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))


def _text(table: pl.DataFrame, field: str) -> pl.Expr:
    """``field`` as text, blank as null (ids may be numbers in JSON)."""
    if field not in table.columns:
        return pl.lit(None, pl.String)
    value = pl.col(field).cast(pl.String).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value)


def _declared_types(frame: pl.DataFrame) -> dict[str, str]:
    """Attribute name -> declared OCEL type (``float``, ``integer``, ``boolean``, ``time``, ``string``)."""
    types: dict[str, str] = {}
    for key in ("eventTypes", "objectTypes"):
        if key not in frame.columns or not isinstance(frame.schema[key], pl.List):
            continue
        declared = _exploded(frame, key)
        if "attributes" not in declared.columns:
            continue
        attributes = declared.select(pl.col("attributes").explode()).to_series()
        if not isinstance(attributes.dtype, pl.Struct):
            continue
        pairs = attributes.to_frame().unnest("attributes").drop_nulls()
        if {"name", "type"} <= set(pairs.columns):
            types.update(dict(pairs.select("name", "type").iter_rows()))
    return types


_CASTS: dict[str, Any] = {"float": pl.Float64, "integer": pl.Int64, "int": pl.Int64, "boolean": pl.Boolean}


def _pivot(table: pl.DataFrame, key: str, types: dict[str, str]) -> pl.DataFrame | None:
    """The ``[{name, value}]`` attribute list of each row as columns (first value of a name)."""
    if key not in table.columns or not isinstance(table.schema[key], pl.List):
        return None
    pairs = table.select(SOURCE_ROW, pl.col(key)).explode(key).drop_nulls(key)
    if not pairs.height or not isinstance(pairs.schema[key], pl.Struct):
        return None
    pairs = pairs.unnest(key)
    if not {"name", "value"} <= set(pairs.columns):
        return None
    pairs = pairs.select(SOURCE_ROW, "name", pl.col("value")).filter(pl.col("name").is_not_null())
    if not pairs.height:
        return None
    wide = pairs.pivot(on="name", index=SOURCE_ROW, values="value", aggregate_function="first")
    return _cast_declared(wide, types)


def _cast_declared(wide: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame:
    """Columns whose declared type is numeric or boolean cast to it when every value reads so."""
    casts = []
    for name in wide.columns:
        if name == SOURCE_ROW or wide.schema[name] != pl.String:
            continue
        dtype = _CASTS.get(types.get(name, ""))
        if dtype is None:
            continue
        text = pl.col(name)
        if dtype == pl.Boolean:
            cast = text.str.to_lowercase().replace_strict(
                {"true": True, "false": False, "1": True, "0": False}, default=None, return_dtype=pl.Boolean
            )
        else:
            cast = text.cast(dtype, strict=False)
        if wide.select((cast.is_null() == text.is_null()).all()).item():
            casts.append(cast.alias(name))
    return wide.with_columns(casts) if casts else wide


def _links(table: pl.DataFrame, own: str, target_field: str) -> pl.DataFrame:
    """The ``relationships`` list of each element as rows: ``own``, the target, the qualifier."""
    target = OBJECT_ID if own == EVENT_ID else "target"
    empty = pl.DataFrame(
        schema={own: pl.String, target: pl.String, QUALIFIER: pl.String, SOURCE_ROW: pl.Int64}
    )
    if "relationships" not in table.columns or not isinstance(table.schema["relationships"], pl.List):
        return empty
    links = table.select(SOURCE_ROW, _text(table, "id").alias(own), "relationships").explode("relationships")
    links = links.drop_nulls("relationships")
    if not links.height or not isinstance(links.schema["relationships"], pl.Struct):
        return empty
    links = links.unnest("relationships")
    return links.select(
        own,
        _text(links, target_field).alias(target),
        _text(links, "qualifier").alias(QUALIFIER),
        SOURCE_ROW,
    )


def _object_changes_json2(objects: pl.DataFrame) -> pl.DataFrame:
    """Every ``{name, time, value}`` of each object: ``object_id``, ``attribute``, ``time``, ``value``, ``_row``."""
    schema = {
        OBJECT_ID: pl.String,
        "attribute": pl.String,
        "time": pl.String,
        "value": pl.String,
        "_row": pl.Int64,
    }
    if "attributes" not in objects.columns or not isinstance(objects.schema["attributes"], pl.List):
        return pl.DataFrame(schema=schema)
    rows = objects.select(
        _row=pl.col(SOURCE_ROW), object_id=_text(objects, "id"), attributes=pl.col("attributes")
    ).explode("attributes").drop_nulls("attributes")  # fmt: skip
    if not rows.height or not isinstance(rows.schema["attributes"], pl.Struct):
        return pl.DataFrame(schema=schema)
    rows = rows.unnest("attributes")
    return rows.select(
        OBJECT_ID,
        attribute=_text(rows, "name"),
        time=_text(rows, "time"),
        value=pl.col("value").cast(pl.String) if "value" in rows.columns else pl.lit(None, pl.String),
        _row="_row",
    )


def _read_sqlite2(path: Path) -> dict[str, pl.DataFrame]:
    """OCEL 2.0 SQLite: the tables ``event``, ``object``, ``event_object``, ``object_object``, and
    per type ``event_<Type>`` (time, attributes) and ``object_<Type>`` (attribute values with
    their times; ``ocel_changed_field`` names the one a row changes, none on the first row).
    Positions are the rows of ``event`` and ``object`` in table order."""
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as connection:
            return _sqlite_tables_of(connection, path)
    except sqlite3.Error as error:
        raise InputFileError(
            f"{path.name} could not be read as OCEL 2.0 SQLite: {_first_line(error)}", path=path
        ) from None


def _query(connection: sqlite3.Connection, sql: str) -> pl.DataFrame:
    cursor = connection.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)


def _sqlite_tables_of(connection: sqlite3.Connection, path: Path) -> dict[str, pl.DataFrame]:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for needed in ("event", "object", "event_object"):
        if needed not in tables:
            raise InputFileError(
                f"{path.name} has no table {needed!r}; tables are {sorted(tables)}.", path=path
            )
    text = pl.String
    events = _query(connection, "SELECT ocel_id, ocel_type FROM event ORDER BY rowid").cast(text)
    events = events.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    objects = _query(connection, "SELECT ocel_id, ocel_type FROM object ORDER BY rowid").cast(text)
    objects = objects.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    timed = []
    mapped = "event_map_type" in tables
    names: list[str] = (
        _query(connection, "SELECT ocel_type_map FROM event_map_type")["ocel_type_map"].to_list()
        if mapped
        else []
    )
    for name in names:
        if f"event_{name}" in tables:
            timed.append(
                _query(connection, f'SELECT * FROM "event_{name}"').with_columns(pl.col("ocel_id").cast(text))
            )
    times = (
        pl.concat(timed, how="diagonal_relaxed")
        if timed
        else pl.DataFrame(schema={"ocel_id": text, "ocel_time": text})
    )
    times = times.unique("ocel_id", keep="first", maintain_order=True)
    event_rows = events.join(times, on="ocel_id", how="left").sort(SOURCE_ROW)
    event_rows = event_rows.rename({"ocel_id": EVENT_ID, "ocel_type": "activity", "ocel_time": "time"})
    changes = []
    names = (
        _query(connection, "SELECT ocel_type_map FROM object_map_type")["ocel_type_map"].to_list()
        if "object_map_type" in tables
        else []
    )
    for name in names:
        if f"object_{name}" not in tables:
            continue
        table = _query(connection, f'SELECT * FROM "object_{name}" ORDER BY rowid')
        fields = [c for c in table.columns if c not in ("ocel_id", "ocel_time", "ocel_changed_field")]
        if not fields:
            continue
        changed = (
            pl.col("ocel_changed_field") if "ocel_changed_field" in table.columns else pl.lit(None, text)
        )
        long = table.select(
            pl.col("ocel_id").cast(text), pl.col("ocel_time").cast(text).alias("time"), changed.alias("_changed"),
            *[pl.col(f).cast(text) for f in fields],
        ).unpivot(index=["ocel_id", "time", "_changed"], variable_name="attribute", value_name="_value")  # fmt: skip
        first = pl.col("_changed").is_null() & pl.col("_value").is_not_null()
        changed_here = long.filter(first | (pl.col("attribute") == pl.col("_changed")))
        changes.append(changed_here.drop("_changed").rename({"_value": "value"}))
    change_rows = (
        pl.concat(changes) if changes else _no_changes().drop(SOURCE_ROW).rename({OBJECT_ID: "ocel_id"})
    )
    object_row = objects.select(pl.col("ocel_id"), SOURCE_ROW).unique("ocel_id", keep="first")
    change_rows = change_rows.join(object_row, on="ocel_id", how="left").rename({"ocel_id": OBJECT_ID})
    object_rows = objects.rename({"ocel_id": OBJECT_ID, "ocel_type": OBJECT_TYPE})
    if change_rows.height:
        first_values = (
            change_rows.with_columns(_t=_parse_time(pl.col("time")))
            .sort(SOURCE_ROW, "_t", nulls_last=True, maintain_order=True)
            .unique([SOURCE_ROW, "attribute"], keep="first", maintain_order=True)
            .pivot(on="attribute", index=SOURCE_ROW, values="value", aggregate_function="first")
        )
        object_rows = object_rows.join(_numbers(first_values), on=SOURCE_ROW, how="left")
    event_row = events.select(pl.col("ocel_id").alias(EVENT_ID), SOURCE_ROW).unique(EVENT_ID, keep="first")
    relations = _query(
        connection, "SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object ORDER BY rowid"
    )
    relations = relations.cast(text).rename(
        {"ocel_event_id": EVENT_ID, "ocel_object_id": OBJECT_ID, "ocel_qualifier": QUALIFIER}
    )
    relations = relations.join(event_row, on=EVENT_ID, how="left")
    if "object_object" in tables:
        o2o = _query(
            connection,
            "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object ORDER BY rowid",
        )
        o2o = o2o.cast(text).rename(
            {"ocel_source_id": OBJECT_ID, "ocel_target_id": RELATED_ID, "ocel_qualifier": QUALIFIER}
        )
    else:
        o2o = pl.DataFrame(schema={OBJECT_ID: text, RELATED_ID: text, QUALIFIER: text})
    o2o = o2o.join(object_row.rename({"ocel_id": OBJECT_ID}), on=OBJECT_ID, how="left")
    event_attributes = [c for c in event_rows.columns if c not in (EVENT_ID, "activity", "time", SOURCE_ROW)]
    return {
        "events": event_rows.select(
            pl.col(EVENT_ID), pl.col("activity"), pl.col("time").cast(text), SOURCE_ROW, *event_attributes
        ),
        "objects": object_rows,
        "relations": relations.select(EVENT_ID, OBJECT_ID, QUALIFIER, SOURCE_ROW),
        "object_relations": o2o.select(OBJECT_ID, RELATED_ID, QUALIFIER, SOURCE_ROW),
        "object_changes": change_rows.select(
            OBJECT_ID, "attribute", pl.col("time").cast(text), "value", SOURCE_ROW
        ),
    }


def _numbers(wide: pl.DataFrame) -> pl.DataFrame:
    """Text columns whose every value reads as a number, as numbers (SQLite keeps types per value)."""
    casts = []
    for name in wide.columns:
        if name == SOURCE_ROW or wide.schema[name] != pl.String:
            continue
        number = pl.col(name).cast(pl.Float64, strict=False)
        if wide.select((number.is_null() == pl.col(name).is_null()).all()).item():
            casts.append(number)
    return wide.with_columns(casts) if casts else wide


def _read_json1(path: Path) -> dict[str, pl.DataFrame]:
    """OCEL 1.0 JSON: ``ocel:events`` and ``ocel:objects`` maps keyed by id."""
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise InputFileError(
            f"{path.name} is not valid OCEL 1.0 JSON: {_first_line(error)}", path=path
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("ocel:events"), dict):
        raise InputFileError(
            f"{path.name} has no 'ocel:events' map; an OCEL 1.0 JSON file has one.", path=path
        )
    events, objects = data["ocel:events"], data.get("ocel:objects") or {}
    if not isinstance(objects, dict):
        raise InputFileError(
            f"{path.name}: 'ocel:objects' must be a map of id to object; got {str(objects)[:80]}", path=path
        )
    for kind, items in (("ocel:events", events), ("ocel:objects", objects)):
        bad = next(((key, value) for key, value in items.items() if not isinstance(value, dict)), None)
        if bad is not None:
            raise InputFileError(
                f"{path.name}: {kind}[{bad[0]!r}] must be an object with 'ocel:...' keys; got {str(bad[1])[:80]}",
                path=path,
            )
    ids = list(events)
    event_rows = pl.DataFrame(
        {
            EVENT_ID: ids,
            "activity": [_as_text(e.get("ocel:activity")) for e in events.values()],
            "time": [_as_text(e.get("ocel:timestamp")) for e in events.values()],
        },
        schema={EVENT_ID: pl.String, "activity": pl.String, "time": pl.String},
    ).with_row_index(SOURCE_ROW, offset=1)
    vmaps = [e.get("ocel:vmap") or {} for e in events.values()]
    names = sorted({name for vmap in vmaps if isinstance(vmap, dict) for name in vmap})
    if names:
        event_rows = event_rows.with_columns(
            pl.Series(
                name, [vmap.get(name) if isinstance(vmap, dict) else None for vmap in vmaps], strict=False
            )
            for name in names
        )
    relations = pl.DataFrame(
        [
            (eid, oid, qualifier, position)
            for position, (eid, event) in enumerate(events.items(), start=1)
            for oid, qualifier in _omap(event)
        ],
        schema={EVENT_ID: pl.String, OBJECT_ID: pl.String, QUALIFIER: pl.String, SOURCE_ROW: pl.Int64},
        orient="row",
    )
    object_rows = pl.DataFrame(
        {OBJECT_ID: list(objects), OBJECT_TYPE: [_as_text(o.get("ocel:type")) for o in objects.values()]},
        schema={OBJECT_ID: pl.String, OBJECT_TYPE: pl.String},
    ).with_row_index(SOURCE_ROW, offset=1)
    ovmaps = [o.get("ocel:ovmap") or {} for o in objects.values()]
    onames = sorted({name for vmap in ovmaps if isinstance(vmap, dict) for name in vmap})
    if onames:
        object_rows = object_rows.with_columns(
            pl.Series(
                name, [vmap.get(name) if isinstance(vmap, dict) else None for vmap in ovmaps], strict=False
            )
            for name in onames
        )
    return {
        "events": event_rows.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64)),
        "objects": object_rows.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64)),
        "relations": relations,
        "object_relations": pl.DataFrame(
            [
                (oid, _as_text(link.get("ocel:oid")), _as_text(link.get("ocel:qualifier")), position)
                for position, (oid, item) in enumerate(objects.items(), start=1)
                for link in (item.get("ocel:o2o") or [])
                if isinstance(link, dict)
            ],
            schema={OBJECT_ID: pl.String, RELATED_ID: pl.String, QUALIFIER: pl.String, SOURCE_ROW: pl.Int64},
            orient="row",
        ),
        "object_changes": _changes_json1(data.get("ocel:objectChanges"), list(objects)),
    }


def _omap(event: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    """An OCEL 1.0 event's objects with their qualifiers: ``ocel:typedOmap`` (pm4py writes it), else ``ocel:omap``."""
    typed = event.get("ocel:typedOmap")
    if isinstance(typed, list) and typed:
        return [
            (_as_text(t.get("ocel:oid")), _as_text(t.get("ocel:qualifier")))
            for t in typed
            if isinstance(t, dict)
        ]
    return [(_as_text(oid), None) for oid in (event.get("ocel:omap") or [])]


def _changes_json1(changes: Any, object_ids: list[str]) -> pl.DataFrame:
    """pm4py's ``ocel:objectChanges`` list of an OCEL 1.0 JSON file (absent from the standard)."""
    if not isinstance(changes, list) or not changes:
        return _no_changes()
    position = {oid: row for row, oid in enumerate(object_ids, start=1)}
    rows = []
    for change in changes:
        if not isinstance(change, dict):
            continue
        oid, field = _as_text(change.get("ocel:oid")), _as_text(change.get("ocel:field"))
        rows.append((oid, field, _as_text(change.get("ocel:timestamp")), _as_text(change.get(field or "")),
                     position.get(oid or "")))  # fmt: skip
    return pl.DataFrame(rows, schema=_no_changes().schema, orient="row")


def _read_csv1(path: Path) -> dict[str, pl.DataFrame]:
    """OCEL 1.0 CSV: one row per event, one ``ocel:type:<type>`` column per object type holding a
    list of object ids (``['880001','880004']``); the objects are the ids these lists name."""
    try:
        table = pl.read_csv(path, infer_schema_length=0)
    except Exception as error:  # polars raises several types for malformed CSV
        raise InputFileError(
            f"{path.name} is not a readable OCEL 1.0 CSV: {_first_line(error)}", path=path
        ) from None
    for needed in ("ocel:eid", "ocel:activity", "ocel:timestamp"):
        if needed not in table.columns:
            raise InputFileError(
                f"{path.name} has no column {needed!r}; columns are {table.columns}.", path=path
            )
    type_columns = [c for c in table.columns if c.startswith("ocel:type:")]
    table = table.with_row_index(SOURCE_ROW, offset=1).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    eid = pl.col("ocel:eid").str.strip_chars()
    eid = pl.when(eid.str.contains(r"^\d+\.0$")).then(eid.str.replace(r"\.0$", "")).otherwise(eid)
    attributes = [c for c in table.columns if not c.startswith("ocel:") and c != SOURCE_ROW]
    events = table.select(
        pl.when(eid == "").then(None).otherwise(eid).alias(EVENT_ID),
        _text(table, "ocel:activity").alias("activity"),
        _text(table, "ocel:timestamp").alias("time"),
        SOURCE_ROW,
        *[_numeric_or_text(table, c) for c in attributes],
    )
    parts = []
    for column in type_columns:
        ids = pl.col(column).str.extract_all(r"'([^']*)'|\"([^\"]*)\"")
        parts.append(
            table.select(
                events[EVENT_ID].alias(EVENT_ID), SOURCE_ROW, ids.alias(OBJECT_ID),
                pl.lit(column.removeprefix("ocel:type:")).alias(OBJECT_TYPE),
            ).explode(OBJECT_ID).drop_nulls(OBJECT_ID)
        )  # fmt: skip
    links = pl.concat(parts) if parts else pl.DataFrame(
        schema={EVENT_ID: pl.String, SOURCE_ROW: pl.Int64, OBJECT_ID: pl.String, OBJECT_TYPE: pl.String}
    )  # fmt: skip
    links = links.with_columns(pl.col(OBJECT_ID).str.strip_chars("'\" "))
    objects = (
        links.select(OBJECT_ID, OBJECT_TYPE)
        .unique(OBJECT_ID, keep="first", maintain_order=True)
        .with_row_index(SOURCE_ROW, offset=1)
        .with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    )
    return {
        "events": events,
        "objects": objects.select(OBJECT_ID, OBJECT_TYPE, SOURCE_ROW),
        "relations": links.select(EVENT_ID, OBJECT_ID, pl.lit(None, pl.String).alias(QUALIFIER), SOURCE_ROW),
        "object_relations": pl.DataFrame(
            schema={OBJECT_ID: pl.String, RELATED_ID: pl.String, QUALIFIER: pl.String, SOURCE_ROW: pl.Int64}
        ),
        "object_changes": _no_changes(),
    }


def _numeric_or_text(table: pl.DataFrame, column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    number = text.cast(pl.Float64, strict=False)
    reads = table.select((number.is_null() == (text.is_null() | (text == ""))).all()).item()
    return (number if reads else text).alias(column)


def _check_xml(path: Path) -> None:
    """``InputFileError`` naming the line and column where ``path`` stops being well-formed XML
    (pm4py's XML readers recover from broken files and return what they could place)."""
    try:
        for _ in ElementTree.iterparse(path, events=("end",)):
            pass
    except ElementTree.ParseError as error:
        line, column = error.position
        with path.open("rb") as file:
            text = file.read(2_000_000).decode("utf-8", errors="replace").splitlines()
        shown = text[line - 1][max(0, column - 40) : column + 40] if 0 < line <= len(text) else ""
        raise InputFileError(
            f"{path.name} is not well-formed XML at line {line}, column {column + 1}: {error.msg}; "
            f"there: {shown!r}",
            path=path,
        ) from None


def _read_pm4py(path: Path, fmt: str) -> dict[str, pl.DataFrame]:
    """The file read by pm4py's reader of ``fmt``; positions are the rows as pm4py returns them."""
    if fmt.endswith("_xml"):
        _check_xml(path)
    with _stderr():  # a Rust panic of pm4py's backend prints a backtrace to the process's stderr
        try:
            frames = _pm4py.read_ocel_tables(str(path), fmt)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # anything from KeyError to a Rust panic (a BaseException)
            raise InputFileError(
                f"{path.name} could not be read as {fmt.replace('_', ' ')} by pm4py: {type(error).__name__}: "
                f"{_first_line(error)}",
                path=path,
            ) from None
    events = _from_pandas(frames["events"]).with_row_index(SOURCE_ROW, offset=1)
    objects = _from_pandas(frames["objects"]).with_row_index(SOURCE_ROW, offset=1)
    events = events.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64), pl.col(EVENT_ID).cast(pl.String))
    objects = objects.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64), pl.col(OBJECT_ID).cast(pl.String))
    events = events.rename({"timestamp": "time"})
    relations = _from_pandas(frames["relations"]).with_columns(pl.col(EVENT_ID, OBJECT_ID).cast(pl.String))
    if QUALIFIER not in relations.columns:
        relations = relations.with_columns(pl.lit(None, pl.String).alias(QUALIFIER))
    first_row = events.group_by(EVENT_ID).agg(pl.col(SOURCE_ROW).min())
    relations = relations.join(first_row, on=EVENT_ID, how="left").select(
        EVENT_ID, OBJECT_ID, pl.col(QUALIFIER).cast(pl.String), SOURCE_ROW
    )
    o2o = _from_pandas(frames["object_relations"]).with_columns(pl.col(OBJECT_ID, RELATED_ID).cast(pl.String))
    object_row = objects.group_by(OBJECT_ID).agg(pl.col(SOURCE_ROW).min())
    o2o = o2o.join(object_row, on=OBJECT_ID, how="left").select(
        OBJECT_ID, RELATED_ID, pl.col(QUALIFIER).cast(pl.String), SOURCE_ROW
    )
    changes = _from_pandas(frames["object_changes"])
    changes = changes.rename({"timestamp": "time"}).with_columns(
        pl.col(OBJECT_ID, "attribute", "value").cast(pl.String)
    )
    changes = changes.join(object_row, on=OBJECT_ID, how="left")
    return {"events": events, "objects": objects, "relations": relations, "object_relations": o2o,
            "object_changes": changes.select(OBJECT_ID, "attribute", "time", "value", SOURCE_ROW)}  # fmt: skip


def _from_pandas(frame: Any) -> pl.DataFrame:
    frame = frame.copy()
    for column in frame.columns:  # pm4py's object columns mix types; texts are what the file said
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: None if v is None or v != v else str(v))
    return pl.from_pandas(frame)


def _no_changes() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            OBJECT_ID: pl.String,
            "attribute": pl.String,
            "time": pl.String,
            "value": pl.String,
            SOURCE_ROW: pl.Int64,
        }
    )


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


# --- checks: every event, object and link is kept or rejected with a reason -------------------


def _parse_time(text: pl.Expr) -> pl.Expr:
    """ISO 8601 text (``2025-01-06T09:00:00Z``, ``+02:00``, ``2025-01-06 09:00``, a date) as UTC;
    a datetime stays one (naive is UTC); anything else null."""
    cleaned = text.str.strip_chars().str.replace(" ", "T").str.replace(r"Z$", "+00:00")
    cleaned = (
        pl.when(cleaned.str.contains(r"^\d{4}-\d\d-\d\d$")).then(cleaned + "T00:00:00").otherwise(cleaned)
    )
    cleaned = pl.when(cleaned.str.contains(r"T\d\d:\d\d$")).then(cleaned + ":00").otherwise(cleaned)
    with_offset = (
        pl.when(cleaned.str.contains(r"[+-]\d\d:?\d\d$")).then(cleaned).otherwise(cleaned + "+00:00")
    )
    return with_offset.str.to_datetime("%+", strict=False, time_zone="UTC", time_unit="us")


def _as_utc(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime):
        expr = pl.col(column).dt.cast_time_unit("us")
        return (
            expr.dt.replace_time_zone("UTC") if dtype.time_zone is None else expr.dt.convert_time_zone("UTC")
        )
    if dtype == pl.Date:
        return pl.col(column).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return _parse_time(pl.col(column).cast(pl.String))


#: A rule of the checks: a mask, the element and field it concerns, the value shown, the reason.
_Rule = tuple[pl.Expr, str, pl.Expr, Reason]


def _sort_out(
    frame: pl.DataFrame, rules: list[_Rule], problems: list[pl.DataFrame], *, keep: pl.Expr | None = None
) -> pl.DataFrame:
    """The rows of ``frame`` that break no rule (and satisfy ``keep``); one reject per row and
    broken rule appended to ``problems``. Each mask is evaluated once, in one pass."""
    names = [f"_rule{i}" for i in range(len(rules))]
    flags = [mask.fill_null(False).alias(name) for (mask, *_), name in zip(rules, names, strict=True)]
    keep_flag = (pl.lit(True) if keep is None else keep.fill_null(False)).alias("_keep")
    flagged = frame.with_columns(*flags, keep_flag)
    for (_, column, value, reason), name in zip(rules, names, strict=True):
        problems.append(
            flagged.filter(name).select(
                source_row=pl.col(SOURCE_ROW),
                column=pl.lit(column),
                value=value.cast(pl.String),
                reason=pl.lit(str(reason)),
            )
        )
    broken = pl.any_horizontal(names) if names else pl.lit(False)
    return flagged.filter(~broken & pl.col("_keep")).drop(*names, "_keep")


def _checked(raw: dict[str, pl.DataFrame], *, path: Path, fmt: str, reader: str) -> ObjectCentricLog:
    """The raw frames of a reader checked (see the module), as an ``ObjectCentricLog``."""
    problems: list[pl.DataFrame] = []
    events = raw["events"].with_columns(timestamp=_as_utc(raw["events"], "time"))
    year = pl.col("timestamp").dt.year()
    event_rules = [
        (pl.col(EVENT_ID).is_null(), "events.id", pl.col(EVENT_ID), Reason.MISSING_EVENT_ID),
        (pl.col("activity").is_null(), "events.type", pl.col("activity"), Reason.MISSING_ACTIVITY),
        (pl.col("time").is_null(), "events.time", pl.col("time"), Reason.MISSING_TIMESTAMP),
        (pl.col("time").is_not_null() & pl.col("timestamp").is_null(), "events.time", pl.col("time"),
         Reason.UNPARSEABLE_TIMESTAMP),
        (year.is_not_null() & ~year.is_between(*PLAUSIBLE_YEARS), "events.time", pl.col("time"),
         Reason.IMPLAUSIBLE_TIMESTAMP),
        (pl.col(EVENT_ID).is_not_null() & pl.col(EVENT_ID).is_duplicated() & ~pl.col(EVENT_ID).is_first_distinct(),
         "events.id", pl.col(EVENT_ID), Reason.DUPLICATE_EVENT_ID),
    ]  # fmt: skip
    kept_events = _sort_out(events, event_rules, problems)
    all_event_ids = events[EVENT_ID].drop_nulls()

    objects = raw["objects"]
    object_rules = [
        (pl.col(OBJECT_ID).is_null(), "objects.id", pl.col(OBJECT_ID), Reason.MISSING_OBJECT_ID),
        (pl.col(OBJECT_TYPE).is_null(), "objects.type", pl.col(OBJECT_TYPE), Reason.MISSING_OBJECT_TYPE),
        (pl.col(OBJECT_ID).is_not_null() & ~pl.col(OBJECT_ID).is_first_distinct(), "objects.id", pl.col(OBJECT_ID),
         Reason.DUPLICATE_OBJECT_ID),
    ]  # fmt: skip
    kept_objects = _sort_out(objects, object_rules, problems)
    object_ids = kept_objects[OBJECT_ID]

    relations = raw["relations"].with_columns(
        _known_event=pl.col(EVENT_ID).is_in(all_event_ids.implode()).fill_null(False),
        # a link belongs to the element at its source_row: a duplicate event's links leave with it
        _kept_event=(
            pl.col(EVENT_ID).is_in(kept_events[EVENT_ID].implode())
            & pl.col(SOURCE_ROW).is_in(kept_events[SOURCE_ROW].implode())
        ).fill_null(False),
        _known_object=pl.col(OBJECT_ID).is_in(object_ids.implode()).fill_null(False),
        _duplicate=~pl.struct(EVENT_ID, OBJECT_ID, pl.col(QUALIFIER).fill_null("")).is_first_distinct(),
    )
    known_event, kept_event = pl.col("_known_event"), pl.col("_kept_event")
    known_object, duplicate = pl.col("_known_object"), pl.col("_duplicate")
    relation_rules = [
        (~known_event, "events.relationships", pl.col(EVENT_ID), Reason.UNKNOWN_EVENT),
        (known_event & pl.col(OBJECT_ID).is_null(), "events.relationships", pl.col(OBJECT_ID),
         Reason.MISSING_OBJECT_ID),
        (kept_event & pl.col(OBJECT_ID).is_not_null() & ~known_object, "events.relationships", pl.col(OBJECT_ID),
         Reason.UNKNOWN_OBJECT),
        (kept_event & known_object & duplicate, "events.relationships", pl.col(OBJECT_ID), Reason.DUPLICATE_RELATION),
    ]  # fmt: skip
    kept_relations = _sort_out(relations, relation_rules, problems, keep=kept_event)

    with_objects = kept_relations[EVENT_ID].unique().implode()
    lonely = ~pl.col(EVENT_ID).is_in(with_objects)
    lonely_rule: list[_Rule] = [
        (lonely, "events.relationships", pl.col(EVENT_ID), Reason.EVENT_WITHOUT_OBJECTS)
    ]
    kept_events = _sort_out(kept_events, lonely_rule, problems)

    file_objects = objects[OBJECT_ID].drop_nulls().implode()
    o2o = raw["object_relations"].with_columns(
        _in_file=pl.col(OBJECT_ID).is_in(file_objects).fill_null(False),
        _kept_object=(
            pl.col(OBJECT_ID).is_in(file_objects)
            & pl.col(SOURCE_ROW).is_in(kept_objects[SOURCE_ROW].implode())
        ).fill_null(False),
        _known_related=pl.col(RELATED_ID).is_in(object_ids.implode()).fill_null(False),
        _duplicate=~pl.struct(OBJECT_ID, RELATED_ID, pl.col(QUALIFIER).fill_null("")).is_first_distinct(),
    )
    in_file, kept_object = pl.col("_in_file"), pl.col("_kept_object")
    known_related, o2o_duplicate = pl.col("_known_related"), pl.col("_duplicate")
    o2o_rules = [  # the links of a rejected object leave with it (its reject says why)
        (~in_file, "objects.relationships", pl.col(OBJECT_ID), Reason.UNKNOWN_OBJECT),
        (kept_object & ~known_related, "objects.relationships", pl.col(RELATED_ID), Reason.UNKNOWN_OBJECT),
        (kept_object & known_related & o2o_duplicate, "objects.relationships", pl.col(RELATED_ID),
         Reason.DUPLICATE_RELATION),
    ]  # fmt: skip
    kept_o2o = _sort_out(o2o, o2o_rules, problems, keep=kept_object)

    changes = raw["object_changes"].with_columns(timestamp=_as_utc(raw["object_changes"], "time"))
    changes = changes.with_columns(
        _in_file=pl.col(OBJECT_ID).is_in(file_objects).fill_null(False),
        _kept=(
            pl.col(OBJECT_ID).is_in(file_objects)
            & pl.col(SOURCE_ROW).is_in(kept_objects[SOURCE_ROW].implode())
        ).fill_null(False),
    )
    change_rules = [
        (~pl.col("_in_file"), "objects.attributes", pl.col(OBJECT_ID), Reason.UNKNOWN_OBJECT),
        (pl.col("_kept") & pl.col("time").is_not_null() & pl.col("timestamp").is_null(), "objects.attributes",
         pl.col("time"), Reason.UNPARSEABLE_TIMESTAMP),
    ]  # fmt: skip
    kept_changes = _sort_out(changes, change_rules, problems, keep=pl.col("_kept"))

    rejects = (
        pl.concat(problems)
        .with_columns(source_file=pl.lit(path.name))
        .select(list(REJECT_SCHEMA))
        .cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    )
    event_attributes = [
        c for c in kept_events.columns if c not in (EVENT_ID, "activity", "time", "timestamp", SOURCE_ROW)
    ]
    object_attributes = [c for c in kept_objects.columns if c not in (OBJECT_ID, OBJECT_TYPE, SOURCE_ROW)]
    counts = {"events": raw["events"].height, "objects": raw["objects"].height,
              "relations": raw["relations"].height, "object_relations": raw["object_relations"].height,
              "object_changes": raw["object_changes"].height}  # fmt: skip
    data = path.open("rb")
    with data:
        sha256 = hashlib.file_digest(data, "sha256").hexdigest()
    source = SourceInfo(
        path=str(path), sha256=sha256, format=fmt, mapping=ColumnMapping(), rows=counts["events"],
        reader=reader, encoding="utf-8" if "sqlite" not in fmt else None, notes={"ocel": counts},
    )  # fmt: skip
    return ObjectCentricLog(
        events=kept_events.select(
            pl.col(EVENT_ID),
            pl.col("activity"),
            pl.col("timestamp"),
            pl.col(SOURCE_ROW).cast(pl.Int64),
            *event_attributes,
        ),
        objects=kept_objects.select(
            OBJECT_ID, OBJECT_TYPE, pl.col(SOURCE_ROW).cast(pl.Int64), *object_attributes
        ),
        relations=kept_relations.select(EVENT_ID, OBJECT_ID, pl.col(QUALIFIER).cast(pl.String)),
        object_relations=kept_o2o.select(OBJECT_ID, RELATED_ID, pl.col(QUALIFIER).cast(pl.String)),
        object_changes=kept_changes.select(OBJECT_ID, "attribute", "timestamp", "value").with_columns(
            pl.col("timestamp").cast(UTC)
        ),
        rejects=rejects,
        source=source,
    )


def read_ocel_log(path: Path, *, case_type: str | None, through: Sequence[str] | None = None) -> LoadedLog:
    """An object-centric file read as ``read_log`` reads it: flattened to the order type (see
    ``o2c.flatten``), the object-centric log kept in ``LoadedLog.ocel``.

    ``rejects`` holds the object-centric log's rejects and, as ``not_linked_to_case``, each
    event that reaches no order. ``source.rows`` counts the events of the file; ``source.notes``
    has ``ocel`` (what the file held) and ``flatten`` (the order type and whether it was named or
    guessed, the types followed, the objects reached, the events shared by several orders).
    """
    ocel = read_ocel(path)
    log, notes = _flatten(ocel, case=case_type, through=through)
    unlinked = notes.pop("unlinked")
    rejects = pl.concat(
        [
            ocel.rejects,
            unlinked.select(
                source_file=pl.lit(path.name),
                source_row=pl.col(SOURCE_ROW),
                column=pl.lit("events.relationships"),
                value=pl.col("activity"),
                reason=pl.lit(str(Reason.NOT_LINKED_TO_CASE)),
            ),
        ]
    )
    fields = _FIELDS["ocel1" if ocel.source.format.startswith("ocel1") else "ocel2"]
    source = replace(
        ocel.source,
        mapping=ColumnMapping(
            case_id=notes["case_type"], activity=fields["activity"], timestamp=fields["timestamp"]
        ),
        notes={**ocel.source.notes, "flatten": notes},
    )
    return LoadedLog(log, rejects, source, ocel=replace(ocel, source=source))
