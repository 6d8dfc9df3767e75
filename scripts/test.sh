#!/usr/bin/env bash
# One command: set up, lint, type-check and run the whole test suite.
# With PostgreSQL reachable (DANGAN_TEST_POSTGRES_URL, default 127.0.0.1:5432/test) the
# database tests run on it too; under CI=true an unreachable PostgreSQL is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DANGAN_TEST_POSTGRES_URL=${DANGAN_TEST_POSTGRES_URL:-postgresql+psycopg://root@127.0.0.1:5432/test}
echo "==> ruff"
.venv/bin/ruff check src tests bench
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/python -m pytest -n 2 --dist worksteal -q --durations=25 "$@"
