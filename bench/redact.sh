#!/bin/bash
# bench/redact.sh [BUILD...]: the per-line cost of redaction and of output
# line handling (bench/redact-line.c), linked with the lib/ objects of each
# build folder given (default: build), in turn, on this machine.  Compare a
# branch with main: bench/redact.sh /path/to/main/build build
cd "$(dirname "$0")/.." || exit 2
[ $# -gt 0 ] || set -- build
PKGS="libconfig libpq libcurl libssh2 jansson"
for b in "$@"; do
	out=$(mktemp /tmp/redact-line.XXXXXX)
	inc=$(dirname "$(readlink -f "$b")")
	gcc -std=c11 -D_GNU_SOURCE -O2 -I"$inc" -o "$out" bench/redact-line.c "$b"/lib/*.o \
		$(pkg-config --cflags --libs $PKGS) -lm || exit 1
	echo "== $b"
	"$out" "${N:-2000000}"
	rm -f "$out"
done
