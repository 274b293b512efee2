"""The seed documents' claims as hypotheses, tested with paired sweeps (docs/VALIDATION.md §5).

- H1 [LO]: higher psychological safety raises voiced insights and code knowledge.
- H2 [KS], [CQC]: punitive hierarchies suppress insights: more suppressed, fewer codified.
- H3 [SK], [KS]: integrating practice, research and capacity building beats walled silos.
- H4 [SK] (AutoCo), [CSL]: codified organisational memory carries learning through the loss
  of senior members.

H1-H3: configs/experiments/validation/seed_climate.toml, a 2 x 2 x 2 x 2 factorial (safety
0.2/0.8, punitiveness 0.05/0.6, authority gradient 0/0.6, integration 0.1/0.9) on the default
organisation. Each contrast compares two levels within a repetition (common random numbers),
averaging over the other factors: the difference of means with its 95% t interval and
Cohen's d with a 95% bootstrap interval. Insight counts are run totals; knowledge is averaged
over steps 150-200.

H4: seed_memory.toml (AutoCo, a reorganisation at step 100 replaces 70% of the managers) and
seed_memory_no_reorganisation.toml (the same runs without it), with codification by research
(community) and code learning (code_learning_rate) each on or off. The outcome is members'
mean knowledge over steps 105-150: the share the reorganisation leaves (with / without it) and
the knowledge lost, with memory against without.

- H6 [CSL] (the twelve emergency departments; T1): the hospital's intervention (root-cause
  analysis, shared incident reports, cross-unit reviews) lowers the between-unit variance of
  outcomes and the adverse events; standardisation helps where local conditions are alike
  and hurts where they differ.

H6: seed_units_hospital.toml against seed_units_hospital_before.toml (configs/
hospital_network.toml with and without its step-150 intervention, common random numbers),
outcomes over steps 251-300; and seed_units_standardization.toml, standardization 0.2/0.5/0.8
x local_variation 0/0.15/0.3, outcomes over steps 151-200. Its own table and figure:
seed_units.csv, seed_units.png.

    .venv/bin/python experiments/validation/seed_hypotheses.py [--quick] [--out DIR]
        [--workers N] [--only H1-H4|H6]

Writes results/validation/seed_hypotheses.csv and seed_hypotheses.png (--quick: 10
repetitions, into results/validation/quick/). Full: 6,400 runs, about 15 minutes on 2 cores;
H6 alone (``--only H6 --workers 1``): 345 runs, about 3 minutes of one core's time.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import arguments, figure, paired_effect, run_sweep, save, verdict

import commsim

if TYPE_CHECKING:
    import pandas as pd

QUICK = 10
CLAIMS = Path(__file__).resolve().parent / "published" / "seed_claims.csv"  # with sources
FACTORS = ["initial_safety", "punitiveness", "authority_gradient", "integration"]
COUNTS = ["insights_generated", "insights_spoken", "insights_suppressed", "insights_codified"]
KNOWLEDGE = ["code_knowledge", "mean_knowledge"]
END = range(150, 201, 10)  # the recorded steps averaged as "the end of the run"
AFTER = range(105, 151, 5)  # H4: the 50 steps after the reorganisation at step 100
MEMORY = ["community", "code_learning_rate"]
ARMS = {  # H4's memory channels: (community, code_learning_rate)
    "full memory": (True, 0.1),
    "codification only": (True, 0.0),
    "code learning only": (False, 0.1),
    "no memory": (False, 0.0),
}
SAFE, FEARFUL = {"initial_safety": 0.8}, {"initial_safety": 0.2}
PUNITIVE_HIERARCHY = {"punitiveness": 0.6, "authority_gradient": 0.6}
SERVANT_FLAT = {"punitiveness": 0.05, "authority_gradient": 0.0}
# (hypothesis, outcome, baseline, contrast, expected sign of contrast − baseline)
CONTRASTS: list[tuple[str, str, dict[str, float], dict[str, float], str]] = [
    ("H1", "insights_spoken", FEARFUL, SAFE, "+"),
    ("H1", "code_knowledge", FEARFUL, SAFE, "+"),
    ("H1", "mean_knowledge", FEARFUL, SAFE, "+"),
    ("H2", "insights_suppressed", SERVANT_FLAT, PUNITIVE_HIERARCHY, "+"),
    ("H2", "insights_codified", SERVANT_FLAT, PUNITIVE_HIERARCHY, "-"),
    (
        "H2 punitiveness alone",
        "insights_suppressed",
        {"punitiveness": 0.05},
        {"punitiveness": 0.6},
        "+",
    ),
    (
        "H2 punitiveness alone",
        "insights_codified",
        {"punitiveness": 0.05},
        {"punitiveness": 0.6},
        "-",
    ),
    (
        "H2 gradient alone",
        "insights_suppressed",
        {"authority_gradient": 0.0},
        {"authority_gradient": 0.6},
        "+",
    ),
    (
        "H2 gradient alone",
        "insights_codified",
        {"authority_gradient": 0.0},
        {"authority_gradient": 0.6},
        "-",
    ),
    ("H3", "code_knowledge", {"integration": 0.1}, {"integration": 0.9}, "+"),
    ("H3", "mean_knowledge", {"integration": 0.1}, {"integration": 0.9}, "+"),
    ("H3", "insights_codified", {"integration": 0.1}, {"integration": 0.9}, "+"),
]


def climate_runs(out: Path) -> pd.DataFrame:
    """One row per run: insight totals and end-of-run knowledge."""
    frame = commsim.load_results(out, metrics=[*COUNTS, *KNOWLEDGE])
    keys = ["repetition", *FACTORS]
    totals = frame.groupby(keys)[COUNTS].sum()
    end = frame[frame["step"].isin(END)].groupby(keys)[KNOWLEDGE].mean()
    return totals.join(end).reset_index()


def contrast(runs: pd.DataFrame, outcome: str, base: dict, other: dict) -> dict[str, float]:
    """``paired_effect`` of ``outcome`` between two settings, each the design points that
    match it (the factors it leaves free averaged within a repetition)."""
    cells = runs.pivot_table(index="repetition", columns=FACTORS, values=outcome)

    def arm(where: dict[str, float]) -> Any:
        names = cells.columns.names
        keep = [
            all(dict(zip(names, c, strict=True))[k] == v for k, v in where.items())
            for c in cells.columns
        ]
        return cells.loc[:, keep].to_numpy()

    return paired_effect(arm(base), arm(other))


def memory_runs(shocked: Path, control: Path) -> pd.DataFrame:
    """Per repetition and memory arm: mean knowledge over steps 105-150, with and without
    the reorganisation, and the course of mean knowledge for the figure."""
    import pandas as pd

    parts = []
    for out, shock in ((shocked, True), (control, False)):
        frame = commsim.load_results(
            out, metrics=["mean_knowledge", "code_knowledge", "mean_safety"]
        )
        parts.append(frame.assign(reorganised=shock))
    return pd.concat(parts, ignore_index=True)


def retained_share(
    after: pd.DataFrame, arm: str, seed: int = 0, resamples: int = 2000
) -> dict[str, float]:
    """Members' mean knowledge with the reorganisation over without it (steps 105-150), in
    ``arm`` against no memory: the difference of the two shares with a 95% bootstrap interval
    over repetitions."""
    import numpy as np

    reps = after.pivot_table(
        index="repetition", columns=["arm", "reorganised"], values="mean_knowledge"
    )
    pick = np.random.default_rng(seed).integers(0, len(reps), size=(resamples, len(reps)))

    def share(name: str, rows: Any) -> Any:
        return reps[(name, True)].to_numpy()[rows].mean(-1) / reps[(name, False)].to_numpy()[
            rows
        ].mean(-1)

    whole = np.arange(len(reps))
    gap = share(arm, pick) - share("no memory", pick)
    diff = share(arm, whole) - share("no memory", whole)
    return {
        "n": len(reps),
        "before": share("no memory", whole),
        "after": share(arm, whole),
        "diff": diff,
        "diff_low": np.percentile(gap, 2.5),
        "diff_high": np.percentile(gap, 97.5),
    }


def memory_effects(course: pd.DataFrame) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """H4's rows, and the course of knowledge and safety by arm, reorganisation and step.

    With full memory: when the managers leave (step 100) the members lose the knowledge they
    held, the code much less; members win part of it back from the code (steps 105-150); and
    whether the code then keeps its knowledge, or the reorganisation's climate (the newcomers'
    punitiveness lowers safety and voice) wears it down. Against no memory: the share of
    members' knowledge the reorganisation leaves.
    """
    metrics = ["mean_knowledge", "code_knowledge", "mean_safety"]
    course = course.assign(
        arm=[
            next(a for a, v in ARMS.items() if v == (c, r))
            for c, r in zip(course["community"], course["code_learning_rate"], strict=True)
        ]
    )
    keys = ["repetition", "arm", "reorganised"]
    after = course[course["step"].isin(AFTER)].groupby(keys)[metrics].mean().reset_index()
    at100 = course[course["step"] == 100]

    def pair(frame: pd.DataFrame, metric: str, arm: str = "full memory") -> tuple[Any, Any]:
        wide = frame.pivot_table(index="repetition", columns=["arm", "reorganised"], values=metric)
        return wide[(arm, False)].to_numpy(), wide[(arm, True)].to_numpy()

    def row(outcome: str, effect: dict[str, float], expected: str) -> dict[str, Any]:
        return {"hypothesis": "H4 full memory", "outcome": outcome, **effect, "expected": expected}

    calm100, shock100 = pair(at100, "mean_knowledge")
    code_calm100, code_shock100 = pair(at100, "code_knowledge")
    calm, shock = pair(after, "mean_knowledge")
    rows = [
        row(
            "members' knowledge, reorganised − not (step 100)",
            paired_effect(calm100, shock100),
            "-",
        ),
        row(
            "the code keeps what leaves with the managers: code's change − members' (step 100)",
            paired_effect(shock100 - calm100, code_shock100 - code_calm100),
            "+",
        ),
        row(
            "members' knowledge won back: change over steps 105-150 − change at step 100",
            paired_effect(shock100 - calm100, shock - calm),
            "+",
        ),
        row(
            "code knowledge, reorganised − not (steps 105-150)",
            paired_effect(*pair(after, "code_knowledge")),
            "not -",
        ),
        row(
            "members' safety, reorganised − not (steps 105-150): the climate that comes with it",
            paired_effect(*pair(after, "mean_safety")),
            "-",
        ),
    ]
    for arm in ("full memory", "codification only"):
        rows.append(
            {
                "hypothesis": f"H4 {arm} vs no memory",
                "outcome": "share of members' knowledge kept (reorganised / not, steps 105-150)",
                **retained_share(after, arm),
                "expected": "+",
            }
        )
    levels = course.groupby(["arm", "reorganised", "step"])[metrics].mean()
    return rows, levels


# --- H6: units, the hospital's intervention and T1 ------------------------------------------

LATE = range(255, 301, 5)  # H6: the recorded rows of steps 251-300, 100 steps after step 150
T1_END = range(155, 201, 5)  # T1: the rows of steps 151-200
UNIT_FACTORS = ["standardization", "local_variation"]
UNIT_SWEEPS = ("seed_units_hospital", "seed_units_hospital_before", "seed_units_standardization")


def hospital_runs(after: Path, before: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per repetition and arm: between-unit variance and knowledge (mean of the rows) and
    adverse events per step over steps 251-300, and the innovations that spread to every unit
    after step 150 (how many, and the steps they took); and the course for the figure."""
    import pandas as pd

    metrics = ["unit_outcome_variance", "adverse_events", "local_knowledge"]
    spread = ["innovations_spread", "innovation_spread_steps"]
    frame = pd.concat(
        [
            commsim.load_results(out, metrics=[*metrics, *spread]).assign(intervention=arm)
            for out, arm in ((after, True), (before, False))
        ],
        ignore_index=True,
    )
    frame["adverse_events"] = frame["adverse_events"] / 5  # rows every 5 steps: per step
    keys = ["repetition", "intervention"]
    late = frame[frame["step"].isin(LATE)].groupby(keys)[metrics].mean()
    spreads = frame[frame["step"] > 150].groupby(keys)[spread].sum()
    course = frame.groupby(["intervention", "step"])[metrics].mean()
    return late.join(spreads).reset_index(), course


