#!/usr/bin/env bash
# run_link_bench.sh: how exactly `synack link` keeps its delay and its rate.
#
#   sudo bench/run_link_bench.sh [BUILD_DIR]        (default: build/release)
#
# Namespaces A (ta 192.0.2.1) and B (tb 192.0.2.2) joined by synack link.
#   delay  for each one-way delay D in DELAYS_MS (0 10 50): COUNT pings
#          (-i 0.02, after one ping for ARP); the RTT added by the link is RTT(D) - RTT(0) against
#          the configured 2 x D, and the link's own lateness (the time a
#          frame was written minus its due time: mean, max, share within
#          50 us) from its --stats.
#   rate   for each R in RATES_MBIT (10 100): FLOOD_S seconds of 1472-byte UDP
#          datagrams from A (socat UDP-SENDTO, unconnected so that B's port
#          unreachable errors do not stop it; as fast as it can) into a link of rate R
#          with a queue of one second (R x 1 s: a sender stalled by a busy CPU
#          cannot drain it, so the link stays saturated): the rate B's tb
#          received (ip -s link) from 1 s into the flood to 0.5 s before its
#          end, against R; and the link's own first-to-last-write rate
#          (active_mbit_s, which also spans any idle time before the flood,
#          such as the kernel's IPv6 and ARP frames).
# Environment: COUNT (200), DELAYS_MS, RATES_MBIT, FLOOD_S (3).
# Exit: 0 done, 1 a measurement failed, 2 usage/missing tools, 77 not root.
set -u
ME=run_link_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
COUNT=${COUNT:-200}
DELAYS_MS=${DELAYS_MS:-"0 10 50"}
RATES_MBIT=${RATES_MBIT:-"10 100"}
FLOOD_S=${FLOOD_S:-3}
STEP_TIMEOUT=$((COUNT + FLOOD_S + 60))
need_root "network namespaces, TAP devices"
need_numbers COUNT FLOOD_S
need_range COUNT 1 10000
need_range FLOOD_S 3 60
need_tools ip timeout ping socat awk
SYNACK=$BUILD_DIR/tools/synack
"$SYNACK" link --help >/dev/null 2>&1 || { echo "$ME: $SYNACK link is missing (build first)" >&2; exit 2; }

NSA=skb-a-$$
NSB=skb-b-$$
bench_start skl-link
netns_add "$NSA" && netns_add "$NSB" || exit 1
ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up &&
    ip -n "$NSA" tuntap add dev ta mode tap && ip -n "$NSB" tuntap add dev tb mode tap &&
    ip -n "$NSA" addr add 192.0.2.1/24 dev ta && ip -n "$NSB" addr add 192.0.2.2/24 dev tb &&
    ip -n "$NSA" link set ta up && ip -n "$NSB" link set tb up || exit 1

LOG=$TMP/link.log
LINK_PID=
link_start() { # link_start SPEC
    "$SYNACK" link --ns-a "$NSA" --tap-a ta --ns-b "$NSB" --tap-b tb --impair "$1" --seed 1 \
        --stats --time "$STEP_TIMEOUT" 2>"$LOG" &
    LINK_PID=$!
    PIDS+=("$LINK_PID")
    local _
    for _ in $(seq 1 100); do
        grep -q running "$LOG" && return 0
        kill -0 "$LINK_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "$ME: the link did not start:" >&2
    cat "$LOG" >&2
    exit 1
}
link_stop() {
    kill -INT "$LINK_PID" 2>/dev/null
    reap "$LINK_PID"
}
link_stat() { sed -n "s/^link $1:.*[ ]$2=\([0-9.]*\).*/\1/p" "$LOG" | head -n 1; } # stat DIR KEY
rx_bytes() { # B's tb: received bytes and the time, "BYTES SECONDS"
    echo "$(ip -n "$NSB" -s -j link show tb | sed -n 's/.*"rx":{"bytes":\([0-9]*\).*/\1/p') $(date +%s.%N)"
}
within50() { # share of frames written within 50 us of their due time, both ways
    local d n=0 ok=0
    for d in a2b b2a; do
        n=$((n + $(link_stat $d lt10us) + $(link_stat $d lt50us) + $(link_stat $d lt100us) + $(link_stat $d lt500us) +
            $(link_stat $d lt1ms) + $(link_stat $d ge1ms)))
        ok=$((ok + $(link_stat $d lt10us) + $(link_stat $d lt50us)))
    done
    awk -v a="$ok" -v n="$n" 'BEGIN { if (n) printf "%.1f %%", 100 * a / n; else print "-" }'
}

provenance "$BUILD_DIR" "COUNT=$COUNT FLOOD_S=$FLOOD_S $0 $BUILD_DIR"
echo
echo "| one-way delay | ping RTT min / avg / max (ms) | added by the link (avg - avg at 0) | configured 2 x D | lateness mean a2b / b2a (us) | max (us) | within 50 us |"
echo "|---|---|---|---|---|---|---|"
base=
for d in $DELAYS_MS; do
    link_start "delay=${d}ms"
    # one ping first, so that ARP (one more round trip) is not in the numbers
    timeout 10 ip netns exec "$NSA" ping -n -q -c 1 -W 5 192.0.2.2 >/dev/null 2>&1
    timeout "$STEP_TIMEOUT" ip netns exec "$NSA" ping -n -q -c "$COUNT" -i 0.02 -W 2 192.0.2.2 \
        >"$TMP/ping" 2>&1
    link_stop
    read -r mn av mx < <(sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\1 \2 \3|p' "$TMP/ping")
    [ -n "${av:-}" ] || { echo "$ME: ping failed:" >&2; cat "$TMP/ping" >&2; FAIL=1; continue; }
    [ -n "$base" ] || base=$av
    added=$(awk -v a="$av" -v b="$base" 'BEGIN { printf "%.3f", a - b }')
    lmax=$(link_stat a2b late_max_us)
    [ "$(link_stat b2a late_max_us)" -gt "$lmax" ] && lmax=$(link_stat b2a late_max_us)
    echo "| $d ms | $mn / $av / $mx | $added | $((2 * d)) | $(link_stat a2b late_mean_us) / $(link_stat b2a late_mean_us) | $lmax | $(within50) |"
done
echo
echo "| configured rate | received by B (ip -s link, mid-flood window) | received / configured | link: first to last write | frames out | tail drops | lateness mean (us) | within 50 us |"
echo "|---|---|---|---|---|---|---|---|"
for r in $RATES_MBIT; do
    link_start "rate=${r}mbit,queue=$((r * 125000))"
    timeout "$FLOOD_S" ip netns exec "$NSA" socat -u -b 1472 /dev/zero UDP-SENDTO:192.0.2.2:9 \
        2>/dev/null &
    flood=$!
    PIDS+=("$flood")
    # B's receive counter over the middle of the flood, when the queue is full
    sleep 1
    read -r b0 t0 < <(rx_bytes)
    sleep "$((FLOOD_S - 2)).5"
    read -r b1 t1 < <(rx_bytes)
    reap "$flood"
    link_stop
    got=$(link_stat a2b active_mbit_s)
    win=$(awk -v a="$b0" -v b="$b1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.3f", (b - a) * 8 / (e - s) / 1e6 }')
    echo "| $r Mbit/s | $win Mbit/s | $(awk -v g="$win" -v r="$r" 'BEGIN { printf "%.4f", g / r }') |" \
        "$got Mbit/s | $(link_stat a2b out) | $(link_stat a2b queue_drops) | $(link_stat a2b late_mean_us) | $(within50) |"
done
bench_exit
