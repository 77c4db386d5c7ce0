#!/usr/bin/env bash
# The neighbour-cache flood the way it was found (issue 10): from the Linux
# side, 500 SYNs to synack's port 9 (discard) from on-link source addresses
# nobody answers ARP for (192.0.2.10-254 inside this namespace, sent with a
# raw socket), while a curl loop fetches from port 80 (HTTP) of the same
# `synack serve`. synack answers each SYN with a SYN-ACK it must hold while
# it asks who has 192.0.2.X; before, those unresolved entries filled the
# 64-entry cache, pushed out the entry of the real client (192.0.2.1), and
# its packets were dropped (ARP_CACHE_FULL): the unrelated port stalled.
#
# Checks: every fetch of the loop succeeds (during the flood and in the
# 4 s after it, while the unresolved entries give up), serve's counters
# show the flood pressed the cache (unresolved entries reused, ARP
# requests for the flood's addresses) and that no resolved entry was
# evicted and no packet dropped for a full cache. Bounded: 500 SYNs, at
# most 1000 fetches, every wait limited in time.
. "$(dirname "$0")/lib.sh"
it_require curl python3
[ "$SK_LINK" = tap ] || it_skip "needs Ethernet (ARP): SK_LINK=tap"
it_setup

it_serve serve --discard 9 --http 80 || { it_finish; exit 1; }
CURL=(nsx curl -sS --max-time 10 -o /dev/null -w '%{http_code}\n')
first=$("${CURL[@]}" "http://$SYNACK_IP/")
check "a fetch before the flood (${first:-none})" test "$first" = 200

FLOOD_LOG=$IT_TMP/flood.log
"${NSX[@]}" timeout 30 python3 - "$SYNACK_IP" >"$FLOOD_LOG" 2>&1 <<'PY' &
# 500 SYNs to port 9 from 192.0.2.10-254 (each address about twice, other
# source ports), 2 ms apart: raw IPv4 with our own header (IP_HDRINCL).
import socket, struct, sys, time
dst = sys.argv[1]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
d = socket.inet_aton(dst)
for i in range(500):
    src = socket.inet_aton("192.0.2.%d" % (10 + i % 245))
    sport = 20000 + i
    tcp = struct.pack("!HHIIBBHHH", sport, 9, 1000 * i, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = src + d + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0, 64, 6, 0, src, d)
    s.sendto(ip + tcp, (dst, 0))
    if i == 0:
        print("flood started", flush=True)
    time.sleep(0.002)
print("flood done", flush=True)
PY
FLOOD_PID=$!
IT_PIDS+=("$FLOOD_PID")
it_wait_line "$FLOOD_LOG" '^flood started' "$FLOOD_PID" 10 || { cat "$FLOOD_LOG"; bad "flood did not start"; }

# Fetch until the flood is done and 4 s more have passed (the unresolved
# entries ask three times, 1 s apart), 10 ms apart (pacing, not a wait for
# readiness), at most 1000 times.
total=0 okc=0 codes=
end=
for _ in $(seq 1 1000); do
    code=$("${CURL[@]}" "http://$SYNACK_IP/")
    total=$((total + 1))
    [ "$code" = 200 ] && okc=$((okc + 1)) || codes="$codes ${code:-none}"
    if [ -z "$end" ] && ! kill -0 "$FLOOD_PID" 2>/dev/null; then
        end=$(($(date +%s) + 4))
    fi
    [ -n "$end" ] && [ "$(date +%s)" -ge "$end" ] && break
    sleep 0.01
done
it_wait_exit "$FLOOD_PID" 30
check "flood: 500 SYNs sent ($(tail -1 "$FLOOD_LOG"))" grep -q '^flood done' "$FLOOD_LOG"
it_log "fetches during and after the flood: $okc of $total succeeded$codes"
check "every fetch during and after the flood succeeded ($okc of $total)" \
    test "$okc" = "$total" -a "$total" -ge 50

it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
nb=$(grep '^stats: neighbours:' "$SERVE_LOG")
it_log "${nb:-no neighbour counters}"
read -r ev_unres ev_res <<<"$(sed -n 's/^stats: neighbours: evicted unresolved ARP \([0-9]*\) ND [0-9]*, resolved ARP \([0-9]*\) ND .*/\1 \2/p' "$SERVE_LOG")"
check "the flood pressed the cache: unresolved entries reused (${ev_unres:-none})" \
    test "${ev_unres:-0}" -gt 100
check "no resolved entry evicted (${ev_res:-none})" test "${ev_res:-x}" = 0
check "no packet dropped for a full ARP cache" bash -c "! grep -q 'ARP_CACHE_FULL' '$SERVE_LOG'"
asked=$(it_pcap_count "$SERVE_PCAP" "arp.opcode == 1 && arp.src.proto_ipv4 == $SYNACK_IP && arp.dst.proto_ipv4 >= 192.0.2.10")
check "synack asked for the flood's addresses (${asked} requests)" test "${asked:-0}" -gt 245
it_finish
