#!/usr/bin/env python3
"""Analyse an imaging experiment in two conditions with sparsevar, notebook style.

The built-in synthetic two-photon experiment stands in for your recordings: each run is a
(T, H, W) numpy array and has a condition (0 = familiar F, 1 = novel N). Replace
`load_runs()` with your own loading (e.g. tifffile.imread per run) to analyse real data.

    python3 examples/python/analyze_experiment.py              # quick: tiny preset, small model
    python3 examples/python/analyze_experiment.py --validation-recipe   # the defaults, ~5 minutes
    python3 examples/python/analyze_experiment.py --preset small --epochs 3 --full-model

Figures (matplotlib) are written to analyze_experiment_figures/.
"""

import argparse
import os

import numpy as np

import sparsevar

# %% Options
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--preset", default="tiny", choices=["tiny", "small", "standard"])
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--full-model", action="store_true", help="depth 3, 32 channels (the paper's)")
parser.add_argument("--validation-recipe", action="store_true",
                    help="the library's defaults (the measured recipe) on the small preset: the "
                         "depth chosen from the run lengths (5, K = 6), 10 epochs at learning rate 3e-3")
parser.add_argument("--output", default="analyze_experiment_figures")
args = parser.parse_args()
if args.validation_recipe:
    args.preset = "small"
    model_settings = dict()  # every default: the recipe measured in docs/validation.md
elif args.full_model:
    model_settings = dict(depth=3, channels=32, epochs=args.epochs, window=64)
else:
    model_settings = dict(depth=2, channels=8, epochs=args.epochs, window=32)


# %% Load the runs: a list of (T, H, W) arrays and their conditions
def load_runs(preset):
    experiment = sparsevar.SyntheticTwoPhotonGenerator(preset, seed=1)
    runs = [experiment.frames(run) for run in range(experiment.n_runs)]
    return runs, experiment.labels, experiment.ground_truth, experiment


runs, labels, truth, experiment = load_runs(args.preset)
print(f"{len(runs)} runs, frames of {runs[0].shape[1]} x {runs[0].shape[2]}, "
      f"conditions {labels.tolist()}")

# %% Put them in a dataset (frames are held once, compactly; crop/downscale happen here)
dataset = sparsevar.FrameDataset(*runs[0].shape[1:], crop=experiment.crop,
                                 downscale=experiment.downscale)
for run, (frames, label) in enumerate(zip(runs, labels)):
    dataset.add_run(frames, label="FN"[int(label)])  # condition names, saved with the model
    dataset.set_run_name(run, f"synthetic_run_{run:02d}")  # e.g. the source file
print(dataset)

# %% Train the autoencoder with its embedded sparse VAR (a progress bar shows the windows)
model = sparsevar.SparseVARAutoencoder(mode="end_to_end", p=5, alpha=0.01, seed=0,
                                       **model_settings)
model.fit(dataset)  # also analyses every run: its own VAR on the whole run
print(model)
print("R_var per run:", np.round(model.r_var_, 4))

# %% Do F and N differ in their dynamics?
swap = model.swap_test("F", "N")
influence = model.influence_test("F", "N")
print(f"coefficient-swap test F vs N: p = {swap.pvalue:.3g} by relabelling runs (smallest attainable "
      f"{swap.smallest_pvalue:.3g}); the paper's rank-sum p, whose pairs share runs: "
      f"{swap.ranksum_pvalue:.3g}")
print(f"influence-distance test F vs N: p = {influence.pvalue:.3g}")

# %% Where in the image do the dynamics differ? (sparsevar.plot: matplotlib figures with colour
# bars, scale bars, the ground truth as a contour and the difference map's sign in its title)
try:
    import matplotlib  # noqa: F401
except ImportError:
    print("matplotlib is not installed: no figures")
else:
    from sparsevar import plot

    os.makedirs(args.output, exist_ok=True)
    shown_truth = None
    if experiment.crop is None:  # the ground truth at the model's frame size
        shown_truth = truth[::experiment.downscale, ::experiment.downscale]
    figures = {
        "map_F.png": plot.contribution_map(model, label="F", ground_truth=shown_truth),
        "map_N.png": plot.contribution_map(model, label="N", ground_truth=shown_truth),
        "difference_F_minus_N.png": plot.difference_map(model, "F", "N", ground_truth=shown_truth),
        "runs.png": plot.run_maps(model, columns=5),
        "forecast.png": plot.forecast(model, run=0),
    }
    for name, figure in figures.items():
        figure.savefig(os.path.join(args.output, name), dpi=100)
    print(f"figures written to {args.output}/")

# %% Keep the model: C programs and `sparsevar test` can load it
path = os.path.join(args.output, "model.svnet")
model.save(path)
again = sparsevar.SparseVARAutoencoder.load(path)
assert np.array_equal(again.coef_, model.coef_) and again.labels_ == model.labels_
print(f"model saved to {path} (and loaded back with identical coefficients)")
