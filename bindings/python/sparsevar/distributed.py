"""Units of work of a study, run on Dask (local or any cluster), in local processes, or serially.

A study is many trainings (datasets x lambdas x modes x seeds), the analysis of each trained
model, and permutation tests. Each is one picklable task that names its inputs (a
:class:`DatasetSource`, parameters, the bytes of a saved model), never a C handle: a task opens
the shared library the first time its worker imports ``sparsevar``, builds its own dataset and
model, and returns numpy arrays, numbers and bytes.

Tasks:
    :func:`train_task`        trains one configuration on one dataset; returns the saved model.
    :func:`analyze_task`      analyses every run of a dataset with a trained model: per-run
                              metrics, influence vectors and the swap test's Delta matrix. (One
                              model's runs are analysed together: the dataset normalises pixels
                              by the range of all its runs, and Delta compares every pair.)
    :func:`permutation_task`  one block of run relabelings of an ensemble test
                              (:mod:`sparsevar.ensemble`).

Where they run (``cluster=`` of :func:`connect` and of ``sparsevar.sweep.run``):
    None          a Dask ``LocalCluster`` when dask.distributed is installed, else local processes;
    "processes"   a ``concurrent.futures.ProcessPoolExecutor`` (spawned processes);
    "serial"      this process, one task after the other (the reference for reproducibility);
    a string      a Dask scheduler address ("tcp://host:8786");
    an object     a Dask ``Client`` or any Dask cluster (``LocalCluster``, dask-jobqueue's
                  ``SLURMCluster``...).

Threads: every task runs with ``threads`` library threads (the model's n_threads) and as many
BLAS threads (threadpoolctl when installed, and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS in the
environment of the workers this module starts), so that workers x threads = cores and results
do not depend on the machine's core count.

Results are kept by :class:`ResultStore`, one file per task under a key derived from the task's
inputs and parameters, so that a rerun computes only what is missing.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import tempfile
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ArraySource",
    "DatasetSource",
    "FileSource",
    "ResultStore",
    "SyntheticSource",
    "TaskSpec",
    "analyze_task",
    "connect",
    "execute",
    "permutation_task",
    "train_task",
]

#: Environment variables that size the BLAS and OpenMP thread pools of a worker.
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------------------------------------
# Datasets: picklable descriptions that each worker opens itself


class DatasetSource:
    """A picklable description of a dataset's runs. Subclasses define ``identity()`` (a JSON-able
    dict that changes whenever the frames or labels change: the results' keys derive from it),
    ``run_labels()`` (one int or None per run) and ``runs()`` (an iterable of (T_i, H, W) arrays);
    ``crop`` and ``downscale`` are the preprocessing of :class:`sparsevar.FrameDataset`."""

    crop = None
    downscale = 1

    def identity(self) -> dict:
        raise NotImplementedError

    def preprocessing(self):
        """(crop, downscale) of the FrameDataset."""
        return self.crop, self.downscale

    def run_labels(self) -> list:
        raise NotImplementedError

    def runs(self):
        raise NotImplementedError

    def open(self, labelled=True):
        """A new :class:`sparsevar.FrameDataset` of the runs (unlabelled with ``labelled=False``:
        condition labels never reach training)."""
        from .dataset import FrameDataset

        labels = self.run_labels() if labelled else None
        crop, downscale = self.preprocessing()
        dataset = None
        try:
            for index, frames in enumerate(self.runs()):
                if dataset is None:
                    height, width = np.shape(frames)[-2:]
                    dataset = FrameDataset(height, width, crop=crop, downscale=downscale)
                dataset.add_run(frames, None if labels is None else labels[index])
        except BaseException:
            if dataset is not None:
                dataset.close()
            raise
        if dataset is None:
            raise ValueError(f"{self!r} holds no run")
        return dataset


@dataclass(frozen=True)
class SyntheticSource(DatasetSource):
    """The built-in synthetic experiment (:class:`sparsevar.SyntheticTwoPhotonGenerator`), generated in
    the worker, with the preprocessing its preset asks for."""

    preset: str = "tiny"
    seed: int = 1
    null: bool = False  # the no-difference variant (both conditions share one coupling matrix)

    def identity(self):
        from . import version

        identity = {"synthetic": self.preset, "seed": int(self.seed), "library": version()}
        if self.null:
            identity["null"] = True  # keeps the identities (and cached results) of older sweeps
        return identity

    def _experiment(self):
        from .synthetic import SyntheticTwoPhotonGenerator

        return SyntheticTwoPhotonGenerator(self.preset, self.seed, null=bool(self.null))

    def run_labels(self):
        with self._experiment() as experiment:
            return [int(label) for label in experiment.labels]

    def runs(self):
        with self._experiment() as experiment:
            for run in range(experiment.n_runs):
                yield experiment.frames(run)

    def preprocessing(self):
        with self._experiment() as experiment:
            return experiment.crop, experiment.downscale


@dataclass(frozen=True)
class FileSource(DatasetSource):
    """Runs stored one per file, as the workers see them (a shared filesystem on a cluster):
    ``.npy`` arrays (T, H, W) read by numpy (memory-mapped), ``.tif`` / ``.tiff`` stacks read by
    tifffile (imported only then). Identity: each file's absolute path, size and modification
    time."""

    paths: tuple
    labels: tuple = None
    crop: tuple = None
    downscale: int = 1

    def __post_init__(self):
        object.__setattr__(self, "paths", tuple(os.path.abspath(os.fspath(p)) for p in self.paths))
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
            if len(self.labels) != len(self.paths):
                raise ValueError(f"{len(self.paths)} files but {len(self.labels)} labels")
        if self.crop is not None:
            object.__setattr__(self, "crop", tuple(self.crop))

    def identity(self):
        files = []
        for path in self.paths:
            status = os.stat(path)
            files.append([path, status.st_size, status.st_mtime_ns])
        return {"files": files, "labels": self.run_labels(), "crop": self.crop,
                "downscale": self.downscale}

    def run_labels(self):
        return [None] * len(self.paths) if self.labels is None else list(self.labels)

    def runs(self):
        for path in self.paths:
            if path.lower().endswith(".npy"):
                yield np.load(path, mmap_mode="r", allow_pickle=False)
            elif path.lower().endswith((".tif", ".tiff")):
                import tifffile

                yield tifffile.imread(path)
            else:
                raise ValueError(f"{path}: FileSource reads .npy and .tif/.tiff files")


@dataclass(frozen=True, eq=False)
class ArraySource(DatasetSource):
    """Runs given as arrays (T_i, H, W), shipped with every task that uses them (fine for small
    data; give large data as files). Identity: a SHA-256 of the arrays' dtypes, shapes, bytes."""

    arrays: tuple
    labels: tuple = None
    crop: tuple = None
    downscale: int = 1
    _digest: str = field(default="", repr=False)

    def __post_init__(self):
        arrays = tuple(np.ascontiguousarray(a) for a in self.arrays)
        object.__setattr__(self, "arrays", arrays)
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
            if len(self.labels) != len(arrays):
                raise ValueError(f"{len(arrays)} runs but {len(self.labels)} labels")
        if self.crop is not None:
            object.__setattr__(self, "crop", tuple(self.crop))
        if not self._digest:
            digest = hashlib.sha256()
            for array in arrays:
                digest.update(f"{array.dtype.str}{array.shape}".encode())
                digest.update(array.data)
            object.__setattr__(self, "_digest", digest.hexdigest())

    def identity(self):
        return {"arrays": self._digest, "labels": self.run_labels(), "crop": self.crop,
                "downscale": self.downscale}

    def run_labels(self):
        return [None] * len(self.arrays) if self.labels is None else list(self.labels)

    def runs(self):
        return iter(self.arrays)


