/* Shared device/stack/loop set-up for the network subcommands. */
#include "tool_net.h"

#include "posix/posix_alloc.h"
#include "posix/posix_mq.h"
#include "posix/posix_steer.h"
#include "posix/posix_sys.h"
#include "posix/posix_xdp.h"
#include "synack/error.h"
#include "tool.h"
#include "tool_plot.h"
#include "wire/seg_text.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* The tools' send buffer auto-tuning ceiling (--sndbuf-max): Linux's
 * net.ipv4.tcp_wmem maximum. */
#define TOOL_SNDBUF_MAX (4u * 1024u * 1024u)
/* ... and the receive buffer's (--rcvbuf-max): net.ipv4.tcp_rmem's. */
#define TOOL_RCVBUF_MAX (6u * 1024u * 1024u)
/* Receive coalescing (--rx-coalesce) when the receive buffer auto-tunes:
 * against cubic over a TAP, 10 us with a window that grows took bulk
 * receiving from 40 to 72 Gbit/s; with a fixed 256 KiB window it cost
 * (bench/README-tap.md, session 20). */
#define TOOL_RX_COALESCE_AUTO_US 10u

const char tool_net_usage[] =
    "  --tap NAME | --tun NAME   attach the TAP (Ethernet) or TUN (IP) device\n"
    "  --create                  create the --tap/--tun device when it does not exist\n"
    "                            (without it, a missing device is an error)\n"
    "  --xdp IFNAME[:QUEUE]      instead: an AF_XDP socket on an interface's receive queue\n"
    "                            (default 0), e.g. a veth end; Ethernet, like --tap\n"
    "  --xdp-generic             with --xdp: the generic (SKB) XDP hook only (default:\n"
    "                            native XDP, generic when the driver has none)\n"
    "  --addr A.B.C.D/NN         synack's address and on-link prefix; again for an IPv6\n"
    "                            one (--addr 2001:db8:1::2/64; on a TAP a link-local\n"
    "                            address and router advertisements need none)\n"
    "  --gw A.B.C.D              default gateway\n"
    "  --gw6 X:X::X              default IPv6 gateway (else the routers that advertise)\n"
    "  --dhcp                    take address, prefix, router and DNS server from a DHCP\n"
    "                            lease instead of --addr/--gw (--tap only), renewed in the background\n"
    "  --dns A.B.C.D             DNS server for names (repeatable, up to 3; default: DHCP's)\n"
    "  --mac AA:BB:CC:DD:EE:FF   synack's MAC on a TAP (default: 02:73:6b + the address's last 3 bytes)\n"
    "  --mtu N                   link MTU (default: the device's)\n"
    "  --pcap FILE               capture every frame in and out\n"
    "  --plot DIR                at exit, SVG plots of the connection that carried the most\n"
    "                            data: DIR/tseq.svg, cwnd.svg, rtt.svg (synack plot --help)\n"
    "  --trace                   print every segment, state change, timer and drop\n"
    "  --stats                   print the stack's counters at exit\n"
    "  --impair SPEC             impair both directions, e.g. loss=2%,delay=10ms,reorder=1%\n"
    "                            (keys in sim/README.md; ge=p/r: bursty Gilbert-Elliott loss)\n"
    "  --impair-in SPEC | --impair-out SPEC   one direction only (in: to synack)\n"
    "  --seed N                  fixed seed (ISNs, ports, impairment)\n"
    "  --offload | --no-offload  open the device with offloads (IFF_VNET_HDR: checksums both\n"
    "                            ways, TCP super-segments out, merged segments in) or\n"
    "                            without; default: on, off with --impair\n"
    "  --busy-poll US            spin up to US microseconds before sleeping (0..1000000;\n"
    "                            default 0): lower latency for a CPU kept busy\n"
    "  --rx-coalesce US          while a stream arrives (a round read 32 KiB or more), sleep\n"
    "                            US microseconds between reads instead of being woken by\n"
    "                            each frame (0..10000), like a NIC's interrupt\n"
    "                            moderation; default 10 while the receive buffer\n"
    "                            auto-tunes (--rcvbuf-max), else 0: with a fixed window\n"
    "                            the sleep holds back the ACKs an unpaced sender\n"
    "                            (cubic) needs; busy polling takes precedence\n"
    ;
/* the rest (one string would pass C's 4095-character minimum) */
const char tool_net_usage_more[] =
    "  --sndbuf BYTES | --rcvbuf BYTES   each connection's send / receive buffer\n"
    "                            (1K..256M, K and M suffixes; default 256K): the receive\n"
    "                            window and the data in flight are at most these\n"
    "  --sndbuf-max BYTES        send buffer auto-tuning: a connection held back by its\n"
    "                            send buffer doubles it, up to BYTES (0: off; 1K..64M;\n"
    "                            default 4M, or off when --sndbuf is given, as Linux's\n"
    "                            SO_SNDBUF turns its auto-tuning off)\n"
    "  --rcvbuf-max BYTES        receive buffer auto-tuning: a connection whose peer fills\n"
    "                            the window while the application keeps up doubles its\n"
    "                            buffer, up to BYTES (0: off; default 6M, Linux's\n"
    "                            tcp_rmem, or off when --rcvbuf is given)\n"
    "  --pacing                  TCP pacing: new data leaves no faster than 2 x cwnd / SRTT\n"
    "                            in slow start, 1.2 x after (Linux's ratios); default off\n"
    "  --sack-compress N         after 3 duplicate ACKs at one point, hold up to N more\n"
    "                            (0..255; default 44, Linux's) for one ACK within 1 ms;\n"
    "                            0: a duplicate ACK per out-of-order segment (RFC 5681)\n"
    "  --push-ack on|off         ACK at once when the application has read all data that\n"
    "                            ended with PSH, as Linux does (default on); off: the\n"
    "                            delayed-ACK timer alone\n"
    "  --quick-ack on|off        ACK each arrival at once after a connection's first data\n"
    "                            and after a duplicate segment, until it sends data, as\n"
    "                            Linux does (default on); off: the delayed-ACK rule alone\n";

