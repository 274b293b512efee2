"""Psychological safety x authority gradient x integration: what goes unsaid, and what the
organisation knows.

A 3 x 3 x 3 study on the default organisation (configs/default.toml: 500 members, a mildly
punitive climate, a slowly changing world, 200 steps) with climate drift off, so a level of
safety is a lasting climate (configs/experiments/safety_authority_integration.toml):

- initial_safety 0.2 / 0.5 / 0.8: how safe members feel to speak up [LO];
- authority_gradient 0 / 0.3 / 0.6: how much each level between speaker and listener
  discounts voice [CQC];
- integration 0.1 / 0.5 / 0.9: how permeable the walls between practice, research and
  capacity building are [SK], [KS].

Outcomes: the insights suppressed over the run (never spoken up in `insight_ttl` attempts) and
the organisational code's knowledge of the world at the end of the run, averaged over steps
150-200 because the world keeps changing (a single step's value is noisier; step 200 alone is
printed too). The figure: one heatmap per outcome and integration level, safety across,
gradient down, for a workshop wall.

    .venv/bin/python experiments/safety_authority_integration.py [--out DIR] [--workers N]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _common import arguments, figure, mean_ci, run_sweep, save, with_ci

import commsim

NAME = "safety_authority_integration"
KEYS = ["integration", "authority_gradient", "initial_safety"]
END = range(150, 201, 10)  # the recorded steps averaged as "the end of the run"
PANELS = {  # metric: (title, colour map, number format)
    "insights_suppressed": ("insights never spoken up (run total)", "Reds", "{:.0f}"),
    "end_code_knowledge": ("code knowledge at the end (steps 150-200)", "viridis", "{:.2f}"),
}


def results(out: Path) -> Any:
    """Mean ± CI per combination: run totals, final values, and end-of-run code knowledge."""
    import pandas as pd

    table = commsim.summarise_sweep(
        out, ["insights_generated", "insights_suppressed", "mean_safety", "code_knowledge"]
    )
    frame = commsim.load_results(out, metrics="code_knowledge", steps=END)
    per_run = frame.groupby(["run_id", *KEYS], as_index=False)["code_knowledge"].mean()
    end = mean_ci(per_run, KEYS, "code_knowledge").assign(metric="end_code_knowledge")
    return pd.concat([table, end], ignore_index=True)


def main() -> None:
    args = arguments(NAME, __doc__)
    import numpy as np  # after the arguments: --help stays quick
    import pandas as pd

    out = run_sweep(NAME, args.out, args.workers)
    table = results(out)
    table["value"] = with_ci(table)
    means = table.pivot(index=KEYS, columns="metric", values="mean")
    wide = table.pivot(index=KEYS, columns="metric", values="value")
    wide["suppressed share"] = (means["insights_suppressed"] / means["insights_generated"]).map(
        "{:.1%}".format
    )
    pd.set_option("display.width", 200)
    print("Mean ± 95% CI per combination (insight counts: run totals; others: step 200, end:")
    print("code knowledge averaged over steps 150-200):")
    print(wide.rename(columns={"code_knowledge": "code_knowledge_step_200"}).to_string())
    for factor in KEYS:
        by = means.groupby(factor)[list(PANELS)].mean()
        print(f"\nAveraged over the other two factors, by {factor}:")
        print(by.round(3).to_string())

    levels = sorted(table["integration"].unique())
    fig, axes = figure(12.0, 7.8, ncols=len(levels), nrows=len(PANELS))
    for row, (metric, (title, cmap, fmt)) in enumerate(PANELS.items()):
        grid = means[metric]
        vmin, vmax = float(grid.min()), float(grid.max())
        for col, level in enumerate(levels):
            ax = axes[row * len(levels) + col]
            cells = grid.loc[level].unstack("initial_safety").sort_index(ascending=False)
            values = cells.to_numpy()
            image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
            for (i, j), value in np.ndenumerate(values):
                shade = (value - vmin) / ((vmax - vmin) or 1.0)
                dark_cell = shade > 0.6 if cmap == "Reds" else shade < 0.5
                ax.text(
                    j,
                    i,
                    fmt.format(value),
                    ha="center",
                    va="center",
                    fontsize=12,
                    color="white" if dark_cell else "black",
                )
            ax.set_xticks(range(values.shape[1]), [f"{v:g}" for v in cells.columns])
            ax.set_yticks(range(values.shape[0]), [f"{v:g}" for v in cells.index])
            ax.set_xlabel("psychological safety")
            if col == 0:
                ax.set_ylabel("authority gradient")
            ax.set_title(f"{title}\nintegration {level:g}", fontsize=10)
        fig.colorbar(image, ax=axes[row * len(levels) : (row + 1) * len(levels)], shrink=0.9)
    fig.suptitle(
        "Psychological safety x authority gradient x walls between roles\n"
        f"default organisation (500 members, 200 steps), mean of {int(table['n'].min())} "
        "runs per cell"
    )
    save(fig, out, NAME)


if __name__ == "__main__":
    main()