# ------------------------------------------------------------------------------------------------
# Threads


@contextlib.contextmanager
def _thread_limits(threads):
    """BLAS threads limited to `threads` during the block (threadpoolctl when installed;
    otherwise the environment the worker was started with decides)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=int(threads)):
        yield


def _thread_environment(threads):
    return {name: str(int(threads)) for name in _THREAD_VARIABLES}


# ------------------------------------------------------------------------------------------------
# Tasks (module-level functions: pickled by reference, run in any worker)


def train_task(source: DatasetSource, params: dict, threads: int = 1) -> dict:
    """Trains a :class:`sparsevar.SparseVARAutoencoder` with `params` (its constructor
    parameters; n_threads is set to `threads`) on the runs of `source`, unlabelled.

    Returns:
        {"model": bytes of the saved model, "loss_history": (windows,) float64,
         "epochs": epochs completed, "seconds": wall time}.
    """
    from .model import SparseVARAutoencoder

    start = time.perf_counter()
    with _thread_limits(threads), source.open(labelled=False) as dataset:
        model = SparseVARAutoencoder(**{**params, "n_threads": int(threads)})
        with model:
            model.fit(dataset, progress=False, analyze=False)
            data = _model_bytes(model)
            losses = np.asarray(model.loss_history_, dtype=np.float64)
            epochs = model.n_epochs_completed_
    return {"model": data, "loss_history": losses, "epochs": int(epochs),
            "seconds": time.perf_counter() - start}


def analyze_task(source: DatasetSource, model: bytes, groups=(0, 1), threads: int = 1,
                 test_params: dict | None = None) -> dict:
    """Analyses every run of `source` (labelled) with the trained `model` (bytes of a saved
    model) and runs its swap test between the runs labelled groups[0] and groups[1].

    Returns arrays over the runs in the dataset's order: "labels" (int, -1 = unlabelled),
    "l_rec", "r_var", "influence" (runs, K), and the swap test's "delta" (runs, runs) matrix,
    "statistic" (U), "pvalue" (the permutation p of this training alone, relabelling runs) and
    "ranksum_pvalue" (the paper's rank-sum p, whose pairs share runs), plus "seconds". The coefficients (runs x p x K x K, hundreds of MB at the
    paper's size) are not returned: analyse the trained model again where they are needed.
    """
    start = time.perf_counter()
    with _thread_limits(threads), _loaded_model(model) as trained, \
            source.open(labelled=True) as dataset:
        trained.set_params(n_threads=int(threads), **(test_params or {}))
        trained.analyze(dataset, progress=False)
        test = trained.swap_test(*groups)
        labels = np.array([-1 if label is None else label for label in trained.labels_],
                          dtype=np.int64)
        return {"labels": labels, "l_rec": trained.l_rec_.copy(), "r_var": trained.r_var_.copy(),
                "influence": trained.influence_.copy(),
                "delta": np.asarray(test.matrix, dtype=np.float64),
                "statistic": float(test.statistic), "pvalue": float(test.pvalue),
                "ranksum_pvalue": float(test.ranksum_pvalue),
                "seconds": time.perf_counter() - start}


def permutation_task(statistic, block) -> dict:
    """Counts the relabelings of one block at least as extreme as the observed one
    (:func:`sparsevar.ensemble.permutation_block`)."""
    from .ensemble import permutation_block

    return {"count": permutation_block(statistic, block)}


def _model_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory(prefix="sparsevar-") as folder:
        path = os.path.join(folder, "model.svnet")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


@contextlib.contextmanager
def _loaded_model(data: bytes):
    from .model import SparseVARAutoencoder

    with tempfile.TemporaryDirectory(prefix="sparsevar-") as folder:
        path = os.path.join(folder, "model.svnet")
        with open(path, "wb") as file:
            file.write(data)
        model = SparseVARAutoencoder.load(path)
    with model:
        yield model


# ------------------------------------------------------------------------------------------------
# The result store


def task_key(kind: str, **inputs) -> str:
    """The key of a task's result: a SHA-256 (24 hex digits) of its kind, its inputs (JSON; give
    identities, parameters and seeds, never data) and the binding's and library's versions."""
    from . import __version__, version

    text = json.dumps({"kind": kind, "binding": __version__, "library": version(), **inputs},
                      sort_keys=True, default=_json_default)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (np.ndarray, tuple)):
        return list(value) if isinstance(value, tuple) else value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


class ResultStore:
    """Task results in a folder, one ``<key>.npz`` file per task, written atomically (a task
    whose file exists is done). Values are numpy arrays, bytes (stored as uint8 arrays),
    numbers, strings and None; files are read without pickle."""

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        os.makedirs(os.path.join(self.folder, "tasks"), exist_ok=True)

    def path(self, key: str) -> str:
        return os.path.join(self.folder, "tasks", key + ".npz")

    def __contains__(self, key: str) -> bool:
        return os.path.exists(self.path(key))

    def save(self, key: str, result: dict):
        arrays, meta = {}, {}
        for name, value in result.items():
            if isinstance(value, bytes):
                arrays[name] = np.frombuffer(value, dtype=np.uint8)
                meta[name] = "bytes"
            elif isinstance(value, np.ndarray):
                arrays[name] = value
            else:
                meta[name] = {"value": value}
        arrays["__meta__"] = np.array(json.dumps(meta, default=_json_default))
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        target = self.path(key)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(buffer.getvalue())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def load(self, key: str) -> dict:
        with np.load(self.path(key), allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            out = {name: data[name] for name in data.files if name != "__meta__"}
        for name, value in meta.items():
            out[name] = out[name].tobytes() if value == "bytes" else value["value"]
        return out


# ------------------------------------------------------------------------------------------------
# Where tasks run


class _Runner:
    """submit(key, function, args) -> handle; wait(handles) -> completed handles;
    outcome(handle) -> (result, None) or (None, error text); dashboard; close()."""

    dashboard = None

    def close(self):
        pass


class _SerialRunner(_Runner):
    description = "serial (this process)"

    def submit(self, key, function, args):
        try:
            return _Handle({"outcome": (function(*args), None)})
        except Exception:  # noqa: BLE001 - reported as the task's error
            return _Handle({"outcome": (None, traceback.format_exc())})

    def wait(self, handles):
        return list(handles)

    def outcome(self, handle):
        return handle.outcome


class _ProcessRunner(_Runner):
    """Spawned local processes; a pool broken by a dying process is restarted and its pending
    tasks resubmitted (up to `allowed_failures` times each)."""

    def __init__(self, workers, threads, allowed_failures=3):
        self.workers, self.threads, self.allowed_failures = workers, threads, allowed_failures
        self.description = (f"{workers} local process{'es' if workers != 1 else ''} x "
                            f"{threads} thread(s)")
        self.failures = {}
        self.saved_environment = None
        self._start()

    def _start(self):
        # Processes are spawned as tasks arrive: the thread variables stay in this process's
        # environment (which spawned processes copy) until close().
        if self.saved_environment is None:
            self.saved_environment = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
            os.environ.update(_thread_environment(self.threads))
        self.pool = concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, key, function, args):
        handle = {"key": key, "function": function, "args": args}
        handle["future"] = self.pool.submit(function, *args)
        return _Handle(handle)

    def wait(self, handles):
        futures = {handle.future: handle for handle in handles}
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        if not any(_lost(future) for future in done):
            return [futures[future] for future in done]
        # A process died: the pool is broken and every task still in it is lost (each is
        # charged one failure). Start a new pool and submit them again.
        self.pool.shutdown(wait=True, cancel_futures=True)
        self._start()
        completed = []
        for handle in handles:
            if handle.future.done() and not _lost(handle.future):
                completed.append(handle)  # finished before the pool broke
                continue
            self.failures[handle.key] = self.failures.get(handle.key, 0) + 1
            if self.failures[handle.key] > self.allowed_failures:
                completed.append(handle)
            else:
                handle.future = self.pool.submit(handle.function, *handle.args)
        return completed

    def outcome(self, handle):
        if _lost(handle.future):
            return None, (f"its worker process died {self.failures.get(handle.key, 0)} times "
                          f"(allowed: {self.allowed_failures})")
        error = handle.future.exception()
        if error is None:
            return handle.future.result(), None
        return None, "".join(traceback.format_exception(type(error), error, error.__traceback__))

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
        for name, value in (self.saved_environment or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved_environment = None


class _Handle:
    """A task submitted to a process pool: what is needed to submit it again."""

    def __init__(self, values):
        self.__dict__.update(values)


def _lost(future) -> bool:
    """Whether a process-pool task was lost with its pool (cancelled or broken)."""
    return future.cancelled() or isinstance(future.exception(),
                                            concurrent.futures.process.BrokenProcessPool)


class _DaskRunner(_Runner):
    def __init__(self, client, threads, owned=()):
        self.client, self.threads, self.owned = client, threads, owned
        workers = len(client.scheduler_info().get("workers", {}))
        self.description = f"Dask at {client.scheduler.address} ({workers} workers)"
        self.dashboard = client.dashboard_link

    def submit(self, key, function, args):
        return self.client.submit(function, *args, key=key, pure=False)

    def wait(self, handles):
        from distributed import wait

        done, _ = wait(list(handles), return_when="FIRST_COMPLETED")
        return list(done)

    def outcome(self, future):
        if future.status == "finished":
            return future.result(), None
        if future.status == "cancelled":
            return None, "cancelled by the Dask scheduler (was the cluster shut down?)"
        error = future.exception()
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return None, text

    def close(self):
        for thing in self.owned:
            thing.close()


def connect(cluster=None, workers=None, threads=1) -> _Runner:
    """Where tasks run (see the module): ``cluster`` None, "processes", "serial", a scheduler
    address, a Dask Client or cluster object. ``workers`` (default: cores // threads) and
    ``threads`` (library and BLAS threads per task) size the clusters this call starts."""
    threads = max(int(threads), 1)
    if workers is None:
        workers = max((os.cpu_count() or 1) // threads, 1)
    if isinstance(cluster, _Runner):
        return cluster
    if cluster == "serial":
        return _SerialRunner()
    if cluster == "processes":
        return _ProcessRunner(int(workers), threads)
    if cluster is None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            return _ProcessRunner(int(workers), threads)
    from distributed import Client, LocalCluster

    if cluster is None:
        import dask

        # Dask sets MALLOC_TRIM_THRESHOLD_ in its workers' environment by default; that turns
        # off glibc's adaptive mmap threshold and makes training about 1.6-2x slower (measured
        # on the tiny preset). None removes it; the thread variables are set before the worker
        # processes start.
        environment = {**dask.config.get("distributed.nanny.pre-spawn-environ"),
                       "MALLOC_TRIM_THRESHOLD_": None, **_thread_environment(threads)}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environment}):
            local = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                                 dashboard_address=":0")
        client = Client(local)
        return _DaskRunner(client, threads, owned=(client, local))
    if isinstance(cluster, Client):
        return _DaskRunner(cluster, threads)
    client = Client(cluster)  # an address or a cluster object
    return _DaskRunner(client, threads, owned=(client,))


# ------------------------------------------------------------------------------------------------
# Running a set of tasks


@dataclass
class TaskSpec:
    """One task of :func:`execute`: its store key, function and arguments; ``after`` names the
    keys whose results ``arguments`` needs (it is called with a dict key -> result)."""

    key: str
    function: object
    arguments: object  # tuple, or callable(results) -> tuple
    after: tuple = ()


def execute(tasks, store: ResultStore, runner: _Runner, bar=None):
    """Runs every task whose result is not in `store` yet, each once its ``after`` tasks are
    done, and stores each result as it arrives. A failing task does not stop the others (the
    tasks after it are skipped).

    Returns:
        (results: key -> result dict for every task done, now or before;
         errors: key -> error text; computed: keys computed by this call).
    """
    tasks = {task.key: task for task in tasks}
    results, errors, computed = {}, {}, []
    waiting = []
    for key, task in tasks.items():
        if key in store:
            results[key] = store.load(key)
        else:
            waiting.append(key)
    if bar is not None:
        bar.total = (bar.total or 0) + len(waiting)
        bar.refresh()
    running = {}

    def launch():
        for key in list(waiting):
            task = tasks[key]
            failed = [k for k in task.after if k in errors]
            if failed:
                errors[key] = f"skipped: {failed[0]} failed"
                waiting.remove(key)
                if bar is not None:
                    bar.update(1)
                continue
            if all(k in results for k in task.after):
                waiting.remove(key)
                try:
                    args = task.arguments(results) if callable(task.arguments) else task.arguments
                    running[runner.submit(key, task.function, args)] = key
                except Exception:  # noqa: BLE001 - e.g. arguments that cannot be pickled
                    errors[key] = traceback.format_exc()
                    if bar is not None:
                        bar.update(1)

    launch()
    while running:
        for handle in runner.wait(list(running)):
            key = running.pop(handle)
            value, error = runner.outcome(handle)
            if error is None:
                store.save(key, value)
                results[key] = value
                computed.append(key)
            else:
                errors[key] = error
            if bar is not None:
                bar.update(1)
        launch()
    for key in waiting:  # after a task that could not be submitted, or a cycle
        failed = [k for k in tasks[key].after if k in errors]
        errors[key] = (f"skipped: {failed[0]} failed" if failed
                       else "skipped: its inputs never became available")
    return results, errors, computed
