"""A participant's page rendered without a browser, as the server routes it."""

from __future__ import annotations

import solara

from commsim.app.routes import routes


def joined(team: str = "workshop"):
    """The page a team gets at ``/?team=NAME``: joined, its run on the server's registry."""
    app = solara.autorouting.RenderPage()
    provider = solara.RoutingProvider(children=[app], routes=routes, pathname=f"/?team={team}")
    return solara.render(provider, handle_error=False)[1]
