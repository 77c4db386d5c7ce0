/* wire/arp: ARP for Ethernet/IPv4 (RFC 826).
 *
 * Golden packets were captured from Linux: two network namespaces joined by
 * a veth pair (192.0.2.1/24 on "va", 192.0.2.2/24 on "vb"); `ping -c 1
 * 192.0.2.2` from the first made the kernel resolve the address. Captured
 * with `ip netns exec A tshark -i va -w f.pcap -a duration:6`, dumped with
 * `tshark -r f.pcap -x`. The arrays are whole Ethernet frames; the ARP
 * packet starts at byte 14. */
#include "golden_ip.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/arp.h"

#define ARP_OF(frame) ((frame) + 14)

static const sk_mac mac_a = {{0xbe, 0xd0, 0x31, 0xd3, 0x91, 0x62}};
static const sk_mac mac_b = {{0x86, 0x69, 0x1a, 0x88, 0xd5, 0xce}};
static const sk_mac mac_zero = {{0, 0, 0, 0, 0, 0}};

static void check_ip(sk_ip4 a, uint8_t last)
{
    SK_CHECK(a.b[0] == 192 && a.b[1] == 0 && a.b[2] == 2);
    SK_CHECK_EQ(a.b[3], last);
}

static void test_arp_parse_golden_request(void)
{
    sk_arp_repr r;
    SK_CHECK_EQ_I(sk_arp_parse(ARP_OF(arp_request), SK_ARP_LEN, &r), 0);
    SK_CHECK_EQ(r.op, SK_ARP_REQUEST);
    SK_CHECK_MEM(r.sha.b, mac_a.b, 6);
    check_ip(r.spa, 1);
    SK_CHECK_MEM(r.tha.b, mac_zero.b, 6); /* Linux leaves THA zero in requests */
    check_ip(r.tpa, 2);
}

static void test_arp_parse_golden_reply(void)
{
    sk_arp_repr r;
    SK_CHECK_EQ_I(sk_arp_parse(ARP_OF(arp_reply), SK_ARP_LEN, &r), 0);
    SK_CHECK_EQ(r.op, SK_ARP_REPLY);
    SK_CHECK_MEM(r.sha.b, mac_b.b, 6);
    check_ip(r.spa, 2);
    SK_CHECK_MEM(r.tha.b, mac_a.b, 6);
    check_ip(r.tpa, 1);
}

static void test_arp_reemit_identical(void)
{
    const uint8_t *pkts[2] = {ARP_OF(arp_request), ARP_OF(arp_reply)};
    for (int i = 0; i < 2; i++) {
        sk_arp_repr r;
        uint8_t out[SK_ARP_LEN];
        SK_CHECK_EQ_I(sk_arp_parse(pkts[i], SK_ARP_LEN, &r), 0);
        SK_CHECK_EQ(sk_arp_emit(&r, out, sizeof out), SK_ARP_LEN);
        SK_CHECK_MEM(out, pkts[i], SK_ARP_LEN);
    }
}

/* A minimum-size Ethernet frame carries 46 bytes: 28 of ARP, 18 of padding
 * (here non-zero, as some NICs leave it); the padding is ignored. */
static void test_arp_trailing_padding_ignored(void)
{
    uint8_t p[46];
    memset(p, 0xa5, sizeof p);
    memcpy(p, ARP_OF(arp_reply), SK_ARP_LEN);
    sk_arp_repr r;
    SK_CHECK_EQ_I(sk_arp_parse(p, sizeof p, &r), 0);
    SK_CHECK_EQ(r.op, SK_ARP_REPLY);
    check_ip(r.tpa, 1);
    SK_CHECK_MEM(r.tha.b, mac_a.b, 6);
}

static void test_arp_truncated_every_length(void)
{
    for (size_t len = 0; len < SK_ARP_LEN; len++) {
        sk_arp_repr r;
        memset(&r, 0x5a, sizeof r);
        SK_CHECK_EQ_I(sk_arp_parse(ARP_OF(arp_request), len, &r), SK_DROP_ARP_TRUNCATED);
        SK_CHECK(sk_test_all_bytes_are((const uint8_t *)&r, sizeof r, 0x5a));
    }
}

