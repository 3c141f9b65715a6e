"""Loading the library, the prototype table and the version check."""

import ctypes
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import sparsevar
from sparsevar import _lib

PACKAGE = os.path.dirname(sparsevar.__file__)


def test_version():
    number = sparsevar.version_number()
    assert sparsevar.version() == f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    assert number // 10000 == int(sparsevar.__version__.split(".")[0])


def test_every_prototype_is_declared():
    names = [name for name, _, _ in _lib._PROTOTYPES]
    assert len(names) == len(set(names))
    assert _lib.lib.missing == []
    for name, restype, argtypes in _lib._PROTOTYPES:
        function = getattr(_lib.lib._cdll, name)
        assert function.argtypes == argtypes
        if restype is _lib._status:
            assert function.restype is ctypes.c_int32
            assert function.errcheck is _lib._check_status
        else:
            assert function.restype is restype
            assert function.errcheck is not _lib._check_status


def test_every_exported_symbol_is_bound():
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("nm not available")
    path = os.path.realpath(_lib.lib.path)
    if not os.path.exists(path):
        pytest.skip(f"library path {path} is not a file")
    output = subprocess.run([nm, "-D", "--defined-only", path], capture_output=True, text=True,
                            check=True).stdout
    exported = {line.split()[-1] for line in output.splitlines()
                if line.split() and line.split()[-1].startswith("sparsevar_")}
    declared = {name for name, _, _ in _lib._PROTOTYPES}
    assert exported - declared == set(), "functions the binding does not declare"
    assert declared - exported == set(), "functions the library does not export"


