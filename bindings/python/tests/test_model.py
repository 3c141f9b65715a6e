"""FrameDataset and SparseVARAutoencoder: the whole method on tiny runs (16 x 16 frames, depth 2,
4 channels, four runs of 40 frames in two groups, 2 epochs)."""

import sys
import types

import numpy as np
import pytest

import sparsevar

H = W = 16
T = 40
PARAMS = dict(depth=2, channels=4, seed=3, p=2, alpha=0.05, window=20, epochs=2,
              learning_rate=3e-3, permutations=0)


def blob_run(rng, coupling, frames=T, height=H, width=W):
    """Four Gaussian blobs whose brightness follows a VAR(1) (blob 0 drives blob 1 with
    `coupling`) on a background ramp."""
    yy, xx = np.mgrid[0:height, 0:width]
    centres = [(4, 4), (4, 11), (11, 4), (11, 11)]
    activity = np.zeros(4)
    out = np.empty((frames, height, width), dtype=np.float32)
    for t in range(frames):
        previous = activity.copy()
        activity = 0.6 * previous + 0.3 * rng.standard_normal(4)
        activity[1] += coupling * previous[0]
        frame = 0.2 + 0.01 * xx
        for b, (cy, cx) in enumerate(centres):
            frame = frame + (0.5 + 0.2 * activity[b]) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 6)
        out[t] = frame
    return out


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(2024)
    return [blob_run(rng, c) for c in (0.5, 0.5, -0.5, -0.5)]


LABELS = [1, 1, 2, 2]


@pytest.fixture(scope="module")
def trained(runs):
    model = sparsevar.SparseVARAutoencoder(**PARAMS).fit(runs, labels=LABELS, progress=False)
    yield model
    model.close()


def normalised(runs):
    low = min(r.min() for r in runs)
    high = max(r.max() for r in runs)
    return [(r.astype(np.float64) - low) / (high - low) for r in runs]


# -- dataset ---------------------------------------------------------------------------------------


def test_dataset_queries(runs):
    with sparsevar.FrameDataset.from_runs(runs, LABELS) as ds:
        assert len(ds) == ds.n_runs == 4
        assert ds.n_frames == 4 * T and ds.frame_counts == [T] * 4
        assert ds.input_shape == ds.frame_shape == (H, W)
        assert ds.labels == LABELS
        assert ds.memory_bytes == 4 * T * H * W * 4 + 8 * H * W
        low, high = ds.range
        assert low == pytest.approx(min(r.min() for r in runs))
        assert high == pytest.approx(max(r.max() for r in runs))
        expected = normalised(runs)
        np.testing.assert_allclose(ds.frames(2), expected[2], atol=1e-6)
        np.testing.assert_allclose(ds.frames(1, 5, 9), expected[1][5:9], atol=1e-6)
        np.testing.assert_allclose(ds.mean_frame(), np.mean(expected, axis=(0, 1)), atol=1e-6)
        ds.set_label(0, None)
        ds.set_label(3, 7)
        assert ds.labels == [None, 1, 2, 7] and ds.get_label(3) == 7
        assert "4 runs" in repr(ds) and "16x16" in repr(ds)


def test_dataset_streaming_crop_downscale_and_types(runs):
    raw = np.pad(runs[0], ((0, 0), (3, 1), (2, 2)), mode="edge")  # 20 x 20, run 0 in the centre
    with sparsevar.FrameDataset(20, 20, crop=(16, 16), downscale=2) as ds:
        run = ds.begin_run(label=5)
        for start in range(0, T, 7):  # streamed in batches of 7 frames
            ds.append(run, raw[start:start + 7])
        whole = ds.add_run(raw.astype(np.float64), label=None)
        assert ds.frame_shape == (8, 8) and ds.input_shape == (20, 20)
        # crop starts at row (20 - 16) // 2 = 2, column 2; downscale keeps every second pixel
        kept = raw[:, 2:18:2, 2:18:2].astype(np.float64)
        expected = (kept - kept.min()) / (kept.max() - kept.min())
        np.testing.assert_allclose(ds.frames(run), expected, atol=1e-6)
        np.testing.assert_array_equal(ds.frames(run), ds.frames(whole))
        assert ds.labels == [5, None]
        assert "crop 16x16" in repr(ds) and "downscale 2" in repr(ds)
    counts = (np.arange(3 * 4 * 4).reshape(3, 4, 4) * 100).astype(np.uint16)
    with sparsevar.FrameDataset.from_runs([counts]) as ds:
        assert ds.memory_bytes == 3 * 16 * 2 + 8 * 16  # uint16 storage
        np.testing.assert_allclose(ds.frames(0), counts / counts.max(), atol=1e-6)


