/* HTTP/1.1 request parsing and response heads for `synack serve --http`. */
#include "tool_http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

size_t tool_http_head_len(const char *buf, size_t len)
{
    /* Empty lines before the request line are not the end of a head: RFC
     * 9112 §2.2 says to ignore them (a client may send a CRLF after a body). */
    size_t start = 0;
    while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
        start++;
    for (size_t i = start; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* tchar (RFC 9110 §5.6.2) */
static bool is_tchar(int c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* One line of the head: [*p, end of line), *p moved past the line end. */
static size_t next_line(const char **p, const char *end, const char **line)
{
    const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    if (nl == NULL)
        nl = end;
    *line = s;
    *p = nl < end ? nl + 1 : end;
    size_t n = (size_t)(nl - s);
    if (n > 0 && s[n - 1] == '\r')
        n--;
    return n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Percent-decode the path part of the target; refuse NUL and any ".."
 * segment (traversal out of the document root). */
static int decode_path(const char *t, size_t n, char *out)
{
    size_t o = 0;
    if (n == 0 || t[0] != '/')
        return 400;
    for (size_t i = 0; i < n && t[i] != '?' && t[i] != '#'; i++) {
        int c = (unsigned char)t[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(t[i + 1]) : -1, lo = i + 2 < n ? hexval(t[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 400;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || c == '\\')
            return 400;
        if (o + 1 >= TOOL_HTTP_MAX_PATH)
            return 414;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    for (const char *s = out; (s = strstr(s, "..")) != NULL; s += 2) {
        bool seg_start = s[-1] == '/';
        bool seg_end = s[2] == '/' || s[2] == '\0';
        if (seg_start && seg_end)
            return 403;
    }
    return 0;
}

/* RFC 9112 §3.2.2: a server MUST accept the absolute-form
 * ("http://host:port/path"). We serve one root whatever the host, so the
 * scheme and authority are skipped and the path is served ("/" if none). */
static void skip_authority(const char **t, size_t *n)
{
    static const char *const schemes[] = {"http://", "https://"};
    for (size_t k = 0; k < 2; k++) {
        size_t sl = strlen(schemes[k]);
        if (*n <= sl || strncasecmp(*t, schemes[k], sl) != 0)
            continue;
        const char *p = *t + sl, *end = *t + *n;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        if (p == *t + sl)
            return; /* no host: left for decode_path to refuse */
        if (p == end || *p != '/') {
            *t = "/";
            *n = 1;
        } else {
            *n = (size_t)(end - p);
            *t = p;
        }
        return;
    }
}

static int parse_version(const char *v, size_t n, int *minor)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) || v[6] != '.' ||
        !isdigit((unsigned char)v[7]))
        return 400;
    if (v[5] != '1')
        return 505;
    *minor = v[7] - '0';
    return 0;
}

static int parse_request_line(const char *l, size_t n, tool_http_req *req)
{
    const char *sp1 = memchr(l, ' ', n);
    if (sp1 == NULL || sp1 == l)
        return 400;
    const char *t = sp1 + 1, *end = l + n;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (sp2 == NULL || sp2 == t)
        return 400;
    for (const char *m = l; m < sp1; m++)
        if (!is_tchar((unsigned char)*m))
            return 400;
    int r = parse_version(sp2 + 1, (size_t)(end - sp2 - 1), &req->minor);
    if (r != 0)
        return r;
    req->keep_alive = req->minor >= 1;
    size_t mlen = (size_t)(sp1 - l);
    if (mlen == 4 && memcmp(l, "HEAD", 4) == 0)
        req->head = true;
    else if (!(mlen == 3 && memcmp(l, "GET", 3) == 0))
        return 405;
    size_t tlen = (size_t)(sp2 - t);
    skip_authority(&t, &tlen);
    return decode_path(t, tlen, req->path);
}

/* Does the comma-separated list in v[0..n) hold `tok` (case-insensitive)? */
static bool list_has(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok), i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return true;
    }
    return false;
}

static int parse_field(const char *l, size_t n, tool_http_req *req, int *hosts)
{
    if (l[0] == ' ' || l[0] == '\t')
        return 400; /* obsolete line folding (RFC 9112 §5.2) */
    const char *colon = memchr(l, ':', n);
    if (colon == NULL || colon == l)
        return 400;
    size_t nl = (size_t)(colon - l);
    for (size_t i = 0; i < nl; i++)
        if (!is_tchar((unsigned char)l[i]))
            return 400; /* includes whitespace before the colon (RFC 9112 §5.1) */
    const char *v = colon + 1;
    size_t vn = n - nl - 1;
    while (vn > 0 && (*v == ' ' || *v == '\t'))
        v++, vn--;
    if (nl == 4 && strncasecmp(l, "host", 4) == 0)
        (*hosts)++;
    else if (nl == 10 && strncasecmp(l, "connection", 10) == 0) {
        if (list_has(v, vn, "close"))
            req->keep_alive = false;
        else if (list_has(v, vn, "keep-alive"))
            req->keep_alive = true;
    } else if (nl == 17 && strncasecmp(l, "transfer-encoding", 17) == 0)
        return 400; /* no request bodies */
    else if (nl == 14 && strncasecmp(l, "content-length", 14) == 0) {
        for (size_t i = 0; i < vn; i++)
            if (v[i] != '0' && v[i] != ' ' && v[i] != '\t')
                return 400;
    }
    return 0;
}

int tool_http_parse(const char *head, size_t len, tool_http_req *req)
{
    memset(req, 0, sizeof *req);
    const char *p = head, *end = head + len, *line;
    size_t n = next_line(&p, end, &line);
    while (n == 0 && p < end) /* RFC 9112 §2.2: ignore leading empty lines */
        n = next_line(&p, end, &line);
    int r = parse_request_line(line, n, req);
    int hosts = 0;
    while (p < end && (n = next_line(&p, end, &line)) > 0) {
        int fr = parse_field(line, n, req, &hosts);
        if (fr != 0) {
            req->keep_alive = false; /* a body we will not read: close after answering */
            return r != 0 ? r : fr;
        }
    }
    if (r != 0) {
        /* a well-formed request we refuse leaves the connection usable */
        if (r == 400 || r == 505)
            req->keep_alive = false;
        return r;
    }
    if (req->minor >= 1 && hosts != 1) {
        req->keep_alive = false; /* RFC 9112 §3.2: exactly one Host in 1.1 */
        return 400;
    }
    return 0;
}

const char *tool_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

const char *tool_http_mime(const char *path)
{
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"}, {".css", "text/css"},
        {".js", "text/javascript"},            {".json", "application/json"},
        {".png", "image/png"},                 {".jpg", "image/jpeg"},
        {".svg", "image/svg+xml"},             {".pdf", "application/pdf"},
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strcasecmp(dot, map[i][0]) == 0)
                return map[i][1];
    return "application/octet-stream";
}

size_t tool_http_response_head(char *buf, size_t cap, int status, int minor, bool keep_alive,
                               uint64_t content_length, const char *content_type)
{
    char date[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm); /* RFC 9110 §5.6.7 */
    const char *conn = !keep_alive ? "Connection: close\r\n"
                       : minor == 0 ? "Connection: keep-alive\r\n" : "";
    int n = snprintf(buf, cap,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: synack\r\n%s"
                     "Content-Length: %llu\r\nContent-Type: %s\r\n%s\r\n",
                     status, tool_http_reason(status), date,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "",
                     (unsigned long long)content_length, content_type, conn);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}
