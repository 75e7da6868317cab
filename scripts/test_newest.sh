#!/usr/bin/env bash
# CI's second leg: the fast part of the tests (all but the `slow` and `browser` ones) in a venv
# resolved afresh from pyproject.toml, with the newest versions its ranges allow, so that a release
# that breaks o2c after it shipped is found here, not by a user. Extra arguments go to pytest.
source "$(dirname "$0")/setup.sh"   # uv, Graphviz and Java, as for the locked venv
venv=.venv-newest
rm -rf "$venv"
export UV_PYTHON_DOWNLOADS=never
uv venv -q --python .venv/bin/python "$venv"
uv pip install -q --python "$venv/bin/python" --refresh -e ".[test,notebooks]"
echo "newest leg: versions that differ from requirements.lock" >&2
diff <(sed -n 's/^\([A-Za-z0-9_.-]*\)==\([^ ;\\]*\).*/\L\1==\2/p' requirements.lock | tr _ - | sort -u) \
     <(uv pip freeze -q --python "$venv/bin/python" | grep -v '^-e ' | tr 'A-Z_' 'a-z-' | sort -u) \
    | sed -n 's/^> /  /p' >&2 || true
"$venv/bin/python" -m pytest -q -m "not slow and not browser" "$@"
