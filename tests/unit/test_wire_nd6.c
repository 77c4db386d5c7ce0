/* wire/nd6: Neighbour Discovery messages (RFC 4861 §4), options (§4.6) and
 * the packet rules of §6.1.1 (RS), §6.1.2 (RA), §7.1.1 (NS), §7.1.2 (NA),
 * §8.1 (redirect). Golden frames from tests/support/golden_ip6.h: Linux's
 * RS, DAD probe (with a nonce option) and address resolution NS, and
 * router B's NA and dnsmasq's RAs (one sent from a global address before
 * B's link-local address was ready, which §6.1.2 says to discard). */
#include "base/bytes.h"
#include "golden_ip6.h"
#include "sk_test.h"
#include "synack/stats.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"

static uint8_t out[1024];
static uint8_t msgbuf[1024];

static sk_ip6 A6(const char *s)
{
    sk_ip6 a;
    memset(&a, 0, sizeof a);
    SK_CHECK_EQ_I(sk_ip6_from_str(s, &a), 0);
    return a;
}

static const sk_mac MAC_A = {{0x02, 0, 0, 0, 0, 0x0a}};
static const sk_mac MAC_B = {{0x02, 0, 0, 0, 0, 0x0b}};

static bool mac_eq(sk_mac a, sk_mac b)
{
    return memcmp(a.b, b.b, 6) == 0;
}

/* Parse a golden frame down to its ND message: IPv6, ICMPv6 (checksum),
 * ND. Returns the ICMPv6 message. */
static const uint8_t *nd_of(const uint8_t *frame, size_t flen, sk_ip6_repr *ip, sk_nd_repr *nd,
                            size_t *len)
{
    sk_icmp6_repr r;
    SK_CHECK_EQ_I(sk_ip6_parse(frame + 14, flen - 14, ip), 0);
    SK_CHECK_EQ(ip->next_header, SK_IPPROTO_ICMPV6);
    *len = ip->payload_len;
    SK_CHECK_EQ_I(sk_icmp6_parse(ip->src, ip->dst, ip->payload, *len, &r), 0);
    SK_CHECK_EQ_I(sk_nd_parse(ip->payload, *len, nd), 0);
    return ip->payload;
}

#define ND(frame, ip, nd, len) nd_of((frame), sizeof(frame), (ip), (nd), (len))

/* Re-emit from the options view (byte for byte), and, when every option is
 * one emit can build, from the fields too. */
static void check_reemit(const sk_ip6_repr *ip, sk_nd_repr nd, const uint8_t *m, size_t len,
                         bool from_fields)
{
    SK_CHECK_EQ(sk_nd_emit(ip->src, ip->dst, &nd, out, sizeof out), len);
    SK_CHECK_MEM(out, m, len);
    SK_CHECK_EQ(sk_nd_emit(ip->src, ip->dst, &nd, out, len - 1), 0u);
    if (!from_fields)
        return;
    nd.options = NULL;
    SK_CHECK_EQ(sk_nd_emit(ip->src, ip->dst, &nd, out, sizeof out), len);
    SK_CHECK_MEM(out, m, len);
}

static void test_golden_rs(void)
{
    sk_ip6_repr ip;
    sk_nd_repr nd;
    size_t len;
    const uint8_t *m = ND(rs, &ip, &nd, &len);
    SK_CHECK_EQ(nd.type, SK_ICMP6_ND_RS);
    SK_CHECK_EQ(nd.checksum, 0x7b1au);
    SK_CHECK(nd.opts.has_sllao && mac_eq(nd.opts.sllao, MAC_A));
    SK_CHECK(!nd.opts.has_tllao && !nd.opts.has_mtu && nd.opts.n_prefix == 0);
    SK_CHECK_EQ(nd.opts.n_unknown, 0u);
    SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_all_routers()));
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    check_reemit(&ip, nd, m, len, true);
}

