/* libFuzzer target for the IPv6 host state machines (src/ip6/): one
 * neighbour cache, router list, SLAAC, reassembly and path MTU cache, all
 * small, driven by a random sequence of events and time steps read from
 * the input. After every step each module's timers run, its intents are
 * drained (an NA's NOT_ROUTER goes to the router list, as the interface
 * will do), and its invariants are checked: counts agree with the tables,
 * bounds hold, states are valid, poll_at is never in the past. At the end
 * every module is destroyed and every byte allocated must be released. */
#include "fuzz_common.h"

#include "ip6/ip6_reass.h"
#include "ip6/nd_cache.h"
#include "ip6/nd_router.h"
#include "ip6/pmtu6.h"
#include "ip6/slaac.h"

#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t n;
} fz_in;

static uint8_t take(fz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static uint16_t take16(fz_in *in) { return (uint16_t)(take(in) << 8 | take(in)); }

static size_t live_bytes;

static void *h_alloc(void *ctx, size_t n)
{
    (void)ctx;
    live_bytes += n;
    return malloc(n);
}

static void h_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    live_bytes -= n;
    free(p);
}

/* Eight addresses: four global 2001:db8:1::x, four link-local fe80::x. */
static sk_ip6_addr addr_of(uint8_t k)
{
    sk_ip6_addr a = {{0x20, 0x01, 0x0d, 0xb8, 0, 1}};
    if (k & 4) {
        memset(a.b, 0, 16);
        a.b[0] = 0xfe;
        a.b[1] = 0x80;
    }
    a.b[15] = (uint8_t)(1 + (k & 3));
    return a;
}

typedef struct {
    sk_nd_cache *nd;
    sk_nd_router *r;
    sk_slaac *s;
    sk_ip6_reass *re;
    sk_pmtu6 *pm;
    sk_time now;
    uint8_t buf[2048];
} fz_world;

static void check_nd(const sk_nd_cache *nd, sk_time now)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i < nd->cfg.held_total; i++)
        used += nd->held[i].len > 0;
    CHECK(used == nd->held_used && used <= nd->cfg.held_total);
    uint32_t incomplete = 0;
    for (uint32_t i = 0; i < nd->cfg.entries; i++) {
        const sk_nd_entry *en = &nd->e[i];
        CHECK(en->state <= SK_ND_PROBE);
        incomplete += en->state == SK_ND_INCOMPLETE;
        if (en->state == SK_ND_FREE)
            continue;
        uint32_t held = 0;
        for (uint32_t j = 0; j < nd->cfg.held_total; j++)
            held += nd->held[j].len > 0 && !nd->held[j].out && nd->held[j].entry == i;
        CHECK(held == en->n_held && held <= nd->cfg.held_per_entry);
        CHECK(en->state == SK_ND_INCOMPLETE || held == 0);
        CHECK(en->probes <= 3);
        CHECK((en->state == SK_ND_STALE) == (en->timer == SK_TIME_NEVER));
    }
    CHECK(nd->cfg.unresolved_max == 0 || incomplete <= nd->cfg.unresolved_max);
    sk_time at = sk_nd_poll_at(nd);
    CHECK(at == SK_TIME_NEVER || at > now);
}

static void check_others(const fz_world *w)
{
    sk_time at = sk_ndr_poll_at(w->r);
    CHECK(at == SK_TIME_NEVER || at > w->now);
    CHECK(w->r->mtu >= 1280 && w->r->mtu <= w->r->cfg.link_mtu);
    at = sk_slaac_poll_at(w->s);
    CHECK(at == SK_TIME_NEVER || at > w->now);
    for (uint32_t i = 0; i < w->s->cfg.addrs; i++) {
        CHECK(w->s->a[i].state <= SK_SLAAC_DEPRECATED);
        CHECK(w->s->a[i].state == SK_SLAAC_FREE || w->s->a[i].dad_counter <= 3 + w->s->stats.iid_reserved);
    }
    uint32_t bytes = 0;
    for (uint32_t i = 0; i < w->re->cfg.datagrams; i++) {
        const sk_ip6r_dgram *d = &w->re->d[i];
        CHECK(d->n_pieces <= SK_IP6R_PIECES);
        if (d->state == SK_IP6R_ACTIVE)
            bytes += d->bytes;
        CHECK(d->state != SK_IP6R_DEAD || d->bytes == 0);
    }
    CHECK(bytes == w->re->bytes && bytes <= w->re->cfg.max_bytes);
    at = sk_ip6r_poll_at(w->re);
    CHECK(at == SK_TIME_NEVER || at > w->now);
    for (uint32_t i = 0; i < w->pm->cfg.entries; i++)
        CHECK(!w->pm->e[i].used ||
              (w->pm->e[i].mtu >= 1280 && w->pm->e[i].mtu < w->pm->cfg.link_mtu));
    at = sk_pmtu6_poll_at(w->pm);
    CHECK(at == SK_TIME_NEVER || at > w->now);
}

