#!/usr/bin/env python3
"""The calibration and power study of the whole pipeline (not part of the test gate).

For every seed of a synthetic preset, twice (the null experiment, where F and N share one
coupling matrix, and the planted difference), it runs ``sparsevar-cli demo`` (generate, train the
three modes, analyse, test, map, and the block-average baseline on the latent grid) and keeps the
report's ``summary.json`` and ``report.md`` in ``OUTPUT/<preset>/<null|effect>-seed<N>/``. A seed
whose folder already holds ``summary.json`` is skipped, so an interrupted study continues where it
stopped when the same command is run again. Seeds run in the order null 1, effect 1, null 2, ...

At the end of every seed (and with ``--render-only`` at any time) the table of the results so far
is written between the markers ``<!-- study:PRESET/NAME:begin -->`` and
``<!-- study:PRESET/NAME:end -->`` of ``--table`` (docs/validation.md; appended when missing).

    python3 scripts/study.py --cli .build/release/sparsevar-cli              # 8 + 8 seeds, small
    python3 scripts/study.py --preset tiny --seeds 2 --output /tmp/screen   # a quick screen
    python3 scripts/study.py --render-only                                   # table only
    python3 scripts/study.py --kinds effect --seed-list 5,8 --name x -- ...  # a screen of a variant

Extra ``demo`` options (a model variant to screen) follow ``--``; they are part of the study's
name, so that results of different variants never mix: ``--name`` names the variant's folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HALF_SPLIT_THRESHOLD = 0.05 / 6


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", default=os.environ.get("SPARSEVAR_CLI", str(ROOT / ".build/release/sparsevar-cli")),
                        help="the sparsevar-cli executable (default: $SPARSEVAR_CLI, else .build/release)")
    parser.add_argument("--preset", default="small", help="synthetic preset (default small)")
    parser.add_argument("--seeds", type=int, default=8, help="seeds of each kind (default 8)")
    parser.add_argument("--first-seed", type=int, default=1, help="first data seed (default 1)")
    parser.add_argument("--seed-list", default="",
                        help="comma-separated data seeds instead of --first-seed/--seeds (a screen)")
    parser.add_argument("--kinds", default="null,effect",
                        help="which experiments, comma-separated: null, effect (default both)")
    parser.add_argument("--output", default=str(ROOT / "studies/calibration"),
                        help="results folder (default studies/calibration)")
    parser.add_argument("--name", default="default", help="name of the recipe's folder (default 'default')")
    parser.add_argument("--table", default=str(ROOT / "docs/validation.md"),
                        help="markdown file whose study section is rewritten ('' = none)")
    parser.add_argument("--render-only", action="store_true", help="only rewrite the table")
    parser.add_argument("--no-ablation", action="store_true",
                        help="train the end-to-end model only (no R_var of the other modes)")
    parser.add_argument("demo_options", nargs="*", help="extra options of sparsevar-cli demo (after --)")
    return parser.parse_args()


def planned_seeds(args) -> list[int]:
    """The data seeds of the study: --seed-list, else --seeds from --first-seed."""
    if args.seed_list:
        return [int(s) for s in args.seed_list.split(",")]
    return list(range(args.first_seed, args.first_seed + args.seeds))


def folder(args) -> Path:
    return Path(args.output) / args.preset / args.name


def run_seed(args, kind: str, seed: int) -> None:
    target = folder(args) / f"{kind}-seed{seed}"
    if (target / "summary.json").exists():
        return
    command = [args.cli, "demo", "--preset", args.preset, "--data-seed", str(seed), "--no-skip-comparison"]
    if kind == "null":
        command.append("--null")
    if args.no_ablation:
        command.append("--no-ablation")
    command += args.demo_options
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sparsevar-study-") as scratch:
        log = Path(scratch) / "demo.log"
        with open(log, "w") as out:
            status = subprocess.call(command + ["--output", scratch + "/demo"], stdout=out, stderr=subprocess.STDOUT)
        if status != 0:
            sys.stderr.write(log.read_text()[-3000:])
            raise SystemExit(f"study: {' '.join(command)} failed with status {status}")
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(scratch) / "demo/report.md", target / "report.md")
        summary = json.loads((Path(scratch) / "demo/summary.json").read_text())
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    summary["study"] = {"kind": kind, "seed": seed, "preset": args.preset, "command": command[1:],
                        "commit": commit.stdout.strip() or None,
                        "minutes": round((time.monotonic() - start) / 60, 2)}
    partial = target / "summary.json.partial"
    partial.write_text(json.dumps(summary, indent=1) + "\n")
    partial.replace(target / "summary.json")  # the seed counts as done only once complete
    print(f"study: {kind} seed {seed} done in {summary['study']['minutes']} min", flush=True)


# -- the table ---------------------------------------------------------------------------------

def load(args):
    results = {"null": {}, "effect": {}}
    base = folder(args)
    if base.exists():
        for path in sorted(base.glob("*-seed*/summary.json")):
            data = json.loads(path.read_text())
            results[data["study"]["kind"]][data["study"]["seed"]] = data
    return results


def fmt(value, digits=2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.{digits}g}" if digits else str(value)


def splits(tests, kind):
    return [s for s in tests["splits"] if s["kind"] == kind]


def all_runs(tests):
    rows = splits(tests, "all runs")
    return rows[0]["test"] if rows else None


def rate(count: int, total: int) -> str:
    return f"{count}/{total}" if total else "n/a"


def markers(args) -> tuple[str, str]:
    return f"<!-- study:{args.preset}/{args.name}:begin -->", f"<!-- study:{args.preset}/{args.name}:end -->"


def render(args) -> str:
    BEGIN, END = markers(args)
    results = load(args)
    nulls, effects = results["null"], results["effect"]
    lines = [BEGIN, ""]
    done = len(nulls) + len(effects)
    planned = len(planned_seeds(args))
    recipe = " ".join(args.demo_options) or "the demo's defaults for the preset"
    recipe += ", end-to-end model only (--no-ablation)" if args.no_ablation else ", with the ablation"
    lines.append(f"Preset `{args.preset}`, recipe `{args.name}` ({recipe}); {len(nulls)} null and "
                 f"{len(effects)} planted-difference seeds done of {planned} + {planned}. "
                 f"Results: `{folder(args).relative_to(ROOT) if folder(args).is_relative_to(ROOT) else folder(args)}`.")
    lines.append("")
    if not done:
        lines += ["No seed finished yet.", "", END]
        return "\n".join(lines)

    def counts(group, source, key, threshold, kind="all runs"):
        hits = total = 0
        for data in group.values():
            tests = data.get(source)
            if not tests:
                continue
            for split in splits(tests, kind):
                value = split["test"][key]
                if value is not None:
                    total += 1
                    hits += value < threshold
        return hits, total

    lines.append("| | network: permutation p | network: rank-sum p* | baseline: permutation p | baseline: rank-sum p* |")
    lines.append("|---|---|---|---|---|")
    rows = [
        ("null seeds, all-runs test below 0.05 (false positives; target at most 1 of 8)", nulls, 0.05, "all runs"),
        ("null seeds, between-condition half-split below 0.05/6", nulls, HALF_SPLIT_THRESHOLD, "between"),
        ("all seeds, within-condition half-split below 0.05/6 (target at most 1 over 16 seeds)",
         {**{("n", k): v for k, v in nulls.items()}, **{("e", k): v for k, v in effects.items()}},
         HALF_SPLIT_THRESHOLD, "within"),
        ("effect seeds, all-runs test below 0.01 (detections; target at least 7 of 8)", effects, 0.01, "all runs"),
        ("effect seeds, all-runs test below 0.05", effects, 0.05, "all runs"),
        ("effect seeds, between-condition half-split below 0.05/6", effects, HALF_SPLIT_THRESHOLD, "between"),
    ]
    for title, group, threshold, kind in rows:
        cells = [rate(*counts(group, source, key, threshold, kind))
                 for source in ("network", "baseline") for key in ("pvalue", "ranksum_pvalue")]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append("")
    smallest = {}
    for data in list(nulls.values()) + list(effects.values()):
        for split in (data.get("network") or {}).get("splits", []):
            smallest.setdefault(split["kind"], set()).add(split["test"]["smallest_pvalue"])
    reach = "; ".join(f"{kind}: {', '.join(fmt(v, 3) for v in sorted(x for x in values if x is not None))}"
                      for kind, values in smallest.items())
    lines.append("\\* the paper's statistic, whose pairs share runs (not calibrated at the level of runs). "
                 f"Smallest attainable permutation p of these group sizes ({reach}); a threshold below it "
                 "cannot be reached.")
    lines.append("")

    # Per seed.
    lines.append("| seed | kind | all runs: network p (rank-sum*) | between half-splits: network p | within: network p "
                 "| all runs: baseline p (rank-sum*) | between: baseline p | within: baseline p | map AUC network / network, decoder read-out / baseline | minutes |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for kind, group in (("null", nulls), ("effect", effects)):
        for seed in sorted(group):
            data = group[seed]
            cells = [str(seed), kind]
            for source in ("network", "baseline"):
                tests = data.get(source)
                if not tests:
                    cells += ["n/a"] * 3
                    continue
                a = all_runs(tests)
                cells.append(f"{fmt(a['pvalue'])} ({fmt(a['ranksum_pvalue'])})" if a else "n/a")
                cells.append(", ".join(fmt(s["test"]["pvalue"]) for s in splits(tests, "between")))
                cells.append(", ".join(fmt(s["test"]["pvalue"]) for s in splits(tests, "within")))
            auc = [fmt((data.get(source) or {}).get("map_auc")) for source in ("network", "baseline")]
            auc.insert(1, fmt(data.get("map_auc_decoder")))
            cells.append(" / ".join(auc))
            cells.append(fmt(data["study"].get("minutes"), 3))
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")

    # Map AUC and R_var.
    aucs = {source: [d[source]["map_auc"] for d in effects.values() if d.get(source) and d[source]["map_auc"] is not None]
            for source in ("network", "baseline")}
    decoder = [d["map_auc_decoder"] for d in effects.values() if d.get("map_auc_decoder") is not None]
    if decoder:
        aucs = {"network": aucs["network"], "network read out by the decoder (the paper's)": decoder,
                "baseline": aucs["baseline"]}
    parts = []
    for source, values in aucs.items():
        if values:
            parts.append(f"{source} median {fmt(statistics.median(values))} (range {fmt(min(values))}-{fmt(max(values))}, "
                         f"{len(values)} seeds)")
    if parts:
        lines.append("Difference-map ROC AUC on the effect seeds (target: median at least 0.8): " + "; ".join(parts) + ".")
        lines.append("")
    modes: dict[str, list[float]] = {}
    for data in list(nulls.values()) + list(effects.values()):
        for row in data.get("ablation", []):
            values = [v for v in row["relative_errors"] if v is not None]
            if values:
                modes.setdefault(row["name"], []).append(statistics.fmean(values))
        if data.get("baseline"):
            values = [v for v in data["baseline"]["relative_errors"] if v is not None]
            if values:
                modes.setdefault("block-average baseline", []).append(statistics.fmean(values))
    if modes:
        lines.append("| R_var (mean over runs; mean ± sd over seeds) | " + " | ".join(modes) + " |")
        lines.append("|---|" + "---|" * len(modes))
        cells = []
        for values in modes.values():
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{fmt(statistics.fmean(values), 3)} ± {fmt(sd, 2)} ({len(values)} seeds)")
        lines.append("| all seeds | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("The paper's Table 2 ordering is R_var end-to-end < embedded < sequential.")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_table(args) -> None:
    if not args.table:
        return
    path = Path(args.table)
    text = path.read_text() if path.exists() else ""
    section = render(args)
    BEGIN, END = markers(args)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + section + "\n"
    path.write_text(text)


def main() -> None:
    args = parse_arguments()
    if not args.render_only:
        if not os.access(args.cli, os.X_OK):
            raise SystemExit(f"study: {args.cli} is not an executable; build it with "
                             "swift build -c release --product sparsevar-cli")
        seeds = planned_seeds(args)
        kinds = [k for k in ("null", "effect") if k in args.kinds.split(",")]
        if not kinds:
            raise SystemExit("study: --kinds names neither null nor effect")
        for seed in seeds:
            for kind in kinds:
                run_seed(args, kind, seed)
                write_table(args)
    write_table(args)


if __name__ == "__main__":
    main()
