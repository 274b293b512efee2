"""The learning community: practice, research and capacity building, and the walls between.

``integration`` is the chance that knowledge crosses from one role to another (0 = three
walled silos). Capacity builders bridge: flows they take part in cross with
``integration * (1 + bridging)``. Researchers verify voiced insights against reality with
little noise and codify the verified ones into the organisational code; capacity builders
mentor the members they reach, raising safety and learning rate.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
from commsim.model.insights import AWAITING_VERIFICATION
from commsim.model.memory import tacit_count
from commsim.model.state import CAPACITY_BUILDER, RESEARCHER, approach_rows, uniform_below
from commsim.model.tension import confirm, record_codified, tension_shown

if TYPE_CHECKING:
    from commsim.model.world import World


def crossing_chance(world: World, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Probability that a flow from roles ``source`` to roles ``target`` gets through."""
    return crossing_table(world)[source, target]


def crossing_table(world: World) -> np.ndarray:
    """``table[source role, target role]``: the chance a flow gets through now (the live
    ``integration``)."""
    cfg = world.config
    return _crossing_table(cfg.community, world.param("integration"), cfg.bridging)


@functools.lru_cache(maxsize=64)
def _crossing_table(community: bool, integration: float, bridging: float) -> np.ndarray:
    """``table[source role, target role]``: one lookup instead of a chain of ``where``."""
    table = np.full((3, 3), integration if community else 1.0)
    if community:
        bridged = min(1.0, integration * (1.0 + bridging))
        table[CAPACITY_BUILDER, :] = table[:, CAPACITY_BUILDER] = bridged
        np.fill_diagonal(table, 1.0)
    table.flags.writeable = False
    return table


def record_flow(world: World, source: np.ndarray, target: np.ndarray) -> None:
    """Count knowledge transfers, and those that crossed a role boundary."""
    world.counts["flows"] += int(source.size)
    world.counts["cross_role_flows"] += int((source != target).sum())


def assign_verifiers(world: World, rows: np.ndarray) -> np.ndarray:
    """Newly queued insights get a verifier, once: a random researcher, or the hero.

    The insight meets the wall between roles here, once; returns which rows it stopped.
    """
    ledger, state, rng = world.ledger, world.state, world.rng
    holders = ledger.pool_holder[rows]
    if world.config.leadership == "hero":
        ledger.pool_verifier[rows] = world.top
        return np.zeros(rows.size, dtype=bool)
    researchers = np.flatnonzero(state.role == RESEARCHER)
    if researchers.size == 0:
        return np.ones(rows.size, dtype=bool)
    verifier = researchers[uniform_below(rng, researchers.size, rows.size)]
    ledger.pool_verifier[rows] = verifier
    chance = crossing_chance(world, state.role[holders], state.role[verifier])
    return rng.random(rows.size) >= chance


def first_come(verifier: np.ndarray, capacity: int, rng: np.random.Generator) -> np.ndarray:
    """Which entries each verifier takes this step: at most ``capacity``, in random order."""
    if np.bincount(verifier).max(initial=0) <= capacity:
        return np.ones(verifier.size, dtype=bool)  # nobody is over capacity: no choice to draw
    order = rng.permutation(verifier.size)
    order = order[np.argsort(verifier[order], kind="stable")]
    v = verifier[order]
    first = np.r_[0, np.flatnonzero(v[1:] != v[:-1]) + 1] if v.size else np.empty(0, np.int64)
    rank = np.arange(v.size) - np.repeat(first, np.diff(np.r_[first, v.size]))
    served = np.zeros(verifier.size, dtype=bool)
    served[order[rank < capacity]] = True
    return served


