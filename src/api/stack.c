/* The stack: configuration, creation, and the sans-I/O loop. Frames in go
 * to the interface layer (src/iface: link, ARP, IPv4, ICMP, demultiplexing
 * to TCP); frames out come, in this order, from the interface (ARP, packets
 * released by ARP, ICMP), TCP's stateless control segments, then the
 * connections round robin; TCP segments are framed by the interface. */
#include "api/stack_impl.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/error.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

#include <string.h>

void sk_stack_config_default(sk_stack_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->link = SK_LINK_IP;
    cfg->prefix_len = 24;
    cfg->mtu = 1500;
    cfg->max_sockets = 1024;
    cfg->sndbuf = 256 * 1024;
    cfg->rcvbuf = 256 * 1024;
    cfg->window_scaling = true;
    cfg->sack = true;
    cfg->rack_tlp = true;
    cfg->timestamps = true;
    cfg->pacing_ss_ratio = 200; /* Linux's tcp_pacing_ss_ratio */
    cfg->pacing_ca_ratio = 120; /* Linux's tcp_pacing_ca_ratio */
    cfg->congestion_control = "cubic";
    cfg->initial_window_segments = 10;
    cfg->rto_initial_us = 1000000;
    cfg->rto_min_us = 200000; /* RFC 8961 §4 with spurious-RTO undo; docs/rfc-coverage.md */
    cfg->rto_var_min_us = 200000; /* RTO >= SRTT + 200 ms, above the PTO; docs/rfc-coverage.md */
    cfg->rto_max_us = 60000000;
    cfg->max_retries = 12;
    cfg->syn_retries = 6;
    cfg->delack_us = 40000;
    cfg->sack_compress_nr = 44;   /* Linux's tcp_comp_sack_nr */
    cfg->sack_compress_us = 1000; /* Linux's tcp_comp_sack_delay_ns */
    cfg->push_ack = true;         /* Linux's ICSK_ACK_PUSHED */
    cfg->quick_acks = SK_QUICK_ACKS_MAX; /* Linux's TCP_MAX_QUICKACKS, 16 */
    cfg->time_wait_us = 60000000;
    cfg->challenge_ack_limit = 1000;
    cfg->arp_cache_size = 64;
    cfg->arp_queue_len = 16;
    cfg->arp_timeout_us = 60000000;
    cfg->arp_retry_us = 1000000;
    cfg->arp_tries = 3;
    cfg->ip_reass_max = 4;
    cfg->ip_reass_timeout_us = 30000000;
    cfg->icmp_queue_len = 8;
    cfg->ping_queue_len = 16;
    cfg->icmp_error_rate = 100;
    cfg->icmp_error_burst = 10;
    cfg->icmp_echo_broadcast = false;
    cfg->mld_reports = false;
    cfg->ip6_dad_transmits = 1;
    cfg->ip6_router_solicit = true;
    cfg->udp_max_sockets = 64;
    cfg->udp_rcvq_datagrams = 64;
    cfg->udp_rcvq_bytes = 256 * 1024;
    cfg->udp_sndq_datagrams = 64;
    cfg->udp_sndq_bytes = 256 * 1024;
    cfg->arp_held_per_entry = 3;
    cfg->arp_unresolved_max = 0;
    cfg->tcp_rst_rate = 200;
    cfg->tcp_rst_burst = 200;
    cfg->syn_cookies = SK_SYNCOOKIES_WHEN_FULL;
    cfg->syn_backlog = 256;
}

static int check_link(const sk_stack_config *cfg)
{
    if (cfg->link == SK_LINK_IP)
        return 0;
    if (cfg->link != SK_LINK_ETHERNET)
        return SK_ENOTSUP;
    if (sk_mac_is_multicast(cfg->mac))
        return SK_EINVAL;
    if (cfg->arp_cache_size == 0 || cfg->arp_tries == 0 || cfg->arp_retry_us == 0)
        return SK_EINVAL;
    return 0;
}

