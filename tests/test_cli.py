"""The ``commsim`` command: runs write complete outputs; user errors are one line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from commsim import api, cli, storage
from commsim.cli import app

SMALL_TOML = """\
name = "small"
seed = 5
n_agents = 60
steps = 20

[[interventions]]
step = 5
action = "raise_safety"
amount = 0.3
"""
COMMSIM = Path(sys.executable).with_name("commsim")
FILES = storage.RUN_FILES

runner = CliRunner()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_TOML)
    return path


def invoke(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


def manifest(run_dir: Path) -> dict[str, object]:
    return json.loads((run_dir / "manifest.json").read_text())


def parquet_bytes(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.glob("*.parquet"))}


def assert_user_error(result: object, *needles: str) -> None:
    """Exit 2, exactly one line on stderr starting with 'error: ', naming each needle."""
    assert result.exit_code == 2, (result.stdout, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]


# --- run ---------------------------------------------------------------------------------


def test_run_writes_outputs_and_prints_a_summary(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", small, "--out", out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == FILES
    for label in ("code knowledge", "voice rate", "cross-role share", "insights codified"):
        assert label in result.stdout
    assert f"wrote {out}/" in result.stdout
    assert result.stderr == ""
    info = manifest(out)
    assert info["config_path"] == str(small)
    assert info["seed"] == 5 and info["steps_run"] == 20


def test_run_defaults_to_results_named_after_the_config(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "small.toml", "--steps", "3")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "results" / "small").iterdir()} == FILES


def test_set_steps_and_seed_land_in_the_manifest(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--set", "turbulence_rate=0.05", "--set", "leadership='hero'", "--set", "m=12"]
    result = invoke("run", small, "--steps", "4", "--seed", "9", *args, "--out", out)
    assert result.exit_code == 0, result.output
    config = manifest(out)["config"]
    assert config["turbulence_rate"] == 0.05
    assert config["leadership"] == "hero"
    assert (config["m"], config["steps"], config["seed"]) == (12, 4, 9)
    assert len(api.load_results(out)) == 5


def test_same_seed_same_bytes_other_seed_other_bytes(small: Path, tmp_path: Path) -> None:
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        assert invoke("run", small, "--seed", seed, "--out", tmp_path / name).exit_code == 0
    a, b, c = (parquet_bytes(tmp_path / name) for name in "abc")
    assert len(a) == 4
    assert a == b
    assert a["model.parquet"] != c["model.parquet"]
    assert manifest(tmp_path / "a")["config_hash"] == manifest(tmp_path / "b")["config_hash"]


def test_rerun_replaces_the_earlier_output_with_overwrite(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", small, "--seed", "1", "--out", out).exit_code == 0
    assert_user_error(invoke("run", small, "--seed", "2", "--out", out), "--overwrite")
    assert manifest(out)["seed"] == 1
    assert invoke("run", small, "--seed", "2", "--out", out, "--overwrite").exit_code == 0
    assert {p.name for p in out.iterdir()} == FILES
    assert manifest(out)["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.toml"]


def test_interventions_in_a_config_reach_both_tables(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", small, "--out", out).exit_code == 0
    log = api.load_results(out, "interventions")
    assert log[["step", "action"]].values.tolist() == [[5, "raise_safety"]]
    column = api.load_results(out, metrics=["interventions"], steps=[4, 5, 6])["interventions"]
    assert column.tolist() == ["", "raise_safety", ""]


def test_load_results_round_trip_after_the_cli(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", small, "--out", out).exit_code == 0
    expected = api.run(small).model
    df = api.load_results(out, metrics=["code_knowledge", "mean_safety"], steps=slice(10, 15))
    assert list(df.columns) == ["step", "code_knowledge", "mean_safety"]
    assert df["step"].tolist() == [10, 11, 12, 13, 14]
    assert df["code_knowledge"].tolist() == expected["code_knowledge"].iloc[10:15].tolist()


# --- user errors --------------------------------------------------------------------------

BAD_CONFIGS = [
    ("unknown.toml", "n_agnts = 60\n", "'n_agnts'"),
    ("type.toml", 'n_agents = "many"\n', "'n_agents'"),
    ("range.toml", "initial_safety = 1.5\n", "'initial_safety'"),
    ("negative.toml", "n_agents = 60\nsteps = -3\n", "'steps'"),
    ("syntax.toml", "n_agents = [\n", "not valid TOML"),
    ("memory.toml", "n_agents = 10000000000\n", "'n_agents'"),
    ("action.toml", '[[interventions]]\nstep = 1\naction = "fire_everyone"\n', "interventions"),
    ("shares.toml", "practitioner_share = 0.9\n", "sum to 1"),
    ("list.yaml", "- 1\n- 2\n", "top level"),
    ("python.yaml", 'n_agents: !!python/object/apply:os.system ["echo hi"]\n', "not valid YAML"),
]


@pytest.mark.parametrize(("name", "text", "field"), BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_configs_are_refused_in_one_line(
    tmp_path: Path, name: str, text: str, field: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / "out"
    assert_user_error(invoke("run", path, "--out", out), name, field)
    assert not out.exists()
    assert_user_error(invoke("validate", path), name, field)
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "steps"], "--set 'steps': expected key=value"),
        (["--set", "=3"], "expected key=value"),
        (["--set", "n_agnts=3"], "n_agnts"),
        (["--set", "n_agents=lots"], "'n_agents'"),
        (["--steps", "many"], "--steps 'many'"),
        (["--steps", "0"], "'steps'"),
        (["--seed", "-1"], "'seed'"),
    ],
)
def test_bad_command_line_values_are_refused(
    small: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    out = tmp_path / "out"
    assert_user_error(invoke("run", small, *args, "--out", out), needle)
    assert not out.exists()


def test_missing_config_file(tmp_path: Path) -> None:
    assert_user_error(invoke("run", tmp_path / "nope.toml"), "nope.toml", "no such config file")
    assert_user_error(invoke("validate", tmp_path / "nope.yaml"), "nope.yaml")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_or_foreign_out_dir(small: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert_user_error(invoke("run", small, "--out", blocker / "out"), "a_file")
    assert_user_error(invoke("run", small, "--out", blocker), "not a directory")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert_user_error(invoke("run", small, "--out", mine), "commsim did not write (notes.txt)")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "mine", "small.toml"]


def test_no_progress_bar_off_a_terminal() -> None:
    from commsim.cli import progress_bar
    from commsim.config import load_config

    with progress_bar(load_config(None, n_agents=10**5, m=1000, steps=1000)) as callback:
        assert callback is None  # pytest captures stderr: not a terminal


# --- validate, version ------------------------------------------------------------------


def test_validate_prints_one_ok_line(small: Path) -> None:
    result = invoke("validate", small)
    assert result.exit_code == 0
    assert result.stdout == f"{small}: ok (n_agents=60, m=30, steps=20, interventions=1)\n"
    result = invoke("validate", small, "--set", "n_agents=500", "--set", "steps=7")
    assert result.stdout.startswith(f"{small}: ok (n_agents=500, m=30, steps=7")
    assert not (small.parent / "results").exists()


def test_validate_the_shipped_configs() -> None:
    for path in sorted((Path(__file__).parents[1] / "configs").glob("*.toml")):
        result = invoke("validate", path)
        assert result.exit_code == 0, result.stderr


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == "commsim 0.1.0"


# --- the installed console script ---------------------------------------------------------


@pytest.mark.skipif(not COMMSIM.exists(), reason="console script not installed")
def test_console_script_end_to_end(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [COMMSIM, "run", small, "--out", out], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "code knowledge (final)" in done.stdout
    assert {p.name for p in out.iterdir()} == FILES


@pytest.mark.skipif(not COMMSIM.exists(), reason="console script not installed")
def test_console_script_never_executes_yaml_tags(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    config = tmp_path / "evil.yaml"
    config.write_text(f'n_agents: !!python/object/apply:os.system ["touch {marker}"]\n')
    done = subprocess.run(
        [COMMSIM, "run", config, "--out", tmp_path / "out"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "evil.yaml" in done.stderr
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


# --- app ---------------------------------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a check to let a bad input through, fail instead of becoming the server."""

    def refuse(*_: object) -> None:
        raise AssertionError("commsim app started a server despite a bad input")

    monkeypatch.setattr("commsim.app.serve.os.execve", refuse)


