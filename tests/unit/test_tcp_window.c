/* Scripted flow control: a zero send window and persist probes (RFC 9293
 * §3.8.6.1, RFC 1122 §4.2.2.17) with exponential backoff, the connection
 * kept open while probes are answered, and the window reopening. */
#include "sk_test.h"
#include "tcp_script.h"

/* The peer closes its window; our data waits; the persist timer sends one
 * byte past the window at RTO, 2 RTO, 4 RTO ... and the probes' answers
 * (same ACK, window still 0) are not duplicate ACKs. */
static void test_zero_window_persist(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 0);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 500), 500);
    TS_NOTHING(&ts, TS_MS(200));
    sk_time_us t = TS_MS(200), gap = TS_SEC(1);
    for (int i = 0; i < 8; i++) {
        t += gap;
        TS_NOTHING(&ts, t - 1);
        TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
        TS_NOTHING(&ts, t);
        /* the peer answers: still closed */
        TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
        TS_NOTHING(&ts, t + TS_MS(10));
        gap = gap * 2 > TS_SEC(60) ? TS_SEC(60) : gap * 2;
    }
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->fast_retransmits, 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 0);
    /* probes go on beyond max_retries as long as they are answered */
    for (int i = 0; i < 12; i++) {
        t += TS_SEC(60);
        TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
        TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    }
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    /* the window opens: everything goes at once */
    t += TS_SEC(1);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(65535));
    TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 500);
    TS_NOTHING(&ts, t);
    TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1501);
    TS_NOTHING(&ts, t + TS_SEC(200));
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    ts_free(&ts);
}

/* A peer that never answers the probes is gone: after max_retries
 * unanswered probes the connection times out (as Linux's tcp_retries2). */
static void test_unanswered_probes_time_out(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_retries = 3;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 500), 500);
    TS_NOTHING(&ts, TS_MS(200)); /* output at 200 ms arms the persist timer */
    sk_time_us t = TS_MS(200), gap = TS_SEC(1);
    for (int i = 0; i < 3; i++) {
        t += gap;
        TS_NOTHING(&ts, t - 1);
        TS_EXPECT(&ts, t, .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
        gap *= 2;
    }
    /* the fourth expiry finds three probes unanswered: give up, no segment */
    TS_NOTHING(&ts, t + gap - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, t + gap);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ(ts_info(&ts).error, SK_ETIMEDOUT);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 1);
    ts_free(&ts);
}

/* The receiver takes the probe byte: the next probe carries the next byte. */
static void test_probe_byte_accepted(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 10), 10);
    TS_NOTHING(&ts, TS_MS(200));
    TS_EXPECT(&ts, TS_MS(1200), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
    TS_INJECT(&ts, TS_MS(1210), .flags = TS_A, .seq = 5001, .ack = 1002, TS_WIN(0));
    TS_NOTHING(&ts, TS_MS(1210));
    SK_CHECK_EQ(ts_info(&ts).snd_una, 1002);
    /* a new probe after a fresh RTO, with the next byte */
    TS_NOTHING(&ts, TS_MS(2210) - 1);
    TS_EXPECT(&ts, TS_MS(2210), .flags = TS_PA, .seq = 1002, .ack = 5001, .len = 1);
    TS_INJECT(&ts, TS_MS(2220), .flags = TS_A, .seq = 5001, .ack = 1003, TS_WIN(100));
    TS_EXPECT(&ts, TS_MS(2220), .flags = TS_PA, .seq = 1003, .ack = 5001, .len = 8);
    TS_NOTHING(&ts, TS_MS(2220));
    TS_INJECT(&ts, TS_MS(2230), .flags = TS_A, .seq = 5001, .ack = 1011, TS_WIN(100));
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* The window closes while data is in flight: the ACK of all of it with
 * window 0 starts the persist timer for the bytes Nagle was holding;
 * nothing is sent past the window before it fires. */
static void test_window_closes_with_data_in_flight(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 3000), 3000);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_SEC(1)); /* Nagle holds the last 80 */
    TS_INJECT(&ts, TS_MS(1010), .flags = TS_A, .seq = 5001, .ack = 3921, TS_WIN(0));
    TS_NOTHING(&ts, TS_MS(1010));
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    TS_NOTHING(&ts, TS_MS(2010) - 1);
    TS_EXPECT(&ts, TS_MS(2010), .flags = TS_PA, .seq = 3921, .ack = 5001, .len = 1);
    TS_NOTHING(&ts, TS_MS(2010));
    TS_INJECT(&ts, TS_MS(2020), .flags = TS_A, .seq = 5001, .ack = 3921, TS_WIN(2000));
    TS_EXPECT(&ts, TS_MS(2020), .flags = TS_PA, .seq = 3921, .ack = 5001, .len = 80);
    TS_NOTHING(&ts, TS_MS(2020));
    TS_INJECT(&ts, TS_MS(2030), .flags = TS_A, .seq = 5001, .ack = 4001, TS_WIN(2000));
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* A small window (less than an MSS): the sender fills it once data waits
 * and nothing is in flight (RFC 9293 §3.8.6.2.1 (2): at least half the
 * largest window the peer offered). */
