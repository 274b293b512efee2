"""``CommunityModel``: a learning community on Mesa, its state held in NumPy arrays.

A step runs the model's ``phases`` that its config switches on, in order, then records the
metrics; ``phases.DEFAULT_PHASES`` is the documented order (docs/MODEL.md, section 3):
scheduled interventions, turnover, turbulence, acting, exploration, voice, verification and
codification, socialisation, peer learning, code learning, mentoring, climate drift. Each
phase is a function of the ``World`` (``world.py``), the run's whole state; this class is its
Mesa face: it builds the world, runs the phases, records the tables, and shows members as
Mesa agents on demand.

With practice, voice, community and peers switched off, turnover, turbulence, acting,
socialisation and code learning are exactly March's (1991) model (configs/march1991.toml).
The task environment (``environment.py``: March's reality or an NK landscape), the network
and the peer rule (``peers.py``) are chosen by the config, so Lazer & Friedman (2007) and
Fang, Lee & Schilling (2010) are special cases of the same model too
(configs/lazer_friedman2007.toml, configs/fang2010.toml).

A subclass, or an installed extension a scenario names, adds phases, metrics and levers
(docs/EXTENDING.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from commsim.catalogue import Catalogue, Extension, Lever, Metric, Phase, distinct
from commsim.config import Config, load_config
from commsim.model import kernels, levers
from commsim.model.agents import Member
from commsim.model.environment import TaskEnvironment, make_environment
from commsim.model.insights import InsightLedger
from commsim.model.levers import LEVERS, apply_scheduled
from commsim.model.memory import OrgMemory
from commsim.model.metrics import METRICS, collect, collect_extra, track
from commsim.model.organisation import Ties, build_hierarchy, build_network
from commsim.model.peers import settled
from commsim.model.phases import DEFAULT_PHASES, MECHANISM_METRICS, compose
from commsim.model.state import PRACTITIONER, ROLE_NAMES, OrgState, draw_punitiveness
from commsim.model.world import World


def assign_roles(config: Config, rng: np.random.Generator) -> np.ndarray:
    """Roles in the configured shares, placed at random in the organisation."""
    n = config.n_agents
    if not config.community:
        return np.full(n, PRACTITIONER, dtype=np.int8)
    shares = np.array(
        [config.practitioner_share, config.researcher_share, config.capacity_builder_share]
    )
    counts = np.floor(shares * n).astype(np.int64)
    counts[0] += n - counts.sum()
    roles = np.repeat(np.arange(3, dtype=np.int8), counts)
    return rng.permutation(roles)


# tags the generator that places fast learners: a stream of the seed's own, not model.rng
_FAST_LEARNER_STREAM = 1991


def assign_fast_learners(config: Config) -> np.ndarray:
    """The positions that socialise at ``fast_socialisation_rate``: ``round(share * N)`` of them.

    They are the first ones of a random order of the positions drawn from a generator of
    their own, seeded by ``(seed, _FAST_LEARNER_STREAM)``. The model's generator is never
    touched, so every other draw of a run is the same whatever the share (a share of 0 draws
    nothing at all), and for one seed the fast positions of a larger share include those of a
    smaller one. Like roles, fast positions are independent of level.
    """
    n = config.n_agents
    fast = np.zeros(n, dtype=bool)
    k = round(config.fast_learner_share * n)
    if k:
        order = np.random.default_rng([config.seed, _FAST_LEARNER_STREAM]).permutation(n)
        fast[order[:k]] = True
    return fast


class Start(NamedTuple):
    """A run at step 0 before its world: the org chart and what is drawn from the run's
    generator, in this order (its random stream): the task, the beliefs, the roles, the
    leaders' punitiveness, the ties (``fast`` has a generator of its own)."""

    environment: TaskEnvironment
    level: np.ndarray
    manager: np.ndarray
    fast: np.ndarray
    beliefs: np.ndarray
    role: np.ndarray
    punitiveness: np.ndarray
    ties: Ties


def draw_start(cfg: Config, rng: np.random.Generator) -> Start:
    """The run's draws at step 0, in their order (``build_world`` makes its world of them)."""
    n = cfg.n_agents
    environment = make_environment(cfg, rng)
    chart = cfg.org_chart
    if chart is None:
        level, manager = build_hierarchy(n, cfg.span_of_control)
    else:
        level, manager = chart.level.copy(), chart.manager.copy()
    beliefs = environment.initial_beliefs(rng, n)
    role = assign_roles(cfg, rng)
    punitiveness = draw_punitiveness(rng, n, cfg.punitiveness, cfg.punitiveness_spread)
    ties = build_network(cfg, manager, rng)
    return Start(environment, level, manager, assign_fast_learners(cfg), beliefs, role,
                 punitiveness, ties)  # fmt: skip


