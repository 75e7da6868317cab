"""Re-keyed data found from the values themselves: the event attributes whose value changes
within an order, at which steps, by whom and by how much, and the fields entered at more than
one step.

For each attribute the log carries on its events (text, number, date; by default every column
that is not one of the log's roles, ``value`` included), an order's events are read in log
order:

- an event **changes** the field when it carries a value (not empty) that differs from the
  last value carried before it in the order; an empty cell is not a change. The **size** of a
  change is new minus old: for numbers in the column's unit, for dates and times in days.
- an event **enters** the field when it carries a value and the event before it in the order
  carried none, or a different one (the first value of an order is entered too). A value
  repeated on every event, as exports copy order attributes, is entered once; a field typed in
  again at a later step, even unchanged, is entered again. An order enters a field **at more
  than one step** when the events that enter it belong to two or more activities.

Change activities found by name (``o2c.rekeyed_data``: names beginning with Change, Update or
Correct) stay beside these as a second source, labelled ``source="activity name"``; the
attribute rows are labelled ``source="values"``.

SAP change documents (CDHDR/CDPOS read beside VBFA, see ``o2c.io._changes``) are a third
source, ``source="change documents"``: one row per changed field ``<TABNAME>-<FNAME>`` (whole
rows inserted or deleted, ``FNAME`` = ``KEY``, are not field changes), each change event a
change from ``value_old`` to ``value_new``. A field's kind is ``date`` when every value written
reads as a date (``YYYYMMDD``, SAP's ``00000000`` is empty), ``number`` when every value reads
as a number (SAP's trailing minus ``5.00-`` included), else ``text``; the size is new minus
old when both values are given. The step is the transaction (``TCODE``; the activity when
none), ``orders_with_value`` counts the orders with a change of the field (the documents do not
record unchanged values) and ``orders_entered_at_several_steps`` the orders whose changes of
the field came from two or more transactions. The change-document columns (``change_table``,
``value_old``, ...) are not compared as attributes of the ``values`` source.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime
>>> from o2c.log import validate
>>> log = validate(pl.DataFrame({
...     "case_id": ["1", "1", "1", "2", "2"],
...     "activity": ["Create Order", "Check", "Change Price", "Create Order", "Check"],
...     "timestamp": [datetime(2025, 1, d) for d in (1, 2, 3, 1, 2)],
...     "resource": ["ann", "bob", "eve", "ann", "bob"],
...     "price": [100.0, 100.0, 90.0, 50.0, 50.0],
... }))
>>> result = rekeyed_values(log)
>>> result.attributes[["attribute", "kind", "orders_changed", "changes", "steps", "change_median"]]
  attribute    kind  orders_changed  changes            steps  change_median
0     price  number               1        1  (Change Price,)          -10.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import polars as pl

from o2c._rework import REKEY_PATTERNS, _rekeyed_data
from o2c.errors import check_choice, check_names
from o2c.io._changes import CHANGE_COLUMNS
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    LIFECYCLE,
    RESOURCE,
    SOURCE_ROW,
    START_TIMESTAMP,
    TIMESTAMP,
    case_count,
    validate,
)

#: The kinds of attribute compared, by polars dtype family.
KINDS = ("text", "number", "date")

_ROLES = (CASE_ID, ACTIVITY, TIMESTAMP, START_TIMESTAMP, RESOURCE, LIFECYCLE, SOURCE_ROW)
_MICROSECONDS_PER_DAY = 86_400_000_000
_CHANGE_COLUMNS = [
    CASE_ID,
    "attribute",
    "kind",
    "step",
    "resource",
    TIMESTAMP,
    "old_value",
    "new_value",
    "change",
    "source",
]


@dataclass(frozen=True)
class RekeyedValues:
    """Re-keyed data of a log (see ``o2c.rekeyed_values``).

    ``attributes``: one row per attribute compared, most orders changed first, ties by name:
    ``attribute``, ``kind`` (text, number, date), ``source`` (``values``, or ``change documents``
    for a field ``<TABNAME>-<FNAME>`` of SAP's change documents), ``orders_with_value``,
    ``orders_changed``, ``share_of_orders`` (orders changed over all orders), ``changes``,
    ``changes_per_order`` (over the orders changed), ``orders_entered_at_several_steps``,
    ``steps`` and ``resources`` (tuples, most changes first, ties by name),
    ``change_median``, ``change_abs_median`` (the size of the changes: numbers in their unit,
    dates in days; NaN for text).

    ``steps``: one row per attribute and step where it changed: ``attribute``, ``step``,
    ``orders``, ``changes``, ``resources`` (sorted tuple), ``change_median``; by attribute, then
    most changes first, ties by step.

    ``changes``: one row per change, in log order: ``case_id``, ``attribute``, ``kind``,
    ``step``, ``resource``, ``timestamp``, ``old_value``, ``new_value`` (as text), ``change`` and
    ``source`` (``values`` or ``change documents``).

    ``by_name``: ``o2c.rekeyed_data``'s table (change activities found by name) with
    ``source`` = ``activity name``. ``orders``: all orders; ``orders_rekeyed``: orders with a
    value change or a change activity.
    """

    attributes: pd.DataFrame
    steps: pd.DataFrame
    changes: pd.DataFrame
    by_name: pd.DataFrame
    orders: int
    orders_rekeyed: int

    def __repr__(self) -> str:
        return (
            f"RekeyedValues(orders={self.orders}, orders_rekeyed={self.orders_rekeyed})\n"
            f"attributes:\n{self.attributes.to_string()}\nby_name:\n{self.by_name.to_string()}"
        )


def rekeyed_values(
    log: pl.DataFrame | pd.DataFrame,
    *,
    attributes: Sequence[str] | None = None,
    patterns: Sequence[str] | str = REKEY_PATTERNS,
) -> RekeyedValues:
    """The event attributes whose values change within orders, and the change activities by name.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    attributes : list of str, optional
        The columns to compare (text, number or date columns). Default: every such column that
        is not one of the log's roles (``case_id``, ``activity``, ``timestamp``,
        ``start_timestamp``, ``resource``, ``lifecycle``, ``source_row``).
    patterns : sequence of str
        The activity-name prefixes of ``o2c.rekeyed_data``, the second source.

    Returns
    -------
    RekeyedValues
        ``attributes``, ``steps``, ``changes`` and ``by_name`` (documented on
        ``RekeyedValues``); the module docstring defines a change and an entry.
    """
    return _rekeyed_values(validate(log), attributes=attributes, patterns=patterns)


def _rekeyed_values(
    log: pl.DataFrame,
    *,
    attributes: Sequence[str] | None = None,
    patterns: Sequence[str] | str = REKEY_PATTERNS,
) -> RekeyedValues:
    """``rekeyed_values`` of a validated log."""
    columns = _attributes(log, attributes)
    documented = CHANGE_COLUMNS[0] in log.columns
    if documented and attributes is None:
        columns = [c for c in columns if c not in CHANGE_COLUMNS and c != "source_file"]
    by_name = _rekeyed_data(log, patterns=patterns)
    by_name.insert(1, "source", "activity name")
    n = case_count(log)
    run = pl.col(CASE_ID).rle_id().alias("_run")
    base = log.select(
        run,
        CASE_ID,
        pl.col(ACTIVITY).cast(pl.String).alias("step"),
        (pl.col(RESOURCE) if RESOURCE in log.columns else pl.lit(None, pl.String))
        .cast(pl.String)
        .alias("resource"),
        TIMESTAMP,
    )
    changes, summaries = [], []
    for column in columns:  # one pass per attribute, not per event
        kind = _kind(log.schema[column])
        table, summary = _attribute(log, base, column, kind, n)
        changes.append(table)
        summaries.append(summary)
    if documented:
        table, summary_rows = _change_documents(log, n)
        changes.append(table)
        summaries.extend(summary_rows)
    text = pl.String()
    change_schema: dict[str, pl.DataType] = {
        CASE_ID: text,
        "attribute": text,
        "kind": text,
        "step": text,
        "resource": text,
        TIMESTAMP: log.schema[TIMESTAMP],
        "old_value": text,
        "new_value": text,
        "change": pl.Float64(),
        "source": text,
    }
    all_changes = pl.concat(changes) if changes else pl.DataFrame(schema=change_schema)
    by_name_orders = log.filter(
        pl.col(ACTIVITY).cast(pl.String).is_in([a for a in by_name[ACTIVITY] if a is not None])
    )[CASE_ID]
    rekeyed = pl.concat([all_changes[CASE_ID], by_name_orders]).n_unique()
    return RekeyedValues(
        attributes=_attribute_table(summaries, all_changes),
        steps=_step_table(all_changes),
        changes=all_changes.to_pandas(),
        by_name=by_name,
        orders=n,
        orders_rekeyed=rekeyed,
    )


def _attributes(log: pl.DataFrame, attributes: Sequence[str] | None) -> list[str]:
    comparable = [c for c in log.columns if c not in _ROLES and _kind(log.schema[c]) is not None]
    if attributes is None:
        return comparable
    chosen = check_names(
        attributes, argument="attributes", function="rekeyed_values", such_as="['net_value']"
    )
    for name in chosen:
        check_choice(name, comparable, argument="attributes", function="rekeyed_values")
    return list(dict.fromkeys(chosen))


def _kind(dtype: pl.DataType) -> str | None:
    if dtype.is_numeric():
        return "number"
    if isinstance(dtype, pl.Date | pl.Datetime):
        return "date"
    if isinstance(dtype, pl.String | pl.Categorical | pl.Enum | pl.Boolean):
        return "text"
    return None


def _attribute(
    log: pl.DataFrame, base: pl.DataFrame, column: str, kind: str | None, n: int
) -> tuple[pl.DataFrame, dict[str, object]]:
    """The changes of one attribute, and its row of the attributes table (without the step ranks)."""
    frame = base.with_columns(value=log[column].cast(pl.String) if kind == "text" else log[column])
    carried = pl.col("value").forward_fill().shift(1).over("_run")
    before = pl.col("value").shift(1).over("_run")
    frame = frame.with_columns(carried=carried, before=before)
    has = pl.col("value").is_not_null()
    changed = has & pl.col("carried").is_not_null() & (pl.col("value") != pl.col("carried"))
    entered = has & (pl.col("before").is_null() | (pl.col("value") != pl.col("before")))
    if kind == "number":
        size = (pl.col("value").cast(pl.Float64) - pl.col("carried").cast(pl.Float64)).alias("change")
    elif kind == "date":
        as_time = lambda c: pl.col(c).cast(pl.Datetime("us"))  # noqa: E731
        size = (
            (as_time("value") - as_time("carried")).dt.total_microseconds() / _MICROSECONDS_PER_DAY
        ).alias("change")
    else:
        size = pl.lit(None, dtype=pl.Float64).alias("change")
    changes = frame.filter(changed).select(
        CASE_ID,
        pl.lit(column).alias("attribute"),
        pl.lit(kind).alias("kind"),
        "step",
        "resource",
        TIMESTAMP,
        pl.col("carried").cast(pl.String).alias("old_value"),
        pl.col("value").cast(pl.String).alias("new_value"),
        size.cast(pl.Float64),
        source=pl.lit("values"),
    )
    several = (
        frame.filter(entered)
        .group_by("_run")
        .agg(steps=pl.col("step").n_unique())
        .filter(pl.col("steps") > 1)
        .height
    )
    orders_changed = changes[CASE_ID].n_unique()
    summary: dict[str, object] = {
        "attribute": column,
        "kind": kind,
        "source": "values",
        "orders_with_value": frame.filter(has)["_run"].n_unique(),
        "orders_changed": orders_changed,
        "share_of_orders": orders_changed / n if n else None,
        "changes": changes.height,
        "changes_per_order": changes.height / orders_changed if orders_changed else None,
        "orders_entered_at_several_steps": several,
        "change_median": changes["change"].median(),
        "change_abs_median": changes["change"].abs().median(),
    }
    return changes, summary


def _ranked(changes: pl.DataFrame, column: str) -> dict[str, tuple[str, ...]]:
    """Per attribute, the values of ``column`` among its changes, most changes first, ties by name."""
    counted = (
        changes.filter(pl.col(column).is_not_null())
        .group_by("attribute", column)
        .agg(n=pl.len())
        .sort(["attribute", "n", column], descending=[False, True, False])
        .group_by("attribute", maintain_order=True)
        .agg(pl.col(column))
    )
    return {row["attribute"]: tuple(row[column]) for row in counted.iter_rows(named=True)}


def _attribute_table(summaries: list[dict[str, object]], changes: pl.DataFrame) -> pd.DataFrame:
    steps, resources = _ranked(changes, "step"), _ranked(changes, "resource")
    columns = [
        "attribute",
        "kind",
        "source",
        "orders_with_value",
        "orders_changed",
        "share_of_orders",
        "changes",
        "changes_per_order",
        "orders_entered_at_several_steps",
        "steps",
        "resources",
        "change_median",
        "change_abs_median",
    ]
    frame = pd.DataFrame(summaries, columns=[c for c in columns if c not in ("steps", "resources")])
    frame["steps"] = [steps.get(a, ()) for a in frame["attribute"]]
    frame["resources"] = [resources.get(a, ()) for a in frame["attribute"]]
    for column in ("share_of_orders", "changes_per_order", "change_median", "change_abs_median"):
        frame[column] = frame[column].astype("float64")
    for column in ("orders_with_value", "orders_changed", "changes", "orders_entered_at_several_steps"):
        frame[column] = frame[column].astype("int64")
    frame = frame.sort_values(["orders_changed", "attribute"], ascending=[False, True], kind="stable")
    return frame[columns].reset_index(drop=True)


def _step_table(changes: pl.DataFrame) -> pd.DataFrame:
    table = (
        changes.group_by("attribute", "step")
        .agg(
            orders=pl.col(CASE_ID).n_unique().cast(pl.Int64),
            changes=pl.len().cast(pl.Int64),
            resources=pl.col("resource").drop_nulls().unique().sort(),
            change_median=pl.col("change").median(),
        )
        .sort(["attribute", "changes", "step"], descending=[False, True, False])
    )
    frame = table.to_pandas()
    frame["resources"] = [tuple(r) for r in table["resources"].to_list()]
    return frame


def _sap_number(column: str) -> pl.Expr:
    """A value of a change document as a number: ``1,234.50`` and SAP's trailing minus ``5.00-``."""
    text = pl.col(column).str.strip_chars().str.replace_all(",", "")
    negative = text.str.ends_with("-")
    magnitude = text.str.strip_suffix("-").cast(pl.Float64, strict=False)
    return pl.when(negative).then(-magnitude).otherwise(magnitude)


