/* iface/icmp: the ping API, echo replies, our own ICMP errors (RFC 1122
 * §3.2.2) and their token bucket, and the bounded ICMP queues. The stack
 * runs on a raw IP link at 10.0.0.2/24; the peer is 10.0.0.1. */
#include "base/bytes.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#include <string.h>

#define MS(n) ((sk_time_us)(n) * 1000u)

static const sk_ip4 US = {{10, 0, 0, 2}};
static const sk_ip4 PEER = {{10, 0, 0, 1}};

static void ip_config(sk_stack_config *cfg)
{
    ifx_ip_config(cfg, US);
    cfg->seed = 1;
}

/* An IPv4 packet from src to dst with `proto` and payload. */
static size_t ip_pkt(uint8_t *buf, sk_ip4 src, sk_ip4 dst, uint8_t proto, const uint8_t *pay,
                     size_t n)
{
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.id = 0x4242;
    ip.ttl = 63;
    ip.proto = proto;
    ip.src = src;
    ip.dst = dst;
    return ifx_ip_wrap(&ip, pay, n, buf, 20 + n);
}

static size_t icmp_pkt(uint8_t *buf, sk_ip4 dst, uint8_t type, uint16_t id, uint16_t seq,
                       const void *data, size_t n)
{
    uint8_t msg[1500];
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.echo_id = id;
    m.echo_seq = seq;
    m.data = data;
    m.data_len = n;
    size_t len = sk_icmp4_emit(&m, msg, sizeof msg);
    return ip_pkt(buf, PEER, dst, SK_IPPROTO_ICMP, msg, len);
}

/* sk_ping_send: one echo request with our address, TTL 64, id/seq/data. */
static void test_ping_send_and_reply(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    sk_stack *s = ifx_create(&cfg);
    SK_CHECK_EQ_I(sk_ping_send(s, MS(1), PEER, 0xbeef, 7, "synack!", 7), 0);
    SK_CHECK_EQ(sk_stack_poll_at(s), 0);
    uint8_t out[2048], pkt[256];
    size_t n = sk_stack_output(s, MS(1), out, sizeof out);
    SK_CHECK_EQ(n, 20 + 8 + 7);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(out, n, &ip), 0);
    SK_CHECK(sk_ip4_eq(ip.src, US) && sk_ip4_eq(ip.dst, PEER));
    SK_CHECK_EQ(ip.ttl, 64);
    SK_CHECK_EQ(ip.proto, SK_IPPROTO_ICMP);
    SK_CHECK(!ip.df);
    sk_icmp4_repr m;
    SK_CHECK_EQ_I(sk_icmp4_parse(ip.payload, ip.payload_len, &m), 0);
    SK_CHECK_EQ(m.type, SK_ICMP_ECHO_REQUEST);
    SK_CHECK_EQ(m.echo_id, 0xbeef);
    SK_CHECK_EQ(m.echo_seq, 7);
    SK_CHECK_MEM(m.data, "synack!", 7);
    SK_CHECK_EQ(sk_stack_output(s, MS(1), out, sizeof out), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_echo_requests_out, 1);

    sk_ping_reply r;
    SK_CHECK(!sk_ping_next_reply(s, &r));
    n = icmp_pkt(pkt, US, SK_ICMP_ECHO_REPLY, 0xbeef, 7, "synack!", 7);
    sk_stack_input(s, MS(3), pkt, n);
    SK_CHECK(sk_ping_next_reply(s, &r));
    SK_CHECK(sk_ip4_eq(r.src, PEER));
    SK_CHECK_EQ(r.id, 0xbeef);
    SK_CHECK_EQ(r.seq, 7);
    SK_CHECK_EQ(r.ttl, 63);
    SK_CHECK_EQ(r.len, 7);
    SK_CHECK_EQ(r.at, MS(3));
    SK_CHECK(!sk_ping_next_reply(s, &r));
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_echo_replies_in, 1);
    SK_CHECK_EQ(sk_stack_output(s, MS(3), out, sizeof out), 0); /* replies are not answered */
    sk_stack_destroy(s);
}

