"""Running the real web server on a free loopback port for the web tests."""

from __future__ import annotations

import base64
import http.client
from pathlib import Path

from clamp_desktop.web.server import BackgroundServer, ServeOptions

PASSWORD = "correct horse battery"


def password_file(folder: Path, text: str = PASSWORD) -> Path:
    path = folder / "password.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def start(db: Path, password: Path | None, service=None, **options) -> BackgroundServer:
    """A server on 127.0.0.1 and a port the system picks; use it as a context manager."""
    return BackgroundServer(ServeOptions(db, "127.0.0.1", 0, password, **options), service)


def basic(password: str = PASSWORD, user: str = "script") -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def raw_get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET with the request line sent exactly as given (no client-side cleaning of '..' or '%2f')."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
