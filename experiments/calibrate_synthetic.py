"""Calibration to a small synthetic dataset: can four survey numbers recover how safe an
organisation started and how punitive it is?

The "survey" (configs/experiments/calibrate_synthetic.toml) was made by the model itself, at
initial_safety = 0.35 and punitiveness = 0.6 on a 60-member organisation over 100 steps: mean
safety five steps in (an onboarding survey) and at the end (the annual one), upward voice
averaged over the year, and the share of insights never voiced, each the mean of 8 runs
(``--make-data`` prints them again), given an observational sd. ABC-SMC (pyabc) then starts
from flat priors; the 95% posterior intervals should cover the truth, and the posterior
predictive check should reproduce the four numbers within their uncertainty.

    .venv/bin/python experiments/calibrate_synthetic.py [--out DIR] [--workers N] [--quick]
    .venv/bin/python experiments/calibrate_synthetic.py --make-data   # the survey, again

Run again on its folder, it continues an unfinished calibration (a finished one is only
read back and its tables and figures rewritten).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import commsim

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "configs" / "experiments" / "calibrate_synthetic.toml"
DATA_RUNS = 8


def make_data() -> None:
    """The observed values: the mean of ``DATA_RUNS`` runs at the true parameters."""
    import numpy as np

    from commsim.experiment.calibrate import Simulator, load_target
    from commsim.experiment.runner import SerialBackend

    target = load_target(TARGET)
    truth = {k: float(v) for k, v in target.spec.truth.items()}
    simulate = Simulator(target, SerialBackend())
    runs = simulate([(f"data-{i}", truth) for i in range(DATA_RUNS)])
    for label in target.labels:
        values = np.array([run[label] for run in runs])
        print(f"{label}: {values.mean():.3f} (sd across runs {values.std(ddof=1):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="default: results/calibrate_synthetic(_quick)"
    )
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    parser.add_argument("--quick", action="store_true", help="30 particles, 3 generations")
    parser.add_argument("--make-data", action="store_true", help="print the survey numbers")
    args = parser.parse_args()
    if args.make_data:
        make_data()
        return
    name = "calibrate_synthetic" + ("_quick" if args.quick else "")
    out = args.out or ROOT / "results" / name
    resume = (out / "manifest.json").exists()
    result = commsim.calibrate(
        TARGET, out, workers=args.workers, quick=args.quick, resume=resume, progress=print
    )
    print(result.summary.to_string(index=False, float_format="{:.3f}".format))
    print(result.predictive.to_string(index=False, float_format="{:.3f}".format))
    print(f"{result.simulations} runs in {result.seconds:.0f}s; figures in {out}/figures/")


if __name__ == "__main__":
    main()
