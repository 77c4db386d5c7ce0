/* Router discovery and stateless autoconfiguration on an Ethernet link:
 * the interface's side of ip6/nd_router.c (RFC 4861 §6.3.4-§6.3.6) and
 * ip6/slaac.c (RFC 4862 with RFC 7217 identifiers).
 *
 * A Router Advertisement that passed sk_nd_check (§6.1.2: hop limit 255,
 * link-local source, code 0, lengths) becomes an sk_ra_info and goes to
 * both modules: the router list and on-link prefixes to nd_router, the
 * autonomous prefixes to slaac. The modules' intents are drained after
 * every call: address state changes edit cfg->addrs at once (an address
 * is in the list only while preferred or deprecated, so a tentative one is
 * never a source and unicast to it is not ours), NS and RS intents wait in
 * ifc->ra6q for the output routine, MLD intents schedule the interface's
 * report (iface_nd6.c). */
#include "iface/iface.h"

#include "synack/error.h"
#include "wire/nd6.h"

#include <string.h>

#define SLAAC_TWEAK 0x534c4141432d3732ull /* "SLAAC-72" */

static void drain(sk_iface *ifc, sk_time now);

int sk_ra6_init(sk_iface *ifc)
{
    const sk_stack_config *cfg = ifc->cfg;
    sk_ndr_config rc;
    memset(&rc, 0, sizeof rc);
    rc.routers = 4;
    rc.prefixes = 8;
    rc.dests = 16;
    rc.link_mtu = cfg->mtu < SK_NDR_MIN_MTU ? SK_NDR_MIN_MTU : cfg->mtu;
    rc.seed = cfg->seed ^ 0x4e44522d52532d31ull;
    rc.alloc = cfg->alloc;
    int err = sk_ndr_create(&rc, 0, &ifc->ndr);
    if (err != 0)
        return err;
    if (!cfg->ip6_router_solicit)
        ifc->ndr->rs_at = SK_TIME_NEVER;
    sk_slaac_config sc;
    sk_slaac_config_default(&sc);
    sc.addrs = SK_CFG_ADDRS;
    /* RFC 7217 §5: the secret key comes from the stack's seed-derived key */
    sc.seed = ifc->ctx->key.k0 ^ (ifc->ctx->key.k1 * 3) ^ SLAAC_TWEAK;
    sc.dad_transmits = cfg->ip6_dad_transmits;
    sc.alloc = cfg->alloc;
    err = sk_slaac_create(&sc, 0, &ifc->slaac);
    if (err == 0)
        drain(ifc, 0); /* with no DAD the link-local address is ours at once */
    return err;
}

void sk_ra6_free(sk_iface *ifc)
{
    sk_slaac_destroy(ifc->slaac);
    ifc->slaac = NULL;
    if (ifc->ndr != NULL)
        sk_ndr_destroy(ifc->ndr);
    ifc->ndr = NULL;
}

static int find_addr(const sk_iface *ifc, sk_ip6 a)
{
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ipaddr *x = &ifc->cfg->addrs[i].addr;
        if (x->family == SK_AF_INET6 && memcmp(x->b, a.b, 16) == 0)
            return i;
    }
    return -1;
}

static void addr_add(sk_iface *ifc, sk_time now, sk_ip6 a, uint8_t plen)
{
    sk_stack_config *cfg = &ifc->ctx->cfg;
    if (find_addr(ifc, a) >= 0)
        return;
    if (cfg->n_addrs >= SK_CFG_ADDRS) {
        sk_iface_drop(ifc, SK_DROP_IP6_ADDR_LIST_FULL, now);
        return;
    }
    sk_ifaddr *x = &cfg->addrs[cfg->n_addrs++];
    memset(x, 0, sizeof *x);
    x->addr.family = SK_AF_INET6;
    memcpy(x->addr.b, a.b, 16);
    x->prefix_len = plen;
    if (!sk_ip6_is_link_local(a))
        ifc->ctx->stats.slaac_addrs++;
}

