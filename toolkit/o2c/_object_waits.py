"""Waiting times of a flattened object-centric log, each shared wait counted once.

In a log flattened by ``o2c.flatten``, an event shared by several orders (a delivery that
carries three orders' items) is a row in each order's case, and a wait between two such events
is a transition in each order: ``o2c.waiting_times`` counts it once per order, as each order
saw it. ``deduplicated_waiting_times`` counts each wait between the same two events once:
a transition is the pair (``event_id`` of its source, ``event_id`` of its target), and pairs
seen by several orders weigh as one. Waits between an order's own event and a shared one
differ from order to order and stay one per order.

Examples
--------
>>> from o2c._flatten import example_ocel, flatten
>>> log = flatten(example_ocel(), case="Order", through=("Item", "Delivery"))
>>> waits = deduplicated_waiting_times(log)     # both orders wait 6 hours from e5 to e9: once
>>> waits[waits["target"] == "Deliver"][["source", "transitions", "transitions_seen", "wait_total"]]
          source  transitions  transitions_seen      wait_total
4  Ship Delivery            1                 2 0 days 06:00:00
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from o2c._objects import EVENT_ID
from o2c._tables import sort_edges
from o2c.discovery import edge_counts, event_start
from o2c.errors import ColumnMappingError
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, validate
from o2c.performance import _statistics


def deduplicated_waiting_times(
    log: pl.DataFrame | pd.DataFrame, *, overlap_as_zero: bool = False
) -> pd.DataFrame:
    """Per edge a -> b, the waits of a flattened log with each wait between the same two events once.

    Parameters
    ----------
    log : DataFrame
        An event log flattened by ``o2c.flatten`` (it needs the ``event_id`` column).
    overlap_as_zero : bool
        Count a negative wait (b starts before a ends) as 0, as in ``o2c.waiting_times``.

    Returns
    -------
    DataFrame
        One row per edge: ``source``, ``target``, ``transitions`` (distinct pairs of events),
        ``transitions_seen`` (as the orders saw them: ``o2c.waiting_times``' count),
        ``cases`` (orders that saw the edge), ``wait_median``, ``wait_mean``, ``wait_p90``,
        ``wait_max``, ``wait_total`` over the distinct pairs, ``overlaps``; most transitions
        first, ties by name.

    Examples
    --------
    See the module docstring.
    """
    validated = validate(log)
    if EVENT_ID not in validated.columns:
        raise ColumnMappingError(
            "deduplicated_waiting_times needs the 'event_id' column of a log flattened by o2c.flatten; "
            f"columns are {validated.columns}.",
            column=EVENT_ID,
        )
    return _deduplicated_waiting_times(validated, overlap_as_zero=overlap_as_zero)


def _deduplicated_waiting_times(log: pl.DataFrame, *, overlap_as_zero: bool = False) -> pd.DataFrame:
    """``deduplicated_waiting_times`` of a validated log."""
    case_number = pl.col("case_number")
    pairs = (
        log.lazy()
        .select(
            source=pl.col(ACTIVITY),
            target=pl.col(ACTIVITY).shift(-1),
            wait=event_start(log).shift(-1) - pl.col(TIMESTAMP),
            source_event=pl.col(EVENT_ID),
            target_event=pl.col(EVENT_ID).shift(-1),
            case_number=pl.col(CASE_ID).rle_id(),
        )
        .filter(case_number == case_number.shift(-1))
        .with_columns(_wait=pl.col("wait").dt.total_microseconds())
    )
    seen = edge_counts(pairs).collect().rename({"transitions": "transitions_seen"})
    distinct = pairs.unique(["source_event", "target_event"], keep="first", maintain_order=True)
    wait = pl.col("_wait").clip(lower_bound=0) if overlap_as_zero else pl.col("_wait")
    overlaps = (pl.col("_wait") < 0).sum().cast(pl.Int64).alias("overlaps")
    counted = edge_counts(distinct, *_statistics(wait, "wait"), overlaps).collect().drop("cases")
    table = counted.join(seen, on=["source", "target"]).select(
        "source", "target", "transitions", "transitions_seen", "cases",
        "wait_median", "wait_mean", "wait_p90", "wait_max", "wait_total", "overlaps",
    )  # fmt: skip
    return sort_edges(table).to_pandas()
