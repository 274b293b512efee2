"""A sweep from start to finish: plan the runs, skip the finished ones, run the rest, store.

Each run is stored the moment it comes back, so stopping a sweep at any point (Ctrl-C, a
crash, ``kill -9``) loses at most the runs in flight, and ``resume=True`` picks up the rest.
A resumed sweep must share its *basis* (base scenario, seeds, what is recorded) with the
runs already stored; adding parameter values or repetitions is fine.

One process writes a folder at a time: it holds the folder's lock (``lock.py``) from its
first write to its manifest's last. Runs execute repetition-major, so a sweep stopped part
way covers every design point as evenly as it can; the first runs are timed before anything
is written, and a sweep too big for a person to have meant it is refused unless asked for.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from commsim import outputs
from commsim.experiment.lock import SweepLock, busy, holder
from commsim.experiment.plan import Plan, RunTask, SweepSize, basis_fields
from commsim.experiment.runner import Backend, RunOutcome, make_backend
from commsim.experiment.store import (
    FORMAT,
    KIND,
    SweepStore,
    already_a_sweep,
    check_sweep_dir,
    clear_sweep,
    current_names,
    now,
    provenance,
    stored_bytes,
)

# Above either, a sweep runs only when asked for explicitly (``yes``, ``--yes``)
CONFIRM_RUNS = 100_000
CONFIRM_SECONDS = 24 * 3600.0
# A worker's first run shorter than this is mostly start-up, and not timed
WARM_SECONDS = 5.0


class BigSweepError(ValueError):
    """A sweep too big to start without being asked for explicitly."""


def duration(seconds: float) -> str:
    """'45s', '12m05s', '3h20m', '2.5 days': a time a person reads at a glance."""
    if seconds < 1:
        return "<1s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    if seconds < 2 * CONFIRM_SECONDS:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    return f"{seconds / CONFIRM_SECONDS:.1f} days"


def _size(nbytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if nbytes < 1000:
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    return f"{nbytes:.1f} TB"


@dataclass(frozen=True)
class Estimate:
    """A sweep's size, and its time and disk as its first (timed) runs predict them."""

    size: SweepSize
    to_run: int
    workers: int
    timed: int
    run_seconds: float
    run_bytes: int

    @property
    def seconds(self) -> float:
        return self.run_seconds * self.to_run / max(1, min(self.workers, self.to_run))

    @property
    def bytes(self) -> int:
        return self.run_bytes * self.to_run

    def summary(self) -> str:
        size = self.size
        text = f"{size.runs:,} runs ({size.shape}), {self.to_run:,} to run"
        if not self.timed:
            return text
        return (
            f"{text} on {self.workers} worker(s): about {duration(self.seconds)} and "
            f"{_size(self.bytes)} (timed on {self.timed} run(s))"
        )


@dataclass
class SweepProgress:
    """Counts for a progress display, updated after every run."""

    total: int
    skipped: int
    done: int = 0
    failed: int = 0

    @property
    def finished(self) -> int:
        return self.done + self.failed


@dataclass(frozen=True)
class SweepReport:
    """How a sweep ended."""

    out: Path
    planned: int
    done: int
    failed: int
    skipped: int
    status: str
    backend: dict[str, Any]
    notes: tuple[str, ...] = ()


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep; carries the report of what was saved."""

    def __init__(self, report: SweepReport) -> None:
        super().__init__()
        self.report = report


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _basis_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each setting that differs between two basis records, as 'name old -> new'."""
    flat_old, flat_new = _flatten(old), _flatten(new)
    return [
        f"{name} {_shown(flat_old.get(name))} -> {_shown(flat_new.get(name))}"
        for name in sorted(flat_old.keys() | flat_new.keys())
        if flat_old.get(name) != flat_new.get(name)
    ]


def _flatten(basis: dict[str, Any]) -> dict[str, Any]:
    """The base scenario's fields by their own names (``steps``, an override's parameter),
    the experiment's as written in its file (``seed``, ``record.every``)."""
    base = {("base seed" if k == "seed" else k): v for k, v in basis.get("base", {}).items()}
    record = {f"record.{k}": v for k, v in basis.get("record", {}).items()}
    rest = {k: v for k, v in basis.items() if k not in ("base", "record")}
    return {**base, **record, **rest}


def added_at_default(old: dict[str, Any], plan: Plan) -> list[str] | None:
    """The settings a sweep's basis lacks only because they were added to commsim after its
    runs, at their defaults, which leave a run's numbers as they were; None if anything else
    differs (or the manifest is too old to tell)."""
    stored, new = current_names(old).get("basis_fields"), basis_fields(plan.experiment)
    if not isinstance(stored, dict) or not isinstance(stored.get("base"), dict):
        return None
    added = sorted(new["base"].keys() - stored["base"].keys())
    fields = type(plan.experiment.base).model_fields
    unchanged = {**stored, "base": {**stored["base"], **{k: new["base"][k] for k in added}}}
    at_default = all(k in fields and new["base"][k] == fields[k].default for k in added)
    return added if at_default and unchanged == new else None