static void addr_remove(sk_iface *ifc, sk_ip6 a)
{
    sk_stack_config *cfg = &ifc->ctx->cfg;
    int i = find_addr(ifc, a);
    if (i < 0)
        return;
    for (uint8_t k = (uint8_t)i; k + 1 < cfg->n_addrs; k++)
        cfg->addrs[k] = cfg->addrs[k + 1];
    cfg->n_addrs--;
}

static void queue_frame(sk_iface *ifc, sk_time now, const sk_ip6_intent *it)
{
    sk_ra6q *q = &ifc->ra6q;
    if (q->len == SK_RA6Q_CAP) {
        sk_iface_drop(ifc, SK_DROP_ICMP_QUEUE_FULL, now);
        return;
    }
    q->q[(q->head + q->len) % SK_RA6Q_CAP] = *it;
    q->len++;
}

static void slaac_intent(sk_iface *ifc, sk_time now, const sk_ip6_intent *it)
{
    switch (it->kind) {
    case SK_I6_ADDR_PREFERRED:
    case SK_I6_ADDR_DEPRECATED:
        addr_add(ifc, now, it->target, (uint8_t)it->value);
        return;
    case SK_I6_ADDR_DUPLICATE: /* §5.4.5: counted and traced, never used */
        sk_iface_drop(ifc, SK_DROP_IP6_DAD_DUPLICATE, now);
        addr_remove(ifc, it->target);
        return;
    case SK_I6_ADDR_INVALID:
        addr_remove(ifc, it->target);
        return;
    case SK_I6_MLD_REPORT: /* a join (tentative address): our report lists every group */
        if (!(it->flags & SK_I6F_LEAVE))
            sk_mld6_schedule(ifc, now);
        return;
    case SK_I6_SEND_NS:
        queue_frame(ifc, now, it);
        return;
    default:
        return;
    }
}

/* Apply what the modules asked for (see the file comment). */
static void drain(sk_iface *ifc, sk_time now)
{
    sk_ip6_intent it;
    while (sk_slaac_next_intent(ifc->slaac, &it))
        slaac_intent(ifc, now, &it);
    while (sk_ndr_next_intent(ifc->ndr, &it))
        queue_frame(ifc, now, &it); /* RS */
}

static void ra_info(const sk_ip6_repr *ip, const sk_nd_repr *nd, sk_ra_info *ra)
{
    memset(ra, 0, sizeof *ra);
    ra->src = ip->src;
    ra->cur_hop_limit = nd->cur_hop_limit;
    ra->router_lifetime_s = nd->router_lifetime;
    ra->reachable_ms = nd->reachable_time;
    ra->retrans_ms = nd->retrans_timer;
    ra->has_sllao = nd->opts.has_sllao;
    ra->sllao = nd->opts.sllao;
    ra->mtu = nd->opts.has_mtu ? nd->opts.mtu : 0;
    for (uint8_t i = 0; i < nd->opts.n_prefix && i < SK_NDR_MAX_PREFIXES_PER_RA; i++) {
        const sk_nd_prefix *p = &nd->opts.prefix[i];
        sk_ra_prefix *q = &ra->prefix[ra->n_prefixes++];
        q->prefix = p->prefix;
        q->len = p->prefix_len;
        q->on_link = p->on_link;
        q->autonomous = p->autonomous;
        q->valid_s = p->valid_lifetime;
        q->preferred_s = p->preferred_lifetime;
    }
}

static sk_time rdnss_end(sk_time now, uint32_t s)
{
    return s == SK_NDR_INFINITE ? SK_TIME_NEVER : sk_time_after(now, SK_SEC(s));
}

/* RFC 8106 §5.3.1: a known server takes the new lifetime (0 removes it), a
 * new one with a non-zero lifetime a free or expired slot, else the slot
 * whose lifetime ends first. */
