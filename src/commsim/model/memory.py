"""Organisational memory: which insight wrote each dimension of the code, and how far it spread.

The code outlives the members who taught it. For every dimension written by a codified
insight we follow its diffusion: reach (share of members who now hold it) and the time until
it is held by ``diffusion_threshold`` of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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
        self._written = True
        self.codified_at[dims] = world.step

    def track(self, world: World, plus: np.ndarray, minus: np.ndarray) -> float:
        """Log insights that crossed the threshold this step; return their mean reach.

        ``reach[d]``, the share of members holding the code's value on d, is built from the
        counts holding +1 and -1 only when an insight stands behind some dimension.
        """
        live = self.from_insight if self._written else None
        if live is None or not live.any():
            return float("nan")
        code, n = world.state.code, world.state.n
        reach = np.where(code == 1, plus / n, np.where(code == -1, minus / n, 0.0))
        crossed = live & ~self.diffused & (reach >= world.config.diffusion_threshold)
        dims = np.flatnonzero(crossed)
        if dims.size:
            self.diffused[dims] = True
            times = world.step - self.codified_at[dims]
            self.diffusion_times.extend(times.tolist())
            self._time_total += int(times.sum())
            adopters = np.round(reach[dims] * world.state.n).astype(np.int64)
            world.ledger.log(world.step, "diffused", self.source[dims], adopters)
        return float(reach[live].sum()) / int(np.count_nonzero(live))
