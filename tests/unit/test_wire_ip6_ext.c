/* wire/ip6_ext: the IPv6 extension-header walker, one test per rule of
 * RFC 8200 §4 (and RFC 5095 §3, RFC 6946 §4, RFC 2711), each with the ICMPv6
 * intent it must report (action, code, pointer from the IPv6 header). The
 * router alert case is Linux's MLDv2 report from the golden capture. */
#include "base/bytes.h"
#include "golden_ip6.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

static uint8_t pkt[2048];

/* A packet to 2001:db8::2 whose fixed header names nh, followed by ext and
 * then upper_len bytes of upper-layer data; parsed into *r. */
static void build(uint8_t nh, const uint8_t *ext, size_t ext_len, size_t upper_len,
                  sk_ip6_repr *r)
{
    sk_ip6_repr ip = {0};
    ip.payload_len = (uint16_t)(ext_len + upper_len);
    ip.next_header = nh;
    ip.hop_limit = 64;
    ip.src.b[0] = 0x20;
    ip.src.b[1] = 0x01;
    ip.src.b[15] = 1;
    ip.dst = ip.src;
    ip.dst.b[15] = 2;
    SK_CHECK_EQ(sk_ip6_emit(&ip, pkt, sizeof pkt), SK_IP6_HDR_LEN);
    if (ext_len > 0)
        memcpy(pkt + SK_IP6_HDR_LEN, ext, ext_len);
    memset(pkt + SK_IP6_HDR_LEN + ext_len, 0xab, upper_len);
    SK_CHECK_EQ_I(sk_ip6_parse(pkt, SK_IP6_HDR_LEN + ext_len + upper_len, r), 0);
}

static int walk(uint8_t nh, const uint8_t *ext, size_t ext_len, size_t upper_len, sk_ip6_ext *e)
{
    sk_ip6_repr r;
    build(nh, ext, ext_len, upper_len, &r);
    return sk_ip6_walk_ext(&r, e);
}

static void test_no_extension_headers(void)
{
    sk_ip6_ext e;
    SK_CHECK_EQ_I(walk(SK_IPPROTO_UDP, NULL, 0, 8, &e), 0);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_UDP);
    SK_CHECK_EQ(e.offset, 40u);
    SK_CHECK_EQ(e.proto_ptr, 6u);
    SK_CHECK(!e.fragment && !e.router_alert);
    SK_CHECK_EQ(e.icmp_action, SK_IP6_ICMP_NONE);
    /* an unknown upper layer is the caller's: code 1 at proto_ptr */
    SK_CHECK_EQ_I(walk(253, NULL, 0, 0, &e), 0);
    SK_CHECK_EQ(e.proto, 253u);
    SK_CHECK_EQ_I(walk(SK_IPPROTO_NONE, NULL, 0, 0, &e), 0);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_NONE);
}

/* Linux's MLDv2 report: hop-by-hop with router alert (MLD) and PadN. */
static void test_golden_router_alert(void)
{
    sk_ip6_repr r;
    sk_ip6_ext e;
    SK_CHECK_EQ_I(sk_ip6_parse(mld2_report + 14, sizeof mld2_report - 14, &r), 0);
    SK_CHECK_EQ(r.next_header, SK_IPPROTO_HOPOPTS);
    SK_CHECK_EQ_I(sk_ip6_walk_ext(&r, &e), 0);
    SK_CHECK(e.router_alert);
    SK_CHECK_EQ(e.router_alert_value, 0u);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_ICMPV6);
    SK_CHECK_EQ(e.offset, 48u);
    SK_CHECK_EQ(e.proto_ptr, 40u);
}

static void test_options_padding_and_chain(void)
{
    sk_ip6_ext e;
    /* hop-by-hop with six Pad1, then destination options with PadN of 4,
     * then routing with segments left 0 (type 0 too: ignored, §4.4) */
    const uint8_t ext[] = {
        SK_IPPROTO_DSTOPTS, 0, 0, 0, 0, 0, 0, 0,
        SK_IPPROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0,
        SK_IPPROTO_TCP, 0, 0, 0, 0, 0, 0, 0, /* type 0, segments left 0 */
    };
    SK_CHECK_EQ_I(walk(SK_IPPROTO_HOPOPTS, ext, sizeof ext, 20, &e), 0);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_TCP);
    SK_CHECK_EQ(e.offset, 64u);
    SK_CHECK_EQ(e.proto_ptr, 56u);
    SK_CHECK(!e.router_alert);
    /* router alert in a destination options header is an unknown option
     * whose high bits say skip */
    const uint8_t dst_ra[] = {SK_IPPROTO_UDP, 0, 5, 2, 0, 0, 1, 0};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, dst_ra, sizeof dst_ra, 8, &e), 0);
    SK_CHECK(!e.router_alert);
}

