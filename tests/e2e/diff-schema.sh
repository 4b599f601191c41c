#!/bin/bash
# diff between two databases: identical schemas exit 0; then one difference of
# every kind (missing table, column type/nullability/default, extra index,
# different constraint, enum missing a label, different view and function
# body, missing extension, policy, trigger) exits 1 and says each in words,
# sorted; --json lists the same; diff writes nothing (no runs recorded).
. "$(dirname "$0")/../lib/common.sh"
sc_setup
pg_start
export STG_DB=$(pg_createdb stg) PRD_DB=$(pg_createdb prd)
cat >stagecoach.conf <<'CONF'
version = 1;
project = "difftest";
environments = {
  staging = { database = "${STG_DB}"; };
  production = { database = "${PRD_DB}"; };
  same = { database = "${STG_DB}"; };
};
steps = ( { name = "noop"; kind = "shell"; command = "true"; } );
CONF
BASE="CREATE SCHEMA billing;
CREATE TYPE billing.status AS ENUM ('trial', 'active', 'past_due');
CREATE TABLE clients (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE,
  rate numeric(10,4) DEFAULT 0.01, notes varchar(100), created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX clients_lower_name_idx ON clients (lower(name));
CREATE TABLE billing.invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id integer NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  status billing.status NOT NULL DEFAULT 'trial', amount numeric CHECK (amount >= 0));
CREATE VIEW active_clients AS SELECT c.id, c.name FROM clients c WHERE c.rate > 0;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN NEW.created_at := now(); RETURN NEW; END\$\$;
CREATE TRIGGER clients_touch BEFORE UPDATE ON clients FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION rate_of(cid integer) RETURNS numeric LANGUAGE sql STABLE AS 'SELECT rate FROM clients WHERE id = cid';
CREATE EXTENSION citext;"
psql_q "$STG_DB" "$BASE" >/dev/null || fail "base schema on staging"
psql_q "$PRD_DB" "$BASE" >/dev/null || fail "base schema on production"

# identical: exit 0, and records nothing (diff is read-only)
expect_exit 0 sc diff staging production
assert_contains out "no differences between staging and production"
expect_exit 0 sc --json diff staging production
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["identical"] is True and o["count"] == 0 and o["differences"] == [], o' out ||
	fail "--json of identical environments: $(cat out)"
# the same database under two names is trivially identical
expect_exit 0 sc diff staging same
assert_eq "$(psql_q "$STG_DB" "SELECT count(*) FROM pg_namespace WHERE nspname = 'stagecoach'")" 0 "diff touched staging"
assert_eq "$(psql_q "$PRD_DB" "SELECT count(*) FROM pg_namespace WHERE nspname = 'stagecoach'")" 0 "diff touched production"

# what staging got ahead of production
psql_q "$STG_DB" "CREATE TABLE enhanced_lerg (npa char(3) PRIMARY KEY, category text NOT NULL);
CREATE INDEX enhanced_lerg_category_idx ON enhanced_lerg (category);
ALTER TABLE clients ADD COLUMN outbound_paused boolean NOT NULL DEFAULT false;
ALTER TABLE clients ALTER COLUMN notes TYPE varchar(200);
ALTER TABLE clients ALTER COLUMN email SET NOT NULL;
ALTER TABLE clients ALTER COLUMN created_at SET DEFAULT clock_timestamp();
CREATE INDEX clients_email_partial_idx ON clients (email) WHERE email IS NOT NULL;
ALTER TABLE billing.invoices DROP CONSTRAINT invoices_amount_check;
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_amount_check CHECK (amount > 0);
ALTER TYPE billing.status ADD VALUE 'canceled';
CREATE OR REPLACE VIEW active_clients AS SELECT c.id, c.name FROM clients c WHERE c.rate > 0 AND c.email IS NOT NULL;
CREATE OR REPLACE FUNCTION rate_of(cid integer) RETURNS numeric LANGUAGE sql STABLE AS 'SELECT coalesce(rate, 0) FROM clients WHERE id = cid';
CREATE EXTENSION pgcrypto;" >/dev/null || fail "staging changes"
# and what production has that staging lacks
psql_q "$PRD_DB" "ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
CREATE POLICY clients_read ON clients FOR SELECT USING (rate > 0);
DROP TRIGGER clients_touch ON clients;" >/dev/null || fail "production changes"

