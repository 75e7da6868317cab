#!/usr/bin/env bash
# Remake requirements.lock from pyproject.toml after a change of its dependencies: every package
# with all extras, for every platform (--universal) and Python 3.11 on, pinned with its hashes.
# Versions already in the lock are kept where they still fit; `--upgrade` takes the newest allowed.
source "$(dirname "$0")/setup.sh"
uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "bash scripts/lock.sh" --quiet -o requirements.lock "$@"
