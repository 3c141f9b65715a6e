"""Files through the C API: recordings read with FrameDataset.add_run_file, hostile files (FIFOs,
lying headers, corrupt model files) refused promptly with the documented errors, and saves that
never follow a link and may run concurrently."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import sparsevar

TESTS = os.path.dirname(os.path.abspath(__file__))
BINDING = os.path.dirname(TESTS)


def run_python(code, timeout=120):
    """Runs `code` in a fresh interpreter with this binding; a hang fails the test."""
    env = dict(os.environ)
    env["PYTHONPATH"] = BINDING + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_add_run_file_reads_npy_like_add_run(tmp_path, rng):
    frames = rng.integers(0, 4000, size=(5, 8, 8)).astype(np.uint16)
    path = tmp_path / "run.npy"
    np.save(path, frames)
    with sparsevar.FrameDataset(8, 8) as from_file, sparsevar.FrameDataset(8, 8) as from_memory:
        assert from_file.add_run_file(path, label=3) == 0
        from_memory.add_run(frames, label=3)
        np.testing.assert_array_equal(from_file.frames(0), from_memory.frames(0))
        with pytest.raises(sparsevar.ShapeError):
            np.save(tmp_path / "small.npy", frames[:, :4, :4])
            from_file.add_run_file(tmp_path / "small.npy")
        assert from_file.n_runs == 1


def test_lying_and_unknown_files_are_format_errors(tmp_path):
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 100000, 100000), }"
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    lying = tmp_path / "lying.npy"
    lying.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(64))
    with sparsevar.FrameDataset(8, 8) as dataset:
        with pytest.raises(sparsevar.ModelFileError, match="truncated"):
            dataset.add_run_file(lying)
        (tmp_path / "frames.avi").write_bytes(b"RIFF")
        with pytest.raises(sparsevar.ModelFileError, match="extension"):
            dataset.add_run_file(tmp_path / "frames.avi")
        with pytest.raises(sparsevar.FileAccessError):
            dataset.add_run_file(tmp_path / "missing.npy")
        assert dataset.n_runs == 0


@pytest.mark.parametrize("name", ["model.svnet", "frames.npy", "frames.tif"])
def test_fifo_fails_at_once(tmp_path, name):
    path = tmp_path / name
    os.mkfifo(path)
    if name.endswith(".svnet"):
        call = f"sparsevar.SparseVARAutoencoder.load({str(path)!r})"
    else:
        call = f"sparsevar.FrameDataset(8, 8).add_run_file({str(path)!r})"
    code = ("import sparsevar\n"
            "try:\n"
            f"    {call}\n"
            "except sparsevar.FileAccessError as error:\n"
            "    print('refused:', error)\n")
    result = run_python(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "refused:" in result.stdout and "FIFO" in result.stdout


def write_model_file(path, payload, version=2):
    """A model file of format `version` around `payload` with a valid header and checksum."""
    hash_value = 0xCBF29CE484222325
    for byte in payload:
        hash_value = ((hash_value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    path.write_bytes(b"SPVARNET" + version.to_bytes(4, "little") + len(payload).to_bytes(8, "little")
                     + payload + hash_value.to_bytes(8, "little"))


def i64(value):
    return int(value).to_bytes(8, "little", signed=True)


def test_model_files_declaring_huge_networks_are_format_errors(tmp_path):
    # depth, channels, latent channels, skip, literal, seed, height, width, mode, VAR options
    # (lag, lambda, eps_gamma, normalize, max iterations, threads, no mask), learning rate,
    # epochs, window, seed, centring; then zeros up to 12 KB.
    for channels, side in [(4096, 16), (4, 65536)]:
        payload = (i64(1) + i64(channels) + i64(4) + b"\x00\x01" + i64(3) + i64(side) + i64(side)
                   + i64(0) + i64(1) + np.float64(0.1).tobytes() + np.float64(0).tobytes()
                   + b"\x01" + i64(100) + i64(0) + b"\x00" + np.float64(1e-3).tobytes()
                   + i64(1) + i64(20) + i64(1) + b"\x00")
        path = tmp_path / f"huge-{channels}-{side}.svnet"
        write_model_file(path, payload + bytes(12_000 - len(payload)))
        with pytest.raises(sparsevar.ModelFileError, match="need more than"):
            sparsevar.SparseVARAutoencoder.load(path)


def test_sparse_huge_model_file_is_refused_quickly(tmp_path):
    path = tmp_path / "sparse.svnet"
    with open(path, "wb") as f:
        f.truncate(8 << 30)
    with pytest.raises(sparsevar.ModelFileError):
        sparsevar.SparseVARAutoencoder.load(path)


@pytest.fixture(scope="module")
def small_model():
    rng = np.random.default_rng(7)
    runs = [(0.2 + 0.1 * rng.standard_normal((16, 8, 8))).astype(np.float32) for _ in range(2)]
    model = sparsevar.SparseVARAutoencoder(depth=2, channels=2, latent_channels=1, p=1, window=6,
                                           epochs=1, permutations=0)
    model.fit(runs, labels=[1, 2], progress=False)
    yield model
    model.close()


def test_nan_coefficients_are_refused_at_load(tmp_path, small_model):
    path = tmp_path / "model.svnet"
    small_model.save(path)
    data = bytearray(path.read_bytes())
    # Replace one finite double of the analysis (the last run's R_var, 8 bytes before the
    # deviation image's count and values, which the run's name (flag, empty string's count) and
    # the condition names' count (0: integer labels) follow) by NaN and fix the checksum:
    # refused at load.
    pixels = 8 * 8
    end_of_payload = len(data) - 8
    names = 1 + 8 + 8
    r_var = end_of_payload - names - 4 * pixels - 8 - 8
    assert np.isfinite(np.frombuffer(bytes(data[r_var:r_var + 8]), dtype="<f8")[0])
    data[r_var:r_var + 8] = np.float64(np.nan).tobytes()
    write_model_file(path, bytes(data[20:end_of_payload]), version=int.from_bytes(data[8:12], "little"))
    with pytest.raises(sparsevar.ModelFileError, match="NaN|finite"):
        sparsevar.SparseVARAutoencoder.load(path)


def test_saves_never_follow_links_and_may_run_concurrently(tmp_path, small_model):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = tmp_path / "model.svnet"
    for name in ["model.svnet.partial", ".model.svnet.partial", "model.svnet.tmp"]:
        os.symlink(victim, tmp_path / name)
    # One handle per thread (a model is not shared between threads): saves of copies to one path.
    small_model.save(tmp_path / "copy.svnet")
    copies = [sparsevar.SparseVARAutoencoder.load(tmp_path / "copy.svnet") for _ in range(3)]
    errors = []

    def save_many(model):
        try:
            for _ in range(10):
                model.save(path)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=save_many, args=(copy,)) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for copy in copies:
        copy.close()
    assert errors == []
    assert victim.read_text() == "keep me"
    assert all(os.path.islink(tmp_path / n) for n in ["model.svnet.partial", ".model.svnet.partial"])
    loaded = sparsevar.SparseVARAutoencoder.load(path)
    loaded.close()
    leftovers = [n for n in os.listdir(tmp_path) if n.endswith(".partial") and not os.path.islink(tmp_path / n)]
    assert leftovers == []


def test_exact_rank_sum_refuses_excessive_cost():
    x = np.arange(3000) * 2.0
    y = x + 1
    with pytest.raises(sparsevar.InvalidArgumentError, match="asymptotic"):
        sparsevar.mannwhitneyu(x, y, method="exact")
    assert sparsevar.mannwhitneyu(x, y, method="asymptotic").pvalue > 0.1
