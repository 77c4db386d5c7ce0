/* RFC 4861 neighbour cache (nd_cache.c) and router/prefix discovery
 * (nd_router.c) in virtual time: every state transition of Appendix C,
 * every timeout and retry count, the held-packet and table bounds, the
 * deadlines to the microsecond. */
#include "ip6/nd_cache.h"
#include "ip6/nd_router.h"
#include "ip6_test_util.h"
#include "sk_test.h"

#include "synack/error.h"

static t6_heap heap;

static sk_nd_cache *nd_make(uint32_t entries, uint32_t total, uint32_t per_entry, uint64_t seed)
{
    sk_nd_config c = {0};
    c.entries = entries;
    c.held_total = total;
    c.held_per_entry = per_entry;
    c.held_max_len = 1500;
    c.seed = seed;
    c.alloc = t6_allocator(&heap);
    sk_nd_cache *nd = NULL;
    SK_CHECK_EQ_I(sk_nd_create(&c, 0, &nd), 0);
    return nd;
}

static void nd_done(sk_nd_cache *nd)
{
    sk_nd_destroy(nd);
    SK_CHECK_EQ(heap.live, 0);
}

static int n_intents(sk_nd_cache *nd)
{
    sk_ip6_intent in;
    int n = 0;
    while (sk_nd_next_intent(nd, &in))
        n++;
    return n;
}

/* The entry for ip; a failed check and an empty entry when there is none. */
static const sk_nd_entry *en_of(const sk_nd_cache *nd, sk_ip6_addr ip)
{
    static const sk_nd_entry none;
    const sk_nd_entry *en = sk_nd_find(nd, &ip);
    SK_CHECK_MSG(en != NULL, "no entry");
    return en != NULL ? en : &none;
}

static uint8_t nd_state(const sk_nd_cache *nd, sk_ip6_addr ip)
{
    const sk_nd_entry *en = sk_nd_find(nd, &ip);
    return en == NULL ? SK_ND_FREE : en->state;
}

static sk_nd_event ev_na(sk_ip6_addr ip, int lla, bool s, bool o, bool r)
{
    sk_nd_event ev = {0};
    ev.kind = SK_ND_EV_NA;
    ev.ip = ip;
    ev.has_lla = lla != 0;
    ev.lla = t6_mac((uint8_t)lla);
    ev.solicited = s;
    ev.override = o;
    ev.router = r;
    return ev;
}

static sk_nd_event ev_kind(uint8_t kind, sk_ip6_addr ip, int lla)
{
    sk_nd_event ev = {0};
    ev.kind = kind;
    ev.ip = ip;
    ev.has_lla = lla != 0;
    ev.lla = t6_mac((uint8_t)lla);
    return ev;
}

static const uint8_t pkt1[] = {0x60, 1, 2, 3}, pkt2[] = {0x60, 4, 5, 6, 7}, pkt3[] = {0x60, 8};

/* No entry + packet: INCOMPLETE, multicast NS with SLLAO to the
 * solicited-node group, packet held; a solicited NA with TLLAO makes it
 * REACHABLE and releases the packet to the MAC. */
static void test_resolve_then_solicited_na(void)
{
    sk_nd_cache *nd = nd_make(4, 4, 2, 1);
    sk_ip6_addr ip = t6_addr(1, 0x1234);
    sk_mac mac;
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &ip, pkt1, sizeof pkt1, &mac), SK_ND_HELD);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_INCOMPLETE);
    sk_ip6_intent in;
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_SEND_NS);
    SK_CHECK_EQ(in.flags, SK_I6F_SLLAO);
    SK_CHECK(t6_addr_is(&in.target, &ip));
    sk_ip6_addr sn = sk_ip6_solicited_node(&ip);
    SK_CHECK(t6_addr_is(&in.dst, &sn));
    SK_CHECK_EQ(sn.b[0], 0xff);
    SK_CHECK_EQ(sn.b[11], 0x01);
    SK_CHECK_EQ(sn.b[12], 0xff);
    SK_CHECK_EQ(sn.b[15], 0x34);
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x12, 0x34};
    SK_CHECK_MEM(in.mac.b, sn_mac, 6);
    SK_CHECK(!sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(sk_nd_poll_at(nd), SK_SEC(1));
    /* a second packet while INCOMPLETE: held, no new NS */
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 10, &ip, pkt2, sizeof pkt2, &mac), SK_ND_HELD);
    SK_CHECK_EQ(n_intents(nd), 0);
    sk_nd_event na = ev_na(ip, 7, true, false, false);
    sk_nd_input(nd, SK_MSEC(500), &na);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_REACHABLE);
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_RELEASE);
    SK_CHECK_EQ(in.mac.b[5], 7);
    SK_CHECK_EQ(in.len, sizeof pkt1);
    SK_CHECK_MEM(in.data, pkt1, sizeof pkt1);
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_RELEASE);
    SK_CHECK_MEM(in.data, pkt2, sizeof pkt2);
    SK_CHECK(!sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(nd->held_used, 0);
    SK_CHECK_EQ(nd->stats.resolved, 1);
    SK_CHECK_EQ(nd->stats.held_released, 2);
    /* REACHABLE lasts ReachableTime, in [15 s, 45 s) */
    SK_CHECK(nd->reachable >= SK_SEC(15) && nd->reachable < SK_SEC(45));
    SK_CHECK_EQ(sk_nd_poll_at(nd), SK_MSEC(500) + nd->reachable);
    SK_CHECK_EQ_I(sk_nd_resolve(nd, SK_SEC(1), &ip, pkt1, sizeof pkt1, &mac), SK_ND_SEND);
    SK_CHECK_EQ(mac.b[5], 7);
    nd_done(nd);
}

