"""A run on disk: four Parquet tables, a manifest and a summary figure, written atomically.

Everything is written into a hidden sibling directory first and renamed into place only when
complete, so a reader (or a crash, or Ctrl-C) never sees half an output, and an earlier run in
the same place survives until its replacement is whole. The Parquet files carry no
timestamps, so the same seed gives byte-identical tables; provenance (versions, git commit,
times) lives in ``manifest.json`` instead.

The manifest (``"kind": "commsim-run"``) lists every file the run wrote with its size and
sha256; that list is what makes a folder commsim's own (see ``commsim.outputs``). An earlier
run is replaced only when asked (``overwrite``), and only if the folder holds nothing but its
listed, unchanged files.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from commsim import outputs
from commsim.config import Config
from commsim.provenance import git_commit, utc_timestamp, versions

TABLES = ("model", "agents", "insights", "interventions")
MANIFEST = "manifest.json"
FIGURE = "summary.png"
RUN_FILES = frozenset(
    [f"{name}.parquet" for name in TABLES] + [MANIFEST, FIGURE]
)  # what a run directory holds
MANIFEST_FORMAT = 2  # 2: "kind" added; format 1 (no kind, same files list) is still read


class RunLike(Protocol):
    """What ``write_run`` needs of a run (``commsim.api.RunResult`` is one)."""

    @property
    def model(self) -> pd.DataFrame: ...
    @property
    def agents(self) -> pd.DataFrame: ...
    @property
    def insights(self) -> pd.DataFrame: ...
    @property
    def interventions(self) -> pd.DataFrame: ...
    @property
    def config(self) -> Config: ...
    @property
    def manifest(self) -> dict[str, Any]: ...


def build_manifest(
    config: Config,
    *,
    steps_run: int,
    started: datetime,
    finished: datetime,
    wall_time_s: float,
    config_path: str | os.PathLike[str] | None = None,
    model: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What is needed to reproduce a run and to tell two runs apart (``model``: which model
    class and extensions, when not the built-in model alone)."""
    return {
        **(model or {}),
        "kind": outputs.RUN_KIND,
        "format": MANIFEST_FORMAT,
        "name": config.name,
        "config_hash": config.digest(),
        "config_path": str(config_path) if config_path is not None else None,
        "seed": config.seed,
        "steps_requested": config.steps,
        "steps_run": steps_run,
        "n_agents": config.n_agents,
        "versions": versions(),
        "git_commit": git_commit(),
        "started_utc": utc_timestamp(started),
        "finished_utc": utc_timestamp(finished),
        "wall_time_s": round(wall_time_s, 6),
        "config": config.model_dump(mode="json"),
    }


# --- the output directory --------------------------------------------------------------


def is_run_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` has a manifest to read a run from (``run_files`` says if it is ours)."""
    return (Path(path) / MANIFEST).is_file()


def run_files(manifest: Any) -> outputs.Listing | None:
    """The files a run manifest lists, or None if it is not the manifest of a commsim run.

    Format 2 says ``"kind": "commsim-run"``; format 1 (before the kind) is recognised by its
    files list, config hash and commsim version together.
    """
    if not isinstance(manifest, dict):
        return None
    if manifest.get("kind") == outputs.RUN_KIND and type(manifest.get("format")) is int:
        return outputs.listing(manifest)
    earlier = manifest.get("format") == 1 and "kind" not in manifest
    made = isinstance(manifest.get("config_hash"), str)
    by = isinstance(manifest.get("versions"), dict) and "commsim" in manifest["versions"]
    return outputs.listing(manifest) if earlier and made and by else None


def _what_is_there(out: Path) -> str:
    """Why ``out`` is not an earlier run commsim may replace: what its manifest.json is."""
    manifest, unreadable = outputs.read_json_marker(out / MANIFEST)
    if unreadable:
        return f"holds a {MANIFEST} that commsim did not write ({unreadable})"
    if isinstance(manifest, dict) and manifest.get("kind") == outputs.SWEEP_KIND:
        return "holds a commsim sweep; a sweep directory is never a run's output"
    return f"holds a {MANIFEST} that is not a commsim run's"


def earlier_run(out: Path, overwrite: bool) -> list[str]:
    """The files of an earlier run in ``out`` that may go; refuse anything else in the way.

    An empty or missing folder has none. An earlier commsim run is replaced only with
    ``overwrite``, and only if nothing but its listed, unchanged files is there.
    """
    if not out.is_dir() or not any(out.iterdir()):
        return []
    if (out / MANIFEST).exists() or (out / MANIFEST).is_symlink():
        manifest, _ = outputs.read_json_marker(out / MANIFEST)
        own = run_files(manifest)
        if own is None:
            raise FileExistsError(f"{out}: {_what_is_there(out)}; choose another directory")
        strays = outputs.in_the_way(out, own, MANIFEST)
        if strays:
            raise FileExistsError(
                f"{out}: holds an earlier commsim run and what commsim did not write "
                f"({outputs.named(strays)}); refusing to replace it, even with --overwrite"
            )
        if not overwrite:
            raise FileExistsError(
                f"{out}: holds an earlier commsim run; pass --overwrite to replace its files, "
                "or choose another directory"
            )
        return [*own, MANIFEST]
    strays = outputs.in_the_way(out, {}, "")
    raise FileExistsError(
        f"{out}: holds files commsim did not write ({outputs.named(strays)}); "
        "choose another directory"
    )


def check_out_dir(out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Fail early, before a run, if its output could not be written to ``out_dir``.

    A missing or empty folder is written; an earlier commsim run only with ``overwrite``;
    anything else is refused (see ``earlier_run``), as is a folder that cannot be created.
    """
    out = outputs.given_path(out_dir)
    outputs.check_target(out)
    earlier_run(out, overwrite)
    return out


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Parquet without timestamps or index, so equal frames give equal bytes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def write_run(
    result: RunLike,
    out_dir: str | os.PathLike[str],
    *,
    config_path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a run's tables, manifest and figure to ``out_dir``, all or nothing.

    ``out_dir`` must be missing, empty, or (with ``overwrite``) an earlier commsim run with
    nothing else in it; only that run's own files are replaced. One-line ``FileExistsError``,
    ``NotADirectoryError``, ``PermissionError`` or ``ValueError`` otherwise.
    """
    from commsim.plotting import summary_figure

    given = check_out_dir(out_dir, overwrite=overwrite)
    out = outputs.resolved(given)
    tmp = outputs.staging_for(out)
    try:
        files: dict[str, Any] = {}
        for name in TABLES:
            path = tmp / f"{name}.parquet"
            write_table(getattr(result, name), path)
            files[path.name] = outputs.file_entry(path)
        config = result.config
        summary_figure(
            result.model,
            result.interventions,
            tmp / FIGURE,
            title=f"{config.name} (seed {config.seed})",
            catalogue=getattr(result, "catalogue", None),
        )
        files[FIGURE] = outputs.file_entry(tmp / FIGURE)
        manifest = {**result.manifest, "kind": outputs.RUN_KIND, "format": MANIFEST_FORMAT}
        if config_path is not None:
            manifest["config_path"] = str(config_path)
        manifest["files"] = files
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        outputs.swap_in(tmp, out, earlier_run(out, overwrite))  # checked again: still ours?
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return given


def read_manifest(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a run directory; ValueError if it is not one."""
    path = Path(run_dir) / MANIFEST
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{run_dir}: unreadable commsim manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: not a commsim manifest")
    return manifest