static void rdnss_update(sk_iface *ifc, sk_time now, sk_ip6 a, uint32_t life)
{
    int slot = -1, soonest = 0;
    for (int i = 0; i < SK_ND_MAX_RDNSS; i++) {
        bool live = ifc->rdnss_until[i] != 0 && !sk_time_due(ifc->rdnss_until[i], now);
        if (live && sk_ip6_eq(ifc->rdnss[i], a)) {
            ifc->rdnss_until[i] = life == 0 ? 0 : rdnss_end(now, life);
            return;
        }
        if (!live && slot < 0)
            slot = i;
        if (ifc->rdnss_until[i] < ifc->rdnss_until[soonest])
            soonest = i;
    }
    if (life == 0)
        return;
    if (slot < 0)
        slot = soonest;
    ifc->rdnss[slot] = a;
    ifc->rdnss_until[slot] = rdnss_end(now, life);
}

int sk_ra6_dns(const sk_iface *ifc, sk_time now, sk_ip6 *out, int max)
{
    int n = 0;
    for (int i = 0; i < SK_ND_MAX_RDNSS && n < max; i++)
        if (ifc->rdnss_until[i] != 0 && !sk_time_due(ifc->rdnss_until[i], now))
            out[n++] = ifc->rdnss[i];
    return n;
}

/* RFC 4861 §6.3.4: the MTU option sets IPv6's LinkMTU (the router list
 * takes it only within [1280, the link's MTU], counting the rest); open
 * IPv6 connections shrink their MSS when it goes down, new ones start
 * from it. A later larger option raises it back for new connections. */
static void ra_mtu(sk_iface *ifc)
{
    uint16_t before = sk_iface_link_mtu(ifc, SK_AF_INET6);
    uint32_t m = ifc->ndr->mtu;
    ifc->mtu6 = m < ifc->cfg->mtu ? (uint16_t)m : 0;
    uint16_t after = sk_iface_link_mtu(ifc, SK_AF_INET6);
    if (after < before)
        sk_tcp_mtu_lowered(ifc->tcp, SK_AF_INET6, after);
}

void sk_ra6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const sk_nd_repr *nd)
{
    for (uint8_t i = 0; i < nd->opts.n_rdnss_bad; i++)
        sk_iface_drop(ifc, SK_DROP_ND_BAD_RDNSS, now);
    for (uint8_t i = 0; i < nd->opts.n_rdnss; i++)
        rdnss_update(ifc, now, nd->opts.rdnss[i], nd->opts.rdnss_lifetime[i]);
    sk_ra_info ra;
    ra_info(ip, nd, &ra);
    sk_ndr_input_ra(ifc->ndr, ifc->nd, now, &ra);
    ra_mtu(ifc);
    if (nd->cur_hop_limit != 0) /* §6.3.4 */
        ifc->hop_limit6 = nd->cur_hop_limit;
    sk_slaac_input_ra(ifc->slaac, now, &ra);
    drain(ifc, now);
}

void sk_ra6_input_ns(sk_iface *ifc, sk_time now, sk_ip6 src, sk_ip6 target)
{
    sk_slaac_input_ns(ifc->slaac, now, &src, &target);
    drain(ifc, now);
}

void sk_ra6_input_na(sk_iface *ifc, sk_time now, sk_ip6 target)
{
    sk_slaac_input_na(ifc->slaac, now, &target);
    drain(ifc, now);
}

int sk_ra6_next_hop(sk_iface *ifc, sk_time now, sk_ip6 dst, sk_ip6 *nh)
{
    return sk_ndr_next_hop(ifc->ndr, ifc->nd, now, &dst, nh);
}

bool sk_ra6_on_link(const sk_iface *ifc, sk_time now, sk_ip6 dst)
{
    return ifc->ndr != NULL && sk_ndr_on_link(ifc->ndr, now, &dst);
}

