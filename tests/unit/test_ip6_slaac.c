/* RFC 4862 SLAAC with RFC 7217 identifiers (slaac.c) in virtual time: the
 * link-local address's DAD step by step, conflicts and the IDGEN retries,
 * addresses from RA prefixes, lifetimes and the 2-hour rule. */
#include "ip6/slaac.h"
#include "ip6_test_util.h"
#include "sk_test.h"

#include "synack/error.h"

static t6_heap heap;

static sk_slaac *sl_make(uint64_t seed, const char *net_id)
{
    sk_slaac_config c;
    sk_slaac_config_default(&c);
    c.seed = seed;
    c.net_id_len = (uint8_t)strlen(net_id);
    memcpy(c.net_id, net_id, c.net_id_len);
    c.alloc = t6_allocator(&heap);
    sk_slaac *s = NULL;
    SK_CHECK_EQ_I(sk_slaac_create(&c, 0, &s), 0);
    return s;
}

static void sl_done(sk_slaac *s)
{
    sk_slaac_destroy(s);
    SK_CHECK_EQ(heap.live, 0);
}

/* The slot for addr; a failed check and an empty slot when there is none. */
static const sk_slaac_addr *slot_of(const sk_slaac *s, const sk_ip6_addr *addr)
{
    static const sk_slaac_addr none;
    const sk_slaac_addr *a = sk_slaac_find(s, addr);
    SK_CHECK_MSG(a != NULL, "no slot for the address");
    return a != NULL ? a : &none;
}

static uint8_t state_of(const sk_slaac *s, const sk_ip6_addr *addr)
{
    const sk_slaac_addr *a = sk_slaac_find(s, addr);
    return a == NULL ? SK_SLAAC_FREE : a->state;
}

static sk_ip6_intent next(sk_slaac *s)
{
    sk_ip6_intent in;
    if (!sk_slaac_next_intent(s, &in))
        in.kind = SK_I6_NONE;
    return in;
}

static void drain(sk_slaac *s)
{
    while (next(s).kind != SK_I6_NONE) {
    }
}

static sk_ip6_addr link_local(const sk_slaac *s, uint8_t counter)
{
    sk_ip6_addr ll = {{0xfe, 0x80}};
    uint64_t iid = sk_slaac_iid(s, &ll, counter);
    for (int i = 0; i < 8; i++)
        ll.b[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
    return ll;
}

/* Expect the DAD start for `addr`: MLD join of its solicited-node group,
 * then NS from :: to that group, no SLLAO. */
static void expect_dad_start(sk_slaac *s, const sk_ip6_addr *addr)
{
    sk_ip6_addr sn = sk_ip6_solicited_node(*addr);
    sk_ip6_intent in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_MLD_REPORT);
    SK_CHECK_EQ(in.flags, 0);
    SK_CHECK(t6_addr_is(&in.target, &sn));
    sk_ip6_addr mld = sk_ip6_mld2_routers();
    SK_CHECK(t6_addr_is(&in.dst, &mld));
    const uint8_t mld_mac[6] = {0x33, 0x33, 0, 0, 0, 0x16};
    SK_CHECK_MEM(in.mac.b, mld_mac, 6);
    in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_SEND_NS);
    SK_CHECK_EQ(in.flags, SK_I6F_SRC_UNSPEC);
    SK_CHECK(t6_addr_is(&in.target, addr));
    SK_CHECK(t6_addr_is(&in.dst, &sn));
    const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, addr->b[13], addr->b[14], addr->b[15]};
    SK_CHECK_MEM(in.mac.b, sn_mac, 6);
    SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
}

/* The link-local address: tentative at creation, DAD after a random
 * [0, 1 s], preferred RetransTimer (1 s) after the one probe; the second
 * unsolicited MLD report within 1 s of the first (robustness 2). */
