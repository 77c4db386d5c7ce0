/* Neighbour Discovery messages (RFC 4861 §4) and their validity rules
 * (§6.1.1 RS, §6.1.2 RA, §7.1.1 NS, §7.1.2 NA, §8.1 redirect).
 *
 * parse: ICMP length at least the type's fixed part (ND_TRUNCATED); every
 * option of non-zero length (§4.6: "Nodes MUST silently discard an ND
 * packet that contains an option with length zero") and inside the message
 * (ND_BAD_OPTION). Unknown options are skipped (§4.6 "MUST be silently
 * ignored"); of an option that may appear once, the first is kept (as
 * Linux); any number of prefix options may appear (§4.2). The reserved
 * fields are ignored on receipt and written as zero. */
#include "wire/nd6.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/stats.h"

#include <string.h>

#define LLAO_LEN 8u  /* an Ethernet address option: 1 unit of 8 bytes */
#define MTU_OPT_LEN 8u
#define PREFIX_OPT_LEN 32u

static size_t nd_fixed_len(uint8_t type)
{
    switch (type) {
    case SK_ICMP6_ND_RS:
        return 8;
    case SK_ICMP6_ND_RA:
        return 16;
    case SK_ICMP6_ND_NS:
    case SK_ICMP6_ND_NA:
        return 24;
    case SK_ICMP6_ND_REDIRECT:
        return 40;
    default:
        return 0;
    }
}

static void take_llao(bool *has, sk_mac *mac, uint8_t *n_unknown, const uint8_t *o, size_t olen)
{
    if (olen != LLAO_LEN || *has) {
        (*n_unknown)++;
        return;
    }
    *has = true;
    memcpy(mac->b, o + 2, 6);
}

static void take_prefix(sk_nd_opts *opts, const uint8_t *o)
{
    if (opts->n_prefix == SK_ND_MAX_PREFIX) {
        if (opts->n_prefix_over < UINT8_MAX)
            opts->n_prefix_over++;
        return;
    }
    sk_nd_prefix *p = &opts->prefix[opts->n_prefix++];
    p->prefix_len = o[2];
    p->on_link = (o[3] & 0x80) != 0;
    p->autonomous = (o[3] & 0x40) != 0;
    p->valid_lifetime = sk_load_be32(o + 4);
    p->preferred_lifetime = sk_load_be32(o + 8);
    memcpy(p->prefix.b, o + 16, 16);
}

/* RFC 8106 §5.1: Length 3 + 2 * addresses (units of 8 bytes); an option
 * with another length is invalid and ignored (§6: "silently discarded"). */
static void take_rdnss(sk_nd_opts *opts, const uint8_t *o, size_t olen)
{
    size_t units = olen / 8;
    if (units < 3 || (units - 1) % 2 != 0) {
        if (opts->n_rdnss_bad < UINT8_MAX)
            opts->n_rdnss_bad++;
        return;
    }
    uint32_t life = sk_load_be32(o + 4);
    for (size_t off = 8; off + 16 <= olen && opts->n_rdnss < SK_ND_MAX_RDNSS; off += 16) {
        memcpy(opts->rdnss[opts->n_rdnss].b, o + off, 16);
        opts->rdnss_lifetime[opts->n_rdnss++] = life;
    }
}

static void take_option(sk_nd_opts *opts, const uint8_t *o, size_t olen)
{
    switch (o[0]) {
    case SK_NDOPT_SLLAO:
        take_llao(&opts->has_sllao, &opts->sllao, &opts->n_unknown, o, olen);
        return;
    case SK_NDOPT_TLLAO:
        take_llao(&opts->has_tllao, &opts->tllao, &opts->n_unknown, o, olen);
        return;
    case SK_NDOPT_PREFIX:
        if (olen == PREFIX_OPT_LEN) {
            take_prefix(opts, o);
            return;
        }
        break;
    case SK_NDOPT_MTU:
        if (olen == MTU_OPT_LEN && !opts->has_mtu) {
            opts->has_mtu = true;
            opts->mtu = sk_load_be32(o + 4);
            return;
        }
        break;
    case SK_NDOPT_RDNSS:
        take_rdnss(opts, o, olen);
        return;
    case SK_NDOPT_REDIRECTED:
        if (opts->redirected == NULL) {
            opts->redirected = o + 8; /* type, length, 6 reserved bytes */
            opts->redirected_len = olen - 8;
            return;
        }
        break;
    default:
        break;
    }
    if (opts->n_unknown < UINT8_MAX)
        opts->n_unknown++;
}

