"""The login gate: lets a request through with a session cookie or HTTP Basic; adds the security headers.

Without a password (a loopback server) every request passes that names this
computer in its Host header: a web page that points its own domain name at
127.0.0.1 (DNS rebinding) is refused.  Failed HTTP Basic attempts count towards
the per-address limit, as failed form logins do.
"""

from __future__ import annotations

import base64
import binascii

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .security import FailedLogins, Password, Sessions, is_loopback

SESSION_COOKIE = "clamp_session"
PUBLIC_PATHS = {"/login", "/static/app.css", "/static/icon.svg"}
CSP_PAGES = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class Gate(BaseHTTPMiddleware):
    """Lets a request through with a session cookie or HTTP Basic, when a password is set; adds the headers."""

    def __init__(self, app, password: Password | None, sessions: Sessions, failures: FailedLogins):
        super().__init__(app)
        self.password, self.sessions, self.failures = password, sessions, failures

    async def dispatch(self, request: Request, call_next) -> Response:
        response = await self._guarded(request, call_next)
        response.headers.setdefault("Content-Security-Policy", CSP_PAGES)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def _guarded(self, request: Request, call_next) -> Response:
        if self.password is None:
            if not is_loopback(request.url.hostname or ""):
                return JSONResponse({"error": "Without a password this server answers only to addresses of "
                                              "this computer (127.0.0.1, localhost)."}, 403)
            return await call_next(request)
        if request.url.path in PUBLIC_PATHS:
            return await call_next(request)
        if self.sessions.valid(request.cookies.get(SESSION_COOKIE)):
            return await call_next(request)
        basic = _basic_password(request)
        if basic is None:
            return _login_needed(request)
        address = address_of(request)
        wait = self.failures.retry_after(address)
        if wait:
            return _too_many(wait)
        if await run_in_threadpool(self.password.matches, basic):
            return await call_next(request)
        self.failures.record(address)
        return JSONResponse({"error": "Wrong password."}, 401, {"WWW-Authenticate": 'Basic realm="clamp-desktop"'})


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _basic_password(request: Request) -> str | None:
    """The password of an ``Authorization: Basic`` header (any user name); '' when it is unreadable."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def _login_needed(request: Request) -> Response:
    if not request.url.path.startswith("/api/"):
        return RedirectResponse("/login", 303)
    headers = {} if request.headers.get("x-requested-with") else {"WWW-Authenticate": 'Basic realm="clamp-desktop"'}
    return JSONResponse({"error": "Log in first (a session cookie from /login, or HTTP Basic with the password)."},
                        401, headers)


def _too_many(wait: int) -> Response:
    return JSONResponse({"error": f"Too many failed logins from this address; try again in {wait} s."}, 429,
                        {"Retry-After": str(wait)})
