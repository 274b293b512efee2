"""The workshop page: ``commsim app [CONFIG]`` serves ``Page`` at ``/`` (see ``routes.py``).

A participant joins with a team name and gets the team's address (``/?session=<id>``); the
run itself lives in the server's registry (``registry.py``), so a reload, a second tab or a
reconnect at that address finds it again. ``/?team=NAME`` joins directly (the facilitator's
links, the tests). The page only renders: the registry's stepper does the model's work.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, parse_qsl, urlencode

import ipyvuetify
import solara
import traitlets
from solara.server import kernel_context

from commsim.app import charts, theme
from commsim.app.components import (
    Export,
    Interventions,
    NetworkView,
    RunControls,
    ScenarioControls,
    TimeSeries,
    View,
)
from commsim.app.live import LIVE, LiveWidgets
from commsim.app.registry import Probe, Registry, Team, registry
from commsim.app.session import LiveRun
from commsim.config import Config, ConfigError, load_config
from commsim.model import CommunityModel, import_model

CONFIG_ENV = "COMMSIM_APP_CONFIG"  # the scenario file ``commsim app`` was given
PRESETS_ENV = "COMMSIM_APP_PRESETS"  # the directories (os.pathsep) whose scenarios are presets
MODEL_ENV = "COMMSIM_APP_MODEL"  # the import path of the model class ``commsim app`` was given
IDLE_ENV = "COMMSIM_APP_IDLE_MINUTES"  # how long a team without a page keeps its run
FRAMES = 10  # a page's drawings per second at most, however fast its team plays
# ... and the whole room's, shared by the playing teams: the server's one Python thread
# cannot draw 30 teams at 5 steps a second (a drawing costs it about 10 ms with the
# websocket's work), so in a full room each page draws two or three times a second, every
# step still taken at the team's speed and the newest points all sent
ROOM_FRAMES = 60
LOST_AFTER = 15  # seconds of a dropped connection before the page says to reload


def model_class() -> type[CommunityModel]:
    """The model every session runs (checked by ``commsim app`` before the server started)."""
    return import_model(os.environ.get(MODEL_ENV), "--model")


def start_config() -> Config:
    """The scenario ``commsim app`` was given (or the built-in defaults): a new team's run."""
    return load_config(os.environ.get(CONFIG_ENV) or None, extensions=model_class().extensions)


def presets() -> dict[str, Config]:
    """The starting scenario first, then every valid scenario file in the presets directories
    (the first of a name wins: a user's own folder before the scenarios shipped with commsim)."""
    start = os.environ.get(CONFIG_ENV)
    always = model_class().extensions
    first = start_config()
    found: dict[str, Config] = {f"{first.name} (start)": first}
    folders = os.environ.get(PRESETS_ENV, "").split(os.pathsep)
    for folder in filter(None, folders):
        for path in sorted(Path(folder).glob("*.toml")):
            if start and path.resolve() == Path(start).resolve():
                continue
            try:
                config = load_config(path, extensions=always)
            except ConfigError:
                continue  # not a scenario file (or a broken one): `commsim validate` says why
            found.setdefault(config.name, config)
    return found


def room_registry() -> Registry:
    """The server's registry, freeing a team ``commsim app --idle-minutes`` after its last page
    went away."""
    return registry(60 * float(os.environ.get(IDLE_ENV, "10")))


def page_probe() -> Probe:
    """Whether the browser of the page being rendered is still connected, from Solara's own
    record of its kernel's pages (a page rendered outside a server always is)."""
    if not kernel_context.has_current_context():
        return lambda: True
    context = kernel_context.get_current_context()

    def probe() -> bool | None:
        if context.closed_event.is_set():
            return None
        status = context.page_status.values()
        return not status or kernel_context.PageStatus.CONNECTED in status

    return probe


def query(search: str | None, key: str) -> str:
    """One parameter of the page's address (``?session=...``), or ``""``."""
    return parse_qs(search or "").get(key, [""])[0]


def team_address(team_id: str, search: str | None) -> str:
    """The team's own address, keeping the page's other parameters (``projector=1``: a
    reload of a projector's page stays in projector mode)."""
    kept = [(k, v) for k, v in parse_qsl(search or "") if k not in ("session", "team")]
    return "/?" + urlencode([("session", team_id), *kept])


class ConnectionWidget(ipyvuetify.VuetifyTemplate):
    """Connected / reconnecting / lost, as the browser sees it (see ``connection.vue``)."""

    template_file = (__file__, "connection.vue")
    team = traitlets.Unicode("").tag(sync=True)
    lost_after = traitlets.Float(LOST_AFTER).tag(sync=True)


@solara.component
def Page() -> None:
    """The join screen, or the team's run when the address names one that is still here."""
    router = solara.use_router()
    rooms = room_registry()
    joined = solara.use_ref(cast(Team | None, None))  # the team this page joined
    asked, named = query(router.search, "session"), query(router.search, "team")
    team = rooms.get(asked)
    if team is None and named and joined.current is not None and not joined.current.freed:
        # a browser that loads ``?team=`` reports that address once more as its page starts:
        # the team it joined, not a second one
        team = joined.current

    def show(new: Team) -> None:
        joined.current = new
        router.push(team_address(new.id, router.search))

    def address() -> None:
        if team is not None and asked != team.id:
            router.push(team_address(team.id, router.search))

    solara.use_effect(address, [router.search])
    solara.Title("commsim practice field")
    theme.ProjectorMode()
    if team is None:
        ended = "That session has ended (or never existed): join again." if asked else ""
        Join(named, ended, show)
    else:
        Workshop(team).key(team.id)  # another team: a page of its own


