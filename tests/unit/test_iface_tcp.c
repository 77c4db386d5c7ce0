/* iface + tcp: ICMP errors delivered to connections (RFC 1122 §4.2.3.9,
 * RFC 1191, RFC 5927), routing for connect, TCP to broadcast addresses, and
 * TCP over Ethernet end to end between two stacks. The ICMP tests use the
 * scripted peer (tests/support/tcp_script.h: us 10.0.0.2, peer 10.0.0.1). */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "tcp_script.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#include <string.h>

static const sk_ip4 US = {{10, 0, 0, 2}};
static const sk_ip4 PEER = {{10, 0, 0, 1}};

/* An ICMP error from the peer quoting our segment lport->rport with `seq`. */
static void icmp_err(ts_script *ts, sk_time_us t, uint8_t type, uint8_t code, uint16_t mtu,
                     uint16_t lport, uint16_t rport, uint32_t seq)
{
    uint8_t quote[40];
    sk_ip4_repr q;
    memset(&q, 0, sizeof q);
    q.total_len = 1500;
    q.df = true;
    q.ttl = 64;
    q.proto = SK_IPPROTO_TCP;
    q.src = US;
    q.dst = PEER;
    sk_ip4_emit(&q, quote, sizeof quote);
    sk_store_be16(quote + 20, lport);
    sk_store_be16(quote + 22, rport);
    sk_store_be32(quote + 24, seq);
    sk_store_be32(quote + 28, 0);
    uint8_t pkt[128];
    ts_inject_raw(ts, t, pkt, ifx_icmp4_error(PEER, US, type, code, mtu, quote, 28, pkt, sizeof pkt));
}

static void frag_needed(ts_script *ts, sk_time_us t, uint16_t mtu, uint32_t seq)
{
    icmp_err(ts, t, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_FRAG_NEEDED, mtu, TS_US_PORT_ACTIVE,
             TS_PEER_PORT_ACTIVE, seq);
}

/* A valid fragmentation-needed lowers the MSS of a live connection and the
 * data in flight is sent again at once in the smaller size. */
static void test_frag_needed_lowers_mss(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 1460);
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 1460), 1460);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 1460);
    frag_needed(&ts, TS_MS(3), 1000, 1001);
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 960);
    TS_EXPECT(&ts, TS_MS(3), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 960);
    TS_EXPECT(&ts, TS_MS(3), .flags = TS_PA, .seq = 1961, .ack = 5001, .len = 500);
    TS_NOTHING(&ts, TS_MS(3));
    const sk_stats *st = sk_stack_stats(ts.s);
    SK_CHECK_EQ(st->pmtu_lowered, 1);
    SK_CHECK_EQ(st->icmp_unreach_in, 1);
    /* both resends are the smaller MTU's, not a timeout's */
    SK_CHECK_EQ(st->retransmits_by_cause[SK_REXMIT_PMTU], 2);
    SK_CHECK_EQ(st->retransmits, 2);
    /* never raised; never below 552 - 40 */
    frag_needed(&ts, TS_MS(4), 1400, 1001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_ICMP_PMTU_IGNORED), 1);
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 960);
    frag_needed(&ts, TS_MS(5), 100, 1001);
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 512);
    ts_discard(&ts, TS_MS(5));
    /* the next new data goes out in 512-byte segments */
    TS_INJECT(&ts, TS_MS(6), .flags = TS_A, .seq = 5001, .ack = 2461);
    TS_NOTHING(&ts, TS_MS(6));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(7), 600), 600);
    const ts_out *o = ts_next(&ts, TS_MS(7));
    SK_CHECK(o != NULL && o->hdr.payload_len == 512 && o->hdr.seq.v == 2461);
    ts_discard(&ts, TS_MS(7));
    ts_free(&ts);
}

/* RFC 5927 §4.1: the quoted sequence number must be in flight, the quoted
 * connection must exist; otherwise the message is ignored and counted. */
static void test_icmp_checks(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 100), 100);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    frag_needed(&ts, TS_MS(3), 1000, 1101); /* snd_max: not in flight */
    frag_needed(&ts, TS_MS(3), 1000, 1000); /* before snd_una */
    frag_needed(&ts, TS_MS(3), 1000, 0x80001001u);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_ICMP_OUT_OF_WINDOW), 3);
    icmp_err(&ts, TS_MS(3), SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_FRAG_NEEDED, 1000,
             TS_US_PORT_ACTIVE, 81, 1001);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_ICMP_NO_CONN), 1);
    icmp_err(&ts, TS_MS(3), SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT, 0, TS_US_PORT_ACTIVE,
             TS_PEER_PORT_ACTIVE, 999);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_ICMP_OUT_OF_WINDOW), 4);
    TS_NOTHING(&ts, TS_MS(3));
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 1460);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    /* a hard error in a synchronized state is only a soft error */
    icmp_err(&ts, TS_MS(4), SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT, 0, TS_US_PORT_ACTIVE,
             TS_PEER_PORT_ACTIVE, 1001);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ_I(ts_info(&ts).soft_error, SK_ECONNREFUSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    TS_NOTHING(&ts, TS_MS(4));
    ts_discard(&ts, TS_SEC(2));
    ts_free(&ts);
}

