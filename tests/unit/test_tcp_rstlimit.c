/* tcp_rstlimit.c: RSTs that answer segments for no connection (closed
 * ports, RFC 9293 §3.10.7.1) pass a token bucket of cfg.tcp_rst_rate per
 * second, cfg.tcp_rst_burst deep, in virtual time; refusals are counted
 * in stats.tcp_rst_rate_limited. RSTs of a connection and RFC 5961
 * challenge ACKs are not limited by it. */
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/ipv4.h"
#include "wire/tcp_hdr.h"

#include <string.h>

#define MS(n) ((sk_time_us)(n) * 1000u)
#define SEC(n) ((sk_time_us)(n) * 1000000u)

static const sk_ip4 US = {{192, 0, 2, 2}};
static const sk_ip4 PEER = {{192, 0, 2, 1}};

/* A SYN from the peer's port `sport` to our closed port 9. */
static void syn_in(sk_stack *s, sk_time_us now, uint16_t sport)
{
    sk_tcp_repr t;
    memset(&t, 0, sizeof t);
    t.src_port = sport;
    t.dst_port = 9;
    t.seq = sk_seq_make(1000);
    t.flags = SK_TCP_SYN;
    t.window = 1000;
    uint8_t seg[20], pkt[64];
    size_t sl = sk_tcp_emit(&t, seg, sizeof seg);
    sk_tcp_fill_checksum4(PEER, US, seg, sl);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = PEER;
    ip.dst = US;
    sk_stack_input(s, now, pkt, ifx_ip_wrap(&ip, seg, sl, pkt, sizeof pkt));
}

/* RSTs sent now (every frame out must be one, to the right port). */
static int rsts_out(sk_stack *s, sk_time_us now)
{
    uint8_t f[2048];
    size_t k;
    int n = 0;
    while ((k = sk_stack_output(s, now, f, sizeof f)) > 0) {
        sk_tcp_repr t;
        SK_CHECK_EQ_I(sk_tcp_parse(f + 20, k - 20, &t), 0);
        SK_CHECK_EQ(t.flags, SK_TCP_RST | SK_TCP_ACK);
        SK_CHECK_EQ(t.src_port, 9);
        n++;
    }
    return n;
}

static sk_stack *make(uint32_t rate, uint32_t burst)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, US);
    cfg.tcp_rst_rate = rate;
    cfg.tcp_rst_burst = burst;
    return ifx_create(&cfg);
}

/* The defaults: 200 at once, then 200 per second (FreeBSD's icmplim). */
static void test_default_200(void)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    SK_CHECK_EQ(cfg.tcp_rst_rate, 200);
    SK_CHECK_EQ(cfg.tcp_rst_burst, 200);
    sk_stack *s = make(cfg.tcp_rst_rate, cfg.tcp_rst_burst);
    int sent = 0;
    for (uint16_t i = 0; i < 300; i++) {
        syn_in(s, MS(1), (uint16_t)(1000 + i));
        sent += rsts_out(s, MS(1)); /* drained at once: the control queue never fills */
    }
    SK_CHECK_EQ(sent, 200);
    SK_CHECK_EQ(sk_stack_stats(s)->tcp_rst_rate_limited, 100);
    SK_CHECK_EQ(sk_stack_stats(s)->drop[SK_DROP_TCP_NO_SOCKET], 300);
    SK_CHECK_EQ(sk_stack_stats(s)->resets_out, 200);
    sk_stack_destroy(s);
}

/* Burst, then one token per 1/rate second: nothing before it is due, one
 * at the instant it is; a long pause refills to the burst, not beyond. */
static void test_burst_then_refill(void)
{
    sk_stack *s = make(100, 5); /* one token every 10 ms */
    int sent = 0;
    for (uint16_t i = 0; i < 8; i++) {
        syn_in(s, SEC(1), (uint16_t)(1000 + i));
        sent += rsts_out(s, SEC(1));
    }
    SK_CHECK_EQ(sent, 5);
    SK_CHECK_EQ(sk_stack_stats(s)->tcp_rst_rate_limited, 3);
    syn_in(s, SEC(1) + MS(10) - 1, 2000);
    SK_CHECK_EQ(rsts_out(s, SEC(1) + MS(10) - 1), 0);
    syn_in(s, SEC(1) + MS(10), 2001);
    SK_CHECK_EQ(rsts_out(s, SEC(1) + MS(10)), 1);
    syn_in(s, SEC(1) + MS(10), 2002);
    SK_CHECK_EQ(rsts_out(s, SEC(1) + MS(10)), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->tcp_rst_rate_limited, 5);
    sent = 0;
    for (uint16_t i = 0; i < 8; i++) {
        syn_in(s, SEC(5), (uint16_t)(3000 + i));
        sent += rsts_out(s, SEC(5));
    }
    SK_CHECK_EQ(sent, 5);
    SK_CHECK_EQ(sk_stack_stats(s)->tcp_rst_rate_limited, 8);
    sk_stack_destroy(s);
}

/* Rate 0: no RST at all for closed ports (a black hole), each counted. */
static void test_rate_zero(void)
{
    sk_stack *s = make(0, 5);
    for (uint16_t i = 0; i < 3; i++)
        syn_in(s, MS(1), (uint16_t)(1000 + i));
    SK_CHECK_EQ(rsts_out(s, MS(1)), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->tcp_rst_rate_limited, 3);
    sk_stack_destroy(s);
}

/* A RST to a closed port is never answered and never takes a token. */
static void test_rst_in_takes_no_token(void)
{
    sk_stack *s = make(100, 1);
    sk_tcp_repr t;
    memset(&t, 0, sizeof t);
    t.src_port = 1000;
    t.dst_port = 9;
    t.seq = sk_seq_make(5);
    t.flags = SK_TCP_RST;
    uint8_t seg[20], pkt[64];
    size_t sl = sk_tcp_emit(&t, seg, sizeof seg);
    sk_tcp_fill_checksum4(PEER, US, seg, sl);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = PEER;
    ip.dst = US;
    size_t n = ifx_ip_wrap(&ip, seg, sl, pkt, sizeof pkt);
    for (int i = 0; i < 3; i++)
        sk_stack_input(s, MS(1), pkt, n);
    SK_CHECK_EQ(rsts_out(s, MS(1)), 0);
    SK_CHECK_EQ(sk_stack_stats(s)->tcp_rst_rate_limited, 0);
    syn_in(s, MS(1), 1001);
    SK_CHECK_EQ(rsts_out(s, MS(1)), 1); /* the one token is still there */
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_default_200);
    SK_RUN(test_burst_then_refill);
    SK_RUN(test_rate_zero);
    SK_RUN(test_rst_in_takes_no_token);
    return sk_test_finish();
}
