"""The workshop app's logic without a browser: layout, the steered run and its twin, charts."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commsim import api
from commsim.app import charts
from commsim.app.layout import edge_kinds, org_chart
from commsim.app.session import STEERED, TWIN, LiveRun
from commsim.config import ConfigError, load_config
from commsim.model.model import CommunityModel
from commsim.model.state import NO_MANAGER
from tests.app_page import members_drawn


def small(**overrides: object):
    return load_config(None, **({"n_agents": 120, "seed": 3, "agent_sample_size": 0} | overrides))


def test_org_chart_puts_every_manager_above_and_centred_over_their_reports():
    model = CommunityModel(small(n_agents=500))
    level, manager = model.state.level, model.state.manager
    pos = org_chart(level, manager)
    assert np.isfinite(pos).all()
    reports = np.flatnonzero(manager != NO_MANAGER)
    assert (pos[manager[reports], 1] > pos[reports, 1]).all()
    upper = np.flatnonzero(level >= 2)
    for boss in upper:
        mine = np.flatnonzero(manager == boss)
        assert pos[boss, 0] == pytest.approx(pos[mine, 0].mean())
    # front-line teammates share their manager's column and never sit on each other
    front = np.flatnonzero(level == 0)
    assert (pos[front, 0] == pos[manager[front], 0]).all()
    assert len({tuple(p) for p in pos[front].tolist()}) == front.size


def test_edge_kinds_splits_reporting_lines_from_informal_ties():
    model = CommunityModel(small())
    manager = model.state.manager
    reporting, informal = edge_kinds(model.ties.edges, manager)
    assert len(reporting) == (manager != NO_MANAGER).sum()  # one line per report
    a, b = informal[:, 0], informal[:, 1]
    assert not ((manager[a] == b) | (manager[b] == a) | (manager[a] == manager[b])).any()


def test_interventions_reach_the_steered_model_only_and_the_twin_matches_a_fresh_run():
    run = LiveRun(small(), compare=True)
    run.step(5)
    assert run.model.model_frame().equals(run.twin.model_frame())  # same seed, untouched
    mark = run.intervene("raise_safety", amount=0.3)
    assert (mark.step, mark.text) == (6, "Invite voice (safety +0.3)")  # the button's words
    run.step(5)
    steered, twin = run.model.model_frame(), run.twin.model_frame()
    assert steered.loc[6, "interventions"] == "raise_safety"
    assert (twin["interventions"] == "").all()
    assert steered.loc[6, "mean_safety"] > twin.loc[6, "mean_safety"] + 0.2
    fresh = CommunityModel(small())
    fresh.run(10)
    assert twin.equals(fresh.model_frame())


def test_a_twin_started_mid_run_catches_up_to_the_same_step():
    run = LiveRun(small())
    run.step(7)
    run.set_compare(True)
    assert run.twin.steps == 7
    assert run.twin.model_frame().equals(run.model.model_frame())
    run.set_compare(False)
    assert [name for name, _ in run.models()] == [STEERED]


def test_out_of_range_intervention_is_refused_and_changes_nothing():
    run = LiveRun(small())
    run.step(2)
    safety = run.model.state.safety.copy()
    with pytest.raises(ConfigError, match="amount"):
        run.intervene("raise_safety", amount=1.5)
    assert (run.model.state.safety == safety).all() and run.marks == []


def test_flash_holds_the_last_steps_voiced_and_suppressed_insights():
    run = LiveRun(small(initial_safety=0.5, punitiveness=0.3, insight_ttl=2))
    run.step(6)
    events = run.model.insight_frame()
    now = events[events["step"] == run.steps]
    voiced = now[now["event"] == "voiced"]
    holders, listeners = run.flash[STEERED].voiced
    pairs = sorted(zip(holders, listeners, strict=True))
    assert pairs == sorted(zip(voiced["holder"], voiced["member"], strict=True))
    suppressed = now[now["event"] == "suppressed"]
    assert sorted(run.flash[STEERED].suppressed) == sorted(suppressed["holder"])
    assert len(voiced) > 0 and len(suppressed) > 0  # the scenario exercises both


def test_export_carries_both_variants_in_csv_and_parquet():
    run = LiveRun(small(), compare=True)
    run.step(4)
    run.intervene("flatten_hierarchy")
    run.step(1)
    from_csv = pd.read_csv(io.BytesIO(run.export("csv")), comment="#")
    from_parquet = pd.read_parquet(io.BytesIO(run.export("parquet")))
    for frame in (from_csv, from_parquet):
        assert list(frame["variant"].unique()) == [STEERED, TWIN]
        assert len(frame) == 2 * 6 and frame.columns[0] == "variant"
    assert from_parquet["code_knowledge"].tolist() == pytest.approx(
        from_csv["code_knowledge"].tolist()
    )
    with pytest.raises(ValueError, match="allowed: csv, parquet"):
        run.export("xlsx")


def test_base_plus_tail_is_the_whole_history_at_every_step():
    run = LiveRun(small(turbulence_rate=0.0), compare=True)
    plot = charts.plots(run.model.n_levels)[0]
    for _ in range(2 * charts.REBASE + 3):
        run.step()
        runs = [(name, model.recorded()) for name, model in run.models()]
        upto = charts.rebase_point(len(runs[0][1]))
        base = charts.series_base(plot, runs, upto)
        tail = charts.series_tail(plot, runs, upto)
        whole = [s["data"] + t for s, t in zip(base["series"], tail, strict=True)]
        assert whole[0] == [[r["step"], r["code_knowledge"]] for r in runs[0][1]]
        assert len(tail[0]) <= charts.REBASE  # the wire carries a bounded tail
    assert len(base["series"]) == 2 * len(plot.series)  # steered and twin


def test_gaps_not_nan_reach_the_browser():
    rows = [{"step": 0, "x": float("nan")}, {"step": 1, "x": 0.5}]
    plot = charts.Plot("t", "t", (("x", "x"),))
    text = charts.as_json(charts.series_tail(plot, [(STEERED, rows)], 0))
    assert json.loads(text) == [[[0, None], [1, 0.5]]]


def test_network_patch_colours_every_member_and_sizes_by_level():
    run = LiveRun(small())
    run.step()
    for attribute in ("safety", "knowledge", "role", "level"):
        patch = charts.network_patch(run, STEERED, run.model, run.flash[STEERED], attribute)
        base = charts.network_base(run, attribute, "t")
        members = members_drawn(patch, base)
        values = np.array([m["value"][2] for m in members])
        assert len(members) == run.model.state.n
        assert [m["value"][:2] for m in members] == run.positions.tolist()
        expected = np.round(run.node_values(run.model, attribute), 3)
        assert values == pytest.approx(expected)
    sizes = np.array([m["symbolSize"] for m in members])
    top = int(np.argmax(run.model.state.level))
    assert sizes[top] == sizes.max() > sizes.min()
    charts.as_json(charts.network_base(run, "role", "t"))  # JSON-safe throughout


def test_scenario_interventions_are_marked_and_left_out_of_the_twin():
    """AutoCo's compare view: its step-100 reorganisation runs in the steered model only."""
    run = LiveRun(load_config("configs/autoco.toml", agent_sample_size=0), compare=True)
    assert [m.step for m in run.marks] == [0, 0]  # step 100's comes when it is reached
    run.step(120)
    steered, twin = run.model.model_frame(), run.twin.model_frame()
    assert run.twin.intervention_log == [] and (twin["interventions"] == "").all()
    assert steered.loc[100, "interventions"] == "reorganisation_shock"
    assert steered.loc[100, "departures"] > twin.loc[100, "departures"]
    assert not steered.loc[100:120, "mean_knowledge"].equals(twin.loc[100:120, "mean_knowledge"])
    (reorganised,) = [m for m in run.marks if m.step == 100]
    assert reorganised.text == "scenario: Reorganise (seniors who leave 0.7, from level 1)"


