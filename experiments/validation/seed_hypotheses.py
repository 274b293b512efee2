"""The seed documents' claims as hypotheses, tested with paired sweeps (docs/VALIDATION.md §5).

- H1 [LO]: higher psychological safety raises voiced insights and code knowledge.
- H2 [KS], [CQC]: punitive hierarchies suppress insights: more suppressed, fewer codified.
- H3 [SK], [KS]: integrating practice, research and capacity building beats walled silos.
- H4 [SK] (AutoCo), [CSL]: codified organisational memory carries learning through the loss
  of senior members.
- H8 [CSL] (T6), [LO]: where reports visibly change something, reporting holds up and the code
  knows more; where they vanish, reporting withers, and further when speaking up costs effort.

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

H8: seed_feedback.toml (configs/closing_the_loop.toml without its intervention), feedback on
reports (report_feedback 0 / 1) x the effort of a report (voice_cost 0 / 0.05). The reporting
rate is pooled over a window, sum(insights_spoken) / sum(voice_opportunities): the first
steps (1-20) against the end (151-200); states are averaged over the rows of steps 155-200.

    .venv/bin/python experiments/validation/seed_hypotheses.py [--quick] [--out DIR]
        [--workers N] [--only H1-H4 | H8]

Writes results/validation/seed_hypotheses.csv and seed_hypotheses.png, and for H8
seed_feedback.png (--quick: 10 repetitions, into results/validation/quick/; --only: one group
of hypotheses, its table as seed_hypotheses_<group>.csv). Full: 6,640 runs, about 20 minutes
on 2 cores; H8 alone, 240 runs, about 4 minutes on one.
"""

from __future__ import annotations

import argparse
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
# H8, recorded every 5 steps (a row's counts: the 5 steps to it): the first steps, the last
EARLY, LATE = range(1, 21), range(151, 201)
FEEDBACK = ["report_feedback", "voice_cost"]
REPORTS = ["insights_spoken", "voice_opportunities"]
H8_STATES = ["mean_willingness", "code_knowledge", "mean_knowledge", "knowledge_reuse"]
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


def feedback_runs(out: Path) -> pd.DataFrame:
    """H8's recorded rows, each with its window's pooled reporting rate at hand."""
    return commsim.load_results(out, metrics=[*REPORTS, *H8_STATES, "mean_performance"])


Arm = tuple[float, float]  # H8: (report_feedback, voice_cost)


def _row(name: str, outcome: str, effect: dict[str, float], expected: str) -> dict[str, Any]:
    return {"hypothesis": name, "outcome": outcome, **effect, "expected": expected}