def socialisation_rates(cfg: Config, fast: np.ndarray) -> np.ndarray:
    """Each position's socialisation rate: the fast learners' or everyone else's."""
    return np.where(fast, cfg.fast_socialisation_rate, cfg.socialisation_rate)


def build_world(cfg: Config, catalogue: Catalogue, rng: np.random.Generator) -> World:
    """A run's world at step 0, before any extension's setup (``draw_start``'s draws)."""
    start = draw_start(cfg, rng)
    n, fast = cfg.n_agents, start.fast
    state = OrgState(
        beliefs=start.beliefs,
        safety=np.full(n, cfg.initial_safety),
        learning_rate=np.ones(n),
        level=start.level,
        manager=start.manager,
        role=start.role,
        fast=fast,
        socialisation_rate=socialisation_rates(cfg, fast),
        punitiveness=start.punitiveness,
        joined=np.zeros(n, dtype=np.int64),
        code=np.zeros(cfg.m, dtype=np.int8),
    )
    if cfg.org_chart is not None:  # (it draws nothing)
        cfg.org_chart.apply(state, cfg.org_chart_roles, cfg.community)
    return World(
        config=cfg,
        state=state,
        environment=start.environment,
        ties=start.ties,
        rng=rng,
        counters=catalogue.counters,
        levers={lever.name: lever for lever in catalogue.levers},
    )


#: the built-in metrics, by identity (dataclass equality is slow)
_BUILT_IN = frozenset(map(id, METRICS))

#: the metrics of a catalogue's that are not built in, by the identity of its metrics (kept)
_BEYOND: dict[int, tuple[tuple[Metric, ...], tuple[Metric, ...]]] = {}

#: ``catalogue_for``'s, by model class and the identities of its two sets of extensions
_CATALOGUES: dict[tuple[type, int, int], tuple[Any, Any, Catalogue]] = {}


def extra_metrics(catalogue: Catalogue, config: Config) -> tuple[Metric, ...]:
    """The metrics of a run beyond the built-in ones (an extension's, where it is on)."""
    metrics = catalogue.metrics
    known = _BEYOND.get(id(metrics))
    if known is None or known[0] is not metrics:
        known = _BEYOND[id(metrics)] = (
            metrics,
            tuple(m for m in metrics if id(m) not in _BUILT_IN),
        )
    return enabled(known[1], config)


def enabled[T: (Phase, Metric)](parts: tuple[T, ...], config: Config) -> tuple[T, ...]:
    """The phases or metrics that ``config`` switches on, each distinct test asked once (a
    mechanism's parts share theirs: a run asked 30 where 6 differ), the parts chosen by the
    same answers made once."""
    known = _ENABLED.get(id(parts))
    if known is None or known[0] is not parts:
        known = _ENABLED[id(parts)] = (parts, tuple(dict.fromkeys(p.enabled for p in parts)), {})
    _, tests, chosen = known
    verdicts = tuple(test(config) for test in tests)
    if verdicts not in chosen:
        said = dict(zip(tests, verdicts, strict=True))
        chosen[verdicts] = tuple(part for part in parts if said[part.enabled])
    return chosen[verdicts]


#: ``enabled``'s, by the identity of the parts (kept): their distinct tests, and the parts
#: each set of answers chooses
_ENABLED: dict[int, tuple[tuple[Any, ...], tuple[Any, ...], dict[tuple[bool, ...], Any]]] = {}


def _block_of(phases: Sequence[Phase]) -> Any:
    """The compiled block among a run's phases (``fused.march.fuse_block``'s one phase of
    March's), or None where there is not exactly one."""
    blocks = [phase.run for phase in phases if phase.name == "march_block"]
    return blocks[0] if len(blocks) == 1 else None


def may_settle(world: World, step: int) -> bool:
    """Nothing but the beliefs and the code stands between the run at ``step`` and
    equilibrium: no rate that keeps changing things, no change still scheduled, no insight
    in flight."""
    cfg = world.config
    if cfg.turnover_rate or cfg.turbulence_rate or cfg.exploration_rate:
        return False
    if any(spec.step > step for spec in cfg.interventions):
        return False  # a scheduled change is still to come
    return not world.ledger.pool_id.size


