"""Loading libsparsevar and declaring its C API for ctypes.

This module is the only place that knows the C signatures. Everything else in the package calls
``lib.sparsevar_*`` through the prototypes declared in :data:`_PROTOTYPES`; no function is ever
called with ctypes' default (``int``) argument or result types.

Where the library is looked for, in this order:

1. the file named by the environment variable ``SPARSEVAR_LIBRARY`` (an error if it cannot be
   loaded: an explicit choice is never silently replaced by another library);
2. a ``libsparsevar.so*`` bundled inside this package's folder;
3. ``$(pkg-config --variable=libdir sparsevar)/libsparsevar.so.<major>`` (or ``libsparsevar.so``);
4. ``ctypes.util.find_library("sparsevar")`` (ldconfig's cache, ``LD_LIBRARY_PATH``...).

A library whose major version (``sparsevar_version_number() // 10000``) differs from this
binding's is refused, and the search goes on with the next candidate.

Errors. Every C call that returns a status code goes through :func:`_check_status`, which turns a
negative code into an exception carrying the code, the static text of ``sparsevar_errstr`` and the
per-thread detail of ``sparsevar_last_error``:

=====================  =====  ===========================================================
exception              code   also an instance of
=====================  =====  ===========================================================
InvalidArgumentError     -1   ValueError
ShapeError               -2   ValueError
NonFiniteError           -3   ValueError
NotFittedError           -4   ValueError, AttributeError (as scikit-learn's NotFittedError)
NumericalError           -5   ArithmeticError
BufferTooSmallError      -6   (a bug of this binding: please report it)
CancelledError           -7   (a progress callback returned False)
OutOfMemoryError         -8   MemoryError
ModelFileError           -9   ValueError (a truncated, corrupted or newer-version model file,
                                or a damaged or unsupported .npy / TIFF recording)
FileAccessError         -10   OSError (a file could not be opened, read or written)
SparseVARError          -99   (internal error) and any code this binding does not know
=====================  =====  ===========================================================

All of them derive from :class:`SparseVARError`, itself a :class:`RuntimeError`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import subprocess
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char_p,
    c_double,
    c_float,
    c_int32,
    c_int64,
    c_uint8,
    c_uint16,
    c_void_p,
)

__all__ = [
    "BINDING_VERSION",
    "BufferTooSmallError",
    "CancelledError",
    "InvalidArgumentError",
    "NonFiniteError",
    "NotFittedError",
    "NumericalError",
    "OutOfMemoryError",
    "PROGRESS_CALLBACK",
    "ShapeError",
    "SparseVARError",
    "TRAINING_PROGRESS_CALLBACK",
    "error_for_code",
    "lib",
    "library_path",
]

#: Version of this binding. Its major number must equal the C library's.
BINDING_VERSION = "0.1.0"
_MAJOR = int(BINDING_VERSION.split(".")[0])

# --------------------------------------------------------------------------------------------
# Status codes (Sources/CSparseVAR/Status.swift, sparsevar_status; pinned forever).

OK = 0
E_INVALID_ARGUMENT = -1
E_SHAPE = -2
E_NON_FINITE = -3
E_NOT_FITTED = -4
E_NUMERICAL = -5
E_BUFFER_TOO_SMALL = -6
E_INTERRUPTED = -7
E_NO_MEMORY = -8
E_FORMAT = -9
E_IO = -10
E_INTERNAL = -99


# --------------------------------------------------------------------------------------------
# Exceptions


class SparseVARError(RuntimeError):
    """An error reported by libsparsevar.

    Attributes:
        code: the C status code (negative int).
        errstr: the static description of the code (``sparsevar_errstr``).
        message: what was wrong and what to do (``sparsevar_last_error`` of the failing call, or
            a message of this binding for errors it detects itself).
    """

    def __init__(self, code: int, errstr: str, message: str):
        self.code = int(code)
        self.errstr = errstr
        self.message = message
        text = message if message else errstr
        super().__init__(f"{text} [sparsevar status {self.code}: {errstr}]")

    def __reduce__(self):
        return (type(self), (self.code, self.errstr, self.message))


class InvalidArgumentError(SparseVARError, ValueError):
    """An argument is out of range, unknown or inconsistent (status -1)."""


class ShapeError(SparseVARError, ValueError):
    """Array sizes do not match each other or the object's shape (status -2)."""


