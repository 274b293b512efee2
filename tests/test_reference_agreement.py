"""The fast model agrees in distribution with the slow per-agent reference (its oracle).

For each scenario both models run over a fixed set of seeds (different seeds for each model,
so the samples are independent) and each summary metric's mean must agree: the difference
of the means within ``Z`` standard errors of that difference plus a small absolute floor.
Power tests show that the same check rejects a fast model whose rules differ a little, and a
reference that keeps one superseded rule.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import pytest

from commsim.model.model import CommunityModel
from commsim.model.reference import ReferenceModel

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
# the floor on top of Z standard errors: shares and means get 0.01, counts one event
FLOOR = {f"cum_{name}": 1.0 for name in CUMULATIVE}


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
    return out


class WallEveryStep(ReferenceModel):
    """A mutant with an old rule: insights waiting for a verifier meet the wall every step."""

    def verify_and_codify(self) -> None:
        super().verify_and_codify()
        for insight in self.pool:
            insight.verifier = None  # drawn again, wall and all, next step


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
            model = WallEveryStep(None, seed=2 * REFERENCE_SEED_OFFSET + i, **params)
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
