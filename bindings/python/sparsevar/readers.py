"""Recordings in the formats imaging pipelines write, read into a FrameDataset chunk by chunk.

Each ``open_*`` function returns a :class:`FrameSource`: the recording's shape and element type,
known without reading its frames, and ``chunks(chunk_frames)``, which reads a few frames at a
time. ``FrameDataset.add_source`` streams a source into one run, so a recording is never held in
memory whole (at most one chunk, ``chunk_frames`` frames, besides what the dataset stores):

    >>> from sparsevar import FrameDataset, readers
    >>> sources = [readers.open_suite2p("s2p/plane0"), readers.open_nwb("session.nwb")]
    >>> dataset = FrameDataset.from_sources(sources, labels=["F", "N"], downscale=4)

=================  ============================  ==========================================
function           format                        extra (pip install "sparsevar[formats]")
=================  ============================  ==========================================
open_tiff          multi-page TIFF, ImageJ and   tifffile
                   ScanImage stacks (channels)
open_hdf5          a (frames, height, width)     h5py
                   dataset of an HDF5 file
open_nwb           an NWB file's TwoPhotonSeries pynwb
open_suite2p       suite2p's registered binary   numpy only
                   (data.bin, shape from ops.npy)
=================  ============================  ==========================================

The extras are imported only when their reader is called; a missing one raises ImportError
naming the package to install. Frames are (frames, height, width) as stored: row r, column c of
frame t is ``[t, r, c]``; a source whose frames are not 2-D is refused.
"""

from __future__ import annotations

import contextlib
import importlib
import os

import numpy as np

from ._util import argument_error, shape_error

__all__ = ["FrameSource", "open_hdf5", "open_nwb", "open_suite2p", "open_tiff"]

#: Bytes of frames per chunk when chunk_frames is not given (at least one frame).
CHUNK_BYTES = 32 << 20


class FrameSource:
    """A recording read in chunks of frames.

    Attributes:
        name: the recording's name, the source file (and the dataset or series inside it).
        shape: (frames, height, width).
        dtype: the numpy element type of the frames as stored.
    """

    def __init__(self, name, shape, dtype, read):
        self.name = name
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self._read = read  # read(start, stop) -> frames start..stop, inside an open file

    @property
    def n_frames(self) -> int:
        return self.shape[0]

    @property
    def frame_shape(self) -> tuple:
        """(height, width)."""
        return self.shape[1:]

    def default_chunk_frames(self) -> int:
        """Frames per chunk that make about CHUNK_BYTES (at least 1)."""
        frame_bytes = max(self.shape[1] * self.shape[2] * self.dtype.itemsize, 1)
        return max(CHUNK_BYTES // frame_bytes, 1)

    def chunks(self, chunk_frames=None):
        """Yields the frames in order as (count, height, width) arrays of at most `chunk_frames`
        frames (default: about CHUNK_BYTES each)."""
        step = self.default_chunk_frames() if chunk_frames is None else int(chunk_frames)
        if step < 1:
            raise argument_error(f"chunk_frames must be >= 1, got {chunk_frames!r}")
        with self._read() as read:
            for start in range(0, self.n_frames, step):
                yield np.asarray(read(start, min(start + step, self.n_frames)))

    def read(self) -> np.ndarray:
        """All frames at once (small recordings and tests)."""
        parts = list(self.chunks())
        if not parts:
            return np.empty(self.shape, dtype=self.dtype)
        return np.concatenate(parts)

    def __repr__(self):
        t, h, w = self.shape
        return f"FrameSource({self.name!r}, {t} frames of {h}x{w}, {self.dtype})"


def _require(module, extra):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"this reader needs {extra}: pip install {extra} (or "
                          f"pip install 'sparsevar[formats]')") from error


def _frames_shape(shape, what):
    if len(shape) != 3:
        raise shape_error(f"{what} has shape {tuple(shape)}: frames must be (frames, height, "
                          f"width)")
    return shape


# -- TIFF ------------------------------------------------------------------------------------------

