"""What a notebook user runs into: Ctrl-C during a long call, ``score`` as scikit-learn has it,
arrays given the wrong way round, raw counts given to ``encode``, and condition names as labels.
The autoencoder runs on tiny blob videos (test_model's recipe)."""

import contextlib
import os
import signal
import threading
import warnings

import numpy as np
import pytest
from sklearn.metrics import r2_score

import sparsevar
from test_model import PARAMS, blob_run

H = W = 16
T = 40


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(14)
    return [blob_run(rng, c) for c in (0.5, 0.5, -0.5, -0.5)]


def raw_counts(run):
    """A run as a camera gives it: uint16 counts spanning most of the 16-bit range."""
    return np.round(run * 40000).astype(np.uint16)


def var1_series(rng, t=400, k=4):
    a = 0.5 * np.eye(k)
    a[1, 0] = 0.4
    z = np.zeros((t, k))
    for i in range(1, t):
        z[i] = a @ z[i - 1] + rng.standard_normal(k)
    return z


# -- Ctrl-C -------------------------------------------------------------------------------------


def _interrupt_now():
    os.kill(os.getpid(), signal.SIGINT)


@contextlib.contextmanager
def ctrl_c_after_first_progress(callback_class):
    """Presses Ctrl-C (SIGINT from another thread, as a terminal does) once the library has
    reported progress the first time through `callback_class`, the binding's internal callback;
    yields the list of progress points seen."""
    timer = threading.Timer(0.0, _interrupt_now)
    original = callback_class._call
    seen = []

    def call(self, *args):
        seen.append(args[:-1])
        if len(seen) == 1:
            timer.start()
        return original(self, *args)

    callback_class._call = call
    try:
        yield seen
    finally:
        callback_class._call = original
        if seen:
            timer.join()


def test_ctrl_c_stops_a_var_fit_and_keeps_the_previous_fit(rng):
    z = var1_series(rng, t=300, k=40)
    model = sparsevar.SparseVARModel(p=2, alpha=0.01, n_threads=1).fit(z)
    before = model.coef_.copy()
    with ctrl_c_after_first_progress(sparsevar.var._Progress) as seen:
        with pytest.raises(KeyboardInterrupt):
            model.fit(z[::-1].copy())  # no progress callable
    assert seen and seen[-1][0] < 40  # stopped before all outputs were fitted
    np.testing.assert_array_equal(model.coef_, before)
    np.testing.assert_array_equal(model._coef_from_handle(), before)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    model.fit(z)  # usable afterwards


def test_ctrl_c_stops_training(runs):
    model = sparsevar.SparseVARAutoencoder(**{**PARAMS, "epochs": 200})
    with ctrl_c_after_first_progress(sparsevar.model._TrainingProgress) as seen:
        with pytest.raises(KeyboardInterrupt):
            model.fit(runs, labels=[0, 0, 1, 1], progress=False)
    assert seen and model.n_epochs_completed_ < 200
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with model:
        model.set_params(epochs=1)
        model.fit(runs, labels=[0, 0, 1, 1], progress=False)  # goes on training
        assert model.n_runs_ == 4


def test_a_programs_own_sigint_handler_is_left_in_charge(rng):
    seen = []
    previous = signal.signal(signal.SIGINT, lambda *args: seen.append(args[0]))
    try:
        z = var1_series(rng, t=200, k=6)
        model = sparsevar.SparseVARModel(p=1, n_threads=1)
        model.fit(z, progress=lambda done, total: _interrupt_now() if not seen else None)
        assert seen == [signal.SIGINT]
        assert model.coef_.shape == (1, 6, 6)  # the fit was not stopped
    finally:
        signal.signal(signal.SIGINT, previous)


# -- score ----------------------------------------------------------------------------------------


def test_sparse_var_score_is_sklearn_r2_of_the_forecasts(rng):
    z = var1_series(rng)
    model = sparsevar.SparseVARModel(p=2, alpha=0.01).fit(z)
    held_out = var1_series(rng)
    expected = r2_score(held_out[2:], model.predict(held_out))
    assert model.score(held_out) == pytest.approx(expected, rel=1e-12)
    assert 0.0 < model.score(held_out) < 1.0
    noise = rng.standard_normal((400, 4))
    assert model.score(noise) < model.score(held_out)
    with pytest.raises(sparsevar.NotFittedError):
        sparsevar.SparseVARModel().score(z)


def test_autoencoder_score_is_minus_the_weighted_reconstruction_error(runs):
    with sparsevar.SparseVARAutoencoder(**PARAMS).fit(runs, labels=[0, 0, 1, 1],
                                                      progress=False) as model:
        own = model.score()
        weights = np.array([len(z) - model.n_lags_ for z in model.latents_])
        assert own == pytest.approx(-np.average(model.l_rec_, weights=weights), rel=1e-12)
        coef_before = model.coef_.copy()
        # Other runs, scored by a copy: the model's own analysis stays.
        rng = np.random.default_rng(5)
        other = [blob_run(rng, 0.5, frames=30)]
        assert model.score(other) < 0
        assert model.score(runs, labels=[0, 0, 1, 1]) == pytest.approx(own, rel=1e-6)
        np.testing.assert_array_equal(model.coef_, coef_before)
        assert model.n_runs_ == 4


# -- transposed input -----------------------------------------------------------------------------


def test_a_transposed_series_is_named_as_such(rng):
    z = var1_series(rng, t=200, k=4)
    with pytest.raises(sparsevar.ShapeError, match=r"pass z\.T"):
        sparsevar.SparseVARModel(p=5).fit(z.T)  # (4, 200): 4 time points of 200 series
    wide = var1_series(rng, t=40, k=60)
    with pytest.warns(UserWarning, match=r"more series \(K = 60\) than time points"):
        sparsevar.SparseVARModel(p=1, alpha=0.1).fit(wide)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sparsevar.SparseVARModel(p=1).fit(z)  # the right way round: no warning