static void settle(fz_world *w)
{
    sk_ip6_intent in;
    sk_nd_run_timers(w->nd, w->now);
    sk_ndr_run_timers(w->r, w->now);
    sk_slaac_run_timers(w->s, w->now);
    sk_ip6r_run_timers(w->re, w->now);
    sk_pmtu6_run_timers(w->pm, w->now);
    while (sk_nd_next_intent(w->nd, &in)) {
        CHECK(in.kind >= SK_I6_SEND_NS && in.kind <= SK_I6_NOT_ROUTER);
        if (in.kind == SK_I6_RELEASE || in.kind == SK_I6_UNREACHABLE)
            CHECK(in.len > 0 && in.len <= w->nd->cfg.held_max_len && in.data[0] == 0x60);
        if (in.kind == SK_I6_NOT_ROUTER)
            sk_ndr_router_gone(w->r, &in.target);
    }
    while (sk_ndr_next_intent(w->r, &in))
        CHECK(in.kind == SK_I6_SEND_RS);
    while (sk_slaac_next_intent(w->s, &in))
        CHECK(in.kind == SK_I6_SEND_NS || in.kind == SK_I6_MLD_REPORT ||
              (in.kind >= SK_I6_ADDR_TENTATIVE && in.kind <= SK_I6_ADDR_DUPLICATE));
    while (sk_ip6r_next_intent(w->re, &in))
        CHECK((in.kind == SK_I6_TIME_EXCEEDED || in.kind == SK_I6_PARAM_PROBLEM) &&
              in.len <= SK_IP6R_QUOTE);
    while (sk_pmtu6_next_intent(w->pm, &in))
        CHECK(in.kind == SK_I6_PMTU && in.value >= 1280 && in.value <= 1500);
    check_nd(w->nd, w->now);
    check_others(w);
}

static void step_nd(fz_world *w, fz_in *in, uint8_t op)
{
    sk_ip6_addr a = addr_of(take(in));
    if (op == 0) {
        size_t len = 1 + (size_t)take16(in) % 1600;
        memset(w->buf, 0x60, len);
        sk_mac mac;
        sk_nd_resolve(w->nd, w->now, &a, w->buf, len, &mac);
    } else if (op == 1) {
        uint8_t f = take(in);
        sk_nd_event ev = {0};
        ev.kind = (uint8_t)(f % 4);
        ev.ip = a;
        ev.has_lla = f & 4;
        ev.lla.b[5] = (uint8_t)(f >> 6);
        ev.router = f & 8;
        ev.solicited = f & 16;
        ev.override = f & 32;
        sk_nd_input(w->nd, w->now, &ev);
    } else if (op == 2) {
        sk_nd_confirm(w->nd, w->now, &a);
    } else {
        sk_nd_set_params(w->nd, take16(in), take16(in));
    }
}

static void fill_ra(fz_in *in, sk_ra_info *ra)
{
    memset(ra, 0, sizeof *ra);
    ra->src = addr_of(take(in));
    ra->router_lifetime_s = take(in);
    ra->cur_hop_limit = take(in);
    ra->reachable_ms = take16(in);
    ra->retrans_ms = take(in);
    ra->has_sllao = take(in) & 1;
    ra->mtu = (uint32_t)take16(in);
    ra->n_prefixes = (uint8_t)(take(in) % 3);
    for (uint8_t i = 0; i < ra->n_prefixes; i++) {
        uint8_t f = take(in);
        sk_ra_prefix *p = &ra->prefix[i];
        p->prefix = addr_of(f);
        p->prefix.b[6] = (uint8_t)(f >> 4);
        p->len = (f & 8) ? 64 : take(in);
        p->on_link = f & 1;
        p->autonomous = f & 2;
        uint8_t v = take(in), q = take(in);
        p->valid_s = v == 255 ? SK_NDR_INFINITE : (uint32_t)v * 60;
        p->preferred_s = q == 255 ? SK_NDR_INFINITE : (uint32_t)q * 60;
    }
}

static void step_router(fz_world *w, fz_in *in, uint8_t op)
{
    if (op == 0) {
        sk_ra_info ra;
        fill_ra(in, &ra);
        sk_ndr_input_ra(w->r, w->nd, w->now, &ra);
        sk_pmtu6_set_link_mtu(w->pm, w->r->mtu); /* as the interface will */
        sk_slaac_input_ra(w->s, w->now, &ra);
        return;
    }
    sk_ip6_addr dst = addr_of(take(in)), nh;
    dst.b[5] = take(in) & 3;
    if (op == 1) {
        if (sk_ndr_next_hop(w->r, w->nd, w->now, &dst, &nh) == 0)
            CHECK(!sk_ip6_is_unspecified(nh));
    } else {
        sk_ip6_addr src = addr_of(take(in)), target = addr_of(take(in));
        sk_ndr_input_redirect(w->r, w->nd, w->now, &src, &target, &dst);
    }
}

