/* Spurious retransmissions: detection and response.
 *
 * A retransmission timeout is spurious when the segment it resent was not
 * lost but late (a delay spike longer than the RTO). Two detections run on
 * the first ACKs after the timeout:
 *   - Eifel (RFC 3522), with timestamps: the first ACK of new data echoes
 *     a TSecr older than the retransmission's TSval, so it answers the
 *     original transmission;
 *   - F-RTO (RFC 5682), without timestamps: after the first ACK of new
 *     data, send two new segments instead of going back; a second ACK of
 *     new data (or, with SACK, of data never retransmitted, §3) shows that
 *     the originals arrived.
 * The response is Eifel's (RFC 4015 §2): undo the congestion signal
 * through the algorithm's on_spurious event, resume with new data at
 * SND.MAX instead of going back N, and adapt the RTO to the RTT that the
 * spurious timeout revealed.
 *
 * A fast retransmit is spurious when the "lost" segment was reordered. It
 * is undone when timestamps show that the ACK ending recovery answers the
 * original (RFC 3522 applied to a fast retransmit), or when every segment
 * retransmitted in the episode came back reported as a duplicate by DSACK
 * (RFC 3708 §3, the test after the episode). The DSACK test also covers a
 * timeout that neither Eifel nor F-RTO could judge: a "late spurious"
 * timeout (RFC 4015 §1), whose retransmission reached the peer before the
 * delayed original; then only the congestion state is restored.
 *
 * Called from two hooks only: sk_spur_on_timeout (tcp_timer.c, as the RTO
 * fires) and sk_spur_on_ack (tcp_input.c, after an acceptable ACK was
 * processed); sk_spur_frto_allowance lets the output routine send F-RTO's
 * two new segments. cwnd and ssthresh are written by tcp_cc*.c only. */
#include "tcp/tcp_conn.h"

#define CLOCK_G_US 1000u /* clock granularity G (RFC 6298 §2; 1 ms TSval ticks) */

static bool ts_older(uint32_t a, uint32_t b)
{
    return sk_seq_lt(sk_seq_make(a), sk_seq_make(b));
}

/* ---- at the timeout ---- */

/* RFC 4015 §2 step (1) and RFC 3522 §2 step (1)/(2): on the first timeout
 * of an episode, remember SRTT_prev = SRTT + 2G and RTTVAR_prev, and what
 * the detection needs: the retransmission's TSval (it goes out at `now`,
 * or later: any later TSval is only larger) or F-RTO's "recover". A later
 * timeout of the same episode keeps Eifel's state (an ACK of the original
 * still proves the whole episode spurious) but ends F-RTO (RFC 5682 §2:
 * a second timeout is handled by conventional recovery). A timeout also
 * ends the fast retransmit episode: its undo state belongs to an older
 * congestion signal. */
static void dsack_episode(sk_tcb *t, bool rto)
{
    t->x->spur_fr = SK_SPUR_FR_DSACK;
    t->x->spur_fr_rto = rto;
    t->x->spur_fr_una = t->snd_una;
    t->x->spur_fr_max = t->x->snd_max;
    t->x->spur_fr_rexmits = t->x->past.retransmits;
    t->x->spur_fr_dsacks = 0;
}

void sk_spur_on_timeout(sk_tcp_env *e, sk_tcb *t, bool first, sk_time now)
{
    (void)e;
    if (first && (t->flags & SK_TF_SACK_OK))
        dsack_episode(t, true); /* RFC 3708 for the timeout's retransmissions */
    else if (first)
        t->x->spur_fr = SK_SPUR_FR_NONE;
    if (!first) {
        if (t->x->spur_rto != SK_SPUR_EIFEL)
            t->x->spur_rto = SK_SPUR_NONE;
        return;
    }
    t->x->spur_srtt = t->srtt + 2u * CLOCK_G_US;
    t->x->spur_rttvar = t->rttvar;
    t->x->spur_recover = t->x->snd_max;
    if (t->flags & SK_TF_TS_OK) {
        t->x->spur_rto = SK_SPUR_EIFEL;
        t->x->spur_rto_tsval = sk_ts_now(t, now);
    } else {
        t->x->spur_rto = SK_SPUR_FRTO1;
    }
}