def open_tiff(path, channel=None) -> FrameSource:
    """A multi-page TIFF stack (tifffile), one page per frame.

    Stacks whose pages interleave channels (ImageJ hyperstacks, ScanImage files: the channel
    count is read from their metadata by tifffile) need ``channel`` (1, 2, ...), the channel to
    read; they are refused without it, as are stacks with several z-slices per time point and
    RGB pages. A stack of one channel takes channel=None or 1."""
    tifffile = _require("tifffile", "tifffile")
    path = os.fspath(path)
    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        axes, shape = series.axes, series.shape
        if "S" in axes:
            raise shape_error(f"{path} holds {axes} pages with samples (RGB): frames must be "
                              f"grayscale")
        lead = dict(zip(axes[:-2], shape[:-2]))
        if lead.get("Z", 1) > 1 and lead.get("T", 1) > 1:
            raise shape_error(f"{path} is a stack of {lead['Z']} z-slices per time point "
                              f"(axes {axes}): read one slice per file")
        channels = lead.get("C", 1)
        if channels == 1 and _scanimage(tif.pages[0]):
            # tifffile did not find ScanImage's channels: the pages may interleave several.
            raise argument_error(f"{path} is a ScanImage stack whose channels tifffile cannot "
                                 f"tell apart: read it with FrameDataset.add_run_file(path, "
                                 f"channel=...), which reads ScanImage's channel metadata")
        if channels > 1 and channel is None:
            raise argument_error(f"{path} interleaves {channels} channels in its pages (axes "
                                 f"{axes}): choose one with channel=1..{channels}")
        chosen = 1 if channel is None else int(channel)
        if not 1 <= chosen <= channels:
            raise argument_error(f"{path} has {channels} channel{'s' if channels > 1 else ''}: "
                                 f"channel {channel} does not exist")
        # Page of each time point: the pages follow the leading axes in C order.
        index = np.arange(int(np.prod(shape[:-2], dtype=np.int64))).reshape(shape[:-2] or (1,))
        if "C" in lead:
            index = np.take(index, chosen - 1, axis=axes.index("C"))
        pages = index.reshape(-1)
        height, width = shape[-2:]
        dtype = series.dtype

    @contextlib.contextmanager
    def reader():
        with tifffile.TiffFile(path) as tif:
            def read(start, stop):
                frames = tif.asarray(key=[int(p) for p in pages[start:stop]], series=0)
                return frames.reshape(stop - start, height, width)
            yield read

    name = path if channel is None else f"{path} (channel {chosen})"
    return FrameSource(name, (len(pages), height, width), dtype, reader)


def _scanimage(page):
    """Whether a TIFF page's description or software tag is ScanImage's."""
    text = " ".join(str(page.tags[tag].value) for tag in ("ImageDescription", "Software")
                    if tag in page.tags)
    return any(mark in text for mark in ("SI.", "scanimage.", "state.acq", "ScanImage"))


# -- HDF5 ------------------------------------------------------------------------------------------

def open_hdf5(path, key) -> FrameSource:
    """The dataset `key` (e.g. "/imaging/frames") of an HDF5 file (h5py): (frames, height,
    width), read as hyperslabs of chunk_frames frames."""
    h5py = _require("h5py", "h5py")
    path = os.fspath(path)
    with h5py.File(path, "r") as file:
        if key not in file or not isinstance(file[key], h5py.Dataset):
            found = []
            file.visititems(lambda name, obj: found.append(name)
                            if isinstance(obj, h5py.Dataset) and obj.ndim == 3 else None)
            raise argument_error(f"{path} has no dataset {key!r}; its 3-D datasets: "
                                 f"{', '.join(found) or 'none'}")
        data = file[key]
        shape = _frames_shape(data.shape, f"{path}:{key}")
        dtype = data.dtype

    @contextlib.contextmanager
    def reader():
        with h5py.File(path, "r") as file:
            data = file[key]
            yield lambda start, stop: data[start:stop]

    return FrameSource(f"{path}:{key}", shape, dtype, reader)


# -- NWB -------------------------------------------------------------------------------------------

def _two_photon_series(nwbfile, pynwb):
    kind = pynwb.ophys.TwoPhotonSeries
    return {obj.name: obj for obj in nwbfile.objects.values() if isinstance(obj, kind)}


