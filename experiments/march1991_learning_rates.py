"""March (1991), Figure 1: equilibrium code knowledge by socialisation rate and code learning rate.

The paper's parameters: N = 50 members, m = 30 dimensions, socialisation rate p1 = 0.1 ... 0.9,
code learning rate p2 = 0.1, 0.5, 0.9, no turnover (p3 = 0), no turbulence (p4 = 0), each run
until the stable equilibrium where everyone holds the code; March averaged 80 runs per point,
this sweep 200 (configs/experiments/march1991_learning_rates.toml).

March's finding: slow socialisation gives a higher equilibrium knowledge, most of all when the
code learns fast; fast code learning helps only if socialisation is slow.

    .venv/bin/python experiments/march1991_learning_rates.py [--out DIR] [--workers N]
"""

from __future__ import annotations

from _common import arguments, errorbar, figure, run_sweep, save, with_ci

import commsim

NAME = "march1991_learning_rates"


def main() -> None:
    args = arguments(NAME, __doc__)
    out = run_sweep(NAME, args.out, args.workers)
    table = commsim.summarize_sweep(out, "code_knowledge")
    table["code knowledge (95% CI)"] = with_ci(table)
    wide = table.pivot(
        index="socialization_rate", columns="code_learning_rate", values="code knowledge (95% CI)"
    )
    print("Equilibrium code knowledge, rows p1, columns p2:")
    print(wide.rename_axis(index="p1", columns="p2").to_string())

    fig, (ax,) = figure(6.0, 4.4)
    for (p2, group), marker in zip(table.groupby("code_learning_rate"), "os^", strict=True):
        errorbar(ax, group["socialization_rate"], group, marker=marker, label=f"p2 = {p2:g}")
    n = int(table["n"].min())
    ax.set(
        xlabel="socialisation rate p1",
        ylabel="equilibrium code knowledge",
        title=f"March (1991) Figure 1 in commsim\nN = 50, m = 30, {n} runs per point",
    )
    ax.legend(title="code learning rate")
    ax.grid(alpha=0.3)
    save(fig, out, NAME)


if __name__ == "__main__":
    main()
