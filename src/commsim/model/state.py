"""The organisation's state as arrays: every phase of a step reads and writes these.

Rows are *positions* in the organisation (a seat in the org chart). Turnover replaces the
occupant of a position, so row ``i`` keeps its level, manager, role and socialisation rate
while its beliefs, safety and learning rate start afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.model.kernels import kernel

PRACTITIONER, RESEARCHER, CAPACITY_BUILDER = 0, 1, 2
ROLE_NAMES = ("practitioner", "researcher", "capacity_builder")
NO_MANAGER = -1


@dataclass
class OrgState:
    """Members' mental models and traits, and the organisational code (its memory)."""

    beliefs: np.ndarray  # (N, m) int8 in {-1, 0, +1}, Fortran order: each member's mental model
    safety: np.ndarray  # (N,) float64 in [0, 1]: psychological safety
    learning_rate: np.ndarray  # (N,) float64 >= 1 multiplier, raised by mentoring
    level: np.ndarray  # (N,) int16, 0 = front line
    manager: np.ndarray  # (N,) int64 row of the manager, NO_MANAGER at the top
    role: np.ndarray  # (N,) int8: PRACTITIONER, RESEARCHER or CAPACITY_BUILDER
    fast: np.ndarray  # (N,) bool: the position socialises at the fast rate (March's mix)
    socialisation_rate: np.ndarray  # (N,) float64: the position's base p1
    punitiveness: np.ndarray  # (N,) float64: chance a manager punishes dissenting voice
    joined: np.ndarray  # (N,) int64 step the current occupant joined
    code: np.ndarray  # (m,) int8 in {-1, 0, +1}: the organisational code

    @property
    def n(self) -> int:
        return self.beliefs.shape[0]

    @property
    def m(self) -> int:
        return self.beliefs.shape[1]


def random_beliefs(rng: np.random.Generator, rows: int, m: int) -> np.ndarray:
    """Naive mental models: each belief -1, 0 or +1 with equal probability (March 1991).

    The (rows, m) matrix is laid out dimension by dimension (Fortran order), the layout
    the belief matrix keeps: the kernels sweep one dimension of every member at a time.
    """
    return (rng.integers(0, 3, size=(m, rows), dtype=np.int8) - np.int8(1)).T


def approach_rows(values: np.ndarray, target: float, gain: float, rows: np.ndarray) -> None:
    """Move ``values`` a fraction ``gain`` of the way to ``target``, once per time a row
    appears in ``rows``, in place: ``v <- target - (target - v) * (1 - gain) ** c``.

    The one rule behind appreciation, punishment and mentoring. Only the rows named are
    touched (a step's responses or coachings reach a few members), so the cost follows the
    events, not N (``approach_by_powers``).
    """
    if rows.size:
        approach_by_powers(values, target, approach_powers(gain, rows.size + 1), rows)


def approach_powers(gain: float, count: int) -> np.ndarray:
    """``(1 - gain) ** c`` for c = 0 .. count - 1: ``approach_by_powers``' table for a gain.
    Entry c does not depend on count, so a compiled phase's longer table made here, once a
    run, holds the same numbers as ``approach_rows``' (``fused``)."""
    return (1.0 - gain) ** np.arange(count)


# --- approach_by_powers: events pull members' values toward a target --------------------


def _approach_by_powers_loops(
    values: np.ndarray, target: float, powers: np.ndarray, rows: np.ndarray
) -> None:
    ordered = np.sort(rows)
    first = 0
    while first < ordered.shape[0]:
        r = ordered[first]
        last = first
        while last < ordered.shape[0] and ordered[last] == r:
            last += 1
        values[r] = target - (target - values[r]) * powers[last - first]
        first = last


@kernel(_approach_by_powers_loops)
def approach_by_powers(
    values: np.ndarray, target: float, powers: np.ndarray, rows: np.ndarray
) -> None:
    """In place, once per distinct row r of ``rows``, occurring c times:
    ``values[r] = target - (target - values[r]) * powers[c]``.

    Compiled: a sort and one pass instead of ``np.unique`` and fancy indexing, whose fixed
    cost dominates the few rows a step's events name.
    """
    touched, times = np.unique(rows, return_counts=True)
    values[touched] = target - (target - values[touched]) * powers[times]


def uniform_below(rng: np.random.Generator, high: int, size: int) -> np.ndarray:
    """``size`` integers uniform on 0 .. high - 1, as ``floor(u * high)``.

    A fifth of the cost of ``rng.integers`` on the few hundred draws a phase makes; the
    bias (below high / 2**53) is far beneath anything a run could detect.
    """
    return (rng.random(size) * high).astype(np.int64)


def draw_punitiveness(
    rng: np.random.Generator, size: int, mean: float, spread: float
) -> np.ndarray:
    """Leaders' punitiveness: normal around the configured style, clipped to [0, 1]."""
    return np.clip(rng.normal(mean, spread, size=size), 0.0, 1.0)
