"""A scenario's parameters: one validated, flat pydantic schema, loaded from TOML or YAML.

Configs are data: they are parsed (``tomllib`` or ``yaml.safe_load``), never evaluated,
imported or unpickled. Every mistake a user can make becomes one ``ConfigError`` line that
names the file and the field.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

Prob = Annotated[float, Field(ge=0.0, le=1.0)]


class ConfigError(ValueError):
    """A user's config is wrong; the message is one line naming file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- interventions that a config can schedule ------------------------------------------


class _Scheduled(_Strict):
    step: int = Field(ge=0, description="applied before the phases of this step run")


class RaiseSafety(_Scheduled):
    action: Literal["raise_safety"]
    amount: Prob = 0.2
    level: int | None = Field(default=None, ge=0)


class SetPunitiveness(_Scheduled):
    action: Literal["set_punitiveness"]
    value: Prob
    level: int | None = Field(default=None, ge=0)


class FlattenHierarchy(_Scheduled):
    action: Literal["flatten_hierarchy"]


class AddCapacityBuilders(_Scheduled):
    action: Literal["add_capacity_builders"]
    share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1


class SetIntegration(_Scheduled):
    action: Literal["set_integration"]
    value: Prob


class ReorganisationShock(_Scheduled):
    action: Literal["reorganisation_shock"]
    share: Prob = 0.5
    min_level: int = Field(default=1, ge=0)


class RealityShock(_Scheduled):
    action: Literal["reality_shock"]
    share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.3


Intervention = Annotated[
    RaiseSafety
    | SetPunitiveness
    | FlattenHierarchy
    | AddCapacityBuilders
    | SetIntegration
    | ReorganisationShock
    | RealityShock,
    Field(discriminator="action"),
]

# the action names, read off the union above so that a new action needs no second listing
_ACTION_TAGS = {
    get_args(cls.model_fields["action"].annotation)[0]
    for cls in get_args(get_args(Intervention)[0])
}

# the largest m whose NK landscape is enumerated (commsim.model.nk_landscape.MAX_M)
NK_MAX_M = 24

# Rough bytes a member costs at run time beyond its m belief bytes (see estimate_memory).
_BYTES_PER_MEMBER = 400
_BYTES_PER_BELIEF = 4