/* INCOMPLETE: NS at 0, 1 s, 2 s (MAX_MULTICAST_SOLICIT = 3), nothing
 * before each; at 3 s the entry goes and every held packet becomes an
 * address-unreachable intent. */
static void test_incomplete_gives_up(void)
{
    sk_nd_cache *nd = nd_make(4, 4, 4, 1);
    sk_ip6_addr ip = t6_addr(1, 9);
    sk_mac mac;
    sk_nd_resolve(nd, 0, &ip, pkt1, sizeof pkt1, &mac);
    sk_nd_resolve(nd, 0, &ip, pkt2, sizeof pkt2, &mac);
    SK_CHECK_EQ(n_intents(nd), 1);
    for (int k = 1; k <= 2; k++) {
        sk_nd_run_timers(nd, SK_SEC(k) - 1);
        SK_CHECK_EQ(n_intents(nd), 0);
        sk_nd_run_timers(nd, SK_SEC(k));
        sk_ip6_intent in;
        SK_CHECK(sk_nd_next_intent(nd, &in));
        SK_CHECK_EQ(in.kind, SK_I6_SEND_NS);
        SK_CHECK_EQ(in.dst.b[0], 0xff);
        SK_CHECK_EQ(sk_nd_poll_at(nd), SK_SEC(k + 1));
    }
    SK_CHECK_EQ(nd->stats.ns_out, 3);
    sk_nd_run_timers(nd, SK_SEC(3) - 1);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_INCOMPLETE);
    sk_nd_run_timers(nd, SK_SEC(3));
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_FREE);
    sk_ip6_intent in;
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_UNREACHABLE);
    SK_CHECK(t6_addr_is(&in.target, &ip));
    SK_CHECK_MEM(in.data, pkt1, sizeof pkt1);
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_UNREACHABLE);
    SK_CHECK_MEM(in.data, pkt2, sizeof pkt2);
    SK_CHECK(!sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(nd->stats.failed, 1);
    SK_CHECK_EQ(nd->stats.drop_unresolved, 2);
    SK_CHECK_EQ(nd->stats.ns_out, 3);
    SK_CHECK_EQ(nd->held_used, 0);
    SK_CHECK_EQ(sk_nd_poll_at(nd), SK_TIME_NEVER);
    nd_done(nd);
}

/* Make `ip` REACHABLE with MAC ..:lla at `now`. */
static void make_reachable(sk_nd_cache *nd, sk_ip6_addr ip, int lla, sk_time now)
{
    sk_mac mac;
    sk_nd_resolve(nd, now, &ip, pkt1, sizeof pkt1, &mac);
    sk_nd_event na = ev_na(ip, lla, true, false, false);
    sk_nd_input(nd, now, &na);
    n_intents(nd);
}

/* REACHABLE -> STALE at ReachableTime; a packet: DELAY for 5 s; then
 * PROBE with unicast NS every RetransTimer, MAX_UNICAST_SOLICIT (3), then
 * the entry goes. */
static void test_reachable_stale_delay_probe(void)
{
    sk_nd_cache *nd = nd_make(4, 4, 2, 3);
    sk_ip6_addr ip = t6_addr(1, 2);
    make_reachable(nd, ip, 5, 0);
    sk_time rt = nd->reachable;
    sk_nd_run_timers(nd, rt - 1);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_REACHABLE);
    sk_nd_run_timers(nd, rt);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_STALE);
    SK_CHECK_EQ(sk_nd_poll_at(nd), SK_TIME_NEVER);
    SK_CHECK_EQ(n_intents(nd), 0);
    sk_time t = rt + SK_SEC(100);
    sk_mac mac;
    SK_CHECK_EQ_I(sk_nd_resolve(nd, t, &ip, pkt1, sizeof pkt1, &mac), SK_ND_SEND);
    SK_CHECK_EQ(mac.b[5], 5);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_DELAY);
    SK_CHECK_EQ(sk_nd_poll_at(nd), t + SK_SEC(5));
    sk_nd_run_timers(nd, t + SK_SEC(5) - 1);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_DELAY);
    t += SK_SEC(5);
    for (int k = 0; k < 3; k++) {
        sk_nd_run_timers(nd, t + SK_SEC(k));
        SK_CHECK_EQ(nd_state(nd, ip), SK_ND_PROBE);
        sk_ip6_intent in;
        SK_CHECK(sk_nd_next_intent(nd, &in));
        SK_CHECK_EQ(in.kind, SK_I6_SEND_NS);
        SK_CHECK(t6_addr_is(&in.dst, &ip)); /* unicast, to the cached address */
        SK_CHECK_EQ(in.mac.b[0], 0x02);
        SK_CHECK_EQ(in.mac.b[5], 5);
        SK_CHECK(!sk_nd_next_intent(nd, &in));
        SK_CHECK_EQ(sk_nd_poll_at(nd), t + SK_SEC(k + 1));
        /* packets still go to the cached address while probing */
        SK_CHECK_EQ_I(sk_nd_resolve(nd, t + SK_SEC(k), &ip, pkt1, sizeof pkt1, &mac), SK_ND_SEND);
    }
    sk_nd_run_timers(nd, t + SK_SEC(3));
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.probe_failed, 1);
    SK_CHECK_EQ(n_intents(nd), 0);
    nd_done(nd);
}

