"""Miller, Zhao & Calantone (2006) validated: interpersonal learning and tacit knowledge.

Their model in commsim (configs/miller2006.toml): March's (1991) model (N = 50, m = 30, an
organisational code learning from the superior members) plus (1) direct interpersonal
learning: each period every member finds its best-performing neighbour and, if that
neighbour does better, moves each belief where they differ toward it with probability p5
(``peer_learning = "best_neighbour_beliefs"``); (2) members on a grid without edges, four
neighbours each (``network = "grid"``: a 5 x 10 torus); (3) tacit dimensions the code can
never learn (``tacit_share``). One sweep (configs/experiments/validation/miller2006.toml):
knowledge after 300 periods against the tacit share, for p5 = 0, 0.1, 0.5 and p1 = 0.1, 0.9,
common random numbers (each repetition: one reality and one set of starting beliefs at every
design point).

No figure or table value of the paper could be found (published/miller2006_search_log.txt),
so no published point is drawn: the claims tested (published/miller2006_claims.csv) are the
consequences of the rules its abstract states, measured as paired differences with 95% CIs
(results/validation/miller2006_claims.csv); whether March's p1 result survives interpersonal
learning is reported without a verdict (miller2006_march_p1.csv); the curves:
results/validation/miller2006.png. docs/VALIDATION.md section 4.

    .venv/bin/python experiments/validation/miller2006.py [--quick] [--out DIR] [--workers N]

Full: 1,800 runs, about 9 minutes on one core; running it again resumes. --quick: 20
repetitions (360 runs), about a minute on one core.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/_common.py

from _common import (
    arguments,
    errorbar,
    figure,
    paired_effect,
    read_published,
    run_sweep,
    save,
    with_ci,
)
from march1991 import claim  # the verdict rule every validation script shares

import commsim

NAME = "miller2006"
QUICK = 20
TACIT, P5, P1 = "tacit_share", "neighbour_learning_rate", "socialisation_rate"
SLOW, FAST = 0.1, 0.9  # March's slow and fast socialisation


def arm(runs: Any, metric: str, tacit: float, p5: float, p1: float = SLOW) -> Any:
    """One design point's ``metric``, one value per repetition (indexed by repetition)."""
    point = runs[(runs[TACIT] == tacit) & (runs[P5] == p5) & (runs[P1] == p1)]
    return point.set_index("repetition")[metric].sort_index()


def tacit_bound(runs: Any) -> dict[str, Any]:
    """The tacit rule itself: no run's code knows more than its codifiable share."""
    excess = runs["code_knowledge"] - (1 - runs[TACIT])
    worst = float(excess.max())
    return {
        "id": "MZC-rule-tacit",
        "n": len(runs),
        "after": float(runs["code_knowledge"].max()),
        "diff": worst,
        "verdict": "holds" if worst <= 1e-9 else "does not hold",
    }


def march_p1(runs: Any) -> Any:
    """March's slow-beats-fast socialisation at every tacit share and p5 (no verdict)."""
    import pandas as pd

    rows = []
    for tacit in sorted(runs[TACIT].unique()):
        for p5 in sorted(runs[P5].unique()):
            slow = arm(runs, "mean_knowledge", tacit, p5, SLOW)
            fast = arm(runs, "mean_knowledge", tacit, p5, FAST)
            effect = paired_effect(fast, slow)
            rows.append({TACIT: tacit, P5: p5, **effect})
    return pd.DataFrame(rows)


def draw(members: Any, code: Any, out: Path) -> None:
    """Members' and the code's knowledge against the tacit share, one panel per p1."""
    fig, axes = figure(10, 4.4, ncols=2)
    for ax, p1 in zip(axes, (SLOW, FAST), strict=True):
        for i, p5 in enumerate(sorted(members[P5].unique())):
            for table, style, what in ((members, "-", "members"), (code, ":", "code")):
                rows = table[(table[P5] == p5) & (table[P1] == p1)].sort_values(TACIT)
                errorbar(
                    ax,
                    rows[TACIT] + (0.004 * i if what == "code" else 0),
                    rows,
                    marker="o" if what == "members" else "s",
                    ls=style,
                    color=f"C{i}",
                    label=f"{what}, p5 = {p5:g}",
                )
        ax.set(
            xlabel="tacit share (dimensions the code cannot learn)",
            ylabel="knowledge at period 300",
            title=f"p1 = {p1:g}, p2 = 0.9",
            xticks=sorted(members[TACIT].unique()),
        )
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncols=2)
    n = int(members["n"].min())
    fig.suptitle(
        "Miller, Zhao & Calantone (2006) in commsim: March's model on a 5 x 10 torus, "
        f"mean ± 95% CI, {n} runs per point\n(no published values could be found: none drawn)",
        fontsize=9,
    )
    save(fig, out, NAME)


def main() -> None:
    import pandas as pd

    args = arguments("validation", __doc__, quick=QUICK)
    args.out.mkdir(parents=True, exist_ok=True)
    out = run_sweep(f"validation/{NAME}", args.out / NAME, args.workers, args.repetitions)
    runs = commsim.load_results(out, metrics=["mean_knowledge", "code_knowledge"])
    runs = runs.loc[runs.groupby("run_id")["step"].idxmax()]  # each run's last row
    members = commsim.summarise_sweep(out, "mean_knowledge")
    code = commsim.summarise_sweep(out, "code_knowledge")
    both = members.assign(members=with_ci(members), code=with_ci(code))
    print("Knowledge at period 300 (mean ± 95% CI): members, and the code")
    print(both[[P1, P5, TACIT, "n", "members", "code"]].to_string(index=False))

    gain0 = arm(runs, "mean_knowledge", 0.0, 0.1) - arm(runs, "mean_knowledge", 0.0, 0.0)
    gain4 = arm(runs, "mean_knowledge", 0.4, 0.1) - arm(runs, "mean_knowledge", 0.4, 0.0)
    claims = [
        tacit_bound(runs),
        claim(
            "MZC-tacit-code",
            paired_effect(
                arm(runs, "code_knowledge", 0.0, 0.1), arm(runs, "code_knowledge", 0.2, 0.1)
            ),
            "-",
        ),
        claim(
            "MZC-tacit-peers",
            paired_effect(
                arm(runs, "mean_knowledge", 0.2, 0.0), arm(runs, "mean_knowledge", 0.2, 0.1)
            ),
            "+",
        ),
        claim("MZC-tacit-gain", paired_effect(gain0, gain4), "+"),
    ]
    published = read_published(f"{NAME}_claims")
    result = pd.DataFrame(claims).merge(published, on="id", how="left")
    result.to_csv(args.out / f"{NAME}_claims.csv", index=False)
    columns = ["id", "n", "before", "after", "diff", "diff_low", "diff_high", "d", "verdict"]
    print(result[[c for c in columns if c in result]].round(4).to_string(index=False))

    slow_vs_fast = march_p1(runs)
    slow_vs_fast.to_csv(args.out / f"{NAME}_march_p1.csv", index=False)
    print("March's p1 result with interpersonal learning: members' knowledge, p1 0.1 minus 0.9")
    shown = [TACIT, P5, "n", "before", "after", "diff", "diff_low", "diff_high"]
    print(slow_vs_fast[shown].round(4).to_string(index=False))
    pd.concat([members, code]).to_csv(args.out / f"{NAME}_knowledge.csv", index=False)
    draw(members, code, args.out)


if __name__ == "__main__":
    main()
