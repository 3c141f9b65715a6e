"""Rank-sum test against scipy.stats.mannwhitneyu, Bonferroni, and the group tests against
their definitions (docs/method.md) computed here from the fitted models."""

import itertools

import numpy as np
import pytest
import scipy.stats

import sparsevar
from _support import simulate_var

ALTERNATIVES = ["greater", "less", "two-sided"]


def _close(actual, expected, rel=1e-12):
    return abs(actual - expected) <= rel * abs(expected)


def _samples():
    rng = np.random.default_rng(3)
    out = [
        ("small", rng.standard_normal(5), rng.standard_normal(7)),
        ("shifted", rng.standard_normal(12) + 1.0, rng.standard_normal(9)),
        ("medium", rng.standard_normal(30), rng.standard_normal(40) + 0.3),
        ("far", rng.standard_normal(25) + 4, rng.standard_normal(25)),
        ("one_each", np.array([1.0]), np.array([2.0])),
        ("ties", rng.integers(0, 5, 15).astype(float), rng.integers(1, 6, 11).astype(float)),
        ("heavy_ties", np.array([1.0, 1, 1, 2, 2, 3]), np.array([1.0, 2, 2, 2, 3, 3, 3])),
        ("all_equal", np.ones(6), np.ones(4)),
        ("big_ties", rng.integers(0, 10, 200).astype(float), rng.integers(0, 12, 150).astype(float)),
    ]
    return out


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("method", ["asymptotic", "exact", "auto"])
@pytest.mark.parametrize("name,x,y", _samples(), ids=[s[0] for s in _samples()])
def test_mannwhitneyu_matches_scipy(name, x, y, method, alternative):
    result = sparsevar.mannwhitneyu(x, y, alternative=alternative, method=method)
    expected = scipy.stats.mannwhitneyu(x, y, alternative=alternative, method=method)
    assert isinstance(result, sparsevar.MannwhitneyuResult)
    assert result.statistic == expected.statistic
    if np.isnan(expected.pvalue):
        assert np.isnan(result.pvalue)
    else:
        assert _close(result.pvalue, expected.pvalue), (result.pvalue, expected.pvalue)


@pytest.mark.parametrize("name,x,y", _samples(), ids=[s[0] for s in _samples()])
def test_mannwhitneyu_defaults_are_scipys(name, x, y):
    # The name shadows scipy's, so a call without options must mean what it means in scipy
    # (two-sided, continuity correction, method "auto"), positional use_continuity included.
    result = sparsevar.mannwhitneyu(x, y)
    expected = scipy.stats.mannwhitneyu(x, y)
    assert result.statistic == expected.statistic
    assert _close(result.pvalue, expected.pvalue), (result.pvalue, expected.pvalue)
    assert sparsevar.mannwhitneyu(x, y, True, "less") == sparsevar.mannwhitneyu(
        x, y, alternative="less")


def test_mannwhitneyu_errors():
    with pytest.raises(sparsevar.InvalidArgumentError, match="at least one value"):
        sparsevar.mannwhitneyu([], [1.0])
    with pytest.raises(sparsevar.InvalidArgumentError, match="at least one value"):
        sparsevar.mannwhitneyu([1.0], np.empty(0))
    with pytest.raises(sparsevar.ShapeError):
        sparsevar.mannwhitneyu(np.ones((2, 2)), [1.0])
    with pytest.raises(sparsevar.NonFiniteError):
        sparsevar.mannwhitneyu([1.0, np.nan], [1.0])
    with pytest.raises(sparsevar.InvalidArgumentError, match="alternative"):
        sparsevar.mannwhitneyu([1.0], [2.0], alternative="bigger")
    with pytest.raises(sparsevar.InvalidArgumentError, match="method"):
        sparsevar.mannwhitneyu([1.0], [2.0], method="permutation")
    with pytest.raises(sparsevar.InvalidArgumentError, match="use_continuity"):
        sparsevar.mannwhitneyu([1.0], [2.0], use_continuity=False)


def test_bonferroni():
    p = np.array([[0.01, 0.2], [0.5, 0.0]])
    np.testing.assert_array_equal(sparsevar.bonferroni(p), np.minimum(1, 4 * p))
    np.testing.assert_array_equal(sparsevar.bonferroni([0.3]), [0.3])
    with pytest.raises(sparsevar.InvalidArgumentError, match=r"\[0, 1\]"):
        sparsevar.bonferroni([0.5, 1.5])
    with pytest.raises(sparsevar.NonFiniteError):
        sparsevar.bonferroni([0.5, np.nan])
    with pytest.raises(sparsevar.ShapeError):
        sparsevar.bonferroni([])


# -- group tests -------------------------------------------------------------------------------

P, K = 2, 5


