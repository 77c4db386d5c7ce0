/* Loss recovery with SACK (RFC 6675) and Proportional Rate Reduction (RFC
 * 6937), tcp_recovery.c, in virtual time: the scoreboard from SACK blocks,
 * IsLost and SetPipe on a worked example, entry on the third duplicate ACK
 * and on IsLost(HighACK+1) (bytes and discontiguous blocks), NextSeg's
 * order, PRR's sndcnt per ACK with NewReno (beta 1/2) and CUBIC (0.7), the
 * exit at RecoveryPoint with cwnd = ssthresh, two losses of one window
 * retransmitted within one round trip (NewReno without SACK needs two), a
 * timeout discarding the scoreboard. SMSS is 1000 (the peer's MSS). The
 * NewReno path without SACK: test_tcp_cc.c. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

/* An active connection, SACK on both sides unless `sack` is false, MSS
 * 1000, the initial window `iw` segments. */
static sk_tcb *open_conn(ts_script *ts, const char *cc, uint8_t iw, bool sack)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = cc;
    cfg.initial_window_segments = iw;
    cfg.sack = sack;
    ts_init(ts, &cfg);
    ts->peer_mss = 1000;
    ts->peer_sack = sack;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    return sk_stack_tcb(ts->s, ts->sock);
}

static void expect_data(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t len, int line)
{
    ts_expect_(ts, __FILE__, line, t, (ts_seg){.flags = TS_A, .seq = seq, .ack = 5001, .len = len});
}

/* An ACK of `ack` with SACK blocks [l, r) pairs. */
#define SACKACK(ts, t, a, n, ...)                                                                 \
    TS_INJECT((ts), (t), .flags = TS_A, .seq = 5001, .ack = (a), TS_SACK((n), __VA_ARGS__))

