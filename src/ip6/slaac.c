/* RFC 4862 stateless address autoconfiguration, sans-I/O.
 *
 * Interface identifiers are RFC 7217's: SipHash-2-4 (keyed from the seed)
 * of the prefix, the interface index, the Network_ID and the DAD counter;
 * never derived from the MAC (RFC 8064). An identifier RFC 5453 reserves
 * is skipped by taking the next counter (counted).
 *
 * Every address starts tentative (SK_I6_ADDR_TENTATIVE). The link-local
 * address waits a random [0, 1 s] first (§5.4.2: the first message after
 * the interface comes up). DAD (§5.4.2): an MLDv2 report joining the
 * solicited-node group (RFC 3810 §6.1: Robustness Variable 2 = one more
 * report a random [0, Unsolicited Report Interval = 1 s] later), then
 * DupAddrDetectTransmits NS from :: to the solicited-node group, each
 * RetransTimer apart; RetransTimer after the last one the address is
 * preferred. An NS from :: for it (another node's DAD) or an NA for it
 * (§5.4.3, §5.4.4) makes it a duplicate: RFC 7217 §6 tries the next DAD
 * counter after a random [0, IDGEN_DELAY = 1 s], IDGEN_RETRIES (3) times,
 * then gives up (SK_I6F_FINAL; §5.4.5 leaves the reaction to the caller).
 * Optimistic DAD (RFC 4429) is not done.
 *
 * Prefixes (§5.5.3): A flag, not link-local, preferred <= valid, length 64
 * (the identifier is 64 bits); a new one with valid > 0 forms an address;
 * a known one takes the new preferred lifetime and the valid lifetime by
 * rule (e), the "2-hour rule". Preferred -> deprecated -> invalid as the
 * lifetimes run out. */
#include "ip6/slaac.h"

#include "synack/error.h"

#include <string.h>

#define IDGEN_DELAY SK_SEC(1)
#define MAX_RTR_SOLICITATION_DELAY SK_SEC(1)

void sk_slaac_config_default(sk_slaac_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->addrs = 4;
    cfg->dad_transmits = 1;
    cfg->link_local = true;
}

static void push(sk_slaac *s, uint8_t kind, uint8_t flags, const sk_slaac_addr *a,
                 const sk_ip6_addr *dst)
{
    sk_ip6_intent in = {0};
    in.kind = kind;
    in.flags = flags;
    in.code = a->dad_counter;
    in.value = 64;
    in.target = kind == SK_I6_MLD_REPORT ? sk_ip6_solicited_node(a->addr) : a->addr;
    if (kind == SK_I6_MLD_REPORT || dst != NULL) {
        /* reports go to ff02::16 (RFC 3810 §5.2.14) */
        in.dst = dst != NULL ? *dst : sk_ip6_mld2_routers();
        in.mac = sk_ip6_mcast_mac(in.dst);
    }
    if (!sk_i6q_push(&s->iq, &in))
        s->stats.drop_intent_full++;
}

bool sk_slaac_iid_reserved(uint64_t iid)
{
    /* RFC 5453 §3: the all-zero Subnet-Router anycast, the reserved subnet
     * anycast range FDFF:FFFF:FFFF:FF80-FFFF and the 0200:5EFF:FE00:0000/112
     * range. */
    return iid == 0 || (iid | 0x7f) == 0xfdffffffffffffffu ||
           (iid & ~(uint64_t)0xffff) == 0x02005efffe000000u;
}

uint64_t sk_slaac_iid(const sk_slaac *s, const sk_ip6_addr *prefix, uint8_t dad_counter)
{
    uint8_t in[8 + 1 + SK_SLAAC_NET_ID_MAX + 1];
    size_t n = 0;
    memcpy(in, prefix->b, 8);
    n = 8;
    in[n++] = s->cfg.iface_id;
    memcpy(in + n, s->cfg.net_id, s->cfg.net_id_len);
    n += s->cfg.net_id_len;
    in[n++] = dad_counter;
    return sk_siphash24(&s->key, in, n);
}

/* The address for a's prefix and counter (the counter moves past a
 * reserved identifier). */
