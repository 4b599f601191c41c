#!/bin/bash
# `make demo` on a machine without the libraries prints no pkg-config error
# before it installs them: the Makefile runs pkg-config only when a recipe
# first needs the flags, after tests/lib/install-deps.sh.  The machine
# "without the libraries" is a pkg-config first in PATH that finds nothing
# (as the real one says on a fresh machine) until the stand-in install step
# ran, and then is the real one.  The tree is this Makefile with one source
# file (and the docs the binary embeds), so the build after the install
# really compiles and links with the flags pkg-config gives.
. "$(dirname "$0")/../lib/common.sh"
sc_setup
real=$(command -v pkg-config) || fail "no pkg-config installed"
mkdir -p bin tree/tests/lib tree/examples/demo tree/lib
cat >bin/pkg-config <<SH
#!/bin/sh
echo "pkg-config \$*" >>"$T/calls"
[ -e "$T/installed" ] && exec "$real" "\$@"
for a; do case "\$a" in -*) ;; *) echo "Package \$a was not found in the pkg-config search path." >&2 ;; esac; done
exit 1
SH
cat >tree/tests/lib/install-deps.sh <<SH
#!/bin/sh
# the install step: pkg-config finds the libraries from now on
if [ -e "$T/calls" ]; then wc -l <"$T/calls"; else echo 0; fi >"$T/calls-before-install"
touch "$T/installed"
echo "stand-in install-deps: installed" >&2
SH
printf '#!/bin/sh\necho "demo ran with $SC_BIN"\n' >tree/examples/demo/run-demo.sh
printf '#include <libconfig.h>\n#include <libpq-fe.h>\nint main(void) { return PQlibVersion() > 0 ? 0 : 1; }\n' >tree/lib/main.c
chmod +x bin/pkg-config tree/tests/lib/install-deps.sh tree/examples/demo/run-demo.sh
cp "$TOP/Makefile" tree/
# the reference pages built into the binary (`help TOPIC`): what the build
# needs of them, no C source of the real program
mkdir -p tree/orchestrator
cp "$TOP"/orchestrator/*.sh "$TOP"/orchestrator/*.h tree/orchestrator/
cp "$TOP"/lib/*.h tree/lib/
cp -r "$TOP/docs" tree/
unset MAKEFLAGS MFLAGS MAKELEVEL
PATH="$T/bin:$PATH" expect_exit 0 make -C tree --no-print-directory demo
assert_contains "$T/out" "demo ran with $T/tree/stagecoach"
[ -x tree/stagecoach ] || fail "the build after the install made no binary"
assert_not_contains "$T/err" "was not found"
assert_eq "$(cat "$T/calls-before-install")" 0 "pkg-config calls before the install step"
grep -q -- "--cflags libconfig" "$T/calls" || fail "the build did not ask pkg-config for the flags: $(cat "$T/calls")"
# each flag set is asked for once per make, not once per compiled file
assert_eq "$(grep -c -- '--cflags libconfig' "$T/calls")" 1 "pkg-config --cflags calls"
# and make sandbox/sandbox-stop (and every other target) read the Makefile
# without asking pkg-config anything either
rm -f "$T/installed" "$T/calls"
PATH="$T/bin:$PATH" expect_exit 0 make -C tree --no-print-directory -n checksrc
[ ! -e "$T/calls" ] || fail "reading the Makefile ran pkg-config: $(cat "$T/calls")"
pass
