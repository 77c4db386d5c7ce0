/* `synack script FILE.pkt...`: run conformance scripts in packetdrill's
 * syntax against synack in virtual time (docs/conformance.md), and with
 * --report write the coverage report of docs/rfc-coverage.md's TCP rows. */
#include "tool.h"
#include "tool_script.h"
#include "tool_script_report.h"

#include <stdlib.h>
#include <string.h>

static void script_usage(FILE *f)
{
    fprintf(f,
            "usage: synack script [-v] [--tolerance_usecs=N] [--NAME=VALUE...] FILE.pkt...\n"
            "       synack script --report OUT.md --coverage RFC-COVERAGE.md FILE.pkt...\n"
            "Runs each script against one synack stack in virtual time; the script plays\n"
            "the peer (packetdrill's syntax, the subset in docs/conformance.md). Prints\n"
            "PASS, FAIL (with FILE:LINE: why), XFAIL (a failure the script's\n"
            "'// xfail: reason' expects) or XPASS (such a script passed: an error).\n"
            "Options before the files apply to every script, over its own.\n"
            "Exit status: 0 all passed (or failed as expected), 1 a script failed,\n"
            "2 bad usage or a malformed script.\n");
}

/* Run one file: its verdict (enum sc_verdict). */
int sc_run_file(const char *path, char **opts, int n_opts, bool verbose, char *detail,
                size_t cap)
{
    sc_script sc;
    FILE *err = tmpfile();
    if (err == NULL)
        err = stderr;
    int verdict;
    int pr = sc_parse_file(&sc, path, err);
    for (int i = 0; pr == 0 && i < n_opts; i++) {
        char msg[160];
        if (sc_setup_option(&sc.setup, opts[i], msg, sizeof msg) != 0) {
            fprintf(err, "%s:0: %s\n", path, msg);
            pr = -1;
        }
    }
    if (pr != 0)
        verdict = SC_V_ERROR;
    else if (sc_run(&sc, stdout, err, verbose) == 0)
        verdict = sc.setup.xfail[0] ? SC_V_XPASS : SC_V_PASS;
    else
        verdict = sc.setup.xfail[0] ? SC_V_XFAIL : SC_V_FAIL;
    detail[0] = '\0';
    if (err != stderr) {
        rewind(err);
        if (fgets(detail, (int)cap, err) == NULL)
            detail[0] = '\0';
        detail[strcspn(detail, "\n")] = '\0';
        fclose(err);
    }
    if (verdict == SC_V_XPASS) {
        snprintf(detail, cap, "%s:%d: passed, but its xfail says it fails: %s", path,
                 sc.setup.xfail_line, sc.setup.xfail);
    } else if (verdict == SC_V_XFAIL) {
        size_t n = strlen(detail);
        snprintf(detail + n, cap - n, " (expected to fail: %s)", sc.setup.xfail);
    }
    sc_script_free(&sc);
    return verdict;
}

const char *sc_verdict_name(int v)
{
    static const char *const names[] = {"PASS", "FAIL", "XFAIL", "XPASS", "ERROR"};
    return v >= 0 && v <= SC_V_ERROR ? names[v] : "?";
}

int cmd_script(int argc, char **argv)
{
    const char *report = NULL, *coverage = NULL;
    bool verbose = false;
    char **opts = calloc((size_t)argc, sizeof *opts);
    int n_opts = 0, first = 1;
    if (opts == NULL)
        return 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *a = argv[first];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            script_usage(stdout);
            free(opts);
            return 0;
        }
        if (strcmp(a, "-v") == 0) {
            verbose = true;
        } else if ((strcmp(a, "--report") == 0 || strcmp(a, "--coverage") == 0) && first + 1 < argc) {
            *(a[2] == 'r' ? &report : &coverage) = argv[++first];
        } else if (strncmp(a, "--", 2) == 0 && strchr(a, '=') != NULL) {
            opts[n_opts++] = argv[first];
        } else {
            tool_error("script", "unknown option '%s' (try: synack script --help)", a);
            free(opts);
            return 2;
        }
    }
    if (first == argc || (report != NULL) != (coverage != NULL)) {
        tool_error("script", "%s (try: synack script --help)",
                   first == argc ? "no script given" : "--report needs --coverage");
        free(opts);
        return 2;
    }
    int rc = report != NULL
                 ? sc_report(report, coverage, argv + first, argc - first, opts, n_opts)
                 : sc_run_files(argv + first, argc - first, opts, n_opts, verbose);
    free(opts);
    return rc;
}

int sc_run_files(char **files, int n, char **opts, int n_opts, bool verbose)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char detail[700];
        int v = sc_run_file(files[i], opts, n_opts, verbose, detail, sizeof detail);
        printf("%-5s %s\n", sc_verdict_name(v), files[i]);
        fflush(stdout);
        if (detail[0] != '\0' && v != SC_V_PASS)
            fprintf(v == SC_V_XFAIL ? stdout : stderr, "%s\n", detail);
        if (v == SC_V_ERROR)
            rc = 2;
        else if ((v == SC_V_FAIL || v == SC_V_XPASS) && rc == 0)
            rc = 1;
    }
    return rc;
}
