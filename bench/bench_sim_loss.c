/* The loss bench's link in the simulator, synack to synack in virtual time
 * (bench/README-loss.md, "The simulator"): one bulk transfer per seed
 * through delay RTT/2 each way, RATE, a 1-BDP tail-drop queue and random
 * loss both ways; goodput, timeouts and fast retransmits per seed, and
 * optionally the sender's cwnd every 100 ms of virtual time.
 *
 *   bench_sim_loss LOSS BYTES SEEDS [TRACE_FILE]
 *   env: RTT_MS (100), RATE_MBIT (100), CC (cubic), TRACE_STEP_US (100000),
 *        PACING (0; 1: cfg.pacing on both stacks), PACING_SS / PACING_CA
 *        (cfg.pacing_ss_ratio / _ca_ratio, percent; 0: the defaults 200 / 120)
 *
 * TRACE_FILE lines: seed, time (s), cwnd, ssthresh (0: infinite) and
 * SND.MAX - SND.UNA in SMSS, 1 while in fast recovery. */
#include "sim_pair.h"

#include "api/stack_impl.h"
#include "tcp/tcp_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    FILE *f;
    int seed;
    uint64_t next_us, step_us;
    sk_sock sock;
} tracer;

static void probe(void *ctx, int side, const sk_stack *s, const sk_trace_event *ev)
{
    tracer *tr = ctx;
    if (side != SP_CLIENT)
        return;
    if (ev->kind == SK_TRACE_SEG_OUT && ev->sock.idx != 0 && ev->seg != NULL && ev->seg->len > 0)
        tr->sock = ev->sock;
    if (ev->kind != SK_TRACE_SEG_IN || tr->sock.idx == 0 || ev->now < tr->next_us)
        return;
    const sk_tcb *t = sk_stack_tcb(s, tr->sock);
    if (t == NULL)
        return;
    tr->next_us = ev->now + tr->step_us;
    uint32_t smss = sk_cc_smss(t);
    fprintf(tr->f, "%d %.3f %u %u %u %d\n", tr->seed, (double)ev->now / 1e6, t->cwnd / smss,
            t->ssthresh >= UINT32_MAX / 2 ? 0 : t->ssthresh / smss,
            sk_seq_len(t->snd_una, sk_tcb_snd_max(&s->env, t)) / smss, (t->flags & SK_TF_IN_RECOVERY) != 0);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? strtoull(v, NULL, 10) : dflt;
}

static void scenario(sp_scenario *sc, int seed, double loss, uint32_t bytes)
{
    uint64_t rtt_us = env_u64("RTT_MS", 100) * 1000, bps = env_u64("RATE_MBIT", 100) * 1000000;
    sp_scenario_default(sc, (uint64_t)seed);
    sc->name = "bench_sim_loss";
    sc->bytes[0] = bytes;
    sc->bytes[1] = 0;
    sc->write_max = sc->read_max = 65536;
    sc->pause_chance = 0;
    for (int d = 0; d < 2; d++) {
        memset(&sc->link[d], 0, sizeof sc->link[d]);
        sc->link[d].loss = loss;
        sc->link[d].delay_us = (uint32_t)(rtt_us / 2);
        sc->link[d].bandwidth_bps = bps;
        sc->link[d].queue_limit_bytes = (uint32_t)(bps / 8 * rtt_us / 1000000);
        sc->cfg[d].sndbuf = 4u << 20;
        sc->cfg[d].rcvbuf = 32u << 20;
        sc->cfg[d].pacing = env_u64("PACING", 0) != 0;
        sc->cfg[d].pacing_ss_ratio = (uint16_t)env_u64("PACING_SS", 200);
        sc->cfg[d].pacing_ca_ratio = (uint16_t)env_u64("PACING_CA", 120);
        if (getenv("CC") != NULL)
            sc->cfg[d].congestion_control = getenv("CC");
    }
    sc->time_limit_us = 3600ull * 1000000;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_sim_loss LOSS BYTES SEEDS [TRACE_FILE]\n");
        return 2;
    }
    double loss = atof(argv[1]);
    uint32_t bytes = (uint32_t)strtoul(argv[2], NULL, 10);
    int seeds = atoi(argv[3]);
    tracer tr = {.f = argc > 4 ? fopen(argv[4], "w") : NULL,
                 .step_us = env_u64("TRACE_STEP_US", 100000)};
    double total_s = 0;
    uint64_t to = 0, fr = 0, rs = 0, qd = 0;
    for (int seed = 1; seed <= seeds; seed++) {
        sp_scenario sc;
        scenario(&sc, seed, loss, bytes);
        tr.seed = seed;
        tr.next_us = 0;
        tr.sock = (sk_sock){0};
        if (tr.f != NULL) {
            sc.probe = probe;
            sc.probe_ctx = &tr;
        }
        sp_result r;
        if (!sp_run(&sc, &r))
            return 1;
        double s = (double)r.done_us / 1e6;
        printf("seed %d: %.2f s, %.3f Mbit/s, frames %llu, lost %llu, queue drops %llu, "
               "TO %llu, FR %llu, RS %llu\n",
               seed, s, bytes * 8.0 / s / 1e6, (unsigned long long)r.frames,
               (unsigned long long)r.lost, (unsigned long long)r.queue_drops,
               (unsigned long long)r.timeouts, (unsigned long long)r.fast_retransmits,
               (unsigned long long)r.retransmits);
        total_s += s;
        to += r.timeouts;
        fr += r.fast_retransmits;
        rs += r.retransmits;
        qd += r.queue_drops;
    }
    printf("total: loss %g, %d seeds x %u bytes: %.2f s, %.3f Mbit/s, TO %llu, FR %llu, RS %llu, "
           "queue drops %llu\n",
           loss, seeds, bytes, total_s, (double)bytes * seeds * 8.0 / total_s / 1e6,
           (unsigned long long)to, (unsigned long long)fr, (unsigned long long)rs,
           (unsigned long long)qd);
    if (tr.f != NULL)
        fclose(tr.f);
    return 0;
}
