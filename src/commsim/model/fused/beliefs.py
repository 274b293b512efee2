"""Acting and socialisation compiled: the step's two passes over the belief matrix, each with
its key drawn in the same call.

Each pass is already one compiled kernel (``reality.act``, ``learning.socialise_beliefs``);
around it the phase spends as long again in Python: the key's draw, whether the code holds
a view, the walls' chances by role, the insight behind each dimension. Here all of it is one
numba call, drawing the key from the model's generator (``pcg.next_raw``) where the phase
draws it, and calling the kernels' own compiled loops. Socialisation's loops live here
(``socialise_columns``, which ``learning.socialise_beliefs`` names as its compiled form):
they take a branch-free pass over a dimension where many beliefs differ from the code, and
try only the differing beliefs of a dimension that has nearly settled, which is most of them
once the code has; each belief's number depends on its (dimension, member) alone, so the
trials are the same either way, and the same as the twin's.
Acting covers March's reality (``RealityVector``; an NK landscape performs its own way, and
keeps the phase); socialisation reads no task, and covers every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model.community import crossing_table
from commsim.model.kernels import GAMMA, MIX1, MIX2, S27, S30, S31, S32, TWO32
from commsim.model.learning import socialise
from commsim.model.practice import act
from commsim.model.reality import RealityVector
from commsim.model.reality import act as act_kernel
from commsim.model.state import RESEARCHER

from .pcg import next_raw

if TYPE_CHECKING:
    from commsim.model.world import World

_act = act_kernel.compiled()

#: a column with fewer than this share of its beliefs differing from the code is tried
#: belief by belief (measured: the branch-free pass is the faster above it)
SPARSE = 1 / 8


@numba.njit(cache=True, nogil=True)
def _number(key: np.uint64, k: int) -> np.int64:
    """The top 32 bits of number k of the stream ``key`` (``kernels.splitmix64``)."""
    z = np.uint64(k + 1) * GAMMA + key
    z = (z ^ (z >> S30)) * MIX1
    z = (z ^ (z >> S27)) * MIX2
    return np.int64((z ^ (z >> S31)) >> S32)


@numba.njit(cache=True, nogil=True, inline="never")
def _sparse(column, c, cut, moved, first, key, gradual, live) -> int:
    """The kernel's trials on one column (numbers ``first`` + i), on the beliefs that
    differ from the code only."""
    adopted = 0
    for i in range(column.shape[0]):
        b = column[i]
        if b != c and _number(key, first + i) < cut[i]:
            new = (b + np.int8(1) if c > b else b - np.int8(1)) if gradual else c
            column[i] = new
            moved[i] += 1
            adopted += (new == c) & live
    return adopted


@numba.njit(cache=True, nogil=True)
def _differing(column: np.ndarray, c: np.int8) -> float:
    """The share of the column's beliefs that differ from the code's view ``c``, from at most
    64 of them evenly spaced: it only chooses the faster pass, never the trials."""
    every = max(1, column.shape[0] // 64)
    count = seen = 0
    for i in range(0, column.shape[0], every):
        count += column[i] != c
        seen += 1
    return count / seen


@numba.njit(cache=True, nogil=True)
def socialise_columns(
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
    """The loops of ``learning.socialise_beliefs`` (its compiled form: the kernel names them
    here, where numba is imported at once, since they call helpers of their own)."""
    n, m = beliefs.shape
    cut = np.empty(n, np.int64)  # the kernel's integer cut-offs (``kernels.below``)
    for i in range(n):
        p = min(rate[i] * learning_rate[i] * access[role[i]], 1.0)
        cut[i] = np.int64(np.ceil(max(p, 0.0) * TWO32))
    moved = np.zeros(n, np.int64)
    adopted = 0
    for d in range(m):
        c = code[d]
        if c == 0:
            continue  # no view on d: no trial
        column = beliefs[:, d]
        if _differing(column, c) < SPARSE:
            adopted += _sparse(column, c, cut, moved, d * n, key, gradual, from_insight[d])
            continue
        for i in range(n):  # the kernel's branch-free pass, so that it vectorises
            b = column[i]
            hit = (b != c) & (_number(key, d * n + i) < cut[i])
            new = (b + np.int8(1) if c > b else b - np.int8(1)) if gradual else c
            column[i] = new if hit else b
            moved[i] += hit
            adopted += hit & (new == c) & from_insight[d]
    changes = crossed = 0
    for i in range(n):
        changes += moved[i]
        if source_role >= 0 and role[i] != source_role:
            crossed += moved[i]
    return changes, adopted, crossed


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
    return socialise_columns(
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
