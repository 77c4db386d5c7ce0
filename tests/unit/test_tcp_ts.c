/* Timestamps (RFC 7323): negotiation (§3.2), the clock (§5.4), the
 * TS.Recent echo rules with delayed ACKs and out-of-order data (§4.3),
 * RTT measurement (§4.1), PAWS (§5.3) with the 24-day rule (§5.5) and RSTs
 * exempt, segments without timestamps (§3.2), and the TIME-WAIT reopen by a
 * SYN with a newer timestamp (RFC 6191). The peer's clock is
 * ts_peer_clock(t) = 700000 + t in ms. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

static void init_ts(ts_script *ts, bool ours, bool peers)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.timestamps = ours;
    ts_init(ts, &cfg);
    ts->peer_ts = peers;
}

/* Both offer: our SYN carries TSval and TSecr 0 (ts_open_active checks),
 * every later segment carries timestamps, the first echo is the SYN,ACK's. */
static void test_ts_negotiated_active(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK(ts.ts_on);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 100), 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 100,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(10)), ts_peer_clock(TS_MS(1))));
    TS_NOTHING(&ts, TS_MS(10));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Only one side offers: no timestamps after the handshake, and the peer's
 * segments without them are fine. */
static void test_ts_not_negotiated(void)
{
    ts_script ts;
    init_ts(&ts, true, false); /* the peer does not answer our offer */
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5101); /* no TS */
    ts_free(&ts);
    init_ts(&ts, false, true); /* we are configured off: the SYN,ACK has none */
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK(!ts.ts_on);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
              TS_TSOPT(ts_peer_clock(TS_MS(10)), 0));
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5101);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(50), 1000), 100);
    ts_free(&ts);
}

/* §3.2: the SYN,ACK echoes the SYN's TSval; its TSval is our clock. */
static void test_ts_synack_echoes_syn(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    SK_CHECK(ts_listen(&ts, 0));
    TS_INJECT(&ts, TS_MS(3), .flags = TS_S, .seq = 5000, TS_MSS(1460), TS_TSOPT(123456, 0));
    const ts_out *o = ts_next(&ts, TS_MS(3));
    SK_CHECK(o != NULL && (o->hdr.flags & TS_SA) == TS_SA && o->hdr.opts.has_ts);
    uint32_t synack_val = o != NULL ? o->hdr.opts.ts_val : 0;
    SK_CHECK(o != NULL && o->hdr.opts.ts_ecr == 123456);
    TS_INJECT(&ts, TS_MS(4), .flags = TS_A, .seq = 5001, .ack = 1001,
              TS_TSOPT(123457, synack_val));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(synack_val, ts_us_clock(&ts, TS_MS(3)));
    TS_NOTHING(&ts, TS_MS(4));
    ts_free(&ts);
}

/* §5.4: 1 ms ticks from `now`, a per-4-tuple offset from the seed: the
 * same tuple and seed give the same clock, another port another one. */
static void test_ts_clock(void)
{
    ts_script a, b;
    init_ts(&a, true, true);
    init_ts(&b, true, true);
    SK_CHECK(ts_open_active(&a, 0, TS_MS(1)));
    SK_CHECK(ts_open_active(&b, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_us_clock(&a, TS_MS(10)), ts_us_clock(&b, TS_MS(10)));
    SK_CHECK_EQ(ts_us_clock(&a, TS_MS(1010)) - ts_us_clock(&a, TS_MS(10)), 1000u);
    SK_CHECK(ts_us_clock(&a, TS_MS(10)) == ts_us_clock(&a, TS_MS(10) + 999u)); /* 1 ms ticks */
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 81);
    sk_sock other;
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, 1000};
    SK_CHECK_EQ_I(sk_tcp_connect(a.s, TS_MS(20), &peer, &co, &other), 0);
    const sk_tcb *t1 = sk_stack_tcb(a.s, a.sock), *t2 = sk_stack_tcb(a.s, other);
    SK_CHECK(t1 != NULL && t2 != NULL && t1->ts_offset != t2->ts_offset);
    ts_discard(&a, TS_MS(20));
    ts_free(&a);
    ts_free(&b);
}

/* §4.3 case A: with delayed ACKs the echo is the earliest unacknowledged
 * segment's TSval (only a segment covering Last.ACK.sent updates
 * TS.Recent). */
