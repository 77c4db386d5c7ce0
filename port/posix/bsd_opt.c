/* sk_bsd options: setsockopt, getsockopt, fcntl and ioctl, with Linux's
 * answers; an option synack does not have is ENOPROTOOPT. */
#include "bsd_priv.h"

#include "synack/error.h"
#include "synack/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

/* SO_RCVTIMEO/SO_SNDTIMEO as Linux's sock_set_timeout: a short value is
 * EINVAL, tv_usec outside 0..999999 EDOM, {0,0} no timeout, a negative
 * tv_sec a timeout that is over at once (stored as 1 us). */
static int set_timeo(uint64_t *out, const void *val, socklen_t len)
{
    struct timeval tv;
    if (val == NULL || len < (socklen_t)sizeof tv)
        return EINVAL;
    memcpy(&tv, val, sizeof tv);
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return EDOM;
    if (tv.tv_sec < 0)
        *out = 1;
    else
        *out = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
    return 0;
}

/* Linux's state numbers (netinet/tcp.h: TCP_ESTABLISHED = 1 ...). */
static uint8_t linux_state(enum sk_tcp_state st)
{
    switch (st) {
    case SK_TCP_LISTEN: return TCP_LISTEN;
    case SK_TCP_SYN_SENT: return TCP_SYN_SENT;
    case SK_TCP_SYN_RECEIVED: return TCP_SYN_RECV;
    case SK_TCP_ESTABLISHED: return TCP_ESTABLISHED;
    case SK_TCP_FIN_WAIT_1: return TCP_FIN_WAIT1;
    case SK_TCP_FIN_WAIT_2: return TCP_FIN_WAIT2;
    case SK_TCP_CLOSE_WAIT: return TCP_CLOSE_WAIT;
    case SK_TCP_CLOSING: return TCP_CLOSING;
    case SK_TCP_LAST_ACK: return TCP_LAST_ACK;
    case SK_TCP_TIME_WAIT: return TCP_TIME_WAIT;
    default: return TCP_CLOSE;
    }
}

static uint32_t in_segs(uint32_t bytes, uint32_t mss)
{
    return mss == 0 ? 0 : (uint32_t)(((uint64_t)bytes + mss - 1) / mss);
}

/* TCP_INFO: Linux's struct tcp_info with what synack knows (state, rto,
 * MSS, RTT, cwnd and ssthresh in segments, retransmits, segments in
 * flight, window scales); everything else is zero. rcv_mss is the send MSS: synack keeps
 * no estimate of the peer's segment size. */
static void fill_tcp_info(sk_bsd_fd *e, struct tcp_info *ti)
{
    memset(ti, 0, sizeof *ti);
    sk_tcp_info in;
    if (!e->has_sock || sk_tcp_get_info(e->b->stack, e->sock, &in) != 0) {
        ti->tcpi_state = e->st == SK_BSD_LISTENING ? TCP_LISTEN : TCP_CLOSE;
        return;
    }
    uint32_t mss = in.snd_mss;
    ti->tcpi_state = linux_state(in.state);
    ti->tcpi_rto = in.rto_us;
    ti->tcpi_snd_mss = mss;
    ti->tcpi_rcv_mss = mss;
    ti->tcpi_unacked = in_segs(in.unacked, mss);
    ti->tcpi_rtt = in.srtt_us;
    ti->tcpi_rttvar = in.rttvar_us;
    ti->tcpi_snd_cwnd = in_segs(in.cwnd, mss);
    uint32_t ss = in_segs(in.ssthresh, mss);
    ti->tcpi_snd_ssthresh = ss > 0x7fffffffu ? 0x7fffffffu : ss; /* TCP_INFINITE_SSTHRESH */
    ti->tcpi_total_retrans = in.retransmits;
    ti->tcpi_snd_wscale = in.snd_wscale & 15u;
    ti->tcpi_rcv_wscale = in.rcv_wscale & 15u;
}

static int opt_int(const void *val, socklen_t len, int *out)
{
    if (val == NULL || len < (socklen_t)sizeof(int))
        return EINVAL;
    memcpy(out, val, sizeof *out);
    return 0;
}

