/* linux_tcp_peer: Linux's own TCP, through plain BSD sockets, for the
 * baseline that bench/run_tcp_bench.sh prints beside synack's numbers. It
 * does what bench_tcp does in-process, but across two network namespaces:
 *
 * (-6 before the mode: servers listen on IPv6's any address; clients take
 * the family of ADDR, an IPv4 or IPv6 literal)
 *
 *   [-v] bulk-sink PORT              accept one connection, read to EOF;
 *                                    -v: compare every byte with the
 *                                    source's pattern (as bench_tcp does)
 *   [-t S] [-i] bulk-source ADDR PORT MIB
 *                                    connect, write MIB MiB (with -t: for S
 *                                    seconds; MIB 0 = no size limit; with
 *                                    -i: read from stdin, up to MIB MiB or
 *                                    its end, as `nc < FILE` does),
 *                                    half-close, wait for the sink's EOF
 *   conn-server PORT N CONC          serve N connections (N 0: until the
 *                                    client's end marker): read one byte,
 *                                    write it back, read EOF, close
 *   [-t S] conn-client ADDR PORT N CONC
 *                                    N connections (with -t: for S seconds;
 *                                    N 0 = no count limit), CONC open at
 *                                    once: connect, write one byte, read it
 *                                    back (checked), close (TIME-WAIT on
 *                                    the client); then, outside the timed
 *                                    part, one end-marker connection ('Q')
 *                                    that tells an N=0 server to stop
 *
 * The stream bulk-source writes is the 64 KiB pattern of bench_tcp
 * (byte i = i*7 + i/256, mod 256, repeating), so -v can check it.
 * Servers print "READY" on stdout once listening. Every program prints one
 * "RESULT ..." line with its wall time and its own CPU time (user + system
 * from getrusage; the drivers also sample the pinned CPUs' busy time from
 * /proc/stat around each run). Every wait is bounded by an alarm
 * (TIMEOUT_S). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linux_peer_args.h"

#define PROG "linux_tcp_peer"

#define TIMEOUT_S 120
#define BUF_LEN (64 * 1024)
#define MAX_EVENTS 256
#define END_MARKER 'Q' /* the byte of the connection that ends an N=0 server */

static double opt_seconds; /* -t: size the client's run by time */
static int opt_verify;     /* -v: the sink checks every byte */
static int opt_ipv6;       /* -6: servers listen on [::] */
static int opt_stdin;      /* -i: bulk-source sends what it reads from stdin */
static const char *opt_cc; /* -c CC: TCP_CONGESTION on every socket (NULL: the namespace's) */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "linux_tcp_peer: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* -c: the congestion control of this socket (an accepted one inherits
 * its listener's) */
static void set_cc(int fd)
{
    if (opt_cc != NULL &&
        setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, opt_cc, (socklen_t)strlen(opt_cc)) != 0)
        die("setsockopt TCP_CONGESTION");
}

