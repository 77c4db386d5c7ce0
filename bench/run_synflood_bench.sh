#!/usr/bin/env bash
# run_synflood_bench.sh: a SYN flood against `synack serve --http` and
# against Linux's TCP (python3 http.server, net.ipv4.tcp_syncookies=1),
# side by side, while a real client fetches a page again and again.
#
#   sudo bench/run_synflood_bench.sh [BUILD_DIR]    (default: build/release)
#
#   synack  `synack serve --tap` in namespace sf-s-PID at 192.0.2.2, on a
#           TAP whose Linux side holds 192.0.2.1/24; curl and hping3 run on
#           that Linux side
#   linux   client namespace sf-a-PID (203.0.113.1) and server namespace
#           sf-b-PID (203.0.113.2, python3 -m http.server, syncookies on)
#           joined by a veth pair
#
# The flood: FLOODERS hping3 processes (`hping3 --flood -S`), each spoofing
# one source address inside 198.51.100.0/24 (hping3's --rand-source would
# pick addresses anywhere; -a keeps them in the test range, and hping3
# moves the source port on every packet, so every SYN is a new 4-tuple),
# each bounded with `timeout FLOOD_S`. The servers route 198.51.100.0/24
# back to the client side, which drops the SYN,ACKs (not its address, no
# forwarding): nothing leaves the namespaces.
#
# The client: `curl --max-time 3` of / in a loop, one request after the
# other, at most REQS_DURING requests while the flood runs, then REQS_AFTER
# right after it. Reported: % successful (HTTP 200) during and after, p50
# and p99 of curl's time_total over the successful ones, and the server's
# RSS (VmRSS) before the flood and after it.
#
# CORES=N (default 1): synack on a multi-queue TAP with `serve --cores N`,
# one queue and one stack per core; the kernel spreads the flood's flows
# over the queues.
# DEV=xdp (default tap): synack over AF_XDP instead (`serve --xdp xa0`, a
# veth pair: xa0 in namespace sf-x-PID, its peer xb0 holding 192.0.2.1/24
# in sf-s-PID, where curl and hping3 run; xb0 sends full checksums).
#
# TXQLEN=N: the TAP's txqueuelen (the kernel's queue in front of synack;
# default: the kernel's, 1000). NICE=N: synack's nice value (default 0).
# LINUX=0 (default 1): synack only, no Linux run beside it (for repeated
# synack runs).
# PIN=1 (default 0): the flooders and the client on CPU 0, the server on
# CPU 1 (taskset; synack's --cores stacks pin themselves, one per CPU), as
# run_tap_bench.sh places client and server: the attack's generator then
# takes no CPU time from the server, as on a real network, where it runs
# elsewhere. With PIN=0 all share both CPUs: synack's thread competes with
# the hping3 processes for CPU time, while Linux's SYN processing runs in
# their own system calls (the veth's receive path, in the sender's softirq).
#
# Two CPUs shared with other work: one run, numbers are indicative.
set -u
BUILD=${1:-build/release}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SYNACK=$SRC/$BUILD/tools/synack
FLOOD_S=${FLOOD_S:-10}
FLOODERS=${FLOODERS:-2}
RATE=${RATE:---flood}  # hping3's pace: --flood (as fast as it can), or e.g. "-i u50" (20,000/s each)
REQS_DURING=${REQS_DURING:-400}
REQS_AFTER=${REQS_AFTER:-100}
CORES=${CORES:-1}
DEV=${DEV:-tap}
LINUX=${LINUX:-1}
TXQLEN=${TXQLEN:-}
NICE=${NICE:-0}
PIN=${PIN:-0}
case $PIN in 0 | 1) ;; *) echo "PIN: 0 or 1, not '$PIN'" >&2; exit 2 ;; esac
[ "$PIN" = 0 ] || [ "$(nproc)" -ge 2 ] || { echo "PIN=1 needs two CPUs" >&2; exit 2; }
# prefixes that pin a command with PIN=1 (taskset execs it: $! stays the
# command's own PID); empty with PIN=0
ON0=() ON1=() ON_SERVE=()
if [ "$PIN" = 1 ]; then
    ON0=(taskset -c 0) ON1=(taskset -c 1) ON_SERVE=(taskset -c 1)
    # --cores: its stacks pin themselves, one per CPU
    [ "$CORES" = 1 ] || ON_SERVE=(taskset -c "0-$(($(nproc) - 1))")