static int parse_options(const uint8_t *p, size_t len, sk_nd_opts *opts)
{
    while (len > 0) {
        if (len < 2 || p[1] == 0 || (size_t)p[1] * 8 > len)
            return SK_DROP_ND_BAD_OPTION;
        size_t olen = (size_t)p[1] * 8;
        take_option(opts, p, olen);
        p += olen;
        len -= olen;
    }
    return 0;
}

static void parse_fixed(const uint8_t *msg, sk_nd_repr *out)
{
    switch (out->type) {
    case SK_ICMP6_ND_RA:
        out->cur_hop_limit = msg[4];
        out->managed = (msg[5] & 0x80) != 0;
        out->other = (msg[5] & 0x40) != 0;
        out->ra_flags_rest = msg[5] & 0x3f;
        out->router_lifetime = sk_load_be16(msg + 6);
        out->reachable_time = sk_load_be32(msg + 8);
        out->retrans_timer = sk_load_be32(msg + 12);
        break;
    case SK_ICMP6_ND_NA:
        out->router = (msg[4] & 0x80) != 0;
        out->solicited = (msg[4] & 0x40) != 0;
        out->override = (msg[4] & 0x20) != 0;
        memcpy(out->target.b, msg + 8, 16);
        break;
    case SK_ICMP6_ND_NS:
        memcpy(out->target.b, msg + 8, 16);
        break;
    case SK_ICMP6_ND_REDIRECT:
        memcpy(out->target.b, msg + 8, 16);
        memcpy(out->dest.b, msg + 24, 16);
        break;
    default:
        break;
    }
}

int sk_nd_parse(const uint8_t *msg, size_t len, sk_nd_repr *out)
{
    SK_ASSERT(out != NULL && (msg != NULL || len == 0));
    if (len < 1 || nd_fixed_len(msg[0]) == 0)
        return SK_DROP_ICMP6_UNHANDLED;
    size_t fixed = nd_fixed_len(msg[0]);
    if (len < fixed)
        return SK_DROP_ND_TRUNCATED;
    memset(out, 0, sizeof *out);
    out->type = msg[0];
    out->code = msg[1];
    out->checksum = sk_load_be16(msg + 2);
    parse_fixed(msg, out);
    out->options = msg + fixed;
    out->options_len = len - fixed;
    return parse_options(out->options, out->options_len, &out->opts);
}

static int check_unspecified_src(const sk_ip6_repr *ip, const sk_nd_repr *nd)
{
    if (!sk_ip6_is_unspecified(ip->src))
        return 0;
    if (nd->type == SK_ICMP6_ND_NS && !sk_ip6_is_solicited_node(ip->dst))
        return SK_DROP_ND_UNSPEC_DST; /* §7.1.1 */
    if (nd->opts.has_sllao)
        return SK_DROP_ND_UNSPEC_SLLAO; /* §6.1.1, §7.1.1 */
    return 0;
}

int sk_nd_check(const sk_ip6_repr *ip, const sk_nd_repr *nd)
{
    SK_ASSERT(ip != NULL && nd != NULL);
    if (ip->hop_limit != 255)
        return SK_DROP_ND_HOP_LIMIT;
    if (nd->code != 0)
        return SK_DROP_ND_BAD_CODE;
    switch (nd->type) {
    case SK_ICMP6_ND_RS:
        return check_unspecified_src(ip, nd);
    case SK_ICMP6_ND_RA:
        return sk_ip6_is_link_local(ip->src) ? 0 : SK_DROP_ND_SRC_NOT_LINK_LOCAL;
    case SK_ICMP6_ND_NS:
        if (sk_ip6_is_multicast(nd->target))
            return SK_DROP_ND_TARGET_MULTICAST;
        return check_unspecified_src(ip, nd);
    case SK_ICMP6_ND_NA:
        if (sk_ip6_is_multicast(nd->target))
            return SK_DROP_ND_TARGET_MULTICAST;
        return sk_ip6_is_multicast(ip->dst) && nd->solicited ? SK_DROP_ND_SOLICITED_MCAST : 0;
    default: /* redirect, §8.1 */
        if (!sk_ip6_is_link_local(ip->src))
            return SK_DROP_ND_SRC_NOT_LINK_LOCAL;
        if (sk_ip6_is_multicast(nd->dest) ||
            !(sk_ip6_is_link_local(nd->target) || sk_ip6_eq(nd->target, nd->dest)))
            return SK_DROP_ND_REDIRECT_BAD;
        return 0;
    }
}