def _check_basis(store: SweepStore, plan: Plan) -> dict[str, Any] | None:
    if not store.manifest_path.is_file():
        return None
    old = store.manifest()
    if old.get("basis") != plan.basis and added_at_default(old, plan) is None:
        named = current_names(old)  # begun before a rename: compared by the current names
        stored, new = named.get("basis_fields"), basis_fields(plan.experiment)
        if stored is None:  # a manifest from before they were kept: the base can be named
            stored, new = {"base": named.get("base_config", {})}, {"base": new["base"]}
        changes = _basis_changes(stored, new)
        what = "; ".join(changes) or "the base scenario, seeds or record settings"
        raise ValueError(
            f"{store.root}: its runs were made with other settings than this experiment "
            f"({what}); resuming would mix them. Undo the change, choose another --out, or "
            "start afresh with --overwrite"
        )
    return old


def _code_changes(
    previous: dict[str, Any] | None, current: dict[str, Any], plan: Plan
) -> tuple[str, ...]:
    """Say so when a resumed sweep's new runs come from other code than its old ones."""
    if previous is None:
        return ()
    notes = []
    added = added_at_default(previous, plan) if previous.get("basis") != plan.basis else None
    if added:
        notes.append(
            f"settings added to commsim since the earlier runs, at their defaults (the same "
            f"numbers): {', '.join(added)}"
        )
    if previous.get("git_commit") != current["git_commit"]:
        notes.append(
            f"earlier runs came from commit {previous.get('git_commit')}, new ones from "
            f"{current['git_commit']}"
        )
    old_versions = previous.get("versions", {})
    for name, version in current["versions"].items():
        if old_versions.get(name) not in (None, version):
            notes.append(f"earlier runs used {name} {old_versions[name]}, new ones {version}")
    return tuple(notes)


def _ended(session: dict[str, Any]) -> dict[str, Any]:
    """A session killed outright never wrote how it ended: it was interrupted."""
    return session if "status" in session else {**session, "status": "interrupted"}


def _manifest(plan: Plan, store: SweepStore, previous: dict[str, Any] | None) -> dict[str, Any]:
    experiment = plan.experiment
    base = provenance(experiment.sha256, experiment.spec.name, plan.basis)
    return {
        "format": FORMAT,
        **base,
        "experiment_path": str(experiment.path) if experiment.path else None,
        "parameters": experiment.columns,
        "design": plan.design.info,
        "repetitions": experiment.spec.repetitions,
        "created_utc": (previous or {}).get("created_utc", now()),
        "sessions": [_ended(s) for s in (previous or {}).get("sessions", [])],
        "base_config": experiment.base.model_dump(mode="json"),
        "basis_fields": basis_fields(experiment),
    }


def _counts(store: SweepStore, planned: set[str]) -> dict[str, int]:
    done, failed = (ids & planned for ids in store.done_and_failed())
    return {
        "planned": len(planned),
        "done": len(done),
        "failed": len(failed),
        "pending": len(planned - done - failed),
    }


def pending(plan: Plan, out: str | os.PathLike[str]) -> tuple[list[RunTask], dict[str, int]]:
    """The runs ``--resume`` into ``out`` would run (in plan order), and the counts on disk;
    refused as a resume would be (another folder, other settings)."""
    root = Path(out)
    check_sweep_dir(root, resume=True)
    store = SweepStore(root)
    _check_basis(store, plan)
    counts = _counts(store, {t.run_id for t in plan.tasks})
    done = store.done_ids()
    return [t for t in plan.tasks if t.run_id not in done], counts


def write_plan(table: pd.DataFrame, path: Path) -> None:
    """The whole run table to a new CSV or Parquet file (by its suffix); an existing file is
    refused, never replaced, even one that appears while this writes."""
    if path.suffix not in (".csv", ".parquet"):
        raise ValueError(f"--plan-file {path}: expected a file name ending in .csv or .parquet")
    if path.exists() or path.is_symlink():
        raise FileExistsError(f"--plan-file {path}: exists; choose a new file name")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"--plan-file {path}: no such folder {path.parent}")

    def write(tmp: Path) -> None:
        if path.suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)

    try:
        outputs.write_atomically(path, write, replace=False)  # a name taken meanwhile: refused
    except FileExistsError:
        raise FileExistsError(f"--plan-file {path}: exists; choose a new file name") from None
    except OSError as exc:
        raise OSError(f"--plan-file {path}: {exc.strerror or exc}") from None