/* §7.3.1: upper-layer confirmation in DELAY (and STALE, PROBE) makes the
 * entry REACHABLE with no probe; in INCOMPLETE or unknown it does nothing. */
static void test_upper_layer_confirmation(void)
{
    sk_nd_cache *nd = nd_make(4, 4, 2, 3);
    sk_ip6_addr ip = t6_addr(1, 2), other = t6_addr(1, 3);
    make_reachable(nd, ip, 5, 0);
    sk_nd_run_timers(nd, nd->reachable);
    sk_mac mac;
    sk_nd_resolve(nd, SK_SEC(50), &ip, pkt1, sizeof pkt1, &mac);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_DELAY);
    sk_nd_confirm(nd, SK_SEC(51), &ip);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_REACHABLE);
    SK_CHECK_EQ(sk_nd_poll_at(nd), SK_SEC(51) + nd->reachable);
    sk_nd_run_timers(nd, SK_SEC(56));
    SK_CHECK_EQ(n_intents(nd), 0); /* no probe */
    sk_nd_resolve(nd, SK_SEC(60), &other, pkt1, sizeof pkt1, &mac);
    sk_nd_confirm(nd, SK_SEC(60), &other);
    SK_CHECK_EQ(nd_state(nd, other), SK_ND_INCOMPLETE);
    nd_done(nd);
}

/* §7.2.5 for an entry that is not INCOMPLETE, every (S, O, address) case,
 * from REACHABLE and from STALE. */
static void test_na_rules(void)
{
    struct {
        uint8_t from;
        int lla; /* 0 none, 5 same, 6 different */
        bool s, o;
        uint8_t want;
        uint8_t want_mac;
    } cases[] = {
        {SK_ND_REACHABLE, 5, true, false, SK_ND_REACHABLE, 5},
        {SK_ND_REACHABLE, 0, true, false, SK_ND_REACHABLE, 5},
        {SK_ND_REACHABLE, 6, true, false, SK_ND_STALE, 5},   /* O=0, differs: not taken */
        {SK_ND_REACHABLE, 6, false, false, SK_ND_STALE, 5},
        {SK_ND_REACHABLE, 6, true, true, SK_ND_REACHABLE, 6},
        {SK_ND_REACHABLE, 6, false, true, SK_ND_STALE, 6},
        {SK_ND_REACHABLE, 5, false, true, SK_ND_REACHABLE, 5},
        {SK_ND_REACHABLE, 0, false, false, SK_ND_REACHABLE, 5},
        {SK_ND_STALE, 6, true, false, SK_ND_STALE, 5},
        {SK_ND_STALE, 6, false, false, SK_ND_STALE, 5},
        {SK_ND_STALE, 5, true, false, SK_ND_REACHABLE, 5},
        {SK_ND_STALE, 0, true, false, SK_ND_REACHABLE, 5},
        {SK_ND_STALE, 6, true, true, SK_ND_REACHABLE, 6},
        {SK_ND_STALE, 6, false, true, SK_ND_STALE, 6},
        {SK_ND_STALE, 5, false, true, SK_ND_STALE, 5},
        {SK_ND_STALE, 0, false, true, SK_ND_STALE, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sk_nd_cache *nd = nd_make(4, 4, 2, 3);
        sk_ip6_addr ip = t6_addr(1, 2);
        make_reachable(nd, ip, 5, 0);
        if (cases[i].from == SK_ND_STALE)
            sk_nd_run_timers(nd, nd->reachable);
        SK_CHECK_EQ(nd_state(nd, ip), cases[i].from);
        sk_nd_event na = ev_na(ip, cases[i].lla, cases[i].s, cases[i].o, false);
        sk_time t = cases[i].from == SK_ND_STALE ? SK_SEC(60) : 1; /* before ReachableTime */
        sk_nd_input(nd, t, &na);
        const sk_nd_entry *en = en_of(nd, ip);
        SK_CHECK_MSG(en->state == cases[i].want, "case %zu: state %u, want %u", i, en->state,
                     cases[i].want);
        SK_CHECK_MSG(en->mac.b[5] == cases[i].want_mac, "case %zu: mac %u", i, en->mac.b[5]);
        if (en->state == SK_ND_REACHABLE && cases[i].s)
            SK_CHECK_EQ(en->timer, t + nd->reachable);
        nd_done(nd);
    }
}

/* INCOMPLETE + NA: S=0 -> STALE (packets go), no TLLAO -> ignored; NA
 * for an unknown target -> ignored, nothing created. */
static void test_na_incomplete_and_unknown(void)
{
    sk_nd_cache *nd = nd_make(4, 4, 2, 3);
    sk_ip6_addr ip = t6_addr(1, 2), unknown = t6_addr(1, 99);
    sk_mac mac;
    sk_nd_resolve(nd, 0, &ip, pkt1, sizeof pkt1, &mac);
    n_intents(nd);
    sk_nd_event na = ev_na(ip, 0, true, true, false);
    sk_nd_input(nd, 1, &na);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_INCOMPLETE);
    SK_CHECK_EQ(nd->stats.drop_na_no_lla, 1);
    SK_CHECK_EQ(n_intents(nd), 0);
    na = ev_na(ip, 8, false, false, true);
    sk_nd_input(nd, 2, &na);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_STALE);
    SK_CHECK(en_of(nd, ip)->is_router);
    sk_ip6_intent in;
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_RELEASE);
    SK_CHECK_EQ(in.mac.b[5], 8);
    na = ev_na(unknown, 8, true, true, false);
    sk_nd_input(nd, 3, &na);
    SK_CHECK_EQ(nd_state(nd, unknown), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.drop_na_unknown, 1);
    nd_done(nd);
}

