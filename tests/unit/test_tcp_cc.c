/* Scripted congestion control: slow start and congestion avoidance
 * (RFC 5681 §3.1), fast retransmit on the third duplicate ACK (§3.2), and
 * NewReno recovery (RFC 6582 §3.2): partial ACKs retransmit the next hole,
 * a full ACK ends recovery with cwnd <= ssthresh. SMSS is 1000 here (the
 * peer's MSS), so the initial window is 4 segments. These tests select
 * NewReno and RFC 5681's initial window explicitly (ts_config_newreno):
 * the defaults are CUBIC and IW 10, tested in test_tcp_cubic.c. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

static void open_mss1000(ts_script *ts)
{
    sk_stack_config cfg;
    ts_config_newreno(&cfg);
    ts_init(ts, &cfg);
    ts->peer_mss = 1000;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(ts).cwnd, 4000);
}

static void expect_data(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t len, int line)
{
    ts_expect_(ts, __FILE__, line, t,
               (ts_seg){.flags = TS_A, .seq = seq, .ack = 5001, .len = len});
}

static void dupack(ts_script *ts, sk_time_us t, uint32_t ack)
{
    TS_INJECT(ts, t, .flags = TS_A, .seq = 5001, .ack = ack);
}

/* Slow start from IW = 4: 4,000 bytes at 1 s, each segment ACKed at
 * 1.01 s, cwnd 8,000; the next byte to send is 5001. */
static void grow_cwnd_to_8000(ts_script *ts)
{
    SK_CHECK_EQ_I(ts_send(ts, TS_SEC(1), 4000), 4000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    for (uint32_t i = 0; i < 4; i++)
        dupack(ts, TS_MS(1010), 2001 + 1000 * i);
    TS_NOTHING(ts, TS_MS(1010));
    SK_CHECK_EQ(ts_info(ts).cwnd, 8000);
}

/* Slow start: + min(acked, 2 SMSS) per ACK (RFC 3465 §2.3, L = 2 SMSS), so
 * the window doubles per RTT even when the peer ACKs every second segment. */
static void test_slow_start(void)
{
    ts_script ts;
    open_mss1000(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 100000), 100000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1));
    /* one ACK per segment: each opens the window by two segments */
    sk_time_us t = TS_MS(1010);
    for (uint32_t i = 0; i < 4; i++) {
        dupack(&ts, t, 2001 + 1000 * i);
        expect_data(&ts, t, 5001 + 2000 * i, 1000, __LINE__);
        expect_data(&ts, t, 6001 + 2000 * i, 1000, __LINE__);
        TS_NOTHING(&ts, t);
    }
    SK_CHECK_EQ(ts_info(&ts).cwnd, 8000);
    /* a stretch ACK of 4 segments grows cwnd by two SMSS only (L = 2) */
    dupack(&ts, TS_MS(1020), 9001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 10000);
    ts_discard(&ts, TS_MS(1020));
    /* an ACK of one segment, by that segment */
    dupack(&ts, TS_MS(1020), 10001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 11000);
    ts_discard(&ts, TS_MS(1020));
    ts_free(&ts);
}

/* Fast retransmit on the third duplicate ACK, not the second; a segment
 * with data, or a window change, is not a duplicate ACK. */
static void test_fast_retransmit_third_dupack(void)
{
    ts_script ts;
    open_mss1000(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    sk_time_us t = TS_MS(1010);
    dupack(&ts, t, 1001);
    TS_NOTHING(&ts, t);
    /* not duplicates: a window update and a segment carrying data */
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(60000));
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(60000), .len = 10);
    TS_NOTHING(&ts, t + TS_MS(1));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dup_acks_in, 1);
    ts.peer_win = 60000;
    TS_INJECT(&ts, t + TS_MS(2), .flags = TS_A, .seq = 5011, .ack = 1001);
    TS_NOTHING(&ts, t + TS_MS(2)); /* the second duplicate: nothing yet */
    TS_INJECT(&ts, t + TS_MS(3), .flags = TS_A, .seq = 5011, .ack = 1001);
    TS_EXPECT(&ts, t + TS_MS(3), .flags = TS_A, .seq = 1001, .ack = 5011, .len = 1000);
    TS_NOTHING(&ts, t + TS_MS(3));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.ssthresh, 2000); /* max(FlightSize 4000 / 2, 2 SMSS) */
    SK_CHECK_EQ(in.cwnd, 2000 + 3 * 1000);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    SK_CHECK_EQ(ts_info(&ts).retransmits, 1);
    /* the full ACK ends recovery: RFC 6582 §3.2 step 3 option (1), cwnd =
     * min(ssthresh, max(FlightSize, SMSS) + SMSS); nothing is left in
     * flight, so min(2000, 1000 + 1000) */
    TS_INJECT(&ts, t + TS_MS(20), .flags = TS_A, .seq = 5011, .ack = 5001);
    in = ts_info(&ts);
    SK_CHECK(in.cwnd <= in.ssthresh);
    SK_CHECK_EQ(in.cwnd, 2000);
    TS_NOTHING(&ts, t + TS_MS(20));
    ts_free(&ts);
}

