"""An organisation of one's own against the generated tree: Meridian, a synthetic regional
hospital trust, and the tree of its size and role counts.

Meridian (configs/meridian.toml, made by experiments/make_own_organisation.py) brings what a
client would: its org chart (333 people, 7 levels, six directorates of uneven size, span and
depth), job titles as roles, matrix quality-improvement teams, a clustered collaboration
network in place of the random informal ties, and a staff survey's safety, low in Surgery
and theatres under a punitive director whose managers are harsher too. The tree
(configs/experiments/own_organisation_tree.toml) is the default scenario with the same N and
the same number of practitioners, researchers and capacity builders, everyone starting at
safety 0.6 under managers of punitiveness about 0.2. Both run 200 steps with the same 20
seeds (common random numbers), so each difference below is paired by repetition.

Outcomes: code knowledge at the end (steps 150-200, and step 200), members' knowledge and
mean safety at step 200; insights generated, voiced (heard), punished, suppressed (never
spoken up) and walled (stopped at the wall to research) over the run; cross-role flows and
their share of all flows; safety at each level at step 200 (level 0 the deepest front line:
in Meridian a level mixes directorates of different depth: Surgery's front line is at level
2, beside the front lines of pharmacy, pathology, midwifery and audit). Each with its 95%
interval, and Meridian minus the tree with the paired 95% interval.

What the comparison shows (20 paired runs): Meridian speaks up less, and knows as much. Its
people end less safe (mean safety 0.756 against 0.791, paired difference -0.035 [-0.041,
-0.029]), most of all at level 2, a third of whom are Surgery's front line under the
punitive director (0.705 against 0.805), while its deepest front line (level 0, Medicine's
wards) ends safer than the tree's (0.827 against 0.790). Of about 2,750 insights, 74% more
are never spoken up (124 against 72, +53 [+46, +60]; 4.5% of insights against 2.6%), 14%
more are punished and 3% fewer are heard. Yet the code knows the world as well (0.894
against 0.891 over steps 150-200, +0.004 [-0.015, +0.023]), members know as much, and as
much crosses the walls between roles (cross-role flows -2% [-4%, +1%]): at the default
integration (0.8), with insights plentiful, fifty more silenced in 200 steps cost voice and
safety, not yet knowledge. The difference is the survey and the punitive line, not the
chart's shape: a probe with Meridian's safety and punitiveness columns left blank (10 runs,
not part of this script) ended at safety 0.786 with 76 insights suppressed, close to the
tree's 0.791 and 72.

    .venv/bin/python experiments/own_organisation.py [--quick] [--docs-figure]
        [--out DIR] [--workers N]

Full: 2 x 20 runs, about 15 seconds on 2 cores; --quick: 5 repetitions each, into
results/own_organisation/quick, under 10 seconds.
--docs-figure copies the full run's figure to docs/figures/own_organisation.png.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from _common import ROOT, arguments, figure, paired_effect, run_sweep, save

import commsim

if TYPE_CHECKING:
    import pandas as pd

NAME = "own_organisation"
ARMS = {"Meridian": f"{NAME}_meridian", "tree": f"{NAME}_tree"}  # label: experiment file
COLOURS = {"Meridian": "tab:red", "tree": "tab:blue"}
QUICK = 5  # repetitions per arm with --quick
END = range(150, 201, 10)  # the recorded steps averaged as "the end of the run"
LEVELS = range(7)  # Meridian's levels; the tree has 5
OUTCOMES = {  # per-run column: what the table calls it
    "end_code_knowledge": "code knowledge, steps 150-200",
    "code_knowledge": "code knowledge, step 200",
    "mean_knowledge": "members' knowledge, step 200",
    "mean_safety": "mean safety, step 200",
    "insights_generated": "insights generated",
    "insights_voiced": "insights voiced (heard)",
    "insights_punished": "insights punished",
    "insights_suppressed": "insights suppressed",
    "insights_walled": "insights walled",
    "insights_codified": "insights codified",
    "suppressed_share": "share suppressed",
    "cross_role_flows": "cross-role flows",
    "cross_role_share": "cross-role share of flows",
    **{f"safety_level_{k}": f"safety at level {k}, step 200" for k in LEVELS},
}
FATES = ("insights_voiced", "insights_punished", "insights_suppressed", "insights_walled")


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK} repetitions per organisation, into results/{NAME}/quick: seconds",
    )
    parser.add_argument(
        "--docs-figure",
        action="store_true",
        help=f"also copy the figure to docs/figures/{NAME}.png (the full run only)",
    )


def per_run(out: Path) -> pd.DataFrame:
    """One row per repetition: run totals of the counters, step 200 of the states, the end
    of the run's code knowledge, and the shares made of run totals."""
    from commsim.experiment.summary import run_values

    frame = commsim.load_results(out)
    metrics = [c for c in OUTCOMES if c in frame.columns]
    runs = run_values(frame, [], metrics).set_index("repetition").sort_index()
    end = frame[frame["step"].isin(END)].groupby("repetition")["code_knowledge"].mean()
    runs["end_code_knowledge"] = end
    runs["suppressed_share"] = runs["insights_suppressed"] / runs["insights_generated"]
    flows = frame.groupby("repetition")["flows"].sum()
    runs["cross_role_share"] = runs["cross_role_flows"] / flows
    return runs.reindex(columns=list(OUTCOMES))


