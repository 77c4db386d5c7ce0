/* synack serve, the run: one stack per queue started with the limits,
 * the listeners and the readiness line, the event loop, the drain at
 * SIGINT/SIGTERM, and with --cores one pinned thread per queue. */
#include "tool_serve.h"

#include "posix/posix_mq.h"
#include "posix/posix_xdp.h"
#include "synack/error.h"
#include "tool.h"
#include "tool_lease.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_US 2000000u /* how long SIGINT/SIGTERM waits for peers to close */

/* "synack serve: listening on TAP tap0, synack at 192.0.2.2/24: echo on 7" */
static void print_ready(const server *sv)
{
    const tool_net_opts *o = sv->net.opts;
    char ip[SK_IP6_STR_LEN];
    if (o->xdp)
        fprintf(sv->log, "synack serve: listening on AF_XDP %s queue %u (%s XDP), synack at",
                sv->net.dev.name, o->xdp_queue, sk_posix_xdp_mode(&sv->net.dev));
    else
        fprintf(sv->log, "synack serve: listening on %s %s, synack at",
                sv->net.dev.kind == SK_DEV_TAP ? "TAP" : "TUN", sv->net.dev.name);
    if (o->have_addr4)
        fprintf(sv->log, " %s/%u", sk_ip4_to_str(o->addr, ip, sizeof ip), o->prefix_len);
    for (uint8_t i = 0; i < o->n_addr6; i++)
        fprintf(sv->log, " %s/%u", sk_ip6_to_str(o->addr6[i], ip, sizeof ip), o->plen6[i]);
    fprintf(sv->log, ":");
    for (int k = 0; k < SVC__COUNT; k++)
        if (sv->on[k])
            fprintf(sv->log, " %s on %u", serve_svc_opt[k] + 2, sv->port[k]);
    if (sv->ip3_port)
        fprintf(sv->log, " iperf3 on %u", sv->ip3_port);
    if (sv->uecho.on)
        fprintf(sv->log, " udp-echo on %u", sv->uecho.port);
    if (o->cores > 1)
        fprintf(sv->log, " (%u stacks on %u queues)", o->cores, o->cores);
    fprintf(sv->log, "\n");
    fflush(sv->log);
}

/* Listen on every service's port, then print the readiness line
 * ("synack serve: listening on ...") that scripts wait for: it appears only
 * once every listener exists (the device is already open), and never when
 * one fails, which prints an error and makes serve exit 1. */
static int start_listeners(server *sv)
{
    /* the SYN queue is at most the listen backlog (tcp_listen.c): a larger
     * --syn-backlog raises both */
    uint32_t backlog = sv->lim.syn_backlog;
    sk_listen_opts lo = {.backlog = backlog > 1024 ? (int)backlog : 1024};
    for (int k = 0; k < SVC__COUNT; k++) {
        if (!sv->on[k])
            continue;
        int r = sk_tcp_listen(sv->stack, sv->port[k], &lo, &sv->listener[k]);
        if (r != 0) {
            tool_error(SERVE_CMD, "cannot listen on port %u for %s: %s", sv->port[k],
                       serve_svc_opt[k] + 2, sk_strerror(r));
            return -1;
        }
    }
    int r = sv->ip3_port ? ip3_server_open(sv->stack, sv->ip3_port, sv->log, &sv->ip3) : 0;
    if (r != 0) {
        tool_error(SERVE_CMD, "cannot listen on port %u for iperf3: %s", sv->ip3_port,
                   sk_strerror(r));
        return -1;
    }
    r = sv->uecho.on ? tool_udp_echo_open(&sv->uecho, sv->stack) : 0;
    if (r != 0) {
        tool_error(SERVE_CMD, "cannot bind UDP port %u for udp-echo: %s", sv->uecho.port,
                   sk_strerror(r));
        return -1;
    }
    const tool_net_opts *o = sv->net.opts;
    /* with --cores, the last stack to listen prints the line for all */
    if (o->cores <= 1 || atomic_fetch_add(sv->ready, 1u) + 1u >= o->cores)
        print_ready(sv);
    return 0;
}

