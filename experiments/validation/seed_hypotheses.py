"""The seed documents' claims as hypotheses, tested with paired sweeps (docs/VALIDATION.md §5).

- H1 [LO]: higher psychological safety raises voiced insights and code knowledge.
- H2 [KS], [CQC]: punitive hierarchies suppress insights: more suppressed, fewer codified.
- H3 [SK], [KS]: integrating practice, research and capacity building beats walled silos.
- H4 [SK] (AutoCo), [CSL]: codified organisational memory carries learning through the loss
  of senior members.
- H7 [CSL] T5, [CQC]: after a change of the task's structure, double-loop learning (where
  members feel safe) recovers faster than single-loop learning, entrenchment slows recovery,
  and a value shock separates single- from double-loop learning less.

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

H7: seed_double_loop.toml (configs/double_loop.toml: an NK landscape, a structural shock at
step 60) and seed_double_loop_value.toml (the same runs with a value shock), double-loop
learning (double_loop_rate 0.2 / 0) by entrenchment (0.6 / 0), 50 repetitions. Outcomes per
run: members' mean knowledge over steps 60-89, the knowledge regained from step 60 to step 89,
and the steps until mean knowledge is back at its level over steps 50-59 (31 if not by 89).

    .venv/bin/python experiments/validation/seed_hypotheses.py [--quick] [--out DIR]
        [--workers N] [--only H1-H4 | --only H7]

Writes results/validation/seed_hypotheses.csv and seed_hypotheses.png, and
seed_hypotheses_h7.png (--quick: 10 repetitions, into results/validation/quick/; --only:
seed_hypotheses_<group>.csv). Full: 6,400 runs for H1-H4, about 15 minutes on 2 cores; 400
for H7, about 4-5 minutes on one core.
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
# H7: the shock at step 60, the plateau before it, the steps after it that are measured
SHOCK_AT, PLATEAU, WINDOW = 60, range(50, 60), 30
LOOPS = ["double_loop_rate", "entrenchment"]
SINGLE, DOUBLE = (0.0, 0.0), (0.2, 0.0)  # (double_loop_rate, entrenchment)
SINGLE_ENTRENCHED, DOUBLE_ENTRENCHED = (0.0, 0.6), (0.2, 0.6)
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


def recovery(knowledge: pd.Series) -> dict[str, float]:
    """One run's mean knowledge by step: the level after the shock (mean over the window from
    it), what it regained in the window (its last step's knowledge less the shock step's),
    and the steps until it is back at its level before the shock, the mean over the plateau
    (WINDOW + 1 if not within the window)."""
    import numpy as np

    plateau = float(knowledge.loc[list(PLATEAU)].mean())
    after = knowledge.loc[SHOCK_AT : SHOCK_AT + WINDOW - 1].to_numpy()
    back = np.flatnonzero(after >= plateau)
    return {
        "plateau": plateau,
        "level": float(after.mean()),
        "regained": float(after[-1] - after[0]),
        "recovery": float(back[0] + 1 if back.size else WINDOW + 1),
    }


def double_loop_runs(structural: Path, value: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """H7's runs: per repetition, arm and shock, ``recovery``'s numbers; and the course of
    mean knowledge by shock, arm and step, for the figure."""
    import pandas as pd

    parts = [
        commsim.load_results(out, metrics=["mean_knowledge"]).assign(shock=shock)
        for out, shock in ((structural, "structural"), (value, "value"))
    ]
    course = pd.concat(parts, ignore_index=True)
    keys = ["shock", "repetition", *LOOPS]
    runs = course.groupby(keys).apply(
        lambda run: pd.Series(recovery(run.set_index("step")["mean_knowledge"])),
        include_groups=False,
    )
    return runs.reset_index(), course.groupby(["shock", *LOOPS, "step"])["mean_knowledge"].mean()


#: H7's outcomes: what each is, and the direction in which recovery is better
RECOVERY = {
    "plateau": ("mean knowledge before the shock, steps 50-59", "+"),
    "level": ("mean knowledge after the shock, steps 60-89", "+"),
    "regained": ("knowledge regained, step 89 − step 60", "+"),
    "recovery": ("recovery time (steps; 31: not by step 89)", "-"),
}


def double_loop_effects(runs: pd.DataFrame) -> list[dict[str, Any]]:
    """H7's rows: paired contrasts between arms (same repetition, same seed), each outcome in
    the direction the claim expects."""
    wide = runs.pivot_table(index="repetition", columns=["shock", *LOOPS], values=list(RECOVERY))

    def arm(outcome: str, shock: str, loops: tuple[float, float]) -> Any:
        return wide[(outcome, shock, *loops)].to_numpy()

    def row(name: str, outcome: str, effect: dict[str, float], expected: str) -> dict[str, Any]:
        label = RECOVERY[outcome][0]
        return {"hypothesis": f"H7 {name}", "outcome": label, **effect, "expected": expected}

    def gain(outcome: str, shock: str, base: tuple, other: tuple) -> dict[str, float]:
        return paired_effect(arm(outcome, shock, base), arm(outcome, shock, other))

    worse = {"+": "-", "-": "+"}
    rows = [
        row("double − single loop", "plateau", gain("plateau", "structural", SINGLE, DOUBLE), "+")
    ]
    for outcome, (_, better) in RECOVERY.items():
        if outcome == "plateau":
            continue
        for shock in ("structural", "value"):
            effect = gain(outcome, shock, SINGLE, DOUBLE)
            rows.append(row(f"double − single loop, {shock} shock", outcome, effect, better))
        interaction = paired_effect(
            arm(outcome, "value", DOUBLE) - arm(outcome, "value", SINGLE),
            arm(outcome, "structural", DOUBLE) - arm(outcome, "structural", SINGLE),
        )
        rows.append(row("double-loop gain, structural − value shock", outcome, interaction, better))
        for base, entrenched, name in (
            (SINGLE, SINGLE_ENTRENCHED, "single loop"),
            (DOUBLE, DOUBLE_ENTRENCHED, "double loop"),
        ):
            effect = gain(outcome, "structural", base, entrenched)
            rows.append(
                row(
                    f"entrenchment 0.6 − 0, {name}, structural shock",
                    outcome,
                    effect,
                    worse[better],
                )
            )
    return rows


def draw_double_loop(levels: pd.Series, out: Path, n: int) -> None:
    """H7: mean knowledge over time by arm, the structural shock left, the value shock right."""
    fig, axes = figure(12.0, 4.6, ncols=2)
    arms = {
        SINGLE: ("single loop", "C0", "-"),
        DOUBLE: ("double loop", "C2", "-"),
        SINGLE_ENTRENCHED: ("single loop, entrenched", "C0", ":"),
        DOUBLE_ENTRENCHED: ("double loop, entrenched", "C2", ":"),
    }
    for ax, shock in zip(axes, ("structural", "value"), strict=True):
        for loops, (label, color, ls) in arms.items():
            series = levels.loc[(shock, *loops)]
            ax.plot(series.index, series.to_numpy(), color=color, ls=ls, label=label)
        ax.axvline(SHOCK_AT, color="0.4", lw=0.8)
        ax.set(
            xlabel="step",
            ylabel="members' mean knowledge (NK score)",
            title=f"{shock} shock at step {SHOCK_AT}",
        )
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"H7: single- and double-loop learning after a shock ({n} paired repetitions)")
    save(fig, out, "seed_hypotheses_h7")


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


def climate_and_memory(args: Any) -> list[dict[str, Any]]:
    """H1-H4's sweeps, rows and figure."""
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
    import pandas as pd

    draw(
        pd.DataFrame(rows).assign(verdict=[verdict(r, r["expected"]) for r in rows]),
        levels,
        args.out,
        int(runs["repetition"].nunique()),
    )
    return [*rows, *memory_rows]


