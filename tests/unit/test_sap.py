"""The SAP document-flow reader on a hand-made VBFA table: cases, one event per document, rejects, zip, OCEL."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from o2c import read_log
from o2c._pm4py import pm4py
from o2c.cli import main
from o2c.errors import (
    ArgumentError,
    ColumnMappingError,
    InputFileError,
    RejectedRowError,
    RejectedRowsWarning,
    ToolkitError,
)
from o2c.io._sap import (
    is_document_flow,
    read_sap_document_flow,
    reconciliation,
    reconciliation_text,
)
from o2c.log import Reason
from o2c.ocel import write_ocel
from o2c.quality import data_quality
from tests.conftest import sample_log

# row numbers as a spreadsheet shows them: the header is row 1
TABLE = """VBELV,POSNV,VBELN,POSNN,VBTYP_N,VBTYP_V,RFWRT,WAERS,ERDAT,ERZET
0000000100,000010,0000000001,000010,C,B,0.0,,20250106,080000
0000000001,000010,0080000001,000010,J,C,0.0,,20250106,101525
0000000001,000020,0080000001,000020,J,C,0.0,,20250106,101530
0080000001,000010,4900000001,000001,R,J,100.0,EUR,20250106,120000
0080000001,000010,20250106,120100,Q,J,0.0,,20250106,120100
0000000002,000010,0080000002,000010,J,C,0.0,,20250107,090000
0000000001,000010,0090000001,000010,M,C,500.0,EUR,20250107,220000
0000000001,000020,0090000001,000020,M,C,250.0,EUR,20250107,220000
0000000002,000010,0090000001,000030,M,C,300.0,EUR,20250107,220000
0080000001,000010,0090000001,000010,M,J,500.0,EUR,20250107,220000
0090000001,000010,0090000002,000010,N,M,500.0,EUR,20250110,090000
0000000009,000010,0090000009,000010,M,2,70.0,EUR,20250108,100000
,000010,0090000010,000010,P,2,0.0,EUR,20250108,100000
0000000002,000010,,000010,M,C,0.0,EUR,20250108,100000
0000000002,000010,0090000003,000010,M,C,10.0,EUR,20250330,023000
0000000003,000010,0000000004,000010,C,C,0.0,,20250109,100000
0000000004,000010,0080000004,000010,J,C,0.0,,20250109,110000
0000000002,000010,0090000004,000010,M,C,40.0,EUR,20251026,023000
"""
ROWS = 18


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # noqa: UP017 (polars returns zoneinfo UTC; equal)


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "VBFA.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture
def berlin(table: Path):  # type: ignore[no-untyped-def]
    return read_sap_document_flow(table, timezone="Europe/Berlin")


def test_one_case_per_order_one_event_per_document(berlin) -> None:  # type: ignore[no-untyped-def]
    log = berlin.log
    rows = log.select(
        "case_id", pl.col("activity").cast(pl.String), "timestamp", "document", "source_row"
    ).rows()
    assert rows == [
        # order 1: created from a quotation (row 2); one delivery for two items (rows 3, 4: the earlier
        # time); the goods movement; the collective invoice (rows 8-11: one event); its cancellation
        ("0000000001", "Create Sales Order", _utc(2025, 1, 6, 7), "0000000001", 2),
        ("0000000001", "Create Delivery", _utc(2025, 1, 6, 9, 15, 25), "0080000001", 3),
        ("0000000001", "Post Goods Movement", _utc(2025, 1, 6, 11), "4900000001", 5),
        ("0000000001", "Create Invoice", _utc(2025, 1, 7, 21), "0090000001", 8),
        ("0000000001", "Cancel Invoice", _utc(2025, 1, 10, 8), "0090000002", 12),
        # order 2: no creation row; the same collective invoice (dated by its own link, row 10) and
        # cancellation as order 1; 2025-10-26 02:30 in Berlin happens twice (clocks go back): the
        # earlier, summer time
        ("0000000002", "Create Delivery", _utc(2025, 1, 7, 8), "0080000002", 7),
        ("0000000002", "Create Invoice", _utc(2025, 1, 7, 21), "0090000001", 10),
        ("0000000002", "Cancel Invoice", _utc(2025, 1, 10, 8), "0090000002", 12),
        ("0000000002", "Create Invoice", _utc(2025, 10, 26, 0, 30), "0090000004", 19),
        # order 3 only refers to the follow-up order 4, a case of its own with its own delivery
        ("0000000004", "Create Sales Order", _utc(2025, 1, 9, 9), "0000000004", 17),
        ("0000000004", "Create Delivery", _utc(2025, 1, 9, 10), "0080000004", 18),
    ]
    assert log.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert log.select("case_id", "document_type", "document").is_duplicated().sum() == 0


def test_rejects_one_reason_per_row(berlin) -> None:  # type: ignore[no-untyped-def]
    rejects = berlin.rejects
    assert rejects.columns == ["source_file", "source_row", "column", "value", "reason"]
    assert rejects.drop("source_file").rows() == [
        (6, "VBELN", "20250106 120100", Reason.NO_DOCUMENT_NUMBER),  # VBELN = ERDAT, POSNN = ERZET
        (13, "VBELN", "M 0090000009", Reason.NO_SALES_ORDER),  # billed from an external transaction
        (14, "VBELV", "P 0090000010", Reason.MISSING_DOCUMENT),  # no preceding document, not placed
        (15, "VBELN", "", Reason.MISSING_DOCUMENT),
        (16, "ERDAT", "20250330 023000", Reason.NONEXISTENT_LOCAL_TIME),  # skipped hour in Berlin
    ]
    assert set(rejects["source_file"]) == {"VBFA.csv"}
    # every row is placed or rejected, once
    assert berlin.source.rows == ROWS
    assert berlin.source.notes["rows_placed"] + rejects["source_row"].n_unique() == ROWS
    assert berlin.source.format == "sap_vbfa" and berlin.source.notes["timezone"] == "Europe/Berlin"


def test_values_per_order_and_document(berlin) -> None:  # type: ignore[no-untyped-def]
    log = berlin.log
    values = dict(log.group_by("case_id").agg(pl.col("value").first()).iter_rows())
    # order 1's own invoice items 500 + 250 (row 11 repeats item 10 from the delivery); order 2's
    # 300 + 40 (row 16's invoice is rejected); order 4 has no invoice
    assert values == {"0000000001": 750.0, "0000000002": 340.0, "0000000004": None}
    documents = dict(log.select("document", "document_value").unique().iter_rows())
    assert documents["0090000001"] == 1050.0  # items 10, 20, 30 once each
    assert documents["4900000001"] == 100.0
    assert set(log.filter(pl.col("case_id") == "0000000001")["currency"]) == {"EUR"}


def test_reconciliation_counts_documents_of_the_table(berlin) -> None:  # type: ignore[no-untyped-def]
    found = reconciliation(berlin)
    assert list(found.columns) == ["document_type", "name", "in_table", "in_log", "not_in_log"]
    assert found.to_dict("records")[:3] == [
        {"document_type": "C", "name": "Sales Order", "in_table": 4, "in_log": 3, "not_in_log": 1},  # order 3
        {"document_type": "J", "name": "Delivery", "in_table": 3, "in_log": 3, "not_in_log": 0},
        {"document_type": "M", "name": "Invoice", "in_table": 4, "in_log": 2, "not_in_log": 2},
    ]
    rest = {r["document_type"]: (r["in_table"], r["in_log"]) for r in found.to_dict("records")[3:]}
    assert rest == {"2": (1, 0), "B": (1, 0), "N": (1, 1), "P": (1, 0), "Q": (1, 0), "R": (1, 1)}
    text = reconciliation_text(berlin)
    assert "read in Europe/Berlin" in text
    lines = text.splitlines()
    assert lines[1].split() == ["documents", "in", "table", "in", "log", "not", "in", "log"]
    assert [line.split() for line in lines[2:5]] == [
        ["C", "Sales", "Order", "4", "3", "1"],
        ["J", "Delivery", "3", "3", "0"],
        ["M", "Invoice", "4", "2", "2"],
    ]
    assert len({len(line) for line in lines[1:]}) == 1  # columns line up


REUSED = """VBELV,POSNV,VBELN,POSNN,VBTYP_N,VBTYP_V,RFWRT,WAERS,ERDAT,ERZET
0000000001,000010,0080000001,000010,J,C,0.0,,20040301,080000
0000000001,000020,0080000001,000020,J,C,0.0,,20040301,080005
0080000001,000010,0000000050,000001,Q,J,0.0,,20040302,080000
0000000050,000001,4900000001,000001,R,Q,0.0,,20040303,080000
0000000002,000010,0080000777,000010,J,C,0.0,,20150601,080000
0080000777,000010,0000000050,000001,Q,J,0.0,,20150602,080000
0000000050,000001,4900000001,000001,R,Q,0.0,,20150603,080000
0000000002,000010,0090000001,000010,M,C,70.0,EUR,20150604,080000
0080000777,000010,0090000001,000010,M,J,70.0,EUR,20150604,080000
"""


def test_reused_numbers_are_documents_of_their_own_time(tmp_path: Path) -> None:
    """Transfer order 50 and goods movement 4900000001 exist in 2004 and again in 2015: each order
    gets the documents its own chain reached in time order, dated by that chain's link."""
    path = tmp_path / "VBFA.csv"
    path.write_text(REUSED, encoding="utf-8")
    loaded = read_sap_document_flow(path)
    rows = loaded.log.select("case_id", "document_type", "document", "timestamp", "source_row").rows()
    assert rows == [
        ("0000000001", "J", "0080000001", _utc(2004, 3, 1, 8), 2),  # row 3: a second item, merged
        ("0000000001", "Q", "0000000050", _utc(2004, 3, 2, 8), 4),
        ("0000000001", "R", "4900000001", _utc(2004, 3, 3, 8), 5),
        ("0000000002", "J", "0080000777", _utc(2015, 6, 1, 8), 6),
        ("0000000002", "Q", "0000000050", _utc(2015, 6, 2, 8), 7),  # not 2004: row 4 precedes its delivery
        ("0000000002", "R", "4900000001", _utc(2015, 6, 3, 8), 8),
        ("0000000002", "M", "0090000001", _utc(2015, 6, 4, 8), 9),  # row 10: the same invoice, merged
    ]
    waits = loaded.log.group_by("case_id").agg(span=pl.col("timestamp").max() - pl.col("timestamp").min())
    assert waits["span"].max().days == 3  # no order spans the eleven years between the two
    assert loaded.rejects.is_empty()
    assert loaded.source.notes["rows_placed"] == 10 - 1
    assert loaded.source.notes["rows_merged"] == 2  # rows 3 and 10
    assert loaded.source.notes["numbers_reused"] == 2  # Q 50 and R 4900000001
    ledger = data_quality(loaded).set_index("check")
    assert ledger.loc["sap_rows_merged", "count"] == 2
    assert ledger.loc["sap_numbers_reused", "count"] == 2


