/* Scripted conformance cases an external TCP test suite found wrong: the
 * TIME-WAIT rules of RFC 9293 §3.10.7.4, challenge ACKs for every SYN in a
 * synchronized state and for an in-window RST in SYN-RECEIVED (RFC 5961
 * §3.2, §4.2), text and FIN carried on a SYN,ACK (RFC 9293 §3.10.7.3), and
 * what SYN+FIN does in LISTEN, SYN-SENT and at a closed port (our choice,
 * documented in docs/rfc-coverage.md). */
#include "sk_test.h"
#include "tcp_script.h"

#define TW TS_SEC(60) /* default time_wait_us (2 MSL) */

/* A passive connection taken to TIME-WAIT at 15 ms: SND.NXT 1002,
 * RCV.NXT 5002, the listener still open. */
static void to_time_wait(ts_script *ts)
{
    SK_CHECK(ts_open_passive(ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts->s, TS_MS(10), ts->sock), 0);
    TS_EXPECT(ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(ts, TS_MS(15), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(ts, TS_MS(15), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(ts), SK_TCP_TIME_WAIT);
}

/* RFC 9293 §3.10.7.4 fifth, TIME-WAIT: an acceptable segment restarts the
 * 2 MSL timer; one with text (or a FIN) is ACKed, its text ignored
 * (seventh). A bare ACK gets no ACK back: after a simultaneous close both
 * ends are in TIME-WAIT and would ACK each other's ACKs forever (a sweep
 * seed of test_sim_tcp found that loop). */
static void test_time_wait_acceptable_segment_acked(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    sk_time_us t = TS_SEC(10);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5002, .ack = 1002);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TW);
    /* text at RCV.NXT: ACKed, not taken, the timer starts over again */
    t += TS_SEC(10);
    TS_INJECT(&ts, t, .flags = TS_PA, .seq = 5002, .ack = 1002, .len = 10, .data = "0123456789");
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_DATA_AFTER_FIN), 1);
    TS_NOTHING(&ts, t + TW - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    TS_NOTHING(&ts, t + TW);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    ts_free(&ts);
}

/* The retransmitted FIN (SEG.SEQ = RCV.NXT - 1, not acceptable) is ACKed
 * and restarts the timer too (check_seq; this passed before the fixes and
 * guards them). */
static void test_time_wait_fin_again_restarts(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    sk_time_us t = TS_SEC(30);
    TS_INJECT(&ts, t, .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TW);
    TS_NOTHING(&ts, t + TW - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    TS_NOTHING(&ts, t + TW);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    ts_free(&ts);
}

/* RFC 5961 §4.2 in TIME-WAIT: a SYN that does not reopen the connection
 * (here SYN+FIN, which no listener takes, and a SYN at RCV.NXT, not above
 * it) gets a challenge ACK and does not restart 2 MSL; a plain SYN above
 * RCV.NXT still reopens it (RFC 9293 §3.6.1, RFC 6191). */
static void test_syn_in_time_wait_challenged(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    to_time_wait(&ts);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S | TS_F, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(1));
    TS_INJECT(&ts, TS_SEC(2), .flags = TS_S, .seq = 5002, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_SEC(2));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 2);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->challenge_acks, 2);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), TS_MS(15) + TW); /* not restarted */
    /* a new SYN reopens */
    TS_INJECT(&ts, TS_SEC(3), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(3), .flags = TS_SA, .seq = 1002 + 65536, .ack = 9001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_SEC(3));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(3), ts.sock), 0);
    ts_discard(&ts, TS_SEC(200));
    ts_free(&ts);
}

/* The same SYN while the listener's SYN queue is full: the listener could
 * not take it (its ISS is fixed: no cookie), so TIME-WAIT stays and
 * challenges it; with room again it reopens. */
static void test_time_wait_reopen_waits_for_syn_room(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_backlog = 1;
    ts_script ts;
    ts_init(&ts, &cfg);
    to_time_wait(&ts);
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 7000, .sport = 52000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = 1000, .ack = 7001,
              .sport = TS_US_PORT_PASSIVE, .dport = 52000, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1100), .flags = TS_A, .seq = 1002, .ack = 5002);
    TS_NOTHING(&ts, TS_MS(1100));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 0);
    TS_INJECT(&ts, TS_MS(1200), .flags = TS_A, .seq = 7001, .ack = 1001, .sport = 52000);
    TS_INJECT(&ts, TS_MS(1300), .flags = TS_S, .seq = 9000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1300), .flags = TS_SA, .seq = 1002 + 65536, .ack = 9001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(1300));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(1300), ts.sock), 0);
    ts_discard(&ts, TS_SEC(200));
    ts_free(&ts);
}

/* RFC 5961 §4.2: SYN+FIN in ESTABLISHED is a SYN like any other: challenge
 * ACK, the FIN is not taken. */
static void test_syn_fin_in_established_challenged(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_S | TS_F, .seq = 5001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_FIN), 0);
    /* SYN,ACK+FIN with text, in the window: the same */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_SA | TS_F, .seq = 5001, .ack = 1001, .len = 3,
              .data = "abc");
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 2);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(20), 100), SK_EAGAIN);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}

static void syn_received(ts_script *ts)
{
    SK_CHECK(ts_listen(ts, 1));
    ts->lport = TS_US_PORT_PASSIVE;
    ts->rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
}

/* RFC 5961 §3.2 in SYN-RECEIVED: an in-window RST that is not exact gets a
 * challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> - a plain ACK, no MSS
 * option, not another SYN,ACK; an in-window SYN the same (§4.2). The
 * SYN,ACK timer runs on, and the exact RST still resets. */
