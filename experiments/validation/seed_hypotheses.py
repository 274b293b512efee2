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

- H5 [CSL] (T3, T4): blaming the individual creates a blame culture that suppresses learning,
  blaming only the system avoids accountability: the balance, distinguishing system failures
  from individual negligence, has the fewest failures.

H5: seed_just_culture.toml, blame_bias 0, 0.25, 0.5, 0.75, 1 (leaders who cannot see a
failure's cause blame the person with that chance; attribution accuracy 0.5) under three mixes
of causes (system_cause_share 0.3, 0.5, 0.7), 24 paired repetitions each. The outcome is the
true error rate over steps 51-150 (failures per member-step, reported or not); the claim holds
where an interior blame bias has fewer failures than both ends.

- H6 [CSL] (the twelve emergency departments; T1): the hospital's intervention (root-cause
  analysis, shared incident reports, cross-unit reviews) lowers the between-unit variance of
  outcomes and the adverse events; standardisation helps where local conditions are alike
  and hurts where they differ.

H6: seed_units_hospital.toml against seed_units_hospital_before.toml (configs/
hospital_network.toml with and without its step-150 intervention, common random numbers),
outcomes over steps 251-300; and seed_units_standardization.toml, standardization 0.2/0.5/0.8
x local_variation 0/0.15/0.3, outcomes over steps 151-200.

- H7 [CSL] T5, [CQC]: after a change of the task's structure, double-loop learning (where
  members feel safe) recovers faster than single-loop learning, entrenchment slows recovery,
  and a value shock separates single- from double-loop learning less.

H7: seed_double_loop.toml (configs/double_loop.toml: an NK landscape, a structural shock at
step 60) and seed_double_loop_value.toml (the same runs with a value shock), double-loop
learning (double_loop_rate 0.2 / 0) by entrenchment (0.6 / 0), 50 repetitions. Outcomes per
run: members' mean knowledge over steps 60-89, the knowledge regained from step 60 to step 89,
and the steps until mean knowledge is back at its level over steps 50-59 (31 if not by 89).

- H8 [CSL] (T6), [LO]: where reports visibly change something, reporting holds up and the code
  knows more; where they vanish, reporting withers, and further when speaking up costs effort.

H8: seed_feedback.toml (configs/closing_the_loop.toml without its intervention), feedback on
reports (report_feedback 0 / 1) x the effort of a report (voice_cost 0 / 0.05). The reporting
rate is pooled over a window, sum(insights_spoken) / sum(voice_opportunities): the first
steps (1-20) against the end (151-200); states are averaged over the rows of steps 155-200.

- H9 [FR], [CSL]: with no hierarchy between a learning and a performance goal the
  organisation oscillates, with learning first it advances; more rigour codifies fewer wrong
  insights, but later (T2).

H9: seed_tension.toml (configs/structural_tension.toml held at goal_hierarchy 0 or 1 and
verifications_required 1 or 3 for the whole run, 100 members). The tension contrast is taken
at one verification, the rigour contrast with learning first (where the organisation explores).

- H10 [KS], [CQC]: fear stops experiments, not only voice; relying on a hero erodes the others'
  capacity, and building capacity throughout the organisation reverses it.

H10: seed_fear.toml (safety 0.2/0.8 x fear of experimenting 0/1 on the default organisation)
and seed_hero.toml / seed_hero_no_coaching.toml (hero_erosion.toml with hero_dependence 0/0.01,
with and without a third of the practitioners made coaches at step 150).

    .venv/bin/python experiments/validation/seed_hypotheses.py [--quick] [--out DIR]
        [--workers N] [--only H1-H4|H5|H6|H7|H8|H9|H10]

Runs every group (default) or the one ``--only`` names; each group writes its own table into
results/validation/ (--quick: 10 repetitions, into results/validation/quick/):

    H1-H4  seed_hypotheses.csv, seed_hypotheses.png          6,400 runs, ~15 min on 2 cores
    H5     seed_hypotheses_h5.csv, seed_hypotheses_h5.png      360 runs, ~5 min on one core
    H6     seed_hypotheses_h6.csv, seed_units.png              345 runs, ~3 min on one core
    H7     seed_hypotheses_h7.csv, seed_hypotheses_h7.png      400 runs, ~4-5 min on one core
    H8     seed_hypotheses_h8.csv, seed_feedback.png           240 runs, ~4 min on one core
    H9     seed_hypotheses_h9.csv, seed_tension.png            320 runs, ~5 min on one core
    H10    seed_hypotheses_h10.csv, seed_hypotheses_h10.png    280 runs, ~5 min on one core

