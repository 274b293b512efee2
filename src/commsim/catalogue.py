"""What a mechanism declares: its parameters, its phase, its metrics and its levers.

These are plain descriptions, declared once beside the rule they describe and read by every
floor: the config's schema, the model's step, data collection, the sweep planner, figures,
the CLI's summary and the workshop app all take names, ranges, units and labels from here.
An installed package declares the same things in an ``Extension`` and registers it under the
``commsim.extensions`` entry-point group (``commsim.extensions`` module); a scenario file
then switches it on by name.

This module imports nothing from commsim: the config (floor 1) builds its schema from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from commsim.config import Config
    from commsim.model import World

Kind = Literal["state", "event count", "head count"]
Scalar = float | int | bool | str


@dataclass(frozen=True)
class Parameter:
    """A number, flag or choice a user sets: in a scenario file, or as a lever's argument.

    ``default`` None with ``required`` False means "optional, unset" (e.g. a lever's
    ``level``: every level when not given). ``low``/``high`` bound numbers (``open_low``:
    strictly above ``low``); ``choices`` list a choice's allowed values. ``label`` is what the
    app's slider says; ``description`` what the value means and ``idea`` the seed idea it
    stands for (docs/MODEL.md's parameter table shows both; Markdown).
    """

    name: str
    default: Scalar | None = None
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    integer: bool = False
    choices: tuple[str, ...] = ()
    required: bool = False
    label: str = ""
    idea: str = ""
    description: str = ""

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        if isinstance(self.default, bool):
            return "flag"
        return "integer" if self.integer else "number"


def always(config: Config) -> bool:
    """A phase that runs every step (it may do nothing when its rates are 0); a lever the app
    offers in every scenario."""
    return True


@dataclass(frozen=True)
class Phase:
    """One mechanism's part of a step: a call on the world, run when the config says so.

    ``parameters`` are the config fields the mechanism owns; ``counters`` the event counts it
    increments in ``world.counts`` (each also a metric, of kind "event count" unless the
    catalogue says otherwise). ``when`` says in words when ``enabled`` holds (docs/MODEL.md's
    step table shows it). An extension's phase is placed ``after`` (or ``before``) a named
    phase; without either it runs after every built-in phase, before the metrics.
    """

    name: str
    run: Callable[[World], None]
    enabled: Callable[[Config], bool] = always
    parameters: tuple[Parameter, ...] = ()
    counters: tuple[str, ...] = ()
    idea: str = ""
    description: str = ""
    after: str | None = None
    before: str | None = None
    when: str = "always"


@dataclass(frozen=True)
class Metric:
    """A column of the model table: what it measures, in what unit, within what domain.

    ``kind``: a *state* is read at the recorded step; an *event count* counts what happened
    since the previous recorded row (a run's total is the sum); a *head count* counts members
    at the step. A name with ``{}`` is a family (one column per level or role): ``members``
    gives its labels for a config, and ``label`` has a ``{}`` for the member too. ``compute``
    reads the value off the world after the step's phases; an event count without it is the
    phases' counter of that name; the built-in state metrics have none, since one pass
    computes them all (``model.metrics.collect``).

    ``pooled`` makes a state that is a share of two event counts (numerator, denominator)
    pool over a run as ``sum(numerator) / sum(denominator)``, so quiet steps weigh less than
    busy ones. ``label`` and ``unit`` are what figures, tables and the app print;
    ``description`` is the definition docs/MODEL.md shows (Markdown).
    """

    name: str
    kind: Kind
    label: str
    unit: str
    description: str = ""
    low: float = -math.inf
    high: float = math.inf
    compute: Callable[[World], float] | None = None
    members: Callable[[Config], Iterable[object]] | None = None
    #: among the few numbers shown when nobody chose (run summary, results, plots)
    headline: bool = False
    #: in a run's summary (``commsim run``) too, beside the headline metrics
    summary: bool = False
    pooled: tuple[str, str] | None = None
    #: what a family's ``{}`` stands for when its members depend on the scenario (the ``k``
    #: of ``safety_level_<k>``); a family with fixed members leaves it empty
    placeholder: str = ""
    #: whether a run of a config records it: a mechanism's metrics only where it is on, so a
    #: run without the mechanism has the table it always had
    enabled: Callable[[Config], bool] = always

    def names(self, config: Config) -> list[str]:
        """The columns this metric makes for a run of ``config``."""
        if not self.enabled(config):
            return []
        if self.members is None:
            return [self.name]
        return [self.name.format(label) for label in self.members(config)]

    def member(self, column: str) -> str | None:
        """The family member ``column`` is (``"2"`` of ``safety_level_2``); None if it is not
        one of this metric's columns, or this metric is no family."""
        if "{}" not in self.name:
            return None
        head, tail = self.name.split("{}")
        inner = column[len(head) : len(column) - len(tail)]
        if inner and column.startswith(head) and column.endswith(tail):
            return inner
        return None

    def label_of(self, column: str) -> str:
        """What to call one of this metric's columns: its label, a family's member filled in."""
        member = self.member(column)
        return self.label.format(member.replace("_", " ")) if member is not None else self.label

    @property
    def domain(self) -> tuple[float, float]:
        return (0.0, math.inf) if self.kind != "state" else (self.low, self.high)


@dataclass(frozen=True)
class Lever:
    """An intervention: a named change to a running organisation, with its arguments.

    The config schema of a scheduled intervention, the app's button and sliders, and both
    models' dispatch are made from this. ``apply(world, **arguments)`` makes the change;
    the built-in levers' ``apply`` functions are bound in ``commsim.model.levers``. ``label``
    is the app's button; ``description`` (what it does) and ``idea`` (the seed idea) are
    docs/MODEL.md's lever table (Markdown).
    """

    name: str
    label: str
    idea: str
    description: str
    parameters: tuple[Parameter, ...] = ()
    apply: Callable[..., None] | None = None
    #: whether the app offers it for a scenario (a mechanism's lever only where it is on);
    #: a scenario file may schedule any lever
    offered: Callable[[Config], bool] = always


@dataclass(frozen=True)
class Extension:
    """What an installed package adds: phases (with their parameters), metrics and levers.

    ``setup(world)``, if given, makes the extension's own state when a model is built (after
    the built-in state, before step 0's interventions and metrics); the model keeps what it
    returns as ``world.extra[name]`` for the whole run. It should not draw from
    ``world.rng``: then a run with the extension's rates at 0 is the built-in model's.
    """

    name: str
    phases: tuple[Phase, ...] = ()
    metrics: tuple[Metric, ...] = ()
    levers: tuple[Lever, ...] = ()
    description: str = ""
    setup: Callable[[World], Any] | None = None
    #: the installed distribution's version (set when found by its entry point)
    version: str = ""

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for phase in self.phases for p in phase.parameters)

    def with_version(self, version: str) -> Extension:
        return replace(self, version=version)


def distinct(extensions: Iterable[Extension]) -> tuple[Extension, ...]:
    """Each extension once, by name, in first-seen order; where one is given twice (a model
    class's own, and the same found by its entry point), the copy that knows its version."""
    found: dict[str, Extension] = {}
    for extension in extensions:
        known = found.get(extension.name)
        if known is None or (extension.version and not known.version):
            found[extension.name] = extension
    return tuple(found.values())


@dataclass(frozen=True)
class Catalogue:
    """What one model runs with: its phases in order, its metrics, its levers, its extensions."""

    phases: tuple[Phase, ...]
    metrics: tuple[Metric, ...]
    levers: tuple[Lever, ...]
    extensions: tuple[Extension, ...] = ()

    def metric_names(self, config: Config) -> list[str]:
        """Every column of a run's model table but ``step``, in order."""
        return [name for metric in self.metrics for name in metric.names(config)]

    @cached_property
    def counters(self) -> tuple[str, ...]:
        """What phases count in ``world.counts``: event counts and head counts."""
        return tuple(m.name for m in self.metrics if m.kind != "state")

    @cached_property
    def events(self) -> tuple[str, ...]:
        """The event counts: a row holds those since the previous row; totals are sums."""
        return tuple(m.name for m in self.metrics if m.kind == "event count")

    def events_of(self, config: Config) -> tuple[str, ...]:
        """The event counts a run of ``config`` records: a mechanism's only where it is on."""
        return tuple(m.name for m in self.metrics if m.kind == "event count" and m.enabled(config))

    @property
    def headline(self) -> tuple[str, ...]:
        """The few columns shown when nobody chose (``commsim results``, ``plot``)."""
        return tuple(m.name for m in self.metrics if m.headline and m.members is None)

    def metric(self, column: str) -> Metric | None:
        """The metric a column belongs to (a family's member too); None if none does."""
        for metric in self.metrics:
            if metric.name == column:
                return metric
        for metric in self.metrics:
            if metric.member(column) is not None:
                return metric
        return None
