/* synack connect: like nc. Standard input goes to one TCP connection made
 * by synack on a TAP/TUN device, what arrives goes to standard output, and
 * the end of standard input half-closes the connection (FIN). Exit status 0
 * only when the connection ended cleanly: everything read from stdin was
 * sent and acknowledged, our FIN was acknowledged, the peer's FIN arrived
 * and everything before it was written to stdout.
 *
 * With --udp: one UDP socket connected to HOST PORT, a datagram per line of
 * standard input, the replies to standard output (tool_udp.c). */
#include "posix/posix_sock.h"
#include "synack/dns.h"
#include "synack/error.h"
#include "tool.h"
#include "tool_addrsort.h"
#include "tool_connect_mq.h"
#include "tool_iperf3.h"
#include "tool_lease.h"
#include "tool_net.h"
#include "tool_udp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "connect"
#define IO_CAP 65536

static const char usage_text[] =
    "usage: synack connect (--tap NAME | --tun NAME | --xdp IFNAME[:Q]) (--addr A.B.C.D/NN | --dhcp) [options] HOST PORT\n"
    "  HOST                      an IPv4 or IPv6 address, or a name resolved (A and AAAA)\n"
    "                            with --dns or the DNS server of the DHCP lease; its\n"
    "                            addresses are tried in turn, IPv6 first when we have a\n"
    "                            global IPv6 address and a route (RFC 6724, RFC 8305)\n"
    "  -4, --ipv4                only IPv4 (A records)\n"
    "  -6, --ipv6                only IPv6 (AAAA records)\n"
    "  --timeout SECS            give up connecting after SECS seconds (default 10)\n"
    "  --iperf3 [-R] [-P N] [-t SECS] [-u [-b RATE]]   an iperf3 test against `iperf3 -s`\n"
    "                            on HOST (PORT default 5201): -R the server sends, -P N\n"
    "                            streams, -t the test's length (default 10 s), -u UDP at\n"
    "                            RATE bit/s (K, M, G; default 1M)\n"
    "  --udp                     UDP instead of TCP: each line of standard input is one\n"
    "                            datagram, each reply is written to standard output\n"
    "  --wait SECS               --udp: after end of input, wait up to SECS without a\n"
    "                            datagram for the replies still missing (default 2)\n"
    "  --window N                --udp: at most N datagrams unanswered at once (a reply\n"
    "                            missing for --wait SECS counts as lost); default 0: no limit\n"
    "  --cores N                 N connections at once, one from each stack of an N-queue\n"
    "                            device (a thread per CPU): standard input, read whole,\n"
    "                            is sent on each; what each receives goes to standard\n"
    "                            output one connection after another (HOST an address)\n"
    "  --trace-cc FILE           TCP: write the connection's congestion state to FILE every\n"
    "                            --trace-cc-ms MS (default 10) of the transfer, one line each\n"
    "                            (sk_tcp_get_info and the stack's recovery counters; the\n"
    "                            columns are named on the first line)\n";

typedef struct {
    tool_net net;
    sk_stack *stack;
    sk_posix_loop *loop;
    sk_sock sock;
    sk_endpoint remote;
    char remote_str[300];
    const char *host;
    const tool_net_opts *opts;
    int force;                        /* 0, SK_AF_INET4 or SK_AF_INET6 (-4 / -6) */
    sk_ipaddr addrs[SK_DNS_MAX_ADDRS]; /* to try, in order (tool_addr_order) */
    size_t n_addrs;
    bool literal;                     /* HOST is an address, not a name */
    uint64_t timeout_us;
    bool udp;
    bool ip3;                         /* --iperf3 (tools/tool_iperf3_cli.c) */
    ip3_client_opts ip3o;
    uint64_t wait_us, window;
    int stdin_flags;
    bool stdin_eof, shut, peer_eof;
    bool send_full;                   /* too little room in the send buffer: stdin waits */
    size_t lowat;                     /* the room worth a read of stdin */
    uint8_t out[IO_CAP];
    const char *cc_path;              /* --trace-cc FILE */
    FILE *cc;
    uint64_t cc_every_us, cc_next, cc_t0;
} client;

