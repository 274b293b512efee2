"""March's (1991) reality: a vector of m dimensions in {-1, +1} that members hold beliefs about.

Each dimension counts on its own: a member's score is the number of dimensions it has right
minus the number it has wrong, and the value of one dimension never depends on another.
Turbulence flips dimensions at random; a shock flips a share of them at once.
"""

from __future__ import annotations

import numpy as np

from commsim.model import kernels
from commsim.model.environment import TaskEnvironment
from commsim.model.state import random_beliefs


class RealityVector(TaskEnvironment):
    """An external reality of m dimensions in {-1, +1}, independent of beliefs about it."""

    kind = "reality"

    def __init__(self, m: int, rng: np.random.Generator) -> None:
        self.target = (2 * rng.integers(0, 2, size=m, dtype=np.int8) - 1).astype(np.int8)

    def initial_beliefs(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """March's naive members: each belief -1, 0 or +1 with equal probability."""
        return random_beliefs(rng, rows, self.m)

    def drift(self, rate: float, rng: np.random.Generator) -> int:
        """Turbulence: each dimension flips with probability ``rate``; returns how many did."""
        flips = rng.random(self.m) < rate
        self.target[flips] *= -1
        return int(flips.sum())

    def shock(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A reality shock: a given share of dimensions flips at once; returns which."""
        k = max(1, round(share * self.m))
        dims = np.sort(rng.choice(self.m, size=k, replace=False))
        self.target[dims] *= -1
        return dims

    def better(self, beliefs: np.ndarray, dims: np.ndarray) -> np.ndarray:
        """The true value of each dimension: on March's reality a dimension is right or
        wrong on its own, whatever the rest of the row believes."""
        return self.target[dims]

    def score(self, beliefs: np.ndarray) -> np.ndarray:
        """Number of dimensions right minus wrong, per row (zeros count for nothing)."""
        return kernels.score_numpy(beliefs, self.target)

    def knowledge(self, beliefs: np.ndarray) -> np.ndarray:
        """March's knowledge, score / m, in [-1, 1]."""
        return self.score(beliefs) / self.m

    def graded(self, beliefs: np.ndarray, tallied: np.ndarray) -> tuple[np.ndarray, int]:
        """Per-row knowledge as exact integers over a denominator: ``kernels.tally``'s
        scores against the target already are March's scores, so nothing is recomputed."""
        return tallied, self.m

    def perform(self, beliefs: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        """Actions (a coin where a belief is undecided) and their scores, in one pass."""
        return kernels.act(beliefs, self.target, key)
