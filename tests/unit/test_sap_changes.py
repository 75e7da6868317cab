"""SAP change documents (CDHDR/CDPOS) beside a hand-made VBFA table: events, rejects, zip, re-keyed data."""

from __future__ import annotations

import math
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from o2c import read_log
from o2c._rekeyed import rekeyed_values
from o2c.errors import ColumnMappingError, InputFileError, RejectedRowError, RejectedRowsWarning
from o2c.io._sap import read_sap_document_flow
from o2c.quality import data_quality

# rows as a spreadsheet shows them (header = row 1); times local to Europe/Berlin (UTC+1 in winter)
VBFA = """VBELV,POSNV,VBELN,POSNN,VBTYP_N,VBTYP_V,RFWRT,WAERS,ERDAT,ERZET
0000000001,000010,0080000001,000010,J,C,0.0,,20250106,101525
0000000001,000010,0090000001,000010,M,C,100.0,EUR,20250107,220000
0000000002,000010,0080000002,000010,J,C,0.0,,20250108,080000
0000000009,000010,0090000009,000010,M,2,5.0,EUR,20250108,080000
"""
CDHDR = """OBJECTCLAS,OBJECTID,CHANGENR,USERNAME,UDATE,UTIME,TCODE
VERKBELEG,0000000001,0000000101,ANN,20250106,120000,VA02
VERKBELEG,0000000001,0000000102,BOB,20250107,090000,VA02
LIEFERUNG,0080000002,0000000103,EVE,20250108,100000,VL02N
VERKBELEG,0000000002,0000000104,ANN,20250108,1300,VA02
VERKBELEG,0000000001,0000000105,ANN,20250109,090000,VA02
KRED,0000004711,0000000106,ANN,20250109,090000,XK02
VERKBELEG,0000000100,0000000107,ANN,20250109,090000,VA22
VERKBELEG,0000000001,0000000101,ANN,20250106,120000,VA02
FAKTBELEG,0090000001,0000000108,CAT,20250110,080000,VF02
VERKBELEG,0000000002,0000000109,ANN,20250330,023000,VA02
"""
CDPOS = """OBJECTCLAS,OBJECTID,CHANGENR,TABNAME,TABKEY,FNAME,CHNGIND,VALUE_NEW,VALUE_OLD
VERKBELEG,0000000001,0000000101,VBAP,0000000001000010,NETWR,U,90.00,100.00
VERKBELEG,0000000001,0000000101,VBAK,0000000001,VDATU,U,20250115,20250110
VERKBELEG,0000000001,0000000102,VBAP,0000000001000010,NETWR,U,95.50,90.00
VERKBELEG,0000000001,0000000102,VBKD,0000000001000000,BSTKD,U,PO-2,PO-1
LIEFERUNG,0080000002,0000000103,LIKP,0080000002,LFDAT,U,20250112,20250110
VERKBELEG,0000000002,0000000104,VBAP,0000000002000010,NETWR,U,1,2
KRED,0000004711,0000000106,LFA1,0000004711,NAME1,U,New,Old
VERKBELEG,0000000100,0000000107,VBAP,0000000100000010,NETWR,U,5,6
VERKBELEG,0000000001,0000000999,VBAP,0000000001000010,NETWR,U,1,2
FAKTBELEG,0090000001,0000000108,VBRK,0090000001,XBLNR,U,INV-2,INV-1
VERKBELEG,0000000002,0000000109,VBAP,0000000002000010,NETWR,U,3,4
VERKBELEG,0000000001,0000000102,VBAP,0000000001000020,KEY,I,,
"""


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _folder(tmp_path: Path, **tables: str) -> Path:
    for name, text in tables.items():
        (tmp_path / name).write_text(text)
    return tmp_path / "VBFA.csv"


@pytest.fixture
def loaded(tmp_path):
    return read_sap_document_flow(
        _folder(tmp_path, **{"VBFA.csv": VBFA, "cdhdr.csv": CDHDR, "CDPOS_2025.csv": CDPOS}),
        timezone="Europe/Berlin",
    )


def _changes(log: pl.DataFrame) -> pl.DataFrame:
    return log.filter(pl.col("change_table").is_not_null())


