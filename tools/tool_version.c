/* `synack --version` / `synack -V`: the project version (CMake's
 * project(VERSION)) and, in a git checkout, `git describe` at build time. */
#include "tool.h"

#include "synack_version.h"

#include <stdio.h>

void tool_print_version(FILE *f)
{
    if (SYNACK_GIT_DESCRIBE[0] != '\0')
        fprintf(f, "synack %s (git %s)\n", SYNACK_VERSION, SYNACK_GIT_DESCRIBE);
    else
        fprintf(f, "synack %s\n", SYNACK_VERSION);
}
