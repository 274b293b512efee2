"""The voice phase compiled: every insight's attempt to speak up, and what follows, in one call.

``voice.speak_up`` decides the fates in one compiled pass (``voice_fates``), then applies
them with some twenty small NumPy calls: the rows of each fate, the holders' safety
(appreciation up, punishment down), the pool's stage and since, the rows dropped. Here
``voice_fates``' and ``approach_by_powers``' own compiled loops run from numba and the fates
are applied in the same call, with the phase's key drawn from the model's generator
(``pcg.next_raw``), the pool compacted in place and the events written into the ledger's
log (``ledger.put_event``); Python keeps the counts.

It covers every run the phase runs in: leadership collective or hero, research on or off,
willingness to report (7.22) on or off (``willing_safety`` is read each call, as the phase
does). The parameters it reads are the config's (no lever sets them), so the discount by gap
and the safety gains' powers are made once per run (longer as the pool grows).

The climate's drift (``drift_to_climate``, every member's safety toward the climate its
manager sets) is one compiled loop too, with the phase's operations in the phase's order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model.insights import AWAITING_VERIFICATION, EVENT_CODE
from commsim.model.reporting import willing_safety
from commsim.model.state import approach_by_powers, approach_powers
from commsim.model.voice import (
    HEARD,
    NOT_WAITING,
    OWN,
    PUNISHED,
    WAITS,
    drift_to_climate,
    gap_discount,
    speak_up,
    voice_fates,
)

from .ledger import put_event
from .pcg import next_raw

if TYPE_CHECKING:
    from collections.abc import Callable

    from commsim.model.world import World

_VOICED, _PUNISHED, _SUPPRESSED = (EVENT_CODE[e] for e in ("voiced", "punished", "suppressed"))
_fates = voice_fates.compiled()
_approach = approach_by_powers.compiled()


@numba.njit(cache=True, nogil=True)
def _speak_up(
    rng: np.ndarray,
    pool: np.ndarray,
    manager: np.ndarray,
    level: np.ndarray,
    safety: np.ndarray,
    willing: np.ndarray,
    punitiveness: np.ndarray,
    beliefs: np.ndarray,
    hero: int,
    discount: np.ndarray,
    ttl: int,
    step: int,
    research: bool,
    appreciation: np.ndarray,
    punishment: np.ndarray,
    events: np.ndarray,
    logged: int,
) -> tuple[np.ndarray, int]:
    """One round of voice, in place on ``safety`` and ``pool`` (``speak_up``'s arguments;
    ``appreciation``, ``punishment``: the gains' powers, longer than the pool), its events
    written into the ledger's ``events`` from row ``logged`` on: the heard and the punished
    with their listener, then the suppressed with their holder.

    Returns the fate counts and how many entries the pool keeps (compacted to its front)."""
    order, counts, target = _fates(
        pool, manager, level, willing, punitiveness, beliefs, hero, discount, ttl, step,
        next_raw(rng),
    )  # fmt: skip
    size = pool.shape[1]
    own = counts[NOT_WAITING]  # order: not waiting, own, waiting, then the logged fates
    waiting = own + counts[OWN]
    first = waiting + counts[WAITS]
    heard = first + counts[HEARD]
    spoken = heard + counts[PUNISHED]
    for k in range(first, size):
        j = order[k]
        event = _VOICED if k < heard else _PUNISHED if k < spoken else _SUPPRESSED
        member = target[j] if k < spoken else pool[1, j]
        put_event(events, logged + k - first, pool[0, j], step, event, member)
    if heard > first:  # appreciation, then punishment, as ``_update_safety``
        _approach(safety, 1.0, appreciation, pool[1][order[first:heard]])
    if spoken > heard:
        _approach(safety, 0.0, punishment, pool[1][order[heard:spoken]])
    keep = np.ones(size, np.bool_)
    for j in np.concatenate((order[own:waiting], order[first:heard])):  # they move on
        if research:
            pool[4, j] = AWAITING_VERIFICATION
            pool[5, j] = step
        else:
            keep[j] = False
    for j in order[heard:]:  # punished and suppressed
        keep[j] = False
    kept = 0
    for j in range(size):  # the pool compacted in place, in order (``InsightLedger.keep``)
        if keep[j]:
            pool[:, kept] = pool[:, j]
            kept += 1
    return counts, kept


class SpeakUp:
    """``speak_up`` as one compiled call for a run, and the Python it needs around it."""

    def __init__(self, rng_state: np.ndarray, world: World) -> None:
        cfg = world.config
        self.rng_state = rng_state
        self.hero = world.top if cfg.leadership == "hero" else -1
        self.discount = gap_discount(world)
        self.ttl = cfg.insight_ttl
        self.reporting = cfg.reporting  # else ``willing_safety`` is ``state.safety``
        self.research = cfg.community or cfg.leadership == "hero"
        self.gains = (cfg.appreciation_gain, cfg.punishment_penalty)
        self._powers(0)  # made on the first call, remade as the pool grows

    def _powers(self, length: int) -> None:
        """The gains' powers 0 .. length - 1, as ``approach_rows`` makes them."""
        self.appreciation, self.punishment = (approach_powers(g, length) for g in self.gains)

    def __call__(self, world: World) -> None:
        ledger, state, step = world.ledger, world.state, world.step
        size = ledger.pool_size
        if not size:
            return
        if size >= self.appreciation.size:  # powers 0 .. the responses, at most the pool
            self._powers(2 * size + 1)
        willing = willing_safety(world) if self.reporting else state.safety
        counts, kept = _speak_up(
            self.rng_state, ledger.pool, state.manager, state.level, state.safety, willing,
            state.punitiveness, state.beliefs, self.hero, self.discount, self.ttl, step,
            self.research, self.appreciation, self.punishment, ledger.events.reserve(size),
            ledger.events.size,
        )  # fmt: skip
        _, _, waits, heard, punished, suppressed = counts.tolist()
        spoken = heard + punished
        ledger.events.extend(spoken + suppressed)
        tally = world.counts
        tally["voice_opportunities"] += waits + spoken + suppressed
        tally["insights_spoken"] += spoken
        tally["insights_voiced"] += heard
        tally["insights_punished"] += punished
        tally["insights_suppressed"] += suppressed
        ledger.keep_first(kept)


def make(world: World, rng_state: np.ndarray) -> SpeakUp:
    """The compiled voice phase for a run (it covers every run the phase runs in)."""
    return SpeakUp(rng_state, world)


@numba.njit(cache=True, nogil=True)
def _drift(safety: np.ndarray, punitiveness: np.ndarray, setter: np.ndarray, drift: float) -> None:
    """``drift_to_climate``'s update, member by member with the same operations."""
    for i in range(safety.shape[0]):
        safety[i] += drift * ((1.0 - punitiveness[setter[i]]) - safety[i])


def make_climate(world: World, rng_state: np.ndarray) -> Callable[[World], None] | None:
    """The compiled climate drift (it draws nothing); None at a drift of 0, where the phase
    returns at once."""
    drift = world.config.climate_drift
    if drift == 0:
        return None

    def climate(world: World) -> None:
        state = world.state
        _drift(state.safety, state.punitiveness, world.climate_setter, drift)

    return climate


STAND_INS = {speak_up: make, drift_to_climate: make_climate}