static void test_link_local_dad(void)
{
    sk_slaac *s = sl_make(7, "net");
    sk_ip6_addr ll = link_local(s, 0);
    SK_CHECK_EQ(ll.b[0], 0xfe);
    SK_CHECK_EQ(ll.b[1], 0x80);
    sk_ip6_intent in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_ADDR_TENTATIVE);
    SK_CHECK(t6_addr_is(&in.target, &ll));
    SK_CHECK_EQ(in.value, 64);
    SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    sk_time t0 = sk_slaac_poll_at(s);
    SK_CHECK(t0 <= SK_SEC(1));
    if (t0 > 0) {
        sk_slaac_run_timers(s, t0 - 1);
        SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    }
    sk_slaac_run_timers(s, t0);
    expect_dad_start(s, &ll);
    SK_CHECK_EQ(state_of(s, &ll), SK_SLAAC_TENTATIVE);
    sk_time mld2 = slot_of(s, &ll)->mld_at;
    SK_CHECK(mld2 >= t0 && mld2 <= t0 + SK_SEC(1));
    SK_CHECK_EQ(sk_slaac_poll_at(s), sk_time_min(mld2, t0 + SK_SEC(1)));
    sk_slaac_run_timers(s, mld2);
    in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_MLD_REPORT);
    if (mld2 < t0 + SK_SEC(1))
        SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    else
        drain(s);
    SK_CHECK_EQ(sk_slaac_poll_at(s), t0 + SK_SEC(1) > mld2 ? t0 + SK_SEC(1) : SK_TIME_NEVER);
    sk_slaac_run_timers(s, t0 + SK_SEC(1) - 1);
    SK_CHECK_EQ(state_of(s, &ll), SK_SLAAC_TENTATIVE);
    sk_slaac_run_timers(s, t0 + SK_SEC(1));
    SK_CHECK_EQ(state_of(s, &ll), SK_SLAAC_PREFERRED);
    if (mld2 < t0 + SK_SEC(1)) {
        in = next(s);
        SK_CHECK_EQ(in.kind, SK_I6_ADDR_PREFERRED);
        SK_CHECK(t6_addr_is(&in.target, &ll));
    }
    SK_CHECK_EQ(sk_slaac_poll_at(s), SK_TIME_NEVER); /* infinite lifetimes */
    SK_CHECK_EQ(s->stats.dad_ns_out, 1);
    SK_CHECK_EQ(s->stats.mld_reports, 2);
    sl_done(s);
}

/* RFC 7217: the same seed and network give the same address; another
 * network id, prefix or seed another one; never the MAC (none is given). */
static void test_stable_identifiers(void)
{
    sk_slaac *a = sl_make(1, "home"), *b = sl_make(1, "home"), *c = sl_make(1, "office"),
             *d = sl_make(2, "home");
    sk_ip6_addr la = link_local(a, 0), lb = link_local(b, 0), lc = link_local(c, 0),
                ld = link_local(d, 0), la1 = link_local(a, 1);
    SK_CHECK(t6_addr_is(&la, &lb));
    SK_CHECK(!t6_addr_is(&la, &lc));
    SK_CHECK(!t6_addr_is(&la, &ld));
    SK_CHECK(!t6_addr_is(&la, &la1));
    sk_ip6_addr p1 = t6_addr(1, 0), p2 = t6_addr(2, 0);
    SK_CHECK(sk_slaac_iid(a, &p1, 0) != sk_slaac_iid(a, &p2, 0));
    SK_CHECK(sk_slaac_find(a, &la) != NULL);
    sk_slaac_destroy(b);
    sk_slaac_destroy(c);
    sk_slaac_destroy(d);
    sl_done(a);
}

/* Start DAD of the link-local address now (skip the random wait). */
static sk_time start_ll(sk_slaac *s)
{
    drain(s);
    sk_time t0 = sk_slaac_poll_at(s);
    sk_slaac_run_timers(s, t0);
    drain(s);
    return t0;
}

/* §5.4.3 / RFC 7217 §6: NS from :: for the tentative address: duplicate,
 * leave the group, the next DAD counter after a random [0, 1 s]; after
 * IDGEN_RETRIES (3) more conflicts, give up (FINAL). */
