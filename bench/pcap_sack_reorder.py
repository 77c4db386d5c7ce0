#!/usr/bin/env python3
"""What a receiver's SACK stream tells the sender, from a capture that
run_loss_bench.sh keeps with KEEP_PCAP (needs tshark):

  bench/pcap_sack_reorder.py FILE.pcap [FILE.pcap ...]

The sender is the side that sent the most data. For the receiver's ACKs:
how many, how many carry SACK blocks, how many report a duplicate (D-SACK,
RFC 2883 §4), and how many full-sized segments were SACKed for the first
time below the highest byte SACKed before although they had been sent only
once: what a Linux sender takes for reordering (tcp_sacktag_one ->
tcp_check_sack_reordering), widening RACK's reordering window. Segments
are counted in 1448-byte steps from the first data byte (the MSS of the
loss benchmark's link)."""
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
    base, sent, sacked, high = None, Counter(), set(), None
    acks = with_sack = dsacks = reorder = 0
    for r in rs:
        if (r[SRC], r[PORT]) == snd:
            if r[LEN] and int(r[LEN]) > 0:
                if base is None:
                    base = int(r[SEQ])
                sent[(int(r[SEQ]) - base) % MOD] += 1
            continue
        if base is None:
            continue
        acks += 1
        if not r[SACK_LE]:
            continue
        with_sack += 1
        ack = (int(r[ACK]) - base) % MOD
        left = [(int(x) - base) % MOD for x in r[SACK_LE].split(",")]
        right = [(int(x) - base) % MOD for x in r[SACK_RE].split(",")]
        for i, (lo, hi) in enumerate(zip(left, right)):
            inside_second = i == 0 and len(left) > 1 and lo >= left[1] and hi <= right[1]
            if hi <= ack or inside_second:
                dsacks += i == 0
                continue
            for k in range(lo, hi, SEG):
                if k in sacked:
                    continue
                if high is not None and k < high and sent[k] <= 1:
                    reorder += 1
                sacked.add(k)
            high = hi if high is None or hi > high else high
    return (f"{path}: ACKs {acks}, with SACK blocks {with_sack}, D-SACKs {dsacks}, "
            f"segments first SACKed below the highest SACK and sent once: {reorder}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: pcap_sack_reorder.py FILE.pcap [FILE.pcap ...]")
    for p in sys.argv[1:]:
        print(summary(p))