static bool ip4_is_zero(sk_ip4 a)
{
    return (a.b[0] | a.b[1] | a.b[2] | a.b[3]) == 0;
}

static uint8_t family_bits(uint8_t family)
{
    return family == SK_AF_INET4 ? 32 : family == SK_AF_INET6 ? 128 : 0;
}

/* RFC 1122 §3.2.1.3: no <Host-number> of 0 (the network itself, 4.2BSD's
 * broadcast) names a host; /31 and /32 have no host field to speak of
 * (RFC 3021: both addresses of a /31 are hosts). */
static bool ip4_host_part_zero(sk_ip4 a, uint8_t plen)
{
    uint32_t x = (uint32_t)a.b[0] << 24 | (uint32_t)a.b[1] << 16 | (uint32_t)a.b[2] << 8 | a.b[3];
    return plen < 31 && (x & (0xffffffffu >> plen)) == 0;
}

/* One host on its prefix: sk_ip4_is_host and a host part that is not 0. */
static bool ip4_names_host(sk_ip4 a, sk_ip4 net, uint8_t plen)
{
    return sk_ip4_is_host(a, net, plen) && !ip4_host_part_zero(a, plen);
}

/* Each address of a known family within its prefix bits; at most one IPv4
 * address, which must name one host (RFC 1122 §3.2.1.3; 0.0.0.0 is left
 * to the caller: not yet configured). Sets *v4 to it (NULL: none). */
static int check_addr_list(const sk_stack_config *cfg, const sk_ifaddr **v4)
{
    *v4 = NULL;
    if (cfg->n_addrs > SK_CFG_ADDRS || cfg->n_routes > SK_CFG_ROUTES)
        return SK_EINVAL;
    for (uint8_t i = 0; i < cfg->n_addrs; i++) {
        const sk_ifaddr *a = &cfg->addrs[i];
        uint8_t bits = family_bits(a->addr.family);
        if (bits == 0 || a->prefix_len > bits)
            return SK_EINVAL;
        if (a->addr.family != SK_AF_INET4)
            continue;
        sk_ip4 x = sk_addr_ip4(&a->addr);
        if (*v4 != NULL || (!ip4_is_zero(x) && !ip4_names_host(x, x, a->prefix_len)))
            return SK_EINVAL;
        *v4 = a;
    }
    return 0;
}

/* An IPv4 gateway must be another host on our link (RFC 1122 §3.3.1.1). */
static bool gateway4_ok(const sk_ifaddr *v4, sk_ip4 g)
{
    if (v4 == NULL)
        return false;
    sk_ip4 a = sk_addr_ip4(&v4->addr);
    uint8_t pl = v4->prefix_len;
    return sk_ip4_same_prefix(g, a, pl) && !sk_ip4_eq(g, a) && ip4_names_host(g, a, pl);
}

/* The resolved lists (sk_ctx_resolve_addrs): addresses as above, routes
 * of one family with a gateway on our link. */
static int check_addrs(const sk_stack_config *cfg)
{
    const sk_ifaddr *v4;
    if (check_addr_list(cfg, &v4) != 0)
        return SK_EINVAL;
    for (uint8_t i = 0; i < cfg->n_routes; i++) {
        const sk_route *r = &cfg->routes[i];
        uint8_t bits = family_bits(r->dst.family);
        if (bits == 0 || r->gateway.family != r->dst.family || r->prefix_len > bits)
            return SK_EINVAL;
        if (r->dst.family == SK_AF_INET4 && !gateway4_ok(v4, sk_addr_ip4(&r->gateway)))
            return SK_EINVAL;
    }
    return 0;
}

