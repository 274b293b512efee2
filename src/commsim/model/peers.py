"""Learning from network neighbours, by one of four rules (config ``peer_learning``).

* ``"random_neighbour"`` (commsim's own): each member, with probability
  ``neighbour_learning_rate``, looks at one random neighbour and, if that neighbour performs
  better, copies one random belief of theirs; the walls between roles apply.
* ``"best_neighbour"`` (Lazer & Friedman 2007): each member, with probability
  ``neighbour_learning_rate`` (their *velocity*), looks at all its neighbours; if the best
  of them scores higher than the member, the member copies that neighbour's whole solution,
  each belief failing to copy with probability ``copy_error`` (L&F's *error*: the member
  keeps its own there); a copy that scores lower than the member's own solution is dropped
  and the member keeps its status quo (L&F p. 684: "actors revert to their status quo
  solution if an error-induced state is inferior"). A member that did not look, or saw
  nobody better, searches locally:
  it tries the other value of one random dimension and keeps it only if it scores strictly
  better (the environment's noiseless feedback, ``better``).
* ``"superior_majority"`` (Fang, Lee & Schilling 2010): March's code learning turned
  interpersonal. Each member's superior group is its neighbours who do better than it
  (``superior_basis``: performance or knowledge); on each dimension where their majority
  view differs from the member's belief, the member moves toward it with probability
  ``neighbour_learning_rate`` (one step or a jump, ``socialisation_mode``).
* ``"best_neighbour_beliefs"`` (Miller, Zhao & Calantone 2006, local search): each member
  finds its best neighbour (``superior_basis``: performance or knowledge; the first in row
  order among equals); if that neighbour does better, the member moves each belief where
  the neighbour holds a different view toward it with probability
  ``neighbour_learning_rate`` (one step or a jump, ``socialisation_mode``).

All four are synchronous: every member decides from the beliefs at the start of the phase,
then all changes are written. The last three leave the walls between roles aside (the
studies they come from have no roles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
from commsim.model.community import crossing_chance, record_flow
from commsim.model.learning import step_toward
from commsim.model.state import uniform_below

if TYPE_CHECKING:
    from commsim.model.organisation import Ties
    from commsim.model.world import World


def learn_from_peers(world: World) -> None:
    """Phase 8: the configured rule (on the performance ``act`` left in the scratch)."""
    rule, performance = world.config.peer_learning, world.scratch["performance"]
    if rule == "best_neighbour":
        copy_best_or_search(world)
    elif rule == "superior_majority":
        follow_superior_majority(world, performance)
    elif rule == "best_neighbour_beliefs":
        follow_best_neighbour(world, performance)
    else:
        copy_a_better_neighbour(world, performance)


def copy_a_better_neighbour(world: World, performance: np.ndarray) -> None:
    """Each member, with probability neighbour_learning_rate, copies a better neighbour once."""
    state, cfg, rng = world.state, world.config, world.rng
    if cfg.neighbour_learning_rate == 0:
        return
    p = np.minimum(cfg.neighbour_learning_rate * state.learning_rate, 1.0)
    learners = kernels.bernoulli_rows(p, kernels.draw_key(rng))
    peers = world.ties.random_neighbour(learners, rng)
    dims = uniform_below(rng, state.m, learners.size)
    through = rng.random(learners.size) < crossing_chance(
        world, state.role[np.maximum(peers, 0)], state.role[learners]
    )
    ok = (peers >= 0) & through
    learners, peers, dims = learners[ok], peers[ok], dims[ok]
    better = performance[peers] > performance[learners]
    theirs = state.beliefs[peers, dims]
    copy = better & (theirs != 0) & (theirs != state.beliefs[learners, dims])
    learners, peers, dims = learners[copy], peers[copy], dims[copy]
    # all peers' beliefs are read before any is written: one synchronous round of copying
    new = step_toward(
        state.beliefs[learners, dims], state.beliefs[peers, dims], cfg.socialisation_mode
    )
    state.beliefs[learners, dims] = new
    adopted = (new == state.code[dims]) & (state.code[dims] != 0)
    world.counts["insights_adopted"] += int(world.memory.from_insight[dims[adopted]].sum())
    record_flow(world, state.role[peers], state.role[learners])


def best_neighbours(ties: Ties, scores: np.ndarray) -> np.ndarray:
    """Each member's highest-scoring neighbour (the first in row order among equals); -1
    for an isolated member."""
    n = ties.indptr.size - 1
    owner = np.repeat(np.arange(n), ties.degree)
    order = np.lexsort((-scores[ties.indices], owner))  # by member, best neighbour first
    best = np.full(n, -1, dtype=np.int64)
    has = ties.degree > 0
    best[has] = ties.indices[order[ties.indptr[:-1][has]]]
    return best


def imperfect_copies(
    own: np.ndarray, models: np.ndarray, error: float, rng: np.random.Generator
) -> np.ndarray:
    """The models' solutions, each bit left at the copier's own with probability ``error``
    (Lazer & Friedman 2007, p. 684: the mix of two solutions that explores between them)."""
    keep_own = rng.random(models.shape) < error
    return np.where(keep_own, own, models)


def copy_best_or_search(world: World) -> None:
    """Lazer & Friedman's round: imitate the best neighbour if better, else search locally."""
    state, cfg, rng, environment = world.state, world.config, world.rng, world.environment
    beliefs = state.beliefs
    scores = environment.score(beliefs)
    p = np.minimum(cfg.neighbour_learning_rate * state.learning_rate, 1.0)
    looking = np.zeros(state.n, dtype=bool)
    looking[kernels.bernoulli_rows(p, kernels.draw_key(rng))] = True
    best = best_neighbours(world.ties, scores)
    copies = looking & (best >= 0) & (scores[np.maximum(best, 0)] > scores)
    copiers, searchers = np.flatnonzero(copies), np.flatnonzero(~copies)

    # every read before any write: one synchronous round
    copied = imperfect_copies(beliefs[copiers], beliefs[best[copiers]], cfg.copy_error, rng)
    if cfg.copy_error > 0:  # a worse mix is dropped; without error the copy is the better model
        kept = environment.score(copied) >= scores[copiers]
        copiers, copied = copiers[kept], copied[kept]
    dims = uniform_below(rng, state.m, searchers.size)
    found = environment.better(beliefs[searchers], dims)

    record_flow(world, state.role[best[copiers]], state.role[copiers])
    beliefs[copiers] = copied
    beliefs[searchers, dims] = found


