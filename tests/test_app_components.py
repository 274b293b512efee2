"""The page rendered without a browser (``solara.render``): find widgets, click, check the run."""

from __future__ import annotations

import json
from pathlib import Path

import ipyvuetify as v
import pytest

from commsim.app import app as app_module
from commsim.app.app import CONFIG_ENV, PRESETS_ENV
from commsim.app.components import (
    SLIDERS,
    LiveChartWidget,
    mechanism_sliders,
    scenario_label,
    sliders,
)
from commsim.app.session import argument_label
from commsim.app.theme import NORMAL
from commsim.config import Config, load_config
from commsim.levers import LEVERS
from commsim.model import CommunityModel
from tests.app_page import joined, members_drawn

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """
name = "workshop"
seed = 5
n_agents = 80
agent_sample_size = 0
"""


@pytest.fixture
def page(tmp_path, monkeypatch):
    """A rendered page started from a small scenario, with one other preset beside it."""
    (tmp_path / "workshop.toml").write_text(SCENARIO)
    (tmp_path / "other.toml").write_text('name = "other"\nn_agents = 60\nseed = 2\n')
    (tmp_path / "broken.toml").write_text("n_agents = -1\n")  # skipped, not fatal
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "workshop.toml"))
    monkeypatch.setenv(PRESETS_ENV, str(tmp_path))
    return joined()


def button(rc, label: str):
    """The one button whose text contains ``label``."""
    (found,) = [w for w in rc.find(v.Btn).widgets if any(label in str(c) for c in w.children)]
    return found


def chart(rc, testid: str) -> LiveChartWidget:
    (found,) = [w for w in rc.find(LiveChartWidget).widgets if w.testid == testid]
    return found


def network_members(widget) -> list[dict]:
    """The members a network chart draws: its patch's values and sizes at its base's places."""
    return members_drawn(json.loads(widget.patch), json.loads(widget.base))


def step_label(rc) -> str:
    return rc.find(v.Html, class_="run-step").widget.children[0]


def test_page_starts_from_the_given_scenario_with_its_presets(page):
    (preset,) = [w for w in page.find(v.Select).widgets if w.label == "preset"]
    assert preset.v_model == "workshop (start)"
    assert preset.items == ["workshop (start)", "other"]  # the broken file is left out
    assert "step 0" in step_label(page)


def test_step_advances_the_model_and_feeds_the_charts_a_tail(page):
    knowledge = chart(page, "plot-knowledge")
    network = chart(page, "network-with interventions")
    before_patch = network.patch
    button(page, "Step").click()
    button(page, "Step").click()
    assert "step 2" in step_label(page)
    tail = json.loads(knowledge.tail)
    assert [p[0] for p in tail[0]] == [0, 1, 2]  # code knowledge at steps 0..2
    assert network.patch != before_patch
    assert json.loads(network.patch)["title"]["subtext"].endswith("step 2")


def test_an_intervention_changes_the_running_model_and_marks_every_plot(page):
    button(page, "Step").click()
    network = chart(page, "network-with interventions")
    before = json.loads(network.patch)["members"]["value"]
    for _ in range(3):
        button(page, "Invite voice").click()  # safety +0.2 by default
    button(page, "Flatten the hierarchy").click()
    button(page, "Step").click()
    after = json.loads(network.patch)["members"]["value"]
    assert sum(after) / len(after) > sum(before) / len(before) + 0.3
    stacked = "Invite voice (safety +0.2) ×3\nFlatten the hierarchy"  # one line at step 2
    for key in ("knowledge", "insights", "safety", "flow"):
        lines = json.loads(chart(page, f"plot-{key}").patch)["series"][0]["markLine"]["data"]
        assert lines == [{"xAxis": 2, "label": {"formatter": stacked, "fontSize": NORMAL.legend}}]
    assert "step 2" in step_label(page)  # no reset happened


