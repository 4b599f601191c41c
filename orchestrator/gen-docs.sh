#!/bin/sh
# gen-docs.sh OUT DIR PAGE...: write OUT, a C file that holds each PAGE (a
# path below DIR) byte for byte, as the table doc_pages of
# orchestrator/help.h, which `stagecoach help TOPIC` prints.  Run by the
# Makefile whenever a page changes; needs only a POSIX sh, od and sed.
set -e
out=$1
dir=$2
shift 2
tmp="$out.tmp"
{
	echo '/* generated from docs/ by orchestrator/gen-docs.sh: do not edit */'
	echo '#include "orchestrator/help.h"'
	n=0
	for p in "$@"; do
		[ -f "$dir/$p" ] || { echo "gen-docs.sh: $dir/$p: no such page" >&2; exit 1; }
		echo "static const unsigned char page$n[] = {"
		od -An -v -tu1 "$dir/$p" | sed 's/[0-9][0-9]*/&,/g'
		echo "0 };"
		n=$((n + 1))
	done
	echo 'const struct doc_page doc_pages[] = {'
	n=0
	for p in "$@"; do
		echo "	{ \"$p\", page$n, sizeof page$n - 1 },"
		n=$((n + 1))
	done
	echo '	{ NULL, NULL, 0 },'
	echo '};'
} >"$tmp"
mv "$tmp" "$out"
