/* udp_fixture: see udp_fixture.h. */
#include "udp_fixture.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"

#include <string.h>

void ufx_config(sk_stack_config *cfg)
{
    sk_ip4 us = UFX_US_IP;
    ifx_ip_config(cfg, us);
    cfg->seed = 1;
}

sk_endpoint ufx_ep(sk_ip4 a, uint16_t port)
{
    sk_endpoint e;
    e.addr = sk_ipaddr_from_ip4(a);
    e.port = port;
    return e;
}

static uint16_t ref_checksum(sk_ip4 src, sk_ip4 dst, const uint8_t *seg, size_t len)
{
    uint8_t ph[12];
    memcpy(ph, src.b, 4);
    memcpy(ph + 4, dst.b, 4);
    ph[8] = 0;
    ph[9] = SK_IPPROTO_UDP;
    sk_store_be16(ph + 10, (uint16_t)len);
    uint32_t sum = sk_csum_partial_ref(ph, sizeof ph, 0);
    return sk_csum_fold(sk_csum_partial_ref(seg, len, sum));
}

size_t ufx_pkt(uint8_t *buf, size_t cap, sk_ip4 src, uint16_t sport, sk_ip4 dst, uint16_t dport,
               const void *data, size_t n)
{
    uint8_t seg[65536];
    size_t len = 8 + n;
    sk_store_be16(seg, sport);
    sk_store_be16(seg + 2, dport);
    sk_store_be16(seg + 4, (uint16_t)len);
    sk_store_be16(seg + 6, 0);
    if (n > 0)
        memcpy(seg + 8, data, n);
    uint16_t c = ref_checksum(src, dst, seg, len);
    sk_store_be16(seg + 6, c == 0 ? 0xffff : c);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.id = 0x4242;
    ip.ttl = 63;
    ip.proto = SK_IPPROTO_UDP;
    ip.src = src;
    ip.dst = dst;
    return ifx_ip_wrap(&ip, seg, len, buf, cap);
}

bool ufx_parse(const uint8_t *frame, size_t n, ufx_out *o)
{
    memset(o, 0, sizeof *o);
    int r = sk_ip4_parse(frame, n, &o->ip);
    SK_CHECK_EQ_I(r, 0);
    if (r != 0)
        return false;
    if (o->ip.proto != SK_IPPROTO_UDP || o->ip.payload_len < 8)
        return true;
    const uint8_t *u = o->ip.payload;
    o->is_udp = true;
    o->sport = sk_load_be16(u);
    o->dport = sk_load_be16(u + 2);
    o->len = sk_load_be16(u + 4);
    o->csum = sk_load_be16(u + 6);
    o->csum_ok = o->csum != 0 && ref_checksum(o->ip.src, o->ip.dst, u, o->ip.payload_len) == 0;
    o->data = u + 8;
    o->data_len = o->ip.payload_len - 8;
    return true;
}

void ufx_inject(sk_stack *s, sk_time_us now, const uint8_t *pkt, size_t n)
{
    sk_stack_input(s, now, pkt, n);
}
