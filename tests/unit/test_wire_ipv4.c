/* wire/ipv4: the IPv4 header (RFC 791 §3.1) and address helpers.
 *
 * Golden frames were captured from Linux with tshark (`ip netns exec A
 * tshark -i va -w f.pcap -a duration:6`, dumped with `tshark -r f.pcap -x`)
 * on a veth pair between two network namespaces, 192.0.2.1/24 ("va") and
 * 192.0.2.2/24 ("vb"). veth does not pad short frames. The arrays are whole
 * Ethernet frames; the IPv4 header starts at byte 14.
 *   echo_request:  `ping -c 1 192.0.2.2`
 *   rr_request/rr_reply: `ping -c 1 -R 192.0.2.2` (40 bytes of options:
 *                  NOP + Record Route; the reply's RR + one EOL byte)
 *   port_unreach:  `echo synack > /dev/udp/192.0.2.2/9999` (bash), the
 *                  kernel's answer (TOS 0xc0, DF clear)
 *   frag_middle/frag_last: both links at MTU 68, `ping -c 1 -M dont -s 100
 *                  192.0.2.2`: the 2nd and 3rd fragments of the request */
#include "base/bytes.h"
#include "base/checksum.h"
#include "golden_ip.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/ipv4.h"

static const uint8_t rr_request[138] = {
    0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce, 0xbe, 0xd0, 0x31, 0xd3, 0x91, 0x62,
    0x08, 0x00, 0x4f, 0x00, 0x00, 0x7c, 0x6b, 0x3c, 0x40, 0x00, 0x40, 0x01,
    0x57, 0x30, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x01, 0x07,
    0x27, 0x08, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x08, 0x00, 0x39, 0x0e, 0x11, 0xad, 0x00, 0x01, 0xc9, 0x9b,
    0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x20, 0x6a, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31,
    0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static const uint8_t rr_reply[138] = {
    0xbe, 0xd0, 0x31, 0xd3, 0x91, 0x62, 0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce,
    0x08, 0x00, 0x4f, 0x00, 0x00, 0x7c, 0x23, 0xef, 0x00, 0x00, 0x40, 0x01,
    0xaa, 0x21, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x07, 0x27,
    0x10, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x41, 0x0e, 0x11, 0xad, 0x00, 0x01, 0xc9, 0x9b,
    0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x20, 0x6a, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31,
    0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static const uint8_t frag_middle[82] = {
    0xee, 0x76, 0x75, 0x78, 0x87, 0x7c, 0x62, 0x89, 0xeb, 0x1d, 0xc4, 0x21,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x44, 0x4d, 0x3e, 0x20, 0x06, 0x40, 0x01,
    0x89, 0x71, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x28, 0x29,
    0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
    0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41,
    0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d,
    0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
};

static const uint8_t frag_last[46] = {
    0xee, 0x76, 0x75, 0x78, 0x87, 0x7c, 0x62, 0x89, 0xeb, 0x1d, 0xc4, 0x21,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x4d, 0x3e, 0x00, 0x0c, 0x40, 0x01,
    0xa9, 0x8f, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x58, 0x59,
    0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
};

#define IP_OF(frame) ((frame) + 14)
#define IP_LEN(frame) (sizeof(frame) - 14)

/* Recompute the header checksum after a test edits a field, so that only
 * the rule under test can fail. */
static void fix_checksum(uint8_t *h)
{
    size_t hl = (size_t)(h[0] & 0x0f) * 4;
    sk_store_be16(h + 10, 0);
    sk_store_be16(h + 10, sk_csum(h, hl));
}

/* Copy of the echo request's IP packet (84 bytes) into buf. */
static size_t copy_echo(uint8_t *buf)
{
    memcpy(buf, IP_OF(echo_request), IP_LEN(echo_request));
    return IP_LEN(echo_request);
}

/* Parse, emit the header, compare; the payload view must follow the header. */
static void check_reemit(const uint8_t *pkt, size_t len)
{
    sk_ip4_repr r;
    uint8_t out[SK_IP4_MAX_HDR_LEN];
    SK_CHECK_EQ_I(sk_ip4_parse(pkt, len, &r), 0);
    SK_CHECK_EQ(sk_ip4_emit_len(&r), r.hdr_len);
    SK_CHECK_EQ(sk_ip4_emit(&r, out, sizeof out), r.hdr_len);
    SK_CHECK_MEM(out, pkt, r.hdr_len);
    SK_CHECK(r.payload == pkt + r.hdr_len);
}

static void test_ip4_parse_golden_echo(void)
{
    sk_ip4_repr r;
    SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(echo_request), IP_LEN(echo_request), &r), 0);
    SK_CHECK_EQ(r.hdr_len, 20u);
    SK_CHECK_EQ(r.tos, 0u);
    SK_CHECK_EQ(r.total_len, 84u);
    SK_CHECK_EQ(r.id, 0x6b3bu);
    SK_CHECK(r.df);
    SK_CHECK(!r.mf);
    SK_CHECK_EQ(r.frag_off, 0u);
    SK_CHECK_EQ(r.ttl, 64u);
    SK_CHECK_EQ(r.proto, SK_IPPROTO_ICMP);
    SK_CHECK_EQ(r.checksum, 0x4b6au);
    SK_CHECK(sk_ip4_eq(r.src, sk_ip4_make(192, 0, 2, 1)));
    SK_CHECK(sk_ip4_eq(r.dst, sk_ip4_make(192, 0, 2, 2)));
    SK_CHECK_EQ(r.options_len, 0u);
    SK_CHECK(r.payload == IP_OF(echo_request) + 20);
    SK_CHECK_EQ(r.payload_len, 64u);
}

