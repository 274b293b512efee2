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

One step, in the order of ``CommunityModel.step`` (``DEFAULT_PHASES``, numbered as in
docs/MODEL.md, section 3):

1. scheduled interventions    5. exploration -> insights   9. peers
2. turnover                   6. voice                     10. code learning
3. turbulence                 7. verification and codification   11. mentoring
4. acting, performance        8. socialisation             12. drift to the leaders' climate
then the metrics row. With entrenchment or double-loop learning on (7.21), members' beliefs
and the code are noted after 4, and entrenchment then reframing run after 10.
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
    closed: bool = False  # it left the pool this step (punished, verified, walled, ...)


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
        # p1 belongs to the position: a newcomer here socialises at the same rate
        self.socialisation_rate = cfg.fast_socialisation_rate if fast else cfg.socialisation_rate
        self.neighbours: list[ReferenceMember] = []  # filled in once every member exists
        self.beliefs: list[int] = []
        self.safety = 0.0
        self.learning_rate = 1.0
        self.punitiveness = 0.0
        self.joined = 0
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

    @property
    def boss(self) -> ReferenceMember | None:
        return None if self.manager is None else self.model.members[self.manager]

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
        self.performance = self.model.score(self.actions)

    def explore(self) -> None:
        """Practitioners and researchers may test one belief; a surprise is an insight."""
        cfg = self.model.config
        if self.role == CAPACITY_BUILDER or self.random.random() >= cfg.exploration_rate:
            return
        dim = self.random.randrange(cfg.m)
        noise = cfg.research_noise if self.role == RESEARCHER else cfg.practice_noise
        seen = self.model.observe(self.beliefs, dim, noise)
        if seen != self.beliefs[dim]:
            self.beliefs[dim] = seen
            self.model.new_insight(self, dim, seen)

    def socialise(self) -> None:
        """Move toward the code where it holds a view this member does not share."""
        model, cfg = self.model, self.model.config
        access = model.crossing_chance(self.role, RESEARCHER)  # the code is research's product
        p = min(self.socialisation_rate * self.learning_rate * access, 1.0)
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
        leader = self if self.boss is None else self.boss
        climate = 1.0 - leader.punitiveness
        self.safety += self.model.config.climate_drift * (climate - self.safety)


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

        self.code: list[int] = [0] * m  # the organisational code, March's memory
        self.tacit = round(cfg.tacit_share * m)  # the first dimensions, never codified
        self.code_source: list[int] = [-1] * m  # the insight behind each dimension, or -1
        self.integration = cfg.integration
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
        frames = cfg.entrenchment > 0 or cfg.double_loop_rate > 0  # 7.21
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
        for agent in self.agents:
            agent.socialise()
        self.learn_from_peers()
        self.learn_code()
        if frames:
            for agent in self.agents:
                agent.entrench()
            for dim in range(cfg.m):
                if self.code[dim] != self.code_before[dim]:
                    self.code_changed[dim] = self.steps
        if cfg.double_loop_rate > 0:
            for agent in self.agents:
                agent.reframe()
        if cfg.community:
            self.mentor()
        for agent in self.agents:
            agent.drift_to_climate()
        self._in_step = False
        self._record()
        if cfg.stop_at_equilibrium and self.at_equilibrium():
            self.running = False

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

    def observe(self, beliefs: list[int], dim: int, noise: float) -> int:
        """Noisy feedback on one dimension, given the rest of ``beliefs``: the better value,
        flipped with probability ``noise``."""
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
        return speaker.safety * (1.0 - self.config.authority_gradient) ** gap

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

    # --- phase 6: voice ----------------------------------------------------------------

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
                dissent = insight.value != target.beliefs[insight.dim]
                if dissent and self.random.random() < target.punitiveness:
                    punished[holder] += 1
                    self.counts["insights_punished"] += 1
                    insight.closed = True  # the voice dies here
                else:
                    appreciated[holder] += 1
                    self.counts["insights_voiced"] += 1
                    insight.stage, insight.since = AWAITING_VERIFICATION, step
                    insight.closed = not research  # heard, with nobody to take it further
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

    # --- phase 7: verification and codification ----------------------------------------

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
            else:
                insight.verifier = self.random.choice(researchers)
                chance = self.crossing_chance(insight.holder.role, insight.verifier.role)
                if self.random.random() >= chance:
                    self.counts["insights_walled"] += 1
                    insight.closed = True
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

        # 3. in the pool's order (oldest first), verifiers check reality and learn either way
        served.sort(key=lambda insight: insight.id)
        noise = cfg.practice_noise if hero else cfg.research_noise
        verified: list[Insight] = []
        for insight in served:
            verifier = insight.verifier
            assert verifier is not None
            seen = self.observe(insight.holder.beliefs, insight.dim, noise)
            verifier.beliefs[insight.dim] = seen
            self.record_flow(insight.holder.role, verifier.role)
            if seen == insight.value:
                self.counts["insights_verified"] += 1
                verified.append(insight)
            else:
                self.counts["insights_refuted"] += 1
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
                self.counts["insights_codified"] += 1

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

    # --- phase 11: mentoring ----------------------------------------------------------

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
        cfg = self.config
        counts, m = self.counts, cfg.m
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
        if cfg.entrenchment > 0 or cfg.double_loop_rate > 0:
            row.update(self._double_loop_metrics(statistics.fmean(knowledge)))
        row["interventions"] = ";".join(
            e["action"] for e in self.intervention_log if e["step"] == self.steps
        )
        self._rows.append(row)
        self.counts = Counter()  # what happens next counts toward the next row

    def _double_loop_metrics(self, knowledge: float) -> dict[str, float]:
        """Section 7.21's columns: its counts, the code's age and rigidity, the recovery."""
        counts, steps = self.counts, self.steps
        names = ("belief_changes", "entrenched", "reframings", "double_loop_changes")
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


def _changes_landscape(cfg: Config) -> bool:
    """Whether a run would redraw parts of its task environment (turbulence, a shock)."""
    shocks = any(spec.action in ("reality_shock", "structural_shock") for spec in cfg.interventions)
    return cfg.turbulence_rate > 0 or shocks


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")
