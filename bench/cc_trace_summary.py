#!/usr/bin/env python3
"""Summaries of the congestion-state traces run_loss_bench.sh writes with
TRACE_DIR: synack's sender (`connect --trace-cc`) beside Linux's
(loss_peer.py's TCP_INFO samples), and the window each one's Linux sink
offered.

  bench/cc_trace_summary.py DIR [CELL]      (CELL as in the file names: 100-0.5)

Per round and sender, over the samples while data was outstanding or
queued (the transfer, not the handshake or the final close):
  acked     MB acknowledged by the end of the trace, and Mbit/s over it
  cwnd      mean congestion window, segments (Linux: snd_cwnd; synack:
            cwnd / MSS)
  flight    mean bytes in flight, segments (Linux: unacked - sacked - lost
            + retrans, its packets_in_flight; synack: unacked, its pipe)
  cwnd-lim  share of samples with flight >= cwnd - 1 segment
  rwnd-lim  share of samples where the peer's window left < 2 segments
            beyond what was sent (synack: snd_wnd - flight; Linux:
            snd_wnd - unacked)
  rec       share of samples in loss recovery (Linux: ca_state Recovery
            or Loss; synack: the sample's cwnd below the one before the
            recovery counter moved, until cwnd is back at ssthresh: not
            kept, so `-`) and the number of recovery episodes
  srtt      median smoothed RTT, ms
  cuts      reductions (ssthresh set below the cwnd of the sample before):
            how many, the mean of new ssthresh / that cwnd (0.7 for CUBIC;
            less when FlightSize was below cwnd, or, for Linux, by its
            whole-packet rounding), and how many fell below 0.6
  rwnd      the Linux sink's advertised window (rcv_wnd): median and the
            time it first reached 1 MB
"""
import glob
import os
import statistics
import sys


def load(path):
    cols, rows = None, []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                cols = line[1:].split()
                continue
            v = line.split()
            if cols is None or len(v) != len(cols):
                continue
            rows.append({c: (float(x) if x != "-" else None) for c, x in zip(cols, v)})
    return rows


def linux_sender(rows):
    out = []
    for r in rows:
        mss = r["mss"] or 1448
        pif = r["unacked"] - r["sacked"] - r["lost"] + r["retrans"]
        out.append({
            "t": r["t_s"], "cwnd": r["cwnd"], "flight": pif,
            "acked": r["bytes_acked"], "srtt": r["rtt_us"] / 1000,
            "rwnd_room": (r["snd_wnd"] - r["unacked"] * mss) / mss,
            "rec": r["ca_state"] >= 3, "active": r["unacked"] > 0,
            "ssthresh": r["ssthresh"] if r["ssthresh"] < 1e9 else None,
        })
    return out


def synack_sender(rows):
    out = []
    for r in rows:
        mss = 1448.0  # the payload with timestamps; the trace's mss is the option's
        out.append({
            "t": r["t_s"], "cwnd": r["cwnd"] / mss, "flight": r["flight"] / mss,
            "acked": r["acked"], "srtt": r["srtt_us"] / 1000,
            "rwnd_room": (r["snd_wnd"] - r["flight"]) / mss,
            "rec": None, "active": r["flight"] > 0, "recs": r["sack_recoveries"],
            "ssthresh": r["ssthresh"] / mss if r["ssthresh"] < 2e9 else None,
        })
    return out


def summary(s):
    a = [x for x in s if x["active"]]
    if not a:
        return "no samples in flight"
    t = s[-1]["t"] - s[0]["t"]
    acked = s[-1]["acked"]
    cw = statistics.mean(x["cwnd"] for x in a)
    fl = statistics.mean(x["flight"] for x in a)
    cl = sum(1 for x in a if x["flight"] >= x["cwnd"] - 1) / len(a)
    rl = sum(1 for x in a if x["rwnd_room"] < 2) / len(a)
    rec = [x["rec"] for x in a if x["rec"] is not None]
    recs = "-"
    if rec:
        recs = "%.0f%%" % (100 * sum(rec) / len(rec))
        eps = sum(1 for i in range(1, len(a)) if a[i]["rec"] and not a[i - 1]["rec"])
    else:
        eps = int(s[-1].get("recs") or 0)
    ss = [x["ssthresh"] for x in a if x["ssthresh"] is not None]
    srtt = statistics.median(x["srtt"] for x in a)
    cut = cuts(s)
    return ("acked %.1f MB in %.1f s (%.3f Mbit/s), cwnd %.1f, flight %.1f, ssthresh %.1f, "
            "cwnd-lim %.0f%%, rwnd-lim %.0f%%, rec %s, episodes %d, srtt %.1f ms, "
            "cuts %d: ssthresh/cwnd %.3f, %d below 0.6"
            % (acked / 1e6, t, acked * 8 / t / 1e6 if t else 0, cw, fl,
               statistics.mean(ss) if ss else 0, 100 * cl, 100 * rl, recs, eps, srtt,
               len(cut), statistics.mean(cut) if cut else 0, sum(1 for c in cut if c < 0.6)))


def cuts(s):
    """ssthresh set below the window of the sample before: new ssthresh /
    that cwnd, one per reduction (an undo raises ssthresh and is not one)"""
    out = []
    for p, x in zip(s, s[1:]):
        if (x["ssthresh"] is not None and x["ssthresh"] != p["ssthresh"] and p["cwnd"] > 0 and
                x["ssthresh"] < p["cwnd"]):
            out.append(x["ssthresh"] / p["cwnd"])
    return out


def sink(rows):
    w = [r["rcv_wnd"] for r in rows if r.get("rcv_wnd") is not None]
    if not w:
        return "no rcv_wnd"
    first = next((r["t_s"] for r in rows if (r.get("rcv_wnd") or 0) >= 1e6), None)
    return ("rcv_wnd median %.0f kB (min %.0f, max %.0f), >= 1 MB from %s s, rcv_space max %.0f kB"
            % (statistics.median(w) / 1e3, min(w) / 1e3, max(w) / 1e3,
               "%.2f" % first if first is not None else "never",
               max(r["rcv_space"] for r in rows) / 1e3))


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    d = argv[1]
    pat = (argv[2] if len(argv) == 3 else "*") + "-r*-*.txt"
    bases = sorted({f.rsplit("-", 2)[0] for f in glob.glob(os.path.join(d, pat))},
                   key=lambda b: (b.rsplit("-r", 1)[0], int(b.rsplit("-r", 1)[1])))
    for base in bases:
        print(os.path.basename(base))
        for tag, f, conv in (("linux A->B", "-linux-src.txt", linux_sender),
                             ("linux B->A", "-linuxba-src.txt", linux_sender),
                             ("synack B->A", "-ssend-synack.txt", synack_sender)):
            if os.path.exists(base + f):
                print("  %-11s sender: %s" % (tag, summary(conv(load(base + f)))))
        for tag, f in (("linux A->B", "-linux-sink.txt"), ("linux B->A", "-linuxba-sink.txt"),
                       ("synack B->A", "-ssend-sink.txt")):
            if os.path.exists(base + f):
                print("  %-11s its sink: %s" % (tag, sink(load(base + f))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
