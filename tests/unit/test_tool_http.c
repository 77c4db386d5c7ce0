/* tools/tool_http.c: the request-head parser and response heads of
 * `synack serve --http` (RFC 9112 §2-§3, §5, §9; RFC 9110 §5.6, §15). */
#include "sk_test.h"
#include "tool_http.h"

#include <stdio.h>
#include <string.h>

static size_t head_len(const char *s)
{
    return tool_http_head_len(s, strlen(s));
}

static int parse(const char *s, tool_http_req *req)
{
    return tool_http_parse(s, strlen(s), req);
}

/* The status for "GET <target> HTTP/1.1" with a Host. */
static int target_status(const char *target)
{
    char buf[4096];
    tool_http_req req;
    snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
    return parse(buf, &req);
}

static void test_head_len_ends(void)
{
    SK_CHECK_EQ(head_len("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 27u);
    SK_CHECK_EQ(head_len("GET / HTTP/1.1\nHost: x\n\n"), 24u); /* bare LF, RFC 9112 §2.2 */
    SK_CHECK_EQ(head_len("GET / HTTP/1.1\r\nHost: x\r\n"), 0u);
    SK_CHECK_EQ(head_len("GET / HTTP/1.1\r\nHost: x\r\n\r"), 0u);
    SK_CHECK_EQ(head_len(""), 0u);
    /* pipelined: only the first head */
    SK_CHECK_EQ(head_len("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n"), 28u);
}

static void test_head_len_skips_leading_empty_lines(void)
{
    /* RFC 9112 §2.2: empty lines before the request line are ignored, not
     * the end of an empty head */
    const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
    SK_CHECK_EQ(head_len(s), strlen(s));
    SK_CHECK_EQ(head_len("\n\nGET / HTTP/1.0\n\n"), 18u);
    SK_CHECK_EQ(head_len("\r\n\r\n\r\n"), 0u); /* nothing yet: keep reading */
    tool_http_req req;
    SK_CHECK_EQ_I(parse(s, &req), 0);
    SK_CHECK_STR(req.path, "/");
}

static void test_parse_get_fields(void)
{
    tool_http_req req;
    SK_CHECK_EQ_I(parse("GET /a%20b/c.txt?x=1#f HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n", &req),
                  0);
    SK_CHECK(!req.head);
    SK_CHECK_EQ_I(req.minor, 1);
    SK_CHECK(req.keep_alive);
    SK_CHECK_STR(req.path, "/a b/c.txt");
    SK_CHECK_EQ_I(parse("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 0);
    SK_CHECK(req.head);
}

static void test_parse_keep_alive_rules(void)
{
    tool_http_req req;
    /* RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with keep-alive */
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Foo, CLOSE\r\n\r\n", &req), 0);
    SK_CHECK(!req.keep_alive);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.0\r\n\r\n", &req), 0); /* no Host needed in 1.0 */
    SK_CHECK_EQ_I(req.minor, 0);
    SK_CHECK(!req.keep_alive);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req), 0);
    SK_CHECK(req.keep_alive);
}

static void test_parse_traversal_refused(void)
{
    SK_CHECK_EQ_I(target_status("/../etc/passwd"), 403);
    SK_CHECK_EQ_I(target_status("/a/../../etc/passwd"), 403);
    SK_CHECK_EQ_I(target_status("/%2e%2e/etc/passwd"), 403);
    SK_CHECK_EQ_I(target_status("/%2E%2e%2fetc"), 403);
    SK_CHECK_EQ_I(target_status("/a/..%2f..%2fetc"), 403);
    SK_CHECK_EQ_I(target_status("/a/.."), 403);
    /* dots that are not a ".." segment are names */
    SK_CHECK_EQ_I(target_status("/..."), 0);
    SK_CHECK_EQ_I(target_status("/a..b/c.."), 0);
    SK_CHECK_EQ_I(target_status("/./a"), 0);
}

static void test_parse_bad_targets(void)
{
    SK_CHECK_EQ_I(target_status("/a%00.txt"), 400);  /* NUL would cut the file name */
    SK_CHECK_EQ_I(target_status("/..\\etc"), 400);   /* backslash */
    SK_CHECK_EQ_I(target_status("/%5c..%5cetc"), 400);
    SK_CHECK_EQ_I(target_status("/%zz"), 400);
    SK_CHECK_EQ_I(target_status("/a%4"), 400);
    SK_CHECK_EQ_I(target_status("/a%"), 400);
    SK_CHECK_EQ_I(target_status("*"), 400);
    SK_CHECK_EQ_I(target_status("index.html"), 400);
}

/* RFC 9112 §3.2.2: the absolute-form MUST be accepted; the path is served. */
static void test_parse_absolute_form(void)
{
    char buf[256];
    tool_http_req req;
    snprintf(buf, sizeof buf, "GET http://h:8080/a/b.txt?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    SK_CHECK_EQ_I(parse(buf, &req), 0);
    SK_CHECK_STR(req.path, "/a/b.txt");
    SK_CHECK_EQ_I(target_status("HTTP://h"), 0);
    snprintf(buf, sizeof buf, "GET http://h HTTP/1.1\r\nHost: x\r\n\r\n");
    SK_CHECK_EQ_I(parse(buf, &req), 0);
    SK_CHECK_STR(req.path, "/");
    SK_CHECK_EQ_I(target_status("https://h/x"), 0);
    /* the path rules still apply */
    SK_CHECK_EQ_I(target_status("http://h/../etc/passwd"), 403);
    SK_CHECK_EQ_I(target_status("http://h/a%00"), 400);
    SK_CHECK_EQ_I(target_status("http:///x"), 400); /* no host */
    SK_CHECK_EQ_I(target_status("ftp://h/x"), 400);
}

static void test_parse_path_too_long(void)
{
    char t[TOOL_HTTP_MAX_PATH + 2];
    memset(t, 'a', sizeof t - 1);
    t[0] = '/';
    t[sizeof t - 1] = '\0';
    SK_CHECK_EQ_I(target_status(t), 414);
    t[TOOL_HTTP_MAX_PATH - 1] = '\0'; /* 1023 bytes and the NUL fit */
    SK_CHECK_EQ_I(target_status(t), 0);
}

static void test_parse_methods(void)
{
    tool_http_req req;
    /* a refused method without a body leaves the connection usable */
    SK_CHECK_EQ_I(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 405);
    SK_CHECK(req.keep_alive);
    SK_CHECK_EQ_I(parse("get / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 405); /* case-sensitive */
    /* a body we do not read: answer, then close */
    SK_CHECK_EQ_I(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", &req), 405);
    SK_CHECK(!req.keep_alive);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", &req),
                  400);
    SK_CHECK(!req.keep_alive);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &req), 0);
    SK_CHECK_EQ_I(parse("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 400); /* not a token */
}

static void test_parse_versions_and_lines(void)
{
    tool_http_req req;
    SK_CHECK_EQ_I(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n", &req), 505);
    SK_CHECK(!req.keep_alive);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.10\r\nHost: h\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("GET / http/1.1\r\nHost: h\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("GET /\r\n\r\n", &req), 400); /* HTTP/0.9 */
    SK_CHECK_EQ_I(parse("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("garbage\r\n\r\n", &req), 400);
    SK_CHECK(!req.keep_alive);
}

static void test_parse_host_and_fields(void)
{
    tool_http_req req;
    /* RFC 9112 §3.2: exactly one Host in HTTP/1.1, else 400 and close */
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\n\r\n", &req), 400);
    SK_CHECK(!req.keep_alive);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &req), 400); /* §5.1 */
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", &req), 400);
    SK_CHECK_EQ_I(parse("GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n", &req), 400);
}

/* The value of field `name` in a response head, or NULL. */
static const char *field(const char *head, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *p = strstr(head, key);
    if (p == NULL)
        return NULL;
    p += strlen(key);
    const char *e = strstr(p, "\r\n");
    size_t n = (size_t)(e - p) < cap - 1 ? (size_t)(e - p) : cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static void test_response_head_fields(void)
{
    char buf[512], v[128];
    size_t n = tool_http_response_head(buf, sizeof buf, 200, 1, true, 12345, "text/plain");
    SK_CHECK(n > 0 && n == strlen(buf));
    SK_CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    SK_CHECK(n >= 4 && strcmp(buf + n - 4, "\r\n\r\n") == 0);
    SK_CHECK_STR(field(buf, "Content-Length", v, sizeof v), "12345");
    SK_CHECK_STR(field(buf, "Content-Type", v, sizeof v), "text/plain");
    SK_CHECK(field(buf, "Connection", v, sizeof v) == NULL); /* 1.1 persists by default */
    SK_CHECK(field(buf, "Allow", v, sizeof v) == NULL);
    /* IMF-fixdate, RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT" */
    SK_CHECK(field(buf, "Date", v, sizeof v) != NULL);
    SK_CHECK_EQ(strlen(v), 29u);
    SK_CHECK(v[3] == ',' && v[4] == ' ' && v[16] == ' ' && v[19] == ':' && v[22] == ':');
    SK_CHECK_STR(v + 25, " GMT");
}

static void test_response_head_connection_and_allow(void)
{
    char buf[512], v[128];
    SK_CHECK(tool_http_response_head(buf, sizeof buf, 404, 1, false, 0, "text/plain") > 0);
    SK_CHECK(strncmp(buf, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    SK_CHECK_STR(field(buf, "Connection", v, sizeof v), "close");
    SK_CHECK(tool_http_response_head(buf, sizeof buf, 200, 0, true, 0, "text/plain") > 0);
    SK_CHECK_STR(field(buf, "Connection", v, sizeof v), "keep-alive"); /* 1.0 needs it said */
    SK_CHECK(tool_http_response_head(buf, sizeof buf, 405, 1, true, 0, "text/plain") > 0);
    SK_CHECK_STR(field(buf, "Allow", v, sizeof v), "GET, HEAD"); /* RFC 9110 §15.5.6 */
    SK_CHECK(tool_http_response_head(buf, sizeof buf, 408, 1, false, 0, "text/plain") > 0);
    SK_CHECK(strncmp(buf, "HTTP/1.1 408 Request Timeout\r\n", 30) == 0);
    SK_CHECK_EQ(tool_http_response_head(buf, 40, 200, 1, true, 0, "text/plain"), 0u);
}

static void test_mime_types(void)
{
    SK_CHECK_STR(tool_http_mime("/a/index.HTML"), "text/html; charset=utf-8");
    SK_CHECK_STR(tool_http_mime("/x.json"), "application/json");
    SK_CHECK_STR(tool_http_mime("/d.txt/file"), "application/octet-stream");
    SK_CHECK_STR(tool_http_mime("/noext"), "application/octet-stream");
}

int main(void)
{
    SK_RUN(test_head_len_ends);
    SK_RUN(test_head_len_skips_leading_empty_lines);
    SK_RUN(test_parse_get_fields);
    SK_RUN(test_parse_keep_alive_rules);
    SK_RUN(test_parse_traversal_refused);
    SK_RUN(test_parse_bad_targets);
    SK_RUN(test_parse_absolute_form);
    SK_RUN(test_parse_path_too_long);
    SK_RUN(test_parse_methods);
    SK_RUN(test_parse_versions_and_lines);
    SK_RUN(test_parse_host_and_fields);
    SK_RUN(test_response_head_fields);
    SK_RUN(test_response_head_connection_and_allow);
    SK_RUN(test_mime_types);
    return sk_test_finish();
}
