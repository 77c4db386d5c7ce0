#!/usr/bin/env bash
# run_tap_bench.sh: the same Linux client against three TCP stacks on
# equivalent links. Every run lasts RUN_S seconds (work / elapsed), the runs
# of a round go in a random order (seeded, printed), and the tables give
# each stack's median over the rounds and the median [min-max] of the
# per-round ratios synack/X.
#
#   sudo bench/run_tap_bench.sh [BUILD_DIR]        (default: build/release)
#
#   synack  `synack serve --tap` in namespace skt-s-PID, attached to a TAP
#           device whose Linux side holds 192.0.2.1/24; synack is 192.0.2.2
#   lwip    bench/lwip_tap_server (Debian's liblwip 2.1.3, as packaged:
#           its lwipopts.h, NO_SYS=0) the same way in skt-l-PID; its two
#           threads (tcpip and our TAP reader) share SERVER_CPU, and the
#           reader posts frames to the tcpip thread's mailbox, 128 slots in
#           the unix port's sys_arch.c: a SYN burst beyond it is dropped
#           (rx_mbox_full) and waits for the client's 1 s SYN retransmission
#   linux   Linux's own TCP on both ends: client in skt-a-PID, server
#           (linux_tcp_peer) in skt-b-PID, joined by a veth pair
#
# The client is always bench/linux_tcp_peer in the namespace holding the
# Linux end of the link (bulk-source, conn-client), talking to 192.0.2.2.
# All links: MTU 1500; addresses exist only inside the namespaces.
#
# Tests (ports 5001 discard, 5002 echo on every server), each RUN_S seconds:
#   bulk   one connection writes for RUN_S s, half-closes, waits for the
#          server's close: Gbit/s (wall clock), CPU-seconds per GB
#   conn   connections for RUN_S s, each: connect, 1 byte each way, client
#          closes, server closes on EOF; once one at a time, once CONC at
#          once: conn/s, CPU-seconds per 1000 connections
#   rr     request/response latency: one connection to the echo port,
#          bench/rr_peer writes one byte and reads it back, again and again
#          (TCP_NODELAY), timing each round trip with CLOCK_MONOTONIC:
#          p50 and p99 in microseconds, CPU-microseconds per round trip
#          (Linux's server: rr_peer echo-server)
#   rrc    the same with synack as the client (bench/rr_synack on the TAP,
#          CLIENT_CPU) and Linux's rr_peer echo-server on the TAP's Linux
#          side (SERVER_CPU); for linux the same veth run as rr, repeated
#
# Pinning (taskset, when there are two CPUs): the client on CLIENT_CPU (0),
# the server on SERVER_CPU (1) -- synack serve, every thread of
# lwip_tap_server (its tcpip thread and its TAP reader) and the Linux
# server alike.
#
# CPU time: the busy time of CLIENT_CPU and SERVER_CPU from /proc/stat
# around each run (lib.sh), the same two CPUs for every stack, so kernel
# work counts wherever it runs: over a TAP the server's write() carries the
# frame up through the client's TCP receive path (softirq in the server's
# context); over veth the sender's softirq runs the receiver's IP/TCP
# input. Beside it, the processes' own: the client's and Linux server's
# getrusage, utime+stime of the synack or lwIP process (all threads) from
# /proc/PID/stat around the client's run.
#
# Offloads: a TAP without IFF_VNET_HDR offers no checksum offload and no
# TSO to the Linux client (only GSO/GRO in software), so every frame on the
# TAP is 1514 bytes with a real checksum. veth is measured twice for bulk:
# `linux` with its defaults (TSO/GSO/GRO, no checksums at all) and
# `linux-nooff` with them off (ethtool), which matches what crosses a TAP.
#
# TIME-WAIT: the client closes first, so TIME-WAIT lands on the Linux
# client in every setup. lwIP sends no TCP timestamps, so Linux cannot reuse
# a TIME-WAIT port (tcp_tw_reuse needs them) and would run out of its 16384
# ports after 16384 connections, for 60 s. The client namespaces therefore
# set net.ipv4.tcp_max_tw_buckets=0 (no TIME-WAIT kept: the port is free at
# once) and ip_local_port_range 49152-65535, identically for all three.
#
# TESTS: the tests of the table, any of "bulk conn rr rrc" (default all;
# "conn" is both connection tests, one at a time and CONC at once).
# PROFILE=1: instead of the rounds, run each user-space stack once under
# `strace -c -f` for a bulk transfer of PROFILE_MIB (64) MiB and for
# PROFILE_CONNS (2000) sequential connections, and print its system calls
# per frame (frames counted on the Linux side of its TAP: ip -s link).
#
# Environment: ROUNDS (5), RUN_S (2: seconds per run), CONC (100; 0 skips
# the concurrent test), CLIENT_CPU (0), SERVER_CPU (1), SEED (the order of
# the runs; default from the date), STEP_TIMEOUT (60 s per program),
# LINUX_CC (cubic; lib.sh): the congestion control of linux_tcp_peer's
# sockets, every bulk and connection client and Linux's servers. KEEP_LOGS (a directory: each user-space server's whole output, e.g. its
# --stats, kept as TAG-TEST-rROUND.log), SYNACK_ARGS (extra arguments for
# synack serve; --stats), SYNACK_OFFLOAD
# (1: synack serve --offload, IFF_VNET_HDR with checksum offload, TSO and
# GRO on its TAP; 0: --no-offload, one complete frame per system call, the
# measurement before offloads; empty: serve's default), PROFILE (0),
# SMOKE=1 (1 round of 0.3 s runs, CONC 10: every code path including
# PROFILE's, fails on any error or empty cell; not a measurement).
# MQ=1: instead of the table, synack serve with --cores 1 against --cores 2
# (multi-queue TAP, one stack per queue; port/posix/posix_mq.h), ROUNDS
# interleaved rounds: MQ_BULK (4) bulk connections at once (Gbit/s summed)
# and CONC connections at once (conn/s). --cores 1 runs pinned to
# SERVER_CPU (MQ_CPU1 picks another), --cores 2 on CLIENT_CPU and
# SERVER_CPU (one stack each);
# the clients stay on CLIENT_CPU, so with two CPUs the second stack shares
# its CPU with the client: the ratio is what a second core buys here, not
# what it would buy on an idle machine with spare CPUs.
# Exit: 0 done, 1 a measurement failed, 2 usage/missing binaries, 77 not root.
set -u
ME=run_tap_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
SMOKE=${SMOKE:-0}
ROUNDS=${ROUNDS:-5}
RUN_S=${RUN_S:-2}
CONC=${CONC:-100}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
SYNACK_ARGS=${SYNACK_ARGS---stats}
SYNACK_OFFLOAD=${SYNACK_OFFLOAD-1}
SYNACK_ARGS_GIVEN=$SYNACK_ARGS # for the printed command: the flag below is SYNACK_OFFLOAD's
case $SYNACK_OFFLOAD in
    1) SYNACK_ARGS="$SYNACK_ARGS --offload" ;;
    0) SYNACK_ARGS="$SYNACK_ARGS --no-offload" ;;
    '') ;;
    *) echo "$ME: SYNACK_OFFLOAD must be 1, 0 or empty" >&2; exit 2 ;;
