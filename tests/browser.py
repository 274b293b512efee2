"""Driving the workshop app in a real browser: shared by the browser tests and the benchmark.

Chromium is Debian's (``/usr/bin/chromium``; ``.ci/run`` installs it), driven by Playwright
through ``executable_path``; ``COMMSIM_CHROMIUM`` points elsewhere.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("COMMSIM_CHROMIUM", "/usr/bin/chromium")
# as the machine's notes say: without these, Chromium calls home and is refused, many times
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NETWORK = "[data-testid='network-with interventions']"
# the page's own ECharts (loaded by live_chart.vue through RequireJS), asked what it drew
DRAWN = """async (selector) => {
  const cdn = window.solara ? window.solara.cdn : "./_solara/cdn";
  const url = `${cdn}/echarts@5.4.0/dist/echarts.min.js`;
  const echarts = await new Promise((resolve) => requirejs([url], resolve));
  const chart = echarts.getInstanceByDom(document.querySelector(selector));
  const option = chart.getOption();
  const point = (i) => (d) => {
    const value = Array.isArray(d) ? d : d.value;
    const flat = Array.isArray(value[0]) ? value[0] : value;
    const pixel = chart.convertToPixel({ seriesIndex: i }, flat.slice(0, 2));
    return { value: value, name: d.name || "", pixel: pixel, size: d.symbolSize };
  };
  return {
    title: option.title[0],
    series: option.series.map((s, i) => (s.data || []).map(point(i))),
  };
}"""
KNOWLEDGE = "[data-testid='plot-knowledge']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_absolute_path(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with PYTHONPATH's entries made absolute: the server starts in another folder,
    where ``PYTHONPATH=src pytest`` would name no folder and the installed package be served."""
    env = dict(env)
    if env.get("PYTHONPATH"):
        parts = env["PYTHONPATH"].split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in parts if p)
    return env


@contextlib.contextmanager
def app_server(
    folder: Path, scenario: str, *options: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``commsim app SCENARIO [OPTIONS]`` started as a user would, in ``folder``; yields its
    address."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "commsim"), "app", scenario, "--port", str(port)]
    proc = subprocess.Popen(
        [*command, *options],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=with_absolute_path(os.environ if env is None else env),
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"commsim app exited: {proc.stdout.read()}"
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url, timeout=2).close()
                break
            assert time.monotonic() < deadline, "commsim app did not answer within 90 s"
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install chromium (.ci/run does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


_TEAMS = itertools.count(1)


class Session:
    """One participant: a browser context of its own, with what its page asked for. It joins
    as ``team`` (``?team=``; a name of its own unless given: a name in the room joins that
    team's run) unless ``url`` names a session of its own (``?session=``)."""

    def __init__(
        self,
        browser: Browser,
        url: str,
        viewport: tuple[int, int] = (1600, 1100),
        team: str | None = None,
    ) -> None:
        team = team or f"team {next(_TEAMS)}"
        width, height = viewport
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page: Page = self.context.new_page()
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        own = "session=" in url or "team=" in url
        self.page.goto(url if own else f"{url}{'&' if '?' in url else '?'}team={quote(team)}")
        self.page.locator(NETWORK).wait_for(timeout=90_000)
        self.wait_until(NETWORK, "revision", 1)
        self.wait_until(KNOWLEDGE, "points", 1)

    def number(self, selector: str, key: str) -> int:
        return int(self.page.locator(selector).get_attribute(f"data-{key}") or 0)

    def wait_until(self, selector: str, key: str, at_least: int) -> None:
        self.page.wait_for_function(
            f"Number(document.querySelector(`{selector}`).dataset.{key}) >= {at_least}",
            timeout=30_000,
        )

    def click(self, label: str) -> None:
        self.page.get_by_role("button", name=label).click()

    def step(self) -> None:
        """Press Step and wait until the network and the plots have drawn the new step."""
        revision, points = self.number(NETWORK, "revision"), self.number(KNOWLEDGE, "points")
        self.click("Step")
        self.wait_until(NETWORK, "revision", revision + 1)
        self.wait_until(KNOWLEDGE, "points", points + 1)

    def drawn(self, selector: str = NETWORK) -> dict[str, Any]:
        """What a chart has drawn, read from its ECharts instance: every series' data points
        (value, name, where on the canvas in pixels, and marker size) and the title."""
        return self.page.evaluate(DRAWN, selector)

    def step_until_voice_and_silence(self, tries: int = 30) -> dict[str, Any]:
        """Step until one step both voices and silences an insight (or ``tries`` steps);
        what the network drew then."""
        for _ in range(tries):
            self.step()
            drawn = self.drawn()
            if drawn["series"][3] and drawn["series"][4]:
                break
        return drawn

    def seen_by(self, vision: str, selector: str = NETWORK) -> bytes:
        """A screenshot of a chart as Chromium shows it to someone with ``vision``
        ("deuteranopia", "protanopia", ...; "none" for normal colour vision)."""
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": vision})
        shot = self.page.locator(selector).screenshot()
        cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})
        return shot

    def step_text(self) -> str:
        return self.page.locator(".run-step").inner_text()

    def close(self) -> None:
        self.context.close()
