"""The facilitator's room page (``/room``): every team at a glance, and the room's controls.

It asks for the facilitator code ``commsim app`` printed at start. Then it lists every team
(name, step, playing / paused / disconnected, interventions and sparklines of the headline
metrics), pauses them all, pushes a scenario or a round to every team, and overlays all
teams' runs for the debrief. It redraws at most once a second, and only when something in
the room changed: thirty teams playing cost the server one table a second, not thirty.
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Sequence
from typing import Any

import solara

from commsim.app import charts, theme
from commsim.app.app import page_probe, presets, query, room_registry
from commsim.app.components import LiveChart
from commsim.app.registry import Team

CODE_ENV = "COMMSIM_APP_FACILITATOR_CODE"  # the code ``commsim app`` printed
HEADLINES = (
    ("code_knowledge", "code knowledge"),
    ("mean_safety", "mean safety"),
    ("insights_voiced", "insights voiced"),
)
SPARK = 120  # the last steps a sparkline draws
REFRESH = 1.0  # seconds between two redraws at most
CELL = 'style="text-align: left; padding: 4px 14px; border-bottom: 1px solid #ddd"'


def history(team: Team, metric: str, last: int | None = None) -> list[float]:
    """A headline metric of the team's steered run, step by step (the ``last`` steps)."""
    rows = team.run.model.recorded()
    rows = rows[-last:] if last else rows
    return [float(row[metric]) for row in rows]


def sparkline(values: Sequence[float], width: int = 140, height: int = 30) -> str:
    """An inline SVG line of ``values``, scaled to its own range."""
    if len(values) < 2:
        return f'<svg width="{width}" height="{height}"></svg>'
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    points = " ".join(
        f"{width * i / (len(values) - 1):.1f},{height - 2 - (height - 4) * (v - low) / span:.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg width="{width}" height="{height}"><polyline points="{points}" fill="none" '
        f'stroke="{theme.BLUE}" stroke-width="1.5"/></svg>'
    )


def team_row(team: Team) -> str:
    """One row of the room's table: who, where, what they did, how it goes."""
    marks = team.run.marks
    latest = f"{html.escape(marks[-1].text)} @ {marks[-1].step}" if marks else ""
    cells = [
        f'<a href="./?session={team.id}" target="_blank">{html.escape(team.name)}</a>',
        str(team.run.steps),
        team.status,
        f"{len(marks)}" + (f" (latest: {latest})" if latest else ""),
        *(sparkline(history(team, metric, SPARK)) for metric, _ in HEADLINES),
    ]
    name = html.escape(team.name, quote=True)
    attributes = f'data-team="{name}" data-step="{team.run.steps}" data-status="{team.status}"'
    return f"<tr {attributes}>" + "".join(f"<td {CELL}>{c}</td>" for c in cells) + "</tr>"


def team_table(teams: Sequence[Team], version: int) -> str:
    """Every team's row; ``version`` is the room's, for a test to know what it reads."""
    heads = ["team", "step", "status", "interventions", *(label for _, label in HEADLINES)]
    head = "".join(f"<th {CELL}>{h}</th>" for h in heads)
    rows = "".join(team_row(t) for t in teams)
    table = f'<table class="room-teams" data-version="{version}" style="font-size: 16px">'
    return f"{table}<tr>{head}</tr>{rows}</table>"


def overlay(teams: Sequence[Team], metric: str, label: str) -> dict[str, Any]:
    """One headline metric of every team's run in one chart, a series a team, each team's
    interventions marked on its own line."""
    series = []
    for i, team in enumerate(teams):
        values = history(team, metric)
        colour = theme.TEAM_COLOURS[i % len(theme.TEAM_COLOURS)]
        marks = [
            {"coord": [m.step, values[min(m.step, len(values) - 1)]], "value": m.text}
            for m in team.run.marks
            if values
        ]
        series.append(
            {
                "name": team.name,
                "type": "line",
                "showSymbol": False,
                "color": colour,
                "data": list(enumerate(values)),
                "markPoint": {"symbol": "pin", "symbolSize": 28, "data": marks},
            }
        )
    return {
        "title": {"text": label, "textStyle": {"fontSize": 16}},
        "legend": {"top": 24, "textStyle": {"fontSize": 14}},
        "grid": {"top": 64, "left": 56, "right": 24, "bottom": 32},
        "xAxis": {"type": "value", "name": "step"},
        "yAxis": {"type": "value", "scale": True},
        "tooltip": {"trigger": "axis"},
        "animation": False,
        "series": series,
    }


@solara.component
def Room() -> None:
    """The facilitator code first; the room once it matches."""
    router = solara.use_router()
    code = solara.use_reactive(query(router.search, "code"))
    expected = os.environ.get(CODE_ENV, "")
    solara.Title("commsim room")
    if expected and code.value == expected:
        Dashboard()
        return
    with solara.Card("The room (for the facilitator)", style={"max-width": "480px"}):
        solara.Text("Type the facilitator code that commsim app printed when it started.")
        solara.InputText("facilitator code", value=code, password=True)
        if code.value:
            solara.Error("facilitator code: that is not the code commsim app printed")


@solara.component
def Dashboard() -> None:
    rooms = room_registry()
    seen = solara.use_reactive(rooms.version)
    probe = solara.use_memo(page_probe, [])

    def watch(cancel: threading.Event) -> None:
        while not cancel.is_set() and probe() is not None:  # until this page is gone
            version = rooms.wait_room(seen.value, REFRESH)
            if version != seen.value:
                seen.set(version)
                cancel.wait(REFRESH)

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)
    options = solara.use_memo(presets, [])
    chosen = solara.use_reactive(next(iter(options)))
    round_name = solara.use_reactive("")
    debrief = solara.use_reactive(False)
    teams, version = rooms.teams(), seen.value  # reading it redraws the page when it moves

    with solara.Column(style={"padding": "12px"}):
        with solara.Card("The room", margin=0), solara.Row():
            solara.Text(f"{len(teams)} teams", classes=["room-count"])
            solara.Button("Pause all teams", icon_name="mdi-pause", on_click=rooms.pause_all)
            solara.Select("scenario", values=list(options), value=chosen)
            solara.InputText("round (optional, e.g. round 2: fear)", value=round_name)
            solara.Button(
                "Push to every team (restarts their runs)",
                color="primary",
                on_click=lambda: rooms.push(options[chosen.value], round_name.value.strip()),
            )
            solara.Switch(label="debrief: all teams' runs overlaid", value=debrief)
        solara.HTML(tag="div", unsafe_innerHTML=team_table(teams, version))
        if debrief.value:
            with solara.GridFixed(columns=len(HEADLINES)):
                for metric, label in HEADLINES:
                    LiveChart(
                        base=charts.as_json(overlay(teams, metric, label)),
                        tail="[]",
                        patch="{}",
                        height="360px",
                        testid=f"overlay-{metric}",
                    )
