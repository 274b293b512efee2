"""The run table: every (design point, repetition) as a task with a stable id and seed.

A run's id is a hash of its parameter values and repetition, and its seed a hash of the base
seed and that id, so neither depends on where the run sits in the sweep: reordering the
parameters or their values, or adding values and repetitions, leaves every existing run's id,
seed and numbers unchanged. (With ``common_random_numbers`` the seed depends only on the
repetition, so every point of a repetition meets the same random draws.) Renamed parameters
are hashed under their former names (``config.first_spelling``), so a rename changes no id
and no basis: a sweep started before it resumes after it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from commsim.config import Config, ConfigError, first_spelling, load_config, parse_config
from commsim.experiment.designs import DesignPoints, design_points
from commsim.experiment.links import apply_links
from commsim.experiment.spec import LoadedExperiment
from commsim.model import (
    DEFAULT_MODEL,
    CommunityModel,
    import_model,
    model_fields,
    model_path,
)

ID_COLUMNS = ("run_id", "point", "repetition", "seed")
_PER_LEVEL = re.compile(r"safety_level_\d+$")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to do one run, and nothing it must look up."""

    run_id: str
    point: int
    repetition: int
    parameters: dict[str, Any]
    config: Config
    record_every: int | None  # None: only the final step
    metrics: tuple[str, ...] | None  # None: every metric
    insights: bool
    model: str = DEFAULT_MODEL  # the model's import path (commsim.model.importing)
    policy: str | None = None  # an experiment with [policies]: the policy this run applies

    @property
    def seed(self) -> int:
        return self.config.seed

    def __getstate__(self) -> dict[str, Any]:
        """Sent to a worker with the config as data: the worker's model class parses it, so
        a config of an extended schema (a class made at run time) crosses processes."""
        return {**vars(self), "config": self.config.model_dump()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        config = RunTask.parse(state["config"], state["model"])
        for name, value in {**state, "config": config}.items():
            object.__setattr__(self, name, value)

    @staticmethod
    def parse(data: dict[str, Any], model: str) -> Config:
        """A config sent as data, parsed by the schema of the model class at ``model``."""
        return load_config(data, extensions=import_model(model, "a sweep's model").extensions)

    def identity(self) -> dict[str, Any]:
        """The columns that say which run a row belongs to."""
        policy = {} if self.policy is None else {"policy": self.policy}
        return {
            "run_id": self.run_id,
            "point": self.point,
            "repetition": self.repetition,
            "seed": self.seed,
            **policy,
            **self.parameters,
        }


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def run_id(
    parameters: dict[str, Any], repetition: int, occurrence: int = 0, policy: str | None = None
) -> str:
    """Stable id of a run; ``occurrence`` tells apart a point a sample holds twice, ``policy``
    a policy's run from the base alone (a policy of no interventions hashes as no policy, so
    its runs are a plain sweep's)."""
    return _run_id(_spelled(parameters), repetition, occurrence, policy)


def _spelled(parameters: dict[str, Any]) -> str:
    """A point's parameters as run ids hash them: JSON, keys sorted, first spellings."""
    return json.dumps(first_spelling(parameters), sort_keys=True)


def _run_id(spelled: str, repetition: int, occurrence: int, policy: str | None) -> str:
    """``run_id`` from the point's ``_spelled`` parameters, made once a point: the digest of
    the JSON ``json.dumps(payload, sort_keys=True)`` writes for the run's payload
    (parameters, repetition, and the occurrence and policy where given)."""
    fields = {"parameters": spelled, "repetition": str(repetition)}  # (an int's JSON)
    if occurrence:
        fields["occurrence"] = str(occurrence)
    if policy is not None:
        fields["policy"] = json.dumps(policy)
    text = "{" + ", ".join(f'"{key}": {fields[key]}' for key in sorted(fields)) + "}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def derive_seed(base_seed: int, key: str) -> int:
    """A 63-bit seed from the base seed and a run's key (its id, or its repetition)."""
    digest = hashlib.sha256(f"{base_seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def metric_names(config: Config, model: type[CommunityModel] = CommunityModel) -> list[str]:
    """The metrics a run of this scenario records, from the model's catalogue (none is built)."""
    return model.catalogue_for(config).metric_names(config)


def _check_metrics(experiment: LoadedExperiment) -> tuple[str, ...] | None:
    wanted = experiment.spec.record.metrics
    if wanted is None:
        return None
    known = metric_names(experiment.base, experiment.model)
    for name in wanted:
        if name not in known and not _PER_LEVEL.match(name):
            import difflib

            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(
                f"{experiment.source}: field 'record.metrics': no metric '{name}'{hint}"
            )
    return tuple(dict.fromkeys(wanted))


def _point_source(experiment: LoadedExperiment, index: int, point: dict[str, Any]) -> str:
    """Where a point comes from, for an error: its table's line, or its index and values."""
    if experiment.table is not None:
        return f"{experiment.table.path}: line {experiment.table.lines[index]}"
    shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
    return f"{experiment.source} (point {index}: {shown})"


def _point_config(
    experiment: LoadedExperiment, index: int, point: dict[str, Any], policy: str | None = None
) -> Config:
    """A point's config: the base, the point's values, what the links derive from them, and
    the policy's interventions after the base's own."""
    source = _point_source(experiment, index, point)
    base = experiment.base.model_dump()
    derived = apply_links(experiment.spec.links, base, point, source)
    data = {**base, **point, **derived}
    if policy is not None:
        data["interventions"] = [*base["interventions"], *experiment.spec.policies[policy]]
        source = f"{source} (policy {policy})"
    return parse_config(data, source=source, extensions=experiment.model.extensions)


def run_table(tasks: Iterable[RunTask], parameters: list[str]) -> pd.DataFrame:
    """One row per run: its id, point, repetition, seed and parameter values."""
    columns = [*ID_COLUMNS, *parameters]
    return pd.DataFrame([t.identity() for t in tasks], columns=columns)


@dataclass(frozen=True)
class Plan:
    """An experiment made concrete: its design and the list of runs, in design order."""

    experiment: LoadedExperiment
    design: DesignPoints
    tasks: tuple[RunTask, ...]

    @cached_property
    def basis(self) -> str:
        """A hash of everything the runs share; runs with equal ids and basis are equal."""
        fields = basis_fields(self.experiment)
        return _digest({**fields, "base": first_spelling(fields["base"])})[:16]

    def table(self) -> pd.DataFrame:
        """One row per run: its id, point, repetition, seed and parameter values."""
        return run_table(self.tasks, self.experiment.columns)


def basis_fields(experiment: LoadedExperiment) -> dict[str, Any]:
    """What every run of a sweep shares (its basis, unhashed): kept in the manifest, so a
    refused resume can name what changed."""
    spec = experiment.spec
    return {
        "base": experiment.base.canonical(),
        "seed": spec.seed,
        "common_random_numbers": spec.common_random_numbers,
        "record": spec.record.model_dump(mode="json"),
        **model_fields(experiment.model, experiment.base),
        **linked_fields(experiment),
    }


def linked_fields(experiment: LoadedExperiment) -> dict[str, Any]:
    """The links and policies, which decide a run's numbers but not its id: in the basis only
    when the experiment has them, so every earlier sweep's basis stays as it was."""
    spec, out = experiment.spec, {}
    if spec.links:
        out["links"] = {name: link.model_dump(mode="json") for name, link in spec.links.items()}
    if spec.policies:
        out["policies"] = {name: list(levers) for name, levers in spec.policies.items()}
    return out


@dataclass(frozen=True)
class SweepSize:
    """How big a sweep is, known before any run is planned."""

    points: int
    repetitions: int
    policies: int = 1

    @property
    def runs(self) -> int:
        return self.points * self.policies * self.repetitions

    @property
    def shape(self) -> str:
        """'6 points x 2 repetitions' (with policies: '6 points x 4 policies x 2 ...')."""
        policies = f" x {self.policies:,} policies" if self.policies > 1 else ""
        return f"{self.points:,} points{policies} x {self.repetitions:,} repetitions"


def sweep_size(experiment: LoadedExperiment) -> SweepSize:
    """Points x repetitions, from the design alone (a grid is not built to be counted)."""
    points = len(design_points(experiment).points)
    policies = max(1, len(experiment.spec.policies))
    return SweepSize(points, experiment.spec.repetitions, policies)


def iter_tasks(experiment: LoadedExperiment, design: DesignPoints) -> Iterator[RunTask]:
    """The runs in design order, each config validated as it is made."""
    spec = experiment.spec
    metrics = _check_metrics(experiment)
    record_every = None if spec.record.every == "end" else int(spec.record.every)
    model = model_path(experiment.model)
    seen: Counter[str] = Counter()
    # every policy meets the same scenarios (point x repetition) with the same seeds
    policies: list[str | None] = list(spec.policies) or [None]
    for index, point in enumerate(design.points):
        configs = {p: _point_config(experiment, index, point, p) for p in policies}
        typed = {name: getattr(configs[policies[0]], name) for name in point}
        key, spelled = json.dumps(typed, sort_keys=True), _spelled(typed)
        occurrence, seen[key] = seen[key], seen[key] + 1
        for policy in policies:
            hashed = policy if policy is not None and spec.policies[policy] else None
            for repetition in range(spec.repetitions):
                scenario = _run_id(spelled, repetition, occurrence, None)
                seed_key = f"repetition-{repetition}" if spec.common_random_numbers else scenario
                config = configs[policy]
                seeded = config.model_copy(update={"seed": derive_seed(spec.seed, seed_key)})
                yield RunTask(
                    run_id=scenario
                    if hashed is None
                    else _run_id(spelled, repetition, occurrence, hashed),
                    point=index,
                    repetition=repetition,
                    parameters=typed,
                    config=seeded,
                    record_every=record_every,
                    metrics=metrics,
                    insights=spec.record.insights,
                    model=model,
                    policy=policy,
                )


def plan_head(experiment: LoadedExperiment, rows: int) -> pd.DataFrame:
    """The run table's first ``rows`` rows, without planning the rest."""
    tasks = iter_tasks(experiment, design_points(experiment))
    return run_table(itertools.islice(tasks, rows), experiment.columns)


def plan_sweep(experiment: LoadedExperiment) -> Plan:
    """Every run of the experiment, each config validated before anything runs."""
    design = design_points(experiment)
    return Plan(experiment=experiment, design=design, tasks=tuple(iter_tasks(experiment, design)))
