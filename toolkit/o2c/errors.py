"""Exceptions and warnings of the toolkit.

Every exception derives from ``ToolkitError`` and carries data as well as text, so callers
and tests can read ``.path``, ``.column`` and ``.rows`` instead of parsing the message::

    ToolkitError
    ├── InputFileError        the file cannot be read, or its format is not known
    ├── ColumnMappingError    a mapped column is missing, ambiguous or cannot be guessed
    ├── TimestampFormatError  the date order (day-first or month-first) is ambiguous
    ├── RejectedRowError      a row was rejected while ``strict=True``
    ├── IdealPathError        an ideal path is malformed
    ├── ArgumentError         an argument has a value outside its allowed set
    ├── GraphvizMissingError  the Graphviz ``dot`` program is not installed
    └── OutputFolderError     a report folder cannot be written (a file, another run, a full disk)

``RejectedRowsWarning`` is the one warning: it summarises the rejected rows of a read.

Examples
--------
>>> err = ColumnMappingError("no column 'Case ID'", path="orders.csv", column="Case ID")
>>> err.column
'Case ID'
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from numbers import Real
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ToolkitError(Exception):
    """The base of every error the toolkit raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        rows: Sequence[int] = (),
    ) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.column = column
        self.rows = tuple(rows)


class InputFileError(ToolkitError):
    """The file cannot be read, or its format is not one the toolkit knows."""


class ColumnMappingError(ToolkitError):
    """A mapped column is missing or ambiguous, or no column could be guessed for a role."""


class TimestampFormatError(ToolkitError):
    """Timestamps cannot be read unambiguously (for example day-first or month-first)."""


class RejectedRowError(ToolkitError):
    """A row was rejected while reading with ``strict=True``."""


class IdealPathError(ToolkitError):
    """An ideal path (steps, optional steps, milestones) is malformed."""


class ArgumentError(ToolkitError, ValueError):
    """An argument has a value outside its allowed set.

    ``function``, ``argument``, ``value`` and ``allowed`` (the choices, or a description such as
    ``"a share from 0 to 1"``) say which, where the raise knows them; None where it does not.

    >>> try:
    ...     check_share(1.5, argument="paths", function="render_map")
    ... except ArgumentError as error:
    ...     error.function, error.argument, error.value, error.allowed
    ('render_map', 'paths', 1.5, 'a share from 0 to 1')
    """

    def __init__(
        self,
        message: str,
        *,
        function: str | None = None,
        argument: str | None = None,
        value: object = None,
        allowed: Sequence[object] | str | None = None,
    ) -> None:
        super().__init__(message)
        self.function = function
        self.argument = argument
        self.value = value
        self.allowed = tuple(allowed) if allowed is not None and not isinstance(allowed, str) else allowed

    @classmethod
    def must_be(
        cls, what: str, value: object, *, argument: str, function: str, allowed: str | None = None
    ) -> ArgumentError:
        """The error for an ``argument`` of ``function`` that must be ``what`` and got ``value``;
        ``allowed`` is ``what`` unless given (``what`` may add an example).

        >>> ArgumentError.must_be("a duration", "soon", argument="min_lead_time", function="filter_log")
        ArgumentError("The 'min_lead_time' argument of filter_log must be a duration; got 'soon'.")
        """
        return cls(
            f"The {argument!r} argument of {function} must be {what}; got {value!r}.",
            function=function,
            argument=argument,
            value=value,
            allowed=what if allowed is None else allowed,
        )


class GraphvizMissingError(ToolkitError):
    """The Graphviz ``dot`` program is not installed."""


class OutputFolderError(ToolkitError):
    """A report folder cannot be written: it is a file, holds other files, another run writes it,
    or the disk refused; the folder is left as it was."""


