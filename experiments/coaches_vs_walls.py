"""In a fragmented bureaucracy, do coaches or open walls do more?

Four policies (configs/experiments/coaches_vs_walls.toml), each run in the same scenarios:

- none: the fragmented bureaucracy as it is (configs/fragmented_bureaucracy.toml);
- coaches: at step 50, 15% of practitioners become capacity builders [CQC], [SK];
- walls: at step 50, integration rises from 0.05 to 0.9: the walls between practice,
  research and capacity building open [SK];
- both.

A scenario is a design point (punitiveness 0.3-0.9 and initial safety 0.15-0.6, a Latin
hypercube) and a repetition; common random numbers give every policy the same seed in a
scenario, so each policy's regret there (its shortfall from the best policy in that scenario)
is a paired comparison. Printed: the policy table for code knowledge at the end (mean with
95% CI, mean and max regret, share of scenarios where it is best, share where code knowledge
reaches 0.5) and for the insights never spoken up (lower is better); how far each falls short
by punitiveness (mean regret). The figure:
results/coaches_vs_walls/figures/policies_code_knowledge.png.

    .venv/bin/python experiments/coaches_vs_walls.py [--quick] [--out DIR] [--workers N]

--quick: 6 points x 2 repetitions (48 runs, a minute or two on two cores) into
results/coaches_vs_walls_quick; the full study is 20 points x 3 repetitions (240 runs).
"""

from __future__ import annotations

import argparse

from _common import ROOT, arguments, run_sweep

import commsim

NAME = "coaches_vs_walls"
THRESHOLD = 0.5  # code knowledge: the code right on at least three quarters of the dimensions
QUICK = {"design": {"kind": "latin", "samples": 6}, "repetitions": 2}


def _quick(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help="6 points x 2 repetitions into results/coaches_vs_walls_quick: a minute or two",
    )


def main() -> None:
    args = arguments(NAME, __doc__, extra=_quick)
    import pandas as pd  # after the arguments: --help stays quick

    if args.quick and args.out == ROOT / "results" / NAME:
        args.out = args.out.with_name(f"{NAME}_quick")
    out = run_sweep(NAME, args.out, args.workers, changes=QUICK if args.quick else None)
    pd.set_option("display.width", 200)
    knowledge = commsim.compare_policies(out, "code_knowledge", threshold=THRESHOLD)
    print(f"\nCode knowledge at step 200 (higher is better; satisfied: >= {THRESHOLD}):")
    print(knowledge.drop(columns=["metric", "statistic"]).round(3).to_string(index=False))
    silence = commsim.compare_policies(out, "insights_suppressed", better="lower")
    print("\nInsights never spoken up, run total (lower is better):")
    print(silence.drop(columns=["metric", "statistic"]).round(1).to_string(index=False))

    from commsim.experiment.policies import regret

    lost = regret(knowledge.attrs["outcomes"], "higher")
    runs = commsim.load_results(out, table="runs")
    points = runs.drop_duplicates("point").set_index("point")["punitiveness"]
    climate = pd.cut(points, [0.3, 0.5, 0.7, 0.9], include_lowest=True).rename("punitiveness")
    by = lost.join(climate, on="point").groupby("punitiveness", observed=True)
    print("\nMean regret in code knowledge by how punitive the leaders are (0: always best):")
    print(by.mean().round(3).to_string())
    for path in commsim.plot_policies(out, knowledge):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
