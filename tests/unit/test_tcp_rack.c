/* RACK-TLP (RFC 8985, tcp_rack.c) in virtual time, SACK on, MSS 1000,
 * RTT 10 ms from the handshake (srtt 10000 us, min RTT 10000 us, RTO 1 s):
 * the probe timeout to the microsecond with several segments and with one
 * in flight, the probe's content (last segment; new data when the window
 * allows), a lost tail recovered in two round trips without an RTO, TLP
 * loss detection (a DSACK of the probe: no loss; an ACK beyond it without one:
 * the loss response; an ACK of exactly its end: undecided),
 * marking lost by time with the reordering window and the reorder timer
 * firing for a segment not yet lost, reo_wnd growing after a DSACK. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

/* A connection with SACK and RACK-TLP, an initial window of `iw` segments,
 * our ISN `isn`. */
static sk_tcb *open_rack_isn(ts_script *ts, const char *cc, uint8_t iw, uint32_t isn)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = cc;
    cfg.initial_window_segments = iw;
    cfg.sack = true;
    cfg.rack_tlp = true;
    ts_init(ts, &cfg);
    ts->peer_mss = 1000;
    ts->peer_sack = true;
    ts->us_isn = isn;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    sk_tcb *t = sk_stack_tcb(ts->s, ts->sock);
    SK_CHECK(t->flags & SK_TF_RACK);
    SK_CHECK_EQ(t->srtt, 10000u);
    return t;
}

static sk_tcb *open_rack_iw(ts_script *ts, const char *cc, uint8_t iw)
{
    return open_rack_isn(ts, cc, iw, TS_US_ISN);
}

static sk_tcb *open_rack(ts_script *ts, const char *cc)
{
    return open_rack_iw(ts, cc, 10);
}

static void expect_data(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t len, int line)
{
    ts_expect_(ts, __FILE__, line, t, (ts_seg){.flags = TS_A, .seq = seq, .ack = 5001, .len = len});
}

/* `segs` full segments from `seq` on, one after the other, at t */
static void expect_run(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t segs, int line)
{
    for (uint32_t i = 0; i < segs; i++)
        expect_data(ts, t, seq + 1000 * i, 1000, line);
}
#define EXPECT_RUN(ts, t, seq, segs) expect_run((ts), (t), (seq), (segs), __LINE__)

static void send_segs(ts_script *ts, sk_time_us t, uint32_t segs, size_t queued)
{
    SK_CHECK_EQ_I(ts_send(ts, t, queued), (ptrdiff_t)queued);
    expect_run(ts, t, 1001, segs, __LINE__);
    TS_NOTHING(ts, t);
}

#define ACKS(ts, t, a, n, ...)                                                                    \
    TS_INJECT((ts), (t), .flags = TS_A, .seq = 5001, .ack = (a), TS_SACK((n), __VA_ARGS__))
#define ACK(ts, t, a) TS_INJECT((ts), (t), .flags = TS_A, .seq = 5001, .ack = (a))

/* §7.2: PTO = 2 SRTT with several segments in flight; the probe is the
 * last segment when no new data waits (§7.3). Without RACK-TLP the same
 * tail waits for the RTO. */
static void test_pto_several_segments(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RECOVERY), TS_SEC(1) + 20000u);
    TS_NOTHING(&ts, TS_SEC(1) + 19999u);
    expect_data(&ts, TS_SEC(1) + 20000u, 4001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1) + 20000u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_probes, 1u);
    /* one probe per episode: nothing more until the RTO, restarted by the
     * probe (1 s after it) */
    TS_NOTHING(&ts, TS_SEC(1) + 1019999u);
    expect_data(&ts, TS_SEC(1) + 1020000u, 1001, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* With one segment in flight the PTO adds the worst-case delayed ACK
 * (200 ms): 2 x 10 ms + 200 ms. */
static void test_pto_one_segment(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 1, 1000);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RECOVERY), TS_SEC(1) + 220000u);
    TS_NOTHING(&ts, TS_SEC(1) + 219999u);
    expect_data(&ts, TS_SEC(1) + 220000u, 1001, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §7.3: when new data waits and the peer's window has room, the probe is
 * new data (cwnd is full: 10 segments of 12 went). */
static void test_probe_sends_new_data(void)
{
    ts_script ts;
    open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 10, 12000);
    expect_data(&ts, TS_SEC(1) + 20000u, 11001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1) + 20000u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The last two of four segments are lost. The ACK of the first two
 * restarts the PTO (at 1.010 s: 1.030 s); the probe resends 4001; its ACK
 * SACKs it, RACK sees 3001 (sent at 1.000 s) sent before the probe that
 * was delivered, and older than RACK.rtt + reo_wnd: lost, recovered at
 * once. Two round trips after the loss, no RTO. */
static void test_lost_tail_two_round_trips(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    ACK(&ts, TS_MS(1010), 3001);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RECOVERY), TS_MS(1030));
    TS_NOTHING(&ts, TS_MS(1030) - 1);
    expect_data(&ts, TS_MS(1030), 4001, 1000, __LINE__);
    ACKS(&ts, TS_MS(1040), 3001, 1, {4001, 5001});
    expect_data(&ts, TS_MS(1040), 3001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1040));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_marks, 1u);
    ACK(&ts, TS_MS(1050), 5001);
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->timeouts, 0u);
    SK_CHECK_EQ(st->retransmits, 2u);
    /* the probe's ACK (5001) reached TLP.end_seq, no further: the episode
     * went undecided with the record (§7.4.2); the recovery reduced */
    SK_CHECK_EQ(st->tlp_losses, 0u);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}

