#!/bin/bash
# The release's content hash covers an Alembic project when a migrate step
# delegates to alembic: its alembic.ini, the script folder's env.py and every
# revision (*.py below versions/, __pycache__ left out), read from the ini's
# script_location (%(here)s and relative paths as alembic resolves them).
# A changed revision, env.py or ini is another release; compiled files and
# the revision template are not shipped.  (No database: `status` of an
# environment keeping its records in state_dir prints the local content.)
. "$(dirname "$0")/../lib/common.sh"
sc_setup
mkdir -p proj/db/versions proj/db/versions/__pycache__
cat > proj/alembic.ini <<'INI'
[alembic]
script_location = %(here)s/db
sqlalchemy.url = driver://user:pass@localhost/dbname

[loggers]
keys = root
INI
echo "# env.py" > proj/db/env.py
echo "# template" > proj/db/script.py.mako
echo "revision = 'a1'" > proj/db/versions/a1_init.py
cat > stagecoach.conf <<'CONF'
version = 1;
project = "alembic-hash";
environments = { dev = { state_dir = ".st"; }; };
steps = ( { name = "migrate"; kind = "migrate"; tool = "alembic"; alembic_ini = "proj/alembic.ini"; } );
CONF
content() { "$SC" --json status dev >"$T/out" 2>"$T/err" || fail "status: $(cat "$T/err")"
	python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["local_content_hash"])' "$T/out"; }
h1=$(content)
[ ${#h1} = 64 ] || fail "no content hash: $h1"
echo "revision = 'a1'  # edited" > proj/db/versions/a1_init.py
h2=$(content)
[ "$h2" != "$h1" ] || fail "a changed revision is the same release"
echo "revision = 'b2'" > proj/db/versions/b2_more.py
h3=$(content)
[ "$h3" != "$h2" ] || fail "a new revision is the same release"
echo "# env.py, edited" > proj/db/env.py
h4=$(content)
[ "$h4" != "$h3" ] || fail "a changed env.py is the same release"
printf '\n# a comment\n' >> proj/alembic.ini
h5=$(content)
[ "$h5" != "$h4" ] || fail "a changed alembic.ini is the same release"
# not shipped: compiled files, the template, other files beside the revisions
echo "bytes" > proj/db/versions/__pycache__/a1_init.cpython-311.pyc
echo "# template, edited" > proj/db/script.py.mako
echo "notes" > proj/db/versions/README
h6=$(content)
assert_eq "$h6" "$h5" "compiled files, the template and notes changed the release"
# a relative script_location is relative to the ini's folder
sed -i 's|^script_location = .*|script_location = db|' proj/alembic.ini
h7=$(content)
echo "revision = 'b2'  # edited" > proj/db/versions/b2_more.py
h8=$(content)
[ "$h8" != "$h7" ] || fail "a relative script_location: the revisions are not covered"
pass
