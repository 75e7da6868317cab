"""From a raw frame (source columns + ``source_row``) to the canonical log and its rejects."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from o2c.errors import RejectedRowError, TimestampFormatError, check_timezone
from o2c.io._mapping import ColumnMapping
from o2c.io._numbers import to_number, uses_decimal_comma
from o2c.io._timestamps import parse_timestamps
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    LIFECYCLE,
    PLAUSIBLE_YEARS,
    RESOURCE,
    ROLES,
    SOURCE_ROW,
    START_TIMESTAMP,
    TIMESTAMP,
    VALUE,
    Reason,
    as_text,
    empty_rejects,
    sort_log,
    validate,
)


class TextNeededError(Exception):
    """A column the CSV reader parsed while reading (``read_csv(typed=True)``) must be read as
    text for ``normalise`` to give the exact path's result (a number under a decimal comma, a
    rejected timestamp whose text the rejects show, a date in a text role); ``read_log`` then
    reads the file again as text."""


@dataclass(frozen=True)
class Normalised:
    """The canonical log, its rejects, and what was assumed or changed while reading."""

    log: pl.DataFrame
    rejects: pl.DataFrame
    notes: dict[str, Any] = field(default_factory=dict)


def normalise(
    raw: pl.DataFrame,
    mapping: ColumnMapping,
    *,
    source_file: str,
    timezone: str,
    strict: bool,
    typed_timestamps_are_utc: bool = False,
    drop_duplicates: bool = True,
    typed: dict[str, str] | None = None,
    head: pl.DataFrame | None = None,
) -> Normalised:
    """Map, type and check ``raw``; rows with problems go to the rejects, the rest is sorted.

    ``mapping`` must be resolved (every required role names a column of ``raw``). With
    ``drop_duplicates``, exact duplicate events are kept once and the others rejected; without,
    they stay and their number is noted (``notes["duplicate_events"]``).

    ``typed`` names the columns of ``raw`` that a CSV reader parsed from text of one shape
    (``o2c.io._csv.SHAPES``), ``head`` holds the first rows of ``raw`` as that text; the result
    is the one the text would give, or ``TextNeededError`` is raised.
    """
    roles = mapping.roles()
    typed = dict(typed or {})
    if typed:
        raw, typed = _text_roles(raw, roles, typed)
    if mapping.timezone:
        zone = check_timezone(mapping.timezone, function="read_log's mapping")
    else:
        zone = check_timezone(timezone, function="read_log")
    text = {role: raw[roles[role]] for role in (CASE_ID, ACTIVITY, RESOURCE, LIFECYCLE) if role in roles}
    notes: dict[str, Any] = {"timezone": zone}
    numeric_roles = {roles[VALUE]} if VALUE in roles else set()
    candidates = [c for c in raw.columns if c not in set(roles.values()) - numeric_roles]
    # each text column's distinct values, computed once and in parallel: the costly part of
    # judging an attribute (number? date?) or a resource or lifecycle (blanks to strip?)
    texts = [c for c in candidates if raw[c].dtype == pl.String]
    labels = [roles[r] for r in (RESOURCE, LIFECYCLE) if r in roles and raw[roles[r]].dtype == pl.String]
    found = {v.name: v[0].alias(v.name) for v in raw.select(pl.col([*texts, *labels]).unique().implode())}
    distinct = {c: found[c] for c in texts}
    decimal_comma = any(uses_decimal_comma(values) for values in distinct.values())
    notes["decimal_comma"] = decimal_comma
    if decimal_comma and any(shape in _NUMBERS for shape in typed.values()):
        raise TextNeededError("numbers read with a decimal point where the file uses a decimal comma")

    columns: dict[str, pl.Series] = {SOURCE_ROW: raw[SOURCE_ROW]}
    problems: list[pl.DataFrame] = []

    case_id, notes["case_ids_stripped"] = _clean_text(text[CASE_ID])
    problems.append(_problem(raw, case_id.is_null(), roles[CASE_ID], text[CASE_ID], Reason.MISSING_CASE_ID))
    columns[CASE_ID] = case_id

    activity, notes["activities_stripped"] = _clean_text(text[ACTIVITY])
    problems.append(
        _problem(raw, activity.is_null(), roles[ACTIVITY], text[ACTIVITY], Reason.MISSING_ACTIVITY)
    )
    columns[ACTIVITY] = activity

    dayfirst = mapping.dayfirst
    for role, missing_reason, bad_reason in (
        (TIMESTAMP, Reason.MISSING_TIMESTAMP, Reason.UNPARSEABLE_TIMESTAMP),
        (START_TIMESTAMP, None, Reason.UNPARSEABLE_START_TIMESTAMP),
    ):
        if role not in roles:
            continue
        source = raw[roles[role]]
        parsed = parse_timestamps(
            source,
            timezone="UTC" if typed_timestamps_are_utc and source.dtype != pl.String else zone,
            dayfirst=dayfirst,
            column=roles[role],
            path=source_file,
        )
        if roles[role] in typed and head is not None:  # the formats the text reads with, as notes say
            parsed = replace(
                parsed, formats=_formats(head[roles[role]], zone, dayfirst, roles[role], source_file)
            )
        dayfirst = parsed.dayfirst if parsed.dayfirst is not None else dayfirst
        empty = (
            source.str.strip_chars().replace("", None).is_null()
            if source.dtype == pl.String
            else source.is_null()
        )
        if missing_reason is not None:
            problems.append(_problem(raw, empty, roles[role], source, missing_reason))
        skipped = parsed.skipped if parsed.skipped is not None else pl.repeat(False, raw.height, eager=True)
        bad = ~empty & parsed.values.is_null()
        problems.append(_problem(raw, bad & ~skipped, roles[role], source, bad_reason))
        problems.append(_problem(raw, bad & skipped, roles[role], source, Reason.NONEXISTENT_LOCAL_TIME))
        year = parsed.values.dt.year()
        implausible = year.is_not_null() & ~year.is_between(*PLAUSIBLE_YEARS)
        problems.append(_problem(raw, implausible, roles[role], source, Reason.IMPLAUSIBLE_TIMESTAMP))
        if roles[role] in typed and bool((bad | implausible).any()):
            raise TextNeededError(f"rejected timestamps in {roles[role]!r} are shown as written")
        columns[role] = parsed.values
        notes[f"{role}_formats"] = list(parsed.formats[:3])
        notes[f"{role}_naive"] = parsed.naive and not (typed_timestamps_are_utc and source.dtype != pl.String)
    notes["dayfirst"] = dayfirst

    for role in (RESOURCE, LIFECYCLE):
        if role in roles:
            columns[role] = _clean_text(text[role], found.get(roles[role]))[0]
    if VALUE in roles:
        columns[VALUE], notes["value_unparseable"] = _value(
            raw[roles[VALUE]], decimal_comma, found.get(roles[VALUE])
        )

    mapped = set(roles.values())
    for name in raw.columns:
        if name in mapped or name == SOURCE_ROW:
            continue
        target = f"input_{name}" if name in (*ROLES, SOURCE_ROW) else name
        if name in typed:
            columns[target] = _typed_attribute(raw[name], zone)
            continue
        columns[target] = _attribute(raw[name], distinct.get(name), decimal_comma, zone, dayfirst)

    frame = pl.DataFrame(columns)
    rejects = pl.concat(problems) if problems else empty_rejects()
    rejects = rejects.with_columns(source_file=pl.lit(source_file))
    if rejects.height:
        frame = frame.filter(~pl.col(SOURCE_ROW).is_in(rejects[SOURCE_ROW].implode()))
    frame, duplicates = _duplicates(frame, roles)  # sorted once, here, whether duplicates stay or go
    notes["duplicate_events"] = duplicates.height
    if drop_duplicates:
        if duplicates.height:
            frame = frame.filter(~pl.col(SOURCE_ROW).is_in(duplicates[SOURCE_ROW].implode()))
        rejects = pl.concat([rejects, duplicates.with_columns(source_file=pl.lit(source_file))])
    rejects = rejects.select(empty_rejects().columns).sort(SOURCE_ROW, "column", maintain_order=True)
    if strict and rejects.height:
        raise_first_reject(rejects, source_file)
    return Normalised(validate(frame), rejects, notes)


_NUMBERS = ("integer", "decimal")


def _text_roles(
    raw: pl.DataFrame, roles: dict[str, str], typed: dict[str, str]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """``raw`` with typed columns of text roles as text again (integers print as they were
    written: their shape has no sign, blank or leading zero); ``TextNeededError`` when a role's
    column has a shape that role does not read as the exact path would."""
    allowed = {TIMESTAMP: "timestamp", START_TIMESTAMP: "timestamp", VALUE: "number"}
    back: list[str] = []
    for role, column in roles.items():
        shape = typed.get(column)
        if shape is None:
            continue
        kind = "number" if shape in _NUMBERS else "timestamp"
        if role in allowed and allowed[role] == kind:
            continue
        if role in allowed or shape != "integer":
            raise TextNeededError(f"column {column!r} ({role}) was read as a {kind}")
        back.append(column)
    if not back:
        return raw, typed
    raw = raw.with_columns(pl.col(back).cast(pl.String))
    return raw, {column: shape for column, shape in typed.items() if column not in back}


def _formats(text: pl.Series, zone: str, dayfirst: bool | None, column: str, path: str) -> tuple[str, ...]:
    """The formats the exact path finds for a column whose values all have one ISO shape: every
    candidate format reads all such values or none, so a few of its first values tell."""
    text = text.drop_nulls().unique(maintain_order=True).head(20)
    return parse_timestamps(text, timezone=zone, dayfirst=dayfirst, column=column, path=path).formats


def _typed_attribute(column: pl.Series, zone: str) -> pl.Series:
    """A typed attribute as the exact path types its text: numbers as they are, dates and times
    in UTC (naive ones read in ``zone``); ``TextNeededError`` when a local time does not exist there
    (the exact path keeps such a column as text)."""
    if column.dtype.is_numeric():
        return column
    values = parse_timestamps(column, timezone=zone, dayfirst=None, column=column.name, path=None).values
    if values.null_count() != column.null_count():
        raise TextNeededError(f"attribute {column.name!r} has local times that {zone} skips")
    return values


def raise_first_reject(rejects: pl.DataFrame, source_file: str) -> None:
    """Raise ``RejectedRowError`` for the first row of ``rejects`` (what ``strict=True`` does)."""
    first = rejects.row(0, named=True)
    raise RejectedRowError(
        f"{source_file}: row {first['source_row']} was rejected ({first['reason']}) in column "
        f"{first['column']!r}, value {first['value']!r}; strict=True stops at the first rejected row.",
        path=source_file,
        column=first["column"],
        rows=[first["source_row"]],
    )


def _clean_text(column: pl.Series, distinct: pl.Series | None = None) -> tuple[pl.Series, int]:
    """``column`` as text without surrounding blanks, empty values missing; and how many values
    lost blanks.

    A column that needs neither is returned as it is, without a copy; a categorical one is
    judged by its distinct names and stays categorical then, a text one by its ``distinct``
    values when they are given.
    """
    if isinstance(column.dtype, pl.Categorical | pl.Enum):
        if not _needs_cleaning(column.unique().drop_nulls().cast(pl.String)):
            return column, 0
        column = column.cast(pl.String)
    column = _as_text(column)
    if not _needs_cleaning(column if distinct is None else distinct):
        return column, 0
    stripped = column.str.strip_chars()
    changed = int((stripped != column).fill_null(False).sum())
    return stripped.replace("", None), changed


def _needs_cleaning(text: pl.Series) -> bool:
    """True when some value has surrounding blanks or is empty (stripping is cheaper than a regex).

    On polars' streaming engine, which strips a batch at a time: 10M case ids in 70 ms and
    10 MB, where stripping the whole column took 165 ms and 170 MB.
    """
    value = pl.first()
    needs = (value.str.strip_chars().ne(value) | value.eq("")).any()
    return bool(text.to_frame().lazy().select(needs).collect(engine="streaming").item())


def _as_text(column: pl.Series) -> pl.Series:
    if column.dtype == pl.String:
        return column
    if isinstance(column.dtype, pl.Datetime):
        return column.dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
    return column.to_frame().select(as_text(pl.col(column.name), column.dtype)).to_series()


def _problem(
    raw: pl.DataFrame, mask: pl.Series, column: str, text: pl.Series, reason: Reason
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            SOURCE_ROW: raw[SOURCE_ROW].filter(mask),
            "column": pl.repeat(column, int(mask.sum()), dtype=pl.String, eager=True),
            "value": _as_text(text.filter(mask)).fill_null(""),
            "reason": pl.repeat(str(reason), int(mask.sum()), dtype=pl.String, eager=True),
        }
    )


def _value(column: pl.Series, decimal_comma: bool, distinct: pl.Series | None) -> tuple[pl.Series, int]:
    """The order value as numbers, and how many values are not numbers; ``distinct`` are the
    column's distinct values (of a text column), which are judged instead of every row."""
    if column.dtype.is_numeric():
        return column.cast(pl.Float64), 0
    text = column.cast(pl.String)
    if distinct is None or _needs_cleaning(distinct):  # else no row has blanks to strip, or is empty
        text = text.str.strip_chars().replace("", None)
    present = (
        text.unique() if distinct is None else distinct.str.strip_chars().replace("", None)
    ).drop_nulls()
    amounts = _without_currency(present)
    if not amounts.equals(present):
        text = _without_currency(text)
    decimal_comma = decimal_comma or uses_decimal_comma(amounts)
    number = to_number(text, decimal_comma=decimal_comma, distinct=amounts)
    if number is None:
        thousands, decimal = (".", ",") if decimal_comma else (",", ".")
        plain = text.str.replace_all(thousands, "", literal=True).str.replace(decimal, ".", literal=True)
        number = plain.cast(pl.Float64, strict=False)
    number = number.cast(pl.Float64)
    unparseable = int((text.is_not_null() & number.is_null()).sum())
    return number, unparseable


