/* synack serve, the command line: the usage text, the service and limit
 * options, their checks, and the entry point that hands a checked server
 * to tool_serve_run.c. The parts of serve are listed in tool_serve.h. */
#include "tool_serve.h"

#include "tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IDLE_S_DEFAULT 60 /* --idle: an HTTP connection without progress is closed */
#define MAX_CONNS_DEFAULT 4096u /* --max-conns: connections at once (the socket table) */

const char *const serve_svc_opt[SVC__COUNT] = {"--echo", "--discard", "--http", "--iperf"};

static const char usage_text[] =
    "usage: synack serve (--tap NAME | --tun NAME | --xdp IFNAME[:Q]) (--addr A.B.C.D/NN | --dhcp) [options]\n"
    "services (any number, each on its own port):\n"
    "  --echo PORT               send back every byte received\n"
    "  --discard PORT            read and drop\n"
    "  --http PORT [--root DIR]  HTTP/1.1: GET/HEAD files under DIR, or generated pages\n"
    "                            (/ and /bytes/N) when no DIR is given\n"
    "  --iperf PORT              iperf 2 TCP server: run `iperf -c ADDR -p PORT` against it\n"
    "  --iperf3 PORT             iperf3 server (TCP and UDP on PORT): `iperf3 -c ADDR -p PORT`,\n"
    "                            with -R, -P N, -t, -u\n"
    "  --udp-echo PORT           UDP: send every datagram back to its source\n"
    "  --idle SECS               close an HTTP connection after SECS without progress\n"
    "                            (default 60): 408 to a partial request, reset for a\n"
    "                            client that stopped reading\n"
    "  --max-conns N             connections at once, default 4096 (the socket table,\n"
    "                            per queue with --cores; closed connections wait out\n"
    "                            TIME-WAIT outside it)\n"
    "  --time-wait MS            TIME-WAIT (2*MSL) in milliseconds, default 60000\n"
    "  --max-time-wait N         TIME-WAIT records kept, default 4 x the socket table\n"
    "                            (at most 65536); when full, the oldest is recycled\n"
    "  --syn-backlog N           half-open connections per listener, 1..65535, default\n"
    "                            256 (the listen backlog is 1024, or N when larger)\n"
    "  --syn-cookies MODE        off | auto | always, default auto: a SYN the full SYN\n"
    "                            queue cannot keep gets a SYN cookie (RFC 4987); always:\n"
    "                            every SYN does; off: the oldest half-open connection\n"
    "                            already retransmitted makes room, else the SYN is dropped\n"
    "  --max-half-open N         half-open connections kept (96-byte records outside\n"
    "                            the socket table), default 4 x the socket table (at\n"
    "                            most 65536); when full, SYNs get SYN cookies (as\n"
    "                            --syn-cookies says)\n"
    "  --cores N                 N queues of a multi-queue device, one stack and one\n"
    "                            thread per queue, each pinned to its own CPU, nothing\n"
    "                            shared; the kernel spreads the connections (default 1)\n"
    "other options:\n";

/* --syn-cookies off|auto|always: *used 1 when argv[*i] was it; returns
 * nonzero (with *used = 2) for a bad value. */
static int parse_syn_cookies(serve_limits *lim, char **argv, int argc, int *i, int *used)
{
    static const char *const mode[] = {
        [SK_SYNCOOKIES_OFF] = "off",
        [SK_SYNCOOKIES_WHEN_FULL] = "auto",
        [SK_SYNCOOKIES_ALWAYS] = "always",
    };
    *used = 0;
    if (strcmp(argv[*i], "--syn-cookies") != 0)
        return 0;
    const char *v = *i + 1 < argc ? argv[*i + 1] : "";
    for (size_t k = 0; k < sizeof mode / sizeof mode[0]; k++) {
        if (strcmp(v, mode[k]) == 0) {
            lim->syn_cookies = (uint8_t)k;
            (*i)++;
            *used = 1;
            return 0;
        }
    }
    tool_error(SERVE_CMD, "bad --syn-cookies '%s' (off, auto or always)", v);
    *used = 2;
    return 1;
}

