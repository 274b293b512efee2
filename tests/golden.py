"""Golden outputs: every preset at seeds 0, 1 and 2, and the smoke sweep, fingerprinted.

Recorded before the model's internals are reorganised (issue 13), so that a refactor which
changes any number, in any table, of any preset, fails. A table's *content* fingerprint is a
sha256 over its column names, dtypes and the exact bits of every value, so it does not depend on
the pandas or pyarrow version that wrote the Parquet file; the Parquet *bytes* are compared too
whenever those two versions are the ones recorded (their file metadata names them).

Re-record (only when a change of numbers is intended and documented):
    .venv/bin/python -m tests.golden
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd

from commsim import api
from commsim.experiment.plan import plan_sweep
from commsim.experiment.spec import load_experiment
from commsim.experiment.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
RECORD = Path(__file__).with_name("golden.json")
SEEDS = (0, 1, 2)
SMOKE = ROOT / "configs" / "experiments" / "smoke.toml"
WRITERS = ("pandas", "pyarrow")  # whose versions Parquet files carry in their metadata


def presets() -> list[Path]:
    return sorted((ROOT / "configs").glob("*.toml"))


def content(df: pd.DataFrame) -> str:
    """A fingerprint of a table's names, dtypes and values (exact bits), not of its file."""
    digest = hashlib.sha256(json.dumps([list(df.columns), [str(t) for t in df.dtypes]]).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _file(path: Path) -> dict[str, str]:
    return {
        "content": content(pd.read_parquet(path)),
        "bytes": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def run_fingerprints(config: Path, seed: int, scratch: Path) -> dict[str, dict[str, str]]:
    """One preset at one seed, saved as ``commsim run`` saves it."""
    out = api.run(config, seed=seed).save(scratch / f"{config.stem}-{seed}")
    return {p.name: _file(p) for p in sorted(out.glob("*.parquet"))}


def sweep_fingerprints(scratch: Path) -> dict[str, dict[str, str]]:
    """The smoke sweep in this process: its run table's file, and every run's tables.

    Runs are stored in chunks of many runs, in the order they finish; each run's rows are
    fingerprinted as ``load_results`` gives them. The run table carries the commit and
    package versions that wrote it; those are pinned here, so that its bytes speak of the
    numbers and the layout alone.
    """
    out = scratch / "smoke"
    pinned = {"git_commit": lambda: "golden", "versions": lambda: {"commsim": "golden"}}
    with patch.multiple("commsim.experiment.store", **pinned):
        run_sweep(plan_sweep(load_experiment(SMOKE)), out, workers=1)
    found = {"runs.parquet": _file(out / "runs.parquet")}
    for table, folder in (("model", "metrics"), ("insights", "insights")):
        frame = api.load_results(out, table)
        for run_id, rows in frame.groupby("run_id", sort=True):
            found[f"{folder}/{run_id}"] = {"content": content(rows.reset_index(drop=True))}
    return found


def record() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        runs = {
            f"{config.stem}/seed-{seed}": run_fingerprints(config, seed, scratch)
            for config in presets()
            for seed in SEEDS
        }
        return {
            "writers": {name: metadata.version(name) for name in WRITERS},
            "runs": runs,
            "smoke_sweep": sweep_fingerprints(scratch),
        }


if __name__ == "__main__":
    RECORD.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {RECORD}")