static void test_small_window(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_win = 600;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 2000), 2000);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 600);
    TS_NOTHING(&ts, TS_SEC(1));
    TS_INJECT(&ts, TS_MS(1010), .flags = TS_A, .seq = 5001, .ack = 1601);
    TS_EXPECT(&ts, TS_MS(1010), .flags = TS_A, .seq = 1601, .ack = 5001, .len = 600);
    TS_NOTHING(&ts, TS_MS(1010));
    ts_discard(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A window update (not a probe answer) reopens the window before the
 * persist timer fires: the stale persist timer must not back off the
 * retransmission timer of the data that follows. */
static void test_window_reopens_before_persist(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 100), 100);
    TS_NOTHING(&ts, TS_MS(200)); /* persist timer: 1.2 s */
    TS_INJECT(&ts, TS_MS(500), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(8000));
    TS_EXPECT(&ts, TS_MS(500), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, TS_MS(500));
    /* the segment is lost: RTO 1 s, then 2 s */
    TS_NOTHING(&ts, TS_MS(1500) - 1);
    TS_EXPECT(&ts, TS_MS(1500), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, TS_MS(3500) - 1);
    TS_EXPECT(&ts, TS_MS(3500), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_INJECT(&ts, TS_MS(3510), .flags = TS_A, .seq = 5001, .ack = 1101, TS_WIN(8000));
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* A scaled window is rounded down, never up past the free buffer space
 * (RFC 7323 §2.4): data the peer sends up to an edge we announced must fit.
 * rcvbuf 70000 gives shift 1; after 1 byte, 69999 bytes are free: the
 * window field is 34999 (69998 bytes), not 35000 (70000 bytes, one more
 * than fits, which once trimmed the last byte of a full window and left
 * the peer's later segments, sent at that edge, all out of window). */
static void test_scaled_window_never_exceeds_buffer(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = 70000;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_ws = 0;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).rcv_wscale, 1);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 1);
    TS_EXPECT(&ts, TS_MS(50), .flags = TS_A, .seq = 1001, .ack = 5002, TS_WIN(34999));
    /* the peer fills what was offered: every byte is taken */
    uint32_t seq = 5002, left = 69998;
    while (left > 0) {
        uint32_t n = left < 1460 ? left : 1460;
        TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = seq, .ack = 1001, .len = n);
        seq += n;
        left -= n;
    }
    ts_discard(&ts, TS_MS(60));
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5002u + 69998u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), 0);
    /* the peer's next ACK, at the edge, is acceptable (a zero-window ACK) */
    TS_INJECT(&ts, TS_MS(70), .flags = TS_A, .seq = seq, .ack = 1001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), 0);
    ts_discard(&ts, TS_MS(100));
    ts_free(&ts);
}

/* Fill a 4096-byte receive buffer from the peer (no window scaling): our
 * window is then zero and rcv_nxt = 9097. */
