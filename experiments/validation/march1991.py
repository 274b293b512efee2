"""March (1991) validated: Figures 1-5 with 1,000 runs per point, beside the published values.

March's model (configs/march1991.toml: N = 50 members, m = 30 dimensions) in five sweeps of
configs/experiments/validation/, all with common random numbers (every point of a
repetition meets the same reality and the same first beliefs), 95% CIs:

- Figure 1 (march1991_learning_rates): equilibrium code knowledge by socialisation rate
  p1 = 0.1 ... 0.9 and code learning rate p2 = 0.1, 0.5, 0.9, run to March's equilibrium;
  drawn beside the published reproduction of the figure with March's original program
  (experiments/validation/published/march1991_fig1.csv).
- Figures 2-3 (march1991_mixed_learners, _homogeneous): k of 50 members socialise fast
  (p1 = 0.9), the rest slowly (0.1), p2 = 0.5; equilibrium knowledge against homogeneous
  populations at the mix's average rate, and individual knowledge at period 20.
- Figure 4 (march1991_turnover): code knowledge at period 20 by turnover rate p3, p2 = 0.5.
- Figure 5 (march1991_turbulence): code knowledge over 100 periods with turbulence
  p4 = 0.02, with and without turnover p3 = 0.1, p1 = p2 = 0.5.

Each of March's claims (published/march1991_claims.csv) is measured as a paired difference
(the same repetitions at two points) with its 95% CI and verdict:
results/validation/march1991_claims.csv; Figure 1 point by point against the published
values: results/validation/march1991_fig1_vs_published.csv. docs/VALIDATION.md section 1.

    .venv/bin/python experiments/validation/march1991.py [--quick] [--figure 1 2-3 4 5]
        [--out DIR] [--workers N]

Full: 92,000 runs, about 40 minutes on 2 cores; running it again resumes. --quick: 20
repetitions, under a minute.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import (
    arguments,
    errorbar,
    figure,
    mean_ci,
    paired_effect,
    run_sweep,
    save,
    verdict,
    with_ci,
)

import commsim

if TYPE_CHECKING:
    import argparse

    import pandas as pd

NAME = "march1991"
QUICK = 20
PUBLISHED = Path(__file__).resolve().parent / "published"
N = 50  # members (configs/march1991.toml)
SLOW, FAST = 0.1, 0.9
PERIOD = 20  # Figures 3 and 4 read knowledge at period 20


def last(out: Path, metrics: list[str], step: int | None = None) -> pd.DataFrame:
    """One row per run: the metrics at ``step`` (or at the run's last step: equilibrium)."""
    steps = slice(-1, None) if step is None else [step]
    return commsim.load_results(out, metrics=metrics, steps=steps)


def paired(frame: pd.DataFrame, value: str, before: dict[str, float], after: dict[str, float]):
    """``paired_effect`` of ``value`` between two points, matched by repetition."""

    def arm(where: dict[str, float]) -> Any:
        rows = frame
        for key, level in where.items():
            rows = rows[(rows[key] - level).abs() < 1e-9]
        return rows.set_index("repetition")[value]

    a, b = arm(before), arm(after)
    common = a.index.intersection(b.index)
    return paired_effect(a.loc[common].to_numpy(), b.loc[common].to_numpy())


def claim(claim_id: str, effect: dict[str, float], expect: str) -> dict[str, Any]:
    """A claim's row: the paired difference, its CI and the verdict (``verdict``)."""
    return {"id": claim_id, **effect, "expected": expect, "verdict": verdict(effect, expect)}


def learning_rates(args: Any) -> list[dict[str, Any]]:
    """Figure 1, beside the published reproduction; claims F1-slow and F1-cross."""
    import pandas as pd

    name = "march1991_learning_rates"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    table = commsim.summarise_sweep(out, "code_knowledge")
    published = pd.read_csv(PUBLISHED / "march1991_fig1.csv")
    keys = ["socialisation_rate", "code_learning_rate"]
    both = table.merge(
        published.rename(columns={"p1": keys[0], "p2": keys[1], "code_knowledge": "published"}),
        on=keys,
    )
    both["difference"] = both["mean"] - both["published"]
    # the published means have their own error (10,000 runs, sd ~0.1: ~0.001); ours dominates
    both["within_ci"] = (both["ci_low"] <= both["published"]) & (
        both["published"] <= both["ci_high"]
    )
    both[[*keys, "n", "mean", "ci_low", "ci_high", "published", "difference", "within_ci"]].to_csv(
        args.out / "march1991_fig1_vs_published.csv", index=False
    )
    table["value"] = with_ci(table)
    wide = table.pivot(index=keys[0], columns=keys[1], values="value")
    print("Figure 1: equilibrium code knowledge, rows p1, columns p2 (mean ± 95% CI):")
    print(wide.rename_axis(index="p1", columns="p2").to_string())
    print(
        f"against the published values: largest |difference| {both['difference'].abs().max():.3f},"
        f" mean |difference| {both['difference'].abs().mean():.3f}; the published value lies in"
        f" our 95% CI at {int(both['within_ci'].sum())} of {len(both)} points"
    )

    fig, (ax, gap) = figure(11.0, 4.4, ncols=2)
    for (p2, rows), marker in zip(both.groupby(keys[1]), "os^", strict=True):
        errorbar(ax, rows[keys[0]], rows, marker=marker, label=f"commsim, p2 = {p2:g}")
        ax.plot(rows[keys[0]], rows["published"], "k", ls=":", marker=marker, mfc="none", lw=1)
        gap.errorbar(
            rows[keys[0]] + (p2 - 0.5) * 0.03,
            rows["difference"],
            yerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
            marker=marker,
            capsize=3,
            label=f"p2 = {p2:g}",
        )
    ax.plot([], [], "k:", label="published reproduction (open markers)")
    ax.set(
        xlabel="socialisation rate p1",
        ylabel="equilibrium code knowledge",
        title=f"Figure 1: {int(table['n'].min())} runs per point",
    )
    gap.axhline(0, color="0.4", lw=0.8)
    gap.set(
        xlabel="socialisation rate p1",
        ylabel="commsim − published (95% CI)",
        title="difference from the published reproduction",
    )
    for axis in (ax, gap):
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    fig.suptitle("March (1991) Figure 1 in commsim, beside Workiewicz's (2019) 10,000-run values")
    save(fig, args.out, name)

    runs = last(out, ["code_knowledge"])
    k = "code_knowledge"
    return [
        claim(
            "F1-slow",
            paired(runs, k, {keys[0]: 0.9, keys[1]: 0.9}, {keys[0]: 0.1, keys[1]: 0.9}),
            "+",
        ),
        claim(
            "F1-cross",
            paired(runs, k, {keys[0]: 0.1, keys[1]: 0.1}, {keys[0]: 0.1, keys[1]: 0.9}),
            "+",
        )
        | {"id": "F1-cross (p1 = 0.1)"},
        claim(
            "F1-cross",
            paired(runs, k, {keys[0]: 0.9, keys[1]: 0.1}, {keys[0]: 0.9, keys[1]: 0.9}),
            "-",
        )
        | {"id": "F1-cross (p1 = 0.9)"},
    ]


def mixed_learners(args: Any) -> list[dict[str, Any]]:
    """Figures 2 and 3; claims F2-mix, F2-fast, F3-slow and F3-early."""
    import pandas as pd

    name = "march1991_mixed_learners"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    same = run_sweep(
        f"validation/{name}_homogeneous",
        args.out / f"{name}_homogeneous",
        args.workers,
        args.repetitions,
    )
    mixed = commsim.summarise_sweep(out, "code_knowledge")
    mixed["fast learners"] = (mixed["fast_learner_share"] * N).round().astype(int)
    mixed["average p1"] = SLOW + (FAST - SLOW) * mixed["fast learners"] / N
    homogeneous = commsim.summarise_sweep(same, "code_knowledge")
    early = commsim.summarise_sweep(
        out, ["code_knowledge", "slow_knowledge", "fast_knowledge"], step=PERIOD
    )
    early["fast learners"] = (early["fast_learner_share"] * N).round().astype(int)

    table = mixed.assign(mixed=with_ci(mixed), key=mixed["average p1"].round(4)).merge(
        homogeneous.assign(
            homogeneous=with_ci(homogeneous), key=homogeneous["socialisation_rate"].round(4)
        )[["key", "homogeneous"]],
        on="key",
    )[["average p1", "fast learners", "mixed", "homogeneous"]]
    print("\nFigure 2: equilibrium code knowledge, mean ± 95% CI:")
    print(table.to_string(index=False))
    early["value"] = with_ci(early)
    print(f"\nFigure 3: knowledge at period {PERIOD}, mean ± 95% CI:")
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
        homogeneous["socialisation_rate"],
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
    save(fig, args.out, name)

    k, share = "code_knowledge", "fast_learner_share"
    runs = last(out, [k])
    reference = last(same, [k]).assign(**{share: -1.0})  # the homogeneous arm, keyed apart
    both = pd.concat([runs, reference], ignore_index=True)
    against_fast = [paired(runs, k, {share: 1.0}, {share: j / 10}) for j in range(1, 10)]
    smallest = min(against_fast, key=lambda e: e["diff"])
    against_slow = [paired(runs, k, {share: 0.0}, {share: j / 10}) for j in range(1, 10)]
    print(
        "\nEach mix minus all slow (5, 10, ..., 45 fast): "
        + ", ".join(f"{e['diff']:+.3f}" for e in against_slow)
    )
    at20 = last(out, ["slow_knowledge", "fast_knowledge"], step=PERIOD)
    at20 = at20[(at20[share] - 0.4).abs() < 1e-9]
    return [
        claim(
            "F2-mix",
            paired(both, k, {share: -1.0, "socialisation_rate": 0.5}, {share: 0.5}),
            "+",
        ),
        claim("F2-fast", smallest, "+") | {"id": "F2-fast (smallest)"},
        claim("F3-slow", against_slow[0], "+") | {"id": "F3-slow (5 fast)"},
        claim("F3-early", paired_effect(at20["slow_knowledge"], at20["fast_knowledge"]), "+"),
    ]


def turnover(args: Any) -> list[dict[str, Any]]:
    """Figure 4; claims F4-fast and F4-slow."""
    name = "march1991_turnover"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    table = commsim.summarise_sweep(out, "code_knowledge", step=PERIOD)
    table["value"] = with_ci(table)
    wide = table.pivot(index="turnover_rate", columns="socialisation_rate", values="value")
    print(f"\nFigure 4: code knowledge at period {PERIOD}, rows p3, columns p1 (mean ± 95% CI):")
    print(wide.rename_axis(index="p3", columns="p1").to_string())

    fig, (ax,) = figure(6.4, 4.6)
    for (p1, rows), marker in zip(table.groupby("socialisation_rate"), "o^s", strict=True):
        errorbar(ax, rows["turnover_rate"], rows, marker=marker, label=f"p1 = {p1:g}")
    ax.set(
        xlabel="turnover rate p3 (chance per period that a member is replaced)",
        ylabel=f"code knowledge at period {PERIOD}",
        title=f"March (1991) Figure 4 in commsim\n"
        f"p2 = 0.5, N = 50, m = 30, {int(table['n'].min())} runs per point",
    )
    ax.legend(title="socialisation rate")
    ax.grid(alpha=0.3)
    save(fig, args.out, name)

    runs = last(out, ["code_knowledge"], step=PERIOD)
    p1, p3 = "socialisation_rate", "turnover_rate"
    return [
        claim(
            "F4-fast", paired(runs, "code_knowledge", {p1: 0.9, p3: 0.0}, {p1: 0.9, p3: 0.1}), "+"
        ),
        claim(
            "F4-slow",
            paired(runs, "code_knowledge", {p1: 0.1, p3: 0.0}, {p1: 0.1, p3: 0.1}),
            "not +",
        ),
    ]


def turbulence(args: Any) -> list[dict[str, Any]]:
    """Figure 5; claims F5-decay, F5-sustain and F5-slower."""
    name = "march1991_turbulence"
    keys = ["turbulence_rate", "turnover_rate"]
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    frame = commsim.load_results(out, metrics="code_knowledge")
    course = mean_ci(frame, [*keys, "step"], "code_knowledge")
    course["value"] = with_ci(course)
    shown = course[course["step"].isin([5, 10, 20, 40, 60, 80, 100])]
    print("\nFigure 5: code knowledge by period (columns), mean ± 95% CI:")
    print(shown.pivot(index=keys, columns="step", values="value").to_string())

    fig, (ax,) = figure(7.0, 4.6)
    styles = {
        (0.02, 0.0): {"color": "C3", "lw": 2.0, "label": "p4 = 0.02, no turnover"},
        (0.02, 0.1): {"color": "C0", "lw": 2.0, "label": "p4 = 0.02, turnover p3 = 0.1"},
        (0.0, 0.0): {"color": "C3", "lw": 1.0, "ls": ":", "label": "stable world, no turnover"},
        (0.0, 0.1): {"color": "C0", "lw": 1.0, "ls": ":", "label": "stable world, p3 = 0.1"},
    }
    for key, style in styles.items():
        rows = course[(course[keys[0]] == key[0]) & (course[keys[1]] == key[1])]
        ax.plot(rows["step"], rows["mean"], **style)
        ax.fill_between(
            rows["step"],
            rows["ci_low"],
            rows["ci_high"],
            color=style["color"],
            alpha=0.15 if style["lw"] > 1 else 0.08,
            lw=0,
        )
    n = int(frame.groupby(keys)["run_id"].nunique().min())
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
    save(fig, args.out, name)

    turbulent = frame[frame[keys[0]] == 0.02]
    k = "code_knowledge"
    at = {step: turbulent[turbulent["step"] == step] for step in (5, 10, 100)}
    return [
        claim(
            "F5-decay",
            paired_effect(
                at[10][at[10][keys[1]] == 0.0][k].to_numpy(),
                at[100][at[100][keys[1]] == 0.0][k].to_numpy(),
            ),
            "-",
        ),
        claim("F5-sustain", paired(at[100], k, {keys[1]: 0.0}, {keys[1]: 0.1}), "+"),
        claim("F5-slower", paired(at[5], k, {keys[1]: 0.0}, {keys[1]: 0.1}), "-"),
    ]


FIGURES: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "1": learning_rates,
    "2-3": mixed_learners,
    "4": turnover,
    "5": turbulence,
}