static void send_window(ts_script *ts, sk_time_us t, uint32_t segs, size_t queued)
{
    SK_CHECK_EQ_I(ts_send(ts, t, queued), (ptrdiff_t)queued);
    for (uint32_t i = 0; i < segs; i++)
        expect_data(ts, t, 1001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(ts, t);
}

static uint32_t pipe_of(const sk_tcb *t)
{
    return sk_rec_pipe(t, t->snd_una);
}

/* The scoreboard: blocks in any order merge, a DSACK block (at or below
 * SEG.ACK) marks nothing, blocks below SND.UNA or past SND.MAX are not
 * taken; the cumulative ACK trims it. */
static void test_scoreboard_updates(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    sk_time_us at = TS_MS(1010);
    SACKACK(&ts, at, 1001, 2, {4001, 5001}, {2001, 3001}); /* out of order */
    SK_CHECK_EQ(sk_rset_count(&t->x->rtb->sacked), 2u);
    SACKACK(&ts, at, 1001, 1, {3001, 4001}); /* fills between: one range */
    SK_CHECK_EQ(sk_rset_count(&t->x->rtb->sacked), 1u);
    SK_CHECK(sk_rset_covers(&t->x->rtb->sacked, sk_seq_make(2001), sk_seq_make(5001)));
    /* a cumulative ACK to 3001 with a DSACK of [1001, 2001) and a block
     * past SND.MAX: neither is marked, [3001, 5001) stays */
    SACKACK(&ts, at, 3001, 2, {1001, 2001}, {9001, 12001});
    SK_CHECK_EQ(sk_rset_count(&t->x->rtb->sacked), 1u);
    SK_CHECK_EQ(sk_rtb_sacked_above(t->x->rtb, t->snd_una), 2000u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dsack_in, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Two losses in one window (segments 1001 and 5001 of ten), NewReno's
 * beta: the worked example of RFC 6675 and RFC 6937 step by step. FlightSize
 * 10000, ssthresh 5000, RecoverFS 10000. */
static void test_two_losses_one_round_trip(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    sk_time_us at = TS_MS(1010);
    SACKACK(&ts, at, 1001, 1, {2001, 3001});
    SACKACK(&ts, at, 1001, 1, {2001, 4001});
    TS_NOTHING(&ts, at); /* two duplicate ACKs, 2000 bytes SACKed: not lost yet */
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    SACKACK(&ts, at, 1001, 1, {2001, 5001});
    /* entry: hole [1001, 2001) IsLost (3000 > 2 SMSS SACKed above); pipe
     * = tail [5001, 11001) = 6000 > ssthresh: sndcnt = ceil(1000 * 5000 /
     * 10000) = 500, at least one segment on entry: cwnd = 7000 */
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->ssthresh, 5000u);
    SK_CHECK_EQ(t->cwnd, 7000u);
    SK_CHECK_EQ(t->x->past.recover.v, 11001u);
    expect_data(&ts, at, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, at);
    SK_CHECK_EQ(pipe_of(t), 7000u); /* the retransmission counts (<= HighRxt) */
    /* 6001 arrives: hole [5001, 6001) has 1000 bytes, one block above: not
     * lost; pipe = 1000 (rexmit) + 1000 + 4000 = 6000 > 5000: sndcnt =
     * ceil(2000 * 5000 / 10000) - 1000 = 0 */
    at += TS_MS(1);
    SACKACK(&ts, at, 1001, 2, {6001, 7001}, {2001, 5001});
    SK_CHECK_EQ(pipe_of(t), 6000u);
    SK_CHECK_EQ(t->cwnd, 6000u);
    TS_NOTHING(&ts, at);
    /* 7001 arrives: [5001, 6001) has 2000 bytes, one block above: still
     * not lost; pipe = 1000 + 1000 + 3000 = 5000 = ssthresh: PRR-SSRB,
     * sndcnt = min(5000 - 5000, max(3000 - 1000, 1000) + 1000) = 0 */
    at += TS_MS(1);
    SACKACK(&ts, at, 1001, 2, {6001, 8001}, {2001, 5001});
    SK_CHECK_EQ(pipe_of(t), 5000u);
    SK_CHECK_EQ(t->cwnd, 5000u);
    TS_NOTHING(&ts, at);
    /* 8001 arrives: 3000 bytes above [5001, 6001): lost; pipe = 1000 + 0
     * + 2000 = 3000: sndcnt = min(2000, max(4000 - 1000, 1000) + 1000) =
     * 2000, cwnd 5000: the second hole goes now, in the first round trip */
    at += TS_MS(1);
    SACKACK(&ts, at, 1001, 2, {6001, 9001}, {2001, 5001});
    SK_CHECK_EQ(t->cwnd, 5000u);
    expect_data(&ts, at, 5001, 1000, __LINE__);
    /* no new data, no hole above HighRxt (6001), but the tail [9001,
     * 11001) is not SACKed yet: NextSeg rule (4), the rescue
     * retransmission, sends its last segment (needlessly here: it arrives
     * with the next ACKs); one per recovery */
    expect_data(&ts, at, 10001, 1000, __LINE__);
    TS_NOTHING(&ts, at);
    /* the rest of the window: nothing more to send */
    at += TS_MS(1);
    SACKACK(&ts, at, 1001, 2, {6001, 10001}, {2001, 5001});
    SACKACK(&ts, at, 1001, 2, {6001, 11001}, {2001, 5001});
    TS_NOTHING(&ts, at);
    /* the retransmissions arrive: a partial ACK, then the full ACK; the
     * exit sets cwnd = ssthresh (RFC 6937) */
    at = TS_MS(1020);
    SACKACK(&ts, at, 5001, 1, {6001, 11001});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    TS_NOTHING(&ts, at);
    TS_INJECT(&ts, at + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 11001);
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    SK_CHECK_EQ(t->cwnd, 5000u);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->retransmits, 3u);
    SK_CHECK_EQ(st->timeouts, 0u);
    SK_CHECK_EQ(st->sack_recoveries, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The same losses without SACK: NewReno retransmits the second hole only
 * at the partial ACK, one round trip later. */
static void test_two_losses_newreno_two_round_trips(void)
{
    ts_script ts;
    open_conn(&ts, "newreno", 10, false);
    send_window(&ts, TS_SEC(1), 10, 10000);
    sk_time_us at = TS_MS(1010);
    for (int i = 0; i < 3; i++)
        TS_INJECT(&ts, at, .flags = TS_A, .seq = 5001, .ack = 1001);
    expect_data(&ts, at, 1001, 1000, __LINE__);
    for (int i = 0; i < 5; i++)
        TS_INJECT(&ts, at + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_NOTHING(&ts, at + TS_MS(1)); /* 5001 is not retransmitted yet */
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 5001);
    expect_data(&ts, TS_MS(1020), 5001, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 6675 §5 (2): one duplicate ACK suffices when IsLost(HighACK + 1):
 * more than (DupThresh - 1) * SMSS bytes SACKed above it (2000 is not,
 * 2001 is), or DupThresh discontiguous SACKed ranges however small. */
static void test_entry_on_islost(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    SACKACK(&ts, TS_MS(1010), 1001, 1, {3001, 5001});
    TS_NOTHING(&ts, TS_MS(1010));
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    SACKACK(&ts, TS_MS(1011), 1001, 1, {3001, 5002});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->x->dupacks, 2);
    expect_data(&ts, TS_MS(1011), 1001, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    SACKACK(&ts, TS_MS(1010), 1001, 3, {2101, 2201}, {2301, 2401}, {2501, 2601});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->x->dupacks, 1);
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* PRR's proportional part (pipe > ssthresh) per ACK, one loss in a
 * window of 20 with 10 segments more queued; Limited Transmit sends two of
 * them on the first two duplicate ACKs (not counted in FlightSize for
 * ssthresh, RFC 5681 §3.2). RecoverFS = 22000. Each ACK SACKs 1000 more:
 * sndcnt = ceil(prr_delivered * ssthresh / RecoverFS) - prr_out, cwnd =
 * pipe + sndcnt; new data goes once sndcnt reaches a segment. */
static void prr_proportional(const char *cc, uint32_t ssthresh, const uint32_t *cwnd_after,
                             uint32_t new_at)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, cc, 20, true);
    send_window(&ts, TS_SEC(1), 20, 30000);
    sk_time_us at = TS_MS(1010);
    SACKACK(&ts, at, 1001, 1, {2001, 3001});
    expect_data(&ts, at, 21001, 1000, __LINE__); /* Limited Transmit */
    SACKACK(&ts, at, 1001, 1, {2001, 4001});
    expect_data(&ts, at, 22001, 1000, __LINE__);
    SACKACK(&ts, at, 1001, 1, {2001, 5001});
    SK_CHECK_EQ(t->ssthresh, ssthresh);
    SK_CHECK_EQ(t->x->rtb->recover_fs, 22000u);
    SK_CHECK_EQ(t->cwnd, cwnd_after[0]);
    expect_data(&ts, at, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, at);
    for (uint32_t k = 1; k <= new_at; k++) {
        at += TS_MS(1);
        SACKACK(&ts, at, 1001, 1, {2001, 5001 + 1000 * k});
        SK_CHECK_EQ(t->cwnd, cwnd_after[k]);
        if (k < new_at)
            TS_NOTHING(&ts, at);
    }
    expect_data(&ts, at, 23001, 1000, __LINE__); /* rule (2): new data */
    TS_NOTHING(&ts, at);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

static void test_prr_proportional_newreno(void)
{
    /* ssthresh 20000 / 2; pipe 18000 at entry, then 18000, 17000, 16000
     * (each ACK SACKs a segment; the retransmission counts once more):
     * sndcnt ceil(1000*10000/22000) = 455 (one segment on entry: 1000),
     * then 910 - 1000 < 0: 0, 1364 - 1000 = 364, 1819 - 1000 = 819,
     * 2273 - 1000 = 1273: a segment of new data */
    const uint32_t cwnd[] = {19000, 18000, 17364, 16819, 16273};
    prr_proportional("newreno", 10000, cwnd, 4);
}

static void test_prr_proportional_cubic(void)
{
    /* ssthresh 20000 * 0.7 = 14000: sndcnt 637 (1000 on entry), then
     * ceil(2000*14000/22000) = 1273 - 1000 = 273, 1910 - 1000 = 910,
     * 2546 - 1000 = 1546: a segment of new data */
    const uint32_t cwnd[] = {19000, 18273, 17910, 17546};
    prr_proportional("cubic", 14000, cwnd, 3);
}

/* NextSeg order: a lost hole first (rule 1), then new data (rule 2), and
 * only without new data a hole not yet lost (rule 3). */
static void test_nextseg_order(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "cubic", 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    sk_time_us at = TS_MS(1010);
    /* one ACK SACKs three segments: [1001, 2001) IsLost, recovery starts
     * (CUBIC: ssthresh 7000); pipe = 6000: PRR-SSRB sndcnt = min(1000,
     * 3000 + 1000) = 1000: the lost hole (rule 1) */
    SACKACK(&ts, at, 1001, 1, {2001, 5001});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->cwnd, 7000u);
    expect_data(&ts, at, 1001, 1000, __LINE__);
    TS_NOTHING(&ts, at);
    /* the application writes (no room yet: pipe = cwnd); then 7001 is
     * SACKed, leaving [5001, 6001) a hole not yet lost; sndcnt 1000: new
     * data (rule 2) before that hole */
    SK_CHECK_EQ_I(ts_send(&ts, at, 1000), 1000);
    TS_NOTHING(&ts, at);
    at += TS_MS(1);
    SACKACK(&ts, at, 1001, 2, {6001, 7001}, {2001, 5001});
    expect_data(&ts, at, 11001, 1000, __LINE__); /* rule 2 */
    TS_NOTHING(&ts, at);
    /* 8001 SACKed: sndcnt 1000 again, no new data left: rule 3 sends the
     * hole that is not (yet) lost */
    at += TS_MS(1);
    SACKACK(&ts, at, 1001, 2, {6001, 8001}, {2001, 5001});
    expect_data(&ts, at, 5001, 1000, __LINE__); /* rule 3 */
    TS_NOTHING(&ts, at);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 6675 §5: a new loss right after a recovery ended starts the next
 * one, although the duplicate ACKs are for the last RecoveryPoint itself
 * (NewReno's "covers more than recover" would wait for the timeout). */
static void test_recovery_again_at_recovery_point(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    SACKACK(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 11001);
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    SK_CHECK_EQ(t->x->past.recover.v, 11001u);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1020), 5000), 5000);
    for (uint32_t i = 0; i < 5; i++) /* cwnd = ssthresh = 5000 */
        expect_data(&ts, TS_MS(1020), 11001 + 1000 * i, 1000, __LINE__);
    SACKACK(&ts, TS_MS(1030), 11001, 1, {12001, 15001});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    expect_data(&ts, TS_MS(1030), 11001, 1000, __LINE__);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_recoveries, 2u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 2018 §8 / RFC 6675 §5.1: a timeout leaves recovery and discards the
 * scoreboard (the peer may have reneged); everything from SND.UNA is sent
 * again, SACKed or not. */
static void test_timeout_discards_scoreboard(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 4, 4000);
    SACKACK(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    const ts_out *o = ts_next(&ts, TS_SEC(5));
    SK_CHECK(o != NULL && o->hdr.seq.v == 1001);
    SK_CHECK(!(t->flags & (SK_TF_IN_RECOVERY | SK_TF_SACK_RECOVERY)));
    SK_CHECK_EQ(sk_rset_count(&t->x->rtb->sacked), 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A timeout inside fast recovery is part of the episode whose entry made
 * the reduction (one per episode: RFC 5681 §3.2, RFC 6675; Linux's
 * tcp_enter_loss): ssthresh stays at the entry's value (CUBIC 0.7 x 10000,
 * NewReno 1/2), only the loss window applies. Reducing again took
 * ssthresh from a FlightSize PRR had already cut: 0.7 x min(10000, cwnd
 * 7000) = 4900 (NewReno 1/2 x 5000 = 2500). A timeout outside recovery
 * still reduces (test_tcp_spurious.c flight_then_timeout). */
static void timeout_in_recovery(const char *cc, uint32_t ssthresh)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, cc, 10, true);
    send_window(&ts, TS_SEC(1), 10, 10000);
    SACKACK(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->ssthresh, ssthresh);
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    const ts_out *o = ts_next(&ts, TS_SEC(5));
    SK_CHECK(o != NULL && o->hdr.seq.v == 1001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1u);
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    SK_CHECK_EQ(t->ssthresh, ssthresh);
    SK_CHECK_EQ(t->cwnd, 1000u);
    /* the second timeout of the episode holds it too */
    o = ts_next(&ts, TS_SEC(10));
    SK_CHECK(o != NULL && o->hdr.seq.v == 1001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 2u);
    SK_CHECK_EQ(t->ssthresh, ssthresh);
    SK_CHECK_EQ(t->cwnd, 1000u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

static void test_timeout_in_recovery_keeps_ssthresh(void)
{
    timeout_in_recovery("cubic", 7000);
    timeout_in_recovery("newreno", 5000);
}

/* The retransmission of the segment at SND.UNA restarts the RTO (Linux's
 * tcp_xmit_retransmit_queue does): the news of the loss of 1001 comes at
 * 1.5 s, half an RTO after the window went, and the fast retransmission
 * then has a whole RTO (1 s) to be acknowledged; the timer is not left at
 * 2.0 s, one RTO after the last cumulative ACK, where it fired before the
 * retransmission's ACK could return whenever the RTO was under two RTTs. */
static void test_head_retransmission_restarts_rto(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 5, 5000);
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RETRANSMIT), TS_SEC(2));
    SACKACK(&ts, TS_MS(1500), 1001, 1, {2001, 5001}); /* IsLost(1001) */
    expect_data(&ts, TS_MS(1500), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1500));
    SK_CHECK_EQ(sk_tcb_timer(&ts.s->env, t, SK_TIMER_RETRANSMIT), TS_MS(2500));
    TS_NOTHING(&ts, TS_MS(2500) - 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 0u);
    expect_data(&ts, TS_MS(2500), 1001, 1000, __LINE__);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 6675 §2: with SACK, a duplicate acknowledgment is an ACK whose SACK
 * blocks cover octets not yet acknowledged or SACKed, "even if it carries
 * new data, changes the advertised window, or moves the cumulative
 * acknowledgment point" (RFC 5681's definition, which requires the same
 * window, is for the sender without SACK). A Linux receiver's window moves
 * by a unit or two from one ACK to the next: these three ACKs, each with a
 * new window, enter recovery; they used to be ignored until the RTO. An
 * ACK that brings no new SACK information still needs the same window. */
