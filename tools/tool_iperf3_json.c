/* The JSON that iperf3 exchanges: a small scanner for the keys we read and
 * a writer for the results object (tool_iperf3.h). The scanner reads
 * numbers and booleans by key; it does not validate the whole text (a key
 * inside a string value could mislead it; iperf3's own objects hold none). */
#include "tool_iperf3.h"

#include <stdlib.h>
#include <string.h>

int ip3_stream_id(int i)
{
    return i == 0 ? 1 : i + 2;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

bool ip3_json_num(const char *js, const char *key, double *out)
{
    char pat[64];
    int n = snprintf(pat, sizeof pat, "\"%s\"", key);
    if (n < 0 || (size_t)n >= sizeof pat)
        return false;
    for (const char *p = strstr(js, pat); p != NULL; p = strstr(p + 1, pat)) {
        const char *v = skip_ws(p + n);
        if (*v != ':')
            continue; /* a string value equal to the key */
        v = skip_ws(v + 1);
        if (strncmp(v, "true", 4) == 0 || strncmp(v, "false", 5) == 0) {
            *out = v[0] == 't' ? 1.0 : 0.0;
            return true;
        }
        char *end;
        double d = strtod(v, &end);
        if (end == v)
            return false;
        *out = d;
        return true;
    }
    return false;
}

int ip3_json_streams(const char *js, ip3_stream_result *out, int max)
{
    const char *p = strstr(js, "\"streams\"");
    if (p == NULL || (p = strchr(p, '[')) == NULL)
        return 0;
    int n = 0;
    char obj[1024];
    while (n < max && (p = strchr(p, '{')) != NULL) {
        const char *e = strchr(p, '}');
        if (e == NULL || (size_t)(e - p) >= sizeof obj)
            break;
        memcpy(obj, p, (size_t)(e - p) + 1);
        obj[e - p + 1] = '\0';
        double id, bytes, v;
        if (!ip3_json_num(obj, "id", &id) || !ip3_json_num(obj, "bytes", &bytes))
            break;
        ip3_stream_result *s = &out[n++];
        memset(s, 0, sizeof *s);
        s->id = (int)id;
        s->bytes = (uint64_t)bytes;
        if (ip3_json_num(obj, "packets", &v) && v > 0)
            s->packets = (uint64_t)v;
        if (ip3_json_num(obj, "errors", &v) && v > 0)
            s->errors = (uint64_t)v;
        if (ip3_json_num(obj, "jitter", &v))
            s->jitter_s = v;
        p = e + 1;
    }
    return n;
}

size_t ip3_json_results(char *buf, size_t cap, const ip3_stream_result *s, int n, double secs)
{
    int w = snprintf(buf, cap,
                     "{\"cpu_util_total\":0,\"cpu_util_user\":0,\"cpu_util_system\":0,"
                     "\"sender_has_retransmits\":0,\"streams\":[");
    if (w < 0 || (size_t)w >= cap)
        return 0;
    size_t len = (size_t)w;
    for (int i = 0; i <= n; i++) {
        if (i == n)
            w = snprintf(buf + len, cap - len, "]}");
        else
            w = snprintf(buf + len, cap - len,
                         "%s{\"id\":%d,\"bytes\":%llu,\"retransmits\":-1,\"jitter\":%.9f,"
                         "\"errors\":%llu,\"packets\":%llu,\"start_time\":0,\"end_time\":%.6f}",
                         i ? "," : "", s[i].id, (unsigned long long)s[i].bytes, s[i].jitter_s,
                         (unsigned long long)s[i].errors, (unsigned long long)s[i].packets, secs);
        if (w < 0 || (size_t)w >= cap - len)
            return 0;
        len += (size_t)w;
    }
    return len;
}
