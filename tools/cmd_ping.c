/* synack ping: ICMP echo requests from synack (RFC 792) over a TAP/TUN
 * device, printed the way iputils ping prints them. Exit 0 when at least
 * one reply came back, 1 when none did or on a runtime error, 2 on bad
 * usage. */
#include "synack/error.h"
#include "synack/icmp.h"
#include "tool.h"
#include "tool_net.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "ping"
#define MAX_DATA 1472

static const char usage_text[] =
    "usage: synack ping (--tap NAME | --tun NAME | --xdp IFNAME[:Q]) --addr A.B.C.D/NN [options] HOST\n"
    "  -c COUNT                  stop after COUNT requests (default 4)\n"
    "  -i SECONDS                interval between requests (default 1)\n"
    "  -s SIZE                   data bytes per request (default 56)\n"
    "  -W SECONDS                wait for the last reply (default 2)\n";

typedef struct {
    tool_net net;
    sk_ip4 dst;
    bool v6;
    sk_ip6 dst6;
    char dst_str[SK_IP6_STR_LEN];
    unsigned long count, size;
    double interval, wait;
    uint16_t id;
    unsigned long sent, received;
    double rtt_min, rtt_max, rtt_sum;
    sk_time_us *sent_at; /* by sequence number */
    unsigned long errors;   /* requests reported "Destination Host Unreachable" */
    uint64_t arp_failed;    /* SK_DROP_ARP_UNRESOLVED as last seen */
    unsigned long reported; /* requests up to this seq are answered or reported */
} pinger;

