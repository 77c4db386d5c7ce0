/* wire/icmp4: ICMPv4 parse/emit (RFC 792, RFC 1191 §4).
 *
 * Golden frames were captured from Linux with tshark (`ip netns exec A
 * tshark -i va -w f.pcap -a duration:6`, dumped with `tshark -r f.pcap -x`)
 * in network namespaces: A (192.0.2.1/24, "va") -- veth -- B (192.0.2.2/24,
 * and 198.51.100.1/24 towards a third namespace C at 198.51.100.2; B
 * forwards). The arrays are whole Ethernet frames; every outer IPv4 header
 * is 20 bytes, so the ICMP message starts at byte 34.
 *   echo_request/echo_reply: `ping -c 1 192.0.2.2`
 *   port_unreach:  `echo synack > /dev/udp/192.0.2.2/9999` (bash); quotes
 *                  the whole 35-byte UDP datagram
 *   time_exceeded: `ping -c 1 -t 1 198.51.100.2`, answered by B (router)
 *   frag_needed:   B--C link at MTU 68, `ping -c 1 -M do -s 60
 *                  198.51.100.2`: code 4 with next-hop MTU 68 */
#include "base/bytes.h"
#include "base/checksum.h"
#include "golden_ip.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/icmp4.h"

static const uint8_t time_exceeded[126] = {
    0x62, 0x89, 0xeb, 0x1d, 0xc4, 0x21, 0xee, 0x76, 0x75, 0x78, 0x87, 0x7c,
    0x08, 0x00, 0x45, 0xc0, 0x00, 0x70, 0x85, 0xe0, 0x00, 0x00, 0x40, 0x01,
    0x6f, 0xe9, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x0b, 0x00,
    0xf4, 0xff, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x54, 0x98, 0xca,
    0x40, 0x00, 0x01, 0x01, 0xf4, 0xa7, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33,
    0x64, 0x02, 0x08, 0x00, 0xcc, 0x5b, 0x15, 0xeb, 0x00, 0x01, 0x27, 0x9c,
    0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x1f, 0xde, 0x0b, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31,
    0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static const uint8_t frag_needed[130] = {
    0x62, 0x89, 0xeb, 0x1d, 0xc4, 0x21, 0xee, 0x76, 0x75, 0x78, 0x87, 0x7c,
    0x08, 0x00, 0x45, 0xc0, 0x00, 0x74, 0x85, 0xe1, 0x00, 0x00, 0x40, 0x01,
    0x6f, 0xe4, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x03, 0x04,
    0xfc, 0xb7, 0x00, 0x00, 0x00, 0x44, 0x45, 0x00, 0x00, 0x58, 0x00, 0x00,
    0x40, 0x00, 0x40, 0x01, 0x4e, 0x6e, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33,
    0x64, 0x02, 0x08, 0x00, 0xec, 0xca, 0x15, 0xee, 0x00, 0x01, 0x27, 0x9c,
    0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x8c, 0xf7, 0x0b, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31,
    0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
};

#define ICMP_OF(frame) ((frame) + 34)
#define ICMP_LEN(frame) (sizeof(frame) - 34)

/* Recompute the checksum after a test edits a message, so that only the
 * rule under test can fail. */
static void fix_checksum(uint8_t *m, size_t len)
{
    sk_store_be16(m + 2, 0);
    sk_store_be16(m + 2, sk_csum(m, len));
}

static void check_reemit(const uint8_t *msg, size_t len)
{
    sk_icmp4_repr r;
    uint8_t out[256];
    SK_CHECK_EQ_I(sk_icmp4_parse(msg, len, &r), 0);
    SK_CHECK_EQ(sk_icmp4_emit(&r, out, sizeof out), len);
    SK_CHECK_MEM(out, msg, len);
}

static void test_icmp_parse_golden_echo(void)
{
    sk_icmp4_repr r;
    const uint8_t *m = ICMP_OF(echo_request);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, ICMP_LEN(echo_request), &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP_ECHO_REQUEST);
    SK_CHECK_EQ(r.code, 0u);
    SK_CHECK_EQ(r.checksum, 0x0d1cu);
    SK_CHECK_EQ(r.echo_id, 0x11acu);
    SK_CHECK_EQ(r.echo_seq, 1u);
    SK_CHECK_EQ(r.next_hop_mtu, 0u);
    SK_CHECK(r.data == m + 8);
    SK_CHECK_EQ(r.data_len, 56u); /* ping's default -s 56 */

    m = ICMP_OF(echo_reply);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, ICMP_LEN(echo_reply), &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP_ECHO_REPLY);
    SK_CHECK_EQ(r.checksum, 0x151cu);
    SK_CHECK_EQ(r.echo_id, 0x11acu);
    SK_CHECK_EQ(r.echo_seq, 1u);
    SK_CHECK_EQ(r.data_len, 56u);
    /* The reply echoes the request's data (RFC 792). */
    SK_CHECK_MEM(r.data, ICMP_OF(echo_request) + 8, 56);
}