static size_t built_options_len(const sk_nd_opts *o)
{
    return (o->has_sllao ? LLAO_LEN : 0u) + (o->has_tllao ? LLAO_LEN : 0u) +
           (o->has_mtu ? MTU_OPT_LEN : 0u) + (size_t)o->n_prefix * PREFIX_OPT_LEN;
}

static uint8_t *put_llao(uint8_t *p, uint8_t type, sk_mac m)
{
    p[0] = type;
    p[1] = 1;
    memcpy(p + 2, m.b, 6);
    return p + LLAO_LEN;
}

static void build_options(const sk_nd_opts *o, uint8_t *p)
{
    if (o->has_sllao)
        p = put_llao(p, SK_NDOPT_SLLAO, o->sllao);
    if (o->has_tllao)
        p = put_llao(p, SK_NDOPT_TLLAO, o->tllao);
    if (o->has_mtu) {
        p[0] = SK_NDOPT_MTU;
        p[1] = 1;
        sk_store_be16(p + 2, 0);
        sk_store_be32(p + 4, o->mtu);
        p += MTU_OPT_LEN;
    }
    SK_ASSERT(o->n_prefix <= SK_ND_MAX_PREFIX);
    for (uint8_t i = 0; i < o->n_prefix; i++, p += PREFIX_OPT_LEN) {
        const sk_nd_prefix *x = &o->prefix[i];
        memset(p, 0, PREFIX_OPT_LEN);
        p[0] = SK_NDOPT_PREFIX;
        p[1] = 4;
        p[2] = x->prefix_len;
        p[3] = (uint8_t)((x->on_link ? 0x80 : 0) | (x->autonomous ? 0x40 : 0));
        sk_store_be32(p + 4, x->valid_lifetime);
        sk_store_be32(p + 8, x->preferred_lifetime);
        memcpy(p + 16, x->prefix.b, 16);
    }
}

static void emit_fixed(const sk_nd_repr *r, uint8_t *buf, size_t fixed)
{
    memset(buf, 0, fixed);
    buf[0] = r->type;
    buf[1] = r->code;
    if (r->type == SK_ICMP6_ND_RA) {
        buf[4] = r->cur_hop_limit;
        buf[5] = (uint8_t)((r->managed ? 0x80 : 0) | (r->other ? 0x40 : 0) |
                           (r->ra_flags_rest & 0x3f));
        sk_store_be16(buf + 6, r->router_lifetime);
        sk_store_be32(buf + 8, r->reachable_time);
        sk_store_be32(buf + 12, r->retrans_timer);
    } else if (r->type == SK_ICMP6_ND_NS || r->type == SK_ICMP6_ND_NA) {
        if (r->type == SK_ICMP6_ND_NA)
            buf[4] = (uint8_t)((r->router ? 0x80 : 0) | (r->solicited ? 0x40 : 0) |
                               (r->override ? 0x20 : 0));
        memcpy(buf + 8, r->target.b, 16);
    }
}

size_t sk_nd_emit(sk_ip6 src, sk_ip6 dst, const sk_nd_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL);
    size_t fixed = r->type == SK_ICMP6_ND_REDIRECT ? 0 : nd_fixed_len(r->type);
    size_t olen = r->options != NULL ? r->options_len : built_options_len(&r->opts);
    if (fixed == 0 || buf == NULL || cap < fixed || cap - fixed < olen ||
        fixed + olen > 65535u)
        return 0;
    if (r->options != NULL)
        memmove(buf + fixed, r->options, olen);
    else
        build_options(&r->opts, buf + fixed);
    emit_fixed(r, buf, fixed);
    sk_icmp6_fill_checksum(src, dst, buf, fixed + olen);
    return fixed + olen;
}

bool sk_nd_opt_next(const uint8_t **p, size_t *left, uint8_t *type, const uint8_t **body,
                    size_t *body_len)
{
    SK_ASSERT(p != NULL && left != NULL && type != NULL && body != NULL && body_len != NULL);
    if (*left < 2 || (*p)[1] == 0 || (size_t)(*p)[1] * 8 > *left)
        return false;
    size_t olen = (size_t)(*p)[1] * 8;
    *type = (*p)[0];
    *body = *p + 2;
    *body_len = olen - 2;
    *p += olen;
    *left -= olen;
    return true;
}
