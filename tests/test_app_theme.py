"""The page's colours and projector mode, without a browser.

Colour vision deficiency is simulated with Machado, Oliveira & Fernandes (2009), severity 1,
on linear RGB; colours are compared by CIE76 ΔE in CIELAB (D65). The palette the app had
before scored 26 / 20 (deuteranopia / protanopia) between fear and wonder and 25 / 26 between
voiced and suppressed: "look the same" to a facilitator, so the bar is 40.
"""

from __future__ import annotations

import itertools
import json

import ipyvuetify as v
import numpy as np
import pytest

from commsim.app import charts, theme
from commsim.app.app import CONFIG_ENV, PRESETS_ENV
from commsim.app.components import LiveChartWidget
from commsim.app.session import STEERED, LiveRun
from commsim.config import load_config
from tests.app_page import joined

MACHADO = {
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
}
VISION = ("normal", *MACHADO)
CLEAR = 40.0  # ΔE: told apart at a glance
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
WHITE = np.array([0.95047, 1.0, 1.08883])


def rgb(colour: str) -> np.ndarray:
    """'#rrggbb' as sRGB in 0..1."""
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255


def linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(srgb: np.ndarray, vision: str = "normal") -> np.ndarray:
    """CIELAB of an sRGB colour (0..1) as seen with ``vision``."""
    light = linear(np.asarray(srgb, dtype=float))
    if vision != "normal":
        light = np.clip(MACHADO[vision] @ light, 0.0, 1.0)
    xyz = SRGB_TO_XYZ @ light / WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: np.ndarray, b: np.ndarray, vision: str = "normal") -> float:
    """CIE76 distance between two sRGB colours (0..1) as seen with ``vision``."""
    return float(np.linalg.norm(lab(a, vision) - lab(b, vision)))


def weakest(colours, vision: str) -> float:
    return min(delta_e(rgb(a), rgb(b), vision) for a, b in itertools.combinations(colours, 2))


def test_the_simulation_reproduces_why_the_old_palette_failed() -> None:
    """The check itself: the old fear/wonder and voiced/suppressed pairs fall under the bar."""
    for a, b in (("#d73027", "#1a9850"), ("#00a65a", "#d62728")):
        assert delta_e(rgb(a), rgb(b)) > 100  # plain to normal vision
        assert max(delta_e(rgb(a), rgb(b), vision) for vision in MACHADO) < CLEAR


@pytest.mark.parametrize("vision", VISION)
def test_fear_and_wonder_and_every_view_s_categories_differ_in_every_vision(vision) -> None:
    assert delta_e(rgb(theme.SCALE[0]), rgb(theme.SCALE[-1]), vision) > 2 * CLEAR
    events = (theme.VOICED, theme.SUPPRESSED, theme.PUNISHED)  # the insights plot
    assert weakest(events, vision) > CLEAR
    assert weakest(theme.ROLE_COLOURS, vision) > CLEAR  # the network by role
    for role in theme.ROLE_COLOURS:  # ... with voice and suppression drawn over it
        for event in (theme.VOICED, theme.SUPPRESSED):
            assert delta_e(rgb(role), rgb(event), vision) > CLEAR / 2
    assert weakest(theme.SERIES[:2], vision) > CLEAR  # two-series plots (knowledge, flows)


@pytest.mark.parametrize("vision", VISION)
def test_the_scale_and_the_levels_grow_steadily_lighter_in_every_vision(vision) -> None:
    """Ordered things by lightness, which no colour vision loses: fear darkest, wonder
    lightest; the front line lightest, the top darkest."""
    scale = [lab(rgb(c), vision)[0] for c in theme.SCALE]
    assert np.all(np.diff(scale) > 5)
    levels = [lab(rgb(c), vision)[0] for c in theme.level_colours(6)]
    assert np.all(np.diff(levels) < -5)


