/* Loss recovery: input reports what each ACK said (sk_rec_on_ack), output
 * asks which segment to retransmit next (sk_rec_next_rexmit) and how much
 * new data the recovery allows (sk_rec_new_data_room), the timer reports a
 * timeout (sk_rec_on_timeout). Two algorithms behind the one interface:
 *
 * - without SACK, NewReno (RFC 6582 §3.2) with Limited Transmit (RFC
 *   3042): the third duplicate ACK retransmits SND.UNA, partial ACKs
 *   retransmit the next hole, cwnd is inflated and deflated (tcp_cc.c);
 * - with SACK, RFC 6675: the scoreboard (the SACKed range set of the
 *   record of what was sent, tcp_rtb.h), IsLost with DupThresh 3, pipe
 *   (SetPipe), entry on the third duplicate ACK or when IsLost(HighACK+1),
 *   NextSeg rules (1)-(3), exit at RecoveryPoint; the sending rate during
 *   recovery is Proportional Rate Reduction (RFC 6937, PRR-SSRB), and on
 *   exit cwnd = ssthresh.
 *
 * Only tcp_cc*.c write cwnd and ssthresh: this file asks them to
 * (sk_cc_prr_enter, sk_cc_prr_set, sk_cc_prr_exit). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

#define SK_DUPTHRESH 3u /* RFC 6675 §2 DupThresh */

/* RFC 6582 §3.2 step 2: does SEG.ACK "cover more than recover"? recover
 * stays where the ISN or the last recovery or timeout put it, so after 2^31
 * bytes a modulo-2^32 `ack > recover` reads it as ahead and turns fast
 * retransmit off for the next 2^31. recover never exceeds SND.MAX, so the
 * test is "recover is not in [SEG.ACK, SND.MAX]", which a stale value
 * passes; a new ACK outside recovery also drags recover along so it never
 * goes stale. */
static bool ack_beyond_recover(const sk_tcb *t, sk_seq ack)
{
    return sk_seq_len(ack, t->x->past.recover) > sk_seq_len(ack, t->x->snd_max);
}

/* RFC 6675 §5 enters recovery on any duplicate ACK "not currently in loss
 * recovery": a new episode may start right at the last RecoveryPoint (the
 * full ACK that ended the last one), where NewReno's "covers more than
 * recover" would refuse. After a timeout (recover = SND.MAX, §5.1) the
 * ACK must still reach what was outstanding. */
static bool sack_may_enter(const sk_tcb *t, sk_seq ack)
{
    return sk_seq_eq(ack, t->x->past.recover) || ack_beyond_recover(t, ack);
}

static bool sack_recovering(const sk_tcb *t)
{
    return (t->flags & SK_TF_SACK_RECOVERY) != 0;
}

/* ---- the scoreboard (RFC 6675 §4) ---- */

/* RFC 8985: RACK marked the hole's first unretransmitted byte lost. */
static bool rack_lost_hole(const sk_tcb *t, const sk_rec_hole *h)
{
    if (!sk_rack_on(t))
        return false;
    sk_seq probe = h->start;
    if (sk_seq_lt(probe, t->x->rtb->high_rxt) && sk_seq_lt(t->x->rtb->high_rxt, h->end))
        probe = t->x->rtb->high_rxt;
    return sk_rack_lost(t, probe);
}

/* The holes of [una, highest SACKed byte): unSACKed ranges below a SACKed
 * one, ascending, each with IsLost(): "DupThresh discontiguous SACKed
 * sequences" or "more than (DupThresh - 1) * SMSS bytes" SACKed above it.
 * Returns their number (at most the scoreboard's capacity). */
uint32_t sk_rec_holes(const sk_tcb *t, sk_seq una, sk_rec_hole *h)
{
    if (t->x->rtb == NULL)
        return 0;
    const sk_rset *s = &t->x->rtb->sacked;
    uint32_t nh = 0, bytes = 0, blocks = 0;
    uint32_t dup_bytes = (SK_DUPTHRESH - 1u) * t->snd_mss;
    for (uint32_t i = sk_rset_count(s); i-- > 0;) {
        const sk_range *r = sk_rset_at(s, i);
        if (sk_seq_le(r->end, una))
            break;
        sk_seq lo = i > 0 ? sk_seq_max(sk_rset_at(s, i - 1)->end, una) : una;
        bytes += sk_seq_len(sk_seq_max(r->start, una), r->end);
        blocks++;
        if (sk_seq_lt(lo, r->start)) {
            h[nh].start = lo;
            h[nh].end = r->start;
            bool islost = bytes > dup_bytes || blocks >= SK_DUPTHRESH;
            h[nh].rack = !islost && rack_lost_hole(t, &h[nh]);
            h[nh].lost = islost || h[nh].rack;
            nh++;
        }
    }
    for (uint32_t i = 0; i < nh / 2; i++) { /* ascending */
        sk_rec_hole x = h[i];
        h[i] = h[nh - 1 - i];
        h[nh - 1 - i] = x;
    }
    return nh;
}

