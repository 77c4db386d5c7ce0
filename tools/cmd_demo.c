/* synack demo: placeholder until the subcommand lands (its own issue). */
#include "tool.h"

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tool_error("demo", "not built yet");
    return 1;
}
