/* The UDP socket calls (include/synack/udp.h): handle checks, address
 * checks against the interface, the pending error, then the UDP module.
 * Nothing here builds a frame: sends are queued for sk_stack_output. */
#include "api/stack_impl.h"

#include "synack/error.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#include <string.h>

static sk_ip4 ip4_of(const sk_ipaddr *a)
{
    sk_ip4 r = {{a->b[0], a->b[1], a->b[2], a->b[3]}};
    return r;
}

/* Our address of family `fam` (the interface's source address for it);
 * SK_EAFNOSUPPORT when we have none. */
static int our_addr(const sk_stack *s, uint8_t fam, sk_ipaddr *out)
{
    sk_ipaddr any;
    memset(&any, 0, sizeof any);
    any.family = fam;
    return sk_iface_src_for(&s->ifc, &any, out) ? 0 : SK_EAFNOSUPPORT;
}

/* The source for a datagram to `to` (RFC 6724 for IPv6: a link-local
 * destination gets our link-local address). */
static int src_for(const sk_stack *s, const sk_ipaddr *to, sk_ipaddr *out)
{
    return sk_iface_src_for(&s->ifc, to, out) ? 0 : SK_EAFNOSUPPORT;
}

/* IPv6 (RFC 4291): not ::, a group, ::1, IPv4-mapped or ours. */
static int check_remote6(const sk_stack *s, const sk_endpoint *r)
{
    sk_ip6 a;
    memcpy(a.b, r->addr.b, 16);
    if (r->port == 0 || sk_ip6_is_unspecified(a) || sk_ip6_is_multicast(a) ||
        sk_ip6_is_loopback(a) || sk_ip6_is_v4_mapped(a) || sk_iface_is_ours6(&s->ifc, a))
        return SK_EINVAL;
    sk_ipaddr src;
    return src_for(s, &r->addr, &src);
}

/* A remote end we can send to: one host of a family we have, reachable
 * (RFC 1122 §3.2.1.3: not 0/8, broadcast, multicast, class E, 127/8; not
 * ourselves, there is no loopback). With `bcast` (SO_BROADCAST) the limited
 * broadcast and our subnet's directed broadcast are allowed too (RFC 1122
 * §3.3.6; a DHCP client's DISCOVER, RFC 2131 §4.1). */
static int check_remote(const sk_stack *s, const sk_endpoint *r, bool bcast)
{
    if (r->addr.family == SK_AF_INET6)
        return check_remote6(s, r);
    if (r->addr.family != SK_AF_INET4 || r->port == 0)
        return SK_EINVAL;
    sk_ip4 a = ip4_of(&r->addr);
    if (bcast && sk_iface_is_bcast(&s->ifc, a))
        return 0; /* framed to the Ethernet broadcast, no route needed */
    if (a.b[0] == 0 || sk_ip4_is_broadcast(a) || sk_ip4_is_multicast(a) || a.b[0] >= 240 ||
        sk_iface_is_bcast(&s->ifc, a) || sk_iface_is_local(&s->ifc, a))
        return SK_EINVAL;
    sk_ip4 nexthop;
    return sk_iface_route(&s->ifc, a, &nexthop) == 0 ? 0 : SK_EHOSTUNREACH;
}

static int sock_of(sk_stack *s, sk_sock h, sk_udp_sock **out)
{
    if (s == NULL)
        return SK_EINVAL;
    *out = sk_udp_sock_of(&s->udp, h);
    return *out == NULL ? SK_EBADHANDLE : 0;
}

/* The pending error, reported once (as Linux's sock_error). */
static int take_error(sk_udp_sock *k)
{
    int err = k->error;
    k->error = 0;
    return err;
}

int sk_udp_open(sk_stack *s, sk_sock *out)
{
    if (s == NULL || out == NULL)
        return SK_EINVAL;
    sk_udp_sock *k = sk_udp_alloc(&s->udp);
    if (k == NULL)
        return SK_ENOSPC;
    *out = sk_udp_handle(&s->udp, k);
    sk_udp_notify(&s->udp, k); /* writable from the start */
    return 0;
}

int sk_udp_set_broadcast(sk_stack *s, sk_sock sock, bool on)
{
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    k->broadcast = on;
    return 0;
}

int sk_udp_set_reuseaddr(sk_stack *s, sk_sock sock, bool on)
{
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    if (k->bound)
        return SK_EINVAL;
    k->reuse = on;
    return 0;
}

