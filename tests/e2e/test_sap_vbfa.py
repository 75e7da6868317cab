"""The real SAP document flow ../shared/real_logs/VBFA.zip: every figure recomputed with the standard library.

The table is read again with ``csv``, and the documents of each sales order are found again by a
plain depth-first search over the document links, so the reader's polars joins are checked
against an independent walk: cases, events, timestamps, rejects, reconciliation, OCEL round trip.
"""

from __future__ import annotations

import csv
import heapq
import io
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from o2c import read_sap_document_flow, write_ocel
from o2c._pm4py import pm4py
from o2c.io import LoadedLog
from o2c.io._sap import is_document_flow, reconciliation, reconciliation_text
from tests.conftest import real_log

ROWS = 167_766  # as ../shared/real_logs/README.md states

Doc = tuple[str, str]  # (VBTYP, number)


@pytest.fixture(scope="module")
def loaded() -> LoadedLog:
    return read_sap_document_flow(real_log("VBFA.zip"))


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    """Cases, events, rejects and document counts, by the rules of the module docstring, in plain Python."""
    with zipfile.ZipFile(real_log("VBFA.zip")) as archive:
        (name,) = archive.namelist()
        data = archive.read(name)  # named VBFA.zip, but it is the CSV itself
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    table_docs: dict[str, set[str]] = defaultdict(set)
    usable: list[tuple[int, Doc | None, Doc, datetime]] = []
    reasons: dict[int, str] = {}
    for number, row in enumerate(rows, start=2):  # the header is row 1
        row = {k: v.strip() for k, v in row.items()}
        for kind, doc in ((row["VBTYP_N"], row["VBELN"]), (row["VBTYP_V"], row["VBELV"])):
            if kind and doc:
                table_docs[kind].add(doc)
        if not row["VBELN"] or not row["VBTYP_N"]:
            reasons[number] = "missing_document"
            continue
        if row["VBELN"] == row["ERDAT"] and row["POSNN"] == row["ERZET"]:
            reasons[number] = "no_document_number"
            continue
        try:
            when = datetime.strptime(row["ERDAT"] + row["ERZET"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            reasons[number] = "unparseable_timestamp"
            continue
        pred = (row["VBTYP_V"], row["VBELV"]) if row["VBTYP_V"] and row["VBELV"] else None
        usable.append((number, pred, (row["VBTYP_N"], row["VBELN"]), when))

    links: dict[Doc, list[tuple[Doc, datetime, int]]] = defaultdict(list)
    created: dict[Doc, tuple[datetime, int]] = {}  # a sales order's earliest creation row
    orders: set[str] = set()
    for number, pred, doc, when in usable:
        if pred is not None:
            links[pred].append((doc, when, number))
            if pred[0] == "C":
                orders.add(pred[1])
        if doc[0] == "C":
            orders.add(doc[1])
            if doc not in created or (when, number) < created[doc]:
                created[doc] = (when, number)

    events: dict[tuple[str, Doc], tuple[datetime, int]] = {}
    used: set[int] = set()
    for order in orders:  # earliest arrival from each order, each link no earlier than the last
        root: Doc = ("C", order)
        arrival: dict[Doc, tuple[datetime, int]] = {}
        heap: list[tuple[datetime, int, Doc]] = []
        for nxt, when, number in links.get(root, ()):
            used.add(number)
            if nxt[0] != "C" and (nxt not in arrival or (when, number) < arrival[nxt]):
                arrival[nxt] = (when, number)
                heapq.heappush(heap, (when, number, nxt))
        while heap:
            when, number, doc = heapq.heappop(heap)
            if arrival[doc] != (when, number):
                continue  # reached earlier since
            for nxt, later, row in links.get(doc, ()):
                if nxt[0] != "C" and later >= when:
                    used.add(row)
                    if nxt not in arrival or (later, row) < arrival[nxt]:
                        arrival[nxt] = (later, row)
                        heapq.heappush(heap, (later, row, nxt))
        events.update({(order, doc): stamp for doc, stamp in arrival.items()})
        if root in created:
            events[(order, root)] = created[root]
    reached = {doc for _, doc in events}
    for number, pred, doc, _ in usable:
        if doc[0] == "C" or (pred is None and doc in reached):
            used.add(number)  # an order's creation; a document's row without a predecessor
        if number not in used:
            reasons[number] = "missing_document" if pred is None else "no_sales_order"
    return {
        "rows": len(rows),
        "table_docs": {kind: len(docs) for kind, docs in table_docs.items()},
        "events": events,
        "reasons": reasons,
        "orders": orders,
    }


def test_every_row_is_placed_or_rejected_once(loaded: LoadedLog, expected: dict[str, Any]) -> None:
    assert loaded.source.rows == expected["rows"] == ROWS
    rejects = loaded.rejects
    assert rejects["source_row"].n_unique() == rejects.height  # one reason per row
    assert dict(zip(rejects["source_row"], rejects["reason"], strict=True)) == expected["reasons"]
    assert loaded.source.notes["rows_placed"] + rejects.height == ROWS
    counts = Counter(expected["reasons"].values())
    assert counts["no_sales_order"] > 40_000 and counts["no_document_number"] > 7_000  # what this table holds


def test_cases_and_events_equal_the_walk(loaded: LoadedLog, expected: dict[str, Any]) -> None:
    log = loaded.log
    stamps = {(order, (kind, doc)): (when, row) for order, kind, doc, when, row in
              log.select("case_id", "document_type", "document", "timestamp", "source_row").iter_rows()}  # fmt: skip
    assert log.height == len(stamps)  # one event per document per order
    assert stamps == expected["events"]
    assert log.schema["timestamp"] == pl.Datetime("us", "UTC")


def test_waits_stay_within_each_orders_documents(loaded: LoadedLog) -> None:
    """Reused transfer-order numbers no longer date an order's transfer order by a 2004 namesake
    (4,970 of 9,183 came before the order's first delivery, hence the 1,933-day headline); the
    notes count the reuse and the rows merged into document events."""
    deliveries = (
        loaded.log.filter(pl.col("document_type") == "J")
        .group_by("case_id")
        .agg(first=pl.col("timestamp").min())
    )
    transfers = loaded.log.filter(pl.col("document_type") == "Q").join(deliveries, on="case_id")
    assert transfers.height > 9_000
    assert transfers.filter(pl.col("timestamp") < pl.col("first")).is_empty()
    assert loaded.source.notes["numbers_reused"] > 1_000  # transfer orders and goods movements
    assert loaded.source.notes["rows_merged"] > 0


def test_collective_documents_count_once(loaded: LoadedLog) -> None:
    invoices = loaded.log.filter(pl.col("document_type") == "M")
    shared = (
        invoices.group_by("document").agg(orders=pl.col("case_id").n_unique()).filter(pl.col("orders") > 1)
    )
    assert shared.height > 0  # collective invoices: one invoice, several orders
    table = reconciliation(loaded).set_index("document_type")
    assert table.loc["M", "in_log"] == invoices["document"].n_unique() < invoices.height


def test_reconciliation_of_orders_deliveries_invoices(loaded: LoadedLog, expected: dict[str, Any]) -> None:
    table = reconciliation(loaded).set_index("document_type")
    assert list(table.index[:3]) == ["C", "J", "M"]
    in_log = Counter(kind for kind, _ in {doc for _, doc in expected["events"]})  # distinct documents
    in_log["C"] = len({order for order, _ in expected["events"]})
    for kind in table.index:
        assert table.loc[kind, "in_table"] == expected["table_docs"][kind], kind
        assert table.loc[kind, "in_log"] == in_log.get(kind, 0), kind
        assert table.loc[kind, "not_in_log"] == table.loc[kind, "in_table"] - table.loc[kind, "in_log"], kind
    # the log's orders, deliveries and invoices are the distinct document numbers the walk placed
    assert table.loc["C", "in_log"] == loaded.log["case_id"].n_unique()
    for kind in ("J", "M"):
        assert (
            table.loc[kind, "in_log"]
            == loaded.log.filter(pl.col("document_type") == kind)["document"].n_unique()
        )
    text = reconciliation_text(loaded)
    for kind, name in (("C", "Sales Order"), ("J", "Delivery"), ("M", "Invoice")):
        row = table.loc[kind]
        assert f"{kind} {name}" in text and f"{row['in_table']:,}" in text and f"{row['in_log']:,}" in text
    assert is_document_flow(real_log("VBFA.zip"))


def test_ocel_round_trip_keeps_every_object_and_event(loaded: LoadedLog, tmp_path: Path) -> None:
    path = tmp_path / "vbfa.jsonocel"
    summary = write_ocel(loaded.log, path)
    ocel = pm4py().read_ocel2(str(path))
    documents = {
        f"{kind}:{doc}" for kind, doc in loaded.log.select("document_type", "document").unique().iter_rows()
    }
    orders = {f"C:{case}" for case in loaded.log["case_id"].unique()}
    assert set(ocel.events["ocel:eid"]) == {f"e:{d}" for d in documents}
    assert len(ocel.events) == len(documents)
    assert set(ocel.objects["ocel:oid"]) == documents | orders
    assert (
        len(ocel.relations) == len(documents) + loaded.log.filter(pl.col("document_type") != "C").height
    )  # each event creates its document and concerns each of its orders
    assert summary["objects"].sum() == len(documents | orders)


def test_o2c_inspect_reconciles_vbfa(loaded: LoadedLog, capsys: pytest.CaptureFixture[str]) -> None:
    from o2c.cli import main

    assert main(["inspect", str(real_log("VBFA.zip"))]) == 0
    out = capsys.readouterr().out
    table = reconciliation(loaded).set_index("document_type")
    for kind, name in (("C", "Sales Order"), ("J", "Delivery"), ("M", "Invoice")):
        row = table.loc[kind]
        expected = f"{kind} {name}".split() + [f"{row[c]:,}" for c in ("in_table", "in_log", "not_in_log")]
        assert expected in [line.split() for line in out.splitlines()], kind
    assert f"{ROWS:,} read, {loaded.rejects.height:,} rejected" in out
