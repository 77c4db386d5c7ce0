/* Scripted handshakes (RFC 9293 §3.5): both roles, the MSS option in every
 * SYN (RFC 9293 §3.7.1, RFC 6691), window scale negotiation (RFC 7323 §2),
 * simultaneous open, SYN and SYN,ACK retransmission and their limits. */
#include "sk_test.h"
#include "tcp_script.h"

static void test_active_open_options(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.state, SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(in.snd_mss, 1460);
    SK_CHECK_EQ(in.snd_wscale, 0);
    SK_CHECK_EQ(in.rcv_wscale, 0); /* the peer sent no window scale */
    SK_CHECK_EQ(in.snd_wnd, 65535);
    SK_CHECK_EQ(in.snd_una, TS_US_ISN + 1);
    SK_CHECK_EQ(in.rcv_nxt, TS_PEER_ISN + 1);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_CONNECTED);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_WRITABLE);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->active_opens, 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->established, 1);
    ts_free(&ts);
}

/* The MSS we announce comes from the MTU: MTU - 20 (IP) - 20 (TCP). */
static void test_syn_mss_from_mtu(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.mtu = 1000;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1))); /* expects <mss 960> */
    /* the peer's 1460 is bounded by our own MTU */
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 960);
    ts_free(&ts);

    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1))); /* the SYN,ACK carries <mss 960> too */
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 960);
    ts_free(&ts);
}

/* An MSS asked for in the options is announced when below the MTU's. */
static void test_syn_mss_option_override(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), 80};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 1200, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = TS_US_ISN, TS_MSS(1200), TS_WS(3));
    TS_NOTHING(&ts, 0);
    ts_free(&ts);

    ts_init(&ts, NULL);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    co.mss = 9000; /* above the MTU's: the MTU wins */
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = TS_US_ISN, TS_MSS(1460), TS_WS(3));
    ts_free(&ts);
}

/* RFC 9293 §3.7.1: without an MSS option the peer's MSS is 536. */
static void test_peer_without_mss(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_mss = 0;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 536);
    ts_free(&ts);

    ts_init(&ts, NULL);
    ts.peer_mss = 0;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 536);
    ts_free(&ts);
}

static void test_peer_small_mss(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_mss = 600;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 600);
    /* a 1000-byte send goes out as 600 + 400; Nagle holds the 400 until
     * the 600 are acknowledged */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 1000), 1000);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 600);
    TS_NOTHING(&ts, TS_MS(2));
    TS_INJECT(&ts, TS_MS(3), .flags = TS_A, .seq = 5001, .ack = 1601);
    TS_EXPECT(&ts, TS_MS(3), .flags = TS_PA, .seq = 1601, .ack = 5001, .len = 400, TS_PSH);
    TS_NOTHING(&ts, TS_MS(3));
    ts_free(&ts);
}

/* RFC 7323 §2.2-2.3: both sides send the option, our shift covers rcvbuf
 * (256 KiB: 3), the window in SYNs is never scaled, every later window is. */
static void test_window_scale_active(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_ws = 7;
    ts.peer_win = 1000; /* in the SYN,ACK: 1000 bytes, unscaled */
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.snd_wscale, 7);
    SK_CHECK_EQ(in.rcv_wscale, 3);
    SK_CHECK_EQ(in.snd_wnd, 1000);
    /* a later window of 100 means 100 << 7 */
    TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(100));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 12800);
    /* our windows are scaled by 3: 262134 free bytes >> 3 = 32766 (rounded
     * down: 32767 would offer 262136 bytes, 2 more than the buffer holds) */
    TS_INJECT(&ts, TS_MS(3), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10, TS_WIN(100));
    TS_EXPECT(&ts, TS_MS(43), .flags = TS_A, .seq = 1001, .ack = 5011, TS_WIN(32766));
    TS_NOTHING(&ts, TS_MS(43));
    ts_free(&ts);
}

static void test_window_scale_passive(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_ws = 2;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1))); /* the SYN,ACK echoes <wscale 3> */
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.snd_wscale, 2);
    SK_CHECK_EQ(in.rcv_wscale, 3);
    SK_CHECK_EQ(in.snd_wnd, 65535 << 2); /* the handshake ACK's window is scaled */
    ts_free(&ts);
}

