/* sk_bsd data transfer (send, recv and their vector and message forms)
 * and the option calls (setsockopt, getsockopt, fcntl, ioctl). */
#include "bsd_priv.h"

#include "synack/error.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Can e carry data? 0, or the errno to fail with (lock held). */
static int data_state(sk_bsd_fd *e, bool sending)
{
    if (e->st == SK_BSD_FAILED) {
        int err = e->so_error ? e->so_error : (sending ? EPIPE : ENOTCONN);
        e->so_error = 0;
        return err;
    }
    if (e->st == SK_BSD_NEW || e->st == SK_BSD_LISTENING || !e->has_sock)
        return sending ? EPIPE : ENOTCONN; /* Linux: tcp_sendmsg EPIPE, tcp_recvmsg ENOTCONN */
    return 0;
}

#define PEEK_MAX 65536u

/* Top the peek buffer up to len bytes from the stack: SK_EAGAIN, 0 at end
 * of stream, > 0, or an error. */
static ptrdiff_t peek_fill(sk_bsd_fd *e, size_t len)
{
    if (len > PEEK_MAX)
        len = PEEK_MAX;
    if (e->peek_len >= len)
        return (ptrdiff_t)e->peek_len;
    if (e->peek_cap < len) {
        uint8_t *p = realloc(e->peek, len);
        if (p == NULL)
            return SK_ENOMEM;
        e->peek = p;
        e->peek_cap = len;
    }
    ptrdiff_t n = e->st == SK_BSD_CONNECTING
                      ? SK_EAGAIN
                      : sk_tcp_recv(e->b->stack, sk_bsd_now(), e->sock, e->peek + e->peek_len,
                                    len - e->peek_len);
    if (n > 0)
        e->peek_len += (size_t)n;
    return e->peek_len > 0 ? (ptrdiff_t)e->peek_len : n == SK_ECLOSED ? 0 : n;
}

/* recv(MSG_PEEK): the bytes stay for the next recv (lock held). */
static ssize_t peek_locked(sk_bsd_fd *e, int fd, void *buf, size_t len, bool nb)
{
    sk_time_us dl = sk_bsd_deadline(e->rcvtimeo_us);
    for (;;) {
        int err = data_state(e, false);
        if (err != 0)
            return sk_bsd_fail(err);
        if (e->rd_shut)
            return 0;
        ptrdiff_t n = peek_fill(e, len);
        if (n >= 0) {
            size_t k = (size_t)n < len ? (size_t)n : len;
            memcpy(buf, e->peek, k);
            return (ssize_t)k;
        }
        if (n != SK_EAGAIN)
            return sk_bsd_fail(sk_bsd_errno((int)n));
        if (nb || !sk_bsd_wait_until(e, dl)) /* SO_RCVTIMEO over: EAGAIN, as Linux */
            return sk_bsd_fail(EAGAIN);
        if (sk_bsd_lookup(fd) != e)
            return sk_bsd_fail(EBADF);
        sk_bsd_refresh(e);
    }
}

/* Bytes a MSG_PEEK left: first in line for recv. */
static size_t take_peeked(sk_bsd_fd *e, void *buf, size_t len)
{
    size_t k = e->peek_len < len ? e->peek_len : len;
    memcpy(buf, e->peek, k);
    memmove(e->peek, e->peek + k, e->peek_len - k);
    e->peek_len -= k;
    return k;
}

/* Receive into one buffer (lock held): bytes, 0 at end of stream, or -1
 * with errno. */
