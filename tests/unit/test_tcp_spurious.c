/* Spurious retransmissions (tcp_spurious.c): a timeout whose segment was
 * late, not lost, found by Eifel (RFC 3522, timestamps) or F-RTO (RFC 5682
 * §2, and §3 with SACK) and undone by the Eifel response (RFC 4015 §2:
 * cwnd and ssthresh back, new data at SND.MAX instead of go-back-N, the RTO
 * rebased on the RTT the late ACK measured); a genuine timeout kept; a fast
 * retransmit of a reordered segment undone by DSACK (RFC 3708) or by Eifel.
 *
 * The sender is NewReno with RFC 5681's initial window (4 segments of
 * 1000 bytes): IW 4000, ssthresh after the timeout max(4000 / 2, 2000).
 * With timestamps the peer's MSS is 1012, so that segments and the SMSS
 * are 1000 bytes beside the 12 bytes of timestamps. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

#define SS_INIT (UINT32_MAX / 2) /* ssthresh before any congestion signal */

static void open_conn_rack(ts_script *ts, bool tstamps, bool sack, bool rack)
{
    sk_stack_config cfg;
    ts_config_newreno(&cfg);
    cfg.timestamps = tstamps;
    cfg.sack = sack;
    cfg.rack_tlp = rack;
    ts_init(ts, &cfg);
    ts->peer_ts = tstamps;
    ts->peer_sack = sack;
    ts->peer_mss = tstamps ? 1012 : 1000;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    SK_CHECK_EQ(ts_info(ts).cwnd, 4000);
}

static void open_conn(ts_script *ts, bool tstamps, bool sack)
{
    open_conn_rack(ts, tstamps, sack, false);
}

static void data_out(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TS_EXPECT(ts, t, .flags = TS_A, .seq = seq + 1000 * i, .ack = 5001, .len = 1000);
}

/* Four segments out at 1 s, the first retransmitted by the RTO at 2 s
 * (cwnd 1000, ssthresh 2000). Returns our TSval of the originals. */
static uint32_t flight_then_timeout(ts_script *ts)
{
    SK_CHECK_EQ_I(ts_send(ts, TS_SEC(1), 8000), 8000);
    data_out(ts, TS_SEC(1), 1001, 4);
    TS_NOTHING(ts, TS_SEC(1));
    uint32_t orig = ts->us_tsval;
    TS_NOTHING(ts, TS_MS(1999));
    data_out(ts, TS_SEC(2), 1001, 1);
    TS_NOTHING(ts, TS_SEC(2));
    SK_CHECK_EQ(ts_info(ts).cwnd, 1000);
    SK_CHECK_EQ(ts_info(ts).ssthresh, 2000);
    return orig;
}

static uint64_t spurious_rtos(const ts_script *ts)
{
    return sk_stack_stats(ts->s)->spurious_rtos;
}

/* Eifel: the first ACK after the timeout echoes the originals' TSval,
 * older than the retransmission's: the timeout was spurious. cwnd and
 * ssthresh come back, the next segments are new data at SND.MAX (5001),
 * not the go-back-N of 3001 and 4001 the peer holds, and the RTO is
 * rebased (RFC 4015 §2 step DW): the sample is 2010 - 1000 = 1010 ms,
 * SRTT = max(SRTT_prev = 10 + 2 ms, 1010 ms), RTTVAR = max(5 ms, 505 ms),
 * RTO = 1010 + 4 * 505 ms. */
