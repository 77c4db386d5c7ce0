/* The DNS stub resolver (dns.h) run over the stack's own sockets.
 *
 * sk_resolve owns a resolver and the sockets it needs: one UDP socket per
 * source port the resolver picks for an attempt (RFC 5452 §9.2: a fresh,
 * seeded port per query; the socket is bound to exactly that port and
 * reused while the port is, the least recently used one closed when
 * SK_RESOLVE_UDP_SOCKS are taken), and one TCP connection per TCP intent
 * (RFC 7766: after a TC=1 answer the query is asked again over TCP).
 *
 * It is glue, not a layer of the stack: it only calls the public socket
 * API (udp.h, stack.h), so it is sans-I/O like the rest of the library and
 * an embedded application gets the same code the tools run. The stack
 * knows nothing of it; the application calls sk_resolve_step after every
 * sk_stack_input and before sk_stack_output (and when sk_resolve_poll_at
 * is due), and folds sk_resolve_poll_at into its own wait together with
 * sk_stack_poll_at. The glue does not take events: it reads its own
 * sockets until they are empty, so the application's event loop may see
 * (and must ignore) events for sockets it does not know.
 *
 * Queries are started and read with the resolver's calls on &r->dns
 * (sk_dns_start, sk_dns_result_get, sk_dns_release).
 */
#ifndef SYNACK_RESOLVE_H
#define SYNACK_RESOLVE_H

#include "synack/dns.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stdint.h>

#define SK_RESOLVE_UDP_SOCKS (2 * SK_DNS_MAX_QUERIES) /* one per question */
#define SK_RESOLVE_TCP_SOCKS (2 * SK_DNS_MAX_QUERIES)

typedef struct {
    sk_sock sock;
    uint16_t port; /* 0: slot free */
    uint64_t used; /* step count of its last datagram (LRU) */
} sk_resolve_udp_;

typedef struct {
    sk_sock sock;
    uint32_t conn; /* the resolver's name for it */
    bool used, connected;
} sk_resolve_tcp_;

typedef struct {
    sk_dns_resolver dns;
    sk_resolve_udp_ udp[SK_RESOLVE_UDP_SOCKS];
    sk_resolve_tcp_ tcp[SK_RESOLVE_TCP_SOCKS];
    uint64_t steps;
    uint64_t send_errors; /* datagrams or connections the stack refused */
} sk_resolve;

/* sk_dns_init on r->dns (its errors), no sockets yet. */
int sk_resolve_init(sk_resolve *r, const sk_dns_config *cfg);
/* Move what is waiting: datagrams and TCP bytes in to the resolver, its
 * timers, its datagrams and TCP intents and bytes out to the stack. */
void sk_resolve_step(sk_resolve *r, sk_stack *s, sk_time_us now);
/* The resolver's next deadline (SK_NEVER when none). */
sk_time_us sk_resolve_poll_at(const sk_resolve *r);
/* Close every socket the glue holds (queries are left as they are). */
void sk_resolve_close(sk_resolve *r, sk_stack *s);

#endif
