"""The reporters computed every step from the arrays: one flat row of numbers per step.

``code_knowledge`` is March's measure, sum(code * reality) / m. ``advancement`` is Fritz's
oscillation-vs-advancement indicator over the last ``advancement_window`` steps: net change
of code knowledge divided by the total distance it travelled (1 = steady advance, -1 = steady
decline, near 0 = oscillation or standstill).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
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
    x = history[-window - 1 :]
    travelled = math.fsum(abs(b - a) for a, b in itertools.pairwise(x))
    return (x[-1] - x[0]) / travelled if travelled else 0.0


def collect(model: CommunityModel) -> dict[str, float | int | str]:
    """This step's row of metrics (and diffusion tracking, which needs the same reach)."""
    state, environment, counts = model.state, model.environment, model.counts
    n, m = state.n, state.m
    # one pass over the beliefs: each member's score, each dimension's +1 and -1 holders
    tallied, plus, minus = kernels.tally(state.beliefs, environment.target)
    # knowledge = scores / scale: March's exact integers over m, or the landscape's scores
    scores, scale = environment.graded(state.beliefs, tallied)
    code_knowledge = float(environment.knowledge(state.code[None, :])[0])
    share_plus, share_minus = plus / n, minus / n
    reach = np.where(state.code == 1, share_plus, np.where(state.code == -1, share_minus, 0.0))
    diversity = 1.0 - share_plus**2 - share_minus**2 - (1.0 - share_plus - share_minus) ** 2
    model.knowledge_history.append(code_knowledge)
    # knowledge's mean and (population) sd from the sums (exact for March's integers)
    total, squares = scores.sum().item(), np.dot(scores, scores).item()
    variance = max(n * squares - total * total, 0) / (n * n)

    by_speed, speeds, by_level, levels, by_role, roles = kernels.member_sums(
        scores, scale, state.safety, state.fast, state.level, model.n_levels, state.role
    )

    row: dict[str, float | int | str] = {
        "step": model.steps,
        "code_knowledge": code_knowledge,
        "code_accuracy": np.count_nonzero(state.code == environment.target) / m,
        "mean_knowledge": total / n / scale,
        "knowledge_sd": math.sqrt(variance) / scale,
        "belief_diversity": float(diversity.sum()) / m,
        # March's mixed populations: mean knowledge of the slow and of the fast learners
        **_means(by_speed, speeds, "{}_knowledge", _SPEEDS),
        "mean_safety": float(state.safety.sum()) / n,
        "mean_learning_rate": float(state.learning_rate.sum()) / n,
        "integration": float(model.integration),
    }
    row.update({name: int(counts[name]) for name in COUNTERS})
    # upward voice: the share of waiting insights spoken up this step, heard or punished
    row["voice_rate_upward"] = _ratio(counts["insights_spoken"], counts["voice_opportunities"])
    row["cross_role_share"] = _ratio(counts["cross_role_flows"], counts["flows"])
    row["diffusion_reach"] = model.memory.track(model, reach)
    row["diffusion_time"] = model.memory.mean_diffusion_time
    row["insights_in_flight"] = model.ledger.pool_size
    row["advancement"] = advancement(model.knowledge_history, model.config.advancement_window)
    row.update(_means(by_level, levels, "safety_level_{}", range(model.n_levels)))
    row.update(_means(by_role, roles, "safety_{}", ROLE_NAMES))
    row["interventions"] = ";".join(
        e["action"] for e in model.intervention_log if e["step"] == model.steps
    )
    return row


def _means(
    sums: np.ndarray, counts: np.ndarray, pattern: str, labels: Iterable[object]
) -> dict[str, float]:
    """Group means as named columns; NaN for an empty group."""
    return {
        pattern.format(label): total / count if count else float("nan")
        for label, total, count in zip(labels, sums.tolist(), counts.tolist(), strict=True)
    }