static void test_dupack_with_sack_news_despite_window_change(void)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 5, 5000);
    for (uint32_t i = 0; i < 3; i++)
        TS_INJECT(&ts, TS_MS(1010) + i, .flags = TS_A, .seq = 5001, .ack = 1001,
                  TS_WIN(60000 + 1000 * i), TS_SACK(1, {2001, 3001 + 1000 * i}));
    SK_CHECK_EQ(t->x->dupacks, 3);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    expect_data(&ts, TS_MS(1012), 1001, 1000, __LINE__);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    t = open_conn(&ts, "newreno", 10, true);
    send_window(&ts, TS_SEC(1), 5, 5000);
    TS_INJECT(&ts, TS_MS(1010), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(60000),
              TS_SACK(1, {2001, 3001}));
    TS_INJECT(&ts, TS_MS(1011), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(61000),
              TS_SACK(1, {2001, 3001})); /* nothing new: a window update */
    SK_CHECK_EQ(t->x->dupacks, 1);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 6675 §4 NextSeg rule (4), the rescue retransmission: 1001 and the
 * tail 5001-11001 are lost, 2001-5001 SACKed, no new data waits. The fast
 * retransmit repairs 1001; its ACK (5001, partial) leaves rules (1)-(3)
 * nothing, so one segment with the highest unSACKed octet goes: 10001.
 * One rescue per recovery: RescueRxt = RecoveryPoint, and HighRxt stays.
 * RACK is off: with it the tail is lost by time on the partial ACK
 * already (sent before the delivered retransmission, reo_wnd 0 in
 * recovery) and goes as RACK retransmissions, no rescue (second half). */