/* NS, RA, Redirect (Appendix C): with an address create STALE, resolve an
 * INCOMPLETE entry (STALE, packets go), change a different address
 * (STALE), leave a same one alone; without one, NS/RA create nothing and a
 * Redirect starts resolution. RA sets IsRouter. */
static void test_unsolicited_events(void)
{
    sk_nd_cache *nd = nd_make(8, 4, 2, 3);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2), c = t6_addr(1, 3), d = t6_addr(1, 4);
    sk_nd_event ev = ev_kind(SK_ND_EV_NS, a, 0);
    sk_nd_input(nd, 0, &ev);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_FREE);
    ev = ev_kind(SK_ND_EV_RA, a, 0);
    sk_nd_input(nd, 0, &ev);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_FREE);
    ev = ev_kind(SK_ND_EV_NS, a, 3);
    sk_nd_input(nd, 0, &ev);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_STALE);
    SK_CHECK(!en_of(nd, a)->is_router);
    SK_CHECK_EQ(n_intents(nd), 0);
    /* INCOMPLETE + RA with SLLAO */
    sk_mac mac;
    sk_nd_resolve(nd, 0, &b, pkt1, sizeof pkt1, &mac);
    n_intents(nd);
    ev = ev_kind(SK_ND_EV_RA, b, 4);
    sk_nd_input(nd, 1, &ev);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_STALE);
    SK_CHECK(en_of(nd, b)->is_router);
    sk_ip6_intent in;
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_RELEASE);
    /* REACHABLE + same address: unchanged; different: STALE, taken */
    make_reachable(nd, c, 5, 2);
    ev = ev_kind(SK_ND_EV_REDIRECT, c, 5);
    sk_nd_input(nd, 3, &ev);
    SK_CHECK_EQ(nd_state(nd, c), SK_ND_REACHABLE);
    ev = ev_kind(SK_ND_EV_NS, c, 6);
    sk_nd_input(nd, 3, &ev);
    SK_CHECK_EQ(nd_state(nd, c), SK_ND_STALE);
    SK_CHECK_EQ(en_of(nd, c)->mac.b[5], 6);
    /* Redirect without TLLAO for an unknown target: INCOMPLETE, NS */
    ev = ev_kind(SK_ND_EV_REDIRECT, d, 0);
    sk_nd_input(nd, 4, &ev);
    SK_CHECK_EQ(nd_state(nd, d), SK_ND_INCOMPLETE);
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_SEND_NS);
    /* a source of :: (DAD) or a multicast address teaches nothing */
    sk_ip6_addr zero = {{0}};
    ev = ev_kind(SK_ND_EV_NS, zero, 3);
    sk_nd_input(nd, 5, &ev);
    SK_CHECK(sk_nd_find(nd, &zero) == NULL);
    nd_done(nd);
}

/* A router that advertises R = 0 in an NA: NOT_ROUTER intent (§7.2.5). */
static void test_na_clears_router(void)
{
    sk_nd_cache *nd = nd_make(4, 4, 2, 3);
    sk_ip6_addr r = t6_ll(1);
    sk_nd_event ev = ev_kind(SK_ND_EV_RA, r, 3);
    sk_nd_input(nd, 0, &ev);
    ev = ev_na(r, 3, true, false, true);
    sk_nd_input(nd, 1, &ev);
    SK_CHECK_EQ(n_intents(nd), 0);
    ev = ev_na(r, 3, true, false, false);
    sk_nd_input(nd, 2, &ev);
    sk_ip6_intent in;
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_NOT_ROUTER);
    SK_CHECK(t6_addr_is(&in.target, &r));
    SK_CHECK(!en_of(nd, r)->is_router);
    nd_done(nd);
}

/* Held packets: per entry 2 (the oldest goes for a third), 3 in all (an
 * entry's own oldest, else one of an entry holding several, else the
 * arriving packet); a packet over held_max_len is dropped. */
static void test_held_bounds(void)
{
    sk_nd_cache *nd = nd_make(4, 3, 2, 3);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2), c = t6_addr(1, 3);
    sk_mac mac;
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &a, pkt1, sizeof pkt1, &mac), SK_ND_HELD);
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &a, pkt2, sizeof pkt2, &mac), SK_ND_HELD);
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &a, pkt3, sizeof pkt3, &mac), SK_ND_HELD);
    SK_CHECK_EQ(nd->stats.drop_held_entry_full, 1);
    SK_CHECK_EQ(en_of(nd, a)->n_held, 2);
    /* total 3: b takes the last slot; c's packet evicts a's oldest (pkt2) */
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &b, pkt1, sizeof pkt1, &mac), SK_ND_HELD);
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &c, pkt1, sizeof pkt1, &mac), SK_ND_HELD);
    SK_CHECK_EQ(nd->stats.drop_held_total_full, 1);
    SK_CHECK_EQ(en_of(nd, a)->n_held, 1);
    /* every entry holds one: a new packet for a replaces a's own */
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &a, pkt2, sizeof pkt2, &mac), SK_ND_HELD);
    SK_CHECK_EQ(en_of(nd, a)->n_held, 1);
    /* a fourth next hop while each holds one: its own packet is dropped */
    sk_ip6_addr d = t6_addr(1, 4);
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &d, pkt1, sizeof pkt1, &mac), SK_ND_DROPPED);
    SK_CHECK_EQ(nd->stats.drop_held_total_full, 3);
    SK_CHECK_EQ(nd->held_used, 3);
    uint8_t big[1501] = {0x60};
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &b, big, sizeof big, &mac), SK_ND_DROPPED);
    SK_CHECK_EQ(nd->stats.drop_held_too_long, 1);
    n_intents(nd);
    sk_nd_event na = ev_na(a, 9, true, false, false);
    sk_nd_input(nd, 1, &na);
    sk_ip6_intent in;
    SK_CHECK(sk_nd_next_intent(nd, &in));
    SK_CHECK_EQ(in.kind, SK_I6_RELEASE);
    SK_CHECK_MEM(in.data, pkt2, sizeof pkt2); /* the newest was kept */
    SK_CHECK(!sk_nd_next_intent(nd, &in));
    nd_done(nd);
}

