"""The cost of speaking up and closing the loop (T6 [CSL]; docs/MODEL.md 7.22).

Speaking up costs the reporter effort: ``voice_cost`` (a share of a full score) comes off their
performance in the step they speak, and off their willingness to report. Each member's
willingness (in [0, 1], 1 for a newcomer) multiplies their safety wherever voice is decided.
A report (an insight heard by a listener) that is verified within ``feedback_window`` steps
of being heard, and whose reporter hears back (chance ``report_feedback``), raises its
reporter's willingness by ``willingness_gain`` of the way to 1; a report that vanishes --
refuted, walled, expired, verified without word back or too late, or heard with nobody to take
it further -- lowers it by ``willingness_loss`` of the way to 0. The fates are read off the
insight ledger's event log, so no other phase changes when the mechanism is on.

Idle (no phase, no draw, no state) while ``voice_cost``, ``willingness_gain`` and
``willingness_loss`` are all 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from commsim.catalogue import Metric
from commsim.model.state import approach_rows

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World

KEY = "reporting"  # its state in ``world.extra``
#: a report's end: everything but verification is a report that vanished
_VANISHED = ("refuted", "walled", "expired")
HOLDER, DIM, HEARD = range(3)  # the rows of ``Reports.insights``


def reporting_on(config: Config) -> bool:
    """Whether the mechanism runs: some cost or some willingness dynamics."""
    return config.reporting


@dataclass(eq=False)
class Reports:
    """Willingness per position; per insight, its holder, dimension and the step a listener
    heard it; and what the metrics read."""

    willingness: np.ndarray  # (N,) float64 in [0, 1]
    scale: float  # a full score in performance's units (m on March's reality, 1 on a landscape)
    #: rows HOLDER, DIM, HEARD by insight id (HEARD -1 until heard), over-allocated
    insights: np.ndarray = field(default_factory=lambda: np.full((3, 1024), -1, np.int64))
    read: int = 0  # events of the ledger's log already read
    known: int = 0  # insight records already read
    #: per code dimension, the insight this module saw codified there and its holder's team
    source_id: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    source_team: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    performance: float = float("nan")  # this step's mean performance net of reporting, / scale

    def learn(self, world: World) -> None:
        """Holder and dimension of every insight recorded since the last call."""
        records = world.ledger.records
        if records.size > self.insights.shape[1]:
            grown = np.full((3, 2 * records.size), -1, np.int64)
            grown[:, : self.known] = self.insights[:, : self.known]
            self.insights = grown
        ids, members, dims = records.recent(self.known)[:3]
        self.insights[HOLDER, ids], self.insights[DIM, ids] = members, dims
        self.known = records.size


def reports(world: World) -> Reports:
    """The mechanism's state, made on first use: everyone fully willing, no report yet."""
    found = world.extra.get(KEY)
    if found is None:
        environment, m = world.environment, world.state.m
        target = environment.target[None, :]
        _, scale = environment.graded(target, environment.score(target))
        found = world.extra[KEY] = Reports(
            willingness=np.ones(world.state.n),
            scale=float(scale),
            source_id=np.full(m, -1, np.int64),
            source_team=np.full(m, -1, np.int64),
        )
    return found


def willing_safety(world: World) -> np.ndarray:
    """What voice reads as each member's readiness to speak: safety, times willingness
    when the mechanism is on (then a new array; else ``state.safety`` itself)."""
    if not world.config.reporting:
        return world.state.safety
    return world.state.safety * reports(world).willingness


def welcome(world: World, newcomers: np.ndarray) -> None:
    """A newcomer has had no report ignored yet: full willingness."""
    found = world.extra.get(KEY)
    if found is not None:
        found.willingness[newcomers] = 1.0


def close_reports(world: World) -> None:
    """After verification: charge this step's reports, and settle the reports that ended.

    Reads the ledger's events since its last call (this step's voice and verification,
    and anything logged before them). In order: each report spoken (heard or punished) costs
    its reporter ``voice_cost × scale`` of this step's performance; reports verified within
    the window draw whether the reporter hears back; willingness then moves toward 1 once per
    report answered, then toward 0 once per report spoken (by ``voice_cost``) and once per
    report vanished (by ``willingness_loss``). A report whose position has a newer occupant
    than the report settles nothing.
    """
    cfg, step = world.config, world.step
    own = reports(world)
    own.learn(world)
    ledger, since = world.ledger, own.read
    own.read = ledger.events.size

    def events(name: str) -> np.ndarray:
        return ledger.since(since, name)[0]

    heard = events("voiced")
    own.insights[HEARD, heard] = step
    spoken = own.insights[HOLDER, np.concatenate([heard, events("punished")])]
    cost = world.param("voice_cost")
    _charge(world, own, spoken, cost)

    research = cfg.community or cfg.leadership == "hero"
    ends = [events(name) for name in _VANISHED] + ([] if research else [heard])
    verified = events("verified")
    ended, ok = _settled(world, own, verified, np.concatenate(ends))
    answered, vanished = ended[ok], ended[~ok]
    approach_rows(own.willingness, 1.0, cfg.willingness_gain, answered)
    approach_rows(own.willingness, 0.0, cost, spoken)
    approach_rows(own.willingness, 0.0, cfg.willingness_loss, vanished)
    world.counts["reports_closed"] += int(ended.size)
    world.counts["reports_answered"] += int(answered.size)
    _note_codified(world, own, events("codified"))