def test_dataset_errors_leave_it_unchanged(runs):
    with sparsevar.FrameDataset.from_runs(runs[:2]) as ds:
        bad = runs[0][:3].copy()
        bad[1, 2, 3] = np.nan
        with pytest.raises(sparsevar.NonFiniteError, match="NaN"):
            ds.append(0, bad)
        with pytest.raises(sparsevar.NonFiniteError):
            ds.add_run(bad)
        with pytest.raises(sparsevar.ShapeError, match="8 x 8"):
            ds.append(1, np.zeros((2, 8, 8), dtype=np.float32))
        with pytest.raises(sparsevar.InvalidArgumentError, match="unknown run id 5"):
            ds.append(5, runs[0][:2])
        with pytest.raises(sparsevar.InvalidArgumentError, match="unknown run id"):
            ds.get_label(-1)
        with pytest.raises(sparsevar.InvalidArgumentError, match="32-bit"):
            ds.add_run(runs[0], label=2**40)
        assert ds.n_runs == 2 and ds.n_frames == 2 * T
    with pytest.raises(sparsevar.ShapeError, match="does not fit"):
        sparsevar.FrameDataset(16, 16, crop=(20, 16))
    with pytest.raises(sparsevar.ShapeError, match="divisible"):
        sparsevar.FrameDataset(16, 16, downscale=3)
    with pytest.raises(sparsevar.NotFittedError):
        sparsevar.FrameDataset(4, 4).mean_frame()
    ds = sparsevar.FrameDataset(4, 4)
    ds.close()
    with pytest.raises(ValueError, match="closed"):
        ds.n_runs


# -- training, analysis, tests and maps ----------------------------------------------------------