/* §7.4.2: the probe resent the last segment. A DSACK of it says the
 * original had arrived (only the ACKs were lost): no congestion response.
 * Without one, an ACK beyond TLP.end_seq says the probe repaired a loss:
 * ssthresh and cwnd go down. An ACK of exactly TLP.end_seq decides
 * nothing (the original's or the probe's); here the application writes
 * 1000 bytes after the probe, so the record stays and a later ACK can go
 * beyond TLP.end_seq (5001). */
static sk_tcb *probe_then_more(ts_script *ts)
{
    sk_tcb *t = open_rack(ts, "newreno");
    send_segs(ts, TS_SEC(1), 4, 4000);
    expect_data(ts, TS_MS(1020), 4001, 1000, __LINE__); /* PTO: 2 SRTT */
    SK_CHECK_EQ_I(ts_send(ts, TS_MS(1021), 1000), 1000);
    expect_data(ts, TS_MS(1021), 5001, 1000, __LINE__);
    TS_NOTHING(ts, TS_MS(1021));
    SK_CHECK(t->x->rtb->tlp_pending);
    return t;
}

static void test_tlp_loss_detection(void)
{
    ts_script ts;
    /* the DSACK in the ACK that reaches TLP.end_seq */
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    uint32_t cwnd = t->cwnd;
    expect_data(&ts, TS_MS(1020), 4001, 1000, __LINE__);
    ACKS(&ts, TS_MS(1030), 5001, 1, {4001, 5001}); /* DSACK */
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_losses, 0u);
    SK_CHECK(t->cwnd >= cwnd);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    /* the late original's ACK (5001, exactly TLP.end_seq), then the
     * probe's DSACK: no loss. A response at the first ACK (as before)
     * halved cwnd for every probe an ACK's delay had set off. */
    t = probe_then_more(&ts);
    cwnd = t->cwnd;
    ACK(&ts, TS_MS(1025), 5001);
    SK_CHECK(t->x->rtb->tlp_pending);
    ACKS(&ts, TS_MS(1030), 5001, 1, {4001, 5001});
    SK_CHECK(!t->x->rtb->tlp_pending);
    ACK(&ts, TS_MS(1031), 6001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_losses, 0u);
    SK_CHECK(t->cwnd >= cwnd);
    SK_CHECK(t->ssthresh > cwnd);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    /* the last segment was lost: the probe's ACK (5001) decides nothing,
     * the next ACK goes beyond TLP.end_seq with no DSACK seen: the loss
     * response, NewReno's ssthresh = max(FlightSize / 2, 2 SMSS) */
    t = probe_then_more(&ts);
    ACK(&ts, TS_MS(1030), 5001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_losses, 0u);
    SK_CHECK(t->x->rtb->tlp_pending);
    ACK(&ts, TS_MS(1031), 6001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_losses, 1u);
    SK_CHECK_EQ(t->ssthresh, 2000u);
    SK_CHECK_EQ(t->cwnd, 2000u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    /* a plain duplicate ACK without SACK at TLP.end_seq: both copies
     * arrived at a receiver that sends no DSACK; the episode ends */
    t = probe_then_more(&ts);
    ACK(&ts, TS_MS(1025), 5001);
    ACK(&ts, TS_MS(1030), 5001);
    SK_CHECK(!t->x->rtb->tlp_pending);
    ACK(&ts, TS_MS(1031), 6001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_losses, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    /* the same with one segment in flight (+200 ms), the probe's ACK
     * acknowledging everything: the record goes with the empty send
     * buffer and the episode with it, undecided, without a response */
    t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    ACK(&ts, TS_MS(1010), 4001); /* the last segment is lost */
    cwnd = t->cwnd;
    expect_data(&ts, TS_MS(1030) + 200000u, 4001, 1000, __LINE__); /* one segment: +200 ms */
    ACK(&ts, TS_MS(1240), 5001);
    SK_CHECK(t->x->rtb == NULL);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_losses, 0u);
    SK_CHECK(t->cwnd >= cwnd);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §6.2 step 5: 1001 is late (reordered). The SACK of 2001 at 1.010 s
 * delivers a range sent at the same time with a higher sequence; 1001 is
 * lost only at 1.000 + RACK.rtt (10 ms) + reo_wnd (min RTT / 4 = 2.5 ms):
 * the reorder timer fires at 1.0125 s, before any third duplicate ACK. If
 * 1001 arrives first, nothing is retransmitted. */
static void test_rack_reorder_timer(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 3001});
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 2500u);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RECOVERY), TS_SEC(1) + 12500u);
    TS_NOTHING(&ts, TS_SEC(1) + 12499u);
    expect_data(&ts, TS_SEC(1) + 12500u, 1001, 1000, __LINE__);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_marks, 1u);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 3001});
    ACKS(&ts, TS_MS(1011), 3001, 0, {0, 0}); /* 1001 arrived: reordering */
    TS_NOTHING(&ts, TS_SEC(1) + 12500u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_marks, 0u);
    SK_CHECK(t->x->rtb->reordering_seen);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 1u); /* the cumulative ACK's */
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §6.2 step 4: a DSACK doubles reo_wnd (mult 2: 5000 us) once per round
 * trip; a second DSACK in the same round does not grow it further. */
