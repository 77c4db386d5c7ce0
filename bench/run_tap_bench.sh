#!/usr/bin/env bash
# run_tap_bench.sh: the same Linux client against three TCP stacks on
# equivalent links, interleaved round by round, medians and ratios printed.
#
#   sudo bench/run_tap_bench.sh [BUILD_DIR]        (default: build/release)
#
#   synack  `synack serve --tap` in namespace skt-s-PID, attached to a TAP
#           device whose Linux side holds 192.0.2.1/24; synack is 192.0.2.2
#   lwip    bench/lwip_tap_server (Debian's liblwip 2.1.3) the same way in
#           skt-l-PID
#   linux   Linux's own TCP on both ends: client in skt-a-PID, server
#           (linux_tcp_peer) in skt-b-PID, joined by a veth pair
#
# The client is always bench/linux_tcp_peer in the namespace holding the
# Linux end of the link (bulk-source, conn-client), talking to 192.0.2.2.
# All links: MTU 1500; addresses exist only inside the namespaces.
#
# Tests (ports 5001 discard, 5002 echo on every server):
#   bulk   one connection writes MIB MiB, half-closes, waits for the server's
#          close: Gbit/s (wall clock) and Gbit/s per CPU-second
#   conn   CONNS connections, each: connect, 1 byte each way, client closes,
#          server closes on EOF; once one at a time, once CONC at once
#
# Pinning (taskset, when there are two CPUs): the client on CLIENT_CPU (0),
# the server on SERVER_CPU (1) -- synack serve, every thread of
# lwip_tap_server (its tcpip thread and its TAP reader) and the Linux
# server alike.
#
# CPU time: the client's and (Linux server's) own getrusage; for synack and
# lwIP, utime+stime of the whole process from /proc/PID/stat around the
# client's run. Kernel work lands on whoever runs it: over a TAP the
# server's write() carries the frame up through the client's TCP receive
# path (softirq in the server's context); over veth the sender's softirq
# runs the receiver's IP/TCP input. So only the sum client+server is
# comparable, and that is what "per CPU-second" divides by.
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
# PROFILE=1: instead of the rounds, run each user-space stack once under
# `strace -c -f` for a bulk transfer of PROFILE_MIB (64) MiB and for
# PROFILE_CONNS (2000) sequential connections, and print its system calls
# per frame (frames counted on the Linux side of its TAP: ip -s link).
#
# Environment: ROUNDS (3), MIB (256), CONNS (20000), CONC (100; 0 skips the
# concurrent test), CLIENT_CPU (0), SERVER_CPU (1), STEP_TIMEOUT (120 s per
# program), SYNACK_ARGS (extra arguments for synack serve; --stats), PROFILE (0).
# Exit: 0 done, 1 a measurement failed, 2 usage/missing binaries, 77 not root.
set -u
ME=run_tap_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
ROUNDS=${ROUNDS:-3}
MIB=${MIB:-256}
CONNS=${CONNS:-20000}
CONC=${CONC:-100}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
SYNACK_ARGS=${SYNACK_ARGS---stats}
PROFILE=${PROFILE:-0}
PROFILE_MIB=${PROFILE_MIB:-64}
PROFILE_CONNS=${PROFILE_CONNS:-2000}

need_root "network namespaces, TAP devices"
need_numbers ROUNDS MIB CONNS CONC CLIENT_CPU SERVER_CPU STEP_TIMEOUT PROFILE PROFILE_MIB \
    PROFILE_CONNS
need_range ROUNDS 1 50
need_tools ip timeout pgrep
[ "$PROFILE" = 1 ] && need_tools strace

PEER=$BUILD_DIR/bench/linux_tcp_peer
LWIP=$BUILD_DIR/bench/lwip_tap_server
SYNACK=$BUILD_DIR/tools/synack
if [ ! -x "$PEER" ]; then
    echo "$ME: $PEER is missing; build first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi
HAVE_LWIP=1
if [ ! -x "$LWIP" ]; then
    HAVE_LWIP=0
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

run_client() { # run_client NS OUT ARGS...
    local ns=$1 out=$2
    shift 2
    run_fg "$out" "$CLIENT_CPU" ip netns exec "$ns" "$PEER" "$@"
}

# store TAG TEST CLIENT_OUT SERVER_CPU: record one measurement
store() {
    local tag=$1 test=$2 out=$3 scpu=$4 ccpu
    ccpu=$(field cpu_s "$out")
    if [ -z "$ccpu" ] || [ -z "$scpu" ]; then
        echo "$ME: $tag $test failed:" >&2
        cat "$out" >&2
        FAIL=1
        return
    fi
    case $test in
    bulk)
        record "bulk_gbps.$tag" "$(field gbps "$out")"
        record "bulk_gbps_cpu.$tag" "$(gbps_per_cpu "$MIB" "$ccpu" "$scpu")"
        echo "  $tag bulk: $(field gbps "$out") Gbit/s, CPU client $ccpu s + server $scpu s"
        ;;
    conn*)
        record "$test.$tag" "$(field conn_per_s "$out")"
        record "${test}_cpu.$tag" "$(conns_per_cpu "$CONNS" "$ccpu" "$scpu")"
        echo "  $tag $test: $(field conn_per_s "$out") conn/s, CPU client $ccpu s +" \
            "server $scpu s, errors $(field errors "$out")"
        ;;
    esac
    [ "$(field errors "$out")" = "" ] || [ "$(field errors "$out")" = 0 ] || FAIL=1
}