def test_repeated_clicks_at_one_step_are_one_mark_with_a_count():
    run = LiveRun(small())
    run.step(2)
    for _ in range(3):
        run.intervene("raise_safety", amount=0.2)
    run.intervene("raise_safety", amount=0.1)  # other amounts: another mark
    run.intervene("flatten_hierarchy")
    assert [m.text for m in run.marks] == [
        "Invite voice (safety +0.2) ×3",
        "Invite voice (safety +0.1)",
        "Flatten the hierarchy",
    ]
    assert [e["action"] for e in run.applied()].count("raise_safety") == 4  # all applied
    run.step()
    run.intervene("raise_safety", amount=0.2)  # a later step: a mark of its own
    assert [(m.step, m.count) for m in run.marks][-1] == (4, 1)


def test_an_intervention_at_equilibrium_runs_the_model_again():
    run = LiveRun(load_config("configs/march1991.toml", seed=2), compare=True)
    while run.running:
        run.step()
    settled = run.steps
    run.step()
    assert run.steps == settled  # at equilibrium: nothing steps
    run.intervene("reality_shock", share=0.5)
    assert run.running
    run.step()
    frame = run.model.model_frame()
    assert run.steps == settled + 1 and frame.loc[settled + 1, "interventions"] == "reality_shock"
    before, after = frame.loc[settled:, "code_knowledge"]
    assert after < before - 0.5  # the shock was applied: half of reality flipped


