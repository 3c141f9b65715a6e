"""Runs of video frames for the sparse-VAR autoencoder (a ctypes wrapper of sparsevar_dataset)."""

from __future__ import annotations

import os
import threading
from ctypes import POINTER, byref, c_double, c_int32, c_int64, c_uint16, c_void_p

import numpy as np

from ._labels import LabelNames
from ._lib import lib
from ._util import HandleOwner, argument_error, f32_ptr, f64_ptr, name_bytes, read_name, shape_error

__all__ = ["FrameDataset"]


def _free_dataset(handle):
    lib.sparsevar_dataset_free(handle)


def _frames_array(frames, name="frames"):
    """`frames` as a C-contiguous (count, H, W) array of uint16, float32 or float64 (the types the
    library takes; other integer types are widened losslessly, everything else becomes float64)."""
    try:
        array = np.asarray(frames)
    except (TypeError, ValueError) as error:
        raise argument_error(f"{name} must be an array of frames: {error}") from None
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3:
        raise shape_error(f"{name} must be (count, height, width) or one (height, width) frame, "
                          f"got shape {array.shape}")
    if array.dtype in (np.uint16, np.float32, np.float64):
        pass
    elif array.dtype in (np.uint8, np.bool_):
        array = array.astype(np.uint16)
    elif array.dtype.kind in "iuf":
        array = array.astype(np.float64)
    else:
        raise argument_error(f"{name} must hold real numbers, got dtype {array.dtype}")
    return np.ascontiguousarray(array)


def _pointer(array):
    if array.dtype == np.uint16:
        return array.ctypes.data_as(POINTER(c_uint16)), "u16"
    if array.dtype == np.float32:
        return f32_ptr(array), "f32"
    return f64_ptr(array), "f64"


