/* Scripted connection close (RFC 9293 §3.6, §3.10.7.4 "eighth"): the FIN in
 * every state it can arrive in, half-close, simultaneous close, TIME-WAIT
 * (re-ACK, 2MSL restart, expiry at exactly 2MSL), and closing with unread
 * data or receiving data after close (RFC 1122 §4.2.2.13). */
#include "sk_test.h"
#include "tcp_script.h"

#define TW TS_SEC(60) /* default time_wait_us (2 MSL) */

/* ESTABLISHED: the FIN is ACKed at once, CLOSE-WAIT, end of stream after
 * the data; a retransmitted FIN is ACKed again. */
static void test_fin_in_established(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA | TS_P, .seq = 5001, .ack = 1001, .len = 10);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5012);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    uint32_t ev = sk_sock_events(ts.s, ts.sock);
    SK_CHECK(ev & SK_EV_HUP);
    SK_CHECK(ev & SK_EV_READABLE);
    SK_CHECK(ev & SK_EV_WRITABLE); /* we may still send */
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(11), 100), 10);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(11), 100), 0);
    /* CLOSE-WAIT: the FIN again (our ACK was lost) */
    TS_INJECT(&ts, TS_MS(200), .flags = TS_FA, .seq = 5011, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(200), .flags = TS_A, .seq = 1001, .ack = 5012);
    TS_NOTHING(&ts, TS_MS(200));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    /* we may still send in CLOSE-WAIT, then close: LAST-ACK */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(300), 20), 20);
    TS_EXPECT(&ts, TS_MS(300), .flags = TS_PA, .seq = 1001, .ack = 5012, .len = 20);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(300), ts.sock), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_LAST_ACK);
    TS_EXPECT(&ts, TS_MS(300), .flags = TS_FA, .seq = 1021, .ack = 5012);
    TS_NOTHING(&ts, TS_MS(300));
    /* LAST-ACK: the peer's FIN again is ACKed; our FIN stays unacked */
    TS_INJECT(&ts, TS_MS(310), .flags = TS_FA, .seq = 5011, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(310), .flags = TS_A, .seq = 1022, .ack = 5012);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_LAST_ACK);
    /* the ACK of our FIN: CLOSED, no TIME-WAIT on this side */
    TS_INJECT(&ts, TS_MS(320), .flags = TS_A, .seq = 5012, .ack = 1022);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(100), ts.sock), 0);
    ts_free(&ts);
}

/* Our FIN is retransmitted like data when it is not acknowledged. */
static void test_fin_retransmitted(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(1010) - 1);
    TS_EXPECT(&ts, TS_MS(1010), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(1010));
    TS_INJECT(&ts, TS_MS(1020), .flags = TS_A, .seq = 5001, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}

/* FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT, and TIME-WAIT: the FIN again is
 * re-ACKed and restarts the 2MSL timer; expiry at exactly 2MSL. */
static void test_fin_wait_2_and_time_wait(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_1);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
    TS_NOTHING(&ts, TS_MS(20));
    /* half-closed: data still arrives and is ACKed (delayed) */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 5001, .ack = 1002, .len = 100);
    TS_EXPECT(&ts, TS_MS(70), .flags = TS_A, .seq = 1002, .ack = 5101);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(70), 1000), 100);
    /* the peer's FIN: TIME-WAIT and an immediate ACK */
    sk_time_us t = TS_MS(100);
    TS_INJECT(&ts, t, .flags = TS_FA, .seq = 5101, .ack = 1002);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1002, .ack = 5102);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_CLOSED);
    SK_CHECK_EQ_I(ts_recv(&ts, t, 1000), 0);
    /* the FIN again 10 s later: re-ACK, 2MSL starts over */
    t += TS_SEC(10);
    TS_INJECT(&ts, t, .flags = TS_FA, .seq = 5101, .ack = 1002);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1002, .ack = 5102);
    TS_NOTHING(&ts, t);
    TS_NOTHING(&ts, t + TW - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    TS_NOTHING(&ts, t + TW);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    /* the 4-tuple is free: a segment now meets no connection */
    TS_INJECT(&ts, t + TW + 1, .flags = TS_A, .seq = 5102, .ack = 1002);
    TS_EXPECT(&ts, t + TW + 1, .flags = TS_R, .seq = 1002);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, t + TW + 1, ts.sock), 0);
    ts_free(&ts);
}

/* TIME-WAIT ends exactly 2MSL after it was entered. */
static void test_time_wait_exact_expiry(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    /* FIN,ACK that also acknowledges our FIN: FIN-WAIT-1 -> TIME-WAIT */
    TS_INJECT(&ts, TS_MS(15), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_MS(15), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(15) + TW);
    TS_NOTHING(&ts, TS_MS(15) + TW - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    TS_NOTHING(&ts, TS_MS(15) + TW);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    ts_free(&ts);
}

/* Simultaneous close: the FINs cross. FIN-WAIT-1 -> CLOSING -> TIME-WAIT. */
static void test_simultaneous_close(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSING);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_MS(11));
    /* CLOSING: the peer's FIN again is ACKed */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSING);
    /* the ACK of our FIN */
    TS_INJECT(&ts, TS_MS(13), .flags = TS_A, .seq = 5002, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    TS_NOTHING(&ts, TS_MS(13));
    TS_NOTHING(&ts, TS_MS(13) + TW - 1);
    TS_NOTHING(&ts, TS_MS(13) + TW);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    ts_free(&ts);
}

