"""Fixtures of the ABI tests: the installed tree named by SPARSEVAR_PREFIX.

    SPARSEVAR_PREFIX=<install prefix> python3 -m pytest tests/abi -q

scripts/test.sh builds the library with CMake, installs it into build/prefix and sets the variable.
Without it the tests that need the installed tree are skipped, with a message saying so.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from abi_support import Header, Installed, parse_header


@pytest.fixture(scope="session")
def installed() -> Installed:
    value = os.environ.get("SPARSEVAR_PREFIX")
    if not value:
        pytest.skip(
            "SPARSEVAR_PREFIX is not set: these tests check an installed libsparsevar "
            "(run scripts/test.sh, or `cmake --install build --prefix DIR` and set SPARSEVAR_PREFIX=DIR)"
        )
    prefix = Path(value).resolve()
    header = prefix / "include" / "sparsevar.h"
    pcs = sorted(prefix.glob("lib*/pkgconfig/sparsevar.pc")) + sorted(prefix.glob("lib*/*/pkgconfig/sparsevar.pc"))
    assert header.is_file(), f"{header} is not installed"
    assert pcs, f"no lib*/pkgconfig/sparsevar.pc under {prefix}"
    libraries = sorted(prefix.glob("lib*/libsparsevar.so")) + sorted(prefix.glob("lib*/*/libsparsevar.so"))
    assert libraries, f"no libsparsevar.so under {prefix}/lib*"
    library = libraries[0]
    return Installed(prefix, header, library, library.parent, pcs[0].parent)


@pytest.fixture(scope="session")
def header(installed: Installed) -> Header:
    return parse_header(installed.header.read_text())


@pytest.fixture(scope="session")
def pkg_env(installed: Installed) -> dict[str, str]:
    """The environment with PKG_CONFIG_PATH leading to the installed sparsevar.pc."""
    if not shutil.which("pkg-config"):
        pytest.skip("pkg-config is not installed (scripts/setup.sh installs it)")
    env = dict(os.environ)
    env["PKG_CONFIG_PATH"] = os.pathsep.join(
        [str(installed.pkgconfig_dir)] + [p for p in env.get("PKG_CONFIG_PATH", "").split(os.pathsep) if p]
    )
    return env
