/* SACK on the receiving side (RFC 2018 §2-4) and DSACK (RFC 2883):
 * negotiation, the blocks our ACKs carry and their order, the 3/4 limit,
 * duplicates below RCV.NXT and of held data, and the validation of the
 * blocks an arriving ACK carries, SACK compression (the duplicate ACKs
 * held after the first three). The segment budget with options:
 * test_tcp_budget.c. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

/* A passive connection (peer ISN 5000: its data starts at 5001) with SACK
 * on both sides; timestamps as asked. */
static void open_sack(ts_script *ts, bool timestamps)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = true;
    cfg.timestamps = timestamps;
    ts_init(ts, &cfg);
    ts->peer_sack = true;
    ts->peer_ts = timestamps;
    SK_CHECK(ts_open_passive(ts, 0, TS_MS(1)));
}

/* RFC 2018 §2: offered on our SYN when configured; answered on our
 * SYN,ACK only to a SYN that offered it; used only when both did. */
static void test_sack_permitted_negotiation(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = true;
    /* active, the peer refuses: our SYN offers (checked by ts_open_active),
     * out-of-order data then gets a plain duplicate ACK */
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    ts_free(&ts);
    /* active, the peer accepts: blocks */
    ts_init(&ts, &cfg);
    ts.peer_sack = true;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {5101, 5201}));
    ts_free(&ts);
    /* passive, the peer offers, we are configured off: no SACK-permitted on
     * the SYN,ACK (ts_open_passive checks), no blocks */
    cfg.sack = false;
    ts_init(&ts, &cfg);
    ts.peer_sack = true;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    ts_free(&ts);
    /* passive, the peer does not offer: none on the SYN,ACK, no blocks */
    cfg.sack = true;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    ts_free(&ts);
}

/* A SYN,ACK carries SACK-permitted exactly when the SYN did (the harness
 * checks the option on the SYN,ACK; this checks the SYN,ACK by hand). */
static void test_sack_permitted_on_synack(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    SK_CHECK(ts_listen(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_S, .seq = 5000, TS_MSS(1460), TS_SACKOK);
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460), TS_SACKOK);
    TS_INJECT(&ts, TS_MS(2), .flags = TS_S, .seq = 7000, TS_MSS(1460), .sport = 50001);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_SA, .seq = 1000, .ack = 7001, TS_MSS(1460),
              .dport = 50001);
    TS_NOTHING(&ts, TS_MS(2));
    ts_free(&ts);
}

/* RFC 2018 §4: the first block holds the segment that triggered the ACK,
 * then the most recently reported others; at most 4 without timestamps;
 * blocks go once RCV.NXT passes them; the segment that advanced the ACK
 * names no block of its own. */
static void test_sack_block_order_and_limit(void)
{
    ts_script ts;
    open_sack(&ts, false);
    /* holes at 5001-5101, 5301-5401 ... : ranges 5201, 5401, 5601, 5801, 6001 */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {5201, 5301}));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5401, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(2, {5401, 5501}, {5201, 5301}));
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5601, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(3, {5601, 5701}, {5401, 5501}, {5201, 5301}));
    TS_INJECT(&ts, TS_MS(13), .flags = TS_A, .seq = 5801, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(13), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {5801, 5901}, {5601, 5701}, {5401, 5501}, {5201, 5301}));
    /* a fifth range: four blocks, the oldest report drops out */
    TS_INJECT(&ts, TS_MS(14), .flags = TS_A, .seq = 6001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(14), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {6001, 6101}, {5801, 5901}, {5601, 5701}, {5401, 5501}));
    /* an older range grows (5301 joins 5201 and 5401): it comes first */
    TS_INJECT(&ts, TS_MS(15), .flags = TS_A, .seq = 5301, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(15), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {5201, 5501}, {6001, 6101}, {5801, 5901}, {5601, 5701}));
    /* the first hole fills: the ACK moves to 5501, that range is gone */
    TS_INJECT(&ts, TS_MS(16), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 200);
    TS_EXPECT(&ts, TS_MS(16), .flags = TS_A, .seq = 1001, .ack = 5501,
              TS_SACK(3, {6001, 6101}, {5801, 5901}, {5601, 5701}));
    TS_INJECT(&ts, TS_MS(17), .flags = TS_A, .seq = 5501, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(17), .flags = TS_A, .seq = 1001, .ack = 5701,
              TS_SACK(2, {6001, 6101}, {5801, 5901}));
    TS_INJECT(&ts, TS_MS(18), .flags = TS_A, .seq = 5701, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(18), .flags = TS_A, .seq = 1001, .ack = 5901, TS_SACK(1, {6001, 6101}));
    /* everything in order: no blocks at all */
    TS_INJECT(&ts, TS_MS(19), .flags = TS_A, .seq = 5901, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(19), .flags = TS_A, .seq = 1001, .ack = 6101);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(1), 2000), 1100);
    ts_free(&ts);
}

