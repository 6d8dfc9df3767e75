#!/usr/bin/env bash
# Regenerate the initial migration (0001) from dangan.db.models. Only while the project has
# not been released: after a release, schema changes are new migrations on top of head.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/dangan/db/migrations/versions/0001_initial.py
# later migrations are set aside while 0001 is generated against an empty database
mkdir -p "$tmp/later" && find src/dangan/db/migrations/versions -name "0*.py" ! -name "0001_*" -exec mv {} "$tmp/later/" \;
trap 'mv "$tmp"/later/*.py src/dangan/db/migrations/versions/ 2>/dev/null || true; rm -rf "$tmp"' EXIT
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from dangan.db.migrate import alembic_config
from dangan.db.session import make_engine
engine = make_engine(f"sqlite:///{sys.argv[1]}/regen.sqlite")
cfg = alembic_config(engine)
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
PY
f=$(ls src/dangan/db/migrations/versions/0001_*.py)
[ "$f" = src/dangan/db/migrations/versions/0001_initial.py ] || mv "$f" src/dangan/db/migrations/versions/0001_initial.py
sed -i "s/[[:space:]]*$//" src/dangan/db/migrations/versions/0001_initial.py
.venv/bin/ruff check --fix -q src/dangan/db/migrations/versions/0001_initial.py || true
.venv/bin/ruff format -q src/dangan/db/migrations/versions/0001_initial.py
echo "regenerated src/dangan/db/migrations/versions/0001_initial.py"
