/* `synack script`: verdicts and the coverage report (tool_script_report.c). */
#ifndef SK_TOOL_SCRIPT_REPORT_H
#define SK_TOOL_SCRIPT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

enum sc_verdict { SC_V_PASS, SC_V_FAIL, SC_V_XFAIL, SC_V_XPASS, SC_V_ERROR };

/* Parse and run one script with the command line's options: its verdict,
 * and the first error line (or the xfail reason) in detail. */
int sc_run_file(const char *path, char **opts, int n_opts, bool verbose, char *detail,
                size_t cap);
const char *sc_verdict_name(int v);
/* Run scripts, print a verdict line each: the exit status of cmd_script. */
int sc_run_files(char **files, int n, char **opts, int n_opts, bool verbose);
/* Run scripts and write the Markdown report mapping the TCP table rows of
 * `coverage` (docs/rfc-coverage.md) to the scripts whose "// rfc: ROW"
 * header lines name them, with their verdicts. 0 when every script passed
 * (or failed as its xfail says) and every header names a row. */
int sc_report(const char *out, const char *coverage, char **files, int n, char **opts,
              int n_opts);

#endif
