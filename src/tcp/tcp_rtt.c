/* Round-trip time estimation and the retransmission timeout (RFC 6298). */
#include "tcp/tcp_conn.h"

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
void sk_rtt_init(sk_tcb *t, const sk_stack_config *cfg)
{
    t->srtt = 0;
    t->rttvar = 0;
    t->rto = clamp_rto(cfg->rto_initial_us, cfg);
}

void sk_rtt_sample(sk_tcp_env *e, sk_tcb *t, uint32_t r, sk_time now)
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
    uint64_t k_var = (uint64_t)t->rttvar * 4;
    t->rto = clamp_rto((uint64_t)t->srtt + (k_var > CLOCK_G_US ? k_var : CLOCK_G_US), &e->cfg);
    if (e->cfg.trace != NULL) {
        sk_trace_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = SK_TRACE_RTT;
        ev.now = now;
        ev.sock = sk_tcb_handle(e, t);
        ev.rtt_us = r;
        ev.srtt_us = t->srtt;
        ev.rttvar_us = t->rttvar;
        ev.rto_us = t->rto;
        e->cfg.trace(e->cfg.trace_ctx, &ev);
    }
}
