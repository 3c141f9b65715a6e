"""The fast, deterministic check of what a verdict rests on (part of the test gate; about a
minute on two cores). The long study of the whole pipeline over many seeds is scripts/study.py,
its results are in docs/validation.md.

- the run-relabelling permutation p-value equals brute-force enumeration of every split of the
  runs (scipy's rank-sum statistic on the test's own pairwise matrix) for equal and unequal
  group sizes;
- Monte Carlo relabelling has the +1 correction: p = (1 + count) / (1 + B), never below
  1 / (B + 1), seeded;
- the smallest attainable p is 1 / (number of distinct splits), 1 / (B + 1) for Monte Carlo;
- the null variant of the synthetic experiment plants no difference;
- one tiny trained network, through the binding: its test's p-value is the enumeration of its
  own swap matrix, and its difference map finds the planted assemblies better than chance.
"""

import itertools
import math

import numpy as np
import pytest
import scipy.stats

import sparsevar

P = 2


def _fit_runs(sizes, seed, differ=0.0, K=3, T=90):
    """len(sizes) groups of VAR(1) runs; group g's coupling is shifted by g * differ."""
    rng = np.random.default_rng(seed)
    models, series, labels = [], [], []
    base = np.diag(rng.uniform(0.3, 0.6, K))
    for group, size in enumerate(sizes):
        A = base.copy()
        A[1, 0] = group * differ
        for _ in range(size):
            z = np.zeros((T, K))
            for t in range(1, T):
                z[t] = A @ z[t - 1] + rng.standard_normal(K)
            models.append(sparsevar.SparseVARModel(p=P, alpha=0.01, n_threads=1).fit(z))
            series.append(z)
            labels.append(group + 1)
    return models, series, labels


def _brute_force(matrix, labels, a, b):
    """Fraction of all relabelings of the runs in groups a and b whose rank-sum statistic is at
    least the observed one."""
    used = [i for i, label in enumerate(labels) if label in (a, b)]

    def statistic(group_a):
        inter, intra = [], []
        for i, j in itertools.permutations(used, 2):
            (intra if (i in group_a) == (j in group_a) else inter).append(matrix[i, j])
        return scipy.stats.mannwhitneyu(inter, intra).statistic

    observed = statistic({i for i in used if labels[i] == a})
    size_a = sum(labels[i] == a for i in used)
    counts = [statistic(set(members)) >= observed for members in itertools.combinations(used, size_a)]
    return sum(counts) / len(counts)


def _distinct_splits(a, b):
    return math.comb(a + b, a) // (2 if a == b else 1)


@pytest.mark.parametrize("sizes, differ", [((2, 3), 0.0), ((3, 3), 0.5), ((3, 4), 0.0), ((4, 4), 0.6)])
def test_exact_permutation_p_is_brute_force_enumeration(sizes, differ):
    models, series, labels = _fit_runs(sizes, seed=sum(sizes) + int(10 * differ), differ=differ)
    for result in (sparsevar.swap_test(models, series, labels, 1, 2, n_threads=1),
                   sparsevar.influence_test(models, labels, 1, 2)):
        assert result.exact and result.relabelings == math.comb(sum(sizes), sizes[0])
        assert result.pvalue == pytest.approx(_brute_force(result.matrix, labels, 1, 2), abs=1e-15)
        assert result.smallest_pvalue == pytest.approx(1 / _distinct_splits(*sizes), abs=1e-15)
        assert result.smallest_pvalue <= result.pvalue <= 1


def test_monte_carlo_has_the_plus_one_correction():
    models, series, labels = _fit_runs((4, 4), seed=3, differ=0.8)
    exact = sparsevar.swap_test(models, series, labels, 1, 2, n_threads=1)
    # Clearly different dynamics: the observed split is the most extreme of the 35.
    assert exact.pvalue == exact.smallest_pvalue == pytest.approx(1 / 35)
    for B, seed in ((99, 1), (99, 2), (999, 1)):
        result = sparsevar.swap_test(models, series, labels, 1, 2, permutations=B, exact_limit=1,
                                     seed=seed, n_threads=1)
        again = sparsevar.swap_test(models, series, labels, 1, 2, permutations=B, exact_limit=1,
                                    seed=seed, n_threads=1)
        assert not result.exact and result.relabelings == B and result.pvalue == again.pvalue
        count = result.pvalue * (B + 1) - 1  # relabelings at least as extreme as the observed
        assert count == pytest.approx(round(count), abs=1e-9) and 0 <= round(count) <= B
        assert result.smallest_pvalue == pytest.approx(1 / (B + 1))
        assert result.pvalue >= 1 / (B + 1)
        # 2 of the 70 labellings (the observed split and its mirror) are as extreme:
        # count ~ Binomial(B, 2/70); 6 standard deviations.
        assert abs(count - B * 2 / 70) <= 6 * math.sqrt(B * 2 / 70) + 1


