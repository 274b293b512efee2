"""The Python entry points: run a scenario, get its tables back; read a saved run.

``run`` is what the command line calls, so a notebook and ``commsim run`` produce the same
tables and manifest from the same config.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from commsim import storage
from commsim.config import Config, load_config
from commsim.model.model import CommunityModel

TABLES = storage.TABLES

StepSelection = int | slice | Iterable[int]


@dataclass(frozen=True, eq=False)
class RunResult:
    """One run's tables (as the model recorded them), its config and its manifest."""

    model: pd.DataFrame
    agents: pd.DataFrame
    insights: pd.DataFrame
    interventions: pd.DataFrame
    config: Config
    manifest: dict[str, Any]

    def table(self, name: str) -> pd.DataFrame:
        """A table by name, as ``load_results`` names them."""
        if name not in TABLES:
            raise ValueError(f"table must be one of {', '.join(TABLES)} (got {name!r})")
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def save(
        self, out_dir: str | os.PathLike[str], *, config_path: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write this run to ``out_dir`` (see ``commsim.storage.write_run``)."""
        return storage.write_run(self, out_dir, config_path=config_path)


def _typed_interventions(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types, so an empty log round-trips through Parquet like a full one."""
    return frame.astype({"step": "int64", "action": "str", "params": "str"})


def run(
    config: str | os.PathLike[str] | dict[str, Any] | Config | None = None,
    *,
    steps: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> RunResult:
    """Run one scenario to the end and return its tables.

    ``config`` is a TOML/YAML path, a mapping or a ``Config``; ``steps``, ``seed`` and any
    keyword overrides replace its fields (and are validated like it), so the manifest records
    exactly what ran. ``progress(step)`` is called after every step.
    """
    if steps is not None:
        overrides["steps"] = steps
    if seed is not None:
        overrides["seed"] = seed
    cfg = load_config(config, **overrides)
    config_path = config if isinstance(config, str | os.PathLike) else None

    started, t0 = datetime.now(UTC), perf_counter()
    model = CommunityModel(cfg)
    model.run(progress=progress)
    wall, finished = perf_counter() - t0, datetime.now(UTC)

    manifest = storage.build_manifest(
        cfg,
        steps_run=int(model.steps),
        started=started,
        finished=finished,
        wall_time_s=wall,
        config_path=config_path,
    )
    return RunResult(
        model=model.model_frame(),
        agents=model.agent_frame(),
        insights=model.insight_frame(),
        interventions=_typed_interventions(model.intervention_frame()),
        config=cfg,
        manifest=manifest,
    )


def summarize(model_df: pd.DataFrame) -> dict[str, float | int]:
    """The headline numbers of a run: final state, insight totals, and pooled rates.

    Rates are pooled over the run (e.g. all insights spoken up / all chances to speak), not
    averaged per step, so quiet steps do not weigh as much as busy ones. A metric the table
    lacks is NaN (or 0 for a total) rather than an error, so old runs still summarize.
    """
    last = model_df.iloc[-1]

    def final(column: str) -> float:
        return float(last[column]) if column in model_df else float("nan")

    def total(column: str) -> int:
        return int(model_df[column].sum()) if column in model_df else 0

    def ratio(num: int, den: int) -> float:
        return num / den if den else float("nan")

    # "spoken" counts every insight raised (heard or punished); older tables only had "voiced"
    spoken = "insights_spoken" if "insights_spoken" in model_df else "insights_voiced"
    return {
        "steps": int(last["step"]),
        "code_knowledge": final("code_knowledge"),
        "code_accuracy": final("code_accuracy"),
        "mean_knowledge": final("mean_knowledge"),
        "mean_safety": final("mean_safety"),
        "insights_generated": total("insights_generated"),
        "insights_voiced": total("insights_voiced"),
        "insights_suppressed": total("insights_suppressed"),
        "insights_codified": total("insights_codified"),
        "voice_rate": ratio(total(spoken), total("voice_opportunities")),
        "cross_role_share": ratio(total("cross_role_flows"), total("flows")),
    }


# --- reading a saved run ----------------------------------------------------------------


def _run_dir(path: str | os.PathLike[str]) -> Path:
    run_dir = Path(path)
    if not run_dir.exists():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir}: not a directory (expected a commsim run directory)")
    if not storage.is_run_dir(run_dir):
        raise ValueError(f"{run_dir}: not a commsim run directory (no {storage.MANIFEST})")
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


def load_results(
    path: str | os.PathLike[str],
    table: str = "model",
    metrics: str | Iterable[str] | None = None,
    steps: StepSelection | None = None,
) -> pd.DataFrame:
    """One table of a saved run, optionally only some columns and some steps.

    ``metrics`` names columns to keep (``step`` is always kept, first); ``steps`` is a step,
    a collection of steps, or a slice read as indexing the list of steps ``0..last``
    (``slice(10, 20)`` is steps 10-19, ``slice(-5, None)`` the last five). Raises
    ``FileNotFoundError`` or ``ValueError`` with a one-line message naming what is wrong.
    """
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
        frame = frame.loc[_step_mask(frame["step"], steps)]
    return frame.reset_index(drop=True)
