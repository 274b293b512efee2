"""The fast model agrees in distribution with the slow per-agent reference (its oracle).

For each scenario both models run over a fixed set of seeds (different seeds for each model,
so the samples are independent) and each summary metric's mean must agree: the difference
of the means within ``Z`` standard errors of that difference plus a small absolute floor.
Power tests show that the same check rejects a fast model whose rules differ a little, and a
reference that keeps one superseded rule.

The validation studies' presets (Lazer & Friedman, Fang et al., Miller et al.) are checked the
same way on their knowledge curve, but paired: both models run the same seeds, so they share
the NK landscape (each draws it first from the seed) and a deterministic network, and the
check uses the standard error of the paired differences -- the landscape, which moves a run's
whole curve, drops out, and a rule that differs shows within a few rounds. Lazer &
Friedman's revert to the status quo hardly moves the curves; a rule it implies (no member's
score ever drops) checks it in both models.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import pytest

from commsim.config import ConfigError
from commsim.model.just_culture import PHASE as INCIDENTS
from commsim.model.model import CommunityModel
from commsim.model.reference import ReferenceModel
from tests.orgs import TITLES, clustered_collaboration, uneven_chart

OWN = uneven_chart()

Z = 4.0  # standard errors of the difference of means allowed
SEEDS = 30
REFERENCE_SEED_OFFSET = 10_000  # the reference never shares a seed with the fast model

MARCH = {
    "community": False,
    "voice": False,
    "exploration_rate": 0.0,
    "neighbour_learning_rate": 0.0,
    "n_agents": 50,
    "m": 30,
    "code_learning_rate": 0.9,
    "turnover_rate": 0.0,
    "turbulence_rate": 0.0,
}
INTERVENTIONS = (
    {"step": 5, "action": "raise_safety", "amount": 0.3, "level": 0},
    {"step": 10, "action": "set_punitiveness", "value": 0.8},
    {"step": 15, "action": "flatten_hierarchy"},
    {"step": 20, "action": "add_capacity_builders", "share": 0.2},
    {"step": 25, "action": "set_integration", "value": 0.3},
    {"step": 30, "action": "reorganisation_shock", "share": 0.5},
    {"step": 35, "action": "reality_shock", "share": 0.3},
)

# name -> (overrides, steps)
SCENARIOS: dict[str, tuple[dict[str, Any], int]] = {
    "march_p1_low": (MARCH | {"socialisation_rate": 0.1}, 40),
    "march_p1_high": (MARCH | {"socialisation_rate": 0.9}, 20),
    # March's mixed population: 20 fast learners (p1 = 0.9) among 50, the rest slow
    "march_mixed": (MARCH | {"socialisation_rate": 0.1, "fast_learner_share": 0.4}, 30),
    "default": ({"n_agents": 100}, 40),
    "punitive": ({"n_agents": 100, "punitiveness": 0.9}, 40),
    "walled": ({"n_agents": 100, "integration": 0.0}, 40),
    "churn": ({"n_agents": 100, "turnover_rate": 0.05, "turbulence_rate": 0.05}, 40),
    "mixed_churn": (  # fast positions in a community; newcomers take their position's rate
        {
            "n_agents": 100,
            "fast_learner_share": 0.3,
            "fast_socialisation_rate": 0.5,
            "turnover_rate": 0.05,
        },
        30,
    ),
    "hero": ({"n_agents": 100, "leadership": "hero"}, 30),
    "voice_no_community": ({"n_agents": 100, "community": False}, 30),
    "no_voice": ({"n_agents": 100, "voice": False}, 30),  # insights go straight to research
    "queue": (  # few researchers: verification queues back up and insights expire
        {
            "n_agents": 100,
            "practitioner_share": 0.85,
            "researcher_share": 0.05,
            "capacity_builder_share": 0.1,
            "verification_capacity": 1,
            "insight_ttl": 8,
            "integration": 0.5,
            "exploration_rate": 0.3,
        },
        30,
    ),
    "variants": (
        {
            "n_agents": 80,
            "socialisation_mode": "jump",
            "superior_basis": "knowledge",
            "span_of_control": 3,
            "team_ties": False,
            "informal_ties": 4.0,
            "verification_capacity": 1,
            "insight_ttl": 2,
            "exploration_rate": 0.3,
        },
        30,
    ),
    "interventions": ({"n_agents": 100, "interventions": INTERVENTIONS}, 40),
    # Miller, Zhao & Calantone's tacit dimensions: a third the code never learns, which only
    # peers pass on; in March's model, and in a community (codification skips them too)
    "march_tacit": (
        MARCH | {"socialisation_rate": 0.5, "neighbour_learning_rate": 0.3, "tacit_share": 0.3},
        30,
    ),
    "tacit_community": ({"n_agents": 100, "tacit_share": 0.3}, 30),
    # structural tension (docs/MODEL.md 7.23): the goals divide the effort between exploring
    # and socialising, learning half first; codifications need two confirmations (T2)
    "tension": (
        {
            "n_agents": 100,
            "tension_gain": 0.2,
            "goal_hierarchy": 0.5,
            "verifications_required": 2,
            "interventions": ({"step": 20, "action": "set_rigour", "verifications": 3},),
        },
        40,
    ),
    # entrenchment and double-loop learning (docs/MODEL.md 7.21), a structural shock midway
    "double_loop": (
        {
            "n_agents": 100,
            "entrenchment": 0.5,
            "code_entrenchment": 0.8,
            "entrenchment_horizon": 10,
            "double_loop_rate": 0.3,
            "interventions": ({"step": 15, "action": "structural_shock", "share": 0.3},),
        },
        30,
    ),
    # an organisation of one's own (docs/MODEL.md 7.18): an uneven chart with matrix teams,
    # job titles, traits and tenure from the file, and a weighted collaboration network
    "own_organisation": (
        {
            "org_chart": OWN,
            "org_chart_roles": TITLES,
            "collaboration": clustered_collaboration(OWN),
            "neighbour_learning_rate": 0.3,
        },
        30,
    ),
    # just culture (docs/MODEL.md 7.19): failures reported, attributed, blamed or fixed, with
    # moral hazard, contagion and newcomers (turnover), and both of its levers at step 15
    "just_culture": (
        {
            "n_agents": 100,
            "incident_rate": 0.1,
            "system_cause_share": 0.4,
            "attribution_accuracy": 0.5,
            "moral_hazard": 0.3,
            "blame_contagion": 0.1,
            "flaw_emergence": 0.05,
            "turnover_rate": 0.02,
            "interventions": (
                {"step": 15, "action": "set_accountability", "value": 0.8},
                {"step": 15, "action": "train_just_culture", "amount": 0.2},
            ),
        },
        30,
    ),
    # fear stops experiments (docs/MODEL.md 7.24): a fearful climate, frequent exploration
    "fear": (
        {
            "n_agents": 100,
            "exploration_fear": 0.9,
            "exploration_rate": 0.3,
            "initial_safety": 0.3,
            "punitiveness": 0.6,
        },
        30,
    ),
    # heroes erode capacity (7.24): every decision of the hero lowers the others' learning
    # rate and safety; capacity builders coach them back up
    "hero_erosion": (
        {
            "n_agents": 100,
            "leadership": "hero",
            "hero_dependence": 0.02,
            "hero_learning_floor": 0.3,
        },
        30,
    ),
    # the cost of speaking up (docs/MODEL.md 7.22): reports cost effort, answered ones raise
    # willingness, vanished ones lower it; the loop closed at 15, reporting made easy at 20
    "closing_the_loop": (
        {
            "n_agents": 60,
            "voice_cost": 0.1,
            "willingness_gain": 0.3,
            "willingness_loss": 0.3,
            "report_feedback": 0.3,
            "feedback_window": 2,
            "exploration_rate": 0.4,
            "verification_capacity": 1,
            "turnover_rate": 0.02,
            "interventions": (
                {"step": 15, "action": "close_the_loop", "feedback": 1.0},
                {"step": 20, "action": "ease_reporting", "cost": 0.02},
            ),
        },
        30,
    ),
    # units with local conditions (docs/MODEL.md 7.20): four units, a fifth of each unit's
    # reality its own, root-cause analysis shared with the others, cross-unit reviews
    "units": (
        {
            "n_agents": 48,
            "units": 4,
            "local_variation": 0.3,
            "standardization": 0.5,
            "root_cause_analysis": 0.5,
            "incident_sharing": 0.5,
            "cross_unit_reviews": 0.1,
        },
        25,
    ),
}

END_OF_RUN = ("code_knowledge", "mean_knowledge", "knowledge_sd", "mean_safety")
CUMULATIVE = (
    "insights_generated",
    "insights_voiced",
    "insights_punished",
    "insights_suppressed",
    "insights_walled",
    "insights_verified",
    "insights_codified",
    "code_changes",
    "mentorings",
)


def _each(how: str, *names: str) -> tuple[tuple[str, str], ...]:
    return tuple((how, name) for name in names)


#: the columns of the mechanisms that are off by default (7.19-7.24), summarised where a run
#: records them: "cum" a run's total, "avg" its mean over the run, "end" its last value
MECHANISM_SUMMARIES = (
    *_each("cum", *INCIDENTS.counters),  # just culture (7.19)
    ("avg", "open_flaw_share"),
    ("end", "mean_carelessness"),
    # units (7.20)
    *_each("avg", "local_knowledge", "unit_outcome_variance", "practice_knowledge"),
    ("end", "local_knowledge"),
    *_each(
        "cum",
        "adverse_events",
        "incident_analyses",
        "practice_changes",
        "cross_unit_learnings",
        "innovations_spread",
    ),
    # double-loop learning and entrenchment (7.21)
    *_each("cum", "belief_changes", "entrenched", "code_entrenched", "reframings"),
    ("cum", "double_loop_changes"),
    ("end", "code_age"),
    # the cost of speaking up (7.22)
    *_each("avg", "mean_willingness", "knowledge_reuse", "collaboration_density"),
    *_each("avg", "mean_performance"),
    *_each("cum", "reports_closed", "reports_answered"),
    # structural tension (7.23)
    *_each("avg", "exploration_effort", "effort_oscillation", "performance_gap"),
    ("cum", "wrong_codifications"),
    ("end", "codification_delay"),
    # fear and the hero (7.24)
    *_each("cum", "experiments", "experiments_forgone"),
    *_each("avg", "others_learning_rate"),
    ("end", "others_learning_rate"),
)
# the floor on top of Z standard errors: shares and means get 0.01, counts one event
FLOOR = {f"cum_{name}": 1.0 for name in CUMULATIVE} | {
    f"cum_{name}": 1.0 for how, name in MECHANISM_SUMMARIES if how == "cum"
}
SUMMARY = {"cum": "sum", "avg": "mean"}


def summarise(frame: Any) -> dict[str, float]:
    """One run's numbers: end-of-run state, whole-run averages and event totals."""
    run = frame.iloc[1:]  # step 0 is the initial state
    out = {f"end_{name}": float(frame[name].iloc[-1]) for name in END_OF_RUN}
    out["avg_code_knowledge"] = float(run["code_knowledge"].mean())
    out["avg_mean_knowledge"] = float(run["mean_knowledge"].mean())
    out["avg_mean_safety"] = float(run["mean_safety"].mean())
    out["avg_belief_diversity"] = float(run["belief_diversity"].mean())
    for group in ("fast", "slow"):  # only where the population is mixed
        if run[f"{group}_knowledge"].notna().all():
            out[f"avg_{group}_knowledge"] = float(run[f"{group}_knowledge"].mean())
    out.update({f"cum_{name}": float(run[name].sum()) for name in CUMULATIVE})
    flows = run["flows"].sum()
    out["cross_role_share"] = float(run["cross_role_flows"].sum() / flows) if flows else 0.0
    for how, name in MECHANISM_SUMMARIES:
        if name in run:
            value = frame[name].iloc[-1] if how == "end" else run[name].agg(SUMMARY[how])
            out[f"{how}_{name}"] = float(value)
    return out


