/* The stack: configuration, creation, and the sans-I/O loop: frames in
 * (IPv4 validation, TCP checksum and parse, demultiplexing), frames out
 * (timers, control segments, then connections round robin), deadlines. */
#include "api/stack_impl.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/error.h"
#include "wire/ipv4.h"
#include "wire/tcp_hdr.h"

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
    cfg->rto_initial_us = 1000000;
    cfg->rto_min_us = 1000000;
    cfg->rto_max_us = 60000000;
    cfg->max_retries = 12;
    cfg->syn_retries = 6;
    cfg->delack_us = 40000;
    cfg->time_wait_us = 60000000;
    cfg->challenge_ack_limit = 1000;
}

static int check_config(const sk_stack_config *cfg)
{
    if (cfg->alloc.allocate == NULL || cfg->alloc.release == NULL)
        return SK_EINVAL;
    if (cfg->mtu < 68 || cfg->max_sockets == 0 || cfg->max_sockets > (1u << 24))
        return SK_EINVAL;
    if (cfg->sndbuf < 1024 || cfg->rcvbuf < 1024 || cfg->prefix_len > 32)
        return SK_EINVAL;
    if (cfg->rto_min_us == 0 || cfg->rto_initial_us == 0 || cfg->rto_max_us < cfg->rto_min_us)
        return SK_EINVAL;
    if (cfg->link != SK_LINK_IP)
        return SK_ENOTSUP; /* Ethernet framing arrives with the interface layer */
    return 0;
}

int sk_stack_create(const sk_stack_config *cfg, sk_stack **out)
{
    if (cfg == NULL || out == NULL)
        return SK_EINVAL;
    int err = check_config(cfg);
    if (err != 0)
        return err;
    sk_stack *s = cfg->alloc.allocate(cfg->alloc.ctx, sizeof *s);
    if (s == NULL)
        return SK_ENOMEM;
    memset(s, 0, sizeof *s);
    err = sk_tcp_env_init(&s->env, cfg);
    if (err != 0) {
        cfg->alloc.release(cfg->alloc.ctx, s, sizeof *s);
        return err;
    }
    s->ip_id = (uint16_t)(cfg->seed >> 48);
    *out = s;
    return 0;
}

void sk_stack_destroy(sk_stack *s)
{
    if (s == NULL)
        return;
    sk_allocator a = s->env.cfg.alloc;
    sk_tcp_env_free(&s->env);
    a.release(a.ctx, s, sizeof *s);
}

const sk_stats *sk_stack_stats(const sk_stack *s)
{
    return &s->env.stats;
}

/* ---- input ---- */

static void count_drop(sk_stack *s, int reason, sk_time now)
{
    sk_tcp_count_drop(&s->env, reason, NULL, now);
}

static void input_tcp(sk_stack *s, sk_time now, const sk_ip4_repr *ip)
{
    sk_tcp_env *e = &s->env;
    if (!sk_tcp_checksum_ok4(ip->src, ip->dst, ip->payload, ip->payload_len)) {
        count_drop(s, SK_DROP_TCP_CHECKSUM, now);
        return;
    }
    sk_tcp_repr seg;
    int r = sk_tcp_parse(ip->payload, ip->payload_len, &seg);
    if (r != 0) {
        count_drop(s, r, now);
        return;
    }
    if (seg.src_port == 0 || seg.dst_port == 0) {
        count_drop(s, SK_DROP_TCP_BAD_PORT, now);
        return;
    }
    if (sk_ip4_is_broadcast(ip->src) || sk_ip4_is_multicast(ip->src)) {
        count_drop(s, SK_DROP_TCP_BAD_ADDR, now);
        return;
    }
    if (seg.opts.malformed)
        e->stats.opts_malformed++;
    e->stats.segs_in++;
    sk_tuple tu = {ip->dst, ip->src, seg.dst_port, seg.src_port};
    sk_tcb *t = sk_demux_lookup(e, &tu);
    if (t == NULL)
        t = sk_demux_listener(e, tu.laddr, tu.lport);
    sk_tcp_trace_seg(e, SK_TRACE_SEG_IN, t, &tu, false, &seg, now);
    if (t == NULL)
        sk_tcp_input_closed(e, &tu, &seg, now);
    else
        sk_tcp_input(e, t, &tu, &seg, now);
}

void sk_stack_input(sk_stack *s, sk_time_us now, const uint8_t *frame, size_t len)
{
    sk_tcp_env *e = &s->env;
    e->stats.frames_in++;
    sk_tcp_run_timers(e, now);
    sk_ip4_repr ip;
    int r = sk_ip4_parse(frame, len, &ip);
    if (r != 0) {
        count_drop(s, r, now);
        return;
    }
    if (!sk_ip4_eq(ip.dst, e->cfg.addr)) {
        count_drop(s, SK_DROP_IP_NOT_FOR_US, now);
        return;
    }
    if (ip.mf || ip.frag_off != 0) {
        count_drop(s, SK_DROP_IP_FRAGMENT, now);
        return;
    }
    if (ip.proto != SK_IPPROTO_TCP) {
        count_drop(s, SK_DROP_IP_UNKNOWN_PROTO, now);
        return;
    }
    input_tcp(s, now, &ip);
}

