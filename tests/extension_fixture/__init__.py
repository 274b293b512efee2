"""A mechanism written outside the package, as a researcher would: a phase with a parameter,
a counter and a state metric, and a lever, on a subclass of the model. Nothing of commsim is
edited: the tests run, sweep (pool and Dask) and serve this model by its import path,
``tests.extension_fixture:ReflectiveModel``.

Double-loop learning [CSL]: now and then the organisation questions its code, and a
dimension it had settled becomes open again (``reflection_rate`` per dimension and step).
"""

from __future__ import annotations

import numpy as np

from commsim.catalogue import Extension, Lever, Metric, Parameter, Phase
from commsim.model import CommunityModel, World

RATE = Parameter(
    "reflection_rate",
    0.0,
    low=0.0,
    high=1.0,
    idea="double-loop learning: questioning the code itself [CSL]",
    description="chance per step that each settled code dimension is reopened",
)


def reflect(world: World) -> None:
    """Each settled code dimension is questioned (set back to 0) with the live rate."""
    rate = world.param("reflection_rate")
    if rate == 0:
        return  # nothing drawn: with the rate at 0 a run is the built-in model's
    questioned = np.flatnonzero((world.rng.random(world.state.m) < rate) & (world.state.code != 0))
    world.state.code[questioned] = 0
    world.counts["code_questioned"] += int(questioned.size)


def hold_retreat(world: World, rate: float) -> None:
    """From now on the organisation questions its code at ``rate``."""
    world.live["reflection_rate"] = rate


REFLECTION = Extension(
    "reflection",
    phases=(
        Phase(
            "reflect",
            reflect,
            parameters=(RATE,),
            counters=("code_questioned",),
            idea="double-loop learning [CSL]",
            after="code_learning",
        ),
    ),
    metrics=(
        Metric(
            "code_questioned",
            "event count",
            "code questioned",
            "dimensions",
            "settled code dimensions reopened",
        ),
        Metric(
            "code_settled",
            "state",
            "code settled",
            "share",
            "share of code dimensions holding a view",
            low=0.0,
            high=1.0,
            compute=lambda world: float(np.count_nonzero(world.state.code)) / world.state.m,
        ),
    ),
    levers=(
        Lever(
            "hold_retreat",
            "Hold a retreat",
            "double-loop learning [CSL]",
            "reflection_rate <- rate from now on",
            (Parameter("rate", 0.5, 0.0, 1.0, label="reflection rate"),),
            apply=hold_retreat,
        ),
    ),
)


class ReflectiveModel(CommunityModel):
    """The built-in model with the reflection mechanism always on."""

    extensions = (REFLECTION,)