def open_nwb(path, series=None) -> FrameSource:
    """A TwoPhotonSeries of an NWB file (pynwb), by name, or the file's only one when series
    is None. Its data are read (frames, dim 1, dim 2) as stored, chunk by chunk; a series whose
    frames live in external files (``external_file``) is refused: open those with open_tiff."""
    pynwb = _require("pynwb", "pynwb")
    path = os.fspath(path)
    with pynwb.NWBHDF5IO(path, "r") as io:
        found = _two_photon_series(io.read(), pynwb)
        if series is None:
            if len(found) != 1:
                raise argument_error(f"{path} has {len(found)} TwoPhotonSeries "
                                     f"({', '.join(sorted(found)) or 'none'}): choose one with "
                                     f"series=NAME")
            series = next(iter(found))
        if series not in found:
            raise argument_error(f"{path} has no TwoPhotonSeries {series!r}; it has "
                                 f"{', '.join(sorted(found)) or 'none'}")
        data = found[series].data
        if data is None or getattr(found[series], "external_file", None) is not None:
            raise argument_error(f"the TwoPhotonSeries {series!r} of {path} keeps its frames in "
                                 f"external files: read those (open_tiff)")
        shape = _frames_shape(data.shape, f"the TwoPhotonSeries {series!r} of {path}")
        dtype = data.dtype

    @contextlib.contextmanager
    def reader():
        with pynwb.NWBHDF5IO(path, "r") as io:
            data = _two_photon_series(io.read(), pynwb)[series].data
            yield lambda start, stop: data[start:stop]

    return FrameSource(f"{path}:{series}", shape, dtype, reader)


# -- suite2p ---------------------------------------------------------------------------------------

_SUITE2P_SETTINGS = ("ops.npy", "settings.npy")


def _suite2p_shape(folder):
    """(Ly, Lx, nframes or None) from the folder's ops.npy (or settings.npy), else None."""
    for name in _SUITE2P_SETTINGS:
        settings = os.path.join(folder, name)
        if os.path.isfile(settings):
            # A dict saved by np.save is a pickle: load only the files of your own pipeline.
            values = np.load(settings, allow_pickle=True)
            values = values.item() if values.dtype == object and values.shape == () else None
            if isinstance(values, dict) and "Ly" in values and "Lx" in values:
                return int(values["Ly"]), int(values["Lx"]), values.get("nframes")
    return None


def open_suite2p(path, channel=1, shape=None) -> FrameSource:
    """suite2p's registered binary: `path` is a plane folder (suite2p/plane0) or its data.bin
    (channel=2: data_chan2.bin). The file holds int16 frames of Ly x Lx, row-major, one after
    the other; Ly and Lx come from ops.npy (or settings.npy) beside it, or from
    shape=(Ly, Lx). The frame count is the file's size / (2 Ly Lx), which must be whole and
    equal the settings' nframes when they state it.

    ops.npy is a pickled dict (np.load(allow_pickle=True)): read only your own pipeline's."""
    path = os.fspath(path)
    if os.path.isdir(path):
        folder, data = path, os.path.join(path, "data.bin" if channel == 1 else
                                          f"data_chan{int(channel)}.bin")
    else:
        folder, data = os.path.dirname(path) or ".", path
    if not os.path.isfile(data):
        raise FileNotFoundError(f"no suite2p binary {data}")
    nframes = None
    if shape is None:
        found = _suite2p_shape(folder)
        if found is None:
            raise argument_error(f"no ops.npy or settings.npy with Ly and Lx beside {data}: give "
                                 f"the frame size with shape=(Ly, Lx)")
        ly, lx, nframes = found
    else:
        ly, lx = (int(n) for n in shape)
    if ly < 1 or lx < 1:
        raise shape_error(f"suite2p frames of {ly} x {lx} pixels")
    size = os.path.getsize(data)
    frame_bytes = 2 * ly * lx
    if size % frame_bytes:
        raise shape_error(f"{data} has {size} bytes, not a whole number of {ly} x {lx} int16 "
                          f"frames ({frame_bytes} bytes each): is the frame size right?")
    count = size // frame_bytes
    if nframes is not None and int(nframes) != count:
        raise shape_error(f"{data} holds {count} frames of {ly} x {lx}, its settings say "
                          f"nframes = {nframes}")

    @contextlib.contextmanager
    def reader():
        with open(data, "rb") as file:
            def read(start, stop):
                file.seek(start * frame_bytes)
                frames = np.fromfile(file, dtype="<i2", count=(stop - start) * ly * lx)
                return frames.reshape(stop - start, ly, lx)
            yield read

    return FrameSource(data, (count, ly, lx), np.dtype("<i2"), reader)
