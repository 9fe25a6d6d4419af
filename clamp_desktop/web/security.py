"""Passwords, browser sessions and the failed-login limit of the web server (no web framework here).

The password is kept only as an scrypt hash, in memory and in any file the app
writes; every comparison is constant-time.  A correct password is remembered
as an HMAC under a key made at start-up, so scripts sending HTTP Basic on every
request cost one scrypt, not one per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path

from ..errors import ClampDesktopError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
HASH_PREFIX = "scrypt$"
FAILURES_ALLOWED = 5          # failed logins per address ...
FAILURE_WINDOW_S = 60.0       # ... within this many seconds; more are answered 429
SESSION_LIFETIME_S = 7 * 24 * 3600
MAX_SESSIONS = 1000


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """'scrypt$N$r$p$salt$key' (base64): what the app stores instead of a password."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{HASH_PREFIX}{SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


class Password:
    """The server's password, as a hash; ``matches`` is constant-time."""

    def __init__(self, stored: str):
        self._n, self._r, self._p, self._salt, self._key = self._parse(stored)
        self._pepper = secrets.token_bytes(32)
        self._known_good: bytes | None = None

    @staticmethod
    def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
        if not stored.startswith(HASH_PREFIX):
            raise ClampDesktopError("The password hash is not of the form scrypt$N$r$p$salt$key.")
        try:
            n, r, p, salt, key = stored[len(HASH_PREFIX):].split("$")
            return int(n), int(r), int(p), base64.b64decode(salt, validate=True), base64.b64decode(key, validate=True)
        except ValueError as exc:
            raise ClampDesktopError("The password hash is damaged; set the password again.") from exc

    @classmethod
    def from_text(cls, text: str) -> Password:
        """From a password file's first line: an scrypt hash as stored by the app, or a plain password."""
        line = text.splitlines()[0].strip() if text.strip() else ""
        if not line:
            raise ClampDesktopError("The password file is empty; write the password on its first line.")
        return cls(line if line.startswith(HASH_PREFIX) else hash_password(line))

    @classmethod
    def from_file(cls, path: str | Path) -> Password:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ClampDesktopError(f"The password file {path} cannot be read ({exc}).") from exc
        return cls.from_text(text)

    def _tag(self, candidate: str) -> bytes:
        return hmac.new(self._pepper, candidate.encode("utf-8"), hashlib.sha256).digest()

    def matches(self, candidate: str) -> bool:
        tag = self._tag(candidate)
        known = self._known_good
        if known is not None and hmac.compare_digest(tag, known):
            return True
        good = hmac.compare_digest(_scrypt(candidate, self._salt, self._n, self._r, self._p), self._key)
        if good:
            self._known_good = tag
        return good


class Sessions:
    """Browser sessions: random tokens (kept as their SHA-256) with an expiry."""

    def __init__(self, lifetime_s: float = SESSION_LIFETIME_S, clock=time.monotonic):
        self._lifetime = lifetime_s
        self._clock = clock
        self._expiry: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8")).digest()

    def start(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry[self._digest(token)] = self._clock() + self._lifetime
            while len(self._expiry) > MAX_SESSIONS:
                self._expiry.popitem(last=False)
        return token

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expiry = self._expiry.get(self._digest(token))
            if expiry is not None and expiry < self._clock():
                del self._expiry[self._digest(token)]
                return False
            return expiry is not None

    def end(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._expiry.pop(self._digest(token), None)


class FailedLogins:
    """Failed logins per client address; ``retry_after`` says how long a blocked address waits."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window_s: float = FAILURE_WINDOW_S, clock=time.monotonic):
        self._allowed, self._window, self._clock = allowed, window_s, clock
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str) -> deque:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= self._clock() - self._window:
            failures.popleft()
        return failures

    def retry_after(self, address: str) -> int:
        """0 when the address may try; else seconds until its oldest recent failure expires."""
        with self._lock:
            failures = self._recent(address)
            if not failures:
                del self._failures[address]          # forget addresses with nothing recent
            if len(failures) < self._allowed:
                return 0
            return max(1, int(failures[0] + self._window - self._clock()) + 1)

    def record(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self._clock())


def is_loopback(host: str) -> bool:
    """True for 'localhost' and loopback addresses (127.0.0.0/8, ::1): only this computer can connect."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
