#!/bin/sh
# The ScriptHub benchmark in one command; see bench/README.md. Arguments go to run.py.
set -eu
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/run.py "$@"