/* RFC 2018 §3: with timestamps (10 bytes + 2 padding) only 3 blocks fit. */
static void test_sack_three_blocks_beside_timestamps(void)
{
    ts_script ts;
    open_sack(&ts, true);
    static const uint32_t at[4] = {5201, 5401, 5601, 5801};
    for (int i = 0; i < 4; i++) {
        TS_INJECT(&ts, TS_MS(10 + i), .flags = TS_A, .seq = at[i], .ack = 1001, .len = 100);
        SK_CHECK(ts_next(&ts, TS_MS(10 + i)) != NULL);
    }
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 6001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(3, {6001, 6101}, {5801, 5901}, {5601, 5701}));
    TS_NOTHING(&ts, TS_MS(20));
    ts_free(&ts);
}

/* RFC 2883 §4 (example 4.1.1): a segment wholly below RCV.NXT is reported
 * in the first block of the ACK it triggers, once. */
static void test_dsack_below_rcv_nxt(void)
{
    ts_script ts;
    open_sack(&ts, false);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5101); /* delayed ACK */
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 5101, TS_SACK(1, {5001, 5101}));
    TS_NOTHING(&ts, TS_MS(60));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dsack_out, 1u);
    /* the next ACK does not repeat it */
    TS_INJECT(&ts, TS_MS(70), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(70), .flags = TS_A, .seq = 1001, .ack = 5101, TS_SACK(1, {5201, 5301}));
    /* a part below RCV.NXT (5051-5101 again, 5101-5151 new): the duplicate
     * part is reported when the ACK goes */
    TS_INJECT(&ts, TS_MS(80), .flags = TS_A, .seq = 5051, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(80), .flags = TS_A, .seq = 1001, .ack = 5151,
              TS_SACK(2, {5051, 5101}, {5201, 5301}));
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* RFC 2883 §4 (example 4.1.3): a duplicate of data held out of order is
 * the first block, the range that holds it the second. */
static void test_dsack_of_held_data(void)
{
    ts_script ts;
    open_sack(&ts, false);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {5201, 5301}));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5401, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(2, {5401, 5501}, {5201, 5301}));
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5221, .ack = 1001, .len = 50);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(3, {5221, 5271}, {5201, 5301}, {5401, 5501}));
    /* reported once */
    TS_INJECT(&ts, TS_MS(13), .flags = TS_A, .seq = 5601, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(13), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(3, {5601, 5701}, {5201, 5301}, {5401, 5501}));
    TS_NOTHING(&ts, TS_MS(13));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dsack_out, 1u);
    ts_free(&ts);
}

/* Out-of-order segments arriving in one batch (before output runs) get one
 * duplicate ACK each (RFC 5681 §4.2, the ACKs owed), each carrying
 * timestamps and, first, the block holding the segment that triggered it
 * (RFC 2018 §4), then the others as they stand, but nothing above what had
 * arrived when it became due (the first does not report 5401). */
static void test_batched_dup_acks_carry_options(void)
{
    ts_script ts;
    open_sack(&ts, true);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5401, .ack = 1001, .len = 100);
    uint32_t clk = ts_us_clock(&ts, TS_MS(10)), ecr = ts_peer_clock(TS_MS(1));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_TSOPT(clk, ecr),
              TS_SACK(1, {5201, 5301}));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_TSOPT(clk, ecr),
              TS_SACK(2, {5401, 5501}, {5201, 5301}));
    TS_NOTHING(&ts, TS_MS(10));
    ts_free(&ts);
}

/* RFC 2018 §4 per owed ACK, four ranges in one batch (SACK without
 * timestamps: 4 blocks): each duplicate ACK names its own segment's range
 * first; a later segment that extends a range (5601 after 5501) shares
 * the record of the range's first one and reports the range as it stands;
 * one that joins two ranges (5301) reports the joined range. A range that
 * arrived after an ACK became due (6001, after the first four) is not in
 * that ACK. */
