/* iface: the Ethernet link and ARP (RFC 826), ping over Ethernet.
 *
 * The stack plays 192.0.2.2 with the MAC 86:69:1a:88:d5:ce, the Linux host
 * "vb" of the captures in tests/unit/test_wire_{arp,eth,icmp4}.c (two
 * namespaces on a veth pair, `ping -c 1 192.0.2.2` from 192.0.2.1), so its
 * answers can be compared byte for byte with what Linux sent. */
#include "base/bytes.h"
#include "golden_ip.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#include <string.h>

#define MS(n) ((sk_time_us)(n) * 1000u)
#define SEC(n) ((sk_time_us)(n) * 1000000u)

static const sk_mac MAC_A = {{0xbe, 0xd0, 0x31, 0xd3, 0x91, 0x62}}; /* 192.0.2.1 */
static const sk_mac MAC_B = {{0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce}}; /* us */
static const sk_ip4 IP_A = {{192, 0, 2, 1}};
static const sk_ip4 IP_B = {{192, 0, 2, 2}};

static void eth_config(sk_stack_config *cfg)
{
    /* the first IPv4 id is 0x23ee, as in Linux's reply */
    ifx_eth_config(cfg, IP_B, MAC_B, (uint64_t)0x23ee << 48);
    cfg->prefix_len = 24;
}

/* A stack whose gratuitous ARP has been sent. */
static sk_stack *make_started(sk_stack_config *cfg)
{
    sk_stack *s = ifx_create(cfg);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 42);
    return s;
}

static size_t out1(sk_stack *s, sk_time_us now, uint8_t *out)
{
    return sk_stack_output(s, now, out, 2048);
}

/* Check an ARP frame field by field. */
static void check_arp(const uint8_t *f, size_t n, uint16_t op, sk_mac eth_dst, sk_mac tha,
                      sk_ip4 tpa)
{
    SK_CHECK_EQ(n, 42);
    sk_eth_repr eth;
    SK_CHECK_EQ_I(sk_eth_parse(f, n, &eth), 0);
    SK_CHECK(sk_mac_eq(eth.dst, eth_dst));
    SK_CHECK(sk_mac_eq(eth.src, MAC_B));
    SK_CHECK_EQ(eth.ethertype, SK_ETHERTYPE_ARP);
    sk_arp_repr a;
    SK_CHECK_EQ_I(sk_arp_parse(eth.payload, eth.payload_len, &a), 0);
    SK_CHECK_EQ(a.op, op);
    SK_CHECK(sk_mac_eq(a.sha, MAC_B) && sk_ip4_eq(a.spa, IP_B));
    SK_CHECK(sk_mac_eq(a.tha, tha) && sk_ip4_eq(a.tpa, tpa));
}

/* An ARP packet from `mac`/`ip` to us. */
static void arp_in(sk_stack *s, sk_time_us now, uint16_t op, sk_mac mac, sk_ip4 ip, sk_ip4 tpa)
{
    uint8_t f[42];
    sk_eth_repr eth = {op == SK_ARP_REQUEST ? sk_mac_broadcast : MAC_B, mac, SK_ETHERTYPE_ARP,
                       NULL, 0};
    sk_eth_emit(&eth, f, sizeof f);
    sk_arp_repr a = {op, mac, ip, op == SK_ARP_REQUEST ? (sk_mac){{0}} : MAC_B, tpa};
    sk_arp_emit(&a, f + 14, 28);
    sk_stack_input(s, now, f, sizeof f);
}

/* ---- tests ---- */

static void test_gratuitous_arp_at_start(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = ifx_create(&cfg);
    SK_CHECK_EQ(sk_stack_poll_at(s), 0);
    uint8_t out[2048];
    size_t n = out1(s, 0, out);
    static const uint8_t want[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce,
        0xc0, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
    };
    SK_CHECK_EQ(n, 42);
    SK_CHECK_MEM(out, want, 42);
    SK_CHECK_EQ(out1(s, 0, out), 0); /* once */
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_requests_out, 1);
    SK_CHECK_EQ(sk_stack_stats(s)->frames_out, 1);
    sk_stack_destroy(s);
}

