/* The TCP header and its options (RFC 9293 §3.1, RFC 7323, RFC 2018).
 * The malformed-option policy is described in tcp_hdr.h. */
#include "wire/tcp_hdr.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "wire/ipv4.h"
#include "synack/stats.h"

#include <string.h>

/* Option lengths (the "length" octet, kind and length bytes included). */
enum {
    OPTLEN_MSS = 4,
    OPTLEN_WSCALE = 3,
    OPTLEN_SACK_PERM = 2,
    OPTLEN_TS = 10,
    OPTLEN_SACK_BASE = 2,
    OPTLEN_SACK_BLOCK = 8,
    MAX_OPTS_LEN = SK_TCP_MAX_HDR_LEN - SK_TCP_HDR_LEN,
};

/* ------------------------------------------------------------------------ */
/* Parse                                                                    */
/* ------------------------------------------------------------------------ */

/* SACK (RFC 2018 §3): 2 + 8n bytes, n >= 1. Four blocks fill 34 bytes; with
 * the 40-byte option space no legal option can carry more, so the clamp to
 * SK_TCP_MAX_SACK below never drops a block of a well-formed option. */
static bool parse_sack(const uint8_t *p, uint8_t optlen, sk_tcp_opts *o)
{
    if (optlen < OPTLEN_SACK_BASE + OPTLEN_SACK_BLOCK ||
        (optlen - OPTLEN_SACK_BASE) % OPTLEN_SACK_BLOCK != 0)
        return false;
    size_t n = (size_t)(optlen - OPTLEN_SACK_BASE) / OPTLEN_SACK_BLOCK;
    if (n > SK_TCP_MAX_SACK)
        n = SK_TCP_MAX_SACK;
    for (size_t i = 0; i < n; i++) {
        o->sack[i].left = sk_seq_make(sk_load_be32(p + 2 + 8 * i));
        o->sack[i].right = sk_seq_make(sk_load_be32(p + 6 + 8 * i));
    }
    o->n_sack = (uint8_t)n;
    return true;
}

/* Interpret one option of kind p[0] and length optlen (already checked to
 * lie inside the header). Returns false when a known option has the wrong
 * length: it is then ignored, as Linux does. Unknown kinds are skipped. */
static bool parse_one_opt(const uint8_t *p, uint8_t optlen, sk_tcp_opts *o)
{
    switch (p[0]) {
    case SK_TCPOPT_MSS: /* RFC 9293 §3.2 */
        if (optlen != OPTLEN_MSS)
            return false;
        o->has_mss = true;
        o->mss = sk_load_be16(p + 2);
        return true;
    case SK_TCPOPT_WSCALE: /* RFC 7323 §2.2 */
        if (optlen != OPTLEN_WSCALE)
            return false;
        o->has_wscale = true;
        o->wscale = p[2];
        return true;
    case SK_TCPOPT_SACK_PERM: /* RFC 2018 §2 */
        if (optlen != OPTLEN_SACK_PERM)
            return false;
        o->sack_permitted = true;
        return true;
    case SK_TCPOPT_TS: /* RFC 7323 §3.2 */
        if (optlen != OPTLEN_TS)
            return false;
        o->has_ts = true;
        o->ts_val = sk_load_be32(p + 2);
        o->ts_ecr = sk_load_be32(p + 6);
        return true;
    case SK_TCPOPT_SACK:
        return parse_sack(p, optlen, o);
    default:
        return true; /* unknown: skipped by its length (RFC 9293 §3.1) */
    }
}

/* Walk the option bytes p[0..len). RFC 9293 §3.1 MUST-7: be robust against
 * illegal option lengths. A length below 2 or past the header ends the walk
 * (there is no trustworthy way to find the next option); EOL ends the list
 * and whatever follows it is padding. */
static void parse_opts(const uint8_t *p, size_t len, sk_tcp_opts *o)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == SK_TCPOPT_EOL)
            return;
        if (kind == SK_TCPOPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2 || p[i + 1] < 2 || p[i + 1] > len - i) {
            o->malformed = true;
            return;
        }
        uint8_t optlen = p[i + 1];
        if (!parse_one_opt(p + i, optlen, o))
            o->malformed = true;
        i += optlen;
    }
}