static int parse_target(client *cl, const tool_net_opts *o, const char *host, const char *port)
{
    sk_ip4 a;
    sk_ip6 a6;
    char *end;
    unsigned long p = strtoul(port, &end, 10);
    bool literal = sk_ip4_from_str(host, &a) == 0;
    bool v6 = !literal && sk_ip6_from_str(host, &a6) == 0;
    if (!literal && !v6 && (strchr(host, ':') != NULL || !tool_host_is_name(host))) {
        tool_error(CMD, "bad host '%s' (want an IPv4 address A.B.C.D, an IPv6 address or a name)",
                   host);
        return -1;
    }
    if (!literal && !v6 && o->n_dns == 0 && !o->dhcp && o->kind != SK_DEV_TAP) {
        tool_error(CMD, "no DNS server to resolve '%s' (give --dns A.B.C.D or --dhcp)", host);
        return -1;
    }
    if (port[0] == '\0' || *end != '\0' || p == 0 || p > 65535) {
        tool_error(CMD, "bad port '%s' (1..65535)", port);
        return -1;
    }
    if ((literal && cl->force == SK_AF_INET6) || (v6 && cl->force == SK_AF_INET4)) {
        tool_error(CMD, "'%s' is an %s address, but %s was given", host, v6 ? "IPv6" : "IPv4",
                   v6 ? "--ipv4" : "--ipv6");
        return -1;
    }
    cl->host = host;
    cl->literal = literal || v6;
    cl->remote.addr = v6 ? sk_ipaddr_from_ip6(a6) : sk_ipaddr_from_ip4(a);
    cl->remote.port = (uint16_t)p;
    return 0;
}

/* Could the stack send to a? A source of a's family and a route: on-link
 * (within one of our prefixes) or a default router. IPv6 wants a global
 * source (RFC 6724 §6 rule 2: a link-local one reaches only link-local
 * destinations). Addresses the stack takes later (SLAAC) are not seen. */
static bool target_usable(const void *ctx, const sk_ipaddr *a)
{
    const client *cl = ctx;
    const tool_net_opts *o = cl->opts;
    if (a->family == SK_AF_INET6) {
        for (uint8_t i = 0; i < o->n_addr6; i++) {
            sk_ipaddr mine = sk_ipaddr_from_ip6(o->addr6[i]);
            bool ll = mine.b[0] == 0xfe && (mine.b[1] & 0xc0) == 0x80;
            if (!ll && (o->have_gw6 || tool_addr_in_prefix(a, &mine, o->plen6[i])))
                return true;
        }
        return false;
    }
    sk_ip4 src = o->addr, gw = o->gateway;
    uint8_t plen = o->prefix_len;
    if (cl->net.lease != NULL) {
        src = cl->net.lease->last.addr;
        gw = cl->net.lease->last.router;
        plen = cl->net.lease->last.prefix_len;
    }
    sk_ipaddr mine = sk_ipaddr_from_ip4(src);
    if (src.b[0] == 0 && !o->have_addr4 && cl->net.lease == NULL)
        return false;
    return gw.b[0] != 0 || tool_addr_in_prefix(a, &mine, plen);
}

/* remote and remote_str for the i-th address to try. */
static void set_remote(client *cl, size_t i)
{
    cl->remote.addr = cl->addrs[i];
    char ep[80];
    tool_endpoint_str(&cl->remote, ep, sizeof ep);
    if (!cl->literal)
        snprintf(cl->remote_str, sizeof cl->remote_str, "%s (%s)", cl->host, ep);
    else
        snprintf(cl->remote_str, sizeof cl->remote_str, "%s", ep);
}

/* After the stack is up (and --dhcp has a lease): HOST to the addresses
 * to try, in order. A literal is the one address. */
