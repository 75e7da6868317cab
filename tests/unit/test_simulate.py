"""The simulator: sample files byte for byte, every truth figure recomputed independently, a tiny log by hand.

The sample log is read back from the committed CSV with pandas, and each figure of
``truth.json`` is computed again from it with plain pandas (or pm4py where it computes the same),
without the simulator's own code.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
import yaml

from o2c import _cli_simulate
from o2c._pm4py import pm4py
from o2c._simulate import IDEAL_PATH, Simulation, simulate
from o2c._simulate._backoffice import IDEAL_PATH_BACK_OFFICE
from o2c.cli import main
from o2c.errors import ArgumentError, RejectedRowsWarning
from o2c.io import ColumnMapping, read_ideal_path, read_log
from tests.conftest import SAMPLE_LOGS, sample_log

README = SAMPLE_LOGS / "README.md"
BATCH = "BATCH_"
CUSTOMER_STEP = "Receive Payment"  # the paid milestone: the customer's wait


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _command() -> list[str]:
    """The regeneration command as README.md states it, without the leading 'o2c'."""
    found = re.findall(r"^o2c simulate .*$", _readme(), flags=re.MULTILINE)
    assert len(found) == 1, found
    return shlex.split(found[0])[1:]


def _table(marker: str) -> list[list[str]]:
    """The rows (cells) of the markdown table after the HTML comment ``<!-- marker ...``."""
    text = _readme().split(f"<!-- {marker}", 1)[1].split("<!-- end", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]


def _dates(values: pd.Series) -> list[Any]:
    """Dates as Python dates, missing ones as None."""
    return [None if pd.isna(d) else (d.date() if isinstance(d, pd.Timestamp) else d) for d in values]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _same_file(made: Path, committed: Path) -> bool:
    """The same bytes; for Parquet, the same rows, columns and types (its footer names the writer's
    version, which changes with polars, not with what the simulator wrote)."""
    if made.suffix == ".parquet":
        return pl.read_parquet(made).equals(pl.read_parquet(committed))
    return _sha(made) == _sha(committed)


# --- fixtures: the regenerated files, the committed truth, the sample log read by pandas -------------


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    argv = _command()
    argv[argv.index("--out") + 1] = str(out)
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads(sample_log("truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    frame = pd.read_csv(sample_log("o2c_orders.csv"), dtype={"case_id": str}, keep_default_na=False)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["due_date"] = pd.to_datetime(frame["due_date"].replace("", None)).dt.date
    frame["requested_date"] = pd.to_datetime(frame["requested_date"]).dt.date
    frame["customer_po"] = frame["customer_po"].replace("", None)
    frame["t"] = frame["timestamp"].astype("int64") // 10**6  # seconds (pandas 3 keeps microseconds)
    return frame


@pytest.fixture(scope="module")
def traces(events: pd.DataFrame) -> pd.Series:
    return events.groupby("case_id", sort=False)["activity"].agg(tuple)


@pytest.fixture(scope="module")
def nexts(events: pd.DataFrame) -> pd.DataFrame:
    """Each event with the next (and the one after) in its order, by pandas' group-wise shift."""
    frame = events[["case_id", "activity", "t", "region"]].copy()
    by_case = frame.groupby("case_id", sort=False)
    frame["target"] = by_case["activity"].shift(-1)
    frame["third"] = by_case["activity"].shift(-2)
    frame["wait"] = by_case["t"].shift(-1) - frame["t"]
    return frame


# --- byte for byte -----------------------------------------------------------------------------------


def test_every_sample_file_regenerates_byte_for_byte(regenerated: Path) -> None:
    committed = sorted(p.name for p in SAMPLE_LOGS.iterdir() if p.name != "README.md")
    assert sorted(p.name for p in regenerated.iterdir()) == committed
    changed = [name for name in committed if not _same_file(regenerated / name, SAMPLE_LOGS / name)]
    assert not changed, f"regenerate with: o2c {' '.join(_command())}"


def test_sample_files_are_small() -> None:
    sizes = {p.name: p.stat().st_size for p in SAMPLE_LOGS.iterdir()}
    assert max(sizes.values()) < 2_500_000, sizes


