"""Small helpers shared by the modules of the package: numpy <-> C pointers, own errors."""

from __future__ import annotations

import contextlib
import weakref
from ctypes import POINTER, c_double, c_float, c_int32, c_int64, c_uint8, c_uint16

import numpy as np

from ._lib import E_INVALID_ARGUMENT, E_SHAPE, error_for_code

_F64P = POINTER(c_double)
_F32P = POINTER(c_float)
_I64P = POINTER(c_int64)
_U8P = POINTER(c_uint8)


def shape_error(message: str):
    """A ShapeError raised by the binding itself (same class as the library's)."""
    return error_for_code(E_SHAPE, message)


def argument_error(message: str):
    """An InvalidArgumentError raised by the binding itself."""
    return error_for_code(E_INVALID_ARGUMENT, message)


def as_f64(values, name: str, ndim: int | None = None) -> np.ndarray:
    """`values` as a C-contiguous float64 array (a copy only when needed), checked for `ndim`."""
    try:
        array = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise argument_error(f"{name} must be an array of real numbers: {error}") from None
    if ndim is not None and array.ndim != ndim:
        raise shape_error(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


def f64_ptr(array: np.ndarray | None):
    """Pointer to a float64 array's data (None for NULL). The returned object keeps `array`
    alive; callers also hold `array` in a local for the whole call."""
    if array is None:
        return None
    return array.ctypes.data_as(_F64P)


def f32_ptr(array: np.ndarray):
    return array.ctypes.data_as(_F32P)


def i64_ptr(array: np.ndarray):
    return array.ctypes.data_as(_I64P)


def i32_ptr(array: np.ndarray):
    return array.ctypes.data_as(POINTER(c_int32))


def u8_ptr(array: np.ndarray):
    return array.ctypes.data_as(_U8P)


def u16_ptr(array: np.ndarray):
    return array.ctypes.data_as(POINTER(c_uint16))


def choice(value, options: dict, name: str) -> int:
    """Maps a string option to its C enum value, with an InvalidArgumentError listing the
    accepted ones."""
    key = value.lower() if isinstance(value, str) else value
    if key not in options:
        accepted = ", ".join(repr(k) for k in options)
        raise argument_error(f"{name} must be one of {accepted}, got {value!r}")
    return options[key]


class HandleOwner:
    """Base of the objects that own one C handle: it is freed by ``close()`` (idempotent), at
    the end of a ``with`` block, or when the object is garbage-collected. Subclasses set
    ``_lock`` (a ``threading.RLock``) and adopt their handle with ``_own(handle, free)``; calls
    on the handle go through ``with self._using() as handle:`` (under the lock, raising
    ValueError once closed). Such objects cannot be pickled."""

    _handle = None
    _finalizer = None

    def _own(self, handle, free):
        """Takes ownership of `handle`, freed by `free(handle)` at the latest at collection."""
        self._handle = handle
        self._finalizer = weakref.finalize(self, free, handle)

    def close(self):
        """Frees the C handle now (idempotent)."""
        with self._lock:
            if self._finalizer is not None:
                self._finalizer()
            self._handle = None

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __reduce__(self):
        raise TypeError(f"a {type(self).__name__} owns a C handle and cannot be pickled or copied")

    def _live_handle(self):
        if self._handle is None:
            raise ValueError(f"this {type(self).__name__} has been closed")
        return self._handle

    @contextlib.contextmanager
    def _using(self):
        """The live handle, under the object's lock (one handle, one thread at a time)."""
        with self._lock:
            yield self._live_handle()


def read_name(function, handle, key):
    """A name getter's string (``sparsevar_*_name(handle, key, out, len, length)``), None when
    unnamed: the length first, then the bytes."""
    from ctypes import byref, create_string_buffer

    length = c_int64()
    function(handle, key, None, 0, byref(length))
    if length.value < 0:
        return None
    buffer = create_string_buffer(length.value + 1)
    function(handle, key, buffer, len(buffer), byref(length))
    return buffer.raw[:length.value].decode("utf-8")


def name_bytes(name):
    """A name for the C calls: UTF-8 bytes, or None."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise argument_error(f"a name must be a string or None, got {name!r}")
    return name.encode("utf-8")