/* NewReno: with two holes, the partial ACK retransmits the second hole at
 * once; more dup ACKs inflate cwnd and release new data; the full ACK
 * deflates to <= ssthresh. */
/* RFC 3042 Limited Transmit: the first and second duplicate ACKs each let
 * one new segment out beyond cwnd; cwnd itself does not change; the third
 * starts fast retransmit as usual. */
static void test_limited_transmit(void)
{
    ts_script ts;
    open_mss1000(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 7000), 7000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1)); /* cwnd (IW 4000) is full */
    sk_time_us t = TS_MS(1010);
    uint32_t cwnd = ts_info(&ts).cwnd;
    dupack(&ts, t, 1001);
    expect_data(&ts, t, 5001, 1000, __LINE__);
    TS_NOTHING(&ts, t);
    dupack(&ts, t + TS_MS(1), 1001);
    expect_data(&ts, t + TS_MS(1), 6001, 1000, __LINE__);
    TS_NOTHING(&ts, t + TS_MS(1));
    SK_CHECK_EQ(ts_info(&ts).cwnd, cwnd);
    dupack(&ts, t + TS_MS(2), 1001);
    TS_EXPECT(&ts, t + TS_MS(2), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    ts_free(&ts);
}

static void test_newreno_partial_ack(void)
{
    ts_script ts;
    open_mss1000(&ts);
    grow_cwnd_to_8000(&ts);
    /* 8 segments [5001, 13001); [5001] and [7001] are lost */
    sk_time_us t = TS_SEC(2);
    SK_CHECK_EQ_I(ts_send(&ts, t, 20000), 20000);
    for (uint32_t i = 0; i < 8; i++)
        expect_data(&ts, t, 5001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, t);
    t += TS_MS(10);
    /* six segments arrive: six duplicate ACKs; the first two each release
     * one new segment (Limited Transmit, RFC 3042) */
    dupack(&ts, t, 5001);
    expect_data(&ts, t, 13001, 1000, __LINE__);
    dupack(&ts, t, 5001);
    expect_data(&ts, t, 14001, 1000, __LINE__);
    TS_NOTHING(&ts, t);
    dupack(&ts, t, 5001);
    expect_data(&ts, t, 5001, 1000, __LINE__); /* fast retransmit */
    TS_NOTHING(&ts, t);
    sk_tcp_info in = ts_info(&ts);
    /* FlightSize 10000 less the 2000 sent by Limited Transmit (RFC 5681
     * §3.2 step 2), halved */
    SK_CHECK_EQ(in.ssthresh, 4000);
    SK_CHECK_EQ(in.cwnd, 7000);
    dupack(&ts, t, 5001); /* cwnd 8000 < 10000 in flight: nothing new */
    dupack(&ts, t, 5001); /* 9000 */
    dupack(&ts, t, 5001); /* 10000 = in flight: still nothing */
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 10000);
    /* the retransmission arrives: a partial ACK up to the second hole */
    t += TS_MS(10);
    dupack(&ts, t, 7001);
    expect_data(&ts, t, 7001, 1000, __LINE__); /* the next hole, at once */
    /* deflated by the 2000 acked, plus one SMSS back: 9000; FlightSize
     * 15001 - 7001 = 8000, so one new segment fits */
    SK_CHECK_EQ(ts_info(&ts).cwnd, 9000);
    expect_data(&ts, t, 15001, 1000, __LINE__);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    /* the full ACK (covers recover = 15001: SND.MAX at fast retransmit) ends recovery */
    t += TS_MS(10);
    dupack(&ts, t, 15001);
    in = ts_info(&ts);
    SK_CHECK(in.cwnd <= in.ssthresh);
    SK_CHECK_EQ(in.cwnd, 2000); /* min(ssthresh, max(FlightSize 1000, SMSS) + SMSS) */
    expect_data(&ts, t, 16001, 1000, __LINE__);
    TS_NOTHING(&ts, t);
    ts_free(&ts);
}

