#!/usr/bin/env bash
# The neighbour-cache flood the way it was found (issue 10): from the Linux
# side, 500 SYNs to synack's port 9 (discard) from on-link source addresses
# nobody answers ARP for (192.0.2.10-254 inside this namespace, sent with a
# raw socket, tests/interop/syn_flood.py), while a curl loop fetches from
# port 80 (HTTP) of the same `synack serve`; then the same over IPv6
# (sources 2001:db8:1::1000 + i, which nobody answers neighbour
# solicitations for). synack answers each SYN with a SYN-ACK it must hold while
# it asks who has 192.0.2.X; before, those unresolved entries filled the
# 64-entry cache, pushed out the entry of the real client (192.0.2.1), and
# its packets were dropped (ARP_CACHE_FULL): the unrelated port stalled.
#
# Checks: every fetch of the loop succeeds (during the flood and in the
# 4 s after it, while the unresolved entries give up), serve's counters
# show the flood pressed each cache (unresolved entries reused, ARP
# requests for the flood's addresses) and that no resolved entry was
# evicted and no packet dropped for a full cache. Bounded: 500 SYNs, at
# most 1000 fetches, every wait limited in time.
. "$(dirname "$0")/lib.sh"
it_require curl python3
[ "$SK_LINK" = tap ] || it_skip "needs Ethernet (ARP): SK_LINK=tap"
it_setup

L6=2001:db8:1::1
S6=2001:db8:1::2
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf."$DEV".disable_ipv6=0 || true
nsx ip -6 addr add "$L6/64" dev "$DEV" nodad || it_skip "cannot add an IPv6 address"
it_serve serve --addr "$S6/64" --discard 9 --http 80 || { it_finish; exit 1; }
CURL=(nsx curl -sS --max-time 10 -o /dev/null -w '%{http_code}\n')

# flood FAMILY URL FLOOD-ARGS...: a fetch first, then the flood with
# fetches during it and until 4 s after it (the unresolved entries ask
# three times, 1 s apart), 10 ms apart (pacing, not a wait for
# readiness), at most 1000 fetches.
flood() {
    local fam=$1 url=$2; shift 2
    local first log=$IT_TMP/flood$fam.log pid total=0 okc=0 codes= end= code
    first=$("${CURL[@]}" "$url")
    check "IPv$fam: a fetch before the flood (${first:-none})" test "$first" = 200
    "${NSX[@]}" timeout 30 python3 "$IT_HERE/syn_flood.py" "$fam" "$@" >"$log" 2>&1 &
    pid=$!
    IT_PIDS+=("$pid")
    it_wait_line "$log" '^flood started' "$pid" 10 || { cat "$log"; bad "IPv$fam: flood did not start"; }
    for _ in $(seq 1 1000); do
        code=$("${CURL[@]}" "$url")
        total=$((total + 1))
        [ "$code" = 200 ] && okc=$((okc + 1)) || codes="$codes ${code:-none}"
        if [ -z "$end" ] && ! kill -0 "$pid" 2>/dev/null; then
            end=$(($(date +%s) + 4))
        fi
        [ -n "$end" ] && [ "$(date +%s)" -ge "$end" ] && break
        sleep 0.01
    done
    it_wait_exit "$pid" 30
    check "IPv$fam flood: 500 SYNs sent ($(tail -1 "$log"))" grep -q '^flood done' "$log"
    it_log "IPv$fam: fetches during and after the flood: $okc of $total succeeded$codes"
    check "IPv$fam: every fetch during and after the flood succeeded ($okc of $total)" \
        test "$okc" = "$total" -a "$total" -ge 50
}

flood 4 "http://$SYNACK_IP/" "$SYNACK_IP"
flood 6 "http://[$S6]/" "$S6" 2001:db8:1

it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
nb=$(grep '^stats: neighbours:' "$SERVE_LOG")
it_log "${nb:-no neighbour counters}"
read -r a_unres n_unres a_res n_res <<<"$(sed -n 's/^stats: neighbours: evicted unresolved ARP \([0-9]*\) ND \([0-9]*\), resolved ARP \([0-9]*\) ND \([0-9]*\);.*/\1 \2 \3 \4/p' "$SERVE_LOG")"
check "the flood pressed the ARP cache: unresolved entries reused (${a_unres:-none})" \
    test "${a_unres:-0}" -gt 100
check "the flood pressed the ND cache: INCOMPLETE entries reused (${n_unres:-none})" \
    test "${n_unres:-0}" -gt 100
check "no resolved entry evicted (ARP ${a_res:-none}, ND ${n_res:-none})" \
    test "${a_res:-x}" = 0 -a "${n_res:-x}" = 0
check "no packet dropped for a full ARP cache" bash -c "! grep -q 'ARP_CACHE_FULL' '$SERVE_LOG'"
asked=$(it_pcap_count "$SERVE_PCAP" "arp.opcode == 1 && arp.src.proto_ipv4 == $SYNACK_IP && arp.dst.proto_ipv4 >= 192.0.2.10")
check "synack asked for the flood's IPv4 addresses (${asked} requests)" test "${asked:-0}" -gt 245
asked6=$(it_pcap_count "$SERVE_PCAP" "icmpv6.type == 135 && icmpv6.nd.ns.target_address >= 2001:db8:1::1000")
check "synack solicited the flood's IPv6 addresses (${asked6} solicitations)" test "${asked6:-0}" -gt 245
it_finish
