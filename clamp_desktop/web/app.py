"""The Starlette application: the routes, behind the login gate (gate.py).

Routes name pieces by integer id only (``{id:int}``), and the interface's
files are a fixed set read from the package once: nothing in a request path
is ever joined to a file-system path.  Engine work runs in a thread, off the
event loop.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import ClampDesktopError, LibraryError, RenderError
from .gate import SESSION_COOKIE, Gate, address_of
from .security import SESSION_LIFETIME_S, FailedLogins, Password, Sessions
from .service import LibraryService, PieceNotFound

MAX_LOGIN_BODY = 4096
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css", "icon.svg": "image/svg+xml"}
CSP_SVG = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
LOGIN_MESSAGES = {"wrong": "Wrong password; try again.", "blocked": "Too many failed tries; wait a minute.",
                  "": ""}


def _static(name: str) -> bytes:
    if name == "icon.svg":
        return (resources.files("clamp_desktop.resources") / "icons" / "clamp-desktop.svg").read_bytes()
    return (resources.files("clamp_desktop.web") / "static" / name).read_bytes()


async def _typed_password(request: Request) -> str:
    """The login form's password field; a body longer than any form is not read to its end."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_LOGIN_BODY:
            break
    return parse_qs(body[:MAX_LOGIN_BODY].decode("utf-8", "replace")).get("password", [""])[0]


def _error(exc: ClampDesktopError) -> JSONResponse:
    status = 404 if isinstance(exc, PieceNotFound) else 422 if isinstance(exc, RenderError) else \
        503 if isinstance(exc, LibraryError) else 400
    return JSONResponse({"error": str(exc)}, status)


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        raise ClampDesktopError(f"{name} must be a whole number, not '{value[:20]}'.") from None


def create_app(service: LibraryService, password: Password | None = None, *, secure_cookies: bool = False,
               failures: FailedLogins | None = None) -> Starlette:
    """The web app over ``service``; with ``password`` every request but the login page needs it."""
    sessions, failures = Sessions(), failures or FailedLogins()
    files = {name: _static(name) for name in STATIC_FILES}
    index_page, login_page = _static("index.html"), _static("login.html").decode("utf-8")

    async def engine(function, *args) -> Response:
        try:
            return JSONResponse(await run_in_threadpool(function, *args))
        except ClampDesktopError as exc:
            return _error(exc)

    async def home(request: Request) -> Response:
        return HTMLResponse(index_page, headers={"Cache-Control": "no-cache"})

    async def static(request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[1]
        return Response(files[name], media_type=STATIC_FILES[name], headers={"Cache-Control": "no-cache"})

    def login_form(message: str, status: int = 200, headers: dict | None = None) -> Response:
        return HTMLResponse(login_page.replace("<!--message-->", LOGIN_MESSAGES[message]), status, headers)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_form("") if password else RedirectResponse("/", 303)
        wait = failures.retry_after(address_of(request))
        if wait:
            return login_form("blocked", 429, {"Retry-After": str(wait)})
        typed = await _typed_password(request)
        if password is None or await run_in_threadpool(password.matches, typed):
            response = RedirectResponse("/", 303)
            response.set_cookie(SESSION_COOKIE, sessions.start(), max_age=SESSION_LIFETIME_S, path="/",
                                httponly=True, samesite="strict", secure=secure_cookies)
            return response
        failures.record(address_of(request))
        return login_form("wrong", 401)

    async def logout(request: Request) -> Response:
        sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login" if password else "/", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def search(request: Request) -> Response:
        try:
            top, offset = _int(request, "top", 20), _int(request, "offset", 0)
        except ClampDesktopError as exc:
            return _error(exc)
        semantic = request.query_params.get("mode", "describe") != "filter"
        return await engine(service.search, request.query_params.get("q", ""), top, offset, semantic)

    async def facets(request: Request) -> Response:
        return await engine(service.facets)

    async def piece(request: Request) -> Response:
        return await engine(service.piece, request.path_params["piece_id"])

    async def similar(request: Request) -> Response:
        try:
            top = _int(request, "top", 10)
        except ClampDesktopError as exc:
            return _error(exc)
        return await engine(service.similar, request.path_params["piece_id"], top)

    async def page(request: Request) -> Response:
        try:
            svg = await run_in_threadpool(service.page_svg, request.path_params["piece_id"],
                                          request.path_params["page"])
        except ClampDesktopError as exc:
            return _error(exc)
        return Response(svg, media_type="image/svg+xml",
                        headers={"Content-Security-Policy": CSP_SVG, "Cache-Control": "private, max-age=3600"})

    routes = [
        Route("/", home),
        *(Route(f"/static/{name}", static) for name in STATIC_FILES),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/search", search),
        Route("/api/facets", facets),
        Route("/api/pieces/{piece_id:int}", piece),
        Route("/api/pieces/{piece_id:int}/similar", similar),
        Route("/api/pieces/{piece_id:int}/pages/{page:int}.svg", page),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Gate, password=password, sessions=sessions,
                                                           failures=failures)])
