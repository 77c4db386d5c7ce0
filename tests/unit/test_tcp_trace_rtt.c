/* The trace hook's RTT-sample events (SK_TRACE_RTT): a scripted transfer in
 * virtual time whose round-trip times the test sets, and the events it
 * must produce: one per timed round trip, none for a retransmitted segment
 * (Karn), each with the virtual-time RTT as its sample and SRTT, RTTVAR and
 * RTO as RFC 6298 §2 computes them. The expected values come from the
 * RFC's formulas in real numbers (alpha 1/8, beta 1/4, K 4), with RTTs
 * chosen so that every value is a whole number of microseconds: no
 * rounding convention is assumed. */
#include "sk_test.h"
#include "tcp_script.h"

#include <string.h>

#define MAX_EVENTS 16

typedef struct {
    sk_trace_event ev[MAX_EVENTS];
    int n;
    int other; /* events of other kinds */
} rtt_log;

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    rtt_log *log = ctx;
    if (ev->kind != SK_TRACE_RTT) {
        log->other++;
        return;
    }
    if (log->n < MAX_EVENTS)
        log->ev[log->n] = *ev;
    log->n++;
}

/* RFC 6298 in real numbers: §2.2 for the first sample, §2.3 after. */
typedef struct {
    double srtt, rttvar, rto;
    bool have;
} rfc6298;

static void rfc6298_sample(rfc6298 *m, double r, double rto_min, double g)
{
    if (!m->have) {
        m->srtt = r;
        m->rttvar = r / 2;
        m->have = true;
    } else {
        double delta = m->srtt > r ? m->srtt - r : r - m->srtt;
        m->rttvar = (1 - 0.25) * m->rttvar + 0.25 * delta;
        m->srtt = (1 - 0.125) * m->srtt + 0.125 * r;
    }
    double k_var = 4 * m->rttvar;
    m->rto = m->srtt + (k_var > g ? k_var : g);
    if (m->rto < rto_min) /* §2.4 */
        m->rto = rto_min;
}

/* Event i is a sample of `r` us taken at `now` on the scripted socket, and
 * its SRTT, RTTVAR and RTO are the model's after that sample. */
static void check_event(const ts_script *ts, const rtt_log *log, int i, rfc6298 *m, uint32_t r,
                        sk_time_us now)
{
    rfc6298_sample(m, r, ts->cfg.rto_min_us, 1000);
    SK_CHECK_MSG(m->srtt == (uint32_t)m->srtt && m->rttvar == (uint32_t)m->rttvar &&
                     m->rto == (uint32_t)m->rto,
                 "sample %d: the model's values are not whole microseconds (test design)", i);
    SK_CHECK(i < log->n);
    if (i >= log->n || i >= MAX_EVENTS)
        return;
    const sk_trace_event *ev = &log->ev[i];
    SK_CHECK_EQ(ev->now, now);
    SK_CHECK_EQ(ev->sock.idx, ts->sock.idx);
    SK_CHECK_EQ(ev->sock.gen, ts->sock.gen);
    SK_CHECK_EQ(ev->rtt_us, r);
    SK_CHECK_EQ(ev->srtt_us, (uint32_t)m->srtt);
    SK_CHECK_EQ(ev->rttvar_us, (uint32_t)m->rttvar);
    SK_CHECK_EQ(ev->rto_us, (uint32_t)m->rto);
    sk_tcp_info in = ts_info(ts);
    SK_CHECK_EQ(in.srtt_us, ev->srtt_us);
    SK_CHECK_EQ(in.rttvar_us, ev->rttvar_us);
}

static void traced_config(sk_stack_config *cfg, rtt_log *log)
{
    ts_config(cfg);
    cfg->rto_min_us = 1000; /* the RFC arithmetic shows, not the floors */
    cfg->rto_var_min_us = 0;
    cfg->trace = on_trace;
    cfg->trace_ctx = log;
}

/* Handshake 80 ms; a two-segment flight acknowledged after 160 ms (one
 * timed segment per round trip: one event); 10 ms; a segment lost and
 * retransmitted on its RTO (no event); then 80 ms. */
