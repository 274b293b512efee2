"""The shipped experiments: every experiment file plans, and every script answers --help;
the worked example of an organisation of one's own is its generator's output.

Nothing is run here: the experiments themselves take minutes (see experiments/*.py and
experiments/validation/*.py; tests/test_validation_*.py run small forms of the validation).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import commsim
from commsim.experiment.plan import ID_COLUMNS
from commsim.experiment.spec import load_experiment

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"calibrate_synthetic"}  # calibration target files: tests/test_calibrate.py
EXPERIMENT_FILES = sorted(
    p for p in (ROOT / "configs" / "experiments").rglob("*.toml") if p.stem not in TARGETS
)
SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if not p.name.startswith("_"))
VALIDATION = ROOT / "experiments" / "validation"
VALIDATION_SCRIPTS = sorted(p for p in VALIDATION.glob("*.py") if not p.name.startswith("_"))
MAKERS = {"make_own_organisation"}  # scripts that write scenarios into configs/, not results


@pytest.mark.parametrize("path", EXPERIMENT_FILES, ids=lambda p: p.stem)
def test_experiment_file_loads_and_plans(path: Path) -> None:
    loaded = load_experiment(path)
    spec = loaded.spec
    assert spec.name == path.stem  # the scripts find a sweep's file, and results/, by name
    plan = commsim.sweep_plan(path)
    assert list(plan.columns) == [*ID_COLUMNS, *loaded.columns]
    policies = max(1, len(spec.policies))
    assert len(plan) == plan["point"].nunique() * policies * spec.repetitions > 0
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
    if script.stem in MAKERS:  # writes files others run, and replaces them only when told
        assert "--force" in done.stdout and "configs/own" in done.stdout
        return
    assert "--workers" in done.stdout
    if script.parent == VALIDATION:  # several sweeps each, a small form for a quick look
        assert "--quick" in done.stdout and "results/validation" in done.stdout
    else:  # its sweeps, named like the script (<name>.toml, or <name>_<arm>.toml each)
        assert "--out" in done.stdout and f"results/{script.stem}" in done.stdout
        experiments = ROOT / "configs" / "experiments"
        assert sorted(experiments.glob(f"{script.stem}.toml")) or sorted(
            experiments.glob(f"{script.stem}_*.toml")
        )


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "configs" / "experiments" / "validation").glob("*.toml")),
    ids=lambda p: p.stem,
)
def test_every_validation_experiment_is_run_by_a_script(path: Path) -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in VALIDATION_SCRIPTS)
    assert path.stem in sources or path.stem.removesuffix("_homogeneous") in sources


# --- the worked example of an organisation of one's own (experiments/make_own_organisation.py)

OWN = ROOT / "configs" / "own"


@pytest.fixture(scope="module")
def maker() -> ModuleType:
    path = ROOT / "experiments" / "make_own_organisation.py"
    spec = importlib.util.spec_from_file_location("make_own_organisation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_shipped_meridian_is_what_its_generator_makes(maker: ModuleType) -> None:
    """Deterministic from the seed, and the files in the repository are its output (so the
    scenario's header and the tree's numbers describe them)."""
    org = maker.make()
    assert maker.chart_csv(org) == (OWN / "meridian.csv").read_text(encoding="utf-8")
    assert maker.ties_csv(org) == (OWN / "meridian_ties.csv").read_text(encoding="utf-8")
    scenario = (ROOT / "configs" / "meridian.toml").read_text(encoding="utf-8")
    assert maker.scenario_toml(org, maker.SEED) == scenario
    assert maker.chart_csv(maker.make(maker.SEED + 1)) != maker.chart_csv(org)


def test_the_generator_replaces_a_file_only_when_told(maker: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit, match="--force"):
        maker.write({path: "new"}, force=False)
    assert path.read_text(encoding="utf-8") == "mine"


def test_meridian_reads_back_as_a_hospital_trust(maker: ModuleType) -> None:
    """One top, 3-6 levels in each directorate, spans 1-12, matrix teams across directorates,
    every job title mapped, a clustered collaboration network."""
    from commsim.orgfiles import read_collaboration, read_org_chart

    chart, repairs = read_org_chart(OWN / "meridian.csv")
    ties, _ = read_collaboration(OWN / "meridian_ties.csv", chart)
    facts = maker.facts(maker.make())
    assert not repairs and chart.n == facts.people and 300 <= chart.n <= 400
    assert (chart.manager < 0).sum() == 1 and chart.manager[0] < 0
    depth = int(chart.level[0]) - chart.level  # the top's level minus each person's
    assert chart.level[0] + 1 == facts.levels == 7
    units = set(chart.unit) - {"Executive office"}
    assert len(units) == 6
    for unit in units:
        people = chart.unit == unit
        assert 30 <= people.sum() <= 120, unit
        assert 3 <= depth[people].max() <= 6, unit  # the director at depth 1: its levels
    reports = np.bincount(chart.manager[1:], minlength=chart.n)
    assert reports[reports > 0].min() == 1 and reports.max() <= 12
    teams = Counter(t for t in chart.team if t)
    assert len(teams) == 8
    for team in teams:
        assert len(set(chart.unit[chart.team == team])) >= 2, team
    roles = tomllib.loads((ROOT / "configs" / "meridian.toml").read_text())["org_chart_roles"]
    assert set(chart.role) == set(roles)
    a, b = ties.edges.T
    assert ties.edges.shape[0] == facts.ties and ties.weight is not None
    assert (chart.unit[a] == chart.unit[b]).mean() > 0.8  # clusters, a few bridges


def test_the_tree_has_meridian_s_size_and_role_counts(maker: ModuleType) -> None:
    """own_organisation_tree.toml gives the generated tree Meridian's N and role counts."""
    from commsim.config import read_config_file

    tree = read_config_file(ROOT / "configs" / "experiments" / "own_organisation_tree.toml")
    given = tree["overrides"]
    counts = maker.facts(maker.make()).roles
    n = given["n_agents"]
    assert n == sum(counts.values())
    for role in ("researcher", "capacity_builder"):
        assert math.floor(given[f"{role}_share"] * n) == counts[role], role
    assert math.isclose(sum(given[f"{r}_share"] for r in counts), 1.0)