volatile sig_atomic_t tool_stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    tool_stop_flag = 1;
}

void tool_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

char *tool_endpoint_str(const sk_endpoint *ep, char *buf, size_t cap)
{
    if (ep->addr.family == SK_AF_INET6) {
        sk_ip6 a6;
        memcpy(a6.b, ep->addr.b, 16);
        char ip6[SK_IP6_STR_LEN];
        snprintf(buf, cap, "[%s]:%u", sk_ip6_to_str(a6, ip6, sizeof ip6), ep->port);
        return buf;
    }
    sk_ip4 a;
    memcpy(a.b, ep->addr.b, 4);
    char ip[16];
    snprintf(buf, cap, "%s:%u", sk_ip4_to_str(a, ip, sizeof ip), ep->port);
    return buf;
}

static int parse_impair(const char *cmd, const char *spec, sk_impair_config *out)
{
    char err[128];
    if (sk_impair_parse(spec, out, err, sizeof err) != 0) {
        tool_error(cmd, "bad --impair '%s': %s", spec, err);
        return -1;
    }
    return 0;
}

static int parse_u64(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (s[0] == '\0' || s[0] == '-' || *end != '\0' || v > max) {
        tool_error(cmd, "bad %s '%s' (a number up to %llu)", opt, s, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

static int take_value(const char *cmd, int argc, char **argv, int *i, const char **val)
{
    if (*i + 1 >= argc) {
        tool_error(cmd, "%s needs a value (try --help)", argv[*i]);
        return -1;
    }
    *i += 1;
    *val = argv[*i];
    return 0;
}

/* Not a group (ff00::/8), :: or ::1 (RFC 4291 §2.5.2, §2.5.3, §2.7). */
static bool ip6_unicast(sk_ip6 a)
{
    static const uint8_t zero[15];
    if (a.b[0] == 0xff)
        return false;
    return memcmp(a.b, zero, 15) != 0 || a.b[15] > 1;
}

/* --addr: A.B.C.D/NN once, X:X::X/NN up to TOOL_ADDR6_MAX times. */
static int parse_addr(const char *cmd, tool_net_opts *o, const char *v)
{
    if (strchr(v, ':') == NULL) {
        if (o->have_addr4 || sk_ip4_prefix_from_str(v, &o->addr, &o->prefix_len) != 0) {
            tool_error(cmd, "bad --addr '%s' (want A.B.C.D/NN, e.g. 192.0.2.2/24, once)", v);
            return -1;
        }
        o->have_addr4 = o->have_addr = true;
        return 0;
    }
    sk_ip6 a;
    uint8_t pl;
    if (o->n_addr6 >= TOOL_ADDR6_MAX || sk_ip6_prefix_from_str(v, &a, &pl) != 0 ||
        !ip6_unicast(a)) {
        tool_error(cmd, "bad --addr '%s' (want a unicast X:X::X/NN, e.g. 2001:db8:1::2/64, "
                        "at most %d)", v, TOOL_ADDR6_MAX);
        return -1;
    }
    o->addr6[o->n_addr6] = a;
    o->plen6[o->n_addr6++] = pl;
    o->have_addr = true;
    return 0;
}

static int option_value(const char *cmd, tool_net_opts *o, const char *opt, const char *v)
{
    uint64_t n;
    if (!strcmp(opt, "--tap") || !strcmp(opt, "--tun") || !strcmp(opt, "--xdp")) {
        if (o->have_dev) {
            tool_error(cmd, "give one device: --tap NAME, --tun NAME or --xdp IFNAME, once "
                            "(try --help)");
            return -1;
        }
        o->have_dev = true;
        o->xdp = opt[2] == 'x';
        o->kind = opt[3] == 'u' ? SK_DEV_TUN : SK_DEV_TAP;
        o->dev_name = v;
        if (o->xdp && sk_posix_xdp_parse(v, o->xdp_if, sizeof o->xdp_if, &o->xdp_queue) != 0) {
            tool_error(cmd, "bad --xdp '%s' (want IFNAME or IFNAME:QUEUE, e.g. veth0:0)", v);
            return -1;
        }
    } else if (!strcmp(opt, "--addr")) {
        return parse_addr(cmd, o, v);
    } else if (!strcmp(opt, "--gw6")) {
        if (sk_ip6_from_str(v, &o->gateway6) != 0) {
            tool_error(cmd, "bad --gw6 '%s' (want an IPv6 address, e.g. 2001:db8:1::1)", v);
            return -1;
        }
        o->have_gw6 = true;
    } else if (!strcmp(opt, "--gw")) {
        if (sk_ip4_from_str(v, &o->gateway) != 0) {
            tool_error(cmd, "bad --gw '%s' (want A.B.C.D)", v);
            return -1;
        }
    } else if (!strcmp(opt, "--dns")) {
        if (o->n_dns >= 3 || sk_ip4_from_str(v, &o->dns[o->n_dns]) != 0) {
            tool_error(cmd, "bad --dns '%s' (want A.B.C.D, at most 3 servers)", v);
            return -1;
        }
        o->n_dns++;
    } else if (!strcmp(opt, "--mac")) {
        if (sk_mac_from_str(v, &o->mac) != 0) {
            tool_error(cmd, "bad --mac '%s' (want aa:bb:cc:dd:ee:ff)", v);
            return -1;
        }
        o->have_mac = true;
    } else if (!strcmp(opt, "--mtu")) {
        if (parse_u64(cmd, opt, v, 65535, &n) != 0 || n < 576) {
            tool_error(cmd, "bad --mtu '%s' (576..65535)", v);
            return -1;
        }
        o->mtu = (uint16_t)n;
    } else if (!strcmp(opt, "--pcap")) {
        o->pcap = v;
    } else if (!strcmp(opt, "--plot")) {
        if (v[0] == '\0') {
            tool_error(cmd, "--plot: expected a directory name");
            return -1;
        }
        o->plot_dir = v;
    } else if (!strcmp(opt, "--seed")) {
        return parse_u64(cmd, opt, v, UINT64_MAX, &o->seed);
    } else if (!strcmp(opt, "--busy-poll")) {
        if (parse_u64(cmd, opt, v, 1000000, &n) != 0)
            return -1;
        o->busy_poll_us = (uint32_t)n;
    } else if (!strcmp(opt, "--rx-coalesce")) {
        if (parse_u64(cmd, opt, v, SK_POSIX_LOOP_RX_COALESCE_MAX, &n) != 0)
            return -1;
        o->rx_coalesce_us = (uint32_t)n;
        o->have_rx_coalesce = true;
    } else if (!strcmp(opt, "--sack-compress")) {
        if (parse_u64(cmd, opt, v, 255, &n) != 0)
            return -1;
        o->sack_compress = (uint8_t)n;
        o->have_sack_compress = true;
    } else if (!strcmp(opt, "--push-ack")) {
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
            tool_error(cmd, "bad --push-ack '%s' (on or off)", v);
            return -1;
        }
        o->push_ack_off = !strcmp(v, "off");
    } else if (!strcmp(opt, "--quick-ack")) {
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
            tool_error(cmd, "bad --quick-ack '%s' (on or off)", v);
            return -1;
        }
        o->quick_ack_off = !strcmp(v, "off");
    } else if (!strcmp(opt, "--sndbuf-max") || !strcmp(opt, "--rcvbuf-max")) {
        if (strcmp(v, "0") != 0 && tool_parse_size(v, 1024, 65535u * 1024u, &n) != 0) {
            tool_error(cmd, "bad %s '%s' (0: off, or bytes 1024..65535K, K and M "
                            "suffixes, e.g. 4M)", opt, v);
            return -1;
        }
        bool snd = opt[2] == 's';
        *(snd ? &o->sndbuf_max : &o->rcvbuf_max) = strcmp(v, "0") != 0 ? (uint32_t)n : 0;
        *(snd ? &o->have_sndbuf_max : &o->have_rcvbuf_max) = true;
    } else if (!strcmp(opt, "--sndbuf") || !strcmp(opt, "--rcvbuf")) {
        if (tool_parse_size(v, 1024, 256u * 1024 * 1024, &n) != 0) {
            tool_error(cmd, "bad %s '%s' (bytes 1024..256M, K and M suffixes, e.g. 6M)", opt, v);
            return -1;
        }
        *(opt[2] == 's' ? &o->sndbuf : &o->rcvbuf) = (uint32_t)n;
    } else if (!strcmp(opt, "--impair-in")) {
        o->have_imp_in = true;
        return parse_impair(cmd, v, &o->imp_in);
    } else if (!strcmp(opt, "--impair-out")) {
        o->have_imp_out = true;
        return parse_impair(cmd, v, &o->imp_out);
    } else { /* --impair */
        o->have_imp_in = o->have_imp_out = true;
        if (parse_impair(cmd, v, &o->imp_in) != 0)
            return -1;
        o->imp_out = o->imp_in;
    }
    return 0;
}

/* 1: argv[*i] is a shared option, taken; 0: it is not one; -1: bad value. */
static int net_option(const char *cmd, tool_net_opts *o, int argc, char **argv, int *i)
{
    static const char *const with_value[] = {"--tap", "--tun", "--xdp", "--addr", "--gw", "--gw6", "--mac",
                                             "--mtu", "--pcap", "--plot", "--seed", "--impair",
                                             "--impair-in", "--impair-out", "--busy-poll", "--rx-coalesce",
                                             "--sndbuf", "--rcvbuf", "--dns", "--sack-compress",
                                             "--push-ack", "--quick-ack", "--sndbuf-max",
                                             "--rcvbuf-max"};
    const char *opt = argv[*i];
    if (!strcmp(opt, "--trace")) {
        o->trace = true;
        return 1;
    }
    if (!strcmp(opt, "--stats")) {
        o->stats = true;
        return 1;
    }
    if (!strcmp(opt, "--dhcp")) {
        o->dhcp = true;
        return 1;
    }
    if (!strcmp(opt, "--create")) {
        o->create = true;
        return 1;
    }
    if (!strcmp(opt, "--pacing")) {
        o->pacing = true;
        return 1;
    }
    if (!strcmp(opt, "--xdp-generic")) {
        o->xdp_generic = true;
        return 1;
    }
    if (!strcmp(opt, "--offload") || !strcmp(opt, "--no-offload")) {
        *(opt[2] == 'o' ? &o->offload : &o->no_offload) = true;
        return 1;
    }
    for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
        if (strcmp(opt, with_value[k]) != 0)
            continue;
        const char *v;
        if (take_value(cmd, argc, argv, i, &v) != 0 || option_value(cmd, o, opt, v) != 0)
            return -1;
        return 1;
    }
    return 0;
}