static void step_slaac(fz_world *w, fz_in *in)
{
    uint8_t f = take(in);
    const sk_slaac_addr *a = &w->s->a[f % w->s->cfg.addrs];
    sk_ip6_addr target = a->addr, src = {{0}};
    if (f & 8)
        src = addr_of(f);
    if (f & 16)
        sk_slaac_input_na(w->s, w->now, &target);
    else
        sk_slaac_input_ns(w->s, w->now, &src, &target);
}

static void step_frag(fz_world *w, fz_in *in)
{
    sk_ip6_frag f;
    memset(&f, 0, sizeof f);
    uint8_t b = take(in);
    f.src = addr_of(b);
    f.dst = addr_of(0);
    f.id = b >> 4;
    f.offset = (uint16_t)(take16(in) & 0xfff8);
    f.more = take(in) & 1;
    f.len = (uint16_t)(take16(in) % 1500);
    f.unfrag_len = (uint16_t)(take(in) & 0x18);
    f.ulp_found = take(in) & 1;
    f.ulp = take(in);
    f.ulp_off = take(in);
    f.next_header = 17;
    memset(w->buf, b, sizeof w->buf);
    f.data = w->buf;
    f.pkt = w->buf;
    f.pkt_len = 48u + f.len;
    sk_ip6_dgram d;
    if (sk_ip6r_input(w->re, w->now, &f, &d) == SK_IP6R_DONE)
        CHECK(d.len <= SK_IP6R_MAX && d.data != NULL && (d.atomic || d.len > 0));
}

static void step_pmtu(fz_world *w, fz_in *in)
{
    sk_ip6_addr dst = addr_of(take(in));
    uint16_t v = take16(in);
    if (v & 1)
        CHECK(sk_pmtu6_lookup(w->pm, &dst, w->now) >= 1280);
    else
        sk_pmtu6_input_ptb(w->pm, w->now, &dst, v);
}

static void advance(fz_world *w, fz_in *in)
{
    uint8_t k = take(in);
    sk_time unit = (k & 3) == 0 ? 1 : (k & 3) == 1 ? SK_MSEC(10) : (k & 3) == 2 ? SK_SEC(1) : SK_SEC(600);
    w->now += unit * (sk_time)(k >> 2);
}

static int make_world(fz_world *w, uint8_t sz)
{
    sk_allocator al = {h_alloc, h_free, NULL};
    sk_nd_config nc = {0};
    nc.entries = 1 + (sz & 3);
    nc.held_total = 1 + ((sz >> 2) & 3);
    nc.held_per_entry = 1 + ((sz >> 4) & 1);
    nc.unresolved_max = (sz >> 5) & 3; /* 0: no cap below the table */
    nc.held_max_len = 1500;
    nc.seed = sz;
    nc.alloc = al;
    sk_ndr_config rc = {2, 2, 2, 1500, sz, al};
    sk_slaac_config sc;
    sk_slaac_config_default(&sc);
    sc.addrs = 3;
    sc.seed = sz;
    sc.alloc = al;
    sk_ip6r_config ec = {2, 3000, al};
    sk_pmtu6_config pc = {2, 1500, 0, al}; /* floor 0: 1280 */
    return sk_nd_create(&nc, 0, &w->nd) | sk_ndr_create(&rc, 0, &w->r) |
           sk_slaac_create(&sc, 0, &w->s) | sk_ip6r_create(&ec, &w->re) |
           sk_pmtu6_create(&pc, &w->pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = {data, size};
    static fz_world w;
    memset(&w, 0, sizeof w);
    live_bytes = 0;
    CHECK(make_world(&w, take(&in)) == 0);
    for (int steps = 0; in.n > 0 && steps < 2000; steps++) {
        uint8_t op = take(&in);
        switch (op % 12) {
        case 0: case 1: case 2: case 3: step_nd(&w, &in, op % 4); break;
        case 4: case 5: case 6: step_router(&w, &in, (uint8_t)(op % 3)); break;
        case 7: step_slaac(&w, &in); break;
        case 8: case 9: step_frag(&w, &in); break;
        case 10: step_pmtu(&w, &in); break;
        default: advance(&w, &in); break;
        }
        settle(&w);
    }
    sk_nd_destroy(w.nd);
    sk_ndr_destroy(w.r);
    sk_slaac_destroy(w.s);
    sk_ip6r_destroy(w.re);
    sk_pmtu6_destroy(w.pm);
    CHECK(live_bytes == 0);
    return 0;
}