static void test_reo_wnd_grows_after_dsack(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    ACK(&ts, TS_MS(1010), 2001);
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 2500u);
    ACKS(&ts, TS_MS(1011), 3001, 1, {1001, 2001});
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 5000u);
    ACKS(&ts, TS_MS(1012), 4001, 1, {1001, 2001});
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 5000u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §6.2: RACK finds a lost retransmission: 1001 is resent at 1.010 s and
 * lost again; new data sent at 1.011 s is SACKed at 1.021 s, so the
 * retransmission (older by more than RACK.rtt, reo_wnd 0 in recovery) is
 * lost too and goes again at once, although it lies below HighRxt where
 * RFC 6675's NextSeg never looks (it would send new data 15001 instead). */
static void test_rack_lost_retransmission(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 10, 20000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    SK_CHECK_EQ(t->cwnd, 7500u); /* ceil(3000 * 5000 / 10000) = 1500 over pipe 6000 */
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    ACKS(&ts, TS_MS(1011), 1001, 1, {2001, 11001});
    for (uint32_t i = 0; i < 4; i++) /* PRR-SSRB: 4000 of new data */
        expect_data(&ts, TS_MS(1011), 11001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1011));
    ACKS(&ts, TS_MS(1021), 1001, 1, {2001, 12001});
    expect_data(&ts, TS_MS(1021), 1001, 1000, __LINE__);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_RACK], 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 8985 §6.2-6.3 in the loss recovery after a timeout ("RTO
 * recovery", Linux's loss state): the go-back-N resends 2001 and 3001 at
 * 2.030 s; at 2.040 s 3001 comes back SACKed, so 2001, sent no later, is
 * lost by time (reo_wnd 0 in RTO recovery without reordering seen) and goes
 * again at once, then the go-back-N goes on (4001). Before, nothing was
 * sent: RFC 6675 §5.1 starts no recovery below `recover`, and 2001 waited
 * for the next RTO. */
static void test_rack_in_rto_recovery(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    expect_data(&ts, TS_SEC(1) + 20000u, 4001, 1000, __LINE__); /* the probe */
    TS_NOTHING(&ts, TS_SEC(1) + 20000u);
    TS_NOTHING(&ts, TS_SEC(2) + 19999u);
    expect_data(&ts, TS_SEC(2) + 20000u, 1001, 1000, __LINE__); /* the RTO */
    TS_NOTHING(&ts, TS_SEC(2) + 20000u);
    ACK(&ts, TS_MS(2030), 2001);
    expect_data(&ts, TS_MS(2030), 2001, 1000, __LINE__);
    expect_data(&ts, TS_MS(2030), 3001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(2030));
    SK_CHECK(sk_rec_rto_recovery(t));
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 0u);
    ACKS(&ts, TS_MS(2040), 2001, 1, {3001, 4001});
    expect_data(&ts, TS_MS(2040), 2001, 1000, __LINE__);
    expect_data(&ts, TS_MS(2040), 4001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(2040));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_RACK], 1u);
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    ACK(&ts, TS_MS(2050), 5001);
    SK_CHECK(!sk_rec_rto_recovery(t));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §6.2 step 3 with an ISN in the upper half of the sequence space (the
 * first data byte at 0xF0000000, "below" 0 in sequence arithmetic): the
 * first delivered range sets RACK.fack. Compared with the record's zeroed
 * RACK.fack, every ACK read as reordering (about half the connections, by
 * ISN), and reo_wnd then delayed each loss mark, in recovery too. Here
 * eight segments go; the first is acknowledged in order, the third to
 * fifth come back SACKed (the second lost by RFC 6675's rule: recovery);
 * then the seventh is SACKed: in recovery with no reordering seen reo_wnd
 * is 0, so RACK marks the sixth lost at once (with reordering seen, 2.5 ms
 * later: min RTT / 4). */
static void test_fack_from_first_delivery(void)
{
    ts_script ts;
    sk_tcb *t = open_rack_isn(&ts, "newreno", 10, 0xF0000000u - 1u);
    const uint32_t b = 0xF0000000u;
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 8000), 8000);
    EXPECT_RUN(&ts, TS_SEC(1), b, 8);
    TS_NOTHING(&ts, TS_SEC(1));
    ACK(&ts, TS_MS(1010), b + 1000);
    SK_CHECK(!t->x->rtb->reordering_seen);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 0u);
    ACKS(&ts, TS_MS(1011), b + 1000, 1, {b + 2000, b + 5000});
    expect_data(&ts, TS_MS(1011), b + 1000, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1011));
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 0u);
    ACKS(&ts, TS_MS(1012), b + 1000, 2, {b + 6000, b + 7000}, {b + 2000, b + 5000});
    expect_data(&ts, TS_MS(1012), b + 5000, 1000, __LINE__);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_RACK], 1u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §6.2 step 3 takes an ACK's newly delivered ranges in ascending order.
 * 1001-3001 go at 1.000 s, 3001-9001 at 1.001 s (two ranges of the record).
 * The ACK of 3001 acknowledges the first range and SACKs 4001-5001 above a
 * new hole; the next one newly SACKs 6001-7001 and 8001-9001, the most
 * recent block first (an ACK between them was lost). Delivered block by
 * block and then cumulatively, each read as reordering: 1001-3001 below
 * 5001, 6001-7001 below 9001. */
