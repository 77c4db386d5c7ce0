/* The socket API against a scripted peer: caller misuse returns the
 * documented SK_E* codes, stale handles are SK_EBADHANDLE (never a use of a
 * reused slot), and bad bytes from the network are dropped and counted by
 * reason, never answered. */
#include "sk_test.h"
#include "tcp_script.h"

#include "synack/icmp.h"
#include "wire/ipv4.h"

#include <string.h>

static void test_stale_handles(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    char b[4];
    sk_sock zero = {0, 0};
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, 0, zero, "x", 1), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, 0, zero, b, sizeof b), SK_EBADHANDLE);
    sk_sock wild = {999, 1};
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, 0, wild), SK_EBADHANDLE);
    SK_CHECK_EQ(sk_sock_events(ts.s, wild), 0);

    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    sk_sock old = ts.sock;
    /* abort frees the slot at once */
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(2), old), 0);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_RA, .seq = 1001, .ack = 5001);
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_MS(3), old, "x", 1), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(3), old, b, sizeof b), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(3), old), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(3), old), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, old, SK_SO_NODELAY, 1), SK_EBADHANDLE);
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, old, &in), SK_EBADHANDLE);
    /* the slot is reused by a new connection: the old handle stays stale */
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 81);
    sk_sock fresh;
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, TS_MS(4), &peer, NULL, &fresh), 0);
    SK_CHECK_EQ(fresh.idx, old.idx);
    SK_CHECK(fresh.gen != old.gen);
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, old, &in), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, fresh, &in), 0);
    SK_CHECK_EQ(in.state, SK_TCP_SYN_SENT);
    ts_discard(&ts, TS_MS(4));
    ts_free(&ts);
}

static void test_send_recv_misuse(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    char b[4];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(2), ts.sock, b, sizeof b), SK_EAGAIN);
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_MS(2), ts.sock, NULL, 5), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(2), ts.sock, NULL, 5), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_MS(2), ts.sock, b, 0), 0);
    TS_NOTHING(&ts, TS_MS(2));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(3), ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, TS_MS(3), ts.sock, "x", 1), SK_ESHUTDOWN);
    SK_CHECK_EQ(sk_sock_events(ts.s, ts.sock) & SK_EV_WRITABLE, 0);
    TS_EXPECT(&ts, TS_MS(3), .flags = TS_FA, .seq = 1001, .ack = 5001);
    ts_free(&ts);
}

/* Data queued in SYN-SENT goes out after the handshake. */
static void test_send_before_established(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    ts.lport = TS_US_PORT_ACTIVE;
    ts.rport = TS_PEER_PORT_ACTIVE;
    ts.iss = TS_US_ISN;
    ts.irs = TS_PEER_ISN;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &ts.sock), 0);
    SK_CHECK_EQ_I(ts_send(&ts, 0, 100), 100);
    TS_EXPECT(&ts, 0, .flags = TS_S, .seq = 1000, TS_MSS(1460), TS_WS(3));
    TS_NOTHING(&ts, 0);
    TS_INJECT(&ts, TS_MS(1), .flags = TS_SA, .seq = 5000, .ack = 1001, TS_MSS(1460));
    TS_EXPECT(&ts, TS_MS(1), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    TS_NOTHING(&ts, TS_MS(1));
    ts_free(&ts);
}

static void test_listen_connect_misuse(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_sock l, l2, c;
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 0, NULL, &l), SK_EINVAL);
    sk_listen_opts bad = {-1, 0, false, 0};
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 80, &bad, &l), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 80, NULL, &l), 0);
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 80, NULL, &l2), SK_EADDRINUSE);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l, &c, NULL), SK_EAGAIN);
    /* a listener is not a connection (POSIX: ENOTCONN) */
    char b[4];
    SK_CHECK_EQ_I(sk_tcp_send(ts.s, 0, l, "x", 1), SK_ENOTCONN);
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, 0, l, b, sizeof b), SK_ENOTCONN);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, 0, l), SK_ENOTCONN);

    sk_endpoint any = ts_endpoint(0, 0, 0, 0, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &any, NULL, &c), SK_EINVAL);
    sk_endpoint bcast = ts_endpoint(255, 255, 255, 255, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &bcast, NULL, &c), SK_EINVAL);
    sk_endpoint mcast = ts_endpoint(224, 0, 0, 1, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &mcast, NULL, &c), SK_EINVAL);
    sk_endpoint port0 = ts_endpoint(10, 0, 0, 1, 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &port0, NULL, &c), SK_EINVAL);
    sk_endpoint v6 = ts_endpoint(10, 0, 0, 1, 80);
    v6.addr.family = SK_AF_INET6;
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &v6, NULL, &c), SK_EAFNOSUPPORT);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, NULL, NULL, &c), SK_EINVAL);
    /* the same 4-tuple twice */
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    sk_connect_opts co = {40000, 0, false, 0};
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &c), 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, &co, &c), SK_EADDRINUSE);
    /* accept on a connection */
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, c, &l2, NULL), SK_EINVAL);
    ts_discard(&ts, 0);
    ts_free(&ts);
}