All of them: 8,345 runs, about half an hour on 2 cores.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import arguments, figure, paired_effect, run_sweep, save, verdict

import commsim

if TYPE_CHECKING:
    import pandas as pd

QUICK = 10
CLAIMS = Path(__file__).resolve().parent / "published" / "seed_claims.csv"  # with sources

# --- H1-H4: climate, hierarchy, integration and organisational memory -----------------------

FACTORS = ["initial_safety", "punitiveness", "authority_gradient", "integration"]
COUNTS = ["insights_generated", "insights_spoken", "insights_suppressed", "insights_codified"]
KNOWLEDGE = ["code_knowledge", "mean_knowledge"]
END = range(150, 201, 10)  # the recorded steps averaged as "the end of the run"
AFTER = range(105, 151, 5)  # H4: the 50 steps after the reorganisation at step 100
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


# --- H5: just culture, blame against accountability ------------------------------------------

# the design's factors, the counts summed, where the late window starts, the outcomes
JUST_CULTURE_FACTORS = ["blame_bias", "system_cause_share"]
JUST_CULTURE_COUNTS = ["incidents", "repeat_incidents", "incidents_reported"]
JUST_CULTURE_FROM = 50  # the rates are over steps 51-150
JUST_CULTURE_MEMBERS = 200
JUST_CULTURE_INTERIOR = (0.25, 0.5, 0.75)
JUST_CULTURE_OUTCOMES = [  # (outcome, label, expected sign of blame culture − leniency)
    ("error_rate", "true error rate", "not -"),
    ("repeat_rate", "repeat-incident rate", "+"),
    ("reporting_rate", "reporting rate", "-"),
]

# --- H6: units, the hospital's intervention and T1 -------------------------------------------

UNIT_LATE = range(255, 301, 5)  # the recorded rows of steps 251-300, 100 steps after step 150
T1_END = range(155, 201, 5)  # T1: the rows of steps 151-200
UNIT_FACTORS = ["standardization", "local_variation"]
UNIT_SWEEPS = ("seed_units_hospital", "seed_units_hospital_before", "seed_units_standardization")

# --- H7: double-loop learning and entrenchment after a shock ---------------------------------

# the shock at step 60, the plateau before it, the steps after it that are measured
SHOCK_AT, PLATEAU, WINDOW = 60, range(50, 60), 30
LOOPS = ["double_loop_rate", "entrenchment"]
SINGLE, DOUBLE = (0.0, 0.0), (0.2, 0.0)  # (double_loop_rate, entrenchment)
SINGLE_ENTRENCHED, DOUBLE_ENTRENCHED = (0.0, 0.6), (0.2, 0.6)
RECOVERY = {  # the outcomes: what each is, and the direction in which recovery is better
    "plateau": ("mean knowledge before the shock, steps 50-59", "+"),
    "level": ("mean knowledge after the shock, steps 60-89", "+"),
    "regained": ("knowledge regained, step 89 − step 60", "+"),
    "recovery": ("recovery time (steps; 31: not by step 89)", "-"),
}

# --- H8: feedback on reports and the cost of speaking up -------------------------------------

# recorded every 5 steps (a row's counts: the 5 steps to it): the first steps, the last
FEEDBACK_EARLY, FEEDBACK_LATE = range(1, 21), range(151, 201)
FEEDBACK = ["report_feedback", "voice_cost"]
REPORTS = ["insights_spoken", "voice_opportunities"]
H8_STATES = ["mean_willingness", "code_knowledge", "mean_knowledge", "knowledge_reuse"]
Arm = tuple[float, float]  # (report_feedback, voice_cost)

# --- H9: structural tension and rigour -------------------------------------------------------

