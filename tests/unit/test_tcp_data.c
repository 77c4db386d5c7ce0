/* Scripted data transfer: delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2),
 * piggybacked ACKs, out-of-order, duplicate and overlapping segments
 * (RFC 9293 §3.10.7.4 "seventh"), Nagle (RFC 896, RFC 9293 §3.8.6.2.1),
 * window updates after reads and the memory an idle connection holds. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"

/* A single segment is ACKed when the delayed-ACK timer (40 ms) expires,
 * not before. */
static void test_delayed_ack_single_segment(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 100);
    TS_NOTHING(&ts, TS_MS(10));
    TS_NOTHING(&ts, TS_MS(50) - 1);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5101, TS_WIN(65435));
    TS_NOTHING(&ts, TS_MS(50));
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(10), 1000), 100);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(10), 1000), SK_EAGAIN);
    ts_free(&ts);
}

/* "Full-sized" is the sender's SMSS, not the MSS we announced: a peer whose
 * own MTU limits it to 536-byte segments gets an ACK for every second one,
 * not every sixth (2 x 1460 bytes); small segments never lower the
 * estimate below 536 (RFC 5681 §4.2, RFC 9293 §3.7.1). */
static void test_ack_every_second_segment_of_smaller_smss(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 536);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5537, .ack = 1001, .len = 536);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 6073);
    TS_NOTHING(&ts, TS_MS(11));
    /* three 300-byte segments (900 < 2 x 536): only the timer ACKs them */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 6073, .ack = 1001, .len = 300);
    TS_INJECT(&ts, TS_MS(21), .flags = TS_A, .seq = 6373, .ack = 1001, .len = 300);
    TS_INJECT(&ts, TS_MS(22), .flags = TS_A, .seq = 6673, .ack = 1001, .len = 300);
    TS_NOTHING(&ts, TS_MS(60) - 1);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 6973);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* RFC 5681 §4.2: an ACK at least for every second full-sized segment. */
static void test_ack_every_second_full_segment(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 7921);
    TS_NOTHING(&ts, TS_MS(11));
    /* the delayed-ACK timer was cancelled by that ACK */
    TS_NOTHING(&ts, TS_MS(100));
    TS_INJECT(&ts, TS_MS(200), .flags = TS_A, .seq = 7921, .ack = 1001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(239));
    TS_EXPECT(&ts, TS_MS(240), .flags = TS_A, .seq = 1001, .ack = 9381);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(300), 10000), 3 * 1460);
    ts_free(&ts);
}

/* Data we send carries the ACK, so no separate ACK follows at the timer. */
static void test_piggybacked_ack(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 20);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 100), 20);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(12), 30), 30);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_PA, .seq = 1001, .ack = 5021, .len = 30, TS_PSH);
    TS_NOTHING(&ts, TS_MS(12));
    TS_NOTHING(&ts, TS_MS(60));
    /* the peer's reply piggybacks its ACK of our 30 bytes */
    TS_INJECT(&ts, TS_MS(70), .flags = TS_PA, .seq = 5021, .ack = 1031, .len = 5);
    SK_CHECK_EQ(ts_info(&ts).snd_una, 1031);
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    TS_EXPECT(&ts, TS_MS(110), .flags = TS_A, .seq = 1031, .ack = 5026);
    ts_free(&ts);
}

/* Out of order: a hole is reported at once with a duplicate ACK; filling
 * it is ACKed at once (RFC 5681 §4.2); the bytes come out in order. */
static void test_out_of_order(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(11), 1000), SK_EAGAIN);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1001, .ack = 5301);
    TS_NOTHING(&ts, TS_MS(100));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 1000), 300);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->ooo_segments, 2);
    ts_free(&ts);
}

/* Several out-of-order segments arriving before the caller drains output
 * (a burst read from a device, or a simulator delivering at one instant)
 * each owe the sender a duplicate ACK (RFC 5681 §4.2): coalescing them into
 * one would keep the sender from ever seeing three and fast-retransmitting. */
static void test_out_of_order_burst(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5301, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    /* the hole fills in a burst with one more out-of-order segment before
     * it: each arrival gets the ACK it would have had alone - the duplicate
     * ACK, then the ACK of the fill - whose window keeps the right edge
     * (5001 + 65535) where it is */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5401, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001, TS_WIN(65535));
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5501, TS_WIN(65035));
    TS_NOTHING(&ts, TS_MS(100));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 1000), 500);
    ts_free(&ts);
}

/* A duplicate is not acceptable (all before RCV.NXT): ACK, deliver once. */
static void test_duplicate_segment(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5101);
    TS_NOTHING(&ts, TS_MS(100));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 1000), 100);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 1000), SK_EAGAIN);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), 1);
    ts_free(&ts);
}

/* Overlaps: only the new part of a segment is taken, in order and out of
 * order, and every byte comes out once, exact. */
