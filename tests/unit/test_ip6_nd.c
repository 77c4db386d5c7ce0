/* RFC 4861 neighbour cache (nd_cache.c) in virtual time: every state
 * transition of Appendix C, every timeout and retry count, the held-packet
 * and table bounds, the deadlines to the microsecond. Router and prefix
 * discovery: test_ip6_ndrouter.c. */
#include "ip6/nd_cache.h"
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
    sk_ip6_addr sn = sk_ip6_solicited_node(ip);
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

/* Table full: the oldest INCOMPLETE entry is reused first (its packets
 * dropped), then the LRU STALE entry, then the LRU REACHABLE/DELAY/PROBE
 * one; a neighbour that answered is never pushed out while an entry that
 * has not is there to take. */
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
    sk_nd_resolve(nd, 3, &a, pkt1, sizeof pkt1, &mac); /* a used: DELAY */
    n_intents(nd);
    /* d takes c's entry (c's packet dropped), not b (STALE) nor a (DELAY) */
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 4, &d, pkt1, sizeof pkt1, &mac), SK_ND_HELD);
    SK_CHECK_EQ(nd_state(nd, c), SK_ND_FREE);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_STALE);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_DELAY);
    SK_CHECK_EQ(nd->stats.evict_incomplete, 1);
    SK_CHECK_EQ(nd->stats.drop_evicted, 1);
    SK_CHECK_EQ(nd->held_used, 1);
    /* an NS from e (a neighbour that speaks) takes d's INCOMPLETE entry */
    sk_ip6_addr e = t6_addr(1, 5), f = t6_addr(1, 6);
    ev = ev_kind(SK_ND_EV_NS, e, 5);
    sk_nd_input(nd, 5, &ev);
    SK_CHECK_EQ(nd_state(nd, d), SK_ND_FREE);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_STALE);
    SK_CHECK_EQ(nd->stats.evict_incomplete, 2);
    SK_CHECK_EQ(nd->held_used, 0);
    /* nothing INCOMPLETE left: f takes the LRU STALE entry (b) */
    sk_nd_resolve(nd, 6, &f, pkt1, sizeof pkt1, &mac);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_stale, 1);
    /* a (DELAY), e (STALE), f (INCOMPLETE): an NS from b takes f */
    ev = ev_kind(SK_ND_EV_NS, b, 2);
    sk_nd_input(nd, 7, &ev);
    SK_CHECK_EQ(nd_state(nd, f), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_incomplete, 3);
    /* a (DELAY), e and b (STALE): e is the LRU STALE one */
    sk_nd_resolve(nd, 8, &c, pkt1, sizeof pkt1, &mac);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_stale, 2);
    sk_nd_resolve(nd, 9, &b, pkt1, sizeof pkt1, &mac); /* b used: DELAY */
    /* a, b (DELAY), c (INCOMPLETE): an NS from e takes c */
    ev = ev_kind(SK_ND_EV_NS, e, 5);
    sk_nd_input(nd, 10, &ev);
    SK_CHECK_EQ(nd_state(nd, c), SK_ND_FREE);
    /* a, b (DELAY), e (STALE): an NS from d takes e; d is used (DELAY);
     * then an NS from f takes the LRU of the three (a) */
    ev = ev_kind(SK_ND_EV_NS, d, 4);
    sk_nd_input(nd, 11, &ev);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_FREE);
    sk_nd_resolve(nd, 11, &d, pkt1, sizeof pkt1, &mac);
    ev = ev_kind(SK_ND_EV_NS, f, 6);
    sk_nd_input(nd, 12, &ev);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_other, 1);
    SK_CHECK_EQ(nd->stats.drop_table_full, 0);
    nd_done(nd);
}

/* unresolved_max: past it a new INCOMPLETE entry takes the oldest
 * INCOMPLETE one even with free slots left, which stay for neighbours
 * that answer. */
static void test_unresolved_cap(void)
{
    sk_nd_config cf = {0};
    cf.entries = 4;
    cf.held_total = 4;
    cf.held_per_entry = 2;
    cf.held_max_len = 1500;
    cf.unresolved_max = 2;
    cf.alloc = t6_allocator(&heap);
    sk_nd_cache *nd = NULL;
    SK_CHECK_EQ_I(sk_nd_create(&cf, 0, &nd), 0);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2), c = t6_addr(1, 3);
    sk_ip6_addr d = t6_addr(1, 4), e = t6_addr(1, 5), f = t6_addr(1, 6);
    sk_mac mac;
    sk_nd_resolve(nd, 1, &a, pkt1, sizeof pkt1, &mac);
    sk_nd_resolve(nd, 2, &b, pkt1, sizeof pkt1, &mac);
    sk_nd_resolve(nd, 3, &a, pkt2, sizeof pkt2, &mac); /* a's second: a stays the oldest */
    SK_CHECK_EQ_I(sk_nd_resolve(nd, 4, &c, pkt1, sizeof pkt1, &mac), SK_ND_HELD);
    SK_CHECK_EQ(nd_state(nd, a), SK_ND_FREE);
    SK_CHECK_EQ(nd->stats.evict_incomplete, 1);
    SK_CHECK_EQ(nd->stats.drop_evicted, 2);
    /* two slots are still free: neighbours that speak get them */
    sk_nd_event ev = ev_kind(SK_ND_EV_NS, d, 4);
    sk_nd_input(nd, 5, &ev);
    ev = ev_kind(SK_ND_EV_NS, e, 5);
    sk_nd_input(nd, 6, &ev);
    SK_CHECK_EQ(nd_state(nd, d), SK_ND_STALE);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_STALE);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_INCOMPLETE);
    /* the table is full: f takes b (the oldest INCOMPLETE), d and e stay */
    sk_nd_resolve(nd, 7, &f, pkt1, sizeof pkt1, &mac);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_FREE);
    SK_CHECK_EQ(nd_state(nd, d), SK_ND_STALE);
    SK_CHECK_EQ(nd_state(nd, e), SK_ND_STALE);
    SK_CHECK_EQ(nd->stats.evict_incomplete, 2);
    SK_CHECK_EQ(nd->stats.evict_stale, 0);
    n_intents(nd);
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

/* §6.3.4: ReachableTime is drawn again when used two hours after the last
 * draw (not before), with no timer of its own. */
static void test_reachable_time_redrawn(void)
{
    sk_nd_cache *nd = nd_make(2, 2, 1, 11);
    sk_time first = nd->reachable;
    sk_ip6_addr ip = t6_addr(1, 1);
    make_reachable(nd, ip, 1, SK_SEC(7200) - 1);
    SK_CHECK_EQ(nd->reachable, first);
    SK_CHECK_EQ(en_of(nd, ip)->timer, SK_SEC(7200) - 1 + first);
    sk_nd_confirm(nd, SK_SEC(7200), &ip);
    SK_CHECK(nd->reachable != first); /* seed 11 draws another value */
    SK_CHECK(nd->reachable >= SK_SEC(15) && nd->reachable < SK_SEC(45));
    SK_CHECK_EQ(en_of(nd, ip)->timer, SK_SEC(7200) + nd->reachable);
    SK_CHECK_EQ(nd->redraw_at, SK_SEC(14400));
    nd_done(nd);
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
    SK_RUN(test_unresolved_cap);
    SK_RUN(test_reachable_time_and_params);
    SK_RUN(test_reachable_time_redrawn);
    SK_RUN(test_multicast);
    SK_RUN(test_expired_reachable_used_before_timers);
    SK_RUN(test_create_rejects_and_fails_cleanly);
    return sk_test_finish();
}
