"""Turbulence and code learning compiled: two phases of March's reality in any run.

March's block (``march.py``) compiles these only where a run is March's model; here they
stand in for ``environment.turbulence`` and ``learning.learn_code`` in every run on March's
reality (``RealityVector``), community, voice and the study mechanisms on: each phase's
dozen NumPy calls on m-long arrays become one call, drawing what the phase draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model import kernels
from commsim.model.community import crossing_table
from commsim.model.environment import turbulence
from commsim.model.learning import adoption_chances, code_changes, learn_code
from commsim.model.memory import tacit_count
from commsim.model.reality import RealityVector
from commsim.model.reporting import willing_safety
from commsim.model.state import NO_MANAGER, RESEARCHER
from commsim.model.voice import gap_discount

from .pcg import next_double, next_raw

if TYPE_CHECKING:
    from commsim.model.world import World

_bernoulli_rows = kernels.bernoulli_rows.compiled()
_code_changes = code_changes.compiled()


@numba.njit(cache=True, nogil=True)
def _drift(rng: np.ndarray, target: np.ndarray, rate: float) -> None:
    """``RealityVector.drift``: one uniform per dimension, drawn whatever the rate."""
    for d in range(target.shape[0]):
        if next_double(rng) < rate:
            target[d] = -target[d]


def make_turbulence(world: World, rng: np.ndarray) -> Callable[[World], None] | None:
    """Turbulence on March's reality (another task drifts its own way: its phase runs)."""
    if type(world.environment) is not RealityVector:
        return None

    def compiled_turbulence(world: World) -> None:
        _drift(rng, world.environment.target, world.config.turbulence_rate)

    return compiled_turbulence


@numba.njit(cache=True, nogil=True)
def superior_rows(
    beliefs: np.ndarray,
    performance: np.ndarray,
    code: np.ndarray,
    target: np.ndarray,
    by_performance: bool,
) -> np.ndarray:
    """The members doing better than the code: by this step's performance, or by the score
    of their beliefs (March's reality: right minus wrong, exact integers)."""
    n, m = beliefs.shape
    code_score = np.int64(0)
    for d in range(m):
        code_score += np.int64(code[d]) * np.int64(target[d])
    rows = np.empty(n, np.int64)
    count = 0
    for i in range(n):
        score = performance[i]
        if not by_performance:
            score = 0
            for d in range(m):
                score += np.int64(beliefs[i, d]) * np.int64(target[d])
        if score > code_score:
            rows[count] = i
            count += 1
    return rows[:count]


@numba.njit(cache=True, nogil=True)
def _learn_code(
    rng: np.ndarray,
    beliefs: np.ndarray,
    views: np.ndarray,
    performance: np.ndarray,
    code: np.ndarray,
    target: np.ndarray,
    by_performance: bool,
    reach: np.ndarray,
    voice: bool,
    willing: np.ndarray,
    manager: np.ndarray,
    level: np.ndarray,
    hero: int,
    discount: np.ndarray,
    role: np.ndarray,
    walled: bool,
    chances: np.ndarray,
    tacit: int,
    changed: np.ndarray,
) -> tuple[int, int]:
    """``learning.learn_code`` on the arrays: the superior group (those doing better than the
    code, thinned by one keyed trial each to those whose view reaches the code past voice and
    the walls), then the code's changes, written to ``code`` and their dimensions to
    ``changed``. Returns the group's size and the number of changes."""
    m = beliefs.shape[1]
    rows = superior_rows(beliefs, performance, code, target, by_performance)
    count = rows.shape[0]
    if count and walled:
        chance = np.empty(count, np.float64)
        for k in range(count):
            h = rows[k]
            chance[k] = reach[role[h]]
            if voice:
                t = hero if hero >= 0 else manager[h]
                t = h if t == NO_MANAGER else t
                if t != h:
                    gap = max(np.int64(level[t]) - np.int64(level[h]), 0)
                    chance[k] = chance[k] * (willing[h] * discount[gap])
        rows = rows[_bernoulli_rows(chance, next_raw(rng))]
    uniforms = np.empty(m, np.float64)
    for d in range(m):
        uniforms[d] = next_double(rng)
    dims, values = _code_changes(views, rows, code, uniforms, chances, tacit)
    for k in range(dims.shape[0]):
        code[dims[k]] = values[k]
        changed[k] = dims[k]
    return rows.shape[0], dims.shape[0]


def make_code_learning(world: World, rng: np.ndarray) -> Callable[[World], None] | None:
    """Code learning on March's reality (another task's superior group: its phase runs)."""
    if type(world.environment) is not RealityVector:
        return None
    cfg = world.config
    chances = adoption_chances(cfg.code_learning_rate, world.state.n)
    by_performance, tacit = cfg.superior_basis == "performance", tacit_count(cfg)
    walled, reporting = cfg.community or cfg.voice, cfg.reporting
    hero = world.top if cfg.leadership == "hero" else -1
    discount = gap_discount(world)
    changed = np.empty(world.state.m, np.int64)

    def compiled_code_learning(world: World) -> None:
        state, scratch = world.state, world.scratch
        superior, changes = _learn_code(
            rng, state.beliefs, scratch["actions"] if by_performance else state.beliefs,
            scratch["performance"], state.code, world.environment.target, by_performance,
            crossing_table(world)[:, RESEARCHER], cfg.voice, willing_safety(world) if reporting else
            state.safety, state.manager, state.level, hero, discount, state.role, walled,
            chances, tacit, changed,
        )  # fmt: skip
        world.counts["superior_group"] = superior
        if changes:
            world.memory.overwrite(world, changed[:changes])
            world.counts["code_changes"] += changes

    return compiled_code_learning


STAND_INS = {turbulence: make_turbulence, learn_code: make_code_learning}