static void test_batched_dup_acks_first_block_each(void)
{
    ts_script ts;
    open_sack(&ts, false);
    static const uint32_t seqs[] = {5801, 5201, 5501, 5601, 6001, 5401, 5301};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = seqs[i], .ack = 1001, .len = 100);
    /* held at the end: [5201,5701) [5801,5901) [6001,6101) */
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .ack = 5001, .seq = 1001,
              TS_SACK(2, {5801, 5901}, {5201, 5701}));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .ack = 5001, .seq = 1001,
              TS_SACK(2, {5201, 5701}, {5801, 5901}));
    for (int i = 0; i < 2; i++) /* 5501 and 5601: one range then */
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .ack = 5001, .seq = 1001,
                  TS_SACK(2, {5201, 5701}, {5801, 5901}));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .ack = 5001, .seq = 1001,
              TS_SACK(3, {6001, 6101}, {5201, 5701}, {5801, 5901}));
    for (int i = 0; i < 2; i++) /* 5401, 5301 */
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .ack = 5001, .seq = 1001,
                  TS_SACK(3, {5201, 5701}, {6001, 6101}, {5801, 5901}));
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_merged, 0);
    ts_free(&ts);
}

/* An owed ACK reports nothing that arrived after it became due (tcp_sack.c
 * sk_sack_fill). One batch: 5001 and 6001 (the pair's ACK, 7001), 7001 and
 * 8001 (9001), 9001 lost, 10001 (a duplicate ACK of 9001). Had the ACKs
 * of 7001 and 9001 reported [10001, 11001), the sender would see 10001
 * arrive before 7001-9001, which the next ACK acknowledges cumulatively:
 * reordering (RFC 8985 §6.2 step 3), and a Linux sender waits a reordering
 * window before each later loss it detects. The ACKs leave as they would
 * have one segment at a time. */
static void test_owed_ack_reports_nothing_later(void)
{
    ts_script ts;
    open_sack(&ts, true);
    static const uint32_t seqs[] = {5001, 6001, 7001, 8001, 10001};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = seqs[i], .ack = 1001, .len = 1000);
    uint32_t clk = ts_us_clock(&ts, TS_MS(10)), ecr = ts_peer_clock(TS_MS(10));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7001, TS_TSOPT(clk, ecr));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 9001, TS_TSOPT(clk, ecr));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 9001, TS_TSOPT(clk, ecr),
              TS_SACK(1, {10001, 11001}));
    TS_NOTHING(&ts, TS_MS(10));
    ts_free(&ts);
}

/* The same cut inside a range: two duplicate ACKs of 5001 for 5201 (then
 * the top) and 5401; 5301 then joins the two ranges, its ACK alike the
 * second's. The first reports [5201, 5301) only, the data it had seen; the
 * second the joined range as it stands. Also after the hole is filled
 * (5001, the next batch), the ACK it owes reports no range. */
static void test_owed_ack_cut_inside_a_range(void)
{
    ts_script ts;
    open_sack(&ts, false);
    static const uint32_t seqs[] = {5201, 5401, 5301};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = seqs[i], .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(1, {5201, 5301}));
    for (int i = 0; i < 2; i++) /* 5401 and 5301: one record */
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001,
                  TS_SACK(1, {5201, 5501}));
    TS_NOTHING(&ts, TS_MS(10));
    /* 5001 fills the hole (an ACK at once, RFC 5681 §4.2); 5501 and 5701
     * then, 5601 lost: the fill's ACK (5501) reports nothing */
    static const uint32_t next[] = {5001, 5501, 5701};
    for (size_t i = 0; i < sizeof next / sizeof next[0]; i++)
        TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = next[i], .ack = 1001,
                  .len = next[i] == 5001 ? 200 : 100);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5501);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5601,
              TS_SACK(1, {5701, 5801}));
    TS_NOTHING(&ts, TS_MS(20));
    ts_free(&ts);
}

/* An owed ACK below RCV.NXT reports no range (tcp_sack.c sk_sack_fill).
 * One batch: 5201 and 5401 (duplicate ACKs of 5001), then 5001 fills
 * [5001, 5201): RCV.NXT jumps to 5301, 5401 stays held. The second
 * duplicate ACK, sent after the fill, could name only [5401, 5501): the
 * range it had seen below that, [5201, 5301), is in-order data now. The
 * sender would see 5401 SACKed before 5201, which the next ACK then
 * acknowledges cumulatively: reordering (RFC 8985 §6.2 step 3). So both
 * duplicate ACKs go without blocks, and the fill's ACK tells the whole. */