@pytest.fixture(scope="module")
def runs():
    """Three runs of each of two different VARs, and one run of a third label."""
    rng = np.random.default_rng(12)
    A_first = simulate_var(rng, 10, K, P, density=0.4)[0]
    A_second = simulate_var(rng, 10, K, P, density=0.4)[0]
    models, series, labels = [], [], []
    for label, A in ((1, A_first), (2, A_second), (1, A_first), (2, A_second), (1, A_first),
                     (2, A_second), (7, A_first)):
        z = np.zeros((220, K))
        for t in range(P, 220):
            z[t] = sum(A[k] @ z[t - k - 1] for k in range(P)) + rng.standard_normal(K)
        z = z[20:]
        models.append(sparsevar.SparseVARModel(p=P, alpha=0.01).fit(z))
        series.append(z)
        labels.append(label)
    return models, series, labels


def _inter_intra(matrix, labels, a, b):
    inter, intra = [], []
    for i, j in itertools.permutations(range(len(labels)), 2):
        if labels[i] in (a, b) and labels[j] in (a, b):
            (intra if labels[i] == labels[j] else inter).append(matrix[i, j])
    return np.array(inter), np.array(intra)


def _relabeling_p_value(matrix, labels, a, b):
    """Exact permutation p-value over run relabelings (definition in PairwiseGroupTest.swift)."""
    used = [i for i, label in enumerate(labels) if label in (a, b)]
    size_a = sum(labels[i] == a for i in used)
    observed = scipy.stats.mannwhitneyu(*_inter_intra(matrix, labels, a, b)).statistic
    count = total = 0
    for members in itertools.combinations(used, size_a):
        relabeled = [a if i in members else (b if i in used else labels[i])
                     for i in range(len(labels))]
        u = scipy.stats.mannwhitneyu(*_inter_intra(matrix, relabeled, a, b)).statistic
        count += u >= observed
        total += 1
    return count / total


@pytest.mark.parametrize("method", ["asymptotic", "exact"])
def test_swap_test_matches_its_definition(runs, method):
    models, series, labels = runs
    result = sparsevar.swap_test(models, series, labels, 1, 2, method=method)
    assert isinstance(result, sparsevar.GroupTestOutcome)
    N = len(models)
    expected = np.full((N, N), np.nan)
    used = [i for i in range(N) if labels[i] in (1, 2)]
    for i in used:
        own = np.mean(np.sum((series[i][P:] - models[i].predict(series[i])) ** 2, axis=1))
        for j in used:
            if i != j:
                swapped = np.sum((series[i][P:] - models[j].predict(series[i])) ** 2, axis=1)
                expected[i, j] = np.mean(swapped) - own
    np.testing.assert_allclose(result.matrix, expected, rtol=1e-10, atol=1e-12, equal_nan=True)
    inter, intra = _inter_intra(result.matrix, labels, 1, 2)
    assert (result.n_inter, result.n_intra) == (inter.size, intra.size) == (18, 12)
    reference = scipy.stats.mannwhitneyu(inter, intra, alternative="greater", method=method)
    assert result.statistic == reference.statistic
    assert _close(result.ranksum_pvalue, reference.pvalue)
    # C(6, 3) = 20 relabelings <= exact_limit: enumerated exactly.
    assert result.pvalue == _relabeling_p_value(result.matrix, labels, 1, 2)
    assert result.exact and result.relabelings == 20
    # 10 distinct splits of 3 + 3 runs: no outcome gives p below 1/10, though the rank-sum's
    # pairs (which share runs) claim far more.
    assert result.smallest_pvalue == sparsevar.smallest_pvalue(3, 3) == 0.1
    assert result.pvalue == 0.1
    assert result.ranksum_pvalue < 0.01
    assert "ranksum_pvalue" in repr(result) and "smallest attainable 0.1" in repr(result)


def test_influence_test_matches_its_definition(runs):
    models, _, labels = runs
    result = sparsevar.influence_test(models, labels, 2, 1, permutations=0)
    N = len(models)
    expected = np.full((N, N), np.nan)
    used = [i for i in range(N) if labels[i] in (1, 2)]
    for i, j in itertools.permutations(used, 2):
        expected[i, j] = np.sum((models[i].influence_ - models[j].influence_) ** 2)
    np.testing.assert_allclose(result.matrix, expected, rtol=1e-12, equal_nan=True)
    inter, intra = _inter_intra(result.matrix, labels, 2, 1)
    reference = scipy.stats.mannwhitneyu(inter, intra, alternative="greater")
    assert result.statistic == reference.statistic
    assert _close(result.ranksum_pvalue, reference.pvalue)
    assert np.isnan(result.pvalue) and np.isnan(result.smallest_pvalue)


