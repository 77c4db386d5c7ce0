/* The congestion control events and their facts, as the connection reports
 * them (tcp_cc.h): a recording algorithm (NewReno's windows underneath) is
 * put on a scripted connection, and each event is checked against what the
 * segments said: bytes acked, the RTT sample of the ACK (Karn: only the
 * timed segment), srtt and min RTT, in flight, delivered, recovery,
 * application-limited; loss on the third duplicate ACK only, one timeout
 * event per loss episode, the full ACK ending recovery, the restart after
 * idle. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

#include <string.h>

enum ev_kind { EV_ACK, EV_LOSS, EV_TIMEOUT, EV_TIMEOUT_IN_RECOVERY, EV_ECN, EV_EXIT, EV_IDLE,
               EV_SPURIOUS };

typedef struct {
    enum ev_kind kind;
    sk_cc_ack a;
    sk_time now;
} rec_ev;

static rec_ev g_log[64];
static size_t g_n;

static void rec(enum ev_kind k, const sk_cc_ack *a, sk_time now)
{
    if (g_n < sizeof g_log / sizeof g_log[0]) {
        memset(&g_log[g_n], 0, sizeof g_log[g_n]);
        g_log[g_n].kind = k;
        if (a != NULL)
            g_log[g_n].a = *a;
        g_log[g_n].now = now;
    }
    g_n++;
}

static void rec_init(sk_tcb *t, sk_time now)
{
    sk_cc_newreno.init(t, now);
}
static void rec_on_ack(sk_tcb *t, const sk_cc_ack *a)
{
    rec(EV_ACK, a, a->now);
    sk_cc_newreno.on_ack(t, a);
}
static void rec_on_congestion(sk_tcb *t, enum sk_cc_kind kind, sk_time now)
{
    rec(kind == SK_CC_LOSS                        ? EV_LOSS
        : kind == SK_CC_TIMEOUT                   ? EV_TIMEOUT
        : kind == SK_CC_TIMEOUT_IN_RECOVERY ? EV_TIMEOUT_IN_RECOVERY
                                                  : EV_ECN,
        NULL, now);
    sk_cc_newreno.on_congestion(t, kind, now);
}
static void rec_on_recovery_exit(sk_tcb *t, const sk_cc_ack *a)
{
    rec(EV_EXIT, a, a->now);
    sk_cc_newreno.on_recovery_exit(t, a);
}
static void rec_after_idle(sk_tcb *t, sk_time now)
{
    rec(EV_IDLE, NULL, now);
    sk_cc_newreno.after_idle(t, now);
}
static void rec_on_spurious(sk_tcb *t, sk_time now)
{
    rec(EV_SPURIOUS, NULL, now);
    sk_cc_newreno.on_spurious(t, now);
}

static const sk_cc_ops rec_ops = {
    "recorder", rec_init, rec_on_ack, rec_on_congestion, rec_on_recovery_exit, rec_after_idle,
    rec_on_spurious, NULL, NULL, /* idle: nothing kept (tcp_ext.c) */
    {0},
};

static void open_recorded(ts_script *ts)
{
    g_n = 0;
    ts_init(ts, NULL);
    ts->peer_mss = 1000;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    sk_tcb *t = sk_stack_tcb(ts->s, ts->sock);
    SK_CHECK(t != NULL);
    /* a CC that is not built in lives in the connection's own extension
     * (sk_tcb_set_cc_ops), which it then keeps */
    if (t != NULL && sk_tcb_ext_attach(&ts->s->env, t))
        sk_cc_select(t, &rec_ops, TS_MS(10));
    SK_CHECK_STR(ts_info(ts).cc, "recorder");
    SK_CHECK_EQ(g_n, 0); /* the handshake's RTT sample is no CC event */
}

static void data_out(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TS_EXPECT(ts, t, .flags = TS_A, .seq = seq + 1000 * i, .ack = 5001, .len = 1000);
}

/* The delivered count past 2^32 bytes: the core keeps its high word, the
 * low one is SND.UNA - (ISS + 1). A connection 1,000 bytes short of 4 GiB
 * acknowledged (ISS moved back by that much: nothing else here reads it)
 * gets 3,000 bytes acknowledged: the facts say 2^32 + 2,000, and the next
 * ACK counts on from there. */
static void test_delivered_past_4_gib(void)
{
    ts_script ts;
    open_recorded(&ts);
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    t->iss = sk_seq_add(t->iss, 1000u); /* 2^32 - 1000 bytes already acknowledged */
    SK_CHECK_EQ(sk_tcb_delivered(t), (1ull << 32) - 1000u);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    data_out(&ts, TS_SEC(1), 1001, 4);
    TS_INJECT(&ts, TS_MS(1030), .flags = TS_A, .seq = 5001, .ack = 4001);
    SK_CHECK_EQ(g_n, 1);
    SK_CHECK_EQ(g_log[0].a.delivered, (1ull << 32) + 2000u);
    SK_CHECK_EQ(sk_tcb_delivered(t), (1ull << 32) + 2000u);
    TS_INJECT(&ts, TS_MS(1031), .flags = TS_A, .seq = 5001, .ack = 5001);
    SK_CHECK_EQ(g_n, 2);
    SK_CHECK_EQ(g_log[1].a.delivered, (1ull << 32) + 3000u);
    ts_discard(&ts, TS_MS(1031));
    ts_free(&ts);
}

