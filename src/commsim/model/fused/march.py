"""March's block of a step compiled whole: turbulence, acting, socialisation, code learning.

A step of a small organisation is almost all fixed cost: at N = 50 each phase's Python and
NumPy calls cost far more than its 1,500 beliefs of work. Where a run's step is March's
model (March's reality; exploration, voice, research, peers and mentoring off), the phases
from turbulence to code learning run as one compiled call instead (``fuse_block``). It does what
those phases do, in their order, with the same random numbers from the model's own generator:
numba advances NumPy's PCG64 state in place (``pcg.py``), and the kernels it calls are the
phases' own compiled loops (socialisation's, column by column: ``beliefs.socialise_columns``).
So a fused run gives exactly the numbers of the phases it replaces
(``tests/test_fused.py`` runs both); the phases stay the reference, and run wherever numba
is off or a run is not March's block (a subclass's or an extension's phase among them, an
NK landscape, a mechanism on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.catalogue import Phase
from commsim.model.environment import turbulence
from commsim.model.learning import adoption_chances, learn_code, socialise
from commsim.model.levers import apply_scheduled
from commsim.model.memory import tacit_count
from commsim.model.peers import learn_from_peers
from commsim.model.practice import act, explore
from commsim.model.reality import RealityVector
from commsim.model.reality import act as act_kernel
from commsim.model.turnover import turnover
from commsim.model.voice import drift_to_climate

from .beliefs import socialise_columns
from .code import superior_rows
from .pcg import next_double, next_raw

if TYPE_CHECKING:
    from collections.abc import Sequence

    from commsim.config import Config
    from commsim.model.world import World

#: the phases the block replaces, in the order they run
BLOCK = (turbulence, act, explore, socialise, learn_from_peers, learn_code)

_act = act_kernel.compiled()


@numba.njit(cache=True, nogil=True)
def _block(
    rng: np.ndarray,
    beliefs: np.ndarray,
    code: np.ndarray,
    reality: np.ndarray,
    rate: np.ndarray,
    learning_rate: np.ndarray,
    role: np.ndarray,
    from_insight: np.ndarray,
    turbulence_rate: float,
    chances: np.ndarray,
    gradual: bool,
    by_performance: bool,
    tacit: int,
    counts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One step of the block, in place; ``counts`` gets flows, adopted, cross-role flows
    (added), the superior group (set) and code changes (added). ``chances``: code
    learning's table (``learning.adoption_chances``). Returns the actions and performance,
    which ``act`` leaves for later phases."""
    m = beliefs.shape[1]
    for d in range(m):  # turbulence: one draw per dimension, whatever the rate
        if next_double(rng) < turbulence_rate:
            reality[d] = -reality[d]
    actions, performance = _act(beliefs, reality, next_raw(rng))
    held = False
    for d in range(m):
        held |= code[d] != 0
    if held:  # socialisation draws nothing while the code holds no view
        access = np.ones(3)  # community off: nothing is walled
        changes, adopted, crossed = socialise_columns(
            beliefs, code, rate, learning_rate, role, access, -1, next_raw(rng), gradual,
            from_insight,
        )  # fmt: skip
        counts[0] += changes
        counts[1] += adopted
        counts[2] += crossed
    superior = superior_rows(beliefs, performance, code, reality, by_performance)
    votes = np.zeros(m, np.int64)
    for i in superior:
        for d in range(m):
            votes[d] += actions[i, d] if by_performance else beliefs[i, d]
    counts[3] = superior.shape[0]
    changed = 0
    for d in range(m):  # one draw per dimension, tacit ones included
        u = next_double(rng)
        majority = np.int8(np.sign(votes[d]))
        if d >= tacit and majority != 0 and majority != code[d] and u < chances[abs(votes[d])]:
            code[d] = majority
            changed += 1
    counts[4] += changed
    return actions, performance


@numba.njit(cache=True, nogil=True)
def _settled(beliefs: np.ndarray, code: np.ndarray, by_performance: bool, p2: float) -> bool:
    """March's equilibrium (``CommunityModel._code_settled`` on his reality): everyone holds
    the code and nobody could do better than it."""
    n, m = beliefs.shape
    if p2 == 0 and not np.any(code != 0):
        return True
    for d in range(m):
        for i in range(n):
            if beliefs[i, d] != code[d]:
                return False
    # every row is the code, so nobody beats it, unless (acting) a coin where it is undecided
    return not by_performance or not np.any(code == 0)


@numba.njit(cache=True, nogil=True)
def _steps(
    block: tuple,
    p2: float,
    steps: int,
    settle: bool,
    last: np.ndarray,
    earlier: np.ndarray,
    scores: np.ndarray,
) -> tuple[int, bool]:
    """Up to ``steps`` whole steps of a run that is the block alone (``block``: ``_block``'s
    arguments but its counts; ``p2`` the code learning rate); stops after a step at March's
    equilibrium when ``settle``. ``last`` gets the last step's counts, ``earlier`` the
    events of the steps before it, ``scores`` each step's code score."""
    beliefs, code, reality, by_performance = block[1], block[2], block[3], block[11]
    for s in range(steps):
        for k in range(last.shape[0]):
            if k != 3:  # the superior group is a head count, not an event
                earlier[k] += last[k]
        last[:] = 0
        _block(*block, last)
        score = np.int64(0)
        for d in range(code.shape[0]):
            score += np.int64(code[d]) * np.int64(reality[d])
        scores[s] = score
        if settle and _settled(beliefs, code, by_performance, p2):
            return s + 1, True
    return steps, False


