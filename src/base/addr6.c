/* Text forms of IPv6 addresses: RFC 4291 §2.2 (every form a parser must
 * take) and §2.3 (prefixes) in, RFC 5952 §4-5 (the one canonical form) out.
 * No libc formatting: a small bounded writer, so the output is the same
 * with every C library. */
#include "synack/addr.h"
#include "synack/error.h"

#include <string.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A dotted quad (four decimal parts 0..255 of 1-3 digits) at *sp; it must
 * end the text or be followed by '/' (a prefix). */
static int parse_quad(const char **sp, uint8_t out[4])
{
    const char *s = *sp;
    for (int i = 0; i < 4; i++) {
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10u + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return SK_EINVAL;
        out[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.')
            return SK_EINVAL;
    }
    *sp = s;
    return 0;
}

/* True when the group starting at s is a dotted quad (a '.' comes before
 * the next ':' or the end). */
static int group_is_quad(const char *s)
{
    for (; *s != '\0' && *s != ':' && *s != '/'; s++)
        if (*s == '.')
            return 1;
    return 0;
}

/* One group of 1-4 hex digits at *sp. */
static int parse_group(const char **sp, uint16_t *out)
{
    const char *s = *sp;
    unsigned v = 0;
    int n = 0, d;
    while ((d = hex_digit(*s)) >= 0) {
        if (++n > 4)
            return SK_EINVAL;
        v = v << 4 | (unsigned)d;
        s++;
    }
    if (n == 0)
        return SK_EINVAL;
    *sp = s;
    *out = (uint16_t)v;
    return 0;
}

/* Parse the address part of *sp into w[0..8) and advance past it; stops at
 * the end or at '/'. gap is where "::" stood (-1: none). */
static int parse_words(const char **sp, uint16_t w[8], int *nw, int *gap)
{
    const char *s = *sp;
    int n = 0, g = -1;
    if (s[0] == ':') {
        if (s[1] != ':')
            return SK_EINVAL; /* a single leading colon */
        g = 0;
        s += 2;
    }
    while (*s != '\0' && *s != '/') {
        if (group_is_quad(s)) {
            uint8_t q[4];
            if (n > 6 || parse_quad(&s, q) != 0 || (*s != '\0' && *s != '/'))
                return SK_EINVAL;
            w[n++] = (uint16_t)(q[0] << 8 | q[1]);
            w[n++] = (uint16_t)(q[2] << 8 | q[3]);
            break;
        }
        if (n == 8 || parse_group(&s, &w[n]) != 0)
            return SK_EINVAL;
        n++;
        if (*s == '\0' || *s == '/')
            break;
        if (*s++ != ':')
            return SK_EINVAL;
        if (*s == ':') {
            if (g >= 0)
                return SK_EINVAL; /* "::" twice */
            g = n;
            s++;
        } else if (*s == '\0' || *s == '/') {
            return SK_EINVAL; /* a single trailing colon */
        }
    }
    *sp = s;
    *nw = n;
    *gap = g;
    return 0;
}

static int parse_addr(const char **sp, sk_ip6 *out)
{
    uint16_t w[8] = {0};
    int n = 0, gap = -1;
    if (parse_words(sp, w, &n, &gap) != 0)
        return SK_EINVAL;
    /* Without "::" all eight groups; with it at least one group is zero. */
    if ((gap < 0 && n != 8) || (gap >= 0 && n > 7))
        return SK_EINVAL;
    memset(out->b, 0, sizeof out->b);
    int tail = gap < 0 ? 0 : n - gap;
    for (int i = 0; i < n; i++) {
        int pos = (gap >= 0 && i >= gap) ? 8 - tail + (i - gap) : i;
        out->b[2 * pos] = (uint8_t)(w[i] >> 8);
        out->b[2 * pos + 1] = (uint8_t)w[i];
    }
    return 0;
}

int sk_ip6_from_str(const char *s, sk_ip6 *out)
{
    sk_ip6 a;
    if (s == NULL || out == NULL || parse_addr(&s, &a) != 0 || *s != '\0')
        return SK_EINVAL;
    *out = a;
    return 0;
}

int sk_ip6_prefix_from_str(const char *s, sk_ip6 *out, uint8_t *prefix_len)
{
    sk_ip6 a;
    if (s == NULL || out == NULL || prefix_len == NULL || parse_addr(&s, &a) != 0)
        return SK_EINVAL;
    if (*s++ != '/')
        return SK_EINVAL;
    unsigned len = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 4) {
        len = len * 10u + (unsigned)(*s++ - '0');
        digits++;
    }
    if (digits == 0 || digits > 3 || len > 128 || *s != '\0')
        return SK_EINVAL;
    *out = a;
    *prefix_len = (uint8_t)len;
    return 0;
}

typedef struct {
    char *buf;
    size_t cap, len;
} text6;

static void put(text6 *t, char c)
{
    if (t->cap == 0 || t->len + 1 >= t->cap)
        return;
    t->buf[t->len++] = c;
    t->buf[t->len] = '\0';
}

static void put_hex(text6 *t, uint16_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift = 12;
    while (shift > 0 && ((v >> shift) & 0xf) == 0)
        shift -= 4; /* RFC 5952 §4.1: no leading zeros */
    for (; shift >= 0; shift -= 4)
        put(t, digits[(v >> shift) & 0xf]);
}

static void put_dec(text6 *t, uint8_t v)
{
    if (v >= 100)
        put(t, (char)('0' + v / 100));
    if (v >= 10)
        put(t, (char)('0' + v / 10 % 10));
    put(t, (char)('0' + v % 10));
}

/* RFC 5952 §4.2.2-4.2.3: the longest run of zero groups, at least two long,
 * the first one when runs tie. *start = -1 when there is none. */
static void longest_zero_run(const uint16_t w[8], int *start, int *len)
{
    *start = -1;
    *len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > *len) {
            *start = i;
            *len = j - i;
        }
        i = j > i ? j : i + 1;
    }
}

char *sk_ip6_to_str(sk_ip6 a, char *buf, size_t cap)
{
    text6 t = {buf, cap, 0};
    if (cap > 0)
        buf[0] = '\0';
    uint16_t w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (uint16_t)(a.b[2 * i] << 8 | a.b[2 * i + 1]);
    /* RFC 5952 §5: IPv4-mapped addresses end in dotted decimal. */
    bool mapped = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff;
    int groups = mapped ? 6 : 8, zs, zl;
    longest_zero_run(w, &zs, &zl);
    for (int i = 0; i < groups; i++) {
        if (i == zs) {
            put(&t, ':');
            put(&t, ':');
            i += zl - 1;
            continue;
        }
        if (i > 0 && i != zs + zl)
            put(&t, ':');
        put_hex(&t, w[i]);
    }
    if (mapped) {
        put(&t, ':');
        for (int i = 12; i < 16; i++) {
            put_dec(&t, a.b[i]);
            if (i < 15)
                put(&t, '.');
        }
    }
    return buf;
}

sk_ipaddr sk_ipaddr_from_ip6(sk_ip6 a)
{
    sk_ipaddr r;
    r.family = SK_AF_INET6;
    memcpy(r.b, a.b, sizeof r.b);
    return r;
}
