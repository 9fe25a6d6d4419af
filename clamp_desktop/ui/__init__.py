"""The desktop app: Qt widgets only (no SQL, no torch); the engine is reached through the worker."""
