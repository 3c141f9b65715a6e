"""sparsevar.ensemble (the permutation test over run relabelings of an ensemble of trainings),
sparsevar.distributed and sparsevar.sweep: a sweep of tiny trainings on a local Dask cluster of 2
worker processes is bit-identical to the serial run, survives a killed worker, and a rerun
computes nothing."""

import itertools
import json
import os

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from sparsevar import ensemble
from sparsevar.distributed import ResultStore, SyntheticSource, analyze_task, connect
from sparsevar.sweep import SweepConfig, load_config, main, run

# ------------------------------------------------------------------------------------------------
# The ensemble permutation test against brute force


def _brute_force_u(matrices, members, runs, combine):
    """Mean over the members (or of the mean matrix) of scipy's U of inter against intra pairs
    for the split `members` (a set of positions in `runs`) / the rest."""
    matrices = np.asarray(matrices, dtype=float)
    if combine == "delta":
        matrices = matrices.mean(axis=0, keepdims=True)
    values = []
    for d in matrices:
        inter, intra = [], []
        for a, b in itertools.permutations(range(len(runs)), 2):
            value = d[runs[a], runs[b]]
            (intra if (a in members) == (b in members) else inter).append(value)
        values.append(mannwhitneyu(inter, intra, alternative="greater").statistic)
    return float(np.mean(values))


def _brute_force_pvalue(matrices, labels, a, b, combine):
    labels = np.asarray(labels)
    runs = list(np.flatnonzero(labels == a)) + list(np.flatnonzero(labels == b))
    n_a = int(np.sum(labels == a))
    observed = _brute_force_u(matrices, set(range(n_a)), runs, combine)
    splits = list(itertools.combinations(range(len(runs)), n_a))
    stats = [_brute_force_u(matrices, set(split), runs, combine) for split in splits]
    return observed, sum(s >= observed - 1e-9 for s in stats) / len(splits)


@pytest.mark.parametrize("combine", ["u", "delta"])
@pytest.mark.parametrize("sizes", [(3, 3), (2, 4)])
def test_exact_pvalue_matches_brute_force_enumeration(rng, combine, sizes):
    n_a, n_b = sizes
    labels = np.array([0] * n_a + [1] * n_b + [2])  # a run of a third group is ignored
    rng.shuffle(labels)
    n = labels.size
    # Three members with ties (rounded values) and a planted group difference.
    matrices = np.round(rng.standard_normal((3, n, n)) * 2) / 2
    matrices += 0.7 * (labels[:, None] != labels[None, :])
    for m in matrices:
        np.fill_diagonal(m, np.nan)
    result = ensemble.ensemble_test(matrices, labels, 0, 1, combine=combine, permutations=0,
                                    exact_limit=1000, block_size=4)
    observed, pvalue = _brute_force_pvalue(matrices, labels, 0, 1, combine)
    assert result.exact
    assert result.statistic == pytest.approx(observed, abs=1e-9)
    assert result.pvalue == pytest.approx(pvalue, abs=1e-12)
    distinct = len(list(itertools.combinations(range(n_a + n_b), n_a)))
    distinct //= 2 if n_a == n_b else 1
    assert result.relabelings == distinct
    assert result.smallest_pvalue == pytest.approx(1 / distinct)


def test_monte_carlo_pvalue_counts_its_blocks_relabelings_and_is_seeded(rng):
    labels = np.array([0] * 6 + [1] * 7)
    matrices = rng.standard_normal((2, 13, 13))
    matrices += 0.3 * (labels[:, None] != labels[None, :])
    statistic = ensemble.RelabelingStatistic(matrices, range(6), range(6, 13))
    blocks = ensemble.permutation_blocks(statistic, permutations=120, exact_limit=100,
                                         block_size=50, seed=11)
    assert [b["kind"] for b in blocks] == ["random"] * 3
    assert [b["count"] for b in blocks] == [50, 50, 20]
    # Brute force over the same relabelings, with scipy's U.
    runs = list(range(13))
    observed = _brute_force_u(matrices, set(range(6)), runs, "u")
    count = 0
    for block in blocks:
        members = ensemble._random_members(13, 6, block["count"], block["seed"])
        assert np.all(members.sum(axis=1) == 6)
        for row in members:
            split = set(np.flatnonzero(row))
            count += _brute_force_u(matrices, split, runs, "u") >= observed - 1e-9
    result = ensemble.ensemble_test(matrices, labels, 0, 1, permutations=120, exact_limit=100,
                                    block_size=50, seed=11)
    assert not result.exact and result.relabelings == 120
    assert result.pvalue == pytest.approx((1 + count) / 121, abs=1e-12)
    assert result.smallest_pvalue == pytest.approx(1 / 121)
    # The blocks are independent: any order of evaluation gives the same counts.
    counts = [ensemble.permutation_block(statistic, b) for b in reversed(blocks)][::-1]
    assert ensemble.combine_blocks(statistic, blocks, counts).pvalue == result.pvalue
    other = ensemble.ensemble_test(matrices, labels, 0, 1, permutations=120, exact_limit=100,
                                   block_size=50, seed=12)
    assert other.relabelings == 120  # another seed, other draws (p may differ)


