"""Bad input gives the documented exception and leaves every object unchanged."""

import threading
from ctypes import POINTER, byref, c_double, c_int64

import numpy as np
import pytest

import sparsevar
from sparsevar._lib import lib
from _support import simulate_var


@pytest.fixture
def fitted(rng):
    z = simulate_var(rng, 120, 4, 2)[1]
    model = sparsevar.SparseVARModel(p=2, alpha=0.02).fit(z)
    return model, z


def _snapshot(model):
    return {name: np.copy(getattr(model, name))
            for name in ("coef_", "intercept_", "sigma_", "alphas_", "influence_")}


def _assert_unchanged(model, snapshot, z):
    for name, value in snapshot.items():
        np.testing.assert_array_equal(getattr(model, name), value)
    # The C handle still holds the same fit.
    np.testing.assert_array_equal(model._coef_from_handle(), snapshot["coef_"])
    np.testing.assert_array_equal(
        model.predict(z), sparsevar.SparseVARModel(p=2, alpha=0.02).fit(z).predict(z))


def test_exception_hierarchy():
    assert issubclass(sparsevar.SparseVARError, RuntimeError)
    for cls in (sparsevar.InvalidArgumentError, sparsevar.ShapeError, sparsevar.NonFiniteError):
        assert issubclass(cls, sparsevar.SparseVARError) and issubclass(cls, ValueError)
    assert issubclass(sparsevar.NotFittedError, AttributeError)
    assert issubclass(sparsevar.NumericalError, ArithmeticError)
    assert issubclass(sparsevar.OutOfMemoryError, MemoryError)
    assert not issubclass(sparsevar.CancelledError, ValueError)


def test_error_carries_code_errstr_and_message():
    with pytest.raises(sparsevar.InvalidArgumentError) as info:
        sparsevar.lasso_lars(np.ones((3, 2)), np.ones(3), -1.0)
    error = info.value
    assert error.code == -1
    assert error.errstr == "invalid argument"
    assert "lambda" in error.message and "-1" in error.message
    assert error.message in str(error)
    import pickle

    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and again.message == error.message


@pytest.mark.parametrize("code,cls", [
    (-1, sparsevar.InvalidArgumentError), (-2, sparsevar.ShapeError),
    (-3, sparsevar.NonFiniteError), (-4, sparsevar.NotFittedError),
    (-5, sparsevar.NumericalError), (-6, sparsevar.BufferTooSmallError),
    (-7, sparsevar.CancelledError), (-8, sparsevar.OutOfMemoryError),
    (-99, sparsevar.SparseVARError), (-12345, sparsevar.SparseVARError),
])
def test_code_mapping(code, cls):
    from sparsevar._lib import error_for_code

    error = error_for_code(code, "detail")
    assert type(error) is cls and error.code == code and error.message == "detail"
    assert error.errstr == lib.sparsevar_errstr(code).decode()


def test_nan_after_good_fit_keeps_the_fit(fitted):
    model, z = fitted
    before = _snapshot(model)
    bad = z.copy()
    bad[5, 1] = np.nan
    with pytest.raises(sparsevar.NonFiniteError, match="NaN"):
        model.fit(bad)
    bad[5, 1] = np.inf
    with pytest.raises(sparsevar.NonFiniteError):
        model.fit(bad.astype(np.float32))
    _assert_unchanged(model, before, z)


@pytest.mark.parametrize("params,exception,match", [
    ({"alpha": -0.1}, sparsevar.InvalidArgumentError, r"alpha=-0\.1.*\[0\.0, inf\]"),
    ({"alpha": np.nan}, sparsevar.InvalidArgumentError, "alpha=nan"),
    ({"p": 0}, sparsevar.InvalidArgumentError, r"p=0\).*integer in \[1\.0, 1000\.0\]"),
    ({"p": 2.5}, sparsevar.InvalidArgumentError, "p=2.5.*integer"),
    ({"p": 1001}, sparsevar.InvalidArgumentError, "p=1001"),
    ({"eps_gamma": -1.0}, sparsevar.InvalidArgumentError, "eps_gamma=-1.0"),
    ({"max_iter": -1}, sparsevar.InvalidArgumentError, "max_iter=-1"),
    ({"n_threads": -2}, sparsevar.InvalidArgumentError, "n_threads=-2"),
    ({"criterion": "hqic"}, sparsevar.InvalidArgumentError, "criterion"),
    ({"p": "five"}, sparsevar.InvalidArgumentError, "not a number"),
    ({"mask": np.ones((3, 3), bool)}, sparsevar.ShapeError, "mask"),
    ({"mask": np.ones((4, 3), bool)}, sparsevar.ShapeError, "mask"),
    ({"p": 60}, sparsevar.ShapeError, "time points"),  # T < p + 2
])
def test_bad_parameters_keep_the_fit(fitted, params, exception, match):
    model, z = fitted
    before = _snapshot(model)
    model.set_params(**params)
    with pytest.raises(exception, match=match):
        model.fit(z[:61])
    model.set_params(p=2, alpha=0.02, eps_gamma=0.0, max_iter=0, n_threads=0, criterion=None,
                     mask=None)
    _assert_unchanged(model, before, z)


