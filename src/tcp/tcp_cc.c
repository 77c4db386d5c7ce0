/* Congestion control events (tcp_cc.h): the connection reports, the
 * algorithm (tcp_cc_newreno.c, tcp_cc_cubic.c) sets cwnd and ssthresh.
 * The loss-recovery window arithmetic every algorithm shares (RFC 5681
 * §3.2, RFC 6582 §3.2) is here, so that no file outside tcp_cc*.c writes
 * cwnd or ssthresh; the recovery state machine (dup-ACK counting, recover,
 * which segment to retransmit) stays in tcp_input.c and tcp_timer.c. */
#include "tcp/tcp_conn.h"

#include <string.h>

const sk_cc_ops *const sk_cc_builtin[] = {&sk_cc_cubic, &sk_cc_newreno};
#define N_BUILTIN (sizeof sk_cc_builtin / sizeof sk_cc_builtin[0])
_Static_assert(N_BUILTIN < SK_CC_ID_CUSTOM, "a built-in algorithm's id fits below SK_CC_ID_CUSTOM in cc_id");

const sk_cc_ops *sk_cc_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_BUILTIN; i++) {
        if (strcmp(sk_cc_builtin[i]->name, name) == 0)
            return sk_cc_builtin[i];
    }
    return NULL;
}

void sk_tcb_set_cc_ops(sk_tcb *t, const sk_cc_ops *ops)
{
    for (size_t i = 0; i < N_BUILTIN; i++) {
        if (sk_cc_builtin[i] == ops) {
            t->cc_id = (unsigned)i & 3u;
            return;
        }
    }
    t->x->cc_custom = ops; /* the caller attached t's extension */
    t->cc_id = SK_CC_ID_CUSTOM;
}

/* Timestamps on every segment: 10 bytes padded to 12 (RFC 7323 appendix A). */
#define SK_CC_TS_OPT_LEN 12u

uint32_t sk_cc_smss(const sk_tcb *t)
{
    uint32_t opts = (t->flags & SK_TF_TS_OK) ? SK_CC_TS_OPT_LEN : 0u;
    return t->snd_mss > opts ? t->snd_mss - opts : t->snd_mss;
}

uint32_t sk_cc_slow_start_inc(const sk_tcb *t, uint32_t acked)
{
    uint32_t l = 2u * sk_cc_smss(t);
    return acked < l ? acked : l;
}

bool sk_cc_slow_start_limited(sk_cc_usage *u, const sk_tcb *t, const sk_cc_ack *a)
{
    uint32_t before = a->in_flight + a->acked; /* SND.UNA..SND.MAX before the ACK */
    uint32_t max = u->max_flight > before ? u->max_flight : before;
    bool limited = !a->app_limited || 2u * (uint64_t)max > t->cwnd;
    if (!u->started) { /* the first round: it holds what this ACK saw */
        u->started = 1;
        u->round_end = t->x->snd_max;
    } else if (sk_seq_ge(a->ack, u->round_end)) {
        u->round_end = t->x->snd_max;
        max = a->in_flight;
    }
    u->max_flight = max & 0x7fffffffu;
    return limited;
}

void sk_cc_frto_conventional(sk_tcb *t)
{
    uint32_t cap = 3u * sk_cc_smss(t);
    if (t->cwnd > cap)
        t->cwnd = cap;
}

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)), with 10 generalised to
 * the configured count N as min(N*MSS, max(2*MSS, N*1460)); N = 0 keeps
 * RFC 5681 §3.1's rule (2, 3 or 4 segments by SMSS). */
uint32_t sk_cc_initial_window(const sk_tcb *t)
{
    uint32_t mss = sk_cc_smss(t);
    if (t->x->iw_segs == 0)
        return mss > 2190 ? 2 * mss : (mss > 1095 ? 3 * mss : 4 * mss);
    uint32_t n = t->x->iw_segs;
    uint32_t cap = n * 1460u > 2 * mss ? n * 1460u : 2 * mss;
    return n * mss < cap ? n * mss : cap;
}

/* tcp_cc.h. Counting Limited Transmit's bytes as they went out took a whole
 * frame out of FlightSize when it crossed cwnd part way
 * (test_limited_transmit_counts_bytes_beyond_cwnd). */
uint32_t sk_cc_flight_for_ssthresh(const sk_tcb *t)
{
    uint32_t fl = sk_seq_len(t->snd_una, t->x->snd_max);
    return fl < t->cwnd ? fl : t->cwnd;
}

uint32_t sk_cc_full_ack_window(const sk_tcb *t, sk_seq ack)
{
    uint32_t fl = sk_seq_len(ack, t->x->snd_max);
    uint32_t smss = sk_cc_smss(t);
    uint32_t w = (fl > smss ? fl : smss) + smss;
    return w < t->ssthresh ? w : t->ssthresh;
}

/* Application-limited: all queued data had been sent and less than cwnd
 * was in flight when the ACK came. */
