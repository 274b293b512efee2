"""The layers hold: the model core imports nothing from the floors built on it."""

from __future__ import annotations

import subprocess
import sys

UPPER = ("api", "cli", "storage", "outputs", "plotting", "experiment", "app")


def floors_loaded(modules: list[str]) -> set[str]:
    """The commsim floors (second name part) a fresh interpreter loads to import ``modules``."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(m for m in sys.modules if m.startswith('commsim.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[1] for name in out.stdout.split()}


def test_model_core_imports_no_upper_floor() -> None:
    loaded = floors_loaded(["commsim.model.model", "commsim.model.reference"])
    assert "model" in loaded
    assert loaded.isdisjoint(UPPER)


def test_experiment_floor_imports_neither_api_nor_cli() -> None:
    modules = ["spec", "designs", "plan", "runner", "store", "sweep", "summary", "sensitivity"]
    loaded = floors_loaded([f"commsim.experiment.{m}" for m in [*modules, "figures"]])
    assert "experiment" in loaded
    assert loaded.isdisjoint({"api", "cli", "app"})


def test_app_floor_sits_on_the_core_alone() -> None:
    """The app steers a live model: it needs neither the sweep engine, nor the API, nor the CLI."""
    modules = ["app", "components", "charts", "session", "layout", "serve"]
    loaded = floors_loaded([f"commsim.app.{m}" for m in modules])
    assert "app" in loaded
    assert loaded.isdisjoint({"api", "cli", "experiment", "storage", "plotting"})
