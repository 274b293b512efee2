"""How the page looks: one colour per meaning, and the projector mode's sizes and CSS.

The colours are safe for the commonest colour blindness (deuteranopia and protanopia:
about 1 man in 12): categories from Okabe and Ito's palette, measures on viridis, and no
colour means two things in the same view. ``tests/test_app_theme.py`` checks them through
Machado et al.'s (2009) simulation, the browser tests through Chromium's.

Projector mode (the View card's switch, or ``?projector=1`` in the address) is for the back
of a room: large type, large members and markers, every slider's value shown, and a layout
that holds at 1280x720. It is a session's own, like its run.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

import numpy as np
import solara

# Okabe & Ito (2008), "Color Universal Design"
BLUE, VERMILLION, BLACK = "#0072B2", "#D55E00", "#000000"
SKY_BLUE, ORANGE, BLUISH_GREEN = "#56B4E9", "#E69F00", "#009E73"
REDDISH_PURPLE, GREY = "#CC79A7", "#999999"

VOICED, SUPPRESSED, PUNISHED = BLUE, VERMILLION, BLACK  # what happened to an insight
# practitioner, researcher, capacity builder: none is an insight's colour (roles share the
# network with voice and suppression), and each pair differs clearly under both simulations
ROLE_COLOURS = (BLUISH_GREEN, SKY_BLUE, BLACK)
# a measure's scale (safety: fear ... wonder; knowledge: -1 ... 1), viridis: its lightness
# climbs from end to end, so the ends differ in any colour vision
SCALE = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
# levels are ordered: one purple, lighter at the front line, darker towards the top
LEVEL_RAMP = ("#bcbddc", "#3f007d")
# any other series (code and members' knowledge, flows, an extension's metrics)
SERIES = (SKY_BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, GREY)
# teams side by side (the room's debrief): every Okabe-Ito colour, the darkest first
TEAM_COLOURS = (BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, BLACK, GREY)
# a chart's series whose metric has a colour of its own, the same in every chart
MEANING = {
    "insights_voiced": VOICED,
    "insights_suppressed": SUPPRESSED,
    "insights_punished": PUNISHED,
}


def level_colours(n_levels: int) -> tuple[str, ...]:
    """One colour per level, front line first: evenly spaced along ``LEVEL_RAMP``."""
    light, dark = (np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)]) for c in LEVEL_RAMP)
    shares = np.linspace(0.0, 1.0, max(n_levels, 2))[:n_levels]
    return tuple(
        "#{:02x}{:02x}{:02x}".format(*np.rint(light + s * (dark - light)).astype(int))
        for s in shares
    )


def series_colour(metric: str, index: int, n_levels: int) -> str:
    """A series' colour: its meaning's (voice, each level), else the ``index``-th of SERIES."""
    if metric.startswith("safety_level_"):
        level = int(metric.rsplit("_", 1)[1])
        return level_colours(max(n_levels, level + 1))[level]
    return MEANING.get(metric, SERIES[index % len(SERIES)])


@dataclass(frozen=True)
class Look:
    """Sizes in pixels: of the charts' type, the network's members and its event marks."""

    title: int
    legend: int  # legends, axis labels, the colour key
    line: float  # a plot's line width
    member: float  # a front-line member's marker; each level above adds ``per_level``
    per_level: float
    voiced: float  # a voiced insight's line width
    suppressed: float  # a suppressed insight's diamond
    outline: float  # the diamond's and a team's ring's line width
    plot_height: int
    network_height: int
    plot_grid: tuple[int, int, int, int]  # top, left, right, bottom: room for the type


NORMAL = Look(
    title=13,
    legend=11,
    line=1.5,
    member=4,
    per_level=2.5,
    voiced=2.2,
    suppressed=11,
    outline=2,
    plot_height=250,
    network_height=420,
    plot_grid=(58, 44, 16, 28),
)
# read from the back of a room: titles >= 22 px, legends and axes >= 16 px, dots >= 10 px
PROJECTOR = Look(
    title=24,
    legend=17,
    line=3,
    member=10,
    per_level=3,
    voiced=4.5,
    suppressed=20,
    outline=3.5,
    plot_height=340,
    network_height=470,
    plot_grid=(100, 64, 56, 40),  # two rows of legend (it wraps), "step" right of the axis
)


def look(projector: bool) -> Look:
    """The sizes of a mode: projector mode's, or the ordinary look's."""
    return PROJECTOR if projector else NORMAL


# a session's mode: Solara gives every browser session its own value of a module's reactive
projector = solara.reactive(False)

# Vuetify's own sizes, raised: cards, labels, buttons, fields; a slider's label above its
# track (a long label never squeezes the track to a dot) and its value always shown, as a
# flat tag above the thumb (Vuetify hides the thumb's label with an inline display:none until
# the slider is touched); long names (a preset, a card's title) wrapped, never cut off; the
# plots one per row, wide enough for their legends at this type size
PROJECTOR_CSS = """
.v-application { font-size: 18px; }
.v-card__title { font-size: 26px !important; word-break: normal !important; line-height: 1.3; }
.v-label, .v-input input, .v-select__selection, .v-card .v-btn, .v-card .v-card__text,
.v-card .solara-text, .v-card span { font-size: 18px !important; }
.v-card .v-btn { height: auto !important; min-height: 40px; white-space: normal;
  padding: 6px 12px !important; }
.v-card .v-btn__content { white-space: normal; flex-shrink: 1; }
.v-input__slider { margin-top: 8px; }
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-label { flex: 1 0 100%; max-width: 100% !important; margin-bottom: 30px;
  white-space: normal; }
.v-input__slider .v-slider { flex: 1 0 calc(100% - 40px); min-width: 120px;
  margin: 0 20px !important; }
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateX(-50%) translateY(-10px)
  !important; border-radius: 6px !important; width: auto !important; min-width: 36px;
  height: 28px !important; padding: 0 6px; font-size: 17px !important; }
.v-slider__thumb-label > div { transform: none !important; }
.v-select__selection--comma { white-space: normal; overflow: visible; text-overflow: clip; }
.v-select__selections { flex-wrap: wrap; }
div[style*="grid-template-columns: repeat(2,"] { grid-template-columns: minmax(0, 1fr)
  !important; }
"""


def from_address(search: str | None) -> bool | None:
    """What ``?projector=`` in the page's address asks for: on, off, or nothing."""
    asked = parse_qs(search or "").get("projector")
    if not asked:
        return None
    return asked[-1].strip().lower() not in ("0", "false", "off", "no", "")


@solara.component
def ProjectorMode() -> None:
    """Turn projector mode on (or off) as the address says, once at load, and style the
    page while it is on."""
    router = solara.use_router()

    def at_load() -> None:
        asked = from_address(router.search)
        if asked is not None:
            projector.set(asked)

    solara.use_effect(at_load, [])
    if projector.value:
        solara.Style(PROJECTOR_CSS)
