"""The `sparsevar` command-line tool end to end on the tiny synthetic experiment: synth, train
(.npy and TIFF input, labels from the command line and from CSV), test, maps, analyze, and clear
errors for bad input. The tool is $SPARSEVAR_CLI (scripts/test.sh sets it)."""

import json
import os
import subprocess

import numpy as np
import pytest

CLI = os.environ.get("SPARSEVAR_CLI")
pytestmark = pytest.mark.skipif(not CLI, reason="set SPARSEVAR_CLI to the sparsevar-cli executable")
TINY_MODEL = ["--depth", "2", "--channels", "4", "--window", "32", "--epochs", "1", "--lag", "2"]


def run(*args, cwd=None, check=True):
    done = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"sparsevar {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    run("synth", "--preset", "tiny", "-o", folder)
    return folder


def test_synth_writes_runs_labels_and_ground_truth(synthetic):
    files = sorted(p for p in os.listdir(synthetic) if p.startswith("run_"))
    assert len(files) == 10
    labels = open(synthetic / "labels.csv").read().split()
    assert labels[0] == "file,condition" and labels[1].endswith(",F") and labels[-1].endswith(",N")
    stack = np.load(synthetic / files[0])
    assert stack.dtype == np.uint16 and stack.ndim == 3
    assert np.load(synthetic / "ground_truth_differing.npy").max() > 0


def test_train_test_maps_and_analyze(synthetic, tmp_path):
    runs = sorted(str(synthetic / p) for p in os.listdir(synthetic) if p.startswith("run_"))
    model = tmp_path / "model.svnet"
    done = run("train", *runs, "--labels-csv", synthetic / "labels.csv", "-o", model,
               "--report", tmp_path / "report", *TINY_MODEL)
    assert "model saved" in done.stdout and "F1 vs F2" in done.stdout
    assert (tmp_path / "report" / "report.html").exists()
    text = open(tmp_path / "report" / "report.md").read()
    assert "Coefficient-swap tests" in text and "Block-average baseline" in text
    # 5 + 5 runs on all, 2 + 3 on the half-splits: the report says what cannot be reached.
    assert "smallest attainable p is 0.1, so the half-split threshold 0.00833 cannot be reached" in text
    assert "cannot be significant" in done.stdout and "block-average baseline" in done.stdout
    summary = json.load(open(tmp_path / "report" / "summary.json"))
    for source in ("network", "baseline"):
        all_runs = summary[source]["splits"][-1]
        assert all_runs["kind"] == "all runs" and all_runs["test"]["exact"]
        assert abs(all_runs["test"]["smallest_pvalue"] - 1 / 126) < 1e-12
        assert all_runs["test"]["smallest_pvalue"] <= all_runs["test"]["pvalue"] <= 1
    table = run("test", model, "--conditions", "F=0,N=1", "--permutations", "99").stdout
    assert "swap F vs N" in table and "influence F vs N" in table
    assert "smallest p" in table and "rank-sum" in table
    run("maps", model, "-o", tmp_path / "maps", "--conditions", "F=0,N=1")
    assert {"F.png", "N.png", "difference.png", "run_0.png"} <= set(os.listdir(tmp_path / "maps"))
    run("analyze", model, "-o", tmp_path / "again", "--conditions", "F=0,N=1")
    assert (tmp_path / "again" / "report.html").exists()


def test_synth_null_experiment_has_no_differing_assemblies(tmp_path):
    run("synth", "--preset", "tiny", "--null", "-o", tmp_path / "null")
    assert not np.load(tmp_path / "null" / "ground_truth_differing.npy").any()


def test_train_on_tiff_with_command_line_labels(synthetic, tmp_path):
    run("synth", "--preset", "tiny", "--format", "tiff", "-o", tmp_path / "tiff")
    runs = sorted(str(tmp_path / "tiff" / p) for p in os.listdir(tmp_path / "tiff") if p.endswith(".tif"))
    labels = ",".join(["F"] * 5 + ["N"] * 5)
    run("train", *runs, "--labels", labels, "-o", tmp_path / "m.svnet", *TINY_MODEL)
    assert (tmp_path / "m.svnet").exists()


@pytest.mark.parametrize("arguments, message", [
    (["train", "/nonexistent/run.npy", "--labels", "F"], "No such file"),
    (["train", "x.npy", "--labels", "F,N"], "2 entries for 1 files"),
    (["train", "x.npy"], "--labels or --labels-csv"),
    (["train", "x.txt", "--labels", "F"], ".npy"),
    (["test", "/nonexistent/model.svnet"], "cannot open"),
    (["demo", "--preset", "huge"], "huge"),
])
def test_clear_errors(tmp_path, arguments, message):
    (tmp_path / "x.txt").write_text("not frames")
    (tmp_path / "x.npy").write_bytes(b"\x93NUMPY broken")
    done = run(*arguments, cwd=tmp_path, check=False)
    assert done.returncode != 0
    assert message in done.stderr + done.stdout, done.stderr


def test_help_explains_the_commands():
    text = run("--help").stdout
    for command in ("demo", "train", "analyze", "test", "maps", "synth"):
        assert command in text
