"""Helpers of the ABI tests (a module of its own, so that no test imports `conftest`)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Installed:
    prefix: Path
    header: Path  # <prefix>/include/sparsevar.h
    library: Path  # <libdir>/libsparsevar.so (the development symlink)
    libdir: Path
    pkgconfig_dir: Path  # directory of sparsevar.pc


@dataclass(frozen=True)
class Header:
    text: str
    functions: frozenset[str]  # every function declared (names of `sparsevar_x(` declarators)
    api_functions: frozenset[str]  # the ones declared with SPARSEVAR_API
    macros: dict[str, str]  # SPARSEVAR_VERSION_* and friends
    status_codes: dict[str, int]  # SPARSEVAR_OK and SPARSEVAR_E_* -> value

    @property
    def major(self) -> int:
        return int(self.macros["SPARSEVAR_VERSION_MAJOR"])


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs a command, failing the test with its output when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(map(str, cmd))}` failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def parse_header(text: str) -> Header:
    code = strip_comments(text)
    macros = dict(re.findall(r"^\s*#\s*define\s+(SPARSEVAR_\w+)[ \t]+(.+?)\s*$", code, re.M))
    declarations = re.sub(r"^\s*#.*$", "", code, flags=re.M)  # no preprocessor lines
    functions = frozenset(re.findall(r"\b(sparsevar_\w+)\s*\(", declarations))
    api_functions = frozenset(re.findall(r"\bSPARSEVAR_API\b[^;{}]*?\b(sparsevar_\w+)\s*\(", declarations))
    status_codes = {
        name: int(value)
        for name, value in re.findall(r"\b(SPARSEVAR_(?:OK|E_\w+))\s*=\s*(-?\d+)", declarations)
    }
    return Header(text, functions, api_functions, macros, status_codes)


def compiler(name: str) -> list[str]:
    """A compiler command; `cc`/`c++` mean $CC/$CXX, else gcc/g++. Skips the test when absent."""
    default = {"cc": os.environ.get("CC", "gcc"), "c++": os.environ.get("CXX", "g++")}
    command = shlex.split(default.get(name, name))
    if not shutil.which(command[0]):
        pytest.skip(f"compiler `{command[0]}` is not installed")
    return command
