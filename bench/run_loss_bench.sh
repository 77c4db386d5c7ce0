#!/usr/bin/env bash
# run_loss_bench.sh: goodput under loss, synack against Linux, through the
# same user-space impaired link (`synack link`: this kernel has no netem).
#
#   sudo bench/run_loss_bench.sh [BUILD_DIR]        (default: build/release)
#
#   namespace A (skl-a-PID)                namespace B (skl-b-PID)
#   ta 192.0.2.1  ==[synack link]==  tb --+-- br0 192.0.2.2  Linux
#   (Linux: loss_peer.py)                 +-- ts  192.0.2.3  synack
#
# The link is symmetric: per direction delay RTT/2, rate 100 Mbit/s, a
# queue of one BDP (rate x RTT: 250 kB at 20 ms, 1.25 MB at 100 ms) and the
# cell's loss, on data and ACKs alike. Per cell and round, three transfers
# of MIB MiB, each through a freshly started link with the same seed:
#   linux   Linux A -> Linux B (loss_peer.py source -> sink)
#   s-recv  Linux A -> synack B (`synack serve --discard`): synack receives
#   s-send  synack B -> Linux A (`synack connect` <zeros -> sink): synack sends
#   linux-ba (only when named in STACKS) Linux B -> Linux A, the direction
#           of s-send: the data meet the same loss stream as synack's (each
#           direction of the link draws its own), timed by the same sink
# Goodput is in Mbit/s of payload, measured by Linux's end: s-recv by the
# source in A (connect -> all data acknowledged and the peer's FIN), s-send
# by the sink in A (accept -> FIN); linux by both its source (compared with
# s-recv) and its sink (compared with s-send), so that each ratio compares
# the same clock points. A transfer that does
# not finish in LIMIT seconds is cut off and counted as bytes moved / LIMIT
# (marked `*` in the table, with how many rounds were cut off).
#
# Counters beside each goodput, of the sender (medians of the rounds):
#   Linux (linux, s-recv columns; /proc/net/netstat in A, the sender's
#   namespace): TO TcpExt.TCPTimeouts, FR TCPFastRetrans, SR TCPSackRecovery,
#   TLP TCPLossProbes, SP TCPSpuriousRTOs, DS TCPDSACKRecv (each a sign of a
#   spurious retransmission), RO TCPSACKReorder (the times the sender
#   inferred reordering from SACK or cumulative ACKs: from then on RACK waits
#   a reordering window before each loss; 0 on this link, which does not
#   reorder, unless the receiver's ACKs say otherwise), RS Tcp.RetransSegs.
#   synack (s-send; `synack connect --stats`): RS retransmissions,
#   FR segments resent by the loss recovery (causes fast, partial-ack, sack
#   and rack: what TCPFastRetrans counts; before 2026-12-05 the number of
#   recoveries, which SR counts), TO timeouts, TLP tail loss probes sent (new
#   data or the last segment), SR SACK recoveries, SP spurious timeouts and
#   fast retransmits undone (the "recovery" and "spurious" lines; "-" when
#   this synack does not print them), RO ACKs that showed it reordering
#   (RFC 8985 §6.2 step 3, as Linux's TCPSACKReorder).
#
# Cells (CELLS, space separated RTT_MS:LOSS, LOSS a percentage or `ge`):
# default the full matrix, RTT 20 and 100 ms x loss 0 0.5 1 3 5 10 %, and
# 20:ge = GE_SPEC (Gilbert-Elliott, default ge=0.25%/25%@121us: the chain
# steps once per 121 us, one 1514-byte frame time at 100 Mbit/s, so 0.99 %
# of the time is lost in bursts of 4 frame times on average, the same
# bursts at the same times for every stack; GE_SPEC=ge=0.25%/25% is the
# per-frame chain of the earlier runs). Rounds are interleaved: round 1 of
# every cell and stack, then round 2 ...
#
# Linux runs with its defaults (SACK, RACK, TLP, timestamps) and the
# congestion control LINUX_CC (cubic, the kernel's default), set on the
# sending socket (TCP_CONGESTION): a host may default to another (this one:
# bbr), which a namespace inherits and, as root of a namespace, cannot change
# to an algorithm outside tcp_allowed_congestion_control.
#
# synack gets buffers like Linux's autotuned maximum: --rcvbuf SYNACK_RCVBUF
# and --sndbuf SYNACK_SNDBUF, default the third field of the namespace's
# net.ipv4.tcp_rmem and tcp_wmem (a new namespace's: 6 MiB and 4 MiB, whatever
# the host's are); synack does
# not autotune, so its window is that size from the start. 0: pass neither
# (the stack's default, 256 KiB; also for a synack without these options).
#
# Environment: ROUNDS (3), MIB (64), LIMIT (60 s per transfer), CELLS,
# GE_SPEC, LINUX_CC, SEED (1; the link's seed is SEED + round), KEEP_PCAP=DIR
# (keep captures, first 128 bytes of each frame: DIR/CELL-TAG-rROUND-a.pcap on
# ta in A, what the Linux end in A sees after the link, and ...-b.pcap on tb
# in B, what B's receiver got and sent before the link), STACKS ("linux s-recv s-send", a
# subset skips transfers; the ratios need linux), SYNACK_ARGS (extra options
# for the sending `synack connect`, e.g. --trace), SYNACK_RECV_ARGS (extra
# options for the receiving `synack serve`, e.g. --sack-compress 0), KEEP_LOGS (a directory:
# each s-send `synack connect` log is copied there as CELL-ROUND.log),
# KEEP_NETSTAT (a directory: every TcpExt and Tcp counter of the Linux
# sender's namespace that moved during a linux, linux-ba or s-recv transfer,
# "Name delta" lines in DIR/CELL-TAG-rROUND.txt: how the same Linux sender
# fared against each receiver, beyond the columns of the table),
# TRACE_DIR (a directory: congestion state sampled every TRACE_MS, default
# 10, ms during the linux, s-recv and s-send transfers: DIR/CELL-rROUND-linux-src.txt
# and -linux-sink.txt the Linux source's and sink's TCP_INFO (loss_peer.py,
# LOSS_PEER_TRACE), -srecv-src.txt the Linux source's sending to synack,
# DIR/CELL-rROUND-ssend-synack.txt synack's sender
# (`connect --trace-cc`) and -ssend-sink.txt the Linux sink it sends to),
# SMOKE=1 (MIB 1, ROUNDS 1, LIMIT 20, CELLS "20:0 20:1"), SYSCTL_B (space
# separated KEY=VALUE, set in namespace B before the first transfer: the
# Linux receiver's, e.g. "net.ipv4.tcp_comp_sack_nr=0" to see what one of its
# behaviours is worth; printed in the header).
# Full matrix: 13 cells x 3
# transfers x ROUNDS, each at most LIMIT + ~3 s of setup.
# Exit: 0 done, 1 a measurement failed, 2 usage/missing tools, 77 not root.
set -u
ME=run_loss_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
SMOKE=${SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
    ROUNDS=${ROUNDS:-1} MIB=${MIB:-1} LIMIT=${LIMIT:-20} CELLS=${CELLS:-"20:0 20:1"}
fi
ROUNDS=${ROUNDS:-3}
MIB=${MIB:-64}
LIMIT=${LIMIT:-60}
SEED=${SEED:-1}
GE_SPEC=${GE_SPEC:-ge=0.25%/25%@121us}
LINUX_CC=${LINUX_CC:-cubic}
CELLS=${CELLS:-"20:0 20:0.5 20:1 20:3 20:5 20:10 100:0 100:0.5 100:1 100:3 100:5 100:10 20:ge"}
STEP_TIMEOUT=$((LIMIT + 30))
SYNACK_RCVBUF=${SYNACK_RCVBUF:-ns} # ns: the namespace's tcp_rmem maximum (below)
SYNACK_SNDBUF=${SYNACK_SNDBUF:-ns}

need_root "network namespaces, TAP devices"
need_numbers ROUNDS MIB LIMIT SEED
[ "$SYNACK_RCVBUF" = ns ] || need_numbers SYNACK_RCVBUF
[ "$SYNACK_SNDBUF" = ns ] || need_numbers SYNACK_SNDBUF
need_range ROUNDS 1 50
need_range MIB 1 4096
need_range LIMIT 1 3600
need_tools ip timeout python3 awk ethtool
TRACE_MS=${TRACE_MS:-10}
need_numbers TRACE_MS
if [ -n "${TRACE_DIR:-}" ]; then
    mkdir -p "$TRACE_DIR" || exit 2
    TRACE_DIR=$(cd "$TRACE_DIR" && pwd)
fi
[ -z "${KEEP_NETSTAT:-}" ] || mkdir -p "$KEEP_NETSTAT" || exit 2
if [ -n "${KEEP_PCAP:-}" ]; then
    need_tools dumpcap
    mkdir -p "$KEEP_PCAP" || exit 2
fi
for c in $CELLS; do
    case $c in
    [0-9]*:ge | [0-9]*:[0-9]* | [0-9]*:[0-9]*.[0-9]*) ;;
    *) echo "$ME: bad cell '$c' (RTT_MS:LOSS_PERCENT or RTT_MS:ge)" >&2; exit 2 ;;
    esac