class NonFiniteError(SparseVARError, ValueError):
    """An input array contains NaN or infinity (status -3)."""


class NotFittedError(SparseVARError, ValueError, AttributeError):
    """The object has not been fitted yet (status -4)."""


class NumericalError(SparseVARError, ArithmeticError):
    """The computation is numerically impossible, e.g. a constant series (status -5)."""


class BufferTooSmallError(SparseVARError):
    """An output buffer was too small (status -6): a bug of this binding."""


class CancelledError(SparseVARError):
    """A progress callback asked to stop (status -7); the object is left as it was."""


class OutOfMemoryError(SparseVARError, MemoryError):
    """The library could not allocate memory (status -8)."""


class ModelFileError(SparseVARError, ValueError):
    """A model file is truncated, corrupted or of a newer format version, or a recording file
    (.npy, TIFF) is damaged or unsupported (status -9)."""


class FileAccessError(SparseVARError, OSError):
    """A file could not be opened, read or written (status -10)."""


_EXCEPTION_FOR_CODE = {
    E_INVALID_ARGUMENT: InvalidArgumentError,
    E_SHAPE: ShapeError,
    E_NON_FINITE: NonFiniteError,
    E_NOT_FITTED: NotFittedError,
    E_NUMERICAL: NumericalError,
    E_BUFFER_TOO_SMALL: BufferTooSmallError,
    E_INTERRUPTED: CancelledError,
    E_NO_MEMORY: OutOfMemoryError,
    E_FORMAT: ModelFileError,
    E_IO: FileAccessError,
}


def _decode(raw) -> str:
    if raw is None:
        return ""
    return raw.decode("utf-8", errors="replace")


def error_for_code(code: int, message: str | None = None) -> SparseVARError:
    """The exception for status `code`. Without `message`, this thread's
    ``sparsevar_last_error()`` is used, so call this right after the failing call."""
    errstr = _decode(lib.sparsevar_errstr(code))
    if message is None:
        message = _decode(lib.sparsevar_last_error())
    cls = _EXCEPTION_FOR_CODE.get(int(code), SparseVARError)
    return cls(code, errstr, message)


def _check_status(result, func, arguments):
    """ctypes errcheck of every status-returning call."""
    if result != OK:
        raise error_for_code(result)
    return result


# --------------------------------------------------------------------------------------------
# Prototypes: ONE table for every exported function.

#: Marks a function returning an int32 status code: restype c_int32 plus the errcheck.
_status = "status"
_handle = c_void_p  # an opaque sparsevar_* pointer
_handle_out = POINTER(c_void_p)  # sparsevar_* **out
_f64p = POINTER(c_double)
_f32p = POINTER(c_float)
_i64p = POINTER(c_int64)
_i32p = POINTER(c_int32)
_u8p = POINTER(c_uint8)
_u16p = POINTER(c_uint16)

#: int32_t (*)(int64_t done, int64_t total, void *user); non-zero cancels.
PROGRESS_CALLBACK = CFUNCTYPE(c_int32, c_int64, c_int64, c_void_p)

#: int32_t (*)(int64_t epoch, int64_t epochs, int64_t window, int64_t windows, double loss,
#: void *user); non-zero cancels (sparsevar_autoencoder_train).
TRAINING_PROGRESS_CALLBACK = CFUNCTYPE(
    c_int32, c_int64, c_int64, c_int64, c_int64, c_double, c_void_p)