def test_simulate_gives_the_committed_log_and_truth(events: pd.DataFrame, truth: dict[str, Any]) -> None:
    sim = simulate(1500, seed=0, back_office=True)
    assert sim.truth == truth
    log = sim.log.to_pandas()
    assert list(log["case_id"]) == list(events["case_id"])
    assert list(log["activity"].astype(str)) == list(events["activity"])
    assert (log["timestamp"].to_numpy() == events["timestamp"].to_numpy()).all()
    assert list(log["resource"]) == list(events["resource"])
    assert np.allclose(log["value"], events["net_value"], atol=0.005)
    assert list(log["source_row"]) == list(range(1, len(events) + 1))
    for column in ("region", "customer", "sales_org", "channel", "currency", "payment_terms_days", "quantity",
                   "ship_to"):  # fmt: skip
        assert list(log[column]) == list(events[column]), column
    assert list(log["customer_po"].fillna("")) == list(events["customer_po"].fillna(""))
    assert sim.log["requested_date"].to_list() == list(events["requested_date"])
    assert sim.log["due_date"].to_list() == _dates(events["due_date"])


@pytest.mark.parametrize(
    ("name", "orders"),
    [
        ("o2c_orders.csv", 1500),
        ("o2c_orders.parquet", 1500),
        ("o2c_orders.xes.gz", 1500),
        ("o2c_orders.xlsx", 300),
    ],
)
def test_read_log_gives_the_simulated_events(name: str, orders: int) -> None:
    loaded = read_log(sample_log(name))
    assert loaded.rejects.height == 0
    expected = simulate(1500, seed=0, back_office=True).log
    expected = expected.filter(
        pl.col("case_id").is_in(expected["case_id"].unique(maintain_order=True).head(orders).implode())
    )
    roles = ["case_id", "activity", "timestamp", "resource"]
    assert (
        loaded.log.select(roles)
        .cast({"activity": pl.String})
        .equals(expected.select(roles).cast({"activity": pl.String}))
    )


def test_cli_prints_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--cases", "20", "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("simulated 20 orders, ")
    written = sorted(path.name for path in tmp_path.iterdir())
    assert f"wrote {len(written)} files to {tmp_path}: " in out
    assert set(out.rstrip().rsplit(": ", 1)[1].split(", ")) == set(written)
    assert json.loads((tmp_path / "truth.json").read_text())["cases"] == 20


def test_cli_reports_a_bad_argument_with_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--cases", "0", "--out", str(tmp_path)]) == 1
    assert "'cases'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# --- the truth, recomputed from the CSV ------------------------------------------------------------


def test_counts_and_variants(events: pd.DataFrame, traces: pd.Series, truth: dict[str, Any]) -> None:
    assert truth["events"] == len(events) == 15_418
    assert truth["period"] == {"start": "2025-01-06T00:00:00Z", "end": "2025-10-06T00:00:00Z"}  # 39 weeks
    assert events["timestamp"].min() >= pd.Timestamp(truth["period"]["start"])
    assert events["timestamp"].max() < pd.Timestamp(truth["period"]["end"])
    assert truth["cases"] == events["case_id"].nunique() == 1500
    variants = Counter(traces)
    assert truth["variants"] == len(variants)
    top = sorted(variants.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(tuple(v["trace"]), v["cases"]) for v in truth["top_variants"]] == top
    assert truth["activities"] == events["activity"].value_counts().to_dict()
    assert truth["start_activities"] == dict(Counter(t[0] for t in traces))
    assert truth["end_activities"] == dict(Counter(t[-1] for t in traces))