def test_fit_analysis_shapes_and_finiteness(trained, runs):
    m = trained
    k = (H // 4) * (W // 4)
    assert m.latent_shape_ == (1, 4, 4) and m.n_latents_ == k and m.frame_shape_ == (H, W)
    assert m.n_epochs_completed_ == 2
    assert len(m.loss_history_) == 2 * 4 * (T // 20)
    assert np.all(np.isfinite(m.loss_history_))
    assert m.coef_.shape == (4, 2, k, k) and np.all(np.isfinite(m.coef_))
    assert m.influence_.shape == (4, k)
    assert m.l_rec_.shape == m.r_var_.shape == (4,)
    assert np.all(np.isfinite(m.l_rec_)) and np.all(m.l_rec_ >= 0)
    assert np.all(np.isfinite(m.r_var_)) and np.all(m.r_var_ >= 0)
    assert [z.shape for z in m.latents_] == [(T, k)] * 4
    assert m.labels_ == LABELS
    # influence vector from the coefficients
    a = np.abs(m.coef_[0]).sum(axis=0)
    np.testing.assert_allclose(m.influence_[0], a.sum(axis=0) - np.diag(a), rtol=1e-12)
    # encoding a run's frames gives its latents
    np.testing.assert_allclose(m.encode(m.dataset_.frames(1)), m.latents_[1], atol=1e-6)
    assert "4 runs analysed" in repr(m) and "depth=2" in repr(m)


def test_group_tests_and_maps(trained):
    m = trained
    swap = m.swap_test(1, 2)
    assert (swap.n_inter, swap.n_intra) == (8, 4)
    assert 0 <= swap.ranksum_pvalue <= 1 and np.isnan(swap.pvalue)
    assert swap.matrix.shape == (4, 4) and np.all(np.isnan(np.diag(swap.matrix)))
    influence = m.influence_test(1, 2)
    d = np.sum((m.influence_[0] - m.influence_[2]) ** 2)
    assert influence.matrix[0, 2] == pytest.approx(d, rel=1e-12)
    run_map = m.contribution_map(run=0, gain=2.0)
    assert run_map.shape == (H, W) and run_map.dtype == np.float32
    assert np.all(np.isfinite(run_map))
    group1 = m.contribution_map(label=1, gain=2.0)
    group2 = m.contribution_map(label=2, gain=2.0)
    both = [m.contribution_map(run=i, gain=2.0) for i in (0, 1)]
    np.testing.assert_allclose(group1, (both[0] + both[1]) / 2, atol=1e-6)
    difference = m.contribution_map(difference=(1, 2), gain=2.0)
    np.testing.assert_allclose(difference, group1 - group2, atol=1e-6)
    if np.any(m.influence_[0] != 0):
        assert not np.array_equal(m.contribution_map(run=0, gain=0.0), run_map)


def test_analysis_centres_each_runs_latents(trained):
    """By default (intercept="series_mean") each run's VAR is the sparse VAR of its latents minus
    their temporal mean; with intercept="none" it is the VAR of the raw latents (the paper's
    literal fit). The option also centres the training windows' VARs, so it changes training
    too; "columns" is refused."""
    m = trained
    assert m.get_params()["intercept"] == "series_mean"
    for i, z in enumerate(m.latents_):
        np.testing.assert_allclose(m.latent_mean_[i], z.mean(axis=0), rtol=1e-10, atol=1e-12)
        var = sparsevar.SparseVARModel(p=PARAMS["p"], alpha=PARAMS["alpha"]).fit(z - m.latent_mean_[i])
        np.testing.assert_allclose(m.coef_[i], var.coef_, rtol=1e-10, atol=1e-12)
    with sparsevar.SparseVARAutoencoder(**{**PARAMS, "intercept": "none"}) as raw:
        raw.fit(m.dataset_, progress=False)
        assert not np.array_equal(raw.latents_[0], m.latents_[0])  # trained differently
        assert np.all(raw.latent_mean_ == 0)
        var = sparsevar.SparseVARModel(p=PARAMS["p"], alpha=PARAMS["alpha"]).fit(raw.latents_[0])
        np.testing.assert_allclose(raw.coef_[0], var.coef_, rtol=1e-10, atol=1e-12)
        # Switched on after training, it changes the analysis alone: same latents, centred VARs.
        latents = [z.copy() for z in raw.latents_]
        with pytest.raises(sparsevar.InvalidArgumentError, match="intercept"):
            raw.set_params(intercept="columns")
        assert raw.get_params()["intercept"] == "none"
        raw.set_params(intercept="series_mean").analyze()
        for i, z in enumerate(latents):
            np.testing.assert_array_equal(raw.latents_[i], z)
            var = sparsevar.SparseVARModel(p=PARAMS["p"], alpha=PARAMS["alpha"]).fit(z - z.mean(axis=0))
            np.testing.assert_allclose(raw.coef_[i], var.coef_, rtol=1e-10, atol=1e-12)


def test_determinism(runs, trained):
    with sparsevar.SparseVARAutoencoder(**PARAMS) as again:
        again.fit(runs, labels=LABELS, progress=False)
        np.testing.assert_array_equal(again.coef_, trained.coef_)
        np.testing.assert_array_equal(again.loss_history_, trained.loss_history_)
        np.testing.assert_array_equal(again.contribution_map(run=2), trained.contribution_map(run=2))
    with sparsevar.SparseVARAutoencoder(**{**PARAMS, "seed": 4}) as other:
        other.fit(runs, labels=LABELS, progress=False)
        assert not np.array_equal(other.coef_, trained.coef_)


@pytest.mark.parametrize("mode", ["sequential", "embedded", "end_to_end"])
def test_modes(runs, mode):
    with sparsevar.SparseVARAutoencoder(**{**PARAMS, "epochs": 1, "mode": mode,
                                           "lasso_gradient": "unrolled"}) as m:
        m.fit(runs, labels=LABELS, progress=False)
        assert m.get_params()["mode"] == mode
        assert np.all(np.isfinite(m.coef_)) and np.all(np.isfinite(m.l_rec_))


def test_progress_callback_and_cancellation(runs):
    calls = []
    with sparsevar.SparseVARAutoencoder(**PARAMS) as m:
        m.fit(runs, labels=LABELS, progress=lambda *args: calls.append(args), analyze=False)
        assert len(calls) == 2 * 8
        assert [c[:2] for c in calls] == [(e, 2) for e in (0, 1) for _ in range(8)]
        assert [c[2] for c in calls[:8]] == list(range(8)) and all(c[3] == 8 for c in calls)
        assert [c[4] for c in calls] == m.loss_history_
        with pytest.raises(sparsevar.NotFittedError):
            m.swap_test(1, 2)  # not analysed (analyze=False)
        m.analyze(progress=True)
        assert m.coef_.shape[0] == 4

    seen = []

    def stop_at_third(epoch, epochs, window, windows, loss):
        seen.append(window)
        return len(seen) < 3

    with sparsevar.SparseVARAutoencoder(**PARAMS) as m:
        with pytest.raises(sparsevar.CancelledError, match="stopped"):
            m.fit(runs, labels=LABELS, progress=stop_at_third)
        assert len(seen) == 3 and m.n_epochs_completed_ == 0 and len(m.loss_history_) == 3
        assert not hasattr(m, "coef_")
        # resumable: the weights were updated, the architecture is fixed, training continues
        with pytest.raises(sparsevar.InvalidArgumentError, match="architecture"):
            m.set_params(channels=8)
        m.fit(runs, labels=LABELS, progress=False)
        assert m.n_epochs_completed_ == 2

    def broken(*_args):
        raise KeyError("from the callback")

    with sparsevar.SparseVARAutoencoder(**PARAMS) as m:
        with pytest.raises(KeyError, match="from the callback"):
            m.fit(runs, labels=LABELS, progress=broken)
        assert len(m.loss_history_) == 1


def test_progress_bar_fallback_and_tqdm(runs, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # make `import tqdm` fail
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with sparsevar.SparseVARAutoencoder(**{**PARAMS, "epochs": 1}) as m:
        m.fit(runs, labels=LABELS, progress=True)
    err = capsys.readouterr().err
    assert "training: 8/8 windows" in err and "analysis: 4/4 runs" in err

    bars = []

    class FakeTqdm:
        def __init__(self, total, desc, unit):
            self.total, self.desc, self.n, self.closed = total, desc, 0, False
            bars.append(self)

        def update(self, n):
            self.n += n

        def set_postfix(self, **_kwargs):
            pass

        def close(self):
            self.closed = True

    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = FakeTqdm
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    with sparsevar.SparseVARAutoencoder(**PARAMS) as m:
        m.fit(runs, labels=LABELS, progress=True)
    assert [(b.desc, b.total, b.n, b.closed) for b in bars] == [
        ("training", 16, 16, True), ("analysis", 4, 4, True)]


# -- persistence --------------------------------------------------------------------------------------


def test_save_load_roundtrip(trained, tmp_path):
    path = tmp_path / "model.svm"
    trained.save(path)
    with sparsevar.SparseVARAutoencoder.load(path) as loaded:
        params = loaded.get_params()
        for name, value in trained.get_params().items():
            if name not in ("test_method", "permutations", "test_seed", "exact_limit"):
                assert params[name] == value, name
        loaded.set_params(permutations=0)
        for name in ("coef_", "influence_", "l_rec_", "r_var_"):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(trained, name))
        for a, b in zip(loaded.latents_, trained.latents_):
            np.testing.assert_array_equal(a, b)
        assert loaded.labels_ == trained.labels_
        assert loaded.n_epochs_completed_ == 2
        for kwargs in (dict(run=3), dict(label=2), dict(difference=(1, 2))):
            np.testing.assert_array_equal(loaded.contribution_map(**kwargs, gain=1.5),
                                          trained.contribution_map(**kwargs, gain=1.5))
        assert loaded.swap_test(1, 2).ranksum_pvalue == trained.swap_test(1, 2).ranksum_pvalue
        frames = trained.dataset_.frames(0, 0, 5)
        np.testing.assert_array_equal(loaded.encode(frames), trained.encode(frames))
        assert "4 runs analysed" in repr(loaded)
        with pytest.raises(sparsevar.InvalidArgumentError, match="architecture"):
            loaded.set_params(depth=3)
        # a loaded model trains further on new data
        loaded.fit(trained.dataset_, progress=False)
        assert loaded.n_epochs_completed_ == 4


def test_load_errors(trained, tmp_path):
    path = tmp_path / "model.svm"
    trained.save(path)
    data = bytearray(path.read_bytes())
    corrupt = tmp_path / "corrupt.svm"
    data[len(data) // 2] ^= 0x40
    corrupt.write_bytes(bytes(data))
    with pytest.raises(sparsevar.SparseVARError, match="corrupted") as info:
        sparsevar.SparseVARAutoencoder.load(corrupt)
    assert info.value.code == -9
    truncated = tmp_path / "truncated.svm"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(sparsevar.SparseVARError, match="truncated") as info:
        sparsevar.SparseVARAutoencoder.load(truncated)
    assert info.value.code == -9
    with pytest.raises(sparsevar.SparseVARError, match="cannot open") as info:
        sparsevar.SparseVARAutoencoder.load(tmp_path / "missing.svm")
    assert info.value.code == -10
    with pytest.raises(sparsevar.NotFittedError):
        sparsevar.SparseVARAutoencoder().save(tmp_path / "untrained.svm")


# -- bad input -----------------------------------------------------------------------------------------


def test_bad_inputs_raise_with_the_library_message(trained, runs):
    m = trained
    coef = m.coef_.copy()
    with pytest.raises(sparsevar.ShapeError, match="16 x 16"):
        m.fit([np.zeros((30, 8, 8), np.float32) + np.arange(64).reshape(8, 8)], progress=False)
    nan_runs = [r.copy() for r in runs]
    nan_runs[2][5, 3, 3] = np.nan
    with pytest.raises(sparsevar.NonFiniteError, match="NaN"):
        m.fit(nan_runs, labels=LABELS, progress=False)
    with pytest.raises(sparsevar.InvalidArgumentError, match="unknown run 9"):
        m.contribution_map(run=9)
    with pytest.raises(sparsevar.InvalidArgumentError, match="no analysed run has label 5"):
        m.contribution_map(label=5)
    with pytest.raises(sparsevar.InvalidArgumentError, match="exactly one"):
        m.contribution_map(run=0, label=1)
    with pytest.raises(sparsevar.InvalidArgumentError, match="same"):
        m.swap_test(1, 1)
    with pytest.raises(sparsevar.ShapeError, match="8 x 8"):
        m.encode(np.zeros((2, 8, 8), np.float32))
    with pytest.raises(sparsevar.NonFiniteError):
        m.encode(np.full((1, H, W), np.inf, np.float32))
    # architecture changes after training are refused; the parameter keeps its value
    with pytest.raises(sparsevar.InvalidArgumentError, match="DEPTH.*architecture") as info:
        m.set_params(depth=3)
    assert "depth=3" in info.value.message and m.depth == 2
    with pytest.raises(sparsevar.InvalidArgumentError, match="alpha"):
        m.set_params(alpha=-1.0)
    assert m.alpha == PARAMS["alpha"]
    # nothing above changed the model
    assert m.n_epochs_completed_ == 2
    np.testing.assert_array_equal(m.coef_, coef)

    with sparsevar.SparseVARAutoencoder(**{**PARAMS, "window": 3}) as short:
        with pytest.raises(sparsevar.InvalidArgumentError, match="lag"):
            short.fit(runs, labels=LABELS, progress=False)
    with sparsevar.SparseVARAutoencoder(**{**PARAMS, "depth": 5}) as deep:
        with pytest.raises(sparsevar.ShapeError, match="2\\^depth"):
            deep.fit(runs, labels=LABELS, progress=False)
    with pytest.raises(sparsevar.InvalidArgumentError, match="mode"):
        sparsevar.SparseVARAutoencoder(mode="backwards").fit(runs, progress=False)
    with pytest.raises(sparsevar.NotFittedError):
        sparsevar.SparseVARAutoencoder().swap_test(1, 2)


def test_synthetic_experiment_is_seeded_and_labelled():
    with sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=3) as experiment:
        assert experiment.n_runs == 10
        assert list(experiment.labels) == [0] * 5 + [1] * 5
        first = experiment.frames(0, 0, 4)
        assert first.dtype == np.uint16 and first.shape == (4, *experiment.frame_shape)
        np.testing.assert_array_equal(first, sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=3).frames(0, 0, 4))
        assert not np.array_equal(first, sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=4).frames(0, 0, 4))
        truth = experiment.ground_truth
        assert truth.shape == experiment.frame_shape and 0 < truth.max() <= 1
        with pytest.raises(sparsevar.InvalidArgumentError):
            experiment.frames(0, 0, 10_000)
    with pytest.raises(sparsevar.InvalidArgumentError):
        sparsevar.SyntheticTwoPhotonGenerator("huge")


