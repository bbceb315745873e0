#!/bin/sh
# Creates .venv-peer beside this file: fastapi-users 15 and its stack at the versions pinned in
# requirements.txt, from PyPI. A venv of its own because fastapi-users-db-sqlalchemy needs
# SQLAlchemy < 2.1 and the product runs 2.1. `bench/run.sh --peer` uses it.
#   bench/peer_fastapi_users/setup.sh             # PYTHON=python3.11 to pick the interpreter
set -eu
cd "$(dirname "$0")"
"${PYTHON:-python3}" -m venv .venv-peer
.venv-peer/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv-peer/bin/python -m pip check
.venv-peer/bin/python -c "import fastapi_users, sqlalchemy; print('fastapi-users', fastapi_users.__version__, '/ SQLAlchemy', sqlalchemy.__version__)"
