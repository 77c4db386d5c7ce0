/* ACK frequency when segments arrive in batches (RFC 5681 §4.2, RFC 1122
 * §4.2.3.2): a device read or a simulator instant may bring many segments
 * before output runs once. Every second full-sized segment still gets its
 * own ACK, with the ack number it would have had alone; out-of-order
 * arrivals each get a duplicate ACK; an odd segment waits for the delayed
 * ACK timer, or (PSH) for the application to read it all. Segments injected back to back without a TS_EXPECT between
 * them are one batch: output runs only when the script drains it. The
 * scripts start without quick ACKs (ts_config); test_quick_acks_* turn
 * them on, as the stack's default has them. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "tcp/tcp_conn.h" /* sk_tcb_ext_attached */

#define MSS 1460u

/* n segments of len bytes from the peer, in order from seq, in one batch
 * at time t. */
static void batch(ts_script *ts, sk_time_us t, uint32_t seq, uint32_t n, uint32_t len)
{
    for (uint32_t i = 0; i < n; i++)
        TS_INJECT(ts, t, .flags = TS_A, .seq = seq + i * len, .ack = 1001, .len = len);
}

/* 2, 4 and 10 full-sized segments in one batch: one ACK per two, in order,
 * each acknowledging exactly its pair; no delayed ACK follows. */
static void test_even_batches(void)
{
    static const uint32_t counts[] = {2, 4, 10};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        ts_script ts;
        ts_init(&ts, NULL);
        SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
        uint32_t n = counts[c];
        batch(&ts, TS_MS(10), 5001, n, MSS);
        for (uint32_t k = 2; k <= n; k += 2)
            TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + k * MSS);
        TS_NOTHING(&ts, TS_MS(10));
        TS_NOTHING(&ts, TS_SEC(1)); /* the delayed-ACK timer is not running */
        SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(1), 100000), (ptrdiff_t)(n * MSS));
        SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_merged, 0);
        ts_free(&ts);
    }
}

/* 3 and 5 segments: the pairs are ACKed at once, the odd one when the
 * delayed-ACK timer (40 ms) expires, not before. */
static void test_odd_batches(void)
{
    static const uint32_t counts[] = {1, 3, 5};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        ts_script ts;
        ts_init(&ts, NULL);
        SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
        uint32_t n = counts[c];
        batch(&ts, TS_MS(10), 5001, n, MSS);
        for (uint32_t k = 2; k <= n; k += 2)
            TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + k * MSS);
        TS_NOTHING(&ts, TS_MS(10));
        TS_NOTHING(&ts, TS_MS(50) - 1);
        TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5001 + n * MSS);
        TS_NOTHING(&ts, TS_SEC(1));
        ts_free(&ts);
    }
}

/* Small segments count by bytes: 2 x 536 (the smallest full-sized
 * estimate, RFC 9293 §3.7.1) is reached by the 4th 300-byte segment; the
 * two after it wait for the timer. */
static void test_small_segments_batch(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    batch(&ts, TS_MS(10), 5001, 6, 300);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 4 * 300);
    TS_NOTHING(&ts, TS_MS(50) - 1);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5001 + 6 * 300);
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* In order, then out of order, in one batch: the pair's ACK, then one
 * duplicate ACK per out-of-order segment (RFC 5681 §3.2 counts them);
 * filling the hole is ACKed at once. */
static void test_mixed_batch_duplicate_acks(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    uint32_t s1 = 5001, s3 = 5001 + 2 * MSS;
    batch(&ts, TS_MS(10), s1, 2, MSS);            /* segments 1, 2 */
    batch(&ts, TS_MS(10), s3 + MSS, 3, MSS);      /* 4, 5, 6: segment 3 lost */
    for (int i = 0; i < 4; i++)
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = s3);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ooo_segments, 3);
    /* the retransmission of 3 and new segment 7 in one batch: the fill is
     * ACKed at once (through 6), 7 waits for the timer */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = s3, .ack = 1001, .len = MSS);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = s3 + 4 * MSS, .ack = 1001, .len = MSS);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = s3 + 4 * MSS);
    TS_NOTHING(&ts, TS_MS(20));
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = s3 + 5 * MSS);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(60), 100000), 7 * MSS);
    ts_free(&ts);
}

