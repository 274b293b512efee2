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

from commsim.model.insights import AWAITING_VERIFICATION, AWAITING_VOICE
from commsim.model.state import NO_MANAGER, approach

if TYPE_CHECKING:
    from commsim.model.model import CommunityModel


def listener(model: CommunityModel, holders: np.ndarray) -> np.ndarray:
    """Whom each holder speaks up to: their manager, or the hero leader; the top to itself."""
    if model.config.leadership == "hero":
        return np.full(holders.shape[0], model.top, dtype=np.int64)
    target = model.state.manager[holders]
    return np.where(target == NO_MANAGER, holders, target)


def voice_probability(
    model: CommunityModel, holders: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Psychological safety discounted by the authority gradient, per level of the gap."""
    state = model.state
    gap = np.maximum(state.level[targets].astype(np.int64) - state.level[holders], 0)
    p = state.safety[holders] * (1.0 - model.config.authority_gradient) ** gap
    return np.where(targets == holders, 1.0, p)  # nobody fears speaking to themselves


def speak_up(model: CommunityModel) -> None:
    """One round of voice for every insight awaiting it."""
    ledger, state, rng, cfg = model.ledger, model.state, model.rng, model.config
    step = model.steps
    waiting = np.flatnonzero(ledger.pool_stage == AWAITING_VOICE)
    targets = listener(model, ledger.pool_holder[waiting])
    research = cfg.community or cfg.leadership == "hero"
    # the top (or the hero) needs nobody's leave: its insights go straight on to research
    own = waiting[targets == ledger.pool_holder[waiting]]
    ledger.pool_stage[own] = AWAITING_VERIFICATION
    ledger.pool_since[own] = step
    keep = targets != ledger.pool_holder[waiting]
    waiting, targets = waiting[keep], targets[keep]
    dropped = [] if research else [own]  # nobody researches: the top's insights stop here
    model.counts["voice_opportunities"] += waiting.size
    holders = ledger.pool_holder[waiting]
    dims = ledger.pool_dim[waiting]
    values = ledger.pool_value[waiting]
    speaks = rng.random(waiting.size) < voice_probability(model, holders, targets)
    dissent = values != state.beliefs[targets, dims]
    punished = speaks & dissent & (rng.random(waiting.size) < state.punitiveness[targets])
    heard = speaks & ~punished
    expired = ~speaks & (step - ledger.pool_since[waiting] + 1 >= cfg.insight_ttl)

    _update_safety(model, holders[heard], holders[punished])
    ledger.log(step, "voiced", ledger.pool_id[waiting[heard]], targets[heard])
    ledger.log(step, "punished", ledger.pool_id[waiting[punished]], targets[punished])
    ledger.log(step, "suppressed", ledger.pool_id[waiting[expired]], holders[expired])
    model.counts["insights_spoken"] += int(speaks.sum())
    model.counts["insights_voiced"] += int(heard.sum())
    model.counts["insights_punished"] += int(punished.sum())
    model.counts["insights_suppressed"] += int(expired.sum())

    ledger.pool_stage[waiting[heard]] = AWAITING_VERIFICATION
    ledger.pool_since[waiting[heard]] = step
    dropped.append(waiting[punished | expired])
    if not research:
        dropped.append(waiting[heard])  # no research: a heard insight stops here
    ledger.drop(np.concatenate(dropped))


def _update_safety(model: CommunityModel, appreciated: np.ndarray, punished: np.ndarray) -> None:
    """Appreciation moves safety toward 1, punishment toward 0, once per response."""
    cfg, safety = model.config, model.state.safety
    n = safety.shape[0]
    ups = np.bincount(appreciated, minlength=n)
    downs = np.bincount(punished, minlength=n)
    safety[:] = approach(safety, 1.0, cfg.appreciation_gain, ups)
    safety[:] = approach(safety, 0.0, cfg.punishment_penalty, downs)


def drift_to_climate(model: CommunityModel) -> None:
    """Team safety drifts toward the climate its manager sets (1 - punitiveness)."""
    state = model.state
    boss = np.where(state.manager == NO_MANAGER, np.arange(state.n), state.manager)
    climate = 1.0 - state.punitiveness[boss]
    state.safety += model.config.climate_drift * (climate - state.safety)
