"""Every validation study in one command (docs/VALIDATION.md): each study's script in turn.

    .venv/bin/python experiments/validation/run_all.py [--quick] [--workers N]

runs march1991.py, lazer_friedman2007.py, fang2010.py, miller2006.py and seed_hypotheses.py
(this folder), each in its own process, with the same options; results and figures go to
results/validation/ (--quick: results/validation/quick/). Each study resumes what is already
there, so after an interruption the same command carries on. A study whose script is missing
is reported and skipped; the exit status is 1 if any study failed. `make validate` and
`make validate-quick` call this.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUDIES = ["march1991", "lazer_friedman2007", "fang2010", "miller2006", "seed_hypotheses"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="each study's small form, into results/validation/quick",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    args = parser.parse_args(argv)
    options = (["--quick"] if args.quick else []) + (
        ["--workers", str(args.workers)] if args.workers else []
    )
    outcome = {}
    for study in STUDIES:
        script = HERE / f"{study}.py"
        if not script.is_file():
            print(f"== {study}: skipped, {script.relative_to(HERE.parents[1])} does not exist yet")
            outcome[study] = "missing"
            continue
        print(f"== {study}: {' '.join([script.name, *options])}", flush=True)
        start = time.monotonic()
        done = subprocess.run([sys.executable, str(script), *options], check=False)
        minutes = (time.monotonic() - start) / 60
        outcome[study] = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
        print(f"== {study}: {outcome[study]} in {minutes:.1f} min", flush=True)
    print("\n".join(f"{study:20} {state}" for study, state in outcome.items()))
    return 1 if any(state.startswith("failed") for state in outcome.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
