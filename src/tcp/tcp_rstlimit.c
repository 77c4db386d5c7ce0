/* Rate limit on the RSTs that answer segments for no connection (a closed
 * port, RFC 9293 §3.10.7.1). RFC 9293 asks for the RST but bounds nothing;
 * a flood of segments to closed ports (a scan, or backscatter of spoofed
 * traffic) would otherwise turn into as many RSTs. A token bucket of
 * cfg.tcp_rst_rate per second, cfg.tcp_rst_burst deep (default 200 and
 * 200, FreeBSD's net.inet.icmp.icmplim, which covers these RSTs too);
 * refused RSTs are counted in stats.tcp_rst_rate_limited. The segment
 * itself is still counted as TCP_NO_SOCKET.
 *
 * Not limited: RSTs of a connection (they answer a peer we know) and
 * RFC 5961 challenge ACKs, which keep their own limit (tcp_ack.c). */
#include "tcp/tcp_conn.h"

bool sk_tcp_rst_allowed(sk_tcp_env *e, sk_time now)
{
    const sk_stack_config *cfg = &e->ctx->cfg;
    if (sk_tbucket_take(&e->rst_bucket, now, cfg->tcp_rst_rate, cfg->tcp_rst_burst))
        return true;
    e->ctx->stats.tcp_rst_rate_limited++;
    return false;
}
