"""Validation of the whole method on the built-in data (README, "Validation").

The small synthetic preset (20 runs in blocks of five F then five N, 96 x 64 pixels, eight
assemblies of which three couple differently in F and N) is generated with fixed seeds; the
autoencoder is trained end to end through the Python binding (the optimised library), every run
is analysed, and what comes out is checked with the calibrated test the project decides with
(the run-relabelling permutation p-value; docs/validation.md):

- the coefficient-swap tests: all F runs against all N runs at p < 0.01 (the calibration
  study's detection threshold); in the paper's layout (first vs second half of the F runs, of the
  N runs, and the four F-half vs N-half splits) every between-condition split more significant
  than both within-condition splits, and both within-condition splits above the Bonferroni
  threshold 0.05 / 6;
- the difference map |Omega_F - Omega_N| (read out on the latent grid, the default) ranks the
  somata of the differing assemblies above the rest of the field of view (area under the ROC
  curve, scikit-learn's ``roc_auc_score``).

Training both seeds takes about 7 minutes on two cores; the same networks are seeds 1 and 2 of
the calibration study (docs/validation.md), whose tables give their values.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import sparsevar

ALPHA = 0.01
SEEDS = (1, 2)
# The validation recipe (README, "Validation"): five blocks bring the 96 x 64 frames to a 3 x 2
# latent map (K = 6), trained end to end for 10 epochs at learning rate 3e-3, latents centred
# before every VAR, each window's in training and each run's in the analysis (the default). One worker thread per model: the two seeds train side by
# side on two cores.
MODEL = dict(depth=5, channels=32, mode="end_to_end", p=5, alpha=ALPHA, epochs=10,
             learning_rate=3e-3, window=64, seed=0, n_threads=1)
BONFERRONI = 0.05 / 6
# Labels of the four half-conditions for the split tests.
F1, F2, N1, N2 = 10, 11, 20, 21


def validate(seed):
    """Trains on the small preset of `seed` and returns the split tests' p-values and the map's
    ROC AUC."""
    with sparsevar.SyntheticTwoPhotonGenerator("small", seed=seed) as experiment:
        assert experiment.crop is None and experiment.downscale == 1
        conditions = experiment.labels
        dataset = sparsevar.FrameDataset(*experiment.frame_shape)
        for run, condition in enumerate(conditions):
            dataset.add_run(experiment.frames(run), label=int(condition))
        truth = experiment.ground_truth >= 0.5
    with dataset, sparsevar.SparseVARAutoencoder(**MODEL) as model:
        model.fit(dataset, progress=False)
        difference = model.contribution_map(difference=(0, 1))
        all_runs = model.swap_test(0, 1).pvalue  # the run-relabelling permutation p
        # The paper's half-split layout: relabel the runs and analyse them again (the VARs do
        # not change; only the groups the tests compare do).
        f_runs = np.flatnonzero(conditions == 0)
        n_runs = np.flatnonzero(conditions == 1)
        halves = {F1: f_runs[:len(f_runs) // 2], F2: f_runs[len(f_runs) // 2:],
                  N1: n_runs[:len(n_runs) // 2], N2: n_runs[len(n_runs) // 2:]}
        for label, runs in halves.items():
            for run in runs:
                dataset.set_label(int(run), label)
        coef = model.coef_.copy()
        model.analyze()
        np.testing.assert_array_equal(model.coef_, coef)
        within = [model.swap_test(F1, F2).pvalue, model.swap_test(N1, N2).pvalue]
        between = [model.swap_test(a, b).pvalue for a in (F1, F2) for b in (N1, N2)]
    auc = roc_auc_score(truth.ravel(), np.abs(difference).ravel())
    outcome = dict(seed=seed, within=within, between=between, all_runs=all_runs, auc=auc)
    print(f"validation {outcome}")
    return outcome


@pytest.fixture(scope="module")
def outcomes():
    # The library releases the GIL in every call, so the seeds train in parallel.
    with ThreadPoolExecutor(len(SEEDS)) as pool:
        return dict(zip(SEEDS, pool.map(validate, SEEDS)))


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def outcome(outcomes, request):
    return outcomes[request.param]


# What is asserted is what the trained network reaches on both seeds with a margin. The study
# over 8 + 8 seeds (docs/validation.md) measures rates; this test guards the method against
# regressions on two of its draws.


def test_all_f_runs_differ_from_all_n_runs(outcome):
    assert outcome["all_runs"] < 0.01, outcome


def test_every_between_condition_split_is_more_significant_than_the_within_splits(outcome):
    assert max(outcome["between"]) < min(outcome["within"]), outcome


def test_within_condition_swap_tests_stay_above_the_bonferroni_threshold(outcome):
    assert all(p > BONFERRONI for p in outcome["within"]), outcome


def test_difference_map_concentrates_on_the_differing_assemblies(outcome):
    # The study's median is 0.86; seed 1 is among its lowest (0.71).
    assert outcome["auc"] > 0.65, outcome