static void test_overlapping_segments(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    /* straddles RCV.NXT: 50 old, 50 new */
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5051, .ack = 1001, .len = 100);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5151);
    /* out of order, overlapping each other: [5301,5401) [5351,5501) [5201,5351) */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5301, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5351, .ack = 1001, .len = 150);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5201, .ack = 1001, .len = 150);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5151);
    /* [5141, 5261) fills the hole, overlapping both sides */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5141, .ack = 1001, .len = 120);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5501);
    ts_discard(&ts, TS_MS(12));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(20), 10000), 500);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(20), 10000), SK_EAGAIN);
    TS_NOTHING(&ts, TS_MS(100));
    ts_free(&ts);
}

/* Sequence numbers that wrap past 2^32 (RFC 9293 §3.4). */
static void test_sequence_wrap(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_isn = 0xffffff00u;
    ts.us_isn = 0xfffffff0u;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 0xffffff01u, .ack = 0xfffffff1u, .len = 1000);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 0xffffff01u + 1000u);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 100), 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 0xfffffff1u, .ack = 0x2e9, .len = 100);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 0x2e9, .ack = 0x55);
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(20), 2000), 1000);
    TS_NOTHING(&ts, TS_MS(100));
    ts_free(&ts);
}

/* Nagle: a small segment goes out at once when nothing is in flight, and
 * is held while data is unacknowledged; NODELAY sends it at once. */
static void test_nagle(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 100), 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(11), 100), 100);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(11), 100), 100);
    TS_NOTHING(&ts, TS_MS(11));
    TS_NOTHING(&ts, TS_MS(30));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 1101);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 200);
    TS_NOTHING(&ts, TS_MS(30));
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1301);

    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(50), 100), 100);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_PA, .seq = 1301, .ack = 5001, .len = 100);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(51), 100), 100);
    TS_EXPECT(&ts, TS_MS(51), .flags = TS_PA, .seq = 1401, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, TS_MS(51));
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = 5001, .ack = 1501);
    TS_NOTHING(&ts, TS_MS(60));
    ts_free(&ts);
}

/* Turning NODELAY on releases a segment Nagle was holding. */
static void test_nodelay_flushes(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 100), 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(11), 50), 50);
    TS_NOTHING(&ts, TS_MS(11));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_PA, .seq = 1101, .ack = 5001, .len = 50);
    TS_NOTHING(&ts, TS_MS(12));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1151);
    ts_free(&ts);
}

/* Full-sized segments are never held by Nagle; the initial window (RFC
 * 5681 §3.1: 3 * 1460 for SMSS 1460) bounds what goes out at once. */
static void test_send_bulk_initial_window(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.initial_window_segments = 0; /* RFC 5681 §3.1: 3 segments of 1460 */
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4380);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 5000), 5000);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 3921, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_info(&ts).unacked, 4380);
    SK_CHECK_EQ(ts_info(&ts).sndbuf_used, 5000);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 3921);
    SK_CHECK_EQ(ts_info(&ts).sndbuf_used, 5000 - 2920);
    SK_CHECK_EQ(ts_info(&ts).cwnd, 4380 + 2920); /* slow start: + min(acked, 2 SMSS) */
    /* the last 620 bytes are a small segment: Nagle holds them while the
     * third segment is in flight */
    TS_NOTHING(&ts, TS_MS(20));
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 5381);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 5381, .ack = 5001, .len = 620, TS_PSH);
    TS_NOTHING(&ts, TS_MS(30));
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 6001);
    TS_NOTHING(&ts, TS_MS(40));
    ts_free(&ts);
}

/* The peer's window limits what we send (RFC 9293 §3.8.6). */
static void test_send_window_limits(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_win = 1000;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 3000), 3000);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 2001, TS_WIN(1500));
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 2001, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(20)); /* 40 more would fit: sender SWS avoidance holds them */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 3461, TS_WIN(5000));
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 3461, .ack = 5001, .len = 540);
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 4001, TS_WIN(5000));
    TS_NOTHING(&ts, TS_MS(40));
    ts_free(&ts);
}

/* The receive window closes as the buffer fills and a window update is
 * sent once the application has read enough (RFC 9293 §3.8.6.2.2). */
static void test_window_update_after_read(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = 4096;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).rcv_wnd, 4096);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7921, TS_WIN(1176));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_PA, .seq = 7921, .ack = 1001, .len = 1176);
    TS_EXPECT(&ts, TS_MS(51), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(0));
    TS_NOTHING(&ts, TS_MS(51));
    /* a byte past the closed window is not taken; the ACK repeats the 0 */
    TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = 9097, .ack = 1001, .len = 1);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(0));
    /* reading a little does not reopen the window (receiver SWS) */
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(70), 1000), 1000);
    TS_NOTHING(&ts, TS_MS(70));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(80), 10000), 3096);
    TS_EXPECT(&ts, TS_MS(80), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(4096));
    TS_NOTHING(&ts, TS_MS(80));
    ts_free(&ts);
}

/* Idle connections hold no buffer memory: no ring storage once the data
 * is acknowledged and read. */