static void test_ts_echo_with_delayed_ack(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 6001, .ack = 1001, .len = 1000);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 7001,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(11)), ts_peer_clock(TS_MS(10))));
    /* one segment, ACKed by the timer: its own TSval */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 7001, .ack = 1001, .len = 100);
    TS_NOTHING(&ts, TS_MS(59));
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 7101,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(60)), ts_peer_clock(TS_MS(20))));
    ts_free(&ts);
}

/* §4.3 case A with segments read in one batch (before output runs): each
 * owed ACK echoes the earliest segment it is the first to acknowledge, as
 * if it had been sent when it became due. Segments 1-4 (TSvals v..v+3):
 * the ACK of 1-2 echoes v, the ACK of 3-4 echoes v+2 (not v: segment 3
 * starts at the point the first ACK acknowledges, so it updates TS.Recent).
 * Then 5 alone: the delayed ACK echoes 5's own TSval, not an older one. */
static void test_ts_echo_per_owed_ack(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    uint32_t v = ts_peer_clock(TS_MS(10)), ecr = ts.us_tsval;
    for (uint32_t i = 0; i < 4; i++)
        TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001 + i * 1000, .ack = 1001,
                  .len = 1000, TS_TSOPT(v + i, ecr));
    uint32_t clk = ts_us_clock(&ts, TS_MS(10));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7001, TS_TSOPT(clk, v));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 9001, TS_TSOPT(clk, v + 2));
    TS_NOTHING(&ts, TS_MS(10));
    /* an odd segment at the end of a batch: 5, 6, 7 */
    for (uint32_t i = 0; i < 3; i++)
        TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 9001 + i * 1000, .ack = 1001,
                  .len = 1000, TS_TSOPT(v + 10 + i, ecr));
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 11001,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(20)), v + 10));
    TS_NOTHING(&ts, TS_MS(59));
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 12001,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(60)), v + 12));
    ts_free(&ts);
}

/* A hole filled in the same batch as the in-order data before it: the ACK
 * past the hole echoes the filling segment (a retransmission, newer), not
 * the older segment that began the batch (§4.3: the segment that fills a
 * hole updates TS.Recent). An older echo would tell a sender with
 * Eifel-style detection (RFC 3522) that its retransmission was spurious.
 * Segments: 1 (v), 2 (v+1); 4 (v+2) out of order; 3 retransmitted (v+9). */
static void test_ts_echo_hole_filled_in_batch(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    uint32_t v = ts_peer_clock(TS_MS(10)), ecr = ts.us_tsval;
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1000,
              TS_TSOPT(v, ecr));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 6001, .ack = 1001, .len = 1000,
              TS_TSOPT(v + 1, ecr));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 8001, .ack = 1001, .len = 1000,
              TS_TSOPT(v + 2, ecr));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 7001, .ack = 1001, .len = 1000,
              TS_TSOPT(v + 9, ecr));
    uint32_t clk = ts_us_clock(&ts, TS_MS(10));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7001, TS_TSOPT(clk, v));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7001, TS_TSOPT(clk, v));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 9001, TS_TSOPT(clk, v + 9));
    TS_NOTHING(&ts, TS_MS(10));
    ts_free(&ts);
}

/* §4.3 case C: an out-of-order segment does not update TS.Recent (its
 * duplicate ACK echoes the last in-order one); the segment that fills the
 * hole does. */