class FrameDataset(HandleOwner):
    """Runs of video frames of one field of view, preprocessed as they arrive and stored once.

    Each frame is centre-cropped to ``crop`` (height, width) (None = no crop; when a margin is
    odd the extra pixel is cut at the bottom / right) and downscaled by the integer factor
    ``downscale`` (nearest neighbour: the top-left pixel of each block). uint16 frames are
    stored as 2 bytes per pixel, float frames as 4 (mixing converts the stored uint16 frames to
    float32). When read, pixels are normalised to [0, 1] by the global minimum and maximum of
    all stored pixels of all runs.

    Parameters:
        height, width: the raw frame size every frame is given at.
        crop: optional (crop_height, crop_width); 0 in either keeps that dimension whole.
        downscale: integer factor >= 1.

    Frames are numpy arrays (count, height, width) (or one (height, width) frame) of uint16,
    float32 or float64; other integer types are widened. NaN or infinity is refused
    (NonFiniteError) and a refused batch leaves the dataset unchanged.

    A dataset owns a C handle: free it with ``close()`` or a ``with`` block (otherwise it is
    freed with the object). Calls on one dataset are serialised by a lock.
    """

    def __init__(self, height, width, crop=None, downscale=1):
        crop_h, crop_w = (0, 0) if crop is None else crop
        self._lock = threading.RLock()
        handle = c_void_p()
        lib.sparsevar_dataset_create(byref(handle), _int(height, "height"), _int(width, "width"),
                                     _int(crop_h, "crop height"), _int(crop_w, "crop width"),
                                     _int(downscale, "downscale"))
        self._own(handle, _free_dataset)
        self.crop = None if crop is None else (int(crop_h), int(crop_w))
        self.downscale = int(downscale)
        self._names = LabelNames()

    @classmethod
    def from_runs(cls, runs, labels=None, crop=None, downscale=1):
        """A dataset of whole runs: `runs` is a sequence of (T_i, H, W) arrays, `labels` one
        label (a condition name, an int, or None) per run, or None for unlabelled runs."""
        runs, labels = _items_and_labels(runs, labels, "from_runs", "run")
        _check_runs_orientation(runs)
        first = _frames_array(runs[0], "runs[0]")
        dataset = cls(first.shape[1], first.shape[2], crop=crop, downscale=downscale)
        try:
            for frames, label in zip(runs, labels):
                dataset.add_run(frames, label)
        except BaseException:
            dataset.close()
            raise
        return dataset

    # -- lifetime ------------------------------------------------------------------------------

    # -- input -----------------------------------------------------------------------------------

    def begin_run(self, label=None) -> int:
        """Starts an empty run (to be filled with ``append``) and returns its id."""
        run = c_int64()
        with self._using() as handle:
            value, has = self._label_id(label)
            lib.sparsevar_dataset_begin_run(handle, value, has, byref(run))
        return int(run.value)

    def append(self, run: int, frames):
        """Appends a batch of frames to run `run` (streaming: the result equals adding the
        concatenation at once)."""
        array = _frames_array(frames)
        pointer, kind = _pointer(array)
        function = getattr(lib, f"sparsevar_dataset_add_frames_{kind}")
        with self._using() as handle:
            self._check_frame_axes(array)
            function(handle, _int(run, "run"), pointer, array.shape[0], array.shape[1],
                     array.shape[2])

    def add_run(self, frames, label=None) -> int:
        """Adds a whole run of frames with an optional label (a condition name, an int, or
        None); returns its id."""
        array = _frames_array(frames)
        pointer, kind = _pointer(array)
        function = getattr(lib, f"sparsevar_dataset_add_run_{kind}")
        run = c_int64()
        with self._using() as handle:
            self._check_frame_axes(array)
            value, has = self._label_id(label)
            function(handle, pointer, array.shape[0], array.shape[1], array.shape[2], value, has,
                     byref(run))
        return int(run.value)

    def add_run_file(self, path, label=None, channel=None) -> int:
        """Adds the frames of a .npy or .tif/.tiff recording (chosen by the extension) as one
        run named by its path, with an optional label; returns its id. ``channel`` (1, 2, ...)
        chooses the channel of a TIFF stack whose pages interleave several (ScanImage, ImageJ:
        the count is read from their metadata); such a stack is refused without it. Only regular
        files are read (a FIFO raises at once); a damaged file raises without allocating for
        it. The library reads the file whole: ``sparsevar.readers`` streams large recordings."""
        if channel is not None and (isinstance(channel, bool) or _int(channel, "channel") < 1):
            raise argument_error(f"channel must be 1, 2, ... or None, got {channel!r}")
        value, has = self._label_id(label)
        run = c_int64()
        with self._using() as handle:
            lib.sparsevar_dataset_add_run_file_v2(handle, os.fsencode(path),
                                                  0 if channel is None else int(channel), value,
                                                  has, byref(run))
        return int(run.value)

    def add_source(self, source, label=None, chunk_frames=None) -> int:
        """Streams a recording (a ``sparsevar.readers.FrameSource``: TIFF, HDF5, NWB, suite2p)
        into a new run with an optional label, `chunk_frames` frames at a time (default: about
        32 MiB per chunk), so that only one chunk is in memory besides the dataset; returns the
        run's id. The frame size is checked before the run is created; a read that fails part
        way leaves the run with the frames added so far (discard the dataset then)."""
        t, h, w = source.shape
        if (h, w) != self.input_shape:
            raise shape_error(f"{source.name} has frames of {h}x{w}, the dataset's are "
                              f"{self.input_shape[0]}x{self.input_shape[1]}")
        with self._lock:
            run = self.begin_run(label)
            self.set_run_name(run, source.name)
            for chunk in source.chunks(chunk_frames):
                if chunk.dtype.kind == "i" and chunk.dtype.itemsize <= 2:
                    chunk = chunk.astype(np.float32)  # int8 / int16 are exact in float32
                self.append(run, chunk)
        return run

    @classmethod
    def from_sources(cls, sources, labels=None, crop=None, downscale=1, chunk_frames=None):
        """A dataset of recordings read chunk by chunk (``sparsevar.readers``): one run per
        source, `labels` one label per source (or None), the frame size the first source's."""
        sources, labels = _items_and_labels(sources, labels, "from_sources", "source")
        _, h, w = sources[0].shape
        dataset = cls(h, w, crop=crop, downscale=downscale)
        try:
            for source, label in zip(sources, labels):
                dataset.add_source(source, label, chunk_frames)
        except BaseException:
            dataset.close()
            raise
        return dataset

    def _check_frame_axes(self, array):
        """Names the likely mistake when frames come as (H, W, T) for a dataset of (H, W)
        frames, instead of the library's plain size mismatch."""
        h, w = self.input_shape
        if array.shape[1:] != (h, w) and array.shape[:2] == (h, w):
            raise shape_error(
                f"frames have shape {array.shape}: the dataset's frames are {h}x{w} and they "
                f"look like (height, width, time); frames must be (time, height, width): pass "
                f"np.moveaxis(frames, -1, 0)")

    def _label_id(self, label):
        """(label, has_label) for the C calls; a new condition name gets an unused integer,
        and the library records the name (a model analysing the dataset keeps it)."""
        used = [value for value in self._integer_labels() if value is not None]
        value, has = self._names.id_for(label, used, create=True)
        if isinstance(label, (str, np.str_)):
            with self._using() as handle:
                lib.sparsevar_dataset_set_condition_name(handle, value, name_bytes(str(label)))
        return value, has

    def _integer_labels(self):
        label, has = c_int32(), c_int32()
        values = []
        with self._using() as handle:
            for run in range(self.n_runs):
                lib.sparsevar_dataset_get_label(handle, run, byref(label), byref(has))
                values.append(int(label.value) if has.value else None)
        return values

    @property
    def label_names(self) -> dict:
        """{condition name: the integer label the library stores} for the string labels given
        so far (empty when all labels are integers)."""
        return dict(self._names.items())

    # -- queries ----------------------------------------------------------------------------------

    def _shape(self):
        values = [c_int64() for _ in range(4)]
        with self._using() as handle:
            lib.sparsevar_dataset_shape(handle, *(byref(v) for v in values))
        return tuple(int(v.value) for v in values)

    @property
    def input_shape(self) -> tuple:
        """Raw frame size (height, width), as frames are given."""
        return self._shape()[:2]

    @property
    def frame_shape(self) -> tuple:
        """Stored frame size (height, width) after crop and downscale: the model's frame size."""
        return self._shape()[2:]

    def _size(self):
        runs, frames = c_int64(), c_int64()
        with self._using() as handle:
            lib.sparsevar_dataset_size(handle, byref(runs), byref(frames))
        return int(runs.value), int(frames.value)

    @property
    def n_runs(self) -> int:
        return self._size()[0]

    def __len__(self):
        return self.n_runs

    @property
    def n_frames(self) -> int:
        """Frames over all runs."""
        return self._size()[1]

    def frame_count(self, run: int) -> int:
        """Frames in run `run`."""
        count = c_int64()
        with self._using() as handle:
            lib.sparsevar_dataset_frame_count(handle, _int(run, "run"), byref(count))
        return int(count.value)

    @property
    def frame_counts(self) -> list:
        """Frames in each run, by run id."""
        return self._per_run(self.frame_count)

    @property
    def memory_bytes(self) -> int:
        """Bytes held for frame data (see sparsevar_dataset_memory_bytes)."""
        value = c_int64()
        with self._using() as handle:
            lib.sparsevar_dataset_memory_bytes(handle, byref(value))
        return int(value.value)

    @property
    def range(self) -> tuple:
        """(min, max) over all stored pixels, raw units: the normalisation. NotFittedError while
        the dataset is empty."""
        low, high = c_double(), c_double()
        with self._using() as handle:
            lib.sparsevar_dataset_range(handle, byref(low), byref(high))
        return float(low.value), float(high.value)

    def get_label(self, run: int):
        """Run `run`'s label: its condition name when it was given as a string, else an int, or
        None when unlabelled."""
        label, has = c_int32(), c_int32()
        with self._using() as handle:
            lib.sparsevar_dataset_get_label(handle, _int(run, "run"), byref(label), byref(has))
        return self._names.name_of(int(label.value)) if has.value else None

    def set_label(self, run: int, label):
        """Sets run `run`'s label (a condition name, an int, or None = unlabelled)."""
        with self._using() as handle:
            value, has = self._label_id(label)
            lib.sparsevar_dataset_set_label(handle, _int(run, "run"), value, has)

    def get_run_name(self, run: int):
        """Run `run`'s name (its source file for runs read from files), or None."""
        with self._using() as handle:
            return read_name(lib.sparsevar_dataset_get_run_name, handle, _int(run, "run"))

    def set_run_name(self, run: int, name):
        """Names run `run` (a string of at most 4096 UTF-8 bytes; None clears it). A model
        analysing the dataset keeps the names, and saves them in its file."""
        with self._using() as handle:
            lib.sparsevar_dataset_set_run_name(handle, _int(run, "run"), name_bytes(name))

    @property
    def run_names(self) -> list:
        """Every run's name (or None), by run id."""
        return self._per_run(self.get_run_name)

    @property
    def labels(self) -> list:
        """Every run's label (condition name, int or None), by run id."""
        return self._per_run(self.get_label)

    def _per_run(self, read) -> list:
        """[read(run) for every run id], under the lock so that no run is added meanwhile."""
        with self._lock:
            return [read(i) for i in range(self.n_runs)]

    def mean_frame(self) -> np.ndarray:
        """The mean frame over all frames of all runs, normalised to [0, 1]: (height, width)
        float32 at the stored size."""
        h, w = self.frame_shape
        out = np.empty((h, w), dtype=np.float32)
        with self._using() as handle:
            lib.sparsevar_dataset_mean_frame(handle, f32_ptr(out), out.size)
        return out

    def frames(self, run: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Frames start..stop of run `run` as the model sees them (cropped, downscaled,
        normalised to [0, 1]): (count, height, width) float32."""
        with self._lock:
            n = self.frame_count(run)
            stop = n if stop is None else _int(stop, "stop")
            start = _int(start, "start")
            count = max(stop - start, 0)
            h, w = self.frame_shape
            out = np.empty((count, h, w), dtype=np.float32)
            with self._using() as handle:
                lib.sparsevar_dataset_frames(handle, int(run), start, stop - start, f32_ptr(out),
                                             out.size)
        return out

    def __repr__(self):
        if self._handle is None:
            return "FrameDataset(<closed>)"
        (ih, iw, h, w), (runs, frames) = self._shape(), self._size()
        size = f"{h}x{w}"
        if (ih, iw) != (h, w):
            details = [f"raw {ih}x{iw}"]
            if self.crop is not None:
                details.append(f"crop {self.crop[0] or ih}x{self.crop[1] or iw}")
            if self.downscale > 1:
                details.append(f"downscale {self.downscale}")
            size += f" ({', '.join(details)})"
        labels = list(dict.fromkeys(label for label in self.labels if label is not None))
        text = f"FrameDataset({runs} run{'s' if runs != 1 else ''}, {frames} frames of {size}"
        if labels:
            text += f", labels {labels}"
        return text + f", {_bytes(self.memory_bytes)})"


def _items_and_labels(items, labels, caller, item):
    """(items, labels) as lists, one label (or None) per item: at least one item is needed and
    `labels` None means all unlabelled. `caller` and `item` name them in errors."""
    items = list(items)
    if not items:
        raise argument_error(f"{caller} needs at least one {item}")
    labels = [None] * len(items) if labels is None else list(labels)
    if len(labels) != len(items):
        raise shape_error(f"{len(items)} {item}s but {len(labels)} labels")
    return items, labels


def _check_runs_orientation(runs):
    """Refuses runs that look like (H, W, T): every run 3-D with the same first two axes but
    lengths differing in the last, where (T, H, W) runs share the last two."""
    shapes = [np.shape(run) for run in runs]
    if len(shapes) < 2 or any(len(shape) != 3 for shape in shapes):
        return
    if len({shape[:2] for shape in shapes}) == 1 and len({shape[1:] for shape in shapes}) > 1:
        h, w = shapes[0][:2]
        raise shape_error(
            f"the runs have shapes {', '.join(str(s) for s in shapes[:3])}"
            f"{', ...' if len(shapes) > 3 else ''}: they share their first two axes and differ in "
            f"the last, so they look like (height, width, time) with {h}x{w} frames; runs must "
            f"be (time, height, width): pass np.moveaxis(run, -1, 0) for each")


def _int(value, name) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise argument_error(f"{name} must be an integer, got {value!r}") from None
    if number != value:
        raise argument_error(f"{name} must be an integer, got {value!r}")
    if not -2**63 <= number < 2**63:
        raise argument_error(f"{name} = {value!r} is out of range")
    return number


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
