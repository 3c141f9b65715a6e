"""Reference computations and checks shared by the tests."""

import warnings

import numpy as np
from sklearn.linear_model import lars_path as sk_lars_path


def sklearn_path(X, y, alpha_min=0.0):
    """scikit-learn's lasso path (alphas, active, coefs (p, knots)), warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk_lars_path(X, y, method="lasso", alpha_min=alpha_min, max_iter=100000)


def sklearn_lasso(X, y, alpha):
    return sklearn_path(X, y, alpha)[2][:, -1]


def alpha_max(X, y):
    return np.max(np.abs(X.T @ y)) / X.shape[0]


def relative_difference(actual, expected):
    """max |actual - expected| / max |expected| (absolute when expected is all zero)."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    scale = np.max(np.abs(expected)) if expected.size else 0.0
    difference = np.max(np.abs(actual - expected)) if expected.size else 0.0
    return difference / scale if scale > 0 else difference


def objective(X, y, w, alpha):
    r = y - X @ w
    return r @ r / (2 * X.shape[0]) + alpha * np.sum(np.abs(w))


def kkt_violation(X, y, w, alpha):
    """Relative violation of the lasso optimality conditions at w:
    |X^T (y - X w)| / n <= alpha everywhere, = alpha sign(w_j) on the support.
    Returns max over j of the violation divided by alpha (0 when optimal)."""
    n = X.shape[0]
    correlation = X.T @ (y - X @ w) / n
    if alpha == 0:
        return float(np.max(np.abs(correlation[w != 0]), initial=0.0))
    excess = np.maximum(np.abs(correlation) - alpha, 0.0)
    support = w != 0
    equality = np.abs(correlation[support] - alpha * np.sign(w[support]))
    return float(max(np.max(excess, initial=0.0), np.max(equality, initial=0.0)) / alpha)


def lagged_design(z, p, normalize=True):
    """The VAR's design (docs/method.md): u = z / std(z), rows [u_{t-1}, ..., u_{t-p}], targets u_t."""
    z = np.asarray(z, dtype=np.float64)
    sigma = z.std() if normalize else 1.0
    u = z / sigma
    T = u.shape[0]
    X = np.hstack([u[p - k:T - k] for k in range(1, p + 1)])
    return X, u[p:], sigma


def simulate_var(rng, T, K, p, density=0.3, burn=100, scale=1.0):
    """A stable sparse VAR(p) and a series of length T from it."""
    A = np.zeros((p, K, K))
    for k in range(p):
        mask = rng.random((K, K)) < density
        A[k] = mask * rng.uniform(-1, 1, (K, K))
    # Scale to spectral radius 0.8 of the companion matrix.
    companion = np.zeros((p * K, p * K))
    companion[:K] = np.hstack(list(A))
    companion[K:, :-K] = np.eye((p - 1) * K)
    while np.max(np.abs(np.linalg.eigvals(companion))) > 0.85:
        A *= 0.9
        companion[:K] = np.hstack(list(A))
    z = np.zeros((T + burn, K))
    for t in range(p, T + burn):
        z[t] = sum(A[k] @ z[t - k - 1] for k in range(p)) + rng.standard_normal(K)
    return A, scale * z[burn:]


def reference_lasso(X, y, alpha, tolerance=1e-9):
    """A lasso solution to compare with: scikit-learn's lars_path when it satisfies the KKT
    conditions; otherwise (scikit-learn's LARS skips exactly tied variables and mishandles some
    degenerate columns) coordinate descent, polished on its support and signs by solving
    X_S^T X_S w_S = X_S^T y - n alpha s exactly. The result is checked to satisfy KKT."""
    w = sklearn_lasso(X, y, alpha)
    if kkt_violation(X, y, w, alpha) <= tolerance:
        return w
    from sklearn.linear_model import Lasso

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Lasso(alpha=alpha, fit_intercept=False, tol=1e-15, max_iter=1_000_000).fit(X, y).coef_
    support = np.abs(w) > 1e-9 * np.max(np.abs(w), initial=0.0)
    polished = np.zeros_like(w)
    if support.any():
        Xs = X[:, support]
        rhs = Xs.T @ y - X.shape[0] * alpha * np.sign(w[support])
        polished[support] = np.linalg.lstsq(Xs.T @ Xs, rhs, rcond=None)[0]
    violation = kkt_violation(X, y, polished, alpha)
    assert violation <= tolerance, f"no reference solution found (KKT violation {violation})"
    return polished
