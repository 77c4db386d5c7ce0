/* Internal: the kernels behind sk_csum_partial(), exposed so that the tests
 * can prove each one bit for bit against sk_csum_partial_ref() on the machine
 * that runs them, and the benchmark can time each one. Not part of the public
 * API; the stack itself only calls sk_csum_partial(). */
#ifndef SK_BASE_CHECKSUM_IMPL_H
#define SK_BASE_CHECKSUM_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* 1 when this build contains the AVX2 kernel (GCC or clang on x86-64). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SK_CSUM_HAVE_AVX2 1
#else
#define SK_CSUM_HAVE_AVX2 0
#endif

/* Portable C: several 64-bit accumulators fed with 32-bit loads. Works on any
 * host byte order and any alignment. Same contract as sk_csum_partial(). */
uint32_t sk_csum_partial_portable(const void *buf, size_t len, uint32_t sum);

/* Non-zero when the AVX2 kernel is compiled in and this CPU (and OS) can run
 * it; sk_csum_partial() uses it then. */
int sk_csum_avx2_usable(void);

/* The AVX2 kernel. Call only when sk_csum_avx2_usable() is true; in builds
 * without the kernel it is the portable path. */
uint32_t sk_csum_partial_avx2(const void *buf, size_t len, uint32_t sum);

#endif