static int number(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' || !(v >= lo && v <= hi)) {
        tool_error(CMD, "bad %s '%s' (%g..%g)", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_short(pinger *p, const char *opt, const char *val)
{
    double v;
    if (!strcmp(opt, "-c")) {
        if (number(opt, val, 1, 1e6, &v) != 0)
            return -1;
        p->count = (unsigned long)v;
    } else if (!strcmp(opt, "-i")) {
        if (number(opt, val, 0.01, 3600, &p->interval) != 0)
            return -1;
    } else if (!strcmp(opt, "-s")) {
        if (number(opt, val, 0, MAX_DATA, &v) != 0)
            return -1;
        p->size = (unsigned long)v;
    } else {
        if (number(opt, val, 0, 3600, &p->wait) != 0)
            return -1;
    }
    return 0;
}

static int parse_args(pinger *p, tool_net_opts *o, int argc, char **argv)
{
    const char *host = NULL;
    int i = 0, t;
    while ((t = tool_net_next_arg(CMD, usage_text, o, argc, argv, &i)) == TOOL_ARG_OWN) {
        const char *a = argv[i];
        if (!strcmp(a, "-c") || !strcmp(a, "-i") || !strcmp(a, "-s") || !strcmp(a, "-W")) {
            if (i + 1 >= argc) {
                tool_error(CMD, "%s needs a value (try --help)", a);
                return 2;
            }
            if (parse_short(p, a, argv[++i]) != 0)
                return 2;
        } else if (a[0] == '-') {
            tool_error(CMD, "unknown option '%s' (try --help)", a);
            return 2;
        } else if (host == NULL) {
            host = a;
        } else {
            tool_error(CMD, "unexpected argument '%s' (try --help)", a);
            return 2;
        }
    }
    if (t != TOOL_ARG_END)
        return t;
    if (host == NULL) {
        tool_error(CMD, "HOST is required (try --help)");
        return 2;
    }
    p->v6 = sk_ip4_from_str(host, &p->dst) != 0;
    if (p->v6 && sk_ip6_from_str(host, &p->dst6) != 0) {
        tool_error(CMD, "bad host '%s' (want an IPv4 address A.B.C.D or an IPv6 address)", host);
        return 2;
    }
    if (p->v6)
        sk_ip6_to_str(p->dst6, p->dst_str, sizeof p->dst_str);
    else
        sk_ip4_to_str(p->dst, p->dst_str, sizeof p->dst_str);
    return tool_net_check(CMD, o) != 0 ? 2 : -1;
}

static void take_replies(pinger *p)
{
    sk_ping_reply r;
    while (sk_ping_next_reply(p->net.stack, &r)) {
        if (r.id != p->id || r.seq == 0 || r.seq > p->sent || p->sent_at[r.seq] == 0)
            continue;
        double ms = (double)(r.at - p->sent_at[r.seq]) / 1000.0;
        p->sent_at[r.seq] = 0; /* a duplicate is not counted twice */
        char src[SK_IP6_STR_LEN];
        if (r.from.family == SK_AF_INET6) {
            sk_ip6 a;
            memcpy(a.b, r.from.b, 16);
            sk_ip6_to_str(a, src, sizeof src);
        } else {
            sk_ip4_to_str(r.src, src, sizeof src);
        }
        printf("%u bytes from %s: icmp_seq=%u %s=%u time=%.3f ms\n", (unsigned)r.len + 8, src,
               r.seq, r.from.family == SK_AF_INET6 ? "hlim" : "ttl", r.ttl, ms);
        p->received++;
        p->rtt_sum += ms;
        if (p->received == 1 || ms < p->rtt_min)
            p->rtt_min = ms;
        if (ms > p->rtt_max)
            p->rtt_max = ms;
    }
}

/* RFC 1122 §2.3.2.2: when ARP gives up, the packets it held are dropped
 * (counted as SK_DROP_ARP_UNRESOLVED). Every such drop is one of our echo
 * requests, the oldest still unanswered first (they were queued in
 * order), reported as Linux's ping does:
 * "From 192.0.2.2 icmp_seq=1 Destination Host Unreachable". */
static void take_unreachable(pinger *p)
{
    uint64_t now_failed = sk_stack_stats(p->net.stack)->drop[SK_DROP_ARP_UNRESOLVED];
    uint64_t n = now_failed - p->arp_failed;
    p->arp_failed = now_failed;
    char me[16];
    sk_ip4_to_str(p->net.opts->addr, me, sizeof me);
    while (n > 0 && p->reported < p->sent) {
        unsigned long seq = ++p->reported;
        if (p->sent_at[seq] == 0)
            continue; /* answered */
        p->sent_at[seq] = 0;
        printf("From %s icmp_seq=%lu Destination Host Unreachable\n", me, seq);
        p->errors++;
        n--;
    }
}

/* How long ARP may take to give up on a request sent now (the stack's
 * default retry interval and tries, with a margin of one tenth of a
 * second): ping waits at least that long for the last answer on Ethernet,
 * so that "Destination Host Unreachable" is printed, not silence. */
static sk_time_us arp_verdict_us(void)
{
    sk_stack_config c;
    sk_stack_config_default(&c);
    return (sk_time_us)c.arp_retry_us * c.arp_tries + 100000u;
}

static int send_one(pinger *p, sk_time_us now)
{
    uint8_t data[MAX_DATA];
    for (size_t i = 0; i < p->size; i++)
        data[i] = (uint8_t)i;
    uint16_t seq = (uint16_t)(p->sent + 1);
    int r = p->v6 ? sk_ping6_send(p->net.stack, now, p->dst6, p->id, seq, data, p->size)
                  : sk_ping_send(p->net.stack, now, p->dst, p->id, seq, data, p->size);
    if (r != 0) {
        tool_error(CMD, "%s: %s", p->dst_str, sk_strerror(r));
        return -1;
    }
    p->sent++;
    p->sent_at[seq] = now;
    return 0;
}

static int run(pinger *p)
{
    sk_posix_loop *l = p->net.loop;
    sk_time_us now = sk_posix_loop_clock(l), next = now;
    sk_time_us step = (sk_time_us)(p->interval * 1e6), end = SK_NEVER;
    printf("PING %s: %lu data bytes from synack\n", p->dst_str, p->size);
    while (!tool_stop_flag && now < end && (end == SK_NEVER || p->received < p->sent)) {
        if (p->sent < p->count && now >= next) {
            if (send_one(p, now) != 0)
                return 1;
            next = now + step;
            if (p->sent == p->count)
                end = now + (sk_time_us)(p->wait * 1e6);
            if (p->sent == p->count && !p->v6 && p->net.opts->kind == SK_DEV_TAP &&
                p->received == 0 && end < now + arp_verdict_us())
                end = now + arp_verdict_us();
        }
        sk_time_us until = p->sent < p->count ? next : end;
        if (sk_posix_loop_step(l, until > now ? until - now : 0) != 0) {
            tool_error(CMD, "device failed");
            return 1;
        }
        take_replies(p);
        if (!p->v6)
            take_unreachable(p);
        now = l->now;
        if (p->errors + p->received == p->sent && p->sent == p->count)
            break; /* every request answered or reported */
    }
    char errs[32] = "";
    if (p->errors > 0)
        snprintf(errs, sizeof errs, ", +%lu errors", p->errors);
    printf("--- %s ping statistics ---\n%lu packets transmitted, %lu received%s, %.0f%% packet "
           "loss\n", p->dst_str, p->sent, p->received, errs,
           p->sent ? 100.0 * (double)(p->sent - p->received) / (double)p->sent : 0.0);
    if (p->received > 0)
        printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", p->rtt_min,
               p->rtt_sum / (double)p->received, p->rtt_max);
    return p->received > 0 ? 0 : 1;
}

int cmd_ping(int argc, char **argv)
{
    static pinger p;
    tool_net_opts o;
    memset(&o, 0, sizeof o);
    memset(&p, 0, sizeof p);
    p.count = 4;
    p.size = 56;
    p.interval = 1.0;
    p.wait = 2.0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int r = parse_args(&p, &o, argc, argv);
    if (r >= 0)
        return r;
    if (p.count > 65535) {
        tool_error(CMD, "-c: at most 65535 requests");
        return 2;
    }
    p.sent_at = calloc(p.count + 1, sizeof *p.sent_at);
    if (p.sent_at == NULL)
        return 1;
    p.id = (uint16_t)getpid();
    tool_signals_install();
    if (tool_net_start(&p.net, CMD, &o, stdout, NULL, NULL) != 0) {
        free(p.sent_at);
        return 1;
    }
    r = run(&p);
    tool_net_stop(&p.net);
    free(p.sent_at);
    return r;
}
