"""o2c: order-to-cash process mining.

Read an export into an event log, draw process maps, find bottlenecks and rework loops, and
price how far orders diverge from the ideal path.

>>> import o2c
>>> log = o2c.example_log()
>>> log["case_id"].n_unique()
3
"""

from o2c.conformance.ideal_path import IdealPath
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
from o2c.io import ColumnMapping, LoadedLog, SourceInfo, read_ideal_path, read_log
from o2c.log import Reason, validate
from o2c.quality import data_quality, log_summary
from o2c.rework import first_time_right, ping_pongs, rekeyed_data, rework, rework_cost, self_loops
from o2c.simulate import Simulation, example_log, simulate

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "ColumnMapping",
    "ColumnMappingError",
    "IdealPath",
    "IdealPathError",
    "InputFileError",
    "LoadedLog",
    "Reason",
    "RejectedRowError",
    "RejectedRowsWarning",
    "Simulation",
    "SourceInfo",
    "TimestampFormatError",
    "ToolkitError",
    "__version__",
    "data_quality",
    "example_log",
    "first_time_right",
    "log_summary",
    "ping_pongs",
    "read_ideal_path",
    "read_log",
    "rekeyed_data",
    "rework",
    "rework_cost",
    "self_loops",
    "simulate",
    "validate",
]