/* A passive open with a 16 KiB receive buffer (no window scaling). */
static void open_16k(ts_script *ts)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = 16384;
    ts_init(ts, &cfg);
    SK_CHECK(ts_open_passive(ts, 0, TS_MS(1)));
}

/* Every owed ACK offers the same right edge: the window of an earlier ACK
 * is larger by what later segments took, so the edge never moves back
 * (RFC 9293 §3.8.6). A 16 KiB buffer, no window scaling. */
static void test_batch_acks_keep_right_edge(void)
{
    ts_script ts;
    open_16k(&ts);
    uint32_t edge = 5001 + 16384;
    batch(&ts, TS_MS(10), 5001, 4, MSS);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 2 * MSS,
              TS_WIN(edge - (5001 + 2 * MSS)));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 4 * MSS,
              TS_WIN(edge - (5001 + 4 * MSS)));
    TS_NOTHING(&ts, TS_MS(10));
    ts_free(&ts);
}

/* The last owed ACK rides on data we send; the earlier ones are pure ACKs
 * of their own, sent first. */
static void test_last_ack_rides_on_data(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    batch(&ts, TS_MS(10), 5001, 4, MSS);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 100), 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 2 * MSS);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 1001, .ack = 5001 + 4 * MSS, .len = 100);
    TS_NOTHING(&ts, TS_MS(10));
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* The per-connection record of owed ACKs is bounded (SK_ACK_OWED_MAX =
 * 32): 70 segments of 536 bytes owe 35 ACKs; the last four become one
 * stretch ACK, counted in acks_merged (3). */
static void test_owed_acks_bounded(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    batch(&ts, TS_MS(10), 5001, 70, 536);
    for (uint32_t k = 1; k <= 31; k++)
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + k * 2 * 536);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 70 * 536);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_merged, 3);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(1), 100000), 70 * 536);
    ts_free(&ts);
}

/* Many out-of-order segments in one batch share one record: 40 arrivals,
 * 40 duplicate ACKs, nothing merged. */
static void test_many_duplicate_acks(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    batch(&ts, TS_MS(10), 5001 + 536, 40, 536);
    for (int i = 0; i < 40; i++)
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_merged, 0);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* ACK at a read of pushed data (cfg.push_ack, tcp_ack.c sk_ack_on_read, as
 * Linux's ICSK_ACK_PUSHED): one full-sized segment with PSH waits for the
 * delayed-ACK timer until the application reads it; the read that empties
 * the receive buffer sends the ACK at once, and the timer no longer runs. */
static void test_push_ack_on_read(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = MSS);
    TS_NOTHING(&ts, TS_MS(12) - 1); /* not read yet: the ACK is delayed */
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 100000), (ptrdiff_t)MSS);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1001, .ack = 5001 + MSS);
    TS_NOTHING(&ts, TS_SEC(1)); /* no delayed ACK after it */
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_pushed, 1);
    ts_free(&ts);
}

/* What does not send it: a segment without PSH; a read that leaves bytes
 * behind (the next read, which empties the buffer, does); push_ack off.
 * Each case's ACK comes from the delayed-ACK timer (10 + 40 ms) instead. */
static void test_push_ack_needs_all(void)
{
    for (int c = 0; c < 3; c++) {
        sk_stack_config cfg;
        ts_config(&cfg);
        cfg.push_ack = c != 2;
        ts_script ts;
        ts_init(&ts, &cfg);
        SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
        TS_INJECT(&ts, TS_MS(10), .flags = (uint8_t)(c == 0 ? TS_A : TS_PA), .seq = 5001, .ack = 1001,
                  .len = MSS);
        SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), c == 1 ? 1000 : 100000), c == 1 ? 1000 : (ptrdiff_t)MSS);
        TS_NOTHING(&ts, TS_MS(50) - 1);
        TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5001 + MSS);
        TS_NOTHING(&ts, TS_SEC(1));
        SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_pushed, 0);
        ts_free(&ts);
    }
    /* the rest read before the timer: that read empties the buffer */
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = MSS);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 1000);
    TS_NOTHING(&ts, TS_MS(20) - 1);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(20), 100000), (ptrdiff_t)MSS - 1000);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001 + MSS);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_pushed, 1);
    ts_free(&ts);
}

