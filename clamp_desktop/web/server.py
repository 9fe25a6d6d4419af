"""Starting the web server: the checks, the listening socket and uvicorn.

``serve`` runs in the foreground (the ``serve`` command); ``BackgroundServer``
runs the same server on a thread (tests, benchmarks).  The socket is bound
before uvicorn starts, so a port in use is one clear line, and a client that
connects early simply waits in the listen queue.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from ..errors import ClampDesktopError
from .app import create_app
from .network import is_any_address, lan_address
from .security import Password, is_loopback
from .service import LibraryService

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


@dataclass
class ServeOptions:
    db: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    password_file: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    model: str | None = None
    device: str | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.certfile else "http"


def checked_password(options: ServeOptions) -> Password | None:
    """The password to ask for, or None on a loopback host without one; refuses what is unsafe."""
    if (options.certfile is None) != (options.keyfile is None):
        raise ClampDesktopError("TLS needs both --certfile and --keyfile.")
    for path in (options.certfile, options.keyfile):
        if path is not None and not Path(path).is_file():
            raise ClampDesktopError(f"The TLS file {path} does not exist.")
    if options.password_file is not None:
        return Password.from_file(options.password_file)
    if not is_loopback(options.host):
        raise ClampDesktopError(f"Refusing to serve on {options.host} without a password: "
                                "add --password-file FILE (only 127.0.0.1 may go without one).")
    return None


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family, backlog=128)
    except OSError as exc:
        raise ClampDesktopError(f"Cannot listen on {host}:{port} ({exc.strerror or exc}); "
                                "choose another --port or --host.") from exc


def public_url(options: ServeOptions, port: int | None = None) -> str:
    host = lan_address() if is_any_address(options.host) else options.host
    host = f"[{host}]" if ":" in host else host
    return f"{options.scheme}://{host}:{port or options.port}/"


def _uvicorn(options: ServeOptions, service: LibraryService, password: Password | None) -> uvicorn.Server:
    app = create_app(service, password, secure_cookies=options.certfile is not None)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="h11",
                            ssl_certfile=str(options.certfile) if options.certfile else None,
                            ssl_keyfile=str(options.keyfile) if options.keyfile else None)
    return uvicorn.Server(config)


def serve(options: ServeOptions, announce=print) -> None:
    """Serve until interrupted (Ctrl+C); ``announce`` gets the address line once listening."""
    password = checked_password(options)
    sock = listening_socket(options.host, options.port)
    service = LibraryService(options.db, options.model, options.device)
    try:
        service.model.warm_up()
        server = _uvicorn(options, service, password)
        announce(f"Serving {options.db} at {public_url(options, sock.getsockname()[1])} (Ctrl+C stops)")
        server.run(sockets=[sock])
    finally:
        sock.close()
        service.close()


class BackgroundServer:
    """The server on a thread of this process, on a free loopback port (tests, benchmarks)."""

    def __init__(self, options: ServeOptions, service: LibraryService | None = None):
        password = checked_password(options)
        self.service = service or LibraryService(options.db, options.model, options.device)
        self.socket = listening_socket(options.host, options.port)
        self.port = self.socket.getsockname()[1]
        self.url = f"{options.scheme}://{options.host}:{self.port}"
        self._server = _uvicorn(options, self.service, password)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.socket]},
                                        name="clamp-web", daemon=True)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join()
        self.socket.close()
        self.service.close()