/* SO_RCVBUF/SO_SNDBUF as Linux takes them: never an error, the value
 * clamped (a negative one counts as huge, as Linux's unsigned compare),
 * here to [SK_TCP_BUF_MIN_BYTES, the stack's buffer size] (Linux's
 * rmem_max/wmem_max), and reported doubled by getsockopt. synack applies
 * the value itself as the connection's limit (Linux's doubling pays for
 * its per-packet overhead). On a TCP socket it takes effect at once
 * (sk_tcp_setopt SK_SO_RCVBUF/SK_SO_SNDBUF), at connect or listen when
 * set before: the receive buffer set before connect() or listen() decides
 * the window scale offered (RFC 7323 §2.2). UDP: kept and reported only. */
static void set_buf(sk_bsd_fd *e, bool rcv, int v)
{
    uint32_t max = rcv ? e->b->rcvbuf_max : e->b->sndbuf_max;
    uint32_t want = v < 0 || (uint32_t)v > max ? max : (uint32_t)v;
    if (want < SK_TCP_BUF_MIN_BYTES)
        want = SK_TCP_BUF_MIN_BYTES;
    if (want > max) /* a stack configured below the minimum */
        want = max;
    if (rcv)
        e->rcvbuf = (int)want;
    else
        e->sndbuf = (int)want;
    sk_bsd_apply_bufs(e);
}

void sk_bsd_apply_bufs(sk_bsd_fd *e)
{
    if (!e->has_sock || e->udp)
        return;
    if (e->cc[0] != '\0')
        (void)sk_tcp_set_cc(e->b->stack, e->sock, e->cc);
    if (e->sndbuf > 0)
        (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_SNDBUF, (uint64_t)e->sndbuf);
    if (e->rcvbuf > 0)
        (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_RCVBUF, (uint64_t)e->rcvbuf);
}

static int set_socket_level(sk_bsd_fd *e, int name, const void *val, socklen_t len)
{
    if (name == SO_LINGER) {
        struct linger l;
        if (val == NULL || len < (socklen_t)sizeof l)
            return EINVAL;
        memcpy(&l, val, sizeof l);
        e->linger0 = l.l_onoff && l.l_linger == 0; /* other lingers: close does not wait */
        return 0;
    }
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
        return set_timeo(name == SO_RCVTIMEO ? &e->rcvtimeo_us : &e->sndtimeo_us, val, len);
    int v;
    int err = opt_int(val, len, &v);
    if (err != 0)
        return err;
    switch (name) {
    case SO_BROADCAST:
        if (!e->udp)
            return ENOPROTOOPT;
        return sk_udp_set_broadcast(e->b->stack, e->sock, v != 0) == 0 ? 0 : EINVAL;
    case SO_REUSEADDR: e->reuseaddr = v != 0; return 0;
    case SO_KEEPALIVE:
        e->keepalive = v != 0;
        if (e->has_sock && e->st != SK_BSD_LISTENING)
            (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_KEEPALIVE, v != 0);
        return 0;
    case SO_RCVBUF:
    case SO_SNDBUF:
        set_buf(e, name == SO_RCVBUF, v);
        return 0;
    default: return ENOPROTOOPT;
    }
}

