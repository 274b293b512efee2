"""One participant's run: the model they steer, its untouched twin, and what the page shows.

Pure Python with no Solara in it, so every rule of the app (interventions reach only the
steered model, the twin starts from the same seed without any intervention, exports carry
both, a saved session reruns exactly) is testable without a browser. A lock serialises the
play loop's steps and the participant's clicks.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from commsim.app.groups import TeamGroups, by_team
from commsim.app.layout import edge_kinds, org_chart
from commsim.app.records import interventions, session_toml, settings
from commsim.catalogue import Lever, Parameter
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
    """An intervention as the plots mark it: the step it first affects, the button's words
    with the amounts, how many times it was pulled there, and whether the scenario pulled it."""

    step: int
    label: str
    count: int = 1
    scenario: bool = False

    @property
    def text(self) -> str:
        """What a marker and the applied list say, e.g. ``Invite voice (safety +0.2) ×3``."""
        times = f" ×{self.count}" if self.count > 1 else ""
        return ("scenario: " if self.scenario else "") + self.label + times


def argument_label(parameter: Parameter) -> str:
    """What a lever argument's slider (and a marker) calls it."""
    return parameter.label or parameter.name.replace("_", " ")


def describe(lever: Lever, params: Mapping[str, Any]) -> str:
    """The lever's button label and every argument given, in the sliders' words, e.g.
    ``Reorganise (seniors who leave 0.7, from level 1)``."""
    given = []
    for p in lever.parameters:
        value = params.get(p.name)
        if value is None:
            continue
        label = argument_label(p)
        given.append(f"{label}{'' if label.endswith('+') else ' '}{value:g}")
    return f"{lever.label} ({', '.join(given)})" if given else lever.label


class LiveRun:
    """The steered model and, while comparing, its twin that no participant touches.

    The twin runs the same config and seed without any intervention, the scenario's own
    included, so comparing shows what every intervention (a scheduled reorganisation too) did.
    """

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
        self._marks: list[Mark] = []
        self._pressed: set[int] = set()  # the participant's entries of the intervention log
        for spec in interventions(_scheduled(config)):
            self._add_mark(spec.pop("step"), spec.pop("action"), spec, scenario=True)
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

    @property
    def marks(self) -> list[Mark]:
        """The marks of interventions applied so far (a scenario's later ones come in time)."""
        upto = self.model.next_step
        return [m for m in self._marks if m.step <= upto]

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

        The same lever with the same amounts at the same step is one mark with a count. A
        model at equilibrium runs again: the change may have disturbed it (if not, its next
        step finds the equilibrium again and stops). Out-of-range parameters raise the
        model's one-line ``ConfigError`` and change nothing.
        """
        with self.lock:
            self.model.intervene(action, **params)
            self._pressed.add(len(self.model.intervention_log) - 1)
            self.model.running = True
            applied = self.model.intervention_log[-1]
            return self._add_mark(applied["step"], action, json.loads(applied["params"]))

    def _add_mark(
        self, step: int, action: str, params: Mapping[str, Any], scenario: bool = False
    ) -> Mark:
        mark = Mark(step, describe(self.model.world.levers[action], params), scenario=scenario)
        for i, known in enumerate(self._marks):
            if replace(known, count=1) == mark:
                self._marks[i] = mark = replace(known, count=known.count + 1)
                return mark
        self._marks.append(mark)
        return mark

    def set_compare(self, on: bool) -> None:
        """Start (or drop) the twin: same config and seed, no intervention, caught up to the
        current step."""
        with self.lock:
            if not on:
                self.twin = None
                return
            if self.twin is None:
                twin = self.model_class(self.config.with_overrides(interventions=()))
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

    def applied(self) -> list[dict[str, Any]]:
        """Every intervention the steered model applied, in order: step, action, arguments."""
        with self.lock:
            return interventions(self.model.intervention_log)

    def frame(self) -> pd.DataFrame:
        """Every metric of every step, one block per model (``variant``), for export; the
        ``intervention_args`` column gives each step's interventions with their amounts."""
        with self.lock:
            blocks = [_block(name, m) for name, m in self.models()]
        frame = pd.concat(blocks, ignore_index=True)
        return frame[["variant", *frame.columns.drop("variant")]]

    def header(self) -> dict[str, Any]:
        """What an export says about the run beside its numbers: the settings that differ
        from the defaults, slider changes included, and every intervention with its amounts."""
        return {"settings": settings(self.config), "interventions": self.applied()}

    def export(self, fmt: str) -> bytes:
        """The run as CSV or Parquet bytes, ready to download, with ``header`` in both: CSV's
        first lines (``# ``, skipped by ``pd.read_csv(f, comment="#")``), Parquet's key-value
        metadata (``commsim.settings``, ``commsim.interventions``) and the frame's ``attrs``
        that ``pd.read_parquet`` restores."""
        frame, header = self.frame(), self.header()
        if fmt == "csv":
            lines = [f"# commsim {name}: {json.dumps(value)}" for name, value in header.items()]
            return ("\n".join(lines) + "\n").encode() + frame.to_csv(index=False).encode()
        if fmt == "parquet":
            frame.attrs["commsim"] = header
            table = pa.Table.from_pandas(frame, preserve_index=False)
            extra = {f"commsim.{k}".encode(): json.dumps(v).encode() for k, v in header.items()}
            buffer = io.BytesIO()
            pq.write_table(table.replace_schema_metadata(table.schema.metadata | extra), buffer)
            return buffer.getvalue()
        raise ValueError(f"export: unknown format {fmt!r}; allowed: csv, parquet")

    def session(self) -> str:
        """The session as a scenario file (``records.session_toml``): ``commsim run FILE`` or
        ``commsim app --replay FILE`` reruns it to this step with the same numbers."""
        with self.lock:
            done = list(self.model.intervention_log)
            steps = self.model.steps
        later = [e for e in _scheduled(self.config) if e["step"] > steps]  # the scenario's
        note = (
            f"commsim session: {self.config.name}, seed {self.config.seed}, saved at step "
            f"{steps} with {len(done)} intervention(s) applied.\n"
            "Rerun it with `commsim run FILE` or `commsim app --replay FILE`."
        )
        if not steps:
            note += "\nA scenario runs at least one step: `commsim run` goes one past it."
        whose = ["participant" if i in self._pressed else "scenario" for i in range(len(done))]
        whose += ["scenario"] * len(later)
        return session_toml(self.config, max(steps, 1), done + later, note, whose)


def _block(variant: str, model: CommunityModel) -> pd.DataFrame:
    """A model's table for export: its variant, and each step's interventions with their
    arguments (the table's ``interventions`` names only the levers)."""
    by_step: dict[int, list[str]] = {}
    for entry in model.intervention_log:
        by_step.setdefault(entry["step"], []).append(f"{entry['action']} {entry['params']}")
    frame = model.model_frame().assign(variant=variant)
    frame["intervention_args"] = [";".join(by_step.get(s, [])) for s in frame["step"]]
    return frame


def _scheduled(config: Config) -> list[dict[str, Any]]:
    """A config's interventions in the intervention log's form."""
    return [
        {
            "step": spec.step,
            "action": spec.action,
            "params": json.dumps(spec.model_dump(exclude={"action", "step"}), sort_keys=True),
        }
        for spec in config.interventions
    ]
