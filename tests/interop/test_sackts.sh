#!/usr/bin/env bash
# SACK (RFC 2018, with DSACK, RFC 2883) and timestamps (RFC 7323) against
# Linux under loss in both directions: synack's --impair drops 2% of the
# frames each way while socat echoes 4 MiB through `synack serve --echo`
# (Linux sends to synack, synack sends it back). In synack's capture:
#  - both SYNs carry SACK-permitted and timestamps;
#  - SACK blocks in both directions: Linux's on its ACKs of synack's echoed
#    data, synack's on its ACKs of Linux's data;
#  - timestamps on every segment, both ways (RSTs excepted, RFC 7323 §3.2);
#  - no expert info of severity "error" from tshark. With loss, Wireshark's
#    TCP analysis reports notes and warnings (retransmission, fast and
#    spurious retransmission, duplicate ACK, out-of-order, previous segment
#    not captured, ACKed unseen segment: the capture sits on synack's side of
#    its own impairment); those are expected and only counted, while an
#    error (a malformed frame, a bad checksum, an impossible option) fails;
#  - the echo is byte for byte;
#  - `--rcvbuf 1M` reaches the stack: the SYN,ACK offers window scale 5
#    (the least shift that lets 65535 units cover 1 MiB; the default
#    256 KiB gives 3) and synack's window exceeds the default 256 KiB.
. "$(dirname "$0")/lib.sh"
it_require socat
it_setup

it_random "$IT_TMP/in" 4

it_serve sackts --echo 7 --impair 'loss=2%' --rcvbuf 1M --sndbuf 512K || { it_finish; exit 1; }
start=$(date +%s.%N)
nsx timeout 120 socat -t 60 -T 60 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out"
check "socat exits 0" test $? = 0
end=$(date +%s.%N)
it_log "echo of 4 MiB with 2% loss each way: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }')"
check "4 MiB echoed byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out"
it_stop "$SERVE_PID" 10
check "serve exits 0" test $? = 0
grep -E '^stats: (retrans|spurious)' "$SERVE_LOG"
P=$SERVE_PCAP

# The loss applies to the handshake too: a SYN or SYN,ACK may be sent
# again, so each is counted per direction, and every copy must carry them.
syn_from() { it_pcap_count "$P" "ip.src == $1 && tcp.flags.syn == 1${2:+ && $2}"; }
opts="tcp.options.sack_perm && tcp.options.timestamp.tsval"
n_l=$(syn_from "$LINUX_IP"); o_l=$(syn_from "$LINUX_IP" "$opts")
n_s=$(syn_from "$SYNACK_IP"); o_s=$(syn_from "$SYNACK_IP" "$opts")
check "both SYNs offer SACK-permitted and timestamps (Linux $o_l of $n_l, synack $o_s of $n_s)" \
    test "$n_l" -ge 1 -a "$o_l" = "$n_l" -a "$n_s" -ge 1 -a "$o_s" = "$n_s"
n=$(syn_from "$SYNACK_IP" "tcp.options.wscale.shift == 5")
check "--rcvbuf 1M: synack's SYN,ACK offers window scale 5 ($n of $n_s)" test "$n_s" -ge 1 -a "$n" = "$n_s"
n=$(it_pcap_count "$P" "ip.src == $SYNACK_IP && tcp.flags.syn == 0 && tcp.window_size > 262144")
check "--rcvbuf 1M: synack offers more than 256 KiB ($n segments)" test "$n" -gt 0
n=$(it_pcap_count "$P" "ip.src == $LINUX_IP && tcp.options.sack_le")
check "Linux SACKs synack's data ($n ACKs with blocks)" test "$n" -gt 0
n=$(it_pcap_count "$P" "ip.src == $SYNACK_IP && tcp.options.sack_le")
check "synack SACKs Linux's data ($n ACKs with blocks)" test "$n" -gt 0
n=$(it_pcap_count "$P" "ip.src == $SYNACK_IP && tcp.analysis.retransmission")
check "synack retransmitted ($n)" test "$n" -gt 0
n=$(it_pcap_count "$P" "ip.src == $LINUX_IP && tcp.analysis.retransmission")
check "Linux retransmitted ($n)" test "$n" -gt 0
for src in "$LINUX_IP" "$SYNACK_IP"; do
    all=$(it_pcap_count "$P" "ip.src == $src && tcp && tcp.flags.reset == 0")
    n=$(it_pcap_count "$P" "ip.src == $src && tcp && tcp.flags.reset == 0 && !tcp.options.timestamp.tsval")
    check "every segment from $src carries timestamps ($n of $all without)" \
        test "$n" = 0 -a "$all" -gt 0
done
errs=$(sk_tshark -r "$P" "${TS_OPTS[@]}" -Y '_ws.expert.severity == error' \
    -T fields -e frame.number -e _ws.expert.message)
rc=$?
check "tshark: no expert info of severity error ($(printf '%s' "$errs" | head -3 | tr '\n\t' '; '))" \
    test "$rc" = 0 -a -z "$errs"
warn=$(it_pcap_count "$P" '_ws.expert.severity == warning')
note=$(it_pcap_count "$P" '_ws.expert.severity == note')
it_log "expected with loss: $warn frames with warnings, $note with notes"
check "capture clean" it_pcap_clean "$P"
it_finish
