# tests/lib/alembic.sh: a real Alembic project in the scratch folder, for the
# alembic-*.sh tests (Debian's alembic, python3-alembic, python3-psycopg2).
#
#   alembic_require          skip the test (exit 0, with a message) when alembic is missing
#   alembic_project DIR      `alembic init DIR/alembic`, with env.py reading DATABASE_URL
#   alembic_rev DIR ID DOWN MSG UP_SQL DOWN_SQL
#                            write revision ID (down_revision DOWN, "" for none)
#                            whose upgrade/downgrade run the SQL with op.execute

alembic_require() {
	if ! command -v alembic >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import psycopg2, alembic' 2>/dev/null; then
		echo "SKIP: alembic or psycopg2 is not installed (apt-get install alembic python3-alembic python3-psycopg2)" >&2
		exit 0
	fi
}

alembic_project() {
	local dir=$1
	mkdir -p "$dir"
	(cd "$dir" && alembic init alembic >/dev/null) || fail "alembic init failed"
	# what a team adopting stagecoach adds to env.py: the URL from the environment
	/usr/bin/python3 - "$dir/alembic/env.py" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("config = context.config\n", """config = context.config

import os
if os.environ.get("DATABASE_URL"):
    config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))
""", 1)
open(p, "w").write(s)
PY
}

alembic_rev() {
	local dir=$1 id=$2 down=$3 msg=$4 up=$5 downsql=$6
	local downrev="None"
	[ -n "$down" ] && downrev="'$down'"
	cat >"$dir/alembic/versions/${id}_$(echo "$msg" | tr ' ' '_').py" <<PY
"""$msg

Revision ID: $id
Revises: $down
"""
from alembic import op

revision = '$id'
down_revision = $downrev
branch_labels = None
depends_on = None


def upgrade() -> None:
    for stmt in """$up""".split(";;"):
        if stmt.strip():
            op.execute(stmt)


def downgrade() -> None:
    for stmt in """$downsql""".split(";;"):
        if stmt.strip():
            op.execute(stmt)
PY
}
