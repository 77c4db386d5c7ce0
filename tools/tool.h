/* Shared declarations for the `synack` command's subcommands. */
#ifndef SK_TOOL_H
#define SK_TOOL_H

/* Each subcommand: argv[0] is the subcommand name. Returns the exit status:
 * 0 success, 1 runtime failure (with a one-line message on stderr),
 * 2 bad usage (a one-line error and a hint to use --help). */
int cmd_demo(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_ping(int argc, char **argv);

/* Print "synack <cmd>: <message>" to stderr (printf-style). */
void tool_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