done
SYNACK=$BUILD_DIR/tools/synack
PEER=$(cd "$(dirname "$0")" && pwd)/loss_peer.py
if [ ! -x "$SYNACK" ] || ! "$SYNACK" link --help >/dev/null 2>&1; then
    echo "$ME: $SYNACK (with the link command) is missing; build first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi

NSA=skl-a-$$
NSB=skl-b-$$
bench_start skl-loss
BYTES=$((MIB * 1048576))

# ---- the namespaces, their TAPs and B's bridge ----
loss_topology() {
    netns_add "$NSA" || return 1
    netns_add "$NSB" || return 1
    ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up &&
        ip -n "$NSA" tuntap add dev ta mode tap &&
        ip -n "$NSB" tuntap add dev tb mode tap &&
        ip -n "$NSB" tuntap add dev ts mode tap &&
        ip -n "$NSB" link add br0 type bridge stp_state 0 forward_delay 0 &&
        ip -n "$NSB" link set tb master br0 && ip -n "$NSB" link set ts master br0 &&
        ip -n "$NSA" addr add 192.0.2.1/24 dev ta &&
        ip -n "$NSB" addr add 192.0.2.2/24 dev br0 || return 1
    # frames no larger than the MTU on every TAP (as on a real wire)
    ip netns exec "$NSA" ethtool -K ta tso off gso off gro off >/dev/null 2>&1
    local d
    for d in tb ts br0; do
        ip netns exec "$NSB" ethtool -K "$d" tso off gso off gro off >/dev/null 2>&1
    done
    ip -n "$NSA" link set ta up && ip -n "$NSB" link set br0 up &&
        ip -n "$NSB" link set tb up && ip -n "$NSB" link set ts up
}
loss_topology || { echo "$ME: cannot set up the namespaces" >&2; exit 1; }
# The Linux ends know their peers' MACs for good (synack's is given with
# --mac): ARP crosses the lossy link too, and a Linux neighbour entry gone
# stale between transfers re-probes when a SYN or its SYN,ACK is lost; three
# lost probes fail the connect with "No route to host" (seen once in 36
# transfers at 100 ms / 5 %), a measurement lost to setup for any stack.
# synack still resolves 192.0.2.1 itself, through the link, with its retries.
SYNACK_MAC=02:73:6b:00:02:03
mac_of() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ip -n "$NSA" neigh replace 192.0.2.2 lladdr "$(mac_of "$NSB" br0)" nud permanent dev ta &&
    ip -n "$NSA" neigh replace 192.0.2.3 lladdr "$SYNACK_MAC" nud permanent dev ta &&
    ip -n "$NSB" neigh replace 192.0.2.1 lladdr "$(mac_of "$NSA" ta)" nud permanent dev br0 ||
    { echo "$ME: cannot set the Linux ends' neighbours" >&2; exit 1; }
