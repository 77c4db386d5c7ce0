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

# A frame the kernel refuses is a lost frame, not a dead device: on a TUN,
# a corrupted bit in the version nibble makes write() fail with EINVAL
# (about one corrupted 28-byte reply in 56). A second device, a TUN, joins
# the namespace point to point (192.0.2.65 <-> 192.0.2.66); --seed makes
# the corruption the same every run.
nsx ip tuntap add dev skit1 mode tun
nsx ip addr add 192.0.2.65/32 peer 192.0.2.66/32 dev skit1
nsx ip link set skit1 up
SAVE_DEV=$DEV SAVE_LINK=$SK_LINK SAVE_IP=$SYNACK_IP
DEV=skit1 SK_LINK=tun SYNACK_IP=192.0.2.66
it_serve corrupt --discard 9 --seed 7 --impair-out 'corrupt=100%' || { it_finish; exit 1; }
DEV=$SAVE_DEV SK_LINK=$SAVE_LINK SYNACK_IP=$SAVE_IP
nsx timeout 20 ping -q -c 300 -i 0.005 -s 0 -W 1 192.0.2.66 >"$IT_TMP/ping3.out" 2>&1
check "TUN, corrupting every reply: serve still runs" kill -0 "$SERVE_PID"
it_stop "$SERVE_PID" 10
check "TUN, corrupting every reply: serve exits 0" test $? = 0
drops=$(sed -n 's/^stats: device .*write drops \([0-9]*\).*/\1/p' "$SERVE_LOG")
check "TUN: the kernel refused some corrupted replies (write drops ${drops:-none})" \
    test "${drops:-0}" -gt 0
it_finish
