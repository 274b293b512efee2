"""Peer learning (``random_neighbour``) and mentoring compiled: each phase one call.

Both phases pick members by ``bernoulli_rows``, give each a random neighbour, and let the
walls between roles stop some of them: a dozen small NumPy calls on a few dozen rows,
whose fixed cost is the phase's. The stand-ins do the same in one compiled call each, with
the same draws from the model's generator in the same order (``pcg.py``), the same kernels
(``bernoulli_rows``, ``approach_by_powers``) and the same crossing table, read with the
live ``integration`` at every call. They cover ties without weights; a collaboration
network's weighted ties, and the other peer-learning rules, keep the NumPy phases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model import kernels
from commsim.model.community import crossing_table, mentor
from commsim.model.peers import learn_from_peers
from commsim.model.state import CAPACITY_BUILDER, approach_by_powers, approach_powers

from .pcg import next_double, next_raw, uniform_below

if TYPE_CHECKING:
    from collections.abc import Callable

    from commsim.model.world import World

_bernoulli_rows = kernels.bernoulli_rows.compiled()
_approach = approach_by_powers.compiled()


@numba.njit(cache=True, nogil=True)
def _random_neighbours(
    rng: np.ndarray, indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """``Ties.random_neighbour`` on unweighted ties: one double per row, isolated or not;
    -1 for an isolated member."""
    out = np.empty(rows.shape[0], np.int64)
    for k in range(rows.shape[0]):
        u = next_double(rng)
        start, degree = indptr[rows[k]], indptr[rows[k] + 1] - indptr[rows[k]]
        out[k] = indices[start + np.int64(u * degree)] if degree > 0 else -1
    return out


@numba.njit(cache=True, nogil=True)
def _copy_a_better_neighbour(
    rng: np.ndarray,
    rate: float,
    learning_rate: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    beliefs: np.ndarray,
    role: np.ndarray,
    code: np.ndarray,
    source: np.ndarray,
    performance: np.ndarray,
    crossing: np.ndarray,
    jump: bool,
) -> tuple[int, int, int]:
    """``peers.copy_a_better_neighbour``, in place; returns (flows, cross-role flows,
    insights adopted: made the code's value on a dimension an insight stands
    behind, ``source`` at least 0)."""
    if rate == 0:  # the phase is off: nothing drawn
        return 0, 0, 0
    n, m = beliefs.shape
    p = np.empty(n)
    for i in range(n):
        p[i] = min(rate * learning_rate[i], 1.0)
    learners = _bernoulli_rows(p, next_raw(rng))
    peers = _random_neighbours(rng, indptr, indices, learners)
    size = learners.shape[0]
    dims = np.empty(size, np.int64)
    for k in range(size):
        dims[k] = uniform_below(rng, m)
    # every belief is read before any is written: one synchronous round of copying
    new = np.zeros(size, np.int8)
    copies = np.zeros(size, np.bool_)
    for k in range(size):
        learner, peer, d = learners[k], peers[k], dims[k]
        through = next_double(rng) < crossing[role[max(peer, 0)], role[learner]]
        if peer < 0 or not through or not performance[peer] > performance[learner]:
            continue
        theirs, own = beliefs[peer, d], beliefs[learner, d]
        if theirs != 0 and theirs != own:
            copies[k] = True
            new[k] = theirs if jump else own + np.sign(np.int16(theirs) - np.int16(own))
    flows = crossed = adopted = 0
    for k in range(size):
        if copies[k]:
            learner, d = learners[k], dims[k]
            beliefs[learner, d] = new[k]
            flows += 1
            crossed += role[peers[k]] != role[learner]
            adopted += new[k] == code[d] and code[d] != 0 and source[d] >= 0
    return flows, crossed, adopted


@numba.njit(cache=True, nogil=True)
def _mentor(
    rng: np.ndarray,
    rate: float,
    role: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    crossing: np.ndarray,
    safety: np.ndarray,
    safety_powers: np.ndarray,
    learning_rate: np.ndarray,
    max_learning_rate: float,
    learning_powers: np.ndarray,
) -> int:
    """``community.mentor``, in place; returns the mentorings."""
    coaches = np.flatnonzero(role == CAPACITY_BUILDER)
    coaches = coaches[_bernoulli_rows(np.full(coaches.shape[0], rate), next_raw(rng))]
    mentees = _random_neighbours(rng, indptr, indices, coaches)
    reached = np.empty(coaches.shape[0], np.int64)
    count = 0
    for k in range(coaches.shape[0]):  # a draw for each coach with a neighbour, in order
        mentee = mentees[k]
        if mentee >= 0 and next_double(rng) < crossing[role[coaches[k]], role[mentee]]:
            reached[count] = mentee
            count += 1
    _approach(safety, 1.0, safety_powers, reached[:count])
    _approach(learning_rate, max_learning_rate, learning_powers, reached[:count])
    return count


def make_peers(world: World, rng_state: np.ndarray) -> Callable[[World], None] | None:
    """The stand-in for ``learn_from_peers``: its default rule on unweighted ties."""
    if world.config.peer_learning != "random_neighbour" or world.ties.weight is not None:
        return None

    def peers(world: World) -> None:
        state, cfg, ties = world.state, world.config, world.ties
        flows, crossed, adopted = _copy_a_better_neighbour(
            rng_state, cfg.neighbour_learning_rate, state.learning_rate, ties.indptr,
            ties.indices, state.beliefs, state.role, state.code, world.memory.source,
            world.scratch["performance"], crossing_table(world), cfg.socialisation_mode == "jump",
        )  # fmt: skip
        counts = world.counts
        counts["flows"] += flows
        counts["cross_role_flows"] += crossed
        counts["insights_adopted"] += adopted

    return peers


def make_mentoring(world: World, rng_state: np.ndarray) -> Callable[[World], None] | None:
    """The stand-in for ``mentor`` on unweighted ties."""
    if world.ties.weight is not None:
        return None
    cfg = world.config
    # approach_rows' table for every count a step can reach (at most n coachings)
    safety_powers = approach_powers(cfg.mentoring_safety_gain, world.state.n + 1)
    learning_powers = approach_powers(cfg.mentoring_learning_gain, world.state.n + 1)

    def mentoring(world: World) -> None:
        state, cfg, ties = world.state, world.config, world.ties
        world.counts["mentorings"] += _mentor(
            rng_state, cfg.mentoring_rate, state.role, ties.indptr, ties.indices,
            crossing_table(world), state.safety, safety_powers, state.learning_rate,
            cfg.max_learning_rate, learning_powers,
        )  # fmt: skip

    return mentoring


STAND_INS = {learn_from_peers: make_peers, mentor: make_mentoring}