def superior_votes_by_member(ties: Ties, beliefs: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """(n, m): per member and dimension, (#+1) - (#-1) among the neighbours doing better."""
    n, m = beliefs.shape
    owner = np.repeat(np.arange(n), ties.degree)
    superior = basis[ties.indices] > basis[owner]
    votes = np.zeros((n, m), dtype=np.int64)
    np.add.at(votes, owner[superior], beliefs[ties.indices[superior]].astype(np.int64))
    return votes


def follow_superior_majority(world: World, performance: np.ndarray) -> None:
    """Fang et al.'s round: move toward the majority view of the neighbours doing better."""
    state, cfg, rng = world.state, world.config, world.rng
    basis = superiority(world, performance)
    majority = np.sign(superior_votes_by_member(world.ties, state.beliefs, basis))
    rows, dims = np.nonzero((majority != 0) & (majority != state.beliefs))
    p = np.minimum(cfg.neighbour_learning_rate * state.learning_rate[rows], 1.0)
    take = rng.random(rows.size) < p
    rows, dims = rows[take], dims[take]
    state.beliefs[rows, dims] = step_toward(
        state.beliefs[rows, dims], majority[rows, dims], cfg.socialisation_mode
    )
    world.counts["flows"] += int(rows.size)


def superiority(world: World, performance: np.ndarray) -> np.ndarray:
    """What makes a member superior (``superior_basis``): acted performance or knowledge."""
    if world.config.superior_basis == "performance":
        return performance
    return world.environment.score(world.state.beliefs)


def superior_best(ties: Ties, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(learners, models): the members whose best neighbour does better, and that neighbour."""
    best = best_neighbours(ties, basis)
    learners = np.flatnonzero((best >= 0) & (basis[np.maximum(best, 0)] > basis))
    return learners, best[learners]


def follow_best_neighbour(world: World, performance: np.ndarray) -> None:
    """Miller et al.'s local search: move toward the best neighbour's views, belief by belief."""
    state, cfg, rng = world.state, world.config, world.rng
    learners, models = superior_best(world.ties, superiority(world, performance))
    theirs, own = state.beliefs[models], state.beliefs[learners]  # copies: read, then write
    p = np.minimum(cfg.neighbour_learning_rate * state.learning_rate[learners], 1.0)
    take = (theirs != 0) & (theirs != own) & (rng.random(own.shape) < p[:, None])
    rows, dims = np.nonzero(take)
    state.beliefs[learners[rows], dims] = step_toward(
        own[rows, dims], theirs[rows, dims], cfg.socialisation_mode
    )
    world.counts["flows"] += int(rows.size)


def settled(world: World) -> bool:
    """No neighbour can change any member's beliefs any more (part of ``at_equilibrium``).

    random_neighbour: the rule is off, or every member believes the same. best_neighbour:
    nobody has a better neighbour and everyone sits on a local peak (no single change
    scores better). superior_majority: no superior group's majority differs from a member's
    belief; best_neighbour_beliefs: no member's better best neighbour holds a view it does not
    share (both judged on knowledge: on performance, a lucky coin may always change
    something, so such a run never settles).
    """
    cfg, state, environment = world.config, world.state, world.environment
    beliefs = state.beliefs
    if cfg.peer_learning == "random_neighbour":
        return cfg.neighbour_learning_rate == 0 or bool((beliefs == beliefs[0]).all())
    scores = environment.score(beliefs)
    by_performance = cfg.superior_basis == "performance"
    if cfg.peer_learning in ("superior_majority", "best_neighbour_beliefs") and by_performance:
        return False
    if cfg.peer_learning == "best_neighbour_beliefs":
        learners, models = superior_best(world.ties, scores)
        theirs = beliefs[models]
        return not ((theirs != 0) & (theirs != beliefs[learners])).any()
    if cfg.peer_learning == "superior_majority":
        majority = np.sign(superior_votes_by_member(world.ties, beliefs, scores))
        return not ((majority != 0) & (majority != beliefs)).any()
    best = best_neighbours(world.ties, scores)
    if ((best >= 0) & (scores[np.maximum(best, 0)] > scores)).any():
        return False
    n, m = beliefs.shape
    rows = np.repeat(np.arange(n), m)
    dims = np.tile(np.arange(m), n)
    return bool((environment.better(beliefs[rows], dims) == beliefs[rows, dims]).all())