def test_compare_adds_the_untouched_twin_beside_the_steered_model(page):
    button(page, "Step").click()
    (switch,) = [w for w in page.find(v.Switch).widgets if "compare" in w.label]
    switch.v_model = True
    button(page, "Reorganise").click()
    button(page, "Step").click()
    twin = json.loads(chart(page, "network-without interventions").patch)
    steered = json.loads(chart(page, "network-with interventions").patch)
    assert twin["title"]["subtext"] == "without interventions: step 2"
    assert twin["members"] != steered["members"]
    assert len(json.loads(chart(page, "plot-knowledge").tail)) == 4  # 2 series x 2 models


def test_reset_with_a_new_seed_starts_a_new_run_and_a_bad_seed_is_refused(page):
    for _ in range(3):
        button(page, "Step").click()
    (seed,) = [w for w in page.find(v.TextField).widgets if w.label == "seed"]
    for bad in ("abc", "-4", "1.5", ""):
        seed.v_model = bad
        seed.fire_event("focusout", None)  # what the browser sends when the field loses focus
        assert seed.error and seed.messages == [f"seed {bad!r}: a whole number, 0 or more (e.g. 7)"]
        reset = button(page, "Reset with these settings")
        assert reset.disabled
        reset.click()  # a click that reaches it anyway changes nothing
        assert "step 3" in step_label(page)  # the refused reset left the run alone
    seed.v_model = "9"
    seed.fire_event("focusout", None)
    assert not seed.error
    button(page, "Reset with these settings (1 pending)").click()
    assert "step 0" in step_label(page)
    assert button(page, "Reset with these settings").children == ["Reset with these settings"]


def test_a_moved_slider_is_marked_pending_until_reset(page):
    def slider(words: str):
        (found,) = [w for w in page.find(v.Slider).widgets if w.label.startswith(words)]
        return found

    labels = [w.label for w in page.find(v.Slider).widgets]
    assert labels.count("punitiveness") == 1  # Set leaders' response's: acts at once
    assert slider("punitiveness at").label == "punitiveness at start"
    slider("punitiveness at").v_model = 0.75
    slider("integration at").v_model = 0.1
    assert slider("punitiveness at").label.endswith("(changed: Reset applies it)")
    assert not slider("safety at").label.endswith(")")  # untouched: unmarked
    button(page, "Reset with these settings (2 pending)").click()
    assert slider("punitiveness at").label == "punitiveness at start"
    assert slider("integration at").v_model == pytest.approx(0.1)


def test_every_control_has_one_name_and_every_lever_says_what_it_does(page):
    labels = [w.label for w in page.find(v.Slider).widgets]
    assert len(labels) == len(set(labels)), sorted(labels)
    tips = {  # each lever's button: its tooltip's text
        str(t.v_slots[0]["children"][0].children[0]): str(t.children[0])
        for t in page.find(v.Tooltip).widgets
    }
    offered = [lever for lever in LEVERS if lever.offered(Config())]
    assert set(tips) == {lever.label for lever in offered}
    invite = tips["Invite voice"]
    assert invite.startswith("safety ← min(safety + amount, 1) for everyone")  # what it does
    assert "Seed idea: leaders modelling vulnerability" in invite and "`" not in invite


def test_choosing_a_preset_resets_to_it(page):
    (preset,) = [w for w in page.find(v.Select).widgets if w.label == "preset"]
    preset.v_model = "other"
    network = chart(page, "network-with interventions")
    assert len(network_members(network)) == 60


def test_two_sessions_render_two_independent_runs(tmp_path, monkeypatch):
    (tmp_path / "workshop.toml").write_text(SCENARIO)
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "workshop.toml"))
    first, second = joined("one"), joined("two")
    button(first, "Step").click()
    button(first, "Flatten").click()
    assert "step 1" in step_label(first) and "step 0" in step_label(second)
    assert first.find(v.Html, class_="applied") and not second.find(v.Html, class_="applied")


def test_presets_skip_files_that_are_not_scenarios(tmp_path, monkeypatch):
    (tmp_path / "a.toml").write_text('name = "a"\n')
    (tmp_path / "experiment.toml").write_text('name = "e"\nbase = "a.toml"\n')
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv(PRESETS_ENV, str(tmp_path))
    assert list(app_module.presets()) == ["default (start)", "a"]