/* --max-conns, --time-wait, --max-time-wait, --syn-backlog, --max-half-open:
 * *used 1 when argv[*i] was one of them; returns nonzero (with *used = 2)
 * for a bad value. */
static int parse_limit(serve_limits *lim, char **argv, int argc, int *i, int *used)
{
    const struct {
        const char *opt, *what;
        uint64_t lo, hi, scale;
        uint32_t *dst;
    } opt[] = {
        {"--max-conns", "connections, 1..1048576", 1, 1u << 20, 1, &lim->max_conns},
        {"--time-wait", "milliseconds, 0..3600000", 0, 3600000, 1000, &lim->time_wait_us},
        {"--max-time-wait", "records, 1..16777216", 1, 1u << 24, 1, &lim->max_time_wait},
        {"--syn-backlog", "half-open connections, 1..65535", 1, 65535, 1, &lim->syn_backlog},
        {"--max-half-open", "records, 1..16777216", 1, 1u << 24, 1, &lim->max_half_open},
    };
    *used = 0;
    for (size_t k = 0; k < sizeof opt / sizeof opt[0]; k++) {
        if (strcmp(argv[*i], opt[k].opt) != 0)
            continue;
        uint64_t v;
        if (*i + 1 >= argc || tool_parse_u64(argv[*i + 1], opt[k].lo, opt[k].hi, &v) != 0) {
            tool_error(SERVE_CMD, "bad %s '%s' (%s)", opt[k].opt, *i + 1 < argc ? argv[*i + 1] : "",
                       opt[k].what);
            *used = 2;
            return 1;
        }
        *opt[k].dst = (uint32_t)(v * opt[k].scale);
        (*i)++;
        *used = 1;
        return 0;
    }
    return 0;
}

/* OPT PORT for a service of one port (--iperf3, --udp-echo), once: *port
 * is 0 until given; *i moves past the value. 0, or 2 after a one-line
 * error. */
static int parse_port(int argc, char **argv, int *i, uint16_t *port)
{
    const char *opt = argv[*i];
    uint64_t p;
    if (*i + 1 >= argc || tool_parse_u64(argv[*i + 1], 1, 65535, &p) != 0) {
        tool_error(SERVE_CMD, "%s needs a port number 1..65535 (try --help)", opt);
        return 2;
    }
    if (*port != 0) {
        tool_error(SERVE_CMD, "%s given twice (one port per service)", opt);
        return 2;
    }
    *port = (uint16_t)p;
    ++*i;
    return 0;
}

/* A TCP service and its port (--echo PORT ...), once; else argv[*i] is no
 * option of serve's. *i moves past the value. 0, or 2 after a one-line
 * error. */
static int parse_service(server *sv, int argc, char **argv, int *i)
{
    int k = 0;
    while (k < SVC__COUNT && strcmp(argv[*i], serve_svc_opt[k]) != 0)
        k++;
    if (k == SVC__COUNT) {
        tool_error(SERVE_CMD, "unknown option '%s' (try --help)", argv[*i]);
        return 2;
    }
    /* digits only, as for --iperf3 and --udp-echo: "+7" and " 7" are not ports */
    uint16_t port = sv->on[k] ? sv->port[k] : 0;
    if (parse_port(argc, argv, i, &port) != 0)
        return 2;
    sv->on[k] = true;
    sv->port[k] = port;
    return 0;
}