/* ---- output ---- */

/* IPv4 header + TCP header for `h`, payload copied from `payload_src`
 * (the send ring) when non-NULL. Returns the frame length or 0. */
static size_t build_frame(sk_stack *s, const sk_tuple *tu, sk_tcp_repr *h, const sk_ring *ring,
                          uint32_t data_off, uint8_t *buf, size_t cap)
{
    size_t thl = sk_tcp_hdr_len(h);
    size_t total = SK_IP4_HDR_LEN + thl + h->payload_len;
    if (total > cap || total > s->env.cfg.mtu)
        return 0;
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)total;
    ip.id = s->ip_id++;
    ip.df = true;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_TCP;
    ip.src = tu->laddr;
    ip.dst = tu->raddr;
    sk_ip4_emit(&ip, buf, cap);
    uint8_t *seg = buf + SK_IP4_HDR_LEN;
    size_t plen = h->payload_len;
    h->payload = NULL;
    h->payload_len = 0;
    sk_tcp_emit(h, seg, cap - SK_IP4_HDR_LEN);
    if (plen > 0)
        sk_ring_peek(ring, data_off, seg + thl, plen);
    h->payload_len = plen;
    h->payload = seg + thl;
    sk_tcp_fill_checksum4(tu->laddr, tu->raddr, seg, thl + plen);
    return total;
}

static size_t output_ctl(sk_stack *s, sk_time now, uint8_t *buf, size_t cap)
{
    sk_tcp_env *e = &s->env;
    sk_ctl_seg c = e->ctlq[e->ctlq_head];
    e->ctlq_head = (e->ctlq_head + 1) % SK_CTLQ_CAP;
    e->ctlq_len--;
    sk_tcp_repr h;
    memset(&h, 0, sizeof h);
    h.src_port = c.tuple.lport;
    h.dst_port = c.tuple.rport;
    h.seq = c.seq;
    h.ack = c.ack;
    h.flags = c.flags;
    size_t n = build_frame(s, &c.tuple, &h, NULL, 0, buf, cap);
    if (n > 0) {
        e->stats.segs_out++;
        e->stats.frames_out++;
        sk_tcp_trace_seg(e, SK_TRACE_SEG_OUT, NULL, &c.tuple, true, &h, now);
    }
    return n;
}

static size_t output_conn(sk_stack *s, sk_tcb *t, sk_time now, uint8_t *buf, size_t cap)
{
    sk_tcp_env *e = &s->env;
    sk_seg_out so;
    if (!sk_tcp_output(e, t, now, &so)) {
        sk_tcb_unmark_output(e, t);
        return 0;
    }
    /* round robin: the connection goes to the back of the list */
    sk_tcb_unmark_output(e, t);
    sk_tcb_mark_output(e, t);
    size_t n = build_frame(s, &t->tuple, &so.hdr, &t->sndbuf, so.data_off, buf, cap);
    SK_ASSERT(n > 0); /* segments never exceed the MTU (snd_mss <= mtu - 40) */
    if (n == 0) {
        sk_tcb_unmark_output(e, t); /* never spin; the retransmission timer recovers */
        return 0;
    }
    e->stats.segs_out++;
    e->stats.frames_out++;
    sk_tcp_trace_seg(e, so.retransmit ? SK_TRACE_RETRANSMIT : SK_TRACE_SEG_OUT, t, &t->tuple,
                     true, &so.hdr, now);
    return n;
}

size_t sk_stack_output(sk_stack *s, sk_time_us now, uint8_t *buf, size_t cap)
{
    sk_tcp_env *e = &s->env;
    if (buf == NULL || cap < e->cfg.mtu)
        return 0;
    sk_tcp_run_timers(e, now);
    while (e->ctlq_len > 0) {
        size_t n = output_ctl(s, now, buf, cap);
        if (n > 0)
            return n;
    }
    while (e->out_list.head != SK_TCB_NONE) {
        size_t n = output_conn(s, &e->tcbs[e->out_list.head], now, buf, cap);
        if (n > 0)
            return n;
    }
    return 0;
}

sk_time_us sk_stack_poll_at(const sk_stack *s)
{
    const sk_tcp_env *e = &s->env;
    if (e->ctlq_len > 0 || e->out_list.head != SK_TCB_NONE)
        return 0;
    return sk_tcp_next_deadline(e);
}
