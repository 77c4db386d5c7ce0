/* The cause the stack reports with each retransmission (SK_TRACE_RETRANSMIT
 * and sk_stats.retransmits_by_cause): a scripted connection drives each path
 * that resends, and a trace recorder checks that every retransmitted segment
 * carries the cause of the path that scheduled it - timeout and the
 * go-back-N resends of the same timeout (RFC 6298 §5.4, RFC 5681 §3.1),
 * three duplicate ACKs (RFC 5681 §3.2), a partial ACK (RFC 6582 §3.2 step
 * 5), SYN and SYN,ACK retransmission, the byte of a zero-window probe - that
 * first transmissions carry none, and that the counters agree. */
#include "sk_test.h"
#include "tcp_script.h"

#include <string.h>

#define REC_CAP 64

typedef struct {
    uint32_t seq[REC_CAP];
    uint32_t len[REC_CAP];
    enum sk_rexmit_cause cause[REC_CAP];
    unsigned n;
    unsigned seg_out_with_cause; /* SEG_OUT/SEG_IN events with a cause: must stay 0 */
    unsigned bad_ends;           /* connection events whose ends are not the segment's */
} rec;

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    rec *r = ctx;
    if (ev->kind != SK_TRACE_RETRANSMIT) {
        if (ev->rexmit_cause != SK_REXMIT_NONE)
            r->seg_out_with_cause++;
        return;
    }
    /* the event names its connection: our end is the segment's source */
    if (ev->local.port != ev->seg->src.port || ev->remote.port != ev->seg->dst.port)
        r->bad_ends++;
    if (r->n < REC_CAP) {
        r->seq[r->n] = ev->seg->seq;
        r->len[r->n] = ev->seg->len;
        r->cause[r->n] = ev->rexmit_cause;
    }
    r->n++;
}

static void init_traced(ts_script *ts, rec *r, bool newreno)
{
    memset(r, 0, sizeof *r);
    sk_stack_config cfg;
    if (newreno)
        ts_config_newreno(&cfg);
    else
        ts_config(&cfg);
    cfg.trace = on_trace;
    cfg.trace_ctx = r;
    ts_init(ts, &cfg);
}

/* The i-th retransmission was `seq` for `cause`. */
static void check_rexmit(const rec *r, unsigned i, uint32_t seq, enum sk_rexmit_cause cause, int line)
{
    if (i >= r->n) {
        sk_test_fail(__FILE__, line, "retransmission %u missing (%u traced)", i, r->n);
        return;
    }
    if (r->seq[i] != seq || r->cause[i] != cause)
        sk_test_fail(__FILE__, line, "retransmission %u: seq %u cause %s, want seq %u cause %s", i,
                     r->seq[i], sk_rexmit_cause_name(r->cause[i]), seq, sk_rexmit_cause_name(cause));
}

/* The statistics count exactly what the trace reported. */
static void check_counts(const ts_script *ts, const rec *r)
{
    const sk_stats *st = sk_stack_stats(ts->s);
    uint64_t want[SK_REXMIT__COUNT] = {0};
    for (unsigned i = 0; i < r->n && i < REC_CAP; i++)
        want[r->cause[i]]++;
    for (int c = 0; c < SK_REXMIT__COUNT; c++)
        SK_CHECK_EQ(st->retransmits_by_cause[c], want[c]);
    SK_CHECK_EQ(st->retransmits, r->n);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_NONE], 0);
    SK_CHECK_EQ(r->seg_out_with_cause, 0);
    SK_CHECK_EQ(r->bad_ends, 0);
}

static void open_mss1000(ts_script *ts, rec *r)
{
    init_traced(ts, r, true);
    ts->peer_mss = 1000;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
}

static void data(ts_script *ts, sk_time_us t, uint32_t seq, int line)
{
    ts_expect_(ts, __FILE__, line, t, (ts_seg){.flags = TS_A, .seq = seq, .ack = 5001, .len = 1000});
}

static void ack(ts_script *ts, sk_time_us t, uint32_t a)
{
    TS_INJECT(ts, t, .flags = TS_A, .seq = 5001, .ack = a);
}