/* Bytes of [a, b) below `high` (HighRxt: retransmitted). */
static uint32_t below(sk_seq a, sk_seq b, sk_seq high)
{
    sk_seq top = sk_seq_min(b, high);
    return sk_seq_lt(a, top) ? sk_seq_len(a, top) : 0;
}

/* Bytes of the record's ranges at or above `una` marked lost and not
 * SACKed, below `bound`: with `rexmit`, retransmissions (sent twice or
 * more) wholly below it; without, ranges that start below it, counted up
 * to it. *first (may be NULL) gets the lowest such range. */
static uint32_t lost_ranges(const sk_rtb *r, sk_seq una, sk_seq bound, bool rexmit,
                            const sk_rtb_ent **first)
{
    uint32_t n = 0;
    if (first != NULL)
        *first = NULL;
    for (uint32_t i = 0; i < r->n; i++) {
        const sk_rtb_ent *x = &r->ent[i];
        if ((x->marks & (SK_RTB_LOST | SK_RTB_SACKED)) != SK_RTB_LOST || sk_seq_le(x->end, una))
            continue;
        if (rexmit ? x->xmits < 2 || !sk_seq_le(x->end, bound) : !sk_seq_lt(x->seq, bound))
            continue;
        n += below(sk_seq_max(x->seq, una), x->end, bound);
        if (first != NULL && *first == NULL)
            *first = x;
    }
    return n;
}

/* RFC 8985 §6.2: RACK can mark a retransmission lost again (a range sent
 * later was delivered). RFC 6675's NextSeg starts above HighRxt and would
 * never resend it: these ranges below HighRxt are sent first. Returns their
 * bytes at or above `una`; *first (may be NULL) gets the lowest. */
static uint32_t lost_rexmit_bytes(const sk_tcb *t, sk_seq una, const sk_rtb_ent **first)
{
    return lost_ranges(t->x->rtb, una, t->x->rtb->high_rxt, true, first);
}

/* Bytes of the hole [a, b) whose original transmission RACK has judged
 * lost although the hole as a whole is not (IsLost and rack_lost_hole
 * look at one byte): ranges still marked LOST, and ranges retransmitted
 * below HighRxt after a LOST mark (SK_RTB_WAS_LOST; their new copy counts
 * through HighRxt). *k walks the record across the ascending holes. */
static uint32_t rack_lost_in_hole(const sk_rtb *r, sk_seq a, sk_seq b, sk_seq hr, uint32_t *k)
{
    uint32_t n = 0;
    while (*k < r->n && sk_seq_le(r->ent[*k].end, a))
        (*k)++;
    for (uint32_t i = *k; i < r->n && sk_seq_lt(r->ent[i].seq, b); i++) {
        const sk_rtb_ent *x = &r->ent[i];
        bool gone = (x->marks & SK_RTB_LOST) ||
                    ((x->marks & SK_RTB_WAS_LOST) && sk_seq_le(x->end, hr));
        if (gone && !(x->marks & SK_RTB_SACKED))
            n += sk_seq_len(sk_seq_max(x->seq, a), sk_seq_min(x->end, b));
    }
    return n;
}

/* RFC 6675 §4 SetPipe: every unSACKed byte of [una, SND.MAX) counts once
 * unless IsLost, and once more if at or below HighRxt. With RACK (RFC 8985
 * §6.2 step 5) IsLost(octet) is also true where RACK marked the octet's
 * original lost, and stays true once it is retransmitted: before, a hole
 * RACK found (fewer than DupThresh segments SACKed above it, the usual
 * case in a small window) counted twice in pipe after its retransmission,
 * as if the lost original were still in flight, so PRR (RFC 6937) sent no
 * new data behind the retransmission; with nothing sent after it, neither
 * a lost retransmission (RACK needs a later-sent segment delivered) nor a
 * lost ACK of it could be noticed before the RTO. Linux counts such a
 * segment once (tcp_packets_in_flight: lost_out and retrans_out). */
uint32_t sk_rec_pipe(const sk_tcb *t, sk_seq una)
{
    if (t->x->rtb == NULL)
        return sk_seq_len(una, t->x->snd_max);
    sk_rec_hole *h = t->x->rtb->holes;
    uint32_t nh = sk_rec_holes(t, una, h), pipe = 0, k = 0;
    sk_seq hr = t->x->rtb->high_rxt;
    bool rack = sk_rack_on(t);
    for (uint32_t i = 0; i < nh; i++) {
        uint32_t orig = 0;
        if (!h[i].lost) {
            orig = sk_seq_len(h[i].start, h[i].end);
            if (rack)
                orig -= rack_lost_in_hole(t->x->rtb, h[i].start, h[i].end, hr, &k);
        }
        pipe += orig + below(h[i].start, h[i].end, hr);
    }
    /* above the highest SACKed byte: outstanding, never lost by IsLost */
    const sk_rset *s = &t->x->rtb->sacked;
    sk_seq top = una;
    if (sk_rset_count(s) > 0)
        top = sk_seq_max(una, sk_rset_at(s, sk_rset_count(s) - 1)->end);
    if (sk_seq_lt(top, t->x->snd_max)) {
        uint32_t orig = sk_seq_len(top, t->x->snd_max);
        /* RACK's marks there too: a range sent before a later-sent one
         * that a cumulative ACK delivered lies above every SACK block */
        if (rack)
            orig -= rack_lost_in_hole(t->x->rtb, top, t->x->snd_max, hr, &k);
        pipe += orig + below(top, t->x->snd_max, hr);
    }
    /* a retransmission RACK has marked lost again is no longer in flight */
    uint32_t gone = sk_rack_on(t) ? lost_rexmit_bytes(t, una, NULL) : 0;
    return pipe > gone ? pipe - gone : 0;
}

