/* MLDv2 reports (RFC 3810 §5.2), sent by a host for the groups it listens
 * to (the solicited-node groups of its addresses before DAD, RFC 4862 §5.4.2).
 * Layout of the ICMPv6 message: type 143, reserved byte, checksum, 2
 * reserved bytes, number of records (§5.2.1-5.2.3); each record: type, aux
 * data length, number of sources, the group, the sources, aux data
 * (§5.2.4-5.2.10). The router alert goes in a hop-by-hop header (RFC 3810
 * §5: "MUST be sent with ... IPv6 Router Alert option"), padded to 8 bytes
 * with a 2-byte PadN as Linux does. */
#include "wire/mld6.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/stats.h"
#include "wire/icmp6.h"

#include <string.h>

#define RECORD_HDR_LEN 20 /* type, aux len, number of sources, group */

static size_t records_len(const sk_mld2_record *recs, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += RECORD_HDR_LEN + (size_t)recs[i].n_sources * 16;
    return total;
}

static void put_records(const sk_mld2_record *recs, size_t n, uint8_t *p)
{
    for (size_t i = 0; i < n; i++) {
        const sk_mld2_record *r = &recs[i];
        SK_ASSERT(r->sources != NULL || r->n_sources == 0);
        p[0] = r->type;
        p[1] = 0; /* no auxiliary data (§5.2.6: MLDv2 defines none) */
        sk_store_be16(p + 2, r->n_sources);
        memcpy(p + 4, r->group.b, 16);
        if (r->n_sources > 0)
            memcpy(p + RECORD_HDR_LEN, r->sources, (size_t)r->n_sources * 16);
        p += RECORD_HDR_LEN + (size_t)r->n_sources * 16;
    }
}

size_t sk_mld2_report_emit(sk_ip6 src, const sk_mld2_record *recs, size_t n, uint8_t *buf,
                           size_t cap)
{
    SK_ASSERT(recs != NULL || n == 0);
    if (n > UINT16_MAX)
        return 0;
    size_t body = records_len(recs, n);
    size_t plen = 8 + 8 + body; /* hop-by-hop, ICMPv6 header, records */
    if (buf == NULL || plen > 65535u || cap < SK_IP6_HDR_LEN || cap - SK_IP6_HDR_LEN < plen)
        return 0;
    sk_ip6_repr ip = {0};
    ip.payload_len = (uint16_t)plen;
    ip.next_header = SK_IPPROTO_HOPOPTS;
    ip.hop_limit = 1;
    ip.src = src;
    ip.dst = sk_ip6_mld2_routers();
    sk_ip6_emit(&ip, buf, cap);
    static const uint8_t hbh[8] = {SK_IPPROTO_ICMPV6, 0, 5, 2, 0, 0, 1, 0};
    memcpy(buf + SK_IP6_HDR_LEN, hbh, sizeof hbh);
    uint8_t *m = buf + SK_IP6_HDR_LEN + 8;
    memset(m, 0, 8);
    m[0] = SK_ICMP6_MLD2_REPORT;
    sk_store_be16(m + 6, (uint16_t)n);
    put_records(recs, n, m + 8);
    sk_icmp6_fill_checksum(src, ip.dst, m, 8 + body);
    return SK_IP6_HDR_LEN + plen;
}

int sk_mld2_report_parse(const uint8_t *msg, size_t len, sk_mld2_record *recs, size_t max,
                         size_t *n_records)
{
    SK_ASSERT(n_records != NULL && (recs != NULL || max == 0));
    if (len < 8 || msg[0] != SK_ICMP6_MLD2_REPORT)
        return SK_DROP_ICMP6_UNHANDLED;
    size_t count = sk_load_be16(msg + 6), off = 8;
    for (size_t i = 0; i < count; i++) {
        if (len - off < RECORD_HDR_LEN)
            return SK_DROP_MLD_BAD_REPORT;
        const uint8_t *p = msg + off;
        size_t rlen = RECORD_HDR_LEN + (size_t)sk_load_be16(p + 2) * 16 + (size_t)p[1] * 4;
        if (rlen > len - off)
            return SK_DROP_MLD_BAD_REPORT;
        if (i < max) {
            recs[i].type = p[0];
            recs[i].aux_words = p[1];
            recs[i].n_sources = sk_load_be16(p + 2);
            memcpy(recs[i].group.b, p + 4, 16);
            recs[i].sources = p + RECORD_HDR_LEN;
        }
        off += rlen;
    }
    *n_records = count;
    return 0;
}

/* §5.1.3: codes below 32768 are milliseconds; above, a floating-point
 * value (mant | 0x1000) << (exp + 3). */
static uint32_t max_resp_delay(uint16_t code)
{
    if (code < 32768)
        return code;
    uint32_t mant = code & 0xfffu, exp = (code >> 12) & 7u;
    return (mant | 0x1000u) << (exp + 3);
}

int sk_mld_query_parse(const uint8_t *msg, size_t len, sk_mld_query *q)
{
    SK_ASSERT(q != NULL);
    memset(q, 0, sizeof *q);
    if (len < 8 || msg[0] != SK_ICMP6_MLD_QUERY)
        return SK_DROP_ICMP6_UNHANDLED;
    if (len < 24 || (len > 24 && len < 28))
        return SK_DROP_MLD_BAD_QUERY;
    uint16_t code = sk_load_be16(msg + 4);
    memcpy(q->group.b, msg + 8, 16);
    q->max_resp_ms = code; /* MLDv1 (RFC 2710 §3): Maximum Response Delay in ms */
    if (len == 24)
        return 0;
    q->max_resp_ms = max_resp_delay(code);
    q->v2 = true;
    q->n_sources = sk_load_be16(msg + 26);
    if ((size_t)q->n_sources * 16 > len - 28)
        return SK_DROP_MLD_BAD_QUERY;
    return 0;
}
