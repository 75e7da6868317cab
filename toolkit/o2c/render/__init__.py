"""Drawings of the analyses: process maps (Graphviz), and result tables that read themselves.

A renderer never reads a file and computes nothing from the raw log itself: given a log, it calls
the analysis functions (``o2c.discovery``, ``o2c.performance``) and draws their results.
``o2c.render.tables`` holds the one set of rules for numbers a person reads (durations, money,
shares, counts), used by ``styled``, the report's tables and the map labels.
"""

from o2c._format import format_amount, format_count, format_duration
from o2c.render.maps import (
    MEASURES,
    ProcessMap,
    render_map,
    render_maps,
)
from o2c.render.tables import styled

__all__ = [
    "MEASURES",
    "ProcessMap",
    "format_amount",
    "format_count",
    "format_duration",
    "render_map",
    "render_maps",
    "styled",
]
