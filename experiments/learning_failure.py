"""Scenario discovery of learning failure: under which conditions does the organisational
code end up knowing the world badly?

A Latin hypercube of 240 points over five conditions of the default organisation (500
members, a slowly changing world, 200 steps, climate drift off; one run per point;
configs/experiments/learning_failure.toml): initial safety, punitiveness, integration,
authority gradient and turnover. A run *fails* when its code knowledge at the end is below
0.6. PRIM (ema_workbench) peels the five-dimensional space down to the box that holds the
failures (coverage) with few other runs (density); CART's leaves are the second opinion.
Both are printed, and their figures and tables written to <out>/discovery/, exactly as

    commsim discover results/learning_failure --metric code_knowledge --below 0.6 [--method cart]

would. --quick samples 80 points instead, of which only a handful end below 0.6, so it calls
failure below 0.7 (into results/learning_failure_quick/, a minute or two on two cores); a
second run of the script resumes the sweep already there.

    .venv/bin/python experiments/learning_failure.py [--quick] [--out DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import EXPERIMENTS, ROOT, arguments

import commsim

NAME = "learning_failure"
METRIC, BELOW = "code_knowledge", 0.6
QUICK_SAMPLES, QUICK_BELOW = 80, 0.7  # 80 points hold only ~4 runs below 0.6


def _quick(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SAMPLES} points instead of 240, failure below {QUICK_BELOW}, into "
        f"results/{NAME}_quick: a minute or two",
    )


def _sweep(out: Path, workers: int | None, quick: bool) -> Path:
    """The sweep in ``out``, run (or resumed) from the experiment file (fewer points quick)."""
    from commsim.config import read_config_file
    from commsim.experiment.store import is_sweep_dir

    path = EXPERIMENTS / f"{NAME}.toml"
    experiment: Path | dict = path
    if quick:
        data = read_config_file(path)
        design = {**data["design"], "samples": QUICK_SAMPLES}
        experiment = {**data, "base": str((path.parent / data["base"]).resolve()), "design": design}
    try:
        report = commsim.sweep(experiment, out, workers=workers, resume=is_sweep_dir(out))
    except (ValueError, FileExistsError) as exc:
        raise SystemExit(str(exc)) from None
    print(f"{NAME}: {report.done} of {report.planned} runs in {report.out}")
    return Path(report.out)


def main() -> None:
    args = arguments(NAME, __doc__, extra=_quick)
    if args.quick and args.out == ROOT / "results" / NAME:
        args.out = ROOT / "results" / f"{NAME}_quick"
    out = _sweep(args.out, args.workers, args.quick)
    for method in ("prim", "cart"):
        try:
            below = QUICK_BELOW if args.quick else BELOW
            found = commsim.discover(out, METRIC, below=below, method=method)
        except ValueError as exc:  # e.g. a quick sample with no failing run
            sys.exit(f"error: {exc}")
        written = commsim.plot_discovery(out, found)
        print(f"\n{method.upper()}: failure is {found.outcome.describe()}, ", end="")
        print(f"{found.cases} of {len(found.y)} runs")
        print(found.box.drop(columns="kept").to_string(index=False, float_format="{:.3f}".format))
        print(found.stats().to_string(index=False, float_format="{:.3f}".format))
        print(f"wrote {len(written)} files to {written[0].parent}/")


if __name__ == "__main__":
    main()
