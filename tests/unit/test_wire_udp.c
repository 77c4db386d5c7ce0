/* wire/udp: UDP (RFC 768) for both families, with the IPv4 and IPv6
 * pseudo-header checksums (RFC 768, RFC 8200 §8.1). Golden frames from
 * tests/support/golden_ip6.h: socat's 'synack6\n' (port 40000 to
 * [2001:db8:1::b]:7777) and 'synack4\n' (port 40001 to 192.0.2.2:7777). */
#include "base/bytes.h"
#include "base/checksum.h"
#include "golden_ip6.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/udp.h"

static uint8_t out[2048];

static sk_ip6 A6(const char *s)
{
    sk_ip6 a;
    memset(&a, 0, sizeof a);
    SK_CHECK_EQ_I(sk_ip6_from_str(s, &a), 0);
    return a;
}

static const uint8_t *udp6_dgram(sk_ip6_repr *ip)
{
    SK_CHECK_EQ_I(sk_ip6_parse(udp6 + 14, sizeof udp6 - 14, ip), 0);
    SK_CHECK_EQ(ip->next_header, SK_IPPROTO_UDP);
    return ip->payload;
}

static const uint8_t *udp4_dgram(sk_ip4_repr *ip)
{
    SK_CHECK_EQ_I(sk_ip4_parse(udp4 + 14, sizeof udp4 - 14, ip), 0);
    SK_CHECK_EQ(ip->proto, SK_IPPROTO_UDP);
    return ip->payload;
}

static void test_golden_udp6(void)
{
    sk_ip6_repr ip;
    sk_udp_repr u;
    const uint8_t *d = udp6_dgram(&ip);
    SK_CHECK_EQ_I(sk_udp_parse(d, ip.payload_len, &u), 0);
    SK_CHECK_EQ(u.src_port, 40000u);
    SK_CHECK_EQ(u.dst_port, 7777u);
    SK_CHECK_EQ(u.length, 16u);
    SK_CHECK_EQ(u.checksum, 0x6e53u);
    SK_CHECK_EQ(u.payload_len, 8u);
    SK_CHECK_MEM(u.payload, "synack6\n", 8);
    SK_CHECK_EQ_I(sk_udp_check6(ip.src, ip.dst, d, u.length), 0);
    SK_CHECK(sk_ip6_eq(ip.src, A6("2001:db8:1::a")));
    /* re-emit with the payload copied in and the checksum filled */
    size_t n = sk_udp_emit(&u, out, sizeof out);
    SK_CHECK_EQ(n, 16u);
    sk_udp_fill_checksum6(ip.src, ip.dst, out, n);
    SK_CHECK_MEM(out, d, 16);
}

static void test_golden_udp4(void)
{
    sk_ip4_repr ip;
    sk_udp_repr u;
    const uint8_t *d = udp4_dgram(&ip);
    SK_CHECK_EQ_I(sk_udp_parse(d, ip.payload_len, &u), 0);
    SK_CHECK_EQ(u.src_port, 40001u);
    SK_CHECK_EQ(u.dst_port, 7777u);
    SK_CHECK_EQ(u.length, 16u);
    SK_CHECK_EQ(u.checksum, 0x47d7u);
    SK_CHECK_MEM(u.payload, "synack4\n", 8);
    SK_CHECK(sk_ip4_eq(ip.dst, sk_ip4_make(192, 0, 2, 2)));
    SK_CHECK_EQ_I(sk_udp_check4(ip.src, ip.dst, d, u.length), 0);
    /* in place: the payload already sits after the header */
    memcpy(out, d, 16);
    u.payload = out + 8;
    SK_CHECK_EQ(sk_udp_emit(&u, out, sizeof out), 16u);
    sk_udp_fill_checksum4(ip.src, ip.dst, out, 16);
    SK_CHECK_MEM(out, d, 16);
}

static void test_reject_lengths(void)
{
    sk_ip6_repr ip;
    sk_udp_repr u;
    const uint8_t *d = udp6_dgram(&ip);
    uint8_t c[32];
    for (size_t n = 0; n < SK_UDP_HDR_LEN; n++)
        SK_CHECK_EQ_I(sk_udp_parse(d, n, &u), SK_DROP_UDP_TRUNCATED);
    for (size_t n = SK_UDP_HDR_LEN; n < 16; n++) /* the length field says 16 */
        SK_CHECK_EQ_I(sk_udp_parse(d, n, &u), SK_DROP_UDP_LENGTH);
    for (uint16_t l = 0; l < SK_UDP_HDR_LEN; l++) {
        memcpy(c, d, 16);
        sk_store_be16(c + 4, l);
        SK_CHECK_EQ_I(sk_udp_parse(c, 16, &u), SK_DROP_UDP_LENGTH);
    }
    /* IP payload longer than the datagram: the rest is ignored */
    memcpy(c, d, 16);
    memset(c + 16, 0x77, 16);
    SK_CHECK_EQ_I(sk_udp_parse(c, 32, &u), 0);
    SK_CHECK_EQ(u.payload_len, 8u);
    SK_CHECK_EQ_I(sk_udp_check6(ip.src, ip.dst, c, u.length), 0);
    /* a bare header is a valid empty datagram */
    sk_store_be16(c + 4, 8);
    SK_CHECK_EQ_I(sk_udp_parse(c, 8, &u), 0);
    SK_CHECK_EQ(u.payload_len, 0u);
}

