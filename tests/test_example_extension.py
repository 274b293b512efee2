"""The worked example extension (examples/commsim-repository, docs/EXTENDING.md), installed
for real: pip builds it and installs it into a folder of its own, and the commands, run in
other processes with that folder on PYTHONPATH, find it by its entry point alone. Nothing
here imports the example: what works is what a researcher's installed package gets.

Building needs setuptools in this environment (pip's --no-build-isolation uses it; the dev
extra installs it); without it these tests fail and say so, never skip. docs/EXTENDING.md
quotes the example's files: the last test checks that every excerpt is their real text.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from commsim import load_results

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "commsim-repository"
COMMSIM = Path(sys.executable).with_name("commsim")
METRICS = [
    "repository_contributions",
    "repository_consultations",
    "repository_coverage",
    "repository_knowledge",
]

GUIDE = ROOT / "docs" / "EXTENDING.md"
# a fenced excerpt whose first line names the file it quotes: ```text or ```toml, "# <path>"
EXCERPT = re.compile(r"^```(?:text|toml)\n# ([\w./-]+\.(?:py|toml))\n(.*?)^```", re.M | re.S)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a process that has the example installed (and this commsim)."""
    assert importlib.util.find_spec("setuptools") is not None, (
        "building the example needs setuptools: pip install -e '.[dev]' installs it"
    )
    root = tmp_path_factory.mktemp("example")
    source = root / "commsim-repository"  # pip builds in the source folder: a copy's
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    target = root / "site-packages"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    offline = ["--no-index", "--no-build-isolation", "--no-deps", "--target", target]
    done = subprocess.run([*pip, *offline, source], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    path = os.pathsep.join([str(target), str(ROOT / "src")])
    return {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}


def commsim(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    """The commsim command, run in the example's folder (its files' relative paths)."""
    return subprocess.run(
        [COMMSIM, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=EXAMPLE,
        check=False,
    )


def test_the_scenario_switches_the_installed_extension_on_by_name(env, tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = commsim(env, "run", "scenarios/repository.toml", "--steps", "20",
                   "--set", "n_agents=100", "--out", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    model = pd.read_parquet(out / "model.parquet")
    assert set(METRICS) <= set(model.columns)
    assert model["repository_consultations"].sum() > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["extensions"] == {"repository": "0.1.0"}  # the installed version


def test_the_experiment_sweeps_on_two_workers(env, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    done = commsim(env, "sweep", "experiments/repository_sweep.toml", "--workers", "2",
                   "--out", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "6 of 6 runs done" in done.stdout and "0 failed" in done.stdout, done.stdout
    results = load_results(out)
    assert results["run_id"].nunique() == 6 and set(METRICS) <= set(results.columns)
    looked_up = results.groupby("repository_consultation_rate")["repository_consultations"].sum()
    assert looked_up[0.0] == 0 and (looked_up.drop(0.0) > 0).all()


def test_an_unknown_extension_is_one_line_naming_the_installed_ones(env, tmp_path: Path) -> None:
    scenario = tmp_path / "typo.toml"
    scenario.write_text('name = "typo"\nextensions = ["repositry"]\n')
    done = commsim(env, "run", scenario, "--out", tmp_path / "run")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    pattern = (
        r"error: .*typo\.toml: field 'extensions': no extension 'repositry' \(installed: (.*)\)"
    )
    found = re.fullmatch(pattern, line)
    assert found and "repository" in found.group(1).split(", "), line


def test_the_example_s_own_tests_pass_against_the_installed_package(env) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE / "tests"],
        capture_output=True, text=True, env=env, cwd=EXAMPLE, check=False,
    )  # fmt: skip
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout[-3000:]
    assert "passed" in summary and "skipped" not in summary, summary


def test_the_guide_quotes_the_real_files() -> None:
    excerpts = EXCERPT.findall(GUIDE.read_text(encoding="utf-8"))
    quoted = {path for path, _ in excerpts}
    assert len(excerpts) >= 10 and "examples/commsim-repository/pyproject.toml" in quoted
    for path, text in excerpts:
        assert text in (ROOT / path).read_text(encoding="utf-8"), (
            f"EXTENDING.md quotes {path}: {text[:200]}"
        )


def test_the_installed_example_is_served_with_its_lever_and_metrics(env) -> None:
    """``commsim app scenarios/repository.toml``, as EXTENDING.md says: its lever is a button
    and its metrics a chart, with no app code naming either."""
    from .browser import Session, app_server, chromium

    with (
        app_server(EXAMPLE, "scenarios/repository.toml", env=env) as url,
        chromium() as browser,
    ):
        s = Session(browser, url)
        try:
            s.step()
            s.click("Curate the repository")
            applied = "applied: Curate the repository (of entries reviewed 1) @ 2"
            s.page.get_by_text(applied).wait_for()
            s.step()
            added = "[data-testid='plot-extensions']"
            s.wait_until(added, "points", 3)
            assert s.failed == [] and s.errors == []
        finally:
            s.close()