/* RFC 2883 §4: a first block at or below SEG.ACK, or inside the second
 * block, reports a duplicate. */
bool sk_seg_has_dsack(const sk_tcb *t, const sk_tcp_repr *seg)
{
    if (!(t->flags & SK_TF_SACK_OK) || seg->opts.n_sack == 0)
        return false;
    sk_seq l = seg->opts.sack[0].left, r = seg->opts.sack[0].right;
    if (!sk_seq_lt(l, r))
        return false;
    return sk_seq_le(r, seg->ack) ||
           (seg->opts.n_sack > 1 && sk_seq_ge(l, seg->opts.sack[1].left) &&
            sk_seq_le(r, seg->opts.sack[1].right));
}

/* ---- the response (RFC 4015 §2) ---- */

/* Step (DW): with a timestamp on the ACK that proved the timeout
 * spurious, the RTT it measures (now - TSecr) rebases the estimator:
 * SRTT = max(SRTT_prev, m), RTTVAR = max(RTTVAR_prev, m/2),
 * RTO = SRTT + max(G, 4 * RTTVAR); the backoff of the spurious timeout is
 * dropped and the timer restarted with the new RTO. Without a timestamp
 * (F-RTO) the RTO is left as the timeout left it. */
static void adapt_rto(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!(t->flags & SK_TF_TS_OK) || !seg->opts.has_ts)
        return;
    /* An ACK reporting a duplicate (RFC 2883) was sent when the duplicate
     * (here: the timeout's retransmission) arrived, and its TSecr is older
     * (RFC 7323 §4.3: a duplicate does not update TS.Recent): it echoes
     * the earlier copy that did arrive, whose own ACK was lost. now - TSecr
     * then spans that lost ACK and the wait for the timeout, not the path,
     * and rebasing on it would set SRTT to about RTO + RTT (with 10 % of
     * ACKs lost, RTOs near 1 s at 100 ms RTT). The estimator keeps the
     * samples it took; the backoff still goes. */
    if (sk_seg_has_dsack(t, seg)) {
        t->x->past.backoff = 0;
        if (!sk_seq_eq(t->snd_una, t->x->snd_max))
            sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT,
                             sk_time_after(now, sk_tcb_rto_current(t, e)));
        return;
    }
    uint32_t ms = sk_ts_now(t, now) - seg->opts.ts_ecr;
    if (ms >= 0x80000000u)
        return;
    uint64_t m = (uint64_t)ms * 1000u;
    if (m > UINT32_MAX / 2)
        m = UINT32_MAX / 2;
    uint32_t srtt = t->x->spur_srtt > m ? t->x->spur_srtt : (uint32_t)m;
    uint32_t rttvar = t->x->spur_rttvar > m / 2 ? t->x->spur_rttvar : (uint32_t)(m / 2);
    sk_rtt_rebase(t, srtt, rttvar);
    t->x->past.backoff = 0;
    if (!sk_seq_eq(t->snd_una, t->x->snd_max))
        sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, sk_time_after(now, sk_tcb_rto_current(t, e)));
}

/* Steps (3)-(5) for a spurious timeout: the congestion state before the
 * timeout comes back (the algorithm's on_spurious: NewReno's window and
 * ssthresh, CUBIC's curve as RFC 9438 §4.9 asks), transmission resumes
 * with new data at SND.MAX (no go-back-N of what the peer holds), and fast
 * retransmit is allowed again below the old SND.MAX (the RFC 6582 §4 guard
 * the timeout set was for a real loss). */