/* Table full: the LRU STALE entry is reused before anything else; an
 * INCOMPLETE entry holding packets only when nothing else is left. */
static void test_table_full(void)
{
    sk_nd_cache *nd = nd_make(3, 4, 2, 3);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2), c = t6_addr(1, 3), d = t6_addr(1, 4);
    sk_nd_event ev = ev_kind(SK_ND_EV_NS, a, 1);
    sk_nd_input(nd, 0, &ev);
    ev = ev_kind(SK_ND_EV_NS, b, 2);
    sk_nd_input(nd, 1, &ev);
    sk_mac mac;
    sk_nd_resolve(nd, 2, &c, pkt1, sizeof pkt1, &mac); /* INCOMPLETE, holds one */
    sk_nd_resolve(nd, 3, &a, pkt1, sizeof pkt1, &mac); /* a used: DELAY, b is the LRU STALE */
    n_intents(nd);
    sk_nd_resolve(nd, 4, &d, pkt1, sizeof pkt1, &mac);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_FREE);
    SK_CHECK_EQ(nd_state(nd, d), SK_ND_INCOMPLETE);
    SK_CHECK_EQ(nd->stats.evict_stale, 1);
    /* now a (DELAY), c and d (INCOMPLETE with packets): an NS from e
     * takes a, never an INCOMPLETE entry holding packets */
    sk_ip6_addr e = t6_addr(1, 5), f = t6_addr(1, 6);
    ev = ev_kind(SK_ND_EV_NS, e, 5);
    sk_nd_input(nd, 5, &ev);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_other, 1);
    /* e (STALE) goes for f's packet; then a packet for a with c, d, f
     * all INCOMPLETE with packets: the LRU (c) goes, its packet dropped */
    sk_nd_resolve(nd, 6, &f, pkt1, sizeof pkt1, &mac);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_FREE);
    ev = ev_kind(SK_ND_EV_NS, e, 5);
    sk_nd_input(nd, 7, &ev);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.drop_table_full, 1);
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 8, &a, pkt2, sizeof pkt2, &mac), SK_ND_HELD);
    SK_CHECK_EQ(nd_state(nd, c), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_incomplete, 1);
    SK_CHECK_EQ(nd->held_used, 3);
    nd_done(nd);
}

/* ReachableTime: uniform in [0.5, 1.5) x base, from the seed; a new base
 * from an RA re-randomizes it; RetransTimer from an RA spaces the NS. */
static void test_reachable_time_and_params(void)
{
    sk_time seen[8];
    int distinct = 0;
    for (uint64_t s = 0; s < 8; s++) {
        sk_nd_cache *nd = nd_make(2, 2, 1, s);
        SK_CHECK(nd->reachable >= SK_SEC(15) && nd->reachable < SK_SEC(45));
        seen[s] = nd->reachable;
        int dup = 0;
        for (uint64_t j = 0; j < s; j++)
            dup |= seen[j] == seen[s];
        distinct += !dup;
        sk_nd_cache *again = nd_make(2, 2, 1, s);
        SK_CHECK_EQ(again->reachable, nd->reachable); /* same seed, same value */
        sk_nd_set_params(nd, 10000, 2500);
        SK_CHECK(nd->reachable >= SK_SEC(5) && nd->reachable < SK_SEC(15));
        sk_ip6_addr ip = t6_addr(2, 1);
        sk_mac mac;
        sk_nd_resolve(nd, 0, &ip, pkt1, sizeof pkt1, &mac);
        SK_CHECK_EQ(sk_nd_poll_at(nd), SK_MSEC(2500));
        sk_nd_set_params(nd, 0, 0); /* unspecified: unchanged */
        SK_CHECK_EQ(nd->retrans, SK_MSEC(2500));
        sk_nd_destroy(again);
        nd_done(nd);
    }
    SK_CHECK(distinct >= 7);
}

/* Multicast next hops map to 33:33 + low 32 bits (RFC 2464 §7). */
static void test_multicast(void)
{
    sk_nd_cache *nd = nd_make(2, 2, 1, 1);
    sk_ip6_addr m = sk_ip6_all_routers();
    sk_mac mac;
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 0, &m, pkt1, sizeof pkt1, &mac), SK_ND_SEND);
    const uint8_t want[6] = {0x33, 0x33, 0, 0, 0, 2};
    SK_CHECK_MEM(mac.b, want, 6);
    SK_CHECK_EQ(n_intents(nd), 0);
    nd_done(nd);
}

/* A REACHABLE entry whose time ran out, used before run_timers: STALE ->
 * DELAY (the 5 s delay starts), not REACHABLE. */
