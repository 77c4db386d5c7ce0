/* DHCPv4 codec: RFC 2131 §2 (format), §3 (magic cookie 99.130.83.99),
 * RFC 2132 (options). Option overload (52, RFC 2132 §9.3) is refused:
 * options in 'sname' and 'file' are not read, and a message that says it
 * put some there is dropped (counted OVERLOAD) rather than half understood. */
#include "dhcp/dhcp_msg.h"

#include "base/bytes.h"

#include <string.h>

static const uint8_t cookie[4] = {99, 130, 83, 99};

static sk_ip4 ip_at(const uint8_t *p)
{
    sk_ip4 a;
    memcpy(a.b, p, 4);
    return a;
}

static void fixed_part(const uint8_t *d, sk_dhcp_msg *m)
{
    m->op = d[0];
    m->htype = d[1];
    m->hlen = d[2];
    m->xid = sk_load_be32(d + 4);
    m->secs = sk_load_be16(d + 8);
    m->flags = sk_load_be16(d + 10);
    m->ciaddr = ip_at(d + 12);
    m->yiaddr = ip_at(d + 16);
    m->siaddr = ip_at(d + 20);
    m->giaddr = ip_at(d + 24);
    memcpy(m->chaddr, d + 28, 16);
}

/* One option (code, length-checked value). false: a bad length. */
static bool take_option(sk_dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t n)
{
    switch (code) {
    case 1: /* subnet mask, RFC 2132 §3.3 */
        m->mask = ip_at(v);
        m->has |= SK_DHCP_HAS_MASK;
        return n == 4;
    case 3: /* routers, §3.5: one or more, the first preferred */
        m->router = ip_at(v);
        m->has |= SK_DHCP_HAS_ROUTER;
        return n >= 4 && n % 4 == 0;
    case 6: /* DNS servers, §3.8 */
        m->dns_count = 0;
        for (uint8_t i = 0; i + 4 <= n && m->dns_count < SK_DHCP_MAX_DNS; i += 4)
            m->dns[m->dns_count++] = ip_at(v + i);
        return n >= 4 && n % 4 == 0;
    case 26: /* interface MTU, §5.1: at least 68 */
        m->mtu = sk_load_be16(v);
        m->has |= SK_DHCP_HAS_MTU;
        return n == 2 && m->mtu >= 68;
    case 51: case 58: case 59: { /* lease, T1, T2: §9.2, §9.11, §9.12 */
        uint32_t t = sk_load_be32(v);
        if (code == 51)
            m->lease = t, m->has |= SK_DHCP_HAS_LEASE;
        else if (code == 58)
            m->t1 = t, m->has |= SK_DHCP_HAS_T1;
        else
            m->t2 = t, m->has |= SK_DHCP_HAS_T2;
        return n == 4;
    }
    case 52: /* overload, §9.3 */
        m->has |= SK_DHCP_HAS_OVERLOAD;
        return n == 1;
    case 53: /* message type, §9.6 */
        m->type = v[0];
        return n == 1 && v[0] >= 1 && v[0] <= 8;
    case 54: /* server identifier, §9.7 */
        m->server_id = ip_at(v);
        m->has |= SK_DHCP_HAS_SERVER;
        return n == 4;
    default:
        return true; /* other options are skipped */
    }
}

int sk_dhcp_parse(const uint8_t *d, size_t len, sk_dhcp_msg *m)
{
    memset(m, 0, sizeof *m);
    if (len < SK_DHCP_OPTS_OFF)
        return SK_DHCP_DROP_SHORT;
    if (memcmp(d + SK_DHCP_FIXED_LEN, cookie, 4) != 0)
        return SK_DHCP_DROP_NO_COOKIE;
    fixed_part(d, m);
    size_t p = SK_DHCP_OPTS_OFF;
    for (;;) {
        if (p >= len)
            return SK_DHCP_DROP_MALFORMED; /* no end option (RFC 2132 §3.2) */
        uint8_t code = d[p];
        if (code == 255)
            break;
        if (code == 0) { /* pad, §3.1 */
            p++;
            continue;
        }
        if (p + 2 > len || p + 2 + d[p + 1] > len)
            return SK_DHCP_DROP_MALFORMED;
        uint8_t n = d[p + 1];
        uint8_t v[255] = {0};
        memcpy(v, d + p + 2, n); /* short values read as zeros, then refused */
        if (!take_option(m, code, v, n))
            return SK_DHCP_DROP_MALFORMED;
        p += 2 + (size_t)n;
    }
    if (m->has & SK_DHCP_HAS_OVERLOAD)
        return SK_DHCP_DROP_OVERLOAD;
    return SK_DHCP_PARSE_OK;
}

static size_t put_opt(uint8_t *b, size_t o, uint8_t code, const void *v, size_t n)
{
    b[o] = code;
    b[o + 1] = (uint8_t)n;
    memcpy(b + o + 2, v, n);
    return o + 2 + n;
}

size_t sk_dhcp_build(uint8_t *b, size_t cap, const sk_dhcp_out *o)
{
    /* the parameters we ask for, RFC 2132 §9.8 */
    static const uint8_t prl[] = {1, 3, 6, 12, 26, 51, 54, 58, 59};
    size_t hn = 0;
    while (o->hostname && hn < SK_DHCP_HOSTNAME_MAX && o->hostname[hn])
        hn++;
    if (cap < SK_DHCP_MIN_LEN || cap < SK_DHCP_OPTS_OFF + 3 + 9 + 6 + 6 + 2 + hn + 2 + sizeof prl + 1)
        return 0;
    memset(b, 0, SK_DHCP_MIN_LEN);
    b[0] = 1; /* BOOTREQUEST */
    b[1] = 1; /* Ethernet */
    b[2] = 6;
    sk_store_be32(b + 4, o->xid);
    sk_store_be16(b + 8, o->secs);
    sk_store_be16(b + 10, o->broadcast_flag ? 0x8000 : 0); /* §4.1 */
    memcpy(b + 12, o->ciaddr.b, 4);
    memcpy(b + 28, o->chaddr.b, 6);
    memcpy(b + SK_DHCP_FIXED_LEN, cookie, 4);
    size_t p = put_opt(b, SK_DHCP_OPTS_OFF, 53, &o->type, 1);
    uint8_t cid[7] = {1}; /* client identifier, §9.14: type 1 + MAC */
    memcpy(cid + 1, o->chaddr.b, 6);
    p = put_opt(b, p, 61, cid, sizeof cid);
    if (memcmp(o->requested.b, "\0\0\0\0", 4) != 0)
        p = put_opt(b, p, 50, o->requested.b, 4);
    if (memcmp(o->server_id.b, "\0\0\0\0", 4) != 0)
        p = put_opt(b, p, 54, o->server_id.b, 4);
    if (hn > 0)
        p = put_opt(b, p, 12, o->hostname, hn);
    if (o->type == SK_DHCPDISCOVER || o->type == SK_DHCPREQUEST)
        p = put_opt(b, p, 55, prl, sizeof prl);
    b[p++] = 255;
    return p < SK_DHCP_MIN_LEN ? SK_DHCP_MIN_LEN : p;
}

uint8_t sk_dhcp_prefix_len(sk_ip4 mask)
{
    uint32_t m = sk_load_be32(mask.b);
    uint8_t n = 0;
    while (n < 32 && (m & (0x80000000u >> n)))
        n++;
    /* a mask with a one after its first zero is not a prefix */
    return (n < 32 && (m << n) != 0) ? 0 : n;
}
