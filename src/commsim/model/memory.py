"""Organisational memory: which insight wrote each dimension of the code, and how far it spread.

The code outlives the members who taught it. For every dimension written by a codified
insight we follow its diffusion: reach (share of members who now hold it) and the time until
it is held by ``diffusion_threshold`` of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commsim.model.insights import EVENT_CODE
from commsim.model.kernels import kernel

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World


def tacit_count(config: Config) -> int:
    """How many dimensions, the first ones, are tacit (Miller, Zhao & Calantone 2006): the
    code can never hold them, so only peers pass them on. ``round(tacit_share * m)``."""
    return round(config.tacit_share * config.m)


class OrgMemory:
    """Per code dimension: the insight behind it, when it was codified, whether it diffused."""

    def __init__(self, m: int) -> None:
        self.source = np.full(m, -1, dtype=np.int64)  # insight id, -1 when not from an insight
        self.codified_at = np.zeros(m, dtype=np.int64)
        self.diffused = np.zeros(m, dtype=bool)
        self.diffusion_times: list[int] = []
        self._time_total = 0  # sum of diffusion_times, kept so the mean costs nothing
        self._written = False  # an insight was ever recorded (until then none is tracked)

    @property
    def from_insight(self) -> np.ndarray:
        return self.source >= 0

    @property
    def mean_diffusion_time(self) -> float:
        """Mean time to diffusion over every diffusion so far (NaN before the first)."""
        times = self.diffusion_times
        return self._time_total / len(times) if times else float("nan")

    def overwrite(self, world: World, dims: np.ndarray) -> None:
        """The code changes on ``dims``: any insight behind them is superseded."""
        old = self.source[dims]
        live = old >= 0
        world.ledger.log(world.step, "superseded", old[live], -1)
        self.source[dims] = -1
        self.diffused[dims] = False

    def record(self, world: World, ids: np.ndarray, dims: np.ndarray) -> None:
        """Codified insights now stand behind their dimensions (the code holds their values)."""
        self.overwrite(world, dims)
        self.source[dims] = ids
        self.wrote()
        self.codified_at[dims] = world.step

    def wrote(self) -> None:
        """An insight was recorded (by ``record``, or a compiled phase that writes the
        arrays itself): from now on diffusion is followed."""
        self._written = True

    def track(self, world: World, plus: np.ndarray, minus: np.ndarray) -> np.ndarray | None:
        """Log insights that crossed the threshold this step; return each dimension's reach
        (None while no insight stands behind the code).

        ``reach[d]``, the share of members holding the code's value on d, is built from the
        counts holding +1 and -1 (the metrics' ``tally``) only while an insight stands behind
        the code.
        """
        if not self._written:
            return None
        live = self.from_insight
        if not live.any():
            return None
        code, n = world.state.code, world.state.n
        reach, dims = crossings(
            code, plus, minus, n, live, self.diffused, world.config.diffusion_threshold
        )
        if dims.size:
            self._diffuse(world, dims, reach[dims])
        return reach

    def track_beliefs(self, world: World) -> None:
        """``track`` on a step without metrics: the holders are counted only on the
        dimensions that may still diffuse (``diffusing``), not over the whole matrix."""
        if self._written:  # (``diffusing`` reads which dimensions an insight stands behind)
            state, threshold = world.state, world.config.diffusion_threshold
            dims, reach = diffusing(
                state.beliefs, state.code, self.source, self.diffused, threshold
            )
            if dims.size:
                self._diffuse(world, dims, reach)

    def _diffuse(self, world: World, dims: np.ndarray, reach: np.ndarray) -> None:
        """The insights behind ``dims`` (reach ``reach``) diffused this step: logged, timed."""
        events, k = world.ledger.events, dims.shape[0]
        times = diffuse(
            dims, reach, world.state.n, world.step, self.source, self.diffused,
            self.codified_at, events.reserve(k), events.size,
        ).tolist()  # fmt: skip
        events.extend(k)
        self.diffusion_times.extend(times)
        self._time_total += sum(times)

    def mean_reach(self, reach: np.ndarray | None) -> float:
        """The mean over the dimensions an insight stands behind of ``track``'s reach."""
        if reach is None:
            return float("nan")
        live = self.from_insight
        return float(reach[live].sum()) / int(np.count_nonzero(live))


# --- crossings: each dimension's reach, and the insights that crossed the threshold -----


def _crossings_loops(
    code: np.ndarray,
    plus: np.ndarray,
    minus: np.ndarray,
    n: int,
    live: np.ndarray,
    diffused: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    m = code.shape[0]
    reach = np.empty(m, np.float64)
    crossed = np.zeros(m, np.bool_)
    for d in range(m):
        reach[d] = plus[d] / n if code[d] == 1 else minus[d] / n if code[d] == -1 else 0.0
        crossed[d] = live[d] and not diffused[d] and reach[d] >= threshold
    return reach, np.flatnonzero(crossed)


@kernel(_crossings_loops)
def crossings(
    code: np.ndarray,
    plus: np.ndarray,
    minus: np.ndarray,
    n: int,
    live: np.ndarray,
    diffused: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each dimension's reach (the share of the n members holding the code's value, from
    the counts holding +1 and -1), and the live, not yet diffused dimensions whose reach
    is at least ``threshold``. Compiled: asked after every step once an insight stands
    behind the code, where its ten NumPy calls on m-long arrays cost more than the step's
    other diffusion work.
    """
    reach = np.where(code == 1, plus / n, np.where(code == -1, minus / n, 0.0))
    return reach, np.flatnonzero(live & ~diffused & (reach >= threshold))


# --- diffusing: the insights that crossed the threshold, counted from the beliefs -------


def _diffusing_loops(
    beliefs: np.ndarray,
    code: np.ndarray,
    source: np.ndarray,
    diffused: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    n, m = beliefs.shape
    dims, reach = np.empty(m, np.int64), np.empty(m, np.float64)
    k = 0
    for d in range(m):
        if source[d] < 0 or diffused[d]:
            continue
        c, held = code[d], 0
        if c != 0:
            for i in range(n):
                held += beliefs[i, d] == c
        share = held / n if c != 0 else 0.0
        if share >= threshold:
            dims[k], reach[k] = d, share
            k += 1
    return dims[:k], reach[:k]


@kernel(_diffusing_loops)
def diffusing(
    beliefs: np.ndarray,
    code: np.ndarray,
    source: np.ndarray,
    diffused: np.ndarray,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The live (an insight stands behind them: ``source`` at least 0), not yet diffused
    dimensions whose reach (the share of members holding the code's value; 0 where the
    code holds none) is at least ``threshold``, and their reach: ``crossings`` without the
    metrics' counts. Compiled: on a step without metrics it counts the holders of a few
    dimensions instead of tallying the whole belief matrix, and asks which are live itself.
    """
    n = beliefs.shape[0]
    candidates = np.flatnonzero((source >= 0) & ~diffused)
    values = code[candidates]
    held = np.count_nonzero(beliefs[:, candidates] == values, axis=0)
    reach = np.where(values != 0, held / n, 0.0)
    crossed = reach >= threshold
    return candidates[crossed], reach[crossed]


# --- diffuse: the insights that crossed the threshold, marked, timed and logged ---------

_DIFFUSED = EVENT_CODE["diffused"]


@kernel("commsim.model.fused.ledger:diffuse")  # loops that write the log as the others do
def diffuse(
    dims: np.ndarray,
    reach: np.ndarray,
    n: int,
    step: int,
    source: np.ndarray,
    diffused: np.ndarray,
    codified_at: np.ndarray,
    events: np.ndarray,
    row: int,
) -> np.ndarray:
    """The insights behind ``dims`` (distinct; reach ``reach``) diffused at ``step``: marked
    ``diffused``, logged in the ledger's ``events`` array (``_Columns.reserve``) from
    ``row`` on, with their adopters ``round(reach * n)``. Returns each one's steps since
    codification. Compiled: a step that sees a crossing paid half a dozen NumPy calls."""
    diffused[dims] = True
    adopters = np.round(reach * n).astype(np.int64)
    logged = (source[dims], step, _DIFFUSED, adopters)  # in EVENT_COLUMNS' order, as ``log``
    for column, values in zip(events[:, row : row + dims.shape[0]], logged, strict=True):
        column[:] = values
    return step - codified_at[dims]