for kv in ${SYSCTL_B:-}; do
    case $kv in
    net.*=*) ip netns exec "$NSB" sysctl -q -w "$kv" >/dev/null ||
        { echo "$ME: SYSCTL_B: cannot set '$kv' in namespace B" >&2; exit 2; } ;;
    *) echo "$ME: SYSCTL_B: bad '$kv' (net.KEY=VALUE)" >&2; exit 2 ;;
    esac
done
ns_max() { ip netns exec "$NSA" sysctl -n "net.ipv4.$1" | awk '{ print $3 }'; }
[ "$SYNACK_RCVBUF" != ns ] || SYNACK_RCVBUF=$(ns_max tcp_rmem)
[ "$SYNACK_SNDBUF" != ns ] || SYNACK_SNDBUF=$(ns_max tcp_wmem)
BUFOPTS=()
[ "$SYNACK_RCVBUF" = 0 ] || BUFOPTS+=(--rcvbuf "$SYNACK_RCVBUF")
[ "$SYNACK_SNDBUF" = 0 ] || BUFOPTS+=(--sndbuf "$SYNACK_SNDBUF")

# ---- one cell's link ----
cell_spec() { # cell_spec RTT_MS LOSS
    local bdp=$((100000000 * $1 / 8000)) loss
    if [ "$2" = ge ]; then loss=$GE_SPEC; else loss="loss=$2%"; fi
    echo "delay=$(($1 * 1000 / 2))us,rate=100mbit,queue=$bdp,$loss"
}

