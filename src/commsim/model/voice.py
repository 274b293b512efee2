"""Voice: whether an insight is spoken up the hierarchy, and how leaders respond.

A holder speaks up to their manager (or, under a hero leader, to the top) with probability
``safety * (1 - authority_gradient) ** gap``, gap being the levels between them. Dissent --
an insight that contradicts the listener's own belief -- is punished with the listener's
punitiveness: the voice dies and the speaker's safety falls. Otherwise it is appreciated:
safety rises and the insight moves on to research. Unvoiced insights are retried each step
and suppressed after ``insight_ttl`` steps of silence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
from commsim.model.insights import AWAITING_VERIFICATION
from commsim.model.state import NO_MANAGER, approach_rows

if TYPE_CHECKING:
    from commsim.model.world import World


def listener(world: World, holders: np.ndarray) -> np.ndarray:
    """Whom each holder speaks up to: their manager, or the hero leader; the top to itself."""
    if world.config.leadership == "hero":
        return np.full(holders.shape[0], world.top, dtype=np.int64)
    target = world.state.manager[holders]
    return np.where(target == NO_MANAGER, holders, target)


def voice_probability(world: World, holders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Psychological safety discounted by the authority gradient, per level of the gap."""
    state = world.state
    gap = np.maximum(state.level[targets].astype(np.int64) - state.level[holders], 0)
    p = state.safety[holders] * (1.0 - world.config.authority_gradient) ** gap
    return np.where(targets == holders, 1.0, p)  # nobody fears speaking to themselves


def speak_up(world: World) -> None:
    """One round of voice for every insight awaiting it.

    ``kernels.voice`` decides every entry's fate in one pass (listener, the top's own
    insights, speaking up, punishment, suppression); this function applies the fates.
    """
    ledger, state, cfg = world.ledger, world.state, world.config
    if not ledger.pool_size:
        return
    step = world.step
    order, counts, targets = kernels.voice(
        ledger.pool,
        state.manager,
        state.level,
        state.safety,
        state.punitiveness,
        state.beliefs,
        world.top if cfg.leadership == "hero" else -1,
        (1.0 - cfg.authority_gradient) ** np.arange(world.n_levels),  # discount by gap
        cfg.insight_ttl,
        step,
        kernels.draw_key(world.rng),
    )
    # the pool rows of each fate, in pool order
    bounds = np.cumsum(counts).tolist()
    own, heard, punished, suppressed = (
        order[bounds[fate - 1] : bounds[fate]]
        for fate in (kernels.OWN, kernels.HEARD, kernels.PUNISHED, kernels.SUPPRESSED)
    )
    holders, ids = ledger.pool_holder, ledger.pool_id
    _update_safety(world, holders[heard], holders[punished])
    ledger.log(step, "voiced", ids[heard], targets[heard])
    ledger.log(step, "punished", ids[punished], targets[punished])
    ledger.log(step, "suppressed", ids[suppressed], holders[suppressed])
    tally = world.counts
    tally["voice_opportunities"] += bounds[-1] - bounds[kernels.OWN]  # all waiting but the top's
    tally["insights_spoken"] += heard.size + punished.size
    tally["insights_voiced"] += heard.size
    tally["insights_punished"] += punished.size
    tally["insights_suppressed"] += suppressed.size

    # the top (or the hero) needs nobody's leave: its insights go straight on to research,
    # as do heard ones; without research both stop here
    moving_on = np.concatenate([own, heard])
    if cfg.community or cfg.leadership == "hero":
        ledger.pool_stage[moving_on] = AWAITING_VERIFICATION
        ledger.pool_since[moving_on] = step
        ledger.drop(np.concatenate([punished, suppressed]))
    else:
        ledger.drop(np.concatenate([moving_on, punished, suppressed]))


def _update_safety(world: World, appreciated: np.ndarray, punished: np.ndarray) -> None:
    """Appreciation moves safety toward 1, punishment toward 0, once per response."""
    cfg, safety = world.config, world.state.safety
    approach_rows(safety, 1.0, cfg.appreciation_gain, appreciated)
    approach_rows(safety, 0.0, cfg.punishment_penalty, punished)


def drift_to_climate(world: World) -> None:
    """Team safety drifts toward the climate its manager sets (1 - punitiveness)."""
    state = world.state
    climate = 1.0 - state.punitiveness[world.climate_setter]
    state.safety += world.config.climate_drift * (climate - state.safety)
