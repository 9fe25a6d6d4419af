"""Ingest: finding score files, converting them to CLaMP ABC, reading their metadata."""

from .convert import musicxml_bytes_to_clamp_abc, to_clamp_abc

__all__ = ["musicxml_bytes_to_clamp_abc", "to_clamp_abc"]