#: The fixed values of SAP's domain VBTYP (SD document category) with their short descriptions, as
#: SAP's ABAP dictionary lists them (reserved values left out).
VBTYP_DOMAIN = {
    "A": "Inquiry", "B": "Quotation", "C": "Order", "D": "Item proposal", "E": "Scheduling agreement",
    "F": "Scheduling agreement with external service agent", "G": "Contract", "H": "Returns",
    "I": "Order w/o charge", "J": "Delivery", "K": "Credit memo request", "L": "Debit memo request",
    "M": "Invoice", "N": "Invoice cancellation", "O": "Credit memo", "P": "Debit memo",
    "Q": "WMS transfer order", "R": "Goods movement", "S": "Credit memo cancellation",
    "T": "Returns delivery for order", "U": "Pro forma invoice", "V": "Purchase Order",
    "W": "Independent reqts plan", "X": "Handling unit", "0": "Master contract", "1": "Sales activities (CAS)",
    "2": "External transaction", "3": "Invoice list", "4": "Credit memo list", "5": "Intercompany invoice",
    "6": "Intercompany credit memo", "7": "Delivery/shipping notification", "8": "Shipment",
    "a": "Shipment costs", "b": "CRM Opportunity", "c": "Unverified delivery", "d": "Trading Contract",
    "e": "Allocation table", "f": "Additional Billing Documents", "g": "Rough Goods Receipt (only IS-Retail)",
    "h": "Cancel Goods Issue", "i": "Goods receipt", "j": "JIT call", "p": "Goods Movement (Documentation)",
    "r": "TD Transport (only IS-Oil)", "s": "Load Confirmation, Reposting (Only IS-Oil)",
    "t": "Gain / Loss (Only IS-Oil)", "u": "Reentry into Storage (Only IS-Oil)",
    "x": "Load Confirmation, Goods Receipt (Only IS-Oil)",
}  # fmt: skip