_COUNTED = ("flows", "insights_adopted", "cross_role_flows", "superior_group", "code_changes")


def block_start(phases: Sequence[Phase], config: Config) -> int | None:
    """Where March's block starts among a run's phases, if the run allows it: its phases in
    a row, on March's reality, with everything beyond March's model off (else None)."""
    runs = [phase.run for phase in phases]
    start = runs.index(BLOCK[0]) if BLOCK[0] in runs else -1
    off = (
        config.exploration_rate == 0
        and config.peer_learning == "random_neighbour"
        and config.neighbour_learning_rate == 0
        and not config.community
        and not config.voice
        and config.exploration_fear == 0  # (idle anyway where exploration_rate is 0)
        and config.task != "nk"
        and not config.units  # (a unit's reality is its own)
    )
    if start < 0 or tuple(runs[start : start + len(BLOCK)]) != BLOCK or not off:
        return None
    return start


def fuse_block(phases: Sequence[Phase], world: World, state: np.ndarray) -> tuple[Phase, ...]:
    """``phases`` with March's block replaced by one compiled phase, where the run allows it
    (else ``phases`` unchanged); ``state``: the model's generator (``pcg.generator_state``)."""
    start = block_start(phases, world.config)
    if start is None or type(world.environment) is not RealityVector:
        return tuple(phases)
    chances = adoption_chances(world.config.code_learning_rate, world.state.n)
    block = Phase("march_block", Block(state, phases[start : start + len(BLOCK)], chances))
    return (*phases[:start], block, *phases[start + len(BLOCK) :])


def alone(phases: Sequence[Phase], config: Config) -> bool:
    """Whether a run's phases are March's block (its phases or ``fuse_block``'s one) and
    built-in phases that do nothing in this run: its steps can then go many to a call."""
    idle = {
        apply_scheduled: not config.interventions,
        turnover: config.turnover_rate == 0,
        drift_to_climate: config.climate_drift == 0,
    }
    return all(
        phase.run in BLOCK or phase.name == "march_block" or idle.get(phase.run, False)
        for phase in phases
    )


class Block:
    """The block's run as a phase: compiled, or the phases themselves while an insight stands
    behind a dimension of the code (whose supersession the ledger logs). ``advance`` runs
    many steps of a run that is nothing but the block in one call."""

    def __init__(self, rng_state: np.ndarray, phases: Sequence[Phase], chances: np.ndarray) -> None:
        self.rng_state, self.phases, self.chances = rng_state, tuple(phases), chances
        self.counts = np.zeros(len(_COUNTED), np.int64)

    def _arguments(self, world: World) -> tuple:
        state, cfg = world.state, world.config
        return (
            self.rng_state, state.beliefs, state.code, world.environment.target,
            state.socialisation_rate, state.learning_rate, state.role,
            world.memory.from_insight, cfg.turbulence_rate, self.chances,
            cfg.socialisation_mode == "gradual", cfg.superior_basis == "performance",
            tacit_count(cfg),
        )  # fmt: skip

    def __call__(self, world: World) -> None:
        if world.memory.from_insight.any():
            for phase in self.phases:
                phase.run(world)
            return
        counts = self.counts
        counts[:] = 0
        world.scratch["actions"], world.scratch["performance"] = _block(
            *self._arguments(world), counts
        )
        _add_counts(world.counts, counts)

    def advance(
        self, world: World, steps: int, settle: bool
    ) -> tuple[int, bool, dict[str, int], np.ndarray]:
        """Up to ``steps`` steps (stopping after one at March's equilibrium if ``settle``),
        for a run that is the block alone and has no insight behind its code.
        ``world.counts`` gets the last step's counts. Returns the steps taken, whether it
        settled, the events of the steps before the last, and the code's score after each.
        """
        last, earlier = self.counts, np.zeros(len(_COUNTED), np.int64)
        last[:] = 0
        scores = np.empty(steps, np.int64)
        arguments, p2 = self._arguments(world), world.config.code_learning_rate
        taken, settled = _steps(arguments, p2, steps, settle, last, earlier, scores)
        _add_counts(world.counts, last)
        events = dict(zip(_COUNTED, earlier.tolist(), strict=True))
        del events["superior_group"]
        return taken, settled, events, scores[:taken]


def _add_counts(tally: dict[str, int], counts: np.ndarray) -> None:
    """Events added to ``tally``; the superior group, a head count, set."""
    for name, value in zip(_COUNTED, counts.tolist(), strict=True):
        tally[name] = value if name == "superior_group" else tally[name] + value