static int check_config(const sk_stack_config *cfg)
{
    if (cfg->alloc.allocate == NULL || cfg->alloc.release == NULL)
        return SK_EINVAL;
    if (cfg->syn_cookies > SK_SYNCOOKIES_ALWAYS)
        return SK_EINVAL;
    if (cfg->mtu < 68 || cfg->max_sockets == 0 || cfg->max_sockets > (1u << 24))
        return SK_EINVAL;
    if (cfg->sndbuf < 1024 || cfg->rcvbuf < 1024)
        return SK_EINVAL;
    if (cfg->sndbuf_max != 0 &&
        (cfg->sndbuf_max < cfg->sndbuf || cfg->sndbuf_max > SK_TCP_SNDBUF_AUTO_MAX))
        return SK_EINVAL;
    if (cfg->rcvbuf_max != 0 &&
        (cfg->rcvbuf_max < cfg->rcvbuf || cfg->rcvbuf_max > SK_TCP_SNDBUF_AUTO_MAX))
        return SK_EINVAL;
    if (cfg->rto_min_us == 0 || cfg->rto_initial_us == 0 || cfg->rto_max_us < cfg->rto_min_us ||
        cfg->rto_var_min_us > cfg->rto_max_us)
        return SK_EINVAL;
    if (cfg->initial_window_segments > SK_IW_SEGMENTS_MAX)
        return SK_EINVAL;
    if (cfg->pacing_ss_ratio > 1000 || cfg->pacing_ca_ratio > 1000)
        return SK_EINVAL;
    if (cfg->delack_us >= 500000 || cfg->sack_compress_us >= 500000) /* RFC 1122 §4.2.3.2: < 0.5 s */
        return SK_EINVAL;
    if (cfg->quick_acks > SK_QUICK_ACKS_MAX)
        return SK_EINVAL;
    if (cfg->ip_reass_max > 0 && cfg->ip_reass_timeout_us == 0)
        return SK_EINVAL;
    if (cfg->udp_max_sockets > (1u << 20) ||
        (cfg->udp_max_sockets > 0 &&
         (cfg->udp_rcvq_datagrams == 0 || cfg->udp_rcvq_bytes == 0 ||
          cfg->udp_sndq_datagrams == 0 || cfg->udp_sndq_bytes == 0)))
        return SK_EINVAL;
    if (check_addrs(cfg) != 0)
        return SK_EINVAL;
    if (cfg->port_partitions > 1 && cfg->port_partition >= cfg->port_partitions)
        return SK_EINVAL;
    if (cfg->port_partitions <= 1 && cfg->port_partition != 0)
        return SK_EINVAL;
    if (cfg->congestion_control != NULL && sk_cc_find(cfg->congestion_control) == NULL)
        return SK_ENOENT;
    int err = sk_dev_caps_check(cfg);
    return err != 0 ? err : check_link(cfg);
}

/* The configuration with its IPv4 address and IPv4 default route replaced
 * (removed for 0.0.0.0); other entries keep their order. */
static void replace_ipv4(sk_stack_config *c, sk_ip4 addr, uint8_t plen, sk_ip4 gw)
{
    uint8_t n = 0;
    for (uint8_t i = 0; i < c->n_addrs; i++)
        if (c->addrs[i].addr.family != SK_AF_INET4)
            c->addrs[n++] = c->addrs[i];
    c->n_addrs = n;
    if (!ip4_is_zero(addr) && n < SK_CFG_ADDRS) {
        c->addrs[n].addr = sk_addr4(addr);
        c->addrs[n].prefix_len = plen;
        c->n_addrs++;
    }
    n = 0;
    for (uint8_t i = 0; i < c->n_routes; i++)
        if (c->routes[i].dst.family != SK_AF_INET4 || c->routes[i].prefix_len != 0)
            c->routes[n++] = c->routes[i];
    c->n_routes = n;
    if (!ip4_is_zero(gw) && n < SK_CFG_ROUTES) {
        c->routes[n].dst = sk_addr4(sk_ip4_make(0, 0, 0, 0));
        c->routes[n].prefix_len = 0;
        c->routes[n].gateway = sk_addr4(gw);
        c->n_routes++;
    }
}