static void test_rtt_events_follow_rfc6298(void)
{
    rtt_log log;
    memset(&log, 0, sizeof log);
    sk_stack_config cfg;
    traced_config(&cfg, &log);
    ts_script ts;
    ts_init(&ts, &cfg);
    rfc6298 m;
    memset(&m, 0, sizeof m);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(80)));
    SK_CHECK_EQ(log.n, 1);
    check_event(&ts, &log, 0, &m, 80000, TS_MS(80)); /* 80000 40000 240000 */

    sk_time_us t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 2920), 2920);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, t + TS_MS(160) - 1);
    SK_CHECK_EQ(log.n, 1);
    TS_INJECT(&ts, t + TS_MS(160), .flags = TS_A, .seq = 5001, .ack = 3921);
    SK_CHECK_EQ(log.n, 2);
    check_event(&ts, &log, 1, &m, 160000, t + TS_MS(160)); /* 90000 50000 290000 */

    t = TS_SEC(2);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 3921, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 4021);
    SK_CHECK_EQ(log.n, 3);
    check_event(&ts, &log, 2, &m, 10000, t + TS_MS(10)); /* 80000 57500 310000 */
    SK_CHECK_EQ(ts_info(&ts).rto_us, 310000);

    /* lost: retransmitted after the RTO of 310 ms, acknowledged 10 ms
     * later; the ACK may be for either copy, so no sample (RFC 6298 §3) */
    t = TS_SEC(3);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 4021, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, t + TS_MS(310) - 1);
    TS_EXPECT(&ts, t + TS_MS(310), .flags = TS_A, .seq = 4021, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(320), .flags = TS_A, .seq = 5001, .ack = 4121);
    SK_CHECK_EQ(log.n, 3);

    t = TS_SEC(4);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 4121, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(80), .flags = TS_A, .seq = 5001, .ack = 4221);
    SK_CHECK_EQ(log.n, 4);
    check_event(&ts, &log, 3, &m, 80000, t + TS_MS(80)); /* 80000 43125 252500 */
    SK_CHECK_EQ(ts_info(&ts).rto_us, 252500);
    SK_CHECK(log.other > 0); /* the hook saw the rest of the trace too */
    TS_NOTHING(&ts, TS_SEC(5));
    ts_free(&ts);
}

/* Karn's rule on the fast-retransmit path: the first segment of a flight
 * is timed, lost, and sent again on the third duplicate ACK (no timer runs
 * out); the ACK that covers it gives no event. A fresh segment afterwards
 * is timed again. */
static void test_rtt_no_event_after_fast_retransmit(void)
{
    rtt_log log;
    memset(&log, 0, sizeof log);
    sk_stack_config cfg;
    traced_config(&cfg, &log);
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000; /* initial window 4 segments (RFC 5681 §3.1) */
    rfc6298 m;
    memset(&m, 0, sizeof m);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(80)));
    check_event(&ts, &log, 0, &m, 80000, TS_MS(80));
    sk_time_us t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 4000), 4000);
    for (uint32_t i = 0; i < 4; i++)
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001 + 1000 * i, .ack = 5001, .len = 1000);
    for (uint32_t i = 1; i <= 3; i++)
        TS_INJECT(&ts, t + TS_MS(80) + i, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, t + TS_MS(80) + 3, .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 0);
    TS_INJECT(&ts, t + TS_MS(160), .flags = TS_A, .seq = 5001, .ack = 5001);
    SK_CHECK_EQ(log.n, 1);
    t = TS_SEC(2);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(160), .flags = TS_A, .seq = 5001, .ack = 5101);
    SK_CHECK_EQ(log.n, 2);
    check_event(&ts, &log, 1, &m, 160000, t + TS_MS(160));
    TS_NOTHING(&ts, TS_SEC(3));
    ts_free(&ts);
}

/* The passive side samples its SYN,ACK's round trip, and the RTO floor of
 * RFC 6298 §2.4 shows in the event (rto_min 1 s: 30 ms + 4 * 15 ms is
 * raised to 1 s). */
static void test_rtt_event_passive_and_floor(void)
{
    rtt_log log;
    memset(&log, 0, sizeof log);
    sk_stack_config cfg;
    traced_config(&cfg, &log);
    cfg.rto_min_us = 1000000;
    ts_script ts;
    ts_init(&ts, &cfg);
    rfc6298 m;
    memset(&m, 0, sizeof m);
    SK_CHECK(ts_open_passive(&ts, TS_MS(5), TS_MS(30)));
    SK_CHECK_EQ(log.n, 1);
    check_event(&ts, &log, 0, &m, 30000, TS_MS(35));
    SK_CHECK_EQ(log.ev[0].rto_us, 1000000);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_rtt_events_follow_rfc6298);
    SK_RUN(test_rtt_no_event_after_fast_retransmit);
    SK_RUN(test_rtt_event_passive_and_floor);
    return sk_test_finish();
}