esac
PROFILE=${PROFILE:-0}
KEEP_LOGS=${KEEP_LOGS:-}
if [ -n "$KEEP_LOGS" ] && ! { mkdir -p "$KEEP_LOGS" && [ -w "$KEEP_LOGS" ]; }; then
    echo "$ME: KEEP_LOGS: cannot write to directory '$KEEP_LOGS'" >&2
    exit 2
fi
TESTS=${TESTS:-bulk conn rr rrc}
for t in $TESTS; do
    case $t in bulk|conn|rr|rrc) ;; *) echo "$ME: TESTS: unknown test '$t' (bulk conn rr rrc)" >&2; exit 2 ;; esac
done
[ "$TESTS" = "bulk conn rr rrc" ] || SKIP_EMPTY_ROWS=1 # lib.sh's table(): rows of tests not run
PROFILE_MIB=${PROFILE_MIB:-64}
PROFILE_CONNS=${PROFILE_CONNS:-2000}
MQ=${MQ:-0}
MQ_BULK=${MQ_BULK:-4}
MQ_CPU1=${MQ_CPU1:-${SERVER_CPU:-1}} # the CPU of --cores 1
if [ "$SMOKE" = 1 ]; then
    ROUNDS=1
    RUN_S=0.3
    CONC=10
    PROFILE_MIB=4
    PROFILE_CONNS=20
    TESTS="bulk conn rr rrc" # every code path
