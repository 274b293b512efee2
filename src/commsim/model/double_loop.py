"""Double-loop learning and entrenchment (docs/MODEL.md 7.21): "we are our mental models".

Single-loop learning is what the other phases already do: a belief is corrected within the
member's current frame, one dimension at a time (exploration, socialisation, peers). Two
rules are added, both off by default:

* Entrenchment (T5 [CSL]; "we are our mental models" [CQC]): a belief the learning phases of
  a step changed is changed back with probability
  ``entrenchment * min(1, tenure / entrenchment_horizon)``: long-held views resist change.
  Codified practice too: a change of the code goes back with
  ``code_entrenchment * min(1, age / entrenchment_horizon)``, its age the steps since that
  dimension last changed.
* Double-loop learning (Argyris & Schon 1978): a member who feels safe enough
  (``safety >= double_loop_safety``) and whose performance fell below its aspiration (its
  performance smoothed over the steps before, Levinthal & March 1993) questions, with
  probability ``double_loop_rate``, a whole block of interdependent beliefs at once (on an
  NK landscape a bit and the bits it depends on; on March's reality ``double_loop_block``
  dimensions in a row) and adopts the best of ``double_loop_tries``
  random settings of it. Its old setting is not among them: reframing gives up the frame
  held, so it may cost performance, and it is never undone by entrenchment.

A structural shock (the ``structural_shock`` lever) changes the task's structure rather than
its values: on a landscape a share of the bits come to depend on other bits; on March's
reality, which has no structure, a run of neighbouring dimensions reverses together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from commsim.catalogue import Metric
from commsim.model.nk_landscape import NKLandscape
from commsim.model.state import uniform_below

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model.world import World

NAME = "double_loop"  # the key of this mechanism's state in ``world.extra``


def is_on(config: Config) -> bool:
    """Whether a run has the mechanism: entrenchment (of members or of the code) or
    double-loop learning switched on."""
    return config.entrenchment_or_reframing


def reframing_on(config: Config) -> bool:
    return config.double_loop_rate > 0


@dataclass
class Frames:
    """The mechanism's own state for the run: nothing another phase reads."""

    #: step at which each dimension of the code last changed (0: never since the start)
    code_changed: np.ndarray
    #: each member's aspiration: its performance, smoothed over the steps before (None
    #: before the first step)
    aspiration: np.ndarray | None = None
    #: the last structural shock: its step, the mean knowledge just before it, and the steps
    #: until mean knowledge was back at that level (NaN until it is)
    shock_step: int = -1
    shock_level: float = math.nan
    recovery: float = math.nan


def frames(world: World) -> Frames:
    """This run's ``Frames``, made on first use (no draw)."""
    found = world.extra.get(NAME)
    if found is None:
        found = world.extra[NAME] = Frames(np.zeros(world.state.m, dtype=np.int64))
    return found


# --- phases ------------------------------------------------------------------------------


def remember(world: World) -> None:
    """What members believe and the code holds before this step's learning phases."""
    world.scratch["beliefs_before"] = world.state.beliefs.copy(order="F")
    world.scratch["code_before"] = world.state.code.copy()


def attachment(world: World, rows: np.ndarray) -> np.ndarray:
    """Chance each member's changed belief is changed back: grows with tenure."""
    cfg = world.config
    tenure = world.step - world.state.joined[rows]
    return cfg.entrenchment * np.minimum(1.0, tenure / cfg.entrenchment_horizon)


def entrench(world: World) -> None:
    """Each belief the learning phases changed this step goes back with the member's
    attachment (one draw per changed belief, member by member, dimension by dimension);
    the code's dimensions that changed are dated."""
    state, cfg = world.state, world.config
    before = world.scratch["beliefs_before"]
    rows, dims = np.nonzero(state.beliefs != before)  # row-major: member, then dimension
    back = np.zeros(rows.size, dtype=bool)
    if cfg.entrenchment > 0 and rows.size:
        back = world.rng.random(rows.size) < attachment(world, rows)
        state.beliefs[rows[back], dims[back]] = before[rows[back], dims[back]]
    world.counts["entrenched"] += int(back.sum())
    world.counts["belief_changes"] += int(rows.size - back.sum())
    entrench_code(world)


def entrench_code(world: World) -> None:
    """Codified practice resists change: each dimension of the code that changed this step
    goes back with ``code_entrenchment * min(1, age / entrenchment_horizon)``, its age the
    steps since it last changed (one draw per changed dimension, in order); no insight then
    stands behind it. The dimensions that keep their change are dated."""
    state, cfg, own = world.state, world.config, frames(world)
    before = world.scratch["code_before"]
    dims = np.flatnonzero(state.code != before)
    if cfg.code_entrenchment > 0 and dims.size:
        age = world.step - own.code_changed[dims]
        hold = cfg.code_entrenchment * np.minimum(1.0, age / cfg.entrenchment_horizon)
        back = dims[world.rng.random(dims.size) < hold]
        state.code[back] = before[back]
        world.memory.overwrite(world, back)  # the insight that wrote it no longer stands
        world.counts["code_entrenched"] += int(back.size)
        dims = np.setdiff1d(dims, back)
    own.code_changed[dims] = world.step


def blocks(world: World, centres: np.ndarray) -> np.ndarray:
    """(rows, m) mask of the block of interdependent beliefs around each centre: on a
    landscape the bit and the bits its contribution depends on; on reality
    ``double_loop_block`` dimensions from the centre on (wrapping)."""
    m = world.state.m
    environment = world.environment
    if isinstance(environment, NKLandscape):
        loci = environment.deps[centres]
    else:
        loci = (centres[:, None] + np.arange(world.config.double_loop_block)) % m
    mask = np.zeros((centres.size, m), dtype=bool)
    mask[np.arange(centres.size)[:, None], loci] = True
    return mask