def test_one_event_per_placed_change_item(loaded):
    changes = _changes(loaded.log)
    # hand count: order 1 gets CDPOS rows 2, 3 (change 101), 4, 5, 13 (change 102), 11 (its invoice's
    # change 108); order 2 gets row 6 (its delivery's change 103)
    rows = changes.select("case_id", "source_row", "activity", "resource", "timestamp").rows()
    assert sorted(rows) == sorted(
        [
            ("0000000001", 2, "Change VBAP-NETWR", "ANN", _utc(2025, 1, 6, 11)),
            ("0000000001", 3, "Change VBAK-VDATU", "ANN", _utc(2025, 1, 6, 11)),
            ("0000000001", 4, "Change VBAP-NETWR", "BOB", _utc(2025, 1, 7, 8)),
            ("0000000001", 5, "Change VBKD-BSTKD", "BOB", _utc(2025, 1, 7, 8)),
            ("0000000001", 13, "Insert VBAP", "BOB", _utc(2025, 1, 7, 8)),
            ("0000000001", 11, "Change VBRK-XBLNR", "CAT", _utc(2025, 1, 10, 7)),
            ("0000000002", 6, "Change LIKP-LFDAT", "EVE", _utc(2025, 1, 8, 9)),
        ]
    )
    assert set(changes["source_file"]) == {"CDPOS_2025.csv"}
    first = changes.filter(pl.col("source_row") == 2).row(0, named=True)
    assert (first["change_table"], first["change_field"], first["value_old"], first["value_new"]) == (
        "VBAP", "NETWR", "100.00", "90.00",
    )  # fmt: skip
    assert (first["change_indicator"], first["change_number"], first["change_tcode"]) == (
        "U",
        "0000000101",
        "VA02",
    )
    assert first["value"] == 100.0 and first["currency"] == "EUR"  # the order's, as on its other events
    documents = loaded.log.filter(pl.col("change_table").is_null())
    assert documents.height == 3 and set(documents["source_file"]) == {"VBFA.csv"}


def test_every_row_is_in_the_log_or_rejected_with_a_reason(loaded):
    rejects = {
        (r["source_file"], r["source_row"]): (r["reason"], r["column"], r["value"])
        for r in loaded.rejects.iter_rows(named=True)
    }
    headers = {row: v for (f, row), v in rejects.items() if f == "cdhdr.csv"}
    items = {row: v for (f, row), v in rejects.items() if f == "CDPOS_2025.csv"}
    assert headers == {
        5: ("unparseable_timestamp", "UDATE", "20250108 1300"),
        6: ("no_change_items", "CHANGENR", "VERKBELEG 0000000001 0000000105"),
        7: ("unknown_object_class", "OBJECTCLAS", "KRED 0000004711 0000000106"),
        8: ("no_sales_order", "OBJECTID", "VERKBELEG 0000000100 0000000107"),
        9: ("duplicate_event", "CHANGENR", "VERKBELEG 0000000001 0000000101"),
        11: ("nonexistent_local_time", "UDATE", "20250330 023000"),
    }
    assert items == {
        7: ("unparseable_timestamp", "UDATE", "20250108 1300"),
        8: ("unknown_object_class", "OBJECTCLAS", "KRED 0000004711 0000000106"),
        9: ("no_sales_order", "OBJECTID", "VERKBELEG 0000000100 0000000107"),
        10: ("no_change_header", "CHANGENR", "VERKBELEG 0000000001 0000000999"),
        12: ("nonexistent_local_time", "UDATE", "20250330 023000"),
    }
    notes = loaded.source.notes["change_documents"]
    assert notes["rows_by_file"] == {"cdhdr.csv": 10, "CDPOS_2025.csv": 12}
    assert notes["items_placed"] + len(items) == 12  # 7 + 5
    assert notes["headers_placed"] + len(headers) == 10  # 4 + 6
    assert notes["changes"] == 7
    assert loaded.source.rows == 4 + 10 + 12  # every row read, of the three files
    quality = data_quality(loaded).set_index("check")
    assert quality.loc["rows_rejected", "count"] == 1 + 6 + 5  # VBFA row 5, six headers, five items
    assert quality.loc["rows_rejected", "of"] == 26


def test_zip_with_the_three_tables_reads_the_same(loaded, tmp_path):
    archive = tmp_path / "sap.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("export/VBFA.csv", VBFA)
        zipped.writestr("export/cdhdr.csv", CDHDR)
        zipped.writestr("export/CDPOS_2025.csv", CDPOS)
    zipped_log = read_sap_document_flow(archive, timezone="Europe/Berlin")
    assert zipped_log.log.drop("source_file").equals(loaded.log.drop("source_file"))
    assert set(zipped_log.log["source_file"]) == {"sap.zip", "export/CDPOS_2025.csv"}
    named = {
        "sap.zip": "VBFA.csv",
        "export/cdhdr.csv": "cdhdr.csv",
        "export/CDPOS_2025.csv": "CDPOS_2025.csv",
    }
    renamed = zipped_log.rejects.with_columns(pl.col("source_file").replace_strict(named))
    assert sorted(renamed.rows()) == sorted(loaded.rejects.rows())


