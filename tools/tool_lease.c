/* --dhcp and --dns for the network subcommands (tool_lease.h). */
#include "tool_lease.h"

#include "dns/dns_msg.h"
#include "posix/posix_sys.h"
#include "synack/error.h"
#include "synack/resolve.h"
#include "tool.h"

#include <stdlib.h>
#include <string.h>

static void print_lease(tool_net *n, const char *what, const sk_dhcp_lease *ls)
{
    char a[16], r[16], d[16];
    uint8_t plen = ls->prefix_len;
    fprintf(n->log, "synack: DHCP %s %s/%u router %s dns %s lease %lu s\n", what,
            sk_ip4_to_str(ls->addr, a, sizeof a), plen,
            sk_ip4_to_str(ls->router, r, sizeof r),
            ls->dns_count > 0 ? sk_ip4_to_str(ls->dns[0], d, sizeof d) : "none",
            (unsigned long)ls->lease_s);
    fflush(n->log);
}

/* The lease's events since the last call; true when a lease was bound. */
static bool lease_events(tool_net *n)
{
    bool bound = false;
    sk_dhcp_event ev;
    while (sk_lease_step(&n->lease->l, n->stack, n->loop->now, &ev)) {
        if (ev.kind == SK_DHCP_EV_BOUND) {
            print_lease(n, bound || n->lease->last.addr.b[0] == 0 ? "lease" : "renewed", &ev.lease);
            if (n->lease->l.apply_error != 0)
                tool_error(n->cmd, "DHCP lease not usable: %s (declined)",
                           sk_strerror(n->lease->l.apply_error));
            n->lease->last = ev.lease;
            bound = n->lease->l.apply_error == 0;
        } else {
            char a[16];
            fprintf(n->log, "synack: DHCP lease lost: %s removed\n",
                    sk_ip4_to_str(ev.lost_addr, a, sizeof a));
            memset(&n->lease->last, 0, sizeof n->lease->last);
        }
    }
    return bound;
}

int tool_net_step(tool_net *n, uint64_t timeout_us)
{
    if (n->lease != NULL) {
        sk_time_us at = sk_lease_poll_at(&n->lease->l), now = n->loop->now;
        if (at != SK_NEVER)
            timeout_us = at <= now ? 0 : (at - now < timeout_us ? at - now : timeout_us);
    }
    int r = sk_posix_loop_step(n->loop, timeout_us);
    if (n->lease != NULL)
        lease_events(n);
    return r;
}

int tool_dhcp_acquire(tool_net *n, uint64_t timeout_us)
{
    if (!n->opts->dhcp)
        return 0;
    n->lease = calloc(1, sizeof *n->lease);
    if (n->lease == NULL) {
        tool_error(n->cmd, "out of memory");
        return -1;
    }
    sk_dhcp_config dc;
    memset(&dc, 0, sizeof dc);
    dc.chaddr = n->mac;
    memcpy(dc.hostname, "synack", 7);
    dc.seed = sk_posix_seed();
    sk_time_us now = sk_posix_loop_clock(n->loop);
    int r = sk_lease_start(&n->lease->l, n->stack, &dc, now);
    if (r != 0) {
        tool_error(n->cmd, "cannot start DHCP: %s", sk_strerror(r));
        return -1;
    }
    sk_time_us until = now + timeout_us;
    while (!tool_stop_flag && n->loop->now < until) {
        sk_posix_loop_flush(n->loop);
        if (lease_events(n))
            return 0;
        uint64_t left = until - n->loop->now;
        sk_time_us at = sk_lease_poll_at(&n->lease->l);
        uint64_t wait = at == SK_NEVER || at <= n->loop->now ? 0 : at - n->loop->now;
        if (sk_posix_loop_step(n->loop, wait < left ? wait : left) != 0) {
            tool_error(n->cmd, "device failed while waiting for DHCP");
            return -1;
        }
    }
    tool_error(n->cmd, "no DHCP lease within %.0f s", (double)timeout_us / 1e6);
    return -1;
}

/* RFC 1123 §2.1: the top-level label of a host name is not all digits, so
 * "192.0.2" or "999.1.1.1" are bad addresses, not names to ask for. */
bool tool_host_is_name(const char *host)
{
    uint8_t wire[SK_DNS_NAME_WIRE_MAX];
    if (sk_dns_name_encode(host, wire, sizeof wire) <= 0)
        return false;
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    size_t start = n;
    while (start > 0 && host[start - 1] != '.')
        start--;
    for (size_t i = start; i < n; i++)
        if (host[i] < '0' || host[i] > '9')
            return true;
    return false;
}

