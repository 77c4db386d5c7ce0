/* sk_bsd socket life: socket, bind, listen, accept, connect, shutdown,
 * close and the address calls, with Linux's errno for each misuse. */
#include "bsd_priv.h"

#include "synack/error.h"
#include "synack/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>

/* sockaddr -> endpoint: AF_INET, or AF_INET6 (IPv4-mapped addresses,
 * ::ffff:a.b.c.d, become IPv4 as on a dual-stack Linux socket). */
int sk_bsd_endpoint_from(const sk_bsd_fd *e, const struct sockaddr *sa, socklen_t len,
                         sk_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    if (sa == NULL)
        return EFAULT;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        ep->addr.family = SK_AF_INET4;
        memcpy(ep->addr.b, &in->sin_addr, 4);
        ep->port = ntohs(in->sin_port);
        return e->domain == AF_INET ? 0 : EAFNOSUPPORT;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (e->domain != AF_INET6)
            return EAFNOSUPPORT;
        ep->port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            ep->addr.family = SK_AF_INET4;
            memcpy(ep->addr.b, in6->sin6_addr.s6_addr + 12, 4);
        } else {
            ep->addr.family = SK_AF_INET6;
            memcpy(ep->addr.b, in6->sin6_addr.s6_addr, 16);
        }
        return 0;
    }
    return sa->sa_family == AF_INET || sa->sa_family == AF_INET6 ? EINVAL : EAFNOSUPPORT;
}

/* endpoint -> sockaddr of e's family, truncated to *len as the kernel does. */
void sk_bsd_endpoint_to(const sk_bsd_fd *e, const sk_endpoint *ep, struct sockaddr *sa,
                        socklen_t *len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t n;
    if (e->domain == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(ep->port);
        if (ep->addr.family == SK_AF_INET4)
            memcpy(&in->sin_addr, ep->addr.b, 4);
        n = sizeof *in;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(ep->port);
        if (ep->addr.family == SK_AF_INET4) {
            in6->sin6_addr.s6_addr[10] = 0xff;
            in6->sin6_addr.s6_addr[11] = 0xff;
            memcpy(in6->sin6_addr.s6_addr + 12, ep->addr.b, 4);
        } else if (ep->addr.family == SK_AF_INET6) {
            memcpy(in6->sin6_addr.s6_addr, ep->addr.b, 16);
        }
        n = sizeof *in6;
    }
    if (sa != NULL && len != NULL)
        memcpy(sa, &ss, *len < n ? *len : n);
    if (len != NULL)
        *len = n;
}

