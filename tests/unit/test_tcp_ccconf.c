/* Congestion control configuration: the initial window (RFC 6928 IW 10 by
 * default, RFC 5681's with 0, bounds), the minimum RTO (RFC 6298 §2.4, 1 s
 * by default, configurable), the algorithm per stack and per connection
 * (sk_tcp_set_cc, like Linux's TCP_CONGESTION) and the windowed minimum
 * RTT. */
#include "sk_test.h"
#include "tcp_script.h"

#include "synack/error.h"

#include <string.h>

/* cwnd after an active open with the peer announcing `peer_mss`. */
static uint32_t iw_after_open(uint8_t iw_segs, uint16_t mtu, uint16_t peer_mss)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.initial_window_segments = iw_segs;
    cfg.mtu = mtu;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_mss = peer_mss;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    uint32_t cwnd = ts_info(&ts).cwnd;
    ts_free(&ts);
    return cwnd;
}

/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)); N segments in
 * general: min(N*MSS, max(2*MSS, N*1460)); 0: RFC 5681 §3.1. */
static void test_initial_window_sizes(void)
{
    sk_stack_config def;
    sk_stack_config_default(&def);
    SK_CHECK_EQ(def.initial_window_segments, 10);
    SK_CHECK_EQ(iw_after_open(10, 1500, 1460), 14600);
    SK_CHECK_EQ(iw_after_open(10, 1500, 1000), 10000);
    SK_CHECK_EQ(iw_after_open(10, 1500, 536), 5360);
    SK_CHECK_EQ(iw_after_open(10, 9000, 8960), 17920); /* max(2 MSS, 14600) */
    SK_CHECK_EQ(iw_after_open(10, 9000, 2000), 14600); /* min(20000, 14600) */
    SK_CHECK_EQ(iw_after_open(1, 1500, 1460), 1460);
    SK_CHECK_EQ(iw_after_open(SK_IW_SEGMENTS_MAX, 1500, 1460), SK_IW_SEGMENTS_MAX * 1460u);
    /* RFC 5681 §3.1: 2, 3 or 4 segments by SMSS */
    SK_CHECK_EQ(iw_after_open(0, 1500, 1460), 4380);
    SK_CHECK_EQ(iw_after_open(0, 1500, 1095), 4380);
    SK_CHECK_EQ(iw_after_open(0, 9000, 2190), 6570);
    SK_CHECK_EQ(iw_after_open(0, 9000, 2191), 4382);
}

/* The initial window is what goes out at once: 10 segments, then nothing
 * until an ACK. */
static void test_initial_window_sent(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 20 * 1460), 20 * 1460);
    for (uint32_t i = 0; i < 10; i++)
        TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001 + 1460 * i, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 1001 + 1460 * 10, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 1001 + 1460 * 11, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(30));
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1001 + 1460 * 12);
    ts_discard(&ts, TS_MS(40));
    ts_free(&ts);
}

static void test_config_bounds(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_stack_config cfg = ts.cfg;
    sk_stack *s = NULL;
    cfg.initial_window_segments = SK_IW_SEGMENTS_MAX + 1;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.initial_window_segments = 255;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.congestion_control = "bogus";
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_ENOENT);
    cfg.congestion_control = "CUBIC"; /* names are exact, as in Linux */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_ENOENT);
    cfg.congestion_control = "";
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_ENOENT);
    cfg = ts.cfg;
    cfg.rto_min_us = 0;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    SK_CHECK(s == NULL);
    cfg = ts.cfg;
    cfg.rto_var_min_us = cfg.rto_max_us + 1; /* a floor above the ceiling */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    SK_CHECK(s == NULL);
    ts_free(&ts);
}

/* The minimum RTO: 200 ms by default (Linux's, RFC 8961 §4: spurious
 * timeouts are detected and undone, tcp_spurious.c), 1 s (RFC 6298 §2.4)
 * one setting away, as ts_config sets it for the scripts. The variance
 * term's floor (200 ms by default) puts a 10 ms path's RTO at 210 ms. */
static void test_min_rto(void)
{
    sk_stack_config def;
    sk_stack_config_default(&def);
    SK_CHECK_EQ(def.rto_min_us, 200000);
    sk_stack_config pinned;
    ts_config(&pinned);
    SK_CHECK_EQ(pinned.rto_min_us, 1000000);
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rto_min_us = def.rto_min_us;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(&ts).rto_us, 210000); /* 10 + max(4 * 5, 200) ms */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 100), 100);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100, TS_PSH);
    TS_NOTHING(&ts, TS_SEC(1) + TS_MS(210) - 1);
    TS_EXPECT(&ts, TS_SEC(1) + TS_MS(210), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100,
              TS_PSH);
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 5001, .ack = 1101);
    TS_NOTHING(&ts, TS_SEC(2));
    ts_free(&ts);
}

static const char *conn_cc(const ts_script *ts)
{
    return ts_info(ts).cc;
}

/* Fast retransmit after 10 segments: ssthresh tells the algorithm
 * (CUBIC 0.7 * 10000, NewReno 0.5 * 10000, Limited Transmit excluded). */
