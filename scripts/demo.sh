#!/usr/bin/env bash
# One command: set up, then run the main job (a demo project through every stage) on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/dangan demo -p "${1:-./demo-project}"
