"""Conformance of the event log to an ideal path: alignments, fitness, the cost of divergence."""

from o2c.conformance.alignments import ConformanceSummary, align, conformance_summary
from o2c.conformance.cost import closed_cases, cost_of_divergence, flow_efficiency, lead_time_split
from o2c.conformance.discover import discover_ideal_path
from o2c.model import IdealPath, ProcessModel

__all__ = [
    "ConformanceSummary",
    "IdealPath",
    "ProcessModel",
    "align",
    "closed_cases",
    "conformance_summary",
    "cost_of_divergence",
    "discover_ideal_path",
    "flow_efficiency",
    "lead_time_split",
]
