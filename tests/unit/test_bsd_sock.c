/* The BSD-socket API (port/posix/synack_bsd.h): two sk_bsd stacks, each in
 * its own thread, joined by an AF_UNIX datagram socketpair as their
 * Ethernet link (one datagram per frame). Blocking and non-blocking
 * connect, accept, echo, a 1 MiB transfer with a reader thread, readiness
 * through poll and epoll on the descriptors, and Linux's errno for misuse. */
#define _GNU_SOURCE
#include "posix/synack_bsd.h"
#include "sk_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <unistd.h>

static sk_bsd_stack *sa, *sb; /* 192.0.2.1 and 192.0.2.2 */

static sk_bsd_stack *start_flags(int fd, uint8_t last, unsigned flags)
{
    sk_posix_dev dev;
    memset(&dev, 0, sizeof dev);
    dev.fd = fd;
    dev.kind = SK_DEV_TAP;
    dev.mtu = 1500;
    snprintf(dev.name, sizeof dev.name, "pair%u", last);
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_ETHERNET;
    /* 192.0.2.last/24 and 2001:db8::last/64 (configured: no DAD wait) */
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
    cfg.addrs[0].prefix_len = 24;
    sk_ip6 v6 = {{0x20, 0x01, 0x0d, 0xb8}};
    v6.b[15] = last;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6(v6);
    cfg.addrs[1].prefix_len = 64;
    cfg.mac = (sk_mac){{0x02, 0x73, 0x6b, 0, 0, last}};
    cfg.seed = last;
    cfg.ip6_router_solicit = false;
    sk_bsd_stack *b = NULL;
    char err[160];
    int r = sk_bsd_start_ex(&b, &cfg, &dev, flags, err, sizeof err);
    SK_CHECK_MSG(r == 0, "sk_bsd_start: %s", err);
    return b;
}

static sk_bsd_stack *start(int fd, uint8_t last)
{
    return start_flags(fd, last, 0);
}

static struct sockaddr_in addr_of(uint8_t last, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(0xc0000200u | last);
    return a;
}

static int listen_on(sk_bsd_stack *b, uint16_t port)
{
    int l = sk_bsd_socket(b, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = addr_of(0, port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 16), 0);
    return l;
}

/* A blocking client on A connected to a listener on B: *cfd, *sfd. */
static void pair(int l, uint16_t port, int *cfd, int *sfd)
{
    *cfd = sk_bsd_socket(sa, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = addr_of(2, port);
    SK_CHECK_EQ_I(sk_bsd_connect(*cfd, (struct sockaddr *)&to, sizeof to), 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    *sfd = sk_bsd_accept4(l, (struct sockaddr *)&peer, &plen, 0);
    SK_CHECK(*sfd >= 0);
    SK_CHECK_EQ(plen, sizeof peer);
    SK_CHECK_EQ(ntohl(peer.sin_addr.s_addr), 0xc0000201u);
}

static void test_blocking_echo(void)
{
    int l = listen_on(sb, 7000);
    int c, s;
    pair(l, 7000, &c, &s);
    SK_CHECK_EQ_I(sk_bsd_send(c, "hello", 5, 0), 5);
    char buf[16] = {0};
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 5);
    SK_CHECK_STR(buf, "hello");
    struct iovec v[2] = {{(void *)"ec", 2}, {(void *)"ho", 2}};
    SK_CHECK_EQ_I(sk_bsd_writev(s, v, 2), 4);
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ_I(sk_bsd_recv(c, buf, 4, MSG_WAITALL), 4);
    SK_CHECK_STR(buf, "echo");
    struct sockaddr_in me, him;
    socklen_t ml = sizeof me, hl = sizeof him;
    SK_CHECK_EQ_I(sk_bsd_getsockname(c, (struct sockaddr *)&me, &ml), 0);
    SK_CHECK_EQ_I(sk_bsd_getpeername(c, (struct sockaddr *)&him, &hl), 0);
    SK_CHECK_EQ(ntohl(me.sin_addr.s_addr), 0xc0000201u);
    SK_CHECK_EQ(ntohs(him.sin_port), 7000);
    SK_CHECK(ntohs(me.sin_port) != 0);
    /* end of stream after the peer's shutdown(SHUT_WR) */
    SK_CHECK_EQ_I(sk_bsd_shutdown(c, SHUT_WR), 0);
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 0);
    SK_CHECK_EQ_I(sk_bsd_send(c, "x", 1, MSG_NOSIGNAL), -1);
    SK_CHECK_EQ_I(errno, EPIPE);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
    SK_CHECK(!sk_bsd_is_socket(l));
}

struct reader {
    int fd;
    size_t got;
    uint32_t sum;
};

static void *read_all(void *arg)
{
    struct reader *r = arg;
    uint8_t buf[8192];
    ssize_t n;
    while ((n = sk_bsd_recv(r->fd, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            r->sum = r->sum * 31u + buf[i];
        r->got += (size_t)n;
    }
    return NULL;
}

static void test_bulk_with_reader_thread(void)
{
    int l = listen_on(sb, 7001);
    int c, s;
    pair(l, 7001, &c, &s);
    struct reader r = {.fd = s};
    pthread_t t;
    SK_CHECK_EQ_I(pthread_create(&t, NULL, read_all, &r), 0);
    static uint8_t data[1 << 20];
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7 + (i >> 10));
        sum = sum * 31u + data[i];
    }
    /* a blocking send queues all of it, waiting for room as the reader reads */
    SK_CHECK_EQ_I(sk_bsd_send(c, data, sizeof data, 0), (ssize_t)sizeof data);
    SK_CHECK_EQ_I(sk_bsd_shutdown(c, SHUT_WR), 0);
    pthread_join(t, NULL);
    SK_CHECK_EQ(r.got, sizeof data);
    SK_CHECK_EQ(r.sum, sum);
    sk_bsd_close(s);
    sk_bsd_close(c);
    sk_bsd_close(l);
}

