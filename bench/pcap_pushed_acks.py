#!/usr/bin/env python3
"""How soon a receiver acknowledged a Linux sender's data, from the captures
run_loss_bench.sh keeps with KEEP_PCAP (needs tshark):

  bench/pcap_pushed_acks.py DIR/CELL-TAG-rROUND ...   (e.g. /tmp/p/20-1-s-recv-r1)

for a transfer from A to B (s-recv, linux): the sender is in A, the
receiver in B.
  -b.pcap (tb, at the receiver): the ACKs that followed exactly one in-order
          data segment, by whether that segment carried PSH and whether
          the ACK left within 2 ms (at once) or later (the delayed-ACK timer
          or a second segment); and every ACK sent more than 2 ms after the
          first data segment it was the first to follow, by whether that
          segment carried PSH
  -a.pcap (ta, at the sender): segments sent once, never SACKed, whose
          cumulative ACK came more than 30 ms (1.5 RTT at 20 ms) after
          they were sent: what a Linux sender takes its srtt from
          (tcp_clean_rtx_queue: the oldest newly acknowledged segment,
          neither retransmitted nor SACKed), so each one is an RTT sample
          inflated by a held ACK
The two captures' clocks are the same machine's (frame.time_epoch)."""
import bisect
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_rexmit_summary import FIELDS, MOD, after, rows  # noqa: E402  (one tshark reader)

FIELDS_PSH = ["frame.time_epoch"] + FIELDS[1:] + ["tcp.flags.push"]
SRC, PORT, DST, DPORT, SEQ, LEN, ACK, SACK_LE, SACK_RE, PSH = range(1, 11)


def load(pcap):
    """(data segments (t, seq, len, psh), ACKs (t, ack, blocks)) of the
    connection that carried the most data."""
    rs = rows(pcap, FIELDS_PSH)
    data = Counter((r[SRC], r[PORT]) for r in rs if r[LEN] and int(r[LEN]) > 0)
    snd = data.most_common(1)[0][0]
    segs, acks = [], []
    for r in rs:
        t = float(r[0])
        if (r[SRC], r[PORT]) == snd and r[LEN] and int(r[LEN]) > 0:
            segs.append((t, int(r[SEQ]), int(r[LEN]), r[PSH] == "1"))
        elif (r[DST], r[DPORT]) == snd and r[ACK]:
            le = [int(x) for x in r[SACK_LE].split(",")] if r[SACK_LE] else []
            re_ = [int(x) for x in r[SACK_RE].split(",")] if r[SACK_RE] else []
            acks.append((t, int(r[ACK]), list(zip(le, re_))))
    return segs, acks


def receiver_side(pcap):
    segs, acks = load(pcap)
    events = sorted([(t, 0, psh) for t, _, _, psh in segs] + [(t, 1, bool(b)) for t, _, b in acks],
                    key=lambda e: (e[0], e[1]))
    pending, lone, late = [], Counter(), Counter()
    for t, kind, x in events:
        if kind == 0:
            pending.append((t, x))
            continue
        if pending and t - pending[0][0] > 0.002:
            late["PSH" if pending[0][1] else "no PSH"] += 1
        if len(pending) == 1 and not x:  # one segment, an ACK without SACK blocks
            lone[("PSH" if pending[0][1] else "no PSH", "later" if t - pending[0][0] > 0.002 else "at once")] += 1
        pending = []
    print(f"{pcap}: {len(segs)} data segments, {len(acks)} ACKs")
    print("  one in-order segment, then its ACK: " +
          ", ".join(f"{p} {w} {lone[(p, w)]}" for p in ("PSH", "no PSH") for w in ("at once", "later")))
    print(f"  ACKs more than 2 ms after the first segment they answer: {sum(late.values())} "
          f"(that segment with PSH {late['PSH']}, without {late['no PSH']})")


def sender_side(pcap):
    segs, acks = load(pcap)
    sends = Counter(s for _, s, _, _ in segs)
    first = {}
    for t, s, n, _ in segs:
        first.setdefault(s, (t, n))
    at = [a[0] for a in acks]
    once = late = 0
    for s, (t, n) in first.items():
        if sends[s] != 1:
            continue
        e = (s + n) % MOD
        sacked = False
        for i in range(bisect.bisect_left(at, t), len(acks)):
            ta, ack, blocks = acks[i]
            if not after(e, ack):
                once += 1
                late += not sacked and ta - t > 0.030
                break
            sacked = sacked or any(not after(l, s) and not after(e, r) for l, r in blocks)
    print(f"{pcap}: {once} segments sent once and cumulatively ACKed; {late} of them never SACKed "
          f"and ACKed more than 30 ms after they were sent")


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for p in sys.argv[1:]:
        receiver_side(p + "-b.pcap")
        sender_side(p + "-a.pcap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
