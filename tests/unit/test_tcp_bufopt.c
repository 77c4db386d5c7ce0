/* Per-connection buffer limits (SK_SO_SNDBUF, SK_SO_RCVBUF, stack.h) in
 * virtual time: the sender stops at its limit, the window offered stays
 * within the receive limit, the window scale of a SYN comes from the
 * receive limit set before it (RFC 7323 §2.2), a shrunk limit never takes
 * back an advertised edge (RFC 9293 §3.8.6.2.2, RFC 7323 §2.4), a listener's
 * limits pass to its connections, and bad values are refused. */
#include "sk_test.h"
#include "tcp_script.h"

/* Drain everything the stack has to send at t (ACKs not under test). */
static void drain(ts_script *ts, sk_time_us t)
{
    (void)ts_discard(ts, t);
}

/* Events reported for the connection under test since the last call. */
static uint32_t conn_events(ts_script *ts)
{
    uint32_t got = 0;
    sk_event ev;
    while (sk_stack_next_event(ts->s, &ev))
        if (ev.sock.idx == ts->sock.idx && ev.sock.gen == ts->sock.gen)
            got |= ev.events;
    return got;
}

/* The sender takes no more than SK_SO_SNDBUF; writable again once the
 * peer acknowledged; the limit outlives the idle connection (it is in the
 * TCB core, not the transfer extension). */
static void test_sndbuf_limit_stops_sender(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_NODELAY, 1), 0); /* no Nagle wait */
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 256u * 1024u); /* the stack's */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, 4096), 0);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 4096);
    (void)conn_events(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 10000), 4096);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 100), SK_EAGAIN);
    SK_CHECK((sk_sock_events(ts.s, ts.sock) & SK_EV_WRITABLE) == 0);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 2461, .ack = 5001, .len = 1460);
    TS_EXPECT(&ts, TS_MS(20), .flags = TS_PA, .seq = 3921, .ack = 5001, .len = 1176);
    TS_NOTHING(&ts, TS_MS(20));
    /* a larger limit: writable at once, and an event says so */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, 8192), 0);
    SK_CHECK(conn_events(&ts) & SK_EV_WRITABLE);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(25), 10000), 8192 - 4096);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, 4096), 0);
    /* the peer acknowledges the first 4096: 4096 still queued, at the limit */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = 5001, .ack = 5097);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(30), 100), SK_EAGAIN);
    drain(&ts, TS_MS(30));
    TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = 5001, .ack = 9193);
    SK_CHECK_EQ(ts_info(&ts).unacked, 0);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_WRITABLE);
    TS_NOTHING(&ts, TS_MS(40));
    SK_CHECK_EQ(ts_info(&ts).sndbuf, 4096); /* idle: kept in the core */
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(50), 10000), 4096);
    ts_free(&ts);
}

/* Our SYN: connect, then SK_SO_RCVBUF before the SYN is built. */
static void open_with_rcvbuf(ts_script *ts, uint32_t rcvbuf, uint8_t want_ws, uint16_t want_win)
{
    ts->lport = TS_US_PORT_ACTIVE;
    ts->rport = TS_PEER_PORT_ACTIVE;
    ts->iss = ts->us_isn;
    ts->irs = ts->peer_isn;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, TS_PEER_PORT_ACTIVE);
    sk_connect_opts co = {.local_port = TS_US_PORT_ACTIVE, .fixed_isn = true, .isn = ts->us_isn};
    SK_CHECK_EQ_I(sk_tcp_connect(ts->s, 0, &peer, &co, &ts->sock), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_RCVBUF, rcvbuf), 0);
    TS_EXPECT(ts, 0, .flags = TS_S, .seq = ts->us_isn, TS_WIN(want_win), TS_MSS(1460),
              TS_WS(want_ws));
    TS_NOTHING(ts, 0);
    /* once the SYN is out, the scale stays: only the window follows */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_RCVBUF, 256u * 1024u), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_RCVBUF, rcvbuf), 0);
    TS_INJECT(ts, TS_MS(10), .flags = TS_SA, .seq = ts->peer_isn, .ack = ts->us_isn + 1,
              TS_MSS(1460), TS_WS(7));
}

