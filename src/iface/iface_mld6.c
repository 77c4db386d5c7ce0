/* MLDv2 on an Ethernet link (RFC 3810), the host part.
 *
 * Unsolicited reports (§6.1): when an address (and so its solicited-node
 * group, RFC 4861 §7.2.1) is added, and at start, a report of
 * CHANGE_TO_EXCLUDE {} records for every group we listen to, sent twice
 * (Robustness Variable), with cfg->mld_reports.
 *
 * Queries (§6.2), always answered: a General Query schedules one answer
 * for all our groups, a Multicast Address Specific Query one for that
 * group if we listen to it, each after a random delay in [0, Maximum
 * Response Delay] from a seeded generator; an earlier pending general
 * answer covers later queries, a new general one replaces the old, a
 * group's pending answer only moves earlier. The state is a fixed array
 * (one general timer, SK_MLDQ_GROUPS group timers; a query finding them
 * all busy is answered by the general timer), so a query flood costs no
 * memory and sends at most one report per group per Maximum Response
 * Delay. Answers carry MODE_IS_EXCLUDE {} (current state, §5.2.12). A
 * Multicast Address and Source Specific Query is answered as a Multicast
 * Address Specific one (we exclude no source: docs/rfc-coverage.md).
 * Queries from a source that is not link-local are dropped (§5.1.14). */
#include "iface/iface.h"

#include "wire/icmp6.h"
#include "wire/mld6.h"

#include <string.h>

#define MLD_ROBUSTNESS 2          /* §9.1: each report sent twice */
#define MLD_REPORT_GAP SK_SEC(1)  /* §9.11 Unsolicited Report Interval (upper bound, fixed) */
#define MLDQ_TWEAK 0x4d4c442d51525931ull /* "MLD-QRY1" */

void sk_mld6_init(sk_iface *ifc)
{
    sk_mldq *q = &ifc->mldq;
    q->general_at = SK_TIME_NEVER;
    for (int i = 0; i < SK_MLDQ_GROUPS; i++)
        q->group_at[i] = SK_TIME_NEVER;
    sk_rng_seed(&q->rng, ifc->cfg->seed ^ MLDQ_TWEAK);
}

void sk_mld6_schedule(sk_iface *ifc, sk_time now)
{
    if (ifc->cfg->link != SK_LINK_ETHERNET || !ifc->cfg->mld_reports)
        return;
    ifc->mld_left = MLD_ROBUSTNESS;
    ifc->mld_at = now;
}

static bool listening(const sk_iface *ifc, sk_ip6 g)
{
    sk_ip6 groups[SK_RA6_GROUPS];
    size_t n = sk_ra6_groups(ifc, groups, SK_RA6_GROUPS);
    for (size_t k = 0; k < n; k++)
        if (sk_ip6_eq(groups[k], g))
            return true;
    return false;
}

static void answer_group(sk_iface *ifc, sk_time at, sk_ip6 g)
{
    sk_mldq *q = &ifc->mldq;
    int free_slot = -1;
    for (int i = 0; i < SK_MLDQ_GROUPS; i++) {
        if (q->group_at[i] != SK_TIME_NEVER && sk_ip6_eq(q->group[i], g)) {
            q->group_at[i] = sk_time_min(q->group_at[i], at); /* rule 3 */
            return;
        }
        if (q->group_at[i] == SK_TIME_NEVER && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0) { /* all busy: the general answer covers it */
        q->general_at = sk_time_min(q->general_at, at);
        return;
    }
    q->group[free_slot] = g;
    q->group_at[free_slot] = at;
}

void sk_mld6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                   size_t len)
{
    sk_mld_query mq;
    int r = sk_mld_query_parse(msg, len, &mq);
    if (r == 0 && !sk_ip6_is_link_local(ip->src))
        r = SK_DROP_MLD_QUERY_SRC;
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    if (ifc->cfg->link != SK_LINK_ETHERNET) {
        sk_iface_drop(ifc, SK_DROP_ICMP6_UNHANDLED, now);
        return;
    }
    sk_mldq *q = &ifc->mldq;
    sk_time at = now + sk_rng_below(&q->rng, SK_MSEC((sk_time)mq.max_resp_ms) + 1);
    if (q->general_at <= at)
        return; /* rule 1: an earlier general answer covers this query */
    if (sk_ip6_is_unspecified(mq.group)) {
        q->general_at = at; /* rule 2 */
        return;
    }
    if (!listening(ifc, mq.group)) {
        sk_iface_drop(ifc, SK_DROP_IP6_NOT_FOR_US, now);
        return;
    }
    answer_group(ifc, at, mq.group);
}

