/* linux_tcp_peer: Linux's own TCP, through plain BSD sockets, for the
 * baseline that bench/run_tcp_bench.sh prints beside synack's numbers. It
 * does what bench_tcp does in-process, but across two network namespaces:
 *
 *   bulk-sink   PORT                 accept one connection, read to EOF
 *   bulk-source ADDR PORT MIB        connect, write MIB MiB, half-close,
 *                                    wait for the sink's EOF
 *   conn-server PORT N CONC          serve N connections: read one byte,
 *                                    write it back, read EOF, close
 *   conn-client ADDR PORT N CONC     N connections, CONC open at once:
 *                                    connect, write one byte, read one
 *                                    byte, close (TIME-WAIT on the client)
 *
 * Servers print "READY" on stdout once listening. Every program prints one
 * "RESULT ..." line with its wall time and its own CPU time (user + system
 * from getrusage; this kernel charges softirq work to the task it
 * interrupts). Every wait is bounded by an alarm (TIMEOUT_S). */
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

#define TIMEOUT_S 120
#define BUF_LEN (64 * 1024)
#define MAX_EVENTS 256

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

static unsigned long num_arg(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "linux_tcp_peer: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

static struct sockaddr_in addr_of(const char *ip, unsigned long port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (ip == NULL)
        sa.sin_addr.s_addr = htonl(INADDR_ANY);
    else if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        fprintf(stderr, "linux_tcp_peer: bad address '%s'\n", ip);
        exit(2);
    }
    return sa;
}

static int listen_on(unsigned long port, int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = addr_of(NULL, port);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
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

static int bulk_sink(unsigned long port)
{
    int l = listen_on(port, 0);
    int fd = accept(l, NULL, NULL);
    if (fd < 0)
        die("accept");
    static char buf[BUF_LEN];
    double w0 = wall_now(), c0 = cpu_now();
    unsigned long long total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        total += (unsigned long long)r;
    }
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    close(fd);
    close(l);
    printf("RESULT stack=linux test=bulk-sink bytes=%llu wall_s=%.6f cpu_s=%.6f\n", total, wall,
           cpu);
    return 0;
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
    struct sockaddr_in sa = addr_of(ip, port);
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            die("socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
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
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)(i * 7u + (i >> 8));
    unsigned long long total = (unsigned long long)mib << 20, sent = 0;
    double w0 = wall_now(), c0 = cpu_now();
    int fd = connect_to(ip, port);
    while (sent < total) {
        size_t n = total - sent < sizeof buf ? (size_t)(total - sent) : sizeof buf;
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        sent += (unsigned long long)w;
    }
    shutdown(fd, SHUT_WR);
    /* the sink closes once it has read everything: wait for its EOF */
    while (read(fd, buf, sizeof buf) > 0) {
    }
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    close(fd);
    printf("RESULT stack=linux test=bulk-source bytes=%llu wall_s=%.6f cpu_s=%.6f gbps=%.3f\n",
           total, wall, cpu, (double)total * 8.0 / wall / 1e9);
    return 0;
}

/* ---- connections per second: one at a time (blocking calls) ---- */

static int serve_one_blocking(int fd)
{
    char b;
    if (read(fd, &b, 1) != 1 || write(fd, &b, 1) != 1)
        return -1;
    return read(fd, &b, 1) == 0 ? 0 : -1;
}

static int conn_server_seq(int l, unsigned long n)
{
    unsigned long errors = 0;
    for (unsigned long i = 0; i < n; i++) {
        int fd = accept(l, NULL, NULL);
        if (fd < 0)
            die("accept");
        set_nodelay(fd);
        if (serve_one_blocking(fd) != 0)
            errors++;
        close(fd);
    }
    return errors == 0 ? 0 : 1;
}

static unsigned long conn_client_seq(const char *ip, unsigned long port, unsigned long n)
{
    unsigned long errors = 0;
    for (unsigned long i = 0; i < n; i++) {
        int fd = connect_to(ip, port);
        set_nodelay(fd);
        char b = 'x';
        if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1)
            errors++;
        close(fd); /* the client closes first: TIME-WAIT stays here */
    }
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