class Config(_Strict):
    """Every parameter of a scenario. docs/MODEL.md ties each to the seed idea it stands for."""

    name: str = Field(default="default", pattern=r"^[A-Za-z0-9_.-]+$")
    seed: int = Field(default=0, ge=0)
    steps: int = Field(default=200, ge=1, le=1_000_000)
    stop_at_equilibrium: bool = False

    # size and task environment
    n_agents: int = Field(default=200, ge=2)
    m: int = Field(default=30, ge=1, le=100_000)
    # what members learn about (docs/MODEL.md 7.1): March's reality vector, or an NK
    # landscape of m bits, each interacting with nk_k others (Lazer & Friedman 2007)
    task: Literal["reality", "nk"] = "reality"
    nk_k: int = Field(default=5, ge=0)
    turbulence_rate: Prob = 0.02

    # March (1991): learning between members and the organisational code
    socialization_rate: Prob = 0.1
    # March's mixed populations: round(share x N) positions, fixed for the run, socialise at
    # the fast rate instead of socialization_rate (docs/MODEL.md 7.8)
    fast_learner_share: Prob = 0.0
    fast_socialization_rate: Prob = 0.9
    code_learning_rate: Prob = 0.1
    socialization_mode: Literal["gradual", "jump"] = "gradual"
    superior_basis: Literal["performance", "knowledge"] = "performance"
    turnover_rate: Prob = 0.0

    # organisation: hierarchy, teams, informal ties
    span_of_control: int = Field(default=5, ge=2, le=1000)
    team_ties: bool = True
    informal_ties: float = Field(default=2.0, ge=0.0, le=100.0)
    neighbor_learning_rate: Prob = 0.05
    # whom members learn from besides the code (docs/MODEL.md 7.2, 7.9): the org chart's ties,
    # or Lazer & Friedman's line, ring, complete, small-world and random networks, or Fang,
    # Lee & Schilling's semi-isolated subgroups with cross-group links
    network: Literal[
        "hierarchy", "line", "ring", "complete", "small_world", "random", "subgroups"
    ] = "hierarchy"
    network_degree: int = Field(default=4, ge=1)  # small_world: ties each; random: mean
    rewiring: Prob = 0.1  # small_world: chance each lattice tie is rewired
    subgroups: int = Field(default=10, ge=1)
    cross_group_linking: Prob = 0.0  # subgroups: chance each tie is rewired across groups
    # how: one belief from a random better neighbour; Lazer & Friedman's copy-the-best-or-
    # search-locally; or Fang et al.'s majority view of the superior neighbours
    peer_learning: Literal["random_neighbour", "best_neighbour", "superior_majority"] = (
        "random_neighbour"
    )
    copy_error: Prob = 0.0  # best_neighbour: chance each bit is not copied (L&F's error)

    # leadership and psychological safety
    leadership: Literal["collective", "hero"] = "collective"
    punitiveness: Prob = 0.2
    punitiveness_spread: Annotated[float, Field(ge=0.0, le=0.5)] = 0.1
    climate_drift: Prob = 0.05
    voice: bool = True
    initial_safety: Prob = 0.6
    authority_gradient: Prob = 0.3
    punishment_penalty: Prob = 0.3
    appreciation_gain: Prob = 0.1
    insight_ttl: int = Field(default=5, ge=1, le=10_000)

    # practice: meeting reality
    exploration_rate: Prob = 0.1
    practice_noise: Annotated[float, Field(ge=0.0, le=0.5)] = 0.2

    # community layer: practice, research, capacity building
    community: bool = True
    practitioner_share: Prob = 0.7
    researcher_share: Prob = 0.2
    capacity_builder_share: Prob = 0.1
    integration: Prob = 0.8
    research_noise: Annotated[float, Field(ge=0.0, le=0.5)] = 0.05
    verification_capacity: int = Field(default=3, ge=1, le=10_000)
    bridging: float = Field(default=1.0, ge=0.0, le=100.0)
    mentoring_rate: Prob = 0.5
    mentoring_safety_gain: Prob = 0.1
    mentoring_learning_gain: Prob = 0.1
    max_learning_rate: float = Field(default=2.0, ge=1.0, le=100.0)
    diffusion_threshold: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5

    # what is recorded
    advancement_window: int = Field(default=20, ge=2, le=100_000)
    agent_sample_size: int = Field(default=100, ge=0)
    agent_sample_every: int = Field(default=10, ge=1)

    interventions: tuple[Intervention, ...] = ()

    @field_validator("task")
    @classmethod
    def _landscape_fits(cls, task: str, info: ValidationInfo) -> str:
        m = info.data.get("m")
        if task == "nk" and m is not None and m > NK_MAX_M:
            raise ValueError(
                f"an NK landscape is scored over all 2**m solutions: needs m <= {NK_MAX_M} "
                f"(m is {m})"
            )
        return task

    @field_validator("nk_k")
    @classmethod
    def _k_below_m(cls, k: int, info: ValidationInfo) -> int:
        m = info.data.get("m")
        if info.data.get("task") == "nk" and m is not None and k >= m:
            raise ValueError(f"each of the m = {m} bits interacts with at most m - 1 others")
        return k

    @field_validator("network_degree")
    @classmethod
    def _degree_fits(cls, degree: int, info: ValidationInfo) -> int:
        n, kind = info.data.get("n_agents"), info.data.get("network")
        if kind in ("small_world", "random") and n is not None and degree >= n:
            raise ValueError(f"a {kind} network of {n} members needs a degree below {n}")
        if kind == "small_world" and degree % 2:
            raise ValueError(
                "a small-world lattice ties each member to degree / 2 on each side: "
                "use an even degree"
            )
        return degree

    @field_validator("subgroups")
    @classmethod
    def _groups_fit(cls, groups: int, info: ValidationInfo) -> int:
        n = info.data.get("n_agents")
        if info.data.get("network") == "subgroups" and n is not None and 2 * groups > n:
            raise ValueError(f"{n} members make at most {n // 2} subgroups of two or more")
        return groups

    @field_validator("cross_group_linking")
    @classmethod
    def _groups_to_link(cls, p: float, info: ValidationInfo) -> float:
        if p > 0 and info.data.get("network") == "subgroups" and info.data.get("subgroups") == 1:
            raise ValueError("one subgroup has no other group to link to: set subgroups >= 2")
        return p

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Config:
        total = self.practitioner_share + self.researcher_share + self.capacity_builder_share
        if self.community and abs(total - 1.0) > 1e-6:
            raise ValueError(
                "practitioner_share + researcher_share + capacity_builder_share must sum to 1 "
                f"(got {total:g})"
            )
        return self

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with some fields replaced, validated like the original."""
        unknown = sorted(set(overrides) - set(type(self).model_fields))
        if unknown:
            raise ConfigError(f"unknown parameter '{unknown[0]}': {_known_hint(unknown[0])}")
        data = self.model_dump()
        data.update(overrides)
        return parse_config(data, source="overrides")

    def digest(self) -> str:
        """A stable hash of the parameters, for manifests and run ids."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _known_hint(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(Config.model_fields), n=1)
    return f"did you mean '{close[0]}'?" if close else "see docs/MODEL.md for the parameters"