static void test_syn_received_challenge_is_plain_ack(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    syn_received(&ts);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_R, .seq = 5002);
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(1));
    TS_INJECT(&ts, TS_MS(2), .flags = TS_S, .seq = 5100, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(2));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->challenge_acks, 2);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_CHALLENGED), 1);
    /* the SYN,ACK is still retransmitted at 1 s */
    TS_NOTHING(&ts, TS_SEC(1) - 1);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    /* exact: the half-open connection is gone */
    TS_INJECT(&ts, TS_MS(1100), .flags = TS_R, .seq = 5001);
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_in, 1);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), SK_EAGAIN);
    ts_free(&ts);
}

/* The ACK that completes the handshake still works after a challenge. */
static void test_syn_received_completes_after_challenge(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    syn_received(&ts);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_R, .seq = 5002);
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_NOTHING(&ts, TS_MS(2));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}


/* The first n bytes of the peer's stream. */
static const uint8_t *peer_bytes(uint32_t n)
{
    static uint8_t b[1460];
    for (uint32_t i = 0; i < n && i < sizeof b; i++)
        b[i] = ts_pattern(TS_PEER_STREAM, i);
    return b;
}

/* RFC 9293 §3.10.7.3: text on a SYN,ACK is taken ("continue processing at
 * the sixth step") and acknowledged by the handshake's ACK. */
static void test_synack_with_data(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460), .len = 100,
              .data = peer_bytes(100));
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_A, .seq = 1001, .ack = 5101);
    TS_NOTHING(&ts, TS_MS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(2), 1000), 100);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->bytes_in, 100);
    TS_NOTHING(&ts, TS_SEC(10)); /* no delayed ACK: the ACK went out */
    /* the stream goes on after the SYN,ACK's bytes */
    TS_INJECT(&ts, TS_SEC(11), .flags = TS_PA, .seq = 5101, .ack = 1001, .len = 10);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_SEC(11), 1000), 10);
    ts_discard(&ts, TS_SEC(12));
    ts_free(&ts);
}

/* A FIN on a SYN,ACK, with and without text: ESTABLISHED, then CLOSE-WAIT
 * (RFC 9293 §3.10.7.4 eighth), one ACK covering SYN, text and FIN. */
static void test_synack_with_fin(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_SA | TS_F, .seq = 5000, .ack = 1001, TS_MSS(1460),
              .len = 50, .data = peer_bytes(50));
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_A, .seq = 1001, .ack = 5052);
    TS_NOTHING(&ts, TS_MS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(2), 1000), 50);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(2), 1000), 0); /* end of stream */
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(3), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(3), .flags = TS_FA, .seq = 1001, .ack = 5052);
    TS_INJECT(&ts, TS_MS(4), .flags = TS_A, .seq = 5052, .ack = 1002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(4), ts.sock), 0);
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_SA | TS_F, .seq = 5000, .ack = 1001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_A, .seq = 1001, .ack = 5002);
    TS_NOTHING(&ts, TS_MS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(2), 1000), 0);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

/* Our choice for SYN+FIN in LISTEN (docs/rfc-coverage.md): dropped and
 * counted, no state taken, no answer (as Linux). With ACK it is answered
 * like any ACK in LISTEN: <SEQ=SEG.ACK><CTL=RST>. A closed port drops it
 * silently too. */
static void test_syn_fin_in_listen_dropped(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S | TS_F, .seq = 5000, TS_MSS(1460));
    TS_INJECT(&ts, 0, .flags = TS_S | TS_F, .seq = 5000, .len = 4, .data = "GET ");
    TS_NOTHING(&ts, 0);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_FIN), 2);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->passive_opens, 0);
    TS_INJECT(&ts, 1, .flags = TS_SA | TS_F, .seq = 5000, .ack = 777);
    TS_EXPECT(&ts, 1, .flags = TS_R, .seq = 777);
    TS_NOTHING(&ts, TS_SEC(10));
    /* to a closed port: nothing either */
    TS_INJECT(&ts, TS_SEC(10), .flags = TS_S | TS_F, .seq = 5000, .dport = 81);
    TS_NOTHING(&ts, TS_SEC(10));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_FIN), 3);
    /* a plain SYN still opens */
    SK_CHECK(ts_open_passive(&ts, TS_SEC(11), TS_MS(1)));
    ts_free(&ts);
}

/* Our choice for a crossed SYN+FIN in SYN-SENT: simultaneous open as for a
 * SYN; the FIN is not acknowledged (the peer sends it again) and is taken
 * when it comes back after the handshake. */
static void test_syn_fin_in_syn_sent(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(5), .flags = TS_S | TS_F, .seq = 5000, TS_MSS(1460), TS_WS(1));
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460), TS_WS(3));
    TS_NOTHING(&ts, TS_MS(5));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_RECEIVED);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460), TS_WS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSE_WAIT);
    ts_discard(&ts, TS_SEC(1));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_time_wait_acceptable_segment_acked);
    SK_RUN(test_time_wait_fin_again_restarts);
    SK_RUN(test_syn_in_time_wait_challenged);
    SK_RUN(test_time_wait_reopen_waits_for_syn_room);
    SK_RUN(test_syn_fin_in_established_challenged);
    SK_RUN(test_syn_received_challenge_is_plain_ack);
    SK_RUN(test_syn_received_completes_after_challenge);
    SK_RUN(test_synack_with_data);
    SK_RUN(test_synack_with_fin);
    SK_RUN(test_syn_fin_in_listen_dropped);
    SK_RUN(test_syn_fin_in_syn_sent);
    return sk_test_finish();
}