/* Linux's request for our address gets Linux's reply, byte for byte. */
static void test_arp_request_reply(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    sk_stack_input(s, MS(1), arp_request, sizeof arp_request);
    SK_CHECK_EQ(sk_stack_poll_at(s), 0);
    uint8_t out[2048];
    size_t n = out1(s, MS(1), out);
    SK_CHECK_EQ(n, sizeof arp_reply);
    SK_CHECK_MEM(out, arp_reply, sizeof arp_reply);
    SK_CHECK_EQ(out1(s, MS(1), out), 0);
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->arp_requests_in, 1);
    SK_CHECK_EQ(st->arp_replies_out, 1);
    SK_CHECK_EQ(st->drops, 0);
    sk_stack_destroy(s);
}

/* After the ARP exchange, Linux's ping gets Linux's echo reply byte for
 * byte (the sender was learned from its request: no ARP of our own). */
static void test_ping_echo_reply_golden(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    sk_stack_input(s, MS(1), arp_request, sizeof arp_request);
    SK_CHECK_EQ(out1(s, MS(1), out), 42);
    sk_stack_input(s, MS(2), echo_request, sizeof echo_request);
    size_t n = out1(s, MS(2), out);
    SK_CHECK_EQ(n, sizeof echo_reply);
    SK_CHECK_MEM(out, echo_reply, sizeof echo_reply);
    SK_CHECK_EQ(out1(s, MS(2), out), 0);
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->icmp_in, 1);
    SK_CHECK_EQ(st->icmp_echo_requests_in, 1);
    SK_CHECK_EQ(st->icmp_echo_replies_out, 1);
    SK_CHECK_EQ(st->icmp_out, 1);
    sk_stack_destroy(s);
}

/* Echo requests to the limited or subnet broadcast: ignored by default,
 * answered from our unicast address when enabled. */
static void test_ping_broadcast(void)
{
    uint8_t req[98], out[2048];
    static const sk_ip4 dsts[2] = {{{255, 255, 255, 255}}, {{192, 0, 2, 255}}};
    for (int on = 0; on <= 1; on++) {
        for (int d = 0; d < 2; d++) {
            sk_stack_config cfg;
            eth_config(&cfg);
            cfg.icmp_echo_broadcast = on != 0;
            sk_stack *s = make_started(&cfg);
            sk_stack_input(s, MS(1), arp_request, sizeof arp_request);
            SK_CHECK_EQ(out1(s, MS(1), out), 42);
            memcpy(req, echo_request, sizeof req);
            memcpy(req, sk_mac_broadcast.b, 6);
            sk_ip4_repr ip;
            SK_CHECK_EQ_I(sk_ip4_parse(req + 14, 84, &ip), 0);
            ip.dst = dsts[d];
            sk_ip4_emit(&ip, req + 14, 20);
            sk_stack_input(s, MS(2), req, sizeof req);
            size_t n = out1(s, MS(2), out);
            if (!on) {
                SK_CHECK_EQ(n, 0);
                SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_BROADCAST), 1);
            } else {
                SK_CHECK_EQ(n, 98);
                SK_CHECK(sk_mac_eq(*(const sk_mac *)(const void *)out, MAC_A));
                SK_CHECK_EQ_I(sk_ip4_parse(out + 14, n - 14, &ip), 0);
                SK_CHECK(sk_ip4_eq(ip.src, IP_B) && sk_ip4_eq(ip.dst, IP_A));
                SK_CHECK_MEM(out + 34 + 4, echo_request + 34 + 4, 60); /* id, seq, data */
            }
            sk_stack_destroy(s);
        }
    }
}

/* Resolution: the ping waits while we ask, 1 s apart, 3 times; one second
 * after the third request the packet is dropped and counted, nothing else
 * is sent, and the stack goes quiet. */
static void test_resolution_gives_up(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    static const sk_mac zero = {{0}};
    SK_CHECK_EQ_I(sk_ping_send(s, MS(10), IP_A, 1, 1, "hi", 2), 0);
    for (int i = 0; i < 3; i++) {
        sk_time_us t = MS(10) + SEC(i);
        size_t n = out1(s, t, out);
        check_arp(out, n, SK_ARP_REQUEST, sk_mac_broadcast, zero, IP_A);
        SK_CHECK_EQ(out1(s, t, out), 0);
        SK_CHECK_EQ(sk_stack_poll_at(s), t + SEC(1));
        SK_CHECK_EQ(out1(s, t + SEC(1) - 1, out), 0);
    }
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_UNRESOLVED), 0);
    SK_CHECK_EQ(out1(s, MS(10) + SEC(3), out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_UNRESOLVED), 1);
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_requests_out, 4); /* with the gratuitous one */
    sk_stack_destroy(s);
}

