"""The built-in synthetic two-photon experiment (``sparsevar_synthetic_*``): runs of uint16
frames in two conditions (0 = familiar F, 1 = novel N) with a ground-truth mask of where the
dynamics differ."""

from __future__ import annotations

import weakref
from ctypes import byref, c_int32, c_int64, c_void_p

import numpy as np

from ._lib import lib
from ._util import argument_error, f32_ptr, u16_ptr

_PRESETS = {"tiny": 0, "small": 1, "standard": 2, "full": 3}


class SyntheticExperiment:
    """A seeded synthetic experiment; frames are generated on demand, run by run.

    ``preset``: ``"tiny"`` (tests), ``"small"`` (quick demo), ``"standard"`` (192 x 128) or
    ``"full"`` (the paper's size, 768 x 512 raw: generate it run by run)."""

    def __init__(self, preset: str = "small", seed: int = 1):
        if preset not in _PRESETS:
            raise argument_error(f"preset must be one of {sorted(_PRESETS)}, got {preset!r}")
        handle = c_void_p()
        lib.sparsevar_synthetic_create(byref(handle), _PRESETS[preset], int(seed))
        self._handle = handle
        self._finalizer = weakref.finalize(self, lib.sparsevar_synthetic_free, handle)
        self.preset, self.seed = preset, int(seed)
        values = [c_int64() for _ in range(6)]
        lib.sparsevar_synthetic_shape(handle, *[byref(v) for v in values])
        self.n_runs, height, width, crop_h, crop_w, downscale = (int(v.value) for v in values)
        self.frame_shape = (height, width)
        #: The preprocessing the pipeline should apply: ((crop height, crop width) or None, factor).
        self.crop = (crop_h, crop_w) if crop_h else None
        self.downscale = downscale

    def run_info(self, run: int) -> tuple[int, int]:
        """(number of frames, condition label) of run ``run``."""
        frames, label = c_int64(), c_int32()
        lib.sparsevar_synthetic_run(self._handle, int(run), byref(frames), byref(label))
        return int(frames.value), int(label.value)

    @property
    def labels(self) -> np.ndarray:
        """Condition of every run (0 = F, 1 = N), in the paper's blocks of five."""
        return np.array([self.run_info(run)[1] for run in range(self.n_runs)], dtype=np.int32)

    def frames(self, run: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Frames ``start:stop`` of run ``run`` as a (T, H, W) uint16 array."""
        count, _ = self.run_info(run)
        stop = count if stop is None else stop
        out = np.empty((stop - start, *self.frame_shape), dtype=np.uint16)
        lib.sparsevar_synthetic_frames(self._handle, int(run), int(start), stop - start,
                                       u16_ptr(out), out.size)
        return out

    @property
    def ground_truth(self) -> np.ndarray:
        """(H, W) float32 mask in [0, 1] of the somata whose assemblies couple differently in F
        and N (raw resolution)."""
        out = np.empty(self.frame_shape, dtype=np.float32)
        lib.sparsevar_synthetic_ground_truth(self._handle, f32_ptr(out), out.size)
        return out

    def close(self):
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"SyntheticExperiment(preset={self.preset!r}, seed={self.seed}, runs={self.n_runs}, "
                f"frames={self.frame_shape[0]}x{self.frame_shape[1]})")
