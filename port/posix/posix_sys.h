/* The POSIX port: where time and entropy enter synack. */
#ifndef SK_PORT_POSIX_SYS_H
#define SK_PORT_POSIX_SYS_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock in microseconds (CLOCK_MONOTONIC). */
uint64_t sk_posix_now_us(void);
/* Fill buf with n bytes from the OS entropy source (getrandom, falling back to
 * /dev/urandom). Returns 0, or -1 if none could be read. */
int sk_posix_entropy(void *buf, size_t n);
/* A 64-bit seed from the OS entropy source. */
uint64_t sk_posix_seed(void);

#endif
