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
  ``1 - (1 - code_learning_rate) ** k``.
Learning from network neighbours is in ``peers.py``. Knowledge crossing a role boundary gets
through with the community's crossing chance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model import kernels
from commsim.model.community import crossing_chance
from commsim.model.state import RESEARCHER
from commsim.model.voice import listener, voice_probability

if TYPE_CHECKING:
    from commsim.model.world import World


def step_toward(current: np.ndarray, target: np.ndarray, mode: str) -> np.ndarray:
    """Move beliefs toward ``target``: one step on {-1, 0, +1} ("gradual"), or all the way."""
    if mode == "jump":
        return target.astype(np.int8)
    return (current + np.sign(target - current.astype(np.int16))).astype(np.int8)


def socialise(world: World) -> None:
    """Members learn from the code (research's product, so walls between roles apply).

    One pass over the belief matrix (``kernels.socialise``): a trial on every belief that
    differs from a code holding a view, with each position's p1 times the learning rate
    and the chance of crossing from research to the member's role, from a stream keyed by
    one draw from the model's generator.
    """
    state, cfg = world.state, world.config
    if not state.code.any():
        return  # the code holds no view yet: nothing to learn, nothing drawn
    access = crossing_chance(world, np.arange(3), np.int8(RESEARCHER))  # by the member's role
    # the code is research's product: with community on, a move crosses unless one is a
    # researcher; with it off the code counts as one's own role, so nothing crosses
    changes, adopted, crossed = kernels.socialise(
        state.beliefs,
        state.code,
        state.socialisation_rate,
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


def superior_votes(world: World, actions: np.ndarray, performance: np.ndarray) -> np.ndarray:
    """Per dimension, (#+1) - (#-1) among the superior group whose view reaches the code."""
    state, cfg, rng = world.state, world.config, world.rng
    code_score = world.environment.score(state.code[None, :])[0]
    if cfg.superior_basis == "performance":
        superior, views = performance > code_score, actions
    else:
        superior, views = world.environment.score(state.beliefs) > code_score, state.beliefs
    rows = np.flatnonzero(superior)
    if rows.size and (cfg.community or cfg.voice):
        # a view reaches the code only if its holder speaks up and it crosses the walls
        chance = crossing_chance(world, state.role[rows], np.int8(RESEARCHER))
        if cfg.voice:
            chance = chance * voice_probability(world, rows, listener(world, rows))
        rows = rows[kernels.bernoulli_rows(chance, kernels.draw_key(rng))]
    world.counts["superior_group"] = int(rows.size)
    return views[rows].sum(axis=0, dtype=np.int64)


def learn_code(world: World) -> None:
    """March's code learning from the superior group's majority view."""
    code, rng = world.state.code, world.rng
    votes = superior_votes(world, world.scratch["actions"], world.scratch["performance"])
    majority = np.sign(votes).astype(np.int8)
    k = np.abs(votes)
    p = 1.0 - (1.0 - world.config.code_learning_rate) ** k
    change = (majority != 0) & (majority != code) & (rng.random(code.size) < p)
    dims = np.flatnonzero(change)
    if dims.size:
        world.memory.overwrite(world, dims)
        code[dims] = majority[dims]
        world.counts["code_changes"] += int(dims.size)
