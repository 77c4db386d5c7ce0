/* bench_provenance: see bench_provenance.h. */
#define _POSIX_C_SOURCE 200809L

#include "bench_provenance.h"

#include "bench_commit.h" /* generated: BENCH_COMMIT */

#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The first "model name" of /proc/cpuinfo, without its newline. */
static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        const char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            snprintf(buf, len, "%s", colon + (colon[1] == ' ' ? 2 : 1));
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

void bench_print_provenance(FILE *out, const char *prefix)
{
    struct utsname u;
    char model[200], date[64] = "unknown";
    cpu_model(model, sizeof model);
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(out, "%scommit: %s (built)\n", prefix, BENCH_COMMIT);
    fprintf(out, "%skernel: %s\n", prefix, uname(&u) == 0 ? u.release : "unknown");
    fprintf(out, "%scpu: %s\n", prefix, model);
    fprintf(out, "%scpus online: %ld\n", prefix, sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(out, "%sdate: %s\n", prefix, date);
}