int sk_bsd_socket(sk_bsd_stack *b, int domain, int type, int protocol)
{
    if (domain != AF_INET && domain != AF_INET6)
        return sk_bsd_fail(EAFNOSUPPORT);
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
        return sk_bsd_fail(ESOCKTNOSUPPORT);
    if (protocol != 0 && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
        return sk_bsd_fail(EPROTONOSUPPORT);
    if (sk_bsd_refuse_child())
        return sk_bsd_fail(EAFNOSUPPORT);
    pthread_mutex_lock(&sk_bsd_mu);
    sk_bsd_fd *e = sk_bsd_fd_new(b, domain, (type & SOCK_NONBLOCK) != 0, (type & SOCK_CLOEXEC) != 0);
    int err = e == NULL ? errno : kind == SOCK_DGRAM ? sk_bsd_udp_open(e) : 0;
    if (e != NULL && err != 0) {
        sk_bsd_fd_free(e);
        e = NULL;
    }
    int fd = e != NULL ? e->fd : -1;
    if (e != NULL)
        sk_bsd_refresh(e);
    else
        errno = err;
    sk_bsd_leave();
    return fd;
}

static bool port_taken(const sk_bsd_fd *self, uint16_t port)
{
    for (int fd = 0; fd < SK_BSD_MAX_FDS; fd++) {
        const sk_bsd_fd *o = sk_bsd_lookup(fd);
        if (o != NULL && o != self && o->b == self->b && o->port == port &&
            o->st != SK_BSD_CONNECTED && o->st != SK_BSD_FAILED)
            return true;
    }
    return false;
}

int sk_bsd_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    sk_endpoint ep;
    int err = sk_bsd_endpoint_from(e, addr, len, &ep);
    if (err == 0 && (e->st != SK_BSD_NEW || e->port != 0))
        err = EINVAL; /* already bound */
    if (err == 0 && e->udp) {
        err = sk_bsd_udp_bind(e, &ep);
        e->port = err == 0 ? ep.port : 0;
        sk_bsd_leave();
        return err ? sk_bsd_fail(err) : 0;
    }
    bool any = true;
    for (int i = 0; i < 16; i++)
        any = any && ep.addr.b[i] == 0;
    if (any)
        ep.addr.family = SK_AF_UNSPEC; /* INADDR_ANY, in6addr_any: every address */
    else if (!sk_stack_is_our_addr(e->b->stack, &ep.addr))
        err = EADDRNOTAVAIL; /* as Linux, for an address the host does not have */
    if (err == 0 && ep.port != 0 && port_taken(e, ep.port))
        err = EADDRINUSE;
    if (err == 0) {
        e->port = ep.port;
        e->bound_addr = ep.addr; /* listen() takes segments to it only */
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}

static uint16_t pick_port(sk_bsd_fd *e)
{
    for (int i = 0; i < 10000; i++) {
        uint16_t p = e->b->next_port++;
        if (e->b->next_port >= 49152)
            e->b->next_port = 40000;
        if (!port_taken(e, p))
            return p;
    }
    return 0;
}

int sk_bsd_listen(int fd, int backlog)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    int err = 0;
    if (e->udp) {
        err = EOPNOTSUPP;
    } else if (e->st == SK_BSD_LISTENING) {
        e->backlog = backlog; /* Linux changes the backlog; ours is fixed */
    } else if (e->st != SK_BSD_NEW) {
        err = EINVAL;
    } else {
        if (e->port == 0)
            e->port = pick_port(e);
        sk_listen_opts o = {.backlog = backlog > 0 ? backlog : 1, .mss = e->maxseg};
        if (o.backlog > 4096)
            o.backlog = 4096;
        sk_sock s;
        sk_endpoint local = {e->bound_addr, e->port};
        int r = e->port == 0 ? SK_EADDRINUSE : sk_tcp_listen_on(e->b->stack, &local, &o, &s);
        if (r != 0) {
            err = sk_bsd_errno(r);
        } else {
            sk_bsd_attach(e, s);
            sk_bsd_apply_bufs(e); /* before any SYN: its children inherit them */
            e->st = SK_BSD_LISTENING;
            e->backlog = backlog;
            sk_bsd_refresh(e);
        }
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}

static void apply_opts(sk_bsd_fd *e)
{
    if (e->nodelay)
        (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_NODELAY, 1);
    if (e->keepalive)
        (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_KEEPALIVE, 1);
}

/* One accepted connection as a new descriptor; -1 with errno. */
static int take_conn(sk_bsd_fd *l, sk_sock s, const sk_endpoint *peer, struct sockaddr *addr,
                     socklen_t *len, int flags)
{
    sk_bsd_fd *n = sk_bsd_fd_new(l->b, l->domain, (flags & SOCK_NONBLOCK) != 0,
                                 (flags & SOCK_CLOEXEC) != 0);
    if (n == NULL) {
        sk_tcp_abort(l->b->stack, sk_bsd_now(), s);
        return -1;
    }
    sk_bsd_attach(n, s);
    n->st = SK_BSD_CONNECTED;
    n->nodelay = l->nodelay; /* inherited, as Linux does */
    n->keepalive = l->keepalive;
    n->rcvbuf = l->rcvbuf; /* the stack copied the limits and the algorithm (child_new) */
    n->sndbuf = l->sndbuf;
    memcpy(n->cc, l->cc, sizeof n->cc);
    apply_opts(n);
    sk_bsd_refresh(n);
    sk_bsd_endpoint_to(n, peer, addr, len);
    return n->fd;
}

int sk_bsd_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return sk_bsd_fail(EINVAL);
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    int ret = -1;
    sk_time_us dl = sk_bsd_deadline(e->rcvtimeo_us);
    for (;;) {
        if (e->st != SK_BSD_LISTENING) {
            errno = e->udp ? EOPNOTSUPP : EINVAL;
            break;
        }
        sk_sock s;
        sk_endpoint peer;
        int r = sk_tcp_accept(e->b->stack, e->sock, &s, &peer);
        if (r == 0) {
            ret = take_conn(e, s, &peer, addr, len, flags);
            sk_bsd_refresh(e);
            break;
        }
        if (r != SK_EAGAIN || e->nonblock) {
            sk_bsd_refresh(e);
            errno = sk_bsd_errno(r);
            break;
        }
        if (!sk_bsd_wait_until(e, dl)) { /* SO_RCVTIMEO over: EAGAIN, as Linux */
            errno = EAGAIN;
            break;
        }
        if (sk_bsd_lookup(fd) != e) { /* closed by another thread meanwhile */
            sk_bsd_leave();
            return sk_bsd_fail(EBADF);
        }
    }
    sk_bsd_kick(e->b);
    sk_bsd_leave();
    return ret;
}

