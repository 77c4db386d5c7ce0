/* The DHCP client over the stack's UDP socket (include/synack/lease.h), in
 * virtual time: a stack with no address on a raw IP link, and the test as
 * the server, answering with dnsmasq's golden OFFER and ACK
 * (tests/support/golden_dhcp.h: 192.0.2.146/24, router 192.0.2.1, DNS
 * 192.0.2.53, lease 3600 s; the client's xid patched in). Every frame the
 * stack sends is parsed as IPv4 + UDP + DHCP. */
#include "api/stack_impl.h"
#include "dhcp/dhcp_msg.h"
#include "golden_dhcp.h"
#include "sk_test.h"
#include "synack/lease.h"
#include "synack/synack.h"
#include "udp_fixture.h"

#include <string.h>

#define S 1000000ull
#define T0 (10 * S)

static sk_stack *st;
static sk_lease ls;
static const sk_ip4 SERVER = {{192, 0, 2, 1}};
static const sk_ip4 BCAST = {{255, 255, 255, 255}};
static const sk_ip4 LEASED = {{192, 0, 2, 146}};

typedef struct {
    ufx_out f;
    sk_dhcp_msg m;
    uint8_t frame[2048];
} sent;

static void setup(void)
{
    sk_stack_config c;
    ufx_config(&c);
    c.addr = sk_ip4_make(0, 0, 0, 0);
    c.udp_max_sockets = 4;
    SK_CHECK_EQ_I(sk_stack_create(&c, &st), 0);
    sk_dhcp_config dc;
    memset(&dc, 0, sizeof dc);
    dc.chaddr = (sk_mac){{2, 0, 0, 0, 0, 2}};
    dc.seed = 7;
    SK_CHECK_EQ_I(sk_lease_start(&ls, st, &dc, T0), 0);
}

static void teardown(void)
{
    sk_lease_close(&ls, st, 0);
    sk_stack_destroy(st);
}

/* Step the glue (events into evs) and take the stack's frames; true with
 * the first UDP frame parsed into *o (the others are not DHCP here). */
static bool pump(sk_time_us now, sent *o, sk_dhcp_event *evs, int *n_ev)
{
    sk_dhcp_event ev;
    while (sk_lease_step(&ls, st, now, &ev))
        if (evs != NULL)
            evs[(*n_ev)++] = ev;
    bool got = false;
    uint8_t f[2048];
    size_t n;
    while ((n = sk_stack_output(st, now, f, sizeof f)) > 0) {
        ufx_out u;
        if (got || !ufx_parse(f, n, &u) || !u.is_udp)
            continue;
        memcpy(o->frame, f, n);
        SK_CHECK(ufx_parse(o->frame, n, &o->f));
        SK_CHECK(o->f.csum_ok);
        SK_CHECK_EQ(o->f.sport, 68);
        SK_CHECK_EQ(o->f.dport, 67);
        SK_CHECK_EQ_I(sk_dhcp_parse(o->f.data, o->f.data_len, &o->m), SK_DHCP_PARSE_OK);
        got = true;
    }
    return got;
}

static void reply(const uint8_t *golden, size_t len, uint32_t xid, sk_ip4 dst, sk_time_us now)
{
    uint8_t b[600], pkt[700];
    memcpy(b, golden, len);
    b[4] = (uint8_t)(xid >> 24), b[5] = (uint8_t)(xid >> 16);
    b[6] = (uint8_t)(xid >> 8), b[7] = (uint8_t)xid;
    size_t n = ufx_pkt(pkt, sizeof pkt, SERVER, 67, dst, 68, b, len);
    ufx_inject(st, now, pkt, n);
}

/* DISCOVER and REQUEST from 0.0.0.0 to the limited broadcast, OFFER and
 * ACK to `to` (the limited broadcast, or the offered address); the lease
 * is applied. */
