"""Alignments to a Petri net on its reachability graph cost exactly what pm4py's A* says they cost.

Process trees are drawn (sequence, choice, parallel and loop over a few activities and silent
steps), pm4py converts each to a Petri net, and traces are drawn over the same activities and
one the model lacks. Each trace's cost, worst cost and fitness from ``o2c._net_align`` (through
``o2c._pm4py.align_traces``) must equal pm4py's A* (state equation) on the same net, and its
moves must be an alignment of that trace with that cost.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c import _pm4py

pm4py = _pm4py.pm4py()
from pm4py.objects.process_tree.obj import Operator, ProcessTree  # noqa: E402

Tree = Any  # a label (str), None (a silent step) or (operator, [children])

OPERATORS = {
    "seq": Operator.SEQUENCE,
    "xor": Operator.XOR,
    "and": Operator.PARALLEL,
    "loop": Operator.LOOP,
}

trees = st.recursive(
    st.sampled_from(["a", "b", "c", "d", "e", None]),
    lambda children: st.one_of(
        st.tuples(st.sampled_from(["seq", "xor", "and"]), st.lists(children, min_size=2, max_size=3)),
        st.tuples(st.just("loop"), st.lists(children, min_size=2, max_size=2)),
    ),
    max_leaves=7,
)


def _process_tree(tree: Tree, parent: ProcessTree | None = None) -> ProcessTree:
    if not isinstance(tree, tuple):
        return ProcessTree(label=tree, parent=parent)
    node = ProcessTree(operator=OPERATORS[tree[0]], parent=parent)
    node.children.extend(_process_tree(child, node) for child in tree[1])
    return node


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=trees,
    traces=st.lists(st.lists(st.sampled_from("abcdef"), max_size=7), min_size=1, max_size=6),
)
def test_costs_equal_pm4py_a_star(tree: Tree, traces: list[list[str]]) -> None:
    with _pm4py.quiet():
        net, initial, final = pm4py.convert_to_petri_net(_process_tree(tree))
    assert _pm4py._reachability_graph(net, initial, final) is not None  # aligned on the graph
    ours = list(_pm4py.align_traces(traces, net, initial, final, timeout=60))
    for trace, result in zip(traces, ours, strict=True):
        expected = _pm4py._align_with_pm4py(tuple(trace), net, initial, final, 60)
        assert expected is not None and result is not None
        assert (result["cost"], result["worst_cost"], result["fitness"]) == (
            expected["cost"],
            expected["worst_cost"],
            expected["fitness"],
        ), trace
        moves = result["moves"]
        assert [log for log, _ in moves if log != ">>"] == trace  # every event once, in order
        assert all(log == model for log, model in moves if ">>" not in (log, model) and model is not None)
        priced = sum(
            10_000 if ">>" in (log, model) and model is not None else 1 if model is None else 0
            for log, model in moves
        )
        assert priced == result["cost"]
