/* port/posix/posix_mq.h: sk_posix_mq_run calls fn(i) once for every i in
 * its own thread, pins each thread to one CPU when asked (and to the CPU
 * sk_posix_mq_cpus' i-th), and refuses a queue count of 0 or above
 * SK_POSIX_MQ_MAX with a one-line reason. */
#define _GNU_SOURCE /* CPU_* and pthread_getaffinity_np */
#include "sk_test.h"

#include "posix/posix_mq.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

typedef struct {
    int calls[SK_POSIX_MQ_MAX];
    pthread_t self[SK_POSIX_MQ_MAX];
    int ncpus[SK_POSIX_MQ_MAX]; /* CPUs in the thread's mask while fn runs */
} record;

static void note(unsigned i, void *ctx)
{
    record *r = ctx;
    r->calls[i]++; /* each thread writes its own slot only */
    r->self[i] = pthread_self();
    cpu_set_t set;
    CPU_ZERO(&set);
    r->ncpus[i] = pthread_getaffinity_np(pthread_self(), sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                                                : -1;
}

static void test_each_index_once_in_its_thread(void)
{
    static record r;
    memset(&r, 0, sizeof r);
    char err[128];
    SK_CHECK_EQ_I(sk_posix_mq_run(5, false, note, &r, err, sizeof err), 0);
    for (unsigned i = 0; i < 5; i++) {
        SK_CHECK_EQ_I(r.calls[i], 1);
        SK_CHECK(!pthread_equal(r.self[i], pthread_self()));
        for (unsigned k = 0; k < i; k++)
            SK_CHECK(!pthread_equal(r.self[i], r.self[k]));
        SK_CHECK_EQ_I(r.ncpus[i], (int)sk_posix_mq_cpus()); /* not pinned: the process's mask */
    }
    SK_CHECK_EQ_I(r.calls[5], 0);
}

static void test_pinned_to_one_cpu(void)
{
    static record r;
    memset(&r, 0, sizeof r);
    char err[128];
    SK_CHECK_EQ_I(sk_posix_mq_run(3, true, note, &r, err, sizeof err), 0);
    for (unsigned i = 0; i < 3; i++) {
        SK_CHECK_EQ_I(r.calls[i], 1);
        SK_CHECK_EQ_I(r.ncpus[i], 1);
    }
}

static void test_bad_counts(void)
{
    static record r;
    memset(&r, 0, sizeof r);
    char err[128] = "";
    SK_CHECK_EQ_I(sk_posix_mq_run(0, false, note, &r, err, sizeof err), -1);
    SK_CHECK(strstr(err, "bad queue count 0") != NULL);
    SK_CHECK_EQ_I(sk_posix_mq_run(SK_POSIX_MQ_MAX + 1, false, note, &r, err, sizeof err), -1);
    SK_CHECK(strchr(err, '\n') == NULL);
    for (unsigned i = 0; i < SK_POSIX_MQ_MAX; i++)
        SK_CHECK_EQ_I(r.calls[i], 0);
}

static void test_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    SK_CHECK_EQ_I(sched_getaffinity(0, sizeof set, &set), 0);
    SK_CHECK_EQ_I((int)sk_posix_mq_cpus(), CPU_COUNT(&set));
}

int main(void)
{
    SK_RUN(test_each_index_once_in_its_thread);
    SK_RUN(test_pinned_to_one_cpu);
    SK_RUN(test_bad_counts);
    SK_RUN(test_cpus);
    return sk_test_finish();
}
