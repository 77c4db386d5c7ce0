/* ICMP port unreachable, both ways (RFC 1122 §4.1.3.1, §4.1.3.3, §3.2.2):
 * sent for a datagram to no socket (the whole datagram quoted, rate
 * limited, never about a broadcast), and received about one of ours: the
 * connected socket's next call fails once with SK_ECONNREFUSED, as on
 * Linux; unconnected sockets and soft errors are not told. */
#include "base/bytes.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "udp_fixture.h"
#include "wire/icmp4.h"

#include <string.h>

static const sk_ip4 US = UFX_US_IP;
static const sk_ip4 PEER = UFX_PEER_IP;

static sk_stack *make(sk_stack_config *cfg)
{
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(cfg, &s), 0);
    return s;
}

static void test_port_unreachable_sent(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    sk_stack *s = make(&cfg);
    uint8_t pkt[256], out[2048];
    size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 40000, US, 9999, "synack\n", 7);
    ufx_inject(s, 0, pkt, n);
    size_t o = sk_stack_output(s, 0, out, sizeof out);
    SK_CHECK_EQ(o, 20 + 8 + n);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(out, o, &ip), 0);
    SK_CHECK(sk_ip4_eq(ip.src, US) && sk_ip4_eq(ip.dst, PEER));
    SK_CHECK_EQ(ip.proto, SK_IPPROTO_ICMP);
    sk_icmp4_repr m;
    SK_CHECK_EQ_I(sk_icmp4_parse(ip.payload, ip.payload_len, &m), 0);
    SK_CHECK_EQ(m.type, SK_ICMP_DEST_UNREACH);
    SK_CHECK_EQ(m.code, SK_ICMP_UNREACH_PORT);
    SK_CHECK_EQ(m.data_len, n); /* the IP header and the whole datagram */
    SK_CHECK_MEM(m.data, pkt, n);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->udp_no_port, 1);
    SK_CHECK_EQ(st->icmp_unreach_out, 1);
    SK_CHECK_EQ(st->drop[SK_DROP_UDP_NO_SOCKET], 1);
    sk_stack_destroy(s);
}

/* Never about a broadcast (RFC 1122 §3.2.2): the limited and the
 * directed broadcast are counted as no port and answered with nothing. */
static void test_no_unreachable_for_broadcast(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    sk_stack *s = make(&cfg);
    uint8_t pkt[256], out[2048];
    size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 68, sk_ip4_make(255, 255, 255, 255), 67, "d", 1);
    ufx_inject(s, 0, pkt, n);
    n = ufx_pkt(pkt, sizeof pkt, PEER, 68, sk_ip4_make(10, 0, 0, 255), 67, "d", 1);
    ufx_inject(s, 0, pkt, n);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->udp_no_port, 2);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_unreach_out, 0);
    /* a socket on the port takes them (Linux delivers them to a wildcard-bound socket too) */
    sk_sock h;
    SK_CHECK_EQ_I(sk_udp_open(s, &h), 0);
    sk_endpoint any;
    memset(&any, 0, sizeof any);
    any.port = 67;
    SK_CHECK_EQ_I(sk_udp_bind(s, h, &any), 0);
    ufx_inject(s, 0, pkt, n);
    sk_udp_meta meta;
    uint8_t buf[8];
    SK_CHECK_EQ_I(sk_udp_recvfrom(s, 0, h, buf, sizeof buf, &meta), 1);
    sk_ipaddr bc = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 255));
    SK_CHECK(sk_ipaddr_eq(&meta.to.addr, &bc));
    sk_stack_destroy(s);
}

/* The ICMP error bucket limits port unreachables: burst, then the rate. */
static void test_unreachable_rate_limited(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    cfg.icmp_error_rate = 100; /* one token every 10 ms */
    cfg.icmp_error_burst = 3;
    cfg.icmp_queue_len = 16;
    sk_stack *s = make(&cfg);
    uint8_t pkt[256], out[2048];
    size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 1, US, 2, "x", 1);
    for (int i = 0; i < 10; i++)
        ufx_inject(s, 0, pkt, n);
    int sent = 0;
    while (sk_stack_output(s, 0, out, sizeof out) > 0)
        sent++;
    SK_CHECK_EQ(sent, 3);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_rate_limited, 7);
    SK_CHECK_EQ(sk_stack_stats(s)->udp_no_port, 10);
    ufx_inject(s, 10000, pkt, n); /* 10 ms later: one token */
    SK_CHECK(sk_stack_output(s, 10000, out, sizeof out) > 0);
    sk_stack_destroy(s);
}

