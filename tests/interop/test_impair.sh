#!/usr/bin/env bash
# Transfers under impairment still arrive byte for byte:
#  1. synack's own --impair (loss, delay, reorder in both directions): socat
#     echo of 10 MiB; tshark sees retransmissions and duplicate ACKs;
#  2. an nft rule at the device dropping every 50th of synack's frames: curl fetches
#     a 3 MiB file twice over one connection; synack's capture shows its retransmissions;
#  3. tc tbf limiting Linux -> synack to 50 Mbit/s: 10 MiB echo, at a rate
#     the token bucket allows, with tbf's counters showing it held packets.
# Every capture is clean (no malformed frame, no bad checksum).
. "$(dirname "$0")/lib.sh"
it_require socat curl nft tc
it_setup

it_random "$IT_TMP/in" 10

# 1. synack's impairment
it_serve imp --echo 7 --impair 'loss=1%,delay=2ms,jitter=1ms,reorder=1%' || { it_finish; exit 1; }
start=$(date +%s.%N)
nsx timeout 90 socat -t 60 -T 60 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out1"
check "--impair: socat exits 0" test $? = 0
end=$(date +%s.%N)
check "--impair: 10 MiB echoed byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out1"
it_log "--impair echo: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f s", e - s }')"
it_stop "$SERVE_PID" 10
check "--impair: serve exits 0" test $? = 0
grep -E '^stats: (retrans|frames)' "$SERVE_LOG"
in_bytes=$(sed -n 's/^stats: .*payload bytes in \([0-9]*\).*/\1/p' "$SERVE_LOG")
check "--impair: stats count 10 MiB in, reassembled bytes included ($in_bytes)" \
    test "$in_bytes" = 10485760
n=$(it_pcap_count "$SERVE_PCAP" 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission')
check "--impair: tshark sees retransmissions ($n)" test "$n" -gt 0
n=$(it_pcap_count "$SERVE_PCAP" 'tcp.analysis.duplicate_ack')
check "--impair: tshark sees duplicate ACKs ($n)" test "$n" -gt 0
check "--impair: capture clean" it_pcap_clean "$SERVE_PCAP"

# 2. nft drops 2% of what synack sends, at the device's ingress: every 50th
# frame, counted (numgen inc), not a random 2%. With TSO a 3 MiB reply is only
# about a hundred frames, and a random 2% of those dropped none in about one
# run in eight; counting drops the 11th, 61st, ... frame, data each time.
nsx nft -f - <<NFT
table netdev skit {
    chain in {
        type filter hook ingress device "$DEV" priority 0;
        ip saddr $SYNACK_IP numgen inc mod 50 == 10 counter drop
    }
}
NFT
check "nft rule installed" test $? = 0
mkdir -p "$IT_TMP/www"
it_random "$IT_TMP/www/f.bin" 3
it_serve nft --http 80 --root "$IT_TMP/www" || { it_finish; exit 1; }
nsx curl -sS --max-time 60 -o "$IT_TMP/out2" -o "$IT_TMP/out2b" \
    "http://$SYNACK_IP/f.bin" "http://$SYNACK_IP/f.bin"
check "nft loss: curl exits 0" test $? = 0
check "nft loss: 3 MiB byte for byte" it_same "$IT_TMP/www/f.bin" "$IT_TMP/out2"
check "nft loss: again over the kept-alive connection" it_same "$IT_TMP/www/f.bin" "$IT_TMP/out2b"
dropped=$(nsx nft list chain netdev skit in | grep -Eo 'packets [0-9]+' | grep -Eo '[0-9]+')
check "nft dropped some of synack's frames ($dropped)" test "${dropped:-0}" -gt 0
it_stop "$SERVE_PID" 10
check "nft loss: serve exits 0" test $? = 0
n=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission)")
check "nft loss: synack retransmitted ($n in its capture)" test "$n" -gt 0
check "nft loss: capture clean" it_pcap_clean "$SERVE_PCAP"
nsx nft delete table netdev skit

# 3. tc tbf: Linux -> synack at 50 Mbit/s, a bucket of 4096 bytes
TBF_RATE=50000000 TBF_BURST=4096
nsx tc qdisc add dev "$DEV" root tbf rate 50mbit burst ${TBF_BURST}b latency 50ms
check "tbf installed" test $? = 0
it_serve tbf --echo 7 || { it_finish; exit 1; }
start=$(date +%s.%N)
nsx timeout 90 socat -t 60 -T 60 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out3"
check "tbf: socat exits 0" test $? = 0
end=$(date +%s.%N)
check "tbf: 10 MiB echoed byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out3"
bytes=$(stat -c %s "$IT_TMP/in")
rate=$(awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", b * 8 / (e - s) / 1e6 }')
it_log "tbf 50 Mbit/s echo: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }') ($rate Mbit/s)"
# A token bucket passes at most rate * T + burst bytes in any T seconds (a
# physical bound, not a performance threshold). All 10 MiB crossed tbf (with
# their headers, which only add to the count) between socat's start and end:
# a higher rate means tbf was not in the path.
check "tbf: $rate Mbit/s is within the bucket's bound (50 Mbit/s and $TBF_BURST bytes)" \
    awk -v b="$bytes" -v s="$start" -v e="$end" -v r="$TBF_RATE" -v k="$TBF_BURST" \
    'BEGIN { exit !(b <= r / 8 * (e - s) + k) }'
# tbf's own counters: the bytes went through it, and it held packets back
# when the bucket was empty (overlimits): the limit came from tbf.
tcs=$(nsx tc -s qdisc show dev "$DEV" | tr -s ' \n' ' ')
sent=$(sed -n 's/.*qdisc tbf .* Sent \([0-9]*\) bytes.*/\1/p' <<<"$tcs")
over=$(sed -n 's/.*qdisc tbf .* overlimits \([0-9]*\).*/\1/p' <<<"$tcs")
check "tbf: the 10 MiB went through tbf (Sent ${sent:-none} bytes)" test "${sent:-0}" -ge "$bytes"
check "tbf: tbf held packets back (overlimits ${over:-none})" test "${over:-0}" -gt 0
it_stop "$SERVE_PID" 10
check "tbf: serve exits 0" test $? = 0
check "tbf: capture clean" it_pcap_clean "$SERVE_PCAP"
it_finish
