/* DHCPv4 client in virtual time: the whole RFC 2131 §4.4 path with exact
 * times (DISCOVER backoff 4..64 s within ±1 s, T1 = 0.5 and T2 = 0.875 of
 * the lease from the REQUEST's time, renew unicast, rebind broadcast,
 * expiry), NAK, REQUEST retries, DECLINE on a conflict, and replies that
 * are not ours dropped and counted. Replies are dnsmasq's
 * (tests/support/golden_dhcp.h) with the client's xid patched in. */
#include "dhcp/dhcp_msg.h"
#include "golden_dhcp.h"
#include "sk_test.h"
#include "synack/error.h"

#define S 1000000ull
#define T0 (100 * S)

static sk_dhcp_client cl;

typedef struct {
    sk_dhcp_datagram d;
    sk_dhcp_msg m;
    uint8_t buf[576];
    int opt50, opt54; /* present? */
} out_msg;

static void setup(uint64_t seed)
{
    sk_dhcp_config c;
    memset(&c, 0, sizeof c);
    c.chaddr = (sk_mac){{2, 0, 0, 0, 0, 2}};
    memcpy(c.hostname, "synack", 7);
    c.seed = seed;
    SK_CHECK_EQ_I(sk_dhcp_init(&cl, &c), SK_OK);
}

static bool has_opt(const uint8_t *b, size_t len, uint8_t code)
{
    for (size_t p = 240; p + 1 < len && b[p] != 255; p += b[p] ? 2u + b[p + 1] : 1u)
        if (b[p] == code)
            return true;
    return false;
}

static bool take(out_msg *o, uint64_t now)
{
    if (!sk_dhcp_next_datagram(&cl, now, &o->d))
        return false;
    memcpy(o->buf, o->d.data, o->d.len);
    o->d.data = o->buf;
    SK_CHECK_EQ_I(sk_dhcp_parse(o->buf, o->d.len, &o->m), SK_DHCP_PARSE_OK);
    o->opt50 = has_opt(o->buf, o->d.len, 50);
    o->opt54 = has_opt(o->buf, o->d.len, 54);
    SK_CHECK(o->d.src_port == 68 && o->d.dst_port == 67);
    return true;
}

static void reply(const uint8_t *golden, size_t len, uint32_t xid, uint64_t now)
{
    uint8_t b[600];
    memcpy(b, golden, len);
    b[4] = (uint8_t)(xid >> 24), b[5] = (uint8_t)(xid >> 16);
    b[6] = (uint8_t)(xid >> 8), b[7] = (uint8_t)xid;
    sk_dhcp_input(&cl, now, b, len);
}

/* start, OFFER at T0 + 0.2 s, ACK at T0 + 0.3 s: BOUND with the REQUEST
 * sent at T0 + 0.2 s */
static void bind_now(void)
{
    out_msg o;
    sk_dhcp_event ev;
    SK_CHECK_EQ_I(sk_dhcp_start(&cl, T0), SK_OK);
    SK_CHECK(take(&o, T0));
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0 + 200000);
    SK_CHECK(take(&o, T0 + 200000));
    reply(golden_dhcp_ack, sizeof golden_dhcp_ack, o.m.xid, T0 + 300000);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_BOUND);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_BOUND);
}

