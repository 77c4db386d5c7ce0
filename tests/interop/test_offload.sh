#!/usr/bin/env bash
# Offloads on a TAP or TUN (IFF_VNET_HDR, TUNSETOFFLOAD). TAP: offload_probe runs one
# synack connection with checksum offload both ways, TSO and GRO against
# Linux socat: 10 MiB from synack to Linux and 10 MiB back, byte for byte,
# super-segments sent (TSO), partial checksums sent, and merged segments
# received (Linux hands the TAP its GSO packets whole once TUNSETOFFLOAD
# says we take them); the captures (partial checksums completed on a copy,
# one record per super-segment) are clean for tshark.
# Then the same through the tools' event loop (posix_loop.c): `synack serve
# --offload --echo` echoes 10 MiB byte for byte (merged segments in,
# super-segments out, --stats counts both, the capture clean with one
# record per super-segment); `synack connect --offload` sends 10 MiB to
# Linux and receives 10 MiB from it byte for byte; with --impair the
# default turns offloads off with a one-line notice and the echo and its
# capture stay correct (no frame in it over the MTU).
. "$(dirname "$0")/lib.sh"
it_require socat ethtool
it_setup
PROBE=$IT_BIN/tests/offload_probe
[ -x "$PROBE" ] || { bad "offload_probe not built"; it_finish; exit 1; }
it_random "$IT_TMP/in" 10

# offload_probe speaks Ethernet: TAP only (serve/connect below run on both)
if [ "$SK_LINK" = tap ]; then

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
fi

# stats_num LOG WORD: the number after WORD in serve/connect's
# "stats: offloads: super-segments written N, merged segments read M,
# frames gathered from the send buffer G"
stats_num() {
    sed -n "s/^stats: offloads: .*$2 \([0-9]*\).*/\1/p" "$1" | head -1
}

# synack serve --offload: echo 10 MiB (both directions at once)
it_serve echo_off --echo 7 --offload || { it_finish; exit 1; }
nsx timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/echo_out"
check "serve --offload: socat exits 0" test $? = 0
check "serve --offload: 10 MiB echoed byte for byte" it_same "$IT_TMP/in" "$IT_TMP/echo_out"
it_stop "$SERVE_PID" 10
check "serve --offload: exits 0" test $? = 0
w=$(stats_num "$SERVE_LOG" written); m=$(stats_num "$SERVE_LOG" read)
check "serve --offload: super-segments written (${w:-none})" test "${w:-0}" -gt 0
g=$(stats_num "$SERVE_LOG" buffer)
check "serve --offload --pcap: every frame copied whole for the capture (gathered ${g:-none})" \
    test "${g:-x}" = 0
check "serve --offload: merged segments read (${m:-none})" test "${m:-0}" -gt 0
check "serve --offload: capture clean (partial checksums completed)" it_pcap_clean "$SERVE_PCAP"
big_out=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && ip.len > 1500")
big_in=$(it_pcap_count "$SERVE_PCAP" "ip.dst == $SYNACK_IP && ip.len > 1500")
check "serve --offload: super-segments are one record each ($big_out)" test "$big_out" -gt 0
check "serve --offload: merged segments are one record each ($big_in)" test "$big_in" -gt 0

nsx ethtool -K "$DEV" tso on gso on gro on >/dev/null 2>&1 || true
CONNECT=("${NSX[@]}" timeout 60 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --stats)
# synack connect --offload: synack -> Linux
"${NSX[@]}" timeout 60 socat -u TCP-LISTEN:46002,reuseaddr "OPEN:$IT_TMP/got3,creat,trunc" &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 46002 || bad "Linux listens on 46002"
"${CONNECT[@]}" --offload "$LINUX_IP" 46002 <"$IT_TMP/in" >/dev/null 2>"$IT_TMP/c3.err"
check "connect --offload -> Linux: exits 0" test $? = 0
wait "$srv"
check "connect --offload -> Linux: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got3"
w=$(stats_num "$IT_TMP/c3.err" written)
check "connect --offload -> Linux: super-segments written (${w:-none})" test "${w:-0}" -gt 0
g=$(stats_num "$IT_TMP/c3.err" buffer)
check "connect --offload -> Linux: payload written from the send buffer (${g:-none} frames)" \
    test "${g:-0}" -gt 0

# synack connect --offload: Linux -> synack
"${NSX[@]}" timeout 60 socat -u "OPEN:$IT_TMP/in" TCP-LISTEN:46003,reuseaddr &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 46003 || bad "Linux listens on 46003"
"${CONNECT[@]}" --offload "$LINUX_IP" 46003 </dev/null >"$IT_TMP/got4" 2>"$IT_TMP/c4.err"
check "Linux -> connect --offload: exits 0" test $? = 0
wait "$srv"
check "Linux -> connect --offload: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got4"
m=$(stats_num "$IT_TMP/c4.err" read)
check "Linux -> connect --offload: merged segments read (${m:-none})" test "${m:-0}" -gt 0

# --impair (offloads by default): off with a notice; echo and capture correct
head -c 2097152 "$IT_TMP/in" >"$IT_TMP/in2"
it_serve echo_imp --echo 7 --impair delay=1ms,loss=0.5% --seed 7 || { it_finish; exit 1; }
nsx timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in2" >"$IT_TMP/echo_imp"
check "serve --impair: 2 MiB echoed byte for byte" it_same "$IT_TMP/in2" "$IT_TMP/echo_imp"
it_stop "$SERVE_PID" 10
check "serve --impair: exits 0" test $? = 0
check "serve --impair: one-line notice that offloads are off" \
    test "$(grep -c '^synack serve: offloads off: --impair' "$SERVE_LOG")" = 1
check "serve --impair: no offload stats (the device has no vnet header)" \
    test -z "$(stats_num "$SERVE_LOG" written)"
check "serve --impair: capture clean" it_pcap_clean "$SERVE_PCAP"
big=$(it_pcap_count "$SERVE_PCAP" "ip.len > 1500")
check "serve --impair: no frame over the MTU in the capture ($big)" test "$big" = 0
it_finish