/* The timer fires: the oldest segment goes again, and after its ACK the
 * rest of the window follows (go-back-N): all three are "after a timeout",
 * although only the first was sent by the timer itself. */
static void test_timeout_and_go_back_n(void)
{
    ts_script ts;
    rec r;
    open_mss1000(&ts, &r);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 3000), 3000);
    for (uint32_t i = 0; i < 3; i++)
        data(&ts, TS_SEC(1), 1001 + 1000 * i, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(r.n, 0); /* first transmissions are not retransmissions */
    sk_time_us t = TS_SEC(2);   /* RTO 1 s */
    TS_NOTHING(&ts, t - 1);
    data(&ts, t, 1001, __LINE__); /* cwnd is one segment after a timeout */
    TS_NOTHING(&ts, t);
    ack(&ts, t + TS_MS(10), 2001);
    data(&ts, t + TS_MS(10), 2001, __LINE__);
    data(&ts, t + TS_MS(10), 3001, __LINE__);
    TS_NOTHING(&ts, t + TS_MS(10));
    SK_CHECK_EQ(r.n, 3);
    check_rexmit(&r, 0, 1001, SK_REXMIT_TIMEOUT, __LINE__);
    check_rexmit(&r, 1, 2001, SK_REXMIT_TIMEOUT, __LINE__);
    check_rexmit(&r, 2, 3001, SK_REXMIT_TIMEOUT, __LINE__);
    check_counts(&ts, &r);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1);
    ack(&ts, t + TS_MS(20), 4001);
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ(r.n, 3);
    ts_free(&ts);
}

/* Fast retransmit on the third duplicate ACK; the two before it only
 * release new data (Limited Transmit), which is no retransmission. */
static void test_three_dupacks(void)
{
    ts_script ts;
    rec r;
    open_mss1000(&ts, &r);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 6000), 6000);
    for (uint32_t i = 0; i < 4; i++)
        data(&ts, TS_SEC(1), 1001 + 1000 * i, __LINE__);
    sk_time_us t = TS_MS(1010);
    ack(&ts, t, 1001);
    data(&ts, t, 5001, __LINE__);
    ack(&ts, t, 1001);
    data(&ts, t, 6001, __LINE__);
    SK_CHECK_EQ(r.n, 0);
    ack(&ts, t, 1001);
    data(&ts, t, 1001, __LINE__);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(r.n, 1);
    check_rexmit(&r, 0, 1001, SK_REXMIT_FAST, __LINE__);
    check_counts(&ts, &r);
    ack(&ts, t + TS_MS(10), 7001);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}

/* NewReno with two holes: fast retransmit of the first, then the partial
 * ACK retransmits the second at once, with its own cause. */
static void test_partial_ack(void)
{
    ts_script ts;
    rec r;
    open_mss1000(&ts, &r);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 6000), 6000);
    for (uint32_t i = 0; i < 4; i++)
        data(&ts, TS_SEC(1), 1001 + 1000 * i, __LINE__);
    /* 1001 and 3001 are lost; 2001 and 4001 arrive, then the Limited
     * Transmit segment 5001 */
    sk_time_us t = TS_MS(1010);
    ack(&ts, t, 1001);
    data(&ts, t, 5001, __LINE__);
    ack(&ts, t, 1001);
    data(&ts, t, 6001, __LINE__);
    ack(&ts, t, 1001);
    data(&ts, t, 1001, __LINE__);
    TS_NOTHING(&ts, t);
    ack(&ts, t + TS_MS(10), 3001); /* the retransmission filled the first hole */
    data(&ts, t + TS_MS(10), 3001, __LINE__);
    ts_discard(&ts, t + TS_MS(10));
    SK_CHECK_EQ(r.n, 2);
    check_rexmit(&r, 0, 1001, SK_REXMIT_FAST, __LINE__);
    check_rexmit(&r, 1, 3001, SK_REXMIT_PARTIAL_ACK, __LINE__);
    check_counts(&ts, &r);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    ack(&ts, t + TS_MS(20), 7001);
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ(r.n, 2);
    ts_free(&ts);
}