static void test_discover_backoff(void)
{
    static const uint64_t base[] = {4, 8, 16, 32, 64, 64, 64};
    out_msg o;
    setup(1);
    SK_CHECK_EQ_I(sk_dhcp_start(&cl, T0), SK_OK);
    SK_CHECK_EQ_I(sk_dhcp_start(&cl, T0), SK_ESTATE);
    SK_CHECK(take(&o, T0));
    SK_CHECK(!take(&o, T0));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
    SK_CHECK(o.d.broadcast);
    SK_CHECK_MEM(o.d.dst.b, ((const uint8_t[]){255, 255, 255, 255}), 4);
    SK_CHECK_MEM(o.d.src.b, ((const uint8_t[]){0, 0, 0, 0}), 4);
    SK_CHECK_EQ(o.m.flags, 0x8000);
    SK_CHECK_EQ(o.m.secs, 0);
    uint32_t xid = o.m.xid;
    uint64_t last = T0, distinct = 0, prev_gap = 0;
    for (size_t i = 0; i < 7; i++) {
        uint64_t at = sk_dhcp_poll_at(&cl), gap = at - last;
        SK_CHECK_MSG(gap >= (base[i] - 1) * S && gap <= (base[i] + 1) * S, "retransmission %zu after %llu us",
                     i + 1, (unsigned long long)gap);
        sk_dhcp_run_timers(&cl, at - 1);
        SK_CHECK(!take(&o, at - 1));
        sk_dhcp_run_timers(&cl, at);
        SK_CHECK(take(&o, at));
        SK_CHECK_EQ(o.m.xid, xid); /* the same exchange */
        SK_CHECK_EQ(o.m.secs, (at - T0) / S);
        distinct += gap - base[i] * S != prev_gap;
        prev_gap = gap - base[i] * S;
        last = at;
    }
    SK_CHECK(distinct >= 5); /* randomised, not a fixed offset */
    SK_CHECK_EQ(sk_dhcp_get_stats(&cl)->sent[SK_DHCPDISCOVER], 8);
}

static void test_bind_renew_rebind_expire(void)
{
    out_msg o;
    sk_dhcp_event ev;
    setup(2);
    bind_now();
    const sk_dhcp_lease *l = sk_dhcp_lease_get(&cl);
    SK_CHECK(l != NULL);
    SK_CHECK_MEM(l->addr.b, ((const uint8_t[]){192, 0, 2, 146}), 4);
    SK_CHECK_EQ(l->prefix_len, 24);
    SK_CHECK_MEM(l->router.b, ((const uint8_t[]){192, 0, 2, 1}), 4);
    SK_CHECK_EQ(l->dns_count, 1);
    SK_CHECK_MEM(l->dns[0].b, ((const uint8_t[]){192, 0, 2, 53}), 4);
    SK_CHECK_EQ(l->mtu, 1400);
    SK_CHECK_EQ(l->lease_s, 3600);
    const uint64_t req = T0 + 200000; /* §4.4.1: from the REQUEST's time */
    SK_CHECK_EQ(l->t1_at, req + 1800 * S);
    SK_CHECK_EQ(l->t2_at, req + 3150 * S);
    SK_CHECK_EQ(l->expires_at, req + 3600 * S);
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), req + 1800 * S);
    SK_CHECK(!take(&o, T0 + 300000));
    sk_dhcp_run_timers(&cl, req + 1800 * S - 1);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_BOUND);
    /* T1: RENEWING, unicast to the server from our address (§4.3.2) */
    uint64_t t = req + 1800 * S;
    sk_dhcp_run_timers(&cl, t);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_RENEWING);
    SK_CHECK(take(&o, t));
    SK_CHECK_EQ(o.m.type, SK_DHCPREQUEST);
    SK_CHECK(!o.d.broadcast);
    SK_CHECK_MEM(o.d.dst.b, ((const uint8_t[]){192, 0, 2, 1}), 4);
    SK_CHECK_MEM(o.d.src.b, ((const uint8_t[]){192, 0, 2, 146}), 4);
    SK_CHECK_MEM(o.m.ciaddr.b, ((const uint8_t[]){192, 0, 2, 146}), 4);
    SK_CHECK(!o.opt50 && !o.opt54);
    SK_CHECK_EQ(o.m.flags, 0);
    /* retransmissions: half the time to T2 (1350 s -> 675, 337.5, ...),
     * at least 60 s, then T2 itself */
    uint64_t t2 = req + 3150 * S;
    while (t < t2) {
        uint64_t next = t + (t2 - t) / 2;
        if (next < t + 60 * S)
            next = t + 60 * S;
        if (next > t2)
            next = t2;
        SK_CHECK_EQ(sk_dhcp_poll_at(&cl), next);
        sk_dhcp_run_timers(&cl, next);
        SK_CHECK(take(&o, next));
        t = next;
    }
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_REBINDING);
    SK_CHECK(o.d.broadcast); /* REBINDING: broadcast, still from our address */
    SK_CHECK_MEM(o.d.src.b, ((const uint8_t[]){192, 0, 2, 146}), 4);
    SK_CHECK(!o.opt50 && !o.opt54);
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), t2 + 225 * S); /* half of 450 s */
    sk_dhcp_run_timers(&cl, t2 + 225 * S);
    SK_CHECK(take(&o, t2 + 225 * S));
    sk_dhcp_run_timers(&cl, t2 + 337500000);
    SK_CHECK(take(&o, t2 + 337500000));
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), t2 + 397500000); /* 60 s minimum */
    sk_dhcp_run_timers(&cl, t2 + 397500000);
    SK_CHECK(take(&o, t2 + 397500000));
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), req + 3600 * S); /* capped at expiry */
    sk_dhcp_run_timers(&cl, req + 3600 * S);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev));
    SK_CHECK_EQ_I(ev.kind, SK_DHCP_EV_LOST);
    SK_CHECK_MEM(ev.lost_addr.b, ((const uint8_t[]){192, 0, 2, 146}), 4);
    SK_CHECK(sk_dhcp_lease_get(&cl) == NULL);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_SELECTING);
    SK_CHECK(take(&o, req + 3600 * S));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
    SK_CHECK_EQ(sk_dhcp_get_stats(&cl)->expiries, 1);
}