static void test_ts_echo_out_of_order(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(10)), ts_peer_clock(TS_MS(1))));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5201,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(20)), ts_peer_clock(TS_MS(20))));
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* §4.1 RTTM: the echo times every ACK that advances SND.UNA, a
 * retransmission included (Karn's rule gives no sample there), and the
 * timed segment is then not sampled twice. */
static void test_ts_rttm(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1))); /* SYN sample: srtt 1 ms, rttvar 0.5 ms */
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 1000u);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(100), 100), 100);
    TS_EXPECT(&ts, TS_MS(100), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 100); /* lost */
    TS_EXPECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 100,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(1100)), ts_peer_clock(TS_MS(1))));
    /* the ACK echoes the retransmission's TSval: RTT 30 ms */
    TS_INJECT(&ts, TS_MS(1130), .flags = TS_A, .seq = 5001, .ack = 1101,
              TS_TSOPT(ts_peer_clock(TS_MS(1130)), ts_us_clock(&ts, TS_MS(1100))));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ts_rtt_samples, 1u);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, (7u * 1000u + 30000u) / 8u);     /* 4625 */
    SK_CHECK_EQ(ts_info(&ts).rttvar_us, (3u * 500u + 29000u) / 4u);    /* 7625 */
    /* new data, ACKed 40 ms later: one sample of 40 ms */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2000), 100), 100);
    TS_EXPECT(&ts, TS_MS(2000), .flags = TS_A, .seq = 1101, .ack = 5001, .len = 100);
    TS_INJECT(&ts, TS_MS(2040), .flags = TS_A, .seq = 5001, .ack = 1201);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ts_rtt_samples, 2u);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, (7u * 4625u + 40000u) / 8u);
    /* an ACK that advances nothing gives no sample */
    TS_INJECT(&ts, TS_MS(2050), .flags = TS_A, .seq = 5001, .ack = 1201);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ts_rtt_samples, 2u);
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* An ACK with a D-SACK gives no RTT sample (tcp_ts.c, a deviation from
 * §4.1): the duplicate that drew it did not update the peer's TS.Recent
 * (§4.3 (2)), so its TSecr names the older, in-order copy. Here the
 * original arrived, its ACK was lost, the RTO resent it 1 s later and the
 * peer answers that copy at once with a D-SACK echoing the original: a
 * 1030 ms "RTT" for a 30 ms path. A plain ACK still samples. */
static void test_ts_no_rtt_from_dsack(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.timestamps = true;
    cfg.sack = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_ts = true;
    ts.peer_sack = true;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1))); /* srtt 1 ms */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(100), 100), 100);
    TS_EXPECT(&ts, TS_MS(100), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 100);
    uint32_t orig = ts_us_clock(&ts, TS_MS(100));
    TS_EXPECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 100);
    TS_INJECT(&ts, TS_MS(1130), .flags = TS_A, .seq = 5001, .ack = 1101,
              TS_TSOPT(ts_peer_clock(TS_MS(1130)), orig), TS_SACK(1, {1001, 1101}));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ts_rtt_samples, 0u);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, 1000u);
    /* new data and a plain ACK of it: sampled (RTT 30 ms) */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2000), 100), 100);
    TS_EXPECT(&ts, TS_MS(2000), .flags = TS_A, .seq = 1101, .ack = 5001, .len = 100);
    uint32_t second = ts_us_clock(&ts, TS_MS(2000));
    TS_INJECT(&ts, TS_MS(2030), .flags = TS_A, .seq = 5001, .ack = 1201,
              TS_TSOPT(ts_peer_clock(TS_MS(2030)), second));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ts_rtt_samples, 1u);
    SK_CHECK_EQ(ts_info(&ts).srtt_us, (7u * 1000u + 30000u) / 8u);
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* §5.3 R1: a non-RST segment with SEG.TSval < TS.Recent is dropped,
 * counted and answered with an ACK; the same bytes with a current TSval
 * are taken. */
static void test_paws_drop_and_ack(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1))); /* TS.Recent = clock(1 ms) */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
              TS_TSOPT(ts_peer_clock(0), ts.us_tsval));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_TSOPT(ts_us_clock(&ts, TS_MS(10)), ts_peer_clock(TS_MS(1))));
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1u);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 1000), SK_EAGAIN);
    /* equal to TS.Recent is not older: taken */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
              TS_TSOPT(ts_peer_clock(TS_MS(1)), ts.us_tsval));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(20), 1000), 100);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1u);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* §5.5: after 24 days without an update TS.Recent is invalid and an old
 * TSval is no reason to drop; one second before, it still is. */
static void test_paws_24_days(void)
{
    const sk_time_us day = TS_SEC(86400);
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1))); /* TS.Recent recorded at 1 ms */
    TS_INJECT(&ts, 24 * day, .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
              TS_TSOPT(ts_peer_clock(0), ts.us_tsval));
    TS_EXPECT(&ts, 24 * day, .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1u);
    TS_INJECT(&ts, 24 * day + TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
              TS_TSOPT(ts_peer_clock(0), ts.us_tsval));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1u);
    SK_CHECK_EQ_I(ts_recv(&ts, 24 * day + TS_MS(2), 1000), 100);
    /* and the old TSval became TS.Recent: the delayed ACK echoes it */
    TS_EXPECT(&ts, 24 * day + TS_MS(42), .flags = TS_A, .seq = 1001, .ack = 5101,
              TS_TSOPT(ts_us_clock(&ts, 24 * day + TS_MS(42)), ts_peer_clock(0)));
    ts_free(&ts);
}