fi
case $DEV in tap | xdp) ;; *) echo "DEV: tap or xdp, not '$DEV'" >&2; exit 2 ;; esac
[ "$DEV" = tap ] || [ "$CORES" = 1 ] || { echo "CORES: with DEV=tap only" >&2; exit 2; }
case $CORES in [1-9] | [1-5][0-9] | 6[0-4]) ;; *) echo "CORES: 1..64, not '$CORES'" >&2; exit 2 ;; esac
PORT=80
NS_S=sf-s-$$
NS_X=sf-x-$$
NS_A=sf-a-$$
NS_B=sf-b-$$
TMP=$(mktemp -d /tmp/synflood.XXXXXX)
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    ip netns del "$NS_S" 2>/dev/null
    ip netns del "$NS_X" 2>/dev/null
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 1; }
for t in hping3 curl python3 ip timeout; do
    command -v "$t" >/dev/null || { echo "$t missing (Debian: apt-get install hping3 curl)"; exit 1; }
done
[ -x "$SYNACK" ] || { echo "no $SYNACK (cmake --build --preset release)"; exit 1; }

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -; }
# cpu_ticks PID: user + system clock ticks of the process (all its threads)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# wait_until SECONDS COMMAND...: bounded readiness wait
wait_until() {
    local secs=$1; shift
    for _ in $(seq 1 $((secs * 20))); do "$@" && return 0; sleep 0.05; done
    return 1
}

# client_loop NS URL N DEADLINE_FILE OUT: up to N fetches, one after the
# other, while DEADLINE_FILE exists (or N, whichever ends first)
client_loop() {
    local ns=$1 url=$2 n=$3 flag=$4 out=$5 i
    for i in $(seq 1 "$n"); do
        [ -n "$flag" ] && [ ! -e "$flag" ] && break
        "${ON0[@]}" ip netns exec "$ns" curl -s -o /dev/null --max-time 3 \
            -w '%{http_code} %{time_total}\n' "$url" >>"$out" 2>/dev/null || echo "000 3" >>"$out"
    done
}

# summary FILE: "ok/total pct p50 p99" (times in ms, successful requests)
summary() {
    python3 - "$1" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
ok = sorted(float(t) * 1000 for c, t in rows if c == "200")
n = len(rows)
def pct(p):
    if not ok:
        return float("nan")
    k = min(len(ok) - 1, int(round(p / 100 * (len(ok) - 1))))
    return ok[k]
print(f"{len(ok)}/{n} {100 * len(ok) / max(n, 1):.1f}% p50 {pct(50):.1f} ms p99 {pct(99):.1f} ms")
PY
}

# run_case NAME CLIENT_NS TARGET_IP SERVER_PID FLOOD_NS
run_case() {
    local name=$1 cns=$2 ip=$3 spid=$4 i
    local url=http://$ip:$PORT/
    local rss0 rss1 flag=$TMP/$name.flooding
    : >"$TMP/$name.during"
    : >"$TMP/$name.after"
    rss0=$(rss_kb "$spid")
    local cpu0 cpu1
    cpu0=$(cpu_ticks "$spid")
    touch "$flag"
    local fp=()
    for i in $(seq 1 "$FLOODERS"); do
        # shellcheck disable=SC2086
        "${ON0[@]}" ip netns exec "$cns" timeout -s INT "$FLOOD_S" hping3 $RATE -q -S -p "$PORT" \
            -a "198.51.100.$((10 + i))" "$ip" >"$TMP/$name.hping$i" 2>&1 &
        fp+=($!)
        PIDS+=($!)
    done
    client_loop "$cns" "$url" "$REQS_DURING" "$flag" "$TMP/$name.during" &
    local cp=$!
    PIDS+=($cp)
    for p in "${fp[@]}"; do wait "$p" 2>/dev/null; done
    cpu1=$(cpu_ticks "$spid")
    rm -f "$flag"
    wait "$cp" 2>/dev/null
    client_loop "$cns" "$url" "$REQS_AFTER" "" "$TMP/$name.after"
    rss1=$(rss_kb "$spid")
    echo "$name: during the flood: $(summary "$TMP/$name.during")"
    echo "$name: right after it:   $(summary "$TMP/$name.after")"
    echo "$name: server RSS before ${rss0} kB, after ${rss1} kB"
    echo "$name: server CPU during the flood $(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }') s;" \
        "SYNs sent by hping3: $(cat "$TMP/$name".hping* | awk '/packets transmitted/ { n += $1 } END { print n + 0 }')"
}

echo "run_synflood_bench: $(date -u +%FT%TZ), commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)," \
    "flood ${FLOOD_S} s x ${FLOODERS} hping3 ($RATE), synack over $DEV on $CORES core(s), nproc $(nproc)," \
    "$([ "$PIN" = 1 ] && echo "PIN=1: flooders and client on CPU 0, server on CPU 1" || echo "PIN=0: nothing pinned")"

