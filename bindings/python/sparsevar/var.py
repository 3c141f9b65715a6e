"""Sparse vector autoregression fitted by LARS-lasso, with a scikit-learn-like interface."""

from __future__ import annotations

import threading
import warnings
from collections import namedtuple
from ctypes import byref, c_double, c_int64, c_void_p

import numpy as np

from ._interrupt import interruptible
from ._lib import PROGRESS_CALLBACK, CancelledError, SparseVARError, lib
from ._util import HandleOwner, argument_error, as_f64, choice, f32_ptr, f64_ptr, shape_error, u8_ptr

__all__ = ["SparseVARModel", "CriterionPath"]

# sparsevar_var_param (Sources/CSparseVAR/VAR.swift)
PARAM_LAG = 100
PARAM_LAMBDA = 101
PARAM_EPS_GAMMA = 102
PARAM_NORMALIZE = 103
PARAM_INTERCEPT = 104
PARAM_MAX_ITER = 105
PARAM_CRITERION = 200
PARAM_THREADS = 400

# sparsevar_criterion
_CRITERIA = {None: 0, "none": 0, "aic": 1, "bic": 2}
# sparsevar_intercept (False and True as scikit-learn's fit_intercept)
_INTERCEPTS = {False: 0, "none": 0, True: 1, "columns": 1, "series_mean": 2}

#: One output's lasso path as recorded by a criterion fit: the alpha at each knot and the
#: criterion's value there.
CriterionPath = namedtuple("CriterionPath", ["alphas", "criterion"])


class _Progress:
    """A Python progress callable (or None) as a C callback that also stops the call on Ctrl-C
    (``interrupt``, see ``_interrupt``). An exception inside the callable cancels the C call; it
    is kept in `error` to be re-raised once the call has returned."""

    def __init__(self, function, interrupt):
        self.function = function
        self.interrupt = interrupt
        self.error = None
        self.pointer = PROGRESS_CALLBACK(self._call)

    def _call(self, done, total, _user):
        if self.interrupt.requested:
            return 1
        if self.function is None:
            return 0
        try:
            keep_going = self.function(int(done), int(total))
        except BaseException as error:  # noqa: BLE001 - re-raised after the C call returns
            self.error = error
            return 1
        return 0 if keep_going is None or keep_going else 1


def _check_series_orientation(t, k, p):
    """Refuses, or warns about, a series that looks transposed: (K, T) given for (T, K)."""
    try:
        lag = int(p)
    except (TypeError, ValueError):
        return  # the library reports the invalid p
    if t < lag + 2 <= k:
        raise shape_error(
            f"z has shape ({t}, {k}): {t} time points of {k} series, too few for a VAR of lag "
            f"{lag} (it needs at least {lag + 2}). z must be (T, K), one row per time point: if "
            f"its rows are the series, pass z.T")
    if k > t >= lag + 2:
        warnings.warn(
            f"z has shape ({t}, {k}): more series (K = {k}) than time points (T = {t}). z must "
            f"be (T, K), one row per time point: if its rows are the series, pass z.T",
            UserWarning, stacklevel=3)


def _free_var(handle):
    lib.sparsevar_var_free(handle)


