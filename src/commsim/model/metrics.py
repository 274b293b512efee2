"""The reporters computed every step from the arrays: one flat row of numbers per step.

``code_knowledge`` is March's measure, sum(code * reality) / m. ``advancement`` is Fritz's
oscillation-vs-advancement indicator over the last ``advancement_window`` steps: net change
of code knowledge divided by the total distance it travelled (1 = steady advance, -1 = steady
decline, near 0 = oscillation or standstill).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model.state import ROLE_NAMES

if TYPE_CHECKING:
    from commsim.model.model import CommunityModel

COUNTERS = (
    "insights_generated",
    "insights_spoken",
    "insights_voiced",
    "insights_punished",
    "insights_suppressed",
    "insights_walled",
    "insights_verified",
    "insights_refuted",
    "insights_codified",
    "insights_adopted",
    "voice_opportunities",
    "flows",
    "cross_role_flows",
    "mentorings",
    "code_changes",
    "superior_group",
    "departures",
)


_SPEEDS = ("slow", "fast")  # what state.fast's False and True stand for


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def advancement(history: list[float], window: int) -> float:
    """Net change over total variation of the last ``window`` values (NaN while too short)."""
    if len(history) < 2:
        return float("nan")
    x = np.asarray(history[-window - 1 :])
    travelled = np.abs(np.diff(x)).sum()
    return float((x[-1] - x[0]) / travelled) if travelled else 0.0


def collect(model: CommunityModel) -> dict[str, float | int | str]:
    """This step's row of metrics (and diffusion tracking, which needs the same reach)."""
    state, reality, counts = model.state, model.reality.values, model.counts
    m = state.m
    knowledge = model.reality.score(state.beliefs) / m
    code_knowledge = float(state.code.astype(np.int64) @ reality / m)
    # per dimension: sum of beliefs = (#+1) - (#-1), sum of squares = (#+1) + (#-1)
    net = state.beliefs.sum(axis=0, dtype=np.int64)
    held = np.einsum("ij,ij->j", state.beliefs, state.beliefs, dtype=np.int64)
    share_plus = (held + net) / (2 * state.n)
    share_minus = (held - net) / (2 * state.n)
    reach = np.where(state.code == 1, share_plus, np.where(state.code == -1, share_minus, 0.0))
    diversity = 1.0 - share_plus**2 - share_minus**2 - (1.0 - share_plus - share_minus) ** 2
    model.knowledge_history.append(code_knowledge)

    row: dict[str, float | int | str] = {
        "step": model.steps,
        "code_knowledge": code_knowledge,
        "code_accuracy": float((state.code == reality).mean()),
        "mean_knowledge": float(knowledge.mean()),
        "knowledge_sd": float(knowledge.std()),
        "belief_diversity": float(diversity.mean()),
        # March's mixed populations: mean knowledge of the slow and of the fast learners
        **_means_by(knowledge, state.fast.view(np.int8), 2, "{}_knowledge", names=_SPEEDS),
        "mean_safety": float(state.safety.mean()),
        "mean_learning_rate": float(state.learning_rate.mean()),
        "integration": float(model.integration),
    }
    row.update({name: int(counts[name]) for name in COUNTERS})
    # upward voice: the share of waiting insights spoken up this step, heard or punished
    row["voice_rate_upward"] = _ratio(counts["insights_spoken"], counts["voice_opportunities"])
    row["cross_role_share"] = _ratio(counts["cross_role_flows"], counts["flows"])
    row["diffusion_reach"] = model.memory.track(model, reach)
    times = model.memory.diffusion_times
    row["diffusion_time"] = float(np.mean(times)) if times else float("nan")
    row["insights_in_flight"] = int(model.ledger.pool_id.size)
    row["advancement"] = advancement(model.knowledge_history, model.config.advancement_window)
    row.update(_means_by(state.safety, state.level, model.n_levels, "safety_level_{}"))
    row.update(_means_by(state.safety, state.role, 3, "safety_{}", names=ROLE_NAMES))
    row["interventions"] = ";".join(
        e["action"] for e in model.intervention_log if e["step"] == model.steps
    )
    return row


def _means_by(
    values: np.ndarray,
    groups: np.ndarray,
    k: int,
    pattern: str,
    names: tuple[str, ...] | None = None,
) -> dict[str, float]:
    sums = np.bincount(groups, weights=values, minlength=k)[:k]
    counts = np.bincount(groups, minlength=k)[:k]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    labels = names or tuple(str(i) for i in range(k))
    return {pattern.format(label): float(v) for label, v in zip(labels, means, strict=True)}
