"""Kauffman's NK landscape as a task environment (Lazer & Friedman 2007).

A solution is m bits (a member's beliefs: +1 is bit 1, -1 and an undecided 0 are bit 0).
Each bit i contributes a value drawn uniformly from [0, 1) that depends on its own state and
on the states of ``k`` other bits (``dependencies``: chosen at random, by default distinct);
a solution's raw fitness is the mean of the m contributions. With k = 0 every bit counts on
its own (one peak); as k grows the landscape turns rugged, full of local peaks.

As in Lazer & Friedman (2007, p. 677), a score is the raw fitness divided by the landscape's
global maximum and raised to the 8th power: most solutions become mediocre and only a few
very good, and the best scores exactly 1. The maximum is found exactly, by scoring all 2**m
solutions (m <= 24; vectorised, a fraction of a second for m = 20).
"""

from __future__ import annotations

import numpy as np

from commsim.config import NK_MAX_M
from commsim.model.environment import TaskEnvironment
from commsim.model.reality import act

#: Lazer & Friedman's monotone transformation of normalised fitness
EXPONENT = 8
_CHUNK = 1 << 18  # solutions enumerated at once
_ROWS = 1 << 14  # members scored at once


def dependencies(
    m: int, k: int, rng: np.random.Generator, interactions: str = "distinct"
) -> np.ndarray:
    """(m, k + 1) loci: bit i itself first, then the k bits its value depends on.

    ``"distinct"``: k distinct other bits drawn at random. ``"with_replacement"``: k draws
    from all m bits, so a bit may depend on fewer than k others (repeats, or itself) -- the
    reading of Lazer & Friedman's Appendix A ("the set ... is selected randomly", p. 692)
    that reproduces their figures (docs/VALIDATION.md, section 2). ``"adjacent"``: the k bits
    that follow i on a ring (Kauffman's neighbouring interactions).
    """
    if interactions == "with_replacement":
        chosen = rng.integers(0, m, size=(m, k))
    elif interactions == "adjacent":
        chosen = (np.arange(m)[:, None] + np.arange(1, k + 1)) % m
    else:
        others = rng.random((m, m))
        others[np.arange(m), np.arange(m)] = np.inf  # never a bit's own second dependency
        chosen = np.argsort(others, axis=1, kind="stable")[:, :k]
    return np.concatenate([np.arange(m)[:, None], chosen], axis=1).astype(np.int64)


