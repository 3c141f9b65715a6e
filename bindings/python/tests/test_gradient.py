"""Gradients through the lasso solution: unrolled vs implicit, and both vs finite differences.

The loss is L(w) = g . w for a random g, so dL/dw = g. Problems are small, and alpha is put
between two knots of the path (at their geometric mean) so that the active set is locally
constant and the solution map is smooth there.
"""

import numpy as np
import pytest

import sparsevar
from _support import relative_difference

AGREEMENT = 1e-8
FINITE_DIFFERENCE = 1e-5


def _stable_problem(seed, n=12, p=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.uniform(-2, 2, p) + 0.3 * rng.standard_normal(n)
    alphas, _, coefs = sparsevar.lars_path(X, y)
    # A segment with a non-empty support, well inside the path.
    k = int(rng.integers(1, max(2, alphas.size - 2)))
    alpha = float(np.sqrt(alphas[k] * alphas[k + 1]))
    return X, y, alpha, rng.standard_normal(p)


def _loss(X, y, alpha, g, eps_gamma=0.0):
    return g @ sparsevar.lasso_lars(X, y, alpha, eps_gamma=eps_gamma)


def _finite_differences(X, y, alpha, g, eps_gamma=0.0, h=1e-6):
    grad_X = np.zeros_like(X)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            step = h * max(1.0, abs(X[i, j]))
            plus, minus = X.copy(), X.copy()
            plus[i, j] += step
            minus[i, j] -= step
            grad_X[i, j] = (_loss(plus, y, alpha, g, eps_gamma)
                            - _loss(minus, y, alpha, g, eps_gamma)) / (2 * step)
    grad_y = np.zeros_like(y)
    for i in range(y.size):
        step = h * max(1.0, abs(y[i]))
        plus, minus = y.copy(), y.copy()
        plus[i] += step
        minus[i] -= step
        grad_y[i] = (_loss(X, plus, alpha, g, eps_gamma)
                     - _loss(X, minus, alpha, g, eps_gamma)) / (2 * step)
    return grad_X, grad_y


@pytest.mark.parametrize("seed", range(12))
def test_unrolled_and_implicit_agree_and_match_finite_differences(seed):
    X, y, alpha, g = _stable_problem(seed)
    coef_u, gX_u, gy_u = sparsevar.lasso_lars_vjp(X, y, alpha, g, mode="unrolled")
    coef_i, gX_i, gy_i = sparsevar.lasso_lars_vjp(X, y, alpha, g, mode="implicit")
    np.testing.assert_array_equal(coef_u, sparsevar.lasso_lars(X, y, alpha))
    np.testing.assert_array_equal(coef_i, coef_u)
    assert gX_u.shape == X.shape and gy_u.shape == y.shape
    assert relative_difference(gX_u, gX_i) <= AGREEMENT
    assert relative_difference(gy_u, gy_i) <= AGREEMENT
    fd_X, fd_y = _finite_differences(X, y, alpha, g)
    for gX, gy in ((gX_u, gy_u), (gX_i, gy_i)):
        assert relative_difference(gX, fd_X) <= FINITE_DIFFERENCE
        assert relative_difference(gy, fd_y) <= FINITE_DIFFERENCE


def test_implicit_gradient_formula(rng):
    """dL/dy = X_S v and dL/dX_S = (y - X_S w_S) v^T - (X_S v) w_S^T, v = (X_S^T X_S)^-1 g_S;
    zero for inactive columns (docs/method.md)."""
    X, y, alpha, g = _stable_problem(101, n=20, p=8)
    coef, grad_X, grad_y = sparsevar.lasso_lars_vjp(X, y, alpha, g, mode="implicit")
    support = coef != 0
    Xs = X[:, support]
    v = np.linalg.solve(Xs.T @ Xs, g[support])
    assert relative_difference(grad_y, Xs @ v) <= AGREEMENT
    expected = np.zeros_like(X)
    expected[:, support] = np.outer(y - Xs @ coef[support], v) - np.outer(Xs @ v, coef[support])
    assert relative_difference(grad_X, expected) <= AGREEMENT
    assert np.all(grad_X[:, ~support] == 0)


@pytest.mark.parametrize("eps_gamma", [1e-4, 1e-2])
@pytest.mark.parametrize("seed", range(4))
def test_unrolled_with_eps_gamma_matches_finite_differences(seed, eps_gamma):
    """With eps_gamma > 0 the path itself changes; the unrolled gradient is the derivative of
    that (stabilised) forward map, so finite differences of it must match."""
    X, y, alpha, g = _stable_problem(1000 + seed)
    coef, grad_X, grad_y = sparsevar.lasso_lars_vjp(
        X, y, alpha, g, mode="unrolled", eps_gamma=eps_gamma)
    np.testing.assert_array_equal(coef, sparsevar.lasso_lars(X, y, alpha, eps_gamma=eps_gamma))
    fd_X, fd_y = _finite_differences(X, y, alpha, g, eps_gamma=eps_gamma)
    assert relative_difference(grad_X, fd_X) <= FINITE_DIFFERENCE
    assert relative_difference(grad_y, fd_y) <= FINITE_DIFFERENCE


def test_zero_solution_has_zero_gradient(rng):
    X = rng.standard_normal((10, 4))
    y = rng.standard_normal(10)
    alpha = 2 * np.max(np.abs(X.T @ y)) / 10
    for mode in ("unrolled", "implicit"):
        coef, grad_X, grad_y = sparsevar.lasso_lars_vjp(X, y, alpha, np.ones(4), mode=mode)
        assert np.all(coef == 0) and np.all(grad_X == 0) and np.all(grad_y == 0)


def test_bad_gradient_arguments(rng):
    X, y = rng.standard_normal((10, 4)), rng.standard_normal(10)
    with pytest.raises(sparsevar.InvalidArgumentError, match="mode"):
        sparsevar.lasso_lars_vjp(X, y, 0.1, np.ones(4), mode="forward")
    with pytest.raises(sparsevar.ShapeError, match="grad_coef"):
        sparsevar.lasso_lars_vjp(X, y, 0.1, np.ones(3))
    with pytest.raises(sparsevar.NonFiniteError):
        sparsevar.lasso_lars_vjp(X, y, 0.1, np.array([1.0, np.nan, 0, 0]))
    with pytest.raises(sparsevar.InvalidArgumentError, match="lambda"):
        sparsevar.lasso_lars_vjp(X, y, -0.1, np.ones(4))


def _problem_with_drop():
    """A small problem whose lasso path has a variable leaving the active set (lasso
    modification), and an alpha past that knot."""
    for seed in range(1000):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((12, 5))
        y = X @ rng.uniform(-2, 2, 5) + 0.3 * rng.standard_normal(12)
        alphas, _, coefs = sparsevar.lars_path(X, y)
        nonzero = coefs != 0
        for k in range(1, alphas.size - 2):
            if np.any(nonzero[:, k] & ~nonzero[:, k + 1]):
                alpha = float(np.sqrt(alphas[k + 1] * alphas[k + 2]))
                return X, y, alpha, rng.standard_normal(5)
    raise AssertionError("no path with a drop found")


def test_gradients_through_a_drop_step():
    X, y, alpha, g = _problem_with_drop()
    coef_u, gX_u, gy_u = sparsevar.lasso_lars_vjp(X, y, alpha, g, mode="unrolled")
    _, gX_i, gy_i = sparsevar.lasso_lars_vjp(X, y, alpha, g, mode="implicit")
    assert relative_difference(gX_u, gX_i) <= AGREEMENT
    assert relative_difference(gy_u, gy_i) <= AGREEMENT
    fd_X, fd_y = _finite_differences(X, y, alpha, g)
    assert relative_difference(gX_u, fd_X) <= FINITE_DIFFERENCE
    assert relative_difference(gy_u, fd_y) <= FINITE_DIFFERENCE
