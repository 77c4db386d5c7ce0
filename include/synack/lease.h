/* The DHCPv4 client (dhcp.h) run over the stack's own UDP socket, its
 * leases applied to the stack.
 *
 * sk_lease owns a client and one UDP socket bound to port 68 on any
 * address with SO_BROADCAST: while the stack has no IPv4 address it sends
 * from 0.0.0.0 to 255.255.255.255:67 and receives the server's broadcasts
 * (RFC 2131 §4.1; RFC 1122 §3.3.6: a limited broadcast is accepted on any
 * interface); once bound, a renewal goes by unicast to the server and a
 * rebinding by broadcast, from our address.
 *
 * Each BOUND event is applied with sk_stack_set_ipv4 (address, prefix from
 * option 1 or the address's class, RFC 2132 §3.3; the first router as the
 * default route when it is on the new link); a LOST event removes the
 * address (sk_stack_set_ipv4 with 0.0.0.0: connections on it are closed).
 * The MTU (option 26) is applied with sk_stack_set_mtu when the stack can
 * take it (576 up to its creation MTU; mtu_error otherwise). The DNS
 * servers (option 6) go to the application with the event: the resolver is
 * the application's (resolve.h).
 *
 * Like resolve.h this is glue over the public API: call sk_lease_step after
 * sk_stack_input and before sk_stack_output, until it returns false, and
 * wait no longer than sk_lease_poll_at.
 */
#ifndef SYNACK_LEASE_H
#define SYNACK_LEASE_H

#include "synack/dhcp.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    sk_dhcp_client dhcp;
    sk_sock sock;
    bool open;
    int apply_error;      /* sk_stack_set_ipv4's refusal of the last lease, or 0 */
    int mtu_error;        /* sk_stack_set_mtu's refusal of the lease's MTU, or 0 */
    uint64_t send_errors; /* datagrams the stack refused (the client retries) */
} sk_lease;

/* sk_dhcp_init and sk_dhcp_start, and the socket on port 68: the client's
 * errors, or the stack's (SK_EADDRINUSE when port 68 is taken). */
int sk_lease_start(sk_lease *l, sk_stack *s, const sk_dhcp_config *cfg, sk_time_us now);
/* Datagrams in, timers, datagrams out; then at most one event of the
 * client, applied to the stack and returned in *ev (true). Call until
 * false. ev may not be NULL. */
bool sk_lease_step(sk_lease *l, sk_stack *s, sk_time_us now, sk_dhcp_event *ev);
sk_time_us sk_lease_poll_at(const sk_lease *l);
/* Stop (sk_dhcp_stop: no RELEASE is sent) and close the socket; the
 * address stays configured. */
void sk_lease_close(sk_lease *l, sk_stack *s, sk_time_us now);

#endif
