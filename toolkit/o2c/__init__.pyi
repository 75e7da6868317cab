"""The public names of ``o2c``, for type checkers; ``__init__.py`` imports each on first use."""

from ._actions import actions
from ._approvals import Approvals, approvals
from ._assess import Assessment, assess
from ._calendar import WorkingCalendar, read_calendar
from ._compare import Comparison, compare
from ._engines._duckdb import ScannedLog, scan_log
from ._explore import Explorer, explore
from ._flatten import flatten, object_directly_follows, object_facts
from ._kpis import kpis, late_payment_drivers, milestones, stuck_orders
from ._object_waits import deduplicated_waiting_times
from ._objects import ObjectCentricLog
from ._rekeyed import RekeyedValues, rekeyed_values
from ._rework import first_time_right, ping_pongs, rekeyed_data, rework, rework_cost, self_loops
from ._risk import Backtest, PaymentRisk, payment_risk
from ._simulate import ObjectCentricSimulation, Simulation, example_log, simulate, simulate_ocel
from ._time_only import time_only_steps
from .conformance import (
    ConformanceSummary,
    IdealPath,
    ProcessModel,
    align,
    closed_cases,
    conformance_summary,
    cost_of_divergence,
    discover_ideal_path,
    flow_efficiency,
    lead_time_split,
)
from .discovery import (
    activity_instances,
    case_variants,
    directly_follows,
    end_activities,
    start_activities,
    variants,
)
from .errors import (
    ArgumentError,
    ColumnMappingError,
    IdealPathError,
    InputFileError,
    RejectedRowError,
    RejectedRowsWarning,
    TimestampFormatError,
    ToolkitError,
)
from .filtering import filter_log
from .io import ColumnMapping, LoadedLog, SourceInfo, read_ideal_path, read_log, read_ocel, read_process_model
from .io._sap import read_sap_document_flow
from .log import Reason, validate
from .ocel import write_ocel
from .performance import (
    activity_durations,
    bottlenecks,
    drivers,
    lead_times,
    processing_and_waiting,
    waiting_times,
)
from .plausibility import plausibility_warnings
from .quality import data_quality, log_summary
from .render import render_map
from .render.object_map import render_object_map
from .render.plots import (
    plot_approval_chains,
    plot_bottlenecks,
    plot_case_timeline,
    plot_drivers,
    plot_lead_times,
    plot_variants,
)
from .render.tables import styled
from .report import (
    Headlines,
    compare_findings,
    draw_maps,
    findings,
    findings_schema,
    headlines,
    write_report,
)
from .timeline import case_timeline

__version__: str

__all__ = [
    "Approvals",
    "ArgumentError",
    "Assessment",
    "Backtest",
    "ColumnMapping",
    "ColumnMappingError",
    "Comparison",
    "ConformanceSummary",
    "Explorer",
    "Headlines",
    "IdealPath",
    "IdealPathError",
    "InputFileError",
    "LoadedLog",
    "ObjectCentricLog",
    "ObjectCentricSimulation",
    "PaymentRisk",
    "ProcessModel",
    "Reason",
    "RejectedRowError",
    "RejectedRowsWarning",
    "RekeyedValues",
    "ScannedLog",
    "Simulation",
    "SourceInfo",
    "TimestampFormatError",
    "ToolkitError",
    "WorkingCalendar",
    "__version__",
    "actions",
    "activity_durations",
    "activity_instances",
    "align",
    "approvals",
    "assess",
    "bottlenecks",
    "case_timeline",
    "case_variants",
    "closed_cases",
    "compare",
    "compare_findings",
    "conformance_summary",
    "cost_of_divergence",
    "data_quality",
    "deduplicated_waiting_times",
    "directly_follows",
    "discover_ideal_path",
    "draw_maps",
    "drivers",
    "end_activities",
    "example_log",
    "explore",
    "filter_log",
    "findings",
    "findings_schema",
    "first_time_right",
    "flatten",
    "flow_efficiency",
    "headlines",
    "kpis",
    "late_payment_drivers",
    "lead_time_split",
    "lead_times",
    "log_summary",
    "milestones",
    "object_directly_follows",
    "object_facts",
    "payment_risk",
    "ping_pongs",
    "plausibility_warnings",
    "plot_approval_chains",
    "plot_bottlenecks",
    "plot_case_timeline",
    "plot_drivers",
    "plot_lead_times",
    "plot_variants",
    "processing_and_waiting",
    "read_calendar",
    "read_ideal_path",
    "read_log",
    "read_ocel",
    "read_process_model",
    "read_sap_document_flow",
    "rekeyed_data",
    "rekeyed_values",
    "render_map",
    "render_object_map",
    "rework",
    "rework_cost",
    "scan_log",
    "self_loops",
    "simulate",
    "simulate_ocel",
    "start_activities",
    "stuck_orders",
    "styled",
    "time_only_steps",
    "validate",
    "variants",
    "waiting_times",
    "write_ocel",
    "write_report",
]
