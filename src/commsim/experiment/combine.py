"""Several sweeps read as one: a ``sweep`` column, the union of their parameters, and a
refusal, in one line, of sweeps whose rows would not mean the same thing side by side.

Two sweeps combine when the same model (and extensions) made them and their ``model`` rows
were recorded alike (``[record] every``); each table asked for must exist in every one, a
metric asked for by name must be in every one, and with none named, a sweep that kept only
some metrics (``[record] metrics``) must have kept the same as the others (columns that differ
by the organisation alone, such as ``safety_level_<k>``, are empty where a sweep lacks them).

A parameter that one sweep varies and another does not is filled, in the other's rows, with
that sweep's base value (from its manifest), so every row says the setting it ran under; a
setting that no sweep varies but whose base value differs between them becomes a column too
(it tells the sweeps' rows apart as much as a parameter does). The ``sweep`` column comes
first: a run's id is a hash of its parameters and repetition only, so two sweeps of different
bases share ids, and point and repetition are numbers within a sweep; ``(sweep, run_id)`` is
what names a run.

The same runs given twice (one folder twice, or a copy: the same basis and run ids) are
refused rather than deduplicated: counting a run twice narrows every interval, and which
folder's name the kept copy should carry is a guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.experiment.plan import ID_COLUMNS
from commsim.experiment.store import experiment_record

SWEEP = "sweep"
SKIPPED_SETTINGS = frozenset({"name", "seed"})  # a run's own seed is on every row already


@dataclass(frozen=True)
class Sweep:
    """A sweep folder as combining needs it: where it is, what it is called, its manifest."""

    root: Path
    name: str
    manifest: Mapping[str, Any]

    @property
    def parameters(self) -> list[str]:
        return list(self.manifest.get("parameters", []))

    @property
    def basis(self) -> Mapping[str, Any]:
        basis = self.manifest.get("basis_fields")
        return basis if isinstance(basis, Mapping) else {}

    @property
    def base(self) -> Mapping[str, Any]:
        base = self.manifest.get("base_config")
        return base if isinstance(base, Mapping) else {}

    @property
    def record(self) -> Mapping[str, Any]:
        """Its ``[record]`` settings: from the manifest, or the copy of its experiment file
        a sweep written before the manifest kept them holds."""
        record = self.basis.get("record")
        return record if isinstance(record, Mapping) else experiment_record(self.root)


def named(roots: Sequence[Path], manifests: Sequence[Mapping[str, Any]]) -> list[Sweep]:
    """Each sweep under its experiment's name; when two share a name, every one under its
    folder's name (and the path as given when folders share a name too)."""
    names = [str(m.get("experiment") or r.name) for r, m in zip(roots, manifests, strict=True)]
    if len(set(names)) < len(names):
        names = [r.name for r in roots]
    if len(set(names)) < len(names):
        names = [str(r) for r in roots]
    return [Sweep(r, n, m) for r, n, m in zip(roots, names, manifests, strict=True)]


def _refuse(a: Sweep, b: Sweep, reason: str) -> ValueError:
    return ValueError(f"cannot combine sweeps {a.root} and {b.root}: {reason}")


def _model(sweep: Sweep) -> tuple[str, str]:
    """The model class and extensions a sweep ran, as comparable text."""
    model = str(sweep.basis.get("model") or "commsim's CommunityModel")
    extensions = sweep.base.get("extensions") or sweep.basis.get("extensions") or []
    return model, json.dumps(extensions, sort_keys=True)


def check_compatible(sweeps: Sequence[Sweep], table: str) -> None:
    """Refuse, in one line naming two sweeps and why, those whose ``table`` rows cannot sit in
    one frame: a folder given twice, another model or extensions, other recording."""
    first = sweeps[0]
    seen: dict[Path, Sweep] = {}
    for sweep in sweeps:
        where = sweep.root.resolve()
        if where in seen:
            raise _refuse(seen[where], sweep, "the same folder given twice")
        seen[where] = sweep
    for other in sweeps[1:]:
        ours, theirs = _model(first), _model(other)
        if ours[0] != theirs[0]:
            raise _refuse(first, other, f"different models ({ours[0]}, {theirs[0]})")
        if ours[1] != theirs[1]:
            raise _refuse(first, other, f"different extensions ({ours[1]}, {theirs[1]})")
        _check_record(first, other, table)


def _check_record(first: Sweep, other: Sweep, table: str) -> None:
    if table == "model":
        a, b = first.record.get("every", 1), other.record.get("every", 1)
        if a != b:
            raise _refuse(
                first,
                other,
                f"recorded every {a} and every {b} steps ([record] every), so a row's event "
                "counts cover different spans; compare sweeps recorded alike",
            )
    kept = [s for s in (first, other) if s.record.get("insights") is not False]
    if table == "insights" and len(kept) == 1:  # none kept: an empty table, as of one sweep
        lacking = other if kept[0] is first else first
        raise _refuse(first, other, f"{lacking.root} kept no insights table ([record] insights)")


def check_metrics(sweeps: Sequence[Sweep], recorded: Sequence[Sequence[str]]) -> None:
    """Refuse, when no metric was named, sweeps of which some kept only some metrics
    (``[record] metrics``) and the columns differ, naming the first that one lacks. Columns
    that differ by the organisation alone (``safety_level_<k>`` of a deeper hierarchy) are
    kept, empty where a sweep has no such column."""
    if all(s.record.get("metrics") is None for s in sweeps):
        return
    for i in range(1, len(sweeps)):
        for a, b, ours, theirs in (
            (sweeps[0], sweeps[i], recorded[0], recorded[i]),
            (sweeps[i], sweeps[0], recorded[i], recorded[0]),
        ):
            missing = [m for m in ours if m not in theirs]
            if missing:
                raise _refuse(
                    a,
                    b,
                    f"{b.root} did not record metric '{missing[0]}' ([record] metrics); "
                    "name the metrics to compare",
                )