int tool_net_next_arg(const char *cmd, const char *usage, tool_net_opts *o, int argc,
                      char **argv, int *i)
{
    while (++*i < argc) {
        int t = net_option(cmd, o, argc, argv, i);
        if (t < 0)
            return 2;
        if (t > 0)
            continue;
        if (!strcmp(argv[*i], "--help") || !strcmp(argv[*i], "-h")) {
            printf("%s%s%s", usage, tool_net_usage, tool_net_usage_more);
            return 0;
        }
        return TOOL_ARG_OWN;
    }
    return TOOL_ARG_END;
}

int tool_net_check(const char *cmd, const tool_net_opts *o)
{
    if (!o->have_dev) {
        tool_error(cmd, "--tap NAME, --tun NAME or --xdp IFNAME is required (try --help)");
        return -1;
    }
    if (o->xdp_generic && !o->xdp) {
        tool_error(cmd, "--xdp-generic goes with --xdp IFNAME");
        return -1;
    }
    if (o->dhcp && (o->have_addr || o->gateway.b[0] != 0)) {
        tool_error(cmd, "--dhcp takes the address from a lease: give --dhcp or --addr/--gw, not both");
        return -1;
    }
    if (o->dhcp && o->kind != SK_DEV_TAP) {
        tool_error(cmd, "--dhcp needs an Ethernet link: use --tap");
        return -1;
    }
    if (o->xdp && o->offload) {
        tool_error(cmd, "--offload needs a TAP or TUN (AF_XDP frames carry no offload metadata)");
        return -1;
    }
    if (o->offload && o->no_offload) {
        tool_error(cmd, "give --offload or --no-offload, not both");
        return -1;
    }
    if (o->offload && (o->have_imp_in || o->have_imp_out)) {
        tool_error(cmd, "--offload does not combine with --impair (its delay lines carry frames "
                   "without offload metadata): give --no-offload or drop --impair");
        return -1;
    }
    if (!o->have_addr && !o->dhcp) {
        tool_error(cmd, "--addr A.B.C.D/NN or X:X::X/NN (or --dhcp) is required (try --help)");
        return -1;
    }
    return tool_net_check_addr(cmd, o);
}

