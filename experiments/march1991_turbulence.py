"""March (1991), Figure 5: code knowledge over time in a turbulent world, with and without turnover.

The paper's parameters: N = 50, m = 30, p1 = 0.5, p2 = 0.5; each period every dimension of
reality flips with probability p4 = 0.02; no turnover (p3 = 0) against p3 = 0.1; 100 periods
here. The stable world (p4 = 0) is drawn alongside, thin, for reference. March averaged 80
runs per curve, this sweep 400 (configs/experiments/march1991_turbulence.toml).

March's finding: without turnover, code knowledge rises, then decays as the world moves away
from what everyone has come to believe; with turnover it rises more slowly but is sustained.

    .venv/bin/python experiments/march1991_turbulence.py [--out DIR] [--workers N]
"""

from __future__ import annotations

from _common import arguments, figure, mean_ci, run_sweep, save

import commsim

NAME = "march1991_turbulence"
KEYS = ["turbulence_rate", "turnover_rate"]
SHOWN = [10, 20, 30, 40, 60, 80, 100]


def main() -> None:
    args = arguments(NAME, __doc__)
    out = run_sweep(NAME, args.out, args.workers)
    frame = commsim.load_results(out, metrics="code_knowledge")
    course = mean_ci(frame, [*KEYS, "step"], "code_knowledge")
    course["value"] = (
        course["mean"].map("{:.3f}".format)
        + " ± "
        + ((course["ci_high"] - course["ci_low"]) / 2).map("{:.3f}".format)
    )
    shown = course[course["step"].isin(SHOWN)]
    print("Code knowledge by period (columns), mean ± 95% CI:")
    print(shown.pivot(index=KEYS, columns="step", values="value").to_string())
    peaks = course.loc[course.groupby(KEYS)["mean"].idxmax(), [*KEYS, "step", "mean"]]
    print("\nPeak of the mean curve:")
    print(peaks.rename(columns={"step": "period", "mean": "code knowledge"}).to_string(index=False))

    fig, (ax,) = figure(7.0, 4.6)
    styles = {
        (0.02, 0.0): {"color": "C3", "lw": 2.0, "label": "p4 = 0.02, no turnover"},
        (0.02, 0.1): {"color": "C0", "lw": 2.0, "label": "p4 = 0.02, turnover p3 = 0.1"},
        (0.0, 0.0): {"color": "C3", "lw": 1.0, "ls": ":", "label": "stable world, no turnover"},
        (0.0, 0.1): {"color": "C0", "lw": 1.0, "ls": ":", "label": "stable world, p3 = 0.1"},
    }
    for key, style in styles.items():
        rows = course[(course["turbulence_rate"] == key[0]) & (course["turnover_rate"] == key[1])]
        ax.plot(rows["step"], rows["mean"], **style)
        ax.fill_between(
            rows["step"],
            rows["ci_low"],
            rows["ci_high"],
            color=style["color"],
            alpha=0.15 if style["lw"] > 1 else 0.08,
            lw=0,
        )
    n = int(frame.groupby(KEYS)["run_id"].nunique().min())
    ax.set(
        xlabel="period",
        ylabel="code knowledge",
        title=f"March (1991) Figure 5 in commsim: turbulence and turnover\n"
        f"p1 = p2 = 0.5, N = 50, m = 30, mean of {n} runs (band: 95% CI)",
        xlim=(0, int(course["step"].max())),
    )
    ax.axhline(0, color="0.6", lw=0.8)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    ax.grid(alpha=0.3)
    save(fig, out, NAME)


if __name__ == "__main__":
    main()