def test_synthetic_null_experiment_shares_everything_but_the_difference():
    effect = sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=3)
    null = sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=3, null=True)
    assert null.null and "null=True" in repr(null)
    assert not null.ground_truth.any() and effect.ground_truth.any()
    # F runs (condition 0) have the same network in both variants: identical frames.
    np.testing.assert_array_equal(null.frames(0, 0, 6), effect.frames(0, 0, 6))
    # N runs differ only where the effect variant's coupling differs.
    assert not np.array_equal(null.frames(5, 0, 6), effect.frames(5, 0, 6))
    # Per-run brightness: without gain, drift and bleaching the mean frame of a run moves less.
    flat = sparsevar.SyntheticTwoPhotonGenerator(
        "tiny", seed=3, null=True, run_brightness_variation=0, run_gain_variation=0,
        drift_amplitude=0, bleaching_rate=(0, 0))
    spread = lambda e: np.std([e.frames(r, 0, 40).mean() for r in range(e.n_runs)])
    assert spread(flat) < spread(null)
    with pytest.raises(sparsevar.InvalidArgumentError):
        sparsevar.SyntheticTwoPhotonGenerator("tiny", run_gain_variation=0.9)
    with pytest.raises(sparsevar.InvalidArgumentError):
        sparsevar.SyntheticTwoPhotonGenerator("tiny", bleaching_rate=(0.2, 0.1))


