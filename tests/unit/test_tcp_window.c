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

int main(void)
{
    SK_RUN(test_zero_window_persist);
    SK_RUN(test_probe_byte_accepted);
    SK_RUN(test_window_closes_with_data_in_flight);
    SK_RUN(test_small_window);
    SK_RUN(test_window_reopens_before_persist);
    SK_RUN(test_scaled_window_never_exceeds_buffer);
    return sk_test_finish();
}
