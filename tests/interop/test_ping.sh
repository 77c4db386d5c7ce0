#!/usr/bin/env bash
# ICMP echo both ways over the TAP: Linux `ping` gets replies from synack
# (while it serves TCP), `synack ping` gets replies from Linux, and an
# address nobody has gets no reply (exit 1).
. "$(dirname "$0")/lib.sh"
it_require ping
it_setup

it_serve ping --discard 9 || { it_finish; exit 1; }
nsx timeout 20 ping -c 5 -i 0.2 -W 2 "$SYNACK_IP" >"$IT_TMP/ping.out" 2>&1
check "Linux ping: exit 0" test $? = 0
check "Linux ping: 5 replies" grep -q "5 received" "$IT_TMP/ping.out"
nsx timeout 20 ping -c 3 -i 0.2 -s 1400 "$SYNACK_IP" >"$IT_TMP/ping2.out" 2>&1
check "Linux ping -s 1400: 3 replies" grep -q "3 received" "$IT_TMP/ping2.out"
tail -2 "$IT_TMP/ping.out"
it_stop "$SERVE_PID" 10
check "serve exits 0" test $? = 0
check "capture clean" it_pcap_clean "$SERVE_PCAP"
n=$(it_pcap_count "$SERVE_PCAP" "icmp.type == 0 && ip.src == $SYNACK_IP")
check "capture: synack's echo replies ($n)" test "$n" -ge 8

PING=("${NSX[@]}" timeout 30 "$SYNACK" ping "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24")
"${PING[@]}" --pcap "$IT_TMP/sp.pcap" -c 3 -i 0.2 "$LINUX_IP" >"$IT_TMP/sp.out" 2>&1
check "synack ping: exit 0" test $? = 0
cat "$IT_TMP/sp.out"
check "synack ping: 3 replies" grep -q "3 received" "$IT_TMP/sp.out"
check "synack ping: capture clean" it_pcap_clean "$IT_TMP/sp.pcap"
"${PING[@]}" -c 2 -i 0.2 -W 1 192.0.2.99 >"$IT_TMP/sp2.out" 2>&1
check "synack ping to nobody: exit 1" test $? = 1
check "synack ping to nobody: 0 received" grep -q " 0 received" "$IT_TMP/sp2.out"
it_finish
