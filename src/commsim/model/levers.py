"""What the built-in levers (interventions) do to a running organisation.

Each lever is declared in ``commsim.levers`` (arguments, ranges, labels, seed ideas); this
module holds the change itself, a function of the world of the same name. ``apply`` validates
the arguments against the lever's schema (so a live model refuses out-of-range input exactly
as a config file would), makes the change and appends a row to the intervention log, which the
step's metrics row and the run's outputs carry.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from commsim.catalogue import Lever
from commsim.config import ConfigError, format_validation_error, intervention_adapter
from commsim.levers import LEVERS as DECLARED
from commsim.model.double_loop import structural_shock  # noqa: F401 (bound by name)
from commsim.model.fear import set_exploration_fear, set_hero_dependence  # noqa: F401 (bound by name)
from commsim.model.just_culture import (  # noqa: F401 (bound by name: ``_bind``)
    set_accountability,
    train_just_culture,
)
from commsim.model.reporting import close_the_loop, ease_reporting  # noqa: F401 (_bind)
from commsim.model.state import CAPACITY_BUILDER, NO_MANAGER, PRACTITIONER
from commsim.model.tension import set_goal_hierarchy, set_rigour  # noqa: F401  (bound by name)
from commsim.model.turnover import replace_members
from commsim.model.units import (  # noqa: F401 (bound by name in _bind)
    analyse_root_causes,
    hold_cross_unit_reviews,
    set_standardization,
    share_incident_reports,
)

if TYPE_CHECKING:
    from commsim.model.world import World


def _levels(world: World, level: int | None) -> np.ndarray:
    state = world.state
    return np.ones(state.n, dtype=bool) if level is None else state.level == level


def raise_safety(world: World, amount: float, level: int | None = None) -> None:
    """A leader's invitation to speak: safety rises by ``amount`` (capped at 1)."""
    who = _levels(world, level)
    world.state.safety[who] = np.minimum(world.state.safety[who] + amount, 1.0)


def set_punitiveness(world: World, value: float, level: int | None = None) -> None:
    """Leaders (those with reports) at ``level``, or all, adopt a new punitiveness."""
    state = world.state
    leads = np.zeros(state.n, dtype=bool)
    leads[state.manager[state.manager != NO_MANAGER]] = True
    state.punitiveness[leads & _levels(world, level)] = value


def flatten_hierarchy(world: World) -> None:
    """Halve the number of levels (level -> ceil(level / 2)): shorter gaps, easier voice."""
    state = world.state
    state.level[:] = -(-state.level // 2)


def add_capacity_builders(world: World, share: float) -> None:
    """Train a share of the practitioners as coaches."""
    state = world.state
    pool = np.flatnonzero(state.role == PRACTITIONER)
    k = round(share * pool.size)
    state.role[world.rng.choice(pool, size=k, replace=False)] = CAPACITY_BUILDER


def set_integration(world: World, value: float) -> None:
    """Open (1) or close (0) the walls between practice, research and capacity building."""
    world.live["integration"] = value


def reorganisation_shock(world: World, share: float, min_level: int = 1) -> None:
    """Senior members (level >= min_level) leave with probability ``share`` (AutoCo)."""
    state = world.state
    senior = np.flatnonzero(state.level >= min_level)
    replace_members(world, senior[world.rng.random(senior.size) < share])


def reality_shock(world: World, share: float) -> None:
    """The world changes: a share of reality's dimensions flips at once."""
    world.environment.shock(share, world.rng)


def _bind(module_globals: dict[str, Any]) -> tuple[Lever, ...]:
    """The declared built-in levers with the functions of this module of the same names."""
    return tuple(replace(lever, apply=module_globals[lever.name]) for lever in DECLARED)


LEVERS = _bind(globals())


def apply(world: World, action: str, **params: Any) -> None:
    """Validate, apply and record one intervention now; ConfigError names what is wrong."""
    schema = type(world.config)
    try:
        spec = intervention_adapter(schema.levers).validate_python(
            {"action": action, "step": world.next_step, **params}
        )
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(exc.errors()[0], "intervention", schema)
        ) from None
    kwargs = spec.model_dump(exclude={"action", "step"})
    world.levers[action].apply(world, **kwargs)
    world.intervention_log.append(
        {"step": spec.step, "action": action, "params": json.dumps(kwargs, sort_keys=True)}
    )


def apply_scheduled(world: World) -> None:
    """Phase 1: the config's interventions scheduled for this step."""
    for spec in world.config.interventions:
        if spec.step == world.step:
            apply(world, spec.action, **spec.model_dump(exclude={"action", "step"}))
