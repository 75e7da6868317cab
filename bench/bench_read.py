"""Time reading event logs with o2c beside pm4py, each reader in its own process.

Run: ``.venv/bin/python bench/bench_read.py [--cases 104000] [--runs 5] [--only csv]``.
Simulates about a million events once (cached as CSV and Parquet under ``bench/.cache/``), then
prints, for the CSV, the Parquet file and every real XES log beside the checkout, the seconds and
peak memory of ``o2c.read_log`` and of pm4py's way to the same pandas event log
(``pandas.read_csv`` or ``read_parquet`` + ``pm4py.format_dataframe``; ``pm4py.read_xes`` with
its default importer and with its own Python ``iterparse``). The CSV is also read by DuckDB's
own ``read_csv`` (types sniffed, materialised as an Arrow table; ``.arrow()`` alone returns a
lazy reader that has read nothing yet) and by polars' ``read_csv`` (dates parsed), and the
ratio of ``o2c.read_log`` to DuckDB's is printed against issue 27's target (1.5x). CSV figures
are the median of ``--runs`` runs, each in a fresh process, the four readers taking turns; the
others one run. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
REAL_LOGS = HERE.parent.parent / "shared" / "real_logs"
XES = [
    "running-example.xes",
    "08_receipt.xes.gz",
    "helpdesk.xes.gz",
    "bpic2012.xes.gz",
    "16_bpic2019_1t_per_variant.xes.gz",
]

# Each snippet runs in a fresh interpreter; it prints one JSON line: events and seconds.
# Peak memory is the process's own high-water mark (VmHWM): ru_maxrss would carry the parent's over exec.
_PRELUDE = "import json, re, time, warnings\nwarnings.simplefilter('ignore')\n"
_EPILOGUE = (
    "\nhwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    "\nprint(json.dumps({'events': events, 'seconds': seconds, 'peak_mb': hwm / 1024}))"
)
# ``from o2c import read_log`` loads the reader (o2c loads its modules lazily) before the clock
# starts, as the peers' snippets import duckdb, polars or pandas before theirs.
OURS = (
    "from o2c import read_log\nt = time.perf_counter()\n"
    "events = read_log({path!r}).log.height\nseconds = time.perf_counter() - t"
)
PM4PY_TABLE = (
    "from o2c._pm4py import pm4py\nimport pandas as pd\npm = pm4py()\nt = time.perf_counter()\n"
    "frame = pd.{reader}({path!r})\n"
    "frame = pm.format_dataframe(frame, case_id='case_id', activity_key='activity', timestamp_key='timestamp')\n"
    "events = len(frame)\nseconds = time.perf_counter() - t"
)
DUCKDB_CSV = (
    "import duckdb\nt = time.perf_counter()\n"
    "events = duckdb.connect().read_csv({path!r}).to_arrow_table().num_rows\nseconds = time.perf_counter() - t"
)
POLARS_CSV = (
    "import polars as pl\nt = time.perf_counter()\n"
    "events = pl.read_csv({path!r}, try_parse_dates=True).height\nseconds = time.perf_counter() - t"
)
#: Issue 27: reading a 1M-row CSV within this factor of DuckDB's own read_csv.
CSV_TARGET = 1.5
PM4PY_XES = (
    "from o2c._pm4py import pm4py\npm = pm4py()\nt = time.perf_counter()\n"
    "events = len(pm.read_xes({path!r}{variant}))\nseconds = time.perf_counter() - t"
)


def _run(code: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE + code + _EPILOGUE], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {
            "events": 0,
            "seconds": float("nan"),
            "peak_mb": float("nan"),
            "error": done.stderr.strip()[-200:],
        }  # type: ignore[dict-item]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _medians(codes: list[str], runs: int) -> list[dict[str, float]]:
    """Each snippet of ``codes`` run ``runs`` times in turn (one of each, then again: a shared
    machine's load falls on all alike), each run in a fresh process; per snippet the median
    seconds and peak memory."""
    done = [[_run(code) for code in codes] for _ in range(runs)]
    medians = []
    for i in range(len(codes)):
        seconds = sorted(run[i]["seconds"] for run in done)
        peaks = sorted(run[i]["peak_mb"] for run in done)
        medians.append(done[0][i] | {"seconds": seconds[runs // 2], "peak_mb": peaks[runs // 2]})
    return medians


def _logs(cases: int) -> tuple[Path, Path]:
    CACHE.mkdir(exist_ok=True)
    csv, parquet = CACHE / f"o2c_{cases}.csv", CACHE / f"o2c_{cases}.parquet"
    if not (csv.exists() and parquet.exists()):
        from o2c._simulate import simulate

        log = simulate(cases, seed=1).log
        log.write_parquet(parquet)
        log.drop("source_row").with_columns(log["activity"].cast(str)).write_csv(csv)
    return csv, parquet


def _row(label: str, ours: dict[str, float], theirs: dict[str, float], note: str = "") -> None:
    ratio = theirs["seconds"] / ours["seconds"] if ours["seconds"] > 0 else float("nan")
    print(
        f"{label:<38} {int(ours['events']):>10,} {ours['seconds']:>8.2f} {ours['peak_mb']:>8.0f}"
        f" {theirs['seconds']:>8.2f} {theirs['peak_mb']:>8.0f} {ratio:>7.1f}x  {note}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=104_000, help="orders to simulate (about 9.6 events each)"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each CSV reader (median printed)")
    parser.add_argument("--only", choices=["csv", "parquet", "xes"], help="read only files of this format")
    args = parser.parse_args(argv)
    csv, parquet = _logs(args.cases)
    print(
        f"{'reading':<38} {'events':>10} {'o2c s':>8} {'o2c MB':>8} {'pm4py s':>8} {'pm4py MB':>8} {'ratio':>8}"
    )
    if args.only in (None, "csv"):
        ours, pandas, duck, polars = _medians(
            [
                OURS.format(path=str(csv)),
                PM4PY_TABLE.format(reader="read_csv", path=str(csv)),
                DUCKDB_CSV.format(path=str(csv)),
                POLARS_CSV.format(path=str(csv)),
            ],
            args.runs,
        )
        _row(f"CSV {csv.name}", ours, pandas, "pm4py: pandas.read_csv + format_dataframe")
        _row("", ours, duck, "DuckDB's own read_csv (typed, to Arrow)")
        _row("", ours, polars, "polars' read_csv (typed)")
        factor = ours["seconds"] / duck["seconds"]
        verdict = "met" if factor <= CSV_TARGET else "NOT met"
        print(f"target: o2c.read_log within {CSV_TARGET}x of DuckDB's read_csv: {factor:.2f}x {verdict}")
    if args.only in (None, "parquet"):
        _row(
            f"Parquet {parquet.name}",
            _run(OURS.format(path=str(parquet))),
            _run(PM4PY_TABLE.format(reader="read_parquet", path=str(parquet))),
            "pm4py: pandas.read_parquet + format_dataframe",
        )
    if args.only not in (None, "xes"):
        return
    for name in XES:
        path = REAL_LOGS / name
        if not path.exists():
            print(f"{name:<38} (not found beside the checkout)")
            continue
        ours = _run(OURS.format(path=str(path)))
        _row(
            f"XES {name}",
            ours,
            _run(PM4PY_XES.format(path=str(path), variant="")),
            "pm4py: read_xes (default importer)",
        )
        _row(
            "",
            ours,
            _run(PM4PY_XES.format(path=str(path), variant=", variant='iterparse'")),
            "pm4py: read_xes(variant='iterparse')",
        )


if __name__ == "__main__":
    main()