/* The peer does not answer with the option: neither side scales. */
static void test_window_scale_declined(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_ws = -1;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.snd_wscale, 0);
    SK_CHECK_EQ(in.rcv_wscale, 0);
    /* unscaled; the right edge stays where it was (65535 from 5001): the
     * receiver does not move it by less than an MSS (RFC 9293 §3.8.6.2.2) */
    TS_INJECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10);
    TS_EXPECT(&ts, TS_MS(42), .flags = TS_A, .seq = 1001, .ack = 5011, TS_WIN(65525));
    ts_free(&ts);

    /* passive: no option in the SYN, none in our SYN,ACK */
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).rcv_wscale, 0);
    ts_free(&ts);
}

/* Scaling off in the configuration: no option sent, the peer's ignored. */
static void test_window_scale_disabled(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.window_scaling = false;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.peer_ws = 5;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1))); /* our SYN: no wscale */
    SK_CHECK_EQ(ts_info(&ts).snd_wscale, 0);
    TS_INJECT(&ts, TS_MS(2), .flags = TS_A, .seq = 5001, .ack = 1001, TS_WIN(100));
    SK_CHECK_EQ(ts_info(&ts).snd_wnd, 100);
    ts_free(&ts);

    ts_init(&ts, &cfg);
    ts.peer_ws = 5;
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1))); /* our SYN,ACK: no wscale */
    SK_CHECK_EQ(ts_info(&ts).snd_wscale, 0);
    ts_free(&ts);
}

/* RFC 7323 §2.3: a shift above 14 is used as 14. */
static void test_window_scale_clamped(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.peer_ws = 15;
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).snd_wscale, 14);
    ts_free(&ts);
}

/* RFC 9293 §3.5 figure 8: both SYNs cross. */
static void test_simultaneous_open(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    ts.iss = TS_US_ISN;
    ts.irs = TS_PEER_ISN;
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), 80};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    /* the peer's SYN crosses ours: SYN-RECEIVED, SYN,ACK with our ISS */
    TS_INJECT(&ts, TS_MS(5), .flags = TS_S, .seq = 5000, TS_MSS(1460), TS_WS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_RECEIVED);
    TS_EXPECT(&ts, TS_MS(5), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460), TS_WS(3));
    TS_NOTHING(&ts, TS_MS(5));
    /* the peer's SYN,ACK acknowledges our SYN: ESTABLISHED, no reply needed */
    TS_INJECT(&ts, TS_MS(10), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460), TS_WS(1));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_info(&ts).snd_wscale, 1);
    SK_CHECK_EQ(ts_info(&ts).snd_una, 1001);
    TS_NOTHING(&ts, TS_MS(10));
    /* data flows both ways */
    TS_INJECT(&ts, TS_MS(11), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 5);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(11), 100), 5);
    ts_discard(&ts, TS_MS(100));
    ts_free(&ts);
}

/* SYN retransmission: RTO 1 s doubling (RFC 6298 §5.5), syn_retries = 6
 * retransmissions, then ETIMEDOUT at the next expiry. */
static void test_syn_retransmit_and_limit(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), 80};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    sk_time_us t = 0, rto = TS_SEC(1);
    for (int i = 0; i < 6; i++) {
        t += rto;
        TS_NOTHING(&ts, t - 1);
        TS_EXPECT(&ts, t, .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
        TS_NOTHING(&ts, t);
        rto *= 2;
    }
    SK_CHECK_EQ(t, TS_SEC(63));
    /* the 7th expiry (64 s, capped at rto_max 60 s) ends the attempt */
    t += TS_SEC(60);
    TS_NOTHING(&ts, t - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_ERROR);
    char b[4];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, t, ts.sock, b, sizeof b), SK_ETIMEDOUT);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->conn_timeouts, 1);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, t, ts.sock), 0);
    ts_free(&ts);
}

/* A smaller syn_retries, and the event queue reports the error. */
static void test_syn_retries_config(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_retries = 1;
    ts_script ts;
    ts_init(&ts, &cfg);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)), 80};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    sk_event ev;
    while (sk_stack_next_event(ts.s, &ev)) {
    }
    TS_NOTHING(&ts, TS_SEC(3));
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    SK_CHECK(sk_stack_next_event(ts.s, &ev));
    SK_CHECK_EQ(ev.sock.idx, ts.sock.idx);
    SK_CHECK(ev.events & SK_EV_ERROR);
    SK_CHECK(!sk_stack_next_event(ts.s, &ev));
    ts_free(&ts);
}

/* Passive side: the SYN,ACK is retransmitted on the RTO; the connection is
 * dropped after syn_retries and the listener stays usable. */
