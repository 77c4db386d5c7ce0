/* What `synack serve`, `connect` and `ping` share: the device and address
 * options, the stack on a TAP/TUN device with its posix loop, --trace,
 * --stats, --pcap, --impair, and SIGINT/SIGTERM handling. */
#ifndef SK_TOOL_NET_H
#define SK_TOOL_NET_H

#include "posix/posix_dev.h"
#include "posix/posix_loop.h"
#include "synack/stack.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct {
    bool have_dev;
    enum sk_dev_kind kind;
    const char *dev_name;
    bool xdp;              /* --xdp: an AF_XDP socket (posix_xdp.h), Ethernet */
    bool xdp_generic;      /* --xdp-generic: the SKB hook only */
    char xdp_if[16];
    unsigned xdp_queue;
    bool have_addr;        /* an IPv4 or IPv6 --addr */
    bool have_addr4;
    sk_ip4 addr;
    uint8_t prefix_len;
    sk_ip4 gateway;
    uint8_t n_addr6;       /* IPv6 --addr values, at most TOOL_ADDR6_MAX */
    sk_ip6 addr6[2];
    uint8_t plen6[2];
    bool have_gw6;
    sk_ip6 gateway6;
    bool have_mac;
    sk_mac mac;
    uint16_t mtu;          /* 0: the device's */
    const char *pcap;
    bool trace, stats;
    bool have_imp_in, have_imp_out;
    sk_impair_config imp_in, imp_out;
    uint64_t seed;         /* 0: from the OS */
    uint32_t busy_poll_us; /* 0: sleep as soon as there is nothing to do */
    uint32_t rx_coalesce_us; /* --rx-coalesce, with have_rx_coalesce */
    bool have_rx_coalesce;   /* else 10 us with receive auto-tuning, else 0 (tool_net.c) */
    uint32_t sndbuf, rcvbuf; /* per-connection buffers; 0: the stack's default */
    uint32_t sndbuf_max;     /* send buffer auto-tuning's ceiling (--sndbuf-max) */
    bool have_sndbuf_max;
    uint32_t rcvbuf_max;     /* receive buffer auto-tuning's ceiling (--rcvbuf-max) */
    bool have_rcvbuf_max;
    bool dhcp;             /* --dhcp: the address from a DHCP lease (tool_lease.c) */
    sk_ip4 dns[3];         /* --dns, in order */
    uint8_t n_dns;
    unsigned cores;        /* serve/connect --cores: queues of a multi-queue device; 0, 1: one */
    unsigned queue;        /* with cores > 1: this stack's queue, 0..cores-1 */
    sk_posix_dev *queue_dev; /* with cores > 1: that queue, opened (tool_net_open_queues) */
    bool offload, no_offload; /* --offload / --no-offload as given (tool_net_offload) */
    const char *plot_dir;  /* --plot DIR: SVG plots of the busiest connection (tool_plot_live.c) */
    bool create;           /* --create: make the --tap/--tun device when it does not exist */
    bool pacing;           /* --pacing: cfg.pacing (TCP pacing, default off) */
    uint8_t sack_compress; /* --sack-compress N: cfg.sack_compress_nr, with have_sack_compress */
    bool have_sack_compress;
    bool push_ack_off; /* --push-ack off: cfg.push_ack false */
    bool quick_ack_off; /* --quick-ack off: cfg.quick_acks 0 */
} tool_net_opts;

/* The help text for the options above. */
extern const char tool_net_usage[];
extern const char tool_net_usage_more[];

/* The argument loop's step: advances *i (start at 0) to the next argument,
 * taking the shared options (and their values) on the way. Returns
 * TOOL_ARG_OWN at an argument that is the command's own (argv[*i]; the
 * command may advance *i past a value it takes), TOOL_ARG_END after the
 * last, else the command's exit status: 0 after --help/-h has printed
 * `usage` then tool_net_usage, 2 after a one-line error for a bad value. */
#define TOOL_ARG_OWN (-2)
#define TOOL_ARG_END (-1)
int tool_net_next_arg(const char *cmd, const char *usage, tool_net_opts *o, int argc,
                      char **argv, int *i);
/* After parsing: -1 (with a message) when --tap/--tun or --addr is missing,
 * --dhcp comes with --addr, --gw or --tun, or --offload with --no-offload
 * or --impair. */
