"""Group tests between fitted VARs, the rank-sum test and Bonferroni correction.

Coefficient-swap test (docs/method.md): E_{i<-j} = mean_t ||z^(i)_t - f_{A^(j)}(z^(i))||^2 is the
prediction error of run i's series under run j's coefficients, Delta_ij = E_{i<-j} - E_{i<-i}.
Influence-distance test: d_ij = ||c^(i) - c^(j)||^2 between influence vectors. In both, the
values of ordered pairs across the two groups ("inter") are compared with those of pairs within
a group ("intra") by the one-sided rank-sum statistic (inter greater) of
``scipy.stats.mannwhitneyu(inter, intra, alternative="greater")``, the paper's statistic. The
test's p-value (``pvalue``) relabels whole runs: exact enumeration of the distinct splits of the
runs when there are at most ``exact_limit`` relabelings, else ``permutations`` random ones with the
+1 correction. It is calibrated at the level of runs, the independent units. The rank-sum's own
p-value (``ranksum_pvalue``) treats pairs that share runs as independent and can be far smaller
than any outcome of the runs allows: it is reported, never a verdict.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from ctypes import byref, c_double, c_int32, c_int64, c_void_p

import numpy as np

from ._lib import SparseVARError, lib
from ._util import HandleOwner, argument_error, as_f64, choice, f64_ptr, shape_error

__all__ = [
    "GroupTestOutcome",
    "MannwhitneyuResult",
    "VARSet",
    "bonferroni",
    "influence_test",
    "mannwhitneyu",
    "smallest_pvalue",
    "swap_test",
]

# sparsevar_alternative, sparsevar_rank_sum_method, sparsevar_test_param
_ALTERNATIVES = {"greater": 0, "less": 1, "two-sided": 2}
_METHODS = {"asymptotic": 0, "exact": 1}
PARAM_METHOD = 300
PARAM_PERMUTATIONS = 301
PARAM_SEED = 302
PARAM_EXACT_LIMIT = 303
PARAM_THREADS = 400

#: (statistic, pvalue) as scipy.stats.mannwhitneyu returns them: statistic is U of x.
MannwhitneyuResult = namedtuple("MannwhitneyuResult", ["statistic", "pvalue"])

_GroupTestFields = namedtuple(
    "GroupTestOutcome",
    ["pvalue", "smallest_pvalue", "exact", "relabelings", "statistic", "ranksum_pvalue",
     "n_inter", "n_intra", "matrix"])


class GroupTestOutcome(_GroupTestFields):
    """Result of swap_test / influence_test.

    Attributes:
        pvalue: the test's p-value, by relabelling whole runs (calibrated at the level of runs;
            NaN when permutations=0).
        smallest_pvalue: the smallest p-value these group sizes allow: 1 / the number of
            distinct splits when exact, 1 / (permutations + 1) for Monte Carlo. A significance
            threshold below it cannot be reached.
        exact: whether every relabeling was enumerated.
        relabelings: relabelings evaluated.
        statistic: U of the inter-group sample against the intra-group one.
        ranksum_pvalue: the paper's statistic, the rank-sum p-value (alternative: inter greater);
            its pairs share runs, so it is not calibrated: base no verdict on it.
        n_inter, n_intra: sample sizes (ordered pairs).
        matrix: (N, N) Delta (swap) or distance (influence) matrix over the N runs given, NaN
            on the diagonal and for pairs that were not computed.
    """

    __slots__ = ()

    def __repr__(self):
        kind = "exact" if self.exact else f"Monte Carlo, {self.relabelings} relabelings"
        return (f"GroupTestOutcome(pvalue={self.pvalue:.4g} (run relabelling, {kind}; smallest "
                f"attainable {self.smallest_pvalue:.4g}), ranksum_pvalue={self.ranksum_pvalue:.4g}"
                f" (the paper's statistic; its pairs share runs), statistic={self.statistic:g}, "
                f"n_inter={self.n_inter}, n_intra={self.n_intra})")


def read_test_result(result) -> GroupTestOutcome:
    """Reads and frees a sparsevar_test_result handle."""
    try:
        statistic, ranksum, permutation, smallest = c_double(), c_double(), c_double(), c_double()
        n_inter, n_intra, runs, relabelings = c_int64(), c_int64(), c_int64(), c_int64()
        exact = c_int32()
        lib.sparsevar_test_result_values(
            result, byref(statistic), byref(ranksum), byref(permutation), byref(n_inter),
            byref(n_intra))
        lib.sparsevar_test_result_permutation(
            result, byref(permutation), byref(smallest), byref(relabelings), byref(exact))
        lib.sparsevar_test_result_runs(result, byref(runs))
        matrix = np.empty((runs.value, runs.value), dtype=np.float64)
        lib.sparsevar_test_result_matrix(result, f64_ptr(matrix), matrix.size)
    finally:
        lib.sparsevar_test_result_free(result)
    return GroupTestOutcome(
        pvalue=float(permutation.value), smallest_pvalue=float(smallest.value),
        exact=bool(exact.value), relabelings=int(relabelings.value),
        statistic=float(statistic.value), ranksum_pvalue=float(ranksum.value),
        n_inter=int(n_inter.value), n_intra=int(n_intra.value), matrix=matrix)


def smallest_pvalue(size_a: int, size_b: int, permutations: int = 9999,
                    exact_limit: int = 20000) -> float:
    """The smallest p-value the run-relabelling test can give for groups of size_a and size_b
    runs: 1 / the number of distinct splits (C(a + b, a), half of it when a == b) when there are
    at most ``exact_limit`` relabelings, else 1 / (permutations + 1). NaN when permutations=0."""
    with VARSet(permutations=permutations, exact_limit=exact_limit) as runs, \
            runs._using() as handle:
        out = c_double()
        lib.sparsevar_smallest_p_value(handle, int(size_a), int(size_b), byref(out))
        return float(out.value)


def mannwhitneyu(x, y, use_continuity: bool = True, alternative: str = "two-sided",
                 method: str = "auto"):
    """Wilcoxon rank-sum / Mann-Whitney U test of x against y, with tie correction; the same
    signature, defaults and numbers as ``scipy.stats.mannwhitneyu`` for 1-D samples.

    Args:
        x, y: 1-D samples, finite, non-empty.
        use_continuity: the continuity correction of the normal approximation. Only True
            (scipy's default) is available.
        alternative: ``"two-sided"`` (default), ``"greater"`` (x stochastically greater) or
            ``"less"``.
        method: ``"auto"`` (default, as scipy: ``"exact"`` when a sample has at most 8 values
            and there are no ties, ``"asymptotic"`` otherwise), ``"asymptotic"`` (normal
            approximation) or ``"exact"`` (the exact null distribution without ties; with ties,
            as scipy, evaluated at floor(U)).

    Returns:
        MannwhitneyuResult(statistic=U of x, pvalue).
    """
    x = as_f64(x, "x", ndim=1)
    y = as_f64(y, "y", ndim=1)
    if use_continuity is not True:
        raise argument_error(
            "use_continuity=False is not available: the library always applies the continuity "
            "correction (scipy's default)")
    alt = choice(alternative, _ALTERNATIVES, "alternative")
    if isinstance(method, str) and method.lower() == "auto":
        small = x.size <= 8 or y.size <= 8
        ties = np.unique(np.concatenate([x, y])).size < x.size + y.size
        method = "exact" if small and not ties else "asymptotic"
    meth = choice(method, _METHODS, "method")
    statistic, pvalue = c_double(), c_double()
    lib.sparsevar_rank_sum(
        byref(statistic), byref(pvalue), f64_ptr(x), x.size, f64_ptr(y), y.size, alt, meth)
    return MannwhitneyuResult(float(statistic.value), float(pvalue.value))


def bonferroni(pvalues) -> np.ndarray:
    """Bonferroni-adjusted p-values min(1, m p), m the number of p-values (same shape)."""
    values = as_f64(pvalues, "pvalues")
    flat = values.reshape(-1)
    out = np.empty_like(flat)
    lib.sparsevar_bonferroni(f64_ptr(out), f64_ptr(flat), flat.size)
    return out.reshape(values.shape)


def _free_set(handle):
    lib.sparsevar_var_set_free(handle)


class VARSet(HandleOwner):
    """A set of fitted VARs (runs) with integer group labels, for the swap and influence
    tests. The library copies each VAR and series when it is added, so the SparseVARModel objects
    may be refitted or closed afterwards.

    Parameters:
        method: rank-sum method, ``"asymptotic"`` or ``"exact"``.
        permutations: random run relabelings for the permutation p-value (0 = none).
        seed: seed of the relabeling generator.
        exact_limit: enumerate all relabelings when there are at most this many.
        n_threads: worker threads, 0 = all cores.
    """

    def __init__(self, method="asymptotic", permutations=9999, seed=0, exact_limit=20000,
                 n_threads=0):
        self._lock = threading.RLock()
        handle = c_void_p()
        lib.sparsevar_var_set_create(byref(handle))
        self._own(handle, _free_set)
        self.set_params(method=method, permutations=permutations, seed=seed,
                        exact_limit=exact_limit, n_threads=n_threads)

    # parameters
    _PARAMS = {"method": PARAM_METHOD, "permutations": PARAM_PERMUTATIONS, "seed": PARAM_SEED,
               "exact_limit": PARAM_EXACT_LIMIT, "n_threads": PARAM_THREADS}

    def set_params(self, **params):
        """Sets test parameters (method, permutations, seed, exact_limit, n_threads)."""
        with self._using() as handle:
            for name, value in params.items():
                if name not in self._PARAMS:
                    raise argument_error(
                        f"unknown test parameter {name!r}; valid: {', '.join(self._PARAMS)}")
                if name == "method":
                    value = choice(value, _METHODS, "method")
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    raise argument_error(f"{name} must be a number, got {value!r}") from None
                try:
                    lib.sparsevar_var_set_set_param(handle, self._PARAMS[name], number)
                except SparseVARError as error:
                    # Name the Python parameter: the library's message names its C enum value.
                    raise type(error)(error.code, error.errstr,
                                      f"VARSet({name}={value!r}): {error.message}") from None
        return self

    def get_params(self):
        """The current test parameters."""
        out = {}
        with self._using() as handle:
            for name, code in self._PARAMS.items():
                value = c_double()
                lib.sparsevar_var_set_get_param(handle, code, byref(value))
                if name == "method":
                    out[name] = {v: k for k, v in _METHODS.items()}[int(value.value)]
                else:
                    out[name] = int(value.value)
        return out

    # runs
    def add(self, model, z, label: int) -> int:
        """Adds a fitted SparseVARModel and the series z (T, K) it describes, with group `label`
        (a 32-bit integer); returns the run id (0, 1, ...).

        z may be None for a run used only by the influence test, which needs no series; the
        swap test then refuses groups holding such a run."""
        label = _label(label)
        with self._using() as handle, model._lock:
            model_handle = model._live_handle()
            if z is None:
                series, t, k = None, 0, 1
            else:
                series = as_f64(z, "z")
                if series.ndim != 2:
                    raise shape_error(f"z must be 2-D (T x K), got shape {series.shape}")
                t, k = series.shape
            run = c_int64()
            lib.sparsevar_var_set_add_f64(
                handle, model_handle, f64_ptr(series), t, k, label, byref(run))
        return int(run.value)

    def __len__(self):
        size = c_int64()
        with self._using() as handle:
            lib.sparsevar_var_set_size(handle, byref(size))
        return int(size.value)

    def get_label(self, run: int) -> int:
        """The group label of run `run`."""
        label = c_int32()
        with self._using() as handle:
            lib.sparsevar_var_set_get_label(handle, int(run), byref(label))
        return int(label.value)

    def set_label(self, run: int, label: int):
        """Changes a run's group label (to test other splits without refitting)."""
        with self._using() as handle:
            lib.sparsevar_var_set_set_label(handle, int(run), _label(label))

    @property
    def labels(self) -> np.ndarray:
        """Every run's label, by run id."""
        with self._lock:
            return np.array([self.get_label(i) for i in range(len(self))], dtype=np.int32)

    # tests
    def swap_test(self, group_a: int, group_b: int) -> GroupTestOutcome:
        """Coefficient-swap test between the runs labelled `group_a` and `group_b`."""
        return self._test(lib.sparsevar_swap_test, group_a, group_b)

    def influence_test(self, group_a: int, group_b: int) -> GroupTestOutcome:
        """Influence-distance test between the runs labelled `group_a` and `group_b`."""
        return self._test(lib.sparsevar_influence_test, group_a, group_b)

    def _test(self, function, group_a, group_b):
        result = c_void_p()
        with self._using() as handle:
            function(byref(result), handle, _label(group_a), _label(group_b))
        return read_test_result(result)


def _label(value) -> int:
    try:
        label = int(value)
    except (TypeError, ValueError):
        raise argument_error(f"group labels must be integers, got {value!r}") from None
    if label != value or not -2**31 <= label < 2**31:
        raise argument_error(f"group labels must be 32-bit integers, got {value!r}")
    return label


def _run_set(models, series, labels, method, permutations, seed, exact_limit, n_threads):
    models = list(models)
    labels = list(labels)
    if len(labels) != len(models):
        raise shape_error(f"{len(models)} models but {len(labels)} labels")
    if series is None:
        series = [None] * len(models)
    series = list(series)
    if len(series) != len(models):
        raise shape_error(f"{len(models)} models but {len(series)} series")
    runs = VARSet(method=method, permutations=permutations, seed=seed, exact_limit=exact_limit,
                  n_threads=n_threads)
    try:
        for model, z, label in zip(models, series, labels):
            runs.add(model, z, label)
    except BaseException:
        runs.close()
        raise
    return runs


def swap_test(models, series, labels, group_a, group_b, method="asymptotic", permutations=9999,
              seed=0, exact_limit=20000, n_threads=0) -> GroupTestOutcome:
    """Coefficient-swap test between two groups of fitted runs.

    Args:
        models: fitted SparseVARModel objects, one per run.
        series: each run's series z (T_i, K), the one its model was fitted on.
        labels: one integer group label per run.
        group_a, group_b: the two labels to compare (runs with other labels are ignored).
        method: rank-sum method, ``"asymptotic"`` or ``"exact"``.
        permutations: random run relabelings for the permutation p-value (0 = none).
        seed: seed of the relabeling generator.
        exact_limit: enumerate all relabelings when there are at most this many.
        n_threads: worker threads, 0 = all cores.

    Returns:
        GroupTestOutcome; matrix is the N x N Delta matrix over all given runs.
    """
    with _run_set(models, series, labels, method, permutations, seed, exact_limit,
                  n_threads) as runs:
        return runs.swap_test(group_a, group_b)


def influence_test(models, labels, group_a, group_b, method="asymptotic", permutations=9999,
                   seed=0, exact_limit=20000, n_threads=0) -> GroupTestOutcome:
    """Influence-distance test between two groups of fitted runs (arguments as swap_test; no
    series are needed). The matrix holds d_ij = ||c^(i) - c^(j)||^2."""
    with _run_set(models, None, labels, method, permutations, seed, exact_limit,
                  n_threads) as runs:
        return runs.influence_test(group_a, group_b)