/* §4.2: the two high-order bits of an unknown option type. */
static void test_unknown_option_actions(void)
{
    static const struct {
        uint8_t type;
        int reason;
        uint8_t action;
    } cases[] = {
        {0x1e, 0, SK_IP6_ICMP_NONE},
        {0x5e, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_NONE},
        {0x9e, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_SEND},
        {0xde, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_SEND_UNLESS_MCAST},
        {0xc2, SK_DROP_IP6_OPT_UNKNOWN, SK_IP6_ICMP_SEND_UNLESS_MCAST}, /* jumbo: unsupported */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int hbh = 0; hbh < 2; hbh++) {
            /* PadN of 2 first, so the option sits at byte 4 of the header */
            uint8_t ext[16] = {SK_IPPROTO_UDP, 1, 1, 0, cases[i].type, 6, 0, 0,
                               0, 0, 0, 0, 0, 0, 1, 0};
            sk_ip6_ext e;
            uint8_t nh = hbh ? SK_IPPROTO_HOPOPTS : SK_IPPROTO_DSTOPTS;
            SK_CHECK_EQ_I(walk(nh, ext, sizeof ext, 8, &e), cases[i].reason);
            SK_CHECK_EQ(e.icmp_action, cases[i].action);
            if (cases[i].action != SK_IP6_ICMP_NONE) {
                SK_CHECK_EQ(e.icmp_code, SK_ICMP6_PARAM_OPTION);
                SK_CHECK_EQ(e.icmp_pointer, 44u);
            }
        }
    }
}

static void test_option_past_header(void)
{
    sk_ip6_ext e;
    const uint8_t padn_long[] = {SK_IPPROTO_UDP, 0, 1, 5, 0, 0, 0, 0}; /* 7 bytes in 6 */
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, padn_long, sizeof padn_long, 8, &e),
                  SK_DROP_IP6_OPT_BAD);
    SK_CHECK_EQ(e.icmp_action, SK_IP6_ICMP_NONE);
    const uint8_t type_only[] = {SK_IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 0x1e}; /* no length byte */
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, type_only, sizeof type_only, 8, &e),
                  SK_DROP_IP6_OPT_BAD);
    const uint8_t padn_fits[] = {SK_IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, padn_fits, sizeof padn_fits, 8, &e), 0);
    const uint8_t ra_short[] = {SK_IPPROTO_UDP, 0, 5, 1, 0, 1, 1, 0}; /* RFC 2711: 2 bytes */
    SK_CHECK_EQ_I(walk(SK_IPPROTO_HOPOPTS, ra_short, sizeof ra_short, 8, &e),
                  SK_DROP_IP6_OPT_BAD);
}

/* §4.1: hop-by-hop only right after the fixed header; code 1 at the next
 * header byte that named it. */
static void test_hop_by_hop_not_first(void)
{
    sk_ip6_ext e;
    const uint8_t ext[] = {
        SK_IPPROTO_HOPOPTS, 0, 1, 4, 0, 0, 0, 0,
        SK_IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0,
    };
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, ext, sizeof ext, 8, &e), SK_DROP_IP6_HBH_NOT_FIRST);
    SK_CHECK_EQ(e.icmp_action, SK_IP6_ICMP_SEND);
    SK_CHECK_EQ(e.icmp_code, SK_ICMP6_PARAM_NEXT_HEADER);
    SK_CHECK_EQ(e.icmp_pointer, 40u);
}

/* §4.4 and RFC 5095 §3: a routing header with segments left, type 0 or any
 * other, is refused with code 0 at the routing type byte. */
static void test_routing_header(void)
{
    for (uint8_t type = 0; type < 5; type++) {
        sk_ip6_ext e;
        const uint8_t ext[] = {
            SK_IPPROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0,
            SK_IPPROTO_UDP, 2, type, 1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        };
        SK_CHECK_EQ_I(walk(SK_IPPROTO_HOPOPTS, ext, sizeof ext, 8, &e), SK_DROP_IP6_ROUTING);
        SK_CHECK_EQ(e.icmp_action, SK_IP6_ICMP_SEND);
        SK_CHECK_EQ(e.icmp_code, SK_ICMP6_PARAM_HEADER);
        SK_CHECK_EQ(e.icmp_pointer, 50u);
    }
    const uint8_t rh0_done[] = {
        SK_IPPROTO_UDP, 2, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    sk_ip6_ext e;
    SK_CHECK_EQ_I(walk(SK_IPPROTO_ROUTING, rh0_done, sizeof rh0_done, 8, &e), 0);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_UDP);
    SK_CHECK_EQ(e.offset, 64u);
}

