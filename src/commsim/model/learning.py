"""Learning between members and the organisational code: March's (1991) two rules, plus peers.

* Socialisation (March's p1): where the code holds a view and a member's belief differs, the
  member moves toward the code with probability ``p1 * learning_rate``, p1 being the
  position's rate: ``fast_socialisation_rate`` for March's fast learners, else
  ``socialisation_rate``.
  "gradual" moves one step (-1 -> 0 -> +1), as in March's original program (Christensen
  2015); "jump" adopts the code's value at once, as the paper's text reads.
* Code learning (March's p2): the superior group are the members who do better than the code
  ("performance": their actions, coin flips where undecided, score higher than the code;
  "knowledge": their beliefs do). With voice on, a superior member's view counts only if
  they speak up this step (same chance as voicing an insight) and it crosses the walls.
  On each dimension where the group's majority differs from the code by a margin of k
  people, the code adopts the majority with probability
  ``1 - (1 - code_learning_rate) ** k``. The first ``memory.tacit_count`` dimensions are tacit
  (Miller, Zhao & Calantone 2006): the code never learns them, so only peers pass them on.
Learning from network neighbours is in ``peers.py``. Knowledge crossing a role boundary gets
through with the community's crossing chance.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
from commsim.model.community import crossing_chance
from commsim.model.kernels import (
    S32,
    below,
    kernel,
    splitmix64,
)
from commsim.model.memory import tacit_count
from commsim.model.state import RESEARCHER
from commsim.model.voice import listener, voice_probability

if TYPE_CHECKING:
    from commsim.model.world import World


_ROLES = np.arange(3)  # every role: socialisation's chances of crossing, by the member's role
_RESEARCH = np.int8(RESEARCHER)  # the code's source role, made once rather than every step


def step_toward(current: np.ndarray, target: np.ndarray, mode: str) -> np.ndarray:
    """Move beliefs toward ``target``: one step on {-1, 0, +1} ("gradual"), or all the way."""
    if mode == "jump":
        return target.astype(np.int8)
    return (current + np.sign(target - current.astype(np.int16))).astype(np.int8)


def socialise(world: World) -> None:
    """Members learn from the code (research's product, so walls between roles apply).

    One pass over the belief matrix (``socialise_beliefs``): a trial on every belief that
    differs from a code holding a view, with each position's p1 times the learning rate
    and the chance of crossing from research to the member's role, from a stream keyed by
    one draw from the model's generator.
    """
    state, cfg = world.state, world.config
    if not state.code.any():
        return  # the code holds no view yet: nothing to learn, nothing drawn
    access = crossing_chance(world, _ROLES, _RESEARCH)  # by the member's role
    rate = state.socialisation_rate
    if "socialisation_factor" in world.scratch:  # the effort the goals leave it (tension.py)
        rate = rate * world.scratch["socialisation_factor"]
    # the code is research's product: with community on, a move crosses unless one is a
    # researcher; with it off the code counts as one's own role, so nothing crosses
    changes, adopted, crossed = socialise_beliefs(
        state.beliefs,
        state.code,
        rate,
        state.learning_rate,
        state.role,
        access,
        RESEARCHER if cfg.community else -1,
        kernels.draw_key(world.rng),
        cfg.socialisation_mode == "gradual",
        world.memory.from_insight,
    )
    world.counts["insights_adopted"] += adopted
    world.counts["flows"] += changes
    world.counts["cross_role_flows"] += crossed


# --- socialise_beliefs: a trial on every belief that differs from a code holding a view --

_BLOCK = 1 << 17  # beliefs the NumPy twin handles at once


@kernel("commsim.model.fused.beliefs:socialise_columns")
def socialise_beliefs(
    beliefs: np.ndarray,
    code: np.ndarray,
    rate: np.ndarray,
    learning_rate: np.ndarray,
    role: np.ndarray,
    access: np.ndarray,
    source_role: int,
    key: np.uint64,
    gradual: bool,
    from_insight: np.ndarray,
) -> tuple[int, int, int]:
    """Move tried beliefs toward the code, in place.

    Member i tries, with ``p_i = min(rate[i] * learning_rate[i] * access[role[i]], 1)``,
    on every dimension d where the code holds a view it does not share, with number
    k = d * n + i. Returns (changes, adopted, crossed): beliefs moved; moves that made a
    belief equal the code on a dimension written by an insight (``from_insight``); moves
    whose member's role is not ``source_role`` (-1: the code is everyone's own role).

    Compiled because it sweeps the whole N x m belief matrix every step: in NumPy a chain
    of whole-matrix temporaries, compiled one vectorised pass over a dimension where many
    beliefs differ from the code, and a trial per differing belief where few do
    (``fused.beliefs.socialise_columns``, the loops: they call numba helpers of their own).
    """
    n, m = beliefs.shape
    cut = below(np.minimum(rate * learning_rate * access[role], 1.0))
    columns = beliefs.T  # (m, n): element k = d * n + i
    tried_rows, tried_dims = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    width = max(1, _BLOCK // n)  # dimensions at a time: temporaries stay in cache
    for first in range(0, m, width):
        view = code[first : first + width, None]
        eligible = (view != columns[first : first + width]) & (view != 0)
        flat = np.flatnonzero(eligible)  # within the block
        dims = np.repeat(np.arange(first, first + view.shape[0]), eligible.sum(axis=1))
        rows = flat - (dims - first) * n  # no integer division
        tried = np.flatnonzero((splitmix64(key, flat + first * n) >> S32) < cut[rows])
        tried_rows.append(rows[tried])
        tried_dims.append(dims[tried])
    rows, dims = np.concatenate(tried_rows), np.concatenate(tried_dims)
    target = code[dims]
    old = beliefs[rows, dims]
    new = old + np.sign(target - old) if gradual else target
    beliefs[rows, dims] = new
    adopted = int(np.count_nonzero((new == target) & from_insight[dims]))
    crossed = int(np.count_nonzero(role[rows] != source_role)) if source_role >= 0 else 0
    return int(rows.size), adopted, crossed


def superior_group(world: World, performance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the superior group whose view reaches the code, and their views."""
    state, cfg, rng = world.state, world.config, world.rng
    code_score = world.environment.code_score(state.code)
    if cfg.superior_basis == "performance":
        superior, views = performance > code_score, world.scratch["actions"]
    else:
        superior, views = world.environment.score(state.beliefs) > code_score, state.beliefs
    rows = np.flatnonzero(superior)
    if rows.size and (cfg.community or cfg.voice):
        # a view reaches the code only if its holder speaks up and it crosses the walls
        chance = crossing_chance(world, state.role[rows], _RESEARCH)
        if cfg.voice:
            chance = chance * voice_probability(world, rows, listener(world, rows))
        rows = rows[kernels.bernoulli_rows(chance, kernels.draw_key(rng))]
    world.counts["superior_group"] = int(rows.size)
    return rows, views