/* RFC 8985 §7.4.2 TLP_process_ack: an ACK that reaches TLP.end_seq (SND.MAX
 * when the probe went) decides the episode: a probe of new data was
 * delivered; a DSACK of the probe says the original had arrived too (no
 * loss); an ACK beyond TLP.end_seq without one says the probe repaired a
 * loss (the congestion response, unless a recovery under way has reduced
 * already); a plain duplicate ACK without SACK says both copies arrived at
 * a receiver that sends no DSACK. An ACK of exactly TLP.end_seq that
 * advances or carries SACK blocks decides nothing: it is the original's
 * ACK as likely as the probe's (a probe sent because an ACK was late is
 * followed by the late ACK, then by the probe's DSACK), so the episode
 * waits, as Linux's tcp_process_tlp_ack does. An episode still undecided
 * when the record goes (everything acknowledged, the send buffer released)
 * ends without a response; Linux would respond at a later ACK beyond
 * TLP.end_seq that no DSACK preceded (docs/rfc-coverage.md, RFC 8985 §7). */
static void tlp_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, bool dsack, sk_time now)
{
    sk_rtb *r = t->x->rtb;
    if (!r->tlp_pending || sk_seq_lt(seg->ack, r->tlp_end_seq))
        return;
    if (!r->tlp_is_retrans || (dsack && sk_seq_eq(seg->opts.sack[0].right, r->tlp_end_seq))) {
        r->tlp_pending = false;
        return;
    }
    if (sk_seq_gt(seg->ack, r->tlp_end_seq)) {
        r->tlp_pending = false;
        e->ctx->stats.tlp_losses++;
        if (!(t->flags & SK_TF_IN_RECOVERY)) /* a recovery under way has reduced already */
            sk_cc_prr_enter(t, now);
        return;
    }
    if (sk_seq_eq(seg->ack, t->snd_una) && seg->opts.n_sack == 0 && sk_tcp_ack_is_bare(t, seg))
        r->tlp_pending = false; /* a plain duplicate ACK */
}

/* The peer's valid SACK blocks of this ACK (tcp_sack.c kept them) go into
 * the scoreboard. Returns the change in SACKed bytes above the cumulative
 * point (RFC 6937 DeliveredData's SACK part; negative when the ACK covers
 * bytes that were SACKed). */
int32_t sk_rec_mark_sacked(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (t->x->rtb == NULL)
        return 0;
    sk_seq ack = seg->ack;
    if (sk_rack_on(t)) {
        bool dsack = seg->opts.n_sack > 0 &&
                     sk_seq_lt(seg->opts.sack[0].left, seg->opts.sack[0].right) &&
                     sk_seq_le(seg->opts.sack[0].right, seg->ack);
        if (dsack)
            sk_rack_dsack(t, ack); /* §6.2 step 4 */
        if (sk_rack_on_ack(t, ack, now))
            e->ctx->stats.rack_reordering++;
        tlp_on_ack(e, t, seg, dsack, now);
    }
    uint32_t before = sk_rtb_sacked_above(t->x->rtb, t->snd_una);
    for (uint8_t i = 0; i < t->x->n_peer_sack; i++)
        if (!sk_rtb_sack(t->x->rtb, t->x->peer_sack[i].left, t->x->peer_sack[i].right))
            e->ctx->stats.sack_scoreboard_full++;
    uint32_t after = sk_rtb_sacked_above(t->x->rtb, sk_seq_max(ack, t->snd_una));
    return (int32_t)after - (int32_t)before;
}

/* ---- RFC 6675 §5 with RFC 6937 PRR ---- */

/* Where HighRxt starts in a new recovery: RFC 6675 starts it at HighACK,
 * so a retransmission the last recovery (or the timeout's go-back-N) sent
 * and that is still in flight would be sent again at once when the new
 * recovery's IsLost (or RACK's mark of another hole) starts it: with
 * SACKed data above it, NextSeg's rule (1) picks it. Seen at 100 ms RTT:
 * the ACK that ended one recovery reached exactly such a hole, 4 ms before
 * its retransmission's ACK, and it went a third time; the D-SACK of that
 * duplicate undid the new recovery's reduction (tcp_spurious.c saw every
 * retransmission of that episode reported as a duplicate). With RACK
 * on, ranges from HighACK up that are SACKed, or retransmitted less than
 * SRTT ago and not marked lost since, count as retransmitted in this
 * recovery too; RACK's time rule finds such a copy if it is lost
 * (lost_rexmit_bytes resends it below HighRxt), as Linux never resends an
 * skb marked retransmitted unless RACK marks it lost again
 * (tcp_xmit_retransmit_queue skips TCPCB_SACKED_RETRANS). A copy older than
 * SRTT whose ACK has not come is left to RFC 6675's rule. */
