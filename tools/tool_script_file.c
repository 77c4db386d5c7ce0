/* `synack script`: reading a script file: comments, the "--name=value"
 * options before the first event, the xfail header, then one event per
 * line through sc_parse_line. */
#include "tool_script.h"

#include "posix/posix_alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Our address: 192.0.2.1/24 (the shorthand) or 2001:db8::1/64 (the list). */
static void sc_setup_family(sc_setup *st, uint8_t family)
{
    sk_ipaddr us, peer;
    sc_addrs(family, &us, &peer);
    st->family = family;
    st->cfg.addr = family == SK_AF_INET4 ? sk_ip4_make(192, 0, 2, 1) : sk_ip4_make(0, 0, 0, 0);
    st->cfg.prefix_len = family == SK_AF_INET4 ? 24 : 0;
    st->cfg.n_addrs = family == SK_AF_INET4 ? 0 : 1;
    st->cfg.addrs[0].addr = us;
    st->cfg.addrs[0].prefix_len = 64;
}

void sc_setup_default(sc_setup *st)
{
    memset(st, 0, sizeof *st);
    sk_stack_config_default(&st->cfg);
    st->cfg.link = SK_LINK_IP;
    sc_setup_family(st, SK_AF_INET4);
    st->cfg.seed = 0x5eed;
    st->cfg.max_sockets = 16;
    st->cfg.alloc = sk_posix_allocator();
}

typedef struct {
    const char *name;
    size_t off;    /* offset in sk_stack_config; SIZE_MAX: special */
    uint8_t size;  /* 1 bool/u8, 2 u16, 4 u32 */
    uint64_t max;
} sc_optdef;

#define CFG(field, max) {#field, offsetof(sk_stack_config, field), sizeof(((sk_stack_config *)0)->field), max}
static const sc_optdef sc_optdefs[] = {
    CFG(sack, 1), CFG(timestamps, 1), CFG(window_scaling, 1), CFG(rack_tlp, 1),
    CFG(initial_window_segments, 64), CFG(rto_initial_us, 600000000u),
    CFG(rto_min_us, 600000000u), CFG(rto_var_min_us, 600000000u), CFG(rto_max_us, 600000000u),
    CFG(max_retries, 255), CFG(syn_retries, 255), CFG(delack_us, 600000000u),
    CFG(sack_compress_nr, 255), CFG(sack_compress_us, 600000000u), CFG(push_ack, 1), CFG(quick_acks, 15),
    CFG(time_wait_us, 600000000u), CFG(challenge_ack_limit, 1000000u),
    CFG(sndbuf, 1u << 30), CFG(rcvbuf, 1u << 30), CFG(mtu, 1600),
};

static int set_field(sk_stack_config *cfg, const sc_optdef *d, uint64_t v)
{
    uint8_t *p = (uint8_t *)cfg + d->off;
    if (d->size == 1 && (strcmp(d->name, "sack") == 0 || strcmp(d->name, "timestamps") == 0 ||
                         strcmp(d->name, "window_scaling") == 0 || strcmp(d->name, "rack_tlp") == 0)) {
        bool b = v != 0;
        memcpy(p, &b, sizeof b);
    } else if (d->size == 1) {
        uint8_t x = (uint8_t)v;
        memcpy(p, &x, 1);
    } else if (d->size == 2) {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, 2);
    } else {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
    }
    return 0;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
    if (*s == '\0')
        return -1;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

int sc_setup_option(sc_setup *st, const char *opt, char *err, size_t cap)
{
    const char *eq = strchr(opt, '=');
    if (strncmp(opt, "--", 2) != 0 || eq == NULL) {
        snprintf(err, cap, "an option is --name=value: '%s'", opt);
        return -1;
    }
    size_t n = (size_t)(eq - opt - 2);
    const char *val = eq + 1;
    uint64_t v;
    if (n == 18 && strncmp(opt + 2, "congestion_control", n) == 0) {
        if (strcmp(val, "newreno") == 0)
            st->cfg.congestion_control = "newreno";
        else if (strcmp(val, "cubic") == 0)
            st->cfg.congestion_control = "cubic";
        else
            goto bad;
        return 0;
    }
    if (n == 10 && strncmp(opt + 2, "ip_version", n) == 0) {
        if (strcmp(val, "ipv4") == 0 || strcmp(val, "ipv6") == 0) {
            sc_setup_family(st, strcmp(val, "ipv4") == 0 ? SK_AF_INET4 : SK_AF_INET6);
            return 0;
        }
        goto bad;
    }
    if (n == 15 && strncmp(opt + 2, "tolerance_usecs", n) == 0) {
        if (parse_num(val, 10000000u, &v) != 0)
            goto bad;
        st->tolerance_us = (uint32_t)v;
        return 0;
    }
    if (n == 3 && strncmp(opt + 2, "mss", n) == 0) {
        if (parse_num(val, 65535, &v) != 0)
            goto bad;
        st->mss = (uint16_t)v;
        return 0;
    }
    for (size_t i = 0; i < sizeof sc_optdefs / sizeof sc_optdefs[0]; i++) {
        const sc_optdef *d = &sc_optdefs[i];
        if (strlen(d->name) == n && strncmp(opt + 2, d->name, n) == 0) {
            if (parse_num(val, d->max, &v) != 0)
                goto bad;
            return set_field(&st->cfg, d, v);
        }
    }
    snprintf(err, cap, "unknown option '%.*s'", (int)n + 2, opt);
    return -1;
bad:
    snprintf(err, cap, "bad value in '%s'", opt);
    return -1;
}

