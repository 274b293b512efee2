"""Just culture: failures with a true cause, reported up, attributed to the system or the person.

The tensions T3 (psychological safety vs accountability) and T4 (individual vs system
attribution) of "Collective Systemic Learning" [CSL] as a rule (docs/MODEL.md 7.19). Each step a
member may fail in practice. The true cause is a flaw of the team's system (one of its
``flaws_per_team`` slots that holds an unfixed flaw) or the member's own negligence. The member
reports the failure to the leader they voice insights to, with voice's chance (safety discounted
by the authority gradient). The leader sees the true cause with probability
``attribution_accuracy``; otherwise blames the person with probability ``blame_bias``.

- Attributed to the system: the reporter is appreciated (safety up, as heard voice) and, if the
  cause was a flaw, the flaw is fixed.
- Attributed to the person (blame): the reporter is punished (safety down, as punished voice),
  and every other member of the team loses a little safety (``blame_contagion``).
- Negligence that is blamed lowers the member's carelessness; negligence that goes unsanctioned
  (unreported, or put down to the system) raises it (moral hazard).

An unreported or misattributed flaw stays open and fails again (a repeat); fixed slots gain a
new flaw with probability ``flaw_emergence`` per step. The mechanism's state (teams' flaws,
members' carelessness) is ``world.extra["just_culture"]``, made on first use without a draw;
while ``incident_rate`` is 0 the phase does not run and nothing is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from commsim.catalogue import Metric, Phase
from commsim.config import config_parameter
from commsim.model.state import approach_rows
from commsim.model.voice import listener, voice_probability

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World

NAME = "just_culture"
#: a member's carelessness when they join: their negligent failures at the configured rate
START_CARELESSNESS = 0.5


@dataclass(eq=False)
class JustCulture:
    """Teams' flaws and members' carelessness; a team is the members whose climate one leader
    sets (``world.climate_setter``: a manager's reports; the top with its own)."""

    team: np.ndarray  # (N,) int64: each member's team
    open: np.ndarray  # (teams, flaws_per_team) bool: the slot holds an unfixed flaw
    struck: np.ndarray  # (teams, flaws_per_team) bool: that flaw has already caused a failure
    carelessness: np.ndarray  # (N,) float64 in [0, 1]: START_CARELESSNESS when one joins


def culture(world: World) -> JustCulture:
    """The mechanism's state, made on first use: every flaw open and unstruck, every member at
    the starting carelessness (no draw)."""
    found = world.extra.get(NAME)
    if found is None:
        _, team = np.unique(world.climate_setter, return_inverse=True)
        shape = (int(team.max()) + 1, world.config.flaws_per_team)
        found = JustCulture(
            team=team.astype(np.int64),
            open=np.ones(shape, dtype=bool),
            struck=np.zeros(shape, dtype=bool),
            carelessness=np.full(team.size, START_CARELESSNESS),
        )
        world.extra[NAME] = found
    return found


def welcome(world: World, newcomers: np.ndarray) -> None:
    """Newcomers start at the starting carelessness (nothing if the mechanism is idle)."""
    found = world.extra.get(NAME)
    if found is not None:
        found.carelessness[newcomers] = START_CARELESSNESS


def failure_chances(world: World, jc: JustCulture) -> tuple[np.ndarray, np.ndarray]:
    """Each member's chance this step of a failure from a flaw, and from negligence.

    ``incident_rate × system_cause_share × open share of the team's slots`` and
    ``2 × incident_rate × (1 − system_cause_share) × carelessness``: at the start (all flaws
    open, carelessness 0.5) failures come at ``incident_rate``, a share ``system_cause_share``
    of them from flaws.
    """
    cfg = world.config
    open_share = jc.open.mean(axis=1)[jc.team]
    system = cfg.incident_rate * cfg.system_cause_share * open_share
    negligent = 2.0 * cfg.incident_rate * (1.0 - cfg.system_cause_share) * jc.carelessness
    return system, negligent


def strike(jc: JustCulture, teams: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The slot of each team's failing flaw: the ``floor(u × open)``-th open slot."""
    opened = jc.open[teams]
    nth = np.floor(u * opened.sum(axis=1)).astype(np.int64)
    return (np.cumsum(opened, axis=1) <= nth[:, None]).sum(axis=1)


def attribute(
    world: World, who: np.ndarray, system: np.ndarray, draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each failure is reported (voice's chance, 7.5), and whether the leader puts it
    down to the person: the true cause where the leader sees it, else by the blame bias."""
    reported = draws[:, 1] < voice_probability(world, who, listener(world, who))
    sees = draws[:, 2] < world.param("attribution_accuracy")
    person = np.where(sees, ~system, draws[:, 3] < world.param("blame_bias"))
    return reported, person


def report_incidents(world: World) -> None:
    """The phase: failures, reports, attributions and their consequences (synchronous: every
    decision from the state at the start of the phase, then the changes).

    Draws: whether fixed slots get a new flaw (one per slot, if ``flaw_emergence`` > 0); one
    uniform per member (a failure from a flaw, from negligence, or none); then four per failure,
    in row order: which open flaw, whether reported, whether the leader sees the true cause,
    and the leader's bias where not.
    """
    jc, cfg, rng, state = culture(world), world.config, world.rng, world.state
    if cfg.flaw_emergence > 0:
        jc.open |= rng.random(jc.open.shape) < cfg.flaw_emergence
    p_system, p_negligent = failure_chances(world, jc)
    u = rng.random(state.n)
    who = np.flatnonzero(u < p_system + p_negligent)
    if not who.size:
        return
    draws = rng.random((who.size, 4))
    system = u[who] < p_system[who]
    teams = jc.team[who[system]]
    slots = strike(jc, teams, draws[system, 0])
    repeat = jc.struck[teams, slots]

    reported, person = attribute(world, who, system, draws)
    blamed, credited = reported & person, reported & ~person

    jc.struck[teams, slots] = True
    fixed = credited[system]
    jc.open[teams[fixed], slots[fixed]] = False
    jc.struck[teams[fixed], slots[fixed]] = False
    negligent = ~system
    approach_rows(jc.carelessness, 0.0, cfg.moral_hazard, who[negligent & blamed])
    approach_rows(jc.carelessness, 1.0, cfg.moral_hazard, who[negligent & ~blamed])
    respond(world, jc, who[credited], who[blamed])

    tally = world.counts
    tally["incidents"] += who.size
    tally["negligent_incidents"] += int(negligent.sum())
    tally["repeat_incidents"] += int(repeat.sum())
    tally["incidents_reported"] += int(reported.sum())
    tally["incidents_blamed"] += int(blamed.sum())
    tally["incidents_correctly_attributed"] += int((reported & (person == negligent)).sum())
    tally["flaws_fixed"] += np.unique(teams[fixed] * jc.open.shape[1] + slots[fixed]).size


def respond(world: World, jc: JustCulture, credited: np.ndarray, blamed: np.ndarray) -> None:
    """Safety after the leaders' responses: appreciated reporters up (``appreciation_gain``),
    blamed ones down (``punishment_penalty``), then each other member of a team down by
    ``blame_contagion`` once per blame in the team."""
    cfg, safety = world.config, world.state.safety
    approach_rows(safety, 1.0, cfg.appreciation_gain, credited)
    approach_rows(safety, 0.0, cfg.punishment_penalty, blamed)
    if blamed.size and cfg.blame_contagion > 0:
        witnessed = np.bincount(jc.team[blamed], minlength=jc.open.shape[0])[jc.team]
        witnessed[blamed] -= 1
        rows = np.repeat(np.arange(safety.size), witnessed)
        approach_rows(safety, 0.0, cfg.blame_contagion, rows)


def _on(config: Config) -> bool:
    return config.incident_rate > 0


PHASE = Phase(
    "incidents",
    report_incidents,
    enabled=_on,
    parameters=(
        config_parameter(
            "incident_rate",
            "learning from mistakes and adverse events [CSL]; safer units report more errors "
            "(Edmondson 1996)",
            "per-step chance a member fails in practice, at the start (all flaws open, "
            "carelessness 0.5)",
        ),
        config_parameter(
            "system_cause_share",
            "T4: failures of the system (process, structure, training) or of the person [CSL]",
            "share of the start's failures whose true cause is a flaw of the team's system",
        ),
        config_parameter(
            "flaws_per_team",
            "repeated local incidents where nothing is learnt [CSL]",
            "flaw slots per team; a failure's flaw is one of the open ones",
        ),
        config_parameter(
            "flaw_emergence",
            "a world of change [KS]: new flaws in a changing system",
            "per-step chance a fixed slot gets a new flaw",
        ),
        config_parameter(
            "attribution_accuracy",
            'T3: "distinguishing between system failures and individual negligence" [CSL]; '
            "just culture (Reason 1997)",
            "chance the leader sees a reported failure's true cause",
        ),
        config_parameter(
            "blame_bias",
            "T4: exclusive individual attribution creates blame culture; exclusive system "
            "attribution avoids accountability [CSL]",
            "where the leader does not see the cause: chance of blaming the person "
            "(0 lenient, 1 blame culture)",
        ),
        config_parameter(
            "blame_contagion",
            'the culture of punishment for bad news [CQC]; "blame culture suppressing '
            'learning" [CSL]',
            "share of safety each other team member loses per blame in the team",
        ),
        config_parameter(
            "moral_hazard",
            'T3: "accountability systems must enforce responsibility" [CSL]',
            "share of the distance to 1 (unsanctioned) or 0 (sanctioned) a negligent "
            "member's carelessness moves",
        ),
    ),
    counters=(
        "incidents",
        "negligent_incidents",
        "repeat_incidents",
        "incidents_reported",
        "incidents_blamed",
        "incidents_correctly_attributed",
        "flaws_fixed",
    ),
    idea="T3 safety vs accountability, T4 individual vs system attribution [CSL]",
    description="members fail; failures are reported up, attributed to the system (fixed) or "
    "the person (blamed) (7.19)",
    when="`incident_rate` > 0",
)


# --- levers ---------------------------------------------------------------------------


def set_accountability(world: World, value: float) -> None:
    """The leaders' blame bias where they cannot see the cause: 0 lenient, 1 blame culture."""
    world.live["blame_bias"] = value


def train_just_culture(world: World, amount: float) -> None:
    """Training in just culture: leaders see the true cause more often (capped at 1)."""
    world.live["attribution_accuracy"] = min(world.param("attribution_accuracy") + amount, 1.0)


# --- metrics --------------------------------------------------------------------------


def _share(numerator: str, denominator: str) -> float:
    def compute(world: World) -> float:
        den = world.counts[denominator]
        return world.counts[numerator] / den if den else math.nan

    return compute


def _count(name: str, label: str, unit: str, description: str) -> Metric:
    return Metric(name, "event count", label, unit, description, enabled=_on)


_SHARE = dict(unit="share", low=0.0, high=1.0, enabled=_on)

METRICS: tuple[Metric, ...] = (
    _count("incidents", "incidents", "failures", "failures in practice, whatever their cause"),
    _count(
        "negligent_incidents",
        "negligent incidents",
        "failures",
        "failures whose true cause was the member's negligence",
    ),
    _count(
        "repeat_incidents",
        "repeat incidents",
        "failures",
        "failures from a flaw that had failed before and was not fixed",
    ),
    _count("incidents_reported", "incidents reported", "reports", "failures reported up"),
    _count(
        "incidents_blamed",
        "incidents blamed",
        "reports",
        "reported failures the leader attributed to the person",
    ),
    _count(
        "incidents_correctly_attributed",
        "incidents correctly attributed",
        "reports",
        "reported failures attributed to their true cause",
    ),
    _count("flaws_fixed", "flaws fixed", "flaws", "flaws fixed after a system attribution"),
    Metric(
        "reporting_rate",
        "state",
        "reporting rate",
        description="`incidents_reported / incidents` (NaN if none): failures reported up",
        compute=_share("incidents_reported", "incidents"),
        pooled=("incidents_reported", "incidents"),
        **_SHARE,
    ),
    Metric(
        "repeat_incident_rate",
        "state",
        "repeat-incident rate",
        description="`repeat_incidents / incidents` (NaN if none)",
        compute=_share("repeat_incidents", "incidents"),
        pooled=("repeat_incidents", "incidents"),
        **_SHARE,
    ),
    Metric(
        "correct_attribution_share",
        "state",
        "share correctly attributed",
        description="`incidents_correctly_attributed / incidents_reported` (NaN if none)",
        compute=_share("incidents_correctly_attributed", "incidents_reported"),
        pooled=("incidents_correctly_attributed", "incidents_reported"),
        **_SHARE,
    ),
    Metric(
        "true_error_rate",
        "state",
        "true error rate",
        description="`incidents / N`: failures per member this step, reported or not",
        compute=lambda world: world.counts["incidents"] / world.state.n,
        **_SHARE,
    ),
    Metric(
        "open_flaw_share",
        "state",
        "open flaws",
        description="share of the teams' flaw slots holding an unfixed flaw",
        compute=lambda world: float(culture(world).open.mean()),
        **_SHARE,
    ),
    Metric(
        "mean_carelessness",
        "state",
        "mean carelessness",
        description="members' mean carelessness (0.5 at joining; negligence ∝ carelessness)",
        compute=lambda world: float(culture(world).carelessness.mean()),
        **_SHARE,
    ),
)
