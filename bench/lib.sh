# shellcheck shell=bash
# Shared plumbing for the benchmark drivers run_tcp_bench.sh and
# run_tap_bench.sh (sourced, not run).
#
# The sourcing script sets ME (its name, the prefix of every message),
# STEP_TIMEOUT (seconds per program) and, before veth_pair/offloads, NSA and
# NSB (the Linux client's and server's namespaces). Everything the script
# starts goes into PIDS, every namespace it creates into NETNS and its files
# into TMP; cleanup, run on any exit, ends only those processes, deletes only
# those namespaces and removes TMP. Measurements are kept one value a line in
# $TMP/m.METRIC.TAG and printed as medians of the rounds.
#
# Exit codes: 2 usage/missing tools, 77 not root (the drivers add 0 done and
# 1 a measurement failed).

set -u

PIDS=()
NETNS=()
TMP=
FAIL=0
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# ---- checks before anything is created ----
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

record() { # record METRIC.TAG VALUE; an empty VALUE is a failed measurement
    if [ -z "$2" ]; then FAIL=1; return; fi
    echo "$2" >>"$TMP/m.$1"
}

# gbps_per_cpu MIB CPU1 CPU2 and conns_per_cpu CONNS CPU1 CPU2: the work
# divided by the CPU seconds of both ends
gbps_per_cpu() {
    awk -v b="$1" -v c="$2" -v d="$3" 'BEGIN { printf "%.3f", b * 8 * 1048576 / (c + d) / 1e9 }'
}
conns_per_cpu() {
    awk -v n="$1" -v c="$2" -v d="$3" 'BEGIN { printf "%.1f", n / (c + d) }'
}

median() { # median FILE: of the numbers in FILE, "-" when there are none
    [ -s "$1" ] || { echo "-"; return; }
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
        else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-";
    else printf "%.2f", a / b }'; }

# ---- the table of medians ----
# The script sets TABLE_FMT (printf format: the metric, then one column per
# tag, then one per ratio), TABLE_TAGS (the tags, in column order; the tag
# nooff is headed linux-nooff), TABLE_VS (the tags synack is divided by)
# and CONC (0: no rows for the concurrent test).
table_row() { # table_row LABEL METRIC
    local t m=() r=() s
    for t in "${TABLE_TAGS[@]}"; do
        m+=("$(median "$TMP/m.$2.$t")")
    done
    s=$(median "$TMP/m.$2.synack")
    for t in "${TABLE_VS[@]}"; do
        r+=("$(ratio "$s" "$(median "$TMP/m.$2.$t")")")
    done
    # shellcheck disable=SC2059 # the format is the script's TABLE_FMT
    printf "$TABLE_FMT" "$1" "${m[@]}" "${r[@]}"
}

# table: the header and the rows both benchmarks print
table() {
    local t head=() vs=()
    for t in "${TABLE_TAGS[@]}"; do
        [ "$t" = nooff ] && t=linux-nooff
        head+=("$t")
    done
    for t in "${TABLE_VS[@]}"; do
        vs+=("s/$t")
    done
    # shellcheck disable=SC2059
    printf "$TABLE_FMT" metric "${head[@]}" "${vs[@]}"
    table_row "bulk Gbit/s (wall clock)" bulk_gbps
    table_row "bulk Gbit/s per CPU-second" bulk_gbps_cpu
    table_row "conn/s, 1 at a time" conn1
    table_row "conn per CPU-second, 1 at a time" conn1_cpu
    if [ "$CONC" != 0 ]; then
        table_row "conn/s, $CONC at once" "conn$CONC"
        table_row "conn per CPU-second, $CONC at once" "conn${CONC}_cpu"
    fi
}

# bench_exit: 1 when a measurement failed, else 0
bench_exit() {
    if [ $FAIL != 0 ]; then
        echo "$ME: some measurements failed (see above)" >&2
        exit 1
    fi
    exit 0
}

# ---- added for run_loss_bench.sh ----
# provenance_print: what the numbers were measured on (commit, kernel, CPU
# model, date), one "# key: value" line each
provenance_print() {
    local here commit dirty cpu
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null | head -c 1)
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    echo "# commit: $commit${dirty:+ (uncommitted changes)}"
    echo "# kernel: $(uname -sr)"
    echo "# cpu: ${cpu:-unknown} ($NCPU online)"
    echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
}

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