def compare(meridian: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    """Each outcome's mean and 95% interval in both arms, and Meridian minus the tree paired
    by repetition (common random numbers) with its 95% interval."""
    import pandas as pd

    from commsim.experiment.summary import t_half_width

    rows = []
    for column, label in OUTCOMES.items():
        row: dict[str, object] = {"outcome": column, "label": label}
        for arm, runs in (("meridian", meridian), ("tree", tree)):
            values = runs[column].dropna()
            half = float(t_half_width(values.std(), len(values)))
            row |= {f"{arm}_mean": values.mean(), f"{arm}_half": half, f"{arm}_n": len(values)}
        if meridian[column].notna().all() and tree[column].notna().all():
            effect = paired_effect(tree[column], meridian[column])
            row |= {k: effect[k] for k in ("diff", "diff_low", "diff_high")}
        rows.append(row)
    return pd.DataFrame(rows)


def printed(table: pd.DataFrame) -> pd.DataFrame:
    """The table as printed: mean ± half-width, and the difference with its interval (counts
    to the insight or flow, the rest to 3 decimals)."""
    import pandas as pd

    counts = table["outcome"].str.startswith("insights_") | (table["outcome"] == "cross_role_flows")

    def number(value: float, count: bool, sign: str = "") -> str:
        return f"{value:{sign}.0f}" if count else f"{value:{sign}.3f}"

    def cell(arm: str, row: pd.Series, count: bool) -> str:
        if row[f"{arm}_n"] == 0:
            return "-"
        return f"{number(row[f'{arm}_mean'], count)} ± {number(row[f'{arm}_half'], count)}"

    def difference(row: pd.Series, count: bool) -> str:
        if pd.isna(row["diff"]):
            return "-"
        low, high = (number(row[k], count, "+") for k in ("diff_low", "diff_high"))
        return f"{number(row['diff'], count, '+')} [{low}, {high}]"

    cells = [
        {
            "Meridian": cell("meridian", row, count),
            "tree": cell("tree", row, count),
            "Meridian - tree [95% CI]": difference(row, count),
            "relative": ""
            if pd.isna(row["diff"])
            else f"{row['diff'] / abs(row['tree_mean']):+.0%}",
        }
        for (_, row), count in zip(table.iterrows(), counts, strict=True)
    ]
    return pd.DataFrame(cells, index=table["label"].rename(None))


def draw(frames: dict[str, pd.DataFrame], table: pd.DataFrame, out: Path) -> Path:
    """Code knowledge and safety over the run, the insights' fates, safety by level."""
    from commsim.experiment.summary import t_half_width

    fig, axes = figure(12.0, 8.4, ncols=2, nrows=2)
    for ax, metric, title in (
        (axes[0], "code_knowledge", "code knowledge"),
        (axes[1], "mean_safety", "mean psychological safety"),
    ):
        for arm, frame in frames.items():
            later = frame[frame["step"] >= 10]  # code knowledge starts at 0: the scale for the rest
            by = later.groupby("step")[metric].agg(["mean", "std", "count"])
            half = t_half_width(by["std"], by["count"])
            ax.plot(by.index, by["mean"], color=COLOURS[arm], label=arm)
            ax.fill_between(
                by.index, by["mean"] - half, by["mean"] + half, color=COLOURS[arm], alpha=0.2
            )
        ax.set(title=f"{title} (mean, 95% CI), from step 10", xlabel="step")
        ax.legend()
    fates(axes[2], table)
    by_level(axes[3], frames, table)
    runs = int(table["meridian_n"].max())
    fig.suptitle(
        "Meridian (a synthetic hospital trust's org chart, teams, ties and survey) against the\n"
        f"generated tree of its size and role counts: {runs} paired runs each, 200 steps"
    )
    return save(fig, out, NAME)


def fates(ax: object, table: pd.DataFrame) -> None:
    """What became of the insights: grouped bars with 95% intervals."""
    import numpy as np

    rows = table.set_index("outcome").loc[list(FATES)]
    x = np.arange(len(FATES))
    for offset, (arm, key) in zip(
        (-0.2, 0.2), (("Meridian", "meridian"), ("tree", "tree")), strict=True
    ):
        ax.bar(  # type: ignore[attr-defined]
            x + offset,
            rows[f"{key}_mean"],
            width=0.4,
            yerr=rows[f"{key}_half"],
            capsize=3,
            color=COLOURS[arm],
            label=arm,
        )
    ax.set_xticks(x, [f.removeprefix("insights_") for f in FATES])  # type: ignore[attr-defined]
    ax.set(title="insights over the run (mean, 95% CI)", ylabel="insights")  # type: ignore[attr-defined]
    ax.legend()  # type: ignore[attr-defined]


def by_level(ax: object, frames: dict[str, pd.DataFrame], table: pd.DataFrame) -> None:
    """Safety at each level at step 200 (with 95% intervals) and at the start (open)."""
    rows = table.set_index("outcome")
    for offset, (arm, key) in zip(
        (-0.08, 0.08), (("Meridian", "meridian"), ("tree", "tree")), strict=True
    ):
        levels = [k for k in LEVELS if rows.loc[f"safety_level_{k}", f"{key}_n"] > 0]
        end = rows.loc[[f"safety_level_{k}" for k in levels]]
        start = frames[arm].query("step == 0")[[f"safety_level_{k}" for k in levels]].mean()
        x = [k + offset for k in levels]
        ax.errorbar(  # type: ignore[attr-defined]
            x, end[f"{key}_mean"], yerr=end[f"{key}_half"], marker="o", capsize=3,
            color=COLOURS[arm], label=f"{arm}, step 200",
        )  # fmt: skip
        ax.plot(  # type: ignore[attr-defined]
            x, start.to_numpy(), marker="o", markerfacecolor="white", linestyle=":",
            color=COLOURS[arm], label=f"{arm}, start",
        )  # fmt: skip
    ax.set(  # type: ignore[attr-defined]
        title="safety by level (0 = the deepest front line)",
        xlabel="level",
        ylabel="mean safety",
        xticks=list(LEVELS),
    )
    ax.legend(fontsize=8)  # type: ignore[attr-defined]


def main() -> None:
    args = arguments(NAME, __doc__, extra=options)
    if args.quick and args.docs_figure:
        raise SystemExit("--docs-figure draws the full run's figure: leave out --quick")
    repetitions = QUICK if args.quick else None
    out = args.out / "quick" if args.quick and args.out == ROOT / "results" / NAME else args.out
    import pandas as pd  # after the arguments: --help stays quick

    started = time.perf_counter()
    dirs = {
        arm: run_sweep(name, out / arm.lower(), args.workers, repetitions)
        for arm, name in ARMS.items()
    }
    print(f"both sweeps in {time.perf_counter() - started:.0f} s")
    runs = {arm: per_run(path) for arm, path in dirs.items()}
    table = compare(runs["Meridian"], runs["tree"])
    path = out / f"{NAME}.csv"
    table.to_csv(path, index=False, float_format="%.6g")
    print(f"wrote {path}")
    pd.set_option("display.width", 200)
    print("Mean ± 95% CI over repetitions (insights and flows: run totals; Meridian - tree: paired")
    print("by repetition, common random numbers):")
    print(printed(table).to_string())
    frames = {arm: commsim.load_results(path) for arm, path in dirs.items()}
    figure_path = draw(frames, table, out)
    if args.docs_figure:
        target = ROOT / "docs" / "figures" / f"{NAME}.png"
        shutil.copyfile(figure_path, target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