/* A connect to a neighbour that never answers ARP fails with
 * SK_EHOSTUNREACH when resolution gives up (as Linux reports it), not with
 * a timeout after all the SYN retries. */
static void test_connect_unresolved_host(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    sk_endpoint ep = {sk_ipaddr_from_ip4(IP_A), 80};
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_connect(s, MS(10), &ep, NULL, &c), 0);
    for (int i = 0; i < 3; i++) {
        sk_time_us t = MS(10) + SEC(i);
        check_arp(out, out1(s, t, out), SK_ARP_REQUEST, sk_mac_broadcast, (sk_mac){{0}}, IP_A);
        SK_CHECK_EQ(out1(s, t, out), 0);
    }
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, c, &in), 0);
    SK_CHECK_EQ(in.state, SK_TCP_SYN_SENT);
    SK_CHECK_EQ(out1(s, MS(10) + SEC(3), out), 0);
    SK_CHECK_EQ_I(sk_tcp_get_info(s, c, &in), 0);
    SK_CHECK_EQ(in.state, SK_TCP_CLOSED);
    SK_CHECK_EQ_I(in.error, SK_EHOSTUNREACH);
    SK_CHECK(sk_sock_events(s, c) & SK_EV_ERROR);
    uint8_t b[4];
    SK_CHECK_EQ_I(sk_tcp_recv(s, MS(10) + SEC(3), c, b, sizeof b), SK_EHOSTUNREACH);
    /* the held SYN and its retransmission one RTO (1 s) later */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_UNRESOLVED), 2);
    SK_CHECK_EQ_I(sk_tcp_close(s, MS(10) + SEC(3), c), 0);
    sk_stack_destroy(s);
}

/* Resolution succeeds: the held packets go out in order to the learned MAC. */
static void test_resolution_releases_held(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 9, 1, "a", 1), 0);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 9, 2, "b", 1), 0);
    SK_CHECK_EQ(out1(s, 0, out), 42); /* one request for both */
    SK_CHECK_EQ(out1(s, 0, out), 0);
    arp_in(s, MS(5), SK_ARP_REPLY, MAC_A, IP_A, IP_B);
    SK_CHECK_EQ(sk_stack_poll_at(s), 0);
    for (uint16_t seq = 1; seq <= 2; seq++) {
        size_t n = out1(s, MS(5), out);
        SK_CHECK_EQ(n, 14 + 20 + 9);
        SK_CHECK(sk_mac_eq(*(const sk_mac *)(const void *)out, MAC_A));
        SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_IPV4);
        SK_CHECK_EQ(out[34], SK_ICMP_ECHO_REQUEST);
        SK_CHECK_EQ(sk_load_be16(out + 40), seq);
    }
    SK_CHECK_EQ(out1(s, MS(5), out), 0);
    SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER); /* no request pending any more */
    SK_CHECK_EQ(sk_stack_stats(s)->arp_replies_in, 1);
    /* the answer is kept: the next ping goes straight out */
    SK_CHECK_EQ_I(sk_ping_send(s, MS(6), IP_A, 9, 3, "c", 1), 0);
    SK_CHECK_EQ(out1(s, MS(6), out), 43);
    sk_stack_destroy(s);
}

/* The held-packet queue is bounded: a full queue drops one packet (counted). */
static void test_held_queue_full(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    cfg.arp_queue_len = 2;
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    for (uint16_t i = 0; i < 3; i++)
        SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 9, i, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, 0, out), 42);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_QUEUE_FULL), 1);
    arp_in(s, MS(1), SK_ARP_REPLY, MAC_A, IP_A, IP_B);
    SK_CHECK_EQ(out1(s, MS(1), out), 42);
    SK_CHECK_EQ(out1(s, MS(1), out), 42);
    SK_CHECK_EQ(out1(s, MS(1), out), 0);
    sk_stack_destroy(s);
}

/* A learned entry is used for arp_timeout_us (60 s), then asked again. */
static void test_cache_expiry(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    sk_stack_input(s, 0, arp_request, sizeof arp_request); /* learns 192.0.2.1 */
    SK_CHECK_EQ(out1(s, 0, out), 42);
    SK_CHECK_EQ_I(sk_ping_send(s, SEC(60) - 1, IP_A, 1, 1, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, SEC(60) - 1, out), 42); /* 14 + 20 + 8: the echo itself */
    SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_IPV4);
    SK_CHECK_EQ_I(sk_ping_send(s, SEC(60), IP_A, 1, 2, NULL, 0), 0);
    size_t n = out1(s, SEC(60), out);
    static const sk_mac zero = {{0}};
    check_arp(out, n, SK_ARP_REQUEST, sk_mac_broadcast, zero, IP_A);
    sk_stack_destroy(s);
}

