"""Calibration to observed data: a posterior over model parameters by ABC-SMC (pyabc).

A target file (TOML or YAML, data, never executed) names a base scenario, the metrics an
organisation has observed with their uncertainty, a prior over parameters and the ABC
settings:

    name = "survey"
    base = "../default.toml"
    steps = 100
    seed = 7
    [overrides]
    n_agents = 60
    [[observed]]
    metric = "mean_safety"        # a metric of the model's catalogue
    at = "end"                    # a step, "end", "total" (run total of an event counter)
    value = 0.45                  #   or "mean" (over the run's steps)
    sd = 0.05                     # the observation's uncertainty (one standard deviation)
    [prior]                       # the experiment files' distributions
    initial_safety = { distribution = "uniform", low = 0.05, high = 0.95 }
    [abc]
    population = 100              # particles per generation
    generations = 6               # at most; fewer once the threshold reaches epsilon
    epsilon = 0.5                 # stop below this distance (RMS of the z-scores)
    repetitions = 1               # runs averaged per parameter set

Why pyabc: it is maintained (0.13: Python >= 3.11), works here with numpy 2.5 and pandas 3.1
(the tests run it), implements ABC-SMC with adaptive thresholds and transition kernels, and
keeps every generation in an SQLite database, from which a stopped calibration continues.
ELFI 0.8.8 pins matplotlib < 3.9 (commsim runs 3.11) and needs GPy; sbi needs torch
(gigabytes) and a neural density estimator, more than a handful of summary numbers call for.

pyabc's own samplers are not used: a sampler here (``CommsimSampler``) runs the simulations
through the sweep's backends (``runner``: the local pool or a Dask cluster), in batches, and
takes the particles in slot order, with every slot's proposal seeded from the target's seed,
so a calibration is the same, bit for bit, whichever backend ran it.

The distance is the root mean square of the z-scores ((simulated - observed) / sd), so a
threshold of 1 means "within one observational sd on average".
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator

from commsim.config import (
    Config,
    ConfigError,
    Int,
    Real,
    StrictModel,
    config_schema_of,
    parse_config,
    read_config_file,
    respell,
)
from commsim.experiment.plan import RunTask, derive_seed, metric_names
from commsim.experiment.runner import Backend, make_backend
from commsim.experiment.spec import (
    NOT_SWEEPABLE,
    ORGANISATION,
    Distribution,
    OnBase,
    _base_data,
    _format_error,
)
from commsim.model import CommunityModel, model_path

KIND = "commsim-calibration"
_PER_LEVEL = re.compile(r"safety_level_\d+$")
QUICK = {"population": 30, "generations": 3, "predictive": 20}


class Observed(StrictModel):
    """One observed number: a metric at a step, at the end, as a run total or a run mean."""

    metric: str
    at: int | Literal["end", "total", "mean"] = "end"
    value: Real
    sd: Annotated[Real, Field(gt=0)]
    per: str | None = None  # with at = "total": the metric's total per this one's total

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: Any) -> Any:
        if value in ("end", "total", "mean") or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 0
        ):
            return value
        raise ValueError('expected a step (a whole number >= 0), "end", "total" or "mean"')

    @property
    def label(self) -> str:
        name = self.metric if self.per is None else f"{self.metric}/{self.per}"
        return f"{name}@{self.at}"


class ABCSettings(StrictModel):
    """ABC-SMC's settings: particles, generations, the threshold to stop at, runs per set."""

    population: Annotated[Int, Field(ge=5, le=100_000)] = 100
    generations: Annotated[Int, Field(ge=1, le=100)] = 8
    epsilon: Annotated[Real, Field(gt=0)] | None = None
    repetitions: Annotated[Int, Field(ge=1, le=1000)] = 1
    predictive: Annotated[Int, Field(ge=1, le=100_000)] = 100


class Target(OnBase):
    """The schema of a target file."""

    seed: Annotated[Int, Field(ge=0)] = 0
    observed: list[Observed] = Field(min_length=1)
    prior: dict[str, Distribution] = Field(min_length=1)
    truth: dict[str, Real] = Field(default_factory=dict)  # known values, for a synthetic check
    abc: ABCSettings = ABCSettings()