def test_document_types_are_sap_vbtyp_values() -> None:
    """Every category the reader names is a VBTYP value, named as SAP describes it (in title case); a sales order,
    "Order" in SAP's words, keeps its usual name."""
    from o2c.io._sap import DOCUMENT_TYPES

    assert set(DOCUMENT_TYPES) == set(VBTYP_DOMAIN)
    for code, (name, _activity) in DOCUMENT_TYPES.items():
        sap = "Sales Order" if code == "C" else VBTYP_DOMAIN[code]
        assert name.lower() == sap.replace("(only IS-", "(IS-").replace("(Only IS-", "(IS-").lower(), code


def test_timezone_default_is_utc(table: Path) -> None:
    loaded = read_sap_document_flow(table)
    first = loaded.log.filter(pl.col("document") == "0080000001")["timestamp"][0]
    assert first == _utc(2025, 1, 6, 10, 15, 25)
    # 2025-03-30 02:30 exists in UTC: that invoice is now placed in order 2
    assert "0090000003" in loaded.log["document"].to_list()
    assert Reason.UNPARSEABLE_TIMESTAMP not in loaded.rejects["reason"].to_list()
    with pytest.raises(ArgumentError, match="timezone"):
        read_sap_document_flow(table, timezone="Mars/Olympus")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_nested_zip_and_delimiters(tmp_path: Path, berlin) -> None:  # type: ignore[no-untyped-def]
    data = TABLE.encode()
    zipped = tmp_path / "export.zip"
    zipped.write_bytes(_zip({"export/VBFA.csv": data, "export/readme.txt": b"SE16 download"}))
    nested = tmp_path / "VBFA.zip"  # like ../shared/real_logs/VBFA.zip: a zip inside a zip
    nested.write_bytes(_zip({"VBFA.zip": _zip({"VBFA.csv": data})}))
    semicolons = tmp_path / "vbfa_semicolon.txt"
    semicolons.write_text(TABLE.replace(",", ";"), encoding="cp1252")
    for path in (zipped, nested, semicolons):
        loaded = read_sap_document_flow(path, timezone="Europe/Berlin")
        assert loaded.log.equals(berlin.log), path.name
        assert loaded.rejects.drop("source_file").equals(berlin.rejects.drop("source_file")), path.name
        assert is_document_flow(path), path.name
    assert read_sap_document_flow(zipped).source.notes["member"] == "export/VBFA.csv"
    assert read_sap_document_flow(nested).source.notes["member"] == "VBFA.zip/VBFA.csv"
    two = tmp_path / "two.zip"
    two.write_bytes(_zip({"a.csv": data, "b.csv": data}))
    with pytest.raises(InputFileError, match="2 files"):
        read_sap_document_flow(two)