@solara.component
def Join(name: str, message: str, on_join) -> None:
    """Ask for the team's name and start its run; a name in the address joins at once."""
    typed = solara.use_reactive(name)
    error = solara.use_reactive("")

    def join() -> None:
        try:  # a new team's run starts from the start scenario (not every preset)
            team = room_registry().join(
                typed.value, lambda: LiveRun(start_config(), model=model_class())
            )
        except ValueError as exc:
            error.set(str(exc))
            return
        on_join(team)

    solara.use_effect(lambda: join() if name else None, [])
    with solara.Card("Join the practice field", style={"max-width": "480px", "margin": "auto"}):
        if message:
            solara.Warning(message)
        solara.Text(
            "Your team's run stays at the address this page moves to: a reload, that "
            "address on another laptop, or the team's name typed again brings the team back "
            "to it. A name already in the room joins that team."
        )
        solara.InputText("team name", value=typed, continuous_update=True)
        solara.Button("Join", color="primary", on_click=join, disabled=not typed.value.strip())
        if error.value:
            solara.Error(error.value)


def frame_period(rooms: Registry) -> float:
    """Seconds between a page's drawings: ``FRAMES`` a second, fewer when the playing teams
    would together draw more than ``ROOM_FRAMES``."""
    playing = sum(team.playing for team in rooms.teams())
    return 1.0 / max(1.0, min(FRAMES, ROOM_FRAMES / max(playing, 1)))


def layout(team: Team) -> tuple:
    """All a step cannot change on the page but a click can: while it stays the same, a step
    is drawn by the live widgets alone (``live.py``), not by rendering the page."""
    run = team.run
    flags = (team.playing, team.speed, team.colour_by, team.compare, team.round, run.running)
    return (id(run), run.twin is not None, tuple(run.marks), *flags)


@solara.component
def Workshop(team: Team) -> None:
    """One team's run, drawn whenever its registry version moves (at most ``FRAMES`` a
    second, fewer in a full room: ``frame_period``); every click goes through the registry."""
    rooms = room_registry()
    router = solara.use_router()
    options = solara.use_memo(presets, [])
    seen = solara.use_reactive(team.version)  # the version the page last rendered
    shown = solara.use_ref(team.version)  # ... or drew, by a render or by its live widgets
    rendered = solara.use_ref(None)  # what the last render drew: see ``layout``
    live = solara.use_memo(LiveWidgets, [])
    LIVE.provide(live)
    # one drawing at a time: a click draws its own change before the watcher looks again
    guard = solara.use_memo(threading.Lock, [])
    probe = solara.use_memo(page_probe, [])
    solara.use_effect(lambda: rooms.attach(team, probe), [team.id])

    def draw() -> None:
        """Render the page, or, when only steps happened since its last render (a Step click,
        a team playing on), only update its live widgets."""
        version = team.version
        if layout(team) == rendered.current:
            with team.run.lock:
                live.push()
        else:
            seen.set(version)
        shown.current = version

    def watch(cancel: threading.Event) -> None:
        # until the team is freed or this page is gone for good (a reload is a new page)
        while not cancel.is_set() and not team.freed and probe() is not None:
            version = rooms.wait(team, shown.current, 1.0)
            with guard:
                if version == shown.current:
                    continue
                draw()
            cancel.wait(frame_period(rooms))

    solara.use_thread(watch, dependencies=[team.id], intrusive_cancel=False)
    playing = solara.use_reactive(team.playing, lambda on: rooms.set_playing(team, on))
    speed = solara.use_reactive(team.speed, lambda s: rooms.set_speed(team, s))
    colour_by = solara.use_reactive(team.colour_by, lambda c: rooms.set_colour_by(team, c))
    compare = solara.use_reactive(team.compare)

    def drawn(work: Callable[[], None]) -> Callable[[], None]:
        """A click's handler: the work (done by the registry's stepper), then its drawing."""

        def handler() -> None:
            with guard:
                work()
                draw()

        return handler

    step = drawn(lambda: rooms.step(team))

    def intervene(action: str, params: dict[str, Any]) -> None:
        drawn(lambda: rooms.intervene(team, action, params))()

    def reset(config: Config) -> None:
        drawn(lambda: rooms.reset(team, config))()

    def set_compare(on: bool) -> None:
        drawn(lambda: rooms.set_compare(team, on))()

    if team.freed:
        gone = "Your session was freed after a long time away: join again."
        Join("", gone, lambda t: router.push(team_address(t.id, router.search)))
        return
    run, version = team.run, seen.value
    rendered.current = layout(team)
    ConnectionWidget.element(team=team.name, lost_after=float(LOST_AFTER))
    with solara.Columns([1, 3, 1], style={"padding": "8px"}):
        with solara.Column():
            solara.Text(
                f"team {team.name}" + (f" / {team.round}" if team.round else ""),
                classes=["team-name"],
            )
            RunControls(run, playing, speed, step, version)
            ScenarioControls(options, run.config, reset, run.model.catalogue)
            View(colour_by, compare, set_compare)
            Export(run)
        with solara.Column():
            with solara.Columns([1] * len(run.models())):
                for variant, model in run.models():
                    NetworkView(run, variant, model, colour_by.value, version)
            with solara.GridFixed(columns=2):
                for plot in charts.plots(run.model.n_levels, run.model.catalogue, run.model.config):
                    TimeSeries(plot, run, version)
        Interventions(run, intervene, version)