# (name, restype, argtypes). A restype of _status means c_int32 checked by _check_status.
_PROTOTYPES = [
    # Status.swift
    ("sparsevar_errstr", c_char_p, [c_int32]),
    ("sparsevar_last_error", c_char_p, []),
    ("sparsevar_version_number", c_int32, []),
    ("sparsevar_version_string", c_char_p, []),
    ("sparsevar_param_table", _status, [c_char_p, c_int64, _i64p]),
    # LARS.swift
    ("sparsevar_lasso_lars", _status,
     [_f64p, c_int64, _f64p, c_int64, c_int64, _f64p, c_double, c_double]),
    ("sparsevar_lars_path_create", _status,
     [_handle_out, _f64p, c_int64, c_int64, _f64p, c_double, c_double, c_int64]),
    ("sparsevar_lars_path_free", None, [_handle]),
    ("sparsevar_lars_path_shape", _status, [_handle, _i64p, _i64p, _i64p, _i32p]),
    ("sparsevar_lars_path_lambdas", _status, [_handle, _f64p, c_int64]),
    ("sparsevar_lars_path_coefs", _status, [_handle, _f64p, c_int64]),
    ("sparsevar_lars_path_active", _status, [_handle, _i64p, c_int64]),
    ("sparsevar_lasso_lars_vjp", _status,
     [_f64p, c_int64, _f64p, c_int64, _f64p, c_int64,
      _f64p, c_int64, c_int64, _f64p, c_double, c_double, c_int32, _f64p, c_int64]),
    # VAR.swift
    ("sparsevar_var_create", _status, [_handle_out]),
    ("sparsevar_var_free", None, [_handle]),
    ("sparsevar_var_set_param", _status, [_handle, c_int32, c_double]),
    ("sparsevar_var_get_param", _status, [_handle, c_int32, _f64p]),
    ("sparsevar_var_param_bounds", _status, [c_int32, _f64p, _f64p, _f64p]),
    ("sparsevar_var_set_mask", _status, [_handle, _u8p, c_int64]),
    ("sparsevar_var_fit_f64", _status,
     [_handle, _f64p, c_int64, c_int64, PROGRESS_CALLBACK, c_void_p]),
    ("sparsevar_var_fit_f32", _status,
     [_handle, _f32p, c_int64, c_int64, PROGRESS_CALLBACK, c_void_p]),
    ("sparsevar_var_shape", _status, [_handle, _i64p, _i64p]),
    ("sparsevar_var_coef", _status, [_handle, _f64p, c_int64]),
    ("sparsevar_var_intercept", _status, [_handle, _f64p, c_int64]),
    ("sparsevar_var_sigma", _status, [_handle, _f64p]),
    ("sparsevar_var_lambdas", _status, [_handle, _f64p, c_int64]),
    ("sparsevar_var_path_length", _status, [_handle, c_int64, _i64p]),
    ("sparsevar_var_path", _status, [_handle, c_int64, _f64p, _f64p, c_int64]),
    ("sparsevar_var_forecast_f64", _status,
     [_handle, _f64p, c_int64, c_int64, _f64p, c_int64]),
    ("sparsevar_var_rvar_f64", _status, [_handle, _f64p, c_int64, c_int64, _f64p]),
    ("sparsevar_var_influence", _status, [_handle, _f64p, c_int64]),
    # GroupTests.swift
    ("sparsevar_var_set_create", _status, [_handle_out]),
    ("sparsevar_var_set_free", None, [_handle]),
    ("sparsevar_var_set_add_f64", _status,
     [_handle, _handle, _f64p, c_int64, c_int64, c_int32, _i64p]),
    ("sparsevar_var_set_size", _status, [_handle, _i64p]),
    ("sparsevar_var_set_get_label", _status, [_handle, c_int64, _i32p]),
    ("sparsevar_var_set_set_label", _status, [_handle, c_int64, c_int32]),
    ("sparsevar_var_set_set_param", _status, [_handle, c_int32, c_double]),
    ("sparsevar_var_set_get_param", _status, [_handle, c_int32, _f64p]),
    ("sparsevar_swap_test", _status, [_handle_out, _handle, c_int32, c_int32]),
    ("sparsevar_influence_test", _status, [_handle_out, _handle, c_int32, c_int32]),
    ("sparsevar_test_result_free", None, [_handle]),
    ("sparsevar_test_result_values", _status, [_handle, _f64p, _f64p, _f64p, _i64p, _i64p]),
    ("sparsevar_test_result_permutation", _status, [_handle, _f64p, _f64p, _i64p, _i32p]),
    ("sparsevar_smallest_p_value", _status, [_handle, c_int64, c_int64, _f64p]),
    ("sparsevar_test_result_runs", _status, [_handle, _i64p]),
    ("sparsevar_test_result_matrix", _status, [_handle, _f64p, c_int64]),
    ("sparsevar_rank_sum", _status,
     [_f64p, _f64p, _f64p, c_int64, _f64p, c_int64, c_int32, c_int32]),
    ("sparsevar_bonferroni", _status, [_f64p, _f64p, c_int64]),
    # Dataset.swift
    ("sparsevar_dataset_create", _status,
     [_handle_out, c_int64, c_int64, c_int64, c_int64, c_int64]),
    ("sparsevar_dataset_free", None, [_handle]),
    ("sparsevar_dataset_begin_run", _status, [_handle, c_int32, c_int32, _i64p]),
    ("sparsevar_dataset_add_frames_u16", _status,
     [_handle, c_int64, _u16p, c_int64, c_int64, c_int64]),
    ("sparsevar_dataset_add_frames_f32", _status,
     [_handle, c_int64, _f32p, c_int64, c_int64, c_int64]),
    ("sparsevar_dataset_add_frames_f64", _status,
     [_handle, c_int64, _f64p, c_int64, c_int64, c_int64]),
    ("sparsevar_dataset_add_run_u16", _status,
     [_handle, _u16p, c_int64, c_int64, c_int64, c_int32, c_int32, _i64p]),
    ("sparsevar_dataset_add_run_f32", _status,
     [_handle, _f32p, c_int64, c_int64, c_int64, c_int32, c_int32, _i64p]),
    ("sparsevar_dataset_add_run_f64", _status,
     [_handle, _f64p, c_int64, c_int64, c_int64, c_int32, c_int32, _i64p]),
    ("sparsevar_dataset_add_run_file", _status, [_handle, c_char_p, c_int32, c_int32, _i64p]),
    ("sparsevar_dataset_add_run_file_v2", _status,
     [_handle, c_char_p, c_int64, c_int32, c_int32, _i64p]),
    ("sparsevar_dataset_shape", _status, [_handle, _i64p, _i64p, _i64p, _i64p]),
    ("sparsevar_dataset_size", _status, [_handle, _i64p, _i64p]),
    ("sparsevar_dataset_frame_count", _status, [_handle, c_int64, _i64p]),
    ("sparsevar_dataset_memory_bytes", _status, [_handle, _i64p]),
    ("sparsevar_dataset_range", _status, [_handle, _f64p, _f64p]),
    ("sparsevar_dataset_get_label", _status, [_handle, c_int64, _i32p, _i32p]),
    ("sparsevar_dataset_set_label", _status, [_handle, c_int64, c_int32, c_int32]),
    ("sparsevar_dataset_mean_frame", _status, [_handle, _f32p, c_int64]),
    ("sparsevar_dataset_frames", _status,
     [_handle, c_int64, c_int64, c_int64, _f32p, c_int64]),
    # Names.swift
    ("sparsevar_dataset_set_run_name", _status, [_handle, c_int64, c_char_p]),
    ("sparsevar_dataset_get_run_name", _status, [_handle, c_int64, c_char_p, c_int64, _i64p]),
    ("sparsevar_dataset_set_condition_name", _status, [_handle, c_int32, c_char_p]),
    ("sparsevar_dataset_get_condition_name", _status,
     [_handle, c_int32, c_char_p, c_int64, _i64p]),
    ("sparsevar_autoencoder_run_name", _status, [_handle, c_int64, c_char_p, c_int64, _i64p]),
    ("sparsevar_autoencoder_condition_name", _status, [_handle, c_int32, c_char_p, c_int64, _i64p]),
    # Autoencoder.swift
    ("sparsevar_autoencoder_create", _status, [_handle_out, c_int64, c_int64]),
    ("sparsevar_autoencoder_free", None, [_handle]),
    ("sparsevar_autoencoder_set_param", _status, [_handle, c_int32, c_double]),
    ("sparsevar_autoencoder_get_param", _status, [_handle, c_int32, _f64p]),
    ("sparsevar_autoencoder_param_bounds", _status, [c_int32, _f64p, _f64p, _f64p]),
    ("sparsevar_autoencoder_shape", _status, [_handle, _i64p, _i64p]),
    ("sparsevar_autoencoder_latent_shape", _status, [_handle, _i64p, _i64p, _i64p]),
    ("sparsevar_autoencoder_training_state", _status, [_handle, _i32p, _i64p]),
    ("sparsevar_autoencoder_train", _status, [_handle, _handle, TRAINING_PROGRESS_CALLBACK, c_void_p]),
    ("sparsevar_autoencoder_analyze", _status, [_handle, _handle, PROGRESS_CALLBACK, c_void_p]),
    ("sparsevar_autoencoder_analysis_shape", _status, [_handle, _i64p, _i64p, _i64p]),
    ("sparsevar_autoencoder_run_length", _status, [_handle, c_int64, _i64p]),
    ("sparsevar_autoencoder_run_coef", _status, [_handle, c_int64, _f64p, c_int64]),
    ("sparsevar_autoencoder_run_metrics", _status, [_handle, c_int64, _f64p, _f64p]),
    ("sparsevar_autoencoder_run_latents", _status, [_handle, c_int64, _f64p, c_int64]),
    ("sparsevar_autoencoder_run_influence", _status, [_handle, c_int64, _f64p, c_int64]),
    ("sparsevar_autoencoder_run_latent_mean", _status, [_handle, c_int64, _f64p, c_int64]),
    ("sparsevar_autoencoder_run_label", _status, [_handle, c_int64, _i32p, _i32p]),
    ("sparsevar_autoencoder_swap_test", _status, [_handle_out, _handle, c_int32, c_int32]),
    ("sparsevar_autoencoder_influence_test", _status, [_handle_out, _handle, c_int32, c_int32]),
    ("sparsevar_autoencoder_contribution_map", _status, [_handle, c_int64, c_double, _f32p, c_int64]),
    ("sparsevar_autoencoder_group_map", _status, [_handle, c_int32, c_double, _f32p, c_int64]),
    ("sparsevar_autoencoder_difference_map", _status,
     [_handle, c_int32, c_int32, c_double, _f32p, c_int64]),
    ("sparsevar_autoencoder_encode_f32", _status,
     [_handle, _f32p, c_int64, c_int64, c_int64, _f64p, c_int64]),
    ("sparsevar_autoencoder_encode_f64", _status,
     [_handle, _f64p, c_int64, c_int64, c_int64, _f64p, c_int64]),
    ("sparsevar_autoencoder_save", _status, [_handle, c_char_p]),
    ("sparsevar_autoencoder_load", _status, [_handle_out, c_char_p]),
    # Synthetic.swift
    ("sparsevar_synthetic_create", _status, [_handle_out, c_int32, c_int64]),
    ("sparsevar_synthetic_create_with", _status,
     [_handle_out, c_int32, c_int64, _i32p, _f64p, c_int64]),
    ("sparsevar_synthetic_free", None, [_handle]),
    ("sparsevar_synthetic_shape", _status, [_handle, _i64p, _i64p, _i64p, _i64p, _i64p, _i64p]),
    ("sparsevar_synthetic_run", _status, [_handle, c_int64, _i64p, _i32p]),
    ("sparsevar_synthetic_frames", _status, [_handle, c_int64, c_int64, c_int64, _u16p, c_int64]),
    ("sparsevar_synthetic_ground_truth", _status, [_handle, _f32p, c_int64]),
]