def test_without_change_documents_the_vbfa_log_is_unchanged(tmp_path):
    alone = read_sap_document_flow(_folder(tmp_path, **{"VBFA.csv": VBFA}))
    assert "change_table" not in alone.log.columns and "source_file" not in alone.log.columns
    assert "change_documents" not in alone.source.notes
    assert alone.log.columns == [
        "case_id", "activity", "timestamp", "value", "source_row", "document", "document_type",
        "document_value", "currency",
    ]  # fmt: skip


def test_read_log_warns_per_file(tmp_path):
    path = _folder(tmp_path, **{"VBFA.csv": VBFA, "CDHDR.csv": CDHDR, "CDPOS.csv": CDPOS})
    with pytest.warns(RejectedRowsWarning) as caught:
        loaded = read_log(path, timezone="Europe/Berlin")
    text = str(caught[0].message)
    assert "6 of 10 rows of CDHDR.csv" in text and "5 of 12 rows of CDPOS.csv" in text
    assert "1 of 4 rows of VBFA.csv" in text
    assert _changes(loaded.log).height == 7


def test_strict_names_the_change_table_of_the_first_reject(tmp_path):
    flow = VBFA.replace("0000000009,000010,0090000009,000010,M,2,5.0,EUR,20250108,080000\n", "")
    path = _folder(tmp_path, **{"VBFA.csv": flow, "CDHDR.csv": CDHDR, "CDPOS.csv": CDPOS})
    with pytest.raises(RejectedRowError, match=r"CDHDR\.csv: row 5 was rejected \(unparseable_timestamp\)"):
        read_log(path, timezone="Europe/Berlin", strict=True)


def test_a_table_alone_is_an_input_error(tmp_path):
    path = _folder(tmp_path, **{"VBFA.csv": VBFA, "CDPOS.csv": CDPOS})
    with pytest.raises(InputFileError, match="no CDHDR"):
        read_sap_document_flow(path)


def test_missing_column_names_file_and_column(tmp_path):
    path = _folder(
        tmp_path, **{"VBFA.csv": VBFA, "CDHDR.csv": CDHDR.replace("UDATE", "DATUM"), "CDPOS.csv": CDPOS}
    )
    with pytest.raises(ColumnMappingError, match=r"CDHDR\.csv has no column 'UDATE'") as error:
        read_sap_document_flow(path)
    assert error.value.column == "UDATE"


def test_dates_in_no_known_format_name_file_column_row_and_value(tmp_path):
    header = "OBJECTCLAS,OBJECTID,CHANGENR,USERNAME,UDATE,UTIME\nVERKBELEG,0000000001,0000000101,ANN,Jan 6 2025,12h\n"
    path = _folder(tmp_path, **{"VBFA.csv": VBFA, "CDHDR.csv": header, "CDPOS.csv": CDPOS})
    with pytest.raises(InputFileError, match=r"CDHDR.csv: column UDATE .*row 2: 'Jan 6 2025'") as error:
        read_sap_document_flow(path)
    assert error.value.column == "UDATE" and error.value.rows == (2,)


def test_a_collective_invoice_change_is_an_event_in_each_order(tmp_path):
    flow = VBFA + "0000000002,000010,0090000001,000020,M,C,50.0,EUR,20250107,220000\n"
    header = "OBJECTCLAS,OBJECTID,CHANGENR,USERNAME,UDATE,UTIME\nFAKTBELEG,90000001,0000000108,CAT,2025-01-10,08:00:00\n"
    items = "OBJECTCLAS,OBJECTID,CHANGENR,TABNAME,FNAME,VALUE_NEW,VALUE_OLD\nFAKTBELEG,90000001,0000000108,VBRK,XBLNR,B,A\n"
    loaded = read_sap_document_flow(
        _folder(tmp_path, **{"VBFA.csv": flow, "CDHDR.csv": header, "CDPOS.csv": items})
    )
    changes = _changes(loaded.log)  # leading zeros dropped by a spreadsheet still match
    assert sorted(changes.select("case_id", "timestamp").rows()) == [
        ("0000000001", _utc(2025, 1, 10, 8)),
        ("0000000002", _utc(2025, 1, 10, 8)),
    ]
    assert loaded.rejects.filter(pl.col("source_file") != "VBFA.csv").is_empty()