def test_read_log_recognises_a_document_flow(table: Path, berlin) -> None:  # type: ignore[no-untyped-def]
    """read_log reads a VBFA table without a mapping as read_sap_document_flow does, rejects warned."""
    with pytest.warns(RejectedRowsWarning, match="no_sales_order"):
        loaded = read_log(table, timezone="Europe/Berlin")
    assert loaded.source.format == "sap_vbfa"
    assert loaded.log.equals(berlin.log)
    assert loaded.rejects.equals(berlin.rejects)
    with pytest.raises(RejectedRowError, match=f"row {berlin.rejects['source_row'][0]} was rejected"):
        read_log(table, timezone="Europe/Berlin", strict=True)
    # with a mapping the table is read as any other table: one event per row
    plain = read_log(table, mapping={"case_id": "VBELV", "activity": "VBTYP_N", "timestamp": "ERDAT"})
    assert plain.source.format == "csv"


def test_not_a_document_flow(tmp_path: Path) -> None:
    orders = sample_log("o2c_orders.csv")
    assert not is_document_flow(orders)
    assert not is_document_flow(tmp_path / "absent.csv")
    with pytest.raises(ColumnMappingError) as error:
        read_sap_document_flow(orders)
    assert error.value.column == "VBELV"
    broken = tmp_path / "VBFA.csv"
    broken.write_text(TABLE.replace("ERZET", "ERZEIT"), encoding="utf-8")
    with pytest.raises(ColumnMappingError, match="did you mean: 'ERZEIT'") as error:
        read_sap_document_flow(broken)
    assert error.value.column == "ERZET"
    with pytest.raises(InputFileError):
        read_sap_document_flow(tmp_path / "absent.csv")
    with pytest.raises(ArgumentError, match="read_sap_document_flow"):
        reconciliation(read_log(orders))


