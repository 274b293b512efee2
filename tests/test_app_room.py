"""The workshop room end to end, in a real headless Chromium against a real ``commsim app``:
teams joining, the facilitator's room page, a reload that keeps the run, a dropped
connection. Screenshots go to ``test-output/app/``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from tests.browser import DRAWN, NETWORK, Session, app_server

SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "app"
SCENARIO = 'name = "workshop"\nseed = 4\nn_agents = 150\nagent_sample_size = 0\n'
FEAR = 'name = "fear"\nseed = 4\nn_agents = 120\npunitiveness = 0.9\nagent_sample_size = 0\n'
CODE = "room42"
TWIN = "[data-testid='network-without interventions']"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "workshop.toml").write_text(SCENARIO)
    (folder / "fear.toml").write_text(FEAR)
    with app_server(folder, "workshop.toml", "--facilitator-code", CODE) as url:
        yield url


def row(room: Page, team: str, **attributes: str) -> str:
    """The room table's row of ``team`` (with these ``data-`` attributes)."""
    wanted = "".join(f"[data-{k}='{v}']" for k, v in attributes.items())
    return f"table.room-teams tr[data-team='{team}']{wanted}"


@contextlib.contextmanager
def room_page(browser: Browser, url: str) -> Iterator[Page]:
    """The facilitator's page, the code typed in as a facilitator would."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    room = context.new_page()
    try:
        room.goto(f"{url}room")
        code = room.get_by_label("facilitator code")
        code.fill("wrong")
        code.press("Enter")
        room.get_by_text("that is not the code commsim app printed").wait_for()
        assert room.locator("table.room-teams").count() == 0
        code.fill(CODE)
        code.press("Enter")
        room.locator("table.room-teams").wait_for()
        yield room
    finally:
        context.close()


def test_the_room_lists_every_team_pauses_them_all_and_pushes_a_round(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    a, b = Session(browser, server, team="A"), Session(browser, server, team="B")
    # team C joins through the join screen, as a person would
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    joining = context.new_page()
    try:
        joining.goto(server)
        joining.get_by_label("team name").fill("C")
        joining.screenshot(path=SHOTS / "join.png")
        joining.get_by_role("button", name="Join").click()
        joining.locator(NETWORK).wait_for(timeout=60_000)
        assert "?session=" in joining.url and "team C" in joining.locator(".team-name").inner_text()
        second = context.new_page()  # another laptop of team C types the name its own way
        second.goto(server)
        second.get_by_label("team name").fill(" c ")
        second.get_by_role("button", name="Join").click()
        second.locator(NETWORK).wait_for(timeout=60_000)
        assert second.url == joining.url  # team C's run, not a fourth team (see the overlay)
        second.close()
        for _ in range(3):
            a.step()
        a.click("Invite voice")
        a.page.get_by_text("applied: Invite voice (safety +0.2) @ 4").wait_for()
        b.step()
        with room_page(browser, server) as room:
            for team, step in (("A", 3), ("B", 1), ("C", 0)):
                room.locator(row(room, team, step=str(step), status="paused")).wait_for()
            latest = "1 (latest: Invite voice (safety +0.2) @ 4)"
            assert latest in room.locator(row(room, "A")).inner_text()
            assert room.locator(f"{row(room, 'A')} svg polyline").count() == 3  # sparklines
            a.click("Play")
            room.locator(row(room, "A", status="playing")).wait_for()
            room.get_by_role("button", name="Pause all teams").click()
            room.locator(row(room, "A", status="paused")).wait_for()
            a.page.get_by_role("button", name="Play").wait_for()  # A's own page says so too
            played = int(room.locator(row(room, "A")).get_attribute("data-step"))
            assert played > 3 and a.step_text() == f"step {played}"
            room.get_by_text("debrief: all teams' runs overlaid").click()
            overlay = "[data-testid='overlay-code_knowledge']"
            room.locator(overlay).wait_for()
            room.wait_for_function(
                f"document.querySelector(`{overlay}`).dataset.revision >= 1", timeout=30_000
            )
            drawn = room.evaluate(DRAWN, overlay)["series"]
            assert [len(s) for s in drawn] == [played + 1, 2, 1]  # A, B, C: a line each
            room.screenshot(path=SHOTS / "room.png")
            room.locator(".v-input", has_text="scenario").click()
            room.get_by_role("option", name="fear", exact=True).click()
            round_name = room.get_by_label("round (optional, e.g. round 2: fear)")
            round_name.fill("round 2: fear")
            round_name.press("Enter")
            room.get_by_role("button", name="Push to every team (restarts their runs)").click()
            for team in ("A", "B", "C"):
                room.locator(row(room, team, step="0")).wait_for()
            for page in (a.page, b.page, joining):
                page.get_by_text("round 2: fear").wait_for()
                assert page.locator(".run-step").inner_text() == "step 0"
                members = page.evaluate(DRAWN, NETWORK)["series"][2]
                assert len(members) == 120  # the fear scenario's organisation
    finally:
        a.close()
        b.close()
        context.close()


def test_a_reload_returns_the_team_to_its_run_and_a_second_tab_sees_it_too(server, browser):
    s = Session(browser, server, team="Reloader")
    other = None
    try:
        for _ in range(3):
            s.step()
        s.click("Flatten the hierarchy")
        s.page.get_by_text("applied: Flatten the hierarchy @ 4").wait_for()
        s.page.get_by_text("compare with the same seed").click()
        s.page.locator(TWIN).wait_for()
        seed = s.page.get_by_role("textbox", name="seed").input_value()
        address = s.page.url
        s.page.reload()
        s.page.locator(TWIN).wait_for(timeout=60_000)
        s.wait_until(NETWORK, "revision", 1)
        assert s.page.url == address and s.step_text() == "step 3"
        s.page.get_by_text("applied: Flatten the hierarchy @ 4").wait_for()
        assert s.page.get_by_role("textbox", name="seed").input_value() == seed
        assert "team Reloader" in s.page.locator(".team-name").inner_text()
        other = Session(browser, address)  # the same address in another browser
        assert other.step_text() == "step 3"
        other.step()
        s.page.get_by_text("step 4").wait_for()  # one run, two tabs
        stranger = other.page.context.new_page()
        stranger.goto(f"{server}?session=nosuchsession")
        stranger.get_by_text("That session has ended (or never existed)").wait_for()
        assert stranger.get_by_role("button", name="Join").count() == 1
    finally:
        s.close()
        if other is not None:
            other.close()


def test_a_dropped_connection_pauses_the_team_and_frees_it_after_the_idle_time(
    tmp_path: Path, browser: Browser
) -> None:
    (tmp_path / "workshop.toml").write_text(SCENARIO)
    options = ("--facilitator-code", CODE, "--idle-minutes", "0.1")  # 6 s
    with app_server(tmp_path, "workshop.toml", *options) as url, room_page(browser, url) as room:
        gone, stays = Session(browser, url, team="Gone"), Session(browser, url, team="Stays")
        try:
            indicator = stays.page.locator(".commsim-connection")
            assert indicator.get_attribute("data-state") == "connected"
            stays.context.set_offline(True)  # the browser's view of a dropped network
            stays.page.locator(".commsim-connection[data-state='reconnecting']").wait_for()
            assert "your run is paused and kept" in indicator.inner_text()
            stays.context.set_offline(False)
            stays.page.locator(".commsim-connection[data-state='connected']").wait_for()
            gone.click("Play")
            room.locator(row(room, "Gone", status="playing")).wait_for()
            with contextlib.suppress(PlaywrightError):  # the tab dies: no unload, no goodbye
                gone.page.goto("chrome://crash", timeout=3000)
            room.locator(row(room, "Gone", status="disconnected")).wait_for(timeout=10_000)
            step = room.locator(row(room, "Gone")).get_attribute("data-step")
            room.wait_for_timeout(1500)
            assert room.locator(row(room, "Gone")).get_attribute("data-step") == step  # paused
            room.locator(row(room, "Gone")).wait_for(state="detached", timeout=15_000)
            assert room.locator(row(room, "Stays", status="paused")).count() == 1
        finally:
            gone.close()
            stays.close()