static void form_address(sk_slaac *s, sk_slaac_addr *a)
{
    uint64_t iid = sk_slaac_iid(s, &a->prefix, a->dad_counter);
    while (sk_slaac_iid_reserved(iid) && a->dad_counter < 255) {
        s->stats.iid_reserved++;
        iid = sk_slaac_iid(s, &a->prefix, ++a->dad_counter);
    }
    memcpy(a->addr.b, a->prefix.b, 8);
    for (int i = 0; i < 8; i++)
        a->addr.b[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
}

static sk_time rand_upto(sk_slaac *s, sk_time max) { return sk_rng_below(&s->rng, max + 1); }

static void send_dad_ns(sk_slaac *s, sk_slaac_addr *a, sk_time now)
{
    sk_ip6_addr dst = sk_ip6_solicited_node(a->addr);
    push(s, SK_I6_SEND_NS, SK_I6F_SRC_UNSPEC, a, &dst);
    a->dad_sent++;
    a->dad_at = sk_time_after(now, s->retrans);
    s->stats.dad_ns_out++;
}

static void assigned(sk_slaac *s, sk_slaac_addr *a, sk_time now)
{
    s->stats.dad_ok++;
    a->dad_at = SK_TIME_NEVER;
    if (sk_time_due(a->preferred_until, now)) {
        a->state = SK_SLAAC_DEPRECATED;
        push(s, SK_I6_ADDR_DEPRECATED, 0, a, NULL);
    } else {
        a->state = SK_SLAAC_PREFERRED;
        push(s, SK_I6_ADDR_PREFERRED, 0, a, NULL);
    }
}

/* §5.4.2: join the solicited-node group, then the first probe. */
static void begin_dad(sk_slaac *s, sk_slaac_addr *a, sk_time now)
{
    a->state = SK_SLAAC_TENTATIVE;
    a->dad_sent = 0;
    a->joined = true;
    push(s, SK_I6_MLD_REPORT, 0, a, NULL);
    s->stats.mld_reports++;
    a->mld_left = SK_SLAAC_MLD_ROBUSTNESS - 1;
    a->mld_at = sk_time_after(now, rand_upto(s, SK_SLAAC_MLD_REPORT_INTERVAL));
    if (s->cfg.dad_transmits == 0)
        assigned(s, a, now);
    else
        send_dad_ns(s, a, now);
}

static sk_slaac_addr *new_addr(sk_slaac *s, const sk_ip6_addr *prefix)
{
    for (uint32_t i = 0; i < s->cfg.addrs; i++) {
        sk_slaac_addr *a = &s->a[i];
        if (a->state != SK_SLAAC_FREE)
            continue;
        memset(a, 0, sizeof *a);
        memcpy(a->prefix.b, prefix->b, 8);
        form_address(s, a);
        a->dad_at = a->mld_at = SK_TIME_NEVER;
        a->preferred_until = a->valid_until = SK_TIME_NEVER;
        s->stats.addr_added++;
        return a;
    }
    s->stats.drop_addr_list_full++;
    return NULL;
}

int sk_slaac_create(const sk_slaac_config *cfg, sk_time now, sk_slaac **out)
{
    *out = NULL;
    if (cfg->addrs == 0 || cfg->net_id_len > SK_SLAAC_NET_ID_MAX || cfg->alloc.allocate == NULL)
        return SK_EINVAL;
    sk_slaac *s = sk_ip6_alloc(&cfg->alloc, sizeof *s);
    if (s == NULL)
        return SK_ENOMEM;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->a = sk_ip6_alloc(&cfg->alloc, sizeof(sk_slaac_addr) * cfg->addrs);
    if (s->a == NULL || sk_i6q_init(&s->iq, &cfg->alloc, 8 * cfg->addrs + 8) != 0) {
        sk_slaac_destroy(s);
        return SK_ENOMEM;
    }
    memset(s->a, 0, sizeof(sk_slaac_addr) * cfg->addrs);
    sk_rng_seed(&s->rng, cfg->seed);
    s->key.k0 = sk_rng_next(&s->rng);
    s->key.k1 = sk_rng_next(&s->rng);
    s->retrans = SK_SEC(1);
    *out = s;
    if (!cfg->link_local)
        return 0;
    sk_ip6_addr ll = {{0xfe, 0x80}};
    sk_slaac_addr *a = new_addr(s, &ll);
    a->state = SK_SLAAC_WAIT;
    a->dad_at = sk_time_after(now, rand_upto(s, MAX_RTR_SOLICITATION_DELAY));
    push(s, SK_I6_ADDR_TENTATIVE, 0, a, NULL);
    if (cfg->dad_transmits == 0)
        assigned(s, a, now); /* §5.4: no DAD, nothing to wait for */
    return 0;
}

void sk_slaac_destroy(sk_slaac *s)
{
    if (s == NULL)
        return;
    sk_allocator al = s->cfg.alloc;
    sk_ip6_release(&al, s->a, sizeof(sk_slaac_addr) * s->cfg.addrs);
    if (s->iq.q != NULL)
        sk_i6q_free(&s->iq, &al);
    sk_ip6_release(&al, s, sizeof *s);
}

static sk_slaac_addr *find(const sk_slaac *s, const sk_ip6_addr *addr)
{
    for (uint32_t i = 0; i < s->cfg.addrs; i++)
        if (s->a[i].state != SK_SLAAC_FREE && sk_ip6_eq(s->a[i].addr, *addr))
            return &s->a[i];
    return NULL;
}

const sk_slaac_addr *sk_slaac_find(const sk_slaac *s, const sk_ip6_addr *addr)
{
    return find(s, addr);
}

static void leave(sk_slaac *s, sk_slaac_addr *a)
{
    if (a->joined)
        push(s, SK_I6_MLD_REPORT, SK_I6F_LEAVE, a, NULL);
    a->joined = false;
    a->mld_left = 0;
    a->mld_at = SK_TIME_NEVER;
}

/* §5.4.5 with RFC 7217 §6: a duplicate; the next counter or give up. */
static void duplicate(sk_slaac *s, sk_slaac_addr *a, sk_time now)
{
    s->stats.dad_conflict++;
    leave(s, a);
    if (a->dad_counter >= SK_SLAAC_IDGEN_RETRIES) {
        push(s, SK_I6_ADDR_DUPLICATE, SK_I6F_FINAL, a, NULL);
        s->stats.dad_gave_up++;
        a->state = SK_SLAAC_FREE;
        return;
    }
    push(s, SK_I6_ADDR_DUPLICATE, 0, a, NULL);
    a->dad_counter++;
    form_address(s, a);
    a->state = SK_SLAAC_WAIT;
    a->dad_sent = 0;
    a->dad_at = sk_time_after(now, rand_upto(s, IDGEN_DELAY));
    push(s, SK_I6_ADDR_TENTATIVE, 0, a, NULL);
}

static bool tentative(const sk_slaac_addr *a)
{
    return a->state == SK_SLAAC_WAIT || a->state == SK_SLAAC_TENTATIVE;
}

void sk_slaac_input_ns(sk_slaac *s, sk_time now, const sk_ip6_addr *src, const sk_ip6_addr *target)
{
    s->next_due = 0;
    sk_slaac_addr *a = find(s, target);
    /* §5.4.3: only an NS from :: (another node's DAD) is a conflict; one
     * from a unicast source for a tentative address is ignored. */
    if (a != NULL && tentative(a) && sk_ip6_is_unspecified(*src))
        duplicate(s, a, now);
}

void sk_slaac_input_na(sk_slaac *s, sk_time now, const sk_ip6_addr *target)
{
    s->next_due = 0;
    sk_slaac_addr *a = find(s, target);
    if (a == NULL)
        return;
    if (tentative(a))
        duplicate(s, a, now); /* §5.4.4 */
    else
        s->stats.na_for_assigned++; /* §5.4.4: "SHOULD log a system management error" */
}

static sk_time lifetime(sk_time now, uint32_t seconds)
{
    return seconds == SK_NDR_INFINITE ? SK_TIME_NEVER : sk_time_after(now, SK_SEC(seconds));
}

/* §5.5.3 (e): the valid lifetime of an address formed from this prefix. */
static void two_hour_rule(sk_slaac *s, sk_slaac_addr *a, sk_time now, uint32_t valid_s)
{
    sk_time received = lifetime(now, valid_s);
    sk_time two_hours = sk_time_after(now, SK_SLAAC_TWO_HOURS);
    if (valid_s > 7200 || received > a->valid_until) {
        a->valid_until = received; /* 1. */
        return;
    }
    s->stats.two_hour_rule++;
    if (a->valid_until <= two_hours)
        return; /* 2. RemainingLifetime <= 2 hours: ignore */
    a->valid_until = two_hours; /* 3. */
}

static void known_prefix(sk_slaac *s, sk_slaac_addr *a, sk_time now, const sk_ra_prefix *pi)
{
    a->preferred_until = lifetime(now, pi->preferred_s);
    two_hour_rule(s, a, now, pi->valid_s);
    if (a->state == SK_SLAAC_DEPRECATED && pi->preferred_s > 0) {
        a->state = SK_SLAAC_PREFERRED;
        push(s, SK_I6_ADDR_PREFERRED, 0, a, NULL);
    }
}

static sk_slaac_addr *find_prefix(sk_slaac *s, const sk_ip6_addr *prefix)
{
    for (uint32_t i = 0; i < s->cfg.addrs; i++)
        if (s->a[i].state != SK_SLAAC_FREE && memcmp(s->a[i].prefix.b, prefix->b, 8) == 0)
            return &s->a[i];
    return NULL;
}

static void ra_prefix(sk_slaac *s, sk_time now, const sk_ra_prefix *pi)
{
    if (!pi->autonomous)
        return; /* (a) */
    if (sk_ip6_is_link_local(pi->prefix)) {
        s->stats.drop_prefix_ll++; /* (b) */
        return;
    }
    if (pi->preferred_s > pi->valid_s) {
        s->stats.drop_preferred_gt_valid++; /* (c) */
        return;
    }
    if (pi->len != 64) {
        s->stats.drop_prefix_len++; /* (d): prefix + 64-bit identifier != 128 */
        return;
    }
    sk_slaac_addr *a = find_prefix(s, &pi->prefix);
    if (a != NULL) {
        known_prefix(s, a, now, pi);
        return;
    }
    if (pi->valid_s == 0 || (a = new_addr(s, &pi->prefix)) == NULL)
        return;
    a->preferred_until = lifetime(now, pi->preferred_s);
    a->valid_until = lifetime(now, pi->valid_s);
    push(s, SK_I6_ADDR_TENTATIVE, 0, a, NULL);
    begin_dad(s, a, now);
}

void sk_slaac_input_ra(sk_slaac *s, sk_time now, const sk_ra_info *ra)
{
    s->next_due = 0;
    if (ra->retrans_ms != 0)
        s->retrans = SK_MSEC(ra->retrans_ms);
    for (uint32_t i = 0; i < ra->n_prefixes && i < SK_NDR_MAX_PREFIXES_PER_RA; i++)
        ra_prefix(s, now, &ra->prefix[i]);
}

static void addr_timers(sk_slaac *s, sk_slaac_addr *a, sk_time now)
{
    if (sk_time_due(a->valid_until, now)) {
        leave(s, a);
        push(s, SK_I6_ADDR_INVALID, 0, a, NULL);
        s->stats.addr_expired++;
        a->state = SK_SLAAC_FREE;
        return;
    }
    if (a->joined && a->mld_left > 0 && sk_time_due(a->mld_at, now)) {
        push(s, SK_I6_MLD_REPORT, 0, a, NULL);
        s->stats.mld_reports++;
        a->mld_left--;
        a->mld_at = SK_TIME_NEVER;
    }
    if (a->state == SK_SLAAC_WAIT && sk_time_due(a->dad_at, now)) {
        begin_dad(s, a, now);
    } else if (a->state == SK_SLAAC_TENTATIVE && sk_time_due(a->dad_at, now)) {
        if (a->dad_sent < s->cfg.dad_transmits)
            send_dad_ns(s, a, now);
        else
            assigned(s, a, now);
    } else if (a->state == SK_SLAAC_PREFERRED && sk_time_due(a->preferred_until, now)) {
        a->state = SK_SLAAC_DEPRECATED;
        push(s, SK_I6_ADDR_DEPRECATED, 0, a, NULL);
        s->stats.addr_deprecated++;
    }
}

/* Called for every frame in and out: nothing to scan before next_due. The
 * scan runs what is due, then takes next_due exactly again. */
void sk_slaac_run_timers(sk_slaac *s, sk_time now)
{
    if (!sk_time_due(s->next_due, now))
        return;
    for (uint32_t i = 0; i < s->cfg.addrs; i++)
        if (s->a[i].state != SK_SLAAC_FREE)
            addr_timers(s, &s->a[i], now);
    s->next_due = sk_slaac_poll_at(s);
}

sk_time sk_slaac_poll_at(const sk_slaac *s)
{
    sk_time t = SK_TIME_NEVER;
    for (uint32_t i = 0; i < s->cfg.addrs; i++) {
        const sk_slaac_addr *a = &s->a[i];
        if (a->state == SK_SLAAC_FREE)
            continue;
        t = sk_time_min(t, a->valid_until);
        if (a->joined && a->mld_left > 0)
            t = sk_time_min(t, a->mld_at);
        if (a->state == SK_SLAAC_WAIT || a->state == SK_SLAAC_TENTATIVE)
            t = sk_time_min(t, a->dad_at);
        if (a->state == SK_SLAAC_PREFERRED)
            t = sk_time_min(t, a->preferred_until);
    }
    return t;
}

bool sk_slaac_next_intent(sk_slaac *s, sk_ip6_intent *out) { return sk_i6q_pop(&s->iq, out); }