def test_a_meaning_has_one_colour_in_the_plots_and_on_the_network() -> None:
    run = LiveRun(load_config(None, n_agents=60, agent_sample_size=0))
    plots = {p.key: p for p in charts.plots(run.model.n_levels)}
    rows = [(STEERED, run.model.recorded())]
    insights = charts.series_base(plots["insights"], rows, 1)["series"]
    assert [s["color"] for s in insights] == [theme.VOICED, theme.SUPPRESSED, theme.PUNISHED]
    safety = charts.series_base(plots["safety"], rows, 1)["series"]
    by_level = charts.network_base(run, "level", "t")["visualMap"]["pieces"]
    assert [s["color"] for s in safety] == [p["color"] for p in by_level]
    assert len({p["color"] for p in by_level}) == run.model.n_levels
    network = charts.network_base(run, "safety", "t")
    assert network["series"][3]["lineStyle"]["color"] == theme.VOICED
    assert network["series"][4]["itemStyle"]["borderColor"] == theme.SUPPRESSED
    assert network["visualMap"]["inRange"]["color"] == list(theme.SCALE)
    roles = charts.network_base(run, "role", "t")["visualMap"]["pieces"]
    assert [p["color"] for p in roles] == list(theme.ROLE_COLOURS)
    on_network = {theme.VOICED, theme.SUPPRESSED}
    assert on_network.isdisjoint(theme.ROLE_COLOURS)  # no colour means two things there
    assert on_network.isdisjoint(theme.level_colours(run.model.n_levels))


@pytest.mark.parametrize(
    ("search", "asked"),
    [("projector=1", True), ("a=b&projector=on", True), ("projector=0", False), ("", None)],
)
def test_the_address_turns_projector_mode_on_or_off(search, asked) -> None:
    assert theme.from_address(search) is asked


def test_projector_mode_sizes_the_charts_type_and_members_for_the_back_of_a_room() -> None:
    run = LiveRun(load_config(None, n_agents=60, agent_sample_size=0))
    run.step()
    plot = charts.plots(run.model.n_levels)[1]
    rows = [(STEERED, run.model.recorded())]
    for projector, least in ((False, 11), (True, 16)):
        option = charts.series_base(plot, rows, 1, projector)
        assert option["title"]["textStyle"]["fontSize"] >= (22 if projector else 13)
        assert option["legend"]["textStyle"]["fontSize"] >= least
        assert option["yAxis"]["axisLabel"]["fontSize"] >= least
        both = charts.series_base(plot, [*rows, ("twin", rows[0][1])], 1, projector)
        # comparing: the subtitle's line of its own pushes the legend down, in either mode
        assert both["legend"]["top"] >= option["legend"]["top"] + least
        assert both["grid"]["top"] >= option["grid"]["top"] + least
        flash = run.flash[STEERED]
        patch = charts.network_patch(run, STEERED, run.model, flash, "safety", projector)
        front = min(patch["members"]["size"])
        assert front >= (10 if projector else 4)


def test_the_view_card_s_switch_turns_projector_mode_on_for_every_chart(
    tmp_path, monkeypatch
) -> None:
    (tmp_path / "w.toml").write_text('name = "w"\nn_agents = 60\nagent_sample_size = 0\n')
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "w.toml"))
    monkeypatch.setenv(PRESETS_ENV, str(tmp_path))
    rc = joined("projector")

    def titles() -> set[int]:
        bases = [json.loads(w.base) for w in rc.find(LiveChartWidget).widgets]
        return {b["title"]["textStyle"]["fontSize"] for b in bases}

    assert titles() == {theme.NORMAL.title}
    (switch,) = [w for w in rc.find(v.Switch).widgets if "projector" in w.label]
    switch.v_model = True
    assert titles() == {theme.PROJECTOR.title}
    heights = {w.height for w in rc.find(LiveChartWidget).widgets}
    assert heights == {f"{theme.PROJECTOR.plot_height}px", f"{theme.PROJECTOR.network_height}px"}
    switch.v_model = False
    assert titles() == {theme.NORMAL.title}
