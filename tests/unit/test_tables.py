"""Result tables for people (o2c.render.tables): each kind formatted as counted by hand, the Styler
leaves the values exact, every table of an assessment renders without pandas' raw Timedelta text
or scientific notation, and the report's tables show the same text as ``o2c.styled``."""

from __future__ import annotations

import html
import re

import pandas as pd
import polars as pl
import pytest

import o2c
from o2c import example_log
from o2c._assess import Assessment, assess
from o2c.io import read_log
from o2c.render.maps import format_duration as maps_format_duration
from o2c.render.tables import KINDS, MONEY, column_kinds, format_cell, styled
from o2c.report import findings
from o2c.report._html import _WAIT_COLUMNS, _table

#: pandas' own text for a Timedelta ("1 days 02:00:00", "0 days 04:00:00") and for a float it
#: cannot show in fixed notation ("1.234568e+08", "1e-05").
RAW_TIMEDELTA = re.compile(r"\d days?\b|\d\d:\d\d:\d\d")
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


def _cells(page: str) -> list[str]:
    """The text of every data cell of an HTML table."""
    return [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.S)]


@pytest.fixture(scope="module")
def assessed() -> Assessment:
    return assess(read_log(example_log()), min_cases=1, progress=False)


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (pd.Timedelta(hours=36), "duration", "1.5 d"),  # 36 / 24 = 1.5 days
        (pd.Timedelta(hours=14), "duration", "14 h"),  # 10 or more of a unit: no decimal
        (pd.Timedelta(minutes=150), "duration", "2.5 h"),
        (pd.Timedelta(days=-3, hours=-12), "duration", "-3.5 d"),
        (pd.Timedelta(days=19), "days", "19 d"),
        (pd.Timedelta(days=-4, hours=-12), "days", "-4.5 d"),
        (123_456_789.0, "money", "123,456,789 EUR"),
        (99.5, "money", "99.50 EUR"),
        (2_450_000.4, "value_days", "2,450,000 EUR-days"),
        (0.343, "share", "34%"),
        (0.016, "share", "1.6%"),
        (1_204_000, "count", "1,204,000"),
        (1204, "id", "1204"),
        (2.5e-9, "p", "< 0.001"),
        (0.01234, "p", "0.012"),
        (2.2083, "ratio", "2.2×"),
        (11 / 12, "fitness", "0.9167"),
        (1.046, "number", "1.05"),
        (1.5e8, "number", "150,000,000"),
        (pd.Timestamp("2025-03-03 08:00:59", tz="UTC"), "datetime", "2025-03-03 08:00 UTC"),
        (("Create Invoice", "Receive Payment"), "trace", "Create Invoice → Receive Payment"),
        ("EMEA", "text", "EMEA"),
    ],
)
def test_each_kind_is_shown_as_counted_by_hand(value: object, kind: str, shown: str) -> None:
    assert format_cell(value, kind, currency="EUR") == shown


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NaT, pd.NA])
def test_a_missing_value_is_an_empty_cell(missing: object) -> None:
    assert {format_cell(missing, kind) for kind in KINDS} == {""}


def test_money_without_a_currency_is_the_number_alone() -> None:
    assert format_cell(123_456_789.0, "money") == "123,456,789"
    assert format_cell(2_450_000.0, "value_days") == "2,450,000"


def test_the_old_names_of_the_rules_still_import() -> None:
    assert maps_format_duration is o2c.render.format_duration is o2c.render.tables.format_duration


def test_p_values_are_not_money(assessed: Assessment) -> None:
    """findings.json and the CSV tables write money to the cent; a p-value rounded so reads 0.0."""
    assert MONEY.match("p_value") is None
    names = ("value", "value_days", "value_delayed", "order_value", "financing_cost")
    assert all(MONEY.match(name) for name in names)
    written = [d["p_value"] for edge in findings(assessed)["bottlenecks"] for d in edge["drivers"]]
    exact = assessed.drivers["p_value"].tolist()
    assert written == exact and any(round(p, 2) != p for p in exact)


def test_kinds_of_the_bottleneck_table(assessed: Assessment) -> None:
    kinds = column_kinds(assessed.bottlenecks)
    assert kinds == {
        "rank": "id", "source": "text", "target": "text", "owner": "text", "transitions": "count",
        "cases": "count", "wait_median": "duration", "wait_mean": "duration", "wait_p90": "duration",
        "wait_max": "duration", "wait_total": "duration", "overlaps": "count", "overlap_share": "share",
        "value_days": "value_days", "financing_cost": "money", "share_of_wait": "share",
    }  # fmt: skip


