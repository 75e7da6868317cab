# Source this file: it makes .venv (the package with all its extras, at the versions of requirements.lock),
# Graphviz, Java and Chromium ready.
# Works on a fresh Debian machine with only Python 3.11; installs what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

_apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        return 1
    fi
}

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PYTHON --version)" >&2
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        echo "setup: python3-venv is missing; installing it with apt-get" >&2
        _apt_install python3-venv || { echo "setup: cannot create a venv; install python3-venv" >&2; exit 1; }
        "$PYTHON" -m venv .venv
    fi
fi
# The exact versions of requirements.lock (hashes checked), installed by uv, itself pinned there:
# pip brings uv the first time, then uv keeps the venv equal to the lock (scripts/lock.sh remakes it).
stamp="$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat .venv/.o2c-installed 2>/dev/null)" != "$stamp" ]; then
    echo "setup: installing o2c-toolkit with the versions of requirements.lock into .venv" >&2
    if [ ! -x .venv/bin/uv ]; then
        # (pip's notes about package index folders absent from this machine are dropped)
        .venv/bin/python -m pip install -q --no-deps --require-hashes \
            -r <(sed -n '/^uv==/,/^[^ ].*[^\\]$\|^    #/p' requirements.lock | grep -v '^    #') \
            2> >(grep -v "is ignored: it is neither" >&2)
    fi
    export UV_PYTHON_DOWNLOADS=never
    .venv/bin/uv pip sync -q --python .venv/bin/python --require-hashes requirements.lock
    .venv/bin/uv pip install -q --python .venv/bin/python --no-deps --no-build-isolation -e .
    echo "$stamp" > .venv/.o2c-installed
fi
if ! command -v dot >/dev/null; then
    echo "setup: Graphviz 'dot' is missing; installing it with apt-get" >&2
    _apt_install graphviz || echo "setup: could not install Graphviz; maps will be written as DOT only" >&2
fi
if ! command -v java >/dev/null; then
    echo "setup: Java is missing (PySpark, for the Spark tests, needs it); installing openjdk-17-jre-headless with apt-get" >&2
    _apt_install openjdk-17-jre-headless || echo "setup: could not install Java; the Spark tests will fail" >&2
fi
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "setup: Chromium or its driver is missing (the report's and the explorer's browser tests use them); installing them with apt-get" >&2
    _apt_install chromium chromium-driver || echo "setup: could not install Chromium; the browser test will skip (fail in CI)" >&2
fi
export PATH="$PWD/.venv/bin:$PATH"