static void test_golden_ra(void)
{
    sk_ip6_repr ip;
    sk_nd_repr nd;
    size_t len;
    const uint8_t *m = ND(ra, &ip, &nd, &len);
    SK_CHECK_EQ(nd.type, SK_ICMP6_ND_RA);
    SK_CHECK_EQ(nd.checksum, 0xb7feu);
    SK_CHECK_EQ(nd.cur_hop_limit, 64u);
    SK_CHECK(!nd.managed && !nd.other); /* ra-only: SLAAC, no DHCPv6 */
    SK_CHECK_EQ(nd.ra_flags_rest, 0u);
    SK_CHECK_EQ(nd.router_lifetime, 1800u); /* --ra-param=vb,10,1800 */
    SK_CHECK_EQ(nd.reachable_time, 0u);
    SK_CHECK_EQ(nd.retrans_timer, 0u);
    SK_CHECK_EQ(nd.opts.n_prefix, 1u);
    const sk_nd_prefix *p = &nd.opts.prefix[0];
    SK_CHECK_EQ(p->prefix_len, 64u);
    SK_CHECK(p->on_link && p->autonomous);
    SK_CHECK_EQ(p->valid_lifetime, 0xffffffffu);
    SK_CHECK_EQ(p->preferred_lifetime, 0xffffffffu);
    SK_CHECK(sk_ip6_eq(p->prefix, A6("2001:db8:1::")));
    SK_CHECK(nd.opts.has_mtu && nd.opts.mtu == 1500);
    SK_CHECK(nd.opts.has_sllao && mac_eq(nd.opts.sllao, MAC_B));
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    /* dnsmasq orders prefix, MTU, source address; emit builds SLLAO first */
    check_reemit(&ip, nd, m, len, false);
    /* options: walk them with the iterator */
    const uint8_t *o = nd.options;
    size_t left = nd.options_len, blen;
    uint8_t type, order[4];
    const uint8_t *body;
    int k = 0;
    while (k < 4 && sk_nd_opt_next(&o, &left, &type, &body, &blen))
        order[k++] = type;
    SK_CHECK_EQ_I(k, 3);
    SK_CHECK(order[0] == SK_NDOPT_PREFIX && order[1] == SK_NDOPT_MTU && order[2] == SK_NDOPT_SLLAO);
    SK_CHECK_EQ(left, 0u);
}

/* §6.1.2: "IP Source Address is a link-local address". */
static void test_golden_ra_from_global_refused(void)
{
    sk_ip6_repr ip;
    sk_nd_repr nd;
    size_t len;
    ND(ra_global_src, &ip, &nd, &len);
    SK_CHECK(sk_ip6_eq(ip.src, A6("2001:db8:1::b")));
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_SRC_NOT_LINK_LOCAL);
}

static void test_golden_ns_dad(void)
{
    sk_ip6_repr ip;
    sk_nd_repr nd;
    size_t len;
    const uint8_t *m = ND(ns_dad, &ip, &nd, &len);
    SK_CHECK_EQ(nd.type, SK_ICMP6_ND_NS);
    SK_CHECK(sk_ip6_is_unspecified(ip.src));
    SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_solicited_node(A6("2001:db8:1::a"))));
    SK_CHECK(sk_ip6_eq(nd.target, A6("2001:db8:1::a")));
    SK_CHECK(!nd.opts.has_sllao);
    SK_CHECK_EQ(nd.opts.n_unknown, 1u); /* Linux's nonce (RFC 7527) is skipped */
    SK_CHECK_EQ(nd.options_len, 8u);
    SK_CHECK_EQ(nd.options[0], SK_NDOPT_NONCE);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    check_reemit(&ip, nd, m, len, false);
}

static void test_golden_ns_na(void)
{
    sk_ip6_repr ip;
    sk_nd_repr nd;
    size_t len;
    const uint8_t *m = ND(ns, &ip, &nd, &len);
    SK_CHECK(sk_ip6_eq(nd.target, A6("2001:db8:1::b")));
    SK_CHECK(nd.opts.has_sllao && mac_eq(nd.opts.sllao, MAC_A));
    SK_CHECK_EQ(nd.checksum, 0x1c01u);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    check_reemit(&ip, nd, m, len, true);

    m = ND(na, &ip, &nd, &len);
    SK_CHECK_EQ(nd.type, SK_ICMP6_ND_NA);
    SK_CHECK(nd.router && nd.solicited && nd.override); /* B forwards: R */
    SK_CHECK(sk_ip6_eq(nd.target, A6("2001:db8:1::b")));
    SK_CHECK(nd.opts.has_tllao && mac_eq(nd.opts.tllao, MAC_B));
    SK_CHECK_EQ(nd.checksum, 0x0a4au);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    check_reemit(&ip, nd, m, len, true);
}

/* Build an ND message of type from fields into msgbuf, in a packet from
 * src to dst with hop limit 255; parse it back. */
