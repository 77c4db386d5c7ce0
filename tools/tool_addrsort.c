/* Destination address ordering for `synack connect NAME`.
 *
 * What we do, of RFC 6724 §6 (destination address selection):
 *   rule 1, avoid unusable destinations: addresses we have no source or
 *           route for go after every usable one (kept, not dropped: the
 *           stack may learn a route, e.g. from a router advertisement);
 *   rule 6, prefer higher precedence: with the default policy table
 *           (§2.1) a global IPv6 address (::/0, precedence 40) comes before
 *           an IPv4 one (::ffff:0:0/96, precedence 35), so IPv6 leads when
 *           it is usable;
 * then RFC 8305 §4: the list interleaves the families, starting with the
 * preferred one ("First Address Family Count" of 1), and within a family
 * keeps the order the DNS server gave (A before AAAA in sk_dns_result).
 *
 * What we leave out: rules 2-5 and 7-10 (scope, deprecated and home
 * addresses, labels, native transport, smaller scope, longest matching
 * prefix) and the rest of Happy Eyeballs (RFC 8305): no racing of
 * connection attempts 250 ms apart, no asynchronous AAAA/A wait (both
 * questions are answered before connecting), no history of RTTs. The caller
 * tries the addresses one after the other. */
#include "tool_addrsort.h"

#include <string.h>

bool tool_addr_in_prefix(const sk_ipaddr *a, const sk_ipaddr *prefix, unsigned plen)
{
    unsigned bits = a->family == SK_AF_INET4 ? 32 : 128;
    if (a->family != prefix->family || plen > bits)
        return false;
    unsigned bytes = plen / 8, rest = plen % 8;
    if (memcmp(a->b, prefix->b, bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return ((a->b[bytes] ^ prefix->b[bytes]) & mask) == 0;
}

static bool usable(const tool_addr_pref *p, const sk_ipaddr *a)
{
    return p->usable == NULL || p->usable(p->ctx, a);
}

typedef struct {
    const sk_ipaddr *in;
    size_t n;
    const tool_addr_pref *p;
    bool want_usable;
    sk_ipaddr *out;
    size_t k;
} merge;

/* The next address of `family` at or after *pos that is (or is not)
 * usable, appended to out; false when there is none. */
static bool take(merge *m, int family, size_t *pos)
{
    while (*pos < m->n) {
        const sk_ipaddr *a = &m->in[(*pos)++];
        if (a->family == family && usable(m->p, a) == m->want_usable) {
            m->out[m->k++] = *a;
            return true;
        }
    }
    return false;
}

/* Appends the addresses that are (or are not) usable, the families
 * interleaved starting with `first`; the longer family's tail at the end. */
static void interleave(merge *m, int first)
{
    int fam[2] = {first, first == SK_AF_INET6 ? SK_AF_INET4 : SK_AF_INET6};
    size_t pos[2] = {0, 0};
    for (int turn = 0;;) {
        if (take(m, fam[turn], &pos[turn]))
            turn ^= 1;
        else if (!take(m, fam[turn ^ 1], &pos[turn ^ 1]))
            return;
    }
}

size_t tool_addr_order(sk_ipaddr *addrs, size_t n, const tool_addr_pref *p)
{
    sk_ipaddr in[TOOL_ADDRSORT_MAX];
    size_t m = 0;
    for (size_t i = 0; i < n && i < TOOL_ADDRSORT_MAX; i++) {
        int f = addrs[i].family;
        if ((f == SK_AF_INET4 || f == SK_AF_INET6) && (p->force == 0 || p->force == f))
            in[m++] = addrs[i];
    }
    /* rule 6: IPv6 first when any IPv6 address is usable, else IPv4 when
     * an IPv4 one is; with nothing usable the default policy's IPv6 */
    int first = SK_AF_INET6;
    bool v6 = false, v4 = false;
    for (size_t i = 0; i < m; i++) {
        bool u = usable(p, &in[i]);
        v6 |= u && in[i].family == SK_AF_INET6;
        v4 |= u && in[i].family == SK_AF_INET4;
    }
    if (!v6 && v4)
        first = SK_AF_INET4;
    merge mg = {in, m, p, true, addrs, 0};
    interleave(&mg, first);
    mg.want_usable = false;
    interleave(&mg, first);
    return mg.k;
}
