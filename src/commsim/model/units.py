"""Units with local conditions, unit practices and standardisation (docs/MODEL.md 7.20).

The seed's twelve emergency departments [CSL]: an organisation of ``units`` units whose
local realities differ from the shared one on a share ``local_variation`` of the dimensions
(drawn once per unit; turbulence moves the shared reality and the local differences stay).
Members act and explore against their own unit's reality, research checks an insight where
it was born, and each unit learns a practice of its own from its superior members, as the
code learns from the organisation's. Socialisation draws each belief toward the global code
with weight ``standardization`` and toward the unit's practice otherwise: T1, standardisation
vs local adaptation [CSL].

Adverse events are wrong actions on the high-stakes dimensions (the last
``round(high_stakes_share * m)``). The hospital network's levers: root-cause analysis of
adverse events (repeated reports of one problem in one unit aggregated into one analysis,
whose finding sets the unit's practice there), the findings shared with the other units
(each reviews the problem in its own conditions), and reviews across units (temporary ties:
a member tries a colleague's belief from another unit in its own practice).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from commsim.catalogue import Metric
from commsim.config import Config, ConfigError
from commsim.model.community import crossing_chance
from commsim.model.learning import adoption_chances, code_changes
from commsim.model.memory import tacit_count
from commsim.model.organisation import build_hierarchy
from commsim.model.reality import RealityVector, act
from commsim.model.state import NO_MANAGER, RESEARCHER, uniform_below

if TYPE_CHECKING:
    from commsim.model.world import World

_ROLES = np.arange(3)
_RESEARCH = np.int8(RESEARCHER)


def on(config: Config) -> bool:
    """Whether the organisation is split into units (the mechanism's switch)."""
    return config.units > 0


# --- structure: who belongs to which unit, and where each unit's reality differs ----------


def assign_units(manager: np.ndarray, units: int) -> np.ndarray:
    """Each position's unit: the units are the subtrees under the shallowest layer of the
    chart with at least ``units`` positions, cut into ``units`` contiguous blocks of that
    layer in row order (neighbouring managers' teams together); positions above the layer
    (top management) are assigned round-robin by row. No draw: a structure, like the chart."""
    depth = np.zeros(manager.size, dtype=np.int64)
    for row in range(manager.size):  # rows of a chart list every manager before its reports
        boss = manager[row]
        depth[row] = 0 if boss == NO_MANAGER else depth[boss] + 1
    sizes = np.bincount(depth)
    wide = np.flatnonzero(sizes >= units)
    if wide.size == 0:
        raise ConfigError(
            f"units: no level of the organisation has {units} positions to head them "
            f"(the widest has {sizes.max()})"
        )
    layer = wide[0]
    unit = np.arange(manager.size, dtype=np.int64) % units
    heads = np.flatnonzero(depth == layer)
    unit[heads] = np.arange(heads.size) * units // heads.size
    for row in range(manager.size):
        if depth[row] > layer:
            unit[row] = unit[manager[row]]
    return unit


def _chart_manager(config: Config) -> np.ndarray:
    if config.org_chart is not None:
        return config.org_chart.manager
    return build_hierarchy(config.n_agents, config.span_of_control)[1]


def local_signs(rng: np.random.Generator, units: int, m: int, share: float) -> np.ndarray:
    """(units, m) of +1, and -1 on the ``round(share * m)`` dimensions, drawn for each unit
    (the first of a random order of the dimensions), where its reality is the opposite of the
    shared one. One draw of ``units * m`` uniforms."""
    order = rng.random((units, m)).argsort(axis=1, kind="stable")
    signs = np.ones((units, m), dtype=np.int8)
    k = round(share * m)
    np.put_along_axis(signs, order[:, :k], np.int8(-1), axis=1)
    return signs


@dataclass(eq=False)
class Units:
    """The units' structure and their practices: what the phases of 7.20 read and write."""

    unit: np.ndarray  # (N,) int64: each position's unit
    signs: np.ndarray  # (units, m) int8: -1 where the unit's reality differs from the shared
    practice: np.ndarray  # (units, m) int8 in {-1, 0, +1}: each unit's practice
    high_stakes: np.ndarray  # (m,) bool: dimensions where a wrong action is an adverse event
    spreading: np.ndarray  # (m,) int64: step a right practice appeared in some unit, else -1
    reviews_until: int = -1  # cross-unit reviews end before this step (-1: while set)

    @property
    def count(self) -> int:
        return self.signs.shape[0]


class UnitReality(RealityVector):
    """March's reality as every unit meets it: the shared vector, flipped on each unit's
    own dimensions. Scores of rows without members (the code, ``score``) are the shared
    reality's; acting and feedback are the member's unit's."""

    def __init__(self, config: Config, rng: np.random.Generator) -> None:
        super().__init__(config.m, rng)
        m, count = config.m, config.units
        signs = local_signs(rng, count, m, config.local_variation)
        stakes = np.zeros(m, dtype=bool)
        stakes[m - round(config.high_stakes_share * m) :] = True
        self.units = Units(
            unit=assign_units(_chart_manager(config), count),
            signs=signs,
            practice=np.zeros((count, m), dtype=np.int8),
            high_stakes=stakes,
            spreading=np.full(m, -1, dtype=np.int64),
        )

    def local(self) -> np.ndarray:
        """(units, m): each unit's reality now."""
        return self.units.signs * self.target

    def member_targets(self) -> np.ndarray:
        """(N, m): the reality of each member's unit."""
        return self.local()[self.units.unit]

    def perform(self, beliefs: np.ndarray, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        """Actions as on the shared reality (the same coins), scored in each member's unit."""
        actions, _ = act(beliefs, self.target, key)
        performance = (actions * self.member_targets()).sum(axis=1, dtype=np.int64)
        return actions, performance

    def better(
        self, beliefs: np.ndarray, dims: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """The true value of each dimension in the unit of the member ``rows`` names (the
        shared reality where no member is named)."""
        if rows is None:
            return self.target[dims]
        return self.target[dims] * self.units.signs[self.units.unit[rows], dims]


def unit_reality(world: World) -> UnitReality:
    """The run's units' reality (a lever of theirs pulled in a run without units is refused)."""
    environment = world.environment
    if not isinstance(environment, UnitReality):
        raise ConfigError("this lever acts on units: needs units > 0")
    return environment


def units_of(world: World) -> Units:
    return unit_reality(world).units


# --- phases -------------------------------------------------------------------------------


def socialise_in_units(world: World) -> None:
    """Members learn from the global code or from their unit's practice (socialisation with
    units on, in place of ``learning.socialise``).

    For every belief, one uniform chooses its source (the code with probability
    ``standardization``), a second decides a trial, with the member's p1 times its learning
    rate, and, from the code, the chance of crossing from research to its role (a unit's
    practice is its own: no wall). Where the source holds a view the belief does not share,
    a trial moves it (one step, or all the way).
    """
    state, cfg, rng, units = world.state, world.config, world.rng, units_of(world)
    n, m = state.n, state.m
    from_code = rng.random((n, m)) < world.param("standardization")
    tried = rng.random((n, m))
    source = np.where(from_code, state.code[None, :], units.practice[units.unit])
    access = crossing_chance(world, _ROLES, _RESEARCH)[state.role]
    p = state.socialisation_rate * state.learning_rate
    chance = np.minimum(np.where(from_code, p[:, None] * access[:, None], p[:, None]), 1.0)
    moves = (source != 0) & (source != state.beliefs) & (tried < chance)
    rows, dims = np.nonzero(moves)
    target = source[rows, dims]
    old = state.beliefs[rows, dims]
    gradual = cfg.socialisation_mode == "gradual"
    new = (old + np.sign(target - old)).astype(np.int8) if gradual else target
    state.beliefs[rows, dims] = new
    coded = from_code[rows, dims]
    adopted = coded & (new == target) & world.memory.from_insight[dims]
    world.counts["insights_adopted"] += int(adopted.sum())
    world.counts["flows"] += int(rows.size)
    if cfg.community:
        world.counts["cross_role_flows"] += int((coded & (state.role[rows] != RESEARCHER)).sum())


def review_across_units(world: World) -> None:
    """Cross-unit reviews (temporary ties): each member, with probability
    ``cross_unit_reviews``, meets a colleague drawn at random; from another unit, on a
    random dimension where the colleague holds a different view, the member tries it in its
    own practice (feedback with ``practice_noise``) and keeps it if it holds there."""
    units = units_of(world)
    rate = world.param("cross_unit_reviews")
    if units.reviews_until >= 0 and world.step >= units.reviews_until:
        rate = 0.0
    if rate == 0:
        return
    state, rng = world.state, world.rng
    rows = np.flatnonzero(rng.random(state.n) < rate)
    colleagues = uniform_below(rng, state.n, rows.size)
    dims = uniform_below(rng, state.m, rows.size)
    theirs = state.beliefs[colleagues, dims]
    meet = (
        (units.unit[colleagues] != units.unit[rows])
        & (theirs != 0)
        & (theirs != state.beliefs[rows, dims])
    )
    rows, dims, theirs = rows[meet], dims[meet], theirs[meet]
    seen = world.environment.observe(
        state.beliefs[rows], dims, world.config.practice_noise, rng, rows
    )
    kept = seen == theirs
    state.beliefs[rows[kept], dims[kept]] = theirs[kept]
    world.counts["cross_unit_learnings"] += int(kept.sum())


def learn_practices(world: World) -> None:
    """Each unit's practice learns from its superior members; adverse events are counted
    and, with root-cause analysis, reviewed; the spread of right practices is tracked."""
    units, cfg, rng = units_of(world), world.config, world.rng
    actions, performance = world.scratch["actions"], world.scratch["performance"]
    local = unit_reality(world).local()
    uniforms = rng.random((units.count, world.state.m))
    chances = adoption_chances(cfg.code_learning_rate, world.state.n)
    tacit = tacit_count(cfg)
    for u in range(units.count):
        practice = units.practice[u]
        members = units.unit == u
        score = int(np.dot(practice.astype(np.int64), local[u]))
        superior = np.flatnonzero(members & (performance > score))
        dims, values = code_changes(actions, superior, practice, uniforms[u], chances, tacit)
        practice[dims] = values
        world.counts["practice_changes"] += int(dims.size)
    analyse_adverse_events(world, actions, local)
    track_spread(world, local)


def analyse_adverse_events(world: World, actions: np.ndarray, local: np.ndarray) -> None:
    """Adverse events: this step's wrong actions on high-stakes dimensions. Reports of one
    problem (a dimension in a unit) are aggregated into one; each problem is analysed with
    probability ``root_cause_analysis``; the finding (its unit's true value, seen with
    ``research_noise``) reaches the unit's practice, and each other unit with probability
    ``incident_sharing``, which reviews the dimension in its own conditions."""
    units, cfg, rng = units_of(world), world.config, world.rng
    wrong = (actions != local[units.unit]) & units.high_stakes[None, :]
    world.counts["adverse_events"] += int(np.count_nonzero(wrong))
    rca, sharing = world.param("root_cause_analysis"), world.param("incident_sharing")
    if rca == 0:
        return
    rows, dims = np.nonzero(wrong)
    problems = np.unique(units.unit[rows] * world.state.m + dims)  # one report per problem
    problems = problems[rng.random(problems.size) < rca]
    world.counts["incident_analyses"] += int(problems.size)
    if problems.size == 0:
        return
    origin, dims = np.divmod(problems, world.state.m)
    reach = np.arange(units.count)[None, :] == origin[:, None]
    if sharing > 0:
        reach |= rng.random((problems.size, units.count)) < sharing
    found, unit = np.nonzero(reach)  # problem-major: in each problem, units in order
    dims = dims[found]
    truth = local[unit, dims]
    seen = np.where(rng.random(dims.size) < cfg.research_noise, -truth, truth)
    units.practice[unit, dims] = seen


def track_spread(world: World, local: np.ndarray) -> None:
    """An innovation: a dimension right in some unit's practice but not in all; it has
    spread when it is right in every unit (its time counted), and is lost when it is right
    in none."""
    units = units_of(world)
    right = units.practice == local
    some, every = right.any(axis=0), right.all(axis=0)
    tracked = units.spreading >= 0
    done = tracked & every
    world.counts["innovations_spread"] += int(done.sum())
    world.counts["innovation_spread_steps"] += int((world.step - units.spreading[done]).sum())
    units.spreading[(tracked & every) | (tracked & ~some)] = -1
    units.spreading[~tracked & some & ~every] = world.step


# --- levers -------------------------------------------------------------------------------


def _set_live(world: World, name: str, value: float) -> None:
    """A units' parameter changed for the rest of the run (refused in a run without units)."""
    unit_reality(world)
    world.live[name] = value


def set_standardization(world: World, value: float) -> None:
    """How strongly the global code overrides local practice from now on."""
    _set_live(world, "standardization", value)


def analyse_root_causes(world: World, share: float) -> None:
    """Root-cause analysis of adverse events: the chance each problem is analysed."""
    _set_live(world, "root_cause_analysis", share)


def share_incident_reports(world: World, reach: float) -> None:
    """A shared incident-reporting system: the chance a finding reaches each other unit."""
    _set_live(world, "incident_sharing", reach)


def hold_cross_unit_reviews(world: World, rate: float, steps: int = 0) -> None:
    """Reviews across units for ``steps`` steps (0: until changed again)."""
    _set_live(world, "cross_unit_reviews", rate)
    units_of(world).reviews_until = world.next_step + steps if steps else -1


# --- metrics ------------------------------------------------------------------------------


def unit_knowledge(world: World) -> np.ndarray:
    """Each unit's mean knowledge of its own reality, (units,)."""
    units, state = units_of(world), world.state
    scores = (state.beliefs * unit_reality(world).member_targets()).sum(axis=1)
    totals = np.bincount(units.unit, weights=scores, minlength=units.count)
    sizes = np.bincount(units.unit, minlength=units.count)
    return totals / np.maximum(sizes, 1) / state.m


def _local_knowledge(world: World) -> float:
    state = world.state
    scores = (state.beliefs * unit_reality(world).member_targets()).sum(axis=1)
    return float(scores.sum()) / (state.n * state.m)


def _outcome_variance(world: World) -> float:
    return float(unit_knowledge(world).var())


def _practice_knowledge(world: World) -> float:
    units = units_of(world)
    local = unit_reality(world).local()
    return float((units.practice * local).sum()) / units.practice.size


def _spread_time(world: World) -> float:
    spread = world.counts["innovations_spread"]
    return world.counts["innovation_spread_steps"] / spread if spread else float("nan")


def _counter(name: str, label: str, description: str) -> Metric:
    return Metric(name, "event count", label, "events", description, enabled=on)


_KNOWLEDGE = dict(unit="(right - wrong) / m", low=-1.0, high=1.0)

METRICS: tuple[Metric, ...] = (
    Metric(
        "local_knowledge",
        "state",
        "knowledge of local reality",
        **_KNOWLEDGE,
        compute=_local_knowledge,
        enabled=on,
        description="mean over members of `beliefs[i] · reality_u(i) / m`, each against its "
        "own unit's reality (7.20)",
    ),
    Metric(
        "unit_outcome_variance",
        "state",
        "between-unit variance",
        "variance",
        low=0.0,
        high=1.0,
        compute=_outcome_variance,
        enabled=on,
        description="population variance over units of the units' mean knowledge of their own "
        "reality: the hospital story's diagnostic, practice diverging between units [CSL]",
    ),
    Metric(
        "practice_knowledge",
        "state",
        "unit practices' knowledge",
        **_KNOWLEDGE,
        compute=_practice_knowledge,
        enabled=on,
        description="mean over units of `practice_u · reality_u / m`",
    ),
    _counter(
        "adverse_events",
        "adverse events",
        "wrong actions (against the member's unit's reality) on high-stakes dimensions",
    ),
    _counter(
        "incident_analyses",
        "root-cause analyses",
        "problems (a dimension in a unit with adverse events this step) analysed",
    ),
    _counter(
        "practice_changes",
        "practice changes",
        "dimensions of unit practices changed by learning from their superior members",
    ),
    _counter(
        "cross_unit_learnings",
        "cross-unit learnings",
        "beliefs taken from a colleague of another unit in a cross-unit review",
    ),
    _counter(
        "innovations_spread",
        "innovations spread",
        "dimensions that became right in every unit's practice after being right in some",
    ),
    _counter(
        "innovation_spread_steps",
        "innovation spread steps",
        "steps those innovations took, from right in some unit to right in all",
    ),
    Metric(
        "innovation_spread_time",
        "state",
        "innovation spread time",
        "steps",
        low=0.0,
        compute=_spread_time,
        enabled=on,
        pooled=("innovation_spread_steps", "innovations_spread"),
        description="`innovation_spread_steps / innovations_spread` (NaN if none spread): "
        "how long one unit's innovation takes to reach the others",
    ),
)
