"""The only module that imports pm4py: quiet, and speaking our column names.

pm4py prints a licence banner and progress bars; both are switched off here before pm4py is
imported, and its output streams are silenced while it works.
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
import weakref
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from o2c import _net_align

_PM4PY_COLUMNS = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "lifecycle": "lifecycle:transition",
}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence pm4py's banner, progress bars, prints and warnings inside the block."""
    sink = io.StringIO()
    with (
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield


def pm4py() -> ModuleType:
    """The pm4py module, imported quietly, with its progress bars off."""
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's own "banner shown" flag
    with quiet():
        import pm4py as module
        from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False
    constants.SHOW_INTERNAL_WARNINGS = False
    return module


def version() -> str:
    """pm4py's version, for report footers.

    >>> version().count(".") >= 2
    True
    """
    return str(pm4py().__version__)


def to_pm4py(log: pl.DataFrame) -> pd.DataFrame:
    """Our event log as a pandas frame in pm4py's format (XES keys, UTC timestamps)."""
    renamed = log.rename({k: v for k, v in _PM4PY_COLUMNS.items() if k in log.columns})
    frame = renamed.with_columns(pl.col("concept:name").cast(pl.String)).to_pandas()
    return frame


def read_xes(path: str, **options: Any) -> pd.DataFrame:
    """Read an XES file with pm4py's own importer (our fallback reader)."""
    module = pm4py()
    with quiet():
        return module.read_xes(path, **options)


# --- Petri nets and alignments (conformance) -------------------------------------------------

#: A Petri net with its initial and final marking, as pm4py passes them around.
AcceptingNet = tuple[Any, Any, Any]


def sequence_net(steps: Sequence[str], optional: Collection[str]) -> AcceptingNet:
    """The Petri net pm4py makes of a sequence whose ``optional`` steps may be skipped.

    The steps become the process tree ``->(a, X(tau, b), c)`` (an optional step is a choice
    between the step and a silent move) and pm4py converts it: one place between consecutive
    steps, one transition per step, and one silent "skip" transition beside each optional step.

    >>> net, im, fm = sequence_net(["a", "b", "c"], {"b"})
    >>> sorted(str(t.label) for t in net.transitions)
    ['None', 'a', 'b', 'c']
    """
    module = pm4py()
    from pm4py.objects.process_tree.obj import Operator, ProcessTree

    tree = ProcessTree(operator=Operator.SEQUENCE)
    for step in steps:
        if step in optional:
            choice = ProcessTree(operator=Operator.XOR, parent=tree)
            choice.children.extend([ProcessTree(parent=choice), ProcessTree(label=step, parent=choice)])
            tree.children.append(choice)
        else:
            tree.children.append(ProcessTree(label=step, parent=tree))
    with quiet():
        net, initial, final = module.convert_to_petri_net(tree)
    return net, initial, final


def is_easy_sound(net: Any, initial_marking: Any, final_marking: Any) -> bool:
    """True when the final marking can be reached from the initial one (pm4py's precondition)."""
    pm4py()
    from pm4py.objects.petri_net.utils.check_soundness import check_easy_soundness_net_in_fin_marking

    with quiet():
        return bool(check_easy_soundness_net_in_fin_marking(net, initial_marking, final_marking))


def align_traces(
    traces: Iterable[Sequence[str]],
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    timeout: float,
    known_only: bool = False,
) -> Iterator[dict[str, Any] | None]:
    """The optimal alignment of each trace to the net, with pm4py's standard cost function.

    Yields, per trace, ``None`` when pm4py gave up after ``timeout`` seconds, else a dict with
    ``cost``, ``worst_cost`` (pm4py's ``bwc``), ``fitness``, ``skipped`` (labels of visible model
    moves) and ``inserted`` (log moves), both in alignment order, and ``moves``: every move in
    order as a (log label, model label) pair, ``">>"`` on the side that does not move, model
    label None for a silent move (``o2c.case_timeline`` reads them for a ``ProcessModel``).
    Alignments are remembered per net while it lives (a trace pm4py gave up on stays None);
    ``known_only`` yields None for a trace not aligned before instead of aligning it.

    A net with at most ``o2c._net_align.MAX_STATES`` reachable markings is aligned on its
    reachability graph (``o2c._net_align``: exact, the same costs as pm4py's A*, and it always
    finishes), the traces taken ``BATCH_EVENTS`` events at a time; a larger net goes to pm4py's
    A* (state equation), one trace at a time (a budget in ``traces`` stops it between two),
    ``timeout`` seconds per trace, and so does a trace too long for the graph.

    >>> net, im, fm = sequence_net(["a", "b", "c"], {"b"})
    >>> next(align_traces([("a", "c")], net, im, fm, timeout=10))["cost"]
    1
    >>> [m for m in next(align_traces([("a", "d")], net, im, fm, timeout=10))["moves"] if ">>" in m]
    [('>>', None), ('d', '>>'), ('>>', 'c')]
    """
    known = _ALIGNED.setdefault(net, {})
    markings = (repr(initial_marking), repr(final_marking))
    graph = _reachability_graph(net, initial_marking, final_marking)
    longest = -1 if graph is None else _net_align.MAX_EDGES // _net_align.layer_edges(graph) - 1
    batch = BATCH_EVENTS if graph is not None else 0  # pm4py's A*: one trace at a time
    pending: list[tuple[tuple[Any, ...], tuple[str, ...]]] = []
    events = 0
    for trace in traces:
        key = (tuple(trace), *markings, timeout)
        pending.append((key, tuple(trace)))
        if key not in known and not known_only:
            events += len(key[0])
            if events >= batch:  # align what has been asked for, then ask for more
                yield from _flush(
                    pending, known, known_only, graph, longest, net, initial_marking, final_marking, timeout
                )
                pending, events = [], 0
    yield from _flush(
        pending, known, known_only, graph, longest, net, initial_marking, final_marking, timeout
    )


#: Events ``align_traces`` takes from its traces before it aligns them (on the reachability graph).
BATCH_EVENTS = 20_000


def _flush(
    pending: list[tuple[tuple[Any, ...], tuple[str, ...]]],
    known: dict[tuple[Any, ...], dict[str, Any] | None],
    known_only: bool,
    graph: _net_align.ReachabilityGraph | None,
    longest: int,
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    timeout: float,
) -> Iterator[dict[str, Any] | None]:
    """Align the pending traces not known yet (on the graph, or with pm4py), then yield all."""
    new = {key: trace for key, trace in pending if key not in known} if not known_only else {}
    on_graph = [key for key, trace in new.items() if len(trace) <= longest]
    if on_graph:
        assert graph is not None
        found = _net_align.align_traces(graph, [new[key] for key in on_graph])
        known.update(zip(on_graph, found, strict=True))
    for key, _ in pending:
        if key not in known and key in new:  # a net too large for the graph, or a very long trace
            known[key] = _align_with_pm4py(new[key], net, initial_marking, final_marking, timeout)
        yield known.get(key)


def _align_with_pm4py(
    trace: tuple[str, ...], net: Any, initial_marking: Any, final_marking: Any, timeout: float
) -> dict[str, Any] | None:
    """pm4py's A* alignment of one trace (None when it gave up after ``timeout`` seconds)."""
    pm4py()
    from pm4py.algo.conformance.alignments.petri_net import algorithm
    from pm4py.objects.log.obj import Event, Trace

    events = Trace([Event({"concept:name": activity}) for activity in trace])
    parameters = {algorithm.Parameters.PARAM_MAX_ALIGN_TIME_TRACE: timeout}
    with quiet():
        result = algorithm.apply_trace(events, net, initial_marking, final_marking, parameters=parameters)
    return _aligned(result)


def _reachability_graph(
    net: Any, initial_marking: Any, final_marking: Any
) -> _net_align.ReachabilityGraph | None:
    """The net's reachability graph (None when it has too many markings), made once per net."""
    graphs = _GRAPHS.setdefault(net, {})
    key = (repr(initial_marking), repr(final_marking))
    if key not in graphs:
        places = sorted(net.places, key=lambda p: str(p.name))
        transitions = sorted(net.transitions, key=lambda t: (str(t.name), str(t.label)))
        column = {place: k for k, place in enumerate(places)}
        pre = np.zeros((len(transitions), len(places)), dtype=np.int64)
        post = np.zeros_like(pre)
        for row, transition in enumerate(transitions):  # one per transition and arc
            for arc in transition.in_arcs:
                pre[row, column[arc.source]] += arc.weight
            for arc in transition.out_arcs:
                post[row, column[arc.target]] += arc.weight
        initial, final = np.zeros(len(places), dtype=np.int64), np.zeros(len(places), dtype=np.int64)
        for marking, vector in ((initial_marking, initial), (final_marking, final)):
            for place, tokens in marking.items():
                vector[column[place]] = tokens
        graphs[key] = _net_align.reachability_graph(pre, post, [t.label for t in transitions], initial, final)
    return graphs[key]


#: Each net's alignments by (trace, markings, timeout), while the net lives: ``assess`` aligns the
#: variants once and the explorer's timelines read the same alignments (gave-up ones included).
_ALIGNED: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], dict[str, Any] | None]] = (
    weakref.WeakKeyDictionary()
)

