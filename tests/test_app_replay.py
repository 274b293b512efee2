"""A session saved in the app and replayed with ``commsim app --replay``: the same numbers.

A participant steps, intervenes (twice at one step, once more later, after the scenario's own
intervention) and downloads the Session file; a second server replays it, a second browser
steps to the same step, and every chart has drawn the same numbers at every step.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from tests.browser import Session, app_server

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "app"
SCENARIO = """name = "replayed"
seed = 11
n_agents = 120
agent_sample_size = 0

[[interventions]]
step = 3
action = "reorganisation_shock"
share = 0.6
"""
PLOTS = ("knowledge", "insights", "safety", "flow")


def drawn_numbers(s: Session) -> dict[str, list[list[list[float | None]]]]:
    """Every point of every series of every plot, as drawn."""
    drawn = {key: s.drawn(f"[data-testid='plot-{key}']")["series"] for key in PLOTS}
    return {key: [[p["value"] for p in series] for series in all_] for key, all_ in drawn.items()}


def play_a_session(s: Session) -> None:
    """Two steps, a lever twice, two steps (the scenario's reorganisation at 3), two more."""
    s.step()
    s.step()
    s.click("Invite voice")
    s.click("Invite voice")
    s.page.get_by_text("Invite voice (safety +0.2) ×2 @ 3").wait_for()
    s.step()
    s.step()
    s.click("Add coaches")
    s.page.get_by_text("Add coaches (of practitioners 0.1) @ 5").wait_for()
    s.step()
    s.step()


def test_a_saved_session_replays_step_for_step(tmp_path: Path, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "replayed.toml").write_text(SCENARIO)
    with app_server(tmp_path, "replayed.toml") as url:
        s = Session(browser, url)
        try:
            play_a_session(s)
            assert s.step_text() == "step 6"
            played = drawn_numbers(s)
            assert {len(line) for lines in played.values() for line in lines} == {7}  # 0..6
            with s.page.expect_download() as download:
                s.click("Session file")
            # named by the step reached, though the last two steps were drawn without a render
            assert download.value.suggested_filename.endswith("_seed11_step6_session.toml")
            saved = tmp_path / "downloads" / "session.toml"
            saved.parent.mkdir()
            download.value.save_as(saved)
        finally:
            s.close()
    assert "steps = 6" in saved.read_text()
    replays = tmp_path / "elsewhere"  # started from another folder, as a facilitator would
    replays.mkdir()
    with app_server(replays, f"--replay={saved}") as url:
        r = Session(browser, url)
        try:
            for _ in range(6):
                r.step()
            assert r.step_text() == "step 6"
            assert drawn_numbers(r) == played
            for mark in (
                "scenario: Invite voice (safety +0.2) ×2 @ 3",
                "scenario: Reorganise (seniors who leave 0.6, from level 1) @ 3",
                "scenario: Add coaches (of practitioners 0.1) @ 5",
            ):
                assert r.page.get_by_text(mark).count() == 1, mark
            r.page.screenshot(path=SHOTS / "replay.png", full_page=True)
            assert r.failed == [] and r.errors == []
        finally:
            r.close()
