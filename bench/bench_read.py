"""Time reading event logs with o2c beside pm4py, each reader in its own process.

Run: ``.venv/bin/python bench/bench_read.py [--cases 104000]``. Simulates about a million
events once (cached as CSV and Parquet under ``bench/.cache/``), then prints, for the CSV, the
Parquet file and every real XES log beside the checkout, the seconds and peak memory of
``o2c.read_log`` and of pm4py's way to the same pandas event log (``pandas.read_csv`` or
``read_parquet`` + ``pm4py.format_dataframe``; ``pm4py.read_xes`` with its default importer
and with its own Python ``iterparse``). Figures are printed, never asserted.
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
OURS = "import o2c\nt = time.perf_counter()\nevents = o2c.read_log({path!r}).log.height\nseconds = time.perf_counter() - t"
PM4PY_TABLE = (
    "from o2c._pm4py import pm4py\nimport pandas as pd\npm = pm4py()\nt = time.perf_counter()\n"
    "frame = pd.{reader}({path!r})\n"
    "frame = pm.format_dataframe(frame, case_id='case_id', activity_key='activity', timestamp_key='timestamp')\n"
    "events = len(frame)\nseconds = time.perf_counter() - t"
)
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
    args = parser.parse_args(argv)
    csv, parquet = _logs(args.cases)
    print(
        f"{'reading':<38} {'events':>10} {'o2c s':>8} {'o2c MB':>8} {'pm4py s':>8} {'pm4py MB':>8} {'ratio':>8}"
    )
    _row(
        f"CSV {csv.name}",
        _run(OURS.format(path=str(csv))),
        _run(PM4PY_TABLE.format(reader="read_csv", path=str(csv))),
        "pm4py: pandas.read_csv + format_dataframe",
    )
    _row(
        f"Parquet {parquet.name}",
        _run(OURS.format(path=str(parquet))),
        _run(PM4PY_TABLE.format(reader="read_parquet", path=str(parquet))),
        "pm4py: pandas.read_parquet + format_dataframe",
    )
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
