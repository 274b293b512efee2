"""The room's registry without a browser: the stepper, fairness, dropped pages, idle freeing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from commsim.app import charts, room
from commsim.app.registry import CATCH_UP, Registry, Team, _Job
from commsim.app.session import LiveRun
from commsim.config import Config, ConfigError

SMALL = Config(name="small", n_agents=30, seed=3, agent_sample_size=0)
# no rate that keeps things moving: this run settles within 300 steps
SETTLING = SMALL.with_overrides(
    stop_at_equilibrium=True, turnover_rate=0, turbulence_rate=0, exploration_rate=0, seed=1
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Page:
    """A page's connection as Solara reports it: connected, away, or gone for good."""

    def __init__(self) -> None:
        self.state: bool | None = True

    def __call__(self) -> bool | None:
        return self.state


@pytest.fixture
def rooms() -> Iterator[Registry]:
    registry = Registry(idle_seconds=60)
    yield registry
    registry.stop()


def joined(rooms: Registry, name: str, config: Config = SMALL) -> tuple[Team, Page]:
    team = rooms.join(name, lambda: LiveRun(config))
    page = Page()
    rooms.attach(team, page)
    return team, page


def test_a_team_gets_a_short_unguessable_id_and_a_name_is_required(rooms):
    a, _ = joined(rooms, " A ")
    b, _ = joined(rooms, "B")
    assert a.name == "A" and a.id != b.id and 6 <= len(a.id) <= 12
    assert rooms.get(a.id) is a and rooms.get("nope") is None and rooms.get(None) is None
    with pytest.raises(ValueError, match="team name: empty"):
        rooms.join("  ", lambda: LiveRun(SMALL))
    with pytest.raises(ValueError, match="team name: 41 characters; at most 40"):
        rooms.join("x" * 41, lambda: LiveRun(SMALL))
    assert [t.name for t in rooms.teams()] == ["A", "B"]


def test_a_name_in_the_room_joins_that_team_and_a_freed_one_starts_afresh(timed, clock):
    """A second laptop of team A (or the facilitator's link for A) joins A's run, whatever
    the case and spaces; no second run is made for it. Once A is freed its name is free."""
    made: list[LiveRun] = []

    def start() -> LiveRun:
        made.append(LiveRun(SMALL))
        return made[-1]

    a = timed.join("Team A", start)
    timed.attach(a, Page())
    for typed in ("Team A", " team a ", "TEAM A"):
        assert timed.join(typed, start) is a
    assert len(made) == 1 and [t.name for t in timed.teams()] == ["Team A"]
    assert timed.join("Team B", start) is not a and len(made) == 2
    a.probes[0].state = None  # its page gone for good
    timed.look()
    clock.now += 61
    timed.look()
    assert a.freed and timed.join("team a", start) is not a and len(made) == 3


def test_playing_teams_are_stepped_fairly_at_their_speed(rooms):
    teams = [joined(rooms, name)[0] for name in "ABC"]
    for team in teams:
        rooms.set_speed(team, 10)
        rooms.set_playing(team, True)
    time.sleep(1.5)
    rooms.pause_all()
    steps = [t.run.steps for t in teams]
    assert all(8 <= s <= 17 for s in steps), steps  # about 10 a second each, none starved
    time.sleep(0.3)
    assert [t.run.steps for t in teams] == steps  # paused means paused


def test_a_page_s_step_goes_before_every_playing_team(rooms):
    """The stepper's choice, looked at directly: a click's job first, however overdue the
    playing teams are."""
    playing, _ = joined(rooms, "playing")
    asking, _ = joined(rooms, "asking")
    playing.playing, playing.due = True, 0.0  # long overdue
    rooms._jobs.append(job := _Job(asking, lambda: None))
    with rooms._cond:
        assert rooms._next() is job
        assert rooms._next() is playing
    playing.run.lock.release()  # held for the step ``_next`` chose it for


