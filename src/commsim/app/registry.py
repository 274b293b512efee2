"""Every team's run in the room, kept by the server rather than by a browser tab.

A team's run lives here, in the server process, not in a Solara kernel: a reload, a second
tab or a reconnect finds it again by the team's id. One stepper thread does every model's
work (steps, interventions, resets, the twin's catch-up): pages only render, and no step
runs on a web server thread. Playing teams are stepped fairly, the one most overdue first;
a step or an intervention a page asks for goes before them all, and a team a page is
drawing (its run's lock held) waits while another steps. Pages wait for their
team's ``version`` to change and render once, however many steps happened meanwhile.

A team whose pages have all gone (a closed laptop, a dropped connection) is paused at once
and freed after ``idle_seconds`` without one. Pure Python: no Solara in it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from commsim.app.session import LiveRun
from commsim.config import Config

LOG = logging.getLogger(__name__)
SPEEDS = (1, 20)  # steps per second a team can play at
NAME_LENGTH = 40  # a team name's characters at most
HOUSEKEEPING = 0.5  # seconds between two looks at which teams still have a page
# a playing team that fell behind (the server was busy) makes up this many seconds of its
# steps, back to back; what a longer stall cost it is not made up in a burst
CATCH_UP = 0.5
BUSY = 0.002  # seconds to wait when every overdue team is being drawn by a page
# a page's probe: True while its browser is connected, False while it is away (it may come
# back), None once it is gone for good
Probe = Callable[[], bool | None]


@dataclass(eq=False)
class Team:
    """One team's session: its run and how its pages show it."""

    id: str
    name: str
    run: LiveRun
    playing: bool = False
    speed: int = 5
    colour_by: str = "safety"
    compare: bool = False
    round: str = ""  # the round the facilitator last pushed, shown on the team's page
    version: int = 0  # counts every change a page would draw
    connected: bool = True
    idle_since: float | None = None  # when its last page went away
    freed: bool = False
    due: float = 0.0  # when it should next step while playing
    probes: list[Probe] = field(default_factory=list)

    @property
    def status(self) -> str:
        """What the room page says about the team."""
        if not self.connected:
            return "disconnected"
        return "playing" if self.playing else "paused"