def learn_code(world: World) -> None:
    """March's code learning from the superior group's majority view."""
    code, cfg = world.state.code, world.config
    rows, views = superior_group(world, world.scratch["performance"])
    uniforms = world.rng.random(code.size)
    chances = adoption_chances(cfg.code_learning_rate, world.state.n)
    dims, values = code_changes(views, rows, code, uniforms, chances, tacit_count(cfg))
    if dims.size:
        world.memory.overwrite(world, dims)
        code[dims] = values
        world.counts["code_changes"] += int(dims.size)


@functools.lru_cache(maxsize=16)
def adoption_chances(rate: float, n: int) -> np.ndarray:
    """``1 - (1 - rate) ** k`` for a margin of k = 0 .. n people: one table per rate and size
    (read-only, shared by the runs of a sweep) instead of a power per dimension and step
    (the same NumPy power, so the same numbers)."""
    table = 1.0 - (1.0 - rate) ** np.arange(n + 1)
    table.flags.writeable = False
    return table


# --- code_changes: the superior group's votes, and the dimensions the code adopts -------


def _code_changes_loops(
    views: np.ndarray,
    rows: np.ndarray,
    code: np.ndarray,
    uniforms: np.ndarray,
    chances: np.ndarray,
    tacit: int,
) -> tuple[np.ndarray, np.ndarray]:
    m = code.shape[0]
    change = np.zeros(m, np.bool_)
    majority = np.zeros(m, np.int8)
    for d in range(m):
        votes = 0
        for r in range(rows.shape[0]):
            votes += np.int64(views[rows[r], d])
        if d < tacit or votes == 0:
            continue
        view = np.int8(1) if votes > 0 else np.int8(-1)
        if view != code[d] and uniforms[d] < chances[abs(votes)]:
            change[d] = True
            majority[d] = view
    dims = np.flatnonzero(change)
    return dims, majority[dims]


@kernel(_code_changes_loops)
def code_changes(
    views: np.ndarray,
    rows: np.ndarray,
    code: np.ndarray,
    uniforms: np.ndarray,
    chances: np.ndarray,
    tacit: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The dimensions the code adopts, and the values it adopts there.

    Per dimension d the votes are (#+1) - (#-1) of ``views[rows, d]``; where their sign
    (the majority) differs from ``code[d]`` by a margin of k people, d changes when
    ``uniforms[d] < chances[k]``; the first ``tacit`` dimensions never change. Compiled:
    one pass instead of a dozen NumPy calls on m-long arrays, whose fixed cost dominates a
    small organisation's step.
    """
    votes = views[rows].sum(axis=0, dtype=np.int64)
    majority = np.sign(votes).astype(np.int8)
    change = (majority != 0) & (majority != code) & (uniforms < chances[np.abs(votes)])
    change[:tacit] = False
    dims = np.flatnonzero(change)
    return dims, majority[dims]
