#!/bin/bash
# libFuzzer on the config loader, on variable expansion, on the migration
# splitter with its transaction-control detection and on the redaction of
# arbitrary bytes: builds every tests/fuzz/fuzz-NAME.c (config, expand,
# migsplit, redact) with clang
# (-fsanitize=fuzzer,address,undefined; the project's objects with
# -fsanitize=fuzzer-no-link,address,undefined, in $TOP/build-fuzz, rebuilt
# when a source or header is newer), then runs each for a fixed number of
# inputs (20000 for expand, migsplit and redact, 8000 for the slower config loader) from the seed corpus (tests/fuzz/corpus-*; new inputs go to a
# scratch copy, the committed corpus is not changed), with a fixed seed so
# that CI runs the same inputs every time (FUZZ_SEED=0: a random one).
# Fails on any crash,
# sanitizer report or leak.  FUZZ_RUNS overrides both counts.
# test-timeout: 900 (compiling the project with clang takes minutes on a
# loaded 2-core machine)
# Without clang: prints "fuzz: clang not installed" and passes.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
sc_setup
CLANG=${CLANG:-$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | sort -V | tail -1)}
if [ -z "$CLANG" ] || ! "$CLANG" --version >/dev/null 2>&1; then
	echo "fuzz: clang not installed (apt-get install -y clang): skipped"
	exit 0
fi
OUT="$TOP/build-fuzz"
PKGS="libconfig libpq libcurl libssh2 jansson libcrypto"
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -I$TOP $(pkg-config --cflags $PKGS) $(pkg-config --cflags libpg_query 2>/dev/null)"
LIBS="$(pkg-config --libs $PKGS) $(pkg-config --libs libpg_query 2>/dev/null || echo -lpg_query) -lm -pthread"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$OUT"
cd "$TOP"
srcs=$(ls lib/*.c env/*.c steps/*.c hooks/*.c orchestrator/*.c 2>/dev/null | grep -v '^orchestrator/main\.c$')
newest_h=$(ls -t lib/*.h orchestrator/*.h env/*.h steps/*.h hooks/*.h 2>/dev/null | head -1)
todo=()
for s in $srcs; do
	o="$OUT/${s%.c}.o"
	if [ ! -e "$o" ] || [ "$s" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then todo+=("$s"); fi
done
t0=$(date +%s)
if [ ${#todo[@]} -gt 0 ]; then
	printf '%s\n' "${todo[@]}" | xargs -P "$(nproc)" -I{} sh -c '
		o="$0/$(dirname {})/$(basename {} .c).o"; mkdir -p "$(dirname "$o")"
		'"$CLANG"' '"$CFLAGS"' '"$SAN"' -fsanitize=fuzzer-no-link -c -o "$o.tmp" {} 2>"$o.log" && mv "$o.tmp" "$o" ||
		{ echo "fuzz: cannot compile {}: $(head -5 "$o.log")" >&2; exit 255; }' "$OUT" ||
		fail "compiling the project with clang failed"
fi
objs=$(for s in $srcs; do echo "$OUT/${s%.c}.o"; done)
targets=$(cd tests/fuzz && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
for t in $targets; do
	"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer -o "$OUT/fuzz-$t" "tests/fuzz/fuzz-$t.c" $objs $LIBS \
		2>"$T/link-$t.log" || fail "building fuzz-$t (libFuzzer is in libclang-rt-NN-dev): $(head -20 "$T/link-$t.log")"
done
echo "fuzz: built in $(( $(date +%s) - t0 )) s (${#todo[@]} objects compiled)"
cd "$T"
# libconfig 1.5 (Debian's libconfig9) leaks its scanner's strings at some syntax errors:
# a file ending inside a string literal (`a = "x" "y;`), strings where a name
# goes (`b"""" = 1;`): library bugs, shown by a
# plain libconfig program: leaks allocated inside libconfig's scanner are suppressed
printf "leak:strbuf_append\nleak:libconfig_yylex\n" >"$T/lsan.supp"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$T/lsan.supp:print_suppressions=0"
for t in $targets; do
	mkdir -p "corpus-$t"
	cp "$TOP/tests/fuzz/corpus-$t/"* "corpus-$t/"
	t1=$(date +%s)
	RUNS=${FUZZ_RUNS:-$([ $t = config ] && echo 8000 || echo 20000)}
	if ! "$OUT/fuzz-$t" -runs="$RUNS" -seed="${FUZZ_SEED:-1}" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$T/crash-$t-" "corpus-$t" >"$T/fuzz-$t.log" 2>&1; then
		tail -60 "$T/fuzz-$t.log" >&2
		ls "$T"/crash-$t-* >&2 2>/dev/null
		for c in "$T"/crash-$t-*; do [ -f "$c" ] && cp "$c" "$TOP/build-fuzz/"; done
		fail "fuzz-$t found a crash (input copied to build-fuzz/)"
	fi
	grep -q 'ERROR: \|runtime error:' "$T/fuzz-$t.log" && { tail -40 "$T/fuzz-$t.log" >&2; fail "fuzz-$t: sanitizer report"; }
	echo "fuzz-$t: $RUNS runs in $(( $(date +%s) - t1 )) s: $(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9/]*[a-zA-Z]*' "$T/fuzz-$t.log" | tail -1)"
done
pass