static void test_nonblocking_connect_poll(void)
{
    int l = listen_on(sb, 7002);
    int c = sk_bsd_socket(sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
    SK_CHECK(c >= 0);
    SK_CHECK(sk_bsd_fcntl(c, F_GETFL, 0) & O_NONBLOCK);
    struct sockaddr_in to = addr_of(2, 7002);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), -1);
    SK_CHECK_EQ_I(errno, EINPROGRESS);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), -1);
    SK_CHECK(errno == EALREADY || errno == EISCONN);
    struct pollfd p = {c, POLLOUT, 0};
    SK_CHECK_EQ_I(poll(&p, 1, 10000), 1);
    SK_CHECK(p.revents & POLLOUT);
    int soerr = -1;
    socklen_t len = sizeof soerr;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
    SK_CHECK_EQ_I(soerr, 0);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), -1);
    SK_CHECK_EQ_I(errno, EISCONN);
    /* the listener is readable through poll and epoll; accept4 takes it */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    SK_CHECK_EQ_I(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev), 0);
    struct epoll_event got;
    SK_CHECK_EQ_I(epoll_wait(ep, &got, 1, 10000), 1);
    SK_CHECK_EQ_I(got.data.fd, l);
    int s = sk_bsd_accept4(l, NULL, NULL, SOCK_NONBLOCK);
    SK_CHECK(s >= 0);
    /* nothing to read: EAGAIN, and poll reports no POLLIN */
    char buf[8];
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), -1);
    SK_CHECK_EQ_I(errno, EAGAIN);
    struct pollfd ps = {s, POLLIN, 0};
    SK_CHECK_EQ_I(poll(&ps, 1, 0), 0);
    SK_CHECK_EQ_I(sk_bsd_fcntl(l, F_SETFL, O_NONBLOCK), 0);
    SK_CHECK_EQ_I(sk_bsd_accept4(l, NULL, NULL, 0), -1); /* none pending */
    SK_CHECK_EQ_I(errno, EAGAIN);
    /* data arrives: POLLIN, FIONREAD, then the bytes */
    SK_CHECK_EQ_I(sk_bsd_send(c, "abc", 3, 0), 3);
    fd_set rf;
    FD_ZERO(&rf);
    FD_SET(s, &rf);
    struct timeval tv = {10, 0};
    SK_CHECK_EQ_I(select(s + 1, &rf, NULL, NULL, &tv), 1); /* select sees it too */
    SK_CHECK(FD_ISSET(s, &rf));
    SK_CHECK_EQ_I(poll(&ps, 1, 10000), 1);
    SK_CHECK(ps.revents & POLLIN);
    int avail = 0;
    SK_CHECK_EQ_I(sk_bsd_ioctl(s, FIONREAD, &avail), 0);
    SK_CHECK_EQ_I(avail, 3);
    /* MSG_PEEK leaves the bytes for the next recv (wget reads headers so) */
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, 2, MSG_PEEK), 2);
    SK_CHECK(memcmp(buf, "ab", 2) == 0);
    SK_CHECK_EQ_I(sk_bsd_ioctl(s, FIONREAD, &avail), 0);
    SK_CHECK_EQ_I(avail, 3);
    SK_CHECK_EQ_I(poll(&ps, 1, 0), 1); /* still readable */
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 3); /* the peeked bytes, then the rest */
    SK_CHECK(memcmp(buf, "abc", 3) == 0);
    SK_CHECK_EQ_I(poll(&ps, 1, 0), 0); /* all read: not readable any more */
    close(ep);
    sk_bsd_close(s);
    sk_bsd_close(c);
    sk_bsd_close(l);
}

/* A connect that cannot finish (no host answers ARP for 192.0.2.99): the
 * socket stays connecting, not writable; send and recv answer EAGAIN (no
 * data queued in SYN-SENT, as Linux), SO_ERROR is 0 meanwhile. */
static void test_still_connecting(void)
{
    int c = sk_bsd_socket(sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = addr_of(99, 80);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), -1);
    SK_CHECK_EQ_I(errno, EINPROGRESS);
    struct pollfd p = {c, POLLOUT, 0};
    SK_CHECK_EQ_I(poll(&p, 1, 0), 0);
    SK_CHECK_EQ_I(sk_bsd_send(c, "x", 1, 0), -1);
    SK_CHECK_EQ_I(errno, EAGAIN);
    char buf[4];
    SK_CHECK_EQ_I(sk_bsd_recv(c, buf, sizeof buf, 0), -1);
    SK_CHECK_EQ_I(errno, EAGAIN);
    int soerr = -1;
    socklen_t len = sizeof soerr;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
    SK_CHECK_EQ_I(soerr, 0);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    SK_CHECK_EQ_I(sk_bsd_getpeername(c, (struct sockaddr *)&peer, &pl), -1);
    SK_CHECK_EQ_I(errno, ENOTCONN);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
}

