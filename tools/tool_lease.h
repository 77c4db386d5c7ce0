/* --dhcp and names for the network subcommands: the lease taken before the
 * application starts and renewed in the background (sk_lease, lease.h),
 * and HOST resolved over the stack (sk_resolve, resolve.h) with the --dns
 * servers or the lease's. */
#ifndef SK_TOOL_LEASE_H
#define SK_TOOL_LEASE_H

#include "synack/lease.h"
#include "tool_net.h"

#include <stdint.h>

struct sk_lease_ {
    sk_lease l;
    sk_dhcp_lease last; /* the lease applied last (dns for the resolver) */
};

/* One round of the loop (sk_posix_loop_step) waking up no later than the
 * lease's next deadline, then the lease's events: a renewal or a loss is
 * reported on n->log. Returns sk_posix_loop_step's result. */
int tool_net_step(tool_net *n, uint64_t timeout_us);
/* With --dhcp: take a lease within timeout_us and print it in one line;
 * 0, or -1 after a one-line error. Without --dhcp: 0. */
int tool_dhcp_acquire(tool_net *n, uint64_t timeout_us);
/* A name asked of --dns or the lease's DNS servers within timeout_us:
 * `want` is SK_DNS_WANT_A, _AAAA or _BOTH (dns.h). 0 with out[0, *count)
 * set (A records first, then AAAA, at most cap), or -1 after a one-line
 * error (no server, no such name, timeout ...). */
int tool_resolve(tool_net *n, const char *host, int want, uint64_t timeout_us, sk_ipaddr *out,
                 size_t cap, size_t *count);
/* Whether HOST is a name we could ask for (RFC 1035 §2.3.4). */
bool tool_host_is_name(const char *host);

#endif