/* A full cache: a neighbour that tells us takes the least recently used
 * resolved entry; a next hop to be asked for takes it too while no entry is
 * being resolved, but past arp_unresolved_max (here 1, half the table) only
 * the oldest unresolved entry, whose held packet is dropped (ARP_EVICTED):
 * the resolved neighbour in use keeps its entry. */
static void test_cache_full(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    cfg.arp_cache_size = 2;
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    static const sk_mac mac_c = {{2, 0, 0, 0, 0, 3}}, mac_d = {{2, 0, 0, 0, 0, 4}};
    static const sk_ip4 ip_c = {{192, 0, 2, 3}}, ip_d = {{192, 0, 2, 4}};
    arp_in(s, 0, SK_ARP_REQUEST, MAC_A, IP_A, IP_B);
    arp_in(s, SEC(1), SK_ARP_REQUEST, mac_c, ip_c, IP_B);
    arp_in(s, SEC(2), SK_ARP_REQUEST, mac_d, ip_d, IP_B); /* evicts 192.0.2.1, the LRU */
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_resolved, 1);
    while (out1(s, SEC(2), out) > 0) {
    }
    SK_CHECK_EQ_I(sk_ping_send(s, SEC(3), ip_c, 1, 1, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, SEC(3), out), 42); /* the echo: .3 still known, and now used */
    SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_IPV4);
    SK_CHECK_EQ_I(sk_ping_send(s, SEC(3), IP_A, 1, 2, NULL, 0), 0);
    size_t n = out1(s, SEC(3), out); /* .1 was evicted: asked again, evicting .4 (LRU) */
    static const sk_mac zero = {{0}};
    check_arp(out, n, SK_ARP_REQUEST, sk_mac_broadcast, zero, IP_A);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_resolved, 2);
    /* .1 is being resolved; a second unresolved next hop takes its entry,
     * not .3's */
    static const sk_ip4 ip_e = {{192, 0, 2, 5}};
    SK_CHECK_EQ_I(sk_ping_send(s, SEC(3), ip_e, 1, 3, NULL, 0), 0);
    n = out1(s, SEC(3), out);
    check_arp(out, n, SK_ARP_REQUEST, sk_mac_broadcast, zero, ip_e);
    SK_CHECK_EQ(sk_stack_stats(s)->arp_evict_unresolved, 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_EVICTED), 1); /* the ping to .1 */
    SK_CHECK_EQ_I(sk_ping_send(s, SEC(3), ip_c, 1, 4, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, SEC(3), out), 42); /* .3 still goes straight out */
    SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_IPV4);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_CACHE_FULL), 0);
    sk_stack_destroy(s);
}

/* RFC 826 merge: a request for someone else refreshes a known sender but
 * creates no entry and gets no answer. */
static void test_arp_not_for_us(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    static const sk_ip4 other = {{192, 0, 2, 9}};
    arp_in(s, 0, SK_ARP_REQUEST, MAC_A, IP_A, other);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_NOT_FOR_US), 1);
    /* not learned: a ping to .1 must ask */
    SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 1, 1, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, 0, out), 42);
    SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_ARP);
    /* while resolving, .1's own request for .9 answers our question (merge) */
    arp_in(s, MS(1), SK_ARP_REQUEST, MAC_A, IP_A, other);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_NOT_FOR_US), 2);
    SK_CHECK_EQ(out1(s, MS(1), out), 42); /* the held echo request */
    SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_IPV4);
    SK_CHECK(sk_mac_eq(*(const sk_mac *)(const void *)out, MAC_A));
    sk_stack_destroy(s);
}