static int resolve_target(client *cl)
{
    if (cl->literal) {
        cl->addrs[0] = cl->remote.addr;
        cl->n_addrs = 1;
        set_remote(cl, 0);
        return 0;
    }
    int want = cl->force == SK_AF_INET4   ? SK_DNS_WANT_A
               : cl->force == SK_AF_INET6 ? SK_DNS_WANT_AAAA
                                          : SK_DNS_WANT_BOTH;
    size_t n = 0;
    if (tool_resolve(&cl->net, cl->host, want, cl->timeout_us, cl->addrs, SK_DNS_MAX_ADDRS, &n) != 0)
        return -1;
    tool_addr_pref pref = {target_usable, cl, cl->force};
    cl->n_addrs = tool_addr_order(cl->addrs, n, &pref);
    if (cl->n_addrs == 0) {
        tool_error(CMD, "cannot resolve '%s': no %s address", cl->host,
                   cl->force == SK_AF_INET6 ? "IPv6" : "IPv4");
        return -1;
    }
    set_remote(cl, 0);
    return 0;
}

static int parse_args(client *cl, tool_net_opts *o, int argc, char **argv)
{
    const char *pos[2];
    int npos = 0;
    cl->timeout_us = 10000000u;
    cl->wait_us = 2000000u;
    cl->cc_every_us = 10000u;
    int i = 0, t, t3;
    cl->ip3o = (ip3_client_opts){.parallel = 1, .time_s = 10, .len = 131072, .bandwidth = 1000000};
    while ((t = tool_net_next_arg(CMD, usage_text, o, argc, argv, &i)) == TOOL_ARG_OWN) {
        bool timeout = !strcmp(argv[i], "--timeout"), wait = !strcmp(argv[i], "--wait");
        if ((timeout || wait) && i + 1 < argc) {
            char *end;
            double s = strtod(argv[++i], &end);
            if (*end != '\0' || !(s > 0 && s < 86400)) {
                tool_error(CMD, "bad %s '%s' (seconds, > 0)", timeout ? "--timeout" : "--wait",
                           argv[i]);
                return 2;
            }
            *(timeout ? &cl->timeout_us : &cl->wait_us) = (uint64_t)(s * 1e6);
        } else if (!strcmp(argv[i], "--cores") && i + 1 < argc) {
            if (tool_net_parse_cores(CMD, argv[++i], o) != 0)
                return 2;
        } else if (!strcmp(argv[i], "--trace-cc") && i + 1 < argc) {
            cl->cc_path = argv[++i];
        } else if (!strcmp(argv[i], "--trace-cc-ms") && i + 1 < argc) {
            uint64_t ms;
            if (tool_parse_u64(argv[++i], 1, 60000, &ms) != 0) {
                tool_error(CMD, "bad --trace-cc-ms '%s' (milliseconds, 1..60000)", argv[i]);
                return 2;
            }
            cl->cc_every_us = ms * 1000u;
        } else if (!strcmp(argv[i], "--udp")) {
            cl->udp = true;
        } else if (!strcmp(argv[i], "--iperf3")) {
            cl->ip3 = true;
        } else if ((t3 = ip3_client_arg(CMD, argc, argv, &i, &cl->ip3o)) != 0) {
            if (t3 < 0)
                return 2;
        } else if (!strcmp(argv[i], "-4") || !strcmp(argv[i], "--ipv4") ||
                   !strcmp(argv[i], "-6") || !strcmp(argv[i], "--ipv6")) {
            int f = !strcmp(argv[i], "-4") || !strcmp(argv[i], "--ipv4") ? SK_AF_INET4 : SK_AF_INET6;
            if (cl->force != 0 && cl->force != f) {
                tool_error(CMD, "--ipv4 and --ipv6 exclude each other");
                return 2;
            }
            cl->force = f;
        } else if (!strcmp(argv[i], "--window") && i + 1 < argc) {
            if (tool_parse_u64(argv[++i], 0, 1u << 20, &cl->window) != 0) {
                tool_error(CMD, "bad --window '%s' (datagrams, 0..1048576)", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            tool_error(CMD, "unknown option '%s' (try --help)", argv[i]);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            tool_error(CMD, "unexpected argument '%s' (try --help)", argv[i]);
            return 2;
        }
    }
    if (t != TOOL_ARG_END)
        return t;
    if (cl->cc_path != NULL && (cl->udp || cl->ip3 || o->cores > 1)) {
        tool_error(CMD, "--trace-cc goes with one TCP connection (not --udp, --iperf3, --cores)");
        return 2;
    }
    if (cl->ip3o.given && !cl->ip3) {
        tool_error(CMD, "-R, -P, -t, -u and -b go with --iperf3 (try --help)");
        return 2;
    }
    if (cl->ip3 && (cl->udp || o->cores > 1)) {
        tool_error(CMD, "--iperf3 does not combine with --udp or --cores");
        return 2;
    }
    if (cl->ip3 && cl->ip3o.udp && cl->ip3o.reverse) {
        tool_error(CMD, "--iperf3 -u -R is not supported (UDP from the server)");
        return 2;
    }
    if (cl->ip3 && cl->ip3o.udp)
        cl->ip3o.len = 1448; /* one datagram per Ethernet frame */
    if (cl->ip3 && npos == 1)
        pos[npos++] = "5201"; /* iperf3's port */
    if (npos != 2) {
        tool_error(CMD, "HOST and PORT are required (try --help)");
        return 2;
    }
    if (tool_net_check(CMD, o) != 0 || tool_net_check_cores(CMD, o) != 0 ||
        parse_target(cl, o, pos[0], pos[1]) != 0)
        return 2;
    sk_ip4 a;
    sk_ip6 a6;
    if (o->cores > 1 && (cl->udp || (sk_ip4_from_str(cl->host, &a) != 0 &&
                                     sk_ip6_from_str(cl->host, &a6) != 0))) {
        tool_error(CMD, "--cores takes TCP to an address (not --udp, not a name)");
        return 2;
    }
    return -1;
}

/* The error of a failed connect or transfer, in words for this link. */
static const char *err_str(client *cl, int err, char *buf, size_t cap)
{
    if (err == SK_EHOSTUNREACH)
        return tool_unreach_str(cl->net.opts, &cl->remote.addr, buf, cap);
    return sk_strerror(err);
}

static int fail(client *cl, int err)
{
    char why[128];
    tool_error(CMD, "%s: %s", cl->remote_str, err_str(cl, err, why, sizeof why));
    return 1;
}

/* sk_tcp_send_fill's callback: standard input read straight into the
 * connection's send buffer (no copy through a buffer of ours). 0 when
 * stdin would block or ended (a read error ends it too, as before). */
static size_t fill_from_stdin(void *ctx, uint8_t *buf, size_t cap)
{
    client *cl = ctx;
    for (;;) {
        ssize_t r = read(STDIN_FILENO, buf, cap);
        if (r > 0)
            return (size_t)r;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        cl->stdin_eof = true;
        return 0;
    }
}

/* stdin -> connection until stdin would block, ends, or the send buffer
 * has less room than cl->lowat: a read per ACK that frees a few segments
 * would cost a system call each (as Linux wakes a writer only when a
 * third of its buffer is free). Returns 0, or an error code. */
static int pump_stdin(client *cl)
{
    cl->send_full = false;
    while (!cl->stdin_eof) {
        ptrdiff_t room = sk_tcp_send_space(cl->stack, cl->sock);
        if (room < 0)
            return (int)room;
        if ((size_t)room < cl->lowat) {
            cl->send_full = true;
            return 0;
        }
        ptrdiff_t n = sk_tcp_send_fill(cl->stack, cl->loop->now, cl->sock, fill_from_stdin, cl);
        if (n == SK_EAGAIN) {
            cl->send_full = true;
            return 0;
        }
        if (n < 0)
            return (int)n;
        if (n == 0 && !cl->stdin_eof)
            return 0; /* stdin would block */
    }
    if (!cl->shut) {
        cl->shut = true;
        return sk_tcp_shutdown(cl->stack, cl->loop->now, cl->sock);
    }
    return 0;
}

/* connection -> stdout. Returns 0, or an error code. */
static int pump_stdout(client *cl)
{
    while (!cl->peer_eof) {
        ptrdiff_t n = sk_tcp_recv(cl->stack, cl->loop->now, cl->sock, cl->out, IO_CAP);
        if (n == SK_EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        if (n == 0) {
            cl->peer_eof = true;
            break;
        }
        if (tool_write_all(cl->out, (size_t)n) != 0) {
            tool_error(CMD, "cannot write to standard output: %s", strerror(errno));
            return SK_EIO;
        }
    }
    return 0;
}

/* --trace-cc: one line of the connection's congestion state, at most
 * every cc_every_us (sampled from the loop, so a line may come late by
 * up to one loop round; the first column is the time it was taken).
 * Bytes are relative to the first data byte (snd_una - iss - 1). */
static void trace_cc(client *cl, bool force)
{
    if (cl->cc == NULL)
        return;
    sk_time_us now = cl->loop->now;
    if (!force && now < cl->cc_next)
        return;
    cl->cc_next = now + cl->cc_every_us;
    sk_tcp_info i;
    if (sk_tcp_get_info(cl->stack, cl->sock, &i) != 0)
        return;
    const sk_stats *st = sk_stack_stats(cl->stack);
    fprintf(cl->cc, "%.6f %u %u %u %u %u %u %u %u %u %u %u %llu %llu %llu %llu %llu\n",
            (double)(now - cl->cc_t0) / 1e6, i.snd_mss, i.cwnd, i.ssthresh,
            i.unacked, i.snd_wnd, i.srtt_us, i.rttvar_us, i.rto_us, i.min_rtt_us,
            i.snd_una - i.iss - 1u, i.snd_nxt - i.iss - 1u, (unsigned long long)i.retransmits,
            (unsigned long long)st->sack_recoveries, (unsigned long long)st->timeouts,
            (unsigned long long)st->tlp_probes, (unsigned long long)st->rack_marks);
}

static int trace_cc_open(client *cl)
{
    if (cl->cc_path == NULL)
        return 0;
    cl->cc = fopen(cl->cc_path, "w");
    if (cl->cc == NULL) {
        tool_error(CMD, "--trace-cc: cannot write '%s': %s", cl->cc_path, strerror(errno));
        return -1;
    }
    fprintf(cl->cc, "# t_s mss cwnd ssthresh flight snd_wnd srtt_us rttvar_us rto_us min_rtt_us "
                    "acked sent retrans_segs sack_recoveries timeouts tlp rack_marks\n");
    cl->cc_t0 = cl->loop->now;
    cl->cc_next = cl->cc_t0;
    return 0;
}

static int trace_cc_close(client *cl)
{
    if (cl->cc == NULL)
        return 0;
    int bad = ferror(cl->cc) | fclose(cl->cc);
    cl->cc = NULL;
    if (bad != 0) {
        tool_error(CMD, "--trace-cc: error writing '%s'", cl->cc_path);
        return -1;
    }
    return 0;
}

static int session(client *cl)
{
    bool watching = true;
    for (;;) {
        int e = pump_stdout(cl);
        if (e == 0)
            e = pump_stdin(cl);
        if (e == 0 && (sk_sock_events(cl->stack, cl->sock) & SK_EV_ERROR))
            e = SK_ECONNRESET;
        if (e != 0) {
            sk_tcp_info info;
            if (sk_tcp_get_info(cl->stack, cl->sock, &info) == 0 && info.error != 0)
                e = info.error;
            return e;
        }
        if (cl->peer_eof && cl->shut && (sk_sock_events(cl->stack, cl->sock) & SK_EV_CLOSED))
            return 0;
        /* watch stdin only while the send buffer has room */
        bool want = !cl->stdin_eof && !cl->send_full;
        if (want != watching) {
            if (want)
                sk_posix_loop_watch(cl->loop, STDIN_FILENO, POLLIN);
            else
                sk_posix_loop_unwatch(cl->loop, STDIN_FILENO);
            watching = want;
        }
        if (tool_stop_flag)
            return SK_ECONNABORTED;
        trace_cc(cl, false);
        uint64_t wait = 1000000u;
        if (cl->cc != NULL)
            wait = cl->cc_next > cl->loop->now ? cl->cc_next - cl->loop->now : 0;
        if (wait > 1000000u)
            wait = 1000000u;
        if (tool_net_step(&cl->net, wait) != 0)
            return SK_EIO;
    }
}

/* Each address in turn until one connects (RFC 8305 §5, one attempt at
 * a time: no racing), each with the whole --timeout. A failure with
 * addresses left is one line saying which is next. */
static int connect_any(client *cl)
{
    int r = SK_EINVAL;
    for (size_t i = 0; i < cl->n_addrs && !tool_stop_flag; i++) {
        set_remote(cl, i);
        r = sk_blocking_connect(cl->loop, &cl->remote, cl->timeout_us, &cl->sock);
        if (r == 0 || r == SK_EIO || i + 1 == cl->n_addrs)
            return r;
        char next[80];
        sk_endpoint ep = {cl->addrs[i + 1], cl->remote.port};
        tool_endpoint_str(&ep, next, sizeof next);
        char why[128];
        tool_error(CMD, "%s: %s; trying %s", cl->remote_str, err_str(cl, r, why, sizeof why), next);
    }
    return r;
}

static int run(client *cl)
{
    int r = connect_any(cl);
    if (r != 0)
        return r == SK_EIO ? (tool_error(CMD, "device failed: %s", strerror(errno)), 1)
                           : fail(cl, r);
    if (trace_cc_open(cl) != 0) {
        sk_tcp_abort(cl->stack, cl->loop->now, cl->sock);
        sk_posix_loop_flush(cl->loop);
        return 1;
    }
    sk_tcp_info info;
    cl->lowat = 1;
    if (sk_tcp_get_info(cl->stack, cl->sock, &info) == 0 && info.sndbuf >= 2)
        cl->lowat = info.sndbuf / 2 < IO_CAP ? info.sndbuf / 2 : IO_CAP;
    cl->stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
    if (cl->stdin_flags >= 0)
        fcntl(STDIN_FILENO, F_SETFL, cl->stdin_flags | O_NONBLOCK);
    sk_posix_loop_watch(cl->loop, STDIN_FILENO, POLLIN);
    r = session(cl);
    trace_cc(cl, true);
    bool cc_bad = trace_cc_close(cl) != 0;
    if (cl->stdin_flags >= 0)
        fcntl(STDIN_FILENO, F_SETFL, cl->stdin_flags);
    if (r == 0) {
        sk_tcp_close(cl->stack, cl->loop->now, cl->sock);
        sk_posix_loop_flush(cl->loop);
        return cc_bad ? 1 : 0;
    }
    if (r == SK_ECONNABORTED) {
        sk_blocking_close(cl->loop, cl->sock, 2000000u);
        tool_error(CMD, "interrupted");
        return 1;
    }
    sk_tcp_abort(cl->stack, cl->loop->now, cl->sock);
    sk_posix_loop_flush(cl->loop);
    return r == SK_EIO ? 1 : fail(cl, r);
}

int cmd_connect(int argc, char **argv)
{
    static client cl;
    tool_net_opts o;
    memset(&o, 0, sizeof o);
    memset(&cl, 0, sizeof cl);
    cl.opts = &o;
    int r = parse_args(&cl, &o, argc, argv);
    if (r >= 0)
        return r;
    tool_signals_install();
    if (o.cores > 1)
        return tool_connect_cores(CMD, &o, &cl.remote, cl.timeout_us);
    if (tool_net_start(&cl.net, CMD, &o, stderr, NULL, NULL) != 0)
        return 1;
    cl.stack = cl.net.stack;
    cl.loop = cl.net.loop;
    if (tool_dhcp_acquire(&cl.net, 30000000u) != 0 || resolve_target(&cl) != 0) {
        tool_net_stop(&cl.net);
        return 1;
    }
    if (cl.ip3)
        r = ip3_client_run(CMD, cl.loop, &cl.remote, &cl.ip3o, stdout);
    else if (cl.udp)
        r = tool_udp_client(CMD, cl.loop, &cl.remote, cl.remote_str, cl.wait_us, cl.window);
    else
        r = run(&cl);
    tool_net_stop(&cl.net);
    return r;
}
