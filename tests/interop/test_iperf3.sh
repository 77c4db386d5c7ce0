#!/usr/bin/env bash
# iperf3 both ways (issue 12): Debian's iperf3 client against `synack serve
# --iperf3` (forward, -R, -P 4, -u), and `synack connect --iperf3` against
# Linux's `iperf3 -s` (forward, -R, -P 2, -u). Each test completes; the byte
# counts are non-zero and the same at both ends (iperf3's JSON, -J, against
# synack's own report); the rates are printed. TCP tests are capped with
# -b so that the capture stays small; -R (where the server, synack, sends
# as fast as it can: -b is the sender's) runs on a serve without capture.
. "$(dirname "$0")/lib.sh"
it_require iperf3 iperf python3
it_setup

# json FILE EXPR: a value from iperf3's JSON (python3), "" when missing
json() {
    python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {"j": j}))' "$1" "$2" 2>/dev/null
}
# nth_result N: the N-th "iperf3 ADDR: ..." line of serve's log (waits,
# bounded, for serve to write it)
nth_result() {
    local i
    for i in $(seq 1 100); do
        [ "$(grep -c '^iperf3 .* bytes in ' "$SERVE_LOG")" -ge "$1" ] && break
        sleep 0.05
    done
    grep '^iperf3 .* bytes in ' "$SERVE_LOG" | sed -n "${1}p"
}
# synack's count in a result line: "received N bytes" / "sent N bytes"
count_of() { sed -n "s/.*: $1 \([0-9]*\) bytes in .*/\1/p" <<<"$2"; }

# one iperf3 -c run against serve: checks, and the serve log's line N
n=0
client_test() {
    local args=$1
    n=$((n + 1))
    name="iperf3 -c ${args:-(forward)}"
    # shellcheck disable=SC2086
    nsx timeout 30 iperf3 -c "$SYNACK_IP" -p 5201 -t 2 -J $args $([ "${args#-u}" = "$args" ] && echo -b 200M) \
        >"$IT_TMP/c$n.json" 2>"$IT_TMP/c$n.err"
    check "$name: exits 0" test $? = 0 || { head -c 600 "$IT_TMP/c$n.json"; cat "$IT_TMP/c$n.err"; }
    line=$(nth_result $n)
    echo "  synack: $line"
    case "$args" in
        -R) ours=$(count_of sent "$line"); theirs=$(json "$IT_TMP/c$n.json" 'j["end"]["sum_sent"]["bytes"]') ;;
        *) ours=$(count_of received "$line"); theirs=$(json "$IT_TMP/c$n.json" 'j["end"]["sum_received"]["bytes"]') ;;
    esac
    rate=$(json "$IT_TMP/c$n.json" '"%.1f Mbit/s" % (j["end"]["sum_received"]["bits_per_second"] / 1e6)')
    check "$name: bytes > 0 and the same at both ends (synack $ours, iperf3 $theirs; $rate)" \
        test -n "$ours" -a "${ours:-0}" -gt 0 -a "${ours:-0}" = "${theirs:-x}"
}

# ---- Linux iperf3 -c -> synack serve --iperf3
it_serve ip3 --iperf3 5201 || { it_finish; exit 1; }
client_test ""
client_test "-P 4"
client_test "-u -b 20M"
streams=$(json "$IT_TMP/c2.json" 'len(j["end"]["streams"])')
check "iperf3 -c -P 4: four streams in iperf3's report ($streams)" test "$streams" = 4
check "synack: -P 4 used four streams" grep -q '(4 TCP streams)' <<<"$(nth_result 2)"
lost=$(json "$IT_TMP/c3.json" 'j["end"]["sum_received"]["lost_packets"]')
pk=$(json "$IT_TMP/c3.json" 'j["end"]["sum_received"]["packets"]')
check "iperf3 -u: iperf3 shows synack's datagram counts (lost $lost of $pk)" \
    grep -q "lost $lost of $pk datagrams" <<<"$(nth_result 3)"
it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"
# -R: synack sends at full speed, so no capture
SERVE_LOG=$IT_TMP/ip3r.log
"${NSX[@]}" "$SYNACK" serve "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --iperf3 5201 \
    >"$SERVE_LOG" 2>&1 &