static void fill_our_window(ts_script *ts)
{
    TS_INJECT(ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_INJECT(ts, TS_MS(10), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_EXPECT(ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7921, TS_WIN(1176));
    TS_INJECT(ts, TS_MS(11), .flags = TS_PA, .seq = 7921, .ack = 1001, .len = 1176);
    TS_EXPECT(ts, TS_MS(51), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(0));
    TS_NOTHING(ts, TS_MS(51));
}

static void rcvbuf_open(ts_script *ts, uint32_t rcvbuf)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = rcvbuf;
    ts_init(ts, &cfg);
    SK_CHECK(ts_open_active(ts, 0, TS_MS(1)));
}

static void small_rcvbuf_open(ts_script *ts)
{
    rcvbuf_open(ts, 4096);
}

/* Our window is zero and a data segment arrives at RCV.NXT carrying a new
 * ACK. RFC 9293 §3.10.7.4: the segment is not acceptable (a zero window
 * takes no text), but "special allowance should be made to accept valid
 * ACKs": snd_una advances, the text is dropped and counted, and the answer
 * is an ACK still offering window 0. */
static void test_zero_rcv_window_still_takes_ack(void)
{
    ts_script ts;
    small_rcvbuf_open(&ts);
    fill_our_window(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(60), 300), 300);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_PA, .seq = 1001, .ack = 9097, .len = 300, TS_WIN(0));
    TS_NOTHING(&ts, TS_MS(60));
    SK_CHECK_EQ(ts_info(&ts).unacked, 300);
    uint64_t oow = ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW);
    /* the peer's next data, with the ACK of our 300 bytes */
    TS_INJECT(&ts, TS_MS(70), .flags = TS_PA, .seq = 9097, .ack = 1301, .len = 200);
    TS_EXPECT(&ts, TS_MS(70), .flags = TS_A, .seq = 1301, .ack = 9097, TS_WIN(0));
    TS_NOTHING(&ts, TS_MS(70));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.snd_una, 1301);
    SK_CHECK_EQ(in.unacked, 0);
    SK_CHECK_EQ(in.rcv_nxt, 9097);
    SK_CHECK_EQ(in.rcvbuf_used, 4096);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), oow + 1);
    /* all acknowledged: the retransmission timer is off, nothing is resent */
    TS_NOTHING(&ts, TS_SEC(5));
    /* the dropped text comes again once the window opens: byte exact */
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(5), 10000), 4096);
    TS_EXPECT(&ts, TS_SEC(5), .flags = TS_A, .seq = 1301, .ack = 9097, TS_WIN(4096));
    TS_INJECT(&ts, TS_SEC(6), .flags = TS_PA, .seq = 9097, .ack = 1301, .len = 200);
    TS_EXPECT(&ts, TS_SEC(6) + TS_MS(40), .flags = TS_A, .seq = 1301, .ack = 9297, TS_WIN(3896));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(7), 10000), 200);
    ts_discard(&ts, TS_SEC(7));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* The same segment with an old ACK (nothing new to acknowledge) and a FIN:
 * neither the text nor the FIN is taken in a zero window. */
static void test_zero_rcv_window_refuses_fin(void)
{
    ts_script ts;
    small_rcvbuf_open(&ts);
    fill_our_window(&ts);
    TS_INJECT(&ts, TS_MS(70), .flags = TS_FA, .seq = 9097, .ack = 1001, .len = 10);
    TS_EXPECT(&ts, TS_MS(70), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(0));
    TS_NOTHING(&ts, TS_MS(70));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 9097);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* Our window closed; the application reads. Less than one MSS does not
 * reopen it (receiver SWS avoidance, RFC 9293 §3.8.6.2.2); one MSS does,
 * and the window update goes out at once, not with the next delayed ACK:
 * the peer is blocked and would otherwise wait for its persist timer. */