static void bind_to(sk_time_us t, sk_dhcp_event *ev, sk_ip4 to)
{
    sent o;
    int n_ev = 0;
    SK_CHECK(pump(t, &o, NULL, NULL));
    SK_CHECK_EQ_I(o.m.type, 1); /* DISCOVER */
    SK_CHECK(sk_ip4_eq(o.f.ip.src, sk_ip4_make(0, 0, 0, 0)));
    SK_CHECK(sk_ip4_eq(o.f.ip.dst, BCAST));
    SK_CHECK(o.m.flags & 0x8000); /* the broadcast flag: answer by broadcast */
    reply(golden_dhcp_offer, sizeof golden_dhcp_offer, o.m.xid, to, t + 1000);
    SK_CHECK(pump(t + 1000, &o, NULL, NULL));
    SK_CHECK_EQ_I(o.m.type, 3); /* REQUEST */
    SK_CHECK(sk_ip4_eq(o.f.ip.src, sk_ip4_make(0, 0, 0, 0)));
    SK_CHECK(sk_ip4_eq(o.f.ip.dst, BCAST));
    reply(golden_dhcp_ack, sizeof golden_dhcp_ack, o.m.xid, to, t + 2000);
    pump(t + 2000, &o, ev, &n_ev);
    SK_CHECK_EQ_I(n_ev, 1);
    SK_CHECK_EQ_I(ev->kind, SK_DHCP_EV_BOUND);
    SK_CHECK_EQ_I(ls.apply_error, 0);
}

static void bind(sk_time_us t, sk_dhcp_event *ev)
{
    bind_to(t, ev, BCAST);
}

static bool has_default_route_via(sk_ip4 gw)
{
    const sk_stack_config *c = &st->ctx.cfg;
    for (uint8_t i = 0; i < c->n_routes; i++)
        if (c->routes[i].prefix_len == 0 && sk_ip4_eq(sk_addr_ip4(&c->routes[i].gateway), gw))
            return true;
    return false;
}

/* A datagram from the server to `dst` port 9 is delivered to a socket. */
static bool delivered_to(sk_ip4 dst, sk_time_us now)
{
    sk_sock h;
    SK_CHECK_EQ_I(sk_udp_open(st, &h), 0);
    sk_endpoint any;
    memset(&any, 0, sizeof any);
    any.port = 9;
    SK_CHECK_EQ_I(sk_udp_bind(st, h, &any), 0);
    uint8_t pkt[100], buf[8];
    size_t n = ufx_pkt(pkt, sizeof pkt, SERVER, 5000, dst, 9, "x", 1);
    ufx_inject(st, now, pkt, n);
    bool got = sk_udp_recv(st, now, h, buf, sizeof buf) == 1;
    sk_udp_close(st, h);
    return got;
}

static void test_bind_applies_lease(void)
{
    setup();
    /* before the lease: unicast to the future address is not for us */
    SK_CHECK(!delivered_to(LEASED, T0));
    sk_dhcp_event ev;
    bind(T0, &ev);
    SK_CHECK(sk_ip4_eq(ev.lease.addr, LEASED));
    SK_CHECK_EQ(ev.lease.dns_count, 1);
    SK_CHECK(sk_ip4_eq(st->ifc.addr4, LEASED));
    SK_CHECK_EQ(st->ifc.plen4, 24);
    SK_CHECK(has_default_route_via(SERVER));
    SK_CHECK(delivered_to(LEASED, T0 + 3000));
    /* the lease's MTU (1400) is the stack's now: UDP's bound, TCP's MSS */
    SK_CHECK_EQ(st->ctx.cfg.mtu, 1400);
    SK_CHECK_EQ_I(ls.mtu_error, 0);
    sk_sock u;
    SK_CHECK_EQ_I(sk_udp_open(st, &u), 0);
    sk_udp_info ui;
    SK_CHECK_EQ_I(sk_udp_get_info(st, u, &ui), 0);
    SK_CHECK_EQ(ui.max_payload, 1400 - 28);
    sk_udp_close(st, u);
    /* a TCP connection leaves from the leased address */
    sk_sock c;
    sk_endpoint peer = ufx_ep(SERVER, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(st, T0 + 3000, &peer, NULL, &c), 0);
    uint8_t f[2048];
    size_t n = sk_stack_output(st, T0 + 3000, f, sizeof f);
    SK_CHECK(n >= 40);
    SK_CHECK_MEM(f + 12, LEASED.b, 4);
    SK_CHECK(n >= 44 && f[40] == 2 && f[41] == 4); /* MSS first */
    SK_CHECK_EQ((unsigned)(f[42] << 8 | f[43]), 1400 - 40);
    teardown();
}

/* At T1 (half the 3600 s lease after the REQUEST) the renewal goes by
 * unicast from the leased address to the server; its ACK keeps the
 * address. Unanswered, the lease expires: the address and route are
 * removed, the TCP connection on it is aborted, unicast to it is no longer
 * ours, and the client starts over with a DISCOVER from 0.0.0.0. */