static void test_rescue_retransmission(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = "newreno";
    cfg.initial_window_segments = 10;
    cfg.sack = true;
    cfg.rack_tlp = false;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    ts.peer_sack = true;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    send_window(&ts, TS_SEC(1), 10, 10000);
    SACKACK(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    SACKACK(&ts, TS_MS(1020), 5001, 0, {0, 0});
    expect_data(&ts, TS_MS(1020), 10001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1020));
    SK_CHECK(t->x->rtb->rescue_set && t->x->rtb->rescue_rxt.v == 11001u);
    SK_CHECK_EQ(t->x->rtb->high_rxt.v, 2001u);
    /* no second rescue in this recovery: the rescue's SACK sends nothing
     * (the tail's holes are not lost by IsLost, and no room for rule (3)) */
    SACKACK(&ts, TS_MS(1030), 5001, 1, {10001, 11001});
    TS_NOTHING(&ts, TS_MS(1030));
    SK_CHECK_EQ(t->x->rtb->rescue_rxt.v, 11001u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    /* RACK on: the partial ACK delivers the retransmission of 1001, sent
     * after the whole tail, so 5001-11001 are lost by time (RFC 8985 §6.2)
     * with no SACK above them; they go as RACK retransmissions, the four
     * PRR allows, lowest first (tcp_recovery.c rack_stranded). RFC 8985
     * §7.2: the PTO armed at 1.0 s (1.020 s) was stopped when recovery
     * began; it used to fire here and send 10001 as a probe. */
    cfg.rack_tlp = true;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    ts.peer_sack = true;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    t = sk_stack_tcb(ts.s, ts.sock);
    send_window(&ts, TS_SEC(1), 10, 10000);
    SACKACK(&ts, TS_MS(1010), 1001, 1, {2001, 5001});
    expect_data(&ts, TS_MS(1010), 1001, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1010));
    SACKACK(&ts, TS_MS(1020), 5001, 0, {0, 0});
    for (uint32_t i = 0; i < 4; i++)
        expect_data(&ts, TS_MS(1020), 5001 + 1000 * i, 1000, __LINE__);
    TS_NOTHING(&ts, TS_MS(1020));
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK(!t->x->rtb->rescue_set);
    SK_CHECK_EQ(st->tlp_probes, 0u);
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_RACK], 4u);
    SK_CHECK_EQ(st->timeouts, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Forty holes across a window of 100 segments (every other one of the
 * first 80 lost), each SACKed segment reported once, in ascending order.
 * With a 1 MiB send buffer the scoreboard, sized from it (tcp_rtb.h: 359
 * ranges), remembers all forty SACKed ranges and counts nothing full; every
 * retransmission is a hole's, in ascending order, none a SACKed range's.
 * The fixed scoreboard of 16 ranges forgot the last 24. */
static void test_forty_holes_remembered(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = "newreno";
    cfg.sack = true;
    cfg.sndbuf = 1u << 20;
    ts_init(&ts, &cfg);
    ts.peer_mss = 1000;
    ts.peer_sack = true;
    ts.peer_ws = 7;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    /* the SYN,ACK's window is unscaled (RFC 7323 §2.2): a window update
     * opens it to 65535 << 7 */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_NOTHING(&ts, TS_MS(20));
    t->cwnd = 100000; /* as if slow start had grown it: 100 segments */
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 100000), 100000);
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(1)), 100u);
    uint32_t next_hole = 0, rexmits = 0;
    for (uint32_t i = 0; i < 40; i++) {
        uint32_t l = 2001 + 2000 * i; /* segment 2i+1; segment 2i is a hole */
        sk_time_us at = TS_MS(1010) + i;
        SACKACK(&ts, at, 1001, 1, {l, l + 1000});
        for (const ts_out *o; (o = ts_next(&ts, at)) != NULL;) {
            uint32_t off = o->hdr.seq.v - 1001;
            SK_CHECK_MSG(off < 100000 && off % 2000 == 0 && off / 2000 == next_hole,
                         "retransmission at %u: hole %u expected", o->hdr.seq.v,
                         1001 + 2000 * next_hole);
            SK_CHECK_EQ(o->hdr.payload_len, (size_t)1000);
            next_hole++;
            rexmits++;
        }
    }
    SK_CHECK(t->flags & SK_TF_SACK_RECOVERY);
    SK_CHECK_EQ(sk_rset_count(&t->x->rtb->sacked), 40u);
    SK_CHECK_EQ(sk_rtb_sacked_above(t->x->rtb, t->snd_una), 40000u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_scoreboard_full, 0u);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->rtb_coarse, 0u);
    SK_CHECK(rexmits > 0 && rexmits <= 40);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits, (uint64_t)rexmits);
    /* SetPipe: 38 holes are lost (IsLost: three SACKed blocks above), the
     * last two are not (two and one above) and count, as do the 20
     * segments above the last SACKed one and the retransmissions */
    SK_CHECK_EQ(pipe_of(t), 20000u + 2000u + 1000u * rexmits);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* FlightSize counts SACKed bytes above the holes, which are not in the
 * network: after a recovery that ended with cwnd below what is outstanding,
 * a loss must not set ssthresh from the larger FlightSize (CUBIC at 4 MiB
 * raised ssthresh from one recovery to the next: 458, 576, 677 ... segments
 * on a path that holds 345). ssthresh comes from min(FlightSize, cwnd):
 * with 20 segments out and cwnd 10000, NewReno's half is 5000, CUBIC's 0.7
 * is 7000 (FlightSize gave 10000 and 14000). */