/* Wait for a blocking connect to finish: 0 or an errno. */
static int connect_wait(sk_bsd_fd *e, int fd)
{
    sk_time_us dl = sk_bsd_deadline(e->sndtimeo_us);
    while (e->st == SK_BSD_CONNECTING) {
        if (!sk_bsd_wait_until(e, dl))
            return EINPROGRESS; /* SO_SNDTIMEO over: Linux's answer; it goes on */
        if (sk_bsd_lookup(fd) != e)
            return EBADF;
        sk_bsd_refresh(e);
    }
    if (e->st == SK_BSD_FAILED) {
        int err = e->so_error;
        e->so_error = 0;
        return err;
    }
    return 0;
}

static int connect_start(sk_bsd_fd *e, const sk_endpoint *ep)
{
    if (e->st == SK_BSD_CONNECTING)
        return EALREADY;
    if (e->st == SK_BSD_CONNECTED || e->st == SK_BSD_LISTENING)
        return EISCONN;
    if (e->st == SK_BSD_FAILED && e->has_sock) { /* try again, as Linux allows */
        sk_tcp_abort(e->b->stack, sk_bsd_now(), e->sock);
        sk_bsd_detach(e);
    }
    sk_connect_opts o = {.local_port = e->port, .mss = e->maxseg};
    sk_sock s;
    int r = sk_tcp_connect(e->b->stack, sk_bsd_now(), ep, &o, &s);
    if (r == SK_EINVAL)
        return ep->port == 0 ? ECONNREFUSED : ENETUNREACH;
    if (r != 0)
        return r == SK_ENOSPC ? EAGAIN : sk_bsd_errno(r);
    sk_bsd_attach(e, s);
    apply_opts(e);
    sk_bsd_apply_bufs(e); /* before the SYN is built: its window scale */
    e->so_error = 0;
    e->st = SK_BSD_CONNECTING;
    sk_bsd_refresh(e);
    return 0;
}

int sk_bsd_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    sk_endpoint ep;
    int err = sk_bsd_endpoint_from(e, addr, len, &ep);
    if (err == 0 && e->udp) {
        err = sk_bsd_udp_connect(e, &ep);
        sk_bsd_leave();
        return err ? sk_bsd_fail(err) : 0;
    }
    if (err == 0)
        err = connect_start(e, &ep);
    if (err == 0) {
        sk_bsd_kick(e->b);
        err = e->nonblock ? EINPROGRESS : connect_wait(e, fd);
    }
    if (err != EBADF)
        sk_bsd_kick(e->b);
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}

