"""The workshop app's responsiveness: a step plus redraw, on the server and in a real browser.

    .venv/bin/python benchmarks/bench_app.py [--members 500] [--steps 30]

Prints one table measured in one run, side by side:
- server: ``model.step()`` alone; a Step click (the step, drawn by the page's live widgets);
  a click that re-renders the whole page (an intervention: ``solara.render``, no browser);
  a playing team's step (the step and the live widgets' update);
- browser: from pressing Step in headless Chromium to the network view and the knowledge plot
  both having drawn the new step (timed inside the page: click -> both charts' revision
  counters moved -> the next animation frame);
- play: the step rate Play sustains at its top speed (20 steps per second asked);
- room (``--room N``): the same Step click in a real browser while N - 1 other participants
  play at speed 5: ``--browsers K`` - 1 of them Chromium pages, the rest websocket clients
  (``ws_participants.py``, Solara's own protocol: the server does all it does for a page;
  nothing is drawn), since 30 Chromium pages would take the two cores the server is
  measured on. Prints their step rates while the clicks were measured (every page loaded
  and playing) and the server's CPU share.
The goals: a step plus redraw of at most 250 ms at 500 members, alone and (median) in a
room of 30.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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


def server_side(scenario: Path, steps: int) -> list[list[float]]:
    """Per step: the model alone; a Step click; an intervention's click (a render of the
    whole page); a step drawn as a playing team's is, by its live widgets alone
    (``commsim.app.live``)."""
    import ipyvuetify as v

    from commsim.app import app as app_module
    from commsim.app.live import LiveWidgets
    from commsim.model.model import CommunityModel
    from tests.app_page import joined

    model = CommunityModel(scenario)
    bare = []
    for _ in range(steps):
        t = time.perf_counter()
        model.step()
        bare.append(1000 * (time.perf_counter() - t))
    pages: list[LiveWidgets] = []

    class Recorded(LiveWidgets):
        def __init__(self) -> None:
            super().__init__()
            pages.append(self)

    app_module.LiveWidgets = Recorded  # type: ignore[misc]
    os.environ[app_module.CONFIG_ENV] = str(scenario)
    rc = joined("bench")
    buttons = rc.find(v.Btn).widgets
    step = next(w for w in buttons if "Step" in str(w.children))
    lever = next(w for w in buttons if "action-raise_safety" in (w.class_ or ""))
    clicked, rendered, pushed = [], [], []
    for button, times in [(step, clicked), (lever, rendered)]:
        for _ in range(steps):
            t = time.perf_counter()
            button.click()
            times.append(1000 * (time.perf_counter() - t))
    (team,) = [t for t in app_module.room_registry().teams() if t.name == "bench"]
    for _ in range(steps):
        t = time.perf_counter()
        with team.run.lock:
            team.run.step()
            pages[-1].push()
        pushed.append(1000 * (time.perf_counter() - t))
    return [bare, clicked, rendered, pushed]


def shown_step(s: Session) -> int:
    return int(s.step_text().split()[1])


def in_browser(folder: Path, steps: int) -> tuple[list[float], float]:
    with app_server(folder, "bench.toml") as url, chromium() as browser:
        s = Session(browser, url)
        s.step()  # warm: first draw of every chart
        clicks = [s.page.evaluate(CLICK_AND_WAIT, [NETWORK, KNOWLEDGE]) for _ in range(steps)]
        speed = s.page.locator(".v-input", has_text="speed").locator(".v-slider").bounding_box()
        s.page.mouse.click(speed["x"] + speed["width"] - 1, speed["y"] + speed["height"] / 2)
        start_step, started = shown_step(s), time.perf_counter()
        s.click("Play")
        time.sleep(5)
        s.click("Pause")
        s.page.get_by_role("button", name="Play").wait_for()
        played = shown_step(s) - start_step
        rate = played / (time.perf_counter() - started)
        s.close()
    return clicks, rate


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def server_pid(port: str) -> int:
    """The pid of the process listening on ``port`` (the Solara server ``commsim app`` became)."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
    return int(out.stdout.split("pid=")[1].split(",")[0])