static void test_renew_then_expire(void)
{
    setup();
    sk_dhcp_event ev;
    bind(T0, &ev);
    sk_time_us t1 = ev.lease.t1_at, exp = ev.lease.expires_at;
    SK_CHECK_EQ(t1, T0 + 1000 + 1800 * S); /* from the REQUEST's time */
    sent o;
    SK_CHECK(!pump(t1 - 1, &o, NULL, NULL));
    SK_CHECK(pump(t1, &o, NULL, NULL));
    SK_CHECK_EQ_I(o.m.type, 3);
    SK_CHECK(sk_ip4_eq(o.f.ip.src, LEASED));
    SK_CHECK(sk_ip4_eq(o.f.ip.dst, SERVER));
    SK_CHECK(sk_ip4_eq(o.m.ciaddr, LEASED));
    reply(golden_dhcp_ack, sizeof golden_dhcp_ack, o.m.xid, LEASED, t1 + 1000);
    sk_dhcp_event evs[4];
    int n_ev = 0;
    pump(t1 + 1000, &o, evs, &n_ev);
    SK_CHECK_EQ_I(n_ev, 1);
    SK_CHECK_EQ_I(evs[0].kind, SK_DHCP_EV_BOUND);
    SK_CHECK(evs[0].lease.expires_at > exp);
    exp = evs[0].lease.expires_at;
    SK_CHECK(sk_ip4_eq(st->ifc.addr4, LEASED));

    /* no more answers: renewals and rebinds go unanswered until expiry */
    n_ev = 0;
    sk_time_us t = t1 + 2000;
    for (int i = 0; i < 200 && sk_lease_poll_at(&ls) < exp; i++) {
        pump(t, &o, evs, &n_ev);
        sk_time_us next = sk_lease_poll_at(&ls);
        t = next > t ? next : t + 1;
    }
    SK_CHECK_EQ_I(n_ev, 0);
    SK_CHECK_EQ(sk_lease_poll_at(&ls), exp);
    /* a connection opened just before the end */
    sk_sock c;
    sk_endpoint peer = ufx_ep(SERVER, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(st, exp - S, &peer, NULL, &c), 0);
    t = exp;
    pump(t, &o, evs, &n_ev);
    SK_CHECK_EQ_I(n_ev, 1);
    SK_CHECK_EQ_I(evs[0].kind, SK_DHCP_EV_LOST);
    SK_CHECK(sk_ip4_eq(evs[0].lost_addr, LEASED));
    SK_CHECK(sk_ip4_eq(st->ifc.addr4, sk_ip4_make(0, 0, 0, 0)));
    SK_CHECK(!has_default_route_via(SERVER));
    sk_tcp_info ti;
    SK_CHECK_EQ_I(sk_tcp_get_info(st, c, &ti), 0);
    SK_CHECK_EQ_I(ti.error, SK_ECONNABORTED);
    SK_CHECK(!delivered_to(LEASED, t));
    SK_CHECK(pump(t, &o, NULL, NULL) || pump(sk_lease_poll_at(&ls), &o, NULL, NULL));
    SK_CHECK_EQ_I(o.m.type, 1);
    SK_CHECK(sk_ip4_eq(o.f.ip.src, sk_ip4_make(0, 0, 0, 0)));
    teardown();
}

/* sk_stack_set_mtu: 576 up to the creation MTU; a UDP datagram queued
 * before the MTU fell below it is dropped and counted, not sent. */
static void test_set_mtu(void)
{
    setup();
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, LEASED, 24, SERVER), 0);
    SK_CHECK_EQ_I(sk_stack_set_mtu(st, 575), SK_EINVAL);
    SK_CHECK_EQ_I(sk_stack_set_mtu(st, 1501), SK_EINVAL);
    SK_CHECK_EQ(st->ctx.cfg.mtu, 1500);
    sk_sock u;
    SK_CHECK_EQ_I(sk_udp_open(st, &u), 0);
    static uint8_t big[1472];
    sk_endpoint to = ufx_ep(SERVER, 9);
    SK_CHECK_EQ_I(sk_udp_sendto(st, 0, u, big, sizeof big, &to), (ptrdiff_t)sizeof big);
    SK_CHECK_EQ_I(sk_stack_set_mtu(st, 576), 0);
    SK_CHECK_EQ_I(sk_udp_sendto(st, 0, u, big, 549, &to), SK_EMSGSIZE);
    SK_CHECK_EQ_I(sk_udp_sendto(st, 0, u, big, 548, &to), 548);
    uint8_t f[2048];
    size_t n, frames = 0, last = 0;
    while ((n = sk_stack_output(st, 0, f, sizeof f)) > 0 && frames < 10) {
        frames++;
        last = n;
    }
    SK_CHECK_EQ(frames, 1); /* only the datagram that fits */
    SK_CHECK_EQ(last, 576);
    SK_CHECK_EQ(sk_stack_stats(st)->drop[SK_DROP_UDP_OVER_MTU], 1);
    SK_CHECK_EQ_I(sk_stack_set_mtu(st, 1500), 0); /* back up to the creation MTU */
    sk_udp_close(st, u);
    teardown();
}