def t1_cells(out: Path) -> pd.DataFrame:
    """Per repetition and design point: knowledge of the local reality (mean of the rows) and
    adverse events per step over steps 151-200."""
    metrics = ["local_knowledge", "adverse_events"]
    frame = commsim.load_results(out, metrics=metrics)
    frame["adverse_events"] = frame["adverse_events"] / 5
    ends = frame[frame["step"].isin(T1_END)]
    return ends.groupby(["repetition", *UNIT_FACTORS])[metrics].mean().reset_index()


def unit_effects(late: pd.DataFrame, cells: pd.DataFrame) -> list[dict[str, Any]]:
    """H6's rows: the intervention's effects; standardisation's at each local variation, and
    the difference between them (T1's interaction)."""

    def arms(frame: pd.DataFrame, column: str, value: str) -> Any:
        return frame.pivot_table(index="repetition", columns=column, values=value)

    rows = []
    for outcome, sign, window in (
        ("unit_outcome_variance", "-", "steps 251-300"),
        ("adverse_events", "-", "per step, steps 251-300"),
        ("innovations_spread", "+", "steps 151-300"),
    ):
        wide = arms(late, "intervention", outcome)
        rows.append(
            {
                "hypothesis": "H6 the hospital's intervention",
                "outcome": f"{outcome} ({window})",
                **paired_effect(wide[False].to_numpy(), wide[True].to_numpy()),
                "expected": sign,
            }
        )
    wide_k = cells.pivot_table(index="repetition", columns=UNIT_FACTORS, values="local_knowledge")
    wide_a = cells.pivot_table(index="repetition", columns=UNIT_FACTORS, values="adverse_events")
    for outcome, wide, signs in (
        ("local_knowledge", wide_k, ("+", "-")),
        ("adverse_events", wide_a, ("-", "+")),
    ):
        for start in (0.2, 0.5):
            gains = {}
            for variation, sign in zip((0.0, 0.3), signs, strict=True):
                low = wide[(start, variation)].to_numpy()
                high = wide[(0.8, variation)].to_numpy()
                gains[variation] = high - low
                rows.append(
                    {
                        "hypothesis": f"H6 T1 standardisation, local variation {variation:g}",
                        "outcome": f"{outcome}, standardization 0.8 − {start:g} (steps 151-200)",
                        **paired_effect(low, high),
                        "expected": sign,
                    }
                )
            rows.append(
                {
                    "hypothesis": "H6 T1 interaction",
                    "outcome": f"{outcome}: the effect of standardization 0.8 − {start:g} at "
                    "variation 0.3 − at 0",
                    **paired_effect(gains[0.0], gains[0.3]),
                    "expected": signs[1],
                }
            )
    return rows


