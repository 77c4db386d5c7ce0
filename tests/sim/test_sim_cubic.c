/* CUBIC end to end in virtual time (RFC 9438): a bulk transfer through the
 * simulated link at 100 ms RTT, the sender's cwnd read at every ACK it
 * receives, compared with the curve RFC 9438 predicts after each loss.
 *
 * - 100 Mbit/s, 1-BDP queue, 0.5 % random loss both ways (the loss bench's
 *   cell where synack sent less than Linux): each fast recovery sets
 *   ssthresh to β = 0.7 of the window at the loss (§4.6); in each
 *   congestion avoidance stage after it, cwnd stays on or above the
 *   Reno-friendly W_est (§4.3: W_est from cwnd_epoch, + α per cwnd
 *   acknowledged, α = 3(1-β)/(1+β) until W_est reaches the window before
 *   the loss, 1 after), recomputed here in floating point from the ACKs
 *   themselves, and at most max(W_est, W_cubic(t + RTT)) (§4.2, with fast
 *   convergence §4.7 for W_max).
 * - 20 Mbit/s, 1-BDP queue, no random loss: the queue overflows at about
 *   two BDPs; the stage after that loss is the cubic curve: concave up to
 *   K, with cwnd at t = K within 2 % of W_max.
 * The sampled state: the sender's TCB as a pure ACK arrives, i.e. what the
 * previous ACKs left. */
#include "sim_pair.h"
#include "sk_test.h"

#include "api/stack_impl.h"
#include "tcp/tcp_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BETA 0.7
#define ALPHA (3 * (1 - BETA) / (1 + BETA))
#define C_CUBIC 0.4

typedef struct {
    double t;         /* seconds */
    double cwnd, ssthresh, smss; /* bytes */
    double srtt;      /* seconds */
    sk_seq una;
    bool rec;         /* in fast recovery */
    uint32_t rtos;    /* retransmission timeouts so far */
} sample;

typedef struct {
    sample *v;
    size_t n, cap;
    sk_sock sock;
    uint32_t rtos;
} trace;

static void probe(void *ctx, int side, const sk_stack *s, const sk_trace_event *ev)
{
    trace *tr = ctx;
    if (side != SP_CLIENT)
        return;
    if (ev->kind == SK_TRACE_SEG_OUT && ev->sock.idx != 0 && ev->seg != NULL && ev->seg->len > 0)
        tr->sock = ev->sock;
    if (ev->kind == SK_TRACE_TIMER && ev->timer == SK_TIMER_RETRANSMIT)
        tr->rtos++;
    if (ev->kind != SK_TRACE_SEG_IN || ev->seg == NULL || ev->seg->len != 0 || tr->sock.idx == 0)
        return;
    const sk_tcb *t = sk_stack_tcb(s, tr->sock);
    if (t == NULL || t->state != SK_TCP_ESTABLISHED || tr->n == tr->cap)
        return;
    sample *p = &tr->v[tr->n++];
    p->t = (double)ev->now / 1e6;
    p->cwnd = t->cwnd;
    p->ssthresh = t->ssthresh;
    p->smss = sk_cc_smss(t);
    p->srtt = (double)t->srtt / 1e6;
    p->una = t->snd_una;
    p->rec = (t->flags & SK_TF_IN_RECOVERY) != 0;
    p->rtos = tr->rtos;
}

static bool run(trace *tr, uint64_t seed, double loss, uint64_t bps, uint32_t bytes)
{
    sp_scenario sc;
    sp_scenario_default(&sc, seed);
    sc.name = "cubic_curve";
    sc.bytes[0] = bytes;
    sc.bytes[1] = 0;
    sc.write_max = sc.read_max = 65536;
    sc.pause_chance = 0;
    for (int d = 0; d < 2; d++) {
        memset(&sc.link[d], 0, sizeof sc.link[d]);
        sc.link[d].loss = loss;
        sc.link[d].delay_us = 50000;
        sc.link[d].bandwidth_bps = bps;
        sc.link[d].queue_limit_bytes = (uint32_t)(bps / 80); /* 1 BDP at 100 ms */
        sc.cfg[d].sndbuf = 4u << 20;
        sc.cfg[d].rcvbuf = 32u << 20;
    }
    sc.time_limit_us = 3600ull * 1000000;
    sc.probe = probe;
    sc.probe_ctx = tr;
    tr->cap = 1u << 20;
    tr->n = 0;
    tr->rtos = 0;
    tr->sock = (sk_sock){0};
    tr->v = calloc(tr->cap, sizeof *tr->v);
    SK_CHECK(tr->v != NULL);
    return tr->v != NULL && sp_run(&sc, NULL);
}