static void test_delivered_in_ascending_order(void)
{
    ts_script ts;
    sk_tcb *t = open_rack_iw(&ts, "newreno", 8);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 2000), 2000);
    EXPECT_RUN(&ts, TS_SEC(1), 1001, 2);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1001), 6000), 6000);
    EXPECT_RUN(&ts, TS_MS(1001), 3001, 6);
    TS_NOTHING(&ts, TS_MS(1001));
    ACKS(&ts, TS_MS(1011), 3001, 1, {4001, 5001});
    SK_CHECK(!t->x->rtb->reordering_seen);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 0u);
    ACKS(&ts, TS_MS(1012), 3001, 3, {8001, 9001}, {6001, 7001}, {4001, 5001});
    SK_CHECK(!t->x->rtb->reordering_seen);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 8985 §6.2 step 5 on the ACK that ends a recovery: 11001-14001, new
 * data sent in it at 1.011 s, come back at 1.020 s as 12001-15001 SACKed
 * above the new SND.UNA 11001 = RecoveryPoint, so 11001 is lost by time
 * (reo_wnd 0: three segments SACKed above; IsLost agrees, but RFC 6675
 * enters on duplicate ACKs only). That ACK ended the recovery and nothing
 * marked 11001: nothing was resent until the probe 20 ms
 * later (or, at 100 ms RTT, often the RTO). Now the mark starts the next
 * recovery on that ACK (RFC 6675 §5: HighACK = RecoveryPoint may). */
