"""The object-centric event log: events, objects and the links between them (OCEL 2.0's model).

An order in an ERP is not one thread of events: its items ship in several deliveries, one
delivery carries items of several orders, and one invoice bills several deliveries. An
``ObjectCentricLog`` keeps each event once, with every object it concerns, as OCEL 2.0 does:

- ``events``: ``event_id``, ``activity``, ``timestamp`` (UTC), ``source_row`` (the event's
  position in the file, 1 = first), then the event attributes;
- ``objects``: ``object_id``, ``object_type``, ``source_row``, then the object attributes (each
  attribute's earliest value);
- ``relations`` (event to object, e2o): ``event_id``, ``object_id``, ``qualifier``;
- ``object_relations`` (object to object, o2o): ``object_id``, ``related_id``, ``qualifier``;
- ``object_changes``: ``object_id``, ``attribute``, ``timestamp``, ``value`` (text): every value
  an object attribute took and since when (OCEL 1.0 has only the first);
- ``rejects`` (as ``LoadedLog.rejects``): each event, object or link that broke the log's rules
  and was left out, with its reason; ``source``: the file read.

``o2c.read_ocel`` builds one from a file and checks it; ``o2c.flatten`` turns it into an
order-level event log.

Examples
--------
>>> from datetime import datetime, UTC
>>> ocel = ObjectCentricLog.from_tables(
...     events=pl.DataFrame({"event_id": ["e1"], "activity": ["Place Order"],
...                          "timestamp": [datetime(2025, 1, 6, tzinfo=UTC)]}),
...     objects=pl.DataFrame({"object_id": ["o1"], "object_type": ["Order"]}),
...     relations=pl.DataFrame({"event_id": ["e1"], "object_id": ["o1"]}),
... )
>>> ocel.object_types
('Order',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from o2c.log import REJECT_SCHEMA, SOURCE_ROW, UTC, empty_rejects
from o2c.model import ColumnMapping, SourceInfo

EVENT_ID = "event_id"
OBJECT_ID = "object_id"
OBJECT_TYPE = "object_type"
RELATED_ID = "related_id"
QUALIFIER = "qualifier"

#: The columns every frame of an ``ObjectCentricLog`` starts with, and their dtypes.
SCHEMAS: dict[str, dict[str, Any]] = {
    "events": {EVENT_ID: pl.String, "activity": pl.String, "timestamp": UTC, SOURCE_ROW: pl.Int64},
    "objects": {OBJECT_ID: pl.String, OBJECT_TYPE: pl.String, SOURCE_ROW: pl.Int64},
    "relations": {EVENT_ID: pl.String, OBJECT_ID: pl.String, QUALIFIER: pl.String},
    "object_relations": {OBJECT_ID: pl.String, RELATED_ID: pl.String, QUALIFIER: pl.String},
    "object_changes": {OBJECT_ID: pl.String, "attribute": pl.String, "timestamp": UTC, "value": pl.String},
}


@dataclass(frozen=True)
class ObjectCentricLog:
    """Events, objects, their links and attribute changes, each a polars frame (see the module)."""

    events: pl.DataFrame
    objects: pl.DataFrame
    relations: pl.DataFrame
    object_relations: pl.DataFrame
    object_changes: pl.DataFrame
    rejects: pl.DataFrame
    source: SourceInfo

    def __post_init__(self) -> None:
        for name, schema in SCHEMAS.items():
            frame: pl.DataFrame = getattr(self, name)
            wrong = {c: d for c, d in schema.items() if frame.schema.get(c) != d}
            if wrong:
                raise TypeError(
                    f"ObjectCentricLog.{name} needs the columns {schema}; got {dict(frame.schema)}."
                )
        if dict(self.rejects.schema) != REJECT_SCHEMA:
            raise TypeError(f"ObjectCentricLog.rejects needs the columns {REJECT_SCHEMA}.")

    @property
    def object_types(self) -> tuple[str, ...]:
        """The object types, sorted."""
        return tuple(sorted(self.objects[OBJECT_TYPE].unique().to_list()))

    def summary(self) -> dict[str, int]:
        """How many events, objects, e2o and o2o links, attribute changes and rejects it holds."""
        return {
            "events": self.events.height,
            "objects": self.objects.height,
            "relations": self.relations.height,
            "object_relations": self.object_relations.height,
            "object_changes": self.object_changes.height,
            "rejects": self.rejects.height,
        }

    @classmethod
    def from_tables(
        cls,
        *,
        events: pl.DataFrame,
        objects: pl.DataFrame,
        relations: pl.DataFrame,
        object_relations: pl.DataFrame | None = None,
        object_changes: pl.DataFrame | None = None,
        rejects: pl.DataFrame | None = None,
        source: SourceInfo | None = None,
    ) -> ObjectCentricLog:
        """An ``ObjectCentricLog`` of frames in memory: missing ``source_row``, ``qualifier`` and
        link frames are filled in, naive timestamps taken as UTC (nothing is checked but columns)."""
        given = {"events": events, "objects": objects, "relations": relations,
                 "object_relations": object_relations, "object_changes": object_changes}  # fmt: skip
        frames = {name: _conform(frame, SCHEMAS[name]) for name, frame in given.items()}
        if source is None:
            source = SourceInfo(path="<frames>", sha256=None, format="frames", mapping=ColumnMapping(),
                                rows=events.height)  # fmt: skip
        return cls(**frames, rejects=empty_rejects() if rejects is None else rejects, source=source)


def _conform(frame: pl.DataFrame | None, schema: Mapping[str, Any]) -> pl.DataFrame:
    """``frame`` with the columns of ``schema`` first, cast to its dtypes; missing ones filled."""
    if frame is None:
        return pl.DataFrame(schema=dict(schema))
    if SOURCE_ROW in schema and SOURCE_ROW not in frame.columns:
        frame = frame.with_row_index(SOURCE_ROW, offset=1)
    fills = [pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in frame.columns]
    frame = frame.with_columns(fills)
    casts = []
    for column, dtype in schema.items():
        have = frame.schema[column]
        if dtype == UTC and isinstance(have, pl.Datetime):
            expr = pl.col(column).dt.cast_time_unit("us")
            expr = (
                expr.dt.replace_time_zone("UTC")
                if have.time_zone is None
                else expr.dt.convert_time_zone("UTC")
            )
            casts.append(expr)
        else:
            casts.append(pl.col(column).cast(dtype))
    rest = [c for c in frame.columns if c not in schema]
    return frame.with_columns(casts).select([*schema, *rest])
