/* The socket calls: listen, accept, connect, send, recv, shutdown, close,
 * abort, options, readiness, events and connection info. Here the handles
 * and arguments are checked (misuse returns a negative SK_E* code); TCP's
 * rules are in tcp/ (tcp_user.c, tcp_listen.c), which these call in. */
#include "api/stack_impl.h"

#include "synack/error.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#include <string.h>

sk_tcb *sk_stack_tcb(const sk_stack *s, sk_sock h)
{
    if (h.idx == 0 || h.idx > s->env.n_tcbs)
        return NULL;
    sk_tcb *t = &s->env.tcbs[h.idx - 1];
    if (t->gen != h.gen || !(t->flags & SK_TF_APP_HELD))
        return NULL;
    return t;
}

/* The connection behind a handle for a data call, or the error that call
 * returns: a stale handle, a listener (not a connection: SK_ENOTCONN, as
 * POSIX send/recv/shutdown on a listening socket), or the connection's
 * pending error (reset, timeout ...), which every later call keeps
 * reporting. */
static int io_conn(const sk_stack *s, sk_sock sock, sk_tcb **out)
{
    sk_tcb *t = sk_stack_tcb(s, sock);
    if (t == NULL)
        return SK_EBADHANDLE;
    if (t->flags & SK_TF_LISTENER)
        return SK_ENOTCONN;
    if (t->error != 0)
        return t->error;
    *out = t;
    return 0;
}

static uint16_t announce_mss(const sk_stack *s, uint8_t family, uint16_t want)
{
    uint16_t mtu_mss = sk_tcp_mss_from_mtu(family, sk_iface_link_mtu(&s->ifc, family));
    return want != 0 && want < mtu_mss ? want : mtu_mss;
}

int sk_tcp_listen(sk_stack *s, uint16_t port, const sk_listen_opts *opts, sk_sock *out)
{
    sk_endpoint any = {.port = port};
    return sk_tcp_listen_on(s, &any, opts, out);
}

int sk_tcp_listen_on(sk_stack *s, const sk_endpoint *local, const sk_listen_opts *opts,
                     sk_sock *out)
{
    if (s == NULL || out == NULL || local == NULL || local->port == 0)
        return SK_EINVAL;
    bool bound = local->addr.family != SK_AF_UNSPEC;
    if (bound && !sk_stack_is_our_addr(s, &local->addr))
        return SK_EINVAL;
    uint16_t port = local->port;
    if (opts != NULL && (opts->backlog < 0 || opts->backlog > 65535))
        return SK_EINVAL;
    sk_tcp_env *e = &s->env;
    if (sk_demux_port_used(e, port))
        return SK_EADDRINUSE;
    uint16_t backlog = (uint16_t)(opts != NULL && opts->backlog > 0 ? opts->backlog : 128);
    uint16_t mss = announce_mss(s, SK_AF_INET4, opts != NULL ? opts->mss : 0);
    const uint32_t *isn = opts != NULL && opts->fixed_isn ? &opts->isn : NULL;
    sk_ipaddr laddr = bound ? local->addr : sk_addr4(s->ifc.addr4);
    sk_tcb *l = sk_listen_open(e, &laddr, port, backlog, mss, isn);
    if (l == NULL)
        return SK_ENOSPC;
    if (bound)
        l->flags |= SK_TF_BOUND_ADDR; /* sk_demux_listener matches laddr */
    *out = sk_tcb_handle(e, l);
    return 0;
}

int sk_tcp_accept(sk_stack *s, sk_sock listener, sk_sock *out, sk_endpoint *peer)
{
    if (s == NULL || out == NULL)
        return SK_EINVAL;
    sk_tcb *l = sk_stack_tcb(s, listener);
    if (l == NULL)
        return SK_EBADHANDLE;
    if (!(l->flags & SK_TF_LISTENER))
        return SK_EINVAL;
    sk_tcb *t = sk_listen_accept(&s->env, l);
    if (t == NULL)
        return SK_EAGAIN;
    *out = sk_tcb_handle(&s->env, t);
    if (peer != NULL) {
        peer->addr = sk_tcb_raddr(&s->env, t);
        peer->port = t->ends.rport;
    }
    sk_tcb_ext_settle(&s->env, t); /* out of the accept queue: idle gives it back */
    return 0;
}

