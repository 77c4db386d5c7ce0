/* RFC 4862 stateless address autoconfiguration with RFC 7217 stable
 * interface identifiers and duplicate address detection (see slaac.c). */
#ifndef SK_IP6_SLAAC_H
#define SK_IP6_SLAAC_H

#include "base/rng.h"
#include "base/siphash.h"
#include "ip6/ip6_types.h"
#include "ip6/nd_router.h"

#define SK_SLAAC_IDGEN_RETRIES 3              /* RFC 7217 §6 */
#define SK_SLAAC_TWO_HOURS SK_SEC(7200)       /* RFC 4862 §5.5.3 (e) */
#define SK_SLAAC_MLD_REPORT_INTERVAL SK_SEC(1) /* RFC 3810 §9.11 */
#define SK_SLAAC_MLD_ROBUSTNESS 2              /* RFC 3810 §9.1 */
#define SK_SLAAC_NET_ID_MAX 32

enum sk_slaac_state {
    SK_SLAAC_FREE = 0,
    SK_SLAAC_WAIT,       /* link-local: random delay before DAD (§5.4.2) */
    SK_SLAAC_TENTATIVE,  /* DAD running */
    SK_SLAAC_PREFERRED,
    SK_SLAAC_DEPRECATED,
};

typedef struct {
    uint32_t addrs;      /* address slots, link-local included (>= 1) */
    uint64_t seed;       /* keys the RFC 7217 hash and the random delays */
    uint8_t net_id[SK_SLAAC_NET_ID_MAX]; /* RFC 7217 Network_ID (e.g. SSID) */
    uint8_t net_id_len;
    uint8_t iface_id;    /* RFC 7217 Net_Iface: a stable interface index */
    uint8_t dad_transmits; /* DupAddrDetectTransmits (0: no DAD), default 1 */
    bool link_local;     /* form the fe80::/64 address too, default true */
    sk_allocator alloc;
} sk_slaac_config;

typedef struct {
    uint64_t dad_ns_out, dad_ok, dad_conflict, dad_gave_up;
    uint64_t iid_reserved;        /* an RFC 5453 reserved IID skipped */
    uint64_t addr_added, addr_deprecated, addr_expired;
    uint64_t mld_reports;
    uint64_t drop_prefix_len;     /* A flag with a prefix length other than 64 */
    uint64_t drop_prefix_ll;      /* A flag on fe80::/10 */
    uint64_t drop_preferred_gt_valid;
    uint64_t two_hour_rule;       /* (e) kept the remaining lifetime or set 2 h */
    uint64_t drop_addr_list_full;
    uint64_t drop_intent_full;
    uint64_t na_for_assigned;     /* NA for an address in use: logged (§5.4.4) */
} sk_slaac_stats;

typedef struct {
    sk_ip6_addr addr;
    sk_ip6_addr prefix; /* the /64 it came from (fe80:: for the link-local) */
    uint8_t state;      /* enum sk_slaac_state */
    uint8_t dad_counter;
    uint8_t dad_sent;
    uint8_t mld_left;   /* unsolicited reports still to send */
    bool joined;        /* its solicited-node group was reported */
    sk_time dad_at;     /* next DAD step */
    sk_time mld_at;     /* next unsolicited report */
    sk_time preferred_until, valid_until;
} sk_slaac_addr;

typedef struct {
    sk_slaac_config cfg;
    sk_slaac_addr *a;
    sk_siphash_key key;
    sk_rng rng;
    sk_time retrans;
    sk_time next_due; /* no address's timer is earlier (a lower bound): 0
                       * (scan at the next run) after every input, which may
                       * arm or disarm timers in several ways; the per-frame
                       * timer run skips its scan before it */
    sk_i6q iq;
    sk_slaac_stats stats;
} sk_slaac;

/* addrs 4, dad_transmits 1, link_local, no network id, interface 0, seed 0. */
void sk_slaac_config_default(sk_slaac_config *cfg);
/* Creates the stack's SLAAC state and starts the link-local address (its
 * DAD after a random delay in [0, MAX_RTR_SOLICITATION_DELAY]). */
int sk_slaac_create(const sk_slaac_config *cfg, sk_time now, sk_slaac **out);
void sk_slaac_destroy(sk_slaac *s);
/* A valid RA: its prefixes with the A flag (§5.5.3), its RetransTimer. */
void sk_slaac_input_ra(sk_slaac *s, sk_time now, const sk_ra_info *ra);
/* An NS with source `src` (:: for DAD) for `target` arrived (§5.4.3). */
void sk_slaac_input_ns(sk_slaac *s, sk_time now, const sk_ip6_addr *src, const sk_ip6_addr *target);
/* An NA for `target` arrived (§5.4.4). */
void sk_slaac_input_na(sk_slaac *s, sk_time now, const sk_ip6_addr *target);
void sk_slaac_run_timers(sk_slaac *s, sk_time now);
sk_time sk_slaac_poll_at(const sk_slaac *s);
bool sk_slaac_next_intent(sk_slaac *s, sk_ip6_intent *out);
/* The slot holding `addr` (any state) or NULL. The interface uses an
 * address (as a source, to answer an NS, to accept packets) only when it is
 * PREFERRED or DEPRECATED (deprecated: no new connections); a tentative one
 * is not yet assigned (RFC 4862 §5.4). */
const sk_slaac_addr *sk_slaac_find(const sk_slaac *s, const sk_ip6_addr *addr);
/* RFC 5453 §3: identifiers an address must not use (skipped with the next
 * DAD counter, RFC 7217 §5). */
bool sk_slaac_iid_reserved(uint64_t iid);
/* RFC 7217 §5: the interface identifier for prefix and DAD counter. */
uint64_t sk_slaac_iid(const sk_slaac *s, const sk_ip6_addr *prefix, uint8_t dad_counter);

#endif
