"""commsim calibrate: target files checked as data, ABC-SMC through the sweep backends,
reproducible from the seed, resumable, and a posterior that finds known parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from commsim import api
from commsim.cli import app
from commsim.experiment.calibrate import load_target
from commsim.model import CommunityModel

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "configs" / "default.toml"
STUDY = ROOT / "configs" / "experiments" / "calibrate_synthetic.toml"

# One parameter, one observation: mean safety at the end of a small organisation's 30 steps,
# observed at punitiveness 0.8 (mean of 8 runs: 0.243). Fast enough for every test run.
TINY = f"""
name = "tiny"
base = "{BASE}"
steps = 30
seed = 3
[overrides]
n_agents = 30
[[observed]]
metric = "mean_safety"
at = "end"
value = 0.243
sd = 0.04
[prior]
punitiveness = {{ distribution = "uniform", low = 0.0, high = 1.0 }}
[truth]
punitiveness = 0.8
[abc]
population = 12
generations = 2
predictive = 6
"""


def _write(tmp_path: Path, text: str, name: str = "target.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _bad(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


BAD = [
    ("unknown field", ("seed = 3", "seeds = 3"), "unknown field 'seeds'; did you mean 'seed'?"),
    ("sd zero", ("sd = 0.04", "sd = 0"), "field 'observed.0.sd'"),
    ("no metric", ('metric = "mean_safety"', 'metric = "mean_safty"'), "did you mean"),
    ("total of a state", ('at = "end"', 'at = "total"'), "field 'observed.0.at'"),
    ("bad at", ('at = "end"', 'at = "start"'), "field 'observed.0.at'"),
    ("step too late", ('at = "end"', "at = 99"), "after the last step"),
    ("prior name", ("punitiveness = {{", "punitivness = {{"), "field 'prior.punitivness'"),
    ("prior seed", ("punitiveness = {{", "seed = {{"), "cannot be calibrated"),
    ("prior shape", ("low = 0.0, high = 1.0", "low = 1.0, high = 0.5"), "field 'prior"),
    (  # a probability's prior past 1: a prior other than the one written, refused
        "prior beyond the range",
        ("low = 0.0, high = 1.0", "low = 0.0, high = 1.5"),
        "field 'prior.punitiveness': high = 1.5 is not a value punitiveness takes",
    ),
    ("truth not in prior", ("punitiveness = 0.8", "initial_safety = 0.8"), "field 'truth."),
    ("truth invalid", ("punitiveness = 0.8", "punitiveness = 1.8"), "field 'truth.punitiveness"),
    ("no observed", ("[[observed]]", "[[observd]]"), "field 'observed': Field required"),
    ("population", ("population = 12", "population = 1"), "field 'abc.population'"),
    ("base", (f'base = "{BASE}"', 'base = "nowhere.toml"'), "field 'base'"),
    ("prior and override", ("n_agents = 30", "n_agents = 30\npunitiveness = 0.1"), "overrides."),
]


@pytest.mark.parametrize(("what", "change", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_target_file_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, what: str, change: tuple[str, str], message: str
) -> None:
    text = _bad(TINY.replace("{{", "{").replace("}}", "}"), *[c.replace("{{", "{") for c in change])
    target = _write(tmp_path, text)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", str(target), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {target}"), lines[0]
    assert message in lines[0], lines[0]
    assert not out.exists()


def test_a_folder_it_did_not_write_is_refused(tmp_path: Path) -> None:
    target = _write(tmp_path, TINY)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["calibrate", str(target), "--out", str(out)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    again = CliRunner().invoke(app, ["calibrate", str(target), "--out", str(out), "--resume"])
    assert again.exit_code == 2 and "no calibration to continue" in again.stderr


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BASE, "a scenario file, not a calibration target"),
        (ROOT / "configs" / "experiments" / "smoke.toml", "run it with `commsim sweep`"),
    ],
)
def test_a_scenario_or_experiment_file_is_named_for_what_it_is(
    tmp_path: Path, path: Path, message: str
) -> None:
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "o").exists()


def test_the_study_target_loads() -> None:
    loaded = load_target(STUDY)
    assert loaded.parameters == ["initial_safety", "punitiveness"]
    assert len(loaded.labels) == 4


def test_cli_calibrates_and_the_posterior_moves_toward_the_truth(tmp_path: Path) -> None:
    """A tiny run (2 generations of 12): the machinery end to end, and a posterior narrower
    than the prior (sd 0.29) centred nearer the truth (0.8) than the prior's mean (0.5)."""
    target = _write(tmp_path, TINY)
    out = tmp_path / "cal"
    args = ["calibrate", str(target), "--out", str(out), "--workers", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for name in [
        "posterior.csv",
        "particles.parquet",
        "generations.csv",
        "predictive.csv",
        "abc.db",
        "manifest.json",
        "target.toml",
    ]:
        assert (out / name).is_file(), name
    for stem in ["posterior_marginals", "posterior_pairs", "predictive_check"]:
        assert (out / "figures" / f"{stem}.png").is_file()
    post = pd.read_csv(out / "posterior.csv").set_index("parameter").loc["punitiveness"]
    assert post["sd"] < 0.2
    assert abs(post["mean"] - 0.8) < 0.2
    particles = pd.read_parquet(out / "particles.parquet")
    assert len(particles) == 12 and particles["weight"].sum() == pytest.approx(1.0)
    check = pd.read_csv(out / "predictive.csv")
    assert list(check["observed"]) == ["mean_safety@end"]


def test_a_failing_run_stops_with_one_line_and_the_folder_says_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: CommunityModel, *args: object, **kwargs: object) -> None:
        raise FloatingPointError("a phase divided by zero")

    monkeypatch.setattr(CommunityModel, "run", broken)  # the serial backend runs in-process
    out = tmp_path / "cal"
    args = ["calibrate", str(_write(tmp_path, TINY)), "--out", str(out), "--workers", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "a phase divided by zero" in result.stderr and "--resume" in result.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "stopped"


def test_same_seed_same_posterior_whatever_ran_it(tmp_path: Path) -> None:
    """The seed fixes pyabc's proposals and every run's seed: one process and a pool of two
    give the same particles, bit for bit; another seed gives others."""
    target = _write(tmp_path, TINY)
    serial = api.calibrate(target, tmp_path / "a", workers=1)
    pooled = api.calibrate(target, tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(serial.particles, pooled.particles)
    assert (tmp_path / "a" / "posterior.csv").read_bytes() == (
        tmp_path / "b" / "posterior.csv"
    ).read_bytes()
    other = _write(tmp_path, TINY.replace("seed = 3", "seed = 4"), "other.toml")
    moved = api.calibrate(other, tmp_path / "c", workers=1)
    assert not moved.particles.equals(serial.particles)


def test_a_stopped_calibration_resumes_to_the_same_posterior(tmp_path: Path) -> None:
    target = _write(tmp_path, TINY)
    whole = api.calibrate(target, tmp_path / "whole", workers=1)

    def stop_after_first(line: str) -> None:
        if line.startswith("generation 0"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.calibrate(target, tmp_path / "cut", workers=1, progress=stop_after_first)
    stopped = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert stopped["status"] == "stopped"
    other = _write(tmp_path, TINY.replace("sd = 0.04", "sd = 0.05"), "other.toml")
    refused = CliRunner().invoke(
        app, ["calibrate", str(other), "--out", str(tmp_path / "cut"), "--resume"]
    )
    assert refused.exit_code == 2 and "another target file" in refused.stderr
    resumed = api.calibrate(target, tmp_path / "cut", workers=1, resume=True)
    pd.testing.assert_frame_equal(whole.particles, resumed.particles)


@pytest.mark.slow
def test_the_synthetic_study_recovers_its_parameters(tmp_path: Path) -> None:
    """The worked study at --quick: each 95% posterior interval covers the value the data
    were generated with (initial_safety 0.35, punitiveness 0.6)."""
    result = api.calibrate(STUDY, tmp_path / "study", quick=True)
    summary = result.summary.set_index("parameter")
    assert summary["covered"].all(), summary
    assert (summary["q97.5"] - summary["q2.5"]).max() < 0.6  # narrower than the priors
    assert result.predictive["inside"].all()


def test_a_dask_cluster_gives_the_same_posterior(tmp_path: Path) -> None:
    """The simulations go where a sweep's go: on a real scheduler and two workers, the same
    particles as in one process."""
    from .test_sweep_dask import Cluster

    target = _write(tmp_path, TINY)
    cluster = Cluster(tmp_path, workers=2, nanny=True)
    try:
        dask = api.calibrate(target, tmp_path / "dask", scheduler=cluster.address)
    finally:
        cluster.close()
    serial = api.calibrate(target, tmp_path / "serial", workers=1)
    pd.testing.assert_frame_equal(serial.particles, dask.particles)
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["backend"]["kind"] == "dask" and manifest["status"] == "done"


def test_each_kind_of_observation_reads_the_run_as_documented() -> None:
    """A step (or the last state before it, for a run stopped at equilibrium), the end, the
    mean over the run, a run total, and a share of two totals (0 when nothing happened)."""
    from commsim.experiment.calibrate import Observed, rms_z, summarise_run

    frame = pd.DataFrame(
        {
            "step": [0, 1, 2, 3],
            "mean_safety": [0.2, 0.4, 0.6, 0.8],
            "insights_suppressed": [0, 1, 2, 3],
            "insights_generated": [1, 2, 3, 4],
            "departures": [0, 0, 0, 0],
        }
    )

    def obs(**kw: object) -> Observed:
        return Observed(value=0.0, sd=1.0, **kw)  # type: ignore[arg-type]

    got = summarise_run(
        frame,
        [
            obs(metric="mean_safety", at=1),
            obs(metric="mean_safety", at="end"),
            obs(metric="mean_safety", at="mean"),
            obs(metric="insights_suppressed", at="total"),
            obs(metric="insights_suppressed", at="total", per="insights_generated"),
            obs(metric="insights_suppressed", at="total", per="departures"),
        ],
    )
    assert got == pytest.approx(
        {
            "mean_safety@1": 0.4,
            "mean_safety@end": 0.8,
            "mean_safety@mean": 0.5,
            "insights_suppressed@total": 6,
            "insights_suppressed/insights_generated@total": 0.6,
            "insights_suppressed/departures@total": 0.0,
        }
    )
    stopped = summarise_run(frame.iloc[:2], [obs(metric="mean_safety", at=3)])
    assert stopped == {"mean_safety@3": 0.4}
    distance = rms_z({"a": 0.1, "b": 0.2})
    assert distance({"a": 0.3, "b": 0.2}, {"a": 0.1, "b": 0.6}) == pytest.approx(2.0)