static void test_rack_mark_on_recovery_exit(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 10, 20000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    ACKS(&ts, TS_MS(1011), 1001, 1, {2001, 11001});
    EXPECT_RUN(&ts, TS_MS(1011), 11001, 4);
    TS_NOTHING(&ts, TS_MS(1011));
    SK_CHECK_EQ(t->x->past.recover.v, t->iss.v + 1 + 10000);
    ACKS(&ts, TS_MS(1020), 11001, 1, {12001, 15001});
    expect_data(&ts, TS_MS(1020), 11001, 1000, __LINE__);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_recoveries, 2u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_probes, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 8985 §6.2 step 3 counts reordering only for a segment never
 * retransmitted: the fast retransmission of 1001, delivered below RACK.fack
 * (5001) because it filled the hole, is no reordering, so reo_wnd stays 0
 * in recovery. An original delivered below RACK.fack (3001's SACK after
 * 6001's) is reordering. */
static void test_retransmission_is_no_reordering(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 10, 20000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    ACKS(&ts, TS_MS(1020), 5001, 1, {6001, 7001});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK(!t->x->rtb->reordering_seen);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 0u);
    SK_CHECK_EQ(sk_rack_reo_wnd(t), 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 10, 20000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {5001, 6001});
    ACKS(&ts, TS_MS(1011), 1001, 2, {2001, 3001}, {5001, 6001});
    SK_CHECK(t->x->rtb->reordering_seen);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rack_reordering, 1u); /* one ACK showed it */
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Every retransmission says why (sk_stats.retransmits_by_cause, the
 * trace's cause): the probe is TLP, the hole RACK's time rule found is
 * RACK, a hole RFC 6675's IsLost found is SACK. */
static void test_cause_per_retransmission(void)
{
    ts_script ts;
    open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 4, 4000);
    ACK(&ts, TS_MS(1010), 3001);
    expect_data(&ts, TS_MS(1030), 4001, 1000, __LINE__);
    ACKS(&ts, TS_MS(1040), 3001, 1, {4001, 5001});
    expect_data(&ts, TS_MS(1040), 3001, 1000, __LINE__);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_TLP], 1u);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_RACK], 1u);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_SACK], 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 5, 5000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 5001}); /* IsLost(1001): 3000 bytes above */
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_SACK], 1u);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_RACK], 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The record of what was sent goes with the empty send buffer (idle
 * connections hold no buffer memory), and with it the probe timer: a PTO
 * left armed after the last ACK fired at the next send, sent that data as
 * a "probe" and used up the episode's one probe, so the real tail of the
 * new data had none. Here the PTO of 1001 (1.220 s) is stopped by its ACK;
 * the segment sent at 2 s is ordinary and gets its own probe at 2.220 s. */
static void test_pto_stops_with_the_record(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 1, 1000);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RECOVERY), TS_SEC(1) + 220000u);
    ACK(&ts, TS_MS(1010), 2001);
    SK_CHECK(t->x->rtb == NULL);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RECOVERY), SK_TIME_NEVER);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(2), 1000), 1000);
    expect_data(&ts, TS_SEC(2), 2001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_probes, 0u);
    TS_NOTHING(&ts, TS_SEC(2) + 219999u);
    expect_data(&ts, TS_SEC(2) + 220000u, 2001, 1000, __LINE__);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->tlp_probes, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A connection at RTT 100 ms with the 200 ms minimum RTO (Linux's) and
 * four rounds of one segment ACKed after exactly 100 ms: srtt 100 ms,
 * rttvar down to 15.819 ms; returns with SND.UNA = 5001 at 1.8 s. */
/* RTO = max(SRTT + max(4 RTTVAR, rto_var_min), rto_min): with the variance
 * floor off (RFC 6298 §2.3 as written) the RTO at 100 ms RTT falls to the
 * 200 ms minimum, no later than the probe; the default floor (200 ms)
 * keeps it at SRTT + 200 ms. */
static sk_tcb *open_rack_100ms(ts_script *ts, uint32_t rto_var_min_us)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = "newreno";
    cfg.initial_window_segments = 10;
    cfg.sack = true;
    cfg.rack_tlp = true;
    cfg.rto_min_us = 200000;
    cfg.rto_var_min_us = rto_var_min_us;
    ts_init(ts, &cfg);
    ts->peer_mss = 1000;
    ts->peer_sack = true;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(100)));
    sk_tcb *t = sk_stack_tcb(ts->s, ts->sock);
    for (uint32_t i = 0; i < 4; i++) {
        sk_time_us at = TS_MS(1000 + 200 * i);
        SK_CHECK_EQ_I(ts_send(ts, at, 1000), 1000);
        expect_data(ts, at, 1001 + 1000 * i, 1000, __LINE__);
        ACK(ts, at + TS_MS(100), 2001 + 1000 * i);
    }
    SK_CHECK_EQ(t->srtt, 100000u);
    SK_CHECK_EQ(t->rttvar, 15819u);
    return t;
}

