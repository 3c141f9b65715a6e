"""The `sparsevar` command-line tool end to end on the tiny synthetic experiment: synth, train
(.npy, TIFF, suite2p, HDF5 and NWB input, labels from the command line and from CSV), test, maps,
analyze, scale bars in micrometres, and clear errors for bad input. The tool is $SPARSEVAR_CLI
(scripts/test.sh sets it)."""

import json
import os
import subprocess

import numpy as np
import pytest

CLI = os.environ.get("SPARSEVAR_CLI")
pytestmark = pytest.mark.skipif(not CLI, reason="set SPARSEVAR_CLI to the sparsevar-cli executable")
TINY_MODEL = ["--depth", "2", "--channels", "4", "--window", "32", "--epochs", "1", "--lag", "2"]


def run(*args, cwd=None, check=True):
    done = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"sparsevar {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    run("synth", "--preset", "tiny", "-o", folder)
    return folder


def test_synth_writes_runs_labels_and_ground_truth(synthetic):
    files = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))
    assert len(files) == 10
    labels = open(synthetic / "labels.csv").read().split()
    assert labels[0] == "file,condition" and labels[1].endswith(",F") and labels[-1].endswith(",N")
    stack = np.load(synthetic / files[0])
    assert stack.dtype == np.uint16 and stack.ndim == 3
    assert np.load(synthetic / "ground_truth_differing.npy").max() > 0


