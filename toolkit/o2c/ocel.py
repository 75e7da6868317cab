"""The object-centric view of an order-to-cash log, written as OCEL 2.0 with pm4py.

An order-level log repeats a document in every order it serves: an invoice that covers three
orders is an event in three cases. The object-centric view keeps it once. ``write_ocel`` turns
a log read by ``o2c.read_sap_document_flow`` (columns ``document`` and ``document_type``) into:

- **objects**: every document, of the type SAP gives it (``Sales Order``, ``Delivery``,
  ``Invoice``, ``Goods Movement``, ...), with the id ``<VBTYP>:<number>`` (``M:0090040438``);
  every order is a ``Sales Order`` object, even one whose own creation is not in the table;
- **events**: one per document, its creation (the log's activity and timestamp), with the id
  ``e:<VBTYP>:<number>``;
- **relations** (event to object): each event ``creates`` its document and concerns each order
  the document belongs to (qualifier ``order``).

Any other event log (no document columns) becomes one event per row (ids ``e1``, ``e2``, ... in
log order), each related to its case as an ``Order`` object. An ``ObjectCentricLog`` (read by
``o2c.read_ocel`` or made by the simulator) is written as it is: its events, objects, event-to-
and object-to-object relations (``o2c.read_ocel`` reads the file back the same).

Examples
--------
>>> import tempfile, pathlib
>>> from o2c import example_log
>>> path = pathlib.Path(tempfile.mkdtemp()) / "orders.jsonocel"
>>> write_ocel(example_log(), path)
  object_type  objects  events
0       Order        3      19
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl

from o2c import _pm4py
from o2c._objects import ObjectCentricLog
from o2c.errors import ArgumentError, ToolkitError
from o2c.io._sap import DOCUMENT_TYPES, SALES_ORDER
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, validate

#: File suffixes pm4py writes OCEL 2.0 to, and the format of each.
OCEL_FORMATS = {".jsonocel": "json", ".json": "json", ".xmlocel": "xml", ".xml": "xml", ".sqlite": "sqlite"}


def write_ocel(log: pl.DataFrame | pd.DataFrame | ObjectCentricLog, path: str | Path) -> pd.DataFrame:
    """Write the object-centric view of ``log`` as an OCEL 2.0 file, checked by reading it back.

    Parameters
    ----------
    log : DataFrame or ObjectCentricLog
        An event log, polars or pandas; best one read by ``o2c.read_sap_document_flow`` (with
        ``document`` and ``document_type``), else one event per row and one object per case;
        or an object-centric log, written with its own objects and links.
    path : str or Path
        The file to write; its suffix picks the format: ``.jsonocel`` / ``.json`` (OCEL 2.0
        JSON), ``.xmlocel`` / ``.xml`` (XML) or ``.sqlite``. An existing file is replaced.

    Returns
    -------
    DataFrame
        One row per object type: ``object_type``, ``objects``, ``events`` (events related to an
        object of that type), most objects first, ties by type; the file has been read back with
        pm4py and holds exactly these objects, events and relations.

    Raises
    ------
    ToolkitError
        When pm4py's reading of the written file lost or invented an event, object or relation.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c import example_log
    >>> write_ocel(example_log(), pathlib.Path(tempfile.mkdtemp()) / "orders.xmlocel")["objects"].sum()
    np.int64(3)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OCEL_FORMATS:
        raise ArgumentError(
            f"The 'path' argument of write_ocel must end in one of {', '.join(OCEL_FORMATS)}; got {path.name!r}.",
            function="write_ocel",
            argument="path",
            value=path,
            allowed=tuple(OCEL_FORMATS),
        )
    o2o = None
    if isinstance(log, ObjectCentricLog):
        events = log.events.select("event_id", "activity", "timestamp")
        objects = log.objects.select("object_id", "object_type")
        relations = log.relations.with_columns(pl.col("qualifier").fill_null(""))
        o2o = log.object_relations.with_columns(pl.col("qualifier").fill_null("")).to_pandas()
    else:
        events, objects, relations = _ocel_tables(validate(log))
    if path.exists():
        path.unlink()  # pm4py's SQLite writer adds to an existing database
    _pm4py.write_ocel2(events.to_pandas(), objects.to_pandas(), relations.to_pandas(), str(path), o2o)
    _check_round_trip(path, events, objects, relations)
    summary = (
        relations.join(objects, on="object_id")
        .group_by("object_type")
        .agg(events=pl.col("event_id").n_unique())
        .join(objects.group_by("object_type").agg(objects=pl.len()), on="object_type", how="right")
        .select("object_type", pl.col("objects").cast(pl.Int64), pl.col("events").fill_null(0).cast(pl.Int64))
        .sort(["objects", "object_type"], descending=[True, False])
    )
    return summary.to_pandas()