static void test_idle_holds_no_buffers(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    SK_CHECK(t != NULL && t->x->sndbuf.buf == NULL && t->x->rcvbuf.buf == NULL);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 100), 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    SK_CHECK(t->x->sndbuf.buf != NULL);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_PA, .seq = 5001, .ack = 1101, .len = 50);
    SK_CHECK(t->x->sndbuf.buf == NULL);
    SK_CHECK(t->x->rcvbuf.buf != NULL);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(30), 1000), 50);
    SK_CHECK(t->x->rcvbuf.buf == NULL);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.sndbuf_used, 0);
    SK_CHECK_EQ(in.rcvbuf_used, 0);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1101, .ack = 5051);
    ts_free(&ts);
}

/* An out-of-order hole keeps the receive buffer; filling it and reading
 * gives it back. */
static void test_ooo_keeps_buffer_until_read(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcb *t = sk_stack_tcb(ts.s, ts.sock);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5101, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK(t->x->rcvbuf.buf != NULL);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 1000), SK_EAGAIN);
    SK_CHECK(t->x->rcvbuf.buf != NULL);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5201);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 200);
    SK_CHECK(t->x->rcvbuf.buf == NULL);
    ts_free(&ts);
}

/* Reassembly across 2^32 (RFC 9293 §3.4): out-of-order ranges on both sides
 * of the wrap, a FIN held out of order just past it, the window's right
 * edge beyond zero, and every byte delivered once, in order. */
static void test_reassembly_across_wrap(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_isn = 0xfffffe00u; /* RCV.NXT = 0xfffffe01, 511 bytes before 0 */
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    /* [0xffffff01, 0x00000065) straddles the wrap, [0xc9, 0x12d) after it */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 0xffffff01u, .ack = 1001, .len = 356);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 0xfffffe01u);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 0xc9, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 0xfffffe01u);
    /* a segment just past the right edge of the window we offered (65535,
     * no scaling), also past zero */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 0xfffffe01u + 65535u, .ack = 1001, .len = 1);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 0xfffffe01u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), 1);
    /* the hole [0x65, 0xc9), then the first one [0xfffffe01, 0xffffff01) */
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 0x65, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 0xfffffe01u);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 0xfffffe01u, .ack = 1001, .len = 256);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1001, .ack = 0x12e);
    TS_NOTHING(&ts, TS_MS(100));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 10000), 812);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 10000), 0);
    ts_free(&ts);
}

/* Urgent data is not supported (RFC 6093): the URG bit and pointer are
 * ignored and the bytes are delivered inline, in order, once. */
static void test_urgent_data_inline(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    uint8_t pkt[256];
    size_t n = ts_build(&ts, &(ts_seg){.flags = TS_A | SK_TCP_URG, .seq = 5001, .ack = 1001,
                                       .len = 100}, pkt, sizeof pkt);
    SK_CHECK(n > 40);
    uint8_t *tcp = pkt + 20;
    tcp[18] = 0; /* urgent pointer 50 */
    tcp[19] = 50;
    tcp[16] = tcp[17] = 0;
    sk_tcp_fill_checksum4(sk_ip4_make(10, 0, 0, 1), sk_ip4_make(10, 0, 0, 2), tcp, n - 20);
    ts_inject_raw(&ts, TS_MS(10), pkt, n);
    /* an urgent pointer past the segment (RFC 9293 §3.10.7.4 sixth) too */
    n = ts_build(&ts, &(ts_seg){.flags = TS_A | SK_TCP_URG, .seq = 5101, .ack = 1001,
                                .len = 100}, pkt, sizeof pkt);
    tcp[18] = 0xff;
    tcp[19] = 0xff;
    tcp[16] = tcp[17] = 0;
    sk_tcp_fill_checksum4(sk_ip4_make(10, 0, 0, 1), sk_ip4_make(10, 0, 0, 2), tcp, n - 20);
    ts_inject_raw(&ts, TS_MS(10), pkt, n);
    TS_NOTHING(&ts, TS_MS(10));
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5201);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(50), 1000), 200);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_delayed_ack_single_segment);
    SK_RUN(test_ack_every_second_segment_of_smaller_smss);
    SK_RUN(test_ack_every_second_full_segment);
    SK_RUN(test_piggybacked_ack);
    SK_RUN(test_out_of_order);
    SK_RUN(test_duplicate_segment);
    SK_RUN(test_overlapping_segments);
    SK_RUN(test_sequence_wrap);
    SK_RUN(test_nagle);
    SK_RUN(test_nodelay_flushes);
    SK_RUN(test_send_bulk_initial_window);
    SK_RUN(test_send_window_limits);
    SK_RUN(test_window_update_after_read);
    SK_RUN(test_idle_holds_no_buffers);
    SK_RUN(test_ooo_keeps_buffer_until_read);
    SK_RUN(test_out_of_order_burst);
    SK_RUN(test_reassembly_across_wrap);
    SK_RUN(test_urgent_data_inline);
    return sk_test_finish();
}
