/* The thin glue the next step needs, written once for the interop test:
 * the sans-I/O resolver and DHCP client driven over real sockets.
 *   dnsdhcp_probe dns NAME a|aaaa|both SERVER [SERVER2]
 *       prints "status N addr..." (OK, NXDOMAIN, ...) and the TCP fallbacks
 *   dnsdhcp_probe dhcp IFNAME MAC [REMEMBERED]
 *       prints "bound ADDR/PREFIX router R dns D mtu M lease L t1 T t2 T
 *       discovers N" (N: DISCOVERs sent; 0 after an INIT-REBOOT that worked)
 * Every run is bounded (20 s); exit 0 when the engine finished, 1 if not. */
#define _GNU_SOURCE
#include "synack/dhcp.h"
#include "synack/dns.h"
#include "synack/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int wait_ms(uint64_t at, uint64_t now)
{
    if (at == UINT64_MAX)
        return 100;
    return at <= now ? 0 : (int)((at - now) / 1000 + 1 > 100 ? 100 : (at - now) / 1000 + 1);
}

static sk_endpoint ep_from(const struct sockaddr_in *sa)
{
    sk_endpoint e;
    memset(&e, 0, sizeof e);
    e.addr.family = SK_AF_INET4;
    memcpy(e.addr.b, &sa->sin_addr, 4);
    e.port = ntohs(sa->sin_port);
    return e;
}

static struct sockaddr_in sa_from(const sk_endpoint *e)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    memcpy(&sa.sin_addr, e->addr.b, 4);
    sa.sin_port = htons(e->port);
    return sa;
}

static struct {
    int fd;
    uint16_t port;
} udp[16];
static int nudp;

static int udp_for(uint16_t port)
{
    for (int i = 0; i < nudp; i++)
        if (udp[i].port == port)
            return udp[i].fd;
    if (nudp == 16)
        return -1;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("bind");
        exit(2);
    }
    udp[nudp].fd = fd, udp[nudp].port = port;
    return udp[nudp++].fd;
}

/* TCP, synchronously: connect, write the query, read until the resolver
 * has its answer or the peer closes. */
static void dns_tcp(sk_dns_resolver *r, sk_dns_query q, const sk_dns_tcp_intent *w)
{
    struct sockaddr_in sa = sa_from(&w->server);
    struct timeval tv = {3, 0};
    uint8_t buf[4096];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        sk_dns_tcp_closed(r, now_us(), w->conn);
        close(fd);
        return;
    }
    sk_dns_tcp_opened(r, now_us(), w->conn);
    size_t n;
    while ((n = sk_dns_tcp_output(r, w->conn, buf, sizeof buf)) > 0)
        if (write(fd, buf, n) != (ssize_t)n)
            break;
    sk_dns_result res;
    while (sk_dns_result_get(r, q, &res) == SK_EAGAIN) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got <= 0) {
            sk_dns_tcp_closed(r, now_us(), w->conn);
            break;
        }
        sk_dns_tcp_input(r, now_us(), w->conn, buf, (size_t)got);
    }
    close(fd);
}