def _ocel_tables(log: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Events, objects and event-to-object relations of the log (polars frames, sorted)."""
    if "document" in log.columns and "document_type" in log.columns:
        names = {code: name for code, (name, _) in DOCUMENT_TYPES.items()}
        rows = log.select(
            CASE_ID,
            pl.col(ACTIVITY).cast(pl.String),
            TIMESTAMP,
            object_id=pl.concat_str("document_type", pl.lit(":"), "document"),
            object_type=pl.col("document_type").replace_strict(
                names, default=pl.concat_str(pl.lit("Document "), "document_type")
            ),
            order_id=pl.concat_str(pl.lit(f"{SALES_ORDER}:"), CASE_ID),
        ).with_columns(event_id=pl.concat_str(pl.lit("e:"), "object_id"))
        events = rows.select("event_id", ACTIVITY, TIMESTAMP).unique("event_id").sort("event_id")
        orders = rows.select(object_id="order_id", object_type=pl.lit(names[SALES_ORDER]))
        objects = (
            pl.concat([rows.select("object_id", "object_type"), orders]).unique("object_id").sort("object_id")
        )
        relations = (
            pl.concat(
                [
                    rows.select("event_id", "object_id", qualifier=pl.lit("creates")),
                    rows.filter(pl.col("order_id") != pl.col("object_id")).select(
                        "event_id", object_id="order_id", qualifier=pl.lit("order")
                    ),
                ]
            )
            .unique(["event_id", "object_id"], keep="first", maintain_order=True)
            .sort("event_id", "object_id")
        )
        return events, objects, relations
    rows = log.select(
        pl.concat_str(pl.lit("e"), pl.int_range(1, pl.len() + 1).cast(pl.String)).alias("event_id"),
        pl.col(ACTIVITY).cast(pl.String),
        TIMESTAMP,
        object_id=pl.col(CASE_ID),
    )
    events = rows.select("event_id", ACTIVITY, TIMESTAMP)
    objects = rows.select("object_id", object_type=pl.lit("Order")).unique("object_id").sort("object_id")
    relations = rows.select("event_id", "object_id", qualifier=pl.lit("order"))
    return events, objects, relations


def _check_round_trip(
    path: Path, events: pl.DataFrame, objects: pl.DataFrame, relations: pl.DataFrame
) -> None:
    read_events, read_objects, read_relations = _pm4py.read_ocel2(str(path))
    problems = []
    for what, written, read in (
        ("events", set(events["event_id"]), set(read_events["event_id"].astype(str))),
        ("objects", set(objects["object_id"]), set(read_objects["object_id"].astype(str))),
        (
            "relations",
            set(relations.select("event_id", "object_id").iter_rows()),
            set(
                zip(
                    read_relations["event_id"].astype(str),
                    read_relations["object_id"].astype(str),
                    strict=True,
                )
            ),
        ),
    ):
        if written != read or len(read) != {"events": len(read_events), "objects": len(read_objects),
                                             "relations": len(read_relations)}[what]:  # fmt: skip
            lost, invented = sorted(written - read)[:3], sorted(read - written)[:3]
            problems.append(
                f"{what}: {len(written):,} written, {len(read):,} read back (lost e.g. {lost}, new e.g. {invented})"
            )
    if problems:
        raise ToolkitError(
            f"{path.name} did not survive pm4py's OCEL 2.0 round trip: " + "; ".join(problems) + ".",
            path=path,
        )
