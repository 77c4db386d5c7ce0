/* rr_peer: request/response latency over one TCP connection, Linux's own
 * TCP through plain BSD sockets, for bench/run_tap_bench.sh (issue 9).
 *
 *   echo-server PORT          accept one connection, send back every byte
 *                             until EOF, close, exit (Linux's server)
 *   [-t S] ping ADDR PORT N   connect, then N round trips (with -t: for S
 *                             seconds; N 0 = no count limit): write one
 *                             byte, read it back (checked), each timed with
 *                             clock_gettime(CLOCK_MONOTONIC); half-close
 *                             and wait for the server's EOF
 *
 * Both ends set TCP_NODELAY, as a request/response protocol does. The
 * client keeps every round trip's time and prints their percentiles
 * (nearest rank: p = the ceil(p/100 * n)-th smallest) in microseconds. No
 * warm-up is dropped: the connection is open and its ARP entry resolved
 * before the first round trip is timed. Servers print "READY" on stdout
 * once listening; every program prints one "RESULT ..." line with its wall
 * time and its own CPU time (getrusage). Every wait is bounded by an alarm
 * (TIMEOUT_S). */
#include <netinet/in.h>
#include <netinet/tcp.h>
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

#define PROG "rr_peer"
#define TIMEOUT_S 120
#define MAX_SAMPLES (16u * 1024u * 1024u) /* the count limit when N is 0 */

static double opt_seconds; /* -t: size the run by time */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int echo_server(unsigned long port)
{
    struct sockaddr_in a = peer_addr4(PROG, NULL, port);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (ls >= 0)
        setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0) {
        perror(PROG ": listen");
        return 1;
    }
    printf("READY\n");
    fflush(stdout);
    int s = accept(ls, NULL, NULL);
    if (s < 0) {
        perror(PROG ": accept");
        return 1;
    }
    nodelay(s);
    double t0 = (double)mono_ns() / 1e9;
    unsigned long long bytes = 0;
    char buf[4096];
    ssize_t n;
    while ((n = read(s, buf, sizeof buf)) > 0) {
        if (write(s, buf, (size_t)n) != n) {
            perror(PROG ": write");
            return 1;
        }
        bytes += (unsigned long long)n;
    }
    close(s);
    close(ls);
    printf("RESULT stack=linux test=echo-server bytes=%llu wall_s=%.6f cpu_s=%.6f\n", bytes,
           (double)mono_ns() / 1e9 - t0, cpu_seconds());
    return n == 0 ? 0 : 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of n sorted samples, in microseconds. */
static double pct_us(const uint64_t *s, size_t n, unsigned p)
{
    size_t rank = (n * p + 99) / 100; /* ceil(p/100 * n), at least 1 for n >= 1 */
    return (double)s[rank ? rank - 1 : 0] / 1000.0;
}

/* One timed round trip: 0, or -1 on an error or a wrong byte back. */
static int round_trip(int s, unsigned char c, uint64_t *ns)
{
    unsigned char back;
    uint64_t t0 = mono_ns();
    if (write(s, &c, 1) != 1 || read(s, &back, 1) != 1)
        return -1;
    *ns = mono_ns() - t0;
    return back == c ? 0 : -1;
}

static int ping(const char *ip, unsigned long port, unsigned long n)
{
    struct sockaddr_in a = peer_addr4(PROG, ip, port);
    size_t cap = n == 0 || n > MAX_SAMPLES ? MAX_SAMPLES : n;
    uint64_t *rtt = malloc(cap * sizeof *rtt);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (rtt == NULL || s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        perror(PROG ": connect");
        return 1;
    }
    nodelay(s);
    double c0 = cpu_seconds();
    uint64_t t0 = mono_ns(), end = t0 + (uint64_t)(opt_seconds * 1e9);
    size_t done = 0;
    unsigned long errors = 0;
    while (done < cap && (opt_seconds <= 0 || (done & 63) != 0 || mono_ns() < end)) {
        if (round_trip(s, (unsigned char)('a' + done % 26), &rtt[done]) != 0) {
            errors++;
            break;
        }
        done++;
    }
    double wall = (double)(mono_ns() - t0) / 1e9, cpu = cpu_seconds() - c0;
    char c;
    shutdown(s, SHUT_WR);
    if (read(s, &c, 1) != 0) /* the server's EOF, after it echoed everything */
        errors++;
    close(s);
    if (done == 0) {
        fprintf(stderr, PROG ": no round trip completed\n");
        return 1;
    }
    qsort(rtt, done, sizeof *rtt, cmp_u64);
    printf("RESULT stack=linux test=ping rtts=%zu errors=%lu wall_s=%.6f cpu_s=%.6f "
           "rtt_per_s=%.1f min_us=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f\n",
           done, errors, wall, cpu, (double)done / wall, pct_us(rtt, done, 0),
           pct_us(rtt, done, 50), pct_us(rtt, done, 90), pct_us(rtt, done, 99),
           pct_us(rtt, done, 100));
    free(rtt);
    return errors == 0 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: rr_peer echo-server PORT\n"
                    "       rr_peer [-t SECONDS] ping ADDR PORT N\n");
    exit(2);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(TIMEOUT_S); /* never hang: SIGALRM ends the process */
    if (argc >= 3 && strcmp(argv[1], "-t") == 0) {
        char *end;
        opt_seconds = strtod(argv[2], &end);
        if (*end != '\0' || !(opt_seconds > 0) || opt_seconds >= TIMEOUT_S)
            usage();
        argv += 2;
        argc -= 2;
    }
    if (argc == 3 && strcmp(argv[1], "echo-server") == 0 && opt_seconds == 0)
        return echo_server(peer_num_arg(PROG, argv[2]));
    if (argc == 5 && strcmp(argv[1], "ping") == 0)
        return ping(argv[2], peer_num_arg(PROG, argv[3]), peer_num_arg(PROG, argv[4]));
    usage();
    return 2;
}