/* Senders that cannot be right; frames not for us; unknown ethertypes. */
static void test_link_drops(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048], f[98];
    arp_in(s, 0, SK_ARP_REQUEST, MAC_A, IP_B, IP_B); /* claims our address */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_BAD_SENDER), 1);
    arp_in(s, 0, SK_ARP_REQUEST, sk_mac_broadcast, IP_A, IP_B);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_BAD_SENDER), 2);
    memcpy(f, echo_request, sizeof f);
    f[5] ^= 1; /* another MAC */
    sk_stack_input(s, 0, f, sizeof f);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ETH_NOT_FOR_US), 1);
    memcpy(f, echo_request, sizeof f);
    sk_store_be16(f + 12, 0x88b5); /* IEEE 802 local experimental */
    sk_stack_input(s, 0, f, sizeof f);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ETH_UNKNOWN_TYPE), 1);
    sk_stack_input(s, 0, f, 13);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ETH_TRUNCATED), 1);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->drops, 5);
    sk_stack_destroy(s);
}

/* A request from a probing host (sender 0.0.0.0, RFC 5227) is answered and
 * not learned. */
static void test_arp_probe(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    static const sk_ip4 zero_ip = {{0, 0, 0, 0}};
    arp_in(s, 0, SK_ARP_REQUEST, MAC_A, zero_ip, IP_B);
    size_t n = out1(s, 0, out);
    check_arp(out, n, SK_ARP_REPLY, MAC_A, MAC_A, zero_ip);
    SK_CHECK_EQ(sk_stack_stats(s)->drops, 0);
    sk_stack_destroy(s);
}

/* Configuration: Ethernet needs a unicast MAC and a cache; off-link pings
 * need a gateway; the gateway is resolved for off-link destinations. */
static void test_config_and_routes(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = NULL;
    cfg.mac = sk_mac_broadcast;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    eth_config(&cfg);
    cfg.arp_cache_size = 0;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    eth_config(&cfg);
    s = make_started(&cfg);
    static const sk_ip4 far = {{198, 51, 100, 7}};
    SK_CHECK_EQ_I(sk_ping_send(s, 0, far, 1, 1, NULL, 0), SK_EHOSTUNREACH);
    static const uint8_t big[1473];
    SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 1, 1, big, 1473), SK_EMSGSIZE);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 1, 1, NULL, 1), SK_EINVAL);
    sk_stack_destroy(s);
    eth_config(&cfg);
    cfg.gateway = IP_A;
    s = make_started(&cfg);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, far, 1, 1, NULL, 0), 0);
    uint8_t out[2048];
    size_t n = out1(s, 0, out);
    static const sk_mac zero = {{0}};
    check_arp(out, n, SK_ARP_REQUEST, sk_mac_broadcast, zero, IP_A); /* the gateway */
    arp_in(s, MS(1), SK_ARP_REPLY, MAC_A, IP_A, IP_B);
    n = out1(s, MS(1), out);
    SK_CHECK_EQ(n, 42);
    SK_CHECK(sk_mac_eq(*(const sk_mac *)(const void *)out, MAC_A));
    SK_CHECK_MEM(out + 30, far.b, 4); /* IPv4 destination unchanged */
    sk_stack_destroy(s);
}

/* The configuration's address list (stack.h): addrs/routes instead of the
 * IPv4 shorthand. The shorthand and the list it stands for give the same
 * frames; giving both, two IPv4 addresses, a route whose gateway is off our
 * link or of the other family, or a prefix beyond the family's bits is
 * SK_EINVAL; an IPv6 address is kept (not used yet). */
static void list_config(sk_stack_config *cfg)
{
    eth_config(cfg);
    cfg->addr = sk_ip4_make(0, 0, 0, 0);
    cfg->n_addrs = 1;
    cfg->addrs[0].addr = sk_ipaddr_from_ip4(IP_B);
    cfg->addrs[0].prefix_len = 24;
    cfg->n_routes = 1;
    cfg->routes[0].dst = sk_ipaddr_from_ip4(sk_ip4_make(0, 0, 0, 0));
    cfg->routes[0].prefix_len = 0;
    cfg->routes[0].gateway = sk_ipaddr_from_ip4(IP_A);
}