static ssize_t recv_locked(sk_bsd_fd *e, int fd, void *buf, size_t len, int flags)
{
    if (flags & MSG_OOB)
        return sk_bsd_fail(EOPNOTSUPP);
    bool nb = e->nonblock || (flags & MSG_DONTWAIT);
    if (flags & MSG_PEEK)
        return peek_locked(e, fd, buf, len, nb);
    size_t got = 0;
    sk_time_us dl = sk_bsd_deadline(e->rcvtimeo_us);
    for (;;) {
        int err = data_state(e, false);
        if (err != 0)
            return got ? (ssize_t)got : sk_bsd_fail(err);
        if (e->rd_shut || len == got)
            return (ssize_t)got;
        if (e->peek_len > 0) {
            got += take_peeked(e, (char *)buf + got, len - got);
            continue; /* and what the stack has, without waiting */
        }
        ptrdiff_t n = e->st == SK_BSD_CONNECTING
                          ? SK_EAGAIN
                          : sk_tcp_recv(e->b->stack, sk_bsd_now(), e->sock, (char *)buf + got,
                                        len - got);
        if (n > 0) {
            got += (size_t)n;
            if (!(flags & MSG_WAITALL) || nb)
                return (ssize_t)got;
            continue;
        }
        if (n == 0 || n == SK_ECLOSED)
            return (ssize_t)got;
        if (n != SK_EAGAIN)
            return got ? (ssize_t)got : sk_bsd_fail(sk_bsd_errno((int)n));
        if (nb || (got > 0 && !(flags & MSG_WAITALL)) || !sk_bsd_wait_until(e, dl))
            return got ? (ssize_t)got : sk_bsd_fail(EAGAIN);
        if (sk_bsd_lookup(fd) != e)
            return sk_bsd_fail(EBADF);
        sk_bsd_refresh(e);
    }
}

/* Send from one buffer (lock held): blocking sockets queue everything
 * (as Linux's send does), non-blocking ones what fits. */
static ssize_t send_locked(sk_bsd_fd *e, int fd, const void *buf, size_t len, int flags,
                           bool *sigpipe)
{
    bool nb = e->nonblock || (flags & MSG_DONTWAIT);
    size_t put = 0;
    sk_time_us dl = sk_bsd_deadline(e->sndtimeo_us);
    for (;;) {
        int err = data_state(e, true);
        if (err == 0 && e->wr_shut)
            err = EPIPE;
        if (err != 0) {
            *sigpipe = err == EPIPE && !(flags & MSG_NOSIGNAL) && put == 0;
            return put ? (ssize_t)put : sk_bsd_fail(err);
        }
        if (put == len)
            return (ssize_t)put;
        ptrdiff_t n = e->st == SK_BSD_CONNECTING
                          ? SK_EAGAIN
                          : sk_tcp_send(e->b->stack, sk_bsd_now(), e->sock,
                                        (const char *)buf + put, len - put);
        if (n > 0) {
            put += (size_t)n;
            continue;
        }
        if (n == SK_ESHUTDOWN || n == SK_ECLOSED) {
            e->wr_shut = true;
            continue;
        }
        if (n != SK_EAGAIN)
            return put ? (ssize_t)put : sk_bsd_fail(sk_bsd_errno((int)n));
        if (nb)
            return put ? (ssize_t)put : sk_bsd_fail(EAGAIN);
        sk_bsd_kick(e->b); /* let what is queued go before waiting for room */
        if (!sk_bsd_wait_until(e, dl)) /* SO_SNDTIMEO over: what went, or EAGAIN */
            return put ? (ssize_t)put : sk_bsd_fail(EAGAIN);
        if (sk_bsd_lookup(fd) != e)
            return sk_bsd_fail(EBADF);
        sk_bsd_refresh(e);
    }
}

/* Vector forms: each buffer in turn; after the first bytes the rest is
 * taken only as far as it goes without waiting. */
/* One UDP datagram (lock held by the caller, released here). */
static ssize_t io_udp(sk_bsd_fd *e, int fd, const struct iovec *iov, size_t cnt, int flags,
                      bool sending, const sk_bsd_addrs *a)
{
    sk_bsd_stack *b = e->b;
    ssize_t n = sk_bsd_udp_io(e, fd, iov, cnt, flags, sending, a);
    int saved = errno;
    if (sk_bsd_lookup(fd) == e)
        sk_bsd_refresh(e);
    sk_bsd_kick(b);
    sk_bsd_leave();
    errno = saved;
    return n;
}

static ssize_t io_vec(int fd, const struct iovec *iov, size_t cnt, int flags, bool sending,
                      const sk_bsd_addrs *a)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    if (e->udp)
        return io_udp(e, fd, iov, cnt, flags, sending, a);
    sk_bsd_stack *b = e->b;
    bool sigpipe = false;
    ssize_t total = 0;
    int saved = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        int f = flags | (total > 0 ? MSG_DONTWAIT : 0);
        ssize_t n = sending ? send_locked(e, fd, iov[i].iov_base, iov[i].iov_len, f, &sigpipe)
                            : recv_locked(e, fd, iov[i].iov_base, iov[i].iov_len, f);
        if (n < 0) {
            saved = errno;
            break;
        }
        total += n;
        if ((size_t)n < iov[i].iov_len)
            break;
    }
    if (sk_bsd_lookup(fd) == e)
        sk_bsd_refresh(e);
    sk_bsd_kick(b);
    sk_bsd_leave();
    if (sigpipe)
        raise(SIGPIPE);
    if (total == 0 && saved != 0)
        return sk_bsd_fail(saved);
    return total;
}

