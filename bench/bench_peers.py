"""o2c beside pm4py and the fastest peers, pl4pm and r4pm, where they compute the same thing.

Run: ``.venv/bin/python bench/bench_peers.py [--runs 5] [--events 1000000] [--steps ...]
[--results bench/RESULTS.md]``. The peers live in their own venv, ``bench/.venv-peers`` (made by
``bench/peers.sh`` from the pinned ``bench/peers.txt`` when missing): the product does not depend
on them. o2c and pm4py run in this interpreter's venv (pm4py as o2c's tests know it).

What each peer computes, and what is timed (nothing else is: a peer's function that computes
something else is left out):

=========== ============================ ============================= ================================ =============================
figure      o2c                          pm4py 2.7                     pl4pm 0.2.2                      r4pm 0.6.2
=========== ============================ ============================= ================================ =============================
dfg         ``directly_follows``         ``discover_dfg``              ``discover_dfg`` (Python loop    ``bindings.discover_dfg`` (Rust,
                                                                       over its variants)               on its registry ``EventLog``)
waits       ``waiting_times``            ``discover_performance_dfg``  ``discover_performance_dfg(...,  (none: no case-centric
            (median, p90, mean, total)   (mean, median, min, max,      perf_aggregation_key="all")``   performance DFG)
                                         sum, stdev)                   (the same six)
variants    ``variants``                 ``get_variants``              ``get_variants``                 ``log_to_activity_projection``
                                                                                                        + ``get_variants``
read CSV    ``read_log``                 ``pandas.read_csv`` +         ``read_csv`` (polars, parses     (none: no CSV reader)
                                         ``format_dataframe``          and sorts)
read XES    ``read_log`` (rustxes)       ``read_xes`` (default: the    ``read_xes`` (lxml iterparse;    ``df.import_xes`` (Rust, a
                                         rustxes backend when          no ``.xes.gz``: timed on the     polars frame); also
                                         installed, as here)           file decompressed beforehand)    ``import_item("EventLog")``
=========== ============================ ============================= ================================ =============================

The map figures run on the simulator's ~1M-event log and on the many-variants log of the same
events (``bench_maps.many_variants``: about 48k variants, orders ``SO-<n>``, rows shuffled),
cached under ``bench/.cache/``; reading runs on the simulator's CSV of ~1M rows
(``bench_read._logs``) and the real XES logs in ``shared/real_logs``. Loading a log into each
tool's own form is not counted (o2c: the validated, sorted polars log; pm4py:
``pandas.read_parquet`` + ``format_dataframe``; pl4pm: its ``format_dataframe`` of the Parquet
scan; r4pm: ``import_item_from_df`` of the events sorted by case and time, as it keeps the
given order). Every figure runs in a fresh interpreter: it loads, calls the function once on the
log's first 10,000 events (imports and first-call set-up, not counted), then once on the whole
log (timed; pl4pm caches results by the log object's id, so a second call would time a lookup).
Each figure is run ``--runs`` times (default 5), the tools taking turns, and the median counts:
the machine may be shared. A tool whose run fails or takes longer than ``--timeout`` (default
300 s) is not run again for that figure, which reads "failed" or "> 300 s". Peak memory is the
child's ``VmHWM`` (includes the loaded log). pl4pm's ``read_csv`` gets ``try_parse_dates=True``
(passed to polars' ``scan_csv``): without it, its own ``str.to_datetime`` of the lazy frame refuses
the CSV's ``+0000`` offsets.

Before a ratio is printed, each tool's result is compared with o2c's: edge counts; median and mean
waits per edge (to the millisecond); variant counts; for reading, events, cases, events per
activity and the sum of timestamps in epoch milliseconds (UTC). Where they disagree the ratio
reads "differs". Ratios are pm4py's seconds over the tool's (how many times faster than pm4py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
PEERS_VENV = HERE / ".venv-peers"
PEERS_PYTHON = PEERS_VENV / "bin" / "python"
REAL_LOGS = ROOT.parent / "shared" / "real_logs"
XES = ("bpic2012.xes.gz", "16_bpic2019_1t_per_variant.xes.gz")
WARM_XES = REAL_LOGS / "running-example.xes"
TOOLS = ("o2c", "pm4py", "pl4pm", "r4pm")
#: The r4pm reader into its Rust registry (no frame returned), printed under the table.
R4PM_REGISTRY = "r4pm-registry"
WARM_EVENTS = 10_000

sys.path.insert(0, str(HERE))

# Every child prints one JSON line: seconds, peak_mb and the check value.
_PRELUDE = """
import json, re, time, warnings
warnings.simplefilter("ignore")
"""
_EPILOGUE = """
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({"seconds": seconds, "peak_mb": hwm / 1024, "check": check}, default=str))
"""

#: How each pm4py snippet begins: pandas, and pm4py as o2c reaches it.
_PM4PY = """
import pandas as pd
from o2c import _pm4py
pm4py = _pm4py.pm4py()
"""

# -- loading (not counted) --------------------------------------------------------------------
_LOAD = {
    "o2c": """
