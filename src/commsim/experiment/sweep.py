"""A sweep from start to finish: plan the runs, skip the finished ones, run the rest, store.

Each run is stored the moment it comes back, so stopping a sweep at any point (Ctrl-C, a
crash, ``kill -9``) loses at most the runs in flight, and ``resume=True`` picks up the rest.
A resumed sweep must share its *basis* (base scenario, seeds, what is recorded) with the
runs already stored; adding parameter values or repetitions is fine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commsim.experiment.plan import Plan, RunTask
from commsim.experiment.runner import RunOutcome, make_backend
from commsim.experiment.store import (
    FORMAT,
    KIND,
    SweepStore,
    check_sweep_dir,
    clear_sweep,
    now,
    provenance,
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


def _check_basis(store: SweepStore, plan: Plan) -> dict[str, Any] | None:
    if not store.manifest_path.is_file():
        return None
    old = store.manifest()
    if old.get("basis") != plan.basis:
        raise ValueError(
            f"{store.root}: holds runs of a different base scenario, seeds or record settings "
            "than this experiment; resuming would mix them. Choose another --out"
        )
    return old


def _code_changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> tuple[str, ...]:
    """Say so when a resumed sweep's new runs come from other code than its old ones."""
    if previous is None:
        return ()
    notes = []
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


def _manifest(plan: Plan, store: SweepStore, previous: dict[str, Any] | None) -> dict[str, Any]:
    experiment = plan.experiment
    base = provenance(experiment.sha256, experiment.spec.name, plan.basis)
    return {
        "format": FORMAT,
        **base,
        "experiment_path": str(experiment.path) if experiment.path else None,
        "parameters": experiment.parameters,
        "design": plan.design.info,
        "repetitions": experiment.spec.repetitions,
        "created_utc": (previous or {}).get("created_utc", now()),
        "sessions": list((previous or {}).get("sessions", [])),
        "base_config": experiment.base.model_dump(mode="json"),
    }


def _counts(store: SweepStore, planned: set[str]) -> dict[str, int]:
    done = store.done_ids() & planned
    failed = store.failed_ids() & planned
    return {
        "planned": len(planned),
        "done": len(done),
        "failed": len(failed),
        "pending": len(planned - done - failed),
    }


def _failure_record(task: RunTask, outcome: RunOutcome) -> dict[str, Any]:
    return {
        **{k: v for k, v in task.identity().items()},
        "error": outcome.error,
        "traceback": outcome.traceback,
        "failed_utc": now(),
    }


def run_sweep(
    plan: Plan,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: Callable[[SweepProgress], None] | None = None,
) -> SweepReport:
    """Run every run of ``plan`` not already stored in ``out``; see the module docstring.

    ``overwrite`` starts afresh where an earlier sweep is: its own entries are removed first.
    """
    root = Path(out)
    check_sweep_dir(root, resume, overwrite)
    store = SweepStore(root)
    previous = None if overwrite else _check_basis(store, plan)
    backend = make_backend(workers, scheduler)  # fails before anything is written
    if overwrite and root.is_dir():
        clear_sweep(root)
    store.prepare()
    experiment = plan.experiment
    suffix = experiment.path.suffix if experiment.path else ".toml"
    store.write_static(plan.table(), f"experiment{suffix}", experiment.text)

    manifest = _manifest(plan, store, previous)
    notes = _code_changes(previous, manifest)
    done_before = store.done_ids()
    todo = [t for t in plan.tasks if t.run_id not in done_before]
    session: dict[str, Any] = {"started_utc": now(), "backend": backend.description}
    manifest["sessions"].append(session)
    planned = {t.run_id for t in plan.tasks}
    manifest.update(status="running", runs=_counts(store, planned))
    store.write_manifest(manifest)

    stamp = provenance(experiment.sha256, experiment.spec.name, plan.basis)
    state = SweepProgress(total=len(todo), skipped=len(plan.tasks) - len(todo))
    tasks = {t.run_id: t for t in todo}

    def finish(status: str) -> SweepReport:
        backend.close()
        counts = _counts(store, planned)
        if status == "complete" and counts["failed"]:
            status = "complete with failures"
        session.update(finished_utc=now(), done=state.done, failed=state.failed, status=status)
        manifest.update(status=status, runs=counts)
        store.write_manifest(manifest)
        return SweepReport(
            out=root,
            planned=counts["planned"],
            done=counts["done"],
            failed=counts["failed"],
            skipped=state.skipped,
            status=status,
            backend=backend.description,
            notes=notes,
        )

    if progress is not None:
        progress(state)  # the total, before the first run returns
    try:
        for outcome in backend.outcomes(todo):
            task = tasks[outcome.run_id]
            if outcome.ok and outcome.metrics is not None:
                store.write_run(task.run_id, outcome.metrics, outcome.insights, stamp)
                state.done += 1
            else:
                store.write_failure(task.run_id, _failure_record(task, outcome))
                state.failed += 1
            if progress is not None:
                progress(state)
    except KeyboardInterrupt:
        raise SweepInterrupted(finish("interrupted")) from None
    except BaseException:
        finish("crashed")
        raise
    return finish("complete")


__all__ = ["KIND", "SweepInterrupted", "SweepProgress", "SweepReport", "run_sweep"]
