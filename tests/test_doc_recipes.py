"""Every ```python recipe in the README and docs/ runs, each in a fresh namespace, in a folder
laid out as the docs assume: the scenario files in configs/, a run in results/default, the
smoke sweep in results/smoke (and its companion in results/smoke_punitive), a sampled sweep in
DIR. The folder is built once, from smaller organisations than the shipped files (the recipes
are what is tested, not the model's speed).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import commsim
from commsim.model.insights import EVENTS

from .conftest import CONFIGS, ROOT
from .corpus import chdir

matplotlib.use("Agg")  # the recipes call plt.show()

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

SAMPLED = """\
name = "sampled"
base = "configs/default.toml"
steps = 200
seed = 1
[overrides]
n_agents = 30
agent_sample_size = 0
[design]
kind = "sobol"
samples = 2
[parameters]
initial_safety = { distribution = "uniform", low = 0.1, high = 0.9 }
authority_gradient = { distribution = "uniform", low = 0.0, high = 0.8 }
[record]
every = 100
"""


def recipes() -> list[tuple[str, str]]:
    """(file:line, code) of every python block in the docs."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path.name}:{line}", match.group(1)))
    return found


RECIPES = recipes()


@pytest.fixture(scope="module")
def docs_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(CONFIGS, root / "configs")
    default = root / "configs" / "default.toml"
    default.write_text(default.read_text().replace("n_agents = 500", "n_agents = 100"))
    smoke = root / "configs" / "experiments" / "smoke.toml"
    smoke.write_text(smoke.read_text().replace("steps = 60", "steps = 20"))
    punitive = smoke.with_name("smoke_punitive.toml")  # read with smoke in "Several sweeps"
    punitive.write_text(punitive.read_text().replace("steps = 60", "steps = 20"))
    (root / "sampled.toml").write_text(SAMPLED)
    with chdir(root):
        commsim.run("configs/default.toml", steps=200).save("results/default")
        commsim.sweep(smoke, "results/smoke", workers=1)
        commsim.sweep(punitive, "results/smoke_punitive", workers=1)
        commsim.sweep("sampled.toml", "DIR", workers=1)
    return root


def run_recipe(code: str, folder: Path) -> dict:
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "__recipe__"}
    with chdir(folder):
        try:
            exec(compile(code, "<recipe>", "exec"), namespace)
        finally:
            plt.close("all")
    return namespace


def test_the_docs_have_recipes() -> None:
    names = {where.split(":")[0] for where, _ in RECIPES}
    assert {"README.md", "ANALYSTS.md", "RESEARCHERS.md"} <= names


@pytest.mark.parametrize(("where", "code"), RECIPES, ids=[w for w, _ in RECIPES])
def test_recipe_runs(where: str, code: str, docs_folder: Path) -> None:
    run_recipe(code, docs_folder)


def _recipe_with(text: str) -> str:
    (code,) = [code for _, code in RECIPES if text in code]
    return code


def test_the_funnel_is_in_lifecycle_order(docs_folder: Path) -> None:
    namespace = run_recipe(_recipe_with("funnel ="), docs_folder)
    funnel, events = namespace["funnel"], namespace["events"]
    assert funnel.index.tolist() == list(EVENTS)  # generated, voiced, …: not by count
    for event in ("generated", "voiced", "codified"):
        assert funnel[event] == events[events.event == event].insight.nunique() > 0


def test_the_sweep_groupby_totals_each_run_then_averages(docs_folder: Path) -> None:
    namespace = run_recipe(_recipe_with("mean_total ="), docs_folder)
    summary = commsim.summarise_sweep(docs_folder / "results" / "smoke", "insights_suppressed")
    expected = summary.set_index(["initial_safety", "authority_gradient"])["mean"]
    assert (summary["unit"] == "insights, run total").all() and summary["n"].eq(2).all()
    pd.testing.assert_series_equal(
        namespace["mean_total"], expected, check_names=False, check_dtype=False
    )


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_name_no_machine_paths(doc: Path) -> None:
    """A reader's machine has no /work, /root or this machine's /tmp folders: docs point at
    the repository or shared/, and make their scratch folders with mktemp."""
    pattern = r"(?<![\w.])/(?:work|root|home|tmp)/\S*"
    found = re.findall(pattern, doc.read_text(encoding="utf-8"))
    assert not found, f"{doc.name}: {found}"
