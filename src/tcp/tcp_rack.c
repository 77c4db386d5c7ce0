/* RACK-TLP (RFC 8985) for connections with SACK: loss detection by time
 * from the record of what was sent (tcp_rtb.h), and the tail loss probe.
 * The recovery module (tcp_recovery.c) calls in: each ACK's delivered
 * ranges update RACK.xmit_ts / end_seq / rtt (§6.2 steps 1-3), the
 * reordering window adapts to DSACKs (step 4), ranges sent "before" the
 * most recently delivered one by more than RACK.rtt + reo_wnd are marked
 * lost (step 5), and one internal timer (SK_TIMER_RECOVERY) is either the
 * RACK reorder timer or the probe timeout (§7.2), never both. */
#include "tcp/tcp_conn.h"

#define SK_RACK_DUPTHRESH 3u
#define SK_RACK_PERSIST 16u /* RFC 8985 §6.2 step 4: rounds reo_wnd_mult persists */
#define SK_TLP_WCDELACK_US 200000u /* §7.2 WCDelAckT */

bool sk_rack_on(const sk_tcb *t)
{
    return (t->flags & SK_TF_RACK) && t->x->rtb != NULL;
}

/* §6.2: RACK_sent_after(t1, seq1, t2, seq2) */
static bool sent_after(sk_time t1, sk_seq s1, sk_time t2, sk_seq s2)
{
    return t1 > t2 || (t1 == t2 && sk_seq_gt(s1, s2));
}

/* Steps 2-3 for one range newly delivered (cumulatively or SACKed); true
 * when it shows reordering. */
static bool delivered(sk_tcb *t, const sk_rtb_ent *x, sk_time now)
{
    sk_rtb *r = t->x->rtb;
    /* step 2: an ACK that may be for the original of a retransmission
     * ("ack_time - xmit_ts < min_RTT") tells nothing */
    if (x->xmits > 1 && t->min_rtt != 0 && now - x->sent < t->min_rtt)
        return false;
    if (!r->rack_valid || sent_after(x->sent, x->end, r->rack_xmit_ts, r->rack_end_seq)) {
        r->rack_rtt = (uint32_t)(now - x->sent);
        r->rack_xmit_ts = x->sent;
        r->rack_end_seq = x->end;
        r->rack_valid = true;
    }
    /* step 3: a never-retransmitted range delivered below the highest
     * delivered: reordering. A retransmission filling a hole is delivered
     * below RACK.fack by design ("Segment.retransmitted is FALSE"): counted
     * as reordering it set reordering_seen in the first recovery, and the
     * DSACK-grown reo_wnd (up to SRTT) then delayed every loss mark,
     * lost retransmissions included, until the RTO came first. The first
     * delivered range sets RACK.fack: compared with the record's zeroed
     * field, every end in the half of the sequence space "below" 0 read as
     * reordering, about half the connections (by ISN) saw it from their
     * first ACK and waited reo_wnd before each loss mark for 2 GiB. */
    if (r->rack_fack_valid && sk_seq_lt(x->end, r->rack_fack)) {
        if (x->xmits <= 1) {
            r->reordering_seen = true;
            return true;
        }
    } else {
        r->rack_fack = x->end;
        r->rack_fack_valid = true;
    }
    return false;
}

/* The ACK's ranges: SACKed blocks (split to whole ranges, newly marked
 * ones delivered) and what the cumulative ACK covers. Before snd_una moves.
 * True when one of them showed reordering (step 3). Step 3 takes "each
 * segment newly acknowledged, cumulatively or selectively, in ascending
 * order of Segment.end_seq": the blocks are marked first (in the order the
 * ACK lists them, most recent first), then one pass over the record, which
 * is in sequence order, delivers them with the cumulatively acknowledged
 * ranges. Delivered block by block and then the cumulative ranges, an ACK
 * that moved the cumulative point over a segment the receiver had held for
 * its delayed ACK and SACKed a range above a new hole read as reordering,
 * as did two blocks newly reported in one ACK, and RACK then waited reo_wnd
 * before each loss mark (RFC 8985 §6.2 step 4). */
bool sk_rack_on_ack(sk_tcb *t, sk_seq ack, sk_time now)
{
    sk_rtb *r = t->x->rtb;
    sk_seq top = ack; /* nothing newly delivered lies above */
    for (uint8_t b = 0; b < t->x->n_peer_sack; b++) {
        sk_seq l = t->x->peer_sack[b].left, h = t->x->peer_sack[b].right;
        sk_rtb_split(r, l, h);
        for (uint32_t i = 0; i < r->n; i++) {
            sk_rtb_ent *x = &r->ent[i];
            if (!sk_seq_le(l, x->seq) || !sk_seq_le(x->end, h) || (x->marks & SK_RTB_SACKED))
                continue;
            x->marks = (uint8_t)((x->marks & ~SK_RTB_LOST) | SK_RTB_SACKED | SK_RTB_NEWLY_SACKED);
            top = sk_seq_max(top, x->end);
        }
    }
    bool reordered = false;
    for (uint32_t i = 0; i < r->n && sk_seq_lt(r->ent[i].seq, top); i++) {
        sk_rtb_ent *x = &r->ent[i];
        if (x->marks & SK_RTB_NEWLY_SACKED) {
            x->marks = (uint8_t)(x->marks & ~SK_RTB_NEWLY_SACKED);
            reordered |= delivered(t, x, now);
        } else if (sk_seq_le(x->end, ack) && !(x->marks & SK_RTB_SACKED)) {
            reordered |= delivered(t, x, now);
        }
    }
    return reordered;
}

