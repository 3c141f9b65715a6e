"""include/sparsevar.h: generated from the Swift sources, current, and valid C99 and C++."""

from __future__ import annotations

import subprocess
import sys

import pytest

from abi_support import ROOT, Header, Installed, compiler, run

GENERATOR = ROOT / "scripts" / "generate_header.py"

# A translation unit that uses the header's types, constants and one function of each kind.
USE_HEADER = r"""
#include <sparsevar.h>

static int use_header(void) {
  sparsevar_status status = SPARSEVAR_OK;
  const char *text = sparsevar_errstr(status);
  return text != NULL && sparsevar_version_number() == SPARSEVAR_VERSION_NUMBER;
}

int main(void) { return use_header() ? 0 : 1; }
"""

STRICT = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
COMPILE_CASES = [
    ("cc", "c", "-std=c99", ["-Wstrict-prototypes", "-Wmissing-prototypes"]),
    ("cc", "c", "-std=c11", []),
    ("c++", "c++", "-std=c++11", []),
    ("c++", "c++", "-std=c++17", []),
    ("clang", "c", "-std=c99", ["-Wstrict-prototypes"]),
    ("clang++", "c++", "-std=c++11", []),
]


def test_header_is_up_to_date():
    """The committed header is what scripts/generate_header.py makes of the current sources."""
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, (
        "include/sparsevar.h is stale or cannot be generated; run `python3 scripts/generate_header.py`:\n"
        + result.stdout[-6000:]
        + result.stderr[-4000:]
    )


def test_installed_header_is_the_repository_header(installed: Installed):
    assert installed.header.read_bytes() == (ROOT / "include" / "sparsevar.h").read_bytes()


@pytest.mark.parametrize(
    "compiler_name,language,standard,extra",
    [pytest.param(*case, id=f"{case[0]}{case[2]}") for case in COMPILE_CASES],
)
def test_header_compiles(installed: Installed, tmp_path, compiler_name, language, standard, extra):
    source = tmp_path / ("use_header.c" if language == "c" else "use_header.cpp")
    source.write_text(USE_HEADER)
    run(compiler(compiler_name) + [standard, *STRICT, *extra, f"-I{installed.header.parent}", "-fsyntax-only", str(source)])


def test_every_function_is_declared_with_sparsevar_api(header: Header):
    assert header.functions, "no function declarations found in the header"
    assert header.functions == header.api_functions, sorted(header.functions ^ header.api_functions)


def test_version_macros_agree(header: Header):
    major, minor, patch = (int(header.macros[f"SPARSEVAR_VERSION_{p}"]) for p in ("MAJOR", "MINOR", "PATCH"))
    assert int(header.macros["SPARSEVAR_VERSION_NUMBER"]) == major * 10000 + minor * 100 + patch
    assert header.macros["SPARSEVAR_VERSION_STRING"] == f'"{major}.{minor}.{patch}"'


def test_status_codes(header: Header):
    """SPARSEVAR_OK is 0, every SPARSEVAR_E_* is negative, and no two codes share a value."""
    codes = header.status_codes
    assert codes.get("SPARSEVAR_OK") == 0
    assert all(value < 0 for name, value in codes.items() if name != "SPARSEVAR_OK")
    assert len(set(codes.values())) == len(codes)