/* The reply queue keeps ping_queue_len replies; more are dropped, counted. */
static void test_ping_reply_queue_full(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    cfg.ping_queue_len = 2;
    sk_stack *s = ifx_create(&cfg);
    uint8_t pkt[256];
    for (uint16_t i = 0; i < 3; i++) {
        size_t n = icmp_pkt(pkt, US, SK_ICMP_ECHO_REPLY, 1, i, NULL, 0);
        sk_stack_input(s, 0, pkt, n);
    }
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_PING_QUEUE_FULL), 1);
    sk_ping_reply r;
    SK_CHECK(sk_ping_next_reply(s, &r) && r.seq == 0);
    SK_CHECK(sk_ping_next_reply(s, &r) && r.seq == 1);
    SK_CHECK(!sk_ping_next_reply(s, &r));
    sk_stack_destroy(s);
}

/* The ICMP output queue is bounded: pings get SK_ENOBUFS, echo requests
 * from the network are not answered (ICMP_QUEUE_FULL). */
static void test_icmp_queue_full(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    cfg.icmp_queue_len = 2;
    sk_stack *s = ifx_create(&cfg);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, PEER, 1, 1, NULL, 0), 0);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, PEER, 1, 2, NULL, 0), 0);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, PEER, 1, 3, NULL, 0), SK_ENOBUFS);
    uint8_t pkt[256], out[2048];
    size_t n = icmp_pkt(pkt, US, SK_ICMP_ECHO_REQUEST, 2, 1, "x", 1);
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_QUEUE_FULL), 1);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 28);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 28);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, PEER, 1, 3, NULL, 0), 0);
    SK_CHECK_EQ_I(sk_ping_send(s, 0, sk_ip4_make(224, 0, 0, 1), 1, 3, NULL, 0), SK_EINVAL);
    SK_CHECK_EQ_I(sk_ping_send(NULL, 0, PEER, 1, 3, NULL, 0), SK_EINVAL);
    sk_stack_destroy(s);
}

/* Protocol unreachable for a transport we lack (RFC 1122 §3.2.2.1), exact
 * fields, the original header and data quoted. */
static void test_protocol_unreachable(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    sk_stack *s = ifx_create(&cfg);
    /* SCTP (132): a transport we lack (UDP now has its own module) */
    static const uint8_t sctp[12] = {0x30, 0x39, 0x00, 0x35, 0, 0, 0, 1, 'd', 'n', 's', '?'};
    uint8_t pkt[256], out[2048];
    size_t n = ip_pkt(pkt, PEER, US, 132, sctp, sizeof sctp);
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_UNKNOWN_PROTO), 1);
    size_t m = sk_stack_output(s, 0, out, sizeof out);
    SK_CHECK_EQ(m, 20 + 8 + n);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(out, m, &ip), 0);
    SK_CHECK(sk_ip4_eq(ip.src, US) && sk_ip4_eq(ip.dst, PEER));
    sk_icmp4_repr e;
    SK_CHECK_EQ_I(sk_icmp4_parse(ip.payload, ip.payload_len, &e), 0);
    SK_CHECK_EQ(e.type, SK_ICMP_DEST_UNREACH);
    SK_CHECK_EQ(e.code, SK_ICMP_UNREACH_PROTO);
    SK_CHECK_EQ(e.data_len, n);
    SK_CHECK_MEM(e.data, pkt, n);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_unreach_out, 1);
    sk_stack_destroy(s);
}

/* Token bucket: icmp_error_burst at once, then icmp_error_rate per second. */
static void test_errors_rate_limited(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    cfg.icmp_error_rate = 100; /* one token every 10 ms */
    cfg.icmp_error_burst = 10;
    cfg.icmp_queue_len = 16; /* the queue is not the limit here */
    sk_stack *s = ifx_create(&cfg);
    static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t pkt[256], out[2048];
    size_t n = ip_pkt(pkt, PEER, US, 99, junk, sizeof junk);
    size_t sent = 0;
    for (int i = 0; i < 15; i++)
        sk_stack_input(s, MS(1000), pkt, n);
    while (sk_stack_output(s, MS(1000), out, sizeof out) > 0)
        sent++;
    SK_CHECK_EQ(sent, 10);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_rate_limited, 5);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_UNKNOWN_PROTO), 15); /* each packet counted */
    /* 9.999 ms later: no token yet; at 10 ms: one */
    sk_stack_input(s, MS(1010) - 1, pkt, n);
    SK_CHECK_EQ(sk_stack_output(s, MS(1010) - 1, out, sizeof out), 0);
    sk_stack_input(s, MS(1010), pkt, n);
    SK_CHECK(sk_stack_output(s, MS(1010), out, sizeof out) > 0);
    sk_stack_input(s, MS(1010), pkt, n);
    SK_CHECK_EQ(sk_stack_output(s, MS(1010), out, sizeof out), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_rate_limited, 7);
    /* rate 0: never */
    sk_stack_destroy(s);
    cfg.icmp_error_rate = 0;
    s = ifx_create(&cfg);
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    sk_stack_destroy(s);
}