@dataclass(frozen=True)
class LoadedTarget:
    """A target file, checked, with its base scenario resolved."""

    spec: Target
    path: Path
    text: str
    base: Config
    model: type[CommunityModel] = CommunityModel

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.prior)

    @property
    def labels(self) -> list[str]:
        return [o.label for o in self.spec.observed]

    def observed(self) -> dict[str, float]:
        return {o.label: float(o.value) for o in self.spec.observed}


def _error(err: dict[str, Any], source: str) -> str:
    if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
        name = str(err["loc"][0])
        close = difflib.get_close_matches(name, list(Target.model_fields), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{source}: unknown field '{name}'{hint}"
    return _format_error(err, source)


def _check_bounds(name: str, prior: Any, config: Config, source: str) -> None:
    """A bounded prior must lie within what the parameter takes: a uniform prior over
    initial_safety up to 1.5 would be a prior other than the one written (its part above 1
    rejected). A normal prior's tails may cross the bounds: those particles are rejected."""
    if prior.distribution == "normal":
        return
    for end in ("low", "high"):
        try:
            config.with_overrides(**{name: getattr(prior, end)})
        except ConfigError as exc:
            problem = str(exc).rsplit(": ", 1)[-1]
            raise ConfigError(
                f"{source}: field 'prior.{name}': {end} = {getattr(prior, end):g} is not a "
                f"value {name} takes ({problem})"
            ) from None


def _check_names(spec: Target, source: str, schema: type[Config], config: Config) -> None:
    for name in [*spec.prior, *spec.overrides, *spec.truth]:
        where = next(w for w in ("prior", "overrides", "truth") if name in getattr(spec, w))
        if name not in schema.model_fields:
            close = difflib.get_close_matches(name, list(schema.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{source}: field '{where}.{name}': not a model parameter{hint}")
    for name in spec.prior:
        if name in NOT_SWEEPABLE | ORGANISATION:
            raise ConfigError(f"{source}: field 'prior.{name}': cannot be calibrated")
        if name in spec.overrides:
            raise ConfigError(
                f"{source}: field 'overrides.{name}': also in [prior]; fix it or infer it"
            )
    for name in spec.truth:
        if name not in spec.prior:
            raise ConfigError(f"{source}: field 'truth.{name}': not a parameter of [prior]")
    for name, prior in spec.prior.items():
        _check_bounds(name, prior, config, source)
    known = metric_names(config)
    events = set(CommunityModel.catalogue_for(config).events)
    steps = config.steps
    for i, obs in enumerate(spec.observed):
        where = f"{source}: field 'observed.{i}"
        for field, name in (("metric", obs.metric), ("per", obs.per)):
            if name is not None and name not in known and not _PER_LEVEL.match(name):
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ConfigError(f"{where}.{field}': no metric '{name}'{hint}")
        if obs.at == "total" and obs.metric not in events:
            raise ConfigError(
                f"{where}.at': a run total needs an event counter; '{obs.metric}' is a state "
                '(use "end", "mean" or a step)'
            )
        if obs.per is not None and (obs.at != "total" or obs.per not in events):
            raise ConfigError(
                f"{where}.per': a share of run totals: at = \"total\" and 'per' an event counter"
            )
        if isinstance(obs.at, int) and obs.at > steps:
            raise ConfigError(f"{where}.at': step {obs.at} is after the last step ({steps})")
    labels = [o.label for o in spec.observed]
    for label in labels:
        if labels.count(label) > 1:
            raise ConfigError(f"{source}: field 'observed': {label} is observed twice")


def load_target(source: str | os.PathLike[str]) -> LoadedTarget:
    """Read and check a target file; ConfigError names the file and the first bad field."""
    path = Path(source)
    label = str(path)
    data = read_config_file(path, what="target file")
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected a table of target settings at the top level")
    if "observed" not in data and ("parameters" in data or "design" in data):
        raise ConfigError(
            f"{label}: an experiment file, not a calibration target: run it with `commsim sweep`"
        )
    if "observed" not in data and "base" not in data:
        raise ConfigError(
            f"{label}: a scenario file, not a calibration target: a target names its scenario "
            "in 'base' and lists [[observed]] metrics"
        )
    for key in ("overrides", "prior", "truth"):
        if isinstance(data.get(key), dict):
            data = {**data, key: respell(data[key], label)}
    try:
        spec = Target.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_error(exc.errors()[0], label)) from None
    base_path, base = _base_data(spec, path, label)
    where = f"{label} (base {base_path} with overrides)"
    config = parse_config(base, source=where)
    _check_names(spec, label, config_schema_of(base, where, ()), config)
    for name, value in spec.truth.items():
        parse_config({**base, name: value}, source=f"{label}: field 'truth.{name}'")
    return LoadedTarget(spec=spec, path=path, text=path.read_text(encoding="utf-8"), base=config)


# --- simulations ---------------------------------------------------------------------------


def _task(target: LoadedTarget, params: dict[str, float], key: str) -> RunTask | None:
    """A run of the base scenario at ``params``, seeded by ``key``; None when the values are
    outside what the model accepts (a normal prior's tail): that particle is rejected."""
    typed = {
        name: round(value) if target.spec.prior[name].integer else float(value)
        for name, value in params.items()
    }
    data = {**target.base.model_dump(), **typed, "seed": derive_seed(target.spec.seed, key)}
    try:
        config = parse_config(data, source=str(target.path))
    except ConfigError:
        return None
    wanted = {o.metric for o in target.spec.observed} | {
        o.per for o in target.spec.observed if o.per
    }
    return RunTask(
        run_id=key,
        point=0,
        repetition=0,
        parameters=typed,
        config=config,
        record_every=1,
        metrics=tuple(sorted(wanted)),
        insights=False,
        model=model_path(target.model),
    )


def summarise_run(frame: pd.DataFrame, observed: list[Observed]) -> dict[str, float]:
    """The observed quantities as one run gives them (the model's rows, every step)."""
    out: dict[str, float] = {}
    for obs in observed:
        column = frame[obs.metric].astype(float)
        if obs.at == "end":
            value = column.iloc[-1]
        elif obs.at == "mean":
            value = column.mean()
        elif obs.at == "total":
            value = column.sum()
            if obs.per is not None:
                total = frame[obs.per].astype(float).sum()
                value = value / total if total > 0 else 0.0
        else:  # a step; a run stopped at equilibrium keeps its last state
            value = column[frame["step"] <= obs.at].iloc[-1]
        out[obs.label] = float(value)
    return out


class RunFailedError(ValueError):
    """A run of the calibration raised: a fault to fix (in the model, an extension or the
    machine), not a particle to reject; the calibration stops, its generations kept."""


class Simulator:
    """Runs parameter sets through a sweep backend and averages their summaries."""

    def __init__(self, target: LoadedTarget, backend: Backend) -> None:
        self.target = target
        self.backend = backend
        self.runs = 0

    def __call__(self, sets: list[tuple[str, dict[str, float]]]) -> list[dict[str, float]]:
        """Each (key, params)'s summary: the mean over ``repetitions`` runs; inf when the
        parameters are invalid (rejected). A run that raises stops the calibration."""
        reps = self.target.spec.abc.repetitions
        tasks: dict[str, RunTask] = {}
        invalid: set[str] = set()
        for key, params in sets:
            for rep in range(reps):
                task = _task(self.target, params, f"{key}-r{rep}")
                if task is None:
                    invalid.add(key)
                else:
                    tasks[task.run_id] = task
        frames: dict[str, dict[str, float]] = {}
        for outcome in self.backend.outcomes(list(tasks.values())):
            if not outcome.ok:
                raise RunFailedError(
                    f"a calibration run failed ({outcome.error}); the calibration stopped, "
                    "its finished generations kept: fix the cause and continue with --resume"
                )
            frame = outcome.metrics.to_pandas()  # type: ignore[union-attr]
            frames[outcome.run_id] = summarise_run(frame, self.target.spec.observed)
        self.runs += len(tasks)
        inf = dict.fromkeys(self.target.labels, math.inf)
        return [
            inf
            if key in invalid
            else {
                label: float(np.mean([frames[f"{key}-r{r}"][label] for r in range(reps)]))
                for label in self.target.labels
            }
            for key, _ in sets
        ]


# --- pyabc ---------------------------------------------------------------------------------


class _Pending(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by the model when a proposal's simulation is not done yet."""

    def __init__(self, parameters: dict[str, float]) -> None:
        self.parameters = parameters


def _pyabc_model() -> Any:
    import pyabc

    class Replayed(pyabc.Model):
        """A model whose results the sampler computed in a batch beforehand: asked for a
        proposal not simulated yet, it raises ``_Pending`` with the proposal's values."""

        def __init__(self) -> None:
            super().__init__(name="commsim")
            self.result: dict[str, float] | None = None

        def sample(self, pars: Any) -> dict[str, float]:
            if self.result is None:
                raise _Pending({k: float(v) for k, v in pars.items()})
            return self.result

    return Replayed()


def _seed_slot(seed: int, t: int, slot: int) -> None:
    """Seed numpy's global generator for a slot: pyabc's priors and kernels draw from it
    (scipy's ``rvs`` without a ``random_state``), and offer no generator to pass."""
    np.random.seed(derive_seed(seed, f"abc-{t}-{slot}") % (2**32))  # noqa: NPY002


def _sampler(
    seed: int,
    model: Any,
    simulate: Simulator,
    progress: Callable[[str], None] | None,
) -> Any:
    import pyabc

    class CommsimSampler(pyabc.sampler.Sampler):
        """Proposals drawn here, seeded per slot; their simulations run in batches through
        the sweep backend; particles taken in slot order until ``n`` are accepted.

        Each slot calls pyabc's ``simulate_one`` twice under the same seed: first to learn
        the proposal (the model raises ``_Pending``), then, its simulation done, to weigh and
        accept it. The first ``n`` accepted slots make the generation whatever ran them.
        """

        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Callable[[], Any],
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Any:
            sample = self._create_empty_sample()
            slot, accepted, rate = 0, 0, 1.0
            while accepted < n and slot < max_eval:
                size = int(min(max_eval - slot, max(n, math.ceil((n - accepted) / rate * 1.2))))
                block = range(slot, slot + size)
                proposals = [(f"t{t}-s{s}", self._propose(simulate_one, t, s)) for s in block]
                results = simulate(proposals)
                for s, result in zip(block, results, strict=True):
                    _seed_slot(seed, t, s)
                    model.result = result
                    particle = simulate_one()
                    model.result = None
                    sample.append(particle)
                    slot = s + 1
                    accepted += bool(particle.accepted)
                    if accepted >= n:
                        break
                rate = max(accepted / slot, 0.01)
            self.nr_evaluations_ = slot
            if progress is not None:
                shown = "prior sample" if t < 0 else f"generation {t}"
                progress(f"{shown}: {accepted} accepted of {slot} simulated")
            if sample.n_accepted < n:
                sample.ok = False
            return sample

        @staticmethod
        def _propose(simulate_one: Callable[[], Any], t: int, s: int) -> dict[str, float]:
            _seed_slot(seed, t, s)
            try:
                simulate_one()
            except _Pending as pending:
                return pending.parameters
            raise RuntimeError("pyabc evaluated a proposal without simulating it")

    return CommsimSampler()


def _prior(spec: Target) -> Any:
    import pyabc

    def rv(d: Distribution) -> Any:
        if d.distribution == "uniform":
            return pyabc.RV("uniform", d.low, d.high - d.low)  # type: ignore[operator]
        if d.distribution == "loguniform":
            return pyabc.RV("loguniform", d.low, d.high)
        return pyabc.RV("norm", d.mean, d.sd)

    return pyabc.Distribution(**{name: rv(d) for name, d in spec.prior.items()})


def rms_z(sd: dict[str, float]) -> Callable[[dict[str, float], dict[str, float]], float]:
    """The distance: root mean square of (simulated - observed) / sd over the observations."""

    def distance(x: dict[str, float], x0: dict[str, float]) -> float:
        z = [(x[k] - x0[k]) / sd[k] for k in sd]
        return float(math.sqrt(sum(v * v for v in z) / len(z)))

    return distance


def _quiet_pyabc() -> None:
    """pyabc's INFO lines (every logger is under "ABC") give way to the progress lines."""
    logging.getLogger("ABC").setLevel(logging.WARNING)


def settings(target: LoadedTarget, quick: bool) -> ABCSettings:
    """The target's ABC settings, cut down to a few minutes' work with ``quick``."""
    abc = target.spec.abc
    if not quick:
        return abc
    return abc.model_copy(update={k: min(getattr(abc, k), v) for k, v in QUICK.items()})


# --- the calibration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """What a calibration returns: its folder, the posterior summary and particles, the
    generations, the predictive check."""

    out: Path
    summary: pd.DataFrame
    particles: pd.DataFrame
    generations: pd.DataFrame
    predictive: pd.DataFrame
    simulations: int  # model runs of this session (a resumed one counts its own)
    seconds: float


def check_out(out: Path, resume: bool) -> dict[str, Any] | None:
    """Refuse a non-empty folder commsim calibrate did not write; with ``resume``, return the
    manifest of the unfinished calibration there."""
    manifest = out / "manifest.json"
    if resume:
        try:
            previous = json.loads(manifest.read_text())
        except (OSError, ValueError):
            raise ValueError(f"--resume: {out} holds no calibration to continue") from None
        if previous.get("kind") != KIND:
            raise ValueError(f"--resume: {out} holds no calibration to continue")
        return previous
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(
            f"--out {out}: not empty; choose a new folder (an unfinished calibration continues "
            "with --resume)"
        )
    return None


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of weighted particles (each weight centred on its value)."""
    order = np.argsort(values)
    w = weights[order] / weights.sum()
    return float(np.interp(q, np.cumsum(w) - w / 2, values[order]))


def posterior_summary(particles: pd.DataFrame, target: LoadedTarget) -> pd.DataFrame:
    """Mean, sd, median and 95% interval per parameter (weighted), and the truth if known."""
    w = particles["weight"].to_numpy(float)
    rows = []
    for name in target.parameters:
        x = particles[name].to_numpy(float)
        mean = float(np.average(x, weights=w))
        row: dict[str, Any] = {
            "parameter": name,
            "mean": mean,
            "sd": float(math.sqrt(np.average((x - mean) ** 2, weights=w))),
            "q2.5": weighted_quantile(x, w, 0.025),
            "median": weighted_quantile(x, w, 0.5),
            "q97.5": weighted_quantile(x, w, 0.975),
        }
        if name in target.spec.truth:
            truth = float(target.spec.truth[name])
            row["truth"] = truth
            row["covered"] = bool(row["q2.5"] <= truth <= row["q97.5"])
        rows.append(row)
    return pd.DataFrame(rows)


def predictive_check(
    target: LoadedTarget, particles: pd.DataFrame, draws: int, simulate: Simulator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate from posterior draws (one run each, plus observation noise of the given sd)
    and compare with the observations: the draws, and a table per observed metric."""
    rng = np.random.default_rng(derive_seed(target.spec.seed, "predictive"))
    w = particles["weight"].to_numpy(float)
    picks = rng.choice(len(particles), size=draws, p=w / w.sum())
    sets = [
        (f"ppc-{i}", {name: float(particles[name].iloc[j]) for name in target.parameters})
        for i, j in enumerate(picks)
    ]
    sims = simulate(sets)
    frame = pd.DataFrame(sims)
    rows = []
    for obs in target.spec.observed:
        sim = frame[obs.label].to_numpy(float)
        rep = sim + rng.normal(0.0, float(obs.sd), size=len(sim))
        low, high = np.quantile(rep, [0.025, 0.975])
        rows.append(
            {
                "observed": obs.label,
                "value": float(obs.value),
                "sd": float(obs.sd),
                "simulated_mean": float(sim.mean()),
                "simulated_sd": float(sim.std(ddof=1)) if len(sim) > 1 else 0.0,
                "predictive_q2.5": float(low),
                "predictive_q97.5": float(high),
                "z": float((sim.mean() - obs.value) / obs.sd),
                "inside": bool(low <= obs.value <= high),
            }
        )
    draws_frame = pd.concat([pd.DataFrame([p for _, p in sets]), frame], axis=1)
    return pd.DataFrame(rows), draws_frame


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    from commsim._version import __version__

    return {"commsim": __version__, "pyabc": version("pyabc"), "numpy": np.__version__}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)


def _history(
    target: LoadedTarget,
    out: Path,
    abc: ABCSettings,
    simulate: Simulator,
    progress: Callable[[str], None] | None,
    resume: bool,
) -> Any:
    """pyabc's history once the generations asked for are done (continuing a stored run:
    pyabc keeps each finished generation in ``abc.db``; one cut short is run again)."""
    import pyabc

    _quiet_pyabc()
    spec = target.spec
    model = _pyabc_model()
    smc = pyabc.ABCSMC(
        model,
        _prior(spec),
        rms_z({o.label: float(o.sd) for o in spec.observed}),
        population_size=abc.population,
        sampler=_sampler(spec.seed, model, simulate, progress),
    )
    db = f"sqlite:///{(out / 'abc.db').resolve()}"
    if resume:
        smc.load(db, 1)
        left = abc.generations - (smc.history.max_t + 1)
    else:
        smc.new(db, target.observed())
        left = abc.generations
    if left > 0:
        eps = abc.epsilon if abc.epsilon is not None else 0.0
        smc.run(minimum_epsilon=eps, max_nr_populations=left)
    return smc.history


def _check_resume(
    previous: dict[str, Any] | None, target: LoadedTarget, abc: ABCSettings, root: Path
) -> None:
    if previous is None:
        return
    if previous.get("target_sha256") != target.sha256:
        raise ValueError(
            f"--resume: {root} was calibrated to another target file; choose another --out"
        )
    if previous.get("abc") != abc.model_dump():
        raise ValueError(
            f"--resume: {root} was calibrated with other settings ({previous.get('abc')}); "
            "resume with the same --quick or not"
        )


def _write_outputs(
    root: Path, target: LoadedTarget, result: Calibration, draws: pd.DataFrame
) -> None:
    from commsim.experiment import calibrate_figures

    _write_csv(result.summary, root / "posterior.csv")
    result.particles.to_parquet(root / "particles.parquet", index=False)
    _write_csv(result.particles, root / "particles.csv")
    _write_csv(result.generations, root / "generations.csv")
    _write_csv(result.predictive, root / "predictive.csv")
    _write_csv(draws, root / "predictive_draws.csv")
    calibrate_figures.draw(
        root / "figures", target, result.particles, result.summary, draws, result.predictive
    )


def calibrate(
    target: LoadedTarget,
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    quick: bool = False,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """Run ABC-SMC for ``target`` into the new folder ``out`` (or continue one there with
    ``resume``) and write the posterior, its figures and the predictive check."""
    from time import perf_counter

    root = Path(out)
    previous = check_out(root, resume)
    abc = settings(target, quick)
    _check_resume(previous, target, abc, root)
    backend = make_backend(workers, scheduler)  # fails before anything is written
    t0 = perf_counter()
    manifest = {
        "kind": KIND,
        "name": target.spec.name,
        "target": str(target.path),
        "target_sha256": target.sha256,
        "seed": target.spec.seed,
        "quick": quick,
        "abc": abc.model_dump(),
        "versions": _versions(),
        "backend": backend.description,
        "status": "running",
    }
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        backend.close()
        raise
    try:
        _write_json(root / "manifest.json", manifest)
        (root / f"target{target.path.suffix}").write_text(target.text, encoding="utf-8")
        simulate = Simulator(target, backend)
        history = _history(target, root, abc, simulate, progress, resume)
        particles = _particles(history, target)
        check, draws = predictive_check(target, particles, abc.predictive, simulate)
    except BaseException:
        _write_json(root / "manifest.json", {**manifest, "status": "stopped"})
        raise
    finally:
        backend.close()
    seconds = perf_counter() - t0
    result = Calibration(
        out=root,
        summary=posterior_summary(particles, target),
        particles=particles,
        generations=_generations(history),
        predictive=check,
        simulations=simulate.runs,
        seconds=seconds,
    )
    _write_outputs(root, target, result, draws)
    done = {"status": "done", "seconds": round(seconds, 1), "simulations": simulate.runs}
    _write_json(root / "manifest.json", {**manifest, **done})
    return result


def _particles(history: Any, target: LoadedTarget) -> pd.DataFrame:
    frame, w = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)[target.parameters].astype(float)
    frame["weight"] = np.asarray(w, float)
    return frame


def _generations(history: Any) -> pd.DataFrame:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return pd.DataFrame(
        {
            "generation": pops["t"].astype(int),
            "epsilon": pops["epsilon"].astype(float),
            "particles": pops["particles"].astype(int),
            "simulations": pops["samples"].astype(int),
        }
    ).assign(acceptance=lambda f: f["particles"] / f["simulations"])
