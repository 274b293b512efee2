"""The run's state as one explicit object: what every phase reads and writes.

A phase is a function of the ``World`` alone (``commsim.catalogue.Phase``): it never sees the
Mesa model, so what a mechanism touches is what it takes from here, and a phase written by a
researcher outside the package has the same reach as the built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commsim.catalogue import Lever
from commsim.config import Config
from commsim.model.environment import TaskEnvironment
from commsim.model.insights import InsightLedger
from commsim.model.memory import OrgMemory
from commsim.model.organisation import Ties
from commsim.model.state import OrgState


@dataclass(eq=False)
class World:
    """Config, arrays, environment, ties, insights, memory, counters, random stream, clock."""

    config: Config
    state: OrgState
    environment: TaskEnvironment
    ties: Ties
    rng: np.random.Generator
    counters: tuple[str, ...]
    #: the levers a change can pull, by name (the built-in ones and the extensions')
    levers: dict[str, Lever]
    ledger: InsightLedger = field(default_factory=InsightLedger)
    memory: OrgMemory = field(init=False)
    #: events of the current interval, by counter name (reset after each recorded row)
    counts: dict[str, int] = field(init=False)
    #: the step being run (0 before the first)
    step: int = 0
    in_step: bool = False
    #: a row of metrics has been recorded (step 0's, at construction)
    started: bool = False
    #: run-time values of parameters a lever changed (``param`` reads through to the config)
    live: dict[str, Any] = field(default_factory=dict)
    #: what a phase leaves for the later phases of the same step (``act``'s performance, ...)
    scratch: dict[str, Any] = field(default_factory=dict)
    #: each extension's own state for the whole run, by the extension's name: what its
    #: ``setup`` returned when the model was built (a repository, a market, ...)
    extra: dict[str, Any] = field(default_factory=dict)
    intervention_log: list[dict[str, Any]] = field(default_factory=list)
    knowledge_history: list[float] = field(default_factory=list)
    #: the head of the hierarchy (the hero leader when ``leadership = "hero"``)
    top: int = 0

    def __post_init__(self) -> None:
        self.memory = OrgMemory(self.state.m)
        self.counts = dict.fromkeys(self.counters, 0)
        manager = self.state.manager
        # whose punitiveness sets each member's climate: the manager, the top its own (no
        # lever moves a position, so this is fixed for the run)
        self.climate_setter = np.where(manager < 0, np.arange(manager.size), manager)
        self.n_levels = int(self.state.level.max()) + 1

    def param(self, name: str) -> Any:
        """A parameter's value now: what a lever set during the run, else the config's."""
        live = self.live
        return live[name] if name in live else getattr(self.config, name)

    @property
    def next_step(self) -> int:
        """The step whose dynamics a change made now first affects."""
        return self.step if self.in_step or not self.started else self.step + 1

    def reset_counts(self) -> None:
        """What happens next counts toward the next recorded row."""
        self.counts = dict.fromkeys(self.counters, 0)