def test_train_test_maps_and_analyze(synthetic, tmp_path):
    runs = sorted(str(synthetic / p) for p in os.listdir(synthetic) if p.startswith("run_"))
    model = tmp_path / "model.svnet"
    done = run("train", *runs, "--labels-csv", synthetic / "labels.csv", "-o", model,
               "--report", tmp_path / "report", *TINY_MODEL)
    assert "model saved" in done.stdout and "F1 vs F2" in done.stdout
    assert (tmp_path / "report" / "report.html").exists()
    text = open(tmp_path / "report" / "report.md").read()
    assert "Coefficient-swap tests" in text and "Block-average baseline" in text
    # 5 + 5 runs on all, 2 + 3 on the half-splits: the report says what cannot be reached.
    assert "smallest attainable p is 0.1, so the half-split threshold 0.00833 cannot be reached" in text
    assert "cannot be significant" in done.stdout and "block-average baseline" in done.stdout
    summary = json.load(open(tmp_path / "report" / "summary.json"))
    for source in ("network", "baseline"):
        all_runs = summary[source]["splits"][-1]
        assert all_runs["kind"] == "all runs" and all_runs["test"]["exact"]
        assert abs(all_runs["test"]["smallest_pvalue"] - 1 / 126) < 1e-12
        assert all_runs["test"]["smallest_pvalue"] <= all_runs["test"]["pvalue"] <= 1
    table = run("test", model, "--conditions", "F=0,N=1", "--permutations", "99").stdout
    assert "swap F vs N" in table and "influence F vs N" in table
    assert "smallest p" in table and "rank-sum" in table
    run("maps", model, "-o", tmp_path / "maps", "--conditions", "F=0,N=1")
    # Per-run maps are named after their source files; each figure is the enlarged map plus its
    # colour bar, labels and scale bar.
    stems = {os.path.splitext(os.path.basename(r))[0] + ".png" for r in runs}
    assert {"F.png", "N.png", "difference.png"} | stems <= set(os.listdir(tmp_path / "maps"))
    height, width = np.load(runs[0]).shape[-2:]
    scale = max(1, 256 // max(height, width))
    for name in ("difference.png", sorted(stems)[0]):
        header = open(tmp_path / "maps" / name, "rb").read(24)
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        png_width, png_height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        assert png_width >= width * scale + 40 and png_height >= height * scale + 30
    run("analyze", model, "-o", tmp_path / "again", "--conditions", "F=0,N=1")
    assert (tmp_path / "again" / "report.html").exists()


def test_synth_null_experiment_has_no_differing_assemblies(tmp_path):
    run("synth", "--preset", "tiny", "--null", "-o", tmp_path / "null")
    assert not np.load(tmp_path / "null" / "ground_truth_differing.npy").any()


def test_train_on_tiff_with_command_line_labels(synthetic, tmp_path):
    run("synth", "--preset", "tiny", "--format", "tiff", "-o", tmp_path / "tiff")
    runs = sorted(str(tmp_path / "tiff" / p) for p in os.listdir(tmp_path / "tiff") if p.endswith(".tif"))
    labels = ",".join(["F"] * 5 + ["N"] * 5)
    run("train", *runs, "--labels", labels, "-o", tmp_path / "m.svnet", *TINY_MODEL)
    assert (tmp_path / "m.svnet").exists()


@pytest.mark.parametrize("arguments, message", [
    (["train", "/nonexistent/run.npy", "--labels", "F"], "No such file"),
    (["train", "x.npy", "--labels", "F,N"], "2 entries for 1 files"),
    (["train", "x.npy"], "--labels or --labels-csv"),
    (["train", "x.txt", "--labels", "F"], ".npy"),
    (["test", "/nonexistent/model.svnet"], "cannot open"),
    (["demo", "--preset", "huge"], "huge"),
    (["train", "x.npy", "--labels", "F", "--set", "chanels=4"], "one of the names depth, channels"),
    (["train", "x.npy", "--labels", "F", "--set", "encoder_slope=2"], "encoder_slope must be in"),
    (["train", "x.npy", "--labels", "F", "--set", "training_mode=fast"], "one of sequential, embedded, end_to_end"),
    (["train", "x.npy", "--labels", "F", "--set", "test_permutations=5"], "one of the names"),
])
def test_clear_errors(tmp_path, arguments, message):
    (tmp_path / "x.txt").write_text("not frames")
    (tmp_path / "x.npy").write_bytes(b"\x93NUMPY broken")
    done = run(*arguments, cwd=tmp_path, check=False)
    assert done.returncode != 0
    assert message in done.stderr + done.stdout, done.stderr


def _limit_address_space():
    """In the child: at most 4 GiB of address space, so that sizes beyond memory fail quickly."""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.parametrize("options, message", [
    (["--lag", "9223372036854775807"], "too short for a VAR of lag 9223372036854775807"),
    (["--channels", "100000000"], "out of memory"),
    (["--latent-channels", "1000000000000"], "out of memory"),
    (["--depth", "9223372036854775807"], "depth must be in 1...8"),
    (["--downscale", "9223372036854775807"], "not divisible by the downscale factor"),
    (["--crop", "9223372036854775807x9223372036854775807"], "does not fit"),
])
def test_hostile_sizes_are_errors_not_crashes(synthetic, tmp_path, options, message):
    runs = sorted(str(synthetic / p) for p in os.listdir(synthetic) if p.startswith("run_"))[:2]
    done = subprocess.run(
        [CLI, "train", *runs, "--labels", "F,N", "-o", str(tmp_path / "m.svnet"), *options],
        capture_output=True, text=True, timeout=600, preexec_fn=_limit_address_space)
    assert done.returncode == 1, f"exit {done.returncode} (a negative one is a signal):\n{done.stderr}"
    assert message in done.stderr, done.stderr


def test_set_takes_any_table_parameter(synthetic, tmp_path):
    """`--set NAME=VALUE` reaches the model (the report's recipe names the encoder), and
    `sparsevar parameters` lists what it takes."""
    listed = run("parameters").stdout
    assert "encoder_slope (architecture)" in listed and "learning_rate\n" in listed
    runs = sorted(str(synthetic / p) for p in os.listdir(synthetic) if p.startswith("run_"))[:4]
    run("train", *runs, "--labels", "F,F,N,N", "-o", tmp_path / "m.svnet", "--report", tmp_path / "report",
        *TINY_MODEL, "--set", "encoder_slope=0.01", "--set", "lambda=0.02")
    text = (tmp_path / "report" / "report.md").read_text()
    assert "the paper's leaky encoder (slope 0.01)" in text
    assert "lambda = 0.02." in text


def test_help_explains_the_commands():
    text = run("--help").stdout
    for command in ("demo", "train", "analyze", "test", "maps", "synth"):
        assert command in text


def write_two_channel_tiff(path, first, second, description):
    """A classic little-endian TIFF whose pages interleave two uint16 channels (first[0],
    second[0], first[1], ...), as ScanImage and ImageJ write them, with `description` as the
    first page's ImageDescription."""
    import struct

    frames, height, width = first.shape
    out = bytearray(b"II*\0\0\0\0\0")
    next_field = 4
    text = description.encode() + b"\0"
    for index in range(2 * frames):
        pixels = (first if index % 2 == 0 else second)[index // 2].astype("<u2").tobytes()
        strip = len(out)
        out += pixels
        entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 16), (259, 3, 1, 1),
                   (262, 3, 1, 1), (273, 4, 1, strip), (277, 3, 1, 1), (278, 4, 1, height),
                   (279, 4, 1, len(pixels))]
        if index == 0:
            entries.append((270, 2, len(text), len(out)))
            out += text
        if len(out) % 2:
            out += b"\0"
        entries.sort()
        struct.pack_into("<I", out, next_field, len(out))
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            field = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
            out += struct.pack("<HHI", tag, kind, count) + field
        next_field = len(out)
        out += b"\0\0\0\0"
    path.write_bytes(bytes(out))