def test_a_scenario_naming_an_org_chart_draws_its_people(monkeypatch):
    """tests/data/acme.toml names acme.csv: 39 people, drawn one by one, the top highest."""
    data = Path(__file__).resolve().parent / "data"
    monkeypatch.setenv(CONFIG_ENV, str(data / "acme.toml"))
    monkeypatch.setenv(PRESETS_ENV, str(data))
    rc = joined()
    button(rc, "Step").click()
    members = network_members(chart(rc, "network-with interventions"))
    assert len(members) == 39
    heights = [m["value"][1] for m in members]
    assert heights[0] == max(heights)  # row 0, the top of the chart
    assert "step 1" in step_label(rc)


def test_on_an_org_chart_reset_keeps_the_chart_and_its_size_is_fixed(monkeypatch):
    data = Path(__file__).resolve().parent / "data"
    monkeypatch.setenv(CONFIG_ENV, str(data / "acme.toml"))
    monkeypatch.setenv(PRESETS_ENV, str(data))
    rc = joined()
    (members,) = [w for w in rc.find(v.Slider).widgets if "members" in str(w.label)]
    assert members.disabled and members.v_model == 39 and "org chart" in members.label
    (seed,) = [w for w in rc.find(v.TextField).widgets if w.label == "seed"]
    seed.v_model = "9"
    seed.fire_event("focusout", None)
    button(rc, "Reset with these settings").click()
    assert not rc.find(v.Alert).widgets  # no error: the chart survived the new config
    assert len(network_members(chart(rc, "network-with interventions"))) == 39


def test_a_mechanism_s_sliders_show_only_where_the_scenario_switches_it_on() -> None:
    def fields(config: Config) -> set[str]:
        catalogue = CommunityModel.catalogue_for(config)
        return {s.field for s in mechanism_sliders(catalogue, config)}

    assert fields(Config()) == set()
    culture = fields(load_config("configs/just_culture.toml"))
    assert {"incident_rate", "blame_bias", "attribution_accuracy"} <= culture
    assert not culture & {"units", "entrenchment", "exploration_fear"}  # others stay hidden
    assert "entrenchment" in fields(load_config("configs/double_loop.toml"))


def test_an_intervention_at_equilibrium_makes_step_and_play_work_again(monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, str(ROOT / "configs" / "march1991.toml"))
    monkeypatch.delenv(PRESETS_ENV, raising=False)
    rc = joined("march")
    for _ in range(300):
        if "(equilibrium)" in step_label(rc):
            break
        button(rc, "Step").click()
    settled = step_label(rc)
    assert settled.endswith("(equilibrium)") and button(rc, "Play").disabled
    button(rc, "Reality shock").click()
    assert not button(rc, "Play").disabled
    button(rc, "Step").click()
    steps = int(settled.split()[1])
    assert step_label(rc).startswith(f"step {steps + 1}")


@pytest.mark.parametrize("preset", sorted((ROOT / "configs").glob("*.toml")), ids=lambda p: p.stem)
def test_no_two_sliders_share_a_label_in_any_preset(preset: Path) -> None:
    """The Scenario card's (on Reset) and the levers' (at once) never read alike."""
    config = load_config(preset)
    catalogue = CommunityModel.catalogue_for(config)
    shown = SLIDERS + mechanism_sliders(catalogue, config)
    labels = [scenario_label(s, catalogue) for s in shown]
    labels += [
        argument_label(p)
        for lever in catalogue.levers
        if lever.offered(config)
        for p in sliders(lever)
    ]
    assert len(labels) == len(set(labels)), sorted(labels)


@pytest.mark.parametrize(
    ("search", "address"),
    [
        (None, "/?session=abc"),
        ("team=Blue", "/?session=abc"),
        ("team=Blue&projector=1", "/?session=abc&projector=1"),
        ("session=old&projector=1", "/?session=abc&projector=1"),
    ],
)
def test_a_team_s_address_keeps_the_page_s_other_parameters(search, address) -> None:
    """Joining moves the page to the team's address; projector mode goes with it, so a
    reload of the projector's page stays large."""
    assert app_module.team_address("abc", search) == address