static void undo_rto(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    t->x->spur_rto = SK_SPUR_NONE;
    t->x->spur_fr = SK_SPUR_FR_NONE; /* undone once: no DSACK undo after it */
    sk_cc_spurious(t, now);
    t->x->snd_nxt = t->x->snd_max;
    /* The same ACK may have started a recovery (sk_rec_on_ack runs first:
     * it reached the timeout's SND.MAX and RACK found a loss above): its
     * RecoveryPoint stands. Lowered below SND.UNA, the next ACK would end
     * that recovery at once, and NextSeg rule (4)'s rescue ("HighACK >
     * RescueRxt", RescueRxt = RecoveryPoint) would hold again after every
     * rescue: output resent the tail without end (test_sim_tcp's sweep). */
    if (!(t->flags & SK_TF_IN_RECOVERY))
        t->x->past.recover = sk_seq_add(t->snd_una, (uint32_t)0 - 1u);
    adapt_rto(e, t, seg, now);
    e->ctx->stats.spurious_rtos++;
    sk_tcb_mark_output(e, t);
    sk_rec_enter_if_lost(e, t, now); /* a hole RACK found on this ACK */
}

/* ---- F-RTO (RFC 5682) ---- */

static bool unsent_data(const sk_tcb *t)
{
    uint32_t queued = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t sent = sk_seq_len(t->x->snd_buf_seq, t->x->snd_max);
    bool fin_unsent = (t->flags & SK_TF_FIN_QUEUED) && !(t->flags & SK_TF_FIN_SENT);
    return sent < queued || fin_unsent;
}

/* §2 step 2 (§3 step 2 with SACK): the first ACK after the timeout.
 * (a) it covers "recover" (nothing left to learn from), or is a duplicate
 * ACK: conventional recovery. With SACK, also when it does not cover all
 * that step 1 retransmitted (§3 2b). (b) otherwise send up to two new
 * segments (the allowance below) and wait for the next ACK; with no new
 * data to send, F-RTO cannot judge: conventional recovery. */
static void frto_first(sk_tcb *t, const sk_tcp_repr *seg, bool advanced)
{
    bool sack = (t->flags & SK_TF_SACK_OK) != 0;
    if (!advanced || sk_seq_ge(seg->ack, t->x->spur_recover) ||
        (sack && sk_seq_lt(seg->ack, t->x->snd_nxt)) || !unsent_data(t)) {
        t->x->spur_rto = SK_SPUR_NONE;
        return;
    }
    t->x->spur_rto = SK_SPUR_FRTO2;
    t->x->snd_nxt = t->x->snd_max;
    t->x->spur_frto_end = sk_seq_add(t->x->snd_max, 2u * sk_cc_smss(t));
}

/* With SACK (§3 step 3b): does a block report data below "recover" that
 * was never retransmitted (above SND.UNA, which the F-RTO ACK put past
 * the retransmission)? */
static bool sacked_below_recover(const sk_tcb *t)
{
    for (uint8_t i = 0; i < t->x->n_peer_sack; i++)
        if (sk_seq_lt(t->x->peer_sack[i].left, t->x->spur_recover))
            return true;
    return false;
}

/* §2 step 3 (§3 step 3): the second ACK. An ACK of new data (data sent
 * before the timeout and never retransmitted, since step 2 moved SND.UNA
 * past the retransmission) shows the originals arrived: spurious (3b).
 * A duplicate ACK (with SACK: one reporting nothing below "recover") says
 * the new segments arrived above a hole: conventional recovery with cwnd
 * at most 3 SMSS, going back to SND.UNA (3a). */
static void frto_second(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, bool advanced,
                        sk_time now)
{
    bool sack = (t->flags & SK_TF_SACK_OK) != 0;
    if (advanced || (sack && sacked_below_recover(t))) {
        undo_rto(e, t, seg, now);
        return;
    }
    t->x->spur_rto = SK_SPUR_NONE;
    sk_cc_frto_conventional(t);
    t->x->snd_nxt = t->snd_una;
    sk_tcb_mark_output(e, t);
}

uint32_t sk_spur_frto_allowance(const sk_tcb *t)
{
    if (t->x->spur_rto != SK_SPUR_FRTO2 || !sk_seq_gt(t->x->spur_frto_end, t->snd_una))
        return 0;
    uint32_t room = sk_seq_len(t->snd_una, t->x->spur_frto_end);
    return room > t->cwnd ? room - t->cwnd : 0;
}

/* ---- fast retransmit (RFC 3522 on a fast retransmit; RFC 3708) ---- */