/* IPv6 (RFC 4291): not ::, a group, loopback (we have no loopback path),
 * IPv4-mapped (RFC 4942 §2.1.4) or one of our own addresses. */
static bool remote6_ok(const sk_stack *s, const sk_ipaddr *a)
{
    sk_ip6 x;
    memcpy(x.b, a->b, 16);
    return !(sk_ip6_is_unspecified(x) || sk_ip6_is_multicast(x) || sk_ip6_is_loopback(x) ||
             sk_ip6_is_v4_mapped(x) || sk_iface_is_ours6(&s->ifc, x));
}

static bool remote_ok(const sk_stack *s, const sk_endpoint *r)
{
    if (r->port == 0)
        return false;
    if (r->addr.family == SK_AF_INET6)
        return remote6_ok(s, &r->addr);
    if (r->addr.family != SK_AF_INET4)
        return false;
    sk_ip4 a = {{r->addr.b[0], r->addr.b[1], r->addr.b[2], r->addr.b[3]}};
    return !(a.b[0] == 0 || sk_ip4_is_broadcast(a) || sk_ip4_is_multicast(a) ||
             sk_iface_is_bcast(&s->ifc, a) || sk_iface_is_local(&s->ifc, a));
}

int sk_tcp_connect(sk_stack *s, sk_time_us now, const sk_endpoint *remote,
                   const sk_connect_opts *opts, sk_sock *out)
{
    if (s == NULL || remote == NULL || out == NULL)
        return SK_EINVAL;
    if (!remote_ok(s, remote))
        return SK_EINVAL;
    sk_tcp_env *e = &s->env;
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.raddr.family = remote->addr.family;
    memcpy(tu.raddr.b, remote->addr.b, sk_addr_len(remote->addr.family));
    if (!sk_iface_src_for(&s->ifc, &tu.raddr, &tu.laddr))
        return SK_EAFNOSUPPORT;
    /* RFC 1122 §3.2.1.3 (a): 0.0.0.0 is a source only while the host
     * learns its address (DHCP, over UDP); no connection starts from it */
    if (tu.laddr.family == SK_AF_INET4 && sk_addr_ip4(&tu.laddr).b[0] == 0)
        return SK_EAFNOSUPPORT;
    sk_ip4 nexthop;
    if (tu.raddr.family == SK_AF_INET4 &&
        sk_iface_route(&s->ifc, sk_addr_ip4(&tu.raddr), &nexthop) != 0)
        return SK_EHOSTUNREACH; /* off-link and no gateway */
    tu.rport = remote->port;
    tu.lport = opts != NULL ? opts->local_port : 0;
    if (tu.lport == 0) {
        tu.lport = sk_demux_ephemeral(e, &tu);
        if (tu.lport == 0)
            return SK_EADDRINUSE;
    } else if (sk_demux_lookup(e, &tu) != NULL || sk_ho_find(e, &tu) != SK_HO_NONE) {
        return SK_EADDRINUSE;
    }
    const uint32_t *isn = opts != NULL && opts->fixed_isn ? &opts->isn : NULL;
    uint16_t mss = announce_mss(s, tu.laddr.family, opts != NULL ? opts->mss : 0);
    sk_tcb *t;
    int err = sk_tcp_user_connect(e, &tu, mss, isn, now, &t);
    if (err != 0)
        return err;
    *out = sk_tcb_handle(e, t);
    return 0;
}

ptrdiff_t sk_tcp_send(sk_stack *s, sk_time_us now, sk_sock sock, const void *data, size_t len)
{
    (void)now;
    if (s == NULL || (data == NULL && len > 0))
        return SK_EINVAL;
    sk_tcb *t;
    int err = io_conn(s, sock, &t);
    if (err != 0)
        return err;
    return sk_tcp_user_send(&s->env, t, data, len);
}

