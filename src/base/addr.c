/* Text forms of addresses. Strict parsers: they accept exactly the canonical
 * forms and reject everything else with SK_EINVAL. */
#include "base/tuple.h"
#include "synack/addr.h"
#include "synack/error.h"

#include <stdio.h>
#include <string.h>

/* Parse a decimal number of at most `max` from *sp, advancing it. */
static int parse_dec(const char **sp, unsigned max, unsigned *out)
{
    const char *s = *sp;
    unsigned v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10u + (unsigned)(*s - '0');
        if (v > max || ++digits > 3)
            return SK_EINVAL;
        s++;
    }
    if (digits == 0)
        return SK_EINVAL;
    *sp = s;
    *out = v;
    return 0;
}

static int parse_ip4_prefix(const char **sp, sk_ip4 *out)
{
    for (int i = 0; i < 4; i++) {
        unsigned v;
        if (parse_dec(sp, 255, &v) != 0)
            return SK_EINVAL;
        out->b[i] = (uint8_t)v;
        if (i < 3) {
            if (**sp != '.')
                return SK_EINVAL;
            (*sp)++;
        }
    }
    return 0;
}

int sk_ip4_from_str(const char *s, sk_ip4 *out)
{
    sk_ip4 a;
    if (s == NULL || out == NULL || parse_ip4_prefix(&s, &a) != 0 || *s != '\0')
        return SK_EINVAL;
    *out = a;
    return 0;
}

int sk_ip4_prefix_from_str(const char *s, sk_ip4 *out, uint8_t *prefix_len)
{
    sk_ip4 a;
    unsigned len;
    if (s == NULL || out == NULL || prefix_len == NULL || parse_ip4_prefix(&s, &a) != 0)
        return SK_EINVAL;
    if (*s++ != '/' || parse_dec(&s, 32, &len) != 0 || *s != '\0')
        return SK_EINVAL;
    *out = a;
    *prefix_len = (uint8_t)len;
    return 0;
}

char *sk_ip4_to_str(sk_ip4 a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", a.b[0], a.b[1], a.b[2], a.b[3]);
    return buf;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sk_mac_from_str(const char *s, sk_mac *out)
{
    sk_mac m;
    if (s == NULL || out == NULL || strlen(s) != 17)
        return SK_EINVAL;
    for (int i = 0; i < 6; i++) {
        int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
            return SK_EINVAL;
        m.b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = m;
    return 0;
}

char *sk_mac_to_str(sk_mac m, char *buf, size_t cap)
{
    snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3],
             m.b[4], m.b[5]);
    return buf;
}

/* the core's inline form (base/tuple.h), for the public API */
sk_ipaddr sk_ipaddr_from_ip4(sk_ip4 a) { return sk_addr4(a); }

bool sk_ipaddr_eq(const sk_ipaddr *a, const sk_ipaddr *b)
{
    if (a->family != b->family)
        return false;
    return memcmp(a->b, b->b, a->family == SK_AF_INET6 ? 16 : 4) == 0;
}