/* Pushed data already acknowledged sends nothing more at the read: by the
 * every-second-segment rule (the PSH on the second of a pair; a later
 * segment without PSH then waits for the timer again), or by the
 * delayed-ACK timer before the application read. And a reply written in
 * the same turn as the read carries the ACK: no pure ACK before it. */
static void test_push_ack_only_once(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = MSS);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001 + MSS, .ack = 1001, .len = MSS);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 2 * MSS);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 100000), (ptrdiff_t)(2 * MSS));
    TS_NOTHING(&ts, TS_MS(500));
    /* that ACK covered the PSH: a segment without one, read at once, waits */
    TS_INJECT(&ts, TS_MS(500), .flags = TS_A, .seq = 5001 + 2 * MSS, .ack = 1001, .len = MSS);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(501), 100000), (ptrdiff_t)MSS);
    TS_NOTHING(&ts, TS_MS(540) - 1);
    TS_EXPECT(&ts, TS_MS(540), .flags = TS_A, .seq = 1001, .ack = 5001 + 3 * MSS);
    TS_NOTHING(&ts, TS_SEC(1));
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_PA, .seq = 5001 + 3 * MSS, .ack = 1001, .len = MSS);
    TS_NOTHING(&ts, TS_SEC(2) + TS_MS(40) - 1);
    TS_EXPECT(&ts, TS_SEC(2) + TS_MS(40), .flags = TS_A, .seq = 1001, .ack = 5001 + 4 * MSS);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(3), 100000), (ptrdiff_t)MSS);
    TS_NOTHING(&ts, TS_SEC(4));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_pushed, 0);
    TS_INJECT(&ts, TS_SEC(5), .flags = TS_PA, .seq = 5001 + 4 * MSS, .ack = 1001, .len = 100);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(5) + TS_MS(1), 100000), 100);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(5) + TS_MS(1), 10), 10);
    TS_EXPECT(&ts, TS_SEC(5) + TS_MS(1), .flags = TS_PA, .seq = 1001, .ack = 5001 + 4 * MSS + 100, .len = 10);
    TS_NOTHING(&ts, TS_SEC(5) + TS_MS(1));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_pushed, 1);
    ts_discard(&ts, TS_SEC(6));
    ts_free(&ts);
}

/* Three segments in one read batch, PSH on the second: the ACK owed for
 * the pair covers the pushed data, so the application's read of all three
 * (before that ACK has left) sends nothing more, and the third waits for
 * the delayed-ACK timer, as Linux's receiver, whose pair ACK leaves during
 * input (session 23's captures at 100 ms / 1 %: 199 extra ACKs of this
 * kind in one transfer). A PSH on the third is pushed data of its own. */
static void test_push_ack_covered_by_the_pair(void)
{
    for (int c = 0; c < 2; c++) {
        ts_script ts;
        ts_init(&ts, NULL);
        SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
        TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = MSS);
        TS_INJECT(&ts, TS_MS(10), .flags = (uint8_t)(c == 0 ? TS_PA : TS_A), .seq = 5001 + MSS, .ack = 1001,
                  .len = MSS);
        TS_INJECT(&ts, TS_MS(10), .flags = (uint8_t)(c == 0 ? TS_A : TS_PA), .seq = 5001 + 2 * MSS,
                  .ack = 1001, .len = MSS);
        SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 100000), (ptrdiff_t)(3 * MSS));
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 2 * MSS);
        if (c == 0) {
            TS_NOTHING(&ts, TS_MS(50) - 1);
            TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5001 + 3 * MSS);
        } else {
            TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 3 * MSS);
        }
        TS_NOTHING(&ts, TS_SEC(1));
        SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_pushed, (uint64_t)c);
        ts_free(&ts);
    }
}

