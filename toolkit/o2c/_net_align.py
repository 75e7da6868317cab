"""Exact alignments of traces to a bounded Petri net: shortest paths over its reachability graph.

An optimal alignment (pm4py's, with its standard costs: log and visible model moves 10000,
silent moves 1, synchronous moves 0) is a cheapest path in the synchronous product of the trace
and the net, whose states are (events consumed, marking of the net). When the net has few
reachable markings, that product is small: its states are the reachability graph's markings,
once per position in the trace. Model moves follow the graph's edges within a position, a log
move goes to the next position with the marking unchanged, a synchronous move to the next
position along an edge labelled with the event's activity. Dijkstra's algorithm (scipy's, in C)
finds the cheapest path, so the cost is the optimum pm4py's A* finds, for every trace.

The distances at position ``i`` depend only on the trace's first ``i`` events, so traces that
share a prefix share those positions: the traces of one call are laid on a prefix tree, one copy
of the graph per tree node, and one search from the empty prefix aligns them all.

Examples
--------
>>> import numpy as np
>>> # the sequence a, then b or a silent skip, then c: places p0..p3, transitions a, b, tau, c
>>> pre = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
>>> post = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
>>> graph = reachability_graph(pre, post, ("a", "b", None, "c"), np.array([1, 0, 0, 0]), np.array([0, 0, 0, 1]))
>>> graph.n_states, graph.empty_cost
(4, 20001)
>>> [(r["cost"], r["worst_cost"], r["skipped"], r["inserted"]) for r in align_traces(graph, [("a", "c"), ("a", "d")])]
[(1, 40001, (), ()), (20001, 40001, ('c',), ('d',))]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

#: pm4py's standard costs (``align_utils.STD_MODEL_LOG_MOVE_COST`` and ``STD_TAU_COST``).
LOG_MOVE_COST = 10_000
MODEL_MOVE_COST = 10_000
SILENT_MOVE_COST = 1

#: Markings the reachability graph may have before ``reachability_graph`` gives up (None).
MAX_STATES = 20_000

#: Product edges (tree nodes × the graph's edges) one search may hold: ~12 bytes each.
MAX_EDGES = 4_000_000


@dataclass(frozen=True, eq=False)
class ReachabilityGraph:
    """A bounded net's reachable markings (0 = initial) and its edges, ready for ``align_traces``.

    ``model_*``: one edge per pair of distinct markings, the cheapest transition between them
    (sorted by ``model_key`` = source × n_states + target). ``sync_*``: one edge per activity
    code and pair of markings a transition with that label joins (sorted by ``sync_key``);
    ``self_sync[code, marking]`` when such a transition leaves the marking unchanged.
    """

    n_states: int
    final: int  # -1 when the final marking is not reachable
    labels: np.ndarray  # object: each transition's label, None when silent
    activities: dict[str, int]  # visible label -> activity code
    model_src: np.ndarray
    model_dst: np.ndarray
    model_cost: np.ndarray
    model_transition: np.ndarray
    model_key: np.ndarray
    sync_src: np.ndarray
    sync_dst: np.ndarray
    sync_transition: np.ndarray
    sync_key: np.ndarray
    sync_start: np.ndarray  # per code, where its edges start (length n_codes + 1)
    self_sync: np.ndarray  # bool (n_codes, n_states)
    empty_cost: int  # the cheapest run of the net: pm4py's best worst cost (-1: none)


def reachability_graph(
    pre: np.ndarray,
    post: np.ndarray,
    labels: Sequence[str | None],
    initial: np.ndarray,
    final: np.ndarray,
    *,
    max_states: int | None = None,
) -> ReachabilityGraph | None:
    """The reachability graph of the net with ``pre``/``post`` arc weights (transitions × places).

    Returns None when the net has more than ``max_states`` (default ``MAX_STATES``) reachable
    markings, as an unbounded net has.
    Breadth first, one numpy step per transition and level; markings are numbered as found.
    """
    max_states = MAX_STATES if max_states is None else max_states
    pre, post = np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)
    change = post - pre
    start = np.asarray(initial, dtype=np.int64)
    index: dict[bytes, int] = {start.tobytes(): 0}
    frontier, frontier_ids = start[None, :], np.zeros(1, dtype=np.int64)
    sources, targets, transitions = [], [], []
    while len(frontier):
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for t in range(len(pre)):  # one step per transition: its enabled markings, fired
            enabled = np.flatnonzero((frontier >= pre[t]).all(axis=1))
            if enabled.size:
                found.append((frontier_ids[enabled], np.full(enabled.size, t), frontier[enabled] + change[t]))
        if not found:
            break
        src = np.concatenate([f[0] for f in found])
        trans = np.concatenate([f[1] for f in found])
        reached = np.concatenate([f[2] for f in found])
        unique, inverse = np.unique(reached, axis=0, return_inverse=True)
        ids = np.empty(len(unique), dtype=np.int64)
        fresh = []
        for k, row in enumerate(unique):  # one per distinct marking reached at this level
            key = row.tobytes()
            if key not in index:
                index[key] = len(index)
                fresh.append(k)
            ids[k] = index[key]
        if len(index) > max_states:
            return None
        sources.append(src)
        transitions.append(trans)
        targets.append(ids[inverse.ravel()])
        frontier, frontier_ids = unique[fresh], ids[fresh]
    n_states = len(index)
    final_id = index.get(np.asarray(final, dtype=np.int64).tobytes(), -1)
    src = np.concatenate(sources) if sources else np.empty(0, np.int64)
    dst = np.concatenate(targets) if targets else np.empty(0, np.int64)
    trans = np.concatenate(transitions) if transitions else np.empty(0, np.int64)
    return _graph(n_states, final_id, np.array(list(labels), dtype=object), src, dst, trans)


def _graph(
    n_states: int, final: int, labels: np.ndarray, src: np.ndarray, dst: np.ndarray, trans: np.ndarray
) -> ReachabilityGraph:
    """The graph's model and synchronous edges from its (source, target, transition) triples."""
    silent = np.array([label is None for label in labels], dtype=bool)
    cost = np.where(silent[trans], SILENT_MOVE_COST, MODEL_MOVE_COST).astype(np.int64)
    # model moves: the cheapest transition per pair of distinct markings (a loop never helps)
    moving = src != dst
    key = src[moving] * n_states + dst[moving]
    order = np.lexsort((cost[moving], key))
    key, first = key[order], np.ones(order.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    model, model_key = np.flatnonzero(moving)[order][first], key[first]

    names = sorted({str(label) for label in labels[~silent]})
    activities = {name: code for code, name in enumerate(names)}
    code_of = np.array([-1 if label is None else activities[str(label)] for label in labels], dtype=np.int64)
    visible = np.flatnonzero(~silent[trans])
    sync_key = (code_of[trans[visible]] * n_states + src[visible]) * n_states + dst[visible]
    order = np.argsort(sync_key, kind="stable")
    sync_key, first = sync_key[order], np.ones(order.size, dtype=bool)
    first[1:] = sync_key[1:] != sync_key[:-1]
    sync = visible[order][first]
    sync_code = code_of[trans[sync]]
    self_sync = np.zeros((len(names), n_states), dtype=bool)
    loops = src[sync] == dst[sync]
    self_sync[sync_code[loops], src[sync][loops]] = True
    graph = ReachabilityGraph(
        n_states=n_states,
        final=final,
        labels=labels,
        activities=activities,
        model_src=src[model],
        model_dst=dst[model],
        model_cost=cost[model],
        model_transition=trans[model],
        model_key=model_key,
        sync_src=src[sync],
        sync_dst=dst[sync],
        sync_transition=trans[sync],
        sync_key=sync_key[first],
        sync_start=np.searchsorted(sync_code, np.arange(len(names) + 1)),
        self_sync=self_sync,
        empty_cost=-1,
    )
    empty = _search(graph, [()])[0] if final >= 0 else None
    object.__setattr__(graph, "empty_cost", -1 if empty is None else empty["cost"])
    return graph


def layer_edges(graph: ReachabilityGraph) -> int:
    """Product edges per prefix-tree node at most: model and log moves, and the synchronous
    moves of the activity with the most."""
    most_sync = int(np.diff(graph.sync_start).max(initial=0))
    return len(graph.model_src) + graph.n_states + most_sync


def align_traces(graph: ReachabilityGraph, traces: Sequence[Sequence[str]]) -> list[dict[str, Any] | None]:
    """The optimal alignment of each trace, as ``o2c._pm4py.align_traces`` yields them.

    Per trace a dict with ``cost``, ``worst_cost`` (pm4py's ``bwc``: every event a log move
    plus the cheapest run of the net), ``fitness`` (pm4py's), ``skipped`` (visible model
    moves), ``inserted`` (log moves) and ``moves`` ((log label, model label) pairs, ``">>"``
    where a side does not move, model label None for a silent move); None when the net cannot
    reach its final marking. The traces are searched in name order (neighbours share
    prefixes), in batches whose prefix tree has at most ``MAX_EDGES`` product edges.
    """
    results: list[dict[str, Any] | None] = [None] * len(traces)
    if not traces:
        return results
    order = sorted(range(len(traces)), key=lambda k: tuple(traces[k]))  # name order: shared prefixes adjacent
    lengths = np.array([len(traces[k]) for k in order], dtype=np.int64)
    width = int(lengths.max(initial=0))
    padded = np.zeros((len(order), width + 1), dtype=np.int64)  # activity codes + 1; 0 after the end
    vocabulary = {name: code for code, name in enumerate(sorted({a for t in traces for a in t}))}
    flat = np.array([vocabulary[a] + 1 for k in order for a in traces[k]], dtype=np.int64)
    padded[np.repeat(np.arange(len(order)), lengths), _positions(lengths)] = flat
    same = np.cumprod(padded[1:] == padded[:-1], axis=1).sum(axis=1)  # common prefix with the one before
    new_nodes = lengths - np.concatenate(([0], np.minimum(same, lengths[1:])))
    budget = max(MAX_EDGES // layer_edges(graph), 1)
    start, nodes = 0, 1
    for k in range(len(order)):  # one step per trace: cut a batch when its tree would be too big
        if k > start and nodes + new_nodes[k] > budget:
            _fill(results, order[start:k], _search(graph, [traces[j] for j in order[start:k]]))
            start, nodes = k, 1 + lengths[k]
        else:
            nodes += new_nodes[k]
    _fill(results, order[start:], _search(graph, [traces[j] for j in order[start:]]))
    return results


def _positions(lengths: np.ndarray) -> np.ndarray:
    """0, 1, ..., length - 1 for each length, concatenated."""
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) - np.repeat(starts, lengths)


def _fill(
    results: list[dict[str, Any] | None], where: Sequence[int], found: list[dict[str, Any] | None]
) -> None:
    for k, result in zip(where, found, strict=True):
        results[k] = result


def _search(graph: ReachabilityGraph, traces: Sequence[Sequence[str]]) -> list[dict[str, Any] | None]:
    """One Dijkstra search over the product of the traces' prefix tree with the graph."""
    if graph.final < 0:
        return [None] * len(traces)
    n_states = graph.n_states
    lengths = np.array([len(trace) for trace in traces], dtype=np.int64)
    codes = np.array(
        [graph.activities.get(str(a), -1) for trace in traces for a in trace], dtype=np.int64
    )  # -1: an activity the net does not have (always a log move)
    parent, code, depth, leaf = _prefix_tree(codes, lengths)
    n_nodes = len(parent)
    base = np.arange(n_nodes, dtype=np.int64) * n_states  # the first product state of each tree node

    # model moves inside every tree node's copy of the graph
    rows = [(base[:, None] + graph.model_src[None, :]).ravel()]
    cols = [(base[:, None] + graph.model_dst[None, :]).ravel()]
    weights = [np.broadcast_to(graph.model_cost, (n_nodes, len(graph.model_cost))).ravel()]
    # log moves from the parent's copy to the child's, marking unchanged (unless a synchronous
    # move leaves the marking unchanged too: it is the cheaper edge between the two states)
    child = np.arange(1, n_nodes)
    states = np.arange(n_states)
    log_ok = np.ones((len(child), n_states), dtype=bool)
    known = code[child] >= 0
    log_ok[known] = ~graph.self_sync[code[child][known]]
    log_child, log_state = np.nonzero(log_ok)
    log_child = child[log_child]
    rows.append(base[parent[log_child]] + states[log_state])
    cols.append(base[log_child] + states[log_state])
    weights.append(np.full(len(log_child), LOG_MOVE_COST, dtype=np.int64))
    # synchronous moves along the edges labelled with the child's activity
    sync_child = child[known]
    starts, ends = graph.sync_start[code[sync_child]], graph.sync_start[code[sync_child] + 1]
    counts = ends - starts
    sync_node = np.repeat(sync_child, counts)
    edge = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
    rows.append(base[parent[sync_node]] + graph.sync_src[edge])
    cols.append(base[sync_node] + graph.sync_dst[edge])
    weights.append(np.zeros(len(sync_node), dtype=np.int64))

    size = n_nodes * n_states
    product = csr_array(
        (np.concatenate(weights).astype(np.float64), (np.concatenate(rows), np.concatenate(cols))),
        shape=(size, size),
    )  # no pair of states has two edges, so nothing is summed
    distance, predecessor = dijkstra(product, directed=True, indices=0, return_predecessors=True)
    target = base[leaf] + graph.final
    cost = distance[target]
    return _moves(graph, traces, code, depth, target, cost, predecessor)


def _prefix_tree(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """The traces' prefix tree: each node's parent, last activity code and depth (node 0: the
    empty prefix), and each trace's node. One numpy step per position."""
    n = len(lengths)
    starts = np.cumsum(lengths) - lengths
    node = np.zeros(n, dtype=np.int64)
    parents, node_codes, depths = [np.zeros(1, np.int64)], [np.full(1, -2, np.int64)], [np.zeros(1, np.int64)]
    n_nodes = 1
    width = int(codes.max(initial=0)) + 2
    for position in range(int(lengths.max(initial=0))):
        going = np.flatnonzero(lengths > position)
        step = codes[starts[going] + position]
        pair = node[going] * width + (step + 1)
        unique, inverse = np.unique(pair, return_inverse=True)
        parents.append(unique // width)
        node_codes.append(unique % width - 1)
        depths.append(np.full(len(unique), position + 1, dtype=np.int64))
        node[going] = n_nodes + inverse.ravel()
        n_nodes += len(unique)
    return np.concatenate(parents), np.concatenate(node_codes), np.concatenate(depths), node


#: How ``_moves`` codes a move's kind.
_SYNC, _LOG, _MODEL = 0, 1, 2


def _moves(
    graph: ReachabilityGraph,
    traces: Sequence[Sequence[str]],
    code: np.ndarray,
    depth: np.ndarray,
    target: np.ndarray,
    cost: np.ndarray,
    predecessor: np.ndarray,
) -> list[dict[str, Any] | None]:
    """Walk each trace's cheapest path back from its final state, all traces at once, and
    name its moves: within a tree node a model move, from parent to child a synchronous move
    (when a transition labelled with the child's activity joins the two markings) or a log move."""
    n_states = graph.n_states
    walked: list[tuple[np.ndarray, ...]] = []  # (trace, step back, kind, transition, event)
    current = target.copy()
    active = np.flatnonzero(np.isfinite(cost) & (target != 0))
    step = 0
    while active.size:
        here = current[active]
        before = predecessor[here]
        node_here, state_here = np.divmod(here, n_states)
        node_before, state_before = np.divmod(before, n_states)
        kind = np.full(len(here), _LOG, dtype=np.int64)
        transition = np.full(len(here), -1, dtype=np.int64)
        model = node_here == node_before
        kind[model] = _MODEL
        transition[model] = graph.model_transition[
            np.searchsorted(graph.model_key, state_before[model] * n_states + state_here[model])
        ]
        moved = np.flatnonzero(~model & (code[node_here] >= 0))
        if moved.size and len(graph.sync_key):
            key = (code[node_here[moved]] * n_states + state_before[moved]) * n_states + state_here[moved]
            at = np.minimum(np.searchsorted(graph.sync_key, key), len(graph.sync_key) - 1)
            hit = graph.sync_key[at] == key
            kind[moved[hit]] = _SYNC
            transition[moved[hit]] = graph.sync_transition[at[hit]]
        event = np.where(model, -1, depth[node_here] - 1)  # the event a log or synchronous move consumes
        walked.append((active, np.full(len(active), step), kind, transition, event))
        current[active] = before
        active = active[before != 0]
        step += 1
    return _results(graph, traces, cost, walked)


def _results(
    graph: ReachabilityGraph,
    traces: Sequence[Sequence[str]],
    cost: np.ndarray,
    walked: list[tuple[np.ndarray, ...]],
) -> list[dict[str, Any] | None]:
    """Each trace's dict, its moves in alignment order (the walk went backwards)."""
    if walked:
        trace, step, kind, transition, event = (np.concatenate([w[k] for w in walked]) for k in range(5))
        order = np.lexsort((-step, trace))
        trace, kind, transition, event = trace[order], kind[order], transition[order], event[order]
    else:
        trace = kind = transition = event = np.empty(0, dtype=np.int64)
    bounds = np.searchsorted(trace, np.arange(len(traces) + 1))
    labels = graph.labels
    results: list[dict[str, Any] | None] = []
    for number, events in enumerate(traces):  # one per trace: its moves named as pm4py names them
        if not np.isfinite(cost[number]):
            results.append(None)
            continue
        span = slice(bounds[number], bounds[number + 1])
        moves = tuple(
            (events[e], labels[t]) if k == _SYNC else (events[e], ">>") if k == _LOG else (">>", labels[t])
            for k, t, e in zip(
                kind[span].tolist(), transition[span].tolist(), event[span].tolist(), strict=True
            )
        )
        total = int(cost[number])
        worst = len(events) * LOG_MOVE_COST + graph.empty_cost
        numerator, denominator = total // LOG_MOVE_COST, worst // LOG_MOVE_COST
        results.append(
            {
                "cost": total,
                "worst_cost": worst,
                "fitness": 1 - numerator / denominator if denominator > 0 else 0,
                "skipped": tuple(m for lg, m in moves if lg == ">>" and m is not None),
                "inserted": tuple(lg for lg, m in moves if m == ">>"),
                "moves": moves,
            }
        )
    return results
