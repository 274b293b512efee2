"""Projector mode and the colour-blind-safe palette in a real headless Chromium.

Sizes are read where the browser computed them (CSS) or drew them (ECharts' own option);
colour vision deficiencies are Chromium's own simulation (CDP
``Emulation.setEmulatedVisionDeficiency``) of the screenshot's pixels. Screenshots go to
``test-output/app/``.
"""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser

from commsim.app import theme
from tests.browser import KNOWLEDGE, NETWORK, Session, app_server
from tests.test_app_theme import delta_e

SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "app"
SCENARIO = 'name = "workshop"\nseed = 4\nn_agents = {n}\nagent_sample_size = 0\n'
# what the browser computed: each card's type, each slider's track and value, the preset
PAGE_SIZES = """() => {
  const px = (e) => parseFloat(getComputedStyle(e).fontSize);
  const all = (s) => Array.from(document.querySelectorAll(s));
  const sliders = all('.v-input__slider').map((e) => ({
    track: e.querySelector('.v-slider').getBoundingClientRect().width,
    value: e.querySelector('[role=slider]').getAttribute('aria-valuenow'),
    shown: e.querySelector('.v-slider__thumb-label').offsetParent !== null
      ? e.querySelector('.v-slider__thumb-label').innerText : null,
  }));
  const preset = all('.v-select__selection').map((e) => e.scrollWidth <= e.clientWidth + 1);
  const columns = all('.row > .col').map((e) => e.scrollWidth <= e.clientWidth + 1);
  return {
    width: document.documentElement.scrollWidth, viewport: window.innerWidth,
    titles: all('.v-card__title').map(px), labels: all('.v-card .v-label').map(px),
    buttons: all('.v-card .v-btn').map(px), sliders, preset, columns,
  };
}"""
# what a chart drew its type at, from its ECharts option
CHART_SIZES = """async (selector) => {
  const cdn = window.solara ? window.solara.cdn : "./_solara/cdn";
  const echarts = await new Promise((resolve) =>
    requirejs([`${cdn}/echarts@5.4.0/dist/echarts.min.js`], resolve));
  const o = echarts.getInstanceByDom(document.querySelector(selector)).getOption();
  return {
    title: o.title[0].textStyle.fontSize,
    legend: o.legend.length ? o.legend[0].textStyle.fontSize : null,
    axis: o.yAxis[0].show === false ? null : o.yAxis[0].axisLabel.fontSize,
    key: o.visualMap.length ? o.visualMap[0].textStyle.fontSize : null,
  };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "workshop.toml").write_text(SCENARIO.format(n=150))
    with app_server(folder, "workshop.toml") as url:
        yield url


@pytest.mark.parametrize("viewport", [(1280, 720), (1920, 1080)])
def test_projector_mode_is_large_shows_every_value_and_fits_the_screen(
    server, browser, viewport
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    s = Session(browser, server + "?projector=1", viewport)
    try:
        s.wait_until(NETWORK, "revision", 1)
        page = s.page.evaluate(PAGE_SIZES)
        assert page["width"] <= page["viewport"]  # nothing overflows sideways
        assert len(page["columns"]) >= 3 and all(page["columns"])  # nor inside a column
        assert min(page["titles"]) >= 22 and min(page["labels"]) >= 18
        assert min(page["buttons"]) >= 18
        assert len(page["sliders"]) >= 10
        for slider in page["sliders"]:  # every slider wide, and its value on show
            assert slider["track"] >= 150
            assert slider["shown"] is not None
            assert float(slider["shown"]) == float(slider["value"])
        assert page["preset"] and all(page["preset"])  # the preset's name is not cut off
        for chart in (NETWORK, KNOWLEDGE, "[data-testid='plot-insights']"):
            sizes = s.page.evaluate(CHART_SIZES, chart)
            assert sizes["title"] >= 22
            assert all(v >= 16 for k, v in sizes.items() if k != "title" and v is not None)
        s.page.get_by_text("compare with the same seed").click()  # two networks side by side
        s.page.locator("[data-testid='network-without interventions']").wait_for()
        s.step()
        page = s.page.evaluate(PAGE_SIZES)
        assert page["width"] <= page["viewport"] and all(page["columns"])
        s.page.screenshot(path=SHOTS / f"projector_{viewport[0]}x{viewport[1]}.png")
        assert s.failed == [] and s.errors == []
    finally:
        s.close()


def pixels(s: Session, vision: str) -> np.ndarray:
    """The network as Chromium shows it to someone with ``vision`` (or normal vision)."""
    image = Image.open(io.BytesIO(s.seen_by(vision))).convert("RGB")
    return np.asarray(image, dtype=float) / 255


def nearest(image: np.ndarray, at: tuple[float, float], colour: str, reach: int) -> tuple:
    """The pixel within ``reach`` of ``at`` closest to ``colour``: where a mark is drawn."""
    x, y = round(at[0]), round(at[1])
    target = theme_rgb(colour)
    window = image[y - reach : y + reach + 1, x - reach : x + reach + 1]
    far = np.linalg.norm(window - target, axis=2)
    dy, dx = np.unravel_index(np.argmin(far), far.shape)
    assert far[dy, dx] < 0.25, f"no {colour} near {at}"
    return y - reach + dy, x - reach + dx


def theme_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255


def test_fear_wonder_voice_and_silence_differ_under_deuteranopia_and_protanopia(
    server, browser
) -> None:
    """The lowest- and highest-safety members, and a voiced link and a suppressed insight
    of one step, stay clearly apart in Chromium's simulation of both deficiencies."""
    s = Session(browser, server + "?projector=1", (1280, 720))
    try:
        drawn = s.step_until_voice_and_silence()
        members, voiced, quiet = drawn["series"][2], drawn["series"][3], drawn["series"][4]
        assert voiced and quiet
        low = min(members, key=lambda m: m["value"][2])
        high = max(members, key=lambda m: m["value"][2])
        assert high["value"][2] - low["value"][2] > 0.2
        seen = {v: pixels(s, v) for v in ("none", "deuteranopia", "protanopia")}
        plain = seen["none"]
        # where each mark is drawn: a member's centre, a diamond's outline, a link's start
        spots = {
            "low": tuple(round(c) for c in reversed(low["pixel"])),
            "high": tuple(round(c) for c in reversed(high["pixel"])),
            "suppressed": nearest(plain, quiet[0]["pixel"], theme.SUPPRESSED, 12),
            "voiced": nearest(plain, voiced[0]["pixel"], theme.VOICED, 8),
        }
        for vision, image in seen.items():
            colour = {name: image[y, x] for name, (y, x) in spots.items()}
            assert delta_e(colour["low"], colour["high"]) > 20, vision
            assert delta_e(colour["voiced"], colour["suppressed"]) > 40, vision
            Image.fromarray((image * 255).astype(np.uint8)).save(SHOTS / f"network_{vision}.png")
    finally:
        s.close()