def test_train_on_two_channel_tiffs_takes_a_channel(synthetic, tmp_path):
    runs = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))[:4]
    files = []
    for name in runs:
        frames = np.load(synthetic / name)
        other = np.full_like(frames, 7)  # a second channel without dynamics
        path = tmp_path / (name[:-4] + ".tif")
        write_two_channel_tiff(path, other, frames, "ImageJ=1.54f\nimages=%d\nchannels=2\n"
                               % (2 * len(frames)))
        files.append(str(path))
    labels = "F,F,N,N"
    refused = run("train", *files, "--labels", labels, "-o", tmp_path / "m.svnet", *TINY_MODEL,
                  check=False)
    assert refused.returncode != 0
    assert "2 interleaved channels" in refused.stderr + refused.stdout
    run("train", *files, "--labels", labels, "--channel", "2", "-o", tmp_path / "m.svnet",
        *TINY_MODEL)
    assert (tmp_path / "m.svnet").exists()
    missing = run("train", *files, "--labels", labels, "--channel", "3", "-o", tmp_path / "x.svnet",
                  *TINY_MODEL, check=False)
    assert missing.returncode != 0 and "channel 3 does not exist" in missing.stderr + missing.stdout


def test_condition_names_persist_in_the_model_between_commands(synthetic, tmp_path):
    runs = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))
    files = [str(synthetic / p) for p in runs[:3] + runs[-3:]]
    model = tmp_path / "named.svnet"
    run("train", *files, "--labels", "Fed,Fed,Fed,Naive,Naive,Naive", "-o", model, *TINY_MODEL)
    table = run("test", model, "--permutations", "99").stdout  # no --conditions: from the file
    assert "swap Fed vs Naive" in table and "influence Fed vs Naive" in table
    assert "group0" not in table and "group 0" not in table
    assert "swap Naive vs Fed" in run("test", model, "--conditions", "Naive,Fed",
                                      "--permutations", "99").stdout
    unknown = run("test", model, "--conditions", "Fed,Starved", check=False)
    assert unknown.returncode != 0 and "Fed, Naive" in unknown.stderr + unknown.stdout
    run("maps", model, "-o", tmp_path / "maps")
    assert {"Fed.png", "Naive.png", "difference.png"} <= set(os.listdir(tmp_path / "maps"))


def test_train_on_suite2p_binaries(synthetic, tmp_path):
    runs = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))[:4]
    planes = []
    for index, name in enumerate(runs):
        frames = np.load(synthetic / name)
        plane = tmp_path / f"session{index}" / "suite2p" / "plane0"
        plane.mkdir(parents=True)
        (frames.astype(np.int32) - 1000).astype("<i2").tofile(plane / "data.bin")
        planes.append(plane)
    height, width = np.load(synthetic / runs[0]).shape[1:]
    files = [str(planes[0]), str(planes[1] / "data.bin"), str(planes[2]), str(planes[3])]
    missing = run("train", *files, "--labels", "F,F,N,N", "-o", tmp_path / "m.svnet", *TINY_MODEL,
                  check=False)
    assert missing.returncode != 0 and "--frame-shape" in missing.stderr + missing.stdout
    wrong = run("train", *files, "--labels", "F,F,N,N", "--frame-shape", f"{height + 1}x{width}",
                "-o", tmp_path / "m.svnet", *TINY_MODEL, check=False)
    assert wrong.returncode != 0 and "whole number" in wrong.stderr + wrong.stdout
    run("train", *files, "--labels", "F,F,N,N", "--frame-shape", f"{height}x{width}",
        "-o", tmp_path / "m.svnet", *TINY_MODEL)
    assert "swap F vs N" in run("test", tmp_path / "m.svnet", "--permutations", "99").stdout


def write_nwb_layout(path, frames, series="TwoPhotonSeries"):
    """An HDF5 file laid out as NWB stores a TwoPhotonSeries (neurodata_type attributes, the frames
    at /acquisition/<series>/data), with a 3-D dataset elsewhere that is not a TwoPhotonSeries."""
    import h5py

    with h5py.File(path, "w") as file:
        file.attrs["neurodata_type"] = "NWBFile"
        file.attrs["namespace"] = "core"
        group = file.create_group(f"acquisition/{series}")
        group.attrs["neurodata_type"] = "TwoPhotonSeries"
        group.attrs["namespace"] = "core"
        group.create_dataset("data", data=frames, chunks=(min(16, len(frames)),) + frames.shape[1:],
                             compression="gzip")
        file.create_dataset("processing/ophys/Images/data", data=np.zeros((2, 3, 3)))