def test_frames_given_as_height_width_time_are_named_as_such(runs):
    with sparsevar.FrameDataset(H, W) as dataset:
        dataset.add_run(runs[0])
        with pytest.raises(sparsevar.ShapeError, match=r"np\.moveaxis\(frames, -1, 0\)"):
            dataset.add_run(np.moveaxis(runs[1], 0, -1))  # (16, 16, 40)
        run = dataset.begin_run()
        with pytest.raises(sparsevar.ShapeError, match="height, width, time"):
            dataset.append(run, np.moveaxis(runs[1][:5], 0, -1))
        assert dataset.n_frames == T
    moved = [np.moveaxis(runs[0], 0, -1), np.moveaxis(runs[1][:30], 0, -1)]
    with pytest.raises(sparsevar.ShapeError, match="look like \\(height, width, time\\)"):
        sparsevar.FrameDataset.from_runs(moved)
    with pytest.raises(sparsevar.ShapeError, match="height, width, time"):
        sparsevar.SparseVARAutoencoder(**PARAMS).fit(moved, progress=False)


# -- encode and raw counts --------------------------------------------------------------------------


def test_encode_normalises_raw_counts_as_the_training_data(runs, tmp_path):
    counts = [raw_counts(run) for run in runs]
    with sparsevar.SparseVARAutoencoder(**PARAMS).fit(counts, labels=[0, 0, 1, 1],
                                                      progress=False) as model:
        low, high = model.dataset_.range
        normalised = model.dataset_.frames(0)
        expected = model.encode(normalised)
        np.testing.assert_allclose(model.encode(counts[0]), expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.latents_[0], expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.encode(counts[0].astype(np.float32), value_range=(low, high)),
                                   expected, rtol=1e-5, atol=1e-6)
        with pytest.raises(sparsevar.InvalidArgumentError, match="normalised to \\[0, 1\\]"):
            model.encode(counts[0].astype(np.float32))  # raw units as float
        model.save(tmp_path / "model.svnet")
    with sparsevar.SparseVARAutoencoder.load(tmp_path / "model.svnet") as loaded:
        with pytest.raises(sparsevar.InvalidArgumentError, match="value_range"):
            loaded.encode(counts[0])
        np.testing.assert_allclose(loaded.encode(counts[0], value_range=(low, high)), expected,
                                   rtol=1e-5, atol=1e-6)
        with pytest.raises(sparsevar.InvalidArgumentError, match="high > low"):
            loaded.encode(counts[0], value_range=(5, 5))


# -- condition names --------------------------------------------------------------------------------


def test_string_labels_name_the_conditions(runs):
    with sparsevar.FrameDataset(H, W) as dataset:
        dataset.add_run(runs[0], label=7)
        for run, label in zip(runs[1:], ["familiar", "novel", "familiar"]):
            dataset.add_run(run, label=label)
        # Names get integers no run uses; integers stay as they are.
        assert dataset.label_names == {"familiar": 0, "novel": 1}
        assert dataset.labels == [7, "familiar", "novel", "familiar"]
        dataset.set_label(0, "novel")
        assert dataset.get_label(0) == "novel"
        with pytest.raises(sparsevar.InvalidArgumentError, match="condition 'familiar'"):
            dataset.set_label(0, 0)  # 0 is familiar's number: ambiguous
        assert "labels ['novel', 'familiar']" in repr(dataset)


def test_string_labels_through_training_tests_and_maps(runs):
    names = ["F", "F", "N", "N"]
    numbers = [0, 0, 1, 1]
    with sparsevar.SparseVARAutoencoder(**PARAMS).fit(runs, labels=names, progress=False) as named, \
            sparsevar.SparseVARAutoencoder(**PARAMS).fit(runs, labels=numbers,
                                                         progress=False) as numbered:
        assert named.labels_ == names
        assert named.dataset_.label_names == {"F": 0, "N": 1}
        by_name = named.swap_test("F", "N")
        by_number = numbered.swap_test(0, 1)
        assert by_name.statistic == by_number.statistic
        assert by_name.ranksum_pvalue == by_number.ranksum_pvalue
        np.testing.assert_equal(by_name.pvalue, by_number.pvalue)  # NaN with permutations=0
        np.testing.assert_array_equal(named.contribution_map(difference=("N", "F")),
                                      numbered.contribution_map(difference=(1, 0)))
        np.testing.assert_array_equal(named.contribution_map(label="F"),
                                      numbered.contribution_map(label=0))
        with pytest.raises(sparsevar.InvalidArgumentError, match="no condition is named 'X'"):
            named.influence_test("F", "X")


# -- reprs ------------------------------------------------------------------------------------------


def test_reprs_are_one_short_line(rng):
    z = var1_series(rng, t=300, k=30)
    mask = np.ones((30, 30), bool)
    model = sparsevar.SparseVARModel(p=2, alpha=0.05, mask=mask)
    assert repr(model) == "SparseVARModel(p=2, alpha=0.05, mask=<30x30 mask>)"
    model.fit(z)
    text = repr(model)
    nonzero = np.count_nonzero(model.coef_)
    assert text == (f"SparseVARModel(p=2, alpha=0.05, mask=<30x30 mask>) [fitted: K=30, p=2, {nonzero} "
                    f"of 1800 coefficients non-zero]")
    model.close()
    assert repr(model).endswith("[closed]") and "\n" not in repr(model)
