"""Milestones guessed from activity names (English, German, SAP) with their rule; the customer's wait."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from o2c import bottlenecks
from o2c._kpis import milestones
from o2c._milestones import customer_steps, find_milestones
from o2c.log import validate
from o2c.model import IdealPath


def _log(traces: dict[str, list[tuple[str, float]]]) -> pl.DataFrame:
    """Cases of (activity, hours since the case began)."""
    start = datetime(2025, 2, 3, 8)
    rows = [(case, a, start + timedelta(hours=h)) for case, trace in traces.items() for a, h in trace]
    return validate(pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row"))


def test_german_names() -> None:
    steps = ["Kundenauftrag anlegen", "Lieferung anlegen", "Warenausgang buchen", "Rechnung erstellen",
             "Mahnung senden", "Zahlungseingang buchen"]  # fmt: skip
    found = milestones(_log({"1": [(s, i) for i, s in enumerate(steps)]})).set_index("milestone")
    assert found["activity"].to_dict() == {
        "ordered": "Kundenauftrag anlegen",
        "delivered": "Warenausgang buchen",  # the goods issue before the delivery note
        "invoiced": "Rechnung erstellen",
        "paid": "Zahlungseingang buchen",  # never the dunning letter
    }
    assert found.loc["paid", "rule"] == "a payment received or posted (German: Zahlungseingang)"
    assert found["guessed"].all()


def test_sap_document_names() -> None:
    steps = ["Create Sales Order", "Create Delivery", "Post Goods Movement", "Create Invoice", "Cancel Invoice",
             "Change Delivery Indicator"]  # fmt: skip
    found = find_milestones(_log({"1": [(s, i) for i, s in enumerate(steps)]}))
    assert {m: s.activity for m, s in found.items()} == {
        "ordered": "Create Sales Order",
        "delivered": "Post Goods Movement",
        "invoiced": "Create Invoice",
        "paid": None,  # VBFA holds no payments
    }
    assert found["paid"].rule == "no activity name fits"
    assert "guessed from the activity names: creating a sales order" in found["ordered"].label()


def test_the_wait_for_payment_is_the_customers_guessed_or_given() -> None:
    """Invoice -> payment is the longest wait (30 days against 2 hours); guessed as the customer's,
    it is never ranked among the company's bottlenecks."""
    trace = [("Create Order", 0), ("Ship Goods", 2), ("Create Invoice", 3), ("Receive Payment", 3 + 24 * 30)]
    log = _log({str(i): trace for i in range(5)})
    ranked = bottlenecks(log, top=None).set_index(["source", "target"])
    assert ranked.loc[("Create Invoice", "Receive Payment"), "owner"] == "customer"
    assert set(ranked.loc[ranked["owner"] == "internal"].index) == {
        ("Create Order", "Ship Goods"), ("Ship Goods", "Create Invoice"),
    }  # fmt: skip
    internal = bottlenecks(log, top=None, include_customer=False)
    assert internal.iloc[0][["source", "target"]].tolist() == ["Create Order", "Ship Goods"]
    assert internal["share_of_wait"].tolist() == pytest.approx([2 / 3, 1 / 3])
    # an ideal path that says no step is the customer's is taken at its word
    steps = tuple(a for a, _ in trace)
    assert customer_steps(log, IdealPath(steps, customer_steps=frozenset())) == frozenset()
    assert customer_steps(log, IdealPath(steps, milestones={"paid": "Create Invoice"})) == {"Create Invoice"}