static void test_ack_facts(void)
{
    ts_script ts;
    open_recorded(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 10000), 10000);
    data_out(&ts, TS_SEC(1), 1001, 10);
    TS_NOTHING(&ts, TS_SEC(1));
    /* the ACK of the timed first segment: a 30 ms sample */
    TS_INJECT(&ts, TS_MS(1030), .flags = TS_A, .seq = 5001, .ack = 2001);
    SK_CHECK_EQ(g_n, 1);
    const sk_cc_ack *a = &g_log[0].a;
    SK_CHECK_EQ(g_log[0].kind, EV_ACK);
    SK_CHECK_EQ(a->now, TS_MS(1030));
    SK_CHECK_EQ(a->ack.v, 2001);
    SK_CHECK_EQ(a->acked, 1000);
    SK_CHECK_EQ(a->rtt_us, 30000);
    SK_CHECK_EQ(a->srtt_us, 12500); /* 7/8 * 10 ms + 1/8 * 30 ms */
    SK_CHECK_EQ(a->min_rtt_us, 10000);
    SK_CHECK_EQ(a->in_flight, 9000);
    SK_CHECK_EQ(a->delivered, 1000);
    SK_CHECK(!a->in_recovery);
    SK_CHECK(!a->app_limited); /* cwnd (10000) was full */
    TS_NOTHING(&ts, TS_MS(1030)); /* nothing left to send */
    /* the next ACK: no timed segment, so no sample; the window was not
     * full and nothing waited: application-limited */
    TS_INJECT(&ts, TS_MS(1031), .flags = TS_A, .seq = 5001, .ack = 4001);
    SK_CHECK_EQ(g_n, 2);
    a = &g_log[1].a;
    SK_CHECK_EQ(a->acked, 2000);
    SK_CHECK_EQ(a->rtt_us, 0);
    SK_CHECK_EQ(a->srtt_us, 12500);
    SK_CHECK_EQ(a->in_flight, 7000);
    SK_CHECK_EQ(a->delivered, 3000);
    SK_CHECK(a->app_limited);
    /* a duplicate ACK and an old ACK are no on_ack */
    TS_INJECT(&ts, TS_MS(1032), .flags = TS_A, .seq = 5001, .ack = 4001);
    TS_INJECT(&ts, TS_MS(1032), .flags = TS_A, .seq = 5001, .ack = 3001);
    SK_CHECK_EQ(g_n, 2);
    TS_INJECT(&ts, TS_MS(1040), .flags = TS_A, .seq = 5001, .ack = 11001);
    SK_CHECK_EQ(g_n, 3);
    SK_CHECK_EQ(g_log[2].a.delivered, 10000);
    SK_CHECK_EQ(g_log[2].a.in_flight, 0);
    ts_discard(&ts, TS_MS(1040));
    ts_free(&ts);
}

/* Loss on the third duplicate ACK (not before), partial ACKs inside
 * recovery are no on_ack, the full ACK is on_recovery_exit with
 * in_recovery set. */
static void test_loss_and_recovery_events(void)
{
    ts_script ts;
    open_recorded(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 10000), 10000);
    data_out(&ts, TS_SEC(1), 1001, 10);
    sk_time_us t = TS_MS(1030);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ(g_n, 0);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ(g_n, 1);
    SK_CHECK_EQ(g_log[0].kind, EV_LOSS);
    SK_CHECK_EQ(g_log[0].now, t);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001); /* inflation only */
    SK_CHECK_EQ(g_n, 1);
    ts_discard(&ts, t);
    TS_INJECT(&ts, t + TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 3001); /* partial */
    SK_CHECK_EQ(g_n, 1);
    ts_discard(&ts, t + TS_MS(30));
    TS_INJECT(&ts, t + TS_MS(60), .flags = TS_A, .seq = 5001, .ack = 11001); /* full */
    SK_CHECK_EQ(g_n, 2);
    SK_CHECK_EQ(g_log[1].kind, EV_EXIT);
    SK_CHECK(g_log[1].a.in_recovery);
    SK_CHECK_EQ(g_log[1].a.acked, 8000);
    SK_CHECK_EQ(g_log[1].a.delivered, 10000);
    ts_discard(&ts, t + TS_MS(60));
    ts_free(&ts);
}

/* One timeout event per loss episode (later timeouts only reset the loss
 * window); after more than an RTO of silence, after_idle before sending. */
static void test_timeout_and_idle_events(void)
{
    ts_script ts;
    open_recorded(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 1000), 1000);
    data_out(&ts, TS_SEC(1), 1001, 1);
    data_out(&ts, TS_SEC(2), 1001, 1);
    data_out(&ts, TS_SEC(4), 1001, 1);
    SK_CHECK_EQ(g_n, 1);
    SK_CHECK_EQ(g_log[0].kind, EV_TIMEOUT);
    SK_CHECK_EQ(g_log[0].now, TS_SEC(2));
    SK_CHECK_EQ(ts_info(&ts).cwnd, 1000);
    TS_INJECT(&ts, TS_MS(4010), .flags = TS_A, .seq = 5001, .ack = 2001);
    SK_CHECK_EQ(g_n, 2);
    SK_CHECK_EQ(g_log[1].kind, EV_ACK);
    SK_CHECK_EQ(g_log[1].a.rtt_us, 0); /* Karn: a retransmission is not timed */
    /* quiet for more than an RTO (backed off: 4 s), then new data */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(9), 1000), 1000);
    data_out(&ts, TS_SEC(9), 2001, 1); /* the output routine reports it */
    SK_CHECK_EQ(g_n, 3);
    SK_CHECK_EQ(g_log[2].kind, EV_IDLE);
    SK_CHECK_EQ(g_log[2].now, TS_SEC(9));
    TS_INJECT(&ts, TS_MS(9010), .flags = TS_A, .seq = 5001, .ack = 3001);
    TS_NOTHING(&ts, TS_MS(9010));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_ack_facts);
    SK_RUN(test_delivered_past_4_gib);
    SK_RUN(test_loss_and_recovery_events);
    SK_RUN(test_timeout_and_idle_events);
    return sk_test_finish();
}