static void test_late_call_past_expiry(void)
{
    /* one call long after the lease ran out (a host that slept): the
     * address goes in that call, not one timer at a time */
    out_msg o;
    sk_dhcp_event ev;
    setup(10);
    bind_now();
    uint64_t late = T0 + 200000 + 3600 * S + 5 * S;
    sk_dhcp_run_timers(&cl, late);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_LOST);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_SELECTING);
    SK_CHECK(sk_dhcp_poll_at(&cl) > late);
    SK_CHECK(take(&o, late));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
}

static void test_infinite_lease(void)
{
    /* lease 0xffffffff without T1/T2 (their codes made unknown): bound for
     * good, no timer */
    out_msg o;
    sk_dhcp_event ev;
    uint8_t b[600];
    setup(12);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0 + 1);
    take(&o, T0 + 1);
    memcpy(b, golden_dhcp_ack, sizeof golden_dhcp_ack);
    SK_CHECK(b[249] == 51 && b[255] == 58 && b[261] == 59);
    memset(b + 251, 0xff, 4);
    b[255] = 200, b[261] = 201;
    reply(b, sizeof golden_dhcp_ack, o.m.xid, T0 + 2);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_BOUND);
    SK_CHECK_EQ(ev.lease.lease_s, UINT32_MAX);
    SK_CHECK_EQ(ev.lease.t1_at, UINT64_MAX);
    SK_CHECK_EQ(ev.lease.t2_at, UINT64_MAX);
    SK_CHECK_EQ(ev.lease.expires_at, UINT64_MAX);
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), UINT64_MAX);
    /* infinite, with T1 3000 s after T2 2000 s: out of order, so the
     * defaults, none (fuzz_dhcp found T1 kept after T2:
     * regress-infinite-lease-t1-after-t2) */
    setup(12);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0 + 1);
    take(&o, T0 + 1);
    memcpy(b, golden_dhcp_ack, sizeof golden_dhcp_ack);
    memset(b + 251, 0xff, 4);
    memcpy(b + 257, (const uint8_t[]){0, 0, 0x0b, 0xb8}, 4);
    memcpy(b + 263, (const uint8_t[]){0, 0, 0x07, 0xd0}, 4);
    reply(b, sizeof golden_dhcp_ack, o.m.xid, T0 + 2);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_BOUND);
    SK_CHECK_EQ(ev.lease.t1_at, UINT64_MAX);
    SK_CHECK_EQ(ev.lease.t2_at, UINT64_MAX);
    /* infinite with T1 2000 s, T2 3000 s: kept */
    setup(12);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0 + 1);
    take(&o, T0 + 1);
    memcpy(b + 257, (const uint8_t[]){0, 0, 0x07, 0xd0}, 4);
    memcpy(b + 263, (const uint8_t[]){0, 0, 0x0b, 0xb8}, 4);
    reply(b, sizeof golden_dhcp_ack, o.m.xid, T0 + 2);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_BOUND);
    SK_CHECK_EQ(ev.lease.t1_at, T0 + 1 + 2000 * S);
    SK_CHECK_EQ(ev.lease.t2_at, T0 + 1 + 3000 * S);
    SK_CHECK_EQ(ev.lease.expires_at, UINT64_MAX);
}