/* §5.5 across the stamp's wrap: TS.Recent's time is kept in ms modulo
 * 2^32 (49.7 days), so after 2^32 ms + 10 ms of silence the stamp alone
 * reads 10 ms; the silence itself says TS.Recent is invalid, and the old
 * TSval is no reason to drop. */
static void test_paws_after_the_stamp_wraps(void)
{
    const sk_time_us wrap = TS_MS(1ull << 32);
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1))); /* TS.Recent recorded at 1 ms */
    TS_INJECT(&ts, wrap + TS_MS(11), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100,
              TS_TSOPT(ts_peer_clock(0), ts.us_tsval));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 0u);
    SK_CHECK_EQ_I(ts_recv(&ts, wrap + TS_MS(11), 1000), 100);
    ts_free(&ts);
}

/* §5.3 / §3.2: RSTs are not subject to PAWS, nor dropped for lacking
 * timestamps. */
static void test_paws_rst_not_subject(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5001, TS_TSOPT(1, 0));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ECONNRESET);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 0u);
    ts_free(&ts);
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5001); /* no timestamps */
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    ts_free(&ts);
}

/* §3.2: once negotiated, a non-RST segment without timestamps is dropped
 * silently (our choice of the SHOULD; counted as TCP_NO_TS). */
static void test_ts_missing_dropped(void)
{
    ts_script ts;
    init_ts(&ts, true, true);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100, TS_NOTS);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_TS), 1u);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(1), 1000), SK_EAGAIN);
    ts_free(&ts);
}

/* A passive connection in TIME-WAIT (we closed first), TS.Recent =
 * the peer's clock at 20 ms. */
static void to_time_wait(ts_script *ts)
{
    init_ts(ts, true, true);
    SK_CHECK(ts_open_passive(ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts->s, TS_MS(10), ts->sock), 0);
    TS_EXPECT(ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(ts, TS_MS(20), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(ts, TS_MS(20), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(ts), SK_TCP_TIME_WAIT);
}

/* RFC 6191 §2: with timestamps a SYN reopens TIME-WAIT when its TSval is
 * newer, whatever its sequence number (here one the sequence rule would
 * refuse); a SYN with an older TSval does not, even with a higher
 * sequence number: PAWS drops it and ACKs. */
static void test_time_wait_reopen_by_timestamp(void)
{
    ts_script ts;
    to_time_wait(&ts);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 9000, TS_MSS(1460),
              TS_TSOPT(ts_peer_clock(TS_MS(10)), 0));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_PAWS), 1u);
    uint32_t clk = ts_us_clock(&ts, TS_SEC(2));
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_S, .seq = 4000, TS_MSS(1460),
              TS_TSOPT(ts_peer_clock(TS_SEC(2)), 0));
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_SA, .seq = 1002 + 65536, .ack = 4001, TS_MSS(1460),
              TS_TSOPT(clk, ts_peer_clock(TS_SEC(2))));
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED); /* the old incarnation */
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_ts_negotiated_active);
    SK_RUN(test_ts_not_negotiated);
    SK_RUN(test_ts_synack_echoes_syn);
    SK_RUN(test_ts_clock);
    SK_RUN(test_ts_echo_with_delayed_ack);
    SK_RUN(test_ts_echo_out_of_order);
    SK_RUN(test_ts_echo_per_owed_ack);
    SK_RUN(test_ts_echo_hole_filled_in_batch);
    SK_RUN(test_ts_rttm);
    SK_RUN(test_ts_no_rtt_from_dsack);
    SK_RUN(test_paws_drop_and_ack);
    SK_RUN(test_paws_24_days);
    SK_RUN(test_paws_after_the_stamp_wraps);
    SK_RUN(test_paws_rst_not_subject);
    SK_RUN(test_ts_missing_dropped);
    SK_RUN(test_time_wait_reopen_by_timestamp);
    return sk_test_finish();
}