void sk_ra6_router_gone(sk_iface *ifc, sk_ip6 ip)
{
    if (ifc->ndr != NULL)
        sk_ndr_router_gone(ifc->ndr, &ip);
}

bool sk_ra6_tentative(const sk_iface *ifc, sk_ip6 a)
{
    if (ifc->slaac == NULL)
        return false;
    const sk_slaac_addr *x = sk_slaac_find(ifc->slaac, &a);
    return x != NULL && (x->state == SK_SLAAC_WAIT || x->state == SK_SLAAC_TENTATIVE);
}

static size_t add_group(sk_ip6 *out, size_t n, size_t cap, sk_ip6 a)
{
    sk_ip6 g = sk_ip6_solicited_node(a);
    for (size_t k = 0; k < n; k++)
        if (sk_ip6_eq(out[k], g))
            return n;
    if (n < cap)
        out[n++] = g;
    return n;
}

size_t sk_ra6_groups(const sk_iface *ifc, sk_ip6 *out, size_t cap)
{
    size_t n = 0;
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ipaddr *x = &ifc->cfg->addrs[i].addr;
        sk_ip6 a;
        memcpy(a.b, x->b, 16);
        if (x->family == SK_AF_INET6)
            n = add_group(out, n, cap, a);
    }
    for (uint32_t i = 0; ifc->slaac != NULL && i < ifc->slaac->cfg.addrs; i++) {
        const sk_slaac_addr *s = &ifc->slaac->a[i];
        if (s->state == SK_SLAAC_WAIT || s->state == SK_SLAAC_TENTATIVE)
            n = add_group(out, n, cap, s->addr);
    }
    return n;
}

size_t sk_ra6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    sk_ra6q *q = &ifc->ra6q;
    while (q->len > 0) {
        sk_ip6_intent it = q->q[q->head];
        q->head = (q->head + 1) % SK_RA6Q_CAP;
        q->len--;
        size_t n = sk_nd6_intent_frame(ifc, now, buf, cap, &it);
        if (n > 0)
            return n;
    }
    return 0;
}

/* The modules were created at time 0 (stack creation has no clock): on
 * the first timer run their random start-up delays (the first RS, the
 * link-local address's DAD, §6.3.7 and RFC 4862 §5.4.2) count from now.
 * Their next deadlines are still 0 from creation: the sweep that follows
 * takes them again from the moved times. */
static void start(sk_iface *ifc, sk_time now)
{
    ifc->ra6_started = true;
    if (now == 0)
        return;
    if (ifc->ndr->rs_at != SK_TIME_NEVER)
        ifc->ndr->rs_at = sk_time_after(now, ifc->ndr->rs_at);
    for (uint32_t i = 0; i < ifc->slaac->cfg.addrs; i++) {
        sk_slaac_addr *a = &ifc->slaac->a[i];
        if (a->state == SK_SLAAC_WAIT && a->dad_at != SK_TIME_NEVER)
            a->dad_at = sk_time_after(now, a->dad_at);
    }
}

/* Runs the modules' sweeps (and drains what they asked for) only once one
 * of them is due: their intents come only from these sweeps and from the
 * inputs above, which drain at once. */
void sk_ra6_run_timers(sk_iface *ifc, sk_time now)
{
    if (ifc->ndr == NULL)
        return;
    if (!ifc->ra6_started)
        start(ifc, now);
    else if (!sk_time_due(ifc->ndr->next_due, now) && !sk_time_due(ifc->slaac->next_due, now))
        return;
    sk_ndr_run_timers(ifc->ndr, now);
    sk_slaac_run_timers(ifc->slaac, now);
    drain(ifc, now);
}

sk_time sk_ra6_poll_at(const sk_iface *ifc)
{
    if (ifc->ndr == NULL)
        return SK_TIME_NEVER;
    if (ifc->ra6q.len > 0)
        return 0;
    return sk_time_min(sk_ndr_poll_at(ifc->ndr), sk_slaac_poll_at(ifc->slaac));
}
