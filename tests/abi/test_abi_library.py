"""The installed libsparsevar.so: exported symbols, SONAME, dependencies (kvazaar/waterline style)."""

from __future__ import annotations

import ctypes
import os
import re

from abi_support import Header, Installed, run

# nm's letters for local (not exported) symbols; any other letter of a defined symbol is exported.
LOCAL_NM_TYPES = set("abdgnrst")

# What libsparsevar.so may need at run time: the C library, OpenBLAS/LAPACKE, and the C++ runtime
# the static Swift runtime uses. A new dependency is a decision: add it here deliberately.
ALLOWED_NEEDED = re.compile(
    r"^(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|ld-linux[-\w.]*|libopenblas\w*|liblapacke|"
    r"libblas|liblapack|libcblas)\.so(\.\d+)*$"
)
SWIFT_RUNTIME = re.compile(r"libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu", re.I)


def exported_symbols(library) -> dict[str, str]:
    """Exported (global or weak) defined dynamic symbols -> nm type letter."""
    out = run(["nm", "-D", "--defined-only", "--format=posix", str(library)]).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1] not in LOCAL_NM_TYPES:
            symbols[fields[0].split("@")[0]] = fields[1]
    return symbols


def dynamic_section(library) -> str:
    return run(["readelf", "-d", "-W", str(library)]).stdout


def test_exports_match_header(installed: Installed, header: Header):
    """Every exported symbol is declared in the header, and every declared function is exported."""
    exported = set(exported_symbols(installed.library))
    missing = sorted(header.functions - exported)
    undeclared = sorted(exported - header.functions)
    assert not missing, f"declared in sparsevar.h but not exported by libsparsevar.so: {missing}"
    assert not undeclared, f"exported by libsparsevar.so but not declared in sparsevar.h: {undeclared}"


def test_exports_carry_the_prefix(installed: Installed):
    exported = exported_symbols(installed.library)
    assert exported, "libsparsevar.so exports nothing"
    wrong = sorted(name for name in exported if not name.startswith("sparsevar_"))
    assert not wrong, f"exported without the sparsevar_ prefix (see cmake/exports.map): {wrong}"


def test_exports_are_functions(installed: Installed):
    """The ABI has functions only: no exported data that a layout change could break."""
    data = sorted(f"{name} ({kind})" for name, kind in exported_symbols(installed.library).items() if kind != "T")
    assert not data, f"exported symbols that are not functions: {data}"


def test_swift_runtime_is_linked_in(installed: Installed):
    """No Swift runtime symbol is left for another library to provide."""
    out = run(["nm", "-D", "--undefined-only", "--format=posix", str(installed.library)]).stdout
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    swift = sorted(n for n in names if n.startswith(("$s", "_$s", "swift_", "_swift_")))
    assert not swift, f"undefined Swift runtime symbols: {swift[:20]}"


def test_soname_carries_the_major_version(installed: Installed, header: Header):
    match = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", dynamic_section(installed.library))
    assert match, "libsparsevar.so has no SONAME"
    assert match.group(1) == f"libsparsevar.so.{header.major}"


def test_symlinks(installed: Installed, header: Header):
    """libsparsevar.so -> libsparsevar.so.MAJOR -> libsparsevar.so.MAJOR.MINOR.PATCH (a file)."""
    version = header.macros["SPARSEVAR_VERSION_STRING"].strip('"')
    development = installed.libdir / "libsparsevar.so"
    soname = installed.libdir / f"libsparsevar.so.{header.major}"
    real = installed.libdir / f"libsparsevar.so.{version}"
    assert development.is_symlink() and os.readlink(development) == soname.name
    assert soname.is_symlink() and os.readlink(soname) == real.name
    assert real.is_file() and not real.is_symlink()


def test_no_runpath(installed: Installed):
    """Dependencies come from the system's search path, never from the library's directory."""
    dynamic = dynamic_section(installed.library)
    assert "(RPATH)" not in dynamic and "(RUNPATH)" not in dynamic, dynamic


def test_no_swift_runtime_dependency(installed: Installed):
    """ldd: the Swift runtime and Foundation are linked statically, and every dependency resolves."""
    out = run(["ldd", str(installed.library)]).stdout
    assert "not found" not in out, out
    swift = [line.strip() for line in out.splitlines() if SWIFT_RUNTIME.search(line)]
    assert not swift, f"libsparsevar.so needs the Swift runtime at run time: {swift}"


def test_needed_libraries_are_expected(installed: Installed):
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic_section(installed.library))
    unexpected = sorted(n for n in needed if not ALLOWED_NEEDED.match(n))
    assert not unexpected, f"unexpected run-time dependencies (extend ALLOWED_NEEDED deliberately): {unexpected}"


def test_loads_in_a_process_without_swift(installed: Installed, header: Header):
    """Python has no Swift runtime: the library loads and answers on its own."""
    library = ctypes.CDLL(str(installed.library))
    library.sparsevar_version_number.restype = ctypes.c_int32
    library.sparsevar_version_number.argtypes = []
    assert library.sparsevar_version_number() == int(header.macros["SPARSEVAR_VERSION_NUMBER"])