def verify_and_codify(world: World) -> None:
    """Researchers (or the hero leader) check queued insights; verified ones enter the code."""
    ledger, state, rng, cfg = world.ledger, world.state, world.rng, world.config
    step = world.step
    new = np.flatnonzero((ledger.pool_stage == AWAITING_VERIFICATION) & (ledger.pool_verifier < 0))
    walled = new[assign_verifiers(world, new)]
    ledger.log(step, "walled", ledger.pool_id[walled], ledger.pool_holder[walled])
    world.counts["insights_walled"] += walled.size
    ledger.drop(walled)

    queued = np.flatnonzero(ledger.pool_stage == AWAITING_VERIFICATION)
    if queued.size == 0:
        return
    verifier = ledger.pool_verifier[queued]
    served = first_come(verifier, cfg.verification_capacity, rng)
    waited = step - ledger.pool_since[queued] + 1
    expired = ~served & (waited >= cfg.insight_ttl)

    ids, dims, values = ledger.pool_id[queued], ledger.pool_dim[queued], ledger.pool_value[queued]
    holders = ledger.pool_holder[queued]
    noise = cfg.practice_noise if cfg.leadership == "hero" else cfg.research_noise
    s = np.flatnonzero(served)
    # checked where the insight was born (its holder's unit, 7.20)
    seen = world.environment.observe(state.beliefs[holders[s]], dims[s], noise, rng, holders[s])
    ok = seen == values[s]
    state.beliefs[verifier[s], dims[s]] = seen  # the verifier learns either way
    record_flow(world, state.role[holders[s]], state.role[verifier[s]])
    refuted = ~ok
    if world.param("verifications_required") > 1:  # rigour (tension.py): confirm again
        ok, pending = confirm(world, ids[s], ok, ids[expired])
        served[s[pending]] = False  # back in the queue for another check

    ledger.log(step, "expired", ids[expired], verifier[expired])
    ledger.log(step, "verified", ids[s[ok]], verifier[s[ok]])
    ledger.log(step, "refuted", ids[s[refuted]], verifier[s[refuted]])
    world.counts["insights_verified"] += int(ok.sum())
    world.counts["insights_refuted"] += int(refuted.sum())
    done = codify(world, ids[s[ok]], dims[s[ok]], values[s[ok]], verifier[s[ok]])
    if tension_shown(cfg):
        waited = step - ledger.pool_since[queued[s[ok]][done]]
        record_codified(world, waited, dims[s[ok]][done], values[s[ok]][done])
    ledger.drop(queued[expired | served])


def codify(
    world: World, ids: np.ndarray, dims: np.ndarray, values: np.ndarray, by: np.ndarray
) -> np.ndarray:
    """Write verified insights into the code; on a dimension verified twice the last one wins;
    a tacit dimension (``memory.tacit_count``) is never written. Returns which of the given
    insights were codified (their positions)."""
    code = world.state.code
    last = np.full(code.size, -1, dtype=np.int64)
    np.maximum.at(last, dims, np.arange(dims.size))  # per dimension, the latest in pool order
    pick = last[last >= 0]
    changes = (values[pick] != code[dims[pick]]) & (dims[pick] >= tacit_count(world.config))
    pick = pick[changes]
    world.memory.record(world, ids[pick], dims[pick])
    code[dims[pick]] = values[pick]
    world.ledger.log(world.step, "codified", ids[pick], by[pick])
    world.counts["insights_codified"] += int(pick.size)
    return pick


def mentor(world: World) -> None:
    """Each capacity builder may coach one neighbour: more safety, faster learning."""
    state, rng, cfg = world.state, world.rng, world.config
    coaches = np.flatnonzero(state.role == CAPACITY_BUILDER)
    coaches = coaches[
        kernels.bernoulli_rows(np.full(coaches.size, cfg.mentoring_rate), kernels.draw_key(rng))
    ]
    if coaches.size == 0:
        return
    mentees = world.ties.random_neighbour(coaches, rng)
    ok = mentees >= 0
    coaches, mentees = coaches[ok], mentees[ok]
    through = rng.random(coaches.size) < crossing_chance(
        world, state.role[coaches], state.role[mentees]
    )
    coaches, mentees = coaches[through], mentees[through]
    approach_rows(state.safety, 1.0, cfg.mentoring_safety_gain, mentees)
    approach_rows(state.learning_rate, cfg.max_learning_rate, cfg.mentoring_learning_gain, mentees)
    world.counts["mentorings"] += int(coaches.size)