static void test_refused(void)
{
    int c = sk_bsd_socket(sa, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = addr_of(2, 7999); /* nobody listens */
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), -1);
    SK_CHECK_EQ_I(errno, ECONNREFUSED);
    sk_bsd_close(c);
    int n = sk_bsd_socket(sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SK_CHECK_EQ_I(sk_bsd_connect(n, (struct sockaddr *)&to, sizeof to), -1);
    SK_CHECK_EQ_I(errno, EINPROGRESS);
    struct pollfd p = {n, POLLOUT, 0};
    SK_CHECK_EQ_I(poll(&p, 1, 10000), 1);
    int soerr = 0;
    socklen_t len = sizeof soerr;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(n, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
    SK_CHECK_EQ_I(soerr, ECONNREFUSED);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(n, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
    SK_CHECK_EQ_I(soerr, 0); /* reading SO_ERROR clears it */
    sk_bsd_close(n);
}

/* close() with received data unread resets the connection (RFC 2525
 * §2.17, RFC 1122 §4.2.2.13), as Linux does: the peer's recv sees
 * ECONNRESET, not an end of stream; so does SO_LINGER {1, 0}. */
static void test_close_unread_resets(void)
{
    int l = listen_on(sb, 7003);
    int c, s;
    pair(l, 7003, &c, &s);
    SK_CHECK_EQ_I(sk_bsd_send(c, "unread", 6, 0), 6);
    struct pollfd p = {s, POLLIN, 0};
    SK_CHECK_EQ_I(poll(&p, 1, 10000), 1); /* arrived, never read */
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    char buf[8];
    SK_CHECK_EQ_I(sk_bsd_recv(c, buf, sizeof buf, 0), -1);
    SK_CHECK_EQ_I(errno, ECONNRESET);
    sk_bsd_close(c);
    /* SO_LINGER on with 0 s: close() resets with nothing unread */
    pair(l, 7003, &c, &s);
    struct linger lg = {1, 0};
    SK_CHECK_EQ_I(sk_bsd_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_recv(c, buf, sizeof buf, 0), -1);
    SK_CHECK_EQ_I(errno, ECONNRESET);
    sk_bsd_close(c);
    sk_bsd_close(l);
}

static void test_errno_cases(void)
{
    char buf[4];
    SK_CHECK_EQ_I(sk_bsd_recv(-1, buf, sizeof buf, 0), -1);
    SK_CHECK_EQ_I(errno, EBADF);
    int devnull = open("/dev/null", O_RDONLY);
    SK_CHECK_EQ_I(sk_bsd_close(devnull), -1); /* not a synack socket */
    SK_CHECK_EQ_I(errno, EBADF);
    close(devnull);
    SK_CHECK_EQ_I(sk_bsd_socket(sa, AF_UNIX, SOCK_STREAM, 0), -1);
    SK_CHECK_EQ_I(errno, EAFNOSUPPORT);
    SK_CHECK_EQ_I(sk_bsd_socket(sa, AF_INET, SOCK_RAW, 0), -1);
    SK_CHECK_EQ_I(errno, ESOCKTNOSUPPORT);
    SK_CHECK_EQ_I(sk_bsd_socket(sa, AF_INET, SOCK_STREAM, IPPROTO_UDP), -1);
    SK_CHECK_EQ_I(errno, EPROTONOSUPPORT);
    int f = sk_bsd_socket(sa, AF_INET, SOCK_STREAM, 0);
    SK_CHECK_EQ_I(sk_bsd_recv(f, buf, sizeof buf, 0), -1);
    SK_CHECK_EQ_I(errno, ENOTCONN);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    SK_CHECK_EQ_I(sk_bsd_getpeername(f, (struct sockaddr *)&a, &al), -1);
    SK_CHECK_EQ_I(errno, ENOTCONN);
    SK_CHECK_EQ_I(sk_bsd_shutdown(f, SHUT_WR), -1);
    SK_CHECK_EQ_I(errno, ENOTCONN);
    int one = 1, v = 0;
    socklen_t vl = sizeof v;
    SK_CHECK_EQ_I(sk_bsd_setsockopt(f, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(f, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 1);
    SK_CHECK_EQ_I(sk_bsd_setsockopt(f, SOL_SOCKET, SO_BROADCAST, &one, sizeof one), -1);
    SK_CHECK_EQ_I(errno, ENOPROTOOPT);
    SK_CHECK_EQ_I(sk_bsd_setsockopt(f, IPPROTO_TCP, TCP_NODELAY, &one, 1), -1);
    SK_CHECK_EQ_I(errno, EINVAL);
    SK_CHECK_EQ_I(sk_bsd_ioctl(f, FIONBIO, &one), 0);
    SK_CHECK(sk_bsd_fcntl(f, F_GETFL, 0) & O_NONBLOCK);
    /* a port with a listener: EADDRINUSE at bind */
    int l = listen_on(sa, 7100);
    struct sockaddr_in b = addr_of(1, 7100);
    SK_CHECK_EQ_I(sk_bsd_bind(f, (struct sockaddr *)&b, sizeof b), -1);
    SK_CHECK_EQ_I(errno, EADDRINUSE);
    SK_CHECK_EQ_I(sk_bsd_bind(f, (struct sockaddr *)&b, 4), -1); /* too short */
    SK_CHECK_EQ_I(errno, EINVAL);
    SK_CHECK_EQ_I(sk_bsd_accept4(f, NULL, NULL, 0), -1); /* not listening */
    SK_CHECK_EQ_I(errno, EINVAL);
    sk_bsd_close(l);
    sk_bsd_close(f);
    SK_CHECK_EQ_I(sk_bsd_close(f), -1); /* closed twice */
    SK_CHECK_EQ_I(errno, EBADF);
}

/* UDP: sendto/recvfrom with addresses, readiness through poll, connect
 * and send, recvmsg truncation (MSG_TRUNC), and Linux's errno. */
static void test_udp(void)
{
    int a = sk_bsd_socket(sa, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int b = sk_bsd_socket(sb, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    SK_CHECK(a >= 0 && b >= 0);
    struct sockaddr_in any = addr_of(0, 5000);
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    SK_CHECK_EQ_I(sk_bsd_bind(a, (struct sockaddr *)&any, sizeof any), 0);
    char buf[16];
    SK_CHECK_EQ_I(sk_bsd_recv(a, buf, sizeof buf, 0), -1); /* nothing yet */
    SK_CHECK_EQ_I(errno, EAGAIN);
    SK_CHECK_EQ_I(sk_bsd_send(b, "x", 1, 0), -1); /* no destination */
    SK_CHECK_EQ_I(errno, EDESTADDRREQ);
    SK_CHECK_EQ_I(sk_bsd_listen(b, 1), -1);
    SK_CHECK_EQ_I(errno, EOPNOTSUPP);
    struct sockaddr_in to = addr_of(1, 5000);
    SK_CHECK_EQ_I(sk_bsd_sendto(b, "ping", 4, 0, (struct sockaddr *)&to, sizeof to), 4);
    struct pollfd p = {a, POLLIN, 0};
    SK_CHECK_EQ_I(poll(&p, 1, 10000), 1);
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ_I(sk_bsd_recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 4);
    SK_CHECK_STR(buf, "ping");
    SK_CHECK_EQ(fl, sizeof from);
    SK_CHECK_EQ(ntohl(from.sin_addr.s_addr), 0xc0000202u);
    struct sockaddr_in bname;
    socklen_t bl = sizeof bname;
    SK_CHECK_EQ_I(sk_bsd_getsockname(b, (struct sockaddr *)&bname, &bl), 0);
    SK_CHECK_EQ(bname.sin_port, from.sin_port); /* the port the send bound */
    /* the answer to the source, read by a blocking recv */
    SK_CHECK_EQ_I(sk_bsd_sendto(a, "pong", 4, 0, (struct sockaddr *)&from, fl), 4);
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ_I(sk_bsd_recv(b, buf, sizeof buf, 0), 4);
    SK_CHECK_STR(buf, "pong");
    /* connected: send without an address; a datagram longer than the
     * buffers is cut and flagged MSG_TRUNC */
    SK_CHECK_EQ_I(sk_bsd_connect(b, (struct sockaddr *)&to, sizeof to), 0);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    SK_CHECK_EQ_I(sk_bsd_getpeername(b, (struct sockaddr *)&peer, &pl), 0);
    SK_CHECK_EQ(ntohs(peer.sin_port), 5000);
    SK_CHECK_EQ_I(sk_bsd_send(b, "0123456789", 10, 0), 10);
    SK_CHECK_EQ_I(poll(&p, 1, 10000), 1);
    char x[3], y[3];
    struct iovec v[2] = {{x, 3}, {y, 3}};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = v;
    m.msg_iovlen = 2;
    SK_CHECK_EQ_I(sk_bsd_recvmsg(a, &m, 0), 6);
    SK_CHECK(memcmp(x, "012", 3) == 0 && memcmp(y, "345", 3) == 0);
    SK_CHECK(m.msg_flags & MSG_TRUNC);
    SK_CHECK_EQ(m.msg_namelen, sizeof from);
    int t = -1;
    socklen_t tl = sizeof t;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(a, SOL_SOCKET, SO_TYPE, &t, &tl), 0);
    SK_CHECK_EQ_I(t, SOCK_DGRAM);
    SK_CHECK_EQ_I(sk_bsd_close(a), 0);
    SK_CHECK_EQ_I(sk_bsd_close(b), 0);
}

/* TCP_INFO in Linux's layout; a short optlen copies a prefix. */
static void test_tcp_info(void)
{
    int l = listen_on(sb, 7010);
    struct tcp_info ti;
    socklen_t tl = sizeof ti;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
    SK_CHECK_EQ_I(ti.tcpi_state, TCP_LISTEN);
    int c, s;
    pair(l, 7010, &c, &s);
    SK_CHECK_EQ_I(sk_bsd_send(c, "ping", 4, 0), 4);
    char buf[8];
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 4);
    memset(&ti, 0xff, sizeof ti);
    tl = sizeof ti;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
    SK_CHECK_EQ(tl, sizeof ti);
    SK_CHECK_EQ_I(ti.tcpi_state, TCP_ESTABLISHED);
    SK_CHECK_EQ(ti.tcpi_snd_mss, 1460u);
    SK_CHECK_EQ(ti.tcpi_rcv_mss, 1460u);
    SK_CHECK(ti.tcpi_rto >= 200000u); /* RFC 6298 floor is 1 s; synack's minimum at least 200 ms */
    SK_CHECK(ti.tcpi_snd_cwnd >= 1u && ti.tcpi_snd_cwnd < 1000u); /* segments, not bytes */
    SK_CHECK(ti.tcpi_snd_ssthresh > 0u);
    SK_CHECK_EQ(ti.tcpi_total_retrans, 0u);
    SK_CHECK_EQ(ti.tcpi_ca_state, 0);  /* not known: zero */
    SK_CHECK_EQ(ti.tcpi_sacked, 0u);
    /* a short optlen: a prefix, and optlen says how much */
    uint8_t pre[2] = {0xee, 0xee};
    tl = 1;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, IPPROTO_TCP, TCP_INFO, pre, &tl), 0);
    SK_CHECK_EQ(tl, 1u);
    SK_CHECK_EQ_I(pre[0], TCP_ESTABLISHED);
    SK_CHECK_EQ_I(pre[1], 0xee);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

/* SO_RCVTIMEO/SO_SNDTIMEO and the read-only socket options. */
static void test_timeouts_and_sockopts(void)
{
    int l = listen_on(sb, 7011);
    int v = -1;
    socklen_t vl = sizeof v;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 1);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
    SK_CHECK_EQ_I(v, SOCK_STREAM);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, SOL_SOCKET, SO_DOMAIN, &v, &vl), 0);
    SK_CHECK_EQ_I(v, AF_INET);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, SOL_SOCKET, SO_PROTOCOL, &v, &vl), 0);
    SK_CHECK_EQ_I(v, IPPROTO_TCP);
    struct timeval tv = {0, 50000}, got = {9, 9};
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    socklen_t gl = sizeof got;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &got, &gl), 0);
    SK_CHECK_EQ(gl, sizeof got);
    SK_CHECK(got.tv_sec == 0 && got.tv_usec == 50000);
    /* accept with nobody connecting: EAGAIN once the timeout is over */
    SK_CHECK_EQ_I(sk_bsd_accept4(l, NULL, NULL, 0), -1);
    SK_CHECK_EQ_I(errno, EAGAIN);
    struct timeval bad = {0, 1000000};
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, SOL_SOCKET, SO_SNDTIMEO, &bad, sizeof bad), -1);
    SK_CHECK_EQ_I(errno, EDOM);
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, SOL_SOCKET, SO_SNDTIMEO, &tv, 4), -1);
    SK_CHECK_EQ_I(errno, EINVAL);
    int c, s;
    pair(l, 7011, &c, &s);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 0);
    SK_CHECK_EQ_I(sk_bsd_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    char buf[4];
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), -1); /* blocking, nothing sent */
    SK_CHECK_EQ_I(errno, EAGAIN);
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, MSG_PEEK), -1);
    SK_CHECK_EQ_I(errno, EAGAIN);
    /* data still arrives on the same socket after a timeout */
    SK_CHECK_EQ_I(sk_bsd_send(c, "ok", 2, 0), 2);
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 2);
    /* {0,0}: no timeout again */
    struct timeval zero = {0, 0};
    SK_CHECK_EQ_I(sk_bsd_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof zero), 0);
    gl = sizeof got;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &gl), 0);
    SK_CHECK(got.tv_sec == 0 && got.tv_usec == 0);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

