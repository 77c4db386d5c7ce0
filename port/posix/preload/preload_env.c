/* The preload library's stack: configured once, from the environment,
 * at the first socket() call (preload.h). */
#include "preload.h"

#include "posix/posix_sys.h"
#include "synack/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sk_bsd_stack *the_stack;
static char why[200];
static unsigned long linger_s = 60; /* SYNACK_LINGER_S: the finish at exit's bound */

/* SYNACK_ADDR6 (one IPv6 address/prefix, on-link) and SYNACK_GW6: the
 * configuration moves to the address list (sk_stack_config.addrs), the
 * IPv4 address first, each gateway as a default route. */
static int parse_addr6(sk_stack_config *cfg)
{
    const char *a6 = getenv("SYNACK_ADDR6");
    const char *gw6 = getenv("SYNACK_GW6");
    if (a6 == NULL || *a6 == '\0') {
        if (gw6 == NULL || *gw6 == '\0')
            return 0;
        snprintf(why, sizeof why, "SYNACK_GW6 needs an IPv6 address (SYNACK_ADDR6, --addr6)");
        return -1;
    }
    sk_ip6 addr;
    uint8_t plen;
    if (sk_ip6_prefix_from_str(a6, &addr, &plen) != 0) {
        snprintf(why, sizeof why, "SYNACK_ADDR6 must be an IPv6 address/prefix (got %s)", a6);
        return -1;
    }
    sk_ip6 gw;
    if (gw6 != NULL && *gw6 != '\0' && sk_ip6_from_str(gw6, &gw) != 0) {
        snprintf(why, sizeof why, "SYNACK_GW6 is not an IPv6 address: %s", gw6);
        return -1;
    }
    cfg->n_addrs = 0;
    cfg->addrs[cfg->n_addrs].addr = sk_ipaddr_from_ip4(cfg->addr);
    cfg->addrs[cfg->n_addrs++].prefix_len = cfg->prefix_len;
    cfg->addrs[cfg->n_addrs].addr = sk_ipaddr_from_ip6(addr);
    cfg->addrs[cfg->n_addrs++].prefix_len = plen;
    if (cfg->gateway.b[0] != 0) {
        sk_route *r = &cfg->routes[cfg->n_routes++];
        memset(r, 0, sizeof *r);
        r->dst = sk_ipaddr_from_ip4(sk_ip4_make(0, 0, 0, 0));
        r->gateway = sk_ipaddr_from_ip4(cfg->gateway);
    }
    if (gw6 != NULL && *gw6 != '\0') {
        sk_route *r = &cfg->routes[cfg->n_routes++];
        memset(r, 0, sizeof *r);
        r->dst = sk_ipaddr_from_ip6((sk_ip6){{0}});
        r->gateway = sk_ipaddr_from_ip6(gw);
    }
    cfg->addr = sk_ip4_make(0, 0, 0, 0);
    cfg->gateway = sk_ip4_make(0, 0, 0, 0);
    return 0;
}

static int parse_env(sk_stack_config *cfg)
{
    const char *addr = getenv("SYNACK_ADDR");
    const char *gw = getenv("SYNACK_GW");
    const char *mac = getenv("SYNACK_MAC");
    const char *mtu = getenv("SYNACK_MTU");
    sk_stack_config_default(cfg);
    cfg->link = SK_LINK_ETHERNET;
    /* buffers auto-tune as Linux's do (up to its tcp_wmem and tcp_rmem
     * ceilings); a program's SO_SNDBUF / SO_RCVBUF fixes its own */
    cfg->sndbuf_max = 4u * 1024u * 1024u;
    cfg->rcvbuf_max = 6u * 1024u * 1024u;
    cfg->seed = sk_posix_seed();
    if (addr == NULL || sk_ip4_prefix_from_str(addr, &cfg->addr, &cfg->prefix_len) != 0) {
        snprintf(why, sizeof why, "SYNACK_ADDR must be an IPv4 address/prefix (got %s)",
                 addr ? addr : "nothing");
        return -1;
    }
    if (gw != NULL && *gw != '\0' && sk_ip4_from_str(gw, &cfg->gateway) != 0) {
        snprintf(why, sizeof why, "SYNACK_GW is not an IPv4 address: %s", gw);
        return -1;
    }
    cfg->mac = sk_posix_stable_mac(cfg->addr);
    if (mac != NULL && *mac != '\0' && sk_mac_from_str(mac, &cfg->mac) != 0) {
        snprintf(why, sizeof why, "SYNACK_MAC is not a MAC address: %s", mac);
        return -1;
    }
    if (mtu != NULL && *mtu != '\0')
        cfg->mtu = (uint16_t)strtoul(mtu, NULL, 10);
    if (parse_addr6(cfg) != 0)
        return -1;
    const char *ls = getenv("SYNACK_LINGER_S");
    if (ls != NULL && *ls != '\0') {
        char *end;
        errno = 0;
        unsigned long v = strtoul(ls, &end, 10);
        if (errno != 0 || *end != '\0' || ls[0] == '-' || v > 3600) {
            snprintf(why, sizeof why, "SYNACK_LINGER_S must be whole seconds, 0 to 3600 (got %s)",
                     ls);
            return -1;
        }
        linger_s = v;
    }
    /* connections in TIME-WAIT hold a slot for 2*MSL: a server closing
     * first (HTTP/1.0) needs room for a minute of connections */
    const char *ms = getenv("SYNACK_MAX_SOCKETS");
    cfg->max_sockets = ms != NULL && *ms != '\0' ? (uint32_t)strtoul(ms, NULL, 10) : 65536;
    return 0;
}