int tool_net_parse_cores(const char *cmd, const char *v, tool_net_opts *o)
{
    uint64_t n;
    unsigned cpus = sk_posix_mq_cpus();
    unsigned max = cpus < SK_POSIX_MQ_MAX ? cpus : SK_POSIX_MQ_MAX;
    if (tool_parse_u64(v, 1, max, &n) != 0) {
        tool_error(cmd, "bad --cores '%s' (1..%u: one queue and one stack per CPU this "
                        "process may use)", v, max);
        return 2;
    }
    o->cores = (unsigned)n;
    return 0;
}

int tool_net_check_cores(const char *cmd, const tool_net_opts *o)
{
    if (o->cores <= 1)
        return 0;
    if (o->dhcp) {
        tool_error(cmd, "--dhcp takes one lease for one stack: give --addr with --cores");
        return 2;
    }
    if (o->pcap != NULL) {
        tool_error(cmd, "--pcap writes one file for one stack: not with --cores > 1");
        return 2;
    }
    if (o->plot_dir != NULL) {
        tool_error(cmd, "--plot draws one stack's connection: not with --cores > 1");
        return 2;
    }
    if (o->xdp) {
        tool_error(cmd, "--cores > 1 opens a multi-queue TAP: not with --xdp");
        return 2;
    }
    return 0;
}

/* What a device opened with offloads can do: every capability
 * sk_posix_dev_open_vnet can set (the stack is given the same ones in
 * make_stack, from dev.vnet). */
static const sk_dev_caps offload_caps = {
    .tx_csum = true, .rx_csum = true, .tso_max = SK_TSO_MAX, .gro = true};

