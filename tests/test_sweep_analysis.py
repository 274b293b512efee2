"""The sweep analysis layer on small synthetic sweeps whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats

from commsim.experiment.figures import (
    DPI,
    HEATMAP_IN,
    PANEL_IN,
    About,
    levels,
    sweep_figure_set,
    sweep_figures,
)
from commsim.experiment.sensitivity import sensitivity
from commsim.experiment.summary import final_rows, run_values, summarise

ALPHAS = (0.2, 0.8)
MODES = ("a", "b", "c")
MODE_EFFECT = {"a": 0.0, "b": 0.1, "c": 0.3}
REPS = 5
LAST = 10


def _factorial_frame(every: int = 1) -> pd.DataFrame:
    """2 × 3 grid, 5 repetitions; repetition r stops at step LAST - r (a stop condition)."""
    rng = np.random.default_rng(42)
    rows = []
    for point, (alpha, mode) in enumerate((a, m) for a in ALPHAS for m in MODES):
        for rep in range(REPS):
            for step in range(0, LAST - rep + 1):
                if step % every and step != LAST - rep:
                    continue
                rows.append(
                    {
                        "run_id": f"p{point}-r{rep}",
                        "point": point,
                        "repetition": rep,
                        "seed": 100 + rep,
                        "alpha": alpha,
                        "mode": mode,
                        "step": step,
                        "code_knowledge": alpha * step / LAST
                        + MODE_EFFECT[mode]
                        + rng.normal(0, 0.05),
                        "insights_codified": int(rng.integers(0, 4)) if step else 0,
                        "interventions": "",
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _factorial_frame()


# --- summary --------------------------------------------------------------------------------


def test_final_rows_take_each_runs_own_last_step(frame: pd.DataFrame) -> None:
    last = final_rows(frame)
    assert len(last) == 6 * REPS
    assert (last["step"] == LAST - last["repetition"]).all()
    expected = frame.sort_values("step").groupby("run_id").tail(1).set_index("run_id")
    got = last.set_index("run_id")["code_knowledge"]
    pd.testing.assert_series_equal(got.sort_index(), expected["code_knowledge"].sort_index())


def test_summary_mean_sd_ci_match_hand_computation(frame: pd.DataFrame) -> None:
    table = summarise(frame, ["alpha", "mode"], ["code_knowledge"])
    assert list(table.columns) == [
        "alpha",
        "mode",
        "metric",
        "statistic",
        "unit",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
    ]
    assert len(table) == 6
    assert (table["statistic"] == "final").all()
    for alpha in ALPHAS:
        for mode in MODES:
            runs = frame[(frame["alpha"] == alpha) & (frame["mode"] == mode)]
            values = np.array(
                [g.loc[g["step"].idxmax(), "code_knowledge"] for _, g in runs.groupby("run_id")]
            )
            mean, sd = values.mean(), values.std(ddof=1)
            half = stats.t.ppf(0.975, REPS - 1) * sd / np.sqrt(REPS)
            row = table[(table["alpha"] == alpha) & (table["mode"] == mode)].iloc[0]
            assert row["n"] == REPS
            assert row["mean"] == pytest.approx(mean, rel=1e-12)
            assert row["sd"] == pytest.approx(sd, rel=1e-12)
            # code knowledge lives in [-1, 1]: the interval stops there
            assert row["ci_low"] == pytest.approx(max(mean - half, -1.0), rel=1e-12)
            assert row["ci_high"] == pytest.approx(min(mean + half, 1.0), rel=1e-12)


def test_auto_totals_counters_and_takes_final_state(frame: pd.DataFrame) -> None:
    table = summarise(frame, ["alpha", "mode"], ["code_knowledge", "insights_codified"])
    stat = dict(zip(table["metric"], table["statistic"], strict=False))
    assert stat == {"code_knowledge": "final", "insights_codified": "total"}
    totals = frame.groupby("run_id")["insights_codified"].sum()
    values = run_values(frame, ["alpha", "mode"], ["insights_codified"]).set_index("run_id")
    pd.testing.assert_series_equal(
        values["insights_codified"].sort_index(), totals.sort_index(), check_dtype=False
    )
    first = table[(table["metric"] == "insights_codified")].iloc[0]
    runs = frame[(frame["alpha"] == first["alpha"]) & (frame["mode"] == first["mode"])]
    assert first["mean"] == pytest.approx(runs.groupby("run_id")["insights_codified"].sum().mean())


def test_explicit_statistics_final_and_mean(frame: pd.DataFrame) -> None:
    final = run_values(frame, ["alpha"], ["insights_codified"], statistic="final")
    last = final_rows(frame).set_index("run_id")["insights_codified"]
    assert final.set_index("run_id")["insights_codified"].sort_index().tolist() == (
        last.sort_index().tolist()
    )
    table = summarise(frame, ["alpha"], ["code_knowledge"], statistic="mean")
    assert (table["statistic"] == "mean").all()
    runs = frame[frame["alpha"] == ALPHAS[1]]
    expected = runs.groupby("run_id")["code_knowledge"].mean().mean()
    assert table.loc[table["alpha"] == ALPHAS[1], "mean"].item() == pytest.approx(expected)


def test_step_takes_that_step_and_early_stoppers_rest_at_their_end(frame: pd.DataFrame) -> None:
    values = run_values(frame, ["alpha", "mode"], ["code_knowledge"], step=8).set_index("run_id")
    for run_id, g in frame.groupby("run_id"):
        at = g[g["step"] <= 8].sort_values("step").iloc[-1]
        assert values.loc[run_id, "code_knowledge"] == at["code_knowledge"]
    # repetitions 3 and 4 stopped at steps 7 and 6: they rest there
    assert set(final_rows(frame[frame["step"] <= 8]).groupby("repetition")["step"].max()) == {
        8,
        7,
        6,
    }


def test_unknown_names_and_steps_are_one_clear_line(frame: pd.DataFrame) -> None:
    with pytest.raises(
        ValueError, match=r"unknown metric 'code_knowlege'; did you mean 'code_knowledge'\?"
    ):
        summarise(frame, ["alpha"], ["code_knowlege"])
    with pytest.raises(ValueError, match=r"unknown parameter 'alfa'; did you mean 'alpha'\?"):
        summarise(frame, ["alfa"])
    with pytest.raises(ValueError, match="step 55 was not recorded"):
        summarise(frame, ["alpha"], step=55)
    with pytest.raises(ValueError, match="unknown statistic 'median'"):
        summarise(frame, ["alpha"], statistic="median")  # type: ignore[arg-type]


def test_default_metrics_are_the_numeric_columns_and_single_runs_have_no_spread(
    frame: pd.DataFrame,
) -> None:
    one = frame[frame["repetition"] == 0]
    table = summarise(one, ["alpha", "mode"])
    assert list(pd.unique(table["metric"])) == ["code_knowledge", "insights_codified"]
    assert (table["n"] == 1).all()
    assert table[["sd", "ci_low", "ci_high"]].isna().all().all()


# --- sensitivity ----------------------------------------------------------------------------

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}


def _problem() -> dict:
    """A fresh copy: SALib's samplers add keys to the dictionary they are given."""
    return {
        key: list(value) if isinstance(value, list) else value for key, value in PROBLEM.items()
    }