expect_exit 1 sc diff staging production
cat >want <<'WANT'
extension pgcrypto: staging version 1.3, production lacks it
enum billing.status: labels differ: staging (trial, active, past_due, canceled), production (trial, active, past_due)
table public.clients: staging row level security disabled, production row level security enabled
production lacks table public.enhanced_lerg
column public.clients.created_at: staging timestamp with time zone not null default clock_timestamp(), production timestamp with time zone not null default now()
column public.clients.email: staging text not null, production text
column public.clients.notes: staging character varying(200), production character varying(100)
column public.clients.outbound_paused: staging boolean not null default false, production lacks it
constraint billing.invoices.invoices_amount_check: definition differs: staging CHECK ((amount > (0)::numeric)), production CHECK ((amount >= (0)::numeric))
index public.clients_email_partial_idx: staging on public.clients USING btree (email) WHERE (email IS NOT NULL), production lacks it
trigger public.clients.clients_touch: staging BEFORE UPDATE ON public.clients FOR EACH ROW EXECUTE FUNCTION public.touch(), production lacks it
policy public.clients.clients_read: production permissive for select to public using ((rate > (0)::numeric)), staging lacks it
view public.active_clients: definition differs
    staging:    SELECT c.id, c.name FROM public.clients c WHERE ((c.rate > (0)::numeric) AND (c.email IS NOT NULL))
    production: SELECT c.id, c.name FROM public.clients c WHERE (c.rate > (0)::numeric)
WANT
# the function line carries hashes: checked apart
grep -v '^function public.rate_of(cid integer): definition differs: staging returns numeric, sql, md5 [0-9a-f]\{12\}, production returns numeric, sql, md5 [0-9a-f]\{12\}$' out |
	grep -v '^[0-9]* differences between' >got
diff -u want got || fail "diff's lines differ from the expected ones"
assert_eq "$(grep -c '^function public.rate_of(cid integer): definition differs' out)" 1 "function body line"
assert_contains out "14 differences between staging and production"
# the new table's own column and index are said by the table's line
assert_not_contains out "enhanced_lerg.npa"
assert_not_contains out "enhanced_lerg_category_idx"
# pgcrypto's own functions are the extension's, not listed one by one
assert_not_contains out "digest"

# the same in JSON, with the values of each side
expect_exit 1 sc diff staging production --json
python3 - out <<'PY' || fail "--json: $(head -c 2000 out)"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["a"] == "staging" and o["b"] == "production" and o["identical"] is False, o
d = o["differences"]
assert o["count"] == len(d) == 14, len(d)
by = {(x["kind"], x["name"]): x for x in d}
t = by[("table", "public.enhanced_lerg")]
assert t["b"] is None and t["what"] == "missing in production", t
c = by[("column", "public.clients.outbound_paused")]
assert c["a"] == "boolean not null default false" and c["b"] is None, c
e = by[("enum", "billing.status")]
assert e["what"] == "labels differ" and e["b"] == "(trial, active, past_due)", e
p = by[("policy", "public.clients.clients_read")]
assert p["a"] is None and p["what"] == "missing in staging", p
assert ("extension", "pgcrypto") in by and ("view", "public.active_clients") in by
assert ("function", "public.rate_of(cid integer)") in by and ("index", "public.clients_email_partial_idx") in by
assert ("constraint", "billing.invoices.invoices_amount_check") in by
PY
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print("\n".join(x["text"] for x in o["differences"]))' out >json-lines
sc diff staging production | grep -v '^[0-9]* differences between' >text-lines
diff -u text-lines json-lines || fail "--json texts differ from the text output"

# swapping the sides swaps the order of the values, not who lacks what
expect_exit 1 sc diff production staging
assert_contains out "production lacks table public.enhanced_lerg"
assert_contains out "enum billing.status: labels differ: production (trial, active, past_due), staging (trial, active, past_due, canceled)"
assert_contains out "policy public.clients.clients_read: production permissive for select to public using ((rate > (0)::numeric)), staging lacks it"
assert_contains out "column public.clients.outbound_paused: staging boolean not null default false, production lacks it"
assert_contains out "14 differences between production and staging"

# a second run prints exactly the same (stable order)
sc diff staging production >again1 2>&1
sc diff staging production >again2 2>&1
cmp -s again1 again2 || fail "two runs differ"
pass
