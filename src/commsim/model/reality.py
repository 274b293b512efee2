"""March's (1991) reality: a vector of m dimensions in {-1, +1} that members hold beliefs about.

Each dimension counts on its own: a member's score is the number of dimensions it has right
minus the number it has wrong, and the value of one dimension never depends on another.
Turbulence flips dimensions at random; a shock flips a share of them at once.
"""

from __future__ import annotations

import numpy as np

from commsim.model.environment import TaskEnvironment
from commsim.model.kernels import GAMMA, MIX1, MIX2, S27, S30, S31, coin_words, kernel, splitmix64
from commsim.model.state import random_beliefs


class RealityVector(TaskEnvironment):
    """An external reality of m dimensions in {-1, +1}, independent of beliefs about it."""

    kind = "reality"

    def __init__(self, m: int, rng: np.random.Generator) -> None:
        target = rng.integers(0, 2, size=m, dtype=np.int8)
        target *= 2
        target -= 1
        self.target = target

    def initial_beliefs(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """March's naive members: each belief -1, 0 or +1 with equal probability."""
        return random_beliefs(rng, rows, self.m)

    def drift(self, rate: float, rng: np.random.Generator) -> int:
        """Turbulence: each dimension flips with probability ``rate``; returns how many did."""
        draws = rng.random(self.m)  # drawn even at rate 0: the stream stays the same
        if rate <= 0:
            return 0  # no uniform is below 0: nothing flips
        flips = draws < rate
        self.target[flips] *= -1
        return int(flips.sum())

    def shock(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A reality shock: a given share of dimensions flips at once; returns which."""
        k = max(1, round(share * self.m))
        dims = np.sort(rng.choice(self.m, size=k, replace=False))
        self.target[dims] *= -1
        return dims

    def restructure(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """March's reality has no structure to change: the nearest thing, a run of
        ``max(1, round(share * m))`` neighbouring dimensions from a random one on (wrapping)
        reverses together; returns which."""
        k = max(1, round(share * self.m))
        dims = np.sort((int(rng.integers(self.m)) + np.arange(k)) % self.m)
        self.target[dims] *= -1
        return dims

    def better(
        self, beliefs: np.ndarray, dims: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """The true value of each dimension: on March's reality a dimension is right or
        wrong on its own, whatever the rest of the row believes."""
        return self.target[dims]

    def score(self, beliefs: np.ndarray) -> np.ndarray:
        """Number of dimensions right minus wrong, per row (zeros count for nothing)."""
        return right_minus_wrong(beliefs, self.target)

    def knowledge(self, beliefs: np.ndarray) -> np.ndarray:
        """March's knowledge, score / m, in [-1, 1]."""
        return self.score(beliefs) / self.m

    def code_score(self, code: np.ndarray) -> int:
        """``score`` of one row (``row_score``)."""
        return int(row_score(code, self.target))

    def code_knowledge(self, code: np.ndarray) -> float:
        """``knowledge`` of one row: the same integer over the same m."""
        return self.code_score(code) / self.m

    def graded(self, beliefs: np.ndarray, tallied: np.ndarray) -> tuple[np.ndarray, int]:
        """Per-row knowledge as exact integers over a denominator: ``metrics.tally``'s
        scores against the target already are March's scores, so nothing is recomputed."""
        return tallied, self.m

    def perform(self, beliefs: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        """Actions (a coin where a belief is undecided) and their scores, in one pass."""
        return act(beliefs, self.target, key)


def right_minus_wrong(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """Dimensions right minus wrong, per row (zeros count for nothing): March's score."""
    # a float32 BLAS product is exact here: every partial sum is an integer below 2**24
    return (beliefs.astype(np.float32) @ reality.astype(np.float32)).astype(np.int64)


def _row_score_loops(row: np.ndarray, reality: np.ndarray) -> np.int64:
    score = np.int64(0)
    for d in range(row.shape[0]):
        score += np.int64(row[d]) * np.int64(reality[d])
    return score


@kernel(_row_score_loops)
def row_score(row: np.ndarray, reality: np.ndarray) -> np.int64:
    """One row's score: right minus wrong. Compiled because the code's score is asked every
    step (its knowledge is the run's history), where the dot product's two conversions
    cost more than the sum; the twin's float32 product is exact, as ``right_minus_wrong``."""
    return np.int64(np.dot(row.astype(np.float32), reality.astype(np.float32)))


# --- acting on the beliefs: a coin where one is undecided, a score against reality -----


def _act_loops(
    beliefs: np.ndarray, reality: np.ndarray, key: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    n, m = beliefs.shape
    words = -(-n // 64)  # coin_words(n)
    actions = np.empty((m, n), np.int8).T  # Fortran order, as the beliefs
    performance = np.zeros(n, np.int64)
    one = np.uint64(1)
    for d in range(m):
        column, out, r = beliefs[:, d], actions[:, d], np.int64(reality[d])
        for word in range(words):
            z = np.uint64(d * words + word + 1) * GAMMA + key  # splitmix64, inline
            z = (z ^ (z >> S30)) * MIX1
            z = (z ^ (z >> S27)) * MIX2
            z = z ^ (z >> S31)
            start = word * 64
            for bit in range(min(64, n - start)):
                b = column[start + bit]
                coin = np.int8((z >> np.uint64(bit)) & one) * np.int8(2) - np.int8(1)
                a = b if b != 0 else coin
                out[start + bit] = a
                performance[start + bit] += np.int64(a) * r
    return actions, performance


@kernel(_act_loops)
def act(beliefs: np.ndarray, reality: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """Actions (each belief, a coin where it is 0; Fortran order) and their scores
    against ``reality`` (``right_minus_wrong``), in one pass.

    The coins come from the stream ``key`` (``kernels``), one number per 64 members and
    dimension: the coin of member i on dimension d is bit i % 64 of number
    ``d * coin_words(n) + i // 64`` (1: +1, 0: -1). Compiled because it sweeps the whole
    N x m belief matrix every step: in NumPy a chain of whole-matrix temporaries, compiled
    one vectorised pass. The NK landscape takes the actions and scores them itself.
    """
    n, m = beliefs.shape
    words = coin_words(n)
    numbers = splitmix64(key, np.arange(m * words)).astype("<u8", copy=False)
    bits = np.unpackbits(numbers.view(np.uint8).reshape(m, 8 * words), axis=1, bitorder="little")
    heads = bits[:, :n].view(np.int8).T  # (n, m): the coin of member i on dimension d
    actions = np.where(beliefs == 0, heads * np.int8(2) - np.int8(1), beliefs)
    return np.asfortranarray(actions), right_minus_wrong(actions, reality)
