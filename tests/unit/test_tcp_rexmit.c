/* Scripted retransmission (RFC 6298): the timer to the microsecond
 * ("nothing at t-1, the segment at t"), exponential backoff and its cap,
 * timer restart on new ACKs, Karn's rule, SRTT/RTTVAR/RTO from samples, the
 * 3 s fallback after a retransmitted SYN (§5.7) and the retry limit. */
#include "sk_test.h"
#include "tcp_script.h"

/* rto_min 200 ms and no floor on the variance term, so that the RFC 6298
 * arithmetic shows (not the 1 s floor, not SRTT + 200 ms). */
static void small_rto_config(sk_stack_config *cfg)
{
    ts_config(cfg);
    cfg->rto_min_us = 200000;
    cfg->rto_var_min_us = 0;
}

/* RFC 6298 §2.2: the first sample R gives SRTT = R, RTTVAR = R/2,
 * RTO = SRTT + max(G, 4 * RTTVAR); §2.3: later samples with alpha 1/8,
 * beta 1/4. */
static void test_rto_from_samples(void)
{
    sk_stack_config cfg;
    small_rto_config(&cfg);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK_EQ(ts_info(&ts).rto_us, 0); /* no socket yet: info zero */
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(100)));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.srtt_us, 100000);
    SK_CHECK_EQ(in.rttvar_us, 50000);
    SK_CHECK_EQ(in.rto_us, 300000);
    sk_time_us t = TS_MS(200);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(60), .flags = TS_A, .seq = 5001, .ack = 1101);
    in = ts_info(&ts);
    /* |100000 - 60000| = 40000; RTTVAR = 3/4 50000 + 1/4 40000 = 47500;
     * SRTT = 7/8 100000 + 1/8 60000 = 95000; RTO = 95000 + 4 * 47500 */
    SK_CHECK_EQ(in.rttvar_us, 47500);
    SK_CHECK_EQ(in.srtt_us, 95000);
    SK_CHECK_EQ(in.rto_us, 285000);
    /* a slow sample raises it */
    t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(255), .flags = TS_A, .seq = 5001, .ack = 1201);
    in = ts_info(&ts);
    /* delta 160000: RTTVAR = 35625 + 40000; SRTT = 83125 + 31875 */
    SK_CHECK_EQ(in.rttvar_us, 75625);
    SK_CHECK_EQ(in.srtt_us, 115000);
    SK_CHECK_EQ(in.rto_us, 115000 + 4 * 75625);
    TS_NOTHING(&ts, TS_SEC(5));
    ts_free(&ts);
}

/* The floor on the variance term (rto_var_min_us, a deviation from RFC
 * 6298 §2.3; docs/rfc-coverage.md): with steady 100 ms samples 4 RTTVAR
 * falls below 100 ms, and RTO = SRTT + max(4 RTTVAR, rto_var_min) stays
 * 200 ms above SRTT; without it the sum fell to the 200 ms minimum. */
static void rto_after_steady_samples(uint32_t rto_var_min_us, uint32_t want_rto)
{
    sk_stack_config cfg;
    small_rto_config(&cfg);
    cfg.rto_var_min_us = rto_var_min_us;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(100)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0);
    uint32_t seq = 1001;
    for (int i = 0; i < 3; i++) { /* RTTVAR 50 -> 37.5 -> 28.125 -> 21.09 ms */
        sk_time_us t = TS_SEC(1 + i);
        SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
        TS_EXPECT(&ts, t, .flags = TS_PA, .seq = seq, .ack = 5001, .len = 100);
        seq += 100;
        TS_INJECT(&ts, t + TS_MS(100), .flags = TS_A, .seq = 5001, .ack = seq);
    }
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.srtt_us, 100000);
    SK_CHECK_EQ(in.rttvar_us, 21093);
    SK_CHECK_EQ(in.rto_us, want_rto);
    sk_time_us t = TS_SEC(5);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = seq, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, t + want_rto - 1);
    TS_EXPECT(&ts, t + want_rto, .flags = TS_PA, .seq = seq, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + want_rto + TS_MS(100), .flags = TS_A, .seq = 5001, .ack = seq + 100);
    TS_NOTHING(&ts, TS_SEC(20));
    ts_free(&ts);
}