class SparseVARModel(HandleOwner):
    """Sparse VAR(p) of a multivariate series by LARS-lasso (docs/method.md).

    For a series z of shape (T, K), sigma = standard deviation of all entries of z and
    u_t = z_t / sigma (with ``normalize=True``). For every output j the row j of
    [A_1 ... A_p] solves

        argmin_w 1/(2n) ||u_j - X w||^2 + alpha ||w||_1,   X rows [u_{t-1}, ..., u_{t-p}],

    n = T - p, and the one-step forecast is zhat_t = sum_k A_k z_{t-k} (+ intercept).

    Parameters:
        p: VAR order, an integer in [1, 1000].
        alpha: l1 penalty lambda >= 0 on the normalised problem (ignored with a criterion).
        eps_gamma: LARS step-size stabiliser >= 0 (0 = plain LARS).
        normalize: divide the series by sigma before fitting.
        fit_intercept: an unpenalised intercept per output: False or ``"none"`` (default);
            True or ``"columns"``, as scikit-learn's fit_intercept (the lagged design's columns
            and the targets centred on their means); ``"series_mean"``, the mean-adjusted VAR:
            fitted to z minus its temporal mean m, and ``predict`` forecasts every series z'
            around its own temporal mean m', zhat_t = m' + sum_k A_k (z'_{t-k} - m').
        criterion: None, ``"aic"`` or ``"bic"``: choose alpha per output along its full lasso
            path by the information criterion, as scikit-learn's LassoLarsIC.
        max_iter: bound on LARS steps per output, 0 = none.
        mask: optional (K, K) boolean array; ``mask[j, l]`` allows latent l to drive latent j
            (at every lag). Coefficients outside the mask are zero.
        n_threads: worker threads for a fit, 0 = all cores.

    Attributes (after ``fit``):
        coef_: (p, K, K), ``coef_[k - 1, j, l]`` = A_k[j, l], effect of z_{t-k}[l] on z_t[j].
        intercept_: (K,) intercepts b in units of the normalised series (zeros without
            ``fit_intercept``): the fitted series' forecasts are sum_k A_k z_{t-k} + sigma_ b
            (with ``"series_mean"``, b = (I - sum_k A_k) m / sigma_).
        sigma_: the scale the series was divided by (1.0 without ``normalize``).
        alphas_: (K,) the alpha used for each output.
        influence_: (K,) c_l = sum over lags and j != l of |A_k[j, l]|.
        n_features_in_: K.

    A SparseVARModel owns a C handle: free it early with ``close()`` or a ``with`` block; otherwise
    it is freed when the object is garbage-collected. One object may be used from several
    threads (calls are serialised by a lock); distinct objects fit in parallel.
    """

    _PARAMETERS = ("p", "alpha", "eps_gamma", "normalize", "fit_intercept", "criterion",
                   "max_iter", "mask", "n_threads")

    def __init__(self, p=5, alpha=0.01, eps_gamma=0.0, normalize=True, fit_intercept=False,
                 criterion=None, max_iter=0, mask=None, n_threads=0):
        self.p = p
        self.alpha = alpha
        self.eps_gamma = eps_gamma
        self.normalize = normalize
        self.fit_intercept = fit_intercept
        self.criterion = criterion
        self.max_iter = max_iter
        self.mask = mask
        self.n_threads = n_threads
        self._lock = threading.RLock()
        handle = c_void_p()
        lib.sparsevar_var_create(byref(handle))
        self._own(handle, _free_var)
        self._fitted = False

    # -- scikit-learn protocol -----------------------------------------------------------------

    def get_params(self, deep=True):
        """The constructor parameters, as scikit-learn's ``BaseEstimator.get_params``."""
        return {name: getattr(self, name) for name in self._PARAMETERS}

    def set_params(self, **params):
        """Sets constructor parameters; they take effect at the next ``fit``."""
        for name, value in params.items():
            if name not in self._PARAMETERS:
                raise argument_error(
                    f"unknown parameter {name!r} for SparseVARModel; valid: {', '.join(self._PARAMETERS)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = SparseVARModel._DEFAULTS
        shown = []
        for name in self._PARAMETERS:
            value = getattr(self, name)
            default = defaults[name]
            if name == "mask":
                if value is not None:
                    shown.append(f"mask=<{np.shape(value)[0]}x{np.shape(value)[-1]} mask>")
                continue
            if value is not default and value != default:
                shown.append(f"{name}={value!r}")
        text = f"SparseVARModel({', '.join(shown)})"
        if self._handle is None:
            return text + " [closed]"
        if self._fitted:
            nonzero = int(np.count_nonzero(self.coef_))
            text += (f" [fitted: K={self.n_features_in_}, p={self.n_lags_}, {nonzero} of "
                     f"{self.coef_.size} coefficients non-zero]")
        return text

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self):
        """Frees the C handle now. Fitted attributes stay readable; calls that need the handle
        (fit, predict, r_var, path) raise ValueError afterwards. Idempotent."""
        super().close()

    def __reduce__(self):
        raise TypeError(
            "a SparseVARModel owns a C handle and cannot be pickled or copied; refit it, or save "
            "coef_ and the parameters")

    # -- fitting -----------------------------------------------------------------------------------

    def _apply_parameters(self, handle):
        criterion = choice(self.criterion, _CRITERIA, "criterion")
        intercept = choice(self.fit_intercept, _INTERCEPTS, "fit_intercept")
        for name, code, value in (
            ("p", PARAM_LAG, self.p),
            ("alpha", PARAM_LAMBDA, self.alpha),
            ("eps_gamma", PARAM_EPS_GAMMA, self.eps_gamma),
            ("normalize", PARAM_NORMALIZE, 1.0 if self.normalize else 0.0),
            ("fit_intercept", PARAM_INTERCEPT, intercept),
            ("max_iter", PARAM_MAX_ITER, self.max_iter),
            ("criterion", PARAM_CRITERION, criterion),
            ("n_threads", PARAM_THREADS, self.n_threads),
        ):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise argument_error(f"{name}={value!r} is not a number") from None
            try:
                lib.sparsevar_var_set_param(handle, code, number)
            except SparseVARError as error:
                # Name the Python parameter: the library's message names its C enum value.
                raise type(error)(error.code, error.errstr,
                                  f"SparseVARModel({name}={value!r}): {error.message}") from None
        if self.mask is None:
            lib.sparsevar_var_set_mask(handle, None, 0)
        else:
            mask = np.ascontiguousarray(np.asarray(self.mask) != 0, dtype=np.uint8)
            if mask.ndim != 2 or mask.shape[0] != mask.shape[1]:
                raise shape_error(f"mask must be a square K x K array, got shape {mask.shape}")
            lib.sparsevar_var_set_mask(handle, u8_ptr(mask), mask.shape[0])

    def fit(self, z, progress=None):
        """Fits the VAR to the series `z`.

        Args:
            z: shape (T, K), float64 or float32 (float32 is passed as is and widened by the
                library; computation is in double precision either way). T >= p + 2.
            progress: optional callable ``progress(done, total)`` called after each batch of
                outputs; returning False cancels the fit (CancelledError). An exception raised
                inside it also cancels the fit and is re-raised here. Ctrl-C stops the fit
                (KeyboardInterrupt), with or without a progress callable.

        On any error the previous fit (if any) is kept unchanged.

        Returns:
            self.
        """
        try:
            source = np.asarray(z)
        except (TypeError, ValueError) as error:
            raise argument_error(f"z must be an array of real numbers: {error}") from None
        if source.dtype == np.float32:
            series = np.ascontiguousarray(source)
            fit_function, pointer = lib.sparsevar_var_fit_f32, f32_ptr(series)
        else:
            series = as_f64(source, "z")
            fit_function, pointer = lib.sparsevar_var_fit_f64, f64_ptr(series)
        if series.ndim != 2:
            raise shape_error(f"z must be 2-D (T x K), got shape {series.shape}")
        t, k = series.shape
        _check_series_orientation(t, k, self.p)
        with self._lock, interruptible() as interrupt:
            callback = _Progress(progress, interrupt)
            handle = self._live_handle()
            self._apply_parameters(handle)
            try:
                fit_function(handle, pointer, t, k, callback.pointer, None)
            except CancelledError:
                if callback.error is None:
                    raise
            else:
                self._read_fit(handle)
        if callback.error is not None:
            error = callback.error
            callback.error = None
            raise error
        return self

    def _read_fit(self, handle):
        p, k = c_int64(), c_int64()
        lib.sparsevar_var_shape(handle, byref(p), byref(k))
        p, k = p.value, k.value
        coef = np.empty((p, k, k), dtype=np.float64)
        lib.sparsevar_var_coef(handle, f64_ptr(coef), coef.size)
        intercept = np.empty(k, dtype=np.float64)
        lib.sparsevar_var_intercept(handle, f64_ptr(intercept), k)
        sigma = c_double()
        lib.sparsevar_var_sigma(handle, byref(sigma))
        alphas = np.empty(k, dtype=np.float64)
        lib.sparsevar_var_lambdas(handle, f64_ptr(alphas), k)
        influence = np.empty(k, dtype=np.float64)
        lib.sparsevar_var_influence(handle, f64_ptr(influence), k)
        self.coef_ = coef
        self.intercept_ = intercept
        self.sigma_ = float(sigma.value)
        self.alphas_ = alphas
        self.influence_ = influence
        self.n_features_in_ = k
        self.n_lags_ = p
        self._fitted = True

    # -- using a fit ---------------------------------------------------------------------------------

    def _series(self, z, name="z"):
        series = as_f64(z, name)
        if series.ndim != 2:
            raise shape_error(f"{name} must be 2-D (T x K), got shape {series.shape}")
        return series

    def predict(self, z) -> np.ndarray:
        """One-step forecasts of a series z (T, K): shape (T - p, K), row r forecasting z[p + r]
        from z[r : r + p] (with ``fit_intercept=True`` adding z's own sigma times
        ``intercept_``; with ``"series_mean"`` around z's own temporal mean)."""
        series = self._series(z)
        t, k = series.shape
        with self._lock:
            handle = self._live_handle()
            rows = max(t - self._lag_or_zero(), 0)
            out = np.empty((rows, k), dtype=np.float64)
            lib.sparsevar_var_forecast_f64(handle, f64_ptr(series), t, k, f64_ptr(out), out.size)
        return out

    def _lag_or_zero(self):
        return self.n_lags_ if self._fitted else 0

    def score(self, z) -> float:
        """Coefficient of determination R^2 of the one-step forecasts of z (T, K), as
        scikit-learn regressors define ``score``: ``sklearn.metrics.r2_score(z[p:],
        self.predict(z))``, the mean over the K series of 1 - SS_res / SS_tot (a constant series
        scores 1 when forecast exactly, else 0). 1 is perfect; higher is better. See ``r_var``
        for the paper's relative error."""
        series = self._series(z)
        forecast = self.predict(series)
        target = series[series.shape[0] - forecast.shape[0]:]
        if target.shape[0] == 0:
            raise shape_error(f"z has {series.shape[0]} time points: a VAR of lag "
                              f"{self.n_lags_} forecasts none of them")
        residual = ((target - forecast) ** 2).sum(axis=0)
        total = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
        constant = total == 0
        per_series = np.where(constant, np.where(residual == 0, 1.0, 0.0),
                              1.0 - residual / np.where(constant, 1.0, total))
        return float(per_series.mean())

    def r_var(self, z) -> float:
        """R_var = mean over t = p+1..T of ||z_t - zhat_t||^2 / ||z_t||^2 on the series z."""
        series = self._series(z)
        t, k = series.shape
        value = c_double()
        with self._lock:
            handle = self._live_handle()
            lib.sparsevar_var_rvar_f64(handle, f64_ptr(series), t, k, byref(value))
        return float(value.value)

    def path(self, j: int) -> CriterionPath:
        """Output j's lasso path as recorded by a fit with ``criterion`` set: (alphas,
        criterion values) at each knot. InvalidArgumentError for fits without a criterion."""
        with self._lock:
            handle = self._live_handle()
            length = c_int64()
            lib.sparsevar_var_path_length(handle, int(j), byref(length))
            alphas = np.empty(length.value, dtype=np.float64)
            values = np.empty(length.value, dtype=np.float64)
            lib.sparsevar_var_path(handle, int(j), f64_ptr(alphas), f64_ptr(values), length.value)
        return CriterionPath(alphas, values)

    # -- direct reads of the C handle (used by the tests to check the library's own state) ------

    def _coef_from_handle(self) -> np.ndarray:
        with self._lock:
            handle = self._live_handle()
            p, k = c_int64(), c_int64()
            lib.sparsevar_var_shape(handle, byref(p), byref(k))
            coef = np.empty((p.value, k.value, k.value), dtype=np.float64)
            lib.sparsevar_var_coef(handle, f64_ptr(coef), coef.size)
        return coef


SparseVARModel._DEFAULTS = {
    "p": 5, "alpha": 0.01, "eps_gamma": 0.0, "normalize": True, "fit_intercept": False,
    "criterion": None, "max_iter": 0, "mask": None, "n_threads": 0,
}