def _import_in_subprocess(env, cwd):
    code = "import sparsevar; print(sparsevar.library_path)"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def _clean_env(**extra):
    env = {key: value for key, value in os.environ.items()
           if key not in ("SPARSEVAR_LIBRARY", "PKG_CONFIG_PATH", "LD_LIBRARY_PATH")}
    env["PKG_CONFIG_PATH"] = ""
    env["PKG_CONFIG_LIBDIR"] = "/nonexistent"
    env.update(extra)
    return env


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the package (without any bundled library) in a temporary folder."""
    target = tmp_path / "site" / "sparsevar"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "libsparsevar*"))
    return target


def test_explicit_library_that_cannot_load_is_an_import_error(package_copy):
    result = _import_in_subprocess(_clean_env(SPARSEVAR_LIBRARY="/nonexistent/libsparsevar.so"),
                                   package_copy.parent)
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "SPARSEVAR_LIBRARY" in result.stderr


def test_nothing_found_explains_what_was_tried(package_copy, tmp_path):
    env = _clean_env(LD_LIBRARY_PATH=str(tmp_path))
    result = _import_in_subprocess(env, package_copy.parent)
    if result.returncode == 0:
        pytest.skip(f"a system-wide libsparsevar is installed: {result.stdout.strip()}")
    for words in ("SPARSEVAR_LIBRARY: not set", "package folder", "pkg-config",
                  "find_library", "set SPARSEVAR_LIBRARY="):
        assert words in result.stderr


def test_bundled_library_is_found(package_copy):
    shutil.copy(os.path.realpath(_lib.lib.path), package_copy / "libsparsevar.so")
    result = _import_in_subprocess(_clean_env(), package_copy.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(package_copy / "libsparsevar.so")


def test_pkg_config_libdir_is_used(package_copy, tmp_path):
    if shutil.which("pkg-config") is None:
        pytest.skip("pkg-config not available")
    libdir = tmp_path / "prefix" / "lib"
    libdir.mkdir(parents=True)
    shutil.copy(os.path.realpath(_lib.lib.path), libdir / "libsparsevar.so")
    pcdir = tmp_path / "pc"
    pcdir.mkdir()
    (pcdir / "sparsevar.pc").write_text(textwrap.dedent(f"""\
        libdir={libdir}
        Name: sparsevar
        Description: test
        Version: {sparsevar.version()}
        Libs: -L${{libdir}} -lsparsevar
        """))
    result = _import_in_subprocess(_clean_env(PKG_CONFIG_PATH=str(pcdir), PKG_CONFIG_LIBDIR=""),
                                   package_copy.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(libdir / "libsparsevar.so")


def test_other_major_version_is_refused(monkeypatch):
    monkeypatch.setattr(_lib, "_MAJOR", _lib._MAJOR + 1)
    cdll, reason = _lib._open(_lib.lib.path)
    assert cdll is None and "needs major version" in reason
    monkeypatch.setattr(_lib, "_MAJOR", _lib._MAJOR - 1)
    cdll, reason = _lib._open(_lib.lib.path)
    assert cdll is not None and reason == ""


def test_not_a_sparsevar_library():
    import ctypes.util

    libm = ctypes.util.find_library("m")
    if libm is None:
        pytest.skip("no libm to load")
    cdll, reason = _lib._open(libm)
    assert cdll is None and "not libsparsevar" in reason


# -- the table against the C header ------------------------------------------------------------

def _header_path():
    candidates = []
    if os.environ.get("SPARSEVAR_PREFIX"):
        candidates.append(os.path.join(os.environ["SPARSEVAR_PREFIX"], "include", "sparsevar.h"))
    if shutil.which("pkg-config"):
        result = subprocess.run(["pkg-config", "--variable=includedir", "sparsevar"],
                                capture_output=True, text=True)
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(os.path.join(result.stdout.strip(), "sparsevar.h"))
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "..", "include", "sparsevar.h"))
    for path in candidates:
        if os.path.exists(path):
            return path
    pytest.skip("sparsevar.h not found (set SPARSEVAR_PREFIX)")


def _split_top_level(text):
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    if current.strip():
        parts.append(current)
    return [part.strip() for part in parts]


def _ctype_of(declaration):
    """The ctypes type of one C parameter or return declaration (name included or not)."""
    import re

    from ctypes import (POINTER, c_char_p, c_double, c_float, c_int32, c_int64, c_uint8,
                        c_uint16, c_void_p)

    text = declaration.replace("const ", "").strip()
    if "(*" in text:
        callbacks = {
            "(int64_t, int64_t, void *)": _lib.PROGRESS_CALLBACK,
            "(int64_t, int64_t, int64_t, int64_t, double, void *)": _lib.TRAINING_PROGRESS_CALLBACK,
        }
        return callbacks[text[text.index(")") + 1:].strip()]
    named = re.fullmatch(r"(.*?[\s*])(\w+)", text)  # drop a parameter name
    if named and named.group(1).strip():
        text = named.group(1)
    stars = text.count("*")
    base = text.replace("*", "").strip()
    scalars = {"int32_t": c_int32, "int64_t": c_int64, "double": c_double, "float": c_float,
               "uint8_t": c_uint8, "uint16_t": c_uint16}
    if base == "char" and stars == 1:
        return c_char_p
    if base == "void":
        return None if stars == 0 else c_void_p
    if base.startswith("sparsevar_") and base not in ("sparsevar_status",):
        if stars == 1:
            return c_void_p
        if stars == 2:
            return POINTER(c_void_p)
    if base in scalars:
        return scalars[base] if stars == 0 else POINTER(scalars[base])
    raise AssertionError(f"unmapped C type {declaration!r}")


def _header_prototypes(path):
    import re

    text = open(path).read()
    prototypes = {}
    for match in re.finditer(r"SPARSEVAR_API\s+([^;]*?)\b(sparsevar_\w+)\s*\(([^;]*)\)\s*;",
                             text, re.S):
        restype, name, arguments = match.group(1).strip(), match.group(2), match.group(3)
        arguments = " ".join(arguments.split())
        argtypes = [] if arguments in ("", "void") else [
            _ctype_of(argument) for argument in _split_top_level(arguments)]
        prototypes[name] = (_ctype_of(restype), argtypes)
    return prototypes


def test_table_matches_the_header():
    from ctypes import c_int32

    header = _header_prototypes(_header_path())
    table = {name: (c_int32 if restype is _lib._status else restype, argtypes)
             for name, restype, argtypes in _lib._PROTOTYPES}
    assert set(header) == set(table)
    for name, (restype, argtypes) in header.items():
        expected_restype, expected_argtypes = table[name]
        assert restype is expected_restype, name
        assert len(argtypes) == len(expected_argtypes), name
        for actual, expected in zip(argtypes, expected_argtypes):
            assert actual == expected or (
                hasattr(actual, "_type_") and hasattr(expected, "_type_")
                and actual._type_ is expected._type_), (name, actual, expected)


def test_enum_values_match_the_header():
    import re

    from sparsevar import model, stats, var

    text = open(_header_path()).read()
    constants = {name: int(value) for name, value in
                 re.findall(r"^\s*(SPARSEVAR_[A-Z0-9_]+)\s*=\s*(-?\d+)", text, re.M)}
    expected = {
        "SPARSEVAR_OK": _lib.OK, "SPARSEVAR_E_INVALID_ARGUMENT": _lib.E_INVALID_ARGUMENT,
        "SPARSEVAR_E_SHAPE": _lib.E_SHAPE, "SPARSEVAR_E_NON_FINITE": _lib.E_NON_FINITE,
        "SPARSEVAR_E_NOT_FITTED": _lib.E_NOT_FITTED, "SPARSEVAR_E_NUMERICAL": _lib.E_NUMERICAL,
        "SPARSEVAR_E_BUFFER_TOO_SMALL": _lib.E_BUFFER_TOO_SMALL,
        "SPARSEVAR_E_INTERRUPTED": _lib.E_INTERRUPTED, "SPARSEVAR_E_NO_MEMORY": _lib.E_NO_MEMORY,
        "SPARSEVAR_E_INTERNAL": _lib.E_INTERNAL,
        "SPARSEVAR_E_FORMAT": _lib.E_FORMAT, "SPARSEVAR_E_IO": _lib.E_IO,
        "SPARSEVAR_VAR_PARAM_LAG": var.PARAM_LAG, "SPARSEVAR_VAR_PARAM_LAMBDA": var.PARAM_LAMBDA,
        "SPARSEVAR_VAR_PARAM_EPS_GAMMA": var.PARAM_EPS_GAMMA,
        "SPARSEVAR_VAR_PARAM_NORMALIZE": var.PARAM_NORMALIZE,
        "SPARSEVAR_VAR_PARAM_INTERCEPT": var.PARAM_INTERCEPT,
        "SPARSEVAR_VAR_PARAM_MAX_ITER": var.PARAM_MAX_ITER,
        "SPARSEVAR_VAR_PARAM_CRITERION": var.PARAM_CRITERION,
        "SPARSEVAR_VAR_PARAM_THREADS": var.PARAM_THREADS,
        "SPARSEVAR_CRITERION_NONE": var._CRITERIA[None],
        "SPARSEVAR_CRITERION_AIC": var._CRITERIA["aic"],
        "SPARSEVAR_CRITERION_BIC": var._CRITERIA["bic"],
        "SPARSEVAR_GRADIENT_UNROLLED": 0, "SPARSEVAR_GRADIENT_IMPLICIT": 1,
        "SPARSEVAR_TEST_PARAM_METHOD": stats.PARAM_METHOD,
        "SPARSEVAR_TEST_PARAM_PERMUTATIONS": stats.PARAM_PERMUTATIONS,
        "SPARSEVAR_TEST_PARAM_SEED": stats.PARAM_SEED,
        "SPARSEVAR_TEST_PARAM_EXACT_LIMIT": stats.PARAM_EXACT_LIMIT,
        "SPARSEVAR_TEST_PARAM_THREADS": stats.PARAM_THREADS,
        "SPARSEVAR_RANK_SUM_METHOD_ASYMPTOTIC": stats._METHODS["asymptotic"],
        "SPARSEVAR_RANK_SUM_METHOD_EXACT": stats._METHODS["exact"],
        "SPARSEVAR_ALTERNATIVE_GREATER": stats._ALTERNATIVES["greater"],
        "SPARSEVAR_ALTERNATIVE_LESS": stats._ALTERNATIVES["less"],
        "SPARSEVAR_ALTERNATIVE_TWO_SIDED": stats._ALTERNATIVES["two-sided"],
    }
    python_to_table = {python: table for table, python in model._PYTHON_NAMES.items()}
    for name, value in model._PARAMS.items():
        expected[f"SPARSEVAR_AUTOENCODER_PARAM_{python_to_table.get(name, name).upper()}"] = value
    for code, name in enumerate(model._PARAMETERS["mode"].options):
        expected[f"SPARSEVAR_TRAINING_MODE_{name.upper()}"] = code
    for code, name in enumerate(model._PARAMETERS["map_readout"].options):
        expected[f"SPARSEVAR_MAP_READOUT_{name.upper()}"] = code
    for code, name in enumerate(model._PARAMETERS["intercept"].options):
        expected[f"SPARSEVAR_INTERCEPT_{name.upper()}"] = code
        assert var._INTERCEPTS[name] == code, name
    from sparsevar import synthetic

    for name, value in synthetic._PRESETS.items():
        expected[f"SPARSEVAR_SYNTHETIC_PRESET_{name.upper()}"] = value
    for name, value in synthetic._PARAMS.items():
        expected[f"SPARSEVAR_SYNTHETIC_PARAM_{name.upper()}"] = value
    from sparsevar import lars

    assert lars._GRADIENT_MODES == {"unrolled": 0, "implicit": 1}
    for name, value in expected.items():
        assert constants.get(name) == value, name
    unbound = set(constants) - set(expected)
    assert not unbound, f"header constants the binding does not know: {sorted(unbound)}"