static void test_renewal_ack_extends(void)
{
    out_msg o;
    sk_dhcp_event ev;
    setup(3);
    bind_now();
    uint64_t t1 = T0 + 200000 + 1800 * S;
    sk_dhcp_run_timers(&cl, t1);
    SK_CHECK(take(&o, t1));
    reply(golden_dhcp_ack, sizeof golden_dhcp_ack, o.m.xid, t1 + 5000);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_BOUND);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_BOUND);
    SK_CHECK_EQ(ev.lease.expires_at, t1 + 3600 * S);
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), t1 + 1800 * S);
    SK_CHECK(!sk_dhcp_next_event(&cl, &ev));
}

static void test_nak(void)
{
    out_msg o;
    sk_dhcp_event ev;
    setup(4);
    SK_CHECK_EQ_I(sk_dhcp_start(&cl, T0), SK_OK);
    take(&o, T0);
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0 + 1);
    take(&o, T0 + 1);
    uint32_t xid = o.m.xid;
    reply(golden_dhcp_nak, sizeof golden_dhcp_nak, xid, T0 + 2);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_SELECTING);
    SK_CHECK(take(&o, T0 + 2));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
    SK_CHECK(o.m.xid != xid);
    SK_CHECK(!sk_dhcp_next_event(&cl, &ev)); /* no address was held */
    SK_CHECK_EQ(sk_dhcp_get_stats(&cl)->naks, 1);
    /* a NAK while RENEWING takes the address away */
    setup(5);
    bind_now();
    uint64_t t1 = T0 + 200000 + 1800 * S;
    sk_dhcp_run_timers(&cl, t1);
    take(&o, t1);
    reply(golden_dhcp_nak, sizeof golden_dhcp_nak, o.m.xid, t1 + 1);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_LOST);
    SK_CHECK(take(&o, t1 + 1));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
}

static void test_request_retries_then_init(void)
{
    out_msg o;
    setup(6);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0 + 1);
    for (int i = 0; i < 4; i++) {
        SK_CHECK(take(&o, sk_dhcp_poll_at(&cl)));
        SK_CHECK_EQ(o.m.type, SK_DHCPREQUEST);
        SK_CHECK(o.opt50 && o.opt54);
        SK_CHECK_MEM(o.m.ciaddr.b, ((const uint8_t[]){0, 0, 0, 0}), 4);
        sk_dhcp_run_timers(&cl, sk_dhcp_poll_at(&cl));
    }
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_SELECTING);
    SK_CHECK(take(&o, 0));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
    SK_CHECK_EQ(sk_dhcp_get_stats(&cl)->sent[SK_DHCPREQUEST], 4);
}

