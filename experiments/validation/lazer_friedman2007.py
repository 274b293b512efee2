"""Lazer & Friedman (2007) validated: the network structure of exploration and exploitation.

Their model in commsim (configs/lazer_friedman2007.toml): 100 agents on NK landscapes with
N = 20, K = 5, score = (fitness / maximum) ** 8; each round an agent copies its best-scoring
neighbour if that one does better (``peer_learning = "best_neighbour"``), else tries one
changed bit and keeps it if it scores better. Two sweeps of configs/experiments/validation/,
common random numbers (each repetition: one landscape, one set of starting solutions, met by
every condition), runs stopping once nothing can change (the score is then carried forward):

- lazer_friedman2007: average score over time on the linear, small-world, random and fully
  connected networks; where the linear network overtakes the fully connected one.
- lazer_friedman2007_velocity: velocity (chance to look at one's neighbours each round) 1,
  0.5, 0.2, 0.1 on the linear and fully connected networks.
- lazer_friedman2007_error: copying error 0.2 at velocity 1 on the same two networks (error
  0 is the velocity sweep's velocity 1, on the same landscapes).
- lazer_friedman2007_interactions: the three readings of the landscape's K interactions
  (distinct, with replacement, adjacent) on the linear and fully connected networks.
- lazer_friedman2007_fig7: a ring lattice with exactly k ties rewired (Fig. 7).

The paper's digitised points (published/lazer_friedman2007_fig{4,7,10,11}_digitised.csv) are
drawn beside our curves and tabulated point by point (ours with its 95% interval, the
difference, whether the published point lies in our interval, whether within 0.02):
results/validation/lazer_friedman2007_fig{4,7,10,11}.png and _fig{N}_vs_published.csv.

Each of the paper's claims (published/lazer_friedman2007_claims.csv) is measured as a paired
difference with its 95% CI and a verdict: results/validation/lazer_friedman2007_claims.csv;
the curves with 95% bands: results/validation/lazer_friedman2007.png. docs/VALIDATION.md
section 2.

    .venv/bin/python experiments/validation/lazer_friedman2007.py [--quick | --landscapes N]
        [--out DIR] [--workers N]

Full: 4,000 + 2,400 + 600 + 1,800 + 5,100 runs, a few hours on 2 busy cores; running it
again resumes. --quick: 30 repetitions (1,110 runs), several minutes on 2 busy cores;
--landscapes N: N repetitions of every sweep.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import (
    EXPERIMENTS,
    arguments,
    figure,
    mean_ci,
    paired_effect,
    read_published,
    run_sweep,
    save,
    with_ci,
)
from march1991 import claim  # the verdict rule every validation script shares

import commsim

if TYPE_CHECKING:
    import pandas as pd

NAME = "lazer_friedman2007"
QUICK = 30
NETWORKS = ("line", "small_world", "random", "complete")
LABELS = {
    "line": "linear",
    "small_world": "small world (degree 4, 10% rewired)",
    "random": "random (mean degree 4)",
    "complete": "fully connected",
}
EARLY = 5  # "the short run": rounds after the start
ONE_TURN = 1  # p. 685: error costs the fully connected network "only one turn"
SHOWN = 80  # rounds drawn
VELOCITIES = (1.0, 0.5, 0.2, 0.1)  # Fig. 10
VARIANTS = [(v, 0.0) for v in VELOCITIES] + [(1.0, 0.2)]  # (velocity, error) drawn and tabled
# "error lowers short-run performance" (p. 685): on the fully connected network for one turn
# only; on the linear one the curves separate from about round 40 (Fig. 11A)
ERROR_EARLY = {"complete": ONE_TURN, "line": 50}
CLOSE = 0.02  # the bar: a published point reproduced within 0.02
PAPER = "Lazer & Friedman 2007"


def trajectories(name: str, out: Path, keys: list[str]) -> pd.DataFrame:
    """Average score per run (rows) and round (columns), carried forward after a run settled.

    A run stops once nothing can change any more, so its last score is its score ever after:
    the long run is the settled score. A run the experiment's step limit stopped was still
    changing, its last score only a lower bound: the share of such runs per condition is
    printed and written to ``<name>_unsettled.csv`` beside the sweep.
    """
    from commsim.config import read_config_file

    frame = commsim.load_results(out, metrics=["mean_knowledge"])
    wide = frame.pivot_table(
        index=["repetition", *keys], columns="step", values="mean_knowledge"
    ).ffill(axis=1)
    limit = read_config_file(EXPERIMENTS / "validation" / f"{name}.toml")["steps"]
    ends = frame.groupby(["run_id", *keys])["step"].max().rename("last_step").reset_index()
    ends["unsettled"] = ends["last_step"] >= limit
    shares = ends.groupby(keys).agg(
        runs=("unsettled", "size"),
        unsettled=("unsettled", "mean"),
        longest=("last_step", "max"),
    )
    shares.assign(step_limit=limit).to_csv(out.parent / f"{name}_unsettled.csv")
    print(
        f"{name}: {len(wide)} runs, {ends['unsettled'].mean():.1%} still changing at the step "
        f"limit ({limit}; for those, the last score is only a lower bound on the long run)"
    )
    print(shares.round(3).to_string())
    return wide


def arm(wide: pd.DataFrame, **where: Any) -> pd.DataFrame:
    """The runs of one condition, indexed by repetition."""
    rows = wide
    for key, value in where.items():
        rows = rows.xs(value, level=key)
    return rows


def crossing(diff: pd.DataFrame) -> float:
    """The first round from which the mean paired difference stays above 0 (NaN: never)."""
    import numpy as np

    mean = diff.mean(axis=0).to_numpy()
    below = np.flatnonzero(mean <= 0)
    first = below[-1] + 1 if below.size else 0
    return float(diff.columns[first]) if first < mean.size else float("nan")


def crossing_ci(diff: pd.DataFrame, resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of ``crossing`` over repetitions (seeded)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    values = diff.to_numpy()
    draws = []
    for _ in range(resamples):
        pick = values[rng.integers(0, len(values), len(values))]
        mean = pick.mean(axis=0)
        below = np.flatnonzero(mean <= 0)
        first = below[-1] + 1 if below.size else 0
        draws.append(diff.columns[first] if first < mean.size else np.nan)
    low, high = np.nanpercentile(np.asarray(draws, dtype=float), [2.5, 97.5])
    return float(low), float(high)


def at(wide: pd.DataFrame, step: int | None) -> pd.Series:
    """The score at a round (None: the final score)."""
    return wide.iloc[:, -1] if step is None else wide[step]


def effect(before: pd.DataFrame, after: pd.DataFrame, step: int | None) -> dict[str, float]:
    """``paired_effect`` of the score at ``step`` between two conditions, by repetition."""
    a, b = at(before, step), at(after, step)
    common = a.index.intersection(b.index)
    return paired_effect(a.loc[common].to_numpy(), b.loc[common].to_numpy())


def tidy(*axes: Any) -> None:
    """A small legend and a light grid on each panel."""
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)


def curve(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean score per round with its 95% t interval over the runs (rows) of one condition."""
    return mean_ci(runs.stack().rename("score").reset_index(), ["step"], "score")