/* Seven segments in one batch fill 10220 of a 16384-byte buffer, and
 * the application reads them all before output runs: the window could
 * double (from 6164 to 16384), but the three ACKs owed for the pairs
 * carry it already (fill_owed_ack offers the edge as it stands when they
 * leave). No window update of its own follows, which would also have
 * acknowledged the seventh segment at once; it waits for the
 * delayed-ACK timer. */
static void test_owed_acks_carry_the_window_update(void)
{
    ts_script ts;
    open_16k(&ts);
    batch(&ts, TS_MS(10), 5001, 7, MSS);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 100000), (ptrdiff_t)(7 * MSS));
    uint32_t edge = 5001 + 7 * MSS + 16384;
    for (uint32_t k = 2; k <= 6; k += 2)
        TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + k * MSS,
                  TS_WIN(edge - (5001 + k * MSS)));
    TS_NOTHING(&ts, TS_MS(50) - 1);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5001 + 7 * MSS, TS_WIN(16384));
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* The stack's default: quick ACKs on (ts_config turns them off). */
static sk_stack_config quick_config(uint8_t n)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.quick_acks = n;
    return cfg;
}

/* Quick-ACK mode at a connection's first data (tcp_ack.c sk_ack_quick):
 * that segment and the arrivals after it, SK_QUICK_ACKS_MAX in all, are
 * each ACKed at once, also two of them within one batch; the next one
 * waits for the delayed-ACK timer. */
static void test_quick_acks_at_start(void)
{
    sk_stack_config cfg = quick_config(SK_QUICK_ACKS_MAX);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    uint32_t seq = 5001, n = SK_QUICK_ACKS_MAX - 2u;
    for (uint32_t i = 0; i < n; i++) {
        sk_time_us t = TS_MS(10) + i * TS_MS(1);
        TS_INJECT(&ts, t, .flags = TS_A, .seq = seq, .ack = 1001, .len = MSS);
        seq += MSS;
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = seq);
    }
    /* the last two of the count and one beyond, in one batch */
    sk_time_us t = TS_MS(40);
    batch(&ts, t, seq, 3, MSS);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = seq + MSS);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = seq + 2 * MSS);
    TS_NOTHING(&ts, t + TS_MS(40) - 1);
    TS_EXPECT(&ts, t + TS_MS(40), .flags = TS_A, .seq = 1001, .ack = seq + 3 * MSS);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_quick, SK_QUICK_ACKS_MAX);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* The count is at most half the window in segments (Linux's), at least 2:
 * a 6000-byte receive buffer holds four 1460-byte segments, so two quick
 * ACKs, and the third segment waits. */
static void test_quick_acks_half_the_window(void)
{
    sk_stack_config cfg = quick_config(SK_QUICK_ACKS_MAX);
    cfg.rcvbuf = 6000;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = MSS);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + MSS);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5001 + MSS, .ack = 1001, .len = MSS);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5001 + 2 * MSS);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5001 + 2 * MSS, .ack = 1001, .len = MSS);
    TS_NOTHING(&ts, TS_MS(52) - 1);
    TS_EXPECT(&ts, TS_MS(52), .flags = TS_A, .seq = 1001, .ack = 5001 + 3 * MSS);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_quick, 2);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* A duplicate segment (text all below RCV.NXT: the peer sends again what
 * we hold) is answered at once by the sequence check and starts the mode
 * again; a segment beyond the window, also answered at once, does not. */