static void test_owed_ack_before_fill_reports_no_range(void)
{
    ts_script ts;
    open_sack(&ts, false);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5401, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 200);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5301, TS_SACK(1, {5401, 5501}));
    TS_NOTHING(&ts, TS_MS(10));
    ts_free(&ts);
}

/* A DSACK goes in an ACK that lets the sender tell it for one (RFC 2883
 * §4): at or below that ACK's value, or inside its second block. One
 * batch: 5201 (a duplicate ACK of 5001), 5001 filling [5001, 5201) (RCV.NXT
 * 5301), then 5101 again. The duplicate ACK of 5001, older than the
 * duplicate, would carry [5101, 5201) above its cumulative point, an
 * ordinary block to the sender (data above a hole the next ACK fills:
 * reordering); it goes without, and the DSACK rides on the ACK of 5301
 * (the fill's and the duplicate's, one ACK at RCV.NXT). */
static void test_owed_dsack_in_its_own_ack(void)
{
    ts_script ts;
    open_sack(&ts, false);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 200);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5301, TS_SACK(1, {5101, 5201}));
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dsack_out, 1u);
    ts_free(&ts);
}

/* A record that saw 16 MiB or more above its ACK (SK_ACK_ABOVE_MAX) is not
 * cut: a 32 MiB window, two segments held 17 MiB beyond a hole at 6001 in
 * one batch; the first one's ACK still names its own range first (RFC
 * 2018 §4), with the other as it stands. */
static void test_owed_ack_far_above_not_cut(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = true;
    cfg.window_scaling = true;
    cfg.rcvbuf = 32u << 20;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_sack = true;
    ts.peer_ws = 7;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    /* one segment, its delayed ACK announces the scaled window */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(10));
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 6001);
    uint32_t far = 6001u + (17u << 20);
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = far, .ack = 1001, .len = 1000);
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = far + 2000, .ack = 1001, .len = 1000);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 6001,
              TS_SACK(2, {far, far + 1000}, {far + 2000, far + 3000}));
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 6001,
              TS_SACK(2, {far + 2000, far + 3000}, {far, far + 1000}));
    TS_NOTHING(&ts, TS_MS(60));
    ts_free(&ts);
}

/* Arriving blocks: kept when within [SND.UNA, SND.MAX] and above the ACK,
 * else ignored and counted; a first block at or below the ACK is a DSACK
 * (RFC 2883 §4). */
static void test_arriving_blocks_validated(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = true;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_sack = true;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 4000), 4000);
    SK_CHECK(ts_discard(&ts, TS_MS(10)) > 0); /* 1001 .. 5001 in flight (initial window) */
    const sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t->x->snd_max.v > 2461);
    uint32_t max = t->x->snd_max.v;
    /* one valid, one past SND.MAX, one empty (left == right) */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001,
              TS_SACK(3, {2461, max}, {2461, max + 1}, {3000, 3000}));
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->sack_blocks_in, 1u);
    SK_CHECK_EQ(st->sack_blocks_bad, 2u);
    SK_CHECK_EQ(t->x->n_peer_sack, 1u);
    SK_CHECK(t->x->peer_sack[0].left.v == 2461 && t->x->peer_sack[0].right.v == max);
    /* a DSACK (first block below the ACK), then a stale block this very
     * ACK covers (above the old SND.UNA, below SEG.ACK) */
    TS_INJECT(&ts, TS_MS(21), .flags = TS_A, .seq = 5001, .ack = 2461,
              TS_SACK(2, {1001, 1101}, {1001, 2461}));
    SK_CHECK_EQ(st->dsack_in, 1u);
    SK_CHECK_EQ(st->sack_blocks_bad, 3u);
    SK_CHECK_EQ(t->x->n_peer_sack, 0u);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* SACK compression (cfg.sack_compress_*, tcp_ack.c): a passive connection
 * with SACK, no timestamps (4 blocks), compression as configured, its SRTT
 * the handshake's sample, rtt. */
