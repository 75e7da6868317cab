"""Recognise numbers in text columns, decimal comma and thousands separators included."""

from __future__ import annotations

import polars as pl

_DOT = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$"
_COMMA = r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$"
_INTEGER = r"^[+-]?(0|[1-9]\d{0,17})$"


def to_number(
    text: pl.Series, *, decimal_comma: bool | None = None, distinct: pl.Series | None = None
) -> pl.Series | None:
    """``text`` as Int64 or Float64 when every non-empty value is a number, else None.

    The decimal separator is a comma when some value needs it (``1.234,50`` or ``3,5``) and
    every value reads that way; ``decimal_comma`` forces a choice. Integers with leading zeros
    (``00123``) are identifiers, not numbers. ``distinct``, the distinct values of ``text``
    before stripping, saves computing them again.

    >>> to_number(pl.Series(["1.234,50", "3,5", ""])).to_list()
    [1234.5, 3.5, None]
    >>> to_number(pl.Series(["7", "12"])).dtype
    Int64
    >>> to_number(pl.Series(["A-1", "2"])) is None
    True
    """
    if text.dtype != pl.String:
        return None
    given = (text.unique() if distinct is None else distinct).drop_nulls()
    present = given.str.strip_chars()
    present = present.filter(present != "")
    if present.is_empty():
        return None
    # every row's value is one of ``given``: when none has blanks or is empty, no row needs stripping
    clean = present.len() == given.len() and present.equals(given)
    if bool(present.str.contains(r"^[+-]?0\d").any()):
        return None
    if decimal_comma is None:
        dot_ok = bool(present.str.contains(_DOT).all())
        comma_ok = bool(present.str.contains(_COMMA).all())
        if not (dot_ok or comma_ok):
            return None
        if dot_ok and bool(present.str.contains(_INTEGER).all()):
            return (text if clean else _stripped(text)).cast(pl.Int64)
        decimal_comma = comma_ok and (not dot_ok or uses_decimal_comma(present))
    pattern = _COMMA if decimal_comma else _DOT
    if not bool(present.str.contains(pattern).all()):
        return None
    thousands, decimal = (".", ",") if decimal_comma else (",", ".")
    values = text if clean else _stripped(text)
    plain = values.str.replace_all(thousands, "", literal=True).str.replace(decimal, ".", literal=True)
    return plain.cast(pl.Float64)


def _stripped(text: pl.Series) -> pl.Series:
    return text.str.strip_chars().replace("", None)


def uses_decimal_comma(text: pl.Series) -> bool:
    """True when some value can only be a number with a decimal comma (``3,5``, ``1.234,50``).

    >>> uses_decimal_comma(pl.Series(["1.234,50"])), uses_decimal_comma(pl.Series(["1,234"]))
    (True, False)
    """
    if text.dtype != pl.String:
        return False
    return bool(
        text.unique().str.strip_chars().str.contains(r"^[+-]?(\d+|\d{1,3}(\.\d{3})+),(\d{1,2}|\d{4,})$").any()
    )
