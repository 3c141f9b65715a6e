/* fuzz_input.c - see fuzz_input.h. */
#define _GNU_SOURCE
#include "fuzz_input.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static char input_path[4096];

static void remove_input(void) {
  if (input_path[0] != '\0') unlink(input_path);
}

const char *fuzz_input_file(const char *extension, const uint8_t *data, size_t size) {
  if (input_path[0] == '\0') {
    const char *directory = getenv("TMPDIR");
    snprintf(input_path, sizeof input_path, "%s/sparsevar-fuzz-XXXXXX%s",
             directory && *directory ? directory : "/tmp", extension);
    int fd = mkstemps(input_path, (int)strlen(extension));
    if (fd < 0) {
      perror("fuzz: mkstemps");
      abort();
    }
    close(fd);
    atexit(remove_input);
  }
  int fd = open(input_path, O_WRONLY | O_TRUNC);
  if (fd < 0) {
    perror("fuzz: open");
    abort();
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) {
      perror("fuzz: write");
      abort();
    }
    done += (size_t)n;
  }
  close(fd);
  return input_path;
}

void fuzz_require_status(const char *call, int32_t status, const int32_t *allowed, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (status == allowed[i]) return;
  }
  fprintf(stderr, "fuzz: %s returned %d (%s): %s\n", call, (int)status, sparsevar_errstr(status),
          sparsevar_last_error());
  abort();
}