static sk_seq high_rxt_start(const sk_tcb *t, sk_seq ack, sk_time now)
{
    const sk_rtb *r = t->x->rtb;
    sk_seq hr = ack;
    if (!sk_rack_on(t))
        return hr;
    for (uint32_t i = 0; i < r->n; i++) {
        const sk_rtb_ent *x = &r->ent[i];
        if (sk_seq_le(x->end, hr))
            continue;
        if (sk_seq_gt(x->seq, hr))
            break;
        bool sacked = (x->marks & SK_RTB_SACKED) != 0;
        bool in_flight = x->xmits > 1 && !(x->marks & SK_RTB_LOST) && now - x->sent < t->srtt;
        if (!sacked && !in_flight)
            break;
        hr = x->end;
    }
    return hr;
}

static void sack_enter(sk_tcp_env *e, sk_tcb *t, sk_seq ack, sk_time now)
{
    sk_rtb *r = t->x->rtb;
    t->x->past.recover = t->x->snd_max; /* (4.1) RecoveryPoint = HighData */
    t->flags |= SK_TF_IN_RECOVERY | SK_TF_SACK_RECOVERY;
    r->high_rxt = high_rxt_start(t, ack, now);
    r->prr_delivered = 0;
    r->prr_out = 0;
    r->recover_fs = sk_seq_len(ack, t->x->snd_max); /* RFC 6937: snd.nxt - snd.una */
    /* RFC 8985 §7.2: no probe in fast recovery; a PTO armed before the
     * duplicate ACKs came would fire in it (the reorder timer stays) */
    if (sk_rack_on(t) && !r->timer_is_reo)
        sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    sk_cc_prr_enter(t, now); /* (4.2) ssthresh from the algorithm */
    e->ctx->stats.fast_retransmits++;
    e->ctx->stats.sack_recoveries++;
}

/* RFC 6937 §3 on each ACK in recovery: sndcnt from the delivered data,
 * the proportional part while pipe > ssthresh, PRR-SSRB below. cwnd is set
 * to pipe + sndcnt, so output sends sndcnt more (pipe grows as it sends). */
static void prr_on_ack(sk_tcb *t, const sk_rec_ack *ra, bool entering)
{
    sk_rtb *r = t->x->rtb;
    int64_t dd = (int64_t)ra->acked + ra->sacked_delta;
    uint32_t delivered = dd > 0 ? (uint32_t)dd : 0;
    r->prr_delivered += delivered;
    uint32_t pipe = sk_rec_pipe(t, ra->ack);
    int64_t sndcnt;
    if (pipe > t->ssthresh) {
        uint64_t fs = r->recover_fs > 0 ? r->recover_fs : 1;
        uint64_t want = ((uint64_t)r->prr_delivered * t->ssthresh + fs - 1) / fs;
        sndcnt = (int64_t)want - (int64_t)r->prr_out;
    } else {
        int64_t lim = (int64_t)r->prr_delivered - (int64_t)r->prr_out;
        if (lim < (int64_t)delivered)
            lim = delivered;
        lim += t->snd_mss;
        sndcnt = (int64_t)t->ssthresh - (int64_t)pipe;
        if (sndcnt > lim)
            sndcnt = lim;
    }
    if (sndcnt < 0)
        sndcnt = 0;
    /* RFC 6675 (4.3): the first retransmission goes regardless */
    if (entering && sndcnt < t->snd_mss)
        sndcnt = t->snd_mss;
    sk_cc_prr_set(t, pipe + (uint32_t)sndcnt);
}

/* RFC 8985 §6.2 step 5 on an ACK or the reorder timer: mark lost by
 * time, arm the reorder timer for what may become lost. */
static void rack_detect(sk_tcp_env *e, sk_tcb *t, sk_seq una, sk_time now)
{
    if (!sk_rack_on(t))
        return;
    uint64_t wait;
    sk_rack_detect(e, t, una, now, &wait);
    if (wait > 0) {
        t->x->rtb->timer_is_reo = true;
        sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, now + wait);
    } else if (t->x->rtb->timer_is_reo) { /* nothing left to wait for */
        t->x->rtb->timer_is_reo = false;
        sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    }
}

/* (A) the end of recovery: RFC 6937 cwnd = ssthresh. */
static void sack_exit(sk_tcb *t, const sk_rec_ack *ra)
{
    sk_cc_prr_exit(t, ra->facts);
    t->flags &= ~(uint32_t)(SK_TF_IN_RECOVERY | SK_TF_SACK_RECOVERY);
    t->x->dupacks = 0;
    if (sk_rack_on(t))
        sk_rack_recovery_done(t);
}

