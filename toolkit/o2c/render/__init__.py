"""Drawings of the analyses: process maps (Graphviz).

A renderer never reads a file and computes nothing from the raw log itself: given a log, it calls
the analysis functions (``o2c.discovery``, ``o2c.performance``) and draws their results.
"""

from o2c.render.maps import (
    MEASURES,
    ProcessMap,
    format_amount,
    format_count,
    format_duration,
    render_map,
    render_maps,
)

__all__ = [
    "MEASURES",
    "ProcessMap",
    "format_amount",
    "format_count",
    "format_duration",
    "render_map",
    "render_maps",
]