static void test_fragments(void)
{
    sk_ip6_ext e;
    /* a later fragment: the walk stops after the fragment header */
    const uint8_t later[] = {SK_IPPROTO_UDP, 0, 0x05, 0x40, 0x12, 0x34, 0x56, 0x78};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, later, sizeof later, 13, &e), 0);
    SK_CHECK(e.fragment && !e.atomic && !e.frag_more);
    SK_CHECK_EQ(e.frag_offset, 1344u); /* 0x0540 & ~7 = 168 units of 8 */
    SK_CHECK_EQ(e.frag_id, 0x12345678u);
    SK_CHECK_EQ(e.frag_hdr_offset, 40u);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_UDP);
    SK_CHECK_EQ(e.offset, 48u);
    /* a first fragment with M set and 16 bytes: stops too */
    const uint8_t first[] = {SK_IPPROTO_UDP, 0, 0x00, 0x01, 0, 0, 0, 9};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, first, sizeof first, 16, &e), 0);
    SK_CHECK(e.fragment && !e.atomic && e.frag_more);
    SK_CHECK_EQ(e.frag_offset, 0u);
    /* RFC 6946: an atomic fragment is walked through, reserved bits ignored */
    const uint8_t atomic[] = {
        SK_IPPROTO_DSTOPTS, 0xff, 0x00, 0x06, 0, 0, 0, 7,
        SK_IPPROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0,
    };
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, atomic, sizeof atomic, 8, &e), 0);
    SK_CHECK(e.fragment && e.atomic);
    SK_CHECK_EQ(e.frag_id, 7u);
    SK_CHECK_EQ(e.proto, SK_IPPROTO_ICMPV6);
    SK_CHECK_EQ(e.offset, 56u);
    SK_CHECK_EQ(e.proto_ptr, 48u);
}

/* §4.5: a fragment with M set whose length is not a multiple of 8 (code 0
 * at the payload length); one reaching past 65535 (code 0 at the offset). */
static void test_fragment_rules(void)
{
    sk_ip6_ext e;
    const uint8_t odd[] = {SK_IPPROTO_UDP, 0, 0x00, 0x09, 0, 0, 0, 1};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, odd, sizeof odd, 15, &e), SK_DROP_IP6_FRAG_BAD);
    SK_CHECK_EQ(e.icmp_action, SK_IP6_ICMP_SEND);
    SK_CHECK_EQ(e.icmp_code, SK_ICMP6_PARAM_HEADER);
    SK_CHECK_EQ(e.icmp_pointer, 4u);
    /* the last fragment may have any length */
    const uint8_t last[] = {SK_IPPROTO_UDP, 0, 0x00, 0x08, 0, 0, 0, 1};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, last, sizeof last, 15, &e), 0);
    /* 8 bytes of destination options before the fragment header count:
     * 8 + 65528 is already 65536, too long even with no data */
    const uint8_t big[] = {
        SK_IPPROTO_FRAGMENT, 0, 1, 4, 0, 0, 0, 0,
        SK_IPPROTO_UDP, 0, 0xff, 0xf8, 0, 0, 0, 1,
    };
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, big, sizeof big, 8, &e), SK_DROP_IP6_FRAG_BAD);
    SK_CHECK_EQ(e.icmp_pointer, 50u);
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, big, sizeof big, 0, &e), SK_DROP_IP6_FRAG_BAD);
    const uint8_t edge[] = {SK_IPPROTO_UDP, 0, 0xff, 0xf0, 0, 0, 0, 1};
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, edge, sizeof edge, 15, &e), 0); /* 65520 + 15 */
    SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, edge, sizeof edge, 16, &e), SK_DROP_IP6_FRAG_BAD);
}

static void test_truncated_headers(void)
{
    sk_ip6_ext e;
    const uint8_t ext[] = {
        SK_IPPROTO_UDP, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    for (size_t n = 0; n < sizeof ext; n++) {
        SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, ext, n, 0, &e), SK_DROP_IP6_EXT_TRUNCATED);
        SK_CHECK_EQ_I(walk(SK_IPPROTO_HOPOPTS, ext, n, 0, &e), SK_DROP_IP6_EXT_TRUNCATED);
        SK_CHECK_EQ_I(walk(SK_IPPROTO_ROUTING, ext, n, 0, &e), SK_DROP_IP6_EXT_TRUNCATED);
        if (n < 8)
            SK_CHECK_EQ_I(walk(SK_IPPROTO_FRAGMENT, ext, n, 0, &e), SK_DROP_IP6_EXT_TRUNCATED);
    }
    SK_CHECK_EQ_I(walk(SK_IPPROTO_DSTOPTS, ext, sizeof ext, 0, &e), 0);
}

int main(void)
{
    SK_RUN(test_no_extension_headers);
    SK_RUN(test_golden_router_alert);
    SK_RUN(test_options_padding_and_chain);
    SK_RUN(test_unknown_option_actions);
    SK_RUN(test_option_past_header);
    SK_RUN(test_hop_by_hop_not_first);
    SK_RUN(test_routing_header);
    SK_RUN(test_fragments);
    SK_RUN(test_fragment_rules);
    SK_RUN(test_truncated_headers);
    return sk_test_finish();
}