static void connect_syn_sent(ts_script *ts)
{
    ts->lport = TS_US_PORT_ACTIVE;
    ts->rport = TS_PEER_PORT_ACTIVE;
    sk_endpoint peer = {sk_ipaddr_from_ip4(PEER), TS_PEER_PORT_ACTIVE};
    sk_connect_opts co = {TS_US_PORT_ACTIVE, 0, true, TS_US_ISN};
    SK_CHECK_EQ_I(sk_tcp_connect(ts->s, 0, &peer, &co, &ts->sock), 0);
    const ts_out *o = ts_next(ts, 0);
    SK_CHECK(o != NULL && o->hdr.flags == TS_S);
}

/* RFC 1122 §4.2.3.9: port (or protocol) unreachable in SYN-SENT aborts the
 * connect with SK_ECONNREFUSED. */
static void test_unreachable_in_syn_sent(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    connect_syn_sent(&ts);
    icmp_err(&ts, TS_MS(1), SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT, 0, TS_US_PORT_ACTIVE,
             TS_PEER_PORT_ACTIVE, TS_US_ISN + 1); /* not in flight: ignored */
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    icmp_err(&ts, TS_MS(1), SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT, 0, TS_US_PORT_ACTIVE,
             TS_PEER_PORT_ACTIVE, TS_US_ISN);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ECONNREFUSED);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_ERROR);
    char b[4];
    SK_CHECK_EQ_I(sk_tcp_recv(ts.s, TS_MS(1), ts.sock, b, sizeof b), SK_ECONNREFUSED);
    TS_NOTHING(&ts, TS_SEC(10)); /* no retransmission, no RST */
    sk_tcp_close(ts.s, TS_SEC(10), ts.sock);
    ts_free(&ts);
}

/* A soft error (host unreachable) in SYN-SENT: the connect goes on, and if
 * it then times out the soft error is what the application sees. */
static void test_soft_error_reported_on_timeout(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.syn_retries = 1;
    ts_script ts;
    ts_init(&ts, &cfg);
    connect_syn_sent(&ts);
    icmp_err(&ts, TS_MS(1), SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_HOST, 0, TS_US_PORT_ACTIVE,
             TS_PEER_PORT_ACTIVE, TS_US_ISN);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    SK_CHECK_EQ_I(ts_info(&ts).soft_error, SK_EHOSTUNREACH);
    SK_CHECK_EQ(ts_discard(&ts, TS_SEC(1)), 1); /* the SYN again */
    ts_discard(&ts, TS_SEC(3));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_EHOSTUNREACH);
    sk_tcp_close(ts.s, TS_SEC(3), ts.sock);
    ts_free(&ts);
}

/* TCP is unicast: a SYN to a broadcast address gets no answer. */
static void test_tcp_to_broadcast(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    ts.lport = TS_US_PORT_PASSIVE;
    ts.rport = TS_PEER_PORT_PASSIVE;
    uint8_t pkt[128];
    ts_seg syn = {.flags = TS_S, .seq = 5000};
    size_t n = ts_build(&ts, &syn, pkt, sizeof pkt);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(pkt, n, &ip), 0);
    ip.dst = sk_ip4_make(10, 0, 0, 255);
    sk_ip4_emit(&ip, pkt, 20);
    ts_inject_raw(&ts, 0, pkt, n);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_TCP_BAD_ADDR), 1);
    TS_NOTHING(&ts, 0);
    ts_free(&ts);
}

/* ---- two stacks over Ethernet ---- */

static sk_stack *eth_stack(uint8_t last, uint64_t seed)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(192, 0, 2, last), (sk_mac){{0x02, 0, 0, 0, 0, last}}, seed);
    return ifx_create(&cfg);
}

/* Move every frame each stack has to the other until both are quiet. */
static size_t pump(sk_stack *a, sk_stack *b, sk_time_us now)
{
    uint8_t f[1600];
    size_t moved = 0, n;
    do {
        n = 0;
        size_t k;
        while ((k = sk_stack_output(a, now, f, sizeof f)) > 0) {
            sk_stack_input(b, now, f, k);
            n++;
        }
        while ((k = sk_stack_output(b, now, f, sizeof f)) > 0) {
            sk_stack_input(a, now, f, k);
            n++;
        }
        moved += n;
    } while (n > 0);
    return moved;
}