static void test_conflict_declines(void)
{
    out_msg o;
    sk_dhcp_event ev;
    setup(7);
    SK_CHECK_EQ_I(sk_dhcp_conflict(&cl, T0), SK_ESTATE);
    bind_now();
    uint64_t t = T0 + S;
    SK_CHECK_EQ_I(sk_dhcp_conflict(&cl, t), SK_OK);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_LOST);
    SK_CHECK(take(&o, t));
    SK_CHECK_EQ(o.m.type, SK_DHCPDECLINE);
    SK_CHECK(o.opt50 && o.opt54);
    SK_CHECK(o.d.broadcast);
    SK_CHECK_MEM(o.d.src.b, ((const uint8_t[]){0, 0, 0, 0}), 4);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_INIT);
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), t + 10 * S); /* §3.1 step 5 */
    sk_dhcp_run_timers(&cl, t + 10 * S - 1);
    SK_CHECK(!take(&o, t + 10 * S - 1));
    sk_dhcp_run_timers(&cl, t + 10 * S);
    SK_CHECK(take(&o, t + 10 * S));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
}

static void test_foreign_replies_dropped(void)
{
    out_msg o;
    uint8_t b[600];
    setup(8);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    const uint64_t *d = sk_dhcp_get_stats(&cl)->drops;
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid + 1, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_WRONG_XID], 1);
    memcpy(b, golden_dhcp_offer, sizeof golden_dhcp_offer);
    b[33] = 3; /* chaddr */
    reply(b, sizeof golden_dhcp_offer, o.m.xid, T0);
    b[33] = 2, b[2] = 7; /* hlen */
    reply(b, sizeof golden_dhcp_offer, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_WRONG_CHADDR], 2);
    b[2] = 6, b[0] = 1; /* BOOTREQUEST */
    reply(b, sizeof golden_dhcp_offer, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_NOT_REPLY], 1);
    b[0] = 2, b[240] = 0, b[241] = 0, b[242] = 0; /* option 53 padded away */
    reply(b, sizeof golden_dhcp_offer, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_NO_TYPE], 1);
    reply(golden_dhcp_ack, sizeof golden_dhcp_ack, o.m.xid, T0); /* ACK in SELECTING */
    SK_CHECK_EQ(d[SK_DHCP_DROP_UNEXPECTED], 1);
    memcpy(b, golden_dhcp_offer, sizeof golden_dhcp_offer);
    memset(b + 16, 0, 4); /* yiaddr 0.0.0.0 */
    reply(b, sizeof golden_dhcp_offer, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_BAD_OFFER], 1);
    reply(golden_dhcp_offer, 100, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_SHORT], 1);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_SELECTING);
    SK_CHECK(!take(&o, T0));
    /* an ACK for another address than offered */
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, T0);
    take(&o, T0);
    memcpy(b, golden_dhcp_ack, sizeof golden_dhcp_ack);
    b[19] = 147;
    reply(b, sizeof golden_dhcp_ack, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_BAD_ACK], 1);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_REQUESTING);
    /* a NAK and an ACK from a server we did not ask (option 54 192.0.2.7) */
    memcpy(b, golden_dhcp_nak, sizeof golden_dhcp_nak);
    SK_CHECK_EQ(b[248], 1); /* option 54's last byte, after 53 */
    b[248] = 7;
    reply(b, sizeof golden_dhcp_nak, o.m.xid, T0);
    memcpy(b, golden_dhcp_ack, sizeof golden_dhcp_ack);
    SK_CHECK_EQ(b[248], 1);
    b[248] = 7;
    reply(b, sizeof golden_dhcp_ack, o.m.xid, T0);
    SK_CHECK_EQ(d[SK_DHCP_DROP_WRONG_SERVER], 2);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_REQUESTING);
    SK_CHECK_EQ(sk_dhcp_get_stats(&cl)->naks, 0);
}