SERVE_PID=$!; IT_PIDS+=("$SERVE_PID")
it_wait_line "$SERVE_LOG" '^synack serve: listening on ' "$SERVE_PID" 10 ||
    { bad "serve --iperf3 (no capture) starts"; cat "$SERVE_LOG"; }
n=0
client_test "-R"
it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0 (-R)" test $? = 0

# ---- iperf 2 -R, -d and -r against serve --iperf: refused with a line
# in serve's log and a reset, never a test that moves nothing (its header
# flags: iperf 2.1's HEADER_VERSION2 and HEADER_VERSION1)
it_serve i2 --iperf 5001 || { it_finish; exit 1; }
k=0
for a in -R -d -r; do
    k=$((k + 1))
    nsx timeout 20 iperf -c "$SYNACK_IP" -p 5001 -t 1 "$a" >"$IT_TMP/i2$a.out" 2>&1
    for _ in $(seq 1 100); do
        [ "$(grep -c 'is not supported: connection reset' "$SERVE_LOG")" -ge "$k" ] && break
        sleep 0.05
    done
    case $a in
        -R) want='iperf 2 -R/--full-duplex \(the server sends\) is not supported' ;;
        *) want='iperf 2 -d/-r \(a dual test: the server connects back\) is not supported' ;;
    esac
    check "iperf 2 $a: serve says '$want'" test "$(grep -cE "$want" "$SERVE_LOG")" -ge 1
done
check "iperf 2: one refusal per test, nothing counted as a test" \
    test "$(grep -c '^iperf .* bytes in ' "$SERVE_LOG")" = 0
it_stop "$SERVE_PID" 10

# ---- synack connect --iperf3 -> Linux iperf3 -s (one test each, -1)
n=0
for args in "" "-R" "-P 2" "-u -b 20M"; do
    n=$((n + 1))
    name="synack connect --iperf3 ${args:-(forward)}"
    "${NSX[@]}" timeout 30 iperf3 -s -1 -J -B "$LINUX_IP" -p 5201 >"$IT_TMP/s$n.json" 2>&1 &
    spid=$!; IT_PIDS+=("$spid")
    it_wait_listen 5201
    # shellcheck disable=SC2086
    nsx timeout 30 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --iperf3 \
        "$LINUX_IP" -t 2 $args >"$IT_TMP/k$n.out" 2>"$IT_TMP/k$n.err"
    check "$name: exits 0" test $? = 0 || cat "$IT_TMP/k$n.err"
    it_wait_exit "$spid" 10
    check "$name: iperf3 -s exits 0" test $? = 0 || head -c 600 "$IT_TMP/s$n.json"
    cat "$IT_TMP/k$n.out"
    if [ "$args" = -R ]; then
        ours=$(sed -n 's/.* \([0-9]*\) bytes .*sender (the server)$/\1/p' "$IT_TMP/k$n.out")
        theirs=$(json "$IT_TMP/s$n.json" 'j["end"]["sum_sent"]["bytes"]')
    else
        ours=$(sed -n 's/.* \([0-9]*\) bytes .*receiver (the server)$/\1/p' "$IT_TMP/k$n.out")
        theirs=$(json "$IT_TMP/s$n.json" 'j["end"]["sum_received"]["bytes"]')
    fi
    check "$name: bytes > 0 and the same at both ends (synack $ours, iperf3 -s $theirs)" \
        test -n "$ours" -a "${ours:-0}" -gt 0 -a "${ours:-0}" = "${theirs:-x}"
    if [ "$args" = "-u -b 20M" ]; then
        lost=$(json "$IT_TMP/s$n.json" 'j["end"]["sum_received"]["lost_packets"]')
        pk=$(json "$IT_TMP/s$n.json" 'j["end"]["sum_received"]["packets"]')
        check "$name: synack prints iperf3 -s's datagram counts (lost $lost of $pk)" \
            grep -q "the server lost $lost of $pk datagrams" "$IT_TMP/k$n.out"
        check "$name: datagrams arrived (${pk:-none})" test "${pk:-0}" -gt 0
    fi
done
it_finish
