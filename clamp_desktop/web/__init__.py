"""The web face: ``clamp-desktop serve``, the library in any browser on the home network.

A thin face over the engine, beside ``ui`` and ``cli``: ``security`` (passwords,
sessions, the failed-login limit), ``service`` (the engine on its lanes, read-only
library connections, the page cache), ``app`` (the Starlette routes and headers),
``server`` (options, checks, uvicorn) and ``static/`` (the phone and tablet
interface: plain HTML, CSS and JavaScript, no build step). Read-only: it never
changes the library.
"""
