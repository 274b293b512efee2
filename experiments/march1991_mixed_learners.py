"""March (1991), Figures 2 and 3: organisations mixing fast and slow learners.

The paper's parameters: N = 50, m = 30, code learning rate p2 = 0.5, no turnover, no
turbulence; k of the 50 members (k = 0, 5, ..., 50 here) socialise fast (p1 = 0.9), the others
slowly (p1 = 0.1). Figure 2: equilibrium code knowledge of each mix against its average
socialisation rate, beside homogeneous populations with that same rate for everyone.
Figure 3: the average individual knowledge of the fast and of the slow learners at period 20.
March averaged 80 runs per point, these sweeps 300: the mixes in
configs/experiments/march1991_mixed_learners.toml, Figure 2's homogeneous reference in
configs/experiments/march1991_mixed_learners_homogeneous.toml.

March's finding: a mix of fast and slow learners reaches a higher equilibrium knowledge than a
homogeneous population socialising at the same average rate, and than fast learners only;
early on the fast learners know more than the slow ones, while the code learns from the
diversity the slow ones keep.

    .venv/bin/python experiments/march1991_mixed_learners.py [--out DIR] [--workers N]

writes the mixes' sweep to DIR and the homogeneous one to DIR_homogeneous.
"""

from __future__ import annotations

from _common import arguments, errorbar, figure, run_sweep, save, with_ci

import commsim

NAME = "march1991_mixed_learners"
N = 50  # members (configs/march1991.toml)
SLOW, FAST = 0.1, 0.9
PERIOD = 20


def main() -> None:
    args = arguments(NAME, __doc__)
    out = run_sweep(NAME, args.out, args.workers)
    same = run_sweep(
        f"{NAME}_homogeneous", args.out.with_name(f"{args.out.name}_homogeneous"), args.workers
    )

    mixed = commsim.summarize_sweep(out, "code_knowledge")
    mixed["fast learners"] = (mixed["fast_learner_share"] * N).round().astype(int)
    mixed["average p1"] = SLOW + (FAST - SLOW) * mixed["fast learners"] / N
    homogeneous = commsim.summarize_sweep(same, "code_knowledge")
    early = commsim.summarize_sweep(
        out, ["code_knowledge", "slow_knowledge", "fast_knowledge"], step=PERIOD
    )
    early["fast learners"] = (early["fast_learner_share"] * N).round().astype(int)

    table = mixed.assign(mixed=with_ci(mixed), key=mixed["average p1"].round(4)).merge(
        homogeneous.assign(
            homogeneous=with_ci(homogeneous), key=homogeneous["socialization_rate"].round(4)
        )[["key", "homogeneous"]],
        on="key",
    )[["average p1", "fast learners", "mixed", "homogeneous"]]
    print("Equilibrium code knowledge (Figure 2), mean ± 95% CI:")
    print(table.to_string(index=False))
    early["value"] = with_ci(early)
    print(f"\nKnowledge at period {PERIOD} (Figure 3), mean ± 95% CI:")
    print(early.pivot(index="fast learners", columns="metric", values="value").to_string())

    fig, (left, right) = figure(11.5, 4.6, ncols=2)
    errorbar(
        left,
        mixed["average p1"],
        mixed,
        marker="o",
        color="C2",
        label=f"mix of fast ({FAST}) and slow ({SLOW}) learners",
    )
    errorbar(
        left,
        homogeneous["socialization_rate"],
        homogeneous,
        marker="s",
        color="0.45",
        linestyle="--",
        label="everyone at the average rate",
    )
    for _, row in mixed.iloc[1:-1:2].iterrows():
        left.annotate(
            f"{row['fast learners']} fast",
            (row["average p1"], row["mean"]),
            textcoords="offset points",
            xytext=(4, 6),
            fontsize=8,
            color="C2",
        )
    left.set(
        xlabel="average socialisation rate p1",
        ylabel="equilibrium code knowledge",
        title=f"Figure 2: equilibrium code knowledge, p2 = 0.5\n"
        f"{int(mixed['n'].min())} runs per point",
    )
    for metric, label, style in (
        ("fast_knowledge", f"fast learners (p1 = {FAST})", {"color": "C3", "marker": "o"}),
        ("slow_knowledge", f"slow learners (p1 = {SLOW})", {"color": "C0", "marker": "o"}),
        ("code_knowledge", "the code", {"color": "0.45", "marker": ".", "linestyle": ":"}),
    ):
        rows = early[(early["metric"] == metric) & (early["n"] > 0)]
        errorbar(right, rows["fast learners"], rows, label=label, **style)
    right.set(
        xlabel=f"number of fast learners among {N}",
        ylabel=f"knowledge at period {PERIOD}",
        title=f"Figure 3: individual knowledge at period {PERIOD}\nby type of learner",
        xticks=range(0, N + 1, 5),
    )
    left.legend(loc="lower left")
    right.legend(loc="center right")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle("March (1991) mixed fast and slow learners in commsim (N = 50, m = 30)")
    save(fig, out, NAME)


if __name__ == "__main__":
    main()