static void test_eifel_spurious_timeout_undone(void)
{
    ts_script ts;
    open_conn(&ts, true, false);
    uint32_t orig = flight_then_timeout(&ts);
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 3001,
              TS_TSOPT(ts_peer_clock(TS_MS(2010)), orig));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    SK_CHECK_EQ(in.cwnd, 4000);
    SK_CHECK_EQ(in.ssthresh, SS_INIT);
    SK_CHECK_EQ(in.srtt_us, 1010000);
    SK_CHECK_EQ(in.rttvar_us, 505000);
    SK_CHECK_EQ(in.rto_us, 3030000);
    /* 2000 in flight (3001..5000) of a 4000 window: two new segments */
    data_out(&ts, TS_MS(2010), 5001, 2);
    TS_NOTHING(&ts, TS_MS(2010));
    /* the rest is acknowledged as usual; no retransmission follows */
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 7001);
    data_out(&ts, TS_MS(2020), 7001, 2);
    TS_INJECT(&ts, TS_MS(2030), .flags = TS_A, .seq = 5001, .ack = 9001);
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->retransmits, 1);
    ts_free(&ts);
}

/* RACK on: the ACK that makes a timeout spurious also shows a hole lost
 * by time. Four segments at 1 s; the probe (new data 5001, RFC 8985 §7.3)
 * at 1.020 s; the RTO at 2.020 s resends 1001. At 2.030 s the ACK of the
 * originals 1001-2001 (TSecr of the originals: spurious) SACKs 4001-6001:
 * 3001, sent before the probe that was delivered, is lost (RFC 8985 §6.2
 * step 5). That ACK was judged while `recover` held the timeout's SND.MAX
 * (RFC 6675 §5.1); the undo lowers it, and 3001 must go now, not after
 * the next RTO (nothing else would bring an ACK). */
static void test_eifel_undo_then_rack_hole(void)
{
    ts_script ts;
    open_conn_rack(&ts, true, true, true);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 8000), 8000);
    data_out(&ts, TS_SEC(1), 1001, 4);
    uint32_t orig = ts.us_tsval;
    TS_NOTHING(&ts, TS_MS(1020) - 1);
    data_out(&ts, TS_MS(1020), 5001, 1); /* the probe: new data */
    TS_NOTHING(&ts, TS_MS(2020) - 1);
    data_out(&ts, TS_MS(2020), 1001, 1); /* the RTO */
    TS_NOTHING(&ts, TS_MS(2020));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1);
    TS_INJECT(&ts, TS_MS(2030), .flags = TS_A, .seq = 5001, .ack = 3001,
              TS_TSOPT(ts_peer_clock(TS_MS(2030)), orig), TS_SACK(1, {4001, 6001}));
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    data_out(&ts, TS_MS(2030), 3001, 1);
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t->flags & SK_TF_IN_RECOVERY);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The same spurious timeout, but the deciding ACK carries a DSACK of the
 * timeout's retransmission (1001..2001): it was sent when that duplicate
 * arrived, and its TSecr echoes the original only because the original's
 * own ACK was lost. 2010 - 1000 = 1010 ms measures that, not the path:
 * the undo stands (cwnd back, new data next), but SRTT is not rebased to
 * 1010 ms. Nor does the estimator sample it (tcp_ts.c: no RTTM sample
 * from an ACK carrying a D-SACK, for the same reason): SRTT 10 ms and
 * RTTVAR 5 ms stay, the RTO is the 1 s minimum. */
static void test_eifel_dsack_ack_keeps_srtt(void)
{
    ts_script ts;
    open_conn(&ts, true, true);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 10000);
    SK_CHECK_EQ(ts_info(&ts).rttvar_us, 5000);
    uint32_t orig = flight_then_timeout(&ts);
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 3001,
              TS_TSOPT(ts_peer_clock(TS_MS(2010)), orig), TS_SACK(1, {1001, 2001}));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    SK_CHECK_EQ(in.cwnd, 4000);
    SK_CHECK_EQ(in.srtt_us, 10000);
    SK_CHECK_EQ(in.rttvar_us, 5000);
    SK_CHECK_EQ(in.rto_us, 1000000);
    data_out(&ts, TS_MS(2010), 5001, 2);
    TS_NOTHING(&ts, TS_MS(2010));
    /* the timer runs on the un-backed-off RTO from this ACK */
    TS_NOTHING(&ts, TS_MS(2010) + 999999);
    data_out(&ts, TS_MS(2010) + 1000000, 3001, 1);
    ts_discard(&ts, TS_MS(2010) + 1000000);
    ts_free(&ts);
}

