"""Drawing a step without re-rendering the page: a page's live widgets, updated in place.

A Solara render walks the whole component tree: about 170 components and 80 widgets on the
workshop page, 20-30 ms of the server's one Python thread, while a step of a 500-member
model takes 1 ms and what it changes on screen is a few charts' newest points and colours.
In a room of 30 teams playing at 5 steps a second that walk alone is more than the server
has. So each live widget (a chart, the step counter) registers here with a function that
computes its traits from the run; a step sets only the traits that changed, on the widgets
themselves, and the page renders only when something else changed (a reset, an
intervention, a view setting). A render draws the same traits with the same functions, so
the two paths cannot draw different things.

The live traits are never an element's props: a render re-applies every prop of every
widget it walks, even of components it did not re-render (a slider moved in another card),
and would put back the values of the page's last render over the steps drawn since.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import solara

Traits = dict[str, Any]


class LiveWidgets:
    """One page's live widgets by name, each with the function that computes its traits."""

    def __init__(self) -> None:
        self._widgets: dict[str, tuple[Any, Callable[[], Traits]]] = {}
        self._lock = threading.Lock()

    def register(self, name: str, widget: Any, traits: Callable[[], Traits]) -> None:
        with self._lock:
            self._widgets[name] = (widget, traits)

    def unregister(self, name: str, widget: Any) -> None:
        with self._lock:
            if self._widgets.get(name, (None,))[0] is widget:
                del self._widgets[name]

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._widgets)

    def push(self) -> int:
        """Set every live widget's traits that differ from what it shows; how many were set."""
        with self._lock:
            live = list(self._widgets.values())
        return sum(show(widget, traits()) for widget, traits in live)


def show(widget: Any, traits: Traits) -> int:
    """Set the traits that differ from what ``widget`` shows, in one message; how many."""
    new = {k: v for k, v in traits.items() if getattr(widget, k) != v}
    if new:
        with widget.hold_sync():  # one message per widget, not one per trait
            for key, value in new.items():
                setattr(widget, key, value)
    return len(new)


#: the page's ``LiveWidgets``; a component rendered outside a page (tests) gets none
LIVE = solara.create_context(None)


def use_live(name: str, element: solara.Element, traits: Callable[[], Traits]) -> None:
    """Draw ``traits()`` on ``element``'s widget after every render of the calling component,
    and register the widget as live under ``name`` for as long as it is shown; the traits
    function is the latest render's (its run, its settings). ``element`` is made without
    these traits as props (see the module's note)."""
    live: LiveWidgets | None = solara.use_context(LIVE)
    latest = solara.use_ref(traits)
    latest.current = traits
    mounted = solara.use_ref(None)  # the element's widget: the same one at every render

    def register() -> Callable[[], None] | None:
        widget = mounted.current = solara.get_widget(element)
        if live is None:
            return None
        live.register(name, widget, lambda: latest.current())
        return lambda: live.unregister(name, widget)

    def draw() -> None:
        show(mounted.current, latest.current())

    solara.use_effect(register, [live, name])
    solara.use_effect(draw, None)  # after every render: its settings may have changed
