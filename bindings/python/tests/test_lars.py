"""LARS-lasso against scikit-learn's lars_path(method="lasso") and the KKT conditions.

Each problem is (X, y, alpha) and a flag saying whether the lasso solution is unique. For unique
solutions the final coefficients must agree with scikit-learn's to 1e-8 relative (max abs
difference / max abs coefficient); for non-unique ones (duplicated or exactly collinear columns)
the fitted values X w and the objective must agree to 1e-8 instead. Every solution must satisfy
the KKT conditions to 1e-8 relative to alpha.

Where scikit-learn's own answer violates the KKT conditions (exactly tied correlations, which
its LARS skips, and some duplicated columns) the reference is a KKT-verified solution instead
(see _support.reference_lasso).
"""

import numpy as np
import pytest

import sparsevar
from _support import (
    alpha_max,
    kkt_violation,
    objective,
    relative_difference,
    reference_lasso,
    sklearn_lasso,
    sklearn_path,
)

TOLERANCE = 1e-8

# Exact ties: scikit-learn's LARS skips a variable whose correlation equals the current maximum
# exactly (tied_rademacher*), and the reference there is the KKT-verified one.
#
# Problems with a known failure of the library, as strict xfails (none at present): an entry
# makes the test expect the failure, and fails it when the library is fixed.
KNOWN_FAILURES: dict[str, str] = {}