static void sack_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_rec_ack *ra, sk_time now)
{
    bool exited = false;
    if ((t->flags & SK_TF_IN_RECOVERY) && ra->facts != NULL && sk_seq_ge(ra->ack, t->x->past.recover)) {
        sack_exit(t, ra);
        if (!sk_rack_on(t))
            return;
        /* RFC 8985 §6.2 step 5 runs on this ACK too: data sent during the
         * recovery (above RecoveryPoint) that it shows lost by time starts
         * the next one here (RFC 6675 §5 allows HighACK = RecoveryPoint);
         * returning left it marked with nothing to resend it but the RTO */
        exited = true;
    }
    rack_detect(e, t, ra->ack, now);
    if (t->flags & SK_TF_IN_RECOVERY) {
        prr_on_ack(t, ra, false); /* (B) and (C) */
        sk_tcb_mark_output(e, t);
        return;
    }
    if (ra->facts != NULL && !exited) {
        t->x->dupacks = 0;
        sk_cc_on_ack(t, ra->facts);
    }
    /* RFC 6675 §5 (1)-(3) on a duplicate ACK; RACK's marks on any ACK:
     * those of this ACK and any left from one that could not enter */
    sk_rec_hole *h = t->x->rtb->holes;
    uint32_t nh = sk_rec_holes(t, ra->ack, h);
    bool lost = ra->facts == NULL && nh > 0 && sk_seq_eq(h[0].start, ra->ack) && h[0].lost;
    bool three = ra->facts == NULL && t->x->dupacks >= SK_DUPTHRESH;
    bool rack_lost = sk_rack_on(t) && sk_rack_any_lost(t, ra->ack);
    if ((three || lost || rack_lost) && sack_may_enter(t, ra->ack)) {
        sack_enter(e, t, ra->ack, now); /* (4) */
        prr_on_ack(t, ra, true);
    }
    if (ra->facts == NULL || (t->flags & SK_TF_IN_RECOVERY) ||
        (sk_rec_rto_recovery(t) && rack_lost))
        sk_tcb_mark_output(e, t); /* (3) Limited Transmit, or (4.3)-(4.5), or rto_rack_next */
}

void sk_rec_on_recovery_timer(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (!sk_rack_on(t))
        return;
    sk_rtb *r = t->x->rtb;
    if (!r->timer_is_reo) {
        /* §7.3: output sends the probe and restarts the RTO; restart it
         * here already, so that an RTO due now (the probe was scheduled in
         * its place, §7.2) does not fire before output runs */
        r->tlp_probe_due = true;
        sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, sk_time_after(now, sk_tcb_rto_current(t, e)));
        sk_tcb_mark_output(e, t);
        return;
    }
    r->timer_is_reo = false;
    rack_detect(e, t, t->snd_una, now);
    sk_rec_enter_if_lost(e, t, now);
}

/* RACK's marks (RFC 8985 §6.2 step 5) above SND.UNA start recovery when
 * nothing else will: on the reorder timer, and after a timeout is undone
 * as spurious (tcp_spurious.c). The ACK that proves a timeout spurious
 * often shows a hole lost by time too, but it was judged while `recover`
 * still held SND.MAX of the timeout (RFC 6675 §5.1: no new recovery below
 * it); the undo lowers `recover` (there was no go-back-N), and with no
 * further ACK coming the hole waited for the next RTO. */
void sk_rec_enter_if_lost(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (!sk_rack_on(t) || !(t->flags & SK_TF_SACK_OK) || !sk_rack_any_lost(t, t->snd_una))
        return;
    if (sk_rec_rto_recovery(t)) { /* resent by rto_rack_next, no recovery below `recover` */
        sk_tcb_mark_output(e, t);
        return;
    }
    sk_rec_ack ra = {.ack = t->snd_una};
    if (!(t->flags & SK_TF_IN_RECOVERY)) {
        if (!sack_may_enter(t, t->snd_una))
            return;
        sack_enter(e, t, t->snd_una, now);
        prr_on_ack(t, &ra, true);
    }
    sk_tcb_mark_output(e, t);
}

void sk_rec_after_ack(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    sk_tlp_arm(e, t, now);
}

/* ---- NewReno, RFC 6582 §3.2 ---- */

static void newreno_dup_ack(sk_tcp_env *e, sk_tcb *t, sk_seq ack, sk_time now)
{
    if (t->flags & SK_TF_IN_RECOVERY) {
        sk_cc_dupack_in_recovery(t); /* step 4: inflate for each further dup ACK */
        sk_tcb_mark_output(e, t);
        return;
    }
    if (t->x->dupacks < SK_DUPTHRESH) {
        sk_tcb_mark_output(e, t); /* Limited Transmit (RFC 3042) */
        return;
    }
    if (t->x->dupacks != SK_DUPTHRESH || !ack_beyond_recover(t, ack))
        return;
    /* step 2: enter fast retransmit / fast recovery */
    sk_cc_enter_recovery(t, now);
    t->x->past.recover = t->x->snd_max;
    t->flags |= SK_TF_IN_RECOVERY | SK_TF_REXMIT_ONE;
    sk_tcb_set_rexmit_cause(t, SK_REXMIT_FAST);
    e->ctx->stats.fast_retransmits++;
    sk_tcb_mark_output(e, t);
}

