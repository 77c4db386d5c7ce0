#include "posix_mq.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    unsigned i;
    int cpu; /* -1: not pinned */
    void (*fn)(unsigned i, void *ctx);
    void *ctx;
} mq_thread;

unsigned sk_posix_mq_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

/* The k-th CPU (modulo their count) of the process's affinity mask. */
static int nth_cpu(unsigned k)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    int n = CPU_COUNT(&set);
    if (n <= 0)
        return -1;
    unsigned want = k % (unsigned)n;
    for (size_t c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        if (want-- == 0)
            return (int)c;
    }
    return -1;
}

static void *mq_main(void *arg)
{
    mq_thread *t = arg;
    if (t->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((size_t)t->cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
    }
    t->fn(t->i, t->ctx);
    return NULL;
}

int sk_posix_mq_run(unsigned n, bool pin, void (*fn)(unsigned i, void *ctx), void *ctx,
                    char *err, size_t errcap)
{
    if (n == 0 || n > SK_POSIX_MQ_MAX) {
        snprintf(err, errcap, "bad queue count %u (1..%d)", n, SK_POSIX_MQ_MAX);
        return -1;
    }
    mq_thread th[SK_POSIX_MQ_MAX];
    pthread_t tid[SK_POSIX_MQ_MAX];
    unsigned started = 0;
    int r = 0;
    for (unsigned i = 0; i < n; i++) {
        th[i] = (mq_thread){.i = i, .cpu = pin ? nth_cpu(i) : -1, .fn = fn, .ctx = ctx};
        int e = pthread_create(&tid[i], NULL, mq_main, &th[i]);
        if (e != 0) {
            snprintf(err, errcap, "cannot start thread %u of %u: %s", i, n, strerror(e));
            r = -1;
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return r;
}
