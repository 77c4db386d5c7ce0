/* `synack script --report`: which conformance script proves which row of
 * docs/rfc-coverage.md's TCP table, and whether it passes.
 *
 * A script names its rows in header comments "// rfc: CELL", CELL being
 * the row's first cell exactly ("9293 §3.5"); "// rfc: CELL ~ WORDS"
 * picks, among rows sharing that cell, one whose rule contains WORDS. The
 * first such row in the file is taken (rows are appended, never
 * reordered, so a row added later with the same cell does not move a
 * script). A header naming no row is an error of the report. */
#include "tool_script_report.h"
#include "tool_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RP_MAX_ROWS 256
#define RP_MAX_TAGS 8

typedef struct {
    char cell[120];
    char rule[400];
    int scripts[32];  /* indices into the scripts */
    int n_scripts;
} rp_row;

typedef struct {
    const char *path;
    char tags[RP_MAX_TAGS][200];
    int n_tags;
    int verdict;
    char detail[700];
} rp_script;

static void trim(char *s)
{
    size_t b = strspn(s, " \t");
    memmove(s, s + b, strlen(s + b) + 1);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        s[--n] = '\0';
}

/* The rows of the table under "## TCP"; their count, or -1. */
static int read_rows(const char *path, rp_row *rows)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    static char line[16384];
    int n = 0;
    bool in_tcp = false;
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#') {
            if (in_tcp)
                break;
            in_tcp = strncmp(line, "## TCP", 6) == 0;
            continue;
        }
        if (!in_tcp || line[0] != '|' || strncmp(line, "| RFC, section", 14) == 0 ||
            strncmp(line, "|---", 4) == 0 || n == RP_MAX_ROWS)
            continue;
        char *cell = line + 1, *bar = strchr(cell, '|');
        if (bar == NULL)
            continue;
        *bar = '\0';
        char *rule = bar + 1, *bar2 = strchr(rule, '|');
        if (bar2 != NULL)
            *bar2 = '\0';
        memset(&rows[n], 0, sizeof rows[n]);
        sc_copy(rows[n].cell, sizeof rows[n].cell, cell);
        sc_copy(rows[n].rule, sizeof rows[n].rule, rule);
        trim(rows[n].cell);
        trim(rows[n].rule);
        n++;
    }
    fclose(f);
    return n;
}

static void read_tags(rp_script *sc)
{
    FILE *f = fopen(sc->path, "r");
    char line[1024];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *t = strstr(line, "// rfc:");
        if (t == NULL || sc->n_tags == RP_MAX_TAGS)
            continue;
        sc_copy(sc->tags[sc->n_tags], sizeof sc->tags[0], t + 7);
        trim(sc->tags[sc->n_tags++]);
    }
    if (f != NULL)
        fclose(f);
}

/* Attach script si to the row its tag names; -1 (printed) when none or
 * several match. */
static int map_tag(rp_row *rows, int n_rows, const rp_script *sc, int si, const char *tag)
{
    char key[200], words[200] = "";
    sc_copy(key, sizeof key, tag);
    char *tilde = strstr(key, " ~ ");
    if (tilde != NULL) {
        sc_copy(words, sizeof words, tilde + 3);
        *tilde = '\0';
    }
    int match = -1;
    for (int i = 0; i < n_rows && match < 0; i++)
        if (strcmp(rows[i].cell, key) == 0 && (words[0] == '\0' || strstr(rows[i].rule, words)))
            match = i; /* the first: rows are only ever appended */
    if (match < 0) {
        fprintf(stderr, "%s: '// rfc: %s' names no row of the TCP table\n", sc->path, tag);
        return -1;
    }
    if (rows[match].n_scripts < 32)
        rows[match].scripts[rows[match].n_scripts++] = si;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s != NULL ? s + 1 : p;
}