fi
COMMAND="TESTS=\"$TESTS\" LINUX_CC=$LINUX_CC MQ=$MQ MQ_BULK=$MQ_BULK MQ_CPU1=$MQ_CPU1 ROUNDS=$ROUNDS RUN_S=$RUN_S CONC=$CONC SYNACK_ARGS=\"$SYNACK_ARGS_GIVEN\" SYNACK_OFFLOAD=$SYNACK_OFFLOAD SMOKE=$SMOKE bash bench/run_tap_bench.sh $BUILD_DIR"

need_root "network namespaces, TAP devices"
need_numbers ROUNDS CONC CLIENT_CPU SERVER_CPU STEP_TIMEOUT PROFILE PROFILE_MIB PROFILE_CONNS
need_range ROUNDS 1 50
need_seconds RUN_S "$STEP_TIMEOUT"
need_tools ip timeout pgrep
[ "$PROFILE" = 1 ] && need_tools strace
[ "$SMOKE" = 1 ] && need_tools ethtool taskset strace

PEER=$BUILD_DIR/bench/linux_tcp_peer
RR=$BUILD_DIR/bench/rr_peer
RRS=$BUILD_DIR/bench/rr_synack
LWIP=$BUILD_DIR/bench/lwip_tap_server
SYNACK=$BUILD_DIR/tools/synack
if [ ! -x "$PEER" ] || [ ! -x "$RR" ] || [ ! -x "$RRS" ]; then
    echo "$ME: $PEER, $RR or $RRS is missing; build first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi
HAVE_LWIP=1
if [ ! -x "$LWIP" ]; then
    HAVE_LWIP=0
    [ "$SMOKE" = 1 ] && { echo "$ME: SMOKE: $LWIP is missing" >&2; exit 1; }
    echo "$ME: $LWIP is missing (liblwip-dev not installed?): lwIP skipped" >&2
fi
# synack serve must exist and know --tap (before the port work it prints
# "not built yet").
HAVE_SYNACK=0
if [ -x "$SYNACK" ]; then
    help=$("$SYNACK" serve --help 2>&1)
    if ! grep -q "not built yet" <<<"$help" && grep -q -- "--tap" <<<"$help"; then
        HAVE_SYNACK=1
    fi
fi
[ $HAVE_SYNACK = 1 ] || echo "$ME: synack skipped: '$SYNACK serve --tap' is not built yet" >&2
[ "$SMOKE" = 1 ] && [ $HAVE_SYNACK = 0 ] && exit 1

NSS=skt-s-$$ # synack: TAP ts0
NSL=skt-l-$$ # lwIP:   TAP tl0
NSA=skt-a-$$ # Linux client, veth va
NSB=skt-b-$$ # Linux server, veth vb
bench_start skt-tap
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# ---- namespaces and links ----
client_ns_setup() { # the same client settings wherever the client runs
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="49152 65535"
    ip netns exec "$1" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
}
tap_ns() { # tap_ns NS DEV: TAP device with the Linux side 192.0.2.1/24
    netns_add "$1" || return 1
    client_ns_setup "$1"
    ip -n "$1" tuntap add dev "$2" mode tap || return 1
    ip -n "$1" link set "$2" mtu 1500 up
    ip -n "$1" addr add 192.0.2.1/24 dev "$2"
}
[ $HAVE_SYNACK = 1 ] && { tap_ns "$NSS" ts0 || exit 1; }
NSM=skt-m-$$ # synack --cores 2: multi-queue TAP tm0
if [ "$MQ" = 1 ]; then
    netns_add "$NSM" && client_ns_setup "$NSM" &&
        ip -n "$NSM" tuntap add dev tm0 mode tap multi_queue || exit 1
    ip -n "$NSM" link set tm0 mtu 1500 up
    ip -n "$NSM" addr add 192.0.2.1/24 dev tm0
fi
[ $HAVE_LWIP = 1 ] && { tap_ns "$NSL" tl0 || exit 1; }
veth_pair || exit 1
client_ns_setup "$NSA"

# ---- processes ----
# cpu_of PID: utime+stime of the process (all threads), in seconds
cpu_of() {
    [ -r "/proc/$1/stat" ] || { echo ""; return; }
    # fields 14 and 15, counted after the ")" closing the command name
    sed 's/.*) //' "/proc/$1/stat" | awk -v t="$TICK" '{ printf "%.3f", ($12 + $13) / t }'
}