int tool_net_check(const char *cmd, const tool_net_opts *o);
/* tools/tool_netcheck.c, each -1 after a one-line error naming the
 * problem: the IPv4 --addr is its prefix's network or broadcast address,
 * --gw is not on that prefix; the --tap/--tun device does not exist and
 * --create was not given (checked in tool_net_start, before opening). */
int tool_net_check_addr(const char *cmd, const tool_net_opts *o);
int tool_net_check_dev(const char *cmd, const tool_net_opts *o);
/* What SK_EHOSTUNREACH from a connect to dst means on this link: "host
 * unreachable (no ARP reply from 192.0.2.9)", "... from the gateway G",
 * "no route to host (D is not on N and no --gw was given)". */
const char *tool_unreach_str(const tool_net_opts *o, const sk_ipaddr *dst, char *buf, size_t cap);

typedef struct {
    const char *cmd;
    tool_net_opts *opts;
    FILE *log;             /* trace, stats and messages */
    sk_posix_dev dev;      /* dev.vnet: opened with offloads (tool_net_offload) */
    sk_stack *stack;
    sk_posix_loop *loop;   /* malloc'd (it holds a 64 KiB buffer) */
    sk_time_us start;
    sk_mac mac;              /* the stack's (TAP) */
    struct sk_lease_ *lease; /* --dhcp: malloc'd by tool_dhcp_acquire (tool_lease.h) */
    struct plot_live *plot;  /* --plot: tool_plot_live.c; NULL: off */
    bool rcv_autotuned;      /* the stack's receive buffer auto-tunes (cfg.rcvbuf_max) */
} tool_net;

/* Whether the device is opened with offloads (IFF_VNET_HDR; checksums
 * both ways, TSO, GRO): --offload, --no-offload, else the default, which
 * is on unless impairment is asked for (the delay lines carry frames
 * without their metadata: offloads are then turned off with a one-line
 * notice on stderr). */
bool tool_net_offload(const tool_net_opts *o);

/* Open the device, create the stack (cfg_tweak(cfg, ctx) may adjust the
 * config before creation; NULL: none) and the loop. -1 after printing an
 * error. */
typedef void (*tool_net_tweak)(sk_stack_config *cfg, const void *ctx);
int tool_net_start(tool_net *n, const char *cmd, tool_net_opts *o, FILE *log,
                   tool_net_tweak cfg_tweak, const void *ctx);
/* --cores N for serve and connect: parse the value (1..SK_POSIX_MQ_MAX and
 * at most the CPUs this process may use) and check what cannot go with it
 * (--dhcp, --pcap: one lease and one capture file per process). 0, or 2
 * after a one-line error. */
int tool_net_parse_cores(const char *cmd, const char *v, tool_net_opts *o);
int tool_net_check_cores(const char *cmd, const tool_net_opts *o);
/* Attach all o->cores queues of the device, in queue order, before any
 * stack runs: a frame written while the device has one queue does not
 * enter the kernel's flow table (tun.c learns flows only with more than
 * one), and a queue attached late would leave the first replies to the
 * hash. 0, or -1 after an error (nothing left open). tool_net_start then
 * takes devs[o->queue] through o->queue_dev and closes it in
 * tool_net_stop. */
int tool_net_open_queues(const char *cmd, const tool_net_opts *o, sk_posix_dev *devs);
/* Queue i of those: its options in *qo (o's, with its queue and
 * &devs[i]), and n set to be started with them (tool_net_start) or
 * stopped unstarted (tool_net_queue_stop). */
void tool_net_queue_init(tool_net *n, tool_net_opts *qo, const tool_net_opts *o,
                         sk_posix_dev *devs, unsigned i);
/* After the queues' threads: a queue's stack stopped (its --stats) when
 * its thread started it, else the device it never took closed. */
void tool_net_queue_stop(tool_net *n, bool started);

/* Print stats if asked, destroy the stack, close the device. */
void tool_net_stop(tool_net *n);

/* SIGINT/SIGTERM set *tool_stop_flag (without SA_RESTART, so a sleeping
 * loop wakes up). SIGPIPE is ignored. */
extern volatile sig_atomic_t tool_stop_flag;
void tool_signals_install(void);

#define TOOL_ADDR6_MAX 2

/* "a.b.c.d:port" or "[v6]:port" */
char *tool_endpoint_str(const sk_endpoint *ep, char *buf, size_t cap);

#endif