# ---- synack ----
ip netns add "$NS_S"
ip -n "$NS_S" link set lo up
if [ "$DEV" = tap ]; then
    MQ=(); SERVE_DEV=(--tap sf0)
    [ "$CORES" = 1 ] || { MQ=(multi_queue); SERVE_DEV+=(--cores "$CORES"); }
    ip -n "$NS_S" tuntap add dev sf0 mode tap "${MQ[@]}"
    ip -n "$NS_S" addr add 192.0.2.1/24 dev sf0
    [ -z "$TXQLEN" ] || ip -n "$NS_S" link set sf0 txqueuelen "$TXQLEN"
    ip -n "$NS_S" link set sf0 up
    ip netns exec "$NS_S" ethtool -K sf0 tso off gso off gro off >/dev/null 2>&1 || true
    SERVE_NS=$NS_S
else
    ip netns add "$NS_X"
    ip -n "$NS_X" link set lo up
    ip -n "$NS_X" link add xa0 type veth peer name sf0 netns "$NS_S"
    ip -n "$NS_X" link set xa0 up
    ip -n "$NS_S" addr add 192.0.2.1/24 dev sf0
    ip -n "$NS_S" link set sf0 up
    # XDP sees the frame as Linux queued it: full checksums, no GSO
    ip netns exec "$NS_S" ethtool -K sf0 tx off tso off gso off >/dev/null
    SERVE_DEV=(--xdp xa0)
    SERVE_NS=$NS_X
fi
"${ON_SERVE[@]}" ip netns exec "$SERVE_NS" nice -n "$NICE" "$SYNACK" serve "${SERVE_DEV[@]}" --addr 192.0.2.2/24 --gw 192.0.2.1 \
    --http "$PORT" --stats >"$TMP/serve.log" 2>&1 &
SPID=$!
PIDS+=($SPID)
wait_until 10 grep -q '^synack serve: listening on ' "$TMP/serve.log" || { cat "$TMP/serve.log"; exit 1; }
# warm up ARP both ways, check the page
ip netns exec "$NS_S" curl -s -o /dev/null --max-time 5 "http://192.0.2.2:$PORT/" || { echo "synack: no page"; exit 1; }
run_case synack "$NS_S" 192.0.2.2 "$SPID"
kill -TERM "$SPID"
for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
grep -E '^stats: (opens|SYN cookies|drops|  |device)' "$TMP/serve.log"
# frames the kernel could not queue to synack's device (its reader fell
# behind): the TAP's or the veth's transmit drops on the client's side
ip -n "$NS_S" -s link show sf0 | awk -v d="$DEV" '/TX:/ { getline; print d " queue to synack: " $2 " packets queued, " $4 " dropped" }'
[ "$DEV" = tap ] || ip -n "$NS_X" -s link show xa0 | awk '/RX:/ { getline; print "xa0 received " $2 " packets, dropped " $4 }'

[ "$LINUX" = 0 ] && exit 0

# ---- linux ----
ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip link add sfa0 netns "$NS_A" type veth peer name sfb0 netns "$NS_B"
ip -n "$NS_A" addr add 203.0.113.1/24 dev sfa0
ip -n "$NS_B" addr add 203.0.113.2/24 dev sfb0
ip -n "$NS_A" link set sfa0 up
ip -n "$NS_B" link set sfb0 up
ip -n "$NS_B" route add 198.51.100.0/24 via 203.0.113.1
ip netns exec "$NS_B" sysctl -qw net.ipv4.tcp_syncookies=1
mkdir -p "$TMP/www"
printf '<html><body>hello</body></html>\n' >"$TMP/www/index.html"
"${ON1[@]}" ip netns exec "$NS_B" python3 -m http.server "$PORT" --bind 203.0.113.2 --directory "$TMP/www" \
    >"$TMP/py.log" 2>&1 &
LPID=$!
PIDS+=($LPID)
wait_until 10 sh -c "ip netns exec $NS_B ss -Htln 'sport = :$PORT' | grep -q ." || { echo "python server did not start"; exit 1; }
ip netns exec "$NS_A" curl -s -o /dev/null --max-time 5 "http://203.0.113.2:$PORT/" || { echo "linux: no page"; exit 1; }
run_case linux "$NS_A" 203.0.113.2 "$LPID"
ip netns exec "$NS_B" nstat -az 2>/dev/null | grep -E 'TcpExtSyncookies|TcpExtListen' | head -6
