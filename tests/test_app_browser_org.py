"""The workshop app on an organisation of one's own, in a real headless Chromium: a scenario
names an org chart CSV, and the network view draws that chart (a small one person by person,
a large one team by team). Screenshots go to ``test-output/app/``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from playwright.sync_api import Browser

from commsim.app.groups import GROUP_ABOVE
from commsim.orgfiles import read_org_chart
from tests.browser import NETWORK, Session, app_server
from tests.orgs import uneven_chart

DATA = Path(__file__).resolve().parent / "data"
SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "app"
LARGE = 450  # people: above GROUP_ABOVE, so drawn by team


def test_a_scenario_naming_a_chart_shows_that_chart(browser: Browser) -> None:
    chart = read_org_chart(DATA / "acme.csv")[0]  # rows top-down, as the model has them
    SHOTS.mkdir(parents=True, exist_ok=True)
    with app_server(DATA, "acme.toml") as url:
        s = Session(browser, url)
        try:
            members = s.drawn()["series"][2]
            assert len(members) == chart.n == 39
            assert len(s.drawn()["series"][0]) == chart.n - 1  # one reporting line each
            y = np.array([m["pixel"][1] for m in members])  # canvas y grows downwards
            assert y[0] == y.min() and chart.ids[0] == "ceo"  # the top at the top
            rows = np.arange(1, chart.n)
            assert (y[chart.manager[rows]] < y[rows]).all()  # each manager above the report
            s.step()
            s.click("Invite voice")
            s.step()
            assert s.step_text() == "step 2"
            s.page.locator(NETWORK).screenshot(path=SHOTS / "own_chart.png")
            assert s.failed == [] and s.errors == []
        finally:
            s.close()


def write_large_chart(folder: Path) -> tuple[int, Counter]:
    """A chart of ``LARGE`` people as a client's CSV: teams named after units that follow
    the reporting lines (each manager's reports one unit), the top in the board."""
    chart = uneven_chart(LARGE, seed=2, traits=False)
    ids = [f"P{row:04d}" for row in range(chart.n)]
    team = ["Board", *(f"Unit {chart.manager[row]}" for row in range(1, chart.n))]
    lines = ["id,manager,team"]
    for row in range(chart.n):
        boss = ids[chart.manager[row]] if row else ""
        lines.append(f"{ids[row]},{boss},{team[row]}")
    (folder / "large.csv").write_text("\n".join(lines) + "\n")
    scenario = 'name = "large"\nseed = 1\nagent_sample_size = 0\norg_chart = "large.csv"\n'
    (folder / "large.toml").write_text(scenario)
    return chart.n, Counter(team)


def test_a_large_chart_is_drawn_team_by_team(tmp_path: Path, browser: Browser) -> None:
    n, teams = write_large_chart(tmp_path)
    assert n > GROUP_ABOVE
    SHOTS.mkdir(parents=True, exist_ok=True)
    with app_server(tmp_path, "large.toml") as url:
        s = Session(browser, url)
        try:
            drawn = s.drawn()
            markers = drawn["series"][2]
            assert len(markers) == len(teams)  # one marker a team
            said = {
                m["name"].split(":")[0]: int(m["name"].split(": ")[1].split()[0]) for m in markers
            }
            assert said == dict(teams) and sum(said.values()) == n  # sizes sum to N
            assert drawn["title"]["subtext"].endswith(f"{len(teams)} teams")
            board = next(m for m in markers if m["name"].startswith("Board:"))
            assert board["pixel"][1] == min(m["pixel"][1] for m in markers)  # the top at the top
            for _ in range(3):
                s.step()
            big = max(markers, key=lambda m: said[m["name"].split(":")[0]])
            box = s.page.locator(NETWORK).bounding_box()
            x, y = big["pixel"]  # hover: the team, its size and its mean
            s.page.mouse.move(box["x"] + x, box["y"] + y)
            tip = s.page.get_by_text(f"{big['name'].split(':')[0]}: ")
            tip.wait_for()
            assert "people, mean safety" in tip.inner_text() and "P0" not in tip.inner_text()
            s.page.locator(NETWORK).screenshot(path=SHOTS / "own_chart_by_team.png")
            assert s.failed == [] and s.errors == []
        finally:
            s.close()
