"""An organisation of one's own at scale: a 100,000-person org chart read and built.

    .venv/bin/python benchmarks/bench_org_chart.py [--people 100000] [--repeats 3]

Writes a synthetic chart (an uneven tree: spans from 1 to about 15, matrix teams, job titles,
survey safety for some) and a collaboration network of about 4 weighted ties a person into a
temporary folder, then times, side by side in one process (medians over the repeats):
reading the chart, reading the ties, loading the scenario that names both (reading included),
building the model on it, and ten steps; beside them the generated tree of the same size built
and stepped the same way. Prints a table; nothing is kept.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from commsim.config import load_config
from commsim.model import CommunityModel
from commsim.orgfiles import read_collaboration, read_org_chart

TITLES = ("Engineer", "Analyst", "Coach", "Operator", "")


def write_chart(folder: Path, people: int, seed: int = 0) -> tuple[Path, Path]:
    """The chart and its ties as CSV files, made from ``seed``."""
    rng = np.random.default_rng(seed)
    # each person reports to one of the earlier people who manage (a few new managers a level)
    manager = np.full(people, -1, dtype=np.int64)
    manager[1:] = (np.arange(1, people) * rng.uniform(0.0, 0.2, people - 1)).astype(np.int64)
    ids = np.array([f"P{100_000 + i}" for i in range(people)])
    boss = np.where(manager >= 0, ids[np.maximum(manager, 0)], "")
    team = rng.integers(0, people // 12 + 1, people)
    title = np.array(TITLES)[rng.integers(0, len(TITLES), people)]
    safety = np.where(rng.random(people) < 0.3, rng.uniform(0.2, 0.9, people).round(3), np.nan)
    chart = folder / "chart.csv"
    with chart.open("w", encoding="utf-8") as out:
        out.write("id,manager,team,role,safety\n")
        for row in zip(ids, boss, team, title, safety, strict=True):
            out.write(
                f"{row[0]},{row[1]},T{row[2]},{row[3]},{'' if row[4] != row[4] else row[4]}\n"
            )
    a = rng.integers(0, people, 4 * people)
    b = (a + rng.integers(1, 200, 4 * people)) % people  # colleagues nearby in the file: clusters
    pairs = np.unique(np.sort(np.stack([a, b], axis=1), axis=1), axis=0)
    ties = folder / "ties.csv"
    with ties.open("w", encoding="utf-8") as out:
        out.write("source,target,weight\n")
        weights = rng.integers(1, 50, len(pairs))
        for (x, y), w in zip(pairs.tolist(), weights.tolist(), strict=True):
            out.write(f"{ids[x]},{ids[y]},{w}\n")
    return chart, ties


def median_time(action: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        t0 = perf_counter()
        result = action()
        times.append(perf_counter() - t0)
    return statistics.median(times), result


def stepped(model: CommunityModel) -> CommunityModel:
    model.run(steps=10)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    roles = {"Engineer": "practitioner", "Operator": "practitioner", "Analyst": "researcher"}
    roles["Coach"] = "capacity_builder"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        chart_path, ties_path = write_chart(folder, args.people)
        scenario = folder / "own.toml"
        table = "\n".join(f'"{k}" = "{v}"' for k, v in roles.items())
        scenario.write_text(
            'org_chart = "chart.csv"\ncollaboration = "ties.csv"\nagent_sample_size = 100\n'
            f"[org_chart_roles]\n{table}\n"
        )
        r = args.repeats
        rows = [("files", f"{chart_path.stat().st_size / 2**20:.1f} MB chart, "
                 f"{ties_path.stat().st_size / 2**20:.1f} MB ties")]  # fmt: skip
        t, chart = median_time(lambda: read_org_chart(chart_path)[0], r)
        rows.append(("read the chart (checks included)", f"{t:.2f} s, {chart.n:,} people, "
                     f"{int(chart.level.max()) + 1} levels"))  # fmt: skip
        t, ties = median_time(lambda: read_collaboration(ties_path, chart)[0], r)
        rows.append(("read the ties", f"{t:.2f} s, {ties.edges.shape[0]:,} ties"))
        t, config = median_time(lambda: load_config(scenario), r)
        rows.append(("load the scenario (both files read)", f"{t:.2f} s"))
        t, _ = median_time(lambda: CommunityModel(config), r)
        rows.append(("build the model on it", f"{t:.2f} s"))
        t, _ = median_time(lambda: stepped(CommunityModel(config)), r)
        rows.append(("build + 10 steps", f"{t:.2f} s"))
        generated = load_config(None, n_agents=args.people, agent_sample_size=100)
        t, _ = median_time(lambda: CommunityModel(generated), r)
        rows.append(("generated tree of the same size: build", f"{t:.2f} s"))
        t, _ = median_time(lambda: stepped(CommunityModel(generated)), r)
        rows.append(("generated tree: build + 10 steps", f"{t:.2f} s"))
    width = max(len(k) for k, _ in rows)
    print(f"{args.people:,} people, medians of {r}")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    main()
