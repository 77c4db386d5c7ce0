/* Argument parsing shared by the Linux baseline peers (linux_tcp_peer.c,
 * linux_udp_peer.c): a bad argument prints one line naming the program and
 * exits 2. */
#ifndef SK_BENCH_LINUX_PEER_ARGS_H
#define SK_BENCH_LINUX_PEER_ARGS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

#endif