def published(figure_no: int) -> pd.DataFrame:
    """A digitised figure of the paper."""
    return read_published(f"{NAME}_fig{figure_no}_digitised")


def beside(ours: pd.DataFrame, points: pd.DataFrame, series: str) -> pd.DataFrame:
    """Each published point (``round``, ``average_score``) beside our mean and interval at
    that round; past our last round (every run settled) the settled score carries on."""
    at_round = ours.set_index("step").reindex(points["round"].clip(upper=ours["step"].max()))
    rows = points[["round", "average_score"]].rename(columns={"average_score": "published"})
    rows = rows.assign(
        series=series,
        ours=at_round["mean"].to_numpy(),
        ci_low=at_round["ci_low"].to_numpy(),
        ci_high=at_round["ci_high"].to_numpy(),
    )
    return closeness(rows, "ours")


def closeness(table: pd.DataFrame, ours: str) -> pd.DataFrame:
    """``table`` with how near each published point comes to our ``ours`` column: the
    difference, whether it lies in our 95% interval, whether within ``CLOSE``."""
    table["difference"] = table[ours] - table["published"]
    table["in_our_ci"] = table["published"].between(table["ci_low"], table["ci_high"])
    table[f"within_{CLOSE}"] = table["difference"].abs() <= CLOSE
    return table