sk_time sk_mld6_poll_at(const sk_iface *ifc)
{
    const sk_mldq *q = &ifc->mldq;
    sk_time t = q->general_at;
    for (int i = 0; i < SK_MLDQ_GROUPS; i++)
        t = sk_time_min(t, q->group_at[i]);
    if (ifc->mld_left > 0)
        t = sk_time_min(t, ifc->mld_at);
    return t;
}

/* §5.2.13: from our link-local address, :: while none is ours yet. */
static sk_ip6 report_src(const sk_iface *ifc)
{
    sk_ip6 src = {{0}};
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ipaddr *a = &ifc->cfg->addrs[i].addr;
        if (a->family == SK_AF_INET6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80) {
            memcpy(src.b, a->b, 16);
            break;
        }
    }
    return src;
}

static size_t report(sk_iface *ifc, uint8_t *buf, size_t cap, const sk_ip6 *groups, size_t n,
                     uint8_t type)
{
    sk_mld2_record rec[SK_RA6_GROUPS];
    for (size_t k = 0; k < n; k++) {
        memset(&rec[k], 0, sizeof rec[k]);
        rec[k].type = type;
        rec[k].group = groups[k];
    }
    if (n == 0 || cap < SK_ETH_HDR_LEN)
        return 0;
    size_t len = sk_mld2_report_emit(report_src(ifc), rec, n, buf + SK_ETH_HDR_LEN,
                                     cap - SK_ETH_HDR_LEN);
    if (len == 0)
        return 0;
    sk_eth_repr eth;
    eth.dst = sk_ip6_mcast_mac(sk_ip6_mld2_routers());
    eth.src = ifc->cfg->mac;
    eth.ethertype = SK_ETHERTYPE_IPV6;
    sk_eth_emit(&eth, buf, SK_ETH_HDR_LEN);
    ifc->ctx->stats.icmp_out++;
    return SK_ETH_HDR_LEN + len;
}

/* A query's answer that is due: the general one, else a group's (if we
 * still listen to it). */
static size_t query_answer(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    sk_mldq *q = &ifc->mldq;
    sk_ip6 groups[SK_RA6_GROUPS];
    if (sk_time_due(q->general_at, now)) {
        q->general_at = SK_TIME_NEVER;
        size_t n = sk_ra6_groups(ifc, groups, SK_RA6_GROUPS);
        return report(ifc, buf, cap, groups, n, SK_MLD2_MODE_IS_EXCLUDE);
    }
    for (int i = 0; i < SK_MLDQ_GROUPS; i++) {
        if (!sk_time_due(q->group_at[i], now))
            continue;
        q->group_at[i] = SK_TIME_NEVER;
        if (listening(ifc, q->group[i]))
            return report(ifc, buf, cap, &q->group[i], 1, SK_MLD2_MODE_IS_EXCLUDE);
    }
    return 0;
}

/* §6.1: a host joining a group reports CHANGE_TO_EXCLUDE {} (listen to
 * every source) for it; ours are the solicited-node groups of our
 * addresses (RFC 4861 §7.2.1), each once. all-nodes is never reported
 * (§6). Query answers first. */
size_t sk_mld6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    if (ifc->cfg->link != SK_LINK_ETHERNET)
        return 0;
    size_t n = query_answer(ifc, now, buf, cap);
    if (n > 0 || ifc->mld_left == 0 || now < ifc->mld_at)
        return n;
    ifc->mld_left--;
    ifc->mld_at = now + MLD_REPORT_GAP;
    sk_ip6 groups[SK_RA6_GROUPS];
    size_t ng = sk_ra6_groups(ifc, groups, SK_RA6_GROUPS);
    return report(ifc, buf, cap, groups, ng, SK_MLD2_CHANGE_TO_EXCLUDE);
}