static void test_expired_reachable_used_before_timers(void)
{
    sk_nd_cache *nd = nd_make(2, 2, 1, 1);
    sk_ip6_addr ip = t6_addr(1, 1);
    make_reachable(nd, ip, 1, 0);
    sk_time t = nd->reachable + 7;
    sk_mac mac;
    SK_CHECK_EQ_I(sk_nd_resolve(nd, t, &ip, pkt1, sizeof pkt1, &mac), SK_ND_SEND);
    SK_CHECK_EQ(nd_state(nd, ip), SK_ND_DELAY);
    SK_CHECK_EQ(sk_nd_poll_at(nd), t + SK_SEC(5));
    nd_done(nd);
}

static void test_create_rejects_and_fails_cleanly(void)
{
    sk_nd_config c = {0};
    c.entries = 2;
    c.held_total = 2;
    c.held_per_entry = 1;
    c.held_max_len = 1500;
    c.alloc = t6_allocator(&heap);
    sk_nd_cache *nd = NULL;
    sk_nd_config bad = c;
    bad.entries = 0;
    SK_CHECK_EQ_I(sk_nd_create(&bad, 0, &nd), SK_EINVAL);
    for (size_t k = 1; k <= 5; k++) {
        heap.fail_at = k;
        heap.calls = 0;
        SK_CHECK_EQ_I(sk_nd_create(&c, 0, &nd), SK_ENOMEM);
        SK_CHECK(nd == NULL);
        SK_CHECK_EQ(heap.live, 0);
    }
    heap.fail_at = 0;
}

/* ---- routers ---- */

static sk_nd_router *ndr_make(uint32_t routers, uint32_t prefixes, uint32_t dests, uint64_t seed)
{
    sk_ndr_config c = {0};
    c.routers = routers;
    c.prefixes = prefixes;
    c.dests = dests;
    c.link_mtu = 1500;
    c.seed = seed;
    c.alloc = t6_allocator(&heap);
    sk_nd_router *r = NULL;
    SK_CHECK_EQ_I(sk_ndr_create(&c, 0, &r), 0);
    return r;
}

static int rs_count(sk_nd_router *r)
{
    sk_ip6_intent in;
    int n = 0;
    while (sk_ndr_next_intent(r, &in)) {
        SK_CHECK_EQ(in.kind, SK_I6_SEND_RS);
        sk_ip6_addr all = sk_ip6_all_routers();
        SK_CHECK(t6_addr_is(&in.dst, &all));
        const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 2};
        SK_CHECK_MEM(in.mac.b, all_mac, 6);
        SK_CHECK_EQ(in.flags, SK_I6F_SLLAO);
        n++;
    }
    return n;
}

static sk_ra_info ra_from(sk_ip6_addr src, uint16_t lifetime)
{
    sk_ra_info ra;
    memset(&ra, 0, sizeof ra);
    ra.src = src;
    ra.router_lifetime_s = lifetime;
    return ra;
}

/* §6.3.7: first RS after a random [0, 1 s], then 4 s apart, 3 in all. */
static void test_rs_schedule(void)
{
    sk_time firsts[6];
    for (uint64_t s = 0; s < 6; s++) {
        sk_nd_router *r = ndr_make(2, 2, 2, s);
        sk_time t0 = sk_ndr_poll_at(r);
        SK_CHECK(t0 <= SK_SEC(1));
        firsts[s] = t0;
        if (t0 > 0) {
            sk_ndr_run_timers(r, t0 - 1);
            SK_CHECK_EQ(rs_count(r), 0);
        }
        for (int k = 0; k < 3; k++) {
            sk_ndr_run_timers(r, t0 + SK_SEC(4) * (sk_time)k);
            SK_CHECK_EQ(rs_count(r), 1);
            SK_CHECK_EQ(sk_ndr_poll_at(r), k < 2 ? t0 + SK_SEC(4) * (sk_time)(k + 1) : SK_TIME_NEVER);
        }
        sk_ndr_run_timers(r, SK_SEC(100));
        SK_CHECK_EQ(rs_count(r), 0);
        SK_CHECK_EQ(r->stats.rs_out, 3);
        sk_ndr_destroy(r);
    }
    SK_CHECK(firsts[0] != firsts[1] || firsts[1] != firsts[2]);
    SK_CHECK_EQ(heap.live, 0);
}

/* An RA with Router Lifetime 0 does not stop solicitation; one with a
 * non-zero lifetime does. */
static void test_rs_stops_on_ra(void)
{
    sk_nd_router *r = ndr_make(2, 2, 2, 1);
    sk_time t0 = sk_ndr_poll_at(r);
    sk_ndr_run_timers(r, t0);
    SK_CHECK_EQ(rs_count(r), 1);
    sk_ra_info ra = ra_from(t6_ll(1), 0);
    sk_ndr_input_ra(r, NULL, t0 + 1, &ra);
    SK_CHECK_EQ(sk_ndr_poll_at(r), t0 + SK_SEC(4));
    ra.router_lifetime_s = 600;
    sk_ndr_input_ra(r, NULL, t0 + 2, &ra);
    SK_CHECK_EQ(sk_ndr_poll_at(r), t0 + 2 + SK_SEC(600)); /* only the router's lifetime */
    sk_ndr_run_timers(r, t0 + SK_SEC(4));
    SK_CHECK_EQ(rs_count(r), 0);
    sk_ndr_destroy(r);
}

/* Router lifetime: next hop for an off-link destination until it runs
 * out; then no route. A zero lifetime removes the router at once. */
