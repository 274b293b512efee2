"""The task environment members learn about: March's reality vector, which can drift.

The environment only knows reality; how members meet it lives in ``practice.py``.
"""

from __future__ import annotations

import numpy as np


class RealityVector:
    """An external reality of m dimensions in {-1, +1}, independent of beliefs about it."""

    def __init__(self, m: int, rng: np.random.Generator) -> None:
        self.values = (2 * rng.integers(0, 2, size=m, dtype=np.int8) - 1).astype(np.int8)

    @property
    def m(self) -> int:
        return self.values.shape[0]

    def drift(self, rate: float, rng: np.random.Generator) -> int:
        """Turbulence: each dimension flips with probability ``rate``; returns how many did."""
        flips = rng.random(self.m) < rate
        self.values[flips] *= -1
        return int(flips.sum())

    def shock(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A reality shock: a given share of dimensions flips at once; returns which."""
        k = max(1, round(share * self.m))
        dims = np.sort(rng.choice(self.m, size=k, replace=False))
        self.values[dims] *= -1
        return dims

    def observe(
        self, dims: np.ndarray, noise: np.ndarray | float, rng: np.random.Generator
    ) -> np.ndarray:
        """Noisy feedback from reality: the true value, flipped with probability ``noise``."""
        wrong = rng.random(dims.shape[0]) < noise
        return np.where(wrong, -self.values[dims], self.values[dims]).astype(np.int8)

    def score(self, beliefs: np.ndarray) -> np.ndarray:
        """Number of dimensions right minus wrong, per row (zeros count for nothing)."""
        # a float32 BLAS product is exact here: every partial sum is an integer below 2**24
        scores = beliefs.astype(np.float32) @ self.values.astype(np.float32)
        return scores.astype(np.int64)
