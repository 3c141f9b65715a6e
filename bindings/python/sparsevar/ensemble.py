"""One permutation test over run relabelings for an ensemble of trainings (several training
seeds of one configuration on the same runs).

Each training s gives a pairwise matrix D_s over the same N runs (the swap test's Delta, or the
influence distances). Averaging the statistic over the ensemble BEFORE the test, and relabeling
whole runs identically in every member, keeps the test calibrated at the level of the runs (the
independent units) while more trainings reduce the noise of training:

- ``combine="u"``: for each relabeling, the rank-sum statistic U (inter-group pairs against
  intra-group pairs, as ``VARSet.swap_test``) is computed on every D_s and averaged; every
  member weighs the same whatever the scale of its latents;
- ``combine="delta"``: U of the mean matrix (1/S) sum_s D_s.

The p-value counts the relabelings whose statistic is at least the observed one. With at most
``exact_limit`` distinct relabelings all are enumerated (the observed one included) and
p = count / total, the smallest attainable p being 1 / total; otherwise ``permutations`` uniform
random relabelings, drawn in blocks whose generators are spawned from ``seed`` by
:class:`numpy.random.SeedSequence`, give p = (1 + count) / (1 + permutations), at least
1 / (1 + permutations). With one member and ``combine="u"`` this is the library's own
permutation p-value of ``swap_test`` (exact enumeration; the Monte Carlo draws differ).

The blocks are independent units of work (``permutation_block``) so that a cluster can share
them; :func:`ensemble_test` runs them all in this process.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ._util import argument_error, shape_error

__all__ = [
    "EnsembleTestResult",
    "RelabelingStatistic",
    "ensemble_test",
    "permutation_blocks",
    "permutation_block",
]

_COMBINE = ("u", "delta")


@dataclass(frozen=True)
class EnsembleTestResult:
    """Result of :func:`ensemble_test`.

    Attributes:
        statistic: the observed statistic, U of the inter-group pairs (mean over the members
            with ``combine="u"``).
        pvalue: permutation p-value over run relabelings (alternative: inter greater).
        exact: whether every distinct relabeling was enumerated.
        relabelings: relabelings evaluated (distinct ones when exact; random draws otherwise).
        smallest_pvalue: the smallest p-value this test can give (1 / relabelings when exact,
            1 / (1 + permutations) otherwise).
        n_members: number of trainings averaged; n_runs_a, n_runs_b: runs in each group.
        combine: ``"u"`` or ``"delta"``.
    """

    statistic: float
    pvalue: float
    exact: bool
    relabelings: int
    smallest_pvalue: float
    n_members: int
    n_runs_a: int
    n_runs_b: int
    combine: str


def _midranks_doubled(values: np.ndarray) -> np.ndarray:
    """2 x the midranks (1-based, ties averaged) of a 1-D array: integers."""
    unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)  # last 1-based rank of each distinct value
    starts = ends - counts + 1
    return (starts + ends)[inverse].astype(np.int64)


class RelabelingStatistic:
    """The statistic of any relabeling of the s = |A| + |B| runs, up to a constant.

    The pooled sample (all ordered pairs of the s runs) is the same for every relabeling, so its
    midranks are computed once per member. Twice the rank sum of the inter-group pairs of a
    relabeling with members m (a 0/1 vector, 1 = group A) is m^T W (1 - m), with
    W[a, b] = 2 rank(a, b) + 2 rank(b, a) summed over the members: an integer, so relabelings
    compare exactly.

    Args:
        matrices: (S, N, N) or (N, N) pairwise values; the diagonal is ignored.
        runs_a, runs_b: indices of the runs of each group (at least 2 each, disjoint).
        combine: ``"u"`` or ``"delta"`` (see the module).
    """

    def __init__(self, matrices, runs_a, runs_b, combine="u"):
        if combine not in _COMBINE:
            raise argument_error(f"combine must be one of {_COMBINE}, got {combine!r}")
        d = np.asarray(matrices, dtype=np.float64)
        if d.ndim == 2:
            d = d[np.newaxis]
        if d.ndim != 3 or d.shape[1] != d.shape[2] or d.shape[0] < 1:
            raise shape_error(f"matrices must be (members, N, N) or (N, N), got {d.shape}")
        n = d.shape[1]
        runs_a = [int(r) for r in runs_a]
        runs_b = [int(r) for r in runs_b]
        for name, group in (("A", runs_a), ("B", runs_b)):
            if len(group) < 2:
                raise argument_error(f"group {name} needs at least 2 runs, got {len(group)}")
            if len(set(group)) != len(group) or not all(0 <= r < n for r in group):
                raise argument_error(f"group {name} must hold distinct run indices in 0..{n - 1}")
        if set(runs_a) & set(runs_b):
            raise argument_error("a run is in both groups")
        runs = np.array(runs_a + runs_b)
        sub = d[:, runs[:, None], runs[None, :]]  # (S, s, s), A's runs first
        s = runs.size
        off = ~np.eye(s, dtype=bool)
        if not np.all(np.isfinite(sub[:, off])):
            raise argument_error("a pairwise value between runs of the two groups is NaN or "
                                 "infinite")
        self.n_members = d.shape[0]
        self.combine = combine
        if combine == "delta":
            sub = sub.mean(axis=0, keepdims=True)
        weights = np.zeros((s, s), dtype=np.int64)
        for member in sub:
            ranks = np.zeros((s, s), dtype=np.int64)
            ranks[off] = _midranks_doubled(member[off])
            weights += ranks + ranks.T
        self.weights = weights
        self.row_sums = weights.sum(axis=1)
        self.n_a = len(runs_a)
        self.n_b = len(runs_b)
        self.s = s
        self.n_inter = 2 * self.n_a * self.n_b
        observed = np.zeros((1, s), dtype=np.int64)
        observed[0, :self.n_a] = 1
        self.observed = int(self.cross_sums(observed)[0])

    def cross_sums(self, members: np.ndarray) -> np.ndarray:
        """m^T W (1 - m) for each row m of `members` ((count, s) of 0/1): int64 (count,)."""
        m = np.asarray(members, dtype=np.int64)
        return m @ self.row_sums - np.einsum("ri,ij,rj->r", m, self.weights, m)

    def statistic(self, cross_sum: int) -> float:
        """U (mean over the members with combine="u") of a relabeling's cross sum."""
        members = self.n_members if self.combine == "u" else 1
        return cross_sum / (2.0 * members) - self.n_inter * (self.n_inter + 1) / 2.0

    def distinct_relabelings(self) -> int:
        """Number of distinct splits of the s runs into groups of sizes |A| and |B|."""
        total = math.comb(self.s, self.n_a)
        # With |A| = |B| a subset and its complement are the same split (same statistic).
        return total // 2 if self.n_a == self.n_b else total