# start_server NS OUT COMMAND...: under timeout, pinned, in NS. Sets SRV_PID
# (the timeout process, which we end) and SRV_REAL (its child, the server).
start_server() {
    local ns=$1 out=$2
    shift 2
    serve_bg "$out" "$SERVER_CPU" ip netns exec "$ns" "$@"
    SRV_REAL=
    local _
    for _ in $(seq 1 100); do
        SRV_REAL=$(pgrep -P "$SRV_PID" | head -n 1)
        [ -n "$SRV_REAL" ] && break
        sleep 0.02
    done
}

# wait_tcp NS: until 192.0.2.2:5001 accepts a connection (stack-neutral
# readiness: the Linux side also has to learn the stack's MAC by ARP)
wait_tcp() {
    local _
    for _ in $(seq 1 50); do
        kill -0 "$SRV_PID" 2>/dev/null || return 1
        ip netns exec "$1" timeout 1 bash -c 'exec 3<>/dev/tcp/192.0.2.2/5001' 2>/dev/null &&
            return 0
        sleep 0.1
    done
    return 1
}

stop_server() {
    kill -TERM "$SRV_PID" 2>/dev/null
    reap "$SRV_PID" 2>/dev/null
}

run_client() { # run_client NS OUT PROGRAM ARGS...
    local ns=$1 out=$2
    shift 2
    run_fg "$out" "$CLIENT_CPU" ip netns exec "$ns" "$@"
}

CPUS=$(cpu_list "$CLIENT_CPU" "$SERVER_CPU")

stat_note() { echo "CPUs $STAT_LIST busy $STAT_BUSY_S s (steal $STAT_STEAL_S s)"; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a }'; }

# store TAG TEST CLIENT_OUT SERVER_CPU: record one measurement (the
# /proc/stat figures are STAT_BUSY_S from the run just ended)
store() {
    local tag=$1 test=$2 out=$3 scpu=$4 ccpu pcpu n
    ccpu=$(field cpu_s "$out")
    pcpu=$(add "$ccpu" "$scpu")
    if [ -z "$pcpu" ]; then
        echo "$ME: $tag $test failed:" >&2
        cat "$out" >&2
        FAIL=1
        return
    fi
    case $test in
    bulk)
        n=$(field bytes "$out")
        record "bulk_gbps.$tag" "$(field gbps "$out")"
        record "bulk_cpugb.$tag" "$(per_gb "$STAT_BUSY_S" "$n")"
        record "bulk_pcpugb.$tag" "$(per_gb "$pcpu" "$n")"
        echo "  $tag bulk: $(field gbps "$out") Gbit/s, $n bytes; $(stat_note);" \
            "client $ccpu s + server $scpu s"
        ;;
    conn*)
        n=$(field conns "$out")
        record "$test.$tag" "$(field conn_per_s "$out")"
        record "${test}_cpuk.$tag" "$(per_kconn "$STAT_BUSY_S" "$n")"
        record "${test}_pcpuk.$tag" "$(per_kconn "$pcpu" "$n")"
        echo "  $tag $test: $(field conn_per_s "$out") conn/s, $n connections; $(stat_note);" \
            "client $ccpu s + server $scpu s, errors $(field errors "$out")"
        [ "$(field errors "$out")" = 0 ] || { echo "$ME: $tag $test: errors" >&2; FAIL=1; }
        ;;
    rr*)
        n=$(field rtts "$out")
        record "${test}_p50.$tag" "$(field p50_us "$out")"
        record "${test}_p99.$tag" "$(field p99_us "$out")"
        record "${test}_cpuus.$tag" "$(per_rtt_us "$STAT_BUSY_S" "$n")"
        record "${test}_pcpuus.$tag" "$(per_rtt_us "$pcpu" "$n")"
        echo "  $tag $test: p50 $(field p50_us "$out") us, p99 $(field p99_us "$out") us," \
            "$n round trips; $(stat_note); client $ccpu s + server $scpu s," \
            "errors $(field errors "$out")"
        [ "$(field errors "$out")" = 0 ] || { echo "$ME: $tag $test: errors" >&2; FAIL=1; }
        ;;
    esac
}

client_args() { # client_args TEST: the client program and its arguments for one timed test
    case $1 in
    bulk) echo "$PEER ${LINUX_CC_ARGS[*]} -t $RUN_S bulk-source 192.0.2.2 5001 0" ;;
    conn*) echo "$PEER ${LINUX_CC_ARGS[*]} -t $RUN_S conn-client 192.0.2.2 5002 0 ${1#conn}" ;;
    rr | rrc) echo "$RR -t $RUN_S ping 192.0.2.2 5002 0" ;; # rrc: Linux on both ends, as rr
    esac
}
per_rtt_us() { # per_rtt_us CPU_S ROUND_TRIPS: CPU-microseconds per round trip
    awk -v c="$1" -v n="$2" 'BEGIN { if (c != "" && n + 0 > 0) printf "%.4g", c * 1e6 / n }'
}