def _charge(world: World, own: Reports, spoken: np.ndarray, cost: float) -> None:
    """This step's performance, less each report's effort; its mean kept for the metrics."""
    performance = world.scratch["performance"]
    if cost and spoken.size:
        effort = np.bincount(spoken, minlength=performance.size) * (cost * own.scale)
        performance = world.scratch["performance"] = performance - effort
    own.performance = float(performance.mean()) / own.scale


def _settled(
    world: World, own: Reports, verified: np.ndarray, vanished: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The reporters of the reports that ended this step, and whether each was answered:
    verified within the window and heard back (a draw per such report, in id order).
    Insights never heard (the top's own) and reports of a former occupant are left out."""
    ids = np.concatenate([verified, vanished])
    at, reporters = own.insights[HEARD, ids], own.insights[HOLDER, ids]
    mine = (at >= 0) & (world.state.joined[reporters] <= at)
    timely = np.zeros(ids.size, dtype=bool)
    timely[: verified.size] = world.step - at[: verified.size] < world.config.feedback_window
    timely &= mine
    ok = np.zeros(ids.size, dtype=bool)
    candidates = np.flatnonzero(timely)
    if candidates.size:
        order = candidates[np.argsort(ids[candidates], kind="stable")]
        ok[order] = world.rng.random(order.size) < world.param("report_feedback")
    return reporters[mine], ok[mine]


def _note_codified(world: World, own: Reports, ids: np.ndarray) -> None:
    """Which team's insight stands behind each dimension just codified (for reuse)."""
    dims = own.insights[DIM, ids]
    own.source_id[dims] = ids
    own.source_team[dims] = world.climate_setter[own.insights[HOLDER, ids]]


# --- the dashboard [LO] ---------------------------------------------------------------


def knowledge_reuse(world: World) -> float:
    """Of the members' right beliefs, the share held on a dimension whose code holds that
    value from an insight of another team (NaN when no belief is right)."""
    own, state = reports(world), world.state
    target = world.environment.target
    right = state.beliefs == target
    total = int(np.count_nonzero(right))
    live = (world.memory.source >= 0) & (world.memory.source == own.source_id)
    dims = np.flatnonzero(live & (state.code == target))
    other = world.climate_setter[:, None] != own.source_team[dims][None, :]
    reused = int(np.count_nonzero(right[:, dims] & other))
    return reused / total if total else float("nan")


def close_the_loop(world: World, feedback: float = 1.0) -> None:
    """Reporters hear back: each verified report comes back to them with chance ``feedback``."""
    world.live["report_feedback"] = feedback


def ease_reporting(world: World, cost: float = 0.0) -> None:
    """Make reporting easy: a report costs ``cost`` from now on."""
    world.live["voice_cost"] = cost


_SHARE = dict(unit="share", low=0.0, high=1.0, enabled=reporting_on)

METRICS: tuple[Metric, ...] = (
    Metric(
        "mean_willingness",
        "state",
        "mean willingness to report",
        **_SHARE,
        compute=lambda world: float(reports(world).willingness.mean()),
        description="mean over members of willingness to report (7.22)",
    ),
    Metric(
        "reports_closed",
        "event count",
        "reports settled",
        "reports",
        enabled=reporting_on,
        description="reports (insights heard by a listener) whose fate was settled: verified, "
        "refuted, walled, expired, or heard with nobody to take them further; a former "
        "occupant's reports not counted (7.22)",
    ),
    Metric(
        "reports_answered",
        "event count",
        "reports answered",
        "reports",
        enabled=reporting_on,
        description="settled reports verified within `feedback_window` steps of being heard "
        "whose reporter heard back (7.22)",
    ),
    Metric(
        "feedback_rate",
        "state",
        "feedback rate",
        **_SHARE,
        pooled=("reports_answered", "reports_closed"),
        compute=lambda world: _ratio(
            world.counts["reports_answered"], world.counts["reports_closed"]
        ),
        description="`reports_answered / reports_closed` (NaN if none settled): the share of "
        "reports that visibly changed something for their reporter",
    ),
    Metric(
        "knowledge_reuse",
        "state",
        "knowledge reuse",
        **_SHARE,
        compute=knowledge_reuse,
        description="of the (member, dimension) beliefs equal to reality, the share on a "
        "dimension whose code holds that value from an insight codified from a holder of "
        "another team (team: the members sharing a manager; the top's own team is itself "
        "and its reports) [LO]",
    ),
    Metric(
        "collaboration_density",
        "state",
        "collaboration density",
        "flows per member",
        low=0.0,
        enabled=reporting_on,
        compute=lambda world: world.counts["flows"] / world.state.n,
        description="this step's `flows` (knowledge transfers) per member [LO]",
    ),
    Metric(
        "mean_performance",
        "state",
        "mean performance",
        "score / full score",
        enabled=reporting_on,
        compute=lambda world: reports(world).performance,
        description="mean of this step's performance less each member's reporting effort, "
        "over a full score (March's reality: `(right − wrong) / m − voice_cost × reports`); "
        "NaN at step 0",
    ),
)


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")
