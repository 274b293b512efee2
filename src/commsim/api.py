"""The Python entry points: run a scenario, get its tables back; read a saved run.

``run`` is what the command line calls, so a notebook and ``commsim run`` produce the same
tables and manifest from the same config.
"""

from __future__ import annotations

import difflib
import functools
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from commsim import storage
from commsim.config import RENAMED, Config, load_config, renamed_message
from commsim.model import CATALOGUE, DEFAULT_MODEL, CommunityModel, import_model, model_fields

if TYPE_CHECKING:
    from commsim.catalogue import Catalogue
    from commsim.experiment.plan import SweepSize
    from commsim.experiment.spec import LoadedExperiment
    from commsim.experiment.sweep import SweepInterrupted  # noqa: F401 (module __getattr__)
    from commsim.orgfiles import OrgCheck

TABLES = storage.TABLES
FIGURE = storage.FIGURE  # the summary figure a saved run holds beside its tables

StepSelection = int | slice | Iterable[int]


#: a model class, its import path ``package.module:Class``, or None for ``CommunityModel``
ModelChoice = str | type[CommunityModel] | None


@dataclass(frozen=True, eq=False)
class RunResult:
    """One run's tables (as the model recorded them), its config and its manifest, and the
    catalogue of the model that ran (its metrics' labels and units; None: the built-in)."""

    model: pd.DataFrame
    agents: pd.DataFrame
    insights: pd.DataFrame
    interventions: pd.DataFrame
    config: Config
    manifest: dict[str, Any]
    catalogue: Catalogue | None = None

    def table(self, name: str) -> pd.DataFrame:
        """A table by name, as ``load_results`` names them."""
        if name not in TABLES:
            raise ValueError(f"table must be one of {', '.join(TABLES)} (got {name!r})")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def save(
        self,
        out_dir: str | os.PathLike[str],
        *,
        config_path: str | os.PathLike[str] | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Write this run to ``out_dir``; an earlier run there only with ``overwrite``.

        See ``commsim.storage.write_run``: anything in ``out_dir`` that commsim did not
        write refuses the save, whatever ``overwrite`` says.
        """
        return storage.write_run(self, out_dir, config_path=config_path, overwrite=overwrite)


def model_class(model: ModelChoice) -> type[CommunityModel]:
    """The model class a path ``package.module:Class`` names (None: ``CommunityModel``);
    ConfigError in one line when it cannot be imported or is not a model."""
    return import_model(model, "--model")


def check_run_dir(out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Refuse, before a run, an ``out_dir`` its ``save`` would refuse after it (see
    ``commsim.storage.check_out_dir``), so a long run is not wasted."""
    return storage.check_out_dir(out_dir, overwrite=overwrite)


def check_new_file(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """Refuse, before any work, a ``--csv`` file that cannot be written, or that exists
    without ``overwrite``."""
    from commsim import outputs

    return outputs.check_new_file(path, overwrite)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV, written whole or not at all (checked first with ``check_new_file``)."""
    from commsim import outputs

    outputs.write_text_file(path, frame.to_csv(index=False))


_INTERVENTION_TYPES = {"step": "int64", "action": "str", "params": "str"}


def _typed_interventions(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types, so an empty log round-trips through Parquet like a full one
    (a model's own frame is typed already: nothing to convert)."""
    if list(frame.columns) == list(_INTERVENTION_TYPES) and all(
        frame[c].dtype == t for c, t in _INTERVENTION_TYPES.items()
    ):
        return frame
    return frame.astype(_INTERVENTION_TYPES)


def run(
    config: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    *,
    steps: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    model: ModelChoice = None,
    **overrides: Any,
) -> RunResult:
    """Run one scenario to the end and return its tables.

    ``config`` is a TOML/YAML path, a mapping or a ``Config``; ``steps``, ``seed`` and any
    keyword overrides replace its fields (and are validated like it), so the manifest records
    exactly what ran. ``progress(step)`` is called after every step. ``model`` is the model
    class, or its import path ``package.module:Class`` (default: ``CommunityModel``).
    """
    if steps is not None:
        overrides["steps"] = steps
    if seed is not None:
        overrides["seed"] = seed
    cls = import_model(model, "model")
    cfg = load_config(config, extensions=cls.extensions, **overrides)
    config_path = config if isinstance(config, str | os.PathLike) else None

    started, t0 = datetime.now(UTC), perf_counter()
    model = cls(cfg)
    model.run(progress=progress)
    wall, finished = perf_counter() - t0, datetime.now(UTC)

    manifest = storage.build_manifest(
        cfg,
        steps_run=int(model.steps),
        started=started,
        finished=finished,
        wall_time_s=wall,
        config_path=config_path,
        model=model_fields(cls, cfg),
    )
    return RunResult(
        model=model.model_frame(),
        agents=model.agent_frame(),
        insights=model.insight_frame(),
        interventions=_typed_interventions(model.intervention_frame()),
        config=cfg,
        manifest=manifest,
        catalogue=model.catalogue,
    )


# a column older tables had in place of one a pooled share now reads: "spoken" counts every
# insight raised (heard or punished); before it was recorded, only "voiced" was
_FORMER_COLUMNS = {"insights_spoken": "insights_voiced"}


def _summarised(catalogue: Catalogue | None) -> list[Any]:
    """The metrics a run's summary shows: the catalogue's headline and summary ones."""
    return [
        m
        for m in (catalogue or CATALOGUE).metrics
        if (m.headline or m.summary) and m.members is None
    ]


def summarise(model_df: pd.DataFrame, catalogue: Catalogue | None = None) -> dict[str, float | int]:
    """The few numbers of a run (``steps``, then the metrics the model's catalogue marks
    ``headline`` or ``summary``): a state's final value, an event count's run total, and a
    pooled share (``Metric.pooled``) as the ratio of its two run totals.

    Pooled over the run (e.g. all insights spoken up / all chances to speak), not averaged per
    step, so quiet steps do not weigh as much as busy ones. A metric the table lacks is NaN
    (or 0 for a total) rather than an error, so old runs still summarise. ``catalogue``: the
    model's (``RunResult.catalogue``; default: the built-in model's).
    """
    last = model_df.iloc[-1]

    def final(column: str) -> float:
        return float(last[column]) if column in model_df else float("nan")

    def total(column: str) -> int:
        if column not in model_df:
            column = _FORMER_COLUMNS.get(column, column)
        return int(model_df[column].sum()) if column in model_df else 0

    def ratio(num: int, den: int) -> float:
        return num / den if den else float("nan")

    summary: dict[str, float | int] = {"steps": int(last["step"])}
    for metric in _summarised(catalogue):
        if metric.pooled is not None:
            numerator, denominator = metric.pooled
            summary[metric.name] = ratio(total(numerator), total(denominator))
        elif metric.kind == "event count":
            summary[metric.name] = total(metric.name)
        else:
            summary[metric.name] = final(metric.name)
    return summary


def summary_labels(catalogue: Catalogue | None = None) -> dict[str, tuple[str, str]]:
    """What to call each number of ``summarise`` (but ``steps``): the metric's label with how
    the run was reduced to it (final, total, over the run), and its unit."""
    labels = {}
    for metric in _summarised(catalogue):
        if metric.pooled is not None:
            how = "over the run"
        else:
            how = "total" if metric.kind == "event count" else "final"
        labels[metric.name] = (f"{metric.label} ({how})", metric.unit)
    return labels


# --- reading a saved run ----------------------------------------------------------------


def _run_dir(path: str | os.PathLike[str]) -> Path:
    run_dir = Path(path)
    if not run_dir.exists():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir}: not a directory (expected a commsim run directory)")
    if not storage.is_run_dir(run_dir):
        raise ValueError(f"{run_dir}: not a commsim run or sweep directory (no {storage.MANIFEST})")
    return run_dir


def _step_mask(step: pd.Series, steps: StepSelection) -> np.ndarray:
    if isinstance(steps, bool):
        raise TypeError("steps must be an int, a slice or a collection of ints")
    if isinstance(steps, int | np.integer):
        return (step == int(steps)).to_numpy()
    if isinstance(steps, slice):  # like indexing a list of steps 0..last
        last = int(step.max()) + 1 if len(step) else 0
        return step.isin(range(*steps.indices(last))).to_numpy()
    return step.isin([int(s) for s in steps]).to_numpy()


def _step_list(steps: StepSelection) -> list[int]:
    """Explicitly named steps (an int or a collection of ints) as a list."""
    return [int(steps)] if isinstance(steps, int | np.integer) else [int(s) for s in steps]


def _wanted(metrics: str | Iterable[str] | None) -> list[str] | None:
    if metrics is None:
        return None
    return [metrics] if isinstance(metrics, str) else list(metrics)


def _load_sweep(
    root: Path, table: str, metrics: str | Iterable[str] | None, steps: StepSelection | None
) -> pd.DataFrame:
    """A sweep's table; steps as in ``load_results``, a slice counted within each run."""
    from commsim.experiment.plan import ID_COLUMNS
    from commsim.experiment.store import read_manifest_of, read_sweep

    wanted = _wanted(metrics)
    columns = None
    if wanted is not None and table in ("model", "insights"):
        keys = [*ID_COLUMNS, *read_manifest_of(root).get("parameters", [])]
        keys = keys if table == "model" else ["run_id"]
        lead = [*keys, "step"] if table == "model" else keys
        columns = list(dict.fromkeys([*lead, *wanted]))
    pushed = None
    if steps is not None and not isinstance(steps, slice) and table == "model":
        pushed = _step_list(steps)
    frame = read_sweep(root, table, columns=columns, steps=pushed)
    if isinstance(steps, slice) and table == "model" and len(frame):
        keep = frame.groupby("run_id", sort=False)["step"].transform(
            lambda step: pd.Series(_step_mask(step, steps), index=step.index)
        )
        frame = frame.loc[keep.astype(bool)].reset_index(drop=True)
    return frame


PathLike = str | os.PathLike[str]


def load_results(
    path: PathLike | list[PathLike] | tuple[PathLike, ...],
    table: str = "model",
    metrics: str | Iterable[str] | None = None,
    steps: StepSelection | None = None,
) -> pd.DataFrame:
    """One table of a saved run or sweep, optionally only some columns and some steps.

    ``metrics`` names columns to keep (``step`` is always kept, first; for a sweep, the run's
    id, point, repetition, seed and parameters too); ``steps`` is a step, a collection of
    steps, or a slice read as indexing the list of steps ``0..last`` of each run
    (``slice(10, 20)`` is steps 10-19, ``slice(-5, None)`` the last five); a named step that
    no run recorded (a sweep kept every 10th, a run stopped earlier) is refused with the
    steps that exist. A sweep's tables are ``model`` (one row per run and recorded step),
    ``insights``, ``runs`` and ``failures``; an empty one keeps its columns. Raises
    ``FileNotFoundError`` or ``ValueError`` with a one-line message.

    Several sweeps (a list or tuple of folders, even of one) come back as one frame with a
    ``sweep`` column first (the experiment's name, or the folder's when two share a name;
    ``(sweep, run_id)`` names a run, as two sweeps' runs can share ids) and the union of
    their parameters: a parameter one sweep does not vary holds, in its rows, that sweep's
    base value from its manifest, and a setting held at different values by different sweeps
    is a column too, so the frame is tidy and the sweeps comparable. Sweeps whose rows would
    not compare are refused in one line naming two of them and why (see
    ``commsim.experiment.combine``); ``result.attrs["parameters"]`` lists the parameter columns.
    """
    from commsim.experiment.store import is_sweep_dir

    if isinstance(path, list | tuple):
        return _load_several(path, table, metrics, steps)

    if is_sweep_dir(path):
        return _load_sweep(Path(path), table, metrics, steps)
    run_dir = _run_dir(path)
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)} (got {table!r})")
    file = run_dir / f"{table}.parquet"
    if not file.is_file():
        raise FileNotFoundError(f"{file}: missing from the run directory {run_dir}")

    columns: list[str] | None = None
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        available = pq.read_schema(file).names
        for name in wanted:
            if name not in available:
                close = difflib.get_close_matches(name, available, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"{file}: no column '{name}'{hint}")
        columns = list(dict.fromkeys(["step", *wanted]))

    frame = pd.read_parquet(file, columns=columns)
    if steps is not None:
        every = frame["step"]
        frame = frame.loc[_step_mask(every, steps)]
        if table in ("model", "agents") and not isinstance(steps, slice):
            from commsim.experiment.store import check_steps

            check_steps(_step_list(steps), frame["step"], lambda: every)
    return frame.reset_index(drop=True)