/* The port unreachable a peer sends about `sent` (our frame). */
static size_t unreach_about(uint8_t *pkt, size_t cap, const uint8_t *sent, size_t sent_len,
                            uint8_t type, uint8_t code)
{
    /* the header + 8 bytes and a little */
    return ifx_icmp4_error(PEER, US, type, code, 0, sent, sent_len < 28 + 8 ? sent_len : 28 + 8,
                           pkt, cap);
}

static void test_port_unreachable_received(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    sk_stack *s = make(&cfg);
    sk_sock c, u;
    SK_CHECK_EQ_I(sk_udp_open(s, &c), 0);
    SK_CHECK_EQ_I(sk_udp_open(s, &u), 0);
    sk_endpoint r = ufx_ep(PEER, 9999);
    SK_CHECK_EQ_I(sk_udp_connect(s, c, &r), 0);
    SK_CHECK_EQ_I(sk_udp_send(s, 0, c, "ping", 4), 4);
    SK_CHECK_EQ_I(sk_udp_sendto(s, 0, u, "ping", 4, &r), 4);
    uint8_t f1[2048], f2[2048], pkt[256], buf[16];
    size_t n1 = sk_stack_output(s, 0, f1, sizeof f1);
    size_t n2 = sk_stack_output(s, 0, f2, sizeof f2);
    SK_CHECK(n1 == 32 && n2 == 32);
    /* a soft error (host unreachable) is counted, not reported */
    size_t n = unreach_about(pkt, sizeof pkt, f1, n1, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_HOST);
    ufx_inject(s, 1, pkt, n);
    SK_CHECK_EQ(sk_stack_stats(s)->drop[SK_DROP_UDP_ICMP_SOFT], 1);
    SK_CHECK(!(sk_sock_events(s, c) & SK_EV_ERROR));
    /* the port unreachable about each */
    n = unreach_about(pkt, sizeof pkt, f1, n1, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT);
    ufx_inject(s, 2, pkt, n);
    n = unreach_about(pkt, sizeof pkt, f2, n2, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT);
    ufx_inject(s, 2, pkt, n);
    SK_CHECK_EQ(sk_stack_stats(s)->drop[SK_DROP_ICMP_NO_CONN], 1); /* the unconnected one */
    SK_CHECK(sk_sock_events(s, c) & SK_EV_ERROR);
    SK_CHECK(!(sk_sock_events(s, u) & SK_EV_ERROR));
    sk_udp_info info;
    SK_CHECK_EQ_I(sk_udp_get_info(s, c, &info), 0);
    SK_CHECK_EQ_I(info.error, SK_ECONNREFUSED);
    /* reported once, by whichever call comes first */
    SK_CHECK_EQ_I(sk_udp_recv(s, 3, c, buf, sizeof buf), SK_ECONNREFUSED);
    SK_CHECK_EQ_I(sk_udp_recv(s, 3, c, buf, sizeof buf), SK_EAGAIN);
    SK_CHECK_EQ_I(sk_udp_send(s, 3, c, "again", 5), 5);
    SK_CHECK_EQ_I(sk_udp_sendto(s, 3, u, "again", 5, &r), 5);
    n = unreach_about(pkt, sizeof pkt, f1, n1, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT);
    ufx_inject(s, 4, pkt, n);
    SK_CHECK_EQ_I(sk_udp_send(s, 4, c, "x", 1), SK_ECONNREFUSED);
    SK_CHECK_EQ_I(sk_udp_send(s, 4, c, "x", 1), 1);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_port_unreachable_sent);
    SK_RUN(test_no_unreachable_for_broadcast);
    SK_RUN(test_unreachable_rate_limited);
    SK_RUN(test_port_unreachable_received);
    return sk_test_finish();
}