static int listen_on(unsigned long port, int nonblock)
{
    struct sockaddr_storage sa;
    socklen_t len = peer_addr(PROG, NULL, port, opt_ipv6, &sa);
    int fd = socket(sa.ss_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    set_cc(fd);
    if (bind(fd, (struct sockaddr *)&sa, len) != 0)
        die("bind");
    if (listen(fd, 4096) != 0)
        die("listen");
    printf("READY\n");
    fflush(stdout);
    return fd;
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ---- bulk ---- */

static unsigned char pattern[BUF_LEN];

static void pattern_init(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (unsigned char)(i * 7u + (i >> 8));
}

/* Whether the n bytes in buf differ from the stream at offset `at`. */
static int pattern_differs(unsigned long long at, const char *buf, size_t n)
{
    while (n > 0) {
        size_t off = (size_t)(at % BUF_LEN);
        size_t k = BUF_LEN - off < n ? BUF_LEN - off : n;
        if (memcmp(buf, pattern + off, k) != 0)
            return 1;
        buf += k;
        at += k;
        n -= k;
    }
    return 0;
}

static int bulk_sink(unsigned long port)
{
    int l = listen_on(port, 0);
    int fd = accept(l, NULL, NULL);
    if (fd < 0)
        die("accept");
    static char buf[BUF_LEN];
    pattern_init();
    double w0 = wall_now(), c0 = cpu_now();
    unsigned long long total = 0;
    int differs = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (opt_verify && pattern_differs(total, buf, (size_t)r))
            differs = 1;
        total += (unsigned long long)r;
    }
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    close(fd);
    close(l);
    if (differs)
        fprintf(stderr, "linux_tcp_peer: bulk-sink: received bytes differ from those sent\n");
    printf("RESULT stack=linux test=bulk-sink verified=%s bytes=%llu wall_s=%.6f cpu_s=%.6f\n",
           opt_verify ? (differs ? "FAILED" : "yes") : "no", total, wall, cpu);
    return differs;
}

static unsigned long port_stalls;

static void pause_1ms(void)
{
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* Connect; when every ephemeral port is held by TIME-WAIT (EADDRNOTAVAIL)
 * count a stall, wait 1 ms and try again, as synack's benchmark does. */
static int connect_to(const char *ip, unsigned long port)
{
    struct sockaddr_storage sa;
    socklen_t len = peer_addr(PROG, ip, port, 0, &sa);
    for (;;) {
        int fd = socket(sa.ss_family, SOCK_STREAM, 0);
        if (fd < 0)
            die("socket");
        set_cc(fd);
        if (connect(fd, (struct sockaddr *)&sa, len) == 0)
            return fd;
        if (errno != EADDRNOTAVAIL)
            die("connect");
        close(fd);
        port_stalls++;
        pause_1ms();
    }
}

static int bulk_source(const char *ip, unsigned long port, unsigned long mib)
{
    static char buf[BUF_LEN];
    pattern_init();
    unsigned long long total = mib ? (unsigned long long)mib << 20 : ~0ull, sent = 0;
    double w0 = wall_now(), c0 = cpu_now();
    double stop = opt_seconds > 0 ? w0 + opt_seconds : 1e300;
    int fd = connect_to(ip, port);
    while (sent < total && wall_now() < stop) {
        const char *p;
        size_t n;
        if (opt_stdin) {
            /* -i: what a read of stdin gives, into one buffer, as nc does */
            size_t want = total - sent < BUF_LEN ? (size_t)(total - sent) : BUF_LEN;
            ssize_t r = read(STDIN_FILENO, buf, want);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                die("read stdin");
            if (r == 0)
                break;
            p = buf;
            n = (size_t)r;
        } else {
            /* from the pattern at the stream's offset, so -v can check it */
            size_t off = (size_t)(sent % BUF_LEN);
            p = (const char *)pattern + off;
            n = total - sent < BUF_LEN - off ? (size_t)(total - sent) : BUF_LEN - off;
        }
        while (n > 0) {
            ssize_t w = write(fd, p, n);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                die("write");
            }
            sent += (unsigned long long)w;
            p += w;
            n -= (size_t)w;
        }
    }
    shutdown(fd, SHUT_WR);
    /* the sink closes once it has read everything: wait for its EOF */
    while (read(fd, buf, sizeof buf) > 0) {
    }
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    close(fd);
    printf("RESULT stack=linux test=bulk-source bytes=%llu wall_s=%.6f cpu_s=%.6f gbps=%.3f\n",
           sent, wall, cpu, (double)sent * 8.0 / wall / 1e9);
    return 0;
}

/* ---- connections per second: one at a time (blocking calls) ---- */

/* Whether the client opens another connection: fewer than N started (N 0:
 * no count limit) and the time (-t) is not up. */
static int more_conns(unsigned long started, unsigned long n, double stop)
{
    return (n == 0 || started < n) && wall_now() < stop;
}

/* -1 an error, 0 served, 1 served the end marker */
static int serve_one_blocking(int fd)
{
    char b, eof;
    if (read(fd, &b, 1) != 1 || write(fd, &b, 1) != 1)
        return -1;
    if (read(fd, &eof, 1) != 0)
        return -1;
    return b == END_MARKER;
}

static int conn_server_seq(int l, unsigned long n)
{
    unsigned long errors = 0;
    for (unsigned long i = 0; n == 0 || i < n; i++) {
        int fd = accept(l, NULL, NULL);
        if (fd < 0)
            die("accept");
        set_nodelay(fd);
        int r = serve_one_blocking(fd);
        close(fd);
        if (r < 0)
            errors++;
        if (r == 1 && n == 0)
            break;
    }
    return errors == 0 ? 0 : 1;
}

static unsigned long conn_client_seq(const char *ip, unsigned long port, unsigned long n,
                                     double stop, unsigned long *done)
{
    unsigned long errors = 0, i;
    for (i = 0; more_conns(i, n, stop); i++) {
        int fd = connect_to(ip, port);
        set_nodelay(fd);
        char b = 'x';
        if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1 || b != 'x')
            errors++;
        close(fd); /* the client closes first: TIME-WAIT stays here */
    }
    *done = i;
    return errors;
}

/* ---- connections per second: many at once (epoll) ---- */

enum { ST_NONE, ST_CONNECTING, ST_WAIT_REPLY, ST_WAIT_REQUEST, ST_WAIT_EOF };