static int parse_args(server *sv, tool_net_opts *o, int argc, char **argv)
{
    int i = 0, t;
    while ((t = tool_net_next_arg(SERVE_CMD, usage_text, o, argc, argv, &i)) == TOOL_ARG_OWN) {
        if (!strcmp(argv[i], "--cores") && i + 1 < argc) {
            if (tool_net_parse_cores(SERVE_CMD, argv[++i], o) != 0)
                return 2;
            continue;
        }
        if (parse_limit(&sv->lim, argv, argc, &i, &t) != 0)
            return t;
        if (t == 0 && parse_syn_cookies(&sv->lim, argv, argc, &i, &t) != 0)
            return t;
        if (t == 1) {
            t = 0;
            continue;
        }
        if (!strcmp(argv[i], "--root") && i + 1 < argc) {
            sv->root = argv[++i];
            continue;
        }
        if (!strcmp(argv[i], "--idle") && i + 1 < argc) {
            uint64_t secs;
            if (tool_parse_u64(argv[++i], 1, 86400, &secs) != 0) {
                tool_error(SERVE_CMD, "bad --idle '%s' (seconds, 1..86400)", argv[i]);
                return 2;
            }
            sv->idle_us = (sk_time_us)secs * 1000000u;
            continue;
        }
        if (!strcmp(argv[i], "--iperf3")) {
            if (parse_port(argc, argv, &i, &sv->ip3_port) != 0)
                return 2;
            continue;
        }
        if (!strcmp(argv[i], "--udp-echo")) {
            if (parse_port(argc, argv, &i, &sv->uecho.port) != 0)
                return 2;
            sv->uecho.on = true;
            continue;
        }
        if (parse_service(sv, argc, argv, &i) != 0)
            return 2;
    }
    return t == TOOL_ARG_END ? -1 : t;
}

/* Two TCP services on one port: -1 after "port P given twice (--a and
 * --b)", the services' pairs first, then each against --iperf3. */
static int check_ports(const server *sv)
{
    for (int i = 0; i < SVC__COUNT; i++)
        for (int k = i + 1; k < SVC__COUNT; k++)
            if (sv->on[i] && sv->on[k] && sv->port[i] == sv->port[k]) {
                tool_error(SERVE_CMD, "port %u given twice (%s and %s)", sv->port[i],
                           serve_svc_opt[i], serve_svc_opt[k]);
                return -1;
            }
    for (int k = 0; k < SVC__COUNT && sv->ip3_port != 0; k++)
        if (sv->on[k] && sv->port[k] == sv->ip3_port) {
            tool_error(SERVE_CMD, "port %u given twice (%s and --iperf3)", sv->ip3_port,
                       serve_svc_opt[k]);
            return -1;
        }
    return 0;
}

static int check_args(server *sv, const tool_net_opts *o)
{
    if (tool_net_check(SERVE_CMD, o) != 0 || tool_net_check_cores(SERVE_CMD, o) != 0 ||
        check_ports(sv) != 0)
        return 2;
    bool any = sv->uecho.on || sv->ip3_port != 0;
    for (int k = 0; k < SVC__COUNT; k++)
        any = any || sv->on[k];
    if (!any) {
        tool_error(SERVE_CMD, "no service: give at least one of --echo, --discard, --http, "
                              "--iperf, --iperf3, --udp-echo");
        return 2;
    }
    struct stat st;
    if (sv->root != NULL && (stat(sv->root, &st) != 0 || !S_ISDIR(st.st_mode))) {
        tool_error(SERVE_CMD, "--root %s is not a directory", sv->root);
        return 2;
    }
    if (sv->root != NULL && (sv->root_real = realpath(sv->root, NULL)) == NULL) {
        tool_error(SERVE_CMD, "--root %s: %s", sv->root, strerror(errno));
        return 2;
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static server sv;
    tool_net_opts o;
    memset(&o, 0, sizeof o);
    memset(&sv, 0, sizeof sv);
    sv.lim.max_conns = MAX_CONNS_DEFAULT;
    sv.lim.time_wait_us = 60000000u;
    sv.lim.syn_cookies = SK_SYNCOOKIES_WHEN_FULL;
    sv.idle_us = (sk_time_us)IDLE_S_DEFAULT * 1000000u;
    sv.log = stdout;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int r = parse_args(&sv, &o, argc, argv);
    if (r >= 0)
        return r;
    if ((r = check_args(&sv, &o)) != 0)
        return r;
    tool_signals_install();
    r = serve_run(&sv, &o);
    free(sv.root_real);
    return r;
}
