"""Practice: members act on their mental models and meet reality.

Acting gives every member a performance (March's reading, after Christensen 2015: where a
belief is 0 the member tries either way at random). Exploring practitioners and researchers
get noisy feedback on one dimension; where it contradicts their belief, they learn from it
and an insight is born.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
from commsim.model.insights import AWAITING_VERIFICATION, AWAITING_VOICE
from commsim.model.state import CAPACITY_BUILDER, RESEARCHER, uniform_below

if TYPE_CHECKING:
    from commsim.model.model import CommunityModel


def act(model: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
    """Each member's actions (beliefs, coin flips where undecided) and their performance.

    One pass over the belief matrix (``kernels.act``); the coins come from a stream keyed
    by one draw from the model's generator.
    """
    key = kernels.draw_key(model.rng)
    return model.environment.perform(model.state.beliefs, key)


def explore(model: CommunityModel) -> None:
    """Practitioners (and researchers, with less noise) test one belief against reality."""
    cfg, state, rng = model.config, model.state, model.rng
    if cfg.exploration_rate == 0:
        return
    p = np.where(state.role != CAPACITY_BUILDER, cfg.exploration_rate, 0.0)
    explorers = kernels.bernoulli_rows(p, kernels.draw_key(rng))
    if explorers.size == 0:
        return
    dims = uniform_below(rng, state.m, explorers.size)
    noise = np.where(state.role[explorers] == RESEARCHER, cfg.research_noise, cfg.practice_noise)
    seen = model.environment.observe(state.beliefs[explorers], dims, noise, rng)
    differs = seen != state.beliefs[explorers, dims]
    members, dims, seen = explorers[differs], dims[differs], seen[differs]
    state.beliefs[members, dims] = seen
    model.ledger.generate(model.steps, members, dims, seen, stage=entry_stage(model))
    model.counts["insights_generated"] += members.size


def entry_stage(model: CommunityModel) -> int | None:
    """Where a new insight starts its way to the code: voice first, straight to research when
    voice is switched off, nowhere when nobody would take it further."""
    cfg = model.config
    if cfg.voice:
        return AWAITING_VOICE
    if cfg.community or cfg.leadership == "hero":
        return AWAITING_VERIFICATION
    return None