def _missing(name: str, path: str):
    def stub(*_args, **_kwargs):
        raise NotImplementedError(
            f"{path} does not export {name}: the library is older than this binding "
            f"({BINDING_VERSION}); install a newer libsparsevar or set SPARSEVAR_LIBRARY"
        )

    stub.__name__ = name
    return stub


class _Library:
    """The loaded CDLL with every prototype declared. A function the library lacks is replaced
    by a stub raising NotImplementedError, so an older minor version still loads."""

    def __init__(self, cdll: ctypes.CDLL, path: str):
        self._cdll = cdll
        self.path = path
        self.missing = []
        for name, restype, argtypes in _PROTOTYPES:
            try:
                function = getattr(cdll, name)
            except AttributeError:
                setattr(self, name, _missing(name, path))
                self.missing.append(name)
                continue
            function.argtypes = argtypes
            if restype is _status:
                function.restype = c_int32
                function.errcheck = _check_status
            else:
                function.restype = restype
            setattr(self, name, function)


def _open(path: str) -> tuple[ctypes.CDLL | None, str]:
    """Loads `path` and checks its major version. Returns (cdll, "") or (None, reason)."""
    try:
        cdll = ctypes.CDLL(path)
    except OSError as error:
        return None, f"cannot be loaded ({error})"
    try:
        version_number = cdll.sparsevar_version_number
    except AttributeError:
        return None, "is not libsparsevar (no sparsevar_version_number)"
    version_number.restype = c_int32
    version_number.argtypes = []
    number = int(version_number())
    if number // 10000 != _MAJOR:
        return None, (
            f"has version {number // 10000}.{number // 100 % 100}.{number % 100}, but this binding "
            f"({BINDING_VERSION}) needs major version {_MAJOR}"
        )
    return cdll, ""


