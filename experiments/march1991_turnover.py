"""March (1991), Figure 4: turnover and code knowledge in a stable world.

The paper's parameters: N = 50, m = 30, code learning rate p2 = 0.5, no turbulence; each
period every member leaves with probability p3 (here 0 to 1) and is replaced by a newcomer
with naive beliefs; code knowledge is read at period 20, for slow and fast socialisation
(p1 = 0.1 and 0.9, and 0.5 here besides). March averaged 80 runs per point, this sweep 200
(configs/experiments/march1991_turnover.toml).

March's finding: when socialisation is fast, moderate turnover raises the code's knowledge
(newcomers bring the diversity fast socialisation destroys); when it is slow, turnover only
costs knowledge.

    .venv/bin/python experiments/march1991_turnover.py [--out DIR] [--workers N]
"""

from __future__ import annotations

from _common import arguments, errorbar, figure, run_sweep, save, with_ci

import commsim

NAME = "march1991_turnover"
PERIOD = 20


def main() -> None:
    args = arguments(NAME, __doc__)
    out = run_sweep(NAME, args.out, args.workers)
    table = commsim.summarize_sweep(out, "code_knowledge", step=PERIOD)
    table["value"] = with_ci(table)
    wide = table.pivot(index="turnover_rate", columns="socialization_rate", values="value")
    print(f"Code knowledge at period {PERIOD}, rows p3, columns p1 (mean ± 95% CI):")
    print(wide.rename_axis(index="p3", columns="p1").to_string())
    best = table.loc[table.groupby("socialization_rate")["mean"].idxmax()]
    for _, row in best.iterrows():
        none = table[
            (table["socialization_rate"] == row["socialization_rate"])
            & (table["turnover_rate"] == 0)
        ].iloc[0]
        print(
            f"p1 = {row['socialization_rate']:g}: best p3 = {row['turnover_rate']:g} "
            f"({row['mean']:.3f}), no turnover {none['mean']:.3f}"
        )

    fig, (ax,) = figure(6.4, 4.6)
    for (p1, rows), marker in zip(table.groupby("socialization_rate"), "o^s", strict=True):
        errorbar(ax, rows["turnover_rate"], rows, marker=marker, label=f"p1 = {p1:g}")
    ax.set(
        xlabel="turnover rate p3 (chance per period that a member is replaced)",
        ylabel=f"code knowledge at period {PERIOD}",
        title=f"March (1991) Figure 4 in commsim\n"
        f"p2 = 0.5, N = 50, m = 30, {int(table['n'].min())} runs per point",
    )
    ax.legend(title="socialisation rate")
    ax.grid(alpha=0.3)
    save(fig, out, NAME)


if __name__ == "__main__":
    main()
