// A plugin built with clang and wasi-libc (here through `zig cc`) as a WASI reactor: its
// constructors run from wasi-libc's `_initialize`, and its stdio, clocks, sleep, environment,
// files and heap are wasi-libc's. It reports facts that do not depend on the host.
#include "extism.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int constructed = 0;

__attribute__((constructor)) static void construct(void) { constructed += 1; }

static int count_environ(void) {
    int n = 0;
    while (environ && environ[n]) n++;
    return n;
}

__attribute__((export_name("probe"))) int probe(void) {
    char input[64] = {0};
    extism_input(input, sizeof input - 1);
    struct timespec real, before, after;
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &before);
    usleep(1000);
    clock_gettime(CLOCK_MONOTONIC, &after);
    int slept = (after.tv_sec - before.tv_sec) * 1000000000L + (after.tv_nsec - before.tv_nsec) >= 1000000;
    errno = 0;
    FILE *file = fopen("/etc/passwd", "r");
    int open_errno = file ? 0 : errno;
    char *heap = malloc(1 << 20);
    int heap_ok = heap != NULL;
    free(heap);
    printf("c_probe: %s\n", input);
    fflush(stdout);
    char report[256];
    snprintf(report, sizeof report,
             "{\"input\":\"%s\",\"constructed\":%d,\"after_2020\":%d,\"slept\":%d,\"environ\":%d,"
             "\"open_errno\":%d,\"heap\":%d}",
             input, constructed, real.tv_sec > 1577836800L, slept, count_environ(), open_errno, heap_ok);
    extism_output_text(report);
    return 0;
}

// Fails with a message and a return code, as a C plugin reports an error.
__attribute__((export_name("fail"))) int fail(void) {
    const char *message = "c_probe failed";
    extism_error_set(extism_block(message, strlen(message)));
    return 3;
}