TENSION_METRICS = [
    "code_knowledge",
    "exploration_effort",
    "effort_oscillation",
    "advancement",
    "insights_codified",
    "wrong_codifications",
    "codification_delay",
]
# (outcome, how a run is summarised: metric and steps (None: run total; "end": last row),
#  the contrast: the factor that changes, its two values, the other held, expected sign)
H9_CONTRASTS: list[tuple[str, str, Any, str, tuple[float, float], dict[str, float], str]] = [
    (
        "effort oscillation (steps 50-200)",
        "effort_oscillation",
        range(50, 201),
        "goal_hierarchy",
        (0.0, 1.0),
        {"verifications_required": 1},
        "-",
    ),
    (
        "advancement index (steps 20-200)",
        "advancement",
        range(20, 201),
        "goal_hierarchy",
        (0.0, 1.0),
        {"verifications_required": 1},
        "+",
    ),
    (
        "code knowledge (steps 100-200)",
        "code_knowledge",
        range(100, 201),
        "goal_hierarchy",
        (0.0, 1.0),
        {"verifications_required": 1},
        "+",
    ),
    (
        "effort on exploration (steps 50-200)",
        "exploration_effort",
        range(50, 201),
        "goal_hierarchy",
        (0.0, 1.0),
        {"verifications_required": 1},
        "+",
    ),
    (
        "wrong codifications (run total)",
        "wrong_codifications",
        None,
        "verifications_required",
        (1, 3),
        {"goal_hierarchy": 1.0},
        "-",
    ),
    (
        "insights codified (run total)",
        "insights_codified",
        None,
        "verifications_required",
        (1, 3),
        {"goal_hierarchy": 1.0},
        "-",
    ),
    (
        "codification delay (end of run)",
        "codification_delay",
        "end",
        "verifications_required",
        (1, 3),
        {"goal_hierarchy": 1.0},
        "+",
    ),
    (
        "code knowledge (steps 100-200)",
        "code_knowledge",
        range(100, 201),
        "verifications_required",
        (1, 3),
        {"goal_hierarchy": 1.0},
        "not -",
    ),
]

# --- H10: fear of experimenting and the hero's erosion ---------------------------------------

FEAR = ["initial_safety", "exploration_fear"]  # the factors on the default organisation
HERO = ["mean_learning_rate", "mean_safety", "code_knowledge", "mean_knowledge"]
ERODED = range(100, 151, 10)  # steps 100-150, eroded, before the coaches (step 150)
COACHED = range(250, 301, 10)  # steps 250-300, long after them


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


