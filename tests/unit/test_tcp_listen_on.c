/* A listener bound to one of the stack's addresses (sk_tcp_listen_on, a
 * BSD listener after bind() to a specific address), on a raw IP link with
 * us 10.0.0.2 and 2001:db8::2, the peer 10.0.0.1 and 2001:db8::1: a SYN to
 * the bound address is answered with SYN,ACK; a SYN to our other address
 * finds no listener and is answered with RST,ACK (RFC 9293 §3.10.7.1); an
 * address that is not ours, or port 0, is refused; one listener per port. */
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

#include <string.h>

static sk_ip6 a6(uint8_t last)
{
    sk_ip6 r = {{0x20, 0x01, 0x0d, 0xb8}};
    r.b[15] = last;
    return r;
}

static sk_ipaddr us(bool v6)
{
    return v6 ? sk_ipaddr_from_ip6(a6(2)) : sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
}

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, sk_ip4_make(10, 0, 0, 2));
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6(a6(2));
    cfg.addrs[1].prefix_len = 64;
    cfg.addr = sk_ip4_make(0, 0, 0, 0);
    return ifx_create(&cfg);
}

/* The peer's SYN from port sport to port 80 at our address of a family. */
static void syn(sk_stack *s, bool v6, uint16_t sport)
{
    sk_tcp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = sport;
    h.dst_port = 80;
    h.seq = sk_seq_make(1000);
    h.flags = SK_TCP_SYN;
    h.window = 65535;
    uint8_t seg[64], pkt[256];
    size_t n = sk_tcp_emit(&h, seg, sizeof seg);
    sk_ipaddr src = v6 ? sk_ipaddr_from_ip6(a6(1)) : sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1));
    sk_ipaddr dst = us(v6);
    sk_csum_l4_fill(&src, &dst, SK_IPPROTO_TCP, seg, n, 16);
    size_t len;
    if (v6) {
        sk_ip6_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.payload_len = (uint16_t)n;
        ip.next_header = SK_IPPROTO_TCP;
        ip.hop_limit = 64;
        ip.src = a6(1);
        ip.dst = a6(2);
        sk_ip6_emit(&ip, pkt, SK_IP6_HDR_LEN);
        memcpy(pkt + SK_IP6_HDR_LEN, seg, n);
        len = SK_IP6_HDR_LEN + n;
    } else {
        sk_ip4_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.hdr_len = 20;
        ip.ttl = 64;
        ip.proto = SK_IPPROTO_TCP;
        ip.src = sk_ip4_make(10, 0, 0, 1);
        ip.dst = sk_ip4_make(10, 0, 0, 2);
        len = ifx_ip_wrap(&ip, seg, n, pkt, sizeof pkt);
    }
    sk_stack_input(s, 0, pkt, len);
}

/* The flags of the one TCP segment we send now (0: none). */
static uint8_t answer_flags(sk_stack *s)
{
    uint8_t buf[2048];
    size_t n = sk_stack_output(s, 0, buf, sizeof buf);
    if (n == 0)
        return 0;
    const uint8_t *seg;
    size_t slen;
    if ((buf[0] >> 4) == 6) {
        sk_ip6_repr ip;
        if (sk_ip6_parse(buf, n, &ip) != 0 || ip.next_header != SK_IPPROTO_TCP)
            return 0xff;
        seg = ip.payload;
        slen = ip.payload_len;
    } else {
        sk_ip4_repr ip;
        if (sk_ip4_parse(buf, n, &ip) != 0 || ip.proto != SK_IPPROTO_TCP)
            return 0xff;
        seg = buf + ip.hdr_len;
        slen = ip.total_len - ip.hdr_len;
    }
    sk_tcp_repr h;
    if (sk_tcp_parse(seg, slen, &h) != 0)
        return 0xff;
    SK_CHECK_EQ(h.src_port, 80);
    return h.flags;
}

static void check_bound_to(bool v6)
{
    sk_stack *s = make();
    sk_endpoint local = {us(v6), 80};
    sk_sock l;
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &local, NULL, &l), 0);
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, l, &in), 0);
    SK_CHECK(sk_ipaddr_eq(&in.local.addr, &local.addr));
    syn(s, !v6, 50000); /* to our other address: no listener there */
    SK_CHECK_EQ(answer_flags(s), SK_TCP_RST | SK_TCP_ACK);
    SK_CHECK_EQ(answer_flags(s), 0);
    syn(s, v6, 50001); /* to the bound one */
    SK_CHECK_EQ(answer_flags(s), SK_TCP_SYN | SK_TCP_ACK);
    SK_CHECK_EQ(answer_flags(s), 0);
    sk_stack_destroy(s);
}

static void test_bound_to_ipv4(void) { check_bound_to(false); }
static void test_bound_to_ipv6(void) { check_bound_to(true); }

/* Every address (SK_AF_UNSPEC, as sk_tcp_listen): both families answered. */
static void test_any_takes_both(void)
{
    sk_stack *s = make();
    sk_endpoint local = {.port = 80};
    sk_sock l;
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &local, NULL, &l), 0);
    syn(s, false, 50000);
    SK_CHECK_EQ(answer_flags(s), SK_TCP_SYN | SK_TCP_ACK);
    syn(s, true, 50001);
    SK_CHECK_EQ(answer_flags(s), SK_TCP_SYN | SK_TCP_ACK);
    sk_stack_destroy(s);
}

static void test_refused(void)
{
    sk_stack *s = make();
    sk_sock l;
    sk_endpoint other4 = {sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 3)), 80};
    sk_endpoint other6 = {sk_ipaddr_from_ip6(a6(3)), 80};
    sk_endpoint zero4 = {sk_ipaddr_from_ip4(sk_ip4_make(0, 0, 0, 0)), 80};
    sk_endpoint port0 = {us(false), 0};
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &other4, NULL, &l), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &other6, NULL, &l), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &zero4, NULL, &l), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &port0, NULL, &l), SK_EINVAL);
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, NULL, NULL, &l), SK_EINVAL);
    SK_CHECK(!sk_stack_is_our_addr(s, &other4.addr));
    SK_CHECK(sk_stack_is_our_addr(s, &(sk_ipaddr){0}) == false);
    SK_CHECK(sk_stack_is_our_addr(s, &(sk_ipaddr){.family = SK_AF_INET6}) == false);
    /* one listener per port, whatever the address */
    sk_endpoint v4 = {us(false), 80}, v6 = {us(true), 80};
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &v4, NULL, &l), 0);
    sk_sock l2;
    SK_CHECK_EQ_I(sk_tcp_listen_on(s, &v6, NULL, &l2), SK_EADDRINUSE);
    SK_CHECK_EQ_I(sk_tcp_listen(s, 80, NULL, &l2), SK_EADDRINUSE);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_bound_to_ipv4);
    SK_RUN(test_bound_to_ipv6);
    SK_RUN(test_any_takes_both);
    SK_RUN(test_refused);
    return sk_test_finish();
}
