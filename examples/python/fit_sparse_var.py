"""Simulate a known sparse VAR(2), fit it with sparsevar, and compare the recovered support with
the truth.

    python3 examples/python/fit_sparse_var.py [--alpha 0.08] [--criterion bic] [--seed 1]

The library is found as the binding always finds it (SPARSEVAR_LIBRARY, a bundled copy,
pkg-config, the loader's path); the binding itself is imported from the installed package or,
failing that, from bindings/python of this repository.
"""

import argparse
import os
import sys

import numpy as np

try:
    import sparsevar
except ImportError as error:
    if "cannot find libsparsevar" in str(error):
        raise
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "bindings", "python"))
    import sparsevar

K = 8  # latent dimension
P = 2  # VAR order
T = 600  # time points


def simulate(rng):
    """A stable sparse VAR(2): self-dynamics on every latent plus a few cross connections."""
    A = np.zeros((P, K, K))
    A[0][np.arange(K), np.arange(K)] = rng.uniform(0.3, 0.5, K)
    A[1][np.arange(K), np.arange(K)] = rng.uniform(-0.25, -0.1, K)
    for lag, count in ((0, 6), (1, 3)):
        for _ in range(count):
            j, l = rng.choice(K, size=2, replace=False)
            A[lag, j, l] = rng.choice([-1, 1]) * rng.uniform(0.25, 0.4)
    z = np.zeros((T + 200, K))
    for t in range(P, T + 200):
        z[t] = A[0] @ z[t - 1] + A[1] @ z[t - 2] + rng.standard_normal(K)
    assert np.all(np.isfinite(z)) and np.abs(z).max() < 1e3, "simulated VAR is not stable"
    return A, z[200:]


def support_map(true, estimate):
    """One character per connection: # found, + false positive, - missed, . correctly absent."""
    rows = []
    for j in range(K):
        row = ""
        for l in range(K):
            t, e = true[j, l] != 0, estimate[j, l] != 0
            row += "#" if t and e else "+" if e else "-" if t else "."
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=0.08, help="l1 penalty (default 0.08)")
    parser.add_argument("--criterion", choices=["aic", "bic"], default=None,
                        help="choose alpha per output by AIC or BIC instead")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    A_true, z = simulate(rng)
    print(f"sparsevar {sparsevar.version()} ({sparsevar.library_path})")
    print(f"simulated VAR({P}), K = {K}, T = {T}: {int(np.count_nonzero(A_true))} non-zero "
          f"coefficients of {A_true.size}")

    with sparsevar.SparseVARModel(p=P, alpha=args.alpha, criterion=args.criterion) as model:
        model.fit(z)
        print(f"fitted {model!r}: sigma = {model.sigma_:.4f}, "
              f"R_var = {model.r_var(z):.4f}, alpha per output = "
              + ", ".join(f"{a:.3g}" for a in model.alphas_))
        A_hat = model.coef_

    print()
    print(f"{'lag':>4} {'true':>6} {'found':>6} {'TP':>4} {'FP':>4} {'FN':>4} "
          f"{'precision':>10} {'recall':>7}")
    totals = np.zeros(4, dtype=int)
    for lag in range(P):
        truth, found = A_true[lag] != 0, A_hat[lag] != 0
        tp = int(np.sum(truth & found))
        fp = int(np.sum(~truth & found))
        fn = int(np.sum(truth & ~found))
        totals += (truth.sum(), found.sum(), tp, fp)
        precision = tp / max(1, tp + fp)
        recall = tp / max(1, truth.sum())
        print(f"{lag + 1:>4} {truth.sum():>6} {found.sum():>6} {tp:>4} {fp:>4} {fn:>4} "
              f"{precision:>10.2f} {recall:>7.2f}")
    true_total, found_total, tp, fp = (int(v) for v in totals)
    print(f"{'all':>4} {true_total:>6} {found_total:>6} {tp:>4} {fp:>4} {true_total - tp:>4} "
          f"{tp / max(1, tp + fp):>10.2f} {tp / max(1, true_total):>7.2f}")

    print()
    print("support (row j = driven latent, column l = driver): "
          "# found, + false positive, - missed, . absent")
    maps = [support_map(A_true[lag], A_hat[lag]) for lag in range(P)]
    print("   " + "   ".join(f"lag {lag + 1}".ljust(K) for lag in range(P)))
    for j in range(K):
        print(f"{j:>2} " + "   ".join(maps[lag][j] for lag in range(P)))

    largest_miss = max((abs(A_true[k, j, l]) for k in range(P) for j in range(K)
                        for l in range(K) if A_true[k, j, l] != 0 and A_hat[k, j, l] == 0),
                       default=0.0)
    largest_false = np.max(np.abs(A_hat[A_true == 0]), initial=0.0)
    print()
    print(f"largest missed |A| = {largest_miss:.3f}; largest false positive |A_hat| = "
          f"{largest_false:.3f} (true non-zeros are >= 0.1)")


if __name__ == "__main__":
    main()