def _without_currency(amounts: pl.Series) -> pl.Series:
    """Amounts without their currency: "€ 1.234,50" and "1,234.50 EUR" lose "€ " and " EUR"."""
    return amounts.str.replace_all(r"^[€$£¥]\s*|\s*[€$£¥]$|^[A-Z]{3}\s+|\s+[A-Z]{3}$", "")


def _attribute(
    column: pl.Series, distinct: pl.Series | None, decimal_comma: bool, timezone: str, dayfirst: bool | None
) -> pl.Series:
    """An attribute column typed: numbers, dates and times recognised in text; ``distinct`` are
    its distinct values (for a text column)."""
    if column.dtype != pl.String or distinct is None:
        if isinstance(column.dtype, pl.Datetime) and column.dtype.time_zone is None:
            return column.dt.replace_time_zone("UTC")
        return column
    text = column.str.strip_chars().replace("", None) if _needs_cleaning(distinct) else column
    number = to_number(text, decimal_comma=None if not decimal_comma else True, distinct=distinct)
    if number is not None:
        return number
    present = int(text.is_not_null().sum())
    if present and bool(text.drop_nulls().head(200).str.contains(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}").all()):
        try:
            parsed = parse_timestamps(
                text, timezone=timezone, dayfirst=dayfirst, column=column.name, path=None
            )
        except TimestampFormatError:
            return text
        if int(parsed.values.is_not_null().sum()) == present:
            return parsed.values
    return text


def _duplicates(frame: pl.DataFrame, roles: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``frame`` sorted (``sort_log``), and a reject (``duplicate_event``) for each exact duplicate
    event but the first (all columns but ``source_row`` equal).

    Duplicates share case and timestamp, so only events tied with a neighbour in the sorted
    log are compared on every column.
    """
    ordered = sort_log(frame)
    # a row tied with the row before it, or with the row after it (which is then tied with it)
    before = (
        (pl.col(CASE_ID) == pl.col(CASE_ID).shift(1)) & (pl.col(TIMESTAMP) == pl.col(TIMESTAMP).shift(1))
    ).fill_null(False)
    tied = ordered.lazy().select(before | before.shift(-1, fill_value=False)).collect().to_series()
    others = [c for c in frame.columns if c != SOURCE_ROW]
    candidates = ordered.filter(tied)
    repeated = candidates.filter(~candidates.select(pl.struct(others).is_first_distinct()).to_series())
    duplicates = repeated.select(
        pl.col(SOURCE_ROW),
        column=pl.lit(roles[ACTIVITY]),
        value=pl.col(ACTIVITY).cast(pl.String),
        reason=pl.lit(str(Reason.DUPLICATE_EVENT)),
    )
    return ordered, duplicates