def main(argv: list[str] | None = None) -> None:
    def figures(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--figure", nargs="+", choices=list(FIGURES), default=list(FIGURES), help="only these"
        )

    args = arguments("validation", __doc__, QUICK, argv, figures)
    import pandas as pd

    args.out.mkdir(parents=True, exist_ok=True)
    rows = [row for key in args.figure for row in FIGURES[key](args)]
    claims = pd.read_csv(PUBLISHED / "march1991_claims.csv")
    result = pd.DataFrame(rows)
    result["claim_id"] = result["id"].str.split(" ").str[0]
    result = result.merge(
        claims[["id", "figure", "claim"]].rename(columns={"id": "claim_id"}), on="claim_id"
    ).drop(columns="claim_id")
    path = args.out / "march1991_claims.csv"
    if path.is_file() and set(args.figure) != set(FIGURES):  # keep the other figures' rows
        kept = pd.read_csv(path)
        result = pd.concat([kept[~kept["id"].isin(result["id"])], result], ignore_index=True)
    result.to_csv(path, index=False)
    pd.set_option("display.width", 200)
    shown = result[["id", "n", "before", "after", "diff", "diff_low", "diff_high", "d", "verdict"]]
    print("\nMarch's claims, paired differences (after − before) with 95% CIs:")
    print(shown.round(3).to_string(index=False))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
