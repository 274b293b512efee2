"""Many runs of March's block in one compiled call: a sweep's runs that keep only the end's
knowledge.

A run of March's small organisation is about 0.2 ms of compiled steps and, even without the
Mesa model (``CommunityModel.last_row``), as long again in Python: its world, its block, its
row. Where a sweep keeps only the end of such runs (``CommunityModel.leaps``) and only
``metrics.KNOWLEDGE`` (March's figures), the runs of a batch share one call: the steps are
the block's (``march._steps``), the end's sums ``metrics.tally``'s loops, and
``metrics.knowledge`` makes the columns for the whole batch with the operations it applies
to one run. The same numbers as the model (``tests/test_fused.py``).

Each run's draws at step 0 are the model's (``draw_start``, from a generator seeded as
Mesa seeds the model's). Where its start is March's plain one (``_drawn_here``: March's
reality, the built-in hierarchy, no community) its generator is not made: ``_task_and_beliefs``
seeds the state words (``pcg.seed_words``) and draws the reality and the beliefs as
``Generator.integers`` does, the leaders' punitiveness is ``draw_punitiveness``'s on one
generator set to those words, and ``_informal`` takes the informal ties' draws, which the
block never reads: five NumPy draws and a generator's seeding cost half as much as a run's
compiled steps. A process checks this against ``draw_start`` on its first such run and
keeps to ``draw_start`` should they differ (another NumPy's algorithms).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model.learning import adoption_chances
from commsim.model.memory import tacit_count
from commsim.model.metrics import knowledge, tally
from commsim.model.model import assign_fast_learners, assign_roles, draw_start, socialisation_rates
from commsim.model.organisation import informal_count
from commsim.model.reality import row_score
from commsim.model.state import draw_punitiveness

from .march import _COUNTED, _steps
from .pcg import generator_state, integers_8, integers_32, seed_words

if TYPE_CHECKING:
    from collections.abc import Sequence

    from commsim.config import Config

_tally = tally.compiled()
_row_score = row_score.compiled()


@numba.njit(cache=True, nogil=True)
def _runs(
    words, beliefs, code, target, rate, role, chances, turbulence, gradual, by_performance,
    tacit, p2, steps, settle, taken, sums, diversity,
) -> None:  # fmt: skip
    """Each run k to its end (``march._steps``), then its end's sums: ``taken[k]``, and in
    ``sums[k]`` the code's score, its right dimensions, the scores' sum and sum of squares;
    ``diversity[k]`` each dimension's."""
    n, m = beliefs.shape[2], beliefs.shape[1]
    learning_rate = np.ones(n)
    from_insight = np.zeros(m, np.bool_)
    last = np.zeros(len(_COUNTED), np.int64)
    earlier = np.zeros(len(_COUNTED), np.int64)
    scores = np.empty(steps.max(), np.int64)
    for k in range(words.shape[0]):
        held = beliefs[k].T  # (n, m), dimension by dimension as the model lays it out
        block = (
            words[k], held, code[k], target[k], rate[k], learning_rate, role[k], from_insight,
            turbulence[k], chances[k], gradual[k], by_performance[k], tacit[k],
        )  # fmt: skip
        taken[k], _ = _steps(block, p2[k], steps[k], settle[k], last, earlier, scores)
        member, _, _, diversity[k] = _tally(held, target[k])
        right = 0
        for d in range(m):
            right += code[k, d] == target[k, d]
        total = squares = 0
        for i in range(n):
            total += member[i]
            squares += member[i] * member[i]
        sums[k, 0], sums[k, 1] = _row_score(code[k], target[k]), right
        sums[k, 2], sums[k, 3] = total, squares


@numba.njit(cache=True, nogil=True)
def _task_and_beliefs(seed, state, carry, target, beliefs) -> None:  # fmt: skip
    """``state`` seeded as ``np.random.default_rng(seed)``, then what ``draw_start`` draws
    first on March's reality: the reality (``RealityVector``), the beliefs, (m, n)
    dimension by dimension (``random_beliefs``)."""
    seed_words(seed, state)
    carry[0] = 0
    integers_8(state, carry, 0, 2, target)
    for d in range(target.size):
        target[d] = 2 * target[d] - 1
    flat = beliefs.reshape(-1)
    integers_8(state, carry, 0, 3, flat)
    for i in range(flat.size):
        flat[i] -= 1


@numba.njit(cache=True, nogil=True)
def _informal(state, carry, n, count) -> None:  # fmt: skip
    """The informal ties' draws (``build_ties``), taken from the stream."""
    integers_32(state, carry, 0, n, count)
    integers_32(state, carry, 1, n, count)