static void test_rto_variance_floor(void)
{
    sk_stack_config def;
    sk_stack_config_default(&def);
    SK_CHECK_EQ(def.rto_var_min_us, 200000);
    rto_after_steady_samples(def.rto_var_min_us, 100000 + 200000);
    rto_after_steady_samples(0, 200000); /* 100 + 84.4 ms, raised to rto_min */
    rto_after_steady_samples(150000, 100000 + 150000); /* any floor */
}

/* RFC 6298 §2.4: RTO is never below rto_min (1 s as ts_config pins it). */
static void test_rto_min_floor(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.srtt_us, 10000);
    SK_CHECK_EQ(in.rto_us, 1000000);
    ts_free(&ts);
}

/* The timer to the microsecond, doubling on each expiry (RFC 6298 §5.5),
 * capped at rto_max (§2.5), one segment retransmitted each time. */
static void test_retransmit_timing_and_backoff(void)
{
    sk_stack_config cfg;
    small_rto_config(&cfg);
    cfg.rto_max_us = 2000000;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(100))); /* RTO 300 ms */
    sk_time_us t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 2000), 2000);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, t); /* Nagle holds the last 540 */
    sk_time_us rto = TS_MS(300);
    for (int i = 0; i < 5; i++) {
        t += rto;
        TS_NOTHING(&ts, t - 1);
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
        TS_NOTHING(&ts, t); /* only the first segment */
        rto = rto * 2 > TS_SEC(2) ? TS_SEC(2) : rto * 2;
    }
    SK_CHECK_EQ(ts_info(&ts).retransmits, 5);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 5);
    /* capped: 300, 600, 1200, 2000, 2000 */
    SK_CHECK_EQ(t, TS_SEC(1) + TS_MS(300 + 600 + 1200 + 2000 + 2000));
    /* the ACK of the first segment: the second one follows (go-back-N) */
    TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 2461);
    TS_EXPECT(&ts, t + TS_MS(10), .flags = TS_PA, .seq = 2461, .ack = 5001, .len = 540);
    TS_NOTHING(&ts, t + TS_MS(10));
    TS_INJECT(&ts, t + TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 3001);
    TS_NOTHING(&ts, TS_SEC(60));
    ts_free(&ts);
}

/* RFC 6298 §5.3: a new ACK restarts the timer for what is left. */
static void test_timer_restarts_on_ack(void)
{
    sk_stack_config cfg;
    small_rto_config(&cfg);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(100))); /* RTO 300 ms */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0);
    sk_time_us t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    SK_CHECK_EQ_I(ts_send(&ts, t + TS_MS(50), 100), 100);
    TS_EXPECT(&ts, t + TS_MS(50), .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 100);
    /* the first is ACKed at +100 ms: sample 100 ms, RTTVAR 3/4 * 50 ms,
     * RTO = 100 + 4 * 37.5 = 250 ms */
    TS_INJECT(&ts, t + TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1101);
    SK_CHECK_EQ(ts_info(&ts).rto_us, 250000);
    /* not at 50 + 300 ms (when the second was sent): the timer runs from
     * the ACK with the new RTO */
    TS_NOTHING(&ts, t + TS_MS(350) - 1);
    TS_EXPECT(&ts, t + TS_MS(350), .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(500), .flags = TS_A, .seq = 5001, .ack = 1201);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}

/* Karn's rule (RFC 6298 §3): no sample from a retransmitted segment. The
 * backed-off RTO is kept until a valid sample (RFC 6298 §5 note; RFC 9293
 * §3.8.2 MUST-19: "keeping the backed-off value until a subsequent segment
 * with new data has been sent and acknowledged without retransmission").
 * An ACK of the retransmission alone must not collapse it: if the RTT had
 * grown past the old RTO, every new segment would time out before its ACK
 * and no sample could ever be taken. */