def live_session(config) -> LiveRun:
    """A run steered live: before the first step, twice at one step, several levers at one
    step (random draws among them), and after the scenario's own interventions."""
    run = LiveRun(config, compare=True)
    run.intervene("raise_safety", amount=0.1)
    run.intervene("raise_safety", amount=0.1)
    run.step(3)
    run.intervene("reality_shock", share=0.3)
    run.intervene("add_capacity_builders", share=0.2)
    run.step()
    run.intervene("reorganisation_shock", share=0.4)
    run.intervene("flatten_hierarchy")
    run.step(8)
    run.intervene("raise_safety", amount=0.2, level=0)
    run.intervene("set_integration", value=0.3)
    run.step(4)
    return run


def test_a_saved_session_reruns_exactly_as_a_scenario(tmp_path):
    """A lever pulled live between steps and the same lever scheduled in a file at that step
    give the same numbers, random draws included: every metric of every step."""
    config = load_config("configs/autoco.toml", n_agents=90, agent_sample_size=0)
    run = live_session(config.with_overrides(punitiveness=0.45))  # a slider moved too
    text = run.session()
    (tmp_path / "session.toml").write_text(text)
    saved = load_config(tmp_path / "session.toml")
    assert saved.steps == run.steps == 16 and saved.punitiveness == 0.45
    assert len(saved.interventions) == 2 + 8 + 1  # the scenario's two at step 0, eight live,
    assert saved.interventions[-1].step == 100  # and the reorganisation still to come
    assert text.count("[[interventions]]  # the participant's") == 8
    rerun = api.run(tmp_path / "session.toml")  # as `commsim run FILE` runs it
    live = run.model.model_frame()
    assert rerun.model.equals(live)
    assert live["interventions"].str.len().sum() > 0
    again = CommunityModel(saved)  # the model as ``commsim app --replay`` steps it
    for _ in range(run.steps):
        again.step()
    assert again.model_frame().equals(live)


def test_export_names_the_settings_and_the_interventions_with_their_amounts():
    run = LiveRun(small().with_overrides(punitiveness=0.7, seed=8))  # as a Reset with sliders
    run.step()
    run.intervene("raise_safety", amount=0.25)
    run.step()
    header = {
        "settings": {"seed": 8, "punitiveness": 0.7, "n_agents": 120},
        "interventions": [{"step": 2, "action": "raise_safety", "amount": 0.25}],
    }
    csv = run.export("csv").decode()
    lines = csv.splitlines()
    assert lines[0].startswith("# commsim settings: ") and lines[1].startswith("# commsim inter")
    settings = json.loads(lines[0].removeprefix("# commsim settings: "))
    assert settings.items() >= header["settings"].items()
    assert json.loads(lines[1].removeprefix("# commsim interventions: ")) == header["interventions"]
    frame = pd.read_parquet(io.BytesIO(run.export("parquet")))
    assert frame.attrs["commsim"]["interventions"] == header["interventions"]
    assert frame.attrs["commsim"]["settings"].items() >= header["settings"].items()
    import pyarrow.parquet as pq

    metadata = pq.read_schema(io.BytesIO(run.export("parquet"))).metadata
    assert json.loads(metadata[b"commsim.interventions"]) == header["interventions"]
    assert frame.loc[2, "intervention_args"] == 'raise_safety {"amount": 0.25, "level": null}'


def test_a_session_on_one_s_own_org_chart_names_its_file_and_reruns_beside_it(tmp_path):
    data = Path(__file__).resolve().parent / "data"
    run = LiveRun(load_config(data / "acme.toml"))
    run.step(3)
    run.intervene("flatten_hierarchy")
    run.step(2)
    text = run.session()
    assert 'org_chart = "acme.csv"' in text and '"Analyst" = "researcher"' in text
    shutil.copy(data / "acme.csv", tmp_path)
    (tmp_path / "session.toml").write_text(text)
    rerun = CommunityModel(load_config(tmp_path / "session.toml"))
    rerun.run()
    assert rerun.model_frame().equals(run.model.model_frame())
