"""Fear stops experiments, and heroes erode capacity (docs/MODEL.md 7.24).

Fear: where ignorance is a sign of weakness and temporary incompetence a character flaw
[KS], people stop trying what they are not good at. A member explores with probability
``exploration_rate * (1 - exploration_fear * (1 - safety))``: fear of 0 is the fearless rule,
fear of 1 makes exploration as rare as safety is low. ``explorers`` is the trial ``explore``
runs (``practice.py``); it draws what the fearless rule draws, so it also counts the
experiments fear stopped.

Heroes: "success in finding a hero leader reinforces a belief in the group's powerlessness"
[CQC] (Senge's "shifting the burden"). Under ``leadership = "hero"`` every insight the hero
checks (verified or refuted) is a decision the others left to the hero; at the end of the
step each of its decisions moves every other member's learning rate a share
``hero_dependence`` of the way to ``hero_learning_floor`` and their safety the same share of
the way to 0. Capacity builders' coaching (7.11) pushes both back up: the fundamental
solution. Nothing is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.catalogue import Metric, Phase
from commsim.config import Config, config_parameter
from commsim.model import kernels

if TYPE_CHECKING:
    from commsim.model.world import World


def fearful(config: Config) -> bool:
    """Whether fear of experimenting is on (its metrics recorded, its lever offered)."""
    return config.exploration_fear > 0


def reliant(config: Config) -> bool:
    """Whether relying on a hero erodes the others' capacity in this organisation."""
    return config.leadership == "hero" and config.hero_dependence > 0


def explorers(world: World, p: np.ndarray, key: np.uint64) -> np.ndarray:
    """The rows that explore: row i with probability ``p[i]`` lowered by fear.

    With fear 0 this is the fearless trial itself. Otherwise the fearless trial is run on the
    same numbers (``key``), so a member fear stopped is one whose number falls between the
    two chances: ``experiments_forgone`` counts them, at no extra draw. (A lever may set fear
    in a run whose config has none: it acts, but the run has no columns to count it in.)
    """
    fear = world.param("exploration_fear")
    if not fear:
        dared = kernels.bernoulli_rows(p, key)
    else:
        dared = kernels.bernoulli_rows(p * (1.0 - fear * (1.0 - world.state.safety)), key)
    if fearful(world.config):  # counted only where they are columns of the table
        would = kernels.bernoulli_rows(p, key) if fear else dared
        world.counts["experiments_forgone"] += int(would.size - dared.size)
        world.counts["experiments"] += int(dared.size)
    return dared


def rely_on_hero(world: World) -> None:
    """Each of this step's decisions by the hero erodes every other member's learning rate
    (toward ``hero_learning_floor``) and safety (toward 0) by a share ``hero_dependence``."""
    dependence = world.param("hero_dependence")
    decisions = world.counts["insights_verified"] + world.counts["insights_refuted"]
    if not dependence or not decisions:
        return
    state = world.state
    keep = (1.0 - dependence) ** decisions
    others = np.ones(state.n, dtype=bool)
    others[world.top] = False
    floor = world.config.hero_learning_floor
    state.learning_rate[others] = floor + (state.learning_rate[others] - floor) * keep
    state.safety[others] *= keep


def set_exploration_fear(world: World, value: float) -> None:
    """Leaders make failed experiments safe: fear of experimenting falls to ``value``."""
    world.live["exploration_fear"] = value


def set_hero_dependence(world: World, value: float) -> None:
    """The hero hands decisions back: each of them erodes the others' capacity by ``value``."""
    world.live["hero_dependence"] = value


def others_learning_rate(world: World) -> float:
    """Mean learning rate of every member but the hero."""
    rates = world.state.learning_rate
    return float((rates.sum() - rates[world.top]) / (rates.size - 1))


def hero_share(world: World) -> float:
    """Share of the code's views last written by the hero's codification (NaN if none)."""
    held = np.count_nonzero(world.state.code)
    return np.count_nonzero(world.memory.from_insight) / held if held else float("nan")


HERO_RELIANCE = Phase(
    "hero_reliance",
    rely_on_hero,
    enabled=reliant,
    parameters=(
        config_parameter(
            "hero_dependence",
            "shifting the burden: relying on a hero leader reinforces the group's "
            "powerlessness [CQC]",
            "share of the way to `hero_learning_floor` (learning rate) and to 0 (safety) "
            "every other member goes per insight the hero checks (7.24)",
        ),
        config_parameter(
            "hero_learning_floor",
            "the capacity a group keeps while it waits for the great leader [CQC]",
            "the learning rate reliance on the hero pulls toward (7.24)",
        ),
    ),
    idea="the hero-leader myth as shifting the burden: the symptomatic solution erodes the "
    "fundamental one [CQC]",
    description="every insight the hero checked this step lowers the others' learning rate "
    "and safety (7.24)",
    when='`leadership = "hero"` and `hero_dependence` > 0',
)

METRICS: tuple[Metric, ...] = (
    Metric(
        "experiments",
        "event count",
        "experiments",
        "members",
        "practitioners and researchers who tested a belief against reality (7.4, 7.24)",
        enabled=fearful,
    ),
    Metric(
        "experiments_forgone",
        "event count",
        "experiments forgone",
        "members",
        "members who would have explored at `exploration_rate` but fear stopped (7.24)",
        enabled=fearful,
    ),
    Metric(
        "others_learning_rate",
        "state",
        "others' learning rate",
        "multiplier",
        "mean learning rate of every member but the hero (7.24)",
        low=0.0,
        compute=others_learning_rate,
        enabled=reliant,
    ),
    Metric(
        "hero_share",
        "state",
        "hero's share of the code",
        "share",
        "share of the code's held dimensions last written by the hero's codification, the "
        "rest by the superior group's code learning (NaN while the code holds no view; 7.24)",
        low=0.0,
        high=1.0,
        compute=hero_share,
        enabled=reliant,
    ),
)
