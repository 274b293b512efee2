"""The layers hold: the model core imports nothing from the floors built on it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "commsim"
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
    modules = ["app", "components", "charts", "session", "layout", "groups", "serve", "theme"]
    modules += ["registry", "room", "routes", "records"]
    loaded = floors_loaded([f"commsim.app.{m}" for m in modules])
    assert "app" in loaded
    assert loaded.isdisjoint({"api", "cli", "experiment", "storage", "plotting"})


def package_attribute_imports(source: str) -> list[str]:
    """Imports in ``source`` that read the top-level ``commsim`` package itself (its
    ``__init__``) rather than one of its submodules: ``import commsim`` or ``from commsim
    import name`` for a name that is no module of the package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "commsim"]
        elif isinstance(node, ast.ImportFrom) and node.module == "commsim" and node.level == 0:
            found += [f"commsim.{a.name}" for a in node.names if a.name not in SUBMODULES]
    return found


SUBMODULES = {
    p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()
}


def test_the_finder_sees_package_imports_and_lets_submodules_pass() -> None:
    source = "import commsim\nfrom commsim import api, __version__\nimport commsim.config\n"
    assert package_attribute_imports(source) == ["commsim", "commsim.__version__"]


def test_no_module_imports_the_top_level_package() -> None:
    """A module that reads an attribute of ``commsim`` runs ``__init__`` mid-import: a cycle."""
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__init__.py" or path.parent != PACKAGE
        if (found := package_attribute_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_floors_above_import_the_model_through_its_public_face() -> None:
    """Outside ``model/`` the core is ``commsim.model``; its modules stay free to change."""
    import commsim.model

    reached = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if PACKAGE / "model" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("commsim.model"):
                reached[str(path.relative_to(PACKAGE))] = node.module
                assert node.module == "commsim.model", f"{path.name} imports {node.module}"
                assert {a.name for a in node.names} <= set(commsim.model.__all__)
    assert "api.py" in reached  # the walk sees the imports it guards


def commsim_imports(source: str) -> set[str]:
    """Every commsim module ``source`` imports, named in full (``from commsim import api`` is
    ``commsim.api``; ``from commsim.config import Config`` is ``commsim.config``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "commsim"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "commsim":
            if node.module == "commsim":
                found |= {f"commsim.{a.name}" for a in node.names}
            else:
                found.add(node.module or "")
    return found


def test_the_cli_goes_through_the_public_api() -> None:
    """The command line is a shell over ``commsim.api``: what it can do, a notebook can too."""
    used = commsim_imports((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    assert "commsim.api" in used
    assert used <= {"commsim.api", "commsim.config", "commsim._version"}
