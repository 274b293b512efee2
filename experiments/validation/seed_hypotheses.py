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

H10 [KS], [CQC]: fear stops experiments, not only voice; relying on a hero erodes the others'
capacity, and building capacity throughout the organisation reverses it.

H4: seed_memory.toml (AutoCo, a reorganisation at step 100 replaces 70% of the managers) and
seed_memory_no_reorganisation.toml (the same runs without it), with codification by research
(community) and code learning (code_learning_rate) each on or off. The outcome is members'
mean knowledge over steps 105-150: the share the reorganisation leaves (with / without it) and
the knowledge lost, with memory against without.

H10: seed_fear.toml (safety 0.2/0.8 x fear of experimenting 0/1 on the default organisation)
and seed_hero.toml / seed_hero_no_coaching.toml (hero_erosion.toml with hero_dependence 0/0.01,
with and without a third of the practitioners made coaches at step 150).

    .venv/bin/python experiments/validation/seed_hypotheses.py [--quick] [--out DIR]
        [--workers N] [--only H10]

Writes results/validation/seed_hypotheses.csv and seed_hypotheses.png, and H10's
seed_hypotheses_h10.csv and .png (--quick: 10 repetitions, into results/validation/quick/).
Full: 6,400 runs for H1-H4, about 15 minutes on 2 cores; H10 alone (--only H10): 280 runs,
about 5 minutes on one core.
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
FEAR = ["initial_safety", "exploration_fear"]  # H10's factors on the default organisation
HERO = ["mean_learning_rate", "mean_safety", "code_knowledge", "mean_knowledge"]
ERODED = range(100, 151, 10)  # H10: steps 100-150, eroded, before the coaches (step 150)
COACHED = range(250, 301, 10)  # H10: steps 250-300, long after them
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


def fear_effects(out: Path) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """H10's first half: what fear of experimenting adds to low safety.

    Per outcome: fear 1 − fear 0 at safety 0.2; and low safety's cost (safety 0.2 − 0.8)
    with fear, against its cost through voice alone (fear 0). Counts are run totals,
    knowledge the mean over steps 150-200. Returns the rows and the runs (for the figure).
    """
    outcomes = ["insights_generated", "insights_spoken", "insights_codified"]
    frame = commsim.load_results(out, metrics=[*outcomes, *KNOWLEDGE])
    keys = ["repetition", *FEAR]
    totals = frame.groupby(keys)[outcomes].sum()
    end = frame[frame["step"].isin(END)].groupby(keys)[KNOWLEDGE].mean()
    runs = totals.join(end).reset_index()
    rows = []
    for outcome in [*outcomes, *KNOWLEDGE]:
        cell = runs.pivot_table(index="repetition", columns=FEAR, values=outcome)
        low_voice, low_fear = cell[(0.2, 0.0)].to_numpy(), cell[(0.2, 1.0)].to_numpy()
        cost_voice = low_voice - cell[(0.8, 0.0)].to_numpy()
        cost_fear = low_fear - cell[(0.8, 1.0)].to_numpy()
        rows += [
            {
                "hypothesis": "H10 fear at safety 0.2",
                "outcome": f"{outcome}: fear 1 − fear 0",
                **paired_effect(low_voice, low_fear),
                "expected": "-",
            },
            {
                "hypothesis": "H10 low safety's cost",
                "outcome": f"{outcome}: (safety 0.2 − 0.8) with fear − without",
                **paired_effect(cost_voice, cost_fear),
                "expected": "-",
            },
        ]
    return rows, runs


def hero_effects(coached: Path, alone: Path) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """H10's second half: the hero's erosion (hero_dependence 0.01 − 0, steps 100-150,
    before any coach is added) and its reversal by coaches (added at step 150 − not, with
    the erosion, steps 250-300). Returns the rows and the mean course by arm, for the figure."""
    import pandas as pd

    parts = [
        commsim.load_results(out, metrics=HERO).assign(coaches=flag)
        for out, flag in ((coached, True), (alone, False))
    ]
    course = pd.concat(parts, ignore_index=True)
    keys = ["repetition", "hero_dependence", "coaches"]

    def window(steps: range) -> pd.DataFrame:
        return course[course["step"].isin(steps)].groupby(keys)[HERO].mean().reset_index()

    eroded, later = window(ERODED), window(COACHED)

    def arm(frame: pd.DataFrame, metric: str, dependence: float, coaches: bool) -> Any:
        wide = frame.pivot_table(index="repetition", columns=keys[1:], values=metric)
        return wide[(dependence, coaches)].to_numpy()

    rows = []
    for metric in HERO:
        rows.append(
            {
                "hypothesis": "H10 hero erosion",
                "outcome": f"{metric}, steps 100-150: dependence 0.01 − 0",
                **paired_effect(arm(eroded, metric, 0.0, False), arm(eroded, metric, 0.01, False)),
                "expected": "-",
            }
        )
    for metric in HERO:
        rows.append(
            {
                "hypothesis": "H10 coaches reverse it",
                "outcome": f"{metric}, steps 250-300: coaches at step 150 − none",
                **paired_effect(arm(later, metric, 0.01, False), arm(later, metric, 0.01, True)),
                "expected": "+",
            }
        )
    levels = course.groupby(["hero_dependence", "coaches", "step"])[HERO].mean()
    return rows, levels


