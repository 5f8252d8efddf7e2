#!/bin/sh
# bench/run.sh - `make bench`: a benchmark, not a test.
#
#   sh bench/run.sh BUILD     (make bench runs it with its build directory)
#
# 1. A catalogue of every package in Debian's lists (some 63,000
#    documents: product or manual, title, long description, section,
#    maintainer, specs) made by bench/debpkg from `apt-cache dumpavail`
#    and the Translation-en lists, cached in build/bench-data/.
# 2. Indexing: the real indexer into a fresh index, and bench/baseline (a
#    bare Xapian TermGenerator loop over the same feeds), in turns, ROUNDS
#    times; docs/s by the wall clock, index size as du counts it.
# 3. Search: the real searchd (default settings) on 127.0.0.1, loaded by
#    wrk with bench/search.lua over the queries of bench/queries.txt at 1,
#    8 and 32 connections; in the same rounds the same queries run in one
#    thread in-process through the shim (bench/inproc), with the engine
#    calls searchd makes: reopen the handle, default time limit, search,
#    snippets, facets.
# 4. The medians of the rounds, and the three targets as ratios measured
#    in this run: HTTP p50 at one connection at most 0.3 ms above the
#    in-process p50; 8 connections at least 1.4 times the in-process
#    single-thread rate; the indexer at least 70% of the baseline's rate.
#
# Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per measurement
# (default 5).  As root, missing apt lists and wrk are fetched with
# apt-get; otherwise it says what to run.  Exit status 0 when it ran
# (whether or not the targets were met), 1 when it could not.
set -eu

BUILD=${1:-build}
BIN=$BUILD/bench
DATA=build/bench-data
WORK=$BUILD/bench/work
QUERIES=bench/queries.txt
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-5}
LISTS=/var/lib/apt/lists
MIN_DOCS=50000

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

is_root() {
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1
}

now() {
	date +%s.%N
}

# The median of the numbers given (the lower middle one for an even count).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# calc EXPR: awk arithmetic, printed with up to 3 decimals.
calc() {
	awk "BEGIN { printf \"%.3f\", $1 }"
}

# field NAME LINE: the value of NAME=... in a key=value line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

lists_of() {
	# shellcheck disable=SC2012
	ls "$LISTS" 2>/dev/null | grep -E "$1" | sed "s|^|$LISTS/|" || true
}

# ---------------------------------------------------------------- tools

need_wrk() {
	command -v wrk >/dev/null 2>&1 && return 0
	if is_root; then
		echo "bench: installing wrk"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
			>/dev/null || die "cannot install wrk"
		return 0
	fi
	die "wrk is missing: install it with: sudo apt-get install wrk"
}

# ------------------------------------------------------------ catalogue