int sk_stack_set_mtu(sk_stack *s, uint16_t mtu)
{
    /* 576: every IPv4 host's (RFC 791), and at or above TCP's PMTU floor */
    if (s == NULL || mtu < 576 || mtu > s->ifc.mtu_alloc)
        return SK_EINVAL;
    bool lower = mtu < s->ctx.cfg.mtu;
    s->ctx.cfg.mtu = mtu;
    if (lower)
        sk_tcp_mtu_lowered(&s->env, 0, mtu);
    return 0;
}

int sk_stack_dns6_servers(const sk_stack *s, sk_time_us now, sk_ip6 *out, int max)
{
    if (s == NULL || out == NULL || max <= 0)
        return 0;
    return sk_ra6_dns(&s->ifc, now, out, max);
}

bool sk_stack_is_our_addr(const sk_stack *s, const sk_ipaddr *a)
{
    if (s == NULL || a == NULL)
        return false;
    if (a->family == SK_AF_INET4) {
        sk_ip4 x = sk_addr_ip4(a);
        return x.b[0] != 0 && sk_ip4_eq(x, s->ifc.addr4);
    }
    if (a->family == SK_AF_INET6) {
        sk_ip6 x;
        memcpy(x.b, a->b, 16);
        return sk_iface_is_ours6(&s->ifc, x);
    }
    return false;
}

int sk_stack_ip6_addrs(const sk_stack *s, sk_ifaddr *out, int max)
{
    int n = 0;
    for (uint8_t i = 0; s != NULL && out != NULL && i < s->ctx.cfg.n_addrs && n < max; i++)
        if (s->ctx.cfg.addrs[i].addr.family == SK_AF_INET6)
            out[n++] = s->ctx.cfg.addrs[i];
    return n;
}

int sk_stack_set_ipv4(sk_stack *s, sk_time_us now, sk_ip4 addr, uint8_t prefix_len, sk_ip4 gateway)
{
    if (s == NULL || prefix_len > 32 || (ip4_is_zero(addr) && !ip4_is_zero(gateway)))
        return SK_EINVAL;
    sk_stack_config c = s->ctx.cfg;
    replace_ipv4(&c, addr, prefix_len, gateway);
    bool fits = ip4_is_zero(addr) || c.n_addrs > 0;
    if (!fits || check_addrs(&c) != 0 || (!ip4_is_zero(gateway) && c.n_routes == 0))
        return SK_EINVAL;
    sk_ipaddr old = sk_addr4(s->ifc.addr4);
    s->ctx.cfg.n_addrs = c.n_addrs;
    memcpy(s->ctx.cfg.addrs, c.addrs, sizeof c.addrs);
    s->ctx.cfg.n_routes = c.n_routes;
    memcpy(s->ctx.cfg.routes, c.routes, sizeof c.routes);
    sk_iface_addrs_changed(&s->ifc);
    if (!ip4_is_zero(sk_addr_ip4(&old)) && !sk_ip4_eq(sk_addr_ip4(&old), addr))
        sk_tcp_local_addr_gone(&s->env, &old, SK_ECONNABORTED, now);
    return 0;
}

int sk_stack_create(const sk_stack_config *user_cfg, sk_stack **out)
{
    if (user_cfg == NULL || out == NULL)
        return SK_EINVAL;
    if (user_cfg->n_addrs == 0 && user_cfg->prefix_len > 32)
        return SK_EINVAL;
    sk_stack_config c = *user_cfg;
    const sk_stack_config *cfg = &c;
    int err = sk_ctx_resolve_addrs(&c);
    if (err == 0)
        err = check_config(cfg);
    if (err != 0)
        return err;
    sk_stack *s = cfg->alloc.allocate(cfg->alloc.ctx, sizeof *s);
    if (s == NULL)
        return SK_ENOMEM;
    memset(s, 0, sizeof *s);
    sk_ctx_init(&s->ctx, cfg);
    err = sk_tcp_env_init(&s->env, &s->ctx);
    if (err != 0) {
        cfg->alloc.release(cfg->alloc.ctx, s, sizeof *s);
        return err;
    }
    err = sk_iface_init(&s->ifc, &s->ctx, &s->env);
    if (err == 0) {
        err = sk_udp_init(&s->udp, &s->ctx);
        if (err != 0)
            sk_iface_free(&s->ifc);
    }
    if (err != 0) {
        sk_udp_free(&s->udp);
        sk_tcp_env_free(&s->env);
        cfg->alloc.release(cfg->alloc.ctx, s, sizeof *s);
        return err;
    }
    s->ifc.udp = &s->udp;
    *out = s;
    return 0;
}