@pytest.mark.parametrize("series,exception", [
    (np.empty((0, 3)), sparsevar.ShapeError),
    (np.empty((10, 0)), sparsevar.ShapeError),
    (np.ones(10), sparsevar.ShapeError),
    (np.ones((4, 4, 4)), sparsevar.ShapeError),
    (np.ones((3, 2)), sparsevar.ShapeError),  # T = 3 < p + 2
    (np.ones((50, 3)), sparsevar.NumericalError),  # constant: no scale
    ([["a", "b"]] * 10, sparsevar.InvalidArgumentError),
])
def test_bad_series_keep_the_fit(fitted, series, exception):
    model, z = fitted
    before = _snapshot(model)
    with pytest.raises(exception):
        model.fit(series)
    _assert_unchanged(model, before, z)


def test_errors_of_a_fitted_model(fitted):
    model, z = fitted
    with pytest.raises(sparsevar.ShapeError, match="K = 3"):
        model.predict(z[:, :3])
    with pytest.raises(sparsevar.ShapeError):
        model.predict(z[:2])  # not more than p time points
    with pytest.raises(sparsevar.ShapeError):
        model.predict(z[0])
    with pytest.raises(sparsevar.NonFiniteError):
        model.r_var(np.full_like(z, np.nan))
    with pytest.raises(sparsevar.NumericalError):
        model.r_var(np.zeros_like(z))
    with pytest.raises(sparsevar.InvalidArgumentError, match="criterion"):
        model.path(0)


def test_criterion_errors(rng):
    z = simulate_var(rng, 30, 6, 1)[1]
    model = sparsevar.SparseVARModel(p=5, criterion="aic")
    with pytest.raises(sparsevar.InvalidArgumentError, match="more samples than features"):
        model.fit(z)
    model.set_params(p=1).fit(z)
    with pytest.raises(sparsevar.InvalidArgumentError, match="out of range"):
        model.path(6)
    with pytest.raises(sparsevar.InvalidArgumentError, match="out of range"):
        model.path(-1)


def test_not_fitted(rng):
    model = sparsevar.SparseVARModel()
    assert not hasattr(model, "coef_")
    with pytest.raises(sparsevar.NotFittedError, match="fit"):
        model.predict(rng.standard_normal((20, 3)))
    with pytest.raises(sparsevar.NotFittedError):
        model.r_var(rng.standard_normal((20, 3)))
    with pytest.raises(sparsevar.NotFittedError):
        model.path(0)
    with pytest.raises(AttributeError):
        model._coef_from_handle()


def test_unknown_parameters():
    model = sparsevar.SparseVARModel()
    with pytest.raises(sparsevar.InvalidArgumentError, match="unknown parameter"):
        model.set_params(lambda_=0.1)
    value = np.zeros(1)
    for call in (lambda: lib.sparsevar_var_set_param(model._handle, 999, 1.0),
                 lambda: lib.sparsevar_var_get_param(
                     model._handle, 106, value.ctypes.data_as(POINTER(c_double))),
                 lambda: lib.sparsevar_var_param_bounds(99, None, None, None)):
        with pytest.raises(sparsevar.InvalidArgumentError, match="unknown VAR parameter"):
            call()


