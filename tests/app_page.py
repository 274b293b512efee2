"""A participant's page rendered without a browser, as the server routes it."""

from __future__ import annotations

from typing import Any

import solara

from commsim.app.routes import routes


def joined(team: str = "workshop"):
    """The page a team gets at ``/?team=NAME``: joined, its run on the server's registry."""
    app = solara.autorouting.RenderPage()
    provider = solara.RoutingProvider(children=[app], routes=routes, pathname=f"/?team={team}")
    return solara.render(provider, handle_error=False)[1]


def members_drawn(patch: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """The members' series a network patch draws, as ``live_chart.vue`` joins the patch's
    values and sizes to the base's positions."""
    columns = patch["members"]
    return [
        {"value": [x, y, v], "symbolSize": s}
        for (x, y), v, s in zip(base["positions"], columns["value"], columns["size"], strict=True)
    ]
