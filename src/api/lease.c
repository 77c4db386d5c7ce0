/* The DHCPv4 client over the stack's UDP socket (include/synack/lease.h).
 * Only the public API is used here. */
#include "synack/lease.h"

#include "synack/error.h"
#include "synack/udp.h"

#include <string.h>

#define LEASE_BUF 1024 /* DHCP replies are at most 576 bytes unless asked */

int sk_lease_start(sk_lease *l, sk_stack *s, const sk_dhcp_config *cfg, sk_time_us now)
{
    memset(l, 0, sizeof *l);
    int err = sk_dhcp_init(&l->dhcp, cfg);
    if (err != 0)
        return err;
    if ((err = sk_udp_open(s, &l->sock)) != 0)
        return err;
    sk_endpoint local;
    memset(&local, 0, sizeof local);
    local.port = 68;
    if ((err = sk_udp_set_broadcast(s, l->sock, true)) != 0 ||
        (err = sk_udp_bind(s, l->sock, &local)) != 0) {
        sk_udp_close(s, l->sock);
        return err;
    }
    l->open = true;
    return sk_dhcp_start(&l->dhcp, now);
}

/* RFC 2132 §3.3: without a subnet mask option, the address's class. */
static uint8_t prefix_of(const sk_dhcp_lease *ls)
{
    if (ls->prefix_len > 0)
        return ls->prefix_len;
    uint8_t a = ls->addr.b[0];
    return a < 128 ? 8 : a < 192 ? 16 : 24;
}

static bool router_on_link(const sk_dhcp_lease *ls, uint8_t plen)
{
    uint32_t m = plen == 0 ? 0 : 0xffffffffu << (32 - plen);
    uint32_t a = (uint32_t)ls->addr.b[0] << 24 | (uint32_t)ls->addr.b[1] << 16 |
                 (uint32_t)ls->addr.b[2] << 8 | ls->addr.b[3];
    uint32_t r = (uint32_t)ls->router.b[0] << 24 | (uint32_t)ls->router.b[1] << 16 |
                 (uint32_t)ls->router.b[2] << 8 | ls->router.b[3];
    return r != 0 && r != a && (a & m) == (r & m);
}

static void apply(sk_lease *l, sk_stack *s, sk_time_us now, const sk_dhcp_event *ev)
{
    sk_ip4 none = sk_ip4_make(0, 0, 0, 0);
    if (ev->kind == SK_DHCP_EV_LOST) {
        l->apply_error = sk_stack_set_ipv4(s, now, none, 0, none);
        return;
    }
    uint8_t plen = prefix_of(&ev->lease);
    sk_ip4 gw = router_on_link(&ev->lease, plen) ? ev->lease.router : none;
    l->apply_error = sk_stack_set_ipv4(s, now, ev->lease.addr, plen, gw);
    if (l->apply_error != 0) { /* RFC 2131 §3.1 step 5: we cannot use it */
        sk_dhcp_conflict(&l->dhcp, now);
        return;
    }
    /* RFC 2132 §5.1: the interface MTU; one the stack cannot take (over its
     * creation MTU, under 576) is left out and the MTU stays */
    if (ev->lease.mtu != 0)
        l->mtu_error = sk_stack_set_mtu(s, ev->lease.mtu);
}

static void lease_input(sk_lease *l, sk_stack *s, sk_time_us now)
{
    uint8_t buf[LEASE_BUF];
    for (int n = 0; n < 64; n++) {
        sk_udp_meta m;
        ptrdiff_t got = sk_udp_recvfrom(s, now, l->sock, buf, sizeof buf, &m);
        if (got == SK_EAGAIN)
            return;
        if (got >= 0 && m.from.port == 67) /* from a server (RFC 2131 §4.1) */
            sk_dhcp_input(&l->dhcp, now, buf, (size_t)got);
    }
}

static void lease_output(sk_lease *l, sk_stack *s, sk_time_us now)
{
    sk_dhcp_datagram d;
    while (sk_dhcp_next_datagram(&l->dhcp, now, &d)) {
        sk_endpoint to;
        memset(&to, 0, sizeof to);
        to.addr = sk_ipaddr_from_ip4(d.dst);
        to.port = d.dst_port;
        if (sk_udp_sendto(s, now, l->sock, d.data, d.len, &to) < 0)
            l->send_errors++; /* the client's timer sends it again */
    }
}

bool sk_lease_step(sk_lease *l, sk_stack *s, sk_time_us now, sk_dhcp_event *ev)
{
    if (!l->open)
        return false;
    lease_input(l, s, now);
    if (sk_dhcp_poll_at(&l->dhcp) <= now)
        sk_dhcp_run_timers(&l->dhcp, now);
    bool got = sk_dhcp_next_event(&l->dhcp, ev);
    if (got)
        apply(l, s, now, ev);
    lease_output(l, s, now); /* a DECLINE from apply goes at once */
    return got;
}

sk_time_us sk_lease_poll_at(const sk_lease *l)
{
    uint64_t t = sk_dhcp_poll_at(&l->dhcp);
    return t == UINT64_MAX ? SK_NEVER : t;
}

void sk_lease_close(sk_lease *l, sk_stack *s, sk_time_us now)
{
    if (!l->open)
        return;
    sk_dhcp_stop(&l->dhcp, now);
    sk_udp_close(s, l->sock);
    l->open = false;
}