static void test_icmp_parse_golden_port_unreach(void)
{
    sk_icmp4_repr r;
    const uint8_t *m = ICMP_OF(port_unreach);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, ICMP_LEN(port_unreach), &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP_DEST_UNREACH);
    SK_CHECK_EQ(r.code, SK_ICMP_UNREACH_PORT);
    SK_CHECK_EQ(r.checksum, 0x4955u);
    SK_CHECK_EQ(r.next_hop_mtu, 0u);
    SK_CHECK_EQ(r.echo_id, 0u);
    SK_CHECK(r.data == m + 8);
    SK_CHECK_EQ(r.data_len, 35u);
    SK_CHECK_EQ(r.data[0], 0x45u);                   /* quoted IPv4, IHL 5 */
    SK_CHECK_EQ(r.data[9], 17u);                     /* UDP */
    SK_CHECK_EQ(sk_load_be16(r.data + 22), 9999u);   /* its destination port */
}

static void test_icmp_parse_golden_time_exceeded(void)
{
    sk_icmp4_repr r;
    const uint8_t *m = ICMP_OF(time_exceeded);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, ICMP_LEN(time_exceeded), &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP_TIME_EXCEEDED);
    SK_CHECK_EQ(r.code, 0u); /* TTL exceeded in transit */
    SK_CHECK_EQ(r.checksum, 0xf4ffu);
    SK_CHECK_EQ(r.data_len, 84u);
    SK_CHECK_EQ(r.data[8], 1u); /* the quoted TTL */
    SK_CHECK_MEM(r.data + 16, "\xc6\x33\x64\x02", 4); /* to 198.51.100.2 */
}

static void test_icmp_parse_golden_frag_needed(void)
{
    sk_icmp4_repr r;
    const uint8_t *m = ICMP_OF(frag_needed);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, ICMP_LEN(frag_needed), &r), 0);
    SK_CHECK_EQ(r.type, SK_ICMP_DEST_UNREACH);
    SK_CHECK_EQ(r.code, SK_ICMP_UNREACH_FRAG_NEEDED);
    SK_CHECK_EQ(r.checksum, 0xfcb7u);
    SK_CHECK_EQ(r.next_hop_mtu, 68u);
    SK_CHECK_EQ(r.data_len, 88u);
    SK_CHECK_EQ(r.data[6] & 0x40, 0x40u); /* the quoted datagram had DF */
}

static void test_icmp_reemit_golden_identical(void)
{
    check_reemit(ICMP_OF(echo_request), ICMP_LEN(echo_request));
    check_reemit(ICMP_OF(echo_reply), ICMP_LEN(echo_reply));
    check_reemit(ICMP_OF(port_unreach), ICMP_LEN(port_unreach));
    check_reemit(ICMP_OF(time_exceeded), ICMP_LEN(time_exceeded));
    check_reemit(ICMP_OF(frag_needed), ICMP_LEN(frag_needed));
}

/* Every destination-unreachable code is accepted; only code 4 reads the
 * MTU word (for the others it is "unused" and may hold anything). */
static void test_icmp_unreach_all_codes(void)
{
    for (unsigned code = 0; code < 256; code++) {
        uint8_t m[43];
        memcpy(m, ICMP_OF(port_unreach), sizeof m);
        m[1] = (uint8_t)code;
        sk_store_be16(m + 6, 1280);
        fix_checksum(m, sizeof m);
        sk_icmp4_repr r;
        SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), 0);
        SK_CHECK_EQ(r.code, code);
        SK_CHECK_EQ(r.next_hop_mtu, code == SK_ICMP_UNREACH_FRAG_NEEDED ? 1280u : 0u);
    }
}

static void test_icmp_truncated_every_length(void)
{
    for (size_t len = 0; len < SK_ICMP_HDR_LEN; len++) {
        sk_icmp4_repr r;
        memset(&r, 0x5a, sizeof r);
        SK_CHECK_EQ_I(sk_icmp4_parse(ICMP_OF(echo_request), len, &r), SK_DROP_ICMP_TRUNCATED);
        SK_CHECK(sk_test_all_bytes_are((const uint8_t *)&r, sizeof r, 0x5a));
    }
}

