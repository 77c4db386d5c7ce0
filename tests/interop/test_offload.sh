#!/usr/bin/env bash
# Offloads on a TAP (IFF_VNET_HDR, TUNSETOFFLOAD): offload_probe runs one
# synack connection with checksum offload both ways, TSO and GRO against
# Linux socat: 10 MiB from synack to Linux and 10 MiB back, byte for byte,
# super-segments sent (TSO), partial checksums sent, and merged segments
# received (Linux hands the TAP its GSO packets whole once TUNSETOFFLOAD
# says we take them); the captures (partial checksums completed on a copy,
# one record per super-segment) are clean for tshark.
. "$(dirname "$0")/lib.sh"
it_require socat ethtool
[ "$SK_LINK" = tap ] || it_skip "offloads: TAP only here"
it_setup
PROBE=$IT_BIN/tests/offload_probe
[ -x "$PROBE" ] || { bad "offload_probe not built"; it_finish; exit 1; }
it_random "$IT_TMP/in" 10

# synack -> Linux
"${NSX[@]}" timeout 60 socat -u TCP-LISTEN:46000,reuseaddr "OPEN:$IT_TMP/got1,creat,trunc" &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 46000 || bad "Linux listens on 46000"
"${NSX[@]}" timeout 70 "$PROBE" "$DEV" send 46000 "$IT_TMP/p1.pcap" <"$IT_TMP/in" 2>"$IT_TMP/p1.err"
check "synack -> Linux: probe exits 0 ($(cat "$IT_TMP/p1.err"))" test $? = 0
wait "$srv"
check "synack -> Linux: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got1"
supers=$(sed -n 's/.*supers_out=\([0-9]*\).*/\1/p' "$IT_TMP/p1.err")
partial=$(sed -n 's/.*partial_out=\([0-9]*\).*/\1/p' "$IT_TMP/p1.err")
check "synack -> Linux: super-segments sent (${supers:-none})" test "${supers:-0}" -gt 0
check "synack -> Linux: partial checksums sent (${partial:-none})" test "${partial:-0}" -gt 0
check "synack -> Linux: capture clean" it_pcap_clean "$IT_TMP/p1.pcap"
big=$(it_pcap_count "$IT_TMP/p1.pcap" "ip.src == $SYNACK_IP && ip.len > 1500")
check "synack -> Linux: the capture shows super-segments as one record each ($big)" test "$big" -gt 0

# Linux -> synack: with GRO/GSO on the Linux side, the TAP hands over
# merged segments
nsx ethtool -K "$DEV" tso on gso on gro on >/dev/null 2>&1 || true
"${NSX[@]}" timeout 60 socat -u "OPEN:$IT_TMP/in" TCP-LISTEN:46001,reuseaddr &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 46001 || bad "Linux listens on 46001"
"${NSX[@]}" timeout 70 "$PROBE" "$DEV" recv 46001 "$IT_TMP/p2.pcap" </dev/null >"$IT_TMP/got2" 2>"$IT_TMP/p2.err"
check "Linux -> synack: probe exits 0 ($(cat "$IT_TMP/p2.err"))" test $? = 0
wait "$srv"
check "Linux -> synack: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got2"
merged=$(sed -n 's/.*merged_in=\([0-9]*\).*/\1/p' "$IT_TMP/p2.err")
check "Linux -> synack: merged segments received (${merged:-none})" test "${merged:-0}" -gt 0
check "Linux -> synack: capture clean" it_pcap_clean "$IT_TMP/p2.pcap"
it_finish