static int dns_servers(tool_net *n, sk_dns_config *dc)
{
    memset(dc, 0, sizeof *dc);
    const tool_net_opts *o = n->opts;
    for (uint8_t i = 0; i < o->n_dns; i++)
        dc->servers[dc->server_count++].addr = sk_ipaddr_from_ip4(o->dns[i]);
    const sk_dhcp_lease *ls = n->lease != NULL ? &n->lease->last : NULL;
    for (uint8_t i = 0; dc->server_count == 0 && ls != NULL && i < ls->dns_count &&
                        i < SK_DNS_MAX_SERVERS; i++)
        dc->servers[dc->server_count++].addr = sk_ipaddr_from_ip4(ls->dns[i]);
    if (dc->server_count == 0) { /* RFC 8106: the routers' RDNSS servers */
        sk_ip6 v6[SK_DNS_MAX_SERVERS];
        int k = sk_stack_dns6_servers(n->stack, n->loop->now, v6, SK_DNS_MAX_SERVERS);
        for (int i = 0; i < k; i++)
            dc->servers[dc->server_count++].addr = sk_ipaddr_from_ip6(v6[i]);
    }
    dc->seed = sk_posix_seed();
    return dc->server_count;
}

/* No --dns and no lease servers on a TAP: wait (bounded by timeout_us) for
 * a router advertisement that names one (RFC 8106). */
static int wait_dns_servers(tool_net *n, uint64_t timeout_us, sk_dns_config *dc)
{
    sk_time_us until = n->loop->now + timeout_us;
    int k = dns_servers(n, dc);
    while (k == 0 && n->opts->kind == SK_DEV_TAP && !tool_stop_flag && n->loop->now < until) {
        sk_posix_loop_flush(n->loop);
        uint64_t left = until - n->loop->now;
        if (tool_net_step(n, left < 100000 ? left : 100000) != 0)
            return 0;
        k = dns_servers(n, dc);
    }
    return k;
}

static int wait_answer(tool_net *n, sk_resolve *res, sk_dns_query q, uint64_t timeout_us,
                       sk_dns_result *out)
{
    sk_time_us until = n->loop->now + timeout_us;
    while (!tool_stop_flag && n->loop->now < until) {
        sk_resolve_step(res, n->stack, n->loop->now);
        if (sk_dns_result_get(&res->dns, q, out) == 0)
            return 0;
        sk_posix_loop_flush(n->loop);
        sk_time_us at = sk_resolve_poll_at(res);
        uint64_t left = until - n->loop->now;
        uint64_t wait = at == SK_NEVER || at <= n->loop->now ? 0 : at - n->loop->now;
        if (tool_net_step(n, wait < left ? wait : left) != 0)
            return SK_EIO;
    }
    return SK_ETIMEDOUT;
}

int tool_resolve(tool_net *n, const char *host, int want, uint64_t timeout_us, sk_ipaddr *out,
                 size_t cap, size_t *count)
{
    sk_dns_config dc;
    if (wait_dns_servers(n, timeout_us, &dc) == 0) {
        tool_error(n->cmd,
                   "no DNS server to resolve '%s' (give --dns A.B.C.D or --dhcp, or let a "
                   "router advertise one, RFC 8106, on a TAP)",
                   host);
        return -1;
    }
    sk_resolve *res = malloc(sizeof *res);
    sk_dns_query q;
    sk_dns_result r;
    int e = res == NULL ? SK_ENOMEM : sk_resolve_init(res, &dc);
    if (e == 0)
        e = sk_dns_start(&res->dns, host, want, n->loop->now, &q);
    if (e == 0)
        e = wait_answer(n, res, q, timeout_us, &r);
    if (res != NULL) {
        sk_resolve_close(res, n->stack);
        free(res);
    }
    if (e != 0) {
        tool_error(n->cmd, "cannot resolve '%s': %s", host,
                   e == SK_ETIMEDOUT ? "no answer in time" : sk_strerror(e));
        return -1;
    }
    if (r.status != SK_DNS_OK) {
        tool_error(n->cmd, "cannot resolve '%s': %s", host, sk_dns_status_str(r.status));
        return -1;
    }
    *count = 0;
    for (uint8_t i = 0; i < r.count && *count < cap; i++)
        out[(*count)++] = r.addrs[i];
    return 0;
}
