#include "posix_alloc.h"

#include <stdlib.h>

static void *posix_allocate(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void posix_release(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

sk_allocator sk_posix_allocator(void)
{
    sk_allocator a = {posix_allocate, posix_release, NULL};
    return a;
}