static void test_read_one_mss_updates_at_once(void)
{
    ts_script ts;
    small_rcvbuf_open(&ts);
    fill_our_window(&ts);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(70), 1000), 1000);
    TS_NOTHING(&ts, TS_MS(70));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(80), 460), 460);
    TS_EXPECT(&ts, TS_MS(80), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(1460));
    TS_NOTHING(&ts, TS_MS(80));
    /* the peer fills the 1460 again: closed */
    TS_INJECT(&ts, TS_MS(90), .flags = TS_PA, .seq = 9097, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(130), .flags = TS_A, .seq = 1001, .ack = 10557, TS_WIN(0));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(140), 1460), 1460);
    TS_EXPECT(&ts, TS_MS(140), .flags = TS_A, .seq = 1001, .ack = 10557, TS_WIN(1460));
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* The window is not zero but below one MSS (the peer has 636 bytes left
 * of it): reading one MSS also sends the update at once, though the window
 * grows by less than two segments. */
static void test_read_one_mss_updates_nearly_closed(void)
{
    ts_script ts;
    small_rcvbuf_open(&ts);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7921, TS_WIN(1176));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_PA, .seq = 7921, .ack = 1001, .len = 540);
    TS_EXPECT(&ts, TS_MS(51), .flags = TS_A, .seq = 1001, .ack = 8461, TS_WIN(636));
    TS_NOTHING(&ts, TS_MS(51));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(60), 1460), 1460);
    TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 8461, TS_WIN(2096));
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* Reading while data flows: the window the peer knows is more than half
 * the buffer, and the read would grow it by three segments but not double
 * it. No update of its own (the next ACK carries the new window): Linux's
 * rule (tcp_cleanup_rbuf), where an update after every 2 MSS read cost one
 * ACK per read batch on a bulk transfer (bench/README-loss.md, session
 * 23). Once the window the peer knows is half the buffer or less, a read
 * that doubles it is told at once. */
static void test_window_update_when_it_doubles(void)
{
    ts_script ts;
    rcvbuf_open(&ts, 16384);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 7921, TS_WIN(13464));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 7921, .ack = 1001, .len = 1460);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 100000), 4380);
    TS_NOTHING(&ts, TS_MS(51) - 1);
    TS_EXPECT(&ts, TS_MS(51), .flags = TS_A, .seq = 1001, .ack = 9381, TS_WIN(16384));
    /* six segments unread: 7624 of the window left, under half */
    for (uint32_t i = 0; i < 6; i++)
        TS_INJECT(&ts, TS_MS(60), .flags = TS_A, .seq = 9381 + 1460 * i, .ack = 1001,
                  .len = 1460);
    for (uint32_t i = 1; i <= 3; i++)
        TS_EXPECT(&ts, TS_MS(60), .flags = TS_A, .seq = 1001, .ack = 9381 + 2920 * i,
                  TS_WIN(16384 - 2920 * i));
    TS_NOTHING(&ts, TS_MS(60));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(70), 100000), 8760);
    TS_EXPECT(&ts, TS_MS(70), .flags = TS_A, .seq = 1001, .ack = 18141, TS_WIN(16384));
    TS_NOTHING(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* The peer's window is open but smaller than a segment and than half the
 * largest window it offered: sender SWS avoidance holds the data. If the
 * window update that would release it is lost, nothing else would ever
 * wake us: the persist timer is the override timeout (RFC 9293
 * §3.8.6.2.1, RFC 1122 §4.2.3.4) and sends what the window allows. */
static void test_small_window_override_timeout(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s, max window 65535 */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(500));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 1000), 1000);
    TS_NOTHING(&ts, TS_MS(200));
    TS_NOTHING(&ts, TS_MS(1200) - 1);
    TS_EXPECT(&ts, TS_MS(1200), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 500);
    TS_NOTHING(&ts, TS_MS(1200));
    /* acknowledged with the same small window: the rest (all that is
     * queued) fits and goes at once */
    TS_INJECT(&ts, TS_MS(1210), .flags = TS_A, .seq = 5001, .ack = 1501, TS_WIN(500));
    TS_EXPECT(&ts, TS_MS(1210), .flags = TS_PA, .seq = 1501, .ack = 5001, .len = 500);
    TS_NOTHING(&ts, TS_MS(1210));
    TS_INJECT(&ts, TS_MS(1220), .flags = TS_A, .seq = 5001, .ack = 2001, TS_WIN(500));
    /* more data than the window again: held, then the timer */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1300), 2000), 2000);
    TS_NOTHING(&ts, TS_MS(1300));
    TS_NOTHING(&ts, TS_MS(2300) - 1);
    TS_EXPECT(&ts, TS_MS(2300), .flags = TS_A, .seq = 2001, .ack = 5001, .len = 500);
    TS_INJECT(&ts, TS_MS(2310), .flags = TS_A, .seq = 5001, .ack = 2501, TS_WIN(8000));
    TS_EXPECT(&ts, TS_MS(2310), .flags = TS_A, .seq = 2501, .ack = 5001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(2310)); /* Nagle: 40 bytes wait for the ACK */
    TS_INJECT(&ts, TS_MS(2320), .flags = TS_A, .seq = 5001, .ack = 3961, TS_WIN(8000));
    TS_EXPECT(&ts, TS_MS(2320), .flags = TS_PA, .seq = 3961, .ack = 5001, .len = 40);
    TS_INJECT(&ts, TS_MS(2330), .flags = TS_A, .seq = 5001, .ack = 4001, TS_WIN(8000));
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* The window grows (but not from zero) while the override timer runs: the
 * data goes at once and the stale timer neither fires nor backs off the
 * retransmission timer. */
