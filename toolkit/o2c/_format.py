"""Numbers, amounts, durations and shares written for people: one formatter each, shared by the
tables, the maps, the report and the plausibility warnings.

>>> format_duration(3 * 86_400 + 5 * 3_600), format_share(0.343), format_amount(1_234_567)
('3.2 d', '34%', '1.2 M')
"""

from __future__ import annotations

import pandas as pd


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

    A share that is not nil but rounds to it says so (``under 0.1%``), and one that is not all but
    rounds to all (``over 99.9%``).

    >>> [format_share(x) for x in (0.0, 0.0004, 0.016, 0.343, 0.998, 0.9999, 1.0)]
    ['0%', 'under 0.1%', '1.6%', '34%', '99.8%', 'over 99.9%', '100%']
    """
    percent = 100 * float(value)
    if 0 < percent < 0.05:
        return "under 0.1%"
    if 99.95 <= percent < 100:
        return "over 99.9%"
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
