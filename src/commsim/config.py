"""A scenario's parameters: one validated, flat pydantic schema, loaded from TOML or YAML.

Configs are data: they are parsed (``tomllib`` or ``yaml.safe_load``), never evaluated,
imported or unpickled. Every mistake a user can make becomes one ``ConfigError`` line that
names the file and the field.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
import os
import re
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from commsim import extensions as registry
from commsim.catalogue import Extension, Lever, Parameter, distinct
from commsim.levers import LEVERS


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


# Numbers and flags that refuse each other: lax parsing reads ``seed = true`` as seed 1 and
# ``voice = 0`` as voice off.
Int = Annotated[int, BeforeValidator(_number)]
Real = Annotated[float, BeforeValidator(_number)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Prob = Annotated[Real, Field(ge=0.0, le=1.0)]
RoleName = Literal["practitioner", "researcher", "capacity_builder"]
#: the config fields that name files of one's own organisation, read when a config is parsed
ORG_FILES = ("org_chart", "collaboration")


def _org_object(field: str) -> Any:
    """A validator that takes the organisation ``read_org_files`` read (or nothing), and
    checks it against the fields before it."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is None:  # every config but one's own organisation's: nothing to import
            return None
        from commsim.model import Collaboration, OrgChart  # (lazily: the core imports config)

        kind = OrgChart if field == "org_chart" else Collaboration
        if isinstance(value, str | os.PathLike):
            raise ValueError("a file is read by load_config or from a scenario file, not Config()")
        if not isinstance(value, kind):
            raise ValueError("expected the path of a CSV file")
        (chart_fits if field == "org_chart" else collaboration_fits)(value, info.data)
        return value

    return check


def chart_fits(chart: Any, data: dict[str, Any]) -> None:
    """An org chart sets the number of members, and its role labels must be known."""
    n = data.get("n_agents")
    if n is not None and n != chart.n:
        raise ValueError(
            f"n_agents = {n}, but the org chart {chart.source} has {chart.n} people: "
            "leave n_agents out (the chart sets it)"
        )
    if data.get("community") and chart.role is not None:
        unknown_role(chart, data.get("org_chart_roles", {}))


def collaboration_fits(collaboration: Any, data: dict[str, Any]) -> None:
    if "org_chart" in data and data["org_chart"] is None:
        raise ValueError("needs an org_chart: its ties name the chart's people")
    network = data.get("network")
    if network not in (None, "hierarchy"):
        raise ValueError(
            f"replaces the informal ties of network = 'hierarchy', not of network = '{network}'"
        )


def _described(value: Any) -> Any:
    """As JSON (hashes, manifests): the file's name and hash, never its people."""
    return None if value is None else value.describe()


OrgChartField = Annotated[
    Any, PlainValidator(_org_object("org_chart")), PlainSerializer(_described, when_used="json")
]
CollaborationField = Annotated[
    Any,
    PlainValidator(_org_object("collaboration")),
    PlainSerializer(_described, when_used="json"),
]


class ConfigError(ValueError):
    """A user's config is wrong; the message is one line naming file and field."""


# Fields renamed to the British spelling, which is canonical (docs/MODEL.md, section 8): the
# former name -> the name now. Wherever a user writes a parameter name (a scenario file,
# keyword overrides, --set, an experiment's [overrides] and [parameters]) ``respell`` accepts
# the former name with a FutureWarning. Hashes are taken over the former names
# (``first_spelling``), so a rename changes no config hash, run id or sweep basis.
RENAMED = {
    "socialization_rate": "socialisation_rate",
    "fast_socialization_rate": "fast_socialisation_rate",
    "socialization_mode": "socialisation_mode",
    "neighbor_learning_rate": "neighbour_learning_rate",
}
FORMER = {new: old for old, new in RENAMED.items()}
ACCEPTED_UNTIL = "commsim 1.0"


def renamed_message(old: str, new: str, where: str | None = None) -> str:
    """The one line that says a former name is still accepted, naming where it was used."""
    text = f"'{old}' is now spelled '{new}' (the old name is accepted until {ACCEPTED_UNTIL})"
    return f"{where}: {text}" if where else text


def respell(
    data: Mapping[Any, Any],
    source: str | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    quiet: bool = False,
) -> dict[Any, Any]:
    """``data`` with every former name of a renamed field (``RENAMED``) replaced by its name.

    Each former name warns (a ``FutureWarning`` naming ``source``, or the option ``labels``
    says gave it) unless ``quiet`` (names read back from stored files); a field given in both
    spellings is a ``ConfigError``.
    """
    labels = labels or {}
    for old, new in RENAMED.items():
        if old not in data:
            continue
        where = labels.get(old, source)
        if new in data:
            raise ConfigError(
                f"{where or 'config'}: gives '{new}' twice (also as '{old}', its former "
                f"spelling); keep '{new}'"
            )
        if not quiet:
            warnings.warn(renamed_message(old, new, where), FutureWarning, stacklevel=3)
    return {RENAMED.get(key, key): value for key, value in data.items()}