static double w_cubic(double t, double k, double w_max_seg)
{
    return C_CUBIC * (t - k) * (t - k) * (t - k) + w_max_seg;
}

static double cbrt_d(double x) /* Newton's method: no libm cube root needed */
{
    if (x <= 0)
        return 0;
    double r = x > 1 ? x / 3 : 1;
    for (int i = 0; i < 200; i++)
        r = r - (r * r * r - x) / (3 * r * r);
    return r;
}

/* What the checks of one run found. */
typedef struct {
    unsigned reductions, beta_bad;
    unsigned stages, acks, below_floor, above_curve;
    double worst_below, worst_above; /* segments */
} verdict;

/* One congestion avoidance stage from sample `i` (the first after a
 * recovery) to the next recovery; cwnd_prior and W_max (segments) from the
 * reduction before it. */
static size_t check_stage(const trace *tr, size_t i, double prior, double w_max, verdict *vd)
{
    const sample *s0 = &tr->v[i];
    double smss = s0->smss, c0 = s0->cwnd / smss, w_est = c0;
    double k = cbrt_d((w_max - c0) / C_CUBIC);
    vd->stages++;
    size_t j = i + 1;
    for (; j < tr->n && !tr->v[j].rec && tr->v[j].rtos == s0->rtos; j++) {
        const sample *a = &tr->v[j - 1], *b = &tr->v[j];
        double acked = (double)sk_seq_len(a->una, b->una) / smss;
        w_est += (w_est >= prior ? 1.0 : ALPHA) * acked / (a->cwnd / smss);
        double cw = b->cwnd / smss, t = b->t - s0->t;
        double hi = w_cubic(t + b->srtt, k, w_max);
        hi = (hi > 1.5 * cw ? 1.5 * cw : hi);
        hi = (hi > w_est ? hi : w_est);
        vd->acks++;
        if (cw < w_est - 1) {
            vd->below_floor++;
            if (w_est - cw > vd->worst_below)
                vd->worst_below = w_est - cw;
        }
        if (cw > hi + 1) {
            vd->above_curve++;
            if (cw - hi > vd->worst_above)
                vd->worst_above = cw - hi;
        }
    }
    return j;
}

static verdict check_trace(const trace *tr)
{
    verdict vd;
    memset(&vd, 0, sizeof vd);
    double w_max = 0, prior = 0;
    bool have_loss = false;
    for (size_t i = 1; i < tr->n;) {
        const sample *a = &tr->v[i - 1], *b = &tr->v[i];
        if (b->rec && !a->rec) { /* a fast recovery began: §4.6, §4.7 */
            double cw = a->cwnd / a->smss, ss = b->ssthresh / b->smss;
            vd.reductions++;
            if (ss > BETA * cw + 1 || ss < BETA * cw - 2)
                vd.beta_bad++;
            w_max = (have_loss && cw < w_max) ? cw * (1 + BETA) / 2 : cw;
            prior = cw;
            have_loss = true;
        }
        if (a->rec && !b->rec && have_loss && b->rtos == a->rtos) {
            i = check_stage(tr, i, prior, w_max, &vd);
            continue;
        }
        i++;
    }
    return vd;
}

/* 0.5 % loss at 100 ms: β at each reduction, each stage between W_est and
 * the cubic curve (one segment of slack: windows are whole bytes, the
 * check's W_est is a float). */