def draw_units(course: pd.DataFrame, cells: pd.DataFrame, out: Path, n: int) -> None:
    """Left: the hospital's adverse events and between-unit variance over time, with and
    without the intervention; right: T1, local knowledge by standardisation and variation."""
    fig, (left, right) = figure(12.0, 4.8, ncols=2)
    twin = left.twinx()
    for arm, ls in ((True, "-"), (False, ":")):
        rows = course.loc[arm]
        label = "with the intervention" if arm else "without"
        left.plot(rows.index, rows["adverse_events"], color="C3", ls=ls, label=label)
        twin.plot(rows.index, rows["unit_outcome_variance"], color="C0", ls=ls)
    left.axvline(150, color="0.4", lw=0.8)
    left.set(
        xlabel="step",
        ylabel="adverse events per step (red)",
        title=f"H6: twelve departments, intervention at step 150 ({n} repetitions)",
    )
    twin.set_ylabel("between-unit variance of knowledge (blue)")
    left.legend(fontsize=8, loc="upper right")
    means = cells.groupby(UNIT_FACTORS)["local_knowledge"].agg(["mean", "sem"])
    for variation, color in ((0.0, "C2"), (0.15, "C0"), (0.3, "C1")):
        rows = means.xs(variation, level="local_variation")
        right.errorbar(
            rows.index,
            rows["mean"],
            yerr=1.96 * rows["sem"],
            color=color,
            marker="o",
            capsize=3,
            label=f"local variation {variation:g}",
        )
    right.set(
        xlabel="standardization",
        ylabel="knowledge of the local reality (steps 151-200)",
        title="T1: standardisation against local variation (95% CIs)",
    )
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    save(fig, out, "seed_units")


