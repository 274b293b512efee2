"""Linked parameters and tables of points: derived values computed right, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from commsim.config import ConfigError
from commsim.experiment.designs import design_points
from commsim.experiment.plan import Plan, plan_sweep, run_id
from commsim.experiment.spec import load_experiment

from .conftest import CONFIGS

BASE = str(CONFIGS / "fragmented_bureaucracy.toml")  # shares 0.75 / 0.2 / 0.05
SHARES = ["practitioner_share", "researcher_share", "capacity_builder_share"]


def experiment(**fields: object) -> dict[str, object]:
    return {"name": "t", "base": BASE, "overrides": {"n_agents": 40}} | fields


def plan(**fields: object) -> Plan:
    return plan_sweep(load_experiment(experiment(**fields)))


def shares(p: Plan) -> list[tuple[float, float, float]]:
    return [tuple(getattr(t.config, s) for s in SHARES) for t in p.tasks]  # type: ignore[misc]


def refused(spec: dict[str, object], *needles: str) -> str:
    with pytest.raises(ConfigError) as info:
        plan_sweep(load_experiment(spec))
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    return message


def test_without_a_link_a_single_share_cannot_be_swept() -> None:
    refused(experiment(parameters={"capacity_builder_share": [0.3]}), "must sum to 1")


def test_shares_not_swept_scale_in_proportion_to_the_base() -> None:
    p = plan(
        parameters={"capacity_builder_share": [0.05, 0.25, 0.6]},
        links={"roles": {"sum_to_one": SHARES}},
    )
    # the base's 0.75 : 0.2 keeps its ratio, filling what the coaches leave
    expected = [(0.75, 0.2, 0.05)] + [
        (0.75 * left / 0.95, 0.2 * left / 0.95, 1 - left) for left in (0.75, 0.4)
    ]
    for got, want in zip(shares(p), expected, strict=True):
        assert got == pytest.approx(want, abs=1e-9)
        assert sum(got) == pytest.approx(1.0, abs=1e-9)


def test_a_named_remainder_takes_what_the_others_leave() -> None:
    p = plan(
        parameters={"capacity_builder_share": [0.1, 0.3]},
        links={"roles": {"sum_to_one": SHARES, "remainder": "practitioner_share"}},
    )
    assert shares(p) == [pytest.approx((0.7, 0.2, 0.1)), pytest.approx((0.5, 0.2, 0.3))]


def test_a_share_that_would_go_negative_is_refused_naming_the_point() -> None:
    spec = experiment(
        parameters={"capacity_builder_share": [0.1, 0.9]},
        links={"roles": {"sum_to_one": SHARES, "remainder": "practitioner_share"}},
    )
    refused(spec, "point 1", "capacity_builder_share=0.9", "links.roles", "practitioner_share")


@pytest.mark.parametrize(
    ("links", "needle"),
    [
        ({"roles": {"sum_to_one": SHARES, "remainder": "capacity_builder_share"}}, "is swept"),
        ({"roles": {"sum_to_one": SHARES, "remainder": "nobody"}}, "not one of sum_to_one"),
        ({"roles": {"sum_to_one": ["capacity_builder_share"]}}, "links.roles.sum_to_one"),
        ({"roles": {"sum_to_one": [*SHARES, "no_such_share"]}}, "not a model parameter"),
        ({"roles": {"sum_to_one": SHARES, "remander": "x"}}, "unknown key 'remander'"),
        ({"roles": ["practitioner_share"]}, "expected a table"),
        ({"f": {"parameter": "capacity_builder_share", "same_as": "mentoring_rate"}}, "is swept"),
        ({"f": {"parameter": "mentoring_rate", "same_as": "mentoring_rate"}}, "tied to itself"),
        ({"f": {"parameter": "mentoring_rate", "same_as": "x", "scale": -1}}, "links.f.scale"),
        (
            {
                "roles": {"sum_to_one": SHARES},
                "f": {"parameter": "researcher_share", "same_as": "mentoring_rate"},
            },
            "also set by link 'roles'",
        ),
        (
            {
                "a": {"parameter": "mentoring_rate", "same_as": "socialisation_rate"},
                "b": {"parameter": "bridging", "same_as": "mentoring_rate"},
            },
            "itself tied by link 'a'",
        ),
    ],
)
def test_bad_links_are_refused_in_one_line(links: dict[str, object], needle: str) -> None:
    spec = experiment(parameters={"capacity_builder_share": [0.1]}, links=links)
    refused(spec, needle)


def test_every_share_swept_leaves_none_to_absorb() -> None:
    params = {s: [0.2] for s in SHARES}
    spec = experiment(parameters=params, links={"roles": {"sum_to_one": SHARES}})
    refused(spec, "every share is swept")


def test_a_tied_parameter_follows_its_source_times_scale() -> None:
    p = plan(
        parameters={"socialisation_rate": [0.1, 0.3]},
        links={
            "fast": {
                "parameter": "fast_socialisation_rate",
                "same_as": "socialisation_rate",
                "scale": 2.0,
            }
        },
    )
    assert [t.config.fast_socialisation_rate for t in p.tasks] == [0.2, 0.6]


def test_a_tie_to_a_derived_share_reads_the_derived_value() -> None:
    p = plan(
        parameters={"capacity_builder_share": [0.25]},
        links={
            "roles": {"sum_to_one": SHARES, "remainder": "practitioner_share"},
            "mentor": {"parameter": "mentoring_rate", "same_as": "practitioner_share"},
        },
    )
    assert p.tasks[0].config.mentoring_rate == pytest.approx(0.55)


def test_derived_values_do_not_enter_the_id_but_a_changed_link_changes_the_basis() -> None:
    proportional = plan(
        parameters={"capacity_builder_share": [0.25]}, links={"roles": {"sum_to_one": SHARES}}
    )
    remainder = plan(
        parameters={"capacity_builder_share": [0.25]},
        links={"roles": {"sum_to_one": SHARES, "remainder": "practitioner_share"}},
    )
    task = proportional.tasks[0]
    assert task.run_id == run_id({"capacity_builder_share": 0.25}, 0)
    assert task.run_id == remainder.tasks[0].run_id
    assert proportional.basis != remainder.basis  # so --resume refuses to mix the two rules
    plain = plan(parameters={"mentoring_rate": [0.1]})
    assert "links" not in plain.experiment.spec.model_dump(exclude_defaults=True)


# --- a table of points ------------------------------------------------------------------


def table_experiment(tmp_path: Path, csv: str, **fields: object) -> Path:
    (tmp_path / "points.csv").write_text(csv)
    lines = [
        'name = "table"',
        f'base = "{BASE}"',
        "repetitions = 2",
        "[overrides]",
        "n_agents = 40",
        "[design]",
        'kind = "table"',
        'table = "points.csv"',
    ]
    for key, value in fields.items():
        lines.insert(2, f"{key} = {value}")
    path = tmp_path / "exp.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_table_design_runs_its_rows_in_order(tmp_path: Path) -> None:
    csv = "initial_safety,span_of_control,voice\n0.2,3,true\n0.9,6,false\n0.5,3,true\n"
    loaded = load_experiment(table_experiment(tmp_path, csv))
    design = design_points(loaded)
    assert loaded.parameters == ["initial_safety", "span_of_control", "voice"]
    assert design.points == [
        {"initial_safety": 0.2, "span_of_control": 3, "voice": True},
        {"initial_safety": 0.9, "span_of_control": 6, "voice": False},
        {"initial_safety": 0.5, "span_of_control": 3, "voice": True},
    ]
    assert design.info["kind"] == "table" and len(design.info["sha256"]) == 64
    p = plan_sweep(loaded)
    assert len(p.tasks) == 6
    # ids are hashes of the values, as for any design: the same point in a grid has the same id
    assert p.tasks[0].run_id == run_id(design.points[0], 0)


def test_a_table_with_links_sweeps_shares(tmp_path: Path) -> None:
    csv = "capacity_builder_share,researcher_share\n0.3,0.1\n0.05,0.2\n"
    path = table_experiment(tmp_path, csv)
    path.write_text(
        path.read_text() + '[links.roles]\nsum_to_one = ["practitioner_share", "researcher_share", '
        '"capacity_builder_share"]\n'
    )
    assert shares(plan_sweep(load_experiment(path)))[::2] == [
        pytest.approx((0.6, 0.1, 0.3)),
        pytest.approx((0.75, 0.2, 0.05)),
    ]


@pytest.mark.parametrize(
    ("csv", "needles"),
    [
        ("", ["points.csv", "empty"]),
        ("initial_safety\n", ["points.csv", "no rows"]),
        ("initial_safty\n0.2\n", ["points.csv", "line 1", "'initial_safty'", "initial_safety"]),
        ("initial_safety,initial_safety\n0.2,0.3\n", ["line 1", "named twice"]),
        ("seed\n3\n", ["column 'seed'", "set by the experiment"]),
        ("n_agents\n30\n", ["column 'n_agents'", "[overrides]"]),
        ("initial_safety,voice\n0.2,true\n0.3\n", ["points.csv: line 3", "1 values for 2"]),
        ("initial_safety,voice\n0.2,true\n,false\n", ["line 3, column 'initial_safety'", "empty"]),
        ("initial_safety\n0.2\n1.5\n", ["points.csv: line 3", "field 'initial_safety'"]),
        ("initial_safety\n0.2\nhigh\n", ["points.csv: line 3", "field 'initial_safety'"]),
    ],
)
def test_bad_tables_are_refused_naming_file_line_and_column(
    tmp_path: Path, csv: str, needles: list[str]
) -> None:
    refused_path(table_experiment(tmp_path, csv), *needles)


def refused_path(path: Path, *needles: str) -> None:
    with pytest.raises(ConfigError) as info:
        plan_sweep(load_experiment(path))
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


def test_a_table_design_refuses_parameters_and_a_missing_file(tmp_path: Path) -> None:
    path = table_experiment(tmp_path, "initial_safety\n0.2\n")
    path.write_text(path.read_text() + "[parameters]\nmentoring_rate = [0.1]\n")
    refused_path(path, "exp.toml", "leave [parameters] out")
    (tmp_path / "points.csv").unlink()
    path.write_text(path.read_text().split("[parameters]")[0])
    refused_path(path, "field 'design.table'", "no such file")
    spec = experiment(design={"kind": "table"})
    refused(spec, "field 'design'", "names its CSV file")


def test_figures_do_not_call_a_linked_share_fixed() -> None:
    from commsim import api

    shares = {"practitioner_share": 0.5, "researcher_share": 0.4, "capacity_builder_share": 0.1}
    manifest = {"parameters": ["capacity_builder_share"], "base_config": shares}
    assert "practitioner share 0.5" in api._about(manifest).fixed
    manifest["basis_fields"] = {"links": {"r": {"sum_to_one": SHARES, "remainder": None}}}
    assert not [s for s in api._about(manifest).fixed if "share" in s]


def test_a_resume_under_a_changed_link_is_refused_naming_it(tmp_path: Path) -> None:
    from commsim import api

    spec = experiment(
        steps=5,
        parameters={"capacity_builder_share": [0.25]},
        links={"roles": {"sum_to_one": SHARES}},
        record={"every": "end", "insights": False},
    )
    api.sweep(spec, tmp_path / "out", workers=1)
    api.sweep(spec, tmp_path / "out", workers=1, resume=True)  # the same links: fine
    changed = {**spec, "links": {"roles": {"sum_to_one": SHARES, "remainder": "researcher_share"}}}
    with pytest.raises(ValueError, match="links"):
        api.sweep(changed, tmp_path / "out", workers=1, resume=True)


def test_commsim_sweep_refuses_a_bad_table_and_writes_nothing(tmp_path: Path) -> None:
    from .test_cli import assert_user_error, invoke

    path = table_experiment(tmp_path, "initial_safety\n0.2\n7\n")
    out = tmp_path / "out"
    assert_user_error(invoke("sweep", path, "--out", out), "points.csv: line 3")
    assert not out.exists()
