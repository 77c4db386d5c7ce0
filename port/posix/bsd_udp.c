/* sk_bsd UDP: SOCK_DGRAM sockets over the stack's UDP (synack/udp.h), one
 * datagram per send and per recv, Linux's errno. */
#include "bsd_priv.h"

#include "synack/error.h"
#include "synack/udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sk_bsd_udp_open(sk_bsd_fd *e)
{
    sk_sock s;
    int r = sk_udp_open(e->b->stack, &s);
    if (r != 0)
        return r == SK_ENOSPC ? ENOBUFS : sk_bsd_errno(r);
    sk_bsd_attach(e, s);
    e->udp = true;
    return 0;
}

int sk_bsd_udp_bind(sk_bsd_fd *e, const sk_endpoint *ep)
{
    sk_endpoint local = *ep;
    bool any = true;
    for (int i = 0; i < 16; i++)
        any = any && local.addr.b[i] == 0;
    if (any)
        local.addr.family = SK_AF_UNSPEC; /* INADDR_ANY: every address of ours */
    if (e->reuseaddr)
        (void)sk_udp_set_reuseaddr(e->b->stack, e->sock, true);
    int r = sk_udp_bind(e->b->stack, e->sock, &local);
    if (r == SK_EINVAL)
        return any ? EINVAL : EADDRNOTAVAIL;
    return r ? sk_bsd_errno(r) : 0;
}

int sk_bsd_udp_connect(sk_bsd_fd *e, const sk_endpoint *ep)
{
    int r = sk_udp_connect(e->b->stack, e->sock, ep);
    if (r == 0)
        e->st = SK_BSD_CONNECTED;
    return r == SK_EINVAL ? ENETUNREACH : r ? sk_bsd_errno(r) : 0;
}

int sk_bsd_udp_ends(sk_bsd_fd *e, sk_endpoint *local, sk_endpoint *remote)
{
    sk_udp_info info;
    if (sk_udp_get_info(e->b->stack, e->sock, &info) != 0)
        return EBADF;
    *local = info.local;
    *remote = info.remote;
    return 0;
}

/* Gather iov into one buffer (the datagram); NULL with *len 0 for none. */
static const void *gather(const struct iovec *iov, size_t cnt, size_t *len, void **owned)
{
    *owned = NULL;
    *len = 0;
    if (cnt == 1) {
        *len = iov[0].iov_len;
        return iov[0].iov_base;
    }
    for (size_t i = 0; i < cnt; i++)
        *len += iov[i].iov_len;
    uint8_t *p = malloc(*len ? *len : 1);
    if (p == NULL)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < cnt; i++) {
        memcpy(p + at, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
    }
    *owned = p;
    return p;
}

static ssize_t udp_send(sk_bsd_fd *e, int fd, const struct iovec *iov, size_t cnt, int flags,
                        const sk_bsd_addrs *a)
{
    sk_endpoint to;
    const sk_endpoint *top = NULL;
    if (a != NULL && a->to != NULL) {
        int err = sk_bsd_endpoint_from(e, a->to, a->tolen, &to);
        if (err != 0)
            return sk_bsd_fail(err);
        top = &to;
    }
    void *owned;
    size_t len;
    const void *data = gather(iov, cnt, &len, &owned);
    if (data == NULL && cnt > 1)
        return sk_bsd_fail(ENOMEM);
    bool nb = e->nonblock || (flags & MSG_DONTWAIT);
    ptrdiff_t n;
    sk_time_us dl = sk_bsd_deadline(e->sndtimeo_us);
    for (;;) {
        n = sk_udp_sendto(e->b->stack, sk_bsd_now(), e->sock, data, len, top);
        if (n != SK_EAGAIN || nb)
            break;
        sk_bsd_kick(e->b);
        if (!sk_bsd_wait_until(e, dl))
            break; /* SO_SNDTIMEO over: EAGAIN */
        if (sk_bsd_lookup(fd) != e) {
            n = SK_EBADHANDLE;
            break;
        }
    }
    free(owned);
    if (n >= 0)
        return (ssize_t)n;
    if (n == SK_ENOTCONN)
        return sk_bsd_fail(top == NULL ? EDESTADDRREQ : ENOTCONN);
    if (n == SK_EINVAL)
        return sk_bsd_fail(ENETUNREACH);
    return sk_bsd_fail(sk_bsd_errno((int)n));
}

/* Scatter one datagram of n bytes from buf into iov. */
static void scatter(const struct iovec *iov, size_t cnt, const uint8_t *buf, size_t n)
{
    size_t at = 0;
    for (size_t i = 0; i < cnt && at < n; i++) {
        size_t k = iov[i].iov_len < n - at ? iov[i].iov_len : n - at;
        memcpy(iov[i].iov_base, buf + at, k);
        at += k;
    }
}

static ssize_t udp_recv(sk_bsd_fd *e, int fd, const struct iovec *iov, size_t cnt, int flags,
                        const sk_bsd_addrs *a)
{
    if (flags & (MSG_PEEK | MSG_OOB))
        return sk_bsd_fail(EOPNOTSUPP);
    size_t cap = 0;
    for (size_t i = 0; i < cnt; i++)
        cap += iov[i].iov_len;
    uint8_t *buf = cnt == 1 ? iov[0].iov_base : malloc(cap ? cap : 1);
    if (buf == NULL)
        return sk_bsd_fail(ENOMEM);
    bool nb = e->nonblock || (flags & MSG_DONTWAIT);
    sk_udp_meta meta;
    ptrdiff_t n;
    sk_time_us dl = sk_bsd_deadline(e->rcvtimeo_us);
    for (;;) {
        n = sk_udp_recvfrom(e->b->stack, sk_bsd_now(), e->sock, buf, cap, &meta);
        if (n != SK_EAGAIN || nb)
            break;
        if (!sk_bsd_wait_until(e, dl))
            break; /* SO_RCVTIMEO over: EAGAIN */
        if (sk_bsd_lookup(fd) != e) {
            n = SK_EBADHANDLE;
            break;
        }
    }
    if (n >= 0 && cnt != 1)
        scatter(iov, cnt, buf, (size_t)n);
    if (cnt != 1)
        free(buf);
    if (n < 0)
        return sk_bsd_fail(sk_bsd_errno((int)n));
    if (a != NULL && a->from != NULL)
        sk_bsd_endpoint_to(e, &meta.from, a->from, a->fromlen);
    if (a != NULL && a->msg_flags != NULL)
        *a->msg_flags = meta.len > (size_t)n ? MSG_TRUNC : 0;
    /* MSG_TRUNC: the datagram's real length, as Linux */
    return (flags & MSG_TRUNC) ? (ssize_t)meta.len : (ssize_t)n;
}

ssize_t sk_bsd_udp_io(sk_bsd_fd *e, int fd, const struct iovec *iov, size_t cnt, int flags,
                      bool sending, const sk_bsd_addrs *a)
{
    return sending ? udp_send(e, fd, iov, cnt, flags, a) : udp_recv(e, fd, iov, cnt, flags, a);
}