/* Cut comments: "//" to the end of the line, and block comments, which may
 * span lines (*in_block carries that state). */
static void strip_comments(char *s, bool *in_block)
{
    char *w = s;
    for (char *r = s; *r != '\0';) {
        if (*in_block) {
            if (r[0] == '*' && r[1] == '/') {
                *in_block = false;
                r += 2;
            } else {
                r++;
            }
        } else if (r[0] == '/' && r[1] == '*') {
            *in_block = true;
            r += 2;
        } else if (r[0] == '/' && r[1] == '/') {
            break;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    while (w > s && isspace((unsigned char)w[-1]))
        *--w = '\0';
}

static void take_xfail(sc_setup *st, const char *raw, int lineno)
{
    const char *x = strstr(raw, "// xfail:");
    if (x == NULL)
        return;
    x += 9;
    st->xfail_line = lineno;
    while (*x == ' ')
        x++;
    sc_copy(st->xfail, sizeof st->xfail, x);
    size_t n = strlen(st->xfail);
    while (n > 0 && isspace((unsigned char)st->xfail[n - 1]))
        st->xfail[--n] = '\0';
}

/* One line of the file; 0, or -1 after printing the error. */
static int parse_text_line(sc_script *sc, char *text, int lineno, bool *in_block, FILE *err)
{
    char msg[200];
    if (strchr(text, '\0') - text >= 1000) {
        fprintf(err, "%s:%d: line too long\n", sc->file, lineno);
        return -1;
    }
    take_xfail(&sc->setup, text, lineno);
    strip_comments(text, in_block);
    char *s = text;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    if (s[0] == '-' && s[1] == '-') {
        if (sc->n > 0) {
            fprintf(err, "%s:%d: options must come before the first event\n", sc->file, lineno);
            return -1;
        }
        if (sc_setup_option(&sc->setup, s, msg, sizeof msg) != 0) {
            fprintf(err, "%s:%d: %s\n", sc->file, lineno, msg);
            return -1;
        }
        return 0;
    }
    if (*s == '`') {
        fprintf(err, "%s:%d: shell commands are not supported\n", sc->file, lineno);
        return -1;
    }
    if (sc->n == SC_MAX_LINES) {
        fprintf(err, "%s:%d: more than %d events\n", sc->file, lineno, SC_MAX_LINES);
        return -1;
    }
    if (sc_parse_line(s, &sc->lines[sc->n], msg, sizeof msg) != 0) {
        fprintf(err, "%s:%d: %s\n", sc->file, lineno, msg);
        return -1;
    }
    sc->lines[sc->n++].line = lineno;
    return 0;
}

int sc_parse_file(sc_script *sc, const char *path, FILE *err)
{
    memset(sc, 0, sizeof *sc);
    sc->file = path;
    sc_setup_default(&sc->setup);
    sc->lines = calloc(SC_MAX_LINES, sizeof *sc->lines);
    FILE *f = fopen(path, "r");
    if (sc->lines == NULL || f == NULL) {
        fprintf(err, "%s:0: cannot read the script\n", path);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    char buf[1024];
    int lineno = 0, rc = 0;
    bool in_block = false;
    while (rc == 0 && fgets(buf, sizeof buf, f) != NULL) {
        lineno++;
        size_t n = strlen(buf);
        if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
            fprintf(err, "%s:%d: line too long\n", path, lineno);
            rc = -1;
            break;
        }
        rc = parse_text_line(sc, buf, lineno, &in_block, err);
    }
    fclose(f);
    if (rc == 0 && in_block) {
        fprintf(err, "%s:%d: unterminated /* comment\n", path, lineno);
        rc = -1;
    }
    if (rc == 0 && sc->n == 0) {
        fprintf(err, "%s:%d: no events in the script\n", path, lineno);
        rc = -1;
    }
    return rc;
}

void sc_script_free(sc_script *sc)
{
    free(sc->lines);
    sc->lines = NULL;
}