static void test_config_address_list(void)
{
    static const sk_ip4 far = {{198, 51, 100, 7}};
    sk_stack_config a, b;
    eth_config(&a);
    a.gateway = IP_A;
    list_config(&b);
    sk_stack *sa = make_started(&a), *sb = make_started(&b);
    SK_CHECK_EQ_I(sk_ping_send(sa, 0, far, 1, 1, "x", 1), 0);
    SK_CHECK_EQ_I(sk_ping_send(sb, 0, far, 1, 1, "x", 1), 0);
    uint8_t fa[2048], fb[2048];
    size_t na = out1(sa, 0, fa), nb = out1(sb, 0, fb);
    SK_CHECK_EQ(na, 42);
    SK_CHECK_EQ(nb, na);
    SK_CHECK_MEM(fb, fa, na);
    static const sk_mac zero = {{0}};
    check_arp(fb, nb, SK_ARP_REQUEST, sk_mac_broadcast, zero, IP_A);
    sk_stack_destroy(sa);
    sk_stack_destroy(sb);

    sk_stack *s = NULL;
    list_config(&b);
    b.addr = IP_B; /* both forms */
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    list_config(&b);
    b.gateway = IP_A;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    list_config(&b);
    b.n_addrs = 2; /* a second IPv4 address */
    b.addrs[1].addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 3));
    b.addrs[1].prefix_len = 24;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    list_config(&b);
    b.routes[0].gateway = sk_ipaddr_from_ip4(sk_ip4_make(203, 0, 113, 1)); /* off-link */
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    list_config(&b);
    b.routes[0].prefix_len = 33;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    list_config(&b);
    b.n_addrs = SK_CFG_ADDRS + 1;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    /* an IPv6 address with the IPv4 one; its prefix at most 128 */
    list_config(&b);
    b.n_addrs = 2;
    memset(&b.addrs[1], 0, sizeof b.addrs[1]);
    b.addrs[1].addr.family = SK_AF_INET6;
    b.addrs[1].addr.b[0] = 0x20;
    b.addrs[1].addr.b[1] = 0x01;
    b.addrs[1].addr.b[2] = 0x0d;
    b.addrs[1].addr.b[3] = 0xb8;
    b.addrs[1].addr.b[15] = 1;
    b.addrs[1].prefix_len = 129;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    b.addrs[1].prefix_len = 64;
    b.routes[1].dst = b.addrs[1].addr; /* an IPv6 route through an IPv4 gateway */
    b.routes[1].prefix_len = 0;
    b.routes[1].gateway = sk_ipaddr_from_ip4(IP_A);
    b.n_routes = 2;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), SK_EINVAL);
    b.n_routes = 1;
    SK_CHECK_EQ_I(sk_stack_create(&b, &s), 0);
    sk_stack_destroy(s);
}

/* RFC 1122 §3.3.1: the longest matching route's gateway is the next hop;
 * the default route takes the rest; on-link destinations need none. */
static void test_routes_longest_prefix(void)
{
    static const sk_ip4 gw2 = {{192, 0, 2, 9}};
    static const sk_ip4 in_net = {{198, 51, 100, 7}}, elsewhere = {{203, 0, 113, 5}};
    static const sk_mac zero = {{0}};
    sk_stack_config cfg;
    list_config(&cfg);
    cfg.n_routes = 2;
    cfg.routes[1].dst = sk_ipaddr_from_ip4(sk_ip4_make(198, 51, 100, 0));
    cfg.routes[1].prefix_len = 24;
    cfg.routes[1].gateway = sk_ipaddr_from_ip4(gw2);
    sk_stack *s = make_started(&cfg);
    uint8_t out[2048];
    SK_CHECK_EQ_I(sk_ping_send(s, 0, in_net, 1, 1, NULL, 0), 0);
    check_arp(out, out1(s, 0, out), SK_ARP_REQUEST, sk_mac_broadcast, zero, gw2);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, elsewhere, 1, 2, NULL, 0), 0);
    check_arp(out, out1(s, 0, out), SK_ARP_REQUEST, sk_mac_broadcast, zero, IP_A);
    sk_stack_destroy(s);
    /* without the default route, only the /24 is reachable off the link */
    cfg.routes[0] = cfg.routes[1];
    cfg.n_routes = 1;
    s = make_started(&cfg);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, elsewhere, 1, 2, NULL, 0), SK_EHOSTUNREACH);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, in_net, 1, 1, NULL, 0), 0);
    sk_stack_destroy(s);
}

/* Echo sequence numbers of the held pings that go out now, in order. */
static size_t released_seqs(sk_stack *s, sk_time_us now, uint16_t *seqs, size_t max)
{
    uint8_t out[2048];
    size_t k = 0, n;
    while ((n = out1(s, now, out)) > 0 && k < max) {
        SK_CHECK_EQ(sk_load_be16(out + 12), SK_ETHERTYPE_IPV4);
        seqs[k++] = sk_load_be16(out + 40);
    }
    return k;
}

