"""Structural tension (Fritz): two goals pull the organisation's effort, and speed vs rigour.

**Tension.** The organisation divides its effort between exploration and exploitation: ``e``
in [0, 1] is the share on exploration (0.5 at the start: the configured rates). Each step,
after acting, two gaps pull on it: the *learning gap* ``max(learning_goal - K, 0)``, K the
code's knowledge (the long-run goal: what the organisation knows), pulls toward
exploration; the *performance gap* ``max(performance_goal - y, 0)`` pulls toward
exploitation, y being this step's mean performance less what last step's exploring cost
(``exploration_cost`` per unit of exploration rate: effort spent testing is not spent
performing). ``e <- clip(e + tension_gain * (L - w * P), 0, 1)`` with ``w = 1 -
goal_hierarchy`` while the learning gap is open, else 1: with a hierarchy of importance the
performance goal gives way to learning until learning is met [FR]. Exploration then runs at
``min(1, 2 e exploration_rate)`` and socialisation at ``2 (1 - e)`` times its rate
(March's exploration and exploitation share one budget). Nothing is drawn.

**Rigour** (T2 [CSL]): a codification needs ``verifications_required`` confirmations, each a
fresh check by the insight's verifier, at most one a step, all within ``insight_ttl`` steps
of its queueing; one refutation ends it. More rigour lets fewer wrong insights into the code,
later, and lets more expire. At 1 the built-in rule runs unchanged.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from commsim.catalogue import Metric

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World

NAME = "tension"


def tension_on(config: Config) -> bool:
    """The two goals pull on the organisation's effort."""
    return config.tension_gain > 0


def tension_shown(config: Config) -> bool:
    """Either part of the mechanism is on: its metrics and levers are shown."""
    return tension_on(config) or config.verifications_required > 1


@dataclass
class Tension:
    """The organisation's effort and what the goals last saw (``world.extra["tension"]``)."""

    effort: float = 0.5
    exploration_rate: float = 0.0  # the rate explored at in the last step
    learning_gap: float = float("nan")
    performance_gap: float = float("nan")
    #: the effort of the last ``advancement_window`` + 1 steps (the oscillation's window)
    efforts: deque[float] = field(default_factory=deque)
    #: confirmations so far of insights still in the verification queue, by insight id
    confirmations: dict[int, int] = field(default_factory=dict)
    codified: int = 0
    delay_total: int = 0


def tension_state(world: World) -> Tension:
    """The mechanism's state, made on first use (no draw: an idle run is unchanged)."""
    found = world.extra.get(NAME)
    if found is None:
        cfg = world.config
        found = world.extra[NAME] = Tension(
            exploration_rate=cfg.exploration_rate,
            efforts=deque([0.5], maxlen=cfg.advancement_window + 1),
        )
    return found


def performance_level(world: World) -> float:
    """This step's mean performance on the knowledge scale (over m on March's reality)."""
    scale = world.state.m if world.config.task == "reality" else 1
    return float(world.scratch["performance"].mean()) / scale


def pull(effort: float, learning_gap: float, performance_gap: float, world: World) -> float:
    """The effort after one step of the two tensions (``goal_hierarchy`` weighs the second)."""
    hierarchy = world.param("goal_hierarchy") if learning_gap > 0 else 0.0
    change = world.config.tension_gain * (learning_gap - (1.0 - hierarchy) * performance_gap)
    return min(max(effort + change, 0.0), 1.0)


def divide_effort(world: World) -> None:
    """The phase: the gaps move the effort, which sets this step's exploration and
    socialisation (read by ``practice.explore`` and ``learning.socialise``)."""
    cfg, tension = world.config, tension_state(world)
    achieved = performance_level(world) - cfg.exploration_cost * tension.exploration_rate
    tension.learning_gap = max(
        cfg.learning_goal - world.environment.code_knowledge(world.state.code), 0.0
    )
    tension.performance_gap = max(cfg.performance_goal - achieved, 0.0)
    tension.effort = pull(tension.effort, tension.learning_gap, tension.performance_gap, world)
    tension.efforts.append(tension.effort)
    tension.exploration_rate = min(1.0, 2.0 * tension.effort * cfg.exploration_rate)
    world.scratch["exploration_rate"] = tension.exploration_rate
    world.scratch["socialisation_factor"] = 2.0 * (1.0 - tension.effort)