#: Each net's reachability graph by its markings, while the net lives (None: too many markings).
_GRAPHS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], _net_align.ReachabilityGraph | None]] = (
    weakref.WeakKeyDictionary()
)


def _aligned(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """``align_traces``' dict of one pm4py alignment (None when pm4py gave up)."""
    if result is None or "fitness" not in result:
        return None
    moves = result["alignment"]
    return {
        "cost": int(result["cost"]),
        "worst_cost": int(result["bwc"]),
        "fitness": float(result["fitness"]),
        "skipped": tuple(model for log, model in moves if log == ">>" and model is not None),
        "inserted": tuple(log for log, model in moves if model == ">>"),
        "moves": tuple((log, model) for log, model in moves),
    }


def discover_inductive_net(
    traces: Sequence[Sequence[str]], cases: Sequence[int], *, noise_threshold: float
) -> AcceptingNet:
    """pm4py's inductive miner (infrequent variant when ``noise_threshold`` > 0) on a log's variants
    (``traces``, each followed by ``cases`` orders): what ``pm4py.discover_petri_net_inductive``
    does to a log once it has counted its variants, so a log on an engine needs only its variants."""
    module = pm4py()
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils import generic as tree_util
    from pm4py.objects.process_tree.utils.generic import tree_sort

    counted: Counter[tuple[str, ...]] = Counter(
        {tuple(t): int(n) for t, n in zip(traces, cases, strict=True)}
    )
    parameters = {"noise_threshold": noise_threshold, "multiprocessing": False, "disable_fallthroughs": False}
    miner = IMFUVCL(parameters) if noise_threshold > 0 else IMUVCL(parameters)
    with quiet():
        tree = tree_util.fold(miner.apply(IMDataStructureUVCL(counted), parameters))
        tree_sort(tree)
        net, initial, final = module.convert_to_petri_net(tree)
    return net, initial, final


def read_pnml(path: str) -> AcceptingNet:
    """A Petri net with its markings from a PNML file, read by pm4py."""
    module = pm4py()
    with quiet():
        net, initial, final = module.read_pnml(path)
    return net, initial, final


def read_bpmn_as_net(path: str) -> AcceptingNet:
    """A BPMN file read by pm4py and converted by pm4py to a Petri net with its markings."""
    module = pm4py()
    with quiet():
        model = module.read_bpmn(path)
        net, initial, final = module.convert_to_petri_net(model)
    return net, initial, final


# --- object-centric event logs (OCEL 2.0) ----------------------------------------------------

_OCEL_COLUMNS = {
    "event_id": "ocel:eid",
    "activity": "ocel:activity",
    "timestamp": "ocel:timestamp",
    "object_id": "ocel:oid",
    "object_type": "ocel:type",
    "qualifier": "ocel:qualifier",
}


def write_ocel2(
    events: pd.DataFrame,
    objects: pd.DataFrame,
    relations: pd.DataFrame,
    path: str,
    object_relations: pd.DataFrame | None = None,
) -> None:
    """Write an OCEL 2.0 file with pm4py; the format follows the suffix (.jsonocel, .xmlocel, .sqlite).

    ``events``: ``event_id``, ``activity``, ``timestamp`` (UTC); ``objects``: ``object_id``,
    ``object_type``; ``relations`` (event to object): ``event_id``, ``object_id``, ``qualifier``;
    ``object_relations`` (object to object, optional): ``object_id``, ``related_id``, ``qualifier``.
    """
    pm4py()
    from pm4py.objects.ocel.obj import OCEL

    renamed = [frame.rename(columns=_OCEL_COLUMNS) for frame in (events, objects, relations)]
    ocel_events, ocel_objects, ocel_relations = renamed
    ocel_relations = ocel_relations.merge(ocel_events, on="ocel:eid").merge(ocel_objects, on="ocel:oid")
    o2o = None
    if object_relations is not None:
        o2o = object_relations.rename(
            columns={"object_id": "ocel:oid", "related_id": "ocel:oid_2", "qualifier": "ocel:qualifier"}
        )
    ocel = OCEL(events=ocel_events, objects=ocel_objects, relations=ocel_relations, o2o=o2o)
    with quiet():
        pm4py().write_ocel2(ocel, path)


def read_ocel2(path: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """An OCEL 2.0 file read by pm4py: ``events``, ``objects``, ``relations`` with our column names."""
    module = pm4py()
    with quiet():
        ocel = module.read_ocel2(path)
    back = {v: k for k, v in _OCEL_COLUMNS.items()}
    events = ocel.events.rename(columns=back)[["event_id", "activity", "timestamp"]].reset_index(drop=True)
    objects = ocel.objects.rename(columns=back)[["object_id", "object_type"]].reset_index(drop=True)
    relations = ocel.relations.rename(columns=back)[["event_id", "object_id", "qualifier"]]
    return events, objects, relations.reset_index(drop=True)


#: pm4py's reader of each object-centric format (``o2c.io._ocel`` names them).
_OCEL_READERS = {
    "ocel2_json": "read_ocel2_json",
    "ocel2_xml": "read_ocel2_xml",
    "ocel2_sqlite": "read_ocel2_sqlite",
    "ocel1_json": "read_ocel_json",
    "ocel1_xml": "read_ocel_xml",
    "ocel1_csv": "read_ocel_csv",
}


def read_ocel_tables(path: str, kind: str) -> dict[str, pd.DataFrame]:
    """An object-centric log read by pm4py's reader of ``kind`` (a key of ``_OCEL_READERS``).

    Returns pandas frames with our column names: ``events`` (``event_id``, ``activity``,
    ``timestamp``, attributes), ``objects`` (``object_id``, ``object_type``, attributes),
    ``relations`` (``event_id``, ``object_id``, ``qualifier``), ``object_relations``
    (``object_id``, ``related_id``, ``qualifier``), ``object_changes`` (``object_id``,
    ``attribute``, ``timestamp``, ``value`` as text). pm4py's errors pass through.
    """
    module = pm4py()
    with quiet():
        ocel = getattr(module, _OCEL_READERS[kind])(path)
    back = {v: k for k, v in _OCEL_COLUMNS.items()}
    events = ocel.events.rename(columns=back).reset_index(drop=True)
    objects = ocel.objects.rename(columns=back).reset_index(drop=True)
    relations = ocel.relations.rename(columns=back)
    relations = relations[[c for c in ("event_id", "object_id", "qualifier") if c in relations.columns]]
    o2o = ocel.o2o.rename(
        columns={"ocel:oid": "object_id", "ocel:oid_2": "related_id", "ocel:qualifier": "qualifier"}
    )
    changes = ocel.object_changes
    fields = [c for c in changes.columns if not c.startswith("ocel:")]
    rows = []
    if len(changes) and "ocel:field" in changes.columns:
        for field_name in changes["ocel:field"].dropna().unique():
            chosen = changes[changes["ocel:field"] == field_name]
            if field_name not in fields:
                continue
            rows.append(
                pd.DataFrame(
                    {
                        "object_id": chosen["ocel:oid"].astype(str),
                        "attribute": str(field_name),
                        "timestamp": chosen["ocel:timestamp"],
                        "value": chosen[field_name].astype(str),
                    }
                )
            )
    object_changes = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame({"object_id": [], "attribute": [], "timestamp": pd.to_datetime([]), "value": []})
    )
    return {
        "events": events,
        "objects": objects,
        "relations": relations.reset_index(drop=True),
        "object_relations": o2o[["object_id", "related_id", "qualifier"]].reset_index(drop=True),
        "object_changes": object_changes,
    }
