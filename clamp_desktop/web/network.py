"""Which address other devices on the home network reach this computer at (no web framework here)."""

from __future__ import annotations

import socket


def lan_address() -> str:
    """This computer's address on the local network (the one other devices reach), else 127.0.0.1."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))    # no packet is sent: this only picks the outgoing interface
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def is_any_address(host: str) -> bool:
    """True for the hosts that mean every interface (0.0.0.0, ::)."""
    return host.strip("[]") in ("0.0.0.0", "::", "")