def check_named_metrics(
    sweeps: Sequence[Sweep], recorded: Sequence[Sequence[str]], wanted: Sequence[str]
) -> None:
    """Refuse a metric asked for by name that some sweep did not record."""
    for name in wanted:
        has = [s for s, names in zip(sweeps, recorded, strict=True) if name in names]
        lacks = [s for s, names in zip(sweeps, recorded, strict=True) if name not in names]
        if lacks and has:
            raise _refuse(has[0], lacks[0], f"{lacks[0].root} has no metric '{name}'")


def check_duplicates(sweeps: Sequence[Sweep], run_ids: Sequence[set[str]]) -> None:
    """Refuse two sweeps holding the same runs: the same basis (base, seed, recording) and
    shared run ids are the same simulations, which would count twice."""
    for i, a in enumerate(sweeps):
        for j in range(i + 1, len(sweeps)):
            b = sweeps[j]
            same = a.manifest.get("basis") and a.manifest.get("basis") == b.manifest.get("basis")
            shared = run_ids[i] & run_ids[j]
            if same and shared:
                raise _refuse(
                    a,
                    b,
                    f"they hold {len(shared)} of the same runs (same settings, seed and run "
                    "ids: a sweep given twice?); give each run once",
                )


def _cell(value: Any) -> Any:
    """A setting as a frame cell: lists and tables as compact JSON text."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def columns_to_fill(sweeps: Sequence[Sweep]) -> list[str]:
    """The parameter columns of the combined frame: every sweep's parameters (in order of
    first appearance), then the settings no sweep varies whose base values differ."""
    varied = list(dict.fromkeys(p for s in sweeps for p in s.parameters))
    keys = dict.fromkeys(k for s in sweeps for k in s.base)
    differing = [
        k
        for k in keys
        if k not in SKIPPED_SETTINGS
        and k not in varied
        and len({json.dumps(_cell(s.base.get(k)), sort_keys=True) for s in sweeps}) > 1
    ]
    return [*varied, *differing]


def _filled(frame: pd.DataFrame, sweep: Sweep, columns: Sequence[str]) -> pd.DataFrame:
    """The sweep's rows with every column of ``columns`` it does not hold set to its base."""
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            continue
        if column == "policy" and column not in sweep.base:  # no [policies]: the base alone
            out[column] = ["none"] * len(out)
            continue
        if column not in sweep.base:
            raise ValueError(
                f"{sweep.root / 'manifest.json'}: no base value of '{column}' to fill its "
                "rows with (another sweep varies it)"
            )
        out[column] = [_cell(sweep.base[column])] * len(out)
    return out


def combine(
    frames: Sequence[pd.DataFrame], sweeps: Sequence[Sweep], with_parameters: bool
) -> pd.DataFrame:
    """The sweeps' frames as one: ``sweep`` first, then the run's identity, the parameter
    columns (``columns_to_fill``, when the table carries parameters), then the rest.

    ``result.attrs["parameters"]`` lists the parameter columns, ``sweep`` first: what a
    summary of the combined frame groups by.
    """
    fill = columns_to_fill(sweeps) if with_parameters else []
    parts = []
    for frame, sweep in zip(frames, sweeps, strict=True):
        part = _filled(frame, sweep, fill)
        part.insert(0, SWEEP, [sweep.name] * len(part))
        parts.append(part)
    joined = pd.concat([p for p in parts if len(p)] or parts, ignore_index=True)
    identity = [c for c in ID_COLUMNS if c in joined.columns]
    lead = [SWEEP, *identity, *fill]
    rest = [c for c in joined.columns if c not in lead]
    joined = joined[[*lead, *rest]]
    names = [s.name for s in sweeps]
    joined[SWEEP] = pd.Categorical(joined[SWEEP].astype(str), categories=names)
    joined.attrs["parameters"] = [SWEEP, *fill] if with_parameters else [SWEEP]
    return joined


def qualified(frame: pd.DataFrame) -> pd.DataFrame:
    """The combined frame with each ``run_id`` prefixed by its sweep's name: analysis that
    tells runs apart by id alone (each run's last row, a line per run) must not merge two
    sweeps' runs that share an id."""
    ids = frame[SWEEP].astype(str) + "/" + frame["run_id"].astype(str)
    out = frame.assign(run_id=ids)
    out.attrs = dict(frame.attrs)
    return out


def within_and_between(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The combined frame's parameters split in two: ``sweep`` and those that vary within some
    sweep (a figure's panels), and those constant in each sweep (told apart by the sweep
    itself: a panel of theirs would repeat the sweep's)."""
    parameters = list(frame.attrs.get("parameters", [SWEEP]))
    spread = frame.groupby(SWEEP, observed=True)[parameters[1:]].nunique(dropna=False).max()
    within = [p for p in parameters[1:] if spread[p] > 1]
    return [SWEEP, *within], [p for p in parameters[1:] if p not in within]


def per_sweep(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Each setting that only the sweep decides, in words: ``n agents 30 in alpha / 40 in big``."""

    def fmt(value: Any) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    firsts = frame.groupby(SWEEP, observed=True)[list(columns)].first()
    return [
        f"{c.replace('_', ' ')} " + " / ".join(f"{fmt(v)} in {n}" for n, v in firsts[c].items())
        for c in columns
    ]