# -- the default recipe and the map read-outs --------------------------------------------------------


def test_automatic_depth_is_chosen_from_the_run_lengths(runs):
    # depth=0 (the default): runs of 40 frames allow 40 // 25 = 1 latent value, so 16 x 16 frames
    # are pooled as far as they go (depth 4, a 1 x 1 grid); get_params keeps 0.
    params = dict(PARAMS, depth=0, epochs=1)
    with sparsevar.SparseVARAutoencoder(**params).fit(runs, labels=LABELS, progress=False) as m:
        assert m.get_params()["depth"] == 0
        assert m.depth_ == 4 and m.latent_shape_ == (1, 1, 1)
    # Longer runs (200 frames: 8 values) give a 2 x 2 grid: depth 3.
    rng = np.random.default_rng(7)
    long_runs = [blob_run(rng, c, frames=200) for c in (0.5, -0.5)]
    with sparsevar.SparseVARAutoencoder(**params).fit(long_runs, progress=False, analyze=False) as m:
        assert m.depth_ == 3 and m.latent_shape_ == (1, 2, 2)
    assert sparsevar.SparseVARAutoencoder.param_bounds("depth") == (0.0, 8.0, 0.0)
    assert sparsevar.SparseVARAutoencoder().get_params()["epochs"] == 10