def test_a_thousand_members_in_projector_mode_are_drawn_by_unit(
    tmp_path: Path, browser: Browser
) -> None:
    (tmp_path / "large.toml").write_text(SCENARIO.format(n=1000))
    with app_server(tmp_path, "large.toml") as url:
        s = Session(browser, url + "?projector=1", (1280, 720))
        try:
            drawn = s.drawn()
            markers = drawn["series"][2]
            assert 10 < len(markers) <= 100  # units, not 1,000 dots
            people = [int(m["name"].split(": ")[-1].split()[0]) for m in markers]
            assert sum(people) == 1000
            assert drawn["title"]["subtext"].endswith(f"{len(markers)} teams")
            units = sorted(
                (m["pixel"][0], m["size"]) for m in markers if m["name"].startswith("unit ")
            )
            for (x, size), (x_next, size_next) in itertools.pairwise(units):
                assert x_next - x >= (size + size_next) / 2  # side by side, never overlapping
            s.step()
            s.page.locator(NETWORK).screenshot(path=SHOTS / "projector_1000.png")
            assert s.failed == [] and s.errors == []
        finally:
            s.close()


def chart_title_becomes(s: Session, size: int) -> None:
    """Wait (up to 10 s) until the knowledge plot's title is drawn at ``size`` px."""
    deadline = time.monotonic() + 10
    while s.page.evaluate(CHART_SIZES, KNOWLEDGE)["title"] != size:
        assert time.monotonic() < deadline, f"the plot's title never became {size} px"
        time.sleep(0.2)


def test_the_view_card_s_switch_turns_projector_mode_on_and_off_in_its_tab_only(
    server, browser
) -> None:
    s, other = Session(browser, server, (1280, 720)), Session(browser, server, (1280, 720))
    try:
        title = "document.querySelector('.v-card__title')"
        normal = s.page.evaluate(f"getComputedStyle({title}).fontSize")
        chart_title_becomes(s, theme.NORMAL.title)
        switch = s.page.get_by_text("projector mode")
        switch.click()
        s.page.wait_for_function(f"parseFloat(getComputedStyle({title}).fontSize) >= 22")
        chart_title_becomes(s, theme.PROJECTOR.title)
        other.step()  # the other participant's tab keeps the ordinary look
        assert other.page.evaluate(f"getComputedStyle({title}).fontSize") == normal
        assert other.page.evaluate(CHART_SIZES, KNOWLEDGE)["title"] == theme.NORMAL.title
        switch.click()  # and off again: today's look
        s.page.wait_for_function(f"getComputedStyle({title}).fontSize === '{normal}'")
        chart_title_becomes(s, theme.NORMAL.title)
        assert s.failed == [] and s.errors == []
    finally:
        s.close()
        other.close()