@pytest.mark.usefixtures("no_server")
def test_app_refuses_a_broken_scenario_before_serving(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("n_agents = 1\n")
    assert_user_error(invoke("app", bad), "bad.toml", "n_agents")
    assert_user_error(invoke("app", tmp_path / "missing.toml"), "missing.toml", "no such")


@pytest.mark.usefixtures("no_server")
def test_app_refuses_a_port_already_in_use(small: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_user_error(invoke("app", small, "--port", port), f"--port {port}", "in use")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """What `commsim app` would have become: the server's command line and environment."""
    seen: dict[str, object] = {}

    def record(path: str, argv: list[str], env: dict[str, str]) -> None:
        seen.update(argv=argv, env=env)

    monkeypatch.setattr("commsim.app.serve.os.execve", record)
    return seen


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_app_on_every_interface_prints_the_addresses_participants_open(
    served: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from commsim.app import serve

    port = free_port()
    monkeypatch.setattr(serve, "lan_addresses", lambda: ["192.168.1.20", "10.0.0.7"])
    said = invoke("app", "--host", "0.0.0.0", "--port", port)
    assert said.exit_code == 0, said.stderr
    assert said.stdout.startswith(
        f"commsim app: open http://192.168.1.20:{port} in a browser (also "
        f"http://10.0.0.7:{port}, http://127.0.0.1:{port}); Ctrl-C stops it\n"
        f"commsim app: the facilitator's room is http://192.168.1.20:{port}/room "
        "(facilitator code: "
    )
    assert serve.addresses("127.0.0.1", 9) == ["http://127.0.0.1:9"]  # only what was asked


def test_lan_addresses_are_this_machine_s_own_and_never_loopback() -> None:
    import socket

    from commsim.app.serve import lan_addresses

    found = lan_addresses()
    assert not [a for a in found if a.startswith(("127.", "0."))]
    for address in found:  # each is an address of this machine: a socket can listen on it
        with socket.socket() as s:
            s.bind((address, 0))


def test_app_offers_the_shipped_presets_from_any_folder(
    served: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started outside the repository, the session plan's scenarios are there; a user's own
    configs/ adds to them, and its file of a shipped name wins."""
    from commsim.app.app import CONFIG_ENV, PRESETS_ENV, presets

    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "mine.toml").write_text('name = "mine"\nn_agents = 30\n')
    (tmp_path / "configs" / "own_autoco.toml").write_text('name = "autoco"\nn_agents = 40\n')
    assert invoke("app", "--port", free_port()).exit_code == 0
    env = served["env"]
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv(PRESETS_ENV, env[PRESETS_ENV])
    offered = presets()
    plan = {"autoco", "default", "hero_leader", "fragmented_bureaucracy", "just_culture"}
    assert plan | {"mine"} <= set(offered)
    assert offered["autoco"].n_agents == 40  # the user's own first


def test_the_package_ships_every_source_package_and_the_presets() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[1]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    source = {
        ".".join(p.parent.relative_to(root / "src").parts)
        for p in (root / "src").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == source | {"commsim.presets", "commsim.presets.own"}
    assert setuptools["package-dir"]["commsim.presets"] == "configs"
    assert (root / "configs" / "autoco.toml").is_file()


def test_app_replays_a_saved_session_and_refuses_a_bad_one(
    served: dict[str, object], tmp_path: Path, small: Path
) -> None:
    from commsim.app.app import CONFIG_ENV, PRESETS_ENV

    assert invoke("app", "--replay", small, "--port", free_port()).exit_code == 0
    env = served["env"]
    assert env[CONFIG_ENV] == str(small.resolve())
    assert str(tmp_path) not in env[PRESETS_ENV]  # a downloads folder adds no presets
    bad = tmp_path / "session.toml"
    bad.write_text('name = "s"\n[[interventions]]\nstep = 2\naction = "raise_safty"\n')
    assert_user_error(invoke("app", "--replay", bad), "session.toml", "unknown action")
    assert_user_error(invoke("app", small, "--replay", small), "--replay", "or CONFIG")


@pytest.mark.usefixtures("no_server")
def test_app_refuses_a_bad_idle_time_or_facilitator_code(small: Path) -> None:
    said = invoke("app", small, "--idle-minutes", 0)
    assert_user_error(said, "--idle-minutes 0", "more than 0")
    said = invoke("app", small, "--facilitator-code", "a b")
    assert_user_error(said, "--facilitator-code 'a b'", "4 to 32 letters or digits")


def test_app_prints_the_room_with_its_code_and_frees_idle_teams_as_told(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, str] = {}
    monkeypatch.setattr("commsim.app.serve.os.execve", lambda _, __, env: served.update(env))
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    done = invoke("app", small, "--port", port, "--idle-minutes", 2.5)
    code = done.stdout.split("facilitator code: ")[1].split(")")[0]
    assert f"http://127.0.0.1:{port}/room (facilitator code: {code})" in done.stdout
    assert len(code) == 6 and served["COMMSIM_APP_FACILITATOR_CODE"] == code
    assert served["COMMSIM_APP_IDLE_MINUTES"] == "2.5"
    assert served["SOLARA_KERNEL_CULL_TIMEOUT"] == "2.5m"  # no orphaned kernel for 24 h
    again = invoke("app", small, "--port", port, "--facilitator-code", "Room42")
    assert "facilitator code: Room42)" in again.stdout


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [(SystemExit(1), 1, ""), (typer.Abort(), 1, "aborted\n"), (KeyboardInterrupt(), 130, "")],
)
def test_exits_that_are_not_usage_errors_pass_through_cleanly(
    raised: BaseException, code: int, said: str, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken pipe (rich raises SystemExit), an abort or Ctrl-C inside a command end it with
    their own status and no traceback, whatever the one-line usage-error handler catches."""

    def interrupted(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(cli, "resolve_config", interrupted)
    result = invoke("validate", small)
    assert (result.exit_code, result.stderr) == (code, said)
    assert result.exception is None or isinstance(result.exception, SystemExit)
