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
from commsim.model.insights import AWAITING_VERIFICATION, AWAITING_VOICE
from commsim.model.kernels import (
    GAMMA,
    LOW32,
    MIX1,
    MIX2,
    S27,
    S30,
    S31,
    S32,
    TWO32,
    below,
    kernel,
    splitmix64,
)
from commsim.model.reporting import willing_safety
from commsim.model.state import NO_MANAGER, approach_rows

if TYPE_CHECKING:
    from commsim.model.world import World

# an insight's fate at the voice phase (``voice_fates`` decides, ``speak_up`` applies)
NOT_WAITING, OWN, WAITS, HEARD, PUNISHED, SUPPRESSED = range(6)


def listener(world: World, holders: np.ndarray) -> np.ndarray:
    """Whom each holder speaks up to: their manager, or the hero leader; the top to itself."""
    if world.config.leadership == "hero":
        return np.full(holders.shape[0], world.top, dtype=np.int64)
    target = world.state.manager[holders]
    return np.where(target == NO_MANAGER, holders, target)


def gap_discount(world: World) -> np.ndarray:
    """``(1 - authority_gradient) ** gap`` for every gap between levels: voice's discount."""
    return (1.0 - world.config.authority_gradient) ** np.arange(world.n_levels)


def voice_probability(world: World, holders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Psychological safety discounted by the authority gradient, per level of the gap."""
    state = world.state
    gap = np.maximum(state.level[targets].astype(np.int64) - state.level[holders], 0)
    p = willing_safety(world)[holders] * (1.0 - world.config.authority_gradient) ** gap
    return np.where(targets == holders, 1.0, p)  # nobody fears speaking to themselves


def speak_up(world: World) -> None:
    """One round of voice for every insight awaiting it.

    ``voice_fates`` decides every entry's fate in one pass (listener, the top's own
    insights, speaking up, punishment, suppression); this function applies the fates.
    """
    ledger, state, cfg = world.ledger, world.state, world.config
    if not ledger.pool_size:
        return
    step = world.step
    order, counts, targets = voice_fates(
        ledger.pool,
        state.manager,
        state.level,
        willing_safety(world),  # safety, times willingness to report (7.22) where it is on
        state.punitiveness,
        state.beliefs,
        world.top if cfg.leadership == "hero" else -1,
        gap_discount(world),
        cfg.insight_ttl,
        step,
        kernels.draw_key(world.rng),
    )
    # the pool rows of each fate, in pool order
    bounds = np.cumsum(counts).tolist()
    own, heard, punished, suppressed = (
        order[bounds[fate - 1] : bounds[fate]] for fate in (OWN, HEARD, PUNISHED, SUPPRESSED)
    )
    holders, ids = ledger.pool_holder, ledger.pool_id
    _update_safety(world, holders[heard], holders[punished])
    ledger.log(step, "voiced", ids[heard], targets[heard])
    ledger.log(step, "punished", ids[punished], targets[punished])
    ledger.log(step, "suppressed", ids[suppressed], holders[suppressed])
    tally = world.counts
    tally["voice_opportunities"] += bounds[-1] - bounds[OWN]  # all waiting but the top's
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


# --- voice_fates: one attempt for every insight awaiting it -----------------------------


def _voice_fates_loops(
    pool: np.ndarray,
    manager: np.ndarray,
    level: np.ndarray,
    safety: np.ndarray,
    punitiveness: np.ndarray,
    beliefs: np.ndarray,
    hero: int,
    discount: np.ndarray,
    ttl: int,
    step: int,
    key: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = pool.shape[1]
    fate = np.zeros(size, np.int8)
    target = np.full(size, -1, np.int64)
    for j in range(size):
        if pool[4, j] != AWAITING_VOICE:
            continue
        h = pool[1, j]
        t = hero if hero >= 0 else manager[h]
        t = h if t < 0 else t
        target[j] = t
        if t == h:
            fate[j] = OWN
            continue
        gap = max(np.int64(level[t]) - np.int64(level[h]), 0)
        z = np.uint64(j + 1) * GAMMA + key  # splitmix64, inline
        z = (z ^ (z >> S30)) * MIX1
        z = (z ^ (z >> S27)) * MIX2
        z = z ^ (z >> S31)
        if np.float64(z >> S32) < safety[h] * discount[gap] * TWO32:
            dissent = pool[3, j] != beliefs[t, pool[2, j]]
            punish = dissent and np.float64(z & LOW32) < punitiveness[t] * TWO32
            fate[j] = PUNISHED if punish else HEARD
        elif step - pool[5, j] + 1 >= ttl:
            fate[j] = SUPPRESSED
        else:
            fate[j] = WAITS
    counts = np.zeros(6, np.int64)
    for j in range(size):
        counts[fate[j]] += 1
    start = np.zeros(6, np.int64)
    for f in range(1, 6):
        start[f] = start[f - 1] + counts[f - 1]
    order = np.empty(size, np.int64)  # a counting sort: rows by fate, in pool order
    for j in range(size):
        order[start[fate[j]]] = j
        start[fate[j]] += 1
    return order, counts, target


@kernel(_voice_fates_loops)
def voice_fates(
    pool: np.ndarray,
    manager: np.ndarray,
    level: np.ndarray,
    safety: np.ndarray,
    punitiveness: np.ndarray,
    beliefs: np.ndarray,
    hero: int,
    discount: np.ndarray,
    ttl: int,
    step: int,
    key: np.uint64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pool entry's fate at the voice phase (``NOT_WAITING`` ... ``SUPPRESSED``).

    ``pool`` is ``InsightLedger.pool`` (rows as ``insights.POOL_COLUMNS``). An entry awaiting
    voice speaks to its holder's manager, or to ``hero`` when that is >= 0; an entry whose
    listener is its holder is the top's own (``OWN``). Entry j uses number j: it speaks up
    when the top 32 bits are below ``safety[holder] * discount[gap]`` and, if it dissents
    from the listener's belief, is punished when the low 32 bits are below the listener's
    punitiveness (both on the 2**32 scale); one not spoken is suppressed on its ``ttl``-th
    attempt.

    Returns the pool rows grouped by fate (pool order within a fate), how many have each
    fate, and each entry's listener (-1 where not awaiting voice). Compiled: one pass
    instead of dozens of small NumPy calls, whose fixed cost dominates at N = 10,000.
    """
    holder, dim, value, stage, since = pool[1], pool[2], pool[3], pool[4], pool[5]
    fate = np.zeros(holder.size, np.int8)
    target = np.full(holder.size, -1, np.int64)
    j = np.flatnonzero(stage == AWAITING_VOICE)
    h = holder[j]
    t = np.full(j.size, hero) if hero >= 0 else manager[h]
    t = np.where(t < 0, h, t)
    target[j] = t
    gap = np.maximum(level[t].astype(np.int64) - level[h], 0)
    z = splitmix64(key, j)
    speaks = (z >> S32) < below(safety[h] * discount[gap])
    dissent = value[j] != beliefs[t, dim[j]]
    punished = speaks & dissent & ((z & LOW32) < below(punitiveness[t]))
    silent = np.where(step - since[j] + 1 >= ttl, SUPPRESSED, WAITS)
    spoke = np.where(punished, PUNISHED, HEARD)
    fate[j] = np.where(t == h, OWN, np.where(speaks, spoke, silent))
    return np.argsort(fate, kind="stable"), np.bincount(fate, minlength=6), target


def _update_safety(world: World, appreciated: np.ndarray, punished: np.ndarray) -> None:
    """Appreciation moves safety toward 1, punishment toward 0, once per response."""
    cfg, safety = world.config, world.state.safety
    approach_rows(safety, 1.0, cfg.appreciation_gain, appreciated)
    approach_rows(safety, 0.0, cfg.punishment_penalty, punished)


def drift_to_climate(world: World) -> None:
    """Team safety drifts toward the climate its manager sets (1 - punitiveness)."""
    drift = world.config.climate_drift
    if drift == 0:
        return  # adding 0 * (climate - safety) changes no safety
    state = world.state
    climate = 1.0 - state.punitiveness[world.climate_setter]
    state.safety += drift * (climate - state.safety)
