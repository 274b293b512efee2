"""Experimental designs: which parameter points a sweep runs.

A full factorial grid is built here; Latin hypercube, Sobol (Saltelli) and Morris samples come
from SALib, seeded from the experiment's seed so the same file always gives the same points.
For Sobol and Morris the order of the points is part of the design (SALib's analysers read
the outputs in sample order), so each point keeps its index.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.config import ConfigError
from commsim.experiment.spec import Distribution, LoadedExperiment


@dataclass(frozen=True)
class DesignPoints:
    """The parameter values of each design point, and what analysis needs to know."""

    points: list[dict[str, Any]] | Grid
    info: dict[str, Any]


class Grid:
    """A factorial grid's points in ``itertools.product`` order, made one at a time.

    Its length is known without building it, so a grid of millions of points can be sized,
    refused or previewed in no time.
    """

    def __init__(self, names: list[str], axes: list[list[Any]]) -> None:
        self.names, self.axes = names, axes

    def __len__(self) -> int:
        return math.prod(len(axis) for axis in self.axes)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for values in itertools.product(*self.axes):
            yield dict(zip(self.names, values, strict=True))


def problem(experiment: LoadedExperiment) -> dict[str, Any]:
    """SALib's description of the sampled parameters."""
    dists = [p for p in experiment.spec.parameters.values() if isinstance(p, Distribution)]
    bounds, names = zip(*(d.salib() for d in dists), strict=True) if dists else ((), ())
    return {
        "num_vars": len(dists),
        "names": experiment.parameters,
        "bounds": list(bounds),
        "dists": list(names),
    }


def _factorial(experiment: LoadedExperiment) -> DesignPoints:
    names = experiment.parameters
    axes = [experiment.spec.parameters[name].grid() for name in names]
    points = Grid(names, axes)
    return DesignPoints(points=points, info={"kind": "factorial", "points": len(points)})


def _sample(experiment: LoadedExperiment) -> DesignPoints:
    from SALib.sample import latin, morris, sobol  # heavy; only sampled designs need it

    design, seed = experiment.spec.design, experiment.spec.seed
    prob = problem(experiment)
    samples = int(design.samples or 0)
    info: dict[str, Any] = {"kind": design.kind, "samples": samples, "problem": prob}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's notes on sample sizes; checked below
        if design.kind == "latin":
            matrix = latin.sample(prob, samples, seed=seed)
        elif design.kind == "sobol":
            if samples & (samples - 1):
                raise ConfigError(
                    f"{experiment.source}: field 'design.samples': a Sobol design needs a "
                    f"power of 2 (got {samples})"
                )
            matrix = sobol.sample(prob, samples, calc_second_order=design.second_order, seed=seed)
            info["second_order"] = design.second_order
        else:
            matrix = morris.sample(prob, samples, num_levels=design.levels, seed=seed)
            info["levels"] = design.levels
    matrix = np.asarray(matrix)
    info["points"] = len(matrix)
    if design.kind == "morris":  # the analyser needs the exact grid, before any rounding
        info["matrix"] = matrix.tolist()
    return DesignPoints(points=_points(experiment, matrix), info=info)


def _table(experiment: LoadedExperiment) -> DesignPoints:
    """A table design: the rows of its CSV file, in file order (known by the file's hash)."""
    table = experiment.table
    assert table is not None
    info = {"kind": "table", "table": str(table.path), "sha256": table.sha256}
    return DesignPoints(points=list(table.rows), info={**info, "points": len(table.rows)})


def _points(experiment: LoadedExperiment, matrix: np.ndarray) -> list[dict[str, Any]]:
    """Rows of a sample as parameter dictionaries (integer parameters rounded)."""
    specs = experiment.spec.parameters
    points = []
    for row in matrix:
        point: dict[str, Any] = {}
        for name, value in zip(experiment.parameters, row, strict=True):
            point[name] = int(np.rint(value)) if specs[name].integer else float(value)
        points.append(point)
    return points


def design_points(experiment: LoadedExperiment) -> DesignPoints:
    """The points an experiment's design asks for, in design order."""
    if experiment.spec.design.kind == "factorial":
        return _factorial(experiment)
    if experiment.table is not None:
        return _table(experiment)
    return _sample(experiment)
