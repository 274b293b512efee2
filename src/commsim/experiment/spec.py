"""Experiment files: a base scenario, the parameters to vary, a design, and what to record.

An experiment is data (TOML or YAML, parsed, never executed). It is checked in full before
anything runs: every run's config is built and validated, so a bad value in the tenth point
of a grid is one ``ConfigError`` line naming the file and field, not a failure an hour in.

    name = "smoke"
    base = "../default.toml"          # a scenario file, relative to this file
    repetitions = 2
    seed = 1                          # base seed; each run's seed is derived from it
    [overrides]                       # fixed changes to the base scenario
    n_agents = 100
    [parameters]
    socialisation_rate = [0.1, 0.9]                           # a list of values
    code_learning_rate = { start = 0.1, stop = 0.9, step = 0.4 }  # a range, stop included
    initial_safety = { distribution = "uniform", low = 0.2, high = 0.9 }  # sampled designs
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from commsim.config import (
    RENAMED,
    Config,
    ConfigError,
    Flag,
    Int,
    Real,
    StrictModel,
    config_schema_of,
    experiment_key,
    parse_config,
    read_config_file,
    read_org_files,
    respell,
)
from commsim.experiment.links import (
    PointTable,
    check_links,
    link_error,
    parse_link,
    read_table,
)
from commsim.model import CommunityModel

# Config fields a sweep sets itself, or that are not single values
NOT_SWEEPABLE = frozenset(
    {"seed", "name", "interventions", "extensions", "steps", "stop_at_equilibrium"}
)
# an organisation of one's own is a base scenario's, not a design's (docs/MODEL.md 7.18)
ORGANISATION = frozenset({"org_chart", "collaboration", "org_chart_roles", "person_ids"})
# top-level experiment settings and the scenario parameter each sets: never both in overrides
SETS_PARAMETER = {"steps": "steps", "stop": "stop_at_equilibrium"}


class Values(StrictModel):
    """An explicit list of values (a factorial axis)."""

    values: tuple[Any, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Values:
        seen = [repr(v) for v in self.values]
        for value in self.values:
            if seen.count(repr(value)) > 1:
                raise ValueError(f"value {value!r} is listed twice")
        return self

    def grid(self) -> list[Any]:
        return list(self.values)


class Range(StrictModel):
    """start, start + step, ... up to stop (included when the steps land on it)."""

    start: Real
    stop: Real
    step: Annotated[Real, Field(gt=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.stop < self.start:
            raise ValueError(f"stop ({self.stop:g}) is below start ({self.start:g})")
        if (self.stop - self.start) / self.step > 100_000:
            raise ValueError("more than 100,000 values; use a larger step")
        return self

    def grid(self) -> list[Any]:
        count = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
        values = [round(self.start + i * self.step, 12) for i in range(count)]
        whole = all(float(x).is_integer() for x in (self.start, self.stop, self.step))
        return [int(v) for v in values] if whole else values


class Distribution(StrictModel):
    """A distribution to sample from, for Latin hypercube, Sobol and Morris designs."""

    distribution: Literal["uniform", "loguniform", "normal"]
    low: Real | None = None
    high: Real | None = None
    mean: Real | None = None
    sd: Annotated[Real, Field(gt=0)] | None = None
    integer: Flag = False

    @model_validator(mode="after")
    def _arguments(self) -> Distribution:
        if self.distribution == "normal":
            if (
                self.mean is None
                or self.sd is None
                or self.low is not None
                or self.high is not None
            ):
                raise ValueError("a normal distribution takes mean and sd (and nothing else)")
            return self
        if self.low is None or self.high is None or self.mean is not None or self.sd is not None:
            raise ValueError(f"a {self.distribution} distribution takes low and high")
        if self.high <= self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform distribution needs low > 0")
        return self

    def salib(self) -> tuple[list[float], str]:
        """Bounds and distribution name as SALib's problem dictionary spells them."""
        if self.distribution == "normal":
            return [float(self.mean), float(self.sd)], "norm"  # type: ignore[arg-type]
        kind = "unif" if self.distribution == "uniform" else "logunif"
        return [float(self.low), float(self.high)], kind  # type: ignore[arg-type]


