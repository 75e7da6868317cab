"""read_ocel: OCEL 2.0 (JSON, XML, SQLite) and OCEL 1.0 (JSON, XML, CSV), every element kept or
rejected with a reason; counts against hand counts and pm4py's own readers; the round trip."""

from __future__ import annotations

import json
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from o2c import example_log, read_log, read_ocel, write_ocel
from o2c._simulate import simulate_ocel
from o2c.errors import ArgumentError, InputFileError, RejectedRowsWarning
from o2c.io._ocel import ocel_format
from o2c.log import validate
from o2c.ocel import _ocel_tables


def _rel(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"objectId": o, "qualifier": q} for o, q in pairs]


def _event(eid: str, activity: str | None, time: str, *objects: str, **attributes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"id": eid, "time": time, "relationships": _rel(*[(o, o[0]) for o in objects])}
    if activity is not None:
        event["type"] = activity
    event["attributes"] = [{"name": k, "value": v} for k, v in attributes.items()]
    return event


#: A clean OCEL 2.0 log by hand: order o1 (items i1, i2; deliveries d1, d2; invoice v1), order
#: o2 (item i3, shipped with i1 in d1), customer c1 (master data, with an event of its own).
CLEAN: dict[str, Any] = {
    "objectTypes": [
        {"name": "order", "attributes": [{"name": "net_value", "type": "float"}]},
        {"name": "item", "attributes": []},
        {"name": "delivery", "attributes": []},
        {"name": "invoice", "attributes": []},
        {"name": "customer", "attributes": []},
    ],
    "eventTypes": [
        {"name": "place order", "attributes": [{"name": "clerk", "type": "string"}]},
        {"name": "pick item", "attributes": []},
        {"name": "ship delivery", "attributes": []},
        {"name": "create invoice", "attributes": []},
        {"name": "update customer", "attributes": []},
    ],
    "objects": [
        {"id": "o1", "type": "order", "attributes": [
            {"name": "net_value", "time": "1970-01-01T00:00:00Z", "value": 100.0},
            {"name": "net_value", "time": "2024-01-03T00:00:00Z", "value": 120.0}],
         "relationships": _rel(("i1", "contains"), ("i2", "contains"), ("c1", "placed by"))},
        {"id": "o2", "type": "order", "attributes": [{"name": "net_value", "time": "1970-01-01T00:00:00Z", "value": 50.0}],
         "relationships": _rel(("i3", "contains"))},
        {"id": "i1", "type": "item"},
        {"id": "i2", "type": "item"},
        {"id": "i3", "type": "item"},
        {"id": "d1", "type": "delivery", "relationships": _rel(("i1", "carries"), ("i3", "carries"))},
        {"id": "d2", "type": "delivery", "relationships": _rel(("i2", "carries"))},
        {"id": "v1", "type": "invoice", "relationships": _rel(("o1", "bills"))},
        {"id": "c1", "type": "customer"},
    ],
    "events": [
        _event("e1", "place order", "2024-01-01T09:00:00Z", "o1", "i1", "i2", "c1", clerk="Ann"),
        _event("e2", "place order", "2024-01-01T10:00:00+01:00", "o2", "i3", clerk="Bob"),
        _event("e3", "pick item", "2024-01-02T08:00:00Z", "i1"),
        _event("e4", "pick item", "2024-01-02T09:00:00Z", "i3"),
        _event("e5", "ship delivery", "2024-01-03T12:00:00Z", "d1", "i1", "i3"),
        _event("e6", "pick item", "2024-01-04T08:00:00Z", "i2"),
        _event("e7", "ship delivery", "2024-01-05T12:00:00Z", "d2", "i2"),
        _event("e8", "create invoice", "2024-01-06T12:00:00Z", "v1", "o1"),
        _event("e9", "update customer", "2024-01-07T12:00:00Z", "c1"),
    ],
}  # fmt: skip
#: Hand counts of CLEAN.
EVENTS, OBJECTS, RELATIONS, O2O, CHANGES = 9, 9, 17, 8, 3  # relations 4+2+1+1+3+1+2+2+1, o2o 3+1+2+1+1


