"""Many runs of March's block in one compiled call: a sweep's runs that keep only the end's
knowledge.

A run of March's small organisation is about 0.2 ms of compiled steps and, even without the
Mesa model (``CommunityModel.last_row``), as long again in Python: its world, its block, its
row. Where a sweep keeps only the end of such runs (``CommunityModel.leaps``) and only
``metrics.KNOWLEDGE`` (March's figures), the runs of a batch share one call: each run's
draws are the model's own (``draw_start``, in NumPy, from the run's generator), the steps
are the block's (``march._steps``), the end's sums ``metrics.tally``'s loops, and
``metrics.knowledge`` makes the columns for the whole batch with the operations it applies
to one run. The same numbers as the model (``tests/test_fused.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from commsim.model.learning import adoption_chances
from commsim.model.memory import tacit_count
from commsim.model.metrics import knowledge, tally
from commsim.model.reality import row_score

from .march import _COUNTED, _steps
from .pcg import generator_state

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


def knowledge_at_end(configs: Sequence[Config]) -> dict[str, np.ndarray]:
    """Each run's last step and its ``metrics.KNOWLEDGE`` there, as columns: runs that each
    ``CommunityModel.leaps``, of one shape (``n_agents``, ``m``)."""
    from commsim.model.model import draw_start, socialisation_rates

    k, n, m = len(configs), configs[0].n_agents, configs[0].m
    words = np.empty((k, 4), np.uint64)
    beliefs = np.empty((k, m, n), np.int8)
    target = np.empty((k, m), np.int8)
    rate = np.empty((k, n))
    role = np.empty((k, n), np.int8)
    chances = np.empty((k, n + 1))
    for row, cfg in enumerate(configs):
        rng = np.random.default_rng(cfg.seed)  # as Mesa makes the model's
        start = draw_start(cfg, rng)
        words[row] = generator_state(rng)
        beliefs[row] = start.beliefs.T
        target[row] = start.environment.target
        rate[row] = socialisation_rates(cfg, start.fast)
        role[row] = start.role
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
