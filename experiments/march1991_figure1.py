"""March (1991), Figure 1: equilibrium code knowledge against socialisation rate p1 for
code learning rates p2 = 0.1, 0.5, 0.9, from ``configs/march1991.toml``.

    .venv/bin/python experiments/march1991_figure1.py [--reps 80] [--out results/march1991_figure1]

Writes a CSV of means with 95% confidence intervals and a PNG figure. (The sweep runner of a
later release will replace the loop below; the model and preset are the same.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from commsim.model.model import CommunityModel

P1 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
P2 = [0.1, 0.5, 0.9]


def equilibrium(p1: float, p2: float, seed: int) -> float:
    model = CommunityModel(
        "configs/march1991.toml", socialization_rate=p1, code_learning_rate=p2, seed=seed
    )
    model.run()
    return float(model.model_frame().code_knowledge.iloc[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=80)
    parser.add_argument("--out", type=Path, default=Path("results/march1991_figure1"))
    args = parser.parse_args()
    rows = []
    for p2 in P2:
        for p1 in P1:
            k = np.array([equilibrium(p1, p2, seed) for seed in range(args.reps)])
            ci = 1.96 * k.std(ddof=1) / np.sqrt(k.size)
            rows.append({"p2": p2, "p1": p1, "knowledge": k.mean(), "ci95": ci, "reps": k.size})
            print(f"p2={p2} p1={p1}: {k.mean():.3f} ± {ci:.3f}")
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "figure1.csv", index=False)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for p2, group in table.groupby("p2"):
        ax.errorbar(group.p1, group.knowledge, yerr=group.ci95, marker="o", label=f"p2 = {p2}")
    ax.set(
        xlabel="socialisation rate p1",
        ylabel="equilibrium code knowledge",
        title=f"March (1991) Figure 1, commsim ({args.reps} runs per point)",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "figure1.png", dpi=120)
    print(f"wrote {args.out}/figure1.csv and figure1.png")


if __name__ == "__main__":
    main()
