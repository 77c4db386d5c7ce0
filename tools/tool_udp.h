/* UDP in the tools: the echo service of `synack serve --udp-echo` and the
 * session of `synack connect --udp`. */
#ifndef SK_TOOL_UDP_H
#define SK_TOOL_UDP_H

#include "posix/posix_loop.h"
#include "synack/udp.h"

#include <stdbool.h>
#include <stdint.h>

#define TOOL_UDP_BUF 65536

/* Every datagram is sent back to its source. A datagram that finds the
 * send queue full waits (one at a time) until the socket is writable; the
 * receive queue holds the others, and beyond it the stack drops and counts. */
typedef struct {
    bool on;
    uint16_t port;
    sk_sock sock;
    bool held;              /* buf holds a datagram not yet queued */
    size_t held_len;
    sk_endpoint held_to;
    uint64_t echoed;
    uint8_t buf[TOOL_UDP_BUF];
} tool_udp_echo;

/* Open and bind the socket; 0 or an SK_E* code. */
int tool_udp_echo_open(tool_udp_echo *e, sk_stack *s);
/* Echo what is queued, as far as the send queue allows. */
void tool_udp_echo_pump(tool_udp_echo *e, sk_stack *s, sk_time_us now);
bool tool_udp_echo_owns(const tool_udp_echo *e, sk_sock h);

/* `connect --udp`: standard input, one datagram per line (a line longer
 * than a datagram is cut into several; the last bytes before EOF without a
 * newline are one more), replies written to standard output as they come.
 * With a window, at most that many datagrams are unanswered at once (a
 * reply that does not come within wait_us counts as lost), which keeps a
 * burst within the peer's receive buffer and our neighbour's ARP queue.
 * After EOF it waits until as many replies as datagrams sent have come,
 * or wait_us passes without any; exit status 0, or 1 with a one-line error
 * (an ICMP port unreachable: "connection refused"). */
int tool_udp_client(const char *cmd, sk_posix_loop *loop, const sk_endpoint *remote,
                    const char *remote_str, uint64_t wait_us, uint64_t window);

#endif