DETERMINISTIC = [*TINY_MODEL, "--threads", "1", "--seed", "5"]


def test_train_on_hdf5_and_nwb_datasets(synthetic, tmp_path):
    h5py = pytest.importorskip("h5py")
    runs = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))[:4]
    arguments = []
    for index, name in enumerate(runs):
        frames = np.load(synthetic / name)
        if index < 2:  # HDF5: uint16, chunked along frames, with a 2-D dataset beside it
            path = tmp_path / f"session{index}.h5"
            with h5py.File(path, "w") as file:
                file.create_dataset("imaging/frames", data=frames, chunks=(7,) + frames.shape[1:])
                file.create_dataset("imaging/mean", data=frames.mean(axis=0))
            arguments.append(f"{path}:/imaging/frames")
        else:  # NWB layout, float32; the first named by its path, the second alone
            path = tmp_path / f"session{index}.nwb"
            write_nwb_layout(path, frames.astype(np.float32))
            arguments.append(f"{path}:/acquisition/TwoPhotonSeries/data" if index == 2 else str(path))
    (tmp_path / "labels.csv").write_text(
        "file,condition\nsession0.h5,F\nsession1.h5,F\nsession2.nwb,N\nsession3.nwb,N\n")
    model = tmp_path / "hdf5.svnet"
    run("train", *arguments, "--labels-csv", tmp_path / "labels.csv", "-o", model, *DETERMINISTIC)
    # The same frames from .npy files give the same model: the maps of the conditions are equal.
    reference = tmp_path / "npy.svnet"
    run("train", *(synthetic / r for r in runs), "--labels", "F,F,N,N", "-o", reference, *DETERMINISTIC)
    for trained, folder in ((model, "maps"), (reference, "reference")):
        run("maps", trained, "-o", tmp_path / folder)
    for name in ("F.png", "N.png", "difference.png"):
        assert (tmp_path / "maps" / name).read_bytes() == (tmp_path / "reference" / name).read_bytes()
    # Runs are named by FILE:/PATH: the per-run maps' files by the file and the dataset.
    assert {"session0_frames.png", "session1_frames.png", "session2_data.png",
            "session3_data.png"} <= set(os.listdir(tmp_path / "maps"))


def test_train_on_an_nwb_file_written_by_pynwb(synthetic, tmp_path):
    pynwb = pytest.importorskip("pynwb")
    from datetime import datetime, timezone

    runs = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))
    files = []
    for index, name in enumerate(runs[:2] + runs[-2:]):
        nwbfile = pynwb.NWBFile(session_description="sparsevar test", identifier=f"session{index}",
                                session_start_time=datetime(2026, 1, 1, tzinfo=timezone.utc))
        device = nwbfile.create_device(name="Microscope")
        channel = pynwb.ophys.OpticalChannel(name="green", description="GCaMP", emission_lambda=520.0)
        plane = nwbfile.create_imaging_plane(
            name="plane0", optical_channel=channel, imaging_rate=30.0, description="L2/3",
            device=device, excitation_lambda=920.0, indicator="GCaMP6s", location="V1")
        nwbfile.add_acquisition(pynwb.ophys.TwoPhotonSeries(
            name="TwoPhotonSeries", data=np.load(synthetic / name), imaging_plane=plane, rate=30.0,
            unit="a.u."))
        path = tmp_path / f"session{index}.nwb"
        with pynwb.NWBHDF5IO(str(path), "w") as io:
            io.write(nwbfile)
        files.append(str(path))
    run("train", *files, "--labels", "F,F,N,N", "-o", tmp_path / "m.svnet", *TINY_MODEL)
    assert "swap F vs N" in run("test", tmp_path / "m.svnet", "--permutations", "99").stdout