def _drawn_here(cfg: Config) -> bool:
    """Whether a run's start is the one ``_Start._start`` draws: March's reality, the built-in
    hierarchy's ties, no community roles (which draw nothing) and a seed of 64 bits."""
    plain = cfg.task == "reality" and not cfg.units and not cfg.community
    chart = cfg.org_chart is None and cfg.collaboration is None and cfg.network == "hierarchy"
    return plain and chart and cfg.seed < 1 << 64


class _Start:
    """The draws at step 0 of runs, into their rows: ``_start`` for a plain start (on one
    generator whose state words it sets), ``draw_start`` for any other. One a thread
    (``_starts``): a generator costs as much to make as a run's draws."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)
        self.state = generator_state(self.rng)
        self.carry = np.zeros(2, np.uint64)

    def draw(
        self, cfg: Config, words: np.ndarray, target: np.ndarray, beliefs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The run's roles and fast learners, its state words, reality and beliefs (the
        rows given) set."""
        if self.state is not None and _drawn_here(cfg) and _agrees(self, cfg):
            self._start(cfg, target, beliefs)
            words[:] = self.state
            return assign_roles(cfg, self.rng), assign_fast_learners(cfg)
        rng = np.random.default_rng(cfg.seed)  # as Mesa makes the model's
        start = draw_start(cfg, rng)
        words[:] = generator_state(rng)
        target[:] = start.environment.target
        beliefs[:] = start.beliefs.T
        return start.role, start.fast

    def _start(self, cfg: Config, target: np.ndarray, beliefs: np.ndarray) -> None:
        n = cfg.n_agents
        _task_and_beliefs(np.uint64(cfg.seed), self.state, self.carry, target, beliefs)
        draw_punitiveness(self.rng, n, cfg.punitiveness, cfg.punitiveness_spread)
        count = informal_count(n, cfg.informal_ties)
        if count:
            _informal(self.state, self.carry, n, count)


_LOCAL = threading.local()


def _starts() -> _Start:
    """This thread's ``_Start`` (a Dask worker's threads run batches side by side)."""
    start = getattr(_LOCAL, "start", None)
    if start is None:
        start = _LOCAL.start = _Start()
    return start


#: whether ``_Start._start`` drew what ``draw_start`` draws, once known in this process
_AGREES: list[bool] = []


def _agrees(start: _Start, cfg: Config) -> bool:
    """Whether this process's NumPy draws as ``_start`` does: asked of its first plain run."""
    if not _AGREES:
        m, n = cfg.m, cfg.n_agents
        ours = (np.empty(m, np.int8), np.empty((m, n), np.int8))
        start._start(cfg, *ours)
        rng = np.random.default_rng(cfg.seed)
        theirs = draw_start(cfg, rng)
        _AGREES.append(
            np.array_equal(ours[0], theirs.environment.target)
            and np.array_equal(ours[1], theirs.beliefs.T)
            and np.array_equal(start.state, generator_state(rng))
        )
    return _AGREES[0]


def knowledge_at_end(configs: Sequence[Config]) -> dict[str, np.ndarray]:
    """Each run's last step and its ``metrics.KNOWLEDGE`` there, as columns: runs that each
    ``CommunityModel.leaps``, of one shape (``n_agents``, ``m``)."""
    k, n, m = len(configs), configs[0].n_agents, configs[0].m
    words = np.empty((k, 4), np.uint64)
    beliefs = np.empty((k, m, n), np.int8)
    target = np.empty((k, m), np.int8)
    rate = np.empty((k, n))
    role = np.empty((k, n), np.int8)
    chances = np.empty((k, n + 1))
    start = _starts()
    for row, cfg in enumerate(configs):
        role[row], fast = start.draw(cfg, words[row], target[row], beliefs[row])
        rate[row] = socialisation_rates(cfg, fast)
        chances[row] = adoption_chances(cfg.code_learning_rate, n)
    taken = np.empty(k, np.int64)
    sums = np.empty((k, 4), np.int64)
    diversity = np.empty((k, m))
    _runs(
        words, beliefs, np.zeros((k, m), np.int8), target, rate, role, chances,
        np.array([c.turbulence_rate for c in configs]),
        np.array([c.socialisation_mode == "gradual" for c in configs]),
        np.array([c.superior_basis == "performance" for c in configs]),
        np.array([tacit_count(c) for c in configs]),
        np.array([c.code_learning_rate for c in configs]),
        np.array([c.steps for c in configs]),
        np.array([c.stop_at_equilibrium for c in configs]),  # (``may_settle``: nothing stirs)
        taken, sums, diversity,
    )  # fmt: skip
    code_score, right, total, squares = sums.T
    columns = knowledge(code_score / m, right, total, squares, diversity.sum(axis=1), n, m, m)
    return {"step": taken, **columns}
