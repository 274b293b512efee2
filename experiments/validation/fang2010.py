"""Fang, Lee & Schilling (2010) validated: semi-isolated subgroups and the inverted U.

Their model in commsim (configs/fang2010.toml): March's (1991) members and reality (N = 100,
m = 100), no organisational code; the organisation split into 10 subgroups of 10 (cliques),
each tie rewired to a random member of another subgroup with the cross-group linking
probability; every period each member moves toward the majority view of the neighbours who
know more than it (``peer_learning = "superior_majority"``). One sweep
(configs/experiments/validation/fang2010.toml): equilibrium knowledge against the linking
probability, common random numbers (each repetition: one reality and one set of starting
beliefs at every probability). A second sweep (fang2010_sensitivity) checks the inverted U
at four probabilities for reality sizes m = 30 and 100 and learning rates 0.1, 0.5, 0.9:
results/validation/fang2010_sensitivity.csv.

The paper's claims (published/fang2010_claims.csv) are measured as paired differences with
95% CIs (results/validation/fang2010_claims.csv), the peak's location with a bootstrap
interval; the curve: results/validation/fang2010.png. docs/VALIDATION.md section 3.

    .venv/bin/python experiments/validation/fang2010.py [--quick] [--out DIR] [--workers N]

Full: 6,500 + 2,400 runs, about 20 minutes on 2 cores; running it again resumes. --quick: 30
repetitions, under a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import (
    ROOT,
    arguments,
    errorbar,
    figure,
    paired_effect,
    read_published,
    run_sweep,
    save,
    verdict,
    with_ci,
)
from march1991 import claim  # the verdict rule every validation script shares

import commsim

NAME = "fang2010"
QUICK = 30
KEY = "cross_group_linking"


def peak_ci(wide: Any, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of the best linking probability, over repetitions."""
    import numpy as np

    rng = np.random.default_rng(seed)
    values, levels = wide.to_numpy(), wide.columns.to_numpy()
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    best = levels[values[picks].mean(axis=1).argmax(axis=1)]
    low, high = np.percentile(best, [2.5, 97.5])
    return float(low), float(high)


def sensitivity(args: Any) -> None:
    """The inverted U's two sides for each reality size and learning rate (paired, 95% CI)."""
    import pandas as pd

    name = f"{NAME}_sensitivity"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    runs = commsim.load_results(out, metrics=["mean_knowledge"])
    rows = []
    for (m, rate), group in runs.groupby(["m", "neighbour_learning_rate"]):
        wide = group.pivot(index="repetition", columns=KEY, values="mean_knowledge").dropna()
        rise = paired_effect(wide[0.0], wide[0.1])
        fall = paired_effect(wide[1.0], wide[0.1])
        rows.append(
            {
                "m": m,
                "learning rate": rate,
                **{f"knowledge at {p:g}": wide[p].mean() for p in wide.columns},
                "0.1 minus 0 (95% CI)": f"{rise['diff']:.3f} [{rise['diff_low']:.3f}, "
                f"{rise['diff_high']:.3f}]",
                "0.1 minus 1 (95% CI)": f"{fall['diff']:.3f} [{fall['diff_low']:.3f}, "
                f"{fall['diff_high']:.3f}]",
                "inverted U": verdict(rise, "+") == verdict(fall, "+") == "holds",
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(args.out / f"{name}.csv", index=False)
    print("The inverted U by reality size m and learning rate (equilibrium mean knowledge):")
    print(table.round(3).to_string(index=False))


def main() -> None:
    import pandas as pd

    args = arguments("validation", __doc__, quick=QUICK)
    args.out.mkdir(parents=True, exist_ok=True)
    out = run_sweep(f"validation/{NAME}", args.out / NAME, args.workers, args.repetitions)
    table = commsim.summarise_sweep(out, "mean_knowledge")
    runs = commsim.load_results(out, metrics=["mean_knowledge", "step"])
    wide = runs.pivot(index="repetition", columns=KEY, values="mean_knowledge").dropna()
    steps = runs.pivot(index="repetition", columns=KEY, values="step")
    limit = commsim.load_config(ROOT / "configs" / f"{NAME}.toml").steps
    capped = (steps >= limit).mean()
    table["settled"] = table[KEY].map(1 - capped)
    table["value"] = with_ci(table)
    print("Equilibrium mean knowledge by cross-group linking probability (mean ± 95% CI):")
    print(
        table[[KEY, "n", "value", "settled"]]
        .rename(columns={"settled": f"share at equilibrium before step {limit}"})
        .to_string(index=False)
    )

    best = float(table.loc[table["mean"].idxmax(), KEY])
    low, high = peak_ci(wide)
    print(f"peak at cross-group linking {best:g} (bootstrap 95% interval {low:g}-{high:g})")
    lowest, highest = float(wide.columns.min()), float(wide.columns.max())
    claims = [
        claim("FLS-invU-isolated", paired_effect(wide[lowest], wide[best]), "+"),
        claim("FLS-invU-connected", paired_effect(wide[highest], wide[best]), "+"),
        {
            "id": "FLS-peak-moderate",
            "peak": best,
            "peak_low": low,
            "peak_high": high,
            "verdict": "holds" if lowest < low and high < highest else "does not hold",
        },
    ]
    published = read_published(f"{NAME}_claims")
    result = pd.DataFrame(claims).merge(published, on="id", how="left")
    result.to_csv(args.out / f"{NAME}_claims.csv", index=False)
    columns = ["id", "before", "after", "diff", "diff_low", "diff_high", "d", "verdict"]
    print(result[[c for c in columns if c in result]].round(4).to_string(index=False))
    table.drop(columns="value").to_csv(args.out / f"{NAME}_knowledge.csv", index=False)

    fig, (ax,) = figure(6.8, 4.6)
    x = table[KEY].where(table[KEY] > 0, 3e-4)  # no linking drawn at the left edge
    errorbar(ax, x, table, marker="o", label="commsim, mean ± 95% CI")
    ax.axvline(best, color="C3", ls="--", lw=1, label=f"peak at {best:g}")
    ax.axvspan(max(low, 3e-4), high, color="C3", alpha=0.12)
    ax.plot(
        [], [], color="C3", alpha=0.3, lw=6, label=f"its 95% bootstrap interval {low:g}-{high:g}"
    )
    ax.set_xscale("log")
    ax.set_xticks(x, [f"{v:g}" for v in table[KEY]], rotation=45, fontsize=8)
    ax.minorticks_off()
    ax.set(
        xlabel="cross-group linking probability (0 drawn at the left edge)",
        ylabel="equilibrium mean knowledge",
        title="Fang, Lee & Schilling (2010) in commsim (published: an inverted U)\n"
        f"10 subgroups of 10, m = 100, {int(table['n'].min())} runs per point",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, args.out, NAME)
    sensitivity(args)


if __name__ == "__main__":
    main()