def first_spelling(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with each renamed field under its former name: what stable hashes are taken
    over (``Config.digest``, a sweep's run ids and basis), so that no rename changes them."""
    return {FORMER.get(key, key): value for key, value in data.items()}


class StrictModel(BaseModel):
    """A schema that refuses unknown keys, NaN and infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- interventions that a config can schedule: one schema per lever, made from its declaration


class _Scheduled(StrictModel):
    step: Int = Field(ge=0, description="applied before the phases of this step run")


def parameter_field(parameter: Parameter) -> tuple[Any, Any]:
    """A declared parameter as a pydantic field: its type, range and default."""
    if parameter.choices:
        kind: Any = Literal[parameter.choices]  # type: ignore[valid-type]
    elif parameter.kind == "flag":
        kind = Flag
    else:
        bounds: dict[str, float] = {}
        if parameter.low is not None:
            bounds["gt" if parameter.open_low else "ge"] = parameter.low
        if parameter.high is not None:
            bounds["le"] = parameter.high
        kind = Annotated[Int if parameter.integer else Real, Field(**bounds)]
    if parameter.required:
        return kind, ...
    return (kind | None if parameter.default is None else kind), parameter.default


@functools.cache
def lever_schema(lever: Lever) -> type[_Scheduled]:
    """A scheduled intervention of this lever: ``step``, ``action`` and its arguments."""
    fields = {p.name: parameter_field(p) for p in lever.parameters}
    title = "".join(part.title() for part in lever.name.split("_"))
    return create_model(  # type: ignore[call-overload, no-any-return]
        title, __base__=_Scheduled, action=(Literal[lever.name], ...), **fields
    )


def intervention_type(levers: tuple[Lever, ...]) -> Any:
    """The union of the levers' schemas, told apart by ``action``."""
    schemas = tuple(lever_schema(lever) for lever in levers)
    return Annotated[Union[schemas], Field(discriminator="action")]  # noqa: UP007


Intervention = intervention_type(LEVERS)


@functools.cache
def intervention_adapter(levers: tuple[Lever, ...]) -> TypeAdapter[Any]:
    """A validator of one intervention of these levers, built once (building costs about
    half a millisecond, more than applying most interventions)."""
    return TypeAdapter(intervention_type(levers))


# the largest m whose NK landscape is enumerated (commsim.model.nk_landscape.MAX_M)
NK_MAX_M = 24

# Rough bytes a member costs at run time beyond its m belief bytes (see estimate_memory).
_BYTES_PER_MEMBER = 400
_BYTES_PER_BELIEF = 4


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of Miller et al.'s grid of n members: the squarest rectangle."""
    rows = max(r for r in range(1, math.isqrt(n) + 1) if n % r == 0)
    return rows, n // rows


def unknown_role(chart: Any, titles: Mapping[str, str]) -> None:
    """Refuse a chart whose role labels are neither roles nor job titles the scenario maps."""
    known = {*get_args(RoleName), *titles, ""}
    bad = next((row for row, label in enumerate(chart.role) if label not in known), None)
    if bad is not None:
        line = f", line {chart.lines[bad]}" if chart.lines is not None else ""
        raise ValueError(
            f"{chart.source}{line}: role '{chart.role[bad]}' is neither a role "
            f"({', '.join(get_args(RoleName))}) nor a job title in org_chart_roles"
        )


#: fields added after runs were first recorded: left out of a config's hash while at their
#: defaults, so the hashes of earlier runs and sweeps stay valid (``Config.canonical``). A
#: mechanism added later, off by default, lists its parameters here.
HASHED_WHEN_SET: tuple[str, ...] = (
    "extensions",
    "org_chart_roles",
    "org_chart",
    "collaboration",
    "person_ids",
    # just culture (7.19)
    "incident_rate",
    "system_cause_share",
    "flaws_per_team",
    "flaw_emergence",
    "attribution_accuracy",
    "blame_bias",
    "blame_contagion",
    "moral_hazard",
    "tension_gain",
    "learning_goal",
    "performance_goal",
    "goal_hierarchy",
    "exploration_cost",
    "verifications_required",
    "exploration_fear",
    "hero_dependence",
    "hero_learning_floor",
    "voice_cost",
    "willingness_gain",
    "willingness_loss",
    "report_feedback",
    "feedback_window",
    "units",
    "local_variation",
    "standardization",
    "high_stakes_share",
    "root_cause_analysis",
    "incident_sharing",
    "cross_unit_reviews",
    "entrenchment",
    "code_entrenchment",
    "entrenchment_horizon",
    "double_loop_rate",
    "double_loop_safety",
    "double_loop_aspiration",
    "double_loop_block",
    "double_loop_tries",
)


#: the parameters that switch on the cost of speaking up (docs/MODEL.md 7.22) when above 0
REPORTING_SWITCHES = ("voice_cost", "willingness_gain", "willingness_loss")


def read_org_files(data: dict[str, Any], directory: Path | None, source: str) -> dict[str, Any]:
    """``data`` with its org chart and collaboration files read (paths relative to
    ``directory``, else to the working directory), so a config carries the organisation
    itself: it travels with a run to any worker, and its hash names the files' contents."""
    if not any(isinstance(data.get(field), str | os.PathLike) for field in ORG_FILES):
        return data
    from commsim import orgfiles  # reads CSV and GraphML: only for a config that names one
    from commsim.model import OrgChart  # (lazily: the core imports config)

    data = dict(data)
    for field in ORG_FILES:
        given = data.get(field)
        if not isinstance(given, str | os.PathLike):
            continue
        path = Path(given) if directory is None else directory / given
        extra = () if field == "org_chart" else (data.get("org_chart"),)
        if extra and not isinstance(data.get("org_chart"), OrgChart):
            raise ConfigError(
                f"{source}: field 'collaboration': needs an org_chart: its ties name the "
                "chart's people"
            )
        reader = orgfiles.read_org_chart if field == "org_chart" else orgfiles.read_collaboration
        try:
            data[field] = reader(path, *extra, source=str(given))[0]
        except orgfiles.OrgFileError as exc:
            raise ConfigError(f"{source}: field '{field}': {exc}") from None
    return data


class Config(StrictModel):
    """Every parameter of a scenario. docs/MODEL.md ties each to the seed idea it stands for."""

    name: str = Field(default="default", pattern=r"^[A-Za-z0-9_.-]+$")
    seed: Int = Field(default=0, ge=0)
    steps: Int = Field(default=200, ge=1, le=1_000_000)
    stop_at_equilibrium: Flag = False

    # size and task environment
    n_agents: Int = Field(default=200, ge=2)
    m: Int = Field(default=30, ge=1, le=100_000)
    # what members learn about (docs/MODEL.md 7.1): March's reality vector, or an NK
    # landscape of m bits, each interacting with nk_k others (Lazer & Friedman 2007)
    task: Literal["reality", "nk"] = "reality"
    nk_k: Int = Field(default=5, ge=0)
    # which K bits each bit depends on: K distinct others; K draws from all m bits, repeats and
    # the bit itself allowed (the reading that reproduces Lazer & Friedman's figures,
    # docs/VALIDATION.md 2); or the K bits that follow it on a ring
    nk_interactions: Literal["distinct", "with_replacement", "adjacent"] = "distinct"
    turbulence_rate: Prob = 0.02

    # March (1991): learning between members and the organisational code
    socialisation_rate: Prob = 0.1
    # March's mixed populations: round(share x N) positions, fixed for the run, socialise at
    # the fast rate instead of socialisation_rate (docs/MODEL.md 7.8)
    fast_learner_share: Prob = 0.0
    fast_socialisation_rate: Prob = 0.9
    code_learning_rate: Prob = 0.1
    # Miller, Zhao & Calantone (2006): the share of reality's dimensions that are tacit, which
    # the code can never learn (the first round(share x m)); only peers pass them on
    tacit_share: Prob = 0.0
    socialisation_mode: Literal["gradual", "jump"] = "gradual"
    superior_basis: Literal["performance", "knowledge"] = "performance"
    turnover_rate: Prob = 0.0

    # organisation: hierarchy, teams, informal ties
    span_of_control: Int = Field(default=5, ge=2, le=1000)
    team_ties: Flag = True
    informal_ties: Real = Field(default=2.0, ge=0.0, le=100.0)
    neighbour_learning_rate: Prob = 0.05
    # whom members learn from besides the code (docs/MODEL.md 7.2, 7.9): the org chart's ties,
    # or Lazer & Friedman's line, ring, complete, small-world and random networks, or Fang,
    # Lee & Schilling's semi-isolated subgroups with cross-group links, or Miller, Zhao &
    # Calantone's grid without edges (a torus: four neighbours each)
    network: Literal[
        "hierarchy",
        "line",
        "ring",
        "complete",
        "small_world",
        "rewired_lattice",
        "random",
        "subgroups",
        "grid",
    ] = "hierarchy"
    # small_world and rewired_lattice: ties each; random: mean
    network_degree: Int = Field(default=4, ge=1)
    rewiring: Prob = 0.1  # small_world: chance each lattice tie is rewired
    rewirings: Int = Field(default=0, ge=0)  # rewired_lattice: how many ties are rewired
    subgroups: Int = Field(default=10, ge=1)
    cross_group_linking: Prob = 0.0  # subgroups: chance each tie is rewired across groups
    # how: one belief from a random better neighbour; Lazer & Friedman's copy-the-best-or-
    # search-locally; Fang et al.'s majority view of the superior neighbours; or Miller et
    # al.'s each belief of the best neighbour, if it does better
    peer_learning: Literal[
        "random_neighbour", "best_neighbour", "superior_majority", "best_neighbour_beliefs"
    ] = "random_neighbour"
    copy_error: Prob = 0.0  # best_neighbour: chance each bit is not copied (L&F's error)

    # leadership and psychological safety
    leadership: Literal["collective", "hero"] = "collective"
    punitiveness: Prob = 0.2
    punitiveness_spread: Annotated[Real, Field(ge=0.0, le=0.5)] = 0.1
    climate_drift: Prob = 0.05
    voice: Flag = True
    initial_safety: Prob = 0.6
    authority_gradient: Prob = 0.3
    punishment_penalty: Prob = 0.3
    appreciation_gain: Prob = 0.1
    insight_ttl: Int = Field(default=5, ge=1, le=10_000)

    # practice: meeting reality
    exploration_rate: Prob = 0.1
    practice_noise: Annotated[Real, Field(ge=0.0, le=0.5)] = 0.2

    # community layer: practice, research, capacity building
    community: Flag = True
    practitioner_share: Prob = 0.7
    researcher_share: Prob = 0.2
    capacity_builder_share: Prob = 0.1
    integration: Prob = 0.8
    research_noise: Annotated[Real, Field(ge=0.0, le=0.5)] = 0.05
    verification_capacity: Int = Field(default=3, ge=1, le=10_000)
    bridging: Real = Field(default=1.0, ge=0.0, le=100.0)
    mentoring_rate: Prob = 0.5
    mentoring_safety_gain: Prob = 0.1
    mentoring_learning_gain: Prob = 0.1
    max_learning_rate: Real = Field(default=2.0, ge=1.0, le=100.0)
    diffusion_threshold: Annotated[Real, Field(gt=0.0, le=1.0)] = 0.5

    # what is recorded
    advancement_window: Int = Field(default=20, ge=2, le=100_000)
    agent_sample_size: Int = Field(default=100, ge=0)
    agent_sample_every: Int = Field(default=10, ge=1)

    # your own organisation (docs/MODEL.md 7.18): an org chart and a collaboration network
    # read from files (commsim.orgfiles), in place of the generated tree and its random
    # informal ties; job titles in the chart mapped to the three roles; the agent table's
    # ``person`` column: a pseudonym of each person's id (the file's hash its salt), or the id
    org_chart_roles: dict[str, RoleName] = {}
    org_chart: OrgChartField = None
    collaboration: CollaborationField = None
    person_ids: Literal["pseudonym", "file"] = "pseudonym"

    # just culture (docs/MODEL.md 7.19): failures in practice whose true cause is a flaw of the
    # team's system or a member's negligence, reported up with voice's chance and attributed by
    # the leader to the system (the flaw is fixed) or the person (blame); idle at incident_rate 0
    incident_rate: Annotated[Real, Field(ge=0.0, le=0.5)] = 0.0
    system_cause_share: Prob = 0.7
    flaws_per_team: Int = Field(default=4, ge=1, le=100)
    flaw_emergence: Prob = 0.01
    attribution_accuracy: Prob = 0.7
    blame_bias: Prob = 0.5
    blame_contagion: Prob = 0.05
    moral_hazard: Prob = 0.1

    # structural tension (docs/MODEL.md 7.23): a long-run learning goal and a short-run
    # performance goal pull the organisation's effort between exploration and exploitation
    # in proportion to their gaps (on when tension_gain > 0); goal_hierarchy puts learning
    # first [FR]. T2 speed vs rigour [CSL]: confirmations a codification needs (1: one check)
    tension_gain: Annotated[Real, Field(ge=0.0, le=10.0)] = 0.0
    learning_goal: Prob = 0.8
    performance_goal: Prob = 0.8
    goal_hierarchy: Prob = 0.0
    exploration_cost: Prob = 0.5
    verifications_required: Int = Field(default=1, ge=1, le=10)

    # fear stops experiments, and heroes erode capacity (docs/MODEL.md 7.24): exploration
    # falls with safety; under a hero leader each decision the hero takes erodes the others'
    # learning rate (toward a floor) and safety; all idle at their defaults
    exploration_fear: Prob = 0.0
    hero_dependence: Prob = 0.0
    hero_learning_floor: Prob = 0.5

    # the cost of speaking up and closing the loop (docs/MODEL.md 7.22): a report costs its
    # reporter effort (voice_cost, a share of a full score, off their performance, and of
    # their willingness to report); willingness grows by willingness_gain when a report is
    # verified within feedback_window steps and the reporter hears back (report_feedback),
    # and withers by willingness_loss when a report vanishes; idle while all three are 0
    voice_cost: Prob = 0.0
    willingness_gain: Prob = 0.0
    willingness_loss: Prob = 0.0
    report_feedback: Prob = 0.0
    feedback_window: Int = Field(default=10, ge=1, le=10_000)

    # units with local conditions and standardisation (docs/MODEL.md 7.20): the organisation
    # split into units (departments, sites) whose realities differ from the shared one on a
    # share of the dimensions; each unit learns a practice of its own beside the global code,
    # and standardization weighs the code against it; the hospital network's levers (reviews
    # of adverse events, their findings shared, reviews across units)
    units: Int = Field(default=0, ge=0, le=1000)
    local_variation: Prob = 0.0
    standardization: Prob = 0.5
    high_stakes_share: Prob = 0.2
    root_cause_analysis: Prob = 0.0
    incident_sharing: Prob = 0.0
    cross_unit_reviews: Prob = 0.0

    # double-loop learning and entrenchment (docs/MODEL.md 7.21): a belief the learning phases
    # changed is changed back with chance entrenchment x min(1, tenure / entrenchment_horizon);
    # a member who feels safe (safety >= double_loop_safety) and performs below its aspiration
    # (performance smoothed with weight double_loop_aspiration) reframes, with chance
    # double_loop_rate, a block of interdependent beliefs (on an NK
    # landscape a bit and those it depends on; on reality double_loop_block dimensions in a
    # row) to the best of double_loop_tries settings of it tried
    entrenchment: Prob = 0.0
    # codified practice resists change: a change of the code goes back with chance
    # code_entrenchment x min(1, age / entrenchment_horizon), age since it last changed
    code_entrenchment: Prob = 0.0
    entrenchment_horizon: Int = Field(default=50, ge=1, le=100_000)
    double_loop_rate: Prob = 0.0
    double_loop_safety: Prob = 0.5
    double_loop_aspiration: Prob = 0.2
    double_loop_block: Int = Field(default=5, ge=1, le=100_000)
    double_loop_tries: Int = Field(default=4, ge=1, le=64)

    interventions: tuple[Intervention, ...] = ()
    # installed extensions switched on by name (commsim.extensions); their parameters are
    # fields of this config like any others
    extensions: tuple[str, ...] = ()

    #: what this schema holds beyond the built-ins, and every lever it can schedule
    extended_by: ClassVar[tuple[Extension, ...]] = ()
    levers: ClassVar[tuple[Lever, ...]] = LEVERS

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
        if kind in ("small_world", "rewired_lattice", "random") and n is not None and degree >= n:
            raise ValueError(f"a {kind} network of {n} members needs a degree below {n}")
        if kind in ("small_world", "rewired_lattice") and degree % 2:
            raise ValueError(
                "a small-world lattice ties each member to degree / 2 on each side: "
                "use an even degree"
            )
        return degree

    @field_validator("network")
    @classmethod
    def _grid_fits(cls, kind: str, info: ValidationInfo) -> str:
        n = info.data.get("n_agents")
        if kind == "grid" and n is not None and grid_shape(n)[0] < 3:
            raise ValueError(
                f"a grid of {n} members has fewer than 3 rows (rows: the largest divisor of "
                "N up to its square root): use an N such as 9, 12, 50 or 100"
            )
        return kind

    @field_validator("rewirings")
    @classmethod
    def _rewirings_fit(cls, rewirings: int, info: ValidationInfo) -> int:
        n, degree = info.data.get("n_agents"), info.data.get("network_degree")
        lattice = n * degree // 2 if n and degree else None
        if info.data.get("network") == "rewired_lattice" and lattice and rewirings > lattice:
            raise ValueError(f"the lattice has only {lattice} ties to rewire")
        return rewirings

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

    @field_validator("verifications_required")
    @classmethod
    def _rigour_fits(cls, k: int, info: ValidationInfo) -> int:
        ttl = info.data.get("insight_ttl")
        if ttl is not None and k > ttl:
            raise ValueError(
                f"at most insight_ttl = {ttl}: an insight is checked at most once a step and "
                f"waits at most insight_ttl steps for its checks"
            )
        return k

    @field_validator("double_loop_block")
    @classmethod
    def _block_fits(cls, block: int, info: ValidationInfo) -> int:
        m, used = info.data.get("m"), info.data.get("double_loop_rate")
        if used and info.data.get("task") == "reality" and m is not None and block > m:
            raise ValueError(f"a block of at most m = {m} dimensions")
        return block

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Config:
        total = self.practitioner_share + self.researcher_share + self.capacity_builder_share
        if self.community and abs(total - 1.0) > 1e-6:
            raise ValueError(
                "practitioner_share + researcher_share + capacity_builder_share must sum to 1 "
                f"(got {total:g})"
            )
        return self

    @property
    def entrenchment_or_reframing(self) -> bool:
        """Entrenchment (of members or of the code) or double-loop learning is modelled
        (docs/MODEL.md 7.21)."""
        return self.entrenchment > 0 or self.code_entrenchment > 0 or self.double_loop_rate > 0

    @property
    def reporting(self) -> bool:
        """The cost of speaking up and closing the loop is modelled (docs/MODEL.md 7.22)."""
        return any(getattr(self, name) > 0 for name in REPORTING_SWITCHES)

    @model_validator(mode="after")
    def _reports_need_voice(self) -> Config:
        given = next((name for name in REPORTING_SWITCHES if getattr(self, name) > 0), None)
        if given is not None and not self.voice:
            raise ValueError(f"{given}: reports are spoken up: set voice = true, or {given} = 0")
        return self

    @model_validator(mode="after")
    def _units_on_reality(self) -> Config:
        if self.units and self.task != "reality":
            raise ValueError(
                "units: local realities differ from March's reality dimension by dimension: "
                f"needs task = 'reality' (got '{self.task}')"
            )
        if self.units and self.stop_at_equilibrium:
            raise ValueError(
                "units: unit practices keep learning: needs stop_at_equilibrium = false"
            )
        return self

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """pydantic's, but in Python mode an organisation of one's own stays the object read
        from its files (pydantic would make it a dict), so a config dumped and parsed again,
        as a sweep's point or a run sent to a worker, carries the organisation itself."""
        data = super().model_dump(*args, **kwargs)
        if kwargs.get("mode", "python") == "python":
            data.update({name: getattr(self, name) for name in ORG_FILES if name in data})
        return data

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with some fields replaced, validated like the original."""
        overrides = respell(overrides, "overrides")
        schema = type(self)
        unknown = sorted(set(overrides) - set(schema.model_fields))
        if unknown:
            hint = _known_hint(unknown[0], schema)
            raise ConfigError(f"unknown parameter '{unknown[0]}': {hint}")
        data = self.model_dump()
        data.update(overrides)
        return parse_config(data, source="overrides", extensions=schema.extended_by)

    def canonical(self) -> dict[str, Any]:
        """The parameters as JSON data, for hashes; without extensions or an organisation of
        one's own, as before they existed (so the hashes of earlier runs and sweeps stay
        valid). An org chart is there as its file's name and hash, never its people."""
        fields = type(self).model_fields
        unset = {name for name in HASHED_WHEN_SET if getattr(self, name) == fields[name].default}
        return self.model_dump(mode="json", exclude=unset)

    def digest(self) -> str:
        """A stable hash of the parameters, for manifests and run ids."""
        blob = json.dumps(first_spelling(self.canonical()), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def config_parameter(name: str, idea: str = "", description: str = "") -> Parameter:
    """A built-in config field as a declared parameter: its default and range from the schema,
    the seed idea it stands for and what its value means from the caller."""
    field = Config.model_fields[name]
    bounds = {
        type(m).__name__: getattr(m, type(m).__name__.lower())
        for m in field.metadata
        if type(m).__name__ in ("Ge", "Gt", "Le")
    }
    choices = get_args(field.annotation) if get_origin(field.annotation) is Literal else ()
    return Parameter(
        name,
        field.default,
        low=bounds.get("Ge", bounds.get("Gt")),
        high=bounds.get("Le"),
        open_low="Gt" in bounds,
        integer=field.annotation is int,
        choices=tuple(choices),
        idea=idea,
        description=description,
    )


@functools.cache
def config_schema(extensions: tuple[Extension, ...] = ()) -> type[Config]:
    """The Config schema with the extensions' parameters as fields and their levers schedulable."""
    if not extensions:
        return Config
    fields: dict[str, Any] = {}
    for extension in extensions:
        for parameter in extension.parameters:
            if parameter.name in Config.model_fields or parameter.name in fields:
                raise registry.ExtensionError(
                    f"extension '{extension.name}': parameter '{parameter.name}' is already "
                    "a parameter"
                )
            fields[parameter.name] = parameter_field(parameter)
    levers = LEVERS + tuple(lever for extension in extensions for lever in extension.levers)
    names = ",".join(extension.name for extension in extensions)
    schema: type[Config] = create_model(  # type: ignore[call-overload]
        f"Config[{names}]",
        __base__=Config,
        interventions=(tuple[intervention_type(levers), ...], ()),  # type: ignore[misc]
        **fields,
    )
    schema.extended_by = extensions
    schema.levers = levers
    return schema


def _known_hint(name: str, schema: type[Config] = Config) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(schema.model_fields), n=1)
    return f"did you mean '{close[0]}'?" if close else "see docs/MODEL.md for the parameters"


def format_validation_error(err: dict[str, Any], source: str, schema: type[Config] = Config) -> str:
    tags = [lever.name for lever in schema.levers]
    skip = {*tags, f"function-after[_shares_sum_to_one(), {schema.__name__}]"}
    loc = ".".join(str(p) for p in err["loc"] if str(p) not in skip)
    field = loc or "config"
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        hint = (
            _known_hint(name, schema) if len(err["loc"]) == 1 else "not a parameter of this action"
        )
        return f"{source}: unknown field '{field}': {hint}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        problem = "unknown action" if kind == "union_tag_invalid" else "no action"
        allowed = ", ".join(f"'{tag}'" for tag in tags)
        return f"{source}: field '{field}': {problem}; allowed: {allowed}"
    if kind == "tuple_type":  # interventions, the one list: [interventions] for [[interventions]]
        return f"{source}: field '{field}': expected a list of tables ([[{field}]] in TOML)"
    given = err.get("input")
    listed = isinstance(given, dict | list | tuple) or hasattr(given, "describe")  # an org chart
    shown = f" (got {given!r})" if not listed else ""
    return f"{source}: field '{field}': {err['msg'].removeprefix('Value error, ')}{shown}"


def parse_config(
    data: dict[str, Any],
    source: str = "config",
    labels: Mapping[str, str] | None = None,
    extensions: tuple[Extension, ...] = (),
) -> Config:
    """Validate a parsed mapping; raise ConfigError with one line for the first problem.

    ``labels`` name where some fields came from (a command-line option): an error in such a
    field names that instead of ``source``. ``extensions`` are always on (a model class's
    own); the mapping's ``extensions`` field switches on installed ones by name.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a table of parameters at the top level")
    labels = labels or {}
    schema = config_schema_of(data, source, extensions, labels)
    data = read_org_files(data, None, source)
    chart = data.get("org_chart")
    if chart is not None and hasattr(chart, "n"):
        data.setdefault("n_agents", chart.n)  # the chart's size, unless given (and checked)
    try:
        config = schema.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        origin = labels.get(str(err["loc"][0]), source) if err["loc"] else source
        raise ConfigError(format_validation_error(err, origin, schema)) from None
    check_memory(config, labels.get("n_agents", source))
    return config


def config_schema_of(
    data: dict[str, Any],
    source: str,
    always: tuple[Extension, ...] = (),
    labels: Mapping[str, str] | None = None,
) -> type[Config]:
    """The schema a mapping is parsed with: ``always`` plus the extensions it names."""
    labels = labels or {}
    named = switched_on(data.get("extensions", ()), labels.get("extensions", source))
    return config_schema(distinct(always + named))


def switched_on(names: Any, source: str) -> tuple[Extension, ...]:
    """The installed extensions a config names; one line for a name that is not installed."""
    if isinstance(names, str) or not isinstance(names, list | tuple):
        raise ConfigError(f"{source}: field 'extensions': expected a list of extension names")
    found = []
    for name in names:
        if not isinstance(name, str):
            raise ConfigError(f"{source}: field 'extensions': expected names (got {name!r})")
        if name not in registry.installed():
            have = ", ".join(registry.installed()) or "none is installed"
            raise ConfigError(
                f"{source}: field 'extensions': no extension '{name}' (installed: {have})"
            )
        try:
            found.append(registry.get(name))
        except registry.ExtensionError as exc:
            raise ConfigError(f"{source}: field 'extensions': {exc}") from None
    return tuple(found)


# Scenario and experiment files are a few kilobytes; a larger file is a mistake (a data file).
MAX_FILE_BYTES = 1 << 20
MAX_VALUES = 100_000  # after YAML's aliases are expanded
SUFFIXES = (".toml", ".yaml", ".yml")
# keys that only an experiment file has: they tell one given where a scenario goes
EXPERIMENT_KEYS = ("base", "parameters", "overrides", "repetitions", "design", "record")


def read_config_file(path: str | os.PathLike[str], what: str = "config file") -> dict[str, Any]:
    """Parse a TOML or YAML file into plain data (never executing anything in it).

    ``what`` names the kind of file in errors ("config file", "experiment file").
    """
    p = Path(path)
    text = _read_text(p, what)
    try:
        data = yaml.load(text, _UniqueKeyLoader) if p.suffix != ".toml" else tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML{_toml_problem(str(exc), text)}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML{_yaml_problem(exc, text)}") from None
    except RecursionError:
        raise ConfigError(f"{p}: nested too deeply for {_a(what)}") from None
    if p.suffix != ".toml" and _more_values_than(data, MAX_VALUES):
        raise ConfigError(
            f"{p}: more than {MAX_VALUES:,} values once YAML aliases are expanded; "
            f"{what}s are small"
        )
    return data if data is not None else {}


def _more_values_than(data: Any, limit: int) -> bool:
    """Whether ``data`` holds more than ``limit`` values, counting shared ones each time.

    A few YAML aliases nested in each other expand to billions of values ("billion laughs");
    the walk stops at the limit, so it is cheap whatever the file holds.
    """
    stack, count = [data], 0
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count > limit


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _read_text(p: Path, what: str) -> str:
    """The file's text, after the checks that make a wrong file one clear line."""
    a_what = _a(what)
    if p.is_dir():
        raise ConfigError(f"{p}: a folder, not {a_what} ({', '.join(SUFFIXES)})")
    if not p.exists():
        raise ConfigError(f"{p}: no such {what}")
    if not p.is_file():
        raise ConfigError(f"{p}: not a regular file; {a_what} is a text file")
    if p.suffix not in SUFFIXES:
        shown = f"'{p.suffix}'" if p.suffix else "none"
        raise ConfigError(f"{p}: config files must end in .toml, .yaml or .yml (suffix: {shown})")
    try:
        size = p.stat().st_size
        raw = p.read_bytes() if size <= MAX_FILE_BYTES else b""
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise ConfigError(
            f"{p}: {size / 2**20:.1f} MiB is too large for {a_what} "
            f"(at most {MAX_FILE_BYTES // 2**20} MiB)"
        )
    if b"\0" in raw:
        raise ConfigError(f"{p}: a binary file, not {a_what} (TOML or YAML text)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{p}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    if not text.strip():
        raise ConfigError(f"{p}: the file is empty; {a_what} holds TOML or YAML settings")
    return text


_TOML_AT = re.compile(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", re.DOTALL)
_TOML_KEY = re.compile(r"^\s*(?:\[+\s*([^\]=]+?)\s*\]+\s*(?:#.*)?|([\w.\-\"' ]+?)\s*=.*)$")


def _toml_problem(message: str, text: str) -> str:
    """' at line L, column C: what', naming a repeated key (tomllib does not)."""
    found = _TOML_AT.match(message)
    if not found:
        return f": {message}"
    problem, line, column = found.groups()
    lines = text.splitlines()
    if line is None:  # at the end of the file: the last line with something on it
        number = max((i + 1 for i, s in enumerate(lines) if s.strip()), default=1)
        where = f" at the end of the file (line {number})"
    else:
        number, where = int(line), f" at line {line}, column {column}"
    if problem == "Cannot overwrite a value":
        problem = f"{_repeated_key(lines[:number])} is set twice (each key may appear once)"
    elif twice := re.fullmatch(r"Cannot declare (\(.*\)) twice", problem):
        problem = f"table [{'.'.join(ast.literal_eval(twice[1]))}] is declared twice"
    return f"{where}: {problem}"


def _repeated_key(lines: list[str]) -> str:
    """The key of the statement ending the lines (a value may span lines: look back)."""
    for line in reversed(lines):
        if found := _TOML_KEY.match(line):
            return "'{}'".format((found[1] or found[2]).replace('"', "").replace("'", ""))
    return "a key"


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """' at line L, column C: what' from PyYAML's marks (its message spans several lines)."""
    if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
        before = text[: exc.position]
        line, column = before.count("\n"), exc.position - before.rfind("\n") - 1
        problem = f"character #x{exc.character:02x} is not allowed in YAML text"
        return f" at line {line + 1}, column {column + 1}: {problem}"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    problem = problem or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if "'\\t'" in problem:
        problem += " (YAML indents with spaces, not tabs)"
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{where}: {problem}"


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice (it would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<: *anchor' merges, and keys given beside it override on purpose
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"'{key}' is set twice (each key may appear once)",
                    key_node.start_mark,
                )
            if isinstance(key, str | int | float):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def experiment_key(data: Any) -> str | None:
    """The first key that marks ``data`` as an experiment file rather than a scenario."""
    if not isinstance(data, dict):
        return None
    return next((key for key in data if key in EXPERIMENT_KEYS), None)


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
    source: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    extensions: tuple[Extension, ...] = (),
    **overrides: Any,
) -> Config:
    """A Config from a file path, a mapping or a Config, with keyword overrides applied.

    ``labels`` name where an override came from (``--set seed=-1``), for its errors;
    ``extensions`` are switched on whatever the config says (a model class's own).
    """
    if isinstance(source, Config) and not overrides:
        if all(e in source.extended_by for e in extensions):
            return source  # validated already, and frozen: nothing to redo (a sweep's runs)
        base, label = source.model_dump(), "config"
    elif isinstance(source, Config):
        base, label = source.model_dump(), "config"
    elif isinstance(source, dict):
        base, label = dict(source), "config"
    elif source is None:
        base, label = {}, "defaults"
    else:
        base, label = read_config_file(source), str(source)
        if key := experiment_key(base):
            raise ConfigError(
                f"{label}: an experiment file (it sets '{key}'), not a scenario: "
                f"run it with `commsim sweep {label}`"
            )
        if isinstance(base, dict):  # its files are where the scenario is
            base = read_org_files(base, Path(source).parent, label)
    labels = labels or {}
    overrides = respell(overrides, "overrides", labels)
    labels = respell(labels, quiet=True)
    if not isinstance(base, dict):
        raise ConfigError(f"{label}: expected a table of parameters at the top level")
    base = respell(base, label)
    if isinstance(source, Config):
        extensions = source.extended_by + extensions
    schema = config_schema_of({**base, **overrides}, label, extensions, labels)
    for key in overrides:
        if key not in schema.model_fields:
            where = labels.get(key, label)
            raise ConfigError(f"{where}: unknown parameter '{key}': {_known_hint(key, schema)}")
    base.update(overrides)
    source = f"{label} (with overrides)" if overrides else label
    return parse_config(base, source=source, labels=labels, extensions=extensions)


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
