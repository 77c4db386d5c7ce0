/* The IPv4 header (RFC 791 §3.1), checked in this order, each failure with
 * its own drop reason:
 *   1. at least 20 bytes                          SK_DROP_IP_TRUNCATED
 *   2. version 4                                  SK_DROP_IP_VERSION
 *   3. 5 <= IHL and IHL*4 <= buffer               SK_DROP_IP_HDR_LEN
 *   4. IHL*4 <= total length <= buffer            SK_DROP_IP_TOTAL_LEN
 *   5. header checksum (RFC 1122 §3.2.1.2 MUST)   SK_DROP_IP_CHECKSUM
 *   6. reserved flag bit clear (RFC 791 §3.1)     SK_DROP_IP_FRAG_BAD
 * Bytes past the total length are link-layer padding (Ethernet pads frames
 * to 60 bytes, RFC 894) and are left out of the payload. Fragment fields are
 * exposed as they are; reassembly (elsewhere) judges offsets and sizes.
 * Options are handed out as a view: RFC 1122 §3.2.1.8 lets a host ignore
 * options it does not implement, and we implement none. */
#include "wire/ipv4.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/stats.h"

#include <string.h>

#define IP4_FLAG_RESERVED 0x8000u
#define IP4_FLAG_DF 0x4000u
#define IP4_FLAG_MF 0x2000u
#define IP4_FRAG_MASK 0x1fffu
#define IP4_MAX_OPT_LEN (SK_IP4_MAX_HDR_LEN - SK_IP4_HDR_LEN)

/* Steps 1-4 above: the lengths. On success *hdr_len and *total_len hold the
 * header length and total length in bytes. */
static int ip4_check_lengths(const uint8_t *pkt, size_t len, size_t *hdr_len,
                             size_t *total_len)
{
    if (len < SK_IP4_HDR_LEN)
        return SK_DROP_IP_TRUNCATED;
    if ((pkt[0] >> 4) != 4)
        return SK_DROP_IP_VERSION;
    size_t hl = (size_t)(pkt[0] & 0x0f) * 4;
    if (hl < SK_IP4_HDR_LEN || hl > len)
        return SK_DROP_IP_HDR_LEN;
    size_t tl = sk_load_be16(pkt + 2);
    if (tl < hl || tl > len)
        return SK_DROP_IP_TOTAL_LEN;
    *hdr_len = hl;
    *total_len = tl;
    return 0;
}

int sk_ip4_parse(const uint8_t *pkt, size_t len, sk_ip4_repr *out)
{
    SK_ASSERT(out != NULL && (pkt != NULL || len == 0));
    size_t hl = 0, tl = 0;
    int err = ip4_check_lengths(pkt, len, &hl, &tl);
    if (err != 0)
        return err;
    /* A header holding a correct checksum sums to zero (RFC 1071 §1). */
    if (sk_csum(pkt, hl) != 0)
        return SK_DROP_IP_CHECKSUM;
    uint16_t frag = sk_load_be16(pkt + 6);
    if (frag & IP4_FLAG_RESERVED)
        return SK_DROP_IP_FRAG_BAD;

    out->hdr_len = (uint8_t)hl;
    out->tos = pkt[1];
    out->total_len = (uint16_t)tl;
    out->id = sk_load_be16(pkt + 4);
    out->df = (frag & IP4_FLAG_DF) != 0;
    out->mf = (frag & IP4_FLAG_MF) != 0;
    out->frag_off = (uint16_t)((frag & IP4_FRAG_MASK) * 8u); /* 8-octet units */
    out->ttl = pkt[8];
    out->proto = pkt[9];
    out->checksum = sk_load_be16(pkt + 10);
    memcpy(out->src.b, pkt + 12, 4);
    memcpy(out->dst.b, pkt + 16, 4);
    out->options = pkt + SK_IP4_HDR_LEN;
    out->options_len = hl - SK_IP4_HDR_LEN;
    out->payload = pkt + hl;
    out->payload_len = tl - hl;
    return 0;
}

/* 0 when the options cannot fit (more than 40 bytes): emit writes nothing. */
size_t sk_ip4_emit_len(const sk_ip4_repr *r)
{
    SK_ASSERT(r != NULL);
    if (r->options_len > IP4_MAX_OPT_LEN)
        return 0;
    return SK_IP4_HDR_LEN + ((r->options_len + 3) & ~(size_t)3);
}

/* r->hdr_len and r->checksum are not read: the length follows options_len
 * and the checksum is computed. The options are copied and padded with zero
 * bytes, which are End of Option List (RFC 791 §3.1: the header padding "is
 * zero"). frag_off must be a multiple of 8 below 65536 (caller's bug if not). */
size_t sk_ip4_emit(const sk_ip4_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL && (r->options != NULL || r->options_len == 0));
    SK_ASSERT(r->frag_off % 8 == 0 && r->frag_off / 8 <= IP4_FRAG_MASK);
    size_t hl = sk_ip4_emit_len(r);
    if (hl == 0 || buf == NULL || cap < hl)
        return 0;
    buf[0] = (uint8_t)(0x40 | hl / 4);
    buf[1] = r->tos;
    sk_store_be16(buf + 2, r->total_len);
    sk_store_be16(buf + 4, r->id);
    uint16_t frag = (uint16_t)(r->frag_off / 8);
    if (r->df)
        frag |= IP4_FLAG_DF;
    if (r->mf)
        frag |= IP4_FLAG_MF;
    sk_store_be16(buf + 6, frag);
    buf[8] = r->ttl;
    buf[9] = r->proto;
    sk_store_be16(buf + 10, 0);
    memcpy(buf + 12, r->src.b, 4);
    memcpy(buf + 16, r->dst.b, 4);
    if (r->options_len > 0)
        memcpy(buf + SK_IP4_HDR_LEN, r->options, r->options_len);
    memset(buf + SK_IP4_HDR_LEN + r->options_len, 0, hl - SK_IP4_HDR_LEN - r->options_len);
    sk_store_be16(buf + 10, sk_csum(buf, hl));
    return hl;
}

/* Only the limited broadcast address (RFC 1122 §3.2.1.3 (c)); a directed
 * broadcast depends on the interface's prefix and is checked there. */
bool sk_ip4_is_broadcast(sk_ip4 a)
{
    return a.b[0] == 255 && a.b[1] == 255 && a.b[2] == 255 && a.b[3] == 255;
}

bool sk_ip4_is_subnet_bcast(sk_ip4 a, sk_ip4 net, uint8_t len)
{
    return len < 31 && sk_ip4_same_prefix(a, net, len) &&
           (sk_ip4_to_u32(a) | sk_ip4_prefix_mask(len)) == 0xffffffffu;
}

bool sk_ip4_is_host(sk_ip4 a, sk_ip4 net, uint8_t len)
{
    return a.b[0] != 0 && a.b[0] != 127 && a.b[0] < 224 && !sk_ip4_is_subnet_bcast(a, net, len);
}

/* Class D, 224.0.0.0/4 (RFC 1112 §4). */
bool sk_ip4_is_multicast(sk_ip4 a)
{
    return (a.b[0] & 0xf0) == 0xe0;
}

bool sk_ip4_eq(sk_ip4 a, sk_ip4 b)
{
    return memcmp(a.b, b.b, sizeof a.b) == 0;
}