static void test_quick_acks_after_duplicate(void)
{
    sk_stack_config cfg = quick_config(2);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    batch(&ts, TS_MS(10), 5001, 3, MSS); /* two quick ACKs, the third waits */
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + MSS);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001 + 2 * MSS);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5001 + 3 * MSS);
    uint32_t nxt = 5001 + 3 * MSS;
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = nxt + 10000000, .ack = 1001, .len = MSS);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = nxt);
    TS_INJECT(&ts, TS_MS(70), .flags = TS_A, .seq = nxt, .ack = 1001, .len = MSS);
    TS_NOTHING(&ts, TS_MS(110) - 1);
    TS_EXPECT(&ts, TS_MS(110), .flags = TS_A, .seq = 1001, .ack = nxt + MSS);
    nxt += MSS;
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_quick, 2);
    TS_INJECT(&ts, TS_MS(200), .flags = TS_A, .seq = 5001, .ack = 1001, .len = MSS);
    TS_EXPECT(&ts, TS_MS(200), .flags = TS_A, .seq = 1001, .ack = nxt);
    for (uint32_t i = 0; i < 2; i++) {
        sk_time_us t = TS_MS(210) + i * TS_MS(1);
        TS_INJECT(&ts, t, .flags = TS_A, .seq = nxt, .ack = 1001, .len = MSS);
        nxt += MSS;
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = nxt);
    }
    TS_INJECT(&ts, TS_MS(220), .flags = TS_A, .seq = nxt, .ack = 1001, .len = MSS);
    TS_NOTHING(&ts, TS_MS(260) - 1);
    TS_EXPECT(&ts, TS_MS(260), .flags = TS_A, .seq = 1001, .ack = nxt + MSS);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_quick, 4);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* Sending data ends the mode: a reply written in the same turn carries
 * the first segment's ACK (no pure ACK before it), and the next lone
 * segment waits for the delayed-ACK timer, as in Linux's ping-pong mode. */
static void test_quick_acks_end_when_we_send(void)
{
    sk_stack_config cfg = quick_config(SK_QUICK_ACKS_MAX);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 100);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 100000), 100);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 10), 10);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 1001, .ack = 5101, .len = 10);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5101, .ack = 1011, .len = MSS);
    TS_NOTHING(&ts, TS_MS(60) - 1);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1011, .ack = 5101 + MSS);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* The count lives in the connection's core: a receiver whose application
 * reads every segment at once gives its extension back after each ACK
 * (tcp_ext.c), and the mode goes on across that. */
static void test_quick_acks_survive_idle_extension(void)
{
    sk_stack_config cfg = quick_config(SK_QUICK_ACKS_MAX);
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    uint32_t seq = 5001;
    for (uint32_t i = 0; i < 4; i++) {
        sk_time_us t = TS_MS(10) + i * TS_MS(10);
        TS_INJECT(&ts, t, .flags = TS_A, .seq = seq, .ack = 1001, .len = MSS);
        seq += MSS;
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = seq);
        SK_CHECK_EQ_I(ts_recv(&ts, t + TS_MS(1), 100000), (ptrdiff_t)MSS);
        TS_NOTHING(&ts, t + TS_MS(1));
        const sk_tcb *tcb = sk_stack_tcb(ts.s, ts.sock);
        SK_CHECK(tcb != NULL && !sk_tcb_ext_attached(&ts.s->env, tcb));
    }
    SK_CHECK_EQ(sk_stack_stats(ts.s)->acks_quick, 4);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_even_batches);
    SK_RUN(test_odd_batches);
    SK_RUN(test_small_segments_batch);
    SK_RUN(test_mixed_batch_duplicate_acks);
    SK_RUN(test_batch_acks_keep_right_edge);
    SK_RUN(test_last_ack_rides_on_data);
    SK_RUN(test_owed_acks_bounded);
    SK_RUN(test_many_duplicate_acks);
    SK_RUN(test_push_ack_on_read);
    SK_RUN(test_push_ack_needs_all);
    SK_RUN(test_push_ack_only_once);
    SK_RUN(test_push_ack_covered_by_the_pair);
    SK_RUN(test_owed_acks_carry_the_window_update);
    SK_RUN(test_quick_acks_at_start);
    SK_RUN(test_quick_acks_half_the_window);
    SK_RUN(test_quick_acks_after_duplicate);
    SK_RUN(test_quick_acks_end_when_we_send);
    SK_RUN(test_quick_acks_survive_idle_extension);
    return sk_test_finish();
}