/* tool_net_offload, saying why when --impair took the offloads away. */
static bool offload_or_say(const char *cmd, const tool_net_opts *o)
{
    if (tool_net_offload(o))
        return true;
    if (!o->no_offload)
        fprintf(stderr, "synack %s: offloads off: --impair's delay lines carry frames without "
                "their metadata\n", cmd);
    return false;
}

int tool_net_open_queues(const char *cmd, const tool_net_opts *o, sk_posix_dev *devs)
{
    char err[256];
    if (tool_net_check_dev(cmd, o) != 0)
        return -1;
    bool offload = offload_or_say(cmd, o);
    for (unsigned i = 0; i < o->cores; i++) {
        int r = offload ? sk_posix_dev_open_queue_vnet(&devs[i], o->kind, o->dev_name,
                                                       &offload_caps, err, sizeof err)
                        : sk_posix_dev_open_queue(&devs[i], o->kind, o->dev_name, err, sizeof err);
        if (r != 0) {
            tool_error(cmd, "queue %u of %u: %s", i, o->cores, err);
            while (i-- > 0)
                sk_posix_dev_close(&devs[i]);
            return -1;
        }
    }
    if (sk_posix_steer_ports(&devs[0], o->cores, err, sizeof err) != 0) {
        tool_error(cmd, "%s", err);
        for (unsigned i = 0; i < o->cores; i++)
            sk_posix_dev_close(&devs[i]);
        return -1;
    }
    return 0;
}

void tool_net_queue_init(tool_net *n, tool_net_opts *qo, const tool_net_opts *o,
                         sk_posix_dev *devs, unsigned i)
{
    *qo = *o;
    qo->queue = i;
    qo->queue_dev = &devs[i];
    n->opts = qo;
    n->dev.fd = -1;
}

void tool_net_queue_stop(tool_net *n, bool started)
{
    if (started)
        tool_net_stop(n);
    else
        sk_posix_dev_close(n->opts->queue_dev);
}

/* ---- trace ---- */

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    tool_net *n = ctx;
    if (n->plot != NULL)
        plot_live_event(n->plot, n->stack, ev);
    if (!n->opts->trace)
        return;
    if (n->opts->cores <= 1) {
        tool_trace_line(n->log, ev->now - n->start, ev);
        return;
    }
    flockfile(n->log); /* --cores: one line at a time, named by its stack */
    fprintf(n->log, "[stack %u] ", n->opts->queue);
    tool_trace_line(n->log, ev->now - n->start, ev);
    funlockfile(n->log);
}

/* ---- start / stop ---- */

/* The address list: IPv4 (and its gateway) and the IPv6 addresses, and
 * the IPv6 default route when --gw6 is given. */
static void set_addrs(sk_stack_config *cfg, const tool_net_opts *o)
{
    if (o->n_addr6 == 0 && !o->have_gw6) {
        cfg->addr = o->addr;
        cfg->prefix_len = o->prefix_len;
        cfg->gateway = o->gateway;
        return;
    }
    if (o->have_addr4) {
        cfg->addrs[cfg->n_addrs].addr = sk_ipaddr_from_ip4(o->addr);
        cfg->addrs[cfg->n_addrs++].prefix_len = o->prefix_len;
        if (o->gateway.b[0] != 0) {
            sk_route *r = &cfg->routes[cfg->n_routes++];
            memset(r, 0, sizeof *r);
            r->dst = sk_ipaddr_from_ip4(sk_ip4_make(0, 0, 0, 0));
            r->gateway = sk_ipaddr_from_ip4(o->gateway);
        }
    }
    for (uint8_t i = 0; i < o->n_addr6; i++) {
        cfg->addrs[cfg->n_addrs].addr = sk_ipaddr_from_ip6(o->addr6[i]);
        cfg->addrs[cfg->n_addrs++].prefix_len = o->plen6[i];
    }
    if (o->have_gw6) {
        sk_route *r = &cfg->routes[cfg->n_routes++];
        memset(r, 0, sizeof *r);
        r->dst = sk_ipaddr_from_ip6((sk_ip6){{0}});
        r->gateway = sk_ipaddr_from_ip6(o->gateway6);
    }
}

/* What the default MAC is made from: the IPv4 address, else the last four
 * bytes of the first IPv6 one. */
static sk_ip4 mac_seed(const tool_net_opts *o)
{
    if (o->have_addr4 || o->n_addr6 == 0)
        return o->addr;
    sk_ip4 a;
    memcpy(a.b, o->addr6[0].b + 12, 4);
    return a;
}

