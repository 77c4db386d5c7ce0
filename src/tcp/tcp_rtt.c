/* Round-trip time estimation and the retransmission timeout (RFC 6298). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

#include <string.h>

#define CLOCK_G_US 1000u /* clock granularity G of RFC 6298 §2 */

static uint32_t clamp_rto(uint64_t rto, const sk_stack_config *cfg)
{
    if (rto < cfg->rto_min_us)
        rto = cfg->rto_min_us;
    if (rto > cfg->rto_max_us)
        rto = cfg->rto_max_us;
    return (uint32_t)rto;
}

/* RFC 6298 §2.1: before any measurement RTO is the initial value. */
void sk_rtt_init(sk_tcb *t)
{
    t->srtt = 0;
    t->rttvar = 0;
    t->min_rtt = 0;
    t->min_rtt_age = 0;
    t->flags &= ~(uint32_t)SK_TF_RTO_3S; /* the RTO follows (sk_tcb_rto) */
}

/* The minimum RTT over a window: a sample at or below the current minimum
 * replaces it, and so does any sample once the minimum is older than
 * SK_MIN_RTT_WINDOW_US (300 s, Linux's tcp_min_rtt_wlen). Simpler than
 * Linux's three-sample windowed min filter: after expiry the minimum
 * restarts from the next sample rather than from the best of the window's
 * later samples, so it can read high for up to one window. */
static void track_min_rtt(sk_tcb *t, uint32_t r, sk_time now)
{
    /* samples come from a segment being processed: its sk_tcb_heard set
     * last_rcv to now, so "taken now" is an age of 0 */
    SK_ASSERT(now == t->last_rcv);
    uint64_t since = (now - t->last_rcv) + (uint64_t)t->min_rtt_age;
    if (t->min_rtt == 0 || r <= t->min_rtt || since > SK_MIN_RTT_WINDOW_US) {
        t->min_rtt = r;
        t->min_rtt_age = 0;
    }
}

static void trace_rtt(sk_tcp_env *e, const sk_tcb *t, uint32_t r, sk_time now)
{
    if (!sk_ctx_tracing(e->ctx))
        return;
    sk_trace_event ev;
    sk_tcp_trace_init(e, t, SK_TRACE_RTT, now, &ev);
    ev.rtt_us = r;
    ev.srtt_us = t->srtt;
    ev.rttvar_us = t->rttvar;
    ev.rto_us = sk_tcb_rto(e, t);
    sk_ctx_trace(e->ctx, &ev);
}

/* RFC 6298 (2.3): RTO = SRTT + max(G, K*RTTVAR), K = 4, then (2.4) the
 * floor rto_min_us. Deviation (docs/rfc-coverage.md, "minimum RTO"): the
 * variance term has its own floor, rto_var_min_us (Linux's tcp_rto_min
 * applies there, not to the sum), so the RTO stays at least that far
 * above SRTT: at 100 ms RTT with a steady RTTVAR the plain formula gives
 * the 200 ms floor, the tail loss probe's PTO (2 SRTT, RFC 8985 §7.2) is
 * then due at the same time, and one lost ACK became a timeout. */
static uint32_t rto_of(uint32_t srtt, uint32_t rttvar, const sk_stack_config *cfg)
{
    uint64_t k_var = (uint64_t)rttvar * 4;
    if (k_var < CLOCK_G_US)
        k_var = CLOCK_G_US;
    if (k_var < cfg->rto_var_min_us)
        k_var = cfg->rto_var_min_us;
    return clamp_rto((uint64_t)srtt + k_var, cfg);
}

void sk_rtt_rebase(sk_tcb *t, uint32_t srtt, uint32_t rttvar)
{
    SK_ASSERT(srtt != 0); /* a rebase follows a sample (tcp_spurious.c) */
    t->srtt = srtt;
    t->rttvar = rttvar;
}

uint32_t sk_rto_initial(const sk_stack_config *cfg)
{
    return clamp_rto(cfg->rto_initial_us, cfg);
}

uint32_t sk_rto_backoff(const sk_stack_config *cfg, uint32_t rto, uint32_t k)
{
    uint64_t r = (uint64_t)rto << (k < 16 ? k : 16);
    return r > cfg->rto_max_us ? cfg->rto_max_us : (uint32_t)r;
}

uint32_t sk_tcb_rto(const sk_tcp_env *e, const sk_tcb *t)
{
    const sk_stack_config *cfg = &e->ctx->cfg;
    if (t->srtt != 0)
        return rto_of(t->srtt, t->rttvar, cfg);
    uint32_t rto = sk_rto_initial(cfg);
    uint32_t fallback = cfg->rto_max_us < 3000000u ? cfg->rto_max_us : 3000000u;
    return (t->flags & SK_TF_RTO_3S) && rto < fallback ? fallback : rto;
}

/* Here, beside sk_tcb_rto, which every timer arm computes through it. */
uint32_t sk_tcb_rto_current(const sk_tcb *t, const sk_tcp_env *e)
{
    return sk_rto_backoff(&e->ctx->cfg, sk_tcb_rto(e, t), t->x->past.backoff);
}

void sk_rtt_sample(sk_tcp_env *e, sk_tcb *t, uint32_t r, sk_time now, sk_cc_ack *facts)
{
    if (r == 0)
        r = 1;
    if (t->srtt == 0) {
        /* §2.2: first measurement */
        t->srtt = r;
        t->rttvar = r / 2;
    } else {
        /* §2.3: beta = 1/4, alpha = 1/8 */
        uint32_t delta = t->srtt > r ? t->srtt - r : r - t->srtt;
        t->rttvar = (uint32_t)(((uint64_t)t->rttvar * 3 + delta) / 4);
        t->srtt = (uint32_t)(((uint64_t)t->srtt * 7 + r) / 8);
    }
    track_min_rtt(t, r, now);
    trace_rtt(e, t, r, now);
    if (facts != NULL) {
        facts->rtt_us = r;
        facts->srtt_us = t->srtt;
        facts->min_rtt_us = t->min_rtt;
    }
}