/* The checksum covers the whole message: flip a bit anywhere. */
static void test_icmp_bad_checksum(void)
{
    size_t n = ICMP_LEN(echo_request);
    for (size_t i = 0; i < n; i++) {
        uint8_t m[64];
        memcpy(m, ICMP_OF(echo_request), n);
        m[i] ^= 0x04;
        sk_icmp4_repr r;
        SK_CHECK_MSG(sk_icmp4_parse(m, n, &r) == SK_DROP_ICMP_CHECKSUM, "byte %zu", i);
    }
    /* A message cut short no longer sums to zero either. */
    sk_icmp4_repr r;
    SK_CHECK_EQ_I(sk_icmp4_parse(ICMP_OF(echo_request), n - 2, &r), SK_DROP_ICMP_CHECKSUM);
}

/* An error quoting fewer than 20 + 8 bytes, for both error types. */
static void test_icmp_short_quote(void)
{
    const uint8_t *src[2] = {ICMP_OF(port_unreach), ICMP_OF(time_exceeded)};
    for (int k = 0; k < 2; k++) {
        for (size_t q = 0; q < 28; q++) {
            uint8_t m[8 + 28];
            memcpy(m, src[k], 8 + q);
            fix_checksum(m, 8 + q);
            sk_icmp4_repr r;
            SK_CHECK_MSG(sk_icmp4_parse(m, 8 + q, &r) == SK_DROP_ICMP_BAD_QUOTE,
                         "type %u quote %zu", src[k][0], q);
        }
        uint8_t m[8 + 28];
        memcpy(m, src[k], sizeof m);
        fix_checksum(m, sizeof m);
        sk_icmp4_repr r;
        SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), 0);
        SK_CHECK_EQ(r.data_len, 28u);
    }
}

/* The quote must start with an IPv4 header whose IHL leaves 8 more bytes. */
static void test_icmp_quote_not_ipv4(void)
{
    uint8_t m[43];
    sk_icmp4_repr r;
    memcpy(m, ICMP_OF(port_unreach), sizeof m);
    m[8] = 0x65; /* version 6 */
    fix_checksum(m, sizeof m);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), SK_DROP_ICMP_BAD_QUOTE);
    m[8] = 0x44; /* IHL 4 */
    fix_checksum(m, sizeof m);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), SK_DROP_ICMP_BAD_QUOTE);
    /* IHL 7 (28-byte header) needs 36 quoted bytes; 35 are there. */
    m[8] = 0x47;
    fix_checksum(m, sizeof m);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), SK_DROP_ICMP_BAD_QUOTE);
    /* IHL 6 needs 32: accepted. */
    m[8] = 0x46;
    fix_checksum(m, sizeof m);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), 0);
}

/* Types we do not parse, with a correct checksum: redirect, source quench,
 * parameter problem, timestamp, a type never assigned. */
static void test_icmp_unknown_type(void)
{
    uint8_t types[] = {4, 5, 12, 13, 14, 42, 255};
    for (size_t i = 0; i < sizeof types; i++) {
        uint8_t m[64];
        memcpy(m, ICMP_OF(echo_request), sizeof m);
        m[0] = types[i];
        fix_checksum(m, sizeof m);
        sk_icmp4_repr r;
        memset(&r, 0x5a, sizeof r);
        SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), SK_DROP_ICMP_UNHANDLED);
        SK_CHECK(sk_test_all_bytes_are((const uint8_t *)&r, sizeof r, 0x5a));
    }
}

/* Order: length, then checksum, then type, then quote. */
static void test_icmp_check_order(void)
{
    uint8_t m[43];
    sk_icmp4_repr r;
    memcpy(m, ICMP_OF(port_unreach), sizeof m);
    m[0] = 13;                 /* unknown type, checksum now wrong */
    SK_CHECK_EQ_I(sk_icmp4_parse(m, sizeof m, &r), SK_DROP_ICMP_CHECKSUM);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, 7, &r), SK_DROP_ICMP_TRUNCATED);
    fix_checksum(m, 20);       /* and a 12-byte quote */
    SK_CHECK_EQ_I(sk_icmp4_parse(m, 20, &r), SK_DROP_ICMP_UNHANDLED);
    m[0] = SK_ICMP_DEST_UNREACH;
    fix_checksum(m, 20);
    SK_CHECK_EQ_I(sk_icmp4_parse(m, 20, &r), SK_DROP_ICMP_BAD_QUOTE);
}

/* An echo reply built from the request, as the stack will answer a ping:
 * same id, seq and data, type 0; Linux's reply is the expected result. */
