"""Exploring compiled: who explores, on which dimension, what reality tells them, in one call.

``practice.explore`` is a chain of about twenty small NumPy calls (the trial, fear's second
trial, the dimensions, the noise, the feedback, the changed beliefs) on a few hundred rows:
fixed cost. The stand-in does them in one compiled call, drawing what the phase draws in the
same order (the trial's key, then a dimension per explorer, then a noise draw per explorer)
and calling the phase's own trial (``kernels.bernoulli_rows``'s loops). It covers March's
reality (``RealityVector``: feedback is the true value of the dimension, ``better``, flipped
with the member's noise); units and NK landscapes keep the phase. The insights it generates
are written into the ledger's arrays by a second compiled call (``ledger.generate``); the
counters stay in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model import kernels
from commsim.model.fear import fearful
from commsim.model.practice import entry_stage, exploration_rate, explore
from commsim.model.reality import RealityVector
from commsim.model.state import CAPACITY_BUILDER, RESEARCHER

from .ledger import generate
from .pcg import next_double, next_raw, uniform_below

if TYPE_CHECKING:
    from collections.abc import Callable

    from commsim.model.world import World

_trial = kernels.bernoulli_rows.compiled()


@numba.njit(cache=True, nogil=True)
def _explore(
    rng: np.ndarray,
    beliefs: np.ndarray,
    role: np.ndarray,
    safety: np.ndarray,
    target: np.ndarray,
    rate: float,
    fear: float,
    counted: bool,
    practice_noise: float,
    research_noise: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """``explore`` at a rate above 0, beliefs changed in place (``fear.explorers`` then
    ``observe`` on March's reality). Returns the members whose belief changed, their
    dimensions and new values, and how many would have explored without fear (counted only
    where ``counted``, else the explorers) and how many did."""
    n, m = beliefs.shape
    p = np.empty(n)
    for i in range(n):
        p[i] = rate if role[i] != CAPACITY_BUILDER else 0.0
    key = next_raw(rng)
    if fear == 0:
        explorers = _trial(p, key)
        would = explorers.shape[0]
    else:
        dares = np.empty(n)
        for i in range(n):
            dares[i] = p[i] * (1.0 - fear * (1.0 - safety[i]))
        explorers = _trial(dares, key)
        would = _trial(p, key).shape[0] if counted else explorers.shape[0]
    k = explorers.shape[0]
    dims = np.empty(k, np.int64)
    for j in range(k):  # all the dimensions first, then all the noise: the phase's order
        dims[j] = uniform_below(rng, m)
    members, changed, seen = np.empty(k, np.int64), np.empty(k, np.int64), np.empty(k, np.int8)
    kept = 0
    for j in range(k):
        i, d = explorers[j], dims[j]
        noise = research_noise if role[i] == RESEARCHER else practice_noise
        value = -target[d] if next_double(rng) < noise else target[d]
        if value != beliefs[i, d]:
            beliefs[i, d] = value
            members[kept], changed[kept], seen[kept] = i, d, value
            kept += 1
    return members[:kept], changed[:kept], seen[:kept], would, k


def make(world: World, state: np.ndarray) -> Callable[[World], None] | None:
    """The stand-in for ``explore`` on March's reality (None on other tasks); ``state``: the
    model's generator (``pcg.generator_state``)."""
    if type(world.environment) is not RealityVector:
        return None
    cfg = world.config  # frozen: what the phase reads of it is fixed for the run
    counted, stage = fearful(cfg), entry_stage(world)
    pooled = -1 if stage is None else stage
    noises = (float(cfg.practice_noise), float(cfg.research_noise))

    def run(world: World) -> None:
        """``explore``, compiled: the rate and fear as they stand now."""
        rate = exploration_rate(world)
        if rate == 0:
            return
        s, ledger = world.state, world.ledger
        members, dims, seen, would, dared = _explore(
            state, s.beliefs, s.role, s.safety, world.environment.target, float(rate),
            float(world.param("exploration_fear")), counted, *noises,
        )  # fmt: skip
        k = members.size
        if k:  # written where ``ledger.generate`` writes, in one compiled call
            generate(
                ledger.records.reserve(k), ledger.events.reserve(k), ledger.reserve_pool(k),
                ledger.count, ledger.events.size, ledger.pool_size, world.step, pooled,
                members, dims, seen,
            )  # fmt: skip
            ledger.records.extend(k)
            ledger.events.extend(k)
            ledger.extend_pool(k if stage is not None else 0)
        counts = world.counts
        if counted:
            counts["experiments_forgone"] += would - dared
            counts["experiments"] += dared
        counts["insights_generated"] += k

    return run


STAND_INS = {explore: make}