int sk_bsd_shutdown(int fd, int how)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    int err = 0;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        err = EINVAL;
    else if (e->st != SK_BSD_CONNECTED || !e->has_sock)
        err = ENOTCONN;
    if (err == 0 && (how == SHUT_RD || how == SHUT_RDWR))
        e->rd_shut = true;
    if (err == 0 && e->udp) {
        e->wr_shut = e->wr_shut || how != SHUT_RD;
        sk_bsd_leave();
        return 0;
    }
    if (err == 0 && (how == SHUT_WR || how == SHUT_RDWR) && !e->wr_shut) {
        int r = sk_tcp_shutdown(e->b->stack, sk_bsd_now(), e->sock);
        e->wr_shut = true;
        if (r != 0 && r != SK_ESHUTDOWN && r != SK_ECLOSED)
            err = sk_bsd_errno(r);
    }
    if (err == 0) {
        sk_bsd_refresh(e);
        sk_bsd_kick(e->b);
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}

void sk_bsd_close_entry(sk_bsd_fd *e)
{
    sk_bsd_stack *b = e->b;
    if (e->has_sock && e->udp) {
        sk_udp_close(b->stack, e->sock);
    } else if (e->has_sock) {
        /* unread data: sk_tcp_close resets (RFC 1122 §4.2.2.13), as Linux;
         * bytes held for MSG_PEEK count as unread too */
        if (e->st == SK_BSD_FAILED || e->linger0 || e->peek_len > 0)
            sk_tcp_abort(b->stack, sk_bsd_now(), e->sock);
        else
            sk_tcp_close(b->stack, sk_bsd_now(), e->sock);
    }
    sk_bsd_fd_free(e);
}

int sk_bsd_close(int fd)
{
    if (sk_bsd_close_child(fd) == 0)
        return 0;
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    sk_bsd_stack *b = e->b;
    sk_bsd_close_entry(e);
    sk_bsd_kick(b);
    pthread_cond_broadcast(&sk_bsd_cv);
    sk_bsd_leave();
    return 0;
}

int sk_bsd_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    sk_endpoint ep = {.port = e->port};
    ep.addr.family = SK_AF_INET4;
    if (!e->udp && e->bound_addr.family != SK_AF_UNSPEC)
        ep.addr = e->bound_addr;
    sk_tcp_info info;
    sk_endpoint remote;
    if (e->udp)
        (void)sk_bsd_udp_ends(e, &ep, &remote);
    else if (e->has_sock && e->st != SK_BSD_LISTENING &&
             sk_tcp_get_info(e->b->stack, e->sock, &info) == 0)
        ep = info.local;
    if (e->domain == AF_INET6 && e->st != SK_BSD_CONNECTED && e->st != SK_BSD_CONNECTING &&
        (e->udp || e->bound_addr.family == SK_AF_UNSPEC))
        ep.addr.family = SK_AF_UNSPEC; /* in6addr_any */
    sk_bsd_endpoint_to(e, &ep, addr, len);
    sk_bsd_leave();
    return 0;
}

int sk_bsd_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    sk_tcp_info info;
    int err = ENOTCONN;
    sk_endpoint local, remote;
    if (e->udp && e->st == SK_BSD_CONNECTED && sk_bsd_udp_ends(e, &local, &remote) == 0) {
        sk_bsd_endpoint_to(e, &remote, addr, len);
        err = 0;
    } else if (!e->udp && e->has_sock && e->st == SK_BSD_CONNECTED &&
        sk_tcp_get_info(e->b->stack, e->sock, &info) == 0) {
        sk_bsd_endpoint_to(e, &info.remote, addr, len);
        err = 0;
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}