def _sap_date(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars().str.replace_all("-", "")
    return text.str.to_date("%Y%m%d", strict=False)


def _change_documents(log: pl.DataFrame, n: int) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """The changes of SAP's change documents, per field, and the fields' rows of the attributes table."""
    empty_date = pl.col("^(old|new)$").str.strip_chars().is_in(["", "00000000", "0000-00-00"])
    frame = (
        log.filter(pl.col("change_table").is_not_null() & (pl.col("change_field") != "KEY"))
        .select(
            CASE_ID,
            attribute=pl.concat_str("change_table", pl.lit("-"), "change_field"),
            step=pl.coalesce(pl.col("change_tcode"), pl.col(ACTIVITY).cast(pl.String)),
            resource=(pl.col(RESOURCE) if RESOURCE in log.columns else pl.lit(None)).cast(pl.String),
            timestamp=TIMESTAMP,
            old=pl.col("value_old").cast(pl.String),
            new=pl.col("value_new").cast(pl.String),
        )
        .with_columns(pl.when(~empty_date).then(pl.col("^(old|new)$")))
    )
    written = pl.concat([frame.select("attribute", v="old"), frame.select("attribute", v="new")]).drop_nulls()
    kinds = (
        written.with_columns(_n=_sap_number("v"), _d=_sap_date("v"))
        .group_by("attribute")
        .agg(
            date=pl.col("_d").is_not_null().all()
            & (pl.col("v").str.strip_chars().str.len_chars() >= 8).all(),
            number=pl.col("_n").is_not_null().all(),
        )
        .select(
            "attribute",
            kind=pl.when("date")
            .then(pl.lit("date"))
            .when("number")
            .then(pl.lit("number"))
            .otherwise(pl.lit("text")),
        )
    )
    frame = frame.join(kinds, on="attribute", how="left").with_columns(pl.col("kind").fill_null("text"))
    days = (_sap_date("new") - _sap_date("old")).dt.total_days().cast(pl.Float64)
    size = (
        pl.when(pl.col("kind") == "number")
        .then(_sap_number("new") - _sap_number("old"))
        .when(pl.col("kind") == "date")
        .then(days)
        .otherwise(pl.lit(None, pl.Float64))
    )
    changes = frame.select(
        CASE_ID,
        "attribute",
        "kind",
        "step",
        "resource",
        TIMESTAMP,
        old_value="old",
        new_value="new",
        change=size.cast(pl.Float64),
        source=pl.lit("change documents"),
    )
    fields = (
        changes.group_by("attribute", "kind")
        .agg(
            orders_changed=pl.col(CASE_ID).n_unique(),
            changes=pl.len(),
            change_median=pl.col("change").median(),
            change_abs_median=pl.col("change").abs().median(),
        )
        .join(
            changes.group_by("attribute", CASE_ID)
            .agg(steps=pl.col("step").n_unique())
            .group_by("attribute")
            .agg(several=(pl.col("steps") > 1).sum()),
            on="attribute",
        )
        .sort("attribute")
    )
    summaries: list[dict[str, object]] = [
        {
            "attribute": row["attribute"],
            "kind": row["kind"],
            "source": "change documents",
            "orders_with_value": row["orders_changed"],
            "orders_changed": row["orders_changed"],
            "share_of_orders": row["orders_changed"] / n if n else None,
            "changes": row["changes"],
            "changes_per_order": row["changes"] / row["orders_changed"],
            "orders_entered_at_several_steps": row["several"],
            "change_median": row["change_median"],
            "change_abs_median": row["change_abs_median"],
        }
        for row in fields.iter_rows(named=True)
    ]
    return changes, summaries
