# shellcheck shell=bash
# Shared plumbing for the benchmark drivers run_tcp_bench.sh and
# run_tap_bench.sh (sourced, not run).
#
# The sourcing script sets ME (its name, the prefix of every message),
# STEP_TIMEOUT (seconds per program) and, before veth_pair/offloads, NSA and
# NSB (the Linux client's and server's namespaces). Everything the script
# starts goes into PIDS, every namespace it creates into NETNS and its files
# into TMP; cleanup, run on any exit, ends only those processes, deletes only
# those namespaces and removes TMP. Measurements are kept one "ROUND VALUE"
# a line in $TMP/m.METRIC.TAG and printed as medians of the rounds, with the
# median [min-max] of the per-round ratios synack/X beside them.
#
# Also here, once for both drivers: the provenance header, the seeded
# shuffle of each round's runs, and the busy time of the pinned CPUs from
# /proc/stat around each run (the CPU cost every stack is charged alike).
#
# Exit codes: 2 usage/missing tools, 77 not root (the drivers add 0 done and
# 1 a measurement failed).

set -u

PIDS=()
NETNS=()
TMP=
FAIL=0
ROUND=0
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
USER_HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

# ---- checks before anything is created ----
# linux_tcp_peer's congestion control, for every driver that runs it:
# LINUX_CC (default cubic, the kernel's and Debian's default; empty: the
# namespace's, inherited from the host, which may have set another: this
# project's machines default to bbr, whose pacing held Linux's bulk sender
# near 17 Gbit/s where cubic moves 30 over the same veth, and which paced
# against synack's ACKs into runs at half speed). LINUX_CC_ARGS: the
# peer's option, to put before its mode; linux_cc_note NS prints the
# header line.
LINUX_CC=${LINUX_CC-cubic}
LINUX_CC_ARGS=()
[ -z "$LINUX_CC" ] || LINUX_CC_ARGS=(-c "$LINUX_CC")
linux_cc_note() { # linux_cc_note NS
    echo "# linux_tcp_peer: congestion control ${LINUX_CC:-of the namespace} per socket" \
        "(namespace default $(ip netns exec "$1" sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null ||
            echo unknown); LINUX_CC sets it)"
}

need_root() { # need_root WHY
    if [ "$(id -u)" -ne 0 ]; then
        echo "$ME: skipped: needs root ($1)" >&2
        exit 77
    fi
}

need_numbers() { # need_numbers VAR...: each a non-negative integer
    local v
    for v in "$@"; do
        case ${!v} in '' | *[!0-9]*) echo "$ME: $v must be a number" >&2; exit 2 ;; esac
    done
}

need_range() { # need_range VAR LO HI
    if [ "${!1}" -lt "$2" ] || [ "${!1}" -gt "$3" ]; then
        echo "$ME: $1 must be $2..$3" >&2
        exit 2
    fi
}

need_seconds() { # need_seconds VAR MAX: a decimal number of seconds, 0 < VAR < MAX
    if ! awk -v v="${!1}" -v m="$2" 'BEGIN { exit !(v ~ /^[0-9]+(\.[0-9]+)?$/ && v > 0 && v < m) }'
    then
        echo "$ME: $1 must be seconds, more than 0 and less than $2" >&2
        exit 2
    fi
}

need_tools() { # need_tools TOOL...
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || { echo "$ME: $t is needed" >&2; exit 2; }
    done
}

# ---- what we create, and its removal on any exit ----
cleanup() {
    local p ns ours
    # plus bash's own list of our background jobs: a signal can land between
    # a job's `&` and its PIDS+=
    mapfile -t ours < <(jobs -p)
    ours+=("${PIDS[@]}")
    for p in "${ours[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${ours[@]}"; do
        wait "$p" 2>/dev/null
    done
    for ns in "${NETNS[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    if [ -n "$TMP" ]; then rm -rf "$TMP"; fi
}

# bench_start PREFIX: the traps, then the temporary directory /tmp/PREFIX.*
bench_start() {
    trap cleanup EXIT
    trap 'echo "$ME: interrupted" >&2; exit 130' INT TERM
    TMP=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
}

# netns_add NAME: create a namespace; it is listed first, so that an
# interrupt right after its creation still deletes it.
netns_add() {
    NETNS+=("$1")
    ip netns add "$1"
}