# user-space stack behind a TAP: a server for this one test; the CPU of
# the server process from /proc/PID/stat and of the pinned CPUs from
# /proc/stat, both around the client's run
tap_test() { # tap_test TAG NS TEST SERVER_COMMAND...
    local tag=$1 ns=$2 test=$3
    shift 3
    local srv=$TMP/$tag.srv cli=$TMP/$tag.cli c0 c1 args
    start_server "$ns" "$srv" "$@"
    if [ -z "$SRV_REAL" ] || ! wait_tcp "$ns"; then
        echo "$ME: $tag server did not start:" >&2
        cat "$srv" >&2
        stop_server
        FAIL=1
        return
    fi
    read -r -a args <<<"$(client_args "$test")"
    c0=$(cpu_of "$SRV_REAL")
    stat_begin "$CPUS"
    run_client "$ns" "$cli" "${args[@]}"
    stat_end
    c1=$(cpu_of "$SRV_REAL")
    stop_server
    store "$tag" "$test" "$cli" "$(delta "$c0" "$c1")"
    grep -h "RESULT\|rror\|stats: retrans\|stats: opens" "$srv" | sed "s/^/    $tag server: /" |
        cut -c 1-160
    [ -z "$KEEP_LOGS" ] || cp "$srv" "$KEEP_LOGS/$tag-$test-r$ROUND.log"
}

linux_test() { # linux_test TAG TEST: Linux's server in $NSB, the client in $NSA
    local tag=$1 test=$2 sargs srv=$TMP/linux.srv cli=$TMP/linux.cli args
    case $test in
    bulk) sargs=("$PEER" "${LINUX_CC_ARGS[@]}" bulk-sink 5001) ;;
    conn*) sargs=("$PEER" "${LINUX_CC_ARGS[@]}" conn-server 5002 0 "${test#conn}") ;;
    rr | rrc) sargs=("$RR" echo-server 5002) ;;
    esac
    start_server "$NSB" "$srv" "${sargs[@]}"
    if ! wait_ready "$srv"; then
        echo "$ME: linux server did not start:" >&2
        cat "$srv" >&2
        stop_server
        FAIL=1
        return
    fi
    read -r -a args <<<"$(client_args "$test")"
    stat_begin "$CPUS"
    run_client "$NSA" "$cli" "${args[@]}"
    reap "$SRV_PID" || FAIL=1
    stat_end
    store "$tag" "$test" "$cli" "$(field cpu_s "$srv")"
}

# synack as the request/response client: Linux's echo server on the Linux
# side of synack's TAP, rr_synack attached to the TAP (with --busy-poll when
# SYNACK_ARGS has it)
synack_client_test() {
    local srv=$TMP/rrc.srv cli=$TMP/rrc.cli busy
    busy=$(sed -n 's/.*--busy-poll[ =]\([0-9]*\).*/\1/p' <<<"$SYNACK_ARGS")
    start_server "$NSS" "$srv" "$RR" echo-server 5003
    if ! wait_ready "$srv"; then
        echo "$ME: linux echo server on the TAP did not start:" >&2
        cat "$srv" >&2
        stop_server
        FAIL=1
        return
    fi
    stat_begin "$CPUS"
    run_client "$NSS" "$cli" "$RRS" --tap ts0 --addr 192.0.2.2/24 --busy-poll "${busy:-0}" \
        -t "$RUN_S" 192.0.2.1 5003
    reap "$SRV_PID" || FAIL=1
    stat_end
    store synack rrc "$cli" "$(field cpu_s "$srv")"
}

run_item() { # run_item STACK:TEST
    local stack=${1%%:*} test=${1#*:}
    # shellcheck disable=SC2086 # SYNACK_ARGS: any number of arguments
    case $stack in
    synack) if [ "$test" = rrc ]; then synack_client_test; return; fi
        tap_test synack "$NSS" "$test" "$SYNACK" serve --tap ts0 --addr 192.0.2.2/24 \
        --discard 5001 --echo 5002 $SYNACK_ARGS ;;
    lwip) tap_test lwip "$NSL" "$test" "$LWIP" --tap tl0 --addr 192.0.2.2/24 \
        --discard 5001 --echo 5002 ;;
    linux) offloads on; linux_test linux "$test" ;;
    nooff) offloads off && linux_test nooff "$test"; offloads on ;;
    esac
}