import polars as pl
import o2c
from o2c.log import validate
log = validate(pl.read_parquet(PATH, columns=["case_id", "activity", "timestamp", "source_row"]))
small = log.head(WARM)
""",
    "pm4py": _PM4PY
    + """
frame = pd.read_parquet(PATH, columns=["case_id", "activity", "timestamp"])
frame["activity"] = frame["activity"].astype(str)
with _pm4py.quiet():
    frame = pm4py.format_dataframe(frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
log, small = frame, frame.head(WARM).copy()
""",
    "pl4pm": """
import polars as pl
import pl4pm
scan = pl.scan_parquet(PATH).select("case_id", pl.col("activity").cast(pl.String), "timestamp")
log = pl4pm.format_dataframe(scan, case_id_column="case_id", activity_column="activity", timestamp_column="timestamp")
small = log.head(WARM)
""",
    "r4pm": """
import polars as pl
import r4pm
from r4pm import bindings
events = (
    pl.read_parquet(PATH, columns=["case_id", "activity", "timestamp", "source_row"])
    .sort("case_id", "timestamp", "source_row")
    .select(pl.col("case_id").alias("case:concept:name"), pl.col("activity").cast(pl.String).alias("concept:name"),
            pl.col("timestamp").alias("time:timestamp"))
)
log = r4pm.import_item_from_df("EventLog", events)
small = r4pm.import_item_from_df("EventLog", events.head(WARM))
del events
""",
}

# -- the map figures: ``run(x)`` computes on x; the child warms up on ``small``, times ``log`` ----
_MAPS: dict[str, dict[str, str]] = {
    "dfg": {
        "o2c": """
run = lambda x: o2c.directly_follows(x)
def checked(edges):
    return sorted([s, t, int(n)] for s, t, n in zip(edges["source"], edges["target"], edges["transitions"]))
""",
        "pm4py": """
def run(x):
    with _pm4py.quiet():
        return pm4py.discover_dfg(x)[0]
def checked(dfg):
    return sorted([s, t, int(n)] for (s, t), n in dfg.items())
""",
        "pl4pm": """
run = lambda x: pl4pm.discover_dfg(x)[0]
def checked(dfg):
    return sorted([s, t, int(n)] for (s, t), n in dfg.items())
""",
        "r4pm": """
run = lambda x: bindings.discover_dfg(x)
def checked(dfg):
    return sorted([s, t, int(n)] for (s, t), n in dfg["directly_follows_relations"])
""",
    },
    "waits": {
        "o2c": """
run = lambda x: o2c.waiting_times(x)
def checked(w):
    return sorted([s, t, m.total_seconds(), a.total_seconds()]
                  for s, t, m, a in zip(w["source"], w["target"], w["wait_median"], w["wait_mean"]))
""",
        "pm4py": """
def run(x):
    with _pm4py.quiet():
        return pm4py.discover_performance_dfg(x)[0]
def checked(dfg):
    return sorted([s, t, v["median"], v["mean"]] for (s, t), v in dfg.items())
""",
        "pl4pm": """
run = lambda x: pl4pm.discover_performance_dfg(x, perf_aggregation_key="all")[0]
def checked(dfg):
    return sorted([s, t, v["median"], v["mean"]] for (s, t), v in dfg.items())
""",
    },
    "variants": {
        "o2c": """
run = lambda x: o2c.variants(x)
def checked(table):
    return sorted([list(t), int(n)] for t, n in zip(table["trace"], table["cases"]))
""",
        "pm4py": """
def run(x):
    with _pm4py.quiet():
        return pm4py.get_variants(x)
def checked(found):
    return sorted([list(t), int(n)] for t, n in found.items())
""",
        "pl4pm": """
run = lambda x: pl4pm.get_variants(x)
def checked(found):
    return sorted([list(t), int(n)] for t, n in found.items())
""",
        "r4pm": """
run = lambda x: bindings.get_variants(bindings.log_to_activity_projection(x))
def checked(found):
    return sorted([list(v["activities"]), int(v["count"])] for v in found)
""",
    },
}
_TIME_MAP = """
run(small)
began = time.perf_counter()
result = run(log)
seconds = time.perf_counter() - began
check = checked(result)
"""

# -- reading: ``read(path)`` returns what the tool gives; ``described`` the counts to compare ------
_DESCRIBE_POLARS = """
def _described(frame, case, activity, timestamp):
    counts = frame.group_by(activity).len()
    return {
        "events": frame.height,
        "cases": frame[case].n_unique(),
        "activities": sorted([str(a), int(n)] for a, n in counts.iter_rows()),
        "timestamp_ms_sum": int(frame[timestamp].dt.epoch("ms").cast(pl.Int64).sum()),
    }
"""
#: o2c's reader and counts, the same for every format.
_READ_O2C = (
    """
import polars as pl
import o2c
read = lambda path: o2c.read_log(path)
"""
    + _DESCRIBE_POLARS
    + """
described = lambda loaded: _described(loaded.log, "case_id", "activity", "timestamp")
"""
)
#: The counts of a pm4py frame (its standard column names), whatever it was read from.
_DESCRIBE_PM4PY = """
def described(frame):
    stamps = pd.to_datetime(frame["time:timestamp"], utc=True)
    counts = frame["concept:name"].value_counts()
    return {
        "events": len(frame),
        "cases": int(frame["case:concept:name"].nunique()),
        "activities": sorted([str(a), int(n)] for a, n in counts.items()),
        "timestamp_ms_sum": int(((stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).sum()),
    }
"""
_READ: dict[str, dict[str, str]] = {
    "csv": {
        "o2c": _READ_O2C,
        "pm4py": _PM4PY
        + """
def read(path):
    with _pm4py.quiet():
        return pm4py.format_dataframe(pd.read_csv(path), case_id="case_id", activity_key="activity",
                                      timestamp_key="timestamp")
"""
        + _DESCRIBE_PM4PY,
        "pl4pm": """
import polars as pl
import pl4pm
# (without try_parse_dates, its own str.to_datetime of the lazy frame refuses the "+0000" offsets)
read = lambda path: pl4pm.read_csv(path, case_id_col="case_id", activity_col="activity", timestamp_col="timestamp",
                                   try_parse_dates=True)
"""
        + _DESCRIBE_POLARS
        + """
described = lambda frame: _described(frame, "case:concept:name", "concept:name", "time:timestamp")
""",
    },
    "xes": {
        "o2c": _READ_O2C,
        "pm4py": _PM4PY
        + """
def read(path):
    with _pm4py.quiet():
        return pm4py.read_xes(path)
"""
        + _DESCRIBE_PM4PY,
        "pl4pm": """
import polars as pl
import pl4pm
read = lambda path: pl4pm.read_xes(path)
"""
        + _DESCRIBE_POLARS
        + """
described = lambda frame: _described(frame, "case:concept:name", "concept:name", "time:timestamp")
""",
        "r4pm": """
import polars as pl
import r4pm
read = lambda path: r4pm.df.import_xes(path)[0]
"""
        + _DESCRIBE_POLARS
        + """
described = lambda frame: _described(frame, "case:concept:name", "concept:name", "time:timestamp")
""",
        R4PM_REGISTRY: """
import polars as pl
import r4pm
read = lambda path: r4pm.import_item("EventLog", path)
"""
        + _DESCRIBE_POLARS
        + """
described = lambda item: _described(r4pm.item_to_df(item), "case:concept:name", "concept:name", "time:timestamp")
""",
    },
}
_TIME_READ = """
warm = read(WARM)
began = time.perf_counter()
result = read(PATH)
seconds = time.perf_counter() - began
check = described(result)
"""


def _python(tool: str) -> str:
    return sys.executable if tool in ("o2c", "pm4py") else str(PEERS_PYTHON)


def ensure_peers() -> None:
    """Make ``bench/.venv-peers`` with ``bench/peers.sh`` unless it holds ``bench/peers.txt`` already."""
    subprocess.run(["bash", str(HERE / "peers.sh")], check=True)


def run_child(tool: str, code: str, *, timeout: float) -> dict[str, Any]:
    """Run ``code`` with ``tool``'s interpreter in a fresh process; its JSON line, or the error."""
    env = os.environ | {"POLARS_VERBOSE": "0"}
    if tool not in ("o2c", "pm4py"):
        env.pop("PYTHONPATH", None)  # the peers' venv knows nothing of o2c
    try:
        done = subprocess.run(
            [_python(tool), "-c", _PRELUDE + code + _EPILOGUE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return {"error": last[-160:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _header(**values: Any) -> str:
    return "".join(f"{name} = {value!r}\n" for name, value in values.items())


def map_code(tool: str, step: str, path: Path) -> str | None:
    """The child program timing ``step`` of ``tool`` on the Parquet log ``path``; None if it has none."""
    if tool not in _MAPS[step]:
        return None
    return _header(PATH=str(path), WARM=WARM_EVENTS) + _LOAD[tool] + _MAPS[step][tool] + _TIME_MAP


def read_code(tool: str, kind: str, path: Path, warm: Path) -> str | None:
    """The child program timing ``tool``'s reader of ``path`` (a ``kind`` file); None if it has none."""
    if tool not in _READ[kind]:
        return None
    return _header(PATH=str(path), WARM=str(warm)) + _READ[kind][tool] + _TIME_READ


def _close(a: Any, b: Any) -> bool:
    """Equal, with floats equal to the millisecond (waits in seconds)."""
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(a - b) <= 1e-3
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return bool(a == b)


def agrees(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Whether two children's results agree (see the module's docstring)."""
    return "error" not in ours and "error" not in theirs and _close(ours["check"], theirs["check"])


class Figure:
    """One figure (a step on one input) for every tool: the runs' seconds and memory, one check each."""

    def __init__(self, step: str, source: str, events: int | None = None, note: str = "") -> None:
        self.step, self.source, self.events, self.note = step, source, events, note
        self.runs: dict[str, list[dict[str, Any]]] = {}

    def add(self, tool: str, result: dict[str, Any]) -> None:
        self.runs.setdefault(tool, []).append(result)

    def failed(self, tool: str) -> str | None:
        """The first error of ``tool``'s runs, if any."""
        return next((r["error"] for r in self.runs.get(tool, []) if "error" in r), None)

    def seconds(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        if not runs or self.failed(tool):
            return None
        return float(statistics.median(r["seconds"] for r in runs))

    def peak_mb(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        if not runs or self.failed(tool):
            return None
        return float(statistics.median(r["peak_mb"] for r in runs))

    def same(self, tool: str) -> bool | None:
        """Whether ``tool`` found what o2c found in every run (for o2c: what pm4py found); None if unknown."""
        other = "pm4py" if tool == "o2c" else "o2c"
        if self.seconds(tool) is None or self.seconds(other) is None:
            return None
        return all(agrees(a, b) for a in self.runs[tool] for b in self.runs[other][:1])

    def ratio(self, tool: str) -> str:
        """pm4py's seconds over ``tool``'s, or "differs" when the results disagree, or "-"."""
        ours, pm4py = self.seconds(tool), self.seconds("pm4py")
        if ours is None or pm4py is None or tool == "pm4py":
            return "-"
        if self.same(tool) is False:
            return "differs"
        return f"{pm4py / ours:,.1f}x"

    def as_json(self) -> dict[str, Any]:
        """The figure's runs without their checks (a many-variants log's variants run to megabytes)."""
        runs = {
            tool: [{k: v for k, v in r.items() if k != "check"} for r in rs] for tool, rs in self.runs.items()
        }
        return {
            "step": self.step,
            "source": self.source,
            "events": self.events,
            "note": self.note,
            "runs": runs,
        }


def _cell(figure: Figure, tool: str) -> str:
    if tool not in figure.runs:
        return "-"
    if figure.failed(tool):
        error = figure.failed(tool) or ""
        return error if error.startswith(">") else "failed"
    seconds = figure.seconds(tool)
    assert seconds is not None
    return f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}"


COLUMNS = ("o2c s", "pm4py s", "pl4pm s", "r4pm s", "o2c", "pl4pm", "r4pm")


def table_rows(figures: list[Figure]) -> list[list[str]]:
    """One row per figure: its name, the four tools' seconds, and o2c's, pl4pm's, r4pm's ratio to pm4py."""
    rows = []
    for figure in figures:
        rows.append(
            [f"{figure.step} ({figure.source})", *(_cell(figure, t) for t in TOOLS)]
            + [figure.ratio(t) for t in ("o2c", "pl4pm", "r4pm")]
        )
    return rows


def print_row(row: list[str]) -> None:
    print(f"{row[0]:<40} " + " ".join(f"{cell:>9}" for cell in row[1:]), flush=True)


def three_maps(figures: list[Figure], source: str) -> Figure | None:
    """The sum of dfg, waits and variants on ``source`` per tool that computed all three alike."""
    parts = [f for f in figures if f.source == source and f.step in _MAPS]
    if len(parts) != len(_MAPS):
        return None
    total = Figure("dfg + waits + variants", source)
    for tool in TOOLS:
        seconds = [p.seconds(tool) for p in parts]
        if all(s is not None for s in seconds) and all(p.same(tool) is not False for p in parts):
            total.add(
                tool, {"seconds": sum(s for s in seconds if s is not None), "peak_mb": 0.0, "check": None}
            )
    return total


def versions() -> dict[str, str]:
    """The versions of the packages compared, read in each venv."""
    code = (
        "import json, importlib.metadata as m\n"
        "names = {names!r}\n"
        "found = {{}}\n"
        "for n in names:\n"
        "    try:\n"
        "        found[n] = m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(found))"
    )
    found: dict[str, str] = {}
    for python, names in (
        (sys.executable, ["o2c-toolkit", "pm4py", "polars", "duckdb", "rustxes", "pandas"]),
        (str(PEERS_PYTHON), ["pl4pm", "r4pm", "polars", "pm4py", "lxml"]),
    ):
        done = subprocess.run(
            [python, "-c", code.format(names=names)], capture_output=True, text=True, check=True
        )
        for name, version in json.loads(done.stdout).items():
            key = name if python == sys.executable else f"{name} (peers)"
            if python != sys.executable and found.get(name) == version:
                continue
            found[key] = version
    return found


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if "model name" in line),
        platform.processor(),
    )  # fmt: skip
    memory = next(
        int(line.split()[1]) / 2**20
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{model}, {os.cpu_count()} cores, {memory:.0f} GB RAM, Python {platform.python_version()}"


def _decompressed(path: Path) -> Path:
    """An uncompressed copy of a ``.xes.gz`` file under ``bench/.cache`` (pl4pm reads no gzip), made once."""
    if path.suffix != ".gz":
        return path
    copy = CACHE / path.with_suffix("").name
    if not copy.exists():
        CACHE.mkdir(exist_ok=True)
        with gzip.open(path, "rb") as source, copy.open("wb") as target:
            shutil.copyfileobj(source, target)
    return copy


def _inputs(events: int) -> tuple[dict[str, Path], Path, Path]:
    """The Parquet logs by shape, the simulated CSV and a small CSV to warm up on; made once."""
    import bench_maps
    import bench_read
    import bench_scale
    import polars as pl

    simulated = bench_scale.cached(events)
    many = simulated.with_name(f"{simulated.stem}_many_variants.parquet")
    if not many.exists():
        bench_maps.many_variants(pl.read_parquet(simulated), seed=1).write_parquet(many)
    csv, _ = bench_read._logs(round(events / bench_scale.EVENTS_PER_ORDER))
    warm_csv = CACHE / "peers_warm.csv"
    if not warm_csv.exists():
        with csv.open() as source:
            warm_csv.write_text("".join(next(source) for _ in range(2_000)))
    return {"simulated": simulated, "many variants": many}, csv, warm_csv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events of the simulated logs")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure (the median counts)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a child may take")
    parser.add_argument("--steps", nargs="+", default=["dfg", "waits", "variants", "csv", "xes"],
                        choices=["dfg", "waits", "variants", "csv", "xes"])  # fmt: skip
    parser.add_argument("--results", type=Path, help="write the table as Markdown to this file")
    parser.add_argument("--json", type=Path, default=CACHE / "peers.json", help="every run's raw result")
    args = parser.parse_args(argv)
    ensure_peers()
    shapes, csv, warm_csv = _inputs(args.events)
    jobs: list[tuple[Figure, dict[str, str]]] = []

    def job(figure: Figure, programs: dict[str, str | None]) -> None:
        jobs.append((figure, {tool: code for tool, code in programs.items() if code is not None}))

    for shape, path in shapes.items():
        for step in (s for s in args.steps if s in _MAPS):
            job(Figure(step, shape), {tool: map_code(tool, step, path) for tool in TOOLS})
    if "csv" in args.steps:
        job(Figure("read CSV", csv.name), {tool: read_code(tool, "csv", csv, warm_csv) for tool in TOOLS})
    if "xes" in args.steps:
        for name in XES:
            path = REAL_LOGS / name
            if not path.exists():
                print(f"{name}: not found in {REAL_LOGS}", flush=True)
                continue
            programs = {tool: read_code(tool, "xes", path, WARM_XES) for tool in (*TOOLS, R4PM_REGISTRY)}
            programs["pl4pm"] = read_code("pl4pm", "xes", _decompressed(path), WARM_XES)
            job(Figure("read XES", name.split(".")[0]), programs)

    load = os.getloadavg()[0]
    print(f"machine: {machine()}, load {load:.1f}", flush=True)
    print(f"medians of {args.runs} fresh processes each; ratio = pm4py's seconds / the tool's", flush=True)
    print_row(["figure", *COLUMNS[:4], *(f"{c} x" for c in COLUMNS[4:])])
    figures = []
    for figure, codes in jobs:
        for _ in range(args.runs):
            for tool, code in codes.items():  # the tools take turns, so that a busy minute is shared
                if not figure.failed(tool):  # a tool that failed or ran out of time is not run again
                    figure.add(tool, run_child(tool, code, timeout=args.timeout))
        figures.append(figure)
        print_row(table_rows([figure])[0])
        for tool in figure.runs:
            if figure.failed(tool):
                print(f"  {tool} failed: {figure.failed(tool)}", flush=True)
        if figure.step == "read XES" and figure.seconds(R4PM_REGISTRY) is not None:
            print(f"  r4pm into its registry (no frame): {figure.seconds(R4PM_REGISTRY):.3f} s, "
                  f"same as o2c: {figure.same(R4PM_REGISTRY)}", flush=True)  # fmt: skip
    for shape in shapes:
        total = three_maps(figures, shape)
        if total is not None:
            print_row(table_rows([total])[0])
            figures.append(total)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps([f.as_json() for f in figures], indent=1, default=str))
    if args.results:
        args.results.write_text(markdown(figures, runs=args.runs, events=args.events, load=load))
        print(f"wrote {args.results}", flush=True)


def markdown(figures: list[Figure], *, runs: int, events: int, load: float) -> str:
    """The results as the Markdown page ``bench/RESULTS.md``."""
    found = versions()
    lines = [
        "# o2c beside pm4py, pl4pm and r4pm",
        "",
        f"Made by `bench/bench_peers.py` on {dt.date.today().isoformat()}. Machine: {machine()}; "
        f"shared with other work while it ran (load average {load:.1f} at the start). Versions: "
        + ", ".join(f"{name} {version}" for name, version in found.items())
        + ".",
        "",
        f"Every figure is the **median of {runs} runs**, each in a fresh process (load not counted; one "
        "warm-up call on the first 10,000 events or a small file, then one timed call). Ratios are pm4py's "
        "seconds over the tool's: how many times faster than pm4py. A ratio is printed only where the "
        "tool's result equals o2c's (o2c's: where it equals pm4py's); \"differs\" where it does not; "
        '"-" where the tool has no function that computes the same thing.',
        "",
        "| figure | o2c s | pm4py s | pl4pm s | r4pm s | o2c x pm4py | pl4pm x pm4py | r4pm x pm4py |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(figures)]
    memory = [f for f in figures if f.step != "dfg + waits + variants"]
    lines += [
        "",
        "Peak memory of each run's process (MB, median; includes the loaded log and the interpreter):",
        "",
        "| figure | o2c | pm4py | pl4pm | r4pm |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for figure in memory:
        cells = [f"{figure.peak_mb(t):,.0f}" if figure.peak_mb(t) is not None else "-" for t in TOOLS]
        lines.append(f"| {figure.step} ({figure.source}) | " + " | ".join(cells) + " |")
    registry = [f for f in figures if f.seconds(R4PM_REGISTRY) is not None]
    lines += ["", "Notes:", ""]
    lines.append(
        f"- Logs: `simulated` is the simulator's log of about {events:,} events (seed 1; about a thousand "
        "variants); `many variants` the same events with 15.5 % of the activities redrawn, orders renamed "
        "`SO-<n>` and rows shuffled (`bench_maps.many_variants`: about 48,000 variants). The CSV is the "
        "simulator's log of about 1M rows written by `bench_read.py`; the XES files are the real logs of "
        "`shared/real_logs`."
    )
    lines.append(
        "- What is timed: dfg = `o2c.directly_follows`, `pm4py.discover_dfg`, `pl4pm.discover_dfg`, "
        "r4pm's `bindings.discover_dfg` on its registry log; waits = `o2c.waiting_times`, "
        '`pm4py.discover_performance_dfg`, `pl4pm.discover_performance_dfg(perf_aggregation_key="all")` '
        "(r4pm has no case-centric performance DFG); variants = `o2c.variants`, `pm4py.get_variants`, "
        "`pl4pm.get_variants`, r4pm's `log_to_activity_projection` + `get_variants`; read = `o2c.read_log`, "
        "`pandas.read_csv` + `pm4py.format_dataframe` or `pm4py.read_xes` (its default importer, which "
        "uses rustxes when installed, as here), `pl4pm.read_csv` / `pl4pm.read_xes`, `r4pm.df.import_xes` "
        "(a polars frame; r4pm reads no CSV)."
    )
    lines.append(
        "- pl4pm's `read_xes` cannot read `.xes.gz`: it is timed on the file decompressed beforehand "
        '(the others read the `.gz`). "> N s": the run did not finish within the time limit and was '
        "not repeated."
    )
    lines.append(
        "- Compared before a ratio: edge counts; median and mean wait per edge to the millisecond; "
        "variant counts; events, cases, events per activity and the sum of timestamps (epoch ms, UTC)."
    )
    for figure in registry:
        seconds = figure.seconds(R4PM_REGISTRY) or float("nan")
        o2c = figure.seconds("o2c")
        lines.append(
            f'- r4pm\'s `import_item("EventLog", ...)` reads {figure.source} into its Rust registry (no '
            f"frame for Python) in {seconds:.3f} s"
            + (f", {seconds / o2c:.2f}x o2c's time" if o2c else "")
            + f"; same counts as o2c: {'yes' if figure.same(R4PM_REGISTRY) else 'no'}."
        )
    lines.append(
        "- The three map steps' row adds the medians of a tool's dfg, waits and variants where it has all three."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
