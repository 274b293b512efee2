"""A playing team's steps are drawn by its live widgets, not by rendering the page.

The page's render walks every component (20-30 ms a step at 500 members); a room of 30
playing teams cannot afford it, so while a team plays, a step sets only the traits of its
charts and step counter (``commsim.app.live``). These tests hold the two ways of drawing to
the same picture and check that playing does not render.
"""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

import ipyvuetify as v
import pandas as pd
import pytest

from commsim.app import app as app_module
from commsim.app.app import CONFIG_ENV, PRESETS_ENV
from commsim.app.components import LiveChartWidget, network_traits, series_traits
from commsim.app.live import LiveWidgets
from commsim.app.session import STEERED
from tests.app_page import joined


class Chart:
    """A stand-in widget: counts the traits set on it and the messages it would send."""

    def __init__(self) -> None:
        self.base, self.tail, self.sent = "{}", "[]", 0

    def hold_sync(self):
        chart = self

        class Hold:
            def __enter__(self) -> None:
                return None

            def __exit__(self, *exc: object) -> None:
                chart.sent += 1

        return Hold()


def test_push_sets_only_what_changed_in_one_message_per_widget() -> None:
    live, chart, state = LiveWidgets(), Chart(), {"tail": "[1]"}
    live.register("plot", chart, lambda: {"base": "{}", "tail": state["tail"]})
    assert live.push() == 1 and chart.tail == "[1]" and chart.sent == 1
    assert live.push() == 0 and chart.sent == 1  # nothing new: nothing sent
    state["tail"] = "[1, 2]"
    assert live.push() == 1 and chart.tail == "[1, 2]"


def test_a_widget_that_went_away_does_not_unregister_its_successor() -> None:
    live, old, new = LiveWidgets(), Chart(), Chart()
    live.register("plot", old, dict)
    live.register("plot", new, dict)  # a re-render's new widget, registered first
    live.unregister("plot", old)  # then the old one's cleanup
    assert live.names() == ["plot"]
    live.unregister("plot", new)
    assert live.names() == []


@pytest.fixture
def page(tmp_path, monkeypatch):
    (tmp_path / "live.toml").write_text('name = "live"\nseed = 3\nn_agents = 80\n')
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "live.toml"))
    monkeypatch.setenv(PRESETS_ENV, str(tmp_path))
    return joined("live")


def button(rc, label: str):
    (found,) = [w for w in rc.find(v.Btn).widgets if any(label in str(c) for c in w.children)]
    return found


def charts(rc) -> dict[str, tuple[str, str, str]]:
    return {w.testid: (w.base, w.tail, w.patch) for w in rc.find(LiveChartWidget).widgets}


def test_playing_draws_every_step_without_rendering_the_page(page) -> None:
    rc = page
    button(rc, "Step").click()
    before = charts(rc)
    renders = rc.render_count
    button(rc, "Play").click()  # a render: the button now says Pause
    step = rc.find(v.Html, class_="run-step").widget
    deadline = time.monotonic() + 60
    while int(step.children[0].split()[1]) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    playing = rc.render_count - renders
    shown = int(step.children[0].split()[1])
    assert shown >= 12, "the step counter was not drawn while playing"
    assert playing <= 3, f"{playing} renders for {shown - 1} steps: playing rendered the page"
    drawn = charts(rc)
    assert all(drawn[k][1] != before[k][1] for k in drawn if k.startswith("plot-"))


def test_a_step_click_is_drawn_without_rendering_and_a_later_render_keeps_it(page) -> None:
    """A Step click sets the live widgets alone; a render of another card afterwards (a
    slider moved) must not put back what the page's last render drew."""
    rc = page
    button(rc, "Step").click()  # the first click may render (equilibrium, marks...)
    renders, before = rc.render_count, charts(rc)
    for _ in range(3):
        button(rc, "Step").click()
    assert rc.render_count == renders, "a Step click rendered the page"
    stepped = charts(rc)
    assert rc.find(v.Html, class_="run-step").widget.children == ["step 4"]
    assert all(stepped[k][1] != before[k][1] for k in stepped if k.startswith("plot-"))
    (slider, *_) = [w for w in rc.find(v.Slider).widgets if w.label.startswith("safety +")]
    slider.v_model = slider.v_model + 0.05  # renders the intervention's row
    assert rc.render_count > renders
    assert rc.find(v.Html, class_="run-step").widget.children == ["step 4"]
    assert charts(rc) == stepped


def test_a_download_is_named_by_the_step_reached_when_it_is_taken(page) -> None:
    """Steps drawn without a render leave the page's download names behind; the name is
    set with the data."""
    from solara.components.file_download import FileDownloadWidget

    rc = page
    for _ in range(5):
        button(rc, "Step").click()
    (csv,) = [w for w in rc.find(FileDownloadWidget).widgets if w.filename.endswith(".csv")]
    csv.request_download = True  # what the browser sends on a click
    deadline = time.monotonic() + 30
    while csv.bytes is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert csv.filename == "live_seed3_step5.csv"
    assert pd.read_csv(io.BytesIO(csv.bytes), comment="#")["step"].max() == 5


def test_a_push_draws_what_a_render_would(tmp_path, monkeypatch) -> None:
    """Past a rebase of the plots (50 steps) and a new marker, the live widgets hold what the
    charts' functions compute afresh: no stale base, markers or colours."""
    pages: list[LiveWidgets] = []

    class Recorded(LiveWidgets):
        def __init__(self) -> None:
            super().__init__()
            pages.append(self)

    monkeypatch.setattr(app_module, "LiveWidgets", Recorded)
    (tmp_path / "live.toml").write_text('name = "live"\nseed = 3\nn_agents = 80\n')
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "live.toml"))
    rc = joined("pushed")
    (team,) = [t for t in app_module.room_registry().teams() if t.name == "pushed"]
    run = team.run
    button(rc, "Step").click()
    with run.lock:
        run.intervene("raise_safety", amount=0.2)
        run.step(60)
        assert pages[-1].push() > 0
    plots = app_module.charts.plots(run.model.n_levels, run.model.catalogue, run.model.config)
    expected = {f"plot-{p.key}": series_traits(p, run, False, {}) for p in plots}
    expected["network-with interventions"] = network_traits(
        run, STEERED, run.model, "safety", False, {}
    )
    drawn = {w.testid: w for w in rc.find(LiveChartWidget).widgets}
    for name, traits in expected.items():
        assert {k: getattr(drawn[name], k) for k in traits} == traits, name
    assert rc.find(v.Html, class_="run-step").widget.children == ["step 61"]


@pytest.mark.parametrize(
    ("playing", "period"), [(0, 0.1), (1, 0.1), (6, 0.1), (12, 0.2), (30, 0.5), (120, 1.0)]
)
def test_a_full_room_shares_its_drawings_among_the_playing_teams(playing, period) -> None:
    """Ten drawings a second while the room has room; past ``ROOM_FRAMES`` in all, each
    page draws less often (never below once a second), however many teams play."""

    class Rooms:
        def teams(self):
            return [SimpleNamespace(playing=i < playing) for i in range(playing + 3)]

    assert app_module.frame_period(Rooms()) == pytest.approx(period)