static int make_stack(tool_net *n, tool_net_tweak cfg_tweak, const void *ctx)
{
    tool_net_opts *o = n->opts;
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = o->kind == SK_DEV_TAP ? SK_LINK_ETHERNET : SK_LINK_IP;
    set_addrs(&cfg, o);
    cfg.mld_reports = true; /* RFC 3810 §6.1: switches that snoop MLD forward our NSs */
    cfg.mac = o->have_mac ? o->mac : sk_posix_stable_mac(mac_seed(o));
    cfg.mtu = o->mtu ? o->mtu : n->dev.mtu;
    /* one stack per queue: the same addresses and MAC, distinct seeds */
    cfg.seed = o->seed ? o->seed + o->queue : sk_posix_seed();
    if (o->dhcp && !o->have_mac) { /* no address yet: 02:73:6b + 3 bytes of the seed */
        sk_ip4 from_seed = {{10, (uint8_t)(cfg.seed >> 16), (uint8_t)(cfg.seed >> 8), (uint8_t)cfg.seed}};
        cfg.mac = sk_posix_stable_mac(from_seed);
    }
    cfg.alloc = sk_posix_allocator();
    if (o->sndbuf != 0)
        cfg.sndbuf = o->sndbuf;
    /* auto-tuning from the stack's size up to 4 MiB (Linux's tcp_wmem
     * ceiling), unless --sndbuf fixed the size; --sndbuf-max decides */
    cfg.sndbuf_max = o->have_sndbuf_max ? o->sndbuf_max : o->sndbuf != 0 ? 0 : TOOL_SNDBUF_MAX;
    if (cfg.sndbuf_max <= cfg.sndbuf)
        cfg.sndbuf_max = 0; /* the fixed buffer is as large already: nothing to grow */
    cfg.pacing = o->pacing;
    if (o->have_sack_compress)
        cfg.sack_compress_nr = o->sack_compress;
    if (o->push_ack_off)
        cfg.push_ack = false;
    if (o->quick_ack_off)
        cfg.quick_acks = 0;
    if (o->rcvbuf != 0)
        cfg.rcvbuf = o->rcvbuf;
    /* the same for the receive buffer, up to Linux's tcp_rmem ceiling */
    cfg.rcvbuf_max = o->have_rcvbuf_max ? o->rcvbuf_max : o->rcvbuf != 0 ? 0 : TOOL_RCVBUF_MAX;
    if (cfg.rcvbuf_max <= cfg.rcvbuf)
        cfg.rcvbuf_max = 0;
    if (o->plot_dir != NULL) {
        n->plot = plot_live_new(n->start);
        if (n->plot == NULL) {
            tool_error(n->cmd, "--plot: out of memory");
            return -1;
        }
    }
    if (o->trace || n->plot != NULL) {
        cfg.trace = on_trace;
        cfg.trace_ctx = n;
    }
    if (o->cores > 1) {
        /* one stack per queue (posix_steer.h): ephemeral ports that the
         * steering brings back here, and neighbour resolution retried
         * until a reply lands on this queue */
        cfg.port_partitions = (uint16_t)o->cores;
        cfg.port_partition = (uint16_t)o->queue;
        cfg.arp_retry_us = 50000;
        cfg.arp_tries = 20;
    }
    if (n->dev.vnet) /* what sk_posix_dev_open_vnet told the device */
        cfg.dev = offload_caps;
    if (cfg_tweak != NULL)
        cfg_tweak(&cfg, ctx);
    n->mac = cfg.mac;
    n->rcv_autotuned = cfg.rcvbuf_max > cfg.rcvbuf;
    int r = sk_stack_create(&cfg, &n->stack);
    if (r == SK_ENOTSUP && cfg.link == SK_LINK_ETHERNET) {
        tool_error(n->cmd, "this build has no Ethernet/ARP layer yet: use --tun instead of --tap");
        return -1;
    }
    if (r != 0) {
        tool_error(n->cmd, "cannot create the stack: %s", sk_strerror(r));
        return -1;
    }
    return 0;
}

bool tool_net_offload(const tool_net_opts *o)
{
    if (o->offload || o->no_offload)
        return o->offload;
    return !o->have_imp_in && !o->have_imp_out;
}

/* With offloads: every capability sk_posix_dev_open_vnet can set (the
 * stack is given the same ones in make_stack). */
static int open_dev(tool_net *n, char *err, size_t errcap)
{
    const tool_net_opts *o = n->opts;
    if (!offload_or_say(n->cmd, o))
        return sk_posix_dev_open(&n->dev, o->kind, o->dev_name, err, errcap);
    return sk_posix_dev_open_vnet(&n->dev, o->kind, o->dev_name, &offload_caps, err, errcap);
}

