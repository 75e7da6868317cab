#!/usr/bin/env bash
# Make bench/.venv-peers: the peer packages the benchmark compares with (pl4pm, r4pm and what they
# need, at the versions of bench/peers.txt), apart from the product's .venv: o2c does not depend on
# them. Remade when peers.txt changes. bench/bench_peers.py runs this when the venv is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON="${PYTHON:-python3}"
stamp="$(sha256sum peers.txt | cut -d' ' -f1)"
if [ "$(cat .venv-peers/.peers-installed 2>/dev/null)" != "$stamp" ]; then
    echo "peers: installing bench/peers.txt into bench/.venv-peers" >&2
    "$PYTHON" -m venv .venv-peers
    # (pip's notes about package index folders absent from this machine are dropped)
    .venv-peers/bin/python -m pip install -q -r peers.txt 2> >(grep -v "is ignored: it is neither" >&2)
    echo "$stamp" > .venv-peers/.peers-installed
fi
