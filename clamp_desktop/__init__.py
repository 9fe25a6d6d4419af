"""clamp-desktop: a desktop library for music scores with CLaMP search and tagging."""

__version__ = "0.1.0"