/* Steps 3 (full ACK) and 5 (partial ACK). */
static void newreno_new_ack(sk_tcb *t, const sk_cc_ack *a)
{
    if (!(t->flags & SK_TF_IN_RECOVERY)) {
        t->x->dupacks = 0;
        sk_cc_on_ack(t, a);
        return;
    }
    if (sk_seq_ge(a->ack, t->x->past.recover)) {
        sk_cc_recovery_exit(t, a);
        t->flags &= ~(uint32_t)SK_TF_IN_RECOVERY;
        t->x->dupacks = 0;
        return;
    }
    /* partial ACK: retransmit the next hole at once */
    t->flags |= SK_TF_REXMIT_ONE;
    sk_tcb_set_rexmit_cause(t, SK_REXMIT_PARTIAL_ACK);
    sk_cc_partial_ack(t, a->acked);
}

/* ---- the interface ---- */

void sk_rec_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_rec_ack *ra, sk_time now)
{
    if (ra->dup) {
        e->ctx->stats.dup_acks_in++;
        t->x->dupacks++;
    }
    bool sack = (t->flags & SK_TF_SACK_OK) && t->x->rtb != NULL &&
                (!(t->flags & SK_TF_IN_RECOVERY) || sack_recovering(t));
    if (sack)
        sack_on_ack(e, t, ra, now);
    else if (ra->facts != NULL)
        newreno_new_ack(t, ra->facts);
    else if (ra->dup)
        newreno_dup_ack(e, t, ra->ack, now);
    if (ra->facts != NULL && !(t->flags & SK_TF_IN_RECOVERY) && ack_beyond_recover(t, ra->ack))
        t->x->past.recover = sk_seq_add(ra->ack, (uint32_t)0 - 1u); /* same verdicts, never stale */
}

/* RFC 6298 §5.4-5.7 took over: leave recovery; RFC 6582 §4: no fast
 * retransmit below SND.MAX. RFC 2018 §8 (the peer may renege): the SACK
 * scoreboard is discarded; data stays until cumulatively acknowledged. */
void sk_rec_on_timeout(sk_tcp_env *e, sk_tcb *t)
{
    t->flags &= ~(uint32_t)(SK_TF_IN_RECOVERY | SK_TF_SACK_RECOVERY | SK_TF_REXMIT_ONE);
    t->x->dupacks = 0;
    t->x->past.recover = t->x->snd_max;
    sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    if (t->x->rtb != NULL) {
        sk_rset_clear(&t->x->rtb->sacked);
        for (uint32_t i = 0; i < t->x->rtb->n; i++) /* RACK's marks go with it */
            t->x->rtb->ent[i].marks &= (uint8_t)~(SK_RTB_SACKED | SK_RTB_LOST);
        /* and RACK.fack: the ranges SACKed before are delivered again when
         * the next ACKs report them, below the old RACK.fack, which read
         * as reordering (RFC 8985 §6.2 step 3) after every timeout */
        t->x->rtb->rack_fack_valid = false;
        t->x->rtb->tlp_pending = false;
        t->x->rtb->tlp_probe_due = false;
        t->x->rtb->timer_is_reo = false;
    }
}

/* Is there new data (or our FIN) to send, and room in the peer's window?
 * NextSeg rule (2). */
static bool new_data_waits(const sk_tcb *t)
{
    uint32_t queued = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t sent = sk_seq_len(t->x->snd_buf_seq, t->x->snd_nxt);
    bool fin = (t->flags & SK_TF_FIN_QUEUED) && !(t->flags & SK_TF_FIN_SENT);
    return (sent < queued || fin) && sk_seq_len(t->snd_una, t->x->snd_nxt) < t->snd_wnd;
}

/* RFC 6675 §4 NextSeg rule (4), when (1)-(3) found nothing and no new
 * data waits: once per entry into recovery ("If HighACK is greater than
 * RescueRxt (or RescueRxt is undefined)"), one segment of up to SMSS that
 * includes the highest outstanding unSACKed octet: the end of the tail
 * above the highest SACKed octet, or of the last hole. Without it a lost
 * tail after the last SACKed segment waited for the RTO (no probe runs in
 * recovery, and RACK only marks what was sent before a delivered range). */
