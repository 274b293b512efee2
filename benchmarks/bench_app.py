"""The workshop app's responsiveness: a step plus redraw, on the server and in a real browser.

    .venv/bin/python benchmarks/bench_app.py [--members 500] [--steps 30]

Prints one table measured in one run, side by side:
- server: ``model.step()`` alone, then step + re-render of the whole page (``solara.render``,
  no browser), per step;
- browser: from pressing Step in headless Chromium to the network view and the knowledge plot
  both having drawn the new step (timed inside the page: click -> both charts' revision
  counters moved -> the next animation frame);
- play: the step rate Play sustains at its top speed (20 steps per second asked).
The goal is a step plus redraw of at most 250 ms at 500 members.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import KNOWLEDGE, NETWORK, Session, app_server, chromium  # noqa: E402

# one Step click, timed in the page until both charts have drawn what it produced
CLICK_AND_WAIT = """
async ([network, knowledge]) => {
  const rev = (s) => Number(document.querySelector(s).dataset.revision);
  const [n0, k0] = [rev(network), rev(knowledge)];
  const button = [...document.querySelectorAll("button")].find((b) => b.innerText.trim() === "STEP"
    || b.innerText.trim() === "Step");
  const t0 = performance.now();
  button.click();
  while (rev(network) <= n0 || rev(knowledge) <= k0) {
    await new Promise((r) => requestAnimationFrame(r));
  }
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - t0;
}
"""


def summary(times_ms: list[float]) -> str:
    ordered = sorted(times_ms)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"{statistics.median(ordered):8.1f} {p90:8.1f} {ordered[-1]:8.1f}"


def server_side(scenario: Path, steps: int) -> tuple[list[float], list[float]]:
    import ipyvuetify as v
    import solara

    from commsim.app.app import CONFIG_ENV
    from commsim.app.routes import routes
    from commsim.model.model import CommunityModel

    model = CommunityModel(scenario)
    bare = []
    for _ in range(steps):
        t = time.perf_counter()
        model.step()
        bare.append(1000 * (time.perf_counter() - t))
    import os

    os.environ[CONFIG_ENV] = str(scenario)
    page = solara.autorouting.RenderPage()  # a team's page, joined at /?team=bench
    joined = solara.RoutingProvider(children=[page], routes=routes, pathname="/?team=bench")
    _, rc = solara.render(joined, handle_error=False)
    step = next(w for w in rc.find(v.Btn).widgets if "Step" in str(w.children))
    rendered = []
    for _ in range(steps):
        t = time.perf_counter()
        step.click()
        rendered.append(1000 * (time.perf_counter() - t))
    return bare, rendered


def in_browser(folder: Path, steps: int) -> tuple[list[float], float]:
    with app_server(folder, "bench.toml") as url, chromium() as browser:
        s = Session(browser, url)
        s.step()  # warm: first draw of every chart
        clicks = [s.page.evaluate(CLICK_AND_WAIT, [NETWORK, KNOWLEDGE]) for _ in range(steps)]
        speed = s.page.locator(".v-input", has_text="speed").locator(".v-slider").bounding_box()
        s.page.mouse.click(speed["x"] + speed["width"] - 1, speed["y"] + speed["height"] / 2)
        start_step, started = int(s.step_text().split()[1]), time.perf_counter()
        s.click("Play")
        time.sleep(5)
        s.click("Pause")
        s.page.get_by_role("button", name="Play").wait_for()
        played = int(s.step_text().split()[1]) - start_step
        rate = played / (time.perf_counter() - started)
        s.close()
    return clicks, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "bench.toml"
        scenario.write_text(
            f'name = "bench"\nseed = 1\nn_agents = {args.members}\nagent_sample_size = 0\n'
        )
        bare, rendered = server_side(scenario, args.steps)
        clicks, rate = in_browser(folder, args.steps)
    print(f"\nworkshop app, {args.members} members, {args.steps} steps each (ms)")
    print(f"{'':44} {'median':>8} {'p90':>8} {'max':>8}")
    print(f"{'server: model.step() alone':44} {summary(bare)}")
    print(f"{'server: step + page re-render':44} {summary(rendered)}")
    print(f"{'browser: Step click -> network + plot drawn':44} {summary(clicks)}")
    print(f"play at top speed (20/s asked): {rate:.1f} steps per second sustained")


if __name__ == "__main__":
    main()
