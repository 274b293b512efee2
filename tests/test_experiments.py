"""The shipped experiments: every experiment file plans, and every script answers --help.

Nothing is run here: the experiments themselves take minutes (see experiments/*.py and
experiments/validation/*.py; tests/test_validation_*.py run small forms of the validation).
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
EXPERIMENT_FILES = sorted((ROOT / "configs" / "experiments").rglob("*.toml"))
SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if not p.name.startswith("_"))
VALIDATION = ROOT / "experiments" / "validation"
VALIDATION_SCRIPTS = sorted(p for p in VALIDATION.glob("*.py") if not p.name.startswith("_"))


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
        for script in [*SCRIPTS, *VALIDATION_SCRIPTS]
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def test_there_are_scripts() -> None:
    assert len(SCRIPTS) >= 1
    assert {"march1991"} <= {p.stem for p in VALIDATION_SCRIPTS}


@pytest.mark.parametrize("script", [*SCRIPTS, *VALIDATION_SCRIPTS], ids=lambda p: p.stem)
def test_script_help_works_and_names_its_output(
    script: Path, helps: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    done = helps[script.stem]
    assert done.returncode == 0, done.stderr
    assert "--workers" in done.stdout
    if script.parent == VALIDATION:  # several sweeps each, a small form for a quick look
        assert "--quick" in done.stdout and "results/validation" in done.stdout
    else:  # one sweep, named like the script
        assert "--out" in done.stdout and f"results/{script.stem}" in done.stdout
        assert (ROOT / "configs" / "experiments" / f"{script.stem}.toml").is_file()


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "configs" / "experiments" / "validation").glob("*.toml")),
    ids=lambda p: p.stem,
)
def test_every_validation_experiment_is_run_by_a_script(path: Path) -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in VALIDATION_SCRIPTS)
    assert path.stem in sources or path.stem.removesuffix("_homogeneous") in sources
