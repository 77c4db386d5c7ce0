/* libFuzzer target over the interface layer: a stack on an Ethernet link
 * (192.0.2.2/24, gateway 192.0.2.1, small ARP cache, held queue and
 * reassembly table so that every limit is reached) with a listener on port
 * 80 and an active connection to 192.0.2.1:5000. The input is a script of
 * records:
 *   kind < 0x80  a frame: the record bytes after a fixed Ethernet header to
 *                our MAC; kind bit 0 makes it IPv4 with a correct header
 *                checksum (and ICMP checksum when the protocol is ICMP), so
 *                the fuzzer reaches ARP, reassembly, ICMP and TCP
 *   kind < 0xc0  a raw frame as given
 *   kind < 0xe0  time passes (len * 50 ms)
 *   otherwise    a ping to 192.0.2.(len) with len data bytes
 * After every record the output is drained and checked: poll_at is never in
 * the past once drained; the drop counters add up. */
#include "base/bytes.h"
#include "base/checksum.h"
#include "fuzz_common.h"
#include "synack/synack.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t OUR_MAC[6] = {0x02, 0, 0, 0, 0, 2};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 1};

/* Ethernet header, then the record; with `fix`, IPv4 fixups. */
static size_t make_frame(const uint8_t *p, size_t n, bool fix, uint8_t *f, size_t cap)
{
    if (14 + n > cap)
        return 0;
    memcpy(f, (n > 0 && (p[0] & 0x80)) ? (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
                                        : OUR_MAC,
           6);
    memcpy(f + 6, PEER_MAC, 6);
    sk_store_be16(f + 12, fix ? 0x0800 : (n > 0 && (p[0] & 0x40) ? 0x0806 : 0x0800));
    memcpy(f + 14, p, n);
    uint8_t *ip = f + 14;
    if (!fix || n < 20)
        return 14 + n;
    ip[0] = 0x45;
    sk_store_be16(ip + 2, (uint16_t)n);
    memcpy(ip + 12, (const uint8_t[4]){192, 0, 2, 1}, 4);
    if (!(ip[19] & 0x80))
        memcpy(ip + 16, (const uint8_t[4]){192, 0, 2, 2}, 4);
    sk_store_be16(ip + 10, 0);
    sk_store_be16(ip + 10, sk_csum(ip, 20));
    if (ip[9] == 1 && n >= 28) {
        sk_store_be16(ip + 22, 0);
        sk_store_be16(ip + 22, sk_csum(ip + 20, n - 20));
    }
    return 14 + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_stack_config cfg;
    fz_config(&cfg, sk_ip4_make(192, 0, 2, 2));
    cfg.link = SK_LINK_ETHERNET;
    memcpy(cfg.mac.b, OUR_MAC, 6);
    cfg.gateway = sk_ip4_make(192, 0, 2, 1);
    cfg.arp_cache_size = 3;
    cfg.arp_queue_len = 3;
    cfg.ip_reass_max = 2;
    cfg.icmp_queue_len = 3;
    cfg.ping_queue_len = 2;
    sk_sock l, c;
    sk_stack *s = fz_start(&cfg, NULL, sk_ip4_make(192, 0, 2, 1), &l, &c);
    uint64_t now = 0;
    uint8_t frame[1600];
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t kind = data[i], len = data[i + 1];
        i += 2;
        size_t n = len < size - i ? len : size - i;
        if (kind < 0xc0) {
            size_t m = make_frame(data + i, n, kind < 0x80 && (kind & 1), frame, sizeof frame);
            if (kind >= 0x80 && n <= sizeof frame) {
                memcpy(frame, data + i, n);
                m = n;
            }
            sk_stack_input(s, now, frame, m);
            i += n;
        } else if (kind < 0xe0) {
            now += (uint64_t)len * 50000u;
        } else {
            uint8_t pay[256];
            memset(pay, kind, sizeof pay);
            sk_ping_send(s, now, sk_ip4_make(192, 0, 2, len), 1, len, pay, len);
        }
        uint64_t at = fz_drain(s, now);
        if (kind >= 0xc0 && kind < 0xe0 && at != SK_NEVER && at > now && at - now < 40000000)
            now = at; /* let timers fire */
        sk_ping_reply r;
        while (sk_ping_next_reply(s, &r)) {
        }
    }
    fz_finish(s);
    return 0;
}
