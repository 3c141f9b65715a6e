#!/usr/bin/env python3
"""Paper-scale sparse VAR fit: sparsevar against scikit-learn's LARS-lasso, in one run.

For each series length T and lambda, both tools fit the same VAR(p=5) with K=384 latents
(sigma-normalised, no intercept, one lasso per output sharing the lagged design), by default one
core against one core (``--threads 1``):

* sparsevar: ``SparseVARModel(p=5, alpha=lambda, n_threads=THREADS).fit(z)`` with every BLAS the
  process loaded limited to THREADS threads (threadpoolctl);
* scikit-learn: ``lars_path(X, u_j, method="lasso", alpha_min=lambda)`` for every output j, once
  without and once with a precomputed Gram matrix (X^T X and X^T u_j), keeping the faster. It is
  timed on one core (BLAS limited to one thread, after one untimed warm-up call) on an evenly
  spaced subset of outputs (``--outputs``), scaled by K / outputs, and divided by THREADS (with
  THREADS > 1: the time it would take with the outputs spread perfectly over the same cores, an
  assumption in scikit-learn's favour). The coefficients are compared on that subset.

Each measurement runs in a fresh process, so the peak resident memory (ru_maxrss) is its own.
Besides wall-clock time, each process's CPU time is measured: on a loaded machine the one-core
ratio in CPU time is the steadier figure (both tools then run one thread).
The BLAS kernel each process ran (threadpoolctl's ``architecture``) is printed: set
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE change it, so compare like with like.
Run ``python3 bench/bench_var.py`` (about 40 minutes; ``--quick`` for T = 64 only).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

K = 384
LAG = 5


def latent_series(length: int, seed: int = 0) -> np.ndarray:
    """A stable sparse VAR(1) in K dimensions, smooth enough to look like encoder latents."""
    rng = np.random.default_rng(seed)
    coupling = np.where(rng.random((K, K)) < 0.01, rng.normal(0, 0.15, (K, K)), 0.0)
    coupling += 0.6 * np.eye(K)
    radius = np.abs(np.linalg.eigvals(coupling)).max()
    if radius > 0.95:
        coupling *= 0.95 / radius
    z = np.zeros((length + 100, K))
    for t in range(1, length + 100):
        z[t] = coupling @ z[t - 1] + rng.standard_normal(K)
    return z[100:]


def lagged_design(z: np.ndarray):
    u = z / z.std()
    length = len(u)
    x = np.hstack([u[LAG - k:length - k] for k in range(1, LAG + 1)])
    return x, u[LAG:]


def peak_mib() -> float:
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (self_kib + children_kib) / 1024


# --- workers (each runs in its own process) --------------------------------------------------

def blas_kernels() -> str:
    """The BLAS libraries loaded in this process and the kernel each runs."""
    from threadpoolctl import threadpool_info

    return ", ".join(sorted({f"{os.path.basename(i['filepath'])}: {i.get('architecture')}"
                             for i in threadpool_info() if i["user_api"] == "blas"}))


def run_sparsevar(length: int, lam: float, threads: int, out: str) -> dict:
    import sparsevar
    from threadpoolctl import threadpool_limits

    z = latent_series(length)
    model = sparsevar.SparseVARModel(p=LAG, alpha=lam, n_threads=threads)
    sparsevar.version()  # loads the library, so that threadpoolctl sees its BLAS
    with threadpool_limits(threads):
        start, cpu_start = time.perf_counter(), time.process_time()
        model.fit(z)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    np.save(out, model.coef_)
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak_mib(), "blas": blas_kernels()}


def _sklearn_outputs(args):
    from sklearn.linear_model import lars_path
    from threadpoolctl import threadpool_limits

    length, lam, outputs, use_gram = args
    x, y = lagged_design(latent_series(length))
    coefs = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gram = x.T @ x if use_gram else None
        # One untimed call first: the first lars_path of a process pays for imports and caches.
        lars_path(x, y[:, outputs[0]], method="lasso", alpha_min=lam, max_iter=100000)
        start, cpu_start = time.perf_counter(), time.process_time()
        for j in outputs:
            if use_gram:
                _, _, c = lars_path(x, y[:, j], Gram=gram, Xy=x.T @ y[:, j], method="lasso",
                                    alpha_min=lam, max_iter=100000)
            else:
                _, _, c = lars_path(x, y[:, j], method="lasso", alpha_min=lam, max_iter=100000)
            coefs[j] = c[:, -1].copy()  # a view would keep the whole preallocated path alive
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return seconds, cpu, coefs


def run_sklearn(length: int, lam: float, threads: int, outputs: int, out: str) -> dict:
    """scikit-learn on one core (BLAS limited to one thread), both variants, on `outputs`
    evenly spaced outputs; its time on `threads` cores is taken as the one-core time divided by
    `threads` (perfect scaling over outputs, which favours scikit-learn)."""
    chosen = np.linspace(0, K - 1, outputs).round().astype(int).tolist()
    result = {}
    best = None
    for use_gram in (False, True):
        seconds, cpu, coefs = _sklearn_outputs((length, lam, chosen, use_gram))
        key = "gram" if use_gram else "no_gram"
        result[key + "_seconds_full_k"] = seconds * K / outputs / threads
        result[key + "_cpu_seconds_full_k"] = cpu * K / outputs / threads
        if best is None or seconds < best[0]:
            best = (seconds, coefs)
    np.save(out, np.array([best[1][j] for j in chosen]))
    result["outputs"] = chosen
    result["peak_mib"] = peak_mib()
    result["blas"] = blas_kernels()
    return result


# --- driver ----------------------------------------------------------------------------------

def measure(kind: str, *args) -> dict:
    command = [sys.executable, __file__, "--worker", kind, *map(str, args)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="cores for sparsevar; scikit-learn's one-core time is divided by it")
    parser.add_argument("--outputs", type=int, default=16,
                        help="outputs scikit-learn is timed on (scaled to K)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 435, 1206])
    parser.add_argument("--lambdas", type=float, nargs="+", default=[0.005, 0.01, 0.02])
    parser.add_argument("--quick", action="store_true", help="T = 64 only")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.worker:
        kind, *rest = options.worker
        if kind == "sparsevar":
            result = run_sparsevar(int(rest[0]), float(rest[1]), int(rest[2]), rest[3])
        else:
            result = run_sklearn(int(rest[0]), float(rest[1]), int(rest[2]), int(rest[3]), rest[4])
        print(json.dumps(result))
        return

    lengths = [64] if options.quick else options.lengths
    import sparsevar
    import sklearn

    print(f"sparsevar {sparsevar.version()}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"{options.threads} thread(s), K = {K}, p = {LAG}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, OPENBLAS_L2_SIZE="
          f"{os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")
    print("| T | lambda | sparsevar s | scikit-learn s (no Gram / Gram) | speed-up | "
          "speed-up in CPU time | max |coef diff| | peak MiB sparsevar / scikit-learn (one process) |")
    print("|---|---|---|---|---|---|---|---|")
    kernels = set()
    with tempfile.TemporaryDirectory() as folder:
        for length in lengths:
            for lam in options.lambdas:
                ours_file = os.path.join(folder, "ours.npy")
                theirs_file = os.path.join(folder, "theirs.npy")
                ours = measure("sparsevar", length, lam, options.threads, ours_file)
                theirs = measure("sklearn", length, lam, options.threads, options.outputs, theirs_file)
                coef = np.load(ours_file)  # p x K x K
                rows = coef.transpose(1, 0, 2).reshape(K, LAG * K)[theirs["outputs"]]
                difference = np.abs(rows - np.load(theirs_file)).max()
                reference = min(theirs["no_gram_seconds_full_k"], theirs["gram_seconds_full_k"])
                cpu_reference = min(theirs["no_gram_cpu_seconds_full_k"],
                                    theirs["gram_cpu_seconds_full_k"])
                flag = "" if difference <= 1e-10 else " (above 1e-10)"
                print(f"| {length} | {lam} | {ours['seconds']:.3f} | "
                      f"{theirs['no_gram_seconds_full_k']:.1f} / {theirs['gram_seconds_full_k']:.1f} | "
                      f"{reference / ours['seconds']:.1f}x | "
                      f"{cpu_reference / ours['cpu_seconds']:.1f}x | {difference:.1e}{flag} | "
                      f"{ours['peak_mib']:.0f} / {theirs['peak_mib']:.0f} |", flush=True)
                kernels.update((ours["blas"], theirs["blas"]))
    print("BLAS kernels run: " + "; ".join(sorted(kernels)))


if __name__ == "__main__":
    main()
