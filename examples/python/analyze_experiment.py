#!/usr/bin/env python3
"""Analyse an imaging experiment in two conditions with sparsevar, notebook style.

The built-in synthetic two-photon experiment stands in for your recordings: each run is a
(T, H, W) numpy array and has a condition (0 = familiar F, 1 = novel N). Replace
`load_runs()` with your own loading (e.g. tifffile.imread per run) to analyse real data.

    python3 examples/python/analyze_experiment.py              # quick: tiny preset, small model
    python3 examples/python/analyze_experiment.py --validation-recipe   # README's, ~5 minutes
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
                    help="the README's validation recipe: small preset, depth 5 (K = 6), "
                         "32 channels, 10 epochs at learning rate 3e-3")
parser.add_argument("--output", default="analyze_experiment_figures")
args = parser.parse_args()
if args.validation_recipe:
    args.preset = "small"
    model_settings = dict(depth=5, channels=32, epochs=10, learning_rate=3e-3, window=64)
elif args.full_model:
    model_settings = dict(depth=3, channels=32, epochs=args.epochs, window=64)
else:
    model_settings = dict(depth=2, channels=8, epochs=args.epochs, window=32)


# %% Load the runs: a list of (T, H, W) arrays and their conditions
def load_runs(preset):
    experiment = sparsevar.SyntheticExperiment(preset, seed=1)
    runs = [experiment.frames(run) for run in range(experiment.n_runs)]
    return runs, experiment.labels, experiment.ground_truth, experiment


runs, labels, truth, experiment = load_runs(args.preset)
print(f"{len(runs)} runs, frames of {runs[0].shape[1]} x {runs[0].shape[2]}, "
      f"conditions {labels.tolist()}")

# %% Put them in a dataset (frames are held once, compactly; crop/downscale happen here)
dataset = sparsevar.FrameDataset(*runs[0].shape[1:], crop=experiment.crop,
                                 downscale=experiment.downscale)
for frames, label in zip(runs, labels):
    dataset.add_run(frames, label=int(label))
print(dataset)

# %% Train the autoencoder with its embedded sparse VAR (a progress bar shows the windows)
model = sparsevar.SparseVARAutoencoder(mode="end_to_end", p=5, alpha=0.01, seed=0,
                                       **model_settings)
model.fit(dataset)  # also analyses every run: its own VAR on the whole run
print(model)
print("R_var per run:", np.round(model.r_var_, 4))

# %% Do F and N differ in their dynamics?
swap = model.swap_test(0, 1)
influence = model.influence_test(0, 1)
print(f"coefficient-swap test F vs N: p = {swap.pvalue:.3g} by relabelling runs (smallest attainable "
      f"{swap.smallest_pvalue:.3g}); the paper's rank-sum p, whose pairs share runs: "
      f"{swap.ranksum_pvalue:.3g}")
print(f"influence-distance test F vs N: p = {influence.pvalue:.3g}")

# %% Where in the image do the dynamics differ?
map_f = model.contribution_map(label=0)
map_n = model.contribution_map(label=1)
difference = model.contribution_map(difference=(0, 1))

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no figures")
else:
    os.makedirs(args.output, exist_ok=True)
    mean_frame = dataset.mean_frame()
    panels = [("mean frame", mean_frame, "gray"), ("Omega F", map_f, "viridis"),
              ("Omega N", map_n, "viridis"), ("Omega F - N", difference, "RdBu_r"),
              ("ground truth", truth[::experiment.downscale, ::experiment.downscale]
               if experiment.crop is None else None, "gray")]
    panels = [p for p in panels if p[1] is not None]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3))
    for axis, (title, image, cmap) in zip(axes, panels):
        if cmap == "RdBu_r":
            bound = np.abs(image).max()
            axis.imshow(image, cmap=cmap, vmin=-bound, vmax=bound)
        else:
            axis.imshow(image, cmap=cmap)
        axis.set_title(title)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(os.path.join(args.output, "maps.png"), dpi=100)

    latents = model.latents_[0]
    figure, axis = plt.subplots(figsize=(8, 2.5))
    column = int(np.argmax(latents.std(axis=0)))
    axis.plot(latents[:, column], color="black", label=f"latent {column}")
    axis.set_xlabel("frame")
    axis.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(args.output, "latent.png"), dpi=100)
    print(f"figures written to {args.output}/")

# %% Keep the model: C programs and `sparsevar test` can load it
path = os.path.join(args.output, "model.svnet")
model.save(path)
again = sparsevar.SparseVARAutoencoder.load(path)
assert np.array_equal(again.coef_, model.coef_)
print(f"model saved to {path} (and loaded back with identical coefficients)")