/* RFC 1122 §2.3.2.2: the link layer SHOULD save "at least one (the latest)
 * packet of each set of packets destined to the same unresolved IP
 * address". A full queue gives up the oldest packet of a next hop that
 * holds several, so the newest of each next hop is kept. */
static void test_held_queue_keeps_latest(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    cfg.arp_queue_len = 2;
    sk_stack *s = make_started(&cfg);
    static const sk_ip4 IP_C = {{192, 0, 2, 3}};
    static const sk_mac MAC_C = {{0x02, 0, 0, 0, 0, 3}};
    uint8_t out[2048];
    uint16_t seqs[4];
    for (uint16_t i = 0; i < 3; i++)
        SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_A, 9, i, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, 0, out), 42);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_QUEUE_FULL), 1);
    /* a second next hop gets its packet in: A's oldest (seq 1) gives way */
    SK_CHECK_EQ_I(sk_ping_send(s, 0, IP_C, 9, 7, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, 0, out), 42);
    SK_CHECK_EQ(out1(s, 0, out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_QUEUE_FULL), 2);
    /* each now holds one: a third next hop's packet is the one refused */
    SK_CHECK_EQ_I(sk_ping_send(s, 0, sk_ip4_make(192, 0, 2, 4), 9, 8, NULL, 0), 0);
    SK_CHECK_EQ(out1(s, 0, out), 42); /* its request still goes */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ARP_QUEUE_FULL), 3);
    arp_in(s, MS(1), SK_ARP_REPLY, MAC_A, IP_A, IP_B);
    SK_CHECK_EQ(released_seqs(s, MS(1), seqs, 4), 1);
    SK_CHECK_EQ(seqs[0], 2); /* the latest to A */
    arp_in(s, MS(2), SK_ARP_REPLY, MAC_C, IP_C, IP_B);
    SK_CHECK_EQ(released_seqs(s, MS(2), seqs, 4), 1);
    SK_CHECK_EQ(seqs[0], 7);
    sk_stack_destroy(s);
}

/* RFC 1122 §3.2.2 (and §3.3.6): no ICMP error about a datagram that came
 * as a link-layer broadcast, even one carrying our unicast address; the
 * same datagram in a unicast frame gets protocol unreachable. */
static void test_no_error_for_link_broadcast(void)
{
    sk_stack_config cfg;
    eth_config(&cfg);
    sk_stack *s = make_started(&cfg);
    arp_in(s, 0, SK_ARP_REPLY, MAC_A, IP_A, IP_B); /* A is resolved */
    static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = 99;
    ip.src = IP_A;
    ip.dst = IP_B;
    uint8_t f[128], out[2048];
    size_t n = ifx_ip_wrap(&ip, junk, sizeof junk, f + 14, sizeof f - 14);
    sk_eth_repr eth = {sk_mac_broadcast, MAC_A, SK_ETHERTYPE_IPV4, NULL, 0};
    sk_eth_emit(&eth, f, 14);
    sk_stack_input(s, MS(1), f, 14 + n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_UNKNOWN_PROTO), 1);
    SK_CHECK_EQ(out1(s, MS(1), out), 0);
    eth.dst = MAC_B;
    sk_eth_emit(&eth, f, 14);
    sk_stack_input(s, MS(2), f, 14 + n);
    n = out1(s, MS(2), out);
    SK_CHECK_EQ(n, 14 + 20 + 8 + 20 + 8);
    SK_CHECK_EQ(out[34], SK_ICMP_DEST_UNREACH);
    SK_CHECK_EQ(out[35], SK_ICMP_UNREACH_PROTO);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_gratuitous_arp_at_start);
    SK_RUN(test_arp_request_reply);
    SK_RUN(test_ping_echo_reply_golden);
    SK_RUN(test_ping_broadcast);
    SK_RUN(test_resolution_gives_up);
    SK_RUN(test_connect_unresolved_host);
    SK_RUN(test_resolution_releases_held);
    SK_RUN(test_held_queue_full);
    SK_RUN(test_held_queue_keeps_latest);
    SK_RUN(test_cache_expiry);
    SK_RUN(test_cache_full);
    SK_RUN(test_arp_not_for_us);
    SK_RUN(test_link_drops);
    SK_RUN(test_no_error_for_link_broadcast);
    SK_RUN(test_arp_probe);
    SK_RUN(test_config_and_routes);
    SK_RUN(test_config_address_list);
    SK_RUN(test_routes_longest_prefix);
    return sk_test_finish();
}