int sk_udp_bind(sk_stack *s, sk_sock sock, const sk_endpoint *local)
{
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    if (local == NULL)
        return SK_EINVAL;
    if (local->addr.family == SK_AF_INET6) {
        sk_ip6 a;
        memcpy(a.b, local->addr.b, 16);
        if (!sk_iface_is_ours6(&s->ifc, a))
            return SK_EINVAL; /* not an address of ours */
    } else if (local->addr.family != SK_AF_UNSPEC) {
        sk_ipaddr ours;
        err = our_addr(s, local->addr.family, &ours);
        if (err != 0)
            return err;
        if (!sk_ipaddr_eq(&ours, &local->addr))
            return SK_EINVAL; /* not an address of ours */
    }
    return sk_udp_bind_local(&s->udp, k, local);
}

int sk_udp_connect(sk_stack *s, sk_sock sock, const sk_endpoint *remote)
{
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    if (remote == NULL)
        return SK_EINVAL;
    if (remote->addr.family != SK_AF_UNSPEC) {
        err = check_remote(s, remote, k->broadcast);
        if (err != 0)
            return err;
        if (k->bound && k->local.addr.family != SK_AF_UNSPEC &&
            k->local.addr.family != remote->addr.family)
            return SK_EINVAL;
    }
    return sk_udp_set_remote(&s->udp, k, remote);
}

/* The largest payload one datagram to `to` carries: the link MTU's, or
 * less when the path MTU cache knows less (RFC 8085 §3.2: we never
 * fragment, so a larger send is SK_EMSGSIZE, as Linux's IP_PMTUDISC_DO). */
static size_t max_payload_to(sk_stack *s, const sk_endpoint *to, sk_time now)
{
    size_t link = sk_udp_max_payload(&s->udp, to->addr.family);
    size_t hdr = sk_iface_ip_hdr_len(to->addr.family) + SK_UDP_HDR_LEN;
    size_t path = sk_iface_path_mtu(&s->ifc, &to->addr, now);
    return path > hdr && path - hdr < link ? path - hdr : link;
}

ptrdiff_t sk_udp_sendto(sk_stack *s, sk_time_us now, sk_sock sock, const void *data, size_t len,
                        const sk_endpoint *to)
{
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    if (data == NULL && len > 0)
        return SK_EINVAL;
    if (k->error != 0)
        return take_error(k);
    if (to == NULL) {
        if (!k->connected)
            return SK_ENOTCONN;
        to = &k->remote;
    } else if ((err = check_remote(s, to, k->broadcast)) != 0) {
        return err;
    }
    if (len > max_payload_to(s, to, now))
        return SK_EMSGSIZE;
    sk_ipaddr src;
    if ((err = src_for(s, &to->addr, &src)) != 0)
        return err;
    if (!k->bound) {
        sk_endpoint any;
        memset(&any, 0, sizeof any);
        if ((err = sk_udp_bind_local(&s->udp, k, &any)) != 0)
            return err;
    }
    err = sk_udp_queue_send(&s->udp, k, &src, to, data, len);
    return err != 0 ? err : (ptrdiff_t)len;
}

ptrdiff_t sk_udp_send(sk_stack *s, sk_time_us now, sk_sock sock, const void *data, size_t len)
{
    return sk_udp_sendto(s, now, sock, data, len, NULL);
}

ptrdiff_t sk_udp_recvfrom(sk_stack *s, sk_time_us now, sk_sock sock, void *buf, size_t cap,
                          sk_udp_meta *meta)
{
    (void)now;
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    if (buf == NULL && cap > 0)
        return SK_EINVAL;
    if (k->error != 0)
        return take_error(k);
    return sk_udp_take(&s->udp, k, buf, cap, meta);
}

ptrdiff_t sk_udp_recv(sk_stack *s, sk_time_us now, sk_sock sock, void *buf, size_t cap)
{
    return sk_udp_recvfrom(s, now, sock, buf, cap, NULL);
}

int sk_udp_close(sk_stack *s, sk_sock sock)
{
    sk_udp_sock *k;
    int err = sock_of(s, sock, &k);
    if (err != 0)
        return err;
    sk_udp_release(&s->udp, k);
    return 0;
}

int sk_udp_get_info(const sk_stack *s, sk_sock sock, sk_udp_info *out)
{
    if (s == NULL || out == NULL)
        return SK_EINVAL;
    const sk_udp_sock *k = sk_udp_sock_of(&s->udp, sock);
    if (k == NULL)
        return SK_EBADHANDLE;
    memset(out, 0, sizeof *out);
    out->local = k->local;
    if (k->connected)
        out->remote = k->remote;
    out->rcvq_datagrams = k->rxq.n;
    out->sndq_datagrams = k->txq.n;
    out->rcvq_bytes = sk_udpq_bytes(&k->rxq);
    out->sndq_bytes = sk_udpq_bytes(&k->txq);
    out->overflows = k->overflows;
    uint8_t fam = k->connected ? k->remote.addr.family : SK_AF_INET4;
    out->max_payload = sk_udp_max_payload(&s->udp, fam);
    out->error = k->error;
    return 0;
}
