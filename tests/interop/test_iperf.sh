#!/usr/bin/env bash
# Debian's iperf 2 client (`iperf -c`) against `synack serve --iperf`: the
# test completes, iperf reports a rate, synack reports the bytes it got.
. "$(dirname "$0")/lib.sh"
it_require iperf
it_setup

it_serve iperf --iperf 5001 || { it_finish; exit 1; }
nsx timeout 30 iperf -c "$SYNACK_IP" -p 5001 -n 100M -f m >"$IT_TMP/iperf.out" 2>&1
check "iperf -c -n 100M exits 0" test $? = 0
cat "$IT_TMP/iperf.out"
rate=$(grep -Eo '[0-9.]+ Mbits/sec' "$IT_TMP/iperf.out" | tail -1)
check "iperf reports a rate ($rate)" test -n "$rate"
nsx timeout 30 iperf -c "$SYNACK_IP" -p 5001 -n 20M -P 4 -f m >"$IT_TMP/iperf4.out" 2>&1
check "iperf -P 4 -n 20M exits 0" test $? = 0
check "iperf -P 4 reports a total" grep -q 'SUM.*Mbits/sec' "$IT_TMP/iperf4.out"
it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
grep '^iperf' "$SERVE_LOG"
check "synack reported every connection" test "$(grep -c '^iperf .* bytes in' "$SERVE_LOG")" = 5
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"
it_finish