static int epoll_add(int ep, int fd, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.fd = fd;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int end_marker_fd = -1; /* the end marker's connection, once seen */
static int end_marker_closed;

static void server_ready(int ep, int fd, unsigned char *st, unsigned long *done)
{
    char b;
    ssize_t r = read(fd, &b, 1);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r == 1 && st[fd] == ST_WAIT_REQUEST) {
        if (write(fd, &b, 1) == 1) {
            st[fd] = ST_WAIT_EOF;
            if (b == END_MARKER)
                end_marker_fd = fd;
            return;
        }
    }
    if (fd == end_marker_fd)
        end_marker_closed = 1;
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    st[fd] = ST_NONE;
    close(fd);
    (*done)++;
}

static int conn_server_epoll(int l, unsigned long n)
{
    int ep = epoll_create1(0);
    static unsigned char st[1 << 20];
    if (ep < 0 || epoll_add(ep, l, EPOLLIN) != 0)
        die("epoll");
    unsigned long done = 0;
    struct epoll_event evs[MAX_EVENTS];
    while (n ? done < n : !end_marker_closed) {
        int k = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (k < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (fd != l) {
                server_ready(ep, fd, st, &done);
                continue;
            }
            int c;
            while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                if ((size_t)c >= sizeof st)
                    die("too many descriptors");
                set_nodelay(c);
                st[c] = ST_WAIT_REQUEST;
                if (epoll_add(ep, c, EPOLLIN) != 0)
                    die("epoll_ctl");
            }
        }
    }
    close(ep);
    return 0;
}

typedef struct {
    int ep;
    struct sockaddr_storage sa;
    socklen_t salen;
    unsigned char *st;
    unsigned long started, done, active, errors;
} client_ctx;

/* Start one connection; false when no ephemeral port is free right now. */
static int client_open(client_ctx *c)
{
    int fd = socket(c->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0 || fd >= (1 << 20))
        die("socket");
    set_nodelay(fd);
    set_cc(fd);
    if (connect(fd, (struct sockaddr *)&c->sa, c->salen) != 0 && errno != EINPROGRESS) {
        if (errno != EADDRNOTAVAIL)
            die("connect");
        close(fd);
        port_stalls++;
        return 0;
    }
    c->st[fd] = ST_CONNECTING;
    if (epoll_add(c->ep, fd, EPOLLOUT | EPOLLIN) != 0)
        die("epoll_ctl");
    c->started++;
    c->active++;
    return 1;
}

static void client_finish(client_ctx *c, int fd, int ok)
{
    epoll_ctl(c->ep, EPOLL_CTL_DEL, fd, NULL);
    c->st[fd] = ST_NONE;
    close(fd);
    c->active--;
    c->done++;
    if (!ok)
        c->errors++;
}

static void client_ready(client_ctx *c, int fd, uint32_t events)
{
    char b = 'x';
    if (events & (EPOLLERR | EPOLLHUP)) {
        client_finish(c, fd, 0);
        return;
    }
    if (c->st[fd] == ST_CONNECTING && (events & EPOLLOUT)) {
        if (write(fd, &b, 1) != 1) {
            client_finish(c, fd, 0);
            return;
        }
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(c->ep, EPOLL_CTL_MOD, fd, &ev);
        c->st[fd] = ST_WAIT_REPLY;
        return;
    }
    if (c->st[fd] == ST_WAIT_REPLY && (events & EPOLLIN)) {
        b = 0;
        ssize_t r = read(fd, &b, 1);
        if (r < 0 && errno == EAGAIN)
            return;
        client_finish(c, fd, r == 1 && b == 'x');
    }
}

static unsigned long conn_client_epoll(const char *ip, unsigned long port, unsigned long n,
                                       unsigned long conc, double stop, unsigned long *done)
{
    static unsigned char st[1 << 20];
    client_ctx c;
    memset(&c, 0, sizeof c);
    c.ep = epoll_create1(0);
    if (c.ep < 0)
        die("epoll_create1");
    c.salen = peer_addr(PROG, ip, port, 0, &c.sa);
    c.st = st;
    struct epoll_event evs[MAX_EVENTS];
    /* waits without a timeout only while connections are open (an event
     * will come); when the ports are all held, it polls every 1 ms */
    while (c.active > 0 || more_conns(c.started, n, stop)) {
        int stalled = 0;
        while (c.active < conc && more_conns(c.started, n, stop) && !stalled)
            stalled = !client_open(&c);
        if (c.active == 0 && !stalled)
            continue;
        int k = epoll_wait(c.ep, evs, MAX_EVENTS, stalled ? 1 : -1);
        if (k < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < k; i++)
            client_ready(&c, evs[i].data.fd, evs[i].events);
    }
    close(c.ep);
    *done = c.done;
    return c.errors;
}

