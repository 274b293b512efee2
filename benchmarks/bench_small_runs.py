"""Many small runs: March's Figure 1 through ``commsim.sweep`` beside a hand-written compiled
loop of March's rules, the seed study, ``commsim.run``'s overhead and the sweep's storage.

    .venv/bin/python benchmarks/bench_small_runs.py                 # 20 repetitions a point
    .venv/bin/python benchmarks/bench_small_runs.py --quick         # smoke run, under a minute
    .venv/bin/python benchmarks/bench_small_runs.py --against main  # also time another commit

It states issue 14's throughput goals side by side with today's path, so that every change is
measured against them in one run: commsim's sweep at least as many runs/s as the compiled
loop (the bar: the same model, written for one purpose), ``commsim.run`` under 2 ms beyond
the model's own work, the seed study faster, the sweep's results in few files that load fast.

Each commsim measurement runs in a fresh interpreter with ``PYTHONPATH`` at the source tree
it times (this checkout's ``src``; with ``--against REV`` also ``git archive REV src``,
unpacked in a temporary folder), after one untimed warm-up run that loads numba's kernels.
Contenders alternate, repeat by repeat, so machine noise hits them alike; a figure is the
median over repeats. The loop is compiled once, untimed, before any timing. Configs and
experiment files are this checkout's for every contender. Prints one table per workload
and writes every number to ``results/bench_small_runs.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
from numba import njit

ROOT = Path(__file__).resolve().parents[1]
MARCH = ROOT / "configs" / "experiments" / "validation" / "march1991_learning_rates.toml"
SEED_STUDY = ROOT / "configs" / "experiments" / "safety_authority_integration.toml"
FIGURE_1_AT_SCALE = 27 * 10_000  # the goal's Figure 1: 10,000 repetitions a point
SEED_STUDY_RUNS = 27 * 40  # the study's own design: 3 x 3 x 3 points x 40 repetitions
OVERHEAD_CASES = (  # (label, scenario, overrides, calls)
    ("March, N = 50, to equilibrium", "march1991.toml", {}, 40),
    ("default, N = 10,000 x 20 steps", "default.toml", {"n_agents": 10_000, "steps": 20}, 15),
)


# --- the bar: March's rules as one compiled loop -------------------------------------------


# numba's own generator (a Generator cannot be made inside compiled code), as a naive loop
# would draw: one uniform per coin and per trial
@njit(cache=False)
def _uniform() -> float:
    return np.random.random()  # noqa: NPY002


@njit(cache=False)
def _settled(beliefs: np.ndarray, code: np.ndarray) -> bool:
    """March's stable equilibrium: the code holds a view everywhere and everyone holds it."""
    n, m = beliefs.shape
    for d in range(m):
        if code[d] == 0:
            return False
    for i in range(n):
        for d in range(m):
            if beliefs[i, d] != code[d]:
                return False
    return True


@njit(cache=False)
def march_run(n: int, m: int, p1: float, p2: float, max_steps: int, seed: int) -> tuple[int, float]:
    """One run of March's model as configs/march1991.toml sets it (docs/MODEL.md section 9):
    act, socialise gradually toward the code as it was, code learns from the superior
    group's actions; returns (steps, code knowledge = code . reality / m)."""
    np.random.seed(seed)  # noqa: NPY002
    reality = np.empty(m, np.int8)
    for d in range(m):
        reality[d] = 1 if _uniform() < 0.5 else -1
    beliefs = np.empty((n, m), np.int8)
    for i in range(n):
        for d in range(m):
            beliefs[i, d] = np.random.randint(-1, 2)  # noqa: NPY002
    code = np.zeros(m, np.int8)
    actions = np.empty((n, m), np.int8)
    performance = np.empty(n, np.int64)
    steps = 0
    while steps < max_steps:
        steps += 1
        for i in range(n):  # act: a coin where the belief is undecided
            score = 0
            for d in range(m):
                a = beliefs[i, d]
                if a == 0:
                    a = 1 if _uniform() < 0.5 else -1
                actions[i, d] = a
                score += a * reality[d]
            performance[i] = score
        code_score = 0
        for d in range(m):
            code_score += code[d] * reality[d]
        for d in range(m):  # socialise: one step toward the code, with probability p1
            c = code[d]
            if c == 0:
                continue
            for i in range(n):
                b = beliefs[i, d]
                if b != c and _uniform() < p1:
                    beliefs[i, d] = b + 1 if c > b else b - 1
        for d in range(m):  # the code learns the superior group's majority action
            votes = 0
            for i in range(n):
                if performance[i] > code_score:
                    votes += actions[i, d]
            if votes != 0:
                majority = 1 if votes > 0 else -1
                if majority != code[d] and _uniform() < 1.0 - (1.0 - p2) ** abs(votes):
                    code[d] = majority
        if _settled(beliefs, code):
            break
    knowledge = 0
    for d in range(m):
        knowledge += code[d] * reality[d]
    return steps, knowledge / m