static void fr_begin(sk_tcb *t, sk_seq una, sk_time now)
{
    dsack_episode(t, false);
    if (t->flags & SK_TF_TS_OK)
        t->x->spur_fr = SK_SPUR_FR_EIFEL;
    t->x->spur_fr_tsval = sk_ts_now(t, now);
    t->x->spur_fr_una = una;
}

/* A DSACK (seg_has_dsack) is counted when it lies in the episode's range
 * (a DSACK for an older episode, or below it, proves nothing here). */
static void fr_count_dsack(sk_tcb *t, const sk_tcp_repr *seg)
{
    if (!sk_seg_has_dsack(t, seg))
        return;
    sk_seq l = seg->opts.sack[0].left, r = seg->opts.sack[0].right;
    if (sk_seq_ge(l, t->x->spur_fr_una) && sk_seq_le(r, t->x->spur_fr_max))
        t->x->spur_fr_dsacks++;
}

static void undo_fr(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    t->x->spur_fr = SK_SPUR_FR_NONE;
    sk_cc_spurious(t, now);
    if (t->x->spur_fr_rto) {
        t->x->spur_rto = SK_SPUR_NONE; /* F-RTO has nothing left to decide */
        e->ctx->stats.spurious_rtos++;
    } else {
        e->ctx->stats.spurious_fast_retransmits++;
    }
    sk_tcb_mark_output(e, t);
}

/* After the episode's ACKs were processed. Eifel: the first ACK of new
 * data after the fast retransmit, if it is the full ACK that ended
 * recovery and its TSecr is older than the retransmission's TSval,
 * answers the original: spurious. Otherwise Eifel has had its say and
 * DSACK decides: once recovery is over and every segment retransmitted
 * since the episode began has been reported as a duplicate. */
static void fr_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, bool advanced,
                      sk_time now)
{
    fr_count_dsack(t, seg);
    bool recovering = (t->flags & SK_TF_IN_RECOVERY) != 0;
    if (t->x->spur_fr == SK_SPUR_FR_EIFEL && advanced) {
        if (!recovering && seg->opts.has_ts && ts_older(seg->opts.ts_ecr, t->x->spur_fr_tsval)) {
            undo_fr(e, t, now);
            return;
        }
        t->x->spur_fr = SK_SPUR_FR_DSACK;
    }
    uint32_t rexmits = t->x->past.retransmits - t->x->spur_fr_rexmits;
    if (!recovering && rexmits > 0 && t->x->spur_fr_dsacks >= rexmits)
        undo_fr(e, t, now);
}

/* ---- the ACK hook ---- */

static bool is_dup_ack(const sk_tcb *t, const sk_tcp_repr *seg, sk_seq prior_una)
{
    return sk_seq_eq(seg->ack, prior_una) && seg->payload_len == 0 &&
           !(seg->flags & (SK_TCP_SYN | SK_TCP_FIN)) && !sk_seq_eq(prior_una, t->x->snd_max);
}

void sk_spur_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_seq prior_una,
                    bool was_recovering, sk_time now)
{
    bool advanced = sk_seq_gt(seg->ack, prior_una);
    bool dup = is_dup_ack(t, seg, prior_una);
    switch (t->x->spur_rto) {
    case SK_SPUR_EIFEL:
        /* RFC 3522 §2 steps (3)-(5): the first acceptable ACK decides */
        if (!advanced)
            break;
        t->x->spur_rto = SK_SPUR_NONE;
        if (seg->opts.has_ts && ts_older(seg->opts.ts_ecr, t->x->spur_rto_tsval))
            undo_rto(e, t, seg, now);
        break;
    case SK_SPUR_FRTO1:
        if (advanced || dup)
            frto_first(t, seg, advanced);
        break;
    case SK_SPUR_FRTO2:
        if (advanced || dup)
            frto_second(e, t, seg, advanced, now);
        break;
    default:
        break;
    }
    /* after the timeout's own detection: an undo there ends the episode */
    if (!was_recovering && (t->flags & SK_TF_IN_RECOVERY))
        fr_begin(t, prior_una, now); /* this ACK began a fast retransmit */
    else if (t->x->spur_fr != SK_SPUR_FR_NONE)
        fr_on_ack(e, t, seg, advanced, now);
}
