#!/bin/sh
# run.sh - run the Check suites given, then a fuzz harness over its corpus,
# and close with the totals: "N passed, N failed".
#   sh tests/run.sh SUITE... -- FUZZER CORPUS
# Every suite runs even when one fails; the exit status says if any did.
set -u
passed=0
failed=0
status=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	suite=$1
	shift
	out=$("$suite" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^Running suite' | grep -v '^[0-9]*%: Checks' || true
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$suite: no results (exit $rc)"
		failed=$((failed + 1))
		status=1
		continue
	fi
	n=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	echo "$(basename "$suite"): $line"
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
	[ "$rc" -eq 0 ] && [ $((f + e)) -eq 0 ] || status=1
done
if [ $# -gt 0 ] && [ "$1" = "--" ]; then
	shift
	while [ $# -ge 2 ]; do
		if "$1" "$2" >/dev/null 2>&1; then
			echo "$(basename "$1"): corpus $2 replayed"
			passed=$((passed + 1))
		else
			echo "$(basename "$1"): FAILED on corpus $2"
			failed=$((failed + 1))
			status=1
		fi
		shift 2
	done
fi
echo "$passed passed, $failed failed"
exit $status