static int conn_server(unsigned long port, unsigned long n, unsigned long conc)
{
    int l = listen_on(port, conc > 1);
    double w0 = wall_now(), c0 = cpu_now();
    int rc = conc > 1 ? conn_server_epoll(l, n) : conn_server_seq(l, n);
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    close(l);
    printf("RESULT stack=linux test=conn-server conc=%lu limit=%lu wall_s=%.6f cpu_s=%.6f\n",
           conc, n, wall, cpu);
    return rc;
}

/* After a timed run: one connection with the end marker, which an N=0
 * server echoes and then stops after. 0 when it was echoed. */
static int send_end_marker(const char *ip, unsigned long port)
{
    int fd = connect_to(ip, port);
    char b = END_MARKER;
    int ok = write(fd, &b, 1) == 1 && read(fd, &b, 1) == 1 && b == END_MARKER;
    close(fd);
    return ok ? 0 : -1;
}

static int conn_client(const char *ip, unsigned long port, unsigned long n, unsigned long conc)
{
    if (opt_seconds <= 0 && n == 0) {
        fprintf(stderr, "linux_tcp_peer: conn-client: N 0 needs -t\n");
        return 2;
    }
    double w0 = wall_now(), c0 = cpu_now();
    double stop = opt_seconds > 0 ? w0 + opt_seconds : 1e300;
    unsigned long done = 0;
    unsigned long errors = conc > 1 ? conn_client_epoll(ip, port, n, conc, stop, &done)
                                    : conn_client_seq(ip, port, n, stop, &done);
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    if (opt_seconds > 0 && send_end_marker(ip, port) != 0) {
        fprintf(stderr, "linux_tcp_peer: conn-client: the end marker was not echoed\n");
        errors++;
    }
    printf("RESULT stack=linux test=conn-client conc=%lu conns=%lu errors=%lu port_stalls=%lu "
           "wall_s=%.6f cpu_s=%.6f conn_per_s=%.1f\n",
           conc, done, errors, port_stalls, wall, cpu, (double)done / wall);
    return errors == 0 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: linux_tcp_peer [-6] [-v] bulk-sink PORT\n"
                    "       linux_tcp_peer [-t SECONDS] [-i] bulk-source ADDR PORT MIB\n"
                    "       linux_tcp_peer [-6] conn-server PORT N CONC\n"
                    "       linux_tcp_peer [-t SECONDS] conn-client ADDR PORT N CONC\n"
                    "  -c CC before any of them: that congestion control (TCP_CONGESTION)\n"
                    "        on every socket, not the namespace's default\n"
                    "  -i: bulk-source sends stdin (up to MIB MiB), not the pattern\n");
    exit(2);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(TIMEOUT_S); /* never hang: SIGALRM ends the process */
    for (;;) {
        if (argc >= 2 && strcmp(argv[1], "-v") == 0) {
            opt_verify = 1;
            argv++;
            argc--;
        } else if (argc >= 2 && strcmp(argv[1], "-i") == 0) {
            opt_stdin = 1;
            argv++;
            argc--;
        } else if (argc >= 2 && strcmp(argv[1], "-6") == 0) {
            opt_ipv6 = 1;
            argv++;
            argc--;
        } else if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
            if (argv[2][0] == '\0' || strlen(argv[2]) >= 16) /* TCP_CA_NAME_MAX */
                usage();
            opt_cc = argv[2];
            argv += 2;
            argc -= 2;
        } else if (argc >= 3 && strcmp(argv[1], "-t") == 0) {
            char *end;
            opt_seconds = strtod(argv[2], &end);
            if (*end != '\0' || opt_seconds <= 0 || opt_seconds >= TIMEOUT_S)
                usage();
            argv += 2;
            argc -= 2;
        } else {
            break;
        }
    }
    if (argc < 2)
        usage();
    const char *m = argv[1];
    if (strcmp(m, "bulk-sink") == 0 && argc == 3)
        return bulk_sink(peer_num_arg(PROG, argv[2]));
    if (strcmp(m, "bulk-source") == 0 && argc == 5)
        return bulk_source(argv[2], peer_num_arg(PROG, argv[3]), peer_num_arg(PROG, argv[4]));
    if (strcmp(m, "conn-server") == 0 && argc == 5)
        return conn_server(peer_num_arg(PROG, argv[2]), peer_num_arg(PROG, argv[3]), peer_num_arg(PROG, argv[4]));
    if (strcmp(m, "conn-client") == 0 && argc == 6)
        return conn_client(argv[2], peer_num_arg(PROG, argv[3]), peer_num_arg(PROG, argv[4]), peer_num_arg(PROG, argv[5]));
    usage();
    return 2;
}
