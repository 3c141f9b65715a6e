"""sparsevar.readers: TIFF (tifffile), HDF5 (h5py), NWB (pynwb) and suite2p recordings made here,
read into a FrameDataset chunk by chunk: the frames equal the source, the chunks have the size
asked for, and reading never holds the whole recording in memory."""

import datetime
import tracemalloc

import numpy as np
import pytest

import sparsevar
from sparsevar import FrameDataset, readers


def _recording(rng, frames=40, height=12, width=10):
    return rng.integers(0, 4000, size=(frames, height, width), dtype=np.uint16)


def write_tiff(path, frames):
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(path, frames)
    return readers.open_tiff(path)


def write_hdf5(path, frames):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as file:
        file.create_dataset("imaging/frames", data=frames, chunks=(4,) + frames.shape[1:])
        file.create_dataset("other", data=np.zeros(3))
    return readers.open_hdf5(path, "imaging/frames")


def _nwb_file(frames, names):
    pynwb = pytest.importorskip("pynwb")
    from pynwb.ophys import OpticalChannel, TwoPhotonSeries

    nwbfile = pynwb.NWBFile(session_description="test", identifier="sparsevar-test",
                            session_start_time=datetime.datetime(2026, 1, 1,
                                                                 tzinfo=datetime.timezone.utc))
    device = nwbfile.create_device(name="microscope")
    channel = OpticalChannel(name="green", description="GCaMP", emission_lambda=510.0)
    plane = nwbfile.create_imaging_plane(name="plane0", optical_channel=channel,
                                         description="L2/3", device=device, excitation_lambda=920.0,
                                         imaging_rate=30.0, indicator="GCaMP6s", location="V1")
    for offset, name in enumerate(names):
        nwbfile.add_acquisition(TwoPhotonSeries(name=name, data=frames + offset,
                                                imaging_plane=plane, rate=30.0, unit="counts"))
    return nwbfile


def write_nwb(path, frames, names=("TwoPhotonSeries",)):
    pynwb = pytest.importorskip("pynwb")
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(_nwb_file(frames, names))
    return readers.open_nwb(path) if len(names) == 1 else None


def write_suite2p(folder, frames):
    folder.mkdir(parents=True, exist_ok=True)
    signed = (frames.astype(np.int32) - 2000).astype(np.int16)  # suite2p stores int16
    signed.tofile(folder / "data.bin")
    t, ly, lx = frames.shape
    np.save(folder / "ops.npy", {"Ly": ly, "Lx": lx, "nframes": t, "fs": 30.0},
            allow_pickle=True)
    return readers.open_suite2p(folder), signed