void sk_stack_destroy(sk_stack *s)
{
    if (s == NULL)
        return;
    sk_allocator a = s->ctx.cfg.alloc;
    sk_udp_free(&s->udp);
    sk_iface_free(&s->ifc);
    sk_tcp_env_free(&s->env);
    a.release(a.ctx, s, sizeof *s);
}

size_t sk_stack_half_open_bytes(void)
{
    return sizeof(sk_ho_rec) + 2 * sizeof(uint32_t);
}

size_t sk_stack_time_wait_bytes(void)
{
    return sizeof(sk_tw_rec) + 2 * sizeof(uint32_t);
}

const sk_stats *sk_stack_stats(const sk_stack *s)
{
    return &s->ctx.stats;
}

/* ---- input ---- */

/* Caller misuse in the functions that return no error code (a NULL stack,
 * buffer or event) is ignored: never a crash or an assertion. */
void sk_stack_input_meta(sk_stack *s, sk_time_us now, const uint8_t *frame, size_t len,
                         const sk_frame_meta *meta)
{
    if (s == NULL || (frame == NULL && len > 0))
        return;
    s->ctx.stats.frames_in++;
    sk_tcp_run_timers(&s->env, now);
    static const sk_rx_meta none = {false, 0};
    if (meta == NULL) {
        sk_iface_input(&s->ifc, now, frame, len, &none);
        return;
    }
    sk_rx_meta rx = sk_rx_meta_of(s, meta);
    sk_iface_input(&s->ifc, now, frame, len, &rx);
}

void sk_stack_input(sk_stack *s, sk_time_us now, const uint8_t *frame, size_t len)
{
    sk_stack_input_meta(s, now, frame, len, NULL);
}

/* ---- output ---- */

/* Where sk_stack_output_gather wants a payload's views. */
typedef struct {
    sk_frame_span *spans;
    size_t *n_spans;
} out_gather;

/* One TCP segment framed: TCP writes it at the transport offset of the
 * tuple's family, the interface fills the checksum over the pseudo-header
 * and writes the IP header (DF on every segment: RFC 1191 path MTU
 * discovery). The checksum is left partial for the device when `meta`
 * asks for offload and the device takes it, for a frame that leaves at
 * once (a held one goes out later, complete); then *meta describes the
 * frame. A payload TCP left in the send buffer (o->deferred, `g` set) is
 * handed out as views when nothing here reads it (a partial checksum, a
 * frame that leaves at once), else copied in before the interface sums or
 * holds the frame. Returns the frame length, without the viewed payload
 * (an ARP or NS request when the segment was held for resolution), or 0
 * (no route, or over the MTU: both counted). The trace's payload view
 * stays valid: a resolution request overwrites only the bytes in front of
 * the segment's payload. */
