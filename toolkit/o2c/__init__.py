"""o2c: order-to-cash process mining.

Read an export into an event log, draw process maps, find bottlenecks and rework loops, and
price how far orders diverge from the ideal path.

>>> import o2c
>>> log = o2c.example_log()
>>> log["case_id"].n_unique()
3
"""

from o2c.assess import Assessment, assess
from o2c.conformance import (
    ConformanceSummary,
    IdealPath,
    ProcessModel,
    align,
    conformance_summary,
    cost_of_divergence,
    discover_ideal_path,
    flow_efficiency,
    lead_time_split,
)
from o2c.discovery import (
    activity_instances,
    case_variants,
    directly_follows,
    end_activities,
    start_activities,
    variants,
)
from o2c.engines import ScannedLog, scan_log
from o2c.errors import (
    ArgumentError,
    ColumnMappingError,
    IdealPathError,
    InputFileError,
    RejectedRowError,
    RejectedRowsWarning,
    TimestampFormatError,
    ToolkitError,
)
from o2c.filtering import filter_log
from o2c.io import ColumnMapping, LoadedLog, SourceInfo, read_ideal_path, read_log, read_process_model
from o2c.io._sap import read_sap_document_flow
from o2c.kpis import kpis, late_payment_drivers, milestones, stuck_orders
from o2c.log import Reason, validate
from o2c.ocel import write_ocel
from o2c.performance import (
    activity_durations,
    bottlenecks,
    drivers,
    lead_times,
    processing_and_waiting,
    waiting_times,
)
from o2c.plausibility import plausibility_warnings
from o2c.quality import data_quality, log_summary
from o2c.render import render_map, styled
from o2c.render.plots import plot_bottlenecks, plot_drivers, plot_lead_times, plot_variants
from o2c.report import (
    Headlines,
    compare_findings,
    draw_maps,
    findings,
    findings_schema,
    headlines,
    write_report,
)
from o2c.rework import first_time_right, ping_pongs, rekeyed_data, rework, rework_cost, self_loops
from o2c.simulate import Simulation, example_log, simulate

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "Assessment",
    "ColumnMapping",
    "ColumnMappingError",
    "ConformanceSummary",
    "Headlines",
    "IdealPath",
    "IdealPathError",
    "InputFileError",
    "LoadedLog",
    "ProcessModel",
    "Reason",
    "RejectedRowError",
    "RejectedRowsWarning",
    "ScannedLog",
    "Simulation",
    "SourceInfo",
    "TimestampFormatError",
    "ToolkitError",
    "__version__",
    "activity_durations",
    "activity_instances",
    "align",
    "assess",
    "bottlenecks",
    "case_variants",
    "compare_findings",
    "conformance_summary",
    "cost_of_divergence",
    "data_quality",
    "directly_follows",
    "discover_ideal_path",
    "draw_maps",
    "drivers",
    "end_activities",
    "example_log",
    "filter_log",
    "findings",
    "findings_schema",
    "first_time_right",
    "flow_efficiency",
    "headlines",
    "kpis",
    "late_payment_drivers",
    "lead_time_split",
    "lead_times",
    "log_summary",
    "milestones",
    "ping_pongs",
    "plausibility_warnings",
    "plot_bottlenecks",
    "plot_drivers",
    "plot_lead_times",
    "plot_variants",
    "processing_and_waiting",
    "read_ideal_path",
    "read_log",
    "read_process_model",
    "read_sap_document_flow",
    "rekeyed_data",
    "render_map",
    "rework",
    "rework_cost",
    "scan_log",
    "self_loops",
    "simulate",
    "start_activities",
    "stuck_orders",
    "styled",
    "validate",
    "variants",
    "waiting_times",
    "write_ocel",
    "write_report",
]
