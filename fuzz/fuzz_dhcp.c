/* libFuzzer target for the DHCPv4 codec and client. The first byte picks:
 * even: the rest is a DHCP message for sk_dhcp_parse (a parse that succeeds
 * has a DNS count within bounds). odd: the rest drives a client (bit 1 set:
 * from INIT-REBOOT with a remembered address) as a script
 * of steps: a reply (the client's xid and chaddr patched in, so the state
 * machine behind those checks is reached), time passing, a conflict report.
 * Invariants: datagrams out are 300..576 bytes from port 68 to 67; after
 * run_timers(now) poll_at is later than now; a lease is held exactly in
 * BOUND, RENEWING and REBINDING, with T1 <= T2 <= expiry. */
#include "dhcp/dhcp_msg.h"
#include "synack/error.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_client(const sk_dhcp_client *c)
{
    int st = sk_dhcp_state_get(c);
    CHECK(st >= 0 && st < SK_DHCP_STATE_COUNT);
    const sk_dhcp_lease *l = sk_dhcp_lease_get(c);
    bool held = st == SK_DHCP_BOUND || st == SK_DHCP_RENEWING || st == SK_DHCP_REBINDING;
    CHECK(held == (l != NULL));
    if (l) {
        CHECK(l->t1_at <= l->t2_at && l->t2_at <= l->expires_at);
        CHECK(l->dns_count <= SK_DHCP_MAX_DNS && l->prefix_len <= 32);
    }
}

static void drain(sk_dhcp_client *c, uint64_t now)
{
    sk_dhcp_datagram d;
    sk_dhcp_event ev;
    int guard = 0;
    while (sk_dhcp_next_datagram(c, now, &d)) {
        CHECK(++guard <= 1);
        CHECK(d.len >= SK_DHCP_MIN_LEN && d.len <= SK_DHCP_MSG_MAX);
        CHECK(d.src_port == 68 && d.dst_port == 67);
    }
    while (sk_dhcp_next_event(c, &ev))
        CHECK(ev.kind == SK_DHCP_EV_BOUND || ev.kind == SK_DHCP_EV_LOST);
}

static void drive(const uint8_t *d, size_t n, bool reboot)
{
    static sk_dhcp_client c;
    sk_dhcp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.chaddr = (sk_mac){{2, 0, 0, 0, 0, 2}};
    memcpy(cfg.hostname, "fuzz", 5);
    cfg.seed = n;
    if (reboot) /* INIT-REBOOT */
        cfg.remembered = sk_ip4_make(192, 0, 2, 146);
    CHECK(sk_dhcp_init(&c, &cfg) == SK_OK);
    uint64_t now = 1000000;
    CHECK(sk_dhcp_start(&c, now) == SK_OK);
    drain(&c, now);
    size_t p = 0;
    uint8_t buf[600];
    while (p + 3 <= n) {
        uint8_t op = d[p];
        size_t len = (size_t)d[p + 1] << 8 | d[p + 2];
        p += 3;
        size_t take = len < n - p ? len : n - p;
        if (take > sizeof buf)
            take = sizeof buf;
        memcpy(buf, d + p, take);
        p += take;
        if (!(op & 0x80) && take >= 34) { /* ours: xid and chaddr */
            buf[4] = (uint8_t)(c.xid >> 24), buf[5] = (uint8_t)(c.xid >> 16);
            buf[6] = (uint8_t)(c.xid >> 8), buf[7] = (uint8_t)c.xid;
            buf[1] = 1, buf[2] = 6;
            memcpy(buf + 28, cfg.chaddr.b, 6);
        }
        switch (op & 3) {
        case 0: sk_dhcp_input(&c, now, buf, take); break;
        case 1: now += (uint64_t)len * 1000000; sk_dhcp_run_timers(&c, now);
                CHECK(sk_dhcp_poll_at(&c) > now); break;
        case 2: sk_dhcp_conflict(&c, now); break;
        default: now = sk_dhcp_poll_at(&c) == UINT64_MAX ? now : sk_dhcp_poll_at(&c);
                 sk_dhcp_run_timers(&c, now); break;
        }
        drain(&c, now);
        check_client(&c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        drive(data + 1, size - 1, data[0] & 2);
    } else {
        sk_dhcp_msg m;
        if (sk_dhcp_parse(data + 1, size - 1, &m) == SK_DHCP_PARSE_OK)
            CHECK(m.dns_count <= SK_DHCP_MAX_DNS);
    }
    return 0;
}