# ---- PROFILE=1: system calls per frame ----
tap_frames() { # tap_frames NS DEV: frames the Linux side sent + received
    ip -n "$1" -s link show "$2" | awk '/RX:/ { getline; rx = $2 } /TX:/ { getline; tx = $2 }
        END { print rx + tx }'
}

profile_one() { # profile_one TAG NS DEV TEST SERVER_COMMAND...
    local tag=$1 ns=$2 dev=$3 test=$4
    shift 4
    local srv=$TMP/$tag.srv cli=$TMP/$tag.cli st=$TMP/$tag.strace
    start_server "$ns" "$srv" strace -c -f -o "$st" "$@"
    if ! wait_tcp "$ns"; then
        echo "$ME: $tag server did not start under strace:" >&2
        cat "$srv" >&2
        stop_server
        FAIL=1
        return
    fi
    local f0 f1 traced
    traced=$(pgrep -P "$SRV_REAL" | head -n 1) # strace's child: the stack
    f0=$(tap_frames "$ns" "$dev")
    if [ "$test" = bulk ]; then
        run_client "$ns" "$cli" "$PEER" "${LINUX_CC_ARGS[@]}" bulk-source 192.0.2.2 5001 "$PROFILE_MIB"
    else
        run_client "$ns" "$cli" "$PEER" "${LINUX_CC_ARGS[@]}" conn-client 192.0.2.2 5002 "$PROFILE_CONNS" 1
    fi
    f1=$(tap_frames "$ns" "$dev")
    # end the stack itself so that strace prints its table and exits
    [ -n "$traced" ] && kill -TERM "$traced" 2>/dev/null
    reap "$SRV_PID" 2>/dev/null
    local frames=$((f1 - f0))
    echo "$tag $test: $frames frames on the TAP ($(field gbps "$cli")$(field conn_per_s "$cli")" \
        "under strace); system calls of the whole process (all threads), per frame:"
    # strace -c columns: % time, seconds, usecs/call, calls, [errors,] syscall
    awk -v f="$frames" '/^-+/ { n++; next }
        n >= 1 && NF >= 5 && $4 / f >= 0.001 {
            printf "  %-16s %10d calls %7.3f per frame\n", $NF, $4, $4 / f }' "$st"
}

profile_all() {
    echo "PROFILE: bulk $PROFILE_MIB MiB, $PROFILE_CONNS sequential connections, strace -c -f"
    for t in bulk conn; do
        # shellcheck disable=SC2086 # SYNACK_ARGS: any number of arguments
        [ $HAVE_SYNACK = 1 ] && profile_one synack "$NSS" ts0 "$t" "$SYNACK" serve --tap ts0 \
            --addr 192.0.2.2/24 --discard 5001 --echo 5002 $SYNACK_ARGS
        [ $HAVE_LWIP = 1 ] && profile_one lwip "$NSL" tl0 "$t" "$LWIP" --tap tl0 \
            --addr 192.0.2.2/24 --discard 5001 --echo 5002
    done
}
if [ "$PROFILE" = 1 ]; then
    provenance "$BUILD_DIR" "PROFILE=1 PROFILE_MIB=$PROFILE_MIB PROFILE_CONNS=$PROFILE_CONNS $COMMAND"
    profile_all
    [ $FAIL = 0 ] || exit 1
    exit 0
fi

# ---- MQ=1: synack --cores 1 against --cores 2 ----
# mq_server NS DEV CORES CPUS: synack serve pinned to CPUS (taskset -c LIST).
# Both with SYNACK_OFFLOAD's flag (like with like: every queue of --cores 2
# opens with the virtio-net header and the offloads, as --cores 1 does).
mq_server() {
    local ns=$1 dev=$2 cores=$3 cpus=$4
    : >"$TMP/mq.srv"
    # shellcheck disable=SC2086 # SYNACK_ARGS: any number of arguments
    taskset -c "$cpus" timeout "$STEP_TIMEOUT" ip netns exec "$ns" "$SYNACK" serve --tap "$dev" \
        --addr 192.0.2.2/24 --discard 5001 --echo 5002 --cores "$cores" $SYNACK_ARGS \
        >"$TMP/mq.srv" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
}