static void ssthresh_from_cwnd(const char *cc, uint32_t want)
{
    ts_script ts;
    sk_tcb *t = open_conn(&ts, cc, 20, true);
    send_window(&ts, TS_SEC(1), 20, 20000);
    t->cwnd = 10000; /* as a recovery that just ended left it */
    SACKACK(&ts, TS_MS(1010), 1001, 1, {2001, 5001}); /* IsLost(1001) */
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(t->ssthresh, want);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

static void test_ssthresh_not_above_cwnd(void)
{
    ssthresh_from_cwnd("newreno", 5000);
    ssthresh_from_cwnd("cubic", 7000);
}

int main(void)
{
    SK_RUN(test_scoreboard_updates);
    SK_RUN(test_two_losses_one_round_trip);
    SK_RUN(test_two_losses_newreno_two_round_trips);
    SK_RUN(test_entry_on_islost);
    SK_RUN(test_prr_proportional_newreno);
    SK_RUN(test_prr_proportional_cubic);
    SK_RUN(test_nextseg_order);
    SK_RUN(test_timeout_discards_scoreboard);
    SK_RUN(test_timeout_in_recovery_keeps_ssthresh);
    SK_RUN(test_recovery_again_at_recovery_point);
    SK_RUN(test_head_retransmission_restarts_rto);
    SK_RUN(test_dupack_with_sack_news_despite_window_change);
    SK_RUN(test_rescue_retransmission);
    SK_RUN(test_forty_holes_remembered);
    SK_RUN(test_ssthresh_not_above_cwnd);
    return sk_test_finish();
}