def confirm(
    world: World, served: np.ndarray, ok: np.ndarray, expired: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rigour: of the insights checked this step (ids ``served``, confirmed where ``ok``),
    which are verified now (their last confirmation) and which wait for another check.
    Forgets the counts of insights that leave the queue (refuted, verified, ``expired``)."""
    counts = tension_state(world).confirmations
    needed = world.param("verifications_required")
    done = np.zeros(served.size, dtype=bool)
    for k in np.flatnonzero(ok):
        key = int(served[k])
        counts[key] = counts.get(key, 0) + 1
        done[k] = counts[key] >= needed
    pending = ok & ~done
    for key in (*served[~pending].tolist(), *expired.tolist()):
        counts.pop(key, None)
    return done, pending


def record_codified(world: World, delays: np.ndarray, dims: np.ndarray, values: np.ndarray) -> None:
    """Codifications: how long each waited in the queue, and those against reality."""
    tension = tension_state(world)
    tension.codified += int(delays.size)
    tension.delay_total += int(delays.sum())
    wrong = values != world.environment.target[dims]
    world.counts["wrong_codifications"] += int(np.count_nonzero(wrong))


def oscillation(world: World) -> float:
    """The standard deviation of the effort over the last ``advancement_window`` steps."""
    return float(np.std(tension_state(world).efforts))


def codification_delay(world: World) -> float:
    """Mean steps from queueing to codification over the run so far: rigour's price."""
    tension = tension_state(world)
    return tension.delay_total / tension.codified if tension.codified else math.nan


_SHARE = dict(unit="share", low=0.0, high=1.0)

METRICS: tuple[Metric, ...] = (
    Metric(
        "exploration_effort",
        "state",
        "effort on exploration",
        **_SHARE,
        compute=lambda world: tension_state(world).effort,
        enabled=tension_on,
        description="`e`: the share of the organisation's effort on exploration (7.23); "
        "exploration runs at `min(1, 2 e exploration_rate)`, socialisation at `2 (1 − e)` "
        "times its rate",
    ),
    Metric(
        "learning_gap",
        "state",
        "learning gap",
        "knowledge",
        low=0.0,
        high=2.0,
        compute=lambda world: tension_state(world).learning_gap,
        enabled=tension_on,
        description="`max(learning_goal − code_knowledge, 0)` as the step's tension phase saw "
        "it (NaN at step 0)",
    ),
    Metric(
        "performance_gap",
        "state",
        "performance gap",
        "knowledge",
        low=0.0,
        high=2.0,
        compute=lambda world: tension_state(world).performance_gap,
        enabled=tension_on,
        description="`max(performance_goal − y, 0)`, y the step's mean performance (over m) "
        "less `exploration_cost` × last step's exploration rate (NaN at step 0)",
    ),
    Metric(
        "effort_oscillation",
        "state",
        "effort oscillation",
        **_SHARE,
        compute=oscillation,
        enabled=tension_on,
        description="standard deviation (ddof 0) of `exploration_effort` over the last "
        "`advancement_window` + 1 steps: Fritz's oscillation [FR] in the effort itself",
    ),
    Metric(
        "wrong_codifications",
        "event count",
        "wrong codifications",
        "insights",
        enabled=tension_shown,
        description="codified insights whose value differs from reality (on a landscape: "
        "from the optimum) when they were written (T2 [CSL])",
    ),
    Metric(
        "codification_delay",
        "state",
        "codification delay",
        "steps",
        low=0.0,
        compute=codification_delay,
        enabled=tension_shown,
        description="mean, over the run's codifications so far, of the steps from an "
        "insight's queueing for verification to its codification (0: the same step; NaN if "
        "none)",
    ),
)


def set_rigour(world: World, verifications: int) -> None:
    """T2: codifications need ``verifications`` confirmations from now on."""
    world.live["verifications_required"] = verifications


def set_goal_hierarchy(world: World, value: float) -> None:
    """Fritz: how far the learning goal comes first from now on."""
    world.live["goal_hierarchy"] = value
