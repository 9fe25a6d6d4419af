"""Engine: indexing, search, tagging and similar pieces over the library (no Qt here)."""