def test_days_past_due_are_days_only_where_the_table_says_it_measures_them() -> None:
    late = pd.DataFrame(
        {"median_with": pd.to_timedelta([19, -4], unit="D"), "measure": ["days_past_due"] * 2}
    )
    assert column_kinds(late)["median_with"] == "days"
    assert column_kinds(late.assign(measure="invoice_to_cash"))["median_with"] == "duration"


def test_the_styler_keeps_the_values_exact(assessed: Assessment) -> None:
    frame = assessed.bottlenecks
    before = frame.copy()
    table = styled(frame, currency="EUR")
    assert table.data is frame and frame.equals(before)
    assert list(frame.dtypes) == list(before.dtypes)
    assert table.data.loc[0, "wait_median"] == pd.Timedelta("14 days 02:00:00")
    assert table.data.loc[0, "value_days"] == before.loc[0, "value_days"]


def test_columns_choose_what_is_shown_and_keep_the_rest(assessed: Assessment) -> None:
    table = styled(assessed.bottlenecks.head(1), columns=["target", "source", "financing_cost", "no_such"])
    assert _cells(table.to_html()) == ["Create Invoice", "Receive Payment", format_cell(
        assessed.bottlenecks.loc[0, "financing_cost"], "money"
    )]  # fmt: skip
    assert table.data.columns.equals(assessed.bottlenecks.columns)


def test_a_polars_table_is_converted_once() -> None:
    table = styled(pl.DataFrame({"cases": [1_204_000], "value": [123_456_789.0]}), currency="EUR")
    assert _cells(table.to_html()) == ["1,204,000", "123,456,789 EUR"]


def test_every_result_table_renders_without_raw_timedeltas_or_scientific_notation(
    assessed: Assessment,
) -> None:
    checked = 0
    for name, frame in assessed.frames().items():
        cells = _cells(styled(frame, currency="EUR").to_html())
        assert len(cells) == frame.size, name
        texts = [
            c
            for c, kind in zip(cells, list(column_kinds(frame).values()) * len(frame), strict=True)
            if kind != "text"
        ]
        assert not [c for c in texts if RAW_TIMEDELTA.search(c)], name
        assert not [c for c in cells if SCIENTIFIC.search(c)], name
        checked += frame.size
    assert checked > 500
    # the checks can fail: pandas' own HTML of the same tables has both
    assert RAW_TIMEDELTA.search(" ".join(_cells(assessed.bottlenecks.to_html())))
    huge = pd.DataFrame({"value_days": [1.5e8], "p_value": [2.5e-9]})
    assert SCIENTIFIC.search(" ".join(_cells(huge.to_html())))
    assert _cells(styled(huge, currency="EUR").to_html()) == ["150,000,000 EUR-days", "< 0.001"]


def test_kpis_are_shown_in_each_row_s_unit(assessed: Assessment) -> None:
    table = styled(assessed.kpis, currency="EUR")
    kpis = assessed.kpis.set_index("kpi")
    shown = dict(
        zip(assessed.kpis["kpi"], _cells(table.to_html())[1 :: len(assessed.kpis.columns)], strict=True)
    )
    assert shown["automation_rate"] == f"{100 * kpis.loc['automation_rate', 'value']:.0f}%"  # 5 of 19 events
    assert shown["open_orders"] == "1"
    assert shown["rekeyed_data_per_order"] == "0.33"  # 1 re-keying in 3 orders
    assert shown["shipped_not_invoiced_value"] == "0.00"  # the unit 'value': money without a currency
    assert shown["order_to_cash"] == ""  # a duration KPI has its figure in the duration column


def test_texts_from_the_log_are_escaped() -> None:
    frame = pd.DataFrame({"activity": ["<b>x</b>"], "trace": [("<i>a</i>", "b")]})
    page = styled(frame).to_html()
    assert "<b>x</b>" not in page and "<i>a</i>" not in page
    assert _cells(page) == ["<b>x</b>", "<i>a</i> → b"]


def test_the_report_tables_show_what_styled_shows(assessed: Assessment) -> None:
    columns = [c for c in _WAIT_COLUMNS if c in assessed.bottlenecks.columns]
    report = _table(assessed.bottlenecks, _WAIT_COLUMNS, "EUR")
    cells = _cells(styled(assessed.bottlenecks[columns]).to_html())  # the currency: in the header, once
    assert [cell for row in report["rows"] for cell in row] == cells
    assert report["headers"][:3] == ["#", "from", "to"]
    assert {"value held (EUR-days)", "financing cost (EUR)"} <= set(report["headers"])
