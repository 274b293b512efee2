"""``ReferenceModel``: the rules of ``CommunityModel``, one agent at a time, in plain Python.

This is the correctness oracle and the benchmark baseline. Every member is a Mesa agent that
holds its own state (a list of beliefs, a safety, a learning rate ...) and every rule is a
loop over members, dimensions or insights, written to be checked line by line against
docs/MODEL.md rather than to be fast. Only the *structure builders* are shared with the fast
model (org chart, ties, roles, fast learners' positions, the initial reality vector), so that
both start from the same kind of organisation; every rule a step applies is re-implemented here.

Where the fast model applies a phase *synchronously* (everybody decides from the state at the
start of the phase, then all changes are applied), this module does the same in two explicit
loops -- "decide" then "apply" -- and says so. Random draws are scalar calls on
``self.random``; they differ from the fast model's draws, so the two models agree in
distribution, not run by run (tests/test_reference_agreement.py checks that they do).

**The validation studies' rules are here too.** The task environment is March's reality or,
with ``task = "nk"``, Lazer & Friedman's NK landscape: its dependencies, contribution tables
and optimum come from the shared builder (``NKLandscape``, the same draws as the fast model);
scoring a solution, finding the better value of one bit (local search, exploration,
verification) and acting are re-implemented here, bit by bit. The study networks
(``network``: line, complete, small world, subgroups, grid ...) come from the shared builder
(``build_network``); the four peer rules (``peer_learning``: commsim's random neighbour, Lazer
& Friedman's copy-the-best-or-search with velocity, copying error and the revert to the
status quo, Fang et al.'s superior majority, Miller et al.'s best neighbour's beliefs) and
each rule's part of the equilibrium test are re-implemented per member. Miller et al.'s tacit
dimensions (``tacit_share``) are here: the code never learns them. Entrenchment and
double-loop learning (7.21) are here, member by member, and a ``structural_shock`` on March's
reality. Not here: a changing landscape (``turbulence_rate``, a ``reality_shock`` or a
``structural_shock`` on ``task = "nk"``): its optimum would have to be found again, and this
model refuses such configs (the fast model's landscape shocks are tested directly).

One step, in the order of ``CommunityModel.step`` (``DEFAULT_PHASES``, docs/MODEL.md,
section 3): scheduled interventions, turnover, turbulence, acting and performance, [the goals
dividing the effort, 7.23], [frames noted, 7.21], exploration -> insights, voice, verification
and codification, [reports settled, 7.22], socialisation [toward the code or the unit's
practice, 7.20], peers, [cross-unit reviews, 7.20], code learning, [unit practices, 7.20],
[entrenchment and reframing, 7.21], mentoring, drift to the leaders' climate, [incidents,
7.19], [relying on the hero, 7.24]; then the metrics row. The bracketed phases belong to the
mechanisms that are off by default and run only where the config switches them on.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

import mesa
import pandas as pd
from pydantic import ValidationError

from commsim.config import (
    Config,
    ConfigError,
    format_validation_error,
    intervention_adapter,
    load_config,
)
from commsim.levers import LEVERS
from commsim.model.metrics import COUNTERS
from commsim.model.model import assign_fast_learners, assign_roles
from commsim.model.nk_landscape import NKLandscape
from commsim.model.organisation import build_hierarchy, build_network
from commsim.model.reality import RealityVector
from commsim.model.state import NO_MANAGER, ROLE_NAMES
from commsim.model.units import METRICS as UNIT_METRICS
from commsim.model.units import assign_units, local_signs

PRACTITIONER, RESEARCHER, CAPACITY_BUILDER = ROLE_NAMES
AWAITING_VOICE, AWAITING_VERIFICATION = "awaiting voice", "awaiting verification"

_SCHEMA = intervention_adapter(LEVERS)


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


class Reality:
    """March's reality as a plain list: each dimension right or wrong on its own."""

    def __init__(self, m: int, rng: Any) -> None:
        self.target: list[int] = RealityVector(m, rng).target.tolist()  # the shared builder

    def score(self, vector: list[int]) -> int:
        """Dimensions right minus dimensions wrong (a 0 counts for nothing)."""
        return sum(v * r for v, r in zip(vector, self.target, strict=True))

    def knowledge(self, vector: list[int]) -> float:
        """March's knowledge: the score over m, in [-1, 1]."""
        return self.score(vector) / len(self.target)

    def better(self, vector: list[int], dim: int) -> int:
        """Noiseless feedback: the true value, whatever the rest of the vector says."""
        return self.target[dim]

    def newcomer(self, rnd: Any) -> list[int]:
        """March's naive beliefs: -1, 0 or +1 with equal probability."""
        return [rnd.choice((-1, 0, 1)) for _ in self.target]

    def drift(self, rate: float, rnd: Any) -> None:
        """Each dimension flips with probability ``rate`` (March's p4)."""
        for dim in range(len(self.target)):
            if rnd.random() < rate:
                self.target[dim] = -self.target[dim]

    def shock(self, share: float, rnd: Any) -> None:
        """A reality shock: ``max(1, round(share * m))`` distinct dimensions flip at once."""
        m = len(self.target)
        for dim in rnd.sample(range(m), max(1, round(share * m))):
            self.target[dim] = -self.target[dim]

    def restructure(self, share: float, rnd: Any) -> None:
        """A structural shock: a run of ``max(1, round(share * m))`` neighbouring dimensions,
        from a random one on (wrapping), reverses together."""
        m = len(self.target)
        start = rnd.randrange(m)
        for offset in range(max(1, round(share * m))):
            dim = (start + offset) % m
            self.target[dim] = -self.target[dim]

    def block(self, centre: int, width: int) -> list[int]:
        """The beliefs a reframing revises: ``width`` dimensions from ``centre`` on."""
        return [(centre + offset) % len(self.target) for offset in range(width)]


class Landscape:
    """Lazer & Friedman's NK landscape: tables and optimum from the shared builder, every
    score computed here, one bit's contribution at a time (docs/MODEL.md 7.1)."""

    def __init__(self, m: int, k: int, rng: Any, interactions: str) -> None:
        built = NKLandscape(m, k, rng, interactions)  # the shared builder: the same draws
        self.deps: list[list[int]] = built.deps.tolist()  # bit i first, then its k others
        self.tables: list[list[float]] = built.tables.tolist()
        self.target: list[int] = built.target.tolist()  # the global optimum as +-1
        self.maximum = self.raw(self.target)  # so that the optimum scores exactly 1

    def raw(self, vector: list[int]) -> float:
        """Mean contribution: bit i's table, indexed by its own and its k others' bits
        (bit j of the index is the j-th of them); +1 is bit 1, -1 and 0 are bit 0."""
        bits = [1 if v > 0 else 0 for v in vector]
        total = 0.0
        for table, loci in zip(self.tables, self.deps, strict=True):
            index = 0
            for j, locus in enumerate(loci):
                index |= bits[locus] << j
            total += table[index]
        return total / len(vector)

    def score(self, vector: list[int]) -> float:
        """(raw / maximum) ** 8 (L&F p. 677), in [0, 1]."""
        return min(self.raw(vector) / self.maximum, 1.0) ** 8

    def knowledge(self, vector: list[int]) -> float:
        """On a landscape, knowledge is the score itself: 1 at the global optimum."""
        return self.score(vector)

    def better(self, vector: list[int], dim: int) -> int:
        """Local search on bit ``dim``: its current value (a 0 reads as -1), unless the
        other scores strictly better given the rest of the vector."""
        current = 1 if vector[dim] > 0 else -1
        flipped = vector.copy()
        flipped[dim] = -current
        return -current if self.raw(flipped) > self.raw(vector) else current

    def newcomer(self, rnd: Any) -> list[int]:
        """A random solution: every bit decided."""
        return [rnd.choice((-1, 1)) for _ in self.target]

    def block(self, centre: int, width: int) -> list[int]:
        """The beliefs a reframing revises: the bit and the bits its contribution depends on."""
        return sorted(set(self.deps[centre]))


@dataclass(eq=False)
class Insight:
    """One insight in flight: who holds it, about which dimension, what it says, since when."""

    id: int
    holder: ReferenceMember
    dim: int
    value: int
    stage: str
    since: int  # the step it entered its current stage
    verifier: ReferenceMember | None = None  # assigned once, when it is first queued
    confirmations: int = 0  # checks it passed (rigour: it needs verifications_required)
    closed: bool = False  # it left the pool this step (punished, verified, walled, ...)
    heard_at: int = -1  # the step a listener heard it (a report, 7.22); -1 if never


@dataclass(eq=False)
class Flaw:
    """One slot of a team's system (7.19): whether it holds an unfixed flaw, and whether that
    flaw has caused a failure yet."""

    open: bool = True
    struck: bool = False


@dataclass(eq=False)
class Incident:
    """One failure: whose, its true cause (a flaw, or None for negligence), what followed."""

    member: ReferenceMember
    flaw: Flaw | None
    repeat: bool = False
    reported: bool = False
    blamed: bool = False