static int tcp_info_of(int fd, struct tcp_info *ti)
{
    socklen_t tl = sizeof *ti;
    return sk_bsd_getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &tl);
}

/* SO_RCVBUF/SO_SNDBUF applied per socket, as Linux: clamped, reported
 * doubled; the receive buffer set before connect() decides the window
 * scale offered; a listener's pass to the connections it accepts; the
 * send buffer limits what a non-blocking send takes. */
static void test_socket_buffers(void)
{
    int l = sk_bsd_socket(sb, AF_INET, SOCK_STREAM, 0);
    int v = 0;
    socklen_t vl = sizeof v;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(l, SOL_SOCKET, SO_SNDBUF, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 256 * 1024); /* unset: the stack's buffer */
    v = 3000;
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0);
    struct sockaddr_in a = addr_of(0, 7012);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 4), 0);
    /* clamping: tiny to the minimum, negative or huge to the stack's */
    int c = sk_bsd_socket(sa, AF_INET, SOCK_STREAM, 0);
    v = 1;
    SK_CHECK_EQ_I(sk_bsd_setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), 0);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 2 * 2048);
    v = -1;
    SK_CHECK_EQ_I(sk_bsd_setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), 0);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 2 * 256 * 1024);
    v = 4000;
    SK_CHECK_EQ_I(sk_bsd_setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), 0);
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 8000);
    struct sockaddr_in to = addr_of(2, 7012);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), 0);
    int s = sk_bsd_accept4(l, NULL, NULL, SOCK_NONBLOCK);
    SK_CHECK(s >= 0);
    struct tcp_info ci, si;
    SK_CHECK_EQ_I(tcp_info_of(c, &ci), 0);
    SK_CHECK_EQ_I(tcp_info_of(s, &si), 0);
    SK_CHECK_EQ_I(ci.tcpi_rcv_wscale, 0); /* 4000 bytes need no scale */
    SK_CHECK_EQ_I(si.tcpi_snd_wscale, 0); /* and the peer saw none */
    SK_CHECK_EQ_I(si.tcpi_rcv_wscale, 3); /* the listener's default 256 KiB: 3 */
    SK_CHECK_EQ_I(sk_bsd_getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &vl), 0);
    SK_CHECK_EQ_I(v, 6000); /* inherited from the listener */
    static char big[20000];
    ssize_t n = sk_bsd_send(s, big, sizeof big, 0);
    SK_CHECK_MSG(n > 0 && n <= 3072, "non-blocking send took %zd", n); /* 3000 in KiB */
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