int tool_net_start(tool_net *n, const char *cmd, tool_net_opts *o, FILE *log,
                   tool_net_tweak cfg_tweak, const void *ctx)
{
    char err[256];
    memset(n, 0, sizeof *n);
    n->cmd = cmd;
    n->opts = o;
    n->log = log;
    n->dev.fd = -1;
    n->start = sk_posix_now_us();
    int opened = 0;
    if (o->queue_dev != NULL)
        n->dev = *o->queue_dev; /* --cores: opened by tool_net_open_queues, now ours */
    else if (o->xdp && o->xdp_generic)
        opened = sk_posix_xdp_open_generic(&n->dev, o->xdp_if, o->xdp_queue, err, sizeof err);
    else if (o->xdp)
        opened = sk_posix_xdp_open(&n->dev, o->xdp_if, o->xdp_queue, err, sizeof err);
    else if (tool_net_check_dev(cmd, o) != 0)
        return -1;
    else
        opened = open_dev(n, err, sizeof err);
    if (opened != 0) {
        tool_error(cmd, "%s", err);
        return -1;
    }
    if (make_stack(n, cfg_tweak, ctx) != 0) {
        tool_net_stop(n);
        return -1;
    }
    n->loop = malloc(sizeof *n->loop);
    sk_posix_loop_config lc = {
        .stack = n->stack,
        .dev = &n->dev,
        .pcap_path = o->pcap,
        .impair_in = o->have_imp_in ? &o->imp_in : NULL,
        .impair_out = o->have_imp_out ? &o->imp_out : NULL,
        .impair_seed = o->seed ? o->seed + o->queue : sk_posix_seed(),
        .batch = 64,
        .busy_poll_us = o->busy_poll_us,
        /* coalescing by default only with an auto-tuned receive buffer,
         * whose window outgrows the ACKs a coalescing sleep holds back */
        .rx_coalesce_us = o->have_rx_coalesce ? o->rx_coalesce_us
                          : n->rcv_autotuned   ? TOOL_RX_COALESCE_AUTO_US
                                               : SK_POSIX_LOOP_RX_COALESCE_DEFAULT,
    };
    if (n->loop == NULL || sk_posix_loop_init(n->loop, &lc, err, sizeof err) != 0) {
        tool_error(cmd, "%s", n->loop ? err : "out of memory");
        free(n->loop);
        n->loop = NULL;
        tool_net_stop(n);
        return -1;
    }
    return 0;
}

/* The CPU this stack's thread used (with --cores, each stack has its own
 * thread; RUSAGE_THREAD is Linux's): the sum is exact (the scheduler's
 * runtime), where /proc/PID/stat counts clock ticks, so a benchmark gets
 * CPU per connection from a short run; the kernel splits it into user and
 * system by its tick samples, coarse over a short run. Voluntary context
 * switches: one per ppoll that slept. */
static void print_cpu(FILE *f)
{
    struct rusage ru;
#ifdef RUSAGE_THREAD
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return;
#else
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
#endif
    long long user = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
    long long sys = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
    fprintf(f, "stats: CPU %lld us (user %lld, system %lld by tick samples), context switches "
               "voluntary %ld involuntary %ld\n",
            user + sys, user, sys, ru.ru_nvcsw, ru.ru_nivcsw);
}