# mq_bulk NS TAG: MQ_BULK bulk clients at once, their Gbit/s summed
mq_bulk() {
    local ns=$1 tag=$2 i pids=() sum
    for i in $(seq 1 "$MQ_BULK"); do
        exec_pinned "$CLIENT_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$ns" "$PEER" \
            "${LINUX_CC_ARGS[@]}" -t "$RUN_S" bulk-source 192.0.2.2 5001 0 >"$TMP/mqb.$i" 2>&1 &
        pids+=("$!")
        PIDS+=("$!")
    done
    for i in "${pids[@]}"; do reap "$i" || FAIL=1; done
    sum=$(for i in $(seq 1 "$MQ_BULK"); do field gbps "$TMP/mqb.$i"; done |
        awk '{ s += $1; n++ } END { if (n > 0) printf "%.3f", s }')
    [ "$(for i in $(seq 1 "$MQ_BULK"); do field gbps "$TMP/mqb.$i"; done | grep -c .)" = "$MQ_BULK" ] ||
        { echo "$ME: $tag: a bulk client failed" >&2; cat "$TMP"/mqb.* >&2; FAIL=1; sum=; }
    record "mqbulk.$tag" "$sum"
    echo "  $tag bulk x$MQ_BULK: $sum Gbit/s"
}

mq_item() { # mq_item cores1|cores2:bulk|conn
    local tag=${1%%:*} test=${1#*:} ns dev cores cpus
    case $tag in
    cores1) ns=$NSS dev=ts0 cores=1 cpus=$MQ_CPU1 ;;
    cores2) ns=$NSM dev=tm0 cores=2 cpus=$CLIENT_CPU,$SERVER_CPU ;;
    esac
    mq_server "$ns" "$dev" "$cores" "$cpus"
    if ! wait_tcp "$ns"; then
        echo "$ME: $tag server did not start:" >&2
        cat "$TMP/mq.srv" >&2
        stop_server
        FAIL=1
        return
    fi
    if [ "$test" = bulk ]; then
        mq_bulk "$ns" "$tag"
    else
        run_client "$ns" "$TMP/mqc" "$PEER" "${LINUX_CC_ARGS[@]}" -t "$RUN_S" conn-client 192.0.2.2 5002 0 "$CONC"
        [ -n "$(field conn_per_s "$TMP/mqc")" ] ||
            { echo "$ME: $tag conn$CONC: the client failed:" >&2; cat "$TMP/mqc" >&2; FAIL=1; }
        record "mqconn.$tag" "$(field conn_per_s "$TMP/mqc")"
        echo "  $tag conn$CONC: $(field conn_per_s "$TMP/mqc") conn/s, errors $(field errors "$TMP/mqc")"
        [ "$(field errors "$TMP/mqc")" = 0 ] || FAIL=1
    fi
    stop_server
    grep -h "stats: stack\|stats: opens" "$TMP/mq.srv" | sed "s/^/    $tag server: /" | cut -c 1-120
}

if [ "$MQ" = 1 ]; then
    [ $HAVE_SYNACK = 1 ] || exit 2
    [ "$NCPU" -ge 2 ] || { echo "$ME: MQ=1 needs two CPUs" >&2; exit 2; }
    [ "$CONC" != 0 ] || CONC=100
    provenance "$BUILD_DIR" "$COMMAND"
    seed_order
    echo "# synack --cores 1 (CPU $MQ_CPU1) against --cores 2 (CPUs $CLIENT_CPU,$SERVER_CPU);" \
        "clients on CPU $CLIENT_CPU; $ROUNDS rounds of ${RUN_S} s runs"
    echo "# background before: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS"
    for r in $(seq 1 "$ROUNDS"); do
        ROUND=$r
        shuffle cores1:bulk cores2:bulk cores1:conn cores2:conn
        echo "round $r/$ROUNDS order: ${ORDER[*]}"
        for item in "${ORDER[@]}"; do mq_item "$item"; done
    done
    echo "# background after: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS"
    echo
    printf '%-28s %12s %12s %s\n' "medians of $ROUNDS rounds" "--cores 1" "--cores 2" \
        "2 cores / 1 core: median [min-max] of the rounds"
    printf '%-28s %12s %12s %s\n' "bulk x$MQ_BULK, Gbit/s" "$(median "$TMP/m.mqbulk.cores1")" \
        "$(median "$TMP/m.mqbulk.cores2")" "$(paired "$TMP/m.mqbulk.cores2" "$TMP/m.mqbulk.cores1")"
    printf '%-28s %12s %12s %s\n' "$CONC at once, conn/s" "$(median "$TMP/m.mqconn.cores1")" \
        "$(median "$TMP/m.mqconn.cores2")" "$(paired "$TMP/m.mqconn.cores2" "$TMP/m.mqconn.cores1")"
    [ $FAIL = 0 ] || exit 1
    exit 0