class ReferenceMember(mesa.Agent):
    """A position in the organisation and whoever holds it, with all state as plain Python."""

    model: ReferenceModel

    def __init__(
        self,
        model: ReferenceModel,
        row: int,
        level: int,
        manager: int | None,
        role: str,
        fast: bool = False,
    ) -> None:
        super().__init__(model)
        cfg = model.config
        self.row = row  # the position in the org chart (row 0 is the top)
        self.level = level  # 0 = front line
        self.manager = manager  # the row of this position's manager; None at the top
        self.role = role  # "practitioner", "researcher" or "capacity_builder"
        self.fast = fast  # a fast learner's position (March's mixed populations)
        self.unit = 0  # the position's unit (7.20; set by the model when units are on)
        # p1 belongs to the position: a newcomer here socialises at the same rate
        self.socialisation_rate = cfg.fast_socialisation_rate if fast else cfg.socialisation_rate
        self.neighbours: list[ReferenceMember] = []  # filled in once every member exists
        self.beliefs: list[int] = []
        self.safety = 0.0
        self.learning_rate = 1.0
        self.punitiveness = 0.0
        self.joined = 0
        self.willingness = 1.0  # willingness to report (7.22)
        self.actions: list[int] = []
        self.performance = 0
        self.aspiration: float | None = None  # the performance it expects (7.21)
        self.before: list[int] = []  # the beliefs before this step's learning (7.21)
        self.new_occupant()

    def new_occupant(self) -> None:
        """A newcomer takes this position: naive beliefs, default traits, a leadership style."""
        cfg, rnd = self.model.config, self.random
        self.beliefs = self.model.task.newcomer(rnd)
        self.safety = cfg.initial_safety
        self.learning_rate = 1.0
        self.punitiveness = min(1.0, max(0.0, rnd.gauss(cfg.punitiveness, cfg.punitiveness_spread)))
        self.joined = self.model.next_step
        self.carelessness = 0.5  # just culture (7.19): a newcomer's, whatever the last one's
        self.willingness = 1.0  # no report of theirs has come to nothing yet

    @property
    def boss(self) -> ReferenceMember | None:
        return None if self.manager is None else self.model.members[self.manager]

    @property
    def leader(self) -> ReferenceMember:
        """Who sets this member's climate, and whose team it is in: the manager; the top's own."""
        return self if self.boss is None else self.boss

    @property
    def knowledge(self) -> float:
        """Share of reality this member has right, minus the share it has wrong (on a
        landscape: the score of its solution)."""
        return self.model.task.knowledge(self.beliefs)

    # --- the individual rules of a step ------------------------------------------------

    def act(self) -> None:
        """Act on each belief; where undecided (0), try either way with a fair coin."""
        self.actions = []
        for belief in self.beliefs:
            if belief == 0:
                belief = 1 if self.random.random() < 0.5 else -1
            self.actions.append(belief)
        units = self.model.units
        if units is None:
            self.performance = self.model.score(self.actions)
        else:  # against the reality of the member's own unit
            self.performance = sum(
                action * units.truth(self.unit, dim) for dim, action in enumerate(self.actions)
            )

    def explore(self) -> None:
        """Practitioners and researchers may test one belief; a surprise is an insight.
        Fear of experimenting (7.24) lowers the chance where safety is low; a member whose
        draw falls between the fearful and the fearless chance forgoes an experiment."""
        model, cfg = self.model, self.model.config
        if self.role == CAPACITY_BUILDER:
            return
        u = self.random.random()
        rate = model.exploration_now  # the configured rate, or what the goals leave it (7.23)
        dares = rate * (1.0 - model.exploration_fear * (1.0 - self.safety))
        if cfg.exploration_fear > 0:  # the mechanism's counters, where they are columns
            model.counts["experiments"] += u < dares
            model.counts["experiments_forgone"] += dares <= u < rate
        if u >= dares:
            return
        dim = self.random.randrange(cfg.m)
        noise = cfg.research_noise if self.role == RESEARCHER else cfg.practice_noise
        seen = self.model.observe(self.beliefs, dim, noise, self)
        if seen != self.beliefs[dim]:
            self.beliefs[dim] = seen
            self.model.new_insight(self, dim, seen)

    def socialise(self) -> None:
        """Move toward the code where it holds a view this member does not share."""
        model, cfg = self.model, self.model.config
        if model.units is not None:
            model.units.socialise(self)
            return
        access = model.crossing_chance(self.role, RESEARCHER)  # the code is research's product
        rate = self.socialisation_rate * model.socialisation_factor  # 1 but under tension
        p = min(rate * self.learning_rate * access, 1.0)
        for dim in range(cfg.m):
            code = model.code[dim]
            if code == 0 or self.beliefs[dim] == code:
                continue
            if self.random.random() < p:
                self.beliefs[dim] = step_toward(self.beliefs[dim], code, cfg.socialisation_mode)
                if self.beliefs[dim] == code and model.code_source[dim] >= 0:
                    model.counts["insights_adopted"] += 1
                # from research in a community; otherwise the code counts as one's own role
                model.record_flow(RESEARCHER if cfg.community else self.role, self.role)

    def entrench(self) -> None:
        """Each belief the learning phases changed goes back with this member's attachment,
        ``entrenchment * min(1, tenure / entrenchment_horizon)``; the rest are kept."""
        model, cfg = self.model, self.model.config
        tenure = model.steps - self.joined
        attachment = cfg.entrenchment * min(1.0, tenure / cfg.entrenchment_horizon)
        for dim, old in enumerate(self.before):
            if self.beliefs[dim] == old:
                continue
            if cfg.entrenchment > 0 and self.random.random() < attachment:
                self.beliefs[dim] = old
                model.counts["entrenched"] += 1
            else:
                model.counts["belief_changes"] += 1

    def reframe(self) -> None:
        """Double-loop learning: if safe enough and performing below its aspiration (its
        performance smoothed over the steps before; a newcomer's is its first performance),
        with probability double_loop_rate try double_loop_tries random settings of a block
        of beliefs and adopt the best (the first among equals; the old setting is not among
        them)."""
        model, cfg = self.model, self.model.config
        if self.aspiration is None:  # the first step: an aspiration, no comparison yet
            self.aspiration = self.performance
            return
        aspiration = self.performance if self.joined >= model.steps else self.aspiration
        self.aspiration = aspiration + cfg.double_loop_aspiration * (self.performance - aspiration)
        if not self.performance < aspiration or self.safety < cfg.double_loop_safety:
            return
        if self.random.random() >= cfg.double_loop_rate:
            return
        block = model.task.block(self.random.randrange(cfg.m), cfg.double_loop_block)
        best, best_score = self.beliefs, -math.inf
        for _ in range(cfg.double_loop_tries):
            tried = self.beliefs.copy()
            for dim in block:
                tried[dim] = 1 if self.random.random() < 0.5 else -1
            score = model.score(tried)
            if score > best_score:
                best, best_score = tried, score
        changed = sum(new != old for new, old in zip(best, self.beliefs, strict=True))
        self.beliefs = best
        model.counts["reframings"] += 1
        model.counts["double_loop_changes"] += changed
        model.counts["belief_changes"] += changed

    def drift_to_climate(self) -> None:
        """Safety drifts toward the climate the manager sets (the top sets its own)."""
        climate = 1.0 - self.leader.punitiveness
        self.safety += self.model.config.climate_drift * (climate - self.safety)


def team(member: ReferenceMember) -> int:
    """A member's team: the row of its manager (the top's, its own)."""
    return member.row if member.manager is None else member.manager


def step_toward(current: int, target: int, mode: str) -> int:
    """One step on -1 -> 0 -> +1 toward ``target`` ("gradual"), or all the way ("jump")."""
    if mode == "jump":
        return target
    return current + sign(target - current)


def chart_levels(manager: list[int]) -> list[int]:
    """Each member's level: how far the deepest member is below the top, less how far this
    one is (so every report sits one level below the manager, the deepest at 0)."""
    depth = []
    for row in range(len(manager)):
        steps, boss = 0, manager[row]
        while boss != NO_MANAGER:
            steps, boss = steps + 1, manager[boss]
        depth.append(steps)
    return [max(depth) - d for d in depth]


def tie_weights(collaboration: Any) -> dict[Any, float] | None:
    """A weighted collaboration network's weight of each pair of members; ties the file does
    not weigh (reporting lines, teams) at its mean weight (``"usual"``)."""
    if collaboration is None or collaboration.weight is None:
        return None
    weights: dict[Any, float] = {"usual": sum(collaboration.weight) / len(collaboration.weight)}
    for (a, b), w in zip(collaboration.edges.tolist(), collaboration.weight.tolist(), strict=True):
        weights[frozenset((a, b))] = w
    return weights


