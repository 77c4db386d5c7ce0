#include "posix_sock.h"

#include "synack/error.h"

static sk_time_us deadline_of(sk_posix_loop *l, uint64_t timeout_us)
{
    sk_time_us now = sk_posix_loop_clock(l);
    /* a timeout past the end of the clock is no limit, not a wrapped-around
     * deadline in the past */
    return timeout_us == 0 || timeout_us >= SK_NEVER - now ? SK_NEVER : now + timeout_us;
}

/* Run the loop until `sock` shows one of `mask` (returns 0), the deadline
 * passes (SK_ETIMEDOUT) or the device fails (SK_EIO). */
static int wait_for(sk_posix_loop *l, sk_sock sock, uint32_t mask, sk_time_us deadline)
{
    for (;;) {
        if (sk_posix_loop_flush(l) != 0)
            return SK_EIO;
        if (sk_sock_events(l->stack, sock) & mask)
            return 0;
        if (l->now >= deadline)
            return SK_ETIMEDOUT;
        uint64_t wait = deadline == SK_NEVER ? 1000000u : deadline - l->now;
        if (sk_posix_loop_step(l, wait) != 0)
            return SK_EIO;
    }
}

int sk_blocking_connect(sk_posix_loop *l, const sk_endpoint *remote, uint64_t timeout_us,
                        sk_sock *out)
{
    sk_time_us deadline = deadline_of(l, timeout_us);
    sk_sock s;
    int r = sk_tcp_connect(l->stack, l->now, remote, NULL, &s);
    if (r != 0)
        return r;
    r = wait_for(l, s, SK_EV_CONNECTED | SK_EV_ERROR | SK_EV_CLOSED, deadline);
    sk_tcp_info info;
    if (r == 0 && !(sk_sock_events(l->stack, s) & SK_EV_CONNECTED))
        r = sk_tcp_get_info(l->stack, s, &info) == 0 && info.error != 0 ? info.error
                                                                         : SK_ECONNREFUSED;
    /* our own timeout: an ICMP error seen meanwhile says more (RFC 1122 §4.2.3.9) */
    if (r == SK_ETIMEDOUT && sk_tcp_get_info(l->stack, s, &info) == 0 && info.soft_error != 0)
        r = info.soft_error;
    if (r != 0) {
        sk_tcp_abort(l->stack, l->now, s);
        sk_posix_loop_flush(l);
        return r;
    }
    *out = s;
    return 0;
}

int sk_blocking_accept(sk_posix_loop *l, sk_sock listener, uint64_t timeout_us, sk_sock *out,
                       sk_endpoint *peer)
{
    sk_time_us deadline = deadline_of(l, timeout_us);
    for (;;) {
        int r = sk_tcp_accept(l->stack, listener, out, peer);
        if (r != SK_EAGAIN)
            return r;
        r = wait_for(l, listener, SK_EV_ACCEPT, deadline);
        if (r != 0)
            return r;
    }
}

ptrdiff_t sk_blocking_send_all(sk_posix_loop *l, sk_sock sock, const void *data, size_t len,
                               uint64_t timeout_us)
{
    sk_time_us deadline = deadline_of(l, timeout_us);
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ptrdiff_t n = sk_tcp_send(l->stack, l->now, sock, p + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n != SK_EAGAIN)
            return n;
        int r = wait_for(l, sock, SK_EV_WRITABLE | SK_EV_ERROR, deadline);
        if (r != 0)
            return r;
    }
    sk_posix_loop_flush(l);
    return (ptrdiff_t)len;
}

ptrdiff_t sk_blocking_recv(sk_posix_loop *l, sk_sock sock, void *buf, size_t cap,
                           uint64_t timeout_us)
{
    sk_time_us deadline = deadline_of(l, timeout_us);
    for (;;) {
        ptrdiff_t n = sk_tcp_recv(l->stack, l->now, sock, buf, cap);
        if (n != SK_EAGAIN)
            return n;
        int r = wait_for(l, sock, SK_EV_READABLE | SK_EV_ERROR, deadline);
        if (r != 0)
            return r;
    }
}

/* After our FIN: read (and drop) until the peer's FIN, then wait until
 * ours is acknowledged (TIME-WAIT or CLOSED report SK_EV_CLOSED). */
static int drain_to_close(sk_posix_loop *l, sk_sock sock, sk_time_us deadline)
{
    uint8_t sink[4096];
    for (;;) {
        ptrdiff_t n = sk_tcp_recv(l->stack, l->now, sock, sink, sizeof sink);
        if (n == 0)
            break;
        if (n < 0 && n != SK_EAGAIN)
            return (int)n;
        if (n > 0)
            continue;
        int r = wait_for(l, sock, SK_EV_READABLE | SK_EV_ERROR, deadline);
        if (r != 0)
            return r;
    }
    int r = wait_for(l, sock, SK_EV_CLOSED | SK_EV_ERROR, deadline);
    if (r == 0 && (sk_sock_events(l->stack, sock) & SK_EV_ERROR)) {
        sk_tcp_info info;
        r = sk_tcp_get_info(l->stack, sock, &info) == 0 && info.error ? info.error : SK_ECLOSED;
    }
    return r;
}

int sk_blocking_close(sk_posix_loop *l, sk_sock sock, uint64_t timeout_us)
{
    sk_time_us deadline = deadline_of(l, timeout_us);
    int r = sk_tcp_shutdown(l->stack, l->now, sock);
    if (r == 0)
        r = drain_to_close(l, sock, deadline);
    if (r == 0 || r == SK_ECONNRESET)
        sk_tcp_close(l->stack, l->now, sock);
    else
        sk_tcp_abort(l->stack, l->now, sock);
    sk_posix_loop_flush(l);
    return r;
}
