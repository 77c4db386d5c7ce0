#!/usr/bin/env bash
# socat sends 10 MiB of random data to `synack serve --echo` and reads it
# back identically; --discard takes 10 MiB; SIGTERM exits 0; clean capture;
# by default (the receive buffer auto-tunes, so the loop coalesces) the
# stream's rounds coalesced and the receive buffer grew; the echo again
# with --busy-poll and a fixed --rcvbuf (no coalescing then).
# Then the same echo through examples/echo_server (the README's example).
. "$(dirname "$0")/lib.sh"
it_require socat
it_setup

it_random "$IT_TMP/in" 10
it_serve echo --echo 7 --discard 9 || { it_finish; exit 1; }

start=$(date +%s.%N)
nsx timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out"
check "echo: socat exits 0" test $? = 0
end=$(date +%s.%N)
check "echo: 10 MiB back byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out"
it_log "echo round trip: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f Mbit/s each way", 10 * 8 * 1.048576 / (e - s) }')"

nsx timeout 60 socat -t 30 -T 30 - "TCP:$SYNACK_IP:9" <"$IT_TMP/in" >"$IT_TMP/none"
check "discard: 10 MiB sent, socat exits 0" test $? = 0

it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
in_bytes=$(sed -n 's/^stats: .*payload bytes in \([0-9]*\).*/\1/p' "$SERVE_LOG")
check "serve counted 20 MiB of payload in ($in_bytes)" test "$in_bytes" = $((20 * 1048576))
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"
# Receive coalescing (on by default with receive auto-tuning): the 10 MiB
# streams arrived in rounds of 32 KiB and more, so rounds slept off the
# device and read what came meanwhile
coal=$(sed -n 's/^stats: receive coalescing: \([0-9]*\) rounds slept [0-9]* us off the device, reading \([0-9]*\) frames/\1 \2/p' "$SERVE_LOG")
check "receive coalescing: rounds that slept off the device read frames (${coal:-no stats line})" \
    test "${coal%% *}" -gt 0 -a "${coal##* }" -gt 0
# Linux offers SACK and timestamps: synack answers both (RFC 2018 §2,
# RFC 7323 §3.2) and then stamps every segment it sends
synacks=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.options.sack_perm && tcp.options.timestamp.tsval")
check "capture: SYN,ACKs with sackOK and timestamps ($synacks)" test "$synacks" -ge 2
unstamped=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && tcp.flags.reset == 0 && !tcp.options.timestamp.tsval")
check "capture: every segment from synack carries timestamps ($unstamped without)" test "$unstamped" = 0

# Busy polling (--busy-poll): the loop spins before it sleeps. Same bytes,
# and the counter proves the spin path found frames without sleeping.
it_serve echo-busy --echo 7 --busy-poll 200 --rcvbuf 256K || { it_finish; exit 1; }
nsx timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out3"
check "busy-poll echo: 10 MiB back byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out3"
it_stop "$SERVE_PID" 10
check "busy-poll: SIGTERM, serve exits 0" test $? = 0
hits=$(sed -n 's/^stats: busy polling found work \([0-9]*\) times.*/\1/p' "$SERVE_LOG")
check "busy-poll: spinning found work (${hits:-none} times)" test "${hits:-0}" -gt 0
# a fixed --rcvbuf: no auto-tuning, so no coalescing by default (no line)
# and no buffer grown
check "fixed --rcvbuf: receive coalescing off" sh -c "! grep -q '^stats: receive coalescing' '$SERVE_LOG'"
check "fixed --rcvbuf: no receive buffer grown" grep -q '^stats: .*receive buffers grown 0 ' "$SERVE_LOG"

# Receive auto-tuning: a 16 KiB buffer allowed to grow to 1 MiB, and a
# loop that sleeps 1 ms between reads while a stream arrives: socat fills
# each window offered long before the next read, which takes all of it,
# so the buffer doubles, more than once, and at most up to the ceiling
# (16 -> 32 ... 1024 KiB: 6 times; how far depends on how fast the Linux
# sender's window opens within the 10 MiB)
it_serve autotune --discard 9 --rcvbuf 16K --rcvbuf-max 1M --rx-coalesce 1000 ||
    { it_finish; exit 1; }
nsx timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:9" <"$IT_TMP/in" >/dev/null
check "auto-tuning: 10 MiB discarded, socat exits 0" test $? = 0
it_stop "$SERVE_PID" 10
check "auto-tuning: SIGTERM, serve exits 0" test $? = 0
grown=$(sed -n 's/^stats: .*receive buffers grown \([0-9]*\) .*/\1/p' "$SERVE_LOG")
check "auto-tuning: the receive buffer doubled 2 to 6 times (${grown:-no stats line})" \
    test "${grown:-0}" -ge 2 -a "${grown:-0}" -le 6

EXAMPLE=$IT_BIN/examples/echo_server
if [ "$SK_LINK" = tap ] && [ -x "$EXAMPLE" ]; then
    "${NSX[@]}" "$EXAMPLE" "$DEV" "$SYNACK_IP/24" 7 >"$IT_TMP/example.log" 2>&1 &
    ex=$!; IT_PIDS+=("$ex")
    it_wait_line "$IT_TMP/example.log" '^echo_server: listening on ' "$ex" 10
    check "examples/echo_server: listening" test $? = 0
    nsx timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out2"
    check "examples/echo_server: 10 MiB back byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out2"
    it_stop "$ex" 10
    check "examples/echo_server: exits 0 on SIGTERM" test $? = 0
fi
it_finish