/* A genuine loss: the first ACK echoes the retransmission's TSval. The
 * timeout stands: ssthresh stays 2000, nothing is counted, and go-back-N
 * resends 3001 (the peer may not hold it). */
static void test_eifel_genuine_timeout_kept(void)
{
    ts_script ts;
    open_conn(&ts, true, false);
    flight_then_timeout(&ts);
    uint32_t rexmit = ts.us_tsval;
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 3001,
              TS_TSOPT(ts_peer_clock(TS_MS(2010)), rexmit));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(spurious_rtos(&ts), 0);
    SK_CHECK_EQ(in.ssthresh, 2000);
    SK_CHECK_EQ(in.cwnd, 3000); /* slow start: 1000 + min(2000, 2 SMSS) */
    data_out(&ts, TS_MS(2010), 3001, 3);
    ts_discard(&ts, TS_MS(2010));
    ts_free(&ts);
}

/* F-RTO without SACK (§2): the first ACK (2001) advances: two new
 * segments (5001, 6001), not a go-back-N retransmission of 2001. */
static void frto_first_ack(ts_script *ts)
{
    TS_INJECT(ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 2001);
    data_out(ts, TS_MS(2010), 5001, 2);
    TS_NOTHING(ts, TS_MS(2010));
}

/* Step 3b: the second ACK acknowledges 3001, sent before the timeout and
 * never retransmitted: the originals arrived, the timeout was spurious.
 * cwnd 4000 and ssthresh come back; 4000 are in flight (3001..7000), so
 * nothing goes out: no go-back-N of 3001 and 4001. */
static void test_frto_new_ack_spurious(void)
{
    ts_script ts;
    open_conn(&ts, false, false);
    flight_then_timeout(&ts);
    frto_first_ack(&ts);
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 3001);
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, SS_INIT);
    TS_NOTHING(&ts, TS_MS(2020));
    TS_INJECT(&ts, TS_MS(2030), .flags = TS_A, .seq = 5001, .ack = 7001);
    data_out(&ts, TS_MS(2030), 7001, 2);
    TS_NOTHING(&ts, TS_MS(2030));
    ts_free(&ts);
}

/* Step 3a: the second ACK is a duplicate (the new segments arrived above
 * a hole): conventional recovery, cwnd at most 3 SMSS (here the 2000 of
 * slow start), back to SND.UNA: 2001 and 3001 go out again. */
static void test_frto_dup_ack_conventional(void)
{
    ts_script ts;
    open_conn(&ts, false, false);
    flight_then_timeout(&ts);
    frto_first_ack(&ts);
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 2001);
    SK_CHECK_EQ(spurious_rtos(&ts), 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 2000);
    data_out(&ts, TS_MS(2020), 2001, 2);
    TS_NOTHING(&ts, TS_MS(2020));
    ts_free(&ts);
}

/* Step 2a: the first ACK after the timeout is a duplicate: no new
 * segments, conventional recovery; the next ACK (2001) goes back N. */
static void test_frto_first_dup_conventional(void)
{
    ts_script ts;
    open_conn(&ts, false, false);
    flight_then_timeout(&ts);
    TS_INJECT(&ts, TS_MS(2005), .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_NOTHING(&ts, TS_MS(2005));
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 2001);
    data_out(&ts, TS_MS(2010), 2001, 1); /* cwnd 2000: 2001 and 3001 */
    data_out(&ts, TS_MS(2010), 3001, 1);
    TS_NOTHING(&ts, TS_MS(2010));
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 3001);
    SK_CHECK_EQ(spurious_rtos(&ts), 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    ts_discard(&ts, TS_MS(2020));
    ts_free(&ts);
}

/* SACK-enhanced F-RTO (§3): after the two new segments, a duplicate ACK
 * that SACKs 3001..4000 (sent before the timeout, never retransmitted)
 * shows the originals arriving: spurious. */