def reframe(world: World) -> None:
    """Double-loop learning: safe members performing below their aspiration may try a few
    new settings of a block of beliefs and adopt the best of them.

    The aspiration follows performance, ``a <- a + double_loop_aspiration * (p - a)``, after
    the comparison; a newcomer's starts at its first performance (so it never reframes in
    its first step), and so does everyone's at step 1.

    Draws, in order: one uniform per eligible member (who reframes); one centre per
    reframer; then a uniform for every dimension of every try of every reframer (a try's
    setting: +1 below one half, else -1; only the block's dimensions are used).
    """
    state, cfg, rng = world.state, world.config, world.rng
    own = frames(world)
    performance = np.asarray(world.scratch["performance"], dtype=np.float64)
    aspiration = own.aspiration
    if aspiration is None:
        own.aspiration = performance
        return
    aspiration = np.where(state.joined >= world.step, performance, aspiration)  # newcomers'
    own.aspiration = aspiration + cfg.double_loop_aspiration * (performance - aspiration)
    fell = performance < aspiration
    eligible = np.flatnonzero(fell & (state.safety >= cfg.double_loop_safety))
    if eligible.size == 0:
        return
    reframers = eligible[rng.random(eligible.size) < cfg.double_loop_rate]
    if reframers.size == 0:
        return
    count, tries, m = reframers.size, cfg.double_loop_tries, state.m
    mask = blocks(world, uniform_below(rng, m, count))[:, None, :]
    settings = np.where(rng.random((count, tries, m)) < 0.5, 1, -1).astype(np.int8)
    held = state.beliefs[reframers]
    candidates = np.where(mask, settings, held[:, None, :])
    scores = world.environment.score(candidates.reshape(count * tries, m)).reshape(count, tries)
    chosen = candidates[np.arange(count), np.argmax(scores, axis=1)]
    changed = int(np.count_nonzero(chosen != held))
    state.beliefs[reframers] = chosen
    world.counts["reframings"] += count
    world.counts["double_loop_changes"] += changed
    world.counts["belief_changes"] += changed


# --- the lever ---------------------------------------------------------------------------


def mean_knowledge(world: World) -> float:
    return float(np.mean(world.environment.knowledge(world.state.beliefs)))


def structural_shock(world: World, share: float) -> None:
    """The task's structure changes (``restructure``); the time until mean knowledge is back
    at its level now is measured from here (``recovery_time``)."""
    own = frames(world)
    own.shock_step, own.shock_level, own.recovery = world.next_step, mean_knowledge(world), math.nan
    world.environment.restructure(share, world.rng)


# --- metrics -----------------------------------------------------------------------------


def double_loop_share(world: World) -> float:
    changes = world.counts["belief_changes"]
    return world.counts["double_loop_changes"] / changes if changes else math.nan


def code_age(world: World) -> float:
    """Mean steps since each dimension of the code last changed."""
    return float(np.mean(world.step - frames(world).code_changed))


def code_rigidity(world: World) -> float:
    """Share of the code's dimensions unchanged for ``entrenchment_horizon`` steps or more."""
    age = world.step - frames(world).code_changed
    return float(np.mean(age >= world.config.entrenchment_horizon))


def recovery_time(world: World) -> float:
    """Steps from the last structural shock (its own step counted) to the first recorded
    step at which mean knowledge is back at its level before the shock; NaN until then."""
    own = frames(world)
    waiting = own.shock_step >= 0 and math.isnan(own.recovery) and world.step >= own.shock_step
    if waiting and mean_knowledge(world) >= own.shock_level:
        own.recovery = float(world.step - own.shock_step + 1)
    return own.recovery


def _counter(name: str, label: str, unit: str, description: str) -> Metric:
    return Metric(name, "event count", label, unit, description, enabled=is_on)


METRICS: tuple[Metric, ...] = (
    _counter(
        "belief_changes",
        "belief changes",
        "beliefs",
        "beliefs the learning phases changed and kept this step (after entrenchment), "
        "single- and double-loop (7.21)",
    ),
    _counter(
        "entrenched",
        "entrenched",
        "beliefs",
        "changes the learning phases made that entrenchment undid (7.21)",
    ),
    _counter(
        "code_entrenched",
        "code entrenched",
        "dimensions",
        "changes of the code this step that its entrenchment undid (7.21)",
    ),
    _counter("reframings", "reframings", "members", "members who reframed a block (7.21)"),
    _counter(
        "double_loop_changes",
        "double-loop changes",
        "beliefs",
        "beliefs changed by reframing (7.21)",
    ),
    Metric(
        "double_loop_share",
        "state",
        "double-loop share",
        "share",
        "`double_loop_changes / belief_changes` (NaN if none): how much of the learning "
        "questions the frame",
        low=0.0,
        high=1.0,
        compute=double_loop_share,
        pooled=("double_loop_changes", "belief_changes"),
        enabled=is_on,
    ),
    Metric(
        "code_age",
        "state",
        "code age",
        "steps",
        "mean over the code's dimensions of the steps since each last changed (from step 0)",
        low=0.0,
        compute=code_age,
        enabled=is_on,
    ),
    Metric(
        "code_rigidity",
        "state",
        "code rigidity",
        "share",
        "share of the code's dimensions unchanged for `entrenchment_horizon` steps or more",
        low=0.0,
        high=1.0,
        compute=code_rigidity,
        enabled=is_on,
    ),
    Metric(
        "recovery_time",
        "state",
        "recovery time",
        "steps",
        "steps from the last `structural_shock` (its own counted) to the first recorded row "
        "whose mean knowledge is back at its level before the shock (NaN until then)",
        low=1.0,
        compute=recovery_time,
        enabled=is_on,
    ),
)