class NKLandscape(TaskEnvironment):
    """An NK landscape over m bits with k interdependencies per bit, its maximum known."""

    kind = "nk"

    def __init__(
        self, m: int, k: int, rng: np.random.Generator, interactions: str = "distinct"
    ) -> None:
        if not 0 <= k < m <= NK_MAX_M:
            raise ValueError(f"an NK landscape needs 0 <= k < m <= {NK_MAX_M} (got m={m}, k={k})")
        self.k = k
        self.interactions = interactions
        self.deps = dependencies(m, k, rng, interactions)
        self.weights = np.left_shift(1, np.arange(k + 1), dtype=np.int64)  # bit j of an index
        self.tables = rng.random((m, 1 << (k + 1)))
        self._find_maximum()

    # --- fitness ------------------------------------------------------------------------

    def raw(self, bits: np.ndarray) -> np.ndarray:
        """Mean contribution of the m bits, per row of a (rows, m) 0/1 array.

        Rows are scored in blocks: each needs an (rows, m, k + 1) index array, which for a
        million members at once would be gigabytes.
        """
        loci = np.arange(self.deps.shape[0])
        out = np.empty(bits.shape[0])
        for start in range(0, bits.shape[0], _ROWS):
            block = bits[start : start + _ROWS]
            index = block[:, self.deps] @ self.weights  # (rows, m): each bit's table entry
            out[start : start + _ROWS] = self.tables[loci, index].mean(axis=1)
        return out

    def _find_maximum(self) -> None:
        """The global maximum and a solution reaching it, by scoring every solution.

        A solution's bits split into a low half and a high half, and each bit's table index
        into the part its low dependencies set and the part its high ones set: so every
        contribution of a block of solutions is one gather from a table, indexed by an
        outer sum of two short index vectors, without ever building the solutions' bits.
        """
        m = self.deps.shape[0]
        low_bits = m // 2
        low = np.arange(1 << low_bits)
        in_low = self.deps < low_bits
        # each bit's index part from the low half (over all low values) and the high half
        low_part = (
            ((low[:, None, None] >> np.where(in_low, self.deps, 0)) & 1) * in_low
        ) @ self.weights
        high_rows = 1 << (m - low_bits)
        block = max(1, _CHUNK >> low_bits)
        best, where = -1.0, 0
        for start in range(0, high_rows, block):
            high = np.arange(start, min(start + block, high_rows))
            shifts = np.where(in_low, 0, self.deps - low_bits)
            high_part = (((high[:, None, None] >> shifts) & 1) * ~in_low) @ self.weights
            total = np.zeros((high.size, low.size))
            for i in range(m):
                total += self.tables[i][high_part[:, i, None] + low_part[None, :, i]]
            top = int(np.argmax(total))
            if total.flat[top] > best:
                best = float(total.flat[top])
                where = (int(high[top // low.size]) << low_bits) | (top % low.size)
        bits = (where >> np.arange(m)) & 1
        self.target = np.where(bits == 1, 1, -1).astype(np.int8)  # the global optimum
        # the maximum as ``raw`` adds it up, so that the optimum scores exactly 1
        self.maximum = float(self.raw(bits[None, :])[0])

    @staticmethod
    def bits(beliefs: np.ndarray) -> np.ndarray:
        """Beliefs as bits: +1 is 1; -1 and an undecided 0 are 0."""
        return (beliefs > 0).astype(np.int64)

    def score(self, beliefs: np.ndarray) -> np.ndarray:
        """Lazer & Friedman's score per row: (raw fitness / global maximum) ** 8, in [0, 1]."""
        normalised = np.minimum(self.raw(self.bits(beliefs)) / self.maximum, 1.0)
        return normalised**EXPONENT

    def knowledge(self, beliefs: np.ndarray) -> np.ndarray:
        """On a landscape, knowledge is the score itself: 1 at the global optimum."""
        return self.score(beliefs)

    def graded(self, beliefs: np.ndarray, tallied: np.ndarray) -> tuple[np.ndarray, int]:
        """Per-row knowledge over a denominator of 1 (the tally against the optimum is not
        a score here)."""
        return self.score(beliefs), 1

    # --- members meet the landscape -----------------------------------------------------

    def initial_beliefs(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """Random solutions: every bit decided, 0 or 1 with equal probability."""
        drawn = 2 * rng.integers(0, 2, size=(self.m, rows), dtype=np.int8) - np.int8(1)
        return drawn.T  # Fortran order, as the belief matrix is kept

    def perform(self, beliefs: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        """Actions (a coin where a belief is undecided, as on March's reality) and their
        scores on the landscape."""
        actions, _ = act(beliefs, self.target, key)
        return actions, self.score(actions)

    def better(
        self, beliefs: np.ndarray, dims: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Local search: for each row, the value of its dimension that scores better given
        the rest of that row's solution -- the current one (an undecided 0 reads as -1)
        unless the other is strictly better (one landscape for every member: ``rows`` is
        not needed)."""
        each = np.arange(dims.shape[0])
        current = np.where(beliefs[each, dims] > 0, 1, -1).astype(np.int8)
        flipped = beliefs.copy()
        flipped[each, dims] = -current
        gains = self.raw(self.bits(flipped)) > self.raw(self.bits(beliefs))
        return np.where(gains, -current, current).astype(np.int8)

    # --- a changing landscape -----------------------------------------------------------

    def _redraw(self, loci: np.ndarray, rng: np.random.Generator) -> None:
        self.tables[loci] = rng.random((loci.size, self.tables.shape[1]))
        if loci.size:
            self._find_maximum()

    def drift(self, rate: float, rng: np.random.Generator) -> int:
        """Turbulence: each bit's contribution table is redrawn with probability ``rate``
        (the maximum is found again when anything changed); returns how many were."""
        loci = np.flatnonzero(rng.random(self.m) < rate)
        self._redraw(loci, rng)
        return int(loci.size)

    def shock(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A shock: a given share of the bits get new contribution tables at once."""
        k = max(1, round(share * self.m))
        loci = np.sort(rng.choice(self.m, size=k, replace=False))
        self._redraw(loci, rng)
        return loci

    def restructure(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A structural shock: ``max(1, round(share * m))`` random bits come to depend on new
        others (drawn as at the start), their tables kept; the maximum is found again.
        Returns which bits."""
        k = max(1, round(share * self.m))
        loci = np.sort(rng.choice(self.m, size=k, replace=False))
        self.deps[loci] = dependencies(self.m, self.k, rng, self.interactions)[loci]
        self._find_maximum()
        return loci