static void test_ip4_parse_golden_tos_no_df(void)
{
    sk_ip4_repr r;
    SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(port_unreach), IP_LEN(port_unreach), &r), 0);
    SK_CHECK_EQ(r.tos, 0xc0u); /* CS6, Linux's ICMP error TOS */
    SK_CHECK_EQ(r.total_len, 63u);
    SK_CHECK_EQ(r.id, 0x23f0u);
    SK_CHECK(!r.df && !r.mf);
    SK_CHECK_EQ(r.checksum, 0xd20au);
    SK_CHECK(sk_ip4_eq(r.src, sk_ip4_make(192, 0, 2, 2)));
    SK_CHECK_EQ(r.payload_len, 43u);
}

/* IHL 15: the largest header, 40 bytes of options (NOP, Record Route of
 * length 39 with pointer 8 and the first hop recorded). */
static void test_ip4_parse_golden_options(void)
{
    sk_ip4_repr r;
    const uint8_t *p = IP_OF(rr_request);
    SK_CHECK_EQ_I(sk_ip4_parse(p, IP_LEN(rr_request), &r), 0);
    SK_CHECK_EQ(r.hdr_len, 60u);
    SK_CHECK_EQ(r.total_len, 124u);
    SK_CHECK_EQ(r.id, 0x6b3cu);
    SK_CHECK_EQ(r.checksum, 0x5730u);
    SK_CHECK(r.options == p + 20);
    SK_CHECK_EQ(r.options_len, 40u);
    SK_CHECK_EQ(r.options[0], 1u);  /* NOP */
    SK_CHECK_EQ(r.options[1], 7u);  /* Record Route */
    SK_CHECK_EQ(r.options[2], 39u); /* its length */
    SK_CHECK_EQ(r.options[3], 8u);  /* pointer: one address recorded */
    SK_CHECK_MEM(r.options + 4, sk_ip4_make(192, 0, 2, 1).b, 4);
    SK_CHECK(r.payload == p + 60);
    SK_CHECK_EQ(r.payload_len, 64u);
}

static void test_ip4_parse_golden_fragments(void)
{
    sk_ip4_repr r;
    SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(frag_middle), IP_LEN(frag_middle), &r), 0);
    SK_CHECK_EQ(r.id, 0x4d3eu);
    SK_CHECK(!r.df);
    SK_CHECK(r.mf);
    SK_CHECK_EQ(r.frag_off, 48u);
    SK_CHECK_EQ(r.payload_len, 48u);
    SK_CHECK_EQ(r.checksum, 0x8971u);

    SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(frag_last), IP_LEN(frag_last), &r), 0);
    SK_CHECK_EQ(r.id, 0x4d3eu);
    SK_CHECK(!r.df && !r.mf);
    SK_CHECK_EQ(r.frag_off, 96u);
    SK_CHECK_EQ(r.total_len, 32u);
    SK_CHECK_EQ(r.payload_len, 12u);
}