Parameter = Values | Range | Distribution


def _parameter(raw: Any) -> Any:
    """A list is a Values axis; a table is a range or a distribution, by its keys."""
    if isinstance(raw, list | tuple):
        return Values(values=tuple(raw))
    if isinstance(raw, dict):
        return Distribution(**raw) if "distribution" in raw else Range(**raw)
    raise ValueError("expected a list of values, a range {start, stop, step} or a distribution")


class Design(StrictModel):
    """How parameter points are chosen: a full grid, or a sample for sensitivity analysis."""

    kind: Literal["factorial", "latin", "sobol", "morris", "table"] = "factorial"
    samples: Annotated[Int, Field(ge=1, le=1_000_000)] | None = None
    levels: Annotated[Int, Field(ge=2, le=100)] = 4
    second_order: Flag = False
    table: str | None = None  # kind "table": a CSV file of points, relative to the experiment

    @model_validator(mode="after")
    def _table(self) -> Design:
        if (self.kind == "table") != (self.table is not None):
            raise ValueError('a table design names its CSV file: kind = "table", table = "…"')
        return self


class Record(StrictModel):
    """What each run keeps: metrics every ``every`` steps (and always the last), or the end."""

    every: int | Literal["end"] = 1
    metrics: tuple[str, ...] | None = None
    insights: Flag = True

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> Any:
        if value == "end" or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 1
        ):
            return value
        raise ValueError('expected a whole number of steps >= 1, or "end"')