def test_a_team_being_drawn_waits_while_the_next_overdue_one_steps(rooms):
    """The one stepper never waits on a page: a team whose run a page is drawing (its lock
    held) is passed over for the next most overdue, and stepped once the page is done."""
    drawn, _ = joined(rooms, "drawn")
    other, _ = joined(rooms, "other")
    rooms.stop()  # the test is the stepper
    drawn.playing, drawn.due = True, 0.0  # the most overdue
    other.playing, other.due = True, 1.0
    held = threading.Event()

    def page() -> None:
        with drawn.run.lock:
            held.set()
            release.wait(5)

    release = threading.Event()
    threading.Thread(target=page).start()
    held.wait(5)
    with rooms._cond:
        assert rooms._next() is other
    rooms._play(other)
    release.set()
    time.sleep(0.05)
    with rooms._cond:
        assert rooms._next() is drawn
    rooms._play(drawn)
    assert drawn.run.steps == other.run.steps == 1


def test_a_team_that_fell_behind_makes_up_half_a_second_of_steps(timed, clock):
    """After a stall a team steps back to back until it is back on time, if it was at most
    ``CATCH_UP`` behind; what a longer stall cost is lost rather than made up in a burst."""
    team, _ = joined(timed, "late")
    timed.stop()  # the test is the stepper
    timed.set_speed(team, 4)
    team.playing, team.due = True, clock.now - 0.5  # two steps behind

    def steps_due() -> int:
        done = 0
        while True:
            with timed._cond:
                chosen = timed._next()
            if chosen is None:
                return done
            timed._play(chosen)
            done += 1

    assert steps_due() == 3  # the two owed, and the one due now
    clock.now += 60  # a long stall: a minute's steps are not made up, half a second's are
    assert steps_due() == 1 + int(CATCH_UP * 4) + 1  # the one due then, those, the one now


