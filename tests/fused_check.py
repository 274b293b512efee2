"""One check shared by the compiled stand-ins' tests: a run with its phases compiled gives
exactly the numbers of the NumPy phases (``commsim.model.fused``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from commsim.model import CommunityModel, kernels
from commsim.model.fused import fuse


class Unfused(CommunityModel):
    """The NumPy phases, whatever numba can do."""

    fuse_phases = False


class Fused(CommunityModel):
    """The compiled stand-ins, even where ``COMMSIM_NO_NUMBA`` turns them off for the model
    (numba is a dependency): then they are checked against the phases' NumPy twins."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not kernels.HAVE_NUMBA:  # fusing draws nothing: the same as at construction
            self._active = fuse(self._active, self.world)


def compiled_phases(model: CommunityModel) -> list[str]:
    """The names of the phases compiled in ``model`` (``march_block`` among them)."""
    plain = {phase.name: phase.run for phase in model.catalogue.phases}
    return [phase.name for phase in model._active if plain.get(phase.name) is not phase.run]


def assert_same_run(
    config: Any, seed: int, steps: int, expect: str | None = None, **overrides: Any
) -> CommunityModel:
    """Run ``config`` fused and unfused for ``steps``; every table, the state arrays and the
    generator must agree. ``expect``: a phase that must run compiled. Returns the fused
    model, for further checks."""
    fused = Fused(config, seed=seed, **overrides)
    if expect is not None:
        assert expect in compiled_phases(fused), compiled_phases(fused)
    reference = Unfused(config, seed=seed, **overrides)
    for model in (fused, reference):
        model.run(steps)
    pd.testing.assert_frame_equal(fused.model_frame(), reference.model_frame())
    pd.testing.assert_frame_equal(fused.insight_frame(), reference.insight_frame())
    pd.testing.assert_frame_equal(fused.intervention_frame(), reference.intervention_frame())
    for field in dataclasses.fields(fused.state):
        ours, theirs = getattr(fused.state, field.name), getattr(reference.state, field.name)
        np.testing.assert_array_equal(ours, theirs, err_msg=field.name)
    np.testing.assert_array_equal(fused.ledger.pool, reference.ledger.pool)
    assert fused.rng.bit_generator.state == reference.rng.bit_generator.state
    return fused


def phase_runs(model: CommunityModel, name: str) -> Callable[..., None]:
    """The callable that runs phase ``name`` in ``model``."""
    return next(phase.run for phase in model._active if phase.name == name)
