"""Configs are validated data: every mistake is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.config import Config, ConfigError, load_config, parse_assignment
from commsim.model.model import CommunityModel

from .conftest import CONFIGS

PROBS = [
    name
    for name, f in Config.model_fields.items()
    if f.annotation is float and any(getattr(m, "le", None) == 1.0 for m in f.metadata)
]


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_preset_is_valid_and_runs(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.name == path.stem
    smaller = {} if cfg.org_chart is not None else {"n_agents": min(cfg.n_agents, 120)}
    model = CommunityModel(cfg, steps=3, **smaller)  # an org chart sets its own size
    model.run()
    assert len(model.model_frame()) == 4


def write(tmp_path: Path, text: str, suffix: str = ".toml") -> Path:
    p = tmp_path / f"c{suffix}"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "n_agents = 100\nintegrashun = 0.5",
            "unknown field 'integrashun': did you mean 'integration'?",
        ),
        ("integration = 1.5", "field 'integration': Input should be less than or equal to 1"),
        (
            "fast_learner_share = 1.5",
            "field 'fast_learner_share': Input should be less than or equal to 1 (got 1.5)",
        ),
        ("fast_socialisation_rate = -0.1", "field 'fast_socialisation_rate'"),
        ('n_agents = "many"', "field 'n_agents'"),
        ("leadership = 'tyrant'", "field 'leadership'"),
        ("researcher_share = 0.5", "must sum to 1"),
        ("n_agents = 10_000_000_000", "field 'n_agents'"),
        ("[[interventions]]\nstep = 3\naction = 'fire_everyone'", "unknown action"),
        ("[[interventions]]\nstep = 3\naction = 'set_integration'\nvalue = 2", "interventions.0"),
        ("n_agents = ", "not valid TOML"),
    ],
)
def test_mistakes_give_one_line_naming_file_and_field(
    tmp_path: Path, text: str, needle: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert needle in message


def test_yaml_is_accepted_and_loaded_safely(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "n_agents: 77\nintegration: 0.3\n", ".yaml")).n_agents == 77
    evil = write(tmp_path, "n_agents: !!python/object/apply:os.system ['echo pwned']\n", ".yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(evil)


def test_memory_estimate_refuses_impossible_sizes() -> None:
    with pytest.raises(ConfigError, match=r"n_agents.*GiB"):
        load_config(None, n_agents=5_000_000_000)
    load_config(None, n_agents=1_000_000)  # a million members fits on a laptop


def test_overrides_are_validated_like_files() -> None:
    assert load_config("configs/default.toml", integration=0.1).integration == 0.1
    with pytest.raises(ConfigError, match="unknown parameter 'integation'"):
        load_config("configs/default.toml", integation=0.1)
    assert parse_assignment("integration=0.25") == ("integration", 0.25)
    assert parse_assignment("leadership=hero") == ("leadership", "hero")
    assert parse_assignment("voice=false") == ("voice", False)
    with pytest.raises(ConfigError):
        parse_assignment("integration")


@settings(max_examples=25, deadline=None)
@given(
    values=st.fixed_dictionaries({name: st.floats(0, 1) for name in PROBS[:14]}),
    n=st.integers(2, 120),
    m=st.integers(1, 40),
    span=st.integers(2, 9),
    community=st.booleans(),
    voice=st.booleans(),
    leadership=st.sampled_from(["collective", "hero"]),
)
def test_any_valid_config_runs(values, n, m, span, community, voice, leadership) -> None:
    model = CommunityModel(
        None,
        n_agents=n,
        m=m,
        span_of_control=span,
        community=community,
        voice=voice,
        leadership=leadership,
        steps=4,
        **values,
    )
    model.run()
    df = model.model_frame()
    assert len(df) == 5
    assert df.code_knowledge.between(-1, 1).all() and df.mean_safety.between(0, 1).all()
    assert set(model.state.beliefs.ravel().tolist()) <= {-1, 0, 1}
    assert ((model.state.safety >= 0) & (model.state.safety <= 1)).all()


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(PROBS), value=st.one_of(st.floats(-5, -1e-9), st.floats(1.0001, 5)))
def test_probabilities_outside_zero_one_are_refused(name: str, value: float) -> None:
    with pytest.raises(ConfigError, match=f"field '{name}'"):
        load_config(None, **{name: value})


def test_fast_learner_fields_default_to_marchs_rates_with_nobody_fast() -> None:
    cfg = load_config("configs/march1991.toml", fast_learner_share=0.4)
    assert (cfg.fast_learner_share, cfg.fast_socialisation_rate) == (0.4, 0.9)
    assert Config().fast_learner_share == 0.0
    fields = list(Config.model_fields)
    at = fields.index("socialisation_rate")
    assert fields[at + 1 : at + 3] == ["fast_learner_share", "fast_socialisation_rate"]


# --- a wrong file, or a file of the wrong kind, is named for what it is ------------------


def test_a_folder_is_called_a_folder(tmp_path: Path) -> None:
    (tmp_path / "scenario.toml").mkdir()
    with pytest.raises(ConfigError, match=r"scenario\.toml: a folder, not a config file"):
        load_config(tmp_path / "scenario.toml")


def test_an_experiment_file_is_sent_to_sweep(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "e"\nbase = "default.toml"\n[parameters]\nm = [10, 20]\n')
    with pytest.raises(ConfigError, match=r"an experiment file \(it sets 'base'\).*commsim sweep"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "suffix", "needle"),
    [
        ("name: x\n\tsteps: 3\n", ".yaml", "at line 2, column 1: found character '\\t'"),
        ("steps: 3\nm: 4\nsteps: 5\n", ".yaml", "at line 3, column 1: 'steps' is set twice"),
        ("steps = 3\nm = 4\nsteps = 5\n", ".toml", "at line 3, column 10: 'steps' is set twice"),
        ("steps = 3\nsteps = [\n  1,\n]\n", ".toml", "'steps' is set twice"),
        ("[[interventions]]\nstep = 1\nstep = 2\n", ".toml", "'step' is set twice"),
        ("n_agents = \n", ".toml", "at line 1, column 12: Invalid value"),
        ("m = [1,\n\n", ".toml", "at the end of the file (line 1)"),
    ],
)
def test_syntax_errors_give_the_line_and_name_a_repeated_key(
    tmp_path: Path, text: str, suffix: str, needle: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text, suffix))
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("content", "name", "needle"),
    [
        (b"", "c.toml", "the file is empty"),
        (b"  \n\n", "c.yaml", "the file is empty"),
        ("n_agents = 5 # caf\u00e9\n".encode("latin-1"), "c.toml", "not UTF-8 text (byte 0xe9"),
        (b"\x00\x01\x02n_agents", "c.toml", "a binary file"),
        (b"n_agents = 50\n", "c.json", "must end in .toml, .yaml or .yml (suffix: '.json')"),
        (b"n_agents = 50\n", "c", "(suffix: none)"),
        (b"# padding\n" * 110_000, "c.toml", "MiB is too large for a config file"),
    ],
)
def test_files_that_are_not_config_text_are_refused(
    tmp_path: Path, content: bytes, name: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ") and needle in str(err.value)


def test_a_byte_order_mark_is_not_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfn_agents = 30\n")
    assert load_config(path).n_agents == 30


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"seed": True}, "field 'seed': expected a number, not true or false"),
        ({"integration": False}, "field 'integration': expected a number"),
        ({"voice": 1}, "field 'voice': expected true or false"),
        ({"community": "yes"}, "field 'community': expected true or false"),
        ({"integration": float("nan")}, "field 'integration': Input should be a finite number"),
        ({"informal_ties": float("inf")}, "field 'informal_ties': Input should be a finite"),
        (
            {"interventions": [{"step": True, "action": "flatten_hierarchy"}]},
            "field 'interventions.0.step': expected a number",
        ),
    ],
)
def test_no_silent_conversion_between_numbers_and_flags(
    overrides: dict[str, object], needle: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, **overrides)
    assert needle in str(err.value)


def test_whole_floats_and_yaml_exponents_are_still_numbers(tmp_path: Path) -> None:
    assert load_config(None, steps=30.0).steps == 30
    assert load_config(None, integration=1).integration == 1.0
    # PyYAML reads 1e-2 (no dot) as a string; it stays a number for a number field
    assert load_config(write(tmp_path, "turbulence_rate: 1e-2\n", ".yaml")).turbulence_rate == 0.01


def test_labels_name_where_an_override_came_from() -> None:
    labels = {"seed": "--seed -1", "n_agnts": "--set n_agnts=3"}
    with pytest.raises(ConfigError, match=r"^--seed -1: field 'seed'"):
        load_config("configs/default.toml", labels=labels, seed=-1)
    with pytest.raises(ConfigError, match=r"^--set n_agnts=3: unknown parameter 'n_agnts'"):
        load_config("configs/default.toml", labels=labels, n_agnts=3)
    with pytest.raises(ConfigError, match=r"^configs/default.toml \(with overrides\): field 'm'"):
        load_config("configs/default.toml", labels=labels, seed=1, m=0)