static void test_small_window_update_stops_timer(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(500));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 1000), 1000);
    TS_NOTHING(&ts, TS_MS(500));
    TS_INJECT(&ts, TS_MS(500), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(8000));
    TS_EXPECT(&ts, TS_MS(500), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_MS(500));
    /* lost: retransmitted after exactly one RTO, not a backed-off one */
    TS_NOTHING(&ts, TS_MS(1500) - 1);
    TS_EXPECT(&ts, TS_MS(1500), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1000);
    TS_INJECT(&ts, TS_MS(1510), .flags = TS_A, .seq = 5001, .ack = 2001, TS_WIN(8000));
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

/* Our FIN meets a zero window: the peer (like us, RFC 9293 §3.10.7.4) takes
 * no FIN into a zero window and answers each one with an ACK of SND.UNA and
 * window 0. RFC 9293 §3.8.6.1 MUST-37: as long as the peer acknowledges the
 * probes, the connection stays open - here for far longer than max_retries
 * retransmissions would last - and the FIN goes through once it is taken. */
static void test_fin_into_zero_window_kept_open(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_retries = 3;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(200), ts.sock), 0);
    sk_time_us t = TS_MS(200);
    int fins = 0;
    while (t < TS_SEC(600)) {
        const ts_out *o = ts_next(&ts, t);
        if (o != NULL) {
            SK_CHECK_EQ(o->hdr.flags, TS_FA);
            SK_CHECK_EQ(o->hdr.seq.v, 1001);
            SK_CHECK_EQ(o->hdr.payload_len, 0);
            fins++;
            t += TS_MS(10);
            TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
            continue;
        }
        sk_time_us next = sk_stack_poll_at(ts.s);
        if (next == SK_NEVER)
            break;
        t = next > t ? next : t;
    }
    SK_CHECK(fins > 5);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_1);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 0);
    /* the window opens: the FIN is sent and acknowledged */
    TS_INJECT(&ts, t + TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(1000));
    const ts_out *o = ts_next(&ts, t + TS_MS(1));
    SK_CHECK(o != NULL && o->hdr.flags == TS_FA && o->hdr.seq.v == 1001);
    TS_NOTHING(&ts, t + TS_MS(1));
    TS_INJECT(&ts, t + TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1002, TS_WIN(1000));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
    ts_free(&ts);
}

/* RFC 9293 §3.10.7.4 fifth, ESTABLISHED: the send window is taken from a
 * segment only if SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =<
 * SEG.ACK, so an older segment delivered late never overrides a newer
 * window. */