def _sampled_frame(matrix: np.ndarray, reps: int, noise: float, seed: int = 3) -> pd.DataFrame:
    """Y = 4·x1 + x2 + 0·x3 (+ noise) at the last step of each run; rows shuffled."""
    rng = np.random.default_rng(seed)
    point = np.repeat(np.arange(len(matrix)), reps)
    x = matrix[point]
    y = 4 * x[:, 0] + x[:, 1] + rng.normal(0, noise, point.size)
    frame = pd.DataFrame(
        {
            "run_id": [
                f"p{p}-r{r}"
                for p, r in zip(point, np.tile(np.arange(reps), len(matrix)), strict=True)
            ],
            "point": point,
            "repetition": np.tile(np.arange(reps), len(matrix)),
            "seed": np.arange(point.size),
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "step": 50,
            "code_knowledge": y,
        }
    )
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="module")
def sobol_design() -> tuple[pd.DataFrame, dict]:
    matrix = sobol_sample.sample(_problem(), 256, calc_second_order=False, seed=7)
    design = {"kind": "sobol", "samples": 256, "second_order": False, "problem": PROBLEM}
    return _sampled_frame(matrix, reps=2, noise=0.01), design


def test_sobol_ranks_an_additive_function(sobol_design: tuple[pd.DataFrame, dict]) -> None:
    frame, design = sobol_design
    table = sensitivity(frame, design, "code_knowledge").set_index("parameter")
    assert list(table.columns) == ["metric", "statistic", "S1", "S1_conf", "ST", "ST_conf"]
    assert table.loc["x1", "S1"] > table.loc["x2", "S1"] > table.loc["x3", "S1"]
    assert table.loc["x1", "ST"] > table.loc["x2", "ST"] > table.loc["x3", "ST"]
    # variances 16/12 and 1/12: S1 = 16/17 and 1/17
    assert table.loc["x1", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert table.loc["x2", "S1"] == pytest.approx(1 / 17, abs=0.02)
    assert abs(table.loc["x3", "ST"]) < 0.01
    again = sensitivity(frame, design, "code_knowledge").set_index("parameter")
    pd.testing.assert_frame_equal(table, again)  # seeded bootstrap, even with seed=0


def test_sobol_second_order_is_kept() -> None:
    matrix = sobol_sample.sample(_problem(), 64, calc_second_order=True, seed=7)
    design = {"kind": "sobol", "samples": 64, "second_order": True, "problem": PROBLEM}
    table = sensitivity(_sampled_frame(matrix, reps=1, noise=0.0), design, "code_knowledge")
    assert table.attrs["S2"].shape == (3, 3)
    assert abs(table.attrs["S2"].loc["x1", "x2"]) < 0.1  # additive: no interaction


def test_morris_ranks_an_additive_function() -> None:
    matrix = morris_sample.sample(_problem(), 20, num_levels=4, seed=5)
    design = {"kind": "morris", "samples": 20, "levels": 4, "problem": PROBLEM}
    frame = _sampled_frame(matrix, reps=2, noise=0.0)
    table = sensitivity(frame, design, "code_knowledge").set_index("parameter")
    assert list(table.columns) == ["metric", "statistic", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert table.loc["x1", "mu_star"] > table.loc["x2", "mu_star"] > table.loc["x3", "mu_star"]
    # a linear function: every elementary effect is its coefficient
    assert table["mu_star"].tolist() == pytest.approx([4.0, 1.0, 0.0], abs=1e-9)
    assert table["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_morris_refuses_trajectories_collapsed_by_rounding() -> None:
    matrix = morris_sample.sample(_problem(), 10, num_levels=4, seed=5)
    design = {"kind": "morris", "samples": 10, "levels": 4, "problem": PROBLEM}
    frame = _sampled_frame(matrix, reps=1, noise=0.0)
    exact = sensitivity(frame, design | {"matrix": matrix.tolist()}, "code_knowledge")
    assert exact["mu_star"].tolist() == pytest.approx([4.0, 1.0, 0.0], abs=1e-9)
    frame["x3"] = (frame["x3"] > 0.9).astype(float)  # levels 0, 1/3, 2/3, 1 → 0, 0, 0, 1
    with pytest.raises(ValueError, match="do not form Morris trajectories"):
        sensitivity(frame, design, "code_knowledge")


def test_sensitivity_refuses_missing_points_other_designs_and_unknown_metrics(
    sobol_design: tuple[pd.DataFrame, dict], frame: pd.DataFrame
) -> None:
    sampled, design = sobol_design
    holes = sampled[~sampled["point"].isin([7, 300])]
    with pytest.raises(
        ValueError, match=r"2 of 1280 design points have no finished run \(points 7, 300\)"
    ):
        sensitivity(holes, design, "code_knowledge")
    with pytest.raises(ValueError, match="need a sobol or morris design; this sweep is factorial"):
        sensitivity(frame, {"kind": "factorial"}, "code_knowledge")
    with pytest.raises(ValueError, match="did you mean 'code_knowledge'"):
        sensitivity(sampled, design, "code_knowledg")
    flat = sampled.assign(code_knowledge=1.0)
    with pytest.raises(ValueError, match="does not vary"):
        sensitivity(flat, design, "code_knowledge")


# --- figures --------------------------------------------------------------------------------


def test_figures_for_a_two_parameter_grid(frame: pd.DataFrame, tmp_path) -> None:
    metrics = ["code_knowledge", "insights_codified"]
    paths = sweep_figures(frame, ["alpha", "mode"], tmp_path / "a", metrics=metrics)
    names = sorted(p.name for p in paths)
    assert names == sorted(
        f"{kind}_{m}.{ext}"
        for kind in ("over_time", "heatmap")
        for m in metrics
        for ext in ("png", "svg")
    )
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    over = imread(tmp_path / "a" / "over_time_code_knowledge.png")
    assert over.shape == (round(PANEL_IN[1] * DPI), round(2 * PANEL_IN[0] * DPI), 4)
    heat = imread(tmp_path / "a" / "heatmap_code_knowledge.png")
    assert heat.shape == (round(HEATMAP_IN[1] * DPI), round(HEATMAP_IN[0] * DPI), 4)
    svg = (tmp_path / "a" / "heatmap_code_knowledge.svg").read_text()
    assert "code knowledge" in svg or "<path" in svg
    again = sweep_figures(frame, ["alpha", "mode"], tmp_path / "b", metrics=metrics)
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_default_figures_are_the_headline_metrics_present(frame: pd.DataFrame, tmp_path) -> None:
    paths = sweep_figures(frame, ["alpha"], tmp_path)
    assert sorted(p.name for p in paths) == [
        "over_time_code_knowledge.png",
        "over_time_code_knowledge.svg",
        "over_time_insights_codified.png",
        "over_time_insights_codified.svg",
    ]  # one parameter: no heatmap


def test_sampled_and_final_only_sweeps_get_no_heatmap(
    sobol_design: tuple[pd.DataFrame, dict], tmp_path
) -> None:
    sampled, design = sobol_design
    assert levels(sampled["x1"]).nunique() == 4  # quantile bins, not 1280 lines
    two = sampled.drop(columns="x3")
    paths = sweep_figures(two, ["x1", "x2"], tmp_path, metrics=["code_knowledge"])
    assert [p.name for p in paths] == ["final_code_knowledge.png", "final_code_knowledge.svg"]
    image = imread(paths[0])
    assert image.shape == (round(PANEL_IN[1] * DPI), round(2 * PANEL_IN[0] * DPI), 4)
    grid = final_rows(_factorial_frame())
    named = sweep_figures(grid, ["alpha", "mode"], tmp_path / "f", ["code_knowledge"], design)
    assert not any(p.name.startswith("heatmap") for p in named)  # the design says: sampled
    assert any(
        p.name.startswith("heatmap")
        for p in sweep_figures(
            grid, ["alpha", "mode"], tmp_path / "g", ["code_knowledge"], {"kind": "factorial"}
        )
    )


def test_one_panel_titles_are_whole_and_name_the_experiment(frame: pd.DataFrame) -> None:
    about = About(name="a_workshop_experiment_with_a_long_name", fixed=("n agents 40",))
    drawn = sweep_figure_set(frame, ["alpha"], ["insights_codified"], about=about)
    fig, _ = drawn[0]
    FigureCanvasAgg(fig).draw()
    title = fig.get_suptitle()
    assert title.replace("\n", " ") == (
        "a_workshop_experiment_with_a_long_name: insights codified per step over time"
    )
    box, page = fig._suptitle.get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1  # nothing cut at either end


def test_end_only_counters_are_run_totals_and_few_runs_get_no_band(frame: pd.DataFrame) -> None:
    few = frame[(frame["repetition"] == 0) & frame["mode"].isin(["a", "b"])]  # 2 runs per alpha
    last = final_rows(few)
    fig, stem = sweep_figure_set(last, ["alpha"], ["insights_codified"])[0]
    assert stem == "final_insights_codified"
    assert "run total" in fig.get_suptitle() and "per step" not in fig.get_suptitle()
    assert fig.axes[0].get_ylabel() == "insights codified [insights, run total]"
    assert "no 95% interval drawn" in fig.get_supxlabel()
    over, _ = sweep_figure_set(few, ["alpha"], ["code_knowledge"])[0]
    assert over.axes[0].collections  # a band per line was asked for, and none has an area
    assert all(not c.get_paths() for c in over.axes[0].collections)


def test_over_time_counters_are_rates_per_step() -> None:
    sparse = _factorial_frame(every=5)
    fig, _ = sweep_figure_set(sparse, ["alpha"], ["insights_codified"])[0]
    line = fig.axes[0].lines[0]
    runs = sparse[sparse["alpha"] == ALPHAS[0]]
    at5 = runs[runs["step"] == 5]["insights_codified"].mean() / 5
    assert dict(zip(line.get_xdata(), line.get_ydata(), strict=True))[5] == pytest.approx(at5)


def test_small_sample_warning_for_sobol_and_morris(
    sobol_design: tuple[pd.DataFrame, dict],
) -> None:
    frame, design = sobol_design
    assert "warning" not in sensitivity(frame, design, "code_knowledge").attrs
    matrix = sobol_sample.sample(_problem(), 4, calc_second_order=False, seed=7)
    tiny = {"kind": "sobol", "samples": 4, "second_order": False, "problem": PROBLEM}
    noisy = _sampled_frame(matrix, reps=1, noise=2.0)
    warning = sensitivity(noisy, tiny, "code_knowledge").attrs["warning"]
    assert warning.startswith("the Sobol sample is too small") and "4 base samples" in warning
    morris = morris_sample.sample(_problem(), 4, num_levels=4, seed=5)
    design = {"kind": "morris", "samples": 4, "levels": 4, "problem": PROBLEM}
    exact = sensitivity(_sampled_frame(morris, reps=1, noise=0.0), design, "code_knowledge")
    assert "warning" not in exact.attrs  # every elementary effect the same: nothing to doubt
    rough = sensitivity(_sampled_frame(morris, reps=1, noise=3.0), design, "code_knowledge")
    assert "4 trajectories" in rough.attrs["warning"]


def test_mean_of_a_counter_is_per_step_whatever_the_recording() -> None:
    sparse = _factorial_frame(every=5)
    values = run_values(sparse, ["alpha"], ["insights_codified"], statistic="mean")
    per_run = sparse.groupby("run_id").agg(total=("insights_codified", "sum"), last=("step", "max"))
    expected = per_run["total"] / per_run["last"]
    got = values.set_index("run_id")["insights_codified"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