ptrdiff_t sk_tcp_send_space(sk_stack *s, sk_sock sock)
{
    if (s == NULL)
        return SK_EINVAL;
    sk_tcb *t;
    int err = io_conn(s, sock, &t);
    if (err != 0)
        return err;
    return sk_tcp_user_send_space(&s->env, t);
}

ptrdiff_t sk_tcp_send_fill(sk_stack *s, sk_time_us now, sk_sock sock, sk_tcp_fill_fn fill,
                           void *ctx)
{
    (void)now;
    if (s == NULL || fill == NULL)
        return SK_EINVAL;
    sk_tcb *t;
    int err = io_conn(s, sock, &t);
    if (err != 0)
        return err;
    return sk_tcp_user_send_fill(&s->env, t, fill, ctx);
}

ptrdiff_t sk_tcp_recv_view(sk_stack *s, sk_time_us now, sk_sock sock, sk_tcp_view_fn view,
                           void *ctx)
{
    (void)now;
    if (s == NULL || view == NULL)
        return SK_EINVAL;
    sk_tcb *t;
    int err = io_conn(s, sock, &t);
    if (err != 0)
        return err;
    return sk_tcp_user_recv_view(&s->env, t, view, ctx);
}

ptrdiff_t sk_tcp_recv(sk_stack *s, sk_time_us now, sk_sock sock, void *buf, size_t cap)
{
    (void)now;
    if (s == NULL || (buf == NULL && cap > 0))
        return SK_EINVAL;
    sk_tcb *t;
    int err = io_conn(s, sock, &t);
    if (err != 0)
        return err;
    return sk_tcp_user_recv(&s->env, t, buf, cap);
}

int sk_tcp_shutdown(sk_stack *s, sk_time_us now, sk_sock sock)
{
    if (s == NULL)
        return SK_EINVAL;
    sk_tcb *t;
    int err = io_conn(s, sock, &t);
    if (err != 0)
        return err;
    return sk_tcp_user_shutdown(&s->env, t, now);
}

int sk_tcp_close(sk_stack *s, sk_time_us now, sk_sock sock)
{
    if (s == NULL)
        return SK_EINVAL;
    sk_tcb *t = sk_stack_tcb(s, sock);
    if (t == NULL)
        return SK_EBADHANDLE;
    if (t->flags & SK_TF_LISTENER)
        sk_listen_close(&s->env, t, now);
    else
        sk_tcp_user_close(&s->env, t, now);
    return 0;
}

uint32_t sk_tcp_closing_count(const sk_stack *s)
{
    if (s == NULL)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->env.n_tcbs; i++) {
        const sk_tcb *t = &s->env.tcbs[i];
        if ((t->flags & (SK_TF_APP_HELD | SK_TF_LISTENER | SK_TF_FIN_QUEUED)) != SK_TF_FIN_QUEUED)
            continue;
        n += t->state == SK_TCP_FIN_WAIT_1 || t->state == SK_TCP_CLOSING ||
             t->state == SK_TCP_LAST_ACK || t->state == SK_TCP_SYN_RECEIVED;
    }
    return n;
}

int sk_tcp_abort(sk_stack *s, sk_time_us now, sk_sock sock)
{
    if (s == NULL)
        return SK_EINVAL;
    sk_tcb *t = sk_stack_tcb(s, sock);
    if (t == NULL)
        return SK_EBADHANDLE;
    if (t->flags & SK_TF_LISTENER)
        sk_listen_close(&s->env, t, now);
    else
        sk_tcp_user_abort(&s->env, t, now);
    return 0;
}

/* SK_SO_SNDBUF / SK_SO_RCVBUF (stack.h). A larger send limit may make
 * the socket writable, a larger receive limit may open the window: the
 * event, or a window update, follows as after a send or a read. */
