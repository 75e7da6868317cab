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


def format_count(value: float) -> str:
    """A count for people: thousands separated by commas.

    >>> format_count(1204)
    '1,204'
    """
    return f"{round(value):,}"


def format_amount(value: float) -> str:
    """A large amount in short form, for map labels and sentences: ``812``, ``45.3 k``, ``1.2 M``, ``3.4 B``.

    >>> format_amount(1_234_567), format_amount(45_300), format_amount(812.4)
    ('1.2 M', '45.3 k', '812')
    """
    for size, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def format_duration(
    value: pd.Timedelta | float, *, words: bool = False, day: pd.Timedelta | None = None
) -> str:
    """A duration for people, in the largest unit that fits: ``3.2 d``, ``14 h``, ``35 min``, ``12 s``.

    One decimal below 10 of a unit (``2.5 h``), none above (``14 h``); a float is seconds.
    ``words=True`` writes it as a sentence says it: ``10.9 days``, ``4.5 hours``, ``35 minutes``
    (days with one decimal below 100, minutes without). ``day``: the duration is working time
    and a day is a working day of this length (a calendar's ``working_day``), never 24 hours:
    ``2.1 wd``, ``14 wh``, or in words ``2.1 working days``, ``4.5 working hours``.

    >>> import pandas as pd
    >>> [format_duration(pd.Timedelta(x)) for x in ("3 days 5 hours", "14 hours", "150 min", "35 min", "12 s")]
    ['3.2 d', '14 h', '2.5 h', '35 min', '12 s']
    >>> [format_duration(pd.Timedelta(x), words=True) for x in ("10 days 21 hours", "4 hours 32 min", "35 min", "1 min", "1 s")]
    ['10.9 days', '4.5 hours', '35 minutes', '1 minute', '1 second']
    >>> nine = pd.Timedelta(hours=9)
    >>> [format_duration(pd.Timedelta(hours=h), words=True, day=nine) for h in (27, 4.5)], format_duration(pd.Timedelta(hours=27), day=nine)
    (['3.0 working days', '4.5 working hours'], '3.0 wd')
    """
    seconds = value.total_seconds() if isinstance(value, pd.Timedelta) else float(value)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    units = (("days", 100), ("hours", 10), ("minutes", 0)) if words else (("d", 10), ("h", 10), ("min", 10))
    day_seconds = 86_400.0
    if day is not None:
        day_seconds = pd.Timedelta(day).total_seconds()
        units = (
            (("working days", 100), ("working hours", 10), ("working minutes", 0))
            if words
            else (("wd", 10), ("wh", 10), ("min", 10))
        )
    for size, (unit, limit) in zip((day_seconds, 3_600, 60), units, strict=True):
        if seconds >= size:
            amount = seconds / size
            number = f"{amount:,.1f}" if amount < limit else f"{amount:,.0f}"
            return f"{sign}{number} {_singular(unit, number)}"
    number = f"{seconds:.0f}"
    return f"{sign}{number} {_singular('seconds', number) if words else 's'}"


def _singular(unit: str, number: str) -> str:
    """``1 day``, not ``1 days`` (``1.0 days`` stays plural, as said aloud)."""
    return unit.removesuffix("s") if number == "1" and unit.endswith("s") else unit


def format_share(value: float) -> str:
    """A share (0..1) as a percentage: one decimal below 10 % (and just below 100 %), none otherwise.

    >>> [format_share(x) for x in (0.0, 0.016, 0.343, 0.998, 1.0)]
    ['0%', '1.6%', '34%', '99.8%', '100%']
    """
    percent = 100 * float(value)
    whole = percent == 0 or (10 <= percent < 99.5) or percent >= 100
    return f"{percent:.0f}%" if whole else f"{percent:.1f}%"


def format_number(value: float) -> str:
    """A number for people: thousands separated, two decimals below 100, none from 100 on.

    >>> format_number(1.046), format_number(99.5), format_number(123456789.0)
    ('1.05', '99.50', '123,456,789')
    """
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def format_money(value: float, currency: str | None = None) -> str:
    """An amount of money in full: ``format_number`` and the currency, when there is one.

    >>> format_money(123456789.0, "EUR"), format_money(12.5)
    ('123,456,789 EUR', '12.50')
    """
    return format_number(value) + (f" {currency}" if currency else "")


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