static void open_sackc(ts_script *ts, uint8_t nr, uint32_t us, sk_time_us rtt)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.sack = true;
    cfg.sack_compress_nr = nr;
    cfg.sack_compress_us = us;
    ts_init(ts, &cfg);
    ts->peer_sack = true;
    SK_CHECK(ts_open_passive(ts, 0, rtt));
}

/* Out-of-order segment at `seq` (100 bytes) arrives at t. */
static void ooo(ts_script *ts, sk_time_us t, uint32_t seq)
{
    TS_INJECT(ts, t, .flags = TS_A, .seq = seq, .ack = 1001, .len = 100);
}

/* Three out-of-order segments at t (5201, 5401, 5601), each answered at
 * once: the duplicate ACKs before any is held. */
static void three_dup_acks(ts_script *ts, sk_time_us t)
{
    for (uint32_t k = 0; k < 3; k++) {
        ooo(ts, t, 5201 + 200 * k);
        SK_CHECK(ts_next(ts, t) != NULL);
    }
}

/* The first three out-of-order segments at one RCV.NXT are answered at
 * once (the sender's DupThresh); later ones are held and reported by one
 * ACK min(sack_compress_us, SRTT/20) after the first held one (20 ms / 20
 * = 1 ms here, the configured 1 ms too), its first block the newest
 * segment's (RFC 2018 §4). */
static void test_sack_compression_holds_after_three(void)
{
    ts_script ts;
    open_sackc(&ts, 44, 1000, TS_MS(20));
    ooo(&ts, TS_MS(30), 5201);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 1001, .ack = 5001, TS_SACK(1, {5201, 5301}));
    ooo(&ts, TS_MS(31), 5401);
    TS_EXPECT(&ts, TS_MS(31), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(2, {5401, 5501}, {5201, 5301}));
    ooo(&ts, TS_MS(32), 5601);
    TS_EXPECT(&ts, TS_MS(32), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(3, {5601, 5701}, {5401, 5501}, {5201, 5301}));
    ooo(&ts, TS_MS(33), 5801);
    TS_NOTHING(&ts, TS_MS(33));
    ooo(&ts, TS_MS(33) + 500, 6001);
    TS_NOTHING(&ts, TS_MS(34) - 1); /* the timer runs from the first held one */
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_compressed, 2u);
    TS_EXPECT(&ts, TS_MS(34), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {6001, 6101}, {5801, 5901}, {5601, 5701}, {5401, 5501}));
    TS_NOTHING(&ts, TS_SEC(1));
    /* still past three at this RCV.NXT: the next one is held again */
    ooo(&ts, TS_SEC(2), 6201);
    TS_NOTHING(&ts, TS_SEC(2));
    TS_EXPECT(&ts, TS_SEC(2) + 1000, .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {6201, 6301}, {6001, 6101}, {5801, 5901}, {5601, 5701}));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_compressed, 3u);
    ts_free(&ts);
}

/* The delay is the smaller of sack_compress_us and SRTT/20: 300 us
 * configured against a 20 ms SRTT; 1 ms configured against a 4 ms SRTT
 * (200 us). */
static void test_sack_compression_delay(void)
{
    static const struct {
        uint32_t us;
        sk_time_us rtt, want;
    } cases[] = {{300, TS_MS(20), 300}, {1000, TS_MS(4), 200}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_script ts;
        open_sackc(&ts, 44, cases[i].us, cases[i].rtt);
        three_dup_acks(&ts, TS_MS(30));
        ooo(&ts, TS_MS(40), 5801);
        TS_NOTHING(&ts, TS_MS(40) + cases[i].want - 1);
        TS_EXPECT(&ts, TS_MS(40) + cases[i].want, .flags = TS_A, .seq = 1001, .ack = 5001,
                  TS_SACK(4, {5801, 5901}, {5601, 5701}, {5401, 5501}, {5201, 5301}));
        ts_free(&ts);
    }
}

/* sack_compress_nr held: the next out-of-order segment is ACKed at once,
 * reporting them all, and the count starts again. */
