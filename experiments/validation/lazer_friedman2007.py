"""Lazer & Friedman (2007) validated: the network structure of exploration and exploitation.

Their model in commsim (configs/lazer_friedman2007.toml): 100 agents on NK landscapes with
N = 20, K = 5, score = (fitness / maximum) ** 8; each round an agent copies its best-scoring
neighbour if that one does better (``peer_learning = "best_neighbour"``), else tries one
changed bit and keeps it if it scores better. Two sweeps of configs/experiments/validation/,
common random numbers (each repetition: one landscape, one set of starting solutions, met by
every condition), runs stopping once nothing can change (the score is then carried forward):

- lazer_friedman2007: average score over time on the linear, small-world, random and fully
  connected networks; where the linear network overtakes the fully connected one.
- lazer_friedman2007_velocity_error: velocity (chance to look at one's neighbours each
  round) 1, 0.5, 0.1 and copying error 0, 0.2, on the linear and fully connected networks.

Each of the paper's claims (published/lazer_friedman2007_claims.csv) is measured as a paired
difference with its 95% CI and a verdict: results/validation/lazer_friedman2007_claims.csv;
the curves with 95% bands: results/validation/lazer_friedman2007.png. docs/VALIDATION.md
section 2.

    .venv/bin/python experiments/validation/lazer_friedman2007.py [--quick] [--out DIR]
        [--workers N]

Full: 4,000 + 3,600 runs, about 40 minutes on 2 busy cores; running it again resumes.
--quick: 30 repetitions, under a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import EXPERIMENTS, arguments, figure, mean_ci, paired_effect, run_sweep, save, with_ci
from march1991 import claim  # the verdict rule every validation script shares

import commsim

if TYPE_CHECKING:
    import pandas as pd

NAME = "lazer_friedman2007"
QUICK = 30
PUBLISHED = Path(__file__).resolve().parent / "published"
NETWORKS = ("line", "small_world", "random", "complete")
LABELS = {
    "line": "linear",
    "small_world": "small world (degree 4, 10% rewired)",
    "random": "random (mean degree 4)",
    "complete": "fully connected",
}
EARLY = 5  # "the short run": rounds after the start
SHOWN = 80  # rounds drawn


def trajectories(name: str, out: Path, keys: list[str]) -> pd.DataFrame:
    """Average score per run (rows) and round (columns), carried forward after a run settled.

    A run stops once nothing can change any more, so its last score is its score ever after.
    Prints how many runs settled before the experiment's step limit (the rest were still
    changing when it stopped them).
    """
    from commsim.config import read_config_file

    frame = commsim.load_results(out, metrics=["mean_knowledge"])
    wide = frame.pivot_table(
        index=["repetition", *keys], columns="step", values="mean_knowledge"
    ).ffill(axis=1)
    limit = read_config_file(EXPERIMENTS / "validation" / f"{name}.toml")["steps"]
    settled = (frame.groupby("run_id")["step"].max() < limit).mean()
    print(f"{name}: {len(wide)} runs, {settled:.1%} settled before the step limit ({limit})")
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


def networks(args: Any) -> list[dict[str, Any]]:
    """The four networks over time, the crossing, and the claims LF-early, LF-late, LF-cross."""
    out = run_sweep(f"validation/{NAME}", args.out / NAME, args.workers, args.repetitions)
    wide = trajectories(NAME, out, ["network"])
    by = {net: arm(wide, network=net) for net in NETWORKS}

    rows = []
    for net in NETWORKS:
        long = by[net].stack().rename("score").reset_index()
        rows.append(mean_ci(long, ["step"], "score").assign(network=net))
    import pandas as pd

    curves = pd.concat(rows)
    curves.to_csv(args.out / f"{NAME}_curves.csv", index=False)

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
    """Velocity and error on the linear and fully connected networks; claims LF-velocity-*,
    LF-error-*."""
    name = f"{NAME}_velocity_error"
    out = run_sweep(f"validation/{name}", args.out / name, args.workers, args.repetitions)
    keys = ["network", "neighbour_learning_rate", "copy_error"]
    wide = trajectories(name, out, keys)

    import pandas as pd

    fig, axes = figure(11.5, 4.4, ncols=2)
    summary = []
    for ax, net in zip(axes, ("complete", "line"), strict=True):
        for (velocity, error), style in zip(
            [(1.0, 0.0), (0.5, 0.0), (0.1, 0.0), (1.0, 0.2)], ["-", "--", ":", "-."], strict=True
        ):
            runs = arm(wide, network=net, neighbour_learning_rate=velocity, copy_error=error)
            long = runs.stack().rename("score").reset_index()
            c = mean_ci(long, ["step"], "score")
            ax.plot(c["step"], c["mean"], ls=style, label=f"velocity {velocity:g}, error {error:g}")
            ax.fill_between(c["step"], c["ci_low"], c["ci_high"], alpha=0.2)
            summary.append(
                {
                    "network": net,
                    "velocity": velocity,
                    "error": error,
                    f"round {EARLY}": runs[EARLY].mean(),
                    "final": runs.iloc[:, -1].mean(),
                }
            )
        ax.set(xlabel="round", ylabel="average score", title=LABELS[net])
    tidy(*axes)
    fig.suptitle("Lazer & Friedman (2007) in commsim: slower and noisier imitation explores more")
    save(fig, args.out, name)
    print(pd.DataFrame(summary).round(3).to_string(index=False))

    def runs(net: str, velocity: float, error: float) -> pd.DataFrame:
        return arm(wide, network=net, neighbour_learning_rate=velocity, copy_error=error)

    claims = []
    for net in ("complete", "line"):
        fast, slow, noisy = runs(net, 1.0, 0.0), runs(net, 0.1, 0.0), runs(net, 1.0, 0.2)
        claims += [
            claim(f"LF-velocity-early ({net})", effect(slow, fast, EARLY), "+"),
            claim(f"LF-velocity-late ({net})", effect(fast, slow, None), "+"),
            claim(f"LF-error-early ({net})", effect(noisy, fast, EARLY), "+"),
            claim(f"LF-error-late ({net})", effect(fast, noisy, None), "+"),
        ]
    return claims


def main() -> None:
    import pandas as pd

    args = arguments("validation", __doc__, quick=QUICK)
    args.out.mkdir(parents=True, exist_ok=True)
    claims = pd.DataFrame(networks(args) + velocity_error(args))
    published = pd.read_csv(PUBLISHED / "lazer_friedman2007_claims.csv")
    claims["key"] = claims["id"].str.replace(r" \(.*\)$", "", regex=True)
    table = claims.merge(
        published, left_on="key", right_on="id", how="left", suffixes=("", "_published")
    )
    table = table.drop(columns=["key", "id_published"])
    path = args.out / f"{NAME}_claims.csv"
    table.to_csv(path, index=False)
    columns = ["id", "before", "after", "diff", "diff_low", "diff_high", "d", "verdict"]
    print(table[[c for c in columns if c in table]].round(4).to_string(index=False))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
