/* The sentences of `synack demo` in English and Chinese, and the little
 * template engine that fills them ({0}..{9}; no printf formats, so the
 * tables need no format-string trust and each language may order its
 * arguments freely). */
#include "tool_demo.h"

#include <stdarg.h>
#include <string.h>

static const char *const texts[DEMO_MSG__COUNT][2] = {
#define DEMO_MSG_ENUM_(id, en, zh) {en, zh},
#include "tool_demo_msgs.h"
#undef DEMO_MSG_ENUM_
};

char *demo_text(const demo *d, enum demo_msg id, char *buf, size_t cap, int nargs,
                const char *const *args)
{
    if (cap == 0)
        return buf;
    const char *t = (unsigned)id < DEMO_MSG__COUNT ? texts[id][d->o.lang == DEMO_ZH] : "?";
    size_t n = 0;
    while (*t != '\0' && n + 1 < cap) {
        if (t[0] == '{' && t[1] >= '0' && t[1] <= '9' && t[2] == '}') {
            int k = t[1] - '0';
            const char *a = k < nargs && args[k] != NULL ? args[k] : "";
            size_t al = strlen(a);
            if (al > cap - 1 - n)
                al = cap - 1 - n;
            memcpy(buf + n, a, al);
            n += al;
            t += 3;
        } else {
            buf[n++] = *t++;
        }
    }
    buf[n] = '\0';
    return buf;
}

const char *demo_say(const demo *d, enum demo_msg id, int nargs, ...)
{
    static char bufs[8][1024];
    static unsigned next;
    char *buf = bufs[next++ % 8];
    const char *args[10] = {0};
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs && i < 10; i++)
        args[i] = va_arg(ap, const char *);
    va_end(ap);
    return demo_text(d, id, buf, sizeof bufs[0], nargs < 10 ? nargs : 10, args);
}

const char *demo_u(uint64_t v)
{
    static char bufs[16][24];
    static unsigned next;
    char *buf = bufs[next++ % 16];
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

const char *demo_raw(const demo *d, enum demo_msg id)
{
    return (unsigned)id < DEMO_MSG__COUNT ? texts[id][d->o.lang == DEMO_ZH] : "?";
}
