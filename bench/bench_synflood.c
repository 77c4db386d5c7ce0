/* bench_synflood: the CPU one synack stack spends per spoofed SYN, in one
 * process (no device, no system calls): what `synack serve` does for each
 * frame of a SYN flood, less the kernel's part.
 *
 *   bench_synflood [N]   (default 1,000,000 SYNs)
 *
 * An Ethernet stack at 10.0.0.2/24 behind the gateway 10.0.0.1 (whose MAC
 * it learns from one ARP request first) listens on port 80 with the
 * defaults (SYN cookies once the SYN queue is full, as serve). N SYNs
 * arrive from the gateway's MAC, sources 198.51.100.1-254 and source ports
 * drawn from a fixed LCG (the same frames every run), 8 us of virtual time
 * apart (~125,000 a second, synack's TAP rate in bench/README-synflood.md);
 * after each, the stack's output is drained (the SYN,ACK). Prints the
 * provenance header, then
 *   RESULT test=synflood syns=N frames_out=.. cookies=.. cpu_s=.. ns_per_syn=..
 * with the process CPU time of the loop; drops by reason on stderr. The
 * counts are the same for every build that answers the same way (a check
 * that a change kept the behaviour). */
#define _POSIX_C_SOURCE 200809L

#include "synack/stack.h"
#include "synack/stats.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "posix/posix_alloc.h"

#include "bench_provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint8_t US_MAC[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t GW_MAC[6] = {2, 0, 0, 0, 0, 1};

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The gateway asks for our address: the stack learns its MAC. */
static void arp_from_gateway(uint8_t *f)
{
    memset(f, 0, 60);
    memset(f, 0xff, 6);
    memcpy(f + 6, GW_MAC, 6);
    sk_store_be16(f + 12, 0x0806);
    uint8_t *a = f + 14;
    sk_store_be16(a, 1);      /* Ethernet */
    sk_store_be16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    sk_store_be16(a + 6, 1);  /* request */
    memcpy(a + 8, GW_MAC, 6);
    memcpy(a + 14, (uint8_t[]){10, 0, 0, 1}, 4);
    memcpy(a + 24, (uint8_t[]){10, 0, 0, 2}, 4);
}

/* A SYN from 198.51.100.<1..254>:<port> to 10.0.0.2:80, checksums right. */
static void syn_frame(uint8_t *f, uint32_t r)
{
    memset(f, 0, 60);
    memcpy(f, US_MAC, 6);
    memcpy(f + 6, GW_MAC, 6);
    sk_store_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *t = ip + 20;
    ip[0] = 0x45;
    sk_store_be16(ip + 2, 40);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (uint8_t[]){198, 51, 100, (uint8_t)(1 + (r >> 24) % 254)}, 4);
    memcpy(ip + 16, (uint8_t[]){10, 0, 0, 2}, 4);
    sk_store_be16(ip + 10, sk_csum(ip, 20));
    sk_store_be16(t, (uint16_t)(1024 + (r >> 8) % 60000));
    sk_store_be16(t + 2, 80);
    sk_store_be32(t + 4, r);
    t[12] = 5 << 4;
    t[13] = 0x02; /* SYN */
    sk_store_be16(t + 14, 512);
    sk_ipaddr src = sk_ipaddr_from_ip4(sk_ip4_make(ip[12], ip[13], ip[14], ip[15]));
    sk_ipaddr dst = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    sk_csum_l4_fill(&src, &dst, 6, t, 20, 16);
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000ul;
    if (n == 0 || n > 1000000000ul) {
        fprintf(stderr, "usage: bench_synflood [N]   (1..1000000000 SYNs)\n");
        return 2;
    }
    bench_print_provenance(stdout, "# ");
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_ETHERNET;
    memcpy(cfg.mac.b, US_MAC, 6);
    cfg.addr = sk_ip4_make(10, 0, 0, 2);
    cfg.prefix_len = 24;
    cfg.gateway = sk_ip4_make(10, 0, 0, 1);
    cfg.max_sockets = 4096;
    cfg.alloc = sk_posix_allocator();
    sk_stack *s = NULL;
    sk_sock l;
    if (sk_stack_create(&cfg, &s) != 0 || sk_tcp_listen(s, 80, NULL, &l) != 0) {
        fprintf(stderr, "bench_synflood: stack set-up failed\n");
        return 1;
    }
    uint8_t f[64], out[2048];
    sk_time_us now = 1000;
    arp_from_gateway(f);
    sk_stack_input(s, now, f, 60);
    while (sk_stack_output(s, now, out, sizeof out) > 0) {
    }
    uint64_t frames_out = 0;
    uint32_t r = 12345;
    double c0 = cpu_seconds();
    for (unsigned long i = 0; i < n; i++) {
        now += 8;
        r = r * 1103515245u + 12345u;
        syn_frame(f, r);
        sk_stack_input(s, now, f, 60);
        while (sk_stack_output(s, now, out, sizeof out) > 0)
            frames_out++;
    }
    double cpu = cpu_seconds() - c0;
    const sk_stats *st = sk_stack_stats(s);
    printf("RESULT test=synflood syns=%lu frames_out=%llu cookies=%llu cpu_s=%.6f "
           "ns_per_syn=%.1f\n",
           n, (unsigned long long)frames_out, (unsigned long long)st->syncookies_sent, cpu,
           cpu * 1e9 / (double)n);
    for (int k = 0; k < SK_DROP__COUNT; k++)
        if (st->drop[k] != 0)
            fprintf(stderr, "drop %s %llu\n", sk_drop_reason_name(k),
                    (unsigned long long)st->drop[k]);
    sk_stack_destroy(s);
    return 0;
}