static void server_ready(int ep, int fd, unsigned char *st, unsigned long *done)
{
    char b;
    ssize_t r = read(fd, &b, 1);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r == 1 && st[fd] == ST_WAIT_REQUEST) {
        if (write(fd, &b, 1) == 1) {
            st[fd] = ST_WAIT_EOF;
            return;
        }
    }
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
    while (done < n) {
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
    struct sockaddr_in sa;
    unsigned char *st;
    unsigned long started, done, active, errors;
} client_ctx;

/* Start one connection; false when no ephemeral port is free right now. */
static int client_open(client_ctx *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0 || fd >= (1 << 20))
        die("socket");
    set_nodelay(fd);
    if (connect(fd, (struct sockaddr *)&c->sa, sizeof c->sa) != 0 && errno != EINPROGRESS) {
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
        ssize_t r = read(fd, &b, 1);
        if (r < 0 && errno == EAGAIN)
            return;
        client_finish(c, fd, r == 1);
    }
}

static unsigned long conn_client_epoll(const char *ip, unsigned long port, unsigned long n,
                                       unsigned long conc)
{
    static unsigned char st[1 << 20];
    client_ctx c;
    memset(&c, 0, sizeof c);
    c.ep = epoll_create1(0);
    if (c.ep < 0)
        die("epoll_create1");
    c.sa = addr_of(ip, port);
    c.st = st;
    struct epoll_event evs[MAX_EVENTS];
    while (c.done < n) {
        int stalled = 0;
        while (c.active < conc && c.started < n && !stalled)
            stalled = !client_open(&c);
        int k = epoll_wait(c.ep, evs, MAX_EVENTS, stalled ? 1 : -1);
        if (k < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < k; i++)
            client_ready(&c, evs[i].data.fd, evs[i].events);
    }
    close(c.ep);
    return c.errors;
}

static int conn_server(unsigned long port, unsigned long n, unsigned long conc)
{
    int l = listen_on(port, conc > 1);
    double w0 = wall_now(), c0 = cpu_now();
    int rc = conc > 1 ? conn_server_epoll(l, n) : conn_server_seq(l, n);
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    close(l);
    printf("RESULT stack=linux test=conn-server conc=%lu conns=%lu wall_s=%.6f cpu_s=%.6f\n",
           conc, n, wall, cpu);
    return rc;
}

static int conn_client(const char *ip, unsigned long port, unsigned long n, unsigned long conc)
{
    double w0 = wall_now(), c0 = cpu_now();
    unsigned long errors = conc > 1 ? conn_client_epoll(ip, port, n, conc)
                                    : conn_client_seq(ip, port, n);
    double wall = wall_now() - w0, cpu = cpu_now() - c0;
    printf("RESULT stack=linux test=conn-client conc=%lu conns=%lu errors=%lu port_stalls=%lu "
           "wall_s=%.6f cpu_s=%.6f conn_per_s=%.1f\n",
           conc, n, errors, port_stalls, wall, cpu, (double)n / wall);
    return errors == 0 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: linux_tcp_peer bulk-sink PORT\n"
                    "       linux_tcp_peer bulk-source ADDR PORT MIB\n"
                    "       linux_tcp_peer conn-server PORT N CONC\n"
                    "       linux_tcp_peer conn-client ADDR PORT N CONC\n");
    exit(2);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(TIMEOUT_S); /* never hang: SIGALRM ends the process */
    if (argc < 2)
        usage();
    const char *m = argv[1];
    if (strcmp(m, "bulk-sink") == 0 && argc == 3)
        return bulk_sink(num_arg(argv[2]));
    if (strcmp(m, "bulk-source") == 0 && argc == 5)
        return bulk_source(argv[2], num_arg(argv[3]), num_arg(argv[4]));
    if (strcmp(m, "conn-server") == 0 && argc == 5)
        return conn_server(num_arg(argv[2]), num_arg(argv[3]), num_arg(argv[4]));
    if (strcmp(m, "conn-client") == 0 && argc == 6)
        return conn_client(argv[2], num_arg(argv[3]), num_arg(argv[4]), num_arg(argv[5]));
    usage();
    return 2;
}
