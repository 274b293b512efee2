"""commsim: agent-based simulation of learning communities on Mesa.

The public names below are imported on first use, so ``import commsim.config`` (which the
model core does) stays light and never drags in the layers built on top of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from commsim._version import __version__

_EXPORTS = {
    "run": "commsim.api",
    "load_results": "commsim.api",
    "RunResult": "commsim.api",
    "sweep": "commsim.api",
    "summarise_sweep": "commsim.api",
    "summarize_sweep": "commsim.api",  # the former spelling, until commsim 1.0
    "sweep_metrics": "commsim.api",
    "sensitivity": "commsim.api",
    "plot_sweep": "commsim.api",
    "plot_sensitivity": "commsim.api",
    "sweep_plan": "commsim.api",
    "discover": "commsim.api",
    "plot_discovery": "commsim.api",
    "compare_policies": "commsim.api",
    "plot_policies": "commsim.api",
    "calibrate": "commsim.api",
    "load_config": "commsim.config",
    "Config": "commsim.config",
    "ConfigError": "commsim.config",
    "CommunityModel": "commsim.model",
}

__all__ = [
    "CommunityModel",
    "Config",
    "ConfigError",
    "RunResult",
    "__version__",
    "calibrate",
    "compare_policies",
    "discover",
    "load_config",
    "load_results",
    "plot_discovery",
    "plot_policies",
    "plot_sensitivity",
    "plot_sweep",
    "run",
    "sensitivity",
    "summarise_sweep",
    "sweep",
    "sweep_metrics",
    "sweep_plan",
]

if TYPE_CHECKING:
    from commsim.api import (
        RunResult,
        calibrate,
        compare_policies,
        discover,
        load_results,
        plot_discovery,
        plot_policies,
        plot_sensitivity,
        plot_sweep,
        run,
        sensitivity,
        summarise_sweep,
        summarize_sweep,  # noqa: F401 (the former spelling, not in __all__)
        sweep,
        sweep_metrics,
        sweep_plan,
    )
    from commsim.config import Config, ConfigError, load_config
    from commsim.model import CommunityModel


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'commsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
