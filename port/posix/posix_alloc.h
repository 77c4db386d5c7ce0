/* The default allocator for a stack on the POSIX port: malloc and free.
 *
 *     sk_stack_config cfg = {0};
 *     cfg.alloc = sk_posix_allocator();
 *
 * The stack gives the size back on release; malloc does not need it. A
 * program that wants a bounded arena or counted allocations writes its own
 * sk_allocator instead (tests/unit/test_tcp_limits.c has a failing one). */
#ifndef SK_PORT_POSIX_ALLOC_H
#define SK_PORT_POSIX_ALLOC_H

#include "synack/stack.h"

sk_allocator sk_posix_allocator(void);

#endif