static bool rescue_next(const sk_tcb *t, uint32_t budget, uint32_t room, sk_rec_seg *s)
{
    const sk_rtb *r = t->x->rtb;
    if (r->rescue_set && !sk_seq_gt(t->snd_una, r->rescue_rxt))
        return false;
    const sk_rset *sk = &r->sacked;
    uint32_t n = sk_rset_count(sk);
    sk_seq lo = t->snd_una, hi = t->x->snd_max;
    if (n > 0 && !sk_seq_lt(sk_rset_at(sk, n - 1)->end, t->x->snd_max)) {
        hi = sk_rset_at(sk, n - 1)->start; /* no tail: the last hole */
        if (n > 1)
            lo = sk_seq_max(lo, sk_rset_at(sk, n - 2)->end);
    } else if (n > 0) {
        lo = sk_seq_max(lo, sk_rset_at(sk, n - 1)->end);
    }
    lo = sk_seq_max(lo, r->high_rxt); /* not what was just retransmitted */
    if (!sk_seq_lt(lo, hi))
        return false;
    uint32_t len = sk_seq_len(lo, hi);
    len = len < budget ? len : budget;
    if (len > room)
        return false;
    s->seq = sk_seq_add(hi, (uint32_t)0 - len);
    s->max = len;
    s->cause = SK_REXMIT_SACK;
    s->rescue = true;
    return true;
}

/* A range RACK marked lost (RFC 8985 §6.2 step 5) and never resent that
 * NextSeg rule (1) cannot reach: above the highest SACKed octet (no hole
 * there: RACK judged it by a later-sent range that a cumulative ACK or a
 * SACK below it delivered), or below HighRxt (a higher hole lost by
 * IsLost went first). RFC 8985 §6.2 says a lost segment is retransmitted;
 * RFC 6675's NextSeg, written for IsLost, never looks there, so it waited
 * for the RTO while counting in pipe. Linux resends any skb marked lost
 * (tcp_xmit_retransmit_queue). Checked after rule (1), before new data.
 * Returns true with s->max 0 when the lowest such range does not fit the
 * room (nothing may go ahead of it). */
static bool rack_stranded(const sk_tcb *t, uint32_t budget, uint32_t room, sk_rec_seg *s)
{
    const sk_rtb *r = t->x->rtb;
    for (uint32_t i = 0; i < r->n; i++) {
        const sk_rtb_ent *x = &r->ent[i];
        if ((x->marks & (SK_RTB_LOST | SK_RTB_SACKED)) != SK_RTB_LOST || x->xmits > 1 ||
            !sk_seq_gt(x->end, t->snd_una))
            continue;
        sk_seq a = sk_seq_max(x->seq, t->snd_una);
        uint32_t len = sk_seq_len(a, x->end);
        len = len < budget ? len : budget;
        s->seq = a;
        s->max = len <= room ? len : 0;
        s->cause = SK_REXMIT_RACK;
        return true;
    }
    return false;
}

/* RFC 6675 §4 NextSeg, rules (1), (3) and (4) (rule (2), new data, is the
 * ordinary output path, limited by sk_rec_new_data_room). */
static bool sack_next(const sk_tcb *t, uint32_t budget, sk_rec_seg *s)
{
    uint32_t pipe = sk_rec_pipe(t, t->snd_una);
    if (pipe >= t->cwnd)
        return false;
    uint32_t room = t->cwnd - pipe;
    sk_rec_hole *h = t->x->rtb->holes;
    uint32_t nh = sk_rec_holes(t, t->snd_una, h);
    sk_seq from = sk_seq_max(t->x->rtb->high_rxt, t->snd_una);
    bool waits = new_data_waits(t);
    const sk_rtb_ent *again;
    if (sk_rack_on(t) && lost_rexmit_bytes(t, t->snd_una, &again) > 0) {
        sk_seq a = sk_seq_max(again->seq, t->snd_una);
        uint32_t len = sk_seq_len(a, again->end);
        len = len < budget ? len : budget;
        if (len > room)
            return false;
        s->seq = a;
        s->max = len;
        s->cause = SK_REXMIT_RACK;
        return true;
    }
    for (int rule = 1; rule <= 3; rule += 2) {
        if (rule == 3 && sk_rack_on(t) && rack_stranded(t, budget, room, s))
            return s->max > 0;
        if (rule == 3 && waits)
            return false; /* rule (2) first */
        for (uint32_t i = 0; i < nh; i++) {
            sk_seq a = sk_seq_max(h[i].start, from);
            if (!sk_seq_lt(a, h[i].end) || (rule == 1 && !h[i].lost))
                continue;
            uint32_t len = sk_seq_len(a, h[i].end);
            if (len > budget)
                len = budget;
            if (len > room)
                return false;
            s->seq = a;
            s->max = len;
            s->cause = h[i].rack ? SK_REXMIT_RACK : SK_REXMIT_SACK;
            return true;
        }
    }
    return rescue_next(t, budget, room, s);
}

/* ---- the loss recovery after a timeout (with SACK) ---- */

bool sk_rec_rto_recovery(const sk_tcb *t)
{
    return !(t->flags & SK_TF_IN_RECOVERY) && (t->flags & SK_TF_SACK_OK) &&
           t->x->rtb != NULL && sk_seq_lt(t->snd_una, t->x->past.recover);
}