def test_ensemble_test_is_calibrated_under_exchangeable_runs():
    """Runs exchangeable (no group effect, run-level random effects shared by all pairs of a run
    and by all members): P(p <= 0.1) must not exceed 0.1 beyond sampling error."""
    rng = np.random.default_rng(2024)
    labels = np.array([0] * 4 + [1] * 4)
    rejections = {"u": 0, "delta": 0}
    replicates = 300
    for _ in range(replicates):
        run_effect = rng.standard_normal(8)
        matrices = (run_effect[:, None] + run_effect[None, :]
                    + 0.5 * rng.standard_normal((3, 8, 8)))
        for combine in rejections:
            p = ensemble.ensemble_test(matrices, labels, 0, 1, combine=combine).pvalue
            rejections[combine] += p <= 0.1
    limit = 0.1 + 3 * np.sqrt(0.1 * 0.9 / replicates)
    for combine, count in rejections.items():
        assert count / replicates <= limit, combine


def test_ensemble_test_refuses_bad_input():
    d = np.zeros((5, 5))
    with pytest.raises(ValueError, match="at least 2"):
        ensemble.ensemble_test(d, [0, 1, 1, 1, 1], 0, 1)
    with pytest.raises(ValueError, match="combine"):
        ensemble.ensemble_test(d, [0, 0, 1, 1, 1], 0, 1, combine="mean")
    bad = np.ones((5, 5))
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ensemble.ensemble_test(bad, [0, 0, 1, 1, 1], 0, 1)


# ------------------------------------------------------------------------------------------------
# The result store


def test_result_store_round_trip(tmp_path):
    store = ResultStore(tmp_path)
    value = {"model": b"\x00\x01binary", "array": np.arange(6.0).reshape(2, 3), "n": 3,
             "x": 0.25, "nan": float("nan"), "none": None, "text": "ok"}
    assert "k" not in store
    store.save("k", value)
    assert "k" in store
    back = store.load("k")
    assert back["model"] == value["model"]
    np.testing.assert_array_equal(back["array"], value["array"])
    assert (back["n"], back["x"], back["none"], back["text"]) == (3, 0.25, None, "ok")
    assert np.isnan(back["nan"])
    assert os.listdir(tmp_path / "tasks") == ["k.npz"]  # no temporary file left


def test_file_and_array_sources_open_their_runs_and_change_identity_with_the_data(tmp_path, rng):
    from sparsevar.distributed import ArraySource, FileSource

    runs = [rng.integers(0, 4000, (t, 12, 8)).astype(np.uint16) for t in (9, 7, 8)]
    paths = []
    for i, frames in enumerate(runs):
        paths.append(tmp_path / f"run{i}.npy")
        np.save(paths[-1], frames)
    files = FileSource(paths, labels=[0, 1, 1], crop=(8, 8), downscale=2)
    arrays = ArraySource(runs, labels=[0, 1, 1], crop=(8, 8), downscale=2)
    for source in (files, arrays):
        with source.open() as dataset:
            assert dataset.labels == [0, 1, 1] and dataset.frame_counts == [9, 7, 8]
            assert dataset.frame_shape == (4, 4)
        with source.open(labelled=False) as dataset:
            assert dataset.labels == [None, None, None]
    before = (files.identity(), arrays.identity())
    assert json.dumps(before)  # JSON-able: the keys hash it
    runs[1][0, 0, 0] += 1
    np.save(paths[1], runs[1])
    os.utime(paths[1], ns=(1, 1))
    assert files.identity() != before[0]
    assert ArraySource(runs, labels=[0, 1, 1], crop=(8, 8), downscale=2).identity() != before[1]
    with pytest.raises(ValueError, match="labels"):
        FileSource(paths, labels=[0, 1])


