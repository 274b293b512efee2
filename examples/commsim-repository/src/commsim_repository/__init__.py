"""A knowledge repository for commsim: members write down what they believe and look up
what others wrote ([LO]: knowledge repositories; [CSL]: memory that outlives turnover).

The repository holds one entry per dimension of the task: +1 or -1, or 0 while nobody has
written that dimension down. It belongs to the organisation, not to a member, so what was
written stays when its writer leaves, and stays as written when the world changes: an
entry is never overwritten, only removed by curation (the lever). Each step, after members
learn from their peers:

1. contribution: each member, with probability ``repository_contribution_rate``, draws one
   dimension at random and, if the repository has no entry there and the member holds a
   belief there, writes its belief down (of several who write one entry in a step, the
   first in row order does);
2. consultation: each member, with probability ``repository_consultation_rate``, looks up
   one dimension, drawn at random, and takes the entry's value if there is one.

The draws come from ``world.rng`` in a fixed order: a uniform per member, then one per
contributor for its dimension (``floor(u * m)``); the same for consultation. Nothing is
drawn while a rate is 0, so with both rates at 0 a run is exactly the built-in model's.

``EXTENSION`` is registered under the ``commsim.extensions`` entry-point group (this
package's pyproject.toml); a scenario switches it on with ``extensions = ["repository"]``.
"""

from __future__ import annotations

import numpy as np

from commsim.catalogue import Extension, Lever, Metric, Parameter, Phase
from commsim.model import World

__version__ = "0.1.0"

NAME = "repository"


def empty_repository(world: World) -> np.ndarray:
    """The extension's own state, made when a model is built: no entry on any dimension.

    The model keeps it as ``world.extra["repository"]`` for the whole run."""
    return np.zeros(world.state.m, dtype=np.int8)


def draw_dims(rng: np.random.Generator, size: int, m: int) -> np.ndarray:
    """``size`` dimensions, uniform on 0 .. m - 1, as ``floor(u * m)``."""
    return (rng.random(size) * m).astype(np.int64)


def consult_and_contribute(world: World) -> None:
    """The phase: members write into the repository, then look things up in it."""
    entries = world.extra[NAME]
    beliefs = world.state.beliefs
    n, m = beliefs.shape
    rate = world.param("repository_contribution_rate")
    if rate > 0:
        who = np.flatnonzero(world.rng.random(n) < rate)
        dims = draw_dims(world.rng, who.size, m)
        values = beliefs[who, dims]
        new = (values != 0) & (entries[dims] == 0)
        dims, values = dims[new], values[new]
        _, first = np.unique(dims, return_index=True)  # the first writer of each entry
        entries[dims[first]] = values[first]
        world.counts["repository_contributions"] += int(first.size)
    rate = world.param("repository_consultation_rate")
    if rate > 0:
        who = np.flatnonzero(world.rng.random(n) < rate)
        dims = draw_dims(world.rng, who.size, m)
        found = entries[dims] != 0
        beliefs[who[found], dims[found]] = entries[dims[found]]
        world.counts["repository_consultations"] += int(np.count_nonzero(found))


CONTRIBUTION = Parameter(
    "repository_contribution_rate",
    0.0,
    low=0.0,
    high=1.0,
    label="contribution rate",
    idea="codifying what members know in a knowledge repository [LO]",
    description="chance per step that a member writes its belief on one dimension down "
    "(where the repository has no entry)",
)
CONSULTATION = Parameter(
    "repository_consultation_rate",
    0.0,
    low=0.0,
    high=1.0,
    label="consultation rate",
    idea="memory that outlives turnover [CSL]; knowledge repositories [LO]",
    description="chance per step that a member looks one dimension up and takes its entry",
)

PHASE = Phase(
    "repository",
    consult_and_contribute,
    parameters=(CONTRIBUTION, CONSULTATION),
    counters=("repository_contributions", "repository_consultations"),
    idea="knowledge repositories [LO]; memory that outlives turnover [CSL]",
    description="members write beliefs into the repository and take entries from it",
    after="peers",
)


def coverage(world: World) -> float:
    """Share of the dimensions the repository has an entry for."""
    entries = world.extra[NAME]
    return np.count_nonzero(entries) / entries.size


def knowledge(world: World) -> float:
    """The repository's knowledge, read as a member's beliefs (no entry: undecided)."""
    return float(world.environment.knowledge(world.extra[NAME][None, :])[0])


METRICS = (
    Metric(
        "repository_contributions",
        "event count",
        "repository contributions",
        "entries",
        "entries written into the repository (where it had none)",
    ),
    Metric(
        "repository_consultations",
        "event count",
        "repository consultations",
        "look-ups",
        "look-ups that found an entry (the member took its value)",
    ),
    Metric(
        "repository_coverage",
        "state",
        "repository coverage",
        "share",
        "share of dimensions with an entry in the repository",
        low=0.0,
        high=1.0,
        compute=coverage,
    ),
    Metric(
        "repository_knowledge",
        "state",
        "repository knowledge",
        "(right - wrong) / m",
        "the repository's entries read as beliefs: knowledge of the task (0 counts 0)",
        low=-1.0,
        high=1.0,
        compute=knowledge,
    ),
)


def curate_repository(world: World, share: float) -> None:
    """The lever: research reviews each entry with probability ``share`` and removes those it
    finds wrong (feedback on the entry's dimension, misread with ``research_noise``)."""
    entries = world.extra[NAME]
    reviewed = np.flatnonzero((world.rng.random(entries.size) < share) & (entries != 0))
    as_rows = np.repeat(entries[None, :], reviewed.size, axis=0)
    verdict = world.environment.observe(as_rows, reviewed, world.param("research_noise"), world.rng)
    entries[reviewed[verdict != entries[reviewed]]] = 0


CURATE = Lever(
    "curate_repository",
    "Curate the repository",
    "knowledge repositories [LO]: verified, not only collected [CSL]",
    "each entry is reviewed with probability share; research removes the wrong ones",
    (Parameter("share", 1.0, 0.0, 1.0, open_low=True, label="of entries reviewed"),),
    apply=curate_repository,
)

EXTENSION = Extension(
    NAME,
    phases=(PHASE,),
    metrics=METRICS,
    levers=(CURATE,),
    description="a knowledge repository members contribute to and consult",
    setup=empty_repository,
)
