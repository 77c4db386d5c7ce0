/* TCP timestamps (RFC 7323 §3-5): negotiation, the TS.Recent echo rules,
 * RTT measurement (RTTM) and PAWS; the TIME-WAIT reopen rule of RFC 6191.
 *
 * The clock: TSval = now in milliseconds + a per-4-tuple offset (1 ms
 * ticks, within §5.4's 1 ms .. 1 s bound); from `now` only, never a clock
 * read. Timestamps are compared modulo 2^32 like sequence numbers (§5.2).
 *
 * Segments without timestamps on a connection that negotiated them: §3.2
 * "a TCP SHOULD silently drop" a non-RST one; we do, and count it
 * (TCP_NO_TS). RSTs are never dropped for their timestamps (§3.2, §5.3). */
#include "tcp/tcp_conn.h"

uint32_t sk_ts_now(const sk_tcb *t, sk_time now)
{
    return sk_ts_ms(now) + t->ts_offset;
}

/* §3.2: timestamps are on when our SYN offered them (the configuration;
 * the SYN,ACK answers only an offer) and the peer's SYN carries them. */
void sk_ts_on_syn(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!e->ctx->cfg.timestamps || !seg->opts.has_ts) {
        t->flags &= ~(uint32_t)SK_TF_TS_OK;
        return;
    }
    t->flags |= SK_TF_TS_OK;
    t->ts_recent = seg->opts.ts_val;
    t->ts_recent_ms = sk_ts_ms(now);
}

/* §5.5's age, to 1 ms, from a 32-bit stamp (after 24 days of silence,
 * before it could wrap, sk_tcb_heard marks it past the limit). */
static bool ts_recent_valid(const sk_tcb *t, sk_time now)
{
    return sk_ts_ms(now) - t->ts_recent_ms <= SK_PAWS_IDLE_MS;
}

enum sk_paws sk_ts_paws(sk_tcp_env *e, bool ts_on, bool recent_valid, uint32_t ts_recent,
                        const sk_tcp_repr *seg, sk_tcb *t, sk_time now)
{
    if (!ts_on || (seg->flags & SK_TCP_RST))
        return SK_PAWS_OK;
    if (!seg->opts.has_ts) {
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_TS, t, now);
        return SK_PAWS_DROP;
    }
    /* R1: SEG.TSval < TS.Recent with TS.Recent valid: an old duplicate.
     * Drop it and acknowledge (§5.3, as RFC 9293 does for unacceptable
     * segments), so that a peer that lost our ACK hears it again. */
    if (recent_valid && sk_ts_before(seg->opts.ts_val, ts_recent)) {
        sk_tcp_count_drop(e, SK_DROP_TCP_PAWS, t, now);
        return SK_PAWS_ANSWER;
    }
    return SK_PAWS_OK;
}

bool sk_ts_check(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    enum sk_paws v = sk_ts_paws(e, (t->flags & SK_TF_TS_OK) != 0, ts_recent_valid(t, now),
                                t->ts_recent, seg, t, now);
    if (v == SK_PAWS_ANSWER) {
        t->flags |= SK_TF_ACK_NOW;
        sk_tcb_mark_output(e, t);
    }
    return v == SK_PAWS_OK;
}

/* §4.3 (2) and §5.3 R3: TS.Recent follows the segment that covers
 * Last.ACK.sent, so that with delayed ACKs we echo the earliest
 * unacknowledged segment's TSval (§4.3 case A), an out-of-order segment
 * does not update it (case C), and the segment that fills a hole does. An
 * invalid TS.Recent (§5.5) is replaced by the next acceptable one.
 * Last.ACK.sent is the newest ACK already decided (sk_ack_point): within a
 * batch of segments read before output runs, each owed ACK is as good as
 * sent, so the segment after it starts the next echo (tcp_ack.c). */
void sk_ts_record(sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!(t->flags & SK_TF_TS_OK) || !seg->opts.has_ts || (seg->flags & SK_TCP_RST))
        return;
    if (!sk_seq_le(seg->seq, sk_ack_point(t)))
        return;
    if (sk_ts_before(seg->opts.ts_val, t->ts_recent) && ts_recent_valid(t, now))
        return;
    t->ts_recent = seg->opts.ts_val;
    t->ts_recent_ms = sk_ts_ms(now);
}

/* §4.1 RTTM: RTT = now - TSecr from every ACK that advances SND.UNA (the
 * echo names the transmission it answers, so retransmissions are timed
 * too; §4.2's delayed-ACK rule is the receiver's, applied above).
 *
 * Deviation: an ACK carrying a D-SACK (RFC 2883) gives no sample. A
 * duplicate drew it, and a duplicate does not update the receiver's
 * TS.Recent (§4.3 (2): it does not cover Last.ACK.sent), so the echo names
 * an older segment, the last that arrived in order, however long ago:
 * after lost ACKs and a timeout's copy, seconds (2.15 s on a 100 ms path
 * in the loss benchmark, where 96 of the 112 samples from D-SACK ACKs were
 * 300 ms or more), which raised SRTT and RTTVAR and left the RTO at 1-7 s
 * for the next timeouts. adapt_rto (tcp_spurious.c) ignores such an echo
 * for the same reason. No Karn timing in its place: the caller treats
 * the ACK as timed. */
bool sk_ts_rtt(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now, sk_cc_ack *facts)
{
    if (!(t->flags & SK_TF_TS_OK) || !seg->opts.has_ts || !(seg->flags & SK_TCP_ACK) ||
        !sk_seq_gt(seg->ack, t->snd_una))
        return false;
    if (sk_seg_has_dsack(t, seg)) /* tcp_spurious.c */
        return true;
    uint32_t ms = sk_ts_now(t, now) - seg->opts.ts_ecr;
    if (ms >= 0x80000000u) /* an echo from the future: not ours */
        return false;
    uint64_t us = (uint64_t)ms * 1000u;
    e->ctx->stats.ts_rtt_samples++;
    sk_rtt_sample(e, t, us > UINT32_MAX ? UINT32_MAX : (uint32_t)us, now, facts);
    return true;
}

/* RFC 6191 §2: with timestamps on the old incarnation and in the SYN, a
 * SYN reopens TIME-WAIT when its TSval is newer than TS.Recent, or equal
 * with a higher sequence number; otherwise the sequence-number rule of
 * RFC 9293 §3.6.1 / RFC 1122 §4.2.2.13 decides. */
bool sk_ts_reopen_ok(const sk_tcb *t, const sk_tcp_repr *seg)
{
    bool seq_newer = sk_seq_gt(seg->seq, t->rcv_nxt);
    if (!(t->flags & SK_TF_TS_OK) || !seg->opts.has_ts)
        return seq_newer;
    if (seg->opts.ts_val == t->ts_recent)
        return seq_newer;
    return sk_ts_before(t->ts_recent, seg->opts.ts_val);
}