# wait_line FILE PATTERN PID: until PATTERN shows in FILE (at most 10 s), or
# PID exits
wait_line() {
    local _
    for _ in $(seq 1 200); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

LINK_PID=
link_start() { # link_start SPEC SEED LOG
    "$SYNACK" link --ns-a "$NSA" --tap-a ta --ns-b "$NSB" --tap-b tb --impair "$1" \
        --seed "$2" --stats --time "$((STEP_TIMEOUT * 2))" 2>"$3" &
    LINK_PID=$!
    PIDS+=("$LINK_PID")
    wait_line "$3" running "$LINK_PID"
}
link_stop() {
    kill -INT "$LINK_PID" 2>/dev/null
    reap "$LINK_PID"
}

# bg OUT COMMAND...: start in the background, bounded; sets BG_PID
bg() {
    local out=$1
    shift
    # empty OUT here, not only in the child's redirection: the child may
    # truncate it after wait_line has already read the previous step's
    # READY from it (synack then connected before the sink listened:
    # "connection refused", 0 bytes)
    : >"$out"
    timeout "$STEP_TIMEOUT" "$@" >"$out" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

kv() { sed -n "s/.*RESULT.* $1=\([^ ]*\).*/\1/p" "$2" | head -n 1; } # kv KEY FILE

# record_result TAG CELL FILE: goodput (Mbit/s) and cut-off count
record_result() {
    local b s d
    b=$(kv bytes "$3") s=$(kv secs "$3") d=$(kv "done" "$3")
    if [ -z "$b" ] || [ -z "$s" ]; then
        echo "$ME: $1 $2: no result:" >&2
        sed 's/^/    /' "$3" >&2
        FAIL=1
        return
    fi
    record "gp.$2.$1" "$(awk -v b="$b" -v s="$s" 'BEGIN { printf "%.3f", b * 8 / s / 1e6 }')"
    record "cut.$2.$1" "$((1 - d))"
    local cc
    cc=$(kv cc "$3")
    echo "$ME:   $1: $b bytes in $s s${cc:+ ($cc)}$([ "$d" = 1 ] || echo ' (cut off at the limit)')"
}

# record_linux_counters TAG CELL BEFORE AFTER: the sender's TcpExt counters
record_linux_counters() {
    local k n
    for k in TO:TcpExt.TCPTimeouts FR:TcpExt.TCPFastRetrans SR:TcpExt.TCPSackRecovery \
        TLP:TcpExt.TCPLossProbes SP:TcpExt.TCPSpuriousRTOs DS:TcpExt.TCPDSACKRecv \
        RO:TcpExt.TCPSACKReorder RS:Tcp.RetransSegs; do
        n=$(netstat_delta "$3" "$4" "${k#*:}")
        [ -n "$n" ] && record "${k%%:*}.$2.$1" "$n"
    done
    [ -z "${KEEP_NETSTAT:-}" ] ||
        awk 'FNR == NR { b[$1] = $2; next } $2 != b[$1] { print $1, $2 - b[$1] }' "$3" "$4" \
            >"$KEEP_NETSTAT/${2/:/-}-$1-r$ROUND.txt"
}

# record_synack_counters TAG CELL LOG: from `--stats`
record_synack_counters() {
    local line
    line=$(grep -m1 '^stats: retransmissions' "$3")
    [ -n "$line" ] || return
    record "RS.$2.$1" "$(sed -n 's/.*retransmissions \([0-9]*\).*/\1/p' <<<"$line")"
    record "TO.$2.$1" "$(sed -n 's/.*timeouts \([0-9]*\).*/\1/p' <<<"$line")"
    # FR as Linux counts TCPFastRetrans: segments resent by the loss
    # recovery (fast, partial-ACK, SACK and RACK causes), not recoveries
    # (those are SR) and not the timeout's or the probe's resends
    line=$(grep -m1 '^stats: retransmissions by cause:' "$3")
    if [ -n "$line" ]; then
        local c n=0
        for c in fast partial-ack sack rack; do
            n=$((n + $(sed -n "s/.*[ ]$c \([0-9]*\).*/\1/p" <<<"$line")))
        done
        record "FR.$2.$1" "$n"
    fi
    # tail loss probes (new data or the last segment) and spurious
    # retransmissions undone, when this synack prints them
    line=$(grep -m1 '^stats: recovery:' "$3")
    if [ -n "$line" ]; then
        record "TLP.$2.$1" "$(sed -n 's/.*tail loss probes \([0-9]*\).*/\1/p' <<<"$line")"
        record "SR.$2.$1" "$(sed -n 's/.*SACK recoveries \([0-9]*\).*/\1/p' <<<"$line")"
        grep -q 'reordering seen' <<<"$line" &&
            record "RO.$2.$1" "$(sed -n 's/.*reordering seen \([0-9]*\).*/\1/p' <<<"$line")"
    fi
    line=$(grep -m1 '^stats: spurious retransmissions undone:' "$3")
    if [ -n "$line" ]; then
        local rto fr
        rto=$(sed -n 's/.*timeouts \([0-9]*\),.*/\1/p' <<<"$line")
        fr=$(sed -n 's/.*fast retransmits \([0-9]*\).*/\1/p' <<<"$line")
        record "SP.$2.$1" "$((rto + fr))"
    fi
}

# ---- the three transfers ----
# peer_env CELL WHAT: PENV, the environment for loss_peer.py (TRACE_DIR)
peer_env() {
    PENV=("LOSS_PEER_TRACE_MS=$TRACE_MS")
    [ -z "${TRACE_DIR:-}" ] || PENV+=("LOSS_PEER_TRACE=$TRACE_DIR/${1/:/-}-r$ROUND-$2.txt")
}
# linux_pair CELL TRACE_NAME SINK_NS SOURCE_NS PORT SINK_IP: one Linux to
# Linux transfer; the sink's output in $TMP/sink.out, the source's in
# $TMP/src.out, the sender's namespace counters before and after in
# $TMP/ns0 and $TMP/ns1. 1 when the sink did not start.
linux_pair() {
    local out=$TMP/sink.out src=$TMP/src.out
    peer_env "$1" "$2-sink"
    bg "$out" ip netns exec "$3" env "${PENV[@]}" python3 "$PEER" sink "$5" "$LIMIT"
    local sink=$BG_PID
    wait_line "$out" READY "$sink" || { echo "$ME: linux sink did not start" >&2; FAIL=1; return 1; }
    netstat_snap "$4" "$TMP/ns0"
    peer_env "$1" "$2-src"
    run_fg "$src" "$NCPU" ip netns exec "$4" env "${PENV[@]}" python3 "$PEER" \
        source "$6" "$5" "$BYTES" "$LIMIT" "$LINUX_CC"
    netstat_snap "$4" "$TMP/ns1"
    reap "$sink" # it printed its result before the close the source waited for
    return 0
}

# Linux A -> Linux B, timed by the source (linux) and by the sink (linux-rx)
run_linux() { # CELL
    linux_pair "$1" linux "$NSB" "$NSA" 5001 192.0.2.2 || return
    record_result linux "$1" "$TMP/src.out"
    record_result linux-rx "$1" "$TMP/sink.out"
    record_linux_counters linux "$1" "$TMP/ns0" "$TMP/ns1"
}

# Linux B -> Linux A: the direction synack sends in (s-send), so the data
# meet the same loss stream of the link (each direction has its own),
# timed by the same sink in A
run_linux_ba() { # CELL
    linux_pair "$1" linuxba "$NSA" "$NSB" 5002 192.0.2.1 || return
    record_result linux-ba "$1" "$TMP/sink.out"
    record_linux_counters linux-ba "$1" "$TMP/ns0" "$TMP/ns1"
}

run_srecv() { # CELL
    local log=$TMP/serve.log src=$TMP/src.out
    bg "$log" ip netns exec "$NSB" "$SYNACK" serve --tap ts --addr 192.0.2.3/24 --mac "$SYNACK_MAC" --discard 5001 \
        --stats "${BUFOPTS[@]}" "${SYNACK_RECV_EXTRA[@]}"
    local srv=$BG_PID
    wait_line "$log" "synack serve:" "$srv" || {
        echo "$ME: synack serve did not start:" >&2; cat "$log" >&2; FAIL=1; return; }
    netstat_snap "$NSA" "$TMP/ns0"
    peer_env "$1" srecv-src # the Linux sender's TCP_INFO against synack (TRACE_DIR)
    run_fg "$src" "$NCPU" ip netns exec "$NSA" env "${PENV[@]}" python3 "$PEER" \
        source 192.0.2.3 5001 "$BYTES" "$LIMIT" "$LINUX_CC"
    netstat_snap "$NSA" "$TMP/ns1"
    kill -TERM "$srv" 2>/dev/null
    reap "$srv"
    record_result s-recv "$1" "$src"
    record_linux_counters s-recv "$1" "$TMP/ns0" "$TMP/ns1"
    # how synack's receiver ACKed (its --stats at exit): what differs from
    # Linux's receiver is the ACK pattern (bench/README-loss.md)
    local acks
    acks=$(grep -m1 -o 'ACKs at a read of pushed data [0-9]*, quick ACKs [0-9]*' "$log")
    [ -z "$acks" ] || echo "$ME:   s-recv receiver: $acks"
}

run_ssend() { # CELL
    local out=$TMP/sink.out log=$TMP/connect.log
    peer_env "$1" ssend-sink
    bg "$out" ip netns exec "$NSA" env "${PENV[@]}" python3 "$PEER" sink 5002 "$LIMIT"
    local sink=$BG_PID
    wait_line "$out" READY "$sink" || { echo "$ME: linux sink did not start" >&2; FAIL=1; return; }
    local cc=()
    [ -z "${TRACE_DIR:-}" ] ||
        cc=(--trace-cc "$TRACE_DIR/${1/:/-}-r$ROUND-ssend-synack.txt" --trace-cc-ms "$TRACE_MS")
    head -c "$BYTES" /dev/zero |
        timeout "$((LIMIT + 10))" ip netns exec "$NSB" "$SYNACK" connect --tap ts \
            --addr 192.0.2.3/24 --mac "$SYNACK_MAC" --stats "${BUFOPTS[@]}" "${SYNACK_EXTRA[@]}" "${cc[@]}" 192.0.2.1 5002 >/dev/null 2>"$log" &
    local conn=$! # timeout's PID: the trap can end it
    PIDS+=("$conn")
    reap "$conn"
    reap "$sink" # it ends by itself (EOF or its limit)
    record_result s-send "$1" "$out"
    record_synack_counters s-send "$1" "$log"
    [ -z "${KEEP_LOGS:-}" ] || cp "$log" "$KEEP_LOGS/${1/:/-}-$ROUND.log"
}

# record_link TAG CELL LOG: what the link lost, both directions
record_link() {
    local n
    n=$(sed -n 's/^link [ab]2[ab]: in=\([0-9]*\).*/\1/p' "$3" | awk '{ s += $1 } END { print s + 0 }')
    record "in.$2.$1" "$n"
    n=$(sed -n 's/^link [ab]2[ab]: .*[ ]lost=\([0-9]*\).*/\1/p' "$3" | awk '{ s += $1 } END { print s + 0 }')
    record "lost.$2.$1" "$n"
    n=$(sed -n 's/^link [ab]2[ab]: .*[ ]queue_drops=\([0-9]*\).*/\1/p' "$3" | awk '{ s += $1 } END { print s + 0 }')
    record "qd.$2.$1" "$n"
}

# pcap_start TAG CELL: with KEEP_PCAP, capture on ta (A) and tb (B)
CAP_PIDS=()
pcap_start() {
    CAP_PIDS=()
    [ -n "${KEEP_PCAP:-}" ] || return 0
    local side ns dev f
    for side in a b; do
        if [ $side = a ]; then ns=$NSA dev=ta; else ns=$NSB dev=tb; fi
        f=$KEEP_PCAP/${2/:/-}-$1-r$ROUND-$side.pcap
        ip netns exec "$ns" dumpcap -q -i "$dev" -s 128 -w "$f" \
            -a duration:$((STEP_TIMEOUT * 2)) 2>"$TMP/cap.$side" &
        CAP_PIDS+=("$!")
        PIDS+=("$!")
        wait_line "$TMP/cap.$side" "Capturing on" "$!" || echo "$ME: no capture on $dev" >&2
    done
}
pcap_stop() {
    local p
    for p in "${CAP_PIDS[@]}"; do
        kill -INT "$p" 2>/dev/null
        reap "$p"
    done
    CAP_PIDS=()
}

run_one() { # run_one TAG CELL SEED
    local rtt=${2%%:*} loss=${2#*:} spec
    spec=$(cell_spec "$rtt" "$loss")
    link_start "$spec" "$3" "$TMP/link.log" || {
        echo "$ME: link did not start:" >&2; cat "$TMP/link.log" >&2; FAIL=1; return; }
    pcap_start "$1" "$2"
    case $1 in
    linux) run_linux "$2" ;;
    linux-ba) run_linux_ba "$2" ;;
    s-recv) run_srecv "$2" ;;
    s-send) run_ssend "$2" ;;
    esac
    pcap_stop
    link_stop
    record_link "$1" "$2" "$TMP/link.log"
}