static void test_reject_checksums(void)
{
    sk_ip6_repr ip6;
    sk_ip4_repr ip4;
    uint8_t c[16];
    const uint8_t *d6 = udp6_dgram(&ip6);
    const uint8_t *d4 = udp4_dgram(&ip4);
    for (size_t i = 0; i < 16; i++) {
        memcpy(c, d6, 16);
        c[i] ^= 0x40;
        SK_CHECK_EQ_I(sk_udp_check6(ip6.src, ip6.dst, c, 16), SK_DROP_UDP_CHECKSUM);
        memcpy(c, d4, 16);
        c[i] ^= 0x40;
        SK_CHECK_EQ_I(sk_udp_check4(ip4.src, ip4.dst, c, 16), SK_DROP_UDP_CHECKSUM);
    }
    /* other addresses, another next header value: wrong pseudo-header */
    SK_CHECK_EQ_I(sk_udp_check6(ip6.src, A6("2001:db8:1::c"), d6, 16), SK_DROP_UDP_CHECKSUM);
    SK_CHECK_EQ_I(sk_udp_check4(ip4.src, sk_ip4_make(192, 0, 2, 3), d4, 16),
                  SK_DROP_UDP_CHECKSUM);
    /* zero: "no checksum" over IPv4 (RFC 768), invalid over IPv6 (RFC 8200 §8.1) */
    memcpy(c, d4, 16);
    sk_store_be16(c + 6, 0);
    SK_CHECK_EQ_I(sk_udp_check4(ip4.src, ip4.dst, c, 16), 0);
    memcpy(c, d6, 16);
    sk_store_be16(c + 6, 0);
    SK_CHECK_EQ_I(sk_udp_check6(ip6.src, ip6.dst, c, 16), SK_DROP_UDP_ZERO_CHECKSUM6);
}

/* A datagram whose sum comes out 0 is sent with 0xffff, and that checks. */
static void test_computed_zero_sent_as_ffff(void)
{
    sk_ip6 s6 = A6("2001:db8:1::a"), d6 = A6("2001:db8:1::b");
    sk_ip4 s4 = sk_ip4_make(192, 0, 2, 1), d4 = sk_ip4_make(192, 0, 2, 2);
    uint8_t zero[2] = {0, 0};
    sk_udp_repr u = {1234, 5678, 0, 0, zero, 2};
    for (int fam = 4; fam <= 6; fam += 2) {
        SK_CHECK_EQ(sk_udp_emit(&u, out, sizeof out), 10u);
        if (fam == 4)
            sk_udp_fill_checksum4(s4, d4, out, 10);
        else
            sk_udp_fill_checksum6(s6, d6, out, 10);
        /* a payload word equal to the checksum brings the sum to 0xffff */
        memcpy(out + 8, out + 6, 2);
        if (fam == 4)
            sk_udp_fill_checksum4(s4, d4, out, 10);
        else
            sk_udp_fill_checksum6(s6, d6, out, 10);
        SK_CHECK_EQ(sk_load_be16(out + 6), 0xffffu);
        int ok = fam == 4 ? sk_udp_check4(s4, d4, out, 10) : sk_udp_check6(s6, d6, out, 10);
        SK_CHECK_EQ_I(ok, 0);
    }
}

static void test_emit_limits(void)
{
    static uint8_t big[65536];
    sk_udp_repr u = {1, 2, 0, 0, big, 65535 - 8};
    static uint8_t buf[65536];
    SK_CHECK_EQ(sk_udp_emit(&u, buf, sizeof buf), 65535u);
    SK_CHECK_EQ(sk_load_be16(buf + 4), 65535u);
    u.payload_len++;
    SK_CHECK_EQ(sk_udp_emit(&u, buf, sizeof buf), 0u);
    u.payload_len = 4;
    SK_CHECK_EQ(sk_udp_emit(&u, buf, 11), 0u);
    SK_CHECK_EQ(sk_udp_emit(&u, buf, 12), 12u);
    SK_CHECK_EQ(sk_udp_emit(&u, NULL, 12), 0u);
}

/* The IPv6 pseudo-header sum (RFC 8200 §8.1) against a word-by-word sum
 * of the 40 bytes written out in full. */
static void test_pseudo6_sum(void)
{
    uint8_t ph[40];
    sk_ip6 s = A6("2001:db8:1::a"), d = A6("fe80::ff:fe00:b");
    memcpy(ph, s.b, 16);
    memcpy(ph + 16, d.b, 16);
    sk_store_be32(ph + 32, 0x0001fffeu); /* a jumbo-sized length: both words count */
    ph[36] = ph[37] = ph[38] = 0;
    ph[39] = 17;
    SK_CHECK_EQ(sk_csum_fold(sk_csum_pseudo6(s.b, d.b, 17, 0x0001fffeu)),
                sk_csum_fold(sk_csum_partial_ref(ph, sizeof ph, 0)));
}

int main(void)
{
    SK_RUN(test_golden_udp6);
    SK_RUN(test_golden_udp4);
    SK_RUN(test_reject_lengths);
    SK_RUN(test_reject_checksums);
    SK_RUN(test_computed_zero_sent_as_ffff);
    SK_RUN(test_emit_limits);
    SK_RUN(test_pseudo6_sum);
    return sk_test_finish();
}
