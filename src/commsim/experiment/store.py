"""A sweep on disk: a Parquet dataset partitioned by run, written one finished run at a time.

    DIR/manifest.json          provenance, design, run counts, one entry per session
    DIR/experiment.toml        the experiment file as it was given (its own suffix)
    DIR/runs.parquet           the run table: id, point, repetition, seed, parameters
    DIR/metrics/<run_id>.parquet    one row per recorded step, with the run's parameters
    DIR/insights/<run_id>.parquet   the run's insight event log
    DIR/failures/<run_id>.json      the error of a run that raised

Every file is written under a hidden temporary name and renamed into place, so a reader or a
killed sweep never sees half a file. A run is *done* when its metrics file exists; it is
written last, after the insights, so a kill between the two leaves a run that is simply not
done (``--resume`` runs it again and overwrites). One file per run id means a run can never
be stored twice. Parquet files carry no times, so the same run gives the same bytes whatever
ran it; times live in the manifest.
"""

from __future__ import annotations

import difflib
import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from commsim.experiment.lock import holder
from commsim.storage import git_commit, utc_timestamp, versions

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
METRICS, INSIGHTS, FAILURES = "metrics", "insights", "failures"
KIND = "commsim-sweep"
FORMAT = 1


def now() -> str:
    return utc_timestamp(datetime.now(UTC))


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a hidden temporary sibling, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _arrow(frame: pd.DataFrame, provenance: dict[str, Any]) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"commsim"] = json.dumps(provenance, sort_keys=True).encode()
    return table.replace_schema_metadata(meta)


def write_parquet(frame: pd.DataFrame, path: Path, provenance: dict[str, Any]) -> None:
    """Atomically write ``frame`` with ``provenance`` in the file's key-value metadata."""
    table = _arrow(frame, provenance)
    _atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def parquet_bytes(frame: pd.DataFrame, provenance: dict[str, Any]) -> int:
    """The size ``write_parquet`` would give ``frame`` on disk, without writing it."""
    sink = pa.BufferOutputStream()
    pq.write_table(_arrow(frame, provenance), sink, compression="zstd")
    return int(sink.getvalue().size)


