"""The reporters computed every step from the arrays: one flat row of numbers per step.

``code_knowledge`` is March's measure, sum(code * reality) / m. ``advancement`` is Fritz's
oscillation-vs-advancement indicator over the last ``advancement_window`` steps: net change
of code knowledge divided by the total distance it travelled (1 = steady advance, -1 = steady
decline, near 0 = oscillation or standstill).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from commsim.catalogue import Metric
from commsim.model.kernels import kernel
from commsim.model.organisation import level_sizes
from commsim.model.reality import right_minus_wrong
from commsim.model.state import ROLE_NAMES

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World


def _counter(
    name: str,
    label: str,
    unit: str,
    description: str,
    headline: bool = False,
    summary: bool = False,
) -> Metric:
    return Metric(name, "event count", label, unit, description, headline=headline, summary=summary)


def _levels(config: Config) -> range:
    return range(len(level_sizes(config.n_agents, config.span_of_control)))


_KNOWLEDGE = dict(unit="(right - wrong) / m", low=-1.0, high=1.0)
_SHARE = dict(unit="share", low=0.0, high=1.0)

#: Every column of the model table, in its order (docs/MODEL.md 7.17 is generated from this)
METRICS: tuple[Metric, ...] = (
    Metric(
        "code_knowledge",
        "state",
        "code knowledge",
        **_KNOWLEDGE,
        headline=True,
        description="`code · reality / m` in [−1, 1]: March's knowledge of the code (right − "
        "wrong, zeros count 0)",
    ),
    Metric(
        "code_accuracy",
        "state",
        "code accuracy",
        **_SHARE,
        summary=True,
        description="share of dimensions with `code[d] = reality[d]` (zeros count as wrong)",
    ),
    Metric(
        "mean_knowledge",
        "state",
        "mean knowledge",
        **_KNOWLEDGE,
        headline=True,
        description="mean over members of `beliefs[i] · reality / m`",
    ),
    Metric(
        "knowledge_sd",
        "state",
        "knowledge s.d.",
        **_SHARE,
        description="standard deviation (population, ddof 0) of members' knowledge",
    ),
    Metric(
        "belief_diversity",
        "state",
        "belief diversity",
        **_SHARE,
        description="mean over dimensions of the Gini–Simpson index `1 − s₊² − s₋² − s₀²`, s "
        "being the shares of members holding +1, −1, 0 (0 = everyone agrees, 2/3 = maximal "
        "variety)",
    ),
    Metric(
        "{}_knowledge",
        "state",
        "{} learners' knowledge",
        **_KNOWLEDGE,
        members=lambda c: _SPEEDS,
        description="mean of `beliefs[i] · reality / m` over the members in slow (not `fast`) "
        "and in fast positions (7.8); NaN for an empty group (`fast_knowledge` is NaN whenever "
        "`fast_learner_share` rounds to no one)",
    ),
    Metric(
        "mean_safety",
        "state",
        "mean safety",
        **_SHARE,
        headline=True,
        description="mean psychological safety",
    ),
    Metric(
        "mean_learning_rate",
        "state",
        "mean learning rate",
        "multiplier",
        low=0.0,
        description="mean learning-rate multiplier (raised by mentoring, 7.11; lowered by "
        "reliance on a hero, 7.24)",
    ),
    Metric(
        "integration",
        "state",
        "integration",
        **_SHARE,
        description="current integration, the walls' permeability (changes only by "
        "`set_integration`)",
    ),
    _counter(
        "insights_generated",
        "insights generated",
        "insights",
        "insights born: exploration contradicting a belief (7.4)",
        summary=True,
    ),
    _counter(
        "insights_spoken",
        "insights spoken up",
        "insights",
        "insights spoken up, heard or punished (`insights_voiced + insights_punished`)",
    ),
    _counter(
        "insights_voiced",
        "insights voiced",
        "insights",
        "insights spoken up and appreciated (heard); the top's own insights, which skip voice "
        "(7.5), are not counted",
        summary=True,
    ),
    _counter(
        "insights_punished", "insights punished", "insights", "insights spoken up and punished"
    ),
    _counter(
        "insights_suppressed",
        "insights suppressed",
        "insights",
        "insights suppressed after `insight_ttl` silent attempts",
        headline=True,
    ),
    _counter(
        "insights_walled",
        "insights walled",
        "insights",
        "insights stopped at the wall to research when first assigned a verifier (or with no "
        "researcher to receive them) (7.7)",
    ),
    _counter(
        "insights_verified", "insights verified", "insights", "insights checked and confirmed"
    ),
    _counter(
        "insights_refuted", "insights refuted", "insights", "insights checked and found wrong"
    ),
    _counter(
        "insights_codified",
        "insights codified",
        "insights",
        "verified insights that changed the code",
        headline=True,
    ),
    _counter(
        "insights_adopted",
        "insights adopted",
        "beliefs",
        "(member, dimension) changes by socialisation or peer learning that made a belief "
        "equal the code on a dimension currently written by an insight",
    ),
    _counter(
        "voice_opportunities",
        "voice opportunities",
        "insight-steps",
        "insights awaiting voice at the voice phase, other than the top's own (one per insight "
        "per step it waits)",
    ),
    _counter(
        "flows",
        "knowledge flows",
        "transfers",
        "knowledge transfers: checked insights (holder → verifier), peer copies (peer → "
        "learner) and socialisation changes (code → member; the source role is researcher "
        "when `community` is true, else the member's own role, so with `community` false "
        "socialisation never crosses roles)",
    ),
    _counter(
        "cross_role_flows",
        "cross-role flows",
        "transfers",
        "the flows whose source and target roles differ",
    ),
    _counter("mentorings", "mentorings", "coachings", "coachings that got through the wall"),
    _counter(
        "code_changes",
        "code changes",
        "dimensions",
        "code dimensions changed by code learning (7.10); codification is counted in "
        "`insights_codified`",
    ),
    Metric(
        "superior_group",
        "head count",
        "superior group",
        "members",
        description="members of the superior group whose view reached the code (after voice "
        "and wall gating)",
    ),
    _counter(
        "departures",
        "departures",
        "members",
        "members replaced, by turnover in this step or by a reorganisation shock logged at "
        "this step (scheduled for it, or applied live since row t − 1)",
    ),
    Metric(
        "voice_rate_upward",
        "state",
        "upward voice rate",
        **_SHARE,
        description="`insights_spoken / voice_opportunities` (NaN if no opportunity): the share "
        "of waiting insights spoken up, heard or punished",
        summary=True,
        pooled=("insights_spoken", "voice_opportunities"),
    ),
    Metric(
        "cross_role_share",
        "state",
        "cross-role share",
        **_SHARE,
        description="`cross_role_flows / flows`: integration as realised [SK]",
        summary=True,
        pooled=("cross_role_flows", "flows"),
    ),
    Metric(
        "diffusion_reach",
        "state",
        "diffusion reach",
        **_SHARE,
        description="mean `reach[d]` over the code dimensions currently written by an insight "
        "(NaN if none) (7.14)",
    ),
    Metric(
        "diffusion_time",
        "state",
        "diffusion time",
        "steps",
        low=0.0,
        description="mean diffusion time over all diffusion events so far in the run (NaN if none)",
    ),
    Metric(
        "insights_in_flight",
        "state",
        "insights in flight",
        "insights",
        low=0.0,
        description="insights in the pool (awaiting voice or verification) at the end of the step",
    ),
    Metric(
        "advancement",
        "state",
        "advancement",
        "net / total change",
        low=-1.0,
        high=1.0,
        description="Fritz's oscillation-vs-advancement indicator [FR] on code knowledge over "
        "the last `advancement_window` steps: with x = the last `advancement_window + 1` values "
        "of `code_knowledge` (fewer early in the run), `advancement = (x_last − x_first) / "
        "Σ abs(x_(s+1) − x_s)`; +1 = steady advance, −1 = steady decline, near 0 = "
        "oscillation; 0 when it did not move at all; NaN at step 0",
    ),
    Metric(
        "safety_level_{}",
        "state",
        "safety at level {}",
        **_SHARE,
        members=_levels,
        placeholder="k",
        description="mean safety of members at level k, for each level k of the hierarchy as "
        "built (NaN for a level emptied by `flatten_hierarchy`)",
    ),
    Metric(
        "safety_{}",
        "state",
        "{}s' safety",
        **_SHARE,
        members=lambda c: ROLE_NAMES,
        description="mean safety by role (NaN for an empty role)",
    ),
    Metric(
        "interventions",
        "state",
        "interventions",
        "action names",
        description="the actions logged with this step (7.15: scheduled for it, or applied "
        "live since row t − 1), in the order applied, joined with `;` (empty if none)",
    ),
)

#: what phases count, in column order (superior_group is set, not summed: a head count)
COUNTERS = tuple(m.name for m in METRICS if m.kind != "state")


_SPEEDS = ("slow", "fast")  # what state.fast's False and True stand for


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def advancement(history: list[float], window: int) -> float:
    """Net change over total variation of the last ``window`` values (NaN while too short)."""
    if len(history) < 2:
        return float("nan")
    x = history[-window - 1 :]
    travelled = math.fsum(map(abs, map(operator.sub, x[1:], x[:-1])))
    return (x[-1] - x[0]) / travelled if travelled else 0.0


def track(world: World) -> None:
    """What a step leaves in the run's history when no row is recorded for it: the code's
    knowledge (``advancement`` reads it) and the insights that diffused (logged)."""
    world.knowledge_history.append(world.environment.code_knowledge(world.state.code))
    world.memory.track_beliefs(world)


def collect(world: World) -> dict[str, float | int | str]:
    """This step's row of metrics (and diffusion tracking, which needs the same reach)."""
    state, environment, counts = world.state, world.environment, world.counts
    n, m, code = state.n, state.m, state.code
    # one pass over the beliefs: each member's score, each dimension's +1 and -1 holders
    tallied, plus, minus, diversity = tally(state.beliefs, environment.target)
    # knowledge = scores / scale: March's exact integers over m, or the landscape's scores
    scores, scale = environment.graded(state.beliefs, tallied)
    code_knowledge = environment.code_knowledge(code)
    world.knowledge_history.append(code_knowledge)
    total, squares = scores.sum().item(), np.dot(scores, scores).item()
    sums, sizes = member_sums(
        scores, scale, state.safety, state.fast, state.level, world.n_levels, state.role
    )
    means = _means(sums, sizes)  # by speed, by level, by role

    row: dict[str, float | int | str] = {"step": world.step}
    accurate = np.count_nonzero(code == environment.target)
    held = knowledge(code_knowledge, accurate, total, squares, diversity.sum(), n, m, scale)
    row.update(zip(KNOWLEDGE, map(float, held.values()), strict=True))
    # March's mixed populations: mean knowledge of the slow and of the fast learners
    row.update(zip(_column_names("{}_knowledge", _SPEEDS), means[:2], strict=True))
    row["mean_safety"] = float(state.safety.sum()) / n
    row["mean_learning_rate"] = float(state.learning_rate.sum()) / n
    row["integration"] = float(world.param("integration"))
    row.update(zip(COUNTERS, map(int, map(counts.__getitem__, COUNTERS)), strict=True))
    # upward voice: the share of waiting insights spoken up this step, heard or punished
    row["voice_rate_upward"] = _ratio(counts["insights_spoken"], counts["voice_opportunities"])
    row["cross_role_share"] = _ratio(counts["cross_role_flows"], counts["flows"])
    row["diffusion_reach"] = world.memory.mean_reach(world.memory.track(world, plus, minus))
    row["diffusion_time"] = world.memory.mean_diffusion_time
    row["insights_in_flight"] = world.ledger.pool_size
    row["advancement"] = advancement(world.knowledge_history, world.config.advancement_window)
    levels = _column_names("safety_level_{}", range(world.n_levels))
    row.update(zip(levels, means[2 : 2 + len(levels)], strict=True))
    row.update(zip(_column_names("safety_{}", ROLE_NAMES), means[2 + len(levels) :], strict=True))
    row["interventions"] = _logged_actions(world.intervention_log, world.step)
    return row


