/* Argument parsing shared by the Linux baseline peers (linux_tcp_peer.c,
 * linux_udp_peer.c): a bad argument prints one line naming the program and
 * exits 2. */
#ifndef SK_BENCH_LINUX_PEER_ARGS_H
#define SK_BENCH_LINUX_PEER_ARGS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number, the whole string. */
static inline unsigned long peer_num_arg(const char *prog, const char *s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s) {
        fprintf(stderr, "%s: bad number '%s'\n", prog, s);
        exit(2);
    }
    return v;
}

/* ip:port as an IPv4 socket address; ip NULL means any. */
static inline struct sockaddr_in peer_addr4(const char *prog, const char *ip, unsigned long port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (ip == NULL)
        a.sin_addr.s_addr = htonl(INADDR_ANY);
    else if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        fprintf(stderr, "%s: bad address '%s'\n", prog, ip);
        exit(2);
    }
    return a;
}

/* ip:port as a socket address of ip's family (IPv4, else IPv6); ip NULL
 * means any address of IPv6 when `v6`, else IPv4. Returns its length. */
static inline socklen_t peer_addr(const char *prog, const char *ip, unsigned long port, int v6,
                                  struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
    if (ip != NULL && strchr(ip, ':') == NULL) {
        struct sockaddr_in a = peer_addr4(prog, ip, port);
        memcpy(out, &a, sizeof a);
        return sizeof a;
    }
    if (ip == NULL && !v6) {
        struct sockaddr_in a = peer_addr4(prog, NULL, port);
        memcpy(out, &a, sizeof a);
        return sizeof a;
    }
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    a6->sin6_addr = in6addr_any;
    if (ip != NULL && inet_pton(AF_INET6, ip, &a6->sin6_addr) != 1) {
        fprintf(stderr, "%s: bad address '%s'\n", prog, ip);
        exit(2);
    }
    return sizeof *a6;
}

#endif