ssize_t sk_bsd_send(int fd, const void *buf, size_t len, int flags)
{
    struct iovec v = {(void *)(uintptr_t)buf, len};
    if (len == 0) {
        sk_bsd_fd *e = sk_bsd_enter(fd);
        if (e == NULL)
            return -1;
        if (e->udp) /* an empty datagram is a datagram */
            return io_udp(e, fd, &v, 1, flags, true, NULL);
        int err = data_state(e, true);
        sk_bsd_leave();
        return err ? sk_bsd_fail(err) : 0;
    }
    return io_vec(fd, &v, 1, flags, true, NULL);
}

ssize_t sk_bsd_recv(int fd, void *buf, size_t len, int flags)
{
    struct iovec v = {buf, len};
    if (len == 0) {
        sk_bsd_fd *e = sk_bsd_enter(fd);
        if (e == NULL)
            return -1;
        if (e->udp) /* an empty datagram is a datagram */
            return io_udp(e, fd, &v, 1, flags, false, NULL);
        int err = data_state(e, false);
        sk_bsd_leave();
        return err ? sk_bsd_fail(err) : 0;
    }
    return io_vec(fd, &v, 1, flags, false, NULL);
}

static bool is_udp(int fd)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    bool udp = e != NULL && e->udp;
    if (e != NULL)
        sk_bsd_leave();
    return udp;
}

ssize_t sk_bsd_sendto(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *to, socklen_t tolen)
{
    /* TCP ignores the address of a connected socket, as Linux does */
    struct iovec v = {(void *)(uintptr_t)buf, len};
    sk_bsd_addrs a = {.to = to, .tolen = tolen};
    return io_vec(fd, &v, 1, flags, true, &a);
}

ssize_t sk_bsd_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                        socklen_t *fromlen)
{
    struct iovec v = {buf, len};
    sk_bsd_addrs a = {.from = from, .fromlen = fromlen};
    bool udp = is_udp(fd);
    ssize_t n = io_vec(fd, &v, 1, flags, false, &a);
    if (n >= 0 && !udp && fromlen != NULL)
        *fromlen = 0; /* TCP reports no source address */
    return n;
}

ssize_t sk_bsd_writev(int fd, const struct iovec *iov, int iovcnt)
{
    if (iovcnt < 0 || iovcnt > IOV_MAX)
        return sk_bsd_fail(EINVAL);
    return io_vec(fd, iov, (size_t)iovcnt, 0, true, NULL);
}

ssize_t sk_bsd_readv(int fd, const struct iovec *iov, int iovcnt)
{
    if (iovcnt < 0 || iovcnt > IOV_MAX)
        return sk_bsd_fail(EINVAL);
    return io_vec(fd, iov, (size_t)iovcnt, 0, false, NULL);
}

ssize_t sk_bsd_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (msg->msg_iovlen > IOV_MAX)
        return sk_bsd_fail(EMSGSIZE);
    sk_bsd_addrs a = {.to = msg->msg_name, .tolen = msg->msg_namelen};
    return io_vec(fd, msg->msg_iov, msg->msg_iovlen, flags, true, &a);
}

ssize_t sk_bsd_recvmsg(int fd, struct msghdr *msg, int flags)
{
    if (msg->msg_iovlen > IOV_MAX)
        return sk_bsd_fail(EMSGSIZE);
    int mflags = 0;
    socklen_t namelen = msg->msg_name != NULL ? msg->msg_namelen : 0;
    sk_bsd_addrs a = {.from = msg->msg_name, .fromlen = &namelen, .msg_flags = &mflags};
    bool udp = is_udp(fd);
    ssize_t n = io_vec(fd, msg->msg_iov, msg->msg_iovlen, flags, false, &a);
    if (n >= 0) {
        msg->msg_namelen = udp ? namelen : 0; /* TCP reports no source address */
        msg->msg_controllen = 0;
        msg->msg_flags = mflags;
    }
    return n;
}