static int set_tcp_level(sk_bsd_fd *e, int name, const void *val, socklen_t len)
{
    if (name == TCP_CONGESTION) {
        /* Linux: the name is read up to optlen or 15 bytes (TCP_CA_NAME_MAX
         * - 1); an unknown one is ENOENT, as is "reno": synack's is "newreno" */
        char cc[16] = {0};
        if (val == NULL)
            return EFAULT;
        memcpy(cc, val, len < sizeof cc - 1 ? len : sizeof cc - 1);
        int r = SK_ENOENT;
        if (e->has_sock)
            r = sk_tcp_set_cc(e->b->stack, e->sock, cc); /* a listener: for its children */
        else if (strcmp(cc, "cubic") == 0 || strcmp(cc, "newreno") == 0)
            r = 0; /* kept for connect or listen (sk_bsd_apply_bufs) */
        if (r == 0)
            memcpy(e->cc, cc, sizeof e->cc);
        return r == 0 ? 0 : r == SK_ENOENT ? ENOENT : EINVAL;
    }
    int v;
    int err = opt_int(val, len, &v);
    if (err != 0)
        return err;
    bool live = e->has_sock && e->st != SK_BSD_LISTENING;
    switch (name) {
    case TCP_NODELAY:
        e->nodelay = v != 0;
        if (live)
            (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_NODELAY, v != 0);
        return 0;
    case TCP_MAXSEG:
        if (v < 88 || v > 65535)
            return EINVAL; /* Linux: TCP_MIN_MSS .. MAX_TCP_WINDOW */
        e->maxseg = (uint16_t)v; /* used by the next connect or listen */
        return 0;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return EINVAL;
        if (live)
            (void)sk_tcp_setopt(e->b->stack, e->sock,
                                name == TCP_KEEPIDLE ? SK_SO_KEEPIDLE_US : SK_SO_KEEPINTVL_US,
                                (uint64_t)v * 1000000u);
        return 0;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return EINVAL;
        if (live)
            (void)sk_tcp_setopt(e->b->stack, e->sock, SK_SO_KEEPCNT, (uint64_t)v);
        return 0;
    default: return ENOPROTOOPT;
    }
}

int sk_bsd_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    int err = ENOPROTOOPT;
    if (level == SOL_SOCKET)
        err = set_socket_level(e, name, val, len);
    else if (level == IPPROTO_TCP && !e->udp)
        err = set_tcp_level(e, name, val, len);
    else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && e->domain == AF_INET6)
        err = 0; /* kept for getsockopt; synack's listeners take both families */
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && err == 0) {
        int v = 0;
        err = opt_int(val, len, &v);
        e->v6only = v != 0;
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}

static int get_socket_level(sk_bsd_fd *e, int name, int *v)
{
    switch (name) {
    case SO_ERROR:
        sk_bsd_refresh(e);
        *v = e->so_error;
        e->so_error = 0;
        return 0;
    case SO_TYPE: *v = e->udp ? SOCK_DGRAM : SOCK_STREAM; return 0;
    case SO_DOMAIN: *v = e->domain; return 0;
    case SO_PROTOCOL: *v = e->udp ? IPPROTO_UDP : IPPROTO_TCP; return 0;
    case SO_ACCEPTCONN: *v = e->st == SK_BSD_LISTENING; return 0;
    case SO_REUSEADDR: *v = e->reuseaddr; return 0;
    case SO_KEEPALIVE: *v = e->keepalive; return 0;
    /* Linux doubles what was set; unset, the stack's buffer size */
    case SO_RCVBUF: *v = e->rcvbuf ? 2 * e->rcvbuf : (int)e->b->rcvbuf_max; return 0;
    case SO_SNDBUF: *v = e->sndbuf ? 2 * e->sndbuf : (int)e->b->sndbuf_max; return 0;
    default: return ENOPROTOOPT;
    }
}

static int get_tcp_level(sk_bsd_fd *e, int name, int *v)
{
    sk_tcp_info info;
    bool live = e->has_sock && e->st == SK_BSD_CONNECTED &&
                sk_tcp_get_info(e->b->stack, e->sock, &info) == 0;
    switch (name) {
    case TCP_NODELAY: *v = e->nodelay; return 0;
    case TCP_MAXSEG: *v = live ? (int)info.snd_mss : e->maxseg ? e->maxseg : 536; return 0;
    default: return ENOPROTOOPT;
    }
}

/* Options that are not an int: TCP_INFO and the timeouts copy as much
 * as *len holds, as Linux does; true when name is one of them. */