# veth_pair: namespaces $NSA and $NSB joined by a veth pair, va
# (192.0.2.1/24) in $NSA and vb (192.0.2.2/24) in $NSB, MTU 1500.
veth_pair() {
    netns_add "$NSA" || return 1
    netns_add "$NSB" || return 1
    ip -n "$NSA" link set lo up
    ip -n "$NSB" link set lo up
    ip -n "$NSA" link add va type veth peer name vb netns "$NSB" || return 1
    ip -n "$NSA" link set va mtu 1500 up
    ip -n "$NSB" link set vb mtu 1500 up
    ip -n "$NSA" addr add 192.0.2.1/24 dev va
    ip -n "$NSB" addr add 192.0.2.2/24 dev vb
}

HAVE_ETHTOOL=0
command -v ethtool >/dev/null && HAVE_ETHTOOL=1

offloads() { # offloads on|off, on both veth ends; fails without ethtool
    [ $HAVE_ETHTOOL = 1 ] || return 1
    ip netns exec "$NSA" ethtool -K va tso "$1" gso "$1" gro "$1" tx "$1" rx "$1" >/dev/null 2>&1
    ip netns exec "$NSB" ethtool -K vb tso "$1" gso "$1" gro "$1" tx "$1" rx "$1" >/dev/null 2>&1
}

# ---- processes ----
# exec_pinned CPU COMMAND...: replace the current (background) subshell by
# COMMAND, on CPU when taskset can, so that $! is the PID of COMMAND itself
# and the trap can end it. Only ever called as `exec_pinned ... &`.
exec_pinned() {
    local cpu=$1
    shift
    if command -v taskset >/dev/null && [ "$cpu" -lt "$NCPU" ]; then
        exec taskset -c "$cpu" "$@"
    fi
    exec "$@"
}

reap() { # reap PID: wait for a process we started, then forget it
    wait "$1"
    local rc=$? p keep=()
    for p in "${PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    PIDS=("${keep[@]}")
    return $rc
}

# run_fg OUT CPU COMMAND...: run pinned with a time limit, output to OUT.
# Started in the background and waited for, so that Ctrl-C reaches the trap
# at once (timeout puts its command in a process group of its own, out of
# reach of the terminal's signals) and the trap can end it by its PID.
run_fg() {
    local out=$1 cpu=$2
    shift 2
    exec_pinned "$cpu" timeout "$STEP_TIMEOUT" "$@" >"$out" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    reap "$pid"
}

# serve_bg OUT CPU COMMAND...: start a server like run_fg but leave it
# running. Sets SRV_PID (the timeout process: end it, reap it).
serve_bg() {
    local out=$1 cpu=$2
    shift 2
    : >"$out"
    exec_pinned "$cpu" timeout "$STEP_TIMEOUT" "$@" >"$out" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
}

# wait_ready OUT: until the server SRV_PID prints READY to OUT (at most 5 s);
# fails at once if it exits first.
wait_ready() {
    local _
    for _ in $(seq 1 100); do
        grep -q READY "$1" && return 0
        kill -0 "$SRV_PID" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}

# ---- measurements ----
# field KEY FILE: the value of KEY=... on the RESULT line of FILE
field() { sed -n "s/.*RESULT .*[ ]$1=\([^ ]*\).*/\1/p" "$2" | head -n 1; }

record() { # record METRIC.TAG VALUE (this ROUND's); an empty VALUE is a failed measurement
    if [ -z "$2" ]; then FAIL=1; return; fi
    echo "$ROUND $2" >>"$TMP/m.$1"
}

# per_gb CPU_S BYTES: CPU-seconds per GB (1e9 bytes); per_kconn CPU_S CONNS:
# CPU-seconds per 1000 connections; empty when an input is missing or zero
per_gb() {
    awk -v c="$1" -v b="$2" 'BEGIN { if (c != "" && b + 0 > 0) printf "%.4g", c / (b / 1e9) }'
}
per_kconn() {
    awk -v c="$1" -v n="$2" 'BEGIN { if (c != "" && n + 0 > 0) printf "%.4g", c / (n / 1000) }'
}
add() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") printf "%.3f", a + b }'; }