def _exact_members(s: int, n_a: int, start: int, stop: int) -> np.ndarray:
    """Distinct relabelings start..stop-1 in lexicographic order, as (count, s) 0/1 rows.
    With |A| = |B| only the subsets holding run 0 are enumerated (one per split)."""
    if 2 * n_a == s:
        subsets = ((0,) + rest for rest in itertools.combinations(range(1, s), n_a - 1))
    else:
        subsets = itertools.combinations(range(s), n_a)
    chosen = list(itertools.islice(subsets, start, stop))
    out = np.zeros((len(chosen), s), dtype=np.int64)
    for row, subset in enumerate(chosen):
        out[row, list(subset)] = 1
    return out


def _random_members(s: int, n_a: int, count: int, seed_sequence) -> np.ndarray:
    """`count` uniform random subsets of size |A| of s runs, as (count, s) 0/1 rows."""
    generator = np.random.default_rng(seed_sequence)
    keys = generator.random((count, s))
    chosen = np.argsort(keys, axis=1, kind="stable")[:, :n_a]
    out = np.zeros((count, s), dtype=np.int64)
    np.put_along_axis(out, chosen, 1, axis=1)
    return out


def permutation_blocks(statistic: RelabelingStatistic, permutations=9999, exact_limit=20000,
                       block_size=10000, seed=0):
    """The units of work of the permutation test: a list of picklable block descriptions
    (dicts), each for :func:`permutation_block`. Exact when the distinct relabelings are at
    most ``exact_limit``; otherwise ``permutations`` random ones in blocks of ``block_size``,
    block i drawn from the i-th child of ``SeedSequence(seed)`` (so the p-value does not depend
    on which worker runs which block, nor in which order)."""
    total = statistic.distinct_relabelings()
    block_size = int(block_size)
    if block_size < 1:
        raise argument_error(f"block_size must be >= 1, got {block_size}")
    if total <= int(exact_limit):
        return [{"kind": "exact", "start": start, "stop": min(start + block_size, total)}
                for start in range(0, total, block_size)]
    permutations = int(permutations)
    if permutations < 1:
        raise argument_error(f"permutations must be >= 1 when the {total} relabelings exceed "
                             f"exact_limit={exact_limit}")
    counts = [block_size] * (permutations // block_size)
    if permutations % block_size:
        counts.append(permutations % block_size)
    children = np.random.SeedSequence(int(seed)).spawn(len(counts))
    return [{"kind": "random", "count": count, "seed": child}
            for count, child in zip(counts, children)]


def permutation_block(statistic: RelabelingStatistic, block) -> int:
    """Number of relabelings of `block` whose statistic is at least the observed one."""
    if block["kind"] == "exact":
        members = _exact_members(statistic.s, statistic.n_a, block["start"], block["stop"])
    else:
        members = _random_members(statistic.s, statistic.n_a, block["count"], block["seed"])
    return int(np.count_nonzero(statistic.cross_sums(members) >= statistic.observed))


def combine_blocks(statistic: RelabelingStatistic, blocks, counts) -> EnsembleTestResult:
    """The test's result from every block's count (same order as ``blocks``)."""
    exact = blocks[0]["kind"] == "exact"
    count = int(sum(counts))
    if exact:
        total = sum(block["stop"] - block["start"] for block in blocks)
        pvalue, smallest_pvalue = count / total, 1.0 / total
    else:
        total = sum(block["count"] for block in blocks)
        pvalue, smallest_pvalue = (1 + count) / (1 + total), 1.0 / (1 + total)
    return EnsembleTestResult(
        statistic=statistic.statistic(statistic.observed), pvalue=pvalue, exact=exact,
        relabelings=total, smallest_pvalue=smallest_pvalue, n_members=statistic.n_members,
        n_runs_a=statistic.n_a, n_runs_b=statistic.n_b, combine=statistic.combine)


def ensemble_test(matrices, labels, group_a, group_b, combine="u", permutations=9999,
                  exact_limit=20000, block_size=10000, seed=0) -> EnsembleTestResult:
    """Permutation test of inter- against intra-group pairwise values, averaged over an
    ensemble of trainings, relabeling whole runs (see the module).

    Args:
        matrices: (S, N, N) (or one (N, N)) pairwise matrices over the same N runs, one per
            training, e.g. ``GroupTestOutcome.matrix`` of each training's swap test.
        labels: (N,) integer group label of each run (runs with other labels are ignored).
        group_a, group_b: the two labels compared.
        combine: ``"u"`` (mean U per relabeling) or ``"delta"`` (U of the mean matrix).
        permutations, exact_limit, block_size, seed: see :func:`permutation_blocks`.
    """
    labels = np.asarray(labels)
    runs_a = np.flatnonzero(labels == group_a)
    runs_b = np.flatnonzero(labels == group_b)
    statistic = RelabelingStatistic(matrices, runs_a, runs_b, combine)
    blocks = permutation_blocks(statistic, permutations, exact_limit, block_size, seed)
    return combine_blocks(statistic, blocks, [permutation_block(statistic, b) for b in blocks])
