"""March (1991) validated: Figures 1-5 beside the paper's own digitised points.

March's model (configs/march1991.toml: N = 50 members, m = 30 dimensions) in five sweeps of
configs/experiments/validation/, all with common random numbers (every point of a
repetition meets the same reality and the same first beliefs), 95% CIs:

- Figure 1 (march1991_learning_rates): equilibrium code knowledge by socialisation rate
  p1 = 0.1 ... 0.9 and code learning rate p2 = 0.1, 0.5, 0.9, run to March's equilibrium.
- Figures 2-3 (march1991_mixed_learners, _homogeneous): k of 50 members socialise fast
  (p1 = 0.9), the rest slowly (0.1), p2 = 0.5; equilibrium knowledge against homogeneous
  populations at the mix's average rate, and individual knowledge at period 20.
- Figure 4 (march1991_turnover): code knowledge at period 20 by turnover rate p3, p2 = 0.5;
  with a small set of runs of its own (tenure_runs) for March's claim about individual
  knowledge, which needs each member's tenure.
- Figure 5 (march1991_turbulence): code knowledge over 100 periods with turbulence
  p4 = 0.02, with and without turnover p3 = 0.1, p1 = p2 = 0.5; and, from runs of its own
  (flip_first), the same read after the next period's flip of reality.

March's "period p" is the state at the start of period p, before its learning (Fig. 5 p. 80:
code knowledge is 0 at period 1), so period p is our step p - 1: period 20 is step 19.

Each figure is drawn beside the paper's digitised points (published/march1991_figN_digitised.csv,
each with its `# SOURCE:` line) and compared point by point: OUT/march1991_figN_vs_published.csv
(published value, ours with its 95% CI, the difference, whether the published point lies in our
CI) and OUT/march1991_vs_published.csv (per figure: largest and mean absolute difference).
Figure 1 is also compared with Workiewicz's (2019) 10,000-run reproduction of March's original
program (published/march1991_fig1.csv), and Figures 3-5 with March's program itself, as
Workiewicz recreated it (_march_program.py, independent of commsim), run at every published
point: its mean and CI in the point tables, and, for Figure 5, the readings its description
leaves open (OUT/march1991_program_readings.csv). Each of March's claims
(published/march1991_claims.csv) is measured as a paired difference with its 95% CI and
verdict: OUT/march1991_claims.csv. The point tables as Markdown, for docs/VALIDATION.md
section 1: OUT/march1991_point_tables.md.

    .venv/bin/python experiments/validation/march1991.py [--quick | --repetitions R]
        [--figure 1 2-3 4 5] [--out DIR] [--workers N]

Full: 1,000 repetitions, 75,000 sweep runs and 6,000 runs of its own (tenure_runs,
flip_first), about 12 minutes on 2 cores; running it again resumes. --quick: 20 repetitions, about
a minute.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import (
    arguments,
    errorbar,
    figure,
    mean_ci,
    paired_effect,
    read_published,
    run_sweep,
    save,
    verdict,
    with_ci,
)
from _march_program import simulate

import commsim

if TYPE_CHECKING:
    import argparse

    import pandas as pd

NAME = "march1991"
QUICK = 20
ROOT = Path(__file__).resolve().parents[2]
N = 50  # members (configs/march1991.toml)
SLOW, FAST = 0.1, 0.9
PERIOD = 19  # March's period 20 (Figures 3 and 4), the state after 19 steps
CLOSE = 0.02  # the bar: a published point within 0.02 of ours


def compare(
    ours: pd.DataFrame, keys: list[str], precision: float | pd.Series, runs: int = 80
) -> pd.DataFrame:
    """Published against ours (``summarise_sweep`` columns plus ``published``), point by point.

    A published mean has its own sampling error: March's points are means of 80 runs (each
    figure says "80 iterations"), so a run-to-run sd of 0.1 puts them ±0.02 about the model's
    mean. ``band`` is the 95%
    half-width of our difference from a published mean of ``runs`` runs of the same model (our
    sd for theirs) plus the reading precision (one for the figure, or one per point);
    ``agrees``: within 0.02 (the issue's bar) or within ``band``. ``in_ci``: the published
    value inside our own 95% CI, which ignores the paper's sampling error.
    """
    import numpy as np

    both = ours[[*keys, "n", "mean", "sd", "ci_low", "ci_high", "published"]].copy()
    both["difference"] = both["mean"] - both["published"]
    both["in_ci"] = (both["ci_low"] <= both["published"]) & (both["published"] <= both["ci_high"])
    spread = both["sd"] * np.sqrt(1 / both["n"] + 1 / runs)
    both["band"] = 1.96 * spread + precision
    both["agrees"] = (both["difference"].abs() <= CLOSE) | (
        both["difference"].abs() <= both["band"]
    )
    return both


def report(both: pd.DataFrame, label: str, out: Path, name: str) -> dict[str, Any]:
    """Write a figure's point table and return its summary row (largest and mean |difference|)."""
    both.to_csv(out / f"{name}_vs_published.csv", index=False)
    gap = both["difference"].abs()
    row = {
        "figure": label,
        "points": len(both),
        "runs_per_point": int(both["n"].min()),
        "largest_abs_difference": gap.max(),
        "mean_abs_difference": gap.mean(),
        "in_ci": int(both["in_ci"].sum()),
        "within_band": int((both["difference"].abs() <= both["band"]).sum()),
        "agrees": int(both["agrees"].sum()),
    }
    if "program" in both:
        row |= {
            "program_mean_abs_difference": (both["program"] - both["published"]).abs().mean(),
            "largest_abs_ours_minus_program": both["ours_minus_program"].abs().max(),
            "program_agrees": int(both["program_agrees"].sum()),
        }
    print(
        f"{label} against the paper: largest |difference| {row['largest_abs_difference']:.3f}, "
        f"mean {row['mean_abs_difference']:.3f}; published point in our 95% CI at "
        f"{row['in_ci']} of {row['points']}, within both sampling errors and the reading "
        f"precision at {row['within_band']}, within that or 0.02 at {row['agrees']}"
    )
    return row


class Setting(NamedTuple):
    """One published point's setting in March's program: ``fast`` members socialise at FAST,
    the rest at ``p1``; read ``metric`` after ``step`` periods (p2 = 0.5 in Figures 3-5)."""

    fast: int
    p1: float
    p3: float
    p4: float
    step: int
    metric: str = "code_knowledge"


def beside_program(
    both: pd.DataFrame, runs: int, setting: Callable[[Any], Setting]
) -> pd.DataFrame:
    """``both`` with March's program (_march_program.py) run at each row's setting, ``runs``
    runs each: its mean and 95% CI, ours minus it, and whether that is within both sampling
    errors (``program_agrees``): a difference from the paper that the program shares is the
    program's, not commsim's."""
    import numpy as np
    from scipy import stats

    settings = [setting(row) for row in both.itertuples(index=False)]
    groups = sorted({s[:4] for s in settings})
    steps = {g: max(s.step for s in settings if s[:4] == g) for g in groups}
    courses = {}
    for i, (fast, p1, p3, p4) in enumerate(groups):
        rates = np.where(np.arange(N) < fast, FAST, p1)
        courses[fast, p1, p3, p4] = simulate(
            rates, 0.5, p3, p4, steps[fast, p1, p3, p4], runs, 1991 + i
        )
    values = [courses[s[:4]].of(s.metric, np.arange(N) < s.fast)[s.step] for s in settings]
    mean = np.array([v.mean() for v in values])
    se = np.array([v.std(ddof=1) / np.sqrt(runs) for v in values])
    half = stats.t.ppf(0.975, runs - 1) * se
    ours_se = both["sd"] / np.sqrt(both["n"])
    gap = both["mean"] - mean
    return both.assign(
        program=mean,
        program_low=mean - half,
        program_high=mean + half,
        ours_minus_program=gap,
        program_agrees=gap.abs() <= 1.96 * np.sqrt(ours_se**2 + se**2),
    )


def paper(ax: Any, x: Any, y: Any, number: str, **style: Any) -> None:
    """The paper's digitised points as open black-edged markers."""
    ax.plot(x, y, ls="none", mfc="none", mec="k", ms=7, mew=1.2, **style)
    ax.plot([], [], ls="none", marker="o", mfc="none", mec="k", label=f"March 1991, Fig. {number}")


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


def keyed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Design keys rounded, so a grid's 0.30000000000000004 meets the paper's 0.3."""
    return frame.assign(**{key: frame[key].round(4) for key in keys})


def learning_rates(args: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Figure 1 beside the paper and the 10,000-run reproduction; claims F1-slow and F1-cross."""
    name = "march1991_learning_rates"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    keys = ["socialisation_rate", "code_learning_rate"]
    table = keyed(commsim.summarise_sweep(out, "code_knowledge"), keys)
    rename = {"p1": keys[0], "p2": keys[1], "code_knowledge": "published"}
    digitised = keyed(read_published("march1991_fig1_digitised").rename(columns=rename), keys)
    reproduced = keyed(read_published("march1991_fig1").rename(columns=rename), keys)
    both = compare(table.merge(digitised[[*keys, "published"]], on=keys), keys, 0.004)
    again = compare(table.merge(reproduced[[*keys, "published"]], on=keys), keys, 0.0, 10_000)
    summary = [
        report(both, "Fig. 1", args.out, "march1991_fig1"),
        report(
            again, "Fig. 1 (Workiewicz 2019, 10,000 runs)", args.out, "march1991_fig1_workiewicz"
        ),
    ]
    table["value"] = with_ci(table)
    wide = table.pivot(index=keys[0], columns=keys[1], values="value")
    print("Figure 1: equilibrium code knowledge, rows p1, columns p2 (mean ± 95% CI):")
    print(wide.rename_axis(index="p1", columns="p2").to_string())

    fig, (ax, gap) = figure(11.0, 4.4, ncols=2)
    for (p2, rows), marker in zip(both.groupby(keys[1]), "os^", strict=True):
        errorbar(ax, rows[keys[0]], rows, marker=marker, label=f"commsim, p2 = {p2:g}")
        ax.plot(rows[keys[0]], rows["published"], "k", marker=marker, ls="none", mfc="none", ms=7)
        same = again[again[keys[1]] == p2]
        ax.plot(same[keys[0]], same["published"], color="0.3", ls=":", lw=1)
        gap.errorbar(
            rows[keys[0]] + (p2 - 0.5) * 0.03,
            rows["difference"],
            yerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
            marker=marker,
            capsize=3,
            label=f"p2 = {p2:g}",
        )
    ax.plot([], [], "ko", mfc="none", label="March 1991, Fig. 1 (p. 76)")
    ax.plot([], [], color="0.3", ls=":", label="Workiewicz 2019 reproduction")
    ax.set(
        xlabel="socialisation rate p1",
        ylabel="equilibrium code knowledge",
        title=f"Figure 1: {int(table['n'].min())} runs per point (95% CI)",
    )
    gap.axhline(0, color="0.4", lw=0.8)
    for bound in (-CLOSE, CLOSE):
        gap.axhline(bound, color="0.6", lw=0.8, ls="--")
    gap.set(
        xlabel="socialisation rate p1",
        ylabel="commsim − March's Fig. 1 (95% CI)",
        title="difference from the paper's points (dashed: ±0.02)",
    )
    for axis in (ax, gap):
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    fig.suptitle("March (1991) Figure 1 in commsim, beside the paper's own points")
    save(fig, args.out, name)

    runs = last(out, ["code_knowledge"])
    k = "code_knowledge"
    claims = [
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
    return claims, summary


def interpolated(table: pd.DataFrame, x: str, at: Any) -> pd.DataFrame:
    """``summarise_sweep`` rows read at ``at`` on ``x`` by linear interpolation (mean and CI)."""
    import numpy as np
    import pandas as pd

    rows = table.sort_values(x)
    columns = {c: np.interp(at, rows[x], rows[c]) for c in ("mean", "sd", "ci_low", "ci_high")}
    return pd.DataFrame({x: at, "n": int(rows["n"].min()), **columns})


FIG3_SERIES = {
    "code": "code_knowledge",
    "average_individual": "mean_knowledge",
    "fast_learners": "fast_knowledge",
    "slow_learners": "slow_knowledge",
}


def mixed_learners(args: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Figures 2 and 3; claims F2-fraction, F2-mix, F2-fast, F3-early and F3-asym."""
    import pandas as pd

    name = "march1991_mixed_learners"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    same = run_sweep(
        f"validation/{name}_homogeneous",
        args.out / f"{name}_homogeneous",
        args.workers,
        args.repetitions,
    )
    rates = "march1991_learning_rates"  # Fig. 2's homogeneous line is Fig. 1's p2 = 0.5 line
    grid = run_sweep(f"validation/{rates}", args.out / rates, args.workers, args.repetitions)
    share, avg = "fast_learner_share", "average_p1"
    mixed = commsim.summarise_sweep(out, "code_knowledge")
    mixed["fast learners"] = (mixed[share] * N).round().astype(int)
    mixed[avg] = SLOW + (FAST - SLOW) * mixed["fast learners"] / N
    homogeneous = commsim.summarise_sweep(same, "code_knowledge")
    early = commsim.summarise_sweep(out, list(FIG3_SERIES.values()), step=PERIOD)
    early["fast learners"] = (early[share] * N).round().astype(int)

    # Fig. 2: the mix is read between our grid's points (k = 5, 10, ... fast: average p1 0.18,
    # 0.26, ...) at the paper's vertices 0.2 ... 0.8; the homogeneous line at those exact rates
    published = keyed(read_published("march1991_fig2_digitised"), [avg])
    mix_paper = published[published["population"].str.startswith("heterogeneous")]
    flat_paper = published[published["population"] == "homogeneous"]
    flat = commsim.summarise_sweep(grid, "code_knowledge")
    flat = keyed(flat[(flat["code_learning_rate"] - 0.5).abs() < 1e-9], ["socialisation_rate"])
    fig2 = pd.concat(
        [
            interpolated(mixed, avg, mix_paper[avg].to_numpy()).assign(
                population="mix", published=mix_paper["equilibrium_knowledge"].to_numpy()
            ),
            flat.rename(columns={"socialisation_rate": avg})
            .merge(flat_paper.rename(columns={"equilibrium_knowledge": "published"}), on=avg)
            .assign(population="homogeneous"),
        ],
        ignore_index=True,
    )
    fig3_paper = read_published("march1991_fig3_digitised")
    fig3_paper["metric"] = fig3_paper["series"].map(FIG3_SERIES)
    fig3_paper[share] = fig3_paper["fraction_fast"].round(4)
    fig3 = keyed(early, [share]).merge(
        fig3_paper.rename(columns={"period20_knowledge": "published"})[
            [share, "metric", "published"]
        ],
        on=[share, "metric"],
    )
    summary = [
        report(compare(fig2, ["population", avg], 0.004), "Fig. 2", args.out, "march1991_fig2"),
        report(
            beside_program(
                compare(fig3, ["metric", share], 0.005),
                args.repetitions or 1000,
                lambda row: Setting(
                    round(row.fast_learner_share * N), SLOW, 0.0, 0.0, PERIOD, row.metric
                ),
            ),
            "Fig. 3",
            args.out,
            "march1991_fig3",
        ),
    ]
    table = mixed.assign(mixed=with_ci(mixed), key=mixed[avg].round(4)).merge(
        homogeneous.assign(
            homogeneous=with_ci(homogeneous), key=homogeneous["socialisation_rate"].round(4)
        )[["key", "homogeneous"]],
        on="key",
    )[[avg, "fast learners", "mixed", "homogeneous"]]
    print("\nFigure 2: equilibrium code knowledge, mean ± 95% CI:")
    print(table.to_string(index=False))
    early["value"] = with_ci(early)
    print(f"\nFigure 3: knowledge at period {PERIOD + 1} (step {PERIOD}), mean ± 95% CI:")
    print(early.pivot(index="fast learners", columns="metric", values="value").to_string())

    fig, (left, right) = figure(11.5, 4.8, ncols=2)
    errorbar(
        left,
        mixed[avg],
        mixed,
        marker=".",
        color="C2",
        label=f"mix of fast ({FAST}) and slow ({SLOW}) learners",
    )
    errorbar(
        left,
        homogeneous["socialisation_rate"],
        homogeneous,
        marker=".",
        color="0.45",
        linestyle="--",
        label="everyone at the average rate",
    )
    left.plot(mix_paper[avg], mix_paper["equilibrium_knowledge"], "o", mfc="none", mec="C2", ms=8)
    left.plot(flat_paper[avg], flat_paper["equilibrium_knowledge"], "s", mfc="none", mec="k", ms=7)
    left.plot([], [], "ko", mfc="none", label="March 1991, Fig. 2 (p. 77): mix ○, homogeneous □")
    left.set(
        xlabel="average socialisation rate p1",
        ylabel="equilibrium code knowledge",
        title=f"Figure 2: equilibrium code knowledge, p2 = 0.5\n"
        f"{int(mixed['n'].min())} runs per point (95% CI)",
    )
    styles = {
        "fast_knowledge": ("fast learners (p1 = 0.9)", {"color": "C3", "marker": "o"}),
        "slow_knowledge": ("slow learners (p1 = 0.1)", {"color": "C0", "marker": "o"}),
        "mean_knowledge": ("average individual", {"color": "C2", "marker": "."}),
        "code_knowledge": ("the code", {"color": "0.45", "marker": ".", "linestyle": ":"}),
    }
    for metric, (label, style) in styles.items():
        rows = early[(early["metric"] == metric) & (early["n"] > 0)]
        errorbar(right, rows[share], rows, label=label, ms=4, **style)
        points = fig3_paper[fig3_paper["metric"] == metric]
        right.plot(
            points[share], points["period20_knowledge"], "D", mfc="none", ms=6, mec=style["color"]
        )
    right.plot([], [], "kD", mfc="none", label="March 1991, Fig. 3 (p. 78)")
    right.set(
        xlabel="fraction of fast learners",
        ylabel="knowledge at period 20 (after 19 steps)",
        title="Figure 3: knowledge at period 20 by type of learner",
    )
    left.legend(loc="lower left", fontsize=8)
    right.legend(loc="lower right", fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle("March (1991) mixed fast and slow learners in commsim, beside the paper's points")
    save(fig, args.out, name)

    k = "code_knowledge"
    runs = last(out, [k])
    reference = last(same, [k]).assign(**{share: -1.0})  # the homogeneous arm, keyed apart
    both = pd.concat([runs, reference], ignore_index=True)
    against_fast = [paired(runs, k, {share: 1.0}, {share: j / 10}) for j in range(1, 10)]
    against_same = [
        paired(
            both,
            k,
            {share: -1.0, "socialisation_rate": SLOW + (FAST - SLOW) * j / 10},
            {share: j / 10},
        )
        for j in range(1, 10)
    ]
    steps = [paired(runs, k, {share: j / 10}, {share: (j + 1) / 10}) for j in range(10)]
    print(
        "\nEach mix minus the mix with 5 fewer fast learners (5, 10, ..., 50 fast): "
        + ", ".join(f"{e['diff']:+.3f}" for e in steps)
    )
    at20 = last(out, ["slow_knowledge", "fast_knowledge"], step=PERIOD)
    middle = at20[(at20[share] - 0.4).abs() < 1e-9]
    return [
        claim("F2-fraction", paired(runs, k, {share: 0.1}, {share: 0.9}), "-"),
        claim("F2-mix", min(against_same, key=lambda e: e["diff"]), "+")
        | {"id": "F2-mix (smallest)"},
        claim("F2-fast", min(against_fast, key=lambda e: e["diff"]), "+")
        | {"id": "F2-fast (smallest)"},
        claim("F3-early", paired_effect(middle["slow_knowledge"], middle["fast_knowledge"]), "+"),
        claim("F3-asym", paired(at20, "fast_knowledge", {share: 0.1}, {share: 0.9}), "-"),
    ], summary


def tenure_runs(repetitions: int, out: Path) -> pd.DataFrame:
    """Members' knowledge at period 20 by tenure, p3 = 0 and 0.1, p1 = 0.1 and 0.9, p2 = 0.5.

    The sweeps store no members, so these runs are made here (one seed per repetition, the same
    in every arm) and kept in ``out/march1991_tenure_runs.csv``: "everyone" is the average
    individual knowledge, "veterans" the members there since period 1, "newcomers" the rest.
    """
    import pandas as pd

    from commsim.model.model import CommunityModel

    path = out / "march1991_tenure_runs.csv"
    if path.is_file():
        kept = pd.read_csv(path)
        if kept["repetition"].nunique() == repetitions:
            return kept
    rows = []
    for p1 in (SLOW, FAST):
        for p3 in (0.0, 0.1):
            for seed in range(repetitions):
                model = CommunityModel(
                    ROOT / "configs" / "march1991.toml",
                    seed=seed,
                    socialisation_rate=p1,
                    code_learning_rate=0.5,
                    turnover_rate=p3,
                    steps=PERIOD,
                    stop_at_equilibrium=False,
                    agent_sample_size=N,
                    agent_sample_every=PERIOD,
                )
                model.run()
                members = model.agent_frame().query(f"step == {PERIOD}")
                veteran = members["tenure"] == PERIOD
                rows.append(
                    {
                        "socialisation_rate": p1,
                        "turnover_rate": p3,
                        "repetition": seed,
                        "everyone": members["knowledge"].mean(),
                        "veterans": members.loc[veteran, "knowledge"].mean(),
                        "newcomers": members.loc[~veteran, "knowledge"].mean(),
                        "veteran_share": veteran.mean(),
                    }
                )
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False)
    return frame


def turnover(args: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Figure 4 beside the paper; claims F4-fast, F4-slow and F4-first (tenure controlled)."""
    name = "march1991_turnover"
    keys = ["turnover_rate", "socialisation_rate"]
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    table = keyed(commsim.summarise_sweep(out, "code_knowledge", step=PERIOD), keys)
    paper_points = keyed(
        read_published("march1991_fig4_digitised").rename(
            columns={"p3": keys[0], "p1": keys[1], "period20_code_knowledge": "published"}
        ),
        keys,
    )
    both = beside_program(
        compare(table.merge(paper_points, on=keys), keys, 0.005),
        args.repetitions or 1000,
        lambda row: Setting(0, row.socialisation_rate, row.turnover_rate, 0.0, PERIOD),
    )
    summary = [report(both, "Fig. 4", args.out, "march1991_fig4")]
    table["value"] = with_ci(table)
    wide = table.pivot(index=keys[0], columns=keys[1], values="value")
    print(
        f"\nFigure 4: code knowledge at period {PERIOD + 1}, rows p3, columns p1 (mean ± 95% CI):"
    )
    print(wide.rename_axis(index="p3", columns="p1").to_string())

    fig, (ax,) = figure(6.4, 4.6)
    for (p1, rows), marker in zip(table.groupby(keys[1]), "o^", strict=True):
        errorbar(ax, rows[keys[0]], rows, marker=".", label=f"commsim, p1 = {p1:g}")
        points = paper_points[paper_points[keys[1]] == p1]
        ax.plot(points[keys[0]], points["published"], "k", marker=marker, ls="none", mfc="none")
    ax.plot([], [], "ko", mfc="none", label="March 1991, Fig. 4 (p. 79): p1 = 0.1 ○, 0.9 △")
    ax.set(
        xlabel="turnover rate p3 (chance per period that a member is replaced)",
        ylabel="code knowledge at period 20 (after 19 steps)",
        title=f"March (1991) Figure 4 in commsim, beside the paper's points\n"
        f"p2 = 0.5, N = 50, m = 30, {int(table['n'].min())} runs per point (95% CI)",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, args.out, name)

    runs = last(out, ["code_knowledge"], step=PERIOD)
    p3, p1 = keys
    members = tenure_runs(args.repetitions or 1000, args.out)
    moving = members[members[p3] == 0.1].dropna(subset=["veterans"])
    decomposition = members.groupby([p1, p3])[["everyone", "veterans", "newcomers"]].mean()
    print("\nAverage individual knowledge at period 20 by tenure (mean over runs):")
    print(decomposition.round(3).to_string())
    first = [
        claim(
            "F4-first",
            paired_effect(
                moving.loc[moving[p1] == rate, "veterans"],
                moving.loc[moving[p1] == rate, "everyone"],
            ),
            "-",
        )
        | {"id": f"F4-first (p1 = {rate:g})"}
        for rate in (SLOW, FAST)
    ]
    return [
        claim(
            "F4-fast", paired(runs, "code_knowledge", {p1: 0.9, p3: 0.0}, {p1: 0.9, p3: 0.1}), "+"
        ),
        claim(
            "F4-slow",
            paired(runs, "code_knowledge", {p1: 0.1, p3: 0.0}, {p1: 0.1, p3: 0.1}),
            "not +",
        ),
        *first,
    ], summary


def flip_first(repetitions: int, out: Path) -> pd.DataFrame:
    """Figure 5 read the other way: the code after step s against reality after step s + 1.

    Our step flips reality first and measures after learning; were March's program to measure
    after a flip the code has not yet learned from, his period p would be this reading at step
    p - 1. The sweeps keep no code or reality, so these runs are made here (seeds 0 ...
    repetitions - 1) and kept in ``out/march1991_flip_first.csv``: mean per period and p3.
    """
    import numpy as np
    import pandas as pd

    from commsim.model.model import CommunityModel

    path = out / "march1991_flip_first.csv"
    if path.is_file():
        kept = pd.read_csv(path)
        if int(kept["n"].min()) == repetitions:
            return kept
    periods = 100
    frames = []
    for p3 in (0.0, 0.1):
        readings = np.empty((repetitions, periods))
        for seed in range(repetitions):
            model = CommunityModel(
                ROOT / "configs" / "march1991.toml",
                seed=seed,
                socialisation_rate=0.5,
                code_learning_rate=0.5,
                turbulence_rate=0.02,
                turnover_rate=p3,
                steps=periods,
                stop_at_equilibrium=False,
            )
            for step in range(periods):
                code = model.state.code.astype(float)
                model.step()
                readings[seed, step] = code @ model.environment.target / code.size
        frames.append(
            pd.DataFrame(
                {
                    "turnover_rate": p3,
                    "period": np.arange(1, periods + 1),
                    "n": repetitions,
                    "mean": readings.mean(axis=0),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame.to_csv(path, index=False)
    return frame


def turbulence(args: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Figure 5 beside the paper (period p = step p - 1); claims F5-decay and F5-sustain."""
    name = "march1991_turbulence"
    keys = ["turbulence_rate", "turnover_rate"]
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    frame = commsim.load_results(out, metrics="code_knowledge")
    frame["period"] = frame["step"] + 1
    course = mean_ci(frame, [*keys, "period"], "code_knowledge")
    paper_points = read_published("march1991_fig5_digitised").rename(
        columns={"p3": keys[1], "code_knowledge": "published"}
    )
    turbulent = course[course[keys[0]] == 0.02]
    points = turbulent.merge(paper_points, on=[keys[1], "period"])
    # read to ~0.01 right of period 60 (the scan's rotation), to ~0.005 before
    precision = points["period"].gt(60).map({True: 0.01, False: 0.005})
    both = beside_program(
        compare(points, [keys[1], "period"], precision),
        args.repetitions or 1000,
        lambda row: Setting(0, 0.5, row.turnover_rate, 0.02, row.period - 1),
    )
    summary = [report(both, "Fig. 5", args.out, "march1991_fig5")]
    course["value"] = with_ci(course)
    shown = course[course["period"].isin([2, 5, 10, 20, 40, 60, 80, 100])]
    print("\nFigure 5: code knowledge by period (columns; period p = step p - 1), mean ± 95% CI:")
    print(shown.pivot(index=keys, columns="period", values="value").to_string())

    fig, (ax,) = figure(7.0, 4.8)
    styles = {
        (0.02, 0.0): {"color": "C3", "lw": 2.0, "label": "p4 = 0.02, no turnover"},
        (0.02, 0.1): {"color": "C0", "lw": 2.0, "label": "p4 = 0.02, turnover p3 = 0.1"},
        (0.0, 0.0): {"color": "C3", "lw": 1.0, "ls": ":", "label": "stable world, no turnover"},
        (0.0, 0.1): {"color": "C0", "lw": 1.0, "ls": ":", "label": "stable world, p3 = 0.1"},
    }
    for key, style in styles.items():
        rows = course[(course[keys[0]] == key[0]) & (course[keys[1]] == key[1])]
        ax.plot(rows["period"], rows["mean"], **style)
        ax.fill_between(
            rows["period"],
            rows["ci_low"],
            rows["ci_high"],
            color=style["color"],
            alpha=0.15 if style["lw"] > 1 else 0.08,
            lw=0,
        )
    other = flip_first(args.repetitions or 1000, args.out)
    gap = other.merge(paper_points, on=[keys[1], "period"])
    print(
        "read after the next flip instead (flip_first): mean |difference| from the paper "
        f"{(gap['mean'] - gap['published']).abs().mean():.3f} (as we read it: "
        f"{both['difference'].abs().mean():.3f}), periods 2-12: "
        f"{(gap['mean'] - gap['published'])[gap['period'] <= 12].mean():+.3f} (as we read it: "
        f"{both['difference'][both['period'] <= 12].mean():+.3f})"
    )
    for rate, marker, colour in ((0.0, "o", "C3"), (0.1, "s", "C0")):
        points = paper_points[paper_points[keys[1]] == rate]
        ax.plot(points["period"], points["published"], marker, mfc="none", mec=colour, ms=5)
        rows = other[other[keys[1]] == rate]
        ax.plot(rows["period"], rows["mean"], color=colour, lw=0.8, ls="--")
        rows = both[both[keys[1]] == rate]
        ax.plot(rows["period"], rows["program"], "x", color=colour, ms=3.5, mew=0.8)
    ax.plot([], [], "k--", lw=0.8, label="read after the next flip (flip_first)")
    ax.plot([], [], "kx", ms=3.5, label="March's program (Workiewicz 2019), same settings")
    ax.plot([], [], "ko", mfc="none", label="March 1991, Fig. 5 (p. 80): p3 = 0 ○, 0.1 □")
    n = int(frame.groupby(keys)["run_id"].nunique().min())
    ax.set(
        xlabel="period (period 1: the start, before any learning)",
        ylabel="code knowledge",
        title=f"March (1991) Figure 5 in commsim: turbulence and turnover\n"
        f"p1 = p2 = 0.5, N = 50, m = 30, mean of {n} runs (band: 95% CI)",
        xlim=(0, int(course["period"].max())),
    )
    ax.axhline(0, color="0.6", lw=0.8)
    fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, args.out, name)
    program_readings(args.repetitions or 1000, paper_points, args.out)

    k = "code_knowledge"
    moving = frame[frame[keys[0]] == 0.02]
    at = {period: moving[moving["period"] == period] for period in (10, 100)}
    still = {period: rows[rows[keys[1]] == 0.0] for period, rows in at.items()}
    return [
        claim("F5-decay", paired_effect(still[10][k].to_numpy(), still[100][k].to_numpy()), "-"),
        claim("F5-sustain", paired(at[100], k, {keys[1]: 0.0}, {keys[1]: 0.1}), "+"),
    ], summary


READINGS = {
    "the program": {},
    "read after the next flip": {"flip_after": True},
    "the code flips coins too": {"code_acts": True},
    "both": {"flip_after": True, "code_acts": True},
}


def program_readings(runs: int, paper_points: pd.DataFrame, out: Path) -> pd.DataFrame:
    """March's program under Figure 5's settings, read as it stands and in the other readings
    its description leaves open: how far each lies from his points (mean |difference|, the
    early periods 2-12, period 2 and the peak). OUT/march1991_program_readings.csv."""
    import numpy as np
    import pandas as pd

    rows = []
    for i, (reading, switches) in enumerate(READINGS.items()):
        for p3, points in paper_points.groupby("turnover_rate"):
            course = simulate(np.full(N, 0.5), 0.5, p3, 0.02, 100, runs, 5991 + i, **switches)
            ours = course.code.mean(axis=1)[points["period"].to_numpy() - 1]
            gap = ours - points["published"].to_numpy()
            early = points["period"].to_numpy() <= 12
            rows.append(
                {
                    "reading": reading,
                    "turnover_rate": p3,
                    "runs": runs,
                    "mean_abs_difference": np.abs(gap).mean(),
                    "mean_difference_periods_2_12": gap[early].mean(),
                    "period_2": course.code[1].mean(),
                    "peak": ours[early].max(),
                    "march_peak": points["published"][early].max(),
                }
            )
    table = pd.DataFrame(rows)
    table.to_csv(out / "march1991_program_readings.csv", index=False)
    print("\nFigure 5 from March's program (_march_program.py), read several ways:")
    print(table.round(3).to_string(index=False))
    return table


Study = Callable[[Any], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
FIGURES: dict[str, Study] = {
    "1": learning_rates,
    "2-3": mixed_learners,
    "4": turnover,
    "5": turbulence,
}


def merged(path: Path, result: pd.DataFrame, key: str, partial: bool) -> pd.DataFrame:
    """``result``, with the rows of ``path`` it does not replace when only some figures ran."""
    import pandas as pd

    if path.is_file() and partial:
        kept = pd.read_csv(path)
        result = pd.concat([kept[~kept[key].isin(result[key])], result], ignore_index=True)
    result.to_csv(path, index=False)
    return result


POINT_TABLES = {  # figure: its point table's key columns, as the docs head them
    "fig1": {"socialisation_rate": "p1", "code_learning_rate": "p2"},
    "fig1_workiewicz": {"socialisation_rate": "p1", "code_learning_rate": "p2"},
    "fig2": {"population": "population", "average_p1": "average p1"},
    "fig3": {"metric": "series", "fast_learner_share": "fraction fast"},
    "fig4": {"turnover_rate": "p3", "socialisation_rate": "p1"},
    "fig5": {"turnover_rate": "p3", "period": "period"},
}


def point_tables(out: Path) -> Path:
    """Every figure's point table as Markdown (docs/VALIDATION.md section 1 is pasted from it):
    OUT/march1991_point_tables.md."""
    import pandas as pd

    def interval(mean: float, low: float, high: float) -> str:
        return f"{mean:.3f} ({low:.3f}, {high:.3f})"

    def key_cell(value: Any) -> str:
        return value if isinstance(value, str) else f"{value:g}"

    parts = []
    for name, keys in POINT_TABLES.items():
        path = out / f"march1991_{name}_vs_published.csv"
        if not path.is_file():
            continue
        both = pd.read_csv(path)
        program = "program" in both
        head = [*keys.values(), "March", "commsim (95% CI)", "difference", "in our CI"]
        head += ["March's program (95% CI)"] if program else []
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in both.itertuples(index=False):
            cells = [key_cell(getattr(row, key)) for key in keys]
            cells += [
                f"{row.published:.3f}",
                interval(row.mean, row.ci_low, row.ci_high),
                f"{row.difference:+.3f}",
                "yes" if row.in_ci else "**no**",
            ]
            if program:
                cells.append(interval(row.program, row.program_low, row.program_high))
            lines.append("| " + " | ".join(cells) + " |")
        gap = both["difference"].abs()
        total = [f"**all {len(both)} points**", *[""] * (len(keys) + 1)]
        total += [
            f"largest {gap.max():.3f}, mean {gap.mean():.3f}",
            f"{int(both['in_ci'].sum())} of {len(both)}",
        ]
        if program:
            agree = int(both["program_agrees"].sum())
            total.append(f"ours within both sampling errors of it at {agree} of {len(both)}")
        lines.append("| " + " | ".join(total) + " |")
        parts.append(f"### {name}\n\n" + "\n".join(lines))
    path = out / "march1991_point_tables.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    def figures(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--figure", nargs="+", choices=list(FIGURES), default=list(FIGURES), help="only these"
        )
        parser.add_argument(
            "--repetitions",
            dest="count",
            type=int,
            default=None,
            help="this many repetitions per point (the full sweep's first ones) instead of 1,000",
        )

    args = arguments("validation", __doc__, QUICK, argv, figures)
    if args.count is not None:
        args.repetitions = args.count
    import pandas as pd

    args.out.mkdir(parents=True, exist_ok=True)
    rows, summary = [], []
    for key in args.figure:
        claims, points = FIGURES[key](args)
        rows += claims
        summary += points
    partial = set(args.figure) != set(FIGURES)
    pd.set_option("display.width", 200)
    table = merged(
        args.out / "march1991_vs_published.csv", pd.DataFrame(summary), "figure", partial
    )
    print("\nAgainst the paper's digitised points, per figure:")
    print(table.round(3).to_string(index=False))
    claims = read_published("march1991_claims")
    result = pd.DataFrame(rows)
    result["claim_id"] = result["id"].str.split(" ").str[0]
    result = result.merge(
        claims[["id", "figure", "claim"]].rename(columns={"id": "claim_id"}), on="claim_id"
    ).drop(columns="claim_id")
    path = args.out / "march1991_claims.csv"
    result = merged(path, result, "id", partial)
    shown = result[["id", "n", "before", "after", "diff", "diff_low", "diff_high", "d", "verdict"]]
    print("\nMarch's claims, paired differences (after − before) with 95% CIs:")
    print(shown.round(3).to_string(index=False))
    print(f"wrote {path}")
    print(f"wrote {point_tables(args.out)}")


if __name__ == "__main__":
    main()