static void test_frto_sack_below_recover_spurious(void)
{
    ts_script ts;
    open_conn(&ts, false, true);
    flight_then_timeout(&ts);
    frto_first_ack(&ts);
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 2001,
              TS_SACK(1, {3001, 4001}));
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, SS_INIT);
    ts_discard(&ts, TS_MS(2020));
    ts_free(&ts);
}

/* ... while a duplicate ACK that SACKs only the new segments (above
 * "recover", 5001) says the hole at 2001 is real: conventional recovery,
 * back to SND.UNA. */
static void test_frto_sack_above_recover_conventional(void)
{
    ts_script ts;
    open_conn(&ts, false, true);
    flight_then_timeout(&ts);
    frto_first_ack(&ts);
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 2001,
              TS_SACK(1, {5001, 7001}));
    SK_CHECK_EQ(spurious_rtos(&ts), 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    TS_EXPECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 2001, .ack = 5001, .len = 1000);
    ts_discard(&ts, TS_MS(2020));
    ts_free(&ts);
}

/* With SACK, a first ACK that covers only part of what step 1 resent is
 * no ground for F-RTO (§3 step 2b): conventional, no new segments. Here
 * the retransmission was one segment, so any advancing first ACK covers
 * it; a first ACK covering everything (the whole flight: 5001 = recover)
 * is step 2a in both variants: conventional, slow start from cwnd 1000. */
static void test_frto_ack_covers_recover(void)
{
    ts_script ts;
    open_conn(&ts, false, true);
    flight_then_timeout(&ts);
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 5001);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 3000);
    data_out(&ts, TS_MS(2010), 5001, 3);
    TS_NOTHING(&ts, TS_MS(2010));
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 8001);
    SK_CHECK_EQ(spurious_rtos(&ts), 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    ts_discard(&ts, TS_MS(2020));
    ts_free(&ts);
}

/* A fast retransmit of a reordered segment: three duplicate ACKs SACKing
 * 2001.., the retransmission of 1001, then the late original fills the
 * hole (the full ACK 5001 ends recovery), then the retransmission arrives
 * and the peer reports it with a DSACK block [1001, 2001): every
 * retransmission of the episode was a duplicate (RFC 3708 §3), so the
 * window reduction is undone. */
static uint32_t fast_retransmit_episode(ts_script *ts)
{
    SK_CHECK_EQ_I(ts_send(ts, TS_SEC(1), 4000), 4000);
    data_out(ts, TS_SEC(1), 1001, 4);
    TS_NOTHING(ts, TS_SEC(1));
    for (uint32_t i = 0; i < 3; i++)
        TS_INJECT(ts, TS_MS(1010), .flags = TS_A, .seq = 5001, .ack = 1001,
                  TS_SACK(1, {2001, 3001 + 1000 * (i < 2 ? i : 2)}));
    data_out(ts, TS_MS(1010), 1001, 1);
    TS_NOTHING(ts, TS_MS(1010));
    SK_CHECK_EQ(sk_stack_stats(ts->s)->fast_retransmits, 1);
    SK_CHECK_EQ(ts_info(ts).ssthresh, 2000);
    return ts->us_tsval;
}

static void test_dsack_spurious_fast_retransmit_undone(void)
{
    ts_script ts;
    open_conn(&ts, false, true);
    fast_retransmit_episode(&ts);
    TS_INJECT(&ts, TS_MS(1015), .flags = TS_A, .seq = 5001, .ack = 5001);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000); /* not yet: no DSACK */
    SK_CHECK_EQ(sk_stack_stats(ts.s)->spurious_fast_retransmits, 0);
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 5001,
              TS_SACK(1, {1001, 2001}));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dsack_in, 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->spurious_fast_retransmits, 1);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, SS_INIT);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    ts_discard(&ts, TS_MS(1020));
    ts_free(&ts);
}

/* A DSACK for data outside the episode (below the retransmitted range, a
 * duplicate the network made earlier) proves nothing: no undo. */
