"""The adversarial corpus, input side: scenario files, experiment files, command-line misuse.

Each case is a mistake a user can make with ``commsim run``, ``validate``, ``app`` or
``sweep``; each must end in one ``error: ...`` line naming the file or option and the field,
exit status 2, and a folder left exactly as it was (``tests/corpus.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .corpus import Case, refuse

SCENARIO = 'name = "small"\nn_agents = 40\nsteps = 5\n'
# an experiment over base.toml, beside it
BASE = {"base.toml": SCENARIO}
EXPERIMENT = 'name = "e"\nbase = "base.toml"\n[parameters]\nintegration = [0.2, 0.8]\n'


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were `commsim app` to let a bad input through, fail instead of becoming the server."""

    def refuse_to_serve(*args: object) -> None:
        raise AssertionError("commsim app started a server despite a bad input")

    monkeypatch.setattr("commsim.app.serve.os.execve", refuse_to_serve)


# "billion laughs": nine levels of ten aliases each, 10**9 values once expanded, in 500 bytes
ALIAS_BOMB = (
    'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
)


def scenario(id: str, text: str, *needles: str, name: str = "s.toml") -> Case:
    """`commsim validate` on a scenario file holding ``text``."""
    return Case(id, ["validate", name], (name, *needles), files={name: text})


def experiment(id: str, text: str, *needles: str, name: str = "x.toml") -> Case:
    """`commsim sweep` (no --dry-run: a refusal must write no output) on an experiment file."""
    return Case(id, ["sweep", name], (name, *needles), files={**BASE, name: text})


def option(id: str, *args: str, needle: str) -> Case:
    """`commsim run` on a valid scenario with misused options."""
    return Case(id, ["run", "s.toml", *args], (needle,), files={"s.toml": SCENARIO})


def intervention(id: str, fields: str, *needles: str) -> Case:
    return scenario(id, f"[[interventions]]\n{fields}\n", "interventions.0", *needles)


def mkdir(*names: str) -> Callable[[Path], object]:
    return lambda root: [(root / name).mkdir() for name in names]


def write_bytes(name: str, content: bytes) -> Callable[[Path], object]:
    return lambda root: (root / name).write_bytes(content)


