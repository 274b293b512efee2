"""Take the workshop app's figures in a real browser (the tests' Chromium).

``docs/figures/app_compare.png`` (the README's and WORKSHOPS.md's): ``configs/default.toml``
at 1600x1100 in compare mode, where after step 16 the leaders stop punishing bad news and
invite voice, drawn at step 40 beside the same seed left alone.

The projector-mode figures: ``commsim app`` on a small generated scenario and on one of
1,000 members, each opened with ``?projector=1`` at 1280x720, into docs/figures/workshops/:

- ``projector_1280x720.png``: the page as a projector shows it, after a few steps;
- ``projector_colour_vision.png``: the network as seen with normal colour vision, with
  deuteranopia and with protanopia (Chromium's own simulation), side by side;
- ``projector_1000_members.png``: 1,000 members, drawn by unit.

Each is reduced to a 256-colour palette so that it stays small. Run from the repository root:

    python scripts/app_figures.py
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser import NETWORK, Session, app_server, chromium  # noqa: E402

FIGURES = ROOT / "docs" / "figures"
OUT = FIGURES / "workshops"
SCENARIO = 'name = "workshop"\nseed = 4\nn_agents = {n}\nagent_sample_size = 0\n'
VIEWPORT = (1280, 720)
VISIONS = ("none", "deuteranopia", "protanopia")


def save(png: bytes, name: str, scale: float = 1.0, folder: Path = OUT) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    path = folder / name
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


# the left end of the slider whose label is exactly ``label`` (a lever's, not "... at start")
SLIDER_START = """
(label) => {
  const input = [...document.querySelectorAll('.v-input')].find(
    (e) => e.querySelector('.v-label')?.innerText.trim() === label);
  const box = input.querySelector('.v-slider').getBoundingClientRect();
  return [box.left + 1, box.top + box.height / 2];
}
"""


@contextlib.contextmanager
def page(
    folder: Path,
    browser,
    scenario: str,
    address: str = "",
    viewport: tuple[int, int] = (1600, 1100),
    team: str = "north",
) -> Iterator[Session]:
    """A participant's page of ``commsim app`` started on ``scenario`` (a scenario file's
    text), opened at ``address`` (``?projector=1``)."""
    (folder / "figure.toml").write_text(scenario)
    with app_server(folder, "figure.toml") as url:
        s = Session(browser, url + address, viewport, team)
        try:
            yield s
        finally:
            s.close()


def compare_figure(folder: Path, browser) -> None:
    default = (ROOT / "configs" / "default.toml").read_text()
    with page(folder, browser, default) as s:
        s.page.get_by_text("compare with the same seed").click()
        s.page.locator("[data-testid='network-without interventions']").wait_for()
        for _ in range(16):
            s.step()
        x, y = s.page.evaluate(SLIDER_START, "punitiveness")
        s.page.mouse.click(x, y)
        s.click("Set leaders' response")
        s.click("Invite voice")
        s.page.get_by_text("applied:").wait_for()
        for _ in range(24):
            s.step()
        save(s.page.screenshot(), "app_compare.png", folder=FIGURES)


def seen_by(s: Session, vision: str) -> Image.Image:
    return Image.open(io.BytesIO(s.seen_by(vision))).convert("RGB")


def side_by_side(images: list[Image.Image]) -> bytes:
    row = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
    x = 0
    for image in images:
        row.paste(image, (x, 0))
        x += image.width
    buffer = io.BytesIO()
    row.save(buffer, format="PNG")
    return buffer.getvalue()


def page_figures(folder: Path, browser) -> None:
    with page(folder, browser, SCENARIO.format(n=150), "?projector=1", VIEWPORT) as s:
        s.step_until_voice_and_silence()
        save(s.page.screenshot(), "projector_1280x720.png")
        save(side_by_side([seen_by(s, v) for v in VISIONS]), "projector_colour_vision.png", 0.6)


def large_figure(folder: Path, browser) -> None:
    with page(folder, browser, SCENARIO.format(n=1000), "?projector=1", VIEWPORT) as s:
        s.step()
        save(s.page.locator(NETWORK).screenshot(), "projector_1000_members.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        compare_figure(Path(tmp), browser)
        page_figures(Path(tmp), browser)
        large_figure(Path(tmp), browser)


if __name__ == "__main__":
    main()