class WallEveryStep(ReferenceModel):
    """A mutant with an old rule: insights waiting for a verifier meet the wall every step."""

    def verify_and_codify(self) -> None:
        super().verify_and_codify()
        for insight in self.pool:
            insight.verifier = None  # drawn again, wall and all, next step


class BlindLeaders(ReferenceModel):
    """A mutant: leaders never see a failure's cause (blame by bias alone, 7.19)."""

    def attribute(self, incident: Any) -> None:
        incident.reported = self.random.random() < self.voice_probability(
            incident.member, self.listener(incident.member)
        )
        incident.blamed = incident.reported and self.random.random() < self.blame_bias


MUTANTS = {"wall_every_step": WallEveryStep, "blind_leaders": BlindLeaders}


@cache
def sample(kind: str, scenario: str, **changes: Any) -> dict[str, np.ndarray]:
    """Summaries of ``SEEDS`` runs of one model on a scenario (with optional changes)."""
    overrides, steps = SCENARIOS[scenario]
    params = overrides | changes
    rows = []
    for i in range(SEEDS):
        if kind == "fast":
            model = CommunityModel(None, seed=i, agent_sample_size=0, **params)
        elif kind == "reference":
            model = ReferenceModel(None, seed=REFERENCE_SEED_OFFSET + i, **params)
        else:
            model = MUTANTS[kind](None, seed=2 * REFERENCE_SEED_OFFSET + i, **params)
        model.run(steps)
        rows.append(summarise(model.model_frame()))
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def disagreements(fast: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> list[str]:
    """Every metric whose means differ by more than Z standard errors plus its floor."""
    out = []
    for key in fast:
        a, b = fast[key], ref[key]
        se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        diff = float(a.mean() - b.mean())
        if abs(diff) > Z * se + FLOOR.get(key, 0.01):
            out.append(
                f"{key}: fast {a.mean():.4f} vs reference {b.mean():.4f} "
                f"(diff {diff:+.4f}, se {se:.4f})"
            )
    return out


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_fast_model_agrees_with_reference(scenario: str) -> None:
    problems = disagreements(sample("fast", scenario), sample("reference", scenario))
    assert not problems, f"{scenario}: " + "; ".join(problems)


# The same check must reject a fast model whose rules differ: each case runs the fast model
# with one rule or parameter changed against the reference's unchanged runs.
POWER_CASES = [
    ("punitive", {"punitiveness": 0.0}, "cum_insights_punished"),
    ("default", {"authority_gradient": 0.0}, "cum_insights_suppressed"),  # no gradient
    ("default", {"insight_ttl": 3}, "cum_insights_suppressed"),
    ("default", {"integration": 0.6}, "cum_insights_walled"),
    ("default", {"mentoring_rate": 0.4}, "cum_mentorings"),
    ("hero", {"leadership": "collective"}, "cum_insights_walled"),
    ("march_p1_low", {"socialisation_mode": "jump"}, "avg_belief_diversity"),
    ("march_p1_low", {"superior_basis": "knowledge"}, "end_code_knowledge"),
    ("march_mixed", {"fast_socialisation_rate": 0.1}, "avg_fast_knowledge"),  # no fast ones
    ("march_tacit", {"tacit_share": 0.0}, "end_code_knowledge"),  # the code learns them all
    # structural tension: no hierarchy (the performance pull in full), a smaller gain, and
    # rigour off (one confirmation: codified in the step checked)
    ("tension", {"goal_hierarchy": 0.0}, "avg_exploration_effort"),
    ("tension", {"tension_gain": 0.1}, "avg_effort_oscillation"),
    ("tension", {"verifications_required": 1}, "end_codification_delay"),
    ("fear", {"exploration_fear": 0.0}, "cum_insights_generated"),  # fear switched off
    ("fear", {"exploration_fear": 0.5}, "cum_experiments_forgone"),
    ("hero_erosion", {"hero_dependence": 0.001}, "end_others_learning_rate"),  # all but off
    ("hero_erosion", {"hero_learning_floor": 0.6}, "avg_others_learning_rate"),
    # the chart's low front-line safety and harsh managers, not taken from the file
    ("own_organisation", {"org_chart": uneven_chart(traits=False)}, "avg_mean_safety"),
    # just culture: no blame where the cause is unseen; no moral hazard; no new flaws
    ("just_culture", {"blame_bias": 0.0}, "cum_incidents_blamed"),
    ("just_culture", {"moral_hazard": 0.0}, "end_mean_carelessness"),
    ("just_culture", {"flaw_emergence": 0.0}, "avg_open_flaw_share"),
    # the cost of speaking up (7.22) switched off; reports that vanish, or a report's effort,
    # cost no willingness; every report verified in time answered; a shorter window
    (
        "closing_the_loop",
        {"voice_cost": 0.0, "willingness_gain": 0.0, "willingness_loss": 0.0},
        "cum_insights_suppressed",
    ),
    ("closing_the_loop", {"willingness_loss": 0.0}, "avg_mean_willingness"),
    ("closing_the_loop", {"voice_cost": 0.0}, "avg_mean_willingness"),
    ("closing_the_loop", {"report_feedback": 1.0}, "cum_reports_answered"),
    ("closing_the_loop", {"feedback_window": 1}, "cum_reports_answered"),
    # units: their realities all the shared one; no analysis of adverse events; the global
    # code overriding local practice entirely
    ("units", {"local_variation": 0.0}, "avg_local_knowledge"),
    ("units", {"root_cause_analysis": 0.0}, "cum_incident_analyses"),
    ("units", {"standardization": 1.0}, "avg_local_knowledge"),
    ("double_loop", {"entrenchment": 0.3}, "cum_entrenched"),  # weaker attachment
    ("double_loop", {"code_entrenchment": 0.0}, "cum_code_entrenched"),  # a code that yields
    ("double_loop", {"double_loop_rate": 0.0}, "cum_reframings"),  # no double loop
    ("double_loop", {"double_loop_tries": 1}, "cum_double_loop_changes"),  # a blind reframe
]


@pytest.mark.parametrize(("scenario", "changes", "metric"), POWER_CASES)
def test_agreement_check_catches_a_changed_rule(
    scenario: str, changes: dict[str, Any], metric: str
) -> None:
    fast = sample("fast", scenario, **changes)
    problems = disagreements(fast, sample("reference", scenario))
    assert any(p.startswith(f"{metric}:") for p in problems), (
        f"{scenario} with {changes}: no disagreement detected on {metric}"
    )


def test_agreement_check_catches_a_changed_rule_in_the_reference() -> None:
    problems = disagreements(sample("fast", "queue"), sample("wall_every_step", "queue"))
    assert any(p.startswith("cum_insights_walled:") for p in problems), problems


def test_agreement_check_catches_blind_leaders_in_the_reference() -> None:
    fast, blind = sample("fast", "just_culture"), sample("blind_leaders", "just_culture")
    problems = disagreements(fast, blind)
    assert any(p.startswith("cum_incidents_correctly_attributed:") for p in problems), problems


# --- the validation studies' presets (docs/VALIDATION.md 2-4), paired by seed --------------

LAZER_FRIEDMAN = "configs/lazer_friedman2007.toml"
MILLER = "configs/miller2006.toml"
# smaller than the preset (N = 20 bits, 100 members): the same rules, on landscapes whose
# optimum is found in milliseconds, so that 30 runs of each model take a few seconds
SMALL_NK = {"n_agents": 40, "m": 12}
# name -> (preset, overrides, steps, seeds)
STUDIES: dict[str, tuple[str, dict[str, Any], int, int]] = {
    "lf_complete": (LAZER_FRIEDMAN, SMALL_NK | {"network": "complete"}, 8, SEEDS),
    # error: a copy keeps each own bit with probability 0.4; a worse mix reverts (p. 684)
    "lf_complete_error": (
        LAZER_FRIEDMAN,
        SMALL_NK | {"network": "complete", "copy_error": 0.4},
        8,
        SEEDS,
    ),
    "lf_line_slow_error": (  # velocity 0.5: half the members look each round
        LAZER_FRIEDMAN,
        SMALL_NK | {"neighbour_learning_rate": 0.5, "copy_error": 0.2},
        10,
        SEEDS,
    ),
    "fang": ("configs/fang2010.toml", {"n_agents": 50, "m": 30, "subgroups": 5}, 10, SEEDS),
    "miller": (MILLER, {}, 25, SEEDS),
    # Miller et al.'s interpersonal learning alone: no code to learn from
    "miller_peers": (
        MILLER,
        {"code_learning_rate": 0.0, "socialisation_rate": 0.0, "neighbour_learning_rate": 0.5},
        15,
        SEEDS,
    ),
    # heavier (make test-slow): the line at more seeds (its curves vary most from run to run)
    # and the presets at their own size
    "lf_line": (LAZER_FRIEDMAN, SMALL_NK, 12, 100),
    "lf_line_full": (LAZER_FRIEDMAN, {}, 12, SEEDS),
    "lf_complete_error_full": (
        LAZER_FRIEDMAN,
        {"network": "complete", "copy_error": 0.2, "neighbour_learning_rate": 0.5},
        12,
        SEEDS,
    ),
    "fang_full": ("configs/fang2010.toml", {}, 10, SEEDS),
}
SLOW_STUDIES = ("lf_line", "lf_line_full", "lf_complete_error_full", "fang_full")
STUDY_STEPS = (1, 2, 4, 8)  # and the last: mean knowledge after these rounds


def summarise_study(frame: Any, steps: int) -> dict[str, float]:
    """One run's knowledge curve (its last row carried on after an early stop at
    equilibrium), when it stopped, and the code's knowledge at the end."""
    knowledge = frame["mean_knowledge"].tolist()
    knowledge += knowledge[-1:] * (steps + 1 - len(knowledge))
    out = {f"knowledge_{t}": knowledge[t] for t in (*STUDY_STEPS, steps) if t <= steps}
    out["end_knowledge_sd"] = float(frame["knowledge_sd"].iloc[-1])
    out["end_code_knowledge"] = float(frame["code_knowledge"].iloc[-1])
    out["steps_run"] = float(len(frame) - 1)
    return out


class CopyTheWorst(ReferenceModel):
    """A mutant: the "best" neighbour is the worst (Lazer & Friedman's and Miller's rules)."""

    @staticmethod
    def best_of(members: list[Any], basis: dict[Any, float]) -> Any:
        return min(members, key=basis.__getitem__, default=None)


STUDY_MODELS = {"fast": CommunityModel, "reference": ReferenceModel, "copy_the_worst": CopyTheWorst}


@cache
def study_sample(kind: str, study: str, **changes: Any) -> dict[str, np.ndarray]:
    """Summaries of runs of one model on a study's preset, seeds 0, 1, 2 ..."""
    preset, overrides, steps, seeds = STUDIES[study]
    cls = STUDY_MODELS[kind]
    rows = []
    for seed in range(seeds):
        model = cls(preset, seed=seed, **(overrides | changes))
        model.run(steps)
        rows.append(summarise_study(model.model_frame(), steps))
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def paired_disagreements(fast: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> list[str]:
    """Every summary whose mean paired difference exceeds Z of its standard errors plus
    the floor (0.01; one step for ``steps_run``)."""
    out = []
    for key in fast:
        diff = fast[key] - ref[key]
        se = float(diff.std(ddof=1)) / math.sqrt(diff.size)
        floor = 1.0 if key == "steps_run" else 0.01
        if abs(diff.mean()) > Z * se + floor:
            out.append(
                f"{key}: fast {fast[key].mean():.4f} vs reference {ref[key].mean():.4f} "
                f"(diff {diff.mean():+.4f}, se {se:.4f})"
            )
    return out


@pytest.mark.parametrize(
    "study",
    [pytest.param(s, marks=pytest.mark.slow) if s in SLOW_STUDIES else s for s in STUDIES],
)
def test_study_presets_agree_with_reference(study: str) -> None:
    problems = paired_disagreements(study_sample("fast", study), study_sample("reference", study))
    assert not problems, f"{study}: " + "; ".join(problems)


# ... and reject a fast model with one of the studies' rules or rates changed
STUDY_POWER_CASES = [
    ("lf_complete_error", {"copy_error": 0.0}, "knowledge_1"),  # error costs round 1 (p. 685)
    ("lf_line_slow_error", {"neighbour_learning_rate": 1.0}, "knowledge_8"),  # the velocity
    ("fang", {"socialisation_mode": "jump"}, "knowledge_4"),
    ("fang", {"neighbour_learning_rate": 0.25}, "knowledge_4"),
    ("miller", {"socialisation_mode": "jump"}, "knowledge_8"),
    ("miller", {"tacit_share": 0.0}, "end_code_knowledge"),  # the code learns them all
    ("miller_peers", {"neighbour_learning_rate": 0.25}, "knowledge_8"),
]


@pytest.mark.parametrize(("study", "changes", "metric"), STUDY_POWER_CASES)
def test_study_agreement_check_catches_a_changed_rule(
    study: str, changes: dict[str, Any], metric: str
) -> None:
    problems = paired_disagreements(
        study_sample("fast", study, **changes), study_sample("reference", study)
    )
    assert any(p.startswith(f"{metric}:") for p in problems), (
        f"{study} with {changes}: no disagreement detected on {metric}: {problems}"
    )


def test_study_agreement_check_catches_a_changed_rule_in_the_reference() -> None:
    problems = paired_disagreements(
        study_sample("fast", "lf_complete"), study_sample("copy_the_worst", "lf_complete")
    )
    assert any(p.startswith("knowledge_1:") for p in problems), problems


def member_scores(model: CommunityModel | ReferenceModel) -> np.ndarray:
    """Every member's score on the landscape now, in row order."""
    if isinstance(model, ReferenceModel):
        return np.array([model.score(member.beliefs) for member in model.members])
    return model.environment.score(model.state.beliefs)


@pytest.mark.parametrize("cls", [CommunityModel, ReferenceModel])
def test_lazer_friedman_members_never_do_worse(cls: type) -> None:
    """p. 684: a copier whose error makes its solution worse reverts to its status quo, and a
    local search keeps only a better bit, so no member's score ever drops. The curves above
    hardly see the revert (it matters only to members already close to their model); this
    sees any kept worse copy. At a high error most copies are worse mixes."""
    for seed in range(3):
        model = cls(LAZER_FRIEDMAN, seed=seed, **SMALL_NK, network="complete", copy_error=0.7)
        before = member_scores(model)
        for _ in range(10):
            model.step()
            after = member_scores(model)
            assert (after >= before).all(), f"seed {seed}, step {model.steps}: a score dropped"
            before = after


def test_live_intervention_counts_toward_the_next_row_in_both_models() -> None:
    """Between steps, an intervention belongs to the next step: its log, departures, joined."""
    frames = []
    for cls in (CommunityModel, ReferenceModel):
        model = cls(None, n_agents=60, seed=3)
        model.run(2)
        model.intervene("reorganisation_shock", share=1.0, min_level=1)
        model.run(1)
        frame = model.model_frame()
        assert model.intervention_log[0]["step"] == 3
        assert frame["interventions"].tolist() == ["", "", "", "reorganisation_shock"]
        frames.append(frame)
    fast, ref = frames
    assert fast["departures"].tolist() == ref["departures"].tolist()
    assert ref["departures"].iloc[3] == 60 - 47  # every manager: all but the front line


def test_reference_frame_has_the_fast_models_metrics() -> None:
    model = ReferenceModel(None, n_agents=30, m=10, seed=1)
    model.run(3)
    frame = model.model_frame()
    fast = CommunityModel(None, n_agents=30, m=10, seed=1, agent_sample_size=0)
    fast.run(3)
    assert list(frame["step"]) == [0, 1, 2, 3]
    assert set(frame.columns) <= set(fast.model_frame().columns)
    assert {"code_accuracy", "cross_role_share", "insights_suppressed"} <= set(frame.columns)


def test_reference_refuses_a_changing_landscape() -> None:
    """Its optimum would have to be found again: one line says so, before any run."""
    with pytest.raises(ConfigError, match="keeps an NK landscape fixed"):
        ReferenceModel(LAZER_FRIEDMAN, turbulence_rate=0.01)
    shock = {"step": 2, "action": "reality_shock", "share": 0.2}
    with pytest.raises(ConfigError, match="keeps an NK landscape fixed"):
        ReferenceModel(LAZER_FRIEDMAN, interventions=[shock], **SMALL_NK)
