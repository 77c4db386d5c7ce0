#!/usr/bin/env bash
# `synack connect` against Linux socat servers: 10 MiB each way (stdin a
# file and a pipe) and both ways at once, byte for byte, exit 0 on a clean
# close; and the one-line errors with a non-zero exit: refused, no
# answer, bad address, busy device, no permission for /dev/net/tun.
. "$(dirname "$0")/lib.sh"
it_require socat
it_setup

it_random "$IT_TMP/in" 10
CONNECT=("${NSX[@]}" timeout 60 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24")

# synack -> Linux
"${NSX[@]}" timeout 60 socat -u TCP-LISTEN:45000,reuseaddr "OPEN:$IT_TMP/got1,creat,trunc" &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 45000 || bad "Linux listens on 45000"
"${CONNECT[@]}" --pcap "$IT_TMP/c1.pcap" --trace-cc "$IT_TMP/cc1.txt" --trace-cc-ms 5 \
    "$LINUX_IP" 45000 <"$IT_TMP/in" >"$IT_TMP/back1" 2>"$IT_TMP/c1.err"
check "synack -> Linux: connect exits 0" test $? = 0
wait "$srv"
check "synack -> Linux: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got1"
check "synack -> Linux: capture clean" it_pcap_clean "$IT_TMP/c1.pcap"
# --trace-cc: the header names 17 columns, every sample has them, and the
# last sample (taken at the end) has all 10 MiB acknowledged, none in flight
cc_trace_ok() {
    head -n 1 "$1" | grep -q '^# t_s mss cwnd ssthresh flight snd_wnd ' &&
        awk 'NR > 1 { n++; if (NF != 17) bad = 1; last_acked = $11; last_flight = $5 }
             END { exit !(n >= 2 && !bad && last_acked >= 10485760 && last_flight == 0) }' "$1"
}
check "synack -> Linux: --trace-cc samples, the last with everything acknowledged" cc_trace_ok "$IT_TMP/cc1.txt"

# synack -> Linux from a pipe: stdin is read straight into the send buffer
# (sk_tcp_send_fill), in the pipe's short reads, and would block whenever
# cat lags behind
"${NSX[@]}" timeout 60 socat -u TCP-LISTEN:45003,reuseaddr "OPEN:$IT_TMP/got4,creat,trunc" &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 45003 || bad "Linux listens on 45003"
cat "$IT_TMP/in" | "${CONNECT[@]}" "$LINUX_IP" 45003 >/dev/null 2>"$IT_TMP/c4.err"
check "synack -> Linux from a pipe: connect exits 0" test "${PIPESTATUS[1]}" = 0
wait "$srv"
check "synack -> Linux from a pipe: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got4"

# Linux -> synack (stdin empty: synack half-closes at once)
"${NSX[@]}" timeout 60 socat -u "OPEN:$IT_TMP/in" TCP-LISTEN:45001,reuseaddr &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 45001 || bad "Linux listens on 45001"
"${CONNECT[@]}" --pcap "$IT_TMP/c2.pcap" "$LINUX_IP" 45001 </dev/null >"$IT_TMP/got2" 2>"$IT_TMP/c2.err"
check "Linux -> synack: connect exits 0" test $? = 0
wait "$srv"
check "Linux -> synack: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got2"
check "Linux -> synack: capture clean" it_pcap_clean "$IT_TMP/c2.pcap"

# both ways at once: Linux echoes (not with socat PIPE, which can deadlock
# on its own pipe when both directions are busy)
"${NSX[@]}" timeout 60 python3 "$IT_HERE/tcp_peer.py" server 45002 echo shut eof close &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 45002 || bad "Linux listens on 45002"
start=$(date +%s.%N)
"${CONNECT[@]}" --pcap "$IT_TMP/c3.pcap" "$LINUX_IP" 45002 <"$IT_TMP/in" >"$IT_TMP/got3" 2>"$IT_TMP/c3.err"
check "both ways: connect exits 0" test $? = 0
end=$(date +%s.%N)
wait "$srv"
check "both ways: 10 MiB back byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got3"
check "both ways: capture clean" it_pcap_clean "$IT_TMP/c3.pcap"
it_log "echo through Linux: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f Mbit/s each way", 10 * 8 * 1.048576 / (e - s) }')"

# errors: one line on stderr, non-zero exit
err() { # err NAME WANT_RC PATTERN CMD...
    local name=$1 want=$2 pat=$3 rc; shift 3
    "$@" </dev/null >/dev/null 2>"$IT_TMP/err"; rc=$?
    if [ "$rc" = "$want" ] && [ "$(wc -l <"$IT_TMP/err")" = 1 ] && grep -q "$pat" "$IT_TMP/err"; then
        ok "$name: exit $rc, $(cat "$IT_TMP/err")"
    else
        bad "$name: exit $rc (want $want), stderr: $(cat "$IT_TMP/err")"
    fi
}
err "refused" 1 "refused" "${CONNECT[@]}" "$LINUX_IP" 45999
err "no answer" 1 "timed out" "${CONNECT[@]}" --timeout 1.5 192.0.2.99 80
err "bad address" 2 "bad --addr" "${NSX[@]}" "$SYNACK" connect "--$SK_LINK" "$DEV" --addr 192.0.2.300/24 "$LINUX_IP" 1
err "bad host" 2 "bad host" "${CONNECT[@]}" 192.0.2 80
err "bad port" 2 "bad port" "${CONNECT[@]}" "$LINUX_IP" 70000
err "serve: a port given twice" 2 "port 7 given twice" "${NSX[@]}" timeout 10 "$SYNACK" serve "--$SK_LINK" "$DEV" \
    --addr "$SYNACK_IP/24" --echo 7 --discard 7
# a serve that cannot listen prints no readiness line: it_serve reports the
# failure instead of taking the error for a start
if it_serve inuse --echo 7 --discard 7 >/dev/null; then
    bad "it_serve: a serve that cannot listen is not taken for a ready one"
else
    ok "it_serve: a serve that cannot listen is not taken for a ready one"
fi
wait "$SERVE_PID"
check "serve that cannot listen: exit 2 (a usage error)" test $? = 2
check "serve that cannot listen: the error comes first ($(head -1 "$SERVE_LOG"))" \
    grep -q '^synack serve: port 7 given twice (--echo and --discard)' <(head -1 "$SERVE_LOG")
check "serve that cannot listen: no readiness line" \
    test "$(grep -c '^synack serve: listening on ' "$SERVE_LOG")" = 0
it_serve busy --discard 9 || bad "serve --discard 9 starts"
err "device busy" 1 "busy" "${CONNECT[@]}" "$LINUX_IP" 45000
it_stop "$SERVE_PID" 10
err "no permission" 1 "permission" "${NSX[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" "$LINUX_IP" 45000
it_finish