static void test_dad_conflict_and_retries(void)
{
    sk_slaac *s = sl_make(9, "n");
    sk_time t = start_ll(s);
    sk_ip6_addr zero = {{0}};
    for (uint8_t k = 0; k <= SK_SLAAC_IDGEN_RETRIES; k++) {
        sk_ip6_addr cur = link_local(s, k);
        SK_CHECK_EQ(state_of(s, &cur), SK_SLAAC_TENTATIVE);
        t += SK_MSEC(100);
        sk_slaac_input_ns(s, t, &zero, &cur);
        sk_ip6_intent in = next(s);
        SK_CHECK_EQ(in.kind, SK_I6_MLD_REPORT);
        SK_CHECK_EQ(in.flags, SK_I6F_LEAVE);
        in = next(s);
        SK_CHECK_EQ(in.kind, SK_I6_ADDR_DUPLICATE);
        SK_CHECK(t6_addr_is(&in.target, &cur));
        SK_CHECK_EQ(in.code, k);
        if (k == SK_SLAAC_IDGEN_RETRIES) {
            SK_CHECK_EQ(in.flags, SK_I6F_FINAL);
            SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
            break;
        }
        SK_CHECK_EQ(in.flags, 0);
        sk_ip6_addr nxt = link_local(s, (uint8_t)(k + 1));
        in = next(s);
        SK_CHECK_EQ(in.kind, SK_I6_ADDR_TENTATIVE);
        SK_CHECK(t6_addr_is(&in.target, &nxt));
        SK_CHECK_EQ(in.code, k + 1);
        sk_time at = sk_slaac_poll_at(s);
        SK_CHECK(at >= t && at <= t + SK_SEC(1));
        SK_CHECK_EQ(state_of(s, &nxt), SK_SLAAC_WAIT);
        t = at;
        sk_slaac_run_timers(s, t);
        expect_dad_start(s, &nxt);
    }
    SK_CHECK_EQ(s->stats.dad_conflict, 4);
    SK_CHECK_EQ(s->stats.dad_gave_up, 1);
    SK_CHECK_EQ(sk_slaac_poll_at(s), SK_TIME_NEVER);
    sk_ip6_addr last = link_local(s, 3);
    SK_CHECK(sk_slaac_find(s, &last) == NULL);
    sl_done(s);
}

/* An NS from a unicast source for a tentative address is no conflict; an
 * NA for it is; an NA for an assigned address is only counted. */
static void test_dad_na_and_unicast_ns(void)
{
    sk_slaac *s = sl_make(3, "n");
    sk_time t = start_ll(s);
    sk_ip6_addr ll = link_local(s, 0), peer = t6_ll(44);
    sk_slaac_input_ns(s, t + 1, &peer, &ll);
    SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    SK_CHECK_EQ(state_of(s, &ll), SK_SLAAC_TENTATIVE);
    sk_slaac_input_na(s, t + 2, &ll);
    SK_CHECK_EQ(s->stats.dad_conflict, 1);
    SK_CHECK(sk_slaac_find(s, &ll) == NULL);
    drain(s);
    sk_ip6_addr ll1 = link_local(s, 1);
    t = sk_slaac_poll_at(s);
    sk_slaac_run_timers(s, t);
    sk_slaac_run_timers(s, t + SK_SEC(1));
    sk_slaac_run_timers(s, t + SK_SEC(1)); /* the second MLD report, if still due */
    SK_CHECK_EQ(state_of(s, &ll1), SK_SLAAC_PREFERRED);
    drain(s);
    sk_slaac_input_na(s, t + SK_SEC(2), &ll1);
    SK_CHECK_EQ(s->stats.na_for_assigned, 1);
    SK_CHECK_EQ(state_of(s, &ll1), SK_SLAAC_PREFERRED);
    SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    sl_done(s);
}

/* Run the link-local address to PREFERRED and forget its intents. */
static void ll_ready(sk_slaac *s)
{
    sk_time t0 = start_ll(s);
    sk_slaac_run_timers(s, t0 + SK_SEC(1));
    sk_slaac_run_timers(s, t0 + SK_SEC(1));
    drain(s);
    sk_ip6_addr ll = link_local(s, 0);
    SK_CHECK_EQ(state_of(s, &ll), SK_SLAAC_PREFERRED);
}