/* Half-close: after shutdown the application reads on, sends fail. */
static void test_half_close(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 50), 50);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    /* the FIN rides on the data segment */
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA | TS_P, .seq = 1001, .ack = 5001, .len = 50);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(11), 10), SK_ESHUTDOWN);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(11), ts.sock), 0); /* again: no-op */
    TS_NOTHING(&ts, TS_MS(11));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1052);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
    for (uint32_t i = 0; i < 4; i += 2) {
        TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001 + i * 1460, .ack = 1052,
                  .len = 1460);
        TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001 + (i + 1) * 1460, .ack = 1052,
                  .len = 1460);
        TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 1052, .ack = 5001 + (i + 2) * 1460);
        TS_NOTHING(&ts, TS_MS(30));
    }
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(31), 100000), 4 * 1460);
    TS_INJECT(&ts, TS_MS(40), .flags = TS_FA, .seq = 5001 + 4 * 1460, .ack = 1052);
    TS_EXPECT(&ts, TS_MS(40), .flags = TS_A, .seq = 1052, .ack = 5002 + 4 * 1460);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(41), 100), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(50), ts.sock), 0);
    TS_NOTHING(&ts, TS_MS(50));
    ts_free(&ts);
}

/* A FIN that arrives before the hole in front of it is filled is held
 * and takes effect when the data up to it has arrived. */
static void test_fin_out_of_order(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5101, .ack = 1001, .len = 50);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5152);
    TS_NOTHING(&ts, TS_MS(11));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 150);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 0);
    ts_free(&ts);
}

/* RFC 1122 §4.2.2.13: close with unread data sends RST, not FIN. */
static void test_close_with_unread_data_resets(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(20), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_RA, .seq = 1001, .ack = 5011);
    TS_NOTHING(&ts, TS_MS(20));
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, 1);
    char b[4];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_SEC(100), ts.sock, b, sizeof b), SK_EBADHANDLE);
    /* the connection is gone: the peer's next segment gets a RST */
    TS_INJECT(&ts, TS_SEC(101), .flags = TS_A, .seq = 5011, .ack = 1001);
    TS_EXPECT(&ts, TS_SEC(101), .flags = TS_R, .seq = 1001);
    ts_free(&ts);
}

/* After close, nobody reads: data from the peer is answered with RST. */
static void test_data_after_close_resets(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1002);
    TS_NOTHING(&ts, TS_MS(20)); /* FIN-WAIT-2 */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 5001, .ack = 1002, .len = 10);
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_RA, .seq = 1002, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(30));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RCV_CLOSED), 1);
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5011, .ack = 1002);
    TS_EXPECT(&ts, TS_MS(40), .flags = TS_R, .seq = 1002);
    ts_free(&ts);
}

/* A closed (orphaned) connection in FIN-WAIT-2 does not live forever. */
static void test_orphan_fin_wait_2_times_out(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1002);
    TS_NOTHING(&ts, TS_MS(20));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(20) + TW);
    TS_NOTHING(&ts, TS_MS(20) + TW);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    TS_INJECT(&ts, TS_MS(30) + TW, .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_MS(30) + TW, .flags = TS_R, .seq = 1002);
    ts_free(&ts);
}

/* close() in ESTABLISHED: the FIN goes out after the queued data, and the
 * connection finishes in the background (TIME-WAIT). */
static void test_close_sends_data_then_fin(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 3000), 3000);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 3921, .ack = 5001, .len = 80);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_FA, .seq = 5001, .ack = 4002);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 4002, .ack = 5002);
    TS_NOTHING(&ts, TS_MS(20) + TW);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    ts_free(&ts);
}

/* A FIN ends the peer's stream (RFC 9293 §3.10.7.4 eighth): bytes that
 * claim to follow a FIN held out of order are not part of it. When the
 * hole fills, the stream ends at the FIN: the application reads what came
 * before it, then end of stream, and the ACK covers the FIN, not the bytes
 * after it. */
static void test_data_after_out_of_order_fin(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5101, .ack = 1001, .len = 50);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    /* 100 bytes past the FIN (5151) */
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5151, .ack = 1001, .len = 100);
    ts_discard(&ts, TS_MS(11));
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1001, .ack = 5152);
    TS_NOTHING(&ts, TS_MS(12));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(13), 1000), 150);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(13), 1000), 0);
    ts_free(&ts);
}

/* Data held out of order past the point where the FIN then arrives in
 * order (RFC 9293 §3.10.7.4 eighth: the FIN ends the stream): the held
 * bytes can never be delivered and are discarded with the FIN; a range left
 * behind would start at the new RCV.NXT (found by fuzz_stack,
 * regress-data-beyond-in-order-fin). */
