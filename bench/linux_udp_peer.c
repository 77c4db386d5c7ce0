/* linux_udp_peer: Linux's own UDP, through plain BSD sockets, for the UDP
 * echo benchmark (bench/run_udp_bench.sh):
 *
 *   udp-echo PORT                    echo every datagram to its sender
 *                                    until a 1-byte 'Q' datagram arrives
 *   [-t S] udp-client ADDR PORT SIZE WINDOW
 *                                    keep WINDOW datagrams of SIZE bytes
 *                                    outstanding for S seconds (default 2):
 *                                    each echo (checked: the sequence
 *                                    number it carries was sent) lets one
 *                                    more go; when nothing comes back for
 *                                    STALL_MS the window is refilled (the
 *                                    outstanding ones are presumed lost).
 *                                    After the timed part it waits DRAIN_MS
 *                                    for late echoes; lost = sent - echoed.
 *
 * The echo server prints "READY" once bound. Each program prints one
 * "RESULT ..." line with its wall time and its own CPU time (getrusage).
 * Every wait is bounded: an alarm (TIMEOUT_S) ends the process. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linux_peer_args.h"

#define PROG "linux_udp_peer"

#define TIMEOUT_S 120
#define STALL_MS 20
#define DRAIN_MS 200
#define MAX_SIZE 1472
#define MAX_WINDOW 4096

static double opt_seconds = 2.0;

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
    perror(what);
    exit(1);
}

static int udp_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    int sz = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    return fd;
}

static int udp_echo(unsigned long port)
{
    int fd = udp_socket();
    struct sockaddr_in a = peer_addr4(PROG, NULL, port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("bind");
    printf("READY\n");
    fflush(stdout);
    double w0 = wall_now(), c0 = cpu_now();
    unsigned long n = 0;
    char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("recvfrom");
        }
        if (r == 1 && buf[0] == 'Q')
            break;
        if (sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&from, fl) == r)
            n++;
    }
    printf("RESULT echoed=%lu wall_s=%.3f cpu_s=%.3f\n", n, wall_now() - w0, cpu_now() - c0);
    return 0;
}

typedef struct {
    int fd;
    size_t size;
    unsigned long sent, echoed, bad;
    char buf[MAX_SIZE];
} client_ctx;

static void send_one(client_ctx *c)
{
    uint64_t seq = c->sent;
    memcpy(c->buf, &seq, sizeof seq);
    if (send(c->fd, c->buf, c->size, 0) == (ssize_t)c->size)
        c->sent++;
}

/* receive what is queued; returns the number of valid echoes */
static unsigned long recv_some(client_ctx *c, int wait_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    unsigned long got = 0;
    char in[MAX_SIZE + 1];
    for (;;) {
        ssize_t r = recv(c->fd, in, sizeof in, MSG_DONTWAIT);
        if (r < 0)
            break;
        uint64_t seq;
        memcpy(&seq, in, sizeof seq);
        if ((size_t)r != c->size || seq >= c->sent) {
            c->bad++;
            continue;
        }
        c->echoed++;
        got++;
    }
    return got;
}

static int udp_client(const char *ip, unsigned long port, unsigned long size,
                      unsigned long window)
{
    if (size < 8 || size > MAX_SIZE || window < 1 || window > MAX_WINDOW) {
        fprintf(stderr, "linux_udp_peer: SIZE 8..%d, WINDOW 1..%d\n", MAX_SIZE, MAX_WINDOW);
        return 2;
    }
    client_ctx c = {.fd = udp_socket(), .size = size};
    memset(c.buf, 0x5a, sizeof c.buf);
    struct sockaddr_in a = peer_addr4(PROG, ip, port);
    if (connect(c.fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    double w0 = wall_now(), c0 = cpu_now(), stop = w0 + opt_seconds;
    unsigned long refills = 0;
    for (unsigned long i = 0; i < window; i++)
        send_one(&c);
    while (wall_now() < stop) {
        unsigned long got = recv_some(&c, STALL_MS);
        if (got == 0) { /* stalled: the outstanding ones are presumed lost */
            refills++;
            got = window;
        }
        for (unsigned long i = 0; i < got; i++)
            send_one(&c);
    }
    double wall = wall_now() - w0;
    double cpu = cpu_now() - c0;
    double d_end = wall_now() + DRAIN_MS / 1000.0;
    while (c.echoed < c.sent && wall_now() < d_end)
        recv_some(&c, 10);
    printf("RESULT size=%zu window=%lu sent=%lu echoed=%lu lost=%lu bad=%lu refills=%lu "
           "wall_s=%.3f cpu_s=%.3f dgram_per_s=%.0f\n",
           c.size, window, c.sent, c.echoed, c.sent - c.echoed, c.bad, refills, wall, cpu,
           (double)c.echoed / wall);
    return c.echoed > 0 ? 0 : 1;
}

static int udp_quit(const char *ip, unsigned long port)
{
    int fd = udp_socket();
    struct sockaddr_in a = peer_addr4(PROG, ip, port);
    return sendto(fd, "Q", 1, 0, (struct sockaddr *)&a, sizeof a) == 1 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: linux_udp_peer udp-echo PORT\n"
                    "       linux_udp_peer [-t S] udp-client ADDR PORT SIZE WINDOW\n"
                    "       linux_udp_peer udp-quit ADDR PORT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(TIMEOUT_S);
    if (argc >= 3 && strcmp(argv[1], "-t") == 0) {
        char *end;
        opt_seconds = strtod(argv[2], &end);
        if (*end != '\0' || opt_seconds <= 0 || opt_seconds >= TIMEOUT_S - 10)
            usage();
        argv += 2;
        argc -= 2;
    }
    if (argc < 2)
        usage();
    const char *m = argv[1];
    if (strcmp(m, "udp-echo") == 0 && argc == 3)
        return udp_echo(peer_num_arg(PROG, argv[2]));
    if (strcmp(m, "udp-client") == 0 && argc == 6)
        return udp_client(argv[2], peer_num_arg(PROG, argv[3]), peer_num_arg(PROG, argv[4]), peer_num_arg(PROG, argv[5]));
    if (strcmp(m, "udp-quit") == 0 && argc == 4)
        return udp_quit(argv[2], peer_num_arg(PROG, argv[3]));
    usage();
    return 2;
}
