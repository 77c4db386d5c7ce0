/* fuzz_wire's IPv6, ICMPv6, ND, MLDv2, UDP and IPv6 text-form cases (the
 * selector values 5-10). Each parse that succeeds must survive a round trip:
 * emit, parse the emitted bytes, get the same representation; layouts that
 * emit keeps re-emit byte for byte. Header-only, included once. */
#ifndef SK_FUZZ_WIRE6_H
#define SK_FUZZ_WIRE6_H

#include "fuzz_common.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/mld6.h"
#include "wire/nd6.h"
#include "wire/seg_text.h"
#include "wire/udp.h"

#include <stdbool.h>
#include <string.h>

static uint8_t out6[70000];
static uint8_t in6[70000];

static const sk_ip6 FZ_SRC = {{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
static const sk_ip6 FZ_DST = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

static bool ext_same(const sk_ip6_ext *a, const sk_ip6_ext *b)
{
    return a->proto == b->proto && a->offset == b->offset && a->proto_ptr == b->proto_ptr &&
           a->router_alert == b->router_alert && a->router_alert_value == b->router_alert_value &&
           a->fragment == b->fragment && a->atomic == b->atomic && a->frag_more == b->frag_more &&
           a->frag_offset == b->frag_offset && a->frag_id == b->frag_id &&
           a->icmp_action == b->icmp_action && a->icmp_code == b->icmp_code &&
           a->icmp_pointer == b->icmp_pointer;
}

/* The header re-emits byte for byte; the walk of the re-emitted packet
 * gives the same answer; a success lies inside the payload. */
static void fuzz_ipv6(const uint8_t *p, size_t n)
{
    sk_ip6_repr r, r2;
    sk_ip6_ext e, e2;
    if (sk_ip6_parse(p, n, &r) != 0)
        return;
    CHECK(r.payload == p + SK_IP6_HDR_LEN && (size_t)r.payload_len <= n - SK_IP6_HDR_LEN);
    CHECK(!sk_ip6_is_multicast(r.src));
    int w = sk_ip6_walk_ext(&r, &e);
    if (w == 0)
        CHECK(e.offset >= SK_IP6_HDR_LEN && e.offset <= SK_IP6_HDR_LEN + (size_t)r.payload_len);
    else
        CHECK(e.icmp_action == SK_IP6_ICMP_NONE ||
              e.icmp_pointer < SK_IP6_HDR_LEN + (size_t)r.payload_len);
    CHECK(sk_ip6_emit(&r, out6, sizeof out6) == SK_IP6_HDR_LEN);
    CHECK(memcmp(out6, p, SK_IP6_HDR_LEN) == 0);
    memcpy(out6 + SK_IP6_HDR_LEN, r.payload, r.payload_len);
    CHECK(sk_ip6_parse(out6, SK_IP6_HDR_LEN + (size_t)r.payload_len, &r2) == 0);
    CHECK(sk_ip6_walk_ext(&r2, &e2) == w && ext_same(&e, &e2));
}

/* The checksum is filled first (over fixed addresses) so that the input
 * reaches the type rules. */
static void fuzz_icmp6(const uint8_t *p, size_t n)
{
    sk_icmp6_repr r, r2;
    if (n < 4)
        return;
    memcpy(in6, p, n);
    sk_icmp6_fill_checksum(FZ_SRC, FZ_DST, in6, n);
    if (sk_icmp6_parse(FZ_SRC, FZ_DST, in6, n, &r) != 0)
        return;
    char line[160]; /* the text form reads the message under the sanitizers */
    CHECK(sk_icmp6_str(in6, n, line, sizeof line) == strlen(line));
    size_t m = sk_icmp6_emit(FZ_SRC, FZ_DST, &r, out6, sizeof out6);
    bool cut = sk_icmp6_is_error(r.type) && r.data_len > SK_ICMP6_ERR_QUOTE_MAX;
    CHECK(m == SK_ICMP6_HDR_LEN + (cut ? SK_ICMP6_ERR_QUOTE_MAX : r.data_len));
    CHECK(sk_icmp6_parse(FZ_SRC, FZ_DST, out6, m, &r2) == 0);
    CHECK(r2.type == r.type && r2.code == r.code && r2.echo_id == r.echo_id &&
          r2.echo_seq == r.echo_seq && r2.mtu == r.mtu && r2.pointer == r.pointer);
    CHECK(memcmp(r2.data, r.data, r2.data_len) == 0);
    bool zero_word = r.type == SK_ICMP6_DEST_UNREACH || r.type == SK_ICMP6_TIME_EXCEEDED;
    if (!cut && !zero_word) /* otherwise the same bytes, the checksum included */
        CHECK(memcmp(out6, in6, m) == 0);
}

static bool nd_opts_same(const sk_nd_opts *a, const sk_nd_opts *b)
{
    if (a->has_sllao != b->has_sllao || a->has_tllao != b->has_tllao || a->has_mtu != b->has_mtu ||
        a->n_prefix != b->n_prefix || (a->has_mtu && a->mtu != b->mtu) ||
        (a->has_sllao && memcmp(a->sllao.b, b->sllao.b, 6) != 0) ||
        (a->has_tllao && memcmp(a->tllao.b, b->tllao.b, 6) != 0))
        return false;
    for (uint8_t i = 0; i < a->n_prefix; i++) {
        const sk_nd_prefix *x = &a->prefix[i], *y = &b->prefix[i];
        if (x->prefix_len != y->prefix_len || x->on_link != y->on_link ||
            x->autonomous != y->autonomous || x->valid_lifetime != y->valid_lifetime ||
            x->preferred_lifetime != y->preferred_lifetime || !sk_ip6_eq(x->prefix, y->prefix))
            return false;
    }
    return true;
}

static bool nd_fixed_same(const sk_nd_repr *a, const sk_nd_repr *b)
{
    return a->type == b->type && a->code == b->code && a->cur_hop_limit == b->cur_hop_limit &&
           a->managed == b->managed && a->other == b->other &&
           a->ra_flags_rest == b->ra_flags_rest && a->router_lifetime == b->router_lifetime &&
           a->reachable_time == b->reachable_time && a->retrans_timer == b->retrans_timer &&
           a->router == b->router && a->solicited == b->solicited && a->override == b->override &&
           sk_ip6_eq(a->target, b->target);
}

/* ND: emit from the options view, then from the fields; both parse back
 * to the same message, and the packet rules give the same verdict. */
static void fuzz_nd(const uint8_t *p, size_t n)
{
    sk_nd_repr r, r2;
    if (sk_nd_parse(p, n, &r) != 0)
        return;
    sk_ip6_repr ip = {0};
    ip.src = FZ_SRC;
    ip.dst = FZ_DST;
    ip.hop_limit = 255;
    int verdict = sk_nd_check(&ip, &r);
    size_t m = sk_nd_emit(FZ_SRC, FZ_DST, &r, out6, sizeof out6);
    if (r.type == SK_ICMP6_ND_REDIRECT) {
        CHECK(m == 0);
        return;
    }
    CHECK(m == n);
    CHECK(sk_nd_parse(out6, m, &r2) == 0 && nd_fixed_same(&r, &r2));
    CHECK(nd_opts_same(&r.opts, &r2.opts) && r2.opts.n_unknown == r.opts.n_unknown);
    CHECK(sk_nd_check(&ip, &r2) == verdict);
    r.options = NULL;
    m = sk_nd_emit(FZ_SRC, FZ_DST, &r, out6, sizeof out6);
    CHECK(m > 0 && sk_nd_parse(out6, m, &r2) == 0 && nd_fixed_same(&r, &r2));
    CHECK(nd_opts_same(&r.opts, &r2.opts) && r2.opts.n_unknown == 0);
}

static void fuzz_udp(const uint8_t *p, size_t n)
{
    sk_udp_repr r, r2;
    if (sk_udp_parse(p, n, &r) != 0)
        return;
    CHECK(r.length >= SK_UDP_HDR_LEN && r.length <= n && r.payload_len == r.length - 8u);
    size_t m = sk_udp_emit(&r, out6, sizeof out6);
    CHECK(m == r.length && memcmp(out6, p, 6) == 0);
    sk_udp_fill_checksum6(FZ_SRC, FZ_DST, out6, m);
    CHECK(sk_udp_check6(FZ_SRC, FZ_DST, out6, m) == 0);
    sk_ip4 a = sk_ip4_make(192, 0, 2, 1), b = sk_ip4_make(192, 0, 2, 2);
    sk_udp_fill_checksum4(a, b, out6, m);
    CHECK(sk_udp_check4(a, b, out6, m) == 0);
    CHECK(sk_udp_parse(out6, m, &r2) == 0 && r2.src_port == r.src_port &&
          r2.dst_port == r.dst_port && r2.length == r.length && r2.checksum != 0);
    CHECK(memcmp(r2.payload, r.payload, r.payload_len) == 0);
    int c4 = sk_udp_check4(a, b, p, r.length), c6 = sk_udp_check6(FZ_SRC, FZ_DST, p, r.length);
    CHECK(c4 == 0 || c4 == SK_DROP_UDP_CHECKSUM);
    CHECK(c6 == 0 || c6 == SK_DROP_UDP_CHECKSUM || c6 == SK_DROP_UDP_ZERO_CHECKSUM6);
}

static void fuzz_mld(const uint8_t *p, size_t n)
{
    sk_mld2_record recs[8], recs2[8];
    size_t count = 0, count2 = 0;
    if (sk_mld2_report_parse(p, n, recs, 8, &count) != 0)
        return;
    size_t k = count < 8 ? count : 8, body = 0;
    for (size_t i = 0; i < k; i++)
        body += 20 + (size_t)recs[i].n_sources * 16;
    size_t m = sk_mld2_report_emit(FZ_SRC, recs, k, out6, sizeof out6);
    if (16 + body > 65535) { /* without aux data it may still pass 65535 */
        CHECK(m == 0);
        return;
    }
    CHECK(m == SK_MLD2_REPORT_HDR_LEN + body);
    const uint8_t *msg = out6 + SK_IP6_HDR_LEN + 8;
    sk_icmp6_repr ic;
    CHECK(sk_icmp6_parse(FZ_SRC, sk_ip6_mld2_routers(), msg, m - SK_IP6_HDR_LEN - 8, &ic) == 0);
    CHECK(sk_mld2_report_parse(msg, m - SK_IP6_HDR_LEN - 8, recs2, 8, &count2) == 0);
    CHECK(count2 == k);
    for (size_t i = 0; i < k; i++)
        CHECK(recs2[i].type == recs[i].type && recs2[i].n_sources == recs[i].n_sources &&
              recs2[i].aux_words == 0 && sk_ip6_eq(recs2[i].group, recs[i].group) &&
              memcmp(recs2[i].sources, recs[i].sources, (size_t)recs[i].n_sources * 16) == 0);
}

/* 16 bytes print and parse back; any text that parses prints to a
 * canonical form that parses to the same address and prints the same. */
static void fuzz_ip6_text(const uint8_t *p, size_t n)
{
    char txt[SK_IP6_STR_LEN], txt2[SK_IP6_STR_LEN], in[64];
    sk_ip6 a, b;
    if (n >= 16) {
        memcpy(a.b, p, 16);
        sk_ip6_to_str(a, txt, sizeof txt);
        CHECK(strlen(txt) <= 39 && sk_ip6_from_str(txt, &b) == 0 && sk_ip6_eq(a, b));
    }
    size_t k = n < sizeof in - 1 ? n : sizeof in - 1;
    memcpy(in, p, k);
    in[k] = '\0';
    if (sk_ip6_from_str(in, &a) != 0)
        return;
    sk_ip6_to_str(a, txt, sizeof txt);
    CHECK(sk_ip6_from_str(txt, &b) == 0 && sk_ip6_eq(a, b));
    sk_ip6_to_str(b, txt2, sizeof txt2);
    CHECK(strcmp(txt, txt2) == 0);
}

#endif
