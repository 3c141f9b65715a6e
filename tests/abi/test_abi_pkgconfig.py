"""sparsevar.pc: its flags alone build a C (and a C++) program against the installed library.

The programs are linked with `-Wl,-rpath,$(pkg-config --variable=libdir sparsevar)`, the choice
the examples make too: the test runs them without LD_LIBRARY_PATH, as a user's program would run.
"""

from __future__ import annotations

import shlex

import pytest

from abi_support import Header, Installed, compiler, run

PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include <sparsevar.h>

static const struct { const char *name; int32_t code; } codes[] = {
@CODES@
};

int main(void) {
  size_t i, j, count = sizeof codes / sizeof codes[0];
  int failures = 0;
  if (sparsevar_version_number() != SPARSEVAR_VERSION_NUMBER) {
    printf("run-time version %d, header version %d\n", (int)sparsevar_version_number(), SPARSEVAR_VERSION_NUMBER);
    failures++;
  }
  if (strcmp(sparsevar_version_string(), SPARSEVAR_VERSION_STRING) != 0) {
    printf("run-time version \"%s\", header version \"%s\"\n", sparsevar_version_string(), SPARSEVAR_VERSION_STRING);
    failures++;
  }
  for (i = 0; i < count; i++) {
    const char *text = sparsevar_errstr(codes[i].code);
    if (text == NULL || text[0] == '\0') {
      printf("sparsevar_errstr(%s) is empty\n", codes[i].name);
      failures++;
      continue;
    }
    for (j = 0; j < i; j++) {
      if (strcmp(text, sparsevar_errstr(codes[j].code)) == 0) {
        printf("%s and %s share the description \"%s\"\n", codes[i].name, codes[j].name, text);
        failures++;
      }
    }
    printf("%-32s %4d  %s\n", codes[i].name, (int)codes[i].code, text);
  }
  if (sparsevar_errstr(12345) == NULL || sparsevar_last_error() == NULL) {
    printf("NULL from sparsevar_errstr(unknown code) or sparsevar_last_error()\n");
    failures++;
  }
  printf("%s\n", failures ? "FAILED" : "OK");
  return failures != 0;
}
"""


def pkg_config(env, *args: str) -> str:
    return run(["pkg-config", *args, "sparsevar"], env=env).stdout.strip()


def test_pkgconfig_metadata(installed: Installed, header: Header, pkg_env):
    assert pkg_config(pkg_env, "--modversion") == header.macros["SPARSEVAR_VERSION_STRING"].strip('"')
    libdir = pkg_config(pkg_env, "--variable=libdir")
    includedir = pkg_config(pkg_env, "--variable=includedir")
    assert (installed.libdir / "libsparsevar.so").samefile(f"{libdir}/libsparsevar.so")
    assert installed.header.samefile(f"{includedir}/sparsevar.h")
    libs = shlex.split(pkg_config(pkg_env, "--libs"))
    assert "-lsparsevar" in libs and f"-L{libdir}" in libs
    pkg_config(pkg_env, "--static", "--libs")  # Libs.private must resolve too


@pytest.mark.parametrize("language", ["c", "c++"])
def test_program_built_with_pkgconfig_flags(installed: Installed, header: Header, pkg_env, tmp_path, language):
    """Checks the version calls and sparsevar_errstr for every status code of the header."""
    assert header.status_codes, "no status codes in the header"
    codes = "\n".join(f'  {{"{name}", {name}}},' for name in sorted(header.status_codes, key=header.status_codes.get, reverse=True))
    if language == "c":
        source, command, standard = tmp_path / "check.c", compiler("cc"), "-std=c99"
    else:
        source, command, standard = tmp_path / "check.cpp", compiler("c++"), "-std=c++11"
    source.write_text(PROGRAM.replace("@CODES@", codes))
    flags = shlex.split(pkg_config(pkg_env, "--cflags", "--libs"))
    libdir = pkg_config(pkg_env, "--variable=libdir")
    executable = tmp_path / "check"
    run(command + [standard, "-Wall", "-Wextra", "-Werror", "-pedantic", str(source), *flags, f"-Wl,-rpath,{libdir}", "-o", str(executable)])
    env = {k: v for k, v in pkg_env.items() if k != "LD_LIBRARY_PATH"}
    result = run([str(executable)], env=env, timeout=60)
    assert result.stdout.strip().endswith("OK"), result.stdout