def test_smallest_attainable_p():
    for a, b in [(2, 2), (2, 3), (3, 3), (5, 5), (4, 6), (7, 7)]:
        assert sparsevar.smallest_pvalue(a, b) == pytest.approx(1 / _distinct_splits(a, b))
    # 5 + 5 runs, the small preset's halves: 1/126, just below 0.05/6 and far above 0.003.
    assert sparsevar.smallest_pvalue(5, 5) == pytest.approx(1 / 126)
    assert 0.003 < sparsevar.smallest_pvalue(5, 5) < 0.05 / 6
    # 10 + 10 runs: C(20, 10) = 184756 relabelings, above the default exact limit (20000): Monte
    # Carlo, 1 / (B + 1); enumerated, 1 / 92378.
    assert sparsevar.smallest_pvalue(10, 10) == pytest.approx(1 / 10000)
    assert sparsevar.smallest_pvalue(10, 10, exact_limit=200000) == pytest.approx(1 / 92378)
    assert sparsevar.smallest_pvalue(10, 10, permutations=999, exact_limit=1000) == pytest.approx(1e-3)
    assert math.isnan(sparsevar.smallest_pvalue(5, 5, permutations=0))


def test_the_null_experiment_plants_no_difference():
    with sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=2, null=True) as null, \
            sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=2) as effect:
        assert not null.ground_truth.any() and effect.ground_truth.max() > 0.5
        f_runs = np.flatnonzero(null.labels == 0)
        n_runs = np.flatnonzero(null.labels == 1)
        # F has the same network in both variants: the same frames, nuisances included.
        np.testing.assert_array_equal(null.frames(f_runs[0]), effect.frames(f_runs[0]))
        # N: the null's N runs follow F's network, the effect's do not; the scene, gain, drift
        # and bleaching are shared, so the frames differ while the mean image stays close.
        a, b = null.frames(n_runs[0]).astype(float), effect.frames(n_runs[0]).astype(float)
        assert not np.array_equal(a, b)
        assert np.mean(np.abs(a.mean(axis=0) - b.mean(axis=0))) < 0.1 * np.mean(a)


@pytest.fixture(scope="module")
def tiny_network():
    """The tiny preset, effect seed 1, trained end to end at depth 4 (a 3 x 2 latent grid)."""
    with sparsevar.SyntheticTwoPhotonGenerator("tiny", seed=1) as experiment:
        dataset = sparsevar.FrameDataset(*experiment.frame_shape)
        for run, condition in enumerate(experiment.labels):
            dataset.add_run(experiment.frames(run), label=int(condition))
        truth = experiment.ground_truth >= 0.5
    model = sparsevar.SparseVARAutoencoder(depth=4, channels=16, p=5, alpha=0.01, epochs=3,
                                           learning_rate=3e-3, window=64, seed=0)
    model.fit(dataset, progress=False)
    yield model, truth
    model.close()
    dataset.close()


def test_one_trained_network(tiny_network):
    model, truth = tiny_network
    result = model.swap_test(0, 1)
    # 5 + 5 runs: every one of the 252 relabelings is enumerated; the p-value is exactly that
    # enumeration on the network's own swap matrix.
    assert result.exact and result.relabelings == 252
    assert result.smallest_pvalue == pytest.approx(1 / 126)
    labels = list(model.labels_)
    assert result.pvalue == pytest.approx(_brute_force(result.matrix, labels, 0, 1), abs=1e-15)
    # The difference map ranks the planted assemblies' somata above chance.
    difference = np.abs(model.contribution_map(difference=(0, 1)))
    auc = scipy.stats.mannwhitneyu(difference[truth], difference[~truth]).statistic / (
        truth.sum() * (~truth).sum())
    assert auc > 0.55, auc
