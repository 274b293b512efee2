"""The docs' tables of phases, levers, metrics and parameters are what the catalogue says.

scripts/catalogue_docs.py writes them between marker comments in docs/MODEL.md and
docs/ARCHITECTURE.md (`make docs`); this test runs the generator into a string and compares,
so a phase, lever, metric or parameter changed in the code without `make docs` fails here.
"""

from __future__ import annotations

import difflib
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from commsim.model import CATALOGUE

from .conftest import ROOT

SCRIPT = ROOT / "scripts" / "catalogue_docs.py"
MODEL_MD = ROOT / "docs" / "MODEL.md"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalogue_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_are_what_the_catalogue_writes(generator: ModuleType) -> None:
    for path in generator.DOCS:
        text = path.read_text(encoding="utf-8")
        expected = generator.render(text)
        if expected != text:
            diff = difflib.unified_diff(
                text.splitlines(), expected.splitlines(), str(path), "catalogue", lineterm=""
            )
            pytest.fail(
                f"{path.name} differs from the catalogue: run `make docs`\n"
                + "\n".join(list(diff)[:40])
            )


def test_every_section_is_in_the_docs_once(generator: ModuleType) -> None:
    found = [
        match["name"]
        for path in generator.DOCS
        for match in generator.MARKED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert sorted(found) == sorted(generator.SECTIONS)


def test_the_tables_hold_every_phase_lever_and_metric(generator: ModuleType) -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    for phase in CATALOGUE.phases:
        assert f"| `{phase.name}` | {phase.description} |" in text
    for lever in CATALOGUE.levers:
        assert f"| `{lever.name}` |" in text and lever.idea.replace("|", "\\|") in text
    for metric in CATALOGUE.metrics:
        assert f"| {metric.kind} | {metric.unit} | {metric.description} |" in text


def test_an_edited_table_is_caught_and_rewritten(generator: ModuleType) -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    row = "| `mean_safety` | state | share | mean psychological safety |"
    assert row in text
    edited = text.replace(row, "| `mean_safety` | state | share | how safe people feel |")
    assert generator.render(edited) == text  # generated cells come back from the catalogue


def test_hand_written_cells_of_parameters_no_phase_owns_are_kept(generator: ModuleType) -> None:
    text = MODEL_MD.read_text(encoding="utf-8")
    written = (
        "| `span_of_control` | 5 | 2 – 1,000 | reports per manager; sets the number of levels |"
    )
    assert written in text
    mine = written.replace("sets the number of levels", "the hierarchy's fan-out \\| width")
    rendered = generator.render(text.replace(written, mine))
    assert mine in rendered  # kept as written (an escaped pipe too)
    # a default comes from the schema even there
    stale = written.replace("| 5 |", "| 7 |")
    assert written in generator.render(text.replace(written, stale))


def test_the_check_mode_names_a_stale_file(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert generator.main(["--check"]) == 0
    copy = tmp_path / "MODEL.md"
    shutil.copy(MODEL_MD, copy)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("| `voice` | every insight", "| `voice` | each insight"))
    monkeypatch.setattr(generator, "DOCS", (copy,))
    assert generator.main(["--check"]) == 1
    assert "out of date with the catalogue (run `make docs`)" in capsys.readouterr().err
    assert copy.read_text(encoding="utf-8") != text  # --check changed nothing
    assert generator.main([]) == 0
    assert copy.read_text(encoding="utf-8") == text  # rewritten


def test_an_unknown_section_is_refused(generator: ModuleType) -> None:
    with pytest.raises(ValueError, match="unknown catalogue section 'phasez'"):
        generator.render("<!-- catalogue:phasez -->\n<!-- /catalogue:phasez -->\n")