# --- OCEL 2.0 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonocel", ".xmlocel", ".sqlite"])
def test_ocel_round_trip_keeps_every_document_once(tmp_path: Path, berlin, suffix: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"vbfa{suffix}"
    summary = write_ocel(berlin.log, path)
    ocel = pm4py().read_ocel2(str(path))
    documents = {"C:0000000001", "J:0080000001", "R:4900000001", "M:0090000001", "N:0090000002",
                 "J:0080000002", "M:0090000004", "C:0000000004", "J:0080000004"}  # fmt: skip
    assert set(ocel.events["ocel:eid"]) == {f"e:{d}" for d in documents}
    assert set(ocel.objects["ocel:oid"]) == documents | {"C:0000000002"}  # order 2 has no own event
    found = ocel.relations
    relations = set(zip(found["ocel:eid"], found["ocel:oid"], found["ocel:qualifier"], strict=True))
    orders = {"C:0000000001": ["J:0080000001", "R:4900000001", "M:0090000001", "N:0090000002"],
              "C:0000000002": ["J:0080000002", "M:0090000001", "M:0090000004", "N:0090000002"],
              "C:0000000004": ["J:0080000004"]}  # fmt: skip
    expected = {(f"e:{d}", d, "creates") for d in documents}
    expected |= {(f"e:{d}", order, "order") for order, docs in orders.items() for d in docs}
    assert relations == expected
    invoice = ocel.events[ocel.events["ocel:eid"] == "e:M:0090000001"].iloc[0]
    assert invoice["ocel:activity"] == "Create Invoice"
    assert pd.Timestamp(invoice["ocel:timestamp"]).tz_localize(None) == pd.Timestamp("2025-01-07 21:00")
    counts = dict(zip(summary["object_type"], summary["objects"], strict=True))
    assert counts == {
        "Sales Order": 3,
        "Delivery": 3,
        "Invoice": 2,
        "Goods Movement": 1,
        "Invoice Cancellation": 1,
    }
    events = dict(zip(summary["object_type"], summary["events"], strict=True))
    assert events["Sales Order"] == 9  # every event creates an order or concerns one
    assert events["Invoice"] == 2


def test_ocel_of_an_ordinary_log(tmp_path: Path) -> None:
    from o2c import example_log

    path = tmp_path / "example.jsonocel"
    summary = write_ocel(example_log(), path)
    ocel = pm4py().read_ocel2(str(path))
    assert len(ocel.events) == 19 and set(ocel.objects["ocel:oid"]) == {"1", "2", "3"}
    assert summary.to_dict("records") == [{"object_type": "Order", "objects": 3, "events": 19}]
    with pytest.raises(ArgumentError, match="jsonocel"):
        write_ocel(example_log(), tmp_path / "example.csv")
    assert issubclass(ArgumentError, ToolkitError)


def test_o2c_inspect_prints_the_reconciliation(table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(table), "--timezone", "Europe/Berlin"]) == 0
    out = capsys.readouterr().out
    assert "sap_vbfa" in out and "read in Europe/Berlin" in out
    lines = {line.split()[0] + " " + line.split()[1]: line.split()[-3:] for line in out.splitlines()
             if line.startswith("  ") and len(line.split()) >= 5 and line.split()[-1].isdigit()}  # fmt: skip
    assert lines["C Sales"] == ["4", "3", "1"] and lines["J Delivery"] == ["3", "3", "0"]
    assert lines["M Invoice"] == ["4", "2", "2"]
    assert f"{ROWS:,} read, 5 rejected" in out


# --- compressed input within limits -----------------------------------------------------------------------


def _zipped(path: Path, member: str, content: bytes, *, encrypted: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, content)
    if encrypted:  # the "encrypted" flag bit set in the local and the central header, as a password sets it
        data = bytearray(path.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            data[data.index(signature) + offset] |= 0x1
        path.write_bytes(bytes(data))
    return path


def test_a_zip_bomb_stops_at_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = b"VBELV;VBTYP_V;VBELN;VBTYP_N;ERDAT;ERZET\n"
    bomb = _zipped(tmp_path / "VBFA.zip", "VBFA.csv", header + b"0" * 5_000_000)
    assert bomb.stat().st_size < 50_000
    with pytest.raises(
        InputFileError, match="inflates to more than 1,000,000 bytes, the limit against zip bombs"
    ):
        read_log(bomb, max_inflated_bytes=1_000_000)
    assert main(["inspect", str(bomb), "--max-inflated-bytes", "1000000"]) == 1
    assert "the limit against zip bombs" in capsys.readouterr().err


def test_a_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(b"case,activity,time\n" + b"A,B,2025-01-01\n" * 200_000))
    with pytest.raises(InputFileError, match=r"orders\.csv\.gz inflates to more than 100,000 bytes"):
        read_log(path, max_inflated_bytes=100_000)
    assert read_log(path).log.height == 1  # within the default limit (the rest are duplicates)


def test_an_encrypted_zip_is_named_as_such(tmp_path: Path) -> None:
    path = _zipped(
        tmp_path / "VBFA.zip", "VBFA.csv", b"VBELV;VBTYP_V;VBELN;VBTYP_N;ERDAT;ERZET\n", encrypted=True
    )
    with pytest.raises(InputFileError, match=r"VBFA\.csv is encrypted; extract it with its password first"):
        read_log(path)