def _sweeps(paths: Iterable[PathLike]) -> list[Any]:
    """Sweep folders, each checked and named (``commsim.experiment.combine.named``)."""
    from commsim.experiment.combine import named

    found = [_sweep(p) for p in paths]
    if not found:
        raise ValueError("no sweep folders given")
    return named([root for root, _ in found], [manifest for _, manifest in found])


def sweep_names(paths: Iterable[PathLike]) -> list[str]:
    """The names several sweeps go by in their combined frame's ``sweep`` column: each
    experiment's, or, when two share one, each folder's."""
    return [sweep.name for sweep in _sweeps(paths)]


def _load_several(
    paths: Iterable[PathLike],
    table: str,
    metrics: str | Iterable[str] | None,
    steps: StepSelection | None,
) -> pd.DataFrame:
    """Several sweeps' ``table`` as one frame, or one line saying why they do not combine."""
    from commsim.experiment import combine
    from commsim.experiment.store import SWEEP_TABLES, SweepStore

    if table not in SWEEP_TABLES:
        raise ValueError(f"table must be one of {', '.join(SWEEP_TABLES)} (got {table!r})")
    sweeps = _sweeps(paths)
    combine.check_compatible(sweeps, table)
    wanted = _wanted(metrics)
    if table == "model":
        recorded = [sweep_metrics(s.root) for s in sweeps]
        if wanted is None:
            combine.check_metrics(sweeps, recorded)
        else:
            combine.check_named_metrics(sweeps, recorded, wanted)
    combine.check_duplicates(sweeps, [SweepStore(s.root).done_ids() for s in sweeps])
    frames = []
    for sweep in sweeps:
        try:
            frames.append(_load_sweep(sweep.root, table, wanted, steps))
        except ValueError as exc:
            text = str(exc)
            raise ValueError(text if str(sweep.root) in text else f"{sweep.root}: {text}") from None
    return combine.combine(frames, sweeps, with_parameters=table != "insights")