FORMATS = {
    "tiff": lambda tmp, frames: (write_tiff(tmp / "run.tif", frames), frames),
    "hdf5": lambda tmp, frames: (write_hdf5(tmp / "run.h5", frames), frames),
    "nwb": lambda tmp, frames: (write_nwb(tmp / "run.nwb", frames), frames),
    "suite2p": lambda tmp, frames: write_suite2p(tmp / "suite2p" / "plane0", frames),
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_frames_equal_the_source_read_in_chunks(kind, tmp_path, rng):
    frames = _recording(rng)
    source, expected = FORMATS[kind](tmp_path, frames)
    assert source.shape == expected.shape and source.dtype == expected.dtype
    chunks = list(source.chunks(chunk_frames=7))
    assert [len(c) for c in chunks] == [7] * 5 + [5]
    np.testing.assert_array_equal(np.concatenate(chunks), expected)

    with FrameDataset(12, 10) as streamed, FrameDataset(12, 10) as whole:
        assert streamed.add_source(source, label="F", chunk_frames=7) == 0
        whole.add_run(expected.astype(np.float64), label="F")
        assert streamed.frame_counts == [40] and streamed.labels == ["F"]
        assert streamed.range == whole.range
        np.testing.assert_array_equal(streamed.frames(0), whole.frames(0))


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_reading_holds_one_chunk_not_the_recording(kind, tmp_path, rng):
    frames = _recording(rng, frames=400, height=64, width=64)  # 3.3 MB
    source, _ = FORMATS[kind](tmp_path, frames)
    with FrameDataset(64, 64) as dataset:
        tracemalloc.start()
        try:
            dataset.add_source(source, chunk_frames=10)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert dataset.n_frames == 400
    assert peak < frames.nbytes / 4, f"{kind}: peak {peak} bytes for a {frames.nbytes}-byte file"


def test_from_sources_mixes_formats_with_labels(tmp_path, rng):
    a, b = _recording(rng), _recording(rng)
    sources = [write_tiff(tmp_path / "a.tif", a), write_hdf5(tmp_path / "b.h5", b)]
    with FrameDataset.from_sources(sources, labels=["F", "N"], downscale=2) as dataset:
        assert dataset.labels == ["F", "N"] and dataset.frame_shape == (6, 5)
        assert dataset.frame_counts == [40, 40]


def test_tiff_channels_of_an_imagej_hyperstack(tmp_path, rng):
    tifffile = pytest.importorskip("tifffile")
    green, red = _recording(rng, frames=9), _recording(rng, frames=9)
    path = tmp_path / "two_channels.tif"
    tifffile.imwrite(path, np.stack([green, red], axis=1), imagej=True,
                     metadata={"axes": "TCYX"})
    with pytest.raises(sparsevar.InvalidArgumentError, match="2 channels"):
        readers.open_tiff(path)
    np.testing.assert_array_equal(readers.open_tiff(path, channel=1).read(), green)
    np.testing.assert_array_equal(readers.open_tiff(path, channel=2).read(), red)
    with pytest.raises(sparsevar.InvalidArgumentError, match="channel 3 does not exist"):
        readers.open_tiff(path, channel=3)


def test_hdf5_unknown_key_lists_the_datasets(tmp_path, rng):
    write_hdf5(tmp_path / "run.h5", _recording(rng))
    with pytest.raises(sparsevar.InvalidArgumentError, match="imaging/frames"):
        readers.open_hdf5(tmp_path / "run.h5", "frames")
    with pytest.raises(sparsevar.ShapeError, match=r"\(frames, height, width\)"):
        readers.open_hdf5(tmp_path / "run.h5", "other")


def test_nwb_series_chosen_by_name(tmp_path, rng):
    frames = _recording(rng, frames=6)
    write_nwb(tmp_path / "two.nwb", frames, names=("raw", "registered"))
    with pytest.raises(sparsevar.InvalidArgumentError, match="raw, registered"):
        readers.open_nwb(tmp_path / "two.nwb")
    np.testing.assert_array_equal(readers.open_nwb(tmp_path / "two.nwb", "registered").read(),
                                  frames + 1)


def test_suite2p_binary_checked_against_its_settings(tmp_path, rng):
    frames = _recording(rng, frames=10)
    _, signed = write_suite2p(tmp_path / "plane0", frames)
    source = readers.open_suite2p(tmp_path / "plane0" / "data.bin")
    assert source.shape == (10, 12, 10)
    np.testing.assert_array_equal(source.read(), signed)
    assert readers.open_suite2p(tmp_path / "plane0" / "data.bin", shape=(10, 12)).shape == \
        (10, 10, 12)
    with pytest.raises(sparsevar.ShapeError, match="whole number"):
        readers.open_suite2p(tmp_path / "plane0", shape=(7, 7))
    np.save(tmp_path / "plane0" / "ops.npy", {"Ly": 12, "Lx": 10, "nframes": 11},
            allow_pickle=True)
    with pytest.raises(sparsevar.ShapeError, match="nframes = 11"):
        readers.open_suite2p(tmp_path / "plane0")
    (tmp_path / "bare").mkdir()
    signed.tofile(tmp_path / "bare" / "data.bin")
    with pytest.raises(sparsevar.InvalidArgumentError, match="shape=\\(Ly, Lx\\)"):
        readers.open_suite2p(tmp_path / "bare")


def test_a_source_of_another_frame_size_is_refused_before_a_run_exists(tmp_path, rng):
    source = write_hdf5(tmp_path / "run.h5", _recording(rng))
    with FrameDataset(8, 8) as dataset:
        with pytest.raises(sparsevar.ShapeError, match="12x10"):
            dataset.add_source(source)
        assert dataset.n_runs == 0


def _two_channel_imagej(path, rng):
    tifffile = pytest.importorskip("tifffile")
    green, red = _recording(rng, frames=9), _recording(rng, frames=9)
    tifffile.imwrite(path, np.stack([green, red], axis=1), imagej=True, metadata={"axes": "TCYX"})
    return green, red


def test_add_run_file_reads_the_chosen_channel_and_names_the_run(tmp_path, rng):
    path = tmp_path / "two_channels.tif"
    green, red = _two_channel_imagej(path, rng)
    with FrameDataset(12, 10) as dataset, FrameDataset(12, 10) as expected:
        with pytest.raises(sparsevar.InvalidArgumentError, match="channel"):
            dataset.add_run_file(path)
        assert dataset.n_runs == 0
        assert dataset.add_run_file(path, label="F", channel=2) == 0
        assert dataset.add_run_file(path, label="N", channel=1) == 1
        with pytest.raises(sparsevar.InvalidArgumentError, match="channel 3"):
            dataset.add_run_file(path, channel=3)
        with pytest.raises(sparsevar.InvalidArgumentError):
            dataset.add_run_file(path, channel=0)
        expected.add_run(red)
        expected.add_run(green)
        assert dataset.labels == ["F", "N"] and dataset.run_names == [str(path)] * 2
        np.testing.assert_array_equal(dataset.frames(0), expected.frames(0))
        np.testing.assert_array_equal(dataset.frames(1), expected.frames(1))
        dataset.set_run_name(1, "green.tif")
        assert dataset.get_run_name(1) == "green.tif"


def test_a_scanimage_stack_is_not_read_as_one_channel(tmp_path, rng):
    tifffile = pytest.importorskip("tifffile")
    green, red = _recording(rng, frames=5), _recording(rng, frames=5)
    interleaved = np.stack([green, red], axis=1).reshape(10, 12, 10)
    path = tmp_path / "scanimage.tif"
    tifffile.imwrite(path, interleaved, description="SI.hChannels.channelSave = [1;2]\n",
                     metadata=None)
    with pytest.raises(sparsevar.InvalidArgumentError, match="add_run_file"):
        readers.open_tiff(path)
    with FrameDataset(12, 10) as dataset, FrameDataset(12, 10) as expected:
        dataset.add_run_file(path, channel=2)
        expected.add_run(red)
        np.testing.assert_array_equal(dataset.frames(0), expected.frames(0))


def test_run_names_come_from_the_sources(tmp_path, rng):
    source = write_hdf5(tmp_path / "run.h5", _recording(rng))
    with FrameDataset(12, 10) as dataset:
        dataset.add_source(source, chunk_frames=16)
        assert dataset.run_names == [f"{tmp_path / 'run.h5'}:imaging/frames"]
