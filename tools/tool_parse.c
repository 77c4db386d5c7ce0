/* Strict parsing of numeric options: the whole string must be the number
 * (no sign, no blanks, no trailing garbage), and it must be in range. */
#include "tool.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int tool_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1; /* strtoull would accept blanks, '+' and '-' */
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    if ((uint64_t)v < min || (uint64_t)v > max)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int tool_parse_prob(const char *s, double *out)
{
    if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '.'))
        return -1; /* no sign, no blanks, no "inf"/"nan" */
    size_t n = strlen(s);
    bool percent = n > 0 && s[n - 1] == '%';
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n + 1);
    if (percent)
        tmp[--n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!((tmp[i] >= '0' && tmp[i] <= '9') || tmp[i] == '.'))
            return -1; /* no exponents, no hex floats */
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (errno != 0 || end == tmp || *end != '\0' || isnan(v))
        return -1;
    if (percent)
        v /= 100.0;
    if (v < 0.0 || v > 1.0)
        return -1;
    *out = v;
    return 0;
}

int tool_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s == NULL)
        return -1;
    size_t n = strlen(s);
    char tmp[32];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n + 1);
    uint64_t unit = 1;
    char last = tmp[n - 1];
    if (last == 'K' || last == 'k')
        unit = 1024;
    else if (last == 'M' || last == 'm')
        unit = 1024 * 1024;
    if (unit != 1)
        tmp[n - 1] = '\0';
    uint64_t v;
    if (tool_parse_u64(tmp, 0, UINT64_MAX / unit, &v) != 0)
        return -1;
    v *= unit;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}