def feedback_effects(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """H8's rows, and the reporting rate and willingness by arm and step for the figure.

    Arms are (report_feedback, voice_cost); each contrast is paired within a repetition.
    """
    keys = ["repetition", *FEEDBACK]

    def window(steps: range) -> pd.DataFrame:
        rows = frame[frame["step"].isin(steps)]
        sums = rows.groupby(keys)[REPORTS].sum()
        means = rows.groupby(keys)[[*H8_STATES, "mean_performance"]].mean()
        rate = sums["insights_spoken"] / sums["voice_opportunities"]
        return means.assign(reporting_rate=rate).reset_index()

    early, late = window(EARLY), window(LATE)

    def effect(base: pd.DataFrame, other: pd.DataFrame, outcome: str, a: Arm, b: Arm) -> dict:
        """``outcome`` in ``other`` at arm ``b`` − in ``base`` at arm ``a``, paired."""

        def values(table: pd.DataFrame, at: Arm) -> Any:
            wide = table.pivot_table(index="repetition", columns=FEEDBACK, values=outcome)
            return wide[at].to_numpy()

        return paired_effect(values(base, a), values(other, b))

    none, answered, costly = (0.0, 0.0), (1.0, 0.0), (0.0, 0.05)
    late_states = ("reporting_rate", "mean_willingness", "code_knowledge", "mean_knowledge")
    rows = [
        _row(
            "H8 feedback",
            f"{outcome} (steps 151-200), feedback − none, no cost",
            effect(late, late, outcome, none, answered),
            "+",
        )
        for outcome in (*late_states, "knowledge_reuse")
    ]
    for at, name, expected in (
        (none, "without feedback: withers", "-"),
        (answered, "with feedback: holds up", "not -"),
    ):
        rows.append(
            _row(
                f"H8 {name}",
                "reporting_rate, steps 151-200 − steps 1-20, no cost",
                effect(early, late, "reporting_rate", at, at),
                expected,
            )
        )
    rows += [
        _row(
            "H8 cost without feedback",
            f"{outcome} (steps 151-200), voice_cost 0.05 − 0, no feedback",
            effect(late, late, outcome, none, costly),
            "-",
        )
        for outcome in ("reporting_rate", "code_knowledge", "mean_performance")
    ]
    rows.append(
        _row(
            "H8 feedback offsets the cost",
            "reporting_rate (steps 151-200), feedback and voice_cost 0.05 − neither",
            effect(late, late, "reporting_rate", none, (1.0, 0.05)),
            "not -",
        )
    )
    sums = frame.groupby([*FEEDBACK, "step"])[REPORTS].sum()
    course = (sums["insights_spoken"] / sums["voice_opportunities"]).to_frame("reporting_rate")
    course["mean_willingness"] = frame.groupby([*FEEDBACK, "step"])["mean_willingness"].mean()
    return rows, course


def draw_feedback(course: pd.DataFrame, out: Path, n: int) -> None:
    """H8: the reporting rate (pooled over repetitions) and mean willingness over time."""
    fig, (left, right) = figure(12.0, 4.6, ncols=2)
    for (feedback, cost), color, ls in (
        ((1.0, 0.0), "C2", "-"),
        ((1.0, 0.05), "C2", "--"),
        ((0.0, 0.0), "C3", "-"),
        ((0.0, 0.05), "C3", "--"),
    ):
        series = course.loc[(feedback, cost)]
        series = series[series.index > 0]
        label = f"{'feedback' if feedback else 'no feedback'}, voice_cost {cost:g}"
        left.plot(series.index, series["reporting_rate"], color=color, ls=ls, label=label)
        right.plot(series.index, series["mean_willingness"], color=color, ls=ls, label=label)
    left.set(xlabel="step", ylabel="insights spoken / awaiting voice", title="reporting rate")
    right.set(xlabel="step", ylabel="mean willingness to report", title="willingness")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle(f"H8: closing the loop and the cost of speaking up, {n} repetitions")
    save(fig, out, "seed_feedback")


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


def only_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only",
        choices=["H1-H4", "H8"],
        default=None,
        help="run one group of hypotheses (default: all)",
    )


def climate_and_memory(args: argparse.Namespace) -> tuple[list[dict[str, Any]], Any]:
    """H1-H4's rows, and a function that draws their figure once the table is complete."""
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
    n = int(runs["repetition"].nunique())
    return [*rows, *memory_rows], lambda table: draw(table, levels, args.out, n)


def reporting(args: argparse.Namespace) -> list[dict[str, Any]]:
    """H8's rows; draws its figure."""
    name = "seed_feedback"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    frame = feedback_runs(out)
    rows, course = feedback_effects(frame)
    draw_feedback(course, args.out, int(frame["repetition"].nunique()))
    return rows


def main(argv: list[str] | None = None) -> None:
    args = arguments("validation", __doc__, QUICK, argv, extra=only_option)
    import pandas as pd

    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    drawing = None
    if args.only in (None, "H1-H4"):
        found, drawing = climate_and_memory(args)
        rows += found
    if args.only in (None, "H8"):
        rows += reporting(args)
    table = pd.DataFrame(rows)
    table["verdict"] = [verdict(row, row["expected"]) for _, row in table.iterrows()]
    claims = pd.read_csv(CLAIMS).set_index("id")["claim"]
    table["claim"] = table["hypothesis"].str[:2].map(claims)
    name = "seed_hypotheses" if args.only is None else f"seed_hypotheses_{args.only}"
    table.to_csv(args.out / f"{name}.csv", index=False)
    pd.set_option("display.width", 220)
    shown = ["hypothesis", "outcome", "before", "after", "diff", "diff_low", "diff_high", "d"]
    print("Seed hypotheses: contrast − baseline, 95% CIs (d: Cohen's d):")
    print(table[[*shown, "d_low", "d_high", "verdict"]].round(3).to_string(index=False))
    if drawing is not None:
        drawing(table)
    print(f"wrote {args.out / f'{name}.csv'}")


if __name__ == "__main__":
    main()
