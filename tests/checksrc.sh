#!/bin/bash
# make checksrc (curl's idea): no sprintf/strcpy/strcat/system()/gets, no
# exit() outside orchestrator/main.c, no abort() outside util.c's BUG/xmalloc,
# every source file opens with a comment; no include of a higher layer; and clang-format's view of the
# tree (.clang-format), reported as a count (not failing: the style file
# approximates the house style, see STYLE.md).
cd "$(dirname "$0")/.." || exit 2
bad=0
files=$(ls lib/*.[ch] env/*.[ch] steps/*.[ch] hooks/*.[ch] orchestrator/*.[ch] 2>/dev/null)
for f in $files; do
	if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|system)\s*\(' "$f" | grep -v '^\s*[0-9]*:\s*/\?\*' >/tmp/checksrc.$$; then
		sed "s|^|$f:|; s|$|  (banned function)|" /tmp/checksrc.$$; bad=1
	fi
	if [ "$f" != orchestrator/main.c ] && grep -nE '(^|[^_a-z])exit\s*\(' "$f" >/tmp/checksrc.$$; then
		sed "s|^|$f:|; s|$|  (exit() outside main.c)|" /tmp/checksrc.$$; bad=1
	fi
	if [ "$f" != lib/util.c ] && grep -nE '(^|[^_a-z])abort\s*\(' "$f" >/tmp/checksrc.$$; then
		sed "s|^|$f:|; s|$|  (abort() outside util.c: use BUG())|" /tmp/checksrc.$$; bad=1
	fi
	head -1 "$f" | grep -q '^/\*' || { echo "$f:1: does not open with a comment saying what it is"; bad=1; }
	# layers (SPEC section 7): no include of a higher layer
	# (lib < env < steps < hooks < orchestrator; hooks are called by the orchestrator alone)
	case "$f" in
	lib/*) up='\.\./(env|steps|hooks|orchestrator)/' ;;
	env/*) up='\.\./(steps|hooks|orchestrator)/' ;;
	steps/*) up='\.\./(hooks|orchestrator)/' ;;
	hooks/*) up='\.\./orchestrator/' ;;
	*) up='' ;;
	esac
	if [ -n "$up" ] && grep -nE "^#\s*include\s+\"$up" "$f" >/tmp/checksrc.$$; then
		sed "s|^|$f:|; s|$|  (include of a higher layer)|" /tmp/checksrc.$$; bad=1
	fi
done
rm -f /tmp/checksrc.$$
if command -v clang-format >/dev/null; then
	n=0
	for f in $files; do
		clang-format --dry-run "$f" 2>&1 | grep -c 'warning:' >/tmp/cf.$$ || true
		n=$((n + $(cat /tmp/cf.$$)))
	done
	rm -f /tmp/cf.$$
	echo "checksrc: clang-format would change $n places (informational)"
fi
[ $bad = 0 ] && echo "checksrc: ok" || { echo "checksrc: FAILED"; exit 1; }