static void test_ip4_reemit_golden_identical(void)
{
    check_reemit(IP_OF(echo_request), IP_LEN(echo_request));
    check_reemit(IP_OF(port_unreach), IP_LEN(port_unreach));
    check_reemit(IP_OF(rr_request), IP_LEN(rr_request));
    check_reemit(IP_OF(rr_reply), IP_LEN(rr_reply));
    check_reemit(IP_OF(frag_middle), IP_LEN(frag_middle));
    check_reemit(IP_OF(frag_last), IP_LEN(frag_last));
}

/* Bytes past the total length are link padding: the last fragment (32 bytes)
 * in a minimum-size Ethernet frame arrives with 14 bytes of padding. */
static void test_ip4_padding_excluded(void)
{
    uint8_t p[46];
    memset(p, 0xa5, sizeof p);
    memcpy(p, IP_OF(frag_last), IP_LEN(frag_last));
    sk_ip4_repr r;
    SK_CHECK_EQ_I(sk_ip4_parse(p, sizeof p, &r), 0);
    SK_CHECK_EQ(r.total_len, 32u);
    SK_CHECK_EQ(r.payload_len, 12u);
    SK_CHECK(r.payload == p + 20);
}

static void test_ip4_truncated_every_length(void)
{
    for (size_t len = 0; len < SK_IP4_HDR_LEN; len++) {
        sk_ip4_repr r;
        memset(&r, 0x5a, sizeof r);
        SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(echo_request), len, &r), SK_DROP_IP_TRUNCATED);
        SK_CHECK(sk_test_all_bytes_are((const uint8_t *)&r, sizeof r, 0x5a));
    }
}

static void test_ip4_bad_version(void)
{
    uint8_t vers[] = {0, 5, 6, 15};
    for (size_t i = 0; i < sizeof vers; i++) {
        uint8_t p[84];
        size_t n = copy_echo(p);
        p[0] = (uint8_t)(vers[i] << 4 | 5);
        fix_checksum(p);
        sk_ip4_repr r;
        SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_VERSION);
    }
}

static void test_ip4_ihl_below_5(void)
{
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        uint8_t p[84];
        size_t n = copy_echo(p);
        p[0] = (uint8_t)(0x40 | ihl);
        sk_ip4_repr r;
        SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_HDR_LEN);
    }
}

/* The 60-byte header of rr_request, cut at every length from 20 to 59. */
static void test_ip4_ihl_past_buffer(void)
{
    for (size_t len = SK_IP4_HDR_LEN; len < 60; len++) {
        sk_ip4_repr r;
        SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(rr_request), len, &r), SK_DROP_IP_HDR_LEN);
    }
}

static void test_ip4_total_len_below_ihl(void)
{
    uint16_t bad[] = {0, 1, 19};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t p[84];
        size_t n = copy_echo(p);
        sk_store_be16(p + 2, bad[i]);
        fix_checksum(p);
        sk_ip4_repr r;
        SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_TOTAL_LEN);
    }
    /* 59 is below the 60-byte header of rr_request (but above 20). */
    uint8_t q[124];
    memcpy(q, IP_OF(rr_request), sizeof q);
    sk_store_be16(q + 2, 59);
    fix_checksum(q);
    sk_ip4_repr r;
    SK_CHECK_EQ_I(sk_ip4_parse(q, sizeof q, &r), SK_DROP_IP_TOTAL_LEN);
    /* Exactly the header: valid, empty payload. */
    sk_store_be16(q + 2, 60);
    fix_checksum(q);
    SK_CHECK_EQ_I(sk_ip4_parse(q, sizeof q, &r), 0);
    SK_CHECK_EQ(r.payload_len, 0u);
}