# ---- the rounds ----
read -r -a STACKS <<<"${STACKS:-linux s-recv s-send}"
read -r -a SYNACK_EXTRA <<<"${SYNACK_ARGS:-}"
read -r -a SYNACK_RECV_EXTRA <<<"${SYNACK_RECV_ARGS:-}"
provenance "$BUILD_DIR" "ROUNDS=$ROUNDS MIB=$MIB LIMIT=$LIMIT CELLS='$CELLS' $0 $BUILD_DIR"
echo "# link per direction: rate 100 Mbit/s, queue 1 BDP, delay RTT/2, the cell's loss (data and ACKs)"
[ -z "${SYSCTL_B:-}" ] || echo "# namespace B (the Linux receiver) sysctls: $SYSCTL_B"
[ -z "${SYNACK_RECV_ARGS:-}" ] || echo "# synack serve (s-recv) extra options: $SYNACK_RECV_ARGS"
echo "# linux: congestion control $LINUX_CC per socket (namespace default" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_congestion_control)), sack" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_sack), timestamps" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_timestamps), recovery (RACK)" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_recovery), early_retrans (TLP)" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_early_retrans)"
echo "# ROUNDS=$ROUNDS MIB=$MIB LIMIT=$LIMIT s SEED=$SEED GE_SPEC=$GE_SPEC"
echo "# synack: ${BUFOPTS[*]:-default buffers} (linux: tcp_rmem" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_rmem | tr '\t' ' '), tcp_wmem" \
    "$(ip netns exec "$NSA" sysctl -n net.ipv4.tcp_wmem | tr '\t' ' '))"
