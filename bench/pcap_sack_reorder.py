#!/usr/bin/env python3
"""What a receiver's SACK stream tells the sender, from a capture that
run_loss_bench.sh keeps with KEEP_PCAP (needs tshark):

  bench/pcap_sack_reorder.py FILE.pcap [FILE.pcap ...]

The sender is the side that sent the most data. For the receiver's ACKs:
how many, how many carry SACK blocks, how many report a duplicate (D-SACK,
RFC 2883 §4), and how many full-sized segments were SACKed for the first
time below the highest byte SACKed before although they had been sent only
once: what a Linux sender takes for reordering (tcp_sacktag_one ->
tcp_check_sack_reordering), widening RACK's reordering window; and the
same through the cumulative ACK: segments sent once, never SACKed, first
acknowledged by an ACK that moved past them while the highest byte SACKed
before lay above them (tcp_clean_rtx_queue -> tcp_check_sack_reordering).
One such ACK (a receiver whose ACK value lags its SACK blocks, synack's
before 4fd0d68) sets the connection's reordering mark for good. Then, for
the sender, the time from the first ACK that SACKed data above a segment
to that segment's retransmission (median and p90): about 0 with no
reordering seen (RACK's window is 0 in recovery), a quarter of the min RTT
and more with it. Segments are counted in 1448-byte steps from the first
data byte (the MSS of the loss benchmark's link); use the sender-side
capture (-a.pcap of s-recv and linux) for the times."""
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_rexmit_summary import FIELDS, MOD, rows  # noqa: E402  (one tshark reader)

SEG = 1448
SRC, PORT, SEQ, LEN, ACK, SACK_LE, SACK_RE = (
    FIELDS.index(f) for f in ("ip.src", "tcp.srcport", "tcp.seq_raw", "tcp.len", "tcp.ack_raw",
                              "tcp.options.sack_le", "tcp.options.sack_re"))


def summary(path):
    rs = rows(path)
    data = Counter((r[SRC], r[PORT]) for r in rs if r[LEN] and int(r[LEN]) > 0)
    if not data:
        return f"{path}: no data"
    snd = data.most_common(1)[0][0]
    base, sent, sacked, high, una = None, Counter(), set(), None, None
    acks = with_sack = dsacks = reorder = reorder_cum = 0
    first_sent, reported, decide = {}, {}, []
    t_col = FIELDS.index("frame.time_relative")
    for r in rs:
        t = float(r[t_col])
        if (r[SRC], r[PORT]) == snd:
            if r[LEN] and int(r[LEN]) > 0:
                if base is None:
                    base = int(r[SEQ])
                k = (int(r[SEQ]) - base) % MOD
                sent[k] += 1
                first_sent.setdefault(k, t)
                if sent[k] == 2 and k in reported:
                    decide.append(t - reported[k])
            continue
        if base is None:
            continue
        acks += 1
        ack = (int(r[ACK]) - base) % MOD
        prior_high = high
        if r[SACK_LE]:
            with_sack += 1
            left = [(int(x) - base) % MOD for x in r[SACK_LE].split(",")]
            right = [(int(x) - base) % MOD for x in r[SACK_RE].split(",")]
            for i, (lo, hi) in enumerate(zip(left, right)):
                inside_second = i == 0 and len(left) > 1 and lo >= left[1] and hi <= right[1]
                if hi <= ack or inside_second:
                    dsacks += i == 0
                    continue
                for k in range(lo, hi, SEG):
                    if k in sacked or k < ack or (una is not None and k < una):
                        continue
                    if prior_high is not None and k < prior_high and sent[k] <= 1:
                        reorder += 1  # (Linux sorts an ACK's blocks: the highest before it)
                    sacked.add(k)
                high = hi if high is None or hi > high else high
            top = max(right)
            for k in first_sent:
                if k not in reported and ack <= k < top and k not in sacked and sent[k] == 1:
                    reported[k] = t
        if una is not None and ack > una and prior_high is not None:
            reorder_cum += sum(1 for k in range(una - una % SEG, ack, SEG)
                               if k >= una and k + SEG <= ack and k < prior_high
                               and k not in sacked and sent[k] == 1)
        if una is None or ack > una:
            una = ack
            for k in [k for k in first_sent if k + SEG <= ack]:
                del first_sent[k]
    decide.sort()
    dec = (f"{1000 * decide[len(decide) // 2]:.1f} ms, p90 {1000 * decide[len(decide) * 9 // 10]:.1f} ms"
           f" ({len(decide)})" if decide else "-")
    return (f"{path}: ACKs {acks}, with SACK blocks {with_sack}, D-SACKs {dsacks}, "
            f"segments first SACKed below the highest SACK and sent once: {reorder}, "
            f"first acknowledged cumulatively below it: {reorder_cum}; "
            f"SACKed above -> resent: median {dec}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: pcap_sack_reorder.py FILE.pcap [FILE.pcap ...]")
    for p in sys.argv[1:]:
        print(summary(p))