@dataclass(eq=False)
class _Job:
    """A piece of model work a page asked for, run by the stepper before any playing step."""

    team: Team
    work: Callable[[], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class Registry:
    """The room's teams and the one thread that steps them."""

    def __init__(
        self, idle_seconds: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.version = 0  # counts every change in the room, for the facilitator's page
        self._teams: dict[str, Team] = {}
        self._jobs: deque[_Job] = deque()
        self._cond = threading.Condition()
        self._joining = threading.Lock()  # held while a new team's run is made (not _cond)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._next_look = 0.0

    # --- teams ---------------------------------------------------------------------------

    def join(self, name: str, start: Callable[[], LiveRun]) -> Team:
        """The team of that name: the one in the room (whatever the case and spaces: a second
        laptop of the team, a link handed out to all of them), or a new one with the run
        ``start()`` makes; a new team's id is short and unguessable."""
        name = name.strip()
        if not name:
            raise ValueError("team name: empty; type the name your team goes by")
        if len(name) > NAME_LENGTH:
            raise ValueError(f"team name: {len(name)} characters; at most {NAME_LENGTH}")
        with self._joining:  # one team a name, however many laptops join at once
            found = self.named(name)
            if found is not None:
                return found
            team = Team(secrets.token_urlsafe(6), name, start(), idle_since=self.clock())
            with self._cond:
                team.connected = False  # until a page attaches
                self._teams[team.id] = team
                self._bump(team)
        self.start()  # its housekeeping frees the team if no page ever shows it
        return team

    def named(self, name: str) -> Team | None:
        """The team in the room called ``name`` (case and spaces aside), if any."""
        key = name.strip().casefold()
        with self._cond:
            return next((t for t in self._teams.values() if t.name.casefold() == key), None)

    def get(self, team_id: str | None) -> Team | None:
        """The team with this id, or None if there is none (never was, or freed)."""
        with self._cond:
            return self._teams.get(team_id or "")

    def teams(self) -> list[Team]:
        """Every team, in the order they joined."""
        with self._cond:
            return list(self._teams.values())

    def attach(self, team: Team, probe: Probe) -> Callable[[], None]:
        """A page shows ``team``: it counts as connected while ``probe`` says so. Returns
        the detach to call when the page goes."""
        with self._cond:
            team.probes.append(probe)
            if not team.connected and probe():
                team.connected, team.idle_since = True, None
                self._bump(team)

        def detach() -> None:
            with self._cond:
                if probe in team.probes:
                    team.probes.remove(probe)

        return detach

    # --- what a page asks for --------------------------------------------------------------

    def call(self, team: Team, work: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Run ``work`` on the stepper thread, ahead of every playing team, and return its
        result (or raise its error) once done; the team's pages then redraw."""
        self.start()
        job = _Job(team, work)
        with self._cond:
            self._jobs.append(job)
            self._cond.notify_all()
        if not job.done.wait(timeout):
            raise TimeoutError(f"the stepper did not answer within {timeout:g} s")
        if job.error is not None:
            raise job.error
        return job.result

    def step(self, team: Team) -> None:
        """One step now (the Step button)."""
        self.call(team, team.run.step)

    def intervene(self, team: Team, action: str, params: dict[str, Any]) -> None:
        """Pull a lever on the team's run now, on the stepper (``LiveRun.intervene``: a run
        that had settled may step and play on); an out-of-range amount raises its
        ``ConfigError`` here and changes nothing."""
        self.call(team, lambda: team.run.intervene(action, **params))

    def reset(self, team: Team, config: Config) -> None:
        """A new run from ``config`` (paused), keeping the team's compare view."""

        def fresh() -> None:
            team.playing = False
            team.run = LiveRun(config, compare=team.compare, model=team.run.model_class)

        self.call(team, fresh)

    def set_compare(self, team: Team, on: bool) -> None:
        """Show (or drop) the untouched twin; starting it catches it up on the stepper."""

        def switch() -> None:
            team.run.set_compare(on)
            team.compare = on

        self.call(team, switch)

    def set_playing(self, team: Team, on: bool) -> None:
        with self._cond:
            team.playing = on and team.run.running
            team.due = self.clock()
            self._bump(team)
        self.start()

    def set_speed(self, team: Team, speed: int) -> None:
        low, high = SPEEDS
        if not low <= speed <= high:
            raise ValueError(f"speed: {speed}; allowed: {low} to {high} steps per second")
        with self._cond:
            team.speed = speed
            self._bump(team)

    def set_colour_by(self, team: Team, attribute: str) -> None:
        with self._cond:
            team.colour_by = attribute
            self._bump(team)

    # --- the facilitator -----------------------------------------------------------------

    def pause_all(self) -> None:
        with self._cond:
            for team in self._teams.values():
                team.playing = False
                self._bump(team)

    def push(self, config: Config, round_name: str = "") -> None:
        """Every team starts ``config`` afresh (a scenario, or a round when named)."""
        for team in self.teams():
            self.reset(team, config)
            with self._cond:
                team.round = round_name
                self._bump(team)

    # --- waiting -------------------------------------------------------------------------

    def wait(self, team: Team, seen: int, timeout: float) -> int:
        """Block until ``team`` changes from version ``seen`` (or ``timeout`` seconds)."""
        with self._cond:
            self._cond.wait_for(lambda: team.version != seen or team.freed, timeout)
            return team.version

    def wait_room(self, seen: int, timeout: float) -> int:
        """Block until anything in the room changes from version ``seen``."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != seen, timeout)
            return self.version

    # --- the stepper ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the stepper thread (once; it is a daemon and ends with the server)."""
        with self._cond:
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(
                    target=self._loop, name="commsim-stepper", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout=10)

    def look(self) -> None:
        """Pause every team whose pages have all gone; free those gone ``idle_seconds``."""
        now = self.clock()
        with self._cond:
            for team in list(self._teams.values()):
                states = [probe() for probe in team.probes]
                team.probes = [p for p, s in zip(team.probes, states, strict=True) if s is not None]
                connected = any(states)
                if connected != team.connected:
                    team.connected = connected
                    team.idle_since = None if connected else now
                    team.playing = team.playing and connected
                    self._bump(team)
                elif not connected and now - (team.idle_since or now) >= self.idle_seconds:
                    del self._teams[team.id]
                    team.freed = True
                    self._bump(team)

    def _bump(self, team: Team) -> None:
        """``team`` changed: wake its pages (the caller holds the lock)."""
        team.version += 1
        self.version += 1
        self._cond.notify_all()

    def _next(self) -> _Job | Team | None:
        """The next piece of work: a page's job first, then the most overdue playing team
        that no page is drawing, returned with its run's lock held (``_play`` releases it);
        None after waiting a little for either (the caller holds the registry's lock)."""
        if self._jobs:
            return self._jobs.popleft()
        now = self.clock()
        playing = sorted((t for t in self._teams.values() if t.playing), key=lambda t: t.due)
        for team in playing:
            if team.due > now:
                break
            if team.run.lock.acquire(blocking=False):
                return team
        if not playing:
            self._cond.wait(HOUSEKEEPING)
        elif playing[0].due > now:
            self._cond.wait(min(playing[0].due - now, HOUSEKEEPING))
        else:
            self._cond.wait(BUSY)  # every overdue team is being drawn by a page
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                if self.clock() >= self._next_look:
                    self._next_look = self.clock() + HOUSEKEEPING
                    self.look()
                work = self._next()
            if isinstance(work, _Job):
                self._run(work)
            elif isinstance(work, Team):
                self._play(work)

    def _run(self, job: _Job) -> None:
        try:
            job.result = job.work()
        except BaseException as exc:  # handed back to the page that asked
            job.error = exc
        with self._cond:
            self._bump(job.team)
        job.done.set()

    def _play(self, team: Team) -> None:
        """One step of a playing team (its run's lock held by ``_next``); the next is due a
        period later, and a team that fell behind makes up at most ``CATCH_UP`` seconds of
        steps. A step that fails pauses its team, not the room."""
        try:
            team.run.step()
            ok = True
        except Exception:
            LOG.exception("team %r: a step failed; the team is paused", team.name)
            ok = False
        finally:
            team.run.lock.release()
        with self._cond:
            team.due = max(team.due + 1.0 / team.speed, self.clock() - CATCH_UP)
            team.playing = ok and team.playing and team.run.running
            self._bump(team)


_REGISTRY: Registry | None = None
_CREATING = threading.Lock()


def registry(idle_seconds: float = 600.0) -> Registry:
    """The server's one registry (made on first use, with ``idle_seconds``)."""
    global _REGISTRY
    with _CREATING:
        if _REGISTRY is None:
            _REGISTRY = Registry(idle_seconds)
        return _REGISTRY