def test_synthetic_source_null_variant_is_its_own_dataset(tmp_path):
    plain, null = SyntheticSource("tiny", 1), SyntheticSource("tiny", 1, null=True)
    assert "null" not in plain.identity() and null.identity() != plain.identity()
    assert null.run_labels() == plain.run_labels()
    with null.open() as a, plain.open() as b:
        assert a.frame_counts == b.frame_counts
    path = tmp_path / "sweep.json"
    for flag, expected in ((True, True), (False, False)):
        path.write_text(json.dumps({"datasets": {"x": {"synthetic": "tiny", "seed": 2, "null": flag}}}))
        assert load_config(path).datasets["x"].null is expected
    path.write_text(json.dumps({"datasets": {"x": {"synthetic": "tiny", "null": "yes"}}}))
    with pytest.raises(ValueError, match="null"):
        load_config(path)


# ------------------------------------------------------------------------------------------------
# Sweeps

_MODEL = {"depth": 3, "channels": 4, "epochs": 1, "window": 32, "p": 2}


class KillOnceSource(SyntheticSource):
    """The synthetic dataset, whose first opening kills the process it runs in (a worker),
    marked by a file: the retried task then succeeds. Same identity (and keys) as the dataset
    itself."""

    def __init__(self, marker, preset="tiny", seed=1):
        super().__init__(preset, seed)
        object.__setattr__(self, "marker", str(marker))

    def open(self, labelled=True):
        if not os.path.exists(self.marker):
            with open(self.marker, "w") as file:
                file.write(str(os.getpid()))
            os._exit(1)
        return super().open(labelled)


def _config(folder, datasets):
    return SweepConfig(datasets=datasets, alphas=[0.05], modes=["end_to_end"], seeds=2,
                       model=_MODEL, root_seed=5, test={"permutations": 199},
                       results=str(folder))


def _broken(tmp_path):
    from sparsevar.distributed import FileSource

    path = tmp_path / "not-a-movie.txt"
    path.write_text("frames")
    return FileSource((str(path),))


def _stored(folder):
    store = ResultStore(folder)
    out = {}
    for name in sorted(os.listdir(os.path.join(folder, "tasks"))):
        key = name[:-len(".npz")]
        out[key] = {k: v for k, v in store.load(key).items() if k != "seconds"}
    return out


def _assert_identical(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].keys() == b[key].keys()
        for name, x in a[key].items():
            y = b[key][name]
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype and x.shape == y.shape, (key, name)
                assert x.tobytes() == y.tobytes(), (key, name)
            elif isinstance(x, float) and np.isnan(x):
                assert np.isnan(y), (key, name)
            else:
                assert x == y, (key, name)


@pytest.fixture(scope="module")
def dask_cluster():
    pytest.importorskip("distributed")
    runner = connect(None, workers=2, threads=1)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory):
    """The reference: the sweep run serially in this process (tiny + a broken dataset)."""
    folder = tmp_path_factory.mktemp("sweep")
    datasets = {"tiny": SyntheticSource("tiny", 1), "broken": _broken(folder)}
    result = run(_config(folder / "serial", datasets), cluster="serial", progress=False)
    return datasets, folder / "serial", result


def test_dask_sweep_is_bit_identical_to_serial_and_a_rerun_computes_nothing(tmp_path,
                                                                          serial_sweep,
                                                                          dask_cluster):
    datasets, serial_folder, serial = serial_sweep
    distributed = run(_config(tmp_path / "dask", datasets), cluster=dask_cluster,
                      progress=False)
    assert dask_cluster.description.endswith("(2 workers)")

    # 2 trainings + 2 analyses + 1 permutation block computed; the broken dataset's two
    # trainings fail (reported, the sweep goes on) and their analyses are skipped.
    for result in (serial, distributed):
        assert len(result.computed) == 5
        failed = [row for row in result.runs if row["status"] == "failed"]
        assert [row["dataset"] for row in failed] == ["broken", "broken"]
        assert "reads .npy and .tif" in failed[0]["error"]
        assert "failed" in open(result.files["report"]).read()
        tiny = [e for e in result.ensembles if e["dataset"] == "tiny"][0]
        assert tiny["members"] == 2 and tiny["exact"] and tiny["relabelings"] == 126
    _assert_identical(_stored(serial_folder), _stored(tmp_path / "dask"))
    assert serial.ensembles[0]["pvalue"] == distributed.ensembles[0]["pvalue"]
    with open(serial_folder / "ensembles.csv") as a, open(tmp_path / "dask" / "ensembles.csv") as b:
        assert a.read() == b.read()

    # Each training's own library permutation p (exact) is the ensemble test of its Delta alone.
    store = ResultStore(serial_folder)
    for row in serial.runs[:2]:
        analysis = store.load(row["analysis_key"])
        alone = ensemble.ensemble_test(analysis["delta"], analysis["labels"], 0, 1)
        assert alone.pvalue == analysis["pvalue"]

    # A rerun computes nothing (the broken dataset's tasks are tried again, and fail again).
    again = run(_config(tmp_path / "dask", datasets), cluster=dask_cluster, progress=False)
    assert again.computed == []
    assert len(again.errors) == 4
    assert again.ensembles[0]["pvalue"] == distributed.ensembles[0]["pvalue"]