static void test_icmp_emit_echo_reply(void)
{
    sk_icmp4_repr q;
    SK_CHECK_EQ_I(sk_icmp4_parse(ICMP_OF(echo_request), ICMP_LEN(echo_request), &q), 0);
    q.type = SK_ICMP_ECHO_REPLY;
    uint8_t out[80];
    memset(out, 0xee, sizeof out);
    SK_CHECK_EQ(sk_icmp4_emit(&q, out, sizeof out), 64u);
    SK_CHECK_MEM(out, ICMP_OF(echo_reply), 64);
    SK_CHECK(sk_test_all_bytes_are(out + 64, 16, 0xee));
}

/* Data already in place at buf + 8 (the quote copied there first). */
static void test_icmp_emit_in_place_odd_length(void)
{
    uint8_t buf[8 + 29];
    memcpy(buf + 8, ICMP_OF(port_unreach) + 8, 29); /* odd length */
    sk_icmp4_repr w = {.type = SK_ICMP_DEST_UNREACH, .code = SK_ICMP_UNREACH_FRAG_NEEDED,
                       .next_hop_mtu = 1492, .data = buf + 8, .data_len = 29};
    SK_CHECK_EQ(sk_icmp4_emit(&w, buf, sizeof buf), sizeof buf);
    SK_CHECK_EQ(sk_csum(buf, sizeof buf), 0u);
    SK_CHECK_EQ(sk_load_be32(buf + 4), 1492u);
    sk_icmp4_repr r;
    SK_CHECK_EQ_I(sk_icmp4_parse(buf, sizeof buf, &r), 0);
    SK_CHECK_EQ(r.next_hop_mtu, 1492u);
    SK_CHECK_MEM(r.data, ICMP_OF(port_unreach) + 8, 29);
}

/* Data overlapping the header region (it sits 4 bytes later than it will
 * end up): moved correctly. */
static void test_icmp_emit_overlapping_data(void)
{
    uint8_t buf[4 + 8 + 35];
    memcpy(buf + 12, ICMP_OF(port_unreach) + 8, 35);
    sk_icmp4_repr w = {.type = SK_ICMP_DEST_UNREACH, .code = SK_ICMP_UNREACH_PORT,
                       .data = buf + 12, .data_len = 35};
    SK_CHECK_EQ(sk_icmp4_emit(&w, buf, 43), 43u);
    SK_CHECK_MEM(buf, ICMP_OF(port_unreach), 43);
}

/* Time exceeded and non-echo types write zero in the "unused" word even if
 * the repr's echo and MTU fields hold something. */
static void test_icmp_emit_unused_word_zero(void)
{
    sk_icmp4_repr w;
    SK_CHECK_EQ_I(sk_icmp4_parse(ICMP_OF(time_exceeded), ICMP_LEN(time_exceeded), &w), 0);
    w.echo_id = 0x1234;
    w.echo_seq = 0x5678;
    w.next_hop_mtu = 576;
    uint8_t out[128];
    SK_CHECK_EQ(sk_icmp4_emit(&w, out, sizeof out), ICMP_LEN(time_exceeded));
    SK_CHECK_MEM(out, ICMP_OF(time_exceeded), ICMP_LEN(time_exceeded));
}

static void test_icmp_emit_too_small(void)
{
    sk_icmp4_repr w;
    size_t n = ICMP_LEN(port_unreach);
    SK_CHECK_EQ_I(sk_icmp4_parse(ICMP_OF(port_unreach), n, &w), 0);
    for (size_t cap = 0; cap < n; cap++) {
        uint8_t out[64];
        memset(out, 0xee, sizeof out);
        SK_CHECK_EQ(sk_icmp4_emit(&w, out, cap), 0u);
        SK_CHECK(sk_test_all_bytes_are(out, sizeof out, 0xee));
    }
}

int main(void)
{
    SK_RUN(test_icmp_parse_golden_echo);
    SK_RUN(test_icmp_parse_golden_port_unreach);
    SK_RUN(test_icmp_parse_golden_time_exceeded);
    SK_RUN(test_icmp_parse_golden_frag_needed);
    SK_RUN(test_icmp_reemit_golden_identical);
    SK_RUN(test_icmp_unreach_all_codes);
    SK_RUN(test_icmp_truncated_every_length);
    SK_RUN(test_icmp_bad_checksum);
    SK_RUN(test_icmp_short_quote);
    SK_RUN(test_icmp_quote_not_ipv4);
    SK_RUN(test_icmp_unknown_type);
    SK_RUN(test_icmp_check_order);
    SK_RUN(test_icmp_emit_echo_reply);
    SK_RUN(test_icmp_emit_in_place_odd_length);
    SK_RUN(test_icmp_emit_overlapping_data);
    SK_RUN(test_icmp_emit_unused_word_zero);
    SK_RUN(test_icmp_emit_too_small);
    return sk_test_finish();
}
