/* Scripted resets: RST in every state (RFC 9293 §3.10.7, RFC 5961 §3),
 * challenge ACKs for in-window RSTs and SYNs and their rate limit (RFC 5961
 * §3.2, §4.2, §7), the exact RST for segments to closed ports (RFC 9293
 * §3.10.7.1), listeners (§3.10.7.2), the backlog, aborts and bad ACKs. */
#include "sk_test.h"
#include "tcp_script.h"


/* SYN-SENT: a RST with an acceptable ACK refuses the connection. */
static void test_syn_sent_rst_refused(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_RA, .seq = 0, .ack = 1001);
    TS_NOTHING(&ts, TS_MS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ECONNREFUSED);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_ERROR);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 1), SK_ECONNREFUSED);
    TS_NOTHING(&ts, TS_SEC(100)); /* no SYN retransmission */
    ts_free(&ts);
}

/* SYN-SENT: a RST without ACK, or with an unacceptable ACK, is dropped. */
static void test_syn_sent_rst_ignored(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_R, .seq = 5000);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_RA, .seq = 5000, .ack = 1000);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_RA, .seq = 5000, .ack = 1002);
    TS_NOTHING(&ts, TS_MS(1)); /* never a RST for a RST */
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYNSENT_BAD), 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BAD_ACK), 2);
    /* the SYN is still retransmitted and the handshake can finish */
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    TS_INJECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* SYN-SENT: an ACK for something we never sent gets <SEQ=SEG.ACK><CTL=RST>. */
static void test_syn_sent_bad_ack(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_SA, .seq = 5000, .ack = 7777, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_R, .seq = 7777);
    TS_NOTHING(&ts, TS_MS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    ts_free(&ts);
}

/* SYN-RECEIVED from a passive open: a RST returns to LISTEN. */
static void test_syn_received_rst(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 1));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    /* in window, not exact: challenged with a plain ACK at SND.NXT
     * (RFC 5961 §3.2), not a repeated SYN,ACK */
    TS_INJECT(&ts, TS_MS(1), .flags = TS_R, .seq = 5002);
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_A, .seq = 1001, .ack = 5001);
    /* exact: the half-open connection is gone, nothing is sent */
    TS_INJECT(&ts, TS_MS(2), .flags = TS_R, .seq = 5001);
    TS_NOTHING(&ts, TS_MS(2));
    TS_NOTHING(&ts, TS_SEC(10)); /* no SYN,ACK retransmission */
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &c, NULL), SK_EAGAIN);
    /* the backlog slot (1) is free again: a new handshake works */
    SK_CHECK(ts_open_passive(&ts, TS_SEC(11), TS_MS(1)));
    ts_free(&ts);
}

/* SYN-RECEIVED: an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>. */
static void test_syn_received_bad_ack(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 3000);
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_R, .seq = 3000);
    TS_NOTHING(&ts, TS_MS(1));
    TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    ts_free(&ts);
}

/* ESTABLISHED: a RST at exactly RCV.NXT resets the connection. */
static void test_established_rst_exact(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(5), 100), 100);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    char b[8];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(11), ts.sock, b, sizeof b), SK_ECONNRESET);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(11), 1), SK_ECONNRESET);
    uint32_t ev = sk_sock_events(ts.s, ts.sock);
    SK_CHECK(ev & SK_EV_ERROR);
    SK_CHECK(ev & SK_EV_READABLE);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_in, 1);
    TS_NOTHING(&ts, TS_SEC(100)); /* no retransmission of the 100 bytes */
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_SEC(100), ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_SEC(100), ts.sock, b, sizeof b), SK_EBADHANDLE);
    ts_free(&ts);
}

/* RFC 5961 §3.2: in the window but not exact: challenge ACK, no reset. */
static void test_established_rst_in_window_challenged(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5002);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(11), .flags = TS_RA, .seq = 5001 + 60000, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_CHALLENGED), 2);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->challenge_acks, 2);
    /* the peer answers the challenge with the exact RST */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_R, .seq = 5001);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ECONNRESET);
    TS_NOTHING(&ts, TS_MS(12));
    ts_free(&ts);
}

/* Out of the window: silently dropped. */
static void test_established_rst_out_of_window(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5000);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5001 + 65535);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_R, .seq = 5001 + 1000000);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_RST_OUT_OF_WINDOW), 3);
    ts_free(&ts);
}

/* RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK. */
static void test_syn_in_established_challenged(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_S, .seq = 5100, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_CHALLENGED), 1);
    /* the old SYN (below RCV.NXT) is also answered with an ACK */
    TS_INJECT(&ts, TS_MS(20), .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* RFC 5961 §7: challenge ACKs are limited per second. */
static void test_challenge_ack_rate_limit(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.challenge_ack_limit = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_time_us t = TS_SEC(5);
    for (int i = 0; i < 2; i++) {
        TS_INJECT(&ts, t, .flags = TS_R, .seq = 5002);
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5001);
    }
    TS_INJECT(&ts, t, .flags = TS_R, .seq = 5002);
    TS_INJECT(&ts, t + TS_MS(500), .flags = TS_S, .seq = 5002);
    TS_NOTHING(&ts, t + TS_MS(999));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->challenge_acks, 2);
    /* a new second, new budget */
    TS_INJECT(&ts, t + TS_SEC(1), .flags = TS_R, .seq = 5002);
    TS_EXPECT(&ts, t + TS_SEC(1), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->challenge_acks, 3);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* RST in the closing states. */
static void test_rst_in_closing_states(void)
{
    ts_script ts;
    /* FIN-WAIT-2: reset */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_A, .seq = 5001, .ack = 1002);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_R, .seq = 5001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ECONNRESET);
    TS_NOTHING(&ts, TS_MS(12));
    ts_free(&ts);

    /* CLOSE-WAIT: reset */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5002);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_R, .seq = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ECONNRESET);
    TS_NOTHING(&ts, TS_MS(11));
    ts_free(&ts);

    /* LAST-ACK: closed without an error */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5002);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(11), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 1001, .ack = 5002);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_R, .seq = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);

    /* TIME-WAIT: closed */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 5001, .ack = 1002);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_TIME_WAIT);
    TS_INJECT(&ts, TS_MS(12), .flags = TS_R, .seq = 5002);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    TS_NOTHING(&ts, TS_MS(12));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    ts_free(&ts);
}

/* RFC 9293 §3.10.7.1: to a closed port, a segment without ACK gets
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; with ACK <SEQ=SEG.ACK><CTL=RST>;
 * a RST gets nothing. */
static void test_closed_port_rst(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = 9999;
    ts.rport = 40000;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_RA, .seq = 0, .ack = 5001, TS_WIN(0));
    TS_NOTHING(&ts, 0);
    /* SYN with 10 bytes and FIN: SEG.LEN = 12 */
    TS_INJECT(&ts, 1, .flags = TS_S | TS_F, .seq = 5000, .len = 10, .data = "0123456789");
    TS_NOTHING(&ts, 1); /* SYN+FIN is dropped before any reply */
    TS_INJECT(&ts, 2, .flags = TS_F, .seq = 5000, .len = 10, .data = "0123456789");
    TS_EXPECT(&ts, 2, .flags = TS_RA, .seq = 0, .ack = 5011);
    TS_INJECT(&ts, 3, .flags = TS_PA, .seq = 5000, .ack = 123456, .len = 10,
              .data = "0123456789");
    TS_EXPECT(&ts, 3, .flags = TS_R, .seq = 123456, TS_WIN(0));
    TS_INJECT(&ts, 4, .flags = TS_R, .seq = 5000);
    TS_INJECT(&ts, 4, .flags = TS_RA, .seq = 5000, .ack = 1);
    TS_NOTHING(&ts, 4);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_SOCKET), 5);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_SYN_FIN), 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, 3);
    ts_free(&ts);
}

/* RFC 9293 §3.10.7.2: a listener answers an ACK with <SEQ=SEG.ACK><CTL=RST>
 * and ignores a RST or a segment with neither SYN nor ACK. */
static void test_listener_non_syn(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_A, .seq = 5000, .ack = 4242);
    TS_EXPECT(&ts, 0, .flags = TS_R, .seq = 4242);
    TS_INJECT(&ts, 1, .flags = TS_R, .seq = 5000);
    TS_INJECT(&ts, 1, .flags = TS_F, .seq = 5000);
    TS_NOTHING(&ts, 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_LISTEN_NOT_SYN), 3);
    SK_CHECK(ts_open_passive(&ts, 2, TS_MS(1)));
    ts_free(&ts);
}

/* A full backlog drops the SYN (no RST) and counts it (SYN cookies off:
 * test_tcp_syncookie has the answer with them). */
static void test_backlog_full(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_cookies = SK_SYNCOOKIES_OFF;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 1));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_INJECT(&ts, 1, .flags = TS_S, .seq = 9000, .sport = 50001, TS_MSS(1460));
    TS_NOTHING(&ts, 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 1);
    /* established but not accepted still counts against the backlog */
    TS_INJECT(&ts, 2, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_INJECT(&ts, 3, .flags = TS_S, .seq = 9000, .sport = 50001, TS_MSS(1460));
    TS_NOTHING(&ts, 3);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BACKLOG_FULL), 2);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    /* accepted: room again */
    TS_INJECT(&ts, 4, .flags = TS_S, .seq = 9000, .sport = 50001, TS_MSS(1460));
    TS_EXPECT(&ts, 4, .flags = TS_SA, .seq = 1000, .ack = 9001, .dport = 50001, TS_MSS(1460));
    TS_NOTHING(&ts, 4);
    ts_free(&ts);
}