# user-space stack behind a TAP: one server process per round, every test
# against it, CPU sampled from /proc around each client run
tap_round() { # tap_round TAG NS SERVER_COMMAND...
    local tag=$1 ns=$2
    shift 2
    local srv=$TMP/$tag.srv cli=$TMP/$tag.cli
    start_server "$ns" "$srv" "$@"
    if [ -z "$SRV_REAL" ] || ! wait_tcp "$ns"; then
        echo "$ME: $tag server did not start:" >&2
        cat "$srv" >&2
        stop_server
        FAIL=1
        return
    fi
    local c0 c1 conc
    c0=$(cpu_of "$SRV_REAL")
    run_client "$ns" "$cli" bulk-source 192.0.2.2 5001 "$MIB"
    c1=$(cpu_of "$SRV_REAL")
    store "$tag" bulk "$cli" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a }')"
    for conc in 1 $CONC; do
        [ "$conc" = 0 ] && continue
        c0=$(cpu_of "$SRV_REAL")
        run_client "$ns" "$cli" conn-client 192.0.2.2 5002 "$CONNS" "$conc"
        c1=$(cpu_of "$SRV_REAL")
        store "$tag" "conn$conc" "$cli" \
            "$(awk -v a="$c0" -v b="$c1" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a }')"
    done
    stop_server
    grep -h "RESULT\|rror\|stats: frames\|stats: opens\|stats: device\|stats: busy" "$srv" |
        sed "s/^/  $tag server: /" | head -n 6
}

linux_test() { # linux_test TAG TEST SERVER_ARGS -- CLIENT_ARGS
    local tag=$1 test=$2
    shift 2
    local sargs=() srv=$TMP/linux.srv cli=$TMP/linux.cli
    while [ "$1" != -- ]; do sargs+=("$1"); shift; done
    shift
    start_server "$NSB" "$srv" "$PEER" "${sargs[@]}"
    wait_ready "$srv"
    run_client "$NSA" "$cli" "$@"
    reap "$SRV_PID"
    store "$tag" "$test" "$cli" "$(field cpu_s "$srv")"
}

linux_round() {
    offloads on
    linux_test linux bulk bulk-sink 5001 -- bulk-source 192.0.2.2 5001 "$MIB"
    local conc
    for conc in 1 $CONC; do
        [ "$conc" = 0 ] && continue
        linux_test linux "conn$conc" conn-server 5002 "$CONNS" "$conc" -- \
            conn-client 192.0.2.2 5002 "$CONNS" "$conc"
    done
    if offloads off; then
        linux_test nooff bulk bulk-sink 5001 -- bulk-source 192.0.2.2 5001 "$MIB"
        offloads on
    fi
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
        run_client "$ns" "$cli" bulk-source 192.0.2.2 5001 "$PROFILE_MIB"
    else
        run_client "$ns" "$cli" conn-client 192.0.2.2 5002 "$PROFILE_CONNS" 1
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

if [ "$PROFILE" = 1 ]; then
    echo "PROFILE: bulk $PROFILE_MIB MiB, $PROFILE_CONNS sequential connections, strace -c -f"
    for t in bulk conn; do
        # shellcheck disable=SC2086 # SYNACK_ARGS: any number of arguments
        [ $HAVE_SYNACK = 1 ] && profile_one synack "$NSS" ts0 "$t" "$SYNACK" serve --tap ts0 \
            --addr 192.0.2.2/24 --discard 5001 --echo 5002 $SYNACK_ARGS
        [ $HAVE_LWIP = 1 ] && profile_one lwip "$NSL" tl0 "$t" "$LWIP" --tap tl0 \
            --addr 192.0.2.2/24 --discard 5001 --echo 5002
    done
    [ $FAIL = 0 ] || exit 1
    exit 0
fi

echo "TAP benchmark: $ROUNDS rounds, bulk $MIB MiB, $CONNS connections (1 at a time" \
    "$([ "$CONC" != 0 ] && echo "and $CONC at once")), MTU 1500"
echo "pinning: client CPU $CLIENT_CPU, server CPU $SERVER_CPU ($NCPU CPUs online)"
echo "client: TIME-WAIT off (tcp_max_tw_buckets=0), ports 49152-65535, in every setup"
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS"
    # shellcheck disable=SC2086 # SYNACK_ARGS: any number of arguments
    [ $HAVE_SYNACK = 1 ] && tap_round synack "$NSS" "$SYNACK" serve --tap ts0 \
        --addr 192.0.2.2/24 --discard 5001 --echo 5002 $SYNACK_ARGS
    [ $HAVE_LWIP = 1 ] && tap_round lwip "$NSL" "$LWIP" --tap tl0 --addr 192.0.2.2/24 \
        --discard 5001 --echo 5002
    linux_round
done

echo
echo "medians of $ROUNDS rounds; synack and lwip over TAP, linux over veth" \
    "(linux-nooff: veth TSO/GSO/GRO/checksum offload off)"
[ $HAVE_SYNACK = 1 ] || echo "(synack skipped: serve --tap not built yet)"
TABLE_FMT="%-32s %10s %10s %10s %11s %8s %8s %8s\n"
TABLE_TAGS=(synack lwip linux nooff)
TABLE_VS=(linux lwip nooff)
table
bench_exit