def against_published(
    args: Any, figure_no: int, panels: dict[str, dict[str, tuple[pd.DataFrame, pd.DataFrame]]]
) -> pd.DataFrame:
    """One figure beside the paper's: per panel, per series, our curve with its band and the
    published points as markers; the point-by-point table and its summary, printed and
    written to ``<NAME>_fig<N>_vs_published.csv``."""
    import pandas as pd

    fig, axes = figure(5.2 * len(panels), 4.2, ncols=len(panels))
    tables = []
    for ax, (title, series) in zip(axes, panels.items(), strict=True):
        for i, (label, (ours, points)) in enumerate(series.items()):
            shown = ours[ours["step"] <= max(SHOWN, points["round"].max())]
            ax.plot(shown["step"], shown["mean"], color=f"C{i}", label=f"commsim: {label}")
            ax.fill_between(
                shown["step"], shown["ci_low"], shown["ci_high"], color=f"C{i}", alpha=0.25
            )
            ax.plot(
                points["round"],
                points["average_score"],
                "o",
                mfc="none",
                color=f"C{i}",
                ms=4,
                label=f"{PAPER}, Fig. {figure_no}: {label}",
            )
            tables.append(beside(ours, points, f"{title}: {label}" if title else label))
        ax.set(xlabel="round", ylabel="average score", title=title)
    tidy(*axes)
    n = int(min(c["n"].min() for s in panels.values() for c, _ in s.values()))
    fig.suptitle(f"{PAPER}, Fig. {figure_no}, beside commsim\n({n} landscapes, 95% bands)")
    save(fig, args.out, f"{NAME}_fig{figure_no}")

    table = pd.concat(tables, ignore_index=True)
    table.insert(0, "figure", figure_no)
    table.to_csv(args.out / f"{NAME}_fig{figure_no}_vs_published.csv", index=False)
    return printed(table, f"Fig. {figure_no}")


def printed(table: pd.DataFrame, figure: str) -> pd.DataFrame:
    """Print a figure's points beside the paper's, under a line of how close they come."""
    gaps = table["difference"].abs()
    print(
        f"{figure}: {len(table)} points; largest |difference| {gaps.max():.3f}, mean "
        f"{gaps.mean():.3f}; in our 95% interval {table['in_our_ci'].sum()}, within {CLOSE} "
        f"{table[f'within_{CLOSE}'].sum()}"
    )
    print(table.round(3).to_string(index=False))
    return table


def networks(args: Any) -> list[dict[str, Any]]:
    """The four networks over time, the crossing, and the claims LF-early, LF-late, LF-cross."""
    out = run_sweep(f"validation/{NAME}", args.out / NAME, args.workers, args.repetitions)
    wide = trajectories(NAME, out, ["network"])
    by = {net: arm(wide, network=net) for net in NETWORKS}

    import pandas as pd

    curves = pd.concat([curve(by[net]).assign(network=net) for net in NETWORKS])
    curves.to_csv(args.out / f"{NAME}_curves.csv", index=False)
    fig4 = published(4)
    against_published(
        args,
        4,
        {
            "": {
                LABELS[ours]: (curve(by[ours]), fig4[fig4["network"] == theirs])
                for ours, theirs in (("line", "linear"), ("complete", "totally_connected"))
            }
        },
    )

    diff = by["line"] - by["complete"].loc[by["line"].index]
    t_cross = crossing(diff)
    low, high = crossing_ci(diff)
    print(
        f"the linear network overtakes the fully connected one from round {t_cross:g} "
        f"(95% bootstrap CI {low:g}-{high:g}) for good"
    )
    ends = curves[curves["step"].isin([EARLY, curves["step"].max()])]
    ends = ends.assign(value=with_ci(ends)).pivot(index="network", columns="step", values="value")
    print("average score (mean ± 95% CI) at round", EARLY, "and at the end:")
    print(ends.loc[list(NETWORKS)].to_string())

    fig, (ax, gap) = figure(11.5, 4.4, ncols=2)
    for net in NETWORKS:
        c = curves[(curves["network"] == net) & (curves["step"] <= SHOWN)]
        ax.plot(c["step"], c["mean"], label=LABELS[net])
        ax.fill_between(c["step"], c["ci_low"], c["ci_high"], alpha=0.25)
    ax.set(
        xlabel="round",
        ylabel="average score",
        title=f"{len(by['line'])} landscapes per network",
    )
    d = mean_ci(diff.stack().rename("d").reset_index(), ["step"], "d")
    d = d[d["step"] <= SHOWN]
    gap.plot(d["step"], d["mean"], color="C0")
    gap.fill_between(d["step"], d["ci_low"], d["ci_high"], alpha=0.3, color="C0")
    gap.set(xlabel="round", ylabel="linear − fully connected (paired, 95% CI)")
    gap.set_title("where the curves cross")
    gap.axhline(0, color="0.4", lw=0.8)
    if t_cross == t_cross:
        gap.axvline(t_cross, color="C3", ls="--", lw=1, label=f"crossing: round {t_cross:g}")
        gap.axvspan(low, high, color="C3", alpha=0.1, label=f"95% CI {low:g}-{high:g}")
    tidy(ax, gap)
    fig.suptitle(
        "Lazer & Friedman (2007) in commsim: efficient networks lead early, inefficient ones win"
        " (N = 20, K = 5, 100 agents)"
    )
    save(fig, args.out, NAME)

    claims = [
        claim("LF-early", effect(by["line"], by["complete"], EARLY), "+"),
        claim("LF-late", effect(by["complete"], by["line"], None), "+"),
        claim("LF-late-random", effect(by["complete"], by["random"], None), "+"),
        claim("LF-late-small-world", effect(by["complete"], by["small_world"], None), "+"),
        {
            "id": "LF-cross",
            "crossing": t_cross,
            "crossing_low": low,
            "crossing_high": high,
            "verdict": "holds" if t_cross == t_cross else "does not hold",
        },
    ]
    if t_cross == t_cross:  # where the two extremes score alike: does a middling one beat both?
        mid = int(t_cross)
        claims += [
            claim(f"LF-intermediate ({rival})", effect(by[rival], by["small_world"], mid), "+")
            | {"round": mid}
            for rival in ("line", "complete")
        ]
    return claims