/* A full socket table fails in a defined way. */
static void test_socket_table_full(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 2;
    cfg.syn_cookies = SK_SYNCOOKIES_OFF; /* with cookies: test_tcp_syncookie */
    ts_script ts;
    ts_init(&ts, &cfg);
    sk_sock a, b, c;
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, NULL, &a), 0);
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 80, NULL, &b), 0);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &peer, NULL, &c), SK_ENOSPC);
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 81, NULL, &c), SK_ENOSPC);
    /* a SYN to the listener takes no TCB (a half-open record answers it,
     * tcp_halfopen.c); its final ACK finds no TCB: dropped and counted, and
     * the record stays for the peer's next try */
    ts.lport = 80;
    ts.rport = 50000;
    TS_INJECT(&ts, 1, .flags = TS_S, .seq = 5000, TS_MSS(1460));
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 0);
    uint32_t iss = 0;
    int synacks = 0;
    for (const ts_out *o; (o = ts_next(&ts, 1)) != NULL;) /* and a's SYN */
        if (o->hdr.flags == (TS_S | TS_A)) {
            iss = o->hdr.seq.v;
            synacks++;
        }
    SK_CHECK_EQ(synacks, 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1);
    TS_INJECT(&ts, 2, .flags = TS_A, .seq = 5001, .ack = iss + 1);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_NO_MEMORY), 1);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->half_open, 1);
    SK_CHECK_EQ(ts_discard(&ts, 2), 0);
    ts_free(&ts);
}

static void test_config_errors(void)
{
    sk_stack_config cfg;
    sk_stack *s = NULL;
    sk_stack_config_default(&cfg);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL); /* no allocator */
    ts_script ts;
    ts_init(&ts, NULL);
    cfg = ts.cfg;
    cfg.mtu = 67;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.max_sockets = 0;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.rto_max_us = 10;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    /* RFC 1122 §4.2.3.2: the ACK delay MUST be less than 0.5 seconds */
    cfg = ts.cfg;
    cfg.delack_us = 500000;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.delack_us = 499999;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    /* the quick-ACK count fits four bits of the connection's core */
    cfg = ts.cfg;
    cfg.quick_acks = SK_QUICK_ACKS_MAX + 1;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.quick_acks = SK_QUICK_ACKS_MAX;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    /* and a compressed SACK's delay too */
    cfg.sack_compress_us = 500000;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.sack_compress_us = 499999;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    ts_free(&ts);
}