/* RFC 7323 §2.2: the scale in our SYN is the smallest that offers the
 * receive buffer, from the limit set before the SYN; the window we offer
 * never passes the limit; data past it is not taken. */
static void test_rcvbuf_decides_wscale_and_window(void)
{
    ts_script ts;
    ts_init(&ts, NULL); /* the stack's 256 KiB would scale by 3 */
    open_with_rcvbuf(&ts, 16384, 0, 16384);
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_WIN(16384));
    TS_NOTHING(&ts, TS_MS(10));
    SK_CHECK_EQ(ts_info(&ts).rcv_wscale, 0);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, 16384);
    uint32_t seq = 5001;
    for (int i = 0; i < 5; i++) { /* two segments, one ACK each pair */
        TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = seq, .ack = 1001, .len = 1460);
        TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = seq + 1460, .ack = 1001, .len = 1460);
        seq += 2920;
        TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = seq,
                  TS_WIN(16384 - (seq - 5001)));
    }
    /* 14600 taken, 1784 left: a full segment is cut to the window */
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = seq, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(30), .flags = TS_A, .seq = seq + 1460, .ack = 1001, .len = 1460);
    TS_NOTHING(&ts, TS_MS(30));
    TS_NOTHING(&ts, TS_MS(70) - 1); /* the delayed ACK */
    TS_EXPECT(&ts, TS_MS(70), .flags = TS_A, .seq = 1001, .ack = 5001 + 16384, TS_WIN(0));
    SK_CHECK_EQ(ts_info(&ts).rcvbuf_used, 16384);
    ts_free(&ts);
}

/* A receive limit above 64 KiB set before the SYN scales: 200000 needs 2. */
static void test_rcvbuf_scale_grows(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    open_with_rcvbuf(&ts, 200000, 2, 65535);
    /* 200000 rounds up to 196 KiB = 200704; the window field is that >> 2 */
    TS_EXPECT(&ts, TS_MS(10), .flags = TS_A, .seq = 1001, .ack = 5001, TS_WIN(200704 >> 2));
    SK_CHECK_EQ(ts_info(&ts).rcv_wscale, 2);
    ts_free(&ts);
}

/* A larger receive limit on a live connection whose window is closed: a
 * window update goes out at once (as after a read that opens it). */
static void test_rcvbuf_grow_updates_window(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    open_with_rcvbuf(&ts, 4096, 0, 4096);
    drain(&ts, TS_MS(10));
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 5001, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 6461, .ack = 1001, .len = 1460);
    TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = 7921, .ack = 1001, .len = 1176);
    drain(&ts, TS_MS(100)); /* the ACKs, the last one closing the window */
    SK_CHECK_EQ(ts_info(&ts).rcvbuf_used, 4096);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, 16384), 0);
    TS_EXPECT(&ts, TS_MS(100), .flags = TS_A, .seq = 1001, .ack = 9097, TS_WIN(16384 - 4096));
    TS_NOTHING(&ts, TS_MS(100));
    ts_free(&ts);
}

/* A limit shrunk on a live connection: the right edge already advertised
 * stays (RFC 9293 §3.8.6.2.2, RFC 7323 §2.4), the peer's bytes up to it
 * are all taken although they pass the new limit; once the old edge is
 * used up, the window offered is the new limit's. */