static void write_rows(FILE *o, const rp_row *rows, int n_rows, const rp_script *scripts)
{
    fprintf(o, "| RFC, section | rule | scripts | result |\n|---|---|---|---|\n");
    for (int i = 0; i < n_rows; i++) {
        const rp_row *r = &rows[i];
        char rule[84];
        size_t len = strlen(r->rule);
        memcpy(rule, r->rule, len < 80 ? len + 1 : 77);
        if (len >= 80) {
            size_t cut = 77;
            while (cut > 0 && ((unsigned char)rule[cut] & 0xC0) == 0x80)
                cut--; /* not inside a UTF-8 sequence */
            memcpy(rule + cut, "...", 4);
        }
        for (char *p = rule; *p; p++)
            if (*p == '|')
                *p = '/';
        fprintf(o, "| %s | %s | ", r->cell, rule);
        int xfail = 0, bad = 0;
        for (int k = 0; k < r->n_scripts; k++) {
            const rp_script *s = &scripts[r->scripts[k]];
            fprintf(o, "%s`%s`", k ? ", " : "", base_name(s->path));
            xfail += s->verdict == SC_V_XFAIL;
            bad += s->verdict != SC_V_PASS && s->verdict != SC_V_XFAIL;
        }
        if (r->n_scripts == 0)
            fprintf(o, "— | no script |\n");
        else
            fprintf(o, " | %s |\n", bad > 0 ? "**FAIL**" : xfail > 0 ? "xfail (known deviation)" : "pass");
    }
}

static void write_scripts(FILE *o, const rp_script *scripts, int n)
{
    fprintf(o, "\n## Scripts\n\n| script | RFC rows | verdict | detail |\n|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        const rp_script *s = &scripts[i];
        fprintf(o, "| `%s` | ", base_name(s->path));
        for (int t = 0; t < s->n_tags; t++)
            fprintf(o, "%s%s", t ? "; " : "", s->tags[t]);
        char detail[700];
        sc_copy(detail, sizeof detail, s->detail);
        for (char *p = detail; *p; p++)
            if (*p == '|')
                *p = '/';
        fprintf(o, " | %s | %s |\n", sc_verdict_name(s->verdict), s->verdict == SC_V_PASS ? "" : detail);
    }
}

static int write_report(const char *out, const rp_row *rows, int n_rows, const rp_script *scripts,
                        int n)
{
    FILE *o = fopen(out, "w");
    if (o == NULL)
        return -1;
    int counts[SC_V_ERROR + 1] = {0}, covered = 0;
    for (int i = 0; i < n; i++)
        counts[scripts[i].verdict]++;
    for (int i = 0; i < n_rows; i++)
        covered += rows[i].n_scripts > 0;
    fprintf(o, "# Conformance report\n\nGenerated by `synack script --report` from the scripts in "
               "`tests/conformance/` (docs/conformance.md) and the TCP table of "
               "`docs/rfc-coverage.md`: each row, the scripts whose `// rfc:` header names it, "
               "and their result against synack in virtual time.\n\n");
    fprintf(o, "%d scripts: %d pass, %d fail, %d fail as expected (xfail), %d pass unexpectedly, "
               "%d malformed. %d of %d rows have a script.\n\n",
            n, counts[SC_V_PASS], counts[SC_V_FAIL], counts[SC_V_XFAIL], counts[SC_V_XPASS],
            counts[SC_V_ERROR], covered, n_rows);
    write_rows(o, rows, n_rows, scripts);
    write_scripts(o, scripts, n);
    return fclose(o) == 0 ? 0 : -1;
}

int sc_report(const char *out, const char *coverage, char **files, int n, char **opts, int n_opts)
{
    rp_row *rows = calloc(RP_MAX_ROWS, sizeof *rows);
    rp_script *scripts = calloc((size_t)n, sizeof *scripts);
    int n_rows = rows != NULL && scripts != NULL ? read_rows(coverage, rows) : -1;
    if (n_rows <= 0) {
        fprintf(stderr, "synack script: no TCP table in %s\n", coverage);
        free(rows);
        free(scripts);
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        rp_script *s = &scripts[i];
        s->path = files[i];
        read_tags(s);
        if (s->n_tags == 0) {
            fprintf(stderr, "%s: no '// rfc:' header line\n", s->path);
            rc = 1;
        }
        for (int t = 0; t < s->n_tags; t++)
            if (map_tag(rows, n_rows, s, i, s->tags[t]) != 0)
                rc = 1;
        s->verdict = sc_run_file(s->path, opts, n_opts, false, s->detail, sizeof s->detail);
        printf("%-5s %s\n", sc_verdict_name(s->verdict), s->path);
        if (s->verdict != SC_V_PASS && s->verdict != SC_V_XFAIL)
            rc = 1;
    }
    if (write_report(out, rows, n_rows, scripts, n) != 0) {
        fprintf(stderr, "synack script: cannot write %s\n", out);
        rc = 1;
    }
    free(rows);
    free(scripts);
    return rc;
}