static void test_sack_compression_nr(void)
{
    ts_script ts;
    open_sackc(&ts, 2, 1000, TS_MS(20));
    three_dup_acks(&ts, TS_MS(30));
    ooo(&ts, TS_MS(31), 5801);
    ooo(&ts, TS_MS(31), 6001);
    TS_NOTHING(&ts, TS_MS(31));
    ooo(&ts, TS_MS(31), 6201);
    TS_EXPECT(&ts, TS_MS(31), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {6201, 6301}, {6001, 6101}, {5801, 5901}, {5601, 5701}));
    TS_NOTHING(&ts, TS_MS(31));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_compressed, 2u);
    ooo(&ts, TS_MS(32), 6401); /* held again: none is held since that ACK */
    TS_NOTHING(&ts, TS_MS(32));
    TS_EXPECT(&ts, TS_MS(33), .flags = TS_A, .seq = 1001, .ack = 5001,
              TS_SACK(4, {6401, 6501}, {6201, 6301}, {6001, 6101}, {5801, 5901}));
    ts_free(&ts);
}

/* RCV.NXT moves (a retransmission fills the first hole): that ACK goes at
 * once (RFC 5681 §4.2), and the next three out-of-order segments are
 * answered at once again. */
static void test_sack_compression_new_rcv_nxt(void)
{
    ts_script ts;
    open_sackc(&ts, 44, 1000, TS_MS(20));
    three_dup_acks(&ts, TS_MS(30));
    ooo(&ts, TS_MS(30), 5801);
    TS_NOTHING(&ts, TS_MS(30));
    TS_INJECT(&ts, TS_MS(30) + 100, .flags = TS_A, .seq = 5001, .ack = 1001, .len = 200);
    TS_EXPECT(&ts, TS_MS(30) + 100, .flags = TS_A, .seq = 1001, .ack = 5301,
              TS_SACK(3, {5801, 5901}, {5601, 5701}, {5401, 5501}));
    TS_NOTHING(&ts, TS_SEC(1)); /* that ACK reported the held one: no timer ACK */
    for (uint32_t k = 0; k < 3; k++) {
        ooo(&ts, TS_SEC(2), 6001 + 200 * k);
        SK_CHECK(ts_next(&ts, TS_SEC(2)) != NULL);
    }
    ooo(&ts, TS_SEC(2), 6601);
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_compressed, 2u);
    ts_free(&ts);
}

/* No RTT sample (the handshake's ACK at the SYN,ACK's instant: SRTT 0),
 * nr 0, or a peer without SACK: every out-of-order segment is answered at
 * once, as RFC 5681 §4.2 says. */
static void test_sack_compression_off(void)
{
    for (int c = 0; c < 3; c++) {
        ts_script ts;
        if (c < 2) {
            open_sackc(&ts, c == 0 ? 44 : 0, 1000, c == 0 ? 0 : TS_MS(20));
        } else {
            sk_stack_config cfg;
            ts_config(&cfg);
            cfg.sack = true;
            cfg.sack_compress_nr = 44;
            ts_init(&ts, &cfg);
            SK_CHECK(ts_open_passive(&ts, 0, TS_MS(20)));
        }
        for (uint32_t k = 0; k < 6; k++) {
            ooo(&ts, TS_MS(30) + k, 5201 + 200 * k);
            SK_CHECK(ts_next(&ts, TS_MS(30) + k) != NULL);
        }
        TS_NOTHING(&ts, TS_SEC(1));
        SK_CHECK_EQ(sk_stack_stats(ts.s)->sack_compressed, 0u);
        ts_free(&ts);
    }
}

int main(void)
{
    SK_RUN(test_sack_permitted_negotiation);
    SK_RUN(test_sack_permitted_on_synack);
    SK_RUN(test_sack_block_order_and_limit);
    SK_RUN(test_sack_three_blocks_beside_timestamps);
    SK_RUN(test_dsack_below_rcv_nxt);
    SK_RUN(test_dsack_of_held_data);
    SK_RUN(test_batched_dup_acks_carry_options);
    SK_RUN(test_batched_dup_acks_first_block_each);
    SK_RUN(test_owed_ack_reports_nothing_later);
    SK_RUN(test_owed_ack_cut_inside_a_range);
    SK_RUN(test_owed_ack_far_above_not_cut);
    SK_RUN(test_owed_ack_before_fill_reports_no_range);
    SK_RUN(test_owed_dsack_in_its_own_ack);
    SK_RUN(test_arriving_blocks_validated);
    SK_RUN(test_sack_compression_holds_after_three);
    SK_RUN(test_sack_compression_delay);
    SK_RUN(test_sack_compression_nr);
    SK_RUN(test_sack_compression_new_rcv_nxt);
    SK_RUN(test_sack_compression_off);
    return sk_test_finish();
}
