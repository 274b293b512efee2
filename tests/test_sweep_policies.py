"""Policies x scenarios: the crossing under common random numbers, its analysis, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commsim import api
from commsim.config import ConfigError
from commsim.experiment.plan import basis_fields, plan_sweep
from commsim.experiment.policies import compare_policies, regret
from commsim.experiment.spec import load_experiment

from .conftest import CONFIGS
from .test_cli import assert_user_error, invoke

BASE = str(CONFIGS / "fragmented_bureaucracy.toml")
COACHES = [{"action": "add_capacity_builders", "step": 3, "share": 0.3}]
WALLS = [{"action": "set_integration", "step": 3, "value": 0.9}]


def experiment(**fields: object) -> dict[str, object]:
    small = {"n_agents": 30, "agent_sample_size": 0}
    return {
        "name": "p",
        "base": BASE,
        "steps": 12,
        "repetitions": 2,
        "seed": 5,
        "overrides": small,
        "parameters": {"initial_safety": [0.2, 0.7]},
        "record": {"every": "end", "insights": False},
    } | fields


POLICIES = {"none": [], "coaches": COACHES, "walls": WALLS, "both": COACHES + WALLS}


@pytest.mark.parametrize("crn", [False, True])
def test_every_policy_meets_every_scenario_with_the_same_seed(crn: bool) -> None:
    plan = plan_sweep(load_experiment(experiment(policies=POLICIES, common_random_numbers=crn)))
    table = plan.table()
    assert len(table) == 2 * 4 * 2 and table.run_id.is_unique
    assert list(table.columns[:6]) == ["run_id", "point", "repetition", "seed", "policy",
                                       "initial_safety"]  # fmt: skip
    seeds = table.groupby(["point", "repetition"]).seed.nunique()
    assert (seeds == 1).all()  # common random numbers across policies
    assert table.groupby("policy").seed.apply(tuple).nunique() == 1
    by_policy = {t.policy: t.config.interventions for t in plan.tasks if t.point == 0}
    assert by_policy["none"] == ()
    assert [i.action for i in by_policy["both"]] == ["add_capacity_builders", "set_integration"]


def test_the_none_policy_is_a_plain_sweep_run_for_run() -> None:
    plain = plan_sweep(load_experiment(experiment())).table()
    crossed = plan_sweep(load_experiment(experiment(policies=POLICIES))).table()
    none = crossed[crossed.policy == "none"].drop(columns="policy").reset_index(drop=True)
    pd.testing.assert_frame_equal(none, plain)


def test_policies_enter_the_basis_not_a_plain_sweeps() -> None:
    plain = plan_sweep(load_experiment(experiment()))
    assert "policies" not in basis_fields(plain.experiment)  # earlier sweeps' basis unchanged
    one = plan_sweep(load_experiment(experiment(policies={"none": [], "walls": WALLS})))
    later = [{**WALLS[0], "step": 4}]
    other = plan_sweep(load_experiment(experiment(policies={"none": [], "walls": later})))
    assert one.basis != other.basis and one.basis != plain.basis


@pytest.mark.parametrize(
    ("policies", "needles"),
    [
        ({"x": [{"action": "open_walls", "step": 3}]}, ["policy x", "unknown action"]),
        ({"x": [{"action": "set_integration", "step": 3, "value": 2}]}, ["policy x", "value"]),
        ({"x": [{"action": "set_integration", "step": 30, "value": 0.5}]}, ["policies.x.0.step"]),
        ({"none": [], "nothing": []}, ["none and nothing are both the base alone"]),
        ({"none": WALLS}, ["policies.none", "the base alone"]),
        ({"no good": []}, ["policies"]),
        ({"x": {"action": "set_integration"}}, ["policies.x"]),
    ],
)
def test_bad_policies_are_refused_in_one_line(policies: object, needles: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        load_experiment(experiment(policies=policies))
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


# --- the analysis, on a table made by hand --------------------------------------------------

HAND = pd.DataFrame(
    {"none": [0.2, 0.5, 0.9], "coaches": [0.4, 0.5, 0.6], "walls": [0.7, 0.1, 0.8]},
    index=pd.MultiIndex.from_tuples([(0, 0), (0, 1), (1, 0)], names=["point", "repetition"]),
)


def test_regret_and_threshold_shares_by_hand() -> None:
    table = compare_policies(HAND, "higher", threshold=0.5, above=True).set_index("policy")
    # best per scenario: 0.7 (walls), 0.5 (none and coaches), 0.9 (none)
    assert table.loc["none", "mean_regret"] == pytest.approx((0.5 + 0 + 0) / 3)
    assert table.loc["coaches", "mean_regret"] == pytest.approx((0.3 + 0 + 0.3) / 3)
    assert table.loc["walls", "mean_regret"] == pytest.approx((0 + 0.4 + 0.1) / 3)
    assert table["max_regret"].tolist() == pytest.approx([0.5, 0.3, 0.4])
    assert table["best_share"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    assert table["satisfied"].tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3])  # >= 0.5
    assert table.loc["walls", "mean"] == pytest.approx(1.6 / 3)
    half = 4.302652729911275 * HAND["walls"].std() / np.sqrt(3)  # t(0.975, 2)
    assert table.loc["walls", "ci_high"] - table.loc["walls", "mean"] == pytest.approx(half)
    assert table["n"].tolist() == [3, 3, 3]


def test_lower_is_better_and_below_a_threshold() -> None:
    table = compare_policies(HAND, "lower", threshold=0.4, above=False).set_index("policy")
    assert regret(HAND, "lower").loc[(0, 1)].tolist() == pytest.approx([0.4, 0.4, 0.0])
    assert table.loc["coaches", "max_regret"] == pytest.approx(0.4)
    assert table["satisfied"].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])  # <= 0.4
    with pytest.raises(ValueError, match="higher or lower"):
        compare_policies(HAND, "up")  # type: ignore[arg-type]


# --- real sweeps --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("policies")
    out = {"plain": root / "plain", "crossed": root / "crossed"}
    api.sweep(experiment(), out["plain"], workers=1)
    api.sweep(experiment(policies={"none": [], "walls": WALLS}), out["crossed"], workers=1)
    return out


def test_the_none_policys_runs_equal_a_plain_sweeps_numbers(sweeps: dict[str, Path]) -> None:
    plain = api.load_results(sweeps["plain"])
    crossed = api.load_results(sweeps["crossed"])
    none = crossed[crossed.policy == "none"].drop(columns="policy").reset_index(drop=True)
    pd.testing.assert_frame_equal(none, plain.reset_index(drop=True))
    walls = crossed[crossed.policy == "walls"]
    assert (walls.seed.to_numpy() == none.seed.to_numpy()).all()
    assert not np.allclose(walls.mean_knowledge, none.mean_knowledge)  # the lever did act


def test_a_plain_sweep_beside_a_policy_sweep_ran_the_none_policy(sweeps: dict[str, Path]) -> None:
    both = api.load_results([sweeps["plain"], sweeps["crossed"]])
    plain = both[both.sweep == both.sweep.cat.categories[0]]
    assert set(plain.policy) == {"none"} and set(both.policy) == {"none", "walls"}
    none = both[(both.sweep != plain.sweep.iloc[0]) & (both.policy == "none")]
    assert plain.code_knowledge.tolist() == none.code_knowledge.tolist()


def test_commsim_policies_prints_the_table_and_draws_the_figure(sweeps: dict[str, Path]) -> None:
    result = invoke("policies", sweeps["crossed"], "--metric", "code_knowledge",
                    "--threshold", "0.1", "--above", "--step", "end")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "mean_regret" in result.stdout and "satisfied" in result.stdout
    assert (sweeps["crossed"] / "figures" / "policies_code_knowledge.png").is_file()
    table = api.compare_policies(sweeps["crossed"], "code_knowledge", threshold=0.1)
    assert table.policy.tolist() == ["none", "walls"] and (table.n == 4).all()
    assert table.attrs["better"] == "higher"


def test_commsim_policies_refuses_a_bad_metric_or_a_plain_sweep(
    sweeps: dict[str, Path], tmp_path: Path
) -> None:
    before = sorted(p.name for p in sweeps["plain"].rglob("*"))
    assert_user_error(invoke("policies", sweeps["plain"]), "compares no policies")
    assert_user_error(
        invoke("policies", sweeps["crossed"], "--metric", "code_knowlege"),
        "unknown metric 'code_knowlege'",
        "code_knowledge",
    )
    assert sorted(p.name for p in sweeps["plain"].rglob("*")) == before
    # a sensitivity analysis would average the policies of a point together: refused
    assert_user_error(invoke("analyse", sweeps["crossed"]), "several policies")
    assert not (sweeps["plain"] / "figures").exists()


def test_a_resume_with_a_changed_policy_is_refused(sweeps: dict[str, Path]) -> None:
    later = [{**WALLS[0], "step": 4}]
    with pytest.raises(ValueError, match="policies"):
        api.sweep(experiment(policies={"none": [], "walls": later}), sweeps["crossed"], resume=True)
