/* Redirects received (RFC 4861 §8): a host's destination overrides.
 *
 * Validation (§8.1), in order, each drop counted by reason: the wire
 * checks of sk_nd_check (hop limit 255, ICMP code 0, link-local source,
 * destination not multicast, target link-local or equal to the
 * destination); then the one that needs state: the source must be the
 * current first-hop router for the destination (sk_nd6_next_hop, which
 * includes earlier redirects; ND_REDIRECT_NOT_FIRST_HOP). A destination we
 * reach directly (on-link, or no route) has no first-hop router to redirect
 * it.
 *
 * Effect (§8.3): the destination's next hop becomes the target (a better
 * router, or the destination itself on the link) in the destination cache
 * of ip6/nd_router.c, marked as redirected, which next-hop determination
 * consults after the on-link test and before routes (iface_nd6.c,
 * next_hop6); a full cache reuses its least recently used entry, and the
 * cache forgets a redirect with the router it went through (§6.3.5) or
 * when the on-link prefixes change. A target link-layer address option
 * updates the neighbour cache (SK_ND_EV_REDIRECT: STALE); without one the target is
 * resolved when first used. Entries are not aged otherwise: they end as
 * above or when the interface goes away (RFC 4861 §5.3 leaves the
 * destination cache's garbage collection to the implementation; see
 * docs/rfc-coverage.md). The Redirected Header option is not looked at. */
#include "iface/iface.h"

#include "synack/error.h"
#include "wire/nd6.h"

#include <string.h>

void sk_redirect6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                        size_t len)
{
    sk_nd_repr nd;
    int r = sk_nd_parse(msg, len, &nd);
    if (r == 0)
        r = sk_nd_check(ip, &nd);
    if (r == 0 && (ifc->nd == NULL || ifc->ndr == NULL))
        r = SK_DROP_ICMP6_UNHANDLED; /* no neighbour discovery on this link */
    sk_ip6 cur;
    if (r == 0 && (!sk_nd6_next_hop(ifc, nd.dest, now, &cur) || sk_ip6_eq(cur, nd.dest) ||
                   !sk_ip6_eq(cur, ip->src)))
        r = SK_DROP_ND_REDIRECT_NOT_FIRST_HOP;
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    sk_ndr_redirect(ifc->ndr, &nd.dest, &nd.target);
    sk_nd_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SK_ND_EV_REDIRECT;
    ev.ip = nd.target;
    ev.has_lla = nd.opts.has_tllao;
    ev.lla = nd.opts.tllao;
    sk_nd_input(ifc->nd, now, &ev);
    sk_nd6_sync_stats(ifc);
}
