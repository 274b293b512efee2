"""A run on disk: four Parquet tables, a manifest and a summary figure, written atomically.

Everything is written into a hidden sibling directory first and renamed into place only when
complete, so a reader (or a crash, or Ctrl-C) never sees half an output, and an earlier run in
the same place survives until its replacement is whole. The Parquet files carry no
timestamps, so the same seed gives byte-identical tables; provenance (versions, git commit,
times) lives in ``manifest.json`` instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import commsim
from commsim.config import Config

TABLES = ("model", "agents", "insights", "interventions")
MANIFEST = "manifest.json"
FIGURE = "summary.png"
RUN_FILES = frozenset(
    [f"{name}.parquet" for name in TABLES] + [MANIFEST, FIGURE]
)  # what a run directory holds
MANIFEST_FORMAT = 1
_VERSIONED = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib", "SALib")


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


# --- provenance ------------------------------------------------------------------------


def versions() -> dict[str, str]:
    """Versions of everything that can change a run's numbers, for the manifest."""
    found = {"commsim": commsim.__version__}
    for dist in _VERSIONED:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "unknown"
    found["python"] = platform.python_version()
    return found


def _git(*args: str, cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_commit() -> str:
    """The commit of the code that ran, "+dirty" if the working tree has changes.

    Asked in the package's own directory, and only if the package is tracked there, so an
    installed copy that happens to sit inside some other repository is not misattributed.
    """
    here = Path(commsim.__file__).resolve().parent
    if _git("ls-files", "--error-unmatch", "__init__.py", cwd=here) is None:
        return "unknown"
    commit = _git("rev-parse", "HEAD", cwd=here)
    if not commit:
        return "unknown"
    status = _git("status", "--porcelain", cwd=here)
    return f"{commit}+dirty" if status else commit


def utc_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the millisecond."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_manifest(
    config: Config,
    *,
    steps_run: int,
    started: datetime,
    finished: datetime,
    wall_time_s: float,
    config_path: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """What is needed to reproduce a run and to tell two runs apart."""
    return {
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
    """Whether ``path`` holds a commsim run (it has a manifest)."""
    return (Path(path) / MANIFEST).is_file()


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Fail early, before a run, if its output could not be written to ``out_dir``.

    An existing directory may be replaced only if it is empty or an earlier run; anything
    else is the user's and is refused. Writability is probed by creating (and removing) a
    directory where the output will go, so nothing is left behind either way.
    """
    out = Path(out_dir)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise NotADirectoryError(f"{out}: exists and is not a directory")
        if not is_run_dir(out) and any(out.iterdir()):
            raise FileExistsError(
                f"{out}: exists and is not a commsim run directory; refusing to replace it"
            )
    anchor = out.parent
    while not anchor.exists():
        if anchor == anchor.parent:
            break
        anchor = anchor.parent
    if not anchor.is_dir():
        raise NotADirectoryError(f"{out}: cannot create it, {anchor} is not a directory")
    probe = anchor / f".commsim-probe-{secrets.token_hex(4)}"
    try:
        probe.mkdir()
    except OSError as exc:
        raise PermissionError(f"{out}: cannot write there ({exc.strerror or exc})") from None
    probe.rmdir()
    return out


def _swap_into_place(new: Path, out: Path) -> None:
    """Rename ``new`` to ``out``; an old ``out`` is moved aside first and removed last."""
    if not (out.exists() or out.is_symlink()):
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        old.rename(out)
        raise
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Parquet without timestamps or index, so equal frames give equal bytes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def _file_entry(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def write_run(
    result: RunLike,
    out_dir: str | os.PathLike[str],
    *,
    config_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a run's tables, manifest and figure to ``out_dir``, all or nothing."""
    from commsim.plotting import summary_figure

    given = check_out_dir(out_dir)
    out = Path(os.path.abspath(given))  # "." and ".." have no name to build a sibling from
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    tmp.mkdir()
    try:
        files: dict[str, Any] = {}
        for name in TABLES:
            path = tmp / f"{name}.parquet"
            write_table(getattr(result, name), path)
            files[path.name] = _file_entry(path)
        config = result.config
        summary_figure(
            result.model,
            result.interventions,
            tmp / FIGURE,
            title=f"{config.name} (seed {config.seed})",
        )
        files[FIGURE] = _file_entry(tmp / FIGURE)
        manifest = dict(result.manifest)
        if config_path is not None:
            manifest["config_path"] = str(config_path)
        manifest["files"] = files
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        _swap_into_place(tmp, out)
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
