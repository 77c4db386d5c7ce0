/* wire/ipv6 + ip6_ext + base/addr6: the IPv6 fixed header (RFC 8200 §3),
 * address classes (RFC 4291), the extension-header walker (RFC 8200 §4,
 * RFC 5095, RFC 6946) and the text forms (RFC 4291 §2.2, RFC 5952).
 * Golden frames: tests/support/golden_ip6.h (tests/tools/capture_golden6.sh);
 * the values checked are those of the capture's setup and of tshark's
 * dissection of the same bytes. */
#include <arpa/inet.h>

#include "base/bytes.h"
#include "golden_ip6.h"
#include "sk_test.h"
#include "synack/error.h"
#include "synack/stats.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"

#define IP6_OF(frame) ((frame) + 14)
#define IP6_LEN(frame) (sizeof(frame) - 14)

static sk_ip6 A6(const char *s)
{
    sk_ip6 a;
    memset(&a, 0, sizeof a);
    SK_CHECK_EQ_I(sk_ip6_from_str(s, &a), 0);
    return a;
}

static void check_reemit(const uint8_t *pkt, size_t len)
{
    sk_ip6_repr r;
    uint8_t out[SK_IP6_HDR_LEN];
    SK_CHECK_EQ_I(sk_ip6_parse(pkt, len, &r), 0);
    SK_CHECK_EQ(sk_ip6_emit(&r, out, sizeof out), SK_IP6_HDR_LEN);
    SK_CHECK_MEM(out, pkt, SK_IP6_HDR_LEN);
    SK_CHECK(r.payload == pkt + SK_IP6_HDR_LEN);
}

static void test_parse_golden_echo(void)
{
    sk_ip6_repr r;
    SK_CHECK_EQ_I(sk_ip6_parse(IP6_OF(echo6_request), IP6_LEN(echo6_request), &r), 0);
    SK_CHECK_EQ(r.traffic_class, 0u);
    SK_CHECK_EQ(r.flow_label, 0x11a66u); /* Linux's automatic flow label */
    SK_CHECK_EQ(r.payload_len, 64u);
    SK_CHECK_EQ(r.next_header, SK_IPPROTO_ICMPV6);
    SK_CHECK_EQ(r.hop_limit, 64u);
    SK_CHECK(sk_ip6_eq(r.src, A6("2001:db8:1::a")));
    SK_CHECK(sk_ip6_eq(r.dst, A6("2001:db8:1::b")));
    check_reemit(IP6_OF(echo6_request), IP6_LEN(echo6_request));
    check_reemit(IP6_OF(echo6_reply), IP6_LEN(echo6_reply));
}

/* dnsmasq's RA: traffic class CS6 (0xc0), a flow label, hop limit 255;
 * then every golden frame's header re-emits byte for byte. */
static void test_parse_golden_ra_traffic_class(void)
{
    sk_ip6_repr r;
    SK_CHECK_EQ_I(sk_ip6_parse(IP6_OF(ra), IP6_LEN(ra), &r), 0);
    SK_CHECK_EQ(r.traffic_class, 0xc0u);
    SK_CHECK_EQ(r.flow_label, 0x58696u);
    SK_CHECK_EQ(r.hop_limit, 255u);
    SK_CHECK(sk_ip6_eq(r.src, A6("fe80::ff:fe00:b")));
    SK_CHECK(sk_ip6_eq(r.dst, A6("fe80::ff:fe00:a"))); /* the answer to A's RS, unicast */
    for (size_t i = 0; i < 13; i++) {
        const uint8_t *frames[] = {IP6_OF(mld2_report), IP6_OF(ns_dad), IP6_OF(rs),
                                   IP6_OF(ra), IP6_OF(ra_global_src), IP6_OF(ns),
                                   IP6_OF(na), IP6_OF(udp6), IP6_OF(port_unreach6),
                                   IP6_OF(time_exceeded6), IP6_OF(too_big6),
                                   IP6_OF(echo6_request), IP6_OF(echo6_reply)};
        size_t lens[] = {IP6_LEN(mld2_report), IP6_LEN(ns_dad), IP6_LEN(rs), IP6_LEN(ra),
                         IP6_LEN(ra_global_src), IP6_LEN(ns), IP6_LEN(na), IP6_LEN(udp6),
                         IP6_LEN(port_unreach6), IP6_LEN(time_exceeded6),
                         IP6_LEN(too_big6), IP6_LEN(echo6_request), IP6_LEN(echo6_reply)};
        check_reemit(frames[i], lens[i]);
    }
}

static void test_reject_truncated(void)
{
    sk_ip6_repr r;
    for (size_t n = 0; n < SK_IP6_HDR_LEN; n++)
        SK_CHECK_EQ_I(sk_ip6_parse(IP6_OF(echo6_request), n, &r), SK_DROP_IP6_TRUNCATED);
    SK_CHECK_EQ_I(sk_ip6_parse(NULL, 0, &r), SK_DROP_IP6_TRUNCATED);
}