static void test_router_lifetime(void)
{
    sk_nd_router *r = ndr_make(2, 2, 4, 1);
    r->rs_at = SK_TIME_NEVER;
    sk_ip6_addr rt = t6_ll(1), dst = t6_addr(9, 9), nh;
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, 0, &dst, &nh), SK_EHOSTUNREACH);
    SK_CHECK_EQ(r->stats.no_route, 1);
    sk_ra_info ra = ra_from(rt, 1800);
    sk_ndr_input_ra(r, NULL, SK_SEC(10), &ra);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(11), &dst, &nh), 0);
    SK_CHECK(t6_addr_is(&nh, &rt));
    SK_CHECK_EQ(sk_ndr_poll_at(r), SK_SEC(1810));
    sk_ndr_run_timers(r, SK_SEC(1810) - 1);
    SK_CHECK_EQ(r->stats.routers_expired, 0);
    sk_ndr_run_timers(r, SK_SEC(1810));
    SK_CHECK_EQ(r->stats.routers_expired, 1);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(1811), &dst, &nh), SK_EHOSTUNREACH);
    sk_ndr_input_ra(r, NULL, SK_SEC(2000), &ra);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(2000), &dst, &nh), 0);
    ra.router_lifetime_s = 0;
    sk_ndr_input_ra(r, NULL, SK_SEC(2001), &ra);
    SK_CHECK_EQ(r->stats.routers_removed, 1);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(2001), &dst, &nh), SK_EHOSTUNREACH);
    /* the list holds 2: a third router is ignored, counted */
    ra.router_lifetime_s = 100;
    for (uint16_t i = 1; i <= 3; i++) {
        ra.src = t6_ll(i);
        sk_ndr_input_ra(r, NULL, SK_SEC(2002), &ra);
    }
    SK_CHECK_EQ(r->stats.drop_router_list_full, 1);
    /* NA with R = 0 for router 1 (the cache's NOT_ROUTER) removes it */
    sk_ip6_addr one = t6_ll(1);
    sk_ndr_router_gone(r, &one);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(2003), &dst, &nh), 0);
    sk_ip6_addr two = t6_ll(2);
    SK_CHECK(t6_addr_is(&nh, &two));
    sk_ndr_destroy(r);
    SK_CHECK_EQ(heap.live, 0);
}

/* Prefixes with L: on-link for their valid lifetime; 0 removes one at
 * once; infinity never expires; fe80::/64 is ignored; link-local and
 * multicast destinations are always on-link. */
static void test_prefix_on_link(void)
{
    sk_nd_router *r = ndr_make(2, 2, 4, 1);
    r->rs_at = SK_TIME_NEVER;
    sk_ra_info ra = ra_from(t6_ll(1), 0);
    ra.n_prefixes = 3;
    ra.prefix[0].prefix = t6_addr(1, 0);
    ra.prefix[0].len = 64;
    ra.prefix[0].on_link = true;
    ra.prefix[0].valid_s = 100;
    ra.prefix[1].prefix = t6_addr(2, 0);
    ra.prefix[1].len = 64;
    ra.prefix[1].on_link = true;
    ra.prefix[1].valid_s = SK_NDR_INFINITE;
    ra.prefix[2].prefix = t6_ll(0);
    ra.prefix[2].len = 64;
    ra.prefix[2].on_link = true;
    ra.prefix[2].valid_s = 100;
    sk_ndr_input_ra(r, NULL, 0, &ra);
    SK_CHECK_EQ(r->stats.prefixes_added, 2);
    SK_CHECK_EQ(r->stats.drop_prefix_link_local, 1);
    sk_ip6_addr in1 = t6_addr(1, 5), in2 = t6_addr(2, 5), out = t6_addr(3, 5), nh;
    SK_CHECK(sk_ndr_on_link(r, 0, &in1));
    SK_CHECK(sk_ndr_on_link(r, 0, &in2));
    SK_CHECK(!sk_ndr_on_link(r, 0, &out));
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, 0, &in1, &nh), 0);
    SK_CHECK(t6_addr_is(&nh, &in1));
    SK_CHECK_EQ(sk_ndr_poll_at(r), SK_SEC(100));
    sk_ndr_run_timers(r, SK_SEC(100));
    SK_CHECK(!sk_ndr_on_link(r, SK_SEC(100), &in1));
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(100), &in1, &nh), SK_EHOSTUNREACH);
    SK_CHECK(sk_ndr_on_link(r, SK_SEC(1000000), &in2));
    SK_CHECK_EQ(sk_ndr_poll_at(r), SK_TIME_NEVER);
    ra.n_prefixes = 1;
    ra.prefix[0] = ra.prefix[1];
    ra.prefix[0].valid_s = 0;
    sk_ndr_input_ra(r, NULL, SK_SEC(200), &ra);
    SK_CHECK(!sk_ndr_on_link(r, SK_SEC(200), &in2));
    sk_ip6_addr ll = t6_ll(77);
    SK_CHECK(sk_ndr_on_link(r, 0, &ll));
    sk_ndr_destroy(r);
}