def test_map_readouts(trained):
    m = trained
    assert m.map_readout == "latent_grid"
    grid = m.contribution_map(run=1, gain=2.0)
    # Latent grid: each pixel gets gain * c[its cell] * w, one weight image w for every run, so
    # the ratio of two runs' maps is constant within a cell.
    cell = H // m.latent_shape_[1]
    other = m.contribution_map(run=2, gain=2.0)
    for i in range(0, H, cell):
        for j in range(0, W, cell):
            a, b = grid[i:i + cell, j:j + cell], other[i:i + cell, j:j + cell]
            c1 = m.influence_[1][(i // cell) * m.latent_shape_[2] + j // cell]
            c2 = m.influence_[2][(i // cell) * m.latent_shape_[2] + j // cell]
            np.testing.assert_allclose(a * c2, b * c1, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(m.contribution_map(run=1, gain=1.0) * 2, grid, rtol=1e-6)
    m.set_params(map_readout="decoder")
    try:
        decoded = m.contribution_map(run=1, gain=2.0)
        assert decoded.shape == (H, W) and np.all(np.isfinite(decoded))
        assert not np.allclose(decoded, grid)
    finally:
        m.set_params(map_readout="latent_grid")
    with pytest.raises(sparsevar.InvalidArgumentError):
        m.set_params(map_readout="painted")
