#!/usr/bin/env bash
# The benchmark: every bench/bench_*.py in turn, each printing o2c's figures beside pm4py's.
source "$(dirname "$0")/../scripts/setup.sh"
for script in bench/bench_*.py; do
    echo "== ${script}"
    python "$script" "$@"
done