def _package_candidates() -> list[str]:
    folder = os.path.dirname(os.path.abspath(__file__))
    found = glob.glob(os.path.join(folder, "libsparsevar.so*"))
    found += glob.glob(os.path.join(folder, "libsparsevar*.dylib"))

    # Prefer the SONAME of our major version, then the plain name, then anything else.
    def rank(path):
        name = os.path.basename(path)
        if name == f"libsparsevar.so.{_MAJOR}":
            return (0, name)
        if name == "libsparsevar.so":
            return (1, name)
        return (2, name)

    return sorted(found, key=rank)


def _pkg_config_candidates() -> tuple[list[str], str]:
    try:
        result = subprocess.run(
            ["pkg-config", "--variable=libdir", "sparsevar"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return [], f"pkg-config not usable ({error})"
    libdir = result.stdout.strip()
    if result.returncode != 0 or not libdir:
        return [], "pkg-config does not know sparsevar (is sparsevar.pc on PKG_CONFIG_PATH?)"
    names = [f"libsparsevar.so.{_MAJOR}", "libsparsevar.so", "libsparsevar.dylib"]
    paths = [os.path.join(libdir, name) for name in names]
    existing = [path for path in paths if os.path.exists(path)]
    if not existing:
        return [], f"pkg-config libdir {libdir} holds no libsparsevar.so"
    return existing, ""


def _load() -> _Library:
    tried = []
    explicit = os.environ.get("SPARSEVAR_LIBRARY")
    if explicit:
        cdll, reason = _open(explicit)
        if cdll is None:
            raise ImportError(
                f"SPARSEVAR_LIBRARY={explicit} {reason}. Point SPARSEVAR_LIBRARY at an installed "
                f"libsparsevar.so of major version {_MAJOR}, or unset it to search the usual places."
            )
        return _Library(cdll, explicit)
    tried.append("SPARSEVAR_LIBRARY: not set")

    package = _package_candidates()
    if not package:
        tried.append("package folder: no bundled libsparsevar.so")
    for path in package:
        cdll, reason = _open(path)
        if cdll is not None:
            return _Library(cdll, path)
        tried.append(f"package folder: {path} {reason}")

    paths, why = _pkg_config_candidates()
    if why:
        tried.append(why)
    for path in paths:
        cdll, reason = _open(path)
        if cdll is not None:
            return _Library(cdll, path)
        tried.append(f"pkg-config: {path} {reason}")

    name = ctypes.util.find_library("sparsevar")
    if name is None:
        tried.append('ctypes.util.find_library("sparsevar"): not found')
    else:
        cdll, reason = _open(name)
        if cdll is not None:
            return _Library(cdll, name)
        tried.append(f"find_library: {name} {reason}")

    raise ImportError(
        "sparsevar: cannot find libsparsevar.so. Tried:\n  - "
        + "\n  - ".join(tried)
        + "\nInstall the C library (cmake --install, which also installs sparsevar.pc), add its "
        "folder to LD_LIBRARY_PATH, or set SPARSEVAR_LIBRARY=/path/to/libsparsevar.so."
    )


lib = _load()

#: Path (or name) of the loaded library.
library_path = lib.path