static void test_reject_version(void)
{
    uint8_t p[sizeof echo6_request];
    sk_ip6_repr r;
    for (unsigned v = 0; v < 16; v++) {
        memcpy(p, IP6_OF(echo6_request), IP6_LEN(echo6_request));
        p[0] = (uint8_t)(v << 4 | (p[0] & 0x0f));
        int want = v == 6 ? 0 : SK_DROP_IP6_VERSION;
        SK_CHECK_EQ_I(sk_ip6_parse(p, IP6_LEN(echo6_request), &r), want);
    }
}

/* The payload length may be shorter than the frame (link padding, left
 * out), never longer. */
static void test_payload_length(void)
{
    uint8_t p[sizeof echo6_request + 8];
    sk_ip6_repr r;
    size_t n = IP6_LEN(echo6_request);
    memcpy(p, IP6_OF(echo6_request), n);
    SK_CHECK_EQ_I(sk_ip6_parse(p, n - 1, &r), SK_DROP_IP6_PAYLOAD_LEN);
    memset(p + n, 0xee, 8);
    SK_CHECK_EQ_I(sk_ip6_parse(p, n + 8, &r), 0);
    SK_CHECK_EQ(r.payload_len, 64u);
    sk_store_be16(p + 4, 0);
    SK_CHECK_EQ_I(sk_ip6_parse(p, n, &r), 0);
    SK_CHECK_EQ(r.payload_len, 0u);
    sk_store_be16(p + 4, 0xffff);
    SK_CHECK_EQ_I(sk_ip6_parse(p, sizeof p, &r), SK_DROP_IP6_PAYLOAD_LEN);
}

static void test_reject_multicast_source(void)
{
    uint8_t p[sizeof echo6_request];
    sk_ip6_repr r;
    memcpy(p, IP6_OF(echo6_request), IP6_LEN(echo6_request));
    p[8] = 0xff;
    SK_CHECK_EQ_I(sk_ip6_parse(p, IP6_LEN(echo6_request), &r), SK_DROP_IP6_BAD_SRC);
    p[8] = 0xfe; /* fe01:db8:... is no multicast */
    SK_CHECK_EQ_I(sk_ip6_parse(p, IP6_LEN(echo6_request), &r), 0);
}

static void test_emit_masks_flow_label(void)
{
    sk_ip6_repr r = {0};
    uint8_t out[SK_IP6_HDR_LEN];
    r.traffic_class = 0xab;
    r.flow_label = 0xfff12345u;
    r.payload_len = 0;
    r.next_header = SK_IPPROTO_NONE;
    r.hop_limit = 7;
    SK_CHECK_EQ(sk_ip6_emit(&r, out, SK_IP6_HDR_LEN - 1), 0u);
    SK_CHECK_EQ(sk_ip6_emit(&r, out, sizeof out), SK_IP6_HDR_LEN);
    SK_CHECK_EQ(sk_load_be32(out), 0x6ab12345u);
}