def test_work_runs_on_the_stepper_and_its_errors_come_back(rooms):
    team, _ = joined(rooms, "A")
    rooms.step(team)
    assert team.run.steps == 1
    seen = team.version
    with pytest.raises(ValueError, match="boom"):
        rooms.call(team, lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert team.version > seen  # the page redraws either way
    with pytest.raises(ValueError, match="speed: 50; allowed: 1 to 20"):
        rooms.set_speed(team, 50)


def test_a_reset_keeps_the_twin_and_stops_play_and_a_push_reaches_every_team(rooms):
    a, _ = joined(rooms, "A")
    b, _ = joined(rooms, "B")
    rooms.set_compare(a, True)
    rooms.step(a)
    assert a.run.twin is not None and a.run.twin.steps == 1
    rooms.set_playing(a, True)
    rooms.reset(a, SMALL.with_overrides(seed=9))
    assert (a.playing, a.run.steps, a.run.config.seed) == (False, 0, 9)
    assert a.run.twin is not None and a.run.twin.config.seed == 9
    fear = SMALL.with_overrides(name="fear", punitiveness=0.9)
    rooms.push(fear, "round 2: fear")
    for team in (a, b):
        assert (team.run.config.name, team.round, team.run.steps) == ("fear", "round 2: fear", 0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(clock: Clock) -> Iterator[Registry]:
    """A registry on the test's clock: its idle time passes when the test says so."""
    registry = Registry(idle_seconds=60, clock=clock)
    yield registry
    registry.stop()


def test_a_dropped_page_pauses_at_once_and_its_team_is_freed_after_the_idle_time(timed, clock):
    rooms = timed
    team, page = joined(rooms, "A")
    other, _ = joined(rooms, "B")
    team.playing = other.playing = True
    page.state = False  # the connection dropped
    rooms.look()
    assert (team.status, team.playing, other.status) == ("disconnected", False, "playing")
    clock.now += 59
    rooms.look()
    assert rooms.get(team.id) is team  # still kept: the team may come back
    page.state = True  # it did (a reconnect)
    rooms.look()
    assert team.status == "paused"  # back, and not playing behind the team's back
    page.state = None  # the tab is gone for good
    rooms.look()
    assert team.probes == [] and team.status == "disconnected"
    clock.now += 61
    rooms.look()
    assert rooms.get(team.id) is None and team.freed
    assert rooms.get(other.id) is other  # the connected team stays


def test_a_new_page_brings_a_team_back_before_it_is_freed(timed, clock):
    rooms = timed
    team, page = joined(rooms, "A")
    page.state = None  # a reload: the old page is gone...
    rooms.look()
    clock.now += 30
    rooms.attach(team, Page())  # ...and the new one shows the same team
    clock.now += 100
    rooms.look()
    assert rooms.get(team.id) is team and team.status == "paused"


def test_a_page_waits_for_its_team_s_version_and_only_for_it(rooms):
    a, _ = joined(rooms, "A")
    b, _ = joined(rooms, "B")
    started = time.perf_counter()
    assert rooms.wait(a, a.version, 0.2) == a.version  # nothing changed: a timeout
    assert time.perf_counter() - started >= 0.2
    seen_a, seen_room = a.version, rooms.version
    rooms.step(b)
    assert rooms.wait(a, seen_a, 0.0) == seen_a  # another team's step is not a's
    assert rooms.wait_room(seen_room, 0.0) > seen_room  # but the room saw it
    rooms.step(a)
    assert rooms.wait(a, seen_a, 1.0) > seen_a


def test_play_goes_on_after_an_intervention_disturbs_an_equilibrium(rooms):
    team, _ = joined(rooms, "A", SETTLING)
    rooms.call(team, lambda: team.run.step(300))
    settled = team.run.steps
    assert settled < 300 and not team.run.running
    rooms.set_playing(team, True)
    assert not team.playing  # nothing to play
    rooms.intervene(team, "reorganisation_shock", {"share": 0.5})
    rooms.set_speed(team, 20)
    rooms.set_playing(team, True)
    time.sleep(0.5)
    rooms.set_playing(team, False)
    assert team.run.steps > settled + 1


def test_a_failing_step_pauses_its_team_and_the_others_play_on(rooms):
    broken, _ = joined(rooms, "broken")
    fine, _ = joined(rooms, "fine")

    def fail(k: int = 1) -> None:
        raise RuntimeError("a bug in a model")

    broken.run.step = fail
    for team in (broken, fine):
        rooms.set_speed(team, 20)
        rooms.set_playing(team, True)
    time.sleep(0.5)
    assert not broken.playing and fine.playing and fine.run.steps >= 3


def test_the_debrief_overlays_every_team_in_a_colour_of_its_own(rooms):
    """One line a team (its name, its whole run), each intervention pinned where it acted."""
    (a, _), (b, _) = joined(rooms, "A"), joined(rooms, "B")
    for _ in range(3):
        rooms.step(a)
    a.run.intervene("raise_safety", amount=0.2)
    rooms.step(a)
    rooms.step(b)
    option = room.overlay([a, b], "code_knowledge", "code knowledge")
    first, second = option["series"]
    assert (first["name"], second["name"]) == ("A", "B")
    assert len(first["data"]) == 5 and len(second["data"]) == 2  # steps 0-4, 0-1
    assert first["color"] != second["color"]
    (pin,) = first["markPoint"]["data"]
    assert pin["coord"][0] == 4 and pin["value"] == "Invite voice (safety +0.2)"
    assert second["markPoint"]["data"] == []
    charts.as_json(option)  # JSON-safe for the page


def test_an_intervention_runs_on_the_stepper_and_a_bad_amount_comes_back_refused(rooms):
    team, _ = joined(rooms, "A")
    seen = team.version
    rooms.intervene(team, "raise_safety", {"amount": 0.2})
    assert [m.text for m in team.run.marks] == ["Invite voice (safety +0.2)"]
    assert team.version > seen  # its pages redraw
    with pytest.raises(ConfigError, match="amount"):
        rooms.intervene(team, "raise_safety", {"amount": 5.0})
    assert len(team.run.model.intervention_log) == 1 and len(team.run.marks) == 1
