#!/usr/bin/env bash
# The tests: set up, then lint, format check, type check, and the test suite (doctests included).
source "$(dirname "$0")/setup.sh"
ruff check toolkit tests bench
ruff format --check toolkit tests bench
mypy
python -m pytest -q "$@"
