#!/usr/bin/env bash
# The benchmark: one table of o2c beside pm4py (bench/bench_scale.py: simulated 1M- and 10M-event
# logs, each step of each tool in its own process, then the reading of the real logs), then the
# peers' table (bench/bench_peers.py: o2c, pm4py, pl4pm and r4pm where they compute the same; the
# peers are installed into bench/.venv-peers from bench/peers.txt; --no-peers leaves it out). Extra
# arguments go to bench_scale.py (see its --help). With --details, the per-topic scripts follow
# (bench_read, bench_maps, bench_rework, bench_conformance, bench_simulate, bench_explorer, bench_ocel, bench_compare), each with its own print-out.
source "$(dirname "$0")/../scripts/setup.sh"
details=0
peers=1
args=()
for arg in "$@"; do
    if [ "$arg" = "--details" ]; then details=1
    elif [ "$arg" = "--no-peers" ]; then peers=0
    else args+=("$arg"); fi
done
python bench/bench_scale.py "${args[@]}"
if [ "$peers" = 1 ]; then
    echo "== bench/bench_peers.py"
    python bench/bench_peers.py
fi
if [ "$details" = 1 ]; then
    for script in bench/bench_read.py bench/bench_maps.py bench/bench_rework.py bench/bench_conformance.py bench/bench_simulate.py bench/bench_explorer.py bench/bench_ocel.py bench/bench_compare.py; do
        echo "== ${script}"
        python "$script"
    done
fi