static void test_dsack_other_range_kept(void)
{
    ts_script ts;
    open_conn(&ts, false, true);
    fast_retransmit_episode(&ts);
    TS_INJECT(&ts, TS_MS(1015), .flags = TS_A, .seq = 5001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 5001,
              TS_SACK(1, {1, 1001}));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->spurious_fast_retransmits, 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    ts_discard(&ts, TS_MS(1020));
    ts_free(&ts);
}

/* With timestamps, the full ACK of a reordered segment echoes the
 * original's TSval, older than the fast retransmission's: undone at once
 * (RFC 3522 on a fast retransmit). The retransmission happens 10 ms after
 * the original, so the two TSvals differ. */
static void test_eifel_spurious_fast_retransmit_undone(void)
{
    ts_script ts;
    open_conn(&ts, true, true);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    data_out(&ts, TS_SEC(1), 1001, 4);
    uint32_t orig = ts.us_tsval;
    for (uint32_t i = 0; i < 3; i++)
        TS_INJECT(&ts, TS_MS(1010), .flags = TS_A, .seq = 5001, .ack = 1001,
                  TS_SACK(1, {2001, 3001 + 1000 * (i < 2 ? i : 2)}));
    data_out(&ts, TS_MS(1010), 1001, 1);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    TS_INJECT(&ts, TS_MS(1015), .flags = TS_A, .seq = 5001, .ack = 5001,
              TS_TSOPT(ts_peer_clock(TS_MS(1015)), orig));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->spurious_fast_retransmits, 1);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, SS_INIT);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    ts_discard(&ts, TS_MS(1015));
    ts_free(&ts);
}

/* ... and when the full ACK echoes the retransmission, it stands. */
static void test_eifel_genuine_fast_retransmit_kept(void)
{
    ts_script ts;
    open_conn(&ts, true, true);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 4000), 4000);
    data_out(&ts, TS_SEC(1), 1001, 4);
    for (uint32_t i = 0; i < 3; i++)
        TS_INJECT(&ts, TS_MS(1010), .flags = TS_A, .seq = 5001, .ack = 1001,
                  TS_SACK(1, {2001, 3001 + 1000 * (i < 2 ? i : 2)}));
    data_out(&ts, TS_MS(1010), 1001, 1);
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 5001,
              TS_TSOPT(ts_peer_clock(TS_MS(1020)), ts.us_tsval));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->spurious_fast_retransmits, 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    ts_discard(&ts, TS_MS(1020));
    ts_free(&ts);
}

/* A late spurious timeout (RFC 4015 §1): the retransmission reached the
 * peer first and its ACK covers everything (F-RTO, §3 step 2a, cannot
 * judge); then the delayed original arrives and the peer reports it with a
 * DSACK block [1001, 2001). Every retransmission of the timeout came back
 * as a duplicate (RFC 3708 §3): cwnd and ssthresh come back, counted as a
 * spurious timeout. A DSACK of a range the timeout did not resend would
 * not count (test_dsack_other_range_kept). */
static void test_dsack_late_spurious_timeout_undone(void)
{
    ts_script ts;
    open_conn(&ts, false, true);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 1000), 1000);
    data_out(&ts, TS_SEC(1), 1001, 1);
    data_out(&ts, TS_SEC(2), 1001, 1);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 5001, .ack = 2001);
    SK_CHECK_EQ(spurious_rtos(&ts), 0);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, 2000);
    TS_INJECT(&ts, TS_MS(2400), .flags = TS_A, .seq = 5001, .ack = 2001,
              TS_SACK(1, {1001, 2001}));
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    SK_CHECK_EQ(ts_info(&ts).ssthresh, SS_INIT);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4000);
    TS_NOTHING(&ts, TS_MS(2400));
    ts_free(&ts);
}