static sk_ra_info ra_prefix(sk_ip6_addr p, uint8_t len, bool a, uint32_t valid, uint32_t preferred)
{
    sk_ra_info ra;
    memset(&ra, 0, sizeof ra);
    ra.src = t6_ll(1);
    ra.n_prefixes = 1;
    ra.prefix[0].prefix = p;
    ra.prefix[0].len = len;
    ra.prefix[0].autonomous = a;
    ra.prefix[0].on_link = true;
    ra.prefix[0].valid_s = valid;
    ra.prefix[0].preferred_s = preferred;
    return ra;
}

static sk_ip6_addr global_addr(const sk_slaac *s, sk_ip6_addr prefix)
{
    uint64_t iid = sk_slaac_iid(s, &prefix, 0);
    for (int i = 0; i < 8; i++)
        prefix.b[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
    return prefix;
}

/* A prefix with A: an address from it, DAD, preferred; deprecated when the
 * preferred lifetime runs out, invalid (and the group left) at the valid
 * lifetime, each to the microsecond. RetransTimer from the RA. */
static void test_prefix_address_lifetimes(void)
{
    sk_slaac *s = sl_make(5, "n");
    ll_ready(s);
    sk_ip6_addr p = t6_addr(1, 0), g = global_addr(s, p);
    sk_ra_info ra = ra_prefix(p, 64, true, 3600, 1800);
    ra.retrans_ms = 2000;
    sk_time t = SK_SEC(10);
    sk_slaac_input_ra(s, t, &ra);
    sk_ip6_intent in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_ADDR_TENTATIVE);
    SK_CHECK(t6_addr_is(&in.target, &g));
    expect_dad_start(s, &g);
    const sk_slaac_addr *a = slot_of(s, &g);
    SK_CHECK_EQ(a->dad_at, t + SK_SEC(2));
    SK_CHECK_EQ(a->preferred_until, t + SK_SEC(1800));
    SK_CHECK_EQ(a->valid_until, t + SK_SEC(3600));
    sk_slaac_run_timers(s, t + SK_SEC(2));
    SK_CHECK_EQ(a->state, SK_SLAAC_PREFERRED);
    drain(s);
    sk_slaac_run_timers(s, t + SK_SEC(1800) - 1);
    SK_CHECK_EQ(a->state, SK_SLAAC_PREFERRED);
    sk_slaac_run_timers(s, t + SK_SEC(1800));
    SK_CHECK_EQ(a->state, SK_SLAAC_DEPRECATED);
    in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_ADDR_DEPRECATED);
    SK_CHECK(t6_addr_is(&in.target, &g));
    sk_slaac_run_timers(s, t + SK_SEC(3600) - 1);
    SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    SK_CHECK(sk_slaac_poll_at(s) <= t + SK_SEC(3600));
    sk_slaac_run_timers(s, t + SK_SEC(3600));
    in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_MLD_REPORT);
    SK_CHECK_EQ(in.flags, SK_I6F_LEAVE);
    in = next(s);
    SK_CHECK_EQ(in.kind, SK_I6_ADDR_INVALID);
    SK_CHECK(t6_addr_is(&in.target, &g));
    SK_CHECK(sk_slaac_find(s, &g) == NULL);
    SK_CHECK_EQ(s->stats.addr_expired, 1);
    sl_done(s);
}