class ReferenceModel(mesa.Model):
    """The learning community agent by agent: the slow, obviously correct twin of CommunityModel."""

    def __init__(self, config: Config | dict[str, Any] | str | None = None, **overrides: Any):
        cfg = load_config(config, **overrides)
        if cfg.task == "nk" and _changes_landscape(cfg):
            raise ConfigError(
                "config: the reference model keeps an NK landscape fixed: task = 'nk' needs "
                "turbulence_rate = 0 and no reality_shock; see its docstring"
            )
        super().__init__(rng=cfg.seed)
        self.config = cfg
        n, m = cfg.n_agents, cfg.m
        self._in_step = False  # inside step(): interventions and newcomers belong to this step
        self._rows: list[dict[str, Any]] = []  # the metrics rows recorded so far

        # the structure, from the same builders as the fast model
        self.task: Reality | Landscape = (
            Landscape(m, cfg.nk_k, self.rng, cfg.nk_interactions)
            if cfg.task == "nk"
            else Reality(m, self.rng)
        )
        self.reality = self.task.target  # March's reality; on a landscape, its optimum
        # where each unit's reality differs (7.20): the shared builder, right after reality
        signs = local_signs(self.rng, cfg.units, m, cfg.local_variation) if cfg.units else None
        chart = cfg.org_chart
        if chart is None:
            level, manager = build_hierarchy(n, cfg.span_of_control)
        else:
            manager = chart.manager
            level = chart_levels(manager.tolist())
        roles = assign_roles(cfg, self.rng)
        fast = assign_fast_learners(cfg)  # draws nothing from self.rng or self.random
        ties = build_network(cfg, manager, self.rng)  # the org chart's ties or a study's

        self.members: list[ReferenceMember] = []
        for row in range(n):
            boss = int(manager[row])
            self.members.append(
                ReferenceMember(
                    self,
                    row,
                    level=int(level[row]),
                    manager=None if boss == NO_MANAGER else boss,
                    role=ROLE_NAMES[int(roles[row])],
                    fast=bool(fast[row]),
                )
            )
        for a, b in ties.edges.tolist():
            self.members[a].neighbours.append(self.members[b])
            self.members[b].neighbours.append(self.members[a])
        for member in self.members:  # "the first in row order among equals" (7.9)
            member.neighbours.sort(key=lambda neighbour: neighbour.row)
        self.top = self.members[0]
        self.tie_weight = tie_weights(cfg.collaboration)
        if chart is not None:
            self._take_chart(chart)
        self.units = None if signs is None else ReferenceUnits(self, signs.tolist(), manager)

        self.code: list[int] = [0] * m  # the organisational code, March's memory
        self.tacit = round(cfg.tacit_share * m)  # the first dimensions, never codified
        self.code_source: list[int] = [-1] * m  # the insight behind each dimension, or -1
        self.integration = cfg.integration
        self.exploration_fear = cfg.exploration_fear  # as a lever leaves it (7.24)
        self.hero_dependence = cfg.hero_dependence
        self.pool: list[Insight] = []  # insights in flight, oldest first
        self.insights_ever = 0
        # double-loop learning (7.21): when each code dimension last changed, the code before
        # this step's learning, the last structural shock and the recovery from it
        self.code_changed = [0] * m
        self.code_before = self.code.copy()
        self.shock: tuple[int, float] | None = None  # (step, mean knowledge before it)
        self.recovery = math.nan
        self.counts: Counter[str] = Counter()  # events since the last metrics row
        self.intervention_log: list[dict[str, Any]] = []
        # just culture (7.19): each team's flaw slots, by its leader's row; levers move these
        self.flaws = {
            member.leader.row: [Flaw() for _ in range(cfg.flaws_per_team)]
            for member in self.members
        }
        self.attribution_accuracy = cfg.attribution_accuracy
        self.blame_bias = cfg.blame_bias
        # structural tension (7.23): the effort on exploration, and what it sets
        self.effort, self.socialisation_factor = 0.5, 1.0
        self.exploration_now = cfg.exploration_rate
        self.efforts = [self.effort]
        self.gaps = (math.nan, math.nan)
        self.goal_hierarchy, self.verifications_required = (
            cfg.goal_hierarchy,
            cfg.verifications_required,
        )
        self.delays: list[int] = []  # steps each codified insight waited in the queue
        # the cost of speaking up (7.22): the values its levers change, this step's reports
        # spoken and ended, the team behind each codified dimension, the step's performance
        self.voice_cost, self.report_feedback = cfg.voice_cost, cfg.report_feedback
        self.spoken: list[ReferenceMember] = []
        self.ended: list[tuple[Insight, bool]] = []  # (report, verified)
        self.code_team: list[int] = [-1] * m
        self.mean_performance = math.nan
        self._apply_scheduled()
        self._record()

    # --- the step ----------------------------------------------------------------------

    def step(self) -> None:
        """One period: the phases of ``CommunityModel.step``, each a loop over agents."""
        cfg = self.config
        self._in_step = True
        self._apply_scheduled()
        self.turnover()
        self.turbulence()
        for agent in self.agents:
            agent.act()
        if cfg.tension_gain > 0:
            self.divide_effort()
        frames = cfg.entrenchment_or_reframing  # 7.21
        if frames:
            self.code_before = self.code.copy()
            for agent in self.agents:
                agent.before = agent.beliefs.copy()
        for agent in self.agents:
            agent.explore()
        if cfg.voice:
            self.speak_up()
        if cfg.community or cfg.leadership == "hero":
            self.verify_and_codify()
        if cfg.reporting:
            self.close_reports()
        for agent in self.agents:
            agent.socialise()
        self.learn_from_peers()
        if self.units is not None:
            self.units.review_across_units()
        self.learn_code()
        if self.units is not None:
            self.units.learn_practices()
        if frames:
            for agent in self.agents:
                agent.entrench()
            self.entrench_code()
        if cfg.double_loop_rate > 0:
            for agent in self.agents:
                agent.reframe()
        if cfg.community:
            self.mentor()
        for agent in self.agents:
            agent.drift_to_climate()
        if cfg.incident_rate > 0:
            self.incidents()
        if cfg.leadership == "hero" and cfg.hero_dependence > 0:
            self.rely_on_hero()
        self._in_step = False
        self._record()
        if cfg.stop_at_equilibrium and self.at_equilibrium():
            self.running = False

    def entrench_code(self) -> None:
        """Codified practice resists change (7.21): each dimension of the code that changed
        this step goes back with ``code_entrenchment * min(1, age / entrenchment_horizon)``,
        its age the steps since it last changed; no insight then stands behind it. The
        dimensions that keep their change are dated."""
        cfg = self.config
        for dim in range(cfg.m):
            if self.code[dim] == self.code_before[dim]:
                continue
            age = self.steps - self.code_changed[dim]
            hold = cfg.code_entrenchment * min(1.0, age / cfg.entrenchment_horizon)
            if cfg.code_entrenchment > 0 and self.random.random() < hold:
                self.code[dim] = self.code_before[dim]
                self.code_source[dim] = -1
                self.counts["code_entrenched"] += 1
            else:
                self.code_changed[dim] = self.steps

    def run(self, steps: int | None = None) -> None:
        """Step ``steps`` times (default: the config's), stopping early if ``running`` drops."""
        for _ in range(self.config.steps if steps is None else steps):
            if not self.running:
                break
            self.step()

    # --- shared helpers ----------------------------------------------------------------

    def score(self, vector: list[int]) -> float:
        """A belief or action vector's score on the task (higher is better)."""
        return self.task.score(vector)

    def observe(
        self, beliefs: list[int], dim: int, noise: float, member: ReferenceMember | None = None
    ) -> int:
        """Noisy feedback on one dimension, given the rest of ``beliefs``: the better value
        (with units, in ``member``'s unit), flipped with probability ``noise``."""
        if self.units is not None and member is not None:
            better = self.units.truth(member.unit, dim)
        else:
            better = self.task.better(beliefs, dim)
        return -better if self.random.random() < noise else better

    def crossing_chance(self, source: str, target: str) -> float:
        """Chance that knowledge passes from role ``source`` to role ``target``."""
        if not self.config.community or source == target:
            return 1.0
        if CAPACITY_BUILDER in (source, target):  # capacity builders bridge the walls
            return min(1.0, self.integration * (1.0 + self.config.bridging))
        return self.integration

    def record_flow(self, source: str, target: str) -> None:
        self.counts["flows"] += 1
        if source != target:
            self.counts["cross_role_flows"] += 1

    def listener(self, member: ReferenceMember) -> ReferenceMember:
        """Whom a member speaks up to: the hero leader, else the manager (the top: itself)."""
        if self.config.leadership == "hero":
            return self.top
        return member if member.boss is None else member.boss

    def voice_probability(self, speaker: ReferenceMember, target: ReferenceMember) -> float:
        """Safety, discounted by the authority gradient for each level the target is above."""
        if target is speaker:
            return 1.0  # nobody fears speaking to themselves
        gap = max(target.level - speaker.level, 0)
        ready = speaker.safety * (speaker.willingness if self.config.reporting else 1.0)
        return ready * (1.0 - self.config.authority_gradient) ** gap

    def random_neighbour(self, member: ReferenceMember) -> ReferenceMember | None:
        """A neighbour at random; with a weighted collaboration network, in proportion to
        each tie's weight."""
        if not member.neighbours:
            return None
        if self.tie_weight is None:
            return self.random.choice(member.neighbours)
        usual = self.tie_weight["usual"]
        weights = [
            self.tie_weight.get(frozenset((member.row, other.row)), usual)
            for other in member.neighbours
        ]
        return self.random.choices(member.neighbours, weights=weights)[0]

    def _take_chart(self, chart: Any) -> None:
        """What the org chart's file gives, over what each member drew."""
        cfg = self.config
        for member in self.members:
            row = member.row
            label = "" if chart.role is None or not cfg.community else chart.role[row]
            if label:
                member.role = cfg.org_chart_roles.get(label, label)
            for trait in ("safety", "punitiveness", "learning_rate"):
                values = getattr(chart, trait)
                if values is not None and not math.isnan(values[row]):
                    setattr(member, trait, float(values[row]))
            if chart.tenure is not None and chart.tenure[row] >= 0:
                member.joined = -int(chart.tenure[row])

    def new_insight(self, holder: ReferenceMember, dim: int, value: int) -> None:
        """Count an insight and send it on: to voice; with voice off straight to research;
        nowhere if there is neither voice nor research (it stays with its finder)."""
        cfg = self.config
        self.counts["insights_generated"] += 1
        if cfg.voice:
            stage = AWAITING_VOICE
        elif cfg.community or cfg.leadership == "hero":
            stage = AWAITING_VERIFICATION
        else:
            stage = None
        if stage is not None:
            insight = Insight(self.insights_ever, holder, dim, value, stage, since=self.steps)
            self.pool.append(insight)
        self.insights_ever += 1

    def _drop_closed(self) -> None:
        self.pool = [insight for insight in self.pool if not insight.closed]

    # --- phases 2 and 3: turnover, turbulence ------------------------------------------

    def turnover(self) -> None:
        """Each member leaves with probability turnover_rate (March's p3)."""
        rate = self.config.turnover_rate
        if rate > 0:
            leavers = [agent for agent in self.agents if self.random.random() < rate]
            self.replace(leavers)

    def replace(self, leavers: list[ReferenceMember]) -> None:
        """Newcomers take the leavers' positions; unvoiced insights leave with the leavers."""
        for member in leavers:
            member.new_occupant()
            for insight in self.pool:
                if insight.holder is member and insight.stage == AWAITING_VOICE:
                    insight.closed = True  # lost
            self.counts["departures"] += 1
        self._drop_closed()

    def turbulence(self) -> None:
        """Each dimension of reality flips with probability turbulence_rate (March's p4)."""
        if self.config.turbulence_rate > 0:  # a landscape never gets here (__init__)
            self.task.drift(self.config.turbulence_rate, self.random)

    # --- voice ----------------------------------------------------------------

    def speak_up(self) -> None:
        """One round of voice for every insight awaiting it.

        Synchronous: every response is decided on the safety members had when the phase
        began, then safety moves -- all of a member's appreciations first, then punishments
        (the order in which the fast model applies them).
        """
        cfg, step = self.config, self.steps
        research = cfg.community or cfg.leadership == "hero"  # someone to take it further
        appreciated: Counter[ReferenceMember] = Counter()
        punished: Counter[ReferenceMember] = Counter()
        for insight in self.pool:
            if insight.stage != AWAITING_VOICE:
                continue
            holder = insight.holder
            target = self.listener(holder)
            if target is holder:
                # the top (or the hero) asks nobody's leave: straight on to research, or, with
                # no research community, nowhere; no attempt, no opportunity, no safety change
                insight.stage, insight.since = AWAITING_VERIFICATION, step
                insight.closed = not research
                continue
            self.counts["voice_opportunities"] += 1
            if self.random.random() < self.voice_probability(holder, target):
                self.counts["insights_spoken"] += 1
                self.spoken.append(holder)
                dissent = insight.value != target.beliefs[insight.dim]
                if dissent and self.random.random() < target.punitiveness:
                    punished[holder] += 1
                    self.counts["insights_punished"] += 1
                    insight.closed = True  # the voice dies here
                else:
                    appreciated[holder] += 1
                    self.counts["insights_voiced"] += 1
                    insight.stage, insight.since = AWAITING_VERIFICATION, step
                    insight.heard_at = step
                    insight.closed = not research  # heard, with nobody to take it further
                    if not research:
                        self.ended.append((insight, False))
            elif step - insight.since + 1 >= cfg.insight_ttl:
                self.counts["insights_suppressed"] += 1
                insight.closed = True
        for member, times in appreciated.items():
            for _ in range(times):
                member.safety = 1.0 - (1.0 - member.safety) * (1.0 - cfg.appreciation_gain)
        for member, times in punished.items():
            for _ in range(times):
                member.safety *= 1.0 - cfg.punishment_penalty
        self._drop_closed()

    # --- just culture (7.19): incidents, reports, attributions --------------------------

    def incidents(self) -> None:
        """New flaws in fixed slots; then each member may fail, from an open flaw of the team or
        from negligence; a failure is reported with voice's chance and attributed by the
        leader. Synchronous: every failure, report and attribution is decided on the state at
        the start of the phase, then flaws, carelessness and safety change."""
        cfg = self.config
        if cfg.flaw_emergence > 0:
            for slots in self.flaws.values():
                for flaw in slots:
                    if self.random.random() < cfg.flaw_emergence:
                        flaw.open = True
        happened = []
        for member in self.members:
            incident = self.fail(member)
            if incident is not None:
                self.attribute(incident)
                happened.append(incident)
        for incident in happened:
            self.consequences(incident)
        self.respond(happened)

    def fail(self, member: ReferenceMember) -> Incident | None:
        """Whether ``member`` fails this step and why: a flaw, with chance incident_rate x
        system_cause_share x the team's open share; negligence, with 2 x incident_rate x
        (1 - system_cause_share) x carelessness."""
        cfg = self.config
        opened = [flaw for flaw in self.flaws[member.leader.row] if flaw.open]
        p_flaw = cfg.incident_rate * cfg.system_cause_share * len(opened) / cfg.flaws_per_team
        p_negligence = 2 * cfg.incident_rate * (1 - cfg.system_cause_share) * member.carelessness
        u = self.random.random()
        if u < p_flaw:
            flaw = self.random.choice(opened)
            return Incident(member, flaw, repeat=flaw.struck)
        if u < p_flaw + p_negligence:
            return Incident(member, None)
        return None

    def attribute(self, incident: Incident) -> None:
        """Reported with voice's chance; the leader sees the true cause with chance
        attribution_accuracy, else blames the person with chance blame_bias."""
        member = incident.member
        target = self.listener(member)
        incident.reported = self.random.random() < self.voice_probability(member, target)
        if not incident.reported:
            return
        if self.random.random() < self.attribution_accuracy:
            incident.blamed = incident.flaw is None
        else:
            incident.blamed = self.random.random() < self.blame_bias

    def consequences(self, incident: Incident) -> None:
        """The flaw fails (and is fixed if credited to the system); negligence blamed is
        sanctioned (carelessness toward 0), otherwise it is not (toward 1)."""
        cfg, counts, flaw = self.config, self.counts, incident.flaw
        counts["incidents"] += 1
        counts["repeat_incidents"] += incident.repeat
        counts["incidents_reported"] += incident.reported
        counts["incidents_blamed"] += incident.blamed
        counts["incidents_correctly_attributed"] += incident.reported and incident.blamed == (
            flaw is None
        )
        member = incident.member
        if flaw is None:
            counts["negligent_incidents"] += 1
            if incident.blamed:
                member.carelessness *= 1 - cfg.moral_hazard
            else:
                member.carelessness = 1 - (1 - member.carelessness) * (1 - cfg.moral_hazard)
            return
        if incident.reported and not incident.blamed:
            counts["flaws_fixed"] += flaw.open  # once, however many credit it this step
            flaw.open = False
        flaw.struck = flaw.open  # an open flaw has failed now; a fixed one is gone

    def respond(self, happened: list[Incident]) -> None:
        """Credited reporters appreciated, blamed ones punished, then each other member of a
        blamed one's team loses blame_contagion of its safety, once per blame."""
        cfg = self.config
        for incident in happened:
            member = incident.member
            if incident.reported and not incident.blamed:
                member.safety = 1.0 - (1.0 - member.safety) * (1.0 - cfg.appreciation_gain)
        for incident in happened:
            if incident.blamed:
                incident.member.safety *= 1.0 - cfg.punishment_penalty
        for incident in happened:
            if not incident.blamed:
                continue
            for other in self.members:
                if other.leader is incident.member.leader and other is not incident.member:
                    other.safety *= 1.0 - cfg.blame_contagion

    # --- verification and codification ----------------------------------------

    def verify_and_codify(self) -> None:
        """Researchers (or the hero leader) check queued insights; verified ones enter the code."""
        cfg, step = self.config, self.steps
        hero = cfg.leadership == "hero"
        researchers = [agent for agent in self.agents if agent.role == RESEARCHER]

        # 1. an insight new to the queue gets its verifier, once, and meets the wall, once
        for insight in self.pool:
            if insight.stage != AWAITING_VERIFICATION or insight.verifier is not None:
                continue
            if hero:
                insight.verifier = self.top  # the hero checks everything, no wall
            elif not researchers:  # nobody to take it: walled off
                self.counts["insights_walled"] += 1
                insight.closed = True
                self.ended.append((insight, False))
            else:
                insight.verifier = self.random.choice(researchers)
                chance = self.crossing_chance(insight.holder.role, insight.verifier.role)
                if self.random.random() >= chance:
                    self.counts["insights_walled"] += 1
                    insight.closed = True
                    self.ended.append((insight, False))
        self._drop_closed()

        # 2. each verifier checks at most verification_capacity of its queue, in random
        #    order; one left waiting insight_ttl steps since it was queued expires
        queued = [insight for insight in self.pool if insight.stage == AWAITING_VERIFICATION]
        self.random.shuffle(queued)
        load: Counter[ReferenceMember] = Counter()
        served: list[Insight] = []
        for insight in queued:
            if load[insight.verifier] < cfg.verification_capacity:
                load[insight.verifier] += 1
                served.append(insight)
            elif step - insight.since + 1 >= cfg.insight_ttl:
                insight.closed = True  # expired
                self.ended.append((insight, False))

        # 3. in the pool's order (oldest first), verifiers check reality and learn either way
        served.sort(key=lambda insight: insight.id)
        noise = cfg.practice_noise if hero else cfg.research_noise
        verified: list[Insight] = []
        for insight in served:
            verifier = insight.verifier
            assert verifier is not None
            seen = self.observe(insight.holder.beliefs, insight.dim, noise, insight.holder)
            verifier.beliefs[insight.dim] = seen
            self.record_flow(insight.holder.role, verifier.role)
            if seen == insight.value:
                insight.confirmations += 1
                if insight.confirmations < self.verifications_required:
                    continue  # rigour: it waits in the queue for another check
                self.counts["insights_verified"] += 1
                verified.append(insight)
            else:
                self.counts["insights_refuted"] += 1
            self.ended.append((insight, seen == insight.value))
            insight.closed = True
        self.codify(verified)
        self._drop_closed()

    def codify(self, verified: list[Insight]) -> None:
        """Verified insights rewrite the code; on a dimension verified twice the later wins.
        A tacit dimension (one of the first ``self.tacit``) is never written."""
        latest: dict[int, Insight] = {}
        for insight in verified:
            latest[insight.dim] = insight
        for dim, insight in latest.items():
            if dim >= self.tacit and self.code[dim] != insight.value:
                self.code[dim] = insight.value
                self.code_source[dim] = insight.id
                self.code_team[dim] = team(insight.holder)
                self.counts["insights_codified"] += 1
                self.delays.append(self.steps - insight.since)
                if insight.value != self.task.target[dim]:
                    self.counts["wrong_codifications"] += 1

    # --- structural tension (docs/MODEL.md 7.23) ---------------------------------------

    def divide_effort(self) -> None:
        """The learning gap pulls the effort toward exploration, the performance gap toward
        exploitation; while learning is short of its goal the performance pull is weakened
        by the goal hierarchy. Then the effort sets this step's two rates."""
        cfg = self.config
        scale = cfg.m if cfg.task == "reality" else 1
        performance = statistics.fmean(agent.performance for agent in self.agents) / scale
        achieved = performance - cfg.exploration_cost * self.exploration_now
        learning_gap = max(cfg.learning_goal - self.task.knowledge(self.code), 0.0)
        performance_gap = max(cfg.performance_goal - achieved, 0.0)
        weight = 1.0 - self.goal_hierarchy if learning_gap > 0 else 1.0
        self.effort += cfg.tension_gain * (learning_gap - weight * performance_gap)
        self.effort = min(1.0, max(0.0, self.effort))
        self.efforts.append(self.effort)
        self.gaps = (learning_gap, performance_gap)
        self.exploration_now = min(1.0, 2.0 * self.effort * cfg.exploration_rate)
        self.socialisation_factor = 2.0 * (1.0 - self.effort)

    # --- relying on the hero (7.24) ---------------------------------------------

    def rely_on_hero(self) -> None:
        """Each insight the hero checked this step (verified or refuted) moves every other
        member's learning rate a share ``hero_dependence`` of the way to the floor, and
        their safety the same share of the way to 0, one decision at a time."""
        decisions = self.counts["insights_verified"] + self.counts["insights_refuted"]
        floor = self.config.hero_learning_floor
        for agent in self.agents:
            if agent is self.top:
                continue
            for _ in range(decisions):
                agent.learning_rate = floor + (agent.learning_rate - floor) * (
                    1.0 - self.hero_dependence
                )
                agent.safety *= 1.0 - self.hero_dependence

    # --- between 7 and 8: the reports that ended (7.22) ---------------------------------

    def close_reports(self) -> None:
        """Each report spoken this step costs its reporter effort; each report that ended is
        answered (verified within the window, and heard back: a draw, in id order) or
        vanished. Willingness then moves: toward 1 per answer, toward 0 per report spoken
        and per report vanished. A report whose position has a newer occupant is skipped."""
        cfg, step = self.config, self.steps
        scale = len(self.reality) if isinstance(self.task, Reality) else 1
        for member in self.spoken:
            member.performance -= self.voice_cost * scale
        answered: Counter[ReferenceMember] = Counter()
        vanished: Counter[ReferenceMember] = Counter()
        for insight, verified in sorted(self.ended, key=lambda pair: pair[0].id):
            reporter = insight.holder
            if insight.heard_at < 0 or reporter.joined > insight.heard_at:
                continue  # never a report (the top's own), or a former occupant's
            self.counts["reports_closed"] += 1
            timely = verified and step - insight.heard_at < cfg.feedback_window
            if timely and self.random.random() < self.report_feedback:
                answered[reporter] += 1
                self.counts["reports_answered"] += 1
            else:
                vanished[reporter] += 1
        for member, times in answered.items():
            for _ in range(times):
                member.willingness = 1.0 - (1.0 - member.willingness) * (1.0 - cfg.willingness_gain)
        for member in self.spoken:
            member.willingness *= 1.0 - self.voice_cost
        for member, times in vanished.items():
            for _ in range(times):
                member.willingness *= 1.0 - cfg.willingness_loss
        performance = [agent.performance / scale for agent in self.agents]
        self.mean_performance = statistics.fmean(performance)

    # --- phases 9 and 10: peers, code learning -----------------------------------------

    def learn_from_peers(self) -> None:
        """Phase 9: the configured rule (docs/MODEL.md 7.9). Every rule is synchronous: all
        members decide from the beliefs as they are when the phase begins, then all changes
        are applied."""
        rule = self.config.peer_learning
        if rule == "best_neighbour":
            self.copy_best_or_search()
        elif rule == "superior_majority":
            self.follow_superior_majority()
        elif rule == "best_neighbour_beliefs":
            self.follow_best_neighbour()
        else:
            self.copy_a_better_neighbour()

    def peer_chance(self, learner: ReferenceMember) -> float:
        """A member's chance to learn from peers: the rate, raised by mentoring."""
        return min(self.config.neighbour_learning_rate * learner.learning_rate, 1.0)

    def copy_a_better_neighbour(self) -> None:
        """Members may copy one belief from a better-performing neighbour (commsim's rule)."""
        cfg = self.config
        if cfg.neighbour_learning_rate == 0:
            return
        copies: list[tuple[ReferenceMember, ReferenceMember, int, int]] = []
        for learner in self.agents:
            if self.random.random() >= self.peer_chance(learner):
                continue
            peer = self.random_neighbour(learner)
            dim = self.random.randrange(cfg.m)
            if peer is None:
                continue
            if self.random.random() >= self.crossing_chance(peer.role, learner.role):
                continue
            theirs = peer.beliefs[dim]
            better = peer.performance > learner.performance  # performance from this step's act
            if better and theirs != 0 and theirs != learner.beliefs[dim]:
                copies.append((learner, peer, dim, theirs))
        for learner, peer, dim, theirs in copies:
            self.move_toward(learner, peer, dim, theirs)

    def move_toward(
        self, learner: ReferenceMember, peer: ReferenceMember, dim: int, theirs: int
    ) -> None:
        """One belief of ``learner`` moves toward ``theirs``, learnt from ``peer``."""
        new = step_toward(learner.beliefs[dim], theirs, self.config.socialisation_mode)
        learner.beliefs[dim] = new
        if new == self.code[dim] and self.code[dim] != 0 and self.code_source[dim] >= 0:
            self.counts["insights_adopted"] += 1
        self.record_flow(peer.role, learner.role)

    @staticmethod
    def best_of(
        members: list[ReferenceMember], basis: dict[ReferenceMember, float]
    ) -> ReferenceMember | None:
        """The member with the highest basis, the first in row order among equals (members
        are in row order); None if there is nobody."""
        best: ReferenceMember | None = None
        for member in members:
            if best is None or basis[member] > basis[best]:
                best = member
        return best

    def better_best(
        self, member: ReferenceMember, basis: dict[ReferenceMember, float]
    ) -> ReferenceMember | None:
        """``member``'s best neighbour if it does strictly better than ``member``, else None."""
        best = self.best_of(member.neighbours, basis)
        return best if best is not None and basis[best] > basis[member] else None

    def superior_majorities(
        self, member: ReferenceMember, basis: dict[ReferenceMember, float]
    ) -> list[int]:
        """Per dimension, the majority view (-1, 0 or +1) of the neighbours doing better."""
        superior = [j for j in member.neighbours if basis[j] > basis[member]]
        return [sign(sum(j.beliefs[dim] for j in superior)) for dim in range(self.config.m)]

    def best_neighbour_views(
        self, member: ReferenceMember, basis: dict[ReferenceMember, float]
    ) -> list[tuple[int, int]]:
        """(dim, view): where a better best neighbour holds a view ``member`` does not."""
        best = self.better_best(member, basis)
        if best is None:
            return []
        pairs = zip(member.beliefs, best.beliefs, strict=True)
        return [(dim, theirs) for dim, (own, theirs) in enumerate(pairs) if theirs not in (0, own)]

    def copy_best_or_search(self) -> None:
        """Lazer & Friedman's round (2007, pp. 677, 684).

        A member looks at its neighbours with probability velocity (times its learning
        rate). If it looks and its best neighbour scores strictly higher, it copies that
        neighbour's solution bit by bit, each bit failing with probability ``copy_error``
        (it keeps its own); if the result scores below its own solution it reverts to its
        status quo. Everyone else tries the other value of one random bit and keeps it if
        that scores strictly better.
        """
        cfg = self.config
        score = {member: self.score(member.beliefs) for member in self.agents}
        copies: list[tuple[ReferenceMember, ReferenceMember, list[int]]] = []
        searches: list[tuple[ReferenceMember, int, int]] = []
        for member in self.agents:
            looks = self.random.random() < self.peer_chance(member)
            best = self.better_best(member, score)
            if looks and best is not None:
                mix = [
                    own if self.random.random() < cfg.copy_error else theirs
                    for own, theirs in zip(member.beliefs, best.beliefs, strict=True)
                ]
                if self.score(mix) >= score[member]:  # else: back to the status quo (p. 684)
                    copies.append((member, best, mix))
            else:
                dim = self.random.randrange(cfg.m)
                searches.append((member, dim, self.task.better(member.beliefs, dim)))
        for member, best, mix in copies:
            member.beliefs = mix
            self.record_flow(best.role, member.role)
        for member, dim, value in searches:
            member.beliefs[dim] = value

    def superiority(self) -> dict[ReferenceMember, float]:
        """What makes a member superior (``superior_basis``): acted performance or the score
        of its beliefs, as they are now."""
        if self.config.superior_basis == "performance":
            return {member: member.performance for member in self.agents}
        return {member: self.score(member.beliefs) for member in self.agents}

    def follow_superior_majority(self) -> None:
        """Fang, Lee & Schilling's round: on each dimension where the neighbours who do better
        than a member hold a majority view it does not share, it moves toward that view with
        probability neighbour_learning_rate (times its learning rate)."""
        basis = self.superiority()
        moves: list[tuple[ReferenceMember, int, int]] = []
        for member in self.agents:
            for dim, majority in enumerate(self.superior_majorities(member, basis)):
                if majority in (0, member.beliefs[dim]):
                    continue
                if self.random.random() < self.peer_chance(member):
                    moves.append((member, dim, majority))
        self.step_all(moves)

    def follow_best_neighbour(self) -> None:
        """Miller, Zhao & Calantone's local search: a member whose best neighbour does better
        moves each belief where that neighbour holds a different view toward it, with
        probability neighbour_learning_rate (times its learning rate)."""
        basis = self.superiority()
        moves = [
            (member, dim, theirs)
            for member in self.agents
            for dim, theirs in self.best_neighbour_views(member, basis)
            if self.random.random() < self.peer_chance(member)
        ]
        self.step_all(moves)

    def step_all(self, moves: list[tuple[ReferenceMember, int, int]]) -> None:
        """Apply a network rule's decided moves: each belief one step toward the view (a
        flow from a group of neighbours, or one of them: no single source role)."""
        for member, dim, view in moves:
            member.beliefs[dim] = step_toward(
                member.beliefs[dim], view, self.config.socialisation_mode
            )
            self.counts["flows"] += 1

    def learn_code(self) -> None:
        """March's code learning: the code follows the majority of those who beat it.

        With voice on, a superior member's view counts only if they speak up (same chance
        as voicing an insight); in a community it must also cross the wall to research.
        The first ``self.tacit`` dimensions are tacit (Miller, Zhao & Calantone 2006): the
        code never learns them.
        """
        cfg = self.config
        code_score = self.score(self.code)
        group: list[list[int]] = []
        for agent in self.agents:
            if cfg.superior_basis == "performance":
                superior, view = agent.performance > code_score, agent.actions
            else:
                superior, view = self.score(agent.beliefs) > code_score, agent.beliefs
            if not superior:
                continue
            if cfg.community or cfg.voice:
                chance = self.crossing_chance(agent.role, RESEARCHER)
                if cfg.voice:
                    chance *= self.voice_probability(agent, self.listener(agent))
                if self.random.random() >= chance:
                    continue
            group.append(view)
        self.counts["superior_group"] = len(group)
        for dim in range(self.tacit, cfg.m):  # the tacit dimensions are beyond codification
            votes = sum(view[dim] for view in group)
            majority, margin = sign(votes), abs(votes)
            if majority == 0 or majority == self.code[dim]:
                continue
            if self.random.random() < 1.0 - (1.0 - cfg.code_learning_rate) ** margin:
                self.code[dim] = majority
                self.code_source[dim] = -1  # whatever insight stood here is superseded
                self.counts["code_changes"] += 1

    # --- mentoring ----------------------------------------------------------

    def mentor(self) -> None:
        """Each capacity builder may coach one neighbour: more safety, faster learning."""
        cfg = self.config
        for coach in self.agents:
            if coach.role != CAPACITY_BUILDER or self.random.random() >= cfg.mentoring_rate:
                continue
            mentee = self.random_neighbour(coach)
            if mentee is None:
                continue
            if self.random.random() >= self.crossing_chance(coach.role, mentee.role):
                continue
            mentee.safety = 1.0 - (1.0 - mentee.safety) * (1.0 - cfg.mentoring_safety_gain)
            gap = cfg.max_learning_rate - mentee.learning_rate
            mentee.learning_rate = cfg.max_learning_rate - gap * (1.0 - cfg.mentoring_learning_gain)
            self.counts["mentorings"] += 1

    # --- equilibrium -------------------------------------------------------------------

    def at_equilibrium(self) -> bool:
        """No rule can change a belief or the code any more: March's stable equilibrium, or
        the network's (docs/MODEL.md 7.16)."""
        cfg = self.config
        if cfg.turnover_rate or cfg.turbulence_rate or cfg.exploration_rate or self.pool:
            return False
        if any(spec.step > self.steps for spec in cfg.interventions):
            return False  # a scheduled change is still to come
        return self.code_settled() and self.network_settled()

    def code_settled(self) -> bool:
        """Everyone holds the code and nobody could beat it, even with lucky coins (trivially
        so when the code learns nothing and holds no view)."""
        cfg = self.config
        if cfg.code_learning_rate == 0 and not any(self.code):
            return True
        if any(agent.beliefs != self.code for agent in self.agents):
            return False
        code_score = self.score(self.code)
        for agent in self.agents:
            best = self.score(agent.beliefs)
            if cfg.superior_basis == "performance" and 0 in agent.beliefs:
                if cfg.task == "nk":
                    return False  # on a landscape a lucky coin's worth has no simple bound
                best += agent.beliefs.count(0)  # the most a coin flip can add
            if best > code_score:
                return False
        return True

    def network_settled(self) -> bool:
        """No neighbour can change any member's beliefs any more, by the configured rule."""
        cfg = self.config
        rule = cfg.peer_learning
        if rule == "random_neighbour":
            first = self.members[0].beliefs
            return cfg.neighbour_learning_rate == 0 or all(a.beliefs == first for a in self.agents)
        if cfg.superior_basis == "performance" and rule != "best_neighbour":
            return False  # a lucky coin may always make somebody superior
        score = {member: self.score(member.beliefs) for member in self.agents}
        for member in self.agents:
            if rule == "superior_majority":
                views = self.superior_majorities(member, score)
                moves = any(v not in (0, own) for v, own in zip(views, member.beliefs, strict=True))
            elif rule == "best_neighbour_beliefs":
                moves = bool(self.best_neighbour_views(member, score))
            else:  # best_neighbour: somebody would still copy
                moves = self.better_best(member, score) is not None
            if moves:
                return False
        if rule != "best_neighbour":
            return True
        return all(  # best_neighbour: and everyone sits on a local peak
            self.task.better(member.beliefs, dim) == member.beliefs[dim]
            for member in self.agents
            for dim in range(cfg.m)
        )

    # --- interventions -----------------------------------------------------------------

    @property
    def next_step(self) -> int:
        """The first step an intervention applied now shapes: this one, or (between steps) the
        next; its counts land in that step's row."""
        return self.steps if self._in_step or not self._rows else self.steps + 1

    def intervene(self, action: str, **params: Any) -> None:
        """Apply a named intervention now, validated against the same schema as configs."""
        try:
            spec = _SCHEMA.validate_python({"action": action, "step": self.next_step, **params})
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc.errors()[0], "intervention")) from None
        kwargs = spec.model_dump(exclude={"action", "step"})
        getattr(self, f"_{action}")(**kwargs)
        self.intervention_log.append(
            {"step": spec.step, "action": action, "params": json.dumps(kwargs, sort_keys=True)}
        )

    def _apply_scheduled(self) -> None:
        for spec in self.config.interventions:
            if spec.step == self.steps:
                self.intervene(spec.action, **spec.model_dump(exclude={"action", "step"}))

    def _raise_safety(self, amount: float, level: int | None = None) -> None:
        for agent in self.agents:
            if level is None or agent.level == level:
                agent.safety = min(agent.safety + amount, 1.0)

    def _set_punitiveness(self, value: float, level: int | None = None) -> None:
        leaders = {agent.manager for agent in self.agents if agent.manager is not None}
        for row in leaders:
            if level is None or self.members[row].level == level:
                self.members[row].punitiveness = value

    def _flatten_hierarchy(self) -> None:
        for agent in self.agents:
            agent.level = math.ceil(agent.level / 2)

    def _add_capacity_builders(self, share: float) -> None:
        practitioners = [agent for agent in self.agents if agent.role == PRACTITIONER]
        for agent in self.random.sample(practitioners, round(share * len(practitioners))):
            agent.role = CAPACITY_BUILDER

    def _set_integration(self, value: float) -> None:
        self.integration = value

    def _reorganisation_shock(self, share: float, min_level: int = 1) -> None:
        senior = [agent for agent in self.agents if agent.level >= min_level]
        self.replace([agent for agent in senior if self.random.random() < share])

    def _set_accountability(self, value: float) -> None:
        self.blame_bias = value

    def _train_just_culture(self, amount: float) -> None:
        self.attribution_accuracy = min(self.attribution_accuracy + amount, 1.0)

    def _set_rigour(self, verifications: int) -> None:
        self.verifications_required = verifications

    def _set_goal_hierarchy(self, value: float) -> None:
        self.goal_hierarchy = value

    def _set_exploration_fear(self, value: float) -> None:
        self.exploration_fear = value

    def _set_hero_dependence(self, value: float) -> None:
        self.hero_dependence = value

    def _close_the_loop(self, feedback: float = 1.0) -> None:
        self.report_feedback = feedback

    def _ease_reporting(self, cost: float = 0.0) -> None:
        self.voice_cost = cost

    def _set_standardization(self, value: float) -> None:
        self._units().standardization = value

    def _analyse_root_causes(self, share: float) -> None:
        self._units().root_cause_analysis = share

    def _share_incident_reports(self, reach: float) -> None:
        self._units().incident_sharing = reach

    def _hold_cross_unit_reviews(self, rate: float, steps: int = 0) -> None:
        units = self._units()
        units.cross_unit_reviews = rate
        units.reviews_until = self.next_step + steps if steps else -1

    def _units(self) -> ReferenceUnits:
        if self.units is None:
            raise ConfigError("this lever acts on units: needs units > 0")
        return self.units

    def _reality_shock(self, share: float) -> None:
        if not isinstance(self.task, Reality):
            raise ConfigError("the reference model keeps an NK landscape fixed: no reality_shock")
        self.task.shock(share, self.random)

    def _structural_shock(self, share: float) -> None:
        if not isinstance(self.task, Reality):
            raise ConfigError(
                "the reference model keeps an NK landscape fixed: no structural_shock"
            )
        knowledge = statistics.fmean(agent.knowledge for agent in self.agents)
        self.shock, self.recovery = (self.next_step, knowledge), math.nan
        self.task.restructure(share, self.random)

    # --- data --------------------------------------------------------------------------

    def _record(self) -> None:
        """This step's metrics, computed member by member as metrics.py defines them."""
        cfg, counts, m = self.config, self.counts, self.config.m
        knowledge = [agent.knowledge for agent in self.agents]
        diversity = 0.0
        for dim in range(m):
            column = [agent.beliefs[dim] for agent in self.agents]
            plus, minus = column.count(1) / len(column), column.count(-1) / len(column)
            diversity += 1.0 - plus**2 - minus**2 - (1.0 - plus - minus) ** 2
        row: dict[str, Any] = {
            "step": self.steps,
            "code_knowledge": self.task.knowledge(self.code),
            "code_accuracy": sum(c == t for c, t in zip(self.code, self.task.target, strict=True))
            / m,
            "mean_knowledge": statistics.fmean(knowledge),
            "knowledge_sd": statistics.pstdev(knowledge),
            "belief_diversity": diversity / m,
            "slow_knowledge": _mean([a.knowledge for a in self.agents if not a.fast]),
            "fast_knowledge": _mean([a.knowledge for a in self.agents if a.fast]),
            "mean_safety": statistics.fmean(agent.safety for agent in self.agents),
            "mean_learning_rate": statistics.fmean(agent.learning_rate for agent in self.agents),
            "integration": float(self.integration),
        }
        row.update({name: counts[name] for name in COUNTERS})
        row["voice_rate_upward"] = _ratio(counts["insights_spoken"], counts["voice_opportunities"])
        row["cross_role_share"] = _ratio(counts["cross_role_flows"], counts["flows"])
        row["insights_in_flight"] = len(self.pool)
        if cfg.tension_gain > 0:
            window = self.efforts[-cfg.advancement_window - 1 :]
            row["exploration_effort"] = self.effort
            row["learning_gap"], row["performance_gap"] = self.gaps
            row["effort_oscillation"] = statistics.pstdev(window)
        if cfg.tension_gain > 0 or cfg.verifications_required > 1:
            row["wrong_codifications"] = counts["wrong_codifications"]
            row["codification_delay"] = _mean(self.delays)
        self._record_fear(row)
        if self.units is not None:
            row.update(self.units.metrics())
        if cfg.entrenchment_or_reframing:
            row.update(self._double_loop_metrics(statistics.fmean(knowledge)))
        row["interventions"] = ";".join(
            e["action"] for e in self.intervention_log if e["step"] == self.steps
        )
        if self.config.incident_rate > 0:
            row.update(self._just_culture_row())
        if self.config.reporting:
            row.update(self._reporting_row())
        self._rows.append(row)
        self.counts = Counter()  # what happens next counts toward the next row
        self.spoken, self.ended = [], []

    def _reporting_row(self) -> dict[str, Any]:
        """The cost of speaking up's columns (7.22), member by member."""
        counts, agents = self.counts, list(self.agents)
        right = reused = 0
        for agent in agents:
            for dim, belief in enumerate(agent.beliefs):
                if belief != self.reality[dim]:
                    continue
                right += 1
                from_insight = self.code_source[dim] >= 0 and self.code[dim] == belief
                reused += from_insight and self.code_team[dim] != team(agent)
        return {
            "mean_willingness": statistics.fmean(a.willingness for a in agents),
            "reports_closed": counts["reports_closed"],
            "reports_answered": counts["reports_answered"],
            "feedback_rate": _ratio(counts["reports_answered"], counts["reports_closed"]),
            "knowledge_reuse": _ratio(reused, right),
            "collaboration_density": counts["flows"] / len(agents),
            "mean_performance": self.mean_performance,
        }

    def _just_culture_row(self) -> dict[str, float]:
        """The just-culture columns (7.19), as just_culture.py defines them."""
        counts = self.counts
        names = (
            "incidents",
            "negligent_incidents",
            "repeat_incidents",
            "incidents_reported",
            "incidents_blamed",
            "incidents_correctly_attributed",
            "flaws_fixed",
        )
        slots = [flaw.open for team in self.flaws.values() for flaw in team]
        return {name: counts[name] for name in names} | {
            "reporting_rate": _ratio(counts["incidents_reported"], counts["incidents"]),
            "repeat_incident_rate": _ratio(counts["repeat_incidents"], counts["incidents"]),
            "correct_attribution_share": _ratio(
                counts["incidents_correctly_attributed"], counts["incidents_reported"]
            ),
            "true_error_rate": counts["incidents"] / len(self.members),
            "open_flaw_share": sum(slots) / len(slots),
            "mean_carelessness": statistics.fmean(a.carelessness for a in self.members),
        }

    def _record_fear(self, row: dict[str, Any]) -> None:
        """The columns of fear and of relying on a hero (7.24), where they are on."""
        cfg, counts = self.config, self.counts
        if cfg.exploration_fear > 0:
            row["experiments"] = counts["experiments"]
            row["experiments_forgone"] = counts["experiments_forgone"]
        if cfg.leadership == "hero" and cfg.hero_dependence > 0:
            others = [agent.learning_rate for agent in self.agents if agent is not self.top]
            row["others_learning_rate"] = statistics.fmean(others)
            held = sum(value != 0 for value in self.code)
            written = sum(source >= 0 for source in self.code_source)
            row["hero_share"] = written / held if held else float("nan")

    def _double_loop_metrics(self, knowledge: float) -> dict[str, float]:
        """Section 7.21's columns: its counts, the code's age and rigidity, the recovery."""
        counts, steps = self.counts, self.steps
        names = ("belief_changes", "entrenched", "code_entrenched", "reframings")
        names += ("double_loop_changes",)
        row: dict[str, float] = {name: counts[name] for name in names}
        row["double_loop_share"] = _ratio(counts["double_loop_changes"], counts["belief_changes"])
        ages = [steps - changed for changed in self.code_changed]
        row["code_age"] = statistics.fmean(ages)
        horizon = self.config.entrenchment_horizon
        row["code_rigidity"] = sum(age >= horizon for age in ages) / len(ages)
        if self.shock is not None and math.isnan(self.recovery):
            start, level = self.shock
            if steps >= start and knowledge >= level:
                self.recovery = float(steps - start + 1)
        row["recovery_time"] = self.recovery
        return row

    def model_frame(self) -> pd.DataFrame:
        """One row per step (step 0 is the initial state), the fast model's column names."""
        return pd.DataFrame(self._rows)


