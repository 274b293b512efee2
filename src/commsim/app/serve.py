"""Start the workshop app's server: checked inputs first, then Solara on this machine.

The page and all its scripts (Solara's Vue/Vuetify app, RequireJS, ECharts) are served by
this server from the installed ``solara-assets``; nothing is fetched from the internet, so
the app works in a workshop room with no network.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from commsim.app.app import CONFIG_ENV, MODEL_ENV, PRESETS_ENV
from commsim.config import ConfigError, load_config
from commsim.model import DEFAULT_MODEL, import_model

APP = "commsim.app.app:Page"


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that another program already holds."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror})"
            ) from None


def server_command(
    config: Path | None, port: int, host: str = "127.0.0.1", model: str = DEFAULT_MODEL
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the app; the model and config are
    validated here."""
    cls = import_model(model, "--model")
    env = dict(os.environ)
    env[MODEL_ENV] = model
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # no calls home from a workshop room
    # Solara's advice for pages embedded over https, printed on every visit over plain http
    env["PYTHONWARNINGS"] = "ignore:Cookies with samesite=none require https"
    if config is not None:
        # a broken file is one line here, not a traceback in the browser
        load_config(config, extensions=cls.extensions)
        env[CONFIG_ENV] = str(config.resolve())
        env[PRESETS_ENV] = str(config.resolve().parent)
    elif Path("configs").is_dir():
        env[PRESETS_ENV] = str(Path("configs").resolve())
    argv = [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port)]
    argv += ["--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    return argv, env


def serve(
    config: Path | None,
    port: int,
    host: str = "127.0.0.1",
    on_ready: Callable[[str], None] | None = None,
    model: str = DEFAULT_MODEL,
) -> None:
    """Replace this process with the Solara server (Ctrl-C stops it)."""
    argv, env = server_command(config, port, host, model)
    check_port(host, port)
    if on_ready is not None:
        on_ready(f"http://{host}:{port}")
    sys.stdout.flush()
    os.execve(argv[0], argv, env)