/* A server that ignores the broadcast flag unicasts OFFER and ACK to the
 * offered address (RFC 2131 §4.1): taken on port 68 while we have no
 * address; once we have one, port 68 at another address is not ours. */
static void test_unicast_offer_while_unconfigured(void)
{
    setup();
    sk_dhcp_event ev;
    bind_to(T0, &ev, LEASED);
    SK_CHECK(sk_ip4_eq(st->ifc.addr4, LEASED));
    uint64_t before = sk_stack_stats(st)->drop[SK_DROP_IP_NOT_FOR_US];
    uint8_t pkt[100];
    size_t n = ufx_pkt(pkt, sizeof pkt, SERVER, 67, sk_ip4_make(192, 0, 2, 147), 68, "x", 1);
    ufx_inject(st, T0 + 5000, pkt, n);
    SK_CHECK_EQ(sk_stack_stats(st)->drop[SK_DROP_IP_NOT_FOR_US], before + 1);
    teardown();
}

/* sk_stack_set_ipv4's refusals leave the configuration as it was. */
static void test_set_ipv4_refusals(void)
{
    setup();
    sk_ip4 z = sk_ip4_make(0, 0, 0, 0);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, LEASED, 33, z), SK_EINVAL);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, z, 0, SERVER), SK_EINVAL); /* gateway, no address */
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, LEASED, 24, sk_ip4_make(198, 51, 100, 1)), SK_EINVAL);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, LEASED, 24, LEASED), SK_EINVAL); /* gateway is us */
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, sk_ip4_make(192, 0, 2, 255), 24, z), SK_EINVAL);
    /* RFC 1122 §3.2.1.3: host number 0 is the network, not a host (fuzz_stack) */
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, sk_ip4_make(192, 0, 2, 0), 24, z), SK_EINVAL);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, sk_ip4_make(10, 1, 0, 0), 16, z), SK_EINVAL);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, LEASED, 24, sk_ip4_make(192, 0, 2, 0)), SK_EINVAL);
    SK_CHECK(sk_ip4_eq(st->ifc.addr4, z));
    /* RFC 3021: on a /31 both addresses are hosts */
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, sk_ip4_make(192, 0, 2, 0), 31, sk_ip4_make(192, 0, 2, 1)), 0);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, sk_ip4_make(10, 1, 1, 0), 23, z), 0);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, z, 0, z), 0);
    /* no IPv4 address: no TCP connection from 0.0.0.0 (RFC 1122
     * §3.2.1.3 (a); fuzz_stack found one that outlived the next address) */
    sk_sock c;
    sk_endpoint web = ufx_ep(SERVER, 80);
    SK_CHECK_EQ_I(sk_tcp_connect(st, 0, &web, NULL, &c), SK_EAFNOSUPPORT);
    SK_CHECK_EQ_I(sk_stack_set_ipv4(st, 0, LEASED, 24, SERVER), 0);
    SK_CHECK(sk_ip4_eq(st->ifc.addr4, LEASED));
    SK_CHECK_EQ_I(sk_tcp_connect(st, 0, &web, NULL, &c), 0);
    sk_tcp_abort(st, 0, c);
    /* port 68 is the glue's: a second client cannot bind it */
    sk_lease other;
    sk_dhcp_config dc;
    memset(&dc, 0, sizeof dc);
    dc.chaddr = (sk_mac){{2, 0, 0, 0, 0, 3}};
    SK_CHECK_EQ_I(sk_lease_start(&other, st, &dc, 0), SK_EADDRINUSE);
    teardown();
}

int main(void)
{
    SK_RUN(test_bind_applies_lease);
    SK_RUN(test_renew_then_expire);
    SK_RUN(test_unicast_offer_while_unconfigured);
    SK_RUN(test_set_mtu);
    SK_RUN(test_set_ipv4_refusals);
    return sk_test_finish();
}