def test_parameter_bounds_and_defaults_match_the_constructor():
    from ctypes import byref, c_double

    from sparsevar import var

    lower, upper, default = c_double(), c_double(), c_double()
    expected = {var.PARAM_LAG: 5, var.PARAM_LAMBDA: 0.01, var.PARAM_EPS_GAMMA: 0.0,
                var.PARAM_NORMALIZE: 1, var.PARAM_INTERCEPT: 0, var.PARAM_MAX_ITER: 0,
                var.PARAM_CRITERION: 0, var.PARAM_THREADS: 0}
    for code, value in expected.items():
        lib.sparsevar_var_param_bounds(code, byref(lower), byref(upper), byref(default))
        assert default.value == value and lower.value <= value <= upper.value
    d = sparsevar.SparseVARModel().get_params()
    assert (d["p"], d["alpha"], d["eps_gamma"], d["max_iter"], d["n_threads"]) == (5, 0.01, 0, 0, 0)


@pytest.mark.parametrize("X,y,alpha,exception", [
    (np.empty((0, 3)), np.empty(0), 0.1, sparsevar.ShapeError),
    (np.empty((5, 0)), np.ones(5), 0.1, sparsevar.ShapeError),
    (np.ones((5, 2)), np.ones(4), 0.1, sparsevar.ShapeError),
    (np.ones(5), np.ones(5), 0.1, sparsevar.ShapeError),
    (np.ones((5, 2)), np.ones((5, 1)), 0.1, sparsevar.ShapeError),
    (np.full((5, 2), np.nan), np.ones(5), 0.1, sparsevar.NonFiniteError),
    (np.ones((5, 2)), np.array([1, 2, np.inf, 4, 5.0]), 0.1, sparsevar.NonFiniteError),
    (np.ones((5, 2)), np.ones(5), -1e-300, sparsevar.InvalidArgumentError),
    (np.ones((5, 2)), np.ones(5), np.inf, sparsevar.InvalidArgumentError),
    (np.ones((5, 2)), np.ones(5), np.nan, sparsevar.InvalidArgumentError),
])
def test_bad_lasso_inputs(X, y, alpha, exception):
    with pytest.raises(exception):
        sparsevar.lasso_lars(X, y, alpha)
    with pytest.raises(exception):
        sparsevar.lars_path(X, y, alpha_min=alpha)


def test_bad_path_and_solver_options(rng):
    X, y = rng.standard_normal((10, 3)), rng.standard_normal(10)
    with pytest.raises(sparsevar.InvalidArgumentError, match="eps_gamma"):
        sparsevar.lasso_lars(X, y, 0.1, eps_gamma=-1.0)
    with pytest.raises(sparsevar.SparseVARError, match="max_iter"):
        sparsevar.lars_path(X, y, max_iter=-1)


def test_last_error_is_per_thread():
    with pytest.raises(sparsevar.InvalidArgumentError):
        sparsevar.lasso_lars(np.ones((3, 2)), np.ones(3), -1.0)
    main_message = lib.sparsevar_last_error()
    seen = []

    def other():
        seen.append(lib.sparsevar_last_error())
        try:
            sparsevar.lasso_lars(np.ones((3, 2)), np.ones(3), 0.1, eps_gamma=-5.0)
        except sparsevar.InvalidArgumentError as error:
            seen.append(error.message)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen[0] == b""
    assert "eps_gamma" in seen[1]
    assert lib.sparsevar_last_error() == main_message
    assert b"lambda" in main_message


def test_sizes_beyond_memory_raise_out_of_memory():
    # 2^24 x 2^24 pixels: the mean frame alone would exceed the 2^47 bytes a process can address.
    with pytest.raises(sparsevar.OutOfMemoryError, match="out of memory"):
        sparsevar.FrameDataset(1 << 24, 1 << 24)
    assert issubclass(sparsevar.OutOfMemoryError, MemoryError)


def test_handle_of_another_type_is_refused(fitted):
    model, _ = fitted
    n_runs, n_frames = c_int64(-1), c_int64(-1)
    # A sparsevar_var handle passed where a sparsevar_dataset is expected.
    with pytest.raises(sparsevar.InvalidArgumentError, match="another type"):
        lib.sparsevar_dataset_size(model._handle, byref(n_runs), byref(n_frames))
    assert n_runs.value == -1 and n_frames.value == -1
    dataset = sparsevar.FrameDataset(8, 8)
    lib.sparsevar_dataset_size(dataset._handle, byref(n_runs), byref(n_frames))
    assert n_runs.value == 0 and n_frames.value == 0