static size_t build(const sk_nd_repr *want, sk_ip6 src, sk_ip6 dst, sk_ip6_repr *ip,
                    sk_nd_repr *nd)
{
    size_t n = sk_nd_emit(src, dst, want, msgbuf, sizeof msgbuf);
    SK_CHECK(n > 0);
    memset(ip, 0, sizeof *ip);
    ip->src = src;
    ip->dst = dst;
    ip->hop_limit = 255;
    ip->next_header = SK_IPPROTO_ICMPV6;
    ip->payload = msgbuf;
    ip->payload_len = (uint16_t)n;
    sk_icmp6_repr r;
    SK_CHECK_EQ_I(sk_icmp6_parse(src, dst, msgbuf, n, &r), 0);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, nd), 0);
    return n;
}

static void test_rules_common(void)
{
    sk_ip6 ll = A6("fe80::1"), a = A6("2001:db8::1");
    const uint8_t types[] = {SK_ICMP6_ND_RS, SK_ICMP6_ND_RA, SK_ICMP6_ND_NS, SK_ICMP6_ND_NA};
    for (size_t i = 0; i < sizeof types; i++) {
        sk_nd_repr w = {0}, nd;
        sk_ip6_repr ip;
        w.type = types[i];
        w.target = a;
        build(&w, ll, a, &ip, &nd);
        SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
        for (unsigned h = 0; h < 255; h += 17) { /* §6.1.1 ...: hop limit 255 */
            ip.hop_limit = (uint8_t)h;
            SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_HOP_LIMIT);
        }
        ip.hop_limit = 254;
        SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_HOP_LIMIT);
        ip.hop_limit = 255;
        nd.code = 1;
        SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_BAD_CODE);
    }
}

static void test_rules_unspecified_source(void)
{
    sk_ip6 any = A6("::"), a = A6("2001:db8::1");
    sk_ip6 sn = sk_ip6_solicited_node(a);
    sk_nd_repr w = {0}, nd;
    sk_ip6_repr ip;
    w.type = SK_ICMP6_ND_RS; /* §6.1.1: no SLLAO from :: */
    build(&w, any, sk_ip6_all_routers(), &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    w.opts.has_sllao = true;
    w.opts.sllao = MAC_A;
    build(&w, any, sk_ip6_all_routers(), &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_UNSPEC_SLLAO);
    build(&w, A6("fe80::1"), sk_ip6_all_routers(), &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);

    w.type = SK_ICMP6_ND_NS; /* §7.1.1 */
    w.target = a;
    build(&w, any, sn, &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_UNSPEC_SLLAO);
    w.opts.has_sllao = false;
    build(&w, any, sn, &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    build(&w, any, a, &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_UNSPEC_DST);
    build(&w, any, sk_ip6_all_nodes(), &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_UNSPEC_DST);
    build(&w, A6("fe80::1"), a, &ip, &nd); /* from an address: unicast is fine */
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
}

static void test_rules_targets_and_flags(void)
{
    sk_ip6 ll = A6("fe80::1"), a = A6("2001:db8::1");
    sk_nd_repr w = {0}, nd;
    sk_ip6_repr ip;
    w.type = SK_ICMP6_ND_NS; /* §7.1.1, §7.1.2: target not multicast */
    w.target = A6("ff02::1");
    build(&w, ll, a, &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_TARGET_MULTICAST);
    w.type = SK_ICMP6_ND_NA;
    build(&w, ll, a, &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_TARGET_MULTICAST);
    w.target = a; /* §7.1.2: to a multicast address, S must be 0 */
    w.solicited = true;
    build(&w, ll, sk_ip6_all_nodes(), &ip, &nd);
    SK_CHECK(nd.solicited);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_SOLICITED_MCAST);
    build(&w, ll, a, &ip, &nd);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    w.solicited = false;
    w.override = true;
    build(&w, ll, sk_ip6_all_nodes(), &ip, &nd);
    SK_CHECK(nd.override && !nd.router && !nd.solicited);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
}

/* A redirect (§4.5) built by hand: parse only. */
static size_t redirect(uint8_t *m, sk_ip6 src, sk_ip6 dst, sk_ip6 target, sk_ip6 dest)
{
    memset(m, 0, 40 + 8 + 48);
    m[0] = SK_ICMP6_ND_REDIRECT;
    memcpy(m + 8, target.b, 16);
    memcpy(m + 24, dest.b, 16);
    m[40] = SK_NDOPT_TLLAO;
    m[41] = 1;
    memcpy(m + 42, MAC_B.b, 6);
    m[48] = SK_NDOPT_REDIRECTED;
    m[49] = 6;
    memcpy(m + 56, echo6_request + 14, 40);
    sk_icmp6_fill_checksum(src, dst, m, 96);
    return 96;
}

static void test_redirect(void)
{
    sk_ip6 r = A6("fe80::ff:fe00:b"), me = A6("2001:db8:1::a"), dest = A6("2001:db8:2::c");
    sk_nd_repr nd;
    sk_ip6_repr ip = {0};
    ip.hop_limit = 255;
    ip.src = r;
    ip.dst = me;
    size_t n = redirect(msgbuf, r, me, A6("fe80::2"), dest);
    sk_icmp6_repr ic;
    SK_CHECK_EQ_I(sk_icmp6_parse(r, me, msgbuf, n, &ic), 0);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), 0);
    SK_CHECK(sk_ip6_eq(nd.target, A6("fe80::2")) && sk_ip6_eq(nd.dest, dest));
    SK_CHECK(nd.opts.has_tllao && mac_eq(nd.opts.tllao, MAC_B));
    SK_CHECK_EQ(nd.opts.redirected_len, 40u);
    SK_CHECK_MEM(nd.opts.redirected, echo6_request + 14, 40);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    SK_CHECK_EQ(sk_nd_emit(r, me, &nd, out, sizeof out), 0u); /* parse only */
    /* §8.1: target is the destination itself (on-link): fine */
    redirect(msgbuf, r, me, dest, dest);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), 0);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    /* a global target that is not the destination */
    redirect(msgbuf, r, me, A6("2001:db8:1::9"), dest);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), 0);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_REDIRECT_BAD);
    /* a multicast destination */
    redirect(msgbuf, r, me, A6("fe80::2"), A6("ff0e::1"));
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), 0);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_REDIRECT_BAD);
    /* from a global source */
    ip.src = A6("2001:db8:1::b");
    redirect(msgbuf, ip.src, me, A6("fe80::2"), dest);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), 0);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), SK_DROP_ND_SRC_NOT_LINK_LOCAL);
}

