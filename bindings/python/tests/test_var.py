"""SparseVARModel against scikit-learn on the explicitly built lagged design (docs/method.md):
u = z / z.std(), X rows [u_{t-1}, ..., u_{t-p}], one lasso per output."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LassoLarsIC

import sparsevar
from _support import lagged_design, relative_difference, simulate_var, sklearn_lasso

TOLERANCE = 1e-8


def _blocks(w, p, K):
    """Row j of [A_1 ... A_p] (length pK) as p x K."""
    return w.reshape(p, K)


def _series(seed, T=150, K=5, p=2):
    rng = np.random.default_rng(seed)
    return simulate_var(rng, T, K, p)[1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", [0.005, 0.05, 0.2])
@pytest.mark.parametrize("seed", range(3))
def test_coefficients_match_per_output_lars_path(seed, alpha, dtype):
    p, K = 2, 5
    z = _series(seed, K=K, p=p).astype(dtype)
    model = sparsevar.SparseVARModel(p=p, alpha=alpha).fit(z)
    X, U, sigma = lagged_design(z.astype(np.float64), p)
    assert model.sigma_ == pytest.approx(sigma, rel=1e-12)
    assert model.coef_.shape == (p, K, K)
    for j in range(K):
        expected = _blocks(sklearn_lasso(X, U[:, j], alpha), p, K)
        assert relative_difference(model.coef_[:, j, :], expected) <= TOLERANCE
    np.testing.assert_array_equal(model.alphas_, np.full(K, alpha))
    np.testing.assert_array_equal(model.intercept_, np.zeros(K))
    assert model.n_features_in_ == K


def test_float32_input_equals_its_float64_widening():
    z = _series(7).astype(np.float32)
    a = sparsevar.SparseVARModel(p=2, alpha=0.02).fit(z)
    b = sparsevar.SparseVARModel(p=2, alpha=0.02).fit(z.astype(np.float64))
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.sigma_ == b.sigma_


def test_mask_matches_lars_path_on_masked_columns(rng):
    p, K = 3, 6
    z = _series(11, T=200, K=K, p=p)
    mask = rng.random((K, K)) < 0.5
    mask[0] = False  # an output with no allowed driver
    mask[1] = True
    model = sparsevar.SparseVARModel(p=p, alpha=0.01, mask=mask).fit(z)
    X, U, _ = lagged_design(z, p)
    for j in range(K):
        allowed = np.tile(mask[j], p)  # column (k - 1) K + l is allowed when mask[j, l]
        expected = np.zeros(p * K)
        if allowed.any():
            expected[allowed] = sklearn_lasso(X[:, allowed], U[:, j], 0.01)
        assert relative_difference(model.coef_[:, j, :], _blocks(expected, p, K)) <= TOLERANCE
    assert np.all(model.coef_[:, ~mask] == 0)


@pytest.mark.parametrize("fit_intercept", [False, True, "columns"])
@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_criterion_matches_lasso_lars_ic(criterion, fit_intercept):
    p, K = 2, 4
    z = _series(21, T=200, K=K, p=p) + (0.7 if fit_intercept else 0.0)
    model = sparsevar.SparseVARModel(p=p, criterion=criterion, fit_intercept=fit_intercept).fit(z)
    X, U, _ = lagged_design(z, p)
    for j in range(K):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = LassoLarsIC(criterion=criterion, fit_intercept=bool(fit_intercept)).fit(X, U[:, j])
        assert relative_difference(model.coef_[:, j, :], _blocks(reference.coef_, p, K)) <= TOLERANCE
        assert model.alphas_[j] == pytest.approx(reference.alpha_, rel=TOLERANCE, abs=1e-14)
        assert model.intercept_[j] == pytest.approx(reference.intercept_, rel=1e-7, abs=1e-12)
        path = model.path(j)
        assert isinstance(path, sparsevar.CriterionPath)
        assert relative_difference(path.alphas, reference.alphas_) <= TOLERANCE
        assert relative_difference(path.criterion, reference.criterion_) <= TOLERANCE


@pytest.mark.parametrize("alpha", [0.002, 0.03])
def test_intercept_matches_lars_path_on_centred_data(alpha):
    p, K = 2, 4
    z = _series(31, T=180, K=K, p=p) + 2.0
    model = sparsevar.SparseVARModel(p=p, alpha=alpha, fit_intercept=True).fit(z)
    X, U, _ = lagged_design(z, p)
    Xc, Uc = X - X.mean(axis=0), U - U.mean(axis=0)
    for j in range(K):
        w = sklearn_lasso(Xc, Uc[:, j], alpha)
        assert relative_difference(model.coef_[:, j, :], _blocks(w, p, K)) <= TOLERANCE
        expected_intercept = U[:, j].mean() - X.mean(axis=0) @ w
        assert model.intercept_[j] == pytest.approx(expected_intercept, rel=1e-9, abs=1e-12)


def test_series_mean_is_the_plain_fit_of_the_centred_series():
    """fit_intercept="series_mean": the VAR of z minus its temporal mean m (bit for bit), its
    intercept (I - sum_k A_k) m / sigma, and forecasts of any series around its own mean."""
    p, K = 2, 4
    z = _series(33, T=180, K=K, p=p) + np.arange(K)
    model = sparsevar.SparseVARModel(p=p, alpha=0.01, fit_intercept="series_mean").fit(z)
    m = z.mean(axis=0)
    plain = sparsevar.SparseVARModel(p=p, alpha=0.01).fit(z - m)
    np.testing.assert_array_equal(model.coef_, plain.coef_)
    assert model.sigma_ == plain.sigma_
    A = model.coef_
    np.testing.assert_allclose(model.intercept_, (m - A.sum(axis=0) @ m) / model.sigma_, rtol=1e-12, atol=1e-14)
    for series in (z, 2.0 * z[:70] - 1.0):
        own = series.mean(axis=0)
        T = series.shape[0]
        expected = np.array([own + sum(A[k] @ (series[t - k - 1] - own) for k in range(p)) for t in range(p, T)])
        assert relative_difference(model.predict(series), expected) <= 1e-12
    fitted = np.array([sum(A[k] @ z[t - k - 1] for k in range(p)) for t in range(p, z.shape[0])])
    assert relative_difference(model.predict(z), fitted + model.sigma_ * model.intercept_) <= 1e-12
    with pytest.raises(sparsevar.InvalidArgumentError, match="fit_intercept"):
        sparsevar.SparseVARModel(fit_intercept="mean").fit(z)


def test_without_normalization():
    p, K = 2, 4
    z = 3.0 * _series(41, K=K, p=p)
    model = sparsevar.SparseVARModel(p=p, alpha=0.05, normalize=False).fit(z)
    assert model.sigma_ == 1.0
    X, U, _ = lagged_design(z, p, normalize=False)
    for j in range(K):
        expected = _blocks(sklearn_lasso(X, U[:, j], 0.05), p, K)
        assert relative_difference(model.coef_[:, j, :], expected) <= TOLERANCE


def test_predict_r_var_and_influence():
    p, K = 3, 5
    z = _series(51, T=120, K=K, p=p)
    model = sparsevar.SparseVARModel(p=p, alpha=0.01).fit(z)
    A = model.coef_
    T = z.shape[0]
    expected = np.array([sum(A[k] @ z[t - k - 1] for k in range(p)) for t in range(p, T)])
    forecast = model.predict(z)
    assert forecast.shape == (T - p, K)
    assert relative_difference(forecast, expected) <= 1e-12
    errors = np.sum((z[p:] - expected) ** 2, axis=1) / np.sum(z[p:] ** 2, axis=1)
    assert model.r_var(z) == pytest.approx(errors.mean(), rel=1e-12)
    influence = np.abs(A).sum(axis=(0, 1)) - np.abs(np.diagonal(A, axis1=1, axis2=2)).sum(axis=0)
    assert relative_difference(model.influence_, influence) <= 1e-12
    # Another series of the same dimension works too.
    other = _series(52, T=40, K=K, p=p)
    assert model.predict(other).shape == (40 - p, K)


def test_predict_with_intercept_uses_the_series_scale():
    p, K = 2, 3
    z = _series(61, T=150, K=K, p=p) + 1.5
    model = sparsevar.SparseVARModel(p=p, alpha=0.01, fit_intercept=True).fit(z)
    other = 2.0 * z[:60]
    A = model.coef_
    expected = np.array([sum(A[k] @ other[t - k - 1] for k in range(p)) for t in range(p, 60)])
    expected += other.std() * model.intercept_
    assert relative_difference(model.predict(other), expected) <= 1e-12


def test_refit_replaces_the_fit_and_params_take_effect():
    z = _series(71, K=4)
    model = sparsevar.SparseVARModel(p=1, alpha=0.01).fit(z)
    assert model.coef_.shape == (1, 4, 4)
    model.set_params(p=3, alpha=0.1)
    model.fit(z)
    assert model.coef_.shape == (3, 4, 4)
    np.testing.assert_array_equal(model.alphas_, np.full(4, 0.1))
    np.testing.assert_array_equal(model._coef_from_handle(), model.coef_)


def test_repr_params_and_clone():
    model = sparsevar.SparseVARModel(p=2, alpha=0.05, criterion="bic")
    assert repr(model) == "SparseVARModel(p=2, alpha=0.05, criterion='bic')"
    assert repr(sparsevar.SparseVARModel()) == "SparseVARModel()"
    assert "mask=<3x3 mask>" in repr(sparsevar.SparseVARModel(mask=np.ones((3, 3), bool)))
    params = model.get_params()
    assert params["p"] == 2 and params["criterion"] == "bic" and params["mask"] is None
    twin = clone(model)
    assert twin is not model and twin.get_params() == params
    assert twin._handle.value != model._handle.value


def test_close_context_manager_and_finalizer():
    z = _series(81, K=3)
    with sparsevar.SparseVARModel(p=2) as model:
        model.fit(z)
        coef = model.coef_.copy()
    assert model.closed
    np.testing.assert_array_equal(model.coef_, coef)  # fitted attributes stay readable
    with pytest.raises(ValueError, match="closed"):
        model.predict(z)
    with pytest.raises(ValueError, match="closed"):
        model.fit(z)
    model.close()  # idempotent

    other = sparsevar.SparseVARModel()
    finalizer = other._finalizer
    assert finalizer.alive
    del other
    import gc

    gc.collect()
    assert not finalizer.alive


def test_cannot_be_pickled_or_copied():
    import copy

    model = sparsevar.SparseVARModel()
    with pytest.raises(TypeError, match="C handle"):
        pickle.dumps(model)
    with pytest.raises(TypeError):
        copy.deepcopy(model)