/* SIGINT/SIGTERM: stop listening, FIN every connection, wait up to DRAIN_US
 * for the peers' FINs, reset what is left. */
static int drain(server *sv)
{
    if (sv->uecho.on)
        sk_udp_close(sv->stack, sv->uecho.sock);
    ip3_server_close(sv->ip3, sv->loop->now);
    sv->ip3 = NULL;
    for (int k = 0; k < SVC__COUNT; k++)
        if (sv->on[k])
            sk_tcp_close(sv->stack, sv->loop->now, sv->listener[k]);
    for (uint32_t i = 0; i < sv->max_conns; i++) {
        serve_conn *c = sv->conns[i];
        if (c == NULL)
            continue;
        c->draining = true;
        if (sk_tcp_shutdown(sv->stack, sv->loop->now, c->sock) != 0)
            serve_conn_end(sv, c, -1);
    }
    sk_time_us until = sv->loop->now + DRAIN_US;
    while (sv->nconns > 0 && sv->loop->now < until) {
        if (sk_posix_loop_step(sv->loop, until - sv->loop->now) != 0)
            return -1;
        serve_dispatch(sv);
    }
    for (uint32_t i = 0; i < sv->max_conns; i++)
        if (sv->conns[i] != NULL) {
            sk_tcp_abort(sv->stack, sv->loop->now, sv->conns[i]->sock);
            serve_conn_free(sv, sv->conns[i]);
        }
    /* a last moment for the final ACKs and RSTs to go out */
    until = sv->loop->now + 100000u;
    while (sv->loop->now < until)
        if (sk_posix_loop_step(sv->loop, until - sv->loop->now) != 0)
            return -1;
    return 0;
}


/* The limits into the stack's config (ctx: serve_limits). The socket
 * table: the connections, plus a slot for each listener. */
static void serve_tweak(sk_stack_config *cfg, const void *ctx)
{
    const serve_limits *lim = ctx;
    cfg->max_sockets = lim->max_conns + SVC__COUNT;
    cfg->time_wait_us = lim->time_wait_us;
    cfg->max_time_wait = lim->max_time_wait;
    cfg->syn_cookies = lim->syn_cookies;
    if (lim->syn_backlog != 0)
        cfg->syn_backlog = lim->syn_backlog;
    cfg->max_half_open = lim->max_half_open;
}

/* A line for each IPv6 address that comes into use after start (the
 * link-local one after DAD, RFC 4862 §5.4; SLAAC ones from RAs, RFC 7217
 * identifiers), for scripts that wait for one. */
static void log_new_addrs(server *sv, sk_ifaddr *seen, int *n_seen)
{
    sk_ifaddr now[SK_CFG_ADDRS];
    int n = sk_stack_ip6_addrs(sv->stack, now, SK_CFG_ADDRS);
    for (int i = 0; i < n; i++) {
        bool known = false;
        for (int k = 0; k < *n_seen; k++)
            known = known || memcmp(seen[k].addr.b, now[i].addr.b, 16) == 0;
        if (known)
            continue;
        char ip[SK_IP6_STR_LEN];
        sk_ip6 a;
        memcpy(a.b, now[i].addr.b, 16);
        fprintf(sv->log, "synack serve: IPv6 address %s/%u in use\n",
                sk_ip6_to_str(a, ip, sizeof ip), now[i].prefix_len);
        fflush(sv->log);
    }
    memcpy(seen, now, sizeof(sk_ifaddr) * (size_t)n);
    *n_seen = n;
}