/* RFC 8985 §7.2 TLP_calc_PTO: "If Now() + PTO > TCP_RTO_expire(): PTO =
 * TCP_RTO_expire() - Now()": a probe timeout at or past the RTO is
 * scheduled at the RTO's expiry in its place (Linux: "If RTO is shorter,
 * just schedule TLP in its place"). Four segments at 1.9 s: PTO 2 SRTT =
 * 200 ms is no earlier than the RTO; at 2.1 s the probe (the last segment)
 * goes, not a timeout's go-back-N from 5001, and the RTO restarts from it.
 * At 100 ms RTT with a 200 ms RTO this was a timeout after every tail loss. */
static void test_probe_in_place_of_rto(void)
{
    ts_script ts;
    sk_tcb *t = open_rack_100ms(&ts, 0);
    uint32_t rto = sk_tcb_rto_current(t, &ts.s->env);
    SK_CHECK(rto <= 2 * t->srtt);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1900), 4000), 4000);
    EXPECT_RUN(&ts, TS_MS(1900), 5001, 4);
    TS_NOTHING(&ts, TS_MS(1900) + rto - 1);
    expect_data(&ts, TS_MS(1900) + rto, 8001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1900) + rto);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->timeouts, 0u);
    SK_CHECK_EQ(st->tlp_probes, 1u);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RETRANSMIT), TS_MS(1900) + 2u * rto);
    /* the probe's SACK shows the tail lost: RACK repairs it */
    ACKS(&ts, TS_MS(1900) + rto + TS_MS(100), 5001, 1, {8001, 9001});
    expect_data(&ts, TS_MS(1900) + rto + TS_MS(100), 5001, 1000, __LINE__);
    SK_CHECK_EQ(st->timeouts, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The default floor on the variance term (rto_var_min_us, 200 ms) keeps
 * the RTO at SRTT + 200 ms = 300 ms at 100 ms RTT (4 RTTVAR is 63 ms): the
 * probe (PTO = 2 SRTT, RFC 8985 §7.2) comes 100 ms before it, with room
 * for its ACK, and restarts it (§7.3). Without the floor the RTO was the
 * 200 ms minimum, tied with the PTO (test_probe_in_place_of_rto). */
static void test_probe_before_rto_at_100ms(void)
{
    ts_script ts;
    sk_stack_config def;
    sk_stack_config_default(&def);
    sk_tcb *t = open_rack_100ms(&ts, def.rto_var_min_us);
    uint32_t rto = sk_tcb_rto_current(t, &ts.s->env);
    SK_CHECK_EQ(rto, t->srtt + 200000u);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1900), 4000), 4000);
    EXPECT_RUN(&ts, TS_MS(1900), 5001, 4);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RETRANSMIT), TS_MS(1900) + rto);
    TS_NOTHING(&ts, TS_MS(2100) - 1);
    expect_data(&ts, TS_MS(2100), 8001, 1000, __LINE__); /* the probe */
    TS_NOTHING(&ts, TS_MS(2100));
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RETRANSMIT), TS_MS(2100) + rto);
    /* its ACK, 100 ms later, SACKs the tail: RACK resends the rest, no
     * timeout at 2.2 s (where the RTO of the 4 segments was due) */
    ACKS(&ts, TS_MS(2200), 5001, 1, {8001, 9001});
    expect_data(&ts, TS_MS(2200), 5001, 1000, __LINE__);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->tlp_probes, 1u);
    SK_CHECK_EQ(st->timeouts, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}