def _report(
    store: SweepStore,
    counts: dict[str, int],
    state: SweepProgress,
    status: str,
    backend: Backend,
    notes: tuple[str, ...],
) -> SweepReport:
    return SweepReport(
        out=store.root,
        planned=counts["planned"],
        done=counts["done"],
        failed=counts["failed"],
        skipped=state.skipped,
        status=status,
        backend=backend.description,
        notes=notes,
    )


def balanced(tasks: list[RunTask]) -> list[RunTask]:
    """Repetition-major order: every point's first repetition, then every point's second...

    A sweep stopped part way then covers every design point as evenly as it can. Only the
    order of execution changes: ids, seeds, the run table and every stored byte do not.
    """
    return sorted(tasks, key=lambda t: (t.repetition, t.point))


def check_size(size: SweepSize, name: str, yes: bool) -> None:
    """Refuse a sweep of more than ``CONFIRM_RUNS`` runs unless asked for (``yes``)."""
    if size.runs > CONFIRM_RUNS and not yes:
        raise BigSweepError(
            f"{name}: {size.runs:,} runs ({size.shape}) is more than {CONFIRM_RUNS:,}; pass "
            "--yes to run them (--dry-run shows the plan)"
        )


def _check_free(root: Path) -> None:
    writer = holder(root)
    if writer is not None:
        raise busy(root, writer)


def _calibrate(
    outcomes: Iterator[RunOutcome],
    size: SweepSize,
    to_run: int,
    workers: int,
) -> tuple[list[RunOutcome], Estimate]:
    """The first outcomes (all to be kept) and the estimate they give.

    Runs are taken until one per worker is timed. A worker's first run pays its start-up
    (imports, numba's cache), which would make a small sweep's estimate many times its real
    time: it is timed only when long enough for that not to matter.
    """
    workers = max(1, workers)
    kept: list[RunOutcome] = []
    timed: list[RunOutcome] = []
    for outcome in outcomes:
        kept.append(outcome)
        if outcome.warm or outcome.wall_time_s >= WARM_SECONDS:
            timed.append(outcome)
        if len(timed) >= min(workers, to_run):
            break
    timed = timed or kept
    sizes = [sum(stored_bytes(f) for f in (o.metrics, o.insights) if f is not None) for o in kept]
    estimate = Estimate(
        size=size,
        to_run=to_run,
        workers=workers,
        timed=len(timed),
        run_seconds=sum(o.wall_time_s for o in timed) / max(len(timed), 1),
        run_bytes=int(sum(sizes) / max(len(sizes), 1)),
    )
    return kept, estimate


@contextlib.contextmanager
def _ctrl_c_remembered() -> Iterator[Callable[[], bool]]:
    """Ctrl-C raises KeyboardInterrupt as always, and is remembered as well.

    Python drops an exception raised while a weakref callback or ``__del__`` runs (it prints
    "Exception ignored in ..."): a Ctrl-C landing there would be lost and the sweep would run
    to its end. The sweep asks after it between runs too. A caller's own SIGINT handler, or a
    sweep started off the main thread, is left as it is.
    """
    pressed = threading.Event()
    mine = threading.current_thread() is threading.main_thread()
    if not mine or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield pressed.is_set
        return

    def remember(signum: int, frame: Any) -> None:
        pressed.set()
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, remember)
    try:
        yield pressed.is_set
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _until_pressed(
    pressed: Callable[[], bool], outcomes: Iterator[RunOutcome]
) -> Iterator[RunOutcome]:
    """The outcomes, stopping with KeyboardInterrupt after the first one to come back
    once Ctrl-C was pressed (that one is still stored)."""
    for outcome in outcomes:
        yield outcome
        if pressed():
            raise KeyboardInterrupt