class OnBase(StrictModel):
    """What every file that runs a base scenario gives first (an experiment file, a
    calibration's target file): its name, the base, what it overrides, how long runs go."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str
    overrides: dict[str, Any] = Field(default_factory=dict)
    steps: Annotated[Int, Field(ge=1, le=1_000_000)] | None = None
    stop: Literal["steps", "equilibrium"] | None = None


class Experiment(OnBase):
    """The schema of an experiment file."""

    repetitions: Annotated[Int, Field(ge=1, le=1_000_000)] = 1
    seed: Annotated[Int, Field(ge=0)] = 0
    common_random_numbers: Flag = False
    design: Design = Design()
    record: Record = Record()
    parameters: dict[str, Any] = Field(default_factory=dict)
    # parameters that follow the swept ones (commsim.experiment.links)
    links: dict[str, Any] = Field(default_factory=dict)
    # levers to compare across the scenarios: a name -> its interventions ([] is the base alone)
    policies: dict[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")], tuple[dict[str, Any], ...]
    ] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _design_fits_parameters(self) -> Experiment:
        kinds = {type(p) for p in self.parameters.values()}
        if self.design.kind == "table":
            if self.parameters:
                raise ValueError(
                    "a table design takes its parameters from the table's columns; "
                    "leave [parameters] out"
                )
            return self
        if self.design.kind == "factorial" and Distribution in kinds:
            raise ValueError(
                "a factorial design takes lists or ranges; distributions need design.kind "
                "latin, sobol or morris"
            )
        if self.design.kind != "factorial":
            if kinds - {Distribution}:
                raise ValueError(
                    f"a {self.design.kind} design samples every parameter: give each a "
                    "distribution {distribution, low, high}"
                )
            if not self.parameters:
                raise ValueError(f"a {self.design.kind} design needs at least one parameter")
            if self.design.samples is None:
                raise ValueError(f"a {self.design.kind} design needs design.samples")
        return self


@dataclass(frozen=True)
class LoadedExperiment:
    """An experiment file, checked, with its base scenario resolved."""

    spec: Experiment
    path: Path | None
    text: str
    base: Config
    #: the model the runs use (its class extensions' parameters are fields of ``base``)
    model: type[CommunityModel] = CommunityModel
    #: a table design's points (commsim.experiment.links)
    table: PointTable | None = None

    @property
    def source(self) -> str:
        return str(self.path) if self.path is not None else "experiment"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def parameters(self) -> list[str]:
        if self.table is not None:
            return list(self.table.columns)
        return list(self.spec.parameters)

    @property
    def columns(self) -> list[str]:
        """What tells runs apart in the dataset: the policy (if any), then the parameters."""
        return ["policy", *self.parameters] if self.spec.policies else self.parameters


_TAG = re.compile(r"^(function-|constrained-|literal\[|int$|float$|str$|bool$)")


def _format_error(err: dict[str, Any], source: str) -> str:
    loc = ".".join(str(p) for p in err["loc"] if not _TAG.match(str(p)))
    field = loc or "experiment"
    if err["type"] == "extra_forbidden":
        name = str(err["loc"][-1])
        known = list(Experiment.model_fields) if len(err["loc"]) == 1 else []
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{source}: unknown field '{field}'{hint}"
    given = err.get("input")
    shown = f" (got {given!r})" if not isinstance(given, dict | list | tuple) else ""
    return f"{source}: field '{field}': {err['msg'].removeprefix('Value error, ')}{shown}"


def _validate(data: dict[str, Any], source: str) -> Experiment:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a table of experiment settings at the top level")
    if "base" not in data and {RENAMED.get(k, k) for k in data} <= set(Config.model_fields):
        raise ConfigError(
            f"{source}: a scenario file, not an experiment: run it with `commsim run`; "
            "an experiment file names its scenario in 'base'"
        )
    raw_params = data.get("parameters", {})
    if not isinstance(raw_params, dict):
        raise ConfigError(f"{source}: field 'parameters': expected a table of parameters")
    raw_params = respell(raw_params, source)
    overrides = data.get("overrides", {})
    overrides = respell(overrides, source) if isinstance(overrides, dict) else overrides
    parsed: dict[str, Any] = {}
    for name, raw in raw_params.items():
        try:
            parsed[name] = _parameter(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            err["loc"] = ("parameters", name, *err["loc"])
            raise ConfigError(_format_error(err, source)) from None
        except ValueError as exc:
            raise ConfigError(f"{source}: field 'parameters.{name}': {exc}") from None
    links = data.get("links", {})
    if not isinstance(links, dict):
        raise ConfigError(f"{source}: field 'links': expected a table of links")
    parsed_links: dict[str, Any] = {}
    for name, raw in links.items():
        try:
            parsed_links[name] = parse_link(respell(raw, source) if isinstance(raw, dict) else raw)
        except (ValidationError, ValueError) as exc:
            raise ConfigError(f"{source}: {link_error(exc, name)}") from None
    try:
        return Experiment.model_validate(
            {**data, "parameters": parsed, "overrides": overrides, "links": parsed_links}
        )
    except ValidationError as exc:
        raise ConfigError(_format_error(exc.errors()[0], source)) from None


def _check_parameter_names(spec: Experiment, source: str, schema: type[Config]) -> None:
    for name in [*spec.parameters, *spec.overrides]:
        where = "parameters" if name in spec.parameters else "overrides"
        if name not in schema.model_fields:
            close = difflib.get_close_matches(name, list(schema.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{source}: field '{where}.{name}': not a model parameter{hint}")
        if where == "parameters" and name in ORGANISATION:
            raise ConfigError(
                f"{source}: field 'parameters.{name}': cannot be swept: give each organisation "
                "its own base scenario (one experiment file each) and compare the sweeps"
            )
        if where == "parameters" and name in NOT_SWEEPABLE:
            raise ConfigError(
                f"{source}: field 'parameters.{name}': cannot be swept (set steps, stop and "
                "seed at the top of the experiment; interventions in the base scenario)"
            )
    if "seed" in spec.overrides:
        raise ConfigError(
            f"{source}: field 'overrides.seed': set the base seed with the top-level 'seed'"
        )
    for name in [name for name in spec.parameters if name in spec.overrides]:
        raise ConfigError(
            f"{source}: field 'overrides.{name}': also varied in [parameters]; "
            "fix it or vary it, not both"
        )
    for top, name in SETS_PARAMETER.items():
        if name in spec.overrides and getattr(spec, top) is not None:
            raise ConfigError(
                f"{source}: field 'overrides.{name}': the top-level '{top}' sets it too "
                f"({top} = {getattr(spec, top)!r}); give it in one place"
            )


def _base_data(spec: OnBase, path: Path | None, source: str) -> tuple[Path, dict[str, Any]]:
    """The base scenario's path and parameters, with the experiment's settings applied."""
    base_path = Path(spec.base)
    if path is not None and not base_path.is_absolute():
        base_path = path.parent / base_path
    where = f"{source}: field 'base'"
    if path is not None and base_path.resolve() == path.resolve():
        raise ConfigError(f"{where}: names this experiment file itself; base names a scenario")
    if not base_path.exists():
        raise ConfigError(f"{where}: no scenario file {base_path}")
    try:
        data = read_config_file(base_path)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if key := experiment_key(data):
        raise ConfigError(
            f"{where}: {base_path} is an experiment file (it sets '{key}'), not a scenario; "
            "base names a scenario file"
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {base_path}: expected a table of parameters at the top level")
    data = read_org_files(respell(data, str(base_path)), base_path.parent, where)
    overrides = read_org_files(dict(spec.overrides), None if path is None else path.parent, source)
    data = {**data, **overrides, "seed": 0}
    if spec.steps is not None:
        data["steps"] = spec.steps
    if spec.stop is not None:
        data["stop_at_equilibrium"] = spec.stop == "equilibrium"
    return base_path, data


def load_experiment(
    source: str | os.PathLike[str] | dict[str, Any], model: type[CommunityModel] = CommunityModel
) -> LoadedExperiment:
    """Read and check an experiment file (or mapping) for runs of ``model``; ConfigError names
    the first problem."""
    if isinstance(source, dict):
        path, text, data, label = None, repr(sorted(source.items())), source, "experiment"
    else:
        path = Path(source)
        label = str(path)
        data = read_config_file(path, what="experiment file")
        text = path.read_text(encoding="utf-8")
    spec = _validate(data, label)
    base_path, base = _base_data(spec, path, label)
    where = f"{label} (base {base_path} with overrides)"
    _check_parameter_names(spec, label, config_schema_of(base, where, model.extensions))
    config = parse_config(base, source=where, extensions=model.extensions)
    fields = set(type(config).model_fields)
    table = _read_table(spec, path, label, fields)
    swept = list(table.columns) if table is not None else list(spec.parameters)
    check_links(spec.links, swept, spec.overrides, fields, label)
    _check_policies(spec, config, label, model)
    return LoadedExperiment(spec=spec, path=path, text=text, base=config, model=model, table=table)


def _read_table(
    spec: Experiment, path: Path | None, source: str, fields: set[str]
) -> PointTable | None:
    """A table design's points, read and checked (columns as [parameters] names are)."""
    if spec.design.table is None:
        return None
    where = Path(spec.design.table)
    if path is not None and not where.is_absolute():
        where = path.parent / where
    forbidden = {
        name: "an organisation is a base scenario's, not a point's" for name in ORGANISATION
    }
    forbidden |= {name: "set by the experiment, not a point" for name in NOT_SWEEPABLE}
    forbidden |= {name: "also fixed in [overrides]; fix it or vary it" for name in spec.overrides}
    return read_table(where, fields, forbidden, source)


def _check_policies(
    spec: Experiment, base: Config, source: str, model: type[CommunityModel]
) -> None:
    """Each policy's interventions checked with the model's levers, as a scenario's are."""
    empty = [name for name, levers in spec.policies.items() if not levers]
    if len(empty) > 1:
        raise ConfigError(
            f"{source}: field 'policies': {empty[0]} and {empty[1]} are both the base alone "
            "(no interventions); keep one"
        )
    if spec.policies.get("none"):
        raise ConfigError(
            f"{source}: field 'policies.none': 'none' is the base alone; give it [] or "
            "name this policy otherwise"
        )
    data = base.model_dump()
    for name, levers in spec.policies.items():
        scheduled = [*data["interventions"], *levers]
        for index, lever in enumerate(levers):
            step = lever.get("step") if isinstance(lever, dict) else None
            if isinstance(step, int) and step > base.steps:
                raise ConfigError(
                    f"{source}: field 'policies.{name}.{index}.step': {step} is after the "
                    f"runs' last step ({base.steps}); it would never apply"
                )
        parse_config(
            {**data, "interventions": scheduled},
            source=f"{source} (policy {name})",
            extensions=model.extensions,
        )