#: the state of knowledge in a row: its first columns after ``step``
KNOWLEDGE = (
    "code_knowledge", "code_accuracy", "mean_knowledge", "knowledge_sd", "belief_diversity",
)  # fmt: skip


def knowledge(
    code_knowledge: Any,
    accurate: Any,
    total: Any,
    squares: Any,
    diversity: Any,
    n: int,
    m: int,
    scale: float,
) -> dict[str, Any]:
    """The ``KNOWLEDGE`` columns from their sums: the code's knowledge, the dimensions it
    has right, the members' scores' sum and sum of squares (the mean and the population sd,
    exact for March's integers) and the dimensions' diversity summed. Of one run (numbers)
    or of many (arrays, as ``fused.ensemble`` has them): the same operations either way."""
    variance = np.maximum(n * squares - total * total, 0) / (n * n)
    return {
        "code_knowledge": code_knowledge,
        "code_accuracy": accurate / m,
        "mean_knowledge": total / n / scale,
        "knowledge_sd": np.sqrt(variance) / scale,
        "belief_diversity": diversity / m,
    }


@functools.cache
def _column_names(pattern: str, labels: Iterable[object]) -> tuple[str, ...]:
    """A group's column names, formatted once per run shape rather than every step."""
    return tuple(pattern.format(label) for label in labels)


