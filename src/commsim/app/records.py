"""What a session leaves behind: its settings, its interventions, and a scenario file of both.

A saved session is an ordinary scenario file: the config as run, its seed and step count, and
every intervention (the scenario's and the participant's) as ``[[interventions]]`` at the step
it first affected, in the order the model applied them. ``commsim run FILE`` and
``commsim app --replay FILE`` then reproduce the session's numbers exactly: a lever pulled
between steps ``s - 1`` and ``s`` and the same lever scheduled at step ``s`` run the same
code with the same random stream (tests/test_app_session.py checks every metric of every step).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from commsim.config import ORG_FILES, Config
from commsim.model import Collaboration, OrgChart

Logged = Mapping[str, Any]  # an intervention: {"step", "action", "params": JSON text}


def settings(config: Config) -> dict[str, Any]:
    """Every field of ``config`` that differs from the default (with its name, seed and steps
    always), as JSON data; an organisation of one's own as its file's name."""
    fields = type(config).model_fields
    found: dict[str, Any] = {}
    for name, field in fields.items():
        value = getattr(config, name)
        if name == "interventions" or (
            value == field.default and name not in ("name", "seed", "steps")
        ):
            continue
        if name in ORG_FILES and isinstance(value, OrgChart | Collaboration):
            value = value.source
        found[name] = list(value) if isinstance(value, tuple) else value
    return found


def interventions(log: Iterable[Logged]) -> list[dict[str, Any]]:
    """Logged interventions as scheduled ones: step, action and the arguments given."""
    return [
        {"step": e["step"], "action": e["action"]}
        | {k: v for k, v in json.loads(e["params"]).items() if v is not None}
        for e in log
    ]


def _toml(value: Any) -> str:
    """One TOML value; floats as Python's shortest exact text, so they read back bit for bit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to a scenario file")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"cannot write {type(value).__name__} to a scenario file")


def session_toml(
    config: Config, steps: int, scheduled: Sequence[Logged], note: str, whose: Sequence[str]
) -> str:
    """A scenario file that reruns a session: ``config`` stopped at ``steps``, with every
    intervention of ``scheduled`` (logged ones, in the order applied), each commented with
    who pulled it (``whose``: the scenario, the participant)."""
    lines = [f"# {line}" for line in note.splitlines()]
    lines += [f"{k} = {_toml(v)}" for k, v in (settings(config) | {"steps": steps}).items()]
    for spec, who in zip(interventions(scheduled), whose, strict=True):
        lines += ["", f"[[interventions]]  # the {who}'s"]
        lines += [f"{k} = {_toml(v)}" for k, v in spec.items()]
    return "\n".join(lines) + "\n"