static uint32_t ssthresh_after_fast_retransmit(ts_script *ts, sk_time_us t)
{
    SK_CHECK_EQ_I(ts_send(ts, t, 12000), 12000);
    for (uint32_t i = 0; i < 10; i++)
        TS_EXPECT(ts, t, .flags = TS_A, .seq = 1001 + 1000 * i, .ack = 5001, .len = 1000);
    for (int i = 0; i < 3; i++)
        TS_INJECT(ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001);
    ts_discard(ts, t + TS_MS(10));
    uint32_t ss = ts_info(ts).ssthresh;
    TS_INJECT(ts, t + TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 13001);
    ts_discard(ts, t + TS_MS(20));
    return ss;
}

static void test_select_per_connection(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_STR(conn_cc(&ts), "cubic");
    uint32_t cwnd = ts_info(&ts).cwnd;
    SK_CHECK_EQ_I(sk_tcp_set_cc(ts.s, ts.sock, "newreno"), 0);
    SK_CHECK_STR(conn_cc(&ts), "newreno");
    SK_CHECK_EQ(ts_info(&ts).cwnd, cwnd); /* a live connection keeps its window */
    /* errors leave the choice alone */
    SK_CHECK_EQ_I(sk_tcp_set_cc(ts.s, ts.sock, "bbr"), SK_ENOENT);
    SK_CHECK_EQ_I(sk_tcp_set_cc(ts.s, ts.sock, NULL), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_set_cc(NULL, ts.sock, "cubic"), SK_EINVAL);
    sk_sock stale = ts.sock;
    stale.gen++;
    SK_CHECK_EQ_I(sk_tcp_set_cc(ts.s, stale, "cubic"), SK_EBADHANDLE);
    SK_CHECK_STR(conn_cc(&ts), "newreno");
    SK_CHECK_EQ(ssthresh_after_fast_retransmit(&ts, TS_SEC(1)), 5000);
    ts_free(&ts);

    ts_init(&ts, NULL);
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ssthresh_after_fast_retransmit(&ts, TS_SEC(1)), 7000);
    ts_free(&ts);
}

/* Per stack: the configured name; per listener: its connections inherit. */
static void test_select_per_stack_and_listener(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = "newreno";
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_STR(conn_cc(&ts), "newreno");
    SK_CHECK_EQ(ts_info(&ts).cwnd, 10000); /* IW 10 with NewReno too */
    SK_CHECK_EQ(ssthresh_after_fast_retransmit(&ts, TS_SEC(1)), 5000);
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    SK_CHECK_EQ_I(sk_tcp_set_cc(ts.s, ts.listener, "newreno"), 0);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(10)));
    SK_CHECK_STR(conn_cc(&ts), "newreno");
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(10)));
    SK_CHECK_STR(conn_cc(&ts), "cubic");
    ts_free(&ts);
}

/* The minimum RTT keeps the smallest sample for 300 s, then starts over
 * from the next one. */
static void test_min_rtt_window(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(&ts).min_rtt_us, 10000);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 100), 100);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100, TS_PSH);
    TS_INJECT(&ts, TS_SEC(1) + TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1101);
    SK_CHECK_EQ(ts_info(&ts).min_rtt_us, 10000);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 12500);
    /* 300 s after the 10 ms sample: still standing */
    sk_time_us t = TS_MS(10) + TS_SEC(300) - TS_MS(40);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 100, TS_PSH);
    TS_INJECT(&ts, t + TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1201);
    SK_CHECK_EQ(ts_info(&ts).min_rtt_us, 10000);
    /* just past it: the next sample replaces it */
    t = TS_MS(10) + TS_SEC(300) + 1;
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1201, .ack = 5001, .len = 100, TS_PSH);
    TS_INJECT(&ts, t + TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1301);
    SK_CHECK_EQ(ts_info(&ts).min_rtt_us, 40000);
    /* a smaller sample replaces it at once */
    t += TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1301, .ack = 5001, .len = 100, TS_PSH);
    TS_INJECT(&ts, t + TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1401);
    SK_CHECK_EQ(ts_info(&ts).min_rtt_us, 20000);
    TS_NOTHING(&ts, t + TS_MS(20));
    /* the sample's time is kept as a 32-bit age below the last segment's
     * (sk_tcb_heard): 2^32 us + 1 s later (about 72 minutes, where a
     * time cut to 32 bits would read 1 s) the window has long run out */
    sk_time_us taken = t + TS_MS(20);
    t = taken + (1ull << 32) + TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1401, .ack = 5001, .len = 100, TS_PSH);
    TS_INJECT(&ts, t + TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1501);
    SK_CHECK_EQ(ts_info(&ts).min_rtt_us, 30000);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_initial_window_sizes);
    SK_RUN(test_initial_window_sent);
    SK_RUN(test_config_bounds);
    SK_RUN(test_min_rto);
    SK_RUN(test_select_per_connection);
    SK_RUN(test_select_per_stack_and_listener);
    SK_RUN(test_min_rtt_window);
    return sk_test_finish();
}