/* Bad bytes are dropped and counted by reason; nothing is sent back. */
static void test_drop_counters(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.ip_reass_max = 0;    /* fragments dropped (IP_FRAGMENT) */
    cfg.icmp_error_rate = 0; /* no protocol unreachable for the SCTP packet */
    ts_init(&ts, &cfg);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    const sk_stats *st = sk_stack_stats(ts.s);
    uint64_t drops0 = st->drops;
    uint8_t pkt[256];
    ts_seg good = {.flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10};
    size_t n = ts_build(&ts, &good, pkt, sizeof pkt);
    SK_CHECK(n == 20 + 20 + 10);

    uint8_t bad[256];
    memcpy(bad, pkt, n);
    bad[n - 1] ^= 0x01; /* payload byte: TCP checksum */
    ts_inject_raw(&ts, TS_MS(10), bad, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_CHECKSUM), 1);

    memcpy(bad, pkt, n);
    bad[8] ^= 0x01; /* TTL: IPv4 header checksum */
    ts_inject_raw(&ts, TS_MS(10), bad, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_IP_CHECKSUM), 1);

    ts_inject_raw(&ts, TS_MS(10), pkt, 19);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_IP_TRUNCATED), 1);

    /* the stack is at 10.0.0.2; send to 10.0.0.3 */
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(pkt, n, &ip), 0);
    ip.dst = sk_ip4_make(10, 0, 0, 3);
    memcpy(bad, pkt, n);
    sk_ip4_emit(&ip, bad, sizeof bad);
    ts_inject_raw(&ts, TS_MS(10), bad, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_IP_NOT_FOR_US), 1);

    SK_CHECK_EQ_I(sk_ip4_parse(pkt, n, &ip), 0);
    ip.proto = 132; /* SCTP: a transport we lack */
    memcpy(bad, pkt, n);
    sk_ip4_emit(&ip, bad, sizeof bad);
    ts_inject_raw(&ts, TS_MS(10), bad, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_IP_UNKNOWN_PROTO), 1);

    SK_CHECK_EQ_I(sk_ip4_parse(pkt, n, &ip), 0);
    ip.mf = true;
    memcpy(bad, pkt, n);
    sk_ip4_emit(&ip, bad, sizeof bad);
    ts_inject_raw(&ts, TS_MS(10), bad, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_IP_FRAGMENT), 1);

    /* TCP port 0 */
    ts_seg port0 = good;
    port0.sport = 0;
    ts.rport = 0;
    n = ts_build(&ts, &port0, bad, sizeof bad);
    ts.rport = TS_PEER_PORT_ACTIVE;
    ts_inject_raw(&ts, TS_MS(10), bad, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BAD_PORT), 1);

    /* a TCP header cut short inside the IP packet */
    SK_CHECK_EQ_I(sk_ip4_parse(pkt, 50, &ip), 0);
    ip.total_len = 20 + 12;
    memcpy(bad, pkt, 32);
    sk_ip4_emit(&ip, bad, sizeof bad);
    ts_inject_raw(&ts, TS_MS(10), bad, 32);
    SK_CHECK(ts_drops(&ts, SK_DROP_TCP_TRUNCATED) + ts_drops(&ts, SK_DROP_TCP_CHECKSUM) == 2);

    SK_CHECK_EQ(st->drops, drops0 + 8);
    TS_NOTHING(&ts, TS_MS(100)); /* no RST, no ACK for any of them */
    char b[16];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(100), ts.sock, b, sizeof b), SK_EAGAIN);
    /* the good one still works */
    ts_inject_raw(&ts, TS_MS(100), pkt, 50);
    SK_CHECK_EQ_I(ts_recv(&ts, TS_MS(100), 100), 10);
    TS_EXPECT(&ts, TS_MS(140), .flags = TS_A, .seq = 1001, .ack = 5011);
    ts_free(&ts);
}

/* Every segment the stack emits has a correct IPv4 header and checksums
 * (the harness checks it on every TS_EXPECT); the stats count them. */
static void test_stats_segments(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 300), 300);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 300);
    TS_INJECT(&ts, TS_MS(3), .flags = TS_PA, .seq = 5001, .ack = 1301, .len = 200);
    TS_EXPECT(&ts, TS_MS(43), .flags = TS_A, .seq = 1301, .ack = 5201);
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->segs_out, 4);
    SK_CHECK_EQ(st->segs_in, 2);
    SK_CHECK_EQ(st->bytes_out, 300);
    SK_CHECK_EQ(st->bytes_in, 200);
    SK_CHECK_EQ(st->drops, 0);
    ts_free(&ts);
}

/* RFC 1122 §3.2.1.3 (g): 127/8 "MUST NOT appear outside a host", and we have
 * no loopback path, so a connect or ping to it (or to our own address, which
 * would leave on the link and never come back) fails at once. */
static void test_connect_loopback_and_self(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_sock c;
    sk_endpoint lo = ts_endpoint(127, 0, 0, 1, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &lo, NULL, &c), SK_EINVAL);
    sk_endpoint lo2 = ts_endpoint(127, 9, 9, 9, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &lo2, NULL, &c), SK_EINVAL);
    sk_endpoint self = ts_endpoint(10, 0, 0, 2, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(ts.s, 0, &self, NULL, &c), SK_EINVAL);
    SK_CHECK_EQ_I(sk_ping_send(ts.s, 0, sk_ip4_make(127, 0, 0, 1), 1, 1, NULL, 0), SK_EINVAL);
    SK_CHECK_EQ_I(sk_ping_send(ts.s, 0, sk_ip4_make(10, 0, 0, 2), 1, 1, NULL, 0), SK_EINVAL);
    TS_NOTHING(&ts, 0); /* nothing left for the link */
    ts_free(&ts);
}

/* Functions without an error code ignore NULL arguments: no crash, no
 * assertion, and no event lost (stack.h: misuse never corrupts state). */