void sk_cc_ack_facts(const sk_tcb *t, sk_seq ack, sk_time now, sk_cc_ack *a)
{
    uint32_t queued = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t sent = sk_seq_len(t->x->snd_buf_seq, t->x->snd_nxt);
    memset(a, 0, sizeof *a);
    a->now = now;
    a->ack = ack;
    a->acked = sk_seq_len(t->snd_una, ack);
    a->srtt_us = t->srtt;
    a->min_rtt_us = t->min_rtt;
    a->in_flight = sk_seq_len(ack, t->x->snd_max);
    a->delivered = sk_tcb_delivered(t) + a->acked;
    a->in_recovery = (t->flags & SK_TF_IN_RECOVERY) != 0;
    a->app_limited = sent >= queued && sk_seq_len(t->snd_una, t->x->snd_nxt) < t->cwnd;
}

void sk_cc_init(sk_tcb *t, sk_time now)
{
    memset(&t->x->cc_priv, 0, sizeof t->x->cc_priv);
    sk_tcb_cc(t)->init(t, now);
}

void sk_cc_select(sk_tcb *t, const sk_cc_ops *ops, sk_time now)
{
    uint32_t cwnd = t->cwnd, ssthresh = t->ssthresh;
    sk_tcb_set_cc_ops(t, ops);
    sk_cc_init(t, now);
    t->cwnd = cwnd;
    t->ssthresh = ssthresh;
}

void sk_cc_on_ack(sk_tcb *t, const sk_cc_ack *a)
{
    sk_tcb_cc(t)->on_ack(t, a);
}

/* RFC 6582 §3.2 step 2 (RFC 5681 §3.2 steps 2-3): the algorithm sets
 * ssthresh and cwnd, then cwnd is inflated by the three segments the
 * duplicate ACKs say have left the network. */
void sk_cc_enter_recovery(sk_tcb *t, sk_time now)
{
    sk_tcb_cc(t)->on_congestion(t, SK_CC_LOSS, now);
    t->cwnd = t->ssthresh + 3u * sk_cc_smss(t);
}

/* Step 4: each further duplicate ACK inflates cwnd by one SMSS. */
void sk_cc_dupack_in_recovery(sk_tcb *t)
{
    t->cwnd += sk_cc_smss(t);
}

/* Step 5: deflate by the bytes acknowledged and add back one SMSS if at
 * least one SMSS was acknowledged. */
void sk_cc_partial_ack(sk_tcb *t, uint32_t acked)
{
    uint32_t smss = sk_cc_smss(t);
    t->cwnd = acked < t->cwnd ? t->cwnd - acked : smss;
    if (acked >= smss)
        t->cwnd += smss;
}

void sk_cc_prr_enter(sk_tcb *t, sk_time now)
{
    sk_tcb_cc(t)->on_congestion(t, SK_CC_LOSS, now);
}

void sk_cc_prr_set(sk_tcb *t, uint32_t cwnd)
{
    t->cwnd = cwnd;
}

/* The algorithm's own exit (CUBIC starts a new epoch), then RFC 6937's
 * "cwnd = ssthresh" at the end of recovery. */
void sk_cc_prr_exit(sk_tcb *t, const sk_cc_ack *a)
{
    sk_tcb_cc(t)->on_recovery_exit(t, a);
    t->cwnd = t->ssthresh;
}

void sk_cc_recovery_exit(sk_tcb *t, const sk_cc_ack *a)
{
    sk_tcb_cc(t)->on_recovery_exit(t, a);
}

/* A timeout inside fast recovery belongs to the loss episode whose entry
 * already reduced ssthresh (RFC 5681 §3.2, RFC 6582 and RFC 6675: one
 * reduction per episode); the cut of RFC 5681 §3.1 eqn. 4 / RFC 9438 §4.8
 * again, from a FlightSize that PRR had already shrunk, would make it two
 * (0.49 for CUBIC, and W_max twice lowered by fast convergence). Linux's
 * tcp_enter_loss keeps ssthresh then too. The loss window applies. */
void sk_cc_timeout(sk_tcb *t, bool first, sk_time now)
{
    if (!first) {
        t->cwnd = sk_cc_smss(t); /* loss window again; ssthresh held (RFC 5681 §3.1) */
        return;
    }
    bool in_recovery = (t->flags & SK_TF_IN_RECOVERY) != 0;
    sk_tcb_cc(t)->on_congestion(t, in_recovery ? SK_CC_TIMEOUT_IN_RECOVERY : SK_CC_TIMEOUT, now);
}

void sk_cc_ecn(sk_tcb *t, sk_time now)
{
    sk_tcb_cc(t)->on_congestion(t, SK_CC_ECN, now);
}

void sk_cc_after_idle(sk_tcb *t, sk_time now)
{
    sk_tcb_cc(t)->after_idle(t, now);
}

void sk_cc_spurious(sk_tcb *t, sk_time now)
{
    sk_tcb_cc(t)->on_spurious(t, now);
}