static void test_karn(void)
{
    sk_stack_config cfg;
    small_rto_config(&cfg);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(100)));
    sk_time_us t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_EXPECT(&ts, t + TS_MS(300), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    /* this ACK may be for either transmission: ambiguous, not a sample */
    TS_INJECT(&ts, t + TS_MS(310), .flags = TS_A, .seq = 5001, .ack = 1101);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.srtt_us, 100000);
    SK_CHECK_EQ(in.rttvar_us, 50000);
    SK_CHECK_EQ(in.rto_us, 300000);
    /* the next segment is fresh and timed, and its timer still runs with
     * the backed-off RTO: 600 ms, not 300 */
    t = TS_SEC(2);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 100);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TS_MS(600));
    TS_NOTHING(&ts, t + TS_MS(400) - 1);
    /* the path is slower now: 400 ms, a valid sample (sent once) */
    TS_INJECT(&ts, t + TS_MS(400), .flags = TS_A, .seq = 5001, .ack = 1201);
    in = ts_info(&ts);
    /* |100000 - 400000| = 300000: RTTVAR = 37500 + 75000, SRTT = 87500 +
     * 50000; RTO = SRTT + 4 RTTVAR, and the backoff is over */
    SK_CHECK_EQ(in.rttvar_us, 112500);
    SK_CHECK_EQ(in.srtt_us, 137500);
    SK_CHECK_EQ(in.rto_us, 137500 + 4 * 112500);
    TS_NOTHING(&ts, TS_MS(2999));
    t = TS_SEC(3);
    SK_CHECK_EQ_I(ts_send(&ts, t, 100), 100);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1201, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, t + 587500 - 1);
    TS_EXPECT(&ts, t + 587500, .flags = TS_PA, .seq = 1201, .ack = 5001, .len = 100);
    TS_INJECT(&ts, t + TS_MS(600), .flags = TS_A, .seq = 5001, .ack = 1301);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 137500); /* retransmitted: no sample */
    ts_free(&ts);
}

/* max_retries counts timeouts without progress (RFC 9293 §3.8.3 R2), not
 * the RTO backoff: an ACK of new data restarts the count although the
 * backed-off RTO is kept (no valid sample, RFC 6298 §5). */
static void test_retry_count_restarts_on_progress(void)
{
    sk_stack_config cfg;
    small_rto_config(&cfg);
    cfg.max_retries = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(100))); /* RTO 300 ms */
    sk_time_us t = TS_SEC(1);
    SK_CHECK_EQ_I(ts_send(&ts, t, 2000), 2000);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 2001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, t + TS_MS(300), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, t + TS_MS(900), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    /* progress: the first segment; go-back-N resends the second with the
     * RTO still backed off twice (1200 ms) */
    t += TS_MS(1000);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 2001);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 2001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, t + TS_MS(1200) - 1);
    /* two more timeouts are allowed after the progress */
    TS_EXPECT(&ts, t + TS_MS(1200), .flags = TS_PA, .seq = 2001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, t + TS_MS(3600), .flags = TS_PA, .seq = 2001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, t + TS_MS(8400) - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, t + TS_MS(8400));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    ts_free(&ts);
}

/* RFC 6298 §5.7: when the SYN had to be retransmitted and the RTO is below
 * 3 s, the RTO is 3 s once data transmission begins (no sample exists). */
static void test_rto_3s_after_syn_retransmission(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    ts.iss = TS_US_ISN;
    ts.irs = TS_PEER_ISN;
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), 80};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 0); /* Karn: no sample */
    SK_CHECK_EQ(ts_info(&ts).rto_us, 3000000);
    sk_time_us t = TS_SEC(2);
    SK_CHECK_EQ_I(ts_send(&ts, t, 10), 10);
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 10);
    TS_NOTHING(&ts, t + TS_SEC(3) - 1);
    TS_EXPECT(&ts, t + TS_SEC(3), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 10);
    TS_INJECT(&ts, t + TS_SEC(4), .flags = TS_A, .seq = 5001, .ack = 1011);
    ts_free(&ts);

    /* passive: the SYN,ACK retransmitted, same rule */
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_info(&ts).rto_us, 3000000);
    ts_free(&ts);
}