/* The SYN and, on the passive side, the SYN,ACK sent again by their timer. */
static void test_syn_and_synack(void)
{
    ts_script ts;
    rec r;
    init_traced(&ts, &r, false);
    sk_connect_opts co = {.local_port = TS_US_PORT_ACTIVE, .fixed_isn = true, .isn = TS_US_ISN};
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, TS_PEER_PORT_ACTIVE);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    const ts_out *o = ts_next(&ts, 0);
    SK_CHECK(o != NULL && o->hdr.flags == TS_S);
    TS_NOTHING(&ts, TS_SEC(1) - 1);
    o = ts_next(&ts, TS_SEC(1));
    SK_CHECK(o != NULL && o->hdr.flags == TS_S && o->hdr.seq.v == TS_US_ISN);
    SK_CHECK_EQ(r.n, 1);
    check_rexmit(&r, 0, TS_US_ISN, SK_REXMIT_SYN, __LINE__);
    check_counts(&ts, &r);
    ts_free(&ts);

    init_traced(&ts, &r, false);
    SK_CHECK(ts_listen(&ts, 0));
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = TS_PEER_ISN, .sport = TS_PEER_PORT_PASSIVE,
              .dport = TS_US_PORT_PASSIVE, TS_MSS(1000));
    o = ts_next(&ts, 0);
    SK_CHECK(o != NULL && o->hdr.flags == TS_SA);
    TS_NOTHING(&ts, TS_SEC(1) - 1);
    o = ts_next(&ts, TS_SEC(1));
    SK_CHECK(o != NULL && o->hdr.flags == TS_SA);
    SK_CHECK_EQ(r.n, 1);
    check_rexmit(&r, 0, TS_US_ISN, SK_REXMIT_SYN, __LINE__);
    check_counts(&ts, &r);
    ts_free(&ts);
}

/* A zero window: the persist timer's probe byte is not a retransmission,
 * however often it goes; the segment that carries it again once the
 * window opens is one, for the probe's sake (not a timeout). */
static void test_window_probe_byte(void)
{
    ts_script ts;
    rec r;
    init_traced(&ts, &r, false);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 500), 500);
    TS_NOTHING(&ts, TS_MS(200));
    sk_time_us t = TS_MS(1200);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
    TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    t += TS_SEC(2);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
    SK_CHECK_EQ(r.n, 0);
    TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(65535));
    TS_EXPECT(&ts, t + TS_MS(10), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 500);
    TS_NOTHING(&ts, t + TS_MS(10));
    SK_CHECK_EQ(r.n, 1);
    check_rexmit(&r, 0, 1001, SK_REXMIT_WINDOW_PROBE, __LINE__);
    check_counts(&ts, &r);
    TS_INJECT(&ts, t + TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1501);
    TS_NOTHING(&ts, t + TS_SEC(100));
    ts_free(&ts);
}

/* The names and sentences of the public table. */
static void test_cause_names(void)
{
    SK_CHECK(strcmp(sk_rexmit_cause_name(SK_REXMIT_TIMEOUT), "timeout") == 0);
    SK_CHECK(strcmp(sk_rexmit_cause_name(SK_REXMIT_PARTIAL_ACK), "partial-ack") == 0);
    SK_CHECK(strcmp(sk_rexmit_cause_name(SK_REXMIT__COUNT), "?") == 0);
    SK_CHECK(strcmp(sk_rexmit_cause_str((enum sk_rexmit_cause)-1), "unknown retransmission cause") == 0);
    for (int c = 0; c < SK_REXMIT__COUNT; c++)
        SK_CHECK(strlen(sk_rexmit_cause_str((enum sk_rexmit_cause)c)) > 10);
}

int main(void)
{
    SK_RUN(test_timeout_and_go_back_n);
    SK_RUN(test_three_dupacks);
    SK_RUN(test_partial_ack);
    SK_RUN(test_syn_and_synack);
    SK_RUN(test_window_probe_byte);
    SK_RUN(test_cause_names);
    return sk_test_finish();
}
