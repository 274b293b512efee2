"""The workshop app: a live Solara "practice field" that participants steer in a browser.

``session.py`` holds one participant's run (pure Python, testable without a browser),
``layout.py`` draws the organisation once (``groups.py`` gathers a large organisation into
teams), ``charts.py`` turns runs into chart options in ``theme.py``'s colours and sizes (and
its projector mode), ``components.py`` holds the Solara widgets and ``app.py`` the page;
``serve.py`` starts it. ``registry.py`` keeps every team's run in the server and steps them,
``live.py`` draws a playing team's steps without rendering its page, ``room.py`` is the
facilitator's page and ``routes.py`` serves both pages; ``records.py`` says what a saved
session holds.
"""