/* Congestion avoidance: about one SMSS per window of data acknowledged. */
static void test_congestion_avoidance(void)
{
    ts_script ts;
    open_mss1000(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 100000), 100000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    /* a timeout: ssthresh = 2000, cwnd = 1000 */
    expect_data(&ts, TS_SEC(2), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    /* the peer's first answer is a duplicate ACK: F-RTO (RFC 5682 §2
     * step 2a) leaves the timeout to conventional recovery */
    dupack(&ts, TS_MS(2005), 1001);
    /* slow start up to ssthresh */
    dupack(&ts, TS_MS(2010), 2001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 2000);
    ts_discard(&ts, TS_MS(2010));
    /* now cwnd >= ssthresh: 2000 bytes acked for the next +1000 */
    dupack(&ts, TS_MS(2020), 3001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 2000);
    ts_discard(&ts, TS_MS(2020));
    dupack(&ts, TS_MS(2030), 4001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 3000);
    ts_discard(&ts, TS_MS(2030));
    dupack(&ts, TS_MS(2040), 5001);
    dupack(&ts, TS_MS(2040), 6001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 3000);
    dupack(&ts, TS_MS(2040), 7001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    ts_discard(&ts, TS_MS(2040));
    ts_free(&ts);
}

/* After a timeout, three duplicate ACKs for data sent before it do not
 * start a fast retransmit (RFC 6582 §4.1, recover = highest sent). */
static void test_no_fast_retransmit_below_recover(void)
{
    ts_script ts;
    open_mss1000(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    expect_data(&ts, TS_SEC(2), 1001, 1000, __LINE__); /* timeout */
    /* late duplicates from the original flight */
    dupack(&ts, TS_MS(2005), 1001);
    dupack(&ts, TS_MS(2005), 1001);
    dupack(&ts, TS_MS(2005), 1001);
    TS_NOTHING(&ts, TS_MS(2005));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 0);
    dupack(&ts, TS_MS(2010), 5001);
    TS_NOTHING(&ts, TS_MS(2010));
    ts_free(&ts);
}

/* RFC 6582 §3.2 step 2: fast retransmit when the third duplicate ACK
 * "covers more than recover". recover is set at the ISN (step 1) and at
 * each recovery or timeout, and is not otherwise moved: on a connection
 * that has sent 2^31 bytes since, a modulo-2^32 comparison reads the old
 * recover as ahead of SEG.ACK, and every loss for the next 2 GiB waits for
 * a timeout. Pushing 2 GiB through the script is too slow for a unit test,
 * so the TCB is aged instead: recover is put where the ISN of such a
 * connection would be. */
static void test_fast_retransmit_after_2gib(void)
{
    ts_script ts;
    open_mss1000(&ts);
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t != NULL);
    if (t == NULL)
        return;
    SK_CHECK(sk_tcb_ext_attach(&ts.s->env, t)); /* recover lives there */
    t->x->past.recover = sk_seq_make(1001u - 0x80000010u); /* 2^31 + 16 bytes ago */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 1000 * i, 1000, __LINE__);
    sk_time_us t0 = TS_MS(1010);
    dupack(&ts, t0, 1001);
    dupack(&ts, t0, 1001);
    dupack(&ts, t0, 1001);
    expect_data(&ts, t0, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, t0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    dupack(&ts, t0 + TS_MS(10), 5001);
    ts_discard(&ts, t0 + TS_MS(10));
    ts_free(&ts);
}

/* Fast retransmit and NewReno recovery with the send sequence space
 * crossing 2^32 (RFC 9293 §3.4): the flight [0xfffff801, 0x000027d9)
 * straddles zero, the partial ACK lands past it, the full ACK ends
 * recovery, and the retransmission timer then sends nothing. */
static void test_recovery_across_wrap(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config_newreno(&cfg);
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    ts.us_isn = 0xfffff800u;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 0xfffff801u + 1000 * i, 1000, __LINE__);
    sk_time_us t = TS_MS(1010);
    /* the first and third segments are lost */
    dupack(&ts, t, 0xfffff801u);
    dupack(&ts, t, 0xfffff801u);
    dupack(&ts, t, 0xfffff801u);
    expect_data(&ts, t, 0xfffff801u, 1000, __LINE__);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 1);
    /* partial ACK up to the second hole, past zero */
    dupack(&ts, t + TS_MS(10), 0xfffff801u + 2000u);
    expect_data(&ts, t + TS_MS(10), 0xfffff801u + 2000u, 1000, __LINE__);
    TS_NOTHING(&ts, t + TS_MS(10));
    dupack(&ts, t + TS_MS(20), 0xfffff801u + 4000u);
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK(in.cwnd <= in.ssthresh);
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 5681 §4.1: a sender that has not sent data for more than an RTO
 * restarts from cwnd = RW = min(IW, cwnd) rather than releasing a burst
 * of its old window into a network it no longer probes. Idle for exactly
 * one RTO (1 s here) keeps the window. */