def _means(sums: np.ndarray, counts: np.ndarray) -> list[float]:
    """Group means; NaN for an empty group."""
    nan = float("nan")
    return [t / c if c else nan for t, c in zip(sums.tolist(), counts.tolist(), strict=True)]


def _logged_actions(log: list[dict[str, Any]], step: int) -> str:
    """The actions logged with ``step``, in order, joined with ``;``. The log is in step
    order (each entry takes the step it first affects), so only its tail is read."""
    actions: list[str] = []
    for entry in reversed(log):
        if entry["step"] < step:
            break
        if entry["step"] == step:
            actions.append(entry["action"])
    return ";".join(reversed(actions))


# --- tally: each member's score, each dimension's +1 and -1 holders ---------------------


def _tally_loops(
    beliefs: np.ndarray, reality: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, m = beliefs.shape
    scores = np.zeros(n, np.int64)
    plus = np.zeros(m, np.int64)
    minus = np.zeros(m, np.int64)
    diversity = np.empty(m, np.float64)
    for d in range(m):
        column, r = beliefs[:, d], np.int64(reality[d])
        net = held = 0
        for i in range(n):
            b = np.int64(column[i])
            scores[i] += b * r
            net += b
            held += b * b
        plus[d], minus[d] = (held + net) // 2, (held - net) // 2
        s_plus, s_minus = plus[d] / n, minus[d] / n
        s_zero = 1.0 - s_plus - s_minus
        diversity[d] = 1.0 - s_plus * s_plus - s_minus * s_minus - s_zero * s_zero
    return scores, plus, minus, diversity


@kernel(_tally_loops)
def tally(beliefs: np.ndarray, reality: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each row's score against reality (``right_minus_wrong``), and per dimension the
    number of +1 and of -1 and the Gini-Simpson index ``1 - s+^2 - s-^2 - s0^2`` of the
    shares holding +1, -1 and 0: what the metrics need of the belief matrix, in one pass.

    Compiled because it sweeps the whole N x m belief matrix every step: in NumPy a chain
    of whole-matrix temporaries, compiled one vectorised pass (and the index, a chain of
    calls on m-long arrays, comes with it).
    """
    n = beliefs.shape[0]
    net = beliefs.sum(axis=0, dtype=np.int64)  # (#+1) - (#-1)
    held = np.count_nonzero(beliefs, axis=0).astype(np.int64)  # (#+1) + (#-1)
    plus, minus = (held + net) // 2, (held - net) // 2
    s_plus, s_minus = plus / n, minus / n
    diversity = 1.0 - s_plus**2 - s_minus**2 - (1.0 - s_plus - s_minus) ** 2
    return right_minus_wrong(beliefs, reality), plus, minus, diversity


# --- member_sums: the metrics' group-by sums --------------------------------------------


def _member_sums_loops(
    scores: np.ndarray,
    m: int,
    safety: np.ndarray,
    fast: np.ndarray,
    level: np.ndarray,
    n_levels: int,
    role: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    sums, counts = np.zeros(n_levels + 5), np.zeros(n_levels + 5, np.int64)
    for i in range(scores.shape[0]):  # in member order, as bincount: the same sums
        g = np.int64(fast[i])
        sums[g] += scores[i] / m
        counts[g] += 1
        g = np.int64(level[i])
        if g < n_levels:
            sums[2 + g] += safety[i]
            counts[2 + g] += 1
        g = 2 + n_levels + np.int64(role[i])
        sums[g] += safety[i]
        counts[g] += 1
    return sums, counts


@kernel(_member_sums_loops)
def member_sums(
    scores: np.ndarray,
    m: int,
    safety: np.ndarray,
    fast: np.ndarray,
    level: np.ndarray,
    n_levels: int,
    role: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Group sums and counts, added in member order (as ``np.bincount`` adds).

    The groups, in this order: knowledge (``scores / m``) by ``fast`` (False, True), safety
    by level (0 .. n_levels - 1), safety by role (0 .. 2); returns their sums and their
    counts, each as one array. Compiled: one pass instead of six ``np.bincount`` calls,
    whose fixed cost counts at N = 10,000.
    """
    sums: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for values, groups, k in ((scores / m, fast, 2), (safety, level, n_levels), (safety, role, 3)):
        sums.append(np.bincount(groups, weights=values, minlength=k)[:k])
        counts.append(np.bincount(groups, minlength=k)[:k])
    return np.concatenate(sums), np.concatenate(counts)


def collect_extra(
    world: World, metrics: Iterable[Metric], row: dict[str, float | int | str]
) -> None:
    """Add the metrics beyond the built-in ones (an extension's) to this step's row."""
    for metric in metrics:
        if metric.compute is not None:
            row[metric.name] = metric.compute(world)
        elif metric.kind != "state":
            row[metric.name] = int(world.counts[metric.name])
        else:
            raise ValueError(f"metric '{metric.name}' is a state but has no compute")