class RejectedRowsWarning(UserWarning):
    """Some input rows were rejected; the message counts them by reason."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' did you mean: ...?' hint for ``word`` among ``choices``, or an empty string.

    >>> did_you_mean("total", ["wait_total", "wait_median"])
    " did you mean: 'wait_total'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return " did you mean: " + ", ".join(repr(c) for c in close) + "?"


def check_choice(value: object, allowed: Sequence[str], *, argument: str, function: str) -> None:
    """Raise ``ArgumentError`` unless ``value`` is one of ``allowed`` (scikit-learn's wording).

    >>> check_choice("wait_total", ("wait_total", "transitions"), argument="by", function="bottlenecks")
    >>> check_choice("total", ("wait_total",), argument="by", function="bottlenecks")
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'by' argument of bottlenecks must be one of 'wait_total'; got 'total'. did you mean: 'wait_total'?
    """
    if value in allowed:
        return
    if not allowed:
        message = (
            f"The {argument!r} argument of {function} got {value!r}, but there is nothing to "
            "choose from: the log has no column that qualifies."
        )
    else:
        options = ", ".join(repr(a) for a in allowed)
        hint = did_you_mean(str(value), allowed)
        message = f"The {argument!r} argument of {function} must be one of {options}; got {value!r}.{hint}"
    raise ArgumentError(message, function=function, argument=argument, value=value, allowed=allowed)


def check_share(value: object, *, argument: str, function: str) -> None:
    """Raise ``ArgumentError`` unless ``value`` is a share from 0 to 1 (``is_share``).

    >>> check_share(0.8, argument="activities", function="render_map")
    >>> check_share("80%", argument="activities", function="render_map")
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'activities' argument of render_map must be a share from 0 to 1; got '80%'.
    """
    if not is_share(value):
        raise ArgumentError.must_be("a share from 0 to 1", value, argument=argument, function=function)


def check_whole(value: object, *, argument: str, function: str, least: int = 1, none: bool = False) -> None:
    """Raise ``ArgumentError`` unless ``value`` is a whole number from ``least`` (or None when ``none``).

    >>> check_whole(10, argument="top", function="bottlenecks", none=True)
    >>> check_whole(0, argument="top", function="bottlenecks", none=True)
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'top' argument of bottlenecks must be a whole number from 1 or None; got 0.
    """
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        what = f"a whole number from {least}" + (" or None" if none else "")
        raise ArgumentError.must_be(what, value, argument=argument, function=function)


def check_number(
    value: object, *, argument: str, function: str, least: float = 0, above: bool = False
) -> None:
    """Raise ``ArgumentError`` unless ``value`` is a number of ``least`` or more (more than
    ``least`` when ``above``); not a bool, not NaN.

    >>> check_number(0.08, argument="annual_rate", function="assess")
    >>> check_number(-1, argument="annual_rate", function="assess")
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'annual_rate' argument of assess must be a number of 0 or more; got -1.
    """
    number = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    if number > least if above else number >= least:  # NaN is neither
        return
    what = f"a number more than {least}" if above else f"a number of {least} or more"
    raise ArgumentError.must_be(what, value, argument=argument, function=function)


def check_names(value: object, *, argument: str, function: str, such_as: str) -> tuple[str, ...]:
    """``value`` as a tuple of names, or ``ArgumentError`` unless it is a list of names (text
    alone is not: ``"Ship"`` would read as four letters); ``such_as`` shows one in the message.

    >>> check_names(["Ship Goods"], argument="keep", function="render_map", such_as="['Ship Goods']")
    ('Ship Goods',)
    >>> check_names("Ship Goods", argument="keep", function="render_map", such_as="['Ship Goods']")
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'keep' argument of render_map must be a list of activity names such as ['Ship Goods']; got 'Ship Goods'.
    """
    names = tuple(value) if isinstance(value, Iterable) and not isinstance(value, str) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ArgumentError.must_be(
            f"a list of activity names such as {such_as}",
            value,
            argument=argument,
            function=function,
            allowed="a list of activity names",
        )
    return names


def check_frame(value: object, columns: Sequence[str], *, argument: str, function: str, made_by: str) -> None:
    """Raise ``ArgumentError`` unless ``value`` is a pandas frame with ``columns``, the output
    of ``o2c.<made_by>``.

    >>> check_frame([], ("activity", "cases"), argument="starts", function="render_map",
    ...             made_by="start_activities")
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'starts' argument of render_map takes o2c.start_activities output (a frame with 'activity' and 'cases'); got list.
    """
    import pandas as pd  # here: the o2c command's watcher imports this module and stays small

    if isinstance(value, pd.DataFrame):
        missing = [c for c in columns if c not in value.columns]
        if not missing:
            return
        got = f"a frame without {missing[0]!r}"
    else:
        got = type(value).__name__
    shown = [repr(c) for c in columns]
    wanted = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    raise ArgumentError(
        f"The {argument!r} argument of {function} takes o2c.{made_by} output (a frame with {wanted}); got {got}.",
        function=function,
        argument=argument,
        value=value,
        allowed=f"o2c.{made_by} output",
    )


def is_share(value: object) -> bool:
    """Whether ``value`` is a share: a number from 0 to 1 (not a bool, not NaN).

    >>> is_share(0.9), is_share(1), is_share(1.5), is_share(True), is_share("0.9")
    (True, True, False, False, False)
    """
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= 1


def check_timezone(value: object, *, function: str) -> str:
    """Return ``value`` when it names a time zone (IANA, such as ``Europe/Berlin``), else raise ``ArgumentError``.

    >>> check_timezone("Europe/Berlin", function="read_log")
    'Europe/Berlin'
    >>> check_timezone("Mars/Base", function="read_log")
    Traceback (most recent call last):
    ...
    o2c.errors.ArgumentError: The 'timezone' argument of read_log must be an IANA zone such as 'Europe/Berlin' or 'UTC'; got 'Mars/Base'.
    """
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ArgumentError.must_be(
            "an IANA zone such as 'Europe/Berlin' or 'UTC'",
            value,
            argument="timezone",
            function=function,
            allowed="an IANA time zone",
        ) from None
    return str(value)
