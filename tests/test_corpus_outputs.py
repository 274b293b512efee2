"""The adversarial corpus, output folders: every command that writes refuses a target holding
what commsim did not write, in one line, touching nothing (see ``tests/corpus.py``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from commsim import api, storage
from commsim.experiment.sweep import run_sweep

from .conftest import TINY_EXPERIMENT as TINY
from .corpus import Case, refuse

SMALL = 'name = "small"\nseed = 5\nn_agents = 30\nsteps = 5\n'
INPUTS = {"small.toml": SMALL, "tiny.toml": TINY}
BUILT: dict[str, Path] = {}  # "run" and "sweep": folders made once, copied into each case


@pytest.fixture(scope="module", autouse=True)
def built(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One finished run and one finished, plotted sweep (with a failures/ folder) to copy."""
    from commsim.experiment.plan import plan_sweep
    from commsim.experiment.spec import load_experiment

    base = tmp_path_factory.mktemp("built")
    (base / "tiny.toml").write_text(TINY)
    BUILT["run"] = api.run({"name": "small", "seed": 5, "n_agents": 30, "steps": 5}).save(
        base / "run"
    )
    run_sweep(plan_sweep(load_experiment(base / "tiny.toml")), base / "sweep", workers=1)
    api.plot_sweep(base / "sweep", metrics=["code_knowledge"])
    BUILT["sweep"] = base / "sweep"


def copy(
    kind: str, to: str, then: Callable[[Path], object] | None = None
) -> Callable[[Path], None]:
    """A setup: the built run or sweep copied to ``root/to``, then ``then(that folder)``."""

    def setup(root: Path) -> None:
        target = root / to
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(BUILT[kind], target, symlinks=True)
        if then is not None:
            then(target)

    return setup


def write(rel: str, text: str = "mine") -> Callable[[Path], None]:
    def put(folder: Path) -> None:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)

    return put