fi

STACKS=(linux)
[ $HAVE_SYNACK = 1 ] && STACKS+=(synack)
[ $HAVE_LWIP = 1 ] && STACKS+=(lwip)
ITEMS=()
want() { case " $TESTS " in *" $1 "*) return 0 ;; esac; return 1; }
for st in "${STACKS[@]}"; do
    want bulk && ITEMS+=("$st:bulk")
    want conn && ITEMS+=("$st:conn1")
    want conn && [ "$CONC" != 0 ] && ITEMS+=("$st:conn$CONC")
    want rr && ITEMS+=("$st:rr")
    want rrc && [ "$st" != lwip ] && ITEMS+=("$st:rrc") # lwip_tap_server has no client
done
want bulk && [ $HAVE_ETHTOOL = 1 ] && ITEMS+=(nooff:bulk)

provenance "$BUILD_DIR" "$COMMAND"
seed_order
echo "# TAP benchmark: $ROUNDS rounds of ${RUN_S} s runs: bulk (one connection)," \
    "connections 1 at a time$([ "$CONC" != 0 ] && echo " and $CONC at once")," \
    "1-byte request/response on one connection; MTU 1500"
[ "${SKIP_EMPTY_ROWS:-0}" = 1 ] && echo "# TESTS=\"$TESTS\": only these tests run"
echo "# pinning: client CPU $CLIENT_CPU, server CPU $SERVER_CPU (lwIP: both of its threads);" \
    "/proc/stat CPU time: CPUs $CPUS for every stack"
echo "# client: TIME-WAIT off (tcp_max_tw_buckets=0), ports 49152-65535, in every setup"
linux_cc_note "$NSA"
[ $HAVE_LWIP = 1 ] && echo "# lwip: Debian's liblwip $(dpkg-query -W -f='${Version}' liblwip0 2>/dev/null ||
    echo '(version unknown)') as packaged (its lwipopts.h), 128-slot tcpip mailbox"
echo "# background before: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS" \
    "with none of our runs (other jobs; the /proc/stat rows include it)"
[ "$SMOKE" = 1 ] && profile_all # the smoke run goes through PROFILE's path too
for r in $(seq 1 "$ROUNDS"); do
    ROUND=$r
    shuffle "${ITEMS[@]}"
    echo "round $r/$ROUNDS order: ${ORDER[*]}"
    for item in "${ORDER[@]}"; do
        run_item "$item"
    done
done
echo "# background after: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS"

echo
echo "Medians of $ROUNDS rounds; synack and lwip over a TAP, linux over veth (linux-nooff:"
echo "veth TSO/GSO/GRO and checksum offload off); synack/X: median [min-max] of the"
echo "per-round ratios (for CPU-s rows below 1 means synack costs less). /proc/stat: busy"
echo "time of CPUs $CPUS during the run."
[ $HAVE_SYNACK = 1 ] || echo "(synack skipped: serve --tap not built yet)"
echo
extra_tables() { # after the connection table (lib.sh's tables_and_exit calls it)
    echo
    read -r -a TABLE_TAGS <<<"synack lwip linux"
    read -r -a TABLE_VS <<<"lwip linux"
    table "request/response p50 us|rr_p50" "request/response p99 us|rr_p99" \
        "CPU-us per round trip (/proc/stat)|rr_cpuus" "CPU-us per round trip (processes)|rr_pcpuus"
    echo
    read -r -a TABLE_TAGS <<<"synack linux"
    read -r -a TABLE_VS <<<"linux"
    table "request/response p50 us, synack the client|rrc_p50" \
        "request/response p99 us, synack the client|rrc_p99" \
        "CPU-us per round trip, synack the client (/proc/stat)|rrc_cpuus" \
        "CPU-us per round trip, synack the client (processes)|rrc_pcpuus"
}
tables_and_exit "synack lwip linux nooff" "lwip linux nooff" "synack lwip linux" "lwip linux"
