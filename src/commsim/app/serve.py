"""Start the workshop app's server: checked inputs first, then Solara on this machine.

The page and all its scripts (Solara's Vue/Vuetify app, RequireJS, ECharts) are served by
this server from the installed ``solara-assets``; nothing is fetched from the internet, so
the app works in a workshop room with no network.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import secrets
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from commsim.app.app import CONFIG_ENV, IDLE_ENV, MODEL_ENV, PRESETS_ENV
from commsim.app.room import CODE_ENV
from commsim.config import ConfigError, load_config
from commsim.model import DEFAULT_MODEL, import_model

APP = "commsim.app.routes"  # the team's page at /, the facilitator's at /room


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


def shipped_presets() -> Path | None:
    """The session plan's scenario files that come with commsim: ``commsim/presets`` in an
    install (pyproject ships configs/ there), the repository's configs/ in a source checkout."""
    installed = importlib.resources.files("commsim") / "presets"
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[3] / "configs"
    return checkout if checkout.is_dir() else None


def preset_folders(config: Path | None) -> list[Path]:
    """Where the app's presets come from, first found first: the given scenario's folder (or
    ./configs), then the scenarios shipped with commsim."""
    own = config.resolve().parent if config is not None else Path("configs").resolve()
    found = [own] if own.is_dir() else []
    shipped = shipped_presets()
    return found + ([shipped] if shipped is not None and shipped not in found else [])


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that others on its network can reach, found without
    sending anything: the source address a UDP socket would use (``connect`` only picks the
    route), and those the host name resolves to."""
    found: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1; a UDP connect sends no packet
        found.append(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        for *_, address in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(address[0]))
    return [a for a in dict.fromkeys(found) if not a.startswith(("127.", "0."))]


def addresses(host: str, port: int) -> list[str]:
    """The page's addresses to print: on every interface (``0.0.0.0``), the machine's network
    addresses that participants open, then the one for this machine; never ``0.0.0.0``."""
    if host not in ("0.0.0.0", ""):
        return [f"http://{host}:{port}"]
    return [f"http://{a}:{port}" for a in lan_addresses()] + [f"http://127.0.0.1:{port}"]


def facilitator_code(code: str | None) -> str:
    """The code the room page asks for: the one given (checked), else a new random one."""
    if code is None:
        return secrets.token_hex(3)
    if not (code.isascii() and code.isalnum() and 4 <= len(code) <= 32):
        raise ConfigError(
            f"--facilitator-code {code!r}: use 4 to 32 letters or digits (nothing else)"
        )
    return code


def idle_minutes(minutes: float) -> float:
    if not minutes > 0:
        raise ConfigError(f"--idle-minutes {minutes:g}: must be more than 0")
    return minutes


def server_command(
    config: Path | None,
    port: int,
    host: str = "127.0.0.1",
    model: str = DEFAULT_MODEL,
    replay: bool = False,
    idle: float = 10.0,
    code: str = "",
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the app; the model and config are
    validated here. A replayed session's folder (a downloads folder) adds no presets."""
    cls = import_model(model, "--model")
    env = dict(os.environ)
    env[MODEL_ENV] = model
    env[IDLE_ENV] = f"{idle_minutes(idle):g}"
    # Solara keeps a vanished page's kernel as long as the registry keeps its team, not 24 h
    env["SOLARA_KERNEL_CULL_TIMEOUT"] = f"{idle:g}m"
    env[CODE_ENV] = code
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # no calls home from a workshop room
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # its "runs on Solara" sat over the Interventions
    # Solara's advice for pages embedded over https, printed on every visit over plain http
    env["PYTHONWARNINGS"] = "ignore:Cookies with samesite=none require https"
    if config is not None:
        # a broken file is one line here, not a traceback in the browser
        load_config(config, extensions=cls.extensions)
        env[CONFIG_ENV] = str(config.resolve())
    env[PRESETS_ENV] = os.pathsep.join(map(str, preset_folders(None if replay else config)))
    argv = [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port)]
    argv += ["--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    return argv, env


def serve(
    config: Path | None,
    port: int,
    host: str = "127.0.0.1",
    on_ready: Callable[[list[str], str], None] | None = None,
    model: str = DEFAULT_MODEL,
    replay: bool = False,
    idle: float = 10.0,
    code: str | None = None,
) -> None:
    """Replace this process with the Solara server (Ctrl-C stops it). ``on_ready`` gets the
    page's addresses (``addresses``) and the facilitator's code for its room page."""
    code = facilitator_code(code)
    argv, env = server_command(config, port, host, model, replay, idle, code)
    check_port(host, port)
    if on_ready is not None:
        on_ready(addresses(host, port), code)
    sys.stdout.flush()
    os.execve(argv[0], argv, env)