def edit_manifest(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def rewrite(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return rewrite


def link(rel: str, to: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / rel).unlink(missing_ok=True)
        (folder / rel).symlink_to(to)

    return make


def steps(*setups: Callable[[Path], object]) -> Callable[[Path], None]:
    def run_all(folder: Path) -> None:
        for setup in setups:
            setup(folder)

    return run_all


def format_1_without_hash(manifest: dict) -> None:
    """Today's format 1 run minus its config hash: no longer recognisably commsim's."""
    del manifest["kind"], manifest["config_hash"]
    manifest["format"] = 1


ANY = {"bytes": 1, "sha256": "0" * 64}  # a well-formed listing entry
RUN = ["run", "small.toml", "--out"]
SWEEP = ["sweep", "tiny.toml", "--workers", "1", "--out"]
WEB_APP = {"out/manifest.json": '{"name": "my web app", "start_url": "/"}', "out/app.js": "1"}

RUN_CASES = [
    Case("run-into-a-sweep", [*RUN, "out"], ["out", "a commsim sweep"], copy("sweep", "out")),
    Case(
        "run-into-a-sweep-overwrite",
        [*RUN, "out", "--overwrite"],
        ["a sweep directory is never a run's output"],
        copy("sweep", "out"),
    ),
    Case("run-foreign-manifest", [*RUN, "out"], ["not a commsim run's"], files=WEB_APP),
    Case(
        "run-foreign-manifest-overwrite",
        [*RUN, "out", "--overwrite"],
        ["out: holds a manifest.json that is not a commsim run's"],
        files=WEB_APP,
    ),
    Case(
        "run-lone-manifest-overwrite",
        [*RUN, "out", "--overwrite"],
        ["not a commsim run's"],
        files={"out/manifest.json": "{}"},
    ),
    Case(
        "run-manifest-json-list",
        [*RUN, "out", "--overwrite"],
        ["not a commsim run's"],
        files={"out/manifest.json": "[1, 2]"},
    ),
    Case(
        "run-manifest-unreadable",
        [*RUN, "out", "--overwrite"],
        ["not readable JSON"],
        files={"out/manifest.json": '{"kind": "commsim-run", '},
    ),
    Case(
        "run-manifest-is-a-folder",
        [*RUN, "out", "--overwrite"],
        ["manifest.json that commsim did not write (a directory)"],
        files={"out/manifest.json/inside.txt": "x"},
    ),
    Case(
        "run-manifest-is-a-symlink",
        [*RUN, "out", "--overwrite"],
        ["(a symbolic link)"],
        steps(
            copy("run", "real"), copy("run", "out", link("manifest.json", "../real/manifest.json"))
        ),
    ),
    Case(
        "run-earlier-run-without-overwrite",
        [*RUN, "out"],
        ["out: holds an earlier commsim run", "--overwrite"],
        copy("run", "out"),
    ),
    Case(
        "run-default-out-earlier-run",
        ["run", "small.toml"],
        ["results/small: holds an earlier commsim run"],
        copy("run", "results/small"),
    ),
    Case(
        "run-default-out-user-files",
        ["run", "small.toml", "--overwrite"],
        ["results/small: holds files commsim did not write (draft.md)"],
        files={"results/small/draft.md": "mine"},
    ),
    Case(
        "run-my-notes",
        [*RUN, "out"],
        ["what commsim did not write (my_notes.md)"],
        copy("run", "out", write("my_notes.md")),
    ),
    Case(
        "run-my-notes-overwrite",
        [*RUN, "out", "--overwrite"],
        ["what commsim did not write (my_notes.md)", "even with --overwrite"],
        copy("run", "out", write("my_notes.md")),
    ),
    Case(
        "run-hidden-file-overwrite",
        [*RUN, "out", "--overwrite"],
        ["(.DS_Store)"],
        copy("run", "out", write(".DS_Store")),
    ),
    Case(
        "run-subfolder-overwrite",
        [*RUN, "out", "--overwrite"],
        ["(extra/)"],
        copy("run", "out", write("extra/plot.py")),
    ),
    Case(
        "run-edited-figure-overwrite",
        [*RUN, "out", "--overwrite"],
        ["summary.png (changed since commsim wrote it)"],
        copy("run", "out", write("summary.png", "annotated by hand")),
    ),
    Case(
        "run-listed-file-is-a-symlink",
        [*RUN, "out", "--overwrite"],
        ["model.parquet (a symbolic link)"],
        steps(
            copy("run", "real"), copy("run", "out", link("model.parquet", "../real/model.parquet"))
        ),
    ),
    Case(
        "run-manifest-lists-a-path-outside",
        [*RUN, "out", "--overwrite"],
        ["not a commsim run's"],
        copy("run", "out", edit_manifest(lambda m: m["files"].update({"../precious.txt": ANY}))),
    ),
    Case(
        "run-format-1-without-config-hash",
        [*RUN, "out", "--overwrite"],
        ["not a commsim run's"],
        copy("run", "out", edit_manifest(format_1_without_hash)),
    ),
    Case(
        "run-many-user-files",
        [*RUN, "out"],
        ["(a.txt, b.txt, c.txt and 2 more)"],
        files={f"out/{n}.txt": n for n in "abcde"},
    ),
    Case(
        "run-out-is-a-file",
        [*RUN, "out"],
        ["out: exists and is not a directory"],
        files={"out": "x"},
    ),
    Case(
        "run-out-under-a-file",
        [*RUN, "notes.txt/out"],
        ["notes.txt is not a directory"],
        files={"notes.txt": "x"},
    ),
    Case(
        "run-out-dangling-symlink",
        [*RUN, "out"],
        ["out: a symbolic link to nothing"],
        link("out", "nowhere"),
    ),
    Case(
        "run-out-symlink-to-user-folder",
        [*RUN, "out", "--overwrite"],
        ["commsim did not write (thesis.tex)"],
        steps(write("mine/thesis.tex"), link("out", "mine")),
    ),
    Case("run-out-empty", [*RUN, ""], ["--out ''", "empty path"]),
    Case("run-out-blank", [*RUN, "  "], ["--out '  '", "empty path"]),
    Case("run-out-unwritable", [*RUN, "/proc/commsim-corpus/out"], ["cannot write there"]),
]

SWEEP_CASES = [
    Case(
        "sweep-into-a-run",
        [*SWEEP, "out"],
        ["out: holds a commsim run", "never a sweep's output"],
        copy("run", "out"),
    ),
    Case(
        "sweep-into-a-run-overwrite",
        [*SWEEP, "out", "--overwrite"],
        ["holds a commsim run"],
        copy("run", "out"),
    ),
    Case(
        "sweep-foreign-manifest-overwrite",
        [*SWEEP, "out", "--overwrite"],
        ["does not hold a commsim sweep (its manifest.json is not one)"],
        files=WEB_APP,
    ),
    Case(
        "sweep-unreadable-manifest",
        [*SWEEP, "out"],
        ["its manifest.json is not readable JSON"],
        files={"out/manifest.json": "{{"},
    ),
    Case(
        "sweep-user-files",
        [*SWEEP, "out", "--overwrite"],
        ["does not hold a commsim sweep (notes.txt)"],
        files={"out/notes.txt": "mine"},
    ),
    Case(
        "sweep-earlier-sweep",
        [*SWEEP, "out"],
        ["already holds a sweep", "--resume", "--overwrite"],
        copy("sweep", "out"),
    ),
    Case(
        "sweep-overwrite-and-resume",
        [*SWEEP, "out", "--overwrite", "--resume"],
        ["--resume and --overwrite contradict each other"],
        copy("sweep", "out"),
    ),
    Case(
        "sweep-overwrite-user-file",
        [*SWEEP, "out", "--overwrite"],
        ["what commsim did not write (analysis.ipynb)", "even with --overwrite"],
        copy("sweep", "out", write("analysis.ipynb")),
    ),
    Case(
        "sweep-overwrite-user-file-in-metrics",
        [*SWEEP, "out", "--overwrite"],
        ["(metrics/notes.txt)"],
        copy("sweep", "out", write("metrics/notes.txt")),
    ),
    Case(
        "sweep-overwrite-subfolder-in-insights",
        [*SWEEP, "out", "--overwrite"],
        ["(insights/old/)"],
        copy("sweep", "out", write("insights/old/x.parquet")),
    ),
    Case(
        "sweep-overwrite-user-figure",
        [*SWEEP, "out", "--overwrite"],
        ["figures/ (not only figures commsim drew)"],
        copy("sweep", "out", write("figures/poster.pdf")),
    ),
    Case(
        "sweep-overwrite-symlink",
        [*SWEEP, "out", "--overwrite"],
        ["data (a symbolic link)"],
        copy("sweep", "out", link("data", "/")),
    ),
    Case(
        "sweep-overwrite-hidden-file",
        [*SWEEP, "out", "--overwrite"],
        ["(.env)"],
        copy("sweep", "out", write(".env")),
    ),
    Case("sweep-out-empty", [*SWEEP, ""], ["--out ''"]),
    Case(
        "sweep-out-is-a-file",
        [*SWEEP, "out"],
        ["exists and is not a directory"],
        files={"out": "x"},
    ),
    Case(
        "sweep-out-dangling-symlink",
        [*SWEEP, "out", "--overwrite"],
        ["a symbolic link to nothing"],
        link("out", "nowhere"),
    ),
]

PLOT_CASES = [
    Case(
        "plot-into-user-folder",
        ["plot", "sw", "--out", "figs"],
        ["figs: holds files that are not figures commsim drew there (talk.key)"],
        copy("sweep", "sw"),
        files={"figs/talk.key": "mine"},
    ),
    Case(
        "plot-default-figures-with-user-file",
        ["plot", "sw"],
        ["sw/figures: holds files that are not figures commsim drew there (logo.png)"],
        copy("sweep", "sw", write("figures/logo.png")),
    ),
    Case(
        "plot-edited-figure",
        ["plot", "sw"],
        ["over_time_code_knowledge.svg (changed since commsim wrote it)"],
        copy("sweep", "sw", write("figures/over_time_code_knowledge.svg", "<svg/>")),
    ),
    Case(
        "plot-figures-without-marker",
        ["plot", "sw"],
        ["(over_time_code_knowledge.png, over_time_code_knowledge.svg)"],
        copy("sweep", "sw", lambda f: (f / "figures" / ".commsim-figures.json").unlink()),
    ),
    Case(
        "plot-foreign-marker",
        ["plot", "sw"],
        [".commsim-figures.json"],
        copy("sweep", "sw", write("figures/.commsim-figures.json", '{"kind": "other"}')),
    ),
    Case(
        "plot-into-a-run",
        ["plot", "sw", "--out", "r"],
        ["r: holds files"],
        steps(copy("sweep", "sw"), copy("run", "r")),
    ),
    Case(
        "plot-into-the-sweep",
        ["plot", "sw", "--out", "sw"],
        ["experiment.toml, failures/, figures/ and 4 more"],
        copy("sweep", "sw"),
    ),
    Case(
        "plot-bad-metric-into-new-folders",
        ["plot", "sw", "--out", "new/figs", "--metric", "code_knowlege"],
        ["did you mean 'code_knowledge'"],
        copy("sweep", "sw"),
    ),
    Case("plot-out-empty", ["plot", "sw", "--out", ""], ["--out ''"], copy("sweep", "sw")),
    Case(
        "plot-out-is-a-file",
        ["plot", "sw", "--out", "f.png"],
        ["f.png: exists and is not a directory"],
        copy("sweep", "sw"),
        files={"f.png": "x"},
    ),
]

CSV_CASES = [
    Case(
        f"{command}-{name}",
        [command, "sw", "--csv", *args],
        needles,
        copy("sweep", "sw"),
        files=files,
    )
    for command in ("results", "analyse")
    for name, args, needles, files in [
        (
            "csv-missing-folder",
            ["nope/t.csv"],
            ["nope/t.csv: cannot write it, the directory nope does not exist"],
            {},
        ),
        ("csv-exists", ["t.csv"], ["t.csv: exists; pass --overwrite"], {"t.csv": "mine"}),
        ("csv-empty", [""], ["--csv file is an empty path"], {}),
        ("csv-is-a-folder", ["d", "--overwrite"], ["d: is a directory"], {"d/x": "1"}),
        (
            "csv-under-a-file",
            ["f/t.csv"],
            ["f/t.csv: cannot write it, f is not a directory"],
            {"f": "x"},
        ),
    ]
] + [
    Case(
        "results-csv-symlink-overwrite",
        ["results", "sw", "--csv", "t.csv", "--overwrite"],
        ["t.csv: is a symbolic link"],
        steps(copy("sweep", "sw"), write("real.csv"), link("t.csv", "real.csv")),
    ),
]

CASES = RUN_CASES + SWEEP_CASES + PLOT_CASES + CSV_CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_refused_and_nothing_touched(case: Case, tmp_path: Path) -> None:
    inputs = Case(case.id, case.args, case.needles, case.setup, {**INPUTS, **case.files})
    refuse(inputs, tmp_path)


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


def test_a_run_folder_is_still_a_run() -> None:
    """The corpus's run is one ``--overwrite`` may replace (so its refusals are the strays')."""
    assert storage.earlier_run(BUILT["run"], overwrite=True)