static int set_buf_limit(sk_tcp_env *e, sk_tcb *t, bool rcv, uint64_t value)
{
    uint32_t stack = rcv ? e->ctx->cfg.rcvbuf : e->ctx->cfg.sndbuf;
    if (value < SK_TCP_BUF_MIN || value > stack)
        return SK_ERANGE;
    uint16_t kb = sk_tcb_buf_kb(stack, value);
    /* with buffer auto-tuning, a limit the application sets locks the
     * buffer at it (Linux's SOCK_SNDBUF_LOCK, SOCK_RCVBUF_LOCK), the
     * stack's size too: kept as its KiB, never as 0 (which lets it grow) */
    uint32_t auto_max = rcv ? e->ctx->cfg.rcvbuf_max : e->ctx->cfg.sndbuf_max;
    if (kb == 0 && auto_max > stack)
        kb = (uint16_t)((value + 1023u) / 1024u);
    if (kb != (rcv ? t->x->rcvbuf_kb : t->x->sndbuf_kb)) {
        /* the limits live in the extension (tcp_conn.h): an idle
         * connection takes one back to hold its own */
        if (!sk_tcb_ext_attach(e, t))
            return SK_ENOMEM;
        if (rcv)
            t->x->rcvbuf_kb = kb;
        else
            t->x->sndbuf_kb = kb;
    }
    if (t->flags & SK_TF_LISTENER)
        return 0; /* for the connections it creates: child_new */
    /* our SYN not built yet: it offers the scale of the new limit (RFC
     * 7323 §2.2); once sent, the scale stays and only the window moves */
    if (rcv && t->state == SK_TCP_SYN_SENT && sk_seq_eq(sk_tcb_snd_max(e, t), t->iss))
        t->rcv_wscale = sk_tcb_our_wscale(e, t) & 15u; /* at most 14 */
    if (rcv)
        sk_tcp_user_window_changed(e, t);
    else if (sk_tcb_readiness(e, t) & SK_EV_WRITABLE)
        sk_tcb_notify(e, t, SK_EV_WRITABLE);
    sk_tcb_ext_settle(e, t); /* back to the stack's limits: idle may give it back */
    return 0;
}

int sk_tcp_setopt(sk_stack *s, sk_sock sock, enum sk_sockopt opt, uint64_t value)
{
    if (s == NULL)
        return SK_EINVAL;
    sk_tcb *t = sk_stack_tcb(s, sock);
    if (t == NULL)
        return SK_EBADHANDLE;
    switch (opt) {
    case SK_SO_NODELAY:
        t->flags = value ? t->flags | SK_TF_NODELAY : t->flags & ~(uint32_t)SK_TF_NODELAY;
        if (value)
            sk_tcb_mark_output(&s->env, t);
        return 0;
    case SK_SO_KEEPALIVE:
        t->flags = value ? t->flags | SK_TF_KEEPALIVE : t->flags & ~(uint32_t)SK_TF_KEEPALIVE;
        sk_tcb_keep_changed(&s->env, t); /* idle since the last segment heard */
        return 0;
    case SK_SO_KEEPIDLE_US:
    case SK_SO_KEEPINTVL_US:
    case SK_SO_KEEPCNT: {
        if (value == 0 || value > (opt == SK_SO_KEEPCNT ? 255 : SK_SEC(86400) * 365))
            return SK_ERANGE;
        sk_keep_prof k = *sk_tcb_keep(&s->env, t);
        if (opt == SK_SO_KEEPIDLE_US)
            k.idle = value;
        else if (opt == SK_SO_KEEPINTVL_US)
            k.intvl = value;
        else
            k.cnt = (uint8_t)value;
        int r = sk_keep_prof_set(&s->env, t, k.idle, k.intvl, k.cnt);
        if (r != 0)
            return r;
        /* new settings apply to the timer already running */
        sk_tcb_keep_changed(&s->env, t);
        return 0;
    case SK_SO_SNDBUF:
    case SK_SO_RCVBUF:
        return set_buf_limit(&s->env, t, opt == SK_SO_RCVBUF, value);
    }
    default:
        return SK_EINVAL;
    }
}

