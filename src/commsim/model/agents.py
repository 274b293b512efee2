"""Mesa agents as thin views onto rows of the state arrays.

A ``Member`` stores nothing but its row; every attribute reads (and, where it makes sense,
writes) the model's arrays, so AgentSet queries, DataCollector reporters and Mesa's
visualisation see the live state without a copy. Views are created lazily: a model of a
million members pays nothing for them until someone asks for ``model.agents``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from commsim.model.state import ROLE_NAMES

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from commsim.model.model import CommunityModel


class Member(CellAgent):
    """A position in the organisation and whoever currently holds it."""

    model: CommunityModel

    def __init__(self, model: CommunityModel, row: int, cell: Cell) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell

    @property
    def beliefs(self) -> np.ndarray:
        """This member's mental model: a writable view of its row of beliefs."""
        return self.model.state.beliefs[self.row]

    @property
    def knowledge(self) -> float:
        return float(self.model.environment.knowledge(self.beliefs[None, :])[0])

    @property
    def safety(self) -> float:
        return float(self.model.state.safety[self.row])

    @safety.setter
    def safety(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"safety must be in [0, 1] (got {value})")
        self.model.state.safety[self.row] = value

    @property
    def learning_rate(self) -> float:
        return float(self.model.state.learning_rate[self.row])

    @property
    def fast(self) -> bool:
        """Whether this position socialises at the fast rate (March's mixed populations)."""
        return bool(self.model.state.fast[self.row])

    @property
    def socialisation_rate(self) -> float:
        """This position's base p1 (before the learning-rate multiplier and the walls)."""
        return float(self.model.state.socialisation_rate[self.row])

    @property
    def level(self) -> int:
        return int(self.model.state.level[self.row])

    @property
    def role(self) -> str:
        return ROLE_NAMES[int(self.model.state.role[self.row])]

    @property
    def punitiveness(self) -> float:
        return float(self.model.state.punitiveness[self.row])

    @property
    def manager(self) -> Member | None:
        boss = int(self.model.state.manager[self.row])
        return None if boss < 0 else self.model.member(boss)
