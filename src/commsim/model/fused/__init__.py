"""A step compiled: phases replaced by numba-compiled stand-ins that draw the same numbers.

A small organisation's step is almost all fixed cost: each phase is a chain of 10-30 NumPy
calls on arrays of a few hundred elements, each costing microseconds whatever its size. A
*stand-in* does one phase's work as one compiled call, on the same arrays, with the same
random numbers from the model's own generator (``pcg.py`` advances NumPy's PCG64 state in
place), so a run's numbers are the same with numba on or off. The NumPy phases stay the
reference: they run wherever numba is off, ``CommunityModel.fuse_phases`` is False, or a
stand-in does not cover the run (its ``make`` returns None), and the tests run both.

* ``march.py``: March's block (turbulence to code learning) as one call, and whole runs of
  it between kept rows;
* ``STAND_INS``: one phase each, by the phase function it replaces; ``make(world, state)``
  gives the stand-in for a run, or None where the run needs the phase. Each module holds
  its own (``beliefs.py``: acting and socialisation; ``code.py``: turbulence and code
  learning; ``explore.py``; ``peers.py``: peers and mentoring; ``verify.py``: verification
  and codification; ``voice.py``: voice and the climate; ``ledger.py``: what they log).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from commsim.catalogue import Phase

from . import beliefs, code, explore, peers, verify, voice
from .march import fuse_block
from .pcg import generator_state

if TYPE_CHECKING:
    import numpy as np

    from commsim.model.world import World

#: what makes a stand-in for a run: None where the run needs the NumPy phase
Maker = Callable[["World", "np.ndarray"], Callable[["World"], None] | None]

#: the phase functions that have a compiled stand-in, and what makes it (each module's own)
STAND_INS: dict[Callable[[World], None], Maker] = {
    **beliefs.STAND_INS,
    **code.STAND_INS,
    **explore.STAND_INS,
    **peers.STAND_INS,
    **voice.STAND_INS,
    **verify.STAND_INS,
}


def fuse(phases: Sequence[Phase], world: World) -> tuple[Phase, ...]:
    """``phases`` with each compiled where the run allows it, in the same order and names."""
    state = generator_state(world.rng)
    if state is None:  # not NumPy's PCG64 as numba knows it: the phases draw
        return tuple(phases)
    fused = []
    for phase in fuse_block(phases, world, state):
        make = STAND_INS.get(phase.run)
        stand_in = make(world, state) if make is not None else None
        fused.append(phase if stand_in is None else replace(phase, run=stand_in))
    return tuple(fused)