/* Set while the stack starts: the port's own sockets (sk_posix_dev_open
 * brings the TAP up through an AF_INET datagram socket's ioctl) go to the
 * kernel instead of re-entering the start. */
static _Thread_local bool starting;

bool sk_preload_starting(void) { return starting; }

/* At exit() (not _exit), what the kernel does with a process's sockets:
 * every one closed, and the connections finish delivering what was queued
 * before the stack dies with the process (sk_bsd_finish): a program that
 * writes a file and exits (nc < FILE, socat -u) loses nothing. Waits while
 * the network answers, at most SYNACK_LINGER_S seconds (default 60; 0:
 * not at all), and gives up after 5 s without a frame (the peer is gone). */
static void finish_at_exit(void)
{
    if (linger_s > 0 && the_stack != NULL)
        (void)sk_bsd_finish(the_stack, 5000, (uint32_t)(linger_s * 1000));
}

static void start_once(void)
{
    starting = true;
    const char *tap = getenv("SYNACK_TAP");
    sk_stack_config cfg;
    if (tap == NULL || *tap == '\0') {
        snprintf(why, sizeof why, "SYNACK_TAP (the TAP device) is not set");
        starting = false;
        return;
    }
    if (parse_env(&cfg) != 0) {
        starting = false;
        return;
    }
    sk_posix_dev dev;
    char err[160];
    /* offloads as the tools have them (synack serve --offload): checksums
     * both ways, TCP super-segments out written from the send buffer,
     * merged segments in; SYNACK_OFFLOAD=0 (synack run --offload off): one
     * complete frame per system call */
    const char *off = getenv("SYNACK_OFFLOAD");
    bool offload = off == NULL || *off == '\0' || strcmp(off, "1") == 0 || strcmp(off, "on") == 0;
    if (!offload && strcmp(off, "0") != 0 && strcmp(off, "off") != 0) {
        snprintf(why, sizeof why, "SYNACK_OFFLOAD must be on or off (got %s)", off);
        starting = false;
        return;
    }
    static const sk_dev_caps caps = {
        .tx_csum = true, .rx_csum = true, .tso_max = SK_TSO_MAX, .gro = true};
    int r = offload ? sk_posix_dev_open_vnet(&dev, SK_DEV_TAP, tap, &caps, err, sizeof err)
                    : sk_posix_dev_open(&dev, SK_DEV_TAP, tap, err, sizeof err);
    if (r != 0) {
        snprintf(why, sizeof why, "cannot open %s: %s", tap, err);
        starting = false;
        return;
    }
    if (dev.vnet)
        cfg.dev = caps;
    if (cfg.mtu == 0 || cfg.mtu > dev.mtu)
        cfg.mtu = dev.mtu;
    if (sk_bsd_start(&the_stack, &cfg, &dev, err, sizeof err) != 0) {
        sk_posix_dev_close(&dev);
        snprintf(why, sizeof why, "%s", err);
    } else {
        (void)atexit(finish_at_exit);
    }
    starting = false;
}

sk_bsd_stack *sk_preload_stack(void)
{
    pthread_once(&once, start_once);
    if (the_stack == NULL) {
        static int told;
        if (!told++)
            fprintf(stderr, "synack: no stack for TCP sockets: %s\n", why);
    }
    return the_stack;
}
