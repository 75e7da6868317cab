"""The types the readers and the analyses share, at the bottom of the package: the ideal path
(the sequence of steps an order should take, with optional steps, milestones and target hours),
a process model given as a BPMN or Petri net file, the column mapping of an export, and a read
log with its rejects and source (``LoadedLog``, ``SourceInfo``).

Examples
--------
>>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order"),
...                   optional=frozenset({"Check Credit"}))
>>> ideal.required_steps
('Create Sales Order', 'Confirm Order')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from o2c._calendar import WorkingCalendar
from o2c.errors import IdealPathError
from o2c.log import ROLES

if TYPE_CHECKING:
    from o2c._objects import ObjectCentricLog

#: The milestones an order passes on its way to cash, in order.
MILESTONES = ("ordered", "delivered", "invoiced", "paid")


@dataclass(frozen=True)
class IdealPath:
    """The steps an order should take, in order; ``optional`` steps may be skipped.

    A step name may appear more than once (two approvals of the same name); optionality is a
    property of the name. ``target_hours`` gives the theoretical time of steps (for flow
    efficiency), ``milestones`` maps ``ordered``/``delivered``/``invoiced``/``paid`` to steps,
    and ``customer_steps`` names the steps whose waiting time is the customer's, not the
    company's (by default the ``paid`` milestone). ``approval_steps`` names the approval steps
    (``o2c.approvals``; None: found from the activity names). ``source`` says where a path found in the
    log came from (the rule and the runners-up; see ``discover_ideal_path``).

    >>> IdealPath(("a", "b"), optional=frozenset({"c"}))
    Traceback (most recent call last):
    ...
    o2c.errors.IdealPathError: Optional steps ['c'] are not among the steps of 'ideal path'; steps are ['a', 'b'].
    """

    steps: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    name: str = "ideal path"
    target_hours: Mapping[str, float] = field(default_factory=dict)
    milestones: Mapping[str, str] = field(default_factory=dict)
    customer_steps: frozenset[str] | None = None
    source: str | None = None
    approval_steps: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.steps:
            raise IdealPathError(f"The ideal path {self.name!r} has no steps.")
        bad = [s for s in self.steps if not isinstance(s, str) or not s.strip()]
        if bad:
            raise IdealPathError(f"Steps of {self.name!r} must be non-empty names; got {bad[0]!r}.")
        known = set(self.steps)
        for label, names in (
            ("Optional steps", self.optional),
            ("Steps with target hours", set(self.target_hours)),
            ("Milestone steps", set(self.milestones.values())),
            ("Customer steps", self.customer_steps or frozenset()),
            ("Approval steps", self.approval_steps or frozenset()),
        ):
            unknown = set(names) - known
            if unknown:
                raise IdealPathError(
                    f"{label} {sorted(unknown)} are not among the steps of {self.name!r}; "
                    f"steps are {list(self.steps)}."
                )
        unknown_milestones = set(self.milestones) - set(MILESTONES)
        if unknown_milestones:
            raise IdealPathError(
                f"Unknown milestones {sorted(unknown_milestones)} in {self.name!r}; "
                f"milestones are {list(MILESTONES)}."
            )
        negative = {k: v for k, v in self.target_hours.items() if not v >= 0}
        if negative:
            raise IdealPathError(f"Target hours of {self.name!r} must be 0 or more; got {negative}.")

    @property
    def required_steps(self) -> tuple[str, ...]:
        """The steps that may not be skipped, in order."""
        return tuple(s for s in self.steps if s not in self.optional)

    @property
    def closing_step(self) -> str:
        """The step that closes an order: the paid milestone, else the last step."""
        return self.milestones.get("paid", self.steps[-1])

    @property
    def waiting_steps_of_customer(self) -> frozenset[str]:
        """Steps whose incoming wait is the customer's: ``customer_steps``, else the paid milestone."""
        if self.customer_steps is not None:
            return self.customer_steps
        paid = self.milestones.get("paid")
        return frozenset({paid}) if paid else frozenset()


@dataclass(frozen=True, eq=False)
class ProcessModel:
    """A Petri net with its initial and final marking: the ideal path in the general case.

    An ``IdealPath`` (a sequence with optional steps) covers most order-to-cash processes; a
    BPMN or PNML model read with ``o2c.read_process_model``, or one discovered with pm4py's
    inductive miner (``o2c.discover_ideal_path(log, method="inductive_miner")``), is a
    ``ProcessModel`` and ``o2c.align`` hands it to pm4py. ``net``, ``initial_marking`` and
    ``final_marking`` are pm4py's objects, used only through ``o2c._pm4py``; ``source`` says
    where the model came from (a file path, or how it was discovered).

    >>> from o2c._pm4py import sequence_net
    >>> ProcessModel(*sequence_net(["Order", "Check", "Ship"], {"Check"}), name="o2c").activities
    ('Check', 'Order', 'Ship')
    """

    net: Any
    initial_marking: Any
    final_marking: Any
    name: str = "process model"
    source: str | None = None

    @property
    def activities(self) -> tuple[str, ...]:
        """The labels of the visible transitions, sorted."""
        return tuple(sorted({t.label for t in self.net.transitions if t.label is not None}))

    def __repr__(self) -> str:
        return (
            f"ProcessModel(name={self.name!r}, activities={len(self.activities)}, "
            f"transitions={len(self.net.transitions)}, places={len(self.net.places)}, source={self.source!r})"
        )


@dataclass(frozen=True)
class ColumnMapping:
    """The input column of each role, and how to read timestamps.

    ``case_id``, ``activity`` and ``timestamp`` are required; ``start_timestamp``,
    ``resource``, ``lifecycle`` and ``value`` are optional. ``timezone`` is the zone of naive
    timestamps (None: the ``timezone`` argument of ``read_log``); ``dayfirst`` forces the date
    order (None: detected); ``classifier`` says how events are named (None: ``"auto"``; see
    ``o2c.io._classifier``).

    >>> ColumnMapping(case_id="Order", activity="Step", timestamp="Done").roles()
    {'case_id': 'Order', 'activity': 'Step', 'timestamp': 'Done'}
    """

    case_id: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    start_timestamp: str | None = None
    resource: str | None = None
    lifecycle: str | None = None
    value: str | None = None
    timezone: str | None = None
    dayfirst: bool | None = None
    classifier: str | list[str] | None = None

    def roles(self) -> dict[str, str]:
        """The mapped roles only: role -> input column."""
        return {r: getattr(self, r) for r in ROLES if getattr(self, r) is not None}

    def to_dict(self) -> dict[str, Any]:
        """Every field that is set, for saving next to results."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class SourceInfo:
    """Where a log came from and how it was read: enough to reproduce the read exactly."""

    path: str
    sha256: str | None
    format: str
    mapping: ColumnMapping
    rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    reader: str | None = None
    notes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedLog:
    """The event log, the rejected rows (one row per problem), and the source description;
    ``calendar`` is the working calendar its waits are counted in (``read_log(calendar=...)``),
    None for calendar time. ``ocel``: the object-centric log it was flattened from, when it was
    read from one."""

    log: pl.DataFrame
    rejects: pl.DataFrame
    source: SourceInfo
    calendar: WorkingCalendar | None = None
    ocel: ObjectCentricLog | None = None
