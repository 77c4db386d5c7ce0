# Shared helpers for the interop tests (sourced, not run).
#
# Each test gets its own network namespace (skit-NAME-PID) holding one TAP
# (or TUN) device: Linux's side is 192.0.2.1/24 on the device, synack runs
# inside the namespace at 192.0.2.2/24 on the other end of it. Nothing
# leaves the namespace. Every wait is bounded; cleanup runs on any exit and
# kills only the processes this test started.
#
# Environment: SYNACK_BINARY_DIR (the build tree, default build/dev),
# SYNACK_SOURCE_DIR, SK_LINK=tap|tun (default tap: Ethernet and ARP; tun runs
# the same tests over raw IP), SK_KEEP=1 keeps the temporary directory,
# SK_TUN_PATH names the TUN clone device (default /dev/net/tun; the harness
# self-test points it at a missing path to force the skip).
#
# A test that cannot run here exits 77 (skipped); with CI=true or
# SYNACK_REQUIRE_ALL=1 it fails instead (tests/support/sk_shell.sh).

set -u

IT_NAME=$(basename "$0" .sh)
IT_NAME=${IT_NAME#test_}
IT_HERE=$(cd "$(dirname "$0")" && pwd)
IT_SRC=${SYNACK_SOURCE_DIR:-$(cd "$IT_HERE/../.." && pwd)}
IT_BIN=${SYNACK_BINARY_DIR:-$IT_SRC/build/dev}
SYNACK=$IT_BIN/tools/synack
NS=skit-${IT_NAME:0:6}-$$
DEV=skit0
LINUX_IP=192.0.2.1
SYNACK_IP=192.0.2.2
SK_LINK=${SK_LINK:-tap}
IT_PIDS=()
IT_PASS=0
IT_FAIL=0
IT_TMP=
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../support/sk_shell.sh" || exit 1

it_log() { echo "[$IT_NAME] $*"; }
# it_skip REASON: exit 77, or 1 in CI (sk_skip).
it_skip() { sk_skip "$IT_NAME" "$@"; }
ok() { IT_PASS=$((IT_PASS + 1)); echo "ok   $*"; }
bad() { IT_FAIL=$((IT_FAIL + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}

# Run a command inside the namespace. In the background use "${NSX[@]}"
# instead, so that $! is the command itself (ip netns exec execs it), not
# a subshell running a function.
nsx() { ip netns exec "$NS" "$@"; }
NSX=(ip netns exec "$NS")

it_cleanup() {
    local p
    for p in "${IT_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${IT_PIDS[@]}"; do
        # bounded wait, then force
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    ip netns del "$NS" 2>/dev/null
    if [ -n "$IT_TMP" ] && [ "${SK_KEEP:-0}" != 1 ]; then rm -rf "$IT_TMP"; fi
    [ -n "$IT_TMP" ] && [ "${SK_KEEP:-0}" = 1 ] && echo "kept $IT_TMP"
}

# it_require TOOL...: skip when a tool is missing.
it_require() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || it_skip "$t not installed (run scripts/deps.sh test)"
    done
}

# it_setup: root check, tools, namespace, device, trap.
it_setup() {
    [ "$(id -u)" -eq 0 ] || it_skip "needs root (network namespaces and TUN/TAP devices)"
    local tun=${SK_TUN_PATH:-/dev/net/tun}
    [ -c "$tun" ] || it_skip "$tun is missing (no TUN/TAP support)"
    it_require ip timeout tshark
    [ -x "$SYNACK" ] || { echo "synack not built: $SYNACK"; echo "0 passed, 1 failed"; exit 1; }
    IT_TMP=$(mktemp -d "/tmp/skit-$IT_NAME.XXXXXX") || exit 1
    trap it_cleanup EXIT
    trap 'exit 130' INT TERM
    ip netns add "$NS" || it_skip "cannot create a network namespace"
    nsx ip link set lo up
    # Linux's own ephemeral ports stay out of the fixed ports the tests
    # listen on (45000-46xxx): from the default 32768-60999 a client socket
    # of an earlier step could hold 45100 when socat binds it (EADDRINUSE,
    # seen once in test_mq.sh). 49152-65535 is the IANA dynamic range
    # (RFC 6335 §6), as the benchmarks' client namespaces use.
    nsx sysctl -qw net.ipv4.ip_local_port_range="49152 65535" ||
        it_skip "cannot set the namespace's ephemeral port range"
    # IT_TUNTAP_FLAGS: more `ip tuntap add` flags (multi_queue for test_mq.sh)
    nsx ip tuntap add dev "$DEV" mode "$SK_LINK" ${IT_TUNTAP_FLAGS:-} || it_skip "cannot create a $SK_LINK device"
    nsx ip addr add "$LINUX_IP/24" dev "$DEV"
    nsx ip link set "$DEV" up
    # offloads would hand synack segments larger than the MTU (TAP only)
    nsx ethtool -K "$DEV" tso off gso off gro off >/dev/null 2>&1 || true
}

# it_wait_line FILE PATTERN PID [SECONDS]: wait until a line of FILE
# matches the grep -E PATTERN while process PID is alive (default 10 s,
# bounded by count and time). Fails when PID exits first, or after the
# time limit; the caller reports it.
it_wait_line() {
    local f=$1 pat=$2 pid=$3 secs=${4:-10} i
    for i in $(seq 1 $((secs * 20))); do
        grep -Eq "$pat" "$f" 2>/dev/null && kill -0 "$pid" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# it_wait_listen PORT [SECONDS]: wait until a Linux socket in the namespace
# listens on TCP PORT (`ss -ltn`; default 10 s, bounded).
it_wait_listen() {
    local port=$1 secs=${2:-10} i
    for i in $(seq 1 $((secs * 20))); do
        nsx ss -Htln "sport = :$port" | grep -q . && return 0
        sleep 0.05
    done
    echo "  nothing listens on port $port after $secs s"
    return 1
}

# it_wait_state STATE FILTER [SECONDS]: wait until a Linux socket in the
# namespace matching the ss FILTER is in STATE (ss state names: fin-wait-1,
# closing, time-wait, ...; default 10 s, bounded).
it_wait_state() {
    local st=$1 filter=$2 secs=${3:-10} i
    for i in $(seq 1 $((secs * 20))); do
        nsx ss -Htan state "$st" "$filter" | grep -q . && return 0
        sleep 0.05
    done
    echo "  no socket in $st matching $filter after $secs s"
    return 1
}

# it_wait_exit PID [SECONDS]: wait until a process we started has exited
# (bounded); returns its exit status, or 124 (after SIGKILL) at the limit.
it_wait_exit() {
    local pid=$1 secs=${2:-20} i
    for i in $(seq 1 $((secs * 20))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid"
}

# it_serve LOGNAME ARGS...: start `synack serve` in the namespace (on our
# device, with a pcap) and wait until it listens: serve prints its
# "synack serve: listening on" line only after every listener exists, and
# prints an error and exits 1 instead when one cannot be made. Sets
# SERVE_PID, SERVE_LOG, SERVE_PCAP; fails (with the log) when serve exited
# or did not get ready within 10 s.
it_serve() {
    local name=$1; shift
    SERVE_LOG=$IT_TMP/$name.log
    SERVE_PCAP=$IT_TMP/$name.pcap
    "${NSX[@]}" "$SYNACK" serve "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --pcap "$SERVE_PCAP" \
        --stats "$@" >"$SERVE_LOG" 2>&1 &
    SERVE_PID=$!
    IT_PIDS+=("$SERVE_PID")
    it_wait_line "$SERVE_LOG" '^synack serve: listening on ' "$SERVE_PID" 10 && return 0
    echo "synack serve did not start:"; cat "$SERVE_LOG"
    return 1
}

# it_stop PID [SECONDS]: SIGTERM and wait (bounded); returns its exit status.
it_stop() {
    kill -TERM "$1" 2>/dev/null
    it_wait_exit "$1" "${2:-5}"
}

# Payloads (random test data) are decoded as plain data: otherwise tshark
# picks a dissector by port, and when Linux's random ephemeral port happens
# to be registered to some protocol, random bytes decoded as that protocol
# are reported "malformed" (a rare, port-dependent false failure).
TS_OPTS=(-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -d tcp.port==1-65535,data)

# it_pcap_clean FILE: tshark reads it, finds frames, no malformed frame and no
# bad checksum. Linux now and then sends a TCP checksum of 0xffff where
# 0x0000 is the canonical form (both are zero in ones' complement; Wireshark
# flags it, receivers accept it): allowed from Linux, not from synack.
# A tshark error (a field or filter this version does not know, a capture
# cut short) is a failure with tshark's message, never "clean".
it_pcap_clean() {
    local f=$1 out n hits
    out=$(sk_tshark -r "$f" -T fields -e frame.number) || { echo "  $f: tshark cannot read it"; return 1; }
    n=$(printf '%s' "$out" | grep -c .)
    [ "$n" -gt 0 ] || { echo "  $f: no frames"; return 1; }
    out=$(sk_tshark -r "$f" "${TS_OPTS[@]}" \
        -Y "_ws.malformed || ip.checksum.status == 0 || (tcp.checksum.status == 0 &&
            (ip.src == $SYNACK_IP || tcp.checksum != 0xffff))" \
        -T fields -e frame.number) || { echo "  $f: tshark failed on the clean check"; return 1; }
    hits=$(printf '%s\n' "$out" | head -5 | tr '\n' ' ')
    [ -z "$out" ] || { echo "  $f: malformed or bad checksum in frames $hits"; return 1; }
    return 0
}

# it_pcap_count FILE FILTER: how many frames match a display filter. When
# tshark fails it prints "tshark-error" (so a numeric test on the result
# fails) and returns 1.
it_pcap_count() {
    local out
    out=$(sk_tshark -r "$1" -Y "$2" -T fields -e frame.number) || { echo tshark-error; return 1; }
    printf '%s' "$out" | grep -c .
    return 0
}

# it_random FILE MIB: a file of random bytes.
it_random() {
    head -c $(($2 * 1048576)) /dev/urandom >"$1"
}

it_same() { cmp -s "$1" "$2"; }

it_finish() {
    echo "$IT_PASS passed, $IT_FAIL failed"
    [ "$IT_FAIL" -eq 0 ]
}
