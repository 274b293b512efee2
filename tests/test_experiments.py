"""The shipped experiments: every experiment file plans, and every script answers --help.

Nothing is run here: the experiments themselves take minutes (see experiments/*.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import commsim
from commsim.experiment.plan import ID_COLUMNS
from commsim.experiment.spec import load_experiment

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT_FILES = sorted((ROOT / "configs" / "experiments").glob("*.toml"))
SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("path", EXPERIMENT_FILES, ids=lambda p: p.stem)
def test_experiment_file_loads_and_plans(path: Path) -> None:
    spec = load_experiment(path).spec
    assert spec.name == path.stem  # the scripts find a sweep's file, and results/, by name
    plan = commsim.sweep_plan(path)
    assert list(plan.columns) == [*ID_COLUMNS, *spec.parameters]
    assert len(plan) == plan["point"].nunique() * spec.repetitions > 0
    assert plan["run_id"].is_unique


@pytest.fixture(scope="module")
def helps() -> dict[str, subprocess.CompletedProcess[str]]:
    """Every script's --help, started all at once (each is a fresh interpreter)."""
    procs = {
        script.stem: subprocess.Popen(
            [sys.executable, str(script), "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for script in SCRIPTS
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def test_there_are_scripts() -> None:
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_help_works_and_names_its_experiment(
    script: Path, helps: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    done = helps[script.stem]
    assert done.returncode == 0, done.stderr
    assert "--out" in done.stdout and "--workers" in done.stdout
    assert f"results/{script.stem}" in done.stdout  # the default sweep directory
    assert (ROOT / "configs" / "experiments" / f"{script.stem}.toml").is_file()
