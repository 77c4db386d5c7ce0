#!/usr/bin/env bash
# run_checksum_bench.sh: bench_checksum in PROCS separate processes, and
# the median of each column across them (with min and max), as markdown.
#
#   bench/run_checksum_bench.sh [BUILD_DIR]        (default: build/release)
#
# Why processes: one run of bench_checksum already takes the median of
# REPS interleaved repetitions, but a whole process can land in one of two
# modes (the reference loop measured ~8 or ~15 GB/s from one process to the
# next, never both within one), so a single process's figures are a sample
# of one. Each process's medians are one sample here.
#
# Environment: PROCS (9, 1..99), REPS (31: repetitions inside each
# process), SMOKE=1 (PROCS=2, REPS=3: checks the path, not a measurement).
# Needs no root and touches no network. Exit: 0 done, 1 a run failed, 2 usage.
set -u
ME=run_checksum_bench.sh
BUILD_DIR=${1:-build/release}
PROCS=${PROCS:-9}
REPS=${REPS:-31}
if [ "${SMOKE:-0}" = 1 ]; then
    PROCS=2
    REPS=3
fi
BIN=$BUILD_DIR/bench/bench_checksum
for v in PROCS REPS; do
    case ${!v} in '' | *[!0-9]*) echo "$ME: $v must be a number" >&2; exit 2 ;; esac
done
if [ "$PROCS" -lt 1 ] || [ "$PROCS" -gt 99 ]; then echo "$ME: PROCS must be 1..99" >&2; exit 2; fi
if [ ! -x "$BIN" ]; then
    echo "$ME: $BIN is missing; build it first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi
TMP=$(mktemp -d /tmp/skb-csum.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

for i in $(seq 1 "$PROCS"); do
    if ! "$BIN" --reps "$REPS" >"$TMP/run.$i" 2>&1; then
        echo "$ME: process $i failed:" >&2
        cat "$TMP/run.$i" >&2
        exit 1
    fi
done
# the first process's header: the commit it was built from, kernel, CPU, date
grep '^# ' "$TMP/run.1"
echo "# method: $PROCS processes x $REPS interleaved repetitions; each cell is the median" \
    "across processes of each process's median, [min-max] across processes; GB/s (1e9 B/s);" \
    "fast/ref and fast/memcpy: median across processes of each process's own ratio"
echo "# command: PROCS=$PROCS REPS=$REPS bash bench/run_checksum_bench.sh $BUILD_DIR"
cat "$TMP"/run.* | awk -v procs="$PROCS" '
    function med(a, n,    i, j, t) {
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == "RESULT" {
        split($2, kv, "="); size = kv[2]
        if (!(size in seen)) { seen[size] = 1; sizes[++ns] = size }
        for (f = 3; f <= NF; f++) {
            split($f, kv, "=")
            if (!(kv[1] in known)) { known[kv[1]] = 1; cols[++nc] = kv[1] }
            n = ++cnt[size, kv[1]]; v[size, kv[1], n] = kv[2]; x[kv[1]] = kv[2]
        }
        # the ratios within this process (paired), for their median below
        n = ++nr[size]
        rref[size, n] = x["ref"] > 0 ? x["fast"] / x["ref"] : 0
        rmem[size, n] = x["memcpy"] > 0 ? x["fast"] / x["memcpy"] : 0
    }
    END {
        if (ns == 0) { print "no RESULT lines" > "/dev/stderr"; exit 1 }
        head = "| size |"; rule = "|---|"
        for (c = 1; c <= nc; c++) { head = head " " cols[c] " |"; rule = rule "---|" }
        print head " fast/ref | fast/memcpy |"; print rule "---|---|"
        for (s = 1; s <= ns; s++) {
            row = "| " sizes[s] " B |"
            for (c = 1; c <= nc; c++) {
                n = cnt[sizes[s], cols[c]]
                if (n != procs) { print "missing results" > "/dev/stderr"; exit 1 }
                lo = hi = v[sizes[s], cols[c], 1]
                for (i = 1; i <= n; i++) {
                    a[i] = v[sizes[s], cols[c], i] + 0
                    if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i]
                }
                m[cols[c]] = med(a, n)
                row = row sprintf(" %.2f [%.2f-%.2f] |", m[cols[c]], lo, hi)
            }
            for (i = 1; i <= nr[sizes[s]]; i++) { a[i] = rref[sizes[s], i]; b[i] = rmem[sizes[s], i] }
            r1 = sprintf("%.1fx", med(a, nr[sizes[s]]))
            r2 = sprintf("%.2fx", med(b, nr[sizes[s]]))
            print row " " r1 " | " r2 " |"
        }
    }'