uint32_t sk_rec_rto_skip_sacked(sk_tcb *t)
{
    const sk_rset *sacked = &t->x->rtb->sacked;
    const sk_range *r;
    while (sk_seq_lt(t->x->snd_nxt, t->x->snd_max) && (r = sk_rset_find(sacked, t->x->snd_nxt)) != NULL)
        t->x->snd_nxt = sk_seq_lt(r->end, t->x->snd_max) ? r->end : t->x->snd_max;
    sk_range h;
    if (sk_seq_lt(t->x->snd_nxt, t->x->snd_max) && sk_rset_first_hole(sacked, t->x->snd_nxt, &h) &&
        sk_seq_lt(h.end, t->x->snd_max))
        return sk_seq_len(t->x->snd_nxt, h.end);
    return UINT32_MAX;
}

/* Bytes of the record's ranges in [una, nxt) marked lost and not SACKed;
 * *first (may be NULL) gets the lowest such range. */
static uint32_t lost_below(const sk_rtb *r, sk_seq una, sk_seq nxt, const sk_rtb_ent **first)
{
    return lost_ranges(r, una, nxt, false, first);
}

uint32_t sk_rec_rto_flight(const sk_tcb *t)
{
    const sk_rtb *r = t->x->rtb;
    uint32_t fl = sk_seq_len(t->snd_una, t->x->snd_nxt);
    uint32_t sacked = sk_rtb_sacked_above(r, t->snd_una) - sk_rtb_sacked_above(r, t->x->snd_nxt);
    uint32_t gone = sacked + (sk_rack_on(t) ? lost_below(r, t->snd_una, t->x->snd_nxt, NULL) : 0);
    return fl > gone ? fl - gone : 0;
}

/* RFC 8985 §6.3 and Linux's loss state: a range the go-back-N sent again
 * after the timeout that RACK then marks lost (a range sent after it was
 * delivered, by more than RACK.rtt) is sent again when cwnd has room,
 * before the go-back-N goes on; before, it waited for the next RTO (RFC
 * 6675 §5.1 starts no recovery below `recover`). */
static bool rto_rack_next(const sk_tcb *t, uint32_t budget, sk_rec_seg *s)
{
    if (!sk_rack_on(t) || t->cwnd <= sk_rec_rto_flight(t))
        return false;
    const sk_rtb_ent *x;
    if (lost_below(t->x->rtb, t->snd_una, t->x->snd_nxt, &x) == 0)
        return false;
    s->seq = sk_seq_max(x->seq, t->snd_una);
    uint32_t len = below(s->seq, x->end, t->x->snd_nxt);
    s->max = len < budget ? len : budget;
    s->cause = SK_REXMIT_RACK;
    return true;
}

bool sk_rec_next_rexmit(sk_tcb *t, uint32_t budget, sk_rec_seg *s)
{
    s->rescue = false;
    /* RecoveryPoint is never below SND.UNA in recovery: there rule (4)'s
     * guard would never hold again (tcp_spurious.c undo_rto). Equal is
     * seen: everything acknowledged by an ACK that did not end the
     * recovery (the next new ACK does). */
    SK_ASSERT(!sack_recovering(t) || sk_seq_le(t->snd_una, t->x->past.recover));
    if (sack_recovering(t) && t->x->rtb != NULL) {
        bool ok = sack_next(t, budget, s);
        t->x->rtb->rescue_pending = ok && s->rescue;
        return ok;
    }
    if (sk_rec_rto_recovery(t) && rto_rack_next(t, budget, s))
        return true;
    if (!(t->flags & SK_TF_REXMIT_ONE))
        return false;
    t->flags &= ~(uint32_t)SK_TF_REXMIT_ONE;
    s->seq = t->snd_una;
    s->max = budget;
    s->cause = (enum sk_rexmit_cause)t->x->rexmit_cause;
    return true;
}

bool sk_rec_new_data_room(const sk_tcb *t, uint32_t *room)
{
    if (!sack_recovering(t))
        return false;
    uint32_t pipe = sk_rec_pipe(t, t->snd_una);
    *room = t->cwnd > pipe ? t->cwnd - pipe : 0;
    return true;
}

void sk_rec_sent(sk_tcb *t, sk_seq seq, uint32_t n)
{
    if (!sack_recovering(t) || t->x->rtb == NULL || n == 0)
        return;
    t->x->rtb->prr_out += n; /* RFC 6937: prr_out += (data sent) */
    bool rescue = t->x->rtb->rescue_pending && sk_seq_lt(seq, t->x->snd_max);
    t->x->rtb->rescue_pending = false;
    if (rescue) { /* rule (4): "HighRxt MUST NOT be updated" */
        t->x->rtb->rescue_rxt = t->x->past.recover; /* RescueRxt = RecoveryPoint */
        t->x->rtb->rescue_set = true;
        return;
    }
    sk_seq end = sk_seq_add(seq, n);
    if (sk_seq_lt(seq, t->x->snd_max) && sk_seq_gt(end, t->x->rtb->high_rxt)) /* (C.2) */
        t->x->rtb->high_rxt = sk_seq_min(end, t->x->snd_max);
}
