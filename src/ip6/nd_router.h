/* RFC 4861 §5-6 host side of router discovery: default router list, prefix
 * list, destination cache, next-hop determination and router solicitation
 * (see nd_router.c). */
#ifndef SK_IP6_ND_ROUTER_H
#define SK_IP6_ND_ROUTER_H

#include "base/rng.h"
#include "ip6/ip6_types.h"
#include "ip6/nd_cache.h"

#define SK_NDR_MAX_RTR_SOLICITATION_DELAY SK_SEC(1)
#define SK_NDR_RTR_SOLICITATION_INTERVAL SK_SEC(4)
#define SK_NDR_MAX_RTR_SOLICITATIONS 3
#define SK_NDR_MIN_MTU 1280u
#define SK_NDR_INFINITE 0xffffffffu
#define SK_NDR_MAX_PREFIXES_PER_RA 8

typedef struct {
    uint32_t routers;   /* default router list size */
    uint32_t prefixes;  /* on-link prefix list size */
    uint32_t dests;     /* destination cache size */
    uint32_t link_mtu;  /* the link's MTU (>= 1280) */
    uint64_t seed;      /* the RS start delay */
    sk_allocator alloc;
} sk_ndr_config;

/* One Prefix Information option (RFC 4861 §4.6.2), parsed. */
typedef struct {
    sk_ip6_addr prefix;
    uint8_t len;
    bool on_link;    /* L */
    bool autonomous; /* A (for slaac.c) */
    uint32_t valid_s, preferred_s;
} sk_ra_prefix;

/* A Router Advertisement that passed §6.1.2's validation (link-local
 * source, hop limit 255, ...), parsed. */
typedef struct {
    sk_ip6_addr src;
    uint8_t cur_hop_limit;      /* 0: unspecified */
    uint16_t router_lifetime_s; /* 0: not a default router */
    uint32_t reachable_ms;      /* 0: unspecified */
    uint32_t retrans_ms;        /* 0: unspecified */
    bool has_sllao;
    sk_mac sllao;
    uint32_t mtu; /* MTU option, 0: absent */
    uint8_t n_prefixes;
    sk_ra_prefix prefix[SK_NDR_MAX_PREFIXES_PER_RA];
} sk_ra_info;

typedef struct {
    uint64_t ra_in, rs_out;
    uint64_t routers_added, routers_expired, routers_removed;
    uint64_t prefixes_added, prefixes_expired;
    uint64_t drop_router_list_full, drop_prefix_list_full;
    uint64_t drop_prefix_link_local; /* §6.3.4: fe80::/10 prefix ignored */
    uint64_t drop_mtu_bad;           /* MTU option < 1280 or > link MTU */
    uint64_t drop_redirect_bad;      /* not from the current first hop */
    uint64_t drop_intent_full;
    uint64_t dest_evicted;           /* LRU destination cache entry reused */
    uint64_t no_route;               /* off-link destination without a router */
} sk_ndr_stats;

typedef struct {
    sk_ip6_addr ip;
    sk_time expires;
    bool used;
} sk_ndr_router;

typedef struct {
    sk_ip6_addr prefix;
    uint8_t len;
    bool used;
    sk_time expires;
} sk_ndr_prefix;

typedef struct {
    sk_ip6_addr dst, next_hop;
    bool used;
    bool redirected; /* next_hop from a Redirect (§8.3), not from §5.2 */
    uint64_t stamp;
} sk_ndr_dest;

typedef struct {
    sk_ndr_config cfg;
    sk_ndr_router *r;
    sk_ndr_prefix *p;
    sk_ndr_dest *d;
    bool any_redirect; /* a redirect was ever stored: per-frame lookups skip the scan until then */
    uint32_t rr; /* round-robin position when no router is reachable */
    uint64_t tick;
    uint32_t mtu;             /* link MTU, or the RA's MTU option */
    uint8_t cur_hop_limit;    /* 64 until an RA says otherwise */
    uint8_t rs_sent;
    sk_time rs_at;            /* next RS, NEVER when done */
    sk_time next_due;         /* nothing in the lists (nor rs_at) is due earlier: a
                               * lower bound, 0 at creation; who moves rs_at earlier
                               * from outside sets it to 0. The per-frame timer run
                               * skips its scan before it. */
    sk_rng rng;
    sk_i6q iq;
    sk_ndr_stats stats;
} sk_nd_router;

int sk_ndr_create(const sk_ndr_config *cfg, sk_time now, sk_nd_router **out);
void sk_ndr_destroy(sk_nd_router *r);
/* A valid RA: routers, prefixes (L flag), MTU, hop limit; with `nd` also
 * its SLLAO (§6.3.4: STALE entry, IsRouter) and reachable/retrans times. */
void sk_ndr_input_ra(sk_nd_router *r, sk_nd_cache *nd, sk_time now, const sk_ra_info *ra);
/* A valid Redirect from `src` (§8.3): `dst` is reached through `target`
 * (target == dst: dst is on-link). With a TLLAO the caller also gives it
 * to the neighbour cache (SK_ND_EV_REDIRECT). */
void sk_ndr_input_redirect(sk_nd_router *r, const sk_nd_cache *nd, sk_time now,
                           const sk_ip6_addr *src, const sk_ip6_addr *target,
                           const sk_ip6_addr *dst);
/* Record a Redirect the caller validated (§8.1): `dst` is reached through
 * `target` (target == dst: on-link), in the destination cache. */
void sk_ndr_redirect(sk_nd_router *r, const sk_ip6_addr *dst, const sk_ip6_addr *target);
/* A redirected destination's next hop (what next-hop determination must
 * take before routes and the router list, §8.3). */
bool sk_ndr_redirected(const sk_nd_router *r, const sk_ip6_addr *dst, sk_ip6_addr *next_hop);
/* The neighbour cache said `ip` is no longer a router (SK_I6_NOT_ROUTER). */
void sk_ndr_router_gone(sk_nd_router *r, const sk_ip6_addr *ip);
/* §5.2: the next hop for `dst`. 0 and *next_hop, or SK_EHOSTUNREACH when
 * dst is off-link and there is no default router (RFC 4943). */
int sk_ndr_next_hop(sk_nd_router *r, const sk_nd_cache *nd, sk_time now, const sk_ip6_addr *dst,
                    sk_ip6_addr *next_hop);
bool sk_ndr_on_link(const sk_nd_router *r, sk_time now, const sk_ip6_addr *dst);
void sk_ndr_run_timers(sk_nd_router *r, sk_time now);
sk_time sk_ndr_poll_at(const sk_nd_router *r);
bool sk_ndr_next_intent(sk_nd_router *r, sk_ip6_intent *out);

#endif