def write_hostile_hdf5(folder):
    """HDF5 files a user might pass by mistake, or made to break a reader."""
    import h5py

    frames = np.arange(6 * 8 * 8, dtype=np.uint16).reshape(6, 8, 8)
    with h5py.File(folder / "kinds.h5", "w") as file:
        file.create_dataset("frames", data=frames)
        file.create_dataset("image", data=frames[0])
        file.create_dataset("labels", data=np.array([b"F", b"N"] * 24).reshape(6, 2, 4))
        file.create_dataset("flags", data=np.ones((6, 8, 8), dtype=bool))
        file.create_dataset("empty", shape=(6, 0, 8), dtype="u2")
        file.create_dataset("huge", shape=(2 ** 40, 2 ** 20, 2 ** 20), dtype="f4", chunks=(1, 8, 8))
        file.create_dataset("wide", shape=(4, 2 ** 20, 2 ** 20), dtype="f4", chunks=(1, 8, 8))
        file.create_dataset("nan", data=np.full((6, 8, 8), np.nan, dtype=np.float32))
    whole = (folder / "kinds.h5").read_bytes()
    (folder / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    (folder / "text.h5").write_text("not HDF5 at all\n" * 100)
    write_nwb_layout(folder / "two.nwb", frames)
    with h5py.File(folder / "two.nwb", "a") as file:
        group = file.create_group("acquisition/Second")
        group.attrs["neurodata_type"] = "TwoPhotonSeries"
        group.create_dataset("data", data=frames)


@pytest.mark.parametrize("recording, message", [
    ("kinds.h5:/image", "has 2 dimensions: a recording is a 3-D dataset"),
    ("kinds.h5:/labels", "holds strings, not integer or floating-point samples"),
    ("kinds.h5:/flags", "holds enumerated values"),
    ("kinds.h5:/missing", "has no dataset /missing; its 3-D datasets: /empty, /flags, /frames"),
    ("kinds.h5", "name the dataset to read as kinds.h5:/PATH"),
    ("kinds.h5:/empty", "frames of 0 x 8 pixels"),
    ("kinds.h5:/huge", "overflows a 64-bit count"),
    ("kinds.h5:/wide", "out of memory"),
    ("kinds.h5:/nan", "NaN"),
    ("truncated.h5:/frames", "truncated file"),
    ("text.h5:/frames", "cannot be read as an HDF5 file"),
    ("absent.h5:/frames", "No such file"),
    ("two.nwb", "has 2 TwoPhotonSeries (/acquisition/Second/data, /acquisition/TwoPhotonSeries/data)"),
])
def test_hostile_hdf5_inputs_are_errors_not_crashes(tmp_path, recording, message):
    pytest.importorskip("h5py")
    write_hostile_hdf5(tmp_path)
    done = subprocess.run(
        [CLI, "train", recording, "--labels", "F", "-o", str(tmp_path / "m.svnet"), *TINY_MODEL],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, preexec_fn=_limit_address_space)
    assert done.returncode == 1, f"exit {done.returncode} (a negative one is a signal):\n{done.stderr}"
    assert message in done.stderr, done.stderr


def test_scale_bars_in_micrometres_given_the_pixel_size(synthetic, tmp_path):
    runs = sorted(str(synthetic / p) for p in os.listdir(synthetic) if p.startswith("run_"))[:4]
    model = tmp_path / "m.svnet"
    run("train", *runs, "--labels", "F,F,N,N", "-o", model, "--report", tmp_path / "report",
        "--pixel-size", "2", *TINY_MODEL)
    assert "in micrometres (2 µm per pixel of the analysed frames)" in (tmp_path / "report" / "report.md").read_text()
    run("maps", model, "-o", tmp_path / "um", "--pixel-size", "2")
    run("maps", model, "-o", tmp_path / "px")
    # Same map, another scale bar and label: the figures differ, below the map only.
    in_um, in_px = (open(tmp_path / f / "difference.png", "rb").read() for f in ("um", "px"))
    assert in_um != in_px
    run("analyze", model, "-o", tmp_path / "again", "--pixel-size", "2")
    assert "µm per pixel" in (tmp_path / "again" / "report.md").read_text()
    for bad in ("0", "-1", "nan"):
        refused = run("maps", model, "-o", tmp_path / "bad", f"--pixel-size={bad}", check=False)
        assert refused.returncode != 0 and "--pixel-size must be" in refused.stderr


def test_demo_scale_bars_use_the_synthetic_pixel_size(tmp_path):
    # The tiny preset's pixels are 4 µm (docs/synthetic.md), not downscaled.
    run("demo", "--preset", "tiny", "--no-ablation", "--epochs", "1", "-o", tmp_path / "demo")
    assert "in micrometres (4 µm per pixel of the analysed frames)" in (tmp_path / "demo" / "report.md").read_text()
    run("demo", "--preset", "tiny", "--no-ablation", "--epochs", "1", "--pixel-size", "0.5", "-o", tmp_path / "own")
    assert "in micrometres (0.5 µm per pixel of the analysed frames)" in (tmp_path / "own" / "report.md").read_text()