static size_t output_tcp(sk_stack *s, sk_time now, sk_tcp_seg *o, uint8_t *buf, size_t cap,
                         sk_frame_meta *meta, const out_gather *g)
{
    size_t n = 0;
    if (o->len > 0) {
        const sk_tcp_repr *h = &o->out.hdr;
        bool gso = h->gso_size > 0;
        uint8_t fam = o->tuple->raddr.family;
        size_t off = sk_iface_l4_offset(&s->ifc, fam);
        size_t thl = sk_tcp_hdr_len(h), plen = h->payload_len;
        bool offload = meta != NULL && s->ctx.cfg.dev.tx_csum;
        bool direct = offload && (o->deferred || !gso) &&
                      sk_iface_tx_direct(&s->ifc, &o->tuple->raddr, now);
        bool partial = offload && (gso || direct);
        size_t n_spans = 0;
        if (o->deferred) {
            if (partial && direct && g != NULL)
                n_spans = sk_tcp_seg_spans(o, g->spans);
            else
                sk_tcp_seg_fill_payload(o, buf + off + thl);
        }
        sk_l4_out l4 = {o->tuple->laddr, o->tuple->raddr, SK_IPPROTO_TCP, true,
                        SK_TCP_SEG_CSUM_OFF, partial, gso};
        n = sk_iface_send_l4(&s->ifc, now, buf, cap, &l4, o->len);
        bool whole = n == off + o->len;
        if (meta != NULL && whole)
            sk_tcp_frame_meta(meta, fam, off, thl, partial, h->gso_size);
        /* a frame that leaves at once is this segment or nothing (no route) */
        SK_ASSERT(n_spans == 0 || whole || n == 0);
        if (n_spans > 0 && whole) {
            n -= plen;
            *g->n_spans = n_spans;
        }
    }
    sk_tcp_seg_sent(&s->env, now, o);
    return n;
}

/* sk_tcp_frame's question: how much payload may one super-segment to this
 * tuple carry (0: one segment). */
static uint32_t tso_room_of(void *arg, const sk_tuple *tu, size_t cap, sk_time now)
{
    return sk_tso_room((sk_stack *)arg, tu, cap, now);
}

/* Where TCP writes its segment: the transport offset and room of each
 * family in buf; with `offload`, the device's super-segment room. */
static sk_tcp_frame tcp_frame(sk_stack *s, uint8_t *buf, size_t cap, bool offload, bool gather)
{
    sk_tcp_frame f = {buf, cap,
                      {sk_iface_l4_offset(&s->ifc, SK_AF_INET4), sk_iface_l4_offset(&s->ifc, SK_AF_INET6)},
                      {sk_iface_l4_max(&s->ifc, SK_AF_INET4), sk_iface_l4_max(&s->ifc, SK_AF_INET6)},
                      {sk_iface_l4_gso_max(SK_AF_INET4), sk_iface_l4_gso_max(SK_AF_INET6)},
                      offload ? tso_room_of : NULL, s, gather};
    return f;
}

static size_t output_ctl(sk_stack *s, sk_time now, uint8_t *buf, size_t cap)
{
    sk_tcp_seg o;
    sk_tcp_frame f = tcp_frame(s, buf, cap, false, false);
    return sk_tcp_next_ctl(&s->env, now, &f, &o) ? output_tcp(s, now, &o, buf, cap, NULL, NULL) : 0;
}

static size_t output_conn(sk_stack *s, sk_time now, uint8_t *buf, size_t cap, sk_frame_meta *meta,
                          const out_gather *g)
{
    sk_tcp_seg o;
    sk_tcp_frame f = tcp_frame(s, buf, cap, meta != NULL, g != NULL);
    return sk_tcp_next_conn(&s->env, now, &f, &o) ? output_tcp(s, now, &o, buf, cap, meta, g) : 0;
}

/* One queued UDP datagram: the UDP header and payload at the transport
 * offset of its family; the interface fills the checksum over the
 * pseudo-header (RFC 768, always generated: RFC 1122 §4.1.3.4; a computed
 * zero goes out as 0xffff) and writes the IP header (DF: we never
 * fragment, RFC 8085 §3.2). Returns the frame length (an ARP request when
 * the datagram was held) or 0. */