static void test_ip4_total_len_past_buffer(void)
{
    sk_ip4_repr r;
    /* The capture cut short by one byte, then at every length down to 20. */
    for (size_t len = SK_IP4_HDR_LEN; len < IP_LEN(echo_request); len++)
        SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(echo_request), len, &r), SK_DROP_IP_TOTAL_LEN);
    /* Or a total length one past the buffer. */
    uint8_t p[84];
    size_t n = copy_echo(p);
    sk_store_be16(p + 2, 85);
    fix_checksum(p);
    SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_TOTAL_LEN);
}

/* The checksum covers every header byte, options included. */
static void test_ip4_bad_checksum(void)
{
    sk_ip4_repr r;
    for (size_t i = 0; i < 20; i++) {
        if (i == 0 || i == 2 || i == 3)
            continue; /* those are judged by the length rules first */
        uint8_t p[84];
        size_t n = copy_echo(p);
        p[i] ^= 0x01;
        SK_CHECK_MSG(sk_ip4_parse(p, n, &r) == SK_DROP_IP_CHECKSUM, "byte %zu", i);
    }
    uint8_t q[124];
    memcpy(q, IP_OF(rr_request), sizeof q);
    q[50] ^= 0x80; /* inside the Record Route data */
    SK_CHECK_EQ_I(sk_ip4_parse(q, sizeof q, &r), SK_DROP_IP_CHECKSUM);
}

/* One's complement has two zeros. A header whose fields sum to 0xFFFF
 * has computed checksum 0x0000, but a sender may put 0xFFFF in the field
 * instead: the header still sums to all ones and must be accepted (Linux
 * does). Emit writes the canonical 0x0000. Found by fuzz_wire: this is its
 * input. */
static void test_ip4_checksum_negative_zero(void)
{
    static const uint8_t hdr[32] = {
        0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x40, 0x00, 0x40, 0xff, /* ..proto */
        0xff, 0xff,                                                 /* checksum */
        0xff, 0xff, 0xfe, 0xff, 0x66, 0x00, 0xd4, 0xde,             /* addresses */
        0x08, 0x00, 0x19, 0x27, 0x00, 0x07, 0x00, 0x01, 0x70, 0x69, 0x6e, 0x68};
    sk_ip4_repr r, r2;
    SK_CHECK_EQ_I(sk_ip4_parse(hdr, sizeof hdr, &r), 0);
    SK_CHECK_EQ(r.checksum, 0xffffu);
    SK_CHECK_EQ(r.payload_len, 12u);
    uint8_t out[32];
    SK_CHECK_EQ(sk_ip4_emit(&r, out, sizeof out), 20u);
    SK_CHECK_EQ(sk_load_be16(out + 10), 0x0000u);
    SK_CHECK(memcmp(out, hdr, 10) == 0 && memcmp(out + 12, hdr + 12, 8) == 0);
    memcpy(out + 20, hdr + 20, 12);
    SK_CHECK_EQ_I(sk_ip4_parse(out, sizeof out, &r2), 0);
    /* Any other value in the field still fails. */
    uint8_t bad[32];
    memcpy(bad, hdr, sizeof bad);
    bad[11] = 0xfe;
    SK_CHECK_EQ_I(sk_ip4_parse(bad, sizeof bad, &r2), SK_DROP_IP_CHECKSUM);
}

/* RFC 791: bit 0 of the flags is reserved, must be zero. */
static void test_ip4_reserved_flag(void)
{
    uint8_t p[84];
    size_t n = copy_echo(p);
    p[6] |= 0x80;
    fix_checksum(p);
    sk_ip4_repr r;
    memset(&r, 0x5a, sizeof r);
    SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_FRAG_BAD);
    SK_CHECK(sk_test_all_bytes_are((const uint8_t *)&r, sizeof r, 0x5a));
}

/* Rules run in order: version before IHL before total length before
 * checksum before the reserved bit. */