static struct sockaddr_in6 addr6_of(uint8_t last, uint16_t port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr.s6_addr[0] = 0x20;
    a.sin6_addr.s6_addr[1] = 0x01;
    a.sin6_addr.s6_addr[2] = 0x0d;
    a.sin6_addr.s6_addr[3] = 0xb8;
    a.sin6_addr.s6_addr[15] = last;
    return a;
}

/* ::ffff:192.0.2.last */
static struct sockaddr_in6 mapped_of(uint8_t last, uint16_t port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr.s6_addr[10] = a.sin6_addr.s6_addr[11] = 0xff;
    a.sin6_addr.s6_addr[12] = 192;
    a.sin6_addr.s6_addr[14] = 2;
    a.sin6_addr.s6_addr[15] = last;
    return a;
}

/* A blocking AF_INET6 client on A to `to`: its descriptor, or -1 with
 * errno from connect. */
static int connect6(const struct sockaddr_in6 *to)
{
    int c = sk_bsd_socket(sa, AF_INET6, SOCK_STREAM, 0);
    if (sk_bsd_connect(c, (const struct sockaddr *)to, sizeof *to) == 0)
        return c;
    int err = errno;
    sk_bsd_close(c);
    errno = err;
    return -1;
}

/* bind() to one address: a listener takes connections to it only; an
 * address the stack does not have is EADDRNOTAVAIL; getsockname shows the
 * bound address. */
