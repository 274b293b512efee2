"""The workshop app end to end: the real ``commsim app`` server and a real headless Chromium.

Screenshots go to ``test-output/app/``. The page must load everything from the app's own
server: this machine has no internet, and neither has a workshop room we can trust.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser

from tests.browser import KNOWLEDGE, NETWORK, Session, app_server

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "app"
SCENARIO = 'name = "workshop"\nseed = 4\nn_agents = 150\nagent_sample_size = 0\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "workshop.toml").write_text(SCENARIO)
    with app_server(folder, "workshop.toml") as url:
        yield url


def test_a_participant_steps_and_intervenes_and_sees_both(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    s = Session(browser, server)
    try:
        s.step()
        s.step()
        assert s.step_text() == "step 2"
        assert s.number(KNOWLEDGE, "points") == 3  # steps 0, 1, 2
        network_before = s.page.locator(NETWORK).screenshot()
        plot_before = s.page.locator("[data-testid='plot-safety']").screenshot()
        s.click("Invite voice")
        s.page.get_by_text("applied: Invite voice (safety +0.2) @ 3").wait_for()
        s.step()
        assert s.step_text() == "step 3"  # no reset: the run went on
        assert s.page.locator(NETWORK).screenshot() != network_before
        assert s.page.locator("[data-testid='plot-safety']").screenshot() != plot_before
        s.page.screenshot(path=SHOTS / "intervention.png", full_page=True)
        own = server.rstrip("/")
        elsewhere = [u for u in s.requests if not u.startswith((own, "blob:", "data:"))]
        assert elsewhere == [], f"the page fetched from other hosts: {elsewhere[:3]}"
        assert s.failed == [] and s.errors == []
    finally:
        s.close()


def test_two_sessions_at_once_never_see_each_others_changes(server, browser):
    a, b = Session(browser, server), Session(browser, server)
    try:
        for _ in range(3):
            a.step()
        a.click("Flatten the hierarchy")
        a.page.get_by_text("applied: Flatten the hierarchy @ 4").wait_for()
        assert b.step_text() == "step 0"
        assert b.page.get_by_text("applied:").count() == 0
        b.step()
        assert (a.step_text(), b.step_text()) == ("step 3", "step 1")
        b.page.screenshot(path=SHOTS / "second_session.png", full_page=True)
    finally:
        a.close()
        b.close()


def test_compare_view_and_download_of_both_runs(server, browser):
    s = Session(browser, server)
    try:
        s.step()
        s.page.get_by_text("compare with the same seed").click()
        twin = "[data-testid='network-without interventions']"
        s.page.locator(twin).wait_for()
        s.click("Reorganise")
        s.step()
        s.page.screenshot(path=SHOTS / "compare.png", full_page=True)
        with s.page.expect_download() as download:
            s.click("CSV")
        text = Path(download.value.path()).read_bytes()
        frame = pd.read_csv(io.BytesIO(text), comment="#")  # the header lines name the run
        assert b'"action": "reorganisation_shock", "min_level": 1, "share": 0.5' in text
        assert sorted(frame["variant"].unique()) == ["with interventions", "without interventions"]
        assert frame.groupby("variant")["step"].max().tolist() == [2, 2]
        departures = frame.groupby("variant")["departures"].sum()
        assert departures["with interventions"] > departures["without interventions"]
    finally:
        s.close()


def test_a_model_from_outside_the_package_is_served_with_its_lever_s_button(
    tmp_path: Path, browser: Browser
) -> None:
    """``commsim app --model``: the extension's lever is a button no app code names."""
    from tests.test_open_model import MODEL, env_with_tests

    (tmp_path / "workshop.toml").write_text(SCENARIO)
    with app_server(tmp_path, "workshop.toml", "--model", MODEL, env=env_with_tests()) as url:
        s = Session(browser, url)
        try:
            s.step()
            s.click("Hold a retreat")
            s.page.get_by_text("applied: Hold a retreat (reflection rate 0.5) @ 2").wait_for()
            s.step()
            assert s.step_text() == "step 2"
            added = "[data-testid='plot-extensions']"  # the extension's metrics, charted
            s.wait_until(added, "points", 3)
            assert s.number(added, "points") == 3  # steps 0, 1, 2
            assert s.failed == [] and s.errors == []
        finally:
            s.close()


def test_a_mechanism_s_preset_brings_its_sliders_its_buttons_and_its_chart(
    browser: Browser,
) -> None:
    """The just-culture workshop (docs/WORKSHOPS.md): off in every other preset, its numbers,
    levers and metrics appear where its preset switches it on, and its lever acts."""
    with app_server(ROOT / "configs", "just_culture.toml") as url:
        s = Session(browser, url)
        try:
            s.page.get_by_text("incident rate").first.wait_for()  # a slider of its own
            assert s.page.get_by_role("button", name="Train in just culture").count() == 1
            assert s.page.get_by_role("button", name="Reorganise").count() == 1  # built-ins too
            s.step()
            s.click("Set accountability")
            s.page.get_by_text("applied: Set accountability (blame bias 0.5) @ 2").wait_for()
            s.step()
            added = "[data-testid='plot-extensions']"  # its metrics, charted
            s.wait_until(added, "points", 3)
            s.page.screenshot(path=SHOTS / "mechanism.png", full_page=True)
            assert s.failed == [] and s.errors == []
        finally:
            s.close()
    with app_server(ROOT / "configs", "default.toml") as url:  # and nowhere else
        s = Session(browser, url)
        try:
            s.page.get_by_role("button", name="Reorganise").wait_for()
            assert s.page.get_by_role("button", name="Set accountability").count() == 0
            assert s.page.get_by_text("incident rate").count() == 0
        finally:
            s.close()