static int run(server *sv)
{
    sk_ifaddr seen[SK_CFG_ADDRS];
    int n_seen = sk_stack_ip6_addrs(sv->stack, seen, SK_CFG_ADDRS);
    bool log6 = sv->net.opts->queue == 0; /* with --cores, every stack has the addresses */
    while (!tool_stop_flag) {
        if (tool_net_step(&sv->net, 1000000u) != 0) {
            tool_error(SERVE_CMD, "device %s failed: %s", sv->net.dev.name, strerror(errno));
            return 1;
        }
        if (log6)
            log_new_addrs(sv, seen, &n_seen);
        serve_dispatch(sv);
        serve_http_sweep(sv);
    }
    if (drain(sv) != 0) {
        tool_error(SERVE_CMD, "device %s failed: %s", sv->net.dev.name, strerror(errno));
        return 1;
    }
    return 0;
}

/* One stack on its queue, from start to drain; tool_net_stop (the stats)
 * is the caller's, so that --cores prints them in queue order. */
static int serve_one(server *sv)
{
    if (tool_net_start(&sv->net, SERVE_CMD, sv->net.opts, sv->log, serve_tweak, &sv->lim) != 0)
        return 1;
    sv->stack = sv->net.stack;
    sv->loop = sv->net.loop;
    if (tool_dhcp_acquire(&sv->net, 30000000u) != 0)
        return 1;
    sv->max_conns = sv->lim.max_conns + SVC__COUNT + 1; /* indexed by handle slot, 1-based */
    sv->conns = calloc(sv->max_conns, sizeof *sv->conns);
    int r = sv->conns == NULL ? 1 : start_listeners(sv) != 0 ? 1 : run(sv);
    free(sv->conns);
    sv->conns = NULL;
    serve_conn_spares_free(sv);
    return r;
}

typedef struct {
    server *sv;            /* one per queue */
    tool_net_opts *opts;   /* one per queue: the same but for .queue */
    int rc[SK_POSIX_MQ_MAX];
} serve_mq;

static void serve_thread(unsigned i, void *ctx)
{
    serve_mq *m = ctx;
    m->rc[i] = serve_one(&m->sv[i]);
    if (m->rc[i] != 0)
        tool_stop_flag = 1; /* one stack failed: the others stop too */
}

/* --cores N: N copies of the server, each with its own queue, stack, loop
 * and connections, in N pinned threads (posix_mq.h). The queues are all
 * attached before any thread runs (tool_net_open_queues). */
static int serve_cores(const server *proto, const tool_net_opts *o)
{
    unsigned n = o->cores;
    serve_mq m = {.sv = calloc(n, sizeof *m.sv), .opts = calloc(n, sizeof *m.opts)};
    sk_posix_dev devs[SK_POSIX_MQ_MAX];
    atomic_uint ready = 0;
    char err[128];
    if (m.sv == NULL || m.opts == NULL || tool_net_open_queues(SERVE_CMD, o, devs) != 0) {
        if (m.sv == NULL || m.opts == NULL)
            tool_error(SERVE_CMD, "out of memory");
        free(m.sv);
        free(m.opts);
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        m.sv[i] = *proto;
        tool_net_queue_init(&m.sv[i].net, &m.opts[i], o, devs, i);
        m.sv[i].ready = &ready;
        m.rc[i] = -1; /* not started */
    }
    int r = 0;
    if (sk_posix_mq_run(n, true, serve_thread, &m, err, sizeof err) != 0) {
        tool_error(SERVE_CMD, "%s", err);
        r = 1;
    }
    for (unsigned i = 0; i < n; i++) {
        tool_net_queue_stop(&m.sv[i].net, m.rc[i] >= 0);
        r = r != 0 ? r : m.rc[i] != 0;
    }
    free(m.sv);
    free(m.opts);
    return r;
}

int serve_run(server *sv, tool_net_opts *o)
{
    if (o->cores > 1)
        return serve_cores(sv, o);
    sv->net.opts = o;
    int r = serve_one(sv);
    tool_net_stop(&sv->net);
    return r;
}