def _dirty() -> dict[str, Any]:
    """CLEAN with one of each defect (see test_rejects_have_reasons for the hand count)."""
    log = json.loads(json.dumps(CLEAN))
    log["objects"] += [
        {"id": "o1", "type": "order"},  # duplicate_object_id (objects row 10), its links leave with it
        {"id": "x1"},  # missing_object_type (row 11)
    ]
    log["objects"][0]["relationships"] += _rel(
        ("nobody", "contains"), ("i1", "contains")
    )  # unknown, duplicate
    log["events"][6]["relationships"] += _rel(("ghost", "delivery"))  # e7 (row 7): unknown_object
    log["events"] += [
        _event("e3", "pick item", "2024-01-02T08:30:00Z", "i2"),  # row 10: duplicate_event_id
        _event("e10", "pick item", "yesterday", "i1"),  # row 11: unparseable_timestamp
        _event(
            "e11", "pick item", "2024-01-08T08:00:00Z", "ghost2"
        ),  # row 12: unknown_object, without objects
        _event("e12", "pick item", "2024-01-08T09:00:00Z"),  # row 13: event_without_objects
        _event("e13", None, "2024-01-08T10:00:00Z", "i1"),  # row 14: missing_activity
    ]
    return log


def _write(tmp_path: Path, data: dict[str, Any], name: str = "orders.jsonocel") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _pm4py() -> Any:
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    import pm4py

    return pm4py


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """CLEAN in every format, the others written by pm4py's own writers from pm4py's reading of it."""
    folder = tmp_path_factory.mktemp("ocel")
    pm4py = _pm4py()
    paths = {"ocel2_json": _write(folder, CLEAN)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = pm4py.read_ocel2_json(str(paths["ocel2_json"]))
        for fmt, name, writer in (
            ("ocel2_xml", "orders.xmlocel", pm4py.write_ocel2_xml),
            ("ocel2_sqlite", "orders.sqlite", pm4py.write_ocel2_sqlite),
            ("ocel1_json", "orders10.jsonocel", pm4py.write_ocel_json),
            ("ocel1_xml", "orders10.xmlocel", pm4py.write_ocel_xml),
            ("ocel1_csv", "orders10.csv", pm4py.write_ocel_csv),
        ):
            path = folder / name
            writer(ocel, str(path), str(folder / "objects10.csv")) if fmt == "ocel1_csv" else writer(
                ocel, str(path)
            )
            paths[fmt] = path
    return paths


PM4PY_READERS = {
    "ocel2_json": "read_ocel2_json",
    "ocel2_xml": "read_ocel2_xml",
    "ocel2_sqlite": "read_ocel2_sqlite",
    "ocel1_json": "read_ocel_json",
    "ocel1_xml": "read_ocel_xml",
    "ocel1_csv": "read_ocel_csv",
}


# --- reading, every format ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(PM4PY_READERS))
def test_every_format_gives_the_hand_counts_and_pm4pys(formats: dict[str, Path], fmt: str) -> None:
    path = formats[fmt]
    assert ocel_format(path) == fmt
    ocel = read_ocel(path)
    assert ocel.source.format == fmt and ocel.rejects.height == 0
    theirs = getattr(_pm4py(), PM4PY_READERS[fmt])(str(path))
    assert ocel.events.height == len(theirs.events) == EVENTS
    assert ocel.objects.height == len(theirs.objects) == OBJECTS
    assert ocel.relations.height == len(theirs.relations) == RELATIONS
    assert set(ocel.events["event_id"]) == set(theirs.events["ocel:eid"]) == {f"e{i}" for i in range(1, 10)}
    pairs = set(ocel.relations.select("event_id", "object_id").iter_rows())
    assert pairs == set(zip(theirs.relations["ocel:eid"], theirs.relations["ocel:oid"], strict=True))
    if fmt != "ocel1_csv":  # OCEL 1.0 CSV names no objects without events and no o2o links
        assert ocel.object_relations.height == len(theirs.o2o) == (0 if fmt == "ocel1_xml" else O2O)
    # e2 was placed at 10:00 +01:00: 09:00 UTC, in every format
    placed = ocel.events.filter(pl.col("event_id") == "e2")["timestamp"].item()
    assert placed.isoformat() == "2024-01-01T09:00:00+00:00"


def test_polars_and_pm4py_readers_agree_on_ocel2_json(formats: dict[str, Path]) -> None:
    ours, theirs = read_ocel(formats["ocel2_json"]), read_ocel(formats["ocel2_json"], reader="pm4py")
    for name in ("events", "objects", "relations", "object_relations"):
        key = list(getattr(ours, name).columns[:2])
        left = getattr(ours, name).select(key).sort(key)
        right = getattr(theirs, name).select(key).sort(key)
        assert left.equals(right), name
    assert ours.events.sort("event_id")["timestamp"].equals(theirs.events.sort("event_id")["timestamp"])
    assert ours.object_changes.height == CHANGES


def test_attributes_are_typed_and_objects_keep_their_first_value(formats: dict[str, Path]) -> None:
    ocel = read_ocel(formats["ocel2_json"])
    values = dict(ocel.objects.select("object_id", "net_value").drop_nulls().iter_rows())
    assert values == {"o1": 100.0, "o2": 50.0}  # o1 became 120.0 later: object_changes
    changes = ocel.object_changes.filter(pl.col("object_id") == "o1").sort("timestamp")
    assert changes["value"].to_list() == ["100.0", "120.0"]
    assert ocel.events.filter(pl.col("event_id") == "e1")["clerk"].item() == "Ann"


def test_rejects_have_reasons(tmp_path: Path) -> None:
    ocel = read_ocel(_write(tmp_path, _dirty()))
    found = Counter(
        zip(ocel.rejects["reason"], ocel.rejects["source_row"], ocel.rejects["value"], strict=True)
    )
    assert found == Counter(
        {
            ("duplicate_object_id", 10, "o1"): 1,
            ("missing_object_type", 11, None): 1,
            ("unknown_object", 1, "nobody"): 1,
            ("duplicate_relation", 1, "i1"): 1,
            ("unknown_object", 7, "ghost"): 1,
            ("duplicate_event_id", 10, "e3"): 1,
            ("unparseable_timestamp", 11, "yesterday"): 1,
            ("unknown_object", 12, "ghost2"): 1,
            ("event_without_objects", 12, "e11"): 1,
            ("event_without_objects", 13, "e12"): 1,
            ("missing_activity", 14, None): 1,
        }
    )
    assert set(ocel.rejects["source_file"]) == {"orders.jsonocel"}
    # what is left is CLEAN, exactly: the duplicate e3's link to i2 left with it
    assert (ocel.events.height, ocel.objects.height, ocel.relations.height) == (EVENTS, OBJECTS, RELATIONS)
    assert ocel.object_relations.height == O2O
    assert ocel.relations.filter(pl.col("event_id") == "e3")["object_id"].to_list() == ["i1"]


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("bad.jsonocel", '{"objectTypes": [], "events": [', "not valid OCEL 2.0 JSON"),
        ("bad.jsonocel", '{"objectTypes": [], "eventTypes": [], "objects": []}', "has no 'events' list"),
        ("bad.jsonocel", '{"objectTypes": [], "events": 5, "objects": []}', "'events' must be a list"),
        ("bad.jsonocel", '{"objectTypes": [], "events": [{"id": "e1", "time": "2024-01-01"}], "objects": []}',
         "has the field 'type'"),
        ("bad.jsonocel", '{"ocel:events": [1, 2]}', "no 'ocel:events' map"),
        ("bad.jsonocel", '{"ocel:events": {"e1": 5}}', "ocel:events['e1']"),
        ("bad.xmlocel", "<log><object-types><object-type name=", "is not well-formed XML at line 1"),
        ("bad.jsonocel", "PK\x03\x04 not json at all", "not valid OCEL 2.0 JSON"),
        ("bad.csv", "ocel:eid,ocel:activity,ocel:type:order\n1,a,['o1']\n", "no column 'ocel:timestamp'"),
    ],
)  # fmt: skip
def test_malformed_files_name_the_file_and_the_element(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_ocel(path)
    assert caught.value.path == str(path) and name in str(caught.value) and says in str(caught.value)


def test_csv_without_timestamp_column_is_no_ocel_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    assert ocel_format(path) is None
    with pytest.raises(InputFileError, match="is not an object-centric event log"):
        read_ocel(path)
    with pytest.raises(ArgumentError):
        read_ocel(path, reader="fast")


# --- the public OCEL 1.0 order log's trait: item and package events carry no order id --------------

ORDER_CSV = """\
ocel:eid,ocel:activity,ocel:timestamp,ocel:type:customers,ocel:type:items,ocel:type:orders,ocel:type:packages,ocel:type:products,price
1.0,place order,2019-05-20 07:07:47.000Z,['c1'],"['i1','i2']",['o1'], ,"['p1','p2']",524.96
2.0,place order,2019-05-20 08:35:21.000Z,['c1'],['i3'],['o2'], ,['p1'],100
3.0,pick item,2019-05-20 09:00:00.000Z, ,['i1'], , ,['p1'],
4.0,pick item,2019-05-20 10:00:00.000Z, ,['i3'], , ,['p1'],
5.0,create package,2019-05-21 10:00:00.000Z, ,"['i1','i3']", ,['k1'], ,
6.0,send package,2019-05-22 10:00:00.000Z, , , ,['k1'], ,
7.0,pick item,2019-05-23 10:00:00.000Z, ,['i2'], , ,['p2'],
8.0,create package,2019-05-24 10:00:00.000Z, ,['i2'], ,['k2'], ,
9.0,send package,2019-05-25 10:00:00.000Z, , , ,['k2'], ,
10.0,pay order,2019-05-26 10:00:00.000Z, , ,['o1'], , ,
"""


def test_order_csv_keeps_every_event(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDER_CSV, encoding="utf-8")
    loaded = read_log(path)
    assert loaded.rejects.height == 0 and loaded.source.rows == 10
    assert set(loaded.log["event_id"]) == {str(i) for i in range(1, 11)}  # 6 of 10 have no order id
    traces = {
        case: group.sort("timestamp")["event_id"].to_list()
        for (case,), group in loaded.log.group_by("case_id")
    }
    assert traces == {"o1": ["1", "3", "5", "6", "7", "8", "9", "10"], "o2": ["2", "4", "5", "6"]}
    shared = loaded.log.filter(pl.col("shared_by") > 1)["event_id"].unique().sort().to_list()
    assert shared == ["5", "6"]
    notes = loaded.source.notes["flatten"]
    assert notes["case_type"] == "orders" and notes["through"] == ["items", "packages"]
    assert notes["case_type_chosen"] == "guessed from the type names"
    theirs = _pm4py().read_ocel_csv(str(path))
    assert len(theirs.events) == 10 and len(theirs.relations) == loaded.ocel.relations.height == 24


# --- read_log on an object-centric file -----------------------------------------------------------


def test_read_log_flattens_and_rejects_what_reaches_no_order(tmp_path: Path) -> None:
    path = _write(tmp_path, _dirty())
    with pytest.warns(RejectedRowsWarning, match="not_linked_to_case"):
        loaded = read_log(path)
    assert loaded.ocel is not None and loaded.source.format == "ocel2_json"
    assert loaded.source.rows == 14  # events in the file
    unlinked = loaded.rejects.filter(pl.col("reason") == "not_linked_to_case")
    assert unlinked["source_row"].to_list() == [9] and unlinked["value"].to_list() == ["update customer"]
    counts = loaded.log.group_by("case_id").len().sort("case_id").rows()
    assert counts == [("o1", 6), ("o2", 3)]  # the customer's event joins no order
    assert loaded.source.mapping.case_id == "order"
    validate(loaded.log)


def test_read_log_takes_the_case_type_from_the_argument_or_the_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, CLEAN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        by_delivery = read_log(path, case_type="delivery")
        by_mapping = read_log(path, mapping={"case_id": "Delivery"})
    assert sorted(by_delivery.log["case_id"].unique()) == ["d1", "d2"]
    assert by_mapping.log.equals(by_delivery.log)
    assert by_delivery.source.notes["flatten"]["case_type_chosen"] == "named"
    with pytest.raises(ArgumentError, match="did you mean: 'delivery'"):
        read_log(path, case_type="delivry")


# --- round trip with write_ocel -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonocel", ".xmlocel", ".sqlite"])
def test_write_then_read_gives_the_same_events_objects_and_links(tmp_path: Path, suffix: str) -> None:
    log = validate(example_log())
    path = tmp_path / f"orders{suffix}"
    write_ocel(log, path)
    events, objects, relations = _ocel_tables(log)
    back = read_ocel(path)
    assert back.rejects.height == 0
    assert (
        back.events.select("event_id", "activity", "timestamp")
        .sort("event_id")
        .equals(events.sort("event_id"))
    )
    assert back.objects.select("object_id", "object_type").sort("object_id").equals(objects.sort("object_id"))
    assert set(back.relations.select("event_id", "object_id", "qualifier").iter_rows()) == set(
        relations.iter_rows()
    )


@pytest.mark.parametrize("suffix", [".jsonocel", ".xmlocel", ".sqlite"])
def test_an_object_centric_log_survives_write_and_read(tmp_path: Path, suffix: str) -> None:
    ocel = simulate_ocel(40, seed=4).ocel
    path = tmp_path / f"objects{suffix}"
    write_ocel(ocel, path)
    back = read_ocel(path)
    assert back.rejects.height == 0
    for name in ("events", "objects", "relations", "object_relations"):
        columns = [c for c in getattr(ocel, name).columns if c != "source_row"]
        mine = getattr(ocel, name).select(columns).sort(columns)
        read = getattr(back, name).select(columns).sort(columns)
        assert mine.equals(read), name


def test_pm4pys_reader_fails_the_whole_file_where_ours_rejects_one_event(tmp_path: Path) -> None:
    # pm4py's OCEL 2.0 JSON reader (its Rust backend) stops at the first object without a type or
    # time it cannot parse; read_ocel's own reader rejects that element and keeps the rest
    path = _write(tmp_path, _dirty())
    with pytest.raises(InputFileError, match="could not be read as ocel2 json by pm4py"):
        read_ocel(path, reader="pm4py")
    assert read_ocel(path).events.height == EVENTS


def test_inspect_says_how_the_file_was_flattened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from o2c.cli import main

    path = _write(tmp_path, CLEAN)
    assert main(["inspect", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "file      " + str(path) + " (ocel2_json, polars" in printed
    assert "cases are the 'order' objects (guessed from the type names; --case-type TYPE)" in printed
    assert (
        "with the events of their item, delivery, invoice; 1 event shared by several, 1 event in none"
        in printed
    )
    assert "events_shared" in printed
    assert main(["inspect", str(path), "--case-type", "delivery"]) == 0
    assert "cases are the 'delivery' objects (named" in capsys.readouterr().out


def test_strict_stops_at_the_first_reject(tmp_path: Path) -> None:
    from o2c.errors import RejectedRowError

    with pytest.raises(RejectedRowError):
        read_log(_write(tmp_path, _dirty()), strict=True)


def test_a_malformed_sqlite_log_names_the_file(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "orders.sqlite"
    with sqlite3.connect(path) as connection:
        for table in ("event", "object", "event_object"):
            connection.execute(f"CREATE TABLE {table} (ocel_id TEXT)")
    with pytest.raises(
        InputFileError, match=r"orders\.sqlite could not be read as OCEL 2\.0 SQLite: no such column"
    ):
        read_ocel(path)