/* MTU option: only within [1280, link MTU]. Hop limit: taken if non-zero. */
static void test_mtu_option(void)
{
    sk_nd_router *r = ndr_make(2, 2, 2, 1);
    sk_ra_info ra = ra_from(t6_ll(1), 0);
    uint32_t offers[] = {1279, 1501, 1400, 1280, 1500};
    uint32_t want[] = {1500, 1500, 1400, 1280, 1500};
    for (int i = 0; i < 5; i++) {
        ra.mtu = offers[i];
        sk_ndr_input_ra(r, NULL, 0, &ra);
        SK_CHECK_EQ(r->mtu, want[i]);
    }
    SK_CHECK_EQ(r->stats.drop_mtu_bad, 2);
    SK_CHECK_EQ(r->cur_hop_limit, 64);
    ra.cur_hop_limit = 32;
    sk_ndr_input_ra(r, NULL, 0, &ra);
    SK_CHECK_EQ(r->cur_hop_limit, 32);
    sk_ndr_destroy(r);
}

/* §6.3.6: a router with a neighbour entry not INCOMPLETE is preferred;
 * with none such, round-robin. RA's SLLAO and times go to the cache. */
static void test_router_selection(void)
{
    sk_nd_router *r = ndr_make(4, 2, 1, 1);
    sk_nd_cache *nd = nd_make(4, 4, 2, 1);
    sk_ip6_addr a = t6_ll(1), b = t6_ll(2), dst = t6_addr(9, 1), nh;
    sk_ra_info ra = ra_from(a, 600);
    sk_ndr_input_ra(r, nd, 0, &ra);
    ra.src = b;
    sk_ndr_input_ra(r, nd, 0, &ra);
    /* neither known: round-robin (the destination cache holds one, so
     * each lookup of a new destination picks again) */
    sk_ndr_next_hop(r, nd, 1, &dst, &nh);
    SK_CHECK(t6_addr_is(&nh, &a));
    sk_ip6_addr dst2 = t6_addr(9, 2);
    sk_ndr_next_hop(r, nd, 1, &dst2, &nh);
    SK_CHECK(t6_addr_is(&nh, &b));
    SK_CHECK_EQ(r->stats.dest_evicted, 1);
    /* b's RA now carries its SLLAO: STALE entry, IsRouter, preferred */
    ra.has_sllao = true;
    ra.sllao = t6_mac(2);
    ra.reachable_ms = 10000;
    ra.retrans_ms = 3000;
    sk_ndr_input_ra(r, nd, 2, &ra);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_STALE);
    SK_CHECK(en_of(nd, b)->is_router);
    SK_CHECK_EQ(nd->retrans, SK_MSEC(3000));
    SK_CHECK(nd->reachable >= SK_SEC(5) && nd->reachable < SK_SEC(15));
    for (uint16_t i = 3; i < 6; i++) {
        sk_ip6_addr d = t6_addr(9, i);
        sk_ndr_next_hop(r, nd, 3, &d, &nh);
        SK_CHECK(t6_addr_is(&nh, &b));
    }
    sk_ndr_destroy(r);
    nd_done(nd);
}

/* Redirect (§8.1, §8.3): accepted from the current first hop only; the
 * target is link-local or the destination itself (then on-link). */
static void test_redirect(void)
{
    sk_nd_router *r = ndr_make(2, 2, 4, 1);
    sk_ip6_addr a = t6_ll(1), other = t6_ll(5), better = t6_ll(2), dst = t6_addr(9, 1), nh;
    sk_ra_info ra = ra_from(a, 600);
    sk_ndr_input_ra(r, NULL, 0, &ra);
    sk_ndr_input_redirect(r, NULL, 1, &other, &better, &dst);
    SK_CHECK_EQ(r->stats.drop_redirect_bad, 1);
    sk_ip6_addr global = t6_addr(4, 4);
    sk_ndr_input_redirect(r, NULL, 1, &a, &global, &dst); /* neither link-local nor dst */
    SK_CHECK_EQ(r->stats.drop_redirect_bad, 2);
    sk_ndr_next_hop(r, NULL, 1, &dst, &nh);
    SK_CHECK(t6_addr_is(&nh, &a));
    sk_ndr_input_redirect(r, NULL, 2, &a, &better, &dst);
    sk_ndr_next_hop(r, NULL, 3, &dst, &nh);
    SK_CHECK(t6_addr_is(&nh, &better));
    sk_ip6_addr dst2 = t6_addr(9, 2);
    sk_ndr_input_redirect(r, NULL, 4, &a, &dst2, &dst2); /* dst2 is on-link */
    sk_ndr_next_hop(r, NULL, 5, &dst2, &nh);
    SK_CHECK(t6_addr_is(&nh, &dst2));
    sk_ndr_destroy(r);
    SK_CHECK_EQ(heap.live, 0);
}

int main(void)
{
    SK_RUN(test_resolve_then_solicited_na);
    SK_RUN(test_incomplete_gives_up);
    SK_RUN(test_reachable_stale_delay_probe);
    SK_RUN(test_upper_layer_confirmation);
    SK_RUN(test_na_rules);
    SK_RUN(test_na_incomplete_and_unknown);
    SK_RUN(test_unsolicited_events);
    SK_RUN(test_na_clears_router);
    SK_RUN(test_held_bounds);
    SK_RUN(test_table_full);
    SK_RUN(test_reachable_time_and_params);
    SK_RUN(test_multicast);
    SK_RUN(test_expired_reachable_used_before_timers);
    SK_RUN(test_create_rejects_and_fails_cleanly);
    SK_RUN(test_rs_schedule);
    SK_RUN(test_rs_stops_on_ra);
    SK_RUN(test_router_lifetime);
    SK_RUN(test_prefix_on_link);
    SK_RUN(test_mtu_option);
    SK_RUN(test_router_selection);
    SK_RUN(test_redirect);
    return sk_test_finish();
}