def units_hypothesis(args: Any) -> None:
    """H6: run its three sweeps, print and write its table, draw its figure."""
    import pandas as pd

    sweeps = {
        name: run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
        for name in UNIT_SWEEPS
    }
    late, course = hospital_runs(*(sweeps[name] for name in UNIT_SWEEPS[:2]))
    cells = t1_cells(sweeps["seed_units_standardization"])
    table = pd.DataFrame(unit_effects(late, cells))
    table["verdict"] = [verdict(row, row["expected"]) for _, row in table.iterrows()]
    table["claim"] = pd.read_csv(CLAIMS).set_index("id")["claim"]["H6"]
    table.to_csv(args.out / "seed_units.csv", index=False)
    shown = ["hypothesis", "outcome", "n", "before", "after", "diff", "diff_low", "diff_high"]
    print("H6: contrast − baseline, 95% CIs (d: Cohen's d):")
    print(table[[*shown, "d", "d_low", "d_high", "verdict"]].round(4).to_string(index=False))
    for arm, runs in late.groupby("intervention"):
        steps, count = runs["innovation_spread_steps"].sum(), runs["innovations_spread"].sum()
        print(
            f"innovation spread time, steps 151-300, {'with' if arm else 'without'} the "
            f"intervention: {steps / count:.1f} steps (pooled over {count} innovations)"
        )
    draw_units(course, cells, args.out, int(late["repetition"].nunique()))
    print(f"wrote {args.out / 'seed_units.csv'}")