static void test_tcp_over_ethernet(void)
{
    sk_stack *a = eth_stack(1, 11), *b = eth_stack(2, 22);
    sk_sock l, c, srv;
    SK_CHECK_EQ_I(sk_tcp_listen(b, 80, NULL, &l), 0);
    sk_endpoint to = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2)), 80};
    SK_CHECK_EQ_I(sk_tcp_connect(a, 0, &to, NULL, &c), 0);
    sk_time_us now = 0;
    pump(a, b, now);
    SK_CHECK_EQ_I(sk_tcp_accept(b, l, &srv, NULL), 0);
    SK_CHECK(sk_sock_events(a, c) & SK_EV_CONNECTED);
    static uint8_t data[100000], got[100000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    size_t sent = 0, recvd = 0;
    for (int round = 0; round < 10000 && recvd < sizeof data; round++) {
        if (sent < sizeof data) {
            ptrdiff_t k = sk_tcp_send(a, now, c, data + sent, sizeof data - sent);
            if (k > 0)
                sent += (size_t)k;
        }
        pump(a, b, now);
        ptrdiff_t r = sk_tcp_recv(b, now, srv, got + recvd, sizeof got - recvd);
        if (r > 0)
            recvd += (size_t)r;
        sk_time_us next = sk_stack_poll_at(a);
        next = next < sk_stack_poll_at(b) ? next : sk_stack_poll_at(b);
        now = next != SK_NEVER && next > now ? next : now + 1000;
    }
    SK_CHECK_EQ(recvd, sizeof data);
    SK_CHECK_MEM(got, data, sizeof data);
    const sk_stats *sa = sk_stack_stats(a), *sb = sk_stack_stats(b);
    SK_CHECK_EQ(sa->arp_requests_out, 2); /* gratuitous + who-has 192.0.2.2 */
    SK_CHECK_EQ(sb->arp_replies_out, 1);
    SK_CHECK_EQ(sb->arp_requests_out, 1); /* gratuitous only: learned a from its request */
    SK_CHECK_EQ(sa->arp_replies_in, 1);
    SK_CHECK_EQ(sa->retransmits, 0);
    /* the only drops: each side's gratuitous ARP is not addressed to the other */
    SK_CHECK_EQ(sa->drops, 1);
    SK_CHECK_EQ(sb->drops, 1);
    SK_CHECK_EQ(sa->drop[SK_DROP_ARP_NOT_FOR_US], 1);
    sk_stack_destroy(a);
    sk_stack_destroy(b);
}

/* Ethernet: connect to an off-link address with no gateway fails at once;
 * with a gateway its MAC is resolved. Segments to an off-link peer with no
 * route are dropped (IP_NO_ROUTE). */
static void test_connect_routes(void)
{
    sk_stack *a = eth_stack(1, 11);
    sk_sock c;
    sk_endpoint far = {sk_ipaddr_from_ip4(sk_ip4_make(198, 51, 100, 1)), 80};
    SK_CHECK_EQ_I(sk_tcp_connect(a, 0, &far, NULL, &c), SK_EHOSTUNREACH);
    sk_endpoint bc = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 255)), 80};
    SK_CHECK_EQ_I(sk_tcp_connect(a, 0, &bc, NULL, &c), SK_EINVAL);
    /* a SYN from off-link reaches our listener; its SYN,ACK has no route */
    sk_sock l;
    SK_CHECK_EQ_I(sk_tcp_listen(a, 80, NULL, &l), 0);
    uint8_t f[128], out[1600];
    while (sk_stack_output(a, 0, out, sizeof out) > 0) {
    }
    sk_eth_repr eth = {{{0x02, 0, 0, 0, 0, 1}}, {{0x02, 0, 0, 0, 0, 9}}, SK_ETHERTYPE_IPV4, NULL,
                       0};
    sk_eth_emit(&eth, f, sizeof f);
    sk_tcp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = 1234;
    h.dst_port = 80;
    h.seq = sk_seq_make(77);
    h.flags = SK_TCP_SYN;
    h.window = 1000;
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = 40;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = sk_ip4_make(198, 51, 100, 1);
    ip.dst = sk_ip4_make(192, 0, 2, 1);
    sk_ip4_emit(&ip, f + 14, 20);
    sk_tcp_emit(&h, f + 34, 20);
    sk_tcp_fill_checksum4(ip.src, ip.dst, f + 34, 20);
    sk_stack_input(a, 0, f, 54);
    SK_CHECK_EQ(sk_stack_output(a, 0, out, sizeof out), 0);
    SK_CHECK_EQ(sk_stack_stats(a)->drop[SK_DROP_IP_NO_ROUTE], 1);
    sk_stack_destroy(a);
}