catalogue() {
	feed=$DATA/feed
	if [ -f "$feed/.complete" ]; then
		echo "catalogue: $(cat "$feed/.complete") (cached in $feed)"
		return 0
	fi
	if [ -z "$(lists_of '_Packages(\.[a-z0-9]+)?$')" ]; then
		is_root || die "no package lists in $LISTS: run sudo apt-get update"
		echo "bench: no package lists yet: apt-get update"
		apt-get update -qq >/dev/null || die "apt-get update failed"
	fi
	if [ -z "$(lists_of '_i18n_Translation-en(\.[a-z0-9]+)?$')" ]; then
		is_root || die "no long descriptions (Translation-en) in $LISTS: run" \
			"sudo apt-get update -o Acquire::Languages=en"
		echo "bench: fetching the long descriptions: apt-get update -o Acquire::Languages=en"
		apt-get update -qq -o Acquire::Languages=en >/dev/null || die "apt-get update failed"
	fi
	mkdir -p "$DATA"
	rm -rf "$feed" "$feed.tmp"
	apt-cache dumpavail >"$DATA/packages.txt" || die "apt-cache dumpavail failed"
	: >"$DATA/translations.txt"
	for f in $(lists_of '_i18n_Translation-en(\.[a-z0-9]+)?$'); do
		/usr/lib/apt/apt-helper cat-file "$f" >>"$DATA/translations.txt" ||
			die "cannot read $f"
	done
	"$BIN/debpkg" --translations "$DATA/translations.txt" --out "$feed.tmp" \
		"$DATA/packages.txt" 2>"$DATA/debpkg.log" || { cat "$DATA/debpkg.log" >&2; exit 1; }
	docs=$(cat "$feed.tmp"/*.ndjson | wc -l)
	[ "$docs" -ge "$MIN_DOCS" ] ||
		die "only $docs packages in the lists (at least $MIN_DOCS wanted): is 'main' enabled?"
	echo "$docs documents, $(du -sk "$feed.tmp" | cut -f1) KiB of NDJSON" >"$feed.tmp/.complete"
	mv "$feed.tmp" "$feed"
	rm -f "$DATA/packages.txt" "$DATA/translations.txt"
	echo "catalogue: $(sed 's/^debpkg: //' "$DATA/debpkg.log")"
}

# ------------------------------------------------------------- indexing

# index_round N: one indexer run and one baseline run; appends the rates.
index_round() {
	rm -rf "$WORK/index" "$WORK/baseline"
	t0=$(now)
	st=0
	"$BUILD/indexer" --quiet --db "$WORK/index" "$DATA/feed" >"$WORK/indexer.log" 2>&1 || st=$?
	t1=$(now)
	[ "$st" -eq 0 ] || { cat "$WORK/indexer.log" >&2; die "the indexer failed (exit $st)"; }
	grep -q "^indexed $DOCS documents" "$WORK/indexer.log" ||
		{ cat "$WORK/indexer.log" >&2; die "the indexer did not index $DOCS documents"; }
	t2=$(now)
	"$BIN/baseline" --db "$WORK/baseline" "$DATA/feed" >"$WORK/baseline.log" 2>&1 ||
		{ cat "$WORK/baseline.log" >&2; die "the baseline failed"; }
	t3=$(now)
	r_idx=$(calc "$DOCS / ($t1 - $t0)")
	r_base=$(calc "$DOCS / ($t3 - $t2)")
	IDX_RATES="$IDX_RATES $r_idx"
	BASE_RATES="$BASE_RATES $r_base"
	printf '  round %s: indexer %6.0f docs/s (%5.1f s), baseline %6.0f docs/s (%5.1f s)\n' \
		"$1" "$r_idx" "$(calc "$t1 - $t0")" "$r_base" "$(calc "$t3 - $t2")"
}

# --------------------------------------------------------------- search

SEARCHD_PID=
stop_searchd() {
	if [ -n "$SEARCHD_PID" ]; then
		kill "$SEARCHD_PID" 2>/dev/null || true
		wait "$SEARCHD_PID" 2>/dev/null || true
		SEARCHD_PID=
	fi
}

start_searchd() {
	"$BUILD/searchd" --db "$WORK/index" --listen 127.0.0.1:0 >"$WORK/searchd.out" \
		2>"$WORK/searchd.err" &
	SEARCHD_PID=$!
	i=0
	while ! grep -q 'serving' "$WORK/searchd.out" 2>/dev/null; do
		kill -0 "$SEARCHD_PID" 2>/dev/null ||
			{ cat "$WORK/searchd.err" >&2; SEARCHD_PID=; die "searchd did not start"; }
		i=$((i + 1))
		[ "$i" -lt 300 ] || die "searchd did not say where it serves within 30 s"
		sleep 0.1
	done
	PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$WORK/searchd.out")
	[ -n "$PORT" ] || die "cannot read searchd's port from: $(cat "$WORK/searchd.out")"
}

# searchd's CPU time so far (user and system), in seconds.
searchd_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$SEARCHD_PID/stat"
}

# wrk_run CONNS SECONDS: prints the wrk-result line, with cpu_us=, the
# CPU time searchd spent per request.
wrk_run() {
	threads=$1
	[ "$threads" -le 2 ] || threads=2 # two cores: more wrk threads only compete
	cpu0=$(searchd_cpu)
	wrk -t "$threads" -c "$1" -d "${2}s" --timeout 10s --latency -s bench/search.lua \
		"http://127.0.0.1:$PORT" -- "$QUERIES" >"$WORK/wrk-$1.log" 2>&1 ||
		{ cat "$WORK/wrk-$1.log" >&2; die "wrk failed"; }
	cpu1=$(searchd_cpu)
	cat "$WORK/wrk-$1.log" >>"$WORK/wrk-all.log"
	line=$(grep '^wrk-result' "$WORK/wrk-$1.log") ||
		{ cat "$WORK/wrk-$1.log" >&2; die "no result line from wrk"; }
	printf '%s cpu_us=%s\n' "$line" \
		"$(calc "($cpu1 - $cpu0) * 1000000 / ($(field requests "$line") + 1e-9)")"
}

search_round() {
	line=$("$BIN/inproc" --db "$WORK/index" --reopen --seconds "$SECS" "$QUERIES") ||
		die "the in-process search failed"
	IN_P50="$IN_P50 $(calc "$(field p50_us "$line") / 1000")"
	IN_P99="$IN_P99 $(calc "$(field p99_us "$line") / 1000")"
	IN_QPS="$IN_QPS $(field qps "$line")"
	IN_CPU="$IN_CPU $(calc "$(field cpu_us "$line") / 1000")"
	summary="  round $1: in-process $(field qps "$line") q/s"
	for c in 1 8 32; do
		line=$(wrk_run "$c" "$SECS")
		d=$(field duration_us "$line")
		rps=$(calc "$(field requests "$line") / ($d / 1000000)")
		eval "P50_$c=\"\$P50_$c $(calc "$(field p50_us "$line") / 1000")\""
		eval "P99_$c=\"\$P99_$c $(calc "$(field p99_us "$line") / 1000")\""
		eval "RPS_$c=\"\$RPS_$c $rps\""
		eval "CPU_$c=\"\$CPU_$c $(calc "$(field cpu_us "$line") / 1000")\""
		ERRORS=$((ERRORS + $(field errors "$line")))
		summary="$summary, $c conn $rps req/s"
	done
	echo "$summary"
}

verdict() {
	if awk "BEGIN { exit !($1) }"; then echo PASS; else echo MISS; fi
}

# ----------------------------------------------------------------- main

[ -x "$BUILD/indexer" ] && [ -x "$BUILD/searchd" ] && [ -x "$BIN/debpkg" ] &&
	[ -x "$BIN/baseline" ] && [ -x "$BIN/inproc" ] || die "build first: make bench"
need_wrk
started=$(now)
echo "== make bench: $(nproc) cores, $ROUNDS rounds, ${SECS} s per search measurement"
catalogue
DOCS=$(cat "$DATA/feed"/*.ndjson | wc -l)
mkdir -p "$WORK"
trap stop_searchd EXIT
trap 'stop_searchd; exit 1' INT TERM

echo "== indexing $DOCS documents: indexer, then baseline, $ROUNDS times"
IDX_RATES= BASE_RATES=
r=1
while [ "$r" -le "$ROUNDS" ]; do
	index_round "$r"
	r=$((r + 1))
done
IDX_KIB=$(du -sk "$WORK/index" | cut -f1)
BASE_KIB=$(du -sk "$WORK/baseline" | cut -f1)
rm -rf "$WORK/baseline"
# shellcheck disable=SC2086
IDX_RATE=$(median $IDX_RATES)
# shellcheck disable=SC2086
BASE_RATE=$(median $BASE_RATES)

echo "== searching: searchd over HTTP with wrk, and in-process, $ROUNDS times"
start_searchd
: >"$WORK/wrk-all.log"
"$BIN/inproc" --db "$WORK/index" --seconds 1 "$QUERIES" >/dev/null ||
	die "the in-process search failed"
wrk_run 8 2 >/dev/null # warm-up: page cache and every worker's handle
IN_P50= IN_P99= IN_QPS= IN_CPU= P50_1= P99_1= RPS_1= CPU_1= P50_8= P99_8= RPS_8= CPU_8=
P50_32= P99_32= RPS_32= CPU_32=
ERRORS=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	search_round "$r"
	r=$((r + 1))
done
stop_searchd

med() {
	# shellcheck disable=SC2046
	median $(eval "echo \$$1")
}
in_p50=$(med IN_P50)
in_qps=$(med IN_QPS)
p50_1=$(med P50_1)
rps_8=$(med RPS_8)
gap=$(calc "$p50_1 - $in_p50")
scale=$(calc "$rps_8 / $in_qps")
ratio=$(calc "$IDX_RATE / $BASE_RATE")

echo
echo "== results (medians of $ROUNDS rounds; $DOCS documents; $(nproc) cores)"
printf 'indexing      indexer  %6.0f docs/s, index %4d MiB\n' "$IDX_RATE" $((IDX_KIB / 1024))
printf '              baseline %6.0f docs/s, index %4d MiB (bare Xapian, title+body)\n' \
	"$BASE_RATE" $((BASE_KIB / 1024))
printf '%-13s %8s %8s %10s %12s\n' "search" "p50 ms" "p99 ms" "queries/s" "cpu ms/query"
printf '%-13s %8.2f %8.2f %10.1f %12.2f\n' "in-process" "$in_p50" "$(med IN_P99)" "$in_qps" \
	"$(med IN_CPU)"
for c in 1 8 32; do
	printf '%-13s %8.2f %8.2f %10.1f %12.2f\n' "http $c conn" "$(med "P50_$c")" \
		"$(med "P99_$c")" "$(med "RPS_$c")" "$(med "CPU_$c")"
done
[ "$ERRORS" -eq 0 ] || echo "warning: $ERRORS HTTP requests failed (see $WORK/wrk-all.log)"
echo
echo "targets"
printf '  http p50 at 1 conn - in-process p50 = %6.3f ms   (<= 0.3 ms)   %s\n' "$gap" \
	"$(verdict "$gap <= 0.3")"
printf '  http 8 conns / in-process 1 thread  = %6.2f      (>= 1.4)      %s\n' "$scale" \
	"$(verdict "$scale >= 1.4")"
printf '  indexer / baseline docs/s           = %6.2f      (>= 0.70)     %s\n' "$ratio" \
	"$(verdict "$ratio >= 0.7")"
printf '  (searchd cpu per request at 1 conn - in-process cpu per query = %.3f ms)\n' \
	"$(calc "$(med CPU_1) - $(med IN_CPU)")"
echo "bench took $(calc "$(now) - $started" | cut -d. -f1) s; logs in $WORK"