# --- sweeps -------------------------------------------------------------------------------


def load_experiment(
    experiment: str | os.PathLike[str] | dict[str, Any] | LoadedExperiment,
    model: ModelChoice = None,
) -> LoadedExperiment:
    """An experiment file (or mapping) read and checked for runs of ``model``, as ``sweep``
    and ``preview_sweep`` take it; one already loaded is returned as it is."""
    from commsim.experiment.spec import LoadedExperiment
    from commsim.experiment.spec import load_experiment as load

    if isinstance(experiment, LoadedExperiment):
        return experiment
    return load(experiment, import_model(model, "model"))


def check_sweep_flags(resume: bool, overwrite: bool) -> None:
    """Refuse asking a sweep both to continue (``resume``) and to start afresh."""
    from commsim.experiment.store import check_flags

    check_flags(resume, overwrite)


@dataclass(frozen=True)
class SweepPreview:
    """What a sweep would run, with nothing run: its size and (the head of) its run table."""

    experiment: LoadedExperiment
    size: SweepSize
    table: pd.DataFrame
    rows: int  # the runs the whole table holds: all, or with ``out`` those still to run
    done: int | None = None  # with ``out``: runs already there
    failed: int | None = None  # with ``out``: runs there that failed and would be retried


def preview_sweep(
    experiment: str | os.PathLike[str] | dict[str, Any] | LoadedExperiment,
    out: str | os.PathLike[str] | None = None,
    *,
    head: int | None = None,
    model: ModelChoice = None,
) -> SweepPreview:
    """The runs an experiment asks for (what ``commsim sweep --dry-run`` shows); with ``out``,
    only those a resume into that sweep would still run. ``head`` keeps the table's first
    rows only, and without ``out`` plans no more than those (cheap for millions of runs)."""
    from commsim.experiment.plan import plan_head, plan_sweep, run_table, sweep_size
    from commsim.experiment.sweep import pending

    loaded = load_experiment(experiment, model)
    size = sweep_size(loaded)
    if out is None:
        table = plan_sweep(loaded).table() if head is None else plan_head(loaded, head)
        return SweepPreview(loaded, size, table, size.runs)
    todo, counts = pending(plan_sweep(loaded), out)
    table = run_table(todo, loaded.columns)
    table = table if head is None else table.head(head)
    return SweepPreview(loaded, size, table, len(todo), counts["done"], counts["failed"])


