"""Verification compiled: verifiers, the wall, the checks and the code, in one call.

``community.verify_and_codify`` is the costliest phase of a default step, a chain of some
thirty small NumPy calls on the few insights in the verification queue. The stand-in does
its work in one compiled call, drawing what the phase draws in the same order: a verifier
per newly queued insight, then a crossing draw per new insight, then a noise draw per
insight checked (``observe`` on March's reality, where the feedback is the dimension's true
value whatever the holder believes). Its events, in the phase's order, and the memory of
what was codified are written in the same call (``ledger.put_event``, ``ledger.codify``);
the counters stay in Python.

It covers collective leadership on March's reality (``RealityVector``) with one
verification required. Where a verifier has more insights than ``verification_capacity``
the phase draws an order with ``rng.permutation``, which is not reproduced here: the call
then puts the generator back as it found it, changes nothing, and the phase runs. Without
a permutation every queued insight is checked, so none expires in the compiled path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model.community import crossing_table, verify_and_codify
from commsim.model.insights import AWAITING_VERIFICATION, EVENT_CODE
from commsim.model.memory import tacit_count
from commsim.model.reality import RealityVector
from commsim.model.state import RESEARCHER
from commsim.model.tension import record_codified, tension_shown

from .ledger import codify, put_event
from .pcg import next_double, uniform_below

if TYPE_CHECKING:
    from collections.abc import Callable

    from commsim.model.world import World

# the pool's rows (insights.POOL_COLUMNS)
_ID, _HOLDER, _DIM, _VALUE, _STAGE, _SINCE, _VERIFIER = range(7)
_WALLED, _VERIFIED, _REFUTED = (EVENT_CODE[e] for e in ("walled", "verified", "refuted"))


@numba.njit(cache=True, nogil=True)
def _verify(
    rng: np.ndarray,
    pool: np.ndarray,
    beliefs: np.ndarray,
    role: np.ndarray,
    code: np.ndarray,
    target: np.ndarray,
    crossing: np.ndarray,
    step: int,
    capacity: int,
    noise: float,
    tacit: int,
    counts: np.ndarray,
    events: np.ndarray,
    logged: int,
    memory: tuple,
) -> tuple[bool, np.ndarray]:
    """``verify_and_codify`` in place (the pool compacted in place, beliefs, code) where no
    verifier is over ``capacity``; else nothing changes, the generator included, and the
    first value is True. The walled, verified and refuted are written into the ledger's
    ``events`` from row ``logged`` on, in turn, then the codified with the memory
    (``memory``: ``ledger.codify``'s first three arguments). Returns that and the codified
    insights' dimensions and steps waited (two rows); ``counts`` gets how many walled,
    verified, refuted and codified, the flows across roles, the entries the pool keeps (its
    first) and the events written."""
    n, m = beliefs.shape
    size = pool.shape[1]
    stage, verifier = pool[_STAGE], pool[_VERIFIER]
    saved = rng.copy()
    new = np.flatnonzero((stage == AWAITING_VERIFICATION) & (verifier < 0))
    chosen = np.full(new.size, -1, np.int64)
    walled = np.zeros(size, np.bool_)
    researchers = np.flatnonzero(role == RESEARCHER)
    if researchers.size:  # a verifier each, then a draw each at the wall
        for j in range(new.size):
            chosen[j] = researchers[uniform_below(rng, researchers.size)]
        for j in range(new.size):
            chance = crossing[role[pool[_HOLDER, new[j]]], role[chosen[j]]]
            walled[new[j]] = next_double(rng) >= chance
    else:  # nobody to verify: every new insight is walled
        walled[new] = True
    load = np.zeros(n, np.int64)
    for r in range(size):
        if stage[r] == AWAITING_VERIFICATION and verifier[r] >= 0:
            load[verifier[r]] += 1
    for j in range(new.size):
        if not walled[new[j]]:
            load[chosen[j]] += 1
    if load.max() > capacity:  # the phase would draw a permutation: leave it to the phase
        rng[:] = saved
        return True, np.empty((2, 0), np.int64)
    verifier[new] = chosen
    # every queued insight is checked, where it was born (March's reality: its true value)
    checked = (stage == AWAITING_VERIFICATION) & ~walled
    verified = np.zeros(size, np.bool_)
    last = np.full(m, -1, np.int64)  # per dimension, the last verified in pool order
    crossed = 0
    for r in np.flatnonzero(checked):
        d, v = pool[_DIM, r], verifier[r]
        seen = -target[d] if next_double(rng) < noise else target[d]
        verified[r] = seen == pool[_VALUE, r]
        beliefs[v, d] = seen  # the verifier learns either way
        crossed += role[pool[_HOLDER, r]] != role[v]
        if verified[r]:
            last[d] = r
    codified = np.empty(m, np.int64)
    c = 0
    for d in range(tacit, m):  # by dimension, as the phase's codify
        r = last[d]
        if r >= 0 and pool[_VALUE, r] != code[d]:
            code[d] = pool[_VALUE, r]
            codified[c] = r
            c += 1
    refuted = checked & ~verified
    row = logged  # the walled with their holders, the verified and refuted with verifiers
    for event, rows in ((_WALLED, walled), (_VERIFIED, verified), (_REFUTED, refuted)):
        for r in np.flatnonzero(rows):
            member = pool[_HOLDER, r] if event == _WALLED else verifier[r]
            put_event(events, row, pool[_ID, r], step, event, member)
            row += 1
    codified_rows = np.empty((4, c), np.int64)  # id, verifier, dimension, steps waited
    for j in range(c):
        r = codified[j]
        codified_rows[0, j], codified_rows[1, j] = pool[_ID, r], verifier[r]
        codified_rows[2, j], codified_rows[3, j] = pool[_DIM, r], step - pool[_SINCE, r]
    ids, verifiers, dims = codified_rows[0], codified_rows[1], codified_rows[2]
    row = codify(*memory, events, row, step, ids, verifiers, dims)
    kept = 0
    for r in range(size):  # the queue leaves the pool: the walled, and everyone checked
        if stage[r] != AWAITING_VERIFICATION:
            for column in range(pool.shape[0]):
                pool[column, kept] = pool[column, r]
            kept += 1
    counts[:] = np.array(
        [walled.sum(), verified.sum(), refuted.sum(), c, crossed, kept, row - logged]
    )
    return False, codified_rows[2:]


def make(world: World, state: np.ndarray) -> Callable[[World], None] | None:
    """The stand-in for ``verify_and_codify`` under collective leadership on March's reality
    (None otherwise); ``state``: the model's generator (``pcg.generator_state``)."""
    cfg = world.config  # frozen: what the phase reads of it is fixed for the run
    if cfg.leadership == "hero" or type(world.environment) is not RealityVector:
        return None
    shown, tacit = tension_shown(cfg), tacit_count(cfg)
    fixed = (int(cfg.verification_capacity), float(cfg.research_noise), tacit)
    counts = np.zeros(7, np.int64)

    def run(world: World) -> None:
        """``verify_and_codify``, compiled: the phase itself where rigour asks for more than
        one check (a lever can raise it) or a verifier is over capacity."""
        if world.param("verifications_required") > 1:
            verify_and_codify(world)
            return
        ledger, s, step = world.ledger, world.state, world.step
        memory = world.memory
        over, (dims, waited) = _verify(
            state, ledger.pool, s.beliefs, s.role, s.code, world.environment.target,
            crossing_table(world), step, *fixed, counts,
            ledger.events.reserve(ledger.pool_size + 2 * s.m), ledger.events.size,
            (memory.source, memory.diffused, memory.codified_at),
        )  # fmt: skip
        if over:
            verify_and_codify(world)
            return
        walled, verified, refuted, codified, crossed, kept, logged = counts.tolist()
        ledger.keep_first(kept)
        ledger.events.extend(logged)
        if codified:
            memory.wrote()
        if shown and verified + refuted:  # the queue was not empty
            record_codified(world, waited, dims, s.code[dims])
        tally = world.counts
        tally["insights_walled"] += walled
        tally["insights_verified"] += verified
        tally["insights_refuted"] += refuted
        tally["insights_codified"] += codified
        tally["flows"] += verified + refuted
        tally["cross_role_flows"] += crossed

    return run


STAND_INS = {verify_and_codify: make}