static void test_ip4_check_order(void)
{
    uint8_t p[84];
    size_t n = copy_echo(p);
    sk_ip4_repr r;
    p[6] |= 0x80;     /* reserved bit */
    p[10] ^= 0xff;    /* bad checksum */
    SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_CHECKSUM);
    sk_store_be16(p + 2, 100); /* total length past buffer */
    SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_TOTAL_LEN);
    p[0] = 0x44;      /* IHL 4 */
    SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_HDR_LEN);
    p[0] = 0x64;      /* version 6 */
    SK_CHECK_EQ_I(sk_ip4_parse(p, n, &r), SK_DROP_IP_VERSION);
    SK_CHECK_EQ_I(sk_ip4_parse(p, 19, &r), SK_DROP_IP_TRUNCATED);
}

static sk_ip4_repr sample_repr(void)
{
    sk_ip4_repr r;
    memset(&r, 0, sizeof r);
    r.tos = 0x10;
    r.total_len = 40;
    r.id = 0xbeef;
    r.mf = true;
    r.frag_off = 8 * 0x1fff; /* the largest offset */
    r.ttl = 1;
    r.proto = SK_IPPROTO_TCP;
    r.src = sk_ip4_make(10, 0, 0, 1);
    r.dst = sk_ip4_make(10, 0, 0, 2);
    return r;
}

/* emit from fields: parse reads back what was written, checksum included. */
static void test_ip4_emit_roundtrip(void)
{
    sk_ip4_repr w = sample_repr(), r;
    uint8_t buf[40];
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ(sk_ip4_emit(&w, buf, sizeof buf), 20u);
    SK_CHECK_EQ(buf[0], 0x45u);
    SK_CHECK_EQ(sk_load_be16(buf + 6), 0x3fffu); /* MF + offset 0x1fff */
    SK_CHECK_EQ(sk_csum(buf, 20), 0u);
    SK_CHECK_EQ_I(sk_ip4_parse(buf, sizeof buf, &r), 0);
    SK_CHECK_EQ(r.tos, 0x10u);
    SK_CHECK_EQ(r.id, 0xbeefu);
    SK_CHECK(r.mf && !r.df);
    SK_CHECK_EQ(r.frag_off, 8u * 0x1fff);
    SK_CHECK_EQ(r.ttl, 1u);
    SK_CHECK_EQ(r.proto, SK_IPPROTO_TCP);
    SK_CHECK(sk_ip4_eq(r.src, w.src) && sk_ip4_eq(r.dst, w.dst));
    SK_CHECK_EQ(r.payload_len, 20u);
}

/* Options that are not a multiple of 4 are padded with zero (EOL) bytes. */
static void test_ip4_emit_options_padded(void)
{
    /* NOP, then Router Alert (RFC 2113: type 0x94, length 4, value 0). */
    static const uint8_t opts[5] = {1, 0x94, 0x04, 0x00, 0x00};
    sk_ip4_repr w = sample_repr(), r;
    w.options = opts;
    w.options_len = 5;
    w.total_len = 28;
    uint8_t buf[32];
    memset(buf, 0xee, sizeof buf);
    SK_CHECK_EQ(sk_ip4_emit_len(&w), 28u);
    SK_CHECK_EQ(sk_ip4_emit(&w, buf, sizeof buf), 28u);
    SK_CHECK_EQ(buf[0], 0x47u);
    SK_CHECK_MEM(buf + 20, opts, 5);
    SK_CHECK(sk_test_all_bytes_are(buf + 25, 3, 0x00));
    SK_CHECK(sk_test_all_bytes_are(buf + 28, 4, 0xee));
    SK_CHECK_EQ_I(sk_ip4_parse(buf, 28, &r), 0);
    SK_CHECK_EQ(r.options_len, 8u);
}

static void test_ip4_emit_options_limit(void)
{
    uint8_t opts[41];
    memset(opts, 1, sizeof opts); /* NOPs */
    sk_ip4_repr w = sample_repr();
    w.options = opts;
    w.options_len = 40;
    w.total_len = 60;
    uint8_t buf[64];
    SK_CHECK_EQ(sk_ip4_emit_len(&w), 60u);
    SK_CHECK_EQ(sk_ip4_emit(&w, buf, sizeof buf), 60u);
    SK_CHECK_EQ(buf[0], 0x4fu);
    w.options_len = 41;
    memset(buf, 0xee, sizeof buf);
    SK_CHECK_EQ(sk_ip4_emit_len(&w), 0u);
    SK_CHECK_EQ(sk_ip4_emit(&w, buf, sizeof buf), 0u);
    SK_CHECK(sk_test_all_bytes_are(buf, sizeof buf, 0xee));
}