def draw(table: pd.DataFrame, levels: pd.DataFrame, out: Path, n: int) -> None:
    """Left: H1-H3's standardised effects (``table``, their rows) with 95% CIs; right: H4's
    knowledge over time."""
    fig, (left, right) = figure(13.0, 5.6, ncols=2)
    rows = table.iloc[::-1]
    labels = rows["hypothesis"] + ": " + rows["outcome"]
    y = range(len(rows))
    colors = {"holds": "C2", "does not hold": "C3"}
    for i, (_, row) in enumerate(rows.iterrows()):
        left.errorbar(
            row["d"],
            i,
            xerr=[[row["d"] - row["d_low"]], [row["d_high"] - row["d"]]],
            fmt="o",
            color=colors.get(verdict(row, row["expected"]), "0.5"),
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


def run_sweeps(args: Any, *names: str) -> dict[str, Path]:
    """Each experiment file of configs/experiments/validation/ named, swept into its own
    folder of the output (resumed where it stopped), by name, in order."""
    return {
        name: run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
        for name in names
    }


def climate_and_memory(args: Any) -> list[dict[str, Any]]:
    """H1-H4's sweeps, rows and figure."""
    import pandas as pd

    sweeps = run_sweeps(args, "seed_climate", "seed_memory", "seed_memory_no_reorganisation")
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
    draw(pd.DataFrame(rows), levels, args.out, int(runs["repetition"].nunique()))
    return [*rows, *memory_rows]


def just_culture_runs(out: Path) -> pd.DataFrame:
    """H5, one row per run: failures, repeats and reports over steps 51-150, as rates."""
    frame = commsim.load_results(out, metrics=JUST_CULTURE_COUNTS)
    keys = ["repetition", *JUST_CULTURE_FACTORS]
    late = frame[frame["step"] > JUST_CULTURE_FROM].groupby(keys)[JUST_CULTURE_COUNTS].sum()
    member_steps = JUST_CULTURE_MEMBERS * (frame["step"].max() - JUST_CULTURE_FROM)
    return late.assign(
        error_rate=late["incidents"] / member_steps,
        repeat_rate=late["repeat_incidents"] / late["incidents"],
        reporting_rate=late["incidents_reported"] / late["incidents"],
    ).reset_index()


def just_culture_effects(runs: pd.DataFrame) -> list[dict[str, Any]]:
    """H5's rows, by mix of causes: blame culture against leniency (error, repeat and
    reporting rates), and the best interior blame bias against each end."""
    rows = []
    for share, mix in runs.groupby("system_cause_share"):
        wide = mix.pivot_table(index="repetition", columns="blame_bias", values=None)

        def at(outcome: str, bias: float, wide: pd.DataFrame = wide) -> Any:
            return wide[(outcome, bias)].to_numpy()

        name = f"H5 system causes {share:g}"
        for outcome, label, sign in JUST_CULTURE_OUTCOMES:
            effect = paired_effect(at(outcome, 0.0), at(outcome, 1.0))
            rows.append(
                {"hypothesis": name, "outcome": f"{label}, blame bias 1 − 0", **effect}
                | {"expected": sign}
            )
        means = {b: at("error_rate", b).mean() for b in JUST_CULTURE_INTERIOR}
        best = min(means, key=means.__getitem__)
        for end in (0.0, 1.0):
            effect = paired_effect(at("error_rate", end), at("error_rate", best))
            rows.append(
                {
                    "hypothesis": name,
                    "outcome": f"true error rate, best interior bias {best:g} − bias {end:g}",
                    **effect,
                    "expected": "-",
                }
            )
    return rows


def draw_just_culture(runs: pd.DataFrame, out: Path) -> None:
    """H5: the true error rate and the repeat-incident rate along the blame bias."""
    fig, axes = figure(11.0, 4.2, ncols=2)
    for ax, (outcome, label, _) in zip(axes, JUST_CULTURE_OUTCOMES, strict=False):
        for i, (share, mix) in enumerate(runs.groupby("system_cause_share")):
            stats = mix.groupby("blame_bias")[outcome].agg(["mean", "sem"])
            ax.errorbar(
                stats.index,
                stats["mean"],
                yerr=1.96 * stats["sem"],
                color=f"C{i}",
                marker="o",
                capsize=3,
                label=f"system causes {share:g}",
            )
        ax.set(xlabel="blame bias (0: benefit of the doubt, 1: blame culture)", ylabel=label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    reps = runs["repetition"].nunique()
    fig.suptitle(f"H5: blame culture vs no accountability, {reps} paired repetitions a point")
    save(fig, out, "seed_hypotheses_h5")


def just_culture_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H5's sweep, figure and rows."""
    runs = just_culture_runs(run_sweeps(args, "seed_just_culture")["seed_just_culture"])
    draw_just_culture(runs, args.out)
    return just_culture_effects(runs)


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
    late = frame[frame["step"].isin(UNIT_LATE)].groupby(keys)[metrics].mean()
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


def units_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H6's three sweeps, rows and figure; prints the innovations' spread time."""
    sweeps = run_sweeps(args, *UNIT_SWEEPS)
    late, course = hospital_runs(*(sweeps[name] for name in UNIT_SWEEPS[:2]))
    cells = t1_cells(sweeps["seed_units_standardization"])
    for arm, runs in late.groupby("intervention"):
        steps, count = runs["innovation_spread_steps"].sum(), runs["innovations_spread"].sum()
        print(
            f"innovation spread time, steps 151-300, {'with' if arm else 'without'} the "
            f"intervention: {steps / count:.1f} steps (pooled over {count} innovations)"
        )
    draw_units(course, cells, args.out, int(late["repetition"].nunique()))
    return unit_effects(late, cells)


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


def double_loop_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H7's sweeps, rows and figure."""
    outs = run_sweeps(args, "seed_double_loop", "seed_double_loop_value")
    runs, levels = double_loop_runs(*outs.values())
    draw_double_loop(levels, args.out, int(runs["repetition"].nunique()))
    return double_loop_effects(runs)


def feedback_runs(out: Path) -> pd.DataFrame:
    """H8's recorded rows, each with its window's pooled reporting rate at hand."""
    return commsim.load_results(out, metrics=[*REPORTS, *H8_STATES, "mean_performance"])


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

    early, late = window(FEEDBACK_EARLY), window(FEEDBACK_LATE)

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


def feedback_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H8's sweep, rows and figure."""
    frame = feedback_runs(run_sweeps(args, "seed_feedback")["seed_feedback"])
    rows, course = feedback_effects(frame)
    draw_feedback(course, args.out, int(frame["repetition"].nunique()))
    return rows


def tension_effects(out: Path) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """H9's rows (paired over repetitions) and the mean course of the effort and the code's
    knowledge by goal hierarchy, for the figure."""
    frame = commsim.load_results(out, metrics=TENSION_METRICS)
    rows = []
    for outcome, metric, steps, factor, (base, other), held, sign in H9_CONTRASTS:
        part = frame[(frame[list(held)] == list(held.values())).all(axis=1)]
        if steps is None:
            per_run = part.groupby(["repetition", factor])[metric].sum()
        elif steps == "end":
            per_run = (
                part[part["step"] == part["step"].max()]
                .groupby(["repetition", factor])[metric]
                .mean()
            )
        else:
            per_run = part[part["step"].isin(steps)].groupby(["repetition", factor])[metric].mean()
        wide = per_run.unstack(factor)
        effect = paired_effect(wide[base].to_numpy(), wide[other].to_numpy())
        label = f"{factor} {other:g} vs {base:g}"
        rows.append(
            {"hypothesis": "H9", "outcome": f"{outcome}: {label}", **effect, "expected": sign}
        )
    course = (
        frame[frame["verifications_required"] == 1]
        .groupby(["goal_hierarchy", "step"])[["exploration_effort", "code_knowledge"]]
        .mean()
    )
    return rows, course


def draw_tension(course: pd.DataFrame, out: Path, n: int) -> None:
    """H9: the effort on exploration and the code's knowledge over time, by goal hierarchy."""
    fig, axes = figure(11.0, 4.2, ncols=2)
    for ax, metric, label in zip(
        axes,
        ("exploration_effort", "code_knowledge"),
        ("effort on exploration e", "code knowledge"),
        strict=True,
    ):
        for h, style in ((0.0, "C3"), (1.0, "C2")):
            series = course.loc[h, metric]
            name = "no hierarchy" if h == 0 else "learning first"
            ax.plot(series.index, series.to_numpy(), color=style, label=f"{name} ({h:g})")
        ax.set(xlabel="step", ylabel=label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"H9: structural tension, mean of {n} runs each (one verification)")
    save(fig, out, "seed_tension")


def tension_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H9's sweep, rows and figure."""
    rows, course = tension_effects(run_sweeps(args, "seed_tension")["seed_tension"])
    draw_tension(course, args.out, rows[0]["n"])
    return rows


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


def fear_hypothesis(args: Any) -> list[dict[str, Any]]:
    """H10's sweeps, rows and figure."""
    sweeps = run_sweeps(args, "seed_fear", "seed_hero", "seed_hero_no_coaching")
    fear_rows, runs = fear_effects(sweeps["seed_fear"])
    hero_rows, levels = hero_effects(sweeps["seed_hero"], sweeps["seed_hero_no_coaching"])
    draw_h10(runs, levels, args.out)
    return [*fear_rows, *hero_rows]


def report(rows: list[dict[str, Any]], out: Path, name: str) -> None:
    """The verdicts and each row's claim (its hypothesis's id, "H10" not read as "H1") added;
    the table written to ``out/<name>.csv`` and printed."""
    import pandas as pd

    table = pd.DataFrame(rows)
    table["verdict"] = [verdict(row, row["expected"]) for _, row in table.iterrows()]
    claims = pd.read_csv(CLAIMS).set_index("id")["claim"]
    table["claim"] = table["hypothesis"].str.extract(r"^(H\d+)", expand=False).map(claims)
    table.to_csv(out / f"{name}.csv", index=False)
    pd.set_option("display.width", 220)
    shown = ["hypothesis", "outcome", "n", "before", "after", "diff", "diff_low", "diff_high"]
    print(f"{name}: contrast − baseline, 95% CIs (d: Cohen's d):")
    print(table[[*shown, "d", "d_low", "d_high", "verdict"]].round(4).to_string(index=False))
    print(f"wrote {out / name}.csv")


#: each group of hypotheses: its sweeps, figure and rows (``--only`` picks one)
HYPOTHESES: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "H1-H4": climate_and_memory,
    "H5": just_culture_hypothesis,
    "H6": units_hypothesis,
    "H7": double_loop_hypothesis,
    "H8": feedback_hypothesis,
    "H9": tension_hypothesis,
    "H10": fear_hypothesis,
}


def table_name(group: str) -> str:
    """The CSV (without .csv) a group writes: seed_hypotheses for H1-H4, else _h5 ... _h10."""
    return "seed_hypotheses" if group == "H1-H4" else f"seed_hypotheses_{group.lower()}"


def main(argv: list[str] | None = None) -> None:
    def only(parser: Any) -> None:
        parser.add_argument(
            "--only",
            choices=list(HYPOTHESES),
            default=None,
            help="run one group of hypotheses (default: all of them)",
        )

    args = arguments("validation", __doc__, QUICK, argv, extra=only)
    args.out.mkdir(parents=True, exist_ok=True)
    for group in [args.only] if args.only else list(HYPOTHESES):
        report(HYPOTHESES[group](args), args.out, table_name(group))


if __name__ == "__main__":
    main()
