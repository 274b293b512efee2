"""Practice: members act on their mental models and meet reality.

Acting gives every member a performance (March's reading, after Christensen 2015: where a
belief is 0 the member tries either way at random). Exploring practitioners and researchers
get noisy feedback on one dimension; where it contradicts their belief, they learn from it
and an insight is born.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model import fear, kernels
from commsim.model.insights import AWAITING_VERIFICATION, AWAITING_VOICE
from commsim.model.state import CAPACITY_BUILDER, RESEARCHER, uniform_below

if TYPE_CHECKING:
    from commsim.model.world import World


def act(world: World) -> None:
    """Each member's actions (beliefs, coin flips where undecided) and their performance,
    left in ``world.scratch`` for the learning phases of this step.

    One pass over the belief matrix (the environment's ``perform``: ``reality.act``); the
    coins come from a stream keyed by one draw from the model's generator.
    """
    key = kernels.draw_key(world.rng)
    actions, performance = world.environment.perform(world.state.beliefs, key)
    world.scratch["actions"], world.scratch["performance"] = actions, performance


def explore(world: World) -> None:
    """Practitioners (and researchers, with less noise) test one belief against reality;
    fear of experimenting (``fear.explorers``, 7.24) keeps the unsafe from trying."""
    cfg, state, rng = world.config, world.state, world.rng
    rate = exploration_rate(world)
    if rate == 0:
        return
    p = np.where(state.role != CAPACITY_BUILDER, rate, 0.0)
    explorers = fear.explorers(world, p, kernels.draw_key(rng))  # fewer where fear holds back
    if explorers.size == 0:
        return
    dims = uniform_below(rng, state.m, explorers.size)
    noise = np.where(state.role[explorers] == RESEARCHER, cfg.research_noise, cfg.practice_noise)
    seen = world.environment.observe(state.beliefs[explorers], dims, noise, rng, explorers)
    differs = seen != state.beliefs[explorers, dims]
    members, dims, seen = explorers[differs], dims[differs], seen[differs]
    state.beliefs[members, dims] = seen
    world.ledger.generate(world.step, members, dims, seen, stage=entry_stage(world))
    world.counts["insights_generated"] += members.size


def exploration_rate(world: World) -> float:
    """The configured rate, or the share of effort the goals leave it this step (tension.py)."""
    return world.scratch.get("exploration_rate", world.config.exploration_rate)


def entry_stage(world: World) -> int | None:
    """Where a new insight starts its way to the code: voice first, straight to research when
    voice is switched off, nowhere when nobody would take it further."""
    cfg = world.config
    if cfg.voice:
        return AWAITING_VOICE
    if cfg.community or cfg.leadership == "hero":
        return AWAITING_VERIFICATION
    return None