def format_validation_error(err: dict[str, Any], source: str) -> str:
    skip = _ACTION_TAGS | {"function-after[_shares_sum_to_one(), Config]"}
    loc = ".".join(str(p) for p in err["loc"] if str(p) not in skip)
    field = loc or "config"
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        hint = _known_hint(name) if len(err["loc"]) == 1 else "not a parameter of this action"
        return f"{source}: unknown field '{field}': {hint}"
    if kind == "union_tag_invalid":
        allowed = err.get("ctx", {}).get("expected_tags", "")
        return f"{source}: field '{field}': unknown action; allowed: {allowed}"
    given = err.get("input")
    shown = f" (got {given!r})" if not isinstance(given, dict | list | tuple) else ""
    return f"{source}: field '{field}': {err['msg'].removeprefix('Value error, ')}{shown}"


def parse_config(data: dict[str, Any], source: str = "config") -> Config:
    """Validate a parsed mapping; raise ConfigError with one line for the first problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a table of parameters at the top level")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc.errors()[0], source)) from None
    check_memory(config, source)
    return config


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML or YAML file into plain data (never executing anything in it)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such config file")
    try:
        text = p.read_text(encoding="utf-8")
        if p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif p.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise ConfigError(f"{p}: config files must end in .toml, .yaml or .yml")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{p}: not valid {p.suffix[1:].upper()}: {first}") from None
    return data if data is not None else {}


def parse_assignment(text: str) -> tuple[str, Any]:
    """``key=value`` from the command line; the value is read as a TOML literal if it is one."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def load_config(
    source: str | os.PathLike[str] | dict[str, Any] | Config | None = None, **overrides: Any
) -> Config:
    """A Config from a file path, a mapping or a Config, with keyword overrides applied."""
    if isinstance(source, Config):
        base, label = source.model_dump(), "config"
    elif isinstance(source, dict):
        base, label = dict(source), "config"
    elif source is None:
        base, label = {}, "defaults"
    else:
        base, label = read_config_file(source), str(source)
    for key in overrides:
        if key not in Config.model_fields:
            raise ConfigError(f"{label}: unknown parameter '{key}': {_known_hint(key)}")
    if not isinstance(base, dict):
        raise ConfigError(f"{label}: expected a table of parameters at the top level")
    base.update(overrides)
    return parse_config(base, source=f"{label} (with overrides)" if overrides else label)


def estimate_memory(config: Config) -> int:
    """Bytes a run of this config needs at peak, roughly (beliefs dominate at large m)."""
    per_member = _BYTES_PER_MEMBER + _BYTES_PER_BELIEF * config.m
    per_member += int(
        16 * (config.informal_ties + (config.span_of_control if config.team_ties else 1))
    )
    return config.n_agents * per_member


def _available_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**40


def check_memory(config: Config, source: str) -> None:
    """Refuse up front a run that cannot fit in this machine's memory."""
    need, have = estimate_memory(config), _available_memory()
    if need > 0.8 * have:
        raise ConfigError(
            f"{source}: field 'n_agents': {config.n_agents:,} members x m={config.m} needs about "
            f"{need / 2**30:.1f} GiB, more than this machine's {0.8 * have / 2**30:.1f} GiB usable"
        )