def draw_h10(runs: pd.DataFrame, levels: pd.DataFrame, out: Path) -> None:
    """Left: insights generated by safety and fear; right: the hero runs' learning rate and
    members' knowledge over time."""
    fig, (left, right) = figure(12.0, 5.0, ncols=2)
    means = runs.groupby(FEAR)["insights_generated"].mean()
    for k, fear in enumerate((0.0, 1.0)):
        values = [means[(safety, fear)] for safety in (0.2, 0.8)]
        left.bar([k * 0.35 + x for x in (0, 1)], values, width=0.35, label=f"fear {fear:g}")
    left.set_xticks([0.175, 1.175], ["safety 0.2", "safety 0.8"])
    left.set(ylabel="insights generated per run", title="H10: fear of experimenting")
    left.legend(fontsize=8)
    styles = {(0.0, False): "0.5", (0.01, False): "C3", (0.01, True): "C2"}
    names = {(0.0, False): "no erosion", (0.01, False): "erosion", (0.01, True): "erosion, coaches"}
    for arm, color in styles.items():
        series = levels.loc[arm]
        right.plot(series.index, series["mean_learning_rate"], color=color, label=names[arm])
        right.plot(series.index, series["mean_knowledge"], color=color, ls=":")
    right.axvline(150, color="0.4", lw=0.8)
    right.plot([], [], "k:", label="(dotted: members' knowledge)")
    right.set(xlabel="step", ylabel="mean learning rate", title="H10: a hero erodes capacity")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    save(fig, out, "seed_hypotheses_h10")


def h10(args: Any) -> pd.DataFrame:
    """H10's sweeps, rows and figure."""
    import pandas as pd

    sweeps = {
        name: run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
        for name in ("seed_fear", "seed_hero", "seed_hero_no_coaching")
    }
    fear_rows, runs = fear_effects(sweeps["seed_fear"])
    hero_rows, levels = hero_effects(sweeps["seed_hero"], sweeps["seed_hero_no_coaching"])
    draw_h10(runs, levels, args.out)
    return pd.DataFrame([*fear_rows, *hero_rows])


def finish(table: pd.DataFrame, path: Path) -> None:
    """Verdicts and the seeds' claims added, the table written and shown."""
    import pandas as pd

    table["verdict"] = [verdict(row, row["expected"]) for _, row in table.iterrows()]
    claims = pd.read_csv(CLAIMS).set_index("id")["claim"]
    table["claim"] = table["hypothesis"].str.extract(r"^(H\d+)", expand=False).map(claims)
    table.to_csv(path, index=False)
    pd.set_option("display.width", 220)
    shown = ["hypothesis", "outcome", "before", "after", "diff", "diff_low", "diff_high", "d"]
    print("Seed hypotheses: contrast − baseline, 95% CIs (d: Cohen's d):")
    print(table[[*shown, "d_low", "d_high", "verdict"]].round(3).to_string(index=False))
    print(f"wrote {path}")


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


def main(argv: list[str] | None = None) -> None:
    def only(parser: Any) -> None:
        parser.add_argument("--only", choices=["H10"], help="run this hypothesis alone")

    args = arguments("validation", __doc__, QUICK, argv, extra=only)

    args.out.mkdir(parents=True, exist_ok=True)
    if args.only != "H10":
        climate_and_memory(args)
    finish(h10(args), args.out / "seed_hypotheses_h10.csv")


def climate_and_memory(args: Any) -> None:
    """H1-H4's sweeps, table and figure."""
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
    finish(table, args.out / "seed_hypotheses.csv")
    draw(table, levels, args.out, int(runs["repetition"].nunique()))


if __name__ == "__main__":
    main()