static void test_bind_one_address(void)
{
    int l = sk_bsd_socket(sb, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in bad = addr_of(99, 7013);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&bad, sizeof bad), -1);
    SK_CHECK_EQ_I(errno, EADDRNOTAVAIL);
    struct sockaddr_in mine = addr_of(2, 7013);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&mine, sizeof mine), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 4), 0);
    struct sockaddr_in got;
    socklen_t gl = sizeof got;
    SK_CHECK_EQ_I(sk_bsd_getsockname(l, (struct sockaddr *)&got, &gl), 0);
    SK_CHECK_EQ(ntohl(got.sin_addr.s_addr), 0xc0000202u);
    SK_CHECK_EQ(ntohs(got.sin_port), 7013);
    /* to the bound IPv4 address: accepted; to B's IPv6 address: refused */
    int c, s;
    pair(l, 7013, &c, &s);
    SK_CHECK_EQ_I(sk_bsd_send(c, "v4", 2, 0), 2);
    char buf[8];
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 2);
    struct sockaddr_in6 to6 = addr6_of(2, 7013);
    SK_CHECK_EQ_I(connect6(&to6), -1);
    SK_CHECK_EQ_I(errno, ECONNREFUSED);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

/* Native IPv6 through the BSD layer: an AF_INET6 listener bound to B's
 * IPv6 address serves an AF_INET6 client byte-exact, with IPv6 names on
 * both ends, and refuses an IPv4-mapped client; one bound to in6addr_any
 * takes both, the IPv4 one named ::ffff:192.0.2.1. */
static void test_ipv6_sockets(void)
{
    int l = sk_bsd_socket(sb, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 bad = addr6_of(99, 7014);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&bad, sizeof bad), -1);
    SK_CHECK_EQ_I(errno, EADDRNOTAVAIL);
    struct sockaddr_in6 mine = addr6_of(2, 7014);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&mine, sizeof mine), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 4), 0);
    int c = connect6(&mine);
    SK_CHECK(c >= 0);
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof peer;
    int s = sk_bsd_accept4(l, (struct sockaddr *)&peer, &pl, 0);
    SK_CHECK(s >= 0);
    struct sockaddr_in6 a1 = addr6_of(1, 0);
    SK_CHECK_EQ(pl, sizeof peer);
    SK_CHECK_MEM(&peer.sin6_addr, &a1.sin6_addr, 16);
    struct sockaddr_in6 me;
    socklen_t ml = sizeof me;
    SK_CHECK_EQ_I(sk_bsd_getsockname(c, (struct sockaddr *)&me, &ml), 0);
    SK_CHECK_MEM(&me.sin6_addr, &a1.sin6_addr, 16);
    ml = sizeof me;
    SK_CHECK_EQ_I(sk_bsd_getsockname(l, (struct sockaddr *)&me, &ml), 0);
    SK_CHECK_MEM(&me.sin6_addr, &mine.sin6_addr, 16);
    static char out[1000], in[1000];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (char)(i * 7 + 3);
    SK_CHECK_EQ_I(sk_bsd_send(c, out, 1000, 0), 1000);
    SK_CHECK_EQ_I(sk_bsd_recv(s, in, 1000, MSG_WAITALL), 1000);
    SK_CHECK_MEM(in, out, 1000);
    struct sockaddr_in6 m2 = mapped_of(2, 7014);
    SK_CHECK_EQ_I(connect6(&m2), -1);
    SK_CHECK_EQ_I(errno, ECONNREFUSED);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
    /* in6addr_any: both families */
    l = sk_bsd_socket(sb, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any;
    memset(&any, 0, sizeof any);
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(7015);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&any, sizeof any), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 4), 0);
    struct sockaddr_in6 to[2] = {addr6_of(2, 7015), mapped_of(2, 7015)};
    struct sockaddr_in6 from[2] = {addr6_of(1, 0), mapped_of(1, 0)};
    for (int k = 0; k < 2; k++) {
        c = connect6(&to[k]);
        SK_CHECK(c >= 0);
        pl = sizeof peer;
        s = sk_bsd_accept4(l, (struct sockaddr *)&peer, &pl, 0);
        SK_CHECK(s >= 0);
        SK_CHECK_MEM(&peer.sin6_addr, &from[k].sin6_addr, 16);
        SK_CHECK_EQ_I(sk_bsd_send(s, "six", 3, 0), 3);
        char b3[4] = {0};
        SK_CHECK_EQ_I(sk_bsd_recv(c, b3, 3, MSG_WAITALL), 3);
        SK_CHECK_STR(b3, "six");
        SK_CHECK_EQ_I(sk_bsd_close(s), 0);
        SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    }
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