def velocity_error(args: Any) -> list[dict[str, Any]]:
    """Velocity and error on the linear and fully connected networks beside Figs 10 and 11;
    claims LF-velocity-*, LF-error-*."""
    sweeps = {}
    for variant, key in (("velocity", "neighbour_learning_rate"), ("error", "copy_error")):
        name = f"{NAME}_{variant}"
        out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
        sweeps[variant] = trajectories(name, out, ["network", key])

    import pandas as pd

    def runs(net: str, velocity: float, error: float) -> pd.DataFrame:
        """One condition's runs: error > 0 comes at velocity 1 (the error sweep)."""
        if error:
            return arm(sweeps["error"], network=net, copy_error=error)
        return arm(sweeps["velocity"], network=net, neighbour_learning_rate=velocity)

    summary = [
        {
            "network": net,
            "velocity": velocity,
            "error": error,
            "round 1": runs(net, velocity, error)[1].mean(),
            f"round {EARLY}": runs(net, velocity, error)[EARLY].mean(),
            "final": runs(net, velocity, error).iloc[:, -1].mean(),
        }
        for net in ("complete", "line")
        for velocity, error in VARIANTS
    ]
    print(pd.DataFrame(summary).round(3).to_string(index=False))

    fig10 = published(10)
    against_published(
        args,
        10,
        {
            LABELS["complete"]: {
                f"velocity {v:g}": (curve(runs("complete", v, 0.0)), fig10[fig10["velocity"] == v])
                for v in VELOCITIES
            }
        },
    )
    fig11 = published(11)
    against_published(
        args,
        11,
        {
            f"{panel[0]}: {LABELS[net]}": {
                f"error {e:g}": (
                    curve(runs(net, 1.0, e)),
                    fig11[(fig11["panel"] == panel) & (fig11["error"] == e)],
                )
                for e in (0.0, 0.2)
            }
            for panel, net in (("A_linear", "line"), ("B_totally_connected", "complete"))
        },
    )

    claims = []
    for net in ("complete", "line"):
        fast, slow, noisy = runs(net, 1.0, 0.0), runs(net, 0.1, 0.0), runs(net, 1.0, 0.2)
        claims += [
            claim(f"LF-velocity-early ({net})", effect(slow, fast, EARLY), "+"),
            claim(f"LF-velocity-late ({net})", effect(fast, slow, None), "+"),
            claim(f"LF-error-early ({net})", effect(noisy, fast, ERROR_EARLY[net]), "+")
            | {"round": ERROR_EARLY[net]},
            claim(f"LF-error-late ({net})", effect(fast, noisy, None), "+"),
        ]
    fast, noisy = runs("complete", 1.0, 0.0), runs("complete", 1.0, 0.2)
    claims.append(
        claim("LF-error-one-turn (complete)", effect(fast, noisy, ONE_TURN + 1), "+")
        | {"round": ONE_TURN + 1}
    )
    return claims


def average_path_length(rewirings: int, draws: int = 30) -> float:
    """Mean path length of ``draws`` rewired lattices of 100 (the construction the runs use,
    its own seeds: Fig. 7's right axis)."""
    import networkx as nx
    import numpy as np

    from commsim.model.organisation import rewired_lattice_edges

    lengths = [
        nx.average_shortest_path_length(
            nx.Graph(rewired_lattice_edges(100, 4, rewirings, np.random.default_rng(seed)).tolist())
        )
        for seed in range(draws)
    ]
    return float(np.mean(lengths))