/* RFC 5927 §7.2 / RFC 1191: fragmentation needed about our SYN (in flight,
 * so it passes the sequence check) does not abort the connect and sends
 * nothing; it lowers the destination's path MTU (iface_pmtu.c), which the
 * handshake then takes with the peer's MSS: 576 - 40, not 1460 (as Linux,
 * whose route MTU the SYN-SENT socket then uses). */
static void test_frag_needed_in_syn_sent(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    connect_syn_sent(&ts);
    frag_needed(&ts, TS_MS(1), 576, TS_US_ISN);
    SK_CHECK_EQ(ts_drops(&ts, SK_DROP_ICMP_PMTU_IGNORED), 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_SYN_SENT);
    SK_CHECK_EQ_I(ts_info(&ts).error, 0);
    SK_CHECK_EQ(sk_stack_stats(ts.s)->pmtu_lowered, 0);
    TS_NOTHING(&ts, TS_MS(1));
    /* the handshake completes with the path MTU's MSS */
    TS_INJECT(&ts, TS_MS(2), .flags = TS_SA, .seq = TS_PEER_ISN, .ack = TS_US_ISN + 1,
              TS_MSS(1460));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 536);
    ts_discard(&ts, TS_MS(2));
    ts_free(&ts);
}

/* RFC 1191 §5, §7: a router that reports no next-hop MTU (0, pre-1191) or
 * one not below the quoted datagram's length (1500 here): the next plateau
 * below the quoted length, 1492, is used. */
static void test_frag_needed_without_mtu(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 100), 100);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    frag_needed(&ts, TS_MS(3), 0, 1001);
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 1492 - 40);
    ts_discard(&ts, TS_MS(3));
    ts_free(&ts);
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(ts_send(&ts, TS_MS(2), 100), 100);
    TS_EXPECT(&ts, TS_MS(2), .flags = TS_PA, .seq = 1001, .ack = 5001, .len = 100);
    frag_needed(&ts, TS_MS(3), 1500, 1001);
    SK_CHECK_EQ(ts_info(&ts).snd_mss, 1492 - 40);
    ts_discard(&ts, TS_MS(3));
    ts_free(&ts);
}

/* The interface frames a transport segment it is handed (sk_iface_send_l4):
 * the IPv4 header from the given addresses with DF as asked, the checksum
 * at csum_off over the pseudo-header, then the frame; addresses of two
 * families are counted as IP_NO_ROUTE and nothing goes out (IPv6 framing:
 * test_iface_ip6). */
static void test_iface_frames_l4(void)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, US);
    sk_stack *s = ifx_create(&cfg);
    uint8_t buf[2048];
    size_t off = sk_iface_l4_offset(&s->ifc, SK_AF_INET4);
    SK_CHECK_EQ(off, SK_IP4_HDR_LEN); /* raw IP link: no link header */
    SK_CHECK_EQ(sk_iface_l4_max(&s->ifc, SK_AF_INET4), 1500 - SK_IP4_HDR_LEN);
    for (size_t i = 0; i < 30; i++)
        buf[off + i] = (uint8_t)(i * 13u + 5u);
    sk_l4_out o = {sk_ipaddr_from_ip4(US), sk_ipaddr_from_ip4(PEER), 17, false, 6, false, false};
    size_t n = sk_iface_send_l4(&s->ifc, 0, buf, sizeof buf, &o, 30);
    SK_CHECK_EQ(n, SK_IP4_HDR_LEN + 30);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(buf, n, &ip), 0);
    SK_CHECK(sk_ip4_eq(ip.src, US) && sk_ip4_eq(ip.dst, PEER));
    SK_CHECK_EQ(ip.proto, 17);
    SK_CHECK(!ip.df);
    SK_CHECK_EQ(ip.payload_len, 30);
    SK_CHECK(sk_csum_l4_ok(&o.src, &o.dst, 17, ip.payload, 30));
    SK_CHECK_EQ(buf[off + 29], (uint8_t)(29 * 13 + 5)); /* the segment itself untouched */
    o.dst.family = SK_AF_INET6;
    SK_CHECK_EQ(sk_iface_send_l4(&s->ifc, 0, buf, sizeof buf, &o, 30), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->drop[SK_DROP_IP_NO_ROUTE], 1);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_frag_needed_lowers_mss);
    SK_RUN(test_icmp_checks);
    SK_RUN(test_unreachable_in_syn_sent);
    SK_RUN(test_soft_error_reported_on_timeout);
    SK_RUN(test_frag_needed_in_syn_sent);
    SK_RUN(test_frag_needed_without_mtu);
    SK_RUN(test_tcp_to_broadcast);
    SK_RUN(test_tcp_over_ethernet);
    SK_RUN(test_connect_routes);
    SK_RUN(test_iface_frames_l4);
    return sk_test_finish();
}
