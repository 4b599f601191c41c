#!/bin/bash
# Every JSON field name the code can emit (each literal key passed to
# jansson's json_object_set*/json_pack in orchestrator/ env/ steps/ hooks/)
# is documented in docs/json.md; the test names each missing one.  The
# fields seen in real output are checked by json-every-command.sh.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
python3 "$TOP/tests/lib/json_fields.py" source >fields.txt 2>&1 || fail "$(cat fields.txt)"
grep -q '^[0-9]* field names, 0 missing' fields.txt || fail "$(cat fields.txt)"
pass