static void test_ip4_emit_too_small(void)
{
    sk_ip4_repr w = sample_repr();
    for (size_t cap = 0; cap < 20; cap++) {
        uint8_t buf[64];
        memset(buf, 0xee, sizeof buf);
        SK_CHECK_EQ(sk_ip4_emit(&w, buf, cap), 0u);
        SK_CHECK(sk_test_all_bytes_are(buf, sizeof buf, 0xee));
    }
    sk_ip4_repr g;
    SK_CHECK_EQ_I(sk_ip4_parse(IP_OF(rr_request), IP_LEN(rr_request), &g), 0);
    for (size_t cap = 20; cap < 60; cap++) {
        uint8_t buf[64];
        memset(buf, 0xee, sizeof buf);
        SK_CHECK_EQ(sk_ip4_emit(&g, buf, cap), 0u);
        SK_CHECK(sk_test_all_bytes_are(buf, sizeof buf, 0xee));
    }
}

static void test_ip4_address_helpers(void)
{
    SK_CHECK(sk_ip4_is_broadcast(sk_ip4_make(255, 255, 255, 255)));
    SK_CHECK(!sk_ip4_is_broadcast(sk_ip4_make(192, 0, 2, 255))); /* directed: iface's job */
    SK_CHECK(!sk_ip4_is_broadcast(sk_ip4_make(255, 255, 255, 254)));
    SK_CHECK(!sk_ip4_is_broadcast(sk_ip4_make(0, 0, 0, 0)));
    SK_CHECK(sk_ip4_is_multicast(sk_ip4_make(224, 0, 0, 1)));
    SK_CHECK(sk_ip4_is_multicast(sk_ip4_make(239, 255, 255, 255)));
    SK_CHECK(!sk_ip4_is_multicast(sk_ip4_make(223, 255, 255, 255)));
    SK_CHECK(!sk_ip4_is_multicast(sk_ip4_make(240, 0, 0, 0)));
    SK_CHECK(!sk_ip4_is_multicast(sk_ip4_make(255, 255, 255, 255)));
    SK_CHECK(sk_ip4_eq(sk_ip4_make(192, 0, 2, 1), sk_ip4_make(192, 0, 2, 1)));
    SK_CHECK(!sk_ip4_eq(sk_ip4_make(192, 0, 2, 1), sk_ip4_make(192, 0, 2, 2)));
    SK_CHECK(!sk_ip4_eq(sk_ip4_make(192, 0, 2, 1), sk_ip4_make(193, 0, 2, 1)));
    SK_CHECK_EQ(sk_ip4_to_u32(sk_ip4_make(192, 0, 2, 1)), 0xc0000201u);
}

int main(void)
{
    SK_RUN(test_ip4_parse_golden_echo);
    SK_RUN(test_ip4_parse_golden_tos_no_df);
    SK_RUN(test_ip4_parse_golden_options);
    SK_RUN(test_ip4_parse_golden_fragments);
    SK_RUN(test_ip4_reemit_golden_identical);
    SK_RUN(test_ip4_padding_excluded);
    SK_RUN(test_ip4_truncated_every_length);
    SK_RUN(test_ip4_bad_version);
    SK_RUN(test_ip4_ihl_below_5);
    SK_RUN(test_ip4_ihl_past_buffer);
    SK_RUN(test_ip4_total_len_below_ihl);
    SK_RUN(test_ip4_total_len_past_buffer);
    SK_RUN(test_ip4_bad_checksum);
    SK_RUN(test_ip4_checksum_negative_zero);
    SK_RUN(test_ip4_reserved_flag);
    SK_RUN(test_ip4_check_order);
    SK_RUN(test_ip4_emit_roundtrip);
    SK_RUN(test_ip4_emit_options_padded);
    SK_RUN(test_ip4_emit_options_limit);
    SK_RUN(test_ip4_emit_too_small);
    SK_RUN(test_ip4_address_helpers);
    return sk_test_finish();
}