/* F-RTO (§3) with RACK: the second ACK after the timeout both proves it
 * spurious (it acknowledges 6001, everything sent before the timeout) and
 * shows a loss above: it SACKs the probe 8001 sent after the two new
 * segments 6001 and 7001, which RACK then marks lost (RFC 8985 §6.2). The
 * recovery that ACK enters (RFC 6675 §5: HighACK = RecoveryPoint 6001) is
 * a real one: the undo must leave its RecoveryPoint (HighData, 9001),
 * which once it lowered below SND.UNA; rule (4)'s rescue ("if HighACK >
 * RescueRxt") then held again after every rescue, and output sent the
 * tail segment forever at one instant (a seed of test_sim_tcp's sweep).
 * Here: the lost pair is resent, the recovery goes on below RecoveryPoint
 * and ends at the ACK of everything, and no timeout follows. */
static void test_frto_undo_keeps_recovery_entered(void)
{
    ts_script ts;
    open_conn_rack(&ts, false, true, true);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 9000), 9000);
    data_out(&ts, TS_SEC(1), 1001, 4);
    TS_NOTHING(&ts, TS_MS(1020) - 1);
    data_out(&ts, TS_MS(1020), 5001, 1); /* the probe: new data */
    TS_NOTHING(&ts, TS_MS(2020) - 1);
    data_out(&ts, TS_MS(2020), 1001, 1); /* the RTO; recover = 6001 */
    TS_NOTHING(&ts, TS_MS(2020));
    /* F-RTO step 2b: the first ACK covers the retransmission; two new
     * segments */
    TS_INJECT(&ts, TS_MS(2025), .flags = TS_A, .seq = 5001, .ack = 2001);
    data_out(&ts, TS_MS(2025), 6001, 2);
    TS_NOTHING(&ts, TS_MS(2025));
    TS_NOTHING(&ts, TS_MS(2045) - 1);
    data_out(&ts, TS_MS(2045), 8001, 1); /* the probe: new data */
    TS_NOTHING(&ts, TS_MS(2045));
    TS_INJECT(&ts, TS_MS(2060), .flags = TS_A, .seq = 5001, .ack = 6001,
              TS_SACK(1, {8001, 9001}));
    SK_CHECK_EQ(spurious_rtos(&ts), 1);
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t->flags & SK_TF_SACK_RECOVERY);
    SK_CHECK_EQ(t->x->past.recover.v, 9001u); /* RecoveryPoint = HighData */
    data_out(&ts, TS_MS(2060), 6001, 2); /* RACK's losses */
    TS_EXPECT(&ts, TS_MS(2060), .flags = TS_PA, .seq = 9001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(2060));
    /* 6001 arrives: below RecoveryPoint, the recovery goes on (with 6000,
     * it ended here) */
    TS_INJECT(&ts, TS_MS(2070), .flags = TS_A, .seq = 5001, .ack = 7001,
              TS_SACK(1, {8001, 9001}));
    SK_CHECK(t->flags & SK_TF_SACK_RECOVERY);
    TS_NOTHING(&ts, TS_MS(2070));
    TS_INJECT(&ts, TS_MS(2080), .flags = TS_A, .seq = 5001, .ack = 10001);
    SK_CHECK(!(t->flags & SK_TF_IN_RECOVERY));
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->timeouts, 1);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_eifel_spurious_timeout_undone);
    SK_RUN(test_eifel_undo_then_rack_hole);
    SK_RUN(test_eifel_dsack_ack_keeps_srtt);
    SK_RUN(test_eifel_genuine_timeout_kept);
    SK_RUN(test_frto_new_ack_spurious);
    SK_RUN(test_frto_dup_ack_conventional);
    SK_RUN(test_frto_first_dup_conventional);
    SK_RUN(test_frto_sack_below_recover_spurious);
    SK_RUN(test_frto_sack_above_recover_conventional);
    SK_RUN(test_frto_ack_covers_recover);
    SK_RUN(test_dsack_spurious_fast_retransmit_undone);
    SK_RUN(test_dsack_other_range_kept);
    SK_RUN(test_eifel_spurious_fast_retransmit_undone);
    SK_RUN(test_eifel_genuine_fast_retransmit_kept);
    SK_RUN(test_dsack_late_spurious_timeout_undone);
    SK_RUN(test_frto_undo_keeps_recovery_entered);
    return sk_test_finish();
}
