"""Turnover: members leave and newcomers with naive mental models and default traits join.

The position (row) stays: its level, manager, role and socialisation rate (a newcomer in a
fast learner's position socialises fast, so the share of fast learners never changes). What
leaves is the occupant's knowledge, safety and learning rate -- and any insight they had not
yet voiced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model import just_culture, kernels
from commsim.model.insights import AWAITING_VOICE
from commsim.model.reporting import welcome
from commsim.model.state import draw_punitiveness

if TYPE_CHECKING:
    from commsim.model.world import World


def replace_members(world: World, leavers: np.ndarray) -> None:
    """Newcomers take the leavers' positions; the leavers' unvoiced insights are lost."""
    if leavers.size == 0:
        return
    state, cfg, rng = world.state, world.config, world.rng
    state.beliefs[leavers] = world.environment.initial_beliefs(rng, leavers.size)
    state.safety[leavers] = cfg.initial_safety
    state.learning_rate[leavers] = 1.0
    state.joined[leavers] = world.next_step
    welcome(world, leavers)  # full willingness to report (7.22), where that is tracked
    state.punitiveness[leavers] = draw_punitiveness(
        rng, leavers.size, cfg.punitiveness, cfg.punitiveness_spread
    )
    just_culture.welcome(world, leavers)
    ledger = world.ledger
    gone = np.isin(ledger.pool_holder, leavers) & (ledger.pool_stage == AWAITING_VOICE)
    ledger.log(world.next_step, "lost", ledger.pool_id[gone], ledger.pool_holder[gone])
    ledger.keep(~gone)
    world.counts["departures"] += int(leavers.size)


def turnover(world: World) -> None:
    """Each member leaves with probability turnover_rate (March's p3)."""
    rate = world.config.turnover_rate
    if rate > 0:
        p = np.full(world.state.n, rate)
        replace_members(world, kernels.bernoulli_rows(p, kernels.draw_key(world.rng)))
