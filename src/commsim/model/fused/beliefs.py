"""Acting and socialisation compiled: the step's two passes over the belief matrix, each with
its key drawn in the same call.

Each pass is already one compiled kernel (``reality.act``, ``learning.socialise_beliefs``);
around it the phase spends as long again in Python: the key's draw, whether the code holds
a view, the walls' chances by role, the insight behind each dimension. Here all of it is one
numba call, drawing the key from the model's generator (``pcg.next_raw``) where the phase
draws it, and calling the kernel's own compiled loops. Acting covers March's reality
(``RealityVector``; an NK landscape performs its own way, and keeps the phase);
socialisation reads no task, and covers every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model.community import crossing_table
from commsim.model.learning import socialise, socialise_beliefs
from commsim.model.practice import act
from commsim.model.reality import RealityVector
from commsim.model.reality import act as act_kernel
from commsim.model.state import RESEARCHER

from .pcg import next_raw

if TYPE_CHECKING:
    from commsim.model.world import World

_act = act_kernel.compiled()
_socialise_beliefs = socialise_beliefs.compiled()


@numba.njit(cache=True, nogil=True)
def _acted(rng: np.ndarray, beliefs: np.ndarray, target: np.ndarray) -> tuple:
    """``act`` on March's reality: the key, then the pass."""
    return _act(beliefs, target, next_raw(rng))


@numba.njit(cache=True, nogil=True)
def _socialised(
    rng: np.ndarray,
    beliefs: np.ndarray,
    code: np.ndarray,
    rate: np.ndarray,
    factor: float,
    learning_rate: np.ndarray,
    role: np.ndarray,
    access: np.ndarray,
    source_role: int,
    gradual: bool,
    source: np.ndarray,
) -> tuple[int, int, int]:
    """``socialise``: nothing (nothing drawn) while the code holds no view, else the key and
    the pass, at each position's rate times ``factor`` (1 but under tension). Returns the
    pass's (changes, adopted, crossed)."""
    held = False
    for d in range(code.shape[0]):
        held |= code[d] != 0
    if not held:
        return 0, 0, 0
    rated = np.empty(rate.shape[0])
    for i in range(rate.shape[0]):
        rated[i] = rate[i] * factor  # as the phase's ``rate * factor``: x * 1.0 is x
    return _socialise_beliefs(
        beliefs, code, rated, learning_rate, role, access, source_role, next_raw(rng), gradual,
        source >= 0,
    )  # fmt: skip


def make_act(world: World, rng: np.ndarray) -> Callable[[World], None] | None:
    """Acting on March's reality (a landscape performs its own way: its phase runs)."""
    if type(world.environment) is not RealityVector:
        return None

    def compiled_act(world: World) -> None:
        scratch = world.scratch
        scratch["actions"], scratch["performance"] = _acted(
            rng, world.state.beliefs, world.environment.target
        )

    return compiled_act


def make_socialise(world: World, rng: np.ndarray) -> Callable[[World], None]:
    """Socialisation, in every run (it reads the beliefs and the code, not the task)."""
    cfg = world.config
    # the code is research's product: with community on, a move crosses unless one is a
    # researcher; with it off the code counts as one's own role, so nothing crosses
    source_role = RESEARCHER if cfg.community else -1
    gradual = cfg.socialisation_mode == "gradual"

    def compiled_socialise(world: World) -> None:
        state = world.state
        changes, adopted, crossed = _socialised(
            rng, state.beliefs, state.code, state.socialisation_rate,
            world.scratch.get("socialisation_factor", 1.0), state.learning_rate, state.role,
            crossing_table(world)[:, RESEARCHER], source_role, gradual, world.memory.source,
        )  # fmt: skip
        counts = world.counts
        counts["insights_adopted"] += adopted
        counts["flows"] += changes
        counts["cross_role_flows"] += crossed

    return compiled_socialise


STAND_INS = {act: make_act, socialise: make_socialise}