static void test_held_data_beyond_in_order_fin(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5002, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5002);
    TS_NOTHING(&ts, TS_MS(11));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_DATA_AFTER_FIN), 1);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 0); /* end of stream, nothing else */
    /* the held bytes again: text in CLOSE-WAIT is ignored (RFC 9293
     * §3.10.7.4 seventh) and counted */
    TS_INJECT(&ts, TS_MS(13), .flags = TS_A, .seq = 5002, .ack = 1001, .len = 100);
    TS_NOTHING(&ts, TS_MS(13));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_DATA_AFTER_FIN), 2);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(14), 1000), 0);
    ts_free(&ts);
}

/* A retransmission that overlaps RCV.NXT and carries the FIN (RFC 9293
 * §3.10.7.4: trim the old part, take the rest, then the FIN). */
static void test_fin_on_partly_old_segment(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 5051, .ack = 1001, .len = 100);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5152);
    TS_NOTHING(&ts, TS_MS(11));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 150);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 1000), 0);
    ts_free(&ts);
}

/* An ACK of something never sent (SEG.ACK > SND.NXT) is answered with an
 * ACK and dropped (RFC 9293 §3.10.7.4 fifth; RFC 5961 §5.2) in every state
 * that waits for the ACK of our FIN: it must not count as that ACK. */
static void test_ack_beyond_snd_nxt_while_closing(void)
{
    ts_script ts;
    /* FIN-WAIT-1 */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5001, .ack = 1003);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1002, .ack = 5001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_1);
    SK_CHECK_EQ(ts_info(&ts).snd_una, 1001);
    /* CLOSING: the peer's FIN crossed ours */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSING);
    TS_INJECT(&ts, TS_MS(13), .flags = TS_A, .seq = 5002, .ack = 1003);
    TS_EXPECT(&ts, TS_MS(13), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSING);
    TS_INJECT(&ts, TS_MS(14), .flags = TS_A, .seq = 5002, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);

    /* LAST-ACK */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5002);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(11), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 1001, .ack = 5002);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_A, .seq = 5002, .ack = 1003);
    TS_EXPECT(&ts, TS_MS(12), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_LAST_ACK);
    TS_INJECT(&ts, TS_MS(13), .flags = TS_A, .seq = 5002, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* RFC 9293 §3.6.1 (RFC 6191 §2 without timestamps): a new SYN with a
 * sequence number above RCV.NXT may reopen a connection in TIME-WAIT, if
 * the new initial sequence number is "larger than the largest sequence
 * number it used on the previous connection incarnation" - even when the
 * listener asked for a fixed ISN. An old SYN (not above RCV.NXT) does not
 * reopen it. */
static void test_time_wait_reopened_by_new_syn(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(10), 3000), 3000);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 3921, .ack = 5001, .len = 80);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_FA, .seq = 5001, .ack = 4002);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 4002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    /* an old SYN: answered with an ACK, TIME-WAIT stays */
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 5000);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 4002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    /* a new SYN: a new connection whose ISS lies past the old SND.MAX
     * (4002), here by 2^16; not the listener's fixed ISN 1000 */
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_SA, .seq = 4002 + 65536, .ack = 9001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(2), ts.sock), 0);
    TS_INJECT(&ts, TS_MS(2010), .flags = TS_A, .seq = 9001, .ack = 4003 + 65536);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_info(&ts).iss, 4002 + 65536);
    TS_NOTHING(&ts, TS_MS(2010));
    ts_free(&ts);
}

/* After close() the FIN is retransmitted like data (RFC 9293 §3.10.4);
 * when the peer never acknowledges it, max_retries ends the orphaned
 * connection (§3.8.3), the TCB is freed and the peer's next segment meets
 * no connection. */
static void test_orphan_fin_retries_exhausted(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_retries = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1))); /* RTO 1 s */
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(1010), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_EXPECT(&ts, TS_MS(3010), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(7010) - 1);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(7010));
    TS_NOTHING(&ts, TS_MS(7010));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 1);
    TS_INJECT(&ts, TS_SEC(8), .flags = TS_A, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_SEC(8), .flags = TS_R, .seq = 1002);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_fin_in_established);
    SK_RUN(test_fin_retransmitted);
    SK_RUN(test_fin_wait_2_and_time_wait);
    SK_RUN(test_time_wait_exact_expiry);
    SK_RUN(test_simultaneous_close);
    SK_RUN(test_half_close);
    SK_RUN(test_fin_out_of_order);
    SK_RUN(test_close_with_unread_data_resets);
    SK_RUN(test_data_after_close_resets);
    SK_RUN(test_orphan_fin_wait_2_times_out);
    SK_RUN(test_close_sends_data_then_fin);
    SK_RUN(test_data_after_out_of_order_fin);
    SK_RUN(test_held_data_beyond_in_order_fin);
    SK_RUN(test_fin_on_partly_old_segment);
    SK_RUN(test_ack_beyond_snd_nxt_while_closing);
    SK_RUN(test_time_wait_reopened_by_new_syn);
    SK_RUN(test_orphan_fin_retries_exhausted);
    return sk_test_finish();
}