static void test_synack_retransmit_and_limit(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_retries = 2;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_SEC(1) - 1);
    TS_EXPECT(&ts, TS_SEC(1), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_SEC(3) - 1);
    TS_EXPECT(&ts, TS_SEC(3), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_SEC(7));
    /* gone: an ACK now finds no connection and gets a RST from the listener */
    TS_INJECT(&ts, TS_SEC(8), .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, TS_SEC(8), .flags = TS_R, .seq = 1001);
    TS_NOTHING(&ts, TS_SEC(8));
    /* and a new handshake works */
    SK_CHECK(ts_open_passive(&ts, TS_SEC(9), TS_MS(1)));
    ts_free(&ts);
}

/* A retransmitted SYN in SYN-RECEIVED gets the SYN,ACK again. */
static void test_syn_duplicate_in_syn_received(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_INJECT(&ts, TS_MS(500), .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(500), .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    TS_NOTHING(&ts, TS_MS(500));
    TS_INJECT(&ts, TS_MS(600), .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, TS_MS(600));
    ts_free(&ts);
}

/* The accept queue reports the peer and the listener's event. */
static void test_accept_event_and_peer(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), SK_EAGAIN);
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = 1000, .ack = 5001, TS_MSS(1460));
    SK_CHECK_EQ(sk_sock_events(ts.s, ts.listener) & SK_EV_ACCEPT, 0);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK(sk_sock_events(ts.s, ts.listener) & SK_EV_ACCEPT);
    sk_endpoint peer;
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, &peer), 0);
    SK_CHECK_EQ(peer.port, TS_PEER_PORT_PASSIVE);
    SK_CHECK_EQ(peer.addr.b[3], 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->passive_opens, 1);
    ts_free(&ts);
}

/* Our ACK of the SYN,ACK was lost and the peer retransmits its SYN,ACK
 * after we have sent data: in ESTABLISHED the segment (SEG.SEQ = IRS, just
 * below RCV.NXT) is not acceptable, so it is answered with
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and dropped (RFC 9293 §3.10.7.4
 * first); its ACK, window and SYN change nothing. */
static void test_synack_retransmission_in_established(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 100), 100);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_INJECT(&ts, TS_MS(30), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_WIN(0), TS_MSS(536));
    TS_EXPECT(&ts, TS_MS(30), .flags = TS_A, .seq = 1101, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(30));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.state, SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(in.snd_wnd, 65535);
    SK_CHECK_EQ(in.snd_mss, 1460);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->challenge_acks, 0);
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 1101);
    TS_NOTHING(&ts, TS_SEC(10));
    ts_free(&ts);
}


/* RFC 9293 §3.10.2 SEND in SYN-SENT: "queue the data for transmission
 * after entering ESTABLISHED state"; §3.10.4 CLOSE (here shutdown) is
 * queued the same way, the FIN follows the data. CLOSE in SYN-SENT
 * deletes the TCB: nothing is sent, and a late SYN,ACK meets no
 * connection. */
static void test_send_and_close_in_syn_sent(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(1), 100), 100);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(1), ts.sock), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    TS_NOTHING(&ts, TS_MS(1));
    TS_INJECT(&ts, TS_MS(10), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_FA | TS_P, .seq = 1001, .ack = 5001, .len = 100,
              TS_PSH);
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_1);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1102);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_2);
    ts_free(&ts);

    ts_init(&ts, NULL);
    SK_CHECK(ts_connect_syn(&ts, 0));
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(1), ts.sock), 0);
    TS_NOTHING(&ts, TS_SEC(100));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    TS_INJECT(&ts, TS_SEC(100), .flags = TS_SA, .seq = 5000, .ack = 1001);
    TS_EXPECT(&ts, TS_SEC(100), .flags = TS_R, .seq = 1001);
    TS_NOTHING(&ts, TS_SEC(100));
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_active_open_options);
    SK_RUN(test_syn_mss_from_mtu);
    SK_RUN(test_syn_mss_option_override);
    SK_RUN(test_peer_without_mss);
    SK_RUN(test_peer_small_mss);
    SK_RUN(test_window_scale_active);
    SK_RUN(test_window_scale_passive);
    SK_RUN(test_window_scale_declined);
    SK_RUN(test_window_scale_disabled);
    SK_RUN(test_window_scale_clamped);
    SK_RUN(test_simultaneous_open);
    SK_RUN(test_syn_retransmit_and_limit);
    SK_RUN(test_syn_retries_config);
    SK_RUN(test_synack_retransmit_and_limit);
    SK_RUN(test_syn_duplicate_in_syn_received);
    SK_RUN(test_accept_event_and_peer);
    SK_RUN(test_synack_retransmission_in_established);
    SK_RUN(test_send_and_close_in_syn_sent);
    return sk_test_finish();
}
