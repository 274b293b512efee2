"""A sweep on disk: its runs in chunks of many runs, each run stored the moment it finishes.

    DIR/manifest.json          provenance, design, run counts, one entry per session
    DIR/experiment.toml        the experiment file as it was given (its own suffix)
    DIR/runs.parquet           the run table: id, point, repetition, seed, parameters
    DIR/metrics/chunk-<session>-<k>.parquet   one row per run and recorded step, with the
                                              run's parameters (_chunk-….arrows while open)
    DIR/insights/chunk-<session>-<k>.parquet  the runs' insight event logs
    DIR/failures/<run_id>.json      the error of a run that raised
    DIR/figures/                    what ``commsim plot`` drew (see ``commsim.outputs``)
    DIR/discovery/                  what ``commsim discover`` wrote (the same rule)

``chunks.py`` says how a chunk is appended to and closed; a kill leaves every stored run
readable and loses only the runs in flight. A run is *done* when its metrics are stored; its
insights are stored just before, so rows of a run killed between the two belong to no done
run: readers ignore them and the next session's recovery drops them. A sweep begun before
chunks (one ``metrics/<run_id>.parquet`` per run) is still read, and resumed in chunks.
Every file is written under a hidden temporary name and renamed into place, so a reader or a
killed sweep never sees half a file. Parquet files carry no times; times live in the manifest.

A sweep begun before a parameter was renamed (``config.RENAMED``) keeps its former name in
the columns it writes when resumed, so its files share one set of names; everything that
reads a sweep back (``read_manifest_of``, ``read_sweep``) shows the current names.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from commsim import outputs
from commsim.config import FORMER, RENAMED, ConfigError, read_config_file, respell
from commsim.experiment.chunks import ChunkWriter, chunks, is_chunk, read_stream, recover
from commsim.experiment.lock import LOCK, holder
from commsim.experiment.units import describe_steps
from commsim.model import InsightLedger
from commsim.provenance import git_commit, utc_timestamp, versions
from commsim.storage import run_files

MANIFEST = "manifest.json"
FAILURE_FIELDS = ("error", "traceback", "failed_utc")  # a failure record, after the run's identity
RUNS = "runs.parquet"
METRICS, INSIGHTS, FAILURES, FIGURES = "metrics", "insights", "failures", "figures"
DISCOVERY = "discovery"  # what `commsim discover` wrote (a figure folder too)
KIND = outputs.SWEEP_KIND
FORMAT = 2  # 2: runs in chunks; 1: a file per run (still read and resumed)
EXPERIMENT_COPIES = frozenset(f"experiment{suffix}" for suffix in (".toml", ".yaml", ".yml"))
_RUN_FOLDERS = {METRICS: ".parquet", INSIGHTS: ".parquet", FAILURES: ".json"}
_RUN_ID = re.compile(r"[0-9a-f]{16}")


def now() -> str:
    return utc_timestamp(datetime.now(UTC))


def _arrow(frame: pd.DataFrame, provenance: dict[str, Any]) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"commsim"] = json.dumps(provenance, sort_keys=True).encode()
    return table.replace_schema_metadata(meta)


def write_parquet(frame: pd.DataFrame, path: Path, provenance: dict[str, Any]) -> None:
    """Atomically write ``frame`` with ``provenance`` in the file's key-value metadata."""
    table = _arrow(frame, provenance)
    outputs.write_atomically(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def stored_bytes(table: pa.Table) -> int:
    """About what ``table`` adds to a sweep's chunks: its size in Arrow (compression in a
    closed chunk makes the real figure smaller)."""
    return int(table.nbytes)


def write_json(data: dict[str, Any], path: Path) -> None:
    def dump(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")

    outputs.write_atomically(path, dump)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: unreadable ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a commsim sweep manifest")
    return data


def read_manifest_of(root: str | os.PathLike[str]) -> dict[str, Any]:
    """A sweep's manifest, every parameter under its current name (``current_names``)."""
    return current_names(read_json(Path(root) / MANIFEST))


def current_names(manifest: dict[str, Any]) -> dict[str, Any]:
    """A manifest with the former names of renamed parameters (a sweep begun before the
    rename) replaced by the current ones: in its parameters, base scenario, basis and design."""
    out = dict(manifest)
    if isinstance(out.get("parameters"), list):
        out["parameters"] = [RENAMED.get(p, p) for p in out["parameters"]]
    if isinstance(out.get("base_config"), dict):
        out["base_config"] = respell(out["base_config"], quiet=True)
    basis = out.get("basis_fields")
    if isinstance(basis, dict) and isinstance(basis.get("base"), dict):
        out["basis_fields"] = {**basis, "base": respell(basis["base"], quiet=True)}
    design = out.get("design")
    problem = design.get("problem") if isinstance(design, dict) else None
    if isinstance(problem, dict) and isinstance(problem.get("names"), list):
        names = [RENAMED.get(p, p) for p in problem["names"]]
        out["design"] = {**design, "problem": {**problem, "names": names}}  # type: ignore[dict-item]
    return out


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
        self.spelling: dict[str, str] = {}  # parameter -> the former name its columns carry

    def keep_spelling(self, previous: dict[str, Any] | None) -> None:
        """Write each renamed parameter under the former name the stored runs carry (a sweep
        begun before the rename: ``previous`` is its manifest as stored)."""
        stored = (previous or {}).get("parameters") or []
        self.spelling = {RENAMED[p]: p for p in stored if isinstance(p, str) and p in RENAMED}

    def _spelt(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rename(columns=self.spelling) if self.spelling else frame

    # --- reading ------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        return read_json(self.manifest_path)

    def done_ids(self) -> set[str]:
        """Every run whose metrics are stored: in a chunk, or in a file of its own."""
        return _ids(self.metrics, ".parquet") | chunk_run_ids(self.metrics)

    def failed_ids(self) -> set[str]:
        return self.done_and_failed()[1]

    def done_and_failed(self) -> tuple[set[str], set[str]]:
        """``done_ids()`` and ``failed_ids()``, the chunks read once: the runs whose metrics
        are stored, and those with a failure record and none."""
        done = self.done_ids()
        return done, _ids(self.failures, ".json") - done

    def run_table(self) -> pd.DataFrame:
        return pd.read_parquet(self.root / RUNS)

    def failure(self, run_id: str) -> dict[str, Any]:
        return read_json(self.failures / f"{run_id}.json")

    # --- writing ------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the layout; remove temporaries a killed sweep left, close its open chunks
        (keeping their whole runs) and drop insights of runs that were never done."""
        for folder in (self.root, self.metrics, self.insights, self.failures):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (self.root, self.metrics, self.insights, self.failures):
            for leftover in folder.glob(".*.tmp-*"):
                leftover.unlink(missing_ok=True)
        recover(self.metrics)
        done = self.done_ids()
        recover(self.insights, keep=pc.field("run_id").isin(sorted(done)))
        for orphan in self.insights.glob("*.parquet"):  # a run's own file, killed mid-write
            if not is_chunk(orphan.name) and orphan.stem not in done:
                orphan.unlink(missing_ok=True)

    def open_session(self, session: int, provenance: dict[str, Any]) -> None:
        """Start appending this session's runs to chunks of its own."""
        metadata = {b"commsim": json.dumps(provenance, sort_keys=True).encode()}
        self._writers = (
            ChunkWriter(self.insights, session, metadata),
            ChunkWriter(self.metrics, session, metadata),
        )
        # whose failure records stand: a run done now removes its own (an unlink per run
        # that never failed cost more than appending its rows)
        self._failed = _ids(self.failures, ".json")

    def close_session(self) -> None:
        """Close the session's open chunks into Parquet."""
        for writer in getattr(self, "_writers", ()):
            writer.close()

    def write_run(
        self, run_id: str, metrics: pa.Table, insights: pa.Table | None, flush: bool = True
    ) -> None:
        """Store a finished run (``open_session`` first): insights, then the metrics that
        mark it done. Without ``flush`` it waits for ``end_batch`` (the runs that came back
        together are written together, at the last of them)."""
        insights_writer, metrics_writer = self._writers
        if insights is not None:
            insights_writer.append(insights, flush=False)
        if self.spelling:
            names = [self.spelling.get(c, c) for c in metrics.column_names]
            metrics = metrics.rename_columns(names)
        if not metrics_writer.takes(metrics.schema):
            self.end_batch()  # the runs before, insights first, ahead of a new chunk
        metrics_writer.append(metrics, flush=False)
        if flush:
            self.end_batch()
        if run_id in self._failed:
            (self.failures / f"{run_id}.json").unlink(missing_ok=True)
            self._failed.discard(run_id)

    def end_batch(self) -> None:
        """Write the runs waiting since the last batch: insights, then the metrics that mark
        them done; then close a full chunk (only now: a closed chunk holds done runs alone)."""
        for writer in self._writers:
            writer.flush()
        for writer in self._writers:
            writer.close_if_full()

    def write_failure(self, identity: dict[str, Any], error: str | None, trace: str | None) -> None:
        """A failed run's record: its identity, then ``FAILURE_FIELDS``."""
        record = dict(zip(FAILURE_FIELDS, (error, trace, now()), strict=True))
        identity = {self.spelling.get(k, k): v for k, v in identity.items()}
        write_json({**identity, **record}, self.failures / f"{identity['run_id']}.json")
        self._failed.add(identity["run_id"])

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        if self.spelling and isinstance(manifest.get("parameters"), list):
            spelt = [self.spelling.get(p, p) for p in manifest["parameters"]]
            manifest = {**manifest, "parameters": spelt}
        write_json(manifest, self.manifest_path)

    def write_static(self, runs: pd.DataFrame, experiment_name: str, text: str) -> None:
        """The run table and a copy of the experiment file, as the sweep was planned."""
        write_parquet(self._spelt(runs), self.root / RUNS, {"kind": KIND})
        path = self.root / experiment_name

        def copy(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        outputs.write_atomically(path, copy)


def chunk_run_ids(folder: Path) -> set[str]:
    """The run ids a folder's chunks hold, closed and open."""
    closed, streams = chunks(folder)
    ids: set[str] = set()
    for path in closed:
        try:
            ids.update(pq.read_table(path, columns=["run_id"]).column(0).to_pylist())
        except pa.ArrowException as exc:
            raise ValueError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
    for path in streams:
        table = read_stream(path)
        if table is not None:
            ids.update(table.column("run_id").to_pylist())
    return ids


def _ids(folder: Path, suffix: str) -> set[str]:
    """The run ids of a folder's files of one run each (``<run_id><suffix>``)."""
    if not folder.is_dir():
        return set()
    stems = (p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix))
    return {stem for stem in stems if _RUN_ID.fullmatch(stem)}


def _own_file(entry: Path, names: frozenset[str] | set[str]) -> bool:
    plain = entry.is_file() and not entry.is_symlink()
    return plain and (entry.name in names or outputs.TEMPORARY.fullmatch(entry.name) is not None)


def _run_folder(folder: Path, suffix: str) -> tuple[list[Path], list[str]]:
    """A folder of one file per run id (and temporaries): its files, and anything else."""
    own, strays = [], []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        by_run = name.endswith(suffix) and _RUN_ID.fullmatch(name[: -len(suffix)]) is not None
        chunk = folder.name != FAILURES and is_chunk(name)
        if _own_file(entry, {name} if by_run or chunk else set()):
            own.append(entry)
        else:
            strays.append(outputs.stray(entry, f"{folder.name}/"))
    return [*own, folder], strays


def sweep_entries(root: Path) -> tuple[list[Path], list[str]]:
    """A sweep folder's own entries (in the order to remove them) and what else is there.

    Its own: the manifest, the run table, the experiment copy, the per-run folders holding
    only run files, a figure folder of commsim's, temporaries of a killed write and the lock
    file. The lock is left out of the entries to remove: it belongs to whoever holds it.
    """
    own, strays, last = [], [], []
    for entry in sorted(root.iterdir()):
        name = entry.name
        if entry.is_symlink() or not (entry.is_dir() or entry.is_file()):
            strays.append(outputs.stray(entry))
        elif entry.is_dir() and name in _RUN_FOLDERS:
            files, inside = _run_folder(entry, _RUN_FOLDERS[name])
            own, strays = own + files, strays + inside
        elif entry.is_dir() and name in (FIGURES, DISCOVERY):
            try:
                drawn = outputs.figure_listing(entry)
            except FileExistsError:
                strays.append(f"{name}/ (not only figures commsim drew)")
                continue
            names = [*drawn, outputs.FIGURES_MARKER]
            own += [*(entry / n for n in names if (entry / n).is_file()), entry]
        elif name == MANIFEST and entry.is_file():
            last.append(entry)  # last: an interrupted clear-up still leaves a sweep folder
        elif name == LOCK and _own_file(entry, {LOCK}):
            continue  # the lock belongs to whoever holds it
        elif _own_file(entry, {RUNS, *EXPERIMENT_COPIES}):
            own.append(entry)
        else:
            strays.append(outputs.stray(entry))
    return own + last, strays


def _not_a_sweep(out: Path) -> str:
    """What ``out`` holds instead of a sweep, for an error line."""
    path = out / MANIFEST
    manifest, unreadable = outputs.read_json_marker(path)
    if run_files(manifest) is not None:
        return "holds a commsim run, and a run directory is never a sweep's output"
    if path.exists() or path.is_symlink():
        return f"does not hold a commsim sweep (its {MANIFEST} is {unreadable or 'not one'})"
    return f"does not hold a commsim sweep ({outputs.named(outputs.in_the_way(out, {}, ''))})"


def check_flags(resume: bool, overwrite: bool) -> None:
    """Refuse asking to both continue a sweep and start it afresh."""
    if resume and overwrite:
        raise ValueError(
            "--resume and --overwrite contradict each other: --resume continues the sweep in "
            "the directory, --overwrite starts it afresh"
        )


def check_sweep_dir(out: Path, resume: bool, overwrite: bool = False) -> None:
    """Refuse a folder that holds something else, or a sweep unless resuming or overwriting.

    ``overwrite`` starts afresh in a folder holding an earlier sweep, provided nothing but the
    sweep's own entries is there (``sweep_entries``); ``clear_sweep`` then removes them.
    """
    check_flags(resume, overwrite)
    outputs.check_target(out)
    if not out.exists() or not any(out.iterdir()):
        return
    if not is_sweep_dir(out):
        raise FileExistsError(f"{out}: {_not_a_sweep(out)}; choose another --out")
    if overwrite:
        strays = sweep_entries(out)[1]
        if strays:
            raise FileExistsError(
                f"{out}: holds a sweep and what commsim did not write ({outputs.named(strays)}); "
                "refusing to clear it, even with --overwrite"
            )
    elif not resume:
        raise already_a_sweep(out)


def already_a_sweep(out: Path) -> FileExistsError:
    """The refusal of a folder holding a sweep, when neither resuming nor overwriting."""
    return FileExistsError(
        f"{out}: already holds a sweep; pass --resume to continue it, --overwrite to start "
        "afresh (only the sweep's own files go), or choose another --out"
    )


def clear_sweep(root: Path) -> None:
    """Remove an earlier sweep's own entries (``sweep_entries``) and nothing else."""
    for path in sweep_entries(root)[0]:
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)


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
    done, failed = (ids & planned for ids in store.done_and_failed())
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


def experiment_record(root: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``[record]`` table of the sweep's copy of its experiment file ({} if unreadable)."""
    for path in sorted(Path(root).glob("experiment.*")):
        try:
            record = read_config_file(path).get("record", {})
        except ConfigError:
            continue
        return record if isinstance(record, dict) else {}
    return {}


def _empty_columns(store: SweepStore, table: str) -> list[str]:
    """The columns a table of no rows still has, so code reading it does not break."""
    identity = [RENAMED.get(c, c) for c in store.run_table().columns]
    if table == "failures":
        return [*identity, *FAILURE_FIELDS]
    if table == "insights":
        return ["run_id", *InsightLedger().frame().columns]
    return [*identity, "step"]


def _sources(store: SweepStore, folder: Path) -> tuple[list[Any], list[str]]:
    """The datasets that hold a table's rows of done runs: the Parquet files (a sweep's
    closed chunks, and the files of a run each of a sweep begun before chunks) and each open
    chunk's whole batches; and the files, to name one that cannot be read."""
    import pyarrow.dataset as ds

    closed, streams = chunks(folder)
    own, keep = _ids(folder, ".parquet"), None
    if folder.name == INSIGHTS:  # a run's insights are stored before its metrics make it done
        done = store.done_ids()  # (every metrics row is a done run's: nothing to ask there)
        own, keep = own & done, pc.field("run_id").isin(sorted(done))
    files = [str(folder / f"{rid}.parquet") for rid in sorted(own)]
    files += [str(path) for path in closed]
    try:
        sources = [ds.dataset(files, format="parquet")] if files else []
    except pa.ArrowException as exc:
        raise ValueError(_unreadable(folder, files, exc)) from None
    for table in filter(None, map(read_stream, streams)):
        sources.append(ds.dataset(table if keep is None else table.filter(keep)))
    return sources, files


def _dataset_table(
    store: SweepStore, folder: Path, columns: list[str] | None, steps: list[int] | None
) -> pd.DataFrame:
    """Every done run's rows in ``folder`` as one frame (columns and steps pushed down)."""
    import pyarrow.dataset as ds

    where = ds.field("step").isin(steps) if steps is not None else None
    sources, files = _sources(store, folder)
    if not sources:
        return pd.DataFrame(columns=columns or _empty_columns(store, folder.name))

    def read(columns: list[str] | None, where: Any = None) -> pa.Table:
        tables = [source.to_table(columns=columns, filter=where) for source in sources]
        return pa.concat_tables(tables, promote_options="permissive")

    try:
        stored = list(dict.fromkeys(n for source in sources for n in source.schema.names))
        if columns is not None:  # a parameter asked by its name, stored under its former one
            columns = [FORMER[c] if FORMER.get(c) in stored else c for c in columns]
        _check_columns(store, stored, columns)
        frame = read(columns, where).to_pandas().rename(columns=RENAMED)
    except pa.ArrowException as exc:
        raise ValueError(_unreadable(folder, files, exc)) from None
    if steps is not None:
        check_steps(steps, frame["step"], lambda: read(["step"])["step"])
    return frame


def metrics_schema(root: str | os.PathLike[str]) -> pa.Schema | None:
    """The schema of a sweep's stored metrics (None before any run is done)."""
    sources = _sources(SweepStore(root), Path(root) / METRICS)[0]
    return sources[0].schema if sources else None


def _check_columns(store: SweepStore, names: list[str], columns: list[str] | None) -> None:
    missing = [c for c in columns or [] if c not in names]
    if missing:
        close = difflib.get_close_matches(missing[0], names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"{store.root}: no column '{missing[0]}'{hint}")


def read_schema(file: str | os.PathLike[str]) -> pa.Schema:
    """The schema of a stored Parquet file, or one line saying it is not readable."""
    try:
        return pq.read_schema(file)
    except pa.ArrowException as exc:
        raise ValueError(f"{file}: not a readable Parquet file ({_first_line(exc)})") from None


def _unreadable(folder: Path, files: list[str], exc: Exception) -> str:
    """Which stored file Arrow could not read (looked for only once reading failed)."""
    for file in files:
        try:
            read_schema(file)
        except ValueError as bad:
            return str(bad)
    return f"{folder}: unreadable ({_first_line(exc)})"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_steps(wanted: Iterable[int], found: pd.Series, recorded: Callable[[], Any]) -> None:
    """Refuse steps no run recorded, naming those that exist (read only when some are missing).

    A step one run recorded and another did not (it stopped earlier) is not refused.
    """
    missing = sorted(set(wanted) - set(found.tolist()))
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (", …" if len(missing) > 5 else "")
        what = f"step {shown} was" if len(missing) == 1 else f"steps {shown} were"
        steps = np.unique(np.asarray(recorded()))
        raise ValueError(f"{what} not recorded; {describe_steps(steps)}")


def read_sweep(
    root: str | os.PathLike[str],
    table: str = "model",
    columns: list[str] | None = None,
    steps: list[int] | None = None,
) -> pd.DataFrame:
    """One table of a sweep: model metrics, insight events, the run table, or failures.

    The run table gains a ``status`` column (done, failed or pending), so what is missing
    from an interrupted or partly failed sweep is visible rather than silently absent.
    Parameters stored under a former name (``config.RENAMED``) come back under the current one.
    """
    store = SweepStore(root)
    if table not in SWEEP_TABLES:
        raise ValueError(f"table must be one of {', '.join(SWEEP_TABLES)} (got {table!r})")
    if table == "runs":
        runs = store.run_table()
        done, failed = store.done_and_failed()
        status = [
            "done" if r in done else "failed" if r in failed else "pending" for r in runs.run_id
        ]
        return runs.assign(status=status).rename(columns=RENAMED)
    if table == "failures":
        records = [store.failure(rid) for rid in sorted(store.failed_ids())]
        return (
            pd.DataFrame(records).rename(columns=RENAMED)
            if records
            else pd.DataFrame(columns=_empty_columns(store, table))
        )
    folder = store.metrics if table == "model" else store.insights
    frame = _dataset_table(store, folder, columns, steps)
    order = {rid: i for i, rid in enumerate(store.run_table().run_id)}
    if frame.empty or "run_id" not in frame:
        return frame.reset_index(drop=True)
    rank = frame["run_id"].map(order)
    return frame.iloc[np.lexsort((np.arange(len(frame)), rank.to_numpy()))].reset_index(drop=True)
