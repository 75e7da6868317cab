"""SAP users get the object-centric facts: the real document flow ../shared/real_logs/VBFA.zip
written as OCEL 2.0 (sales orders, deliveries, invoices as objects), read back, and its facts
recomputed from the order-level log with plain Python."""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from o2c import object_facts, read_ocel, read_sap_document_flow, write_ocel
from tests.conftest import real_log


def test_vbfa_object_facts_agree_with_the_order_level_log(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = read_sap_document_flow(real_log("VBFA.zip"))
    path = tmp_path / "vbfa.jsonocel"
    write_ocel(loaded.log, path)
    ocel = read_ocel(path)
    assert ocel.rejects.height == 0
    facts = object_facts(ocel, case="Sales Order", delivery=["Delivery"], invoice=["Invoice"]).set_index(
        "fact"
    )
    # the same facts from the order-level log: the documents of each order, by type
    orders = set(loaded.log["case_id"])
    documents: dict[str, dict[str, set[str]]] = {"J": defaultdict(set), "M": defaultdict(set)}
    for case, kind, number in loaded.log.select("case_id", "document_type", "document").iter_rows():
        if kind in documents:
            documents[kind][case].add(number)
    for fact, kind in (("deliveries_per_order", "J"), ("invoices_per_order", "M")):
        counts = [len(documents[kind].get(order, ())) for order in orders]
        assert facts.loc[fact, "counted"] == len(orders)
        assert facts.loc[fact, "mean"] == pytest.approx(sum(counts) / len(counts))
        assert facts.loc[fact, "share"] == pytest.approx(sum(c > 1 for c in counts) / len(counts))
    served: dict[str, set[str]] = defaultdict(set)
    for order, numbers in documents["J"].items():
        for number in numbers:
            served[number].add(order)
    per_delivery = [len(o) for o in served.values()]
    assert facts.loc["orders_per_delivery", "counted"] == len(per_delivery)
    assert facts.loc["orders_per_delivery", "max"] == max(per_delivery)