def test_change_documents_are_a_labelled_source_of_rekeyed_data(loaded):
    result = rekeyed_values(loaded.log)
    documented = result.attributes[result.attributes["source"] == "change documents"].set_index("attribute")
    # Insert VBAP (a whole row, FNAME KEY) is no field change
    assert sorted(documented.index) == ["LIKP-LFDAT", "VBAK-VDATU", "VBAP-NETWR", "VBKD-BSTKD", "VBRK-XBLNR"]
    netwr = documented.loc["VBAP-NETWR"]
    assert netwr["kind"] == "number" and netwr["orders_changed"] == 1 and netwr["changes"] == 2
    assert netwr["share_of_orders"] == pytest.approx(1 / 2)
    assert netwr["steps"] == ("VA02",) and netwr["resources"] == ("ANN", "BOB")
    assert netwr["change_median"] == pytest.approx((-10 + 5.5) / 2)  # 100 -> 90 -> 95.5
    assert netwr["change_abs_median"] == pytest.approx((10 + 5.5) / 2)
    assert (
        documented.loc["VBAK-VDATU", "kind"] == "date" and documented.loc["VBAK-VDATU", "change_median"] == 5
    )
    assert documented.loc["LIKP-LFDAT", "change_median"] == 2 and documented.loc["LIKP-LFDAT", "steps"] == (
        "VL02N",
    )
    bstkd = documented.loc["VBKD-BSTKD"]
    assert bstkd["kind"] == "text" and math.isnan(bstkd["change_median"]) and bstkd["resources"] == ("BOB",)
    assert documented["orders_entered_at_several_steps"].sum() == 0  # one transaction per field and order
    changes = result.changes[result.changes["source"] == "change documents"]
    assert changes[changes["attribute"] == "VBKD-BSTKD"][["old_value", "new_value"]].values.tolist() == [
        ["PO-1", "PO-2"]
    ]
    # the change columns are not compared as attributes of the values source
    values = set(result.attributes.loc[result.attributes["source"] == "values", "attribute"])
    assert not values & {"value_old", "value_new", "change_table", "change_field", "source_file"}
    assert set(result.by_name["source"]) <= {"activity name"}
    assert result.orders == 2 and result.orders_rekeyed == 2


def test_sap_numbers_and_empty_dates(tmp_path):
    header = "OBJECTCLAS,OBJECTID,CHANGENR,USERNAME,UDATE,UTIME\n" + "".join(
        f"VERKBELEG,0000000001,{n},ANN,20250106,12000{n}\n" for n in range(1, 4)
    )
    items = (
        "OBJECTCLAS,OBJECTID,CHANGENR,TABNAME,FNAME,VALUE_NEW,VALUE_OLD\n"
        'VERKBELEG,0000000001,1,VBAP,KWMENG,5.00-,"1,000.00"\n'  # -5 - 1000
        "VERKBELEG,0000000001,2,VBEP,EDATU,20250120,00000000\n"  # an empty date: no size
        "VERKBELEG,0000000001,3,VBEP,EDATU,20250125,20250120\n"
    )
    loaded = read_sap_document_flow(
        _folder(tmp_path, **{"VBFA.csv": VBFA, "CDHDR.csv": header, "CDPOS.csv": items})
    )
    result = rekeyed_values(loaded.log)
    fields = result.attributes.set_index("attribute")
    assert (
        fields.loc["VBAP-KWMENG", "kind"] == "number" and fields.loc["VBAP-KWMENG", "change_median"] == -1005
    )
    assert fields.loc["VBEP-EDATU", "kind"] == "date" and fields.loc["VBEP-EDATU", "changes"] == 2
    assert fields.loc["VBEP-EDATU", "change_median"] == 5  # the first change has no old date


def test_items_join_the_header_of_their_own_client(tmp_path):
    header = (
        "MANDANT,OBJECTCLAS,OBJECTID,CHANGENR,USERNAME,UDATE,UTIME\n"
        "100,VERKBELEG,0000000001,0000000101,ANN,20250106,120000\n"
        "200,VERKBELEG,0000000001,0000000101,BOB,20250107,120000\n"
    )
    items = (
        "MANDANT,OBJECTCLAS,OBJECTID,CHANGENR,TABNAME,FNAME,VALUE_NEW,VALUE_OLD\n"
        "200,VERKBELEG,0000000001,0000000101,VBAP,NETWR,2,1\n"
    )
    loaded = read_sap_document_flow(
        _folder(tmp_path, **{"VBFA.csv": VBFA, "CDHDR.csv": header, "CDPOS.csv": items})
    )
    assert _changes(loaded.log).select("resource", "timestamp").rows() == [("BOB", _utc(2025, 1, 7, 12))]
    headers = loaded.rejects.filter(pl.col("source_file") == "CDHDR.csv")
    assert headers.select("source_row", "reason").rows() == [(2, "no_change_items")]
