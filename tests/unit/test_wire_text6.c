/* wire/seg_text: the one-line forms of ICMPv6/ND/MLDv2 and UDP, checked
 * against tcpdump 4.99's output for every golden frame of golden_ip6.h
 * (`tcpdump -r golden6.pcap -n -t`; the lines are pasted below), with the
 * "IP6 src > dst: " prefix built from our own address text. */
#include "base/bytes.h"
#include "golden_ip6.h"
#include "sk_test.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/seg_text.h"
#include "wire/udp.h"

#include <stdio.h>

/* "IP6 src > dst: [HBH ]<text>" for an ICMPv6 frame. */
static void icmp6_line(const uint8_t *frame, size_t flen, char *line, size_t cap)
{
    sk_ip6_repr ip;
    sk_ip6_ext e;
    char s[SK_IP6_STR_LEN], d[SK_IP6_STR_LEN], text[200];
    SK_CHECK_EQ_I(sk_ip6_parse(frame + 14, flen - 14, &ip), 0);
    SK_CHECK_EQ_I(sk_ip6_walk_ext(&ip, &e), 0);
    const uint8_t *m = frame + 14 + e.offset;
    size_t len = flen - 14 - e.offset;
    sk_icmp6_repr r;
    SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, m, len, &r), 0);
    SK_CHECK_EQ(sk_icmp6_str(m, len, text, sizeof text), strlen(text));
    snprintf(line, cap, "IP6 %s > %s: %s%s", sk_ip6_to_str(ip.src, s, sizeof s),
             sk_ip6_to_str(ip.dst, d, sizeof d), ip.next_header == 0 ? "HBH " : "", text);
}

#define LINE(frame, want)                                                                          \
    do {                                                                                           \
        char line_[300];                                                                           \
        icmp6_line((frame), sizeof(frame), line_, sizeof line_);                                   \
        SK_CHECK_STR(line_, want);                                                                 \
    } while (0)

static void test_icmp6_lines_match_tcpdump(void)
{
    LINE(mld2_report, "IP6 :: > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28");
    LINE(ns_dad, "IP6 :: > ff02::1:ff00:a: ICMP6, neighbor solicitation, who has 2001:db8:1::a, length 32");
    LINE(rs, "IP6 fe80::ff:fe00:a > ff02::2: ICMP6, router solicitation, length 16");
    LINE(ra, "IP6 fe80::ff:fe00:b > fe80::ff:fe00:a: ICMP6, router advertisement, length 64");
    LINE(ra_global_src, "IP6 2001:db8:1::b > ff02::1: ICMP6, router advertisement, length 64");
    LINE(ns, "IP6 2001:db8:1::a > ff02::1:ff00:b: ICMP6, neighbor solicitation, who has 2001:db8:1::b, length 32");
    LINE(na, "IP6 2001:db8:1::b > 2001:db8:1::a: ICMP6, neighbor advertisement, tgt is 2001:db8:1::b, length 32");
    LINE(echo6_request, "IP6 2001:db8:1::a > 2001:db8:1::b: ICMP6, echo request, id 10045, seq 1, length 64");
    LINE(echo6_reply, "IP6 2001:db8:1::b > 2001:db8:1::a: ICMP6, echo reply, id 10045, seq 1, length 64");
    LINE(port_unreach6, "IP6 2001:db8:1::b > 2001:db8:1::a: ICMP6, destination unreachable, unreachable port, 2001:db8:1::b udp port 9999, length 63");
    LINE(time_exceeded6, "IP6 2001:db8:1::b > 2001:db8:1::a: ICMP6, time exceeded in-transit for 2001:db8:2::c, length 112");
    LINE(too_big6, "IP6 2001:db8:1::b > 2001:db8:1::a: ICMP6, packet too big, mtu 1280, length 1240");
}

static void test_udp_lines_match_tcpdump(void)
{
    sk_ip6_repr ip;
    sk_udp_repr u;
    char s[SK_IP6_STR_LEN], d[SK_IP6_STR_LEN], text[64], line[200];
    SK_CHECK_EQ_I(sk_ip6_parse(udp6 + 14, sizeof udp6 - 14, &ip), 0);
    SK_CHECK_EQ_I(sk_udp_parse(ip.payload, ip.payload_len, &u), 0);
    SK_CHECK_EQ(sk_udp_str(&u, text, sizeof text), strlen(text));
    snprintf(line, sizeof line, "IP6 %s.%u > %s.%u: %s", sk_ip6_to_str(ip.src, s, sizeof s),
             u.src_port, sk_ip6_to_str(ip.dst, d, sizeof d), u.dst_port, text);
    SK_CHECK_STR(line, "IP6 2001:db8:1::a.40000 > 2001:db8:1::b.7777: UDP, length 8");
}

/* Messages without a golden frame: the parameter problem wording of
 * tcpdump's print-icmp6.c, other codes, unknown types, small buffers. */
static void test_other_messages(void)
{
    uint8_t m[56];
    char text[120];
    memset(m, 0, sizeof m);
    memcpy(m + 8, echo6_request + 14, 48);
    m[0] = SK_ICMP6_PARAM_PROBLEM;
    m[1] = SK_ICMP6_PARAM_OPTION;
    sk_store_be32(m + 4, 44);
    sk_icmp6_str(m, sizeof m, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, parameter problem, option - octet 44, length 56");
    m[1] = SK_ICMP6_PARAM_NEXT_HEADER;
    sk_store_be32(m + 4, 6);
    sk_icmp6_str(m, sizeof m, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, parameter problem, next header - octet 6, length 56");
    m[1] = 7;
    sk_icmp6_str(m, sizeof m, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, parameter problem, code-#7, length 56");
    m[0] = SK_ICMP6_DEST_UNREACH;
    m[1] = SK_ICMP6_UNREACH_ADDR;
    sk_icmp6_str(m, sizeof m, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, destination unreachable, code 3, length 56");
    m[0] = SK_ICMP6_TIME_EXCEEDED;
    m[1] = SK_ICMP6_TIME_REASSEMBLY;
    sk_icmp6_str(m, sizeof m, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, time exceeded reassembly, length 56");
    m[0] = 200;
    sk_icmp6_str(m, sizeof m, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, type 200, length 56");
    sk_icmp6_str(m, 3, text, sizeof text);
    SK_CHECK_STR(text, "ICMP6, truncated, length 3");
    memset(text, 'x', sizeof text);
    SK_CHECK_EQ(sk_icmp6_str(m, sizeof m, text, 10), 9u);
    SK_CHECK_STR(text, "ICMP6, ty");
    SK_CHECK_EQ(text[10], 'x');
    SK_CHECK_EQ(sk_icmp6_str(m, sizeof m, text, 0), 0u);
}

int main(void)
{
    SK_RUN(test_icmp6_lines_match_tcpdump);
    SK_RUN(test_udp_lines_match_tcpdump);
    SK_RUN(test_other_messages);
    return sk_test_finish();
}