@njit(cache=False)
def march_design(
    p1: np.ndarray, p2: np.ndarray, reps: int, n: int, m: int, max_steps: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every (point, repetition); a repetition's seed is shared by every point, as the
    experiment's common random numbers share its reality and people."""
    steps = np.empty((p1.size, reps), np.int64)
    knowledge = np.empty((p1.size, reps), np.float64)
    for point in range(p1.size):
        for rep in range(reps):
            steps[point, rep], knowledge[point, rep] = march_run(
                n, m, p1[point], p2[point], max_steps, seed + rep
            )
    return steps, knowledge


def march_points() -> tuple[np.ndarray, np.ndarray]:
    """(p1, p2) of every point of March's Figure 1 experiment, in the sweep's grid."""
    spec = tomllib.loads(MARCH.read_text())["parameters"]
    p1 = spec["socialisation_rate"]
    count = round((p1["stop"] - p1["start"]) / p1["step"]) + 1
    grid = [round(p1["start"] + i * p1["step"], 10) for i in range(count)]
    pairs = [(a, b) for a in grid for b in spec["code_learning_rate"]]
    return np.array([a for a, _ in pairs]), np.array([b for _, b in pairs], np.float64)


def time_loop(reps: int, seed: int = 1991) -> dict[str, Any]:
    """The loop on March's design: runs/s, mean steps and code knowledge per point."""
    march = tomllib.loads((ROOT / "configs" / "march1991.toml").read_text())
    p1, p2 = march_points()
    shape = (march["n_agents"], march["m"], march["steps"])
    t0 = perf_counter()
    steps, knowledge = march_design(p1, p2, reps, *shape, seed)
    seconds = perf_counter() - t0
    points = [
        {
            "p1": float(a),
            "p2": float(b),
            "n": reps,
            "mean": float(k.mean()),
            "sd": float(k.std(ddof=1)),
        }
        for a, b, k in zip(p1, p2, knowledge, strict=True)
    ]
    return {
        "runs": int(steps.size),
        "seconds": seconds,
        "mean_steps": float(steps.mean()),
        "mean_knowledge": float(knowledge.mean()),
        "points": points,
    }


# --- commsim's side, in a child interpreter --------------------------------------------------


def experiment_copy(source: Path, folder: Path, repetitions: int) -> Path:
    """The experiment file with ``repetitions`` replaced and ``base`` made absolute."""
    text = source.read_text()
    base = (source.parent / tomllib.loads(text)["base"]).resolve()
    text = re.sub(r"(?m)^repetitions = \d+", f"repetitions = {repetitions}", text)
    text = re.sub(r'(?m)^base = ".*"', f"base = {json.dumps(str(base))}", text)
    path = folder / source.name
    path.write_text(text)
    return path


def warm_up(scenario: str, **overrides: Any) -> None:
    """One short untimed run: numba's kernels loaded before any timing."""
    from commsim.model import CommunityModel

    CommunityModel(ROOT / "configs" / scenario, steps=3, **overrides).run()


def child_sweep(reps: int) -> dict[str, Any]:
    """March's Figure 1 through ``commsim.sweep`` (1 worker, written), the model alone, and
    the sweep's storage: files, bytes, ``load_results`` times, and the points' means."""
    import commsim
    from commsim.experiment.plan import plan_sweep
    from commsim.experiment.runner import execute
    from commsim.experiment.spec import load_experiment

    warm_up("march1991.toml")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, out = experiment_copy(MARCH, folder, reps), folder / "sweep"
        # a sweep's first in a process loads what every later one reuses (imports, numba's
        # kernels, the provenance): untimed, as the loop's compilation is; in this process,
        # as the timed sweep runs, or the kernels load in pool workers instead
        (folder / "warm").mkdir()
        warm = experiment_copy(MARCH, folder / "warm", 1)
        commsim.sweep(warm, folder / "warm-sweep", workers=1)
        t0 = perf_counter()
        report = commsim.sweep(path, out, workers=1)
        sweep_s = perf_counter() - t0
        assert report.done == report.planned and not report.failed, report
        t0 = perf_counter()
        tasks = plan_sweep(load_experiment(path)).tasks
        plan_s = perf_counter() - t0
        t0 = perf_counter()
        for task in tasks:
            assert execute(task).ok
        model_s = perf_counter() - t0
        files = [f.stat().st_size for f in out.rglob("*") if f.is_file()]
        t0 = perf_counter()
        frame = commsim.load_results(out)
        load_s = perf_counter() - t0
        t0 = perf_counter()
        commsim.load_results(out, metrics=["code_knowledge"])
        load_metric_s = perf_counter() - t0
    grouped = frame.groupby(["socialisation_rate", "code_learning_rate"])["code_knowledge"]
    points = [
        {"p1": a, "p2": b, "n": int(k.size), "mean": float(k.mean()), "sd": float(k.std(ddof=1))}
        for (a, b), k in grouped
    ]
    return {
        "runs": len(tasks),
        "sweep_s": sweep_s,
        "plan_s": plan_s,
        "model_s": model_s,
        "files": len(files),
        "bytes": sum(files),
        "load_s": load_s,
        "load_metric_s": load_metric_s,
        "mean_steps": float(frame["step"].mean()),
        "mean_knowledge": float(frame["code_knowledge"].mean()),
        "points": points,
    }


def child_overhead() -> dict[str, Any]:
    """``commsim.run`` against the model built and run directly (and with its tables made),
    the three alternating call by call: the least time of each (every call does the same
    work, the same seed) and the median over calls of run's excess over the call beside it
    (on a busy machine the least times alone can order the three wrongly)."""
    import commsim
    from commsim.model import CommunityModel

    def direct(path: Path, overrides: dict[str, Any], frames: bool) -> None:
        model = CommunityModel(path, **overrides)
        model.run()
        if frames:
            model.model_frame(), model.agent_frame(), model.insight_frame()
            model.intervention_frame()

    results = {}
    for label, scenario, overrides, calls in OVERHEAD_CASES:
        path = ROOT / "configs" / scenario
        contenders = {
            "run": lambda p=path, o=overrides: commsim.run(p, **o),
            "direct": lambda p=path, o=overrides: direct(p, o, frames=False),
            "direct_frames": lambda p=path, o=overrides: direct(p, o, frames=True),
        }
        times: dict[str, list[float]] = {name: [] for name in contenders}
        warm_up(scenario, **{k: v for k, v in overrides.items() if k != "steps"})
        for _ in range(calls):
            for name, call in contenders.items():
                t0 = perf_counter()
                call()
                times[name].append(perf_counter() - t0)
        results[label] = {name: min(t) for name, t in times.items()}
        for name in ("direct", "direct_frames"):
            excess = [a - b for a, b in zip(times["run"], times[name], strict=True)]
            results[label][f"run_minus_{name}"] = statistics.median(excess)
    return results


def child_seed(reps: int) -> dict[str, Any]:
    """The seed study's first ``reps`` repetitions of every point through ``commsim.sweep``."""
    import commsim

    warm_up("default.toml", n_agents=500)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = experiment_copy(SEED_STUDY, folder, reps)
        t0 = perf_counter()
        report = commsim.sweep(path, folder / "sweep", workers=1)
        seconds = perf_counter() - t0
    assert report.done == report.planned and not report.failed, report
    return {"runs": report.planned, "seconds": seconds}


CHILDREN = {"sweep": child_sweep, "overhead": child_overhead, "seed": child_seed}


def measure(src: Path, workload: str, *args: int) -> dict[str, Any]:
    """One workload in a fresh interpreter importing commsim from ``src``."""
    command = [sys.executable, __file__, "--child", workload, *map(str, args)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{workload} with {src} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def extract(rev: str, folder: Path) -> Path:
    """``rev``'s ``src`` unpacked into ``folder``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


# --- the run: alternate, summarise, print ------------------------------------------------------


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def agreement(commsim_points: list[dict], loop_points: list[dict]) -> list[dict[str, float]]:
    """Per point: both means and their difference in standard errors. Both sides are the
    same model, so the loop's many runs give the spread of both (a few runs of commsim's
    would make a poor estimate of it)."""
    loop = {(round(p["p1"], 6), round(p["p2"], 6)): p for p in loop_points}
    rows = []
    for ours in commsim_points:
        theirs = loop[(round(ours["p1"], 6), round(ours["p2"], 6))]
        se = theirs["sd"] * (1 / ours["n"] + 1 / theirs["n"]) ** 0.5
        diff = ours["mean"] - theirs["mean"]
        z = diff / se if se else (0.0 if diff == 0 else float("inf"))
        rows.append(
            {
                "p1": ours["p1"],
                "p2": ours["p2"],
                "commsim": ours["mean"],
                "loop": theirs["mean"],
                "z": z,
            }
        )
    return rows


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for row in [header, *rows]:
        cells = [
            f"{row[0]:<{widths[0]}}",
            *(f"{c:>{w}}" for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        print("  ".join(cells))


def report(result: dict[str, Any]) -> None:
    loop = result["loop"]
    loop_rate = loop["runs"] / loop["median_s"]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in result['load_average'])}")

    def march_row(label: str, side: dict[str, Any], seconds: float) -> list[str]:
        rate = side["runs"] / seconds
        return [
            label,
            f"{side['runs']}",
            f"{seconds:.3f}",
            f"{1e3 / rate:.2f}",
            f"{rate:,.0f}",
            f"{rate / loop_rate:.3f}",
            f"{FIGURE_1_AT_SCALE / rate / 60:,.1f}",
            f"{side['mean_steps']:.1f}",
            f"{side['mean_knowledge']:.3f}",
        ]

    rows = [march_row("compiled loop of March's rules", loop, loop["median_s"])]
    for name, side in result["commsim"].items():
        for label, key in (("commsim.sweep, written", "sweep_s"), ("model alone", "model_s")):
            rows.append(march_row(f"{name}: {label}", side["sweep"], side["sweep"][key]))
    reps = result["repetitions"]
    table(
        f"1-2. March's Figure 1 design (27 points x {reps} repetitions, N = 50, m = 30, to "
        f"equilibrium), 1 worker; median of {result['repeats']} (goals: commsim.sweep >= the "
        "loop; 270,000 runs < 10 min on 2 cores)",
        [
            "contender",
            "runs",
            "seconds",
            "ms/run",
            "runs/s",
            "x loop",
            "270,000 runs, min (1 worker)",
            "mean steps",
            "code knowledge",
        ],
        rows,
    )
    agreement = result["agreement"]  # per contender, the same points in the same order
    shown = [i for i, a in enumerate(next(iter(agreement.values()))) if a["p1"] in (0.1, 0.5, 0.9)]
    rows = []
    for i in shown:
        first = next(iter(agreement.values()))[i]
        rows.append([f"{first['p1']:.1f}", f"{first['p2']:.1f}", f"{first['loop']:.3f}"])
        for points in agreement.values():
            rows[-1] += [f"{points[i]['commsim']:.3f}", f"{points[i]['z']:+.2f}"]
    spread = "; ".join(
        f"{name}: max |z| {max(abs(a['z']) for a in points):.2f}, "
        f"mean z {statistics.mean(a['z'] for a in points):+.2f}"
        for name, points in agreement.items()
    )
    table(
        f"   equilibrium code knowledge, commsim ({reps} runs a point) against the loop "
        f"({result['check_repetitions']} runs a point), over all 27 points: {spread}",
        ["p1", "p2", "loop", *(f"{c}{name}" for name in agreement for c in ("", "z "))],
        rows,
    )
    rows = []
    for name, side in result["commsim"].items():
        for label, case in side["overhead"].items():
            rows.append(
                [
                    f"{name}: {label}",
                    f"{1e3 * case['run']:.2f}",
                    f"{1e3 * case['direct']:.2f}",
                    f"{1e3 * case['direct_frames']:.2f}",
                    f"{1e3 * case['run_minus_direct']:.2f}",
                    f"{1e3 * case['run_minus_direct_frames']:.2f}",
                ]
            )
    table(
        "3. commsim.run against the model built and run directly, ms per call (least over "
        "calls; the differences: median over calls of run's excess; medians over repeats; "
        "goal: run - direct < 2 ms)",
        ["case", "run", "direct", "direct+tables", "run - direct", "run - (direct+tables)"],
        rows,
    )
    rows = []
    for name, side in result["commsim"].items():
        seed = side["seed"]
        rate = seed["runs"] / seed["seconds"]
        rows.append(
            [
                name,
                f"{seed['runs']}",
                f"{seed['seconds']:.2f}",
                f"{rate:.2f}",
                f"{SEED_STUDY_RUNS / rate / 60:.1f}",
                f"{rate / loop_rate:.5f}",
            ]
        )
    table(
        "4. the seed study (safety_authority_integration: N = 500, m = 30, 200 steps, every "
        f"mechanism on), first {result['seed_repetitions']} repetition(s) of its 27 points, 1 "
        "worker (goal: 5x today's wall time)",
        ["contender", "runs", "seconds", "runs/s", "full study, min", "x loop runs/s"],
        rows,
    )
    rows = []
    for name, side in result["commsim"].items():
        sweep = side["sweep"]
        rows.append(
            [
                name,
                f"{sweep['runs']}",
                f"{sweep['files']}",
                f"{sweep['bytes'] / 1e6:.2f}",
                f"{sweep['bytes'] / sweep['runs']:,.0f}",
                f"{sweep['load_s']:.3f}",
                f"{sweep['load_metric_s']:.3f}",
                f"{FIGURE_1_AT_SCALE * sweep['bytes'] / sweep['runs'] / 1e9:.2f}",
                f"{FIGURE_1_AT_SCALE * sweep['load_s'] / sweep['runs']:,.0f}",
            ]
        )
    table(
        "5. storage of item 1's sweep (goal: few files; 270,000 runs load in < 5 s, 10x less "
        "disk); the last two columns scale this sweep linearly to 270,000 runs",
        [
            "contender",
            "runs",
            "files",
            "MB",
            "bytes/run",
            "load_results s",
            "one metric s",
            "GB at 270,000",
            "load s at 270,000",
        ],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repetitions", type=int, default=20, help="March: runs a point")
    parser.add_argument("--repeats", type=int, default=3, help="times each contender runs")
    parser.add_argument("--seed-repetitions", type=int, default=1, help="seed study: runs a point")
    parser.add_argument(
        "--check-repetitions",
        type=int,
        default=None,
        help="the loop's runs a point for the agreement check (default 10x)",
    )
    parser.add_argument("--against", metavar="REV", help="also time this commit's src")
    parser.add_argument("--quick", action="store_true", help="2 repetitions, one repeat")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_small_runs.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        workload, *values = args.child
        print(json.dumps(CHILDREN[workload](*map(int, values))))
        return
    if args.quick:
        args.repetitions, args.repeats = 2, 1
    check = args.check_repetitions or 10 * args.repetitions
    result: dict[str, Any] = {
        "load_average": os.getloadavg(),
        "repetitions": args.repetitions,
        "repeats": args.repeats,
        "seed_repetitions": args.seed_repetitions,
        "check_repetitions": check,
        "against": args.against,
    }
    march_design(*march_points(), 1, 5, 3, 2, 0)  # compile, untimed
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this checkout": ROOT / "src"}
        if args.against:
            commit = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", args.against],
                capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            trees[f"at {args.against} ({commit})"] = extract(commit, Path(tmp))
        runs: dict[str, dict[str, list]] = {name: {} for name in trees}
        loop_times = []
        for _ in range(args.repeats):  # each workload's contenders back to back
            for workload, values in (
                ("sweep", [args.repetitions]),
                ("overhead", []),
                ("seed", [args.seed_repetitions]),
            ):
                for name, src in trees.items():
                    runs[name].setdefault(workload, []).append(measure(src, workload, *values))
                if workload == "sweep":
                    loop = time_loop(args.repetitions)
                    loop_times.append(loop["seconds"])
    loop["median_s"] = statistics.median(loop_times)
    result["loop"] = loop
    result["commsim"] = {name: summary(sides) for name, sides in runs.items()}
    reference = time_loop(check)["points"]
    result["agreement"] = {
        name: agreement(side["sweep"]["points"], reference)
        for name, side in result["commsim"].items()
    }
    report(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"\nwritten: {args.out}")


def summary(sides: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Median over repeats of every timing; the rest as the first repeat measured it."""
    sweep = dict(sides["sweep"][0])
    for key in ("sweep_s", "plan_s", "model_s", "load_s", "load_metric_s"):
        sweep[key] = median_of(sides["sweep"], key)
    overhead = {
        label: {key: statistics.median(r[label][key] for r in sides["overhead"]) for key in case}
        for label, case in sides["overhead"][0].items()
    }
    seed = {**sides["seed"][0], "seconds": median_of(sides["seed"], "seconds")}
    return {"sweep": sweep, "overhead": overhead, "seed": seed, "all": sides}


if __name__ == "__main__":
    main()
