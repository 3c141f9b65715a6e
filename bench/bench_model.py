#!/usr/bin/env python3
"""The end-to-end model at the paper's size: sparsevar against a PyTorch CPU implementation of
the same autoencoder (bench/torch_autoencoder.py), in one run, with the same thread count.

Measured, each in a fresh process so that the peak resident memory (ru_maxrss) is its own:

* one training step on one 64-frame window of 192 x 128 frames (depth 3, 32 channels, one latent
  channel: K = 384) for each mode: sequential (autoencoder only), embedded, end-to-end with the
  implicit lasso gradient, end-to-end unrolled; the median of several steps;
* the same sequential step in PyTorch (forward, loss, backward, Adam step), in both of its memory
  layouts, NCHW and channels_last; the faster one is PyTorch's best and the reference of the ratios;
* inference throughput (frames per second of encoding 256 frames in chunks of one window), for
  sparsevar and for PyTorch in both layouts;
* the memory of a dataset of the paper's size: 40 runs, 17,400 frames of 192 x 128, uint16.

The FLOP count of a sequential step is that of the convolutions (2 * H * W * Cin * Cout * k^2
per image for the forward pass, twice that for the backward pass: input and weight gradients);
the machine's fp32 peak is cores x clock x 32 (two 8-wide FMA units per core, AVX2), with the
clock read from /proc/cpuinfo. Every process is a default one: no allocator tunables
(GLIBC_TUNABLES, mallopt) are set. Run ``python3 bench/bench_model.py`` (needs torch for the
comparison: ``pip install torch``; it is skipped, with a note, when torch is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

HEIGHT, WIDTH, WINDOW, DEPTH, CHANNELS = 192, 128, 64, 3, 32


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def frames(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.random((HEIGHT, WIDTH), dtype=np.float32)
    return (base + 0.1 * rng.random((count, HEIGHT, WIDTH), dtype=np.float32)).astype(np.float32)


def step_flops() -> float:
    """Convolution FLOPs of one forward + backward pass over a window."""
    layers = []
    h, w = HEIGHT, WIDTH
    for level in range(DEPTH):  # encoder 3x3 convs
        layers.append((h, w, 1 if level == 0 else CHANNELS, CHANNELS, 9))
        h, w = h // 2, w // 2
    layers.append((h, w, CHANNELS, 1, 1))  # to latent
    layers.append((h, w, 1, CHANNELS, 1))  # from latent
    for level in range(DEPTH):  # decoder 3x3 convs after unpooling
        h, w = h * 2, w * 2
        layers.append((h, w, CHANNELS, 1 if level == DEPTH - 1 else CHANNELS, 9))
    forward = sum(2 * hh * ww * cin * cout * k for hh, ww, cin, cout, k in layers) * WINDOW
    return 3 * forward


def fp32_peak(cores: int) -> tuple[float, float]:
    mhz = 0.0
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("cpu MHz"):
                mhz = max(mhz, float(line.split(":")[1]))
    return cores * mhz * 1e6 * 32, mhz


# --- workers ---------------------------------------------------------------------------------

def run_sparsevar_step(mode: str, gradient: str, threads: int, steps: int) -> dict:
    import sparsevar

    dataset = sparsevar.FrameDataset(HEIGHT, WIDTH)
    dataset.add_run(frames(WINDOW), label=0)
    model = sparsevar.SparseVARAutoencoder(
        depth=DEPTH, channels=CHANNELS, mode=mode, lasso_gradient=gradient, epochs=steps,
        window=WINDOW, n_threads=threads)
    stamps = []
    model.fit(dataset, progress=lambda *args: stamps.append(time.perf_counter()) or True, analyze=False)
    times = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"seconds": statistics.median(times), "peak_mib": peak_mib()}


def run_sparsevar_inference(threads: int) -> dict:
    import sparsevar

    dataset = sparsevar.FrameDataset(HEIGHT, WIDTH)
    dataset.add_run(frames(WINDOW), label=0)
    model = sparsevar.SparseVARAutoencoder(depth=DEPTH, channels=CHANNELS, mode="sequential",
                                           epochs=1, window=WINDOW, n_threads=threads)
    model.fit(dataset, progress=False, analyze=False)
    batch = frames(256, seed=1)
    model.encode(batch[:WINDOW])
    start = time.perf_counter()
    model.encode(batch)
    return {"fps": len(batch) / (time.perf_counter() - start), "peak_mib": peak_mib()}


def run_dataset_memory() -> dict:
    import sparsevar

    before = peak_mib()
    dataset = sparsevar.FrameDataset(HEIGHT, WIDTH)
    rng = np.random.default_rng(0)
    lengths = np.full(40, 435)
    lengths[:8] = 306
    lengths[-2:] = 1206
    lengths = (lengths * 17400 / lengths.sum()).astype(int)
    for length in lengths:
        run = dataset.begin_run(label=0)
        for start in range(0, length, 100):
            count = min(100, length - start)
            dataset.append(run, rng.integers(0, 4096, (count, HEIGHT, WIDTH), dtype=np.uint16))
    total = int(lengths.sum())
    return {"frames": total, "memory_bytes": dataset.memory_bytes,
            "float32_bytes": total * HEIGHT * WIDTH * 4, "peak_mib": peak_mib(), "base_mib": before}


def torch_model(threads: int, layout: str):
    """The PyTorch autoencoder, seeded, in `layout` ("nchw" or "channels_last")."""
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_autoencoder import Autoencoder

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Autoencoder(DEPTH, CHANNELS, 1)
    if layout == "channels_last":
        model = model.to(memory_format=torch.channels_last)
    return model


def torch_frames(array: np.ndarray, layout: str):
    import torch

    x = torch.from_numpy(array).unsqueeze(1)
    return x.contiguous(memory_format=torch.channels_last) if layout == "channels_last" else x


def run_torch_step(threads: int, steps: int, layout: str) -> dict:
    import torch

    model = torch_model(threads, layout)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch_frames(frames(WINDOW), layout)
    mean = x.mean(dim=0, keepdim=True)
    times = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = torch.mean((model(x, mean) - x) ** 2)
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times[1:]), "peak_mib": peak_mib(), "version": torch.__version__}


def run_torch_inference(threads: int, layout: str) -> dict:
    import torch

    model = torch_model(threads, layout).eval()
    batch = frames(256, seed=1)
    mean = torch_frames(batch[:1], layout)
    with torch.no_grad():
        model.encode(torch_frames(batch[:WINDOW], layout) - mean)
        start = time.perf_counter()
        for first in range(0, len(batch), WINDOW):
            model.encode(torch_frames(batch[first:first + WINDOW], layout) - mean)
        seconds = time.perf_counter() - start
    return {"fps": len(batch) / seconds, "peak_mib": peak_mib()}


# --- driver ----------------------------------------------------------------------------------

def measure(*args) -> dict | None:
    done = subprocess.run([sys.executable, __file__, "--worker", *map(str, args)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        kind, *rest = options.worker
        if kind == "step":
            result = run_sparsevar_step(rest[0], rest[1], int(rest[2]), int(rest[3]))
        elif kind == "inference":
            result = run_sparsevar_inference(int(rest[0]))
        elif kind == "dataset":
            result = run_dataset_memory()
        elif kind == "torch-inference":
            result = run_torch_inference(int(rest[0]), rest[1])
        else:
            result = run_torch_step(int(rest[0]), int(rest[1]), rest[2])
        print(json.dumps(result))
        return

    import sparsevar

    threads, steps = options.threads, options.steps
    flops = step_flops()
    peak, mhz = fp32_peak(threads)
    print(f"sparsevar {sparsevar.version()}, {threads} threads, frames {HEIGHT} x {WIDTH}, window {WINDOW}, "
          f"depth {DEPTH}, {CHANNELS} channels; sequential step = {flops / 1e9:.1f} GFLOP (convolutions); "
          f"fp32 peak {peak / 1e9:.0f} GFLOP/s ({threads} cores x {mhz:.0f} MHz x 32)")
    torch_results = {layout: measure("torch", threads, steps, layout) for layout in ("nchw", "channels_last")}
    measured = {layout: r for layout, r in torch_results.items() if r}
    best_layout = min(measured, key=lambda layout: measured[layout]["seconds"]) if measured else None
    torch_result = measured.get(best_layout)
    print("| step | seconds | peak MiB | GFLOP/s (% of peak) |")
    print("|---|---|---|---|")
    rows = {}
    for name, mode, gradient in [("sequential", "sequential", "implicit"), ("embedded", "embedded", "implicit"),
                                 ("end-to-end, implicit", "end_to_end", "implicit"),
                                 ("end-to-end, unrolled", "end_to_end", "unrolled")]:
        result = measure("step", mode, gradient, threads, steps)
        rows[name] = result
        if result is None:
            print(f"| sparsevar {name} | failed | | |")
            continue
        rate = flops / result["seconds"]
        print(f"| sparsevar {name} | {result['seconds']:.2f} | {result['peak_mib']:.0f} | "
              f"{rate / 1e9:.1f} ({100 * rate / peak:.0f}%) |", flush=True)
    for layout, result in measured.items():
        rate = flops / result["seconds"]
        print(f"| PyTorch {result['version']} sequential, {layout} | {result['seconds']:.2f} | "
              f"{result['peak_mib']:.0f} | {rate / 1e9:.1f} ({100 * rate / peak:.0f}%) |")
    sequential = rows.get("sequential")
    if torch_result and sequential:
        print(f"\nsequential step: sparsevar is {torch_result['seconds'] / sequential['seconds']:.2f}x the speed of "
              f"PyTorch's best layout ({best_layout}; target >= 2); peak memory "
              f"{sequential['peak_mib'] / torch_result['peak_mib']:.2f}x PyTorch's (target <= 0.5)")
    elif not measured:
        print("\n(PyTorch not available: `pip install torch` for the comparison)")
    if sequential:
        for name, target in [("embedded", 1.1), ("end-to-end, implicit", 1.1), ("end-to-end, unrolled", 2.0)]:
            if rows.get(name):
                print(f"{name} / sequential step time: {rows[name]['seconds'] / sequential['seconds']:.2f} "
                      f"(target <= {target})")
    inference = measure("inference", threads)
    if inference:
        print(f"inference: sparsevar {inference['fps']:.0f} frames/s (encoding, {HEIGHT} x {WIDTH})")
    torch_inference = {layout: measure("torch-inference", threads, layout) for layout in measured}
    torch_inference = {layout: r for layout, r in torch_inference.items() if r}
    for layout, result in torch_inference.items():
        print(f"inference: PyTorch {layout} {result['fps']:.0f} frames/s")
    if inference and torch_inference:
        best = max(r["fps"] for r in torch_inference.values())
        print(f"inference: sparsevar / PyTorch's best: {inference['fps'] / best:.2f}x (target >= 2)")
    data = measure("dataset")
    if data:
        print(f"dataset of {data['frames']} frames: {data['memory_bytes'] / 2**20:.0f} MiB held "
              f"(float32 frames would be {data['float32_bytes'] / 2**20:.0f} MiB); process peak "
              f"{data['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