static void test_null_arguments(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK_EQ(sk_sock_events(NULL, ts.sock), 0);
    SK_CHECK(!sk_stack_next_event(NULL, NULL));
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK(!sk_stack_next_event(ts.s, NULL));
    sk_event ev;
    SK_CHECK(sk_stack_next_event(ts.s, &ev)); /* still there */
    SK_CHECK_EQ(ev.sock.idx, ts.sock.idx);
    uint64_t in0 = sk_stack_stats(ts.s)->frames_in;
    sk_stack_input(ts.s, TS_MS(2), NULL, 40);
    sk_stack_input(NULL, TS_MS(2), NULL, 40);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->frames_in, in0);
    uint8_t buf[2048];
    SK_CHECK_EQ(sk_stack_output(NULL, TS_MS(2), buf, sizeof buf), 0);
    SK_CHECK_EQ(sk_stack_poll_at(NULL), SK_NEVER);
    SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, ts.sock, NULL), SK_EINVAL);
    SK_CHECK(!sk_ping_next_reply(ts.s, NULL));
    TS_NOTHING(&ts, TS_MS(2));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* Calls in the wrong state or twice: each a defined code, state intact. */
static void test_wrong_state_calls(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(2), ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(2), ts.sock), 0); /* FIN already queued */
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_FA, .seq = 1001, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(2)); /* one FIN only */
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_FIN_WAIT_1);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(3), ts.sock), 0);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(3), ts.sock), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(3), ts.sock), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(3), ts.sock), SK_EBADHANDLE);
    TS_NOTHING(&ts, TS_MS(3));
    /* a listener: close releases the port at once; the old handle is stale */
    sk_sock l, l2, c;
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 90, NULL, &l), 0);
    SK_CHECK_EQ_I(sk_tcp_shutdown(ts.s, TS_MS(4), l), SK_ENOTCONN);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(4), l), 0);
    SK_CHECK_EQ_I(sk_tcp_accept(ts.s, l, &c, NULL), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(4), l), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, 90, NULL, &l2), 0);
    SK_CHECK(l2.idx != l.idx || l2.gen != l.gen);
    /* options out of range */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l2, SK_SO_KEEPCNT, 256), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l2, SK_SO_KEEPIDLE_US, 0), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l2, (enum sk_sockopt)99, 1), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_abort(ts.s, TS_MS(5), l2), 0);
    ts_discard(&ts, TS_MS(5));
    ts_free(&ts);
}

/* Configuration values at and just past their limits. */
static void test_config_limits(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_stack_config cfg = ts.cfg;
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(NULL, &s), SK_EINVAL);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, NULL), SK_EINVAL);
    cfg.mtu = 68; /* RFC 791: every host must take 68 */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    cfg = ts.cfg;
    cfg.mtu = 65535;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    cfg = ts.cfg;
    cfg.prefix_len = 33;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.prefix_len = 32;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    cfg = ts.cfg;
    cfg.sndbuf = 1023;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.max_sockets = (1u << 24) + 1;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg = ts.cfg;
    cfg.link = (enum sk_link_type)7;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_ENOTSUP);
    cfg = ts.cfg;
    cfg.ip_reass_timeout_us = 0;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.ip_reass_max = 0; /* reassembly off: the timeout does not matter */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    /* RFC 1122 §3.2.1.3: our address must name one host */
    cfg = ts.cfg;
    cfg.addr = sk_ip4_make(10, 0, 0, 255); /* the subnet broadcast */
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.addr = sk_ip4_make(224, 0, 0, 1);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.addr = sk_ip4_make(127, 0, 0, 1);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    /* a gateway must be on the link and not a broadcast */
    cfg = ts.cfg;
    cfg.gateway = sk_ip4_make(192, 0, 2, 1);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.gateway = sk_ip4_make(10, 0, 0, 255);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.gateway = sk_ip4_make(10, 0, 0, 1);
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    sk_stack_destroy(s);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_stale_handles);
    SK_RUN(test_send_recv_misuse);
    SK_RUN(test_send_before_established);
    SK_RUN(test_listen_connect_misuse);
    SK_RUN(test_socket_table_full);
    SK_RUN(test_config_errors);
    SK_RUN(test_drop_counters);
    SK_RUN(test_stats_segments);
    SK_RUN(test_connect_loopback_and_self);
    SK_RUN(test_null_arguments);
    SK_RUN(test_wrong_state_calls);
    SK_RUN(test_config_limits);
    return sk_test_finish();
}