uint32_t sk_sock_events(const sk_stack *s, sk_sock sock)
{
    if (s != NULL && sk_sock_is_udp(sock)) {
        const sk_udp_sock *k = sk_udp_sock_of(&s->udp, sock);
        return k == NULL ? 0 : sk_udp_readiness(&s->udp, k);
    }
    const sk_tcb *t = s != NULL ? sk_stack_tcb(s, sock) : NULL;
    return t == NULL ? 0 : sk_tcb_readiness(&s->env, t);
}

bool sk_stack_next_event(sk_stack *s, sk_event *ev)
{
    if (s == NULL || ev == NULL)
        return false; /* the event stays queued */
    sk_tcp_env *e = &s->env;
    uint32_t idx = sk_ilist_pop(e, &e->ev_list, offsetof(sk_tcb, ev_link));
    if (idx == SK_TCB_NONE)
        return sk_udp_next_event(&s->udp, ev); /* UDP sockets after TCP's */
    sk_tcb *t = &e->tcbs[idx];
    ev->sock = sk_tcb_handle(e, t);
    ev->events = t->ev_pending;
    t->ev_pending = 0;
    return true;
}

int sk_tcp_set_cc(sk_stack *s, sk_sock sock, const char *name)
{
    if (s == NULL || name == NULL)
        return SK_EINVAL;
    sk_tcb *t = sk_stack_tcb(s, sock);
    if (t == NULL)
        return SK_EBADHANDLE;
    const sk_cc_ops *ops = sk_cc_find(name);
    if (ops == NULL)
        return SK_ENOENT;
    if (t->flags & SK_TF_LISTENER) {
        sk_tcb_set_cc_ops(t, ops); /* for the connections it accepts: they start fresh */
        return 0;
    }
    if (ops != sk_tcb_cc(t)) {
        if (!sk_tcb_ext_attach(&s->env, t))
            return SK_ENOMEM;
        sk_cc_select(t, ops, 0);
        sk_tcb_ext_settle(&s->env, t);
    }
    return 0;
}

int sk_tcp_get_info(const sk_stack *s, sk_sock sock, sk_tcp_info *out)
{
    if (s == NULL || out == NULL)
        return SK_EINVAL;
    const sk_tcb *t = sk_stack_tcb(s, sock);
    if (t == NULL)
        return SK_EBADHANDLE;
    memset(out, 0, sizeof *out);
    out->state = t->state;
    sk_tuple tu = sk_tcb_tuple(&s->env, t);
    out->local = (sk_endpoint){tu.laddr, tu.lport};
    out->remote = (sk_endpoint){tu.raddr, tu.rport};
    out->iss = t->iss.v;
    out->irs = t->irs.v;
    out->snd_una = t->snd_una.v;
    out->snd_nxt = sk_tcb_snd_nxt(&s->env, t).v;
    out->snd_max = sk_tcb_snd_max(&s->env, t).v;
    out->snd_wnd = t->snd_wnd;
    out->rcv_nxt = t->rcv_nxt.v;
    out->rcv_wnd = sk_tcb_rcv_space(&s->env, t);
    out->snd_mss = t->snd_mss;
    out->snd_wscale = t->snd_wscale;
    out->rcv_wscale = t->rcv_wscale;
    out->srtt_us = t->srtt;
    out->rttvar_us = t->rttvar;
    out->rto_us = sk_tcb_rto(&s->env, t);
    out->cwnd = t->cwnd;
    out->ssthresh = t->ssthresh;
    out->cc = sk_tcb_cc(t)->name;
    out->min_rtt_us = t->min_rtt;
    out->unacked = sk_seq_len(t->snd_una, sk_tcb_snd_max(&s->env, t));
    out->sndbuf_used = sk_ring_len(&t->x->sndbuf);
    out->rcvbuf_used = sk_ring_len(&t->x->rcvbuf);
    out->sndbuf = sk_tcb_sndbuf(&s->env, t);
    out->rcvbuf = sk_tcb_rcvbuf(&s->env, t);
    out->retransmits = sk_tcb_retransmits(&s->env, t);
    out->error = t->error;
    out->soft_error = sk_tcb_soft_error(&s->env, t);
    return 0;
}