int sk_tcp_parse(const uint8_t *seg, size_t len, sk_tcp_repr *out)
{
    memset(out, 0, sizeof *out);
    if (len < SK_TCP_HDR_LEN)
        return SK_DROP_TCP_TRUNCATED;
    size_t hdr_len = (size_t)(seg[12] >> 4) * 4;
    if (hdr_len < SK_TCP_HDR_LEN || hdr_len > len)
        return SK_DROP_TCP_DATA_OFFSET;
    uint8_t flags = seg[13];
    /* No state gives SYN+RST a meaning; it is a scanner's and
     * fingerprinter's probe, dropped before any state lookup. SYN+FIN is
     * left to the state machine: a SYN,ACK may carry a FIN (RFC 9293
     * §3.10.7.3), and a SYN+FIN for a connection is challenged (RFC 5961
     * §4.2); LISTEN and closed ports drop it (TCP_SYN_FIN). */
    if ((flags & (SK_TCP_SYN | SK_TCP_RST)) == (SK_TCP_SYN | SK_TCP_RST))
        return SK_DROP_TCP_SYN_RST;

    out->src_port = sk_load_be16(seg);
    out->dst_port = sk_load_be16(seg + 2);
    out->seq = sk_seq_make(sk_load_be32(seg + 4));
    out->ack = sk_seq_make(sk_load_be32(seg + 8));
    out->hdr_len = (uint8_t)hdr_len;
    out->flags = flags;
    out->window = sk_load_be16(seg + 14);
    out->checksum = sk_load_be16(seg + 16);
    out->urgent = sk_load_be16(seg + 18);
    parse_opts(seg + SK_TCP_HDR_LEN, hdr_len - SK_TCP_HDR_LEN, &out->opts);
    out->payload = seg + hdr_len;
    out->payload_len = len - hdr_len;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Emit                                                                     */
/* ------------------------------------------------------------------------ */

/* The option layout is Linux's (tcp_options_write): every option starts
 * 4-aligned thanks to NOP fillers, and tcpdump/Wireshark show our segments
 * exactly as they show Linux's. Each piece below is a multiple of 4 bytes. */
size_t sk_tcp_opts_len(const sk_tcp_opts *o)
{
    size_t n = 0;
    if (o->has_mss)
        n += 4;
    if (o->has_ts)
        n += 12; /* SACK-perm + TS, or NOP NOP + TS */
    else if (o->sack_permitted)
        n += 4; /* NOP NOP SACK-perm */
    if (o->has_wscale)
        n += 4; /* NOP + window scale */
    if (o->n_sack > 0)
        n += 4 + (size_t)o->n_sack * OPTLEN_SACK_BLOCK; /* NOP NOP + SACK */
    return (n + 3) & ~(size_t)3;
}

size_t sk_tcp_hdr_len(const sk_tcp_repr *r)
{
    return SK_TCP_HDR_LEN + sk_tcp_opts_len(&r->opts);
}

static uint8_t *put_kind_len(uint8_t *p, uint8_t kind, uint8_t len)
{
    p[0] = kind;
    p[1] = len;
    return p + 2;
}

static uint8_t *emit_ts_sackperm(const sk_tcp_opts *o, uint8_t *p)
{
    if (o->has_ts) {
        if (o->sack_permitted) {
            p = put_kind_len(p, SK_TCPOPT_SACK_PERM, OPTLEN_SACK_PERM);
        } else {
            *p++ = SK_TCPOPT_NOP;
            *p++ = SK_TCPOPT_NOP;
        }
        p = put_kind_len(p, SK_TCPOPT_TS, OPTLEN_TS);
        sk_store_be32(p, o->ts_val);
        sk_store_be32(p + 4, o->ts_ecr);
        return p + 8;
    }
    if (o->sack_permitted) {
        *p++ = SK_TCPOPT_NOP;
        *p++ = SK_TCPOPT_NOP;
        p = put_kind_len(p, SK_TCPOPT_SACK_PERM, OPTLEN_SACK_PERM);
    }
    return p;
}

/* Writes exactly sk_tcp_opts_len(o) bytes (checked by the caller to be at
 * most 40); the layout needs no padding, the EOL fill is a safety net. */
static void emit_opts(const sk_tcp_opts *o, uint8_t *p, size_t len)
{
    uint8_t *end = p + len;
    if (o->has_mss) {
        p = put_kind_len(p, SK_TCPOPT_MSS, OPTLEN_MSS);
        sk_store_be16(p, o->mss);
        p += 2;
    }
    p = emit_ts_sackperm(o, p);
    if (o->has_wscale) {
        *p++ = SK_TCPOPT_NOP;
        p = put_kind_len(p, SK_TCPOPT_WSCALE, OPTLEN_WSCALE);
        *p++ = o->wscale;
    }
    if (o->n_sack > 0) {
        *p++ = SK_TCPOPT_NOP;
        *p++ = SK_TCPOPT_NOP;
        p = put_kind_len(p, SK_TCPOPT_SACK,
                         (uint8_t)(OPTLEN_SACK_BASE + o->n_sack * OPTLEN_SACK_BLOCK));
        for (size_t i = 0; i < o->n_sack; i++) {
            sk_store_be32(p, o->sack[i].left.v);
            sk_store_be32(p + 4, o->sack[i].right.v);
            p += 8;
        }
    }
    while (p < end)
        *p++ = SK_TCPOPT_EOL;
}

/* Refuses (returns 0) when cap is too small, when the options need more
 * than 40 bytes (e.g. timestamps + 4 SACK blocks: the caller must send at
 * most 3 blocks with timestamps, RFC 2018 §3), when n_sack exceeds
 * SK_TCP_MAX_SACK, or when payload is NULL but payload_len is not 0. */
size_t sk_tcp_emit(const sk_tcp_repr *r, uint8_t *buf, size_t cap)
{
    if (r->opts.n_sack > SK_TCP_MAX_SACK || (r->payload == NULL && r->payload_len > 0))
        return 0;
    size_t opts_len = sk_tcp_opts_len(&r->opts);
    if (opts_len > MAX_OPTS_LEN)
        return 0;
    size_t hdr_len = SK_TCP_HDR_LEN + opts_len;
    if (cap < hdr_len || cap - hdr_len < r->payload_len)
        return 0;

    sk_store_be16(buf, r->src_port);
    sk_store_be16(buf + 2, r->dst_port);
    sk_store_be32(buf + 4, r->seq.v);
    sk_store_be32(buf + 8, r->ack.v);
    buf[12] = (uint8_t)((hdr_len / 4) << 4); /* reserved bits zero */
    buf[13] = r->flags;
    sk_store_be16(buf + 14, r->window);
    sk_store_be16(buf + 16, 0);
    sk_store_be16(buf + 18, r->urgent);
    emit_opts(&r->opts, buf + SK_TCP_HDR_LEN, opts_len);
    /* memmove: the payload may sit anywhere in buf, even overlapping. */
    if (r->payload != NULL && r->payload != buf + hdr_len && r->payload_len > 0)
        memmove(buf + hdr_len, r->payload, r->payload_len);
    return hdr_len + r->payload_len;
}

/* ------------------------------------------------------------------------ */
/* Checksum (RFC 9293 §3.1: over the pseudo-header, the header and data)    */
/* ------------------------------------------------------------------------ */

static uint32_t tcp_sum4(sk_ip4 src, sk_ip4 dst, const uint8_t *seg, size_t len)
{
    uint32_t sum = sk_csum_pseudo4(src.b, dst.b, SK_IPPROTO_TCP, (uint16_t)len);
    return sk_csum_partial(seg, len, sum);
}

void sk_tcp_fill_checksum4(sk_ip4 src, sk_ip4 dst, uint8_t *seg, size_t len)
{
    /* The pseudo-header length is 16 bits; no IPv4 packet carries more. */
    if (len < SK_TCP_HDR_LEN || len > 0xffffu)
        return;
    sk_store_be16(seg + 16, 0);
    sk_store_be16(seg + 16, sk_csum_fold(tcp_sum4(src, dst, seg, len)));
}

bool sk_tcp_checksum_ok4(sk_ip4 src, sk_ip4 dst, const uint8_t *seg, size_t len)
{
    if (len < SK_TCP_HDR_LEN || len > 0xffffu)
        return false;
    return sk_csum_fold(tcp_sum4(src, dst, seg, len)) == 0;
}
