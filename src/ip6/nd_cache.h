/* RFC 4861 §7.3 neighbour cache for one IPv6 link (see nd_cache.c). */
#ifndef SK_IP6_ND_CACHE_H
#define SK_IP6_ND_CACHE_H

#include "base/rng.h"
#include "ip6/ip6_types.h"

/* RFC 4861 §10 protocol constants (times in microseconds). */
#define SK_ND_MAX_MULTICAST_SOLICIT 3
#define SK_ND_MAX_UNICAST_SOLICIT 3
#define SK_ND_RETRANS_TIMER SK_SEC(1)
#define SK_ND_DELAY_FIRST_PROBE SK_SEC(5)
#define SK_ND_BASE_REACHABLE SK_SEC(30)
#define SK_ND_REACHABLE_REDRAW SK_SEC(7200) /* §6.3.4: "at least every few hours" */

enum sk_nd_state {
    SK_ND_FREE = 0,
    SK_ND_INCOMPLETE,
    SK_ND_REACHABLE,
    SK_ND_STALE,
    SK_ND_DELAY,
    SK_ND_PROBE,
};

typedef struct {
    uint32_t entries;          /* table size (>= 1) */
    uint32_t held_total;       /* packets held in all entries (>= 1) */
    uint32_t held_per_entry;   /* packets held per INCOMPLETE entry (>= 1) */
    uint32_t held_max_len;     /* bytes per held packet (the link MTU) */
    uint32_t unresolved_max;   /* INCOMPLETE entries at once; 0: as many as entries */
    uint64_t seed;             /* for ReachableTime's randomization */
    sk_allocator alloc;
} sk_nd_config;

typedef struct {
    uint64_t ns_out;            /* multicast and unicast solicitations asked for */
    uint64_t resolved;          /* INCOMPLETE -> REACHABLE/STALE */
    uint64_t failed;            /* INCOMPLETE gave up after MAX_MULTICAST_SOLICIT */
    uint64_t probe_failed;      /* PROBE gave up after MAX_UNICAST_SOLICIT */
    uint64_t held_released;
    uint64_t drop_held_entry_full; /* oldest packet of an entry given up for a newer one */
    uint64_t drop_held_total_full; /* a packet given up for the total bound */
    uint64_t drop_unresolved;   /* held packets answered with address unreachable */
    uint64_t drop_held_too_long; /* packet longer than held_max_len */
    uint64_t drop_table_full;   /* no entry could be made for a packet */
    uint64_t drop_intent_full;  /* an intent did not fit the queue */
    uint64_t drop_na_unknown;   /* NA for a target without an entry (§7.2.5) */
    uint64_t drop_na_no_lla;    /* NA without TLLAO for an INCOMPLETE entry */
    uint64_t evict_stale;       /* an LRU STALE entry reused */
    uint64_t evict_other;       /* a REACHABLE/DELAY/PROBE entry reused */
    uint64_t evict_incomplete;  /* an INCOMPLETE entry reused (its packets dropped) */
    uint64_t drop_evicted;      /* held packets dropped with their INCOMPLETE entry */
} sk_nd_stats;

typedef struct {
    sk_ip6_addr ip;
    sk_mac mac;
    uint8_t state; /* enum sk_nd_state */
    bool is_router;
    uint8_t probes; /* solicitations sent in INCOMPLETE/PROBE */
    uint16_t n_held;
    sk_time timer; /* the state's deadline; NEVER in STALE */
    uint64_t used; /* LRU stamp */
} sk_nd_entry;

typedef struct {
    uint8_t *data; /* held_max_len bytes */
    uint16_t len;  /* 0: free */
    bool out;      /* handed to an intent, freed when it is taken */
    uint32_t entry;
    uint64_t order;
} sk_nd_held;

typedef struct {
    sk_nd_config cfg;
    sk_nd_entry *e;
    sk_nd_held *held;
    uint8_t *held_mem;
    uint32_t held_used;
    uint64_t order, tick;
    sk_time base_reachable, reachable, retrans;
    sk_time redraw_at; /* ReachableTime is drawn again when used after this */
    sk_time next_due;  /* no entry's timer is earlier (a lower bound): the
                        * per-frame timer run skips its scan before it */
    sk_rng rng;
    sk_i6q iq;
    uint32_t out_slot; /* slot of the last intent taken, freed at the next call */
    sk_nd_stats stats;
} sk_nd_cache;

/* The events of RFC 4861 Appendix C, as parsed values. */
enum sk_nd_event_kind {
    SK_ND_EV_NS,       /* NS from `ip` (not ::) with or without SLLAO */
    SK_ND_EV_RA,       /* RA from router `ip` with or without SLLAO */
    SK_ND_EV_REDIRECT, /* Redirect naming `ip` as target with or without TLLAO */
    SK_ND_EV_NA,       /* NA for target `ip` with flags R/S/O, TLLAO or not */
};

typedef struct {
    uint8_t kind; /* enum sk_nd_event_kind */
    sk_ip6_addr ip;
    bool has_lla;
    sk_mac lla;
    bool router, solicited, override; /* NA flags R, S, O */
} sk_nd_event;

enum sk_nd_verdict { SK_ND_SEND = 0, SK_ND_HELD = 1, SK_ND_DROPPED = 2 };

int sk_nd_create(const sk_nd_config *cfg, sk_time now, sk_nd_cache **out);
void sk_nd_destroy(sk_nd_cache *nd);

/* A packet (IPv6 header on) for next hop `ip`. SEND: `*mac` is filled, send
 * it now; HELD: copied and held until resolution; DROPPED: counted. */
int sk_nd_resolve(sk_nd_cache *nd, sk_time now, const sk_ip6_addr *ip, const uint8_t *pkt,
                  size_t len, sk_mac *mac);
void sk_nd_input(sk_nd_cache *nd, sk_time now, const sk_nd_event *ev);
/* §7.3.1: upper-layer progress (TCP's new ACK) confirms `ip` is reachable. */
void sk_nd_confirm(sk_nd_cache *nd, sk_time now, const sk_ip6_addr *ip);
/* RA parameters (§6.3.4): a BaseReachableTime or RetransTimer of 0 is
 * "unspecified" and changes nothing; a new base re-randomizes ReachableTime. */
void sk_nd_set_params(sk_nd_cache *nd, uint32_t base_reachable_ms, uint32_t retrans_ms);
void sk_nd_run_timers(sk_nd_cache *nd, sk_time now);
sk_time sk_nd_poll_at(const sk_nd_cache *nd);
bool sk_nd_next_intent(sk_nd_cache *nd, sk_ip6_intent *out);

/* The entry for `ip` or NULL (read-only view for tests and routers). */
const sk_nd_entry *sk_nd_find(const sk_nd_cache *nd, const sk_ip6_addr *ip);
/* §6.3.6: reachable or probably reachable = an entry in any state but
 * INCOMPLETE. */
bool sk_nd_probably_reachable(const sk_nd_cache *nd, const sk_ip6_addr *ip);

#endif