def run_sweep(
    plan: Plan,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: Callable[[SweepProgress], None] | None = None,
    yes: bool = False,
    announce: Callable[[Estimate], None] | None = None,
    command: str | None = None,
) -> SweepReport:
    """Run every run of ``plan`` not already stored in ``out``; see the module docstring.

    The first runs (one per worker) are timed before anything is written: ``announce``
    gets the size and the estimate of time and disk they give, and an estimate over
    ``CONFIRM_SECONDS`` is refused unless ``yes``. ``command`` names this writer to others.
    ``overwrite`` starts afresh where an earlier sweep is: under the lock, its own entries are
    removed first.
    """
    root = Path(out)
    experiment = plan.experiment
    policies = max(1, len(experiment.spec.policies))
    size = SweepSize(len(plan.design.points), experiment.spec.repetitions, policies)
    check_size(size, experiment.spec.name, yes)
    _check_free(root)
    check_sweep_dir(root, resume, overwrite)
    store = SweepStore(root)
    previous = None if overwrite else _check_basis(store, plan)
    done_before = set() if overwrite else store.done_ids()
    todo = balanced([t for t in plan.tasks if t.run_id not in done_before])
    backend = make_backend(workers, scheduler)  # fails before anything is written
    with _ctrl_c_remembered() as pressed:
        outcomes = _until_pressed(pressed, backend.outcomes(todo))
        try:
            n_workers = backend.description["workers"]
            first, estimate = _calibrate(outcomes, size, len(todo), n_workers)
            if pressed():
                raise KeyboardInterrupt
            if announce is not None:
                announce(estimate)
            if estimate.seconds > CONFIRM_SECONDS and not yes:
                raise BigSweepError(
                    f"{experiment.spec.name}: {estimate.summary()}, more than a day; pass --yes "
                    "to run it"
                )
            root.mkdir(parents=True, exist_ok=True)
            lock = SweepLock(root, command)
            lock.acquire()
        except KeyboardInterrupt:  # while timing the first runs: nothing was written
            backend.close()
            planned = {t.run_id for t in plan.tasks}
            state = SweepProgress(total=len(todo), skipped=len(plan.tasks) - len(todo))
            counts = _counts(store, planned)
            raise SweepInterrupted(
                _report(store, counts, state, "interrupted", backend, ())
            ) from None
        except BaseException:
            backend.close()
            raise
        try:
            stale = lock.stale
            notes = (f"took over the lock of {_who(stale)}, no longer running",) if stale else ()
            every = itertools.chain(first, outcomes)
            return _write(
                plan, store, backend, todo, every, progress, previous, resume, overwrite, notes
            )
        finally:
            lock.release()


def _who(holder: dict[str, Any]) -> str:
    return f"{holder.get('command')} (pid {holder.get('pid')} on {holder.get('host')})"


def _write(
    plan: Plan,
    store: SweepStore,
    backend: Backend,
    todo: list[RunTask],
    outcomes: Iterator[RunOutcome],
    progress: Callable[[SweepProgress], None] | None,
    previous: dict[str, Any] | None,
    resume: bool,
    overwrite: bool,
    lock_notes: tuple[str, ...],
) -> SweepReport:
    """Under the folder's lock: store each run as it comes back (the timed ones first)."""
    try:
        if overwrite:
            clear_sweep(store.root)
        again = _check_basis(store, plan)  # another writer may have come and gone meanwhile
        if again is not None and previous is None and not resume:
            raise already_a_sweep(store.root)
    except BaseException:
        backend.close()
        raise
    experiment = plan.experiment
    store.keep_spelling(again)  # a sweep begun before a rename keeps its columns' names
    store.prepare()
    suffix = experiment.path.suffix if experiment.path else ".toml"
    store.write_static(plan.table(), f"experiment{suffix}", experiment.text)
    manifest = _manifest(plan, store, again)
    notes = lock_notes + _code_changes(again, manifest, plan)
    session: dict[str, Any] = {"started_utc": now(), "backend": backend.description}
    manifest["sessions"].append(session)
    stamp = provenance(experiment.sha256, experiment.spec.name, plan.basis)
    store.open_session(len(manifest["sessions"]), stamp)
    planned = {t.run_id for t in plan.tasks}
    manifest.update(status="running", runs=_counts(store, planned))
    store.write_manifest(manifest)

    state = SweepProgress(total=len(todo), skipped=len(plan.tasks) - len(todo))
    tasks = {t.run_id: t for t in todo}

    def finish(status: str) -> SweepReport:
        backend.close()
        store.close_session()
        counts = _counts(store, planned)
        if status == "complete" and counts["failed"]:
            status = "complete with failures"
        session.update(finished_utc=now(), done=state.done, failed=state.failed, status=status)
        manifest.update(status=status, runs=counts)
        store.write_manifest(manifest)
        return _report(store, counts, state, status, backend, notes)

    if progress is not None:
        progress(state)  # the total, before the first run returns
    try:
        for outcome in outcomes:
            task = tasks[outcome.run_id]
            if outcome.ok and outcome.metrics is not None:
                store.write_run(task.run_id, outcome.metrics, outcome.insights, outcome.batch_end)
                state.done += 1
            else:
                store.write_failure(task.identity(), outcome.error, outcome.traceback)
                state.failed += 1
                if outcome.batch_end:
                    store.end_batch()
            if progress is not None:
                progress(state)
    except KeyboardInterrupt:
        raise SweepInterrupted(finish("interrupted")) from None
    except BaseException:
        finish("crashed")
        raise
    return finish("complete")


__all__ = [
    "KIND",
    "BigSweepError",
    "Estimate",
    "SweepInterrupted",
    "SweepProgress",
    "SweepReport",
    "balanced",
    "check_size",
    "pending",
    "run_sweep",
    "write_plan",
]