def fig7(args: Any) -> pd.DataFrame:
    """Fig. 7: long-run score of a ring lattice by the number of rewired ties, beside the
    paper's points, with the mean path length of such lattices."""
    name = f"{NAME}_fig7"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    wide = trajectories(name, out, ["rewirings"])
    finals = wide.iloc[:, -1].rename("score").reset_index()
    ours = mean_ci(finals, ["rewirings"], "score").set_index("rewirings")
    paper = published(7)
    score = paper[paper["series"] == "long_run_score"].set_index("rewirings")["value"]
    paths = paper[paper["series"] == "average_path_length"].set_index("rewirings")["value"]
    table = ours.loc[score.index, ["mean", "ci_low", "ci_high"]].assign(published=score)
    table = closeness(table, "mean")
    table["path_length"] = [average_path_length(k) for k in table.index]
    table["published_path_length"] = paths.reindex(table.index)
    table = table.reset_index()
    table.to_csv(args.out / f"{name}_vs_published.csv", index=False)

    fig, (ax,) = figure(6.5, 4.2)
    ax.plot(ours.index, ours["mean"], color="C0", label="commsim: long-run score")
    ax.fill_between(ours.index, ours["ci_low"], ours["ci_high"], color="C0", alpha=0.25)
    ax.plot(score.index, score, "o", mfc="none", color="C0", ms=4, label=f"{PAPER}, Fig. 7")
    ax.set(xlabel="number of rewirings", ylabel="long-run average score")
    paths_ax = ax.twinx()
    paths_ax.plot(table["rewirings"], table["path_length"], color="C1", label="path length")
    paths_ax.plot(paths.index, paths, "s", mfc="none", color="C1", ms=4)
    paths_ax.set_ylabel("average path length (line: ours; squares: the paper)")
    tidy(ax)
    fig.suptitle(f"{PAPER}, Fig. 7, beside commsim ({int(ours['n'].min())} landscapes)")
    save(fig, args.out, name)
    return printed(table, "Fig. 7")


def interactions(args: Any) -> pd.DataFrame:
    """The long-run level under each reading of the landscape's K interactions, paired with
    the distinct reading on the same seeds, beside the paper's long-run levels."""
    name = f"{NAME}_interactions"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    wide = trajectories(name, out, ["network", "nk_interactions"])
    rows = []
    for net, paper in (("complete", "0.564-0.578"), ("line", "0.850-0.867")):
        distinct = arm(wide, network=net, nk_interactions="distinct")
        for reading in ("distinct", "with_replacement", "adjacent"):
            runs = arm(wide, network=net, nk_interactions=reading)
            final = curve(runs).iloc[-1]
            shift = effect(distinct, runs, None)
            rows.append(
                {
                    "network": net,
                    "interactions": reading,
                    "round 1": runs[1].mean(),
                    f"round {EARLY}": runs[EARLY].mean(),
                    "round 10": runs[10].mean(),
                    "final": final["mean"],
                    "final_low": final["ci_low"],
                    "final_high": final["ci_high"],
                    "minus_distinct": shift["diff"],
                    "minus_distinct_low": shift["diff_low"],
                    "minus_distinct_high": shift["diff_high"],
                    "paper_long_run": paper,
                }
            )
    import pandas as pd

    table = pd.DataFrame(rows)
    table.to_csv(args.out / f"{name}.csv", index=False)
    print(table.round(3).to_string(index=False))
    return table


def landscapes_option(parser: argparse.ArgumentParser) -> None:
    """``--landscapes N``: N repetitions of every sweep (a modest full-shape run)."""
    parser.add_argument("--landscapes", type=int, default=None, help=landscapes_option.__doc__)


def main() -> None:
    import pandas as pd

    args = arguments("validation", __doc__, quick=QUICK, extra=landscapes_option)
    args.repetitions = args.landscapes or args.repetitions
    args.out.mkdir(parents=True, exist_ok=True)
    claims = pd.DataFrame(networks(args) + velocity_error(args))
    interactions(args)
    fig7(args)
    paper = read_published(f"{NAME}_claims")
    claims["key"] = claims["id"].str.replace(r" \(.*\)$", "", regex=True)
    table = claims.merge(
        paper, left_on="key", right_on="id", how="left", suffixes=("", "_published")
    )
    table = table.drop(columns=["key", "id_published"])
    path = args.out / f"{NAME}_claims.csv"
    table.to_csv(path, index=False)
    columns = ["id", "before", "after", "diff", "diff_low", "diff_high", "d", "verdict"]
    print(table[[c for c in columns if c in table]].round(4).to_string(index=False))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
