"""Sweeps: datasets x lambdas (alpha) x training modes x training seeds, on Dask or local
processes, resumable, gathered into one table and one report.

    python -m sparsevar.sweep sweep.toml [--cluster tcp://host:8786] [--workers 2] [--threads 1]

or from Python::

    from sparsevar import sweep
    result = sweep.run(sweep.load_config("sweep.toml"))         # or sweep.SweepConfig(...)
    result.ensembles                                             # one row per configuration

For every (dataset, alpha, mode) and training seed s there is one training task and one
analysis task (:mod:`sparsevar.distributed`); then, per (dataset, alpha, mode), ONE permutation
test over run relabelings of the swap statistic averaged over the seeds
(:mod:`sparsevar.ensemble`), run as blocks of relabelings. Its p-value is the verdict: it is
calibrated at the level of the runs. The per-training rank-sum p-values in the runs table count
ordered pairs of runs, which share runs, and are shown for diagnosis only.

Seeds: every number that seeds something derives from ``root_seed`` through
``numpy.random.SeedSequence.spawn``: training seed s gives the model's ``seed``,
``shuffle_seed`` and ``test_seed`` (the same for every dataset, alpha and mode), and the i-th
(dataset, alpha, mode) of the grid the seed of its permutation test. Results therefore do not
depend on the order in which tasks run, nor where.

Results folder: ``tasks/<key>.npz`` per task (the key hashes the task's inputs: dataset identity,
parameters, seeds, threads), so a rerun computes only what is missing; ``runs.csv``,
``ensembles.csv``, ``results.json`` and ``report.md`` are rewritten at the end of every run.
A failing task is reported in the tables with its error and does not stop the sweep.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from .distributed import (
    DatasetSource,
    FileSource,
    ResultStore,
    SyntheticSource,
    TaskSpec,
    analyze_task,
    connect,
    execute,
    permutation_task,
    task_key,
    train_task,
)
from .ensemble import RelabelingStatistic, combine_blocks, permutation_blocks

__all__ = ["SweepConfig", "SweepResult", "load_config", "main", "run"]

#: The test options of a sweep and their defaults (see sparsevar.ensemble).
TEST_DEFAULTS = {"combine": "u", "permutations": 9999, "exact_limit": 20000, "block_size": 10000}


@dataclass
class SweepConfig:
    """What a sweep runs.

    Attributes:
        datasets: name -> :class:`~sparsevar.distributed.DatasetSource`.
        alphas: the lambdas (the model's ``alpha``).
        modes: training modes (``"end_to_end"``, ``"embedded"``, ``"sequential"``).
        seeds: number of training seeds per configuration (the ensemble's size).
        model: the other :class:`sparsevar.SparseVARAutoencoder` parameters, the same for every
            task (``seed``, ``shuffle_seed``, ``test_seed`` and ``n_threads`` are set by the sweep).
        groups: the two labels the tests compare.
        root_seed: the root of every seed.
        test: ``combine`` ("u" or "delta"), ``permutations``, ``exact_limit``, ``block_size``
            of the ensemble test.
        results: the results folder.
        cluster: where tasks run (see :func:`sparsevar.distributed.connect`), ``workers``,
            ``threads``: library and BLAS threads per task.
    """

    datasets: dict
    alphas: list = field(default_factory=lambda: [0.01])
    modes: list = field(default_factory=lambda: ["end_to_end"])
    seeds: int = 1
    model: dict = field(default_factory=dict)
    groups: tuple = (0, 1)
    root_seed: int = 0
    test: dict = field(default_factory=dict)
    results: str = "sweep-results"
    cluster: object = None
    workers: int = None
    threads: int = 1

    def __post_init__(self):
        from .model import SparseVARAutoencoder

        reserved = {"alpha", "mode", "seed", "shuffle_seed", "test_seed", "n_threads"}
        unknown = set(self.model) - set(SparseVARAutoencoder().get_params())
        if unknown:
            raise ValueError(f"unknown model parameters {sorted(unknown)}")
        if reserved & set(self.model):
            raise ValueError(f"model parameters {sorted(reserved & set(self.model))} are set by "
                             f"the sweep (alphas, modes, seeds, threads)")
        unknown = set(self.test) - set(TEST_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown test options {sorted(unknown)}; valid: "
                             f"{', '.join(TEST_DEFAULTS)}")
        if not self.datasets:
            raise ValueError("a sweep needs at least one dataset")
        for name, source in self.datasets.items():
            if not isinstance(source, DatasetSource):
                raise TypeError(f"dataset {name!r} must be a DatasetSource, got {source!r}")
        if int(self.seeds) < 1:
            raise ValueError(f"seeds must be >= 1, got {self.seeds}")
        self.groups = tuple(int(g) for g in self.groups)


@dataclass
class SweepResult:
    """Rows of the two tables (dicts), the errors (key -> text), the keys computed by this run,
    and the files written."""

    runs: list
    ensembles: list
    errors: dict
    computed: list
    files: dict


def _seeds(config: SweepConfig):
    """(per training seed: (seed, shuffle_seed, test_seed)), and the permutation-test seed of
    the i-th (dataset, alpha, mode), all spawned from root_seed."""
    training_root, test_root = np.random.SeedSequence(int(config.root_seed)).spawn(2)
    training = [tuple(int(v) for v in child.generate_state(3))
                for child in training_root.spawn(int(config.seeds))]
    configurations = len(config.datasets) * len(config.alphas) * len(config.modes)
    tests = [int(child.generate_state(1)[0]) for child in test_root.spawn(configurations)]
    return training, tests


def _grid(config: SweepConfig):
    """The (dataset name, alpha, mode) configurations in their fixed order."""
    return [(name, float(alpha), str(mode)) for name in config.datasets
            for alpha in config.alphas for mode in config.modes]


def run(config: SweepConfig, cluster=None, workers=None, threads=None, progress=True,
        results=None) -> SweepResult:
    """Runs the sweep (only what its results folder lacks) and writes the tables and report.
    ``cluster``, ``workers``, ``threads`` and ``results`` override the config's."""
    threads = int(threads or config.threads or 1)
    folder = os.fspath(results or config.results)
    store = ResultStore(folder)
    test = {**TEST_DEFAULTS, **config.test}
    training_seeds, test_seeds = _seeds(config)
    identities = {name: source.identity() for name, source in config.datasets.items()}

    # Phase 1: training and analysis tasks.
    tasks, rows = [], []
    for name, alpha, mode in _grid(config):
        source = config.datasets[name]
        for index, (seed, shuffle_seed, test_seed) in enumerate(training_seeds):
            params = {**config.model, "alpha": alpha, "mode": mode, "seed": seed,
                      "shuffle_seed": shuffle_seed}
            train = task_key("train", dataset=identities[name], params=params, threads=threads)
            test_params = {"test_seed": test_seed}
            analysis = task_key("analyze", train=train, dataset=identities[name],
                                groups=config.groups, test=test_params, threads=threads)
            tasks.append(TaskSpec(train, train_task, (source, params, threads)))
            tasks.append(TaskSpec(
                analysis, analyze_task,
                _AnalysisArguments(train, source, config.groups, threads, test_params),
                after=(train,)))
            rows.append({"dataset": name, "alpha": alpha, "mode": mode, "seed_index": index,
                         "seed": seed, "train_key": train, "analysis_key": analysis})

    where = cluster if cluster is not None else config.cluster
    runner = connect(where, workers if workers is not None else config.workers, threads)
    owned = runner is not where  # a runner given by the caller stays open for its next sweep
    if progress:
        print(f"sparsevar.sweep: {runner.description}; results in {folder}", file=sys.stderr)
        if runner.dashboard:
            print(f"sparsevar.sweep: Dask dashboard {runner.dashboard}", file=sys.stderr)
    bar = _progress_bar(progress)
    try:
        results, errors, computed = execute(tasks, store, runner, bar)

        # Phase 2: one permutation test per configuration, in blocks.
        ensembles, block_tasks = [], []
        for index, (name, alpha, mode) in enumerate(_grid(config)):
            members = [row for row in rows if (row["dataset"], row["alpha"], row["mode"])
                       == (name, alpha, mode)]
            done = [row["analysis_key"] for row in members if row["analysis_key"] in results]
            entry = {"dataset": name, "alpha": alpha, "mode": mode, "seeds": len(members),
                     "members": len(done), "combine": test["combine"]}
            ensembles.append(entry)
            if not done:
                entry["error"] = "no training of this configuration was analysed"
                continue
            try:
                statistic = RelabelingStatistic(
                    np.stack([results[key]["delta"] for key in done]),
                    *_group_runs(results[done[0]]["labels"], config.groups), test["combine"])
                blocks = permutation_blocks(statistic, test["permutations"],
                                            test["exact_limit"], test["block_size"],
                                            test_seeds[index])
            except (ValueError, TypeError) as error:
                entry["error"] = f"{type(error).__name__}: {error}"
                continue
            keys = [task_key("permutations", analyses=done, test=test, seed=test_seeds[index],
                             groups=config.groups, block=i) for i in range(len(blocks))]
            block_tasks += [TaskSpec(key, permutation_task, (statistic, block))
                            for key, block in zip(keys, blocks)]
            entry.update(_statistic=statistic, _blocks=blocks, _keys=keys)
        block_results, block_errors, block_computed = execute(block_tasks, store, runner, bar)
    finally:
        if bar is not None:
            bar.close()
        if owned:
            runner.close()
    errors.update(block_errors)
    computed += block_computed

    for entry in ensembles:
        keys = entry.pop("_keys", None)
        statistic, blocks = entry.pop("_statistic", None), entry.pop("_blocks", None)
        if keys is None:
            continue
        failed = [key for key in keys if key in block_errors]
        if failed:
            entry["error"] = block_errors[failed[0]]
            continue
        outcome = combine_blocks(statistic, blocks, [block_results[k]["count"] for k in keys])
        entry.update(statistic=outcome.statistic, pvalue=outcome.pvalue, exact=outcome.exact,
                     relabelings=outcome.relabelings, smallest_pvalue=outcome.smallest_pvalue,
                     runs_a=outcome.n_runs_a, runs_b=outcome.n_runs_b)
    for row in rows:
        _fill_run_row(row, results, errors)
    files = _write(folder, config, test, rows, ensembles, errors)
    return SweepResult(rows, ensembles, errors, computed, files)


class _AnalysisArguments:
    """The arguments of an analysis task, built in this process once its training is done: the
    trained model's bytes come from the training's result."""

    def __init__(self, train_key, source, groups, threads, test_params):
        self.train_key, self.source, self.groups = train_key, source, groups
        self.threads, self.test_params = threads, test_params

    def __call__(self, results):
        return (self.source, results[self.train_key]["model"], self.groups, self.threads,
                self.test_params)


def _group_runs(labels, groups):
    labels = np.asarray(labels)
    return np.flatnonzero(labels == groups[0]), np.flatnonzero(labels == groups[1])


def _fill_run_row(row, results, errors):
    train, analysis = row["train_key"], row["analysis_key"]
    if train in results:
        losses = np.asarray(results[train]["loss_history"])
        row["final_loss"] = float(losses[-1]) if losses.size else None
        row["train_seconds"] = float(results[train]["seconds"])
    if analysis in results:
        values = results[analysis]
        row.update(l_rec=float(np.mean(values["l_rec"])), r_var=float(np.mean(values["r_var"])),
                   statistic=float(values["statistic"]), ranksum_pvalue=float(values["ranksum_pvalue"]),
                   pvalue=float(values["pvalue"]),
                   analysis_seconds=float(values["seconds"]))
        row["status"] = "done"
    else:
        row["status"] = "failed"
        row["error"] = errors.get(train) or errors.get(analysis, "")


_RUN_COLUMNS = ["dataset", "alpha", "mode", "seed_index", "seed", "status", "final_loss", "l_rec",
                "r_var", "statistic", "ranksum_pvalue", "pvalue", "train_seconds",
                "analysis_seconds", "train_key", "analysis_key", "error"]
_ENSEMBLE_COLUMNS = ["dataset", "alpha", "mode", "seeds", "members", "combine", "statistic",
                     "pvalue", "exact", "relabelings", "smallest_pvalue", "runs_a", "runs_b", "error"]


def _write(folder, config, test, rows, ensembles, errors):
    files = {"runs": os.path.join(folder, "runs.csv"),
             "ensembles": os.path.join(folder, "ensembles.csv"),
             "json": os.path.join(folder, "results.json"),
             "report": os.path.join(folder, "report.md")}
    for path, columns, table in ((files["runs"], _RUN_COLUMNS, rows),
                                 (files["ensembles"], _ENSEMBLE_COLUMNS, ensembles)):
        with open(path, "w", newline="") as file:
            writer = csv.DictWriter(file, columns, extrasaction="ignore")
            writer.writeheader()
            for row in table:
                writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    with open(files["json"], "w") as file:
        json.dump({"groups": list(config.groups), "root_seed": config.root_seed, "test": test,
                   "runs": rows, "ensembles": ensembles, "errors": errors}, file, indent=1,
                  default=str)
    with open(files["report"], "w") as file:
        file.write(_report(config, test, rows, ensembles, errors))
    return files


def _format(value, digits=4):
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _report(config, test, rows, ensembles, errors):
    a, b = config.groups
    failed = [row for row in rows if row["status"] != "done"]
    lines = [
        "# Sweep report", "",
        f"{len(rows)} trainings ({len(config.datasets)} dataset(s) x {len(config.alphas)} "
        f"alpha(s) x {len(config.modes)} mode(s) x {config.seeds} seed(s)), "
        f"{len(rows) - len(failed)} analysed; root seed {config.root_seed}.", "",
        f"## Ensemble swap tests: label {a} against label {b}", "",
        f"Per configuration, the swap statistic (combine = \"{test['combine']}\": "
        + ("U per relabeling averaged over the seeds" if test["combine"] == "u"
           else "U of the Delta matrix averaged over the seeds")
        + ") is tested by ONE permutation test that relabels whole runs, calibrated at the level "
          "of the runs. p is exact when every distinct relabeling is enumerated; min p is the "
          "smallest p-value the test can give.", "",
        "| dataset | alpha | mode | seeds | U | p | exact | relabelings | min p |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in ensembles:
        if "pvalue" in entry:
            members = (f"{entry['members']}" if entry["members"] == entry["seeds"]
                       else f"{entry['members']} of {entry['seeds']}")
            lines.append(
                f"| {entry['dataset']} | {_format(entry['alpha'])} | {entry['mode']} | {members} "
                f"| {_format(entry['statistic'], 6)} | {_format(entry['pvalue'])} "
                f"| {'yes' if entry['exact'] else 'no'} | {entry['relabelings']} "
                f"| {_format(entry['smallest_pvalue'])} |")
        else:
            lines.append(f"| {entry['dataset']} | {_format(entry['alpha'])} | {entry['mode']} "
                         f"| 0 of {entry['seeds']} | failed: {_one_line(entry.get('error'))} "
                         f"| | | | |")
    lines += ["", "## Trainings", "",
              "The rank-sum p counts ordered pairs of runs, which share runs: a diagnosis, not a "
              "verdict. The per-training permutation p relabels runs for that training alone.",
              "", "| dataset | alpha | mode | seed | final loss | L_rec | R_var | U | "
              "rank-sum p | permutation p |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        if row["status"] == "done":
            lines.append(
                f"| {row['dataset']} | {_format(row['alpha'])} | {row['mode']} "
                f"| {row['seed_index']} | {_format(row.get('final_loss'))} "
                f"| {_format(row['l_rec'])} | {_format(row['r_var'])} "
                f"| {_format(row['statistic'], 6)} | {_format(row['ranksum_pvalue'])} "
                f"| {_format(row['pvalue'])} |")
        else:
            lines.append(f"| {row['dataset']} | {_format(row['alpha'])} | {row['mode']} "
                         f"| {row['seed_index']} | failed: {_one_line(row.get('error'))} "
                         f"| | | | | |")
    if errors:
        lines += ["", "## Errors", ""]
        for key, text in errors.items():
            lines += [f"- `{key}`: {_one_line(text)}"]
    return "\n".join(lines) + "\n"


def _one_line(text):
    """The last line of an error text (the exception), without table separators."""
    lines = [line for line in str(text or "").strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "").replace("|", "/")


def _progress_bar(progress):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=0, desc="sweep", unit="task")


# ------------------------------------------------------------------------------------------------
# Config files


def load_config(path) -> SweepConfig:
    """A :class:`SweepConfig` from a TOML (``.toml``) or JSON file. Keys are the config's
    attributes; ``datasets`` is a table of named datasets, each one of

    - ``synthetic = "tiny"`` (a preset) with an optional ``seed`` and ``null = true`` (the
      no-difference variant);
    - ``files = ["run1.npy", ...]`` (relative to the config file's folder) with optional
      ``labels``, ``crop`` = [height, width], ``downscale``.

    ``cluster`` is a table with optional ``address`` (a scheduler address, "processes" or
    "serial"), ``workers`` and ``threads``. See docs/distributed.md for an example."""
    path = os.fspath(path)
    with open(path, "rb") as file:
        if path.lower().endswith(".json"):
            data = json.load(file)
        else:
            try:
                import tomllib
            except ImportError:  # Python < 3.11
                import tomli as tomllib
            data = tomllib.load(file)
    data = dict(data)
    folder = os.path.dirname(os.path.abspath(path))
    datasets = {}
    for name, spec in dict(data.pop("datasets", {})).items():
        datasets[name] = _source(name, dict(spec), folder)
    cluster = dict(data.pop("cluster", {}))
    unknown = set(cluster) - {"address", "workers", "threads"}
    if unknown:
        raise ValueError(f"unknown [cluster] keys {sorted(unknown)}")
    results = data.pop("results", "sweep-results")
    if not os.path.isabs(results):
        results = os.path.join(folder, results)
    known = {"alphas", "modes", "seeds", "model", "groups", "root_seed", "test"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; valid: datasets, results, "
                         f"cluster, {', '.join(sorted(known))}")
    return SweepConfig(datasets=datasets, results=results, cluster=cluster.get("address"),
                       workers=cluster.get("workers"), threads=cluster.get("threads", 1), **data)


def _source(name, spec, folder) -> DatasetSource:
    if "synthetic" in spec:
        unknown = set(spec) - {"synthetic", "seed", "null"}
        if unknown:
            raise ValueError(f"dataset {name!r}: unknown keys {sorted(unknown)}")
        null = spec.get("null", False)
        if not isinstance(null, bool):
            raise ValueError(f"dataset {name!r}: null must be true or false, got {null!r}")
        return SyntheticSource(spec["synthetic"], int(spec.get("seed", 1)), null)
    if "files" in spec:
        unknown = set(spec) - {"files", "labels", "crop", "downscale"}
        if unknown:
            raise ValueError(f"dataset {name!r}: unknown keys {sorted(unknown)}")
        paths = [p if os.path.isabs(p) else os.path.join(folder, p) for p in spec["files"]]
        return FileSource(tuple(paths), spec.get("labels"), spec.get("crop"),
                          int(spec.get("downscale", 1)))
    raise ValueError(f"dataset {name!r} needs `synthetic = \"preset\"` or `files = [...]`")


def main(argv=None) -> int:
    """The command line: ``python -m sparsevar.sweep CONFIG [options]``."""
    parser = argparse.ArgumentParser(
        prog="python -m sparsevar.sweep",
        description="Run a sparsevar sweep (datasets x alphas x modes x seeds) on Dask or local "
                    "processes; resumable. Writes runs.csv, ensembles.csv, results.json and "
                    "report.md into the results folder.")
    parser.add_argument("config", help="a .toml or .json sweep config")
    parser.add_argument("--results", help="results folder (default: the config's)")
    parser.add_argument("--cluster", help='a Dask scheduler address, "processes" or "serial" '
                                          "(default: the config's, else a local Dask cluster)")
    parser.add_argument("--workers", type=int, help="workers of a local cluster")
    parser.add_argument("--threads", type=int, help="library and BLAS threads per task")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    result = run(config, cluster=args.cluster, workers=args.workers, threads=args.threads,
                 progress=not args.quiet, results=args.results)
    print(f"{len(result.computed)} task(s) computed, {len(result.errors)} failed; "
          f"report: {result.files['report']}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
