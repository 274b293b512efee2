"""One participant's run: the model they steer, its untouched twin, and what the page shows.

Pure Python with no Solara in it, so every rule of the app (interventions reach only the
steered model, the twin starts from the same seed, exports carry both) is testable without
a browser. A lock serialises the play loop's steps and the participant's clicks.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commsim.app.groups import TeamGroups, by_team
from commsim.app.layout import edge_kinds, org_chart
from commsim.config import Config
from commsim.model import CommunityModel

COLOUR_BY = ("safety", "knowledge", "role", "level")
STEERED, TWIN = "with interventions", "without interventions"


@dataclass
class Flash:
    """What happened to insights in a model's last step, for the network view to mark."""

    voiced: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, np.int64), np.empty(0, np.int64))
    )  # (holders, listeners)
    suppressed: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # holders


@dataclass(frozen=True)
class Mark:
    """An intervention as the plots mark it: the step it first affects and a short label."""

    step: int
    label: str


def describe(action: str, params: dict[str, Any]) -> str:
    """A few words for a plot marker, e.g. ``raise safety +0.2``."""
    words = action.replace("_", " ")
    return " ".join([words, *(f"{v:g}" for v in params.values() if v is not None)])


class LiveRun:
    """The steered model and, while comparing, its twin that no participant touches."""

    def __init__(
        self, config: Config, compare: bool = False, model: type[CommunityModel] = CommunityModel
    ) -> None:
        self.config = config
        self.model_class = model
        self.model = model(config)
        self.twin: CommunityModel | None = None
        state = self.model.state
        # once, rounded as drawn: the chart never moves
        self.positions = np.round(org_chart(state.level, state.manager), 3)
        self.reporting, self.informal = edge_kinds(self.model.ties.edges, state.manager)
        # a large organisation is drawn by team (None: member by member), once per mode:
        # {projector mode: groups}
        ties = (self.positions, self.reporting, self.informal)
        self.groups: dict[bool, TeamGroups | None] = {
            on: by_team(config.org_chart, state.level, state.manager, ties, on)
            for on in (False, True)
        }
        self.marks: list[Mark] = []
        self.flash: dict[str, Flash] = {STEERED: Flash(), TWIN: Flash()}
        self.lock = threading.RLock()
        if compare:
            self.set_compare(True)

    @property
    def steps(self) -> int:
        return self.model.steps

    @property
    def running(self) -> bool:
        return self.model.running

    def models(self) -> list[tuple[str, CommunityModel]]:
        """The steered model first, then the twin if comparing."""
        pairs = [(STEERED, self.model)]
        return pairs + ([(TWIN, self.twin)] if self.twin is not None else [])

    def step(self, k: int = 1) -> None:
        """Advance every model ``k`` steps, keeping the last step's insight events."""
        with self.lock:
            for _ in range(k):
                for name, model in self.models():
                    if model.running:
                        before = model.ledger.events.size
                        model.step()
                        self.flash[name] = Flash(
                            voiced=model.ledger.links_since(before, "voiced"),
                            suppressed=model.ledger.links_since(before, "suppressed")[0],
                        )

    def intervene(self, action: str, **params: Any) -> Mark:
        """Apply an intervention to the steered model only; the twin shows what it changed.

        Out-of-range parameters raise the model's one-line ``ConfigError`` and change nothing.
        """
        with self.lock:
            self.model.intervene(action, **params)
            mark = Mark(self.model.next_step, describe(action, params))
            self.marks.append(mark)
            return mark

    def set_compare(self, on: bool) -> None:
        """Start (or drop) the twin: same config and seed, caught up to the current step."""
        with self.lock:
            if not on:
                self.twin = None
                return
            if self.twin is None:
                twin = self.model_class(self.config)
                twin.run(self.model.steps)
                self.twin = twin
                self.flash[TWIN] = Flash()

    def node_values(self, model: CommunityModel, attribute: str) -> np.ndarray:
        """Each member's value of a colour-by attribute, as floats."""
        state = model.state
        if attribute == "safety":
            return state.safety.copy()
        if attribute == "knowledge":
            return model.environment.knowledge(state.beliefs)
        if attribute == "role":
            return state.role.astype(float)
        if attribute == "level":
            return state.level.astype(float)
        raise ValueError(f"colour by: unknown attribute {attribute!r}; allowed: {COLOUR_BY}")

    def frame(self) -> pd.DataFrame:
        """Every metric of every step, one block per model (``variant``), for export."""
        with self.lock:
            blocks = [m.model_frame().assign(variant=name) for name, m in self.models()]
        frame = pd.concat(blocks, ignore_index=True)
        return frame[["variant", *frame.columns.drop("variant")]]

    def export(self, fmt: str) -> bytes:
        """The run as CSV or Parquet bytes, ready to download."""
        frame = self.frame()
        if fmt == "csv":
            return frame.to_csv(index=False).encode()
        if fmt == "parquet":
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            return buffer.getvalue()
        raise ValueError(f"export: unknown format {fmt!r}; allowed: csv, parquet")