static void test_cubic_curve_under_loss(void)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        trace tr;
        SK_CHECK(run(&tr, seed, 0.005, 100000000, 20000000));
        verdict vd = check_trace(&tr);
        printf("  seed %llu: %zu ACKs sampled, %u reductions (%u off beta), %u stages, "
               "%u ACKs checked: %u below W_est (worst %.2f seg), %u above the curve (worst "
               "%.2f seg)\n",
               (unsigned long long)seed, tr.n, vd.reductions, vd.beta_bad, vd.stages, vd.acks,
               vd.below_floor, vd.worst_below, vd.above_curve, vd.worst_above);
        SK_CHECK(vd.reductions >= 10); /* the loss rate gives dozens */
        SK_CHECK(vd.stages >= 10);
        SK_CHECK(vd.acks > 1000);
        SK_CHECK_EQ(vd.beta_bad, 0);
        SK_CHECK_EQ(vd.below_floor, 0);
        SK_CHECK_EQ(vd.above_curve, 0);
        free(tr.v);
    }
}

/* The stage after the first loss (the queue overflowing at about two BDPs,
 * 20 Mbit/s, no random loss): W_max = the window at the loss, K =
 * cbrt((W_max - cwnd_epoch) / C) = 6.4 s for 342 segments. The stage is
 * the cubic region (W_est stays far below): at every ACK cwnd lies
 * between W_cubic(t) and W_cubic(t + RTT) (one segment of slack), the
 * growth is concave (more in the first half of the stage than in the
 * second), and cwnd flattens toward W_max: the path's capacity is W_max,
 * so the next loss comes on the plateau before t = K (the cubic curve's
 * value at K itself: test_tcp_cubic.c test_cubic_curve). */
static void test_cubic_plateau(void)
{
    trace tr;
    SK_CHECK(run(&tr, 1, 0.0, 20000000, 40000000));
    size_t i = 1;
    while (i < tr.n && !(tr.v[i].rec && !tr.v[i - 1].rec))
        i++;
    double w_max = i < tr.n ? tr.v[i - 1].cwnd / tr.v[i - 1].smss : 0;
    while (i < tr.n && tr.v[i].rec)
        i++;
    SK_CHECK(i + 1 < tr.n);
    if (i + 1 >= tr.n) {
        free(tr.v);
        return;
    }
    const sample *s0 = &tr.v[i];
    double c0 = s0->cwnd / s0->smss, k = cbrt_d((w_max - c0) / C_CUBIC);
    unsigned outside = 0, n = 0;
    size_t end = i;
    for (size_t j = i; j < tr.n && !tr.v[j].rec && tr.v[j].rtos == s0->rtos; j++, n++) {
        double t = tr.v[j].t - s0->t, cw = tr.v[j].cwnd / tr.v[j].smss;
        if (cw < w_cubic(t, k, w_max) - 1 || cw > w_cubic(t + tr.v[j].srtt, k, w_max) + 1)
            outside++;
        end = j;
    }
    double t_end = tr.v[end].t - s0->t, half_t = t_end / 2, at_half = c0;
    for (size_t j = i; j <= end && tr.v[j].t - s0->t <= half_t; j++)
        at_half = tr.v[j].cwnd / tr.v[j].smss;
    double last = tr.v[end].cwnd / tr.v[end].smss;
    printf("  W_max %.1f segments, cwnd_epoch %.1f, K %.2f s; stage of %.2f s, %u ACKs, %u "
           "off the curve; cwnd %.1f at half, %.1f at the end\n",
           w_max, c0, k, t_end, n, outside, at_half, last);
    SK_CHECK(w_max > 250); /* two BDPs are 344 segments */
    SK_CHECK(c0 > BETA * w_max - 2 && c0 < BETA * w_max + 1);
    SK_CHECK(n > 1000);
    SK_CHECK_EQ(outside, 0);
    SK_CHECK(at_half - c0 > last - at_half); /* concave */
    SK_CHECK(last > 0.97 * w_max && last <= w_max + 1);
    free(tr.v);
}

int main(void)
{
    SK_RUN(test_cubic_curve_under_loss);
    SK_RUN(test_cubic_plateau);
    return sk_test_finish();
}
