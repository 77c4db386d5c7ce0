/* TCP helpers that the subcommands' applications share (serve's echo and
 * HTTP, connect's standard input, the iperf3 control connection). */
#include "synack/error.h"
#include "tool.h"

int tool_tcp_send_rest(sk_stack *s, sk_time_us now, sk_sock h, const uint8_t *p, size_t len,
                       size_t *off)
{
    while (*off < len) {
        ptrdiff_t n = sk_tcp_send(s, now, h, p + *off, len - *off);
        if (n < 0 && n != SK_EAGAIN)
            return (int)n;
        if (n <= 0)
            return 0; /* the send buffer is full (0: only for len 0) */
        *off += (size_t)n;
    }
    return 1;
}
