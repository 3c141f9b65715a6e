#!/usr/bin/env python3
"""A second, independently written two-photon generator, for checking that the defaults measured
on the built-in synthetic data carry over to data they were not tuned on (not part of the gate).

It differs from the built-in generator on purpose: assemblies are intermixed (their neurons are
scattered over the whole field of view, not clustered), activity is bursty spiking (Poisson
events whose rate follows the assembly's latent drive) filtered by a calcium kernel at 15 Hz,
and every run has its own gain, bleaching time constant, slow baseline drift and shot noise.
Conditions F and N share the scene and the neurons; with ``--null`` they also share the coupling
matrix of the assemblies' drives, otherwise N changes the coupling of ``--differing`` assemblies.

    python3 scripts/other_generator.py --seed 1 --output /tmp/other        # 10 F + 10 N runs
    python3 scripts/other_generator.py --seed 1 --null --output /tmp/other-null
    sparsevar train /tmp/other/run_*.npy --labels-csv /tmp/other/labels.csv -o /tmp/other/model.svnet \\
        --report /tmp/other/report

Writes ``run_NN.npy`` (uint16, frames x height x width), ``labels.csv`` and
``ground_truth_differing.npy`` (float32, 1 on the somata of the differing assemblies).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--null", action="store_true", help="no planted difference")
    parser.add_argument("--runs", type=int, default=10, help="runs per condition")
    parser.add_argument("--frames", type=int, default=300, help="frames per run (15 Hz)")
    parser.add_argument("--height", type=int, default=64)
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--neurons", type=int, default=90)
    parser.add_argument("--assemblies", type=int, default=6)
    parser.add_argument("--differing", type=int, default=2, help="assemblies whose coupling differs")
    parser.add_argument("--output", required=True)
    return parser.parse_args()


def stable(matrix: np.ndarray, radius: float) -> np.ndarray:
    """`matrix` scaled so that its spectral radius is `radius`."""
    return matrix * (radius / max(np.max(np.abs(np.linalg.eigvals(matrix))), 1e-12))


def main() -> None:
    args = parse_arguments()
    rng = np.random.default_rng([args.seed, 2026])
    h, w, k = args.height, args.width, args.assemblies

    # Scene: somata as small anisotropic Gaussian blobs; every neuron in one assembly, the
    # assemblies intermixed over the field of view; some neurons in no assembly.
    ys, xs = rng.uniform(4, h - 4, args.neurons), rng.uniform(4, w - 4, args.neurons)
    membership = rng.integers(-1, k, args.neurons)  # -1: driven by noise only
    yy, xx = np.mgrid[0:h, 0:w]
    footprints = np.empty((args.neurons, h, w))
    for n in range(args.neurons):
        sy, sx = rng.uniform(1.3, 2.2, 2)
        footprints[n] = np.exp(-0.5 * (((yy - ys[n]) / sy) ** 2 + ((xx - xs[n]) / sx) ** 2))
    neuropil = 0.15 * np.exp(-0.5 * (((yy - h / 2) / (0.6 * h)) ** 2 + ((xx - w / 2) / (0.6 * w)) ** 2))

    # Drives: a VAR(1) per condition over the assemblies; N changes the rows (and columns) of the
    # differing assemblies.
    coupling_f = stable(rng.normal(0, 1, (k, k)) * (rng.uniform(size=(k, k)) < 0.4) + np.eye(k) * 0.8, 0.85)
    coupling_n = coupling_f.copy()
    differing = np.arange(args.differing)
    if not args.null:
        change = rng.normal(0, 1, (args.differing, k))
        change[np.arange(args.differing), differing] = 0
        coupling_n[differing] = coupling_n[differing] + 0.6 * change
        coupling_n = stable(coupling_n, 0.85)

    kernel_decay = np.exp(-1 / (15 * 0.6))  # calcium decay, tau = 0.6 s at 15 Hz
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["file,condition"]
    for run in range(2 * args.runs):
        condition = "F" if run % 2 == 0 else "N"  # interleaved sessions
        coupling = coupling_f if condition == "F" else coupling_n
        t_count = args.frames
        drive = np.zeros((t_count, k))
        state = rng.normal(0, 1, k)
        for t in range(t_count):
            state = coupling @ state + rng.normal(0, 0.6, k)
            drive[t] = state
        rate = np.where(membership[None, :] >= 0, drive[:, np.maximum(membership, 0)], 0.0)
        rate = 0.08 * np.exp(np.clip(0.9 * rate, -5, 3))  # events per frame, bursty
        events = rng.poisson(rate)
        calcium = np.zeros((t_count, args.neurons))
        level = np.zeros(args.neurons)
        for t in range(t_count):
            level = kernel_decay * level + events[t]
            calcium[t] = level
        gain = rng.uniform(0.7, 1.4)
        bleach = np.exp(-np.arange(t_count) / rng.uniform(800, 4000))
        drift = 0.05 * np.cumsum(rng.normal(0, 0.02, t_count))
        movie = (np.tensordot(0.3 + calcium, footprints, axes=(1, 0)) + neuropil[None]) * 400
        movie = gain * movie * bleach[:, None, None] + (60 + 400 * drift)[:, None, None]
        movie = rng.poisson(np.clip(movie, 0, None)).astype(np.float64) + rng.normal(0, 8, movie.shape)
        name = f"run_{run:02d}.npy"
        np.save(out / name, np.clip(movie, 0, 65535).astype(np.uint16))
        lines.append(f"{name},{condition}")
    (out / "labels.csv").write_text("\n".join(lines) + "\n")
    truth = np.zeros((h, w), dtype=np.float32)
    if not args.null:
        for n in np.flatnonzero(np.isin(membership, differing)):
            truth = np.maximum(truth, (footprints[n] > 0.5).astype(np.float32))
    np.save(out / "ground_truth_differing.npy", truth)
    print(f"{2 * args.runs} runs of {args.frames} frames of {h} x {w} written to {out}")


if __name__ == "__main__":
    main()