/* §5.5.3 (e): the valid lifetime of a known prefix's address. */
static void test_two_hour_rule(void)
{
    struct {
        uint32_t first, again; /* seconds */
        uint32_t want;         /* remaining after the second RA */
    } cases[] = {
        {3 * 3600, 3600, 7200},      /* remaining 3 h, offer 1 h: 2 h */
        {3600, 1800, 3600},          /* remaining 1 h <= 2 h, offer less: ignored */
        {3600, 5400, 5400},          /* offer > remaining: taken */
        {10 * 3600, 5 * 3600, 5 * 3600}, /* offer > 2 h: taken, even lower */
        {3 * 3600, 0, 7200},         /* 0 cannot kill it at once */
        {3600, 0, 3600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sk_slaac *s = sl_make(5, "n");
        sk_ip6_addr p = t6_addr(1, 0), g = global_addr(s, p);
        sk_ra_info ra = ra_prefix(p, 64, true, cases[i].first, 0);
        sk_slaac_input_ra(s, 0, &ra);
        ra = ra_prefix(p, 64, true, cases[i].again, 0);
        sk_slaac_input_ra(s, SK_SEC(1), &ra);
        const sk_slaac_addr *a = slot_of(s, &g);
        sk_time want = cases[i].want == cases[i].first ? SK_SEC(cases[i].first)
                                                       : SK_SEC(1) + SK_SEC(cases[i].want);
        SK_CHECK_MSG(a->valid_until == want, "case %zu: valid until %llu, want %llu", i,
                     (unsigned long long)a->valid_until, (unsigned long long)want);
        sl_done(s);
    }
}

/* Prefixes that form no address: A = 0, link-local, preferred > valid,
 * length other than 64, valid 0; a full address list. */
static void test_prefix_rejects(void)
{
    sk_slaac *s = sl_make(5, "n");
    drain(s);
    sk_ra_info ra = ra_prefix(t6_addr(1, 0), 64, false, 100, 100);
    sk_slaac_input_ra(s, 0, &ra);
    ra = ra_prefix(t6_ll(0), 64, true, 100, 100);
    sk_slaac_input_ra(s, 0, &ra);
    ra = ra_prefix(t6_addr(1, 0), 64, true, 100, 200);
    sk_slaac_input_ra(s, 0, &ra);
    ra = ra_prefix(t6_addr(1, 0), 48, true, 100, 100);
    sk_slaac_input_ra(s, 0, &ra);
    ra = ra_prefix(t6_addr(1, 0), 64, true, 0, 0);
    sk_slaac_input_ra(s, 0, &ra);
    SK_CHECK_EQ(next(s).kind, SK_I6_NONE);
    SK_CHECK_EQ(s->stats.drop_prefix_ll, 1);
    SK_CHECK_EQ(s->stats.drop_preferred_gt_valid, 1);
    SK_CHECK_EQ(s->stats.drop_prefix_len, 1);
    SK_CHECK_EQ(s->stats.addr_added, 1); /* the link-local only */
    for (uint16_t i = 1; i <= 4; i++) {
        ra = ra_prefix(t6_addr(i, 0), 64, true, 100, 100);
        sk_slaac_input_ra(s, 0, &ra);
    }
    SK_CHECK_EQ(s->stats.addr_added, 4);
    SK_CHECK_EQ(s->stats.drop_addr_list_full, 1);
    sl_done(s);
}

/* A deprecated address is preferred again when an RA renews the preferred
 * lifetime; an RA with preferred 0 deprecates a preferred one. */
static void test_preferred_renewed(void)
{
    sk_slaac *s = sl_make(5, "n");
    sk_ip6_addr p = t6_addr(1, 0), g = global_addr(s, p);
    sk_ra_info ra = ra_prefix(p, 64, true, 10000, 0);
    sk_slaac_input_ra(s, 0, &ra);
    sk_slaac_run_timers(s, SK_SEC(1));
    const sk_slaac_addr *a = slot_of(s, &g);
    SK_CHECK_EQ(a->state, SK_SLAAC_DEPRECATED); /* preferred 0 from the start */
    drain(s);
    ra = ra_prefix(p, 64, true, 10000, 600);
    sk_slaac_input_ra(s, SK_SEC(2), &ra);
    SK_CHECK_EQ(a->state, SK_SLAAC_PREFERRED);
    SK_CHECK_EQ(next(s).kind, SK_I6_ADDR_PREFERRED);
    ra = ra_prefix(p, 64, true, 10000, 0);
    sk_slaac_input_ra(s, SK_SEC(3), &ra);
    sk_slaac_run_timers(s, SK_SEC(3));
    SK_CHECK_EQ(a->state, SK_SLAAC_DEPRECATED);
    sl_done(s);
}

/* RFC 5453 §3's reserved identifiers, at the edges of each range (the
 * subnet anycast range is 128 values, not everything above its start:
 * fuzz_ip6 seed regress-iid-reserved-range). */
static void test_reserved_identifiers(void)
{
    SK_CHECK(sk_slaac_iid_reserved(0));
    SK_CHECK(!sk_slaac_iid_reserved(1));
    SK_CHECK(!sk_slaac_iid_reserved(0xfdffffffffffff7full));
    SK_CHECK(sk_slaac_iid_reserved(0xfdffffffffffff80ull));
    SK_CHECK(sk_slaac_iid_reserved(0xfdffffffffffffffull));
    SK_CHECK(!sk_slaac_iid_reserved(0xfe00000000000000ull));
    SK_CHECK(!sk_slaac_iid_reserved(0xffffffffffffffffull));
    SK_CHECK(!sk_slaac_iid_reserved(0x02005efffdffffffull));
    SK_CHECK(sk_slaac_iid_reserved(0x02005efffe000000ull));
    SK_CHECK(sk_slaac_iid_reserved(0x02005efffe00ffffull));
    SK_CHECK(!sk_slaac_iid_reserved(0x02005efffe010000ull));
}

static void test_create_rejects_and_fails_cleanly(void)
{
    sk_slaac_config c;
    sk_slaac_config_default(&c);
    c.alloc = t6_allocator(&heap);
    sk_slaac *s = NULL;
    c.addrs = 0;
    SK_CHECK_EQ_I(sk_slaac_create(&c, 0, &s), SK_EINVAL);
    c.addrs = 2;
    for (size_t k = 1; k <= 3; k++) {
        heap.fail_at = k;
        heap.calls = 0;
        SK_CHECK_EQ_I(sk_slaac_create(&c, 0, &s), SK_ENOMEM);
        SK_CHECK_EQ(heap.live, 0);
    }
    heap.fail_at = 0;
}

/* link_local false: no fe80:: slot, no intent, nothing scheduled; with
 * dad_transmits 0 the link-local address is preferred at once (§5.4: no
 * DAD, nothing to wait for), no probe. */
static void test_link_local_options(void)
{
    sk_slaac_config c;
    sk_slaac_config_default(&c);
    c.alloc = t6_allocator(&heap);
    c.link_local = false;
    sk_slaac *s = NULL;
    SK_CHECK_EQ_I(sk_slaac_create(&c, 0, &s), 0);
    sk_ip6_intent in;
    SK_CHECK(!sk_slaac_next_intent(s, &in));
    SK_CHECK_EQ(sk_slaac_poll_at(s), SK_TIME_NEVER);
    sl_done(s);
    c.link_local = true;
    c.dad_transmits = 0;
    SK_CHECK_EQ_I(sk_slaac_create(&c, 0, &s), 0);
    int kinds[4] = {0}, n = 0;
    while (sk_slaac_next_intent(s, &in) && n < 4)
        kinds[n++] = in.kind;
    SK_CHECK_EQ_I(n, 2);
    SK_CHECK_EQ_I(kinds[0], SK_I6_ADDR_TENTATIVE);
    SK_CHECK_EQ_I(kinds[1], SK_I6_ADDR_PREFERRED);
    SK_CHECK(sk_ip6_is_link_local(in.target));
    SK_CHECK_EQ(sk_slaac_find(s, &in.target)->state, SK_SLAAC_PREFERRED);
    SK_CHECK_EQ(sk_slaac_poll_at(s), SK_TIME_NEVER);
    sl_done(s);
}

int main(void)
{
    SK_RUN(test_link_local_dad);
    SK_RUN(test_stable_identifiers);
    SK_RUN(test_dad_conflict_and_retries);
    SK_RUN(test_dad_na_and_unicast_ns);
    SK_RUN(test_prefix_address_lifetimes);
    SK_RUN(test_two_hour_rule);
    SK_RUN(test_prefix_rejects);
    SK_RUN(test_preferred_renewed);
    SK_RUN(test_reserved_identifiers);
    SK_RUN(test_create_rejects_and_fails_cleanly);
    SK_RUN(test_link_local_options);
    return sk_test_finish();
}
