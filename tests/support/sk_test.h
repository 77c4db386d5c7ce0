/* sk_test: a small test harness. Each test file has a main() that calls
 * SK_RUN(test_fn) for every test and returns sk_test_finish(). Checks record a
 * failure with file:line and the values involved, and the test goes on, so one
 * run shows every broken check. The file prints "N passed, N failed" at the end.
 */
#ifndef SK_TEST_H
#define SK_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void sk_test_begin(const char *name);
void sk_test_end(void);
void sk_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sk_test_finish(void);
int sk_test_current_failed(void);
void sk_test_hexdump_diff(const uint8_t *got, const uint8_t *want, size_t n);
/* 1 if all n bytes at p are v (a buffer a test cleared or filled), else 0. */
int sk_test_all_bytes_are(const uint8_t *p, size_t n, uint8_t v);
/* Path under the source tree (SYNACK_SOURCE_DIR or the compiled-in default). */
const char *sk_test_source_path(const char *rel, char *buf, size_t cap);

#define SK_RUN(fn)                                                             \
    do {                                                                       \
        sk_test_begin(#fn);                                                    \
        fn();                                                                  \
        sk_test_end();                                                         \
    } while (0)

#define SK_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond))                                                           \
            sk_test_fail(__FILE__, __LINE__, "check failed: %s", #cond);       \
    } while (0)

#define SK_CHECK_MSG(cond, ...)                                                \
    do {                                                                       \
        if (!(cond))                                                           \
            sk_test_fail(__FILE__, __LINE__, __VA_ARGS__);                     \
    } while (0)

#define SK_CHECK_EQ(a, b)                                                      \
    do {                                                                       \
        unsigned long long sk_a_ = (unsigned long long)(a);                    \
        unsigned long long sk_b_ = (unsigned long long)(b);                    \
        if (sk_a_ != sk_b_)                                                    \
            sk_test_fail(__FILE__, __LINE__,                                   \
                         "%s == %s: got %llu (0x%llx), want %llu (0x%llx)",    \
                         #a, #b, sk_a_, sk_a_, sk_b_, sk_b_);                  \
    } while (0)

#define SK_CHECK_EQ_I(a, b)                                                    \
    do {                                                                       \
        long long sk_a_ = (long long)(a);                                      \
        long long sk_b_ = (long long)(b);                                      \
        if (sk_a_ != sk_b_)                                                    \
            sk_test_fail(__FILE__, __LINE__, "%s == %s: got %lld, want %lld",  \
                         #a, #b, sk_a_, sk_b_);                                \
    } while (0)

#define SK_CHECK_STR(a, b)                                                     \
    do {                                                                       \
        const char *sk_a_ = (a);                                               \
        const char *sk_b_ = (b);                                               \
        if (sk_a_ == NULL || sk_b_ == NULL || strcmp(sk_a_, sk_b_) != 0)       \
            sk_test_fail(__FILE__, __LINE__,                                   \
                         "%s == %s:\n      got:  \"%s\"\n      want: \"%s\"",  \
                         #a, #b, sk_a_ ? sk_a_ : "(null)",                     \
                         sk_b_ ? sk_b_ : "(null)");                            \
    } while (0)

#define SK_CHECK_MEM(got, want, n)                                             \
    do {                                                                       \
        const uint8_t *sk_g_ = (const uint8_t *)(got);                         \
        const uint8_t *sk_w_ = (const uint8_t *)(want);                        \
        size_t sk_n_ = (size_t)(n);                                            \
        if (memcmp(sk_g_, sk_w_, sk_n_) != 0) {                                \
            sk_test_fail(__FILE__, __LINE__, "%s == %s (%zu bytes) differ:",   \
                         #got, #want, sk_n_);                                  \
            sk_test_hexdump_diff(sk_g_, sk_w_, sk_n_);                         \
        }                                                                      \
    } while (0)

#endif