/* RFC 6675 §4 SetPipe with RACK's marks as IsLost: a hole RACK found
 * counts once in pipe after its retransmission (the new copy), not twice.
 * Three segments, all that was queued; 2001 SACKed at 1.010 s: 1001 is
 * lost by time at 1.0125 s (RFC 8985 §6.2, reo_wnd 2.5 ms) though not by
 * IsLost (one segment SACKed above). Recovery (ssthresh 2 SMSS), 1001
 * resent, then the application queues more. At 1.013 s 3001 is SACKed:
 * pipe is the retransmission alone (1000), and PRR-SSRB (RFC 6937) sends
 * new data 4001 behind it. The retransmission was lost: 4001's SACK at
 * 1.023 s shows it (sent before a delivered range by more than RACK.rtt)
 * and 1001 goes again, no timeout. Before, the lost original still
 * counted in pipe (2000 = ssthresh): nothing new went, and only the RTO
 * (1 s later) could repair 1001. */
static void test_rack_hole_once_in_pipe(void)
{
    ts_script ts;
    sk_tcb *t = open_rack(&ts, "newreno");
    send_segs(&ts, TS_SEC(1), 3, 3000);
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 3001});
    TS_NOTHING(&ts, TS_SEC(1) + 12499u);
    expect_data(&ts, TS_SEC(1) + 12500u, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1) + 12500u);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->ssthresh, 2000u);
    SK_CHECK_EQ(sk_rec_pipe(t, t->snd_una), 2000u); /* 1001 again, 3001 */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1013) - 100u, 10000), 10000);
    TS_NOTHING(&ts, TS_MS(1013) - 100u);
    ACKS(&ts, TS_MS(1013), 1001, 1, {2001, 4001});
    expect_data(&ts, TS_MS(1013), 4001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1013));
    SK_CHECK_EQ(sk_rec_pipe(t, t->snd_una), 2000u); /* 1001 again, 4001 */
    ACKS(&ts, TS_MS(1023), 1001, 1, {2001, 5001});
    expect_data(&ts, TS_MS(1023), 1001, 1000, __LINE__);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_RACK], 2u);
    SK_CHECK_EQ(st->timeouts, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A range RACK marks lost above every SACK block (RFC 8985 §6.2 step 5:
 * a later-sent range was delivered by a cumulative ACK) is resent at once.
 * 1001-3001 at 1.000 s with 20000 queued (initial window 3); 2001-3001
 * SACKed at 1.010 s, Limited Transmit sends 4001. 1001 is lost by time at
 * 1.0125 s: recovery (RecoveryPoint 5001, ssthresh 2000), 1001 resent.
 * 4001 is lost too. At 1.0225 s the retransmission's ACK (4001, no SACK
 * block) delivers a range sent after 4001, which is then older than
 * RACK.rtt (reo_wnd 0 in recovery): lost, with no SACKed byte above it,
 * so no hole for RFC 6675's NextSeg rule (1). It goes first (RACK), then
 * new data 5001. Before, 4001 counted in pipe and only 5001 went: 4001
 * waited for 5001's SACK, or for the RTO when 5001 or its ACK was lost. */