static void test_address_classes(void)
{
    SK_CHECK(sk_ip6_is_unspecified(A6("::")));
    SK_CHECK(!sk_ip6_is_unspecified(A6("::1")));
    SK_CHECK(sk_ip6_is_loopback(A6("::1")));
    SK_CHECK(!sk_ip6_is_loopback(A6("1::1")));
    SK_CHECK(sk_ip6_is_multicast(A6("ff02::16")));
    SK_CHECK(!sk_ip6_is_multicast(A6("fe80::1")));
    SK_CHECK_EQ(sk_ip6_mcast_scope(A6("ff02::1")), 2u);
    SK_CHECK_EQ(sk_ip6_mcast_scope(A6("ff0e::1")), 0xeu);
    SK_CHECK_EQ(sk_ip6_mcast_scope(A6("ff15::1")), 5u); /* flags 1, scope 5 */
    SK_CHECK_EQ(sk_ip6_mcast_scope(A6("2001:db8::1")), 0u);
    SK_CHECK(sk_ip6_is_link_local(A6("fe80::ff:fe00:a")));
    SK_CHECK(sk_ip6_is_link_local(A6("febf::1")));  /* fe80::/10 ends at febf */
    SK_CHECK(!sk_ip6_is_link_local(A6("fec0::1"))); /* old site-local */
    SK_CHECK(!sk_ip6_is_link_local(A6("fe7f::1")));
    SK_CHECK(sk_ip6_is_v4_mapped(A6("::ffff:192.0.2.1")));
    SK_CHECK(!sk_ip6_is_v4_mapped(A6("::192.0.2.1")));
    SK_CHECK(!sk_ip6_is_v4_mapped(A6("1::ffff:192.0.2.1")));
    /* The solicited-node group Linux joined in the capture (ff02::1:ff00:a). */
    SK_CHECK(sk_ip6_eq(sk_ip6_solicited_node(A6("2001:db8:1::a")), A6("ff02::1:ff00:a")));
    SK_CHECK(sk_ip6_eq(sk_ip6_solicited_node(A6("fe80::1234:5678:9abc")),
                       A6("ff02::1:ff78:9abc")));
    SK_CHECK(sk_ip6_is_solicited_node(A6("ff02::1:ff12:3456")));
    SK_CHECK(!sk_ip6_is_solicited_node(A6("ff02::1:fe12:3456")));
    SK_CHECK(!sk_ip6_is_solicited_node(A6("ff02::1")));
    SK_CHECK(sk_ip6_eq(sk_ip6_all_nodes(), A6("ff02::1")));
    SK_CHECK(sk_ip6_eq(sk_ip6_all_routers(), A6("ff02::2")));
    SK_CHECK(sk_ip6_eq(sk_ip6_mld2_routers(), A6("ff02::16")));
    SK_CHECK(sk_ip6_same_prefix(A6("2001:db8:1::a"), A6("2001:db8:1::b"), 64));
    SK_CHECK(!sk_ip6_same_prefix(A6("2001:db8:1::a"), A6("2001:db8:1::b"), 128));
    SK_CHECK(sk_ip6_same_prefix(A6("2001:db8:1::a"), A6("2001:db8:1::b"), 124));
    SK_CHECK(!sk_ip6_same_prefix(A6("2001:db8:1::a"), A6("2001:db8:1::1a"), 124));
    SK_CHECK(sk_ip6_same_prefix(A6("2001:db8::"), A6("2001:dbf::"), 29));
    SK_CHECK(!sk_ip6_same_prefix(A6("2001:db8::"), A6("2001:dbf::"), 30));
    SK_CHECK(sk_ip6_same_prefix(A6("::"), A6("ffff::"), 0));
}

/* The capture's MACs and link-local addresses: Linux derived
 * fe80::ff:fe00:a from 02:00:00:00:00:0a, and sent to 33:33:ff:00:00:0b for
 * ff02::1:ff00:b. */
static void test_link_layer_mappings(void)
{
    sk_mac a = {{0x02, 0, 0, 0, 0, 0x0a}};
    SK_CHECK(sk_ip6_eq(sk_ip6_link_local_from_mac(a), A6("fe80::ff:fe00:a")));
    sk_mac u = {{0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e}};
    SK_CHECK(sk_ip6_eq(sk_ip6_link_local_from_mac(u), A6("fe80::21b:21ff:fe3c:4d5e")));
    sk_mac m = sk_ip6_mcast_mac(A6("ff02::1:ff00:b"));
    SK_CHECK_MEM(m.b, ns, 6);
    m = sk_ip6_mcast_mac(A6("ff02::16"));
    SK_CHECK_MEM(m.b, mld2_report, 6);
}

/* --- text forms --------------------------------------------------------- */

static void check_text(const char *in, const char *canonical)
{
    sk_ip6 a;
    char buf[SK_IP6_STR_LEN];
    SK_CHECK_MSG(sk_ip6_from_str(in, &a) == 0, "'%s' refused", in);
    SK_CHECK_STR(sk_ip6_to_str(a, buf, sizeof buf), canonical);
}