def window_rate(shown: list[tuple[float, int]], start: float, end: float) -> float:
    """Steps per second a page was shown between two wall-clock times (its first and last
    update inside them)."""
    inside = [(t, step) for t, step in shown if start <= t <= end]
    (t0, s0), (t1, s1) = inside[0], inside[-1]
    return (s1 - s0) / (t1 - t0)


def in_room(
    folder: Path, people: int, clicks: int, browsers: int = 1
) -> tuple[list[float], list[float], float]:
    """Step clicks timed in a real browser while ``people - 1`` others play: ``browsers - 1``
    Chromium pages, the rest websocket clients. Everyone's step rate is taken over the
    minutes of the clicks."""
    others = people - browsers
    with app_server(folder, "bench.toml") as url, chromium() as browser:
        pid = server_pid(url.rstrip("/").rsplit(":", 1)[1])
        seconds = 60 + 2 * others + clicks  # every page loaded, then the clicks
        script = str(ROOT / "benchmarks" / "ws_participants.py")
        options = ["--seconds", str(seconds), "--path", "/?team=p{i}"]
        crowd = subprocess.Popen(
            [sys.executable, script, url, str(others), *options],
            stdout=subprocess.PIPE,
            text=True,
        )
        s = Session(browser, url, team="measured")
        players = [Session(browser, url, team=f"b{i}") for i in range(browsers - 1)]
        for player in players:
            player.click("Play")
        time.sleep(5 + 2 * others)  # the crowd's pages load and start playing
        cpu0, t0, start = cpu_seconds(pid), time.perf_counter(), time.time()
        before = [shown_step(p) for p in players]
        times = []
        for _ in range(clicks):
            times.append(s.page.evaluate(CLICK_AND_WAIT, [NETWORK, KNOWLEDGE]))
            time.sleep(0.5)
        cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
        end = time.time()
        rates = [(shown_step(p) - b) / (end - start) for p, b in zip(players, before, strict=True)]
        for session in (s, *players):
            session.close()
        out, _ = crowd.communicate(timeout=seconds + 120)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    rates += [window_rate(row["shown"], start, end) for row in rows]
    return times, rates, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--room", type=int, default=0, help="participants in the room test")
    parser.add_argument(
        "--browsers", type=int, default=1, help="of them, Chromium pages (the rest websockets)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "bench.toml"
        scenario.write_text(
            f'name = "bench"\nseed = 1\nn_agents = {args.members}\nagent_sample_size = 0\n'
        )
        server = server_side(scenario, args.steps)
        clicks, rate = in_browser(folder, args.steps)
        if args.room:
            crowded, rates, cpu = in_room(folder, args.room, args.steps, args.browsers)
    print(f"\nworkshop app, {args.members} members, {args.steps} steps each (ms)")
    print(f"{'':44} {'median':>8} {'p90':>8} {'max':>8}")
    rows = (
        "server: model.step() alone",
        "server: a Step click (live widgets)",
        "server: an intervention (page re-render)",
        "server: step + live widgets (while playing)",
    )
    for label, times in zip(rows, server, strict=True):
        print(f"{label:44} {summary(times)}")
    print(f"{'browser: Step click -> network + plot drawn':44} {summary(clicks)}")
    print(f"play at top speed (20/s asked): {rate:.1f} steps per second sustained")
    if args.room:
        label = f"room of {args.room} ({args.browsers} in Chromium): Step click"
        print(f"{label:44} {summary(crowded)}")
        print(
            f"the {len(rates)} others at speed 5: {statistics.median(rates):.2f} steps/s median "
            f"(min {min(rates):.2f}, {sum(rates):.0f} in total); server CPU {100 * cpu:.0f}%"
        )


if __name__ == "__main__":
    main()