static void test_window_update_ignores_reordered_segments(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 100), 100);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    /* the peer sent 10 bytes (window 3000), then a pure ACK of ours (window
     * 2000); the ACK overtakes the data */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_PA, .seq = 5011, .ack = 1101, TS_WIN(2000));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 2000);
    TS_NOTHING(&ts, TS_MS(30));
    /* the older segment arrives late: SEG.SEQ < SND.WL1 */
    TS_INJECT(&ts, TS_MS(31), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10,
              TS_WIN(3000));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 2000);
    /* same SEG.SEQ, an older ACK (SEG.ACK < SND.UNA = SND.WL2: the TCB
     * keeps no SND.WL2, SND.UNA =< SEG.ACK implies it, tcp_input.c) */
    TS_INJECT(&ts, TS_MS(32), .flags = TS_A, .seq = 5011, .ack = 1001, TS_WIN(50000));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 2000);
    /* same SEG.SEQ and SEG.ACK: taken, even when smaller */
    TS_INJECT(&ts, TS_MS(33), .flags = TS_A, .seq = 5011, .ack = 1101, TS_WIN(1500));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 1500);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* Both sides probe a zero window with a byte of data (as we do, RFC 9293
 * §3.8.6.1) and each takes the other's probe. The peer's next segments
 * carry SEQ = its SND.UNA (its probe byte is beyond the window it knows),
 * one below our RCV.NXT: not acceptable. Dropping them, and the peer
 * dropping ours for the same reason, is an endless ACK war in which
 * neither window ever reopens, while RFC 9293 §3.8.6.1 requires that "the
 * reopening of the window will be reliably reported". The ACK field of
 * such a segment is taken when it acknowledges new data. */
static void test_crossed_probes_reopen_window(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* RTO 1 s */
    TS_INJECT(&ts, TS_MS(100), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(0));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(200), 10), 10);
    TS_NOTHING(&ts, TS_MS(200));
    TS_EXPECT(&ts, TS_MS(1200), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1);
    /* the peer's own probe (it believes our window is closed): taken */
    TS_INJECT(&ts, TS_MS(1205), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 1, TS_WIN(0));
    SK_CHECK_EQ(ts_info(&ts).rcv_nxt, 5002);
    TS_EXPECT(&ts, TS_MS(1245), .flags = TS_A, .seq = 1001, .ack = 5002);
    /* the peer took our probe byte and opened its window; its ACK has the
     * SEQ of its own probe */
    TS_INJECT(&ts, TS_MS(1300), .flags = TS_A, .seq = 5001, .ack = 1002, TS_WIN(1000));
    SK_CHECK_EQ(ts_info(&ts).snd_una, 1002);
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 1000);
    TS_EXPECT(&ts, TS_MS(1300), .flags = TS_PA, .seq = 1002, .ack = 5002, .len = 9);
    TS_NOTHING(&ts, TS_MS(1300));
    /* a keepalive-like segment one below RCV.NXT that acknowledges nothing
     * new is still only answered (RFC 9293 §3.10.7.4 first) */
    TS_INJECT(&ts, TS_MS(1310), .flags = TS_A, .seq = 5001, .ack = 1002, TS_WIN(1000));
    TS_EXPECT(&ts, TS_MS(1310), .flags = TS_A, .seq = 1011, .ack = 5002);
    TS_NOTHING(&ts, TS_MS(1310));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->dup_acks_in, 0);
    TS_INJECT(&ts, TS_MS(1320), .flags = TS_A, .seq = 5002, .ack = 1011, TS_WIN(1000));
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_zero_window_persist);
    SK_RUN(test_unanswered_probes_time_out);
    SK_RUN(test_probe_byte_accepted);
    SK_RUN(test_window_closes_with_data_in_flight);
    SK_RUN(test_small_window);
    SK_RUN(test_window_reopens_before_persist);
    SK_RUN(test_scaled_window_never_exceeds_buffer);
    SK_RUN(test_zero_rcv_window_still_takes_ack);
    SK_RUN(test_zero_rcv_window_refuses_fin);
    SK_RUN(test_read_one_mss_updates_at_once);
    SK_RUN(test_read_one_mss_updates_nearly_closed);
    SK_RUN(test_window_update_when_it_doubles);
    SK_RUN(test_small_window_override_timeout);
    SK_RUN(test_small_window_update_stops_timer);
    SK_RUN(test_fin_into_zero_window_kept_open);
    SK_RUN(test_window_update_ignores_reordered_segments);
    SK_RUN(test_crossed_probes_reopen_window);
    return sk_test_finish();
}