static void test_text_forms(void)
{
    check_text("2001:db8:1::a", "2001:db8:1::a");
    check_text("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"); /* §4.1, §4.3 */
    check_text("::", "::");
    check_text("::1", "::1");
    check_text("1::", "1::");
    check_text("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"); /* §4.2.2: one zero stays */
    check_text("2001:db8::1:0:0:1", "2001:db8::1:0:0:1");       /* §4.2.3: first of equals */
    check_text("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");         /* §4.2.3: the longest */
    check_text("1:0:0:0:0:0:0:0", "1::");
    check_text("0:0:0:0:0:0:0:1", "::1");
    check_text("::ffff:192.0.2.1", "::ffff:192.0.2.1"); /* §5 */
    check_text("::ffff:c000:0201", "::ffff:192.0.2.1");
    check_text("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304");
    check_text("::1.2.3.4", "::102:304");
    check_text("ff02::1:ff00:a", "ff02::1:ff00:a");
    check_text("fe80::ff:fe00:a", "fe80::ff:fe00:a");
    check_text("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    check_text("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"); /* "::" for one group parses */
    check_text("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
}

static void test_text_rejects(void)
{
    static const char *bad[] = {
        "", ":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::", "g::", "1:2:3:4:5:6:7:1.2.3.4",
        "::1.2.3", "::1.2.3.4.5", "::256.1.1.1", "::1.2.3.4:5", "1.2.3.4", "::1 ", " ::1",
        "fe80::1%eth0", "[::1]", "::ffff:1.2.3.04x", "1:2:3:4:5:6:7:8/64",
    };
    sk_ip6 a;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        SK_CHECK_MSG(sk_ip6_from_str(bad[i], &a) == SK_EINVAL, "'%s' accepted", bad[i]);
    SK_CHECK_EQ_I(sk_ip6_from_str(NULL, &a), SK_EINVAL);
    SK_CHECK_EQ_I(sk_ip6_from_str("::", NULL), SK_EINVAL);
}

static void test_prefix_from_str(void)
{
    sk_ip6 a;
    uint8_t len = 0;
    SK_CHECK_EQ_I(sk_ip6_prefix_from_str("2001:db8:1::/64", &a, &len), 0);
    SK_CHECK(sk_ip6_eq(a, A6("2001:db8:1::")));
    SK_CHECK_EQ(len, 64u);
    SK_CHECK_EQ_I(sk_ip6_prefix_from_str("::/0", &a, &len), 0);
    SK_CHECK_EQ(len, 0u);
    SK_CHECK_EQ_I(sk_ip6_prefix_from_str("::ffff:192.0.2.0/120", &a, &len), 0);
    SK_CHECK_EQ(len, 120u);
    SK_CHECK_EQ_I(sk_ip6_prefix_from_str("2001:db8::1/128", &a, &len), 0);
    SK_CHECK_EQ(len, 128u);
    static const char *bad[] = {"2001:db8::/129", "2001:db8::", "2001:db8::/", "2001:db8::/64x",
                                "2001:db8::/0064", "/64", "2001:db8:/64", "::/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        SK_CHECK_MSG(sk_ip6_prefix_from_str(bad[i], &a, &len) == SK_EINVAL, "'%s' accepted",
                     bad[i]);
}

/* Against the C library: random addresses with many zero groups; both
 * parsers agree on every text glibc writes, and our canonical text is
 * glibc's (which follows RFC 5952 except for ::a.b.c.d, skipped). */
static void test_text_against_libc(void)
{
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        sk_ip6 a, b;
        for (int w = 0; w < 8; w++) {
            x = x * 1103515245u + 12345u;
            uint16_t v = (x >> 16) & 1 ? 0 : (uint16_t)(x >> 8);
            if ((x >> 20) % 7 == 0)
                v = (uint16_t)((x >> 4) & 0xf);
            a.b[2 * w] = (uint8_t)(v >> 8);
            a.b[2 * w + 1] = (uint8_t)v;
        }
        char mine[SK_IP6_STR_LEN], libc[INET6_ADDRSTRLEN];
        SK_CHECK(inet_ntop(AF_INET6, a.b, libc, sizeof libc) != NULL);
        sk_ip6_to_str(a, mine, sizeof mine);
        SK_CHECK_EQ_I(sk_ip6_from_str(libc, &b), 0);
        SK_CHECK(sk_ip6_eq(a, b));
        uint8_t back[16];
        SK_CHECK_EQ_I(inet_pton(AF_INET6, mine, back), 1);
        SK_CHECK_MEM(back, a.b, 16);
        bool compat = sk_ip6_same_prefix(a, A6("::"), 96) && !sk_ip6_is_unspecified(a) &&
                      !sk_ip6_is_loopback(a);
        if (!compat && strcmp(mine, libc) != 0) {
            SK_CHECK_STR(mine, libc);
            break;
        }
    }
}

static void test_to_str_small_buffers(void)
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    sk_ip6_to_str(A6("2001:db8:1::a"), buf, 5);
    SK_CHECK_STR(buf, "2001");
    SK_CHECK_EQ(buf[5], 'x');
    sk_ip6_to_str(A6("::1"), buf, 0);
    SK_CHECK_EQ(buf[0], '2'); /* nothing written */
    char full[SK_IP6_STR_LEN];
    SK_CHECK_STR(sk_ip6_to_str(A6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"), full, sizeof full),
                 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    SK_CHECK_STR(sk_ip6_to_str(A6("::ffff:255.255.255.255"), full, sizeof full),
                 "::ffff:255.255.255.255");
}

int main(void)
{
    SK_RUN(test_parse_golden_echo);
    SK_RUN(test_parse_golden_ra_traffic_class);
    SK_RUN(test_reject_truncated);
    SK_RUN(test_reject_version);
    SK_RUN(test_payload_length);
    SK_RUN(test_reject_multicast_source);
    SK_RUN(test_emit_masks_flow_label);
    SK_RUN(test_address_classes);
    SK_RUN(test_link_layer_mappings);
    SK_RUN(test_text_forms);
    SK_RUN(test_text_rejects);
    SK_RUN(test_prefix_from_str);
    SK_RUN(test_text_against_libc);
    SK_RUN(test_to_str_small_buffers);
    return sk_test_finish();
}