/* One field at a time away from Ethernet/IPv4: each is unsupported. */
static void test_arp_unsupported(void)
{
    struct {
        size_t off;
        uint8_t val;
    } cases[] = {
        {1, 6},    /* htype 6 (IEEE 802) */
        {0, 1},    /* htype 0x0101 */
        {2, 0x86}, /* ptype 0x8600 */
        {3, 0x06}, /* ptype 0x0806 */
        {4, 8},    /* hlen 8 */
        {5, 16},   /* plen 16 (IPv6-sized) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t p[SK_ARP_LEN];
        memcpy(p, ARP_OF(arp_request), SK_ARP_LEN);
        p[cases[i].off] = cases[i].val;
        sk_arp_repr r;
        SK_CHECK_EQ_I(sk_arp_parse(p, sizeof p, &r), SK_DROP_ARP_UNSUPPORTED);
    }
}

static void test_arp_bad_op(void)
{
    uint16_t ops[] = {0, 3, 4, 0x0100, 0xffff};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        uint8_t p[SK_ARP_LEN];
        memcpy(p, ARP_OF(arp_request), SK_ARP_LEN);
        p[6] = (uint8_t)(ops[i] >> 8);
        p[7] = (uint8_t)ops[i];
        sk_arp_repr r;
        SK_CHECK_EQ_I(sk_arp_parse(p, sizeof p, &r), SK_DROP_ARP_BAD_OP);
    }
}

/* Order: length, then types/lengths, then op. */
static void test_arp_check_order(void)
{
    uint8_t p[SK_ARP_LEN];
    memcpy(p, ARP_OF(arp_request), SK_ARP_LEN);
    p[1] = 6; /* unsupported htype */
    p[7] = 9; /* and a bad op */
    sk_arp_repr r;
    SK_CHECK_EQ_I(sk_arp_parse(p, SK_ARP_LEN - 1, &r), SK_DROP_ARP_TRUNCATED);
    SK_CHECK_EQ_I(sk_arp_parse(p, SK_ARP_LEN, &r), SK_DROP_ARP_UNSUPPORTED);
    p[1] = 1;
    SK_CHECK_EQ_I(sk_arp_parse(p, SK_ARP_LEN, &r), SK_DROP_ARP_BAD_OP);
}

/* emit builds the same request from scratch, fixed fields included. */
static void test_arp_emit_from_fields(void)
{
    sk_arp_repr r = {.op = SK_ARP_REQUEST, .sha = mac_a, .tha = mac_zero};
    r.spa = sk_ip4_make(192, 0, 2, 1);
    r.tpa = sk_ip4_make(192, 0, 2, 2);
    uint8_t out[40];
    memset(out, 0xee, sizeof out);
    SK_CHECK_EQ(sk_arp_emit(&r, out, sizeof out), SK_ARP_LEN);
    SK_CHECK_MEM(out, ARP_OF(arp_request), SK_ARP_LEN);
    SK_CHECK(sk_test_all_bytes_are(out + SK_ARP_LEN, sizeof out - SK_ARP_LEN, 0xee));
}

static void test_arp_emit_too_small(void)
{
    sk_arp_repr r = {.op = SK_ARP_REPLY, .sha = mac_b, .tha = mac_a};
    for (size_t cap = 0; cap < SK_ARP_LEN; cap++) {
        uint8_t out[SK_ARP_LEN];
        memset(out, 0xee, sizeof out);
        SK_CHECK_EQ(sk_arp_emit(&r, out, cap), 0u);
        SK_CHECK(sk_test_all_bytes_are(out, sizeof out, 0xee));
    }
}

int main(void)
{
    SK_RUN(test_arp_parse_golden_request);
    SK_RUN(test_arp_parse_golden_reply);
    SK_RUN(test_arp_reemit_identical);
    SK_RUN(test_arp_trailing_padding_ignored);
    SK_RUN(test_arp_truncated_every_length);
    SK_RUN(test_arp_unsupported);
    SK_RUN(test_arp_bad_op);
    SK_RUN(test_arp_check_order);
    SK_RUN(test_arp_emit_from_fields);
    SK_RUN(test_arp_emit_too_small);
    return sk_test_finish();
}
