"""The built-in synthetic two-photon experiment (``sparsevar_synthetic_*``): runs of uint16
frames in two conditions (0 = familiar F, 1 = novel N) with a ground-truth mask of where the
dynamics differ."""

from __future__ import annotations

import threading
from ctypes import byref, c_int32, c_int64, c_void_p

import numpy as np

from ._lib import lib
from ._util import HandleOwner, argument_error, f32_ptr, f64_ptr, i32_ptr, u16_ptr

_PRESETS = {"tiny": 0, "small": 1, "standard": 2, "full": 3}
# sparsevar_synthetic_param (Sources/CSparseVAR/Synthetic.swift); values pinned.
_PARAMS = {"null_experiment": 0, "run_brightness_variation": 1, "run_gain_variation": 2,
           "drift_amplitude": 3, "bleaching_rate_min": 4, "bleaching_rate_max": 5}


class SyntheticTwoPhotonGenerator(HandleOwner):
    """A seeded synthetic experiment; frames are generated on demand, run by run.

    ``preset``: ``"tiny"`` (tests), ``"small"`` (quick demo), ``"standard"`` (192 x 128) or
    ``"full"`` (the paper's size, 768 x 512 raw: generate it run by run).

    ``null=True`` gives the null experiment: both conditions share one coupling matrix, so F and
    N differ in nothing but chance (the same seed's scene, network and nuisances otherwise; the
    ground truth is all zero), for checking the false-positive rate of a pipeline.

    Per-run brightness differences, in both variants (None keeps the default):
    ``run_brightness_variation`` (standard deviation of a per-run light factor, laser power;
    default 0.03), ``run_gain_variation`` (of a per-run detector gain factor; default 0.1),
    ``drift_amplitude`` (slow multiplicative drift within a run; default 0.02) and
    ``bleaching_rate`` ((min, max) per-run bleaching rate in 1/s, the light decaying as
    exp(-rate t); default (0, 0.02))."""

    def __init__(self, preset: str = "small", seed: int = 1, null: bool = False,
                 run_brightness_variation: float | None = None,
                 run_gain_variation: float | None = None, drift_amplitude: float | None = None,
                 bleaching_rate: tuple[float, float] | None = None):
        if preset not in _PRESETS:
            raise argument_error(f"preset must be one of {sorted(_PRESETS)}, got {preset!r}")
        if null not in (True, False):
            raise argument_error(f"null must be True or False, got {null!r}")
        settings = {"null_experiment": float(null)}
        for name, value in (("run_brightness_variation", run_brightness_variation),
                            ("run_gain_variation", run_gain_variation),
                            ("drift_amplitude", drift_amplitude)):
            if value is not None:
                settings[name] = value
        if bleaching_rate is not None:
            try:
                low, high = bleaching_rate
            except (TypeError, ValueError):
                raise argument_error(
                    f"bleaching_rate must be a (min, max) pair, got {bleaching_rate!r}") from None
            settings["bleaching_rate_min"], settings["bleaching_rate_max"] = low, high
        try:
            values = np.array([float(v) for v in settings.values()], dtype=np.float64)
        except (TypeError, ValueError):
            raise argument_error(f"synthetic options must be numbers, got {settings!r}") from None
        codes = np.array([_PARAMS[name] for name in settings], dtype=np.int32)
        handle = c_void_p()
        lib.sparsevar_synthetic_create_with(
            byref(handle), _PRESETS[preset], int(seed), i32_ptr(codes), f64_ptr(values),
            codes.size)
        self._lock = threading.RLock()
        self._own(handle, lib.sparsevar_synthetic_free)
        self.preset, self.seed, self.null = preset, int(seed), bool(null)
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

    def __repr__(self):
        return (f"SyntheticTwoPhotonGenerator(preset={self.preset!r}, seed={self.seed}, null={self.null}, "
                f"runs={self.n_runs}, "
                f"frames={self.frame_shape[0]}x{self.frame_shape[1]})")
