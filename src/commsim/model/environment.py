"""The task environment: what members hold beliefs about, and how beliefs are scored.

The model meets its task only through the ``TaskEnvironment`` interface below, so the same
``CommunityModel`` runs on either of two environments, chosen by the config's ``task``:

* ``"reality"`` -- March's (1991) reality vector (``reality.py``): every dimension is right
  or wrong on its own; knowledge = (right - wrong) / m, in [-1, 1].
* ``"nk"`` -- Kauffman's NK landscape as Lazer & Friedman (2007) use it
  (``nk_landscape.py``): the value of a belief depends on ``nk_k`` others; knowledge is the
  score, (fitness / global maximum) ** 8, in [0, 1].

Beliefs stay the model's int8 arrays in {-1, 0, +1}; on the landscape +1 is bit 1 and -1
(and an undecided 0) bit 0.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World


def turbulence(world: World) -> None:
    """The task environment drifts: each dimension changes with ``turbulence_rate`` (March)."""
    world.environment.drift(world.config.turbulence_rate, world.rng)


class TaskEnvironment(ABC):
    """What every phase may ask of the task (rows of ``beliefs`` are members)."""

    kind: str
    #: (m,) int8 in {-1, +1}: the best answer -- reality itself, or the landscape's optimum
    target: np.ndarray

    @property
    def m(self) -> int:
        return self.target.shape[0]

    @abstractmethod
    def initial_beliefs(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """Naive newcomers' beliefs, (rows, m) in Fortran order."""

    @abstractmethod
    def score(self, beliefs: np.ndarray) -> np.ndarray:
        """Each row's score: higher is better (who is superior, what local search keeps)."""

    @abstractmethod
    def knowledge(self, beliefs: np.ndarray) -> np.ndarray:
        """Each row's knowledge: the score on the environment's normalised scale."""

    def code_score(self, code: np.ndarray) -> float:
        """The score of one row, the code: asked several times a step, so environments
        may answer it without the matrix machinery of ``score``."""
        return self.score(code[None, :])[0]

    def code_knowledge(self, code: np.ndarray) -> float:
        """The knowledge of one row, the code, as a Python float (a metric every step)."""
        return float(self.knowledge(code[None, :])[0])

    @abstractmethod
    def graded(self, beliefs: np.ndarray, tallied: np.ndarray) -> tuple[np.ndarray, int]:
        """Knowledge as numerators over one denominator, given ``metrics.tally``'s scores
        against the target (exact integers where the environment allows it)."""

    @abstractmethod
    def perform(self, beliefs: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        """Actions (coins where undecided, from the stream ``key``) and their scores."""

    @abstractmethod
    def better(
        self, beliefs: np.ndarray, dims: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """For each row, the value of its dimension ``dims[row]`` that scores better given
        the rest of the row: what noiseless feedback, or a local search, finds. ``rows``
        names the members the rows belong to, where the environment differs by member
        (units' local realities, 7.20); None: the shared environment."""

    @abstractmethod
    def drift(self, rate: float, rng: np.random.Generator) -> int:
        """Turbulence: each part changes with probability ``rate``; how many did."""

    @abstractmethod
    def shock(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A share of the environment changes at once; which parts."""

    def restructure(self, share: float, rng: np.random.Generator) -> np.ndarray:
        """A structural shock: the task's structure changes, not only its values (7.21);
        which parts. An environment without a structure to change refuses it."""
        raise NotImplementedError(f"a {self.kind} task has no structure to change")

    def observe(
        self,
        beliefs: np.ndarray,
        dims: np.ndarray,
        noise: np.ndarray | float,
        rng: np.random.Generator,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Noisy feedback on one dimension per row: ``better`` (for the members ``rows``),
        flipped with probability ``noise`` (practice and research meet the task through this)."""
        wrong = rng.random(dims.shape[0]) < noise
        right = self.better(beliefs, dims, rows)
        return np.where(wrong, -right, right).astype(np.int8)


def make_environment(config: Config, rng: np.random.Generator) -> TaskEnvironment:
    """The config's task environment, drawn from the model's generator."""
    # imported here: both implementations subclass TaskEnvironment from this module
    from commsim.model.nk_landscape import NKLandscape
    from commsim.model.reality import RealityVector

    if config.task == "nk":
        return NKLandscape(config.m, config.nk_k, rng, config.nk_interactions)
    if config.units:
        from commsim.model.units import UnitReality

        return UnitReality(config, rng)
    return RealityVector(config.m, rng)