class ReferenceUnits:
    """Units with local conditions and their practices (docs/MODEL.md 7.20), unit by unit and
    member by member. The units and where each unit's reality differs come from the shared
    builders (``assign_units``, ``local_signs``); every rule is re-implemented here."""

    def __init__(self, model: ReferenceModel, signs: list[list[int]], manager: Any) -> None:
        cfg = model.config
        self.model = model
        self.signs = signs  # -1 where unit u's reality is the opposite of the shared one
        for member, unit in zip(model.members, assign_units(manager, cfg.units), strict=True):
            member.unit = int(unit)
        m = cfg.m
        self.practice = [[0] * m for _ in signs]
        high = round(cfg.high_stakes_share * m)
        self.high_stakes = [dim >= m - high for dim in range(m)]
        self.spreading = [-1] * m  # the step a right practice appeared in some unit, or -1
        self.standardization = cfg.standardization
        self.root_cause_analysis = cfg.root_cause_analysis
        self.incident_sharing = cfg.incident_sharing
        self.cross_unit_reviews = cfg.cross_unit_reviews
        self.reviews_until = -1

    def truth(self, unit: int, dim: int) -> int:
        """Dimension ``dim`` of unit ``unit``'s reality: the shared one, or its opposite."""
        return self.signs[unit][dim] * self.model.reality[dim]

    def members_of(self, unit: int) -> list[ReferenceMember]:
        return [agent for agent in self.model.agents if agent.unit == unit]

    def socialise(self, member: ReferenceMember) -> None:
        """Each belief learns from the code (chance ``standardization``) or from the
        member's unit's practice; the wall to research stands only before the code."""
        model, cfg = self.model, self.model.config
        access = model.crossing_chance(member.role, RESEARCHER)
        base = member.socialisation_rate * member.learning_rate
        for dim in range(cfg.m):
            from_code = self.random() < self.standardization
            tried = self.random()
            source = model.code[dim] if from_code else self.practice[member.unit][dim]
            p = min(base * access, 1.0) if from_code else min(base, 1.0)
            if source == 0 or member.beliefs[dim] == source or tried >= p:
                continue
            member.beliefs[dim] = step_toward(member.beliefs[dim], source, cfg.socialisation_mode)
            if from_code and member.beliefs[dim] == source and model.code_source[dim] >= 0:
                model.counts["insights_adopted"] += 1
            research = from_code and cfg.community
            model.record_flow(RESEARCHER if research else member.role, member.role)

    def random(self) -> float:
        return self.model.random.random()

    def review_across_units(self) -> None:
        """Cross-unit reviews: decided on the beliefs at the start, then applied."""
        model, cfg = self.model, self.model.config
        rate = self.cross_unit_reviews
        if 0 <= self.reviews_until <= model.steps:
            rate = 0.0
        if rate == 0:
            return
        taken: list[tuple[ReferenceMember, int, int]] = []
        for member in model.agents:
            if self.random() >= rate:
                continue
            colleague = model.members[model.random.randrange(cfg.n_agents)]
            dim = model.random.randrange(cfg.m)
            theirs = colleague.beliefs[dim]
            if colleague.unit == member.unit or theirs in (0, member.beliefs[dim]):
                continue
            if model.observe(member.beliefs, dim, cfg.practice_noise, member) == theirs:
                taken.append((member, dim, theirs))
        for member, dim, theirs in taken:
            member.beliefs[dim] = theirs
            model.counts["cross_unit_learnings"] += 1

    def learn_practices(self) -> None:
        """Each unit's practice learns from its superior members, as the code does; then
        adverse events and their analysis; then the spread of right practices."""
        model, cfg = self.model, self.model.config
        for unit, practice in enumerate(self.practice):
            score = sum(p * self.truth(unit, dim) for dim, p in enumerate(practice))
            group = [a.actions for a in self.members_of(unit) if a.performance > score]
            for dim in range(model.tacit, cfg.m):
                votes = sum(actions[dim] for actions in group)
                majority = sign(votes)
                if majority in (0, practice[dim]):
                    continue
                if self.random() < 1.0 - (1.0 - cfg.code_learning_rate) ** abs(votes):
                    practice[dim] = majority
                    model.counts["practice_changes"] += 1
        self.analyse_adverse_events()
        self.track_spread()

    def analyse_adverse_events(self) -> None:
        """Count wrong actions on high-stakes dimensions; analyse each problem (unit and
        dimension) once, with chance ``root_cause_analysis``; its finding reaches its own
        unit and each other unit with chance ``incident_sharing``."""
        model, cfg = self.model, self.model.config
        problems: set[tuple[int, int]] = set()
        for member in model.agents:
            for dim, action in enumerate(member.actions):
                if self.high_stakes[dim] and action != self.truth(member.unit, dim):
                    model.counts["adverse_events"] += 1
                    problems.add((member.unit, dim))
        if self.root_cause_analysis == 0:
            return
        for origin, dim in sorted(problems):
            if self.random() >= self.root_cause_analysis:
                continue
            model.counts["incident_analyses"] += 1
            for unit in range(len(self.practice)):
                if unit != origin and not (
                    self.incident_sharing > 0 and self.random() < self.incident_sharing
                ):
                    continue
                truth = self.truth(unit, dim)
                self.practice[unit][dim] = -truth if self.random() < cfg.research_noise else truth

    def track_spread(self) -> None:
        """Innovations: right in some unit's practice, not all; spread when right in all."""
        model = self.model
        for dim, since in enumerate(self.spreading):
            right = [p[dim] == self.truth(u, dim) for u, p in enumerate(self.practice)]
            if since >= 0 and all(right):
                model.counts["innovations_spread"] += 1
                model.counts["innovation_spread_steps"] += model.steps - since
                self.spreading[dim] = -1
            elif since >= 0 and not any(right):
                self.spreading[dim] = -1
            elif since < 0 and any(right) and not all(right):
                self.spreading[dim] = model.steps

    def metrics(self) -> dict[str, float]:
        """The units' columns of this step's row (their counters included)."""
        model, m = self.model, self.model.config.m
        knowledge: dict[int, list[float]] = {u: [] for u in range(len(self.practice))}
        for member in model.agents:
            score = sum(b * self.truth(member.unit, d) for d, b in enumerate(member.beliefs))
            knowledge[member.unit].append(score / m)
        everyone = [k for values in knowledge.values() for k in values]
        means = [_mean(values) if values else 0.0 for values in knowledge.values()]
        practice = [
            sum(p * self.truth(u, d) for d, p in enumerate(row)) / m
            for u, row in enumerate(self.practice)
        ]
        counts = model.counts
        row: dict[str, float] = {
            metric.name: counts[metric.name] for metric in UNIT_METRICS if metric.kind != "state"
        }
        row["local_knowledge"] = statistics.fmean(everyone)
        row["unit_outcome_variance"] = statistics.pvariance(means)
        row["practice_knowledge"] = statistics.fmean(practice)
        row["innovation_spread_time"] = _ratio(
            counts["innovation_spread_steps"], counts["innovations_spread"]
        )
        return row


def _changes_landscape(cfg: Config) -> bool:
    """Whether a run would redraw parts of its task environment (turbulence, a shock)."""
    shocks = any(spec.action in ("reality_shock", "structural_shock") for spec in cfg.interventions)
    return cfg.turbulence_rate > 0 or shocks


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")