def sample_rows(config: Config, rng: np.random.Generator) -> np.ndarray:
    """The members whose state the agent table samples (drawn after the world; a sample of
    none draws nothing, as ``choice`` of none would not)."""
    n, size = config.n_agents, min(config.agent_sample_size, config.n_agents)
    if not size:
        return np.empty(0, np.int64)
    return np.sort(rng.choice(n, size=size, replace=False))


class CommunityModel(mesa.Model):
    """Members with mental models, safety and roles, on an org chart with informal ties.

    A subclass changes the model by its class attributes: ``phases`` (the step, in order),
    ``metrics`` and ``levers``, and ``extensions`` always switched on. A scenario's
    ``extensions`` add those of installed packages.
    """

    phases: ClassVar[tuple[Phase, ...]] = DEFAULT_PHASES
    metrics: ClassVar[tuple[Metric, ...]] = METRICS + MECHANISM_METRICS
    levers: ClassVar[tuple[Lever, ...]] = LEVERS
    extensions: ClassVar[tuple[Extension, ...]] = ()
    #: run March's block of phases as one compiled call where a run allows it (``fused``)
    fuse_phases: ClassVar[bool] = True

    def __init__(self, config: Config | dict[str, Any] | str | None = None, **overrides: Any):
        cfg = load_config(config, extensions=type(self).extensions, **overrides)
        super().__init__(rng=cfg.seed)
        self.config = cfg
        self.catalogue = type(self).catalogue_for(cfg)
        self._active = enabled(self.catalogue.phases, cfg)
        self._extra_metrics = extra_metrics(self.catalogue, cfg)
        self.world = build_world(cfg, self.catalogue, self.rng)
        if type(self).fuse_phases and kernels.HAVE_NUMBA:
            from commsim.model.fused import fuse  # imports numba: only when it runs

            self._active = fuse(self._active, self.world)
        self.sample_rows = sample_rows(cfg, self.rng)
        for extension in self.catalogue.extensions:  # their own state, after every draw above
            if extension.setup is not None:
                self.world.extra[extension.name] = extension.setup(self.world)
        self._rows: list[dict[str, Any]] = []
        self._every: int | None = 1  # a row every step; ``run(record_every=...)`` thins them
        self._last = 0  # the step ``run`` ends at
        self._carried = dict.fromkeys(self.catalogue.events_of(cfg), 0)  # of rows not kept
        self._agent_frames: list[dict[str, np.ndarray]] = []
        self._grid: Network | None = None
        self._views: list[Member] | None = None
        self._persons: np.ndarray | None = None  # the sampled people's labels, made once
        apply_scheduled(self.world)  # those scheduled for step 0, before its row
        self._record()

    @classmethod
    def catalogue_for(cls, config: Config) -> Catalogue:
        """The phases, metrics and levers a run of ``config`` has (no model is built); made
        once per model class and set of extensions (a run of a sweep would pay 30 us)."""
        ours, theirs = cls.extensions, type(config).extended_by
        made = _CATALOGUES.get((cls, id(ours), id(theirs)))
        if made is not None and made[0] is ours and made[1] is theirs:
            return made[2]
        extensions = distinct(ours + theirs)
        catalogue = Catalogue(
            phases=compose(cls.phases, (p for e in extensions for p in e.phases)),
            metrics=cls.metrics + tuple(m for e in extensions for m in e.metrics),
            levers=cls.levers + tuple(lever for e in extensions for lever in e.levers),
            extensions=extensions,
        )
        _CATALOGUES[cls, id(ours), id(theirs)] = (ours, theirs, catalogue)  # keeps the ids
        return catalogue

    @classmethod
    def leaps(cls, config: Config) -> bool:
        """Whether a run of ``config`` is March's block alone, start to end, with nothing
        else recorded or run (``fused.march``): its steps can then go many to a compiled
        call, and its world needs no Mesa model (``last_row``, ``fused.ensemble``)."""
        cfg = config
        plain = cls.step is CommunityModel.step and cls.run is CommunityModel.run
        if not (plain and cls.fuse_phases and kernels.HAVE_NUMBA) or cfg.agent_sample_size:
            return False
        catalogue = cls.catalogue_for(cfg)
        if extra_metrics(catalogue, cfg):
            return False
        if any(extension.setup is not None for extension in catalogue.extensions):
            return False
        from commsim.model.fused.march import alone, block_start

        phases = enabled(catalogue.phases, cfg)
        return block_start(phases, cfg) is not None and alone(phases, cfg)

    @classmethod
    def knowledge_at_end(cls, configs: Sequence[Config]) -> dict[str, np.ndarray]:
        """Runs that each ``leaps``, of one shape, advanced together in one compiled call:
        each one's last step and ``metrics.KNOWLEDGE`` there, as columns (``fused.ensemble``;
        the numbers of ``last_row``)."""
        from commsim.model.fused.ensemble import knowledge_at_end

        return knowledge_at_end(configs)

    @classmethod
    def last_row(cls, config: Config) -> dict[str, Any] | None:
        """The row that ``cls(config).run(record_every=None)`` records at its end, its event
        counts those of the whole run, where the whole run is March's block (``leaps``);
        None for any other run. Its steps go in one compiled call, and neither the Mesa
        model nor the step-0 row (which has no events: nothing is scheduled) is made: a
        sweep of March's small runs pays a third as much per run. The same numbers as the
        model's (``tests/test_fused.py``)."""
        cfg = config
        if not cls.leaps(cfg):
            return None
        from commsim.model.fused.march import fuse_block
        from commsim.model.fused.pcg import generator_state

        catalogue = cls.catalogue_for(cfg)
        rng = np.random.default_rng(cfg.seed)  # as Mesa makes the model's
        world = build_world(cfg, catalogue, rng)
        state = generator_state(rng)
        if state is None:
            return None
        block = _block_of(fuse_block(enabled(catalogue.phases, cfg), world, state))
        if block is None:
            return None
        track(world)  # step 0's history
        world.started = True
        settle = cfg.stop_at_equilibrium and may_settle(world, 0)
        taken, _, earlier, scores = block.advance(world, cfg.steps, settle)
        world.step = taken
        world.knowledge_history.extend((scores[:-1] / cfg.m).tolist())  # the last: its row's
        row = collect(world)
        for name, value in earlier.items():
            row[name] += value
        return row

    # --- the world, as the Mesa model shows it ------------------------------------------

    @property
    def state(self) -> OrgState:
        return self.world.state

    @property
    def environment(self) -> TaskEnvironment:
        return self.world.environment

    @property
    def ties(self) -> Ties:
        return self.world.ties

    @property
    def ledger(self) -> InsightLedger:
        return self.world.ledger

    @property
    def memory(self) -> OrgMemory:
        return self.world.memory

    @property
    def counts(self) -> dict[str, int]:
        return self.world.counts

    @property
    def top(self) -> int:
        return self.world.top

    @property
    def n_levels(self) -> int:
        return self.world.n_levels

    @property
    def integration(self) -> float:
        """The walls' permeability now (the config's, until ``set_integration``)."""
        return float(self.world.param("integration"))

    @property
    def intervention_log(self) -> list[dict[str, Any]]:
        return self.world.intervention_log

    # --- the step ----------------------------------------------------------------------

    def step(self) -> None:
        """One period: the enabled phases, in order, then the metrics (docs/MODEL.md 3)."""
        world = self.world
        world.step = self.steps
        world.in_step = True
        for phase in self._active:
            phase.run(world)
        world.scratch.clear()
        world.in_step = False
        stopping = self.config.stop_at_equilibrium and self.at_equilibrium()
        if self._kept(stopping):
            self._record()
        else:
            self._carry()
        if stopping:
            self.running = False

    def run(
        self,
        steps: int | None = None,
        progress: Callable[[int], None] | None = None,
        record_every: int | None = 1,
    ) -> None:
        """Step until ``steps`` (default: the config's) or equilibrium, reporting progress.

        ``record_every`` k records a row every k steps and at the run's last step (None: at
        the last only), as a sweep keeps them (``[record] every``); a row's event counters
        then count every step since the previous row. A step without a row costs only what
        the run's history needs (``metrics.track``).
        """
        count = self.config.steps if steps is None else steps
        if record_every is not None and record_every < 1:
            raise ValueError(f"record_every must be at least 1 or None (got {record_every})")
        self._every, self._last = record_every, self.steps + count
        clock = self._step_clock()
        leaper = self._leaper(clock)
        try:
            while self.steps < self._last and self.running:
                if leaper is not None and (gap := self._gap()) > 0:
                    self._leap(leaper, gap)
                elif clock is not None and len(self._event_list):  # a step scheduled an event
                    clock.resume()
                    clock = leaper = None  # Mesa steps from here, and runs it in time
                    continue
                elif clock is not None:
                    self.time += 1  # what Mesa's step does, without its event machinery
                    self.steps += 1
                    type(self).step(self)
                else:
                    self.step()
                if progress is not None:
                    progress(self.steps)
        finally:
            self._every = 1
            if clock is not None:
                clock.resume()  # Mesa's next step where it would have been

    def _leaper(self, clock: Any) -> Any:
        """March's compiled block (``fused.Block``) when the whole run is that block and rows
        are thinned, so that the steps between two rows run in one compiled call (``_leap``);
        else None. Every other phase must be a built-in one that does nothing in this run."""
        block = _block_of(self._active)
        if (
            clock is None
            or self._every == 1
            or self.sample_rows.size
            or self._extra_metrics
            or type(self).step is not CommunityModel.step
            or block is None
        ):
            return None
        from commsim.model.fused.march import alone

        return block if alone(self._active, self.config) else None

    def _gap(self) -> int:
        """The steps before the next one that gets a row (``run``'s ``record_every``)."""
        every = self._every
        kept = self._last if every is None else min(self._last, (self.steps // every + 1) * every)
        return kept - self.steps - 1

    def _leap(self, block: Any, steps: int) -> None:
        """``steps`` steps without rows in one compiled call (``_leaper``), Mesa's clock and the
        run's history moved on as stepping would; a step that settles gets its row."""
        world, cfg = self.world, self.config
        settle = cfg.stop_at_equilibrium and self._may_settle()  # the rest is tested compiled
        taken, settled, earlier, scores = block.advance(world, steps, settle)
        self.time += taken
        self.steps += taken
        world.step = self.steps
        rowless = scores[:-1] if settled else scores  # the row of a settled step appends its own
        world.knowledge_history.extend((rowless / cfg.m).tolist())  # code_knowledge, each step
        carried = self._carried
        for name, value in earlier.items():
            carried[name] += value
        if settled:
            self._record()
            self.running = False
        else:
            self._carry_counts()

    def _step_clock(self) -> Any:
        """Mesa's step schedule, paused, when it is all Mesa's clock holds (else None).

        Mesa steps a model through its event list (about 50 us a step, most of a small
        organisation's step); ``run`` then steps directly, as Mesa would with nothing else
        scheduled, and resumes the schedule after. Any other event keeps Mesa's own stepping.
        """
        schedule = getattr(self, "_default_schedule", None)
        ours = getattr(schedule, "next_scheduled_time", None) == self.time + 1
        if not ours or len(self._event_list) != 1:
            return None
        schedule.pause()
        return schedule

    def _kept(self, stopping: bool) -> bool:
        """Whether this step gets a row (``run``'s ``record_every``)."""
        every = self._every
        if every == 1 or stopping or self.steps >= self._last:
            return True
        return every is not None and self.steps % every == 0

    def _carry(self) -> None:
        """A step without a row: its history kept, its events carried to the next row."""
        track(self.world)
        self._carry_counts()
        self._snapshot_agents()

    def _carry_counts(self) -> None:
        counts, carried = self.world.counts, self._carried
        for name in carried:
            carried[name] += counts[name]
        self.world.reset_counts()

    def at_equilibrium(self) -> bool:
        """No rule can change any belief or the code any more (March's stable equilibrium,
        or the network's: ``peers.settled``)."""
        return self._may_settle() and self._code_settled() and settled(self.world)

    def _may_settle(self) -> bool:
        return may_settle(self.world, self.steps)

    def _code_settled(self) -> bool:
        """Socialisation and code learning can change nothing: everyone holds the code and
        nobody could do better than it (trivially so when the code plays no part)."""
        cfg, state, environment = self.config, self.state, self.environment
        if cfg.code_learning_rate == 0 and not state.code.any():
            return True
        if not (state.beliefs == state.code).all():
            return False
        code_score = environment.code_score(state.code)
        best = environment.score(state.beliefs)
        if cfg.superior_basis == "performance":
            undecided = (state.beliefs == 0).sum(axis=1)
            if environment.kind != "reality" and undecided.any():
                return False  # on a landscape, a lucky coin's worth has no simple bound
            best = best + undecided
        return not (best > code_score).any()

    # --- interventions ---------------------------------------------------------------

    def intervene(self, action: str, **params: Any) -> None:
        """Pull a lever now (any of ``self.catalogue.levers``, by name), validated and logged."""
        levers.apply(self.world, action, **params)

    @property
    def next_step(self) -> int:
        """The step whose dynamics an intervention applied now first affects."""
        return self.world.next_step

    # --- data --------------------------------------------------------------------------

    def _record(self) -> None:
        world = self.world
        row = collect(world)
        if self._extra_metrics:
            collect_extra(world, self._extra_metrics, row)
        carried = self._carried
        if any(carried.values()):
            for name, value in carried.items():
                row[name] += value
                carried[name] = 0
        self._rows.append(row)
        world.started = True
        world.reset_counts()
        self._snapshot_agents()

    def _snapshot_agents(self) -> None:
        if self.sample_rows.size and self.steps % self.config.agent_sample_every == 0:
            self._agent_frames.append(self._agent_snapshot())

    def _agent_snapshot(self) -> dict[str, np.ndarray]:
        """The sampled members now, as arrays; ``agent_frame`` makes the table once."""
        rows, state = self.sample_rows, self.state
        return {
            "step": np.full(rows.size, self.steps, dtype=np.int64),
            "member": rows.astype(np.int64),
            "level": state.level[rows].astype(np.int64),
            "role": state.role[rows],
            "manager": state.manager[rows],
            "safety": state.safety[rows],
            "learning_rate": state.learning_rate[rows],
            "punitiveness": state.punitiveness[rows],
            "knowledge": self.environment.knowledge(state.beliefs[rows]),
            "tenure": self.steps - state.joined[rows],
            **self._people(rows),
        }

    def _people(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """With an org chart, who holds each sampled position: the file's person (their id,
        or by default a pseudonym of it), or "" once a newcomer took their place; and the
        position's unit and team where the file gives them (an analyst's groupings)."""
        chart = self.config.org_chart
        if chart is None:
            return {}
        if self._persons is None:
            self._persons = chart.people(self.sample_rows, self.config.person_ids == "file")
        people = self._persons[np.searchsorted(self.sample_rows, rows)]
        held = {"person": np.where(self.state.joined[rows] > 0, "", people).astype(object)}
        labels = {"unit": chart.unit, "team": chart.team}
        return held | {k: v[rows].astype(object) for k, v in labels.items() if v is not None}

    def model_frame(self) -> pd.DataFrame:
        """One row per step (step 0 is the initial state): every metric."""
        return pd.DataFrame(self._rows)

    def recorded(self, start: int = 0) -> list[dict[str, Any]]:
        """The metric rows from step ``start`` on, without building a frame (for live views)."""
        return self._rows[start:]

    def agent_frame(self) -> pd.DataFrame:
        """Sampled members' state every ``agent_sample_every`` steps."""
        snapshots = self._agent_frames or [{k: v[:0] for k, v in self._agent_snapshot().items()}]
        columns = {k: np.concatenate([s[k] for s in snapshots]) for k in snapshots[0]}
        columns["role"] = pd.Categorical.from_codes(columns["role"], ROLE_NAMES)
        return pd.DataFrame(columns)

    def insight_frame(self) -> pd.DataFrame:
        """The insight event log: one row per lifecycle event."""
        return self.ledger.frame()

    def intervention_frame(self) -> pd.DataFrame:
        """The interventions applied (step, action, params), typed even when empty (a frame
        of lists and an ``astype`` cost milliseconds: more than a small run)."""
        log = self.intervention_log
        return pd.DataFrame(
            {
                "step": np.array([e["step"] for e in log], dtype=np.int64),
                "action": pd.array([str(e["action"]) for e in log], dtype="str"),
                "params": pd.array([str(e["params"]) for e in log], dtype="str"),
            }
        )

    # --- Mesa views, created on first use ----------------------------------------------

    @property
    def grid(self) -> Network:
        """The organisation as a Mesa ``Network`` space (topological: ``layout=None``)."""
        if self._grid is None:
            graph = self.ties.to_networkx(self.state.n)
            self._grid = Network(graph, random=self.random, layout=None)
        return self._grid

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Mesa's AgentSet of ``Member`` views (built on first access)."""
        if self._views is None:
            self._views = []
            grid = self.grid
            self._views = [Member(self, row, grid[row]) for row in range(self.state.n)]
        return super().agents

    def member(self, row: int) -> Member:
        """The Mesa view of one member."""
        _ = self.agents
        assert self._views is not None
        return self._views[row]