static size_t output_udp(sk_stack *s, sk_time now, uint8_t *buf, size_t cap)
{
    sk_udp_out o;
    if (!sk_udp_next_out(&s->udp, &o))
        return 0;
    uint8_t fam = o.rec->peer.addr.family;
    size_t off = sk_iface_l4_offset(&s->ifc, fam);
    size_t ulen = SK_UDP_HDR_LEN + o.rec->len;
    if (ulen > sk_iface_l4_max(&s->ifc, fam)) { /* queued before sk_stack_set_mtu */
        sk_udp_out_done(&s->udp, &o);
        sk_ctx_drop(&s->ctx, SK_DROP_UDP_OVER_MTU, now);
        return 0;
    }
    /* sk_udp_sendto refused payloads over the MTU */
    SK_ASSERT(off + ulen <= cap);
    sk_udp_out_write(&o, buf + off, cap - off);
    sk_l4_out l4 = {o.rec->local.addr, o.rec->peer.addr, SK_IPPROTO_UDP, true, 6, false, false};
    sk_udp_out_done(&s->udp, &o);
    s->ctx.stats.udp_out++;
    return sk_iface_send_l4(&s->ifc, now, buf, cap, &l4, ulen);
}

/* The transports' turn: UDP datagrams and TCP connections alternate, so
 * that neither starves the other. */
static size_t output_transport(sk_stack *s, sk_time now, uint8_t *buf, size_t cap,
                               sk_frame_meta *meta, const out_gather *g)
{
    size_t n = 0;
    for (int round = 0; round < 2 && n == 0; round++) {
        if (s->udp_turn) {
            while (n == 0 && sk_udp_has_output(&s->udp))
                n = output_udp(s, now, buf, cap);
        } else {
            while (n == 0 && sk_tcp_conn_pending(&s->env))
                n = output_conn(s, now, buf, cap, meta, g);
        }
        s->udp_turn = !s->udp_turn;
    }
    return n;
}

/* meta NULL: no offload (sk_stack_output), every frame complete; g NULL:
 * every payload copied into buf. */
static size_t output_frame(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap,
                           sk_frame_meta *meta, const out_gather *g)
{
    sk_tcp_env *e = &s->env;
    sk_tcp_run_timers(e, now);
    sk_iface_run_timers(&s->ifc, now);
    size_t n = sk_iface_output(&s->ifc, now, buf, cap);
    while (n == 0 && sk_tcp_ctl_pending(e))
        n = output_ctl(s, now, buf, cap);
    if (n == 0)
        n = output_transport(s, now, buf, cap, meta, g);
    if (n > 0)
        e->ctx->stats.frames_out++;
    return n;
}

size_t sk_stack_output(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap)
{
    if (s == NULL || buf == NULL || cap < s->ctx.cfg.mtu + sk_iface_link_hdr(&s->ifc))
        return 0;
    return output_frame(s, now, buf, cap, NULL, NULL);
}

size_t sk_stack_output_meta(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap,
                            sk_frame_meta *meta)
{
    if (meta != NULL)
        memset(meta, 0, sizeof *meta);
    if (s == NULL || buf == NULL || meta == NULL ||
        cap < s->ctx.cfg.mtu + sk_iface_link_hdr(&s->ifc))
        return 0;
    return output_frame(s, now, buf, cap, meta, NULL);
}

size_t sk_stack_output_gather(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap,
                              sk_frame_meta *meta, sk_frame_span spans[SK_FRAME_SPANS_MAX],
                              size_t *n_spans)
{
    if (meta != NULL)
        memset(meta, 0, sizeof *meta);
    if (n_spans != NULL)
        *n_spans = 0;
    if (s == NULL || buf == NULL || meta == NULL || spans == NULL || n_spans == NULL ||
        cap < s->ctx.cfg.mtu + sk_iface_link_hdr(&s->ifc))
        return 0;
    out_gather g = {spans, n_spans};
    return output_frame(s, now, buf, cap, meta, &g);
}

sk_time_us sk_stack_poll_at(const sk_stack *s)
{
    if (s == NULL)
        return SK_NEVER;
    const sk_tcp_env *e = &s->env;
    if (sk_tcp_ctl_pending(e) || sk_tcp_conn_pending(e) || sk_udp_has_output(&s->udp))
        return 0;
    sk_time t = sk_iface_poll_at(&s->ifc);
    return t == 0 ? 0 : sk_time_min(t, sk_tcp_next_deadline(e));
}