static void test_truncated_fixed_parts(void)
{
    static const struct {
        uint8_t type;
        size_t fixed;
    } t[] = {{SK_ICMP6_ND_RS, 8}, {SK_ICMP6_ND_RA, 16}, {SK_ICMP6_ND_NS, 24},
             {SK_ICMP6_ND_NA, 24}, {SK_ICMP6_ND_REDIRECT, 40}};
    sk_nd_repr nd;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        memset(msgbuf, 0, 64);
        msgbuf[0] = t[i].type;
        for (size_t n = 1; n < t[i].fixed; n++)
            SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), SK_DROP_ND_TRUNCATED);
        SK_CHECK_EQ_I(sk_nd_parse(msgbuf, t[i].fixed, &nd), 0);
    }
    msgbuf[0] = SK_ICMP6_ECHO_REQUEST;
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, 64, &nd), SK_DROP_ICMP6_UNHANDLED);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, 0, &nd), SK_DROP_ICMP6_UNHANDLED);
}

/* §4.6: length 0 is refused wherever it is; an option past the message
 * too; unknown options and a second SLLAO are skipped. */
static void test_options(void)
{
    sk_nd_repr nd;
    size_t n = sizeof ns - 54; /* NS 24 + SLLAO 8 */
    memcpy(msgbuf, ns + 54, n);
    msgbuf[25] = 0;
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), SK_DROP_ND_BAD_OPTION);
    memcpy(msgbuf, ns + 54, n);
    msgbuf[25] = 2; /* 16 bytes in 8 */
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n, &nd), SK_DROP_ND_BAD_OPTION);
    memcpy(msgbuf, ns + 54, n);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n + 1, &nd), SK_DROP_ND_BAD_OPTION); /* 1 byte left */
    /* an unknown option, a zero-length one after it */
    memcpy(msgbuf, ns + 54, n);
    memset(msgbuf + n, 0, 16);
    msgbuf[n] = 200;
    msgbuf[n + 1] = 1;
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n + 8, &nd), 0);
    SK_CHECK_EQ(nd.opts.n_unknown, 1u);
    SK_CHECK(nd.opts.has_sllao && mac_eq(nd.opts.sllao, MAC_A));
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n + 16, &nd), SK_DROP_ND_BAD_OPTION);
    /* a second SLLAO: the first is kept; an SLLAO of 16 bytes is not Ethernet */
    memcpy(msgbuf + n, ns + 54 + 24, 8);
    msgbuf[n + 7] = 0x99;
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n + 8, &nd), 0);
    SK_CHECK(mac_eq(nd.opts.sllao, MAC_A));
    SK_CHECK_EQ(nd.opts.n_unknown, 1u);
    memcpy(msgbuf, ns + 54, 24);
    memset(msgbuf + 24, 0, 16);
    msgbuf[24] = SK_NDOPT_SLLAO;
    msgbuf[25] = 2;
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, 40, &nd), 0);
    SK_CHECK(!nd.opts.has_sllao);
    SK_CHECK_EQ(nd.opts.n_unknown, 1u);
}