def test_monte_carlo_permutations_are_seeded(runs):
    models, series, labels = runs
    kwargs = dict(exact_limit=1, permutations=499)
    first = sparsevar.swap_test(models, series, labels, 1, 2, seed=5, **kwargs)
    again = sparsevar.swap_test(models, series, labels, 1, 2, seed=5, **kwargs)
    other = sparsevar.swap_test(models, series, labels, 1, 2, seed=6, **kwargs)
    assert first.pvalue == again.pvalue
    exact = _relabeling_p_value(first.matrix, labels, 1, 2)
    for result in (first, other):
        # (1 + count) / (1 + 499): within Monte Carlo error of the exact 1/20 or so.
        assert result.pvalue * 500 == round(result.pvalue * 500)
        assert result.smallest_pvalue == 1 / 500 and not result.exact and result.relabelings == 499
        assert abs(result.pvalue - exact) < 0.05


def test_run_set(runs):
    models, series, labels = runs
    with sparsevar.VARSet(method="exact", permutations=0, n_threads=1) as run_set:
        assert run_set.get_params() == {"method": "exact", "permutations": 0, "seed": 0,
                                        "exact_limit": 20000, "n_threads": 1}
        ids = [run_set.add(m, z, label) for m, z, label in zip(models, series, labels)]
        assert ids == list(range(len(models))) and len(run_set) == len(models)
        np.testing.assert_array_equal(run_set.labels, labels)
        direct = run_set.swap_test(1, 2)
        # Relabel: compare the first three runs with the next three.
        for run in range(6):
            run_set.set_label(run, 10 if run < 3 else 11)
        assert run_set.get_label(0) == 10 and run_set.get_label(5) == 11
        relabeled = run_set.swap_test(10, 11)
        assert relabeled.n_inter == direct.n_inter
        np.testing.assert_array_equal(relabeled.matrix, direct.matrix)
        assert relabeled.statistic != direct.statistic
        with pytest.raises(sparsevar.InvalidArgumentError, match="out of range"):
            run_set.get_label(len(models))
    with pytest.raises(ValueError, match="closed"):
        len(run_set)


def test_the_set_keeps_a_copy_of_each_run(runs):
    models, series, labels = runs
    copies = [sparsevar.SparseVARModel(p=P, alpha=0.01).fit(z) for z in series]
    run_set = sparsevar.VARSet(permutations=0)
    for m, z, label in zip(copies, series, labels):
        run_set.add(m, z, label)
    before = run_set.swap_test(1, 2)
    for m, z in zip(copies, series):
        m.set_params(alpha=0.3).fit(z[::-1])
        m.close()
    after = run_set.swap_test(1, 2)
    np.testing.assert_array_equal(before.matrix, after.matrix)


def test_group_test_errors(runs, rng):
    models, series, labels = runs
    with pytest.raises(sparsevar.InvalidArgumentError, match="at least 2 runs"):
        sparsevar.swap_test(models, series, labels, 1, 7)
    with pytest.raises(sparsevar.InvalidArgumentError, match="same"):
        sparsevar.influence_test(models, labels, 1, 1)
    with pytest.raises(sparsevar.InvalidArgumentError, match="at least 2 runs"):
        sparsevar.influence_test(models, labels, 1, 99)
    with pytest.raises(sparsevar.ShapeError):
        sparsevar.swap_test(models, series[:-1], labels, 1, 2)
    with pytest.raises(sparsevar.ShapeError):
        sparsevar.swap_test(models, series, labels[:-1], 1, 2)
    with pytest.raises(sparsevar.ShapeError):
        sparsevar.swap_test(models, [z[:, :3] for z in series], labels, 1, 2)
    with pytest.raises(sparsevar.InvalidArgumentError, match="32-bit"):
        sparsevar.swap_test(models, series, labels, 1, 2**40)
    with pytest.raises(sparsevar.InvalidArgumentError, match="integers"):
        sparsevar.swap_test(models, series, ["a"] * len(models), "a", "b")
    with pytest.raises(sparsevar.NotFittedError):
        sparsevar.swap_test([sparsevar.SparseVARModel()] * 4, [series[0]] * 4, [1, 1, 2, 2], 1, 2)
    other = sparsevar.SparseVARModel(p=P).fit(rng.standard_normal((100, K + 1)))
    with pytest.raises(sparsevar.ShapeError, match="K ="):
        sparsevar.influence_test(models + [other], labels + [1], 1, 2)
    run_set = sparsevar.VARSet()
    for model, label in zip(models[:4], [1, 1, 2, 2]):
        run_set.add(model, None, label)
    assert np.isfinite(run_set.influence_test(1, 2).pvalue)
    with pytest.raises(sparsevar.InvalidArgumentError, match="no series"):
        run_set.swap_test(1, 2)
    for params, match in (({"method": "auto"}, "method"), ({"permutations": -1}, "permutations"),
                          ({"exact_limit": 0}, "exact_limit"), ({"seed": 1.5}, "seed"),
                          ({"n_threads": -1}, "n_threads"), ({"alpha": 1}, "unknown")):
        with pytest.raises(sparsevar.InvalidArgumentError, match=match):
            run_set.set_params(**params)
    assert run_set.get_params()["permutations"] == 9999