static void print_stats(tool_net *n)
{
    const sk_stats *s = sk_stack_stats(n->stack);
    FILE *f = n->log;
    if (n->opts->cores > 1)
        fprintf(f, "stats: stack %u of %u (queue %u)\n", n->opts->queue, n->opts->cores,
                n->opts->queue);
    fprintf(f, "stats: frames in %llu out %llu, segments in %llu out %llu, payload bytes in %llu "
            "out %llu\n", (unsigned long long)s->frames_in, (unsigned long long)s->frames_out,
            (unsigned long long)s->segs_in, (unsigned long long)s->segs_out,
            (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out);
    fprintf(f, "stats: retransmissions %llu (fast %llu, timeouts %llu), dup ACKs in %llu, "
            "out-of-order %llu, owed ACKs merged %llu, SACKs compressed %llu, ACKs at a read of "
            "pushed data %llu, quick ACKs %llu, SACK ranges untold %llu\n",
            (unsigned long long)s->retransmits, (unsigned long long)s->fast_retransmits,
            (unsigned long long)s->timeouts, (unsigned long long)s->dup_acks_in,
            (unsigned long long)s->ooo_segments, (unsigned long long)s->acks_merged,
            (unsigned long long)s->sack_compressed, (unsigned long long)s->acks_pushed,
            (unsigned long long)s->acks_quick, (unsigned long long)s->sack_ranges_untold);
    fprintf(f, "stats: retransmissions by cause:");
    for (int c = SK_REXMIT_NONE + 1; c < SK_REXMIT__COUNT; c++)
        fprintf(f, "%s %s %llu", c > SK_REXMIT_NONE + 1 ? "," : "",
                sk_rexmit_cause_name((enum sk_rexmit_cause)c),
                (unsigned long long)s->retransmits_by_cause[c]);
    fputc('\n', f);
    fprintf(f, "stats: spurious retransmissions undone: timeouts %llu, fast retransmits %llu\n",
            (unsigned long long)s->spurious_rtos,
            (unsigned long long)s->spurious_fast_retransmits);
    fprintf(f, "stats: recovery: SACK recoveries %llu, RACK marks %llu, tail loss probes %llu "
            "(repaired a loss %llu), scoreboard full %llu, record coarse %llu, "
            "reordering seen %llu\n",
            (unsigned long long)s->sack_recoveries, (unsigned long long)s->rack_marks,
            (unsigned long long)s->tlp_probes, (unsigned long long)s->tlp_losses,
            (unsigned long long)s->sack_scoreboard_full, (unsigned long long)s->rtb_coarse,
            (unsigned long long)s->rack_reordering);
    fprintf(f, "stats: send buffers grown %llu (failed %llu), receive buffers grown %llu "
            "(failed %llu)\n",
            (unsigned long long)s->sndbuf_grown, (unsigned long long)s->sndbuf_grow_failed,
            (unsigned long long)s->rcvbuf_grown, (unsigned long long)s->rcvbuf_grow_failed);
    fprintf(f, "stats: opens active %llu passive %llu, established %llu, resets in %llu out "
            "%llu, challenge ACKs %llu, connection timeouts %llu\n",
            (unsigned long long)s->active_opens, (unsigned long long)s->passive_opens,
            (unsigned long long)s->established, (unsigned long long)s->resets_in,
            (unsigned long long)s->resets_out, (unsigned long long)s->challenge_acks,
            (unsigned long long)s->conn_timeouts);
    fprintf(f, "stats: SYN cookies sent %llu, received %llu, failed %llu\n",
            (unsigned long long)s->syncookies_sent, (unsigned long long)s->syncookies_recv,
            (unsigned long long)s->syncookies_failed);
    fprintf(f, "stats: udp datagrams in %llu out %llu, no port %llu, receive queue full %llu, "
            "bad checksum %llu, bad length %llu\n", (unsigned long long)s->udp_in,
            (unsigned long long)s->udp_out, (unsigned long long)s->udp_no_port,
            (unsigned long long)s->udp_rcvq_full, (unsigned long long)s->udp_bad_checksum,
            (unsigned long long)s->udp_bad_length);
    fprintf(f, "stats: neighbours: evicted unresolved ARP %llu ND %llu, resolved ARP %llu ND "
            "%llu; rate limited: RSTs to closed ports %llu, ICMP errors %llu\n",
            (unsigned long long)s->arp_evict_unresolved, (unsigned long long)s->nd_evict_unresolved,
            (unsigned long long)s->arp_evict_resolved, (unsigned long long)s->nd_evict_resolved,
            (unsigned long long)s->tcp_rst_rate_limited, (unsigned long long)s->icmp_rate_limited);
    fprintf(f, "stats: TIME-WAIT records now %llu (%zu bytes each), made %llu, reopened by SYN "
               "%llu, reused by connect %llu, expired %llu, recycled %llu\n",
            (unsigned long long)s->time_wait, sk_stack_time_wait_bytes(),
            (unsigned long long)s->tw_records,
            (unsigned long long)s->tw_reopened, (unsigned long long)s->tw_reused,
            (unsigned long long)s->tw_expired,
            (unsigned long long)s->drop[SK_DROP_TCP_TW_RECYCLED]);
    fprintf(f, "stats: half-open records now %llu (%zu bytes each), made %llu, promoted %llu, "
               "dropped with their listener %llu\n",
            (unsigned long long)s->half_open, sk_stack_half_open_bytes(),
            (unsigned long long)s->ho_records, (unsigned long long)s->ho_promoted,
            (unsigned long long)s->ho_orphaned);
    fprintf(f, "stats: drops %llu\n", (unsigned long long)s->drops);
    for (int r = 1; r < SK_DROP__COUNT; r++)
        if (s->drop[r] != 0)
            fprintf(f, "stats:   %-22s %llu  (%s)\n", sk_drop_reason_name(r),
                    (unsigned long long)s->drop[r], sk_drop_reason_str(r));
    if (n->loop != NULL) {
        const sk_posix_loop_stats *l = &n->loop->stats;
        fprintf(f, "stats: device frames read %llu written %llu, write drops %llu, wakeups %llu\n",
                (unsigned long long)l->frames_read, (unsigned long long)l->frames_written,
                (unsigned long long)l->write_drops, (unsigned long long)l->wakeups);
        fprintf(f, "stats: loop polls %llu, rounds that read without polling %llu, "
                   "reads that found nothing %llu\n",
                (unsigned long long)l->polls, (unsigned long long)l->polls_skipped,
                (unsigned long long)l->empty_reads);
        if (n->dev.vnet)
            fprintf(f, "stats: offloads: super-segments written %llu, merged segments read %llu, "
                       "frames gathered from the send buffer %llu\n",
                    (unsigned long long)l->supers_out, (unsigned long long)l->merged_in,
                    (unsigned long long)l->gathered_out);
        if (n->opts->busy_poll_us > 0)
            fprintf(f, "stats: busy polling found work %llu times without sleeping\n",
                    (unsigned long long)l->spin_hits);
        if (n->loop->rx_coalesce_us > 0)
            fprintf(f, "stats: receive coalescing: %llu rounds slept %u us off the device, "
                       "reading %llu frames\n",
                    (unsigned long long)l->coalesced, (unsigned)n->loop->rx_coalesce_us,
                    (unsigned long long)l->coalesced_frames);
    }
    print_cpu(f);
}

void tool_net_stop(tool_net *n)
{
    /* frames still in an impairment delay line (the last ACK ...) go out */
    if (n->loop != NULL)
        sk_posix_loop_linger(n->loop, 2000000u);
    if (n->stack != NULL && n->opts->stats)
        print_stats(n);
    if (n->plot != NULL) {
        if (n->loop != NULL) /* it ran */
            plot_live_write(n->plot, n->opts->plot_dir, n->cmd, n->log);
        plot_live_free(n->plot);
        n->plot = NULL;
    }
    if (n->loop != NULL) {
        sk_posix_loop_free(n->loop);
        free(n->loop);
        n->loop = NULL;
    }
    free(n->lease);
    n->lease = NULL;
    sk_stack_destroy(n->stack);
    n->stack = NULL;
    sk_posix_dev_close(&n->dev);
    fflush(n->log);
}
