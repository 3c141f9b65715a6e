"""LARS-lasso: the solution at one penalty, the whole path, and gradients through the solution.

The objective is scikit-learn's::

    w(alpha) = argmin_w  1/(2n) ||y - X w||^2 + alpha ||w||_1

solved by least angle regression with the lasso modification (Efron et al., 2004), from
alpha_max = max_j |x_j^T y| / n down to alpha, where the path stops exactly.
"""

from __future__ import annotations

import warnings
from ctypes import byref, c_int32, c_int64, c_void_p

import numpy as np

from ._lib import lib
from ._util import as_f64, choice, f64_ptr, i64_ptr, shape_error

__all__ = ["lasso_lars", "lars_path", "lasso_lars_vjp"]

_GRADIENT_MODES = {"unrolled": 0, "implicit": 1}


def _problem(X, y):
    X = as_f64(X, "X", ndim=2)
    y = as_f64(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise shape_error(f"y has {y.shape[0]} values but X has {X.shape[0]} rows")
    return X, y


def lasso_lars(X, y, alpha: float, eps_gamma: float = 0.0) -> np.ndarray:
    """Lasso coefficients at penalty `alpha` by LARS.

    Args:
        X: design, shape (n, p).
        y: response, shape (n,).
        alpha: penalty >= 0; alpha >= max|X^T y|/n gives all zeros.
        eps_gamma: step-size stabiliser >= 0 (0 = plain LARS).

    Returns:
        coef, shape (p,).
    """
    X, y = _problem(X, y)
    n, p = X.shape
    coef = np.zeros(p, dtype=np.float64)
    lib.sparsevar_lasso_lars(
        f64_ptr(coef), p, f64_ptr(X), n, p, f64_ptr(y), float(alpha), float(eps_gamma))
    return coef


def lars_path(X, y, alpha_min: float = 0.0, eps_gamma: float = 0.0, max_iter: int = 0):
    """The LARS-lasso path from alpha_max down to `alpha_min` (0 = to the end of the path).

    Same layout as ``sklearn.linear_model.lars_path(X, y, method="lasso")``.

    Args:
        X: design, shape (n, p).
        y: response, shape (n,).
        alpha_min: where the path stops (>= 0).
        eps_gamma: step-size stabiliser >= 0.
        max_iter: bound on LARS steps, 0 = none.

    Returns:
        (alphas, active, coefs): alphas of shape (n_knots,), non-increasing; active, the list of
        indices active at the end in order of entry; coefs of shape (p, n_knots), coefs[:, k]
        being the coefficients at alphas[k].

    Warns:
        RuntimeWarning when the path stopped before alpha_min without a max_iter bound (rounding
        error made alpha grow between knots).
    """
    X, y = _problem(X, y)
    n, p = X.shape
    handle = c_void_p()
    lib.sparsevar_lars_path_create(
        byref(handle), f64_ptr(X), n, p, f64_ptr(y), float(alpha_min), float(eps_gamma),
        int(max_iter))
    try:
        n_knots, width, n_active, stopped = c_int64(), c_int64(), c_int64(), c_int32()
        lib.sparsevar_lars_path_shape(
            handle, byref(n_knots), byref(width), byref(n_active), byref(stopped))
        alphas = np.empty(n_knots.value, dtype=np.float64)
        lib.sparsevar_lars_path_lambdas(handle, f64_ptr(alphas), alphas.size)
        knot_major = np.empty((n_knots.value, width.value), dtype=np.float64)
        lib.sparsevar_lars_path_coefs(handle, f64_ptr(knot_major), knot_major.size)
        active = np.empty(n_active.value, dtype=np.int64)
        lib.sparsevar_lars_path_active(handle, i64_ptr(active), active.size)
    finally:
        lib.sparsevar_lars_path_free(handle)
    if stopped.value and not max_iter:
        warnings.warn(
            f"the LARS path stopped early at alpha={alphas[-1]:.6g} > alpha_min={alpha_min:.6g}: "
            "rounding error made alpha grow between knots", RuntimeWarning, stacklevel=2)
    return alphas, [int(j) for j in active], np.ascontiguousarray(knot_major.T)


def lasso_lars_vjp(X, y, alpha: float, grad_coef, mode: str = "unrolled",
                   eps_gamma: float = 0.0):
    """Gradient of a scalar loss L(w) through the lasso solution w(X, y, alpha).

    Args:
        X: design, shape (n, p).
        y: response, shape (n,).
        alpha: penalty >= 0.
        grad_coef: dL/dw, shape (p,).
        mode: ``"unrolled"`` (reverse mode through every LARS step) or ``"implicit"``
            (implicit differentiation on the final support; gradients vanish on inactive
            columns). The two agree where the active set is locally constant.
        eps_gamma: step-size stabiliser >= 0 (the forward pass uses it too).

    Returns:
        (coef, grad_X, grad_y) with shapes (p,), (n, p), (n,).
    """
    X, y = _problem(X, y)
    n, p = X.shape
    code = choice(mode, _GRADIENT_MODES, "mode")
    grad_coef = as_f64(grad_coef, "grad_coef", ndim=1)
    coef = np.zeros(p, dtype=np.float64)
    grad_X = np.zeros((n, p), dtype=np.float64)
    grad_y = np.zeros(n, dtype=np.float64)
    lib.sparsevar_lasso_lars_vjp(
        f64_ptr(grad_X), grad_X.size, f64_ptr(grad_y), grad_y.size, f64_ptr(coef), coef.size,
        f64_ptr(X), n, p, f64_ptr(y), float(alpha), float(eps_gamma), code,
        f64_ptr(grad_coef), grad_coef.size)
    return coef, grad_X, grad_y