static bool get_struct(sk_bsd_fd *e, int level, int name, void *val, socklen_t *len)
{
    union {
        struct tcp_info ti;
        struct timeval tv;
    } u;
    size_t n;
    if (level == IPPROTO_TCP && name == TCP_INFO && !e->udp) {
        fill_tcp_info(e, &u.ti);
        n = sizeof u.ti;
    } else if (level == IPPROTO_TCP && name == TCP_CONGESTION && !e->udp) {
        /* the algorithm in force, else the one set, else the stack's;
         * Linux copies min(optlen, 16) bytes of the NUL-padded name */
        char cc[16] = {0};
        sk_tcp_info in;
        const char *now = e->has_sock && sk_tcp_get_info(e->b->stack, e->sock, &in) == 0 ? in.cc
                          : e->cc[0] != '\0' ? e->cc
                                             : e->b->cc_default;
        snprintf(cc, sizeof cc, "%s", now);
        memcpy(&u, cc, sizeof cc);
        n = sizeof cc;
    } else if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        uint64_t us = name == SO_RCVTIMEO ? e->rcvtimeo_us : e->sndtimeo_us;
        u.tv.tv_sec = (time_t)(us / 1000000u);
        u.tv.tv_usec = (suseconds_t)(us % 1000000u);
        n = sizeof u.tv;
    } else {
        return false;
    }
    if ((size_t)*len < n)
        n = (size_t)*len;
    memcpy(val, &u, n);
    *len = (socklen_t)n;
    return true;
}

int sk_bsd_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    if (val != NULL && len != NULL && *len < 0x80000000u && get_struct(e, level, name, val, len)) {
        sk_bsd_leave();
        return 0;
    }
    int v = 0;
    int err = ENOPROTOOPT;
    if (val == NULL || len == NULL)
        err = EFAULT;
    else if (level == SOL_SOCKET && name == SO_LINGER && *len >= (socklen_t)sizeof(struct linger)) {
        struct linger l = {e->linger0, 0};
        memcpy(val, &l, sizeof l);
        *len = sizeof l;
        sk_bsd_leave();
        return 0;
    } else if (level == SOL_SOCKET)
        err = get_socket_level(e, name, &v);
    else if (level == IPPROTO_TCP)
        err = get_tcp_level(e, name, &v);
    else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && e->domain == AF_INET6) {
        v = e->v6only;
        err = 0;
    }
    if (err == 0 && *len < (socklen_t)sizeof v)
        err = EINVAL;
    if (err == 0) {
        memcpy(val, &v, sizeof v);
        *len = sizeof v;
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}

int sk_bsd_fcntl(int fd, int cmd, long arg)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    long r = 0;
    int err = 0;
    switch (cmd) {
    case F_GETFL: r = O_RDWR | (e->nonblock ? O_NONBLOCK : 0); break;
    case F_SETFL: e->nonblock = (arg & O_NONBLOCK) != 0; break;
    case F_GETFD:
    case F_SETFD:
        /* the eventfd is a real descriptor: close-on-exec is its own flag
         * (the raw call: in the preload library fcntl() is ours) */
        r = syscall(SYS_fcntl, fd, cmd, arg);
        if (r < 0)
            err = errno;
        break;
    default: err = EINVAL; break; /* F_DUPFD and others: not for synack sockets */
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : (int)r;
}

int sk_bsd_ioctl(int fd, unsigned long req, void *arg)
{
    sk_bsd_fd *e = sk_bsd_enter(fd);
    if (e == NULL)
        return -1;
    int err = 0;
    if (arg == NULL) {
        err = EFAULT;
    } else if (req == FIONBIO) {
        int v;
        memcpy(&v, arg, sizeof v);
        e->nonblock = v != 0;
    } else if (req == FIONREAD) {
        sk_tcp_info info;
        sk_udp_info uinfo;
        int v = 0;
        if (e->st == SK_BSD_LISTENING)
            err = EINVAL;
        else if (e->udp) /* all queued datagrams (Linux: the first one's length) */
            v = sk_udp_get_info(e->b->stack, e->sock, &uinfo) == 0 ? (int)uinfo.rcvq_bytes : 0;
        else if (e->has_sock && sk_tcp_get_info(e->b->stack, e->sock, &info) == 0)
            v = (int)info.rcvbuf_used + (int)e->peek_len;
        if (err == 0)
            memcpy(arg, &v, sizeof v);
    } else {
        err = ENOTTY;
    }
    sk_bsd_leave();
    return err ? sk_bsd_fail(err) : 0;
}
