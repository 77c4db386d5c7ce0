#include "sk_test.h"

#include <stdarg.h>
#include <stdlib.h>

static const char *g_name;
static int g_cur_failed;
static int g_passed;
static int g_failed;

void sk_test_begin(const char *name)
{
    g_name = name;
    g_cur_failed = 0;
}

void sk_test_end(void)
{
    if (g_cur_failed) {
        g_failed++;
        printf("FAIL %s\n", g_name);
    } else {
        g_passed++;
        printf("ok   %s\n", g_name);
    }
    fflush(stdout);
}

int sk_test_current_failed(void) { return g_cur_failed; }

void sk_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    g_cur_failed = 1;
    printf("  %s:%d: [%s] ", file, line, g_name ? g_name : "?");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

void sk_test_hexdump_diff(const uint8_t *got, const uint8_t *want, size_t n)
{
    for (size_t off = 0; off < n; off += 16) {
        size_t end = off + 16 < n ? off + 16 : n;
        int differs = memcmp(got + off, want + off, end - off) != 0;
        if (!differs)
            continue;
        printf("    %04zx got :", off);
        for (size_t i = off; i < end; i++)
            printf(got[i] != want[i] ? " [%02x]" : " %02x", got[i]);
        printf("\n    %04zx want:", off);
        for (size_t i = off; i < end; i++)
            printf(" %02x", want[i]);
        printf("\n");
    }
}

int sk_test_all_bytes_are(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

const char *sk_test_source_path(const char *rel, char *buf, size_t cap)
{
    const char *top = getenv("SYNACK_SOURCE_DIR");
    if (top == NULL)
        top = ".";
    snprintf(buf, cap, "%s/%s", top, rel);
    return buf;
}

int sk_test_finish(void)
{
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