def _fraction(rng, low=1e-3, high=0.95):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _gaussian_wide_or_tall(rng, n, p):
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    support = rng.choice(p, size=max(1, p // 3), replace=False)
    w[support] = rng.uniform(-3, 3, support.size)
    y = X @ w + 0.5 * rng.standard_normal(n)
    return X, y


def _problems():
    """(id, X, y, alpha, unique, reference) with reference None (= _support.reference_lasso:
    scikit-learn's answer, or a KKT-verified one where scikit-learn's violates KKT) or the
    expected coefficients."""
    def category(index):
        """Each category draws from its own stream, so that editing one leaves the others'
        problems (and the known failures below) unchanged."""
        return np.random.default_rng([20240611, index])

    out = []

    rng = category(0)
    # Ordinary problems with more samples than features.
    for i in range(40):
        n, p = int(rng.integers(20, 80)), int(rng.integers(3, 16))
        X, y = _gaussian_wide_or_tall(rng, n, p)
        out.append((f"tall{i}", X, y, _fraction(rng) * alpha_max(X, y), True, None))

    rng = category(1)
    # Fewer samples than features (alpha away from the saturated end of the path).
    for i in range(30):
        n = int(rng.integers(8, 25))
        p = int(rng.integers(n + 5, 3 * n))
        X, y = _gaussian_wide_or_tall(rng, n, p)
        out.append((f"wide{i}", X, y, _fraction(rng, 0.05, 0.95) * alpha_max(X, y), True, None))

    rng = category(2)
    # Strongly correlated columns (AR(1) correlation 0.9 across columns).
    for i in range(20):
        n, p = 60, 12
        X = rng.standard_normal((n, p))
        for j in range(1, p):
            X[:, j] = 0.9 * X[:, j - 1] + np.sqrt(1 - 0.81) * X[:, j]
        y = X[:, 0] - X[:, 5] + 0.3 * rng.standard_normal(n)
        out.append((f"correlated{i}", X, y, _fraction(rng, 0.01) * alpha_max(X, y), True, None))

    rng = category(3)
    # Tied correlations: exactly orthogonal +-1 columns (Hadamard) with equal projections of y
    # (a symmetric design), in exact binary arithmetic so that the ties are exact everywhere.
    from scipy.linalg import hadamard

    H = hadamard(32).astype(float)
    c = np.array([1.0, 1.0, -1.0, 0.5, -0.5, 0.5, 0.25, 0.0])
    for i in range(10):
        columns = rng.choice(np.arange(1, 32), size=8, replace=False)
        X = H[:, columns] * rng.choice([-1.0, 1.0], size=8)
        y = X @ rng.permutation(c) / 8
        name = f"tied_hadamard{i}"
        out.append((name, X, y, float(rng.uniform(0.05, 0.9)) * alpha_max(X, y), True, None))
    rng = category(4)
    # Tied correlations: +-1 (Rademacher) designs and integer responses, so X^T y has exactly
    # repeated magnitudes.
    for i in range(15):
        n, p = int(rng.integers(20, 40)), int(rng.integers(4, 10))
        while True:
            X = rng.choice([-1.0, 1.0], size=(n, p))
            if np.linalg.matrix_rank(X) == p:
                break
        y = rng.integers(-3, 4, size=n).astype(float)
        out.append((f"tied_rademacher{i}", X, y, _fraction(rng, 0.02) * alpha_max(X, y), True,
                    None))
    rng = category(5)
    # Repeated magnitudes: every column a permutation of one vector (equal norms).
    for i in range(5):
        n, p = 30, 6
        base = rng.standard_normal(n)
        X = np.column_stack([rng.permutation(base) for _ in range(p)])
        y = X[:, 0] + X[:, 1] + 0.1 * rng.standard_normal(n)
        out.append((f"tied_permuted{i}", X, y, _fraction(rng, 0.02) * alpha_max(X, y), True,
                    None))

    rng = category(6)
    # Near-collinear: x3 = x1 + x2 + 1e-5 noise.
    for i in range(20):
        n, p = 50, 6
        X = rng.standard_normal((n, p))
        X[:, 2] = X[:, 0] + X[:, 1] + 1e-5 * rng.standard_normal(n)
        y = X[:, 0] - 2 * X[:, 3] + 0.2 * rng.standard_normal(n)
        out.append((f"near_collinear{i}", X, y, _fraction(rng, 0.01) * alpha_max(X, y), True,
                    None))

    rng = category(7)
    # Tiny (1e-4) and huge (1e4) scales of X and y: w(aX, by, ab alpha) = (b/a) w(X, y, alpha),
    # the reference computed by scikit-learn on the unscaled problem (its absolute tolerances
    # make it unreliable at 1e-4 itself).
    for i in range(24):
        a, b = [(1e-4, 1e-4), (1e4, 1e4), (1e-4, 1e4), (1e4, 1e-4), (1.0, 1e-4), (1e4, 1.0)][i % 6]
        X, y = _gaussian_wide_or_tall(rng, 40, 10)
        alpha = _fraction(rng, 0.01) * alpha_max(X, y)
        reference = (b / a) * sklearn_lasso(X, y, alpha)
        out.append((f"scale{i}_X{a:g}_y{b:g}", a * X, b * y, a * b * alpha, True, reference))

    rng = category(8)
    # alpha within 1e-6 relative of a knot of scikit-learn's path (and exactly at it). y is
    # scaled so that the chosen knot is 10: the 1e-6 offset then exceeds both solvers' stopping
    # tolerance (float32 eps absolute, as scikit-learn's), so both interpolate rather than
    # return the knot's coefficients.
    for i in range(12):
        X, y = _gaussian_wide_or_tall(rng, 50, 10)
        alphas = sklearn_path(X, y)[0]
        y *= 10.0 / alphas[int(rng.integers(1, len(alphas) - 1))]
        alphas = sklearn_path(X, y)[0]
        knot = alphas[np.argmin(np.abs(alphas - 10.0))]
        for offset in (-1e-6, 0.0, 1e-6):
            out.append((f"knot{i}_{offset:+g}", X, y, knot * (1 + offset), True, None))

    rng = category(9)
    # The same at ordinary scales (knots of 0.001 to 0.3): the 1e-6 offset is then below
    # scikit-learn's absolute stopping tolerance (float32 eps), where it returns the knot instead
    # of interpolating; the reference is then the KKT-exact solution (see reference_lasso).
    for i in range(8):
        X, y = _gaussian_wide_or_tall(rng, 50, 10)
        y *= 0.3 / alpha_max(X, y)
        alphas = sklearn_path(X, y)[0]
        knot = alphas[int(rng.integers(1, len(alphas) - 1))]
        for offset in (-1e-6, 1e-6):
            name = f"knot_small{i}_{offset:+g}"
            out.append((name, X, y, knot * (1 + offset), True, None))


    rng = category(10)
    # alpha >= alpha_max: all zeros.
    for i, factor in enumerate([1.0, 1.0 + 1e-12, 1.0 + 1e-6, 1.5, 1e3, 1e12]):
        X, y = _gaussian_wide_or_tall(rng, 30, 7)
        out.append((f"above_max{i}", X, y, factor * alpha_max(X, y), True, np.zeros(7)))

    rng = category(11)
    # Zero columns.
    for i in range(15):
        n, p = int(rng.integers(10, 50)), int(rng.integers(4, 20))
        X, y = _gaussian_wide_or_tall(rng, n, p)
        zero = rng.choice(p, size=max(1, p // 4), replace=False)
        X[:, zero] = 0.0
        out.append((f"zero_columns{i}", X, y, _fraction(rng, 0.05) * alpha_max(X, y), True,
                    None))
    X = np.zeros((10, 3))
    out.append(("all_zero_X", X, rng.standard_normal(10), 0.1, True, np.zeros(3)))
    out.append(("zero_y", rng.standard_normal((10, 3)), np.zeros(10), 0.1, True, np.zeros(3)))

    rng = category(12)
    # Non-unique solutions: duplicated and exactly collinear columns.
    for i in range(10):
        X, y = _gaussian_wide_or_tall(rng, 40, 6)
        X = np.column_stack([X, X[:, 0], -X[:, 1]])
        out.append((f"duplicated{i}", X, y, _fraction(rng, 0.01) * alpha_max(X, y), False, None))
    for i in range(10):
        X, y = _gaussian_wide_or_tall(rng, 40, 6)
        X[:, 5] = X[:, 0] + X[:, 1]  # exact in binary only up to rounding: x5 - x0 - x1 ~ 1e-16
        y = y + X[:, 5]
        out.append((f"collinear{i}", X, y, _fraction(rng, 0.01) * alpha_max(X, y), False, None))
    return out


PROBLEMS = _problems()


def _params(problems):
    return [
        pytest.param(*problem, id=problem[0],
                     marks=[pytest.mark.xfail(reason=KNOWN_FAILURES[problem[0]], strict=True)]
                     if problem[0] in KNOWN_FAILURES else [])
        for problem in problems
    ]


def test_problem_count():
    assert len(PROBLEMS) >= 200


@pytest.mark.parametrize("name,X,y,alpha,unique,reference", _params(PROBLEMS))
def test_lasso_lars_against_sklearn(name, X, y, alpha, unique, reference):
    coef = sparsevar.lasso_lars(X, y, alpha)
    assert coef.shape == (X.shape[1],) and coef.dtype == np.float64
    assert kkt_violation(X, y, coef, alpha) <= TOLERANCE
    if reference is None:
        reference = reference_lasso(X, y, alpha)
    if unique:
        assert relative_difference(coef, reference) <= TOLERANCE
    else:
        assert relative_difference(X @ coef, X @ reference) <= TOLERANCE
        expected = objective(X, y, reference, alpha)
        assert abs(objective(X, y, coef, alpha) - expected) <= TOLERANCE * expected


def test_above_alpha_max_is_exactly_zero(rng):
    X, y = _gaussian_wide_or_tall(rng, 30, 5)
    for factor in (1.0, 2.0, 1e300):
        assert np.all(sparsevar.lasso_lars(X, y, factor * alpha_max(X, y)) == 0.0)


@pytest.mark.parametrize("s", [1e-8, 1e-4, 1e4, 1e8])
def test_scaling_invariance(rng, s):
    """w(sX, sy, s^2 alpha) = w(X, y, alpha) at extreme scales."""
    for _ in range(5):
        X, y = _gaussian_wide_or_tall(rng, 40, 8)
        alpha = _fraction(rng, 0.01) * alpha_max(X, y)
        base = sparsevar.lasso_lars(X, y, alpha)
        scaled = sparsevar.lasso_lars(s * X, s * y, s * s * alpha)
        assert relative_difference(scaled, base) <= TOLERANCE
        assert kkt_violation(s * X, s * y, scaled, s * s * alpha) <= TOLERANCE


@pytest.mark.parametrize("seed", range(15))
def test_full_path_against_sklearn(seed):
    rng = np.random.default_rng(seed)
    n, p = [(50, 10), (15, 30), (40, 40)][seed % 3]
    X, y = _gaussian_wide_or_tall(rng, n, p)
    alpha_min = 0.0 if seed % 2 == 0 else 0.05 * alpha_max(X, y)
    alphas, active, coefs = sparsevar.lars_path(X, y, alpha_min=alpha_min)
    sk_alphas, sk_active, sk_coefs = sklearn_path(X, y, alpha_min)
    assert coefs.shape == sk_coefs.shape == (p, alphas.size)
    assert relative_difference(alphas, sk_alphas) <= TOLERANCE
    assert relative_difference(coefs, sk_coefs) <= TOLERANCE
    assert sorted(active) == sorted(sk_active)
    assert np.all(np.diff(alphas) <= 0)
    # Every knot is a lasso solution for its alpha.
    for k in range(alphas.size):
        if alphas[k] > 1e-10 * alphas[0]:
            assert kkt_violation(X, y, coefs[:, k], alphas[k]) <= 1e-7


def test_path_max_iter_and_endpoint(rng):
    X, y = _gaussian_wide_or_tall(rng, 40, 10)
    alphas, active, coefs = sparsevar.lars_path(X, y, max_iter=3)
    assert alphas.size == 4 and coefs.shape == (10, 4)
    assert np.all(coefs[:, 0] == 0) and alphas[0] == pytest.approx(alpha_max(X, y), rel=1e-14)
    alpha = 0.1 * alpha_max(X, y)
    alphas, active, coefs = sparsevar.lars_path(X, y, alpha_min=alpha)
    assert alphas[-1] == alpha
    np.testing.assert_array_equal(coefs[:, -1], sparsevar.lasso_lars(X, y, alpha))
    assert set(active) == set(np.flatnonzero(coefs[:, -1]))


def test_inputs_are_converted_not_modified(rng):
    X, y = _gaussian_wide_or_tall(rng, 30, 6)
    alpha = 0.1 * alpha_max(X, y)
    expected = sparsevar.lasso_lars(X, y, alpha)
    X_copy, y_copy = X.copy(), y.copy()
    # Fortran order, float32, lists and strided views all give the same answer.
    np.testing.assert_array_equal(sparsevar.lasso_lars(np.asfortranarray(X), y, alpha), expected)
    np.testing.assert_array_equal(sparsevar.lasso_lars(X.tolist(), y.tolist(), alpha), expected)
    wide = np.zeros((30, 12))
    wide[:, ::2] = X
    np.testing.assert_array_equal(sparsevar.lasso_lars(wide[:, ::2], y, alpha), expected)
    X32 = X.astype(np.float32)
    np.testing.assert_array_equal(sparsevar.lasso_lars(X32, y, alpha),
                                  sparsevar.lasso_lars(X32.astype(np.float64), y, alpha))
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_eps_gamma_changes_path_slightly_and_zero_is_plain(rng):
    X, y = _gaussian_wide_or_tall(rng, 40, 8)
    alpha = 0.05 * alpha_max(X, y)
    plain = sparsevar.lasso_lars(X, y, alpha)
    np.testing.assert_array_equal(sparsevar.lasso_lars(X, y, alpha, eps_gamma=0.0), plain)
    stabilised = sparsevar.lasso_lars(X, y, alpha, eps_gamma=1e-6)
    assert 0 < relative_difference(stabilised, plain) < 1e-3