def double_loop_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H7's sweeps, rows and figure."""
    outs = [
        run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
        for name in ("seed_double_loop", "seed_double_loop_value")
    ]
    runs, levels = double_loop_runs(*outs)
    draw_double_loop(levels, args.out, int(runs["repetition"].nunique()))
    return double_loop_effects(runs)


GROUPS = {"H1-H4": climate_and_memory, "H7": double_loop_hypothesis}


def _only(parser: Any) -> None:
    parser.add_argument(
        "--only", choices=list(GROUPS), default=None, help="one group of hypotheses (default: all)"
    )


def main(argv: list[str] | None = None) -> None:
    args = arguments("validation", __doc__, QUICK, argv, extra=_only)
    import pandas as pd

    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [args.only] if args.only else list(GROUPS)
    table = pd.DataFrame([row for group in chosen for row in GROUPS[group](args)])
    table["verdict"] = [verdict(row, row["expected"]) for _, row in table.iterrows()]
    claims = pd.read_csv(CLAIMS).set_index("id")["claim"]
    table["claim"] = table["hypothesis"].str[:2].map(claims)
    name = f"seed_hypotheses_{args.only}" if args.only else "seed_hypotheses"
    table.to_csv(args.out / f"{name}.csv", index=False)
    pd.set_option("display.width", 220)
    shown = ["hypothesis", "outcome", "before", "after", "diff", "diff_low", "diff_high", "d"]
    print("Seed hypotheses: contrast − baseline, 95% CIs (d: Cohen's d):")
    print(table[[*shown, "d_low", "d_high", "verdict"]].round(3).to_string(index=False))
    print(f"wrote {args.out / name}.csv")


if __name__ == "__main__":
    main()