echo "# CELLS=$CELLS"
T0=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
    ROUND=$round # record's round number (paired ratios)
    for cell in $CELLS; do
        echo "$ME: round $round/$ROUNDS, RTT ${cell%%:*} ms, loss ${cell#*:}: $(cell_spec "${cell%%:*}" "${cell#*:}")"
        for tag in "${STACKS[@]}"; do
            run_one "$tag" "$cell" "$((SEED + round))"
        done
    done
done
T1=$(date +%s)

# ---- the tables ----
med() { median "$TMP/m.$1"; }
cutoffs() { # cutoffs CELL TAG: "" or "*k/N"
    local f=$TMP/m.cut.$1.$2 n
    [ -s "$f" ] || return
    n=$(awk '{ s += $2 } END { print s + 0 }' "$f")
    [ "$n" = 0 ] || echo "*$n/$(wc -l <"$f")"
}
label() { # label CELL: "20 ms | 1 %"
    local l=${1#*:}
    [ "$l" = ge ] && l="GE ${GE_SPEC#ge=}" || l="$l %"
    echo "${1%%:*} ms | $l"
}
echo
echo "Goodput, Mbit/s (median of $ROUNDS; * = cut off at ${LIMIT} s in k of N rounds, counted as bytes moved / ${LIMIT} s;"
echo "ratios: median [range] of each round's own ratio)"
echo
echo "| RTT | loss | linux (at sender) | synack recv | recv/linux | linux (at receiver) | synack send | send/linux |"
echo "|---|---|---|---|---|---|---|---|"
for cell in $CELLS; do
    g_l=$(med "gp.$cell.linux") g_r=$(med "gp.$cell.s-recv")
    g_lx=$(med "gp.$cell.linux-rx") g_s=$(med "gp.$cell.s-send")
    echo "| $(label "$cell") | $g_l$(cutoffs "$cell" linux) | $g_r$(cutoffs "$cell" s-recv) |" \
        "$(paired "$TMP/m.gp.$cell.s-recv" "$TMP/m.gp.$cell.linux") |" \
        "$g_lx$(cutoffs "$cell" linux-rx) | $g_s$(cutoffs "$cell" s-send) |" \
        "$(paired "$TMP/m.gp.$cell.s-send" "$TMP/m.gp.$cell.linux-rx") |"
done
counters() { # counters CELL TAG KEYS...: "k=v ..." medians
    local c=$1 t=$2 k out=()
    shift 2
    for k in "$@"; do out+=("$k $(med "$k.$c.$t")"); done
    local IFS=, joined
    joined="${out[*]}"
    echo "${joined//,/, }"
}
echo
echo "Sender counters per transfer (medians); link = frames in / lost / tail-dropped by the link, both ways"
echo
echo "| RTT | loss | linux sender (to linux) | linux sender (to synack) | synack sender | link: linux; s-recv; s-send |"
echo "|---|---|---|---|---|---|"
linkc() { echo "$(med "in.$1.$2")/$(med "lost.$1.$2")/$(med "qd.$1.$2")"; }
for cell in $CELLS; do
    echo "| $(label "$cell") | $(counters "$cell" linux TO FR SR TLP SP DS RO RS) |" \
        "$(counters "$cell" s-recv TO FR SR TLP SP DS RO RS) |" \
        "$(counters "$cell" s-send TO FR SR TLP SP RO RS) |" \
        "$(linkc "$cell" linux); $(linkc "$cell" s-recv); $(linkc "$cell" s-send) |"
done
if [[ " ${STACKS[*]} " == *" linux-ba "* ]]; then
    echo
    echo "synack sending against Linux sending in the same direction (B -> A, the same loss stream), both timed by the sink in A"
    echo
    echo "| RTT | loss | linux B->A | synack send | send/linux-ba | linux B->A sender | synack sender | link: linux-ba; s-send |"
    echo "|---|---|---|---|---|---|---|---|"
    for cell in $CELLS; do
        echo "| $(label "$cell") | $(med "gp.$cell.linux-ba")$(cutoffs "$cell" linux-ba) |" \
            "$(med "gp.$cell.s-send")$(cutoffs "$cell" s-send) |" \
            "$(paired "$TMP/m.gp.$cell.s-send" "$TMP/m.gp.$cell.linux-ba") |" \
            "$(counters "$cell" linux-ba TO FR SR TLP SP DS RO RS) |" \
            "$(counters "$cell" s-send TO FR SR TLP SP RO RS) |" \
            "$(linkc "$cell" linux-ba); $(linkc "$cell" s-send) |"
    done
fi
echo
echo "# wall time: $((T1 - T0)) s for $ROUNDS round(s) of $(wc -w <<<"$CELLS") cell(s)"
bench_exit