static void check_cc(int fd, const char *want)
{
    char got[16];
    memset(got, 0x55, sizeof got);
    socklen_t gl = sizeof got;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, got, &gl), 0);
    SK_CHECK_EQ(gl, sizeof got);
    SK_CHECK_STR(got, want);
}

/* TCP_CONGESTION as Linux: the stack's by default, set before connect or
 * listen and applied then (the accepted connections take the listener's),
 * changed on a live connection, ENOENT for a name synack does not have. */
static void test_congestion(void)
{
    int l = sk_bsd_socket(sb, AF_INET, SOCK_STREAM, 0);
    check_cc(l, "cubic");
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, IPPROTO_TCP, TCP_CONGESTION, "bogus", 5), -1);
    SK_CHECK_EQ_I(errno, ENOENT);
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, IPPROTO_TCP, TCP_CONGESTION, "reno", 4), -1);
    SK_CHECK_EQ_I(errno, ENOENT); /* synack's is "newreno" */
    SK_CHECK_EQ_I(sk_bsd_setsockopt(l, IPPROTO_TCP, TCP_CONGESTION, "newreno", 7), 0);
    check_cc(l, "newreno");
    struct sockaddr_in a = addr_of(0, 7016);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 4), 0);
    int c = sk_bsd_socket(sa, AF_INET, SOCK_STREAM, 0);
    SK_CHECK_EQ_I(sk_bsd_setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, "newreno", 8), 0);
    struct sockaddr_in to = addr_of(2, 7016);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&to, sizeof to), 0);
    int s = sk_bsd_accept4(l, NULL, NULL, 0);
    SK_CHECK(s >= 0);
    check_cc(c, "newreno"); /* read from the connection: applied at connect */
    check_cc(s, "newreno"); /* the listener's */
    SK_CHECK_EQ_I(sk_bsd_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5), 0);
    check_cc(s, "cubic");
    SK_CHECK_EQ_I(sk_bsd_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "nope", 4), -1);
    SK_CHECK_EQ_I(errno, ENOENT);
    check_cc(s, "cubic");
    /* a short optlen: a prefix of the name */
    char two[2];
    socklen_t tl = sizeof two;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, two, &tl), 0);
    SK_CHECK_EQ(tl, 2u);
    SK_CHECK(two[0] == 'c' && two[1] == 'u');
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

/* ---- the stack in the caller's own loop (SK_BSD_NO_THREAD) ---- */

static sk_bsd_stack *la, *lb; /* 192.0.2.11 and 192.0.2.12 on their own link */

/* The test's event loop: step both stacks, then wait on their devices
 * for the nearer of their timers, until fd shows ev (bounded). */
static bool loop_until(int fd, short ev)
{
    for (int i = 0; i < 5000; i++) {
        SK_CHECK_EQ_I(sk_bsd_step(la), 0);
        SK_CHECK_EQ_I(sk_bsd_step(lb), 0);
        struct pollfd me = {fd, ev, 0};
        if (poll(&me, 1, 0) == 1 && (me.revents & ev))
            return true;
        struct pollfd p[2];
        int ta, tb;
        SK_CHECK_EQ_I(sk_bsd_loop_poll(la, &p[0], &ta), 0);
        SK_CHECK_EQ_I(sk_bsd_loop_poll(lb, &p[1], &tb), 0);
        int t = ta < 0 ? tb : tb < 0 ? ta : ta < tb ? ta : tb;
        (void)poll(p, 2, t < 0 || t > 200 ? 200 : t); /* bounded wait */
    }
    return false;
}

/* Two stacks without threads, moved by the test's loop: a connection,
 * an exchange both ways, and the calls that would block returning at
 * once (EINPROGRESS, EAGAIN) instead of hanging. */