/* An RA with more prefixes than the representation holds: the first
 * SK_ND_MAX_PREFIX are kept, the rest counted; fields round-trip. */
static void test_ra_build_and_many_prefixes(void)
{
    sk_nd_repr w = {0}, nd;
    sk_ip6_repr ip;
    w.type = SK_ICMP6_ND_RA;
    w.cur_hop_limit = 64;
    w.managed = true;
    w.ra_flags_rest = 0x08; /* RFC 4191 preference high */
    w.router_lifetime = 600;
    w.reachable_time = 30000;
    w.retrans_timer = 1000;
    w.opts.has_sllao = true;
    w.opts.sllao = MAC_B;
    w.opts.has_mtu = true;
    w.opts.mtu = 1280;
    w.opts.n_prefix = SK_ND_MAX_PREFIX;
    for (uint8_t i = 0; i < SK_ND_MAX_PREFIX; i++) {
        w.opts.prefix[i].prefix_len = 64;
        w.opts.prefix[i].on_link = i % 2 == 0;
        w.opts.prefix[i].autonomous = i < 2;
        w.opts.prefix[i].valid_lifetime = 1000u * i;
        w.opts.prefix[i].preferred_lifetime = 500u * i;
        w.opts.prefix[i].prefix = A6("2001:db8::");
        w.opts.prefix[i].prefix.b[5] = i;
    }
    size_t n = build(&w, A6("fe80::ff:fe00:b"), sk_ip6_all_nodes(), &ip, &nd);
    SK_CHECK_EQ(n, 16u + 8 + 8 + 4 * 32);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    SK_CHECK(nd.managed && !nd.other && nd.ra_flags_rest == 0x08);
    SK_CHECK_EQ(nd.router_lifetime, 600u);
    SK_CHECK_EQ(nd.reachable_time, 30000u);
    SK_CHECK_EQ(nd.retrans_timer, 1000u);
    SK_CHECK(nd.opts.has_mtu && nd.opts.mtu == 1280);
    SK_CHECK_EQ(nd.opts.n_prefix, SK_ND_MAX_PREFIX);
    for (uint8_t i = 0; i < SK_ND_MAX_PREFIX; i++) {
        SK_CHECK_EQ(nd.opts.prefix[i].on_link, i % 2 == 0);
        SK_CHECK_EQ(nd.opts.prefix[i].autonomous, i < 2);
        SK_CHECK_EQ(nd.opts.prefix[i].valid_lifetime, 1000u * i);
        SK_CHECK_EQ(nd.opts.prefix[i].preferred_lifetime, 500u * i);
        SK_CHECK(sk_ip6_eq(nd.opts.prefix[i].prefix, w.opts.prefix[i].prefix));
    }
    /* two more prefix options appended: counted, not stored */
    memcpy(msgbuf + n, msgbuf + n - 64, 64);
    SK_CHECK_EQ_I(sk_nd_parse(msgbuf, n + 64, &nd), 0);
    SK_CHECK_EQ(nd.opts.n_prefix, SK_ND_MAX_PREFIX);
    SK_CHECK_EQ(nd.opts.n_prefix_over, 2u);
}

int main(void)
{
    SK_RUN(test_golden_rs);
    SK_RUN(test_golden_ra);
    SK_RUN(test_golden_ra_from_global_refused);
    SK_RUN(test_golden_ns_dad);
    SK_RUN(test_golden_ns_na);
    SK_RUN(test_rules_common);
    SK_RUN(test_rules_unspecified_source);
    SK_RUN(test_rules_targets_and_flags);
    SK_RUN(test_redirect);
    SK_RUN(test_truncated_fixed_parts);
    SK_RUN(test_options);
    SK_RUN(test_ra_build_and_many_prefixes);
    return sk_test_finish();
}