/* The retransmission limit: after max_retries retransmissions the next
 * expiry aborts with SK_ETIMEDOUT and SK_EV_ERROR. */
static void test_retransmission_limit(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_retries = 3;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 10), 10);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 10);
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 10);
    TS_EXPECT(&ts, TS_SEC(4), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 10);
    TS_EXPECT(&ts, TS_SEC(8), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 10);
    sk_event ev;
    while (sk_stack_next_event(ts.s, &ev)) {
    }
    TS_NOTHING(&ts, TS_SEC(16) - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, TS_SEC(16));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    SK_CHECK(sk_stack_next_event(ts.s, &ev));
    SK_CHECK(ev.events & SK_EV_ERROR);
    char b[4];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_SEC(16), ts.sock, b, sizeof b), SK_ETIMEDOUT);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(16), 1), SK_ETIMEDOUT);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 1);
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    ts_free(&ts);
}

/* A timeout collapses cwnd to one segment (RFC 5681 §3.1): after the
 * retransmission is ACKed (an ACK of all four: F-RTO, RFC 5682 §2 step
 * 2a, leaves such a timeout to conventional recovery), slow start (L = 2
 * SMSS) sends three. */
static void test_timeout_collapses_cwnd(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config_newreno(&cfg); /* NewReno's ssthresh and RFC 5681's IW */
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 8000), 8000);
    for (uint32_t i = 0; i < 4; i++)
        TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1001 + 1000 * i, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_SEC(1));
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_SEC(2));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.cwnd, 1000);
    SK_CHECK_EQ(in.ssthresh, 2000); /* max(FlightSize / 2, 2 SMSS) */
    /* everything arrived but the first: the ACK covers all four */
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 5001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 3000);
    TS_EXPECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 6001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 7001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(2010));
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 8001);
    ts_discard(&ts, TS_MS(2020));
    ts_free(&ts);
}

/* Sender SWS avoidance (RFC 9293 §3.8.6.2.1, RFC 1122 §4.2.3.4) holds for
 * the go-back-N after a timeout too: what the window allows goes in
 * full-sized segments, never as a runt the window cut off. Ten segments
 * lost; the RTO resends 1001 (cwnd 1 SMSS). An ACK of 300 bytes of it
 * (the peer had them) makes cwnd 1300 with 700 in flight: 600 bytes of
 * room, not a segment. The old rule ("anything while SND.NXT < SND.MAX")
 * sent 2001-2601 there, and the go-back-N went on in 600-byte pieces. The
 * ACK of the rest (2001) leaves room for 1600: one full segment, then 600
 * waits again. */
static void test_goback_no_runts(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config_newreno(&cfg);
    cfg.initial_window_segments = 10;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 10000), 10000);
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(1)), 10u);
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 1301);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 1300);
    TS_NOTHING(&ts, TS_MS(2010));
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 2001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 2000);
    TS_EXPECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 2001, .ack = 5001, .len = 1000);
    TS_EXPECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 3001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(2020));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_rto_from_samples);
    SK_RUN(test_rto_min_floor);
    SK_RUN(test_rto_variance_floor);
    SK_RUN(test_retransmit_timing_and_backoff);
    SK_RUN(test_timer_restarts_on_ack);
    SK_RUN(test_karn);
    SK_RUN(test_retry_count_restarts_on_progress);
    SK_RUN(test_rto_3s_after_syn_retransmission);
    SK_RUN(test_retransmission_limit);
    SK_RUN(test_timeout_collapses_cwnd);
    SK_RUN(test_goback_no_runts);
    return sk_test_finish();
}