def write_json(data: dict[str, Any], path: Path) -> None:
    def dump(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")

    _atomic(path, dump)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: unreadable ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a commsim sweep manifest")
    return data


def read_manifest_of(root: str | os.PathLike[str]) -> dict[str, Any]:
    return read_json(Path(root) / MANIFEST)


def is_sweep_dir(path: str | os.PathLike[str]) -> bool:
    manifest = Path(path) / MANIFEST
    if not manifest.is_file():
        return False
    try:
        return read_json(manifest).get("kind") == KIND
    except ValueError:
        return False


class SweepStore:
    """The directory of one sweep: what is done, and the atomic writes that add to it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.metrics = self.root / METRICS
        self.insights = self.root / INSIGHTS
        self.failures = self.root / FAILURES
        self.manifest_path = self.root / MANIFEST

    # --- reading ------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        return read_json(self.manifest_path)

    def done_ids(self) -> set[str]:
        return _ids(self.metrics, ".parquet")

    def failed_ids(self) -> set[str]:
        return _ids(self.failures, ".json") - self.done_ids()

    def run_table(self) -> pd.DataFrame:
        return pd.read_parquet(self.root / RUNS)

    def failure(self, run_id: str) -> dict[str, Any]:
        return read_json(self.failures / f"{run_id}.json")

    # --- writing ------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the layout and remove temporaries a killed sweep left behind."""
        for folder in (self.root, self.metrics, self.insights, self.failures):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (self.root, self.metrics, self.insights, self.failures):
            for leftover in folder.glob(".*.tmp-*"):
                leftover.unlink(missing_ok=True)
        done = self.done_ids()
        for orphan in self.insights.glob("*.parquet"):  # insights of a run killed mid-write
            if orphan.stem not in done:
                orphan.unlink(missing_ok=True)

    def write_run(
        self,
        run_id: str,
        metrics: pd.DataFrame,
        insights: pd.DataFrame | None,
        provenance: dict[str, Any],
    ) -> None:
        """Store a finished run: insights first, then the metrics that mark it done."""
        if insights is not None:
            write_parquet(insights, self.insights / f"{run_id}.parquet", provenance)
        write_parquet(metrics, self.metrics / f"{run_id}.parquet", provenance)
        (self.failures / f"{run_id}.json").unlink(missing_ok=True)

    def write_failure(self, run_id: str, record: dict[str, Any]) -> None:
        write_json(record, self.failures / f"{run_id}.json")

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(manifest, self.manifest_path)

    def write_static(self, runs: pd.DataFrame, experiment_name: str, text: str) -> None:
        """The run table and a copy of the experiment file, as the sweep was planned."""
        write_parquet(runs, self.root / RUNS, {"kind": KIND})
        path = self.root / experiment_name

        def copy(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        _atomic(path, copy)


def _ids(folder: Path, suffix: str) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.name[: -len(suffix)] for p in folder.iterdir() if _visible(p, suffix)}


def _visible(path: Path, suffix: str) -> bool:
    return path.name.endswith(suffix) and not path.name.startswith((".", "_"))


def check_sweep_dir(out: Path, resume: bool) -> None:
    """Refuse a directory that holds something else, or a sweep when not resuming."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out}: exists and is not a directory")
    if not out.exists() or not any(out.iterdir()):
        return
    if not is_sweep_dir(out):
        raise FileExistsError(
            f"{out}: exists and does not hold a commsim sweep; choose another --out"
        )
    if not resume:
        raise FileExistsError(
            f"{out}: already holds a sweep; pass --resume to continue it, or choose another --out"
        )


def provenance(experiment_sha256: str, experiment_name: str, basis: str) -> dict[str, Any]:
    """What every Parquet file of a sweep records about where it came from."""
    return {
        "kind": KIND,
        "experiment": experiment_name,
        "experiment_sha256": experiment_sha256,
        "basis": basis,
        "versions": versions(),
        "git_commit": git_commit(),
    }


# --- reading a sweep back ---------------------------------------------------------------


def sweep_state(root: str | os.PathLike[str]) -> dict[str, Any]:
    """A sweep's run counts and status as the files on disk tell them, not as its manifest
    last said: a sweep killed mid-write left a manifest saying ``running`` and counts of its
    start. ``running`` with no live writer holding the folder's lock is ``interrupted``."""
    store = SweepStore(root)
    manifest = store.manifest()
    planned = set(pq.read_table(store.root / RUNS, columns=["run_id"]).column(0).to_pylist())
    done = store.done_ids() & planned
    failed = store.failed_ids() & planned
    status = manifest.get("status")
    if status == "running":
        writer = holder(store.root)
        status = "interrupted" if writer is None else f"running (pid {writer.get('pid')})"
    return {
        "experiment": manifest.get("experiment"),
        "status": status,
        "planned": len(planned),
        "done": len(done),
        "failed": len(failed),
        "pending": len(planned - done - failed),
    }


SWEEP_TABLES = ("model", "insights", "runs", "failures")


def _dataset_table(
    store: SweepStore, folder: Path, columns: list[str] | None, steps: list[int] | None
) -> pd.DataFrame:
    """Every done run's file in ``folder`` as one frame (columns and steps pushed down)."""
    import pyarrow.dataset as ds

    done = sorted(store.done_ids())
    files = [
        str(folder / f"{rid}.parquet") for rid in done if (folder / f"{rid}.parquet").is_file()
    ]
    if not files:
        return pd.DataFrame(columns=columns or [])
    dataset = ds.dataset(files, format="parquet")
    if columns is not None:
        missing = [c for c in columns if c not in dataset.schema.names]
        if missing:
            close = difflib.get_close_matches(missing[0], dataset.schema.names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"{store.root}: no column '{missing[0]}'{hint}")
    where = ds.field("step").isin(steps) if steps is not None else None
    return dataset.to_table(columns=columns, filter=where).to_pandas()


def read_sweep(
    root: str | os.PathLike[str],
    table: str = "model",
    columns: list[str] | None = None,
    steps: list[int] | None = None,
) -> pd.DataFrame:
    """One table of a sweep: model metrics, insight events, the run table, or failures.

    The run table gains a ``status`` column (done, failed or pending), so what is missing
    from an interrupted or partly failed sweep is visible rather than silently absent.
    """
    store = SweepStore(root)
    if table not in SWEEP_TABLES:
        raise ValueError(f"table must be one of {', '.join(SWEEP_TABLES)} (got {table!r})")
    if table == "runs":
        runs = store.run_table()
        done, failed = store.done_ids(), store.failed_ids()
        status = [
            "done" if r in done else "failed" if r in failed else "pending" for r in runs.run_id
        ]
        return runs.assign(status=status)
    if table == "failures":
        records = [store.failure(rid) for rid in sorted(store.failed_ids())]
        return pd.DataFrame(records)
    folder = store.metrics if table == "model" else store.insights
    frame = _dataset_table(store, folder, columns, steps)
    order = {rid: i for i, rid in enumerate(store.run_table().run_id)}
    if frame.empty or "run_id" not in frame:
        return frame.reset_index(drop=True)
    rank = frame["run_id"].map(order)
    return frame.iloc[np.lexsort((np.arange(len(frame)), rank.to_numpy()))].reset_index(drop=True)