/* §6.2 step 4: reo_wnd. A DSACK grows the multiplier once per round trip
 * and keeps it for 16 recoveries. */
void sk_rack_dsack(sk_tcb *t, sk_seq ack)
{
    sk_rtb *r = t->x->rtb;
    if (sk_seq_lt(ack, r->dsack_round) && r->reo_wnd_mult > 1)
        return;
    r->dsack_round = t->x->snd_max;
    if (r->reo_wnd_mult < 255)
        r->reo_wnd_mult++;
    r->reo_wnd_persist = SK_RACK_PERSIST;
}

void sk_rack_recovery_done(sk_tcb *t)
{
    sk_rtb *r = t->x->rtb;
    if (r->reo_wnd_persist > 0 && --r->reo_wnd_persist == 0)
        r->reo_wnd_mult = 1;
}

uint32_t sk_rack_reo_wnd(const sk_tcb *t)
{
    const sk_rtb *r = t->x->rtb;
    if (!r->reordering_seen &&
        ((t->flags & SK_TF_IN_RECOVERY) || sk_rec_rto_recovery(t) ||
         sk_rtb_sacked_above(r, t->snd_una) >= SK_RACK_DUPTHRESH * t->snd_mss))
        return 0;
    uint64_t w = (uint64_t)t->min_rtt / 4u * r->reo_wnd_mult;
    return w < t->srtt ? (uint32_t)w : t->srtt;
}

/* §6.2 step 5: mark lost what was sent before the latest delivered range
 * by more than RACK.rtt + reo_wnd; returns how many were marked, and in
 * *wait the time until the next one would be (0: none pending). */
uint32_t sk_rack_detect(sk_tcp_env *e, sk_tcb *t, sk_seq una, sk_time now, uint64_t *wait)
{
    sk_rtb *r = t->x->rtb;
    uint32_t marked = 0;
    *wait = 0;
    if (!r->rack_valid)
        return 0;
    uint64_t reo = sk_rack_reo_wnd(t);
    for (uint32_t i = 0; i < r->n; i++) {
        sk_rtb_ent *x = &r->ent[i];
        if ((x->marks & (SK_RTB_SACKED | SK_RTB_LOST)) || sk_seq_le(x->end, una) ||
            !sent_after(r->rack_xmit_ts, r->rack_end_seq, x->sent, x->end))
            continue;
        sk_time due = x->sent + r->rack_rtt + reo;
        if (due <= now) {
            x->marks |= SK_RTB_LOST;
            marked++;
            e->ctx->stats.rack_marks++;
        } else if (due - now > *wait) {
            *wait = due - now; /* RFC 8985: the latest such deadline */
        }
    }
    return marked;
}

/* Does a range above `una` carry a lost mark not yet SACKed? A mark made
 * when recovery could not start (the ACK that ended the last one, or one
 * below `recover` after a timeout) must still start it once it may. */
bool sk_rack_any_lost(const sk_tcb *t, sk_seq una)
{
    const sk_rtb *r = t->x->rtb;
    for (uint32_t i = 0; i < r->n; i++)
        if ((r->ent[i].marks & (SK_RTB_LOST | SK_RTB_SACKED)) == SK_RTB_LOST &&
            sk_seq_gt(r->ent[i].end, una))
            return true;
    return false;
}

/* Is the range holding `s` marked lost by RACK? */
bool sk_rack_lost(const sk_tcb *t, sk_seq s)
{
    const sk_rtb_ent *x = sk_rtb_find(t->x->rtb, s);
    return x != NULL && (x->marks & SK_RTB_LOST);
}

/* §7.2: PTO = 2 SRTT, plus WCDelAckT when one segment is in flight; 1 s
 * without an RTT sample. TLP_calc_PTO: "If Now() + PTO >
 * TCP_RTO_expire(): PTO = TCP_RTO_expire() - Now()": a probe that would
 * come after the RTO takes the RTO's place (Linux does the same); the
 * timers fire the probe first on the tie (tcp_timer.c), and the probe
 * restarts the RTO. */
void sk_tlp_arm(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (!sk_rack_on(t))
        return;
    sk_rtb *r = t->x->rtb;
    if (sk_tcb_timer(e, t, SK_TIMER_RECOVERY) != SK_TIME_NEVER && r->timer_is_reo)
        return; /* the reorder timer runs: no probe meanwhile */
    sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    uint32_t fl = sk_seq_len(t->snd_una, t->x->snd_max);
    if (r->tlp_pending || (t->flags & SK_TF_IN_RECOVERY) || fl == 0 ||
        sk_seq_lt(t->x->snd_nxt, t->x->snd_max))
        return;
    uint64_t pto = t->srtt != 0 ? 2ull * t->srtt : 1000000u;
    if (t->srtt != 0 && fl <= t->snd_mss)
        pto += SK_TLP_WCDELACK_US;
    sk_time when = sk_time_min(now + pto, sk_tcb_timer(e, t, SK_TIMER_RETRANSMIT));
    r->tlp_probe_due = false;
    r->timer_is_reo = false;
    sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, when);
}