/* Abort sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> and frees the handle. */
/* After a retransmission timeout snd_nxt has rolled back; the RST of an
 * abort must still carry SND.MAX (the RFC's SND.NXT), else a peer that has
 * received everything would drop it as below RCV.NXT (RFC 5961 §3.2). */
static void test_abort_after_timeout(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(5), 100), 100);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    /* the ACK is lost: the timer fires and retransmits from SND.UNA */
    TS_EXPECT(&ts, TS_MS(5) + TS_SEC(1), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(5) + TS_SEC(1), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(5) + TS_SEC(1), .flags = TS_RA, .seq = 1101, .ack = 5001);
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

static void test_abort(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(5), 100), 100);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(6), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(6), .flags = TS_RA, .seq = 1101, .ack = 5001);
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_SEC(100), ts.sock), SK_EBADHANDLE);
    ts_free(&ts);
}

/* RFC 9293 §3.10.5: ABORT in CLOSING or LAST-ACK deletes the TCB without a
 * RST (both FINs are out; a RST could end the peer's TIME-WAIT early). */
static void test_abort_in_closing_and_last_ack(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(10), ts.sock), 0);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_FA, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSING);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1002, .ack = 5002);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(12), ts.sock), 0);
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, 0);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_FA, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5002);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(20), ts.sock), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_LAST_ACK);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_FA, .seq = 1001, .ack = 5002);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(21), ts.sock), 0);
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(sk_stack_stats(ts.s)->resets_out, 0);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_SEC(100), ts.sock), SK_EBADHANDLE);
    ts_free(&ts);
}

/* An ACK for data never sent is answered with an ACK and dropped
 * (RFC 9293 §3.10.7.4 fifth); an ACK older than SND.UNA - MAX.SND.WND is
 * challenged (RFC 5961 §5.2). */
static void test_bad_acks_in_established(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 2001, .len = 10);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 100), SK_EAGAIN); /* the data was dropped too */
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BAD_ACK), 1);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_PA, .seq = 5001, .ack = 1001u - 70000u, .len = 10);
    TS_EXPECT(&ts, TS_MS(11), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OLD_ACK), 1);
    /* an old ACK within the window is fine and the data is taken */
    TS_INJECT(&ts, TS_MS(12), .flags = TS_PA, .seq = 5001, .ack = 1000, .len = 10);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(12), 100), 10);
    TS_EXPECT(&ts, TS_MS(52), .flags = TS_A, .seq = 1001, .ack = 5011);
    /* a segment without ACK is dropped in a synchronized state */
    TS_INJECT(&ts, TS_MS(60), .flags = TS_P, .seq = 5011, .len = 10);
    TS_NOTHING(&ts, TS_SEC(1));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_ACK), 1);
    ts_free(&ts);
}

/* RFC 5961 §5.2 at the boundary: SEG.ACK = SND.UNA - MAX.SND.WND is still
 * acceptable (an old duplicate: its text is taken), one less is not (the
 * segment is dropped and challenged). MAX.SND.WND is 65535 here. */
static void test_old_ack_boundary(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_PA, .seq = 5001, .ack = 1001u - 65536u, .len = 10);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OLD_ACK), 1);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(10), 100), SK_EAGAIN);
    TS_INJECT(&ts, TS_MS(11), .flags = TS_PA, .seq = 5001, .ack = 1001u - 65535u, .len = 10);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(11), 100), 10);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OLD_ACK), 1);
    TS_EXPECT(&ts, TS_MS(51), .flags = TS_A, .seq = 1001, .ack = 5011);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_syn_sent_rst_refused);
    SK_RUN(test_syn_sent_rst_ignored);
    SK_RUN(test_syn_sent_bad_ack);
    SK_RUN(test_syn_received_rst);
    SK_RUN(test_syn_received_bad_ack);
    SK_RUN(test_established_rst_exact);
    SK_RUN(test_established_rst_in_window_challenged);
    SK_RUN(test_established_rst_out_of_window);
    SK_RUN(test_syn_in_established_challenged);
    SK_RUN(test_challenge_ack_rate_limit);
    SK_RUN(test_rst_in_closing_states);
    SK_RUN(test_closed_port_rst);
    SK_RUN(test_listener_non_syn);
    SK_RUN(test_backlog_full);
    SK_RUN(test_abort);
    SK_RUN(test_abort_after_timeout);
    SK_RUN(test_abort_in_closing_and_last_ack);
    SK_RUN(test_bad_acks_in_established);
    SK_RUN(test_old_ack_boundary);
    return sk_test_finish();
}
