"""A model named by an import path, ``package.module:Class``, so it can cross processes.

Sweeps send a run's model to pool and Dask workers as this path (never as a pickled class),
the CLI takes it as ``--model``, the app's server process receives it; ``model_path`` gives
any importable model class its name.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from commsim.config import Config, ConfigError
from commsim.model.model import CommunityModel

DEFAULT_MODEL = "commsim.model:CommunityModel"
_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def model_path(model: type[CommunityModel]) -> str:
    """The import path of a model class; ConfigError if no other process could import it."""
    if model is CommunityModel:
        return DEFAULT_MODEL
    path = f"{model.__module__}:{model.__qualname__}"
    if "<locals>" in path or model.__module__ == "__main__":
        where = "a function" if "<locals>" in path else "the script being run"
        raise ConfigError(
            f"model {model.__qualname__}: defined in {where}, so no worker process can "
            "import it; define it in an importable module"
        )
    return path


def import_model(
    path: str | type[CommunityModel] | None, what: str = "--model"
) -> type[CommunityModel]:
    """The model class at ``package.module:Class`` (a class is returned as it is)."""
    if path is None:
        return CommunityModel
    if isinstance(path, type):
        if not issubclass(path, CommunityModel):
            raise ConfigError(f"{what}: {path.__qualname__} is not a CommunityModel subclass")
        return path
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise ConfigError(f"{what}: expected package.module:Class (got {path!r})")
    module_name, _, qualname = path.partition(":")
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{what}: cannot import '{module_name}': {exc}") from None
    for part in qualname.split("."):
        if not hasattr(found, part):
            raise ConfigError(f"{what}: module '{module_name}' has no '{qualname}'")
        found = getattr(found, part)
    if not (isinstance(found, type) and issubclass(found, CommunityModel)):
        raise ConfigError(f"{what}: '{path}' is not a CommunityModel subclass")
    return found


def model_fields(model: type[CommunityModel], config: Config) -> dict[str, Any]:
    """Which model and extensions (with versions) make a run, for manifests and a sweep's
    basis; nothing for the built-in model alone, so what was recorded before models could be
    chosen stays valid."""
    extensions = model.catalogue_for(config).extensions
    fields: dict[str, Any] = {}
    if model is not CommunityModel:
        fields["model"] = model_path(model)
    if extensions:
        fields["extensions"] = {e.name: e.version for e in extensions}
    return fields