/* RFC 1122 §3.2.2: no error about a broadcast, an ICMP error, or a
 * datagram whose source is not one host. */
static void test_no_error_cases(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    sk_stack *s = ifx_create(&cfg);
    static const uint8_t junk[8] = {0};
    uint8_t pkt[256], out[2048];
    size_t n = ip_pkt(pkt, PEER, sk_ip4_make(10, 0, 0, 255), 99, junk, sizeof junk);
    sk_stack_input(s, 0, pkt, n); /* subnet broadcast */
    n = ip_pkt(pkt, PEER, sk_ip4_make(255, 255, 255, 255), 99, junk, sizeof junk);
    sk_stack_input(s, 0, pkt, n); /* limited broadcast */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_UNKNOWN_PROTO), 2);
    n = ip_pkt(pkt, sk_ip4_make(0, 0, 0, 0), US, 99, junk, sizeof junk);
    sk_stack_input(s, 0, pkt, n);
    n = ip_pkt(pkt, sk_ip4_make(224, 0, 0, 5), US, 99, junk, sizeof junk);
    sk_stack_input(s, 0, pkt, n);
    n = ip_pkt(pkt, US, US, 99, junk, sizeof junk);
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP_BAD_SRC), 3);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    /* an ICMP error to us about nothing of ours: dropped, never answered */
    uint8_t quote[28];
    ip_pkt(quote, sk_ip4_make(10, 0, 0, 9), PEER, 99, junk, sizeof junk);
    uint8_t msg[64];
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP_DEST_UNREACH;
    m.code = 1;
    m.data = quote;
    m.data_len = sizeof quote;
    size_t ml = sk_icmp4_emit(&m, msg, sizeof msg);
    n = ip_pkt(pkt, PEER, US, SK_IPPROTO_ICMP, msg, ml);
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_BAD_QUOTE), 1);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    /* ICMP types we do not handle */
    n = icmp_pkt(pkt, US, 13 /* timestamp */, 1, 1, "12345678901", 12);
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_UNHANDLED), 1);
    n = icmp_pkt(pkt, US, SK_ICMP_ECHO_REQUEST, 1, 1, NULL, 0);
    pkt[n - 1] ^= 1;
    sk_stack_input(s, 0, pkt, n);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ICMP_CHECKSUM), 1);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->icmp_unreach_out, 0);
    sk_stack_destroy(s);
}

/* An echo request on the raw IP link is answered (ping over TUN). */
static void test_echo_on_ip_link(void)
{
    sk_stack_config cfg;
    ip_config(&cfg);
    sk_stack *s = ifx_create(&cfg);
    uint8_t pkt[256], out[2048];
    size_t n = icmp_pkt(pkt, US, SK_ICMP_ECHO_REQUEST, 0x77, 3, "abcdef", 6);
    sk_stack_input(s, 0, pkt, n);
    size_t m = sk_stack_output(s, 0, out, sizeof out);
    SK_CHECK_EQ(m, n);
    SK_CHECK_EQ(out[20], SK_ICMP_ECHO_REPLY);
    SK_CHECK_MEM(out + 24, pkt + 24, n - 24); /* id, seq, data */
    SK_CHECK(sk_ip4_eq(*(const sk_ip4 *)(const void *)(out + 16), PEER));
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_ping_send_and_reply);
    SK_RUN(test_ping_reply_queue_full);
    SK_RUN(test_icmp_queue_full);
    SK_RUN(test_protocol_unreachable);
    SK_RUN(test_errors_rate_limited);
    SK_RUN(test_no_error_cases);
    SK_RUN(test_echo_on_ip_link);
    return sk_test_finish();
}
