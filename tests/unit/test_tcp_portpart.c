/* Ephemeral port partitions (sk_stack_config.port_partitions and
 * port_partition): a stack that owns one queue of a multi-queue device picks
 * only the local ports whose flow the device steers to that queue,
 * part(lport, rport) == partition (below, as stack.h states it), towards any
 * remote port; it still gets every such port towards one destination before
 * SK_EADDRINUSE; bad values fail creation. */
#include "sk_test.h"
#include "tcp_script.h"

#include <string.h>

/* The partition of a flow, from stack.h's words. */
static uint32_t part_of(uint32_t lport, uint32_t rport, uint32_t parts)
{
    return (uint32_t)(((uint64_t)(lport + rport) * 2654435761u) % 4294967296u >> 16) % parts;
}

/* How many of the 16384 ephemeral ports fall in the partition. */
static int want_ports(uint16_t rport, uint16_t parts, uint16_t part)
{
    int n = 0;
    for (uint32_t p = 49152; p <= 65535; p++)
        n += part_of(p, rport, parts) == part;
    return n;
}

/* Connect towards 10.0.0.1:rport until refused; check every local port is
 * in the partition and unique. Returns how many were handed out. */
static int fill(ts_script *ts, uint16_t rport, uint16_t parts, uint16_t part)
{
    static uint8_t seen[65536];
    memset(seen, 0, sizeof seen);
    sk_endpoint peer = ts_endpoint(10, 0, 0, 1, rport);
    int n = 0, bad = 0;
    for (;;) {
        sk_sock s;
        sk_tcp_info in;
        int r = sk_tcp_connect(ts->s, 0, &peer, NULL, &s);
        if (r == SK_EADDRINUSE)
            break;
        if (r != 0 || sk_tcp_get_info(ts->s, s, &in) != 0) {
            bad++;
            break;
        }
        uint16_t p = in.local.port;
        if (p < 49152 || seen[p] || part_of(p, rport, parts) != part)
            bad++;
        seen[p] = 1;
        n++;
    }
    SK_CHECK_EQ(bad, 0);
    return n;
}

static void run_partition(uint16_t parts, uint16_t part, uint16_t rport)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 16384 + 4;
    cfg.port_partitions = parts;
    cfg.port_partition = part;
    ts_script ts;
    ts_init(&ts, &cfg);
    int n = fill(&ts, rport, parts, part);
    int want = want_ports(rport, parts, part);
    SK_CHECK(want > 16384 / parts / 2); /* the mix spreads the ports */
    SK_CHECK_EQ(n, want);
    static uint8_t buf[2048];
    for (int i = 0; i < 20000 && sk_stack_output(ts.s, 0, buf, sizeof buf) > 0; i++)
        ; /* the SYNs */
    ts_free(&ts);
}

static void test_two_partitions(void)
{
    run_partition(2, 0, 80);
    run_partition(2, 1, 80);
    run_partition(2, 1, 45101); /* an odd remote port flips which local ports fit */
}

static void test_four_partitions(void)
{
    run_partition(4, 3, 443);
}

static void test_one_partition_is_every_port(void)
{
    run_partition(1, 0, 80);
}

static void test_bad_partition_rejected(void)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    sk_stack *s = NULL;
    cfg.port_partitions = 2;
    cfg.port_partition = 2;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    cfg.port_partitions = 0;
    cfg.port_partition = 1;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), SK_EINVAL);
    SK_CHECK(s == NULL);
}

int main(void)
{
    SK_RUN(test_two_partitions);
    SK_RUN(test_four_partitions);
    SK_RUN(test_one_partition_is_every_port);
    SK_RUN(test_bad_partition_rejected);
    return sk_test_finish();
}