static void test_restart_window_after_idle(void)
{
    ts_script ts;
    open_mss1000(&ts);
    grow_cwnd_to_8000(&ts);
    SK_CHECK_EQ(ts_info(&ts).rto_us, 1000000);
    /* idle for exactly one RTO since the last data went out: all 8 */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(2), 8000), 8000);
    for (uint32_t i = 0; i < 8; i++)
        expect_data(&ts, TS_SEC(2), 5001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(2));
    dupack(&ts, TS_MS(2010), 13001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 10000); /* + 2 SMSS (L = 2) */
    TS_NOTHING(&ts, TS_MS(2010));
    /* idle for more than an RTO: the restart window, IW = 4 segments */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(3) + 1, 20000), 20000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(3) + 1, 13001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(3) + 1);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    ts_discard(&ts, TS_SEC(3) + 1);
    ts_free(&ts);
}

/* The same rule across a long idle period in which the peer spoke: an
 * idle connection keeps when it last sent as a 32-bit gap in us before the
 * last segment heard, and a gap of 2^32 us (71 minutes) or more as "long
 * ago". Here the peer's ACK comes 2^32 us + 0.5 s after our last data;
 * 0.1 s later we send: idle for far more than an RTO, the restart window.
 * (A gap cut to 32 bits would read 0.5 s, idle 0.6 s < RTO: all 8.) */
static void test_restart_window_after_a_long_gap(void)
{
    ts_script ts;
    open_mss1000(&ts);
    grow_cwnd_to_8000(&ts);
    const sk_time_us heard = TS_SEC(1) + (1ull << 32) + TS_MS(500);
    dupack(&ts, heard, 5001); /* the peer says something, nothing to answer */
    TS_NOTHING(&ts, heard);
    SK_CHECK_EQ_I(ts_send(&ts, heard + TS_MS(100), 8000), 8000);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, heard + TS_MS(100), 5001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, heard + TS_MS(100));
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    ts_discard(&ts, heard + TS_MS(100));
    ts_free(&ts);
}

/* RFC 5681 §2: the SMSS congestion control counts excludes options. With
 * timestamps beside an MSS of 1000, segments carry 988 bytes and so does
 * the SMSS: RFC 5681's IW of 4 segments (SMSS <= 1095) is 3952, a stretch
 * ACK adds 2 * 988, a timeout leaves a loss window of 988 and ssthresh at
 * its floor 2 * 988 (counted from the MSS, each would be 12 bytes per
 * segment larger). */
static void test_smss_without_options(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config_newreno(&cfg);
    cfg.timestamps = true;
    ts_init(&ts, &cfg);
    ts.peer_ts = true;
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(&ts).cwnd, 3952);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 20 * 988), 20 * 988);
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_SEC(1), 1001 + 988 * i, 988, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1));
    dupack(&ts, TS_MS(1010), 1001 + 3 * 988);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 3952 + 2 * 988);
    ts_discard(&ts, TS_MS(1010));
    ts_free(&ts);
    /* one segment in flight when the RTO fires: cwnd 1 SMSS, ssthresh
     * max(FlightSize / 2, 2 SMSS) = 2 SMSS */
    ts_init(&ts, &cfg);
    ts.peer_ts = true;
    ts.peer_mss = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 988), 988);
    expect_data(&ts, TS_SEC(1), 1001, 988, __LINE__);
    expect_data(&ts, TS_SEC(2), 1001, 988, __LINE__);
    TS_NOTHING(&ts, TS_SEC(2));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.cwnd, 988);
    SK_CHECK_EQ(in.ssthresh, 2 * 988);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_slow_start);
    SK_RUN(test_fast_retransmit_third_dupack);
    SK_RUN(test_limited_transmit);
    SK_RUN(test_newreno_partial_ack);
    SK_RUN(test_congestion_avoidance);
    SK_RUN(test_no_fast_retransmit_below_recover);
    SK_RUN(test_fast_retransmit_after_2gib);
    SK_RUN(test_recovery_across_wrap);
    SK_RUN(test_restart_window_after_idle);
    SK_RUN(test_restart_window_after_a_long_gap);
    SK_RUN(test_smss_without_options);
    return sk_test_finish();
}