FILES = [
    # --- where a scenario file goes: run, validate, app ---------------------------------
    Case("folder-to-validate", ["validate", "s.toml"], ("s.toml: a folder",), mkdir("s.toml")),
    Case("folder-to-run", ["run", "dir"], ("dir: a folder, not a config file",), mkdir("dir")),
    Case("folder-to-app", ["app", "s.toml"], ("s.toml: a folder",), mkdir("s.toml")),
    Case("missing-to-validate", ["validate", "nope.toml"], ("nope.toml: no such config file",)),
    Case("missing-to-app", ["app", "nope.yaml"], ("nope.yaml: no such config file",)),
    Case("device-to-validate", ["validate", os.devnull], ("not a regular file",)),
    Case(
        "experiment-to-run",
        ["run", "x.toml"],
        ("x.toml: an experiment file (it sets 'base')", "commsim sweep x.toml"),
        files={**BASE, "x.toml": EXPERIMENT},
    ),
    Case(
        "experiment-to-validate",
        ["validate", "x.toml"],
        ("an experiment file", "commsim sweep"),
        files={**BASE, "x.toml": EXPERIMENT},
    ),
    Case(
        "experiment-to-app",
        ["app", "x.toml"],
        ("an experiment file", "commsim sweep"),
        files={**BASE, "x.toml": EXPERIMENT},
    ),
    Case(
        "experiment-without-base-to-run",
        ["run", "x.yaml"],
        ("an experiment file (it sets 'parameters')",),
        files={"x.yaml": "name: e\nparameters:\n  integration: [0.2, 0.8]\n"},
    ),
    # --- files that are not TOML or YAML text -------------------------------------------
    scenario("empty", "", "the file is empty"),
    scenario("blank", "\n   \n", "the file is empty", name="s.yaml"),
    scenario("json-suffix", '{"n_agents": 50}', "(suffix: '.json')", name="s.json"),
    scenario("txt-suffix", "n_agents = 50\n", "(suffix: '.txt')", name="s.txt"),
    scenario("no-suffix", "n_agents = 50\n", "(suffix: none)", name="scenario"),
    Case(
        "not-utf8",
        ["validate", "s.toml"],
        ("s.toml: not UTF-8 text (byte 0xe9 at offset 20)",),
        write_bytes("s.toml", "name = 'small'\n# caf\u00e9\n".encode("latin-1")),
    ),
    Case(
        "binary",
        ["validate", "s.toml"],
        ("s.toml: a binary file",),
        write_bytes("s.toml", bytes(range(256))),
    ),
    Case(
        "huge",
        ["run", "s.toml"],
        ("s.toml: 1.1 MiB is too large for a config file",),
        write_bytes("s.toml", b"# a long comment\n" * 70_000),
    ),
    # --- syntax, with the line (and column) --------------------------------------------
    scenario("toml-syntax", "n_agents = \n", "not valid TOML at line 1, column 12"),
    scenario("toml-open-array", "m = [1,\n\n", "at the end of the file (line 1)"),
    scenario(
        "toml-duplicate-key", "steps = 3\nm = 4\nsteps = 5\n", "line 3", "'steps' is set twice"
    ),
    scenario("toml-duplicate-table", "[a]\nx = 1\n[a]\n", "line 3", "table [a] is declared twice"),
    scenario(
        "toml-duplicate-in-intervention",
        "[[interventions]]\nstep = 1\naction = 'flatten_hierarchy'\nstep = 2\n",
        "line 4",
        "'step' is set twice",
    ),
    scenario(
        "yaml-tab",
        "name: x\n\tsteps: 3\n",
        "not valid YAML at line 2, column 1",
        "not tabs",
        name="s.yaml",
    ),
    scenario("yaml-open-list", "n_agents: [1\n", "not valid YAML at line 2", name="s.yml"),
    scenario(
        "yaml-duplicate-key",
        "steps: 3\nsteps: 5\n",
        "line 2",
        "'steps' is set twice",
        name="s.yaml",
    ),
    scenario(
        "yaml-python-tag",
        "n_agents: !!python/object/apply:os.system ['echo hi']\n",
        "not valid YAML at line 1, column 11",
        name="s.yaml",
    ),
    scenario(
        "yaml-control-character",
        "name: x\nsteps: 3\x07\n",
        "not valid YAML at line 2, column 9: character #x07 is not allowed",
        name="s.yaml",
    ),
    scenario("toml-control-character", "name = 'x'\nsteps = 3\x07\n", "at line 2, column 10"),
    scenario("yaml-alias-bomb", ALIAS_BOMB, "more than 100,000 values", name="s.yaml"),
    scenario("yaml-too-deep", "x: " + "[" * 5000 + "]" * 5000, "nested too deeply", name="s.yaml"),
    scenario("toml-too-deep", "x = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    scenario("yaml-list-at-top", "- 1\n- 2\n", "top level", name="s.yaml"),
    scenario("yaml-scalar-at-top", "42\n", "top level", name="s.yaml"),
    scenario("toml-array-of-tables-at-top", "[[runs]]\nsteps = 3\n", "unknown field 'runs'"),
    # --- fields: names, types, ranges ---------------------------------------------------
    scenario("typo", "integrashun = 0.5\n", "did you mean 'integration'?"),
    scenario("string-for-int", 'n_agents = "many"\n', "field 'n_agents'"),
    scenario("string-for-float", 'integration = "high"\n', "field 'integration'"),
    scenario("bool-for-int", "seed = true\n", "field 'seed': expected a number"),
    scenario("bool-for-float", "integration = false\n", "field 'integration': expected a number"),
    scenario("int-for-bool", "voice = 0\n", "field 'voice': expected true or false"),
    scenario("string-for-bool", "community: 'no'\n", "field 'community'", name="s.yaml"),
    scenario("nan", "integration = nan\n", "field 'integration': Input should be a finite number"),
    scenario("inf", "informal_ties = inf\n", "field 'informal_ties'", "finite"),
    scenario("fraction-for-int", "n_agents = 40.5\n", "field 'n_agents'", "fractional"),
    scenario("negative-seed", "seed = -1\n", "field 'seed'", "greater than or equal to 0"),
    scenario("zero-steps", "steps = 0\n", "field 'steps'"),
    scenario("too-many-steps", "steps = 2_000_000\n", "field 'steps'"),
    scenario("probability-above-one", "integration = 1.5\n", "field 'integration'", "(got 1.5)"),
    scenario("unknown-choice", "leadership = 'tyrant'\n", "field 'leadership'", "'hero'"),
    scenario("bad-name", "name = 'my scenario'\n", "field 'name'"),
    scenario("shares", "practitioner_share = 0.9\n", "must sum to 1"),
    scenario("nk-too-large", "task = 'nk'\nm = 40\n", "field 'task'", "m <= 24"),
    scenario("odd-small-world", "network = 'small_world'\nnetwork_degree = 3\n", "even degree"),
    scenario("too-big-for-memory", "n_agents = 10_000_000_000\n", "field 'n_agents'", "GiB"),
    scenario(
        "interventions-not-a-list",
        "interventions = 'reorg'\n",
        "field 'interventions': expected a list of tables",
    ),
    scenario(
        "interventions-one-table",
        "[interventions]\nstep = 3\naction = 'flatten_hierarchy'\n",
        "field 'interventions': expected a list of tables ([[interventions]] in TOML)",
    ),
    scenario("intervention-not-a-table", "interventions = [1]\n", "field 'interventions.0'"),
    # --- scheduled interventions ---------------------------------------------------------
    intervention(
        "intervention-unknown-action", "step = 3\naction = 'fire_everyone'", "unknown action"
    ),
    intervention("intervention-no-action", "step = 3", "no action; allowed: 'raise_safety'"),
    intervention("intervention-no-step", "action = 'flatten_hierarchy'", "step", "Field required"),
    intervention("intervention-negative-step", "step = -1\naction = 'flatten_hierarchy'", "step"),
    intervention(
        "intervention-bool-step", "step = true\naction = 'flatten_hierarchy'", "expected a number"
    ),
    intervention(
        "intervention-unknown-field",
        "step = 3\naction = 'raise_safety'\namout = 0.3",
        "amout",
        "not a parameter of this action",
    ),
    intervention(
        "intervention-value-out-of-range",
        "step = 3\naction = 'set_integration'\nvalue = 2",
        "value",
    ),
    intervention("intervention-missing-value", "step = 3\naction = 'set_punitiveness'", "value"),
    intervention(
        "intervention-zero-share", "step = 3\naction = 'reality_shock'\nshare = 0", "share"
    ),
]

OPTIONS = [
    option("set-without-equals", "--set", "steps", needle="--set 'steps': expected key=value"),
    option("set-without-key", "--set", "=3", needle="expected key=value"),
    option("set-unknown-key", "--set", "n_agnts=3", needle="--set n_agnts=3: unknown parameter"),
    option("set-bad-literal", "--set", "integration=[1,", needle="--set integration=[1,: field"),
    option("set-out-of-range", "--set", "integration=2", needle="--set integration=2: field"),
    option("set-negative-seed", "--set", "seed=-1", needle="--set seed=-1: field 'seed'"),
    option("set-bool-seed", "--set", "seed=true", needle="expected a number, not true or false"),
    option("set-bad-flag", "--set", "voice=maybe", needle="--set voice=maybe: field 'voice'"),
    option("set-shares", "--set", "researcher_share=0.5", needle="must sum to 1"),
    option("set-bad-intervention", "--set", "interventions=[1]", needle="interventions.0"),
    option("steps-not-a-number", "--steps", "abc", needle="--steps 'abc': expected a whole number"),
    option("steps-zero", "--steps", "0", needle="--steps 0: field 'steps'"),
    option("seed-fraction", "--seed", "1.5", needle="--seed '1.5': expected a whole number"),
    option("seed-negative", "--seed", "-1", needle="--seed -1: field 'seed'"),
    option(
        "set-twice",
        *("--set", "steps=3", "--set", "steps=4"),
        needle="--set steps=4: 'steps' is already given by --set steps=3",
    ),
    option(
        "set-and-option",
        *("--set", "seed=3", "--seed", "4"),
        needle="--seed 4: 'seed' is already given by --set seed=3",
    ),
    Case(
        "validate-set-unknown",
        ["validate", "s.toml", "--set", "integation=0.1"],
        ("did you mean 'integration'",),
        files={"s.toml": SCENARIO},
    ),
    Case(
        "app-broken-scenario",
        ["app", "s.toml"],
        ("s.toml", "field 'n_agents'"),
        files={"s.toml": "n_agents = 1\n"},
    ),
]

EXPERIMENTS = [
    # --- where an experiment file goes: sweep -------------------------------------------
    Case(
        "scenario-to-sweep",
        ["sweep", "base.toml"],
        ("base.toml: a scenario file, not an experiment", "commsim run"),
        files=BASE,
    ),
    Case(
        "folder-to-sweep",
        ["sweep", "x.toml"],
        ("a folder, not an experiment file",),
        mkdir("x.toml"),
    ),
    Case("missing-to-sweep", ["sweep", "x.toml"], ("x.toml: no such experiment file",)),
    experiment("experiment-empty", "", "the file is empty; an experiment file"),
    experiment("experiment-yaml-tab", "name: e\n\tbase: base.toml\n", "line 2", name="x.yaml"),
    experiment(
        "experiment-duplicate-key", "name = 'f'\n" + EXPERIMENT, "line 2", "'name' is set twice"
    ),
    experiment(
        "experiment-alias-bomb",
        ALIAS_BOMB + "name: e\nbase: base.toml\nparameters:\n  integration: *a8\n",
        "more than 100,000 values once YAML aliases are expanded; experiment files are small",
        name="x.yaml",
    ),
    experiment("experiment-list-at-top", "- base.toml\n", "top level", name="x.yaml"),
    experiment(
        "experiment-array-of-tables", EXPERIMENT + "[[runs]]\nn = 1\n", "unknown field 'runs'"
    ),
    # --- the base scenario -------------------------------------------------------------
    experiment("base-itself", 'name = "e"\nbase = "x.toml"\n', "field 'base'", "itself"),
    Case(
        "base-is-an-experiment",
        ["sweep", "a.toml"],
        ("a.toml: field 'base': b.toml is an experiment file",),
        files={
            "a.toml": 'name = "a"\nbase = "b.toml"\n',
            "b.toml": 'name = "b"\nbase = "a.toml"\n',
        },
    ),
    Case(
        "base-folder",
        ["sweep", "x.toml"],
        ("x.toml: field 'base': sub: a folder",),
        mkdir("sub"),
        files={"x.toml": 'name = "e"\nbase = "sub"\n'},
    ),
    experiment(
        "base-missing", 'name = "e"\nbase = "nowhere.toml"\n', "no scenario file nowhere.toml"
    ),
    experiment(
        "base-absolute-missing",
        'name = "e"\nbase = "/nonexistent/commsim/base.toml"\n',
        "field 'base': no scenario file /nonexistent/commsim/base.toml",
    ),
    Case(
        "base-broken",
        ["sweep", "x.toml"],
        ("x.toml: field 'base': b.yaml: not valid YAML at line 2, column 1",),
        files={"b.yaml": "name: b\n\tsteps: 3\n", "x.toml": 'name = "e"\nbase = "b.yaml"\n'},
    ),
    Case(
        "base-wrong-suffix",
        ["sweep", "x.toml"],
        ("field 'base'", "(suffix: '.json')"),
        files={"b.json": "{}", "x.toml": 'name = "e"\nbase = "b.json"\n'},
    ),
    experiment(
        "base-missing-field", 'name = "e"\n[parameters]\nm = [10]\n', "field 'base'", "required"
    ),
    experiment("base-not-a-string", 'name = "e"\nbase = 3\n', "field 'base'"),
    # --- settings given twice ------------------------------------------------------------
    experiment(
        "steps-twice",
        'name = "e"\nbase = "base.toml"\nsteps = 10\n[overrides]\nsteps = 20\n',
        "field 'overrides.steps': the top-level 'steps' sets it too (steps = 10)",
    ),
    experiment(
        "stop-twice",
        'name = "e"\nbase = "base.toml"\nstop = "steps"\n[overrides]\nstop_at_equilibrium = true\n',
        "field 'overrides.stop_at_equilibrium': the top-level 'stop' sets it too",
    ),
    experiment(
        "fixed-and-varied",
        'name = "e"\nbase = "base.toml"\n[overrides]\nintegration = 0.5\n'
        "[parameters]\nintegration = [0.2, 0.8]\n",
        "field 'overrides.integration': also varied in [parameters]",
    ),
    experiment(
        "seed-in-overrides",
        'name = "e"\nbase = "base.toml"\n[overrides]\nseed = 3\n',
        "field 'overrides.seed'",
    ),
    # --- the experiment's own fields ----------------------------------------------------
    experiment("no-name", 'base = "base.toml"\n', "field 'name'", "required"),
    experiment(
        "top-level-typo",
        EXPERIMENT.replace("[param", "repetitons = 2\n[param"),
        "did you mean 'repetitions'",
    ),
    experiment(
        "repetitions-zero",
        'name = "e"\nbase = "base.toml"\nrepetitions = 0\n',
        "field 'repetitions'",
    ),
    experiment(
        "repetitions-bool",
        'name = "e"\nbase = "base.toml"\nrepetitions = true\n',
        "field 'repetitions': expected a number",
    ),
    experiment(
        "experiment-seed-negative", 'name = "e"\nbase = "base.toml"\nseed = -1\n', "field 'seed'"
    ),
    experiment("steps-string", 'name = "e"\nbase = "base.toml"\nsteps = "ten"\n', "field 'steps'"),
    experiment(
        "crn-number",
        'name = "e"\nbase = "base.toml"\ncommon_random_numbers = 1\n',
        "field 'common_random_numbers': expected true or false",
    ),
    experiment("stop-unknown", 'name = "e"\nbase = "base.toml"\nstop = "never"\n', "field 'stop'"),
    experiment(
        "parameters-not-a-table",
        'name = "e"\nbase = "base.toml"\nparameters = [1]\n',
        "field 'parameters'",
    ),
    experiment(
        "parameter-unknown",
        'name = "e"\nbase = "base.toml"\n[parameters]\nintegrashun = [0.1]\n',
        "field 'parameters.integrashun'",
        "did you mean 'integration'",
    ),
    experiment(
        "parameter-not-sweepable",
        'name = "e"\nbase = "base.toml"\n[parameters]\nsteps = [10, 20]\n',
        "field 'parameters.steps': cannot be swept",
    ),
    experiment(
        "parameter-value-out-of-range",
        'name = "e"\nbase = "base.toml"\n[parameters]\nintegration = [0.5, 1.5]\n',
        "integration=1.5",
    ),
    experiment(
        "parameter-listed-twice",
        'name = "e"\nbase = "base.toml"\n[parameters]\nintegration = [0.5, 0.5]\n',
        "listed twice",
    ),
    experiment(
        "range-backwards",
        'name = "e"\nbase = "base.toml"\n[parameters]\n'
        "integration = {start = 0.9, stop = 0.1, step = 0.1}\n",
        "below start",
    ),
    experiment(
        "range-nan",
        'name = "e"\nbase = "base.toml"\n[parameters]\n'
        "integration = {start = 0.1, stop = nan, step = 0.1}\n",
        "field 'parameters.integration.stop'",
        "finite",
    ),
    experiment(
        "distribution-in-factorial",
        'name = "e"\nbase = "base.toml"\n[parameters]\n'
        'integration = {distribution = "uniform", low = 0.1, high = 0.9}\n',
        "distributions need design.kind",
    ),
    experiment(
        "design-unknown",
        'name = "e"\nbase = "base.toml"\n[design]\nkind = "grid"\n',
        "field 'design.kind'",
    ),
    experiment(
        "sobol-without-samples",
        'name = "e"\nbase = "base.toml"\n[design]\nkind = "sobol"\n[parameters]\n'
        'integration = {distribution = "uniform", low = 0.1, high = 0.9}\n',
        "needs design.samples",
    ),
    experiment(
        "record-every-zero",
        'name = "e"\nbase = "base.toml"\n[record]\nevery = 0\n',
        "field 'record.every'",
    ),
    experiment(
        "record-metric-typo",
        'name = "e"\nbase = "base.toml"\n[record]\nmetrics = ["code_knowlege"]\n',
        "did you mean 'code_knowledge'",
    ),
    experiment(
        "override-out-of-range",
        'name = "e"\nbase = "base.toml"\n[overrides]\nn_agents = 1\n',
        "field 'n_agents'",
    ),
    experiment(
        "override-unknown",
        'name = "e"\nbase = "base.toml"\n[overrides]\nn_agent = 50\n',
        "field 'overrides.n_agent'",
    ),
]

# click's own checks (before any commsim code runs): one line too, not a usage box
USAGE = [
    Case("run-without-config", ["run"], ("commsim run: Missing argument 'CONFIG'", "--help")),
    Case("sweep-without-experiment", ["sweep"], ("commsim sweep: Missing argument",)),
    Case("results-without-folder", ["results"], ("commsim results: Missing argument 'DIR'",)),
    Case("unknown-command", ["rnu", "s.toml"], ("No such command 'rnu'",)),
    Case("unknown-option", ["run", "s.toml", "--stpes", "3"], ("No such option: --stpes",)),
    Case("option-without-value", ["run", "s.toml", "--steps"], ("'--steps' requires an argument",)),
    Case("port-not-a-number", ["app", "--port", "abc"], ("commsim app", "'--port'")),
    Case("port-out-of-range", ["app", "--port", "70000"], ("commsim app", "'--port'")),
    Case("extra-argument", ["validate", "s.toml", "t.toml"], ("unexpected extra argument",)),
]

CASES = FILES + OPTIONS + EXPERIMENTS + USAGE


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_refused(case: Case, tmp_path: Path) -> None:
    refuse(case, tmp_path / "case")


def test_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
