"""Result tables for people: every number in the unit a reader expects, the values left exact.

One set of rules, used by the notebooks (``styled``), the report's tables and the map labels:

=============  ===================================================  ===========================
kind           columns                                              shown as
=============  ===================================================  ===========================
``duration``   Timedelta columns (``wait_median``, ``lead_time``)   ``1.5 d``, ``14 h``, ``35 min``
``days``       days past due (``late_payment_drivers`` measured     ``19 d``, ``-4 d``, ``2.5 d``
               by ``days_past_due``)
``money``      order value and what it costs (``value``,            ``123,456,789 EUR``,
               ``value_delayed``, ``financing_cost``, ...)          ``12.50 EUR``
``value_days`` order value x waiting days (``value_days``)          ``1,234,567 EUR-days``
``share``      fractions 0..1 (``share``, ``share_of_wait``, ...)   ``34%``, ``1.6%``, ``99.8%``
``count``      integers (``cases``, ``transitions``, ...)           ``1,204``
``id``         ``rank``, ``variant_id``, ``source_row``             ``1204``
``p``          ``p_value``                                          ``0.012``, ``< 0.001``
``ratio``      ``ratio``                                            ``2.2×``
``fitness``    ``fitness``                                          ``0.9167``
``number``     any other float                                      ``1.05``, ``1,234``
``datetime``   timestamps (``first_event``, ``last_event``)         ``2025-03-03 08:00 UTC``
``trace``      tuples of activities (``trace``, ``skipped_steps``)  ``a → b → c``
``text``       anything else                                        as it is
=============  ===================================================  ===========================

No number is ever written in scientific notation, and a Timedelta never as pandas prints it
(``0 days 04:00:00``). A missing value is an empty cell.

Examples
--------
>>> import pandas as pd
>>> format_cell(pd.Timedelta(hours=36), "duration"), format_cell(123456789.0, "money", currency="EUR")
('1.5 d', '123,456,789 EUR')
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import polars as pl
from pandas.io.formats.style import Styler

from o2c._format import (
    format_count,
    format_duration,
    format_money,
    format_number,
    format_share,
)

#: Money columns by name (order value, value x days, financing cost), when they hold floats; a
#: ``p_value`` is not money. The report writes them to the cent: polars sums floats in parallel,
#: so their last bits can differ from run to run; cents do not.
MONEY = re.compile(r"^(value|value_.*|(?!p_value$).*_value|financing_cost)$")

#: The kinds of column ``format_cell`` knows (see the module's table).
KINDS = (
    "duration", "days", "money", "value_days", "share", "count", "id", "p", "ratio", "fitness", "number",
    "datetime", "trace", "text",
)  # fmt: skip

#: Kinds written right-aligned: numbers.
NUMERIC_KINDS = frozenset(KINDS) - {"id", "datetime", "trace", "text"}

#: Integer columns that name a thing rather than count it: no thousands separators.
_IDS = re.compile(r"^(rank|source_row|.*_id)$")
#: The columns of ``late_payment_drivers`` that hold days past due when its ``measure`` says so.
_DAYS_PAST_DUE = ("median_with", "median_without", "difference")
#: What each ``unit`` of ``o2c.kpis`` is shown as; any other unit is a currency.
_KPI_UNITS = {"share": "share", "orders": "count", "per order": "number", "duration": "duration"}


def format_cell(
    value: Any, kind: str, *, currency: str | None = None, day: pd.Timedelta | None = None
) -> str:
    """One value of a result table as text, by the kind of its column (one of ``KINDS``).

    Parameters
    ----------
    value : any
        The cell: a number, a Timedelta, a tuple of activities, a text; missing values
        (None, NaN, NaT, pd.NA) give an empty text.
    kind : str
        How to show it (see the module's table); ``column_kinds`` infers it from the column.
    currency : str, optional
        Written after ``money`` and ``value_days`` figures.
    day : Timedelta, optional
        ``duration`` cells are working time in working days of this length (``format_duration``).

    Examples
    --------
    >>> import pandas as pd
    >>> [format_cell(v, k) for v, k in ((pd.Timedelta(days=-4), "days"), (2.5e-9, "p"), (0.0123, "p"))]
    ['-4 d', '< 0.001', '0.012']
    >>> format_cell(2_450_000.0, "value_days", currency="EUR"), format_cell(("a", "b"), "trace")
    ('2,450,000 EUR-days', 'a → b')
    """
    if value is None or (not isinstance(value, tuple | list | str) and pd.isna(value)):
        return ""
    if kind == "duration":
        return format_duration(pd.Timedelta(value), day=day)
    if kind == "days":  # days past due: whole days, a median may end in .5; signed
        days = pd.Timedelta(value).total_seconds() / 86_400
        return f"{days:,.1f}".removesuffix(".0") + " d"
    if kind == "money":
        return format_money(float(value), currency)
    if kind == "value_days":
        return format_number(float(value)) + (f" {currency}-days" if currency else "")
    if kind == "share":
        return format_share(float(value))
    if kind == "count":
        return format_count(float(value))
    if kind == "p":
        return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"
    if kind == "ratio":
        return f"{float(value):,.1f}×"
    if kind == "fitness":
        return f"{float(value):.4f}"
    if kind == "number":
        return format_number(float(value))
    if kind == "datetime":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M %Z").rstrip()
    if isinstance(value, tuple | list):
        return " → ".join(map(str, value))
    return str(value)


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of each column of a result table (see ``KINDS``), from its name and dtype.

    Timedeltas are durations (days past due in ``late_payment_drivers`` measured by
    ``days_past_due``); floats are money by name (``MONEY``), shares when their name has the
    word ``share`` or is ``flow_efficiency``, else p-values, ratios, fitness or plain numbers;
    integers are counts, except identifiers (``rank``, ``*_id``, ``source_row``); timestamps
    are datetimes, columns of tuples traces; anything else is text.

    >>> from o2c import example_log
    >>> from o2c.performance import bottlenecks
    >>> kinds = column_kinds(bottlenecks(example_log()))
    >>> [kinds[c] for c in ("rank", "source", "transitions", "wait_median", "share_of_wait", "value_days")]
    ['id', 'text', 'count', 'duration', 'share', 'value_days']
    """
    days_past_due = "measure" in frame.columns and bool((frame["measure"] == "days_past_due").any())
    return {str(name): _kind(str(name), frame[name], days_past_due) for name in frame.columns}


def _kind(name: str, column: pd.Series, days_past_due: bool) -> str:
    words = name.split("_")
    if pd.api.types.is_timedelta64_dtype(column):
        return "days" if days_past_due and name in _DAYS_PAST_DUE else "duration"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    if pd.api.types.is_bool_dtype(column):
        return "text"
    if pd.api.types.is_integer_dtype(column):
        return "id" if _IDS.match(name) else "count"
    if pd.api.types.is_float_dtype(column):
        if name in ("p_value", "ratio", "fitness"):
            return "p" if name == "p_value" else name
        if "p" in words and "adjusted" in words:  # p_adjusted, share_p_adjusted
            return "p"
        if name == "value_days":
            return "value_days"
        if MONEY.match(name):
            return "money"
        if "share" in words or name.startswith("flow_efficiency"):
            return "share"
        return "number"
    if column.dtype == object and any(isinstance(v, tuple | list) for v in column):
        return "trace"
    return "text"


def styled(
    frame: pd.DataFrame | pl.DataFrame, *, currency: str | None = None, columns: Sequence[str] | None = None
) -> Styler:
    """A result table that reads itself: each column shown in its unit, the values left exact.

    Durations in days, hours or minutes (``1.5 d``), money with thousands separators and the
    currency (``123,456,789 EUR``), shares as percentages, counts with thousands separators,
    p-values to three decimals (``< 0.001`` below), traces as ``a → b``; never a raw Timedelta or
    scientific notation. The kind of each column comes from its name and dtype
    (``column_kinds``; the rules are those of the report's tables); the ``value`` of
    ``o2c.kpis`` is shown in each row's ``unit``. Numbers are right-aligned; a default
    ``RangeIndex`` is hidden. Texts are HTML-escaped.

    Parameters
    ----------
    frame : DataFrame
        Any result table of ``o2c`` (``assessment.bottlenecks``, ``o2c.variants(log)``, ...),
        pandas or polars (then converted once).
    currency : str, optional
        The currency of the money columns (``assessment.currency``), written after each amount.
    columns : list of str, optional
        Show only these columns (in the frame's order; those the frame lacks, such as
        ``value_days`` of a log without order values, are skipped); ``.data`` keeps them all.

    Returns
    -------
    pandas.io.formats.style.Styler
        Shows itself in Jupyter as an HTML table; ``.data`` is the frame, unchanged (exact
        Timedeltas and floats, to sort, compute with or export), ``.to_html()`` the table.

    Examples
    --------
    >>> from o2c import example_log
    >>> from o2c.performance import bottlenecks
    >>> ranked = bottlenecks(example_log(), top=2)
    >>> table = styled(ranked[["source", "target", "wait_median", "share_of_wait", "value_days"]], currency="EUR")
    >>> print(table.to_string(delimiter=" | "))
    source | target | wait_median | share_of_wait | value_days
    Create Invoice | Receive Payment | 14 d | 81% | 1,104,833 EUR-days
    Confirm Order | Ship Goods | 1.9 d | 16% | 165,292 EUR-days
    <BLANKLINE>
    >>> table.data.loc[0, "wait_median"]  # the value itself
    Timedelta('14 days 02:00:00')
    """
    table = frame.to_pandas() if isinstance(frame, pl.DataFrame) else frame
    kinds = column_kinds(table)
    style = Styler(table)
    for column, kind in kinds.items():
        style.format(_formatter(kind, currency), subset=[column], escape="html")
    if "unit" in kinds and kinds.get("value") == "money":  # o2c.kpis: a unit per row
        for unit, rows in table.groupby("unit", sort=False).groups.items():
            kind, unit_currency = kpi_kind(str(unit))
            style.format(_formatter(kind, unit_currency), subset=(rows, ["value"]))
    numeric = [c for c, kind in kinds.items() if kind in NUMERIC_KINDS]
    style.set_table_styles(
        {
            c: [{"selector": "", "props": "text-align: right; font-variant-numeric: tabular-nums"}]
            for c in numeric
        },
        overwrite=False,
    )
    if isinstance(table.index, pd.RangeIndex):
        style.hide(axis="index")
    if columns is not None:
        style.hide([c for c in table.columns if c not in set(columns)], axis="columns")
    return style


def kpi_kind(unit: str) -> tuple[str, str | None]:
    """The kind a ``value`` of ``o2c.kpis`` is shown as, by its ``unit``, and its currency.

    >>> kpi_kind("share"), kpi_kind("EUR"), kpi_kind("value")
    (('share', None), ('money', 'EUR'), ('money', None))
    """
    if unit in _KPI_UNITS:
        return _KPI_UNITS[unit], None
    return "money", None if unit == "value" else unit


def _formatter(kind: str, currency: str | None) -> Any:
    """``format_cell`` for one column; a trace's names are HTML-escaped (Styler escapes only texts)."""
    if kind == "trace":
        return lambda value: html.escape(format_cell(value, kind, currency=currency))
    return lambda value: format_cell(value, kind, currency=currency)