static void test_rack_lost_above_sacks(void)
{
    ts_script ts;
    sk_tcb *t = open_rack_iw(&ts, "newreno", 3);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 20000), 20000);
    EXPECT_RUN(&ts, TS_SEC(1), 1001, 3);
    TS_NOTHING(&ts, TS_SEC(1));
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 4001});
    expect_data(&ts, TS_MS(1010), 4001, 1000, __LINE__); /* Limited Transmit */
    TS_NOTHING(&ts, TS_SEC(1) + 12499u);
    expect_data(&ts, TS_SEC(1) + 12500u, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_SEC(1) + 12500u);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->ssthresh, 2000u);
    ACK(&ts, TS_MS(1022) + 500u, 4001);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    expect_data(&ts, TS_MS(1022) + 500u, 4001, 1000, __LINE__);
    expect_data(&ts, TS_MS(1022) + 500u, 5001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1022) + 500u);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_RACK], 2u);
    SK_CHECK_EQ(st->timeouts, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The data segments output sends at t: their sequence numbers (the
 * script's, absolute), at most `cap`; returns how many. */
static uint32_t sent_at(ts_script *ts, sk_time_us t, uint32_t *seqs, uint32_t cap)
{
    uint32_t n = 0;
    const ts_out *o;
    while ((o = ts_next(ts, t)) != NULL)
        if (o->hdr.payload_len > 0 && n < cap)
            seqs[n++] = o->hdr.seq.v;
    return n;
}

static bool has_seq(const uint32_t *seqs, uint32_t n, uint32_t seq)
{
    for (uint32_t i = 0; i < n; i++)
        if (seqs[i] == seq)
            return true;
    return false;
}

/* A new recovery does not resend a retransmission still in flight (IW 20,
 * newreno, MSS 1000, RTT 10 ms). The first recovery (1001 lost,
 * RecoveryPoint 21001) sends new data 21001-30001; 21001 is lost, and so is
 * 1001's copy: RACK resends both at 1.021 s, after 23001-29001 (sent at
 * 1.012 s). At 1.030 s the ACK of 1001's second copy ends that recovery
 * exactly at 21001, with 22001 and 25001-29001 SACKed: 21001 is lost by
 * RFC 6675's IsLost (5 segments SACKed above it) and 23001-25001 by RACK
 * (sent before 25001's delivery), which starts the next recovery. RFC 6675
 * starts HighRxt at HighACK, so NextSeg's rule (1) used to send 21001
 * again at once, 1 ms before its copy's ACK could come; the D-SACK of that
 * duplicate then undid the new recovery's reduction (its only
 * retransmission was a duplicate: tcp_spurious.c), a loss response
 * undone after a real loss. Now HighRxt starts above the copy
 * (high_rxt_start): the holes RACK found go, 21001 waits, and when RACK
 * marks its copy lost too (30001, sent after it, SACKed at 1.031 s) it goes
 * again. */
static void test_new_recovery_skips_rexmit_in_flight(void)
{
    ts_script ts;
    sk_tcb *t = open_rack_iw(&ts, "newreno", 20);
    send_segs(&ts, TS_SEC(1), 20, 60000);
    uint32_t q[32], n;
    ACKS(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    ts_discard(&ts, TS_MS(1010));
    ACKS(&ts, TS_MS(1011), 1001, 1, {2001, 11001});
    ts_discard(&ts, TS_MS(1011));
    ACKS(&ts, TS_MS(1012), 1001, 1, {2001, 21001});
    n = sent_at(&ts, TS_MS(1012), q, 32);
    SK_CHECK(has_seq(q, n, 24001) && has_seq(q, n, 29001));
    SK_CHECK_EQ(t->x->past.recover.v, 21001u);
    ACKS(&ts, TS_MS(1021), 1001, 2, {22001, 23001}, {2001, 21001});
    n = sent_at(&ts, TS_MS(1021), q, 32);
    SK_CHECK(has_seq(q, n, 1001) && has_seq(q, n, 21001) && has_seq(q, n, 30001));
    ACKS(&ts, TS_MS(1030), 21001, 2, {25001, 29001}, {22001, 23001});
    n = sent_at(&ts, TS_MS(1030), q, 32);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_recoveries, 2u);
    SK_CHECK(!has_seq(q, n, 21001));
    SK_CHECK(has_seq(q, n, 23001) && has_seq(q, n, 24001));
    uint64_t rack = sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_RACK];
    ACKS(&ts, TS_MS(1031), 21001, 3, {30001, 31001}, {25001, 29001}, {22001, 23001});
    n = sent_at(&ts, TS_MS(1031), q, 32);
    SK_CHECK(has_seq(q, n, 21001) && has_seq(q, n, 29001)); /* 29001: sent before 30001 too */
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits_by_cause[SK_REXMIT_RACK], rack + 2);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_pto_several_segments);
    SK_RUN(test_pto_one_segment);
    SK_RUN(test_probe_sends_new_data);
    SK_RUN(test_lost_tail_two_round_trips);
    SK_RUN(test_tlp_loss_detection);
    SK_RUN(test_rack_reorder_timer);
    SK_RUN(test_reo_wnd_grows_after_dsack);
    SK_RUN(test_cause_per_retransmission);
    SK_RUN(test_rack_lost_retransmission);
    SK_RUN(test_rack_in_rto_recovery);
    SK_RUN(test_retransmission_is_no_reordering);
    SK_RUN(test_rack_mark_on_recovery_exit);
    SK_RUN(test_fack_from_first_delivery);
    SK_RUN(test_delivered_in_ascending_order);
    SK_RUN(test_probe_in_place_of_rto);
    SK_RUN(test_probe_before_rto_at_100ms);
    SK_RUN(test_pto_stops_with_the_record);
    SK_RUN(test_rack_hole_once_in_pipe);
    SK_RUN(test_rack_lost_above_sacks);
    SK_RUN(test_new_recovery_skips_rexmit_in_flight);
    return sk_test_finish();
}
