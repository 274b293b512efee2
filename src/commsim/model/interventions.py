"""Interventions: named changes to a live model, validated, applied at once and recorded.

Each action takes the parameters of its schema in ``commsim.config`` (so the model refuses
out-of-range input exactly as a config file would) and appends a row to the model's
intervention log, which the step's metrics row and the run's outputs carry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import TypeAdapter, ValidationError

from commsim.config import ConfigError, Intervention, format_validation_error
from commsim.model.state import CAPACITY_BUILDER, NO_MANAGER, PRACTITIONER
from commsim.model.turnover import replace_members

if TYPE_CHECKING:
    from commsim.model.model import CommunityModel

_SCHEMA: TypeAdapter[Any] = TypeAdapter(Intervention)


def _levels(model: CommunityModel, level: int | None) -> np.ndarray:
    state = model.state
    return np.ones(state.n, dtype=bool) if level is None else state.level == level


def raise_safety(model: CommunityModel, amount: float, level: int | None = None) -> None:
    """A leader's invitation to speak: safety rises by ``amount`` (capped at 1)."""
    who = _levels(model, level)
    model.state.safety[who] = np.minimum(model.state.safety[who] + amount, 1.0)


def set_punitiveness(model: CommunityModel, value: float, level: int | None = None) -> None:
    """Leaders (those with reports) at ``level``, or all, adopt a new punitiveness."""
    state = model.state
    leads = np.zeros(state.n, dtype=bool)
    leads[state.manager[state.manager != NO_MANAGER]] = True
    state.punitiveness[leads & _levels(model, level)] = value


def flatten_hierarchy(model: CommunityModel) -> None:
    """Halve the number of levels (level -> ceil(level / 2)): shorter gaps, easier voice."""
    state = model.state
    state.level[:] = -(-state.level // 2)


def add_capacity_builders(model: CommunityModel, share: float) -> None:
    """Train a share of the practitioners as coaches."""
    state = model.state
    pool = np.flatnonzero(state.role == PRACTITIONER)
    k = round(share * pool.size)
    state.role[model.rng.choice(pool, size=k, replace=False)] = CAPACITY_BUILDER


def set_integration(model: CommunityModel, value: float) -> None:
    """Open (1) or close (0) the walls between practice, research and capacity building."""
    model.integration = value


def reorganisation_shock(model: CommunityModel, share: float, min_level: int = 1) -> None:
    """Senior members (level >= min_level) leave with probability ``share`` (AutoCo)."""
    state = model.state
    senior = np.flatnonzero(state.level >= min_level)
    replace_members(model, senior[model.rng.random(senior.size) < share])


def reality_shock(model: CommunityModel, share: float) -> None:
    """The world changes: a share of reality's dimensions flips at once."""
    model.environment.shock(share, model.rng)


ACTIONS: dict[str, Callable[..., None]] = {
    f.__name__: f
    for f in (
        raise_safety,
        set_punitiveness,
        flatten_hierarchy,
        add_capacity_builders,
        set_integration,
        reorganisation_shock,
        reality_shock,
    )
}


def apply(model: CommunityModel, action: str, **params: Any) -> None:
    """Validate, apply and record one intervention now; ConfigError names what is wrong."""
    try:
        spec = _SCHEMA.validate_python({"action": action, "step": model.next_step, **params})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc.errors()[0], "intervention")) from None
    kwargs = spec.model_dump(exclude={"action", "step"})
    ACTIONS[action](model, **kwargs)
    model.intervention_log.append(
        {"step": spec.step, "action": action, "params": json.dumps(kwargs, sort_keys=True)}
    )
