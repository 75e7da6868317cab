"""SAP SD document flow (table VBFA) -> an order-level order-to-cash event log.

VBFA has one row per link between a preceding document (``VBELV``, type ``VBTYP_V``) and a
subsequent one (``VBELN``, type ``VBTYP_N``), item by item (``POSNV``, ``POSNN``), stamped with
the creation date and time of the link (``ERDAT``, ``ERZET``), which is when the subsequent
document was created. ``read_sap_document_flow`` turns it into an event log:

- **one case per sales order** (document type ``C``), named by its number;
- **one event per distinct document per order**: a document is its type and number; an order
  with many items delivered in one delivery has one delivery event, an invoice that covers
  three orders is one event in each of the three orders (and one invoice in the reconciliation);
- a document belongs to an order when a chain of links leads from the order to it (order ->
  delivery -> goods movement, order -> invoice -> cancellation, ...) **in time order**: each link
  created no earlier than the one before it. Chains stop at other sales orders, which are cases
  of their own. SAP reuses numbers (transfer orders per warehouse, material documents per year),
  so a number that names a 2004 transfer order and a 2015 one is reached from the 2015 delivery
  only through the 2015 link, and the 2004 rows never date the 2015 order's event;
- the event's time is that of the earliest such chain's last link (``ERDAT`` + ``ERZET``), read
  in ``timezone`` (SAP writes the application server's local time, without a zone; ask the
  client's basis team) and stored in UTC; ``source_row`` is that link's row. The order's own
  event ("Create Sales Order") exists only when the table has a row creating the order (from a
  quotation, a contract, another order), dated by the earliest; its creation date otherwise
  lives in VBAK, not in VBFA;
- the other rows of a placed document (more items, more links) are merged into its event and
  counted (``notes["rows_merged"]``), as are numbers that date documents at different times
  (``notes["numbers_reused"]``); ``o2c.quality.data_quality`` shows both;
- every row of the table is placed (its subsequent document is an event of some order) or
  rejected with one reason, the first that applies: ``missing_document`` (no ``VBELN`` or
  ``VBTYP_N``), ``no_document_number`` (``VBELN`` holds the date, equal to ``ERDAT``, and
  ``POSNN`` the time: a status record SAP writes for picking confirmations and goods movements,
  with no document number of its own), ``unparseable_timestamp`` (``ERDAT``/``ERZET`` are not a
  date and time), ``nonexistent_local_time`` (a local time skipped in ``timezone`` when clocks
  went forward), ``missing_document`` on
  ``VBELV`` (no preceding document, so the row links nothing) and ``no_sales_order`` (no chain
  in time order leads from a sales order through the row: pre-sales documents, billing from
  other systems, links of a reused number's older document).

Examples
--------
>>> import tempfile, pathlib
>>> table = (
...     "VBELV,POSNV,VBELN,POSNN,VBTYP_N,VBTYP_V,RFWRT,WAERS,ERDAT,ERZET\\n"
...     "0000000001,000010,0080000001,000010,J,C,0.0,,20250106,101525\\n"
...     "0000000001,000020,0080000001,000020,J,C,0.0,,20250106,101525\\n"
...     "0000000001,000010,0090000001,000010,M,C,500.0,EUR,20250107,220000\\n"
...     "0080000001,000010,0090000001,000010,M,J,500.0,EUR,20250107,220000\\n")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "VBFA.csv"
>>> _ = path.write_text(table)
>>> loaded = read_sap_document_flow(path, timezone="Europe/Berlin")
>>> loaded.log.select("case_id", "activity", "timestamp", "document").rows()
[('0000000001', 'Create Delivery', datetime.datetime(2025, 1, 6, 9, 15, 25, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '0080000001'), ('0000000001', 'Create Invoice', datetime.datetime(2025, 1, 7, 21, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '0090000001')]
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from o2c.errors import ArgumentError, InputFileError, check_timezone
from o2c.io._changes import find_change_tables, read_change_documents
from o2c.io._csv import read_csv
from o2c.io._inflate import MAX_INFLATED_BYTES
from o2c.io._mapping import ColumnMapping
from o2c.io._sap_tables import encrypted, read_member, sap_columns, sap_name, sap_text
from o2c.io._timestamps import in_zone
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    SOURCE_ROW,
    TIMESTAMP,
    UTC,
    VALUE,
    Reason,
    empty_rejects,
    validate,
)
from o2c.model import LoadedLog, SourceInfo

#: SAP's document categories (the fixed values of domain VBTYP, one character) and the activity
#: each document's creation becomes; a category not listed becomes "Create Document (<code>)".
DOCUMENT_TYPES: dict[str, tuple[str, str]] = {
    "A": ("Inquiry", "Create Inquiry"),
    "B": ("Quotation", "Create Quotation"),
    "C": ("Sales Order", "Create Sales Order"),
    "D": ("Item Proposal", "Create Item Proposal"),
    "E": ("Scheduling Agreement", "Create Scheduling Agreement"),
    "F": ("Scheduling Agreement with External Service Agent", "Create Scheduling Agreement"),
    "G": ("Contract", "Create Contract"),
    "H": ("Returns", "Create Return Order"),
    "I": ("Order w/o Charge", "Create Free-of-Charge Order"),
    "J": ("Delivery", "Create Delivery"),
    "K": ("Credit Memo Request", "Create Credit Memo Request"),
    "L": ("Debit Memo Request", "Create Debit Memo Request"),
    "M": ("Invoice", "Create Invoice"),
    "N": ("Invoice Cancellation", "Cancel Invoice"),
    "O": ("Credit Memo", "Create Credit Memo"),
    "P": ("Debit Memo", "Create Debit Memo"),
    "Q": ("WMS Transfer Order", "Create Transfer Order"),
    "R": ("Goods Movement", "Post Goods Movement"),
    "S": ("Credit Memo Cancellation", "Cancel Credit Memo"),
    "T": ("Returns Delivery for Order", "Create Returns Delivery"),
    "U": ("Pro Forma Invoice", "Create Pro Forma Invoice"),
    "V": ("Purchase Order", "Create Purchase Order"),
    "W": ("Independent Reqts Plan", "Create Requirements Plan"),
    "X": ("Handling Unit", "Create Handling Unit"),
    "0": ("Master Contract", "Create Master Contract"),
    "1": ("Sales Activities (CAS)", "Create Sales Activity"),
    "2": ("External Transaction", "Record External Transaction"),
    "3": ("Invoice List", "Create Invoice List"),
    "4": ("Credit Memo List", "Create Credit Memo List"),
    "5": ("Intercompany Invoice", "Create Intercompany Invoice"),
    "6": ("Intercompany Credit Memo", "Create Intercompany Credit Memo"),
    "7": ("Delivery/shipping Notification", "Receive Shipping Notification"),
    "8": ("Shipment", "Create Shipment"),
    "a": ("Shipment Costs", "Create Shipment Costs"),
    "b": ("CRM Opportunity", "Create CRM Opportunity"),
    "c": ("Unverified Delivery", "Create Unverified Delivery"),
    "d": ("Trading Contract", "Create Trading Contract"),
    "e": ("Allocation Table", "Create Allocation Table"),
    "f": ("Additional Billing Documents", "Create Additional Billing Document"),
    "g": ("Rough Goods Receipt (IS-Retail)", "Create Rough Goods Receipt"),
    "h": ("Cancel Goods Issue", "Cancel Goods Issue"),
    "i": ("Goods Receipt", "Post Goods Receipt"),
    "j": ("JIT Call", "Create JIT Call"),
    "p": ("Goods Movement (Documentation)", "Post Goods Movement (Documentation)"),
    "r": ("TD Transport (IS-Oil)", "Create TD Transport"),
    "s": ("Load Confirmation, Reposting (IS-Oil)", "Confirm Load (Reposting)"),
    "t": ("Gain / Loss (IS-Oil)", "Post Gain / Loss"),
    "u": ("Reentry Into Storage (IS-Oil)", "Reenter into Storage"),
    "x": ("Load Confirmation, Goods Receipt (IS-Oil)", "Confirm Load (Goods Receipt)"),
}

#: The document type of a sales order: each one is a case.
SALES_ORDER = "C"

#: The columns the reader needs; POSNN, RFWRT and WAERS are used when present.
REQUIRED_COLUMNS = ("VBELV", "VBTYP_V", "VBELN", "VBTYP_N", "ERDAT", "ERZET")

#: The document types ``reconciliation`` lists first: orders, deliveries, invoices.
_KEY_TYPES = ("C", "J", "M")
_MAX_LEVELS = 100  # document chains are a handful of links long; this stops a malformed table


def read_sap_document_flow(
    path: str | Path, *, timezone: str = "UTC", max_inflated_bytes: int = MAX_INFLATED_BYTES
) -> LoadedLog:
    """Read a VBFA export (CSV, or a zip holding one) as an order-level event log.

    Parameters
    ----------
    path : str or Path
        The table as delimited text with SAP's column names in the header (at least
        ``VBELV``, ``VBTYP_V``, ``VBELN``, ``VBTYP_N``, ``ERDAT``, ``ERZET``), or a zip file with
        one such member (or a member whose name says VBFA). A member that is itself a zip is
        opened too.
    timezone : str
        The zone of ``ERDAT``/``ERZET`` (SAP stores the application server's local time);
        an IANA name such as ``Europe/Berlin``. Ambiguous times (the hour repeated when clocks
        go back) take the earlier instant; times skipped when clocks go forward are rejected
        (``nonexistent_local_time``).
    max_inflated_bytes : int
        The most bytes the zipped table may inflate to (default 4 GiB): a guard against zip bombs.

    Returns
    -------
    LoadedLog
        ``log``: one case per sales order, one event per distinct document of the order, with
        ``case_id`` (the order number), ``activity`` (the document's creation: ``Create
        Delivery``, ``Post Goods Movement``, ``Create Invoice``, ``Cancel Invoice``, ``Create
        Credit Memo``, ``Create Return Order``, ...; see ``DOCUMENT_TYPES``), ``timestamp``
        (UTC), ``value`` (the order's invoiced net value: ``RFWRT`` of the invoice items that
        refer to the order directly, each item once; null when none), ``source_row`` (the
        table row that dates the event; header = row 1), ``document`` (the document number),
        ``document_type`` (its VBTYP code), ``document_value`` (``RFWRT`` summed over the
        document's distinct items) and ``currency`` (``WAERS`` of the order's invoice items).
        ``rejects``: one row per rejected table row (reasons in the module docstring).
        ``source``: format ``sap_vbfa``; ``notes`` hold the timezone, the zip member, the rows
        placed, and ``documents``: the distinct documents of each type in the table (both
        columns, every row), for ``reconciliation``.

        With SAP change documents beside the table (``CDHDR*.csv`` and ``CDPOS*.csv`` in the
        same folder or zip; see ``o2c.io._changes``) the log also has one event per changed
        field (``Change VBAP-NETWR``, ``resource`` the user, ``value_old``, ``value_new``, ...),
        every event a ``source_file``; their rejected rows join ``rejects`` (by
        ``source_file``), ``source.rows`` counts the rows of all files and ``notes`` gain
        ``change_documents`` and ``rows_by_file``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "VBFA.csv"
    >>> _ = path.write_text("VBELV,VBTYP_V,VBELN,VBTYP_N,ERDAT,ERZET\\n"
    ...                     "0000000001,C,0080000001,J,20250106,101525\\n"
    ...                     "0000000009,2,0090000009,M,20250106,101525\\n")
    >>> loaded = read_sap_document_flow(path)
    >>> loaded.log["activity"].to_list(), loaded.rejects["reason"].to_list()
    (['Create Delivery'], ['no_sales_order'])
    """
    zone = check_timezone(timezone, function="read_sap_document_flow")
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"No such file: {path}", path=path)
    data = path.read_bytes()
    member, table_bytes = _unzip(path, data, limit=max_inflated_bytes)
    read = read_csv(path, table_bytes, on_disk=member is None)
    raw = sap_columns(
        read.frame, required=REQUIRED_COLUMNS, name=path.name, path=path, table="VBFA", kind="document flow"
    )
    source_file = path.name
    flow = _flow(raw, zone)
    reached, used, rejects = _place(flow)
    log = _events(flow, reached, used)
    malformed = read.malformed.with_columns(source_file=pl.lit(source_file)).select(empty_rejects().columns)
    rejects = pl.concat(
        [malformed, rejects.with_columns(source_file=pl.lit(source_file)).select(empty_rejects().columns)]
    )
    rejects = rejects.sort(SOURCE_ROW, maintain_order=True)
    headers, items = find_change_tables(path, data, max_inflated_bytes=max_inflated_bytes)
    changes = None
    if headers:
        changes = read_change_documents(headers, items, log, timezone=zone)
    notes: dict[str, Any] = {
        "timezone": zone,
        "member": member,
        "rule": "one event per distinct document (VBTYP_N, VBELN) per sales order",
        "rows_placed": raw.height - (rejects.height - malformed.height),
        "documents": _table_documents(flow),
        **_identity_notes(log, used),
    }
    if changes is not None:
        notes["change_documents"] = changes.notes
        notes["rows_by_file"] = {source_file: read.rows, **changes.notes["rows_by_file"]}
        log = validate(
            pl.concat(
                [log.with_columns(source_file=pl.lit(source_file)), changes.events], how="diagonal_relaxed"
            )
        )
        rejects = pl.concat([rejects, changes.rejects])
    mapping = ColumnMapping(
        case_id="VBELV", activity="VBTYP_N", timestamp="ERDAT", value="RFWRT" if "RFWRT" in raw.columns else None,
        timezone=zone,
    )  # fmt: skip
    source = SourceInfo(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        format="sap_vbfa",
        mapping=mapping,
        rows=sum(notes["rows_by_file"].values()) if "rows_by_file" in notes else read.rows,
        encoding=read.encoding,
        delimiter=read.delimiter,
        reader="duckdb",
        notes=notes,
    )
    return LoadedLog(log, rejects, source)


def is_document_flow(path: str | Path) -> bool:
    """True when ``path`` is a VBFA export: a CSV (or a zip of one) whose header has VBFA's columns.

    Reads only the header line, so it is cheap enough to decide how to read a file.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "flow.csv"
    >>> _ = path.write_text("VBELV;VBTYP_V;VBELN;VBTYP_N;ERDAT;ERZET\\n")
    >>> is_document_flow(path), is_document_flow(pathlib.Path(__file__))
    (True, False)
    """
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                name = _choose_member(path, archive)
                if encrypted(archive, name):
                    return True  # encrypted: read_sap_document_flow says so
                with archive.open(name) as handle:
                    head = handle.read(4096)
                if head.startswith(b"PK\x03\x04"):
                    _, inner = _unzip(path, path.read_bytes())
                    head = inner[:4096]
        else:
            with path.open("rb") as handle:
                head = handle.read(4096)
    except (OSError, zipfile.BadZipFile, InputFileError):
        return False
    first = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()[:1]
    if not first:
        return False
    names = {sap_name(n) for n in first[0].replace(";", ",").replace("\t", ",").replace("|", ",").split(",")}
    return set(REQUIRED_COLUMNS) <= names


def reconciliation(loaded: LoadedLog) -> pd.DataFrame:
    """Documents of each type in the VBFA table against those in the event log.

    Parameters
    ----------
    loaded : LoadedLog
        What ``read_sap_document_flow`` returned.

    Returns
    -------
    DataFrame
        One row per document type: ``document_type`` (VBTYP), ``name``, ``in_table`` (distinct
        document numbers of that type in the table, in either column of any row, rejected rows
        included), ``in_log`` (distinct documents of that type among the log's events),
        ``not_in_log`` (the difference: documents whose every row was rejected, or orders with no
        dated document). Orders, deliveries and invoices first, then by ``in_table``
        (descending) and type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "VBFA.csv"
    >>> _ = path.write_text("VBELV,VBTYP_V,VBELN,VBTYP_N,ERDAT,ERZET\\n"
    ...                     "0000000001,C,0080000001,J,20250106,101525\\n"
    ...                     "0000000009,2,0090000009,M,20250106,101525\\n")
    >>> reconciliation(read_sap_document_flow(path))
      document_type                  name  in_table  in_log  not_in_log
    0             C           Sales Order         1       1           0
    1             J              Delivery         1       1           0
    2             M               Invoice         1       0           1
    3             2  External Transaction         1       0           1
    """
    counts: Mapping[str, int] = loaded.source.notes.get("documents", {})
    if loaded.source.format != "sap_vbfa":
        raise ArgumentError(
            f"reconciliation needs a log read by read_sap_document_flow; {loaded.source.path} was read "
            f"as {loaded.source.format!r}.",
            function="reconciliation",
            argument="loaded",
            value=loaded.source.format,
            allowed=("sap_vbfa",),
        )
    log = loaded.log
    in_log = dict(
        log.select("document_type", "document").unique().group_by("document_type").len().iter_rows()
    )
    cases = log[CASE_ID].n_unique()
    orders_with_own_event = log.filter(pl.col("document_type") == SALES_ORDER)["document"].n_unique()
    in_log[SALES_ORDER] = max(cases, orders_with_own_event)  # an order is in the log when it is a case
    table = pl.DataFrame(
        {
            "document_type": list(counts),
            "in_table": list(counts.values()),
        },
        schema={"document_type": pl.String, "in_table": pl.Int64},
    ).with_columns(
        name=pl.col("document_type").replace_strict(
            {k: v[0] for k, v in DOCUMENT_TYPES.items()}, default=pl.lit("Unknown document type")
        ),
        in_log=pl.col("document_type").replace_strict(in_log, default=0, return_dtype=pl.Int64),
        key=pl.col("document_type").replace_strict(
            {t: i for i, t in enumerate(_KEY_TYPES)}, default=len(_KEY_TYPES), return_dtype=pl.Int64
        ),
    )
    table = table.with_columns(not_in_log=pl.col("in_table") - pl.col("in_log")).sort(
        ["key", "in_table", "document_type"], descending=[False, True, False]
    )
    return table.select("document_type", "name", "in_table", "in_log", "not_in_log").to_pandas()


def reconciliation_text(loaded: LoadedLog) -> str:
    """The reconciliation as ``o2c inspect`` prints it: orders, deliveries, invoices, then the rest.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "VBFA.csv"
    >>> _ = path.write_text("VBELV,VBTYP_V,VBELN,VBTYP_N,ERDAT,ERZET\\n"
    ...                     "0000000001,C,0080000001,J,20250106,101525\\n")
    >>> print(reconciliation_text(read_sap_document_flow(path)))
    SAP document flow: one case per sales order (VBTYP C), one event per distinct document; ERDAT/ERZET read in UTC
      documents                      in table     in log  not in log
      C Sales Order                         1          1           0
      J Delivery                            1          1           0
      M Invoice                             0          0           0
    """
    table = reconciliation(loaded)
    present = set(table["document_type"])
    extra = pd.DataFrame(
        [(t, DOCUMENT_TYPES[t][0], 0, 0, 0) for t in _KEY_TYPES if t not in present], columns=table.columns
    )
    table = pd.concat([extra, table], ignore_index=True) if len(extra) else table
    order = {t: i for i, t in enumerate(_KEY_TYPES)}
    table = table.assign(_key=table["document_type"].map(order).fillna(len(order))).sort_values(
        ["_key", "in_table", "document_type"], ascending=[True, False, True], kind="stable"
    )
    zone = loaded.source.notes.get("timezone", "UTC")
    width = max(
        28, *(len(f"{t} {n}") + 1 for t, n in zip(table["document_type"], table["name"], strict=True))
    )
    lines = [
        "SAP document flow: one case per sales order (VBTYP C), one event per distinct document; "
        f"ERDAT/ERZET read in {zone}",
        f"  {'documents':<{width}}{'in table':>10} {'in log':>10} {'not in log':>11}",
    ]
    for row in table.itertuples(index=False):
        label = f"{row.document_type} {row.name}"
        lines.append(f"  {label:<{width}}{row.in_table:>10,} {row.in_log:>10,} {row.not_in_log:>11,}")
    return "\n".join(lines)


# --- reading ---------------------------------------------------------------------------------------


def _choose_member(path: Path, archive: zipfile.ZipFile) -> str:
    names = [i.filename for i in archive.infolist() if not i.is_dir()]
    if len(names) == 1:
        return names[0]
    vbfa = [n for n in names if "vbfa" in Path(n).name.lower()]
    if len(vbfa) == 1:
        return vbfa[0]
    raise InputFileError(
        f"{path.name} holds {len(names)} files ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''}) and "
        "no single one named like VBFA; extract the VBFA table and read it directly.",
        path=path,
    )


def _unzip(path: Path, data: bytes, *, limit: int = MAX_INFLATED_BYTES) -> tuple[str | None, bytes]:
    """The table's bytes: ``data`` itself, or the zip member holding it (one level of nesting),
    inflated within ``limit`` bytes."""
    if not data.startswith(b"PK\x03\x04"):
        return None, data
    names: list[str] = []
    for _level in range(2):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                name = _choose_member(path, archive)
                data = read_member(archive, name, path=path, limit=limit)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise InputFileError(f"{path.name} is not a readable zip file: {exc}", path=path) from exc
        names.append(name)
        if not data.startswith(b"PK\x03\x04"):
            return "/".join(names), data
    raise InputFileError(
        f"{path.name}: zip files nested more than two deep; extract the table first.", path=path
    )


def _flow(raw: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """The rows with clean keys, the UTC creation time, and a reason for rows that cannot be used."""

    def text(name: str) -> pl.Expr:
        return sap_text(raw, name)

    date = text("ERDAT").str.replace_all("-", "")
    time = text("ERZET").str.replace_all(":", "")
    local = pl.concat_str(date, time).str.to_datetime("%Y%m%d%H%M%S", strict=False, time_unit="us")
    flow = raw.select(
        SOURCE_ROW,
        pred=text("VBELV"),
        pred_type=text("VBTYP_V"),
        doc=text("VBELN"),
        doc_type=text("VBTYP_N"),
        item=text("POSNN"),
        amount=text("RFWRT").cast(pl.Float64, strict=False),
        currency=text("WAERS"),
        erdat=text("ERDAT"),
        erzet=text("ERZET"),
        _local=local,
        timestamp=in_zone(local, timezone).dt.convert_time_zone("UTC").cast(UTC),
    )
    no_document = pl.col("doc").is_null() | pl.col("doc_type").is_null()
    status_record = (pl.col("doc") == pl.col("erdat")) & (pl.col("item") == pl.col("erzet"))
    reason = (
        pl.when(no_document)
        .then(pl.lit(str(Reason.MISSING_DOCUMENT)))
        .when(status_record)
        .then(pl.lit(str(Reason.NO_DOCUMENT_NUMBER)))
        .when(pl.col(TIMESTAMP).is_null() & pl.col("_local").is_not_null())
        .then(pl.lit(str(Reason.NONEXISTENT_LOCAL_TIME)))
        .when(pl.col(TIMESTAMP).is_null())
        .then(pl.lit(str(Reason.UNPARSEABLE_TIMESTAMP)))
    )
    return flow.with_columns(reason=reason).drop("_local")


def _place(flow: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Which order each document belongs to, when it was created there, and the rows' fate.

    A document belongs to an order when a chain of usable links leads to it from the order with
    each link created no earlier than the one before it (time order): a number reused years later
    is reached only through the links of its own time. Returns ``reached``: (``case_id``,
    ``doc_type``, ``doc``, ``timestamp``, ``source_row``) -- the earliest such chain's last
    link dates the document in that order; sales orders themselves, the cases, have no time --;
    ``used``: the placed rows with the order and document they serve; and the rejects.
    """
    usable = flow.filter(pl.col("reason").is_null())
    links = usable.filter(pl.col("pred").is_not_null() & pl.col("pred_type").is_not_null()).select(
        "pred_type", "pred", "doc_type", "doc", TIMESTAMP, SOURCE_ROW
    )
    orders = pl.concat(
        [
            usable.filter(pl.col("doc_type") == SALES_ORDER).select(case_id="doc"),
            links.filter(pl.col("pred_type") == SALES_ORDER).select(case_id="pred"),
        ]
    ).unique()
    keys = [CASE_ID, "doc_type", "doc"]
    roots = orders.select(
        CASE_ID,
        doc_type=pl.lit(SALES_ORDER),
        doc=pl.col(CASE_ID),
        timestamp=pl.lit(None, UTC),
        source_row=pl.lit(None, pl.Int64),
    )
    reached = roots.clear()
    frontier = roots
    for _level in range(_MAX_LEVELS):  # one join per level of the document chains, not per row
        step = (
            _follow(frontier, links)
            .sort(TIMESTAMP, SOURCE_ROW)
            .unique(keys, keep="first", maintain_order=True)
        )
        known = step.join(reached, on=keys, how="left", suffix="_known")
        earlier = (
            pl.col("timestamp_known").is_null()
            | (pl.col(TIMESTAMP) < pl.col("timestamp_known"))
            | (
                (pl.col(TIMESTAMP) == pl.col("timestamp_known"))
                & (pl.col(SOURCE_ROW) < pl.col("source_row_known"))
            )
        )
        frontier = known.filter(earlier).select(reached.columns)
        if frontier.is_empty():
            break
        reached = pl.concat([reached.join(frontier, on=keys, how="anti"), frontier])
    anchors = pl.concat([roots, reached])
    used_links = _follow(anchors, links).select(*keys, _row=SOURCE_ROW).join(reached.select(keys), on=keys)
    creations = usable.filter(pl.col("doc_type") == SALES_ORDER).select(
        pl.col("doc").alias(CASE_ID), "doc_type", "doc", _row=SOURCE_ROW
    )
    unlinked = (
        usable.filter(pl.col("pred").is_null() | pl.col("pred_type").is_null())
        .select("doc_type", "doc", _row=SOURCE_ROW)
        .join(reached.select(keys), on=["doc_type", "doc"])
        .select(*keys, "_row")
    )
    used = pl.concat([used_links, creations, unlinked]).unique().rename({"_row": SOURCE_ROW})
    rejects = _rejects(flow, used)
    return reached, used, rejects


def _follow(anchors: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """The links out of each (order, document) in ``anchors`` created no earlier than it was."""
    return (
        anchors.join(links, left_on=["doc_type", "doc"], right_on=["pred_type", "pred"], suffix="_next")
        .filter(
            pl.col("doc_type_next") != SALES_ORDER,
            pl.col(TIMESTAMP).is_null() | (pl.col("timestamp_next") >= pl.col(TIMESTAMP)),
        )
        .select(CASE_ID, doc_type="doc_type_next", doc="doc_next", timestamp="timestamp_next",
                source_row="source_row_next")
    )  # fmt: skip


def _rejects(flow: pl.DataFrame, used: pl.DataFrame) -> pl.DataFrame:
    """One reject per row that is neither unusable already nor ``used`` by an order."""
    is_used = pl.col(SOURCE_ROW).is_in(used[SOURCE_ROW].implode())
    reason = (
        pl.when(pl.col("reason").is_not_null())
        .then(pl.col("reason"))
        .when(is_used)
        .then(pl.lit(None, pl.String))
        .when(pl.col("pred").is_null() | pl.col("pred_type").is_null())
        .then(pl.lit(str(Reason.MISSING_DOCUMENT)))
        .otherwise(pl.lit(str(Reason.NO_SALES_ORDER)))
    )
    judged = flow.with_columns(reason=reason).filter(pl.col("reason").is_not_null())
    timing = pl.col("reason").is_in([str(Reason.UNPARSEABLE_TIMESTAMP), str(Reason.NONEXISTENT_LOCAL_TIME)])
    column = (
        pl.when(timing)
        .then(pl.lit("ERDAT"))
        .when((pl.col("reason") == str(Reason.MISSING_DOCUMENT)) & pl.col("doc").is_null())
        .then(pl.lit("VBELN"))
        .when((pl.col("reason") == str(Reason.MISSING_DOCUMENT)) & pl.col("doc_type").is_null())
        .then(pl.lit("VBTYP_N"))
        .when(pl.col("reason") == str(Reason.MISSING_DOCUMENT))
        .then(pl.lit("VBELV"))
        .otherwise(pl.lit("VBELN"))
    )
    value = (
        pl.when(timing)
        .then(pl.concat_str(pl.col("erdat").fill_null(""), pl.col("erzet").fill_null(""), separator=" "))
        .when(pl.col("reason") == str(Reason.NO_DOCUMENT_NUMBER))
        .then(pl.concat_str(pl.col("doc"), pl.col("item").fill_null(""), separator=" "))
        .when((pl.col("reason") == str(Reason.MISSING_DOCUMENT)) & pl.col("doc").is_not_null() & pl.col("doc_type").is_not_null())
        .then(pl.concat_str(pl.col("doc_type"), pl.col("doc"), separator=" "))
        .when(pl.col("reason") == str(Reason.MISSING_DOCUMENT))
        .then(pl.lit(""))
        .otherwise(pl.concat_str(pl.col("doc_type"), pl.col("doc"), separator=" "))
    )  # fmt: skip
    return judged.select(SOURCE_ROW, column=column, value=value, reason="reason")


def _events(flow: pl.DataFrame, reached: pl.DataFrame, used: pl.DataFrame) -> pl.DataFrame:
    """One event per (order, document), dated as ``_place`` found; an order's own event by the
    earliest row creating it.

    A document's value sums ``RFWRT`` over its distinct items among the rows that serve it in
    any order where it was created at the same time (a collective invoice is one document in
    each of its orders; a number reused later is another document).
    """
    usable = flow.filter(pl.col("reason").is_null())
    keys = [CASE_ID, "doc_type", "doc"]
    own = (
        usable.filter(pl.col("doc_type") == SALES_ORDER)
        .sort(TIMESTAMP, SOURCE_ROW)
        .unique("doc", keep="first", maintain_order=True)
        .select(pl.col("doc").alias(CASE_ID), "doc_type", "doc", TIMESTAMP, SOURCE_ROW)
    )
    dated = pl.concat([own, reached])
    items = (
        used.join(dated.select(*keys, _created=TIMESTAMP), on=keys)
        .join(usable.select(SOURCE_ROW, "item", "amount"), on=SOURCE_ROW)
        .sort(SOURCE_ROW)
        .unique(["doc_type", "doc", "_created", "item"], keep="first", maintain_order=True)
        .group_by("doc_type", "doc", "_created")
        .agg(document_value=pl.col("amount").sum())
    )
    own_invoices = (
        usable.filter((pl.col("pred_type") == SALES_ORDER) & (pl.col("doc_type") == "M"))
        .sort(SOURCE_ROW)
        .unique(["pred", "doc", "item"], keep="first", maintain_order=True)
        .group_by("pred")
        .agg(value=pl.col("amount").sum(), currency=pl.col("currency").drop_nulls().first())
        .rename({"pred": CASE_ID})
    )
    names = {code: activity for code, (_, activity) in DOCUMENT_TYPES.items()}
    events = (
        dated.join(items, left_on=["doc_type", "doc", TIMESTAMP], right_on=["doc_type", "doc", "_created"], how="left")
        .join(own_invoices, on=CASE_ID, how="left")
        .select(
            CASE_ID,
            pl.col("doc_type")
            .replace_strict(
                names, default=pl.concat_str(pl.lit("Create Document ("), "doc_type", pl.lit(")"))
            )
            .alias(ACTIVITY),
            TIMESTAMP,
            VALUE,
            SOURCE_ROW,
            document="doc",
            document_type="doc_type",
            document_value="document_value",
            currency="currency",
        )
    )  # fmt: skip
    return validate(events)


def _identity_notes(log: pl.DataFrame, used: pl.DataFrame) -> dict[str, int]:
    """What the ledger says of document identity: rows merged into another row's event, and
    numbers that date documents at different times (reused numbers)."""
    return {
        "rows_merged": used[SOURCE_ROW].n_unique() - log[SOURCE_ROW].n_unique(),
        "numbers_reused": log.group_by("document_type", "document")
        .agg(pl.col(TIMESTAMP).n_unique())
        .filter(pl.col(TIMESTAMP) > 1)
        .height,
    }


def _table_documents(flow: pl.DataFrame) -> dict[str, int]:
    """Distinct document numbers per type in the table: both columns of every row."""
    both = pl.concat(
        [
            flow.select(t="doc_type", n="doc"),
            flow.select(t="pred_type", n="pred"),
        ]
    ).drop_nulls()
    counts = both.unique().group_by("t").len().sort("t")
    return {str(t): int(n) for t, n in counts.iter_rows()}