def draw(table: pd.DataFrame, levels: pd.DataFrame, out: Path, n: int) -> None:
    """Left: standardised effects (H1-H3) with 95% CIs; right: H4's knowledge over time."""
    fig, (left, right) = figure(13.0, 5.6, ncols=2)
    rows = table[table["hypothesis"].str.match(r"H[123]")].iloc[::-1]
    labels = rows["hypothesis"] + ": " + rows["outcome"]
    y = range(len(rows))
    colors = rows["verdict"].map({"holds": "C2", "does not hold": "C3"}).fillna("0.5")
    for i, (_, row) in enumerate(rows.iterrows()):
        left.errorbar(
            row["d"],
            i,
            xerr=[[row["d"] - row["d_low"]], [row["d_high"] - row["d"]]],
            fmt="o",
            color=colors.iloc[i],
            capsize=3,
        )
    left.axvline(0, color="0.4", lw=0.8)
    left.set_xscale("symlog", linthresh=1.0)  # counts have huge d, knowledge modest ones
    left.set_yticks(list(y), list(labels), fontsize=8)
    left.set(
        xlabel="Cohen's d (contrast − baseline), 95% CI",
        title=f"H1-H3: standardised effects, {n} paired repetitions\n"
        "green: as the seeds claim; red: the opposite; grey: undecided",
    )
    for arm, style in zip(ARMS, ("C2", "C0", "C1", "C3"), strict=True):
        for shock, ls in ((True, "-"), (False, ":")):
            series = levels.loc[(arm, shock), "mean_knowledge"]
            right.plot(
                series.index,
                series.to_numpy(),
                color=style,
                ls=ls,
                label=f"{arm}{', reorganised' if shock else ''}" if shock else None,
            )
    for shock, ls in ((True, "--"), (False, (0, (1, 3)))):
        code = levels.loc[("full memory", shock), "code_knowledge"]
        right.plot(code.index, code.to_numpy(), color="0.2", lw=0.9, ls=ls)
    right.plot([], [], color="0.2", lw=0.9, ls="--", label="the code, full memory")
    right.axvline(100, color="0.4", lw=0.8)
    right.plot([], [], "k:", label="(dotted: no reorganisation)")
    right.set(
        xlabel="step",
        ylabel="knowledge (members' mean; the code's)",
        title="H4: AutoCo, 70% of managers replaced at step 100",
    )
    right.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 0.12))
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle("The seed documents' claims in commsim")
    save(fig, out, "seed_hypotheses")


def only(parser: Any) -> None:
    parser.add_argument(
        "--only",
        choices=["H1-H4", "H6"],
        default=None,
        help="one group of hypotheses (default: all of them)",
    )


def main(argv: list[str] | None = None) -> None:
    args = arguments("validation", __doc__, QUICK, argv, extra=only)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "H1-H4"):
        climate_and_memory(args)
    if args.only in (None, "H6"):
        units_hypothesis(args)


def climate_and_memory(args: Any) -> None:
    """H1-H4: run their sweeps, print and write their table, draw their figure."""
    import pandas as pd

    sweeps = {
        name: run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
        for name in ("seed_climate", "seed_memory", "seed_memory_no_reorganisation")
    }
    runs = climate_runs(sweeps["seed_climate"])
    rows = [
        {
            "hypothesis": h,
            "outcome": outcome,
            **contrast(runs, outcome, base, other),
            "expected": sign,
        }
        for h, outcome, base, other, sign in CONTRASTS
    ]
    course = memory_runs(sweeps["seed_memory"], sweeps["seed_memory_no_reorganisation"])
    memory_rows, levels = memory_effects(course)
    table = pd.DataFrame([*rows, *memory_rows])
    table["verdict"] = [verdict(row, row["expected"]) for _, row in table.iterrows()]
    claims = pd.read_csv(CLAIMS).set_index("id")["claim"]
    table["claim"] = table["hypothesis"].str[:2].map(claims)
    table.to_csv(args.out / "seed_hypotheses.csv", index=False)
    pd.set_option("display.width", 220)
    shown = ["hypothesis", "outcome", "before", "after", "diff", "diff_low", "diff_high", "d"]
    print("Seed hypotheses: contrast − baseline, 95% CIs (d: Cohen's d):")
    print(table[[*shown, "d_low", "d_high", "verdict"]].round(3).to_string(index=False))
    draw(table, levels, args.out, int(runs["repetition"].nunique()))
    print(f"wrote {args.out / 'seed_hypotheses.csv'}")


if __name__ == "__main__":
    main()