static void test_rcvbuf_shrink_keeps_edge(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.rcvbuf = 32768;
    ts_script ts;
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10))); /* window 32768, no scale */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, 4096), 0);
    uint32_t seq = 5001;
    for (int i = 0; i < 5; i++) { /* 14600 bytes, beyond the 4096 limit */
        TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = seq, .ack = 1001, .len = 1460);
        TS_INJECT(&ts, TS_MS(20), .flags = TS_A, .seq = seq + 1460, .ack = 1001, .len = 1460);
        seq += 2920;
        TS_EXPECT(&ts, TS_MS(20), .flags = TS_A, .seq = 1001, .ack = seq,
                  TS_WIN(32768 - (seq - 5001)));
    }
    SK_CHECK_EQ(ts_info(&ts).rcvbuf_used, 14600);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_OUT_OF_WINDOW), 0);
    /* reading does not reopen past the old edge */
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(30), 14600), 14600);
    TS_NOTHING(&ts, TS_MS(30));
    /* the rest of the old window, 18168 bytes, still taken */
    uint32_t left = 32768 - 14600;
    while (left > 0) {
        uint32_t n = left < 1460 ? left : 1460;
        TS_INJECT(&ts, TS_MS(40), .flags = TS_A, .seq = seq, .ack = 1001, .len = n);
        seq += n;
        left -= n;
        SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(40), n), (ptrdiff_t)n);
    }
    drain(&ts, TS_MS(40));
    /* the old edge is used up: what the window now admits is the new
     * limit's, 4096 at most (the stack's 32768 would take all 4380) */
    for (int i = 0; i < 3; i++) {
        TS_INJECT(&ts, TS_MS(50), .flags = TS_A, .seq = seq, .ack = 1001, .len = 1460);
        seq += 1460;
    }
    size_t used = ts_info(&ts).rcvbuf_used;
    SK_CHECK_MSG(used > 0 && used <= 4096, "%zu bytes taken", used);
    ts_free(&ts);
}

/* The listener's limits pass to the connections it creates, and its
 * receive limit decides the scale of their SYN,ACK (as Linux's children
 * take the listener's SO_RCVBUF). */
static void test_listener_limits_inherited(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.listener, SK_SO_RCVBUF, 20000), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.listener, SK_SO_SNDBUF, 3000), 0);
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    ts.iss = ts.us_isn;
    ts.irs = ts.peer_isn;
    TS_INJECT(&ts, 0, .flags = TS_S, .seq = ts.peer_isn, TS_MSS(1460), TS_WS(7));
    /* 20000 rounds up to 20 KiB: no scale needed */
    TS_EXPECT(&ts, 0, .flags = TS_SA, .seq = ts.us_isn, .ack = ts.peer_isn + 1, TS_WIN(20480),
              TS_MSS(1460), TS_WS(0));
    TS_NOTHING(&ts, 0);
    TS_INJECT(&ts, TS_MS(10), .flags = TS_A, .seq = ts.peer_isn + 1, .ack = ts.us_isn + 1);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, ts.listener, &ts.sock, NULL), 0);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.rcvbuf, 20480);
    SK_CHECK_EQ(in.sndbuf, 3072); /* 3000 rounded up to 3 KiB */
    SK_CHECK_EQ(in.rcv_wscale, 0);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(20), 10000), 3072);
    ts_free(&ts);
}

/* Bad values: below SK_TCP_BUF_MIN_BYTES or above the stack's buffer size
 * are SK_ERANGE and change nothing; the stack's size itself is accepted. */
static void test_bounds(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(10)));
    uint32_t stack = 256u * 1024u;
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, 0), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, SK_TCP_BUF_MIN_BYTES - 1), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, stack + 1), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_SNDBUF, UINT64_MAX), SK_ERANGE);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, stack);
    SK_CHECK_EQ(ts_info(&ts).sndbuf, stack);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, SK_TCP_BUF_MIN_BYTES), 0);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, SK_TCP_BUF_MIN_BYTES);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_RCVBUF, stack), 0);
    SK_CHECK_EQ(ts_info(&ts).rcvbuf, stack);
    sk_sock stale = ts.sock;
    stale.gen++;
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, stale, SK_SO_RCVBUF, 4096), SK_EBADHANDLE);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_sndbuf_limit_stops_sender);
    SK_RUN(test_rcvbuf_decides_wscale_and_window);
    SK_RUN(test_rcvbuf_scale_grows);
    SK_RUN(test_rcvbuf_grow_updates_window);
    SK_RUN(test_rcvbuf_shrink_keeps_edge);
    SK_RUN(test_listener_limits_inherited);
    SK_RUN(test_bounds);
    return sk_test_finish();
}
