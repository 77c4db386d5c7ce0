/* RFC 8200 §4.5 fragment reassembly for IPv6 (see ip6_reass.c). */
#ifndef SK_IP6_IP6_REASS_H
#define SK_IP6_IP6_REASS_H

#include "ip6/ip6_types.h"

#define SK_IP6R_TIMEOUT SK_SEC(60) /* RFC 8200 §4.5 */
#define SK_IP6R_PIECES 64          /* fragments per datagram */
#define SK_IP6R_QUOTE 1232         /* 1280 - 40 - 8: what an ICMPv6 error quotes */
#define SK_IP6R_MAX 65535u

enum { SK_IP6R_HELD = 0, SK_IP6R_DONE = 1, SK_IP6R_DROPPED = 2 };

typedef struct {
    uint32_t datagrams; /* reassemblies at once (>= 1); 64 KiB each */
    uint32_t max_bytes; /* fragment bytes held across all of them */
    sk_allocator alloc;
} sk_ip6r_config;

/* One fragment, parsed. `data`/`len` is the fragmentable part it carries
 * (after the Fragment header). In the first fragment (offset 0) the caller
 * walked the header chain: `ulp_found` says the upper-layer header starts
 * at `ulp_off` in `data` with protocol `ulp` (RFC 7112). `pkt`/`pkt_len`
 * is the whole packet from the IPv6 header on, quoted by ICMPv6 errors. */
typedef struct {
    sk_ip6_addr src, dst;
    uint32_t id;
    uint16_t offset; /* bytes, a multiple of 8 */
    bool more;       /* M */
    uint8_t next_header;
    uint16_t unfrag_len; /* extension headers between the IPv6 and Fragment headers */
    bool ulp_found;
    uint8_t ulp;
    uint16_t ulp_off;
    const uint8_t *data;
    uint16_t len;
    const uint8_t *pkt;
    size_t pkt_len;
} sk_ip6_frag;

/* A whole datagram: its fragmentable part and the first fragment's Next
 * Header. `data` is valid until the next call. */
typedef struct {
    sk_ip6_addr src, dst;
    uint8_t next_header;
    bool atomic; /* RFC 6946: offset 0 and M = 0, never queued */
    const uint8_t *data;
    size_t len;
} sk_ip6_dgram;

typedef struct {
    uint64_t frags_in, atomic, reassembled;
    uint64_t drop_frag_len;    /* M = 1, length not a multiple of 8: parameter problem */
    uint64_t drop_too_big;     /* beyond 65535: parameter problem */
    uint64_t drop_chain;       /* RFC 7112: first fragment without the upper-layer header */
    uint64_t drop_empty;       /* no data */
    uint64_t drop_no_slot;     /* every reassembly busy */
    uint64_t drop_bytes_full;  /* max_bytes reached */
    uint64_t drop_overlap;     /* RFC 5722: a datagram discarded */
    uint64_t drop_dead;        /* a later fragment of a discarded datagram */
    uint64_t drop_dup;         /* an exact duplicate (RFC 8200 §4.5 allows dropping it alone) */
    uint64_t drop_bad_end;     /* inconsistent last fragment: datagram discarded */
    uint64_t drop_pieces;      /* more than SK_IP6R_PIECES fragments: datagram discarded */
    uint64_t timeouts;         /* reassemblies that ran out of time */
    uint64_t time_exceeded;    /* ... of which answered (first fragment seen) */
    uint64_t drop_intent_full;
} sk_ip6r_stats;

typedef struct {
    uint16_t start, len;
} sk_ip6r_piece;

enum { SK_IP6R_FREE = 0, SK_IP6R_ACTIVE, SK_IP6R_DEAD };

typedef struct {
    uint8_t state;
    sk_ip6_addr src, dst;
    uint32_t id;
    uint8_t next_header;
    bool have_first, have_last;
    uint32_t total; /* known once the last fragment arrived */
    uint32_t bytes;
    sk_time expires;
    uint16_t n_pieces;
    sk_ip6r_piece piece[SK_IP6R_PIECES];
    uint8_t *buf;   /* SK_IP6R_MAX bytes */
    uint8_t *first; /* SK_IP6R_QUOTE bytes of the first fragment's packet */
    uint16_t first_len;
} sk_ip6r_dgram;

typedef struct {
    sk_ip6r_config cfg;
    sk_ip6r_dgram *d;
    uint8_t *mem;
    uint32_t bytes; /* held in ACTIVE reassemblies */
    sk_time next_due; /* no datagram expires earlier (a lower bound; 0 at
                       * creation): the per-frame timer run skips its scan before it */
    sk_i6q iq;
    uint8_t *qmem;  /* one quote per intent queue slot */
    sk_ip6r_stats stats;
} sk_ip6_reass;

int sk_ip6r_create(const sk_ip6r_config *cfg, sk_ip6_reass **out);
void sk_ip6r_destroy(sk_ip6_reass *r);
/* HELD, DONE (*out filled) or DROPPED (counted; maybe an intent). */
int sk_ip6r_input(sk_ip6_reass *r, sk_time now, const sk_ip6_frag *f, sk_ip6_dgram *out);
void sk_ip6r_run_timers(sk_ip6_reass *r, sk_time now);
sk_time sk_ip6r_poll_at(const sk_ip6_reass *r);
bool sk_ip6r_next_intent(sk_ip6_reass *r, sk_ip6_intent *out);

#endif
