#!/usr/bin/env python3
"""Wall time of one sweep (sparsevar.sweep) run serially and on 1 and 2 local Dask workers.

The sweep: the synthetic preset (default "tiny") x alphas x seeds, end-to-end training for
--epochs epochs, each training's analysis, and one ensemble permutation test per alpha. Every
configuration starts from an empty results folder (nothing is reused) and computes the same
tasks, whose stored results are checked to be identical across configurations.

Configurations, all with the same 2 cores:
  serial-2threads   the loop a user would otherwise write: one task after the other in this
                    process, the library and BLAS using both cores (threads=2);
  dask-1x2          a local Dask cluster of 1 worker process with 2 threads per task;
  dask-2x1          2 worker processes with 1 thread per task (the default split).
Starting a cluster (a one-off cost per session) is timed apart from the sweep. The machine's load
average is printed before and after each run: other work on the machine slows runs unevenly, so
configurations are interleaved and repeated, and the best time of each is kept. CPU is the
user + system time of this process and of the Dask workers during the sweep: the work done,
which contention does not inflate the way it inflates wall time.

    export SPARSEVAR_LIBRARY=$PWD/build/prefix/lib/libsparsevar.so
    python3 bench/bench_sweep.py [--seeds 4] [--alphas 0.02 0.05] [--epochs 2] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time

import numpy as np

from sparsevar.distributed import ResultStore, SyntheticSource, connect
from sparsevar.sweep import SweepConfig, run

CONFIGURATIONS = [("serial-2threads", "serial", None, 2), ("dask-1x2", None, 1, 2),
                  ("dask-2x1", None, 2, 1)]


def _cpu_seconds_here():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_seconds_of_this_process():
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def worker_cpu_seconds(runner):
    """CPU seconds (user + system) used so far by the runner's worker processes (Dask)."""
    client = getattr(runner, "client", None)
    if client is None:
        return 0.0
    return sum(client.run(_cpu_seconds_of_this_process).values())


def stored(folder, keys):
    store = ResultStore(folder)
    return {key: {k: v for k, v in store.load(key).items() if k != "seconds"} for key in keys}


def same(a, b):
    for key in a:
        for name, value in a[key].items():
            other = b[key][name]
            if isinstance(value, np.ndarray):
                if value.tobytes() != other.tobytes():
                    return False
            elif value != other and not (value != value and other != other):
                return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.02, 0.05])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    model = {"depth": 3, "channels": 8, "epochs": args.epochs, "window": 32, "p": 2}
    print(f"sweep: preset {args.preset}, {len(args.alphas)} alphas x {args.seeds} seeds = "
          f"{len(args.alphas) * args.seeds} trainings of {args.epochs} epoch(s) + analyses + "
          f"{len(args.alphas)} ensemble tests; {os.cpu_count()} cores")
    times = {name: [] for name, *_ in CONFIGURATIONS}
    cpus = {name: [] for name, *_ in CONFIGURATIONS}
    reference = None
    root = tempfile.mkdtemp(prefix="bench-sweep-")
    try:
        for repeat in range(args.repeat):
            for name, cluster, workers, threads in CONFIGURATIONS:
                folder = os.path.join(root, f"{name}-{repeat}")
                config = SweepConfig(datasets={"synthetic": SyntheticSource(args.preset, 1)},
                                     alphas=args.alphas, seeds=args.seeds, model=model,
                                     root_seed=1, results=folder, threads=threads)
                start = time.perf_counter()
                runner = connect(cluster, workers=workers, threads=threads)
                startup = time.perf_counter() - start
                load_before = os.getloadavg()[0]
                cpu = _cpu_seconds_here() + worker_cpu_seconds(runner)
                start = time.perf_counter()
                result = run(config, cluster=runner, progress=False)
                seconds = time.perf_counter() - start
                cpu = _cpu_seconds_here() + worker_cpu_seconds(runner) - cpu
                cpus[name].append(cpu)
                runner.close()
                times[name].append(seconds)
                assert not result.errors, result.errors
                keys = [row["analysis_key"] for row in result.runs]
                # Threads are part of a task's key: compare values, not keys.
                values = list(stored(folder, keys).values())
                if reference is None:
                    reference = values
                identical = all(same({0: a}, {0: b}) for a, b in zip(values, reference))
                # Seconds spent inside tasks / wall: how many ran at once on average.
                busy = sum(row["train_seconds"] + row["analysis_seconds"] for row in result.runs)
                print(f"{name:16s} sweep {seconds:6.1f} s, CPU {cpu:6.1f} s (cluster start "
                      f"{startup:4.1f} s, tasks busy {busy / seconds:.2f}x)   load {load_before:.1f} -> "
                      f"{os.getloadavg()[0]:.1f}   results identical to the first: {identical}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    best = {name: min(values) for name, values in times.items()}
    print("\n| configuration | sweep wall s (best of %d) | CPU s (least) | speed-up vs "
          "serial-2threads |" % args.repeat)
    print("|---|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.1f} | {min(cpus[name]):.1f} | "
              f"{best['serial-2threads'] / seconds:.2f}x |")
    print(f"\n2 workers vs 1 worker: {best['dask-1x2'] / best['dask-2x1']:.2f}x")


if __name__ == "__main__":
    main()