static void dns_io(sk_dns_resolver *r, sk_dns_query q)
{
    sk_dns_datagram d;
    sk_dns_tcp_intent w;
    while (sk_dns_next_datagram(r, now_us(), &d)) {
        struct sockaddr_in sa = sa_from(&d.dst);
        sendto(udp_for(d.src_port), d.data, d.len, 0, (struct sockaddr *)&sa, sizeof sa);
    }
    while (sk_dns_tcp_want(r, &w))
        if (w.op == SK_DNS_TCP_OPEN)
            dns_tcp(r, q, &w); /* CLOSE: dns_tcp closed it already */
    struct pollfd pf[16];
    for (int i = 0; i < nudp; i++)
        pf[i].fd = udp[i].fd, pf[i].events = POLLIN;
    poll(pf, (nfds_t)nudp, wait_ms(sk_dns_poll_at(r), now_us()));
    for (int i = 0; i < nudp; i++) {
        if (!(pf[i].revents & POLLIN))
            continue;
        uint8_t buf[2048];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t got = recvfrom(udp[i].fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        sk_endpoint e = ep_from(&from);
        if (got > 0)
            sk_dns_input(r, now_us(), &e, udp[i].port, buf, (size_t)got);
    }
    sk_dns_run_timers(r, now_us());
}

static int run_dns(int argc, char **argv)
{
    static sk_dns_resolver r;
    sk_dns_config c;
    memset(&c, 0, sizeof c);
    for (int i = 4; i < argc && c.server_count < SK_DNS_MAX_SERVERS; i++) {
        c.servers[c.server_count].addr.family = SK_AF_INET4;
        if (inet_pton(AF_INET, argv[i], c.servers[c.server_count].addr.b) != 1)
            return 2;
        c.server_count++;
    }
    c.seed = now_us();
    int want = !strcmp(argv[3], "a") ? SK_DNS_WANT_A : !strcmp(argv[3], "aaaa") ? SK_DNS_WANT_AAAA : SK_DNS_WANT_BOTH;
    sk_dns_query q;
    if (sk_dns_init(&r, &c) != SK_OK || sk_dns_start(&r, argv[2], want, now_us(), &q) != SK_OK)
        return 2;
    uint64_t end = now_us() + 20000000;
    sk_dns_result res;
    while (sk_dns_result_get(&r, q, &res) == SK_EAGAIN && now_us() < end)
        dns_io(&r, q);
    if (res.status == SK_DNS_PENDING)
        return 1;
    printf("%s %u", res.status == SK_DNS_OK ? "OK" : sk_dns_status_str(res.status), res.count);
    for (unsigned i = 0; i < res.count; i++) {
        char s[64];
        inet_ntop(res.addrs[i].family == SK_AF_INET4 ? AF_INET : AF_INET6, res.addrs[i].b, s, sizeof s);
        printf(" %s", s);
    }
    printf(" ttl %u tcp %llu retries %llu\n", res.ttl,
           (unsigned long long)sk_dns_get_stats(&r)->tcp_fallbacks,
           (unsigned long long)sk_dns_get_stats(&r)->retries);
    return 0;
}

static int run_dhcp(char **argv)
{
    static sk_dhcp_client cl;
    sk_dhcp_config c;
    memset(&c, 0, sizeof c);
    if (sk_mac_from_str(argv[3], &c.chaddr) != 0 ||
        (argv[4] && sk_ip4_from_str(argv[4], &c.remembered) != 0))
        return 2;
    memcpy(c.hostname, "synack", 7);
    c.seed = now_us();
    int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[2], (socklen_t)strlen(argv[2])) != 0)
        return 2;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(68)};
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || sk_dhcp_init(&cl, &c) != SK_OK)
        return 2;
    sk_dhcp_start(&cl, now_us());
    for (uint64_t end = now_us() + 20000000; now_us() < end;) {
        sk_dhcp_datagram d;
        sk_dhcp_event ev;
        while (sk_dhcp_next_datagram(&cl, now_us(), &d)) {
            struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(d.dst_port)};
            memcpy(&to.sin_addr, d.dst.b, 4);
            sendto(fd, d.data, d.len, 0, (struct sockaddr *)&to, sizeof to);
        }
        while (sk_dhcp_next_event(&cl, &ev))
            if (ev.kind == SK_DHCP_EV_BOUND) {
                char a[16], rt[16], dn[16];
                sk_ip4_to_str(ev.lease.addr, a, sizeof a);
                sk_ip4_to_str(ev.lease.router, rt, sizeof rt);
                sk_ip4_to_str(ev.lease.dns[0], dn, sizeof dn);
                printf("bound %s/%u router %s dns %s mtu %u lease %u t1 %u t2 %u discovers %llu\n",
                       a, ev.lease.prefix_len, rt, dn, ev.lease.mtu, ev.lease.lease_s,
                       ev.lease.t1_s, ev.lease.t2_s,
                       (unsigned long long)sk_dhcp_get_stats(&cl)->sent[1]);
                return 0;
            }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, wait_ms(sk_dhcp_poll_at(&cl), now_us())) > 0) {
            uint8_t buf[1500];
            ssize_t got = recv(fd, buf, sizeof buf, 0);
            if (got > 0)
                sk_dhcp_input(&cl, now_us(), buf, (size_t)got);
        }
        sk_dhcp_run_timers(&cl, now_us());
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "dns"))
        return run_dns(argc, argv);
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "dhcp"))
        return run_dhcp(argv);
    fprintf(stderr, "usage: dnsdhcp_probe dns NAME a|aaaa|both SERVER [SERVER2]\n"
                    "       dnsdhcp_probe dhcp IFNAME MAC [REMEMBERED]\n");
    return 2;
}