static void test_init_reboot(void)
{
    out_msg o;
    sk_dhcp_event ev;
    sk_dhcp_config c;
    memset(&c, 0, sizeof c);
    c.chaddr = (sk_mac){{2, 0, 0, 0, 0, 2}};
    c.remembered = sk_ip4_make(192, 0, 2, 146);
    c.seed = 11;
    SK_CHECK_EQ_I(sk_dhcp_init(&cl, &c), SK_OK);
    SK_CHECK_EQ_I(sk_dhcp_start(&cl, T0), SK_OK);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_REBOOTING);
    SK_CHECK(take(&o, T0));
    /* §4.3.2: REQUEST broadcast, requested address, no server id, ciaddr 0 */
    SK_CHECK_EQ(o.m.type, SK_DHCPREQUEST);
    SK_CHECK(o.opt50 && !o.opt54);
    SK_CHECK(o.d.broadcast);
    SK_CHECK_MEM(o.m.ciaddr.b, ((const uint8_t[]){0, 0, 0, 0}), 4);
    /* any server may answer: dnsmasq's ACK binds, times from the REQUEST */
    reply(golden_dhcp_ack, sizeof golden_dhcp_ack, o.m.xid, T0 + 1000);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_BOUND);
    SK_CHECK_EQ(ev.lease.t1_at, T0 + 1800 * S);
    SK_CHECK_MEM(ev.lease.server_id.b, ((const uint8_t[]){192, 0, 2, 1}), 4);
    /* a NAK: INIT, a DISCOVER at once, nothing was held */
    SK_CHECK_EQ_I(sk_dhcp_init(&cl, &c), SK_OK);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    reply(golden_dhcp_nak, sizeof golden_dhcp_nak, o.m.xid, T0 + 1000);
    SK_CHECK(!sk_dhcp_next_event(&cl, &ev));
    SK_CHECK(take(&o, T0 + 1000));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
    /* an ACK for another address than remembered is not taken */
    SK_CHECK_EQ_I(sk_dhcp_init(&cl, &c), SK_OK);
    sk_dhcp_start(&cl, T0);
    take(&o, T0);
    uint8_t b[600];
    memcpy(b, golden_dhcp_ack, sizeof golden_dhcp_ack);
    b[19] = 150;
    reply(b, sizeof golden_dhcp_ack, o.m.xid, T0 + 1000);
    SK_CHECK_EQ(sk_dhcp_get_stats(&cl)->drops[SK_DHCP_DROP_BAD_ACK], 1);
    /* silence: 4 REQUESTs (4, 8, 16 s apart, ±1 s), then INIT */
    for (int i = 1; i < 4; i++) {
        sk_dhcp_run_timers(&cl, sk_dhcp_poll_at(&cl));
        SK_CHECK(take(&o, 0));
        SK_CHECK_EQ(o.m.type, SK_DHCPREQUEST);
    }
    sk_dhcp_run_timers(&cl, sk_dhcp_poll_at(&cl));
    SK_CHECK(take(&o, 0));
    SK_CHECK_EQ(o.m.type, SK_DHCPDISCOVER);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_SELECTING);
}

static void test_stop_and_bad_config(void)
{
    sk_dhcp_event ev;
    setup(9);
    bind_now();
    sk_dhcp_stop(&cl, T0 + S);
    SK_CHECK(sk_dhcp_next_event(&cl, &ev) && ev.kind == SK_DHCP_EV_LOST);
    SK_CHECK_EQ(sk_dhcp_poll_at(&cl), UINT64_MAX);
    SK_CHECK_EQ_I(sk_dhcp_state_get(&cl), SK_DHCP_STOPPED);
    sk_dhcp_config c;
    memset(&c, 'x', sizeof c); /* hostname without its NUL */
    SK_CHECK_EQ_I(sk_dhcp_init(&cl, &c), SK_EINVAL);
}

int main(void)
{
    SK_RUN(test_discover_backoff);
    SK_RUN(test_bind_renew_rebind_expire);
    SK_RUN(test_late_call_past_expiry);
    SK_RUN(test_infinite_lease);
    SK_RUN(test_renewal_ack_extends);
    SK_RUN(test_nak);
    SK_RUN(test_request_retries_then_init);
    SK_RUN(test_conflict_declines);
    SK_RUN(test_foreign_replies_dropped);
    SK_RUN(test_init_reboot);
    SK_RUN(test_stop_and_bad_config);
    return sk_test_finish();
}