median() { # median FILE: of the values (column 2) in FILE, "-" when there are none
    [ -s "$1" ] || { echo "-"; return; }
    awk '{ print $2 }' "$1" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
        else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# paired FILE_A FILE_B: a/b for each round present in both, then their
# median and range: "MED [MIN-MAX]" ("-" when no round has both)
paired() {
    if [ ! -s "$1" ] || [ ! -s "$2" ]; then echo "-"; return; fi
    awk 'NR == FNR { a[$1] = $2; next } ($1 in a) && $2 != 0 { print a[$1] / $2 }' "$1" "$2" |
        sort -g | awk 'function f(x) { # 3 significant digits, never an exponent
                if (x >= 100) return sprintf("%.0f", x)
                if (x >= 10) return sprintf("%.1f", x)
                if (x >= 1) return sprintf("%.2f", x)
                return sprintf("%.3g", x) }
            { v[NR] = $1 } END {
            if (NR == 0) { print "-"; exit }
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s [%s-%s]\n", f(m), f(v[1]), f(v[NR]) }'
}

# ---- provenance: where the numbers come from ----
# provenance BUILD_DIR COMMAND: the header both drivers print first
provenance() {
    local root
    root=$(cd "$(dirname "$0")/.." && pwd)
    echo "# commit: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
        "(source tree)"
    if [ -x "$1/bench/bench_tcp" ]; then
        "$1/bench/bench_tcp" provenance | sed -n 's/^# commit: \(.*\) (built)/# binaries: \1 (built)/p'
    fi
    echo "# kernel: $(uname -r)"
    echo "# cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "# cpus online: $NCPU"
    echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "# command: $2"
}

# ---- the order of the runs in a round ----
# seed_order: seed bash's RANDOM from SEED (default: the date), print it
seed_order() {
    SEED=${SEED:-$(($(date +%s) % 1000000))}
    case $SEED in '' | *[!0-9]*) echo "$ME: SEED must be a number" >&2; exit 2 ;; esac
    RANDOM=$SEED
    echo "# order: shuffled in every round, seed $SEED (SEED=$SEED repeats it)"
}
shuffle() { # shuffle ITEM...: ORDER = a random permutation (Fisher-Yates)
    ORDER=("$@")
    local i j t
    for ((i = ${#ORDER[@]} - 1; i > 0; i--)); do
        j=$((RANDOM % (i + 1)))
        t=${ORDER[i]}
        ORDER[i]=${ORDER[j]}
        ORDER[j]=$t
    done
}

# ---- CPU time of the pinned CPUs, from /proc/stat ----
# Busy = user + nice + system + irq + softirq (guest time is already in
# user), steal apart, in USER_HZ ticks. Summed over the CPUs a run is
# pinned to, this charges every stack alike: its processes, the kernel work
# they cause wherever it is accounted (softirq, ksoftirqd, the TAP/veth
# path), and also anything else that ran on those CPUs meanwhile (on a
# shared machine, other jobs: see background_load).

# cpu_list CPU...: the distinct CPUs as "0,1", or "all" when one of them is
# not online or taskset is missing (nothing is pinned then)
cpu_list() {
    local c
    command -v taskset >/dev/null || { echo all; return; }
    for c in "$@"; do
        [ "$c" -lt "$NCPU" ] || { echo all; return; }
    done
    printf '%s\n' "$@" | sort -n -u | paste -s -d, -
}

cpu_ticks() { # cpu_ticks LIST: "BUSY STEAL" ticks summed over LIST (or all)
    awk -v list="$1" 'BEGIN { n = split(list, c, ","); for (i = 1; i <= n; i++) want["cpu" c[i]] = 1
                              if (list == "all") want["cpu"] = 1 }
        $1 in want { busy += $2 + $3 + $4 + $7 + $8; steal += $9 }
        END { printf "%d %d\n", busy, steal }' /proc/stat
}

stat_begin() { # stat_begin LIST: sample before a run
    STAT_LIST=$1
    STAT0=$(cpu_ticks "$1")
}
# shellcheck disable=SC2034 # STAT_STEAL_S is read by the drivers
stat_end() { # sample after it: STAT_BUSY_S, STAT_STEAL_S (CPU-seconds)
    local b0 s0 b1 s1
    read -r b0 s0 <<<"$STAT0"
    read -r b1 s1 <<<"$(cpu_ticks "$STAT_LIST")"
    STAT_BUSY_S=$(awk -v a="$b0" -v b="$b1" -v t="$USER_HZ" 'BEGIN { printf "%.3f", (b - a) / t }')
    STAT_STEAL_S=$(awk -v a="$s0" -v b="$s1" -v t="$USER_HZ" 'BEGIN { printf "%.3f", (b - a) / t }')
}

# background_load LIST SECONDS: busy CPU-seconds per second of LIST while
# this script runs nothing (what other jobs add to every /proc/stat figure)
background_load() {
    stat_begin "$1"
    sleep "$2"
    stat_end
    awk -v b="$STAT_BUSY_S" -v s="$2" 'BEGIN { printf "%.2f", b / s }'
}

# ---- the table ----
# The script sets TABLE_TAGS (the tags, in column order; nooff is headed
# linux-nooff) and TABLE_VS (the tags synack is divided by, round by
# round). table "LABEL|METRIC"...: a markdown table, one row per argument;
# MISSING counts the empty cells (SMOKE runs fail on any).
MISSING=0
col_name() { if [ "$1" = nooff ]; then echo linux-nooff; else echo "$1"; fi; }
table() {
    local t row label metric v head="| metric |" rule="|---|"
    for t in "${TABLE_TAGS[@]}"; do
        head+=" $(col_name "$t") |"
        rule+="---:|"
    done
    for t in "${TABLE_VS[@]}"; do
        head+=" synack/$(col_name "$t") |"
        rule+="---:|"
    done
    local printed=0
    for row in "$@"; do
        label=${row%%|*}
        metric=${row#*|}
        local line="| $label |"
        for t in "${TABLE_TAGS[@]}"; do
            v=$(median "$TMP/m.$metric.$t")
            line+=" $v |"
        done
        for t in "${TABLE_VS[@]}"; do
            v=$(paired "$TMP/m.$metric.synack" "$TMP/m.$metric.$t")
            line+=" $v |"
        done
        # SKIP_EMPTY_ROWS=1 (a driver that ran only some tests): a row
        # with no value at all is left out, a table with no row too
        if [ "${SKIP_EMPTY_ROWS:-0}" = 1 ] &&
            [ -z "$(awk -F'|' '{ for (i = 3; i < NF; i++) if ($i !~ /^ *- *$/) print "x" }' <<<"$line")" ]; then
            continue
        fi
        if [ $printed = 0 ]; then
            echo "$head"
            echo "$rule"
            printed=1
        fi
        echo "$line"
        MISSING=$((MISSING + $(awk -F'|' '{ for (i = 2; i < NF; i++) n += $i ~ /^ *- *$/ }
            END { print n + 0 }' <<<"$line")))
    done
}

# bench_exit: 1 when a measurement failed, else 0
bench_exit() {
    if [ $FAIL != 0 ]; then
        echo "$ME: some measurements failed (see above)" >&2
        exit 1
    fi
    exit 0
}

# tables_and_exit "BULK TAGS" "BULK VS" "CONN TAGS" "CONN VS": the bulk and
# connection tables both drivers print (CONC=0 leaves out the concurrent
# rows), a SMOKE run failing on any empty cell, then bench_exit.
tables_and_exit() {
    read -r -a TABLE_TAGS <<<"$1"
    read -r -a TABLE_VS <<<"$2"
    table "bulk Gbit/s (wall clock)|bulk_gbps" \
        "bulk CPU-s per GB (/proc/stat)|bulk_cpugb" \
        "bulk CPU-s per GB (processes)|bulk_pcpugb"
    echo
    read -r -a TABLE_TAGS <<<"$3"
    read -r -a TABLE_VS <<<"$4"
    local rows=("conn/s, 1 at a time|conn1"
        "CPU-s per 1000 conn, 1 at a time (/proc/stat)|conn1_cpuk"
        "CPU-s per 1000 conn, 1 at a time (processes)|conn1_pcpuk")
    if [ "$CONC" != 0 ]; then
        rows+=("conn/s, $CONC at once|conn$CONC"
            "CPU-s per 1000 conn, $CONC at once (/proc/stat)|conn${CONC}_cpuk"
            "CPU-s per 1000 conn, $CONC at once (processes)|conn${CONC}_pcpuk")
    fi
    table "${rows[@]}"
    # a driver with more tables defines extra_tables (run_tap_bench.sh)
    declare -F extra_tables >/dev/null && extra_tables
    if [ "$SMOKE" = 1 ] && [ "$MISSING" != 0 ]; then
        echo "$ME: SMOKE: $MISSING table cells are empty" >&2
        FAIL=1
    fi
    bench_exit
}

# ---- added for run_loss_bench.sh ----
# netstat_snap NS FILE: the namespace's TcpExt and Tcp counters as
# "Name value" lines (from /proc/net/netstat and /proc/net/snmp, which are
# per namespace)
netstat_snap() {
    ip netns exec "$1" cat /proc/net/netstat /proc/net/snmp 2>/dev/null | awk '
        $1 == "TcpExt:" || $1 == "Tcp:" {
            if (!(($1) in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
            for (i = 2; i <= NF; i++) print substr($1, 1, length($1) - 1) "." name[$1, i], $i
        }' >"$2"
}

# netstat_delta BEFORE AFTER NAME: AFTER minus BEFORE for one counter
# (TcpExt.TCPTimeouts, Tcp.RetransSegs ...); empty when unknown
netstat_delta() {
    awk -v k="$3" 'FNR == NR { if ($1 == k) b = $2; next }
        $1 == k { printf "%d\n", $2 - b; found = 1 } END { if (!found) print "" }' "$1" "$2"
}
