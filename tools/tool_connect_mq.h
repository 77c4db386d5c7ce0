/* synack connect --cores N (tool_connect_mq.c). */
#ifndef SK_TOOL_CONNECT_MQ_H
#define SK_TOOL_CONNECT_MQ_H

#include "tool_net.h"

/* N connections to `remote`, one from each stack of an N-queue device (one
 * pinned thread each): standard input, read to its end first, is sent on
 * every connection, each half-closes after it, and what each receives up
 * to the peer's FIN is written to standard output connection after
 * connection (queue 0 first). Exit status 0 only when every connection
 * ended cleanly. */
int tool_connect_cores(const char *cmd, tool_net_opts *o, const sk_endpoint *remote,
                       uint64_t timeout_us);

#endif