def test_edges_agree_with_pm4py(events: pd.DataFrame, nexts: pd.DataFrame, truth: dict[str, Any]) -> None:
    frame = events.rename(
        columns={"case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}
    )
    module = pm4py()
    dfg, _, _ = module.discover_dfg(frame)
    performance = module.discover_performance_dfg(frame)[0]
    edges = {(e["source"], e["target"]): e for e in truth["edges"]}
    assert {k: e["transitions"] for k, e in edges.items()} == dict(dfg)
    for key, edge in edges.items():
        assert edge["wait_median_seconds"] == pytest.approx(performance[key]["median"]), key
        assert edge["wait_mean_seconds"] == pytest.approx(performance[key]["mean"]), key
    pairs = nexts.dropna(subset=["target"]).groupby(["activity", "target"])
    for key, group in pairs:
        edge = edges[key]
        assert edge["cases"] == group["case_id"].nunique()
        assert edge["wait_total_seconds"] == group["wait"].sum()
        assert edge["wait_p90_seconds"] == pytest.approx(np.percentile(group["wait"], 90))
    order = [(e["source"], e["target"]) for e in truth["edges"]]
    assert order == sorted(edges, key=lambda k: (-edges[k]["transitions"], k))


def test_bottleneck_is_driven_by_its_region_and_ranks_first(
    nexts: pd.DataFrame, truth: dict[str, Any]
) -> None:
    b = truth["bottleneck"]
    assert (b["source"], b["target"], b["attribute"], b["value"]) == (
        "Pick Goods",
        "Ship Goods",
        "region",
        "APAC",
    )
    edge = nexts[(nexts["activity"] == "Pick Goods") & (nexts["target"] == "Ship Goods")]
    apac, others = edge[edge["region"] == "APAC"], edge[edge["region"] != "APAC"]
    assert (b["transitions_value"], b["transitions_others"]) == (len(apac), len(others))
    assert b["wait_median_seconds_value"] == apac["wait"].median()
    assert b["wait_median_seconds_others"] == others["wait"].median()
    assert b["wait_median_seconds_value"] > 20 * b["wait_median_seconds_others"]
    totals = nexts.dropna(subset=["target"]).groupby(["activity", "target"])["wait"].sum()
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    assert b["rank_by_wait_total"] == [k for k, _ in ranked].index(("Pick Goods", "Ship Goods")) + 1
    company = [k for k, _ in ranked if k[1] != CUSTOMER_STEP]
    assert (
        b["rank_by_wait_total_excluding_customer_steps"]
        == company.index(("Pick Goods", "Ship Goods")) + 1
        == 1
    )


def test_rework_self_loops_and_ping_pongs(
    events: pd.DataFrame, nexts: pd.DataFrame, truth: dict[str, Any]
) -> None:
    executions = events.groupby(["case_id", "activity"]).size()
    repeated = executions[executions > 1]
    expected = {
        activity: {"cases": len(group), "extra_executions": int((group - 1).sum())}
        for activity, group in repeated.groupby(level="activity")
    }
    assert truth["rework"] == expected
    loops = nexts[nexts["activity"] == nexts["target"]]
    assert truth["self_loops"] == {
        a: {"cases": g["case_id"].nunique(), "transitions": len(g)} for a, g in loops.groupby("activity")
    }
    same_case_third = nexts.groupby("case_id", sort=False)["case_id"].shift(-2).notna()
    pongs = nexts[
        same_case_third & (nexts["activity"] == nexts["third"]) & (nexts["activity"] != nexts["target"])
    ]
    found = sorted(
        (
            {"activity": a, "via": b, "cases": g["case_id"].nunique(), "occurrences": len(g)}
            for (a, b), g in pongs.groupby(["activity", "target"])
        ),
        key=lambda r: (-r["cases"], r["activity"], r["via"]),
    )
    assert truth["ping_pongs"] == found
    assert found[0]["activity"] == "Confirm Order" and found[0]["via"] == "Change Price"


def test_skipped_steps_and_invoice_before_shipment(events: pd.DataFrame, truth: dict[str, Any]) -> None:
    def cases_with(activity: str) -> set[str]:
        return set(events.loc[events["activity"] == activity, "case_id"])

    assert truth["skipped_credit_checks"] == len(cases_with("Confirm Order") - cases_with("Check Credit"))
    first = events.groupby(["case_id", "activity"])["t"].min().unstack()
    invoiced = first["Create Invoice"].notna()
    early = invoiced & (first["Ship Goods"].isna() | (first["Create Invoice"] < first["Ship Goods"]))
    assert truth["invoice_before_shipment"] == int(early.sum())


def test_conforming_cases_match_a_regular_expression_of_the_ideal_path(
    traces: pd.Series, truth: dict[str, Any]
) -> None:
    ideal = read_ideal_path(sample_log("ideal_path.yaml"))
    pattern = "".join(
        f"(?:{re.escape(s)};)?" if s in ideal.optional else f"{re.escape(s)};" for s in ideal.steps
    )
    conforming = [t for t in traces if re.fullmatch(pattern, ";".join(t) + ";")]
    assert truth["conformance"] == {
        "ideal_path": "standard order",
        "conforming_cases": len(conforming),
        "conforming_variants": len(set(conforming)),
    }


def test_open_cases_and_lead_times(events: pd.DataFrame, traces: pd.Series, truth: dict[str, Any]) -> None:
    furthest = {}
    for case, trace in traces.items():
        if "Receive Payment" in trace:
            continue
        reached = [m for m, step in (("ordered", "Create Sales Order"), ("delivered", "Ship Goods"),
                                     ("invoiced", "Create Invoice")) if step in trace]  # fmt: skip
        furthest[case] = reached[-1]
    assert truth["open_cases"] == {
        "total": len(furthest),
        "by_last_milestone": dict(Counter(furthest.values())),
    }

    first = events.groupby(["case_id", "activity"])["t"].min().unstack()

    def lead(a: str, b: str) -> dict[str, Any]:
        both = first[[a, b]].dropna()
        return {"cases": len(both), "median_seconds": float((both[b] - both[a]).median())}

    span = events.groupby("case_id")["t"].agg(["min", "max"])
    assert truth["lead_times"] == {
        "order_to_delivery": lead("Create Sales Order", "Ship Goods"),
        "order_to_invoice": lead("Create Sales Order", "Create Invoice"),
        "order_to_cash": lead("Create Sales Order", "Receive Payment"),
        "invoice_to_cash": lead("Create Invoice", "Receive Payment"),
        "case_duration": {"cases": len(span), "median_seconds": float((span["max"] - span["min"]).median())},
    }


def test_late_payment_is_driven_by_complaints(events: pd.DataFrame, truth: dict[str, Any]) -> None:
    payments = events[events["activity"] == "Receive Payment"].set_index("case_id")
    days_late = pd.Series(
        [(ts.date() - due).days for ts, due in zip(payments["timestamp"], payments["due_date"], strict=True)],
        index=payments.index,
    )
    complained = set(events.loc[events["activity"] == "Customer Complaint", "case_id"])
    groups = {
        "with_complaint": days_late[days_late.index.isin(complained)],
        "without_complaint": days_late[~days_late.index.isin(complained)],
    }
    expected = {
        name: {"paid_cases": len(g), "late_cases": int((g > 0).sum()), "days_late_median": float(g.median())}
        for name, g in groups.items()
    }
    assert truth["late_payment"] == expected
    share = {name: v["late_cases"] / v["paid_cases"] for name, v in expected.items()}
    assert share["with_complaint"] > 0.9 > 0.2 > share["without_complaint"]


def test_batch_users_touchless_orders_and_approvals(events: pd.DataFrame, truth: dict[str, Any]) -> None:
    batch = events["resource"].str.startswith(BATCH)
    assert truth["batch"]["batch_events"] == int(batch.sum())
    assert truth["batch"]["by_user"] == events.loc[batch, "resource"].value_counts().to_dict()
    assert truth["batch"]["touchless_cases"] == int(batch.groupby(events["case_id"]).all().sum())
    is_approval = events["activity"].isin(["Manager Approval", "Director Approval"])
    per_order = is_approval.groupby(events["case_id"]).sum()
    approvals = truth["approvals"]
    assert approvals["cases_with_approval"] == int((per_order > 0).sum())
    assert approvals["orders_by_approvals"] == {str(k): v for k, v in per_order.value_counts().items()}
    assert approvals["events"] == events.loc[is_approval, "activity"].value_counts().to_dict()
    first = events.groupby(["case_id", "activity"])["t"].min().unstack()
    delivery = (first["Ship Goods"] - first["Create Sales Order"]).dropna()
    by_count = delivery.groupby(per_order.reindex(delivery.index)).median()
    assert approvals["order_to_delivery_median_seconds_by_approvals"] == {
        str(k): v for k, v in by_count.items()
    }
    medians = list(by_count)
    assert medians == sorted(medians), "each approval in the chain adds time"


def test_working_hours_of_people(events: pd.DataFrame) -> None:
    people = events[~events["resource"].str.startswith(BATCH)]
    assert (people["timestamp"].dt.day_of_week < 5).all()
    assert people["timestamp"].dt.hour.between(8, 16).all()


# --- a tiny simulation, checked by hand -----------------------------------------------------------------

TINY = {"weeks": 8, "ping_pong": 0.5, "self_loop": 0.3, "skip_credit_check": 0.25}
CSO, USA, CC, CO, CP = (
    "Create Sales Order",
    "Update Shipping Address",
    "Check Credit",
    "Confirm Order",
    "Change Price",
)
CD, PG, SG, CI, SI, RP = (
    "Create Delivery",
    "Pick Goods",
    "Ship Goods",
    "Create Invoice",
    "Send Invoice",
    "Receive Payment",
)


def test_tiny_simulation_by_hand() -> None:
    sim = simulate(4, seed=0, **TINY)
    traces = {
        case: list(group["activity"].cast(pl.String))
        for (case,), group in sim.log.group_by("case_id", maintain_order=True)
    }
    assert traces == {
        "1000001": [CSO, USA, USA, USA, CC, CO, CP, CO, CD, PG, SG, CI, SI, RP],
        "1000002": [CSO, USA, USA, CC, CO, CD, CI, PG, SG, SI],
        "1000003": [CSO, CO, CP, CO, CD, PG, SG, CI, SI],
        "1000004": [CSO, CO, CD, PG, SG, CI, SI],
    }
    t = sim.truth
    assert (t["events"], t["cases"], t["variants"]) == (14 + 10 + 9 + 7, 4, 4)
    # address updated 3 times in order 1 and twice in order 2; confirmed twice in orders 1 and 3
    assert t["rework"] == {
        USA: {"cases": 2, "extra_executions": 2 + 1},
        CO: {"cases": 2, "extra_executions": 2},
    }
    assert t["self_loops"] == {USA: {"cases": 2, "transitions": 2 + 1}}
    assert t["ping_pongs"] == [{"activity": CO, "via": CP, "cases": 2, "occurrences": 2}]
    assert t["skipped_credit_checks"] == 2  # orders 3 and 4
    assert t["invoice_before_shipment"] == 1  # order 2
    assert t["conformance"]["conforming_cases"] == 0  # order 1 updates its address; 2-4 are unpaid
    assert t["open_cases"] == {"total": 3, "by_last_milestone": {"invoiced": 3}}
    assert t["start_activities"] == {CSO: 4} and t["end_activities"] == {RP: 1, SI: 3}
    edges = {(e["source"], e["target"]): e["transitions"] for e in t["edges"]}
    assert edges == {
        (CSO, USA): 2, (USA, USA): 3, (USA, CC): 2, (CC, CO): 2, (CO, CP): 2, (CP, CO): 2, (CO, CD): 4,
        (CD, PG): 3, (PG, SG): 4, (SG, CI): 3, (CI, SI): 3, (SI, RP): 1, (CD, CI): 1, (CI, PG): 1,
        (SG, SI): 1, (CSO, CO): 2,
    }  # fmt: skip
    # Pick Goods -> Ship Goods waits: 3:04:20, 2 days 18:06:06 (over a weekend), 0:42:46, 4:06:35
    waits = sorted([11_060, 2 * 86_400 + 65_166, 2_566, 14_795])
    assert t["bottleneck"]["transitions_value"] == 0  # no APAC order among the four
    assert t["bottleneck"]["wait_median_seconds_others"] == (waits[1] + waits[2]) / 2 == 12_927.5
    # order 1: created 2025-01-15 20:04:52 by EDI, paid 2025-02-24 06:00:23, due 2025-02-21 (a Friday)
    assert t["lead_times"]["order_to_cash"] == {"cases": 1, "median_seconds": 39 * 86_400 + 35_731}
    assert t["late_payment"]["without_complaint"] == {
        "paid_cases": 1,
        "late_cases": 1,
        "days_late_median": 3.0,
    }
    # programs: order 1 8 events, order 2 4, order 3 5, order 4 6; order 4 has one by a person (carl)
    assert t["batch"]["batch_events"] == 8 + 4 + 5 + 6
    assert t["batch"]["touchless_cases"] == 0
    assert t["approvals"]["orders_by_approvals"] == {"0": 4}


# --- the other files: the same content --------------------------------------------------------------------


def _excerpt(events: pd.DataFrame, orders: int = 300) -> pd.DataFrame:
    first = events["case_id"].drop_duplicates().head(orders)
    return events[events["case_id"].isin(first)].reset_index(drop=True)


def test_parquet_holds_the_csv_table(events: pd.DataFrame) -> None:
    table = pd.read_parquet(sample_log("o2c_orders.parquet"))
    columns = ["case_id", "activity", "timestamp", "resource", "net_value", *_cli_simulate.ATTRIBUTES,
               *_cli_simulate.FIELDS]  # fmt: skip
    assert list(table.columns) == columns
    for column in columns:
        assert list(table[column].map(lambda v: None if pd.isna(v) else v)) == list(
            events[column].map(lambda v: None if pd.isna(v) else v)
        ), column


def test_xes_holds_the_csv_log_as_pm4py_reads_it(events: pd.DataFrame) -> None:
    xes = pm4py().read_xes(str(sample_log("o2c_orders.xes.gz")), variant="iterparse")
    assert list(xes["case:concept:name"]) == list(events["case_id"])
    assert list(xes["concept:name"]) == list(events["activity"])
    assert list(xes["org:resource"]) == list(events["resource"])
    assert (
        pd.to_datetime(xes["time:timestamp"], utc=True).to_numpy() == events["timestamp"].to_numpy()
    ).all()
    # net_value changes within an order at Change Price, so it is an event attribute, as are the fields
    assert "case:net_value" not in xes and np.allclose(xes["net_value"], events["net_value"])
    assert list(xes["quantity"]) == list(events["quantity"])
    assert list(xes["ship_to"]) == list(events["ship_to"])
    assert list(xes["customer_po"].fillna("")) == list(events["customer_po"].fillna(""))
    assert list(pd.to_datetime(xes["requested_date"], utc=True).dt.date) == list(events["requested_date"])
    assert list(xes["case:payment_terms_days"]) == list(events["payment_terms_days"])
    for column in ("region", "customer", "sales_org", "channel", "currency"):
        assert list(xes[f"case:{column}"]) == list(events[column]), column
    due = [None if pd.isna(d) else str(d) for d in events["due_date"]]
    assert [None if pd.isna(d) else d for d in xes["case:due_date"]] == due


def test_xlsx_holds_the_first_300_orders(events: pd.DataFrame) -> None:
    sheet = pd.read_excel(sample_log("o2c_orders.xlsx"), sheet_name="orders", dtype={"case_id": str})
    part = _excerpt(events)
    assert sheet["case_id"].nunique() == 300 and len(sheet) == len(part) == 3144
    assert list(sheet["case_id"]) == list(part["case_id"])
    assert list(sheet["activity"]) == list(part["activity"])
    assert list(sheet["timestamp"].dt.tz_localize("UTC")) == list(part["timestamp"])
    assert np.allclose(sheet["net_value"], part["net_value"])
    assert [None if pd.isna(d) else d.date() for d in sheet["due_date"]] == [
        None if pd.isna(d) else d for d in part["due_date"]
    ]


def test_export_defects_are_as_documented() -> None:
    text = sample_log("o2c_orders_export.csv").read_bytes().decode("cp1252")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.removesuffix("\r\n").split("\r\n")
    assert len(lines) == 3146 and "3,146 lines" in _readme()
    fields = [line.split(";") for line in lines]
    assert fields[0] == list(_cli_simulate.EXPORT_HEADERS.values())
    times = pd.to_datetime(pd.Series([f[2] for f in fields[1:]]), format="%d.%m.%Y %H:%M:%S", errors="coerce")
    found = {
        "missing": [n for n, f in enumerate(fields[1:], 2) if f[0] == ""],
        "unparseable": [n for n, bad in enumerate(times.isna(), 2) if bad],
        "duplicate": [n for n in range(3, len(lines) + 1) if lines[n - 1] == lines[n - 2]],
        "trailing": [n for n, f in enumerate(fields[1:], 2) if f[1] != f[1].rstrip()],
    }
    documented = {
        next(kind for kind in found if kind in row[0]): (int(row[1]), [int(n) for n in row[2].split(", ")])
        for row in _table("defects")
    }
    assert documented == {kind: (len(numbers), numbers) for kind, numbers in found.items()}
    assert [len(v) for v in found.values()] == list(_cli_simulate.EXPORT_DEFECTS.values())


def test_export_holds_the_first_300_orders_in_european_format(events: pd.DataFrame) -> None:
    raw = pd.read_csv(
        sample_log("o2c_orders_export.csv"), sep=";", encoding="cp1252", dtype=str, keep_default_na=False
    )
    assert len(raw) == 3145
    raw = raw[~raw.duplicated()].reset_index(drop=True)
    part = _excerpt(events)
    assert len(raw) == len(part)
    known = raw["Auftrag"] != ""
    assert (raw.loc[known, "Auftrag"] == part.loc[known, "case_id"]).all() and (~known).sum() == 3
    assert list(raw["Aktivität"].str.rstrip()) == list(part["activity"])
    local = pd.to_datetime(raw["Zeitpunkt"], format="%d.%m.%Y %H:%M:%S", errors="coerce")
    parsed = local.notna()
    utc = (
        local[parsed]
        .dt.tz_localize("Europe/Berlin", ambiguous="raise", nonexistent="raise")
        .dt.tz_convert("UTC")
    )
    assert (utc.to_numpy() == part.loc[parsed, "timestamp"].to_numpy()).all() and (~parsed).sum() == 2
    value = (
        raw["Nettowert"].str.replace(".", "", regex=False).str.replace(",", ".", regex=False).astype(float)
    )
    assert np.allclose(value, part["net_value"])
    assert (raw["Nettowert"].str.contains(r"^\d{1,3}(?:\.\d{3})*,\d{2}$")).all()
    due = pd.to_datetime(raw["Fälligkeitsdatum"].replace("", None), format="%d.%m.%Y")
    assert [None if pd.isna(d) else d.date() for d in due] == [
        None if pd.isna(d) else d for d in part["due_date"]
    ]
    for german, column in (("Bearbeiter", "resource"), ("Region", "region"), ("Kunde", "customer")):
        assert list(raw[german]) == list(part[column]), german
    assert any(not name.isascii() for name in raw["Kunde"]), "cp1252 characters beyond ASCII"


def test_read_log_reads_the_export_as_documented() -> None:
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(sample_log("o2c_orders_export.csv"), mapping=sample_log("mapping_export.yaml"))
    rejects = loaded.rejects.sort("source_row")
    documented = {
        next(r for r in ("missing", "unparseable", "duplicate") if r in row[0]): row
        for row in _table("defects")
        if "trailing" not in row[0]
    }
    expected = {
        "missing_case_id": documented["missing"][2],
        "unparseable_timestamp": documented["unparseable"][2],
        "duplicate_event": documented["duplicate"][2],
    }
    for reason, lines in expected.items():
        assert rejects.filter(pl.col("reason") == reason)["source_row"].to_list() == [
            int(n) for n in lines.split(", ")
        ]
    # the rejected events (not the duplicate) are missing; line k before the duplicate holds event k - 1
    lost = [int(n) - 2 for key in ("missing", "unparseable") for n in documented[key][2].split(", ")]
    log = simulate(1500, seed=0, back_office=True).log
    part = log.filter(pl.col("case_id").is_in(log["case_id"].unique(maintain_order=True).head(300).implode()))
    part = part.with_row_index("i").filter(~pl.col("i").is_in(lost))
    roles = ["case_id", "activity", "timestamp", "resource", "value"]
    assert loaded.log.height == 3139 == part.height and loaded.log["case_id"].n_unique() == 300
    assert (
        loaded.log.select(roles)
        .cast({"activity": pl.String})
        .equals(part.select(roles).cast({"activity": pl.String}))
    )


def test_mapping_of_the_export_names_its_columns() -> None:
    mapping = ColumnMapping(**yaml.safe_load(sample_log("mapping_export.yaml").read_text(encoding="utf-8")))
    header = sample_log("o2c_orders_export.csv").read_bytes().decode("cp1252").split("\r\n", 1)[0].split(";")
    assert set(mapping.roles()) == {"case_id", "activity", "timestamp", "resource", "value"}
    assert set(mapping.roles().values()) <= set(header)
    assert (mapping.dayfirst, mapping.timezone) == (True, "Europe/Berlin")


def test_ideal_path_file_is_the_simulators_ideal_path() -> None:
    ideal = read_ideal_path(sample_log("ideal_path.yaml"))
    assert ideal == IDEAL_PATH_BACK_OFFICE
    assert ideal.optional == {
        "Manager Approval",
        "Director Approval",
        "Sales Ops Sign-off",
        "Pricing Approval",
    }
    confirm = IDEAL_PATH.steps.index("Confirm Order")
    assert ideal.steps == (
        *IDEAL_PATH.steps[:confirm],
        "Sales Ops Sign-off",
        "Pricing Approval",
        *IDEAL_PATH.steps[confirm:],
    )
    assert ideal.waiting_steps_of_customer == {"Receive Payment"}
    assert sum(ideal.target_hours.values()) == 15.75 and "15.75 hours" in _readme()


# --- README.md ------------------------------------------------------------------------------------------


def _at(truth: dict[str, Any], path: str) -> Any:
    value: Any = truth
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def test_readme_figures_of_planted_patterns_match_truth(truth: dict[str, Any]) -> None:
    rows = _table("planted")
    assert len(rows) >= 12
    for _pattern, _parameter, key, figure in rows:
        number = float(re.match(r"[\d.]+", figure).group())  # type: ignore[union-attr]
        assert number == _at(truth, key.strip("`")), (key, figure)


def test_readme_documents_every_truth_key(truth: dict[str, Any]) -> None:
    names = set(truth)
    for section in ("period", "bottleneck", "conformance", "open_cases", "lead_times", "late_payment", "batch",
                    "approvals"):  # fmt: skip
        names |= set(truth[section])
    names |= set(truth["edges"][0]) | set(truth["top_variants"][0]) | set(truth["ping_pongs"][0])
    names |= set(truth["rework"]["Confirm Order"]) | set(truth["self_loops"]["Update Shipping Address"])
    names |= set(truth["late_payment"]["with_complaint"]) | set(truth["lead_times"]["order_to_cash"])
    documented = set(re.findall(r"`([a-z_0-9]+)`", _readme()))
    assert names - documented == set()


def test_readme_counts_match_the_files(truth: dict[str, Any]) -> None:
    readme = _readme()
    assert f"| 1,500 | {truth['events']:,} |" in readme
    assert "| 300 | 3,144 |" in readme


# --- arguments -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"cases": 0}, "cases"),
        ({"cases": 2.5}, "cases"),
        ({"weeks": 0}, "weeks"),
        ({"start": "2025-13-01"}, "start"),
        ({"ping_pong": 1.5}, "ping_pong"),
        ({"stuck": -0.1}, "stuck"),
        ({"bottleneck_days": 0}, "bottleneck_days"),
        ({"approval_limits": (50_000, 10_000)}, "approval_limits"),
        ({"bottleneck_region": "APEC"}, "bottleneck_region"),
        ({"approval_org": "FR02"}, "approval_org"),
    ],
)
def test_bad_arguments_are_named(arguments: dict[str, Any], name: str) -> None:
    with pytest.raises(ArgumentError, match=f"'{name}' argument of simulate"):
        simulate(**{"cases": 10, **arguments})


def test_a_near_miss_gets_a_suggestion() -> None:
    with pytest.raises(ArgumentError, match="did you mean: 'APAC'"):
        simulate(10, bottleneck_region="APEC")


def test_simulation_shows_its_size_and_carries_its_ideal_path() -> None:
    sim = simulate(25, seed=2)
    assert isinstance(sim, Simulation)
    assert repr(sim) == f"Simulation(25 orders, {sim.log.height} events)"
    assert sim.ideal is IDEAL_PATH