def sweep_plan(
    experiment: str | os.PathLike[str] | dict[str, Any],
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """The runs an experiment file asks for (what ``commsim sweep --dry-run`` counts); with
    ``out``, only those a resume into that sweep would still run."""
    return preview_sweep(experiment, out).table


def write_plan(table: pd.DataFrame, path: Path) -> None:
    """A run table to a new CSV or Parquet file (by its suffix); an existing one is refused."""
    from commsim.experiment.sweep import write_plan as write

    write(table, path)


def sweep(
    experiment: str | os.PathLike[str] | dict[str, Any] | LoadedExperiment,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: Callable[[Any], None] | None = None,
    yes: bool = False,
    announce: Callable[[Any], None] | None = None,
    command: str | None = None,
    model: ModelChoice = None,
) -> Any:
    """Run an experiment file's sweep into ``out`` and return its ``SweepReport``.

    Runs go to a local process pool of ``workers`` processes (default: one per core; 1 runs
    in this process), or to the Dask cluster at ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``).
    ``resume=True`` continues a sweep already in ``out``, skipping its finished runs;
    ``overwrite=True`` starts afresh where an earlier sweep is, removing only its own files. A
    sweep of more than 100,000 runs, or estimated (from its first runs) at more than a day, is
    refused unless ``yes=True``; so is a folder another live process is writing.
    ``announce(estimate)`` hears the size and the estimate before anything is written;
    ``command`` names this writer to another process the folder's lock refuses. Ctrl-C
    raises ``SweepInterrupted``, whose ``report`` says what was saved. ``model``: as in
    ``run``; workers import it by its path, so a class must live in an importable module.
    """
    from commsim import outputs
    from commsim.experiment.plan import plan_sweep, sweep_size
    from commsim.experiment.sweep import check_size, run_sweep

    root = outputs.given_path(out)
    loaded = load_experiment(experiment, model)
    check_size(sweep_size(loaded), loaded.spec.name, yes)  # before planning millions of runs
    return run_sweep(
        plan_sweep(loaded),
        root,
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
        yes=yes,
        announce=announce,
        command=command,
    )


def calibrate(
    target: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    quick: bool = False,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """Calibrate the model to a target file's observations by ABC-SMC (pyabc) into the new
    folder ``out``; returns a ``Calibration`` (posterior summary and particles, generations,
    predictive check). Simulations run as a sweep's do (``workers``, ``scheduler``);
    ``quick`` cuts the settings to a few minutes' work; ``resume`` continues an unfinished
    calibration in ``out``. A mistake in the target file is one ``ConfigError`` line, before
    anything is written. See docs/RESEARCHERS.md, "Calibration to observed data"."""
    from commsim import outputs
    from commsim.experiment.calibrate import calibrate as run_calibration
    from commsim.experiment.calibrate import load_target

    root = outputs.given_path(out)
    loaded = load_target(target)
    return run_calibration(
        loaded,
        root,
        workers=workers,
        scheduler=scheduler,
        quick=quick,
        resume=resume,
        progress=progress,
    )


def format_duration(seconds: float) -> str:
    """'45s', '12m05s', '3h20m', '2.5 days': a time as a sweep's estimates give it."""
    from commsim.experiment.sweep import duration

    return duration(seconds)


def sweep_status(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A sweep's name, run counts (planned, done, failed, pending) and status, as the files
    on disk tell them (a killed sweep's manifest still says ``running``)."""
    from commsim.experiment.store import sweep_state

    return sweep_state(path)


def _sweep(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """A sweep directory and its manifest, or a one-line error saying what it is not."""
    from commsim.experiment.store import is_sweep_dir, read_manifest_of

    root = Path(path)
    if root.exists() and not root.is_dir():
        raise ValueError(f"{root}: not a directory (expected a commsim sweep directory)")
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such sweep directory")
    if not is_sweep_dir(root):
        raise ValueError(f"{root}: not a commsim sweep directory (run `commsim sweep` first)")
    manifest = read_manifest_of(root)
    for key, kind in (("parameters", list), ("design", dict)):
        if not isinstance(manifest.get(key), kind):
            raise ValueError(f"{root / 'manifest.json'}: field '{key}' missing or malformed")
    return root, manifest


def _finished(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any], pd.DataFrame]:
    """A sweep's directory, manifest and model table, refused while no run has finished."""
    root, manifest = _sweep(path)
    frame = load_results(root)
    if frame.empty:
        raise ValueError(f"{root}: no finished runs yet (commsim sweep … --resume runs them)")
    return root, manifest, frame


def _recorded_fields(path: str | os.PathLike[str]) -> list[Any]:
    """The metric columns (Arrow fields) a sweep recorded, from one stored file's schema."""
    from commsim.experiment.plan import ID_COLUMNS
    from commsim.experiment.store import metrics_schema

    root, manifest = _sweep(path)
    schema = metrics_schema(root)
    if schema is None:
        return []
    keys = {*ID_COLUMNS, *manifest["parameters"], "step"}
    return [f for f in schema if RENAMED.get(f.name, f.name) not in keys]


def sweep_metrics(path: str | os.PathLike[str]) -> list[str]:
    """The metric columns a sweep recorded, read from one stored file's schema (no data)."""
    return [f.name for f in _recorded_fields(path)]


def _catalogue(manifest: dict[str, Any]) -> tuple[Any, list[str]]:
    """The catalogue of the model that made a sweep, and a note when it cannot be loaded
    here (then the built-in one is used: a figure or table, never a crash)."""
    from commsim.experiment.units import sweep_catalogue

    catalogue, note = sweep_catalogue(manifest)
    return catalogue, [note] if note else []


def default_metrics(path: str | os.PathLike[str]) -> list[str]:
    """What `commsim results` and `commsim plot` show unasked: the numeric metrics the
    experiment named in ``record.metrics``, or, when it recorded every metric, the headline
    ones of its model's catalogue."""
    import pyarrow as pa

    from commsim.experiment.store import experiment_record
    from commsim.experiment.units import headline

    numbers = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)
    recorded = {f.name for f in _recorded_fields(path) if any(t(f.type) for t in numbers)}
    asked = experiment_record(path).get("metrics")
    if not isinstance(asked, list):
        asked = headline(_catalogue(_sweep(path)[1])[0])
    return [m for m in asked if m in recorded]


def _finished_several(
    paths: Iterable[PathLike], metrics: list[str] | None
) -> tuple[list[Any], pd.DataFrame]:
    """Several sweeps and their combined model table (run ids qualified by sweep, so runs
    sharing an id stay apart), refused while one has no finished run."""
    from commsim.experiment.combine import SWEEP, qualified

    paths = list(paths)
    frame = load_results(paths, metrics=metrics)
    sweeps = _sweeps(paths)
    counts = frame[SWEEP].value_counts()
    for sweep in sweeps:
        if not counts.get(sweep.name, 0):
            raise ValueError(
                f"{sweep.root}: no finished runs yet (commsim sweep … --resume runs them)"
            )
    return sweeps, qualified(frame)


def _check_step_in_each(sweeps: list[Any], frame: pd.DataFrame, step: int | None) -> None:
    """A step asked of several sweeps must be one each of them recorded."""
    from commsim.experiment.combine import SWEEP
    from commsim.experiment.store import check_steps

    if step is None:
        return
    for sweep in sweeps:
        rows = frame.loc[frame[SWEEP] == sweep.name, "step"]
        try:
            check_steps([step], rows, lambda rows=rows: rows)
        except ValueError as exc:
            raise ValueError(f"cannot combine at step {step}: {sweep.root}: {exc}") from None


def default_metrics_of(paths: Iterable[PathLike]) -> list[str]:
    """What `commsim results` and `commsim plot` show unasked of several sweeps: each one's
    ``default_metrics``, in order of first appearance (one that another lacks is refused
    when the sweeps are read, naming both)."""
    return list(dict.fromkeys(m for p in paths for m in default_metrics(p)))


def _summarise_several(
    paths: Iterable[PathLike], metrics: str | Iterable[str] | None, statistic: str, step: int | None
) -> tuple[pd.DataFrame, list[str]]:
    """``summarise_sweep`` of several sweeps, grouped by sweep and parameters; and notes."""
    from commsim.experiment.summary import summarise

    wanted = _wanted(metrics)
    sweeps, frame = _finished_several(paths, wanted)
    _check_step_in_each(sweeps, frame, step)
    catalogue, notes = _catalogue(sweeps[0].manifest)
    parameters = frame.attrs["parameters"]
    table = summarise(frame, parameters, wanted, step, statistic, catalogue)  # type: ignore[arg-type]
    return table, notes


def summarise_sweep(
    path: PathLike | list[PathLike] | tuple[PathLike, ...],
    metrics: str | Iterable[str] | None = None,
    *,
    statistic: str = "auto",
    step: int | None = None,
) -> pd.DataFrame:
    """Mean, sd and 95% CI across repetitions, per parameter combination and metric.

    Each run contributes one number per metric: the total of an event counter, the final
    value of anything else (``statistic`` chooses otherwise: final, total or mean, which for
    a counter is per step); the ``unit`` column says which, in the metric's unit. Whether a
    metric counts events, its unit and its domain come from the catalogue of the model the
    sweep's manifest names (the built-in one, with a warning, when that model cannot be
    imported). ``result.attrs["warning"]`` says so, and when some interval rests on too few
    runs to mean anything (one line each).

    Several sweeps (a list or tuple of folders) are read as ``load_results`` reads them and
    summarised per sweep and parameter combination, the ``sweep`` column first.
    """
    from commsim.experiment.summary import summarise
    from commsim.experiment.units import MIN_RUNS

    if isinstance(path, list | tuple):
        table, warnings_ = _summarise_several(path, metrics, statistic, step)
    else:
        _, manifest, frame = _finished(path)
        catalogue, warnings_ = _catalogue(manifest)
        parameters = manifest["parameters"]
        table = summarise(frame, parameters, _wanted(metrics), step, statistic, catalogue)  # type: ignore[arg-type]
    few = int(table["n"].min()) if len(table) else MIN_RUNS
    if few < MIN_RUNS:
        warnings_.append(
            f"some intervals rest on {few} run(s); with fewer than {MIN_RUNS} runs a 95% "
            "interval is not meaningful (raise repetitions)"
        )
    if warnings_:
        table.attrs["warning"] = "\n".join(warnings_)
    return table


def sensitivity(
    path: str | os.PathLike[str], metric: str = "code_knowledge", *, statistic: str = "auto"
) -> pd.DataFrame:
    """Sobol (S1, ST with confidence intervals) or Morris (mu*, sigma) indices of a sweep.

    ``result.attrs["warning"]`` says when the sample is too small for them to mean anything
    (and when the sweep's model cannot be imported: one line each).
    """
    from commsim.experiment.sensitivity import sensitivity as indices

    _, manifest, frame = _finished(path)
    if "policy" in manifest["parameters"]:
        raise ValueError(
            f"{path}: its runs apply several policies, which a point's mean would mix; compare "
            "them with `commsim policies`, or analyse a sweep without [policies]"
        )
    catalogue, notes = _catalogue(manifest)
    table = indices(frame, manifest["design"], metric, statistic=statistic, catalogue=catalogue)  # type: ignore[arg-type]
    notes += [table.attrs["warning"]] if "warning" in table.attrs else []
    if notes:
        table.attrs["warning"] = "\n".join(notes)
    return table


def _about(manifest: dict[str, Any], notes: bool = True) -> Any:
    """What a sweep's figures say about it: its name, the settings it held fixed, and the
    catalogue its metrics are read with (with a note when its model cannot be imported)."""
    from commsim.experiment.figures import About, fixed_settings

    defaults = Config().model_dump(mode="json")
    links = (manifest.get("basis_fields") or {}).get("links") or {}
    derived = [name for link in links.values() for name in _linked_names(link)]
    varied = [*manifest["parameters"], *derived]  # a linked share is not held fixed
    fixed = fixed_settings(manifest.get("base_config", {}), defaults, varied)
    runs = f"{manifest.get('repetitions', '?')} repetition(s) per point"
    catalogue, warned = _catalogue(manifest)
    return About(
        name=str(manifest.get("experiment", "sweep")),
        fixed=(*fixed, runs),
        notes=tuple(warned) if notes else (),
        catalogue=catalogue,
    )


def _linked_names(link: Any) -> list[str]:
    """The parameters a link in a manifest names (commsim.experiment.links)."""
    if not isinstance(link, dict):
        return []
    return [*link.get("sum_to_one", []), *[link[k] for k in ("parameter",) if k in link]]


def _figures_target(path: str | os.PathLike[str], out: str | os.PathLike[str] | None) -> Path:
    """Where a sweep's figures go (default DIR/figures); a bad ``out`` is refused up front."""
    from commsim import outputs

    return outputs.given_path(out) if out is not None else Path(path) / "figures"


def _write_figures(target: Path, drawn: list[Any]) -> list[Path]:
    """Every figure of a sweep reaches disk here, through ``outputs.figure_folder``: the
    folder may hold only figures commsim drew there before."""
    from commsim import outputs
    from commsim.experiment.figures import save_figures

    with outputs.figure_folder(target) as staging:
        written = save_figures(drawn, staging)
    return [target / p.name for p in written]


def _about_several(sweeps: list[Any], by_sweep: list[str]) -> Any:
    """What a figure of several sweeps says: their names joined, the settings all of them
    held fixed alike, those each held at its own value (``by_sweep``), each one's repetitions."""
    from commsim.experiment.figures import About

    abouts = [_about(s.manifest) for s in sweeps]
    shared = [f for f in abouts[0].fixed[:-1] if all(f in a.fixed for a in abouts[1:])]
    reps = [str(s.manifest.get("repetitions", "?")) for s in sweeps]
    each = " / ".join(f"{r} in {s.name}" for r, s in zip(reps, sweeps, strict=True))
    runs = f"{reps[0]} repetition(s) per point" if len(set(reps)) == 1 else f"repetitions {each}"
    return About(
        name=" + ".join(s.name for s in sweeps),
        fixed=(*shared, *by_sweep, runs),
        notes=tuple(dict.fromkeys(n for a in abouts for n in a.notes)),
        catalogue=abouts[0].catalogue,
    )


def _plot_several(
    paths: Iterable[PathLike], out: PathLike | None, metrics: str | Iterable[str] | None
) -> list[Path]:
    """Figures of several sweeps, written only to a folder of their own (``out``)."""
    from commsim import outputs
    from commsim.experiment.combine import per_sweep, within_and_between
    from commsim.experiment.figures import sweep_figure_set

    if out is None:
        raise ValueError(
            "several sweeps: their figures go to a folder of their own: name it with "
            "--out DIR (in Python, out=...); none is written into one sweep's folder"
        )
    target = outputs.given_path(out)
    paths = list(paths)
    inside = [s.root for s in _sweeps(paths) if target.resolve().is_relative_to(s.root.resolve())]
    if inside:
        raise ValueError(
            f"--out {target}: inside the sweep {inside[0]}; figures of several sweeps go to "
            "a folder of their own"
        )
    wanted = _wanted(metrics) or default_metrics_of(paths) or None
    sweeps, frame = _finished_several(paths, wanted)
    panels, by_sweep = within_and_between(frame)
    about = _about_several(sweeps, per_sweep(frame, by_sweep))
    drawn = sweep_figure_set(frame, panels, wanted, None, about)
    return _write_figures(target, drawn)


def plot_sweep(
    path: PathLike | list[PathLike] | tuple[PathLike, ...],
    out: str | os.PathLike[str] | None = None,
    metrics: str | Iterable[str] | None = None,
) -> list[Path]:
    """Write a sweep's figures (PNG and SVG) to ``out`` (default: DIR/figures).

    Default metrics: those the experiment asked to record, else the headline ones. Several
    sweeps (a list or tuple) are drawn together, a panel by sweep beside one by each
    parameter, into ``out``, which they require: a figure of several sweeps belongs in none
    of their folders.
    """
    from commsim.experiment.figures import sweep_figure_set

    if isinstance(path, list | tuple):
        return _plot_several(path, out, metrics)
    target = _figures_target(path, out)
    root, manifest, frame = _finished(path)
    wanted = _wanted(metrics) or default_metrics(root) or None
    drawn = sweep_figure_set(
        frame, manifest["parameters"], wanted, manifest["design"], _about(manifest)
    )
    return _write_figures(target, drawn)


def plot_sensitivity(
    path: str | os.PathLike[str],
    indices: pd.DataFrame,
    out: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Draw a ``sensitivity`` table (Sobol bars or a Morris scatter) into ``out`` (DIR/figures)."""
    from commsim.experiment.figures import indices_figure

    target = _figures_target(path, out)
    _, manifest = _sweep(path)
    warning = indices.attrs.get("warning")
    notes = [f"warning: {line}" for line in warning.splitlines()] if warning else []
    # the table's warning already holds the model's note, if any: not said twice
    about = _about(manifest, notes=False)
    return _write_figures(target, [indices_figure(indices, about, notes)])


def discover(
    path: str | os.PathLike[str],
    metric: str = "code_knowledge",
    *,
    below: float | None = None,
    above: float | None = None,
    step: int | None = None,
    method: str = "prim",
    threshold_coverage: float = 0.8,
    statistic: str = "auto",
) -> Any:
    """Scenario discovery on a sweep: the box of its varied parameters where ``metric`` is
    ``below`` (or ``above``) a threshold, by PRIM or CART (``commsim.experiment.discovery``).

    The outcome is each run's value at ``step`` (default: its last step), an event counter's
    run total up to it; ``result.box`` holds the limits, ``result.trajectory`` PRIM's
    peeling trajectory (or CART's leaves), ``plot_discovery`` writes them."""
    from commsim.experiment import discovery

    if (below is None) == (above is None):
        raise ValueError("give exactly one threshold: --below VALUE or --above VALUE")
    threshold = float(below if below is not None else above)  # type: ignore[arg-type]
    if not np.isfinite(threshold):
        raise ValueError(f"the threshold must be a finite number (got {threshold})")
    if method not in discovery.METHODS:
        raise ValueError(f"unknown method '{method}'; use one of {', '.join(discovery.METHODS)}")
    root, manifest, frame = _finished(path)
    catalogue, _ = _catalogue(manifest)
    outcome = discovery.Outcome(metric, threshold, below is not None, step=step)
    try:
        x, y, outcome = discovery.cases(
            frame,
            manifest["parameters"],
            outcome,
            statistic,
            catalogue,  # type: ignore[arg-type]
        )
        return discovery.discover(x, y, outcome, method, threshold_coverage)  # type: ignore[arg-type]
    except ValueError as exc:  # the sweep named: "results/x: nothing to discover: …"
        raise ValueError(f"{root}: {exc}") from None


def plot_discovery(
    path: str | os.PathLike[str], found: Any, out: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Write a ``discover`` result to ``out`` (default DIR/discovery): the trajectory and
    box figures (PNG and SVG) and both tables as CSV, under the rule of figure folders
    (only what commsim wrote there may be replaced)."""
    from commsim import outputs
    from commsim.experiment import discovery
    from commsim.experiment.figures import save_figures

    target = outputs.given_path(out) if out is not None else Path(path) / "discovery"
    _, manifest = _sweep(path)
    about = _about(manifest)
    drawn = [discovery.trajectory_figure(found, about), discovery.box_figure(found, about)]
    with outputs.figure_folder(target) as staging:
        written = save_figures(drawn, staging) + discovery.write_tables(found, staging)
    return [target / p.name for p in written]


def compare_policies(
    path: str | os.PathLike[str],
    metric: str = "code_knowledge",
    *,
    statistic: str = "auto",
    step: int | None = None,
    threshold: float | None = None,
    above: bool = True,
    better: str | None = None,
) -> pd.DataFrame:
    """Per policy of a ``[policies]`` sweep: mean outcome (95% CI), mean and max regret
    against the best policy in each scenario, the share of scenarios where it is best, and
    with ``threshold`` the share where it is at or above (``above``) or at or below it.

    ``better`` (higher or lower) defaults to the threshold's direction, else higher. The
    scenario outcomes the table rests on are in ``result.attrs["outcomes"]``
    (``commsim.experiment.policies``).
    """
    from commsim.experiment.policies import policy_analysis

    _, manifest, frame = _finished(path)
    catalogue, notes = _catalogue(manifest)
    if metric not in frame.columns:
        from commsim.experiment.summary import check_names, metric_columns

        check_names([metric], metric_columns(frame, manifest["parameters"]), "metric")
    table, outcomes, direction = policy_analysis(
        frame,
        manifest["parameters"],
        metric,
        statistic=statistic,  # type: ignore[arg-type]
        step=step,
        threshold=threshold,
        above=above,
        better=better,  # type: ignore[arg-type]
        catalogue=catalogue,
    )
    table.attrs.update(outcomes=outcomes, better=direction, threshold=threshold)
    if notes:
        table.attrs["warning"] = "\n".join(notes)
    return table


def plot_policies(
    path: str | os.PathLike[str], table: pd.DataFrame, out: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Draw a ``compare_policies`` table's scenarios (sorted outcomes, regret boxes) into
    ``out`` (default DIR/figures)."""
    from commsim.experiment.policies import policy_figure

    target = _figures_target(path, out)
    _, manifest = _sweep(path)
    about = _about(manifest)
    metric, statistic = table["metric"].iloc[0], table["statistic"].iloc[0]
    attrs = table.attrs
    drawn = policy_figure(
        attrs["outcomes"], metric, statistic, about, attrs["better"], attrs["threshold"]
    )
    return _write_figures(target, [drawn])


# --- a real organisation's files ---------------------------------------------------------


def check_org(
    chart: str | os.PathLike[str],
    ties: str | os.PathLike[str] | None = None,
    *,
    repair: bool = False,
    out: str | os.PathLike[str] | None = None,
    ties_out: str | os.PathLike[str] | None = None,
) -> OrgCheck:
    """Read and check a client's org chart CSV (and its collaboration network: a CSV edge
    list or GraphML), as ``commsim org check`` does: ``.summary()`` says what they hold,
    ``.repairs`` what ``repair`` fixed. With ``out`` (and ``ties_out``) the files as read,
    repaired, are written to new files. Every mistake is one ``OrgFileError`` line naming
    the file and the line; see ``commsim.orgfiles``."""
    from commsim import orgfiles

    return orgfiles.check_org_files(chart, ties, repair=repair, out=out, ties_out=ties_out)


def anonymise_org(
    chart: str | os.PathLike[str],
    out: str | os.PathLike[str],
    salt_file: str | os.PathLike[str],
    ties: str | os.PathLike[str] | None = None,
    ties_out: str | os.PathLike[str] | None = None,
) -> tuple[list[str], bool]:
    """An org chart (and its ties) with every id and team or unit label replaced by a
    pseudonym and every other column but role, tenure and traits dropped, written to new
    files: a client's organisation fit to travel. The salt is read from ``salt_file``, or
    made and written there when it does not exist; returns what was done (a line each) and
    whether the salt is new."""
    from commsim import orgfiles

    return orgfiles.anonymise_with_salt_file(chart, out, salt_file, ties, ties_out)


def export_org(
    config: str | os.PathLike[str] | dict[str, Any] | Config | None,
    out: str | os.PathLike[str],
    ties_out: str | os.PathLike[str] | None = None,
    *,
    model: ModelChoice = None,
    **overrides: Any,
) -> list[Path]:
    """Build a scenario's model (step 0, nothing run) and write its organisation as an org
    chart CSV (and its ties as an edge list) that ``check_org`` and a scenario read back;
    existing files are refused before the model is built."""
    from commsim import orgfiles

    orgfiles.check_new_files(out, ties_out)
    cls = import_model(model, "model")
    built = cls(load_config(config, extensions=cls.extensions, **overrides))
    return orgfiles.export_organisation(built, out, ties_out)


# --- former spellings, accepted until commsim 1.0 ------------------------------------------


def _former_spelling(old: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` under the name it had before British spelling became canonical: the same
    call, with a FutureWarning saying so."""

    @functools.wraps(function)
    def former(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(renamed_message(old, function.__name__), FutureWarning, stacklevel=2)
        return function(*args, **kwargs)

    former.__name__ = former.__qualname__ = old
    return former


summarize = _former_spelling("summarize", summarise)
summarize_sweep = _former_spelling("summarize_sweep", summarise_sweep)


def serve_app(
    config: str | os.PathLike[str] | None = None,
    port: int = 8765,
    host: str = "127.0.0.1",
    on_ready: Callable[[list[str], str], None] | None = None,
    model: str | None = None,
    replay: bool = False,
    idle_minutes: float = 10.0,
    facilitator_code: str | None = None,
) -> None:
    """Serve the workshop app on ``host:port`` until Ctrl-C (this process becomes the server).

    The scenario file, if given, is checked first and starts every session; the other
    scenario files beside it (or in ./configs) and those shipped with commsim are offered as
    presets. ``replay``: the file is a saved session, and only ./configs and the shipped
    scenarios are presets (not the folder it was downloaded to). ``on_ready`` gets the page's
    addresses once the inputs have been checked (on 0.0.0.0: the machine's network
    addresses, then its local one), then the facilitator's room with its code. ``model`` is
    the import path of the model class every session runs (default: ``CommunityModel``). A
    team whose pages have all gone is paused at once and freed after ``idle_minutes``; the
    facilitator's room page (``/room``) asks for ``facilitator_code`` (default: a random
    one).
    """
    from commsim.app.serve import serve

    import_model(model, "--model")  # checked here, before the server starts
    path = None if config is None else Path(config)
    serve(
        path, port, host, on_ready, model or DEFAULT_MODEL, replay, idle_minutes, facilitator_code
    )


def __getattr__(name: str) -> Any:
    """``SweepInterrupted`` is read from the sweep engine on first use, so importing the API
    does not load the experiment floor."""
    if name == "SweepInterrupted":
        from commsim.experiment.sweep import SweepInterrupted

        return SweepInterrupted
    raise AttributeError(f"module 'commsim.api' has no attribute {name!r}")