static void test_caller_loop(void)
{
    int l = sk_bsd_socket(lb, AF_INET, SOCK_STREAM, 0); /* blocking sockets */
    struct sockaddr_in a = addr_of(12, 7100);
    SK_CHECK_EQ_I(sk_bsd_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    SK_CHECK_EQ_I(sk_bsd_listen(l, 4), 0);
    SK_CHECK_EQ_I(sk_bsd_accept4(l, NULL, NULL, 0), -1); /* would block */
    SK_CHECK_EQ_I(errno, EAGAIN);
    int c = sk_bsd_socket(la, AF_INET, SOCK_STREAM, 0);
    SK_CHECK_EQ_I(sk_bsd_connect(c, (struct sockaddr *)&a, sizeof a), -1);
    SK_CHECK_EQ_I(errno, EINPROGRESS);
    SK_CHECK(loop_until(l, POLLIN));
    int s = sk_bsd_accept4(l, NULL, NULL, 0);
    SK_CHECK(s >= 0);
    SK_CHECK(loop_until(c, POLLOUT));
    int err = -1;
    socklen_t el = sizeof err;
    SK_CHECK_EQ_I(sk_bsd_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    SK_CHECK_EQ_I(err, 0);
    char buf[32] = {0};
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), -1); /* nothing yet */
    SK_CHECK_EQ_I(errno, EAGAIN);
    SK_CHECK_EQ_I(sk_bsd_send(c, "in the loop", 11, 0), 11);
    SK_CHECK(loop_until(s, POLLIN));
    SK_CHECK_EQ_I(sk_bsd_recv(s, buf, sizeof buf, 0), 11);
    SK_CHECK_STR(buf, "in the loop");
    SK_CHECK_EQ_I(sk_bsd_send(s, "back", 4, 0), 4);
    SK_CHECK(loop_until(c, POLLIN));
    memset(buf, 0, sizeof buf);
    SK_CHECK_EQ_I(sk_bsd_recv(c, buf, sizeof buf, MSG_WAITALL), 4); /* no wait for more */
    SK_CHECK_STR(buf, "back");
    /* a blocking send larger than the buffer takes what fits and returns */
    static char big[600 * 1024];
    ssize_t n = sk_bsd_send(c, big, sizeof big, 0);
    SK_CHECK_MSG(n > 0 && n < (ssize_t)sizeof big, "send took %zd", n);
    /* end of stream travels through the loop too */
    SK_CHECK_EQ_I(sk_bsd_close(c), 0);
    size_t got = 0;
    for (;;) {
        SK_CHECK(loop_until(s, POLLIN));
        ssize_t r = sk_bsd_recv(s, big, sizeof big, 0);
        if (r <= 0) {
            SK_CHECK_EQ_I(r, 0);
            break;
        }
        got += (size_t)r;
    }
    SK_CHECK_EQ(got, (size_t)n);
    SK_CHECK_EQ_I(sk_bsd_close(s), 0);
    SK_CHECK_EQ_I(sk_bsd_close(l), 0);
}

/* The loop calls are for SK_BSD_NO_THREAD stacks only. */
static void test_caller_loop_misuse(void)
{
    struct pollfd p;
    int t;
    SK_CHECK_EQ_I(sk_bsd_step(sa), -1); /* sa has its thread */
    SK_CHECK_EQ_I(errno, EINVAL);
    SK_CHECK_EQ_I(sk_bsd_loop_poll(sa, &p, &t), -1);
    SK_CHECK_EQ_I(errno, EINVAL);
    SK_CHECK_EQ_I(sk_bsd_loop_poll(la, NULL, &t), -1);
    SK_CHECK_EQ_I(errno, EINVAL);
    SK_CHECK_EQ_I(sk_bsd_step(NULL), -1);
    SK_CHECK_EQ_I(sk_bsd_loop_poll(la, &p, &t), 0);
    SK_CHECK_EQ_I(p.events, POLLIN);
    SK_CHECK(p.fd >= 0);
    sk_bsd_stack *x = NULL;
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    sk_posix_dev dev;
    memset(&dev, 0, sizeof dev);
    char err[160];
    SK_CHECK_EQ_I(sk_bsd_start_ex(&x, &cfg, &dev, 0x80, err, sizeof err), -1);
    SK_CHECK(strstr(err, "flags") != NULL);
}

int main(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        return 1;
    }
    sa = start(sv[0], 1);
    sb = start(sv[1], 2);
    if (sa == NULL || sb == NULL)
        return sk_test_finish();
    SK_RUN(test_blocking_echo);
    SK_RUN(test_bulk_with_reader_thread);
    SK_RUN(test_nonblocking_connect_poll);
    SK_RUN(test_still_connecting);
    SK_RUN(test_refused);
    SK_RUN(test_close_unread_resets);
    SK_RUN(test_errno_cases);
    SK_RUN(test_udp);
    SK_RUN(test_tcp_info);
    SK_RUN(test_timeouts_and_sockopts);
    SK_RUN(test_socket_buffers);
    SK_RUN(test_bind_one_address);
    SK_RUN(test_ipv6_sockets);
    SK_RUN(test_congestion);
    int lv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, lv) != 0) {
        perror("socketpair");
        return 1;
    }
    la = start_flags(lv[0], 11, SK_BSD_NO_THREAD);
    lb = start_flags(lv[1], 12, SK_BSD_NO_THREAD);
    if (la != NULL && lb != NULL) {
        SK_RUN(test_caller_loop);
        SK_RUN(test_caller_loop_misuse);
    }
    sk_bsd_stop(la);
    sk_bsd_stop(lb);
    sk_bsd_stop(sa);
    sk_bsd_stop(sb);
    return sk_test_finish();
}
