"""docs/MODEL.md section 12, the seed ideas and where the model holds them, stays true.

The table names the catalogue's parameters, metrics, levers and phases in code font and cites
sections of MODEL.md: a rename, or a section renumbered, fails here. Its intro counts the ideas
per status; the counts must be the table's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest

from commsim.config import Config
from commsim.model import CATALOGUE

from .conftest import ROOT

MODEL_MD = ROOT / "docs" / "MODEL.md"
HEADING = "## 12 The seed ideas and where the model holds them"
STATUSES = ("represented", "partial", "shallow", "absent")
REASONS = ("Out of scope", "Not modellable at this level", "Planned")


@dataclass(frozen=True)
class Idea:
    key: str
    seed: str
    where: str
    status: str
    why: str


def cells(line: str) -> list[str]:
    """A Markdown table row's cells (an escaped pipe stays inside its cell)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def section(text: str) -> str:
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start:] if end == -1 else text[start:end]


@pytest.fixture(scope="module")
def text() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def table(text: str) -> str:
    return section(text)


@pytest.fixture(scope="module")
def ideas(table: str) -> list[Idea]:
    rows = [cells(line) for line in table.splitlines() if re.match(r"\| [A-Z]+\d+ \|", line)]
    assert all(len(row) == 6 for row in rows), "every idea's row has six cells"
    return [Idea(row[0], row[2], row[3], row[4], row[5]) for row in rows]


def catalogue_names() -> set[str]:
    """Every name a row may put in code font: config fields, metric columns (a family by its
    members, or by its placeholder as the docs write it), levers and phases."""
    names = set(Config.model_fields)
    for metric in CATALOGUE.metrics:
        if "{}" not in metric.name:
            names.add(metric.name)
        elif metric.placeholder:
            names.add(metric.name.format(f"<{metric.placeholder}>"))
        else:
            assert metric.members is not None
            names.update(metric.name.format(label) for label in metric.members(Config()))
    names.update(lever.name for lever in CATALOGUE.levers)
    names.update(phase.name for phase in CATALOGUE.phases)
    return names


def test_there_are_ideas_and_each_is_listed_once(ideas: list[Idea]) -> None:
    keys = [idea.key for idea in ideas]
    assert len(keys) > 50
    assert len(set(keys)) == len(keys), [k for k, n in Counter(keys).items() if n > 1]


def test_each_idea_has_a_status_and_if_not_represented_a_reason(ideas: list[Idea]) -> None:
    for idea in ideas:
        assert idea.status in STATUSES, f"{idea.key}: status {idea.status!r}"
        if idea.status == "represented":
            assert idea.why == "—", f"{idea.key}: a represented idea needs no reason"
        else:
            assert idea.why.startswith(REASONS), f"{idea.key}: the reason starts with {REASONS}"
        if idea.status == "absent":
            assert idea.where == "—", f"{idea.key}: absent, yet held somewhere"
        else:
            assert idea.where != "—", f"{idea.key}: {idea.status}, but held nowhere"


def test_every_name_in_code_font_is_in_the_catalogue_or_the_repository(
    ideas: list[Idea],
) -> None:
    known = catalogue_names()
    for idea in ideas:
        for name in re.findall(r"`([^`]+)`", idea.where):
            assert name in known or (ROOT / name).is_file(), f"{idea.key}: `{name}` is unknown"


def test_every_section_cited_exists(text: str, ideas: list[Idea]) -> None:
    subsections = set(re.findall(r"^### (\d+\.\d+) ", text, re.MULTILINE))
    sections = set(re.findall(r"^## (\d+) ", text, re.MULTILINE))
    for idea in ideas:
        for cited in re.findall(r"\b(\d+\.\d+)\b", idea.where):
            if cited.startswith("7."):
                assert cited in subsections, f"{idea.key}: section {cited} is no heading"
        for cited in re.findall(r"\bsection (\d+)\b", idea.where):
            assert cited in sections, f"{idea.key}: section {cited} is no heading"


def test_the_table_cites_every_mechanism_off_by_default(ideas: list[Idea]) -> None:
    cited = {s for idea in ideas for s in re.findall(r"\b(7\.\d+)\b", idea.where)}
    assert cited >= {f"7.{k}" for k in range(19, 25)}, "a mechanism's section is not cited"


def test_every_seed_tag_is_defined(text: str, ideas: list[Idea]) -> None:
    defined = set(re.findall(r"^\| (\[[A-Z0-9]+\]) \|", text, re.MULTILINE))
    for idea in ideas:
        for tag in re.findall(r"\[[A-Z][A-Z0-9]*\]", idea.seed + idea.where):
            assert tag in defined, f"{idea.key}: tag {tag} is not in the seed documents' table"


def test_the_counts_in_the_intro_are_the_table_s(table: str, ideas: list[Idea]) -> None:
    stated = {
        row[0]: int(row[1])
        for row in (cells(line) for line in table.splitlines() if line.startswith("| "))
        if row[0] in STATUSES
    }
    assert stated == dict(Counter(idea.status for idea in ideas))
    total = re.search(r"There are (\d+) distinct ideas", table)
    assert total is not None and int(total[1]) == len(ideas)