def _assert_same_as_serial(folder, result, serial_folder):
    """The training and analysis of the first seed are those of the serial sweep (same keys:
    seed 0 derives from the root whatever the number of seeds)."""
    reference = _stored(serial_folder)
    stored = _stored(folder)
    keys = [result.runs[0]["train_key"], result.runs[0]["analysis_key"]]
    assert set(keys) <= set(result.computed)
    _assert_identical({k: stored[k] for k in keys}, {k: reference[k] for k in keys})


def test_dask_retries_a_killed_workers_task(tmp_path, serial_sweep, dask_cluster):
    marker = tmp_path / "killed"
    config = _config(tmp_path / "killed-run", {"tiny": KillOnceSource(marker)})
    config.seeds = 1
    result = run(config, cluster=dask_cluster, progress=False)
    assert marker.exists()  # a worker did die
    assert result.errors == {}
    assert len(result.computed) == 3 and result.runs[0]["status"] == "done"
    _assert_same_as_serial(tmp_path / "killed-run", result, serial_sweep[1])


def test_process_pool_retries_a_killed_process_and_cli_resumes(tmp_path, serial_sweep):
    marker = tmp_path / "killed"
    config = _config(tmp_path / "pool", {"tiny": KillOnceSource(marker)})
    config.seeds = 1
    result = run(config, cluster="processes", workers=1, progress=False)
    assert marker.exists()
    assert result.errors == {} and len(result.computed) == 3
    _assert_same_as_serial(tmp_path / "pool", result, serial_sweep[1])

    # The command line on a JSON config naming the same sweep finds everything done.
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({
        "datasets": {"tiny": {"synthetic": "tiny", "seed": 1}}, "alphas": [0.05],
        "modes": ["end_to_end"], "seeds": 1, "model": _MODEL, "root_seed": 5,
        "test": {"permutations": 199}, "results": "pool", "cluster": {"address": "serial"}}))
    loaded = load_config(path)
    assert loaded.results == str(tmp_path / "pool") and loaded.cluster == "serial"
    assert main([str(path), "--quiet"]) == 0
    with open(tmp_path / "pool" / "results.json") as file:
        assert json.load(file)["ensembles"][0]["pvalue"] == result.ensembles[0]["pvalue"]
    assert len(os.listdir(tmp_path / "pool" / "tasks")) == 3


def test_tasks_take_no_handles_and_seeds_come_from_the_root(tmp_path):
    from sparsevar.sweep import _seeds

    config = _config(tmp_path, {"tiny": SyntheticSource("tiny", 1)})
    training, tests = _seeds(config)
    children = np.random.SeedSequence(5).spawn(2)[0].spawn(2)
    assert training[1] == tuple(int(v) for v in children[1].generate_state(3))
    assert len(set(training)) == 2 and len(tests) == 1
    with pytest.raises(TypeError, match="cannot be pickled"):
        import pickle

        from sparsevar import SparseVARAutoencoder

        pickle.dumps(SparseVARAutoencoder())
    with pytest.raises(ValueError, match="set by the sweep"):
        SweepConfig(datasets={"tiny": SyntheticSource()}, model={"alpha": 0.1})
    with pytest.raises(ValueError, match="unknown model parameters"):
        SweepConfig(datasets={"tiny": SyntheticSource()}, model={"lamda": 0.1})
    assert callable(analyze_task)


def test_without_dask_the_default_runs_local_processes(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    runner = connect(None, workers=1, threads=1)
    try:
        assert runner.description == "1 local process x 1 thread(s)"
        assert runner.dashboard is None
    finally:
        runner.close()
